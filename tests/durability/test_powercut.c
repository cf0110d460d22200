/*
 * Power-cut test of aetherd (issue 11): durability that is proven, in the
 * manner of SQLite's crash tests and FoundationDB's simulated disks.
 *
 * aetherd runs under powercut.so (LD_PRELOAD; the model of what survives is
 * described there): writes not yet made durable by fsync/fdatasync, and
 * directory changes not yet made durable by a directory fsync, are discarded
 * at each simulated power cut. Four clients submit a stream of transfers with
 * the real `aether transfer --wait` command through JSON-RPC. Every cut
 * (half of them at a random moment, half instead of the N-th sync of a store
 * file, i.e. between a write and its sync) is followed by a restart, and then:
 *   1. every transfer whose receipt a client saw is present (aeth_getReceipt);
 *   2. the state root equals a replay of the committed blocks: every block is
 *      read back (aeth_getBlockByNumber), its transfers applied in order to a
 *      model (nonces must follow), the model's accounts written to a fresh
 *      store whose root must equal the node's root and the tip header's;
 *   3. total supply is conserved: the node's balances of every account and
 *      the validator add up to the genesis allocation.
 *
 * Usage: test_powercut AETHERD AETHER POWERCUT_SO [CUTS]   (ctest passes them)
 * Env: POWERCUT_CUTS overrides CUTS, POWERCUT_SEED the random seed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chain/state/state.h"
#include "harness.h"

#define N_ACCOUNTS 6
#define N_SENDERS 4
#define BALANCE 1000000000000ull

static h_node_t H;
static char so_path[600], pc_dir[700], data_dir[600];
static char key_path[N_ACCOUNTS][700];
static chain_addr_t addr[N_ACCOUNTS];

/* ---- acknowledged transfers ------------------------------------------------------ */

static pthread_mutex_t ack_lock = PTHREAD_MUTEX_INITIALIZER;
static h_tx_t *acked;
static size_t n_acked, cap_acked;
static _Atomic bool stop_senders;
static _Atomic size_t n_attempts;

static void ack(const chain_hash_t *h)
{
    pthread_mutex_lock(&ack_lock);
    if (n_acked == cap_acked) {
        size_t nc = cap_acked ? cap_acked * 2 : 256;
        h_tx_t *v = realloc(acked, nc * sizeof *v);
        if (!v) {
            pthread_mutex_unlock(&ack_lock);
            return;
        }
        acked = v;
        cap_acked = nc;
    }
    memset(&acked[n_acked], 0, sizeof acked[0]);
    acked[n_acked++].hash = *h;
    pthread_mutex_unlock(&ack_lock);
}

/* One client: `aether transfer --wait` again and again from its own account. */
static void *sender(void *arg)
{
    int s = (int)(intptr_t)arg;
    unsigned seed = (unsigned)s * 7919u + (unsigned)time(NULL);
    while (!stop_senders) {
        int to = rand_r(&seed) % N_ACCOUNTS;
        char amount[32];
        snprintf(amount, sizeof amount, "%d", 1 + rand_r(&seed) % 1000);
        const char *argv[] = {H.aether, "transfer", "--key", key_path[s], "--to", key_path[to],
                              "--amount", amount, "--wait", "--timeout", "5", "--rpc", H.url,
                              NULL};
        char *out = NULL;
        n_attempts++;
        int rc = h_run(argv, &out);
        if (rc == 0 && out) {
            /* {"hash": "<64 hex>", ... "receipt": {... "success": true ...}} */
            json_t *j = json_loads(out, 0, NULL);
            const char *hx = json_string_value(json_object_get(j, "hash"));
            chain_hash_t h;
            err_t e = {0};
            if (hx && json_is_true(json_object_get(json_object_get(j, "receipt"), "success")) &&
                chain_hash_from_hex(hx, &h, &e) == 0)
                ack(&h);
            json_decref(j);
        } else if (rc != 0) {
            struct timespec ts = {0, 20 * 1000000};
            nanosleep(&ts, NULL); /* the node is down: do not spin */
        }
        free(out);
    }
    return NULL;
}

/* ---- the replay ------------------------------------------------------------------------ */

typedef struct acct {
    chain_addr_t a;
    chain_u128_t balance;
    uint64_t nonce;
} acct_t;

static acct_t *acct_get(acct_t *m, int *n, const chain_addr_t *a)
{
    for (int i = 0; i < *n; i++)
        if (memcmp(m[i].a.b, a->b, sizeof a->b) == 0)
            return &m[i];
    if (*n >= 64)
        return NULL;
    memset(&m[*n], 0, sizeof m[0]);
    m[*n].a = *a;
    return &m[(*n)++];
}

static int u128_field(json_t *o, const char *k, chain_u128_t *v)
{
    json_t *f = json_object_get(o, k);
    err_t e = {0};
    return json_is_string(f) &&
                   chain_u128_parse(json_string_value(f), json_string_length(f), v, &e) == 0
               ? 0
               : -1;
}

static int hex_field(json_t *o, const char *k, uint8_t *out, size_t n)
{
    const char *s = json_string_value(json_object_get(o, k));
    err_t e = {0};
    return s && strlen(s) == 2 * n && hex_decode(s, 2 * n, out, n, &e) == 0 ? 0 : -1;
}

/* Root of a fresh store holding exactly the model's accounts. */
static int model_root(const acct_t *m, int n, chain_hash_t *root)
{
    static int seq;
    char dir[700];
    snprintf(dir, sizeof dir, "%s/replay-%d", H.dir, seq++);
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    if (!st) {
        fprintf(stderr, "replay store: %s\n", e.msg);
        return -1;
    }
    chain_genesis_t g;
    memset(&g, 0, sizeof g);
    g.chain_id = H.chain_id;
    memcpy(g.proposer_pk, H.validator.pk, CHAIN_PK_BYTES);
    int rc = chain_state_init_genesis(st, &g, &e);
    chain_overlay_t *ov = rc == 0 ? chain_overlay_new(st, &e) : NULL;
    for (int i = 0; ov && rc == 0 && i < n; i++) {
        chain_account_t a = {m[i].balance, m[i].nonce};
        rc = chain_overlay_put_account(ov, &m[i].a, &a, &e);
    }
    if (ov && rc == 0)
        rc = chain_overlay_root(ov, root, &e);
    if (!ov || rc != 0)
        fprintf(stderr, "replay root: %s\n", e.msg);
    chain_overlay_free(ov);
    chain_state_close(st);
    const char *rm[] = {"rm", "-rf", dir, NULL};
    h_run(rm, NULL);
    return ov && rc == 0 ? 0 : -1;
}

/* Replays blocks 1..tip onto the genesis allocation; compares roots. Returns
 * the number of problems found (each printed). */
static int check_replay(rpc_client_t *c, uint64_t *height_out, size_t *n_txs_out)
{
    acct_t m[64];
    int n = 0, bad = 0;
    for (int i = 0; i < N_ACCOUNTS; i++) {
        acct_t *a = acct_get(m, &n, &addr[i]);
        a->balance = chain_u128_from_u64(BALANCE);
    }
    json_t *sr = h_call(c, "aeth_getStateRoot", NULL);
    if (!sr) {
        fprintf(stderr, "FAIL: aeth_getStateRoot\n");
        return 1;
    }
    uint64_t height = (uint64_t)json_integer_value(json_object_get(sr, "height"));
    chain_hash_t node_root, tip_root = {{0}}, replay_root;
    err_t e = {0};
    if (chain_hash_from_hex(json_string_value(json_object_get(sr, "root")), &node_root, &e) != 0) {
        fprintf(stderr, "FAIL: state root answer: %s\n", e.msg);
        json_decref(sr);
        return 1;
    }
    json_decref(sr);
    size_t n_txs = 0;
    for (uint64_t h = 1; h <= height && bad < 5; h++) {
        json_t *b = h_call(c, "aeth_getBlockByNumber", json_pack("[I,b]", (json_int_t)h, 1));
        if (!json_is_object(b)) {
            fprintf(stderr, "FAIL: block %llu is missing below the tip %llu\n",
                    (unsigned long long)h, (unsigned long long)height);
            json_decref(b);
            bad++;
            break;
        }
        chain_addr_t prop;
        if (hex_field(b, "proposer", prop.b, sizeof prop.b) != 0) {
            fprintf(stderr, "FAIL: block %llu: no proposer\n", (unsigned long long)h);
            bad++;
        }
        size_t i;
        json_t *tx;
        json_array_foreach(json_object_get(b, "transactions"), i, tx) {
            chain_addr_t from, to;
            chain_u128_t amount, fee;
            uint64_t nonce = (uint64_t)json_integer_value(json_object_get(tx, "nonce"));
            const char *kind = json_string_value(json_object_get(tx, "kind"));
            if (!json_is_integer(json_object_get(tx, "nonce")) || !kind ||
                strcmp(kind, "transfer") != 0 ||
                hex_field(tx, "sender", from.b, sizeof from.b) != 0 ||
                hex_field(tx, "to", to.b, sizeof to.b) != 0 || u128_field(tx, "amount", &amount) ||
                u128_field(tx, "fee", &fee)) {
                fprintf(stderr, "FAIL: block %llu tx %zu: not a transfer this test sent\n",
                        (unsigned long long)h, i);
                bad++;
                continue;
            }
            acct_t *s = acct_get(m, &n, &from);
            chain_u128_t cost;
            if (!s || s->nonce != nonce || !chain_u128_add(amount, fee, &cost) ||
                !chain_u128_sub(s->balance, cost, &s->balance)) {
                fprintf(stderr, "FAIL: block %llu tx %zu: nonce %llu (expected %llu) or funds\n",
                        (unsigned long long)h, i, (unsigned long long)nonce,
                        s ? (unsigned long long)s->nonce : 0ull);
                bad++;
                continue;
            }
            s->nonce++;
            acct_t *r = acct_get(m, &n, &to);
            acct_t *p = acct_get(m, &n, &prop);
            if (!r || !p || !chain_u128_add(r->balance, amount, &r->balance) ||
                !chain_u128_add(p->balance, fee, &p->balance)) {
                bad++;
                continue;
            }
            n_txs++;
        }
        if (h == height && hex_field(b, "state_root", tip_root.b, sizeof tip_root.b) != 0)
            bad++;
        json_decref(b);
    }
    if (bad)
        return bad;
    if (height == 0) {
        json_t *b = h_call(c, "aeth_getBlockByNumber", json_pack("[I,b]", (json_int_t)0, 0));
        if (hex_field(b, "state_root", tip_root.b, sizeof tip_root.b) != 0)
            bad++;
        json_decref(b);
    }
    if (model_root(m, n, &replay_root) != 0)
        return bad + 1;
    char a[65], b2[65], t[65];
    chain_hash_to_hex(&replay_root, a);
    chain_hash_to_hex(&node_root, b2);
    chain_hash_to_hex(&tip_root, t);
    if (!chain_hash_equal(&replay_root, &node_root) || !chain_hash_equal(&replay_root, &tip_root)) {
        fprintf(stderr, "FAIL: state root after replay of %llu blocks (%zu transfers) is %s; the "
                "node says %s, its tip header %s\n", (unsigned long long)height, n_txs, a, b2, t);
        bad++;
    }
    /* Supply: the node's own balances add up to the genesis allocation. */
    chain_u128_t total = chain_u128_from_u64(0);
    for (int i = 0; i < n; i++) {
        char hex[41];
        chain_addr_to_hex(&m[i].a, hex);
        json_t *r = h_call(c, "aeth_getAccount", json_pack("[s]", hex));
        chain_u128_t v = chain_u128_from_u64(0);
        if (r && !json_is_null(r) && u128_field(r, "balance", &v) != 0) {
            fprintf(stderr, "FAIL: aeth_getAccount %s\n", hex);
            bad++;
        }
        json_decref(r);
        if (!chain_u128_add(total, v, &total))
            bad++;
    }
    chain_u128_t want = chain_u128_from_u64(BALANCE * N_ACCOUNTS);
    if (chain_u128_cmp(total, want) != 0) {
        fprintf(stderr, "FAIL: total supply is %llu, genesis allocated %llu\n",
                (unsigned long long)total.lo, (unsigned long long)want.lo);
        bad++;
    }
    *height_out = height;
    *n_txs_out = n_txs;
    return bad;
}

/* Every acknowledged transfer has its receipt. */
static int check_acked(rpc_client_t *c)
{
    pthread_mutex_lock(&ack_lock);
    size_t n = n_acked;
    int *st = calloc(n ? n : 1, sizeof *st);
    int bad = 0;
    if (!st || h_receipts(c, acked, n, st) != 0) {
        fprintf(stderr, "FAIL: reading the receipts of %zu acknowledged transfers\n", n);
        bad = 1;
    } else {
        for (size_t i = 0; i < n; i++)
            if (st[i] != 1) {
                char hex[65];
                chain_hash_to_hex(&acked[i].hash, hex);
                if (bad++ < 5)
                    fprintf(stderr, "FAIL: transfer %s was acknowledged with a receipt and is "
                            "gone after the power cut\n", hex);
            }
        if (bad)
            fprintf(stderr, "FAIL: %d of %zu acknowledged transfers lost\n", bad, n);
    }
    free(st);
    pthread_mutex_unlock(&ack_lock);
    return bad;
}

/* ---- node under the shim ------------------------------------------------------------ */

static int start_node(void)
{
    const char *extra[] = {"--block-ms", "30", "--heartbeat-ms", "300", NULL};
    setenv("LD_PRELOAD", so_path, 1);
    setenv("POWERCUT_ROOT", data_dir, 1);
    setenv("POWERCUT_DIR", pc_dir, 1);
    int rc = h_start(&H, extra, 30000);
    unsetenv("LD_PRELOAD");
    unsetenv("POWERCUT_ROOT");
    unsetenv("POWERCUT_DIR");
    return rc;
}

static int touch(const char *name, const char *content)
{
    char tmp[800], path[800];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", pc_dir, name);
    snprintf(path, sizeof path, "%s/%s", pc_dir, name);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fputs(content, f);
    fclose(f);
    return rename(tmp, path);
}

/* Waits up to ms for the node to die; 1 when it was SIGKILLed (by the shim). */
static int wait_cut(unsigned ms)
{
    uint64_t end = h_now_ms() + ms;
    while (h_now_ms() < end) {
        int st;
        pid_t r = waitpid(H.pid, &st, WNOHANG);
        if (r == H.pid) {
            H.pid = 0;
            return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 1 : -1;
        }
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static int count_cuts_in_log(void)
{
    char path[700], line[1024];
    snprintf(path, sizeof path, "%s/node.log", H.dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "powercut: cut", 13) == 0) {
            n++;
            fputs(line, stderr);
        }
    if (f)
        fclose(f);
    /* Keep the log short: the lines were echoed. */
    if (f && truncate(path, 0) != 0)
        fprintf(stderr, "cannot truncate %s\n", path);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: test_powercut AETHERD AETHER POWERCUT_SO [CUTS]\n");
        return 2;
    }
    int cuts = argc > 4 ? atoi(argv[4]) : 12;
    if (getenv("POWERCUT_CUTS"))
        cuts = atoi(getenv("POWERCUT_CUTS"));
    unsigned seed = getenv("POWERCUT_SEED") ? (unsigned)atol(getenv("POWERCUT_SEED"))
                                            : (unsigned)time(NULL);
    fprintf(stderr, "power-cut test: %d cuts, seed %u (POWERCUT_SEED=%u reproduces the schedule)\n",
            cuts, seed, seed);
    srand(seed);
    int rc = h_init(&H, "powercut", argv[1], argv[2]);
    if (rc != 0)
        return rc == 77 ? 77 : 1;
    snprintf(so_path, sizeof so_path, "%s", argv[3]);
    snprintf(data_dir, sizeof data_dir, "%s/data", H.dir);
    snprintf(pc_dir, sizeof pc_dir, "%s/powercut", H.dir);
    int failures = 0;
    rpc_client_t *c = NULL;
    if (access(so_path, R_OK) != 0 || mkdir(pc_dir, 0700) != 0 ||
        h_write_genesis(&H, N_ACCOUNTS, BALANCE, 0, 0) != 0) {
        fprintf(stderr, "FAIL: set-up (shim %s, scratch %s)\n", so_path, H.dir);
        h_cleanup(&H);
        return 1;
    }
    for (int i = 0; i < N_ACCOUNTS; i++) {
        node_key_t k;
        err_t e = {0};
        h_account((uint32_t)i, &k);
        addr[i] = k.addr;
        snprintf(key_path[i], sizeof key_path[i], "%s/acct%d.key", H.dir, i);
        if (node_key_save(key_path[i], &k, true, &e) != 0) {
            fprintf(stderr, "FAIL: key file: %s\n", e.msg);
            h_cleanup(&H);
            return 1;
        }
    }
    uint64_t t0 = h_now_ms();
    int done = 0, at_sync = 0;
    for (int k = 0; k <= cuts && !failures; k++) {
        if (start_node() != 0) {
            fprintf(stderr, "FAIL: aetherd does not start after %d power cut(s)\n", k);
            failures++;
            break;
        }
        c = rpc_client_new(H.url, 10000, NULL);
        uint64_t height = 0;
        size_t n_txs = 0;
        int bad = check_acked(c) + check_replay(c, &height, &n_txs);
        if (bad) {
            fprintf(stderr, "FAIL: after power cut %d: %d problem(s)\n", k, bad);
            failures++;
            break;
        }
        if (k > 0)
            fprintf(stderr, "after cut %2d: %4zu acknowledged transfers present, %4llu blocks "
                    "(%zu transfers) replay to the node's state root, supply conserved\n", k,
                    n_acked, (unsigned long long)height, n_txs);
        if (k == cuts)
            break;
        /* A stream of transfers, then the cut. */
        stop_senders = false;
        /* The clients' complaints while the node is down ("connection
         * refused") would drown the report: their stderr goes to /dev/null
         * while they run (nothing else prints meanwhile). */
        fflush(stderr);
        int saved_err = dup(2), devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 2);
            close(devnull);
        }
        pthread_t th[N_SENDERS];
        for (int s = 0; s < N_SENDERS; s++)
            pthread_create(&th[s], NULL, sender, (void *)(intptr_t)s);
        int how = k % 2;
        unsigned ms = 300 + (unsigned)(rand() % 900);
        if (how == 1) {
            char n[16];
            snprintf(n, sizeof n, "%d", 2 + rand() % 40);
            touch("cut-after-syncs", n);
        }
        int cut = wait_cut(ms);
        if (cut == 0) { /* not cut at a sync (yet): cut now */
            touch("cut", "");
            cut = wait_cut(10000);
        } else if (how == 1) {
            at_sync++;
        }
        stop_senders = true;
        for (int s = 0; s < N_SENDERS; s++)
            pthread_join(th[s], NULL);
        if (saved_err >= 0) {
            dup2(saved_err, 2);
            close(saved_err);
        }
        rpc_client_free(c);
        c = NULL;
        if (cut != 1) {
            fprintf(stderr, "FAIL: cut %d: aetherd %s\n", k + 1,
                    cut == 0 ? "was not cut by the shim within 10 s" : "died, but not by the cut");
            if (H.pid > 0)
                h_stop(&H, SIGKILL);
            failures++;
            break;
        }
        done++;
        if (count_cuts_in_log() != 1) {
            fprintf(stderr, "FAIL: cut %d: the shim did not report the cut\n", k + 1);
            failures++;
        }
        /* A trigger the node did not live to see (it was cut at a sync just
         * as the timed trigger was written) must not cut the next start. */
        const char *triggers[] = {"cut", "cut-after-syncs"};
        for (int t = 0; t < 2; t++) {
            char path[800];
            snprintf(path, sizeof path, "%s/%s", pc_dir, triggers[t]);
            unlink(path);
        }
    }
    if (H.pid > 0 && h_stop(&H, SIGTERM) != 0) {
        fprintf(stderr, "FAIL: clean stop at the end\n");
        failures++;
    }
    rpc_client_free(c);
    fprintf(stderr, "power-cut test: %d cuts (%d at a sync) in %.1f s, %zu transfer attempts, %zu "
            "acknowledged; %s\n", done, at_sync, (double)(h_now_ms() - t0) / 1000.0,
            (size_t)n_attempts, n_acked, failures ? "FAILED" : "all checks passed");
    free(acked);
    if (failures)
        fprintf(stderr, "scratch directory kept: %s\n", H.dir);
    else
        h_cleanup(&H);
    return failures ? 1 : 0;
}

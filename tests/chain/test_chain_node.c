/*
 * Integration test of the chain node through the real binaries:
 *
 *   1. genesis -> aetherd run -> 1,000 transfers from 5 senders (batched
 *      JSON-RPC) plus CLI transfers and a CLI UTxO send -> every balance and
 *      nonce and the state root agree with a model (the model's root is
 *      computed independently: its accounts and UTxOs written into a fresh
 *      store, whose SMT root must equal the node's); proofs for a present and
 *      an absent account verify against the state root;
 *   2. clean restart keeps blocks, state and root;
 *   3. kill -9 while 2,000 transfers are being committed, restart: the kill
 *      landed mid-stream (transfers the node had accepted were not yet
 *      committed), EVERY transfer whose receipt the client saw before the
 *      crash is still there, the committed set is exactly each sender's
 *      nonce prefix (checked for all 2,000 receipts), and the state root
 *      equals the model of exactly that set (no partial block); the lost
 *      pool is resubmitted and commits;
 *   4. malformed transactions and RPC bodies are refused with the right
 *      codes and the node keeps serving;
 *   5. a node with a tiny rate limit answers 429 / -32005;
 *   6. aether pointed at a JSON-RPC server that is not an Aether node fails.
 *
 * Usage: test_chain_node AETHERD AETHER (ctest passes both).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

#define N_ACCOUNTS 8
#define N_SENDERS 5
#define BALANCE 1000000000000ull
#define FEE 2000
#define UTXO_AMOUNT 5000000ull

static h_node_t H;
static int failures;

/* ---- the model ---------------------------------------------------------------- */

typedef struct model {
    uint64_t balance[N_ACCOUNTS + 1]; /* index N_ACCOUNTS = the validator */
    uint64_t nonce[N_ACCOUNTS + 1];
    bool exists[N_ACCOUNTS + 1];
    /* UTxOs: genesis ones (zero tx, index i) and created ones */
    struct {
        chain_utxo_id_t id;
        chain_utxo_t u;
        bool live;
    } utxo[16];
    int n_utxo;
} model_t;

static void model_init(model_t *m)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < N_ACCOUNTS; i++) {
        m->balance[i] = BALANCE;
        m->exists[i] = true;
    }
    node_key_t k0;
    h_account(0, &k0);
    for (int i = 0; i < 2; i++) {
        memset(&m->utxo[i].id, 0, sizeof m->utxo[i].id);
        m->utxo[i].id.index = (uint32_t)i;
        m->utxo[i].u.owner = k0.addr;
        m->utxo[i].u.amount = chain_u128_from_u64(UTXO_AMOUNT);
        m->utxo[i].live = true;
    }
    m->n_utxo = 2;
}

static void model_transfer(model_t *m, const h_tx_t *t)
{
    m->balance[t->from] -= t->amount + t->fee;
    m->nonce[t->from]++;
    m->balance[t->to] += t->amount;
    m->exists[t->to] = true;
    m->balance[N_ACCOUNTS] += t->fee;
    m->exists[N_ACCOUNTS] = true;
}

static void addr_of(int i, chain_addr_t *a)
{
    if (i == N_ACCOUNTS) {
        *a = H.validator.addr;
        return;
    }
    node_key_t k;
    h_account((uint32_t)i, &k);
    *a = k.addr;
}

/* Root of a store holding exactly the model's accounts and UTxOs. */
static int model_root(const model_t *m, chain_hash_t *root)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/model-%d", H.dir, rand());
    err_t e = {0};
    chain_state_t *st = chain_state_open(dir, false, &e);
    if (!st) {
        fprintf(stderr, "model store: %s\n", e.msg);
        return -1;
    }
    chain_genesis_t g;
    memset(&g, 0, sizeof g);
    g.chain_id = H.chain_id;
    memcpy(g.proposer_pk, H.validator.pk, CHAIN_PK_BYTES);
    int rc = chain_state_init_genesis(st, &g, &e);
    chain_overlay_t *ov = rc == 0 ? chain_overlay_new(st, &e) : NULL;
    for (int i = 0; ov && rc == 0 && i <= N_ACCOUNTS; i++) {
        if (!m->exists[i])
            continue;
        chain_addr_t a;
        addr_of(i, &a);
        chain_account_t acct = {chain_u128_from_u64(m->balance[i]), m->nonce[i]};
        rc = chain_overlay_put_account(ov, &a, &acct, &e);
    }
    for (int i = 0; ov && rc == 0 && i < m->n_utxo; i++)
        if (m->utxo[i].live)
            rc = chain_overlay_put_utxo(ov, &m->utxo[i].id, &m->utxo[i].u, &e);
    if (ov && rc == 0)
        rc = chain_overlay_root(ov, root, &e);
    if (rc != 0 || !ov)
        fprintf(stderr, "model root: %s\n", e.msg);
    chain_overlay_free(ov);
    chain_state_close(st);
    return ov && rc == 0 ? 0 : -1;
}

static int node_root(rpc_client_t *c, chain_hash_t *root, uint64_t *height)
{
    json_t *r = h_call(c, "aeth_getStateRoot", NULL);
    err_t e = {0};
    int rc = -1;
    if (r && chain_hash_from_hex(json_string_value(json_object_get(r, "root")), root, &e) == 0) {
        if (height)
            *height = (uint64_t)json_integer_value(json_object_get(r, "height"));
        rc = 0;
    }
    json_decref(r);
    return rc;
}

/* Node state == model: every account's balance and nonce, and the root. */
static int compare_with_model(rpc_client_t *c, const model_t *m, const char *when)
{
    for (int i = 0; i <= N_ACCOUNTS; i++) {
        chain_addr_t a;
        addr_of(i, &a);
        char hex[2 * CHAIN_ADDR_BYTES + 1];
        chain_addr_to_hex(&a, hex);
        json_t *r = h_call(c, "aeth_getAccount", json_pack("[s]", hex));
        if (!r)
            return -1;
        const char *bal = json_string_value(json_object_get(r, "balance"));
        uint64_t nonce = (uint64_t)json_integer_value(json_object_get(r, "nonce"));
        char want[32];
        snprintf(want, sizeof want, "%llu", (unsigned long long)m->balance[i]);
        bool ok = bal && strcmp(bal, want) == 0 && nonce == m->nonce[i];
        if (!ok)
            fprintf(stderr, "FAIL %s: account %d has balance %s nonce %llu, model %s / %llu\n",
                    when, i, bal ? bal : "?", (unsigned long long)nonce, want,
                    (unsigned long long)m->nonce[i]);
        json_decref(r);
        if (!ok)
            return -1;
    }
    chain_hash_t want_root, got_root;
    if (model_root(m, &want_root) != 0 || node_root(c, &got_root, NULL) != 0)
        return -1;
    if (!chain_hash_equal(&want_root, &got_root)) {
        char a[65], b[65];
        chain_hash_to_hex(&got_root, a);
        chain_hash_to_hex(&want_root, b);
        fprintf(stderr, "FAIL %s: node state root %s, model root %s\n", when, a, b);
        return -1;
    }
    return 0;
}

/* Sends txs in batches of 100, expecting all accepted. */
static int send_all(rpc_client_t *c, const h_tx_t *txs, size_t n)
{
    size_t nb = 0;
    h_batch_t *b = h_make_batches(txs, n, 100, &nb);
    h_send_stats_t st = {0};
    for (size_t i = 0; i < nb; i++)
        if (h_post_batch(c, &b[i], &st) != 0)
            break;
    h_batches_free(b, nb);
    if (st.accepted != n) {
        fprintf(stderr, "only %zu of %zu accepted (%zu rejected, %zu invalid); last: %s\n",
                st.accepted, n, st.rejected, st.invalid, st.last_msg);
        return -1;
    }
    return 0;
}

/* 200 transfers per sender, amounts 1..1000, to pseudo-random recipients. */
static h_tx_t *make_transfers(size_t per_sender, const uint64_t *first_nonce, unsigned seed)
{
    size_t n = per_sender * N_SENDERS;
    h_tx_t *txs = calloc(n, sizeof *txs);
    srand(seed);
    for (size_t k = 0; k < per_sender; k++)
        for (uint32_t s = 0; s < N_SENDERS; s++) {
            uint32_t to = (uint32_t)(rand() % N_ACCOUNTS);
            uint64_t amount = 1 + (uint64_t)(rand() % 1000);
            if (h_sign_transfer(H.chain_id, s, to, first_nonce[s] + k, amount, FEE,
                                &txs[k * N_SENDERS + s]) != 0) {
                free(txs);
                return NULL;
            }
        }
    return txs;
}

static void free_txs(h_tx_t *txs, size_t n)
{
    if (!txs)
        return;
    for (size_t i = 0; i < n; i++)
        h_tx_free(&txs[i]);
    free(txs);
}

static char *key_file(int i)
{
    static char path[4][600];
    static int slot;
    char *p = path[slot++ % 4];
    snprintf(p, 600, "%s/acct%d.key", H.dir, i);
    if (access(p, R_OK) != 0) {
        node_key_t k;
        h_account((uint32_t)i, &k);
        err_t e = {0};
        if (node_key_save(p, &k, true, &e) != 0)
            fprintf(stderr, "key file: %s\n", e.msg);
    }
    return p;
}

static int receipt_exists(rpc_client_t *c, const chain_hash_t *h)
{
    char hex[65];
    chain_hash_to_hex(h, hex);
    json_t *r = h_call(c, "aeth_getReceipt", json_pack("[s]", hex));
    if (!r)
        return -1;
    int ok = json_is_object(r) && json_is_true(json_object_get(r, "success"));
    json_decref(r);
    return ok;
}

/* Posts txs in batches of 50, pace_us apart, until done or the node goes
 * away. With kill_next set, it kills the node (SIGKILL) the moment the node
 * has accepted its next batch: that batch is in the pool, not yet in a block. */
typedef struct bg_sender {
    const h_tx_t *txs;
    size_t n;
    _Atomic size_t posted;
    unsigned pace_us;
    pid_t pid;
    _Atomic bool kill_next, killed;
} bg_sender_t;

static void *bg_send(void *arg)
{
    bg_sender_t *b = arg;
    rpc_client_t *c = rpc_client_new(H.url, 10000, NULL);
    size_t nb = 0;
    h_batch_t *bt = h_make_batches(b->txs, b->n, 50, &nb);
    for (size_t i = 0; c && bt && i < nb; i++) {
        h_send_stats_t st = {0};
        if (h_post_batch(c, &bt[i], &st) != 0)
            break; /* the node was killed */
        if (b->kill_next) {
            kill(b->pid, SIGKILL);
            b->killed = true;
        }
        b->posted += bt[i].n;
        if (b->killed)
            break;
        if (b->pace_us)
            usleep(b->pace_us);
    }
    h_batches_free(bt, nb);
    rpc_client_free(c);
    return NULL;
}

/* ---- scenario ------------------------------------------------------------------- */

static int error_code(const json_t *resp)
{
    return (int)json_integer_value(json_object_get(json_object_get(resp, "error"), "code"));
}

static void test_malformed(rpc_client_t *c)
{
    json_t *r = NULL;
    char *hb = NULL;
    int status = 0;
    char body[2048];
    struct {
        const char *body;
        int code;
    } cases[] = {
        {"{\"jsonrpc\":\"2.0\",\"method\":", RPC_PARSE_ERROR},
        {"[]", RPC_INVALID_REQUEST},
        {"{\"jsonrpc\":\"1.0\",\"method\":\"aeth_chainId\",\"id\":1}", RPC_INVALID_REQUEST},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"aeth_nope\",\"id\":1}", RPC_METHOD_NOT_FOUND},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"aeth_getAccount\",\"params\":[\"0x12\"],\"id\":1}",
         RPC_INVALID_PARAMS},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"aeth_sendRawTransaction\",\"params\":[\"0xzz\"],\"id\":1}",
         RPC_INVALID_PARAMS},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"aeth_sendRawTransaction\",\"params\":[\"0x0102030405\"],"
         "\"id\":1}", RPC_TX_INVALID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = NULL;
        CHECK(h_rpc_raw(c, cases[i].body, &status, &r) == 0 && status == 200,
              "case %zu: HTTP %d", i, status);
        CHECK(error_code(r) == cases[i].code, "case %zu (%s): code %d, want %d", i,
              cases[i].body, error_code(r), cases[i].code);
        json_t *msg = json_object_get(json_object_get(r, "error"), "message");
        CHECK(json_is_string(msg) && json_string_length(msg) > 10, "case %zu: no message", i);
        json_decref(r);
        r = NULL;
    }
    /* Transactions that decode but are invalid: bad signature, wrong chain,
     * fee below the floor, and a committed one resubmitted. */
    h_tx_t t;
    uint64_t bal, nonce;
    CHECK(h_get_account(c, 6, &bal, &nonce) == 0, "account 6");
    CHECK(h_sign_transfer(H.chain_id, 6, 7, nonce, 5, FEE, &t) == 0, "sign");
    size_t hl = strlen(t.hex);
    char saved = t.hex[hl - 5];
    t.hex[hl - 5] = saved == '0' ? '1' : '0'; /* inside the signature */
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_sendRawTransaction\","
             "\"params\":[\"%s\"],\"id\":7}", t.hex);
    h_tx_free(&t);
    CHECK(h_rpc_raw(c, body, &status, &r) == 0 && error_code(r) == RPC_TX_INVALID,
          "bad signature: code %d", error_code(r));
    json_decref(r);
    r = NULL;
    uint64_t saved_chain = H.chain_id;
    CHECK(h_sign_transfer(saved_chain + 1, 6, 7, nonce, 5, FEE, &t) == 0, "sign");
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_sendRawTransaction\","
             "\"params\":[\"%s\"],\"id\":8}", t.hex);
    h_tx_free(&t);
    CHECK(h_rpc_raw(c, body, &status, &r) == 0 && error_code(r) == RPC_TX_INVALID,
          "wrong chain id: code %d", error_code(r));
    json_decref(r);
    r = NULL;
    CHECK(h_sign_transfer(H.chain_id, 6, 7, nonce, 5, 1001, &t) == 0, "sign");
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_sendRawTransaction\","
             "\"params\":[\"%s\"],\"id\":9}", t.hex);
    h_tx_free(&t);
    CHECK(h_rpc_raw(c, body, &status, &r) == 0 && error_code(r) == RPC_TX_REJECTED,
          "fee below floor: code %d", error_code(r));
    CHECK(strcmp(json_string_value(json_object_get(
                     json_object_get(json_object_get(r, "error"), "data"), "reason")),
                 "fee_too_low") == 0, "fee below floor: reason");
    json_decref(r);
    r = NULL;
    /* A committed transaction again (nonce 0 of sender 0 is long committed). */
    h_tx_t old;
    CHECK(h_sign_transfer(H.chain_id, 0, 1, 0, 1, FEE, &old) == 0, "sign");
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_sendRawTransaction\","
             "\"params\":[\"%s\"],\"id\":10}", old.hex);
    h_tx_free(&old);
    CHECK(h_rpc_raw(c, body, &status, &r) == 0 &&
              (error_code(r) == RPC_TX_INVALID || error_code(r) == RPC_TX_REJECTED),
          "used nonce: code %d", error_code(r));
    json_decref(r);
    r = NULL;
    /* A batch (pre-verified in parallel by the node) with one bad signature
     * among valid transactions: only that element is refused. */
    {
        h_tx_t bt[10];
        uint64_t b7, n7;
        CHECK(h_get_account(c, 7, &b7, &n7) == 0, "account 7");
        for (int i = 0; i < 10; i++)
            CHECK(h_sign_transfer(H.chain_id, 7, 6, n7 + (uint64_t)i, 3, FEE, &bt[i]) == 0, "sign");
        size_t l = strlen(bt[9].hex);
        bt[9].hex[l - 3] = bt[9].hex[l - 3] == 'a' ? 'b' : 'a';
        size_t nb = 0;
        h_batch_t *bb = h_make_batches(bt, 10, 10, &nb);
        h_send_stats_t st = {0};
        int prc = h_post_batch(c, &bb[0], &st);
        h_batches_free(bb, nb);
        for (int i = 0; i < 10; i++)
            h_tx_free(&bt[i]);
        CHECK(prc == 0 && st.accepted == 9 && st.invalid == 1 && st.last_code == RPC_TX_INVALID &&
                  strstr(st.last_msg, "signature"),
              "batch with a bad signature: %zu accepted, %zu invalid, last '%s'", st.accepted,
              st.invalid, st.last_msg);
    }
    /* Body over the limit: 413. */
    size_t big = (8u << 20) + 10;
    char *huge = malloc(big + 1);
    CHECK(huge, "malloc");
    memset(huge, ' ', big);
    huge[big] = 0;
    int rc = h_rpc_raw(c, huge, &status, &r);
    free(huge);
    CHECK(rc == 0 && status == 413 && error_code(r) == RPC_BODY_TOO_LARGE,
          "oversized body: HTTP %d code %d", status, error_code(r));
    json_decref(r);
    r = NULL;
    /* Notifications only: 204 and no body. */
    CHECK(h_rpc_raw(c, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_chainId\"}", &status, &r) == 0 &&
              status == 204, "notification: HTTP %d", status);
    json_decref(r);
    r = NULL;
    /* Still healthy and serving. */
    size_t hlen;
    CHECK(rpc_client_get(c, "/health", &status, &hb, &hlen, NULL) == 0 && status == 200,
          "health after malformed input: %d", status);
    free(hb);
    CHECK(rpc_client_get(c, "/metrics", &status, &hb, &hlen, NULL) == 0 && status == 200 &&
              strstr(hb, "aether_rpc_errors_total{code=\"-32602\"}") &&
              strstr(hb, "aether_mempool_rejected_total{reason=\"fee_too_low\"} 1"),
          "metrics");
    free(hb);
    hb = NULL;
    CHECK(rpc_client_get(c, "/nope", &status, &hb, &hlen, NULL) == 0 && status == 404,
          "unknown path: %d", status);
out:
    free(hb);
    json_decref(r);
}

static int cli(const char *const *args, char **out)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = H.aether;
    for (int i = 0; args[i] && n < 28; i++)
        argv[n++] = args[i];
    argv[n++] = "--rpc";
    argv[n++] = H.url;
    argv[n] = NULL;
    return h_run(argv, out);
}

/* A JSON-RPC server that is not an Aether node: every call succeeds with
 * the same result of the wrong shape (echoing the request id). */
typedef struct {
    int fd;
    const char *result;
} fake_rpc_t;

static void *fake_rpc_loop(void *arg)
{
    fake_rpc_t *f = arg;
    for (;;) {
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char req[8192];
        size_t n = 0;
        const char *body = NULL;
        long want = -1;
        while (n < sizeof req - 1) {
            ssize_t r = read(c, req + n, sizeof req - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
            req[n] = 0;
            if (!body && (body = strstr(req, "\r\n\r\n"))) {
                body += 4;
                const char *cl = strcasestr(req, "content-length:");
                want = cl ? strtol(cl + 15, NULL, 10) : 0;
            }
            if (body && (long)(req + n - body) >= want)
                break;
        }
        json_error_t je;
        json_t *q = body ? json_loadb(body, (size_t)(req + n - body), 0, &je) : NULL;
        json_t *id = json_object_get(q, "id");
        char *ids = id ? json_dumps(id, JSON_ENCODE_ANY) : NULL;
        char resp[1024], hdr[256];
        int bl = snprintf(resp, sizeof resp, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}",
                          ids ? ids : "1", f->result);
        int hl = snprintf(hdr, sizeof hdr,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n",
                          bl);
        if (write(c, hdr, (size_t)hl) < 0 || write(c, resp, (size_t)bl) < 0)
            fprintf(stderr, "fake rpc: write failed\n");
        free(ids);
        json_decref(q);
        close(c);
    }
}

/* aether pointed at something that answers JSON-RPC but is not an Aether
 * node must fail (exit 1, saying so), not print the foreign result. */
static void test_not_aether(void)
{
    static const char *const results[] = {"{\"height\":\"x\"}", "null", "\"hello\"", "7"};
    for (size_t i = 0; i < sizeof results / sizeof *results; i++) {
        fake_rpc_t f = {socket(AF_INET, SOCK_STREAM, 0), results[i]};
        struct sockaddr_in sa = {.sin_family = AF_INET};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t sl = sizeof sa;
        if (f.fd < 0 || bind(f.fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
            listen(f.fd, 8) != 0 || getsockname(f.fd, (struct sockaddr *)&sa, &sl) != 0) {
            fprintf(stderr, "FAIL fake rpc server: cannot listen\n");
            failures++;
            if (f.fd >= 0)
                close(f.fd);
            return;
        }
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
        pthread_t th;
        if (pthread_create(&th, NULL, fake_rpc_loop, &f) != 0) {
            fprintf(stderr, "FAIL fake rpc thread\n");
            failures++;
            close(f.fd);
            return;
        }
        const char *cmds[][4] = {
            {"status", NULL},
            {"balance", "0000000000000000000000000000000000000001", NULL},
            {"utxos", "0000000000000000000000000000000000000001", NULL},
            {"tx", "00000000000000000000000000000000000000000000000000000000000000aa", NULL},
        };
        for (size_t k = 0; k < 4; k++) {
            /* a null transaction is the node's "not found": also exit 1 */
            const char *argv[8];
            int n = 0;
            argv[n++] = H.aether;
            for (int a = 0; cmds[k][a]; a++)
                argv[n++] = cmds[k][a];
            argv[n++] = "--rpc";
            argv[n++] = url;
            argv[n] = NULL;
            char *out = NULL;
            int rc = h_run(argv, &out);
            if (rc != 1) { /* not CHECK: the fake server must be stopped */
                fprintf(stderr, "FAIL aether %s against a non-Aether server answering %s: "
                        "exit %d: %s\n", cmds[k][0], results[i], rc, out ? out : "");
                failures++;
            }
            free(out);
        }
        shutdown(f.fd, SHUT_RDWR); /* wakes accept() */
        pthread_join(th, NULL);
        close(f.fd);
    }
}

static void test_proofs(rpc_client_t *c)
{
    chain_proof_t *p = malloc(sizeof *p);
    json_t *r = NULL;
    chain_hash_t root;
    CHECK(p && node_root(c, &root, NULL) == 0, "state root");
    for (int present = 1; present >= 0; present--) {
        char hex[2 * CHAIN_ADDR_BYTES + 1];
        chain_addr_t a;
        if (present) {
            addr_of(3, &a);
        } else {
            node_key_t k;
            h_account(999, &k);
            a = k.addr;
        }
        chain_addr_to_hex(&a, hex);
        r = h_call(c, "aeth_getProof", json_pack("[s]", hex));
        err_t e = {0};
        CHECK(r && chain_proof_from_json(r, p, &e) == 0, "proof json: %s", e.msg);
        CHECK(p->exists == (present == 1), "proof existence");
        CHECK(chain_proof_verify(p, &root, &e) == 0, "proof verify (present=%d): %s", present,
              e.msg);
        /* The standalone verifier of the CLI agrees (acceptance: aether verify-proof). */
        char file[600], root_hex[65];
        snprintf(file, sizeof file, "%s/proof%d.json", H.dir, present);
        CHECK(json_dump_file(r, file, 0) == 0, "writing %s", file);
        chain_hash_to_hex(&root, root_hex);
        const char *vp[] = {H.aether, "verify-proof", "--root", root_hex, file, NULL};
        CHECK(h_run(vp, NULL) == 0, "aether verify-proof (present=%d) did not accept", present);
        json_t *bad = json_deep_copy(r);
        json_object_set_new(bad, "root", json_string("11111111111111111111111111111111"
                                                     "11111111111111111111111111111111"));
        CHECK(json_dump_file(bad, file, 0) == 0, "writing %s", file);
        json_decref(bad);
        CHECK(h_run(vp, NULL) == 1, "aether verify-proof accepted a proof for another root");
        /* A tampered proof must fail. */
        if (p->exists)
            p->account.nonce++;
        else
            p->root.b[0] ^= 1;
        CHECK(chain_proof_verify(p, &root, &e) != 0, "tampered proof verified");
        json_decref(r);
        r = NULL;
    }
out:
    json_decref(r);
    free(p);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int rc = h_init(&H, "chain", argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
    if (rc != 0)
        return rc == 77 ? 77 : 1;
    rpc_client_t *c = NULL;
    h_tx_t *txs = NULL, *more = NULL;
    size_t n_txs = 0, n_more = 0;
    char *out = NULL;
    model_t m;
    model_init(&m);
    const char *extra[] = {"--block-ms", "50", "--heartbeat-ms", "400", NULL};

    /* Genesis through the binaries: aetherd keys new, aetherd init-genesis. */
    {
        char kpath[600], gpath[600], vpath[600];
        snprintf(kpath, sizeof kpath, "%s/spare.key", H.dir);
        snprintf(gpath, sizeof gpath, "%s/genesis.json", H.dir);
        snprintf(vpath, sizeof vpath, "%s/validator.key", H.dir);
        const char *kn[] = {H.aetherd, "keys", "new", "--out", kpath, NULL};
        CHECK(h_run(kn, NULL) == 0 && access(kpath, R_OK) == 0, "aetherd keys new");
        CHECK(h_run(kn, NULL) == 1, "aetherd keys new overwrote an existing key file");
        const char *argv_g[40] = {H.aetherd, "init-genesis", "--key", vpath, "--chain-id", "900",
                                  "--timestamp-ms", "1700000000000", "--out", gpath};
        int na = 10;
        static char allocs[N_ACCOUNTS + 2][128];
        for (int i = 0; i < N_ACCOUNTS; i++) {
            chain_addr_t a;
            char hex[2 * CHAIN_ADDR_BYTES + 1];
            addr_of(i, &a);
            chain_addr_to_hex(&a, hex);
            snprintf(allocs[i], sizeof allocs[i], "%s=%llu", hex, (unsigned long long)BALANCE);
            argv_g[na++] = "--alloc";
            argv_g[na++] = allocs[i];
        }
        for (int u = 0; u < 2; u++) {
            snprintf(allocs[N_ACCOUNTS + u], sizeof allocs[0], "%s=%llu", key_file(0),
                     (unsigned long long)UTXO_AMOUNT);
            argv_g[na++] = "--utxo";
            argv_g[na++] = allocs[N_ACCOUNTS + u];
        }
        argv_g[na] = NULL;
        char *gout = NULL;
        int grc = h_run(argv_g, &gout);
        CHECK(grc == 0 && strstr(gout, "\"block_hash\""), "aetherd init-genesis: %s",
              gout ? gout : "");
        free(gout);
        const char *bad_g[] = {H.aetherd, "init-genesis", "--key", vpath, "--alloc", "zz=1",
                               NULL};
        CHECK(h_run(bad_g, NULL) == 2, "init-genesis accepted a bad address");
    }
    CHECK(h_start(&H, extra, 30000) == 0, "start");
    c = rpc_client_new(H.url, 30000, NULL);

    /* 1. 1,000 transfers from 5 senders. */
    uint64_t first[N_SENDERS] = {0};
    n_txs = 200 * N_SENDERS;
    txs = make_transfers(200, first, 1);
    CHECK(txs && send_all(c, txs, n_txs) == 0, "sending 1,000 transfers");
    uint64_t want[N_ACCOUNTS] = {0};
    for (int s = 0; s < N_SENDERS; s++)
        want[s] = 200;
    CHECK(h_wait_nonces(c, N_SENDERS, want, 120000) == 0, "1,000 transfers committed");
    for (size_t i = 0; i < n_txs; i++)
        model_transfer(&m, &txs[i]);
    for (size_t i = 0; i < n_txs; i += 97)
        CHECK(receipt_exists(c, &txs[i].hash) == 1, "receipt of tx %zu", i);

    /* CLI: transfer --wait, balance, utxo send --wait, tx. */
    {
        const char *a1[] = {"transfer", "--key", key_file(5), "--to", key_file(7), "--amount",
                            "4242", "--wait", NULL};
        CHECK(cli(a1, &out) == 0 && strstr(out, "\"success\": true"), "aether transfer: %s",
              out ? out : "");
        free(out);
        out = NULL;
        h_tx_t t = {.from = 5, .to = 7, .amount = 4242, .fee = FEE};
        model_transfer(&m, &t);
        const char *a2[] = {"balance", key_file(7), NULL};
        char want_bal[64];
        snprintf(want_bal, sizeof want_bal, "\"balance\": \"%llu\"",
                 (unsigned long long)m.balance[7]);
        CHECK(cli(a2, &out) == 0 && strstr(out, want_bal), "aether balance: %s (want %s)",
              out ? out : "", want_bal);
        free(out);
        out = NULL;
        const char *a3[] = {"utxo", "send", "--key", key_file(0), "--to", key_file(1),
                            "--amount", "1000", "--wait", NULL};
        CHECK(cli(a3, &out) == 0 && strstr(out, "\"success\": true"), "aether utxo send: %s",
              out ? out : "");
        /* largest-first picks genesis UTxO 0 (both equal; id order keeps index 0 first) */
        json_error_t je;
        json_t *j = json_loads(out, 0, &je);
        const char *hash = json_string_value(json_object_get(j, "hash"));
        chain_hash_t th;
        err_t e = {0};
        CHECK(hash && chain_hash_from_hex(hash, &th, &e) == 0, "utxo send hash");
        json_decref(j);
        free(out);
        out = NULL;
        m.utxo[0].live = false;
        m.balance[0] += UTXO_AMOUNT - 1000 - FEE;
        m.nonce[0]++;
        m.balance[N_ACCOUNTS] += FEE;
        m.utxo[2].id.tx_hash = th;
        m.utxo[2].id.index = 0;
        addr_of(1, &m.utxo[2].u.owner);
        m.utxo[2].u.amount = chain_u128_from_u64(1000);
        m.utxo[2].live = true;
        m.n_utxo = 3;
        const char *a4[] = {"utxos", key_file(1), NULL};
        CHECK(cli(a4, &out) == 0 && strstr(out, "\"amount\": \"1000\""), "aether utxos: %s",
              out ? out : "");
        free(out);
        out = NULL;
        const char *a7[] = {"status", NULL};
        CHECK(cli(a7, &out) == 0 && strstr(out, "\"state_root\"") && strstr(out, "\"ok\""),
              "aether status: %s", out ? out : "");
        free(out);
        out = NULL;
        char txh[65];
        chain_hash_to_hex(&txs[3].hash, txh);
        const char *a8[] = {"tx", txh, NULL};
        CHECK(cli(a8, &out) == 0 && strstr(out, "\"committed\"") && strstr(out, "\"receipt\""),
              "aether tx: %s", out ? out : "");
        free(out);
        out = NULL;
        const char *a9[] = {"tx", "00000000000000000000000000000000000000000000000000000000000000aa",
                            NULL};
        CHECK(cli(a9, NULL) == 1, "aether tx of an unknown hash");
        const char *a5[] = {"transfer", "--key", key_file(2), "--to", "0x1234", "--amount",
                            "1", NULL};
        CHECK(cli(a5, NULL) == 2, "bad address exit code");
        const char *a6[] = {"transfer", "--key", key_file(2), "--to", key_file(3), "--amount",
                            "999999999999999999", NULL};
        CHECK(cli(a6, NULL) == 1, "insufficient funds exit code");
    }
    CHECK(compare_with_model(c, &m, "after 1,000 transfers") == 0, "model comparison");
    test_proofs(c);
    test_not_aether();

    /* 2. Clean restart keeps everything. */
    chain_hash_t root_before, root_after;
    uint64_t height_before, height_after;
    CHECK(node_root(c, &root_before, &height_before) == 0, "root");
    CHECK(h_stop(&H, SIGTERM) == 0, "clean stop exit status");
    rpc_client_free(c);
    CHECK(h_start(&H, extra, 30000) == 0, "restart");
    c = rpc_client_new(H.url, 30000, NULL);
    CHECK(node_root(c, &root_after, &height_after) == 0, "root after restart");
    CHECK(height_after >= height_before, "height went back: %llu -> %llu",
          (unsigned long long)height_before, (unsigned long long)height_after);
    CHECK(chain_hash_equal(&root_before, &root_after), "state root changed over a restart");
    CHECK(compare_with_model(c, &m, "after restart") == 0, "model after restart");

    /* 3. kill -9 while a busy run commits. Blocks every 200 ms here, so that
     * a batch accepted just before the kill is still waiting in the pool. */
    {
        const char *slow[] = {"--block-ms", "200", "--heartbeat-ms", "400", NULL};
        CHECK(h_stop(&H, SIGTERM) == 0, "clean stop before the kill -9 run");
        rpc_client_free(c);
        c = NULL;
        CHECK(h_start(&H, slow, 30000) == 0, "start for the kill -9 run");
        c = rpc_client_new(H.url, 30000, NULL);
    }
    for (int s = 0; s < N_SENDERS; s++)
        first[s] = m.nonce[s];
    n_more = 400 * N_SENDERS;
    more = make_transfers(400, first, 2);
    CHECK(more, "signing 2,000 transfers");
    /* A second connection keeps posting batches while this thread watches the
     * first commits; the crash then lands mid-stream, with blocks being built
     * and a just-accepted batch in the pool. */
    bg_sender_t bg = {more, n_more, 0, 40000, H.pid, false, false}; /* ~1,250 transfers/s */
    pthread_t bg_thread;
    CHECK(pthread_create(&bg_thread, NULL, bg_send, &bg) == 0, "sender thread");
    /* Read the receipt of every transfer posted so far (the client's
     * acknowledgements) until some are committed, then have the sender kill
     * the node right after its next batch is accepted. */
    int *acked = calloc(n_more, sizeof *acked), *after = calloc(n_more, sizeof *after);
    CHECK(acked && after, "memory");
    size_t n_acked = 0;
    uint64_t t_end = h_now_ms() + 20000;
    while (n_acked < 2 && h_now_ms() < t_end && bg.posted < n_more) {
        usleep(20000);
        size_t posted = bg.posted;
        CHECK(h_receipts(c, more, posted, acked) == 0, "receipts before the kill");
        n_acked = 0;
        for (size_t i = 0; i < posted; i++)
            n_acked += acked[i] == 1;
    }
    bg.kill_next = true;
    pthread_join(bg_thread, NULL);
    CHECK(n_acked >= 2, "no transfer committed within 20 s (%zu posted)", bg.posted);
    CHECK(bg.killed, "the sender ran out of transfers before the kill (%zu posted)", bg.posted);
    int kill_status = h_stop(&H, SIGKILL); /* reaps it */
    fprintf(stderr, "kill -9: %zu of %zu transfers had been posted (accepted) when the node died; "
            "the client had seen %zu receipts\n", bg.posted, n_more, n_acked);
    CHECK(kill_status == 128 + SIGKILL, "kill -9");
    rpc_client_free(c);
    c = NULL;
    CHECK(h_start(&H, extra, 30000) == 0, "restart after kill -9");
    c = rpc_client_new(H.url, 30000, NULL);
    /* The committed set is each sender's nonce prefix, and includes every
     * transaction whose receipt was seen before the crash. */
    uint64_t committed_nonce[N_SENDERS];
    for (int s = 0; s < N_SENDERS; s++) {
        uint64_t b;
        CHECK(h_get_account(c, (uint32_t)s, &b, &committed_nonce[s]) == 0, "account");
    }
    CHECK(h_receipts(c, more, n_more, after) == 0, "receipts after the restart");
    size_t n_committed = 0, n_lost_acked = 0, n_posted_uncommitted = 0, n_disagree = 0;
    for (size_t i = 0; i < n_more; i++) {
        bool in_prefix = more[i].nonce < committed_nonce[more[i].from];
        if (in_prefix) {
            model_transfer(&m, &more[i]);
            n_committed++;
        } else if (i < bg.posted) {
            n_posted_uncommitted++;
        }
        if (acked[i] == 1 && after[i] != 1) {
            if (n_lost_acked++ < 5)
                fprintf(stderr, "FAIL: transfer %zu (sender %u nonce %llu) was acknowledged "
                        "with a receipt before kill -9 and is gone\n", i, more[i].from,
                        (unsigned long long)more[i].nonce);
        }
        if (after[i] != (in_prefix ? 1 : 0) && n_disagree++ < 5)
            fprintf(stderr, "FAIL: transfer %zu: receipt state %d disagrees with the account nonce\n",
                    i, after[i]);
    }
    free(acked);
    free(after);
    CHECK(n_lost_acked == 0, "%zu of %zu acknowledged transfers are gone after kill -9",
          n_lost_acked, n_acked);
    CHECK(n_disagree == 0, "%zu receipts disagree with the committed nonces", n_disagree);
    fprintf(stderr, "kill -9: %zu of %zu transfers were committed before the crash; %zu accepted "
            "ones were not\n", n_committed, n_more, n_posted_uncommitted);
    /* The crash must land mid-stream: transfers accepted into the pool but not
     * yet in a block, else it proved nothing about a crash under load. */
    CHECK(n_posted_uncommitted > 0, "the kill did not land mid-stream: all %zu accepted "
          "transfers were committed", bg.posted);
    CHECK(compare_with_model(c, &m, "after kill -9") == 0, "model after kill -9");
    /* The pool died with the process: resubmit what is missing. */
    {
        h_tx_t *rest = calloc(n_more, sizeof *rest);
        size_t k = 0;
        for (size_t i = 0; i < n_more; i++)
            if (more[i].nonce >= committed_nonce[more[i].from])
                rest[k++] = more[i];
        int sent = k ? send_all(c, rest, k) : 0;
        free(rest); /* shallow copies */
        CHECK(sent == 0, "resubmitting %zu transfers", k);
        for (size_t i = 0; i < n_more; i++)
            if (more[i].nonce >= committed_nonce[more[i].from])
                model_transfer(&m, &more[i]);
        for (int s = 0; s < N_SENDERS; s++)
            want[s] = m.nonce[s];
        CHECK(h_wait_nonces(c, N_SENDERS, want, 120000) == 0, "resubmitted transfers committed");
        CHECK(compare_with_model(c, &m, "after resubmission") == 0, "final model");
    }

    /* 4. Malformed input; the node keeps serving. */
    test_malformed(c);
    CHECK(h_stop(&H, SIGTERM) == 0, "clean stop");

    /* 5. Rate limit. */
    {
        const char *limited[] = {"--rpc-rate", "2", "--heartbeat-ms", "400", NULL};
        rpc_client_free(c);
        c = NULL;
        CHECK(h_start(&H, limited, 30000) == 0, "start with --rpc-rate 2");
        c = rpc_client_new(H.url, 30000, NULL);
        int n429 = 0;
        for (int i = 0; i < 20; i++) {
            int status = 0;
            json_t *r = NULL;
            if (h_rpc_raw(c, "{\"jsonrpc\":\"2.0\",\"method\":\"aeth_blockNumber\",\"id\":1}",
                        &status, &r) == 0 &&
                status == 429 && error_code(r) == RPC_RATE_LIMITED)
                n429++;
            json_decref(r);
        }
        CHECK(n429 >= 10, "only %d of 20 rapid requests were rate limited", n429);
    }

out:
    free(out);
    free_txs(txs, n_txs);
    free_txs(more, n_more);
    rpc_client_free(c);
    if (failures && H.dir[0])
        fprintf(stderr, "node log: %s/node.log (kept)\n", H.dir);
    if (failures)
        setenv("AETHER_KEEP_TMP", "1", 1);
    h_cleanup(&H);
    if (!failures)
        printf("chain integration: all checks passed\n");
    return failures ? 1 : 0;
}

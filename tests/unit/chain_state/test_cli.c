/* Tests of the state commands through the real binaries:
 *   aetherd snapshot export|import  (round trip, read-only export beside an
 *                                    open writer, refusal of a non-empty
 *                                    store and of a tampered file)
 *   aether verify-proof              (present and absent accounts and UTxOs
 *                                    against the right root: 0; wrong root
 *                                    or a lying value: 1; malformed: 2;
 *                                    and fetched from a running `aetherd run`
 *                                    with aeth_getProof + aeth_getStateRoot)
 * The store is built with the library; proofs come from
 * chain_state_prove_* exactly as aeth_getProof serves them.
 * argv[1] = aetherd, argv[2] = aether. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rocksdb/c.h>
#include <zstd.h>

#include "chain/node/node.h"
#include "chain/state/state.h"

static const char *aetherd_bin, *aether_bin;
static char dir[64];
static uint8_t sk[64], pk[32];

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

/* Runs argv with stdin from in_path (or /dev/null) and stdout+stderr into
 * out_path; returns the exit status. */
static int run(const char *const *argv, const char *in_path, const char *out_path)
{
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp(const char *p)
{
    uint8_t *d = NULL;
    size_t n;
    if (file_read_all(p, 1 << 20, &d, &n, NULL) != 0)
        return strdup("");
    return (char *)d;
}

static void path(char *out, const char *name)
{
    snprintf(out, 256, "%s/%s", dir, name);
}

static chain_addr_t addr_n(unsigned i)
{
    chain_addr_t a;
    uint8_t h[32];
    crypto_sha256(&i, sizeof i, h);
    memcpy(a.b, h, 20);
    return a;
}

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    uint8_t seed[32];
    memset(seed, 5, 32);
    crypto_ed25519_from_seed(seed, pk, sk);
    strcpy(dir, "/tmp/chain_cli_test.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    /* a store with a genesis and two blocks of changes */
    char db[256];
    path(db, "db");
    err_t e = {0};
    chain_state_t *st = chain_state_open(db, false, &e);
    if (!st)
        return -1;
    chain_genesis_alloc_t al[50];
    for (unsigned i = 0; i < 50; i++)
        al[i] = (chain_genesis_alloc_t){addr_n(i), chain_u128_from_u64(1000 + i)};
    chain_utxo_t us[3] = {{addr_n(1), {7, 0}}, {addr_n(2), {8, 0}}, {addr_n(3), {9, 0}}};
    chain_genesis_t g = {.chain_id = 9, .timestamp_ms = 1, .accounts = al, .n_accounts = 50,
                         .utxos = us, .n_utxos = 3};
    memcpy(g.proposer_pk, pk, 32);
    if (chain_state_init_genesis(st, &g, &e) != 0)
        return -1;
    /* its genesis file, for import and check */
    {
        char gp[256];
        path(gp, "g9.json");
        json_t *j = node_genesis_to_json(&g);
        char *txt = j ? cjson_encode_pretty_str(j, NULL) : NULL;
        json_decref(j);
        if (!txt || file_write_atomic(gp, txt, strlen(txt), 0600, false, &e) != 0)
            return -1;
        free(txt);
    }
    for (unsigned b = 1; b <= 2; b++) {
        chain_overlay_t *ov = chain_overlay_new(st, &e);
        for (unsigned i = 0; i < 10; i++) {
            chain_addr_t a = addr_n(100 * b + i);
            chain_account_t v = {chain_u128_from_u64(b * 10 + i), b};
            if (chain_overlay_put_account(ov, &a, &v, &e) != 0)
                return -1;
        }
        chain_hash_t root, th;
        chain_header_t tip;
        if (chain_overlay_root(ov, &root, &e) || chain_state_tip(st, &tip, &th, &e))
            return -1;
        chain_block_t *blk = chain_block_new();
        blk->header.chain_id = 9;
        blk->header.height = b;
        blk->header.timestamp_ms = 1 + b;
        blk->header.parent_hash = th;
        blk->header.state_root = root;
        chain_merkle_root(NULL, 0, &blk->header.receipts_root);
        chain_block_seal(blk, sk);
        if (chain_state_commit(st, ov, blk, NULL, &e) != 0)
            return -1;
        chain_block_free(blk);
    }
    chain_state_close(st);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void test_snapshot_commands(void **state)
{
    (void)state;
    char db[256], db2[256], snap[256], out[256], bad[256], g9[256];
    path(g9, "g9.json");
    path(db, "db");
    path(db2, "db2");
    path(snap, "s.zst");
    path(out, "out.txt");
    path(bad, "bad.zst");
    /* export while a writer holds the store open */
    err_t e = {0};
    chain_state_t *w = chain_state_open(db, false, &e);
    assert_non_null(w);
    const char *ex[] = {aetherd_bin, "snapshot", "export", "--data", db, "--out", snap, NULL};
    int rc = run(ex, NULL, out);
    char *txt = slurp(out);
    if (rc != 0)
        fail_msg("export: %d %s", rc, txt);
    assert_non_null(strstr(txt, "\"height\": 2"));
    free(txt);
    chain_hash_t root;
    chain_state_root(w, &root);
    chain_state_close(w);
    const char *im[] = {aetherd_bin, "snapshot", "import", "--data", db2, "--in", snap,
                        "--genesis", g9, NULL};
    rc = run(im, NULL, out);
    txt = slurp(out);
    if (rc != 0)
        fail_msg("import: %d %s", rc, txt);
    char rh[65];
    chain_hash_to_hex(&root, rh);
    assert_non_null(strstr(txt, rh));
    free(txt);
    /* again into the now non-empty store */
    assert_int_equal(run(im, NULL, out), 2);
    txt = slurp(out);
    assert_non_null(strstr(txt, "empty"));
    free(txt);
    /* both stores pass the full check */
    const char *ck[] = {aetherd_bin, "snapshot", "check", "--data", db2, "--genesis", g9, NULL};
    assert_int_equal(run(ck, NULL, out), 0);
    txt = slurp(out);
    assert_non_null(strstr(txt, rh));
    free(txt);
    const char *ck_bad[] = {aetherd_bin, "snapshot", "check", "--data", db2, "--out", snap, NULL};
    assert_int_equal(run(ck_bad, NULL, out), 2);
    /* the imported store has the same state */
    chain_state_t *s2 = chain_state_open(db2, true, &e);
    assert_non_null(s2);
    chain_hash_t r2;
    chain_state_root(s2, &r2);
    assert_memory_equal(root.b, r2.b, 32);
    chain_account_t a;
    bool exists;
    chain_addr_t x = addr_n(205);
    assert_int_equal(chain_state_get_account(s2, &x, &a, &exists, &e), 0);
    assert_true(exists);
    assert_int_equal(a.balance.lo, 25);
    chain_state_close(s2);
    /* a damaged file is refused and leaves the store empty */
    uint8_t *d;
    size_t n;
    assert_int_equal(file_read_all(snap, 1 << 24, &d, &n, NULL), 0);
    d[n - 5] ^= 0x55;
    assert_int_equal(file_write_atomic(bad, d, n, 0600, false, NULL), 0);
    free(d);
    char db3[256];
    path(db3, "db3");
    const char *im3[] = {aetherd_bin, "snapshot", "import", "--data", db3, "--in", bad,
                         "--genesis", g9, NULL};
    assert_int_equal(run(im3, NULL, out), 2);
    txt = slurp(out);
    assert_non_null(strstr(txt, "snapshot"));
    free(txt);
    /* the store it left is empty: check says so instead of passing silently */
    const char *ck3[] = {aetherd_bin, "snapshot", "check", "--data", db3, "--genesis", g9, NULL};
    assert_int_equal(run(ck3, NULL, out), 1);
    txt = slurp(out);
    assert_non_null(strstr(txt, "no chain"));
    free(txt);
    /* a directory given as the snapshot file is named as such */
    const char *im4[] = {aetherd_bin, "snapshot", "import", "--data", db3, "--in", db2,
                         "--genesis", g9, NULL};
    assert_int_equal(run(im4, NULL, out), 2);
    txt = slurp(out);
    assert_non_null(strstr(txt, "is a directory"));
    free(txt);
    /* check and export of a missing store fail without creating it */
    char none[256];
    path(none, "none");
    const char *ck4[] = {aetherd_bin, "snapshot", "check", "--data", none, "--genesis", g9, NULL};
    assert_int_equal(run(ck4, NULL, out), 1);
    const char *ex4[] = {aetherd_bin, "snapshot", "export", "--data", none, "--out", snap, NULL};
    assert_int_equal(run(ex4, NULL, out), 1);
    struct stat nst;
    assert_int_not_equal(stat(none, &nst), 0);
    /* usage errors */
    const char *u0[] = {aetherd_bin, "snapshot", "import", "--data", db3, "--in", snap, NULL};
    assert_int_equal(run(u0, NULL, out), 2);
    txt = slurp(out);
    assert_non_null(strstr(txt, "--genesis"));
    free(txt);
    const char *u00[] = {aetherd_bin, "snapshot", "check", "--data", db2, NULL};
    assert_int_equal(run(u00, NULL, out), 2);
    const char *u1[] = {aetherd_bin, "snapshot", "export", "--data", db, NULL};
    assert_int_equal(run(u1, NULL, out), 2);
    const char *u2[] = {aetherd_bin, "snapshot", "export", "--bogus", NULL};
    assert_int_equal(run(u2, NULL, out), 2);
    const char *u3[] = {aetherd_bin, "snapshot", "export", "--data", "/nonexistent/x", "--out", snap, NULL};
    assert_int_equal(run(u3, NULL, out), 1);
}

static void write_proof(const chain_proof_t *p, const char *file, bool as_response)
{
    json_t *j = chain_proof_to_json(p);
    if (as_response)
        j = json_pack("{s:s, s:o, s:i}", "jsonrpc", "2.0", "result", j, "id", 1);
    assert_int_equal(json_dump_file(j, file, 0), 0);
    json_decref(j);
}

static void test_verify_proof_command(void **state)
{
    (void)state;
    char db[256], pf[256], out[256], rootarg[70];
    path(db, "db");
    path(pf, "proof.json");
    path(out, "out.txt");
    err_t e = {0};
    chain_state_t *st = chain_state_open(db, true, &e);
    assert_non_null(st);
    chain_hash_t root;
    chain_state_root(st, &root);
    rootarg[0] = '0', rootarg[1] = 'x';
    chain_hash_to_hex(&root, rootarg + 2);
    chain_proof_t p;
    const char *argv_root[] = {aether_bin, "verify-proof", "--root", rootarg, pf, NULL};
    /* present account (as a whole JSON-RPC response) */
    chain_addr_t a = addr_n(7);
    assert_int_equal(chain_state_prove_account(st, &a, &p, &e), 0);
    assert_true(p.exists);
    write_proof(&p, pf, true);
    assert_int_equal(run(argv_root, NULL, out), 0);
    char *txt = slurp(out);
    assert_non_null(strstr(txt, "balance 1007"));
    free(txt);
    /* the same proof lying about the balance */
    p.account.balance.lo++;
    write_proof(&p, pf, false);
    assert_int_equal(run(argv_root, NULL, out), 1);
    /* absent account, via stdin */
    chain_addr_t b = addr_n(99999);
    assert_int_equal(chain_state_prove_account(st, &b, &p, &e), 0);
    assert_false(p.exists);
    write_proof(&p, pf, false);
    const char *argv_stdin[] = {aether_bin, "verify-proof", "--root", rootarg, NULL};
    assert_int_equal(run(argv_stdin, pf, out), 0);
    txt = slurp(out);
    assert_non_null(strstr(txt, "absent"));
    free(txt);
    /* ... but not against another root */
    char other[70];
    memcpy(other, rootarg, sizeof other);
    other[5] = other[5] == '0' ? '1' : '0';
    const char *argv_other[] = {aether_bin, "verify-proof", "--root", other, pf, NULL};
    assert_int_equal(run(argv_other, NULL, out), 1);
    /* a present UTxO and an absent one */
    chain_utxo_id_t id = {{{0}}, 2};
    assert_int_equal(chain_state_prove_utxo(st, &id, &p, &e), 0);
    assert_true(p.exists);
    write_proof(&p, pf, false);
    assert_int_equal(run(argv_root, NULL, out), 0);
    id.index = 3;
    assert_int_equal(chain_state_prove_utxo(st, &id, &p, &e), 0);
    assert_false(p.exists);
    write_proof(&p, pf, false);
    assert_int_equal(run(argv_root, NULL, out), 0);
    /* malformed input and usage */
    assert_int_equal(file_write_atomic(pf, "{\"root\":", 8, 0600, false, NULL), 0);
    assert_int_equal(run(argv_root, NULL, out), 2);
    const char *no_root[] = {aether_bin, "verify-proof", pf, NULL};
    assert_int_equal(run(no_root, NULL, out), 2);
    const char *bad_root[] = {aether_bin, "verify-proof", "--root", "abc", pf, NULL};
    assert_int_equal(run(bad_root, NULL, out), 2);
    chain_state_close(st);
}

/* Starts `aetherd run` on data and waits for its port; url gets its
 * endpoint. On failure the node is killed and the test fails. */
static pid_t start_node(const char *data, const char *gen, const char *key, const char *portf,
                        const char *out, char *url, size_t url_len)
{
    unlink(portf);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o >= 0) {
            dup2(o, 1);
            dup2(o, 2);
        }
        execl(aetherd_bin, aetherd_bin, "run", "--data", data, "--genesis", gen, "--key", key,
              "--rpc", "127.0.0.1:0", "--port-file", portf, "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    /* wait for the port file (up to 30 s under sanitizers) */
    char *port = NULL;
    for (int i = 0; i < 300 && (!port || !*port); i++) {
        free(port);
        usleep(100 * 1000);
        port = slurp(portf);
    }
    if (!port || !*port) {
        kill(pid, SIGKILL);   /* never leave the node running */
        waitpid(pid, NULL, 0);
        char *t = slurp(out);
        fail_msg("aetherd run did not start: %s", t);
    }
    port[strcspn(port, "\r\n")] = 0;
    snprintf(url, url_len, "http://127.0.0.1:%s", port);
    free(port);
    return pid;
}

/* The acceptance scenario: a proof from aeth_getProof verifies against
 * aeth_getStateRoot, for a present and an absent account, via a real node. */
static void test_verify_proof_from_node(void **state)
{
    (void)state;
    char key[256], gen[256], data[256], portf[256], out[256], url[64];
    path(key, "val.key");
    path(gen, "genesis.json");
    path(data, "node");
    path(portf, "port");
    path(out, "node_out.txt");
    const char *kn[] = {aetherd_bin, "keys", "new", "--out", key, NULL};
    assert_int_equal(run(kn, NULL, out), 0);
    const char *ig[] = {aetherd_bin, "init-genesis", "--key", key, "--chain-id", "31",
                        "--alloc", "00000000000000000000000000000000000000a1=777",
                        "--utxo", "00000000000000000000000000000000000000a2=55",
                        "--out", gen, NULL};
    if (run(ig, NULL, out) != 0) {
        char *t = slurp(out);
        fail_msg("init-genesis: %s", t);
    }
    pid_t pid = start_node(data, gen, key, portf, out, url, sizeof url);
    const char *present[] = {aether_bin, "verify-proof", "--rpc", url, "--address",
                             "00000000000000000000000000000000000000a1", NULL};
    const char *absent[] = {aether_bin, "verify-proof", "--rpc", url, "--address",
                            "00000000000000000000000000000000000000b7", NULL};
    const char *utxo[] = {aether_bin, "verify-proof", "--rpc", url, "--utxo",
                          "0000000000000000000000000000000000000000000000000000000000000000:0",
                          NULL};
    char res[256];
    path(res, "res.txt");
    int r1 = run(present, NULL, res);
    char *t1 = slurp(res);
    int r2 = run(absent, NULL, res);
    char *t2 = slurp(res);
    int r3 = run(utxo, NULL, res);
    char *t3 = slurp(res);
    /* export beside the running node, import into a fresh directory */
    char snap[256], data2[256];
    path(snap, "node.zst");
    path(data2, "node2");
    const char *ex[] = {aetherd_bin, "snapshot", "export", "--data", data, "--out", snap, NULL};
    int r4 = run(ex, NULL, res);
    char *t4 = slurp(res);
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    if (r4 != 0)
        fail_msg("export beside the node: %d %s", r4, t4);
    free(t4);
    const char *im[] = {aetherd_bin, "snapshot", "import", "--data", data2, "--in", snap,
                        "--genesis", gen, NULL};
    int r5 = run(im, NULL, res);
    char *t5 = slurp(res);
    if (r5 != 0)
        fail_msg("import: %d %s", r5, t5);
    free(t5);
    /* a node started on the imported store (same genesis file) serves it */
    pid = start_node(data2, gen, key, portf, out, url, sizeof url);
    int r6 = run(present, NULL, res);
    char *t6 = slurp(res);
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    if (r6 != 0 || !strstr(t6, "balance 777"))
        fail_msg("node on the imported snapshot: %d %s", r6, t6);
    free(t6);
    if (r1 != 0 || !strstr(t1, "balance 777"))
        fail_msg("present: %d %s", r1, t1);
    if (r2 != 0 || !strstr(t2, "absent"))
        fail_msg("absent: %d %s", r2, t2);
    if (r3 != 0 || !strstr(t3, "amount 55"))
        fail_msg("utxo: %d %s", r3, t3);
    free(t1);
    free(t2);
    free(t3);
}

/* Issue 19 finding 1, the attack as reported: an attacker makes a genesis
 * with the real chain id, its own validator key and a huge allocation, runs
 * it, exports a snapshot, swaps the snapshot's block 0 for the real chain's
 * block 0, recomputes the trailing SHA-256 and recompresses. Import and
 * check with the real genesis must refuse it, and `aetherd run` with the real
 * genesis and key must refuse a store holding that state (as an older
 * binary would have imported it). */
static void must(int rc, const char *what, const char *out)
{
    if (rc != 0) {
        char *t = slurp(out);
        fail_msg("%s: exit %d: %s", what, rc, t);
    }
}

static void test_forged_snapshot(void **state)
{
    (void)state;
    char rkey[256], rgen[256], akey[256], agen[256], astore[256], asnap[256], forged[256];
    char out[256], imp[256], fstore[256], portf[256];
    path(rkey, "real.key");
    path(rgen, "real.json");
    path(akey, "attacker.key");
    path(agen, "attacker.json");
    path(astore, "attacker_db");
    path(asnap, "attacker.zst");
    path(forged, "forged.zst");
    path(out, "forge_out.txt");
    path(imp, "forge_import");
    path(fstore, "forged_db");
    path(portf, "forge_port");
    const char *k1[] = {aetherd_bin, "keys", "new", "--out", rkey, NULL};
    const char *k2[] = {aetherd_bin, "keys", "new", "--out", akey, NULL};
    must(run(k1, NULL, out), "keys new", out);
    must(run(k2, NULL, out), "keys new", out);
    const char *g1[] = {aetherd_bin, "init-genesis", "--key", rkey, "--chain-id", "77",
                        "--timestamp-ms", "1000",
                        "--alloc", "00000000000000000000000000000000000000a1=777", "--out", rgen,
                        NULL};
    must(run(g1, NULL, out), "init-genesis (real)", out);
    node_key_t ak;
    err_t e = {0};
    assert_int_equal(node_key_load(akey, &ak, &e), 0);
    char alloc[128];
    char ahex[41];
    chain_addr_to_hex(&ak.addr, ahex);
    snprintf(alloc, sizeof alloc, "%s=1000000000000000000000000000000", ahex);
    const char *g2[] = {aetherd_bin, "init-genesis", "--key", akey, "--chain-id", "77",
                        "--timestamp-ms", "1000", "--alloc", alloc, "--out", agen, NULL};
    must(run(g2, NULL, out), "init-genesis (attacker)", out);

    /* the attacker's chain: genesis plus one block it signs */
    node_genesis_t ag, rg;
    assert_int_equal(node_genesis_load(agen, &ag, &e), 0);
    assert_int_equal(node_genesis_load(rgen, &rg, &e), 0);
    chain_state_t *st = chain_state_open(astore, false, &e);
    assert_non_null(st);
    assert_int_equal(chain_state_init_genesis(st, &ag.g, &e), 0);
    chain_overlay_t *ov = chain_overlay_new(st, &e);
    chain_hash_t root, th;
    chain_header_t tip;
    assert_int_equal(chain_overlay_root(ov, &root, &e), 0);
    assert_int_equal(chain_state_tip(st, &tip, &th, &e), 0);
    chain_block_t *blk = chain_block_new();
    blk->header.chain_id = 77;
    blk->header.height = 1;
    blk->header.timestamp_ms = 2000;
    blk->header.parent_hash = th;
    blk->header.state_root = root;
    chain_merkle_root(NULL, 0, &blk->header.receipts_root);
    chain_block_seal(blk, ak.sk);
    assert_int_equal(chain_state_commit(st, ov, blk, NULL, &e), 0);
    chain_block_free(blk);
    chain_state_close(st);
    node_key_wipe(&ak);
    const char *ex[] = {aetherd_bin, "snapshot", "export", "--data", astore, "--out", asnap, NULL};
    must(run(ex, NULL, out), "export (attacker)", out);

    /* forge: the real block 0 in place of the attacker's, digest recomputed */
    chain_block_t *real0 = NULL;
    assert_int_equal(chain_genesis_block(&rg.g, &real0, &e), 0);
    buf_t r0;
    buf_init(&r0, 0);
    assert_int_equal(chain_block_encode(real0, &r0), 0);
    uint8_t *z;
    size_t zn;
    assert_int_equal(file_read_all(asnap, 1 << 24, &z, &zn, NULL), 0);
    unsigned long long cap = ZSTD_getFrameContentSize(z, zn);
    assert_true(cap != ZSTD_CONTENTSIZE_ERROR);
    if (cap == ZSTD_CONTENTSIZE_UNKNOWN)   /* written as a stream */
        cap = 1 << 24;
    uint8_t *raw = malloc(cap + r0.len);
    size_t rn = ZSTD_decompress(raw, cap, z, zn);
    assert_false(ZSTD_isError(rn));
    free(z);
    size_t blen = (size_t)raw[12] | (size_t)raw[13] << 8 | (size_t)raw[14] << 16 |
                  (size_t)raw[15] << 24;
    size_t goff = 16 + blen;
    size_t glen = (size_t)raw[goff] | (size_t)raw[goff + 1] << 8 | (size_t)raw[goff + 2] << 16 |
                  (size_t)raw[goff + 3] << 24;
    uint8_t *fr = malloc(rn - glen + r0.len);
    size_t fn = 0;
    memcpy(fr, raw, goff), fn = goff;
    fr[fn++] = (uint8_t)r0.len, fr[fn++] = (uint8_t)(r0.len >> 8);
    fr[fn++] = (uint8_t)(r0.len >> 16), fr[fn++] = (uint8_t)(r0.len >> 24);
    memcpy(fr + fn, r0.data, r0.len), fn += r0.len;
    memcpy(fr + fn, raw + goff + 4 + glen, rn - goff - 4 - glen), fn += rn - goff - 4 - glen;
    crypto_sha256(fr, fn - 32, fr + fn - 32);
    size_t zc = ZSTD_compressBound(fn);
    z = malloc(zc);
    zn = ZSTD_compress(z, zc, fr, fn, 3);
    assert_false(ZSTD_isError(zn));
    assert_int_equal(file_write_atomic(forged, z, zn, 0600, false, NULL), 0);
    free(z);
    free(fr);
    free(raw);

    /* import with the real genesis: refused, the store stays empty */
    const char *im[] = {aetherd_bin, "snapshot", "import", "--data", imp, "--in", forged,
                        "--genesis", rgen, NULL};
    int rc = run(im, NULL, out);
    char *t = slurp(out);
    if (rc == 0 || !strstr(t, "validator"))
        fail_msg("forged snapshot import: exit %d: %s", rc, t);
    free(t);
    /* and with the attacker's genesis: its block 0 is no longer in the file */
    const char *im2[] = {aetherd_bin, "snapshot", "import", "--data", imp, "--in", forged,
                         "--genesis", agen, NULL};
    rc = run(im2, NULL, out);
    t = slurp(out);
    if (rc == 0 || !strstr(t, "block 0"))
        fail_msg("forged snapshot with the attacker's genesis: exit %d: %s", rc, t);
    free(t);
    st = chain_state_open(imp, true, &e);
    assert_non_null(st);
    assert_false(chain_state_has_tip(st));
    chain_state_close(st);
    /* the genuine attacker snapshot imports only against its own genesis */
    const char *im3[] = {aetherd_bin, "snapshot", "import", "--data", imp, "--in", asnap,
                         "--genesis", rgen, NULL};
    assert_int_not_equal(run(im3, NULL, out), 0);

    /* a store holding the forged state (as an old binary imported it): the
     * attacker's store with the real block 0 written over its own */
    const char *cp[] = {"/bin/cp", "-a", astore, fstore, NULL};
    must(run(cp, NULL, out), "cp", out);
    {
        static const char *names[] = {"default", "accounts", "utxos", "owner_utxo", "smt",
                                      "blocks",  "block_idx", "txs",  "meta",  "data", "logs", "history"};
        enum { NCF = sizeof names / sizeof names[0] };
        rocksdb_options_t *o = rocksdb_options_create();
        const rocksdb_options_t *co[NCF];
        rocksdb_column_family_handle_t *h[NCF];
        for (int i = 0; i < NCF; i++)
            co[i] = o;
        char *err = NULL;
        rocksdb_t *db = rocksdb_open_column_families(o, fstore, NCF, names, co, h, &err);
        if (err)
            fail_msg("raw open: %s", err);
        rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
        static const char k0[8] = {0};
        rocksdb_put_cf(db, wo, h[5], k0, 8, (const char *)r0.data, r0.len, &err);
        assert_null(err);
        rocksdb_writeoptions_destroy(wo);
        for (int i = 0; i < NCF; i++)
            rocksdb_column_family_handle_destroy(h[i]);
        rocksdb_close(db);
        rocksdb_options_destroy(o);
    }
    const char *ck[] = {aetherd_bin, "snapshot", "check", "--data", fstore, "--genesis", rgen,
                        NULL};
    rc = run(ck, NULL, out);
    t = slurp(out);
    if (rc != 1 || !strstr(t, "validator"))
        fail_msg("check of the forged store: exit %d: %s", rc, t);
    free(t);
    /* run refuses it at once (bounded: a node that starts is killed) */
    unlink(portf);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o >= 0) {
            dup2(o, 1);
            dup2(o, 2);
        }
        execl(aetherd_bin, aetherd_bin, "run", "--data", fstore, "--genesis", rgen, "--key", rkey,
              "--rpc", "127.0.0.1:0", "--port-file", portf, "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    int ws = 0;
    pid_t w = 0;
    for (int i = 0; i < 300 && (w = waitpid(pid, &ws, WNOHANG)) == 0; i++)
        usleep(100 * 1000);
    if (w == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &ws, 0);
        fail_msg("aetherd run served the forged store");
    }
    t = slurp(out);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) == 0 || !strstr(t, "validator"))
        fail_msg("aetherd run on the forged store: status %d: %s", ws, t);
    free(t);
    /* the real chain still checks out against its genesis */
    const char *ck2[] = {aetherd_bin, "snapshot", "check", "--data", astore, "--genesis", agen,
                         NULL};
    must(run(ck2, NULL, out), "check (attacker store, own genesis)", out);
    buf_free(&r0);
    chain_block_free(real0);
    node_genesis_free(&ag);
    node_genesis_free(&rg);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s AETHERD AETHER\n", argv[0]);
        return 2;
    }
    aetherd_bin = argv[1];
    aether_bin = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_commands),
        cmocka_unit_test(test_verify_proof_command),
        cmocka_unit_test(test_verify_proof_from_node),
        cmocka_unit_test(test_forged_snapshot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

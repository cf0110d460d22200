/*
 * The light client end to end: four BFT validators (real `aetherd run`
 * processes), aeth_getFinalityProof, and `aether verify-finality` checking
 * proofs against the genesis file alone; and what `aether status` (round,
 * committed height advancing, validator set), `aether peers` and the
 * upstream slot methods show on a BFT chain.
 *
 *   - a proof of a committed height verifies, from a file and fetched with
 *     --height; what it reports (block height, chain block hash, signers,
 *     stake) matches the node;
 *   - refused, each with its reason: a tampered consensus block header, a
 *     tampered commit QC signature, a signer removed from the bitmap, a QC
 *     with real signatures of only 2 of 4 validators (too little stake), a
 *     tampered chain header, a proof for another height, a genesis with
 *     other validators;
 *   - malformed input (not JSON, no chain headers, no genesis) exits 2; a
 *     height not committed yet is null over RPC and exit 1 in the CLI.
 *
 * Usage: test_finality_proof AETHERD AETHER
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/consensus/consensus.h"
#include "check.h"
#include "cluster.h"

static cluster_t CL;
static int failures;

static char genesis[600], other_genesis[600];

static int aether_cmd(const char *const *args, char **out);

/* aether verify-finality ARGS */
static int verify(const char *const *args, char **out)
{
    const char *a[16] = {"verify-finality"};
    int n = 1;
    for (int i = 0; args[i] && n < 15; i++)
        a[n++] = args[i];
    a[n] = NULL;
    return aether_cmd(a, out);
}

/* Runs aether with args (the command first); *out = stdout + stderr. */
static int aether_cmd(const char *const *args, char **out)
{
    const char *argv[16];
    int n = 0;
    argv[n++] = CL.v[0].aether;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    /* h_run captures stdout only: fold stderr in through a shell-free dup */
    char errf[700];
    snprintf(errf, sizeof errf, "%s/verify.err", CL.v[0].dir);
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(errf, "w");
    if (f)
        dup2(fileno(f), 2);
    char *so = NULL;
    int rc = h_run(argv, &so);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (f)
        fclose(f);
    char *se = NULL;
    size_t sl = 0;
    err_t e = {0};
    if (file_read_all(errf, 1 << 20, (uint8_t **)&se, &sl, &e) != 0)
        se = NULL;
    size_t a = so ? strlen(so) : 0;
    *out = malloc(a + sl + 1);
    if (*out) {
        memcpy(*out, so ? so : "", a);
        memcpy(*out + a, se ? se : "", sl);
        (*out)[a + sl] = 0;
    }
    free(so);
    free(se);
    return rc;
}

/* Writes j to dir/name; returns the path (static buffer). */
static const char *write_json(const json_t *j, const char *name)
{
    static char path[4][700];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 700, "%s/%s", CL.v[0].dir, name);
    if (json_dump_file(j, p, JSON_COMPACT) != 0)
        fprintf(stderr, "cannot write %s\n", p);
    return p;
}

/* A copy of proof with byte `at` of hex field `field` (at `path` in the
 * object: "block", "commit_qc", "chain_header") xor-ed with x; at < 0 counts
 * from the end. */
static json_t *tamper(const json_t *proof, const char *field, long at, uint8_t x)
{
    json_t *p = json_deep_copy(proof);
    const char *hex = json_string_value(json_object_get(p, field));
    if (!hex)
        return p;
    size_t n = strlen(hex) / 2;
    size_t i = at < 0 ? n - (size_t)(-at) : (size_t)at;
    char *s = strdup(hex);
    unsigned v;
    sscanf(s + 2 * i, "%2x", &v);
    char two[3];
    snprintf(two, sizeof two, "%02x", (v ^ x) & 0xff);
    memcpy(s + 2 * i, two, 2);
    json_object_set_new(p, field, json_string(s));
    free(s);
    return p;
}

/* A copy whose commit QC is replaced by a QC over the same block and round
 * with real signatures of validators [0, n_signers) only. */
static json_t *weak_qc(const json_t *proof, uint32_t n_signers)
{
    const char *hex = json_string_value(json_object_get(proof, "commit_qc"));
    uint8_t *raw = NULL;
    size_t n = 0;
    cons_qc_t qc;
    err_t e = {0};
    if (!hex || hex_decode_alloc(hex, strlen(hex), &raw, &n, NULL) != 0 ||
        cons_qc_decode(raw, n, &qc, &e) != 0) {
        free(raw);
        return NULL;
    }
    free(raw);
    uint8_t msg[64], sigs[CL_MAX][CONS_SIG_BYTES];
    size_t ml = cons_vote_msg(CL.v[0].chain_id, qc.round, &qc.block_id, msg);
    memset(qc.bitmap, 0, sizeof qc.bitmap);
    for (uint32_t i = 0; i < n_signers; i++) {
        node_validator_keys_t vk;
        if (node_validator_keys_derive(&CL.key[i], &vk, &e) != 0 ||
            cons_crypto_bls.sign(vk.bls_sk, msg, ml, sigs[i], &e) != 0)
            return NULL;
        node_validator_keys_wipe(&vk);
        qc.bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    qc.nb = 1;
    if (cons_crypto_bls.aggregate((const uint8_t (*)[CONS_SIG_BYTES])sigs, n_signers, qc.sig,
                                  &e) != 0)
        return NULL;
    buf_t b;
    buf_init(&b, 0);
    if (cons_qc_encode(&qc, &b) != 0) {
        buf_free(&b);
        return NULL;
    }
    char *s = malloc(2 * b.len + 1);
    hex_encode(b.data, b.len, s);
    json_t *p = json_deep_copy(proof);
    json_object_set_new(p, "commit_qc", json_string(s));
    free(s);
    buf_free(&b);
    return p;
}

static int expect_refusal(const json_t *proof, const char *name, int want_rc, const char *want)
{
    const char *path = write_json(proof, name);
    const char *args[] = {"--genesis", genesis, path, NULL};
    char *out = NULL;
    int rc = verify(args, &out);
    int ok = rc == want_rc && out && strstr(out, want);
    if (!ok)
        fprintf(stderr, "%s: exit %d (want %d), output: %s(want \"%s\")\n", name, rc, want_rc,
                out ? out : "", want);
    free(out);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    json_t *proof = NULL, *bad = NULL;
    rpc_client_t *c = NULL;
    char *out = NULL;
    static const char *const run_args[] = {"--log-level", "info", NULL};
    cl_params_t p = {.n = 4, .n_accounts = 4, .balance = 1000000000,
                     .base_timeout_ms = 1000, .run_args = run_args};
    int rc = cl_init(&CL, &p, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
    if (rc == 77) {
        cl_cleanup(&CL, false);
        return 77;
    }
    CHECK(rc == 0, "setting up four validators");
    snprintf(genesis, sizeof genesis, "%s/genesis.json", CL.v[0].dir);
    CHECK(cl_start_all(&CL) == 0, "starting four validators");
    CHECK(cl_wait_heights(&CL, cl_all(&CL), 6, 60000, "start-up") == 0, "commits");
    char url[64];
    cl_url(&CL, 1, url);
    c = rpc_client_new(url, 10000, NULL);

    /* aether status: round, committed height advancing, the validator set;
     * aether peers: the three others, connected */
    {
        uint64_t h1 = 0, h2 = 0, round = 0, cround = 0, slot = 0, fin = 0;
        const char *a[] = {"status", "--rpc", url, NULL};
        CHECK(aether_cmd(a, &out) == 0, "aether status: %s", out);
        json_t *st = json_loads(out, 0, NULL);
        json_t *cons = json_object_get(st, "consensus");
        json_t *vals = json_object_get(cons, "validators");
        CHECK(json_is_string(json_object_get(cons, "engine")) &&
                  !strcmp(json_string_value(json_object_get(cons, "engine")), "bft") &&
                  cjson_get_u64(json_object_get(cons, "committed_height"), &h1) && h1 >= 6 &&
                  cjson_get_u64(json_object_get(cons, "round"), &round) &&
                  cjson_get_u64(json_object_get(cons, "committed_round"), &cround) &&
                  round > cround && cround >= h1 &&
                  json_integer_value(json_object_get(cons, "self")) == 1 &&
                  json_array_size(vals) == 4 &&
                  json_integer_value(json_object_get(json_array_get(vals, 3), "stake")) == 100,
              "aether status consensus: %s", out);
        json_decref(st);
        free(out);
        out = NULL;
        json_t *r = h_call(c, "aeth_getFinalizedSlot", json_array());
        json_t *r2 = h_call(c, "aeth_getSlotNumber", json_array());
        CHECK(cjson_get_u64(r, &fin) && cjson_get_u64(r2, &slot) && slot > fin && fin >= cround,
              "slots: current %llu, finalized %llu (committed round was %llu)",
              (unsigned long long)slot, (unsigned long long)fin, (unsigned long long)cround);
        json_decref(r);
        json_decref(r2);
        CHECK(cl_wait_heights(&CL, 1u << 1, h1 + 2, 30000, "progress") == 0, "commits go on");
        CHECK(aether_cmd(a, &out) == 0, "aether status: %s", out);
        st = json_loads(out, 0, NULL);
        CHECK(cjson_get_u64(json_object_get(json_object_get(st, "consensus"), "committed_height"),
                            &h2) && h2 >= h1 + 2,
              "committed height did not advance: %llu then %llu", (unsigned long long)h1,
              (unsigned long long)h2);
        json_decref(st);
        free(out);
        out = NULL;
        const char *b[] = {"peers", "--rpc", url, NULL};
        CHECK(aether_cmd(b, &out) == 0, "aether peers: %s", out);
        json_t *peers = json_loads(out, 0, NULL);
        int seen = 0;
        for (size_t i = 0; i < json_array_size(peers); i++) {
            json_t *pe = json_array_get(peers, i);
            json_t *v = json_object_get(pe, "validator");
            if (json_is_integer(v) && json_integer_value(v) != 1 &&
                json_is_true(json_object_get(pe, "connected")))
                seen |= 1 << json_integer_value(v);
        }
        json_decref(peers);
        CHECK(seen == (1 | 4 | 8), "aether peers must list validators 0, 2, 3 connected: %s",
              out);
        free(out);
        out = NULL;
        const char *bad_a[] = {"peers", "--rpc", url, "extra", NULL};
        CHECK(aether_cmd(bad_a, &out) == 2, "aether peers with an argument: %s", out);
        free(out);
        out = NULL;
    }

    /* the proof of height 2, once a later block has certified its chain block */
    for (int i = 0; i < 100; i++) {
        json_decref(proof);
        proof = h_call(c, "aeth_getFinalityProof", json_pack("[i]", 2));
        if (proof && json_is_object(json_object_get(proof, "certified_by")))
            break;
        usleep(100000);
    }
    CHECK(proof && json_is_string(json_object_get(proof, "chain_header")),
          "aeth_getFinalityProof [2]: %s", proof ? json_dumps(proof, JSON_COMPACT) : "null");
    {
        const char *path = write_json(proof, "proof2.json");
        const char *args[] = {"--genesis", genesis, path, NULL};
        CHECK(verify(args, &out) == 0, "a real proof was refused: %s", out);
        json_t *r = json_loads(out, 0, NULL);
        chain_hash_t bh, *txs = NULL;
        size_t k;
        CHECK(h_block_txs(c, 2, &bh, &txs, &k) == 0, "block 2");
        free(txs);
        char want[65];
        chain_hash_to_hex(&bh, want);
        json_t *cb = json_object_get(r, "chain_block");
        uint64_t signers = 0, stake = 0, total = 0, height = 0;
        CHECK(json_is_true(json_object_get(r, "verified")) &&
                  cjson_get_u64(json_object_get(r, "height"), &height) && height == 2 &&
                  json_is_string(json_object_get(cb, "hash")) &&
                  !strcmp(json_string_value(json_object_get(cb, "hash")), want) &&
                  cjson_get_u64(json_object_get(r, "signers"), &signers) && signers >= 3 &&
                  cjson_get_u64(json_object_get(r, "stake"), &stake) &&
                  cjson_get_u64(json_object_get(r, "total_stake"), &total) && total == 400 &&
                  stake == 100 * signers,
              "verify-finality output %s (chain block 2 is %s)", out, want);
        json_decref(r);
        free(out);
        out = NULL;
    }
    {
        char h[8];
        snprintf(h, sizeof h, "%d", 3);
        char save[700];
        snprintf(save, sizeof save, "%s/fetched.json", CL.v[0].dir);
        const char *args[] = {"--genesis", genesis, "--height", h, "--rpc", url, "--save", save,
                              NULL};
        CHECK(verify(args, &out) == 0 && strstr(out, "\"height\": 3") && access(save, R_OK) == 0,
              "verify-finality --height 3: %s", out);
        free(out);
        out = NULL;
    }

    /* refusals, each with its reason */
    /* header byte 25: inside the block's height field (u32 version, u64 chain
     * id, u64 round, u64 height, ...): its id changes, the child's QC no
     * longer names it */
    bad = tamper(proof, "block", 25, 0x01);
    CHECK(expect_refusal(bad, "hdr.json", 1, "does not extend") == 0, "tampered block header");
    json_decref(bad);
    bad = tamper(proof, "commit_qc", -1, 0x01);
    CHECK(expect_refusal(bad, "sig.json", 1, "commit QC") == 0, "tampered QC signature");
    json_decref(bad);
    /* bitmap: u64 round, [32] id, u32 nb, then the bitmap at byte 44; drop
     * validator 0's bit (or 1's, if 0 did not sign) */
    {
        const char *qh = json_string_value(json_object_get(proof, "commit_qc"));
        unsigned bm = 0;
        sscanf(qh + 2 * 44, "%2x", &bm);
        bad = tamper(proof, "commit_qc", 44, (uint8_t)(bm & 1 ? 1 : 2));
        CHECK(expect_refusal(bad, "bitmap.json", 1, "commit QC") == 0, "signer removed");
        json_decref(bad);
        bad = tamper(proof, "commit_qc", 44, 0x10);   /* a signer that does not exist */
        CHECK(expect_refusal(bad, "bitmap5.json", 1, "commit QC") == 0, "unknown signer");
        json_decref(bad);
    }
    bad = weak_qc(proof, 2);
    CHECK(bad, "building a 2-signer QC");
    CHECK(expect_refusal(bad, "stake.json", 1, "stake 200 of 400") == 0,
          "a QC of 2 of 4 validators");
    json_decref(bad);
    bad = weak_qc(proof, 3);   /* the same construction with a quorum verifies */
    CHECK(bad && expect_refusal(bad, "stake3.json", 0, "\"verified\": true") == 0,
          "a QC of 3 of 4 validators must verify (the 2-signer refusal is about stake)");
    json_decref(bad);
    bad = tamper(proof, "chain_header", -40, 0x01);   /* inside the state root */
    CHECK(expect_refusal(bad, "chainhdr.json", 1, "chain header was altered") == 0,
          "tampered chain header");
    json_decref(bad);
    bad = json_deep_copy(proof);
    json_object_set_new(bad, "height", json_integer(3));
    CHECK(expect_refusal(bad, "height.json", 1, "not 3") == 0, "proof for another height");
    json_decref(bad);
    {
        /* a genesis with other validators: same chain id, other keys */
        json_error_t je;
        json_t *g = json_load_file(genesis, 0, &je);
        json_t *vals = json_object_get(json_object_get(g, "consensus"), "validators");
        for (size_t i = 0; i < json_array_size(vals); i++) {
            node_key_t k;
            uint8_t s[32];
            char tag[48];
            snprintf(tag, sizeof tag, "other-validator-%zu", i);
            crypto_sha256(tag, strlen(tag), s);
            node_key_from_seed(&k, s);
            err_t e = {0};
            json_array_set_new(vals, i, node_validator_entry_json(&k, 100, &e));
        }
        snprintf(other_genesis, sizeof other_genesis, "%s/other-genesis.json", CL.v[0].dir);
        CHECK(json_dump_file(g, other_genesis, JSON_INDENT(1)) == 0, "other genesis");
        json_decref(g);
        const char *path = write_json(proof, "proof-other.json");
        const char *args[] = {"--genesis", other_genesis, path, NULL};
        CHECK(verify(args, &out) == 1 && strstr(out, "refused"),
              "a proof checked against other validators: %s", out);
        free(out);
        out = NULL;
    }

    /* a transfer on the BFT chain: its receipt's slot is its block's round, as the
     * finality proof of its height says (never below the height; equal when no
     * round before it was skipped, so equality is no failure) */
    {
        h_tx_t t = {0};
        CHECK(h_sign_transfer(CL.v[0].chain_id, 0, 1, 0, 5, 2000, &t) == 0, "signing");
        size_t nb = 0;
        h_send_stats_t st = {0};
        h_batch_t *b = h_make_batches(&t, 1, 1, &nb);
        int posted = b ? h_post_batch(c, b, &st) : -1;
        h_batches_free(b, nb);
        uint64_t want[1] = {1};
        json_t *r = NULL;
        if (posted == 0 && st.accepted == 1 && h_wait_nonces(c, 1, want, 30000) == 0) {
            char hex[65];
            chain_hash_to_hex(&t.hash, hex);
            r = h_call(c, "aeth_getTransactionReceipt", json_pack("[s]", hex));
        }
        h_tx_free(&t);
        uint64_t slot = 0, bh = 0;
        CHECK(r && cjson_get_u64(json_object_get(r, "slot"), &slot) &&
                  cjson_get_u64(json_object_get(r, "block_height"), &bh),
              "receipt of a transfer on the BFT chain: %s",
              r ? json_dumps(r, JSON_COMPACT) : "none");
        json_decref(r);
        char hs[24];
        snprintf(hs, sizeof hs, "%llu", (unsigned long long)bh);
        const char *a[] = {"--genesis", genesis, "--height", hs, "--rpc", url, NULL};
        for (int i = 0; i < 100; i++) {   /* until a later block has certified it */
            free(out);
            out = NULL;
            if (verify(a, &out) == 0 && strstr(out, "\"chain_block\": {"))
                break;
            usleep(100000);
        }
        json_t *v = out ? json_loads(out, 0, NULL) : NULL;
        uint64_t round = 0;
        CHECK(v && cjson_get_u64(json_object_get(v, "round"), &round) && round == slot &&
                  slot >= bh,
              "receipt slot %llu, height %llu; the proved block: %s", (unsigned long long)slot,
              (unsigned long long)bh, out ? out : "");
        json_decref(v);
        free(out);
        out = NULL;
    }

    /* malformed input and heights not committed yet */
    {
        bad = json_deep_copy(proof);
        json_object_set_new(bad, "chain", json_array());
        CHECK(expect_refusal(bad, "nochain.json", 2, "1..") == 0, "no chain headers");
        json_decref(bad);
        bad = NULL;
        char junk[700];
        snprintf(junk, sizeof junk, "%s/junk.json", CL.v[0].dir);
        FILE *f = fopen(junk, "w");
        if (f)
            fputs("{not json", f), fclose(f);
        const char *a1[] = {"--genesis", genesis, junk, NULL};
        CHECK(verify(a1, &out) == 2 && strstr(out, "not valid JSON"), "junk: %s", out);
        free(out);
        out = NULL;
        const char *a2[] = {junk, NULL};
        CHECK(verify(a2, &out) == 2 && strstr(out, "--genesis"), "no genesis: %s", out);
        free(out);
        out = NULL;
        json_t *none = h_call(c, "aeth_getFinalityProof", json_pack("[i]", 1000000));
        CHECK(none && json_is_null(none), "a future height must be null");
        json_decref(none);
        const char *a3[] = {"--genesis", genesis, "--height", "1000000", "--rpc", url, NULL};
        CHECK(verify(a3, &out) == 1 && strstr(out, "no finality record"), "future: %s", out);
        free(out);
        out = NULL;
    }

out:
    free(out);
    json_decref(proof);
    rpc_client_free(c);
    cl_cleanup(&CL, failures > 0);
    if (!failures)
        printf("finality proofs: all checks passed\n");
    return failures ? 1 : 0;
}

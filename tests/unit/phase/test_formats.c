/* Unit tests for src/phase formats: commitment (reference §2.7 vectors),
 * manifest and receipt envelopes (§2.3, §2.4, §2.8), JobResult, legacy v0.1
 * receipts. Golden data: tests/unit/phase/data/vectors.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "phase/phase.h"

static json_t *vectors;

static int setup(void **state)
{
    assert_int_equal(crypto_init(), 0);
    uint8_t *data;
    size_t len;
    err_t e = {0};
    if (file_read_all("tests/unit/phase/data/vectors.json", 1 << 20, &data, &len, &e) != 0) {
        fprintf(stderr, "cannot read vectors: %s\n", e.msg);
        return -1;
    }
    vectors = cjson_parse((const char *)data, len, &e);
    free(data);
    return vectors ? 0 : -1;
}

static int teardown(void **state)
{
    json_decref(vectors);
    return 0;
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    hex_encode(p, n, out);
}

static void test_identity_from_seed(phase_identity_t *id, uint8_t fill)
{
    uint8_t seed[32];
    memset(seed, fill, sizeof seed);
    phase_identity_from_seed(seed, id);
}

/* ---- commitment ---------------------------------------------------------------- */

static void commitment_vectors(void **state)
{
    const json_t *c = json_object_get(vectors, "commitment");
    phase_commit_t cm;
    char hex[65];
    phase_commit_init(&cm);
    hex_of(cm.state, 32, hex);
    assert_string_equal(hex, json_string_value(json_object_get(c, "state0")));
    size_t i;
    const json_t *cs;
    json_array_foreach(json_object_get(c, "cases"), i, cs) {
        phase_commit_init(&cm);
        size_t k;
        const json_t *ch;
        json_array_foreach(json_object_get(cs, "chunks"), k, ch) {
            const char *data = json_string_value(json_array_get(ch, 2));
            phase_commit_add(&cm, (uint64_t)json_integer_value(json_array_get(ch, 0)),
                             json_string_value(json_array_get(ch, 1)), data, strlen(data));
        }
        assert_int_equal(cm.count, json_array_size(json_object_get(cs, "chunks")));
        hex_of(cm.state, 32, hex);
        assert_string_equal(hex, json_string_value(json_object_get(cs, "state")));
    }
}

static void commitment_output_rule(void **state)
{
    /* "dlroW ,olleH" on stdout only == the §2.7 single-chunk vector. */
    phase_commit_t a, b;
    phase_commit_output(&a, (const uint8_t *)"dlroW ,olleH", 12, NULL, 0);
    char hex[65];
    hex_of(a.state, 32, hex);
    assert_string_equal(hex, "73c4057bc634393a91ff52324024700baae8533dd29dbe88dcad6a56dc46d797");
    assert_int_equal(a.count, 1);
    /* Empty output is still one (empty) stdout chunk. */
    phase_commit_output(&a, NULL, 0, NULL, 0);
    hex_of(a.state, 32, hex);
    assert_string_equal(hex, "fa9b4526d069cad21010765604a145c410fc8e16505eb38ef843ce1e3370282e");
    /* Large stdout splits at PHASE_CHUNK_MAX; stderr follows with later seqs. */
    size_t n = 2 * PHASE_CHUNK_MAX + 5;
    uint8_t *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    phase_commit_output(&a, big, n, (const uint8_t *)"err", 3);
    assert_int_equal(a.count, 4);
    phase_commit_init(&b);
    phase_commit_add(&b, 0, "stdout", big, PHASE_CHUNK_MAX);
    phase_commit_add(&b, 1, "stdout", big + PHASE_CHUNK_MAX, PHASE_CHUNK_MAX);
    phase_commit_add(&b, 2, "stdout", big + 2 * PHASE_CHUNK_MAX, 5);
    phase_commit_add(&b, 3, "stderr", "err", 3);
    assert_memory_equal(a.state, b.state, 32);
    /* Moving a byte from stdout to stderr changes the commitment. */
    phase_commit_output(&b, big, n - 1, (const uint8_t *)"xerr", 4);
    assert_memory_not_equal(a.state, b.state, 32);
    free(big);
}

static void module_hash(void **state)
{
    char h[PHASE_MODULE_HASH_LEN + 1];
    phase_module_hash((const uint8_t *)"", 0, h);
    assert_string_equal(h, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- manifest -------------------------------------------------------------------- */

static void manifest_signing_message_matches_upstream(void **state)
{
    const json_t *ex = json_object_get(vectors, "manifest_example");
    char *env = cjson_encode_str(json_object_get(ex, "envelope"), NULL);
    assert_non_null(env);
    phase_manifest_t m;
    err_t e = {0};
    assert_int_equal(phase_manifest_parse(env, strlen(env), &m, &e), 0);
    buf_t msg;
    buf_init(&msg, 0);
    assert_int_equal(phase_manifest_signing_message(&m, &msg, &e), 0);
    assert_int_equal(buf_terminate(&msg), 0);
    assert_string_equal((const char *)msg.data,
                        json_string_value(json_object_get(ex, "signing_message")));
    /* JobId = SHA-256 of exactly those bytes. */
    uint8_t want[32], got[32];
    crypto_sha256(msg.data, msg.len, want);
    assert_int_equal(phase_manifest_hash(&m, got, &e), 0);
    assert_memory_equal(want, got, 32);
    buf_free(&msg);
    phase_manifest_free(&m);
    free(env);
}

static char *sign_manifest(const phase_identity_t *id, const ts_t *expires)
{
    json_t *payload = json_pack("{s:s, s:s, s:[i,i,i], s:i, s:n}", "kind", "wasm", "module_cid",
                                "inline", "input", 0, 97, 115, "max_duration_ms", 5000,
                                "max_memory_bytes");
    ts_t now = {1779883200, 123456789};
    phase_manifest_t m;
    err_t e = {0};
    assert_int_equal(phase_manifest_sign(payload, id, now, expires, &m, &e), 0);
    char *s = phase_manifest_to_json(&m, &e);
    assert_non_null(s);
    phase_manifest_free(&m);
    json_decref(payload);
    return s;
}

static int verify_manifest_text(const char *s, ts_t now)
{
    phase_manifest_t m;
    err_t e = {0};
    int rc = phase_manifest_parse(s, strlen(s), &m, &e);
    if (rc != 0)
        return rc;
    rc = phase_manifest_verify(&m, now, &e);
    phase_manifest_free(&m);
    return rc;
}

/* Replaces the first occurrence of from by to (same or different length). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    assert_non_null(p);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t pre = (size_t)(p - s);
    memcpy(out, s, pre);
    strcpy(out + pre, to);
    strcat(out, p + strlen(from));
    return out;
}

static void manifest_roundtrip_and_tamper(void **state)
{
    phase_identity_t id;
    test_identity_from_seed(&id, 7);
    ts_t now = {1779883300, 0};
    char *s = sign_manifest(&id, NULL);
    assert_int_equal(verify_manifest_text(s, now), 0);

    char *t = replace(s, "\"max_duration_ms\":5000", "\"max_duration_ms\":5001");
    assert_int_equal(verify_manifest_text(t, now), PHASE_EBADSIG);
    free(t);
    t = replace(s, "\"schema_version\":1", "\"schema_version\":2");
    assert_int_equal(verify_manifest_text(t, now), PHASE_ESCHEMA);
    free(t);
    t = replace(s, "\"signer_pubkey\":\"", "\"signer_pubkey\":\"zz");
    assert_int_equal(verify_manifest_text(t, now), PHASE_EBADKEY);
    free(t);
    t = replace(s, "\"signature\":\"", "\"signature\":\"0");
    assert_int_equal(verify_manifest_text(t, now), PHASE_EBADSIG);
    free(t);
    t = replace(s, "2026-05-27T12:00:00.123456789Z", "2026-05-27T12:00:00.123456788Z");
    assert_int_equal(verify_manifest_text(t, now), PHASE_EBADSIG);
    free(t);
    /* Upper-case hex is accepted (from_str_radix). */
    char pk[65];
    hex_of(id.pk, 32, pk);
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(pk[i] >= 'a' && pk[i] <= 'f' ? pk[i] - 32 : pk[i]);
    t = replace(s, pk, upper);
    assert_int_equal(verify_manifest_text(t, now), 0);
    free(t);
    /* An equivalent RFC 3339 offset is normalised back to chrono's form. */
    t = replace(s, "2026-05-27T12:00:00.123456789Z", "2026-05-27T14:00:00.123456789+02:00");
    assert_int_equal(verify_manifest_text(t, now), 0);
    free(t);
    /* Malformed envelopes are EINVAL. */
    assert_int_equal(verify_manifest_text("[]", now), PHASE_EINVAL);
    t = replace(s, "\"created_at\":\"2026", "\"created_at\":\"x026");
    assert_int_equal(verify_manifest_text(t, now), PHASE_EINVAL);
    free(t);
    free(s);
}

static void manifest_expiry_is_checked_last(void **state)
{
    phase_identity_t id;
    test_identity_from_seed(&id, 9);
    ts_t exp = {1779883260, 0};
    char *s = sign_manifest(&id, &exp);
    ts_t before = {1779883250, 0}, after = {1779883261, 0};
    assert_int_equal(verify_manifest_text(s, before), 0);
    assert_int_equal(verify_manifest_text(s, after), PHASE_EEXPIRED);
    /* Tampered and expired: BadSignature, because expiry comes last. */
    char *t = replace(s, "\"max_duration_ms\":5000", "\"max_duration_ms\":1");
    assert_int_equal(verify_manifest_text(t, after), PHASE_EBADSIG);
    free(t);
    /* The expiry is signed. */
    t = replace(s, "2026-05-27T12:01:00Z", "2026-05-27T12:02:00Z");
    assert_int_equal(verify_manifest_text(t, before), PHASE_EBADSIG);
    free(t);
    free(s);
}

/* ---- JobResult and receipt ----------------------------------------------------------- */

static json_t *sample_result(void)
{
    phase_job_result_t r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 32; i++)
        r.job_spec_hash[i] = (uint8_t)i;
    phase_commit_t c;
    phase_commit_output(&c, (const uint8_t *)"dlroW ,olleH", 12, NULL, 0);
    memcpy(r.output_commitment, c.state, 32);
    r.output_chunk_count = c.count;
    r.completion = PHASE_COMPLETION_STOP;
    r.total_duration_ms = 3;
    r.extra = json_pack("{s:s, s:s}", "module_hash", "sha256:00", "exit_code", "0");
    json_t *j = phase_job_result_to_json(&r, NULL);
    phase_job_result_free(&r);
    return j;
}

static void job_result_encoding(void **state)
{
    json_t *j = sample_result();
    assert_non_null(j);
    char *s = cjson_encode_str(j, NULL);
    assert_non_null(s);
    const char *want_prefix =
        "{\"completion\":\"stop\",\"job_spec_hash\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,"
        "18,19,20,21,22,23,24,25,26,27,28,29,30,31],\"metrics\":{\"completion_tokens\":0,"
        "\"extra\":{\"exit_code\":\"0\",\"module_hash\":\"sha256:00\"},\"prompt_tokens\":0,"
        "\"total_duration_ms\":3},\"output_chunk_count\":1,\"output_commitment\":[115,196,";
    assert_memory_equal(s, want_prefix, strlen(want_prefix));
    assert_non_null(strstr(s, "],\"resumption\":null}"));
    phase_job_result_t back;
    assert_int_equal(phase_job_result_from_json(j, &back, NULL), 0);
    assert_int_equal(back.output_chunk_count, 1);
    assert_int_equal(back.total_duration_ms, 3);
    json_t *again = phase_job_result_to_json(&back, NULL);
    char *s2 = cjson_encode_str(again, NULL);
    assert_string_equal(s, s2);
    free(s2);
    json_decref(again);
    phase_job_result_free(&back);
    /* Wrong shapes are rejected. */
    json_object_set_new(j, "completion", json_string("done"));
    assert_int_equal(phase_job_result_from_json(j, &back, NULL), PHASE_EINVAL);
    json_object_set_new(j, "completion", json_string("stop"));
    json_object_set_new(j, "job_spec_hash", json_pack("[i]", 1));
    assert_int_equal(phase_job_result_from_json(j, &back, NULL), PHASE_EINVAL);
    free(s);
    json_decref(j);
}

static char *sign_receipt(const phase_identity_t *id)
{
    json_t *res = sample_result();
    uint8_t job[32];
    memset(job, 0xab, sizeof job);
    ts_t t = {1779883200, 5000000};
    phase_receipt_t r;
    err_t e = {0};
    assert_int_equal(phase_receipt_sign(res, job, id, t, &r, &e), 0);
    char *s = phase_receipt_to_json(&r, &e);
    assert_non_null(s);
    phase_receipt_free(&r);
    json_decref(res);
    return s;
}

static int verify_receipt_text(const char *s, const uint8_t *pinned)
{
    phase_receipt_t r;
    err_t e = {0};
    int rc = phase_receipt_parse(s, strlen(s), &r, &e);
    if (rc != 0)
        return rc;
    rc = phase_receipt_verify(&r, pinned, &e);
    phase_receipt_free(&r);
    return rc;
}

static void receipt_roundtrip_and_tamper(void **state)
{
    phase_identity_t id, other;
    test_identity_from_seed(&id, 1);
    test_identity_from_seed(&other, 2);
    char *s = sign_receipt(&id);
    /* chrono prints 5 ms as .005 */
    assert_non_null(strstr(s, "\"completed_at\":\"2026-05-27T12:00:00.005Z\""));
    assert_int_equal(verify_receipt_text(s, NULL), 0);
    assert_int_equal(verify_receipt_text(s, id.pk), 0);
    assert_int_equal(verify_receipt_text(s, other.pk), PHASE_EMISMATCH);

    static const char *const edits[][2] = {
        {"\"output_chunk_count\":1", "\"output_chunk_count\":2"},
        {"\"completion\":\"stop\"", "\"completion\":\"error\""},
        {"\"exit_code\":\"0\"", "\"exit_code\":\"1\""},
        {"\"total_duration_ms\":3", "\"total_duration_ms\":4"},
        {"\"job_id\":\"abab", "\"job_id\":\"abac"},
        {"12:00:00.005Z", "12:00:00.006Z"},
        {"[0,1,2,3", "[1,1,2,3"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *t = replace(s, edits[i][0], edits[i][1]);
        assert_int_equal(verify_receipt_text(t, NULL), PHASE_EBADSIG);
        free(t);
    }
    /* Swapping in another key: the signature no longer matches it. */
    char pk1[65], pk2[65];
    hex_of(id.pk, 32, pk1);
    hex_of(other.pk, 32, pk2);
    char *t = replace(s, pk1, pk2);
    assert_int_equal(verify_receipt_text(t, NULL), PHASE_EBADSIG);
    free(t);
    t = replace(s, "\"schema_version\":1", "\"schema_version\":7");
    assert_int_equal(verify_receipt_text(t, NULL), PHASE_ESCHEMA);
    free(t);
    t = replace(s, "\"result\":", "\"resulx\":");
    assert_int_equal(verify_receipt_text(t, NULL), PHASE_EINVAL);
    free(t);
    assert_int_equal(verify_receipt_text("{\"schema_version\":1", NULL), PHASE_EINVAL);
    free(s);
}

static void domain_separation(void **state)
{
    /* The same inner JSON under the two domains signs different bytes. */
    phase_identity_t id;
    test_identity_from_seed(&id, 3);
    json_t *v = json_pack("{s:i}", "a", 1);
    ts_t t = {1779883200, 0};
    uint8_t job[32] = {0};
    phase_manifest_t m;
    phase_receipt_t r;
    assert_int_equal(phase_manifest_sign(v, &id, t, NULL, &m, NULL), 0);
    assert_int_equal(phase_receipt_sign(v, job, &id, t, &r, NULL), 0);
    assert_string_not_equal(m.signature, r.signature);
    phase_manifest_free(&m);
    phase_receipt_free(&r);
    json_decref(v);
}

/* ---- legacy v0.1 -------------------------------------------------------------------- */

static void legacy_receipt(void **state)
{
    phase_identity_t id;
    test_identity_from_seed(&id, 5);
    phase_legacy_receipt_t r = {.version = "0.1", .exit_code = 0, .wall_time_ms = 35,
                                .timestamp = 1762600000};
    strcpy(r.module_hash,
           "sha256:11bfd18c60e980ed9375a91d9e9de49b1a75cbac66781ae34ff148e2008b769c");
    assert_int_equal(phase_legacy_sign(&r, &id, NULL), 0);
    /* The signature is over SHA-256 of the pipe-joined fields. */
    const char *msg = "0.1|sha256:11bfd18c60e980ed9375a91d9e9de49b1a75cbac66781ae34ff148e2008b769c"
                      "|0|35|1762600000";
    uint8_t d[32], sig[64];
    crypto_sha256(msg, strlen(msg), d);
    assert_int_equal(hex_decode(r.signature, 128, sig, 64, NULL), 0);
    assert_int_equal(crypto_ed25519_verify(id.pk, d, 32, sig), 0);

    json_t *j = phase_legacy_to_json(&r);
    char *s = cjson_encode_str(j, NULL);
    phase_legacy_receipt_t back;
    assert_int_equal(phase_legacy_parse(s, strlen(s), &back, NULL), 0);
    assert_int_equal(phase_legacy_verify(&back, NULL, NULL), 0);
    assert_int_equal(phase_legacy_verify(&back, id.pk, NULL), 0);
    back.wall_time_ms = 36;
    assert_int_equal(phase_legacy_verify(&back, NULL, NULL), PHASE_EBADSIG);
    char *t = replace(s, "\"version\":\"0.1\"", "\"version\":\"x\"");
    assert_int_equal(phase_legacy_parse(t, strlen(t), &back, NULL), PHASE_EINVAL);
    free(t);
    t = replace(s, "\"timestamp\":", "\"timestamx\":");
    assert_int_equal(phase_legacy_parse(t, strlen(t), &back, NULL), PHASE_EINVAL);
    free(t);
    free(s);
    json_decref(j);
}

/* The receipt fixture the PHP SDK tests verify (sdk/php/tests/fixtures). */
static void shared_receipt_fixture(void **state)
{
    uint8_t *data, *pkfile;
    size_t len, pklen;
    assert_int_equal(file_read_all("sdk/php/tests/fixtures/receipt-v1.json", 1 << 20, &data, &len,
                                   NULL), 0);
    assert_int_equal(file_read_all("sdk/php/tests/fixtures/receipt-v1.pubkey", 1024, &pkfile,
                                   &pklen, NULL), 0);
    uint8_t pk[32];
    assert_int_equal(hex_decode((const char *)pkfile, 64, pk, 32, NULL), 0);
    phase_receipt_t r;
    assert_int_equal(phase_receipt_parse((const char *)data, len, &r, NULL), 0);
    assert_int_equal(phase_receipt_verify(&r, pk, NULL), 0);
    phase_job_result_t res;
    assert_int_equal(phase_job_result_from_json(r.result, &res, NULL), 0);
    phase_commit_t c;
    const char *err = "note: reversed 12 bytes\n";
    phase_commit_output(&c, (const uint8_t *)"dlroW ,olleH", 12, (const uint8_t *)err, strlen(err));
    assert_memory_equal(c.state, res.output_commitment, 32);
    assert_int_equal(c.count, res.output_chunk_count);
    /* The events fixture replays to the same commitment and result. */
    uint8_t *evdata;
    size_t evlen;
    assert_int_equal(file_read_all("sdk/php/tests/fixtures/events-v1.json", 1 << 20, &evdata,
                                   &evlen, NULL), 0);
    json_t *ev = cjson_parse((const char *)evdata, evlen, NULL);
    assert_non_null(ev);
    const json_t *fin;
    assert_int_equal(phase_events_replay(ev, &c, &fin, NULL), 0);
    assert_memory_equal(c.state, res.output_commitment, 32);
    assert_true(json_equal((json_t *)fin, r.result));
    json_decref(ev);
    free(evdata);
    /* Re-encoding the parsed receipt gives back the file's bytes. */
    char *again = phase_receipt_to_json(&r, NULL);
    assert_non_null(again);
    assert_memory_equal(again, data, strlen(again));
    free(again);
    phase_job_result_free(&res);
    phase_receipt_free(&r);
    free(data);
    free(pkfile);
}

/* JobEvent stream: serde's externally tagged form, and replay. */
static void job_events(void **state)
{
    phase_job_outcome_t o;
    memset(&o, 0, sizeof o);
    o.status = PHASE_JOB_EXITED;
    o.exit_code = 3;
    o.out = (uint8_t *)"hi";
    o.out_len = 2;
    o.err = (uint8_t *)"e";
    o.err_len = 1;
    strcpy(o.module_hash, "sha256:00");
    uint8_t job[32] = {1};
    phase_job_result_t r;
    assert_int_equal(phase_job_result_for(&o, job, &r, NULL), 0);
    json_t *rj = phase_job_result_to_json(&r, NULL);
    json_t *ev = phase_job_events(&o, rj, NULL);
    assert_non_null(ev);
    char *s = cjson_encode_str(ev, NULL);
    const char *want_head = "[{\"Output\":{\"data\":[104,105],\"kind\":\"stdout\",\"seq\":0}},"
                            "{\"Output\":{\"data\":[101],\"kind\":\"stderr\",\"seq\":1}},"
                            "{\"Final\":{\"error\":\"wasm exit_code=3\",\"result\":{";
    assert_memory_equal(s, want_head, strlen(want_head));
    phase_commit_t c;
    const json_t *fin;
    assert_int_equal(phase_events_replay(ev, &c, &fin, NULL), 0);
    assert_memory_equal(c.state, r.output_commitment, 32);
    assert_int_equal(c.count, 2);
    assert_ptr_equal(fin, json_object_get(json_object_get(json_array_get(ev, 2), "Final"), "result"));
    /* Progress events are skipped; reordered or missing pieces are caught. */
    json_array_insert_new(ev, 1, json_pack("{s:{s:s, s:n, s:n}}", "Progress", "kind", "log",
                                           "fraction", "message"));
    assert_int_equal(phase_events_replay(ev, &c, &fin, NULL), 0);
    assert_int_equal(c.count, 2);
    json_array_remove(ev, 0);
    assert_int_equal(phase_events_replay(ev, &c, &fin, NULL), PHASE_EMISMATCH);
    json_t *only_final = json_pack("[O]", json_array_get(ev, json_array_size(ev) - 1));
    json_array_append(only_final, json_array_get(ev, 0));
    assert_int_equal(phase_events_replay(only_final, &c, &fin, NULL), PHASE_EINVAL);
    json_array_clear(only_final);
    assert_int_equal(phase_events_replay(only_final, &c, &fin, NULL), PHASE_EINVAL);
    json_decref(only_final);
    free(s);
    json_decref(ev);
    json_decref(rj);
    phase_job_result_free(&r);
}

/* The streamed events file is the tree's canonical JSON byte for byte, and
 * the streaming replay agrees with the in-memory one and keeps the limits. */
static void job_events_file(void **state)
{
    char dir[] = "/tmp/phase-events-XXXXXX", path[128], bad[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ev.json", dir);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    phase_job_outcome_t o;
    memset(&o, 0, sizeof o);
    o.status = PHASE_JOB_TIMEOUT;
    strcpy(o.message, "timed out after 5 ms \"quoted\"");
    size_t n = 3 * PHASE_CHUNK_MAX + 17; /* 4 stdout chunks, every byte value */
    uint8_t *out = malloc(n);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(i * 7);
    o.out = out;
    o.out_len = n;
    o.err = (uint8_t *)"warn\n";
    o.err_len = 5;
    strcpy(o.module_hash, "sha256:00");
    uint8_t job[32] = {2};
    phase_job_result_t r;
    assert_int_equal(phase_job_result_for(&o, job, &r, NULL), 0);
    json_t *rj = phase_job_result_to_json(&r, NULL);
    json_t *ev = phase_job_events(&o, rj, NULL);
    char *want = cjson_encode_str(ev, NULL);
    assert_int_equal(phase_job_events_write(path, &o, rj, NULL), 0);
    uint8_t *got;
    size_t got_len;
    assert_int_equal(file_read_all(path, 1 << 24, &got, &got_len, NULL), 0);
    assert_int_equal(got_len, strlen(want) + 1);
    assert_memory_equal(got, want, strlen(want));
    assert_int_equal(got[got_len - 1], '\n');
    phase_commit_t c;
    json_t *fin = NULL;
    err_t e = {0};
    assert_int_equal(phase_events_replay_file(path, &c, &fin, &e), 0);
    assert_memory_equal(c.state, r.output_commitment, 32);
    assert_int_equal(c.count, 5);
    char *a = cjson_encode_str(fin, NULL), *b = cjson_encode_str(rj, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(fin);
    /* any other spelling of the same events (pretty: whitespace, key order
     * kept) replays through the strict parser to the same commitment */
    char *pretty = cjson_encode_pretty_str(ev, NULL);
    FILE *f = fopen(bad, "w");
    fputs(pretty, f);
    fclose(f);
    free(pretty);
    phase_commit_t c2;
    assert_int_equal(phase_events_replay_file(bad, &c2, &fin, &e), 0);
    assert_memory_equal(c2.state, c.state, 32);
    json_decref(fin);
    /* out of order (seq 1 first) is a mismatch on the fast path too */
    char *swapped = strstr(want, "\"seq\":0");
    swapped[6] = '1';
    f = fopen(bad, "w");
    fputs(want, f);
    fclose(f);
    assert_int_equal(phase_events_replay_file(bad, &c2, &fin, &e), PHASE_EMISMATCH);
    /* malformed streams: truncated, trailing bytes, not an array, no Final */
    f = fopen(bad, "w");
    fwrite(got, 1, got_len / 2, f);
    fclose(f);
    assert_int_equal(phase_events_replay_file(bad, &c, &fin, &e), PHASE_EINVAL);
    assert_null(fin);
    f = fopen(bad, "w");
    fwrite(got, 1, got_len, f);
    fputs("[]", f);
    fclose(f);
    assert_int_equal(phase_events_replay_file(bad, &c, &fin, &e), PHASE_EINVAL);
    f = fopen(bad, "w");
    fputs("{\"Final\":{}}", f);
    fclose(f);
    assert_int_equal(phase_events_replay_file(bad, &c, &fin, &e), PHASE_EINVAL);
    f = fopen(bad, "w");
    fputs(" [ ] ", f);
    fclose(f);
    assert_int_equal(phase_events_replay_file(bad, &c, &fin, &e), PHASE_EINVAL);
    /* one event longer than PHASE_EVENT_MAX is refused, naming the limit */
    f = fopen(bad, "w");
    fputs("[{\"Progress\":{\"kind\":\"", f);
    for (size_t i = 0; i <= PHASE_EVENT_MAX; i++)
        fputc('x', f);
    fputs("\"}}]", f);
    fclose(f);
    assert_int_equal(phase_events_replay_file(bad, &c, &fin, &e), PHASE_EINVAL);
    assert_non_null(strstr(e.msg, "limit"));
    assert_int_equal(phase_events_replay_file("/nonexistent/ev.json", &c, &fin, &e), PHASE_EIO);
    unlink(bad);
    unlink(path);
    rmdir(dir);
    free(got);
    free(want);
    free(out);
    json_decref(ev);
    json_decref(rj);
    phase_job_result_free(&r);
}

/* base's canonical JSON against the fixture the PHP SDK must match too. */
static void canonical_json_fixture(void **state)
{
    uint8_t *in, *want;
    size_t in_len, want_len;
    assert_int_equal(file_read_all("sdk/php/tests/fixtures/canonical-input.json", 1 << 20, &in,
                                   &in_len, NULL), 0);
    assert_int_equal(file_read_all("sdk/php/tests/fixtures/canonical-output.json", 1 << 20,
                                   &want, &want_len, NULL), 0);
    json_t *j = cjson_parse((const char *)in, in_len, NULL);
    assert_non_null(j);
    char *got = cjson_encode_str(j, NULL);
    assert_non_null(got);
    assert_int_equal(strlen(got), want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
    json_decref(j);
    free(in);
    free(want);
}

/* The streamed JobId equals the hash of the manifest built as JSON. */
static void wasm_job_id_fast_path(void **state)
{
    phase_identity_t id;
    test_identity_from_seed(&id, 4);
    uint8_t mod[300];
    for (size_t i = 0; i < sizeof mod; i++)
        mod[i] = (uint8_t)(i * 7);
    static const uint64_t limits[][2] = {{0, 0}, {5000, 0}, {0, 67108864}, {UINT64_MAX, 1}};
    for (size_t k = 0; k < 4; k++) {
        ts_t t = {1779883200 + (int64_t)k, (uint32_t)(k * 123456789u % 1000000000u)};
        json_t *spec = phase_wasm_job_spec(mod, sizeof mod, limits[k][0], limits[k][1]);
        phase_manifest_t m;
        uint8_t want[32], got[32];
        assert_int_equal(phase_manifest_sign(spec, &id, t, NULL, &m, NULL), 0);
        assert_int_equal(phase_manifest_hash(&m, want, NULL), 0);
        assert_int_equal(phase_wasm_job_id(mod, sizeof mod, limits[k][0], limits[k][1], t, got,
                                           NULL), 0);
        assert_memory_equal(want, got, 32);
        phase_manifest_free(&m);
        json_decref(spec);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commitment_vectors),
        cmocka_unit_test(commitment_output_rule),
        cmocka_unit_test(module_hash),
        cmocka_unit_test(manifest_signing_message_matches_upstream),
        cmocka_unit_test(manifest_roundtrip_and_tamper),
        cmocka_unit_test(manifest_expiry_is_checked_last),
        cmocka_unit_test(job_result_encoding),
        cmocka_unit_test(receipt_roundtrip_and_tamper),
        cmocka_unit_test(domain_separation),
        cmocka_unit_test(legacy_receipt),
        cmocka_unit_test(shared_receipt_fixture),
        cmocka_unit_test(wasm_job_id_fast_path),
        cmocka_unit_test(canonical_json_fixture),
        cmocka_unit_test(job_events),
        cmocka_unit_test(job_events_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

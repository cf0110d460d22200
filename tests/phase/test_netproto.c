/* Unit tests for the Phase network codecs (src/phase/netproto.c, config.c):
 * evaluate_offer's order and upstream's JSON, the relay's CBOR bytes, the
 * /phase/job/1.0.0 frame codec and its caps, capability record signing and
 * every way a record is refused, and config errors naming key and file. */
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

static int setup(void **state)
{
    return crypto_init() == 0 ? 0 : -1;
}

static phase_offer_t base_offer(void)
{
    phase_offer_t o;
    memset(&o, 0, sizeof o);
    strcpy(o.job_id, "j1");
    strcpy(o.nonce, "n");
    strcpy(o.module_hash, "sha256:00");
    o.cpu_cores = 1;
    o.memory_mb = 64;
    o.timeout_seconds = 5;
    strcpy(o.arch, "x86_64");
    strcpy(o.wasm_runtime, "wasmtime-27");
    return o;
}

static char *answer(const phase_offer_t *o, const phase_offer_caps_t *c)
{
    phase_offer_response_t r;
    phase_offer_evaluate(o, c, 1700000000, &r);
    json_t *j = phase_offer_response_to_json(&r);
    char *s = cjson_encode_str(j, NULL);
    json_decref(j);
    return s;
}

static void offer_order(void **state)
{
    phase_offer_caps_t c = {.arch = "x86_64", .peer_id = "12D3P", .cpu_count = 1,
                            .memory_mb = 128, .max_timeout_seconds = 10, .queue_full = true};
    phase_offer_t o = base_offer();
    /* everything wrong at once: arch is checked first */
    strcpy(o.arch, "aarch64");
    strcpy(o.wasm_runtime, "llama-1");
    o.cpu_cores = 8;
    o.memory_mb = 4096;
    char *s = answer(&o, &c);
    assert_string_equal(s, "{\"Rejected\":{\"job_id\":\"j1\",\"reason\":{\"ArchMismatch\":"
                           "{\"available\":\"x86_64\",\"required\":\"aarch64\"}}}}");
    free(s);
    strcpy(o.arch, "x86_64");
    s = answer(&o, &c);
    assert_string_equal(s, "{\"Rejected\":{\"job_id\":\"j1\",\"reason\":{\"RuntimeNotSupported\":"
                           "{\"required\":\"llama-1\"}}}}");
    free(s);
    strcpy(o.wasm_runtime, "wasm3");
    s = answer(&o, &c);
    assert_string_equal(s, "{\"Rejected\":{\"job_id\":\"j1\",\"reason\":{\"InsufficientResources\":"
                           "{\"missing\":\"CPU: need 8, have 1\"}}}}");
    free(s);
    o.cpu_cores = 1;
    s = answer(&o, &c);
    assert_string_equal(s, "{\"Rejected\":{\"job_id\":\"j1\",\"reason\":{\"InsufficientResources\":"
                           "{\"missing\":\"Memory: need 4096 MB, have 128 MB\"}}}}");
    free(s);
    o.memory_mb = 128;
    o.timeout_seconds = 11;
    s = answer(&o, &c);
    assert_non_null(strstr(s, "Timeout: need 11 s, have 10 s"));
    free(s);
    o.timeout_seconds = 10;
    s = answer(&o, &c);
    assert_string_equal(s, "{\"Rejected\":{\"job_id\":\"j1\",\"reason\":\"QueueFull\"}}");
    free(s);
    c.queue_full = false;
    s = answer(&o, &c);
    assert_string_equal(s, "{\"Accepted\":{\"estimated_start\":1700000000,\"job_id\":\"j1\","
                           "\"node_peer_id\":\"12D3P\"}}");
    free(s);
    /* wasmtime-anything and wasm are runtimes of the wasm kind */
    strcpy(o.wasm_runtime, "wasmtime");
    phase_offer_response_t r;
    phase_offer_evaluate(&o, &c, 0, &r);
    assert_int_equal(r.verdict, PHASE_OFFER_ACCEPTED);
    strcpy(o.wasm_runtime, "wasmer-4");
    phase_offer_evaluate(&o, &c, 0, &r);
    assert_int_equal(r.verdict, PHASE_REJECT_RUNTIME);
}

static void offer_parse(void **state)
{
    const char *good = "{\"job_id\":\"a\",\"nonce\":\"b\",\"module_hash\":\"c\",\"extra\":1,"
                       "\"requirements\":{\"cpu_cores\":2,\"memory_mb\":3,\"timeout_seconds\":4,"
                       "\"arch\":\"x\",\"wasm_runtime\":\"wasm\"}}";
    phase_offer_t o;
    err_t e = {0};
    assert_int_equal(phase_offer_parse((const uint8_t *)good, strlen(good), &o, &e), PHASE_OK);
    assert_int_equal(o.cpu_cores, 2);
    assert_int_equal(o.memory_mb, 3);
    const char *bad = "{\"job_id\":\"a\",\"nonce\":\"b\",\"module_hash\":\"c\","
                      "\"requirements\":{\"cpu_cores\":-1,\"memory_mb\":3,\"timeout_seconds\":4,"
                      "\"arch\":\"x\",\"wasm_runtime\":\"wasm\"}}";
    assert_int_equal(phase_offer_parse((const uint8_t *)bad, strlen(bad), &o, &e), PHASE_EINVAL);
    assert_non_null(strstr(e.msg, "cpu_cores"));
    assert_int_equal(phase_offer_parse((const uint8_t *)"[1", 2, &o, &e), PHASE_EINVAL);
    uint8_t *big = calloc(1, PHASE_OFFER_MAX + 1);
    assert_int_equal(phase_offer_parse(big, PHASE_OFFER_MAX + 1, &o, &e), PHASE_EINVAL);
    assert_non_null(strstr(e.msg, "cap"));
    free(big);
    phase_offer_response_t r;
    const char *qf = "{\"Rejected\":{\"job_id\":\"j\",\"reason\":\"QueueFull\"}}";
    assert_int_equal(phase_offer_response_parse((const uint8_t *)qf, strlen(qf), &r, &e), 0);
    assert_int_equal(r.verdict, PHASE_REJECT_QUEUE_FULL);
    const char *unk = "{\"Rejected\":{\"job_id\":\"j\",\"reason\":\"Tired\"}}";
    assert_int_equal(phase_offer_response_parse((const uint8_t *)unk, strlen(unk), &r, &e),
                     PHASE_EINVAL);
}

static void relay_cbor(void **state)
{
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(phase_relay_request_encode((const uint8_t *)"{}", 2, &b, NULL), 0);
    /* {"payload": h'7b7d'}: serde_bytes is a CBOR byte string */
    static const uint8_t want[] = {0xa1, 0x67, 'p', 'a', 'y', 'l', 'o', 'a', 'd', 0x42, '{', '}'};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    uint8_t *p;
    size_t pl;
    err_t e = {0};
    assert_int_equal(phase_relay_request_decode(b.data, b.len, &p, &pl, &e), 0);
    assert_int_equal(pl, 2);
    free(p);
    buf_append_byte(&b, 0);
    assert_int_equal(phase_relay_request_decode(b.data, b.len, &p, &pl, &e), PHASE_EINVAL);
    assert_non_null(strstr(e.msg, "trailing"));
    /* a text string where bytes belong */
    static const uint8_t text[] = {0xa1, 0x67, 'p', 'a', 'y', 'l', 'o', 'a', 'd', 0x62, '{', '}'};
    assert_int_equal(phase_relay_request_decode(text, sizeof text, &p, &pl, &e), PHASE_EINVAL);
    buf_reset(&b);
    phase_relay_response_t r = {.ok = false, .reason = "busy"};
    assert_int_equal(phase_relay_response_encode(&r, &b, NULL), 0);
    static const uint8_t err_want[] = {0xa1, 0x63, 'E', 'r', 'r', 0xa1, 0x66, 'r', 'e', 'a',
                                       's', 'o', 'n', 0x64, 'b', 'u', 's', 'y'};
    assert_int_equal(b.len, sizeof err_want);
    assert_memory_equal(b.data, err_want, sizeof err_want);
    phase_relay_response_t d;
    assert_int_equal(phase_relay_response_decode(b.data, b.len, &d, &e), 0);
    assert_false(d.ok);
    assert_string_equal(d.reason, "busy");
    phase_relay_response_free(&d);
    buf_reset(&b);
    r = (phase_relay_response_t){.ok = true, .events = (uint8_t *)"[]", .events_len = 2,
                                 .receipt = (uint8_t *)"{}", .receipt_len = 2};
    assert_int_equal(phase_relay_response_encode(&r, &b, NULL), 0);
    assert_int_equal(phase_relay_response_decode(b.data, b.len, &d, &e), 0);
    assert_true(d.ok);
    assert_int_equal(d.events_len, 2);
    assert_memory_equal(d.receipt, "{}", 2);
    phase_relay_response_free(&d);
    /* not a map at all */
    static const uint8_t arr[] = {0x81, 0x01};
    assert_int_equal(phase_relay_response_decode(arr, sizeof arr, &d, &e), PHASE_EINVAL);
    buf_free(&b);
}

static void frames(void **state)
{
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(phase_frame_append(&b, PHASE_F_STDIN, "abc", 3), 0);
    assert_int_equal(phase_frame_append(&b, PHASE_F_STDIN_END, NULL, 0), 0);
    static const uint8_t want[] = {4, 0x04, 'a', 'b', 'c', 1, 0x05};
    assert_memory_equal(b.data, want, sizeof want);
    uint8_t type;
    const uint8_t *body;
    size_t bl, used;
    err_t e = {0};
    assert_int_equal(phase_frame_next(b.data, 3, &type, &body, &bl, &used, &e), 0); /* partial */
    assert_int_equal(phase_frame_next(b.data, b.len, &type, &body, &bl, &used, &e), 1);
    assert_int_equal(type, PHASE_F_STDIN);
    assert_int_equal(bl, 3);
    assert_int_equal(used, 5);
    static const uint8_t zero[] = {0};
    assert_int_equal(phase_frame_next(zero, 1, &type, &body, &bl, &used, &e), PHASE_EINVAL);
    uint8_t huge[10];
    size_t hl = uvarint_encode(PHASE_FRAME_MAX + 1, huge);
    assert_int_equal(phase_frame_next(huge, hl, &type, &body, &bl, &used, &e), PHASE_EINVAL);
    assert_non_null(strstr(e.msg, "outside"));
    static const uint8_t nonmin[] = {0x81, 0x00, 0x01};
    assert_int_equal(phase_frame_next(nonmin, 3, &type, &body, &bl, &used, &e), PHASE_EINVAL);
    buf_free(&b);
}

static void cap_records(void **state)
{
    uint8_t seed[32] = {7};
    phase_identity_t id;
    phase_identity_from_seed(seed, &id);
    phase_capabilities_t c;
    memset(&c, 0, sizeof c);
    strcpy(c.arch, "x86_64");
    strcpy(c.engine_version, "wasm-aether-test");
    c.cpu_count = 2;
    c.memory_mb = 128;
    c.max_concurrent_jobs = 4;
    c.queue_depth = 3;
    c.max_memory_bytes = 128u << 20;
    c.max_timeout_seconds = 300;
    c.max_fuel = 1000;
    c.price_per_fuel = 5;
    c.n_addrs = 1;
    strcpy(c.addrs[0], "/ip4/127.0.0.1/tcp/1");
    c.expires_at = (ts_t){2000000000, 0};
    buf_t rec;
    buf_init(&rec, 0);
    assert_int_equal(phase_cap_record_sign(&c, &id, &rec, NULL), 0);
    char pid[PHASE_PEER_ID_MAX], key[200];
    phase_peer_id(id.pk, pid);
    int kl = snprintf(key, sizeof key, "%s%s", PHASE_CAP_NS, pid);
    ts_t now = {1900000000, 0};
    phase_capabilities_t out;
    err_t e = {0};
    assert_int_equal(phase_cap_record_verify((uint8_t *)key, (size_t)kl, rec.data, rec.len, now,
                                             &out, &e), 0);
    assert_int_equal(out.queue_depth, 3);
    assert_int_equal(out.price_per_fuel, 5);
    assert_string_equal(out.peer_id, pid);
    assert_string_equal(out.addrs[0], "/ip4/127.0.0.1/tcp/1");
    /* expired */
    ts_t later = {2000000001, 0};
    assert_int_equal(phase_cap_record_verify(NULL, 0, rec.data, rec.len, later, NULL, &e),
                     PHASE_EEXPIRED);
    /* stored under another peer's key */
    key[kl - 1] ^= 1;
    assert_int_equal(phase_cap_record_verify((uint8_t *)key, (size_t)kl, rec.data, rec.len, now,
                                             NULL, &e), PHASE_EMISMATCH);
    /* a changed value: the price */
    char *s = strndup((char *)rec.data, rec.len);
    char *pp = strstr(s, "\"price_per_fuel\":5");
    assert_non_null(pp);
    pp[17] = '6';
    assert_int_equal(phase_cap_record_verify(NULL, 0, (uint8_t *)s, strlen(s), now, NULL, &e),
                     PHASE_EBADSIG);
    free(s);
    buf_free(&rec);
}

static void config_errors(void **state)
{
    char path[] = "/tmp/phase-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *txt = "{\"max_concurrent_jobs\":2,\"limits\":{\"max_memory_bytes\":1048576,"
                      "\"max_cpu_cores\":1,\"max_timeout_seconds\":9},\"colour\":1}";
    assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    phase_node_config_t c;
    phase_config_init(&c);
    err_t e = {0};
    assert_int_equal(phase_config_load(path, &c, &e), PHASE_ECONFIG);
    assert_non_null(strstr(e.msg, "\"colour\""));
    assert_non_null(strstr(e.msg, path));
    phase_config_free(&c);
    FILE *f = fopen(path, "w");
    fputs("{\"limits\":{\"max_gpus\":1}}", f);
    fclose(f);
    phase_config_init(&c);
    assert_int_equal(phase_config_load(path, &c, &e), PHASE_ECONFIG);
    assert_non_null(strstr(e.msg, "limits.max_gpus"));
    f = fopen(path, "w");
    fputs("{\"max_concurrent_jobs\":0}", f);
    fclose(f);
    assert_int_equal(phase_config_load(path, &c, &e), PHASE_ECONFIG);
    assert_non_null(strstr(e.msg, "max_concurrent_jobs"));
    f = fopen(path, "w");
    fputs("{\"max_concurrent_jobs\":3,\"listen_addrs\":[\"/ip4/127.0.0.1/tcp/5\"],"
          "\"limits\":{\"max_timeout_seconds\":9},\"max_fuel\":77}", f);
    fclose(f);
    assert_int_equal(phase_config_load(path, &c, &e), 0);
    assert_int_equal(c.max_concurrent_jobs, 3);
    assert_int_equal(c.max_timeout_seconds, 9);
    assert_int_equal(c.max_fuel, 77);
    assert_int_equal(c.n_listen, 1);
    phase_config_free(&c);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offer_order),  cmocka_unit_test(offer_parse),
        cmocka_unit_test(relay_cbor),   cmocka_unit_test(frames),
        cmocka_unit_test(cap_records),  cmocka_unit_test(config_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

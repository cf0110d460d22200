/* Tests of base/buf and base/err. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static void test_append_and_grow(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(buf_append_byte(&b, (uint8_t)i), BASE_OK);
    assert_int_equal(b.len, 10000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.data[i], (uint8_t)i);
    assert_true(buf_ok(&b));
    buf_free(&b);
    assert_null(b.data);
    buf_free(&b); /* twice is fine */
}

static void test_integers(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    buf_append_u16_le(&b, 0x0102);
    buf_append_u32_le(&b, 0x03040506);
    buf_append_u64_le(&b, 0x0708090a0b0c0d0eULL);
    buf_append_u32_be(&b, 0x0f101112);
    buf_append_u64_be(&b, 0x131415161718191aULL);
    const uint8_t want[] = {2, 1, 6, 5, 4, 3, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 9, 8, 7,
                            0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    buf_free(&b);
}

static void test_cap_makes_buffer_fail_sticky(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "12345678", 7), BASE_OK);
    assert_int_equal(buf_append(&b, "abc", 3), BASE_ENOMEM);
    assert_false(buf_ok(&b));
    assert_int_equal(buf_append(&b, "x", 1), BASE_ENOMEM);
    assert_int_equal(b.len, 7);
    buf_reset(&b);
    assert_true(buf_ok(&b));
    buf_free(&b);
}

static void test_huge_reserve_fails_cleanly(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    buf_append_byte(&b, 1);
    assert_int_equal(buf_reserve(&b, SIZE_MAX), BASE_ENOMEM);
    assert_int_equal(buf_reserve(&b, SIZE_MAX - 1), BASE_ENOMEM);
    assert_false(buf_ok(&b));
    buf_free(&b);
}

static void test_printf_terminate_steal(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(buf_printf(&b, "%s-%d", "abc", 42), BASE_OK);
    assert_int_equal(buf_terminate(&b), BASE_OK);
    assert_string_equal((char *)b.data, "abc-42");
    assert_int_equal(b.len, 6);
    size_t n;
    char *s = (char *)buf_steal(&b, &n);
    assert_int_equal(n, 6);
    assert_string_equal(s, "abc-42");
    assert_null(b.data);
    free(s);
    buf_init(&b, 0);
    buf_append(&b, NULL, 0); /* empty append is fine */
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_err(void **state)
{
    (void)state;
    err_t e;
    err_clear(&e);
    assert_int_equal(err_set(&e, BASE_EINVAL, "field %s at %d", "x", 7), BASE_EINVAL);
    assert_string_equal(e.msg, "field x at 7");
    assert_int_equal(err_prefix(&e, "decoder"), BASE_EINVAL);
    assert_string_equal(e.msg, "decoder: field x at 7");
    assert_int_equal(err_set(NULL, BASE_EIO, "ignored"), BASE_EIO);
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    err_set(&e, -1, "%s", big);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
    err_prefix(&e, "%s", big);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
}

/* The one error space: every code negative, unique, inside its module's
 * documented range (base.h), and named. */
static void test_error_space(void **state)
{
    (void)state;
    static const struct {
        const char *prefix;
        int hi, lo;
    } ranges[] = {
        {"BASE_", -1, -99},        {"CRYPTO_", -100, -199}, {"ECVRF_", -200, -249},
        {"BLS_", -250, -299},      {"P2P_", -300, -399},    {"PHASE_", -400, -499},
        {"AWASM_", -500, -599},    {"RPC_", -600, -699},    {"CHAIN_", -700, -749},
        {"MEMPOOL_", -750, -799},  {"NODE_", -850, -899},   {"CONS_", -900, -949},
        {"CHAIN_CLIENT_", -950, -999}, {"STATE_", -1000, -1049}, {"EXEC_", -1050, -1099},
        {"CONTRACT_", -1050, -1099}, /* chain/exec's contract runtime */
        {"MARKET_", -1100, -1149},
        {"BFT_", -1150, -1199},      /* chain/bft */
        {"LIGHT_", -1200, -1249},    /* chain/light */
        {"CHAIN_STATE_", -1000, -1049}, /* chain/state */
    };
    static const struct {
        int code;
        const char *name;
    } all[] = {
#define ROW(name, code, text) {code, #name},
        AETHER_ERRORS(ROW)
#undef ROW
    };
    size_t n = sizeof all / sizeof all[0];
    assert_true(n > 50);
    for (size_t i = 0; i < n; i++) {
        assert_true(all[i].code < 0);
        for (size_t j = i + 1; j < n; j++)
            if (all[i].code == all[j].code)
                fail_msg("%s and %s share code %d", all[i].name, all[j].name, all[i].code);
        /* the longest matching prefix names the module (CHAIN_CLIENT_ before CHAIN_) */
        size_t best = SIZE_MAX, best_len = 0;
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            size_t l = strlen(ranges[r].prefix);
            if (l > best_len && !strncmp(all[i].name, ranges[r].prefix, l))
                best = r, best_len = l;
        }
        if (best == SIZE_MAX)
            fail_msg("%s has no documented range (base.h lists the ranges; add its prefix here)",
                     all[i].name);
        if (all[i].code > ranges[best].hi || all[i].code < ranges[best].lo)
            fail_msg("%s = %d is outside %s's range %d..%d", all[i].name, all[i].code,
                     ranges[best].prefix, ranges[best].hi, ranges[best].lo);
        assert_string_equal(err_name(all[i].code), all[i].name);
        assert_true(strlen(err_str(all[i].code)) > 0);
    }
    assert_string_equal(err_name(AWASM_EMALFORMED), "AWASM_EMALFORMED");
    assert_string_equal(err_str(AWASM_EMALFORMED), "bytes are not a well-formed binary module");
    assert_string_equal(err_name(0), "OK");
    assert_string_equal(err_name(-99999), "E?");
    assert_string_equal(err_str(-99999), "unknown error code");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_grow),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_cap_makes_buffer_fail_sticky),
        cmocka_unit_test(test_huge_reserve_fails_cleanly),
        cmocka_unit_test(test_printf_terminate_steal),
        cmocka_unit_test(test_err),
        cmocka_unit_test(test_error_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

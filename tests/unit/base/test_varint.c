/* Tests of base/varint: multiformats uvarint and WebAssembly LEB128. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"

static void test_uvarint_roundtrip(void **state)
{
    (void)state;
    uint64_t vals[] = {0, 1, 127, 128, 255, 300, 16383, 16384, UINT32_MAX,
                       (UINT64_C(1) << 63) - 1};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t buf[UVARINT_MAX_BYTES];
        size_t n = uvarint_encode(vals[i], buf);
        assert_int_equal(n, uvarint_len(vals[i]));
        uint64_t v = 42;
        assert_int_equal(uvarint_decode(buf, n, &v, NULL), (int)n);
        assert_true(v == vals[i]);
    }
    /* spec examples */
    uint8_t b[10];
    assert_int_equal(uvarint_encode(300, b), 2);
    assert_int_equal(b[0], 0xac);
    assert_int_equal(b[1], 0x02);
    assert_int_equal(uvarint_encode(16384, b), 3);
    assert_memory_equal(b, "\x80\x80\x01", 3);
}

static void test_uvarint_rejects(void **state)
{
    (void)state;
    uint64_t v;
    err_t e;
    assert_int_equal(uvarint_decode((const uint8_t *)"", 0, &v, &e), BASE_ETRUNC);
    assert_int_equal(uvarint_decode((const uint8_t *)"\x80", 1, &v, &e), BASE_ETRUNC);
    assert_int_equal(uvarint_decode((const uint8_t *)"\x80\x00", 2, &v, &e), BASE_ENONMINIMAL);
    assert_int_equal(uvarint_decode((const uint8_t *)"\xff\x00", 2, &v, &e), BASE_ENONMINIMAL);
    assert_non_null(strstr(e.msg, "non-minimal"));
    const uint8_t ten[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(uvarint_decode(ten, sizeof ten, &v, &e), BASE_EOVERFLOW);
    /* the largest 9-byte value is fine */
    const uint8_t nine[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    assert_int_equal(uvarint_decode(nine, sizeof nine, &v, &e), 9);
    assert_true(v == (UINT64_C(1) << 63) - 1);
    /* trailing bytes are not consumed */
    assert_int_equal(uvarint_decode((const uint8_t *)"\x05\x06", 2, &v, &e), 1);
    assert_true(v == 5);
}

static void test_leb_unsigned(void **state)
{
    (void)state;
    uint32_t v32;
    uint64_t v64;
    err_t e;
    assert_int_equal(leb128_u32_decode((const uint8_t *)"\xe5\x8e\x26", 3, &v32, &e), 3);
    assert_int_equal(v32, 624485);
    /* padded (non-minimal) encodings are legal in wasm */
    assert_int_equal(leb128_u32_decode((const uint8_t *)"\x80\x80\x80\x80\x00", 5, &v32, &e), 5);
    assert_int_equal(v32, 0);
    assert_int_equal(leb128_u32_decode((const uint8_t *)"\xff\xff\xff\xff\x0f", 5, &v32, &e), 5);
    assert_int_equal(v32, UINT32_MAX);
    assert_int_equal(leb128_u32_decode((const uint8_t *)"\xff\xff\xff\xff\x1f", 5, &v32, &e),
                     BASE_EOVERFLOW);
    assert_non_null(strstr(e.msg, "too large"));
    assert_int_equal(leb128_u32_decode((const uint8_t *)"\x80\x80\x80\x80\x80\x00", 6, &v32, &e),
                     BASE_EOVERFLOW);
    assert_non_null(strstr(e.msg, "too long"));
    assert_int_equal(leb128_u32_decode((const uint8_t *)"\x80", 1, &v32, &e), BASE_ETRUNC);
    const uint8_t max64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(leb128_u64_decode(max64, 10, &v64, &e), 10);
    assert_true(v64 == UINT64_MAX);
    const uint8_t over64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    assert_int_equal(leb128_u64_decode(over64, 10, &v64, &e), BASE_EOVERFLOW);
    uint8_t out[10];
    size_t n = leb128_u64_encode(UINT64_MAX, out);
    assert_int_equal(n, 10);
    assert_memory_equal(out, max64, 10);
}

static void test_leb_signed(void **state)
{
    (void)state;
    int32_t v32;
    int64_t v64;
    err_t e;
    assert_int_equal(leb128_s32_decode((const uint8_t *)"\x7f", 1, &v32, &e), 1);
    assert_int_equal(v32, -1);
    assert_int_equal(leb128_s32_decode((const uint8_t *)"\xc0\xbb\x78", 3, &v32, &e), 3);
    assert_int_equal(v32, -123456);
    assert_int_equal(leb128_s32_decode((const uint8_t *)"\x80\x80\x80\x80\x78", 5, &v32, &e), 5);
    assert_int_equal(v32, INT32_MIN);
    assert_int_equal(leb128_s32_decode((const uint8_t *)"\xff\xff\xff\xff\x07", 5, &v32, &e), 5);
    assert_int_equal(v32, INT32_MAX);
    /* unused bits must copy the sign */
    assert_int_equal(leb128_s32_decode((const uint8_t *)"\xff\xff\xff\xff\x0f", 5, &v32, &e),
                     BASE_EOVERFLOW);
    assert_int_equal(leb128_s32_decode((const uint8_t *)"\x80\x80\x80\x80\x70", 5, &v32, &e),
                     BASE_EOVERFLOW);
    /* padded -1 */
    assert_int_equal(leb128_s32_decode((const uint8_t *)"\xff\xff\xff\xff\x7f", 5, &v32, &e), 5);
    assert_int_equal(v32, -1);
    const uint8_t min64[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
    assert_int_equal(leb128_s64_decode(min64, 10, &v64, &e), 10);
    assert_true(v64 == INT64_MIN);
    const uint8_t bad64[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x41};
    assert_int_equal(leb128_s64_decode(bad64, 10, &v64, &e), BASE_EOVERFLOW);
    int64_t vals[] = {0, 1, -1, 63, -64, 64, -65, INT64_MAX, INT64_MIN, 1234567890123LL};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t buf[10];
        size_t n = leb128_s64_encode(vals[i], buf);
        assert_int_equal(leb128_s64_decode(buf, n, &v64, &e), (int)n);
        assert_true(v64 == vals[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uvarint_roundtrip),
        cmocka_unit_test(test_uvarint_rejects),
        cmocka_unit_test(test_leb_unsigned),
        cmocka_unit_test(test_leb_signed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* multistream-select lines, Yamux headers and the length-prefix helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "p2p/internal.h"

static void test_mss(void **st)
{
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(mss_write(&b, "/multistream/1.0.0"), 0);
    assert_int_equal(mss_write(&b, "/noise"), 0);
    /* protocol-notes §4.1: 13 "/multistream/1.0.0\n" 07 "/noise\n" */
    assert_int_equal(b.data[0], 0x13);
    assert_int_equal(b.data[20], 0x07);
    assert_int_equal(b.len, 28);
    char line[MSS_MAX_LINE];
    size_t used;
    err_t e;
    for (size_t k = 0; k < 20; k++)
        assert_int_equal(mss_read(b.data, k, line, &used, &e), 0);
    assert_int_equal(mss_read(b.data, b.len, line, &used, &e), 1);
    assert_string_equal(line, "/multistream/1.0.0");
    assert_int_equal(used, 20);
    assert_int_equal(mss_read(b.data + 20, 8, line, &used, &e), 1);
    assert_string_equal(line, "/noise");
    const uint8_t nonl[] = {3, 'a', 'b', 'c'};
    assert_true(mss_read(nonl, sizeof nonl, line, &used, &e) < 0);
    const uint8_t huge[] = {0xff, 0xff, 0x03};
    assert_true(mss_read(huge, sizeof huge, line, &used, &e) < 0);
    const uint8_t zero[] = {0};
    assert_true(mss_read(zero, 1, line, &used, &e) < 0);
    const uint8_t ctl[] = {2, 0x01, '\n'};
    assert_true(mss_read(ctl, 3, line, &used, &e) < 0);
    buf_free(&b);
}

static void test_yamux_hdr(void **st)
{
    yamux_hdr_t h = {0, YAMUX_WINDOW_UPDATE, YAMUX_SYN | YAMUX_ACK, 7, 262144}, g;
    uint8_t b[YAMUX_HDR];
    yamux_hdr_encode(&h, b);
    const uint8_t want[] = {0, 1, 0, 3, 0, 0, 0, 7, 0, 4, 0, 0};
    assert_memory_equal(b, want, 12);
    err_t e;
    assert_int_equal(yamux_hdr_decode(b, &g, &e), 0);
    assert_int_equal(g.stream_id, 7);
    assert_int_equal(g.length, 262144);
    b[0] = 1;
    assert_int_not_equal(yamux_hdr_decode(b, &g, &e), 0);
    b[0] = 0;
    b[1] = 4;
    assert_int_not_equal(yamux_hdr_decode(b, &g, &e), 0);
    b[1] = YAMUX_PING; /* ping on a stream id */
    assert_int_not_equal(yamux_hdr_decode(b, &g, &e), 0);
    b[1] = YAMUX_DATA;
    b[3] = 0x10; /* unknown flag */
    assert_int_not_equal(yamux_hdr_decode(b, &g, &e), 0);
}

static void test_lp(void **st)
{
    uint8_t b[8] = {3, 'a', 'b', 'c', 0x80};
    const uint8_t *m;
    size_t n, used;
    assert_int_equal(p2p_lp_next(b, 4, 10, &m, &n, &used), 1);
    assert_int_equal(n, 3);
    assert_int_equal(used, 4);
    assert_int_equal(p2p_lp_next(b, 3, 10, &m, &n, &used), 0);
    assert_int_equal(p2p_lp_next(b, 4, 2, &m, &n, &used), P2P_ELIMIT);
    assert_int_equal(p2p_lp_next(b + 4, 1, 10, &m, &n, &used), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mss),
        cmocka_unit_test(test_yamux_hdr),
        cmocka_unit_test(test_lp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

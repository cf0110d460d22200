/* Unit tests of the rpc client's response parser (rpc_client_parse_response,
 * the code every `aether` command reads a node's answer with) and of
 * rpc_text_sanitize: framing by Content-Length, chunks and close, refusals
 * with clear messages, and server text escaped before it can reach a
 * terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpc/rpc.h"

static int parse(const char *txt, json_t **res, int *code, err_t *e)
{
    memset(e, 0, sizeof *e);
    *code = 0;
    return rpc_client_parse_response(txt, strlen(txt), res, code, e);
}

static void test_framing(void **state)
{
    (void)state;
    json_t *res = NULL;
    int code;
    err_t e;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 35\r\n\r\n"
                           "{\"jsonrpc\":\"2.0\",\"result\":7,\"id\":1}", &res, &code, &e), 0);
    assert_int_equal(json_integer_value(res), 7);
    json_decref(res);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "10\r\n{\"jsonrpc\":\"2.0\"\r\n13\r\n,\"result\":8,\"id\":1}\r\n0\r\n\r\n",
                           &res, &code, &e), 0);
    assert_int_equal(json_integer_value(res), 8);
    json_decref(res);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\n\r\n{\"jsonrpc\":\"2.0\",\"result\":[],\"id\":1}",
                           &res, &code, &e), 0);
    assert_true(json_is_array(res));
    json_decref(res);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{}", &res, &code, &e),
                     RPC_EIO);
    assert_non_null(strstr(e.msg, "truncated"));
    assert_null(res);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &res, &code, &e),
                     RPC_EIO);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2", &res, &code, &e), RPC_EIO);
    assert_non_null(strstr(e.msg, "closed the connection"));
    /* the status line is read on its own: "HTTP/1.1" then a blank line is no
     * status, whatever digits follow in the body */
    assert_int_equal(parse("HTTP/1.1\r\n\r\n200 {}", &res, &code, &e), RPC_EIO);
    assert_non_null(strstr(e.msg, "malformed HTTP status line"));
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", &res, &code, &e),
                     RPC_EINVAL);
    assert_non_null(strstr(e.msg, "not a JSON-RPC object"));
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", &res, &code, &e),
                     RPC_EINVAL);
    assert_non_null(strstr(e.msg, "neither result nor error"));
}

/* What a server says is shown escaped: no terminal control sequence, no
 * invalid UTF-8, no NUL cutting the message short. */
static void test_server_text_escaped(void **state)
{
    (void)state;
    json_t *res = NULL;
    int code;
    err_t e;
    const char *body = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32001,\"message\":"
                       "\"bad\\u001b[2J\\u0000x \\u00e9\"},\"id\":1}";
    char err[256];
    snprintf(err, sizeof err, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(body),
             body);
    assert_int_equal(parse(err, &res, &code, &e), RPC_EREMOTE);
    assert_int_equal(code, -32001);
    assert_string_equal(e.msg, "bad\\x1b[2J\\x00x \xc3\xa9");
    static const char raw[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 9\r\n\r\n"
                              "\x1b]0;pwn\x07\xff";
    assert_int_equal(rpc_client_parse_response(raw, sizeof raw - 1, &res, &code, &e), RPC_EINVAL);
    assert_non_null(strstr(e.msg, "HTTP 502"));
    assert_non_null(strstr(e.msg, "\\x1b]0;pwn\\x07\\xff"));
    for (const unsigned char *p = (const unsigned char *)e.msg; *p; p++)
        assert_true(*p >= 0x20 && *p != 0x7f);
}

static void test_sanitize(void **state)
{
    (void)state;
    char out[128];
    static const char in[] = "ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|\x01\x7f\xc2\x9b"
                             "\xc0\xaf\xed\xa0\x80\xf5\x80\x80\x80\xe2\x82";
    rpc_text_sanitize(in, sizeof in - 1, out, sizeof out);
    assert_string_equal(out, "ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|\\x01\\x7f\\xc2\\x9b"
                             "\\xc0\\xaf\\xed\\xa0\\x80\\xf5\\x80\\x80\\x80\\xe2\\x82");
    /* cut at a character boundary, never inside an escape */
    char small[8];
    assert_int_equal(rpc_text_sanitize("ab\x01" "cd", 5, small, sizeof small), 7);
    assert_string_equal(small, "ab\\x01c");
    assert_int_equal(rpc_text_sanitize("ab\x01" "cd", 5, small, 6), 2);
    assert_string_equal(small, "ab");
    assert_int_equal(rpc_text_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8, small, sizeof small),
                     6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_server_text_escaped),
        cmocka_unit_test(test_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

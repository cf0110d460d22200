/*
 * base/cjson: canonical JSON, byte-identical to what upstream Phase signs
 * (reference/phase-original.md §2.5): serde_json's compact output of a Value
 * whose objects have been rebuilt with byte-wise sorted keys.
 *
 * The parser is our own rather than jansson's json_loads because jansson's
 * integers stop at INT64_MAX while Phase carries u64 fields, and because we
 * want serde_json's exact number semantics ("-0" is the float -0.0, integers
 * beyond u64 become floats). The tree it builds is ordinary jansson, with
 * u64 values above INT64_MAX in the tagged-string form described in base.h.
 */
#include "base.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CJSON_MAX_DEPTH 128
#define U64_TAG '\xff'

/* ---- u64 values beyond jansson's int64 ---- */

json_t *cjson_u64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)v);
    char s[24];
    int n = snprintf(s, sizeof s, "%c%" PRIu64, U64_TAG, v);
    return json_stringn_nocheck(s, (size_t)n);
}

static bool is_u64_tagged(const json_t *j)
{
    return json_is_string(j) && json_string_length(j) > 1 && json_string_value(j)[0] == U64_TAG;
}

bool cjson_is_integer(const json_t *j)
{
    return json_is_integer(j) || is_u64_tagged(j);
}

bool cjson_get_u64(const json_t *j, uint64_t *v)
{
    if (json_is_integer(j)) {
        json_int_t x = json_integer_value(j);
        if (x < 0)
            return false;
        *v = (uint64_t)x;
        return true;
    }
    if (is_u64_tagged(j)) {
        *v = strtoull(json_string_value(j) + 1, NULL, 10);
        return true;
    }
    return false;
}

/* ---- parser ---- */

typedef struct parser {
    const char *s;
    size_t n;
    size_t at;
    err_t *e;
} parser_t;

static json_t *parse_value(parser_t *p, int depth);

static void skip_ws(parser_t *p)
{
    while (p->at < p->n) {
        char c = p->s[p->at];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->at++;
    }
}

static json_t *fail(parser_t *p, const char *what)
{
    err_set(p->e, BASE_EINVAL, "json: %s at offset %zu", what, p->at);
    return NULL;
}

static int hex4(parser_t *p, uint32_t *out)
{
    if (p->n - p->at < 4)
        return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->at + (size_t)i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    p->at += 4;
    *out = v;
    return 0;
}

static void put_utf8(buf_t *b, uint32_t cp)
{
    if (cp < 0x80) {
        buf_append_byte(b, (uint8_t)cp);
    } else if (cp < 0x800) {
        buf_append_byte(b, (uint8_t)(0xc0 | cp >> 6));
        buf_append_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        buf_append_byte(b, (uint8_t)(0xe0 | cp >> 12));
        buf_append_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        buf_append_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        buf_append_byte(b, (uint8_t)(0xf0 | cp >> 18));
        buf_append_byte(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
        buf_append_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        buf_append_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, <= U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Parses a string starting at the opening quote into b (raw UTF-8 bytes). */
static int parse_string_into(parser_t *p, buf_t *b)
{
    p->at++;  /* opening quote */
    for (;;) {
        if (p->at >= p->n) {
            fail(p, "unterminated string");
            return -1;
        }
        unsigned char c = (unsigned char)p->s[p->at];
        if (c == '"') {
            p->at++;
            return buf_ok(b) ? 0 : (fail(p, "string too large"), -1);
        }
        if (c < 0x20) {
            fail(p, "control character in string");
            return -1;
        }
        if (c == '\\') {
            p->at++;
            if (p->at >= p->n) {
                fail(p, "unterminated escape");
                return -1;
            }
            char esc = p->s[p->at++];
            switch (esc) {
            case '"': buf_append_byte(b, '"'); break;
            case '\\': buf_append_byte(b, '\\'); break;
            case '/': buf_append_byte(b, '/'); break;
            case 'b': buf_append_byte(b, '\b'); break;
            case 'f': buf_append_byte(b, '\f'); break;
            case 'n': buf_append_byte(b, '\n'); break;
            case 'r': buf_append_byte(b, '\r'); break;
            case 't': buf_append_byte(b, '\t'); break;
            case 'u': {
                uint32_t cp;
                if (hex4(p, &cp) != 0) {
                    fail(p, "bad \\u escape");
                    return -1;
                }
                if (cp >= 0xdc00 && cp <= 0xdfff) {
                    fail(p, "lone trailing surrogate");
                    return -1;
                }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t lo;
                    if (p->n - p->at < 2 || p->s[p->at] != '\\' || p->s[p->at + 1] != 'u') {
                        fail(p, "lone leading surrogate");
                        return -1;
                    }
                    p->at += 2;
                    if (hex4(p, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
                        fail(p, "invalid surrogate pair");
                        return -1;
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                put_utf8(b, cp);
                break;
            }
            default:
                p->at--;
                fail(p, "invalid escape");
                return -1;
            }
            continue;
        }
        size_t len = utf8_seq((const unsigned char *)p->s + p->at, p->n - p->at);
        if (len == 0) {
            fail(p, "invalid UTF-8");
            return -1;
        }
        buf_append(b, p->s + p->at, len);
        p->at += len;
    }
}

static json_t *parse_string(parser_t *p)
{
    buf_t b;
    buf_init(&b, 0);
    if (parse_string_into(p, &b) != 0) {
        buf_free(&b);
        return NULL;
    }
    json_t *j = json_stringn_nocheck(b.len ? (const char *)b.data : "", b.len);
    buf_free(&b);
    if (!j)
        return fail(p, "out of memory");
    return j;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static json_t *parse_number(parser_t *p)
{
    size_t start = p->at;
    bool neg = false, is_int = true;
    if (p->s[p->at] == '-') {
        neg = true;
        p->at++;
    }
    if (p->at >= p->n || !is_digit(p->s[p->at]))
        return fail(p, "invalid number");
    if (p->s[p->at] == '0') {
        p->at++;
        if (p->at < p->n && is_digit(p->s[p->at]))
            return fail(p, "leading zero in number");
    } else {
        while (p->at < p->n && is_digit(p->s[p->at]))
            p->at++;
    }
    if (p->at < p->n && p->s[p->at] == '.') {
        is_int = false;
        p->at++;
        if (p->at >= p->n || !is_digit(p->s[p->at]))
            return fail(p, "digit expected after '.'");
        while (p->at < p->n && is_digit(p->s[p->at]))
            p->at++;
    }
    if (p->at < p->n && (p->s[p->at] == 'e' || p->s[p->at] == 'E')) {
        is_int = false;
        p->at++;
        if (p->at < p->n && (p->s[p->at] == '+' || p->s[p->at] == '-'))
            p->at++;
        if (p->at >= p->n || !is_digit(p->s[p->at]))
            return fail(p, "digit expected in exponent");
        while (p->at < p->n && is_digit(p->s[p->at]))
            p->at++;
    }
    size_t len = p->at - start;
    if (len > 1024)
        return fail(p, "number too long");
    char tmp[1025];
    memcpy(tmp, p->s + start, len);
    tmp[len] = '\0';
    if (is_int) {
        errno = 0;
        if (neg) {
            long long v = strtoll(tmp, NULL, 10);
            /* serde_json: "-0" and integers below i64::MIN are floats */
            if (errno == 0 && v != 0)
                return json_integer((json_int_t)v);
        } else {
            unsigned long long v = strtoull(tmp, NULL, 10);
            if (errno == 0)
                return cjson_u64((uint64_t)v);
        }
    }
    errno = 0;
    double d = strtod(tmp, NULL);
    if (!isfinite(d)) {
        p->at = start;
        return fail(p, "number out of range");
    }
    json_t *j = json_real(d);
    return j ? j : fail(p, "out of memory");
}

static json_t *parse_array(parser_t *p, int depth)
{
    json_t *arr = json_array();
    if (!arr)
        return fail(p, "out of memory");
    p->at++;
    skip_ws(p);
    if (p->at < p->n && p->s[p->at] == ']') {
        p->at++;
        return arr;
    }
    for (;;) {
        json_t *v = parse_value(p, depth + 1);
        if (!v || json_array_append_new(arr, v) != 0)
            goto fail;
        skip_ws(p);
        if (p->at >= p->n) {
            fail(p, "unterminated array");
            goto fail;
        }
        char c = p->s[p->at++];
        if (c == ']')
            return arr;
        if (c != ',') {
            p->at--;
            fail(p, "expected ',' or ']'");
            goto fail;
        }
    }
fail:
    json_decref(arr);
    return NULL;
}

static json_t *parse_object(parser_t *p, int depth)
{
    json_t *obj = json_object();
    buf_t key;
    buf_init(&key, 0);
    if (!obj)
        return fail(p, "out of memory");
    p->at++;
    skip_ws(p);
    if (p->at < p->n && p->s[p->at] == '}') {
        p->at++;
        return obj;
    }
    for (;;) {
        skip_ws(p);
        if (p->at >= p->n || p->s[p->at] != '"') {
            fail(p, "expected a string key");
            goto fail;
        }
        size_t key_at = p->at;
        buf_reset(&key);
        if (parse_string_into(p, &key) != 0)
            goto fail;
        buf_terminate(&key);
        const char *k = key.len ? (const char *)key.data : "";
        if (json_object_getn(obj, k, key.len)) {
            p->at = key_at;
            fail(p, "duplicate key");
            goto fail;
        }
        skip_ws(p);
        if (p->at >= p->n || p->s[p->at] != ':') {
            fail(p, "expected ':'");
            goto fail;
        }
        p->at++;
        json_t *v = parse_value(p, depth + 1);
        if (!v)
            goto fail;
        if (json_object_setn_new_nocheck(obj, k, key.len, v) != 0) {
            fail(p, "out of memory");
            goto fail;
        }
        skip_ws(p);
        if (p->at >= p->n) {
            fail(p, "unterminated object");
            goto fail;
        }
        char c = p->s[p->at++];
        if (c == '}') {
            buf_free(&key);
            return obj;
        }
        if (c != ',') {
            p->at--;
            fail(p, "expected ',' or '}'");
            goto fail;
        }
    }
fail:
    buf_free(&key);
    json_decref(obj);
    return NULL;
}

static bool match_word(parser_t *p, const char *w)
{
    size_t len = strlen(w);
    if (p->n - p->at < len || memcmp(p->s + p->at, w, len) != 0)
        return false;
    p->at += len;
    return true;
}

static json_t *parse_value(parser_t *p, int depth)
{
    if (depth > CJSON_MAX_DEPTH)
        return fail(p, "nesting deeper than 128");
    skip_ws(p);
    if (p->at >= p->n)
        return fail(p, "unexpected end of input");
    char c = p->s[p->at];
    switch (c) {
    case '{': return parse_object(p, depth);
    case '[': return parse_array(p, depth);
    case '"': return parse_string(p);
    case 't': return match_word(p, "true") ? json_true() : fail(p, "invalid literal");
    case 'f': return match_word(p, "false") ? json_false() : fail(p, "invalid literal");
    case 'n': return match_word(p, "null") ? json_null() : fail(p, "invalid literal");
    default:
        if (c == '-' || is_digit(c))
            return parse_number(p);
        return fail(p, "unexpected character");
    }
}

json_t *cjson_parse(const char *in, size_t n, err_t *e)
{
    parser_t p = {in, n, 0, e};
    if (!in)
        return fail(&p, "no input");
    json_t *j = parse_value(&p, 0);
    if (!j)
        return NULL;
    skip_ws(&p);
    if (p.at != n) {
        json_decref(j);
        return fail(&p, "trailing characters");
    }
    return j;
}

/* ---- encoder ---- */

static void put_string(buf_t *out, const char *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    buf_append_byte(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[6];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
                u[4] = hexd[c >> 4], u[5] = hexd[c & 15];
            }
        }
        if (!esc && c >= 0x20) {
            run++;
            continue;
        }
        buf_append(out, s + i - run, run);
        run = 0;
        if (esc)
            buf_append_str(out, esc);
        else
            buf_append(out, u, 6);
    }
    buf_append(out, s + n - run, run);
    buf_append_byte(out, '"');
}

/* serde_json prints f64 with ryu; this reproduces ryu's layout rules from the
 * shortest round-trip digits, which %.*e plus strtod finds. */
static void put_real(buf_t *out, double v)
{
    if (v == 0) {
        buf_append_str(out, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp = [-]d[.ddd]e(+|-)XX */
    char digits[20];
    int len = 0;
    const char *q = tmp;
    if (*q == '-') {
        buf_append_byte(out, '-');
        q++;
    }
    for (; *q && *q != 'e'; q++)
        if (*q != '.')
            digits[len++] = *q;
    while (len > 1 && digits[len - 1] == '0')
        len--;
    int exp10 = atoi(q + 1);
    int kk = exp10 + 1;      /* position of the decimal point */
    int k = kk - len;        /* value = digits * 10^k */
    if (k >= 0 && kk <= 16) {
        buf_append(out, digits, (size_t)len);
        for (int i = 0; i < k; i++)
            buf_append_byte(out, '0');
        buf_append_str(out, ".0");
    } else if (kk > 0 && kk <= 16) {
        buf_append(out, digits, (size_t)kk);
        buf_append_byte(out, '.');
        buf_append(out, digits + kk, (size_t)(len - kk));
    } else if (kk > -5 && kk <= 0) {
        buf_append_str(out, "0.");
        for (int i = 0; i < -kk; i++)
            buf_append_byte(out, '0');
        buf_append(out, digits, (size_t)len);
    } else if (len == 1) {
        buf_append_byte(out, (uint8_t)digits[0]);
        buf_printf(out, "e%d", kk - 1);
    } else {
        buf_append_byte(out, (uint8_t)digits[0]);
        buf_append_byte(out, '.');
        buf_append(out, digits + 1, (size_t)(len - 1));
        buf_printf(out, "e%d", kk - 1);
    }
}

typedef struct key_ref {
    const char *k;
    size_t n;
    json_t *v;
} key_ref_t;

static int key_cmp(const void *a, const void *b)
{
    const key_ref_t *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->k, y->k, n);
    if (c)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* Newline and indentation before an element when pretty-printing. */
static void put_indent(buf_t *out, int indent, int depth)
{
    if (!indent)
        return;
    buf_append_byte(out, '\n');
    for (int i = 0; i < indent * depth; i++)
        buf_append_byte(out, ' ');
}

static int encode(const json_t *j, buf_t *out, int depth, int indent, err_t *e)
{
    if (depth > CJSON_MAX_DEPTH)
        return err_set(e, BASE_EINVAL, "json: nesting deeper than %d", CJSON_MAX_DEPTH);
    switch (json_typeof(j)) {
    case JSON_NULL: buf_append_str(out, "null"); break;
    case JSON_TRUE: buf_append_str(out, "true"); break;
    case JSON_FALSE: buf_append_str(out, "false"); break;
    case JSON_INTEGER: buf_printf(out, "%" PRId64, (int64_t)json_integer_value(j)); break;
    case JSON_REAL: put_real(out, json_real_value(j)); break;
    case JSON_STRING:
        if (is_u64_tagged(j))
            buf_append(out, json_string_value(j) + 1, json_string_length(j) - 1);
        else
            put_string(out, json_string_value(j), json_string_length(j));
        break;
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        buf_append_byte(out, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_append_byte(out, ',');
            put_indent(out, indent, depth + 1);
            int rc = encode(json_array_get(j, i), out, depth + 1, indent, e);
            if (rc)
                return rc;
        }
        if (n)
            put_indent(out, indent, depth);
        buf_append_byte(out, ']');
        break;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j);
        key_ref_t *keys = n ? calloc(n, sizeof *keys) : NULL;
        if (n && !keys)
            return err_set(e, BASE_ENOMEM, "json: out of memory");
        size_t i = 0;
        const char *k;
        size_t klen;
        json_t *v;
        json_object_keylen_foreach((json_t *)j, k, klen, v) {
            keys[i].k = k;
            keys[i].n = klen;
            keys[i].v = v;
            i++;
        }
        if (n > 1)
            qsort(keys, n, sizeof *keys, key_cmp);
        buf_append_byte(out, '{');
        for (i = 0; i < n; i++) {
            if (i)
                buf_append_byte(out, ',');
            put_indent(out, indent, depth + 1);
            put_string(out, keys[i].k, keys[i].n);
            buf_append_str(out, indent ? ": " : ":");
            int rc = encode(keys[i].v, out, depth + 1, indent, e);
            if (rc) {
                free(keys);
                return rc;
            }
        }
        if (n)
            put_indent(out, indent, depth);
        buf_append_byte(out, '}');
        free(keys);
        break;
    }
    default:
        return err_set(e, BASE_EINVAL, "json: unknown value type");
    }
    if (!buf_ok(out))
        return err_set(e, BASE_ENOMEM, "json: output too large");
    return BASE_OK;
}

int cjson_encode(const json_t *j, buf_t *out, err_t *e)
{
    if (!j)
        return err_set(e, BASE_EINVAL, "json: no value");
    return encode(j, out, 0, 0, e);
}

int cjson_encode_pretty(const json_t *j, buf_t *out, err_t *e)
{
    if (!j)
        return err_set(e, BASE_EINVAL, "json: no value");
    return encode(j, out, 0, 2, e);
}

static char *encode_str(const json_t *j, int indent, err_t *e)
{
    buf_t b;
    buf_init(&b, 0);
    if (!j) {
        err_set(e, BASE_EINVAL, "json: no value");
        return NULL;
    }
    if (encode(j, &b, 0, indent, e) != BASE_OK || buf_terminate(&b) != BASE_OK) {
        buf_free(&b);
        return NULL;
    }
    return (char *)buf_steal(&b, NULL);
}

char *cjson_encode_str(const json_t *j, err_t *e)
{
    return encode_str(j, 0, e);
}

char *cjson_encode_pretty_str(const json_t *j, err_t *e)
{
    return encode_str(j, 2, e);
}

json_t *cjson_bytes(const uint8_t *p, size_t n)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(arr, json_integer(p[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int cjson_get_bytes(const json_t *j, size_t want, uint8_t **out, size_t *out_len, err_t *e)
{
    *out = NULL;
    *out_len = 0;
    if (!json_is_array(j))
        return err_set(e, BASE_EINVAL, "json: expected an array of bytes");
    size_t n = json_array_size(j);
    if (want != SIZE_MAX && n != want)
        return err_set(e, BASE_EINVAL, "json: expected %zu bytes, got %zu", want, n);
    uint8_t *p = malloc(n ? n : 1);
    if (!p)
        return err_set(e, BASE_ENOMEM, "json: out of memory for %zu bytes", n);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(j, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255) {
            free(p);
            return err_set(e, BASE_EINVAL, "json: byte %zu is not an integer 0..255", i);
        }
        p[i] = (uint8_t)json_integer_value(v);
    }
    *out = p;
    *out_len = n;
    return BASE_OK;
}

int cjson_get_hex(const json_t *obj, const char *name, uint8_t *out, size_t n, const char *what,
                  err_t *e)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return err_set(e, BASE_EINVAL, "%s: \"%s\" missing or not a string", what, name);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len > 2 && s[0] == '0' && s[1] == 'x') {
        s += 2;
        len -= 2;
    }
    if (hex_decode(s, len, out, n, e) != 0) {
        err_prefix(e, "%s: \"%s\"", what, name);
        if (e)
            e->code = BASE_EINVAL;
        return BASE_EINVAL;
    }
    return 0;
}

int cjson_check_keys(const json_t *obj, const char *const *allowed, const char *what, err_t *e)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, key) == 0;
        if (!ok)
            return err_set(e, BASE_EINVAL, "%s: unknown field \"%.64s\"", what, key);
    }
    return 0;
}

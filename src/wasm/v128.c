/*
 * wasm v128: the spec's text forms of 128-bit SIMD values ("i32x4 1 2 3 4",
 * "f32x4 1.5 -0 inf nan"), for embedders that read or print v128 values
 * (plasmd wasm run --invoke, test drivers). Lanes are little-endian, lane 0
 * first, as in linear memory.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/internal.h"

typedef struct shape {
    const char *name;
    int lanes, bytes;
    bool fp;
} shape_t;

static const shape_t g_shapes[] = {
    {"i8x16", 16, 1, false}, {"i16x8", 8, 2, false}, {"i32x4", 4, 4, false},
    {"i64x2", 2, 8, false},  {"f32x4", 4, 4, true},  {"f64x2", 2, 8, true},
};

static const shape_t *find_shape(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof g_shapes / sizeof g_shapes[0]; i++)
        if (strlen(g_shapes[i].name) == n && !strncmp(g_shapes[i].name, s, n)) return &g_shapes[i];
    return NULL;
}

int awasm_v128_parse(const char *text, uint8_t out[16], err_t *err)
{
    if (!text) return err_set(err, AWASM_EARG, "wasm: no v128 text");
    const char *p = text;
    while (isspace((unsigned char)*p)) p++;
    const char *sh = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    const shape_t *s = find_shape(sh, (size_t)(p - sh));
    if (!s)
        return err_set(err, AWASM_EARG, "wasm: v128 \"%s\" must start with a shape (i8x16, i16x8, "
                       "i32x4, i64x2, f32x4 or f64x2)", text);
    uint8_t v[16];
    for (int i = 0; i < s->lanes; i++) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) return err_set(err, AWASM_EARG, "wasm: v128 \"%s\" needs %d lanes", text, s->lanes);
        char *end = NULL;
        errno = 0;
        if (s->fp) {
            if (s->bytes == 4) {
                float f = strtof(p, &end);
                memcpy(v + i * 4, &f, 4);
            } else {
                double d = strtod(p, &end);
                memcpy(v + i * 8, &d, 8);
            }
        } else {
            bool neg = *p == '-';
            const char *digits = neg || *p == '+' ? p + 1 : p;
            unsigned long long u = isdigit((unsigned char)*digits) ? strtoull(digits, &end, 0) : 0;
            if (!end || end == digits) end = (char *)p;
            unsigned bits = (unsigned)s->bytes * 8;
            unsigned long long umax = bits == 64 ? ~0ull : (1ull << bits) - 1;
            unsigned long long nmax = 1ull << (bits - 1);
            if (errno || end == p || (neg ? u > nmax : u > umax))
                return err_set(err, AWASM_EARG, "wasm: v128 lane %d of \"%s\" is not an %d-bit "
                               "integer", i, text, (int)bits);
            uint64_t b = neg ? 0ull - u : u;
            memcpy(v + i * s->bytes, &b, (size_t)s->bytes);   /* little-endian host */
        }
        if (errno == ERANGE && s->fp) errno = 0;   /* overflow to inf is what the text says */
        if (end == p || (*end && !isspace((unsigned char)*end)))
            return err_set(err, AWASM_EARG, "wasm: v128 lane %d of \"%s\" is not a number", i, text);
        p = end;
    }
    while (isspace((unsigned char)*p)) p++;
    if (*p) return err_set(err, AWASM_EARG, "wasm: v128 \"%s\" has more than %d lanes", text, s->lanes);
    memcpy(out, v, 16);
    return 0;
}

int awasm_v128_format(const uint8_t v[16], const char *shape, char *buf, size_t n)
{
    const shape_t *s = shape ? find_shape(shape, strlen(shape)) : NULL;
    if (!s || !buf || n == 0) return AWASM_EARG;
    size_t at = 0;
    int w = snprintf(buf, n, "%s", s->name);
    if (w < 0) return AWASM_EARG;
    at = (size_t)w;
    for (int i = 0; i < s->lanes && at < n; i++) {
        const uint8_t *l = v + i * s->bytes;
        if (s->fp && s->bytes == 4) {
            float f;
            uint32_t b;
            memcpy(&f, l, 4);
            memcpy(&b, l, 4);
            w = isnan(f) ? snprintf(buf + at, n - at, " nan:0x%08" PRIx32, b)
                         : snprintf(buf + at, n - at, " %.9g", (double)f);
        } else if (s->fp) {
            double d;
            uint64_t b;
            memcpy(&d, l, 8);
            memcpy(&b, l, 8);
            w = isnan(d) ? snprintf(buf + at, n - at, " nan:0x%016" PRIx64, b)
                         : snprintf(buf + at, n - at, " %.17g", d);
        } else {
            int64_t x = 0;
            switch (s->bytes) {
            case 1: { int8_t t; memcpy(&t, l, 1); x = t; break; }
            case 2: { int16_t t; memcpy(&t, l, 2); x = t; break; }
            case 4: { int32_t t; memcpy(&t, l, 4); x = t; break; }
            default: memcpy(&x, l, 8); break;
            }
            w = snprintf(buf + at, n - at, " %" PRId64, x);
        }
        if (w < 0) return AWASM_EARG;
        at += (size_t)w;
    }
    if (at >= n) return AWASM_EARG;   /* truncated */
    return 0;
}

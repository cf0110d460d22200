/*
 * base/varint: the two variable-length integer encodings we parse.
 *
 * uvarint is multiformats' unsigned-varint (libp2p, multiaddr, multihash): at
 * most 9 bytes (63 bits) and minimal. LEB128 is WebAssembly's: at most
 * ceil(N/7) bytes, padding allowed, but the unused bits of the final byte must
 * be zero (unsigned) or copies of the sign bit (signed).
 */
#include "base.h"

size_t uvarint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t uvarint_encode(uint64_t v, uint8_t *out)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

int uvarint_decode(const uint8_t *in, size_t n, uint64_t *v, err_t *e)
{
    uint64_t x = 0;
    for (size_t i = 0; i < 9; i++) {
        if (i >= n)
            return err_set(e, BASE_ETRUNC, "uvarint: truncated after %zu bytes", n);
        uint8_t b = in[i];
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return err_set(e, BASE_ENONMINIMAL, "uvarint: non-minimal encoding (%zu bytes)",
                               i + 1);
            *v = x;
            return (int)(i + 1);
        }
    }
    return err_set(e, BASE_EOVERFLOW, "uvarint: longer than 9 bytes (63 bits)");
}

/* Shared core: reads up to max_bytes, returns the raw 64-bit accumulation,
 * the count, and the last byte so callers can check the unused bits. */
static int leb_read(const uint8_t *in, size_t n, int max_bytes, uint64_t *acc, uint8_t *last,
                    err_t *e)
{
    uint64_t x = 0;
    for (int i = 0; i < max_bytes; i++) {
        if ((size_t)i >= n)
            return err_set(e, BASE_ETRUNC, "leb128: unexpected end after %zu bytes", n);
        uint8_t b = in[i];
        if (i < 10)
            x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *acc = x;
            *last = b;
            return i + 1;
        }
    }
    return err_set(e, BASE_EOVERFLOW, "leb128: integer representation too long (> %d bytes)",
                   max_bytes);
}

int leb128_u32_decode(const uint8_t *in, size_t n, uint32_t *v, err_t *e)
{
    uint64_t x = 0;
    uint8_t last = 0;
    int used = leb_read(in, n, 5, &x, &last, e);
    if (used < 0)
        return used;
    if (used == 5 && (last & 0x70))
        return err_set(e, BASE_EOVERFLOW, "leb128: integer too large for u32");
    *v = (uint32_t)x;
    return used;
}

int leb128_u64_decode(const uint8_t *in, size_t n, uint64_t *v, err_t *e)
{
    uint64_t x = 0;
    uint8_t last = 0;
    int used = leb_read(in, n, 10, &x, &last, e);
    if (used < 0)
        return used;
    if (used == 10 && (last & 0x7e))
        return err_set(e, BASE_EOVERFLOW, "leb128: integer too large for u64");
    *v = x;
    return used;
}

int leb128_s32_decode(const uint8_t *in, size_t n, int32_t *v, err_t *e)
{
    uint64_t x = 0;
    uint8_t last = 0;
    int used = leb_read(in, n, 5, &x, &last, e);
    if (used < 0)
        return used;
    if (used == 5) {
        /* bits 3..6 of the 5th byte are value bits 31..34: all equal */
        uint8_t hi = last & 0x78;
        if (hi != 0 && hi != 0x78)
            return err_set(e, BASE_EOVERFLOW, "leb128: integer too large for s32");
    } else if (last & 0x40) {
        x |= ~UINT64_C(0) << (7 * used);
    }
    *v = (int32_t)(uint32_t)x;
    return used;
}

int leb128_s64_decode(const uint8_t *in, size_t n, int64_t *v, err_t *e)
{
    uint64_t x = 0;
    uint8_t last = 0;
    int used = leb_read(in, n, 10, &x, &last, e);
    if (used < 0)
        return used;
    if (used == 10) {
        /* the 10th byte carries value bit 63 in bit 0; bits 1..6 copy it */
        uint8_t hi = last & 0x7f;
        if (hi != 0 && hi != 0x7f)
            return err_set(e, BASE_EOVERFLOW, "leb128: integer too large for s64");
    } else if (last & 0x40) {
        x |= ~UINT64_C(0) << (7 * used);
    }
    *v = (int64_t)x;
    return used;
}

size_t leb128_u64_encode(uint64_t v, uint8_t *out)
{
    return uvarint_encode(v, out);
}

size_t leb128_s64_encode(int64_t v, uint8_t *out)
{
    size_t n = 0;
    for (;;) {
        uint8_t b = (uint8_t)(v & 0x7f);
        v >>= 7;  /* arithmetic shift: implementation-defined, but gcc/clang do it */
        bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
        out[n++] = done ? b : (uint8_t)(b | 0x80);
        if (done)
            return n;
    }
}

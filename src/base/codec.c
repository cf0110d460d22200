/*
 * base/codec: text encodings of bytes: hex, base32 (RFC 4648 §6 alphabet,
 * lower case, no padding, as multibase 'b' uses), and base58btc.
 *
 * Decoders check every character and length before writing and report the
 * offset of the first bad character.
 */
#include "base.h"

#include <stdlib.h>
#include <string.h>

static const char HEX[] = "0123456789abcdef";

void hex_encode(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[in[i] >> 4];
        out[2 * i + 1] = HEX[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex_decode_into(const char *in, size_t n, uint8_t *out, err_t *e)
{
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_val(in[i]), lo = hex_val(in[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? i : i + 1;
            return err_set(e, BASE_EINVAL, "hex: invalid character at offset %zu", at);
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return BASE_OK;
}

int hex_decode(const char *in, size_t n, uint8_t *out, size_t out_len, err_t *e)
{
    if (n % 2)
        return err_set(e, BASE_EINVAL, "hex: odd length %zu", n);
    if (n / 2 != out_len)
        return err_set(e, BASE_EINVAL, "hex: expected %zu bytes (%zu digits), got %zu digits",
                       out_len, out_len * 2, n);
    return hex_decode_into(in, n, out, e);
}

int hex_decode_alloc(const char *in, size_t n, uint8_t **out, size_t *out_len, err_t *e)
{
    *out = NULL;
    *out_len = 0;
    if (n % 2)
        return err_set(e, BASE_EINVAL, "hex: odd length %zu", n);
    uint8_t *p = malloc(n / 2 + 1);
    if (!p)
        return err_set(e, BASE_ENOMEM, "hex: out of memory for %zu bytes", n / 2);
    int rc = hex_decode_into(in, n, p, e);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    *out_len = n / 2;
    return BASE_OK;
}

/* ---- base32 ---- */

static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";

size_t base32_encoded_len(size_t n)
{
    return (n * 8 + 4) / 5;
}

void base32_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = B32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = B32[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

static int b32_val(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

int base32_decode(const char *in, size_t n, uint8_t *out, size_t out_cap, size_t *out_len,
                  err_t *e)
{
    /* Unpadded lengths mod 8 that can occur: 0, 2, 4, 5, 7. */
    size_t rem = n % 8;
    if (rem == 1 || rem == 3 || rem == 6)
        return err_set(e, BASE_EINVAL, "base32: impossible length %zu", n);
    size_t need = n * 5 / 8;
    if (need > out_cap)
        return err_set(e, BASE_ERANGE, "base32: output needs %zu bytes, buffer has %zu", need,
                       out_cap);
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b32_val(in[i]);
        if (v < 0)
            return err_set(e, BASE_EINVAL, "base32: invalid character at offset %zu", i);
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
        acc &= (1u << bits) - 1;
    }
    if (acc != 0)
        return err_set(e, BASE_EINVAL, "base32: non-zero trailing bits");
    *out_len = o;
    return BASE_OK;
}

/* ---- base58btc ---- */

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

size_t base58_encoded_max(size_t n)
{
    return n * 138 / 100 + 1;
}

size_t base58_encode(const uint8_t *in, size_t n, char *out)
{
    size_t zeros = 0;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    size_t size = (n - zeros) * 138 / 100 + 1;
    uint8_t *digits = calloc(size ? size : 1, 1);
    if (!digits) {
        out[0] = '\0';
        return 0;
    }
    size_t high = size;  /* digits[high..size) are in use */
    for (size_t i = zeros; i < n; i++) {
        uint32_t carry = in[i];
        size_t j = size;
        while (j > 0 && (j > high || carry)) {
            j--;
            carry += 256u * digits[j];
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        high = j;
    }
    size_t j = 0;
    while (j < size && digits[j] == 0)
        j++;
    size_t o = 0;
    for (size_t z = 0; z < zeros; z++)
        out[o++] = '1';
    for (; j < size; j++)
        out[o++] = B58[digits[j]];
    out[o] = '\0';
    free(digits);
    return o;
}

static int b58_val(char c)
{
    const char *p = c ? strchr(B58, c) : NULL;
    return p ? (int)(p - B58) : -1;
}

int base58_decode(const char *in, size_t n, uint8_t *out, size_t out_cap, size_t *out_len,
                  err_t *e)
{
    if (n > BASE58_MAX_INPUT)
        return err_set(e, BASE_EINVAL, "base58: input of %zu characters exceeds %d", n,
                       BASE58_MAX_INPUT);
    size_t zeros = 0;
    while (zeros < n && in[zeros] == '1')
        zeros++;
    /* log(58)/log(256) < 0.733 */
    size_t size = (n - zeros) * 733 / 1000 + 1;
    uint8_t tmp[BASE58_MAX_INPUT];
    memset(tmp, 0, size);
    size_t high = size;
    for (size_t i = zeros; i < n; i++) {
        int v = b58_val(in[i]);
        if (v < 0)
            return err_set(e, BASE_EINVAL, "base58: invalid character at offset %zu", i);
        uint32_t carry = (uint32_t)v;
        size_t j = size;
        while (j > 0 && (j > high || carry)) {
            j--;
            carry += 58u * tmp[j];
            tmp[j] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        high = j;
    }
    size_t j = 0;
    while (j < size && tmp[j] == 0)
        j++;
    size_t total = zeros + (size - j);
    if (total > out_cap)
        return err_set(e, BASE_ERANGE, "base58: output needs %zu bytes, buffer has %zu", total,
                       out_cap);
    memset(out, 0, zeros);
    memcpy(out + zeros, tmp + j, size - j);
    *out_len = total;
    return BASE_OK;
}

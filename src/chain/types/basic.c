/* chain/types: u128 arithmetic and decimal text, hex forms of hashes and
 * addresses, the strict reader every decoder uses, and the account / UTxO
 * value encodings. u128 values are a pair of u64 so the public API stays
 * plain C11; the arithmetic uses the compiler's 128-bit integer. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128n;

static inline u128n to_n(chain_u128_t a)
{
    return ((u128n)a.hi << 64) | a.lo;
}
static inline chain_u128_t from_n(u128n v)
{
    chain_u128_t r = {(uint64_t)v, (uint64_t)(v >> 64)};
    return r;
}

bool chain_u128_is_zero(chain_u128_t a)
{
    return a.lo == 0 && a.hi == 0;
}

int chain_u128_cmp(chain_u128_t a, chain_u128_t b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

bool chain_u128_add(chain_u128_t a, chain_u128_t b, chain_u128_t *r)
{
    u128n s = to_n(a) + to_n(b);
    if (s < to_n(a))
        return false;
    *r = from_n(s);
    return true;
}

bool chain_u128_sub(chain_u128_t a, chain_u128_t b, chain_u128_t *r)
{
    if (to_n(a) < to_n(b))
        return false;
    *r = from_n(to_n(a) - to_n(b));
    return true;
}

bool chain_u128_mul_u64(chain_u128_t a, uint64_t b, chain_u128_t *r)
{
    u128n x = to_n(a);
    if (b != 0 && x > ((u128n)-1) / b)
        return false;
    *r = from_n(x * b);
    return true;
}

chain_u128_t chain_u128_add_sat(chain_u128_t a, chain_u128_t b)
{
    chain_u128_t r;
    if (!chain_u128_add(a, b, &r))
        r.lo = r.hi = UINT64_MAX;
    return r;
}

chain_u128_t chain_u128_mul_u64_sat(chain_u128_t a, uint64_t b)
{
    chain_u128_t r;
    if (!chain_u128_mul_u64(a, b, &r))
        r.lo = r.hi = UINT64_MAX;
    return r;
}

chain_u128_t chain_u128_div_u64(chain_u128_t a, uint64_t d, uint64_t *rem)
{
    u128n x = to_n(a);
    if (rem)
        *rem = (uint64_t)(x % d);
    return from_n(x / d);
}

int chain_u128_parse(const char *s, size_t n, chain_u128_t *out, err_t *e)
{
    if (!s || n == 0)
        return err_set(e, CHAIN_EINVAL, "amount: empty");
    if (n > 1 && s[0] == '0')
        return err_set(e, CHAIN_EINVAL, "amount: leading zero in \"%.*s\"", (int)(n > 40 ? 40 : n), s);
    u128n v = 0;
    const u128n max = (u128n)-1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return err_set(e, CHAIN_EINVAL, "amount: '%c' at offset %zu is not a decimal digit",
                           (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?', i);
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return err_set(e, CHAIN_EINVAL, "amount: exceeds 2^128 - 1");
        v = v * 10 + d;
    }
    *out = from_n(v);
    return 0;
}

size_t chain_u128_format(chain_u128_t a, char out[CHAIN_U128_STR_MAX])
{
    char tmp[CHAIN_U128_STR_MAX];
    size_t k = 0;
    u128n v = to_n(a);
    do {
        tmp[k++] = (char)('0' + (unsigned)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    out[k] = 0;
    return k;
}

void chain_u128_put(uint8_t out[16], chain_u128_t a)
{
    store_le64(out, a.lo);
    store_le64(out + 8, a.hi);
}

chain_u128_t chain_u128_get(const uint8_t in[16])
{
    chain_u128_t r = {load_le64(in), load_le64(in + 8)};
    return r;
}

/* ---- hex forms ---- */

void chain_addr_from_pk(const uint8_t pk[CHAIN_PK_BYTES], chain_addr_t *out)
{
    uint8_t h[32];
    crypto_sha256(pk, CHAIN_PK_BYTES, h);
    memcpy(out->b, h, CHAIN_ADDR_BYTES);
}

void chain_addr_to_hex(const chain_addr_t *a, char out[2 * CHAIN_ADDR_BYTES + 1])
{
    hex_encode(a->b, CHAIN_ADDR_BYTES, out);
}

static int from_hex_fixed(const char *s, uint8_t *out, size_t len, const char *what, err_t *e)
{
    if (!s)
        return err_set(e, CHAIN_EINVAL, "%s: missing", what);
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    if (n != 2 * len)
        return err_set(e, CHAIN_EINVAL, "%s: need %zu hex digits, got %zu", what, 2 * len, n);
    if (hex_decode(s, n, out, len, e) != 0) {
        err_prefix(e, "%s", what);
        return CHAIN_EINVAL;
    }
    return 0;
}

int chain_addr_from_hex(const char *s, chain_addr_t *out, err_t *e)
{
    return from_hex_fixed(s, out->b, CHAIN_ADDR_BYTES, "address", e);
}

void chain_hash_to_hex(const chain_hash_t *h, char out[2 * CHAIN_HASH_BYTES + 1])
{
    hex_encode(h->b, CHAIN_HASH_BYTES, out);
}

int chain_hash_from_hex(const char *s, chain_hash_t *out, err_t *e)
{
    return from_hex_fixed(s, out->b, CHAIN_HASH_BYTES, "hash", e);
}

bool chain_hash_equal(const chain_hash_t *a, const chain_hash_t *b)
{
    return memcmp(a->b, b->b, CHAIN_HASH_BYTES) == 0;
}

/* ---- reader ---- */

bool rd_fail(rd_t *r, const char *fmt, ...)
{
    if (!r->failed) {
        char msg[ERR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        err_set(r->e, CHAIN_EINVAL, "%s: %s", r->what, msg);
        r->failed = true;
    }
    return false;
}

const uint8_t *rd_take(rd_t *r, size_t k, const char *field)
{
    if (r->failed)
        return NULL;
    if (k > r->n - r->off) {
        rd_fail(r, "truncated reading %s at offset %zu (need %zu bytes, %zu left)", field, r->off,
                k, r->n - r->off);
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += k;
    return p;
}

bool rd_u8(rd_t *r, uint8_t *v, const char *field)
{
    const uint8_t *p = rd_take(r, 1, field);
    if (!p)
        return false;
    *v = p[0];
    return true;
}

bool rd_u16(rd_t *r, uint16_t *v, const char *field)
{
    const uint8_t *p = rd_take(r, 2, field);
    if (!p)
        return false;
    *v = (uint16_t)(p[0] | p[1] << 8);
    return true;
}

bool rd_u32(rd_t *r, uint32_t *v, const char *field)
{
    const uint8_t *p = rd_take(r, 4, field);
    if (!p)
        return false;
    *v = load_le32(p);
    return true;
}

bool rd_u64(rd_t *r, uint64_t *v, const char *field)
{
    const uint8_t *p = rd_take(r, 8, field);
    if (!p)
        return false;
    *v = load_le64(p);
    return true;
}

bool rd_u128(rd_t *r, chain_u128_t *v, const char *field)
{
    const uint8_t *p = rd_take(r, 16, field);
    if (!p)
        return false;
    *v = chain_u128_get(p);
    return true;
}

bool rd_bytes(rd_t *r, void *out, size_t k, const char *field)
{
    const uint8_t *p = rd_take(r, k, field);
    if (!p)
        return false;
    memcpy(out, p, k);
    return true;
}

bool rd_end(rd_t *r)
{
    if (r->failed)
        return false;
    if (r->off != r->n)
        return rd_fail(r, "%zu trailing bytes at offset %zu", r->n - r->off, r->off);
    return true;
}

/* ---- JSON helpers ---- */

json_t *jhex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    hex_encode(p, n, s);
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *ju128(chain_u128_t v)
{
    char s[CHAIN_U128_STR_MAX];
    chain_u128_format(v, s);
    return json_string(s);
}

json_t *ju64(uint64_t v)
{
    return v <= INT64_MAX ? json_integer((json_int_t)v) : cjson_u64(v);
}

/* ---- account / utxo values ---- */

void chain_account_encode(const chain_account_t *a, uint8_t out[CHAIN_ACCOUNT_BYTES])
{
    chain_u128_put(out, a->balance);
    store_le64(out + 16, a->nonce);
}

int chain_account_decode(const uint8_t *in, size_t n, chain_account_t *out, err_t *e)
{
    if (n != CHAIN_ACCOUNT_BYTES)
        return err_set(e, CHAIN_EINVAL, "account: %zu bytes, expected %d", n, CHAIN_ACCOUNT_BYTES);
    out->balance = chain_u128_get(in);
    out->nonce = load_le64(in + 16);
    return 0;
}

void chain_utxo_encode(const chain_utxo_t *u, uint8_t out[CHAIN_UTXO_BYTES])
{
    memcpy(out, u->owner.b, CHAIN_ADDR_BYTES);
    chain_u128_put(out + CHAIN_ADDR_BYTES, u->amount);
}

int chain_utxo_decode(const uint8_t *in, size_t n, chain_utxo_t *out, err_t *e)
{
    if (n != CHAIN_UTXO_BYTES)
        return err_set(e, CHAIN_EINVAL, "utxo: %zu bytes, expected %d", n, CHAIN_UTXO_BYTES);
    memcpy(out->owner.b, in, CHAIN_ADDR_BYTES);
    out->amount = chain_u128_get(in + CHAIN_ADDR_BYTES);
    if (chain_u128_is_zero(out->amount))
        return err_set(e, CHAIN_EINVAL, "utxo: zero amount");
    return 0;
}

int chain_utxo_id_cmp(const chain_utxo_id_t *a, const chain_utxo_id_t *b)
{
    int c = memcmp(a->tx_hash.b, b->tx_hash.b, CHAIN_HASH_BYTES);
    if (c)
        return c < 0 ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return 0;
}

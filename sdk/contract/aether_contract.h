/*
 * Aether contract SDK for C: the host ABI (module "env", documented with its
 * gas costs in src/chain/exec/exec.h) and small helpers for storage of u128
 * values, maps keyed by address, input decoding and events.
 *
 * A contract is one C file that includes this header and defines
 *   AEC_EXPORT("call") int call(void)    0 = success, else the run reverts
 *   AEC_EXPORT("init") int init(void)    optional, run once at deploy
 * and is built with aether_contract() (sdk/contract/AetherContract.cmake):
 *   clang --target=wasm32 -nostdlib -O2 ... -Wl,--no-entry (wasm-ld).
 * No libc: this header provides memcpy/memset/memcmp (the compiler may call
 * them for struct copies).
 *
 * Example (a counter):
 *   #include "aether_contract.h"
 *   AEC_EXPORT("call") int call(void) {
 *       aec_u128 n = aec_load_u128("n", 1);
 *       aec_store_u128("n", 1, n + 1);
 *       aec_return_u128(n + 1);
 *       return 0;
 *   }
 * sdk/contract/examples/aic_token.c is a complete contract.
 */
#ifndef AETHER_CONTRACT_H
#define AETHER_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#define AEC_IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define AEC_EXPORT(name) __attribute__((export_name(name)))

typedef unsigned __int128 aec_u128;
typedef struct aec_addr {
    uint8_t b[20];
} aec_addr;

/* ---- the host ABI (exec.h lists semantics and gas) ---- */
AEC_IMPORT("storage_read") int32_t aec_storage_read(const void *key, int32_t klen, void *val);
AEC_IMPORT("storage_write")
int32_t aec_storage_write(const void *key, int32_t klen, const void *val, int32_t vlen);
AEC_IMPORT("storage_remove") int32_t aec_storage_remove(const void *key, int32_t klen);
AEC_IMPORT("emit_log") int32_t aec_emit_log(const void *data, int32_t len);
AEC_IMPORT("emit_event")
int32_t aec_emit_event(const void *topic32, const void *data, int32_t len);
AEC_IMPORT("set_return") int32_t aec_set_return(const void *data, int32_t len);
AEC_IMPORT("block_number") int64_t aec_block_number(void);
AEC_IMPORT("timestamp") int64_t aec_timestamp(void);
AEC_IMPORT("caller") void aec_caller_into(void *out20);
AEC_IMPORT("self_address") void aec_self_into(void *out20);
AEC_IMPORT("call_value") void aec_call_value_into(void *out16);
AEC_IMPORT("input_len") int32_t aec_input_len(void);
AEC_IMPORT("input") int32_t aec_input_into(void *out);
AEC_IMPORT("sha256") void aec_sha256(const void *data, int32_t len, void *out32);
AEC_IMPORT("revert") void aec_revert_raw(const void *reason, int32_t len);
AEC_IMPORT("balance") void aec_balance_into(const void *addr20, void *out16);
AEC_IMPORT("transfer") int32_t aec_transfer_raw(const void *addr20, const void *amount16);
AEC_IMPORT("call_contract")
int32_t aec_call_contract_raw(const void *addr20, const void *input, int32_t len,
                              const void *value16, int64_t gas_limit);
AEC_IMPORT("return_data_size") int32_t aec_return_data_size(void);
AEC_IMPORT("return_data_copy") void aec_return_data_copy(void *dst, int32_t offset, int32_t len);

/* ---- freestanding basics ---- */
__attribute__((weak)) void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
__attribute__((weak)) void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}
__attribute__((weak)) int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p < *q ? -1 : 1;
    return 0;
}

/* 128-bit integer builtins. clang lowers u128 multiply, divide, remainder
 * and variable shifts on wasm32 to calls of these compiler-rt functions,
 * which -nostdlib does not link: the SDK provides them (weak, on 64-bit
 * halves only, so they never call themselves). */
typedef union aec_u128_parts {
    unsigned __int128 v;
    struct {
        uint64_t lo, hi;   /* wasm is little-endian */
    } p;
} aec_u128_parts;

static inline unsigned __int128 aec__u128_make(uint64_t hi, uint64_t lo)
{
    aec_u128_parts x;
    x.p.lo = lo;
    x.p.hi = hi;
    return x.v;
}

/* 64 x 64 -> 128 from 32-bit halves. */
static inline void aec__mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

__attribute__((weak)) __int128 __multi3(__int128 a, __int128 b)
{
    aec_u128_parts x, y;
    x.v = (unsigned __int128)a;
    y.v = (unsigned __int128)b;
    uint64_t hi, lo;
    aec__mul64(x.p.lo, y.p.lo, &hi, &lo);
    hi += x.p.hi * y.p.lo + x.p.lo * y.p.hi;
    return (__int128)aec__u128_make(hi, lo);
}

__attribute__((weak)) __int128 __ashlti3(__int128 a, int n)
{
    aec_u128_parts x;
    x.v = (unsigned __int128)a;
    n &= 127;
    if (n == 0)
        return a;
    if (n >= 64)
        return (__int128)aec__u128_make(x.p.lo << (n - 64), 0);
    return (__int128)aec__u128_make((x.p.hi << n) | (x.p.lo >> (64 - n)), x.p.lo << n);
}

__attribute__((weak)) __int128 __lshrti3(__int128 a, int n)
{
    aec_u128_parts x;
    x.v = (unsigned __int128)a;
    n &= 127;
    if (n == 0)
        return a;
    if (n >= 64)
        return (__int128)aec__u128_make(0, x.p.hi >> (n - 64));
    return (__int128)aec__u128_make(x.p.hi >> n, (x.p.lo >> n) | (x.p.hi << (64 - n)));
}

/* Unsigned 128-bit division by shift and subtract (128 steps). The caller
 * checks d != 0 (the SDK's helpers revert on it). */
static inline void aec__udivmod128(uint64_t nh, uint64_t nl, uint64_t dh, uint64_t dl,
                                   uint64_t *qh, uint64_t *ql, uint64_t *rh, uint64_t *rl)
{
    uint64_t qhi = 0, qlo = 0, rhi = 0, rlo = 0;
    for (int i = 127; i >= 0; i--) {
        rhi = (rhi << 1) | (rlo >> 63);
        rlo = (rlo << 1) | ((i >= 64 ? nh >> (i - 64) : nl >> i) & 1);
        if (rhi > dh || (rhi == dh && rlo >= dl)) {
            uint64_t borrow = rlo < dl;
            rlo -= dl;
            rhi -= dh + borrow;
            if (i >= 64)
                qhi |= 1ull << (i - 64);
            else
                qlo |= 1ull << i;
        }
    }
    *qh = qhi, *ql = qlo, *rh = rhi, *rl = rlo;
}

static inline unsigned __int128 aec__divmod(unsigned __int128 a, unsigned __int128 b, int rem)
{
    aec_u128_parts x, y;
    x.v = a;
    y.v = b;
    if (y.p.hi == 0 && y.p.lo == 0)
        __builtin_trap();
    uint64_t qh, ql, rh, rl;
    aec__udivmod128(x.p.hi, x.p.lo, y.p.hi, y.p.lo, &qh, &ql, &rh, &rl);
    return rem ? aec__u128_make(rh, rl) : aec__u128_make(qh, ql);
}

__attribute__((weak)) unsigned __int128 __udivti3(unsigned __int128 a, unsigned __int128 b)
{
    return aec__divmod(a, b, 0);
}

__attribute__((weak)) unsigned __int128 __umodti3(unsigned __int128 a, unsigned __int128 b)
{
    return aec__divmod(a, b, 1);
}

static inline size_t aec_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* Ends the run: every write and log of it is undone; reason is reported
 * in the receipt. Never returns. */
static inline __attribute__((noreturn)) void aec_revert(const char *reason)
{
    aec_revert_raw(reason, (int32_t)aec_strlen(reason));
    __builtin_unreachable();
}
#define AEC_REQUIRE(cond, reason)                                                          \
    do {                                                                                   \
        if (!(cond))                                                                       \
            aec_revert(reason);                                                            \
    } while (0)

/* ---- context ---- */
static inline aec_addr aec_caller(void)
{
    aec_addr a;
    aec_caller_into(a.b);
    return a;
}
static inline aec_addr aec_self(void)
{
    aec_addr a;
    aec_self_into(a.b);
    return a;
}
static inline int aec_addr_eq(const aec_addr *a, const aec_addr *b)
{
    return memcmp(a->b, b->b, 20) == 0;
}

/* ---- u128 (16 bytes little-endian, as the chain encodes amounts) ---- */
static inline void aec_u128_put(uint8_t out[16], aec_u128 v)
{
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}
static inline aec_u128 aec_u128_get(const uint8_t in[16])
{
    aec_u128 v = 0;
    for (int i = 15; i >= 0; i--)
        v = (v << 8) | in[i];
    return v;
}
static inline aec_u128 aec_call_value(void)
{
    uint8_t v[16];
    aec_call_value_into(v);
    return aec_u128_get(v);
}

/* ---- value and other contracts ---- */
/* The balance of a as this transaction sees it. */
static inline aec_u128 aec_balance(const aec_addr *a)
{
    uint8_t v[16];
    aec_balance_into(a->b, v);
    return aec_u128_get(v);
}
/* Pays amount from this contract to `to`; 1 done, 0 balance short. */
static inline int aec_transfer(const aec_addr *to, aec_u128 amount)
{
    uint8_t v[16];
    aec_u128_put(v, amount);
    return aec_transfer_raw(to->b, v);
}
/* Calls contract `to` synchronously (its "call" entry) with input, value
 * and a gas limit (0 = all but 1/64 of what is left). 1 when it succeeded,
 * 0 when it failed (its effects are undone) or does not exist; its
 * set_return data is then in aec_return_data_*. */
static inline int aec_call(const aec_addr *to, const void *input, int32_t len, aec_u128 value,
                           int64_t gas_limit)
{
    uint8_t v[16];
    aec_u128_put(v, value);
    return aec_call_contract_raw(to->b, input, len, v, gas_limit);
}

/* ---- storage ---- */
/* A missing key reads as 0. A stored value that is not 16 bytes reverts. */
static inline aec_u128 aec_load_u128(const void *key, int32_t klen)
{
    uint8_t v[16];
    int32_t n = aec_storage_read(key, klen, v);
    if (n == 0)
        return 0;
    AEC_REQUIRE(n == 16, "storage: value is not a u128");
    return aec_u128_get(v);
}
/* Stores v; 0 removes the key (so zero balances cost no state). */
static inline void aec_store_u128(const void *key, int32_t klen, aec_u128 v)
{
    if (v == 0) {
        aec_storage_remove(key, klen);
        return;
    }
    uint8_t b[16];
    aec_u128_put(b, v);
    AEC_REQUIRE(aec_storage_write(key, klen, b, 16) == 0, "storage: write refused");
}

/* Maps: key = one prefix byte (the map's id) ‖ its fixed-size parts
 * (addresses, u64 ids, 32-byte hashes) — fixed size per map, so keys of
 * different maps never collide. Build with aec_key_new and the aec_key_*
 * appenders, or the shortcuts aec_map_key / aec_map_key2. */
#define AEC_KEY_MAX 96
typedef struct aec_key {
    uint8_t b[AEC_KEY_MAX];
    int32_t len;
} aec_key;
static inline aec_key aec_key_new(uint8_t map)
{
    aec_key k;
    k.b[0] = map;
    k.len = 1;
    return k;
}
static inline void aec_key_bytes(aec_key *k, const void *p, int32_t n)
{
    AEC_REQUIRE(n >= 0 && k->len + n <= AEC_KEY_MAX, "storage: key too long");
    memcpy(k->b + k->len, p, (size_t)n);
    k->len += n;
}
static inline void aec_key_addr(aec_key *k, const aec_addr *a)
{
    aec_key_bytes(k, a->b, 20);
}
static inline void aec_key_u64(aec_key *k, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    aec_key_bytes(k, b, 8);
}
static inline aec_key aec_map_key(uint8_t map, const aec_addr *a)
{
    aec_key k = aec_key_new(map);
    aec_key_addr(&k, a);
    return k;
}
static inline aec_key aec_map_key2(uint8_t map, const aec_addr *a, const aec_addr *b)
{
    aec_key k = aec_map_key(map, a);
    aec_key_addr(&k, b);
    return k;
}
/* u128 and u64 values under a key (missing = 0; zero removes the key). */
static inline aec_u128 aec_map_get(const aec_key *k)
{
    return aec_load_u128(k->b, k->len);
}
static inline void aec_map_set(const aec_key *k, aec_u128 v)
{
    aec_store_u128(k->b, k->len, v);
}
static inline uint64_t aec_load_u64(const void *key, int32_t klen)
{
    uint8_t v[8];
    int32_t n = aec_storage_read(key, klen, v);
    if (n == 0)
        return 0;
    AEC_REQUIRE(n == 8, "storage: value is not a u64");
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | v[i];
    return x;
}
static inline void aec_store_u64(const void *key, int32_t klen, uint64_t v)
{
    if (v == 0) {
        aec_storage_remove(key, klen);
        return;
    }
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    AEC_REQUIRE(aec_storage_write(key, klen, b, 8) == 0, "storage: write refused");
}

/* A re-entrancy guard in storage (map id 0xff): enter reverts with
 * "reentrant call" while the contract is inside an earlier guarded call of
 * the same transaction (a callee that calls back in). */
static inline void aec_nonreentrant_enter(void)
{
    static const uint8_t k[2] = {0xff, 'L'};
    uint8_t v[1];
    AEC_REQUIRE(aec_storage_read(k, 2, v) == 0, "reentrant call");
    v[0] = 1;
    AEC_REQUIRE(aec_storage_write(k, 2, v, 1) == 0, "storage: write refused");
}
static inline void aec_nonreentrant_exit(void)
{
    static const uint8_t k[2] = {0xff, 'L'};
    aec_storage_remove(k, 2);
}

/* ---- 256-bit products for u128 arithmetic ---- */
typedef struct aec_u256 {
    aec_u128 hi, lo;
} aec_u256;
/* a * b exactly. */
static inline aec_u256 aec_mul_full(aec_u128 a, aec_u128 b)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64), b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    aec_u128 p00 = (aec_u128)a0 * b0, p01 = (aec_u128)a0 * b1, p10 = (aec_u128)a1 * b0,
             p11 = (aec_u128)a1 * b1;
    aec_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    aec_u256 r;
    r.lo = (mid << 64) | (uint64_t)p00;
    r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    return r;
}
static inline int aec_u256_cmp(aec_u256 a, aec_u256 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}
/* floor(a * b / c); reverts when c is 0 or the result does not fit u128. */
static inline aec_u128 aec_mul_div(aec_u128 a, aec_u128 b, aec_u128 c)
{
    AEC_REQUIRE(c != 0, "math: division by zero");
    aec_u256 n = aec_mul_full(a, b);
    AEC_REQUIRE(n.hi < c, "math: result overflows u128");
    /* long division of the 256-bit n by c: the quotient fits 128 bits */
    aec_u128 r = n.hi, q = 0;
    for (int i = 127; i >= 0; i--) {
        int carry = (int)(r >> 127);
        r = (r << 1) | ((n.lo >> i) & 1);
        q <<= 1;
        if (carry || r >= c) {
            r -= c;
            q |= 1;
        }
    }
    return q;
}
/* floor(sqrt(n)) of a 256-bit n (bit by bit, 128 steps). */
static inline aec_u128 aec_isqrt256(aec_u256 n)
{
    aec_u128 r = 0;
    for (int i = 127; i >= 0; i--) {
        aec_u128 c = r | ((aec_u128)1 << i);
        if (aec_u256_cmp(aec_mul_full(c, c), n) <= 0)
            r = c;
    }
    return r;
}

/* ---- input decoding: a cursor over the call's input ---- */
#define AEC_INPUT_MAX 4096
typedef struct aec_input {
    uint8_t buf[AEC_INPUT_MAX];
    int32_t len, off;
} aec_input;
static inline void aec_input_load(aec_input *in)
{
    in->len = aec_input_len();
    AEC_REQUIRE(in->len <= AEC_INPUT_MAX, "input: too long");
    aec_input_into(in->buf);
    in->off = 0;
}
static inline uint8_t aec_input_u8(aec_input *in)
{
    AEC_REQUIRE(in->off + 1 <= in->len, "input: truncated");
    return in->buf[in->off++];
}
static inline aec_addr aec_input_addr(aec_input *in)
{
    aec_addr a;
    AEC_REQUIRE(in->off + 20 <= in->len, "input: truncated address");
    memcpy(a.b, in->buf + in->off, 20);
    in->off += 20;
    return a;
}
static inline aec_u128 aec_input_u128(aec_input *in)
{
    AEC_REQUIRE(in->off + 16 <= in->len, "input: truncated u128");
    aec_u128 v = aec_u128_get(in->buf + in->off);
    in->off += 16;
    return v;
}
static inline uint64_t aec_input_u64(aec_input *in)
{
    AEC_REQUIRE(in->off + 8 <= in->len, "input: truncated u64");
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | in->buf[in->off + i];
    in->off += 8;
    return v;
}
/* The next n bytes (a pointer into the cursor's buffer). */
static inline const uint8_t *aec_input_bytes(aec_input *in, int32_t n)
{
    AEC_REQUIRE(n >= 0 && in->off + n <= in->len, "input: truncated bytes");
    const uint8_t *p = in->buf + in->off;
    in->off += n;
    return p;
}
/* Whatever is left: a pointer and *n. */
static inline const uint8_t *aec_input_rest(aec_input *in, int32_t *n)
{
    *n = in->len - in->off;
    return aec_input_bytes(in, *n);
}
static inline void aec_input_end(aec_input *in)
{
    AEC_REQUIRE(in->off == in->len, "input: trailing bytes");
}

/* ---- results and events ---- */
static inline void aec_return_u128(aec_u128 v)
{
    uint8_t b[16];
    aec_u128_put(b, v);
    aec_set_return(b, 16);
}
/* A byte builder for call inputs, return data and event data. */
#define AEC_BUF_MAX 1024
typedef struct aec_buf {
    uint8_t b[AEC_BUF_MAX];
    int32_t len;
} aec_buf;
static inline void aec_buf_bytes(aec_buf *o, const void *p, int32_t n)
{
    AEC_REQUIRE(n >= 0 && o->len + n <= AEC_BUF_MAX, "buffer: too long");
    memcpy(o->b + o->len, p, (size_t)n);
    o->len += n;
}
static inline void aec_buf_u8(aec_buf *o, uint8_t v)
{
    aec_buf_bytes(o, &v, 1);
}
static inline void aec_buf_addr(aec_buf *o, const aec_addr *a)
{
    aec_buf_bytes(o, a->b, 20);
}
static inline void aec_buf_u128(aec_buf *o, aec_u128 v)
{
    uint8_t b[16];
    aec_u128_put(b, v);
    aec_buf_bytes(o, b, 16);
}
static inline void aec_buf_u64(aec_buf *o, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    aec_buf_bytes(o, b, 8);
}
/* What the last aec_call returned, as a u128 (reverts unless 16 bytes). */
static inline aec_u128 aec_return_data_u128(void)
{
    AEC_REQUIRE(aec_return_data_size() == 16, "call: return data is not a u128");
    uint8_t b[16];
    aec_return_data_copy(b, 0, 16);
    return aec_u128_get(b);
}

/* An event: topic = SHA-256(name), data as given. */
static inline void aec_event(const char *name, const void *data, int32_t len)
{
    uint8_t topic[32];
    aec_sha256(name, (int32_t)aec_strlen(name), topic);
    AEC_REQUIRE(aec_emit_event(topic, data, len) == 0, "event: refused");
}

#endif /* AETHER_CONTRACT_H */

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

/* Maps: key = one prefix byte (the map's id) ‖ 20-byte address [‖ 20-byte
 * address] — fixed size, so keys of different maps never collide. */
typedef struct aec_key {
    uint8_t b[41];
    int32_t len;
} aec_key;
static inline aec_key aec_map_key(uint8_t map, const aec_addr *a)
{
    aec_key k;
    k.b[0] = map;
    memcpy(k.b + 1, a->b, 20);
    k.len = 21;
    return k;
}
static inline aec_key aec_map_key2(uint8_t map, const aec_addr *a, const aec_addr *b)
{
    aec_key k = aec_map_key(map, a);
    memcpy(k.b + 21, b->b, 20);
    k.len = 41;
    return k;
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
/* An event: topic = SHA-256(name), data as given. */
static inline void aec_event(const char *name, const void *data, int32_t len)
{
    uint8_t topic[32];
    aec_sha256(name, (int32_t)aec_strlen(name), topic);
    AEC_REQUIRE(aec_emit_event(topic, data, len) == 0, "event: refused");
}

#endif /* AETHER_CONTRACT_H */

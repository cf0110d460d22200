/* An in-memory world for contract runtime tests: accounts (balance, code)
 * and contract storage, behind the runtime's callbacks. cw_run runs a call
 * the way the ledger does: the call's value moves from the caller to the
 * contract first, and the run's effects (storage writes, value moves) are
 * applied when it succeeded, undone otherwise. */
#ifndef AETHER_TEST_CONTRACT_WORLD_H
#define AETHER_TEST_CONTRACT_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/exec/exec.h"

typedef struct cw cw_t;

cw_t *cw_new(void);
void cw_free(cw_t *w);
/* dir/name.wasm compiled, or NULL (message on stderr). */
chain_contract_t *cw_load(const char *dir, const char *name);
/* Code at a (not owned; NULL removes it). */
void cw_set_code(cw_t *w, const chain_addr_t *a, const chain_contract_t *c);
void cw_set_balance(cw_t *w, const chain_addr_t *a, chain_u128_t v);
chain_u128_t cw_balance(const cw_t *w, const chain_addr_t *a);
/* Committed storage of contract; false when absent. */
bool cw_get(const cw_t *w, const chain_addr_t *contract, const void *key, uint32_t klen,
            uint8_t *val, uint32_t *vlen);
/* The value under key read as a little-endian u64 (0 when absent). */
uint64_t cw_get_u64(const cw_t *w, const chain_addr_t *contract, const char *key);
/* Sum of all balances (value is conserved by every run). */
chain_u128_t cw_total(const cw_t *w);
/* Make storage reads fail with code (0: stop). */
void cw_fail_reads(cw_t *w, int code);
/* Code handed out / handed back so far (equal after every run). */
int cw_code_gets(const cw_t *w);
int cw_code_releases(const cw_t *w);

/* Runs entry of the code at self. -1 (nothing run) when self has no code
 * or caller cannot pay value; otherwise chain_contract_run's code, with *r
 * filled (the caller frees it). block/timestamp: 1 / 1000 unless set. */
int cw_run(cw_t *w, const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
           chain_u128_t value, const uint8_t *in, uint32_t n, uint64_t gas,
           chain_contract_result_t *r);
void cw_set_block(cw_t *w, uint64_t height, uint64_t timestamp_ms);

/* Call inputs built field by field (the SDK's encodings: addresses 20
 * bytes, u64 / u128 little-endian). */
typedef unsigned __int128 cw_u128;
typedef struct cw_msg {
    uint8_t b[512];
    uint32_t n;
} cw_msg_t;
void cw_msg_u8(cw_msg_t *m, uint8_t v);
void cw_msg_addr(cw_msg_t *m, const chain_addr_t *a);
void cw_msg_u64(cw_msg_t *m, uint64_t v);
void cw_msg_u128(cw_msg_t *m, cw_u128 v);
cw_u128 cw_u128_at(const uint8_t *b);   /* 16 bytes LE */

/* cw_run with no value and a msg: the status; the return data copied to
 * ret (when not NULL; up to CW_RET_MAX bytes) with its length in *ret_len,
 * the reason to reason (ERR_MSG_MAX bytes) when not NULL. Aborts when the
 * run itself fails (no code, a callback error). */
#define CW_RET_MAX 128
uint8_t cw_call(cw_t *w, const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
                const cw_msg_t *m, uint64_t gas, uint8_t *ret, uint32_t *ret_len, char *reason);

#endif

/* chain/types private helpers: a bounds-checked reader for the strict
 * decoders and small JSON helpers shared by the codec files. */
#ifndef AETHER_CHAIN_TYPES_INTERNAL_H
#define AETHER_CHAIN_TYPES_INTERNAL_H

#include "types.h"

/* The reader's functions are extern (shared by the codec files), so they
 * carry a module prefix in the object files: a binary that links this
 * module beside src/wasm (whose decoder has rd_u8/rd_u32 of its own) must
 * not see two definitions. */
#define rd_fail chain_rd_fail
#define rd_take chain_rd_take
#define rd_u8 chain_rd_u8
#define rd_u16 chain_rd_u16
#define rd_u32 chain_rd_u32
#define rd_u64 chain_rd_u64
#define rd_u128 chain_rd_u128
#define rd_bytes chain_rd_bytes
#define rd_end chain_rd_end

/* Reader over [p, p+n). Every read checks what remains first; the first
 * failure sets e naming `what` (e.g. "tx") and the field and offset, and all
 * later reads fail too. */
typedef struct rd {
    const uint8_t *p;
    size_t n, off;
    const char *what;
    err_t *e;
    bool failed;
} rd_t;

static inline void rd_init(rd_t *r, const uint8_t *p, size_t n, const char *what, err_t *e)
{
    r->p = p;
    r->n = n;
    r->off = 0;
    r->what = what;
    r->e = e;
    r->failed = false;
}

bool rd_fail(rd_t *r, const char *fmt, ...) BASE_PRINTF(2, 3);
const uint8_t *rd_take(rd_t *r, size_t k, const char *field);
bool rd_u8(rd_t *r, uint8_t *v, const char *field);
bool rd_u16(rd_t *r, uint16_t *v, const char *field);
bool rd_u32(rd_t *r, uint32_t *v, const char *field);
bool rd_u64(rd_t *r, uint64_t *v, const char *field);
bool rd_u128(rd_t *r, chain_u128_t *v, const char *field);
bool rd_bytes(rd_t *r, void *out, size_t k, const char *field);
/* Fails unless every byte was consumed. */
bool rd_end(rd_t *r);

/* JSON helpers: hex strings and decimal u128. */
json_t *jhex(const uint8_t *p, size_t n);
json_t *ju128(chain_u128_t v);
json_t *ju64(uint64_t v);

/* job.c: reads u32 body_len and the body (job or staking kind) at r (strictly parsed), then
 * allocates the tx from head plus the body; NULL with r's error set. */
chain_tx_t *chain_job_tx_decode_body(rd_t *r, const chain_tx_t *head);

#endif

/* chain/consensus private helpers: a bounds-checked reader for the strict
 * decoders, bitmap helpers and the validator set's layout. */
#ifndef AETHER_CHAIN_CONSENSUS_INTERNAL_H
#define AETHER_CHAIN_CONSENSUS_INTERNAL_H

#include "consensus.h"

struct cons_valset {
    const cons_crypto_t *crypto;
    uint32_t n;
    uint64_t total;
    cons_validator_t *v;
    uint64_t *cum;          /* cum[i] = stake of validators 0..i */
    cons_keys_t *keys;
};

/* Reader over [p, p+n): every read checks what remains; the first failure
 * sets e naming `what`, the field and the offset, and later reads fail. */
typedef struct crd {
    const uint8_t *p;
    size_t n, off;
    const char *what;
    err_t *e;
    bool failed;
} crd_t;

void crd_init(crd_t *r, const uint8_t *p, size_t n, const char *what, err_t *e);
bool crd_fail(crd_t *r, const char *fmt, ...) BASE_PRINTF(2, 3);
const uint8_t *crd_take(crd_t *r, size_t k, const char *field);
bool crd_u8(crd_t *r, uint8_t *v, const char *field);
bool crd_u32(crd_t *r, uint32_t *v, const char *field);
bool crd_u64(crd_t *r, uint64_t *v, const char *field);
bool crd_bytes(crd_t *r, void *out, size_t k, const char *field);
bool crd_end(crd_t *r);

/* Sub-decoders reading from a shared reader. */
bool crd_qc(crd_t *r, cons_qc_t *qc);
bool crd_tc(crd_t *r, cons_tc_t *tc);
bool crd_header(crd_t *r, cons_header_t *h);
cons_block_t *crd_block(crd_t *r);
void cons_put_qc(buf_t *b, const cons_qc_t *qc);
void cons_put_tc(buf_t *b, const cons_tc_t *tc);
void cons_put_header(buf_t *b, const cons_header_t *h);
void cons_put_block(buf_t *b, const cons_block_t *blk);

static inline bool bm_get(const uint8_t *bm, uint32_t i)
{
    return (bm[i / 8] >> (i % 8)) & 1;
}
static inline void bm_set(uint8_t *bm, uint32_t i)
{
    bm[i / 8] |= (uint8_t)(1u << (i % 8));
}
static inline uint32_t bm_bytes(uint32_t n)
{
    return (n + 7) / 8;
}

static inline void le64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Signer bitmap of a QC/TC against vs: right length, no bits past n, >= 1
 * signer; sums the stake. */
int cons_bitmap_check(const cons_valset_t *vs, uint32_t nb, const uint8_t *bm, uint64_t *stake,
                      uint32_t *count, const char *what, err_t *e);

#endif

/* chain/consensus codec: the canonical encodings of QCs, TCs, block headers,
 * blocks, votes and evidence (layouts in consensus.h), the signed messages,
 * and strict decoders whose errors name the field and the byte offset. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader ---- */

void crd_init(crd_t *r, const uint8_t *p, size_t n, const char *what, err_t *e)
{
    r->p = p;
    r->n = n;
    r->off = 0;
    r->what = what;
    r->e = e;
    r->failed = false;
}

bool crd_fail(crd_t *r, const char *fmt, ...)
{
    if (!r->failed) {
        char m[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof m, fmt, ap);
        va_end(ap);
        err_set(r->e, CONS_EINVAL, "consensus: %s: %s at offset %zu", r->what, m, r->off);
    }
    r->failed = true;
    return false;
}

const uint8_t *crd_take(crd_t *r, size_t k, const char *field)
{
    if (r->failed)
        return NULL;
    if (k > r->n - r->off) {
        crd_fail(r, "%s truncated (need %zu bytes, %zu left)", field, k, r->n - r->off);
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += k;
    return p;
}

bool crd_u8(crd_t *r, uint8_t *v, const char *field)
{
    const uint8_t *p = crd_take(r, 1, field);
    if (!p)
        return false;
    *v = p[0];
    return true;
}

bool crd_u32(crd_t *r, uint32_t *v, const char *field)
{
    const uint8_t *p = crd_take(r, 4, field);
    if (!p)
        return false;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return true;
}

bool crd_u64(crd_t *r, uint64_t *v, const char *field)
{
    const uint8_t *p = crd_take(r, 8, field);
    if (!p)
        return false;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | p[i];
    *v = x;
    return true;
}

bool crd_bytes(crd_t *r, void *out, size_t k, const char *field)
{
    const uint8_t *p = crd_take(r, k, field);
    if (!p)
        return false;
    memcpy(out, p, k);
    return true;
}

bool crd_end(crd_t *r)
{
    if (r->failed)
        return false;
    if (r->off != r->n)
        return crd_fail(r, "%zu trailing bytes", r->n - r->off);
    return true;
}

/* ---- QC / TC ---- */

static bool crd_bitmap(crd_t *r, uint32_t *nb, uint8_t *bm)
{
    if (!crd_u32(r, nb, "bitmap length"))
        return false;
    if (*nb > CONS_BITMAP_BYTES)
        return crd_fail(r, "bitmap length %u over %u", *nb, CONS_BITMAP_BYTES);
    memset(bm, 0, CONS_BITMAP_BYTES);
    return crd_bytes(r, bm, *nb, "bitmap");
}

bool crd_qc(crd_t *r, cons_qc_t *qc)
{
    memset(qc, 0, sizeof *qc);
    return crd_u64(r, &qc->round, "qc round") && crd_bytes(r, qc->block_id.b, 32, "qc block id") &&
           crd_bitmap(r, &qc->nb, qc->bitmap) && crd_bytes(r, qc->sig, CONS_SIG_BYTES, "qc sig");
}

bool crd_tc(crd_t *r, cons_tc_t *tc)
{
    memset(tc, 0, sizeof *tc);
    if (!crd_u64(r, &tc->round, "tc round") || !crd_bitmap(r, &tc->nb, tc->bitmap) ||
        !crd_u32(r, &tc->n, "tc signer count"))
        return false;
    uint32_t pop = 0;
    for (uint32_t i = 0; i < tc->nb * 8; i++)
        pop += bm_get(tc->bitmap, i);
    if (tc->n != pop)
        return crd_fail(r, "tc signer count %u but %u bits set", tc->n, pop);
    for (uint32_t i = 0; i < tc->n; i++)
        if (!crd_u64(r, &tc->hqc_rounds[i], "tc hqc round"))
            return false;
    return crd_bytes(r, tc->sig, CONS_SIG_BYTES, "tc sig") && crd_qc(r, &tc->high_qc);
}

void cons_put_qc(buf_t *b, const cons_qc_t *qc)
{
    buf_append_u64_le(b, qc->round);
    buf_append(b, qc->block_id.b, 32);
    buf_append_u32_le(b, qc->nb);
    buf_append(b, qc->bitmap, qc->nb);
    buf_append(b, qc->sig, CONS_SIG_BYTES);
}

void cons_put_tc(buf_t *b, const cons_tc_t *tc)
{
    buf_append_u64_le(b, tc->round);
    buf_append_u32_le(b, tc->nb);
    buf_append(b, tc->bitmap, tc->nb);
    buf_append_u32_le(b, tc->n);
    for (uint32_t i = 0; i < tc->n; i++)
        buf_append_u64_le(b, tc->hqc_rounds[i]);
    buf_append(b, tc->sig, CONS_SIG_BYTES);
    cons_put_qc(b, &tc->high_qc);
}

static int finish(buf_t *out)
{
    return buf_ok(out) ? CONS_OK : CONS_ENOMEM;
}

int cons_qc_encode(const cons_qc_t *qc, buf_t *out)
{
    if (!qc || !out || qc->nb > CONS_BITMAP_BYTES)
        return CONS_EINVAL;
    cons_put_qc(out, qc);
    return finish(out);
}

int cons_qc_decode(const uint8_t *in, size_t n, cons_qc_t *out, err_t *e)
{
    crd_t r;
    crd_init(&r, in, n, "qc", e);
    return crd_qc(&r, out) && crd_end(&r) ? CONS_OK : CONS_EINVAL;
}

int cons_tc_encode(const cons_tc_t *tc, buf_t *out)
{
    if (!tc || !out || tc->nb > CONS_BITMAP_BYTES || tc->n > CONS_MAX_VALIDATORS)
        return CONS_EINVAL;
    cons_put_tc(out, tc);
    return finish(out);
}

int cons_tc_decode(const uint8_t *in, size_t n, cons_tc_t *out, err_t *e)
{
    crd_t r;
    crd_init(&r, in, n, "tc", e);
    return crd_tc(&r, out) && crd_end(&r) ? CONS_OK : CONS_EINVAL;
}

/* ---- headers and blocks ---- */

void cons_put_header(buf_t *b, const cons_header_t *h)
{
    buf_append_u32_le(b, h->version);
    buf_append_u64_le(b, h->chain_id);
    buf_append_u64_le(b, h->round);
    buf_append_u64_le(b, h->height);
    buf_append_u32_le(b, h->proposer);
    cons_put_qc(b, &h->qc);
    buf_append(b, h->payload_hash.b, 32);
    buf_append(b, h->vrf_proof, CONS_VRF_PROOF_BYTES);
}

bool crd_header(crd_t *r, cons_header_t *h)
{
    memset(h, 0, sizeof *h);
    if (!crd_u32(r, &h->version, "version"))
        return false;
    if (h->version != CONS_BLOCK_VERSION)
        return crd_fail(r, "unknown block version %u", h->version);
    return crd_u64(r, &h->chain_id, "chain id") && crd_u64(r, &h->round, "round") &&
           crd_u64(r, &h->height, "height") && crd_u32(r, &h->proposer, "proposer") &&
           crd_qc(r, &h->qc) && crd_bytes(r, h->payload_hash.b, 32, "payload hash") &&
           crd_bytes(r, h->vrf_proof, CONS_VRF_PROOF_BYTES, "vrf proof");
}

int cons_header_encode(const cons_header_t *h, buf_t *out)
{
    if (!h || !out || h->qc.nb > CONS_BITMAP_BYTES)
        return CONS_EINVAL;
    cons_put_header(out, h);
    return finish(out);
}

int cons_header_decode(const uint8_t *in, size_t n, cons_header_t *out, err_t *e)
{
    crd_t r;
    crd_init(&r, in, n, "header", e);
    return crd_header(&r, out) && crd_end(&r) ? CONS_OK : CONS_EINVAL;
}

void cons_header_id(const cons_header_t *h, chain_hash_t *out)
{
    buf_t b;
    buf_init(&b, 0);
    cons_put_header(&b, h);
    if (buf_ok(&b))
        crypto_sha256(b.data, b.len, out->b);
    else   /* out of memory for ~350 bytes: an id no block can have */
        memset(out->b, 0xff, sizeof out->b);
    buf_free(&b);
}

void cons_put_block(buf_t *b, const cons_block_t *blk)
{
    cons_put_header(b, &blk->h);
    buf_append(b, blk->sig, CONS_SIG_BYTES);
    buf_append_u32_le(b, blk->payload_len);
    buf_append(b, blk->payload, blk->payload_len);
}

int cons_block_encode(const cons_block_t *blk, buf_t *out)
{
    if (!blk || !out || blk->h.qc.nb > CONS_BITMAP_BYTES)
        return CONS_EINVAL;
    cons_put_block(out, blk);
    return finish(out);
}

cons_block_t *crd_block(crd_t *r)
{
    cons_block_t *b = calloc(1, sizeof *b);
    if (!b) {
        crd_fail(r, "out of memory");
        return NULL;
    }
    uint32_t len = 0;
    if (!crd_header(r, &b->h) || !crd_bytes(r, b->sig, CONS_SIG_BYTES, "proposer sig") ||
        !crd_u32(r, &len, "payload length"))
        goto fail;
    if (len > CONS_MAX_PAYLOAD) {
        crd_fail(r, "payload length %u over %u", len, (unsigned)CONS_MAX_PAYLOAD);
        goto fail;
    }
    const uint8_t *p = crd_take(r, len, "payload");
    if (!p)
        goto fail;
    b->payload = malloc(len ? len : 1);
    if (!b->payload) {
        crd_fail(r, "out of memory");
        goto fail;
    }
    memcpy(b->payload, p, len);
    b->payload_len = len;
    chain_hash_t ph;
    crypto_sha256(b->payload, len, ph.b);
    if (!chain_hash_equal(&ph, &b->h.payload_hash)) {
        crd_fail(r, "payload does not match the header's payload hash");
        goto fail;
    }
    cons_header_id(&b->h, &b->id);
    return b;
fail:
    cons_block_free(b);
    return NULL;
}

cons_block_t *cons_block_decode(const uint8_t *in, size_t n, err_t *e)
{
    crd_t r;
    crd_init(&r, in, n, "block", e);
    cons_block_t *b = crd_block(&r);
    if (b && !crd_end(&r)) {
        cons_block_free(b);
        return NULL;
    }
    return b;
}

void cons_block_free(cons_block_t *b)
{
    if (!b)
        return;
    free(b->payload);
    free(b);
}

int cons_vote_encode(const cons_vote_t *v, buf_t *out)
{
    if (!v || !out)
        return CONS_EINVAL;
    buf_append_byte(out, CONS_MSG_VOTE);
    buf_append_u64_le(out, v->round);
    buf_append(out, v->block_id.b, 32);
    buf_append_u32_le(out, v->voter);
    buf_append(out, v->sig, CONS_SIG_BYTES);
    return finish(out);
}

/* ---- evidence ---- */

int cons_evidence_encode(const cons_evidence_t *ev, buf_t *out)
{
    if (!ev || !out)
        return CONS_EINVAL;
    buf_append_byte(out, CONS_MSG_EVIDENCE);
    buf_append_byte(out, ev->kind);
    buf_append_u32_le(out, ev->validator);
    for (int i = 0; i < 2; i++) {
        if (ev->kind == CONS_EVIDENCE_VOTES) {
            buf_append_u64_le(out, ev->votes[i].round);
            buf_append(out, ev->votes[i].block_id.b, 32);
            buf_append(out, ev->votes[i].sig, CONS_SIG_BYTES);
        } else if (ev->kind == CONS_EVIDENCE_PROPOSALS) {
            buf_t h;
            buf_init(&h, 0);
            cons_put_header(&h, &ev->headers[i]);
            buf_append_u32_le(out, buf_ok(&h) ? (uint32_t)h.len : 0);
            buf_append(out, h.data, h.len);
            buf_append(out, ev->header_sigs[i], CONS_SIG_BYTES);
            if (!buf_ok(&h))
                out->failed = true;
            buf_free(&h);
        } else {
            return CONS_EINVAL;
        }
    }
    return finish(out);
}

/* Decodes the body after the kind byte CONS_MSG_EVIDENCE... or with it:
 * accepts both the full message and the bare body. */
int cons_evidence_decode(const uint8_t *in, size_t n, cons_evidence_t *out, err_t *e)
{
    crd_t r;
    crd_init(&r, in, n, "evidence", e);
    memset(out, 0, sizeof *out);
    uint8_t mk = 0;
    if (!crd_u8(&r, &mk, "message kind"))
        return CONS_EINVAL;
    if (mk != CONS_MSG_EVIDENCE)
        return crd_fail(&r, "message kind %u is not evidence", mk), CONS_EINVAL;
    if (!crd_u8(&r, &out->kind, "kind") || !crd_u32(&r, &out->validator, "validator"))
        return CONS_EINVAL;
    if (out->kind != CONS_EVIDENCE_VOTES && out->kind != CONS_EVIDENCE_PROPOSALS)
        return crd_fail(&r, "unknown evidence kind %u", out->kind), CONS_EINVAL;
    for (int i = 0; i < 2; i++) {
        if (out->kind == CONS_EVIDENCE_VOTES) {
            out->votes[i].voter = out->validator;
            if (!crd_u64(&r, &out->votes[i].round, "vote round") ||
                !crd_bytes(&r, out->votes[i].block_id.b, 32, "vote block id") ||
                !crd_bytes(&r, out->votes[i].sig, CONS_SIG_BYTES, "vote sig"))
                return CONS_EINVAL;
        } else {
            uint32_t len = 0;
            if (!crd_u32(&r, &len, "header length"))
                return CONS_EINVAL;
            size_t start = r.off;
            if (!crd_header(&r, &out->headers[i]))
                return CONS_EINVAL;
            if (r.off - start != len)
                return crd_fail(&r, "header length %u but header is %zu bytes", len,
                                r.off - start), CONS_EINVAL;
            if (!crd_bytes(&r, out->header_sigs[i], CONS_SIG_BYTES, "header sig"))
                return CONS_EINVAL;
        }
    }
    return crd_end(&r) ? CONS_OK : CONS_EINVAL;
}

/* ---- signed messages ---- */

static size_t domain(uint8_t *out, const char *d)
{
    size_t n = strlen(d);
    memcpy(out, d, n);
    return n;
}

size_t cons_vote_msg(uint64_t chain_id, uint64_t round, const chain_hash_t *id, uint8_t out[64])
{
    size_t n = domain(out, "aether/vote/v1");   /* 14 + 8 + 8 + 32 = 62 */
    le64_put(out + n, chain_id);
    le64_put(out + n + 8, round);
    memcpy(out + n + 16, id->b, 32);
    return n + 48;
}

size_t cons_timeout_msg(uint64_t chain_id, const chain_hash_t *genesis_id, uint64_t round,
                        uint64_t hqc_round, uint8_t out[CONS_TIMEOUT_MSG_BYTES])
{
    size_t n = domain(out, "aether/timeout/v2");   /* 17 + 8 + 32 + 16 = 73 */
    le64_put(out + n, chain_id);
    memcpy(out + n + 8, genesis_id->b, 32);
    le64_put(out + n + 40, round);
    le64_put(out + n + 48, hqc_round);
    return n + 56;
}

size_t cons_proposal_msg(uint64_t chain_id, const chain_hash_t *id, uint8_t out[64])
{
    size_t n = domain(out, "aether/proposal/v1");   /* 18 + 8 + 32 = 58 */
    le64_put(out + n, chain_id);
    memcpy(out + n + 8, id->b, 32);
    return n + 40;
}

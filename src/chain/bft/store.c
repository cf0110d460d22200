/*
 * chain/bft records: payloads, anchors and finality records (formats in
 * bft.h), read strictly: every length is checked against what remains.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void bft_key_h(char *out, const char *pfx, uint64_t h, size_t *klen)
{
    size_t n = strlen(pfx);
    memcpy(out, pfx, n);
    store_be64((uint8_t *)out + n, h);
    *klen = n + 8;
}

void bft_key_blk(uint8_t out[6 + 8 + 32], uint64_t round, const chain_hash_t *id)
{
    memcpy(out, PFX_BLK, 6);
    store_be64(out + 6, round);
    memcpy(out + 14, id->b, 32);
}

/* ---- payload ---- */

int bft_payload_decode(const uint8_t *p, size_t n, bft_payload_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (n < 1 + 8 + 8 + 32 + 4)
        return err_set(e, BFT_EINVAL, "bft: payload of %zu bytes is too short", n);
    if (p[0] != BFT_PAYLOAD_VERSION)
        return err_set(e, BFT_EINVAL, "bft: payload version %u", p[0]);
    out->timestamp_ms = load_le64(p + 1);
    out->cert_height = load_le64(p + 9);
    memcpy(out->cert_hash.b, p + 17, 32);
    out->n_txs = load_le32(p + 49);
    out->txs = p + 53;
    out->txs_len = n - 53;
    if (out->n_txs > CHAIN_MAX_BLOCK_TXS)
        return err_set(e, BFT_EINVAL, "bft: payload claims %u transactions", out->n_txs);
    size_t off = 0;
    for (uint32_t i = 0; i < out->n_txs; i++) {
        if (out->txs_len - off < 4)
            return err_set(e, BFT_EINVAL, "bft: payload tx %u: length truncated at offset %zu",
                           i, 53 + off);
        uint32_t len = load_le32(out->txs + off);
        if (len == 0 || len > CHAIN_MAX_TX_BYTES || out->txs_len - off - 4 < len)
            return err_set(e, BFT_EINVAL, "bft: payload tx %u: length %u at offset %zu", i, len,
                           53 + off);
        off += 4 + len;
    }
    if (off != out->txs_len)
        return err_set(e, BFT_EINVAL, "bft: %zu stray bytes after the payload's transactions",
                       out->txs_len - off);
    return 0;
}

int bft_payload_txs(const bft_payload_t *p, chain_tx_t ***out, err_t *e)
{
    chain_tx_t **txs = calloc(p->n_txs ? p->n_txs : 1, sizeof *txs);
    if (!txs)
        return err_set(e, BFT_ENOMEM, "bft: out of memory");
    size_t off = 0;
    for (uint32_t i = 0; i < p->n_txs; i++) {
        uint32_t len = load_le32(p->txs + off);
        err_t te = {0};
        txs[i] = chain_tx_decode(p->txs + off + 4, len, &te);
        if (!txs[i]) {
            for (uint32_t k = 0; k < i; k++)
                chain_tx_free(txs[k]);
            free(txs);
            return err_set(e, BFT_EINVAL, "bft: payload tx %u: %s", i, te.msg);
        }
        off += 4 + len;
    }
    *out = txs;
    return 0;
}

/* ---- anchor ---- */

void bft_anchor_encode(const cons_anchor_t *a, buf_t *out)
{
    buf_append(out, a->id.b, 32);
    buf_append_u64_le(out, a->round);
    buf_append_u64_le(out, a->height);
    buf_append(out, a->seed, 32);
    buf_append(out, a->acc, 32);
    if (cons_qc_encode(&a->qc, out) != 0)
        out->len = 0;   /* an impossible QC (bitmap too long): callers see an empty record */
}

int bft_anchor_decode(const uint8_t *p, size_t n, cons_anchor_t *a, err_t *e)
{
    memset(a, 0, sizeof *a);
    if (n < 32 + 8 + 8 + 32 + 32)
        return err_set(e, BFT_EINVAL, "bft: anchor record of %zu bytes", n);
    memcpy(a->id.b, p, 32);
    a->round = load_le64(p + 32);
    a->height = load_le64(p + 40);
    memcpy(a->seed, p + 48, 32);
    memcpy(a->acc, p + 80, 32);
    if (cons_qc_decode(p + 112, n - 112, &a->qc, e) != 0) {
        err_prefix(e, "bft: anchor record");
        return BFT_EINVAL;
    }
    return 0;
}

/* ---- finality records ---- */

int bft_finality_encode(const uint8_t *block, size_t blen, const cons_header_t *chain,
                        uint32_t n_chain, const cons_qc_t *qc, buf_t *out)
{
    if (n_chain == 0 || n_chain > BFT_CHAIN_MAX)
        return BFT_EINVAL;
    buf_append_u32_le(out, (uint32_t)blen);
    buf_append(out, block, blen);
    buf_append_u32_le(out, n_chain);
    for (uint32_t i = 0; i < n_chain; i++) {
        buf_t h;
        buf_init(&h, 0);
        if (cons_header_encode(&chain[i], &h) != 0) {
            buf_free(&h);
            return BFT_EINVAL;
        }
        buf_append_u32_le(out, (uint32_t)h.len);
        buf_append(out, h.data, h.len);
        buf_free(&h);
    }
    if (cons_qc_encode(qc, out) != 0)
        return BFT_EINVAL;
    return buf_ok(out) ? 0 : BFT_ENOMEM;
}

int bft_finality_decode(const uint8_t *p, size_t n, bft_finality_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (n < 4 || load_le32(p) > n - 4)
        return err_set(e, BFT_EINVAL, "bft: finality record: block length");
    uint32_t bl = load_le32(p);
    out->block = cons_block_decode(p + 4, bl, e);
    if (!out->block) {
        err_prefix(e, "bft: finality record block");
        return BFT_EINVAL;
    }
    size_t off = 4 + bl;
    uint32_t k = n - off >= 4 ? load_le32(p + off) : 0;
    if (k == 0 || k > BFT_CHAIN_MAX) {
        bft_finality_free(out);
        return err_set(e, BFT_EINVAL, "bft: finality record: %u chain headers", k);
    }
    off += 4;
    out->chain = calloc(k, sizeof *out->chain);
    if (!out->chain) {
        bft_finality_free(out);
        return err_set(e, BFT_ENOMEM, "bft: out of memory");
    }
    out->n_chain = k;
    for (uint32_t i = 0; i < k; i++) {
        if (n - off < 4 || load_le32(p + off) > n - off - 4) {
            bft_finality_free(out);
            return err_set(e, BFT_EINVAL, "bft: finality record: header %u length", i);
        }
        uint32_t hl = load_le32(p + off);
        if (cons_header_decode(p + off + 4, hl, &out->chain[i], e) != 0) {
            bft_finality_free(out);
            err_prefix(e, "bft: finality record header %u", i);
            return BFT_EINVAL;
        }
        off += 4 + hl;
    }
    if (cons_qc_decode(p + off, n - off, &out->commit_qc, e) != 0) {
        bft_finality_free(out);
        err_prefix(e, "bft: finality record commit QC");
        return BFT_EINVAL;
    }
    return 0;
}

void bft_finality_free(bft_finality_t *f)
{
    if (!f)
        return;
    cons_block_free(f->block);
    free(f->chain);
    f->block = NULL;
    f->chain = NULL;
    f->n_chain = 0;
}

/* The record pfx ‖ be64(h): BFT_ENOTFOUND ("bft: <absent> <h>") or
 * BFT_ESTORE; *v malloc'd. */
static int get_h(chain_state_t *st, const char *pfx, uint64_t h, uint8_t **v, size_t *vl,
                 const char *absent, err_t *e)
{
    char k[16];
    size_t kl;
    bft_key_h(k, pfx, h, &kl);
    int rc = chain_state_meta_get(st, k, kl, v, vl, e);
    if (rc == CHAIN_ENOTFOUND)
        return err_set(e, BFT_ENOTFOUND, "bft: %s %llu", absent, (unsigned long long)h);
    return rc ? BFT_ESTORE : 0;
}

int bft_finality_get(chain_state_t *st, uint64_t height, bft_finality_t *out, err_t *e)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    memset(out, 0, sizeof *out);
    int rc = get_h(st, PFX_FIN, height, &v, &vl, "no finality record for height", e);
    if (rc)
        return rc;
    rc = bft_finality_decode(v, vl, out, e);
    free(v);
    return rc;
}

int bft_finality_verify(const cons_valset_t *vs, uint64_t chain_id, const chain_hash_t *genesis_id,
                        const bft_finality_t *f, err_t *e)
{
    if (!f->block || f->n_chain == 0)
        return err_set(e, BFT_EINVAL, "bft: empty finality record");
    chain_hash_t prev = f->block->id;
    uint64_t prev_round = f->block->h.round, prev_height = f->block->h.height;
    if (f->block->h.chain_id != chain_id)
        return err_set(e, BFT_EINVAL, "bft: record of chain %llu",
                       (unsigned long long)f->block->h.chain_id);
    for (uint32_t i = 0; i < f->n_chain; i++) {
        const cons_header_t *h = &f->chain[i];
        if (h->chain_id != chain_id || !chain_hash_equal(&h->qc.block_id, &prev) ||
            h->qc.round != prev_round || h->round <= prev_round || h->height != prev_height + 1)
            return err_set(e, BFT_EINVAL,
                           "bft: finality record header %u does not extend the one before", i);
        if (i + 1 == f->n_chain && h->round != prev_round + 1)
            return err_set(e, BFT_EINVAL,
                           "bft: the certified block is not from the round after its parent "
                           "(2-chain rule)");
        cons_header_id(h, &prev);
        prev_round = h->round;
        prev_height = h->height;
    }
    if (!chain_hash_equal(&prev, &f->commit_qc.block_id) || f->commit_qc.round != prev_round)
        return err_set(e, BFT_EINVAL, "bft: the commit QC does not certify the last header");
    if (cons_qc_verify(vs, chain_id, genesis_id, &f->commit_qc, e) != 0) {
        err_prefix(e, "bft: commit QC");
        return BFT_EINVAL;
    }
    return 0;
}

/* A u64 record pfx ‖ be64(h) (what names it in messages). */
static int get_u64_rec(chain_state_t *st, const char *pfx, uint64_t h, const char *absent,
                       const char *what, uint64_t *out, err_t *e)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    int rc = get_h(st, pfx, h, &v, &vl, absent, e);
    if (rc)
        return rc;
    rc = vl == 8 ? 0 : err_set(e, BFT_EINVAL, "bft: %s record of %zu bytes", what, vl);
    if (rc == 0)
        *out = load_le64(v);
    free(v);
    return rc;
}

int bft_cert_height(chain_state_t *st, uint64_t height, uint64_t *cons_height, err_t *e)
{
    return get_u64_rec(st, PFX_CERT, height, "no block yet certifies the hash of height", "cert",
                       cons_height, e);
}

cons_valset_t *bft_valset_genesis(const node_genesis_t *g, err_t *e)
{
    if (!g->bft || g->n_validators == 0) {
        err_set(e, BFT_EINVAL, "bft: the genesis has no validator set");
        return NULL;
    }
    cons_validator_t *v = calloc(g->n_validators, sizeof *v);
    if (!v) {
        err_set(e, BFT_ENOMEM, "bft: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < g->n_validators; i++) {
        memcpy(v[i].bls_pk, g->validators[i].bls_pk, CONS_PK_BYTES);
        memcpy(v[i].vrf_pk, g->validators[i].vrf_pk, CONS_VRF_PK_BYTES);
        v[i].stake = g->validators[i].stake;
    }
    cons_valset_t *vs = cons_valset_new(&cons_crypto_bls, v, (uint32_t)g->n_validators, e);
    free(v);
    return vs;
}

/* ---- validator epochs (bft.h) ---- */

void bft_set_free(bft_set_t *s)
{
    if (!s)
        return;
    cons_valset_free(s->vs);
    free(s->account);
    free(s->addr);
    memset(s, 0, sizeof *s);
}

int bft_set_load(chain_state_t *st, const node_genesis_t *g, uint64_t epoch, bft_set_t *s,
                 err_t *e)
{
    memset(s, 0, sizeof *s);
    size_t cap = epoch == 0 ? g->n_validators : CHAIN_STAKE_MAX_SET;
    cons_validator_t *v = calloc(cap ? cap : 1, sizeof *v);
    uint8_t(*bls)[CHAIN_BLS_PK_BYTES] = calloc(cap ? cap : 1, sizeof *bls);
    uint8_t(*vrf)[CHAIN_VRF_PK_BYTES] = calloc(cap ? cap : 1, sizeof *vrf);
    uint64_t *stakes = calloc(cap ? cap : 1, sizeof *stakes);
    s->account = calloc(cap ? cap : 1, sizeof *s->account);
    s->addr = calloc(cap ? cap : 1, sizeof *s->addr);
    int rc = 0;
    if (!v || !bls || !vrf || !stakes || !s->account || !s->addr) {
        rc = err_set(e, BFT_ENOMEM, "bft: out of memory");
        goto done;
    }
    uint32_t n = 0;
    if (epoch == 0) {
        for (size_t i = 0; i < g->n_validators; i++) {
            memcpy(v[i].bls_pk, g->validators[i].bls_pk, CONS_PK_BYTES);
            memcpy(v[i].vrf_pk, g->validators[i].vrf_pk, CONS_VRF_PK_BYTES);
            v[i].stake = g->validators[i].stake;
            memcpy(s->account[i], g->validators[i].account_pk, CHAIN_PK_BYTES);
            s->addr[i] = g->validators[i].address;
        }
        n = (uint32_t)g->n_validators;
    } else {
        if (chain_staking_cons_set(st, epoch, bls, vrf, stakes, s->addr, &n, e) != 0) {
            err_prefix(e, "bft: the validator set of epoch %llu", (unsigned long long)epoch);
            rc = BFT_ESTORE;
            goto done;
        }
        chain_validator_t *rec = malloc(sizeof *rec);
        if (!rec) {
            rc = err_set(e, BFT_ENOMEM, "bft: out of memory");
            goto done;
        }
        for (uint32_t i = 0; i < n; i++) {
            bool exists = false;
            if (chain_staking_get_validator(st, &s->addr[i], rec, &exists, e) != 0 || !exists) {
                free(rec);
                if (!exists)
                    err_set(e, BFT_ESTORE, "bft: member %u of epoch %llu has no validator record", i,
                            (unsigned long long)epoch);
                rc = BFT_ESTORE;
                goto done;
            }
            memcpy(s->account[i], rec->pk, CHAIN_PK_BYTES);
            memcpy(v[i].bls_pk, bls[i], CONS_PK_BYTES);
            memcpy(v[i].vrf_pk, vrf[i], CONS_VRF_PK_BYTES);
            v[i].stake = stakes[i];
        }
        free(rec);
    }
    s->n = n;
    if (n > 0) {
        s->vs = cons_valset_new(&cons_crypto_bls, v, n, e);
        if (!s->vs)
            rc = BFT_EINVAL;
    }
done:
    free(v);
    free(bls);
    free(vrf);
    free(stakes);
    if (rc)
        bft_set_free(s);
    return rc;
}

void bft_set_hash(const cons_valset_t *vs, uint8_t out[32])
{
    crypto_sha256_ctx_t c;
    uint8_t b[8];
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, "aether/valset/v1", 16);
    uint32_t n = cons_valset_size(vs);
    store_le32(b, n);
    crypto_sha256_update(&c, b, 4);
    for (uint32_t i = 0; i < n; i++) {
        const cons_validator_t *v = cons_valset_get(vs, i);
        crypto_sha256_update(&c, v->bls_pk, CONS_PK_BYTES);
        crypto_sha256_update(&c, v->vrf_pk, CONS_VRF_PK_BYTES);
        store_le64(b, v->stake);
        crypto_sha256_update(&c, b, 8);
    }
    crypto_sha256_final(&c, out);
}

void bft_epoch_derive(const chain_hash_t *chain_gid, uint64_t epoch, const cons_anchor_t *end,
                      const uint8_t set_hash[32], bft_epoch_t *out)
{
    uint8_t b[8];
    store_le64(b, epoch);
    crypto_sha256_ctx_t c;
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, "aether/epoch/v1", 15);
    crypto_sha256_update(&c, chain_gid->b, 32);
    crypto_sha256_update(&c, b, 8);
    crypto_sha256_update(&c, end->id.b, 32);
    crypto_sha256_update(&c, set_hash, 32);
    crypto_sha256_final(&c, out->genesis_id.b);
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, "aether/epoch-seed/v1", 20);
    crypto_sha256_update(&c, end->seed, 32);
    crypto_sha256_update(&c, end->acc, 32);
    crypto_sha256_update(&c, b, 8);
    crypto_sha256_final(&c, out->seed);
    out->epoch = epoch;
    out->start_height = end->height;
}

void bft_epoch_encode(const bft_epoch_t *ep, uint8_t out[88])
{
    store_le64(out, ep->epoch);
    store_le64(out + 8, ep->start_height);
    memcpy(out + 16, ep->genesis_id.b, 32);
    memcpy(out + 48, ep->seed, 32);
    memset(out + 80, 0, 8);   /* reserved */
}

int bft_epoch_decode(const uint8_t *p, size_t n, bft_epoch_t *out, err_t *e)
{
    if (n != 88)
        return err_set(e, BFT_EINVAL, "bft: epoch record of %zu bytes (want 88)", n);
    out->epoch = load_le64(p);
    out->start_height = load_le64(p + 8);
    memcpy(out->genesis_id.b, p + 16, 32);
    memcpy(out->seed, p + 48, 32);
    return 0;
}

int bft_epoch_current(chain_state_t *st, const node_genesis_t *g, bft_epoch_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    uint8_t *v = NULL;
    size_t vl = 0;
    err_t ge = {0};
    int rc = chain_state_meta_get(st, KEY_EPOCH, strlen(KEY_EPOCH), &v, &vl, &ge);
    if (rc == CHAIN_ENOTFOUND) {
        memcpy(out->seed, g->cons.seed, 32);
        return node_genesis_cons_id(g, &out->genesis_id, e);
    }
    if (rc)
        return err_set(e, BFT_ESTORE, "bft: reading the epoch record: %s", ge.msg);
    rc = bft_epoch_decode(v, vl, out, e);
    free(v);
    return rc;
}

int bft_epoch_end_height(chain_state_t *st, uint64_t epoch, uint64_t *height, err_t *e)
{
    return get_u64_rec(st, PFX_EP, epoch, "no epoch change recorded for epoch", "epoch change",
                       height, e);
}

int bft_epoch_of_height(chain_state_t *st, uint64_t height, uint64_t *epoch, err_t *e)
{
    uint64_t k = 0, end = 0;
    for (;;) {
        int rc = bft_epoch_end_height(st, k + 1, &end, e);
        if (rc == BFT_ENOTFOUND)
            break;
        if (rc)
            return rc;
        if (end >= height)
            break;   /* height is in epoch k: epoch k+1 starts after it */
        k++;
    }
    *epoch = k;
    if (e)
        e->code = 0, e->msg[0] = 0;
    return 0;
}

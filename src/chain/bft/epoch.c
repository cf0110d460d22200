/* chain/bft: executing committed blocks and switching validator epochs
 * (docs/consensus.md, "Validator epochs"). The engine (engine.c) hands each
 * COMMIT here: the payload's certified chain hash is checked, the block is
 * executed with its QC's signers read against the set that signed it, and
 * at the first block certifying staking's boundary the next set takes over
 * in the same synced batch (epoch record, change record, fresh safety
 * record, new anchor). Equivocation the core reports is turned into an
 * evidence transaction here too. */
#include "internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/client/client.h"

int bft_hash_at(bft_t *b, uint64_t h, chain_hash_t *out)
{
    if (b->ring[h % HASH_RING].set && b->ring[h % HASH_RING].h == h) {
        *out = b->ring[h % HASH_RING].hash;
        return 0;
    }
    chain_block_t *blk = NULL;
    if (chain_state_get_block(node_state(b->node), h, &blk, NULL) != 0)
        return -1;
    *out = blk->hash;
    chain_block_free(blk);
    b->ring[h % HASH_RING].set = true;
    b->ring[h % HASH_RING].h = h;
    b->ring[h % HASH_RING].hash = *out;
    return 0;
}

uint64_t bft_tip_height(bft_t *b)
{
    chain_header_t t;
    return chain_state_tip(node_state(b->node), &t, NULL, NULL) == 0 ? t.height : 0;
}

/* The certified chain block of the payload of block id (kept, or the anchor). */
bool bft_parent_cert_of(bft_t *b, const chain_hash_t *id, uint64_t *h, chain_hash_t *hash)
{
    const kept_t *k = bft_kept_find(b, id);
    if (k && k->has_cert) {
        *h = k->cert_height;
        *hash = k->cert_hash;
        return true;
    }
    if (chain_hash_equal(id, &b->anchor.id)) {
        *h = b->anchor_cert;
        *hash = b->anchor_cert_hash;
        return true;
    }
    return false;
}

/* Asked by the core before it votes (see bft.h). */
bool bft_payload_ok(void *ud, const cons_block_t *blk)
{
    bft_t *b = ud;
    bft_payload_t p;
    err_t e = {0};
    if (bft_payload_decode(blk->payload, blk->payload_len, &p, &e) != 0) {
        log_warn("bft", "not voting: bad payload", "round=%llu err=\"%s\"",
                 (unsigned long long)blk->h.round, e.msg);
        return false;
    }
    if (p.timestamp_ms > bft_now_ms() + 10000) {
        log_warn("bft", "not voting: payload timestamp in the future", "round=%llu ts=%llu",
                 (unsigned long long)blk->h.round, (unsigned long long)p.timestamp_ms);
        return false;
    }
    if (p.cert_height >= blk->h.height)
        return false;
    /* cert_height never goes back along a chain, so the block that ends an
     * epoch (the first to certify the staking boundary) shows it is the
     * first by its parent alone (bft.h, validator epochs) */
    uint64_t parent_cert;
    chain_hash_t parent_hash;
    if (bft_parent_cert_of(b, &blk->h.qc.block_id, &parent_cert, &parent_hash) &&
        (p.cert_height < parent_cert ||
         (p.cert_height == parent_cert && parent_cert > 0 &&
          !chain_hash_equal(&p.cert_hash, &parent_hash)))) {
        log_warn("bft", "not voting: payload certifies below its parent's", "round=%llu cert=%llu parent=%llu",
                 (unsigned long long)blk->h.round, (unsigned long long)p.cert_height,
                 (unsigned long long)parent_cert);
        return false;
    }
    chain_hash_t mine;
    if (p.cert_height <= bft_tip_height(b) && bft_hash_at(b, p.cert_height, &mine) == 0 &&
        !chain_hash_equal(&mine, &p.cert_hash)) {
        log_warn("bft", "not voting: payload certifies another chain block", "round=%llu height=%llu",
                 (unsigned long long)blk->h.round, (unsigned long long)p.cert_height);
        return false;
    }
    return true;
}

/* ---- commits ---- */

/* Executes block B (committed, child header + commit QC prove it) and
 * writes it with its records; anchor is B's new anchor. */
int bft_commit_block(bft_t *b, const uint8_t *bytes, size_t len, const cons_block_t *blk,
                     const cons_header_t *chain, uint32_t n_chain, const cons_qc_t *commit_qc,
                     const cons_anchor_t *anchor)
{
    if (blk->h.height <= b->anchor.height)
        return 0;   /* already committed (by sync) */
    if (blk->h.height != b->anchor.height + 1) {
        err_t e = {0};
        err_set(&e, BFT_EINVAL, "commit of height %llu after %llu",
                (unsigned long long)blk->h.height, (unsigned long long)b->anchor.height);
        bft_halt(b, "committing", &e);
        return BFT_EINVAL;
    }
    ops_t *ops = &b->ops;
    bft_payload_t p;
    chain_tx_t **txs = NULL;
    size_t n_txs = 0;
    uint64_t ts = 0;
    err_t pe = {0};
    bool ok = bft_payload_decode(blk->payload, blk->payload_len, &p, &pe) == 0;
    if (ok && bft_payload_txs(&p, &txs, &pe) == 0) {
        n_txs = p.n_txs;
        ts = p.timestamp_ms;
    } else {
        /* committed anyway (more than a third voted for it): it executes as an
         * empty block, the same on every node */
        log_warn("bft", "committed block has a bad payload", "height=%llu err=\"%s\"",
                 (unsigned long long)blk->h.height, pe.msg);
        ok = false;
    }
    /* a claim below the snapshot this node restored from cannot be checked:
     * it holds no block there (the QC certified it all the same) */
    if (ok && p.cert_height > 0 && p.cert_height >= b->base_height) {
        chain_hash_t mine;
        if (bft_hash_at(b, p.cert_height, &mine) != 0 || !chain_hash_equal(&mine, &p.cert_hash)) {
            atomic_fetch_add(&b->claim_mismatch, 1);
            log_error("bft", "a committed payload certifies a chain hash we do not have",
                      "height=%llu cert_height=%llu", (unsigned long long)blk->h.height,
                      (unsigned long long)p.cert_height);
        } else {
            char k[16];
            size_t kl;
            uint8_t v[8];
            bft_key_h(k, PFX_CERT, p.cert_height, &kl);
            store_le64(v, blk->h.height);
            bft_ops_put(ops, k, kl, v, 8);
        }
    }
    buf_t rec, anc;
    buf_init(&rec, 0);
    buf_init(&anc, 0);
    if (bft_finality_encode(bytes, len, chain, n_chain, commit_qc, &rec) == 0) {
        char k[16];
        size_t kl;
        bft_key_h(k, PFX_FIN, blk->h.height, &kl);
        bft_ops_put(ops, k, kl, rec.data, rec.len);
    }
    err_t e = {0};
    /* the end of the epoch (bft.h): this block certifies the staking
     * boundary, so the next set (in the state since that boundary) takes
     * over; written in the same batch as the block */
    bft_set_t next;
    memset(&next, 0, sizeof next);
    bft_epoch_t nep;
    cons_anchor_t nanchor;
    bool sw = false;
    if (ok && b->stake_epoch_blocks &&
        p.cert_height >= (b->ep.epoch + 1) * b->stake_epoch_blocks) {
        if (bft_set_load(node_state(b->node), b->g, b->ep.epoch + 1, &next, &e) != 0) {
            bft_halt(b, "reading the next validator set", &e);
            free(txs);
            ops->n = 0;
            buf_free(&rec);
            buf_free(&anc);
            return BFT_ESTORE;
        }
        if (next.n > 0) {
            uint8_t sh[32];
            bft_set_hash(next.vs, sh);
            bft_epoch_derive(&b->chain_gid, b->ep.epoch + 1, anchor, sh, &nep);
            memset(&nanchor, 0, sizeof nanchor);
            nanchor.id = nep.genesis_id;
            nanchor.height = anchor->height;
            memcpy(nanchor.seed, nep.seed, 32);
            nanchor.qc.block_id = nep.genesis_id;
            uint8_t er[88], hv[8];
            bft_epoch_encode(&nep, er);
            bft_ops_put(ops, KEY_EPOCH, strlen(KEY_EPOCH), er, sizeof er);
            char k[16];
            size_t kl;
            bft_key_h(k, PFX_EP, nep.epoch, &kl);
            store_le64(hv, anchor->height);
            bft_ops_put(ops, k, kl, hv, 8);
            bft_ops_put(ops, KEY_SAFETY, strlen(KEY_SAFETY), NULL, 0);   /* a fresh validator */
            sw = true;
        } else {
            log_error("bft", "staking has no set for the next epoch: the set carries over",
                      "epoch=%llu", (unsigned long long)(b->ep.epoch + 1));
        }
    }
    bft_anchor_encode(sw ? &nanchor : anchor, &anc);
    bft_ops_put(ops, KEY_ANCHOR, strlen(KEY_ANCHOR), anc.data, anc.len);
    bft_kept_prune(b, sw ? UINT64_MAX : blk->h.round, ops);
    chain_header_t hdr;
    chain_hash_t hash;
    /* staking counts participation by the QC this block carries (its
     * parent's): the accounts of the validators in its signer bitmap, read
     * against this epoch's set, the one that signed it (still the old set
     * up to and including R, while staking is already in the next epoch) */
    chain_addr_t signers[CONS_MAX_VALIDATORS];
    size_t n_signers = 0;
    for (uint32_t i = 0; i < b->set.n && i / 8 < blk->h.qc.nb; i++)
        if (blk->h.qc.bitmap[i / 8] >> (i % 8) & 1)
            signers[n_signers++] = b->set.addr[i];
    b->xcfg.qc_signers = signers;
    b->xcfg.n_qc_signers = n_signers;
    b->xcfg.qc_epoch = b->ep.epoch;
    static const uint8_t nobody[CHAIN_PK_BYTES];
    int rc = node_commit_certified(b->node, &b->xcfg, txs, n_txs, ts,
                                   blk->h.proposer < b->set.n ? b->set.account[blk->h.proposer]
                                                              : nobody,
                                   ops->op, ops->n, &hdr, &hash, &e);
    b->xcfg.qc_signers = NULL;
    b->xcfg.n_qc_signers = 0;
    free(txs);
    ops->n = 0;
    buf_free(&rec);
    buf_free(&anc);
    if (rc != 0) {
        bft_set_free(&next);
        bft_halt(b, "executing a committed block", &e);
        return rc;
    }
    if (hdr.height != blk->h.height) {
        bft_set_free(&next);
        err_set(&e, BFT_EINVAL, "chain height %llu for consensus height %llu",
                (unsigned long long)hdr.height, (unsigned long long)blk->h.height);
        bft_halt(b, "committing", &e);
        return BFT_EINVAL;
    }
    b->anchor = sw ? nanchor : *anchor;
    bft_snapper_committed(b->snap, anchor);
    if (ok) {
        b->anchor_cert = p.cert_height;
        b->anchor_cert_hash = p.cert_hash;
    }
    if (sw) {
        log_info("bft", "validator epoch change", "epoch=%llu height=%llu validators=%u",
                 (unsigned long long)nep.epoch, (unsigned long long)hdr.height, next.n);
        bft_use_epoch(b, &next, &nep);
        b->switched = true;
        b->need_rebuild = true;
    }
    b->ring[hdr.height % HASH_RING].set = true;
    b->ring[hdr.height % HASH_RING].h = hdr.height;
    b->ring[hdr.height % HASH_RING].hash = hash;
    b->last_commit_ms = bft_now_ms();
    log_debug("bft", "committed", "height=%llu round=%llu txs=%u", (unsigned long long)hdr.height,
              (unsigned long long)blk->h.round, hdr.n_txs);
    return 0;
}

/* Makes s (taken) and ep the current epoch: the core's config, our index
 * in the set, the network's member list. The core is rebuilt after. */
void bft_use_epoch(bft_t *b, bft_set_t *s, const bft_epoch_t *ep)
{
    bft_set_free(&b->set);
    b->set = *s;
    memset(s, 0, sizeof *s);
    b->ep = *ep;
    b->ccfg.genesis_id = ep->genesis_id;
    memcpy(b->ccfg.genesis_seed, ep->seed, 32);
    b->ccfg.self = -1;
    for (uint32_t i = 0; b->has_key && i < b->set.n; i++)
        if (memcmp(b->set.account[i], b->key.pk, CHAIN_PK_BYTES) == 0)
            b->ccfg.self = i;
    buf_reset(&b->safety);
    bft_net_set_validators(b->net, (const uint8_t (*)[CHAIN_PK_BYTES])b->set.account, b->set.n);
}

/* Equivocation evidence from the core: this node reports it on chain, once
 * per offence, with an evidence transaction signed by its account key (the
 * reporter's reward is its own). A node without a key only logs it. */
void bft_report_evidence(bft_t *b, const uint8_t *data, size_t len)
{
    atomic_fetch_add(&b->evidence, 1);
    cons_evidence_t ev;
    err_t e = {0};
    if (cons_evidence_decode(data, len, &ev, &e) != 0) {
        log_error("bft", "evidence from the core does not decode", "err=\"%s\"", e.msg);
        return;
    }
    uint64_t round = ev.kind == CONS_EVIDENCE_VOTES ? ev.votes[0].round : ev.headers[0].round;
    for (size_t i = 0; i < b->n_reported; i++)
        if (b->reported[i].epoch == b->ep.epoch && b->reported[i].round == round &&
            b->reported[i].validator == ev.validator)
            return;   /* reported already */
    log_warn("bft", "equivocation evidence", "epoch=%llu validator=%u round=%llu kind=%u",
             (unsigned long long)b->ep.epoch, ev.validator, (unsigned long long)round, ev.kind);
    if (!b->has_key || !b->stake_epoch_blocks)
        return;   /* no account to report with, or no staking to slash */
    size_t slot = b->n_reported < REPORTED_MAX ? b->n_reported++ : (size_t)(round % REPORTED_MAX);
    b->reported[slot].epoch = b->ep.epoch;
    b->reported[slot].round = round;
    b->reported[slot].validator = ev.validator;
    chain_stake_body_t body;
    memset(&body, 0, sizeof body);
    body.kind = CHAIN_TX_STAKE_EVIDENCE;
    body.epoch = b->ep.epoch;
    body.evidence = data;
    body.evidence_len = (uint32_t)len;
    uint64_t nonce = 0;
    chain_u128_t base = chain_u128_from_u64(0);
    chain_tx_t *tx = NULL;
    buf_t raw;
    buf_init(&raw, 0);
    chain_hash_t h;
    mempool_reason_t why;
    if (node_next_nonce(b->node, &b->key.addr, &nonce, &e) != 0 ||
        chain_fee_next_base_state(node_state(b->node), &base, &e) != 0)
        goto fail;
    tx = chain_tx_new_stake(b->g->g.chain_id, b->key.pk, nonce, chain_u128_from_u64(0), &body, &e);
    if (!tx)
        goto fail;
    tx->fee = chain_client_fee_for(base, chain_tx_encoded_size(tx));
    if (chain_tx_sign(tx, b->key.sk, &e) != 0 || chain_tx_encode(tx, true, &raw) != 0 ||
        node_submit_tx(b->node, raw.data, raw.len, &h, &why, &e) != 0)
        goto fail;
    char hex[65];
    chain_hash_to_hex(&h, hex);
    log_warn("bft", "evidence transaction submitted", "tx=%s epoch=%llu validator=%u round=%llu",
             hex, (unsigned long long)b->ep.epoch, ev.validator, (unsigned long long)round);
    chain_tx_free(tx);
    buf_free(&raw);
    return;
fail:
    log_error("bft", "cannot submit the evidence transaction", "err=\"%s\"", e.msg);
    chain_tx_free(tx);
    buf_free(&raw);
}

/* Light-client finality proofs: building from a store, verifying against a
 * genesis (see light.h). */
#include "chain/light/light.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bft/bft.h"
#include "chain/consensus/consensus.h"

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    hex_encode(p, n, s);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* {"block","chain":[headers],"commit_qc"} of a finality record, added to obj. */
static int put_record(json_t *obj, const bft_finality_t *f, err_t *e)
{
    buf_t b, q;
    buf_init(&b, 0);
    buf_init(&q, 0);
    json_t *chain = json_array();
    int rc = !chain || cons_block_encode(f->block, &b) || cons_qc_encode(&f->commit_qc, &q);
    for (uint32_t i = 0; rc == 0 && i < f->n_chain; i++) {
        buf_t c;
        buf_init(&c, 0);
        rc = cons_header_encode(&f->chain[i], &c);
        if (rc == 0)
            json_array_append_new(chain, hex_json(c.data, c.len));
        buf_free(&c);
    }
    if (rc == 0) {
        json_object_set_new(obj, "block", hex_json(b.data, b.len));
        json_object_set_new(obj, "chain", chain);
        json_object_set_new(obj, "commit_qc", hex_json(q.data, q.len));
    } else {
        json_decref(chain);
    }
    buf_free(&b);
    buf_free(&q);
    return rc ? err_set(e, LIGHT_ENOMEM, "light: encoding a finality record") : 0;
}

json_t *light_proof_build(chain_state_t *st, const node_genesis_t *g, uint64_t height, err_t *e)
{
    bft_finality_t f, fk;
    memset(&f, 0, sizeof f);
    memset(&fk, 0, sizeof fk);
    int rc = bft_finality_get(st, height, &f, e);
    if (rc == BFT_ENOTFOUND) {
        err_set(e, LIGHT_ENOTFOUND,
                "light: height %llu has no finality record (not committed yet, or not a BFT "
                "chain)",
                (unsigned long long)height);
        return NULL;
    }
    if (rc != 0)
        return NULL;
    json_t *out = json_pack("{s:o}", "height", cjson_u64(height));
    if (!out || put_record(out, &f, e) != 0)
        goto fail;
    /* the validator epoch whose set signed, and its members' addresses */
    uint64_t ep = 0;
    bft_set_t set;
    if (bft_epoch_of_height(st, height, &ep, e) != 0 || bft_set_load(st, g, ep, &set, e) != 0)
        goto fail;
    json_t *addrs = json_array();
    for (uint32_t i = 0; addrs && i < set.n; i++)
        json_array_append_new(addrs, hex_json(set.addr[i].b, CHAIN_ADDR_BYTES));
    bft_set_free(&set);
    json_object_set_new(out, "epoch", cjson_u64(ep));
    json_object_set_new(out, "signer_set", addrs ? addrs : json_null());
    /* the chain block and the later block that certifies its hash */
    uint64_t k = 0;
    chain_block_t *blk = NULL;
    rc = bft_cert_height(st, height, &k, e);
    if (rc == 0)
        rc = bft_finality_get(st, k, &fk, e);
    if (rc == 0 && chain_state_get_block(st, height, &blk, e) == 0) {
        buf_t hb;
        buf_init(&hb, 0);
        json_t *cert = json_pack("{s:o}", "height", cjson_u64(k));
        if (chain_header_encode(&blk->header, &hb) != 0 || !cert || put_record(cert, &fk, e)) {
            buf_free(&hb);
            json_decref(cert);
            chain_block_free(blk);
            goto fail;
        }
        json_object_set_new(out, "chain_header", hex_json(hb.data, hb.len));
        json_object_set_new(out, "certified_by", cert);
        buf_free(&hb);
        chain_block_free(blk);
    } else if (rc == 0 || rc == BFT_ENOTFOUND) {
        /* not certified yet: the finality of B_h alone */
        json_object_set_new(out, "chain_header", json_null());
        json_object_set_new(out, "certified_by", json_null());
    } else {
        goto fail;
    }
    bft_finality_free(&f);
    bft_finality_free(&fk);
    return out;
fail:
    json_decref(out);
    bft_finality_free(&f);
    bft_finality_free(&fk);
    if (e && !e->code)
        err_set(e, LIGHT_ENOMEM, "light: building the proof of height %llu",
                (unsigned long long)height);
    return NULL;
}

/* ---- verifying -------------------------------------------------------------------- */

/* v (a string) as bytes (malloc'd); name is the field, for messages. */
static int hex_bytes(const json_t *v, const char *what, const char *name, uint8_t **out,
                     size_t *n, err_t *e)
{
    const char *s = json_string_value(v);
    *out = NULL;
    if (!s)
        return err_set(e, LIGHT_EINVAL, "light: %s: \"%s\" must be a hex string", what, name);
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, len -= 2;
    if (len == 0 || hex_decode_alloc(s, len, out, n, NULL) != 0)
        return err_set(e, LIGHT_EINVAL, "light: %s: \"%s\" is not valid hex", what, name);
    return 0;
}

/* Decodes {"block","chain","commit_qc"} of obj into f. */
static int get_record(const json_t *obj, const char *what, bft_finality_t *f, err_t *e)
{
    uint8_t *b = NULL, *q = NULL;
    size_t bn, qn;
    err_t de = {0};
    memset(f, 0, sizeof *f);
    const json_t *chain = json_object_get(obj, "chain");
    size_t nc = json_array_size(chain);
    int rc = hex_bytes(json_object_get(obj, "block"), what, "block", &b, &bn, e);
    if (rc == 0)
        rc = hex_bytes(json_object_get(obj, "commit_qc"), what, "commit_qc", &q, &qn, e);
    if (rc == 0 && (nc == 0 || nc > BFT_CHAIN_MAX))
        rc = err_set(e, LIGHT_EINVAL, "light: %s: \"chain\" must list 1..%d headers", what,
                     BFT_CHAIN_MAX);
    if (rc == 0 && !(f->block = cons_block_decode(b, bn, &de)))
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: the block does not decode: %s", what, de.msg);
    if (rc == 0 && cons_qc_decode(q, qn, &f->commit_qc, &de) != 0)
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: the commit QC does not decode: %s", what,
                     de.msg);
    if (rc == 0 && !(f->chain = calloc(nc, sizeof *f->chain)))
        rc = err_set(e, LIGHT_ENOMEM, "light: out of memory");
    for (size_t i = 0; rc == 0 && i < nc; i++) {
        uint8_t *c = NULL;
        size_t cn;
        char name[32];
        snprintf(name, sizeof name, "chain[%zu]", i);
        rc = hex_bytes(json_array_get(chain, i), what, name, &c, &cn, e);
        if (rc == 0 && cons_header_decode(c, cn, &f->chain[i], &de) != 0)
            rc = err_set(e, LIGHT_EREFUSED, "light: %s: header %s does not decode: %s", what,
                         name, de.msg);
        free(c);
        f->n_chain = (uint32_t)i + 1;
    }
    free(b);
    free(q);
    if (rc != 0)
        bft_finality_free(f);
    return rc;
}

static void qc_stake(const cons_valset_t *vs, const cons_qc_t *qc, uint32_t *signers,
                     uint64_t *stake)
{
    *signers = 0;
    *stake = 0;
    for (uint32_t i = 0; i < cons_valset_size(vs) && i / 8 < qc->nb; i++)
        if (qc->bitmap[i / 8] >> (i % 8) & 1) {
            (*signers)++;
            *stake += cons_valset_get(vs, i)->stake;
        }
}

int light_proof_verify(const node_genesis_t *g, const json_t *proof, light_result_t *out,
                       err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!g || !g->bft)
        return err_set(e, LIGHT_EINVAL, "light: the genesis has no \"consensus\" section (not a "
                                        "BFT chain)");
    if (!json_is_object(proof))
        return err_set(e, LIGHT_EINVAL, "light: the proof must be a JSON object");
    uint64_t height;
    if (!cjson_get_u64(json_object_get(proof, "height"), &height))
        return err_set(e, LIGHT_EINVAL, "light: \"height\" must be an unsigned integer");
    chain_hash_t gid;
    cons_valset_t *vs = NULL;
    bft_finality_t f, fk;
    memset(&f, 0, sizeof f);
    memset(&fk, 0, sizeof fk);
    err_t de = {0};
    int rc = node_genesis_cons_id(g, &gid, e);
    if (rc == 0 && !(vs = bft_valset_genesis(g, e)))
        rc = LIGHT_EINVAL;
    if (rc == 0)
        rc = get_record(proof, "proof", &f, e);
    if (rc == 0 && bft_finality_verify(vs, g->g.chain_id, &gid, &f, &de) != 0)
        rc = err_set(e, LIGHT_EREFUSED, "light: the block is not committed: %s", de.msg);
    if (rc == 0 && f.block->h.height != height)
        rc = err_set(e, LIGHT_EREFUSED, "light: the block is at height %llu, not %llu",
                     (unsigned long long)f.block->h.height, (unsigned long long)height);
    bft_payload_t p;
    if (rc == 0 && bft_payload_decode(f.block->payload, f.block->payload_len, &p, &de) != 0)
        rc = err_set(e, LIGHT_EREFUSED, "light: the block's payload does not decode: %s", de.msg);
    if (rc == 0) {
        out->height = height;
        out->round = f.block->h.round;
        out->block_id = f.block->id;
        out->payload_hash = f.block->h.payload_hash;
        out->n_txs = p.n_txs;
        out->total_stake = cons_valset_total_stake(vs);
        qc_stake(vs, &f.commit_qc, &out->signers, &out->stake);
    }
    /* step 2: the chain block, when the proof carries it */
    const json_t *ch = json_object_get(proof, "chain_header");
    const json_t *cert = json_object_get(proof, "certified_by");
    if (rc == 0 && ch && !json_is_null(ch)) {
        uint8_t *hb = NULL;
        size_t hn = 0;
        rc = hex_bytes(ch, "proof", "chain_header", &hb, &hn, e);
        if (rc == 0 && chain_header_decode(hb, hn, &out->header, &de) != 0)
            rc = err_set(e, LIGHT_EREFUSED, "light: the chain header does not decode: %s", de.msg);
        free(hb);
        if (rc == 0 && !json_is_object(cert))
            rc = err_set(e, LIGHT_EINVAL,
                         "light: a chain header needs \"certified_by\" (the record that "
                         "certifies it)");
        uint64_t k = 0;
        if (rc == 0 && !cjson_get_u64(json_object_get(cert, "height"), &k))
            rc = err_set(e, LIGHT_EINVAL, "light: certified_by.height must be an unsigned integer");
        if (rc == 0)
            rc = get_record(cert, "certified_by", &fk, e);
        if (rc == 0 && bft_finality_verify(vs, g->g.chain_id, &gid, &fk, &de) != 0)
            rc = err_set(e, LIGHT_EREFUSED, "light: the certifying block is not committed: %s",
                         de.msg);
        bft_payload_t pk;
        if (rc == 0 && fk.block->h.height != k)
            rc = err_set(e, LIGHT_EREFUSED, "light: the certifying block is at height %llu, not %llu",
                         (unsigned long long)fk.block->h.height, (unsigned long long)k);
        if (rc == 0 && bft_payload_decode(fk.block->payload, fk.block->payload_len, &pk, &de))
            rc = err_set(e, LIGHT_EREFUSED,
                         "light: the certifying block's payload does not decode: %s", de.msg);
        if (rc == 0) {
            chain_header_hash(&out->header, &out->header_hash);
            if (out->header.height != height || out->header.chain_id != g->g.chain_id)
                rc = err_set(e, LIGHT_EREFUSED,
                             "light: the chain header is of height %llu / chain %llu, not %llu / "
                             "%llu",
                             (unsigned long long)out->header.height,
                             (unsigned long long)out->header.chain_id, (unsigned long long)height,
                             (unsigned long long)g->g.chain_id);
            else if (pk.cert_height != height || !chain_hash_equal(&pk.cert_hash,
                                                                   &out->header_hash))
                rc = err_set(e, LIGHT_EREFUSED,
                             "light: the certifying block names chain block %llu with another "
                             "hash: the chain header was altered",
                             (unsigned long long)pk.cert_height);
        }
        if (rc == 0) {
            out->has_chain_block = true;
            out->cert_height = k;
        }
    }
    bft_finality_free(&f);
    bft_finality_free(&fk);
    cons_valset_free(vs);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

json_t *light_result_to_json(const light_result_t *r)
{
    json_t *cb = json_null();
    if (r->has_chain_block) {
        cb = chain_header_to_json(&r->header);
        if (cb)
            json_object_set_new(cb, "certified_by", cjson_u64(r->cert_height));
    }
    return json_pack("{s:b,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "verified", 1, "height",
                     cjson_u64(r->height), "round", cjson_u64(r->round), "block_id",
                     hex_json(r->block_id.b, 32), "payload_hash",
                     hex_json(r->payload_hash.b, 32), "n_txs", (json_int_t)r->n_txs,
                     "signers", (json_int_t)r->signers, "stake", cjson_u64(r->stake),
                     "total_stake", cjson_u64(r->total_stake), "chain_block",
                     cb ? cb : json_null());
}

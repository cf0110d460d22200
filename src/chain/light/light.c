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

/* {"block","chain":[headers],"commit_qc","parent"} of a finality record,
 * added to obj; parent is the committed block one height below (it shows
 * whether the block is the first of its epoch to certify the staking
 * boundary), null at height 1. */
static int put_record(json_t *obj, chain_state_t *st, const bft_finality_t *f, err_t *e)
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
    bft_finality_t pf;
    memset(&pf, 0, sizeof pf);
    if (rc == 0 && f->block->h.height > 1 &&
        bft_finality_get(st, f->block->h.height - 1, &pf, NULL) == 0) {
        buf_t pb;
        buf_init(&pb, 0);
        rc = cons_block_encode(pf.block, &pb);
        if (rc == 0)
            json_object_set_new(obj, "parent", hex_json(pb.data, pb.len));
        buf_free(&pb);
        bft_finality_free(&pf);
    } else if (rc == 0) {
        json_object_set_new(obj, "parent", json_null());
    }
    buf_free(&b);
    buf_free(&q);
    return rc ? err_set(e, LIGHT_ENOMEM, "light: encoding a finality record") : 0;
}

/* The changes of validator epochs 1..last (light.h): for each, the record
 * of the block that ended the epoch before, the chain header it certifies
 * and the proof of the new set (a VALSET leaf) under that header's root. */
static json_t *epoch_changes(chain_state_t *st, uint64_t last, err_t *e)
{
    json_t *arr = json_array();
    for (uint64_t k = 1; arr && k <= last; k++) {
        uint64_t end = 0;
        bft_finality_t f;
        memset(&f, 0, sizeof f);
        bft_payload_t p;
        chain_block_t *cb = NULL;
        chain_proof_t *pr = malloc(sizeof *pr);
        buf_t val, hb;
        buf_init(&val, 0);
        buf_init(&hb, 0);
        uint8_t id[32];
        chain_stake_valset_id(k, id);
        json_t *o = json_pack("{s:o}", "epoch", cjson_u64(k));
        int rc = !pr || !o ? err_set(e, LIGHT_ENOMEM, "light: out of memory") : 0;
        if (rc == 0)
            rc = bft_epoch_end_height(st, k, &end, e);
        if (rc == 0)
            rc = bft_finality_get(st, end, &f, e);
        if (rc == 0 && bft_payload_decode(f.block->payload, f.block->payload_len, &p, e) != 0)
            rc = LIGHT_EINVAL;
        if (rc == 0)
            rc = put_record(o, st, &f, e);
        if (rc == 0)
            rc = chain_state_get_block(st, p.cert_height, &cb, e);
        if (rc == 0)
            rc = chain_header_encode(&cb->header, &hb);
        if (rc == 0)
            rc = chain_state_prove_data_at(st, p.cert_height, CHAIN_DATA_VALSET, id, pr, &val, e);
        if (rc == 0 && !pr->exists)
            rc = err_set(e, LIGHT_ENOTFOUND, "light: no set of epoch %llu at height %llu",
                         (unsigned long long)k, (unsigned long long)p.cert_height);
        if (rc == 0) {
            json_t *sib = json_array();
            for (uint16_t i = 0; sib && i < pr->n_siblings; i++)
                json_array_append_new(sib, hex_json(pr->siblings[i].b, 32));
            json_object_set_new(o, "height", cjson_u64(end));
            json_object_set_new(o, "set_header", hex_json(hb.data, hb.len));
            json_object_set_new(o, "set_value", hex_json(val.data, val.len));
            json_object_set_new(o, "set_siblings", sib ? sib : json_null());
            json_array_append(arr, o);
        }
        json_decref(o);
        chain_block_free(cb);
        bft_finality_free(&f);
        free(pr);
        buf_free(&val);
        buf_free(&hb);
        if (rc != 0) {
            err_prefix(e, "light: the change to validator epoch %llu", (unsigned long long)k);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
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
    if (!out || put_record(out, st, &f, e) != 0)
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
        if (chain_header_encode(&blk->header, &hb) != 0 || !cert ||
            put_record(cert, st, &fk, e)) {
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
    /* the epoch changes up to the epoch of the last record in the proof */
    uint64_t last = ep, ek = 0;
    if (fk.block && bft_epoch_of_height(st, fk.block->h.height, &ek, e) != 0)
        goto fail;
    if (ek > last)
        last = ek;
    json_t *changes = epoch_changes(st, last, e);
    if (!changes)
        goto fail;
    json_object_set_new(out, "epoch_changes", changes);
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

/* The validator epochs the verifier knows: epoch 0 from the genesis, each
 * later one proven by its change (light.h). */
typedef struct epochs {
    const node_genesis_t *g;
    uint64_t L;                 /* staking epoch_blocks; 0 = one epoch for ever */
    chain_hash_t chain_gid;
    size_t n, cap;
    cons_valset_t **vs;
    chain_hash_t *gid;
    uint64_t *end;              /* end[k]: height of the block that ended epoch k-1 (end[0] = 0) */
} epochs_t;

static void epochs_free(epochs_t *x)
{
    for (size_t i = 0; i < x->n; i++)
        cons_valset_free(x->vs[i]);
    free(x->vs);
    free(x->gid);
    free(x->end);
}

static int epochs_push(epochs_t *x, cons_valset_t *vs, const chain_hash_t *gid, uint64_t end,
                       err_t *e)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 8;
        cons_valset_t **v = realloc(x->vs, cap * sizeof *v);
        if (v)
            x->vs = v;
        chain_hash_t *g = realloc(x->gid, cap * sizeof *g);
        if (g)
            x->gid = g;
        uint64_t *en = realloc(x->end, cap * sizeof *en);
        if (en)
            x->end = en;
        if (!v || !g || !en) {
            cons_valset_free(vs);
            return err_set(e, LIGHT_ENOMEM, "light: out of memory");
        }
        x->cap = cap;
    }
    x->vs[x->n] = vs;
    x->gid[x->n] = *gid;
    x->end[x->n] = end;
    x->n++;
    return 0;
}

static int epochs_init(epochs_t *x, const node_genesis_t *g, err_t *e)
{
    memset(x, 0, sizeof *x);
    x->g = g;
    int rc = node_genesis_cons_id(g, &x->chain_gid, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < g->n_stake_data; i++)
        if (g->stake_data[i].tag == CHAIN_DATA_STAKING) {
            chain_stake_global_t *sg = malloc(sizeof *sg);
            if (!sg)
                return err_set(e, LIGHT_ENOMEM, "light: out of memory");
            err_t de = {0};
            rc = chain_stake_global_decode(g->stake_data[i].val, g->stake_data[i].len, sg, &de);
            x->L = sg->p.epoch_blocks;
            free(sg);
            if (rc)
                return err_set(e, LIGHT_EINVAL, "light: the genesis staking record: %s", de.msg);
        }
    cons_valset_t *vs = bft_valset_genesis(g, e);
    if (!vs)
        return LIGHT_EINVAL;
    return epochs_push(x, vs, &x->chain_gid, 0, e);
}

/* Verifies record obj (what names it) with the set of the epoch its height
 * falls in: committed by the 2-chain rule under that set, and not past the
 * end of that epoch: a block certifying the next staking boundary
 * (cert_height >= (e+1)L) must be the first of its epoch to do so (its
 * parent, or the epoch's genesis, shows it), since the epoch ends there. */
static int check_record(const epochs_t *x, const json_t *obj, const char *what,
                        bft_finality_t *f, uint64_t *epoch, bft_payload_t *pl, err_t *e)
{
    err_t de = {0};
    int rc = get_record(obj, what, f, e);
    if (rc)
        return rc;
    uint64_t h = f->block->h.height;
    size_t k = 0;
    while (k + 1 < x->n && x->end[k + 1] < h)
        k++;
    *epoch = k;
    if (bft_finality_verify(x->vs[k], x->g->g.chain_id, &x->gid[k], f, &de) != 0)
        return err_set(e, LIGHT_EREFUSED,
                       "light: %s: the block of height %llu is not committed by the set of "
                       "validator epoch %zu: %s",
                       what, (unsigned long long)h, k, de.msg);
    if (bft_payload_decode(f->block->payload, f->block->payload_len, pl, &de) != 0)
        return err_set(e, LIGHT_EREFUSED, "light: %s: the block's payload does not decode: %s",
                       what, de.msg);
    if (!x->L || pl->cert_height < (k + 1) * x->L)
        return 0;
    if (chain_hash_equal(&f->block->h.qc.block_id, &x->gid[k]))
        return 0;   /* the first block of its epoch */
    const json_t *pj = json_object_get(obj, "parent");
    uint8_t *pb = NULL;
    size_t pn = 0;
    cons_block_t *parent = NULL;
    bft_payload_t pp;
    rc = pj && !json_is_null(pj) ? hex_bytes(pj, what, "parent", &pb, &pn, e)
                                 : err_set(e, LIGHT_EREFUSED,
                                           "light: %s: the block certifies height %llu, past the "
                                           "end of validator epoch %zu, and no parent shows it "
                                           "ends that epoch (a later epoch's change is missing?)",
                                           what, (unsigned long long)pl->cert_height, k);
    if (rc == 0 && !(parent = cons_block_decode(pb, pn, &de)))
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: the parent block does not decode: %s", what,
                     de.msg);
    if (rc == 0 && !chain_hash_equal(&parent->id, &f->block->h.qc.block_id))
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: \"parent\" is not the block's parent", what);
    if (rc == 0 && bft_payload_decode(parent->payload, parent->payload_len, &pp, &de) != 0)
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: the parent's payload does not decode: %s",
                     what, de.msg);
    if (rc == 0 && pp.cert_height >= (k + 1) * x->L)
        rc = err_set(e, LIGHT_EREFUSED,
                     "light: %s: height %llu is past the end of validator epoch %zu (its parent "
                     "already certified the staking boundary %llu): a later epoch's change is "
                     "missing from the proof",
                     what, (unsigned long long)h, k, (unsigned long long)((k + 1) * x->L));
    cons_block_free(parent);
    free(pb);
    return rc;
}

/* Epoch change k (light.h): the block that ended epoch k-1, the chain header
 * it certifies, and the VALSET leaf of epoch k under that header's root. */
static int check_change(epochs_t *x, const json_t *c, err_t *e)
{
    uint64_t k = x->n, epoch = 0, height = 0;
    char what[48];
    snprintf(what, sizeof what, "epoch_changes[%llu]", (unsigned long long)(k - 1));
    uint64_t ck;
    if (!json_is_object(c) || !cjson_get_u64(json_object_get(c, "epoch"), &ck) || ck != k ||
        !cjson_get_u64(json_object_get(c, "height"), &height))
        return err_set(e, LIGHT_EINVAL, "light: %s: want {\"epoch\": %llu, \"height\", ...}",
                       what, (unsigned long long)k);
    if (!x->L)
        return err_set(e, LIGHT_EREFUSED, "light: %s: the genesis has no staking: its validator "
                                          "set never changes", what);
    bft_finality_t f;
    bft_payload_t pl;
    err_t de = {0};
    uint8_t *hb = NULL, *val = NULL;
    size_t hn = 0, vn = 0;
    chain_header_t hdr;
    chain_valset_t *set = NULL;
    cons_validator_t *cv = NULL;
    uint64_t *stakes = NULL;
    cons_valset_t *vs = NULL;
    chain_hash_t *sib = NULL;
    int rc = check_record(x, c, what, &f, &epoch, &pl, e);
    if (rc == 0 && (epoch != k - 1 || f.block->h.height != height))
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: the block of height %llu is not in epoch %llu",
                     what, (unsigned long long)f.block->h.height, (unsigned long long)(k - 1));
    if (rc == 0 && pl.cert_height < k * x->L)
        rc = err_set(e, LIGHT_EREFUSED,
                     "light: %s: the block certifies height %llu, below the staking boundary "
                     "%llu: it does not end the epoch",
                     what, (unsigned long long)pl.cert_height, (unsigned long long)(k * x->L));
    if (rc == 0)
        rc = hex_bytes(json_object_get(c, "set_header"), what, "set_header", &hb, &hn, e);
    if (rc == 0 && chain_header_decode(hb, hn, &hdr, &de) != 0)
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: set_header does not decode: %s", what, de.msg);
    chain_hash_t hh;
    if (rc == 0) {
        chain_header_hash(&hdr, &hh);
        if (hdr.height != pl.cert_height || !chain_hash_equal(&hh, &pl.cert_hash))
            rc = err_set(e, LIGHT_EREFUSED,
                         "light: %s: set_header is not the chain block the end block certifies",
                         what);
    }
    if (rc == 0)
        rc = hex_bytes(json_object_get(c, "set_value"), what, "set_value", &val, &vn, e);
    const json_t *sj = json_object_get(c, "set_siblings");
    size_t ns = json_array_size(sj);
    if (rc == 0 && (!json_is_array(sj) || ns > CHAIN_SMT_MAX_DEPTH))
        rc = err_set(e, LIGHT_EINVAL, "light: %s: set_siblings must list at most %d hashes", what,
                     CHAIN_SMT_MAX_DEPTH);
    if (rc == 0 && !(sib = calloc(ns ? ns : 1, sizeof *sib)))
        rc = err_set(e, LIGHT_ENOMEM, "light: out of memory");
    for (size_t i = 0; rc == 0 && i < ns; i++) {
        uint8_t *b = NULL;
        size_t bn = 0;
        rc = hex_bytes(json_array_get(sj, i), what, "set_siblings[]", &b, &bn, e);
        if (rc == 0 && bn != 32)
            rc = err_set(e, LIGHT_EINVAL, "light: %s: set_siblings[%zu] is not 32 bytes", what, i);
        if (rc == 0)
            memcpy(sib[i].b, b, 32);
        free(b);
    }
    uint8_t id[32];
    chain_stake_valset_id(k, id);
    if (rc == 0 && chain_data_proof_verify(CHAIN_DATA_VALSET, id, val, vn, sib, ns, NULL, NULL,
                                           &hdr.state_root, &de) != 0)
        rc = err_set(e, LIGHT_EREFUSED,
                     "light: %s: the set of epoch %llu is not in that block's state: %s", what,
                     (unsigned long long)k, de.msg);
    if (rc == 0 && (!(set = malloc(sizeof *set)) || !(cv = calloc(CHAIN_STAKE_MAX_SET, sizeof *cv)) ||
                    !(stakes = calloc(CHAIN_STAKE_MAX_SET, sizeof *stakes))))
        rc = err_set(e, LIGHT_ENOMEM, "light: out of memory");
    if (rc == 0 && chain_valset_decode(val, vn, set, &de) != 0)
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: the set does not decode: %s", what, de.msg);
    if (rc == 0 && (set->epoch != k || set->n == 0))
        rc = err_set(e, LIGHT_EREFUSED, "light: %s: the record is the set of epoch %llu with %u "
                                        "members", what, (unsigned long long)set->epoch, set->n);
    if (rc == 0) {
        chain_valset_cons_stakes(set, stakes);
        for (uint32_t i = 0; i < set->n; i++) {
            memcpy(cv[i].bls_pk, set->m[i].bls_pk, CONS_PK_BYTES);
            memcpy(cv[i].vrf_pk, set->m[i].vrf_pk, CONS_VRF_PK_BYTES);
            cv[i].stake = stakes[i];
        }
        if (!(vs = cons_valset_new(&cons_crypto_bls, cv, set->n, &de)))
            rc = err_set(e, LIGHT_EREFUSED, "light: %s: the set: %s", what, de.msg);
    }
    if (rc == 0) {
        uint8_t sh[32];
        bft_set_hash(vs, sh);
        cons_anchor_t end;
        memset(&end, 0, sizeof end);
        end.id = f.block->id;
        end.height = height;
        bft_epoch_t ep;
        bft_epoch_derive(&x->chain_gid, k, &end, sh, &ep);
        rc = epochs_push(x, vs, &ep.genesis_id, height, e);
        vs = NULL;
    }
    cons_valset_free(vs);
    bft_finality_free(&f);
    free(hb);
    free(val);
    free(sib);
    free(set);
    free(cv);
    free(stakes);
    return rc;
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
    epochs_t x;
    bft_finality_t f, fk;
    memset(&f, 0, sizeof f);
    memset(&fk, 0, sizeof fk);
    err_t de = {0};
    int rc = epochs_init(&x, g, e);
    /* the epoch changes, each proven by the set before it */
    const json_t *changes = json_object_get(proof, "epoch_changes");
    if (rc == 0 && changes && !json_is_null(changes) && !json_is_array(changes))
        rc = err_set(e, LIGHT_EINVAL, "light: \"epoch_changes\" must be an array");
    for (size_t i = 0; rc == 0 && i < json_array_size(changes); i++)
        rc = check_change(&x, json_array_get(changes, i), e);
    uint64_t ep = 0;
    bft_payload_t p;
    if (rc == 0)
        rc = check_record(&x, proof, "proof", &f, &ep, &p, e);
    if (rc == 0 && f.block->h.height != height)
        rc = err_set(e, LIGHT_EREFUSED, "light: the block is at height %llu, not %llu",
                     (unsigned long long)f.block->h.height, (unsigned long long)height);
    if (rc == 0) {
        out->height = height;
        out->epoch = ep;
        out->round = f.block->h.round;
        out->block_id = f.block->id;
        out->payload_hash = f.block->h.payload_hash;
        out->n_txs = p.n_txs;
        out->total_stake = cons_valset_total_stake(x.vs[ep]);
        qc_stake(x.vs[ep], &f.commit_qc, &out->signers, &out->stake);
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
        uint64_t k = 0, ek = 0;
        if (rc == 0 && !cjson_get_u64(json_object_get(cert, "height"), &k))
            rc = err_set(e, LIGHT_EINVAL, "light: certified_by.height must be an unsigned integer");
        bft_payload_t pk;
        if (rc == 0)
            rc = check_record(&x, cert, "certified_by", &fk, &ek, &pk, e);
        if (rc == 0 && fk.block->h.height != k)
            rc = err_set(e, LIGHT_EREFUSED, "light: the certifying block is at height %llu, not %llu",
                         (unsigned long long)fk.block->h.height, (unsigned long long)k);
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
    epochs_free(&x);
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
    return json_pack("{s:b,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "verified", 1, "height",
                     cjson_u64(r->height), "epoch", cjson_u64(r->epoch), "round",
                     cjson_u64(r->round), "block_id",
                     hex_json(r->block_id.b, 32), "payload_hash",
                     hex_json(r->payload_hash.b, 32), "n_txs", (json_int_t)r->n_txs,
                     "signers", (json_int_t)r->signers, "stake", cjson_u64(r->stake),
                     "total_stake", cjson_u64(r->total_stake), "chain_block",
                     cb ? cb : json_null());
}

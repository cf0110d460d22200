/* chain/consensus validator sets: stake, quorums, the stake-weighted leader
 * draw, epoch seeds, the BLS/ECVRF signature table, and the verifiers of
 * QCs, TCs and equivocation evidence (all pure functions of a set). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"

/* ---- the BLS + ECVRF table ---- */

struct cons_keys {
    uint32_t n;
    bls_pk_t pk[];
};

static int bls_keys_new(const uint8_t (*pks)[CONS_PK_BYTES], uint32_t n, cons_keys_t **out,
                        err_t *e)
{
    cons_keys_t *k = malloc(sizeof *k + (size_t)n * sizeof(bls_pk_t));
    if (!k)
        return err_set(e, CONS_ENOMEM, "consensus: out of memory");
    k->n = n;
    for (uint32_t i = 0; i < n; i++) {
        if (bls_pk_decode(&k->pk[i], pks[i], e) != 0) {
            err_prefix(e, "consensus: validator %u BLS key", i);
            free(k);
            return CONS_EINVAL;
        }
    }
    *out = k;
    return 0;
}

static void bls_keys_free(cons_keys_t *k)
{
    free(k);
}

static int bls_t_sk_to_pk(const uint8_t sk[32], uint8_t pk[48], err_t *e)
{
    return bls_sk_to_pk(pk, sk, e) == 0 ? 0 : CONS_ECRYPTO;
}

static int bls_t_sign(const uint8_t sk[32], const uint8_t *msg, size_t len, uint8_t sig[96],
                      err_t *e)
{
    return bls_sign(sig, sk, msg, len, e) == 0 ? 0 : CONS_ECRYPTO;
}

static int bls_t_verify(const cons_keys_t *k, uint32_t signer, const uint8_t *msg, size_t len,
                        const uint8_t sig[96], err_t *e)
{
    bls_sig_t s;
    if (signer >= k->n || bls_sig_decode(&s, sig, e) != 0)
        return CONS_EBADSIG;
    return bls_verify_decoded(&k->pk[signer], msg, len, &s, e) == 0 ? 0 : CONS_EBADSIG;
}

static int bls_t_aggregate(const uint8_t (*sigs)[96], size_t n, uint8_t out[96], err_t *e)
{
    return bls_aggregate(out, sigs, n, e) == 0 ? 0 : CONS_EBADSIG;
}

static int bls_t_aggregate_verify(const cons_keys_t *k, size_t n_groups,
                                  const uint8_t (*bitmaps)[CONS_BITMAP_BYTES],
                                  const uint8_t *const *msgs, const size_t *lens,
                                  const uint8_t sig[96], err_t *e)
{
    if (n_groups == 0 || n_groups > CONS_MAX_VALIDATORS)
        return err_set(e, CONS_EINVAL, "consensus: %zu signer groups", n_groups);
    bls_pk_t *sel = malloc((size_t)k->n * sizeof *sel);
    uint8_t (*agg)[BLS_PK_BYTES] = malloc(n_groups * sizeof *agg);
    int rc = CONS_EBADSIG;
    if (!sel || !agg) {
        rc = err_set(e, CONS_ENOMEM, "consensus: out of memory");
        goto done;
    }
    if (n_groups == 1) {
        size_t m = 0;
        for (uint32_t i = 0; i < k->n; i++)
            if (bm_get(bitmaps[0], i))
                sel[m++] = k->pk[i];
        bls_sig_t s;
        if (bls_sig_decode(&s, sig, e) == 0 &&
            bls_fast_aggregate_verify_decoded(sel, m, msgs[0], lens[0], &s, e) == 0)
            rc = 0;
        goto done;
    }
    /* Distinct messages: one aggregate key per group, then AggregateVerify. */
    for (size_t g = 0; g < n_groups; g++) {
        size_t m = 0;
        for (uint32_t i = 0; i < k->n; i++)
            if (bm_get(bitmaps[g], i))
                sel[m++] = k->pk[i];
        bls_pk_t a;
        bls_pk_aggregate_decoded(&a, sel, m);
        bls_pk_encode(agg[g], &a);
    }
    if (bls_aggregate_verify((const uint8_t (*)[BLS_PK_BYTES])agg, msgs, lens, n_groups, sig,
                             e) == 0)
        rc = 0;
done:
    free(sel);
    free(agg);
    return rc;
}

static int vrf_t_sk_to_pk(const uint8_t sk[32], uint8_t pk[32], err_t *e)
{
    (void)e;
    ecvrf_sk_to_pk(sk, pk);
    return 0;
}

static int vrf_t_prove(const uint8_t sk[32], const uint8_t *alpha, size_t len, uint8_t pi[80],
                       err_t *e)
{
    return ecvrf_prove(ECVRF_SUITE_TAI, sk, alpha, len, pi, e) == 0 ? 0 : CONS_ECRYPTO;
}

static int vrf_t_verify(const uint8_t pk[32], const uint8_t *alpha, size_t len,
                        const uint8_t pi[80], uint8_t beta[64], err_t *e)
{
    return ecvrf_verify(ECVRF_SUITE_TAI, pk, alpha, len, pi, beta, e) == 0 ? 0 : CONS_EBADSIG;
}

const cons_crypto_t cons_crypto_bls = {
    .name = "bls12-381-min-pk+ecvrf-tai",
    .keys_new = bls_keys_new,
    .keys_free = bls_keys_free,
    .sk_to_pk = bls_t_sk_to_pk,
    .sign = bls_t_sign,
    .verify = bls_t_verify,
    .aggregate = bls_t_aggregate,
    .aggregate_verify = bls_t_aggregate_verify,
    .vrf_sk_to_pk = vrf_t_sk_to_pk,
    .vrf_prove = vrf_t_prove,
    .vrf_verify = vrf_t_verify,
};

/* ---- sets ---- */

cons_valset_t *cons_valset_new(const cons_crypto_t *crypto, const cons_validator_t *v,
                               uint32_t n, err_t *e)
{
    if (!crypto || !v || n == 0 || n > CONS_MAX_VALIDATORS) {
        err_set(e, CONS_EINVAL, "consensus: validator set of %u (need 1..%u)", n,
                CONS_MAX_VALIDATORS);
        return NULL;
    }
    cons_valset_t *vs = calloc(1, sizeof *vs);
    uint8_t (*pks)[CONS_PK_BYTES] = malloc((size_t)n * CONS_PK_BYTES);
    if (!vs || !pks)
        goto nomem;
    vs->crypto = crypto;
    vs->n = n;
    vs->v = malloc((size_t)n * sizeof *vs->v);
    vs->cum = malloc((size_t)n * sizeof *vs->cum);
    if (!vs->v || !vs->cum)
        goto nomem;
    memcpy(vs->v, v, (size_t)n * sizeof *v);
    for (uint32_t i = 0; i < n; i++) {
        if (v[i].stake == 0) {
            err_set(e, CONS_EINVAL, "consensus: validator %u has zero stake", i);
            goto fail;
        }
        if (vs->total > UINT64_MAX - v[i].stake) {
            err_set(e, CONS_EINVAL, "consensus: total stake overflows u64 at validator %u", i);
            goto fail;
        }
        vs->total += v[i].stake;
        vs->cum[i] = vs->total;
        for (uint32_t j = 0; j < i; j++)
            if (memcmp(v[i].bls_pk, v[j].bls_pk, CONS_PK_BYTES) == 0) {
                err_set(e, CONS_EINVAL, "consensus: validators %u and %u share a BLS key", j, i);
                goto fail;
            }
        memcpy(pks[i], v[i].bls_pk, CONS_PK_BYTES);
    }
    if (crypto->keys_new(pks, n, &vs->keys, e) != 0)
        goto fail;
    free(pks);
    return vs;
nomem:
    err_set(e, CONS_ENOMEM, "consensus: out of memory");
fail:
    free(pks);
    cons_valset_free(vs);
    return NULL;
}

void cons_valset_free(cons_valset_t *vs)
{
    if (!vs)
        return;
    if (vs->keys)
        vs->crypto->keys_free(vs->keys);
    free(vs->v);
    free(vs->cum);
    free(vs);
}

uint32_t cons_valset_size(const cons_valset_t *vs)
{
    return vs->n;
}

uint64_t cons_valset_total_stake(const cons_valset_t *vs)
{
    return vs->total;
}

const cons_validator_t *cons_valset_get(const cons_valset_t *vs, uint32_t i)
{
    return i < vs->n ? &vs->v[i] : NULL;
}

bool cons_quorum(uint64_t stake, uint64_t total)
{
    return (unsigned __int128)stake * 3 > (unsigned __int128)total * 2;
}

uint32_t cons_leader(const cons_valset_t *vs, const uint8_t seed[32], uint64_t round)
{
    uint8_t in[16 + 32 + 8], h[32];
    memcpy(in, "aether/leader/v1", 16);
    memcpy(in + 16, seed, 32);
    le64_put(in + 48, round);
    crypto_sha256(in, sizeof in, h);
    unsigned __int128 x = 0;
    for (int i = 15; i >= 0; i--)
        x = x << 8 | h[i];
    uint64_t t = (uint64_t)(x % vs->total);   /* bias < total / 2^128 */
    uint32_t lo = 0, hi = vs->n - 1;          /* first i with cum[i] > t */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (vs->cum[mid] > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void cons_child_seed(const uint8_t seed[32], const uint8_t acc[32], uint64_t parent_round,
                     uint64_t round, uint64_t epoch_len, uint8_t out[32])
{
    uint64_t ep = parent_round / epoch_len, ec = round / epoch_len;
    if (ep == ec) {
        memcpy(out, seed, 32);
        return;
    }
    uint8_t in[14 + 32 + 32 + 8];
    memcpy(in, "aether/seed/v1", 14);
    memcpy(in + 14, seed, 32);
    memcpy(in + 46, acc, 32);
    le64_put(in + 78, ec);
    crypto_sha256(in, sizeof in, out);
}

void cons_vrf_alpha(const uint8_t seed[32], uint64_t round, uint8_t alpha[53])
{
    memcpy(alpha, "aether/vrf/v1", 13);
    memcpy(alpha + 13, seed, 32);
    le64_put(alpha + 45, round);
}

/* ---- verifiers ---- */

int cons_bitmap_check(const cons_valset_t *vs, uint32_t nb, const uint8_t *bm, uint64_t *stake,
                      uint32_t *count, const char *what, err_t *e)
{
    if (nb != bm_bytes(vs->n))
        return err_set(e, CONS_EINVAL, "consensus: %s bitmap is %u bytes, the set needs %u",
                       what, nb, bm_bytes(vs->n));
    uint64_t s = 0;
    uint32_t c = 0;
    for (uint32_t i = 0; i < nb * 8; i++) {
        if (!bm_get(bm, i))
            continue;
        if (i >= vs->n)
            return err_set(e, CONS_EINVAL, "consensus: %s signer %u is not a validator", what, i);
        s += vs->v[i].stake;
        c++;
    }
    *stake = s;
    *count = c;
    return 0;
}

int cons_qc_verify(const cons_valset_t *vs, uint64_t chain_id, const chain_hash_t *genesis_id,
                   const cons_qc_t *qc, err_t *e)
{
    if (qc->round == 0) {
        if (qc->nb != 0 || !chain_hash_equal(&qc->block_id, genesis_id))
            return err_set(e, CONS_EBADSIG, "consensus: a round-0 QC must be the genesis QC");
        return 0;
    }
    uint64_t stake;
    uint32_t count;
    int rc = cons_bitmap_check(vs, qc->nb, qc->bitmap, &stake, &count, "qc", e);
    if (rc)
        return rc;
    if (!cons_quorum(stake, vs->total))
        return err_set(e, CONS_EBADSIG,
                       "consensus: qc of round %llu has stake %llu of %llu (need > 2/3)",
                       (unsigned long long)qc->round, (unsigned long long)stake,
                       (unsigned long long)vs->total);
    uint8_t m[64];
    const uint8_t *msgs[1] = {m};
    size_t lens[1] = {cons_vote_msg(chain_id, qc->round, &qc->block_id, m)};
    uint8_t bms[1][CONS_BITMAP_BYTES];
    memset(bms, 0, sizeof bms);
    memcpy(bms[0], qc->bitmap, qc->nb);
    if (vs->crypto->aggregate_verify(vs->keys, 1, (const uint8_t (*)[CONS_BITMAP_BYTES])bms,
                                     msgs, lens, qc->sig, e) != 0)
        return err_set(e, CONS_EBADSIG,
                       "consensus: qc of round %llu: aggregate signature does not verify",
                       (unsigned long long)qc->round);
    return 0;
}

int cons_tc_verify(const cons_valset_t *vs, uint64_t chain_id, const chain_hash_t *genesis_id,
                   const cons_tc_t *tc, err_t *e)
{
    uint64_t stake;
    uint32_t count;
    int rc = cons_bitmap_check(vs, tc->nb, tc->bitmap, &stake, &count, "tc", e);
    if (rc)
        return rc;
    if (count != tc->n)
        return err_set(e, CONS_EINVAL, "consensus: tc lists %u QC rounds for %u signers", tc->n,
                       count);
    if (!cons_quorum(stake, vs->total))
        return err_set(e, CONS_EBADSIG, "consensus: tc of round %llu lacks a > 2/3 quorum",
                       (unsigned long long)tc->round);
    uint64_t max = 0;
    for (uint32_t i = 0; i < tc->n; i++) {
        if (tc->hqc_rounds[i] >= tc->round)
            return err_set(e, CONS_EINVAL, "consensus: tc of round %llu reports a QC of round %llu",
                           (unsigned long long)tc->round, (unsigned long long)tc->hqc_rounds[i]);
        if (tc->hqc_rounds[i] > max)
            max = tc->hqc_rounds[i];
    }
    if (tc->high_qc.round != max)
        return err_set(e, CONS_EINVAL,
                       "consensus: tc high QC has round %llu but the highest reported is %llu",
                       (unsigned long long)tc->high_qc.round, (unsigned long long)max);
    rc = cons_qc_verify(vs, chain_id, genesis_id, &tc->high_qc, e);
    if (rc)
        return err_prefix(e, "tc high QC");
    /* Group signers by the QC round they signed. */
    uint8_t(*bms)[CONS_BITMAP_BYTES] = calloc(tc->n, CONS_BITMAP_BYTES);
    uint8_t(*m)[CONS_TIMEOUT_MSG_BYTES] = malloc((size_t)tc->n * CONS_TIMEOUT_MSG_BYTES);
    const uint8_t **msgs = malloc((size_t)tc->n * sizeof *msgs);
    size_t *lens = malloc((size_t)tc->n * sizeof *lens);
    uint64_t *grounds = malloc((size_t)tc->n * sizeof *grounds);
    size_t ng = 0;
    if (!bms || !m || !msgs || !lens || !grounds) {
        rc = err_set(e, CONS_ENOMEM, "consensus: out of memory");
        goto done;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < vs->n; i++) {
        if (!bm_get(tc->bitmap, i))
            continue;
        uint64_t r = tc->hqc_rounds[k++];
        size_t g = 0;
        while (g < ng && grounds[g] != r)
            g++;
        if (g == ng) {
            grounds[ng] = r;
            lens[ng] = cons_timeout_msg(chain_id, genesis_id, tc->round, r, m[ng]);
            msgs[ng] = m[ng];
            ng++;
        }
        bm_set(bms[g], i);
    }
    if (vs->crypto->aggregate_verify(vs->keys, ng, (const uint8_t (*)[CONS_BITMAP_BYTES])bms,
                                     msgs, lens, tc->sig, e) != 0)
        rc = err_set(e, CONS_EBADSIG,
                     "consensus: tc of round %llu: aggregate signature does not verify",
                     (unsigned long long)tc->round);
done:
    free(bms);
    free(m);
    free(msgs);
    free(lens);
    free(grounds);
    return rc;
}

int cons_evidence_verify(const cons_valset_t *vs, uint64_t chain_id, const cons_evidence_t *ev,
                         err_t *e)
{
    if (ev->validator >= vs->n)
        return err_set(e, CONS_EINVAL, "consensus: evidence names validator %u of %u",
                       ev->validator, vs->n);
    uint8_t m[64];
    if (ev->kind == CONS_EVIDENCE_VOTES) {
        if (ev->votes[0].round != ev->votes[1].round)
            return err_set(e, CONS_EREJECT, "consensus: evidence votes are for rounds %llu and %llu",
                           (unsigned long long)ev->votes[0].round,
                           (unsigned long long)ev->votes[1].round);
        if (chain_hash_equal(&ev->votes[0].block_id, &ev->votes[1].block_id))
            return err_set(e, CONS_EREJECT, "consensus: evidence votes are for the same block");
        for (int i = 0; i < 2; i++) {
            size_t n = cons_vote_msg(chain_id, ev->votes[i].round, &ev->votes[i].block_id, m);
            if (vs->crypto->verify(vs->keys, ev->validator, m, n, ev->votes[i].sig, e) != 0)
                return err_set(e, CONS_EBADSIG, "consensus: evidence vote %d does not verify", i);
        }
        return 0;
    }
    if (ev->kind == CONS_EVIDENCE_PROPOSALS) {
        const cons_header_t *a = &ev->headers[0], *b = &ev->headers[1];
        if (a->round != b->round || a->proposer != ev->validator || b->proposer != ev->validator ||
            a->chain_id != chain_id || b->chain_id != chain_id)
            return err_set(e, CONS_EREJECT,
                           "consensus: evidence proposals differ in round, proposer or chain");
        chain_hash_t ids[2];
        cons_header_id(a, &ids[0]);
        cons_header_id(b, &ids[1]);
        if (chain_hash_equal(&ids[0], &ids[1]))
            return err_set(e, CONS_EREJECT, "consensus: evidence proposals are the same block");
        for (int i = 0; i < 2; i++) {
            size_t n = cons_proposal_msg(chain_id, &ids[i], m);
            if (vs->crypto->verify(vs->keys, ev->validator, m, n, ev->header_sigs[i], e) != 0)
                return err_set(e, CONS_EBADSIG, "consensus: evidence proposal %d does not verify",
                               i);
        }
        return 0;
    }
    return err_set(e, CONS_EINVAL, "consensus: unknown evidence kind %u", ev->kind);
}

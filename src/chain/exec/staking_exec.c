/* chain/exec: staking transactions inside block execution and admission,
 * the end-of-block participation count and the epoch transition (rewards,
 * downtime jailing, the next validator set), genesis validators, and the
 * reads RPC and consensus use. Records are staking.c's; the rules are in
 * exec.h and docs/staking.md.
 *
 * A staking step works on in-memory copies of the records it touches, and
 * writes them back only when it is allowed and the sender can pay fee +
 * what it locks; the caller (chain_exec_tx) rolls the overlay back to its
 * savepoint on any other outcome, so a refused step changes nothing but the
 * fee and the nonce. */
#include "exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/consensus/consensus.h"
#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"

chain_u128_t chain_stake_muldiv(chain_u128_t a, chain_u128_t b, chain_u128_t c);

static const chain_u128_t ZERO = {0, 0};

static uint8_t refuse(err_t *why, const char *fmt, ...) BASE_PRINTF(2, 3);
static uint8_t refuse(err_t *why, const char *fmt, ...)
{
    if (why) {
        char msg[ERR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        err_set(why, CHAIN_ETXINVALID, "tx: %s", msg);
    }
    return CHAIN_STATUS_STAKE_REFUSED;
}

static bool addr_eq(const chain_addr_t *a, const chain_addr_t *b)
{
    return memcmp(a->b, b->b, CHAIN_ADDR_BYTES) == 0;
}

static const char *ahex(const chain_addr_t *a, char out[41])
{
    chain_addr_to_hex(a, out);
    return out;
}

static const char *u128s(chain_u128_t v, char out[CHAIN_U128_STR_MAX])
{
    chain_u128_format(v, out);
    return out;
}

/* ---- record I/O on an overlay ---- */

static const uint8_t GLOBAL_ID[32] = {0};

static int load_global(chain_overlay_t *ov, chain_stake_global_t *g, bool *exists, err_t *e)
{
    buf_t v = {0};
    int rc = chain_overlay_get_data(ov, CHAIN_DATA_STAKING, GLOBAL_ID, &v, exists, e);
    if (!rc && *exists)
        rc = chain_stake_global_decode(v.data, v.len, g, e);
    buf_free(&v);
    return rc;
}

static int store_global(chain_overlay_t *ov, const chain_stake_global_t *g, err_t *e)
{
    buf_t v = {0};
    int rc = chain_stake_global_encode(g, &v);
    if (!rc)
        rc = chain_overlay_put_data(ov, CHAIN_DATA_STAKING, GLOBAL_ID, v.data, v.len, e);
    else
        err_set(e, rc, "staking: out of memory");
    buf_free(&v);
    return rc;
}

static int load_validator(chain_overlay_t *ov, const chain_addr_t *a, chain_validator_t *val,
                          bool *exists, err_t *e)
{
    uint8_t id[32];
    chain_stake_validator_id(a, id);
    buf_t v = {0};
    int rc = chain_overlay_get_data(ov, CHAIN_DATA_VALIDATOR, id, &v, exists, e);
    if (!rc && *exists)
        rc = chain_validator_decode(v.data, v.len, val, e);
    buf_free(&v);
    return rc;
}

static int store_validator(chain_overlay_t *ov, const chain_validator_t *val, err_t *e)
{
    uint8_t id[32];
    chain_stake_validator_id(&val->addr, id);
    buf_t v = {0};
    int rc = chain_validator_encode(val, &v);
    if (!rc)
        rc = chain_overlay_put_data(ov, CHAIN_DATA_VALIDATOR, id, v.data, v.len, e);
    else
        err_set(e, rc, "staking: out of memory");
    buf_free(&v);
    return rc;
}

static int load_valset(chain_overlay_t *ov, uint64_t epoch, chain_valset_t *s, bool *exists,
                       err_t *e)
{
    uint8_t id[32];
    chain_stake_valset_id(epoch, id);
    buf_t v = {0};
    int rc = chain_overlay_get_data(ov, CHAIN_DATA_VALSET, id, &v, exists, e);
    if (!rc && *exists)
        rc = chain_valset_decode(v.data, v.len, s, e);
    buf_free(&v);
    return rc;
}

static int store_valset(chain_overlay_t *ov, const chain_valset_t *s, err_t *e)
{
    uint8_t id[32];
    chain_stake_valset_id(s->epoch, id);
    buf_t v = {0};
    int rc = chain_valset_encode(s, &v);
    if (!rc)
        rc = chain_overlay_put_data(ov, CHAIN_DATA_VALSET, id, v.data, v.len, e);
    else
        err_set(e, rc, "staking: out of memory");
    buf_free(&v);
    return rc;
}

static void bls_index_id(const uint8_t bls_pk[CHAIN_BLS_PK_BYTES], uint8_t id[32])
{
    uint8_t m[13 + CHAIN_BLS_PK_BYTES];
    memcpy(m, "aether/bls/v1", 13);
    memcpy(m + 13, bls_pk, CHAIN_BLS_PK_BYTES);
    crypto_sha256(m, sizeof m, id);
}

/* Consensus rounds restart in each validator epoch (chain/bft), so an
 * offence is (validator, epoch, round). */
static void offence_id(const chain_addr_t *a, uint64_t epoch, uint64_t round, uint8_t id[32])
{
    uint8_t m[17 + CHAIN_ADDR_BYTES + 16];
    memcpy(m, "aether/offence/v2", 17);
    memcpy(m + 17, a->b, CHAIN_ADDR_BYTES);
    store_le64(m + 17 + CHAIN_ADDR_BYTES, epoch);
    store_le64(m + 17 + CHAIN_ADDR_BYTES + 8, round);
    crypto_sha256(m, sizeof m, id);
}

/* ---- delegation lists ---- */

static int del_find(const chain_validator_t *v, const chain_addr_t *who)
{
    for (uint32_t i = 0; i < v->n_del; i++)
        if (addr_eq(&v->del[i].who, who))
            return (int)i;
    return -1;
}

/* The entry of who (inserted in address order when new); -1 when full. */
static int del_upsert(chain_validator_t *v, const chain_addr_t *who)
{
    int i = del_find(v, who);
    if (i >= 0)
        return i;
    if (v->n_del >= CHAIN_STAKE_MAX_DELEGATIONS)
        return -1;
    uint32_t at = 0;
    while (at < v->n_del && memcmp(v->del[at].who.b, who->b, CHAIN_ADDR_BYTES) < 0)
        at++;
    memmove(&v->del[at + 1], &v->del[at], (v->n_del - at) * sizeof v->del[0]);
    memset(&v->del[at], 0, sizeof v->del[0]);
    v->del[at].who = *who;
    v->n_del++;
    return (int)at;
}

static void del_drop_if_empty(chain_validator_t *v, int i)
{
    if (i < 0 || !chain_u128_is_zero(v->del[i].amount) || !chain_u128_is_zero(v->del[i].reward))
        return;
    memmove(&v->del[i], &v->del[i + 1], (v->n_del - (uint32_t)i - 1) * sizeof v->del[0]);
    v->n_del--;
}

static void red_prune(chain_validator_t *v, uint64_t h)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < v->n_red; i++)
        if (v->red[i].complete > h)
            v->red[k++] = v->red[i];
    v->n_red = k;
}

/* ---- slashing ---- */

/* Slashes bps of every delegation of v, of its unbonding entries not yet
 * matured at h and of its redelegations not yet matured (taken from the
 * destination delegation, at most what is left there). Adds what was taken
 * from bonded stake to *from_bonded and from unbonding to *from_unbonding. */
static int slash_validator(chain_overlay_t *ov, chain_validator_t *v, uint16_t bps, uint64_t h,
                           chain_u128_t *from_bonded, chain_u128_t *from_unbonding, err_t *e)
{
    chain_u128_t f = chain_u128_from_u64(bps), den = chain_u128_from_u64(10000);
    for (uint32_t i = 0; i < v->n_del; i++) {
        chain_u128_t x = chain_stake_muldiv(v->del[i].amount, f, den);
        if (!chain_u128_sub(v->del[i].amount, x, &v->del[i].amount) ||
            !chain_u128_add(*from_bonded, x, from_bonded))
            return err_set(e, CHAIN_EIO, "staking: slash arithmetic");
    }
    for (uint32_t i = 0; i < v->n_unb; i++) {
        if (v->unb[i].complete <= h)
            continue;
        chain_u128_t x = chain_stake_muldiv(v->unb[i].amount, f, den);
        if (!chain_u128_sub(v->unb[i].amount, x, &v->unb[i].amount) ||
            !chain_u128_add(*from_unbonding, x, from_unbonding))
            return err_set(e, CHAIN_EIO, "staking: slash arithmetic");
    }
    red_prune(v, h);
    chain_validator_t *w = malloc(sizeof *w);
    if (!w)
        return err_set(e, CHAIN_ENOMEM, "staking: out of memory");
    int rc = 0;
    for (uint32_t i = 0; i < v->n_red && !rc; i++) {
        chain_u128_t x = chain_stake_muldiv(v->red[i].amount, f, den);
        bool exists = false;
        if ((rc = load_validator(ov, &v->red[i].to, w, &exists, e)))
            break;
        int j = exists ? del_find(w, &v->red[i].who) : -1;
        if (j < 0)
            continue;   /* already undelegated there: that unbonding is the destination's */
        if (chain_u128_cmp(x, w->del[j].amount) > 0)
            x = w->del[j].amount;
        if (!chain_u128_sub(w->del[j].amount, x, &w->del[j].amount) ||
            !chain_u128_sub(v->red[i].amount, x, &v->red[i].amount) ||
            !chain_u128_add(*from_bonded, x, from_bonded)) {
            rc = err_set(e, CHAIN_EIO, "staking: slash arithmetic");
            break;
        }
        del_drop_if_empty(w, j);
        rc = store_validator(ov, w, e);
    }
    free(w);
    if (rc)
        return rc;
    /* drop delegations that the slash emptied (rounding can leave them) */
    for (uint32_t i = v->n_del; i-- > 0;)
        del_drop_if_empty(v, (int)i);
    return 0;
}

/* ---- one staking step ---- */

typedef struct step {
    chain_overlay_t *ov;
    const chain_tx_t *tx;
    chain_stake_body_t b;
    uint64_t h;
    chain_stake_global_t *g;
    chain_validator_t *v, *w;      /* primary record; second (REDELEGATE) */
    bool write_v, write_w, write_g;
    chain_u128_t lock;             /* leaves the sender's balance */
    chain_u128_t back;             /* paid to the sender */
    bool new_validator;
    chain_addr_t slashed;          /* EVIDENCE: who, and the offence id */
    uint8_t offence[32];
    bool has_offence;
    err_t *why, *e;
    int io;
} step_t;

static uint8_t need_validator(step_t *s, const chain_addr_t *a, chain_validator_t *v,
                              const char *role)
{
    bool exists = false;
    char hx[41];
    if ((s->io = load_validator(s->ov, a, v, &exists, s->e)))
        return CHAIN_STATUS_STAKE_REFUSED;
    if (!exists)
        return refuse(s->why, "%s %s is not a registered validator", role, ahex(a, hx));
    return CHAIN_STATUS_OK;
}

static uint8_t step_register(step_t *s)
{
    const chain_stake_body_t *b = &s->b;
    const chain_addr_t *me = &s->tx->sender;
    bool exists = false;
    char n1[CHAIN_U128_STR_MAX], n2[CHAIN_U128_STR_MAX];
    if ((s->io = load_validator(s->ov, me, s->v, &exists, s->e)))
        return CHAIN_STATUS_STAKE_REFUSED;
    if (exists)
        return refuse(s->why, "the sender is already a registered validator");
    if (s->g->n_validators >= CHAIN_STAKE_MAX_REGISTERED)
        return refuse(s->why, "%d validators are registered, the most this chain holds",
                      CHAIN_STAKE_MAX_REGISTERED);
    if (bls_key_validate(b->bls_pk, NULL) != 0)
        return refuse(s->why, "bls_pk is not a valid BLS12-381 public key");
    if (bls_pop_verify(b->bls_pk, b->bls_pop, NULL) != 0)
        return refuse(s->why, "bls_pop is not a proof of possession of bls_pk");
    if (!ecvrf_pk_valid(b->vrf_pk))
        return refuse(s->why, "vrf_pk is not a valid ECVRF public key");
    uint8_t bid[32];
    bls_index_id(b->bls_pk, bid);
    buf_t tmp = {0};
    bool taken = false;
    s->io = chain_overlay_get_data(s->ov, CHAIN_DATA_BLSKEY, bid, &tmp, &taken, s->e);
    buf_free(&tmp);
    if (s->io)
        return CHAIN_STATUS_STAKE_REFUSED;
    if (taken)
        return refuse(s->why, "bls_pk is already the key of another validator");
    if (chain_u128_cmp(b->min_self_stake, s->g->p.min_self_stake) < 0)
        return refuse(s->why, "min_self_stake %s is below the chain's floor %s",
                      u128s(b->min_self_stake, n1), u128s(s->g->p.min_self_stake, n2));
    if (chain_u128_cmp(b->amount, b->min_self_stake) < 0)
        return refuse(s->why, "self-stake %s is below its min_self_stake %s",
                      u128s(b->amount, n1), u128s(b->min_self_stake, n2));
    chain_validator_t *v = s->v;
    memset(v, 0, offsetof(chain_validator_t, del));
    v->addr = *me;
    memcpy(v->pk, s->tx->sender_pk, CHAIN_PK_BYTES);
    memcpy(v->bls_pk, b->bls_pk, CHAIN_BLS_PK_BYTES);
    memcpy(v->vrf_pk, b->vrf_pk, CHAIN_VRF_PK_BYTES);
    v->commission_bps = b->commission_bps;
    v->min_self_stake = b->min_self_stake;
    v->n_del = 1;
    memset(&v->del[0], 0, sizeof v->del[0]);
    v->del[0].who = *me;
    v->del[0].amount = b->amount;
    /* insert into the registry, ascending */
    chain_stake_global_t *g = s->g;
    uint32_t at = 0;
    while (at < g->n_validators && memcmp(g->validators[at].b, me->b, CHAIN_ADDR_BYTES) < 0)
        at++;
    memmove(&g->validators[at + 1], &g->validators[at],
            (g->n_validators - at) * sizeof g->validators[0]);
    g->validators[at] = *me;
    g->n_validators++;
    if (!chain_u128_add(g->bonded, b->amount, &g->bonded))
        return CHAIN_STATUS_OVERFLOW;
    s->lock = b->amount;
    s->new_validator = true;
    s->write_v = s->write_g = true;
    return CHAIN_STATUS_OK;
}

/* ADD (to the sender's own record) and DELEGATE */
static uint8_t step_bond(step_t *s)
{
    const chain_stake_body_t *b = &s->b;
    bool self = b->kind == CHAIN_TX_STAKE_ADD;
    const chain_addr_t *val = self ? &s->tx->sender : &b->validator;
    char n1[CHAIN_U128_STR_MAX], n2[CHAIN_U128_STR_MAX];
    uint8_t st = need_validator(s, val, s->v, self ? "the sender" : "validator");
    if (st || s->io)
        return st;
    if (!self && s->v->jailed)
        return refuse(s->why, "the validator is jailed (until height %llu)",
                      (unsigned long long)s->v->jailed_until);
    if (!self && chain_u128_cmp(b->amount, s->g->p.min_delegation) < 0)
        return refuse(s->why, "amount %s is below the minimum delegation %s",
                      u128s(b->amount, n1), u128s(s->g->p.min_delegation, n2));
    int i = del_upsert(s->v, &s->tx->sender);
    if (i < 0)
        return refuse(s->why, "the validator has %d delegations, the most it can hold",
                      CHAIN_STAKE_MAX_DELEGATIONS);
    if (!chain_u128_add(s->v->del[i].amount, b->amount, &s->v->del[i].amount) ||
        !chain_u128_add(s->g->bonded, b->amount, &s->g->bonded))
        return CHAIN_STATUS_OVERFLOW;
    s->lock = b->amount;
    s->write_v = s->write_g = true;
    return CHAIN_STATUS_OK;
}

static uint8_t take_delegation(step_t *s, chain_validator_t *v, int *idx)
{
    char n1[CHAIN_U128_STR_MAX], n2[CHAIN_U128_STR_MAX], hx[41];
    int i = del_find(v, &s->tx->sender);
    if (i < 0 || chain_u128_is_zero(v->del[i].amount))
        return refuse(s->why, "the sender has no stake with validator %s", ahex(&v->addr, hx));
    if (chain_u128_cmp(s->b.amount, v->del[i].amount) > 0)
        return refuse(s->why, "amount %s is more than the %s the sender has staked there",
                      u128s(s->b.amount, n1), u128s(v->del[i].amount, n2));
    if (!chain_u128_sub(v->del[i].amount, s->b.amount, &v->del[i].amount))
        return CHAIN_STATUS_OVERFLOW;
    *idx = i;
    return CHAIN_STATUS_OK;
}

static uint8_t step_undelegate(step_t *s)
{
    uint8_t st = need_validator(s, &s->b.validator, s->v, "validator");
    if (st || s->io)
        return st;
    if (s->v->n_unb >= CHAIN_STAKE_MAX_UNBONDING)
        return refuse(s->why, "the validator has %d pending unbondings, the most it holds; "
                      "withdraw matured ones first", CHAIN_STAKE_MAX_UNBONDING);
    int i;
    if ((st = take_delegation(s, s->v, &i)))
        return st;
    del_drop_if_empty(s->v, i);
    chain_stake_unbonding_t *u = &s->v->unb[s->v->n_unb++];
    u->who = s->tx->sender;
    u->amount = s->b.amount;
    u->complete = s->h + s->g->p.unbonding_blocks;
    if (!chain_u128_sub(s->g->bonded, s->b.amount, &s->g->bonded) ||
        !chain_u128_add(s->g->unbonding, s->b.amount, &s->g->unbonding))
        return CHAIN_STATUS_OVERFLOW;
    s->write_v = s->write_g = true;
    return CHAIN_STATUS_OK;
}

static uint8_t step_redelegate(step_t *s)
{
    char n1[CHAIN_U128_STR_MAX], n2[CHAIN_U128_STR_MAX];
    uint8_t st = need_validator(s, &s->b.validator, s->v, "validator");
    if (st || s->io)
        return st;
    if ((st = need_validator(s, &s->b.to, s->w, "destination")) || s->io)
        return st;
    if (s->w->jailed)
        return refuse(s->why, "the destination validator is jailed (until height %llu)",
                      (unsigned long long)s->w->jailed_until);
    if (chain_u128_cmp(s->b.amount, s->g->p.min_delegation) < 0)
        return refuse(s->why, "amount %s is below the minimum delegation %s",
                      u128s(s->b.amount, n1), u128s(s->g->p.min_delegation, n2));
    red_prune(s->v, s->h);
    if (s->v->n_red >= CHAIN_STAKE_MAX_REDELEGATIONS)
        return refuse(s->why, "the validator has %d redelegations in progress, the most it "
                      "holds", CHAIN_STAKE_MAX_REDELEGATIONS);
    int i, j = del_upsert(s->w, &s->tx->sender);
    if (j < 0)
        return refuse(s->why, "the destination has %d delegations, the most it can hold",
                      CHAIN_STAKE_MAX_DELEGATIONS);
    if ((st = take_delegation(s, s->v, &i)))
        return st;
    del_drop_if_empty(s->v, i);
    if (!chain_u128_add(s->w->del[j].amount, s->b.amount, &s->w->del[j].amount))
        return CHAIN_STATUS_OVERFLOW;
    chain_stake_redelegation_t *r = &s->v->red[s->v->n_red++];
    r->who = s->tx->sender;
    r->to = s->b.to;
    r->amount = s->b.amount;
    r->complete = s->h + s->g->p.unbonding_blocks;
    s->write_v = s->write_w = true;
    return CHAIN_STATUS_OK;
}

static uint8_t step_withdraw(step_t *s)
{
    uint8_t st = need_validator(s, &s->b.validator, s->v, "validator");
    if (st || s->io)
        return st;
    chain_validator_t *v = s->v;
    chain_u128_t sum = ZERO;
    uint64_t next = 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < v->n_unb; i++) {
        bool mine = addr_eq(&v->unb[i].who, &s->tx->sender);
        if (mine && v->unb[i].complete <= s->h) {
            if (!chain_u128_add(sum, v->unb[i].amount, &sum))
                return CHAIN_STATUS_OVERFLOW;
            continue;
        }
        if (mine && (next == 0 || v->unb[i].complete < next))
            next = v->unb[i].complete;
        v->unb[k++] = v->unb[i];
    }
    if (k == v->n_unb) {
        if (next)
            return refuse(s->why, "nothing to withdraw yet: the first unbonding matures at "
                          "height %llu", (unsigned long long)next);
        return refuse(s->why, "the sender has no unbonding stake at this validator");
    }
    v->n_unb = k;
    if (!chain_u128_sub(s->g->unbonding, sum, &s->g->unbonding))
        return CHAIN_STATUS_OVERFLOW;
    s->back = sum;
    s->write_v = s->write_g = true;
    return CHAIN_STATUS_OK;
}

static uint8_t step_commission(step_t *s)
{
    uint8_t st = need_validator(s, &s->tx->sender, s->v, "the sender");
    if (st || s->io)
        return st;
    chain_validator_t *v = s->v;
    unsigned old = v->commission_bps, nw = s->b.commission_bps;
    unsigned d = old > nw ? old - nw : nw - old;
    if (d > s->g->p.max_commission_change_bps)
        return refuse(s->why, "commission change %u -> %u bps is more than %u bps per epoch", old,
                      nw, s->g->p.max_commission_change_bps);
    if (v->commission_epoch == s->g->epoch + 1)
        return refuse(s->why, "the commission was already changed in epoch %llu",
                      (unsigned long long)s->g->epoch);
    v->commission_bps = (uint16_t)nw;
    v->commission_epoch = s->g->epoch + 1;
    s->write_v = true;
    return CHAIN_STATUS_OK;
}

static uint8_t step_unjail(step_t *s)
{
    char n1[CHAIN_U128_STR_MAX], n2[CHAIN_U128_STR_MAX];
    uint8_t st = need_validator(s, &s->tx->sender, s->v, "the sender");
    if (st || s->io)
        return st;
    chain_validator_t *v = s->v;
    if (!v->jailed)
        return refuse(s->why, "the validator is not jailed");
    if (s->h < v->jailed_until)
        return refuse(s->why, "the validator is jailed until height %llu",
                      (unsigned long long)v->jailed_until);
    chain_u128_t self = chain_validator_self_stake(v);
    if (chain_u128_cmp(self, v->min_self_stake) < 0)
        return refuse(s->why, "self-stake %s is below its min_self_stake %s", u128s(self, n1),
                      u128s(v->min_self_stake, n2));
    v->jailed = false;
    s->write_v = true;
    return CHAIN_STATUS_OK;
}

static uint8_t step_claim(step_t *s)
{
    uint8_t st = need_validator(s, &s->b.validator, s->v, "validator");
    if (st || s->io)
        return st;
    int i = del_find(s->v, &s->tx->sender);
    if (i < 0 || chain_u128_is_zero(s->v->del[i].reward))
        return refuse(s->why, "the sender has no unclaimed rewards at this validator");
    s->back = s->v->del[i].reward;
    s->v->del[i].reward = ZERO;
    del_drop_if_empty(s->v, i);
    if (!chain_u128_sub(s->g->rewards, s->back, &s->g->rewards))
        return CHAIN_STATUS_OVERFLOW;
    s->write_v = s->write_g = true;
    return CHAIN_STATUS_OK;
}

/* A consensus validator set from a stored one (stakes scaled to fit). */
uint32_t chain_valset_cons_stakes(const chain_valset_t *set, uint64_t *stakes)
{
    unsigned shift = 0;
    for (;;) {
        unsigned __int128 tot = 0;
        for (uint32_t i = 0; i < set->n; i++) {
            unsigned __int128 x = (((unsigned __int128)set->m[i].stake.hi << 64) |
                                   set->m[i].stake.lo) >> shift;
            stakes[i] = x ? (uint64_t)x : 1;
            tot += stakes[i];
            if (x >> 62)
                tot = (unsigned __int128)1 << 100;
        }
        if (tot < ((unsigned __int128)1 << 62))
            return shift;
        shift++;
    }
}

static uint8_t step_evidence(step_t *s)
{
    const chain_stake_body_t *b = &s->b;
    const chain_stake_params_t *p = &s->g->p;
    cons_evidence_t ev;
    err_t de = {0};
    if (cons_evidence_decode(b->evidence, b->evidence_len, &ev, &de) != 0)
        return refuse(s->why, "evidence: %s", de.msg);
    if (b->epoch > s->g->epoch)
        return refuse(s->why, "evidence names epoch %llu, the current epoch is %llu",
                      (unsigned long long)b->epoch, (unsigned long long)s->g->epoch);
    uint64_t end = (b->epoch + 1) * p->epoch_blocks;
    if (s->h > end && s->h - end > p->unbonding_blocks)
        return refuse(s->why, "evidence from epoch %llu (ended at height %llu) is older than the "
                      "unbonding period of %llu blocks", (unsigned long long)b->epoch,
                      (unsigned long long)end, (unsigned long long)p->unbonding_blocks);
    chain_valset_t *set = malloc(sizeof *set);
    cons_validator_t *cv = malloc(CHAIN_STAKE_MAX_SET * sizeof *cv);
    uint64_t *stakes = malloc(CHAIN_STAKE_MAX_SET * sizeof *stakes);
    uint8_t st = CHAIN_STATUS_OK;
    cons_valset_t *vs = NULL;
    bool exists = false;
    if (!set || !cv || !stakes) {
        s->io = err_set(s->e, CHAIN_ENOMEM, "staking: out of memory");
        st = CHAIN_STATUS_STAKE_REFUSED;
        goto out;
    }
    if ((s->io = load_valset(s->ov, b->epoch, set, &exists, s->e))) {
        st = CHAIN_STATUS_STAKE_REFUSED;
        goto out;
    }
    if (!exists || set->n == 0) {
        st = refuse(s->why, "no validator set is recorded for epoch %llu",
                    (unsigned long long)b->epoch);
        goto out;
    }
    chain_valset_cons_stakes(set, stakes);
    for (uint32_t i = 0; i < set->n; i++) {
        memcpy(cv[i].bls_pk, set->m[i].bls_pk, CONS_PK_BYTES);
        memcpy(cv[i].vrf_pk, set->m[i].vrf_pk, CONS_VRF_PK_BYTES);
        cv[i].stake = stakes[i];
    }
    vs = cons_valset_new(&cons_crypto_bls, cv, set->n, &de);
    if (!vs) {
        st = refuse(s->why, "the set of epoch %llu cannot check evidence: %s",
                    (unsigned long long)b->epoch, de.msg);
        goto out;
    }
    if (ev.validator >= set->n) {
        st = refuse(s->why, "evidence names validator %u, the set of epoch %llu has %u",
                    ev.validator, (unsigned long long)b->epoch, set->n);
        goto out;
    }
    if (cons_evidence_verify(vs, s->tx->chain_id, &ev, &de) != 0) {
        st = refuse(s->why, "evidence does not verify against the set of epoch %llu: %s",
                    (unsigned long long)b->epoch, de.msg);
        goto out;
    }
    s->slashed = set->m[ev.validator].addr;
    uint64_t round = ev.kind == CONS_EVIDENCE_VOTES ? ev.votes[0].round : ev.headers[0].round;
    offence_id(&s->slashed, b->epoch, round, s->offence);
    buf_t tmp = {0};
    bool done = false;
    s->io = chain_overlay_get_data(s->ov, CHAIN_DATA_OFFENCE, s->offence, &tmp, &done, s->e);
    uint64_t at = done && tmp.len == 8 ? load_le64(tmp.data) : 0;
    buf_free(&tmp);
    if (s->io) {
        st = CHAIN_STATUS_STAKE_REFUSED;
        goto out;
    }
    if (done) {
        char hx[41];
        st = refuse(s->why, "validator %s was already slashed for round %llu (at height %llu)",
                    ahex(&s->slashed, hx), (unsigned long long)round, (unsigned long long)at);
        goto out;
    }
    if ((st = need_validator(s, &s->slashed, s->v, "the offender")) || s->io)
        goto out;
    chain_u128_t from_b = ZERO, from_u = ZERO, total, rep;
    if ((s->io = slash_validator(s->ov, s->v, p->slash_double_bps, s->h, &from_b, &from_u, s->e))) {
        st = CHAIN_STATUS_STAKE_REFUSED;
        goto out;
    }
    if (!chain_u128_add(from_b, from_u, &total) ||
        !chain_u128_sub(s->g->bonded, from_b, &s->g->bonded) ||
        !chain_u128_sub(s->g->unbonding, from_u, &s->g->unbonding)) {
        st = CHAIN_STATUS_OVERFLOW;
        goto out;
    }
    rep = chain_stake_muldiv(total, chain_u128_from_u64(p->reporter_bps),
                             chain_u128_from_u64(10000));
    chain_u128_t burn;
    if (!chain_u128_sub(total, rep, &burn) || !chain_u128_add(s->g->burned, burn, &s->g->burned)) {
        st = CHAIN_STATUS_OVERFLOW;
        goto out;
    }
    s->back = rep;
    s->v->jailed = true;
    uint64_t until = s->h + p->jail_double_blocks;
    if (until > s->v->jailed_until)
        s->v->jailed_until = until;
    s->v->slash_count++;
    s->has_offence = true;
    s->write_v = s->write_g = true;
out:
    cons_valset_free(vs);
    free(set);
    free(cv);
    free(stakes);
    return st;
}

static uint8_t run_step(step_t *s)
{
    switch (s->b.kind) {
    case CHAIN_TX_STAKE_REGISTER: return step_register(s);
    case CHAIN_TX_STAKE_ADD:
    case CHAIN_TX_STAKE_DELEGATE: return step_bond(s);
    case CHAIN_TX_STAKE_UNDELEGATE: return step_undelegate(s);
    case CHAIN_TX_STAKE_REDELEGATE: return step_redelegate(s);
    case CHAIN_TX_STAKE_WITHDRAW: return step_withdraw(s);
    case CHAIN_TX_STAKE_COMMISSION: return step_commission(s);
    case CHAIN_TX_STAKE_UNJAIL: return step_unjail(s);
    case CHAIN_TX_STAKE_EVIDENCE: return step_evidence(s);
    case CHAIN_TX_STAKE_CLAIM: return step_claim(s);
    default: return refuse(s->why, "unknown staking kind %u", s->b.kind);
    }
}

uint8_t chain_staking_apply(chain_overlay_t *ov, const chain_tx_t *tx, chain_account_t *acct,
                            err_t *why, err_t *e, int *io)
{
    step_t s;
    memset(&s, 0, sizeof s);
    s.ov = ov;
    s.tx = tx;
    s.why = why;
    s.e = e;
    s.h = chain_overlay_height(ov);
    err_t pe = {0};
    if (chain_stake_body_parse(tx->kind, tx->job, tx->job_len, &s.b, &pe) != 0)
        return refuse(why, "%s", pe.msg);
    s.g = malloc(sizeof *s.g);
    s.v = malloc(sizeof *s.v);
    s.w = malloc(sizeof *s.w);
    uint8_t st = CHAIN_STATUS_STAKE_REFUSED;
    bool exists = false;
    if (!s.g || !s.v || !s.w) {
        *io = err_set(e, CHAIN_ENOMEM, "staking: out of memory");
        goto out;
    }
    if ((*io = load_global(ov, s.g, &exists, e)))
        goto out;
    if (!exists) {
        st = refuse(why, "staking is not enabled on this chain (its genesis has no staking)");
        goto out;
    }
    st = run_step(&s);
    if (s.io) {
        *io = s.io;
        goto out;
    }
    if (st != CHAIN_STATUS_OK)
        goto out;
    chain_u128_t need, nb;
    if (!chain_u128_add(tx->fee, s.lock, &need)) {
        st = CHAIN_STATUS_OVERFLOW;
        goto out;
    }
    if (!chain_u128_sub(acct->balance, need, &nb)) {
        char n1[CHAIN_U128_STR_MAX], n2[CHAIN_U128_STR_MAX];
        if (why)
            err_set(why, CHAIN_ETXINVALID, "tx: insufficient funds: balance %s, fee + stake %s",
                    u128s(acct->balance, n1), u128s(need, n2));
        st = CHAIN_STATUS_INSUFFICIENT_BALANCE;
        goto out;
    }
    if (!chain_u128_add(nb, s.back, &nb)) {
        st = CHAIN_STATUS_OVERFLOW;
        goto out;
    }
    chain_account_t na = {nb, acct->nonce + 1};
    if ((*io = chain_overlay_put_account(ov, &tx->sender, &na, e)))
        goto out;
    if (s.write_v && (*io = store_validator(ov, s.v, e)))
        goto out;
    if (s.write_w && (*io = store_validator(ov, s.w, e)))
        goto out;
    if (s.write_g && (*io = store_global(ov, s.g, e)))
        goto out;
    if (s.new_validator) {
        uint8_t bid[32];
        bls_index_id(s.b.bls_pk, bid);
        if ((*io = chain_overlay_put_data(ov, CHAIN_DATA_BLSKEY, bid, tx->sender.b,
                                          CHAIN_ADDR_BYTES, e)))
            goto out;
    }
    if (s.has_offence) {
        uint8_t h8[8];
        store_le64(h8, s.h);
        if ((*io = chain_overlay_put_data(ov, CHAIN_DATA_OFFENCE, s.offence, h8, 8, e)))
            goto out;
    }
out:
    free(s.g);
    free(s.v);
    free(s.w);
    return st;
}

int chain_staking_check(chain_state_t *st, const chain_tx_t *tx, const chain_account_t *acct,
                        err_t *e)
{
    chain_overlay_t *ov = chain_overlay_new(st, e);
    if (!ov)
        return e && e->code ? e->code : CHAIN_EINVAL;
    chain_account_t a = *acct;
    err_t why = {0};
    int io = 0;
    uint8_t status = chain_staking_apply(ov, tx, &a, &why, e, &io);
    chain_overlay_free(ov);
    if (io)
        return io;
    if (status == CHAIN_STATUS_OK)
        return 0;
    if (why.code)
        return err_set(e, CHAIN_ETXINVALID, "%s", why.msg);
    return err_set(e, CHAIN_ETXINVALID, "tx: would fail (%s)", chain_status_name(status));
}

chain_u128_t chain_staking_tx_cost(const chain_tx_t *tx)
{
    chain_stake_body_t b;
    if (chain_stake_body_parse(tx->kind, tx->job, tx->job_len, &b, NULL) != 0)
        return tx->fee;
    if (b.kind == CHAIN_TX_STAKE_REGISTER || b.kind == CHAIN_TX_STAKE_ADD ||
        b.kind == CHAIN_TX_STAKE_DELEGATE)
        return chain_u128_add_sat(tx->fee, b.amount);
    return tx->fee;
}

/* ---- end of block and epochs ---- */

/* Commission first, the rest to the delegations pro-rata by amount (floor);
 * the commission and the rounding dust go to the validator's own entry. */
static int pay_validator(chain_validator_t *v, chain_u128_t r, err_t *e)
{
    chain_u128_t c = chain_stake_muldiv(r, chain_u128_from_u64(v->commission_bps),
                                        chain_u128_from_u64(10000));
    chain_u128_t rest, tot = chain_validator_stake(v), paid = ZERO;
    if (!chain_u128_sub(r, c, &rest))
        return err_set(e, CHAIN_EIO, "staking: reward arithmetic");
    if (!chain_u128_is_zero(tot))
        for (uint32_t i = 0; i < v->n_del; i++) {
            chain_u128_t sh = chain_stake_muldiv(rest, v->del[i].amount, tot);
            if (!chain_u128_add(v->del[i].reward, sh, &v->del[i].reward) ||
                !chain_u128_add(paid, sh, &paid))
                return err_set(e, CHAIN_EIO, "staking: reward arithmetic");
        }
    chain_u128_t left;
    if (!chain_u128_sub(r, paid, &left))
        return err_set(e, CHAIN_EIO, "staking: reward arithmetic");
    if (chain_u128_is_zero(left))
        return 0;
    int i = del_upsert(v, &v->addr);
    if (i < 0)
        i = 0;   /* a full list without the validator's own entry: the first delegator */
    if (!chain_u128_add(v->del[i].reward, left, &v->del[i].reward))
        return err_set(e, CHAIN_EIO, "staking: reward arithmetic");
    return 0;
}

typedef struct cand {
    chain_u128_t stake;
    const chain_validator_t *v;
} cand_t;

static int cand_cmp(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    int c = chain_u128_cmp(y->stake, x->stake);   /* descending stake */
    return c ? c : memcmp(x->v->addr.b, y->v->addr.b, CHAIN_ADDR_BYTES);
}

static int epoch_transition(chain_overlay_t *ov, chain_stake_global_t *g, chain_valset_t *set,
                            uint64_t h, err_t *e)
{
    const chain_stake_params_t *p = &g->p;
    chain_u128_t supply, tot = ZERO;
    if (!chain_u128_add(g->genesis_supply, g->emitted, &supply) ||
        !chain_u128_sub(supply, g->burned, &supply))
        return err_set(e, CHAIN_EIO, "staking: supply counters inconsistent");
    chain_u128_t E = chain_stake_epoch_emission(p, h, supply);
    for (uint32_t i = 0; i < set->n; i++)
        tot = chain_u128_add_sat(tot, set->m[i].stake);
    chain_u128_t blocks = chain_u128_from_u64(g->epoch_blocks_seen);
    uint32_t n_reg = g->n_validators;
    chain_validator_t *all = malloc((n_reg ? n_reg : 1) * sizeof *all);
    cand_t *c = malloc((n_reg ? n_reg : 1) * sizeof *c);
    chain_valset_t *next = malloc(sizeof *next);
    int rc = 0;
    if (!all || !c || !next) {
        rc = err_set(e, CHAIN_ENOMEM, "staking: out of memory");
        goto out;
    }
    for (uint32_t k = 0; k < n_reg && !rc; k++) {
        bool exists = false;
        if ((rc = load_validator(ov, &g->validators[k], &all[k], &exists, e)))
            break;
        if (!exists)
            rc = err_set(e, CHAIN_EIO, "staking: registered validator has no record");
    }
    if (rc)
        goto out;
    /* rewards and downtime, for the members of the ending epoch's set */
    for (uint32_t i = 0; i < set->n; i++) {
        chain_validator_t *v = NULL;
        for (uint32_t k = 0; k < n_reg; k++)
            if (addr_eq(&all[k].addr, &set->m[i].addr))
                v = &all[k];
        if (!v || v->jailed)
            continue;   /* jailed during the epoch (evidence): no reward */
        if (!chain_u128_is_zero(tot) && !chain_u128_is_zero(blocks)) {
            chain_u128_t r = chain_stake_muldiv(chain_stake_muldiv(E, set->m[i].stake, tot),
                                                chain_u128_from_u64(set->m[i].signed_qcs), blocks);
            if (!chain_u128_is_zero(r)) {
                if ((rc = pay_validator(v, r, e)))
                    goto out;
                if (!chain_u128_add(g->emitted, r, &g->emitted) ||
                    !chain_u128_add(g->rewards, r, &g->rewards)) {
                    rc = err_set(e, CHAIN_EIO, "staking: emission overflows");
                    goto out;
                }
            }
        }
        unsigned __int128 signed_x = (unsigned __int128)set->m[i].signed_qcs * 10000;
        unsigned __int128 need = (unsigned __int128)g->epoch_blocks_seen * p->downtime_min_signed_bps;
        if (signed_x < need) {   /* missed too many QCs: jailed, not slashed */
            v->jailed = true;
            if (h + p->jail_downtime_blocks > v->jailed_until)
                v->jailed_until = h + p->jail_downtime_blocks;
        }
    }
    /* the next set: top max_validators by stake among the eligible */
    uint32_t nc = 0;
    for (uint32_t k = 0; k < n_reg; k++) {
        chain_validator_t *v = &all[k];
        chain_u128_t st = chain_validator_stake(v);
        if (v->jailed || chain_u128_is_zero(st) ||
            chain_u128_cmp(chain_validator_self_stake(v), v->min_self_stake) < 0)
            continue;
        c[nc].stake = st;
        c[nc].v = v;
        nc++;
    }
    qsort(c, nc, sizeof *c, cand_cmp);
    if (nc > p->max_validators)
        nc = p->max_validators;
    memset(next, 0, offsetof(chain_valset_t, m));
    next->epoch = g->epoch + 1;
    if (nc >= p->min_validators) {
        next->n = nc;
        for (uint32_t i = 0; i < nc; i++) {
            chain_valset_member_t *m = &next->m[i];
            memset(m, 0, sizeof *m);
            m->addr = c[i].v->addr;
            memcpy(m->bls_pk, c[i].v->bls_pk, CHAIN_BLS_PK_BYTES);
            memcpy(m->vrf_pk, c[i].v->vrf_pk, CHAIN_VRF_PK_BYTES);
            m->stake = c[i].stake;
        }
    } else {   /* too few eligible: the set carries over (liveness first) */
        next->n = set->n;
        for (uint32_t i = 0; i < set->n; i++) {
            next->m[i] = set->m[i];
            next->m[i].signed_qcs = 0;
        }
    }
    for (uint32_t k = 0; k < n_reg && !rc; k++)
        rc = store_validator(ov, &all[k], e);
    if (!rc)
        rc = store_valset(ov, next, e);
    g->epoch++;
    g->epoch_blocks_seen = 0;
out:
    free(all);
    free(c);
    free(next);
    return rc;
}

/* Credits each signer to its member of set (by account: the bitmap was
 * already read against the set that signed). */
static void credit_signers(chain_valset_t *set, const chain_addr_t *signers, size_t n_signers)
{
    for (size_t k = 0; k < n_signers; k++)
        for (uint32_t i = 0; i < set->n; i++)
            if (addr_eq(&set->m[i].addr, &signers[k]))
                set->m[i].signed_qcs++;
}

int chain_staking_end_block(chain_overlay_t *ov, const chain_addr_t *signers, size_t n_signers,
                            uint64_t signers_epoch, chain_u128_t burned, err_t *e)
{
    chain_stake_global_t *g = malloc(sizeof *g);
    chain_valset_t *set = malloc(sizeof *set);
    int rc = 0;
    bool exists = false;
    if (!g || !set) {
        rc = err_set(e, CHAIN_ENOMEM, "staking: out of memory");
        goto out;
    }
    if ((rc = load_global(ov, g, &exists, e)) || !exists)
        goto out;
    if (signers_epoch == CHAIN_STAKE_EPOCH_CURRENT)
        signers_epoch = g->epoch;
    if (signers_epoch > g->epoch) {
        rc = err_set(e, CHAIN_EBLOCK, "staking: the QC was signed by the set of epoch %llu, "
                     "staking is at epoch %llu", (unsigned long long)signers_epoch,
                     (unsigned long long)g->epoch);
        goto out;
    }
    uint64_t h = chain_overlay_height(ov);
    if (!chain_u128_add(g->burned, burned, &g->burned)) {
        rc = err_set(e, CHAIN_EIO, "staking: burned total overflows");
        goto out;
    }
    if (signers_epoch < g->epoch) {
        /* the few blocks between staking's boundary and consensus's switch:
         * their QCs were signed by an earlier set, so they are credited to
         * it (its rewards were paid at the boundary) and count neither for
         * nor against the current set */
        if ((rc = load_valset(ov, signers_epoch, set, &exists, e)))
            goto out;
        if (!exists) {
            rc = err_set(e, CHAIN_EIO, "staking: no validator set for epoch %llu",
                         (unsigned long long)signers_epoch);
            goto out;
        }
        credit_signers(set, signers, n_signers);
        if ((rc = store_valset(ov, set, e)) || (rc = load_valset(ov, g->epoch, set, &exists, e)))
            goto out;
    } else {
        if ((rc = load_valset(ov, g->epoch, set, &exists, e)))
            goto out;
        if (exists) {
            credit_signers(set, signers, n_signers);
            g->epoch_blocks_seen++;
        }
    }
    if (!exists) {
        rc = err_set(e, CHAIN_EIO, "staking: no validator set for epoch %llu",
                     (unsigned long long)g->epoch);
        goto out;
    }
    if ((rc = store_valset(ov, set, e)))
        goto out;
    if (h % g->p.epoch_blocks == 0 && (rc = epoch_transition(ov, g, set, h, e)))
        goto out;
    rc = store_global(ov, g, e);
out:
    free(g);
    free(set);
    return rc;
}

int chain_staking_add_burned(chain_overlay_t *ov, chain_u128_t amount, err_t *e)
{
    if (chain_u128_is_zero(amount))
        return 0;
    chain_stake_global_t *g = malloc(sizeof *g);
    if (!g)
        return err_set(e, CHAIN_ENOMEM, "staking: out of memory");
    bool exists = false;
    int rc = load_global(ov, g, &exists, e);
    if (!rc && exists) {
        if (!chain_u128_add(g->burned, amount, &g->burned))
            rc = err_set(e, CHAIN_EIO, "staking: burned total overflows");
        else
            rc = store_global(ov, g, e);
    }
    free(g);
    return rc;
}

/* ---- fee market ---- */

int chain_fee_block_base(chain_overlay_t *ov, const chain_header_t *parent, chain_u128_t *base,
                         err_t *e)
{
    *base = ZERO;
    chain_stake_global_t *g = malloc(sizeof *g);
    if (!g)
        return err_set(e, CHAIN_ENOMEM, "staking: out of memory");
    bool exists = false;
    int rc = load_global(ov, g, &exists, e);
    if (!rc && exists)
        *base = chain_fee_next_base(&g->p, parent->base_fee, parent->gas_used);
    free(g);
    return rc;
}

int chain_fee_next_base_state(chain_state_t *st, chain_u128_t *base, err_t *e)
{
    *base = ZERO;
    chain_header_t tip;
    int rc = chain_state_tip(st, &tip, NULL, e);
    if (rc)
        return rc;
    chain_stake_global_t *g = malloc(sizeof *g);
    if (!g)
        return err_set(e, CHAIN_ENOMEM, "staking: out of memory");
    bool exists = false;
    rc = chain_staking_get_global(st, g, &exists, e);
    if (!rc && exists)
        *base = chain_fee_next_base(&g->p, tip.base_fee, tip.gas_used);
    free(g);
    return rc;
}

/* ---- genesis ---- */

int chain_staking_genesis(const chain_stake_params_t *p, const chain_stake_genesis_validator_t *v,
                          size_t n, chain_u128_t other_supply, chain_genesis_data_t **out,
                          size_t *n_out, uint8_t **store, err_t *e)
{
    *out = NULL;
    *n_out = 0;
    *store = NULL;
    int rc = chain_stake_params_check(p, e);
    if (rc)
        return rc;
    if (n == 0 || n > p->max_validators)
        return err_set(e, CHAIN_EINVAL, "staking genesis: %zu validators, need 1..%u", n,
                       p->max_validators);
    chain_stake_global_t *g = calloc(1, sizeof *g);
    chain_validator_t *val = malloc(sizeof *val);
    chain_valset_t *set = calloc(1, sizeof *set);
    size_t n_leaves = 2 + 2 * n;
    chain_genesis_data_t *d = calloc(n_leaves, sizeof *d);
    size_t *offs = calloc(n_leaves, sizeof *offs);
    buf_t all = {0};
    if (!g || !val || !set || !d || !offs) {
        rc = err_set(e, CHAIN_ENOMEM, "staking genesis: out of memory");
        goto fail;
    }
    g->p = *p;
    g->genesis_supply = other_supply;
    set->epoch = 0;
    set->n = (uint32_t)n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        chain_addr_t a;
        chain_addr_from_pk(v[i].pk, &a);
        char hx[41];
        for (size_t j = 0; j < i; j++) {
            chain_addr_t b;
            chain_addr_from_pk(v[j].pk, &b);
            if (addr_eq(&a, &b) || memcmp(v[i].bls_pk, v[j].bls_pk, CHAIN_BLS_PK_BYTES) == 0) {
                rc = err_set(e, CHAIN_EINVAL, "staking genesis: validator %s (%zu) repeats an "
                             "account or BLS key", ahex(&a, hx), i);
                goto fail;
            }
        }
        if (chain_u128_is_zero(v[i].stake) || chain_u128_cmp(v[i].stake, p->min_self_stake) < 0) {
            rc = err_set(e, CHAIN_EINVAL, "staking genesis: validator %s has a stake below the "
                         "minimum self-stake", ahex(&a, hx));
            goto fail;
        }
        if (v[i].commission_bps > 10000) {
            rc = err_set(e, CHAIN_EINVAL, "staking genesis: validator %s commission over 10000",
                         ahex(&a, hx));
            goto fail;
        }
        if (!chain_u128_add(g->genesis_supply, v[i].stake, &g->genesis_supply) ||
            !chain_u128_add(g->bonded, v[i].stake, &g->bonded)) {
            rc = err_set(e, CHAIN_EINVAL, "staking genesis: total supply exceeds 2^128 - 1");
            goto fail;
        }
        memset(val, 0, offsetof(chain_validator_t, del));
        val->addr = a;
        memcpy(val->pk, v[i].pk, CHAIN_PK_BYTES);
        memcpy(val->bls_pk, v[i].bls_pk, CHAIN_BLS_PK_BYTES);
        memcpy(val->vrf_pk, v[i].vrf_pk, CHAIN_VRF_PK_BYTES);
        val->commission_bps = v[i].commission_bps;
        val->min_self_stake = p->min_self_stake;
        val->n_del = 1;
        memset(&val->del[0], 0, sizeof val->del[0]);
        val->del[0].who = a;
        val->del[0].amount = v[i].stake;
        d[k].tag = CHAIN_DATA_VALIDATOR;
        chain_stake_validator_id(&a, d[k].id);
        offs[k] = all.len;
        if ((rc = chain_validator_encode(val, &all)))
            goto nomem;
        d[k].len = all.len - offs[k];
        k++;
        d[k].tag = CHAIN_DATA_BLSKEY;
        bls_index_id(v[i].bls_pk, d[k].id);
        offs[k] = all.len;
        if (buf_append(&all, a.b, CHAIN_ADDR_BYTES) != 0)
            goto nomem;
        d[k].len = CHAIN_ADDR_BYTES;
        k++;
        /* the registry stays ascending */
        uint32_t at = 0;
        while (at < g->n_validators && memcmp(g->validators[at].b, a.b, CHAIN_ADDR_BYTES) < 0)
            at++;
        memmove(&g->validators[at + 1], &g->validators[at],
                (g->n_validators - at) * sizeof g->validators[0]);
        g->validators[at] = a;
        g->n_validators++;
        chain_valset_member_t *m = &set->m[i];   /* genesis order = consensus order */
        m->addr = a;
        memcpy(m->bls_pk, v[i].bls_pk, CHAIN_BLS_PK_BYTES);
        memcpy(m->vrf_pk, v[i].vrf_pk, CHAIN_VRF_PK_BYTES);
        m->stake = v[i].stake;
    }
    d[k].tag = CHAIN_DATA_STAKING;
    memset(d[k].id, 0, 32);
    offs[k] = all.len;
    if ((rc = chain_stake_global_encode(g, &all)))
        goto nomem;
    d[k].len = all.len - offs[k];
    k++;
    d[k].tag = CHAIN_DATA_VALSET;
    chain_stake_valset_id(0, d[k].id);
    offs[k] = all.len;
    if ((rc = chain_valset_encode(set, &all)))
        goto nomem;
    d[k].len = all.len - offs[k];
    k++;
    for (size_t i = 0; i < k; i++)
        d[i].val = all.data + offs[i];
    *out = d;
    *n_out = k;
    *store = all.data;
    free(g);
    free(val);
    free(set);
    free(offs);
    return 0;
nomem:
    rc = err_set(e, CHAIN_ENOMEM, "staking genesis: out of memory");
fail:
    free(g);
    free(val);
    free(set);
    free(d);
    free(offs);
    buf_free(&all);
    return rc;
}

/* ---- committed reads ---- */

static int get_rec(chain_state_t *st, uint8_t tag, const uint8_t id[32], buf_t *v, bool *exists,
                   err_t *e)
{
    return chain_state_get_data(st, tag, id, v, exists, e);
}

int chain_staking_get_global(chain_state_t *st, chain_stake_global_t *g, bool *exists, err_t *e)
{
    buf_t v = {0};
    int rc = get_rec(st, CHAIN_DATA_STAKING, GLOBAL_ID, &v, exists, e);
    if (!rc && *exists)
        rc = chain_stake_global_decode(v.data, v.len, g, e);
    buf_free(&v);
    return rc;
}

int chain_staking_get_validator(chain_state_t *st, const chain_addr_t *a, chain_validator_t *val,
                                bool *exists, err_t *e)
{
    uint8_t id[32];
    chain_stake_validator_id(a, id);
    buf_t v = {0};
    int rc = get_rec(st, CHAIN_DATA_VALIDATOR, id, &v, exists, e);
    if (!rc && *exists)
        rc = chain_validator_decode(v.data, v.len, val, e);
    buf_free(&v);
    return rc;
}

int chain_staking_get_valset(chain_state_t *st, uint64_t epoch, chain_valset_t *s, bool *exists,
                             err_t *e)
{
    uint8_t id[32];
    chain_stake_valset_id(epoch, id);
    buf_t v = {0};
    int rc = get_rec(st, CHAIN_DATA_VALSET, id, &v, exists, e);
    if (!rc && *exists)
        rc = chain_valset_decode(v.data, v.len, s, e);
    buf_free(&v);
    return rc;
}

int chain_staking_cons_set(chain_state_t *st, uint64_t epoch, uint8_t (*bls_pks)[CHAIN_BLS_PK_BYTES],
                           uint8_t (*vrf_pks)[CHAIN_VRF_PK_BYTES], uint64_t *stakes,
                           chain_addr_t *addrs, uint32_t *n, err_t *e)
{
    *n = 0;
    chain_valset_t *set = malloc(sizeof *set);
    if (!set)
        return err_set(e, CHAIN_ENOMEM, "staking: out of memory");
    bool exists = false;
    int rc = chain_staking_get_valset(st, epoch, set, &exists, e);
    if (!rc && exists) {
        chain_valset_cons_stakes(set, stakes);
        for (uint32_t i = 0; i < set->n; i++) {
            memcpy(bls_pks[i], set->m[i].bls_pk, CHAIN_BLS_PK_BYTES);
            memcpy(vrf_pks[i], set->m[i].vrf_pk, CHAIN_VRF_PK_BYTES);
            if (addrs)
                addrs[i] = set->m[i].addr;
        }
        *n = set->n;
    }
    free(set);
    return rc;
}

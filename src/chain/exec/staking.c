/* chain/exec: the staking records (parameters and totals, validators,
 * per-epoch sets) and their canonical encodings, the emission schedule and
 * exact 256-bit mul-div. What transactions do with them is
 * staking_exec.c's; the rules are in exec.h and docs/staking.md.
 *
 * Encodings (chain/types conventions: little-endian fixed width, u32
 * counts, strict decoding):
 *   STAKING   u32 version 1, params (u64 epoch_blocks, u64 unbonding_blocks,
 *             u32 max_validators, u32 min_validators, u128 min_self_stake,
 *             u128 min_delegation, u16 max_commission_change_bps,
 *             u16 slash_double_bps, u16 reporter_bps,
 *             u16 downtime_min_signed_bps, u64 jail_downtime_blocks,
 *             u64 jail_double_blocks, u64 block_ms, u64 gas_target,
 *             u128 initial_base_fee, u128 min_base_fee), u64 epoch,
 *             u64 epoch_blocks_seen, u128 genesis_supply, emitted, burned,
 *             bonded, unbonding, rewards, u32 n, n x [20] (ascending)
 *   VALIDATOR u32 version 1, [20] addr, [32] pk, [48] bls_pk, [32] vrf_pk,
 *             u16 commission_bps, u64 commission_epoch, u128 min_self_stake,
 *             u8 jailed, u64 jailed_until, u32 slash_count,
 *             u32 n, n x ([20] who, u128 amount, u128 reward)  ascending who
 *             u32 n, n x ([20] who, u128 amount, u64 complete)
 *             u32 n, n x ([20] who, [20] to, u128 amount, u64 complete)
 *   VALSET    u64 epoch, u32 n, n x ([20] addr, [48] bls_pk, [32] vrf_pk,
 *             u128 stake, u64 signed_qcs)
 */
#include "exec.h"

#include <stdlib.h>
#include <string.h>

#define STAKE_VERSION 1

void chain_stake_params_default(chain_stake_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->epoch_blocks = 100;
    p->unbonding_blocks = 300;
    p->max_validators = 100;
    p->min_validators = 1;
    p->min_self_stake = chain_u128_from_u64(1);
    p->min_delegation = chain_u128_from_u64(1);
    p->max_commission_change_bps = 100;
    p->slash_double_bps = 500;
    p->reporter_bps = 1000;
    p->downtime_min_signed_bps = 1000;
    p->jail_downtime_blocks = 100;
    p->jail_double_blocks = 10000;
    p->block_ms = 500;
    p->gas_target = 0;
    p->initial_base_fee = chain_u128_from_u64(0);
    p->min_base_fee = chain_u128_from_u64(0);
}

int chain_stake_params_check(const chain_stake_params_t *p, err_t *e)
{
    if (p->epoch_blocks == 0)
        return err_set(e, CHAIN_EINVAL, "staking: epoch_blocks must be >= 1");
    if (p->max_validators == 0 || p->max_validators > CHAIN_STAKE_MAX_SET)
        return err_set(e, CHAIN_EINVAL, "staking: max_validators %u, must be 1..%d",
                       p->max_validators, CHAIN_STAKE_MAX_SET);
    if (p->min_validators == 0 || p->min_validators > p->max_validators)
        return err_set(e, CHAIN_EINVAL, "staking: min_validators %u, must be 1..max_validators",
                       p->min_validators);
    if (p->max_commission_change_bps > 10000 || p->slash_double_bps > 10000 ||
        p->reporter_bps > 10000 || p->downtime_min_signed_bps > 10000)
        return err_set(e, CHAIN_EINVAL, "staking: a basis-point parameter is over 10000");
    if (p->block_ms == 0)
        return err_set(e, CHAIN_EINVAL, "staking: block_ms must be >= 1");
    if (chain_u128_is_zero(p->min_delegation))
        return err_set(e, CHAIN_EINVAL, "staking: min_delegation must be >= 1");
    if (p->gas_target && (chain_u128_is_zero(p->min_base_fee) ||
                          chain_u128_cmp(p->initial_base_fee, p->min_base_fee) < 0))
        return err_set(e, CHAIN_EINVAL, "staking: with gas_target, min_base_fee must be >= 1 and "
                       "initial_base_fee >= min_base_fee");
    return 0;
}

/* ---- arithmetic ---- */

typedef unsigned __int128 u128n;

static u128n to_n(chain_u128_t a)
{
    return ((u128n)a.hi << 64) | a.lo;
}

static chain_u128_t from_n(u128n v)
{
    chain_u128_t r = {(uint64_t)v, (uint64_t)(v >> 64)};
    return r;
}

/* floor(a * b / c) for c != 0, exact through a 256-bit product; saturates
 * at 2^128 - 1 (never reached when b <= c). */
chain_u128_t chain_stake_muldiv(chain_u128_t a, chain_u128_t b, chain_u128_t c);
chain_u128_t chain_stake_muldiv(chain_u128_t a, chain_u128_t b, chain_u128_t c)
{
    u128n x = to_n(a), y = to_n(b), d = to_n(c);
    if (d == 0)
        return from_n(~(u128n)0);
    /* 256-bit product hi:lo from four 64x64 partial products */
    u128n m = (u128n)~(uint64_t)0;
    u128n ll = (x & m) * (y & m), lh = (x & m) * (y >> 64), hl = (x >> 64) * (y & m),
          hh = (x >> 64) * (y >> 64);
    u128n mid = (ll >> 64) + (lh & m) + (hl & m);
    u128n lo = (ll & m) | (mid << 64);
    u128n hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    if (hi >= d)
        return from_n(~(u128n)0);
    /* long division of hi:lo by d, one bit at a time (d < 2^128) */
    u128n q = 0, r = hi;
    for (int i = 127; i >= 0; i--) {
        bool top = r >> 127;
        r = (r << 1) | ((lo >> i) & 1);
        if (top || r >= d) {
            r -= d;
            q |= (u128n)1 << i;
        }
    }
    return from_n(q);
}

chain_u128_t chain_stake_epoch_emission(const chain_stake_params_t *p, uint64_t h,
                                        chain_u128_t supply)
{
    static const uint16_t rate_bps[] = {500, 400, 300, 200, 100};
    uint64_t per_year = 31536000000ull / p->block_ms;   /* blocks in 365 days */
    if (per_year == 0)
        per_year = 1;
    uint64_t year = h / per_year;
    uint16_t rate = rate_bps[year < 4 ? year : 4];
    uint64_t epochs = per_year / p->epoch_blocks;
    if (epochs == 0)
        epochs = 1;
    u128n den = (u128n)10000 * epochs;
    return chain_stake_muldiv(supply, chain_u128_from_u64(rate), from_n(den));
}

chain_u128_t chain_fee_next_base(const chain_stake_params_t *p, chain_u128_t parent_base,
                                 uint64_t parent_gas)
{
    if (!p->gas_target)
        return chain_u128_from_u64(0);
    u128n base = to_n(parent_base), t = p->gas_target, used = parent_gas;
    if (used > t) {   /* base x (used - t) / t / 8, exact through 256 bits */
        chain_u128_t d = chain_stake_muldiv(parent_base, from_n(used - t), from_n(t * 8));
        u128n dn = to_n(d) ? to_n(d) : 1;
        return from_n(base > ~(u128n)0 - dn ? ~(u128n)0 : base + dn);
    }
    chain_u128_t d = chain_stake_muldiv(parent_base, from_n(t - used), from_n(t * 8));
    u128n nb = base - to_n(d), floor = to_n(p->min_base_fee);
    return from_n(nb < floor ? floor : nb);
}

/* ---- records ---- */

chain_u128_t chain_validator_stake(const chain_validator_t *v)
{
    chain_u128_t s = {0, 0};
    for (uint32_t i = 0; i < v->n_del; i++)
        s = chain_u128_add_sat(s, v->del[i].amount);
    return s;
}

chain_u128_t chain_validator_self_stake(const chain_validator_t *v)
{
    for (uint32_t i = 0; i < v->n_del; i++)
        if (memcmp(v->del[i].who.b, v->addr.b, CHAIN_ADDR_BYTES) == 0)
            return v->del[i].amount;
    return chain_u128_from_u64(0);
}

const char *chain_validator_status(const chain_validator_t *v, const chain_valset_t *set)
{
    if (v->jailed)
        return "jailed";
    for (uint32_t i = 0; set && i < set->n; i++)
        if (memcmp(set->m[i].addr.b, v->addr.b, CHAIN_ADDR_BYTES) == 0)
            return "active";
    return "inactive";
}

void chain_stake_validator_id(const chain_addr_t *a, uint8_t id[32])
{
    memset(id, 0, 32);
    memcpy(id, a->b, CHAIN_ADDR_BYTES);
}

void chain_stake_valset_id(uint64_t epoch, uint8_t id[32])
{
    memset(id, 0, 32);
    store_le64(id, epoch);
}

/* writer */
typedef struct wr {
    buf_t *b;
    int rc;
} wr_t;

static void w_bytes(wr_t *w, const void *p, size_t n)
{
    if (!w->rc && buf_append(w->b, p, n) != 0)
        w->rc = CHAIN_ENOMEM;
}
static void w_u8(wr_t *w, uint8_t v)
{
    w_bytes(w, &v, 1);
}
static void w_u16(wr_t *w, uint16_t v)
{
    uint8_t b[2];
    store_le16(b, v);
    w_bytes(w, b, 2);
}
static void w_u32(wr_t *w, uint32_t v)
{
    uint8_t b[4];
    store_le32(b, v);
    w_bytes(w, b, 4);
}
static void w_u64(wr_t *w, uint64_t v)
{
    uint8_t b[8];
    store_le64(b, v);
    w_bytes(w, b, 8);
}
static void w_u128(wr_t *w, chain_u128_t v)
{
    uint8_t b[16];
    chain_u128_put(b, v);
    w_bytes(w, b, 16);
}

/* reader: the first short read fails the rest */
typedef struct rdr {
    const uint8_t *p;
    size_t n, off;
    bool bad;
} rdr_t;

static const uint8_t *r_take(rdr_t *r, size_t k)
{
    if (r->bad || r->n - r->off < k) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += k;
    return p;
}
static void r_bytes(rdr_t *r, void *out, size_t k)
{
    const uint8_t *p = r_take(r, k);
    if (p)
        memcpy(out, p, k);
}
static uint8_t r_u8(rdr_t *r)
{
    const uint8_t *p = r_take(r, 1);
    return p ? p[0] : 0;
}
static uint16_t r_u16(rdr_t *r)
{
    const uint8_t *p = r_take(r, 2);
    return p ? load_le16(p) : 0;
}
static uint32_t r_u32(rdr_t *r)
{
    const uint8_t *p = r_take(r, 4);
    return p ? load_le32(p) : 0;
}
static uint64_t r_u64(rdr_t *r)
{
    const uint8_t *p = r_take(r, 8);
    return p ? load_le64(p) : 0;
}
static chain_u128_t r_u128(rdr_t *r)
{
    const uint8_t *p = r_take(r, 16);
    return p ? chain_u128_get(p) : chain_u128_from_u64(0);
}
/* a count bounded by max */
static uint32_t r_count(rdr_t *r, uint32_t max)
{
    uint32_t n = r_u32(r);
    if (n > max) {
        r->bad = true;
        return 0;
    }
    return n;
}

static int r_done(rdr_t *r, const char *what, err_t *e)
{
    if (r->bad || r->off != r->n)
        return err_set(e, CHAIN_EIO, "state: corrupt %s record (%zu bytes)", what, r->n);
    return 0;
}

int chain_stake_global_encode(const chain_stake_global_t *g, buf_t *out)
{
    wr_t w = {out, 0};
    const chain_stake_params_t *p = &g->p;
    w_u32(&w, STAKE_VERSION);
    w_u64(&w, p->epoch_blocks);
    w_u64(&w, p->unbonding_blocks);
    w_u32(&w, p->max_validators);
    w_u32(&w, p->min_validators);
    w_u128(&w, p->min_self_stake);
    w_u128(&w, p->min_delegation);
    w_u16(&w, p->max_commission_change_bps);
    w_u16(&w, p->slash_double_bps);
    w_u16(&w, p->reporter_bps);
    w_u16(&w, p->downtime_min_signed_bps);
    w_u64(&w, p->jail_downtime_blocks);
    w_u64(&w, p->jail_double_blocks);
    w_u64(&w, p->block_ms);
    w_u64(&w, p->gas_target);
    w_u128(&w, p->initial_base_fee);
    w_u128(&w, p->min_base_fee);
    w_u64(&w, g->epoch);
    w_u64(&w, g->epoch_blocks_seen);
    w_u128(&w, g->genesis_supply);
    w_u128(&w, g->emitted);
    w_u128(&w, g->burned);
    w_u128(&w, g->bonded);
    w_u128(&w, g->unbonding);
    w_u128(&w, g->rewards);
    w_u32(&w, g->n_validators);
    for (uint32_t i = 0; i < g->n_validators; i++)
        w_bytes(&w, g->validators[i].b, CHAIN_ADDR_BYTES);
    return w.rc;
}

int chain_stake_global_decode(const uint8_t *in, size_t n, chain_stake_global_t *g, err_t *e)
{
    rdr_t r = {in, n, 0, false};
    memset(g, 0, sizeof *g);
    chain_stake_params_t *p = &g->p;
    if (r_u32(&r) != STAKE_VERSION)
        r.bad = true;
    p->epoch_blocks = r_u64(&r);
    p->unbonding_blocks = r_u64(&r);
    p->max_validators = r_u32(&r);
    p->min_validators = r_u32(&r);
    p->min_self_stake = r_u128(&r);
    p->min_delegation = r_u128(&r);
    p->max_commission_change_bps = r_u16(&r);
    p->slash_double_bps = r_u16(&r);
    p->reporter_bps = r_u16(&r);
    p->downtime_min_signed_bps = r_u16(&r);
    p->jail_downtime_blocks = r_u64(&r);
    p->jail_double_blocks = r_u64(&r);
    p->block_ms = r_u64(&r);
    p->gas_target = r_u64(&r);
    p->initial_base_fee = r_u128(&r);
    p->min_base_fee = r_u128(&r);
    g->epoch = r_u64(&r);
    g->epoch_blocks_seen = r_u64(&r);
    g->genesis_supply = r_u128(&r);
    g->emitted = r_u128(&r);
    g->burned = r_u128(&r);
    g->bonded = r_u128(&r);
    g->unbonding = r_u128(&r);
    g->rewards = r_u128(&r);
    g->n_validators = r_count(&r, CHAIN_STAKE_MAX_REGISTERED);
    for (uint32_t i = 0; i < g->n_validators; i++)
        r_bytes(&r, g->validators[i].b, CHAIN_ADDR_BYTES);
    if (!r.bad && chain_stake_params_check(p, NULL) != 0)
        r.bad = true;
    return r_done(&r, "staking", e);
}

int chain_validator_encode(const chain_validator_t *v, buf_t *out)
{
    wr_t w = {out, 0};
    w_u32(&w, STAKE_VERSION);
    w_bytes(&w, v->addr.b, CHAIN_ADDR_BYTES);
    w_bytes(&w, v->pk, CHAIN_PK_BYTES);
    w_bytes(&w, v->bls_pk, CHAIN_BLS_PK_BYTES);
    w_bytes(&w, v->vrf_pk, CHAIN_VRF_PK_BYTES);
    w_u16(&w, v->commission_bps);
    w_u64(&w, v->commission_epoch);
    w_u128(&w, v->min_self_stake);
    w_u8(&w, v->jailed ? 1 : 0);
    w_u64(&w, v->jailed_until);
    w_u32(&w, v->slash_count);
    w_u32(&w, v->n_del);
    for (uint32_t i = 0; i < v->n_del; i++) {
        w_bytes(&w, v->del[i].who.b, CHAIN_ADDR_BYTES);
        w_u128(&w, v->del[i].amount);
        w_u128(&w, v->del[i].reward);
    }
    w_u32(&w, v->n_unb);
    for (uint32_t i = 0; i < v->n_unb; i++) {
        w_bytes(&w, v->unb[i].who.b, CHAIN_ADDR_BYTES);
        w_u128(&w, v->unb[i].amount);
        w_u64(&w, v->unb[i].complete);
    }
    w_u32(&w, v->n_red);
    for (uint32_t i = 0; i < v->n_red; i++) {
        w_bytes(&w, v->red[i].who.b, CHAIN_ADDR_BYTES);
        w_bytes(&w, v->red[i].to.b, CHAIN_ADDR_BYTES);
        w_u128(&w, v->red[i].amount);
        w_u64(&w, v->red[i].complete);
    }
    return w.rc;
}

int chain_validator_decode(const uint8_t *in, size_t n, chain_validator_t *v, err_t *e)
{
    rdr_t r = {in, n, 0, false};
    memset(v, 0, sizeof *v);
    if (r_u32(&r) != STAKE_VERSION)
        r.bad = true;
    r_bytes(&r, v->addr.b, CHAIN_ADDR_BYTES);
    r_bytes(&r, v->pk, CHAIN_PK_BYTES);
    r_bytes(&r, v->bls_pk, CHAIN_BLS_PK_BYTES);
    r_bytes(&r, v->vrf_pk, CHAIN_VRF_PK_BYTES);
    v->commission_bps = r_u16(&r);
    v->commission_epoch = r_u64(&r);
    v->min_self_stake = r_u128(&r);
    v->jailed = r_u8(&r) != 0;
    v->jailed_until = r_u64(&r);
    v->slash_count = r_u32(&r);
    v->n_del = r_count(&r, CHAIN_STAKE_MAX_DELEGATIONS);
    for (uint32_t i = 0; i < v->n_del; i++) {
        r_bytes(&r, v->del[i].who.b, CHAIN_ADDR_BYTES);
        v->del[i].amount = r_u128(&r);
        v->del[i].reward = r_u128(&r);
    }
    v->n_unb = r_count(&r, CHAIN_STAKE_MAX_UNBONDING);
    for (uint32_t i = 0; i < v->n_unb; i++) {
        r_bytes(&r, v->unb[i].who.b, CHAIN_ADDR_BYTES);
        v->unb[i].amount = r_u128(&r);
        v->unb[i].complete = r_u64(&r);
    }
    v->n_red = r_count(&r, CHAIN_STAKE_MAX_REDELEGATIONS);
    for (uint32_t i = 0; i < v->n_red; i++) {
        r_bytes(&r, v->red[i].who.b, CHAIN_ADDR_BYTES);
        r_bytes(&r, v->red[i].to.b, CHAIN_ADDR_BYTES);
        v->red[i].amount = r_u128(&r);
        v->red[i].complete = r_u64(&r);
    }
    return r_done(&r, "validator", e);
}

int chain_valset_encode(const chain_valset_t *s, buf_t *out)
{
    wr_t w = {out, 0};
    w_u64(&w, s->epoch);
    w_u32(&w, s->n);
    for (uint32_t i = 0; i < s->n; i++) {
        w_bytes(&w, s->m[i].addr.b, CHAIN_ADDR_BYTES);
        w_bytes(&w, s->m[i].bls_pk, CHAIN_BLS_PK_BYTES);
        w_bytes(&w, s->m[i].vrf_pk, CHAIN_VRF_PK_BYTES);
        w_u128(&w, s->m[i].stake);
        w_u64(&w, s->m[i].signed_qcs);
    }
    return w.rc;
}

int chain_valset_decode(const uint8_t *in, size_t n, chain_valset_t *s, err_t *e)
{
    rdr_t r = {in, n, 0, false};
    memset(s, 0, sizeof *s);
    s->epoch = r_u64(&r);
    s->n = r_count(&r, CHAIN_STAKE_MAX_SET);
    for (uint32_t i = 0; i < s->n; i++) {
        r_bytes(&r, s->m[i].addr.b, CHAIN_ADDR_BYTES);
        r_bytes(&r, s->m[i].bls_pk, CHAIN_BLS_PK_BYTES);
        r_bytes(&r, s->m[i].vrf_pk, CHAIN_VRF_PK_BYTES);
        s->m[i].stake = r_u128(&r);
        s->m[i].signed_qcs = r_u64(&r);
    }
    return r_done(&r, "validator set", e);
}

/* ---- JSON ---- */

static json_t *ju128(chain_u128_t v)
{
    char s[CHAIN_U128_STR_MAX];
    chain_u128_format(v, s);
    return json_string(s);
}

static json_t *jaddr(const chain_addr_t *a)
{
    char s[41];
    chain_addr_to_hex(a, s);
    return json_string(s);
}

static json_t *jhexs(const uint8_t *p, size_t n)
{
    char s[2 * 96 + 1];
    hex_encode(p, n, s);
    return json_string(s);
}

json_t *chain_validator_to_json(const chain_validator_t *v, const chain_valset_t *set)
{
    json_t *j = json_object(), *d = json_array(), *u = json_array(), *r = json_array();
    if (!j || !d || !u || !r) {
        json_decref(j);
        json_decref(d);
        json_decref(u);
        json_decref(r);
        return NULL;
    }
    json_object_set_new(j, "address", jaddr(&v->addr));
    json_object_set_new(j, "pk", jhexs(v->pk, CHAIN_PK_BYTES));
    json_object_set_new(j, "bls_pk", jhexs(v->bls_pk, CHAIN_BLS_PK_BYTES));
    json_object_set_new(j, "vrf_pk", jhexs(v->vrf_pk, CHAIN_VRF_PK_BYTES));
    json_object_set_new(j, "status", json_string(chain_validator_status(v, set)));
    json_object_set_new(j, "stake", ju128(chain_validator_stake(v)));
    json_object_set_new(j, "self_stake", ju128(chain_validator_self_stake(v)));
    json_object_set_new(j, "min_self_stake", ju128(v->min_self_stake));
    json_object_set_new(j, "commission_bps", json_integer(v->commission_bps));
    json_object_set_new(j, "jailed", json_boolean(v->jailed));
    json_object_set_new(j, "jailed_until", cjson_u64(v->jailed_until));
    json_object_set_new(j, "slash_count", json_integer(v->slash_count));
    for (uint32_t i = 0; i < v->n_del; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "delegator", jaddr(&v->del[i].who));
        json_object_set_new(o, "amount", ju128(v->del[i].amount));
        json_object_set_new(o, "reward", ju128(v->del[i].reward));
        json_array_append_new(d, o);
    }
    for (uint32_t i = 0; i < v->n_unb; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "delegator", jaddr(&v->unb[i].who));
        json_object_set_new(o, "amount", ju128(v->unb[i].amount));
        json_object_set_new(o, "complete_height", cjson_u64(v->unb[i].complete));
        json_array_append_new(u, o);
    }
    for (uint32_t i = 0; i < v->n_red; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "delegator", jaddr(&v->red[i].who));
        json_object_set_new(o, "to", jaddr(&v->red[i].to));
        json_object_set_new(o, "amount", ju128(v->red[i].amount));
        json_object_set_new(o, "complete_height", cjson_u64(v->red[i].complete));
        json_array_append_new(r, o);
    }
    json_object_set_new(j, "delegations", d);
    json_object_set_new(j, "unbonding", u);
    json_object_set_new(j, "redelegations", r);
    return j;
}

json_t *chain_stake_global_to_json(const chain_stake_global_t *g)
{
    json_t *j = json_object(), *p = json_object();
    if (!j || !p) {
        json_decref(j);
        json_decref(p);
        return NULL;
    }
    const chain_stake_params_t *q = &g->p;
    json_object_set_new(p, "epoch_blocks", cjson_u64(q->epoch_blocks));
    json_object_set_new(p, "unbonding_blocks", cjson_u64(q->unbonding_blocks));
    json_object_set_new(p, "max_validators", json_integer(q->max_validators));
    json_object_set_new(p, "min_validators", json_integer(q->min_validators));
    json_object_set_new(p, "min_self_stake", ju128(q->min_self_stake));
    json_object_set_new(p, "min_delegation", ju128(q->min_delegation));
    json_object_set_new(p, "max_commission_change_bps", json_integer(q->max_commission_change_bps));
    json_object_set_new(p, "slash_double_bps", json_integer(q->slash_double_bps));
    json_object_set_new(p, "reporter_bps", json_integer(q->reporter_bps));
    json_object_set_new(p, "downtime_min_signed_bps", json_integer(q->downtime_min_signed_bps));
    json_object_set_new(p, "jail_downtime_blocks", cjson_u64(q->jail_downtime_blocks));
    json_object_set_new(p, "jail_double_blocks", cjson_u64(q->jail_double_blocks));
    json_object_set_new(p, "block_ms", cjson_u64(q->block_ms));
    json_object_set_new(p, "gas_target", cjson_u64(q->gas_target));
    json_object_set_new(p, "initial_base_fee", ju128(q->initial_base_fee));
    json_object_set_new(p, "min_base_fee", ju128(q->min_base_fee));
    json_object_set_new(j, "params", p);
    json_object_set_new(j, "epoch", cjson_u64(g->epoch));
    json_object_set_new(j, "epoch_blocks_seen", cjson_u64(g->epoch_blocks_seen));
    json_object_set_new(j, "genesis_supply", ju128(g->genesis_supply));
    json_object_set_new(j, "emitted", ju128(g->emitted));
    json_object_set_new(j, "burned", ju128(g->burned));
    json_object_set_new(j, "bonded", ju128(g->bonded));
    json_object_set_new(j, "unbonding", ju128(g->unbonding));
    json_object_set_new(j, "rewards", ju128(g->rewards));
    json_object_set_new(j, "n_validators", json_integer(g->n_validators));
    return j;
}

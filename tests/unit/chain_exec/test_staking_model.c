/* Model-based test of staking (issue 15) through real block execution
 * (chain/exec + chain/state): random sequences of staking txs (register,
 * stake, delegate, undelegate, redelegate, withdraw, commission, unjail,
 * double-vote evidence, claim) and transfers, each in its own block, are
 * run against a simple model written independently here (plain arrays and
 * 128-bit integers: balances, delegations, unbonding and redelegation
 * entries, jail, the epoch's set, emission, rewards, slashing).
 * After every block:
 *   - admission (chain_exec_check_tx) accepts exactly what the model says
 *     succeeds, and the receipt status agrees;
 *   - every liquid balance, delegation, reward, unbonding entry, jail flag,
 *     commission and the validator set equal the model's;
 *   - total supply = genesis + emitted - burned, to the unit;
 *   - the staking totals equal the sums over the records;
 *   - a second node replaying the block reaches the same state root.
 * Thousands of steps over several seeds and two parameter sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/consensus/consensus.h"
#include "chain/exec/exec.h"
#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"

typedef unsigned __int128 u128;

#define CHAIN 0x5a
#define K 7          /* accounts; 0 proposes every block */
#define NG 2         /* genesis validators: accounts 0 and 1 */
#define MAXE 4096

static uint8_t sk[K][64], pk[K][32], bls_sk[K][32], bls_pk[K][48], bls_pop[K][96], vrf_pk[K][32];
static chain_addr_t addr[K];
static const chain_exec_cfg_t cfg = {.chain_id = CHAIN, .min_fee = {1, 0}, .verify_threads = 1};

static u128 U(chain_u128_t v)
{
    return ((u128)v.hi << 64) | v.lo;
}
static chain_u128_t C(u128 v)
{
    chain_u128_t r = {(uint64_t)v, (uint64_t)(v >> 64)};
    return r;
}

/* ---- the model ---- */

typedef struct ment {
    int val, who, to;
    u128 amount;
    uint64_t complete;
} ment_t;

typedef struct mset {
    int n;
    int m[K];
    u128 stake[K];
    uint64_t signed_qcs[K];
} mset_t;

typedef struct model {
    chain_stake_params_t p;
    u128 bal[K];
    uint64_t nonce[K];
    bool reg[K], jailed[K];
    uint64_t jailed_until[K], comm_epoch[K];
    uint16_t comm[K];
    u128 min_self[K];
    u128 del[K][K], rew[K][K];   /* [validator][delegator] */
    ment_t unb[MAXE];
    int n_unb;
    ment_t red[MAXE];
    int n_red;
    mset_t sets[256];            /* by epoch */
    uint64_t epoch, seen;
    u128 genesis, emitted, burned;
    u128 base;                   /* fee market: the tip's base fee and gas */
    uint64_t last_gas;
    u128 fees_in_block;          /* what the block's tx paid, for the split */
    uint64_t gas_in_block;
    uint64_t offence[MAXE][3];   /* (validator, epoch, round) slashed: rounds restart
                                    in each validator epoch */
    int n_off;
    uint64_t h;                  /* tip height */
} model_t;

static u128 stake_of(const model_t *m, int v)
{
    u128 s = 0;
    for (int w = 0; w < K; w++)
        s += m->del[v][w];
    return s;
}

static int addr_cmp(int a, int b)
{
    return memcmp(addr[a].b, addr[b].b, 20);
}

static void m_next_set(model_t *m)
{
    int c[K], nc = 0;
    for (int v = 0; v < K; v++)
        if (m->reg[v] && !m->jailed[v] && stake_of(m, v) > 0 && m->del[v][v] >= m->min_self[v])
            c[nc++] = v;
    for (int i = 1; i < nc; i++)   /* insertion sort: stake desc, address asc */
        for (int j = i; j > 0; j--) {
            u128 a = stake_of(m, c[j - 1]), b = stake_of(m, c[j]);
            if (a < b || (a == b && addr_cmp(c[j - 1], c[j]) > 0)) {
                int t = c[j];
                c[j] = c[j - 1];
                c[j - 1] = t;
            }
        }
    if (nc > (int)m->p.max_validators)
        nc = (int)m->p.max_validators;
    mset_t *cur = &m->sets[m->epoch], *nx = &m->sets[m->epoch + 1];
    memset(nx, 0, sizeof *nx);
    if (nc >= (int)m->p.min_validators) {
        nx->n = nc;
        for (int i = 0; i < nc; i++) {
            nx->m[i] = c[i];
            nx->stake[i] = stake_of(m, c[i]);
        }
    } else {
        *nx = *cur;
        memset(nx->signed_qcs, 0, sizeof nx->signed_qcs);
    }
}

static u128 mdiv(u128 a, u128 b, u128 c)   /* floor(a*b/c), operands small enough here */
{
    return c ? a * b / c : 0;
}

/* EIP-1559 as docs/staking.md writes it */
static u128 m_next_base(const model_t *m)
{
    if (!m->p.gas_target)
        return 0;
    u128 t = m->p.gas_target, used = m->last_gas, b = m->base;
    if (used > t) {
        u128 d = b * (used - t) / (t * 8);
        return b + (d ? d : 1);
    }
    u128 nb = b - b * (t - used) / (t * 8);
    return nb < U(m->p.min_base_fee) ? U(m->p.min_base_fee) : nb;
}

static void m_end_block(model_t *m)
{
    /* the fee split of this block: base fee x gas burned, the rest to the proposer */
    u128 base = m_next_base(m), burn = base * m->gas_in_block;
    if (burn > m->fees_in_block)
        burn = m->fees_in_block;
    m->burned += burn;
    m->bal[0] += m->fees_in_block - burn;
    m->base = base;
    m->last_gas = m->gas_in_block;
    m->fees_in_block = 0;
    m->gas_in_block = 0;
    uint64_t h = ++m->h;
    mset_t *s = &m->sets[m->epoch];
    for (int i = 0; i < s->n; i++)
        if (s->m[i] == 0)
            s->signed_qcs[i]++;
    m->seen++;
    if (h % m->p.epoch_blocks)
        return;
    static const unsigned rates[] = {500, 400, 300, 200, 100};
    uint64_t per_year = 31536000000ull / m->p.block_ms;
    uint64_t year = h / per_year, epy = per_year / m->p.epoch_blocks;
    if (!epy)
        epy = 1;
    u128 supply = m->genesis + m->emitted - m->burned;
    u128 E = supply * rates[year < 4 ? year : 4] / ((u128)10000 * epy);
    u128 T = 0;
    for (int i = 0; i < s->n; i++)
        T += s->stake[i];
    for (int i = 0; i < s->n; i++) {
        int v = s->m[i];
        if (m->jailed[v])
            continue;
        u128 r = mdiv(mdiv(E, s->stake[i], T), s->signed_qcs[i], m->seen);
        if (r) {
            u128 c = r * m->comm[v] / 10000, rest = r - c, tot = stake_of(m, v), paid = 0;
            if (tot)
                for (int w = 0; w < K; w++) {
                    u128 sh = rest * m->del[v][w] / tot;
                    m->rew[v][w] += sh;
                    paid += sh;
                }
            m->rew[v][v] += r - paid;
            m->emitted += r;
        }
        if ((u128)s->signed_qcs[i] * 10000 < (u128)m->seen * m->p.downtime_min_signed_bps) {
            m->jailed[v] = true;
            if (h + m->p.jail_downtime_blocks > m->jailed_until[v])
                m->jailed_until[v] = h + m->p.jail_downtime_blocks;
        }
    }
    m_next_set(m);
    m->epoch++;
    m->seen = 0;
}

/* ---- chain side ---- */

typedef struct node {
    char dir[64];
    chain_state_t *st;
} node_t;

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    for (int i = 0; i < K; i++) {
        uint8_t seed[32];
        memset(seed, 0x30 + i, 32);
        crypto_ed25519_from_seed(seed, pk[i], sk[i]);
        chain_addr_from_pk(pk[i], &addr[i]);
        if (bls_keygen(bls_sk[i], seed, 32, NULL, 0, NULL, 0, NULL) != 0 ||
            bls_sk_to_pk(bls_pk[i], bls_sk[i], NULL) != 0 ||
            bls_pop_prove(bls_pop[i], bls_sk[i], NULL) != 0)
            return -1;
        ecvrf_sk_to_pk(seed, vrf_pk[i]);
    }
    return 0;
}

static const u128 START = 1000000000;

static void open_node(node_t *n, const chain_stake_params_t *p, u128 gstake)
{
    strcpy(n->dir, "/tmp/chain_staking_model.XXXXXX");
    assert_non_null(mkdtemp(n->dir));
    err_t e = {0};
    n->st = chain_state_open(n->dir, false, &e);
    assert_non_null(n->st);
    chain_genesis_alloc_t al[K];
    for (int i = 0; i < K; i++) {
        al[i].addr = addr[i];
        al[i].balance = C(START);
    }
    chain_stake_genesis_validator_t gv[NG];
    for (int i = 0; i < NG; i++) {
        memcpy(gv[i].pk, pk[i], 32);
        memcpy(gv[i].bls_pk, bls_pk[i], 48);
        memcpy(gv[i].vrf_pk, vrf_pk[i], 32);
        gv[i].stake = C(gstake);
        gv[i].commission_bps = (uint16_t)(500 * (i + 1));
    }
    chain_genesis_data_t *d;
    size_t nd;
    uint8_t *store;
    if (chain_staking_genesis(p, gv, NG, C(START * K), &d, &nd, &store, &e) != 0)
        fail_msg("staking genesis: %s", e.msg);
    /* sort the allocations by address as genesis files do */
    for (int i = 1; i < K; i++)
        for (int j = i; j > 0 && memcmp(al[j - 1].addr.b, al[j].addr.b, 20) > 0; j--) {
            chain_genesis_alloc_t t = al[j];
            al[j] = al[j - 1];
            al[j - 1] = t;
        }
    chain_genesis_t g = {.chain_id = CHAIN, .timestamp_ms = 1000, .accounts = al,
                         .n_accounts = K, .data = d, .n_data = nd};
    memcpy(g.proposer_pk, pk[0], 32);
    g.base_fee = p->gas_target ? p->initial_base_fee : chain_u128_from_u64(0);
    if (chain_state_init_genesis(n->st, &g, &e) != 0)
        fail_msg("genesis: %s", e.msg);
    free(d);
    free(store);
}

static void close_node(node_t *n)
{
    chain_state_close(n->st);
    nftw(n->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void model_init(model_t *m, const chain_stake_params_t *p, u128 gstake)
{
    memset(m, 0, sizeof *m);
    m->p = *p;
    for (int i = 0; i < K; i++)
        m->bal[i] = START;
    for (int i = 0; i < NG; i++) {
        m->reg[i] = true;
        m->del[i][i] = gstake;
        m->comm[i] = (uint16_t)(500 * (i + 1));
        m->min_self[i] = U(p->min_self_stake);
        m->sets[0].m[i] = i;
        m->sets[0].stake[i] = gstake;
    }
    m->sets[0].n = NG;
    m->genesis = START * K + gstake * NG;
    m->base = p->gas_target ? U(p->initial_base_fee) : 0;
}

/* ---- comparison ---- */

static void check_node(node_t *n, const model_t *m)
{
    err_t e = {0};
    for (int i = 0; i < K; i++) {
        chain_account_t a;
        bool ex;
        assert_int_equal(chain_state_get_account(n->st, &addr[i], &a, &ex, &e), 0);
        if (U(a.balance) != m->bal[i] || a.nonce != m->nonce[i])
            fail_msg("height %llu: account %d balance %llu nonce %llu, model %llu / %llu",
                     (unsigned long long)m->h, i, (unsigned long long)a.balance.lo,
                     (unsigned long long)a.nonce, (unsigned long long)m->bal[i],
                     (unsigned long long)m->nonce[i]);
    }
    chain_header_t tip;
    assert_int_equal(chain_state_tip(n->st, &tip, NULL, &e), 0);
    if (U(tip.base_fee) != m->base || tip.gas_used != m->last_gas)
        fail_msg("height %llu: header base_fee %llu gas %llu, model %llu / %llu",
                 (unsigned long long)m->h, (unsigned long long)tip.base_fee.lo,
                 (unsigned long long)tip.gas_used, (unsigned long long)m->base,
                 (unsigned long long)m->last_gas);
    chain_stake_global_t *g = malloc(sizeof *g);
    chain_validator_t *v = malloc(sizeof *v);
    chain_valset_t *s = malloc(sizeof *s);
    bool ex;
    assert_int_equal(chain_staking_get_global(n->st, g, &ex, &e), 0);
    assert_true(ex);
    assert_true(g->epoch == m->epoch && g->epoch_blocks_seen == m->seen);
    if (U(g->emitted) != m->emitted || U(g->burned) != m->burned)
        fail_msg("height %llu: emitted %llu burned %llu, model %llu / %llu",
                 (unsigned long long)m->h, (unsigned long long)g->emitted.lo,
                 (unsigned long long)g->burned.lo, (unsigned long long)m->emitted,
                 (unsigned long long)m->burned);
    u128 bonded = 0, unbonding = 0, rewards = 0, liquid = 0;
    for (int i = 0; i < K; i++)
        liquid += m->bal[i];
    int n_reg = 0;
    for (int vi = 0; vi < K; vi++) {
        assert_int_equal(chain_staking_get_validator(n->st, &addr[vi], v, &ex, &e), 0);
        assert_int_equal(ex, m->reg[vi]);
        if (!ex)
            continue;
        n_reg++;
        if (v->jailed != m->jailed[vi] || (m->jailed[vi] && v->jailed_until != m->jailed_until[vi]))
            fail_msg("height %llu: validator %d jailed %d until %llu, model %d until %llu",
                     (unsigned long long)m->h, vi, v->jailed, (unsigned long long)v->jailed_until,
                     m->jailed[vi], (unsigned long long)m->jailed_until[vi]);
        assert_int_equal(v->commission_bps, m->comm[vi]);
        /* delegations: exactly the model's non-empty entries, ascending */
        int k = 0;
        for (uint32_t i = 0; i < v->n_del; i++) {
            if (i)
                assert_true(memcmp(v->del[i - 1].who.b, v->del[i].who.b, 20) < 0);
            assert_false(chain_u128_is_zero(v->del[i].amount) &&
                         chain_u128_is_zero(v->del[i].reward));
            int w = -1;
            for (int j = 0; j < K; j++)
                if (memcmp(addr[j].b, v->del[i].who.b, 20) == 0)
                    w = j;
            assert_true(w >= 0);
            if (U(v->del[i].amount) != m->del[vi][w] || U(v->del[i].reward) != m->rew[vi][w])
                fail_msg("height %llu: delegation %d->%d amount %llu reward %llu, model %llu / %llu",
                         (unsigned long long)m->h, w, vi, (unsigned long long)v->del[i].amount.lo,
                         (unsigned long long)v->del[i].reward.lo,
                         (unsigned long long)m->del[vi][w], (unsigned long long)m->rew[vi][w]);
            bonded += U(v->del[i].amount);
            rewards += U(v->del[i].reward);
            k++;
        }
        int want = 0;
        for (int w = 0; w < K; w++)
            want += m->del[vi][w] || m->rew[vi][w];
        assert_int_equal(k, want);
        /* unbonding entries, in order */
        int j = 0;
        for (int x = 0; x < m->n_unb; x++) {
            if (m->unb[x].val != vi)
                continue;
            assert_true(j < (int)v->n_unb);
            assert_memory_equal(v->unb[j].who.b, addr[m->unb[x].who].b, 20);
            if (U(v->unb[j].amount) != m->unb[x].amount || v->unb[j].complete != m->unb[x].complete)
                fail_msg("height %llu: unbonding %d of validator %d differs",
                         (unsigned long long)m->h, j, vi);
            unbonding += m->unb[x].amount;
            j++;
        }
        assert_int_equal(j, (int)v->n_unb);
        /* live redelegations (the record may still hold matured ones) */
        j = 0;
        for (int x = 0; x < m->n_red; x++) {
            if (m->red[x].val != vi || m->red[x].complete <= m->h)
                continue;
            while (j < (int)v->n_red && v->red[j].complete <= m->h)
                j++;
            assert_true(j < (int)v->n_red);
            assert_memory_equal(v->red[j].who.b, addr[m->red[x].who].b, 20);
            assert_memory_equal(v->red[j].to.b, addr[m->red[x].to].b, 20);
            assert_true(U(v->red[j].amount) == m->red[x].amount);
            j++;
        }
        while (j < (int)v->n_red)
            assert_true(v->red[j++].complete <= m->h);
    }
    assert_int_equal((int)g->n_validators, n_reg);
    if (U(g->bonded) != bonded || U(g->unbonding) != unbonding || U(g->rewards) != rewards)
        fail_msg("height %llu: staking totals differ from the records", (unsigned long long)m->h);
    /* supply, to the unit */
    if (liquid + bonded + unbonding + rewards != m->genesis + m->emitted - m->burned)
        fail_msg("height %llu: supply %llu != genesis + emitted - burned %llu",
                 (unsigned long long)m->h, (unsigned long long)(liquid + bonded + unbonding + rewards),
                 (unsigned long long)(m->genesis + m->emitted - m->burned));
    /* the current set */
    assert_int_equal(chain_staking_get_valset(n->st, m->epoch, s, &ex, &e), 0);
    assert_true(ex);
    const mset_t *ms = &m->sets[m->epoch];
    assert_int_equal((int)s->n, ms->n);
    for (int i = 0; i < ms->n; i++) {
        assert_memory_equal(s->m[i].addr.b, addr[ms->m[i]].b, 20);
        assert_true(U(s->m[i].stake) == ms->stake[i]);
        assert_int_equal(s->m[i].signed_qcs, ms->signed_qcs[i]);
    }
    free(g);
    free(v);
    free(s);
}

/* ---- operations ---- */

static uint64_t rnd_state;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}
static int pick(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

/* What the model says a tx does: returns true (and applies it) when it
 * succeeds; otherwise applies only fee and nonce. */
static bool m_apply(model_t *m, int who, const chain_stake_body_t *b, bool transfer, int to,
                    u128 amount, u128 fee, u128 *ev_round, int ev_val)
{
    uint64_t h = m->h + 1;
    const chain_stake_params_t *p = &m->p;
    bool ok = false;
    u128 lock = 0, back = 0;
    if (transfer) {
        ok = m->bal[who] >= fee + amount;
        if (ok) {
            m->bal[who] -= fee + amount;
            m->bal[to] += amount;
            m->nonce[who]++;
            m->fees_in_block = fee;
            return true;
        }
        goto failed;
    }
    switch (b->kind) {
    case CHAIN_TX_STAKE_REGISTER: {
        int n_reg = 0;
        for (int i = 0; i < K; i++)
            n_reg += m->reg[i];
        (void)n_reg;
        ok = !m->reg[who] && U(b->min_self_stake) >= U(p->min_self_stake) &&
             U(b->amount) >= U(b->min_self_stake) && m->bal[who] >= fee + U(b->amount);
        if (ok) {
            m->reg[who] = true;
            m->del[who][who] = U(b->amount);
            m->comm[who] = b->commission_bps;
            m->min_self[who] = U(b->min_self_stake);
            lock = U(b->amount);
        }
        break;
    }
    case CHAIN_TX_STAKE_ADD:
    case CHAIN_TX_STAKE_DELEGATE: {
        int v = b->kind == CHAIN_TX_STAKE_ADD ? who : to;
        ok = m->reg[v] && m->bal[who] >= fee + U(b->amount);
        if (b->kind == CHAIN_TX_STAKE_DELEGATE)
            ok = ok && !m->jailed[v] && U(b->amount) >= U(p->min_delegation);
        if (ok) {
            m->del[v][who] += U(b->amount);
            lock = U(b->amount);
        }
        break;
    }
    case CHAIN_TX_STAKE_UNDELEGATE: {
        int v = to, nu = 0;
        for (int i = 0; i < m->n_unb; i++)
            nu += m->unb[i].val == v;
        ok = m->reg[v] && m->del[v][who] > 0 && U(b->amount) <= m->del[v][who] &&
             nu < CHAIN_STAKE_MAX_UNBONDING && m->bal[who] >= fee;
        if (ok) {
            m->del[v][who] -= U(b->amount);
            m->unb[m->n_unb++] = (ment_t){v, who, 0, U(b->amount), h + p->unbonding_blocks};
        }
        break;
    }
    case CHAIN_TX_STAKE_REDELEGATE: {
        int v = to, w = (int)amount;   /* destination passed in amount */
        ok = m->reg[v] && m->reg[w] && !m->jailed[w] && U(b->amount) >= U(p->min_delegation) &&
             m->del[v][who] > 0 && U(b->amount) <= m->del[v][who] && m->bal[who] >= fee;
        if (ok) {
            m->del[v][who] -= U(b->amount);
            m->del[w][who] += U(b->amount);
            m->red[m->n_red++] = (ment_t){v, who, w, U(b->amount), h + p->unbonding_blocks};
        }
        break;
    }
    case CHAIN_TX_STAKE_WITHDRAW: {
        int v = to;
        u128 sum = 0;
        bool any = false;
        for (int i = 0; i < m->n_unb; i++)
            if (m->unb[i].val == v && m->unb[i].who == who && m->unb[i].complete <= h) {
                sum += m->unb[i].amount;
                any = true;
            }
        ok = m->reg[v] && any && m->bal[who] >= fee;
        if (ok) {
            int k = 0;
            for (int i = 0; i < m->n_unb; i++)
                if (!(m->unb[i].val == v && m->unb[i].who == who && m->unb[i].complete <= h))
                    m->unb[k++] = m->unb[i];
            m->n_unb = k;
            back = sum;
        }
        break;
    }
    case CHAIN_TX_STAKE_COMMISSION: {
        int d = (int)b->commission_bps - (int)m->comm[who];
        ok = m->reg[who] && abs(d) <= p->max_commission_change_bps &&
             m->comm_epoch[who] != m->epoch + 1 && m->bal[who] >= fee;
        if (ok) {
            m->comm[who] = b->commission_bps;
            m->comm_epoch[who] = m->epoch + 1;
        }
        break;
    }
    case CHAIN_TX_STAKE_UNJAIL:
        ok = m->reg[who] && m->jailed[who] && h >= m->jailed_until[who] &&
             m->del[who][who] >= m->min_self[who] && m->bal[who] >= fee;
        if (ok)
            m->jailed[who] = false;
        break;
    case CHAIN_TX_STAKE_EVIDENCE: {
        uint64_t end = (b->epoch + 1) * p->epoch_blocks;
        const mset_t *s = &m->sets[b->epoch];
        ok = b->epoch <= m->epoch && !(h > end && h - end > p->unbonding_blocks) &&
             ev_val < s->n && m->bal[who] >= fee;
        int v = ok ? s->m[ev_val] : -1;
        for (int i = 0; ok && i < m->n_off; i++)
            if (m->offence[i][0] == (uint64_t)v && m->offence[i][1] == b->epoch &&
                m->offence[i][2] == (uint64_t)*ev_round)
                ok = false;
        if (ok) {
            u128 tb = 0, tu = 0, f = p->slash_double_bps;
            for (int w = 0; w < K; w++) {
                u128 x = m->del[v][w] * f / 10000;
                m->del[v][w] -= x;
                tb += x;
            }
            for (int i = 0; i < m->n_unb; i++)
                if (m->unb[i].val == v && m->unb[i].complete > h) {
                    u128 x = m->unb[i].amount * f / 10000;
                    m->unb[i].amount -= x;
                    tu += x;
                }
            for (int i = 0; i < m->n_red; i++)
                if (m->red[i].val == v && m->red[i].complete > h) {
                    u128 x = m->red[i].amount * f / 10000;
                    if (x > m->del[m->red[i].to][m->red[i].who])
                        x = m->del[m->red[i].to][m->red[i].who];
                    m->del[m->red[i].to][m->red[i].who] -= x;
                    m->red[i].amount -= x;
                    tb += x;
                }
            u128 rep = (tb + tu) * p->reporter_bps / 10000;
            m->burned += tb + tu - rep;
            back = rep;
            m->jailed[v] = true;
            if (h + p->jail_double_blocks > m->jailed_until[v])
                m->jailed_until[v] = h + p->jail_double_blocks;
            m->offence[m->n_off][0] = (uint64_t)v;
            m->offence[m->n_off][1] = b->epoch;
            m->offence[m->n_off][2] = (uint64_t)*ev_round;
            m->n_off++;
        }
        break;
    }
    case CHAIN_TX_STAKE_CLAIM: {
        int v = to;
        ok = m->reg[v] && m->rew[v][who] > 0 && m->bal[who] >= fee;
        if (ok) {
            back = m->rew[v][who];
            m->rew[v][who] = 0;
        }
        break;
    }
    default:
        break;
    }
    if (ok) {
        m->bal[who] = m->bal[who] - fee - lock + back;
        m->nonce[who]++;
        m->fees_in_block = fee;
        return true;
    }
failed:
    m->bal[who] -= fee;   /* the chain includes only txs whose fee can be paid */
    m->nonce[who]++;
    m->fees_in_block = fee;
    return false;
}

/* Double votes of validator index vi of `epoch`'s set, by account acc. */
static size_t make_evidence(int acc, uint32_t vi, uint64_t round, uint8_t *out)
{
    cons_evidence_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CONS_EVIDENCE_VOTES;
    ev.validator = vi;
    for (int i = 0; i < 2; i++) {
        cons_vote_t *v = &ev.votes[i];
        v->round = round;
        memset(v->block_id.b, 0x10 + i, 32);
        v->voter = vi;
        uint8_t msg[64];
        size_t n = cons_vote_msg(CHAIN, round, &v->block_id, msg);
        assert_int_equal(bls_sign(v->sig, bls_sk[acc], msg, n, NULL), 0);
    }
    buf_t b = {0};
    assert_int_equal(cons_evidence_encode(&ev, &b), 0);
    assert_true(b.len <= CHAIN_STAKE_MAX_EVIDENCE);
    memcpy(out, b.data, b.len);
    size_t n = b.len;
    buf_free(&b);
    return n;
}

static void run(uint64_t seed, int steps, const chain_stake_params_t *p)
{
    rnd_state = seed * 0x9e3779b97f4a7c15ull + 1;
    node_t a, b;
    model_t *m = calloc(1, sizeof *m);
    assert_non_null(m);
    u128 gstake = 5000000;
    open_node(&a, p, gstake);
    open_node(&b, p, gstake);
    model_init(m, p, gstake);
    check_node(&a, m);
    uint8_t evbuf[CHAIN_STAKE_MAX_EVIDENCE];
    int n_ok = 0, n_fail = 0, n_kind[16] = {0};
    for (int step = 0; step < steps; step++) {
        err_t e = {0};
        chain_tx_t *tx = NULL;
        int who = pick(K), to = pick(K), op = pick(13);
        if ((op == 4 || op == 5 || op == 10 || op == 11) && pick(4)) {
            /* mostly pick an existing delegation (or reward) so these succeed often */
            int cand[K * K][2], nc = 0;
            for (int v = 0; v < K; v++)
                for (int w = 0; w < K; w++)
                    if (op >= 10 ? m->rew[v][w] > 0 : m->del[v][w] > 0)
                        cand[nc][0] = v, cand[nc][1] = w, nc++;
            if (nc) {
                int c = pick(nc);
                to = cand[c][0];
                who = cand[c][1];
            }
        } else if (op == 6 && m->n_unb && pick(4)) {
            const ment_t *u = &m->unb[pick(m->n_unb)];
            to = u->val;
            who = u->who;
        }
        u128 fee = 1 + (u128)pick(3), amount = 0, ev_round = 0;
        int ev_val = 0;
        bool transfer = false;
        chain_stake_body_t bd;
        memset(&bd, 0, sizeof bd);
        u128 have = m->del[to][who];
        switch (op) {
        case 0:
            bd.kind = CHAIN_TX_STAKE_REGISTER;
            memcpy(bd.bls_pk, bls_pk[who], 48);
            memcpy(bd.bls_pop, bls_pop[who], 96);
            memcpy(bd.vrf_pk, vrf_pk[who], 32);
            bd.commission_bps = (uint16_t)pick(3000);
            bd.min_self_stake = C(1 + (u128)pick(200000));
            bd.amount = C(1 + (u128)pick(3000000));
            break;
        case 1:
            bd.kind = CHAIN_TX_STAKE_ADD;
            bd.amount = C(1 + (u128)pick(1000000));
            break;
        case 2:
        case 3:
            bd.kind = CHAIN_TX_STAKE_DELEGATE;
            bd.validator = addr[to];
            bd.amount = C(1 + (u128)pick(2000000));
            break;
        case 4:
            bd.kind = CHAIN_TX_STAKE_UNDELEGATE;
            bd.validator = addr[to];
            bd.amount = C(have && pick(4) ? 1 + rnd() % have : 1 + (u128)pick(100000));
            break;
        case 5: {
            int w = pick(K);
            if (w == to)
                w = (w + 1) % K;
            bd.kind = CHAIN_TX_STAKE_REDELEGATE;
            bd.validator = addr[to];
            bd.to = addr[w];
            bd.amount = C(have && pick(4) ? 1 + rnd() % have : 1 + (u128)pick(100000));
            amount = (u128)w;
            break;
        }
        case 6:
            bd.kind = CHAIN_TX_STAKE_WITHDRAW;
            bd.validator = addr[to];
            break;
        case 7: {
            bd.kind = CHAIN_TX_STAKE_COMMISSION;
            int c = (int)m->comm[who] + pick(301) - 150;
            bd.commission_bps = (uint16_t)(c < 0 ? 0 : c > 10000 ? 10000 : c);
            break;
        }
        case 8:
            bd.kind = CHAIN_TX_STAKE_UNJAIL;
            break;
        case 9: {
            if (pick(3))   /* evidence is rarer than the rest */
                goto xfer;
            bd.kind = CHAIN_TX_STAKE_EVIDENCE;
            uint64_t ep = m->epoch;
            if (ep && pick(3) == 0)
                ep -= 1 + (uint64_t)pick((int)(ep < 8 ? ep : 8));
            const mset_t *s = &m->sets[ep];
            if (s->n == 0)
                goto xfer;
            ev_val = pick(s->n);
            ev_round = (u128)(1 + pick(6));
            bd.epoch = ep;
            bd.evidence_len = (uint32_t)make_evidence(s->m[ev_val], (uint32_t)ev_val,
                                                      (uint64_t)ev_round, evbuf);
            bd.evidence = evbuf;
            break;
        }
        case 10:
        case 11:
            bd.kind = CHAIN_TX_STAKE_CLAIM;
            bd.validator = addr[to];
            break;
        default:
        xfer:
            transfer = true;
            amount = 1 + (u128)pick(1000);
            break;
        }
        if (transfer)
            tx = chain_tx_new_transfer(CHAIN, pk[who], m->nonce[who], C(fee), &addr[to], C(amount));
        else
            tx = chain_tx_new_stake(CHAIN, pk[who], m->nonce[who], C(fee), &bd, &e);
        if (!tx)
            fail_msg("tx: %s", e.msg);
        bool below_base = false;
        if (m->p.gas_target) {   /* pay the base fee for its size, plus a tip; sometimes less */
            u128 need = m_next_base(m) * tx->size;
            below_base = pick(25) == 0;
            fee = below_base ? need - 1 : need + (u128)pick(50);
            tx->fee = C(fee);
        }
        assert_int_equal(chain_tx_sign(tx, sk[who], &e), 0);
        int adm = chain_exec_check_tx(a.st, &cfg, tx, NULL, &e);
        if (below_base) {   /* invalid at this base fee: refused, and skipped by the producer */
            if (adm != CHAIN_ETXINVALID || !strstr(e.msg, "below the base fee"))
                fail_msg("a fee under the base fee was admitted (%s)", e.msg);
            chain_built_t built;
            if (chain_exec_build_block(a.st, &cfg, &tx, 1, 2000 + m->h * 10, sk[0], &built, &e))
                fail_msg("build: %s", e.msg);
            assert_int_equal(built.n_skipped, 1);
            assert_int_equal(built.block->n_txs, 0);
            assert_non_null(strstr(built.skipped[0].reason, "below the base fee"));
            /* a block that carries it anyway is rejected */
            chain_block_t *bad = chain_block_new();
            bad->header = built.block->header;
            assert_int_equal(chain_block_add_tx(bad, chain_tx_dup(tx), &e), 0);
            chain_block_seal(bad, sk[0]);
            assert_int_equal(chain_exec_apply_block(b.st, &cfg, bad, NULL, &e), CHAIN_EBLOCK);
            chain_block_free(bad);
            buf_t enc = {0};
            assert_int_equal(chain_block_encode(built.block, &enc), 0);
            assert_int_equal(chain_exec_commit_built(a.st, &built, &e), 0);
            chain_built_free(&built);
            chain_block_t *copy = chain_block_decode(enc.data, enc.len, &e);
            if (chain_exec_apply_block(b.st, &cfg, copy, NULL, &e) != 0)
                fail_msg("replay: %s", e.msg);
            chain_block_free(copy);
            buf_free(&enc);
            chain_tx_free(tx);
            m_end_block(m);
            check_node(&a, m);
            continue;
        }
        m->gas_in_block = tx->size;
        bool ok = m_apply(m, who, &bd, transfer, to, amount, fee, &ev_round, ev_val);
        if (ok != (adm == 0))
            fail_msg("seed %llu step %d (%s by %d): admission %s (%s), the model says %s",
                     (unsigned long long)seed, step, chain_tx_kind_name(tx->kind), who,
                     adm ? "refused" : "accepted", e.msg, ok ? "ok" : "refused");
        n_ok += ok;
        n_fail += !ok;
        if (!transfer)
            n_kind[tx->kind - CHAIN_TX_STAKE_REGISTER] += ok;
        chain_built_t built;
        if (chain_exec_build_block(a.st, &cfg, &tx, 1, 2000 + m->h * 10, sk[0], &built, &e) != 0)
            fail_msg("build: %s", e.msg);
        assert_int_equal(built.n_skipped, 0);
        assert_int_equal(built.receipts[0].status == CHAIN_STATUS_OK, ok);
        buf_t enc = {0};
        assert_int_equal(chain_block_encode(built.block, &enc), 0);
        if (chain_exec_commit_built(a.st, &built, &e) != 0)
            fail_msg("commit: %s", e.msg);
        chain_built_free(&built);
        chain_block_t *copy = chain_block_decode(enc.data, enc.len, &e);
        assert_non_null(copy);
        if (chain_exec_apply_block(b.st, &cfg, copy, NULL, &e) != 0)
            fail_msg("replay: %s", e.msg);
        chain_block_free(copy);
        buf_free(&enc);
        chain_tx_free(tx);
        m_end_block(m);
        check_node(&a, m);
        chain_hash_t ra, rb;
        chain_state_root(a.st, &ra);
        chain_state_root(b.st, &rb);
        assert_memory_equal(ra.b, rb.b, 32);
    }
    err_t e = {0};
    assert_int_equal(chain_state_check(a.st, &e), 0);
    printf("seed %llu: %d steps, %d ok, %d refused, epoch %llu, emitted %llu, burned %llu; ok by "
           "kind: reg %d add %d del %d undel %d redel %d withdraw %d comm %d unjail %d ev %d "
           "claim %d\n",
           (unsigned long long)seed, steps, n_ok, n_fail, (unsigned long long)m->epoch,
           (unsigned long long)m->emitted, (unsigned long long)m->burned, n_kind[0], n_kind[1],
           n_kind[2], n_kind[3], n_kind[4], n_kind[5], n_kind[6], n_kind[7], n_kind[8], n_kind[9]);
    /* the run must have exercised every kind and the epoch machinery */
    for (int k = 0; k < 10 && steps >= 500; k++)   /* (short runs are for debugging) */
        if (n_kind[k] == 0)
            fail_msg("seed %llu: no %s succeeded", (unsigned long long)seed,
                     chain_tx_kind_name((uint8_t)(CHAIN_TX_STAKE_REGISTER + k)));
    assert_true(m->emitted > 0 && m->epoch > 10);
    if (p->gas_target)
        printf("seed %llu: fee market base fee %llu at the end\n", (unsigned long long)seed,
               (unsigned long long)m->base);
    close_node(&a);
    close_node(&b);
    free(m);
}

static void params(chain_stake_params_t *p, uint16_t downtime)
{
    chain_stake_params_default(p);
    if (downtime == 0) {   /* this set also runs the fee market: one tx of ~160..430 bytes a block */
        p->gas_target = 250;
        p->initial_base_fee = chain_u128_from_u64(20);
        p->min_base_fee = chain_u128_from_u64(3);
    }
    p->epoch_blocks = 5;
    p->unbonding_blocks = 12;
    p->max_validators = 4;
    p->min_self_stake = chain_u128_from_u64(1000);
    p->min_delegation = chain_u128_from_u64(100);
    p->max_commission_change_bps = 100;
    p->downtime_min_signed_bps = downtime;
    p->jail_downtime_blocks = 7;
    p->jail_double_blocks = 20;
    p->block_ms = 31536000000ull / 60;   /* 60 blocks a year: every emission rate is used */
}

static void test_model_downtime(void **state)
{
    (void)state;
    chain_stake_params_t p;
    params(&p, 5000);
    const char *s = getenv("STAKING_MODEL_STEPS");
    int steps = s ? atoi(s) : 700;
    for (uint64_t seed = 1; seed <= 3; seed++)
        run(seed, steps, &p);
}

static void test_model_no_downtime(void **state)
{
    (void)state;
    chain_stake_params_t p;
    params(&p, 0);
    const char *s = getenv("STAKING_MODEL_STEPS");
    int steps = s ? atoi(s) : 700;
    for (uint64_t seed = 11; seed <= 13; seed++)
        run(seed, steps, &p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_downtime),
        cmocka_unit_test(test_model_no_downtime),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

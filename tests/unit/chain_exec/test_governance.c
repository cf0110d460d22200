/* The governance contract (sdk/contract/examples/governance.c) with the AIC
 * token it governs (the token's owner, so only it can mint), built with the
 * SDK and run on the contract runtime in an in-memory world, against a
 * model: a seeded random sequence over advancing blocks of deposits,
 * withdrawals, token transfers, proposals (a mint, or a call that always
 * fails), votes (each successful one repeated at once, which must be
 * refused), finalizations, executions and cancellations by four holders.
 * After every step the contract's answer matches the model's; regularly the
 * proposals' tallies and states, the deposits and the token balances are
 * compared, the token supply is conserved (initial + executed mints), the
 * governance contract holds exactly the deposits, and no vote is counted
 * twice (each tally = the sum of its distinct voters' weights). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract_world.h"

typedef cw_u128 u128;

static chain_contract_t *g_token, *g_gov;
static cw_t *W;
static chain_addr_t TOK, GOV, DEPLOYER, USERS[4];

#define PERIOD 5
#define TIMELOCK 3
#define QUORUM 2000
#define THRESHOLD 5000
#define MIN_POWER 1000
#define GAS 20000000



/* A call that must not trap or run out of gas: every refusal is a revert
 * with a reason. */
static uint8_t run(const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
                   const cw_msg_t *m, uint8_t *ret, uint32_t *ret_len, char *reason)
{
    char why[ERR_MSG_MAX];
    uint8_t st = cw_call(W, caller, self, entry, m, GAS, ret, ret_len, why);
    if (st == CHAIN_CONTRACT_TRAP || st == CHAIN_CONTRACT_OUT_OF_GAS)
        fail_msg("%s: %s (%s)", entry, chain_contract_status_name(st), why);
    if (reason)
        snprintf(reason, ERR_MSG_MAX, "%s", why);
    return st;
}

static void must(const chain_addr_t *caller, const chain_addr_t *self, const char *entry,
                 const cw_msg_t *m)
{
    char why[ERR_MSG_MAX];
    if (run(caller, self, entry, m, NULL, NULL, why) != CHAIN_CONTRACT_OK)
        fail_msg("%s failed: %s", entry, why);
}

static u128 q128(const chain_addr_t *self, uint8_t op, const chain_addr_t *a)
{
    cw_msg_t m = {.n = 0};
    cw_msg_u8(&m, op);
    if (a)
        cw_msg_addr(&m, a);
    uint8_t ret[CW_RET_MAX];
    uint32_t n;
    assert_int_equal(run(&DEPLOYER, self, "call", &m, ret, &n, NULL), CHAIN_CONTRACT_OK);
    assert_int_equal(n, 16);
    return cw_u128_at(ret);
}

/* ---- the model ---- */

#define MAX_PROPS 64
typedef struct prop {
    int proposer, kind;          /* kind 0: mint(to, amount); 1: a call that fails */
    int to;
    u128 amount, yes, no, snapshot, weights;
    uint64_t start, end, eta;
    int status;                  /* 1 voting 2 passed 3 failed 4 executed 5 cancelled */
    bool voted[4];
} prop_t;

typedef struct model {
    u128 bal[4], bal_deployer, power[4], total, supply;
    uint64_t unlock[4], height;
    prop_t p[MAX_PROPS + 1];
    int n_props;
} model_t;

static uint64_t g_rng = 0x853c49e6748fea9bull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void deploy(model_t *md)
{
    cw_free(W);
    W = cw_new();
    assert_non_null(W);
    cw_set_code(W, &TOK, g_token);
    cw_set_code(W, &GOV, g_gov);
    memset(md, 0, sizeof *md);
    md->height = 1;
    cw_set_block(W, md->height, 1000);
    cw_msg_t m = {.n = 0};
    md->supply = md->bal_deployer = 1000000000;
    cw_msg_u128(&m, md->supply);
    must(&DEPLOYER, &TOK, "init", &m);
    m.n = 0;
    cw_msg_addr(&m, &TOK);
    cw_msg_u64(&m, PERIOD);
    cw_msg_u64(&m, TIMELOCK);
    cw_msg_u64(&m, QUORUM);
    cw_msg_u64(&m, THRESHOLD);
    cw_msg_u128(&m, MIN_POWER);
    must(&DEPLOYER, &GOV, "init", &m);
    /* the token's mint now belongs to governance */
    m.n = 0;
    cw_msg_u8(&m, 9);
    cw_msg_addr(&m, &GOV);
    must(&DEPLOYER, &TOK, "call", &m);
    for (int i = 0; i < 4; i++) {
        m.n = 0;
        cw_msg_u8(&m, 1);
        cw_msg_addr(&m, &USERS[i]);
        cw_msg_u128(&m, 1000000);
        must(&DEPLOYER, &TOK, "call", &m);
        md->bal[i] = 1000000;
        md->bal_deployer -= 1000000;
        m.n = 0;
        cw_msg_u8(&m, 2);
        cw_msg_addr(&m, &GOV);
        cw_msg_u128(&m, (u128)1 << 100);
        must(&USERS[i], &TOK, "call", &m);
    }
}

static void check(const model_t *md)
{
    u128 sum = md->bal_deployer + q128(&TOK, 6, &GOV);
    assert_true(q128(&TOK, 6, &GOV) == md->total);   /* holds exactly the deposits */
    for (int i = 0; i < 4; i++) {
        assert_true(q128(&TOK, 6, &USERS[i]) == md->bal[i]);
        assert_true(q128(&GOV, 9, &USERS[i]) == md->power[i]);
        sum += md->bal[i];
    }
    assert_true(q128(&TOK, 6, &DEPLOYER) == md->bal_deployer);
    assert_true(q128(&GOV, 10, NULL) == md->total);
    assert_true(q128(&TOK, 7, NULL) == md->supply);
    assert_true(sum == md->supply);   /* conservation, mints included */
    for (int id = 1; id <= md->n_props; id++) {
        const prop_t *p = &md->p[id];
        cw_msg_t m = {.n = 0};
        cw_msg_u8(&m, 8);
        cw_msg_u64(&m, (uint64_t)id);
        uint8_t r[CW_RET_MAX];
        uint32_t n;
        assert_int_equal(run(&DEPLOYER, &GOV, "call", &m, r, &n, NULL), CHAIN_CONTRACT_OK);
        assert_int_equal(n, 1 + 16 + 16 + 8 * 3 + 40);
        assert_int_equal(r[0], p->status);
        assert_true(cw_u128_at(r + 1) == p->yes && cw_u128_at(r + 17) == p->no);
        assert_int_equal(load_le64(r + 33), p->start);
        assert_int_equal(load_le64(r + 41), p->end);
        assert_int_equal(load_le64(r + 49), p->eta);
        assert_memory_equal(r + 57, USERS[p->proposer].b, 20);
        assert_memory_equal(r + 77, TOK.b, 20);
        /* no vote counted twice */
        assert_true(p->yes + p->no == p->weights);
    }
}

static void test_governance_model(void **state)
{
    (void)state;
    model_t md;
    deploy(&md);
    int counts[9] = {0}, refused = 0, executed = 0;
    for (int step = 0; step < 600; step++) {
        /* weights per op (time, deposit, withdraw, propose, vote, finalize,
         * execute, cancel, transfer), out of 100 */
        static const int weight[9] = {15, 14, 4, 5, 27, 13, 14, 2, 6};
        int op = 0, u = (int)(rnd() % 4);
        for (int x = (int)(rnd() % 100); x >= weight[op]; op++)
            x -= weight[op];
        cw_msg_t m = {.n = 0};
        bool ok = false;
        const chain_addr_t *target = &GOV;
        /* mostly one of the last three proposals, sometimes any or none */
        int id = 1;
        if (md.n_props) {
            uint64_t r = rnd() % 10;
            id = r < 8 ? md.n_props - (int)(r % 3) : 1 + (int)(rnd() % (uint64_t)md.n_props);
            if (r == 9)
                id = md.n_props + 1;   /* no such proposal */
            if (id < 1)
                id = 1;
        }
        /* finalize and execute mostly aim at proposals in the right state */
        int want = op == 5 ? 1 : op == 6 ? 2 : 0;
        if (want && rnd() % 10 < 7) {
            int cands[MAX_PROPS], n_c = 0;
            for (int k = 1; k <= md.n_props; k++)
                if (md.p[k].status == want)
                    cands[n_c++] = k;
            if (n_c)
                id = cands[rnd() % (uint64_t)n_c];
        }
        prop_t *p = &md.p[id <= MAX_PROPS ? id : MAX_PROPS];
        if (op == 0) {   /* time passes */
            md.height += 1 + rnd() % 3;
            cw_set_block(W, md.height, md.height * 1000);
            counts[0]++;
            continue;
        }
        switch (op) {
        case 1: {   /* deposit */
            u128 amt = rnd() % 4 == 0 ? 0 : rnd() % 300000;
            cw_msg_u8(&m, 1);
            cw_msg_u128(&m, amt);
            ok = amt > 0 && md.bal[u] >= amt;
            if (ok)
                md.bal[u] -= amt, md.power[u] += amt, md.total += amt;
            break;
        }
        case 2: {   /* withdraw */
            u128 amt = 1 + rnd() % 200000;
            cw_msg_u8(&m, 2);
            cw_msg_u128(&m, amt);
            ok = md.height > md.unlock[u] && amt <= md.power[u];
            if (ok)
                md.bal[u] += amt, md.power[u] -= amt, md.total -= amt;
            break;
        }
        case 3: {   /* propose: mint to someone, or a call that fails */
            if (md.n_props == MAX_PROPS)
                continue;
            int kind = rnd() % 4 == 0, to = (int)(rnd() % 4);
            u128 amount = 1 + rnd() % 50000;
            cw_msg_u8(&m, 3);
            cw_msg_addr(&m, &TOK);
            cw_msg_u8(&m, kind ? 77 : 4);   /* 77: no such token operation */
            cw_msg_addr(&m, &USERS[to]);
            cw_msg_u128(&m, amount);
            ok = md.power[u] >= MIN_POWER;
            if (ok) {
                prop_t *n = &md.p[++md.n_props];
                memset(n, 0, sizeof *n);
                *n = (prop_t){.proposer = u, .kind = kind, .to = to, .amount = amount,
                              .snapshot = md.total, .start = md.height,
                              .end = md.height + PERIOD, .status = 1};
            }
            break;
        }
        case 4: {   /* vote */
            int support = rnd() % 10 < 7;   /* mostly for: proposals pass */
            cw_msg_u8(&m, 4);
            cw_msg_u64(&m, (uint64_t)id);
            cw_msg_u8(&m, (uint8_t)support);
            ok = id <= md.n_props && p->status == 1 && md.height <= p->end && !p->voted[u] &&
                 md.power[u] > 0;
            if (ok) {
                p->voted[u] = true;
                p->weights += md.power[u];
                if (support)
                    p->yes += md.power[u];
                else
                    p->no += md.power[u];
                if (md.unlock[u] < p->end)
                    md.unlock[u] = p->end;
            }
            break;
        }
        case 5: {   /* finalize */
            cw_msg_u8(&m, 5);
            cw_msg_u64(&m, (uint64_t)id);
            ok = id <= md.n_props && p->status == 1 && md.height > p->end;
            if (ok) {
                u128 total = p->yes + p->no;
                bool passed = total * 10000 >= (u128)QUORUM * p->snapshot && total > 0 &&
                              p->yes * 10000 > (u128)THRESHOLD * total;
                p->status = passed ? 2 : 3;
                if (passed)
                    p->eta = md.height + TIMELOCK;
            }
            break;
        }
        case 6: {   /* execute */
            cw_msg_u8(&m, 6);
            cw_msg_u64(&m, (uint64_t)id);
            ok = id <= md.n_props && p->status == 2 && md.height >= p->eta && p->kind == 0;
            if (ok) {
                p->status = 4;
                md.bal[p->to] += p->amount;
                md.supply += p->amount;
                executed++;
            }
            break;
        }
        case 7: {   /* cancel */
            cw_msg_u8(&m, 7);
            cw_msg_u64(&m, (uint64_t)id);
            ok = id <= md.n_props && p->status == 1 && p->proposer == u;
            if (ok)
                p->status = 5;
            break;
        }
        default: {   /* a token transfer between holders */
            int to = (int)(rnd() % 4);
            u128 amt = rnd() % 100000;
            cw_msg_u8(&m, 1);
            cw_msg_addr(&m, &USERS[to]);
            cw_msg_u128(&m, amt);
            target = &TOK;
            ok = to != u && md.bal[u] >= amt;
            if (ok)
                md.bal[u] -= amt, md.bal[to] += amt;
            break;
        }
        }
        char why[ERR_MSG_MAX];
        uint8_t st = run(&USERS[u], target, "call", &m, NULL, NULL, why);
        if ((st == CHAIN_CONTRACT_OK) != ok)
            fail_msg("step %d op %d by %d (proposal %d): contract %s (%s), model %s", step, op, u,
                     id, chain_contract_status_name(st), why, ok ? "ok" : "revert");
        counts[op]++;
        refused += !ok;
        if (op == 4 && ok) {
            /* the same vote again is refused and changes nothing */
            assert_int_equal(run(&USERS[u], &GOV, "call", &m, NULL, NULL, why),
                             CHAIN_CONTRACT_REVERT);
            assert_non_null(strstr(why, "already voted"));
        }
        if (step % 20 == 19)
            check(&md);
    }
    check(&md);
    int by_status[6] = {0};
    for (int id = 1; id <= md.n_props; id++)
        by_status[md.p[id].status]++;
    printf("# %d proposals (voting %d, passed %d, failed %d, executed %d, cancelled %d), "
           "%d votes, %d refused over %llu blocks\n", md.n_props, by_status[1], by_status[2],
           by_status[3], by_status[4], by_status[5], counts[4], refused,
           (unsigned long long)md.height);
    assert_true(md.n_props > 10 && executed > 3 && counts[4] > 30 && refused > 20);
}

/* The acceptance story: a proposal to mint passes, waits out its timelock,
 * executes once, and the tokens are there; a proposal short of quorum
 * fails and cannot run; the old owner can no longer mint. */
static void test_mint_proposal(void **state)
{
    (void)state;
    model_t md;
    deploy(&md);
    cw_msg_t m = {.n = 0};
    char why[ERR_MSG_MAX];
    /* only governance mints now */
    cw_msg_u8(&m, 4);
    cw_msg_addr(&m, &USERS[3]);
    cw_msg_u128(&m, 5);
    assert_int_equal(run(&DEPLOYER, &TOK, "call", &m, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "not the owner"));
    for (int i = 0; i < 3; i++) {
        m.n = 0;
        cw_msg_u8(&m, 1);
        cw_msg_u128(&m, 100000);
        must(&USERS[i], &GOV, "call", &m);
    }
    /* proposal 1: mint 777,000 to user 3 */
    m.n = 0;
    cw_msg_u8(&m, 3);
    cw_msg_addr(&m, &TOK);
    cw_msg_u8(&m, 4);
    cw_msg_addr(&m, &USERS[3]);
    cw_msg_u128(&m, 777000);
    uint8_t r[CW_RET_MAX];
    uint32_t n;
    assert_int_equal(run(&USERS[0], &GOV, "call", &m, r, &n, why), CHAIN_CONTRACT_OK);
    assert_int_equal(n, 8);
    assert_int_equal(load_le64(r), 1);
    cw_msg_t vote = {.n = 0};
    cw_msg_u8(&vote, 4);
    cw_msg_u64(&vote, 1);
    cw_msg_u8(&vote, 1);
    must(&USERS[0], &GOV, "call", &vote);
    must(&USERS[1], &GOV, "call", &vote);
    vote.b[vote.n - 1] = 0;
    must(&USERS[2], &GOV, "call", &vote);
    /* voters cannot take their deposit out before the end */
    m.n = 0;
    cw_msg_u8(&m, 2);
    cw_msg_u128(&m, 1);
    assert_int_equal(run(&USERS[0], &GOV, "call", &m, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "locked"));
    cw_msg_t fin = {.n = 0};
    cw_msg_u8(&fin, 5);
    cw_msg_u64(&fin, 1);
    assert_int_equal(run(&USERS[3], &GOV, "call", &fin, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "not ended"));
    cw_set_block(W, 1 + PERIOD + 1, 9000);
    must(&USERS[3], &GOV, "call", &fin);
    cw_msg_t ex = {.n = 0};
    cw_msg_u8(&ex, 6);
    cw_msg_u64(&ex, 1);
    assert_int_equal(run(&USERS[3], &GOV, "call", &ex, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "timelock"));
    u128 before = q128(&TOK, 6, &USERS[3]);
    cw_set_block(W, 1 + PERIOD + 1 + TIMELOCK, 12000);
    must(&USERS[3], &GOV, "call", &ex);
    assert_true(q128(&TOK, 6, &USERS[3]) == before + 777000);
    assert_true(q128(&TOK, 7, NULL) == md.supply + 777000);
    /* once only */
    assert_int_equal(run(&USERS[3], &GOV, "call", &ex, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_true(q128(&TOK, 6, &USERS[3]) == before + 777000);
    /* proposal 2: only user 1 votes (100,000 of 300,000 = 33% >= 20% quorum)
     * but against: fails; proposal 3: nobody votes: no quorum */
    uint64_t h = 20;
    cw_set_block(W, h, h * 1000);
    for (int k = 0; k < 2; k++) {
        m.n = 0;
        cw_msg_u8(&m, 3);
        cw_msg_addr(&m, &TOK);
        cw_msg_u8(&m, 4);
        cw_msg_addr(&m, &USERS[3]);
        cw_msg_u128(&m, 1);
        must(&USERS[0], &GOV, "call", &m);
    }
    vote.n = 0;
    cw_msg_u8(&vote, 4);
    cw_msg_u64(&vote, 2);
    cw_msg_u8(&vote, 0);
    must(&USERS[1], &GOV, "call", &vote);
    cw_set_block(W, h + PERIOD + 1 + TIMELOCK, (h + 10) * 1000);
    for (uint64_t id = 2; id <= 3; id++) {
        fin.n = ex.n = 0;
        cw_msg_u8(&fin, 5);
        cw_msg_u64(&fin, id);
        must(&USERS[3], &GOV, "call", &fin);
        cw_msg_u8(&ex, 6);
        cw_msg_u64(&ex, id);
        assert_int_equal(run(&USERS[3], &GOV, "call", &ex, NULL, NULL, why),
                         CHAIN_CONTRACT_REVERT);
        assert_non_null(strstr(why, "not passed"));
    }
    /* bad input names what was wrong */
    m.n = 0;
    cw_msg_u8(&m, 4);
    cw_msg_u64(&m, 99);
    cw_msg_u8(&m, 1);
    assert_int_equal(run(&USERS[0], &GOV, "call", &m, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "no such proposal"));
    m.b[m.n - 1] = 2;
    assert_int_equal(run(&USERS[0], &GOV, "call", &m, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "support"));
    m.n = 3;
    assert_int_equal(run(&USERS[0], &GOV, "call", &m, NULL, NULL, why), CHAIN_CONTRACT_REVERT);
    assert_non_null(strstr(why, "truncated"));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR-WITH-CONTRACTS\n", argv[0]);
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    g_token = cw_load(argv[1], "aic_token");
    g_gov = cw_load(argv[1], "governance");
    if (!g_token || !g_gov)
        return 1;
    memset(TOK.b, 0x70, 20);
    memset(GOV.b, 0x60, 20);
    memset(DEPLOYER.b, 0xde, 20);
    for (int i = 0; i < 4; i++)
        memset(USERS[i].b, 0x10 * (i + 1), 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_governance_model),
        cmocka_unit_test(test_mint_proposal),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cw_free(W);
    chain_contract_free(g_token);
    chain_contract_free(g_gov);
    return rc;
}

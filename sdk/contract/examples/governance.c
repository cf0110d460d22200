/*
 * Token-weighted governance as a contract (upstream governance, reference
 * §7.4): voting power is AIC tokens deposited in the contract; proposals
 * carry one call (a target contract and its input, e.g. a mint on the token
 * whose owner is this contract) that runs once the proposal passed and its
 * timelock ran out. Heights are block numbers.
 *
 * init input: [20] token, u64 voting_period, u64 timelock, u64 quorum_bps,
 *   u64 threshold_bps, u128 min_proposal_power.
 * call input: u8 op, then the arguments (addresses 20 bytes, amounts u128 LE,
 * ids u64 LE):
 *   1 deposit(amount)        pulls tokens with transfer_from (approve first)
 *   2 withdraw(amount)       only after the end of every proposal the caller
 *                            voted on (votes lock the deposit)
 *   3 propose(target, input...) -> id   needs min_proposal_power deposited;
 *                            voting runs from this block to + voting_period
 *   4 vote(id, u8 support)   once per address, weight = its deposit now
 *   5 finalize(id)           after the end: passed when for + against >=
 *                            quorum_bps of the deposits when proposed, and
 *                            for > threshold_bps of for + against; a passed
 *                            proposal may run from end + timelock
 *   6 execute(id)            passed and timelock over: runs the call; if
 *                            the call fails, execute reverts (retry later)
 *   7 cancel(id)             the proposer, while voting
 *   8 proposal(id) -> u8 status ‖ u128 for ‖ u128 against ‖ u64 start ‖
 *                     u64 end ‖ u64 eta ‖ [20] proposer ‖ [20] target
 *   9 power_of(addr) -> u128     10 total_power() -> u128
 * Status: 1 voting, 2 passed, 3 failed, 4 executed, 5 cancelled.
 * Events: "Proposed" (id ‖ proposer ‖ target), "Voted" (id ‖ voter ‖
 * support ‖ weight), "Finalized" (id ‖ status), "Executed" (id).
 * No vote is counted twice: one vote per (proposal, address), and a
 * deposit that voted cannot move to another address before the vote ends.
 */
#include "aether_contract.h"
#include "aic_token_abi.h"

enum { K_TOKEN = 1, K_PARAM = 2, K_POWER = 3, K_TOTAL = 4, K_UNLOCK = 5, K_NEXT = 6,
       K_PROP = 7, K_VOTED = 8 };
enum { ST_VOTING = 1, ST_PASSED = 2, ST_FAILED = 3, ST_EXECUTED = 4, ST_CANCELLED = 5 };
#define BPS 10000
#define MAX_CALL 1024

static aec_key param_key(uint8_t which)
{
    aec_key k = aec_key_new(K_PARAM);
    aec_key_bytes(&k, &which, 1);
    return k;
}

static uint64_t param(uint8_t which)
{
    aec_key k = param_key(which);
    return aec_load_u64(k.b, k.len);
}

static aec_addr token(void)
{
    static const uint8_t k[1] = {K_TOKEN};
    aec_addr t;
    AEC_REQUIRE(aec_storage_read(k, 1, t.b) == 20, "governance: no token");
    return t;
}

static aec_key power_key(const aec_addr *a)
{
    return aec_map_key(K_POWER, a);
}

static aec_key total_key(void)
{
    return aec_key_new(K_TOTAL);
}

static aec_key prop_key(uint64_t id, uint8_t field)
{
    aec_key k = aec_key_new(K_PROP);
    aec_key_u64(&k, id);
    aec_key_bytes(&k, &field, 1);
    return k;
}

static uint64_t prop_u64(uint64_t id, uint8_t field)
{
    aec_key k = prop_key(id, field);
    return aec_load_u64(k.b, k.len);
}

static void prop_set_u64(uint64_t id, uint8_t field, uint64_t v)
{
    aec_key k = prop_key(id, field);
    aec_store_u64(k.b, k.len, v);
}

static aec_u128 prop_u128(uint64_t id, uint8_t field)
{
    aec_key k = prop_key(id, field);
    return aec_map_get(&k);
}

static void prop_set_u128(uint64_t id, uint8_t field, aec_u128 v)
{
    aec_key k = prop_key(id, field);
    aec_map_set(&k, v);
}

static aec_addr prop_addr(uint64_t id, uint8_t field)
{
    aec_key k = prop_key(id, field);
    aec_addr a;
    AEC_REQUIRE(aec_storage_read(k.b, k.len, a.b) == 20, "governance: broken proposal");
    return a;
}

static void prop_set_bytes(uint64_t id, uint8_t field, const void *p, int32_t n)
{
    aec_key k = prop_key(id, field);
    AEC_REQUIRE(aec_storage_write(k.b, k.len, p, n) == 0, "storage: write refused");
}

/* The status of an existing proposal (reverts for an unknown id). */
static uint64_t status(uint64_t id)
{
    uint64_t st = prop_u64(id, 'S');
    AEC_REQUIRE(st != 0, "governance: no such proposal");
    return st;
}

static void event_id(const char *name, uint64_t id, const void *more, int32_t n)
{
    aec_buf e = {.len = 0};
    aec_buf_u64(&e, id);
    aec_buf_bytes(&e, more, n);
    aec_event(name, e.b, e.len);
}

static void op_deposit(aec_input *in, const aec_addr *me)
{
    aec_u128 amount = aec_input_u128(in);
    aec_input_end(in);
    AEC_REQUIRE(amount > 0, "deposit: amount is zero");
    aec_addr t = token(), self = aec_self();
    AEC_REQUIRE(aic_transfer_from(&t, me, &self, amount) == 1,
                "deposit: token transfer_from failed (approve the governance contract first?)");
    aec_key k = power_key(me), tk = total_key();
    aec_u128 total = aec_map_get(&tk);
    AEC_REQUIRE(total + amount >= total, "deposit: overflow");
    aec_map_set(&tk, total + amount);
    aec_map_set(&k, aec_map_get(&k) + amount);
}

static void op_withdraw(aec_input *in, const aec_addr *me)
{
    aec_u128 amount = aec_input_u128(in);
    aec_input_end(in);
    aec_key uk = aec_map_key(K_UNLOCK, me);
    AEC_REQUIRE((uint64_t)aec_block_number() > aec_load_u64(uk.b, uk.len),
                "withdraw: the deposit is locked until the end of a vote");
    aec_key k = power_key(me), tk = total_key();
    aec_u128 have = aec_map_get(&k);
    AEC_REQUIRE(amount > 0 && amount <= have, "withdraw: not that much deposited");
    aec_map_set(&k, have - amount);
    aec_map_set(&tk, aec_map_get(&tk) - amount);
    aec_addr t = token();
    AEC_REQUIRE(aic_transfer(&t, me, amount) == 1, "withdraw: token transfer failed");
}

static void op_propose(aec_input *in, const aec_addr *me)
{
    aec_addr target = aec_input_addr(in);
    int32_t n;
    const uint8_t *call = aec_input_rest(in, &n);
    AEC_REQUIRE(n <= MAX_CALL, "propose: call input over 1024 bytes");
    aec_key pk = power_key(me);
    aec_key mk = param_key('m');
    AEC_REQUIRE(aec_map_get(&pk) >= aec_map_get(&mk), "propose: deposit below the minimum");
    static const uint8_t nk[1] = {K_NEXT};
    uint64_t id = aec_load_u64(nk, 1) + 1;
    aec_store_u64(nk, 1, id);
    uint64_t now = (uint64_t)aec_block_number();
    prop_set_bytes(id, 'p', me->b, 20);
    prop_set_bytes(id, 't', target.b, 20);
    prop_set_bytes(id, 'c', call, n);
    prop_set_u64(id, 's', now);
    prop_set_u64(id, 'e', now + param('v'));
    aec_key tk = total_key();
    prop_set_u128(id, 'w', aec_map_get(&tk));
    prop_set_u64(id, 'S', ST_VOTING);
    uint8_t d[40];
    memcpy(d, me->b, 20);
    memcpy(d + 20, target.b, 20);
    event_id("Proposed", id, d, 40);
    uint8_t r[8];
    for (int i = 0; i < 8; i++)
        r[i] = (uint8_t)(id >> (8 * i));
    aec_set_return(r, 8);
}

static void op_vote(aec_input *in, const aec_addr *me)
{
    uint64_t id = aec_input_u64(in);
    uint8_t support = aec_input_u8(in);
    aec_input_end(in);
    AEC_REQUIRE(support <= 1, "vote: support must be 0 (against) or 1 (for)");
    AEC_REQUIRE(status(id) == ST_VOTING, "vote: the proposal is not open");
    uint64_t now = (uint64_t)aec_block_number(), end = prop_u64(id, 'e');
    AEC_REQUIRE(now <= end, "vote: voting has ended");
    aec_key vk = aec_key_new(K_VOTED);
    aec_key_u64(&vk, id);
    aec_key_addr(&vk, me);
    AEC_REQUIRE(aec_load_u64(vk.b, vk.len) == 0, "vote: already voted");
    aec_key pk = power_key(me);
    aec_u128 w = aec_map_get(&pk);
    AEC_REQUIRE(w > 0, "vote: no tokens deposited");
    aec_store_u64(vk.b, vk.len, 1);
    uint8_t f = support ? 'f' : 'a';
    aec_u128 tally = prop_u128(id, f);
    prop_set_u128(id, f, tally + w);   /* <= total deposits: no overflow */
    aec_key uk = aec_map_key(K_UNLOCK, me);
    if (aec_load_u64(uk.b, uk.len) < end)
        aec_store_u64(uk.b, uk.len, end);
    uint8_t d[37];
    memcpy(d, me->b, 20);
    d[20] = support;
    aec_u128_put(d + 21, w);
    event_id("Voted", id, d, 37);
}

static void op_finalize(aec_input *in)
{
    uint64_t id = aec_input_u64(in);
    aec_input_end(in);
    AEC_REQUIRE(status(id) == ST_VOTING, "finalize: the proposal is not open");
    uint64_t now = (uint64_t)aec_block_number(), end = prop_u64(id, 'e');
    AEC_REQUIRE(now > end, "finalize: voting has not ended");
    aec_u128 yes = prop_u128(id, 'f'), no = prop_u128(id, 'a'), total = yes + no;
    /* quorum: total·10000 >= quorum_bps·deposits; threshold: yes·10000 > threshold_bps·total */
    int quorum = aec_u256_cmp(aec_mul_full(total, BPS),
                              aec_mul_full(param('q'), prop_u128(id, 'w'))) >= 0;
    int passed = quorum && total > 0 &&
                 aec_u256_cmp(aec_mul_full(yes, BPS), aec_mul_full(param('h'), total)) > 0;
    uint64_t st = passed ? ST_PASSED : ST_FAILED;
    prop_set_u64(id, 'S', st);
    if (passed)
        prop_set_u64(id, 'x', now + param('t'));
    uint8_t d[1] = {(uint8_t)st};
    event_id("Finalized", id, d, 1);
}

static void op_execute(aec_input *in)
{
    uint64_t id = aec_input_u64(in);
    aec_input_end(in);
    AEC_REQUIRE(status(id) == ST_PASSED, "execute: the proposal has not passed");
    AEC_REQUIRE((uint64_t)aec_block_number() >= prop_u64(id, 'x'),
                "execute: the timelock has not run out");
    prop_set_u64(id, 'S', ST_EXECUTED);   /* before the call: it cannot run twice */
    aec_addr target = prop_addr(id, 't');
    aec_key ck = prop_key(id, 'c');
    uint8_t call[MAX_CALL];
    int32_t n = aec_storage_read(ck.b, ck.len, call);
    AEC_REQUIRE(n >= 0, "governance: broken proposal");
    AEC_REQUIRE(aec_call(&target, call, n, 0, 0) == 1, "execute: the proposal's call failed");
    event_id("Executed", id, "", 0);
}

AEC_EXPORT("init") int init(void)
{
    aec_input in;
    aec_input_load(&in);
    aec_addr t = aec_input_addr(&in);
    uint64_t period = aec_input_u64(&in), lock = aec_input_u64(&in);
    uint64_t quorum = aec_input_u64(&in), threshold = aec_input_u64(&in);
    aec_u128 min_power = aec_input_u128(&in);
    aec_input_end(&in);
    AEC_REQUIRE(period > 0, "init: voting period must be positive");
    AEC_REQUIRE(quorum <= BPS, "init: quorum over 10000 basis points");
    AEC_REQUIRE(threshold > 0 && threshold < BPS, "init: threshold must be in 1..9999");
    static const uint8_t tk[1] = {K_TOKEN};
    AEC_REQUIRE(aec_storage_write(tk, 1, t.b, 20) == 0, "storage: write refused");
    aec_key k = param_key('v');
    aec_store_u64(k.b, k.len, period);
    k = param_key('t');
    aec_store_u64(k.b, k.len, lock);
    k = param_key('q');
    aec_store_u64(k.b, k.len, quorum);
    k = param_key('h');
    aec_store_u64(k.b, k.len, threshold);
    k = param_key('m');
    aec_map_set(&k, min_power);
    return 0;
}

AEC_EXPORT("call") int call(void)
{
    aec_input in;
    aec_input_load(&in);
    uint8_t op = aec_input_u8(&in);
    aec_addr me = aec_caller();
    switch (op) {
    case 1:
    case 2:
    case 6:
        aec_nonreentrant_enter();
        if (op == 1)
            op_deposit(&in, &me);
        else if (op == 2)
            op_withdraw(&in, &me);
        else
            op_execute(&in);
        aec_nonreentrant_exit();
        return 0;
    case 3:
        op_propose(&in, &me);
        return 0;
    case 4:
        op_vote(&in, &me);
        return 0;
    case 5:
        op_finalize(&in);
        return 0;
    case 7: {
        uint64_t id = aec_input_u64(&in);
        aec_input_end(&in);
        AEC_REQUIRE(status(id) == ST_VOTING, "cancel: the proposal is not open");
        aec_addr p = prop_addr(id, 'p');
        AEC_REQUIRE(aec_addr_eq(&p, &me), "cancel: only the proposer may cancel");
        prop_set_u64(id, 'S', ST_CANCELLED);
        return 0;
    }
    case 8: {
        uint64_t id = aec_input_u64(&in);
        aec_input_end(&in);
        aec_buf r = {.len = 0};
        aec_buf_u8(&r, (uint8_t)status(id));
        aec_buf_u128(&r, prop_u128(id, 'f'));
        aec_buf_u128(&r, prop_u128(id, 'a'));
        aec_buf_u64(&r, prop_u64(id, 's'));
        aec_buf_u64(&r, prop_u64(id, 'e'));
        aec_buf_u64(&r, prop_u64(id, 'x'));
        aec_addr p = prop_addr(id, 'p'), t = prop_addr(id, 't');
        aec_buf_addr(&r, &p);
        aec_buf_addr(&r, &t);
        aec_set_return(r.b, r.len);
        return 0;
    }
    case 9: {
        aec_addr a = aec_input_addr(&in);
        aec_input_end(&in);
        aec_key k = power_key(&a);
        aec_return_u128(aec_map_get(&k));
        return 0;
    }
    case 10: {
        aec_input_end(&in);
        aec_key k = total_key();
        aec_return_u128(aec_map_get(&k));
        return 0;
    }
    default:
        aec_revert("unknown operation");
    }
}

/*
 * A constant-product AMM as a contract (upstream amm, reference §7.5): pools
 * of two AIC-style token contracts (aic_token.c), which it calls with
 * call_contract; liquidity providers get LP shares.
 *
 * init input: u128 fee in basis points (< 10000; 30 = 0.3%), for every pool.
 * call input: u8 op, then the arguments (addresses 20 bytes, amounts u128 LE):
 *   1 create_pool(token_a, token_b)
 *   2 add_liquidity(token_a, token_b, amount_a, amount_b, min_lp) -> a ‖ b ‖ lp
 *       The first deposit mints isqrt(a·b) shares (at least 1000). Later
 *       ones take amount_a and the matching b = a·rB/rA (or amount_b and
 *       the matching a when that b exceeds amount_b) and mint
 *       min(a·S/rA, b·S/rB). Tokens are pulled with transfer_from: the
 *       caller approves the AMM on both tokens first.
 *   3 remove_liquidity(token_a, token_b, lp, min_a, min_b) -> a ‖ b
 *       pays lp·rA/S and lp·rB/S.
 *   4 swap(token_in, token_out, amount_in, min_out) -> out
 *       out = in·(10000−fee)·rOut / (rIn·10000 + in·(10000−fee)); reverts
 *       below min_out; k = rA·rB (256-bit) never decreases.
 *   5 get_pool(token_a, token_b) -> rA ‖ rB ‖ lp supply  (in the order given)
 *   6 lp_balance(token_a, token_b, owner) -> u128
 *   7 quote(token_in, token_out, amount_in) -> out
 *   8 fee() -> u128
 * Events: "PoolCreated" (t0 ‖ t1), "AddLiquidity" / "RemoveLiquidity"
 * (provider ‖ token_a ‖ token_b ‖ a ‖ b ‖ lp), "Swap" (trader ‖ token_in ‖
 * token_out ‖ in ‖ out). Rounding always favours the pool. Every operation
 * that calls a token holds a re-entrancy guard.
 */
#include "aether_contract.h"
#include "aic_token_abi.h"

enum { K_FEE = 1, K_POOL = 2, K_R0 = 3, K_R1 = 4, K_SUPPLY = 5, K_LP = 6 };
#define BPS 10000
#define MIN_FIRST_LP 1000
static const uint8_t KEY_FEE[1] = {K_FEE};

/* A pool is stored under its id = SHA-256(t0 ‖ t1), t0 < t1 bytewise; the
 * views a/b are the reserves in the order the caller named the tokens. */
typedef struct pool {
    uint8_t id[32];
    aec_addr ta, tb;
    int swapped;
    aec_u128 r0, r1, supply;
} pool_t;

static aec_key pkey(uint8_t map, const pool_t *p)
{
    aec_key k = aec_key_new(map);
    aec_key_bytes(&k, p->id, 32);
    return k;
}

static pool_t pool_load(const aec_addr *ta, const aec_addr *tb, int must_exist)
{
    AEC_REQUIRE(!aec_addr_eq(ta, tb), "pool: identical tokens");
    pool_t p;
    p.ta = *ta;
    p.tb = *tb;
    p.swapped = memcmp(ta->b, tb->b, 20) > 0;
    uint8_t both[40];
    memcpy(both, (p.swapped ? tb : ta)->b, 20);
    memcpy(both + 20, (p.swapped ? ta : tb)->b, 20);
    aec_sha256(both, 40, p.id);
    aec_key k = pkey(K_POOL, &p);
    int exists = aec_load_u64(k.b, k.len) != 0;
    if (must_exist)
        AEC_REQUIRE(exists, "pool: no such pool");
    k = pkey(K_R0, &p);
    p.r0 = aec_map_get(&k);
    k = pkey(K_R1, &p);
    p.r1 = aec_map_get(&k);
    k = pkey(K_SUPPLY, &p);
    p.supply = aec_map_get(&k);
    return p;
}

static aec_u128 *res_a(pool_t *p)
{
    return p->swapped ? &p->r1 : &p->r0;
}

static aec_u128 *res_b(pool_t *p)
{
    return p->swapped ? &p->r0 : &p->r1;
}

static void pool_save(const pool_t *p)
{
    aec_key k = pkey(K_R0, p);
    aec_map_set(&k, p->r0);
    k = pkey(K_R1, p);
    aec_map_set(&k, p->r1);
    k = pkey(K_SUPPLY, p);
    aec_map_set(&k, p->supply);
}

static aec_key lp_key(const pool_t *p, const aec_addr *owner)
{
    aec_key k = pkey(K_LP, p);
    aec_key_addr(&k, owner);
    return k;
}

static aec_u128 add(aec_u128 a, aec_u128 b)
{
    AEC_REQUIRE(a + b >= a, "math: overflow");
    return a + b;
}

static aec_u128 min128(aec_u128 a, aec_u128 b)
{
    return a < b ? a : b;
}

static void pull(const aec_addr *token, const aec_addr *from, aec_u128 amount)
{
    aec_addr me = aec_self();
    if (amount)
        AEC_REQUIRE(aic_transfer_from(token, from, &me, amount) == 1,
                    "token: transfer_from failed (approve the AMM first?)");
}

static void pay(const aec_addr *token, const aec_addr *to, aec_u128 amount)
{
    if (amount)
        AEC_REQUIRE(aic_transfer(token, to, amount) == 1, "token: transfer failed");
}

static void liquidity_event(const char *name, const aec_addr *who, const pool_t *p, aec_u128 a,
                            aec_u128 b, aec_u128 lp)
{
    aec_buf e = {.len = 0};
    aec_buf_addr(&e, who);
    aec_buf_addr(&e, &p->ta);
    aec_buf_addr(&e, &p->tb);
    aec_buf_u128(&e, a);
    aec_buf_u128(&e, b);
    aec_buf_u128(&e, lp);
    aec_event(name, e.b, e.len);
}

/* The swap formula; in_fee = in·(10000−fee) must not overflow. */
static aec_u128 amount_out(aec_u128 in, aec_u128 r_in, aec_u128 r_out)
{
    aec_u128 fee = aec_load_u128(KEY_FEE, 1);
    AEC_REQUIRE(in > 0, "swap: amount_in is zero");
    AEC_REQUIRE(r_in > 0 && r_out > 0, "swap: the pool is empty");
    AEC_REQUIRE(in <= ((aec_u128)-1) / BPS && r_in <= ((aec_u128)-1) / BPS,
                "swap: amount too large");
    aec_u128 in_fee = in * (BPS - fee);
    return aec_mul_div(in_fee, r_out, add(r_in * BPS, in_fee));
}

static void op_create(aec_input *in)
{
    aec_addr ta = aec_input_addr(in), tb = aec_input_addr(in);
    aec_input_end(in);
    pool_t p = pool_load(&ta, &tb, 0);
    aec_key k = pkey(K_POOL, &p);
    AEC_REQUIRE(aec_load_u64(k.b, k.len) == 0, "pool: exists already");
    aec_store_u64(k.b, k.len, 1);
    uint8_t d[40];
    memcpy(d, (p.swapped ? &tb : &ta)->b, 20);
    memcpy(d + 20, (p.swapped ? &ta : &tb)->b, 20);
    aec_event("PoolCreated", d, 40);
}

static void op_add(aec_input *in, const aec_addr *me)
{
    aec_addr ta = aec_input_addr(in), tb = aec_input_addr(in);
    aec_u128 a = aec_input_u128(in), b = aec_input_u128(in), min_lp = aec_input_u128(in);
    aec_input_end(in);
    pool_t p = pool_load(&ta, &tb, 1);
    aec_u128 ra = *res_a(&p), rb = *res_b(&p), lp;
    if (p.supply == 0) {
        AEC_REQUIRE(a > 0 && b > 0, "add_liquidity: both amounts must be positive");
        lp = aec_isqrt256(aec_mul_full(a, b));
        AEC_REQUIRE(lp >= MIN_FIRST_LP, "add_liquidity: first deposit below 1000 shares");
    } else {
        aec_u128 b_opt = aec_mul_div(a, rb, ra);
        if (b_opt <= b)
            b = b_opt;
        else
            a = aec_mul_div(b, ra, rb);
        lp = min128(aec_mul_div(a, p.supply, ra), aec_mul_div(b, p.supply, rb));
        AEC_REQUIRE(lp > 0, "add_liquidity: deposit too small for one share");
    }
    AEC_REQUIRE(lp >= min_lp, "add_liquidity: fewer shares than min_lp");
    pull(&ta, me, a);
    pull(&tb, me, b);
    *res_a(&p) = add(ra, a);
    *res_b(&p) = add(rb, b);
    p.supply = add(p.supply, lp);
    pool_save(&p);
    aec_key k = lp_key(&p, me);
    aec_map_set(&k, aec_map_get(&k) + lp);   /* <= supply: no overflow */
    liquidity_event("AddLiquidity", me, &p, a, b, lp);
    aec_buf r = {.len = 0};
    aec_buf_u128(&r, a);
    aec_buf_u128(&r, b);
    aec_buf_u128(&r, lp);
    aec_set_return(r.b, r.len);
}

static void op_remove(aec_input *in, const aec_addr *me)
{
    aec_addr ta = aec_input_addr(in), tb = aec_input_addr(in);
    aec_u128 lp = aec_input_u128(in), min_a = aec_input_u128(in), min_b = aec_input_u128(in);
    aec_input_end(in);
    pool_t p = pool_load(&ta, &tb, 1);
    aec_key k = lp_key(&p, me);
    aec_u128 have = aec_map_get(&k);
    AEC_REQUIRE(lp > 0 && lp <= have, "remove_liquidity: not that many shares");
    aec_u128 a = aec_mul_div(lp, *res_a(&p), p.supply), b = aec_mul_div(lp, *res_b(&p), p.supply);
    AEC_REQUIRE(a >= min_a && b >= min_b, "remove_liquidity: less than the minimum out");
    aec_map_set(&k, have - lp);
    p.supply -= lp;
    *res_a(&p) -= a;
    *res_b(&p) -= b;
    pool_save(&p);
    pay(&ta, me, a);
    pay(&tb, me, b);
    liquidity_event("RemoveLiquidity", me, &p, a, b, lp);
    aec_buf r = {.len = 0};
    aec_buf_u128(&r, a);
    aec_buf_u128(&r, b);
    aec_set_return(r.b, r.len);
}

static void op_swap(aec_input *in, const aec_addr *me)
{
    aec_addr ti = aec_input_addr(in), to = aec_input_addr(in);
    aec_u128 amount = aec_input_u128(in), min_out = aec_input_u128(in);
    aec_input_end(in);
    pool_t p = pool_load(&ti, &to, 1);
    aec_u128 r_in = *res_a(&p), r_out = *res_b(&p);
    aec_u128 out = amount_out(amount, r_in, r_out);
    AEC_REQUIRE(out > 0, "swap: output rounds to zero");
    AEC_REQUIRE(out >= min_out, "swap: output below min_out");
    aec_u256 k_before = aec_mul_full(r_in, r_out);
    *res_a(&p) = add(r_in, amount);
    *res_b(&p) = r_out - out;   /* out < r_out by the formula */
    AEC_REQUIRE(aec_u256_cmp(aec_mul_full(*res_a(&p), *res_b(&p)), k_before) >= 0,
                "swap: invariant would decrease");
    pull(&ti, me, amount);
    pool_save(&p);
    pay(&to, me, out);
    aec_buf e = {.len = 0};
    aec_buf_addr(&e, me);
    aec_buf_addr(&e, &ti);
    aec_buf_addr(&e, &to);
    aec_buf_u128(&e, amount);
    aec_buf_u128(&e, out);
    aec_event("Swap", e.b, e.len);
    aec_return_u128(out);
}

AEC_EXPORT("init") int init(void)
{
    aec_input in;
    aec_input_load(&in);
    aec_u128 fee = aec_input_u128(&in);
    aec_input_end(&in);
    AEC_REQUIRE(fee < BPS, "init: fee must be below 10000 basis points");
    uint8_t b[16];
    aec_u128_put(b, fee);
    AEC_REQUIRE(aec_storage_write(KEY_FEE, 1, b, 16) == 0, "storage: write refused");
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
        op_create(&in);
        return 0;
    case 2:
    case 3:
    case 4:
        aec_nonreentrant_enter();
        if (op == 2)
            op_add(&in, &me);
        else if (op == 3)
            op_remove(&in, &me);
        else
            op_swap(&in, &me);
        aec_nonreentrant_exit();
        return 0;
    case 5: {
        aec_addr ta = aec_input_addr(&in), tb = aec_input_addr(&in);
        aec_input_end(&in);
        pool_t p = pool_load(&ta, &tb, 1);
        aec_buf r = {.len = 0};
        aec_buf_u128(&r, *res_a(&p));
        aec_buf_u128(&r, *res_b(&p));
        aec_buf_u128(&r, p.supply);
        aec_set_return(r.b, r.len);
        return 0;
    }
    case 6: {
        aec_addr ta = aec_input_addr(&in), tb = aec_input_addr(&in), o = aec_input_addr(&in);
        aec_input_end(&in);
        pool_t p = pool_load(&ta, &tb, 1);
        aec_key k = lp_key(&p, &o);
        aec_return_u128(aec_map_get(&k));
        return 0;
    }
    case 7: {
        aec_addr ti = aec_input_addr(&in), to = aec_input_addr(&in);
        aec_u128 amount = aec_input_u128(&in);
        aec_input_end(&in);
        pool_t p = pool_load(&ti, &to, 1);
        aec_return_u128(amount_out(amount, *res_a(&p), *res_b(&p)));
        return 0;
    }
    case 8:
        aec_input_end(&in);
        aec_return_u128(aec_load_u128(KEY_FEE, 1));
        return 0;
    default:
        aec_revert("unknown operation");
    }
}

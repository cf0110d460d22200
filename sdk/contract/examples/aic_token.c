/*
 * The AIC token as a contract (upstream aic-token, reference §7.6): total
 * supply, balances, allowances, transfer, approve / transfer_from, mint and
 * burn; mint only by the owner (the deployer, or whom it hands ownership to,
 * e.g. a governance contract).
 *
 * init input: u128 initial supply (credited to the deployer, who becomes the
 * owner). call input: u8 op, then the arguments (addresses 20 bytes, amounts
 * u128 little-endian):
 *   1 transfer(to, amount)            from the caller; to != caller
 *   2 approve(spender, amount)        overwrites the allowance
 *   3 transfer_from(from, to, amount) spends the caller's allowance of from
 *   4 mint(to, amount)                owner only
 *   5 burn(amount)                    from the caller's balance
 *   6 balance_of(addr) -> u128
 *   7 total_supply() -> u128
 *   8 allowance(owner, spender) -> u128
 *   9 set_owner(new_owner)            owner only
 *  10 total_burned() -> u128
 * Events: "Transfer" (from ‖ to ‖ amount; from all-zero for a mint, to
 * all-zero for a burn), "Approval" (owner ‖ spender ‖ amount).
 * Every failed rule reverts with a reason; arithmetic is checked.
 */
#include "aether_contract.h"

enum { K_SUPPLY = 1, K_BALANCE = 2, K_ALLOWANCE = 3, K_OWNER = 4, K_BURNED = 5 };

static const uint8_t KEY_SUPPLY[1] = {K_SUPPLY};
static const uint8_t KEY_OWNER[1] = {K_OWNER};
static const uint8_t KEY_BURNED[1] = {K_BURNED};

static aec_u128 balance_of(const aec_addr *a)
{
    aec_key k = aec_map_key(K_BALANCE, a);
    return aec_load_u128(k.b, k.len);
}

static void set_balance(const aec_addr *a, aec_u128 v)
{
    aec_key k = aec_map_key(K_BALANCE, a);
    aec_store_u128(k.b, k.len, v);
}

static void transfer_event(const aec_addr *from, const aec_addr *to, aec_u128 amount)
{
    uint8_t d[56];
    memcpy(d, from->b, 20);
    memcpy(d + 20, to->b, 20);
    aec_u128_put(d + 40, amount);
    aec_event("Transfer", d, 56);
}

static void move(const aec_addr *from, const aec_addr *to, aec_u128 amount)
{
    AEC_REQUIRE(!aec_addr_eq(from, to), "transfer to self");
    aec_u128 fb = balance_of(from);
    AEC_REQUIRE(fb >= amount, "insufficient balance");
    aec_u128 tb = balance_of(to);
    AEC_REQUIRE(tb + amount >= tb, "balance overflow");
    set_balance(from, fb - amount);
    set_balance(to, tb + amount);
    transfer_event(from, to, amount);
}

static void mint(const aec_addr *to, aec_u128 amount)
{
    aec_u128 s = aec_load_u128(KEY_SUPPLY, 1);
    AEC_REQUIRE(s + amount >= s, "supply overflow");
    aec_store_u128(KEY_SUPPLY, 1, s + amount);
    set_balance(to, balance_of(to) + amount);   /* <= supply, cannot overflow */
    aec_addr zero = {{0}};
    transfer_event(&zero, to, amount);
}

static aec_addr owner(void)
{
    aec_addr o;
    AEC_REQUIRE(aec_storage_read(KEY_OWNER, 1, o.b) == 20, "no owner");
    return o;
}

AEC_EXPORT("init") int init(void)
{
    aec_input in;
    aec_input_load(&in);
    aec_u128 supply = aec_input_u128(&in);
    aec_input_end(&in);
    aec_addr me = aec_caller();
    AEC_REQUIRE(aec_storage_write(KEY_OWNER, 1, me.b, 20) == 0, "storage: write refused");
    if (supply)
        mint(&me, supply);
    return 0;
}

AEC_EXPORT("call") int call(void)
{
    aec_input in;
    aec_input_load(&in);
    uint8_t op = aec_input_u8(&in);
    aec_addr me = aec_caller();
    switch (op) {
    case 1: {
        aec_addr to = aec_input_addr(&in);
        aec_u128 amount = aec_input_u128(&in);
        aec_input_end(&in);
        move(&me, &to, amount);
        return 0;
    }
    case 2: {
        aec_addr spender = aec_input_addr(&in);
        aec_u128 amount = aec_input_u128(&in);
        aec_input_end(&in);
        aec_key k = aec_map_key2(K_ALLOWANCE, &me, &spender);
        aec_store_u128(k.b, k.len, amount);
        uint8_t d[56];
        memcpy(d, me.b, 20);
        memcpy(d + 20, spender.b, 20);
        aec_u128_put(d + 40, amount);
        aec_event("Approval", d, 56);
        return 0;
    }
    case 3: {
        aec_addr from = aec_input_addr(&in), to = aec_input_addr(&in);
        aec_u128 amount = aec_input_u128(&in);
        aec_input_end(&in);
        aec_key k = aec_map_key2(K_ALLOWANCE, &from, &me);
        aec_u128 allowed = aec_load_u128(k.b, k.len);
        AEC_REQUIRE(allowed >= amount, "allowance exceeded");
        move(&from, &to, amount);
        aec_store_u128(k.b, k.len, allowed - amount);
        return 0;
    }
    case 4: {
        aec_addr to = aec_input_addr(&in);
        aec_u128 amount = aec_input_u128(&in);
        aec_input_end(&in);
        aec_addr o = owner();
        AEC_REQUIRE(aec_addr_eq(&me, &o), "mint: caller is not the owner");
        mint(&to, amount);
        return 0;
    }
    case 5: {
        aec_u128 amount = aec_input_u128(&in);
        aec_input_end(&in);
        aec_u128 b = balance_of(&me);
        AEC_REQUIRE(b >= amount, "insufficient balance");
        set_balance(&me, b - amount);
        aec_store_u128(KEY_SUPPLY, 1, aec_load_u128(KEY_SUPPLY, 1) - amount);
        aec_store_u128(KEY_BURNED, 1, aec_load_u128(KEY_BURNED, 1) + amount);
        aec_addr zero = {{0}};
        transfer_event(&me, &zero, amount);
        return 0;
    }
    case 6: {
        aec_addr a = aec_input_addr(&in);
        aec_input_end(&in);
        aec_return_u128(balance_of(&a));
        return 0;
    }
    case 7:
        aec_input_end(&in);
        aec_return_u128(aec_load_u128(KEY_SUPPLY, 1));
        return 0;
    case 8: {
        aec_addr o = aec_input_addr(&in), s = aec_input_addr(&in);
        aec_input_end(&in);
        aec_key k = aec_map_key2(K_ALLOWANCE, &o, &s);
        aec_return_u128(aec_load_u128(k.b, k.len));
        return 0;
    }
    case 9: {
        aec_addr n = aec_input_addr(&in);
        aec_input_end(&in);
        aec_addr o = owner();
        AEC_REQUIRE(aec_addr_eq(&me, &o), "set_owner: caller is not the owner");
        AEC_REQUIRE(aec_storage_write(KEY_OWNER, 1, n.b, 20) == 0, "storage: write refused");
        return 0;
    }
    case 10:
        aec_input_end(&in);
        aec_return_u128(aec_load_u128(KEY_BURNED, 1));
        return 0;
    default:
        aec_revert("unknown operation");
    }
}

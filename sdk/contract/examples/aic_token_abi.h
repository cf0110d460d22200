/* Calling an AIC-style token contract (aic_token.c) from another contract:
 * its call input is u8 op ‖ arguments (addresses 20 bytes, amounts u128 LE).
 * Each helper returns 1 when the token accepted the call, 0 when it
 * reverted (or is not a contract); the caller decides whether to revert. */
#ifndef AIC_TOKEN_ABI_H
#define AIC_TOKEN_ABI_H

#include "aether_contract.h"

enum {
    AIC_TRANSFER = 1,
    AIC_APPROVE = 2,
    AIC_TRANSFER_FROM = 3,
    AIC_MINT = 4,
    AIC_BURN = 5,
    AIC_BALANCE_OF = 6,
    AIC_TOTAL_SUPPLY = 7,
    AIC_ALLOWANCE = 8,
    AIC_SET_OWNER = 9,
};

/* Pays amount of the token from this contract to `to`. */
static inline int aic_transfer(const aec_addr *token, const aec_addr *to, aec_u128 amount)
{
    aec_buf b = {.len = 0};
    aec_buf_u8(&b, AIC_TRANSFER);
    aec_buf_addr(&b, to);
    aec_buf_u128(&b, amount);
    return aec_call(token, b.b, b.len, 0, 0);
}

/* Moves amount from `from` (who approved this contract) to `to`. */
static inline int aic_transfer_from(const aec_addr *token, const aec_addr *from,
                                    const aec_addr *to, aec_u128 amount)
{
    aec_buf b = {.len = 0};
    aec_buf_u8(&b, AIC_TRANSFER_FROM);
    aec_buf_addr(&b, from);
    aec_buf_addr(&b, to);
    aec_buf_u128(&b, amount);
    return aec_call(token, b.b, b.len, 0, 0);
}

/* The token balance of who (reverts when the token cannot answer). */
static inline aec_u128 aic_balance_of(const aec_addr *token, const aec_addr *who)
{
    aec_buf b = {.len = 0};
    aec_buf_u8(&b, AIC_BALANCE_OF);
    aec_buf_addr(&b, who);
    AEC_REQUIRE(aec_call(token, b.b, b.len, 0, 0) == 1, "token: balance_of failed");
    return aec_return_data_u128();
}

#endif

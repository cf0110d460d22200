/*
 * The staking JSON-RPC methods (issue 15, docs/staking.md), reading the
 * committed state through chain/exec's staking reads. u128 amounts are
 * decimal strings, heights and epochs integers, bytes hex.
 *
 *   aeth_getStaking       [] -> {"params":{...},"epoch","epoch_blocks_seen",
 *                         "genesis_supply","emitted","burned","supply",
 *                         "bonded","unbonding","rewards","n_validators"}
 *                         | null (a chain without staking)
 *   aeth_getValidators    [] -> {"epoch","height","set":[{"address","stake",
 *                         "signed_qcs"}], "validators":[{"address","status"
 *                         (active|inactive|jailed),"stake","self_stake",
 *                         "min_self_stake","commission_bps","jailed",
 *                         "jailed_until","slash_count","delegators"}]}
 *   aeth_getValidator     [addr] -> the whole record (delegations, unbonding,
 *                         redelegations) | null
 *   aeth_getValidatorSet  [epoch?] -> {"epoch","validators":[{"address",
 *                         "bls_pk","vrf_pk","stake","signed_qcs"}]} | null;
 *                         default: the current epoch
 *   aeth_getDelegations   [addr] -> {"address","delegations":[{"validator",
 *                         "amount","reward"}],"unbonding":[{"validator",
 *                         "amount","complete_height","matured"}],
 *                         "staked","rewards","unbonding_total"}
 *   aeth_getValidatorProof [addr] -> the SMT proof of the validator's record
 *                         (data leaf CHAIN_DATA_VALIDATOR), as aeth_getJobProof
 *   aeth_baseFee          [] -> {"height","base_fee","gas_used","next_base_fee"}:
 *                         the tip's base fee and gas, and the base fee per gas
 *                         of the next block (a tx needs fee >= it x its size)
 */
#include <stdlib.h>
#include <string.h>

#include "chain/exec/exec.h"
#include "chain/node/node.h"
#include "internal.h"

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

static int fail_state(rpc_error_t *err, const err_t *e)
{
    return rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: %s", e->msg);
}

/* The global record, or *result = null when the chain has no staking. */
static int global_or_null(chain_state_t *st, chain_stake_global_t *g, bool *exists,
                          json_t **result, rpc_error_t *err)
{
    err_t e = {0};
    if (chain_staking_get_global(st, g, exists, &e) != 0)
        return fail_state(err, &e);
    if (!*exists)
        *result = json_null();
    return 0;
}

int chain_rpc_get_staking(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    chain_stake_global_t *g = malloc(sizeof *g);
    if (!g)
        return rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
    bool exists = false;
    int rc = global_or_null(node_state(ud), g, &exists, result, err);
    if (!rc && exists) {
        chain_u128_t supply = chain_u128_add_sat(g->genesis_supply, g->emitted);
        if (!chain_u128_sub(supply, g->burned, &supply))
            supply = chain_u128_from_u64(0);
        *result = chain_stake_global_to_json(g);
        json_object_set_new(*result, "supply", ju128(supply));
    }
    free(g);
    return rc;
}

int chain_rpc_get_validators(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    chain_state_t *st = node_state(ud);
    chain_stake_global_t *g = malloc(sizeof *g);
    chain_valset_t *set = malloc(sizeof *set);
    chain_validator_t *v = malloc(sizeof *v);
    int rc = 0;
    err_t e = {0};
    bool exists = false;
    if (!g || !set || !v) {
        rc = rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
        goto out;
    }
    if ((rc = global_or_null(st, g, &exists, result, err)) || !exists)
        goto out;
    chain_header_t tip;
    if (chain_state_tip(st, &tip, NULL, &e) != 0 ||
        chain_staking_get_valset(st, g->epoch, set, &exists, &e) != 0) {
        rc = fail_state(err, &e);
        goto out;
    }
    if (!exists)
        set->n = 0;
    json_t *sj = json_array(), *vj = json_array();
    for (uint32_t i = 0; i < set->n; i++)
        json_array_append_new(sj, json_pack("{s:o,s:o,s:o}", "address", jaddr(&set->m[i].addr),
                                            "stake", ju128(set->m[i].stake), "signed_qcs",
                                            cjson_u64(set->m[i].signed_qcs)));
    for (uint32_t k = 0; k < g->n_validators; k++) {
        if (chain_staking_get_validator(st, &g->validators[k], v, &exists, &e) != 0 || !exists) {
            json_decref(sj);
            json_decref(vj);
            rc = fail_state(err, &e);
            goto out;
        }
        json_array_append_new(
            vj, json_pack("{s:o,s:s,s:o,s:o,s:o,s:i,s:b,s:o,s:i,s:i}", "address", jaddr(&v->addr),
                          "status", chain_validator_status(v, set), "stake",
                          ju128(chain_validator_stake(v)), "self_stake",
                          ju128(chain_validator_self_stake(v)), "min_self_stake",
                          ju128(v->min_self_stake), "commission_bps", (int)v->commission_bps,
                          "jailed", v->jailed, "jailed_until", cjson_u64(v->jailed_until),
                          "slash_count", (int)v->slash_count, "delegators", (int)v->n_del));
    }
    *result = json_pack("{s:o,s:o,s:o,s:o}", "epoch", cjson_u64(g->epoch), "height",
                        cjson_u64(tip.height), "set", sj, "validators", vj);
out:
    free(g);
    free(set);
    free(v);
    return rc;
}

int chain_rpc_get_validator(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_addr_t a;
    if (rpc_param_count_check(params, 1, 1, err) ||
        rpc_param_hex_fixed(params, 0, a.b, sizeof a.b, err))
        return -1;
    chain_state_t *st = node_state(ud);
    chain_validator_t *v = malloc(sizeof *v);
    chain_stake_global_t *g = malloc(sizeof *g);
    chain_valset_t *set = malloc(sizeof *set);
    int rc = 0;
    err_t e = {0};
    bool exists = false, has_set = false;
    if (!v || !g || !set) {
        rc = rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
        goto out;
    }
    if ((rc = global_or_null(st, g, &exists, result, err)) || !exists)
        goto out;
    if (chain_staking_get_validator(st, &a, v, &exists, &e) != 0 ||
        chain_staking_get_valset(st, g->epoch, set, &has_set, &e) != 0) {
        rc = fail_state(err, &e);
        goto out;
    }
    *result = exists ? chain_validator_to_json(v, has_set ? set : NULL) : json_null();
out:
    free(v);
    free(g);
    free(set);
    return rc;
}

int chain_rpc_get_valset(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 1, err))
        return -1;
    chain_state_t *st = node_state(ud);
    chain_stake_global_t *g = malloc(sizeof *g);
    chain_valset_t *set = malloc(sizeof *set);
    int rc = 0;
    err_t e = {0};
    bool exists = false;
    if (!g || !set) {
        rc = rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
        goto out;
    }
    if ((rc = global_or_null(st, g, &exists, result, err)) || !exists)
        goto out;
    uint64_t epoch = g->epoch;
    if (rpc_param(params, 0) && (rc = rpc_param_u64(params, 0, &epoch, err)))
        goto out;
    if (chain_staking_get_valset(st, epoch, set, &exists, &e) != 0) {
        rc = fail_state(err, &e);
        goto out;
    }
    if (!exists) {
        *result = json_null();
        goto out;
    }
    json_t *vj = json_array();
    for (uint32_t i = 0; i < set->n; i++)
        json_array_append_new(
            vj, json_pack("{s:o,s:o,s:o,s:o,s:o}", "address", jaddr(&set->m[i].addr), "bls_pk",
                          rpc_hex_json(set->m[i].bls_pk, CHAIN_BLS_PK_BYTES), "vrf_pk",
                          rpc_hex_json(set->m[i].vrf_pk, CHAIN_VRF_PK_BYTES), "stake",
                          ju128(set->m[i].stake), "signed_qcs", cjson_u64(set->m[i].signed_qcs)));
    *result = json_pack("{s:o,s:o}", "epoch", cjson_u64(set->epoch), "validators", vj);
out:
    free(g);
    free(set);
    return rc;
}

int chain_rpc_get_delegations(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_addr_t a;
    if (rpc_param_count_check(params, 1, 1, err) ||
        rpc_param_hex_fixed(params, 0, a.b, sizeof a.b, err))
        return -1;
    chain_state_t *st = node_state(ud);
    chain_stake_global_t *g = malloc(sizeof *g);
    chain_validator_t *v = malloc(sizeof *v);
    int rc = 0;
    err_t e = {0};
    bool exists = false;
    if (!g || !v) {
        rc = rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
        goto out;
    }
    if ((rc = global_or_null(st, g, &exists, result, err)) || !exists)
        goto out;
    chain_header_t tip;
    if (chain_state_tip(st, &tip, NULL, &e) != 0) {
        rc = fail_state(err, &e);
        goto out;
    }
    json_t *dj = json_array(), *uj = json_array();
    chain_u128_t staked = {0, 0}, rewards = {0, 0}, unb = {0, 0};
    for (uint32_t k = 0; k < g->n_validators; k++) {
        if (chain_staking_get_validator(st, &g->validators[k], v, &exists, &e) != 0 || !exists) {
            json_decref(dj);
            json_decref(uj);
            rc = fail_state(err, &e);
            goto out;
        }
        for (uint32_t i = 0; i < v->n_del; i++)
            if (memcmp(v->del[i].who.b, a.b, CHAIN_ADDR_BYTES) == 0) {
                json_array_append_new(dj, json_pack("{s:o,s:o,s:o}", "validator", jaddr(&v->addr),
                                                    "amount", ju128(v->del[i].amount), "reward",
                                                    ju128(v->del[i].reward)));
                staked = chain_u128_add_sat(staked, v->del[i].amount);
                rewards = chain_u128_add_sat(rewards, v->del[i].reward);
            }
        for (uint32_t i = 0; i < v->n_unb; i++)
            if (memcmp(v->unb[i].who.b, a.b, CHAIN_ADDR_BYTES) == 0) {
                /* withdrawable by a tx in the next block */
                bool matured = v->unb[i].complete <= tip.height + 1;
                json_array_append_new(
                    uj, json_pack("{s:o,s:o,s:o,s:b}", "validator", jaddr(&v->addr), "amount",
                                  ju128(v->unb[i].amount), "complete_height",
                                  cjson_u64(v->unb[i].complete), "matured", matured));
                unb = chain_u128_add_sat(unb, v->unb[i].amount);
            }
    }
    *result = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "address", jaddr(&a), "delegations", dj,
                        "unbonding", uj, "staked", ju128(staked), "rewards", ju128(rewards),
                        "unbonding_total", ju128(unb));
out:
    free(g);
    free(v);
    return rc;
}

int chain_rpc_get_validator_proof(void *ud, const json_t *params, json_t **result,
                                  rpc_error_t *err)
{
    chain_addr_t a;
    if (rpc_param_count_check(params, 1, 1, err) ||
        rpc_param_hex_fixed(params, 0, a.b, sizeof a.b, err))
        return -1;
    uint8_t id[32];
    chain_stake_validator_id(&a, id);
    return chain_rpc_data_proof(node_state(ud), CHAIN_DATA_VALIDATOR, id, "address", jaddr(&a),
                                result, err);
}

int chain_rpc_base_fee(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    chain_state_t *st = node_state(ud);
    chain_header_t tip;
    chain_u128_t next;
    err_t e = {0};
    if (chain_state_tip(st, &tip, NULL, &e) != 0 || chain_fee_next_base_state(st, &next, &e) != 0)
        return fail_state(err, &e);
    *result = json_pack("{s:o,s:o,s:o,s:o}", "height", cjson_u64(tip.height), "base_fee",
                        ju128(tip.base_fee), "gas_used", cjson_u64(tip.gas_used), "next_base_fee",
                        ju128(next));
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
}

/*
 * The genesis file's "staking" section (issue 15, docs/staking.md): the
 * staking parameters and the genesis validators, registered stakers from
 * block 0 (chain/exec's chain_staking_genesis turns them into state data
 * leaves, so block 0's state root covers them).
 *
 *   "staking": {
 *     "epoch_blocks": N, "unbonding_blocks": N, "max_validators": N,
 *     "min_validators": N, "min_self_stake": "D", "min_delegation": "D",
 *     "max_commission_change_bps": N, "slash_double_bps": N,
 *     "reporter_bps": N, "downtime_min_signed_bps": N,
 *     "jail_downtime_blocks": N, "jail_double_blocks": N, "block_ms": N,
 *     "gas_target": N, "initial_base_fee": "D", "min_base_fee": "D",
 *                                            (the fee market; gas_target 0 = off)
 *                                            (each optional: the defaults of
 *                                             chain_stake_params_default)
 *     "validators": [{"account": "<Ed25519 pk hex>", "bls_pk": "<96 hex>",
 *                     "bls_pop": "<192 hex>", "vrf_pk": "<64 hex>",
 *                     "stake": "D", "commission_bps": N}, ...]
 *   }
 * Every proof of possession is checked at load. On a solo chain the
 * genesis "validator" must be one of them (it signs every block). On a BFT
 * genesis (with "consensus") "validators" may be left out: the consensus
 * validators are then the stakers, in consensus order, stake as given there.
 */
#include "chain/node/node.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"

static int einval(err_t *e)
{
    if (e)
        e->code = NODE_EINVAL;
    return NODE_EINVAL;
}

static int get_u64(const json_t *s, const char *name, uint64_t *v, err_t *e)
{
    const json_t *x = json_object_get(s, name);
    if (!x)
        return 0;
    if (!cjson_get_u64(x, v))
        return err_set(e, NODE_EINVAL, "genesis: staking.%s must be a non-negative integer", name);
    return 0;
}

static int get_u32(const json_t *s, const char *name, uint32_t *v, uint64_t max, err_t *e)
{
    uint64_t x = *v;
    if (get_u64(s, name, &x, e))
        return NODE_EINVAL;
    if (x > max)
        return err_set(e, NODE_EINVAL, "genesis: staking.%s %llu is over %llu", name,
                       (unsigned long long)x, (unsigned long long)max);
    *v = (uint32_t)x;
    return 0;
}

static int get_bps(const json_t *s, const char *name, uint16_t *v, err_t *e)
{
    uint32_t x = *v;
    if (get_u32(s, name, &x, 10000, e))
        return NODE_EINVAL;
    *v = (uint16_t)x;
    return 0;
}

static int get_amount(const json_t *s, const char *name, chain_u128_t *v, const char *what,
                      err_t *e)
{
    const json_t *x = json_object_get(s, name);
    if (!x)
        return 0;
    if (!json_is_string(x) ||
        chain_u128_parse(json_string_value(x), json_string_length(x), v, e) != 0)
        return err_set(e, NODE_EINVAL, "genesis: %s.%s must be a decimal string", what, name);
    return 0;
}

static int get_hex(const json_t *j, const char *name, uint8_t *out, size_t n, const char *what,
                   err_t *e)
{
    return cjson_get_hex(j, name, out, n, what, e) ? einval(e) : 0;
}

int node_genesis_staking_from_json(const json_t *s, node_genesis_t *out, err_t *e)
{
    static const char *const keys[] = {
        "epoch_blocks", "unbonding_blocks", "max_validators", "min_validators", "min_self_stake",
        "min_delegation", "max_commission_change_bps", "slash_double_bps", "reporter_bps",
        "downtime_min_signed_bps", "jail_downtime_blocks", "jail_double_blocks", "block_ms",
        "gas_target", "initial_base_fee", "min_base_fee", "validators", NULL};
    static const char *const vkeys[] = {"account", "bls_pk", "bls_pop", "vrf_pk", "stake",
                                        "commission_bps", NULL};
    if (!json_is_object(s))
        return err_set(e, NODE_EINVAL, "genesis: \"staking\" must be an object");
    if (cjson_check_keys(s, keys, "genesis: staking", e))
        return einval(e);
    chain_stake_params_t p;
    chain_stake_params_default(&p);
    if (get_u64(s, "epoch_blocks", &p.epoch_blocks, e) ||
        get_u64(s, "unbonding_blocks", &p.unbonding_blocks, e) ||
        get_u32(s, "max_validators", &p.max_validators, CHAIN_STAKE_MAX_SET, e) ||
        get_u32(s, "min_validators", &p.min_validators, CHAIN_STAKE_MAX_SET, e) ||
        get_amount(s, "min_self_stake", &p.min_self_stake, "staking", e) ||
        get_amount(s, "min_delegation", &p.min_delegation, "staking", e) ||
        get_bps(s, "max_commission_change_bps", &p.max_commission_change_bps, e) ||
        get_bps(s, "slash_double_bps", &p.slash_double_bps, e) ||
        get_bps(s, "reporter_bps", &p.reporter_bps, e) ||
        get_bps(s, "downtime_min_signed_bps", &p.downtime_min_signed_bps, e) ||
        get_u64(s, "jail_downtime_blocks", &p.jail_downtime_blocks, e) ||
        get_u64(s, "jail_double_blocks", &p.jail_double_blocks, e) ||
        get_u64(s, "block_ms", &p.block_ms, e) || get_u64(s, "gas_target", &p.gas_target, e) ||
        get_amount(s, "initial_base_fee", &p.initial_base_fee, "staking", e) ||
        get_amount(s, "min_base_fee", &p.min_base_fee, "staking", e))
        return NODE_EINVAL;
    if (chain_stake_params_check(&p, e) != 0) {
        err_prefix(e, "genesis");
        return einval(e);
    }
    const json_t *va = json_object_get(s, "validators");
    size_t n = json_array_size(va);
    if (!va && out->bft) {   /* a BFT genesis: the consensus validators, in their order */
        n = out->n_validators;
    } else if (!json_is_array(va) || n == 0 || n > CHAIN_STAKE_MAX_SET) {
        return err_set(e, NODE_EINVAL, "genesis: staking.validators must be an array of 1..%d "
                       "validators%s", CHAIN_STAKE_MAX_SET,
                       out->bft ? " (or absent: the consensus validators)" : "");
    }
    chain_stake_genesis_validator_t *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return err_set(e, NODE_ENOMEM, "genesis: out of memory");
    int rc = 0;
    bool proposer_staked = out->bft;   /* a solo chain's validator signs every block */
    for (size_t i = 0; i < n && !va; i++) {
        const node_validator_t *cv = &out->validators[i];
        memcpy(v[i].pk, cv->account_pk, CHAIN_PK_BYTES);
        memcpy(v[i].bls_pk, cv->bls_pk, CHAIN_BLS_PK_BYTES);
        memcpy(v[i].vrf_pk, cv->vrf_pk, CHAIN_VRF_PK_BYTES);
        v[i].stake = chain_u128_from_u64(cv->stake);   /* PoPs were checked with "consensus" */
    }
    for (size_t i = 0; i < n && va && !rc; i++) {
        const json_t *x = json_array_get(va, i);
        char what[64];
        snprintf(what, sizeof what, "genesis: staking.validators[%zu]", i);
        uint8_t pop[CHAIN_BLS_SIG_BYTES];
        uint64_t bps = 0;
        if (!json_is_object(x)) {
            rc = err_set(e, NODE_EINVAL, "%s: expected an object", what);
            break;
        }
        if (cjson_check_keys(x, vkeys, what, e) ||
            get_hex(x, "account", v[i].pk, CHAIN_PK_BYTES, what, e) ||
            get_hex(x, "bls_pk", v[i].bls_pk, CHAIN_BLS_PK_BYTES, what, e) ||
            get_hex(x, "bls_pop", pop, CHAIN_BLS_SIG_BYTES, what, e) ||
            get_hex(x, "vrf_pk", v[i].vrf_pk, CHAIN_VRF_PK_BYTES, what, e)) {
            rc = einval(e);
            break;
        }
        if (!json_object_get(x, "stake")) {
            rc = err_set(e, NODE_EINVAL, "%s: \"stake\" is required", what);
            break;
        }
        if (get_amount(x, "stake", &v[i].stake, what, e) || get_u64(x, "commission_bps", &bps, e)) {
            rc = NODE_EINVAL;
            break;
        }
        if (bps > 10000) {
            rc = err_set(e, NODE_EINVAL, "%s: commission_bps %llu is over 10000", what,
                         (unsigned long long)bps);
            break;
        }
        v[i].commission_bps = (uint16_t)bps;
        if (!crypto_ed25519_pk_valid(v[i].pk))
            rc = err_set(e, NODE_EINVAL, "%s: \"account\" is not a valid Ed25519 key", what);
        else if (bls_pop_verify(v[i].bls_pk, pop, NULL) != 0)
            rc = err_set(e, NODE_EINVAL, "%s: bls_pop is not a proof of possession of bls_pk",
                         what);
        else if (!ecvrf_pk_valid(v[i].vrf_pk))
            rc = err_set(e, NODE_EINVAL, "%s: vrf_pk is not a valid ECVRF key", what);
        if (memcmp(v[i].pk, out->g.proposer_pk, CHAIN_PK_BYTES) == 0)
            proposer_staked = true;
    }
    if (!rc && !proposer_staked)
        rc = err_set(e, NODE_EINVAL, "genesis: the genesis \"validator\" must be one of "
                     "staking.validators (it signs every block)");
    chain_u128_t other = {0, 0};
    for (size_t i = 0; !rc && i < out->g.n_accounts; i++)
        other = chain_u128_add_sat(other, out->g.accounts[i].balance);
    for (size_t i = 0; !rc && i < out->g.n_utxos; i++)
        other = chain_u128_add_sat(other, out->g.utxos[i].amount);
    if (!rc && chain_staking_genesis(&p, v, n, other, &out->stake_data, &out->n_stake_data,
                                     &out->stake_store, e) != 0) {
        err_prefix(e, "genesis");
        rc = einval(e);
    }
    free(v);
    if (rc)
        return rc;
    out->g.data = out->stake_data;
    out->g.n_data = out->n_stake_data;
    out->g.base_fee = p.gas_target ? p.initial_base_fee : chain_u128_from_u64(0);
    return 0;
}

json_t *node_genesis_staking_json(const chain_stake_params_t *p, const uint8_t pk[CHAIN_PK_BYTES],
                                  const uint8_t bls_pk[CHAIN_BLS_PK_BYTES],
                                  const uint8_t bls_pop[CHAIN_BLS_SIG_BYTES],
                                  const uint8_t vrf_pk[CHAIN_VRF_PK_BYTES], chain_u128_t stake,
                                  uint16_t commission_bps)
{
    char a[2 * CHAIN_PK_BYTES + 1], b[2 * CHAIN_BLS_PK_BYTES + 1], pp[2 * CHAIN_BLS_SIG_BYTES + 1],
        vr[2 * CHAIN_VRF_PK_BYTES + 1], st[CHAIN_U128_STR_MAX], ms[CHAIN_U128_STR_MAX],
        md[CHAIN_U128_STR_MAX];
    hex_encode(pk, CHAIN_PK_BYTES, a);
    hex_encode(bls_pk, CHAIN_BLS_PK_BYTES, b);
    hex_encode(bls_pop, CHAIN_BLS_SIG_BYTES, pp);
    hex_encode(vrf_pk, CHAIN_VRF_PK_BYTES, vr);
    chain_u128_format(stake, st);
    chain_u128_format(p->min_self_stake, ms);
    chain_u128_format(p->min_delegation, md);
    json_t *v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "account", a, "bls_pk", b, "bls_pop", pp,
                          "vrf_pk", vr, "stake", st, "commission_bps", (int)commission_bps);
    json_t *s = json_object();
    json_object_set_new(s, "epoch_blocks", cjson_u64(p->epoch_blocks));
    json_object_set_new(s, "unbonding_blocks", cjson_u64(p->unbonding_blocks));
    json_object_set_new(s, "max_validators", cjson_u64(p->max_validators));
    json_object_set_new(s, "min_validators", cjson_u64(p->min_validators));
    json_object_set_new(s, "min_self_stake", json_string(ms));
    json_object_set_new(s, "min_delegation", json_string(md));
    json_object_set_new(s, "max_commission_change_bps", cjson_u64(p->max_commission_change_bps));
    json_object_set_new(s, "slash_double_bps", cjson_u64(p->slash_double_bps));
    json_object_set_new(s, "reporter_bps", cjson_u64(p->reporter_bps));
    json_object_set_new(s, "downtime_min_signed_bps", cjson_u64(p->downtime_min_signed_bps));
    json_object_set_new(s, "jail_downtime_blocks", cjson_u64(p->jail_downtime_blocks));
    json_object_set_new(s, "jail_double_blocks", cjson_u64(p->jail_double_blocks));
    json_object_set_new(s, "block_ms", cjson_u64(p->block_ms));
    json_object_set_new(s, "gas_target", cjson_u64(p->gas_target));
    chain_u128_format(p->initial_base_fee, ms);
    json_object_set_new(s, "initial_base_fee", json_string(ms));
    chain_u128_format(p->min_base_fee, ms);
    json_object_set_new(s, "min_base_fee", json_string(ms));
    json_object_set_new(s, "validators", json_pack("[o]", v));
    return s;
}

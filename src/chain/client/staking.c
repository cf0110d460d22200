/* chain/client: staking (issue 15, docs/staking.md): the validator keys a
 * key file derives, building and sending staking txs, and the staking
 * queries. */
#include "internal.h"

#include <string.h>

#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"

int chain_validator_keys_derive(const chain_key_t *k, chain_validator_keys_t *out, err_t *e)
{
    static const char bls_dom[] = "aether/validator/bls/v1";
    static const char vrf_dom[] = "aether/validator/vrf/v1";
    uint8_t in[sizeof bls_dom - 1 + CRYPTO_ED25519_SEED_BYTES], ikm[32];
    memset(out, 0, sizeof *out);
    memcpy(in, bls_dom, sizeof bls_dom - 1);
    memcpy(in + sizeof bls_dom - 1, k->seed, CRYPTO_ED25519_SEED_BYTES);
    crypto_sha256(in, sizeof in, ikm);
    int rc = bls_keygen(out->bls_sk, ikm, sizeof ikm, NULL, 0, NULL, 0, e);
    if (rc == 0)
        rc = bls_sk_to_pk(out->bls_pk, out->bls_sk, e);
    if (rc == 0)
        rc = bls_pop_prove(out->bls_pop, out->bls_sk, e);
    memcpy(in, vrf_dom, sizeof vrf_dom - 1);
    crypto_sha256(in, sizeof in, out->vrf_sk);
    ecvrf_sk_to_pk(out->vrf_sk, out->vrf_pk);
    crypto_wipe(in, sizeof in);
    crypto_wipe(ikm, sizeof ikm);
    if (rc != 0) {
        chain_validator_keys_wipe(out);
        err_prefix(e, "client: validator keys");
        return e ? (e->code = CHAIN_CLIENT_EINVAL) : CHAIN_CLIENT_EINVAL;
    }
    return 0;
}

void chain_validator_keys_wipe(chain_validator_keys_t *k)
{
    crypto_wipe(k, sizeof *k);
}

int chain_client_stake_send(chain_client_t *c, const chain_key_t *key,
                            const chain_client_send_t *s, const chain_stake_body_t *b,
                            chain_tx_t **tx_out, err_t *e)
{
    if (tx_out)
        *tx_out = NULL;
    chain_stake_body_t body = *b;
    static const uint8_t zero[CHAIN_BLS_PK_BYTES];
    if (body.kind == CHAIN_TX_STAKE_REGISTER && memcmp(body.bls_pk, zero, sizeof zero) == 0) {
        chain_validator_keys_t vk;
        int rc = chain_validator_keys_derive(key, &vk, e);
        if (rc)
            return rc;
        memcpy(body.bls_pk, vk.bls_pk, CHAIN_BLS_PK_BYTES);
        memcpy(body.bls_pop, vk.bls_pop, CHAIN_BLS_SIG_BYTES);
        memcpy(body.vrf_pk, vk.vrf_pk, CHAIN_VRF_PK_BYTES);
        chain_validator_keys_wipe(&vk);
    }
    uint64_t chain_id = 0, nonce = 0;
    chain_client_account_t acct;
    int rc = client_prepare(c, key, s, &chain_id, &acct, &nonce, e);
    if (rc)
        return rc;
    chain_u128_t fee = s->have_fee ? s->fee : chain_u128_from_u64(0);
    err_t te = {0};
    chain_tx_t *tx = chain_tx_new_stake(chain_id, key->pk, nonce, fee, &body, &te);
    if (!tx)
        return err_set(e, CHAIN_CLIENT_EINVAL, "client: %s", te.msg);
    if (!s->have_fee && (rc = client_default_fee(c, tx, e)) != 0) {
        chain_tx_free(tx);
        return rc;
    }
    chain_u128_t cost = chain_u128_add_sat(tx->fee, (body.kind == CHAIN_TX_STAKE_REGISTER ||
                                                     body.kind == CHAIN_TX_STAKE_ADD ||
                                                     body.kind == CHAIN_TX_STAKE_DELEGATE)
                                                        ? body.amount
                                                        : chain_u128_from_u64(0));
    if (chain_u128_cmp(acct.balance, cost) < 0) {
        char bl[CHAIN_U128_STR_MAX], need[CHAIN_U128_STR_MAX];
        chain_u128_format(acct.balance, bl);
        chain_u128_format(cost, need);
        chain_tx_free(tx);
        return err_set(e, CHAIN_CLIENT_EFUNDS,
                       "client: insufficient funds: balance %s, fee + stake %s", bl, need);
    }
    return client_sign_submit(c, key, tx, tx_out, e);
}

static int addr_call(chain_client_t *c, const char *method, const chain_addr_t *a, json_t **out,
                     err_t *e)
{
    char hex[2 * CHAIN_ADDR_BYTES + 1];
    chain_addr_to_hex(a, hex);
    return chain_client_call(c, method, json_pack("[s]", hex), out, e);
}

int chain_client_validators(chain_client_t *c, json_t **out, err_t *e)
{
    return chain_client_call(c, "aeth_getValidators", json_array(), out, e);
}

int chain_client_validator(chain_client_t *c, const chain_addr_t *a, json_t **out, err_t *e)
{
    return addr_call(c, "aeth_getValidator", a, out, e);
}

int chain_client_delegations(chain_client_t *c, const chain_addr_t *a, json_t **out, err_t *e)
{
    return addr_call(c, "aeth_getDelegations", a, out, e);
}

int chain_client_staking(chain_client_t *c, json_t **out, err_t *e)
{
    return chain_client_call(c, "aeth_getStaking", json_array(), out, e);
}

int chain_client_next_base_fee(chain_client_t *c, chain_u128_t *base, err_t *e)
{
    json_t *r = NULL;
    int rc = chain_client_call(c, "aeth_baseFee", json_array(), &r, e);
    if (rc)
        return rc;
    const json_t *n = json_object_get(r, "next_base_fee");
    if (!json_is_string(n) ||
        chain_u128_parse(json_string_value(n), json_string_length(n), base, NULL) != 0) {
        json_decref(r);
        return err_set(e, CHAIN_CLIENT_EPROTO, "client: aeth_baseFee answered without "
                       "next_base_fee (not an Aether node?)");
    }
    json_decref(r);
    return 0;
}

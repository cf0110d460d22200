/*
 * Genesis validator sets (the "consensus" section of a genesis file, format
 * in node.h) and the derivation of a validator's BLS and VRF keys from its
 * Ed25519 key file. Every BLS key's proof of possession is verified when a
 * genesis is parsed, so the consensus core may aggregate the keys (rogue-key
 * attacks need a key without a PoP).
 */
#include "chain/node/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bls/bls.h"
#include "crypto/ecvrf/ecvrf.h"
#include "p2p/p2p.h"

/* The libp2p peer id of a validator: its account key's identity multihash. */
static void peer_id_text(const uint8_t pk[CHAIN_PK_BYTES], char out[P2P_PEER_ID_STR_MAX])
{
    p2p_peer_id_t id;
    p2p_peer_id_from_pubkey(pk, &id);
    p2p_peer_id_format(&id, out);
}

static int einval(err_t *e)
{
    if (e)
        e->code = NODE_EINVAL;
    return NODE_EINVAL;
}

json_t *node_validator_entry_json(const node_key_t *k, uint64_t stake, err_t *e)
{
    node_validator_keys_t vk;
    if (node_validator_keys_derive(k, &vk, e) != 0)
        return NULL;
    char acc[2 * CHAIN_PK_BYTES + 1], bpk[2 * NODE_BLS_PK_BYTES + 1],
        pop[2 * NODE_BLS_SIG_BYTES + 1], vpk[2 * NODE_VRF_PK_BYTES + 1];
    hex_encode(k->pk, CHAIN_PK_BYTES, acc);
    hex_encode(vk.bls_pk, NODE_BLS_PK_BYTES, bpk);
    hex_encode(vk.bls_pop, NODE_BLS_SIG_BYTES, pop);
    hex_encode(vk.vrf_pk, NODE_VRF_PK_BYTES, vpk);
    node_validator_keys_wipe(&vk);
    char pid[P2P_PEER_ID_STR_MAX];
    peer_id_text(k->pk, pid);
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "account", acc, "bls_pk", bpk, "bls_pop", pop,
                     "vrf_pk", vpk, "stake", cjson_u64(stake), "peer_id", pid);
}

int node_validator_from_json(const json_t *j, node_validator_t *out, const char *what, err_t *e)
{
    static const char *const keys[] = {"account", "bls_pk", "bls_pop", "vrf_pk", "stake",
                                       "peer_id", NULL};
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return err_set(e, NODE_EINVAL, "%s: expected an object", what);
    if (cjson_check_keys(j, keys, what, e) ||
        cjson_get_hex(j, "account", out->account_pk, CHAIN_PK_BYTES, what, e) ||
        cjson_get_hex(j, "bls_pk", out->bls_pk, NODE_BLS_PK_BYTES, what, e) ||
        cjson_get_hex(j, "bls_pop", out->bls_pop, NODE_BLS_SIG_BYTES, what, e) ||
        cjson_get_hex(j, "vrf_pk", out->vrf_pk, NODE_VRF_PK_BYTES, what, e))
        return einval(e);
    if (!crypto_ed25519_pk_valid(out->account_pk))
        return err_set(e, NODE_EINVAL, "%s: \"account\" is not a valid Ed25519 key", what);
    if (!ecvrf_pk_valid(out->vrf_pk))
        return err_set(e, NODE_EINVAL, "%s: \"vrf_pk\" is not a valid ECVRF key", what);
    err_t be = {0};
    if (bls_pop_verify(out->bls_pk, out->bls_pop, &be) != 0)
        return err_set(e, NODE_EINVAL,
                       "%s: \"bls_pop\" is not a proof of possession of \"bls_pk\": %s", what,
                       be.msg[0] ? be.msg : "does not verify");
    if (!cjson_get_u64(json_object_get(j, "stake"), &out->stake) || out->stake == 0)
        return err_set(e, NODE_EINVAL, "%s: \"stake\" must be a positive integer", what);
    chain_addr_from_pk(out->account_pk, &out->address);
    json_t *pid = json_object_get(j, "peer_id");
    if (pid) {
        char want[P2P_PEER_ID_STR_MAX];
        peer_id_text(out->account_pk, want);
        if (!json_is_string(pid) || strcmp(json_string_value(pid), want) != 0)
            return err_set(e, NODE_EINVAL,
                           "%s: \"peer_id\" must be %s, the peer id of \"account\"", what, want);
    }
    return 0;
}

const node_validator_t *node_genesis_validators(const node_genesis_t *g, size_t *n)
{
    *n = g->bft ? g->n_validators : 0;
    return g->bft ? g->validators : NULL;
}

int node_genesis_validator_index(const node_genesis_t *g, const uint8_t pk[CHAIN_PK_BYTES])
{
    for (size_t i = 0; g->bft && i < g->n_validators; i++)
        if (memcmp(g->validators[i].account_pk, pk, CHAIN_PK_BYTES) == 0)
            return (int)i;
    return -1;
}

int node_genesis_cons_id(const node_genesis_t *g, chain_hash_t *out, err_t *e)
{
    chain_block_t *b0 = NULL;
    if (chain_genesis_block(&g->g, &b0, e) != 0)
        return einval(e);
    crypto_sha256_ctx_t c;
    uint8_t u[16];
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, "aether/genesis/v1", 17);
    crypto_sha256_update(&c, b0->hash.b, 32);
    chain_block_free(b0);
    store_le64(u, g->cons.epoch_len);
    crypto_sha256_update(&c, u, 8);
    store_le64(u, g->cons.base_timeout_ms);
    crypto_sha256_update(&c, u, 8);
    store_le64(u, g->cons.max_timeout_ms);
    crypto_sha256_update(&c, u, 8);
    store_le64(u, g->cons.min_fee.lo);
    store_le64(u + 8, g->cons.min_fee.hi);
    crypto_sha256_update(&c, u, 16);
    crypto_sha256_update(&c, g->cons.seed, 32);
    for (size_t i = 0; i < g->n_validators; i++) {
        const node_validator_t *v = &g->validators[i];
        crypto_sha256_update(&c, v->account_pk, CHAIN_PK_BYTES);
        crypto_sha256_update(&c, v->bls_pk, NODE_BLS_PK_BYTES);
        crypto_sha256_update(&c, v->vrf_pk, NODE_VRF_PK_BYTES);
        store_le64(u, v->stake);
        crypto_sha256_update(&c, u, 8);
    }
    crypto_sha256_final(&c, out->b);
    return 0;
}

/* ---- the "consensus" section -------------------------------------------------- */

static int get_u64_default(const json_t *j, const char *name, uint64_t def, uint64_t *out,
                           err_t *e)
{
    json_t *v = json_object_get(j, name);
    *out = def;
    if (v && (!cjson_get_u64(v, out) || *out == 0))
        return err_set(e, NODE_EINVAL, "genesis: consensus: \"%s\" must be a positive integer",
                       name);
    return 0;
}

int node_genesis_consensus_from_json(const json_t *j, node_genesis_t *out, err_t *e)
{
    static const char *const keys[] = {"epoch_len", "base_timeout_ms", "max_timeout_ms",
                                       "min_fee", "seed", "validators", NULL};
    if (!json_is_object(j))
        return err_set(e, NODE_EINVAL, "genesis: \"consensus\" must be an object");
    if (cjson_check_keys(j, keys, "genesis: consensus", e))
        return einval(e);
    node_consensus_params_t *p = &out->cons;
    if (get_u64_default(j, "epoch_len", 100, &p->epoch_len, e) ||
        get_u64_default(j, "base_timeout_ms", 1000, &p->base_timeout_ms, e) ||
        get_u64_default(j, "max_timeout_ms", 30000, &p->max_timeout_ms, e))
        return NODE_EINVAL;
    if (p->max_timeout_ms < p->base_timeout_ms)
        return err_set(e, NODE_EINVAL,
                       "genesis: consensus: \"max_timeout_ms\" %llu is below \"base_timeout_ms\" %llu",
                       (unsigned long long)p->max_timeout_ms,
                       (unsigned long long)p->base_timeout_ms);
    json_t *mf = json_object_get(j, "min_fee");
    p->min_fee = chain_u128_from_u64(1000);
    if (mf && (!json_is_string(mf) ||
               chain_u128_parse(json_string_value(mf), json_string_length(mf), &p->min_fee, e))) {
        err_prefix(e, "genesis: consensus: \"min_fee\" (a decimal string)");
        return einval(e);
    }
    if (cjson_get_hex(j, "seed", p->seed, 32, "genesis: consensus", e))
        return einval(e);
    json_t *vs = json_object_get(j, "validators");
    size_t n = json_is_array(vs) ? json_array_size(vs) : 0;
    if (n == 0 || n > NODE_MAX_VALIDATORS)
        return err_set(e, NODE_EINVAL,
                       "genesis: consensus: \"validators\" must be an array of 1..%d validators",
                       NODE_MAX_VALIDATORS);
    out->validators = calloc(n, sizeof *out->validators);
    if (!out->validators)
        return err_set(e, NODE_ENOMEM, "genesis: out of memory");
    out->n_validators = n;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "genesis: consensus: validators[%zu]", i);
        node_validator_t *v = &out->validators[i];
        if (node_validator_from_json(json_array_get(vs, i), v, what, e) != 0)
            return NODE_EINVAL;
        if (total + v->stake < total)
            return err_set(e, NODE_EINVAL, "genesis: consensus: total stake overflows a u64");
        total += v->stake;
        for (size_t k = 0; k < i; k++) {
            const node_validator_t *w = &out->validators[k];
            const char *dup = !memcmp(w->account_pk, v->account_pk, CHAIN_PK_BYTES) ? "account"
                              : !memcmp(w->bls_pk, v->bls_pk, NODE_BLS_PK_BYTES)    ? "bls_pk"
                              : !memcmp(w->vrf_pk, v->vrf_pk, NODE_VRF_PK_BYTES)    ? "vrf_pk"
                                                                                    : NULL;
            if (dup)
                return err_set(e, NODE_EINVAL,
                               "genesis: consensus: validators[%zu] has the same %s as "
                               "validators[%zu]",
                               i, dup, k);
        }
    }
    out->bft = true;
    return 0;
}

json_t *node_genesis_consensus_to_json(const node_genesis_t *g)
{
    char hex[2 * NODE_BLS_SIG_BYTES + 1], dec[CHAIN_U128_STR_MAX];
    json_t *j = json_object();
    json_object_set_new(j, "epoch_len", cjson_u64(g->cons.epoch_len));
    json_object_set_new(j, "base_timeout_ms", cjson_u64(g->cons.base_timeout_ms));
    json_object_set_new(j, "max_timeout_ms", cjson_u64(g->cons.max_timeout_ms));
    chain_u128_format(g->cons.min_fee, dec);
    json_object_set_new(j, "min_fee", json_string(dec));
    hex_encode(g->cons.seed, 32, hex);
    json_object_set_new(j, "seed", json_string(hex));
    json_t *arr = json_array();
    for (size_t i = 0; i < g->n_validators; i++) {
        const node_validator_t *v = &g->validators[i];
        json_t *o = json_object();
        hex_encode(v->account_pk, CHAIN_PK_BYTES, hex);
        json_object_set_new(o, "account", json_string(hex));
        hex_encode(v->bls_pk, NODE_BLS_PK_BYTES, hex);
        json_object_set_new(o, "bls_pk", json_string(hex));
        hex_encode(v->bls_pop, NODE_BLS_SIG_BYTES, hex);
        json_object_set_new(o, "bls_pop", json_string(hex));
        hex_encode(v->vrf_pk, NODE_VRF_PK_BYTES, hex);
        json_object_set_new(o, "vrf_pk", json_string(hex));
        json_object_set_new(o, "stake", cjson_u64(v->stake));
        char pid[P2P_PEER_ID_STR_MAX];
        peer_id_text(v->account_pk, pid);
        json_object_set_new(o, "peer_id", json_string(pid));
        json_array_append_new(arr, o);
    }
    json_object_set_new(j, "validators", arr);
    return j;
}

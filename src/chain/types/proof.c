/* chain/types: sparse Merkle tree hashing and the standalone proof verifier
 * (types.h describes the tree and the proof), with the proof's JSON and
 * binary forms. The verifier trusts nothing in the proof: it derives the
 * key from the address / UTxO id itself, recomputes every hash, and checks
 * that an "other leaf" used for absence really lies on the key's path. */
#include "internal.h"

#include <string.h>

void chain_smt_key_account(const chain_addr_t *a, chain_hash_t *key)
{
    uint8_t buf[1 + CHAIN_ADDR_BYTES];
    buf[0] = 0x01;
    memcpy(buf + 1, a->b, CHAIN_ADDR_BYTES);
    crypto_sha256(buf, sizeof buf, key->b);
}

void chain_smt_key_data(uint8_t tag, const uint8_t id[32], chain_hash_t *key)
{
    uint8_t buf[1 + 32];
    buf[0] = tag;
    memcpy(buf + 1, id, 32);
    crypto_sha256(buf, sizeof buf, key->b);
}

void chain_contract_storage_id(const chain_addr_t *contract, const uint8_t *key, size_t klen,
                               uint8_t id[32])
{
    crypto_sha256_ctx_t s;
    crypto_sha256_init(&s);
    crypto_sha256_update(&s, contract->b, CHAIN_ADDR_BYTES);
    crypto_sha256_update(&s, key, klen);
    crypto_sha256_final(&s, id);
}

void chain_contract_record_id(const chain_addr_t *contract, uint8_t id[32])
{
    memset(id, 0, 32);
    memcpy(id, contract->b, CHAIN_ADDR_BYTES);
}

void chain_smt_key_utxo(const chain_utxo_id_t *id, chain_hash_t *key)
{
    uint8_t buf[1 + 32 + 4];
    buf[0] = 0x02;
    memcpy(buf + 1, id->tx_hash.b, 32);
    store_le32(buf + 33, id->index);
    crypto_sha256(buf, sizeof buf, key->b);
}

void chain_smt_leaf_hash(const chain_hash_t *key, const chain_hash_t *value_hash,
                         chain_hash_t *out)
{
    uint8_t buf[65];
    buf[0] = 0x00;
    memcpy(buf + 1, key->b, 32);
    memcpy(buf + 33, value_hash->b, 32);
    crypto_sha256(buf, sizeof buf, out->b);
}

void chain_smt_node_hash(const chain_hash_t *l, const chain_hash_t *r, chain_hash_t *out)
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, l->b, 32);
    memcpy(buf + 33, r->b, 32);
    crypto_sha256(buf, sizeof buf, out->b);
}

static inline int key_bit(const chain_hash_t *k, unsigned i)
{
    return (k->b[i >> 3] >> (7 - (i & 7))) & 1;
}

int chain_data_proof_verify(uint8_t tag, const uint8_t id[32], const uint8_t *value, size_t n,
                            const chain_hash_t *siblings, size_t n_siblings,
                            const chain_hash_t *other_key, const chain_hash_t *other_vh,
                            const chain_hash_t *root, err_t *e)
{
    if (n_siblings > CHAIN_SMT_MAX_DEPTH)
        return err_set(e, CHAIN_EPROOF, "proof: %zu siblings, at most %d", n_siblings,
                       CHAIN_SMT_MAX_DEPTH);
    chain_hash_t key, h = {{0}}, vh;
    chain_smt_key_data(tag, id, &key);
    if (value) {
        crypto_sha256(value, n, vh.b);
        chain_smt_leaf_hash(&key, &vh, &h);
    } else if (other_key) {
        if (chain_hash_equal(other_key, &key))
            return err_set(e, CHAIN_EPROOF, "proof: the other leaf has the proven key");
        for (size_t i = 0; i < n_siblings; i++)
            if (key_bit(other_key, (unsigned)i) != key_bit(&key, (unsigned)i))
                return err_set(e, CHAIN_EPROOF, "proof: the other leaf is off the key's path");
        chain_smt_leaf_hash(other_key, other_vh, &h);
    }
    for (size_t i = n_siblings; i-- > 0;) {
        chain_hash_t t;
        if (key_bit(&key, (unsigned)i))
            chain_smt_node_hash(&siblings[i], &h, &t);
        else
            chain_smt_node_hash(&h, &siblings[i], &t);
        h = t;
    }
    if (!chain_hash_equal(&h, root))
        return err_set(e, CHAIN_EPROOF, "proof: the path does not hash to the state root");
    return 0;
}

static void proof_key(const chain_proof_t *p, chain_hash_t *key)
{
    if (p->kind == CHAIN_PROOF_ACCOUNT)
        chain_smt_key_account(&p->address, key);
    else
        chain_smt_key_utxo(&p->utxo_id, key);
}

static void proof_value_hash(const chain_proof_t *p, chain_hash_t *vh)
{
    if (p->kind == CHAIN_PROOF_ACCOUNT) {
        uint8_t v[CHAIN_ACCOUNT_BYTES];
        chain_account_encode(&p->account, v);
        crypto_sha256(v, sizeof v, vh->b);
    } else {
        uint8_t v[CHAIN_UTXO_BYTES];
        chain_utxo_encode(&p->utxo, v);
        crypto_sha256(v, sizeof v, vh->b);
    }
}

int chain_proof_verify(const chain_proof_t *p, const chain_hash_t *expected_root, err_t *e)
{
    if (p->kind != CHAIN_PROOF_ACCOUNT && p->kind != CHAIN_PROOF_UTXO)
        return err_set(e, CHAIN_EPROOF, "proof: unknown kind %u", p->kind);
    if (p->n_siblings > CHAIN_SMT_MAX_DEPTH)
        return err_set(e, CHAIN_EPROOF, "proof: %u siblings, at most %d", p->n_siblings,
                       CHAIN_SMT_MAX_DEPTH);
    if (p->exists && p->has_other)
        return err_set(e, CHAIN_EPROOF, "proof: claims a value and another leaf at once");
    chain_hash_t key, h;
    proof_key(p, &key);
    if (p->exists) {
        chain_hash_t vh;
        proof_value_hash(p, &vh);
        chain_smt_leaf_hash(&key, &vh, &h);
    } else if (p->has_other) {
        if (chain_hash_equal(&p->other_key, &key))
            return err_set(e, CHAIN_EPROOF, "proof: the other leaf is the key itself");
        for (unsigned i = 0; i < p->n_siblings; i++)
            if (key_bit(&p->other_key, i) != key_bit(&key, i))
                return err_set(e, CHAIN_EPROOF,
                               "proof: the other leaf is not on the key's path (bit %u differs)",
                               i);
        chain_smt_leaf_hash(&p->other_key, &p->other_value_hash, &h);
    } else {
        memset(h.b, 0, 32);
    }
    for (unsigned i = p->n_siblings; i-- > 0;) {
        if (key_bit(&key, i))
            chain_smt_node_hash(&p->siblings[i], &h, &h);
        else
            chain_smt_node_hash(&h, &p->siblings[i], &h);
    }
    if (!chain_hash_equal(&h, &p->root))
        return err_set(e, CHAIN_EPROOF, "proof: recomputed root differs from the proof's root");
    if (expected_root && !chain_hash_equal(&h, expected_root))
        return err_set(e, CHAIN_EPROOF, "proof: root differs from the expected state root");
    return 0;
}

/* ---- JSON ---- */

json_t *chain_proof_to_json(const chain_proof_t *p)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    chain_hash_t key;
    proof_key(p, &key);
    json_object_set_new(j, "root", jhex(p->root.b, 32));
    if (p->kind == CHAIN_PROOF_ACCOUNT) {
        json_object_set_new(j, "kind", json_string("account"));
        json_object_set_new(j, "address", jhex(p->address.b, 20));
    } else {
        json_object_set_new(j, "kind", json_string("utxo"));
        json_t *u = json_object();
        json_object_set_new(u, "tx", jhex(p->utxo_id.tx_hash.b, 32));
        json_object_set_new(u, "index", json_integer(p->utxo_id.index));
        json_object_set_new(j, "utxo", u);
    }
    json_object_set_new(j, "key", jhex(key.b, 32));
    json_object_set_new(j, "exists", json_boolean(p->exists));
    if (!p->exists) {
        json_object_set_new(j, "value", json_null());
    } else if (p->kind == CHAIN_PROOF_ACCOUNT) {
        json_t *v = json_object();
        json_object_set_new(v, "balance", ju128(p->account.balance));
        json_object_set_new(v, "nonce", ju64(p->account.nonce));
        json_object_set_new(j, "value", v);
    } else {
        json_t *v = json_object();
        json_object_set_new(v, "owner", jhex(p->utxo.owner.b, 20));
        json_object_set_new(v, "amount", ju128(p->utxo.amount));
        json_object_set_new(j, "value", v);
    }
    json_t *s = json_array();
    for (unsigned i = 0; i < p->n_siblings; i++)
        json_array_append_new(s, jhex(p->siblings[i].b, 32));
    json_object_set_new(j, "siblings", s);
    if (p->has_other) {
        json_t *o = json_object();
        json_object_set_new(o, "key", jhex(p->other_key.b, 32));
        json_object_set_new(o, "value_hash", jhex(p->other_value_hash.b, 32));
        json_object_set_new(j, "other_leaf", o);
    } else {
        json_object_set_new(j, "other_leaf", json_null());
    }
    return j;
}

static int only_keys(const json_t *o, const char *const *allowed, const char *where, err_t *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(k, allowed[i]) == 0)
                ok = true;
        if (!ok)
            return err_set(e, CHAIN_EINVAL, "proof: unknown field \"%s\" in %s", k, where);
    }
    return 0;
}

static int jget_hex(const json_t *o, const char *name, uint8_t *out, size_t len, err_t *e)
{
    const json_t *v = json_object_get(o, name);
    if (!v)
        return err_set(e, CHAIN_EINVAL, "proof: missing \"%s\"", name);
    if (!json_is_string(v))
        return err_set(e, CHAIN_EINVAL, "proof: \"%s\" must be a hex string", name);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, n -= 2;
    if (n != 2 * len)
        return err_set(e, CHAIN_EINVAL, "proof: \"%s\" needs %zu hex digits, got %zu", name,
                       2 * len, n);
    if (hex_decode(s, n, out, len, e) != 0)
        return err_prefix(e, "proof: \"%s\"", name), CHAIN_EINVAL;
    return 0;
}

static int jget_u128(const json_t *o, const char *name, chain_u128_t *out, err_t *e)
{
    const json_t *v = json_object_get(o, name);
    if (!v || !json_is_string(v))
        return err_set(e, CHAIN_EINVAL, "proof: \"%s\" must be a decimal string", name);
    if (chain_u128_parse(json_string_value(v), json_string_length(v), out, e) != 0)
        return err_prefix(e, "proof: \"%s\"", name), CHAIN_EINVAL;
    return 0;
}

static int jget_u64(const json_t *o, const char *name, uint64_t max, uint64_t *out, err_t *e)
{
    const json_t *v = json_object_get(o, name);
    if (!v || !cjson_get_u64(v, out))
        return err_set(e, CHAIN_EINVAL, "proof: \"%s\" must be a non-negative integer", name);
    if (*out > max)
        return err_set(e, CHAIN_EINVAL, "proof: \"%s\" exceeds %llu", name,
                       (unsigned long long)max);
    return 0;
}

int chain_proof_from_json(const json_t *j, chain_proof_t *p, err_t *e)
{
    static const char *const top[] = {"root",   "kind",     "address",    "utxo", "key",
                                      "exists", "siblings", "other_leaf", "value", NULL};
    memset(p, 0, sizeof *p);
    if (!json_is_object(j))
        return err_set(e, CHAIN_EINVAL, "proof: must be a JSON object");
    if (only_keys(j, top, "the proof", e))
        return CHAIN_EINVAL;
    if (jget_hex(j, "root", p->root.b, 32, e))
        return CHAIN_EINVAL;
    const json_t *kind = json_object_get(j, "kind");
    const char *ks = json_is_string(kind) ? json_string_value(kind) : NULL;
    if (ks && strcmp(ks, "account") == 0) {
        p->kind = CHAIN_PROOF_ACCOUNT;
        if (json_object_get(j, "utxo"))
            return err_set(e, CHAIN_EINVAL, "proof: account proof with a \"utxo\" field");
        if (jget_hex(j, "address", p->address.b, 20, e))
            return CHAIN_EINVAL;
    } else if (ks && strcmp(ks, "utxo") == 0) {
        static const char *const uk[] = {"tx", "index", NULL};
        p->kind = CHAIN_PROOF_UTXO;
        const json_t *u = json_object_get(j, "utxo");
        uint64_t idx;
        if (json_object_get(j, "address"))
            return err_set(e, CHAIN_EINVAL, "proof: utxo proof with an \"address\" field");
        if (!json_is_object(u))
            return err_set(e, CHAIN_EINVAL, "proof: \"utxo\" must be an object");
        if (only_keys(u, uk, "\"utxo\"", e) || jget_hex(u, "tx", p->utxo_id.tx_hash.b, 32, e) ||
            jget_u64(u, "index", UINT32_MAX, &idx, e))
            return CHAIN_EINVAL;
        p->utxo_id.index = (uint32_t)idx;
    } else {
        return err_set(e, CHAIN_EINVAL, "proof: \"kind\" must be \"account\" or \"utxo\"");
    }
    chain_hash_t key, want;
    if (jget_hex(j, "key", key.b, 32, e))
        return CHAIN_EINVAL;
    proof_key(p, &want);
    if (!chain_hash_equal(&key, &want))
        return err_set(e, CHAIN_EINVAL, "proof: \"key\" is not the SMT key of the %s",
                       p->kind == CHAIN_PROOF_ACCOUNT ? "address" : "utxo id");
    const json_t *ex = json_object_get(j, "exists");
    if (!json_is_boolean(ex))
        return err_set(e, CHAIN_EINVAL, "proof: \"exists\" must be true or false");
    p->exists = json_is_true(ex);
    const json_t *v = json_object_get(j, "value");
    if (!p->exists) {
        if (!json_is_null(v))
            return err_set(e, CHAIN_EINVAL, "proof: \"value\" must be null when exists is false");
    } else if (!json_is_object(v)) {
        return err_set(e, CHAIN_EINVAL, "proof: \"value\" must be an object when exists is true");
    } else if (p->kind == CHAIN_PROOF_ACCOUNT) {
        static const char *const vk[] = {"balance", "nonce", NULL};
        if (only_keys(v, vk, "\"value\"", e) || jget_u128(v, "balance", &p->account.balance, e) ||
            jget_u64(v, "nonce", UINT64_MAX, &p->account.nonce, e))
            return CHAIN_EINVAL;
    } else {
        static const char *const vk[] = {"owner", "amount", NULL};
        if (only_keys(v, vk, "\"value\"", e) || jget_hex(v, "owner", p->utxo.owner.b, 20, e) ||
            jget_u128(v, "amount", &p->utxo.amount, e))
            return CHAIN_EINVAL;
    }
    const json_t *s = json_object_get(j, "siblings");
    if (!json_is_array(s))
        return err_set(e, CHAIN_EINVAL, "proof: \"siblings\" must be an array");
    if (json_array_size(s) > CHAIN_SMT_MAX_DEPTH)
        return err_set(e, CHAIN_EINVAL, "proof: %zu siblings, at most %d", json_array_size(s),
                       CHAIN_SMT_MAX_DEPTH);
    p->n_siblings = (uint16_t)json_array_size(s);
    for (size_t i = 0; i < p->n_siblings; i++) {
        const json_t *x = json_array_get(s, i);
        if (!json_is_string(x) ||
            chain_hash_from_hex(json_string_value(x), &p->siblings[i], NULL) != 0)
            return err_set(e, CHAIN_EINVAL, "proof: sibling %zu is not 64 hex digits", i);
    }
    const json_t *o = json_object_get(j, "other_leaf");
    if (o == NULL || json_is_null(o)) {
        p->has_other = false;
    } else if (json_is_object(o)) {
        static const char *const ok[] = {"key", "value_hash", NULL};
        if (only_keys(o, ok, "\"other_leaf\"", e) || jget_hex(o, "key", p->other_key.b, 32, e) ||
            jget_hex(o, "value_hash", p->other_value_hash.b, 32, e))
            return CHAIN_EINVAL;
        p->has_other = true;
    } else {
        return err_set(e, CHAIN_EINVAL, "proof: \"other_leaf\" must be an object or null");
    }
    return 0;
}

/* ---- binary ---- */

int chain_proof_encode(const chain_proof_t *p, buf_t *out)
{
    if (p->n_siblings > CHAIN_SMT_MAX_DEPTH ||
        (p->kind != CHAIN_PROOF_ACCOUNT && p->kind != CHAIN_PROOF_UTXO))
        return CHAIN_EINVAL;
    buf_append_byte(out, p->kind);
    if (p->kind == CHAIN_PROOF_ACCOUNT) {
        buf_append(out, p->address.b, 20);
    } else {
        buf_append(out, p->utxo_id.tx_hash.b, 32);
        buf_append_u32_le(out, p->utxo_id.index);
    }
    buf_append(out, p->root.b, 32);
    buf_append_byte(out, p->exists ? 1 : 0);
    if (p->exists) {
        uint8_t v[CHAIN_UTXO_BYTES];
        if (p->kind == CHAIN_PROOF_ACCOUNT) {
            chain_account_encode(&p->account, v);
            buf_append(out, v, CHAIN_ACCOUNT_BYTES);
        } else {
            chain_utxo_encode(&p->utxo, v);
            buf_append(out, v, CHAIN_UTXO_BYTES);
        }
    }
    buf_append_byte(out, p->has_other ? 1 : 0);
    if (p->has_other) {
        buf_append(out, p->other_key.b, 32);
        buf_append(out, p->other_value_hash.b, 32);
    }
    buf_append_u16_le(out, p->n_siblings);
    for (unsigned i = 0; i < p->n_siblings; i++)
        buf_append(out, p->siblings[i].b, 32);
    return buf_ok(out) ? 0 : CHAIN_ENOMEM;
}

static bool rd_flag(rd_t *r, bool *v, const char *field)
{
    size_t at = r->off;
    uint8_t b = 0;
    if (!rd_u8(r, &b, field))
        return false;
    if (b > 1)
        return rd_fail(r, "%s must be 0 or 1, got %u at offset %zu", field, b, at);
    *v = b == 1;
    return true;
}

int chain_proof_decode(const uint8_t *in, size_t n, chain_proof_t *p, err_t *e)
{
    rd_t r;
    rd_init(&r, in, n, "proof", e);
    memset(p, 0, sizeof *p);
    if (rd_u8(&r, &p->kind, "kind") && p->kind != CHAIN_PROOF_ACCOUNT &&
        p->kind != CHAIN_PROOF_UTXO)
        rd_fail(&r, "unknown kind %u at offset 0", p->kind);
    if (p->kind == CHAIN_PROOF_ACCOUNT) {
        rd_bytes(&r, p->address.b, 20, "address");
    } else {
        rd_bytes(&r, p->utxo_id.tx_hash.b, 32, "utxo tx");
        rd_u32(&r, &p->utxo_id.index, "utxo index");
    }
    rd_bytes(&r, p->root.b, 32, "root");
    if (rd_flag(&r, &p->exists, "exists") && p->exists) {
        size_t k = p->kind == CHAIN_PROOF_ACCOUNT ? CHAIN_ACCOUNT_BYTES : CHAIN_UTXO_BYTES;
        size_t at = r.off;
        const uint8_t *v = rd_take(&r, k, "value");
        err_t ve = {0};
        if (v && (p->kind == CHAIN_PROOF_ACCOUNT ? chain_account_decode(v, k, &p->account, &ve)
                                                 : chain_utxo_decode(v, k, &p->utxo, &ve)) != 0)
            rd_fail(&r, "value at offset %zu: %s", at, ve.msg);
    }
    if (rd_flag(&r, &p->has_other, "has_other") && p->has_other) {
        rd_bytes(&r, p->other_key.b, 32, "other key");
        rd_bytes(&r, p->other_value_hash.b, 32, "other value hash");
    }
    size_t at = r.off;
    if (rd_u16(&r, &p->n_siblings, "sibling count") && p->n_siblings > CHAIN_SMT_MAX_DEPTH)
        rd_fail(&r, "%u siblings at offset %zu, at most %d", p->n_siblings, at,
                CHAIN_SMT_MAX_DEPTH);
    for (unsigned i = 0; i < p->n_siblings && !r.failed; i++)
        rd_bytes(&r, p->siblings[i].b, 32, "sibling");
    return rd_end(&r) ? 0 : CHAIN_EINVAL;
}

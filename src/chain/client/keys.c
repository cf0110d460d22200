/* chain/client: key files (format in client.h). Strict: unknown fields,
 * wrong lengths, bad hex and key material that does not belong together are
 * errors naming the file and the field. The seed is wiped from every buffer
 * that held it. */
#include "chain/client/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FILE_MAX 4096

void chain_key_from_seed(chain_key_t *k, const uint8_t seed[CRYPTO_ED25519_SEED_BYTES])
{
    memcpy(k->seed, seed, sizeof k->seed);
    crypto_ed25519_from_seed(k->seed, k->pk, k->sk);
    chain_addr_from_pk(k->pk, &k->addr);
}

void chain_key_generate(chain_key_t *k)
{
    uint8_t seed[CRYPTO_ED25519_SEED_BYTES];
    crypto_random(seed, sizeof seed);
    chain_key_from_seed(k, seed);
    crypto_wipe(seed, sizeof seed);
}

void chain_key_wipe(chain_key_t *k)
{
    crypto_wipe(k, sizeof *k);
}

json_t *chain_key_public_json(const chain_key_t *k)
{
    char pk[2 * CHAIN_PK_BYTES + 1], addr[2 * CHAIN_ADDR_BYTES + 1];
    hex_encode(k->pk, sizeof k->pk, pk);
    chain_addr_to_hex(&k->addr, addr);
    return json_pack("{s:s,s:s,s:s}", "type", "ed25519", "public_key", pk, "address", addr);
}

int chain_key_save(const char *path, const chain_key_t *k, bool overwrite, err_t *e)
{
    char seed[2 * CRYPTO_ED25519_SEED_BYTES + 1];
    json_t *j = chain_key_public_json(k);
    hex_encode(k->seed, sizeof k->seed, seed);
    json_object_set_new(j, "secret_seed", json_string(seed));
    crypto_wipe(seed, sizeof seed);
    char *txt = cjson_encode_pretty_str(j, NULL);
    json_decref(j); /* jansson strings are freed without wiping; the seed copy is short-lived */
    if (!txt)
        return err_set(e, CHAIN_CLIENT_ENOMEM, "key: out of memory");
    size_t len = strlen(txt);
    txt[len] = '\n';
    int rc = file_write_atomic(path, txt, len + 1, 0600, !overwrite, e);
    crypto_wipe(txt, len);
    free(txt);
    if (rc != 0) {
        if (!overwrite && rc == BASE_EINVAL)
            return err_set(e, CHAIN_CLIENT_EINVAL, "key: %s already exists (not overwritten)", path);
        err_prefix(e, "key: cannot write %s", path);
        return CHAIN_CLIENT_EINVAL;
    }
    return 0;
}

/* base's JSON field checks (cjson_get_hex, cjson_check_keys) under this
 * module's error code */
static int as_einval(err_t *e)
{
    if (e)
        e->code = CHAIN_CLIENT_EINVAL;
    return CHAIN_CLIENT_EINVAL;
}

static int get_hex_field(const json_t *j, const char *name, uint8_t *out, size_t n,
                         const char *what, err_t *e)
{
    return cjson_get_hex(j, name, out, n, what, e) ? as_einval(e) : 0;
}

static int check_keys(const json_t *j, const char *const *allowed, const char *what, err_t *e)
{
    return cjson_check_keys(j, allowed, what, e) ? as_einval(e) : 0;
}

int chain_key_load(const char *path, chain_key_t *k, err_t *e)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (file_read_all(path, KEY_FILE_MAX, &data, &len, e) != 0) {
        err_prefix(e, "key: cannot read %s", path);
        return CHAIN_CLIENT_EINVAL;
    }
    err_t pe = {0};
    json_t *j = cjson_parse((const char *)data, len, &pe);
    crypto_wipe(data, len);
    free(data);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return err_set(e, CHAIN_CLIENT_EINVAL, "key: %s is not a JSON key file%s%s", path,
                       pe.msg[0] ? ": " : "", pe.msg);
    }
    static const char *const allowed[] = {"type", "public_key", "address", "secret_seed", NULL};
    uint8_t seed[CRYPTO_ED25519_SEED_BYTES], pk[CHAIN_PK_BYTES];
    chain_addr_t addr;
    char what[160]; /* errors name the file: "key: FILE: ..." */
    snprintf(what, sizeof what, "key: %.150s", path);
    int rc = check_keys(j, allowed, what, e);
    json_t *type = json_object_get(j, "type");
    if (rc == 0 && (!json_is_string(type) || strcmp(json_string_value(type), "ed25519") != 0))
        rc = err_set(e, CHAIN_CLIENT_EINVAL, "key: %s: \"type\" must be \"ed25519\"", path);
    if (rc == 0)
        rc = get_hex_field(j, "secret_seed", seed, sizeof seed, what, e);
    if (rc == 0)
        rc = get_hex_field(j, "public_key", pk, sizeof pk, what, e);
    if (rc == 0) {
        json_t *a = json_object_get(j, "address");
        if (!json_is_string(a) || chain_addr_from_hex(json_string_value(a), &addr, e) != 0)
            rc = err_set(e, CHAIN_CLIENT_EINVAL, "key: %s: \"address\" missing or not 40 hex digits",
                         path);
    }
    json_decref(j);
    if (rc != 0) {
        crypto_wipe(seed, sizeof seed);
        if (e)
            e->code = CHAIN_CLIENT_EINVAL;
        return CHAIN_CLIENT_EINVAL;
    }
    chain_key_from_seed(k, seed);
    crypto_wipe(seed, sizeof seed);
    if (memcmp(k->pk, pk, sizeof pk) != 0) {
        chain_key_wipe(k);
        return err_set(e, CHAIN_CLIENT_EINVAL, "key: %s: public_key does not belong to secret_seed", path);
    }
    if (memcmp(k->addr.b, addr.b, sizeof addr.b) != 0) {
        chain_key_wipe(k);
        return err_set(e, CHAIN_CLIENT_EINVAL, "key: %s: address does not match public_key", path);
    }
    return 0;
}

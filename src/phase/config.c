/*
 * phase/config: the provider node's JSON config file. Upstream's keys
 * (reference §3.2) and ours; every key optional, unknown keys refused with
 * the key and the file named, every value range-checked.
 */
#include "phase.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void phase_config_init(phase_node_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->max_concurrent_jobs = 4;
    c->queue_depth = 16;
    c->max_memory_bytes = 128u << 20;
    c->max_cpu_cores = 1;
    c->max_timeout_seconds = 300;
    c->max_fuel = 10000000000ull;
    c->allow_unauthenticated = true;
    c->record_ttl_seconds = 600;
}

static void free_list(char **l, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free(l[i]);
    *n = 0;
}

void phase_config_free(phase_node_config_t *c)
{
    free_list(c->listen_addrs, &c->n_listen);
    free_list(c->peer_addrs, &c->n_peers);
    free_list(c->bootstrap_peers, &c->n_bootstrap);
    free(c->authorized);
    c->authorized = NULL;
    c->n_authorized = 0;
    free(c->identity_path);
    c->identity_path = NULL;
    free(c->http_listen);
    free(c->http_token);
    free(c->http_token_file);
    c->http_listen = c->http_token = c->http_token_file = NULL;
}

int phase_config_http_token(const phase_node_config_t *c, char **out, err_t *e)
{
    *out = NULL;
    if (c->http_token) {
        if (!(*out = strdup(c->http_token)))
            return err_set(e, BASE_ENOMEM, "config: out of memory");
        return PHASE_OK;
    }
    if (!c->http_token_file)
        return PHASE_OK;
    struct stat st;
    if (stat(c->http_token_file, &st) != 0)
        return err_set(e, PHASE_ECONFIG, "http token file %s: %s", c->http_token_file,
                       strerror(errno));
    if (st.st_mode & 0077)
        return err_set(e, PHASE_ECONFIG, "http token file %s is readable by others (chmod 600)",
                       c->http_token_file);
    uint8_t *data = NULL;
    size_t len = 0;
    err_t fe = {0};
    if (file_read_all(c->http_token_file, 4096, &data, &len, &fe) != 0)
        return err_set(e, PHASE_ECONFIG, "http token file: %s", fe.msg);
    size_t n = 0;
    while (n < len && data[n] != '\n' && data[n] != '\r')
        n++;
    char *t = malloc(n + 1);
    if (!t) {
        free(data);
        return err_set(e, BASE_ENOMEM, "config: out of memory");
    }
    memcpy(t, data, n);
    t[n] = 0;
    free(data);
    if (n == 0 || strlen(t) != n) {
        free(t);
        return err_set(e, PHASE_ECONFIG, "http token file %s: the first line is empty",
                       c->http_token_file);
    }
    *out = t;
    return PHASE_OK;
}

static int read_str(const char *file, const char *key, const json_t *v, char **out, err_t *e)
{
    const char *s = json_string_value(v);
    if (!s || !*s)
        return err_set(e, PHASE_ECONFIG, "%s: \"%s\" must be a non-empty string", file, key);
    char *d = strdup(s);
    if (!d)
        return err_set(e, BASE_ENOMEM, "config: out of memory");
    free(*out);
    *out = d;
    return PHASE_OK;
}

int phase_config_set_list(char **list, size_t *n, const char *const *items, size_t count,
                          err_t *e)
{
    if (count > PHASE_CFG_MAX_ADDRS)
        return err_set(e, PHASE_ECONFIG, "at most %d addresses per list", PHASE_CFG_MAX_ADDRS);
    free_list(list, n);
    for (size_t i = 0; i < count; i++) {
        list[i] = strdup(items[i]);
        if (!list[i]) {
            free_list(list, n);
            return err_set(e, BASE_ENOMEM, "config: out of memory");
        }
        *n = i + 1;
    }
    return PHASE_OK;
}

static int read_list(const char *file, const char *key, const json_t *v, char **list, size_t *n,
                     err_t *e)
{
    if (!json_is_array(v))
        return err_set(e, PHASE_ECONFIG, "%s: \"%s\" must be an array of strings", file, key);
    const char *items[PHASE_CFG_MAX_ADDRS];
    if (json_array_size(v) > PHASE_CFG_MAX_ADDRS)
        return err_set(e, PHASE_ECONFIG, "%s: \"%s\" has more than %d entries", file, key,
                       PHASE_CFG_MAX_ADDRS);
    for (size_t i = 0; i < json_array_size(v); i++) {
        items[i] = json_string_value(json_array_get(v, i));
        if (!items[i])
            return err_set(e, PHASE_ECONFIG, "%s: \"%s\"[%zu] must be a string", file, key, i);
    }
    return phase_config_set_list(list, n, items, json_array_size(v), e);
}

static int read_u64(const char *file, const char *key, const json_t *v, uint64_t lo, uint64_t hi,
                    uint64_t *out, err_t *e)
{
    uint64_t x = 0;
    if (!cjson_get_u64(v, &x) || x < lo || x > hi)
        return err_set(e, PHASE_ECONFIG, "%s: \"%s\" must be an integer in %llu..%llu", file, key,
                       (unsigned long long)lo, (unsigned long long)hi);
    *out = x;
    return PHASE_OK;
}

static int read_bool(const char *file, const char *key, const json_t *v, bool *out, err_t *e)
{
    if (!json_is_boolean(v))
        return err_set(e, PHASE_ECONFIG, "%s: \"%s\" must be true or false", file, key);
    *out = json_is_true(v);
    return PHASE_OK;
}

static int read_limits(const char *file, const json_t *l, phase_node_config_t *c, err_t *e)
{
    if (!json_is_object(l))
        return err_set(e, PHASE_ECONFIG, "%s: \"limits\" must be an object", file);
    const char *k;
    json_t *v;
    uint64_t x = 0;
    int rc;
    json_object_foreach((json_t *)l, k, v)
    {
        if (strcmp(k, "max_memory_bytes") == 0)
            rc = read_u64(file, "limits.max_memory_bytes", v, 65536, 1ull << 32,
                          &c->max_memory_bytes, e);
        else if (strcmp(k, "max_cpu_cores") == 0) {
            rc = read_u64(file, "limits.max_cpu_cores", v, 1, 1024, &x, e);
            c->max_cpu_cores = (uint32_t)x;
        } else if (strcmp(k, "max_timeout_seconds") == 0)
            rc = read_u64(file, "limits.max_timeout_seconds", v, 1, 86400,
                          &c->max_timeout_seconds, e);
        else
            rc = err_set(e, PHASE_ECONFIG, "%s: unknown key \"limits.%s\"", file, k);
        if (rc)
            return rc;
    }
    return PHASE_OK;
}

int phase_config_load(const char *path, phase_node_config_t *c, err_t *e)
{
    uint8_t *data = NULL;
    size_t len = 0;
    err_t fe = {0};
    if (file_read_all(path, 1u << 20, &data, &len, &fe) != 0)
        return err_set(e, PHASE_ECONFIG, "%s", fe.msg);
    json_t *j = cjson_parse((const char *)data, len, &fe);
    free(data);
    if (!j)
        return err_set(e, PHASE_ECONFIG, "%s: %s", path, fe.msg);
    int rc = PHASE_OK;
    if (!json_is_object(j)) {
        rc = err_set(e, PHASE_ECONFIG, "%s: the config must be a JSON object", path);
        goto out;
    }
    const char *k;
    json_t *v;
    uint64_t x = 0;
    json_object_foreach(j, k, v)
    {
        if (strcmp(k, "listen_addrs") == 0)
            rc = read_list(path, k, v, c->listen_addrs, &c->n_listen, e);
        else if (strcmp(k, "peer_addrs") == 0)
            rc = read_list(path, k, v, c->peer_addrs, &c->n_peers, e);
        else if (strcmp(k, "bootstrap_peers") == 0)
            rc = read_list(path, k, v, c->bootstrap_peers, &c->n_bootstrap, e);
        else if (strcmp(k, "max_concurrent_jobs") == 0) {
            if (!(rc = read_u64(path, k, v, 1, 256, &x, e)))
                c->max_concurrent_jobs = (uint32_t)x;
        } else if (strcmp(k, "queue_depth") == 0) {
            if (!(rc = read_u64(path, k, v, 0, 100000, &x, e)))
                c->queue_depth = (uint32_t)x;
        } else if (strcmp(k, "limits") == 0)
            rc = read_limits(path, v, c, e);
        else if (strcmp(k, "max_fuel") == 0)
            rc = read_u64(path, k, v, 1, UINT64_MAX, &c->max_fuel, e);
        else if (strcmp(k, "price_per_fuel") == 0)
            rc = read_u64(path, k, v, 0, UINT64_MAX, &c->price_per_fuel, e);
        else if (strcmp(k, "mdns") == 0)
            rc = read_bool(path, k, v, &c->mdns, e);
        else if (strcmp(k, "allow_unauthenticated") == 0)
            rc = read_bool(path, k, v, &c->allow_unauthenticated, e);
        else if (strcmp(k, "record_ttl_seconds") == 0)
            rc = read_u64(path, k, v, 10, 86400, &c->record_ttl_seconds, e);
        else if (strcmp(k, "http_listen") == 0)
            rc = read_str(path, k, v, &c->http_listen, e);
        else if (strcmp(k, "http_max_body") == 0)
            rc = read_u64(path, k, v, 1024, 1ull << 32, &c->http_max_body, e);
        else if (strcmp(k, "http_token") == 0)
            rc = read_str(path, k, v, &c->http_token, e);
        else if (strcmp(k, "http_token_file") == 0)
            rc = read_str(path, k, v, &c->http_token_file, e);
        else if (strcmp(k, "identity_path") == 0) {
            const char *s = json_string_value(v);
            if (!s || !*s) {
                rc = err_set(e, PHASE_ECONFIG, "%s: \"identity_path\" must be a non-empty string",
                             path);
            } else {
                free(c->identity_path);
                c->identity_path = strdup(s);
                if (!c->identity_path)
                    rc = err_set(e, BASE_ENOMEM, "config: out of memory");
            }
        } else if (strcmp(k, "authorized_submitters") == 0) {
            if (!json_is_array(v) || json_array_size(v) > 1024) {
                rc = err_set(e, PHASE_ECONFIG,
                             "%s: \"authorized_submitters\" must be an array of hex keys", path);
            } else {
                size_t n = json_array_size(v);
                uint8_t(*keys)[PHASE_PK_BYTES] = calloc(n ? n : 1, PHASE_PK_BYTES);
                if (!keys) {
                    rc = err_set(e, BASE_ENOMEM, "config: out of memory");
                    break;
                }
                for (size_t i = 0; i < n && !rc; i++) {
                    const char *s = json_string_value(json_array_get(v, i));
                    if (!s || phase_hex_key(s, keys[i], PHASE_PK_BYTES, NULL) != 0)
                        rc = err_set(e, PHASE_ECONFIG,
                                     "%s: \"authorized_submitters\"[%zu] is not a 64-hex key",
                                     path, i);
                }
                if (rc) {
                    free(keys);
                } else {
                    free(c->authorized);
                    c->authorized = keys;
                    c->n_authorized = n;
                }
            }
        } else
            rc = err_set(e, PHASE_ECONFIG, "%s: unknown key \"%s\"", path, k);
        if (rc)
            break;
    }
out:
    json_decref(j);
    return rc;
}

static json_t *list_json(char *const *l, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(l[i]));
    return a;
}

json_t *phase_config_to_json(const phase_node_config_t *c)
{
    json_t *auth = json_array();
    for (size_t i = 0; i < c->n_authorized; i++) {
        char hex[2 * PHASE_PK_BYTES + 1];
        hex_encode(c->authorized[i], PHASE_PK_BYTES, hex);
        json_array_append_new(auth, json_string(hex));
    }
    json_t *j = json_pack(
        "{s:o,s:o,s:o,s:I,s:{s:o,s:I,s:o},s:I,s:o,s:o,s:b,s:b,s:o,s:o}", "listen_addrs",
        list_json(c->listen_addrs, c->n_listen), "peer_addrs", list_json(c->peer_addrs, c->n_peers),
        "bootstrap_peers", list_json(c->bootstrap_peers, c->n_bootstrap), "max_concurrent_jobs",
        (json_int_t)c->max_concurrent_jobs, "limits", "max_memory_bytes",
        cjson_u64(c->max_memory_bytes), "max_cpu_cores", (json_int_t)c->max_cpu_cores,
        "max_timeout_seconds", cjson_u64(c->max_timeout_seconds), "queue_depth",
        (json_int_t)c->queue_depth, "max_fuel", cjson_u64(c->max_fuel), "price_per_fuel",
        cjson_u64(c->price_per_fuel), "mdns", c->mdns, "allow_unauthenticated",
        c->allow_unauthenticated, "authorized_submitters", auth, "record_ttl_seconds",
        cjson_u64(c->record_ttl_seconds));
    if (j && c->http_listen)
        json_object_set_new(j, "http_listen", json_string(c->http_listen));
    if (j && c->http_token_file)
        json_object_set_new(j, "http_token_file", json_string(c->http_token_file));
    if (j && c->identity_path)
        json_object_set_new(j, "identity_path", json_string(c->identity_path));
    return j;
}

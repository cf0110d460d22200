/* chain/exec: the contract runtime (rules and host ABI in exec.h).
 *
 * Code is validated and compiled once (chain_contract_compile); each run
 * gets a fresh store and instance, so nothing a run leaves in memory can
 * reach the next one. A run never touches the ledger: reads of committed
 * storage go through the embedder's callback, and every write and log is
 * collected in the result, in memory, for the embedder to apply atomically
 * when the run succeeded (and to drop otherwise). Reads see the run's own
 * earlier writes first. The write set is searched linearly: it is bounded
 * by CHAIN_CONTRACT_MAX_WRITES and runs are short. */
#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

struct chain_contract {
    awasm_config_t cfg;
    awasm_module_t *mod;
    awasm_imports_t *imps;       /* the host ABI, shared by every run */
    bool has_init;
};

typedef struct run {
    const chain_contract_env_t *env;
    chain_contract_result_t *r;
    size_t cap_writes, cap_logs;
    int io_rc;                       /* storage callback failure */
    bool reverted;
    char reason[CHAIN_CONTRACT_MAX_REASON + 1];
} run_t;

const char *chain_contract_status_name(uint8_t status)
{
    switch (status) {
    case CHAIN_CONTRACT_OK: return "ok";
    case CHAIN_CONTRACT_REVERT: return "revert";
    case CHAIN_CONTRACT_OUT_OF_GAS: return "out_of_gas";
    case CHAIN_CONTRACT_TRAP: return "trap";
    default: return "unknown";
    }
}

/* ---- helpers for host functions ---- */

/* The contract's bytes [ptr, ptr+len) or NULL (the caller traps). */
static uint8_t *mem_range(awasm_ctx_t *ctx, int32_t ptr, int32_t len)
{
    awasm_memory_t *m = awasm_ctx_memory(ctx);
    if (!m)
        return NULL;
    return awasm_memory_ptr(m, (uint32_t)ptr, (uint32_t)len);
}

#define CHARGE(ctx, units)                                                                  \
    do {                                                                                    \
        int rc_ = awasm_ctx_charge((ctx), (units));                                         \
        if (rc_)                                                                            \
            return rc_;                                                                     \
    } while (0)

#define RANGE(var, ctx, ptr, len, what)                                                     \
    uint8_t *var = mem_range((ctx), (ptr), (len));                                          \
    if (!var)                                                                               \
        return awasm_ctx_trap((ctx), AWASM_TRAP_HOST, "%s: bytes [%u, +%u) outside memory", \
                              (what), (uint32_t)(ptr), (uint32_t)(len))

static chain_contract_write_t *find_write(run_t *run, const uint8_t *key, uint32_t klen)
{
    for (size_t i = 0; i < run->r->n_writes; i++) {
        chain_contract_write_t *w = &run->r->writes[i];
        if (w->klen == klen && memcmp(w->key, key, klen) == 0)
            return w;
    }
    return NULL;
}

/* Looks key up: the run's writes first, then committed storage. */
static int lookup(run_t *run, const uint8_t *key, uint32_t klen, uint8_t *val, uint32_t *vlen,
                  bool *found)
{
    chain_contract_write_t *w = find_write(run, key, klen);
    if (w) {
        *found = !w->removed;
        *vlen = w->removed ? 0 : w->vlen;
        if (*vlen)
            memcpy(val, w->val, *vlen);
        return 0;
    }
    *found = false;
    *vlen = 0;
    if (!run->env->storage_get)
        return 0;
    int rc = run->env->storage_get(run->env->user, key, klen, val, vlen, found);
    if (!rc && !*found)
        *vlen = 0;
    if (!rc && *vlen > CHAIN_CONTRACT_MAX_VALUE)
        rc = CONTRACT_EINVAL;   /* the embedder broke its contract */
    return rc;
}

static int io_fail(awasm_ctx_t *ctx, run_t *run, int rc)
{
    run->io_rc = rc;
    return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract storage read failed (%d)", rc);
}

/* ---- host functions ----
 * The import list is built once per compiled contract, so a host function
 * finds its run through the store's user pointer, not its own. */

static run_t *R(awasm_ctx_t *ctx)
{
    return awasm_store_user(awasm_ctx_store(ctx));
}

static int h_storage_read(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    run_t *run = R(ctx);
    CHARGE(ctx, 200);
    int32_t klen = a[1].of.i32;
    if (klen < 0 || klen > CHAIN_CONTRACT_MAX_KEY) {
        res[0].of.i32 = -1;
        return 0;
    }
    RANGE(key, ctx, a[0].of.i32, klen, "storage_read key");
    uint8_t val[CHAIN_CONTRACT_MAX_VALUE];
    uint32_t vlen;
    bool found;
    int rc = lookup(run, key, (uint32_t)klen, val, &vlen, &found);
    if (rc)
        return io_fail(ctx, run, rc);
    CHARGE(ctx, vlen);
    RANGE(out, ctx, a[2].of.i32, (int32_t)vlen, "storage_read value");
    if (vlen)
        memcpy(out, val, vlen);
    res[0].of.i32 = (int32_t)vlen;
    return 0;
}

static int put_write(awasm_ctx_t *ctx, run_t *run, const uint8_t *key, uint32_t klen,
                     const uint8_t *val, uint32_t vlen, bool removed, bool *ok)
{
    chain_contract_result_t *r = run->r;
    chain_contract_write_t *w = find_write(run, key, klen);
    *ok = true;
    if (!w) {
        if (r->n_writes == CHAIN_CONTRACT_MAX_WRITES) {
            *ok = false;
            return 0;
        }
        if (r->n_writes == run->cap_writes) {
            size_t c = run->cap_writes ? run->cap_writes * 2 : 8;
            chain_contract_write_t *p = realloc(r->writes, c * sizeof *p);
            if (!p)
                return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract: out of memory");
            r->writes = p;
            run->cap_writes = c;
        }
        w = &r->writes[r->n_writes];
        memset(w, 0, sizeof *w);
        w->key = malloc(klen ? klen : 1);
        if (!w->key)
            return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract: out of memory");
        memcpy(w->key, key, klen);
        w->klen = klen;
        r->n_writes++;
    }
    uint8_t *nv = NULL;
    if (!removed) {
        nv = malloc(vlen ? vlen : 1);
        if (!nv)
            return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract: out of memory");
        if (vlen)
            memcpy(nv, val, vlen);
    }
    free(w->val);
    w->val = nv;
    w->vlen = removed ? 0 : vlen;
    w->removed = removed;
    return 0;
}

static int h_storage_write(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    run_t *run = R(ctx);
    int32_t klen = a[1].of.i32, vlen = a[3].of.i32;
    CHARGE(ctx, 5000);
    if (klen < 0 || klen > CHAIN_CONTRACT_MAX_KEY || vlen < 0 || vlen > CHAIN_CONTRACT_MAX_VALUE) {
        res[0].of.i32 = -1;
        return 0;
    }
    CHARGE(ctx, 20ull * (uint32_t)vlen);
    RANGE(key, ctx, a[0].of.i32, klen, "storage_write key");
    RANGE(val, ctx, a[2].of.i32, vlen, "storage_write value");
    uint8_t old[CHAIN_CONTRACT_MAX_VALUE];
    uint32_t olen;
    bool found, ok;
    int rc = lookup(run, key, (uint32_t)klen, old, &olen, &found);
    if (rc)
        return io_fail(ctx, run, rc);
    if (!found)
        CHARGE(ctx, 20000);   /* a new key: the state grows */
    if ((rc = put_write(ctx, run, key, (uint32_t)klen, val, (uint32_t)vlen, false, &ok)))
        return rc;
    res[0].of.i32 = ok ? 0 : -1;
    return 0;
}

static int h_storage_remove(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    run_t *run = R(ctx);
    int32_t klen = a[1].of.i32;
    CHARGE(ctx, 5000);
    if (klen < 0 || klen > CHAIN_CONTRACT_MAX_KEY) {
        res[0].of.i32 = -1;
        return 0;
    }
    RANGE(key, ctx, a[0].of.i32, klen, "storage_remove key");
    uint8_t old[CHAIN_CONTRACT_MAX_VALUE];
    uint32_t olen;
    bool found, ok;
    int rc = lookup(run, key, (uint32_t)klen, old, &olen, &found);
    if (rc)
        return io_fail(ctx, run, rc);
    if (found && (rc = put_write(ctx, run, key, (uint32_t)klen, NULL, 0, true, &ok)))
        return rc;
    res[0].of.i32 = found ? 1 : 0;
    return 0;
}

static int add_log(awasm_ctx_t *ctx, run_t *run, const uint8_t *topic, int32_t dptr,
                   int32_t dlen, awasm_val_t *res)
{
    chain_contract_result_t *r = run->r;
    CHARGE(ctx, 375);
    if (dlen < 0 || dlen > CHAIN_CONTRACT_MAX_LOG_BYTES || r->n_logs == CHAIN_CONTRACT_MAX_LOGS) {
        res[0].of.i32 = -1;
        return 0;
    }
    CHARGE(ctx, 8ull * (uint32_t)dlen);
    RANGE(data, ctx, dptr, dlen, "log data");
    if (r->n_logs == run->cap_logs) {
        size_t c = run->cap_logs ? run->cap_logs * 2 : 4;
        chain_contract_log_t *p = realloc(r->logs, c * sizeof *p);
        if (!p)
            return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract: out of memory");
        r->logs = p;
        run->cap_logs = c;
    }
    chain_contract_log_t *l = &r->logs[r->n_logs];
    memset(l, 0, sizeof *l);
    l->data = malloc(dlen ? (size_t)dlen : 1);
    if (!l->data)
        return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract: out of memory");
    if (dlen)
        memcpy(l->data, data, (size_t)dlen);
    l->len = (uint32_t)dlen;
    if (topic) {
        l->has_topic = true;
        memcpy(l->topic, topic, 32);
    }
    r->n_logs++;
    res[0].of.i32 = 0;
    return 0;
}

static int h_emit_log(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    return add_log(ctx, R(ctx), NULL, a[0].of.i32, a[1].of.i32, res);
}

static int h_emit_event(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    RANGE(topic, ctx, a[0].of.i32, 32, "emit_event topic");
    return add_log(ctx, R(ctx), topic, a[1].of.i32, a[2].of.i32, res);
}

static int h_set_return(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    run_t *run = R(ctx);
    int32_t len = a[1].of.i32;
    CHARGE(ctx, 100);
    if (len < 0 || len > CHAIN_CONTRACT_MAX_RETURN) {
        res[0].of.i32 = -1;
        return 0;
    }
    CHARGE(ctx, (uint32_t)len);
    RANGE(p, ctx, a[0].of.i32, len, "set_return data");
    uint8_t *n = malloc(len ? (size_t)len : 1);
    if (!n)
        return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract: out of memory");
    if (len)
        memcpy(n, p, (size_t)len);
    free(run->r->ret);
    run->r->ret = n;
    run->r->ret_len = (uint32_t)len;
    res[0].of.i32 = 0;
    return 0;
}

static int h_block_number(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)a;
    CHARGE(ctx, 2);
    res[0].of.i64 = (int64_t)R(ctx)->env->block_number;
    return 0;
}

static int h_timestamp(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)a;
    CHARGE(ctx, 2);
    res[0].of.i64 = (int64_t)R(ctx)->env->timestamp_ms;
    return 0;
}

static int put_bytes(awasm_ctx_t *ctx, int32_t ptr, const void *src, int32_t n, const char *what)
{
    CHARGE(ctx, 2);
    RANGE(out, ctx, ptr, n, what);
    memcpy(out, src, (size_t)n);
    return 0;
}

static int h_caller(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res;
    return put_bytes(ctx, a[0].of.i32, R(ctx)->env->caller.b, 20, "caller");
}

static int h_self_address(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res;
    return put_bytes(ctx, a[0].of.i32, R(ctx)->env->self.b, 20, "self_address");
}

static int h_call_value(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res;
    uint8_t v[16];
    chain_u128_put(v, R(ctx)->env->value);
    return put_bytes(ctx, a[0].of.i32, v, 16, "call_value");
}

static int h_input_len(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)a;
    CHARGE(ctx, 2);
    res[0].of.i32 = (int32_t)R(ctx)->env->input_len;
    return 0;
}

static int h_input(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    const chain_contract_env_t *env = R(ctx)->env;
    CHARGE(ctx, 2 + (uint64_t)env->input_len);
    RANGE(out, ctx, a[0].of.i32, (int32_t)env->input_len, "input");
    if (env->input_len)
        memcpy(out, env->input, env->input_len);
    res[0].of.i32 = (int32_t)env->input_len;
    return 0;
}

static int h_sha256(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res, (void)u;
    int32_t len = a[1].of.i32;
    if (len < 0)
        return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "sha256: negative length %d", len);
    CHARGE(ctx, 60 + 12 * (((uint64_t)(uint32_t)len + 31) / 32));
    RANGE(in, ctx, a[0].of.i32, len, "sha256 input");
    RANGE(out, ctx, a[2].of.i32, 32, "sha256 output");
    uint8_t h[32];
    crypto_sha256(in, (size_t)len, h);
    memcpy(out, h, 32);
    return 0;
}

static int h_revert(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res;
    run_t *run = R(ctx);
    int32_t len = a[1].of.i32;
    if (len < 0 || len > CHAIN_CONTRACT_MAX_REASON)
        len = len < 0 ? 0 : CHAIN_CONTRACT_MAX_REASON;
    RANGE(p, ctx, a[0].of.i32, len, "revert reason");
    /* the reason is text for people: keep printable ASCII, mask the rest */
    for (int32_t i = 0; i < len; i++)
        run->reason[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    run->reason[len] = 0;
    run->reverted = true;
    return awasm_ctx_exit(ctx, 1);
}

typedef struct host_import {
    const char *name, *sig;
    awasm_host_fn_t fn;
} host_import_t;

static const host_import_t HOST[] = {
    {"storage_read", "(iii)i", h_storage_read},
    {"storage_write", "(iiii)i", h_storage_write},
    {"storage_remove", "(ii)i", h_storage_remove},
    {"emit_log", "(ii)i", h_emit_log},
    {"emit_event", "(iii)i", h_emit_event},
    {"set_return", "(ii)i", h_set_return},
    {"block_number", "()I", h_block_number},
    {"timestamp", "()I", h_timestamp},
    {"caller", "(i)", h_caller},
    {"self_address", "(i)", h_self_address},
    {"call_value", "(i)", h_call_value},
    {"input_len", "()i", h_input_len},
    {"input", "(i)i", h_input},
    {"sha256", "(iii)", h_sha256},
    {"revert", "(ii)", h_revert},
};
#define N_HOST (sizeof HOST / sizeof *HOST)

/* "(ii)i"-style text of a function type (i32 and i64 only; anything else
 * gives a letter no ABI signature uses). */
static void sig_text(const awasm_functype_t *t, char *out, size_t n)
{
    size_t k = 0;
    out[k++] = '(';
    for (uint32_t i = 0; i < t->n_params && k + 3 < n; i++)
        out[k++] = t->params[i] == AWASM_I32 ? 'i' : t->params[i] == AWASM_I64 ? 'I' : '?';
    out[k++] = ')';
    for (uint32_t i = 0; i < t->n_results && k + 2 < n; i++)
        out[k++] = t->results[i] == AWASM_I32 ? 'i' : t->results[i] == AWASM_I64 ? 'I' : '?';
    out[k] = 0;
}

static void config(awasm_config_t *cfg)
{
    awasm_config_default(cfg);
    cfg->fuel = true;
    cfg->deterministic = true;
    cfg->fuel_schedule = CHAIN_CONTRACT_FUEL_SCHEDULE;
    cfg->max_memory_pages = CHAIN_CONTRACT_MAX_PAGES;
    cfg->max_module_size = CHAIN_MAX_CODE_BYTES;
    cfg->max_call_depth = CHAIN_CONTRACT_MAX_CALL_DEPTH;
    cfg->max_table_size = 10000;
    cfg->max_tables = 16;
    cfg->max_functions = 10000;
    cfg->max_locals = 10000;
    cfg->stack_slots = 8 * 1024;           /* 64 KiB of value stack per run (zeroed per run) */
    cfg->max_store_bytes = 32u << 20;
}

static int check_entry(const awasm_module_t *m, const char *name, bool required, bool *present,
                       err_t *e)
{
    awasm_export_desc_t ex;
    *present = false;
    if (awasm_module_find_export(m, name, &ex) != 0)
        return required ? err_set(e, CONTRACT_ECODE, "contract: no exported function \"%s\"", name)
                        : 0;
    char s[AWASM_SIG_MAX * 2 + 4];
    if (ex.kind == AWASM_EXTERN_FUNC)
        sig_text(&ex.func, s, sizeof s);
    if (ex.kind != AWASM_EXTERN_FUNC || strcmp(s, "()i") != 0)
        return err_set(e, CONTRACT_ECODE, "contract: export \"%s\" must be a function () -> i32",
                       name);
    *present = true;
    return 0;
}

chain_contract_t *chain_contract_compile(const uint8_t *code, size_t len, err_t *e)
{
    if (!code || len > CHAIN_MAX_CODE_BYTES) {
        err_set(e, CONTRACT_ECODE, "contract: code of %zu bytes, at most %d", len,
                CHAIN_MAX_CODE_BYTES);
        return NULL;
    }
    chain_contract_t *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, CONTRACT_ENOMEM, "contract: out of memory");
        return NULL;
    }
    config(&c->cfg);
    err_t we = {0};
    c->mod = awasm_module_decode(code, len, &c->cfg, &we);
    if (!c->mod) {
        err_set(e, CONTRACT_ECODE, "contract: %s", we.msg);
        goto fail;
    }
    uint32_t n_imp = awasm_module_import_count(c->mod);
    for (uint32_t i = 0; i < n_imp; i++) {
        awasm_import_desc_t d;
        if (awasm_module_import(c->mod, i, &d) != 0)
            goto bad_import;
        if (d.kind != AWASM_EXTERN_FUNC || strcmp(d.module, "env") != 0) {
            err_set(e, CONTRACT_ECODE,
                    "contract: import %u \"%s.%s\" is not allowed (only functions of \"env\")",
                    i, d.module, d.name);
            goto fail;
        }
        size_t k = 0;
        while (k < N_HOST && strcmp(HOST[k].name, d.name) != 0)
            k++;
        if (k == N_HOST) {
            err_set(e, CONTRACT_ECODE, "contract: import \"env.%s\" is not in the host ABI",
                    d.name);
            goto fail;
        }
        char s[AWASM_SIG_MAX * 2 + 4];
        sig_text(&d.func, s, sizeof s);
        if (strcmp(s, HOST[k].sig) != 0) {
            err_set(e, CONTRACT_ECODE, "contract: import \"env.%s\" has type %s, the ABI says %s",
                    d.name, s, HOST[k].sig);
            goto fail;
        }
    }
    awasm_export_desc_t ex;
    if (awasm_module_find_export(c->mod, "memory", &ex) != 0 || ex.kind != AWASM_EXTERN_MEMORY) {
        err_set(e, CONTRACT_ECODE, "contract: no exported memory \"memory\"");
        goto fail;
    }
    if (ex.limits.min > CHAIN_CONTRACT_MAX_PAGES) {
        err_set(e, CONTRACT_ECODE, "contract: memory of %llu pages, at most %d",
                (unsigned long long)ex.limits.min, CHAIN_CONTRACT_MAX_PAGES);
        goto fail;
    }
    bool present;
    if (check_entry(c->mod, "call", true, &present, e) ||
        check_entry(c->mod, "init", false, &c->has_init, e))
        goto fail;
    c->imps = awasm_imports_new();
    if (!c->imps)
        goto nomem;
    for (size_t k = 0; k < N_HOST; k++)
        if (awasm_imports_add_host(c->imps, "env", HOST[k].name, HOST[k].sig, HOST[k].fn, NULL,
                                   NULL) != 0)
            goto nomem;
    return c;
nomem:
    err_set(e, CONTRACT_ENOMEM, "contract: out of memory");
    goto fail;
bad_import:
    err_set(e, CONTRACT_ECODE, "contract: unreadable import");
fail:
    chain_contract_free(c);
    return NULL;
}

void chain_contract_free(chain_contract_t *c)
{
    if (!c)
        return;
    awasm_imports_free(c->imps);
    awasm_module_free(c->mod);
    free(c);
}

bool chain_contract_has_init(const chain_contract_t *c)
{
    return c && c->has_init;
}

static void drop_effects(chain_contract_result_t *r)
{
    for (size_t i = 0; i < r->n_writes; i++) {
        free(r->writes[i].key);
        free(r->writes[i].val);
    }
    for (size_t i = 0; i < r->n_logs; i++)
        free(r->logs[i].data);
    free(r->writes);
    free(r->logs);
    r->writes = NULL;
    r->logs = NULL;
    r->n_writes = r->n_logs = 0;
}

void chain_contract_result_free(chain_contract_result_t *r)
{
    if (!r)
        return;
    drop_effects(r);
    free(r->ret);
    memset(r, 0, sizeof *r);
}

static void fail_with(chain_contract_result_t *r, uint8_t status, const char *reason)
{
    drop_effects(r);
    r->status = status;
    size_t n = strnlen(reason, sizeof r->reason - 1);
    memcpy(r->reason, reason, n);
    r->reason[n] = 0;
}

int chain_contract_run(const chain_contract_t *c, const char *entry,
                       const chain_contract_env_t *env, chain_contract_result_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    if (!c || !entry || !env || (env->input_len && !env->input))
        return err_set(e, CONTRACT_EINVAL, "contract: bad run arguments");
    awasm_export_desc_t ex;
    if (awasm_module_find_export(c->mod, entry, &ex) != 0)
        return err_set(e, CONTRACT_EINVAL, "contract: no entry point \"%s\"", entry);
    if (env->gas_limit < CHAIN_CONTRACT_GAS_BASE) {
        r->gas_used = env->gas_limit;
        fail_with(r, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas (below the base cost)");
        return 0;
    }
    run_t run = {.env = env, .r = r};
    awasm_store_t *s = awasm_store_new(&c->cfg);
    int rc = 0;
    if (!s) {
        rc = err_set(e, CONTRACT_ENOMEM, "contract: out of memory");
        goto out;
    }
    awasm_store_set_user(s, &run);
    uint64_t fuel = env->gas_limit - CHAIN_CONTRACT_GAS_BASE;
    awasm_store_set_fuel(s, fuel);
    err_t we = {0};
    awasm_val_t res = {.type = AWASM_I32};
    int wrc;
    awasm_instance_t *inst = awasm_instance_new(s, c->mod, c->imps, &we);
    if (!inst)
        wrc = we.code ? we.code : AWASM_ETRAP;
    else
        wrc = awasm_instance_call(inst, entry, NULL, 0, &res, 1, &we);
    uint64_t left = awasm_store_fuel(s);
    r->gas_used = env->gas_limit - (left < fuel ? left : fuel);
    if (run.io_rc) {
        rc = err_set(e, run.io_rc, "contract: storage read failed");
        goto out;
    }
    if (wrc == 0) {
        if (res.of.i32 == 0) {
            r->status = CHAIN_CONTRACT_OK;
        } else {
            char why[64];
            snprintf(why, sizeof why, "returned %d", res.of.i32);
            fail_with(r, CHAIN_CONTRACT_REVERT, why);
        }
    } else if (wrc == AWASM_ETRAP && awasm_store_trap(s) == AWASM_TRAP_OUT_OF_FUEL) {
        r->gas_used = env->gas_limit;
        fail_with(r, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas");
    } else if (wrc == AWASM_ETRAP && awasm_store_trap(s) == AWASM_TRAP_EXIT && run.reverted) {
        fail_with(r, CHAIN_CONTRACT_REVERT, run.reason[0] ? run.reason : "revert");
    } else {
        fail_with(r, CHAIN_CONTRACT_TRAP, we.msg[0] ? we.msg : "trap");
    }
out:
    awasm_store_free(s);
    return rc;
}

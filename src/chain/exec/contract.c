/* chain/exec: the contract runtime (rules and host ABI in exec.h).
 *
 * Code is validated and compiled once (chain_contract_compile); each frame
 * (the transaction's call, and every call_contract under it) gets a fresh
 * store and instance, so nothing a run leaves in memory can reach the next
 * one. A run never touches the ledger: committed storage, balances and code
 * are read through the embedder's callbacks, and every change is kept in a
 * journal of the transaction:
 *   - writes: one entry per (contract, key) with its current value; reads
 *     look here first. A frame that changes an entry an enclosing frame
 *     owns saves the old value in the undo log first (once per frame).
 *   - logs and value moves: appended in order.
 * A frame starts with a mark (the lengths of the four arrays); when it
 * fails, undo entries past the mark are replayed backwards and the arrays
 * truncated, so exactly its own effects (and its callees') disappear. At
 * the end the journal becomes the result for the embedder to apply
 * atomically. The arrays are searched linearly: they are bounded
 * (CHAIN_CONTRACT_MAX_WRITES, _LOGS, _TRANSFERS) and every entry costs
 * thousands of gas. Nested frames recurse on the C stack (host function ->
 * interpreter of the callee); CHAIN_CONTRACT_MAX_DEPTH bounds that. */
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

typedef struct jwrite {
    chain_addr_t contract;
    uint8_t *key, *val;          /* val NULL when removed */
    uint32_t klen, vlen;
    bool removed;
    uint64_t frame;              /* serial of the frame that owns the current value */
} jwrite_t;

typedef struct jundo {
    size_t idx;                  /* into txn.w */
    uint8_t *val;
    uint32_t vlen;
    bool removed;
    uint64_t frame;
} jundo_t;

typedef struct mark {
    size_t n_w, n_u, n_logs, n_xf;
} mark_t;

typedef struct txn {
    const chain_contract_env_t *env;
    jwrite_t *w;
    jundo_t *u;
    chain_contract_log_t *logs;
    chain_contract_transfer_t *xf;
    size_t n_w, cap_w, n_u, cap_u, n_logs, cap_logs, n_xf, cap_xf;
    uint64_t serial;             /* frames started so far */
    uint32_t max_depth;
    int io_rc;                   /* a callback failed: the whole run fails */
} txn_t;

typedef struct frame {
    txn_t *tx;
    uint64_t serial;
    uint32_t depth;              /* 1 = the transaction's own call */
    uint32_t pages_below;        /* linear memory pages of the enclosing frames */
    chain_addr_t self, caller;
    chain_u128_t value;
    const uint8_t *input;
    uint32_t input_len;
    uint8_t *ret;                /* set_return */
    uint32_t ret_len;
    uint8_t *rdata;              /* what the last call_contract returned */
    uint32_t rdata_len;
    bool reverted;
    char reason[CHAIN_CONTRACT_MAX_REASON + 1];
} frame_t;

/* How one frame ended. */
typedef struct outcome {
    uint8_t status;
    uint64_t gas_used;
    char reason[ERR_MSG_MAX];
} outcome_t;

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

/* ---- the journal ---- */

static bool addr_eq(const chain_addr_t *a, const chain_addr_t *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*v, c * size);
    if (!p)
        return false;
    *v = p;
    *cap = c;
    return true;
}

static mark_t tx_mark(const txn_t *tx)
{
    return (mark_t){tx->n_w, tx->n_u, tx->n_logs, tx->n_xf};
}

/* Undoes everything after m (a failed frame). */
static void tx_rollback(txn_t *tx, mark_t m)
{
    while (tx->n_u > m.n_u) {
        jundo_t *u = &tx->u[--tx->n_u];
        if (u->idx < m.n_w) {
            jwrite_t *w = &tx->w[u->idx];
            free(w->val);
            w->val = u->val;
            w->vlen = u->vlen;
            w->removed = u->removed;
            w->frame = u->frame;
        } else {
            free(u->val);   /* the entry itself goes below */
        }
    }
    while (tx->n_w > m.n_w) {
        jwrite_t *w = &tx->w[--tx->n_w];
        free(w->key);
        free(w->val);
    }
    while (tx->n_logs > m.n_logs)
        free(tx->logs[--tx->n_logs].data);
    tx->n_xf = m.n_xf;
}

static void tx_free(txn_t *tx)
{
    tx_rollback(tx, (mark_t){0, 0, 0, 0});
    free(tx->w);
    free(tx->u);
    free(tx->logs);
    free(tx->xf);
}

static jwrite_t *find_write(txn_t *tx, const chain_addr_t *contract, const uint8_t *key,
                            uint32_t klen)
{
    for (size_t i = 0; i < tx->n_w; i++) {
        jwrite_t *w = &tx->w[i];
        if (w->klen == klen && addr_eq(&w->contract, contract) &&
            memcmp(w->key, key, klen) == 0)
            return w;
    }
    return NULL;
}

/* Looks key of contract up: the journal first, then committed storage. */
static int lookup(txn_t *tx, const chain_addr_t *contract, const uint8_t *key, uint32_t klen,
                  uint8_t *val, uint32_t *vlen, bool *found)
{
    jwrite_t *w = find_write(tx, contract, key, klen);
    if (w) {
        *found = !w->removed;
        *vlen = w->removed ? 0 : w->vlen;
        if (*vlen)
            memcpy(val, w->val, *vlen);
        return 0;
    }
    *found = false;
    *vlen = 0;
    if (!tx->env->storage_get)
        return 0;
    int rc = tx->env->storage_get(tx->env->user, contract, key, klen, val, vlen, found);
    if (!rc && !*found)
        *vlen = 0;
    if (!rc && *vlen > CHAIN_CONTRACT_MAX_VALUE)
        rc = CONTRACT_EINVAL;   /* the embedder broke its contract */
    return rc;
}

/* Sets (or removes) key of the frame's contract. *ok false when the
 * transaction has written CHAIN_CONTRACT_MAX_WRITES keys already. Returns
 * CONTRACT_ENOMEM or 0. */
static int put_write(frame_t *f, const uint8_t *key, uint32_t klen, const uint8_t *val,
                     uint32_t vlen, bool removed, bool *ok)
{
    txn_t *tx = f->tx;
    jwrite_t *w = find_write(tx, &f->self, key, klen);
    *ok = true;
    uint8_t *nv = NULL;
    if (!removed) {
        nv = malloc(vlen ? vlen : 1);
        if (!nv)
            return CONTRACT_ENOMEM;
        if (vlen)
            memcpy(nv, val, vlen);
    }
    if (!w) {
        if (tx->n_w == CHAIN_CONTRACT_MAX_WRITES) {
            free(nv);
            *ok = false;
            return 0;
        }
        uint8_t *k = malloc(klen ? klen : 1);
        if (!k || !grow((void **)&tx->w, &tx->cap_w, tx->n_w, sizeof *tx->w)) {
            free(k);
            free(nv);
            return CONTRACT_ENOMEM;
        }
        memcpy(k, key, klen);
        tx->w[tx->n_w++] = (jwrite_t){.contract = f->self, .key = k, .klen = klen, .val = nv,
                                      .vlen = removed ? 0 : vlen, .removed = removed,
                                      .frame = f->serial};
        return 0;
    }
    if (w->frame != f->serial) {
        /* first change of this entry in this frame: keep the old value */
        if (!grow((void **)&tx->u, &tx->cap_u, tx->n_u, sizeof *tx->u)) {
            free(nv);
            return CONTRACT_ENOMEM;
        }
        tx->u[tx->n_u++] = (jundo_t){(size_t)(w - tx->w), w->val, w->vlen, w->removed, w->frame};
        w->frame = f->serial;
    } else {
        free(w->val);
    }
    w->val = nv;
    w->vlen = removed ? 0 : vlen;
    w->removed = removed;
    return 0;
}

/* The balance of a as the transaction sees it now. */
static int balance_of(txn_t *tx, const chain_addr_t *a, chain_u128_t *out)
{
    chain_u128_t b = {0, 0};
    if (tx->env->balance_get) {
        int rc = tx->env->balance_get(tx->env->user, a, &b);
        if (rc)
            return rc;
    }
    /* the journal's moves were checked when made, so this cannot wrap */
    for (size_t i = 0; i < tx->n_xf; i++) {
        const chain_contract_transfer_t *x = &tx->xf[i];
        if (addr_eq(&x->to, a))
            b = chain_u128_add_sat(b, x->amount);
        if (addr_eq(&x->from, a) && !chain_u128_sub(b, x->amount, &b))
            b = (chain_u128_t){0, 0};
    }
    *out = b;
    return 0;
}

/* Moves amount from -> to in the journal; *ok false when from cannot pay,
 * to would overflow, or the transaction is at CHAIN_CONTRACT_MAX_TRANSFERS. */
static int move_value(txn_t *tx, const chain_addr_t *from, const chain_addr_t *to,
                      chain_u128_t amount, bool *ok)
{
    *ok = true;
    if (chain_u128_is_zero(amount) || addr_eq(from, to))
        return 0;
    chain_u128_t bf, bt, rest;
    int rc = balance_of(tx, from, &bf);
    if (!rc)
        rc = balance_of(tx, to, &bt);
    if (rc)
        return rc;
    if (tx->n_xf == CHAIN_CONTRACT_MAX_TRANSFERS || !chain_u128_sub(bf, amount, &rest) ||
        !chain_u128_add(bt, amount, &rest)) {
        *ok = false;
        return 0;
    }
    if (!grow((void **)&tx->xf, &tx->cap_xf, tx->n_xf, sizeof *tx->xf))
        return CONTRACT_ENOMEM;
    tx->xf[tx->n_xf++] = (chain_contract_transfer_t){*from, *to, amount};
    return 0;
}

/* ---- helpers for host functions ---- */

/* The contract's bytes [ptr, ptr+len) or NULL (the caller traps). */
static uint8_t *mem_range(awasm_ctx_t *ctx, int32_t ptr, int32_t len)
{
    awasm_memory_t *m = awasm_ctx_memory(ctx);
    if (!m || len < 0)
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

/* A callback (or allocation) failed: not the contract's fault; the whole
 * transaction run fails with rc. */
static int fatal(awasm_ctx_t *ctx, frame_t *f, int rc)
{
    if (!f->tx->io_rc)
        f->tx->io_rc = rc;
    return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "contract runtime failure (%d)", rc);
}

/* ---- host functions ----
 * The import list is built once per compiled contract, so a host function
 * finds its frame through the store's user pointer, not its own. */

static frame_t *F(awasm_ctx_t *ctx)
{
    return awasm_store_user(awasm_ctx_store(ctx));
}

static int h_storage_read(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    frame_t *f = F(ctx);
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
    int rc = lookup(f->tx, &f->self, key, (uint32_t)klen, val, &vlen, &found);
    if (rc)
        return fatal(ctx, f, rc);
    CHARGE(ctx, vlen);
    RANGE(out, ctx, a[2].of.i32, (int32_t)vlen, "storage_read value");
    if (vlen)
        memcpy(out, val, vlen);
    res[0].of.i32 = (int32_t)vlen;
    return 0;
}

static int h_storage_write(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    frame_t *f = F(ctx);
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
    int rc = lookup(f->tx, &f->self, key, (uint32_t)klen, old, &olen, &found);
    if (rc)
        return fatal(ctx, f, rc);
    if (!found)
        CHARGE(ctx, 20000);   /* a new key: the state grows */
    if ((rc = put_write(f, key, (uint32_t)klen, val, (uint32_t)vlen, false, &ok)))
        return fatal(ctx, f, rc);
    res[0].of.i32 = ok ? 0 : -1;
    return 0;
}

static int h_storage_remove(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    frame_t *f = F(ctx);
    int32_t klen = a[1].of.i32;
    CHARGE(ctx, 5000);
    if (klen < 0 || klen > CHAIN_CONTRACT_MAX_KEY) {
        res[0].of.i32 = -1;
        return 0;
    }
    RANGE(key, ctx, a[0].of.i32, klen, "storage_remove key");
    uint8_t old[CHAIN_CONTRACT_MAX_VALUE];
    uint32_t olen;
    bool found, ok = true;
    int rc = lookup(f->tx, &f->self, key, (uint32_t)klen, old, &olen, &found);
    if (rc)
        return fatal(ctx, f, rc);
    if (found && (rc = put_write(f, key, (uint32_t)klen, NULL, 0, true, &ok)))
        return fatal(ctx, f, rc);
    res[0].of.i32 = found && ok ? 1 : found ? -1 : 0;
    return 0;
}

static int add_log(awasm_ctx_t *ctx, frame_t *f, const uint8_t *topic, int32_t dptr,
                   int32_t dlen, awasm_val_t *res)
{
    txn_t *tx = f->tx;
    CHARGE(ctx, 375);
    if (dlen < 0 || dlen > CHAIN_CONTRACT_MAX_LOG_BYTES || tx->n_logs == CHAIN_CONTRACT_MAX_LOGS) {
        res[0].of.i32 = -1;
        return 0;
    }
    CHARGE(ctx, 8ull * (uint32_t)dlen);
    RANGE(data, ctx, dptr, dlen, "log data");
    uint8_t *d = malloc(dlen ? (size_t)dlen : 1);
    if (!d || !grow((void **)&tx->logs, &tx->cap_logs, tx->n_logs, sizeof *tx->logs)) {
        free(d);
        return fatal(ctx, f, CONTRACT_ENOMEM);
    }
    if (dlen)
        memcpy(d, data, (size_t)dlen);
    chain_contract_log_t *l = &tx->logs[tx->n_logs++];
    memset(l, 0, sizeof *l);
    l->contract = f->self;
    l->data = d;
    l->len = (uint32_t)dlen;
    if (topic) {
        l->has_topic = true;
        memcpy(l->topic, topic, 32);
    }
    res[0].of.i32 = 0;
    return 0;
}

static int h_emit_log(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    return add_log(ctx, F(ctx), NULL, a[0].of.i32, a[1].of.i32, res);
}

static int h_emit_event(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    RANGE(topic, ctx, a[0].of.i32, 32, "emit_event topic");
    return add_log(ctx, F(ctx), topic, a[1].of.i32, a[2].of.i32, res);
}

static int h_set_return(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    frame_t *f = F(ctx);
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
        return fatal(ctx, f, CONTRACT_ENOMEM);
    if (len)
        memcpy(n, p, (size_t)len);
    free(f->ret);
    f->ret = n;
    f->ret_len = (uint32_t)len;
    res[0].of.i32 = 0;
    return 0;
}

static int h_block_number(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)a, (void)u;
    CHARGE(ctx, 2);
    res[0].of.i64 = (int64_t)F(ctx)->tx->env->block_number;
    return 0;
}

static int h_timestamp(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)a, (void)u;
    CHARGE(ctx, 2);
    res[0].of.i64 = (int64_t)F(ctx)->tx->env->timestamp_ms;
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
    (void)res, (void)u;
    return put_bytes(ctx, a[0].of.i32, F(ctx)->caller.b, 20, "caller");
}

static int h_self_address(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res, (void)u;
    return put_bytes(ctx, a[0].of.i32, F(ctx)->self.b, 20, "self_address");
}

static int h_call_value(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res, (void)u;
    uint8_t v[16];
    chain_u128_put(v, F(ctx)->value);
    return put_bytes(ctx, a[0].of.i32, v, 16, "call_value");
}

static int h_input_len(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)a, (void)u;
    CHARGE(ctx, 2);
    res[0].of.i32 = (int32_t)F(ctx)->input_len;
    return 0;
}

static int h_input(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    frame_t *f = F(ctx);
    CHARGE(ctx, 2 + (uint64_t)f->input_len);
    RANGE(out, ctx, a[0].of.i32, (int32_t)f->input_len, "input");
    if (f->input_len)
        memcpy(out, f->input, f->input_len);
    res[0].of.i32 = (int32_t)f->input_len;
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
    (void)res, (void)u;
    frame_t *f = F(ctx);
    int32_t len = a[1].of.i32;
    if (len < 0 || len > CHAIN_CONTRACT_MAX_REASON)
        len = len < 0 ? 0 : CHAIN_CONTRACT_MAX_REASON;
    RANGE(p, ctx, a[0].of.i32, len, "revert reason");
    /* the reason is text for people: keep printable ASCII, mask the rest */
    for (int32_t i = 0; i < len; i++)
        f->reason[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    f->reason[len] = 0;
    f->reverted = true;
    return awasm_ctx_exit(ctx, 1);
}

static int h_balance(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res, (void)u;
    frame_t *f = F(ctx);
    CHARGE(ctx, CHAIN_CONTRACT_GAS_BALANCE);
    RANGE(ap, ctx, a[0].of.i32, 20, "balance address");
    RANGE(out, ctx, a[1].of.i32, 16, "balance output");
    chain_addr_t who;
    memcpy(who.b, ap, 20);
    chain_u128_t b;
    int rc = balance_of(f->tx, &who, &b);
    if (rc)
        return fatal(ctx, f, rc);
    chain_u128_put(out, b);
    return 0;
}

static int h_transfer(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    frame_t *f = F(ctx);
    CHARGE(ctx, CHAIN_CONTRACT_GAS_TRANSFER);
    RANGE(ap, ctx, a[0].of.i32, 20, "transfer address");
    RANGE(vp, ctx, a[1].of.i32, 16, "transfer amount");
    chain_addr_t to;
    memcpy(to.b, ap, 20);
    bool ok;
    int rc = move_value(f->tx, &f->self, &to, chain_u128_get(vp), &ok);
    if (rc)
        return fatal(ctx, f, rc);
    res[0].of.i32 = ok ? 1 : 0;
    return 0;
}

static int run_frame(frame_t *f, const chain_contract_t *c, const char *entry,
                     uint64_t gas_limit, outcome_t *out, err_t *e);

static int h_call_contract(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)u;
    frame_t *f = F(ctx);
    txn_t *tx = f->tx;
    int32_t in_len = a[2].of.i32;
    int64_t want = a[4].of.i64;
    res[0].of.i32 = 0;
    CHARGE(ctx, CHAIN_CONTRACT_GAS_CALL);
    if (in_len < 0 || in_len > CHAIN_MAX_INPUT_BYTES)
        return awasm_ctx_trap(ctx, AWASM_TRAP_HOST,
                              "call_contract: input of %d bytes, at most %d", in_len,
                              CHAIN_MAX_INPUT_BYTES);
    CHARGE(ctx, (uint32_t)in_len);
    RANGE(ap, ctx, a[0].of.i32, 20, "call_contract address");
    RANGE(input, ctx, a[1].of.i32, in_len, "call_contract input");
    RANGE(vp, ctx, a[3].of.i32, 16, "call_contract value");
    chain_addr_t to;
    memcpy(to.b, ap, 20);
    chain_u128_t value = chain_u128_get(vp);
    if (!chain_u128_is_zero(value))
        CHARGE(ctx, CHAIN_CONTRACT_GAS_CALL_VALUE);
    free(f->rdata);
    f->rdata = NULL;
    f->rdata_len = 0;
    if (f->depth >= CHAIN_CONTRACT_MAX_DEPTH)
        return 0;
    const chain_contract_t *code = NULL;
    int rc = tx->env->code_get ? tx->env->code_get(tx->env->user, &to, &code) : 0;
    if (rc)
        return fatal(ctx, f, rc);
    if (!code)
        return 0;   /* no contract there */
    /* the budget of linear memory left to the callee */
    awasm_memory_t *m = awasm_ctx_memory(ctx);
    uint32_t used_pages = f->pages_below + (m ? awasm_memory_pages(m) : 0);
    mark_t mk = tx_mark(tx);
    bool ok;
    outcome_t o = {.status = CHAIN_CONTRACT_REVERT};   /* the callee did not run */
    if ((rc = move_value(tx, &f->self, &to, value, &ok)) == 0 && ok) {
        uint64_t left = awasm_store_fuel(awasm_ctx_store(ctx));
        uint64_t gas = left - left / 64;
        if (want > 0 && (uint64_t)want < gas)
            gas = (uint64_t)want;
        frame_t callee = {.tx = tx, .depth = f->depth + 1, .pages_below = used_pages,
                          .self = to, .caller = f->self, .value = value, .input = input,
                          .input_len = (uint32_t)in_len};
        err_t ce = {0};
        rc = run_frame(&callee, code, "call", gas, &o, &ce);
        if (!rc && (o.status == CHAIN_CONTRACT_OK || o.status == CHAIN_CONTRACT_REVERT)) {
            f->rdata = callee.ret;
            f->rdata_len = callee.ret_len;
        } else {
            free(callee.ret);
        }
    }
    /* a callee that failed (or could not be paid) takes back all it did */
    if (rc || o.status != CHAIN_CONTRACT_OK)
        tx_rollback(tx, mk);
    if (tx->env->code_release)
        tx->env->code_release(tx->env->user, code);
    if (rc)
        return fatal(ctx, f, rc);
    /* the callee's gas is the caller's: it had at most what was left */
    CHARGE(ctx, o.gas_used);
    res[0].of.i32 = o.status == CHAIN_CONTRACT_OK;
    return 0;
}

static int h_return_data_size(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)a, (void)u;
    CHARGE(ctx, 2);
    res[0].of.i32 = (int32_t)F(ctx)->rdata_len;
    return 0;
}

static int h_return_data_copy(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *res, void *u)
{
    (void)res, (void)u;
    frame_t *f = F(ctx);
    int32_t off = a[1].of.i32, len = a[2].of.i32;
    if (off < 0 || len < 0 || (uint64_t)(uint32_t)off + (uint32_t)len > f->rdata_len)
        return awasm_ctx_trap(ctx, AWASM_TRAP_HOST,
                              "return_data_copy: bytes [%d, +%d) outside the %u bytes returned",
                              off, len, f->rdata_len);
    CHARGE(ctx, 2 + (uint64_t)(uint32_t)len);
    RANGE(dst, ctx, a[0].of.i32, len, "return_data_copy destination");
    if (len)
        memcpy(dst, f->rdata + off, (size_t)len);
    return 0;
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
    {"balance", "(ii)", h_balance},
    {"transfer", "(ii)i", h_transfer},
    {"call_contract", "(iiiiI)i", h_call_contract},
    {"return_data_size", "()i", h_return_data_size},
    {"return_data_copy", "(iii)", h_return_data_copy},
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

chain_contract_t *chain_contract_load(const char *path, err_t *e)
{
    uint8_t *code = NULL;
    size_t n = 0;
    err_t fe = {0};
    if (file_read_all(path, CHAIN_MAX_CODE_BYTES + 1, &code, &n, &fe) != 0) {
        err_set(e, fe.code ? fe.code : CONTRACT_EINVAL, "contract: %s", fe.msg);
        return NULL;
    }
    err_t ce = {0};
    chain_contract_t *c = chain_contract_compile(code, n, &ce);
    free(code);
    if (!c)
        err_set(e, ce.code, "%s: %s", path, ce.msg);
    return c;
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

void chain_contract_result_free(chain_contract_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_writes; i++) {
        free(r->writes[i].key);
        free(r->writes[i].val);
    }
    for (size_t i = 0; i < r->n_logs; i++)
        free(r->logs[i].data);
    free(r->writes);
    free(r->logs);
    free(r->transfers);
    free(r->ret);
    memset(r, 0, sizeof *r);
}

static void set_reason(outcome_t *o, uint8_t status, const char *reason)
{
    o->status = status;
    size_t n = strnlen(reason, sizeof o->reason - 1);
    memcpy(o->reason, reason, n);
    o->reason[n] = 0;
}

/* Runs entry of c as frame f with gas_limit; fills *out. The frame's
 * effects stay in the journal whatever the outcome: the caller rolls them
 * back unless OK. 0, or a fatal error (callback failure, out of memory). */
static int run_frame(frame_t *f, const chain_contract_t *c, const char *entry,
                     uint64_t gas_limit, outcome_t *out, err_t *e)
{
    txn_t *tx = f->tx;
    memset(out, 0, sizeof *out);
    f->serial = ++tx->serial;
    if (f->depth > tx->max_depth)
        tx->max_depth = f->depth;
    if (gas_limit < CHAIN_CONTRACT_GAS_BASE) {
        out->gas_used = gas_limit;
        set_reason(out, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas (below the base cost)");
        return 0;
    }
    awasm_config_t cfg = c->cfg;
    uint32_t budget = f->pages_below < CHAIN_CONTRACT_MAX_TOTAL_PAGES
                          ? CHAIN_CONTRACT_MAX_TOTAL_PAGES - f->pages_below : 0;
    if (budget < cfg.max_memory_pages)
        cfg.max_memory_pages = budget;
    awasm_store_t *s = awasm_store_new(&cfg);
    if (!s) {
        err_set(e, CONTRACT_ENOMEM, "contract: out of memory");
        return CONTRACT_ENOMEM;
    }
    awasm_store_set_user(s, f);
    uint64_t fuel = gas_limit - CHAIN_CONTRACT_GAS_BASE;
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
    out->gas_used = gas_limit - (left < fuel ? left : fuel);
    int rc = 0;
    if (tx->io_rc) {
        rc = err_set(e, tx->io_rc, "contract: a world callback failed (%d)", tx->io_rc);
    } else if (wrc == 0) {
        if (res.of.i32 == 0) {
            out->status = CHAIN_CONTRACT_OK;
        } else {
            char why[64];
            snprintf(why, sizeof why, "returned %d", res.of.i32);
            set_reason(out, CHAIN_CONTRACT_REVERT, why);
        }
    } else if (wrc == AWASM_ETRAP && awasm_store_trap(s) == AWASM_TRAP_OUT_OF_FUEL) {
        out->gas_used = gas_limit;
        set_reason(out, CHAIN_CONTRACT_OUT_OF_GAS, "out of gas");
    } else if (wrc == AWASM_ETRAP && awasm_store_trap(s) == AWASM_TRAP_EXIT && f->reverted) {
        set_reason(out, CHAIN_CONTRACT_REVERT, f->reason[0] ? f->reason : "revert");
    } else {
        set_reason(out, CHAIN_CONTRACT_TRAP, we.msg[0] ? we.msg : "trap");
    }
    awasm_store_free(s);
    free(f->rdata);
    f->rdata = NULL;
    if (out->status != CHAIN_CONTRACT_OK && out->status != CHAIN_CONTRACT_REVERT) {
        free(f->ret);
        f->ret = NULL;
        f->ret_len = 0;
    }
    return rc;
}

/* Moves the journal's net effects into r (status OK). */
static int take_effects(txn_t *tx, chain_contract_result_t *r)
{
    if (tx->n_w) {
        r->writes = calloc(tx->n_w, sizeof *r->writes);
        if (!r->writes)
            return CONTRACT_ENOMEM;
        for (size_t i = 0; i < tx->n_w; i++) {
            jwrite_t *w = &tx->w[i];
            r->writes[i] = (chain_contract_write_t){w->contract, w->key, w->val, w->klen,
                                                    w->vlen, w->removed};
            w->key = w->val = NULL;
        }
        r->n_writes = tx->n_w;
    }
    r->logs = tx->logs;
    r->n_logs = tx->n_logs;
    tx->logs = NULL;
    tx->n_logs = tx->cap_logs = 0;
    r->transfers = tx->xf;
    r->n_transfers = tx->n_xf;
    tx->xf = NULL;
    tx->n_xf = tx->cap_xf = 0;
    return 0;
}

int chain_contract_run(const chain_contract_t *c, const char *entry,
                       const chain_contract_env_t *env, chain_contract_result_t *r, err_t *e)
{
    memset(r, 0, sizeof *r);
    if (!c || !entry || !env || (env->input_len && !env->input))
        return err_set(e, CONTRACT_EINVAL, "contract: bad run arguments");
    if (env->input_len > CHAIN_MAX_INPUT_BYTES)
        return err_set(e, CONTRACT_EINVAL, "contract: input of %u bytes, at most %d",
                       env->input_len, CHAIN_MAX_INPUT_BYTES);
    awasm_export_desc_t ex;
    if (awasm_module_find_export(c->mod, entry, &ex) != 0)
        return err_set(e, CONTRACT_EINVAL, "contract: no entry point \"%s\"", entry);
    txn_t tx = {.env = env};
    frame_t f = {.tx = &tx, .depth = 1, .self = env->self, .caller = env->caller,
                 .value = env->value, .input = env->input, .input_len = env->input_len};
    outcome_t o;
    int rc = run_frame(&f, c, entry, env->gas_limit, &o, e);
    r->status = o.status;
    r->gas_used = o.gas_used;
    r->max_depth = tx.max_depth;
    memcpy(r->reason, o.reason, sizeof r->reason);
    r->ret = f.ret;
    r->ret_len = f.ret_len;
    if (!rc && o.status == CHAIN_CONTRACT_OK && take_effects(&tx, r) != 0)
        rc = err_set(e, CONTRACT_ENOMEM, "contract: out of memory");
    tx_free(&tx);
    return rc;
}

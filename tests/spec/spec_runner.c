/*
 * spec_runner: executes the WebAssembly core spec suite, as converted by
 * wabt's wast2json (../shared/testdata/wasm-spec/json/<name>/<name>.json),
 * against our engine.
 *
 * Every command kind of the suite is run: module, register, action,
 * assert_return (incl. nan:canonical / nan:arithmetic), assert_trap,
 * assert_exhaustion, assert_invalid, assert_malformed, assert_unlinkable,
 * assert_uninstantiable, for every file (the SIMD ones included; v128
 * values compare lane by lane, "nan:..." lanes as patterns). Each assertion checks the KIND of failure: a
 * malformed module must fail to decode (AWASM_EMALFORMED), an invalid one
 * to validate (AWASM_EINVALID), an unlinkable one to link (AWASM_ELINK), an
 * uninstantiable one with a trap while instantiating, assert_trap with a
 * trap and assert_exhaustion with call stack exhaustion; and the spec's
 * expected text is compared with our message or trap (see text_matches()).
 * A module file the JSON names must exist. Text-format modules (.wat files,
 * only used by assert_malformed/assert_invalid) are counted as skipped;
 * nothing else is.
 *
 * Completeness: every command of every file is counted exactly once; a file
 * whose commands are fewer than ../convert-summary.json lists for it, a file
 * the summary lists that is missing, or an empty json/ folder is a failure.
 * Prints per-file counts, the assertions apart from the module/register/
 * action commands, and ends with "N passed, N failed, N skipped" over all
 * commands; exit status 1 when anything failed, 77 (ctest's skip code) when
 * the suite is not present, unless CI=true or AETHER_STRICT=1 is set, which
 * makes a missing suite a failure.
 *
 * Usage: spec_runner [-v] [--fuel] [--deterministic] [json-dir] [name...]
 * --fuel runs everything metered (with fuel to spare), which compiles every
 * function with its fuel instructions; --deterministic turns NaN
 * canonicalisation on (the suite's nan:arithmetic results accept it).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "wasm/wasm.h"

typedef struct counts {
    long passed, failed, skipped;
    long a_passed, a_failed, a_skipped;   /* assertions only */
    long commands;                        /* commands seen in the JSON */
} counts_t;

typedef struct named {
    char *name;
    awasm_instance_t *inst;
} named_t;

typedef struct ctx {
    const char *dir;       /* the file's folder */
    const char *file;      /* json name */
    awasm_store_t *store;
    awasm_imports_t *imps;
    awasm_instance_t *current;
    named_t *named;
    size_t n_named;
    awasm_module_t **modules;  /* kept alive until the file ends */
    size_t n_modules;
    bool verbose;
    int shown;
    counts_t c;
} ctx_t;

static bool g_fuel, g_det;

static const awasm_config_t *config(void)
{
    static awasm_config_t cfg;
    static bool init;
    if (!init) {
        awasm_config_default(&cfg);
        cfg.fuel = g_fuel;
        cfg.deterministic = g_det;
        cfg.max_call_depth = 2000;
        cfg.stack_slots = 1u << 20;
        init = true;
    }
    return &cfg;
}

static void fail(ctx_t *x, json_t *cmd, const char *fmt, ...) BASE_PRINTF(3, 4);
static void fail(ctx_t *x, json_t *cmd, const char *fmt, ...)
{
    x->c.failed++;
    if (x->shown++ >= 30 && !x->verbose) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  FAIL %s:%lld: ", x->file, (long long)json_integer_value(json_object_get(cmd, "line")));
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- spectest ------------------------------------------------------------------- */

static int host_print(awasm_ctx_t *ctx, const awasm_val_t *args, awasm_val_t *results, void *user)
{
    (void)ctx; (void)args; (void)results; (void)user;
    return 0;
}

static int add_spectest(awasm_store_t *s, awasm_imports_t *imps)
{
    static const struct { const char *name, *sig; } prints[] = {
        {"print", "()"}, {"print_i32", "(i)"}, {"print_i64", "(I)"}, {"print_f32", "(f)"},
        {"print_f64", "(F)"}, {"print_i32_f32", "(if)"}, {"print_f64_f64", "(FF)"},
    };
    err_t e;
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++)
        if (awasm_imports_add_host(imps, "spectest", prints[i].name, prints[i].sig, host_print, NULL,
                                  &e))
            return -1;
    awasm_val_t v;
    memset(&v, 0, sizeof v);
    struct { const char *name; awasm_valtype_t t; } gl[] = {
        {"global_i32", AWASM_I32}, {"global_i64", AWASM_I64}, {"global_f32", AWASM_F32},
        {"global_f64", AWASM_F64}};
    for (size_t i = 0; i < 4; i++) {
        v.type = gl[i].t;
        switch ((int)gl[i].t) {
        case AWASM_I32: v.of.i32 = 666; break;
        case AWASM_I64: v.of.i64 = 666; break;
        case AWASM_F32: v.of.f32 = 666.6f; break;
        default: v.of.f64 = 666.6; break;
        }
        awasm_extern_t x = {.kind = AWASM_EXTERN_GLOBAL};
        x.of.global = awasm_global_new(s, gl[i].t, false, v, &e);
        if (!x.of.global || awasm_imports_add_extern(imps, "spectest", gl[i].name, x, &e)) return -1;
    }
    awasm_extern_t t = {.kind = AWASM_EXTERN_TABLE};
    t.of.table = awasm_table_new(s, AWASM_FUNCREF, (awasm_limits_t){10, 20, true}, &e);
    if (!t.of.table || awasm_imports_add_extern(imps, "spectest", "table", t, &e)) return -1;
    awasm_extern_t m = {.kind = AWASM_EXTERN_MEMORY};
    m.of.memory = awasm_memory_new(s, (awasm_limits_t){1, 2, true}, &e);
    if (!m.of.memory || awasm_imports_add_extern(imps, "spectest", "memory", m, &e)) return -1;
    return 0;
}

/* ---- values ----------------------------------------------------------------------- */

static awasm_valtype_t type_of(const char *s)
{
    if (!strcmp(s, "i32")) return AWASM_I32;
    if (!strcmp(s, "i64")) return AWASM_I64;
    if (!strcmp(s, "f32")) return AWASM_F32;
    if (!strcmp(s, "f64")) return AWASM_F64;
    if (!strcmp(s, "funcref")) return AWASM_FUNCREF;
    if (!strcmp(s, "externref")) return AWASM_EXTERNREF;
    if (!strcmp(s, "v128")) return AWASM_V128;
    return 0;
}

/* Lane width in bytes of a v128's lane_type, 0 when unknown. */
static int lane_bytes(const char *lt)
{
    if (!lt) return 0;
    if (!strcmp(lt, "i8")) return 1;
    if (!strcmp(lt, "i16")) return 2;
    if (!strcmp(lt, "i32") || !strcmp(lt, "f32")) return 4;
    if (!strcmp(lt, "i64") || !strcmp(lt, "f64")) return 8;
    return 0;
}

/* Parses a v128 ({"lane_type": "i32", "value": ["1", ...]}) into 16 bytes;
 * lanes that are "nan:..." patterns set nan[lane] = 1 (canonical) or 2
 * (arithmetic) when nan is given, else fail. */
static bool parse_v128(json_t *j, uint8_t out[16], uint8_t *nan)
{
    int w = lane_bytes(json_string_value(json_object_get(j, "lane_type")));
    json_t *vals = json_object_get(j, "value");
    if (!w || !json_is_array(vals) || json_array_size(vals) != (size_t)(16 / w)) return false;
    memset(out, 0, 16);
    for (int i = 0; i < 16 / w; i++) {
        const char *ls = json_string_value(json_array_get(vals, (size_t)i));
        if (!ls) return false;
        if (!strncmp(ls, "nan:", 4)) {
            if (!nan) return false;
            nan[i] = !strcmp(ls, "nan:canonical") ? 1 : 2;
            continue;
        }
        if (nan) nan[i] = 0;
        uint64_t b = strtoull(ls, NULL, 10);
        memcpy(out + i * w, &b, (size_t)w);   /* little-endian host */
    }
    return true;
}

/* Parses an argument value. externref N is the host pointer N+1 (so that
 * ref.extern 0 is not null). */
static bool parse_val(json_t *j, awasm_val_t *v)
{
    const char *ts = json_string_value(json_object_get(j, "type"));
    const char *vs = json_string_value(json_object_get(j, "value"));
    if (!ts) return false;
    memset(v, 0, sizeof *v);
    v->type = type_of(ts);
    if (!v->type) return false;
    if (v->type == AWASM_FUNCREF || v->type == AWASM_EXTERNREF) {
        if (!vs || !strcmp(vs, "null")) return true;
        if (v->type == AWASM_FUNCREF) return false;
        v->of.externref = (void *)(uintptr_t)(strtoull(vs, NULL, 10) + 1);
        return true;
    }
    if (v->type == AWASM_V128) return parse_v128(j, v->of.v128, NULL);
    if (!vs) return false;
    uint64_t bits = strtoull(vs, NULL, 10);
    switch ((int)v->type) {
    case AWASM_I32: v->of.i32 = (int32_t)(uint32_t)bits; break;
    case AWASM_I64: v->of.i64 = (int64_t)bits; break;
    case AWASM_F32: v->of.f32_bits = (uint32_t)bits; break;
    case AWASM_F64: v->of.f64_bits = bits; break;
    }
    return true;
}

static bool match_val(json_t *j, const awasm_val_t *got, char *why, size_t n)
{
    const char *ts = json_string_value(json_object_get(j, "type"));
    const char *vs = json_string_value(json_object_get(j, "value"));
    awasm_valtype_t t = ts ? type_of(ts) : 0;
    if (t != got->type) {
        snprintf(why, n, "type %s, expected %s", awasm_valtype_name(got->type), ts ? ts : "?");
        return false;
    }
    if (t == AWASM_FUNCREF || t == AWASM_EXTERNREF) {
        void *p = t == AWASM_FUNCREF ? (void *)got->of.funcref : got->of.externref;
        if (!vs) {
            if (p) return true;
            snprintf(why, n, "null reference, expected non-null");
            return false;
        }
        if (!strcmp(vs, "null")) {
            if (!p) return true;
            snprintf(why, n, "non-null reference, expected null");
            return false;
        }
        uintptr_t want = (uintptr_t)strtoull(vs, NULL, 10) + 1;
        if ((uintptr_t)p == want) return true;
        snprintf(why, n, "externref %" PRIuPTR ", expected %s", (uintptr_t)p - 1, vs);
        return false;
    }
    if (t == AWASM_V128) {
        uint8_t want[16], nan[16] = {0};
        const char *lt = json_string_value(json_object_get(j, "lane_type"));
        int w = lane_bytes(lt);
        if (!parse_v128(j, want, nan)) {
            snprintf(why, n, "unreadable expected v128");
            return false;
        }
        for (int i = 0; i < 16 / w; i++) {
            const uint8_t *g = got->of.v128 + i * w;
            bool ok;
            if (nan[i] && w == 4) {
                uint32_t b;
                memcpy(&b, g, 4);
                ok = nan[i] == 1 ? (b & 0x7fffffffu) == 0x7fc00000u
                                 : (b & 0x7f800000u) == 0x7f800000u && (b & 0x400000u);
            } else if (nan[i] && w == 8) {
                uint64_t b;
                memcpy(&b, g, 8);
                ok = nan[i] == 1 ? (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull
                                 : (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
                                       (b & 0x8000000000000ull);
            } else {
                ok = !nan[i] && memcmp(g, want + i * w, (size_t)w) == 0;
            }
            if (!ok) {
                uint64_t b = 0;
                memcpy(&b, g, (size_t)w);
                snprintf(why, n, "v128 %s lane %d is %" PRIu64 ", expected %s", lt, i, b,
                         json_string_value(json_array_get(json_object_get(j, "value"), (size_t)i)));
                return false;
            }
        }
        return true;
    }
    if (!vs) return false;
    if (t == AWASM_F32 && !strncmp(vs, "nan:", 4)) {
        uint32_t b = got->of.f32_bits;
        bool nan = (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu);
        bool ok = !strcmp(vs, "nan:canonical") ? (b & 0x7fffffffu) == 0x7fc00000u
                                               : nan && (b & 0x400000u);
        if (!ok) snprintf(why, n, "f32 bits 0x%08x, expected %s", b, vs);
        return ok;
    }
    if (t == AWASM_F64 && !strncmp(vs, "nan:", 4)) {
        uint64_t b = got->of.f64_bits;
        bool nan = (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
        bool ok = !strcmp(vs, "nan:canonical")
                      ? (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull
                      : nan && (b & 0x8000000000000ull);
        if (!ok) snprintf(why, n, "f64 bits 0x%016" PRIx64 ", expected %s", b, vs);
        return ok;
    }
    uint64_t want = strtoull(vs, NULL, 10), have = 0;
    switch ((int)t) {
    case AWASM_I32: have = (uint32_t)got->of.i32; break;
    case AWASM_I64: have = (uint64_t)got->of.i64; break;
    case AWASM_F32: have = got->of.f32_bits; break;
    case AWASM_F64: have = got->of.f64_bits; break;
    }
    if (have == want) return true;
    snprintf(why, n, "%s %" PRIu64 ", expected %s", ts, have, vs);
    return false;
}

/* ---- modules and actions -------------------------------------------------------- */

/* Reads and decodes a module file of the current folder. A missing file
 * (or a command without one) is AWASM_ENOTFOUND, never a decode error, so
 * that no assertion can pass on it. */
static awasm_module_t *load(ctx_t *x, const char *filename, err_t *e)
{
    if (!filename) {
        err_set(e, AWASM_ENOTFOUND, "command names no module file");
        return NULL;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", x->dir, filename);
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (file_read_all(path, 64u << 20, &bytes, &len, e)) {
        err_set(e, AWASM_ENOTFOUND, "module file %s is missing or unreadable", path);
        return NULL;
    }
    awasm_module_t *m = awasm_module_decode(bytes, len, config(), e);
    free(bytes);
    return m;
}

/* Whether our error message says what the spec expects. Compared for the
 * texts that name one check of the engine (below); not for the texts about
 * LEB128 integers, lengths and ends ("integer too large", "unexpected end",
 * "length out of bounds", "section size mismatch" ...): there the reference
 * interpreter and our single-pass decoder may trip over a different one of
 * several defects of the same truncated bytes, and the kind (decode error)
 * is what is checked. */
static bool text_matches(const char *want, const char *got)
{
    static const char *const compared[] = {
        "type mismatch", "unknown local", "unknown label", "unknown global", "unknown function",
        "unknown table", "unknown memory", "unknown type", "unknown data segment",
        "unknown elem segment", "alignment must not be larger than natural",
        "global is immutable", "undeclared function reference", "zero byte expected",
        "malformed UTF-8 encoding", "magic header not detected", "unknown binary version",
        "malformed section id", "too many locals", "data count section required",
        "duplicate export name", "invalid lane index", "constant expression required",
        "multiple memories", "start function", "size minimum must not be greater than maximum",
        "memory size must be at most", "malformed mutability", "malformed reference type",
        "illegal opcode", "incompatible import type", "unknown import",
        "out of bounds memory access", "out of bounds table access", "unreachable",
    };
    if (!want) return false;
    for (size_t i = 0; i < sizeof compared / sizeof compared[0]; i++)
        if (!strncmp(want, compared[i], strlen(compared[i]))) return strstr(got, want) != NULL;
    return true;
}

static const char *code_kind(int code)
{
    switch (code) {
    case AWASM_EMALFORMED: return "decode error";
    case AWASM_EINVALID: return "validation error";
    case AWASM_ELIMIT: return "limit error";
    case AWASM_ELINK: return "link error";
    case AWASM_ETRAP: return "trap";
    case AWASM_ENOTFOUND: return "missing file";
    case 0: return "success";
    default: return "other error";
    }
}

static void keep_module(ctx_t *x, awasm_module_t *m)
{
    awasm_module_t **v = realloc(x->modules, (x->n_modules + 1) * sizeof *v);
    if (!v) {
        awasm_module_free(m);
        return;
    }
    x->modules = v;
    x->modules[x->n_modules++] = m;
}

static awasm_instance_t *find_instance(ctx_t *x, json_t *name)
{
    const char *n = json_string_value(name);
    if (!n) return x->current;
    for (size_t i = x->n_named; i-- > 0;)
        if (!strcmp(x->named[i].name, n)) return x->named[i].inst;
    return NULL;
}

/* Runs an action; returns 0, AWASM_ETRAP (trap kind in *trap), or another
 * error (the action itself is broken: counted as a failure). */
static int do_action(ctx_t *x, json_t *act, awasm_val_t *results, size_t *n_results,
                     awasm_trap_kind_t *trap, err_t *e)
{
    const char *type = json_string_value(json_object_get(act, "type"));
    const char *field = json_string_value(json_object_get(act, "field"));
    awasm_instance_t *inst = find_instance(x, json_object_get(act, "module"));
    *trap = AWASM_TRAP_NONE;
    if (!inst || !field || !type) return err_set(e, AWASM_EARG, "no such module or field");
    awasm_extern_t item;
    size_t flen = json_string_length(json_object_get(act, "field"));
    if (awasm_instance_export_n(inst, field, flen, &item))
        return err_set(e, AWASM_ENOTFOUND, "no export %s", field);
    if (!strcmp(type, "get")) {
        if (item.kind != AWASM_EXTERN_GLOBAL) return err_set(e, AWASM_ENOTFOUND, "no global %s", field);
        results[0] = awasm_global_get(item.of.global);
        *n_results = 1;
        return 0;
    }
    if (item.kind != AWASM_EXTERN_FUNC) return err_set(e, AWASM_ENOTFOUND, "no function %s", field);
    awasm_func_t *f = item.of.func;
    json_t *args = json_object_get(act, "args");
    size_t n = json_array_size(args);
    awasm_val_t av[64];
    if (n > 64) return err_set(e, AWASM_EARG, "too many args");
    for (size_t i = 0; i < n; i++)
        if (!parse_val(json_array_get(args, i), &av[i])) return err_set(e, AWASM_EARG, "bad arg");
    awasm_functype_t ft = awasm_func_type(f);
    if (ft.n_results > 64) return err_set(e, AWASM_EARG, "too many results");
    *n_results = ft.n_results;
    awasm_store_set_fuel(x->store, UINT64_MAX / 2);
    int rc = awasm_func_call(x->store, f, av, n, results, ft.n_results, e);
    if (rc == AWASM_ETRAP) *trap = awasm_store_trap(x->store);
    return rc;
}

static void cmd_module(ctx_t *x, json_t *cmd)
{
    err_t e;
    err_clear(&e);
    awasm_module_t *m = load(x, json_string_value(json_object_get(cmd, "filename")), &e);
    if (!m) {
        fail(x, cmd, "module did not load: %s", e.msg);
        x->current = NULL;
        return;
    }
    keep_module(x, m);
    awasm_instance_t *inst = awasm_instance_new(x->store, m, x->imps, &e);
    if (!inst) {
        fail(x, cmd, "module did not instantiate: %s", e.msg);
        x->current = NULL;
        return;
    }
    x->current = inst;
    const char *name = json_string_value(json_object_get(cmd, "name"));
    if (name) {
        named_t *v = realloc(x->named, (x->n_named + 1) * sizeof *v);
        if (v) {
            x->named = v;
            x->named[x->n_named].name = strdup(name);
            x->named[x->n_named].inst = inst;
            x->n_named++;
        }
    }
    x->c.passed++;
}

static void run_command1(ctx_t *x, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    err_t e;
    err_clear(&e);
    if (!type) {
        fail(x, cmd, "command without type");
        return;
    }
    if (!strcmp(type, "module")) {
        cmd_module(x, cmd);
    } else if (!strcmp(type, "register")) {
        awasm_instance_t *inst = find_instance(x, json_object_get(cmd, "name"));
        const char *as = json_string_value(json_object_get(cmd, "as"));
        if (!inst || !as || awasm_imports_add_instance(x->imps, as, inst, &e)) {
            fail(x, cmd, "register failed");
            return;
        }
        x->c.passed++;
    } else if (!strcmp(type, "action") || !strcmp(type, "assert_return")) {
        awasm_val_t res[64];
        size_t nres = 0;
        awasm_trap_kind_t trap;
        if (do_action(x, json_object_get(cmd, "action"), res, &nres, &trap, &e)) {
            fail(x, cmd, "%s: %s", type, e.msg);
            return;
        }
        if (!strcmp(type, "assert_return")) {
            json_t *exp = json_object_get(cmd, "expected");
            if (json_array_size(exp) != nres) {
                fail(x, cmd, "got %zu results, expected %zu", nres, json_array_size(exp));
                return;
            }
            for (size_t i = 0; i < nres; i++) {
                char why[160];
                if (!match_val(json_array_get(exp, i), &res[i], why, sizeof why)) {
                    fail(x, cmd, "result %zu: %s", i, why);
                    return;
                }
            }
        }
        x->c.passed++;
    } else if (!strcmp(type, "assert_trap") || !strcmp(type, "assert_exhaustion")) {
        awasm_val_t res[64];
        size_t nres = 0;
        awasm_trap_kind_t trap;
        int rc = do_action(x, json_object_get(cmd, "action"), res, &nres, &trap, &e);
        const char *want = json_string_value(json_object_get(cmd, "text"));
        if (rc != AWASM_ETRAP) {
            fail(x, cmd, "expected trap \"%s\", got %s", want ? want : "?",
                 rc ? e.msg : "a normal return");
            return;
        }
        const char *got = awasm_trap_kind_str(trap);
        bool exhaustion = !strcmp(type, "assert_exhaustion");
        if (exhaustion != (trap == AWASM_TRAP_STACK_EXHAUSTED)) {
            fail(x, cmd, "%s: trap \"%s\"", type, got);
            return;
        }
        /* the suite says "undefined element" for a call_indirect index past
         * the table's end: our out-of-bounds table access */
        bool alias = want && trap == AWASM_TRAP_OOB_TABLE && !strncmp(want, "undefined element", 17);
        if (!want || (!alias && strncmp(want, got, strlen(got)) != 0)) {
            fail(x, cmd, "trap \"%s\", expected \"%s\"", got, want ? want : "?");
            return;
        }
        x->c.passed++;
    } else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed")) {
        const char *mt = json_string_value(json_object_get(cmd, "module_type"));
        const char *want = json_string_value(json_object_get(cmd, "text"));
        if (mt && strcmp(mt, "binary") != 0) {
            x->c.skipped++;
            return;
        }
        awasm_module_t *m = load(x, json_string_value(json_object_get(cmd, "filename")), &e);
        if (m) {
            awasm_module_free(m);
            fail(x, cmd, "%s module loaded (expected \"%s\")", type, want ? want : "?");
            return;
        }
        int kind = !strcmp(type, "assert_invalid") ? AWASM_EINVALID : AWASM_EMALFORMED;
        if (e.code != kind) {
            fail(x, cmd, "%s: got a %s (%s), expected a %s \"%s\"", type, code_kind(e.code), e.msg,
                 code_kind(kind), want ? want : "?");
            return;
        }
        if (!text_matches(want, e.msg)) {
            fail(x, cmd, "%s: message \"%s\" does not say \"%s\"", type, e.msg, want ? want : "?");
            return;
        }
        if (x->verbose) fprintf(stderr, "  ok %s: want \"%s\", got %s\n", type, want, e.msg);
        x->c.passed++;
    } else if (!strcmp(type, "assert_unlinkable") || !strcmp(type, "assert_uninstantiable")) {
        const char *want = json_string_value(json_object_get(cmd, "text"));
        awasm_module_t *m = load(x, json_string_value(json_object_get(cmd, "filename")), &e);
        if (!m) {
            fail(x, cmd, "%s module did not load: %s", type, e.msg);
            return;
        }
        keep_module(x, m);
        awasm_instance_t *inst = awasm_instance_new(x->store, m, x->imps, &e);
        if (inst) {
            fail(x, cmd, "%s module instantiated", type);
            return;
        }
        bool unlink = !strcmp(type, "assert_unlinkable");
        int kind = unlink ? AWASM_ELINK : AWASM_ETRAP;
        if (e.code != kind) {
            fail(x, cmd, "%s: got a %s (%s), expected a %s", type, code_kind(e.code), e.msg,
                 code_kind(kind));
            return;
        }
        const char *got = unlink ? e.msg : awasm_trap_kind_str(awasm_store_trap(x->store));
        if (!text_matches(want, got)) {
            fail(x, cmd, "%s: \"%s\" does not say \"%s\"", type, got, want ? want : "?");
            return;
        }
        x->c.passed++;
    } else {
        fail(x, cmd, "unknown command %s", type);
    }
}

static bool is_assertion(const char *type)
{
    return type && strncmp(type, "assert_", 7) == 0;
}

/* Runs one command and counts it exactly once (assertions also apart). */
static void run_command(ctx_t *x, json_t *cmd)
{
    counts_t before = x->c;
    run_command1(x, cmd);
    long dp = x->c.passed - before.passed, df = x->c.failed - before.failed,
         ds = x->c.skipped - before.skipped;
    if (dp + df + ds != 1) {
        /* never happens by construction; if it did, it must not pass */
        x->c = before;
        fail(x, cmd, "command counted %ld times", dp + df + ds);
        df = 1;
        dp = ds = 0;
    }
    x->c.commands++;
    if (is_assertion(json_string_value(json_object_get(cmd, "type")))) {
        x->c.a_passed += dp;
        x->c.a_failed += df;
        x->c.a_skipped += ds;
    }
}

/* ../convert-summary.json: per .wast file the command counts wast2json
 * wrote; NULL when absent (then only the files' own lists count). */
static json_t *g_summary;

static long summary_count(const char *name)
{
    for (size_t i = 0; i < json_array_size(g_summary); i++) {
        json_t *f = json_array_get(g_summary, i);
        const char *fn = json_string_value(json_object_get(f, "file"));
        size_t n = strlen(name);
        if (!fn || strncmp(fn, name, n) != 0 || strcmp(fn + n, ".wast") != 0) continue;
        long total = 0;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(f, "counts"), k, v) total += (long)json_integer_value(v);
        return total;
    }
    return -1;
}

static counts_t run_file(const char *root, const char *name, bool verbose)
{
    ctx_t x;
    memset(&x, 0, sizeof x);
    char dir[4096], path[4400];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    x.dir = dir;
    x.file = name;
    x.verbose = verbose;
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_ALLOW_NUL, &je);
    json_t *cmds = json_object_get(doc, "commands");
    if (!doc || !json_is_array(cmds)) {
        fprintf(stderr, "  FAIL %s: cannot read %s: %s\n", name, path, je.text);
        x.c.failed++;
        json_decref(doc);
        return x.c;
    }
    long listed = summary_count(name);
    if (g_summary && (listed < 0 || (long)json_array_size(cmds) < listed)) {
        fprintf(stderr, "  FAIL %s: %zu commands, the suite's summary lists %ld\n", name,
                json_array_size(cmds), listed);
        x.c.failed += listed > (long)json_array_size(cmds) ? listed - (long)json_array_size(cmds) : 1;
    }
    x.store = awasm_store_new(config());
    x.imps = awasm_imports_new();
    if (x.store) awasm_store_set_fuel(x.store, UINT64_MAX / 2);   /* start functions */
    if (!x.store || !x.imps || add_spectest(x.store, x.imps)) {
        fprintf(stderr, "  FAIL %s: cannot set up the store\n", name);
        x.c.failed++;
    } else {
        for (size_t i = 0; i < json_array_size(cmds); i++) run_command(&x, json_array_get(cmds, i));
        if (x.c.commands != (long)json_array_size(cmds)) {
            fprintf(stderr, "  FAIL %s: ran %ld of %zu commands\n", name, x.c.commands,
                    json_array_size(cmds));
            x.c.failed++;
        }
    }
    awasm_imports_free(x.imps);
    awasm_store_free(x.store);
    for (size_t i = 0; i < x.n_modules; i++) awasm_module_free(x.modules[i]);
    free(x.modules);
    for (size_t i = 0; i < x.n_named; i++) free(x.named[i].name);
    free(x.named);
    json_decref(doc);
    return x.c;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    bool verbose = false;
    int ai = 1;
    for (; ai < argc && argv[ai][0] == '-'; ai++) {
        if (!strcmp(argv[ai], "-v")) verbose = true;
        else if (!strcmp(argv[ai], "--fuel")) g_fuel = true;
        else if (!strcmp(argv[ai], "--deterministic")) g_det = true;
        else {
            fprintf(stderr, "spec_runner: unknown option %s\n", argv[ai]);
            return 2;
        }
    }
    char root[2048];
    if (ai < argc && strchr(argv[ai], '/')) {
        snprintf(root, sizeof root, "%s", argv[ai++]);
    } else {
        const char *shared = getenv("AETHER_SHARED");
        snprintf(root, sizeof root, "%.1900s/testdata/wasm-spec/json", shared ? shared : "../shared");
    }
    bool strict = (getenv("CI") && !strcmp(getenv("CI"), "true")) ||
                  (getenv("AETHER_STRICT") && !strcmp(getenv("AETHER_STRICT"), "1"));
    DIR *d = opendir(root);
    if (!d) {
        if (strict) {
            printf("FAIL: spec suite not found at %s (%s); required with CI=true or "
                   "AETHER_STRICT=1\n", root, strerror(errno));
            return 1;
        }
        printf("SKIP: spec suite not found at %s (%s)\n", root, strerror(errno));
        return 77;
    }
    char sumpath[2200];
    snprintf(sumpath, sizeof sumpath, "%s/../convert-summary.json", root);
    g_summary = json_load_file(sumpath, 0, NULL);
    if (g_summary && !json_is_array(g_summary)) {
        json_decref(g_summary);
        g_summary = NULL;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char **v = realloc(names, (n + 1) * sizeof *v);
        if (!v) break;
        names = v;
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    counts_t total;
    memset(&total, 0, sizeof total);
    size_t ran = 0;
    for (size_t i = 0; i < n; i++) {
        bool want = ai >= argc;
        for (int k = ai; k < argc; k++)
            if (!strcmp(argv[k], names[i])) want = true;
        if (want) {
            counts_t c = run_file(root, names[i], verbose);
            ran++;
            printf("%-36s %6ld passed, %4ld failed, %5ld skipped\n", names[i], c.passed, c.failed,
                   c.skipped);
            total.passed += c.passed;
            total.failed += c.failed;
            total.skipped += c.skipped;
            total.a_passed += c.a_passed;
            total.a_failed += c.a_failed;
            total.a_skipped += c.a_skipped;
            total.commands += c.commands;
        }
    }
    /* every file of the suite's summary must be there (when all are run) */
    if (ai >= argc) {
        for (size_t i = 0; i < json_array_size(g_summary); i++) {
            const char *fn = json_string_value(json_object_get(json_array_get(g_summary, i), "file"));
            if (!fn) continue;
            size_t len = strlen(fn);
            bool found = false;
            for (size_t k = 0; k < n && !found; k++)
                found = len > 5 && strlen(names[k]) == len - 5 && !strncmp(names[k], fn, len - 5);
            if (!found) {
                fprintf(stderr, "  FAIL %s: listed in the suite's summary but missing\n", fn);
                total.failed++;
            }
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    json_decref(g_summary);
    if (ran == 0) {
        fprintf(stderr, "  FAIL: no spec files to run in %s\n", root);
        total.failed++;
    }
    printf("assertions: %ld passed, %ld failed, %ld skipped (module/register/action commands: %ld)\n",
           total.a_passed, total.a_failed, total.a_skipped,
           total.commands - total.a_passed - total.a_failed - total.a_skipped);
    printf("%ld passed, %ld failed, %ld skipped\n", total.passed, total.failed, total.skipped);
    return total.failed ? 1 : 0;
}

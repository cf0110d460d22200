/* plasmd wasm: validate a module, or invoke one of its exports.
 *
 *   plasmd wasm validate module.wasm
 *   plasmd wasm run module.wasm --invoke NAME [ARGS...] [--fuel N]
 *
 * Arguments are parsed by the export's signature (integers in decimal or
 * 0x hex, floats as C reads them incl. nan/inf, references only as null);
 * results print one per line as `type:value`. Exit codes: 0 ok/valid,
 * 1 trap, invalid module or link failure, 2 usage or malformed input. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"
#include "plasmd_cmds.h"
#include "wasm/wasm.h"

#define MAX_MODULE (256u << 20)

static const char validate_usage[] =
    "Usage: plasmd wasm validate module.wasm\n"
    "\n"
    "Decodes and validates a WebAssembly binary module. Prints \"valid\" (exit 0), or\n"
    "what is wrong: invalid (exit 1) or malformed (exit 2).\n";

static const char run_usage[] =
    "Usage: plasmd wasm run module.wasm --invoke NAME [ARGS...] [--fuel N]\n"
    "                       [--v128-shape i8x16|i16x8|i32x4|i64x2|f32x4|f64x2]\n"
    "\n"
    "Instantiates the module (it may not import anything) and calls the export NAME\n"
    "with ARGS parsed by its signature. Results print one per line as type:value\n"
    "(i32:5). A v128 argument is one word in the spec's text form, shape and lanes:\n"
    "'i32x4 1 2 3 4'; a v128 result prints in that form too (v128:i32x4 1 2 3 4), in\n"
    "the shape of --v128-shape (default i32x4). With --fuel N execution is metered:\n"
    "out of fuel is a trap, and the fuel used is printed to stderr. A trap prints its\n"
    "kind and exits 1.\n";

static int load(const char *prog, const char *path, const awasm_config_t *cfg, awasm_module_t **out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    err_t e;
    if (file_read_all(path, MAX_MODULE, &bytes, &len, &e))
        return cli_error(prog, CLI_USAGE, "%s: %s", path, e.msg);
    *out = awasm_module_decode(bytes, len, cfg, &e);
    free(bytes);
    if (!*out) {
        const char *what = e.code == AWASM_EMALFORMED ? "malformed" : "invalid";
        return cli_error(prog, e.code == AWASM_EMALFORMED ? CLI_USAGE : CLI_FAIL, "%s: %s module: %s",
                         path, what, e.msg);
    }
    return CLI_OK;
}

static int cmd_validate(int argc, char **argv)
{
    const char *prog = "plasmd wasm validate";
    if (cli_wants_help(argc, argv, validate_usage)) return CLI_OK;
    if (argc != 2) return cli_usage_error(prog, "expected exactly one module file");
    if (argv[1][0] == '-' && argv[1][1]) return cli_usage_error(prog, "unknown option '%s'", argv[1]);
    awasm_module_t *m = NULL;
    int rc = load(prog, argv[1], NULL, &m);
    if (rc) return rc;
    printf("valid\n");
    awasm_module_free(m);
    return CLI_OK;
}

static bool parse_arg(const char *s, awasm_valtype_t t, awasm_val_t *v)
{
    char *end = NULL;
    memset(v, 0, sizeof *v);
    v->type = t;
    errno = 0;
    switch ((int)t) {
    case AWASM_I32: case AWASM_I64: {
        bool neg = s[0] == '-';
        unsigned long long u = strtoull(neg ? s + 1 : s, &end, 0);
        if (errno || end == s || *end || !isdigit((unsigned char)s[neg ? 1 : 0])) return false;
        if (t == AWASM_I32) {
            if (neg ? u > 0x80000000ull : u > 0xffffffffull) return false;
            v->of.i32 = (int32_t)(neg ? (uint32_t)(0u - (uint32_t)u) : (uint32_t)u);
        } else {
            if (neg && u > 0x8000000000000000ull) return false;
            v->of.i64 = (int64_t)(neg ? 0ull - u : u);
        }
        return true;
    }
    case AWASM_F32:
        v->of.f32 = strtof(s, &end);
        return end != s && !*end;
    case AWASM_F64:
        v->of.f64 = strtod(s, &end);
        return end != s && !*end;
    case AWASM_FUNCREF: case AWASM_EXTERNREF:
        return strcmp(s, "null") == 0;
    case AWASM_V128:
        return awasm_v128_parse(s, v->of.v128, NULL) == 0;
    default:
        return false;
    }
}

static void print_val(const awasm_val_t *v, const char *shape)
{
    char text[AWASM_V128_TEXT_MAX];
    switch ((int)v->type) {
    case AWASM_V128:
        if (awasm_v128_format(v->of.v128, shape, text, sizeof text) == 0) printf("v128:%s\n", text);
        break;
    case AWASM_I32: printf("i32:%" PRId32 "\n", v->of.i32); break;
    case AWASM_I64: printf("i64:%" PRId64 "\n", v->of.i64); break;
    case AWASM_F32:
        if (isnan(v->of.f32)) printf("f32:nan:0x%08" PRIx32 "\n", v->of.f32_bits);
        else printf("f32:%.9g\n", (double)v->of.f32);
        break;
    case AWASM_F64:
        if (isnan(v->of.f64)) printf("f64:nan:0x%016" PRIx64 "\n", v->of.f64_bits);
        else printf("f64:%.17g\n", v->of.f64);
        break;
    case AWASM_FUNCREF: printf("funcref:%s\n", v->of.funcref ? "func" : "null"); break;
    case AWASM_EXTERNREF: printf("externref:%s\n", v->of.externref ? "extern" : "null"); break;
    default: printf("%s:?\n", awasm_valtype_name(v->type)); break;
    }
}

/* A positional argument may be a negative number ("-5", "-inf", "-0.5"). */
static bool looks_negative(const char *s)
{
    return s[0] == '-' && (isdigit((unsigned char)s[1]) || s[1] == '.' || !strncmp(s + 1, "inf", 3) ||
                           !strncmp(s + 1, "nan", 3));
}

static int cmd_run(int argc, char **argv)
{
    const char *prog = "plasmd wasm run";
    if (cli_wants_help(argc, argv, run_usage)) return CLI_OK;
    const char *path = NULL, *name = NULL;
    bool metered = false;
    uint64_t fuel = 0;
    const char *shape = "i32x4";
    const char **args = calloc((size_t)argc, sizeof *args);
    size_t n_args = 0;
    bool opts_done = false;
    int rc = CLI_OK;
    if (!args) return cli_error(prog, CLI_FAIL, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && a[0] == '-' && a[1] && !looks_negative(a)) {
            const char *val = NULL;
            if (!strcmp(a, "--")) { opts_done = true; continue; }
            if (!strncmp(a, "--invoke=", 9)) val = a + 9;
            else if (!strncmp(a, "--fuel=", 7)) val = a + 7;
            else if (!strncmp(a, "--v128-shape=", 13)) val = a + 13;
            else if (!strcmp(a, "--invoke") || !strcmp(a, "--fuel") || !strcmp(a, "--v128-shape")) {
                if (i + 1 >= argc) { rc = cli_usage_error(prog, "option '%s' needs a value", a); goto out; }
                val = argv[++i];
            } else {
                rc = cli_usage_error(prog, "unknown option '%s'", a);
                goto out;
            }
            if (!strncmp(a, "--invoke", 8)) {
                name = val;
            } else if (!strncmp(a, "--v128-shape", 12)) {
                static const uint8_t zero[16];
                char probe[AWASM_V128_TEXT_MAX];
                if (awasm_v128_format(zero, val, probe, sizeof probe)) {
                    rc = cli_usage_error(prog, "--v128-shape must be i8x16, i16x8, i32x4, i64x2, f32x4 "
                                         "or f64x2, not '%s'", val);
                    goto out;
                }
                shape = val;
            } else if (!cli_parse_u64(val, &fuel)) {
                rc = cli_usage_error(prog, "--fuel needs a non-negative integer, not '%s'", val);
                goto out;
            } else {
                metered = true;
            }
            continue;
        }
        if (!path) path = a;
        else args[n_args++] = a;
    }
    if (!path) { rc = cli_usage_error(prog, "no module file given"); goto out; }
    if (!name) { rc = cli_usage_error(prog, "--invoke NAME is required"); goto out; }

    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.fuel = metered;
    awasm_module_t *m = NULL;
    awasm_store_t *s = NULL;
    awasm_val_t *av = NULL, *rv = NULL;
    rc = load(prog, path, &cfg, &m);
    if (rc) goto out;
    awasm_export_desc_t ex;
    if (awasm_module_find_export(m, name, &ex) || ex.kind != AWASM_EXTERN_FUNC) {
        rc = cli_error(prog, CLI_USAGE, "%s: no exported function \"%s\"", path, name);
        goto done;
    }
    if (n_args != ex.func.n_params) {
        rc = cli_usage_error(prog, "\"%s\" takes %u arguments, %zu given", name, ex.func.n_params,
                             n_args);
        goto done;
    }
    av = calloc(n_args + 1, sizeof *av);
    rv = calloc((size_t)ex.func.n_results + 1, sizeof *rv);
    if (!av || !rv) { rc = cli_error(prog, CLI_FAIL, "out of memory"); goto done; }
    for (size_t i = 0; i < n_args; i++)
        if (!parse_arg(args[i], ex.func.params[i], &av[i])) {
            rc = cli_usage_error(prog, "argument %zu: '%s' is not a valid %s", i + 1, args[i],
                                 awasm_valtype_name(ex.func.params[i]));
            goto done;
        }
    s = awasm_store_new(&cfg);
    if (!s) { rc = cli_error(prog, CLI_FAIL, "out of memory"); goto done; }
    awasm_store_set_fuel(s, fuel);
    err_t e;
    awasm_instance_t *inst = awasm_instance_new(s, m, NULL, &e);
    if (!inst) {
        rc = cli_error(prog, CLI_FAIL, "%s: cannot instantiate: %s", path, e.msg);
        goto done;
    }
    int crc = awasm_instance_call(inst, name, av, n_args, rv, ex.func.n_results, &e);
    if (metered) fprintf(stderr, "fuel used: %" PRIu64 "\n", fuel - awasm_store_fuel(s));
    if (crc == AWASM_ETRAP) {
        fprintf(stderr, "trap: %s\n", awasm_trap_kind_str(awasm_store_trap(s)));
        rc = CLI_FAIL;
        goto done;
    }
    if (crc) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
        goto done;
    }
    for (uint32_t i = 0; i < ex.func.n_results; i++) print_val(&rv[i], shape);
done:
    free(av);
    free(rv);
    awasm_store_free(s);
    awasm_module_free(m);
out:
    free(args);
    return rc;
}

static const char wasm_usage[] =
    "Usage: plasmd wasm <command> [args]\n"
    "\n"
    "The WebAssembly engine: check modules and call their exports.\n";

static const cli_cmd_t wasm_cmds[] = {
    {"validate", cmd_validate, "decode and validate a module"},
    {"run", cmd_run, "call an exported function: run module.wasm --invoke NAME [ARGS...]"},
    {NULL, NULL, NULL},
};

int plasmd_wasm(int argc, char **argv)
{
    return cli_dispatch("plasmd wasm", wasm_usage, wasm_cmds, argc, argv);
}

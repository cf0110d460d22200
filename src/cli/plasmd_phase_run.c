/* plasmd run and plasmd execute-job: run a wasm32-wasi module locally through
 * the Phase worker (src/phase/worker.c), optionally signing a receipt. */
#include "cli.h"
#include "plasmd_cmds.h"

#include "crypto/crypto.h"
#include "phase/phase.h"
#include "wasm/wasm.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODULE_MAX (256u << 20)
#define MAX_ENV 1024
#define MAX_ALLOW 64

static const char run_usage[] =
    "Usage: plasmd run [--quiet] [--fuel N] [--memory BYTES] [--timeout MS]\n"
    "                  [--receipt FILE [--events FILE]] [--env K=V]... [--seed HEX]\n"
    "                  [--deterministic]\n"
    "                  MODULE.wasm [ARGS...]\n"
    "       plasmd run --manifest FILE [--allow HEX]... [--allow-unauthenticated]\n"
    "                  [same options] [ARGS...]\n"
    "\n"
    "Runs a WASI command module as a sandboxed job: stdin goes to the job, its\n"
    "stdout and stderr are captured and written through, and plasmd exits with\n"
    "the job's exit code. The job sees only ARGS (argv[0] is the module name),\n"
    "the --env variables and no files at all.\n"
    "\n"
    "  -q, --quiet        print nothing but the job's own output\n"
    "  --fuel N           stop after N units of fuel (about one per instruction)\n"
    "  --memory BYTES     cap linear memory (rounded down to 64 KiB pages) and,\n"
    "                     apart from it, the tables, globals and functions the\n"
    "                     module makes plasmd hold\n"
    "  --timeout MS       stop after MS milliseconds of wall-clock time\n"
    "  --receipt FILE     write a SignedReceipt<JobResult> (v1) signed by the node\n"
    "                     identity; its commitment covers the real stdout/stderr\n"
    "  --events FILE      with --receipt: also write the job's JobEvent stream\n"
    "                     (Output chunks, then Final) for 'plasmd verify --events'\n"
    "  --env K=V          set an environment variable for the job (repeatable)\n"
    "  --seed HEX         32-byte seed: random_get becomes reproducible\n"
    "  --deterministic    same input, same output: virtual clocks (from 1970),\n"
    "                     seeded random_get (--seed, else zeros), canonical NaNs\n"
    "  --manifest FILE    run the wasm JobSpec of a SignedManifest v1 as upstream's\n"
    "                     worker does: verify it, authorise its signer, clamp its\n"
    "                     max_duration_ms / max_memory_bytes to --timeout / --memory\n"
    "                     (default ceilings 300 s, 128 MiB); the receipt's job_id is\n"
    "                     the manifest's JobId\n"
    "  --allow HEX        authorise this signer key (repeatable; the node's own key\n"
    "                     is always authorised, every other key is denied)\n"
    "  --allow-unauthenticated  authorise any validly signed manifest\n"
    "\n"
    "Exit status: the job's exit code (proc_exit(n) gives n; codes above 255\n"
    "give 1), 1 when the job trapped or hit --memory or another limit at\n"
    "instantiation, 2 for a malformed or non-WASI module (including one past\n"
    "a decoding limit), a malformed manifest or bad usage,\n"
    "1 for a manifest that is invalid, expired, not authorised or not wasm,\n"
    "124 when --timeout stopped it, 125 when it ran out of --fuel.\n";

static int load_module(const char *prog, const char *path, uint8_t **data, size_t *len)
{
    err_t e = {0};
    if (file_read_all(path, MODULE_MAX, data, len, &e) != BASE_OK)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    return CLI_OK;
}

/* Writes text + "\n" to path atomically. */
static int write_text(const char *prog, const char *what, const char *path, const char *text)
{
    err_t e = {0};
    buf_t b;
    buf_init(&b, 0);
    buf_append_str(&b, text);
    buf_append_byte(&b, '\n');
    int rc = CLI_OK;
    if (!buf_ok(&b) || file_write_atomic(path, b.data, b.len, 0644, false, &e) != BASE_OK)
        rc = cli_error(prog, CLI_FAIL, "cannot write the %s: %s", what,
                       e.msg[0] ? e.msg : "out of memory");
    buf_free(&b);
    return rc;
}

/* --events: the job's JobEvent stream (Output chunks, then Final). */
static int write_events(const char *prog, const phase_job_outcome_t *out, const json_t *result,
                        const char *path)
{
    err_t e = {0};
    if (phase_job_events_write(path, out, result, &e) != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "cannot write the events: %s", e.msg);
    return CLI_OK;
}

/* The node identity (created on first use) that signs receipts. */
static int load_node_identity(const char *prog, phase_identity_t *id)
{
    char id_path[4096];
    err_t e = {0};
    if (phase_identity_path(id_path, sizeof id_path, &e) != PHASE_OK ||
        phase_identity_load_or_create(id_path, id, NULL, &e) != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    return CLI_OK;
}

static void report(const char *prog, const char *path, const phase_job_outcome_t *out,
                   const phase_job_opts_t *o, bool quiet)
{
    switch (out->status) {
    case PHASE_JOB_EXITED:
        if (!quiet)
            fprintf(stderr, "%s: %s exited with code %d in %llu ms\n", prog, path,
                    (int)out->exit_code, (unsigned long long)out->wall_ms);
        break;
    case PHASE_JOB_OUT_OF_FUEL:
        fprintf(stderr, "%s: %s: job ran out of fuel (--fuel %llu)\n", prog, path,
                (unsigned long long)o->fuel);
        break;
    case PHASE_JOB_TIMEOUT:
        fprintf(stderr, "%s: %s: job %s (--timeout)\n", prog, path, out->message);
        break;
    case PHASE_JOB_TRAP:
    case PHASE_JOB_CANCELLED: /* plasmd run never sets opts.cancel */
        fprintf(stderr, "%s: %s: job failed: %s\n", prog, path, out->message);
        break;
    case PHASE_JOB_LOAD_ERROR:
        fprintf(stderr, "%s: %s: cannot load the module: %s\n", prog, path, out->message);
        break;
    }
    if (out->output_truncated)
        fprintf(stderr, "%s: %s: output cap reached; later writes failed with EFBIG\n", prog,
                path);
}

typedef struct run_ctx {
    const char *prog;
    const char *manifest;
    const char *receipt;
    const char *events;
    uint8_t (*allowed)[PHASE_PK_BYTES];
    size_t n_allowed;
    bool allow_any;
    bool quiet;
    const char **env;
    size_t n_env;
    const char *const *args;
    size_t n_args;
} run_ctx_t;

static int write_receipt(const char *prog, const phase_receipt_t *r, const char *path)
{
    err_t e = {0};
    char *json = phase_receipt_to_json(r, &e);
    if (!json)
        return cli_error(prog, CLI_FAIL, "cannot encode the receipt: %s", e.msg);
    int rc = write_text(prog, "receipt", path, json);
    free(json);
    return rc;
}

/* --receipt FILE [--events FILE]: writes what phase signed; a failure turns
 * a successful job's status into 1. */
static int write_outputs(const char *prog, const phase_receipt_t *r,
                         const phase_job_outcome_t *out, const char *receipt,
                         const char *events, int status)
{
    if (receipt && (write_receipt(prog, r, receipt) != CLI_OK ||
                    (events && write_events(prog, out, r->result, events) != CLI_OK)) &&
        status == 0)
        return CLI_FAIL;
    return status;
}

/* plasmd run --manifest: upstream's worker path over a SignedManifest. */
static int run_manifest(const run_ctx_t *c, phase_job_opts_t *o)
{
    uint8_t *data = NULL;
    size_t len = 0;
    err_t e = {0};
    if (file_read_all(c->manifest, PHASE_JSON_MAX, &data, &len, &e) != BASE_OK)
        return cli_error(c->prog, CLI_USAGE, "%s", e.msg);
    phase_manifest_t m;
    int rc = phase_manifest_parse((const char *)data, len, &m, &e);
    free(data);
    if (rc != PHASE_OK)
        return cli_error(c->prog, CLI_USAGE, "%s: %s", c->manifest, e.msg);
    phase_identity_t id;
    if ((rc = load_node_identity(c->prog, &id)) != CLI_OK) {
        phase_manifest_free(&m);
        return rc;
    }
    /* The node's own key is always authorised. */
    memcpy(c->allowed[c->n_allowed], id.pk, PHASE_PK_BYTES);
    phase_worker_policy_t policy = {
        .allowed = (const uint8_t(*)[PHASE_PK_BYTES])c->allowed,
        .n_allowed = c->n_allowed + 1,
        .allow_unauthenticated = c->allow_any,
        .max_duration_ms = o->timeout_ms,
        .max_memory_bytes = o->memory_max,
    };
    const char **jargv = calloc(c->n_args + 1, sizeof *jargv);
    if (!jargv) {
        phase_manifest_free(&m);
        phase_identity_wipe(&id);
        return cli_error(c->prog, CLI_FAIL, "out of memory");
    }
    jargv[0] = "job.wasm";
    for (size_t i = 0; i < c->n_args; i++)
        jargv[i + 1] = c->args[i];
    o->argc = c->n_args + 1;
    o->argv = jargv;
    o->envc = c->n_env;
    o->envp = c->env;
    o->stdin_fd = STDIN_FILENO;
    o->stdout_fd = STDOUT_FILENO;
    o->stderr_fd = STDERR_FILENO;
    fflush(stdout);
    phase_job_outcome_t out;
    phase_receipt_t r;
    rc = phase_worker_execute(&m, &policy, &id, o, ts_now(), &out, &r, &e);
    int status;
    if (rc == PHASE_EINVAL) {
        status = cli_error(c->prog, CLI_USAGE, "%s: %s", c->manifest, e.msg);
    } else if (rc != PHASE_OK) {
        status = cli_error(c->prog, CLI_FAIL, "%s: rejected: %s", c->manifest, e.msg);
    } else {
        report(c->prog, c->manifest, &out, o, c->quiet);
        status = write_outputs(c->prog, &r, &out, c->receipt, c->events,
                               phase_job_exit_status(&out));
        phase_receipt_free(&r);
        phase_job_outcome_free(&out);
    }
    free(jargv);
    phase_manifest_free(&m);
    phase_identity_wipe(&id);
    return status;
}

int plasmd_run(int argc, char **argv)
{
    const char *prog = "plasmd run";
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"fuel", required_argument, NULL, 'f'},
        {"memory", required_argument, NULL, 'm'},
        {"timeout", required_argument, NULL, 't'},
        {"receipt", required_argument, NULL, 'r'},
        {"env", required_argument, NULL, 'e'},
        {"seed", required_argument, NULL, 's'},
        {"manifest", required_argument, NULL, 'M'},
        {"allow", required_argument, NULL, 'a'},
        {"allow-unauthenticated", no_argument, NULL, 'U'},
        {"events", required_argument, NULL, 'E'},
        {"deterministic", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static uint8_t allowed[MAX_ALLOW][PHASE_PK_BYTES];
    size_t n_allowed = 0;
    bool allow_any = false;
    const char *manifest = NULL, *events = NULL;
    phase_job_opts_t o;
    memset(&o, 0, sizeof o);
    const char *receipt = NULL;
    const char *env[MAX_ENV];
    size_t n_env = 0;
    bool quiet = false;
    err_t e = {0};
    int c;
    opterr = 0;
    /* '+': options end at the module, so the job's own flags pass through. */
    while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = true; break;
        case 'f':
            if (!cli_parse_u64(optarg, &o.fuel) || o.fuel == 0)
                return cli_usage_error(prog, "--fuel: expected a positive number, got '%s'",
                                       optarg);
            break;
        case 'm':
            if (!cli_parse_u64(optarg, &o.memory_max) || o.memory_max == 0)
                return cli_usage_error(prog, "--memory: expected a positive byte count, got '%s'",
                                       optarg);
            break;
        case 't':
            if (!cli_parse_u64(optarg, &o.timeout_ms) || o.timeout_ms == 0 ||
                o.timeout_ms > 86400000ull * 365)
                return cli_usage_error(prog, "--timeout: expected milliseconds > 0, got '%s'",
                                       optarg);
            break;
        case 'r': receipt = optarg; break;
        case 'e':
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return cli_usage_error(prog, "--env: expected KEY=VALUE, got '%s'", optarg);
            if (n_env == MAX_ENV)
                return cli_usage_error(prog, "--env: at most %d variables", MAX_ENV);
            env[n_env++] = optarg;
            break;
        case 's':
            if (hex_decode(optarg, strlen(optarg), o.random_seed, 32, &e) != BASE_OK)
                return cli_usage_error(prog, "--seed: %s", e.msg);
            o.seeded_random = true;
            break;
        case 'M': manifest = optarg; break;
        case 'a':
            if (n_allowed == MAX_ALLOW)
                return cli_usage_error(prog, "--allow: at most %d keys", MAX_ALLOW);
            if (phase_hex_key(optarg, allowed[n_allowed], PHASE_PK_BYTES, &e) != BASE_OK)
                return cli_usage_error(prog, "--allow: %s", e.msg);
            n_allowed++;
            break;
        case 'U': allow_any = true; break;
        case 'E': events = optarg; break;
        case 'D': o.deterministic = true; break;
        case 'h': fputs(run_usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':');
        }
    }
    if (events && !receipt)
        return cli_usage_error(prog, "--events needs --receipt (the events end with its result)");
    if (manifest) {
        signal(SIGPIPE, SIG_IGN);
        if (crypto_init() != CRYPTO_OK)
            return cli_error(prog, CLI_FAIL, "cannot initialise libsodium");
        run_ctx_t ctx = {.prog = prog, .manifest = manifest, .receipt = receipt, .events = events,
                         .allowed = allowed, .n_allowed = n_allowed, .allow_any = allow_any,
                         .quiet = quiet, .env = env, .n_env = n_env,
                         .args = (const char *const *)argv + optind,
                         .n_args = (size_t)(argc - optind)};
        return run_manifest(&ctx, &o);
    }
    if (optind >= argc)
        return cli_usage_error(prog, "missing MODULE.wasm");
    const char *path = argv[optind];
    /* A reader that goes away (| head) must not kill plasmd mid-job: the
     * write-through fails with EPIPE, capture and the receipt go on. */
    signal(SIGPIPE, SIG_IGN);
    if (crypto_init() != CRYPTO_OK)
        return cli_error(prog, CLI_FAIL, "cannot initialise libsodium");
    uint8_t *module = NULL;
    size_t len = 0;
    int rc = load_module(prog, path, &module, &len);
    if (rc != CLI_OK)
        return rc;
    /* The job's argv[0] is the module's file name, as wasmtime passes it. */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char **jargv = calloc((size_t)(argc - optind) + 1, sizeof *jargv);
    if (!jargv) {
        free(module);
        return cli_error(prog, CLI_FAIL, "out of memory");
    }
    jargv[0] = base;
    for (int i = optind + 1; i < argc; i++)
        jargv[i - optind] = argv[i];
    o.module = module;
    o.module_len = len;
    o.argc = (size_t)(argc - optind);
    o.argv = jargv;
    o.envc = n_env;
    o.envp = env;
    o.stdin_fd = STDIN_FILENO;
    o.stdout_fd = STDOUT_FILENO;
    o.stderr_fd = STDERR_FILENO;
    fflush(stdout);
    phase_identity_t id;
    if (receipt && (rc = load_node_identity(prog, &id)) != CLI_OK) {
        free(jargv);
        free(module);
        return rc;
    }
    phase_job_outcome_t out;
    phase_receipt_t r;
    rc = phase_worker_run(&o, receipt ? &id : NULL, ts_now(), &out, &r, &e);
    if (receipt)
        phase_identity_wipe(&id);
    int status;
    if (rc != PHASE_OK) {
        status = cli_error(prog, CLI_FAIL, "%s", e.msg);
    } else {
        report(prog, path, &out, &o, quiet);
        status = write_outputs(prog, &r, &out, receipt, events, phase_job_exit_status(&out));
        phase_receipt_free(&r);
        phase_job_outcome_free(&out);
    }
    free(jargv);
    free(module);
    return status;
}

/* ---- execute-job ----------------------------------------------------------------- */

int plasmd_execute_job(int argc, char **argv)
{
    const char *prog = "plasmd execute-job";
    static const char usage[] =
        "Usage: plasmd execute-job MODULE.wasm [ARGS...]\n"
        "\n"
        "Runs the module (stdin from plasmd's stdin) and prints upstream's JSON:\n"
        "{job_id, exit_code, stdout, stderr, receipt} where receipt is a legacy\n"
        "v0.1 receipt signed by the node identity.\n";
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error(prog, "missing MODULE.wasm");
    if (argv[1][0] == '-')
        return cli_usage_error(prog, "unknown option '%s'", argv[1]);
    if (crypto_init() != CRYPTO_OK)
        return cli_error(prog, CLI_FAIL, "cannot initialise libsodium");
    uint8_t *module = NULL;
    size_t len = 0;
    int rc = load_module(prog, argv[1], &module, &len);
    if (rc != CLI_OK)
        return rc;
    const char *path = argv[1];
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char **jargv = calloc((size_t)argc, sizeof *jargv);
    if (!jargv) {
        free(module);
        return cli_error(prog, CLI_FAIL, "out of memory");
    }
    jargv[0] = base;
    for (int i = 2; i < argc; i++)
        jargv[i - 1] = argv[i];
    phase_job_opts_t o = {
        .module = module,
        .module_len = len,
        .argc = (size_t)argc - 1,
        .argv = jargv,
        .timeout_ms = 30000, /* upstream's execute-job: timeout 30 s */
        .memory_max = 128u << 20,
        .stdin_fd = STDIN_FILENO,
        .stdout_fd = -1,
        .stderr_fd = -1,
    };
    phase_job_outcome_t out;
    err_t e = {0};
    if (phase_job_run(&o, &out, &e) != PHASE_OK) {
        free(jargv);
        free(module);
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    }
    if (out.status != PHASE_JOB_EXITED)
        fprintf(stderr, "%s: %s\n", prog, out.message);
    int status = phase_job_exit_status(&out);
    phase_identity_t id;
    rc = CLI_FAIL;
    if (load_node_identity(prog, &id) == CLI_OK) {
        json_t *doc = phase_execute_job_doc(&out, status, &id, &e);
        char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        if (!doc)
            cli_error(prog, CLI_FAIL, "%s", e.msg);
        else if (text && puts(text) >= 0)
            rc = CLI_OK;
        else
            cli_error(prog, CLI_FAIL, "cannot print the result");
        free(text);
        json_decref(doc);
        phase_identity_wipe(&id);
    }
    phase_job_outcome_free(&out);
    free(jargv);
    free(module);
    return rc == CLI_OK ? status : rc;
}


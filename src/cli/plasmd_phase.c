/* plasmd's Phase commands: identity, manifest sign|verify, verify (receipts),
 * run and execute-job. Thin: argument parsing and printing; the formats and
 * the worker live in src/phase. */
#include "cli.h"
#include "plasmd_cmds.h"

#include "crypto/crypto.h"
#include "phase/phase.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A module inside a manifest is a JSON array of byte values (about 4 bytes of
 * text and one JSON node per byte), so manifests carry at most 8 MiB. */
#define MODULE_MAX (8u << 20)

/* ---- shared helpers ---------------------------------------------------------- */

static int init_crypto(const char *prog)
{
    if (crypto_init() != CRYPTO_OK)
        return cli_error(prog, CLI_FAIL, "cannot initialise libsodium");
    return CLI_OK;
}

static int read_file(const char *prog, const char *path, size_t max, uint8_t **data, size_t *len)
{
    err_t e = {0};
    if (file_read_all(path, max, data, len, &e) != BASE_OK)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    return CLI_OK;
}

static int parse_pubkey(const char *prog, const char *hex, uint8_t pk[PHASE_PK_BYTES])
{
    err_t e = {0};
    if (phase_hex_key(hex, pk, PHASE_PK_BYTES, &e) != BASE_OK)
        return cli_usage_error(prog, "--pubkey: %s", e.msg);
    return CLI_OK;
}

static int load_identity(const char *prog, bool create, phase_identity_t *id)
{
    char path[4096];
    err_t e = {0};
    int rc = phase_identity_path(path, sizeof path, &e);
    if (rc == PHASE_OK)
        rc = create ? phase_identity_load_or_create(path, id, NULL, &e)
                    : phase_identity_load(path, id, &e);
    if (rc == PHASE_ENOENT)
        return cli_error(prog, CLI_FAIL, "%s (create one with 'plasmd identity init')", e.msg);
    if (rc != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    return CLI_OK;
}

static int write_out(const char *prog, const char *path, const char *text)
{
    size_t n = strlen(text);
    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(text, 1, n, stdout) != n || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
            return cli_error(prog, CLI_FAIL, "cannot write to stdout");
        return CLI_OK;
    }
    buf_t b;
    buf_init(&b, 0);
    buf_append(&b, text, n);
    buf_append_byte(&b, '\n');
    err_t e = {0};
    int rc = buf_ok(&b) ? file_write_atomic(path, b.data, b.len, 0644, false, &e) : BASE_ENOMEM;
    buf_free(&b);
    if (rc != BASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg[0] ? e.msg : "out of memory");
    return CLI_OK;
}

/* ---- identity ------------------------------------------------------------------ */

static void print_identity(const char *path, const phase_identity_t *id)
{
    char hex[2 * PHASE_PK_BYTES + 1], peer[PHASE_PEER_ID_MAX];
    hex_encode(id->pk, PHASE_PK_BYTES, hex);
    phase_peer_id(id->pk, peer);
    printf("path:       %s\npublic key: %s\npeer id:    %s\n", path, hex, peer);
}

static const char identity_usage[] =
    "Usage: plasmd identity <init|show|import>\n"
    "\n"
    "The node's Ed25519 identity: a 32-byte seed in $PLASMD_HOME/identity.key\n"
    "(default $XDG_DATA_HOME/plasmd, then ~/.local/share/plasmd), file mode 0600,\n"
    "directory 0700. It signs receipts and is the node's libp2p peer id.\n";

static void hint_upstream(void)
{
    char up[4096];
    err_t e = {0};
    if (phase_identity_upstream_path(up, sizeof up, &e) == PHASE_OK && access(up, F_OK) == 0)
        fprintf(stderr, "note: an upstream Phase identity exists at %s; 'plasmd identity import' "
                        "would keep its peer id\n", up);
}

static int identity_init(int argc, char **argv)
{
    const char *prog = "plasmd identity init";
    if (cli_wants_help(argc, argv, "Usage: plasmd identity init [--if-missing]\n\nCreates a new "
                                   "identity; fails when one exists, unless --if-missing\n"
                                   "(then prints the existing one).\n"))
        return CLI_OK;
    bool if_missing = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--if-missing") == 0)
            if_missing = true;
        else
            return cli_usage_error(prog, "unexpected argument '%s'", argv[i]);
    }
    int rc = init_crypto(prog);
    if (rc != CLI_OK)
        return rc;
    char path[4096];
    err_t e = {0};
    phase_identity_t id;
    bool created = true;
    if (phase_identity_path(path, sizeof path, &e) != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    rc = if_missing ? phase_identity_load_or_create(path, &id, &created, &e)
                    : phase_identity_create(path, &id, &e);
    if (rc != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    if (created)
        hint_upstream();
    print_identity(path, &id);
    phase_identity_wipe(&id);
    return CLI_OK;
}

static const char identity_import_usage[] =
    "Usage: plasmd identity import [--from FILE] [--force]\n"
    "\n"
    "Imports an upstream Phase node key, so the node keeps its peer id. FILE\n"
    "defaults to upstream's location: $XDG_CONFIG_HOME/phase/identity.key, else\n"
    "~/.config/phase/identity.key (32 raw bytes, the Ed25519 seed). The key is\n"
    "written to $PLASMD_HOME/identity.key (mode 0600); run as root into a\n"
    "directory owned by another user (e.g. /var/lib/plasmd), it takes that owner.\n"
    "An existing, different key is kept unless --force.\n";

static int identity_import(int argc, char **argv)
{
    const char *prog = "plasmd identity import";
    const char *from = NULL;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(identity_import_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (strcmp(argv[i], "--from") == 0) {
            if (++i == argc)
                return cli_usage_error(prog, "option '--from' needs a value");
            from = argv[i];
        } else if (strncmp(argv[i], "--from=", 7) == 0) {
            from = argv[i] + 7;
        } else {
            return cli_usage_error(prog, "unexpected argument '%s'", argv[i]);
        }
    }
    int rc = init_crypto(prog);
    if (rc != CLI_OK)
        return rc;
    char src[4096], dst[4096];
    err_t e = {0};
    if (!from) {
        if (phase_identity_upstream_path(src, sizeof src, &e) != PHASE_OK)
            return cli_error(prog, CLI_FAIL, "%s (give --from FILE)", e.msg);
        if (access(src, F_OK) != 0)
            return cli_error(prog, CLI_FAIL, "no upstream Phase identity at %s (give --from FILE)",
                             src);
        from = src;
    }
    if (phase_identity_path(dst, sizeof dst, &e) != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    phase_identity_t id;
    bool unchanged = false;
    rc = phase_identity_import(from, dst, force, &id, &unchanged, &e);
    if (rc == PHASE_EEXIST)
        return cli_error(prog, CLI_FAIL, "%s (--force replaces it)", e.msg);
    if (rc == PHASE_EINVAL || rc == PHASE_ENOENT)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    if (rc != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    if (unchanged)
        fprintf(stderr, "%s already holds the key of %s\n", dst, from);
    else
        fprintf(stderr, "imported %s into %s\n", from, dst);
    print_identity(dst, &id);
    phase_identity_wipe(&id);
    return CLI_OK;
}

static int identity_show(int argc, char **argv)
{
    const char *prog = "plasmd identity show";
    if (cli_wants_help(argc, argv, "Usage: plasmd identity show\n\nPrints the public key (hex) "
                                   "and the peer id.\n"))
        return CLI_OK;
    if (argc > 1)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[1]);
    int rc = init_crypto(prog);
    if (rc != CLI_OK)
        return rc;
    char path[4096];
    err_t e = {0};
    if (phase_identity_path(path, sizeof path, &e) != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    phase_identity_t id;
    if ((rc = load_identity(prog, false, &id)) != CLI_OK)
        return rc;
    print_identity(path, &id);
    phase_identity_wipe(&id);
    return CLI_OK;
}

int plasmd_identity(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"init", identity_init, "create the node identity"},
        {"show", identity_show, "print the public key and peer id"},
        {"import", identity_import, "import an upstream Phase key (keeps the peer id)"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("plasmd identity", identity_usage, cmds, argc, argv);
}

/* ---- manifest ------------------------------------------------------------------ */

static const char manifest_sign_usage[] =
    "Usage: plasmd manifest sign [--payload FILE.json | MODULE.wasm]\n"
    "                            [--max-duration-ms N] [--max-memory-bytes N]\n"
    "                            [--expires-in SECONDS] [--out FILE]\n"
    "\n"
    "Signs a SignedManifest v1 with the node identity and prints it (or writes\n"
    "FILE). With MODULE.wasm the payload is the wasm JobSpec carrying the module;\n"
    "with --payload any JSON value. The JobId (SHA-256 of the signing message)\n"
    "goes to stderr.\n";

static int manifest_sign(int argc, char **argv)
{
    const char *prog = "plasmd manifest sign";
    static const struct option opts[] = {
        {"payload", required_argument, NULL, 'p'},
        {"max-duration-ms", required_argument, NULL, 'd'},
        {"max-memory-bytes", required_argument, NULL, 'm'},
        {"expires-in", required_argument, NULL, 'x'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *payload_path = NULL, *out_path = NULL;
    uint64_t dur = 0, mem = 0, expires_in = 0;
    bool has_expiry = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': payload_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'd':
            if (!cli_parse_u64(optarg, &dur))
                return cli_usage_error(prog, "--max-duration-ms: not a number: '%s'", optarg);
            break;
        case 'm':
            if (!cli_parse_u64(optarg, &mem))
                return cli_usage_error(prog, "--max-memory-bytes: not a number: '%s'", optarg);
            break;
        case 'x':
            if (!cli_parse_u64(optarg, &expires_in) || expires_in > (1ull << 40))
                return cli_usage_error(prog, "--expires-in: not a number of seconds: '%s'",
                                       optarg);
            has_expiry = true;
            break;
        case 'h': fputs(manifest_sign_usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':');
        }
    }
    const char *module_path = optind < argc ? argv[optind++] : NULL;
    if (optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!!payload_path == !!module_path)
        return cli_usage_error(prog, "give either --payload FILE or a module");
    int rc = init_crypto(prog);
    if (rc != CLI_OK)
        return rc;
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *payload = NULL;
    if ((rc = read_file(prog, payload_path ? payload_path : module_path,
                        payload_path ? PHASE_JSON_MAX : MODULE_MAX, &data, &len)) != CLI_OK)
        return rc;
    err_t e = {0};
    if (payload_path) {
        payload = cjson_parse((const char *)data, len, &e);
        if (!payload)
            rc = cli_error(prog, CLI_USAGE, "%s: %s", payload_path, e.msg);
    } else {
        payload = phase_wasm_job_spec(data, len, dur, mem);
        if (!payload)
            rc = cli_error(prog, CLI_FAIL, "out of memory");
    }
    free(data);
    if (rc != CLI_OK)
        return rc;
    phase_identity_t id;
    if ((rc = load_identity(prog, true, &id)) != CLI_OK) {
        json_decref(payload);
        return rc;
    }
    ts_t now = ts_now(), exp = now;
    exp.sec += (int64_t)expires_in;
    phase_manifest_t m;
    uint8_t job_id[PHASE_HASH_BYTES];
    char *json = NULL;
    if (phase_manifest_sign(payload, &id, now, has_expiry ? &exp : NULL, &m, &e) != PHASE_OK) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
    } else {
        if (phase_manifest_hash(&m, job_id, &e) != PHASE_OK ||
            !(json = phase_manifest_to_json(&m, &e))) {
            rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
        } else if ((rc = write_out(prog, out_path, json)) == CLI_OK) {
            char hex[2 * PHASE_HASH_BYTES + 1];
            hex_encode(job_id, sizeof job_id, hex);
            fprintf(stderr, "job id: %s\n", hex);
        }
        phase_manifest_free(&m);
    }
    free(json);
    json_decref(payload);
    phase_identity_wipe(&id);
    return rc;
}

static int manifest_verify(int argc, char **argv)
{
    const char *prog = "plasmd manifest verify";
    static const char usage[] =
        "Usage: plasmd manifest verify MANIFEST.json [--pubkey HEX]\n"
        "\n"
        "Checks a SignedManifest v1 as upstream does (schema, key, signature,\n"
        "expiry) and prints its JobId. --pubkey also requires that signer.\n"
        "Exit 0 valid, 1 invalid, 2 malformed.\n";
    static const struct option opts[] = {
        {"pubkey", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *pk_hex = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': pk_hex = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':');
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error(prog, "expected one manifest file");
    uint8_t pinned[PHASE_PK_BYTES];
    int rc;
    if (pk_hex && (rc = parse_pubkey(prog, pk_hex, pinned)) != CLI_OK)
        return rc;
    if ((rc = init_crypto(prog)) != CLI_OK)
        return rc;
    uint8_t *data = NULL;
    size_t len = 0;
    if ((rc = read_file(prog, argv[optind], PHASE_JSON_MAX, &data, &len)) != CLI_OK)
        return rc;
    phase_manifest_t m;
    err_t e = {0};
    rc = phase_manifest_parse((const char *)data, len, &m, &e);
    free(data);
    if (rc != PHASE_OK)
        return cli_error(prog, CLI_USAGE, "%s: %s", argv[optind], e.msg);
    uint8_t job_id[PHASE_HASH_BYTES], pk[PHASE_PK_BYTES];
    rc = phase_manifest_verify(&m, ts_now(), &e);
    if (rc == PHASE_OK && pk_hex &&
        (phase_hex_key(m.signer_pubkey, pk, sizeof pk, NULL) != BASE_OK ||
         !crypto_equal(pk, pinned, sizeof pk)))
        rc = err_set(&e, PHASE_EMISMATCH, "manifest: signed by %s, not by the pinned key",
                     m.signer_pubkey);
    if (rc == PHASE_OK)
        rc = phase_manifest_hash(&m, job_id, &e);
    if (rc != PHASE_OK) {
        phase_manifest_free(&m);
        return cli_error(prog, CLI_FAIL, "INVALID: %s", e.msg);
    }
    char hex[2 * PHASE_HASH_BYTES + 1];
    hex_encode(job_id, sizeof job_id, hex);
    printf("valid: signed manifest v%u by %s\njob id: %s\n", m.schema_version, m.signer_pubkey,
           hex);
    phase_manifest_free(&m);
    return CLI_OK;
}

int plasmd_manifest(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"sign", manifest_sign, "sign a SignedManifest v1 with the node identity"},
        {"verify", manifest_verify, "verify a SignedManifest v1"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("plasmd manifest", "Usage: plasmd manifest <sign|verify> [args]\n",
                        cmds, argc, argv);
}

/* ---- verify (receipts) ----------------------------------------------------------- */

static const char verify_usage[] =
    "Usage: plasmd verify RECEIPT.json [--pubkey HEX] [--stdout FILE] [--stderr FILE]\n"
    "                     [--events FILE] [--manifest FILE]\n"
    "\n"
    "Verifies a SignedReceipt v1 (schema, key, signature, as upstream) or a legacy\n"
    "v0.1 receipt. --pubkey pins the worker key. --stdout/--stderr recompute the\n"
    "output commitment and chunk count from the job's output; --manifest checks\n"
    "that job_id is that manifest's JobId. --events replays a JobEvent stream\n"
    "(plasmd run --events) against the commitment and the receipt's result.\n"
    "Exit 0 valid, 1 invalid, 2 malformed.\n";

static int check_output(const char *prog, const phase_receipt_t *r, const char *out_path,
                        const char *err_path)
{
    uint8_t *out = NULL, *err = NULL;
    size_t out_len = 0, err_len = 0;
    int rc = CLI_OK;
    if (out_path)
        rc = read_file(prog, out_path, SIZE_MAX / 4, &out, &out_len);
    if (rc == CLI_OK && err_path)
        rc = read_file(prog, err_path, SIZE_MAX / 4, &err, &err_len);
    phase_job_result_t res;
    err_t e = {0};
    if (rc == CLI_OK && phase_job_result_from_json(r->result, &res, &e) != PHASE_OK)
        rc = cli_error(prog, CLI_USAGE, "result: %s", e.msg);
    if (rc == CLI_OK) {
        phase_commit_t c;
        phase_commit_output(&c, out, out_len, err, err_len);
        if (!crypto_equal(c.state, res.output_commitment, PHASE_HASH_BYTES) ||
            c.count != res.output_chunk_count)
            rc = cli_error(prog, CLI_FAIL,
                           "INVALID: the output does not match the receipt's commitment");
        phase_job_result_free(&res);
    }
    free(out);
    free(err);
    return rc;
}

static int check_events(const char *prog, const phase_receipt_t *r, const char *path)
{
    err_t e = {0};
    phase_commit_t c;
    json_t *fin = NULL;
    phase_job_result_t res;
    int rc = phase_events_replay_file(path, &c, &fin, &e);
    if (rc == PHASE_EINVAL || rc == PHASE_EIO) {
        rc = cli_error(prog, CLI_USAGE, "%s", e.msg);
    } else if (rc != PHASE_OK) {
        rc = cli_error(prog, CLI_FAIL, "INVALID: %s: %s", path, e.msg);
    } else if (phase_job_result_from_json(r->result, &res, &e) != PHASE_OK) {
        rc = cli_error(prog, CLI_USAGE, "result: %s", e.msg);
    } else {
        char *a = cjson_encode_str(fin, NULL), *b = cjson_encode_str(r->result, NULL);
        if (!crypto_equal(c.state, res.output_commitment, PHASE_HASH_BYTES) ||
            c.count != res.output_chunk_count)
            rc = cli_error(prog, CLI_FAIL, "INVALID: the events do not match the commitment");
        else if (!a || !b || strcmp(a, b) != 0)
            rc = cli_error(prog, CLI_FAIL, "INVALID: the Final event's result is not the receipt's");
        else
            rc = CLI_OK;
        free(a);
        free(b);
        phase_job_result_free(&res);
    }
    json_decref(fin);
    return rc;
}

static int check_manifest(const char *prog, const phase_receipt_t *r, const char *path)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = read_file(prog, path, PHASE_JSON_MAX, &data, &len);
    if (rc != CLI_OK)
        return rc;
    phase_manifest_t m;
    err_t e = {0};
    rc = phase_manifest_parse((const char *)data, len, &m, &e);
    free(data);
    if (rc != PHASE_OK)
        return cli_error(prog, CLI_USAGE, "%s: %s", path, e.msg);
    uint8_t want[PHASE_HASH_BYTES], got[PHASE_HASH_BYTES];
    rc = phase_manifest_hash(&m, want, &e);
    phase_manifest_free(&m);
    if (rc != PHASE_OK)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    if (phase_receipt_job_id_bytes(r, got, &e) != PHASE_OK)
        return cli_error(prog, CLI_USAGE, "%s", e.msg);
    if (!crypto_equal(want, got, sizeof got))
        return cli_error(prog, CLI_FAIL, "INVALID: job_id is not the JobId of %s", path);
    return CLI_OK;
}

int plasmd_verify(int argc, char **argv)
{
    const char *prog = "plasmd verify";
    static const struct option opts[] = {
        {"pubkey", required_argument, NULL, 'k'},
        {"stdout", required_argument, NULL, 'o'},
        {"stderr", required_argument, NULL, 'e'},
        {"manifest", required_argument, NULL, 'm'},
        {"events", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *pk_hex = NULL, *out_path = NULL, *err_path = NULL, *man_path = NULL;
    const char *ev_path = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': pk_hex = optarg; break;
        case 'o': out_path = optarg; break;
        case 'e': err_path = optarg; break;
        case 'm': man_path = optarg; break;
        case 'E': ev_path = optarg; break;
        case 'h': fputs(verify_usage, stdout); return CLI_OK;
        default: return cli_bad_option(prog, argv, optind, optopt, c == ':');
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error(prog, "expected one receipt file");
    const char *path = argv[optind];
    uint8_t pinned[PHASE_PK_BYTES];
    int rc;
    if (pk_hex && (rc = parse_pubkey(prog, pk_hex, pinned)) != CLI_OK)
        return rc;
    if ((rc = init_crypto(prog)) != CLI_OK)
        return rc;
    uint8_t *data = NULL;
    size_t len = 0;
    if ((rc = read_file(prog, path, PHASE_JSON_MAX, &data, &len)) != CLI_OK)
        return rc;
    err_t e = {0};
    json_t *j = cjson_parse((const char *)data, len, &e);
    if (!j) {
        free(data);
        return cli_error(prog, CLI_USAGE, "%s: not JSON: %s", path, e.msg);
    }
    bool v1 = phase_json_is_v1_receipt(j);
    if (!v1) {
        phase_legacy_receipt_t lr;
        rc = phase_legacy_from_json(j, &lr, &e);
        json_decref(j);
        free(data);
        if (rc != PHASE_OK)
            return cli_error(prog, CLI_USAGE, "%s: neither a v1 nor a v0.1 receipt: %s", path,
                             e.msg);
        if ((rc = phase_legacy_verify(&lr, pk_hex ? pinned : NULL, &e)) != PHASE_OK)
            return cli_error(prog, CLI_FAIL, "INVALID: %s", e.msg);
        printf("valid: legacy v%s receipt by %s (exit code %u, module %s)\n"
               "note: legacy receipts are not trusted by the Phase SDKs (SEC-03)\n",
               lr.version, lr.node_pubkey, lr.exit_code, lr.module_hash);
        return CLI_OK;
    }
    json_decref(j);
    phase_receipt_t r;
    rc = phase_receipt_parse((const char *)data, len, &r, &e);
    free(data);
    if (rc != PHASE_OK)
        return cli_error(prog, CLI_USAGE, "%s: %s", path, e.msg);
    rc = phase_receipt_verify(&r, pk_hex ? pinned : NULL, &e);
    if (rc != PHASE_OK) {
        phase_receipt_free(&r);
        return cli_error(prog, CLI_FAIL, "INVALID: %s", e.msg);
    }
    if ((out_path || err_path) && (rc = check_output(prog, &r, out_path, err_path)) != CLI_OK) {
        phase_receipt_free(&r);
        return rc;
    }
    if (ev_path && (rc = check_events(prog, &r, ev_path)) != CLI_OK) {
        phase_receipt_free(&r);
        return rc;
    }
    if (man_path && (rc = check_manifest(prog, &r, man_path)) != CLI_OK) {
        phase_receipt_free(&r);
        return rc;
    }
    char peer[PHASE_PEER_ID_MAX] = "?";
    uint8_t pk[PHASE_PK_BYTES];
    if (phase_hex_key(r.worker_pubkey, pk, sizeof pk, NULL) == BASE_OK)
        phase_peer_id(pk, peer);
    printf("valid: signed receipt v%u\njob id: %s\nworker: %s (%s)\n", r.schema_version, r.job_id,
           r.worker_pubkey, peer);
    if (!pk_hex)
        printf("note: checked against the receipt's own key; pass --pubkey to pin the worker\n");
    if (out_path || err_path)
        printf("output: matches the commitment\n");
    if (ev_path)
        printf("events: replay to the commitment; Final carries the signed result\n");
    if (man_path)
        printf("manifest: job_id is its JobId\n");
    phase_receipt_free(&r);
    return CLI_OK;
}

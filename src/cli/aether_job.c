/* aether job: the job escrow of issue 16 (docs/escrow.md) from the command
 * line: post, accept, claim, finalize, challenge, cancel, expire, status,
 * list. Parses arguments and prints; the transactions are built and sent by
 * chain/client, the manifest and receipt formats are phase's. */
#include "cli.h"
#include "aether_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/client/client.h"
#include "chain_cli.h"
#include "market/market.h"
#include "phase/phase.h"

typedef struct job_opts {
    chain_cli_wallet_t w;
    const char *manifest, *input, *identity, *receipt, *status, *out;
    const char *requester, *provider;
    bool have_job, have_after;
    chain_hash_t job, after;
    uint32_t max;   /* list: page size, 0 = walk every page */
    chain_u128_t payment, bond;
    uint64_t deadline, window, fuel, memory;
    uint32_t n_allow;
    chain_addr_t allow[CHAIN_JOB_MAX_ALLOW];
    uint8_t *inline_data;   /* post: the module and input carried on chain (owned) */
} job_opts_t;

static int job_opt(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    job_opts_t *o = ctx;
    err_t e = {0};
    switch (c) {
    case 'm': o->manifest = arg; return -1;
    case 'i': o->input = arg; return -1;
    case 'I': o->identity = arg; return -1;
    case 'R': o->receipt = arg; return -1;
    case 'q': o->requester = arg; return -1;
    case 'v': o->provider = arg; return -1;
    case 's': o->status = arg; return -1;
    case 'o': o->out = arg; return -1;
    case 'p': return chain_cli_amount_opt(prog, name, arg, false, &o->payment);
    case 'b': return chain_cli_amount_opt(prog, name, arg, false, &o->bond);
    case 'd':
        if (!cli_parse_u64(arg, &o->deadline))
            return cli_usage_error(prog, "--deadline '%s' is not a block height", arg);
        return -1;
    case 'W':
        if (!cli_parse_u64(arg, &o->window) || o->window == 0 ||
            o->window > CHAIN_JOB_MAX_WINDOW)
            return cli_usage_error(prog, "--window '%s': 1..%d blocks", arg,
                                   CHAIN_JOB_MAX_WINDOW);
        return -1;
    case 'F':
        if (!cli_parse_u64(arg, &o->fuel) || o->fuel == 0)
            return cli_usage_error(prog, "--fuel '%s' is not a positive number", arg);
        return -1;
    case 'M':
        if (!cli_parse_u64(arg, &o->memory) || o->memory == 0)
            return cli_usage_error(prog, "--memory '%s' is not a positive number", arg);
        return -1;
    case 'j':
        if (chain_hash_from_hex(arg, &o->job, &e) != 0)
            return cli_usage_error(prog, "--job: %s", e.msg);
        o->have_job = true;
        return -1;
    case 'A':
        if (chain_hash_from_hex(arg, &o->after, &e) != 0)
            return cli_usage_error(prog, "--after: %s", e.msg);
        o->have_after = true;
        return -1;
    case 'x': {
        uint64_t v;
        if (!cli_parse_u64(arg, &v) || v == 0 || v > 100)
            return cli_usage_error(prog, "--max '%s': a page holds 1..100 jobs", arg);
        o->max = (uint32_t)v;
        return -1;
    }
    case 'a':
        if (o->n_allow == CHAIN_JOB_MAX_ALLOW)
            return cli_usage_error(prog, "at most %d --allow", CHAIN_JOB_MAX_ALLOW);
        if (chain_addr_from_hex(arg, &o->allow[o->n_allow], &e) != 0)
            return cli_usage_error(prog, "--allow: %s", e.msg);
        o->n_allow++;
        return -1;
    default:
        return CLI_NOT_MINE;
    }
}

/* Returns -1 when parsing succeeded, else the exit code. */
static int parse(const char *prog, const char *usage, int argc, char **argv, job_opts_t *o)
{
    static const struct option longs[] = {
        CHAIN_CLI_WALLET_OPTIONS,                   {"job", required_argument, NULL, 'j'},
        {"manifest", required_argument, NULL, 'm'}, {"input", required_argument, NULL, 'i'},
        {"payment", required_argument, NULL, 'p'},  {"bond", required_argument, NULL, 'b'},
        {"deadline", required_argument, NULL, 'd'}, {"window", required_argument, NULL, 'W'},
        {"fuel", required_argument, NULL, 'F'},     {"memory", required_argument, NULL, 'M'},
        {"allow", required_argument, NULL, 'a'},    {"phase-identity", required_argument, NULL, 'I'},
        {"receipt", required_argument, NULL, 'R'},
        {"requester", required_argument, NULL, 'q'}, {"provider", required_argument, NULL, 'v'},
        {"status", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
        {"out", required_argument, NULL, 'o'},
        {"after", required_argument, NULL, 'A'},    {"max", required_argument, NULL, 'x'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    chain_cli_wallet_init(&o->w, 60);
    o->window = 10;
    return chain_cli_getopt(prog, usage, CHAIN_CLI_WALLET_HELP, argc, argv, ":h", longs, false,
                            job_opt, o, &o->w);
}

static int read_buf(const char *path, size_t max, buf_t *b, err_t *e)
{
    uint8_t *d = NULL;
    size_t n = 0;
    int rc = file_read_all(path, max, &d, &n, e);
    if (rc == 0 && buf_append(b, d ? d : (const uint8_t *)"", n) != 0)
        rc = err_set(e, BASE_ENOMEM, "out of memory");
    free(d);
    return rc;
}

static int cmp_addr(const void *a, const void *b)
{
    return memcmp(a, b, CHAIN_ADDR_BYTES);
}

/* post: job id, module hash and limits from the SignedManifest<JobSpec::Wasm> */
static int fill_post(const char *prog, job_opts_t *o, chain_job_body_t *b)
{
    if (!o->manifest || chain_u128_is_zero(o->payment) || !o->deadline || !o->fuel)
        return cli_usage_error(prog, "--manifest FILE, --payment N, --deadline H and --fuel N "
                                     "are required");
    err_t e = {0};
    buf_t m = {0}, in = {0};
    int rc = -1;
    phase_manifest_t man = {0};
    phase_wasm_spec_t spec = {0};
    if (read_buf(o->manifest, PHASE_JSON_MAX, &m, &e) != 0 ||
        phase_manifest_parse((const char *)m.data, m.len, &man, &e) != 0 ||
        phase_manifest_verify(&man, ts_now(), &e) != 0 ||
        phase_manifest_hash(&man, b->job_id.b, &e) != 0 ||
        phase_wasm_spec_parse(man.payload, &spec, &e) != 0) {
        rc = cli_error(prog, CLI_USAGE, "%s: %s", o->manifest, e.msg);
        goto out;
    }
    if (o->input && read_buf(o->input, 64u << 20, &in, &e) != 0) {
        rc = cli_error(prog, CLI_USAGE, "%s: %s", o->input, e.msg);
        goto out;
    }
    crypto_sha256(spec.module, spec.module_len, b->module_hash.b);
    crypto_sha256(in.data ? in.data : (const uint8_t *)"", in.len, b->input_commitment.b);
    if (spec.module_len <= CHAIN_JOB_MAX_MODULE && in.len <= CHAIN_JOB_MAX_INPUT) {
        /* on chain, so that a wrong claim can be challenged by re-execution */
        o->inline_data = malloc(spec.module_len + in.len + 1);
        if (!o->inline_data) {
            rc = cli_error(prog, CLI_FAIL, "out of memory");
            goto out;
        }
        memcpy(o->inline_data, spec.module, spec.module_len);
        if (in.len)
            memcpy(o->inline_data + spec.module_len, in.data, in.len);
        b->module = o->inline_data;
        b->module_len = (uint32_t)spec.module_len;
        b->input = in.len ? o->inline_data + spec.module_len : NULL;
        b->input_len = (uint32_t)in.len;
    } else {
        fprintf(stderr, "%s: the module (%zu bytes) or input (%zu bytes) is over the on-chain "
                "limit (%d / %d): the job is posted without them and cannot be challenged\n",
                prog, spec.module_len, in.len, CHAIN_JOB_MAX_MODULE, CHAIN_JOB_MAX_INPUT);
    }
    b->fuel = o->fuel;
    b->memory_max = o->memory ? o->memory
                    : spec.has_memory ? spec.max_memory_bytes
                                      : 128u << 20;
    b->deadline = o->deadline;
    b->payment = o->payment;
    b->provider_bond = o->bond;
    b->window = (uint32_t)o->window;
    qsort(o->allow, o->n_allow, sizeof o->allow[0], cmp_addr);
    b->n_allow = o->n_allow;
    memcpy(b->allow, o->allow, sizeof b->allow);
out:
    phase_wasm_spec_free(&spec);
    phase_manifest_free(&man);
    buf_free(&m);
    buf_free(&in);
    return rc;
}

static int send_step(const char *prog, const char *usage, uint8_t kind, int argc, char **argv)
{
    job_opts_t o;
    int rc = parse(prog, usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.w.key)
        return cli_usage_error(prog, "--key FILE is required");
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    chain_job_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    buf_t receipt = {0};
    err_t e = {0};
    if (kind == CHAIN_TX_JOB_POST) {
        if ((rc = fill_post(prog, &o, &b)) >= 0) {
            free(o.inline_data);
            return rc;
        }
    } else if (!o.have_job) {
        return cli_usage_error(prog, "--job ID is required");
    } else {
        b.job_id = o.job;
    }
    phase_identity_t pid;
    memset(&pid, 0, sizeof pid);
    if (kind == CHAIN_TX_JOB_ACCEPT) {
        if (!o.identity)
            return cli_usage_error(prog, "--phase-identity FILE is required (its key signs the "
                                   "link to your account)");
        if (phase_identity_load(o.identity, &pid, &e) != 0)
            return cli_error(prog, CLI_USAGE, "--phase-identity: %s", e.msg);
        memcpy(b.phase_pk, pid.pk, 32);
    }
    if (kind == CHAIN_TX_JOB_CLAIM) {
        if (!o.receipt)
            return cli_usage_error(prog, "--receipt FILE is required");
        if (read_buf(o.receipt, CHAIN_JOB_MAX_RECEIPT + 1, &receipt, &e) != 0)
            return cli_error(prog, CLI_USAGE, "%s: %s", o.receipt, e.msg);
        while (receipt.len && (receipt.data[receipt.len - 1] == '\n'))
            receipt.len--;   /* the file's final newline is not part of the JSON */
        b.receipt = receipt.data;
        b.receipt_len = (uint32_t)receipt.len;
    }
    if (kind == CHAIN_TX_JOB_CHALLENGE) {
        if (chain_u128_is_zero(o.bond))
            return cli_usage_error(prog, "--bond N (the challenger bond) is required");
        b.challenger_bond = o.bond;
    }
    chain_key_t k;
    chain_client_t *c = NULL;
    if ((rc = chain_cli_wallet_open(prog, &o.w, &k, &c)) != CLI_OK) {
        free(o.inline_data);
        buf_free(&receipt);
        phase_identity_wipe(&pid);
        return rc;
    }
    chain_client_send_t s;
    chain_cli_wallet_send(&o.w, &s);
    s.phase_sk = kind == CHAIN_TX_JOB_ACCEPT ? pid.sk : NULL;
    chain_tx_t *tx = NULL;
    rc = CLI_OK;
    if (chain_client_job_send(c, &k, &s, &b, &tx, &e) != 0) {
        rc = chain_cli_client_error(prog, &e);
        goto out;
    }
    char hash[65], job[65];
    chain_hash_to_hex(&tx->hash, hash);
    chain_hash_to_hex(&b.job_id, job);
    json_t *out = json_pack("{s:s,s:s,s:s}", "hash", hash, "kind", chain_tx_kind_name(kind),
                            "job_id", job);
    rc = chain_cli_print_sent(prog, c, tx, out, &o.w);
out:
    free(o.inline_data);
    chain_tx_free(tx);
    buf_free(&receipt);
    chain_key_wipe(&k);
    phase_identity_wipe(&pid);
    chain_client_free(c);
    return rc;
}

#define STEP(name, kind, text)                                                   \
    static int job_##name(int argc, char **argv)                                 \
    {                                                                            \
        return send_step("aether job " #name, text, kind, argc, argv);          \
    }

STEP(post, CHAIN_TX_JOB_POST,
     "Usage: aether job post --key FILE --manifest FILE --payment N --fuel N --deadline H\n"
     "                       [--bond N] [--window BLOCKS] [--memory BYTES] [--input FILE]\n"
     "                       [--allow ADDR]...\n"
     "\nLocks N for the job of a SignedManifest<JobSpec::Wasm> (plasmd manifest sign):\n"
     "job id = its JobId, module hash from its payload. A provider must accept by\n"
     "height H and lock --bond; --window is the challenge window (default 10).\n")
STEP(accept, CHAIN_TX_JOB_ACCEPT,
     "Usage: aether job accept --key FILE --job ID --phase-identity FILE\n"
     "\nAccepts a posted job, locking its provider bond and naming the Phase identity\n"
     "whose receipt will claim it; that identity signs the link to --key's account\n"
     "(docs/escrow.md).\n")
STEP(claim, CHAIN_TX_JOB_CLAIM,
     "Usage: aether job claim --key FILE --job ID --receipt FILE\n"
     "\nClaims an accepted job with the SignedReceipt<JobResult> plasmd wrote.\n")
STEP(finalize, CHAIN_TX_JOB_FINALIZE,
     "Usage: aether job finalize --key FILE --job ID\n"
     "\nPays a claimed job once its challenge window has closed (anyone may send it).\n")
STEP(challenge, CHAIN_TX_JOB_CHALLENGE,
     "Usage: aether job challenge --key FILE --job ID --bond N\n"
     "\nChallenges a claim inside its window, locking a bond >= the provider's.\n")
STEP(cancel, CHAIN_TX_JOB_CANCEL,
     "Usage: aether job cancel --key FILE --job ID\n"
     "\nCancels a posted job nobody accepted; the payment returns to the requester.\n")
STEP(expire, CHAIN_TX_JOB_EXPIRE,
     "Usage: aether job expire --key FILE --job ID\n"
     "\nCloses a job past its deadline without a claim: refund, provider bond slashed.\n")

static const char status_usage[] = "Usage: aether job status --job ID [--rpc URL]\n"
                                   "\nPrints the job record (aeth_getJob); exit 1 if unknown.\n";

static int job_status(int argc, char **argv)
{
    const char *prog = "aether job status";
    job_opts_t o;
    int rc = parse(prog, status_usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.have_job)
        return cli_usage_error(prog, "--job ID is required");
    chain_client_t *c = chain_cli_open_client(prog, o.w.rpc, &rc);
    if (!c)
        return rc;
    err_t e = {0};
    json_t *j = NULL;
    if (chain_client_get_job(c, &o.job, &j, &e) != 0)
        rc = chain_cli_client_error(prog, &e);
    else if (json_is_null(j))
        rc = cli_error(prog, CLI_FAIL, "no job %s on this chain", argv[optind - 1]);
    else
        chain_cli_print_json(j), rc = CLI_OK;
    json_decref(j);
    chain_client_free(c);
    return rc;
}

static const char list_usage[] =
    "Usage: aether job list [--requester ADDR] [--provider ADDR] [--status S]\n"
    "                       [--after ID] [--max N] [--rpc URL]\n"
    "\nLists jobs (aeth_getJobs) in job id order. Without --after and --max it\n"
    "walks every page and prints one array of all matching jobs. With either it\n"
    "prints one page, {\"jobs\": [...], \"next\": ID | null}: at most N (1..100,\n"
    "default 100) jobs after ID; pass \"next\" as --after for the following page.\n";

static int job_list(int argc, char **argv)
{
    const char *prog = "aether job list";
    job_opts_t o;
    int rc = parse(prog, list_usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    json_t *f = json_object();
    if (o.requester)
        json_object_set_new(f, "requester", json_string(o.requester));
    if (o.provider)
        json_object_set_new(f, "provider", json_string(o.provider));
    if (o.status)
        json_object_set_new(f, "status", json_string(o.status));
    chain_client_t *c = chain_cli_open_client(prog, o.w.rpc, &rc);
    if (!c) {
        json_decref(f);
        return rc;
    }
    err_t e = {0};
    if (o.max)
        json_object_set_new(f, "max", json_integer(o.max));
    bool paged = o.have_after || o.max;
    json_t *all = json_array();
    chain_hash_t next = o.after;
    bool more = true, first = true;
    rc = CLI_OK;
    while (rc == CLI_OK && more && (first || !paged)) {
        json_t *page = NULL, *fc = json_deep_copy(f);
        if (!fc) {
            rc = cli_error(prog, CLI_FAIL, "out of memory");
            break;
        }
        if (chain_client_get_jobs(c, fc, first && !o.have_after ? NULL : &next, &page, &more,
                                  &next, &e) != 0) {
            rc = chain_cli_client_error(prog, &e);
            break;
        }
        json_array_extend(all, page);
        json_decref(page);
        first = false;
    }
    if (rc == CLI_OK && paged) {
        char hex[2 * CHAIN_HASH_BYTES + 1];
        chain_hash_to_hex(&next, hex);
        json_t *out = json_pack("{s:O,s:o}", "jobs", all, "next",
                                more ? json_string(hex) : json_null());
        chain_cli_print_json(out);
        json_decref(out);
    } else if (rc == CLI_OK) {
        chain_cli_print_json(all);
    }
    json_decref(all);
    json_decref(f);
    chain_client_free(c);
    return rc;
}

static const char receipt_usage[] =
    "Usage: aether job receipt --job ID [--out FILE] [--wait [--timeout S]] [--rpc URL]\n"
    "\nFetches the SignedReceipt that claimed the job (from its claim transaction)\n"
    "and verifies it against the chain's record: its hash, the Phase key the\n"
    "provider linked when accepting, the job id and the output commitment.\n"
    "Prints {job_id, status, provider, phase_pk, receipt}; --out writes the receipt\n"
    "as claimed (for `plasmd verify --stdout ...`). --wait waits for a claim.\n"
    "Exit 1 when there is no claim (yet) or the receipt does not verify.\n";

static int job_receipt(int argc, char **argv)
{
    const char *prog = "aether job receipt";
    job_opts_t o;
    int rc = parse(prog, receipt_usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.have_job)
        return cli_usage_error(prog, "--job ID is required");
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "libsodium failed to initialise");
    chain_client_t *c = chain_cli_open_client(prog, o.w.rpc, &rc);
    if (!c)
        return rc;
    err_t e = {0};
    json_t *job = NULL;
    char *receipt = NULL;
    /* --wait: every 100 ms, at most --timeout seconds */
    uint64_t polls = o.w.timeout_s * 10;
    while ((rc = market_job_receipt(c, &o.job, &job, &receipt, &e)) == MARKET_ENOTFOUND &&
           o.w.wait && polls-- > 0)
        usleep(100 * 1000);
    if (rc) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
    } else if (o.out && file_write_atomic(o.out, receipt, strlen(receipt), 0644, false, &e) != 0) {
        rc = cli_error(prog, CLI_FAIL, "%s: %s", o.out, e.msg);
    } else {
        json_t *r = json_loads(receipt, 0, NULL);
        json_t *out = json_pack("{s:O,s:O,s:O,s:O,s:o}", "job_id", json_object_get(job, "job_id"),
                                "status", json_object_get(job, "status"), "provider",
                                json_object_get(job, "provider"), "phase_pk",
                                json_object_get(job, "phase_pk"), "receipt",
                                r ? r : json_string(receipt));
        chain_cli_print_json(out);
        json_decref(out);
        rc = CLI_OK;
    }
    free(receipt);
    json_decref(job);
    chain_client_free(c);
    return rc;
}

int aether_job_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"post", job_post, "lock payment for a Phase wasm job (its SignedManifest)"},
        {"accept", job_accept, "accept a posted job, locking the provider bond"},
        {"claim", job_claim, "claim an accepted job with its Phase receipt"},
        {"finalize", job_finalize, "pay a claimed job after its challenge window"},
        {"challenge", job_challenge, "challenge a claim: re-executed on chain, the loser slashed"},
        {"cancel", job_cancel, "cancel a posted, unaccepted job"},
        {"expire", job_expire, "close a job past its deadline"},
        {"status", job_status, "show a job"},
        {"receipt", job_receipt, "the receipt that claimed a job, verified against the chain"},
        {"list", job_list, "list jobs by requester, provider, status"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aether job", "Usage: aether job <command> [args]\n", cmds, argc, argv);
}

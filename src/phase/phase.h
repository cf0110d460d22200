/*
 * phase: the Phase job formats and the local worker, byte-compatible with
 * upstream Phase (shared/reference/phase-original.md §2, §3, §4).
 *
 *   identity   the node's Ed25519 seed in $PLASMD_HOME/identity.key (32 raw
 *              bytes, file 0600, directory 0700, created race-safe with an
 *              exclusive link()), and its libp2p peer id (12D3KooW...)
 *   manifest   SignedManifest<T> v1: Ed25519 over
 *              "phase-manifest:v1:" || canonical_json({created_at,
 *              expires_at?, payload, schema_version}); JobId = SHA-256 of that
 *              whole signing message
 *   receipt    SignedReceipt<T> v1: Ed25519 over
 *              "phase-receipt:v1:" || canonical_json({completed_at, job_id,
 *              result, schema_version}); job_id is signed as its hex string
 *   result     JobResult (job_spec_hash, output_commitment, chunk count,
 *              completion, resumption, metrics) as serde encodes it
 *   commitment the streaming SHA-256 chain of §2.7 over output chunks
 *   legacy     the v0.1 receipt (Ed25519 over SHA-256 of
 *              "version|module_hash|exit_code|wall_time_ms|timestamp")
 *   worker     runs a wasm32-wasi module (src/wasm + src/wasm/wasi) with
 *              captured stdout/stderr and signs a receipt over the output
 *   events     the JobEvent stream of a job: as JSON, written to a file by
 *              streaming, replayed by a verifier one event at a time
 *
 * Verification follows upstream's order and errors: schema version, then the
 * public key (hex, 32 bytes, valid point), then the signature (hex, 64 bytes,
 * Ed25519), and only then expiry (manifests only). Timestamps are parsed and
 * re-serialised the way chrono does before the message is rebuilt, so any
 * RFC 3339 offset verifies exactly as in Rust.
 *
 * Output chunks (our rule; upstream committed a placeholder string): the
 * job's stdout is folded first, as chunks of at most PHASE_CHUNK_MAX bytes
 * of kind "stdout" (always at least one, possibly empty), then its stderr as
 * chunks of kind "stderr" (none when stderr is empty), seq counting up from 0
 * across both. So anyone holding the two byte strings can recompute the
 * commitment and chunk count of a receipt.
 *
 * All functions return 0 or a negative PHASE_E* / BASE_E* code and fill an
 * optional err_t. Objects from *_parse / *_sign are released with *_free.
 * crypto_init() must have been called.
 */
#ifndef AETHER_PHASE_H
#define AETHER_PHASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define PHASE_SCHEMA_VERSION 1
#define PHASE_MANIFEST_DOMAIN "phase-manifest:v1:"
#define PHASE_RECEIPT_DOMAIN "phase-receipt:v1:"
#define PHASE_COMMIT_DOMAIN "phase-protocol:v1:commitment"
#define PHASE_PK_BYTES 32
#define PHASE_SEED_BYTES 32
#define PHASE_SIG_BYTES 64
#define PHASE_HASH_BYTES 32
#define PHASE_MODULE_HASH_LEN 71 /* "sha256:" + 64 hex */
#define PHASE_PEER_ID_MAX 64
#define PHASE_CHUNK_MAX 65536
#define PHASE_JSON_MAX (64u << 20) /* cap on manifest/receipt files we read */

/* Error codes PHASE_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -400. */

/* ---- identity ------------------------------------------------------------ */

typedef struct phase_identity {
    uint8_t seed[PHASE_SEED_BYTES];
    uint8_t pk[PHASE_PK_BYTES];
    uint8_t sk[64]; /* libsodium form: seed || pk */
} phase_identity_t;

/* The node's home: $PLASMD_HOME, else $XDG_DATA_HOME/plasmd, else
 * $HOME/.local/share/plasmd. */
int phase_home_dir(char *out, size_t cap, err_t *e) BASE_MUST_CHECK;
/* <home>/identity.key */
int phase_identity_path(char *out, size_t cap, err_t *e) BASE_MUST_CHECK;
/* Derives the keys from a seed (tests and deterministic tools). */
void phase_identity_from_seed(const uint8_t seed[PHASE_SEED_BYTES], phase_identity_t *id);
/* Loads exactly 32 bytes; PHASE_ENOENT when the file is absent. */
int phase_identity_load(const char *path, phase_identity_t *id, err_t *e) BASE_MUST_CHECK;
/* Creates a new random identity; PHASE_EEXIST when one is already there.
 * Directory made 0700, file 0600 from creation, published with link(). */
int phase_identity_create(const char *path, phase_identity_t *id, err_t *e) BASE_MUST_CHECK;
/* Load, or create when absent; concurrent callers all end with the same key. */
int phase_identity_load_or_create(const char *path, phase_identity_t *id, bool *created,
                                  err_t *e) BASE_MUST_CHECK;
void phase_identity_wipe(phase_identity_t *id);
/* Where upstream Phase keeps its node key (reference §3.3, same 32-byte raw
 * seed format): $XDG_CONFIG_HOME/phase/identity.key, else
 * $HOME/.config/phase/identity.key. */
int phase_identity_upstream_path(char *out, size_t cap, err_t *e) BASE_MUST_CHECK;
/* Copies the key at `from` to `to` (mode 0600, directory 0700), so the node
 * keeps its peer id. When `to` already holds the same key: *unchanged = true,
 * nothing written. Another key there: PHASE_EEXIST unless force (then replaced
 * atomically). Run as root into a directory owned by another user, the file
 * takes the directory's owner and group. On success *id is the imported key. */
int phase_identity_import(const char *from, const char *to, bool force, phase_identity_t *id,
                          bool *unchanged, err_t *e) BASE_MUST_CHECK;

/* libp2p peer id: base58btc(00 24 08 01 12 20 || pk). Returns its length. */
size_t phase_peer_id(const uint8_t pk[PHASE_PK_BYTES], char out[PHASE_PEER_ID_MAX]);

/* ---- module hash and commitment ------------------------------------------ */

/* "sha256:<lowercase hex>" of the raw module bytes, NUL-terminated. */
void phase_module_hash(const uint8_t *wasm, size_t n, char out[PHASE_MODULE_HASH_LEN + 1]);

typedef struct phase_commit {
    uint8_t state[PHASE_HASH_BYTES];
    uint64_t count;
} phase_commit_t;

void phase_commit_init(phase_commit_t *c);
/* state = SHA256(state || u64_be(seq) || u32_be(|kind|) || kind || u32_be(|data|) || data) */
void phase_commit_add(phase_commit_t *c, uint64_t seq, const char *kind, const void *data,
                      size_t n);
/* Folds stdout and stderr by the chunk rule above, starting from a fresh state. */
void phase_commit_output(phase_commit_t *c, const uint8_t *out, size_t out_len,
                         const uint8_t *err, size_t err_len);

/* ---- JobResult -------------------------------------------------------------- */

typedef enum {
    PHASE_COMPLETION_STOP = 0,
    PHASE_COMPLETION_LENGTH,
    PHASE_COMPLETION_CANCELLED,
    PHASE_COMPLETION_ERROR,
} phase_completion_t;

const char *phase_completion_name(phase_completion_t c);

typedef struct phase_job_result {
    uint8_t job_spec_hash[PHASE_HASH_BYTES]; /* the manifest hash (JobId) */
    uint8_t output_commitment[PHASE_HASH_BYTES];
    uint64_t output_chunk_count;
    phase_completion_t completion;
    json_t *resumption;        /* NULL => null; else a ConversationToken (owned) */
    uint64_t total_duration_ms;
    uint64_t prompt_tokens;
    uint64_t completion_tokens;
    json_t *extra;             /* object of string -> string (owned); NULL => {} */
} phase_job_result_t;

/* New reference to the serde form of r. */
json_t *phase_job_result_to_json(const phase_job_result_t *r, err_t *e);
/* Strict reading of the serde form (metrics fields default to 0 / {}). */
int phase_job_result_from_json(const json_t *j, phase_job_result_t *r, err_t *e) BASE_MUST_CHECK;
void phase_job_result_free(phase_job_result_t *r);

/* ---- SignedManifest<T> v1 ------------------------------------------------- */

typedef struct phase_manifest {
    uint32_t schema_version;
    json_t *payload;       /* owned */
    char *signer_pubkey;   /* hex as found on the wire (checked by verify) */
    char *signature;       /* hex as found on the wire */
    ts_t created_at;
    bool has_expires;
    ts_t expires_at;
} phase_manifest_t;

/* Signs payload (a new reference is taken) with created_at and an optional
 * expiry. */
int phase_manifest_sign(const json_t *payload, const phase_identity_t *id, ts_t created_at,
                        const ts_t *expires_at, phase_manifest_t *out, err_t *e) BASE_MUST_CHECK;
int phase_manifest_parse(const char *json, size_t n, phase_manifest_t *out, err_t *e)
    BASE_MUST_CHECK;
/* "phase-manifest:v1:" || canonical JSON of the signed fields. */
int phase_manifest_signing_message(const phase_manifest_t *m, buf_t *out, err_t *e)
    BASE_MUST_CHECK;
/* schema -> key -> signature -> expiry (against now). */
int phase_manifest_verify(const phase_manifest_t *m, ts_t now, err_t *e) BASE_MUST_CHECK;
/* JobId = SHA-256 of the signing message. */
int phase_manifest_hash(const phase_manifest_t *m, uint8_t out[PHASE_HASH_BYTES], err_t *e)
    BASE_MUST_CHECK;
/* Wire JSON (canonical key order, one line), malloc'd. */
char *phase_manifest_to_json(const phase_manifest_t *m, err_t *e);
void phase_manifest_free(phase_manifest_t *m);

/* ---- SignedReceipt<T> v1 ---------------------------------------------------- */

typedef struct phase_receipt {
    uint32_t schema_version;
    json_t *result;        /* owned */
    char *job_id;          /* hex string, signed as written */
    char *worker_pubkey;
    char *signature;
    ts_t completed_at;
} phase_receipt_t;

int phase_receipt_sign(const json_t *result, const uint8_t job_id[PHASE_HASH_BYTES],
                       const phase_identity_t *id, ts_t completed_at, phase_receipt_t *out,
                       err_t *e) BASE_MUST_CHECK;
int phase_receipt_parse(const char *json, size_t n, phase_receipt_t *out, err_t *e)
    BASE_MUST_CHECK;
int phase_receipt_signing_message(const phase_receipt_t *r, buf_t *out, err_t *e)
    BASE_MUST_CHECK;
/* schema -> key -> signature, against the embedded worker_pubkey. When pinned
 * is not NULL the embedded key must also equal it (PHASE_EMISMATCH). */
int phase_receipt_verify(const phase_receipt_t *r, const uint8_t *pinned, err_t *e)
    BASE_MUST_CHECK;
int phase_receipt_job_id_bytes(const phase_receipt_t *r, uint8_t out[PHASE_HASH_BYTES], err_t *e)
    BASE_MUST_CHECK;
char *phase_receipt_to_json(const phase_receipt_t *r, err_t *e);
void phase_receipt_free(phase_receipt_t *r);

/* True when the parsed JSON object looks like a v1 envelope (has both
 * schema_version and result), as the PHP SDK decides. */
bool phase_json_is_v1_receipt(const json_t *j);

/* ---- legacy v0.1 receipt (read, verify; signing only for execute-job) ------ */

typedef struct phase_legacy_receipt {
    char version[16];
    char module_hash[PHASE_MODULE_HASH_LEN + 1];
    uint32_t exit_code;
    uint64_t wall_time_ms;
    uint64_t timestamp;
    char node_pubkey[2 * PHASE_PK_BYTES + 1];
    char signature[2 * PHASE_SIG_BYTES + 1];
} phase_legacy_receipt_t;

/* Fills node_pubkey and signature from the other fields. */
int phase_legacy_sign(phase_legacy_receipt_t *r, const phase_identity_t *id, err_t *e)
    BASE_MUST_CHECK;
int phase_legacy_from_json(const json_t *j, phase_legacy_receipt_t *r, err_t *e) BASE_MUST_CHECK;
int phase_legacy_parse(const char *json, size_t n, phase_legacy_receipt_t *r, err_t *e)
    BASE_MUST_CHECK;
/* Against node_pubkey; when pinned is not NULL, node_pubkey must equal it. */
int phase_legacy_verify(const phase_legacy_receipt_t *r, const uint8_t *pinned, err_t *e)
    BASE_MUST_CHECK;
json_t *phase_legacy_to_json(const phase_legacy_receipt_t *r);

/* ---- worker: run one wasm32-wasi job ---------------------------------------- */

typedef struct phase_job_opts {
    const uint8_t *module;
    size_t module_len;
    size_t argc;                  /* argv[0] is the program name */
    const char *const *argv;
    size_t envc;
    const char *const *envp;      /* "KEY=VALUE" */
    uint64_t fuel;                /* 0 = not metered */
    uint64_t memory_max;          /* bytes of linear memory and, apart from it, of
                                     tables/globals/functions; 0 = engine default */
    uint64_t timeout_ms;          /* wall clock, 0 = none */
    int stdin_fd;                 /* read on demand; -1 = use stdin_data */
    const uint8_t *stdin_data;
    size_t stdin_len;
    int stdout_fd;                /* write-through copies, -1 = capture only */
    int stderr_fd;
    size_t output_max;            /* cap on captured stdout + stderr; 0 (and any value
                                     above it) = PHASE_OUTPUT_MAX, 64 MiB */
    bool seeded_random;
    uint8_t random_seed[32];
    /* Same module + input + options => same output, on every machine:
     * canonical NaNs (engine determinism mode), virtual clocks starting at
     * clock_base_ns, and random_get from random_seed (zeros unless seeded). */
    bool deterministic;
    uint64_t clock_base_ns;
    /* When not NULL: set to non-zero (by any thread, __atomic_store_n) to
     * stop the job within ~20 ms (needs timeout_ms, which the watchdog
     * serves); the outcome is PHASE_JOB_CANCELLED. */
    const int *cancel;
} phase_job_opts_t;

typedef enum {
    PHASE_JOB_EXITED = 0,   /* _start returned (code 0) or proc_exit(n) */
    PHASE_JOB_OUT_OF_FUEL,
    PHASE_JOB_TIMEOUT,
    PHASE_JOB_TRAP,         /* any other trap (message says which) */
    PHASE_JOB_LOAD_ERROR,   /* decode, validation, link or instantiation failed */
    PHASE_JOB_CANCELLED,    /* stopped through opts.cancel (JobResult completion "cancelled") */
} phase_job_status_t;

/* "exited", "out_of_fuel", "timeout", "trap", "load_error", "cancelled": the
 * metrics.extra.status of a receipt (set when the job did not exit). */
const char *phase_job_status_name(phase_job_status_t s);

typedef struct phase_job_outcome {
    phase_job_status_t status;
    int32_t exit_code;          /* PHASE_JOB_EXITED */
    int load_error;             /* the AWASM_E* code for PHASE_JOB_LOAD_ERROR */
    bool over_limit;            /* LOAD_ERROR at instantiation: the module is fine but
                                   --memory or a limit refused it (exit 1, not 2) */
    char message[ERR_MSG_MAX];  /* what went wrong, empty for EXITED */
    uint8_t *out;               /* captured stdout (malloc'd) */
    size_t out_len;
    uint8_t *err;               /* captured stderr */
    size_t err_len;
    bool output_truncated;      /* output_max was reached */
    uint64_t wall_ms;
    uint64_t fuel_used;
    char module_hash[PHASE_MODULE_HASH_LEN + 1];
} phase_job_outcome_t;

/* Runs the module's _start with WASI. Returns 0 whenever an outcome was
 * produced (including traps and load errors, see out->status); a negative
 * code only for bad options or when the host runs out of resources. */
int phase_job_run(const phase_job_opts_t *o, phase_job_outcome_t *out, err_t *e) BASE_MUST_CHECK;
void phase_job_outcome_free(phase_job_outcome_t *out);
/* upstream `execute-job`'s output document {job_id, exit_code, stdout, stderr,
 * receipt}: a fresh job-<uuid>, output as lossy UTF-8 and a legacy v0.1
 * receipt signed by id. The caller json_decref()s it; NULL with e set on
 * failure. */
json_t *phase_execute_job_doc(const phase_job_outcome_t *out, int exit_status,
                              const phase_identity_t *id, err_t *e);
/* The exit code a process reports for an outcome: the job's code for
 * EXITED (codes outside 0..255 become 1), else PHASE_EXIT_* below: a module
 * that does not decode, validate or link (including one past a decoding
 * limit such as max_locals) is PHASE_EXIT_LOAD; one refused at instantiation
 * by the memory cap or a limit (over_limit) is PHASE_EXIT_TRAP. */
#define PHASE_EXIT_TRAP 1
#define PHASE_EXIT_LOAD 2
#define PHASE_EXIT_OUT_OF_FUEL 125
#define PHASE_EXIT_TIMEOUT 124   /* as timeout(1) */
int phase_job_exit_status(const phase_job_outcome_t *o);

/* The upstream wasm JobSpec payload {kind:"wasm", module_cid:"inline",
 * input:[module bytes], max_duration_ms, max_memory_bytes} (0 => null). */
json_t *phase_wasm_job_spec(const uint8_t *module, size_t n, uint64_t max_duration_ms,
                            uint64_t max_memory_bytes);
/* The JobId of the manifest phase_manifest_sign() would make from that
 * JobSpec with that created_at, computed by streaming the canonical bytes
 * (no JSON tree for the module's bytes): what `plasmd run --receipt` uses. */
int phase_wasm_job_id(const uint8_t *module, size_t n, uint64_t max_duration_ms,
                      uint64_t max_memory_bytes, ts_t created_at,
                      uint8_t out[PHASE_HASH_BYTES], err_t *e) BASE_MUST_CHECK;
/* Fills a JobResult for an outcome: job_spec_hash = job_id, the commitment
 * over the captured output, completion stop/error, total_duration_ms and
 * metrics.extra {module_hash, exit_code, error?, status?} (error and status
 * when the job did not exit: status "timeout" for a timed-out job, whose
 * exit_code is "124"). */
int phase_job_result_for(const phase_job_outcome_t *o, const uint8_t job_id[PHASE_HASH_BYTES],
                         phase_job_result_t *r, err_t *e) BASE_MUST_CHECK;

/* ---- JobEvent stream (reference §2.6: externally tagged serde enums) -------- */

/* The events of a finished job, as upstream's relay ships them
 * (serde_json(Vec<JobEvent>)): one {"Output":{"kind","data","seq"}} per
 * output chunk (the chunk rule above), then {"Final":{"result","error"}}
 * with result = the JobResult JSON (a new reference is taken) and error =
 * null when the job exited 0, else the reason. */
json_t *phase_job_events(const phase_job_outcome_t *o, const json_t *result, err_t *e);
/* Replays an events array as a verifier does (SPEC §6): Output chunks folded
 * in order with seq counting up from 0, Progress events skipped, exactly one
 * Final, last. Fills the commitment and returns a borrowed pointer to the
 * Final's result in *final_result. */
int phase_events_replay(const json_t *events, phase_commit_t *c, const json_t **final_result,
                        err_t *e) BASE_MUST_CHECK;

/* Limits that the events writer and verifier share: a job captures at most
 * PHASE_OUTPUT_MAX bytes of stdout + stderr (the default and the ceiling of
 * phase_job_opts_t.output_max); one JobEvent is at most PHASE_EVENT_MAX
 * bytes of JSON (an Output chunk of PHASE_CHUNK_MAX bytes is at most
 * 262,192); so a stream file is at most PHASE_EVENTS_MAX bytes. */
#define PHASE_OUTPUT_MAX (64u << 20)
#define PHASE_EVENT_MAX (1u << 20)
#define PHASE_EVENTS_MAX \
    ((uint64_t)(PHASE_OUTPUT_MAX / PHASE_CHUNK_MAX + 3) * (PHASE_EVENT_MAX + 1) + 3)
/* Writes the events of phase_job_events() to path as its canonical JSON and
 * a newline, streaming (memory independent of the output's size), through a
 * temp file, fsync and rename. */
int phase_job_events_write(const char *path, const phase_job_outcome_t *o, const json_t *result,
                           err_t *e) BASE_MUST_CHECK;
/* phase_events_replay() over a stream file, one event at a time (memory
 * bounded by PHASE_EVENT_MAX whatever the file's size). *final_result is a
 * new reference (NULL on error). PHASE_EIO when the file cannot be read,
 * PHASE_EINVAL when it is malformed or past a limit above (naming it). */
int phase_events_replay_file(const char *path, phase_commit_t *c, json_t **final_result,
                             err_t *e) BASE_MUST_CHECK;

/* ---- worker path: SignedManifest<JobSpec> in, SignedReceipt out --------------- */

/* Upstream's WasmtimeWorker (reference §4.2) with SEC-01 authorisation. */
typedef struct phase_worker_policy {
    const uint8_t (*allowed)[PHASE_PK_BYTES]; /* authorised submitters */
    size_t n_allowed;
    bool allow_unauthenticated;   /* dev escape hatch: any valid signer */
    uint64_t max_duration_ms;     /* ceiling; 0 = 300,000 (upstream's default) */
    uint64_t max_memory_bytes;    /* ceiling; 0 = 128 MiB */
} phase_worker_policy_t;

typedef struct phase_wasm_spec {
    uint8_t *module;              /* the payload's input bytes (malloc'd) */
    size_t module_len;
    char *module_cid;
    bool has_duration, has_memory;
    uint64_t max_duration_ms, max_memory_bytes;
} phase_wasm_spec_t;

/* Reads {"kind":"wasm", module_cid, input, max_duration_ms, max_memory_bytes};
 * PHASE_EUNSUPPORTED for another kind, PHASE_EINVAL for a malformed one. */
int phase_wasm_spec_parse(const json_t *payload, phase_wasm_spec_t *out, err_t *e) BASE_MUST_CHECK;
void phase_wasm_spec_free(phase_wasm_spec_t *s);

/* verify (schema, key, signature, expiry) -> authorise the signer (policy,
 * deny by default) -> JobSpec must be wasm -> clamp duration and memory to
 * the ceilings -> run (io and fuel from tmpl; module, limits, argv ignored
 * from it) -> JobResult with job_spec_hash = JobId -> receipt signed by id.
 * A rejected manifest returns its error (nothing ran); once the job ran,
 * returns 0 with the outcome and the receipt, whatever the job did. */
int phase_worker_execute(const phase_manifest_t *m, const phase_worker_policy_t *policy,
                         const phase_identity_t *id, const phase_job_opts_t *tmpl, ts_t now,
                         phase_job_outcome_t *out, phase_receipt_t *receipt, err_t *e)
    BASE_MUST_CHECK;

/* A plain run (`plasmd run` without a manifest): runs o as phase_job_run()
 * does and, when id is not NULL, signs a receipt exactly as
 * phase_worker_execute() does, with job_id = phase_wasm_job_id(module,
 * o->timeout_ms, o->memory_max, created_at): the JobId of the manifest that
 * would have asked for this run. Returns 0 with the outcome (and receipt)
 * whatever the job did; on an error nothing is left to free. */
int phase_worker_run(const phase_job_opts_t *o, const phase_identity_t *id, ts_t created_at,
                     phase_job_outcome_t *out, phase_receipt_t *receipt, err_t *e)
    BASE_MUST_CHECK;

/* An escrow job as the chain holds it (docs/escrow.md): module and input
 * bytes, the job's fuel (the gas bound of a dispute) and memory cap, and its
 * JobId. */
typedef struct phase_escrow_job {
    uint8_t job_id[PHASE_HASH_BYTES];
    const uint8_t *module;
    size_t module_len;
    const uint8_t *input;
    size_t input_len;
    uint64_t fuel;
    uint64_t memory_max;
} phase_escrow_job_t;

/* Runs an escrow job exactly as the chain re-executes a disputed one:
 * argv[0] "job.wasm", stdin = the input, determinism mode (virtual clocks
 * from 0, zero random seed, canonical NaNs), the job's fuel and memory cap,
 * no wall-clock limit. result (optional) gets the JobResult for job_id
 * (its output_commitment is what a claim must carry); with id, receipt gets
 * the SignedReceipt signed by id. Returns 0 whenever an outcome was
 * produced, whatever the job did; on an error nothing is left to free. */
int phase_escrow_run(const phase_escrow_job_t *j, const phase_identity_t *id,
                     phase_job_outcome_t *out, phase_job_result_t *result,
                     phase_receipt_t *receipt, err_t *e) BASE_MUST_CHECK;

/* ---- hex helpers shared by the formats -------------------------------------- */

/* Exactly 2*n hex digits of either case into out. */
int phase_hex_key(const char *hex, uint8_t *out, size_t n, err_t *e) BASE_MUST_CHECK;


/* ---- the Phase network: wire codecs (netproto.c) ------------------------------
 *
 * Upstream's request-response protocols (reference §5.1-5.5), one request per
 * substream, the body written and the write side closed, read to EOF under a
 * cap (no length prefix):
 *   /phase/job-offer/1.0.0  JSON JobOffer -> JSON JobResponse, 64 KiB caps
 *   /phase/job-relay/1.0.0  CBOR {"payload": bstr(JSON SignedManifest<JobSpec>)}
 *                           -> CBOR {"Ok": {"events": bstr(JSON [JobEvent]),
 *                                           "receipt": bstr(JSON SignedReceipt)}}
 *                              | {"Err": {"reason": tstr}}; 256 KiB / 8 MiB caps
 * Our extensions of the wasm JobSpec payload (signed with it, ignored by
 * upstream): "args" [str] (argv after argv[0]), "env" {name: str} (the WASI
 * environment, at most 64), "stdin" [bytes], "max_fuel" u64. The provider
 * clamps each to its own limits. */

#define PHASE_OFFER_PROTO "/phase/job-offer/1.0.0"
#define PHASE_RELAY_PROTO "/phase/job-relay/1.0.0"
#define PHASE_OFFER_MAX (64u << 10)
#define PHASE_RELAY_REQ_MAX (256u << 10)
#define PHASE_RELAY_RESP_MAX (8u << 20)
#define PHASE_RUNTIME_NAME "wasm-aether-" AETHER_VERSION
#define PHASE_CAP_NS "/phase-cap/"          /* DHT key namespace of capability records */
#define PHASE_CAP_DOMAIN "phase-capability:v1:"

typedef struct phase_offer {
    char job_id[256];
    char nonce[256];
    char module_hash[128];
    uint32_t cpu_cores;
    uint64_t memory_mb;
    uint64_t timeout_seconds;
    char arch[64];
    char wasm_runtime[128];
} phase_offer_t;

typedef enum {
    PHASE_OFFER_ACCEPTED = 0,
    PHASE_REJECT_INSUFFICIENT,   /* InsufficientResources{missing} */
    PHASE_REJECT_ARCH,           /* ArchMismatch{required, available} */
    PHASE_REJECT_RUNTIME,        /* RuntimeNotSupported{required} */
    PHASE_REJECT_QUEUE_FULL,     /* "QueueFull" */
    PHASE_REJECT_INVALID,        /* InvalidRequest{details} */
} phase_offer_verdict_t;

typedef struct phase_offer_response {
    phase_offer_verdict_t verdict;
    char job_id[256];
    uint64_t estimated_start;     /* Accepted: unix seconds */
    char node_peer_id[128];       /* Accepted */
    char detail[256];             /* missing / required / details */
    char available[64];           /* ArchMismatch */
} phase_offer_response_t;

/* What evaluate_offer compares against. */
typedef struct phase_offer_caps {
    const char *arch;
    const char *peer_id;
    uint32_t cpu_count;
    uint64_t memory_mb;
    uint64_t max_timeout_seconds;  /* ours, after upstream's four checks; 0 = none */
    bool queue_full;
} phase_offer_caps_t;

int phase_offer_parse(const uint8_t *p, size_t n, phase_offer_t *o, err_t *e) BASE_MUST_CHECK;
json_t *phase_offer_to_json(const phase_offer_t *o);
/* Upstream's order: arch, runtime (prefix before '-': wasmtime|wasm|wasm3),
 * cpu, memory; then ours: timeout, queue. */
void phase_offer_evaluate(const phase_offer_t *o, const phase_offer_caps_t *c, uint64_t now_s,
                          phase_offer_response_t *r);
json_t *phase_offer_response_to_json(const phase_offer_response_t *r);
int phase_offer_response_parse(const uint8_t *p, size_t n, phase_offer_response_t *r, err_t *e)
    BASE_MUST_CHECK;
/* "ArchMismatch: required riscv64, available x86_64", for people. */
void phase_offer_reason_text(const phase_offer_response_t *r, char *out, size_t cap);

int phase_relay_request_encode(const uint8_t *payload, size_t n, buf_t *out, err_t *e)
    BASE_MUST_CHECK;
/* *payload malloc'd. */
int phase_relay_request_decode(const uint8_t *p, size_t n, uint8_t **payload,
                               size_t *payload_len, err_t *e) BASE_MUST_CHECK;

typedef struct phase_relay_response {
    bool ok;
    uint8_t *events;     /* malloc'd JSON */
    size_t events_len;
    uint8_t *receipt;    /* malloc'd JSON, may be empty */
    size_t receipt_len;
    char *reason;        /* malloc'd, Err */
} phase_relay_response_t;

int phase_relay_response_encode(const phase_relay_response_t *r, buf_t *out, err_t *e)
    BASE_MUST_CHECK;
int phase_relay_response_decode(const uint8_t *p, size_t n, phase_relay_response_t *r, err_t *e)
    BASE_MUST_CHECK;
void phase_relay_response_free(phase_relay_response_t *r);

/* ---- capability records (netproto.c) -------------------------------------------
 * Upstream's PeerCapabilities fields with real values plus ours, signed by
 * the provider: the DHT value under PHASE_CAP_NS "<peer id>" is the JSON
 *   {"capabilities":{...},"expires_at":"<ts>","peer_id":"12D3...",
 *    "signature":"<128 hex>"}
 * with signature = Ed25519(PHASE_CAP_DOMAIN || canonical_json(the object
 * without "signature")) by the key inside peer_id. */
typedef struct phase_capabilities {
    char peer_id[PHASE_PEER_ID_MAX * 2];
    char arch[64];
    uint32_t cpu_count;
    uint64_t memory_mb;              /* the memory a job may have (limit), MiB */
    uint32_t max_concurrent_jobs;
    uint32_t queue_max;
    uint32_t current_concurrency;    /* jobs running */
    uint32_t queue_depth;            /* jobs waiting */
    uint64_t max_memory_bytes;
    uint64_t max_timeout_seconds;
    uint64_t max_fuel;
    uint64_t price_per_fuel;         /* price per million fuel units, smallest unit */
    char engine_version[64];
    char addrs[4][256];              /* text multiaddrs with /p2p/ */
    size_t n_addrs;
    ts_t expires_at;
} phase_capabilities_t;

int phase_cap_record_sign(const phase_capabilities_t *c, const phase_identity_t *id, buf_t *out,
                          err_t *e) BASE_MUST_CHECK;
/* Checks shape, signature, that key (when not NULL) is PHASE_CAP_NS + the
 * signer's peer id, and expiry against now. out may be NULL. */
int phase_cap_record_verify(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
                            ts_t now, phase_capabilities_t *out, err_t *e) BASE_MUST_CHECK;
/* The DHT validator for PHASE_CAP_NS (p2p_kad_validator_fn shape). */
int phase_cap_validator(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn, err_t *e);

/* The machine's arch as upstream names it (std::env::consts::ARCH: x86_64,
 * aarch64, ...). */
const char *phase_arch(void);

/* ---- node config (config.c) --------------------------------------------------
 * JSON. Upstream's keys (§3.2): listen_addrs, peer_addrs, bootstrap_peers,
 * max_concurrent_jobs, limits {max_memory_bytes, max_cpu_cores,
 * max_timeout_seconds}; ours: queue_depth, max_fuel, price_per_fuel, mdns,
 * allow_unauthenticated, authorized_submitters, identity_path,
 * record_ttl_seconds, http_listen, http_token, http_token_file, http_max_body.
 * Unknown keys are errors naming the key and file. */
#define PHASE_CFG_MAX_ADDRS 16

typedef struct phase_node_config {
    char *listen_addrs[PHASE_CFG_MAX_ADDRS];
    size_t n_listen;
    char *peer_addrs[PHASE_CFG_MAX_ADDRS];
    size_t n_peers;
    char *bootstrap_peers[PHASE_CFG_MAX_ADDRS];
    size_t n_bootstrap;
    uint32_t max_concurrent_jobs;    /* default 4 */
    uint32_t queue_depth;            /* jobs waiting beyond those running; default 16 */
    uint64_t max_memory_bytes;       /* default 128 MiB */
    uint32_t max_cpu_cores;          /* default 1 */
    uint64_t max_timeout_seconds;    /* default 300 */
    uint64_t max_fuel;               /* default 10^10 */
    uint64_t price_per_fuel;         /* default 0 */
    bool mdns;                       /* default false */
    bool allow_unauthenticated;      /* default true (see docs/phase-protocol.md) */
    uint8_t (*authorized)[PHASE_PK_BYTES];
    size_t n_authorized;
    char *identity_path;             /* NULL = phase_identity_path() */
    uint64_t record_ttl_seconds;     /* capability record lifetime; default 600 */
    /* the local HTTP API (httpapi.c): off unless http_listen is set */
    char *http_listen;               /* "HOST:PORT" */
    char *http_token;                /* bearer token, or */
    char *http_token_file;           /* a file holding it (first line) */
    uint64_t http_max_body;          /* bytes of a request body; 0 = the API's default */
} phase_node_config_t;

void phase_config_init(phase_node_config_t *c);
/* Reads FILE over the defaults already in c. */
int phase_config_load(const char *path, phase_node_config_t *c, err_t *e) BASE_MUST_CHECK;
json_t *phase_config_to_json(const phase_node_config_t *c);
/* Replaces a list (listen_addrs, peer_addrs, bootstrap_peers) with items. */
int phase_config_set_list(char **list, size_t *n, const char *const *items, size_t count,
                          err_t *e) BASE_MUST_CHECK;
void phase_config_free(phase_node_config_t *c);
/* The HTTP API's bearer token: http_token, else the first line of
 * http_token_file (which must not be readable by others), else NULL.
 * *out malloc'd. */
int phase_config_http_token(const phase_node_config_t *c, char **out, err_t *e) BASE_MUST_CHECK;

/* ---- provider node (node.c) ---------------------------------------------------
 * One libuv loop thread: libp2p host (identify, ping, Kademlia server, mDNS
 * when asked), the offer and relay protocols, capability advertisement, and a
 * worker pool running up to max_concurrent_jobs jobs on uv_queue_work with at
 * most queue_depth more waiting. Every job's fuel, memory and wall time are
 * clamped to the node's limits. Everything below is called on the loop
 * thread; callbacks run there too. */

struct uv_loop_s;
typedef struct phase_node phase_node_t;

/* The identity is copied. */
phase_node_t *phase_node_new(struct uv_loop_s *loop, const phase_node_config_t *cfg,
                             const phase_identity_t *id, err_t *e);
/* Listens, dials peers and bootstrap nodes, starts mDNS and advertising. */
int phase_node_start(phase_node_t *n, err_t *e) BASE_MUST_CHECK;
/* Stops accepting work, closes the host; running jobs finish in the pool
 * and are discarded. The loop must run until it is empty afterwards. */
void phase_node_free(phase_node_t *n);
const char *phase_node_peer_id(const phase_node_t *n);
/* Text listen addresses with /p2p/, one per line. */
int phase_node_listen_addrs(const phase_node_t *n, buf_t *out) BASE_MUST_CHECK;
/* {peer_id, pubkey, listen, peers, running, queued, limits, jobs_done} */
json_t *phase_node_status(const phase_node_t *n);
/* The node's current capability record values. */
void phase_node_capabilities(const phase_node_t *n, phase_capabilities_t *c);

/* Local job submission (for an HTTP API: submit, phase_node_job_state,
 * live output through phase_node_submit_io's pipes, phase_node_cancel,
 * phase_node_status): a verified manifest runs through the same queue as
 * remote jobs. on_done gets the outcome and the signed
 * receipt (both NULL with status < 0 when the job did not run: busy,
 * rejected manifest, cancelled while queued). events is the JobEvent list. */
typedef struct phase_node_job_cbs {
    void (*on_done)(phase_node_t *n, uint64_t job, int status, const char *message,
                    const phase_job_outcome_t *out, const json_t *events,
                    const phase_receipt_t *receipt, void *ud);
    void *ud;
} phase_node_job_cbs_t;

/* Takes ownership of *m (left zeroed). PHASE_EBUSY when the queue is full. */
int phase_node_submit(phase_node_t *n, phase_manifest_t *m, const phase_node_job_cbs_t *cbs,
                      uint64_t *job, err_t *e) BASE_MUST_CHECK;
/* Cancels a job: a queued one never runs (on_done with PHASE_ECANCELLED); a
 * running one stops within ~20 ms and on_done still gets its outcome
 * (PHASE_JOB_CANCELLED) and a receipt for the partial output. PHASE_ENOENT
 * when the job is unknown or done; PHASE_EINVAL when it was submitted with
 * its own io.cancel flag (set that one instead). */
int phase_node_cancel(phase_node_t *n, uint64_t job) BASE_MUST_CHECK;
typedef enum {
    PHASE_NODE_JOB_UNKNOWN = 0, /* never submitted, or done (on_done has run) */
    PHASE_NODE_JOB_QUEUED,
    PHASE_NODE_JOB_RUNNING,
} phase_node_job_state_t;
phase_node_job_state_t phase_node_job_state(const phase_node_t *n, uint64_t job);

/* ---- local HTTP API (httpapi.c) ------------------------------------------------
 * `plasmd start --http HOST:PORT`: JSON over HTTP on the shared server of
 * src/rpc; docs/phase-http-api.md is the reference. Loopback by default; any
 * other address needs a bearer token (at least 16 characters, compared in
 * constant time). Started and stopped on the node's loop thread, stopped
 * before phase_node_free. */
typedef struct phase_http_cfg {
    const char *listen;     /* "HOST:PORT" (IPv4), default "127.0.0.1:8080" */
    const char *token;      /* NULL = none (loopback only) */
    size_t max_body;        /* default 2 * PHASE_MODULE_MAX + 1 MiB */
} phase_http_cfg_t;
typedef struct phase_http phase_http_t;
phase_http_t *phase_http_start(phase_node_t *n, const phase_http_cfg_t *cfg, err_t *e);
uint16_t phase_http_port(const phase_http_t *h);
void phase_http_stop(phase_http_t *h);   /* accepts NULL */

/* The body of POST /jobs, parsed (also the fuzzer's entry point). */
typedef struct phase_http_submit {
    char module_ref[PHASE_MODULE_HASH_LEN + 1];   /* "sha256:<hex>" or "" */
    uint8_t *module;                              /* module_hex, decoded */
    size_t module_len;
    char **args;
    size_t n_args;
    json_t *env;            /* object of strings (NULL = none); local jobs only */
    uint8_t *stdin_data;
    size_t stdin_len;
    uint64_t fuel, memory_bytes, timeout_ms;      /* 0 = the provider's limit */
    char target[256];       /* "local", "remote" (discovery), a peer id or multiaddr */
    bool wait;
} phase_http_submit_t;
int phase_http_parse_submit(const uint8_t *body, size_t n, phase_http_submit_t *s, err_t *e)
    BASE_MUST_CHECK;
void phase_http_submit_free(phase_http_submit_t *s);

/* ---- our streaming job protocol /phase/job/1.0.0 (netproto.c, jobproto.c) ------
 * docs/phase-protocol.md is the specification. Frames: uvarint(1 + |body|) ||
 * type || body, at most PHASE_FRAME_MAX bytes after the length. */
#define PHASE_JOB_PROTO "/phase/job/1.0.0"
#define PHASE_FRAME_MAX (256u << 10)
#define PHASE_MODULE_MAX (64u << 20)    /* largest module a provider takes */
#define PHASE_STDIN_MAX (64u << 20)     /* most stdin one job may stream */

enum {
    /* client -> provider */
    PHASE_F_MANIFEST = 0x01,    /* JSON SignedManifest<JobSpec> */
    PHASE_F_MODULE = 0x02,      /* module bytes (after NEED_MODULE) */
    PHASE_F_MODULE_END = 0x03,  /* empty */
    PHASE_F_STDIN = 0x04,       /* stdin bytes (after ACCEPTED) */
    PHASE_F_STDIN_END = 0x05,   /* empty */
    PHASE_F_CANCEL = 0x06,      /* empty: stop the job, still answer RESULT */
    /* provider -> client */
    PHASE_F_NEED_MODULE = 0x10, /* JSON {"module_cid"} */
    PHASE_F_ACCEPTED = 0x11,    /* JSON {"job_id","cached"} */
    PHASE_F_REJECTED = 0x12,    /* JSON {"reason"} then the stream closes */
    PHASE_F_EVENT = 0x13,       /* JSON JobEvent (Output while the job runs) */
    PHASE_F_RESULT = 0x14,      /* JSON {"final": JobEvent Final, "receipt": SignedReceipt} */
};

/* Appends one frame. */
int phase_frame_append(buf_t *out, uint8_t type, const void *body, size_t n) BASE_MUST_CHECK;
/* Parses the frame at the start of p: 1 with *type, *body, *body_len and
 * *used set; 0 when more bytes are needed; PHASE_EINVAL for a bad length
 * (zero, non-minimal, over PHASE_FRAME_MAX). */
int phase_frame_next(const uint8_t *p, size_t n, uint8_t *type, const uint8_t **body,
                     size_t *body_len, size_t *used, err_t *e) BASE_MUST_CHECK;

/* Jobs whose io the caller supplies (the streaming protocol, an HTTP API):
 * the module when the manifest references it by hash (copied), pipes for
 * stdin/stdout/stderr (the fds stay the caller's; close them after on_done)
 * and a cancel flag (see phase_job_opts_t.cancel). */
typedef struct phase_node_job_io {
    const uint8_t *module;
    size_t module_len;
    int stdin_fd, stdout_fd, stderr_fd;
    const int *cancel;
} phase_node_job_io_t;
int phase_node_submit_io(phase_node_t *n, phase_manifest_t *m, const phase_node_job_io_t *io,
                         const phase_node_job_cbs_t *cbs, uint64_t *job, err_t *e)
    BASE_MUST_CHECK;
/* The node's content-addressed module cache ("sha256:<hex>"): NULL when
 * absent. The pointer is valid until the next phase_node_* call. */
const uint8_t *phase_node_module_get(phase_node_t *n, const char *hash, size_t *len);
int phase_node_module_put(phase_node_t *n, const uint8_t *module, size_t len) BASE_MUST_CHECK;

/* ---- client (client.c) ----------------------------------------------------------
 * Finds providers (DHT provider records for /phase/capability/<arch>/wasm and
 * their signed capability records), offers, relays, verifies. Each call runs
 * its own libuv loop until done. */

typedef struct phase_provider {
    phase_capabilities_t caps;
    uint8_t pk[PHASE_PK_BYTES];
} phase_provider_t;

typedef struct phase_discover_opts {
    const char *const *bootstrap;   /* multiaddrs with /p2p/ */
    size_t n_bootstrap;
    const char *arch;               /* NULL = phase_arch() */
    uint64_t min_memory_bytes;
    uint64_t timeout_ms;            /* default 10 s */
} phase_discover_opts_t;

/* *out malloc'd (free()), sorted best first: fits the limits, shortest queue,
 * lowest price. */
int phase_discover(const phase_discover_opts_t *o, phase_provider_t **out, size_t *n, err_t *e)
    BASE_MUST_CHECK;

typedef struct phase_submit_opts {
    const uint8_t *module;
    size_t module_len;
    const char *const *args;        /* argv[1..] */
    size_t n_args;
    const uint8_t *stdin_data;
    size_t stdin_len;
    uint64_t fuel, memory_bytes, timeout_ms;   /* 0 = the provider's limit */
    const char *const *providers;   /* peer ids or multiaddrs, tried in order */
    size_t n_providers;
    const char *const *bootstrap;
    size_t n_bootstrap;
    const phase_identity_t *signer; /* signs the manifest */
    uint64_t attempt_timeout_ms;    /* per provider, default timeout_ms + 30 s */
    /* progress lines ("provider X rejected: ...; trying the next one") */
    void (*on_note)(const char *line, void *ud);
    void *ud;
} phase_submit_opts_t;

typedef struct phase_submit_result {
    int exit_code;                  /* as phase_job_exit_status */
    buf_t out, err;                 /* the verified stdout and stderr */
    char *receipt_json;             /* the provider's SignedReceipt */
    char provider[PHASE_PEER_ID_MAX * 2];
    unsigned attempts;
} phase_submit_result_t;

/* Returns 0 with a verified result, or an error (PHASE_EMISMATCH when a
 * provider's receipt does not match what it sent; that is never retried). */
int phase_submit(const phase_submit_opts_t *o, phase_submit_result_t *r, err_t *e)
    BASE_MUST_CHECK;
void phase_submit_result_free(phase_submit_result_t *r);

/* Checks a relay answer as the client does: receipt signature by pk, job_id
 * = JobId, the events' Output chunks replayed into the receipt's commitment
 * and count; fills stdout/stderr from the chunks and the exit code. */
int phase_verify_relay_answer(const phase_relay_response_t *resp, const uint8_t pk[PHASE_PK_BYTES],
                              const uint8_t job_id[PHASE_HASH_BYTES], buf_t *out, buf_t *err,
                              int *exit_code, err_t *e) BASE_MUST_CHECK;

#endif /* AETHER_PHASE_H */

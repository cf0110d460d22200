/*
 * base: the foundations every other module uses.
 *
 *   err_t      an error code plus a message naming what was wrong
 *   buf_t      a checked growable byte buffer
 *   hex, base32 (RFC 4648, lower case, no padding), base58btc
 *   uvarint / LEB128 (unsigned, signed 32 and 64 bit) with overflow and
 *              non-minimal detection
 *   log        levels, to stderr, key=value
 *   file       whole-file read with a size cap; atomic write (tmp, fsync,
 *              rename, fsync of the directory)
 *   cjson      canonical JSON over jansson, byte-identical to serde_json as
 *              used by upstream Phase (reference/phase-original.md §2.5)
 *   ts         RFC 3339 UTC timestamps formatted as chrono prints them
 *
 * Conventions (DESIGN.md §3): functions return 0 on success or a negative
 * BASE_E* code, and fill an optional err_t. Decoders never read past the length
 * they are given and never allocate more than their output needs.
 */
#ifndef AETHER_BASE_H
#define AETHER_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <jansson.h>

#if defined(__GNUC__)
#define BASE_MUST_CHECK __attribute__((warn_unused_result))
#define BASE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BASE_MUST_CHECK
#define BASE_PRINTF(f, a)
#endif

/* ---- errors ------------------------------------------------------------ */

/* One error space for the whole project (DESIGN.md §3): functions return 0 or
 * a negative code, each module owns a range, and base names every code
 * (err_name(), err_str()), as LMDB's mdb_strerror does. The ranges:
 *   base           -1 ..  -99     crypto          -100 .. -199
 *   crypto/ecvrf -200 .. -249     crypto/bls      -250 .. -299
 *   p2p          -300 .. -399     phase           -400 .. -499
 *   wasm         -500 .. -599     rpc             -600 .. -699
 *   chain/types  -700 .. -749     chain/mempool   -750 .. -799
 *   chain/rpc    -800 .. -849     chain/node      -850 .. -899
 *   chain/consensus -900 .. -949  chain/client    -950 .. -999
 *   chain/state -1000 .. -1049    chain/exec     -1050 .. -1099 (EXEC_, CONTRACT_)
 *   market      -1100 .. -1149
 *   chain/bft   -1150 .. -1199    chain/light    -1200 .. -1249
 * (WASI errnos returned to guests are a separate, positive space: wasi.h.)
 * A new code goes here, in its module's range, never reusing a number. */
#define AETHER_ERRORS(X) \
    /* base */ \
    X(BASE_EINVAL, -1, "malformed input") \
    X(BASE_ENOMEM, -2, "allocation failed or size cap exceeded") \
    X(BASE_EIO, -3, "operating system I/O error") \
    X(BASE_ETRUNC, -4, "input ended early") \
    X(BASE_EOVERFLOW, -5, "value does not fit") \
    X(BASE_ENONMINIMAL, -6, "encoding is valid but not the shortest") \
    X(BASE_ERANGE, -7, "output buffer too small") \
    X(BASE_ENOENT, -8, "file does not exist") \
    /* crypto */ \
    X(CRYPTO_EINIT, -100, "libsodium failed to initialise") \
    X(CRYPTO_EBADKEY, -101, "public key is not a valid curve point") \
    X(CRYPTO_EBADSIG, -102, "signature does not verify") \
    /* crypto/ecvrf */ \
    X(ECVRF_EINVAL, -200, "bad argument (unknown suite, NULL buffer)") \
    X(ECVRF_EBADKEY, -201, "public key: not a point, non-canonical or small order") \
    X(ECVRF_EBADPROOF, -202, "proof does not decode: Gamma invalid or s >= L") \
    X(ECVRF_EVERIFY, -203, "proof decodes but does not verify") \
    X(ECVRF_EHASH, -204, "encode_to_curve failed (try-and-increment ran out)") \
    /* crypto/bls */ \
    X(BLS_EARG, -250, "bad argument: short IKM, sk = 0 or >= r, empty aggregate") \
    X(BLS_EDECODE, -251, "a point encoding was rejected") \
    X(BLS_EINVALID, -252, "INVALID: the key or signature does not validate/verify") \
    X(BLS_ENOMEM, -253, "allocation failed") \
    /* p2p */ \
    X(P2P_EINVAL, -300, "malformed input") \
    X(P2P_ENOMEM, -301, "allocation failed") \
    X(P2P_EPROTO, -302, "the peer broke a protocol") \
    X(P2P_EIO, -303, "socket error") \
    X(P2P_ETIMEOUT, -304, "handshake, idle or request timeout") \
    X(P2P_ELIMIT, -305, "a configured limit was reached") \
    X(P2P_ECLOSED, -306, "connection or stream closed") \
    X(P2P_ENOTSUP, -307, "protocol not supported by the peer (\"na\")") \
    X(P2P_EAUTH, -308, "identity check failed (signature, wrong peer id)") \
    X(P2P_ENOTFOUND, -309, "lookup found nothing") \
    /* phase */ \
    X(PHASE_EINVAL, -400, "malformed JSON or a field of the wrong shape") \
    X(PHASE_ESCHEMA, -401, "UnsupportedSchema: schema_version > 1") \
    X(PHASE_EBADKEY, -402, "BadPublicKey: not 64 hex digits or not a curve point") \
    X(PHASE_EBADSIG, -403, "BadSignature: not 128 hex digits or does not verify") \
    X(PHASE_EEXPIRED, -404, "Expired: now > expires_at") \
    X(PHASE_EIO, -405, "file system error") \
    X(PHASE_EEXIST, -406, "identity already exists") \
    X(PHASE_ENOENT, -407, "identity does not exist") \
    X(PHASE_EMISMATCH, -408, "pinned key, commitment or job id does not match") \
    X(PHASE_EDENIED, -409, "the manifest's signer is not authorised (SEC-01)") \
    X(PHASE_EUNSUPPORTED, -410, "the payload is not a wasm JobSpec") \
    X(PHASE_EBUSY, -411, "the provider's queue is full (QueueFull / busy)") \
    X(PHASE_EREJECTED, -412, "a provider rejected an offer (reason in the message)") \
    X(PHASE_ENET, -413, "a network step failed (dial, stream, disconnect)") \
    X(PHASE_ETIMEOUT, -414, "a network wait timed out") \
    X(PHASE_ECONFIG, -415, "a config file or option is invalid") \
    X(PHASE_ECANCELLED, -416, "a queued job was cancelled") \
    /* wasm */ \
    X(AWASM_EMALFORMED, -500, "bytes are not a well-formed binary module") \
    X(AWASM_EINVALID, -501, "well-formed but fails validation") \
    X(AWASM_ELIMIT, -502, "exceeds a awasm_config_t limit") \
    X(AWASM_ELINK, -503, "an import is missing or has the wrong type") \
    X(AWASM_ETRAP, -504, "execution trapped (see awasm_store_trap())") \
    X(AWASM_EARG, -505, "bad argument to an API function") \
    X(AWASM_ENOTFOUND, -506, "no such export") \
    X(AWASM_ENOMEM, -507, "allocation failed") \
    /* rpc (HTTP + JSON-RPC 2.0 client and server) */ \
    X(RPC_EINVAL, -600, "bad argument or malformed response") \
    X(RPC_EIO, -601, "socket / HTTP failure (unreachable node, timeout)") \
    X(RPC_EREMOTE, -602, "the server answered with a JSON-RPC error") \
    X(RPC_ENOMEM, -603, "allocation failed") \
    /* chain/types */ \
    X(CHAIN_EINVAL, -700, "malformed encoding or argument") \
    X(CHAIN_EBADSIG, -701, "signature or key does not verify") \
    X(CHAIN_ETXINVALID, -702, "tx can never be included at this point (see reason)") \
    X(CHAIN_EBLOCK, -703, "block does not match its header / parent / roots") \
    X(CHAIN_ENOTFOUND, -704, "no such block / tx / account") \
    X(CHAIN_EIO, -705, "storage failure (RocksDB, file)") \
    X(CHAIN_EPROOF, -706, "proof does not verify against the root") \
    X(CHAIN_ENOMEM, -707, "allocation failed") \
    /* chain/state */ \
    X(CHAIN_STATE_EHISTORY, -1000, "the state at that height is not kept (pruned or future)") \
    /* chain/mempool */ \
    X(MEMPOOL_EREJECT, -750, "the transaction was refused; *reason says why") \
    X(MEMPOOL_ENOMEM, -751, "allocation failed") \
    X(MEMPOOL_EINVAL, -752, "bad argument (NULL, zero size)") \
    /* chain/client (the wallet) */ \
    X(CHAIN_CLIENT_EINVAL, -950, "bad argument or key file") \
    X(CHAIN_CLIENT_EUNREACHABLE, -951, "the node cannot be reached") \
    X(CHAIN_CLIENT_EREFUSED, -952, "the node refused the call (JSON-RPC error)") \
    X(CHAIN_CLIENT_EPROTO, -953, "an answer of the wrong shape (not an Aether node?)") \
    X(CHAIN_CLIENT_EFUNDS, -954, "insufficient funds") \
    X(CHAIN_CLIENT_ETIMEOUT, -955, "not committed within the time allowed") \
    X(CHAIN_CLIENT_ENOMEM, -956, "allocation failed") \
    /* chain/node */ \
    X(NODE_EINVAL, -850, "bad file / argument") \
    X(NODE_ETXINVALID, -851, "tx undecodable or invalid against the chain") \
    X(NODE_ETXREJECTED, -852, "mempool refused the tx (see the reason)") \
    X(NODE_ESTATE, -853, "store failure") \
    X(NODE_ENOMEM, -854, "allocation failed") \
    X(NODE_EKNOWN, -855, "tx already committed") \
    /* chain/consensus */ \
    X(CONS_EINVAL, -900, "malformed consensus message or argument") \
    X(CONS_EBADSIG, -901, "a signature, QC, TC or VRF proof does not verify") \
    X(CONS_EREJECT, -902, "well-formed but refused by the protocol rules") \
    X(CONS_ENOMEM, -903, "allocation failed") \
    X(CONS_ECRYPTO, -904, "signing failed (bad secret key)") \
    /* chain/exec (contract runtime) */ \
    X(CONTRACT_ECODE, -1050, "contract code refused (format, imports, limits)") \
    X(CONTRACT_ENOMEM, -1051, "allocation failed") \
    X(CONTRACT_EINVAL, -1052, "bad argument to the contract runtime") \
    /* market (the provider / watchtower on the job escrow) */ \
    X(MARKET_EINVAL, -1100, "bad market configuration") \
    X(MARKET_ERPC, -1101, "the chain node could not be asked or answered wrongly") \
    X(MARKET_ENOMEM, -1102, "allocation or thread creation failed") \
    X(MARKET_ENOTFOUND, -1103, "no such job, or not claimed yet") \
    X(MARKET_EVERIFY, -1104, "a claimed receipt does not match the chain's record") \
    /* chain/bft */ \
    X(BFT_EINVAL, -1150, "bad configuration, record or peer message") \
    X(BFT_ESTORE, -1151, "consensus store failure") \
    X(BFT_ENOMEM, -1152, "allocation failed") \
    X(BFT_ENET, -1153, "networking failure (listen, dial)") \
    X(BFT_ENOTFOUND, -1154, "no such record") \
    /* chain/light */ \
    X(LIGHT_EINVAL, -1200, "malformed proof or genesis") \
    X(LIGHT_EREFUSED, -1201, "the proof does not prove finality (the message says why)") \
    X(LIGHT_ENOTFOUND, -1202, "no finality record at that height") \
    X(LIGHT_ENOMEM, -1203, "allocation failed")

enum {
    BASE_OK = 0,
    CRYPTO_OK = 0,
    ECVRF_OK = 0,
    BLS_OK = 0,
    P2P_OK = 0,
    PHASE_OK = 0,
    AWASM_OK = 0,
    CHAIN_OK = 0,
    MEMPOOL_OK = 0,
    RPC_OK = 0,
    NODE_OK = 0,
    CHAIN_CLIENT_OK = 0,
    MARKET_OK = 0,
#define AETHER_ERROR_ENUM(name, code, text) name = code,
    AETHER_ERRORS(AETHER_ERROR_ENUM)
#undef AETHER_ERROR_ENUM
};

/* The symbolic name of a code ("AWASM_EMALFORMED"; "OK" for 0) and its
 * description ("bytes are not a well-formed binary module"). Unknown codes
 * give "E?" / "unknown error code". Never NULL. */
const char *err_name(int code);
const char *err_str(int code);

#define ERR_MSG_MAX 256

typedef struct err {
    int code;               /* 0 or a negative module error code */
    char msg[ERR_MSG_MAX];  /* "module: what was wrong (where)" */
} err_t;

/* Sets *e (when e is not NULL) and returns code, so callers can write
 * `return err_set(e, BASE_EINVAL, "hex: odd length %zu", n);`. */
int err_set(err_t *e, int code, const char *fmt, ...) BASE_PRINTF(3, 4);
int err_setv(err_t *e, int code, const char *fmt, va_list ap);
/* Prepends "prefix: " to the message already in e. Returns e->code. */
int err_prefix(err_t *e, const char *fmt, ...) BASE_PRINTF(2, 3);
void err_clear(err_t *e);

/* ---- byte order ---------------------------------------------------------- */

/* The one set of load/store helpers (DESIGN.md §3): unaligned, any host byte
 * order; compilers turn each into a single move (plus bswap for BE on x86). */
static inline uint16_t load_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}
static inline uint16_t load_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | (uint64_t)load_be32(p + 4);
}
static inline void store_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void store_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void store_le64(uint8_t *p, uint64_t v)
{
    store_le32(p, (uint32_t)v);
    store_le32(p + 4, (uint32_t)(v >> 32));
}
static inline void store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void store_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static inline void store_be64(uint8_t *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32(p + 4, (uint32_t)v);
}

/* ---- growable byte buffer ---------------------------------------------- */

/* A buffer that remembers its first failure: after an allocation failure or
 * exceeding max, every append is a no-op and buf_ok() is false, so a codec can
 * append freely and check once at the end. */
typedef struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;   /* 0 = no limit beyond SIZE_MAX / 2 */
    bool failed;
} buf_t;

void buf_init(buf_t *b, size_t max);
void buf_free(buf_t *b);             /* frees data, leaves an empty buffer */
void buf_reset(buf_t *b);            /* len = 0, keeps memory and max */
bool buf_ok(const buf_t *b);
int buf_reserve(buf_t *b, size_t extra);   /* ensures cap >= len + extra */
int buf_append(buf_t *b, const void *p, size_t n);
int buf_append_byte(buf_t *b, uint8_t c);
int buf_append_str(buf_t *b, const char *s);
int buf_printf(buf_t *b, const char *fmt, ...) BASE_PRINTF(2, 3);
int buf_append_u16_le(buf_t *b, uint16_t v);
int buf_append_u32_le(buf_t *b, uint32_t v);
int buf_append_u64_le(buf_t *b, uint64_t v);
int buf_append_u32_be(buf_t *b, uint32_t v);
int buf_append_u64_be(buf_t *b, uint64_t v);
/* Appends a NUL that is not counted in len, so data can be used as a C string. */
int buf_terminate(buf_t *b);
/* Hands the data to the caller (who frees it with free()); b becomes empty. */
uint8_t *buf_steal(buf_t *b, size_t *len);

/* ---- hex --------------------------------------------------------------- */

/* Lower-case hex of n bytes into out, which must hold 2n+1 chars; NUL-terminated. */
void hex_encode(const uint8_t *in, size_t n, char *out);
/* Decodes exactly 2*out_len hex digits (either case) from in[0..n). The length
 * must match exactly: a wrong length, odd length or non-hex digit is an error
 * naming the offset. */
int hex_decode(const char *in, size_t n, uint8_t *out, size_t out_len, err_t *e) BASE_MUST_CHECK;
/* Decodes any even-length hex string into a buffer allocated with malloc. */
int hex_decode_alloc(const char *in, size_t n, uint8_t **out, size_t *out_len, err_t *e) BASE_MUST_CHECK;

/* ---- base32 (RFC 4648 alphabet, lower case, no padding) ------------------ */

size_t base32_encoded_len(size_t n);           /* without the NUL */
void base32_encode(const uint8_t *in, size_t n, char *out);  /* NUL-terminated */
/* Accepts upper or lower case, no padding; rejects non-zero trailing bits and
 * impossible lengths. out must hold n*5/8 bytes. */
int base32_decode(const char *in, size_t n, uint8_t *out, size_t out_cap, size_t *out_len,
                  err_t *e) BASE_MUST_CHECK;

/* ---- base58btc (Bitcoin alphabet) ------------------------------------- */

/* out must hold base58_encoded_max(n)+1 chars; returns the length written. */
size_t base58_encoded_max(size_t n);
size_t base58_encode(const uint8_t *in, size_t n, char *out);
/* Inputs longer than BASE58_MAX_INPUT chars are rejected (the decoder is
 * quadratic; nothing we parse needs more). */
#define BASE58_MAX_INPUT 512
int base58_decode(const char *in, size_t n, uint8_t *out, size_t out_cap, size_t *out_len,
                  err_t *e) BASE_MUST_CHECK;

/* ---- unsigned varint / LEB128 ------------------------------------------ */

#define UVARINT_MAX_BYTES 10
/* Writes v into out (at least UVARINT_MAX_BYTES), returns bytes used. */
size_t uvarint_encode(uint64_t v, uint8_t *out);
size_t uvarint_len(uint64_t v);
/* Multiformats unsigned-varint: at most 9 bytes (63 bits), minimal encoding
 * required. Returns bytes consumed (> 0) or a negative BASE_E* code:
 * BASE_ETRUNC (need more bytes), BASE_EOVERFLOW, BASE_ENONMINIMAL. */
int uvarint_decode(const uint8_t *in, size_t n, uint64_t *v, err_t *e) BASE_MUST_CHECK;

/* WebAssembly LEB128: at most ceil(bits/7) bytes; unused bits of the last
 * byte must be zero (unsigned) or sign copies (signed). Non-minimal (padded)
 * encodings are allowed, as the wasm spec allows them. Return bytes consumed or
 * a negative code. */
int leb128_u32_decode(const uint8_t *in, size_t n, uint32_t *v, err_t *e) BASE_MUST_CHECK;
int leb128_u64_decode(const uint8_t *in, size_t n, uint64_t *v, err_t *e) BASE_MUST_CHECK;
int leb128_s32_decode(const uint8_t *in, size_t n, int32_t *v, err_t *e) BASE_MUST_CHECK;
int leb128_s64_decode(const uint8_t *in, size_t n, int64_t *v, err_t *e) BASE_MUST_CHECK;
/* Shortest encodings; out must hold 10 bytes. */
size_t leb128_u64_encode(uint64_t v, uint8_t *out);
size_t leb128_s64_encode(int64_t v, uint8_t *out);

/* ---- logging ------------------------------------------------------------ */

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF } log_level_t;

void log_set_level(log_level_t lvl);
log_level_t log_get_level(void);
/* Parses "debug", "info", "warn", "error", "off". */
int log_level_parse(const char *s, log_level_t *out);
/* Prints one line to stderr: `ts=... level=info mod=p2p msg="..." k=v ...`.
 * fmt produces the key=value tail (may be empty); msg is quoted and escaped. */
void log_msg(log_level_t lvl, const char *mod, const char *msg, const char *fmt, ...)
    BASE_PRINTF(4, 5);
#define log_debug(mod, msg, ...) log_msg(LOG_DEBUG, mod, msg, __VA_ARGS__)
#define log_info(mod, msg, ...) log_msg(LOG_INFO, mod, msg, __VA_ARGS__)
#define log_warn(mod, msg, ...) log_msg(LOG_WARN, mod, msg, __VA_ARGS__)
#define log_error(mod, msg, ...) log_msg(LOG_ERROR, mod, msg, __VA_ARGS__)

/* ---- files --------------------------------------------------------------- */

/* Reads a whole file (at most max bytes; larger files are an error) into a
 * malloc'd buffer with a NUL after the last byte. */
int file_read_all(const char *path, size_t max, uint8_t **data, size_t *len, err_t *e)
    BASE_MUST_CHECK;
/* Writes data to path atomically: a unique temp file in the same directory,
 * fsync, rename over path, fsync of the directory. mode applies to the new file.
 * If exclusive, fails with BASE_EINVAL when path already exists (no overwrite,
 * race-safe via link()). */
int file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                      bool exclusive, err_t *e) BASE_MUST_CHECK;
/* mkdir -p with the given mode for directories it creates. */
int file_mkdirs(const char *path, unsigned mode, err_t *e) BASE_MUST_CHECK;

/* ---- canonical JSON ------------------------------------------------------ */

/* jansson's integers are int64. Unsigned values above INT64_MAX are held as a
 * jansson string whose first byte is 0xFF followed by the decimal digits; no
 * valid UTF-8 string starts with 0xFF, so this can never collide with a real
 * string. Use these helpers rather than building it by hand. */
json_t *cjson_u64(uint64_t v);
/* True and *v set when j is a non-negative integer (either representation). */
bool cjson_get_u64(const json_t *j, uint64_t *v);
bool cjson_is_integer(const json_t *j);

/* Strict RFC 8259 parser: the whole input must be one value (surrounding
 * whitespace allowed), valid UTF-8, no duplicate keys, depth <= 128. Integers
 * keep their exact value (int64, or u64 as above); other numbers become reals.
 * Returns a new reference or NULL with e set naming the offset. */
json_t *cjson_parse(const char *in, size_t n, err_t *e);

/* Canonical encoding: object keys sorted byte-wise at every depth, no
 * whitespace, strings escaped as serde_json does (only '"', '\\' and control
 * characters; non-ASCII and '/' raw), integers exact, reals in serde_json's
 * shortest round-trip form (1.0 -> "1.0", 1e21 -> "1e21"). Appends to out. */
int cjson_encode(const json_t *j, buf_t *out, err_t *e) BASE_MUST_CHECK;
/* The same content for people: sorted keys, two-space indentation, ": "
 * after keys (no trailing newline). Handles the u64 form, unlike json_dumps. */
int cjson_encode_pretty(const json_t *j, buf_t *out, err_t *e) BASE_MUST_CHECK;
/* Convenience: malloc'd NUL-terminated canonical string, or NULL. */
char *cjson_encode_str(const json_t *j, err_t *e);
/* The same for the pretty form. */
char *cjson_encode_pretty_str(const json_t *j, err_t *e);

/* Byte arrays appear in Phase JSON as arrays of decimal integers. */
json_t *cjson_bytes(const uint8_t *p, size_t n);
/* Reads such an array back; every element must be an integer 0..255. Exactly
 * want bytes when want != SIZE_MAX. Output malloc'd. */
int cjson_get_bytes(const json_t *j, size_t want, uint8_t **out, size_t *out_len, err_t *e)
    BASE_MUST_CHECK;
/* obj[name] as exactly n bytes of hex (either case, optional "0x"); errors
 * say `what: "name"` and what was wrong. BASE_EINVAL on failure. */
int cjson_get_hex(const json_t *obj, const char *name, uint8_t *out, size_t n, const char *what,
                  err_t *e) BASE_MUST_CHECK;
/* Fails with BASE_EINVAL naming the first key of obj that is not in allowed
 * (a NULL-terminated list): `what: unknown field "key"`. */
int cjson_check_keys(const json_t *obj, const char *const *allowed, const char *what, err_t *e)
    BASE_MUST_CHECK;

/* ---- timestamps ------------------------------------------------------------ */

typedef struct ts {
    int64_t sec;    /* seconds since the Unix epoch, UTC */
    uint32_t nsec;  /* 0 .. 999,999,999 */
} ts_t;

#define TS_STR_MAX 40
ts_t ts_now(void);
/* chrono's serde form: YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z; the
 * fraction is omitted when nsec == 0, else the shortest of 3/6/9 digits that is
 * exact. Years 0..9999 only. Returns the length or BASE_ERANGE. */
int ts_format(ts_t t, char out[TS_STR_MAX]);
/* Parses any RFC 3339 date-time (T or t or space, fraction of 1..9 digits,
 * Z/z or +hh:mm/-hh:mm offset) and converts it to UTC. */
int ts_parse(const char *in, size_t n, ts_t *out, err_t *e) BASE_MUST_CHECK;

#endif /* AETHER_BASE_H */

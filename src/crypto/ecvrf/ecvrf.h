/*
 * crypto/ecvrf: the elliptic-curve verifiable random function of RFC 9381
 * (draft-irtf-cfrg-vrf-15) on edwards25519 with SHA-512, in two suites:
 *
 *   ECVRF_SUITE_TAI   ECVRF-EDWARDS25519-SHA512-TAI  (suite_string 0x03),
 *                     encode_to_curve by try-and-increment (RFC 9381 §5.4.1.1)
 *   ECVRF_SUITE_ELL2  ECVRF-EDWARDS25519-SHA512-ELL2 (suite_string 0x04),
 *                     encode_to_curve = RFC 9380 edwards25519_XMD:SHA-512_ELL2_NU_
 *
 * Keys are RFC 8032 keys: the secret key is the 32-byte seed SK, the secret
 * scalar x is the clamped first half of SHA-512(SK), the public key is the
 * 32-byte encoding of Y = x*B (identical to an Ed25519 public key).
 * A proof pi is Gamma (32) || c (16, little-endian) || s (32, little-endian);
 * the VRF output beta is 64 bytes.
 *
 * Verification always runs ECVRF_validate_key (validate_key = TRUE, §5.4.5):
 * public keys of small order are rejected, as are non-canonical point
 * encodings (RFC 8032 §5.1.3 strict decoding) and proofs whose s >= L.
 * Keys with a torsion component that are not of small order are accepted, as
 * the RFC requires.
 *
 * Secret-dependent work (the scalar multiplications by x and by the nonce k,
 * s = k + c*x mod L) runs in libsodium's constant-time code and secret
 * intermediates are wiped. Work on public values (point decoding, hashing to
 * the curve, the double-scalar multiplications of verification) uses the
 * module's own variable-time edwards25519 arithmetic. crypto_init() must have
 * been called.
 *
 * All buffers are caller-owned; the VRF functions allocate nothing and keep
 * no global state. The Ed25519 batch verifier allocates its scratch space and
 * shares a cache of decoded public keys behind a mutex. Every function may be
 * called from several threads at once.
 */
#ifndef AETHER_CRYPTO_ECVRF_H
#define AETHER_CRYPTO_ECVRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define ECVRF_SK_BYTES 32      /* RFC 8032 secret seed */
#define ECVRF_PK_BYTES 32      /* encoding of Y = x*B */
#define ECVRF_PROOF_BYTES 80   /* Gamma || c || s */
#define ECVRF_OUTPUT_BYTES 64  /* beta */

typedef enum ecvrf_suite {
    ECVRF_SUITE_TAI = 0x03,
    ECVRF_SUITE_ELL2 = 0x04,
} ecvrf_suite_t;

/* Error codes ECVRF_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -200. */

/* Name of a suite ("ECVRF-EDWARDS25519-SHA512-TAI"), or NULL when unknown. */
const char *ecvrf_suite_name(ecvrf_suite_t suite);
/* Parses "tai" or "ell2" (either case) or the full RFC suite name. */
int ecvrf_suite_parse(const char *s, ecvrf_suite_t *out, err_t *e) BASE_MUST_CHECK;

/* A fresh random secret key and its public key. */
void ecvrf_keygen(uint8_t sk[ECVRF_SK_BYTES], uint8_t pk[ECVRF_PK_BYTES]);
/* The public key of a secret key (the same for both suites). */
void ecvrf_sk_to_pk(const uint8_t sk[ECVRF_SK_BYTES], uint8_t pk[ECVRF_PK_BYTES]);

/* RFC 9381 §5.1 ECVRF_prove. Deterministic. Returns 0, or ECVRF_EINVAL /
 * ECVRF_EHASH (the latter has probability about 2^-256). alpha may be NULL
 * when alpha_len is 0. */
int ecvrf_prove(ecvrf_suite_t suite, const uint8_t sk[ECVRF_SK_BYTES], const uint8_t *alpha,
                size_t alpha_len, uint8_t pi[ECVRF_PROOF_BYTES], err_t *e) BASE_MUST_CHECK;

/* RFC 9381 §5.3 ECVRF_verify with validate_key = TRUE. Returns 0 when the
 * proof is VALID and then writes beta (when beta is not NULL); otherwise
 * ECVRF_EBADKEY, ECVRF_EBADPROOF or ECVRF_EVERIFY (all mean INVALID) or
 * ECVRF_EINVAL, with e naming the reason. beta is left untouched on failure. */
int ecvrf_verify(ecvrf_suite_t suite, const uint8_t pk[ECVRF_PK_BYTES], const uint8_t *alpha,
                 size_t alpha_len, const uint8_t pi[ECVRF_PROOF_BYTES],
                 uint8_t beta[ECVRF_OUTPUT_BYTES], err_t *e) BASE_MUST_CHECK;

/* RFC 9381 §5.2 ECVRF_proof_to_hash. Only meaningful for a proof that was
 * produced by ecvrf_prove or accepted by ecvrf_verify (it does not verify).
 * Returns 0, or ECVRF_EBADPROOF when pi does not decode. */
int ecvrf_proof_to_hash(ecvrf_suite_t suite, const uint8_t pi[ECVRF_PROOF_BYTES],
                        uint8_t beta[ECVRF_OUTPUT_BYTES], err_t *e) BASE_MUST_CHECK;

/* RFC 9381 §5.4.5 with strict decoding: true when pk decodes to a point that
 * is not of small order. */
bool ecvrf_pk_valid(const uint8_t pk[ECVRF_PK_BYTES]);

/* ---- Ed25519 verification on the module's edwards25519 code (ed25519.c) ----
 * One rule for single and batched checks, so a signature's fate never depends
 * on the batch it came in (what the chain needs): S < L; A and R decode
 * strictly (RFC 8032 §5.1.3) and are not of small order; and the cofactored
 * equation [8]([S]B - [k]A - R) = identity, k = SHA-512(R || A || M) mod L.
 * Every signature libsodium's crypto_sign_verify_detached accepts is valid
 * here; the only extra ones have [S]B - [k]A - R of order 2, 4 or 8, which
 * only the key's owner can make (k hashes R). See ed25519.c. */

typedef struct ecvrf_ed25519_item {
    const uint8_t *pk;    /* 32 bytes */
    const uint8_t *msg;   /* may be NULL when msg_len is 0 */
    size_t msg_len;
    const uint8_t *sig;   /* 64 bytes: R || S */
} ecvrf_ed25519_item_t;

/* 0 when sig is valid under the rule above, ECVRF_EVERIFY when not,
 * ECVRF_EINVAL for NULL buffers. libsodium's check first (fast path), then
 * the module's cofactored check for what it refuses. */
int ecvrf_ed25519_verify(const uint8_t pk[ECVRF_PK_BYTES], const uint8_t *msg, size_t n,
                         const uint8_t sig[64]) BASE_MUST_CHECK;

/* Verifies n signatures in batches of 64 (random linear combination, one
 * multi-scalar multiplication per batch; a failing batch is re-checked one
 * signature at a time). ok[i] is set for each item (items with NULL buffers
 * are invalid); returns the number of invalid signatures. Thread-safe. */
size_t ecvrf_ed25519_verify_batch(const ecvrf_ed25519_item_t *items, size_t n, bool *ok);

#endif /* AETHER_CRYPTO_ECVRF_H */

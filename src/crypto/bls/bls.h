/*
 * crypto/bls: BLS12-381 signatures, written from scratch (no Debian package
 * provides them), following draft-irtf-cfrg-bls-signature-06 with the
 * ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ ("minimal public key
 * size"): public keys are G1 points (48 bytes), signatures G2 points (96 bytes),
 * both in the ZCash compressed encoding; messages are hashed to G2 with RFC 9380
 * (BLS12381G2_XMD:SHA-256_SSWU_RO_) under the ciphersuite ID as DST, and proofs
 * of possession under BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_. This is the
 * suite Ethereum and blst use; Aether votes are such signatures and a QC is one
 * aggregate checked with FastAggregateVerify.
 *
 * Layers (files of this folder): fp.c (Montgomery Fp), fp2.c, fp12.c (Fp6 and
 * Fp12), g1.c, g2.c (complete projective formulas, endomorphism subgroup
 * checks), pairing.c (optimal ate, multi-pairing with one final
 * exponentiation), hash_to_curve.c (RFC 9380), serialize.c (ZCash encodings),
 * sig.c (this API). Secret keys only meet constant-time code: the scalar is
 * split with the curve endomorphisms (GLV on G1 with phi = [-x^2], GLS on G2
 * with psi = [x]) by a bit-serial division, and the products use complete
 * formulas and masked table lookups, with no secret-dependent branch.
 *
 * Conventions: secret keys are 32-byte big-endian integers 1 <= sk < r. Every
 * function returns BLS_OK (0) or a negative BLS_E* code and fills the optional
 * err_t with a message naming what was wrong. Verification functions return 0
 * only for VALID; BLS_EDECODE means an input did not decode (bad flags, x >= p,
 * not on the curve, not in the subgroup), BLS_EINVALID that it decoded but the
 * key or signature is not valid (identity public key, failed pairing check,
 * empty list). Call crypto_init() once before using this module (KeyGen and
 * batch verification use libsodium's SHA-256 and random generator).
 *
 * Proof-of-possession scheme rules: AggregateVerify does not require distinct
 * messages (draft §3.3); FastAggregateVerify is only secure for public keys
 * whose proofs of possession were checked (PopVerify) beforehand.
 */
#ifndef AETHER_CRYPTO_BLS_BLS_H
#define AETHER_CRYPTO_BLS_BLS_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define BLS_SK_BYTES 32
#define BLS_PK_BYTES 48
#define BLS_SIG_BYTES 96
#define BLS_IKM_MIN_BYTES 32

#define BLS_DST_SIG "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
#define BLS_DST_POP "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"

/* Error codes BLS_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -250. */

/* Decoded, validated points, for callers that check many signatures against
 * the same keys (decode and KeyValidate once, then reuse). */
typedef struct bls_pk {
    uint64_t opaque[18];
} bls_pk_t;
typedef struct bls_sig {
    uint64_t opaque[36];
} bls_sig_t;

/* KeyGen (draft §2.3): HKDF-SHA-256 over ikm (at least 32 bytes). salt NULL
 * selects SHA-256("BLS-SIG-KEYGEN-SALT-"), the draft-04 behaviour that blst and
 * EIP-2333 implement; key_info may be NULL. */
int bls_keygen(uint8_t sk[BLS_SK_BYTES], const uint8_t *ikm, size_t ikm_len,
               const uint8_t *key_info, size_t info_len, const uint8_t *salt, size_t salt_len,
               err_t *e) BASE_MUST_CHECK;
int bls_sk_to_pk(uint8_t pk[BLS_PK_BYTES], const uint8_t sk[BLS_SK_BYTES], err_t *e)
    BASE_MUST_CHECK;
/* KeyValidate (draft §2.5): decodes, rejects the identity, checks the subgroup. */
int bls_key_validate(const uint8_t pk[BLS_PK_BYTES], err_t *e) BASE_MUST_CHECK;

int bls_sign(uint8_t sig[BLS_SIG_BYTES], const uint8_t sk[BLS_SK_BYTES], const void *msg,
             size_t msg_len, err_t *e) BASE_MUST_CHECK;
int bls_verify(const uint8_t pk[BLS_PK_BYTES], const void *msg, size_t msg_len,
               const uint8_t sig[BLS_SIG_BYTES], err_t *e) BASE_MUST_CHECK;

/* Aggregate (draft §2.8): n >= 1 signatures, each decoded and subgroup-checked. */
int bls_aggregate(uint8_t out[BLS_SIG_BYTES], const uint8_t (*sigs)[BLS_SIG_BYTES], size_t n,
                  err_t *e) BASE_MUST_CHECK;
/* AggregateVerify (draft §3.3 = CoreAggregateVerify): n >= 1 (pk, msg) pairs;
 * repeated messages are allowed in the POP scheme. */
int bls_aggregate_verify(const uint8_t (*pks)[BLS_PK_BYTES], const uint8_t *const *msgs,
                         const size_t *msg_lens, size_t n, const uint8_t sig[BLS_SIG_BYTES],
                         err_t *e) BASE_MUST_CHECK;
/* FastAggregateVerify (draft §3.3.4): n >= 1 keys, one message. */
int bls_fast_aggregate_verify(const uint8_t (*pks)[BLS_PK_BYTES], size_t n, const void *msg,
                              size_t msg_len, const uint8_t sig[BLS_SIG_BYTES], err_t *e)
    BASE_MUST_CHECK;
int bls_pop_prove(uint8_t proof[BLS_SIG_BYTES], const uint8_t sk[BLS_SK_BYTES], err_t *e)
    BASE_MUST_CHECK;
int bls_pop_verify(const uint8_t pk[BLS_PK_BYTES], const uint8_t proof[BLS_SIG_BYTES],
                   err_t *e) BASE_MUST_CHECK;

/* Randomized batch verification of n independent (pk, msg, sig) triples:
 * one multi-pairing over n + 1 pairs with fresh 64-bit random weights. Valid
 * iff all are (except with probability 2^-64 per forged batch). */
int bls_batch_verify(const uint8_t (*pks)[BLS_PK_BYTES], const uint8_t *const *msgs,
                     const size_t *msg_lens, const uint8_t (*sigs)[BLS_SIG_BYTES], size_t n,
                     err_t *e) BASE_MUST_CHECK;

/* ---- decoded forms ---- */
/* Decode + KeyValidate. */
int bls_pk_decode(bls_pk_t *pk, const uint8_t in[BLS_PK_BYTES], err_t *e) BASE_MUST_CHECK;
void bls_pk_encode(uint8_t out[BLS_PK_BYTES], const bls_pk_t *pk);
/* Decode + subgroup check (the identity is a valid signature encoding). */
int bls_sig_decode(bls_sig_t *sig, const uint8_t in[BLS_SIG_BYTES], err_t *e) BASE_MUST_CHECK;
void bls_sig_encode(uint8_t out[BLS_SIG_BYTES], const bls_sig_t *sig);
int bls_verify_decoded(const bls_pk_t *pk, const void *msg, size_t msg_len,
                       const bls_sig_t *sig, err_t *e) BASE_MUST_CHECK;
/* Point sums for callers that select keys or votes themselves (a QC's signer
 * bitmap): out = sum of the n inputs; n = 0 gives the identity, which
 * bls_verify_decoded then rejects as a public key. */
void bls_pk_add(bls_pk_t *out, const bls_pk_t *a, const bls_pk_t *b);
void bls_sig_add(bls_sig_t *out, const bls_sig_t *a, const bls_sig_t *b);
void bls_pk_aggregate_decoded(bls_pk_t *out, const bls_pk_t *pks, size_t n);
void bls_sig_aggregate_decoded(bls_sig_t *out, const bls_sig_t *sigs, size_t n);
int bls_fast_aggregate_verify_decoded(const bls_pk_t *pks, size_t n, const void *msg,
                                      size_t msg_len, const bls_sig_t *sig, err_t *e)
    BASE_MUST_CHECK;

/* ---- group encodings and hashing, for tools and tests ---- */
/* 0 when in is a valid compressed G1 (resp. G2) point of the prime-order
 * subgroup (the identity included), else BLS_EDECODE naming the rule broken. */
int bls_g1_check(const uint8_t in[48], err_t *e) BASE_MUST_CHECK;
int bls_g2_check(const uint8_t in[96], err_t *e) BASE_MUST_CHECK;
/* hash_to_curve(msg) under dst, compressed. */
int bls_hash_to_g2_bytes(uint8_t out[96], const void *msg, size_t msg_len, const uint8_t *dst,
                         size_t dst_len, err_t *e) BASE_MUST_CHECK;

#endif /* AETHER_CRYPTO_BLS_BLS_H */

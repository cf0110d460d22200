/*
 * crypto: thin, checked wrappers over libsodium (and, for one-shot SHA-256,
 * OpenSSL's libcrypto, which uses SHA-NI: see crypto.c) for the primitives every
 * module shares: SHA-256/512 (one-shot and streaming), HMAC-SHA-256, Ed25519
 * (seed-based keys, detached signatures, public-key validation), secure random
 * bytes, and constant-time comparison. ECVRF (crypto/ecvrf) and BLS12-381
 * (crypto/bls) are separate modules with their own headers.
 *
 * crypto_init() must be called once before anything else (it is idempotent
 * and thread-safe; libsodium's sodium_init()).
 */
#ifndef AETHER_CRYPTO_H
#define AETHER_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define CRYPTO_SHA256_BYTES 32
#define CRYPTO_SHA512_BYTES 64
#define CRYPTO_ED25519_SEED_BYTES 32
#define CRYPTO_ED25519_PK_BYTES 32
#define CRYPTO_ED25519_SK_BYTES 64   /* libsodium form: seed || pk */
#define CRYPTO_ED25519_SIG_BYTES 64

/* Error codes CRYPTO_E* are defined in base/base.h (AETHER_ERRORS), the one
 * error space of the project; this module's range starts at -100. */

int crypto_init(void) BASE_MUST_CHECK;

void crypto_sha256(const void *in, size_t n, uint8_t out[CRYPTO_SHA256_BYTES]);
void crypto_sha512(const void *in, size_t n, uint8_t out[CRYPTO_SHA512_BYTES]);

/* Streaming SHA-256; the state is an opaque, suitably aligned blob. */
typedef struct crypto_sha256_ctx {
    _Alignas(16) unsigned char opaque[128];
} crypto_sha256_ctx_t;
void crypto_sha256_init(crypto_sha256_ctx_t *c);
void crypto_sha256_update(crypto_sha256_ctx_t *c, const void *in, size_t n);
void crypto_sha256_final(crypto_sha256_ctx_t *c, uint8_t out[CRYPTO_SHA256_BYTES]);

typedef struct crypto_sha512_ctx {
    _Alignas(16) unsigned char opaque[256];
} crypto_sha512_ctx_t;
void crypto_sha512_init(crypto_sha512_ctx_t *c);
void crypto_sha512_update(crypto_sha512_ctx_t *c, const void *in, size_t n);
void crypto_sha512_final(crypto_sha512_ctx_t *c, uint8_t out[CRYPTO_SHA512_BYTES]);

void crypto_hmac_sha256(const uint8_t *key, size_t key_len, const void *in, size_t n,
                        uint8_t out[CRYPTO_SHA256_BYTES]);

void crypto_random(void *out, size_t n);

/* Ed25519 from a 32-byte seed: sk (64 bytes, seed||pk) and pk. */
void crypto_ed25519_from_seed(const uint8_t seed[CRYPTO_ED25519_SEED_BYTES],
                              uint8_t pk[CRYPTO_ED25519_PK_BYTES],
                              uint8_t sk[CRYPTO_ED25519_SK_BYTES]);
void crypto_ed25519_sign(const uint8_t sk[CRYPTO_ED25519_SK_BYTES], const void *msg, size_t n,
                         uint8_t sig[CRYPTO_ED25519_SIG_BYTES]);
/* 0 when valid; CRYPTO_EBADSIG otherwise. */
int crypto_ed25519_verify(const uint8_t pk[CRYPTO_ED25519_PK_BYTES], const void *msg, size_t n,
                          const uint8_t sig[CRYPTO_ED25519_SIG_BYTES]) BASE_MUST_CHECK;
/* True when pk decodes to a point on the curve (not necessarily in the
 * prime-order subgroup; matches ed25519-dalek's VerifyingKey::from_bytes). */
bool crypto_ed25519_pk_valid(const uint8_t pk[CRYPTO_ED25519_PK_BYTES]);

/* Constant-time equality. */
bool crypto_equal(const void *a, const void *b, size_t n);
/* Wipes secrets (sodium_memzero). */
void crypto_wipe(void *p, size_t n);

#endif /* AETHER_CRYPTO_H */

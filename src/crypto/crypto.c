/* crypto: SHA-2, HMAC, Ed25519 and randomness over libsodium (see crypto.h).
 *
 * One-shot SHA-256 goes through OpenSSL's libcrypto instead: it uses the
 * SHA-NI instructions where the CPU has them and libsodium does not, and the
 * chain hashes every transaction and every sparse-Merkle-tree node with it
 * (a fifth of a validator's CPU per transfer with libsodium's). On this
 * project's 2-vCPU machine, 64 bytes: 394 ns (libsodium) vs 122 ns. One
 * EVP_MD_CTX per thread (freed when the thread exits) spares an allocation
 * and an algorithm fetch per hash; if libcrypto fails (out of memory),
 * libsodium computes the same digest. */
#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static pthread_key_t sha256_key;
static bool sha256_key_ok;
static EVP_MD *sha256_md;

static void sha256_ctx_free(void *p)
{
    EVP_MD_CTX_free(p);
}

static void sha256_setup(void)
{
    /* no atexit cleanup: a thread may still hash while the process exits */
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) != 1)
        return;
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    sha256_key_ok = sha256_md && pthread_key_create(&sha256_key, sha256_ctx_free) == 0;
}

static EVP_MD_CTX *sha256_ctx(void)
{
    pthread_once(&sha256_once, sha256_setup);
    if (!sha256_key_ok)
        return NULL;
    EVP_MD_CTX *c = pthread_getspecific(sha256_key);
    if (!c) {
        c = EVP_MD_CTX_new();
        if (c && pthread_setspecific(sha256_key, c) != 0) {
            EVP_MD_CTX_free(c);
            c = NULL;
        }
    }
    return c;
}

_Static_assert(sizeof(crypto_sha256_ctx_t) >= sizeof(crypto_hash_sha256_state),
               "sha256 ctx too small");
_Static_assert(sizeof(crypto_sha512_ctx_t) >= sizeof(crypto_hash_sha512_state),
               "sha512 ctx too small");

int crypto_init(void)
{
    pthread_once(&sha256_once, sha256_setup);
    return sodium_init() < 0 ? CRYPTO_EINIT : CRYPTO_OK;
}

void crypto_sha256(const void *in, size_t n, uint8_t out[CRYPTO_SHA256_BYTES])
{
    EVP_MD_CTX *c = sha256_ctx();
    unsigned int len = 0;
    if (c && EVP_DigestInit_ex2(c, sha256_md, NULL) == 1 && EVP_DigestUpdate(c, in, n) == 1 &&
        EVP_DigestFinal_ex(c, out, &len) == 1 && len == CRYPTO_SHA256_BYTES)
        return;
    crypto_hash_sha256(out, in, n);
}

void crypto_sha512(const void *in, size_t n, uint8_t out[CRYPTO_SHA512_BYTES])
{
    crypto_hash_sha512(out, in, n);
}

void crypto_sha256_init(crypto_sha256_ctx_t *c)
{
    crypto_hash_sha256_init((crypto_hash_sha256_state *)c->opaque);
}

void crypto_sha256_update(crypto_sha256_ctx_t *c, const void *in, size_t n)
{
    crypto_hash_sha256_update((crypto_hash_sha256_state *)c->opaque, in, n);
}

void crypto_sha256_final(crypto_sha256_ctx_t *c, uint8_t out[CRYPTO_SHA256_BYTES])
{
    crypto_hash_sha256_final((crypto_hash_sha256_state *)c->opaque, out);
}

void crypto_sha512_init(crypto_sha512_ctx_t *c)
{
    crypto_hash_sha512_init((crypto_hash_sha512_state *)c->opaque);
}

void crypto_sha512_update(crypto_sha512_ctx_t *c, const void *in, size_t n)
{
    crypto_hash_sha512_update((crypto_hash_sha512_state *)c->opaque, in, n);
}

void crypto_sha512_final(crypto_sha512_ctx_t *c, uint8_t out[CRYPTO_SHA512_BYTES])
{
    crypto_hash_sha512_final((crypto_hash_sha512_state *)c->opaque, out);
}

void crypto_hmac_sha256(const uint8_t *key, size_t key_len, const void *in, size_t n,
                        uint8_t out[CRYPTO_SHA256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, in, n);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

void crypto_random(void *out, size_t n)
{
    randombytes_buf(out, n);
}

void crypto_ed25519_from_seed(const uint8_t seed[CRYPTO_ED25519_SEED_BYTES],
                              uint8_t pk[CRYPTO_ED25519_PK_BYTES],
                              uint8_t sk[CRYPTO_ED25519_SK_BYTES])
{
    crypto_sign_seed_keypair(pk, sk, seed);
}

void crypto_ed25519_sign(const uint8_t sk[CRYPTO_ED25519_SK_BYTES], const void *msg, size_t n,
                         uint8_t sig[CRYPTO_ED25519_SIG_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, n, sk);
}

int crypto_ed25519_verify(const uint8_t pk[CRYPTO_ED25519_PK_BYTES], const void *msg, size_t n,
                          const uint8_t sig[CRYPTO_ED25519_SIG_BYTES])
{
    return crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? CRYPTO_OK : CRYPTO_EBADSIG;
}

bool crypto_ed25519_pk_valid(const uint8_t pk[CRYPTO_ED25519_PK_BYTES])
{
    /* crypto_core_ed25519_is_valid_point also rejects small-order points and
     * non-canonical encodings, which dalek accepts; decompression is the test
     * dalek applies. Converting to Curve25519 performs exactly that
     * decompression (and rejects small order too), so use the strict check and
     * accept the documented small-order difference: such keys cannot produce
     * verifiable signatures under libsodium anyway. */
    return crypto_core_ed25519_is_valid_point(pk) == 1;
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void crypto_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

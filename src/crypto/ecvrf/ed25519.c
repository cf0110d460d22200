/*
 * Ed25519 signature verification, alone and in batches, on the module's
 * edwards25519 arithmetic (libsodium 1.0.18 has no batch verification and
 * exports no point arithmetic).
 *
 * One acceptance rule for both paths, so that whether a signature was checked
 * alone or inside a batch can never change the answer (a chain node must
 * accept exactly the transactions every other node accepts). (R, S) is a
 * valid signature of M under the key A when
 *   1. S < L (RFC 8032 §5.1.7 step 1);
 *   2. A and R decode strictly (RFC 8032 §5.1.3) and neither is of small order;
 *   3. [8]([S]B - [k]A - R) is the identity, k = SHA-512(R || A || M) mod L
 *      (the cofactored equation that RFC 8032 §5.1.7 step 3 permits).
 * Everything libsodium's crypto_sign_verify_detached accepts satisfies this
 * (it checks 1, 2 and [S]B - [k]A = R exactly). The converse fails only for
 * signatures whose [S]B - [k]A - R is a non-zero point of order 2, 4 or 8,
 * which only the key's owner can make (R is hashed into k, so adding a
 * small-order point to someone else's R breaks the equation): nothing is
 * forged and nobody else can alter a signature. The cofactorless equation could
 * not be batched exactly: a random combination of the per-signature
 * differences loses a torsion component with probability 1/8 or more, so a
 * batch would sometimes accept what a single check refuses.
 *
 * Batch: with random 128-bit z_i (libsodium's randombytes),
 *   [8]([sum z_i S_i]B - sum [z_i k_i]A_i - sum [z_i]R_i) = identity
 * holds for a set of signatures that are all valid, and for a set with an
 * invalid one with probability at most 2^-125 or so; it costs one shared
 * multi-scalar multiplication (ge25519_multi_scalarmult_vartime) instead of a
 * double-scalar multiplication per signature. When a batch fails, each of its
 * signatures is checked alone to find the bad ones.
 */
#include "internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 64   /* signatures per multi-scalar multiplication */
#define KEY_CACHE ED25519_KEY_CACHE

/* Decoding a key costs a square root, a fifth of a batched signature; the
 * senders of a chain's transactions repeat, so valid keys (decoded, not of
 * small order) are kept. Only a key's own bytes decide what is stored, so
 * the cache never changes an answer. */
static struct {
    pthread_mutex_t mu;
    struct {
        bool set;
        uint8_t pk[32];
        ge25519_t a;
    } e[KEY_CACHE];
} keys = {.mu = PTHREAD_MUTEX_INITIALIZER};

typedef struct prep {
    ge25519_t a, r;   /* A and R decoded */
    uint8_t k[32];    /* SHA-512(R || A || M) mod L */
} prep_t;

static bool small_order(const ge25519_t *p)
{
    ge25519_t t;
    ge25519_mul8(&t, p);
    return ge25519_is_identity(&t);
}

/* A valid key (rule 2), through the cache. */
static bool key_decode(ge25519_t *a, const uint8_t pk[32])
{
    size_t slot = (size_t)load_le32(pk) % KEY_CACHE;
    bool hit = false;

    pthread_mutex_lock(&keys.mu);
    if (keys.e[slot].set && memcmp(keys.e[slot].pk, pk, 32) == 0) {
        *a = keys.e[slot].a;
        hit = true;
    }
    pthread_mutex_unlock(&keys.mu);
    if (hit)
        return true;
    if (!ge25519_frombytes(a, pk) || small_order(a))
        return false;
    pthread_mutex_lock(&keys.mu);
    keys.e[slot].set = true;
    memcpy(keys.e[slot].pk, pk, 32);
    keys.e[slot].a = *a;
    pthread_mutex_unlock(&keys.mu);
    return true;
}

/* Rules 1 and 2, and k. */
static bool prepare(prep_t *p, const ecvrf_ed25519_item_t *it)
{
    crypto_hash_sha512_state hs;
    uint8_t h[64];

    if (!ecvrf_scalar_canonical(it->sig + 32))
        return false;
    if (!key_decode(&p->a, it->pk))
        return false;
    if (!ge25519_frombytes(&p->r, it->sig) || small_order(&p->r))
        return false;
    crypto_hash_sha512_init(&hs);
    crypto_hash_sha512_update(&hs, it->sig, 32);
    crypto_hash_sha512_update(&hs, it->pk, 32);
    crypto_hash_sha512_update(&hs, it->msg, it->msg_len);
    crypto_hash_sha512_final(&hs, h);
    crypto_core_ed25519_scalar_reduce(p->k, h);
    return true;
}

/* Rule 3 for one prepared signature. */
static bool equation_holds(const prep_t *p, const uint8_t s[32])
{
    ge25519_t na, b, q;

    ge25519_neg(&na, &p->a);
    ge25519_base(&b);
    ge25519_double_scalarmult_vartime(&q, p->k, &na, s, &b);   /* [S]B - [k]A */
    ge25519_sub(&q, &q, &p->r);
    ge25519_mul8(&q, &q);
    return ge25519_is_identity(&q);
}

/* The rule, for a signature libsodium refused (or that was never shown to it). */
static bool verify_own(const ecvrf_ed25519_item_t *it)
{
    prep_t p;
    return prepare(&p, it) && equation_holds(&p, it->sig + 32);
}

static bool verify_one(const ecvrf_ed25519_item_t *it)
{
    /* libsodium's check is the fast path: what it accepts is valid here */
    if (crypto_sign_ed25519_verify_detached(it->sig, it->msg, it->msg_len, it->pk) == 0)
        return true;
    return verify_own(it);
}

int ecvrf_ed25519_verify(const uint8_t pk[ECVRF_PK_BYTES], const uint8_t *msg, size_t n,
                         const uint8_t sig[64])
{
    if (!pk || !sig || (!msg && n))
        return ECVRF_EINVAL;
    ecvrf_ed25519_item_t it = {pk, msg ? msg : (const uint8_t *)"", n, sig};
    return verify_one(&it) ? 0 : ECVRF_EVERIFY;
}

/* The batch equation over the m prepared signatures idx[0..m). False when it
 * does not hold or memory ran out (the caller then checks one by one). */
static bool batch_holds(const ecvrf_ed25519_item_t *items, const prep_t *pr, const size_t *idx,
                        size_t m)
{
    uint8_t (*sc)[32] = malloc((2 * m + 1) * sizeof *sc);
    ge25519_t *pt = malloc((2 * m + 1) * sizeof *pt);
    uint8_t z[BATCH_MAX][32];
    uint8_t sb[32] = {0}, t[32];
    ge25519_t acc;
    bool ok = false;

    if (!sc || !pt)
        goto done;
    memset(z, 0, sizeof z);
    for (size_t i = 0; i < m; i++)
        randombytes_buf(z[i], 16);   /* z_i < 2^128, as in the batch literature */
    for (size_t i = 0; i < m; i++) {
        const prep_t *p = &pr[idx[i]];
        /* sum z_i S_i */
        crypto_core_ed25519_scalar_mul(t, z[i], items[idx[i]].sig + 32);
        crypto_core_ed25519_scalar_add(sb, sb, t);
        /* [z_i k_i](-A_i) and [z_i](-R_i) */
        crypto_core_ed25519_scalar_mul(sc[1 + 2 * i], z[i], p->k);
        ge25519_neg(&pt[1 + 2 * i], &p->a);
        memcpy(sc[2 + 2 * i], z[i], 32);
        ge25519_neg(&pt[2 + 2 * i], &p->r);
    }
    memcpy(sc[0], sb, 32);
    ge25519_base(&pt[0]);
    if (!ge25519_multi_scalarmult_vartime(&acc, (const uint8_t (*)[32])sc, pt, 2 * m + 1))
        goto done;
    ge25519_mul8(&acc, &acc);
    ok = ge25519_is_identity(&acc);
done:
    free(sc);
    free(pt);
    return ok;
}

static size_t verify_chunk(const ecvrf_ed25519_item_t *items, size_t n, bool *ok)
{
    prep_t *pr = malloc(n * sizeof *pr);
    size_t idx[BATCH_MAX], m = 0, bad = 0;

    for (size_t i = 0; i < n; i++) {
        ok[i] = false;
        if (!items[i].pk || !items[i].sig || (!items[i].msg && items[i].msg_len)) {
            bad++;
            continue;
        }
        if (!pr) {   /* out of memory: one by one */
            ok[i] = verify_one(&items[i]);
            bad += !ok[i];
            continue;
        }
        if (prepare(&pr[i], &items[i]))
            idx[m++] = i;
        else
            bad++;   /* rules 1-2 fail: invalid whatever the equation says */
    }
    if (m >= 2 && batch_holds(items, pr, idx, m)) {
        for (size_t i = 0; i < m; i++)
            ok[idx[i]] = true;
    } else {
        for (size_t i = 0; i < m; i++) {
            const ecvrf_ed25519_item_t *it = &items[idx[i]];
            ok[idx[i]] = crypto_sign_ed25519_verify_detached(it->sig, it->msg, it->msg_len,
                                                             it->pk) == 0 ||
                         equation_holds(&pr[idx[i]], it->sig + 32);
            bad += !ok[idx[i]];
        }
    }
    free(pr);
    return bad;
}

size_t ecvrf_ed25519_verify_batch(const ecvrf_ed25519_item_t *items, size_t n, bool *ok)
{
    size_t bad = 0;
    for (size_t off = 0; off < n; off += BATCH_MAX) {
        size_t c = n - off < BATCH_MAX ? n - off : BATCH_MAX;
        bad += verify_chunk(items + off, c, ok + off);
    }
    return bad;
}

bool ed25519_batch_equation(const ecvrf_ed25519_item_t *items, size_t n)
{
    prep_t pr[BATCH_MAX];
    size_t idx[BATCH_MAX];

    if (n == 0 || n > BATCH_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!prepare(&pr[i], &items[i]))
            return false;
        idx[i] = i;
    }
    return batch_holds(items, pr, idx, n);
}

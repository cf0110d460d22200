/*
 * The signature scheme of crypto/bls (draft-irtf-cfrg-bls-signature-06, POP
 * ciphersuite, min-pk): KeyGen against the EIP-2333 master-key vector (the
 * draft-04 KeyGen blst implements), sign/verify round trips and every reject
 * path the issue lists: zero and out-of-range secret keys, the identity as a
 * public key or signature, wrong message/key, empty lists, repeated messages
 * in AggregateVerify (allowed in the POP scheme), FastAggregateVerify,
 * proofs of possession, and batch verification with one bad member.
 */
#include "bls_test.h"

#include "crypto/bls/bls.h"

static void sk_from_u64(uint8_t sk[32], uint64_t v)
{
    memset(sk, 0, 32);
    for (int i = 0; i < 8; i++)
        sk[31 - i] = (uint8_t)(v >> (8 * i));
}

static void test_keygen(void **state)
{
    (void)state;
    /* EIP-2333 test case 0: derive_master_SK(seed) = KeyGen (draft 04) */
    static const char seed_hex[] =
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1"
        "c92f2cf141630c7a3c4ab7c81b2f001698e7463b04";
    static const char sk_hex[] = "0d7359d57963ab8fbbde1852dcf553fedbc31f464d80ee7d40ae683122b45070";
    uint8_t seed[64], want[32], sk[32];
    err_t e;
    assert_int_equal(hex_decode(seed_hex, 128, seed, 64, &e), 0);
    assert_int_equal(hex_decode(sk_hex, 64, want, 32, &e), 0);
    assert_int_equal(bls_keygen(sk, seed, 64, NULL, 0, NULL, 0, &e), 0);
    assert_memory_equal(sk, want, 32);
    /* key_info and salt change the key */
    assert_int_equal(bls_keygen(sk, seed, 64, (const uint8_t *)"x", 1, NULL, 0, &e), 0);
    assert_memory_not_equal(sk, want, 32);
    assert_int_equal(bls_keygen(sk, seed, 64, NULL, 0, (const uint8_t *)"salt", 4, &e), 0);
    assert_memory_not_equal(sk, want, 32);
    /* IKM shorter than 32 bytes */
    assert_int_equal(bls_keygen(sk, seed, 31, NULL, 0, NULL, 0, &e), BLS_EARG);
    assert_non_null(strstr(e.msg, "IKM"));
}

static void test_sign_verify(void **state)
{
    (void)state;
    uint8_t sk[32], sk2[32], pk[48], pk2[48], sig[96], bad[96];
    err_t e;
    static const uint8_t msg[] = "block 42";
    sk_from_u64(sk, 0x123456789abcdefULL);
    sk_from_u64(sk2, 99);
    assert_int_equal(bls_sk_to_pk(pk, sk, &e), 0);
    assert_int_equal(bls_sk_to_pk(pk2, sk2, &e), 0);
    assert_int_equal(bls_key_validate(pk, &e), 0);
    assert_int_equal(bls_sign(sig, sk, msg, sizeof msg, &e), 0);
    assert_int_equal(bls_verify(pk, msg, sizeof msg, sig, &e), 0);
    assert_int_equal(bls_verify(pk, msg, sizeof msg - 1, sig, &e), BLS_EINVALID);
    assert_int_equal(bls_verify(pk2, msg, sizeof msg, sig, &e), BLS_EINVALID);
    /* empty message */
    assert_int_equal(bls_sign(sig, sk, NULL, 0, &e), 0);
    assert_int_equal(bls_verify(pk, "", 0, sig, &e), 0);
    /* sk = 1: pk is the generator */
    sk_from_u64(sk2, 1);
    assert_int_equal(bls_sk_to_pk(pk2, sk2, &e), 0);
    assert_int_equal(pk2[0], 0x97);
    /* sk = 0 and sk >= r */
    sk_from_u64(sk2, 0);
    assert_int_equal(bls_sign(sig, sk2, msg, sizeof msg, &e), BLS_EARG);
    assert_non_null(strstr(e.msg, "zero"));
    assert_int_equal(bls_sk_to_pk(pk2, sk2, &e), BLS_EARG);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            sk2[(3 - i) * 8 + j] = (uint8_t)(BLS_R_ORDER[i] >> (56 - 8 * j));
    assert_int_equal(bls_sign(sig, sk2, msg, sizeof msg, &e), BLS_EARG);
    sk2[31] -= 1;  /* r - 1 is valid */
    assert_int_equal(bls_sign(sig, sk2, msg, sizeof msg, &e), 0);
    assert_int_equal(bls_sk_to_pk(pk2, sk2, &e), 0);
    assert_int_equal(bls_verify(pk2, msg, sizeof msg, sig, &e), 0);
    /* identity public key: KeyValidate fails, and so does verify */
    uint8_t inf_pk[48] = {0xc0}, inf_sig[96] = {0xc0};
    assert_int_equal(bls_key_validate(inf_pk, &e), BLS_EINVALID);
    assert_int_equal(bls_verify(inf_pk, msg, sizeof msg, inf_sig, &e), BLS_EINVALID);
    /* identity signature under a real key */
    assert_int_equal(bls_verify(pk, msg, sizeof msg, inf_sig, &e), BLS_EINVALID);
    /* tampered signature: flip the sort bit, then break the flags */
    assert_int_equal(bls_sign(sig, sk, msg, sizeof msg, &e), 0);
    memcpy(bad, sig, 96);
    bad[0] ^= 0x20;
    assert_int_equal(bls_verify(pk, msg, sizeof msg, bad, &e), BLS_EINVALID);
    bad[0] &= 0x7f;
    assert_int_equal(bls_verify(pk, msg, sizeof msg, bad, &e), BLS_EDECODE);
    assert_non_null(strstr(e.msg, "signature"));
}

#define N 5

static void test_aggregate(void **state)
{
    (void)state;
    uint8_t sks[N][32], pks[N][48], sigs[N][96], agg[96], one_msg_sigs[N][96];
    const uint8_t *msgs[N];
    size_t lens[N];
    static const char *texts[N] = {"a", "bb", "ccc", "a", "dddd"};  /* "a" twice */
    static const uint8_t common[] = "QC for block 7";
    err_t e;
    for (int i = 0; i < N; i++) {
        sk_from_u64(sks[i], 1000 + 17 * (uint64_t)i);
        assert_int_equal(bls_sk_to_pk(pks[i], sks[i], &e), 0);
        msgs[i] = (const uint8_t *)texts[i];
        lens[i] = strlen(texts[i]);
        assert_int_equal(bls_sign(sigs[i], sks[i], msgs[i], lens[i], &e), 0);
        assert_int_equal(bls_sign(one_msg_sigs[i], sks[i], common, sizeof common, &e), 0);
    }
    assert_int_equal(bls_aggregate(agg, sigs, 0, &e), BLS_EARG);
    assert_int_equal(bls_aggregate(agg, sigs, N, &e), 0);
    /* repeated messages are fine in the POP scheme */
    assert_int_equal(bls_aggregate_verify(pks, msgs, lens, N, agg, &e), 0);
    assert_int_equal(bls_aggregate_verify(pks, msgs, lens, N - 1, agg, &e), BLS_EINVALID);
    assert_int_equal(bls_aggregate_verify(pks, msgs, lens, 0, agg, &e), BLS_EINVALID);
    lens[2] = 2;
    assert_int_equal(bls_aggregate_verify(pks, msgs, lens, N, agg, &e), BLS_EINVALID);
    lens[2] = 3;
    /* batch verification, then one bad member */
    assert_int_equal(bls_batch_verify(pks, msgs, lens, sigs, N, &e), 0);
    assert_int_equal(bls_batch_verify(pks, msgs, lens, sigs, 0, &e), BLS_EINVALID);
    uint8_t swapped[N][96];
    memcpy(swapped, sigs, sizeof swapped);
    memcpy(swapped[0], sigs[1], 96);
    memcpy(swapped[1], sigs[0], 96);
    assert_int_equal(bls_batch_verify(pks, msgs, lens, swapped, N, &e), BLS_EINVALID);
    /* fast aggregate verify over one message */
    assert_int_equal(bls_aggregate(agg, one_msg_sigs, N, &e), 0);
    assert_int_equal(bls_fast_aggregate_verify(pks, N, common, sizeof common, agg, &e), 0);
    assert_int_equal(bls_fast_aggregate_verify(pks, N - 1, common, sizeof common, agg, &e),
                     BLS_EINVALID);
    assert_int_equal(bls_fast_aggregate_verify(pks, 0, common, sizeof common, agg, &e),
                     BLS_EINVALID);
    /* decoded-key path agrees */
    bls_pk_t dpk[N];
    bls_sig_t dsig;
    for (int i = 0; i < N; i++)
        assert_int_equal(bls_pk_decode(&dpk[i], pks[i], &e), 0);
    assert_int_equal(bls_sig_decode(&dsig, agg, &e), 0);
    assert_int_equal(bls_fast_aggregate_verify_decoded(dpk, N, common, sizeof common, &dsig, &e),
                     0);
    assert_int_equal(bls_verify_decoded(&dpk[0], common, sizeof common, &dsig, &e),
                     BLS_EINVALID);
    uint8_t re[96];
    bls_sig_encode(re, &dsig);
    assert_memory_equal(re, agg, 96);
    /* caller-side aggregation (a QC's signer bitmap) agrees */
    bls_pk_t apk, sum;
    bls_sig_t ds[N], asig;
    for (int i = 0; i < N; i++)
        assert_int_equal(bls_sig_decode(&ds[i], one_msg_sigs[i], &e), 0);
    bls_sig_aggregate_decoded(&asig, ds, N);
    bls_sig_encode(re, &asig);
    assert_memory_equal(re, agg, 96);
    bls_pk_aggregate_decoded(&apk, dpk, N);
    assert_int_equal(bls_verify_decoded(&apk, common, sizeof common, &asig, &e), 0);
    bls_pk_aggregate_decoded(&apk, dpk, 2);
    bls_sig_add(&asig, &ds[0], &ds[1]);
    bls_pk_add(&sum, &dpk[0], &dpk[1]);
    uint8_t e1[48], e2[48];
    bls_pk_encode(e1, &apk);
    bls_pk_encode(e2, &sum);
    assert_memory_equal(e1, e2, 48);
    assert_int_equal(bls_verify_decoded(&sum, common, sizeof common, &asig, &e), 0);
    bls_pk_aggregate_decoded(&apk, dpk, 0);
    assert_int_equal(bls_verify_decoded(&apk, common, sizeof common, &asig, &e), BLS_EINVALID);
    /* an identity key in the list is rejected */
    uint8_t with_inf[2][48];
    memcpy(with_inf[0], pks[0], 48);
    memset(with_inf[1], 0, 48);
    with_inf[1][0] = 0xc0;
    assert_int_equal(bls_fast_aggregate_verify(with_inf, 2, common, sizeof common,
                                               one_msg_sigs[0], &e),
                     BLS_EINVALID);
    assert_non_null(strstr(e.msg, "public key 1"));
}

static void test_pop(void **state)
{
    (void)state;
    uint8_t sk[32], pk[48], pk2[48], proof[96], sig[96];
    err_t e;
    sk_from_u64(sk, 4242);
    assert_int_equal(bls_sk_to_pk(pk, sk, &e), 0);
    assert_int_equal(bls_pop_prove(proof, sk, &e), 0);
    assert_int_equal(bls_pop_verify(pk, proof, &e), 0);
    /* a signature over the pk bytes with the message DST is not a PoP */
    assert_int_equal(bls_sign(sig, sk, pk, 48, &e), 0);
    assert_int_equal(bls_pop_verify(pk, sig, &e), BLS_EINVALID);
    sk_from_u64(sk, 4243);
    assert_int_equal(bls_sk_to_pk(pk2, sk, &e), 0);
    assert_int_equal(bls_pop_verify(pk2, proof, &e), BLS_EINVALID);
}

int main(void)
{
    if (crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_aggregate),
        cmocka_unit_test(test_pop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of chain/types: u128 text and arithmetic, the transaction, header,
 * block and receipt codecs (round trips and strict rejections), signatures
 * (single and batched), the RFC 6962 roots against an independent
 * implementation, and the proof JSON / binary forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "chain/types/types.h"

static uint8_t sk1[64], pk1[32], sk2[64], pk2[32];

static int setup(void **state)
{
    (void)state;
    if (crypto_init() != 0)
        return -1;
    uint8_t seed[32];
    memset(seed, 7, 32);
    crypto_ed25519_from_seed(seed, pk1, sk1);
    memset(seed, 9, 32);
    crypto_ed25519_from_seed(seed, pk2, sk2);
    return 0;
}

static chain_u128_t u(uint64_t v)
{
    return chain_u128_from_u64(v);
}

/* ---- u128 ---- */

static void test_u128_text(void **state)
{
    (void)state;
    chain_u128_t v;
    char s[CHAIN_U128_STR_MAX];
    err_t e = {0};
    assert_int_equal(chain_u128_parse("0", 1, &v, &e), 0);
    assert_true(chain_u128_is_zero(v));
    const char *max = "340282366920938463463374607431768211455";
    assert_int_equal(chain_u128_parse(max, strlen(max), &v, &e), 0);
    assert_true(v.lo == UINT64_MAX && v.hi == UINT64_MAX);
    assert_int_equal(chain_u128_format(v, s), 39);
    assert_string_equal(s, max);
    const char *over = "340282366920938463463374607431768211456";
    assert_int_not_equal(chain_u128_parse(over, strlen(over), &v, &e), 0);
    assert_non_null(strstr(e.msg, "2^128"));
    assert_int_not_equal(chain_u128_parse("012", 3, &v, &e), 0);
    assert_non_null(strstr(e.msg, "leading zero"));
    assert_int_not_equal(chain_u128_parse("1a", 2, &v, &e), 0);
    assert_non_null(strstr(e.msg, "offset 1"));
    assert_int_not_equal(chain_u128_parse("-1", 2, &v, &e), 0);
    assert_int_not_equal(chain_u128_parse("", 0, &v, &e), 0);
    assert_int_equal(chain_u128_parse("18446744073709551616", 20, &v, &e), 0);
    assert_true(v.lo == 0 && v.hi == 1);
    chain_u128_format(v, s);
    assert_string_equal(s, "18446744073709551616");
    /* round trip of assorted values */
    for (uint64_t x = 1; x < UINT64_MAX / 3; x = x * 7 + 3) {
        chain_u128_t a = {x, x ^ 0x5555}, b;
        size_t n = chain_u128_format(a, s);
        assert_int_equal(chain_u128_parse(s, n, &b, &e), 0);
        assert_int_equal(chain_u128_cmp(a, b), 0);
    }
}

static void test_u128_math(void **state)
{
    (void)state;
    chain_u128_t max = {UINT64_MAX, UINT64_MAX}, r;
    assert_false(chain_u128_add(max, u(1), &r));
    assert_true(chain_u128_add(u(UINT64_MAX), u(1), &r));
    assert_true(r.lo == 0 && r.hi == 1);
    assert_false(chain_u128_sub(u(1), u(2), &r));
    assert_true(chain_u128_sub(r = (chain_u128_t){0, 1}, u(1), &r));
    assert_true(r.lo == UINT64_MAX && r.hi == 0);
    assert_true(chain_u128_mul_u64(u(1ull << 40), 1ull << 40, &r));
    assert_true(r.hi == 1ull << 16 && r.lo == 0);
    assert_false(chain_u128_mul_u64(max, 2, &r));
    assert_int_equal(chain_u128_cmp(u(3), (chain_u128_t){0, 1}), -1);
    uint8_t b[16];
    chain_u128_t x = {0x0102030405060708ull, 0x1112131415161718ull};
    chain_u128_put(b, x);
    assert_int_equal(b[0], 0x08);
    assert_int_equal(b[15], 0x11);
    assert_int_equal(chain_u128_cmp(chain_u128_get(b), x), 0);
}

static void test_hex_forms(void **state)
{
    (void)state;
    chain_addr_t a;
    err_t e = {0};
    char s[41];
    assert_int_equal(chain_addr_from_hex("0x00112233445566778899AABBCCDDEEFF00112233", &a, &e), 0);
    chain_addr_to_hex(&a, s);
    assert_string_equal(s, "00112233445566778899aabbccddeeff00112233");
    assert_int_not_equal(chain_addr_from_hex("0011", &a, &e), 0);
    assert_non_null(strstr(e.msg, "40 hex digits"));
    assert_int_not_equal(chain_addr_from_hex("zz112233445566778899aabbccddeeff00112233", &a, &e), 0);
    /* address = SHA-256(pk)[0..20] */
    uint8_t h[32];
    crypto_sha256(pk1, 32, h);
    chain_addr_from_pk(pk1, &a);
    assert_memory_equal(a.b, h, 20);
}

/* ---- transactions ---- */

static chain_tx_t *make_transfer(uint64_t nonce)
{
    chain_addr_t to;
    chain_addr_from_pk(pk2, &to);
    chain_tx_t *tx = chain_tx_new_transfer(42, pk1, nonce, u(1000), &to, u(5000));
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, sk1, NULL), 0);
    return tx;
}

static chain_tx_t *make_utxo(void)
{
    chain_utxo_id_t ins[3];
    memset(ins, 0, sizeof ins);
    ins[0].tx_hash.b[0] = 9, ins[0].index = 1;
    ins[1].tx_hash.b[0] = 1, ins[1].index = 7;
    ins[2].tx_hash.b[0] = 1, ins[2].index = 2;
    chain_utxo_t outs[2];
    chain_addr_from_pk(pk2, &outs[0].owner);
    outs[0].amount = u(10);
    chain_addr_from_pk(pk1, &outs[1].owner);
    outs[1].amount = (chain_u128_t){5, 1};
    err_t e = {0};
    chain_tx_t *tx = chain_tx_new_utxo(42, pk1, 3, u(7), u(100), ins, 3, outs, 2, &e);
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, sk1, NULL), 0);
    return tx;
}

static buf_t enc_tx(const chain_tx_t *tx)
{
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(chain_tx_encode(tx, true, &b), 0);
    return b;
}

static void assert_tx_same(const chain_tx_t *a, const chain_tx_t *b)
{
    buf_t x = enc_tx(a), y = enc_tx(b);
    assert_int_equal(x.len, y.len);
    assert_memory_equal(x.data, y.data, x.len);
    assert_memory_equal(a->hash.b, b->hash.b, 32);
    assert_int_equal(a->size, b->size);
    buf_free(&x);
    buf_free(&y);
}

static void test_tx_roundtrip(void **state)
{
    (void)state;
    chain_tx_t *txs[2] = {make_transfer(5), make_utxo()};
    for (int k = 0; k < 2; k++) {
        chain_tx_t *tx = txs[k];
        buf_t b = enc_tx(tx);
        assert_int_equal(b.len, chain_tx_encoded_size(tx));
        assert_int_equal(b.len, tx->size);
        err_t e = {0};
        chain_tx_t *d = chain_tx_decode(b.data, b.len, &e);
        assert_non_null(d);
        assert_tx_same(tx, d);
        assert_false(d->sig_ok);
        assert_int_equal(chain_tx_verify(d, &e), 0);
        assert_true(d->sig_ok);
        assert_int_equal(chain_tx_check_static(d, &e), 0);
        /* hash = SHA-256(unsigned encoding) */
        buf_t ub;
        buf_init(&ub, 0);
        assert_int_equal(chain_tx_encode(tx, false, &ub), 0);
        assert_int_equal(ub.len + 64, b.len);
        uint8_t h[32];
        crypto_sha256(ub.data, ub.len, h);
        assert_memory_equal(h, d->hash.b, 32);
        chain_tx_t *c = chain_tx_dup(d);
        assert_tx_same(c, d);
        if (c->n_inputs)
            assert_ptr_not_equal(c->inputs, d->inputs);
        chain_tx_free(c);
        buf_free(&ub);
        buf_free(&b);
        chain_tx_free(d);
    }
    /* inputs were sorted by the constructor */
    chain_tx_t *t = txs[1];
    for (uint32_t i = 1; i < t->n_inputs; i++)
        assert_true(chain_utxo_id_cmp(&t->inputs[i - 1], &t->inputs[i]) < 0);
    chain_tx_free(txs[0]);
    chain_tx_free(txs[1]);
}

static void test_tx_signature(void **state)
{
    (void)state;
    chain_tx_t *tx = make_transfer(1);
    err_t e = {0};
    assert_int_equal(chain_tx_verify(tx, &e), 0);
    /* any change of a signed field breaks it */
    tx->nonce++;
    chain_tx_finalize(tx);
    assert_int_equal(chain_tx_verify(tx, &e), CHAIN_EBADSIG);
    assert_non_null(strstr(e.msg, "signature"));
    tx->nonce--;
    chain_tx_finalize(tx);
    assert_int_equal(chain_tx_verify(tx, &e), 0);
    tx->sig[10] ^= 1;
    assert_int_equal(chain_tx_verify(tx, &e), CHAIN_EBADSIG);
    /* signing with the wrong key is refused */
    assert_int_equal(chain_tx_sign(tx, sk2, &e), CHAIN_EINVAL);
    chain_tx_free(tx);
}

static void test_tx_verify_batch(void **state)
{
    (void)state;
    enum { N = 301 };
    chain_tx_t *txs[N];
    for (int i = 0; i < N; i++) {
        txs[i] = make_transfer((uint64_t)i);
        if (i % 37 == 5)
            txs[i]->sig[3] ^= 0x40;
    }
    for (unsigned th = 0; th <= 3; th++) {
        size_t bad = chain_tx_verify_batch(txs, N, th);
        assert_int_equal(bad, 8);   /* i = 5, 42, ..., 264 */
        for (int i = 0; i < N; i++)
            assert_int_equal(txs[i]->sig_ok, i % 37 != 5);
    }
    for (int i = 0; i < N; i++)
        chain_tx_free(txs[i]);
}

static void expect_tx_reject(const uint8_t *p, size_t n, const char *needle)
{
    err_t e = {0};
    chain_tx_t *tx = chain_tx_decode(p, n, &e);
    if (tx)
        fail_msg("decode accepted bad input (want: %s)", needle);
    assert_int_equal(e.code, CHAIN_EINVAL);
    if (!strstr(e.msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

static void test_tx_strict(void **state)
{
    (void)state;
    chain_tx_t *tx = make_utxo();
    buf_t b = enc_tx(tx);
    /* every truncation fails and names it */
    for (size_t n = 0; n < b.len; n++)
        expect_tx_reject(b.data, n, n == 0 ? "kind" : "truncated");
    /* trailing byte */
    uint8_t *x = malloc(b.len + 1);
    memcpy(x, b.data, b.len);
    x[b.len] = 0;
    expect_tx_reject(x, b.len + 1, "trailing");
    /* unknown kind */
    memcpy(x, b.data, b.len);
    x[0] = 3;
    expect_tx_reject(x, b.len, "unknown kind 3");
    /* inputs out of order / repeated: swap the first two inputs */
    size_t in0 = 1 + 8 + 32 + 8 + 16 + 16 + 4;
    memcpy(x, b.data, b.len);
    memcpy(x + in0, b.data + in0 + 36, 36);
    memcpy(x + in0 + 36, b.data + in0, 36);
    expect_tx_reject(x, b.len, "ascending");
    memcpy(x, b.data, b.len);
    memcpy(x + in0 + 36, b.data + in0, 36);
    expect_tx_reject(x, b.len, "ascending");
    /* an input count beyond the bound is refused before reading */
    memcpy(x, b.data, b.len);
    x[in0 - 4] = 65;
    expect_tx_reject(x, b.len, "65 inputs");
    memcpy(x, b.data, b.len);
    x[in0 - 1] = 0x80;
    expect_tx_reject(x, b.len, "inputs");
    /* zero output amount */
    size_t out0 = in0 + 3 * 36 + 4;
    memcpy(x, b.data, b.len);
    memset(x + out0 + 20, 0, 16);
    expect_tx_reject(x, b.len, "amount is zero");
    free(x);
    buf_free(&b);
    chain_tx_free(tx);
    /* zero transfer amount */
    chain_tx_t *t = make_transfer(0);
    b = enc_tx(t);
    memset(b.data + 1 + 8 + 32 + 8 + 16 + 20, 0, 16);
    expect_tx_reject(b.data, b.len, "amount is zero");
    buf_free(&b);
    chain_tx_free(t);
    /* oversized */
    uint8_t big[CHAIN_MAX_TX_BYTES + 1] = {1};
    expect_tx_reject(big, sizeof big, "at most");
    /* constructor bounds */
    err_t e = {0};
    chain_utxo_id_t dup[2];
    memset(dup, 0, sizeof dup);
    assert_null(chain_tx_new_utxo(1, pk1, 0, u(0), u(0), dup, 2, NULL, 0, &e));
    assert_non_null(strstr(e.msg, "twice"));
}

static void test_tx_static(void **state)
{
    (void)state;
    err_t e = {0};
    chain_addr_t to = {{0}};
    chain_tx_t *tx = chain_tx_new_transfer(1, pk1, 0, (chain_u128_t){1, UINT64_MAX}, &to,
                                           (chain_u128_t){UINT64_MAX, UINT64_MAX});
    assert_int_equal(chain_tx_check_static(tx, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "exceeds"));
    chain_tx_free(tx);
    uint8_t badpk[32];
    memset(badpk, 0xff, 32);   /* not a curve point encoding */
    badpk[31] = 0x7f;
    badpk[0] = 0xee;
    tx = chain_tx_new_transfer(1, badpk, 0, u(1), &to, u(1));
    if (!crypto_ed25519_pk_valid(badpk))
        assert_int_equal(chain_tx_check_static(tx, &e), CHAIN_ETXINVALID);
    chain_tx_free(tx);
}

static void test_tx_json(void **state)
{
    (void)state;
    chain_tx_t *tx = make_utxo();
    json_t *j = chain_tx_to_json(tx);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "utxo");
    assert_string_equal(json_string_value(json_object_get(j, "fee")), "7");
    json_t *outs = json_object_get(j, "outputs");
    assert_int_equal(json_array_size(outs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(outs, 1), "amount")),
                        "18446744073709551621");
    char h[65];
    chain_hash_to_hex(&tx->hash, h);
    assert_string_equal(json_string_value(json_object_get(j, "hash")), h);
    json_decref(j);
    chain_tx_free(tx);
}

/* ---- receipts, headers, blocks, roots ---- */

static void test_receipt(void **state)
{
    (void)state;
    chain_receipt_t r = {.status = CHAIN_STATUS_UTXO_MISSING, .fee_paid = {77, 1}}, d;
    memset(r.tx_hash.b, 0xab, 32);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(chain_receipt_encode(&r, &b), 0);
    assert_int_equal(b.len, CHAIN_RECEIPT_MIN_BYTES);
    err_t e = {0};
    assert_int_equal(chain_receipt_decode(b.data, b.len, &d, &e), 0);
    assert_memory_equal(&r.tx_hash, &d.tx_hash, 32);
    assert_int_equal(d.status, r.status);
    assert_int_equal(chain_u128_cmp(d.fee_paid, r.fee_paid), 0);
    b.data[32] = CHAIN_STATUS_MAX_ + 1;
    assert_int_not_equal(chain_receipt_decode(b.data, b.len, &d, &e), 0);
    assert_non_null(strstr(e.msg, "status"));
    assert_int_not_equal(chain_receipt_decode(b.data, b.len - 1, &d, &e), 0);
    assert_string_equal(chain_status_name(CHAIN_STATUS_OK), "ok");
    assert_string_equal(chain_status_name(CHAIN_STATUS_BAD_CODE), "bad_code");
    assert_string_equal(chain_status_name(200), "unknown");
    buf_free(&b);
}

/* Independent RFC 6962 §2.1 implementation over a different split rule
 * expression (k = highest power of two strictly less than n). */
static void ref_mth(const chain_hash_t *d, size_t n, uint8_t out[32])
{
    if (n == 0) {
        crypto_sha256(NULL, 0, out);
        return;
    }
    if (n == 1) {
        uint8_t b[33] = {0};
        memcpy(b + 1, d[0].b, 32);
        crypto_sha256(b, 33, out);
        return;
    }
    size_t k = (size_t)1 << (63 - __builtin_clzll((unsigned long long)(n - 1)));
    uint8_t b[65];
    b[0] = 1;
    ref_mth(d, k, b + 1);
    ref_mth(d + k, n - k, b + 33);
    crypto_sha256(b, 65, out);
}

static void test_merkle(void **state)
{
    (void)state;
    chain_hash_t leaves[70];
    for (int i = 0; i < 70; i++)
        crypto_sha256(&i, sizeof i, leaves[i].b);
    for (size_t n = 0; n <= 70; n++) {
        chain_hash_t got;
        uint8_t want[32];
        chain_merkle_root(leaves, n, &got);
        ref_mth(leaves, n, want);
        assert_memory_equal(got.b, want, 32);
    }
    /* the empty root is SHA-256 of nothing */
    chain_hash_t r;
    chain_merkle_root(NULL, 0, &r);
    char h[65];
    chain_hash_to_hex(&r, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static chain_block_t *make_block(int n)
{
    chain_block_t *b = chain_block_new();
    b->header.chain_id = 42;
    b->header.height = 7;
    b->header.timestamp_ms = 1700000000123ull;
    memset(b->header.parent_hash.b, 1, 32);
    memset(b->header.state_root.b, 2, 32);
    memset(b->header.receipts_root.b, 3, 32);
    for (int i = 0; i < n; i++)
        assert_int_equal(chain_block_add_tx(b, i % 3 == 2 ? make_utxo() : make_transfer((uint64_t)i), NULL), 0);
    chain_block_seal(b, sk2);
    return b;
}

static void test_block_roundtrip(void **state)
{
    (void)state;
    for (int n = 0; n < 40; n += 13) {
        chain_block_t *b = make_block(n);
        err_t e = {0};
        assert_int_equal(chain_block_check(b, &e), 0);
        assert_memory_equal(b->header.proposer_pk, pk2, 32);
        buf_t enc;
        buf_init(&enc, 0);
        assert_int_equal(chain_block_encode(b, &enc), 0);
        chain_block_t *d = chain_block_decode(enc.data, enc.len, &e);
        assert_non_null(d);
        assert_int_equal(chain_block_check(d, &e), 0);
        assert_memory_equal(d->hash.b, b->hash.b, 32);
        assert_int_equal(d->n_txs, (uint32_t)n);
        buf_t enc2;
        buf_init(&enc2, 0);
        assert_int_equal(chain_block_encode(d, &enc2), 0);
        assert_int_equal(enc.len, enc2.len);
        assert_memory_equal(enc.data, enc2.data, enc.len);
        /* header codec alone */
        chain_header_t h;
        assert_int_equal(chain_header_decode(enc.data, CHAIN_HEADER_BYTES, &h, &e), 0);
        assert_int_equal(h.timestamp_ms, 1700000000123ull);
        assert_int_not_equal(chain_header_decode(enc.data, CHAIN_HEADER_BYTES + 1, &h, &e), 0);
        assert_non_null(strstr(e.msg, "trailing"));
        /* every truncation is refused */
        for (size_t k = 0; k < enc.len; k += (k < 300 ? 1 : 97)) {
            chain_block_t *t = chain_block_decode(enc.data, k, &e);
            assert_null(t);
        }
        json_t *j = chain_block_to_json(d, true);
        assert_int_equal(json_array_size(json_object_get(j, "transactions")), (size_t)n);
        assert_int_equal(json_integer_value(json_object_get(j, "height")), 7);
        json_decref(j);
        buf_free(&enc);
        buf_free(&enc2);
        chain_block_free(d);
        chain_block_free(b);
    }
}

static void test_block_tamper(void **state)
{
    (void)state;
    chain_block_t *b = make_block(5);
    err_t e = {0};
    /* a body change breaks txs_root */
    chain_tx_t *t = b->txs[1];
    b->txs[1] = b->txs[2];
    b->txs[2] = t;
    assert_int_equal(chain_block_check(b, &e), CHAIN_EBLOCK);
    assert_non_null(strstr(e.msg, "txs_root"));
    b->txs[2] = b->txs[1];
    b->txs[1] = t;
    assert_int_equal(chain_block_check(b, &e), 0);
    /* a header change breaks the proposer signature */
    b->header.timestamp_ms++;
    assert_int_equal(chain_block_check(b, &e), CHAIN_EBLOCK);
    assert_non_null(strstr(e.msg, "signature"));
    b->header.timestamp_ms--;
    /* encoded count mismatch */
    buf_t enc;
    buf_init(&enc, 0);
    assert_int_equal(chain_block_encode(b, &enc), 0);
    enc.data[CHAIN_HEADER_BYTES + 64] = 4;
    assert_null(chain_block_decode(enc.data, enc.len, &e));
    assert_non_null(strstr(e.msg, "differs from header"));
    /* a huge count cannot allocate beyond the input */
    enc.data[CHAIN_HEADER_BYTES - 24 - 4] = 0xff;   /* n_txs (before gas_used, base_fee) */
    enc.data[CHAIN_HEADER_BYTES - 24 - 3] = 0x4d;
    enc.data[CHAIN_HEADER_BYTES + 64] = 0xff;
    enc.data[CHAIN_HEADER_BYTES + 65] = 0x4d;
    assert_null(chain_block_decode(enc.data, enc.len, &e));
    /* bad version */
    enc.data[0] = 2;
    assert_null(chain_block_decode(enc.data, enc.len, &e));
    assert_non_null(strstr(e.msg, "version"));
    buf_free(&enc);
    chain_block_free(b);
}

/* ---- proofs ---- */

static void test_proof_forms(void **state)
{
    (void)state;
    /* a one-leaf tree: root = leaf hash, no siblings */
    chain_proof_t p;
    memset(&p, 0, sizeof p);
    p.kind = CHAIN_PROOF_ACCOUNT;
    chain_addr_from_pk(pk1, &p.address);
    p.exists = true;
    p.account.balance = u(123);
    p.account.nonce = 4;
    chain_hash_t key, vh;
    uint8_t v[CHAIN_ACCOUNT_BYTES];
    chain_smt_key_account(&p.address, &key);
    chain_account_encode(&p.account, v);
    crypto_sha256(v, sizeof v, vh.b);
    chain_smt_leaf_hash(&key, &vh, &p.root);
    err_t e = {0};
    assert_int_equal(chain_proof_verify(&p, &p.root, &e), 0);
    /* the wrong balance fails */
    p.account.balance = u(124);
    assert_int_equal(chain_proof_verify(&p, NULL, &e), CHAIN_EPROOF);
    p.account.balance = u(123);
    /* JSON round trip */
    json_t *j = chain_proof_to_json(&p);
    chain_proof_t q;
    assert_int_equal(chain_proof_from_json(j, &q, &e), 0);
    assert_int_equal(chain_proof_verify(&q, &p.root, &e), 0);
    /* unknown fields and wrong key are refused */
    json_object_set_new(j, "extra", json_true());
    assert_int_not_equal(chain_proof_from_json(j, &q, &e), 0);
    assert_non_null(strstr(e.msg, "extra"));
    json_object_del(j, "extra");
    json_object_set_new(j, "key", json_string("00000000000000000000000000000000000000000000000000000000000000ff"));
    assert_int_not_equal(chain_proof_from_json(j, &q, &e), 0);
    assert_non_null(strstr(e.msg, "key"));
    json_decref(j);
    /* binary round trip */
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(chain_proof_encode(&p, &b), 0);
    assert_int_equal(chain_proof_decode(b.data, b.len, &q, &e), 0);
    assert_int_equal(chain_proof_verify(&q, &p.root, &e), 0);
    assert_int_not_equal(chain_proof_decode(b.data, b.len - 1, &q, &e), 0);
    b.data[0] = 9;
    assert_int_not_equal(chain_proof_decode(b.data, b.len, &q, &e), 0);
    buf_free(&b);
    /* absence via the single other leaf */
    chain_proof_t a;
    memset(&a, 0, sizeof a);
    a.kind = CHAIN_PROOF_ACCOUNT;
    chain_addr_from_pk(pk2, &a.address);
    a.root = p.root;
    a.has_other = true;
    a.other_key = key;
    a.other_value_hash = vh;
    assert_int_equal(chain_proof_verify(&a, &p.root, &e), 0);
    /* but not with a sibling claiming the other leaf sits elsewhere */
    a.n_siblings = 1;
    memset(a.siblings[0].b, 0, 32);
    chain_hash_t k2;
    chain_smt_key_account(&a.address, &k2);
    if (((k2.b[0] ^ key.b[0]) & 0x80) != 0) {
        assert_int_equal(chain_proof_verify(&a, NULL, &e), CHAIN_EPROOF);
        assert_non_null(strstr(e.msg, "path"));
    }
    /* absent in the empty tree */
    chain_proof_t z;
    memset(&z, 0, sizeof z);
    z.kind = CHAIN_PROOF_UTXO;
    z.utxo_id.index = 3;
    assert_int_equal(chain_proof_verify(&z, NULL, &e), 0);
    z.exists = true;
    z.has_other = true;
    assert_int_equal(chain_proof_verify(&z, NULL, &e), CHAIN_EPROOF);
}

/* ---- golden bytes: the layout of DESIGN.md §7, pinned (golden.h is built
 * field by field from the documented layout by golden_gen.py, not by this
 * encoder, so any change of order, width or endianness fails here) ---- */

#include "golden.h"

static void assert_golden(const char *what, const buf_t *b, const uint8_t *want, size_t n)
{
    if (b->len != n)
        fail_msg("%s: encoded %zu bytes, golden %zu", what, b->len, n);
    for (size_t i = 0; i < n; i++)
        if (b->data[i] != want[i])
            fail_msg("%s: byte %zu is 0x%02x, golden 0x%02x", what, i, b->data[i], want[i]);
}

static void test_golden_bytes(void **state)
{
    (void)state;
    uint8_t gpk[32], gsk[64];
    crypto_ed25519_from_seed(golden_seed, gpk, gsk);
    assert_memory_equal(gpk, golden_pk, 32);
    err_t e = {0};
    buf_t b;
    /* transfer */
    chain_addr_t to;
    for (int i = 0; i < 20; i++)
        to.b[i] = (uint8_t)(0xa0 + i);
    chain_tx_t *tx = chain_tx_new_transfer(GOLDEN_CHAIN_ID, gpk, 7, (chain_u128_t){1000, 3}, &to,
                                           u(123456789));
    assert_non_null(tx);
    assert_int_equal(chain_tx_sign(tx, gsk, &e), 0);
    buf_init(&b, 0);
    assert_int_equal(chain_tx_encode(tx, true, &b), 0);
    assert_golden("transfer", &b, golden_transfer, sizeof golden_transfer);
    assert_memory_equal(tx->hash.b, golden_transfer_hash, 32);
    buf_free(&b);
    chain_tx_t *d = chain_tx_decode(golden_transfer, sizeof golden_transfer, &e);
    assert_non_null(d);
    assert_int_equal(d->kind, CHAIN_TX_TRANSFER);
    assert_true(d->chain_id == GOLDEN_CHAIN_ID && d->nonce == 7);
    assert_true(d->fee.lo == 1000 && d->fee.hi == 3);
    assert_true(d->amount.lo == 123456789 && d->amount.hi == 0);
    assert_memory_equal(d->to.b, to.b, 20);
    assert_memory_equal(d->hash.b, golden_transfer_hash, 32);
    assert_int_equal(chain_tx_verify(d, &e), 0);
    chain_tx_free(d);
    /* UTxO spend (inputs given unsorted: the constructor sorts them) */
    chain_utxo_id_t ins[3];
    memset(ins, 0, sizeof ins);
    memset(ins[0].tx_hash.b, 2, 32), ins[0].index = 0;
    memset(ins[1].tx_hash.b, 1, 32), ins[1].index = 9;
    memset(ins[2].tx_hash.b, 1, 32), ins[2].index = 2;
    chain_utxo_t outs[2];
    memset(outs[0].owner.b, 0xc0, 20), outs[0].amount = u(70);
    memset(outs[1].owner.b, 0xd0, 20), outs[1].amount = (chain_u128_t){0, 1ull << 36};
    chain_tx_t *ut = chain_tx_new_utxo(GOLDEN_CHAIN_ID, gpk, 8, u(2000), u(5), ins, 3, outs, 2, &e);
    assert_non_null(ut);
    assert_int_equal(chain_tx_sign(ut, gsk, &e), 0);
    buf_init(&b, 0);
    assert_int_equal(chain_tx_encode(ut, true, &b), 0);
    assert_golden("utxo spend", &b, golden_utxo, sizeof golden_utxo);
    assert_memory_equal(ut->hash.b, golden_utxo_hash, 32);
    buf_free(&b);
    d = chain_tx_decode(golden_utxo, sizeof golden_utxo, &e);
    assert_non_null(d);
    assert_int_equal(d->kind, CHAIN_TX_UTXO);
    assert_int_equal(d->n_inputs, 3);
    assert_int_equal(d->inputs[0].index, 2);
    assert_int_equal(d->inputs[2].tx_hash.b[0], 2);
    assert_int_equal(d->n_outputs, 2);
    assert_true(d->outputs[1].amount.hi == 1ull << 36 && d->outputs[1].amount.lo == 0);
    assert_true(d->from_balance.lo == 5 && d->fee.lo == 2000 && d->nonce == 8);
    assert_int_equal(chain_tx_verify(d, &e), 0);
    chain_tx_free(d);
    chain_tx_free(ut);
    /* block header */
    chain_header_t h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    h.chain_id = GOLDEN_CHAIN_ID;
    h.height = 42;
    h.timestamp_ms = 1700000000123ull;
    memset(h.parent_hash.b, 0x10, 32);
    memset(h.state_root.b, 0x20, 32);
    memset(h.txs_root.b, 0x30, 32);
    memset(h.receipts_root.b, 0x40, 32);
    memcpy(h.proposer_pk, gpk, 32);
    h.n_txs = 2;
    h.gas_used = 123456;
    h.base_fee.lo = 7;
    h.base_fee.hi = 1u << 6;   /* 7 + 2^70 */
    buf_init(&b, 0);
    assert_int_equal(chain_header_encode(&h, &b), 0);
    assert_golden("block header", &b, golden_header, sizeof golden_header);
    buf_free(&b);
    chain_hash_t hh;
    chain_header_hash(&h, &hh);
    assert_memory_equal(hh.b, golden_header_hash, 32);
    chain_header_t dh;
    assert_int_equal(chain_header_decode(golden_header, sizeof golden_header, &dh, &e), 0);
    assert_true(dh.height == 42 && dh.timestamp_ms == 1700000000123ull && dh.n_txs == 2);
    assert_true(dh.gas_used == 123456 && dh.base_fee.lo == 7 && dh.base_fee.hi == 1u << 6);
    assert_int_equal(dh.state_root.b[31], 0x20);
    /* receipt (of the transfer, status overflow) */
    chain_receipt_t r = {.status = CHAIN_STATUS_OVERFLOW, .fee_paid = {1000, 3}}, dr;
    memcpy(r.tx_hash.b, tx->hash.b, 32);
    buf_init(&b, 0);
    assert_int_equal(chain_receipt_encode(&r, &b), 0);
    assert_golden("receipt", &b, golden_receipt, sizeof golden_receipt);
    buf_free(&b);
    chain_receipt_hash(&r, &hh);
    assert_memory_equal(hh.b, golden_receipt_hash, 32);
    assert_int_equal(chain_receipt_decode(golden_receipt, sizeof golden_receipt, &dr, &e), 0);
    assert_int_equal(dr.status, CHAIN_STATUS_OVERFLOW);
    assert_string_equal(chain_status_name(dr.status), "overflow");
    chain_receipt_clear(&dr);
    chain_tx_free(tx);
}

/* A contract receipt: golden layout field by field (golden_gen.py), the
 * round trip, every bound and the JSON view. */
static void test_contract_receipt(void **state)
{
    (void)state;
    err_t e = {0};
    chain_receipt_t r = {.status = CHAIN_STATUS_REVERT, .gas_used = 21000}, d;
    r.fee_paid = chain_u128_from_u64(300 + 21000 * 3);
    memcpy(r.tx_hash.b, golden_call_hash, 32);
    memcpy(r.contract.b, golden_deploy_contract, 20);
    uint8_t ret[2] = {0xaa, 0xbb}, abc[3] = {'a', 'b', 'c'};
    chain_log_t logs[2] = {{.has_topic = true, .data = abc, .len = 3}, {.has_topic = false}};
    memcpy(logs[0].address.b, golden_deploy_contract, 20);
    memset(logs[0].topic.b, 0x77, 32);
    memset(logs[1].address.b, 0x42, 20);
    r.ret = ret;
    r.ret_len = 2;
    r.logs = logs;
    r.n_logs = 2;
    r.reason = (char *)"insufficient balance";
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(chain_receipt_encode(&r, &b), 0);
    assert_golden("call receipt", &b, golden_call_receipt, sizeof golden_call_receipt);
    chain_hash_t hh;
    chain_receipt_hash(&r, &hh);
    assert_memory_equal(hh.b, golden_call_receipt_hash, 32);
    assert_int_equal(chain_receipt_decode(b.data, b.len, &d, &e), 0);
    assert_int_equal(d.status, CHAIN_STATUS_REVERT);
    assert_true(d.gas_used == 21000 && d.ret_len == 2 && d.n_logs == 2);
    assert_memory_equal(d.ret, ret, 2);
    assert_true(d.logs[0].has_topic && !d.logs[1].has_topic && d.logs[0].len == 3);
    assert_memory_equal(d.logs[0].data, "abc", 3);
    assert_null(d.logs[1].data);
    assert_string_equal(d.reason, "insufficient balance");
    json_t *j = chain_receipt_to_json(&d);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "revert");
    assert_string_equal(json_string_value(json_object_get(j, "return_data")), "aabb");
    assert_string_equal(json_string_value(json_object_get(j, "revert_reason")),
                        "insufficient balance");
    assert_int_equal(json_array_size(json_object_get(j, "logs")), 2);
    json_decref(j);
    chain_receipt_clear(&d);
    assert_null(d.logs);
    /* every truncation fails and leaks nothing */
    for (size_t n = 0; n < b.len; n++)
        assert_int_not_equal(chain_receipt_decode(b.data, n, &d, &e), 0);
    /* bounds: return data, log count, has_topic, log length, reason */
    size_t off_ret = 32 + 1 + 16 + 8 + 20, off_nlogs = off_ret + 4 + 2;
    size_t off_topic = off_nlogs + 4 + 20, off_len = off_topic + 1 + 32;
    size_t off_reason = b.len - 4 - 20;
    struct {
        size_t off;
        uint32_t v;
        bool u8;
        const char *msg;
    } bad[] = {
        {off_ret, CHAIN_MAX_RETURN_BYTES + 1, false, "ret_len"},
        {off_nlogs, CHAIN_MAX_RECEIPT_LOGS + 1, false, "n_logs"},
        {off_nlogs, 1000, false, "n_logs"},
        {off_topic, 2, true, "has_topic"},
        {off_len, CHAIN_MAX_LOG_BYTES + 1, false, "len"},
        {off_reason, CHAIN_MAX_REASON_BYTES + 1, false, "reason_len"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *m = malloc(b.len);
        memcpy(m, b.data, b.len);
        if (bad[i].u8)
            m[bad[i].off] = (uint8_t)bad[i].v;
        else
            store_le32(m + bad[i].off, bad[i].v);
        assert_int_not_equal(chain_receipt_decode(m, b.len, &d, &e), 0);
        assert_non_null(strstr(e.msg, bad[i].msg));
        free(m);
    }
    buf_free(&b);
}

/* Contract deploy and call: golden layout, the derived contract address,
 * round trips through decode / dup, strict bounds and the JSON view. */
static void test_contract_txs(void **state)
{
    (void)state;
    uint8_t gpk[32], gsk[64];
    crypto_ed25519_from_seed(golden_seed, gpk, gsk);
    err_t e = {0};
    buf_t b;
    static const uint8_t code[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    chain_tx_t *dp = chain_tx_new_deploy(GOLDEN_CHAIN_ID, gpk, 9, u(300), u(77), 50000, u(2),
                                         code, 8, (const uint8_t *)"ini", 3, &e);
    assert_non_null(dp);
    assert_int_equal(chain_tx_sign(dp, gsk, &e), 0);
    buf_init(&b, 0);
    assert_int_equal(chain_tx_encode(dp, true, &b), 0);
    assert_golden("deploy", &b, golden_deploy, sizeof golden_deploy);
    assert_int_equal(dp->size, sizeof golden_deploy);
    assert_int_equal(chain_tx_encoded_size(dp), sizeof golden_deploy);
    assert_memory_equal(dp->hash.b, golden_deploy_hash, 32);
    buf_free(&b);
    chain_addr_t ca;
    chain_contract_address(&dp->sender, dp->nonce, &ca);
    assert_memory_equal(ca.b, golden_deploy_contract, 20);
    chain_contract_address(&dp->sender, dp->nonce + 1, &ca);
    assert_memory_not_equal(ca.b, golden_deploy_contract, 20);

    chain_tx_t *d = chain_tx_decode(golden_deploy, sizeof golden_deploy, &e);
    assert_non_null(d);
    assert_int_equal(d->kind, CHAIN_TX_DEPLOY);
    assert_true(d->value.lo == 77 && d->gas_limit == 50000 && d->gas_price.lo == 2);
    assert_int_equal(d->code_len, 8);
    assert_memory_equal(d->code, code, 8);
    assert_int_equal(d->input_len, 3);
    assert_memory_equal(d->input, "ini", 3);
    assert_int_equal(chain_tx_verify(d, &e), 0);
    assert_int_equal(chain_tx_check_static(d, &e), 0);
    chain_tx_t *c = chain_tx_dup(d);
    assert_non_null(c);
    assert_true(c->code != d->code && c->input != d->input);
    assert_tx_same(c, d);
    chain_tx_free(c);
    json_t *j = chain_tx_to_json(d);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "deploy");
    assert_string_equal(json_string_value(json_object_get(j, "input")), "696e69");
    assert_int_equal(json_integer_value(json_object_get(j, "code_len")), 8);
    char hex[41];
    hex_encode(golden_deploy_contract, 20, hex);
    assert_string_equal(json_string_value(json_object_get(j, "contract")), hex);
    json_decref(j);
    /* every truncation fails */
    for (size_t n = 0; n < sizeof golden_deploy; n++)
        expect_tx_reject(golden_deploy, n, n == 0 ? "kind" : "truncated");
    uint8_t x[sizeof golden_deploy];
    size_t gas_at = 1 + 8 + 32 + 8 + 16 + 16, code_len_at = gas_at + 8 + 16;
    memcpy(x, golden_deploy, sizeof x);
    memset(x + gas_at, 0, 8);
    expect_tx_reject(x, sizeof x, "gas_limit 0");
    memcpy(x, golden_deploy, sizeof x);
    store_le32(x + code_len_at, CHAIN_MAX_CODE_BYTES + 1);
    expect_tx_reject(x, sizeof x, "code length 61441");
    memcpy(x, golden_deploy, sizeof x);
    store_le32(x + code_len_at + 4 + 8, CHAIN_MAX_INPUT_BYTES + 1);
    expect_tx_reject(x, sizeof x, "input length 4097");
    /* static rules: code without the WASM magic */
    d->code[0] = 'X';
    assert_int_equal(chain_tx_check_static(d, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "magic"));
    chain_tx_free(d);
    /* constructor bounds */
    assert_null(chain_tx_new_deploy(1, pk1, 0, u(0), u(0), 1, u(0), code, 4, NULL, 0, &e));
    assert_non_null(strstr(e.msg, "code of 4 bytes"));
    static uint8_t big[CHAIN_MAX_INPUT_BYTES + 1];
    assert_null(chain_tx_new_call(1, pk1, 0, u(0), &ca, u(0), 1, u(0), big, sizeof big, &e));
    assert_non_null(strstr(e.msg, "input of 4097 bytes"));

    /* call */
    chain_addr_t target;
    memcpy(target.b, golden_deploy_contract, 20);
    chain_tx_t *cl = chain_tx_new_call(GOLDEN_CHAIN_ID, gpk, 10, u(300), &target, u(0), 1000000,
                                       (chain_u128_t){0, 3}, (const uint8_t *)"\1\2\3\4\5", 5,
                                       &e);
    assert_non_null(cl);
    assert_int_equal(chain_tx_sign(cl, gsk, &e), 0);
    buf_init(&b, 0);
    assert_int_equal(chain_tx_encode(cl, true, &b), 0);
    assert_golden("call", &b, golden_call, sizeof golden_call);
    assert_memory_equal(cl->hash.b, golden_call_hash, 32);
    buf_free(&b);
    d = chain_tx_decode(golden_call, sizeof golden_call, &e);
    assert_non_null(d);
    assert_int_equal(d->kind, CHAIN_TX_CALL);
    assert_memory_equal(d->to.b, golden_deploy_contract, 20);
    assert_true(d->gas_limit == 1000000 && d->gas_price.hi == 3 && d->gas_price.lo == 0);
    assert_int_equal(d->input_len, 5);
    assert_null(d->code);
    assert_int_equal(chain_tx_verify(d, &e), 0);
    for (size_t n = 0; n < sizeof golden_call; n++)
        expect_tx_reject(golden_call, n, n == 0 ? "kind" : "truncated");
    /* max cost = fee + gas_limit x gas_price + value; an overflowing one is
     * refused statically */
    chain_u128_t mc = chain_tx_contract_max_cost(d);
    assert_true(mc.lo == 300 && mc.hi == 3000000);
    d->gas_price = (chain_u128_t){0, 1ull << 63};
    assert_int_equal(chain_tx_check_static(d, &e), CHAIN_ETXINVALID);
    assert_non_null(strstr(e.msg, "exceeds"));
    chain_tx_free(d);
    chain_tx_free(cl);
    chain_tx_free(dp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u128_text),     cmocka_unit_test(test_u128_math),
        cmocka_unit_test(test_hex_forms),     cmocka_unit_test(test_tx_roundtrip),
        cmocka_unit_test(test_tx_signature),  cmocka_unit_test(test_tx_verify_batch),
        cmocka_unit_test(test_tx_strict),     cmocka_unit_test(test_tx_static),
        cmocka_unit_test(test_tx_json),       cmocka_unit_test(test_receipt),
        cmocka_unit_test(test_contract_receipt),
        cmocka_unit_test(test_merkle),        cmocka_unit_test(test_block_roundtrip),
        cmocka_unit_test(test_block_tamper),  cmocka_unit_test(test_proof_forms),
        cmocka_unit_test(test_golden_bytes),  cmocka_unit_test(test_contract_txs),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

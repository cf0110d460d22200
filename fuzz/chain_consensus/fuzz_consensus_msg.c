/* libFuzzer: chain/consensus messages. Every input goes to a validator core
 * (4 validators, real BLS keys) through cons_on_message, the way the network
 * delivers it; blocks, QCs, TCs and evidence that decode must re-encode
 * byte-identically. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/consensus/consensus.h"
#include "crypto/bls/bls.h"

static cons_valset_t *vs;
static cons_config_t cfg;

static void init(void)
{
    if (crypto_init() != 0)
        abort();
    cons_validator_t v[4];
    uint8_t sk[4][32];
    for (int i = 0; i < 4; i++) {
        uint8_t ikm[32];
        memset(ikm, 0x30 + i, 32);
        if (bls_keygen(sk[i], ikm, 32, NULL, 0, NULL, 0, NULL) != 0 ||
            bls_sk_to_pk(v[i].bls_pk, sk[i], NULL) != 0)
            abort();
        uint8_t vsk[32];
        memset(vsk, 0x50 + i, 32);
        if (cons_crypto_bls.vrf_sk_to_pk(vsk, v[i].vrf_pk, NULL) != 0)
            abort();
        v[i].stake = 1;
        if (i == 0) {
            memcpy(cfg.bls_sk, sk[0], 32);
            memcpy(cfg.vrf_sk, vsk, 32);
        }
    }
    vs = cons_valset_new(&cons_crypto_bls, v, 4, NULL);
    if (!vs)
        abort();
    cfg.chain_id = 42;
    cfg.epoch_len = 4;
    cfg.base_timeout_ms = 1000;
    cfg.max_timeout_ms = 8000;
    memset(cfg.genesis_id.b, 0xee, 32);
    memset(cfg.genesis_seed, 9, 32);
    cfg.self = 0;
}

static void roundtrip(const uint8_t *data, size_t size)
{
    buf_t b;
    buf_init(&b, 0);
    cons_block_t *blk = cons_block_decode(data, size, NULL);
    if (blk) {
        if (cons_block_encode(blk, &b) != 0 || b.len != size || memcmp(b.data, data, size))
            abort();
        cons_block_free(blk);
    }
    cons_qc_t qc;
    buf_reset(&b);
    if (cons_qc_decode(data, size, &qc, NULL) == 0 &&
        (cons_qc_encode(&qc, &b) != 0 || b.len != size || memcmp(b.data, data, size)))
        abort();
    cons_tc_t *tc = malloc(sizeof *tc);
    buf_reset(&b);
    if (tc && cons_tc_decode(data, size, tc, NULL) == 0 &&
        (cons_tc_encode(tc, &b) != 0 || b.len != size || memcmp(b.data, data, size)))
        abort();
    free(tc);
    cons_evidence_t *ev = malloc(sizeof *ev);
    buf_reset(&b);
    if (ev && cons_evidence_decode(data, size, ev, NULL) == 0) {
        if (cons_evidence_encode(ev, &b) != 0 || b.len != size || memcmp(b.data, data, size))
            abort();
        (void)cons_evidence_verify(vs, cfg.chain_id, ev, NULL);
    }
    free(ev);
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vs)
        init();
    roundtrip(data, size);
    if (size > 0)
        roundtrip(data + 1, size - 1);
    cons_t *c = cons_new(&cfg, vs, NULL, NULL, 0, NULL);
    if (!c)
        abort();
    if (cons_start(c, NULL) != 0)
        abort();
    (void)cons_on_message(c, 1, data, size, NULL);
    size_t n;
    (void)cons_outputs(c, &n);
    cons_free(c);
    return 0;
}

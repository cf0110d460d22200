/* Test-only equivocating twin (issue 15): signs two conflicting consensus
 * votes for one round with the BLS key a validator's key file derives
 * (chain_validator_keys_derive, as the node does) and prints the
 * CONS_MSG_EVIDENCE message in hex, for `aether validator evidence`.
 * Usage: stake_evidence KEYFILE CHAIN_ID VALIDATOR_INDEX ROUND */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/client/client.h"
#include "chain/consensus/consensus.h"
#include "crypto/bls/bls.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: stake_evidence KEYFILE CHAIN_ID VALIDATOR_INDEX ROUND\n");
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    chain_key_t k;
    chain_validator_keys_t vk;
    err_t e = {0};
    if (chain_key_load(argv[1], &k, &e) != 0 || chain_validator_keys_derive(&k, &vk, &e) != 0) {
        fprintf(stderr, "stake_evidence: %s\n", e.msg);
        return 1;
    }
    uint64_t chain_id = strtoull(argv[2], NULL, 10), round = strtoull(argv[4], NULL, 10);
    cons_evidence_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CONS_EVIDENCE_VOTES;
    ev.validator = (uint32_t)strtoul(argv[3], NULL, 10);
    for (int i = 0; i < 2; i++) {
        cons_vote_t *v = &ev.votes[i];
        v->round = round;
        v->voter = ev.validator;
        memset(v->block_id.b, 0xa0 + i, 32);   /* two different blocks */
        uint8_t msg[64];
        size_t n = cons_vote_msg(chain_id, round, &v->block_id, msg);
        if (bls_sign(v->sig, vk.bls_sk, msg, n, &e) != 0) {
            fprintf(stderr, "stake_evidence: %s\n", e.msg);
            return 1;
        }
    }
    chain_validator_keys_wipe(&vk);
    chain_key_wipe(&k);
    buf_t b = {0};
    if (cons_evidence_encode(&ev, &b) != 0)
        return 1;
    char *hex = malloc(2 * b.len + 1);
    if (!hex)
        return 1;
    hex_encode(b.data, b.len, hex);
    printf("%s\n", hex);
    free(hex);
    buf_free(&b);
    return 0;
}

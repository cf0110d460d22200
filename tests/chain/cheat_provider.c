/* A cheating provider for the job escrow tests (issue 16), kept out of every
 * production binary: it accepts a posted job as an honest provider would
 * (bond locked, Phase identity linked to its account), then runs the job on
 * input with one byte appended and claims with a correctly signed receipt
 * for that wrong output. The receipt passes admission (signature, job id);
 * only a re-execution can tell, which is what the watchtower must do.
 *
 * Usage: cheat_provider RPC_URL ACCOUNT_KEYFILE PHASE_IDENTITY_KEYFILE JOB_ID
 * Prints the claim tx hash; exit 0 once the claim is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/client/client.h"
#include "phase/phase.h"

static int fail(const char *what, const err_t *e)
{
    fprintf(stderr, "cheat_provider: %s: %s\n", what, e->msg);
    return 1;
}

static int send_wait(chain_client_t *c, const chain_key_t *k, const phase_identity_t *id,
                     const chain_job_body_t *b, const char *what)
{
    chain_client_send_t s;
    memset(&s, 0, sizeof s);
    s.phase_sk = id->sk;
    chain_tx_t *tx = NULL;
    err_t e = {0};
    if (chain_client_job_send(c, k, &s, b, &tx, &e) != 0)
        return fail(what, &e);
    chain_client_receipt_t r;
    int rc = chain_client_wait_receipt(c, &tx->hash, 20000, &r, NULL, &e);
    char h[65];
    chain_hash_to_hex(&tx->hash, h);
    chain_tx_free(tx);
    if (rc != 0)
        return fail(what, &e);
    if (r.receipt.status != CHAIN_STATUS_OK) {
        fprintf(stderr, "cheat_provider: %s: tx %s failed (%s)\n", what, h, r.status);
        return 1;
    }
    printf("%s %s\n", what, h);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: cheat_provider RPC_URL ACCOUNT_KEYFILE PHASE_KEYFILE JOB_ID\n");
        return 2;
    }
    if (crypto_init() != 0)
        return 1;
    err_t e = {0};
    chain_key_t k;
    phase_identity_t id;
    chain_job_body_t b;
    memset(&b, 0, sizeof b);
    if (chain_key_load(argv[2], &k, &e) != 0)
        return fail(argv[2], &e);
    if (phase_identity_load(argv[3], &id, &e) != 0)
        return fail(argv[3], &e);
    if (chain_hash_from_hex(argv[4], &b.job_id, &e) != 0)
        return fail("job id", &e);
    chain_client_t *c = chain_client_new(argv[1], 10000, &e);
    if (!c)
        return fail(argv[1], &e);
    int rc = 1;
    buf_t module = {0}, input = {0};
    json_t *job = NULL;
    char *receipt_json = NULL;
    b.kind = CHAIN_TX_JOB_ACCEPT;
    memcpy(b.phase_pk, id.pk, 32);
    if (send_wait(c, &k, &id, &b, "accept"))
        goto out;
    bool exists = false;
    if (chain_client_get_job_data(c, &b.job_id, &module, &input, &exists, &e) != 0 || !exists) {
        fprintf(stderr, "cheat_provider: no job data: %s\n", e.msg);
        goto out;
    }
    if (chain_client_get_job(c, &b.job_id, &job, &e) != 0 || !json_is_object(job)) {
        fprintf(stderr, "cheat_provider: aeth_getJob: %s\n", e.msg);
        goto out;
    }
    uint64_t fuel = 0, mem = 0;
    if (!cjson_get_u64(json_object_get(job, "fuel"), &fuel) ||
        !cjson_get_u64(json_object_get(job, "memory_max"), &mem)) {
        fprintf(stderr, "cheat_provider: job without fuel / memory_max\n");
        goto out;
    }
    /* the cheat: one byte more input than the job has */
    if (buf_append_byte(&input, '!') != 0)
        goto out;
    phase_escrow_job_t pj = {.module = module.data, .module_len = module.len,
                             .input = input.data, .input_len = input.len,
                             .fuel = fuel, .memory_max = mem};
    memcpy(pj.job_id, b.job_id.b, 32);
    phase_job_outcome_t o;
    phase_receipt_t r;
    if (phase_escrow_run(&pj, &id, &o, NULL, &r, &e) != 0) {
        fail("run", &e);
        goto out;
    }
    phase_job_outcome_free(&o);
    receipt_json = phase_receipt_to_json(&r, &e);
    phase_receipt_free(&r);
    if (!receipt_json) {
        fail("receipt", &e);
        goto out;
    }
    b.kind = CHAIN_TX_JOB_CLAIM;
    b.receipt = (const uint8_t *)receipt_json;
    b.receipt_len = (uint32_t)strlen(receipt_json);
    rc = send_wait(c, &k, &id, &b, "claim");
out:
    free(receipt_json);
    json_decref(job);
    buf_free(&module);
    buf_free(&input);
    chain_client_free(c);
    chain_key_wipe(&k);
    phase_identity_wipe(&id);
    return rc;
}

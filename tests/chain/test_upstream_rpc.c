/*
 * The upstream JSON-RPC names (reference/aether-original.md §8.2) through a
 * real `aetherd run`:
 *
 *   - aeth_getSlotNumber / aeth_getFinalizedSlot follow the chain: with the
 *     solo engine a slot is a block, so both equal aeth_blockNumber at the
 *     same moment, and they advance when blocks are made;
 *   - aeth_getTransactionReceipt of a committed transfer has upstream's
 *     shape with our values: the block hash and state root of the block
 *     aeth_getBlockByNumber returns at its height, status "Success", the fee
 *     aeth_getReceipt reports; a UTxO spent twice (two spends pooled
 *     together, the second fails at execution) gives
 *     {"Failed":{"reason":"utxo_missing"}}; an unknown hash is null;
 *   - bad parameters are refused with -32602 naming the parameter, and the
 *     node keeps serving.
 *
 * Usage: test_upstream_rpc AETHERD AETHER (ctest passes both).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

#define BALANCE 1000000000ull
#define FEE 2000
#define UTXO_AMOUNT 500000ull

static h_node_t H;
static int failures;

static int get_u64(rpc_client_t *c, const char *method, uint64_t *v)
{
    json_t *r = h_call(c, method, json_array());
    bool ok = r && cjson_get_u64(r, v);
    json_decref(r);
    return ok ? 0 : -1;
}

/* (block number, slot, finalized slot) read when no block was made in
 * between (block number read before and after). */
static int read_slots(rpc_client_t *c, uint64_t *height, uint64_t *slot, uint64_t *fin)
{
    for (int tries = 0; tries < 50; tries++) {
        uint64_t h0, h1;
        if (get_u64(c, "aeth_blockNumber", &h0) || get_u64(c, "aeth_getSlotNumber", slot) ||
            get_u64(c, "aeth_getFinalizedSlot", fin) || get_u64(c, "aeth_blockNumber", &h1))
            return -1;
        if (h0 == h1) {
            *height = h0;
            return 0;
        }
    }
    return -1;
}

/* The error code of a call expected to fail, and its message. */
static int call_error(rpc_client_t *c, const char *method, json_t *params, char *msg,
                      size_t msg_len)
{
    json_t *res = NULL;
    err_t e = {0};
    int code = 0;
    int rc = rpc_client_call(c, method, params, &res, &code, &e);
    json_decref(params);
    json_decref(res);
    snprintf(msg, msg_len, "%s", e.msg);
    return rc == 0 ? 0 : code;
}

static char *signed_hex(chain_tx_t *tx, const node_key_t *k)
{
    err_t e = {0};
    buf_t b;
    buf_init(&b, 0);
    char *hex = NULL;
    if (chain_tx_sign(tx, k->sk, &e) == 0 && chain_tx_encode(tx, true, &b) == 0 &&
        (hex = malloc(2 * b.len + 1)))
        hex_encode(b.data, b.len, hex);
    buf_free(&b);
    return hex;
}

/* Account 0 spends genesis UTxO 0 (to account 1) with nonces 0 and 1. */
static int double_spend(rpc_client_t *c, chain_hash_t hashes[2])
{
    node_key_t k0, k1;
    h_account(0, &k0);
    h_account(1, &k1);
    chain_utxo_id_t in;
    memset(&in, 0, sizeof in);
    chain_utxo_t o = {.owner = k1.addr, .amount = chain_u128_from_u64(1000)};
    json_t *batch = json_array();
    for (uint64_t nonce = 0; nonce < 2; nonce++) {
        err_t e = {0};
        chain_tx_t *tx = chain_tx_new_utxo(H.chain_id, k0.pk, nonce, chain_u128_from_u64(FEE),
                                           chain_u128_from_u64(0), &in, 1, &o, 1, &e);
        char *hex = tx ? signed_hex(tx, &k0) : NULL;
        if (hex)
            hashes[nonce] = tx->hash;
        chain_tx_free(tx);
        if (!hex) {
            json_decref(batch);
            return -1;
        }
        json_array_append_new(batch, json_pack("{s:s,s:s,s:[s],s:I}", "jsonrpc", "2.0",
                                               "method", "aeth_sendRawTransaction", "params",
                                               hex, "id", (json_int_t)nonce));
        free(hex);
    }
    char *body = json_dumps(batch, JSON_COMPACT);
    json_decref(batch);
    int status = 0;
    json_t *r = NULL;
    int rc = body ? h_rpc_raw(c, body, &status, &r) : -1;
    free(body);
    int accepted = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size(r); i++)
        accepted += json_is_string(json_object_get(json_array_get(r, i), "result"));
    if (accepted != 2)
        fprintf(stderr, "double spend: %d of 2 spends accepted: %s\n", accepted,
                r ? json_dumps(r, JSON_COMPACT) : "no answer");
    json_decref(r);
    return accepted == 2 ? 0 : -1;
}

static json_t *receipt(rpc_client_t *c, const chain_hash_t *h)
{
    char hex[65];
    chain_hash_to_hex(h, hex);
    return h_call(c, "aeth_getTransactionReceipt", json_pack("[s]", hex));
}

/* A committed receipt agrees with aeth_getReceipt and the block at its
 * height. */
static int check_receipt(rpc_client_t *c, const chain_hash_t *h, const json_t *r)
{
    char hex[65];
    chain_hash_to_hex(h, hex);
    uint64_t height = 0, slot = 0;
    if (!cjson_get_u64(json_object_get(r, "block_height"), &height) ||
        !cjson_get_u64(json_object_get(r, "slot"), &slot)) {
        fprintf(stderr, "receipt without block_height/slot\n");
        return -1;
    }
    json_t *ours = h_call(c, "aeth_getReceipt", json_pack("[s]", hex));
    json_t *blk = h_call(c, "aeth_getBlockByNumber", json_pack("[I]", (json_int_t)height));
    int rc = -1;
    const char *tx_hash = json_string_value(json_object_get(r, "tx_hash"));
    const char *bh = json_string_value(json_object_get(r, "block_hash"));
    const char *sr = json_string_value(json_object_get(r, "state_root"));
    if (!ours || !blk)
        fprintf(stderr, "aeth_getReceipt / aeth_getBlockByNumber failed\n");
    else if (!tx_hash || strcmp(tx_hash, hex) != 0)
        fprintf(stderr, "tx_hash %s, want %s\n", tx_hash ? tx_hash : "(none)", hex);
    else if (!bh || !json_equal(json_object_get(blk, "hash"), json_object_get(r, "block_hash")))
        fprintf(stderr, "block_hash %s is not the hash of block %llu\n", bh ? bh : "(none)",
                (unsigned long long)height);
    else if (!sr || !json_equal(json_object_get(blk, "state_root"),
                                json_object_get(r, "state_root")))
        fprintf(stderr, "state_root %s is not block %llu's\n", sr ? sr : "(none)",
                (unsigned long long)height);
    else if (slot != height)
        fprintf(stderr, "slot %llu of a solo block at height %llu\n", (unsigned long long)slot,
                (unsigned long long)height);
    else if (!json_equal(json_object_get(ours, "fee_paid"), json_object_get(r, "fee_paid")) ||
             !json_equal(json_object_get(ours, "index"), json_object_get(r, "index")) ||
             !json_equal(json_object_get(ours, "success"), json_object_get(r, "success")))
        fprintf(stderr, "fee_paid/index/success differ from aeth_getReceipt\n");
    else
        rc = 0;
    json_decref(ours);
    json_decref(blk);
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int rc = h_init(&H, "upstream-rpc", argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
    if (rc != 0)
        return rc == 77 ? 77 : 1;
    rpc_client_t *c = NULL;
    h_tx_t t = {0};
    json_t *r = NULL;
    char msg[512];
    /* blocks only when transactions wait (heartbeat far away), 300 ms apart */
    const char *extra[] = {"--block-ms", "300", "--heartbeat-ms", "600000", NULL};
    CHECK(h_write_genesis(&H, 4, BALANCE, 2, UTXO_AMOUNT) == 0, "genesis");
    CHECK(h_start(&H, extra, 30000) == 0, "start");
    c = rpc_client_new(H.url, 30000, NULL);
    CHECK(c, "rpc client");

    /* Slots follow the blocks. */
    uint64_t h0, s0, f0;
    CHECK(read_slots(c, &h0, &s0, &f0) == 0, "reading slots");
    CHECK(s0 == h0 && f0 == h0, "slot %llu / finalized %llu at height %llu",
          (unsigned long long)s0, (unsigned long long)f0, (unsigned long long)h0);

    /* A transfer: its receipt, in upstream's shape. */
    CHECK(h_sign_transfer(H.chain_id, 2, 3, 0, 777, FEE, &t) == 0, "signing");
    {
        h_batch_t *b;
        size_t nb = 0;
        h_send_stats_t st = {0};
        b = h_make_batches(&t, 1, 1, &nb);
        CHECK(b && h_post_batch(c, b, &st) == 0 && st.accepted == 1, "submitting: %s",
              st.last_msg);
        h_batches_free(b, nb);
    }
    uint64_t want[3] = {0, 0, 1};
    CHECK(h_wait_nonces(c, 3, want, 20000) == 0, "transfer committed");
    r = receipt(c, &t.hash);
    CHECK(r && json_is_object(r), "aeth_getTransactionReceipt of a committed transfer");
    CHECK(json_is_string(json_object_get(r, "status")) &&
              strcmp(json_string_value(json_object_get(r, "status")), "Success") == 0,
          "status of a successful transfer: %s", json_dumps(r, JSON_COMPACT));
    CHECK(json_is_true(json_object_get(r, "success")), "success flag");
    CHECK(json_is_array(json_object_get(r, "logs")) &&
              json_array_size(json_object_get(r, "logs")) == 0 &&
              json_is_integer(json_object_get(r, "gas_used")),
          "upstream's logs ([] for a transfer) and gas_used: %s", json_dumps(r, JSON_COMPACT));
    CHECK(check_receipt(c, &t.hash, r) == 0, "receipt of the transfer: %s",
          json_dumps(r, JSON_COMPACT));
    json_decref(r);
    r = NULL;

    uint64_t h1, s1, f1;
    CHECK(read_slots(c, &h1, &s1, &f1) == 0, "reading slots");
    CHECK(h1 > h0, "no block was made for the transfer");
    CHECK(s1 == h1 && f1 == h1, "after a block: slot %llu / finalized %llu at height %llu",
          (unsigned long long)s1, (unsigned long long)f1, (unsigned long long)h1);

    /* A failed transaction: the second spend of one UTxO. */
    chain_hash_t spends[2];
    CHECK(double_spend(c, spends) == 0, "pooling two spends of one UTxO");
    uint64_t want0[1] = {2};
    CHECK(h_wait_nonces(c, 1, want0, 20000) == 0, "both spends committed");
    r = receipt(c, &spends[0]);
    CHECK(r && json_is_string(json_object_get(r, "status")) &&
              strcmp(json_string_value(json_object_get(r, "status")), "Success") == 0,
          "first spend succeeds: %s", r ? json_dumps(r, JSON_COMPACT) : "null");
    json_decref(r);
    r = receipt(c, &spends[1]);
    {
        json_t *failed = json_object_get(json_object_get(r, "status"), "Failed");
        const char *reason = json_string_value(json_object_get(failed, "reason"));
        CHECK(reason && strcmp(reason, "utxo_missing") == 0 &&
                  json_is_false(json_object_get(r, "success")),
              "second spend: want status {\"Failed\":{\"reason\":\"utxo_missing\"}}, got %s",
              r ? json_dumps(r, JSON_COMPACT) : "null");
        CHECK(check_receipt(c, &spends[1], r) == 0, "failed receipt: %s",
              json_dumps(r, JSON_COMPACT));
    }
    json_decref(r);
    r = NULL;

    /* Unknown transaction: null, not an error. */
    {
        chain_hash_t unknown;
        memset(&unknown, 0xab, sizeof unknown);
        r = receipt(c, &unknown);
        CHECK(r && json_is_null(r), "receipt of an unknown hash is not null");
        json_decref(r);
        r = NULL;
    }

    /* Bad parameters. */
    CHECK(call_error(c, "aeth_getTransactionReceipt", json_pack("[s]", "0x1234"), msg,
                     sizeof msg) == RPC_INVALID_PARAMS &&
              strstr(msg, "params[0]"),
          "short hash: %s", msg);
    CHECK(call_error(c, "aeth_getTransactionReceipt", json_array(), msg, sizeof msg) ==
              RPC_INVALID_PARAMS,
          "missing hash: %s", msg);
    CHECK(call_error(c, "aeth_getTransactionReceipt", json_pack("[i]", 5), msg, sizeof msg) ==
              RPC_INVALID_PARAMS,
          "hash as a number: %s", msg);
    CHECK(call_error(c, "aeth_getSlotNumber", json_pack("[i]", 1), msg, sizeof msg) ==
              RPC_INVALID_PARAMS,
          "aeth_getSlotNumber with a parameter: %s", msg);
    CHECK(call_error(c, "aeth_getFinalizedSlot", json_pack("[s]", "latest"), msg, sizeof msg) ==
              RPC_INVALID_PARAMS,
          "aeth_getFinalizedSlot with a parameter: %s", msg);
    uint64_t h2, s2, f2;
    CHECK(read_slots(c, &h2, &s2, &f2) == 0 && s2 == h2, "the node still serves");

out:
    json_decref(r);
    h_tx_free(&t);
    rpc_client_free(c);
    if (failures)
        setenv("AETHER_KEEP_TMP", "1", 1), fprintf(stderr, "node log: %s/node.log\n", H.dir);
    h_cleanup(&H);
    if (!failures)
        printf("upstream RPC names: all checks passed\n");
    return failures ? 1 : 0;
}

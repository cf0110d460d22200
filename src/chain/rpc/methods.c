/*
 * The aeth_* JSON-RPC methods over a chain/node. Conventions: bytes are
 * lower-case hex without a prefix (as in every chain JSON form; "0x" is
 * accepted on input), u128 amounts decimal strings, chain id, heights and
 * nonces JSON integers; an unknown block / transaction / receipt is the
 * result null (not an error), as in Ethereum's JSON-RPC.
 *
 *   aeth_chainId                  -> chain id (integer)
 *   aeth_blockNumber              -> tip height
 *   aeth_getBlockByNumber [N|"latest", full?] -> block JSON | null
 *   aeth_getBlockByHash   [hash, full?]        -> block JSON | null
 *   aeth_getRawBlock      [N]     -> hex of the block's canonical encoding | null
 *                                    (what `aetherd replay` applies)
 *   aeth_getExecInputs    [N]     -> {"epoch","signers":[addr]} | null: what the BFT
 *                                    engine executed block N with (the accounts of the
 *                                    QC signers its consensus block carries, read against
 *                                    the set of that epoch); null off a BFT chain
 *   aeth_getTransaction   [hash]  -> {tx..., "status": "committed"|"pending",
 *                                     "block_height", "index"} | null
 *   aeth_getReceipt       [hash]  -> {receipt..., "block_height", "index"} | null
 *   aeth_getAccount       [addr, block?] -> {"address","balance","nonce","next_nonce","exists"}
 *                                    (block: "latest" or a height within the state
 *                                    history; at a height next_nonce = nonce)
 *   aeth_getUtxos         [addr, max?, block?] -> [{"tx","index","owner","amount"}]
 *                                    (max null: the default; block as for aeth_getAccount)
 *   aeth_sendRawTransaction [hex] -> "<tx hash hex>"
 *   aeth_getStateRoot     []      -> {"root","height","block_hash"}
 *   aeth_getProof         [addr | {"tx","index"}, block?] -> proof JSON (types.h)
 *                         | [{"contract","key"}, block?] -> a storage slot's proof;
 *                         at a block within the state history the proof is of
 *                         that block's tree: "root" is its header's state_root
 *   aeth_call, aeth_estimateGas, aeth_getCode, aeth_getStorageAt,
 *   aeth_getLogs: contracts (contract_methods.c)
 *   aeth_getJob           [job_id] -> job JSON (chain_job_to_json) plus
 *                         "provider_reputation" | null (docs/escrow.md)
 *   aeth_getJobProof      [job_id] -> {"root","job_id","key","exists","value"
 *                         (hex of the job record | null),"siblings":[hex],
 *                         "other_leaf":{"key","value_hash"} | null}: the SMT
 *                         proof of the job's data leaf (docs/escrow.md)
 *   aeth_getJobData       [job_id] -> {"job_id","module","input"} (hex) | null:
 *                         the bytes a job was posted with (kept for re-execution)
 *   aeth_getJobs          [{"requester"?, "provider"?, "status"?, "max"?,
 *                         "after"?}] -> {"jobs": [job JSON], "next": id | null}:
 *                         one page in job id order, at most max (1..100,
 *                         default 100) jobs with id > after; "next" is the
 *                         cursor for the following page (pass it as "after"),
 *                         null when the walk reached the last job. A page
 *                         examines at most 10,000 records, so a sparse filter
 *                         may answer fewer than max jobs with a non-null next.
 *   staking (issue 15, docs/staking.md; staking.c): aeth_getStaking,
 *   aeth_getValidators, aeth_getValidator, aeth_getValidatorSet,
 *   aeth_getDelegations, aeth_getValidatorProof, aeth_baseFee
 *
 * Upstream names (reference/aether-original.md §8.2), for upstream's SDKs
 * and explorer; hex and decimal strings as above, not upstream's integer
 * arrays:
 *   aeth_getConsensus     [] -> {"engine": "bft"|"solo", "round",
 *                         "committed_round", "committed_height", (bft:)
 *                         "last_voted_round", "locked_round", "high_qc_round",
 *                         "self": validator index | null, "peers_connected",
 *                         "total_stake", "snapshot_base" (the snapshot the
 *                         store was restored from, 0 = none; heights below it
 *                         answer -32004); "validators": [{"index","address",
 *                         "account","bls_pk","vrf_pk","stake"}] (genesis)}
 *   aeth_peers            [] -> [{"peer_id","address","validator": index |
 *                         null,"connected","height"}] ([] for the solo engine)
 *   aeth_getFinalityProof [height] -> the light-client proof that the block at
 *                         height is final (chain/light/light.h) | null when
 *                         it has no finality record (not committed yet, or
 *                         a solo chain); `aether verify-finality` checks it
 *   aeth_getSlotNumber    []      -> the node's current slot: the consensus
 *                                    round it is in (node_get_slots; the solo
 *                                    engine's slot is its tip height)
 *   aeth_getFinalizedSlot []      -> the slot (round) of the last committed
 *                                    block; committed blocks are final
 *   aeth_getTransactionReceipt [hash] -> aeth_getReceipt's fields with
 *                         upstream's names and shapes: "status": "Success" |
 *                         {"Failed":{"reason": revert reason or status name}},
 *                         "logs": [{"address","topics":[..],"data"}], plus
 *                         "block_hash","slot","block_height","index",
 *                         "state_root" | null. state_root is the root after
 *                         the block (upstream's was after the tx; we keep no
 *                         per-tx roots); a failed tx paid its fee and gas
 *                         (upstream's paid nothing).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bft/bft.h"
#include "chain/exec/exec.h"
#include "chain/light/light.h"
#include "chain/node/node.h"

#define MAX_UTXOS 1000

static json_t *hash_hex(const chain_hash_t *h)
{
    return rpc_hex_json(h->b, sizeof h->b);
}

static int param_addr(const json_t *params, size_t i, chain_addr_t *a, rpc_error_t *err)
{
    return rpc_param_hex_fixed(params, i, a->b, sizeof a->b, err);
}

static int param_hash(const json_t *params, size_t i, chain_hash_t *h, rpc_error_t *err)
{
    return rpc_param_hex_fixed(params, i, h->b, sizeof h->b, err);
}

static int m_chain_id(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    *result = cjson_u64(node_chain_id(ud));
    return 0;
}

static int m_block_number(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    chain_header_t h;
    err_t e = {0};
    if (chain_state_tip(node_state(ud), &h, NULL, &e) != 0)
        return rpc_fail(err, RPC_NOT_READY, "no chain yet: %s", e.msg);
    *result = cjson_u64(h.height);
    return 0;
}

/* A node restored from a snapshot holds no block between 0 and its base:
 * a request for one gets an error that says so (not a null, which reads as
 * "not yet"). */
static int below_base(chain_state_t *st, uint64_t height, rpc_error_t *err)
{
    uint64_t base = 0;
    if (height == 0 || chain_state_base_height(st, &base, NULL) != 0 || height >= base)
        return 0;
    return rpc_fail(err, RPC_BELOW_BASE,
                    "height %llu is below this node's snapshot base %llu: it restored from a "
                    "snapshot and holds no older blocks (ask a node with the whole chain)",
                    (unsigned long long)height, (unsigned long long)base);
}

static int block_result(int rc, chain_block_t *b, bool full, const err_t *e, json_t **result,
                        rpc_error_t *err)
{
    if (rc == CHAIN_ENOTFOUND) {
        *result = json_null();
        return 0;
    }
    if (rc != 0)
        return rpc_internal(err, e);
    *result = chain_block_to_json(b, full);
    chain_block_free(b);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: encoding block");
}

static int m_block_by_number(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 1, 2, err))
        return -1;
    chain_state_t *st = node_state(ud);
    uint64_t height;
    const json_t *p0 = rpc_param(params, 0);
    if (json_is_string(p0) && strcmp(json_string_value(p0), "latest") == 0) {
        chain_header_t h;
        err_t e = {0};
        if (chain_state_tip(st, &h, NULL, &e) != 0)
            return rpc_fail(err, RPC_NOT_READY, "no chain yet: %s", e.msg);
        height = h.height;
    } else if (rpc_param_u64(params, 0, &height, err)) {
        snprintf(err->message, sizeof err->message,
                 "params[0]: expected a block height or \"latest\"");
        return -1;
    }
    bool full;
    if (rpc_param_bool(params, 1, false, &full, err))
        return -1;
    if (below_base(st, height, err))
        return -1;
    chain_block_t *b = NULL;
    err_t e = {0};
    int rc = chain_state_get_block(st, height, &b, &e);
    return block_result(rc, b, full, &e, result, err);
}

static int m_raw_block(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    uint64_t height;
    if (rpc_param_count_check(params, 1, 1, err) || rpc_param_u64(params, 0, &height, err))
        return -1;
    if (below_base(node_state(ud), height, err))
        return -1;
    uint8_t *raw = NULL;
    size_t n = 0;
    err_t e = {0};
    int rc = chain_state_get_block_raw(node_state(ud), height, &raw, &n, &e);
    if (rc == CHAIN_ENOTFOUND) {
        *result = json_null();
        return 0;
    }
    if (rc)
        return rpc_internal(err, &e);
    *result = rpc_hex_json(raw, n);
    free(raw);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
}

static int m_block_by_hash(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_hash_t h;
    bool full;
    if (rpc_param_count_check(params, 1, 2, err) || param_hash(params, 0, &h, err) ||
        rpc_param_bool(params, 1, false, &full, err))
        return -1;
    chain_block_t *b = NULL;
    err_t e = {0};
    int rc = chain_state_get_block_by_hash(node_state(ud), &h, &b, &e);
    return block_result(rc, b, full, &e, result, err);
}

static int m_get_tx(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_hash_t h;
    if (rpc_param_count_check(params, 1, 1, err) || param_hash(params, 0, &h, err))
        return -1;
    uint64_t height = 0;
    uint32_t index = 0;
    chain_tx_t *tx = NULL;
    chain_receipt_t r;
    err_t e = {0};
    int rc = chain_state_get_tx(node_state(ud), &h, &height, &index, &tx, &r, &e);
    if (rc == 0) {
        json_t *j = chain_tx_to_json(tx);
        chain_tx_free(tx);
        json_object_set_new(j, "status", json_string("committed"));
        json_object_set_new(j, "block_height", cjson_u64(height));
        json_object_set_new(j, "index", json_integer(index));
        json_object_set_new(j, "success", json_boolean(r.status == CHAIN_STATUS_OK));
        chain_receipt_clear(&r);
        *result = j;
        return 0;
    }
    if (rc != CHAIN_ENOTFOUND)
        return rpc_internal(err, &e);
    tx = node_pending_tx(ud, &h);
    if (!tx) {
        *result = json_null();
        return 0;
    }
    json_t *j = chain_tx_to_json(tx);
    chain_tx_free(tx);
    json_object_set_new(j, "status", json_string("pending"));
    *result = j;
    return 0;
}

static int m_get_receipt(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_hash_t h;
    if (rpc_param_count_check(params, 1, 1, err) || param_hash(params, 0, &h, err))
        return -1;
    uint64_t height = 0;
    uint32_t index = 0;
    chain_receipt_t r;
    err_t e = {0};
    int rc = chain_state_get_tx(node_state(ud), &h, &height, &index, NULL, &r, &e);
    if (rc == CHAIN_ENOTFOUND) {
        *result = json_null();
        return 0;
    }
    if (rc != 0)
        return rpc_internal(err, &e);
    json_t *j = chain_receipt_to_json(&r);
    chain_receipt_clear(&r);
    json_object_set_new(j, "block_height", cjson_u64(height));
    json_object_set_new(j, "index", json_integer(index));
    *result = j;
    return 0;
}

static int m_slot_number(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    node_slots_t s;
    node_get_slots(ud, &s);
    *result = cjson_u64(s.round);
    return 0;
}

static int m_finalized_slot(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    node_slots_t s;
    node_get_slots(ud, &s);
    *result = cjson_u64(s.committed_round);
    return 0;
}

static int m_tx_receipt(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_hash_t h;
    if (rpc_param_count_check(params, 1, 1, err) || param_hash(params, 0, &h, err))
        return -1;
    chain_state_t *st = node_state(ud);
    uint64_t height = 0;
    uint32_t index = 0;
    chain_receipt_t r;
    err_t e = {0};
    int rc = chain_state_get_tx(st, &h, &height, &index, NULL, &r, &e);
    if (rc == CHAIN_ENOTFOUND) {
        *result = json_null();
        return 0;
    }
    if (rc != 0)
        return rpc_internal(err, &e);
    chain_block_t *b = NULL;
    if (chain_state_get_block(st, height, &b, &e) != 0) {
        chain_receipt_clear(&r);
        return rpc_internal(err, &e);
    }
    /* ours (fee_paid, gas_used, contract fields), then upstream's names */
    json_t *j = chain_receipt_to_json(&r);
    const char *why = r.reason ? r.reason : chain_status_name(r.status);
    json_object_set_new(j, "status", r.status == CHAIN_STATUS_OK
                                         ? json_string("Success")
                                         : json_pack("{s:{s:s}}", "Failed", "reason", why));
    json_t *logs = json_array();
    for (uint32_t i = 0; i < r.n_logs; i++) {
        json_t *l = chain_log_to_json(&r.logs[i]);
        json_t *topic = json_object_get(l, "topic");
        json_object_set_new(l, "topics", json_is_string(topic) ? json_pack("[O]", topic)
                                                                : json_array());
        json_object_del(l, "topic");
        json_array_append_new(logs, l);
    }
    json_object_set_new(j, "logs", logs);
    json_object_set_new(j, "block_hash", hash_hex(&b->hash));
    json_object_set_new(j, "slot", cjson_u64(node_block_slot(ud, height)));
    json_object_set_new(j, "block_height", cjson_u64(height));
    json_object_set_new(j, "index", json_integer(index));
    json_object_set_new(j, "state_root", hash_hex(&b->header.state_root));
    chain_block_free(b);
    chain_receipt_clear(&r);
    *result = j;
    return j ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: encoding receipt");
}

/* The consensus position and the genesis validator set (aether status). */
static int m_consensus(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    node_cons_status_t cs;
    node_cons_status(ud, &cs);
    node_slots_t sl;
    node_get_slots(ud, &sl);
    const node_genesis_t *g = node_genesis(ud);
    json_t *vals = json_array();
    uint64_t total = 0;
    /* the current validator epoch's set (chain/bft; the genesis set in epoch 0) */
    bft_set_t set;
    memset(&set, 0, sizeof set);
    err_t se = {0};
    if (g && g->bft && bft_set_load(node_state(ud), g, cs.bft ? cs.epoch : 0, &set, &se) != 0) {
        json_decref(vals);
        return rpc_internal(err, &se);
    }
    for (uint32_t i = 0; i < set.n; i++) {
        const cons_validator_t *v = cons_valset_get(set.vs, i);
        char addr[2 * CHAIN_ADDR_BYTES + 1];
        chain_addr_to_hex(&set.addr[i], addr);
        json_array_append_new(vals, json_pack("{s:I,s:s,s:o,s:o,s:o,s:o}", "index", (json_int_t)i,
                                              "address", addr, "account",
                                              rpc_hex_json(set.account[i], CHAIN_PK_BYTES),
                                              "bls_pk", rpc_hex_json(v->bls_pk, NODE_BLS_PK_BYTES),
                                              "vrf_pk", rpc_hex_json(v->vrf_pk, NODE_VRF_PK_BYTES),
                                              "stake", cjson_u64(v->stake)));
        total += v->stake;
    }
    bft_set_free(&set);
    if (!cs.bft) {
        /* the solo engine: one validator, a block per slot */
        *result = json_pack("{s:s,s:o,s:o,s:o,s:o}", "engine", "solo", "round",
                            cjson_u64(sl.round), "committed_round", cjson_u64(sl.committed_round),
                            "committed_height", cjson_u64(sl.committed_height), "validators",
                            vals);
        return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: encoding");
    }
    *result = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:o}", "engine", "bft",
                        "round", cjson_u64(cs.round), "committed_round",
                        cjson_u64(cs.committed_round), "committed_height",
                        cjson_u64(cs.committed_height), "last_voted_round",
                        cjson_u64(cs.last_voted_round), "locked_round",
                        cjson_u64(cs.locked_round), "high_qc_round", cjson_u64(cs.high_qc_round),
                        "self", cs.self >= 0 ? json_integer(cs.self) : json_null(),
                        "peers_connected", (json_int_t)cs.peers_connected, "validators", vals,
                        "total_stake", cjson_u64(total));
    uint64_t base = 0;
    if (*result && chain_state_base_height(node_state(ud), &base, NULL) == 0)
        json_object_set_new(*result, "snapshot_base", cjson_u64(base));
    if (*result) {
        json_object_set_new(*result, "epoch", cjson_u64(cs.epoch));
        json_object_set_new(*result, "epoch_start_height", cjson_u64(cs.epoch_start_height));
    }
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: encoding");
}

static int m_peers(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    *result = node_peers_json(ud);
    return 0;
}

static int m_finality_proof(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    uint64_t height;
    if (rpc_param_count_check(params, 1, 1, err) || rpc_param_u64(params, 0, &height, err))
        return -1;
    if (below_base(node_state(ud), height, err))
        return -1;
    err_t e = {0};
    json_t *p = light_proof_build(node_state(ud), node_genesis(ud), height, &e);
    if (!p && e.code == LIGHT_ENOTFOUND) {
        *result = json_null();
        return 0;
    }
    if (!p)
        return rpc_internal(err, &e);
    *result = p;
    return 0;
}

/* The execution inputs of a committed block as chain/bft's commit fed
 * them (epoch.c): the signer bitmap of the QC consensus block B_h carries,
 * read against the set of the epoch that committed h. */
static int m_exec_inputs(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    uint64_t height;
    if (rpc_param_count_check(params, 1, 1, err) || rpc_param_u64(params, 0, &height, err))
        return -1;
    if (below_base(node_state(ud), height, err))
        return -1;
    chain_state_t *st = node_state(ud);
    bft_finality_t f;
    memset(&f, 0, sizeof f);
    err_t e = {0};
    int rc = bft_finality_get(st, height, &f, &e);
    if (rc == BFT_ENOTFOUND) {
        *result = json_null();
        return 0;
    }
    if (rc)
        return rpc_internal(err, &e);
    uint64_t ep = 0;
    bft_set_t set;
    memset(&set, 0, sizeof set);
    if (bft_epoch_of_height(st, height, &ep, &e) != 0 ||
        bft_set_load(st, node_genesis(ud), ep, &set, &e) != 0) {
        bft_finality_free(&f);
        return rpc_internal(err, &e);
    }
    json_t *signers = json_array();
    const cons_qc_t *qc = &f.block->h.qc;
    for (uint32_t i = 0; signers && i < set.n && i / 8 < qc->nb; i++)
        if (qc->bitmap[i / 8] >> (i % 8) & 1)
            json_array_append_new(signers, rpc_hex_json(set.addr[i].b, CHAIN_ADDR_BYTES));
    bft_set_free(&set);
    bft_finality_free(&f);
    if (!signers)
        return rpc_fail(err, RPC_INTERNAL_ERROR, "out of memory");
    *result = json_pack("{s:o,s:o}", "epoch", cjson_u64(ep), "signers", signers);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "out of memory");
}

static int m_get_account(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_addr_t a;
    uint64_t height;
    bool latest;
    if (rpc_param_count_check(params, 1, 2, err) || param_addr(params, 0, &a, err) ||
        rpc_param_block(ud, params, 1, &height, &latest, err))
        return -1;
    chain_account_t acct;
    bool exists = false;
    uint64_t next = 0;
    err_t e = {0};
    if (!latest) {
        /* as of that block: the next nonce is the one it left */
        int rc = chain_state_get_account_at(node_state(ud), height, &a, &acct, &exists, &e);
        if (rc)
            return rpc_state_error(err, rc, &e);
        next = acct.nonce;
    } else if (chain_state_get_account(node_state(ud), &a, &acct, &exists, &e) != 0 ||
               node_next_nonce(ud, &a, &next, &e) != 0)
        return rpc_internal(err, &e);
    char hex[2 * CHAIN_ADDR_BYTES + 1], dec[CHAIN_U128_STR_MAX];
    chain_addr_to_hex(&a, hex);
    chain_u128_format(acct.balance, dec);
    *result = json_pack("{s:s,s:s,s:o,s:o,s:b}", "address", hex, "balance", dec, "nonce",
                        cjson_u64(acct.nonce), "next_nonce", cjson_u64(next), "exists", exists);
    return 0;
}

static int m_get_utxos(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_addr_t a;
    uint64_t max = MAX_UTXOS, height;
    bool latest;
    if (rpc_param_count_check(params, 1, 3, err) || param_addr(params, 0, &a, err))
        return -1;
    const json_t *pm = rpc_param(params, 1);   /* null: the default, so a block can follow */
    if (pm && !json_is_null(pm) && rpc_param_u64(params, 1, &max, err))
        return -1;
    if (max == 0 || max > MAX_UTXOS)
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[1]: max must be 1..%d", MAX_UTXOS);
    if (rpc_param_block(ud, params, 2, &height, &latest, err))
        return -1;
    chain_utxo_entry_t *list = NULL;
    size_t n = 0;
    err_t e = {0};
    int rc = latest ? chain_state_list_utxos(node_state(ud), &a, (size_t)max, &list, &n, &e)
                    : chain_state_list_utxos_at(node_state(ud), height, &a, (size_t)max, &list,
                                                &n, &e);
    if (rc)
        return rpc_state_error(err, rc, &e);
    json_t *arr = json_array();
    char owner[2 * CHAIN_ADDR_BYTES + 1], dec[CHAIN_U128_STR_MAX];
    for (size_t i = 0; i < n; i++) {
        chain_addr_to_hex(&list[i].utxo.owner, owner);
        chain_u128_format(list[i].utxo.amount, dec);
        json_array_append_new(arr, json_pack("{s:o,s:I,s:s,s:s}", "tx",
                                             hash_hex(&list[i].id.tx_hash), "index",
                                             (json_int_t)list[i].id.index, "owner", owner,
                                             "amount", dec));
    }
    free(list);
    *result = arr;
    return 0;
}

/* The answer to one aeth_sendRawTransaction from node_submit_*'s outcome. */
static int send_result(int rc, const chain_hash_t *h, mempool_reason_t reason, const err_t *e,
                       json_t **result, rpc_error_t *err)
{
    if (rc == 0) {
        *result = hash_hex(h);
        return 0;
    }
    if (rc == NODE_ETXREJECTED) {
        rpc_fail(err, RPC_TX_REJECTED, "%s", e->msg);
        err->data = json_pack("{s:s,s:o}", "reason", mempool_reason_name(reason), "hash",
                              hash_hex(h));
        return -1;
    }
    if (rc == NODE_EKNOWN) {
        rpc_fail(err, RPC_TX_REJECTED, "%s", e->msg);
        err->data = json_pack("{s:s,s:o}", "reason", "already_committed", "hash", hash_hex(h));
        return -1;
    }
    return rpc_fail(err, RPC_TX_INVALID, "%s", e->msg);
}

static int m_send_raw(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    if (rpc_param_count_check(params, 1, 1, err) ||
        rpc_param_hex_alloc(params, 0, CHAIN_MAX_TX_BYTES, &raw, &n, err))
        return -1;
    chain_hash_t h;
    mempool_reason_t reason = MEMPOOL_ACCEPTED;
    err_t e = {0};
    int rc = node_submit_tx(ud, raw, n, &h, &reason, &e);
    free(raw);
    return send_result(rc, &h, reason, &e, result, err);
}

/* A run of aeth_sendRawTransaction in a batch: every transaction of the run
 * is decoded first and all the signatures verified in parallel on every core
 * (chain_tx_verify_batch), so a client on a single connection is not limited
 * to one core's worth of Ed25519 checks; then they are admitted one by one,
 * in order, exactly as single requests would be. Below PREVERIFY_MIN
 * requests, or for a request that does not decode, m_send_raw answers. */
#define PREVERIFY_MIN 8

static void b_send_raw(void *ud, size_t n, const json_t *const *params, json_t **results,
                       rpc_error_t *errs)
{
    chain_tx_t **txs = n >= PREVERIFY_MIN ? calloc(n, sizeof *txs) : NULL;
    chain_tx_t **todo = txs ? calloc(n, sizeof *todo) : NULL;
    uint8_t **raws = todo ? calloc(n, sizeof *raws) : NULL;
    size_t *lens = raws ? calloc(n, sizeof *lens) : NULL;
    size_t nt = 0;
    if (lens) {
        for (size_t i = 0; i < n; i++) {
            if (rpc_param_count_check(params[i], 1, 1, NULL) != 0)
                continue;
            const json_t *p = rpc_param(params[i], 0);
            if (!json_is_string(p))
                continue;
            const char *s = json_string_value(p);
            size_t len = json_string_length(p);
            if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                s += 2;
                len -= 2;
            }
            if (len == 0 || len / 2 > CHAIN_MAX_TX_BYTES ||
                hex_decode_alloc(s, len, &raws[i], &lens[i], NULL) != 0)
                continue; /* m_send_raw reports the error */
            todo[i] = chain_tx_decode(raws[i], lens[i], NULL);
            if (todo[i])
                txs[nt++] = todo[i];
        }
        chain_tx_verify_batch(txs, nt, 0);
    }
    for (size_t i = 0; i < n; i++) {
        if (todo && todo[i]) {
            chain_hash_t h;
            mempool_reason_t reason = MEMPOOL_ACCEPTED;
            err_t e = {0};
            int rc = node_submit_decoded(ud, todo[i], raws[i], lens[i], &h, &reason, &e);
            send_result(rc, &h, reason, &e, &results[i], &errs[i]);
        } else {
            m_send_raw(ud, params[i], &results[i], &errs[i]);
        }
        if (raws)
            free(raws[i]);
    }
    free(lens);
    free(raws);
    free(todo);
    free(txs);
}

static int m_state_root(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 0, err))
        return -1;
    chain_header_t h;
    chain_hash_t bh;
    err_t e = {0};
    if (chain_state_tip(node_state(ud), &h, &bh, &e) != 0)
        return rpc_fail(err, RPC_NOT_READY, "no chain yet: %s", e.msg);
    *result = json_pack("{s:o,s:o,s:o}", "root", hash_hex(&h.state_root), "height",
                        cjson_u64(h.height), "block_hash", hash_hex(&bh));
    return 0;
}

static int m_get_proof(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    uint64_t height;
    bool latest;
    if (rpc_param_count_check(params, 1, 2, err) ||
        rpc_param_block(ud, params, 1, &height, &latest, err))
        return -1;
    const json_t *p0 = rpc_param(params, 0);
    if (json_is_object(p0) && json_object_get(p0, "contract"))   /* a storage slot */
        return rpc_contract_storage_proof(ud, p0, latest, height, result, err);
    chain_proof_t *p = malloc(sizeof *p);
    if (!p)
        return rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
    err_t e = {0};
    int rc;
    chain_state_t *st = node_state(ud);
    if (json_is_object(p0)) {
        chain_utxo_id_t id;
        json_t *tx = json_object_get(p0, "tx"), *idx = json_object_get(p0, "index");
        json_t *wrap = json_pack("[O]", tx ? tx : json_null());
        uint64_t index;
        if (json_object_size(p0) != 2 || !cjson_get_u64(idx, &index) || index > UINT32_MAX ||
            rpc_param_hex_fixed(wrap, 0, id.tx_hash.b, CHAIN_HASH_BYTES, err)) {
            json_decref(wrap);
            free(p);
            return rpc_fail(err, RPC_INVALID_PARAMS,
                            "params[0]: expected an address or {\"tx\": 64 hex, \"index\": N}");
        }
        json_decref(wrap);
        id.index = (uint32_t)index;
        rc = latest ? chain_state_prove_utxo(st, &id, p, &e)
                    : chain_state_prove_utxo_at(st, height, &id, p, &e);
    } else {
        chain_addr_t a;
        if (param_addr(params, 0, &a, err)) {
            free(p);
            return -1;
        }
        rc = latest ? chain_state_prove_account(st, &a, p, &e)
                    : chain_state_prove_account_at(st, height, &a, p, &e);
    }
    if (rc != 0) {
        free(p);
        return rpc_state_error(err, rc, &e);
    }
    *result = chain_proof_to_json(p);
    free(p);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: encoding proof");
}

/* ---- job escrow (issue 16) ---- */

#define MAX_JOBS 100
#define MAX_JOBS_SCAN 10000   /* records one aeth_getJobs page examines */

static json_t *job_json(chain_state_t *st, const chain_job_t *j)
{
    json_t *o = chain_job_to_json(j);
    static const uint8_t zero[CHAIN_ADDR_BYTES];
    if (o && memcmp(j->provider.b, zero, sizeof zero) != 0)
        json_object_set_new(o, "provider_reputation",
                            cjson_u64(chain_escrow_reputation(st, &j->provider)));
    return o;
}

static int m_get_job(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_hash_t id;
    if (rpc_param_count_check(params, 1, 1, err) || param_hash(params, 0, &id, err))
        return -1;
    chain_job_t j;
    bool exists = false;
    err_t e = {0};
    if (chain_escrow_get_job(node_state(ud), &id, &j, &exists, &e) != 0)
        return rpc_internal(err, &e);
    *result = exists ? job_json(node_state(ud), &j) : json_null();
    return 0;
}

/* The SMT proof of data leaf (tag, id) as JSON: {"root", id_name: id, "key",
 * "exists", "value" (hex | null), "siblings", "other_leaf"}. */
int chain_rpc_data_proof(chain_state_t *st, uint8_t tag, const uint8_t id[32], const char *id_name,
                         json_t *id_json, json_t **result, rpc_error_t *err)
{
    chain_proof_t *p = malloc(sizeof *p);
    buf_t v = {0};
    err_t e = {0};
    if (!p) {
        json_decref(id_json);
        return rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
    }
    if (chain_state_prove_data(st, tag, id, p, &v, &e) != 0) {
        free(p);
        buf_free(&v);
        json_decref(id_json);
        return rpc_internal(err, &e);
    }
    chain_hash_t key;
    chain_smt_key_data(tag, id, &key);
    json_t *sib = json_array();
    for (uint16_t i = 0; i < p->n_siblings; i++)
        json_array_append_new(sib, hash_hex(&p->siblings[i]));
    json_t *other = p->has_other ? json_pack("{s:o,s:o}", "key", hash_hex(&p->other_key),
                                             "value_hash", hash_hex(&p->other_value_hash))
                                 : json_null();
    *result = json_pack("{s:o,s:o,s:o,s:b,s:o,s:o,s:o}", "root", hash_hex(&p->root), id_name,
                        id_json, "key", hash_hex(&key), "exists", p->exists, "value",
                        p->exists ? rpc_hex_json(v.data, v.len) : json_null(), "siblings", sib,
                        "other_leaf", other);
    free(p);
    buf_free(&v);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: encoding proof");
}

static int m_get_job_proof(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_hash_t id;
    if (rpc_param_count_check(params, 1, 1, err) || param_hash(params, 0, &id, err))
        return -1;
    return chain_rpc_data_proof(node_state(ud), CHAIN_DATA_JOB, id.b, "job_id", hash_hex(&id),
                                result, err);
}

/* The module and input a job was posted with (data leaf CHAIN_DATA_JOB_CODE:
 * u32 module_len, module, input): what a provider runs and a watchtower
 * re-runs. */
static int m_get_job_data(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    chain_hash_t id;
    if (rpc_param_count_check(params, 1, 1, err) || param_hash(params, 0, &id, err))
        return -1;
    buf_t v = {0};
    bool exists = false;
    err_t e = {0};
    if (chain_state_get_data(node_state(ud), CHAIN_DATA_JOB_CODE, id.b, &v, &exists, &e) != 0) {
        buf_free(&v);
        return rpc_internal(err, &e);
    }
    if (!exists) {
        buf_free(&v);
        *result = json_null();
        return 0;
    }
    if (v.len < 4 || load_le32(v.data) > v.len - 4) {
        buf_free(&v);
        return rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: corrupt job data record");
    }
    uint32_t ml = load_le32(v.data);
    *result = json_pack("{s:o,s:o,s:o}", "job_id", hash_hex(&id), "module",
                        rpc_hex_json(v.data + 4, ml), "input",
                        rpc_hex_json(v.data + 4 + ml, v.len - 4 - ml));
    buf_free(&v);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
}

typedef struct jobs_q {
    chain_state_t *st;
    bool by_req, by_prov;
    chain_addr_t req, prov;
    int status;   /* -1 = any */
    size_t max, scanned;
    bool has_after;
    chain_hash_t after;
    uint8_t last[32];   /* the last id examined */
    json_t *out;
    err_t *e;
} jobs_q_t;

/* 1 stops the walk: the page is full or the scan budget is spent (then
 * "next" is the last id examined, so the following page resumes there). */
static int jobs_cb(void *arg, const uint8_t id[32], const uint8_t *val, size_t n)
{
    jobs_q_t *q = arg;
    chain_job_t j;
    if (chain_job_decode(val, n, &j, q->e) != 0)
        return CHAIN_EIO;
    memcpy(q->last, id, 32);
    q->scanned++;
    if (!((q->by_req && memcmp(j.requester.b, q->req.b, CHAIN_ADDR_BYTES) != 0) ||
          (q->by_prov && memcmp(j.provider.b, q->prov.b, CHAIN_ADDR_BYTES) != 0) ||
          (q->status >= 0 && j.status != q->status)))
        json_array_append_new(q->out, job_json(q->st, &j));
    return json_array_size(q->out) >= q->max || q->scanned >= MAX_JOBS_SCAN ? 1 : 0;
}

static int filter_addr(const json_t *f, const char *key, bool *set, chain_addr_t *a,
                       rpc_error_t *err)
{
    const json_t *v = json_object_get(f, key);
    if (!v)
        return 0;
    err_t e = {0};
    if (!json_is_string(v) || chain_addr_from_hex(json_string_value(v), a, &e) != 0)
        return rpc_fail(err, RPC_INVALID_PARAMS, "params[0].%s: expected a 40-digit hex address",
                        key);
    *set = true;
    return 0;
}

static int m_get_jobs(void *ud, const json_t *params, json_t **result, rpc_error_t *err)
{
    if (rpc_param_count_check(params, 0, 1, err))
        return -1;
    jobs_q_t q = {.st = node_state(ud), .status = -1, .max = MAX_JOBS};
    const json_t *f = rpc_param(params, 0);
    if (f && !json_is_null(f)) {
        if (!json_is_object(f))
            return rpc_fail(err, RPC_INVALID_PARAMS,
                            "params[0]: expected {\"requester\"?, \"provider\"?, \"status\"?, "
                            "\"max\"?, \"after\"?}");
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)f, k, v) {
            if (strcmp(k, "requester") && strcmp(k, "provider") && strcmp(k, "status") &&
                strcmp(k, "max") && strcmp(k, "after"))
                return rpc_fail(err, RPC_INVALID_PARAMS, "params[0]: unknown filter \"%s\"", k);
        }
        if (filter_addr(f, "requester", &q.by_req, &q.req, err) ||
            filter_addr(f, "provider", &q.by_prov, &q.prov, err))
            return -1;
        const json_t *s = json_object_get(f, "status");
        if (s) {
            for (int i = CHAIN_JOB_POSTED; i <= CHAIN_JOB_SLASHED && json_is_string(s); i++)
                if (strcmp(json_string_value(s), chain_job_status_name((uint8_t)i)) == 0)
                    q.status = i;
            if (q.status < 0)
                return rpc_fail(err, RPC_INVALID_PARAMS,
                                "params[0].status: one of posted, accepted, claimed, challenged, "
                                "finalized, cancelled, expired, slashed");
        }
        const json_t *m = json_object_get(f, "max");
        if (m) {
            if (!json_is_integer(m) || json_integer_value(m) < 1 ||
                json_integer_value(m) > MAX_JOBS)
                return rpc_fail(err, RPC_INVALID_PARAMS, "params[0].max: 1..%d", MAX_JOBS);
            q.max = (size_t)json_integer_value(m);
        }
        const json_t *a = json_object_get(f, "after");
        if (a && !json_is_null(a)) {
            err_t he = {0};
            if (!json_is_string(a) || chain_hash_from_hex(json_string_value(a), &q.after, &he))
                return rpc_fail(err, RPC_INVALID_PARAMS,
                                "params[0].after: expected a 64-digit hex job id (the \"next\" "
                                "of the previous page)");
            q.has_after = true;
        }
    }
    err_t e = {0};
    q.e = &e;
    q.out = json_array();
    int rc = chain_state_each_data_after(q.st, CHAIN_DATA_JOB, q.has_after ? q.after.b : NULL,
                                         jobs_cb, &q, &e);
    if (rc < 0) {
        json_decref(q.out);
        return rpc_internal(err, &e);
    }
    /* rc == 1: stopped early, more may follow; 0: the walk reached the end */
    json_t *next = json_null();
    if (rc == 1) {
        chain_hash_t h;
        memcpy(h.b, q.last, 32);
        next = hash_hex(&h);
    }
    *result = json_pack("{s:o,s:o}", "jobs", q.out, "next", next);
    return *result ? 0 : rpc_fail(err, RPC_INTERNAL_ERROR, "internal error: out of memory");
}

const rpc_method_t rpc_chain_methods[] = {
    {"aeth_chainId", m_chain_id, NULL},
    {"aeth_blockNumber", m_block_number, NULL},
    {"aeth_getBlockByNumber", m_block_by_number, NULL},
    {"aeth_getBlockByHash", m_block_by_hash, NULL},
    {"aeth_getRawBlock", m_raw_block, NULL},
    {"aeth_getTransaction", m_get_tx, NULL},
    {"aeth_getReceipt", m_get_receipt, NULL},
    {"aeth_getTransactionReceipt", m_tx_receipt, NULL},
    {"aeth_getSlotNumber", m_slot_number, NULL},
    {"aeth_getFinalityProof", m_finality_proof, NULL},
    {"aeth_getExecInputs", m_exec_inputs, NULL},
    {"aeth_getConsensus", m_consensus, NULL},
    {"aeth_peers", m_peers, NULL},
    {"aeth_getFinalizedSlot", m_finalized_slot, NULL},
    {"aeth_getAccount", m_get_account, NULL},
    {"aeth_getUtxos", m_get_utxos, NULL},
    {"aeth_sendRawTransaction", m_send_raw, b_send_raw},
    {"aeth_getStateRoot", m_state_root, NULL},
    {"aeth_getProof", m_get_proof, NULL},
    {"aeth_getJob", m_get_job, NULL},
    {"aeth_getJobs", m_get_jobs, NULL},
    {"aeth_getJobProof", m_get_job_proof, NULL},
    {"aeth_call", rpc_m_call, NULL},
    {"aeth_estimateGas", rpc_m_estimate_gas, NULL},
    {"aeth_getCode", rpc_m_get_code, NULL},
    {"aeth_getStorageAt", rpc_m_get_storage_at, NULL},
    {"aeth_getLogs", rpc_m_get_logs, NULL},
    {"aeth_getJobData", m_get_job_data, NULL},
    {"aeth_getStaking", chain_rpc_get_staking, NULL},
    {"aeth_getValidators", chain_rpc_get_validators, NULL},
    {"aeth_getValidator", chain_rpc_get_validator, NULL},
    {"aeth_getValidatorSet", chain_rpc_get_valset, NULL},
    {"aeth_getDelegations", chain_rpc_get_delegations, NULL},
    {"aeth_getValidatorProof", chain_rpc_get_validator_proof, NULL},
    {"aeth_baseFee", chain_rpc_base_fee, NULL},
    {NULL, NULL, NULL},
};

const int rpc_chain_codes[] = {RPC_TX_INVALID, RPC_TX_REJECTED, RPC_NOT_READY, RPC_EXEC_FAILED,
                               RPC_BELOW_BASE, 0};

static int health_cb(void *ud, json_t **body)
{
    return node_health(ud, body);
}

static void metrics_cb(void *ud, buf_t *out)
{
    node_metrics(ud, out);
}

void rpc_chain_server_cfg(rpc_server_cfg_t *cfg, node_t *node)
{
    cfg->dispatch.methods = rpc_chain_methods;
    cfg->dispatch.ud = node;
    cfg->app_codes = rpc_chain_codes;
    cfg->health = health_cb;
    cfg->metrics = metrics_cb;
}

/* chain/node: replay of another node's blocks (`aetherd replay`). Blocks
 * are fetched raw over JSON-RPC (aeth_getRawBlock) and applied with the
 * full validation a received block gets (chain_exec_apply_block: header,
 * proposer signature, every tx re-verified and re-executed, state and
 * receipts roots), so a replay that ends on the source's state root shows
 * that execution, contracts and gas included, is deterministic across
 * machines and builds. On a BFT chain each block is executed with what the
 * engine executed it with (aeth_getExecInputs: the accounts of the QC
 * signers it carries and the epoch of that set), which staking's
 * participation, rewards and downtime jails depend on. Such a block has no
 * proposer signature (a QC certifies it) and neither it nor those inputs
 * are checked against the QC's aggregate signature here: the txs, the
 * re-execution and the header's state and receipts roots are. */
#include "chain/node/node.h"

#include <stdlib.h>
#include <string.h>

#include "chain/client/client.h"

static int fetch_block(chain_client_t *c, uint64_t height, chain_block_t **out, err_t *e)
{
    json_t *res = NULL;
    *out = NULL;
    int rc = chain_client_call(c, "aeth_getRawBlock", json_pack("[I]", (json_int_t)height), &res,
                               e);
    if (rc)
        return rc;
    uint8_t *raw = NULL;
    size_t n = 0;
    err_t he = {0};
    if (!json_is_string(res) ||
        hex_decode_alloc(json_string_value(res), json_string_length(res), &raw, &n, &he) != 0) {
        json_decref(res);
        return err_set(e, NODE_EINVAL, "replay: block %llu: the source sent no raw block",
                       (unsigned long long)height);
    }
    json_decref(res);
    *out = chain_block_decode(raw, n, e);
    free(raw);
    if (!*out)
        return err_prefix(e, "replay: block %llu", (unsigned long long)height), NODE_EINVAL;
    return 0;
}

/* The QC signers block `height` was executed with on the source (a BFT
 * chain) into x, *sig the array (free it); x untouched on a solo chain. */
static int fetch_exec_inputs(chain_client_t *c, uint64_t height, chain_exec_cfg_t *x,
                             chain_addr_t **sig, err_t *e)
{
    json_t *res = NULL;
    *sig = NULL;
    x->qc_signers = NULL;
    x->n_qc_signers = 0;
    x->qc_epoch = 0;
    x->certified = false;
    int rc = chain_client_call(c, "aeth_getExecInputs", json_pack("[I]", (json_int_t)height),
                               &res, e);
    if (rc)
        return err_prefix(e, "replay: block %llu: the execution inputs",
                          (unsigned long long)height),
               rc;
    if (json_is_null(res)) {
        json_decref(res);
        return 0;   /* not a BFT chain: the proposer is the one signer */
    }
    json_t *arr = json_object_get(res, "signers");
    uint64_t ep = 0;
    if (!json_is_array(arr) || !cjson_get_u64(json_object_get(res, "epoch"), &ep)) {
        json_decref(res);
        return err_set(e, NODE_EINVAL,
                       "replay: block %llu: aeth_getExecInputs answered no \"signers\" and "
                       "\"epoch\"",
                       (unsigned long long)height);
    }
    size_t n = json_array_size(arr);
    chain_addr_t *a = calloc(n ? n : 1, sizeof *a);
    if (!a) {
        json_decref(res);
        return err_set(e, NODE_ENOMEM, "replay: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const char *h = json_string_value(json_array_get(arr, i));
        err_t he = {0};
        if (!h || chain_addr_from_hex(h, &a[i], &he) != 0) {
            free(a);
            json_decref(res);
            return err_set(e, NODE_EINVAL, "replay: block %llu: signer %zu is not an address",
                           (unsigned long long)height, i);
        }
    }
    json_decref(res);
    *sig = a;
    x->qc_signers = a;
    x->n_qc_signers = n;
    x->qc_epoch = ep;
    x->certified = true;
    return 0;
}

int node_replay(const node_replay_cfg_t *cfg, node_replay_fn fn, void *arg,
                node_replay_stats_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!cfg->rpc_url || !cfg->data_dir || !cfg->genesis)
        return err_set(e, NODE_EINVAL, "replay: a source, a data directory and a genesis are "
                                       "required");
    const chain_genesis_t *g = &cfg->genesis->g;
    chain_client_t *c = chain_client_new(cfg->rpc_url, 30000, e);
    if (!c)
        return NODE_EINVAL;
    chain_state_t *st = NULL;
    chain_exec_cfg_t x = {.chain_id = g->chain_id, .min_fee = cfg->min_fee};
    int rc = 0;
    uint64_t src_chain = 0, to = cfg->to_height;
    if ((rc = chain_client_chain_id(c, &src_chain, e)))
        goto out;
    if (src_chain != g->chain_id) {
        rc = err_set(e, NODE_EINVAL, "replay: the source runs chain %llu, the genesis is chain %llu",
                     (unsigned long long)src_chain, (unsigned long long)g->chain_id);
        goto out;
    }
    if (!to) {
        json_t *res = NULL;
        if ((rc = chain_client_call(c, "aeth_blockNumber", json_array(), &res, e)))
            goto out;
        bool ok = cjson_get_u64(res, &to);
        json_decref(res);
        if (!ok) {
            rc = err_set(e, NODE_EINVAL, "replay: aeth_blockNumber answered no height");
            goto out;
        }
    }
    if (!(x.contracts = chain_contract_cache_new(64))) {
        rc = err_set(e, NODE_ENOMEM, "replay: out of memory");
        goto out;
    }
    if (file_mkdirs(cfg->data_dir, 0700, e) != 0 ||
        !(st = chain_state_open(cfg->data_dir, false, e))) {
        rc = NODE_ESTATE;
        goto out;
    }
    if (!chain_state_has_tip(st))
        rc = chain_state_init_genesis(st, g, e);
    else
        rc = chain_state_check_origin(st, g, e);
    if (rc)
        goto out;
    chain_header_t tip;
    if ((rc = chain_state_tip(st, &tip, NULL, e)))
        goto out;
    for (uint64_t h = tip.height + 1; h <= to; h++) {
        chain_block_t *b = NULL;
        chain_receipt_t *rs = NULL;
        chain_addr_t *sig = NULL;
        if ((rc = fetch_block(c, h, &b, e)))
            goto out;
        if ((rc = fetch_exec_inputs(c, h, &x, &sig, e))) {
            chain_block_free(b);
            goto out;
        }
        rc = chain_exec_apply_block(st, &x, b, &rs, e);
        x.qc_signers = NULL;
        x.n_qc_signers = 0;
        free(sig);
        if (rc) {
            chain_block_free(b);
            err_prefix(e, "replay");
            goto out;
        }
        out->blocks++;
        out->txs += b->n_txs;
        for (uint32_t i = 0; i < b->n_txs; i++)
            out->gas_used += rs[i].gas_used;
        if (fn)
            fn(arg, b, rs);
        chain_receipts_free(rs, b->n_txs);
        chain_block_free(b);
    }
    if ((rc = chain_state_tip(st, &tip, NULL, e)))
        goto out;
    out->height = tip.height;
    out->state_root = tip.state_root;
out:
    chain_state_close(st);
    chain_contract_cache_free(x.contracts);
    chain_client_free(c);
    return rc;
}

/* chain/types: the job escrow transaction bodies (issue 16): strict
 * parsing, encoding, construction of job txs and their JSON view. The
 * layout is documented in types.h next to chain_job_body_t and in
 * docs/escrow.md. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

bool chain_tx_is_job(uint8_t kind)
{
    return kind >= CHAIN_TX_JOB_POST && kind <= CHAIN_TX_JOB_EXPIRE;
}

const char *chain_tx_kind_name(uint8_t kind)
{
    switch (kind) {
    case CHAIN_TX_TRANSFER: return "transfer";
    case CHAIN_TX_UTXO: return "utxo";
    case CHAIN_TX_DEPLOY: return "deploy";
    case CHAIN_TX_CALL: return "call";
    case CHAIN_TX_JOB_POST: return "job_post";
    case CHAIN_TX_JOB_ACCEPT: return "job_accept";
    case CHAIN_TX_JOB_CLAIM: return "job_claim";
    case CHAIN_TX_JOB_FINALIZE: return "job_finalize";
    case CHAIN_TX_JOB_CHALLENGE: return "job_challenge";
    case CHAIN_TX_JOB_CANCEL: return "job_cancel";
    case CHAIN_TX_JOB_EXPIRE: return "job_expire";
    case CHAIN_TX_STAKE_REGISTER: return "validator_register";
    case CHAIN_TX_STAKE_ADD: return "stake";
    case CHAIN_TX_STAKE_DELEGATE: return "delegate";
    case CHAIN_TX_STAKE_UNDELEGATE: return "undelegate";
    case CHAIN_TX_STAKE_REDELEGATE: return "redelegate";
    case CHAIN_TX_STAKE_WITHDRAW: return "withdraw";
    case CHAIN_TX_STAKE_COMMISSION: return "commission";
    case CHAIN_TX_STAKE_UNJAIL: return "unjail";
    case CHAIN_TX_STAKE_EVIDENCE: return "evidence";
    case CHAIN_TX_STAKE_CLAIM: return "claim_rewards";
    default: return "unknown";
    }
}

int chain_job_body_parse(uint8_t kind, const uint8_t *p, size_t n, chain_job_body_t *out,
                         err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!chain_tx_is_job(kind))
        return err_set(e, CHAIN_EINVAL, "job: tx kind %u is not a job kind", kind);
    out->kind = kind;
    rd_t r;
    rd_init(&r, p, n, "job body", e);
    rd_bytes(&r, out->job_id.b, 32, "job_id");
    switch (kind) {
    case CHAIN_TX_JOB_POST: {
        rd_bytes(&r, out->module_hash.b, 32, "module_hash");
        rd_bytes(&r, out->input_commitment.b, 32, "input_commitment");
        size_t at = r.off;
        if (rd_u64(&r, &out->fuel, "fuel") && out->fuel == 0)
            rd_fail(&r, "fuel is zero (offset %zu)", at);
        else if (!r.failed && out->fuel > CHAIN_JOB_MAX_FUEL)
            rd_fail(&r, "fuel %llu at offset %zu is over the limit %llu (the gas bound of a "
                    "dispute)", (unsigned long long)out->fuel, at, CHAIN_JOB_MAX_FUEL);
        at = r.off;
        if (rd_u64(&r, &out->memory_max, "memory_max") && out->memory_max == 0)
            rd_fail(&r, "memory_max is zero (offset %zu)", at);
        rd_u64(&r, &out->deadline, "deadline");
        at = r.off;
        if (rd_u128(&r, &out->payment, "payment") && chain_u128_is_zero(out->payment))
            rd_fail(&r, "payment is zero (offset %zu)", at);
        rd_u128(&r, &out->provider_bond, "provider_bond");
        at = r.off;
        if (rd_u32(&r, &out->window, "window") &&
            (out->window == 0 || out->window > CHAIN_JOB_MAX_WINDOW))
            rd_fail(&r, "challenge window %u blocks at offset %zu, must be 1..%d", out->window,
                    at, CHAIN_JOB_MAX_WINDOW);
        at = r.off;
        if (rd_u32(&r, &out->n_allow, "allow-list count") &&
            out->n_allow > CHAIN_JOB_MAX_ALLOW) {
            rd_fail(&r, "%u allowed providers at offset %zu, at most %d", out->n_allow, at,
                    CHAIN_JOB_MAX_ALLOW);
            out->n_allow = 0;
        }
        for (uint32_t i = 0; i < out->n_allow && !r.failed; i++) {
            at = r.off;
            if (rd_bytes(&r, out->allow[i].b, 20, "allowed provider") && i > 0 &&
                memcmp(out->allow[i - 1].b, out->allow[i].b, 20) >= 0)
                rd_fail(&r, "allowed provider %u at offset %zu is not in strictly ascending order",
                        i, at);
        }
        at = r.off;
        if (rd_u32(&r, &out->module_len, "module length") &&
            out->module_len > CHAIN_JOB_MAX_MODULE) {
            rd_fail(&r, "module of %u bytes at offset %zu, at most %d", out->module_len, at,
                    CHAIN_JOB_MAX_MODULE);
            break;
        }
        out->module = out->module_len ? rd_take(&r, out->module_len, "module") : NULL;
        at = r.off;
        if (rd_u32(&r, &out->input_len, "input length") && out->input_len > CHAIN_JOB_MAX_INPUT) {
            rd_fail(&r, "input of %u bytes at offset %zu, at most %d", out->input_len, at,
                    CHAIN_JOB_MAX_INPUT);
            break;
        }
        out->input = out->input_len ? rd_take(&r, out->input_len, "input") : NULL;
        if (!r.failed && out->module_len) {
            uint8_t h[32];
            crypto_sha256(out->module, out->module_len, h);
            if (memcmp(h, out->module_hash.b, 32) != 0)
                rd_fail(&r, "the module bytes do not hash to module_hash");
            crypto_sha256(out->input ? out->input : (const uint8_t *)"", out->input_len, h);
            if (!r.failed && memcmp(h, out->input_commitment.b, 32) != 0)
                rd_fail(&r, "the input bytes do not hash to input_commitment");
        } else if (!r.failed && out->input_len) {
            rd_fail(&r, "input bytes without a module");
        }
        break;
    }
    case CHAIN_TX_JOB_ACCEPT:
        if (rd_bytes(&r, out->phase_pk, 32, "phase_pk") &&
            !crypto_ed25519_pk_valid(out->phase_pk))
            rd_fail(&r, "phase_pk at offset 32 is not a valid Ed25519 key");
        rd_bytes(&r, out->link_sig, 64, "link_sig");
        break;
    case CHAIN_TX_JOB_CLAIM: {
        size_t at = r.off;
        if (rd_u32(&r, &out->receipt_len, "receipt length") &&
            (out->receipt_len == 0 || out->receipt_len > CHAIN_JOB_MAX_RECEIPT)) {
            rd_fail(&r, "receipt of %u bytes at offset %zu, must be 1..%d", out->receipt_len, at,
                    CHAIN_JOB_MAX_RECEIPT);
            break;
        }
        out->receipt = rd_take(&r, out->receipt_len, "receipt");
        break;
    }
    case CHAIN_TX_JOB_CHALLENGE: {
        size_t at = r.off;
        if (rd_u128(&r, &out->challenger_bond, "challenger_bond") &&
            chain_u128_is_zero(out->challenger_bond))
            rd_fail(&r, "challenger_bond is zero (offset %zu)", at);
        break;
    }
    default:
        break;
    }
    if (!rd_end(&r))
        return e && e->code ? e->code : CHAIN_EINVAL;
    return 0;
}

static size_t body_size(const chain_job_body_t *b)
{
    switch (b->kind) {
    case CHAIN_TX_JOB_POST:
        return 32 * 3 + 8 * 3 + 16 * 2 + 4 + 4 + 20 * (size_t)b->n_allow + 4 +
               (size_t)b->module_len + 4 + (size_t)b->input_len;
    case CHAIN_TX_JOB_ACCEPT: return 32 + 32 + 64;
    case CHAIN_TX_JOB_CLAIM: return 32 + 4 + (size_t)b->receipt_len;
    case CHAIN_TX_JOB_CHALLENGE: return 32 + 16;
    default: return 32;
    }
}

static void body_write(const chain_job_body_t *b, uint8_t *p)
{
    memcpy(p, b->job_id.b, 32), p += 32;
    switch (b->kind) {
    case CHAIN_TX_JOB_POST:
        memcpy(p, b->module_hash.b, 32), p += 32;
        memcpy(p, b->input_commitment.b, 32), p += 32;
        store_le64(p, b->fuel), p += 8;
        store_le64(p, b->memory_max), p += 8;
        store_le64(p, b->deadline), p += 8;
        chain_u128_put(p, b->payment), p += 16;
        chain_u128_put(p, b->provider_bond), p += 16;
        store_le32(p, b->window), p += 4;
        store_le32(p, b->n_allow), p += 4;
        for (uint32_t i = 0; i < b->n_allow; i++)
            memcpy(p, b->allow[i].b, 20), p += 20;
        store_le32(p, b->module_len), p += 4;
        if (b->module_len)
            memcpy(p, b->module, b->module_len), p += b->module_len;
        store_le32(p, b->input_len), p += 4;
        if (b->input_len)
            memcpy(p, b->input, b->input_len);
        break;
    case CHAIN_TX_JOB_ACCEPT:
        memcpy(p, b->phase_pk, 32), p += 32;
        memcpy(p, b->link_sig, 64);
        break;
    case CHAIN_TX_JOB_CLAIM:
        store_le32(p, b->receipt_len), p += 4;
        if (b->receipt_len)
            memcpy(p, b->receipt, b->receipt_len);
        break;
    case CHAIN_TX_JOB_CHALLENGE:
        chain_u128_put(p, b->challenger_bond);
        break;
    default:
        break;
    }
}

static bool body_bounds_ok(const chain_job_body_t *b)
{
    return chain_tx_is_job(b->kind) && b->n_allow <= CHAIN_JOB_MAX_ALLOW &&
           b->receipt_len <= CHAIN_JOB_MAX_RECEIPT && b->module_len <= CHAIN_JOB_MAX_MODULE &&
           b->input_len <= CHAIN_JOB_MAX_INPUT;
}

int chain_job_body_encode(const chain_job_body_t *b, buf_t *out)
{
    if (!body_bounds_ok(b))
        return CHAIN_EINVAL;
    uint8_t *tmp = malloc(body_size(b));
    if (!tmp)
        return CHAIN_ENOMEM;
    body_write(b, tmp);
    int rc = buf_append(out, tmp, body_size(b)) == 0 ? 0 : CHAIN_ENOMEM;
    free(tmp);
    return rc;
}

static chain_tx_t *job_tx_alloc(uint32_t body_len)
{
    chain_tx_t *tx = calloc(1, sizeof(chain_tx_t) + body_len);
    if (!tx)
        return NULL;
    tx->outputs = (chain_utxo_t *)(tx + 1);
    tx->inputs = (chain_utxo_id_t *)(tx + 1);
    tx->job = body_len ? (uint8_t *)(tx + 1) : NULL;
    tx->job_len = body_len;
    return tx;
}

chain_tx_t *chain_tx_new_job(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                             uint64_t nonce, chain_u128_t fee, const chain_job_body_t *b,
                             err_t *e)
{
    if (!body_bounds_ok(b)) {
        err_set(e, CHAIN_EINVAL, "job: kind %u, %u allowed providers or %u receipt bytes out of "
                "bounds", b->kind, b->n_allow, b->receipt_len);
        return NULL;
    }
    size_t n = body_size(b);
    chain_tx_t *tx = job_tx_alloc((uint32_t)n);
    if (!tx) {
        err_set(e, CHAIN_ENOMEM, "tx: out of memory");
        return NULL;
    }
    tx->kind = b->kind;
    tx->chain_id = chain_id;
    memcpy(tx->sender_pk, sender_pk, CHAIN_PK_BYTES);
    tx->nonce = nonce;
    tx->fee = fee;
    body_write(b, tx->job);
    chain_job_body_t check;
    if (chain_job_body_parse(tx->kind, tx->job, tx->job_len, &check, e) != 0) {
        free(tx);
        return NULL;
    }
    chain_tx_finalize(tx);
    return tx;
}

chain_tx_t *chain_job_tx_decode_body(rd_t *r, const chain_tx_t *head)
{
    uint32_t len = 0;
    size_t off = r->off;
    bool is_job = chain_tx_is_job(head->kind);
    uint32_t max = is_job ? CHAIN_JOB_MAX_BODY : CHAIN_STAKE_MAX_BODY;
    if (!rd_u32(r, &len, is_job ? "job body length" : "stake body length"))
        return NULL;
    if (len > max) {
        rd_fail(r, "%s body of %u bytes at offset %zu, at most %u", is_job ? "job" : "stake", len,
                off, max);
        return NULL;
    }
    const uint8_t *p = rd_take(r, len, is_job ? "job body" : "stake body");
    if (!p)
        return NULL;
    chain_job_body_t b;
    chain_stake_body_t sb;
    err_t be = {0};
    if ((is_job ? chain_job_body_parse(head->kind, p, len, &b, &be)
                                     : chain_stake_body_parse(head->kind, p, len, &sb, &be)) != 0) {
        rd_fail(r, "%s (body at offset %zu)", be.msg, off + 4);
        return NULL;
    }
    chain_tx_t *tx = job_tx_alloc(len);
    if (!tx) {
        err_set(r->e, CHAIN_ENOMEM, "tx: out of memory");
        return NULL;
    }
    uint8_t *job = tx->job;
    chain_utxo_t *o = tx->outputs;
    chain_utxo_id_t *i = tx->inputs;
    *tx = *head;
    tx->outputs = o;
    tx->inputs = i;
    tx->n_inputs = tx->n_outputs = 0;
    tx->job = job;
    tx->job_len = len;
    if (len)
        memcpy(tx->job, p, len);
    return tx;
}

json_t *chain_job_body_to_json(const chain_job_body_t *b)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "job_id", jhex(b->job_id.b, 32));
    switch (b->kind) {
    case CHAIN_TX_JOB_POST: {
        json_object_set_new(j, "module_hash", jhex(b->module_hash.b, 32));
        json_object_set_new(j, "input_commitment", jhex(b->input_commitment.b, 32));
        json_object_set_new(j, "fuel", ju64(b->fuel));
        json_object_set_new(j, "memory_max", ju64(b->memory_max));
        json_object_set_new(j, "deadline", ju64(b->deadline));
        json_object_set_new(j, "payment", ju128(b->payment));
        json_object_set_new(j, "provider_bond", ju128(b->provider_bond));
        json_object_set_new(j, "window", json_integer(b->window));
        json_t *a = json_array();
        for (uint32_t i = 0; i < b->n_allow; i++) {
            char h[41];
            chain_addr_to_hex(&b->allow[i], h);
            json_array_append_new(a, json_string(h));
        }
        json_object_set_new(j, "allow", a);
        json_object_set_new(j, "module_len", json_integer(b->module_len));
        json_object_set_new(j, "input_len", json_integer(b->input_len));
        break;
    }
    case CHAIN_TX_JOB_ACCEPT:
        json_object_set_new(j, "phase_pk", jhex(b->phase_pk, 32));
        json_object_set_new(j, "link_sig", jhex(b->link_sig, 64));
        break;
    case CHAIN_TX_JOB_CLAIM:
        json_object_set_new(j, "receipt", json_stringn((const char *)b->receipt, b->receipt_len));
        break;
    case CHAIN_TX_JOB_CHALLENGE:
        json_object_set_new(j, "challenger_bond", ju128(b->challenger_bond));
        break;
    default:
        break;
    }
    return j;
}

/* ---- the Phase identity <-> account link ---- */

void chain_job_link_message(uint64_t chain_id, const chain_addr_t *account,
                            uint8_t out[CHAIN_JOB_LINK_MSG_BYTES])
{
    size_t d = sizeof CHAIN_JOB_LINK_DOMAIN - 1;
    memcpy(out, CHAIN_JOB_LINK_DOMAIN, d);
    store_le64(out + d, chain_id);
    memcpy(out + d + 8, account->b, CHAIN_ADDR_BYTES);
}

void chain_job_link_sign(uint64_t chain_id, const chain_addr_t *account,
                         const uint8_t phase_sk[64], uint8_t sig[CHAIN_SIG_BYTES])
{
    uint8_t m[CHAIN_JOB_LINK_MSG_BYTES];
    chain_job_link_message(chain_id, account, m);
    crypto_ed25519_sign(phase_sk, m, sizeof m, sig);
}

int chain_job_link_verify(uint64_t chain_id, const chain_addr_t *account,
                          const uint8_t phase_pk[CHAIN_PK_BYTES],
                          const uint8_t sig[CHAIN_SIG_BYTES], err_t *e)
{
    uint8_t m[CHAIN_JOB_LINK_MSG_BYTES];
    chain_job_link_message(chain_id, account, m);
    if (crypto_ed25519_verify(phase_pk, m, sizeof m, sig) == 0)
        return 0;
    char pk[17], a[41];
    hex_encode(phase_pk, 8, pk);
    hex_encode(account->b, CHAIN_ADDR_BYTES, a);
    return err_set(e, CHAIN_ETXINVALID,
                   "tx: link_sig is not Phase key %s...'s signature of the link to account %s "
                   "on chain %llu", pk, a, (unsigned long long)chain_id);
}

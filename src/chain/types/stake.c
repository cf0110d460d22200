/* chain/types: the staking transaction bodies (issue 15): strict parsing,
 * encoding, construction of staking txs and their JSON view. The layout is
 * documented in types.h next to chain_stake_body_t and in docs/staking.md.
 * The rules (who may do what, balances) are chain/exec's. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

bool chain_tx_is_stake(uint8_t kind)
{
    return kind >= CHAIN_TX_STAKE_REGISTER && kind <= CHAIN_TX_STAKE_CLAIM;
}

bool chain_tx_has_body(uint8_t kind)
{
    return chain_tx_is_job(kind) || chain_tx_is_stake(kind);
}

static void rd_commission(rd_t *r, uint16_t *v)
{
    size_t at = r->off;
    if (rd_u16(r, v, "commission_bps") && *v > 10000)
        rd_fail(r, "commission_bps %u at offset %zu is over 10000 (100%%)", *v, at);
}

static void rd_amount(rd_t *r, chain_u128_t *v)
{
    size_t at = r->off;
    if (rd_u128(r, v, "amount") && chain_u128_is_zero(*v))
        rd_fail(r, "amount is zero (offset %zu)", at);
}

int chain_stake_body_parse(uint8_t kind, const uint8_t *p, size_t n, chain_stake_body_t *out,
                           err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!chain_tx_is_stake(kind))
        return err_set(e, CHAIN_EINVAL, "stake: tx kind %u is not a staking kind", kind);
    out->kind = kind;
    rd_t r;
    rd_init(&r, p, n, "stake body", e);
    switch (kind) {
    case CHAIN_TX_STAKE_REGISTER:
        rd_bytes(&r, out->bls_pk, CHAIN_BLS_PK_BYTES, "bls_pk");
        rd_bytes(&r, out->bls_pop, CHAIN_BLS_SIG_BYTES, "bls_pop");
        rd_bytes(&r, out->vrf_pk, CHAIN_VRF_PK_BYTES, "vrf_pk");
        rd_commission(&r, &out->commission_bps);
        rd_u128(&r, &out->min_self_stake, "min_self_stake");
        rd_amount(&r, &out->amount);
        break;
    case CHAIN_TX_STAKE_ADD:
        rd_amount(&r, &out->amount);
        break;
    case CHAIN_TX_STAKE_DELEGATE:
    case CHAIN_TX_STAKE_UNDELEGATE:
        rd_bytes(&r, out->validator.b, 20, "validator");
        rd_amount(&r, &out->amount);
        break;
    case CHAIN_TX_STAKE_REDELEGATE: {
        rd_bytes(&r, out->validator.b, 20, "validator");
        size_t at = r.off;
        if (rd_bytes(&r, out->to.b, 20, "to") && memcmp(out->to.b, out->validator.b, 20) == 0)
            rd_fail(&r, "redelegation to the same validator (offset %zu)", at);
        rd_amount(&r, &out->amount);
        break;
    }
    case CHAIN_TX_STAKE_WITHDRAW:
    case CHAIN_TX_STAKE_CLAIM:
        rd_bytes(&r, out->validator.b, 20, "validator");
        break;
    case CHAIN_TX_STAKE_COMMISSION:
        rd_commission(&r, &out->commission_bps);
        break;
    case CHAIN_TX_STAKE_EVIDENCE: {
        rd_u64(&r, &out->epoch, "epoch");
        size_t at = r.off;
        if (rd_u32(&r, &out->evidence_len, "evidence length") &&
            (out->evidence_len == 0 || out->evidence_len > CHAIN_STAKE_MAX_EVIDENCE)) {
            rd_fail(&r, "evidence of %u bytes at offset %zu, must be 1..%d", out->evidence_len,
                    at, CHAIN_STAKE_MAX_EVIDENCE);
            break;
        }
        out->evidence = rd_take(&r, out->evidence_len, "evidence");
        break;
    }
    default:   /* UNJAIL: empty */
        break;
    }
    if (!rd_end(&r))
        return e && e->code ? e->code : CHAIN_EINVAL;
    return 0;
}

static size_t body_size(const chain_stake_body_t *b)
{
    switch (b->kind) {
    case CHAIN_TX_STAKE_REGISTER:
        return CHAIN_BLS_PK_BYTES + CHAIN_BLS_SIG_BYTES + CHAIN_VRF_PK_BYTES + 2 + 16 + 16;
    case CHAIN_TX_STAKE_ADD: return 16;
    case CHAIN_TX_STAKE_DELEGATE:
    case CHAIN_TX_STAKE_UNDELEGATE: return 20 + 16;
    case CHAIN_TX_STAKE_REDELEGATE: return 20 + 20 + 16;
    case CHAIN_TX_STAKE_WITHDRAW:
    case CHAIN_TX_STAKE_CLAIM: return 20;
    case CHAIN_TX_STAKE_COMMISSION: return 2;
    case CHAIN_TX_STAKE_EVIDENCE: return 8 + 4 + (size_t)b->evidence_len;
    default: return 0;
    }
}

static void body_write(const chain_stake_body_t *b, uint8_t *p)
{
    switch (b->kind) {
    case CHAIN_TX_STAKE_REGISTER:
        memcpy(p, b->bls_pk, CHAIN_BLS_PK_BYTES), p += CHAIN_BLS_PK_BYTES;
        memcpy(p, b->bls_pop, CHAIN_BLS_SIG_BYTES), p += CHAIN_BLS_SIG_BYTES;
        memcpy(p, b->vrf_pk, CHAIN_VRF_PK_BYTES), p += CHAIN_VRF_PK_BYTES;
        store_le16(p, b->commission_bps), p += 2;
        chain_u128_put(p, b->min_self_stake), p += 16;
        chain_u128_put(p, b->amount);
        break;
    case CHAIN_TX_STAKE_ADD:
        chain_u128_put(p, b->amount);
        break;
    case CHAIN_TX_STAKE_DELEGATE:
    case CHAIN_TX_STAKE_UNDELEGATE:
        memcpy(p, b->validator.b, 20), p += 20;
        chain_u128_put(p, b->amount);
        break;
    case CHAIN_TX_STAKE_REDELEGATE:
        memcpy(p, b->validator.b, 20), p += 20;
        memcpy(p, b->to.b, 20), p += 20;
        chain_u128_put(p, b->amount);
        break;
    case CHAIN_TX_STAKE_WITHDRAW:
    case CHAIN_TX_STAKE_CLAIM:
        memcpy(p, b->validator.b, 20);
        break;
    case CHAIN_TX_STAKE_COMMISSION:
        store_le16(p, b->commission_bps);
        break;
    case CHAIN_TX_STAKE_EVIDENCE:
        store_le64(p, b->epoch), p += 8;
        store_le32(p, b->evidence_len), p += 4;
        if (b->evidence_len)
            memcpy(p, b->evidence, b->evidence_len);
        break;
    default:
        break;
    }
}

int chain_stake_body_encode(const chain_stake_body_t *b, buf_t *out)
{
    if (!chain_tx_is_stake(b->kind) || b->evidence_len > CHAIN_STAKE_MAX_EVIDENCE)
        return CHAIN_EINVAL;
    uint8_t tmp[CHAIN_STAKE_MAX_BODY];
    body_write(b, tmp);
    return buf_append(out, tmp, body_size(b)) == 0 ? 0 : CHAIN_ENOMEM;
}

chain_tx_t *chain_tx_new_stake(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                               uint64_t nonce, chain_u128_t fee, const chain_stake_body_t *b,
                               err_t *e)
{
    if (!chain_tx_is_stake(b->kind) || b->evidence_len > CHAIN_STAKE_MAX_EVIDENCE) {
        err_set(e, CHAIN_EINVAL, "stake: kind %u or %u evidence bytes out of bounds", b->kind,
                b->evidence_len);
        return NULL;
    }
    size_t n = body_size(b);
    chain_tx_t *tx = calloc(1, sizeof(chain_tx_t) + n);
    if (!tx) {
        err_set(e, CHAIN_ENOMEM, "tx: out of memory");
        return NULL;
    }
    tx->outputs = (chain_utxo_t *)(tx + 1);
    tx->inputs = (chain_utxo_id_t *)(tx + 1);
    tx->job = n ? (uint8_t *)(tx + 1) : NULL;
    tx->job_len = (uint32_t)n;
    tx->kind = b->kind;
    tx->chain_id = chain_id;
    memcpy(tx->sender_pk, sender_pk, CHAIN_PK_BYTES);
    tx->nonce = nonce;
    tx->fee = fee;
    if (n)
        body_write(b, tx->job);
    chain_stake_body_t check;
    if (chain_stake_body_parse(tx->kind, tx->job, tx->job_len, &check, e) != 0) {
        free(tx);
        return NULL;
    }
    chain_tx_finalize(tx);
    return tx;
}

json_t *chain_stake_body_to_json(const chain_stake_body_t *b)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    char a[41];
    switch (b->kind) {
    case CHAIN_TX_STAKE_REGISTER:
        json_object_set_new(j, "bls_pk", jhex(b->bls_pk, CHAIN_BLS_PK_BYTES));
        json_object_set_new(j, "bls_pop", jhex(b->bls_pop, CHAIN_BLS_SIG_BYTES));
        json_object_set_new(j, "vrf_pk", jhex(b->vrf_pk, CHAIN_VRF_PK_BYTES));
        json_object_set_new(j, "commission_bps", json_integer(b->commission_bps));
        json_object_set_new(j, "min_self_stake", ju128(b->min_self_stake));
        json_object_set_new(j, "amount", ju128(b->amount));
        break;
    case CHAIN_TX_STAKE_ADD:
        json_object_set_new(j, "amount", ju128(b->amount));
        break;
    case CHAIN_TX_STAKE_DELEGATE:
    case CHAIN_TX_STAKE_UNDELEGATE:
    case CHAIN_TX_STAKE_REDELEGATE:
        chain_addr_to_hex(&b->validator, a);
        json_object_set_new(j, "validator", json_string(a));
        if (b->kind == CHAIN_TX_STAKE_REDELEGATE) {
            chain_addr_to_hex(&b->to, a);
            json_object_set_new(j, "to", json_string(a));
        }
        json_object_set_new(j, "amount", ju128(b->amount));
        break;
    case CHAIN_TX_STAKE_WITHDRAW:
    case CHAIN_TX_STAKE_CLAIM:
        chain_addr_to_hex(&b->validator, a);
        json_object_set_new(j, "validator", json_string(a));
        break;
    case CHAIN_TX_STAKE_COMMISSION:
        json_object_set_new(j, "commission_bps", json_integer(b->commission_bps));
        break;
    case CHAIN_TX_STAKE_EVIDENCE:
        json_object_set_new(j, "epoch", ju64(b->epoch));
        json_object_set_new(j, "evidence", jhex(b->evidence, b->evidence_len));
        break;
    default:
        break;
    }
    return j;
}

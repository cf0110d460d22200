/* chain/types: receipts, block headers and blocks — canonical encodings,
 * strict decoders, hashes, the RFC 6962 Merkle roots over tx and receipt
 * hashes, proposer signatures, and JSON views for the RPC. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- receipts ---- */

static const char *const status_names[] = {
    "ok",         "insufficient_balance", "utxo_missing", "utxo_not_owned",
    "utxo_underfunded", "overflow",     "job_refused",  "stake_refused",
    "revert",     "out_of_gas",           "trap",         "no_contract",
    "bad_code",
};

const char *chain_status_name(uint8_t status)
{
    return status <= CHAIN_STATUS_MAX_ ? status_names[status] : "unknown";
}

void chain_receipt_clear(chain_receipt_t *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->n_logs; i++)
        free(r->logs[i].data);
    free(r->logs);
    free(r->ret);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

void chain_receipts_free(chain_receipt_t *rs, size_t n)
{
    if (!rs)
        return;
    for (size_t i = 0; i < n; i++)
        chain_receipt_clear(&rs[i]);
    free(rs);
}

int chain_receipt_set_reason(chain_receipt_t *r, const char *s)
{
    size_t n = strnlen(s, CHAIN_MAX_REASON_BYTES);
    char *p = malloc(n + 1);
    if (!p)
        return CHAIN_ENOMEM;
    memcpy(p, s, n);
    p[n] = 0;
    free(r->reason);
    r->reason = p;
    return 0;
}

static void put_u32(buf_t *out, uint32_t v, int *rc)
{
    uint8_t b[4];
    store_le32(b, v);
    *rc |= buf_append(out, b, 4);
}

int chain_receipt_encode(const chain_receipt_t *r, buf_t *out)
{
    uint8_t head[32 + 1 + 16 + 8 + 20];
    memcpy(head, r->tx_hash.b, 32);
    head[32] = r->status;
    chain_u128_put(head + 33, r->fee_paid);
    store_le64(head + 49, r->gas_used);
    memcpy(head + 57, r->contract.b, 20);
    int rc = buf_append(out, head, sizeof head);
    put_u32(out, r->ret_len, &rc);
    rc |= buf_append(out, r->ret, r->ret_len);
    put_u32(out, r->n_logs, &rc);
    for (uint32_t i = 0; i < r->n_logs; i++) {
        const chain_log_t *l = &r->logs[i];
        uint8_t t = l->has_topic;
        rc |= buf_append(out, l->address.b, 20);
        rc |= buf_append(out, &t, 1);
        if (l->has_topic)
            rc |= buf_append(out, l->topic.b, 32);
        put_u32(out, l->len, &rc);
        rc |= buf_append(out, l->data, l->len);
    }
    uint32_t rl = r->reason ? (uint32_t)strlen(r->reason) : 0;
    put_u32(out, rl, &rc);
    rc |= buf_append(out, r->reason, rl);
    return rc == 0 ? 0 : CHAIN_ENOMEM;
}

/* A copy of [p, p+n) (NULL for n = 0); false when out of memory. */
static bool dup_bytes(rd_t *r, const uint8_t *p, uint32_t n, uint8_t **out)
{
    *out = NULL;
    if (!p || n == 0)
        return p != NULL || r->failed;
    if (!(*out = malloc(n)))
        return rd_fail(r, "out of memory");
    memcpy(*out, p, n);
    return true;
}

int chain_receipt_decode(const uint8_t *in, size_t n, chain_receipt_t *out, err_t *e)
{
    rd_t r;
    memset(out, 0, sizeof *out);
    rd_init(&r, in, n, "receipt", e);
    rd_bytes(&r, out->tx_hash.b, 32, "tx_hash");
    if (rd_u8(&r, &out->status, "status") && out->status > CHAIN_STATUS_MAX_)
        rd_fail(&r, "unknown status %u at offset 32", out->status);
    rd_u128(&r, &out->fee_paid, "fee_paid");
    rd_u64(&r, &out->gas_used, "gas_used");
    rd_bytes(&r, out->contract.b, 20, "contract");
    uint32_t len = 0;
    size_t at = r.off;
    if (rd_u32(&r, &len, "ret_len") && len > CHAIN_MAX_RETURN_BYTES)
        rd_fail(&r, "ret_len %u at offset %zu exceeds %d", len, at, CHAIN_MAX_RETURN_BYTES);
    if (!r.failed) {
        out->ret_len = len;
        dup_bytes(&r, rd_take(&r, len, "return data"), len, &out->ret);
    }
    at = r.off;
    uint32_t nl = 0;
    if (rd_u32(&r, &nl, "n_logs") && nl > CHAIN_MAX_RECEIPT_LOGS)
        rd_fail(&r, "n_logs %u at offset %zu exceeds %d", nl, at, CHAIN_MAX_RECEIPT_LOGS);
    /* each log takes at least 29 bytes: refuse a count the input cannot hold */
    if (!r.failed && (size_t)nl * 29 > n - r.off)
        rd_fail(&r, "n_logs %u at offset %zu: input too short", nl, at);
    if (!r.failed && nl && !(out->logs = calloc(nl, sizeof *out->logs)))
        rd_fail(&r, "out of memory");
    for (uint32_t i = 0; i < nl && !r.failed; i++) {
        chain_log_t *l = &out->logs[i];
        out->n_logs = i + 1;
        uint8_t t = 0;
        rd_bytes(&r, l->address.b, 20, "log address");
        at = r.off;
        if (rd_u8(&r, &t, "log has_topic") && t > 1)
            rd_fail(&r, "log %u: has_topic %u at offset %zu is not 0 or 1", i, t, at);
        l->has_topic = t == 1;
        if (l->has_topic)
            rd_bytes(&r, l->topic.b, 32, "log topic");
        at = r.off;
        if (rd_u32(&r, &len, "log len") && len > CHAIN_MAX_LOG_BYTES)
            rd_fail(&r, "log %u: len %u at offset %zu exceeds %d", i, len, at,
                    CHAIN_MAX_LOG_BYTES);
        if (!r.failed) {
            l->len = len;
            dup_bytes(&r, rd_take(&r, len, "log data"), len, &l->data);
        }
    }
    at = r.off;
    if (rd_u32(&r, &len, "reason_len") && len > CHAIN_MAX_REASON_BYTES)
        rd_fail(&r, "reason_len %u at offset %zu exceeds %d", len, at, CHAIN_MAX_REASON_BYTES);
    const uint8_t *rs = r.failed ? NULL : rd_take(&r, len, "reason");
    if (rs && len) {
        if (memchr(rs, 0, len))
            rd_fail(&r, "reason at offset %zu contains a NUL byte", at + 4);
        else if (!(out->reason = malloc(len + 1)))
            rd_fail(&r, "out of memory");
        else {
            memcpy(out->reason, rs, len);
            out->reason[len] = 0;
        }
    }
    if (!rd_end(&r)) {
        chain_receipt_clear(out);
        return CHAIN_EINVAL;
    }
    return 0;
}

void chain_receipt_hash(const chain_receipt_t *r, chain_hash_t *out)
{
    buf_t b;
    buf_init(&b, 0);
    if (chain_receipt_encode(r, &b) != 0) {
        /* out of memory: a hash that cannot match any real receipt */
        memset(out->b, 0xff, 32);
        buf_free(&b);
        return;
    }
    crypto_sha256(b.data, b.len, out->b);
    buf_free(&b);
}

json_t *chain_log_to_json(const chain_log_t *l)
{
    return json_pack("{s:o,s:o,s:o}", "address", jhex(l->address.b, 20), "topic",
                     l->has_topic ? jhex(l->topic.b, 32) : json_null(), "data",
                     jhex(l->data, l->len));
}

json_t *chain_receipt_to_json(const chain_receipt_t *r)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "tx_hash", jhex(r->tx_hash.b, 32));
    json_object_set_new(j, "status", json_string(chain_status_name(r->status)));
    json_object_set_new(j, "success", json_boolean(r->status == CHAIN_STATUS_OK));
    json_object_set_new(j, "fee_paid", ju128(r->fee_paid));
    json_object_set_new(j, "gas_used", ju64(r->gas_used));
    static const uint8_t zero[20];
    if (memcmp(r->contract.b, zero, 20) != 0 || r->gas_used) {
        json_object_set_new(j, "contract", jhex(r->contract.b, 20));
        json_object_set_new(j, "return_data", jhex(r->ret, r->ret_len));
        json_t *logs = json_array();
        for (uint32_t i = 0; i < r->n_logs; i++)
            json_array_append_new(logs, chain_log_to_json(&r->logs[i]));
        json_object_set_new(j, "logs", logs);
        json_object_set_new(j, "revert_reason", r->reason ? json_string(r->reason) : json_null());
    }
    return j;
}

/* ---- headers ---- */

static void header_write(const chain_header_t *h, uint8_t out[CHAIN_HEADER_BYTES])
{
    uint8_t *p = out;
    store_le32(p, h->version), p += 4;
    store_le64(p, h->chain_id), p += 8;
    store_le64(p, h->height), p += 8;
    store_le64(p, h->timestamp_ms), p += 8;
    memcpy(p, h->parent_hash.b, 32), p += 32;
    memcpy(p, h->state_root.b, 32), p += 32;
    memcpy(p, h->txs_root.b, 32), p += 32;
    memcpy(p, h->receipts_root.b, 32), p += 32;
    memcpy(p, h->proposer_pk, 32), p += 32;
    store_le32(p, h->n_txs), p += 4;
    store_le64(p, h->gas_used), p += 8;
    chain_u128_put(p, h->base_fee);
}

int chain_header_encode(const chain_header_t *h, buf_t *out)
{
    uint8_t tmp[CHAIN_HEADER_BYTES];
    header_write(h, tmp);
    return buf_append(out, tmp, sizeof tmp) == 0 ? 0 : CHAIN_ENOMEM;
}

static bool header_read(rd_t *r, chain_header_t *h)
{
    size_t at = r->off;
    if (rd_u32(r, &h->version, "version") && h->version != CHAIN_BLOCK_VERSION)
        return rd_fail(r, "unsupported version %u at offset %zu", h->version, at);
    rd_u64(r, &h->chain_id, "chain_id");
    rd_u64(r, &h->height, "height");
    rd_u64(r, &h->timestamp_ms, "timestamp_ms");
    rd_bytes(r, h->parent_hash.b, 32, "parent_hash");
    rd_bytes(r, h->state_root.b, 32, "state_root");
    rd_bytes(r, h->txs_root.b, 32, "txs_root");
    rd_bytes(r, h->receipts_root.b, 32, "receipts_root");
    rd_bytes(r, h->proposer_pk, 32, "proposer_pk");
    at = r->off;
    if (rd_u32(r, &h->n_txs, "n_txs") && h->n_txs > CHAIN_MAX_BLOCK_TXS)
        return rd_fail(r, "%u transactions at offset %zu, at most %d", h->n_txs, at,
                       CHAIN_MAX_BLOCK_TXS);
    rd_u64(r, &h->gas_used, "gas_used");
    rd_u128(r, &h->base_fee, "base_fee");
    return !r->failed;
}

int chain_header_decode(const uint8_t *in, size_t n, chain_header_t *out, err_t *e)
{
    rd_t r;
    rd_init(&r, in, n, "header", e);
    header_read(&r, out);
    return rd_end(&r) ? 0 : CHAIN_EINVAL;
}

void chain_header_hash(const chain_header_t *h, chain_hash_t *out)
{
    uint8_t tmp[CHAIN_HEADER_BYTES];
    header_write(h, tmp);
    crypto_sha256(tmp, sizeof tmp, out->b);
}

json_t *chain_header_to_json(const chain_header_t *h)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    chain_hash_t hash;
    chain_header_hash(h, &hash);
    chain_addr_t prop;
    chain_addr_from_pk(h->proposer_pk, &prop);
    json_object_set_new(j, "hash", jhex(hash.b, 32));
    json_object_set_new(j, "version", json_integer(h->version));
    json_object_set_new(j, "chain_id", ju64(h->chain_id));
    json_object_set_new(j, "height", ju64(h->height));
    json_object_set_new(j, "timestamp_ms", ju64(h->timestamp_ms));
    json_object_set_new(j, "parent_hash", jhex(h->parent_hash.b, 32));
    json_object_set_new(j, "state_root", jhex(h->state_root.b, 32));
    json_object_set_new(j, "txs_root", jhex(h->txs_root.b, 32));
    json_object_set_new(j, "receipts_root", jhex(h->receipts_root.b, 32));
    json_object_set_new(j, "proposer_pk", jhex(h->proposer_pk, 32));
    json_object_set_new(j, "proposer", jhex(prop.b, 20));
    json_object_set_new(j, "n_txs", json_integer(h->n_txs));
    json_object_set_new(j, "gas_used", ju64(h->gas_used));
    json_object_set_new(j, "base_fee", ju128(h->base_fee));
    return j;
}

/* ---- Merkle roots (RFC 6962 §2.1) ---- */

static void node_of(const chain_hash_t *l, const chain_hash_t *r, chain_hash_t *out)
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, l->b, 32);
    memcpy(buf + 33, r->b, 32);
    crypto_sha256(buf, sizeof buf, out->b);
}

static void leaf_of(const chain_hash_t *d, chain_hash_t *out)
{
    uint8_t buf[33];
    buf[0] = 0x00;
    memcpy(buf + 1, d->b, 32);
    crypto_sha256(buf, sizeof buf, out->b);
}

static size_t split_point(size_t n)   /* largest power of two < n */
{
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* One recursion for both leaf sources: hashes or tx pointers. */
static void mth(const chain_hash_t *d, chain_tx_t *const *txs, size_t n, chain_hash_t *out)
{
    if (n == 1) {
        leaf_of(d ? &d[0] : &txs[0]->hash, out);
        return;
    }
    size_t k = split_point(n);
    chain_hash_t l, r;
    mth(d, txs, k, &l);
    mth(d ? d + k : NULL, txs ? txs + k : NULL, n - k, &r);
    node_of(&l, &r, out);
}

void chain_merkle_root(const chain_hash_t *leaves, size_t n, chain_hash_t *out)
{
    if (n == 0) {
        crypto_sha256("", 0, out->b);
        return;
    }
    mth(leaves, NULL, n, out);
}

void chain_txs_root(chain_tx_t *const *txs, size_t n, chain_hash_t *out)
{
    if (n == 0) {
        crypto_sha256("", 0, out->b);
        return;
    }
    mth(NULL, txs, n, out);
}

/* ---- blocks ---- */

chain_block_t *chain_block_new(void)
{
    chain_block_t *b = calloc(1, sizeof *b);
    if (b)
        b->header.version = CHAIN_BLOCK_VERSION;
    return b;
}

void chain_block_free(chain_block_t *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->n_txs; i++)
        chain_tx_free(b->txs[i]);
    free(b->txs);
    free(b);
}

int chain_block_add_tx(chain_block_t *b, chain_tx_t *tx, err_t *e)
{
    if (b->n_txs >= CHAIN_MAX_BLOCK_TXS) {
        chain_tx_free(tx);
        return err_set(e, CHAIN_EINVAL, "block: more than %d transactions", CHAIN_MAX_BLOCK_TXS);
    }
    if ((b->n_txs & (b->n_txs - 1)) == 0) {   /* grow at powers of two */
        size_t cap = b->n_txs ? 2 * (size_t)b->n_txs : 16;
        chain_tx_t **t = realloc(b->txs, cap * sizeof *t);
        if (!t) {
            chain_tx_free(tx);
            return err_set(e, CHAIN_ENOMEM, "block: out of memory");
        }
        b->txs = t;
    }
    b->txs[b->n_txs++] = tx;
    return 0;
}

void chain_block_seal(chain_block_t *b, const uint8_t sk[CRYPTO_ED25519_SK_BYTES])
{
    b->header.n_txs = b->n_txs;
    chain_txs_root(b->txs, b->n_txs, &b->header.txs_root);
    memcpy(b->header.proposer_pk, sk + 32, 32);
    chain_header_hash(&b->header, &b->hash);
    crypto_ed25519_sign(sk, b->hash.b, 32, b->sig);
}

int chain_block_check(const chain_block_t *b, err_t *e)
{
    chain_hash_t h, root;
    if (b->header.n_txs != b->n_txs)
        return err_set(e, CHAIN_EBLOCK, "block: header says %u txs, body has %u", b->header.n_txs,
                       b->n_txs);
    chain_txs_root(b->txs, b->n_txs, &root);
    if (!chain_hash_equal(&root, &b->header.txs_root))
        return err_set(e, CHAIN_EBLOCK, "block %llu: txs_root does not match the transactions",
                       (unsigned long long)b->header.height);
    chain_header_hash(&b->header, &h);
    if (b->header.height == 0) {
        static const uint8_t zero[CHAIN_SIG_BYTES];
        if (memcmp(b->sig, zero, sizeof zero) != 0 || b->n_txs != 0)
            return err_set(e, CHAIN_EBLOCK, "block 0: genesis must be unsigned and empty");
        return 0;
    }
    if (crypto_ed25519_verify(b->header.proposer_pk, h.b, 32, b->sig) != 0)
        return err_set(e, CHAIN_EBLOCK, "block %llu: proposer signature does not verify",
                       (unsigned long long)b->header.height);
    return 0;
}

int chain_block_encode(const chain_block_t *b, buf_t *out)
{
    uint8_t tmp[CHAIN_HEADER_BYTES];
    header_write(&b->header, tmp);
    buf_append(out, tmp, sizeof tmp);
    buf_append(out, b->sig, CHAIN_SIG_BYTES);
    buf_append_u32_le(out, b->n_txs);
    for (uint32_t i = 0; i < b->n_txs; i++) {
        const chain_tx_t *tx = b->txs[i];
        buf_append_u32_le(out, (uint32_t)chain_tx_encoded_size(tx));
        if (chain_tx_encode(tx, true, out) != 0)
            return buf_ok(out) ? CHAIN_EINVAL : CHAIN_ENOMEM;
    }
    return buf_ok(out) ? 0 : CHAIN_ENOMEM;
}

chain_block_t *chain_block_decode(const uint8_t *in, size_t n, err_t *e)
{
    if (n > CHAIN_MAX_BLOCK_BYTES) {
        err_set(e, CHAIN_EINVAL, "block: %zu bytes, at most %u", n, CHAIN_MAX_BLOCK_BYTES);
        return NULL;
    }
    rd_t r;
    rd_init(&r, in, n, "block", e);
    chain_block_t *b = chain_block_new();
    if (!b) {
        err_set(e, CHAIN_ENOMEM, "block: out of memory");
        return NULL;
    }
    uint32_t n_txs = 0;
    size_t at;
    if (!header_read(&r, &b->header) || !rd_bytes(&r, b->sig, CHAIN_SIG_BYTES, "signature"))
        goto fail;
    at = r.off;
    if (!rd_u32(&r, &n_txs, "tx count"))
        goto fail;
    if (n_txs != b->header.n_txs) {
        rd_fail(&r, "tx count %u at offset %zu differs from header n_txs %u", n_txs, at,
                b->header.n_txs);
        goto fail;
    }
    /* every tx needs at least 4 + 121 bytes: bound the allocation by the input */
    if ((size_t)n_txs > (n - r.off) / 125) {
        rd_fail(&r, "tx count %u at offset %zu cannot fit in %zu bytes", n_txs, at, n - r.off);
        goto fail;
    }
    if (n_txs) {
        b->txs = malloc((size_t)n_txs * sizeof *b->txs);
        if (!b->txs) {
            err_set(e, CHAIN_ENOMEM, "block: out of memory");
            goto fail;
        }
    }
    for (uint32_t i = 0; i < n_txs; i++) {
        uint32_t len = 0;
        at = r.off;
        if (!rd_u32(&r, &len, "tx length"))
            goto fail;
        const uint8_t *p = rd_take(&r, len, "tx");
        if (!p)
            goto fail;
        err_t te = {0};
        chain_tx_t *tx = chain_tx_decode(p, len, &te);
        if (!tx) {
            rd_fail(&r, "tx %u at offset %zu: %s", i, at + 4, te.msg);
            goto fail;
        }
        b->txs[b->n_txs++] = tx;
    }
    if (!rd_end(&r))
        goto fail;
    chain_header_hash(&b->header, &b->hash);
    return b;
fail:
    chain_block_free(b);
    return NULL;
}

json_t *chain_block_to_json(const chain_block_t *b, bool full)
{
    json_t *j = chain_header_to_json(&b->header);
    if (!j)
        return NULL;
    json_object_set_new(j, "sig", jhex(b->sig, CHAIN_SIG_BYTES));
    json_t *txs = json_array();
    for (uint32_t i = 0; i < b->n_txs; i++)
        json_array_append_new(txs, full ? chain_tx_to_json(b->txs[i])
                                        : jhex(b->txs[i]->hash.b, 32));
    json_object_set_new(j, "transactions", txs);
    return j;
}

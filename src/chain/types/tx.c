/* chain/types: transactions — construction, the canonical encoding (see
 * types.h), strict decoding, hashing, Ed25519 signing and (batched,
 * multi-threaded) verification, and the JSON view.
 *
 * A tx lives in one allocation: the struct, then its outputs, then its
 * inputs, so the mempool can keep, copy and free txs without tracking the
 * arrays separately. */
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/ecvrf/ecvrf.h"

static size_t tx_alloc_size(uint32_t n_in, uint32_t n_out, uint32_t n_code, uint32_t n_input)
{
    return sizeof(chain_tx_t) + (size_t)n_out * sizeof(chain_utxo_t) +
           (size_t)n_in * sizeof(chain_utxo_id_t) + n_code + n_input;
}

/* Points the arrays of tx (already sized) into its own allocation. */
static void tx_fix_pointers(chain_tx_t *tx)
{
    tx->outputs = (chain_utxo_t *)(tx + 1);
    tx->inputs = (chain_utxo_id_t *)(tx->outputs + tx->n_outputs);
    uint8_t *bytes = (uint8_t *)(tx->inputs + tx->n_inputs);
    tx->code = tx->code_len ? bytes : NULL;
    tx->input = tx->input_len ? bytes + tx->code_len : NULL;
    tx->job = tx->job_len ? bytes + tx->code_len + tx->input_len : NULL;   /* job kinds */
}

static chain_tx_t *tx_alloc_ex(uint32_t n_in, uint32_t n_out, uint32_t n_code, uint32_t n_input)
{
    chain_tx_t *tx = calloc(1, tx_alloc_size(n_in, n_out, n_code, n_input));
    if (!tx)
        return NULL;
    tx->n_inputs = n_in;
    tx->n_outputs = n_out;
    tx->code_len = n_code;
    tx->input_len = n_input;
    tx_fix_pointers(tx);
    return tx;
}

static chain_tx_t *tx_alloc(uint32_t n_in, uint32_t n_out)
{
    return tx_alloc_ex(n_in, n_out, 0, 0);
}

void chain_tx_free(chain_tx_t *tx)
{
    free(tx);
}

chain_tx_t *chain_tx_dup(const chain_tx_t *tx)
{
    if (!tx)
        return NULL;
    size_t sz = tx_alloc_size(tx->n_inputs, tx->n_outputs, tx->code_len, tx->input_len) +
                tx->job_len;
    chain_tx_t *c = malloc(sz);
    if (!c)
        return NULL;
    memcpy(c, tx, sizeof *tx);
    tx_fix_pointers(c);
    if (tx->job_len)
        memcpy(c->job, tx->job, tx->job_len);
    if (c->n_outputs)
        memcpy(c->outputs, tx->outputs, c->n_outputs * sizeof(chain_utxo_t));
    if (c->n_inputs)
        memcpy(c->inputs, tx->inputs, c->n_inputs * sizeof(chain_utxo_id_t));
    if (c->code_len)
        memcpy(c->code, tx->code, c->code_len);
    if (c->input_len)
        memcpy(c->input, tx->input, c->input_len);
    return c;
}

chain_tx_t *chain_tx_new_transfer(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                                  uint64_t nonce, chain_u128_t fee, const chain_addr_t *to,
                                  chain_u128_t amount)
{
    chain_tx_t *tx = tx_alloc(0, 0);
    if (!tx)
        return NULL;
    tx->kind = CHAIN_TX_TRANSFER;
    tx->chain_id = chain_id;
    memcpy(tx->sender_pk, sender_pk, CHAIN_PK_BYTES);
    tx->nonce = nonce;
    tx->fee = fee;
    tx->to = *to;
    tx->amount = amount;
    chain_tx_finalize(tx);
    return tx;
}

static int id_cmp_q(const void *a, const void *b)
{
    return chain_utxo_id_cmp(a, b);
}

chain_tx_t *chain_tx_new_utxo(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                              uint64_t nonce, chain_u128_t fee, chain_u128_t from_balance,
                              const chain_utxo_id_t *inputs, uint32_t n_inputs,
                              const chain_utxo_t *outputs, uint32_t n_outputs, err_t *e)
{
    if (n_inputs > CHAIN_MAX_TX_INPUTS) {
        err_set(e, CHAIN_EINVAL, "tx: %u inputs, at most %d", n_inputs, CHAIN_MAX_TX_INPUTS);
        return NULL;
    }
    if (n_outputs > CHAIN_MAX_TX_OUTPUTS) {
        err_set(e, CHAIN_EINVAL, "tx: %u outputs, at most %d", n_outputs, CHAIN_MAX_TX_OUTPUTS);
        return NULL;
    }
    chain_tx_t *tx = tx_alloc(n_inputs, n_outputs);
    if (!tx) {
        err_set(e, CHAIN_ENOMEM, "tx: out of memory");
        return NULL;
    }
    tx->kind = CHAIN_TX_UTXO;
    tx->chain_id = chain_id;
    memcpy(tx->sender_pk, sender_pk, CHAIN_PK_BYTES);
    tx->nonce = nonce;
    tx->fee = fee;
    tx->from_balance = from_balance;
    if (n_inputs)
        memcpy(tx->inputs, inputs, n_inputs * sizeof *inputs);
    if (n_outputs)
        memcpy(tx->outputs, outputs, n_outputs * sizeof *outputs);
    qsort(tx->inputs, n_inputs, sizeof *tx->inputs, id_cmp_q);
    for (uint32_t i = 1; i < n_inputs; i++) {
        if (chain_utxo_id_cmp(&tx->inputs[i - 1], &tx->inputs[i]) == 0) {
            err_set(e, CHAIN_EINVAL, "tx: input %u is listed twice", tx->inputs[i].index);
            free(tx);
            return NULL;
        }
    }
    chain_tx_finalize(tx);
    return tx;
}

static int contract_lens_ok(uint32_t code_len, uint32_t input_len, bool deploy, err_t *e)
{
    if (deploy && (code_len < 8 || code_len > CHAIN_MAX_CODE_BYTES))
        return err_set(e, CHAIN_EINVAL, "tx: code of %u bytes, need 8..%d", code_len,
                       CHAIN_MAX_CODE_BYTES);
    if (input_len > CHAIN_MAX_INPUT_BYTES)
        return err_set(e, CHAIN_EINVAL, "tx: input of %u bytes, at most %d", input_len,
                       CHAIN_MAX_INPUT_BYTES);
    return 0;
}

static chain_tx_t *contract_tx(uint8_t kind, uint64_t chain_id, const uint8_t *sender_pk,
                               uint64_t nonce, chain_u128_t fee, chain_u128_t value,
                               uint64_t gas_limit, chain_u128_t gas_price, const uint8_t *code,
                               uint32_t code_len, const uint8_t *input, uint32_t input_len,
                               err_t *e)
{
    if (contract_lens_ok(code_len, input_len, kind == CHAIN_TX_DEPLOY, e))
        return NULL;
    chain_tx_t *tx = tx_alloc_ex(0, 0, code_len, input_len);
    if (!tx) {
        err_set(e, CHAIN_ENOMEM, "tx: out of memory");
        return NULL;
    }
    tx->kind = kind;
    tx->chain_id = chain_id;
    memcpy(tx->sender_pk, sender_pk, CHAIN_PK_BYTES);
    tx->nonce = nonce;
    tx->fee = fee;
    tx->value = value;
    tx->gas_limit = gas_limit;
    tx->gas_price = gas_price;
    if (code_len)
        memcpy(tx->code, code, code_len);
    if (input_len)
        memcpy(tx->input, input, input_len);
    chain_tx_finalize(tx);
    return tx;
}

chain_tx_t *chain_tx_new_deploy(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                                uint64_t nonce, chain_u128_t fee, chain_u128_t value,
                                uint64_t gas_limit, chain_u128_t gas_price, const uint8_t *code,
                                uint32_t code_len, const uint8_t *input, uint32_t input_len,
                                err_t *e)
{
    return contract_tx(CHAIN_TX_DEPLOY, chain_id, sender_pk, nonce, fee, value, gas_limit,
                       gas_price, code, code_len, input, input_len, e);
}

chain_tx_t *chain_tx_new_call(uint64_t chain_id, const uint8_t sender_pk[CHAIN_PK_BYTES],
                              uint64_t nonce, chain_u128_t fee, const chain_addr_t *contract,
                              chain_u128_t value, uint64_t gas_limit, chain_u128_t gas_price,
                              const uint8_t *input, uint32_t input_len, err_t *e)
{
    chain_tx_t *tx = contract_tx(CHAIN_TX_CALL, chain_id, sender_pk, nonce, fee, value,
                                 gas_limit, gas_price, NULL, 0, input, input_len, e);
    if (tx) {
        tx->to = *contract;
        chain_tx_finalize(tx);
    }
    return tx;
}

void chain_contract_address(const chain_addr_t *deployer, uint64_t nonce, chain_addr_t *out)
{
    static const char dom[] = "aether-contract:v1";
    uint8_t buf[sizeof dom - 1 + CHAIN_ADDR_BYTES + 8], h[32];
    memcpy(buf, dom, sizeof dom - 1);
    memcpy(buf + sizeof dom - 1, deployer->b, CHAIN_ADDR_BYTES);
    store_le64(buf + sizeof dom - 1 + CHAIN_ADDR_BYTES, nonce);
    crypto_sha256(buf, sizeof buf, h);
    memcpy(out->b, h, CHAIN_ADDR_BYTES);
}

chain_u128_t chain_tx_contract_max_cost(const chain_tx_t *tx)
{
    chain_u128_t gas = chain_u128_mul_u64_sat(tx->gas_price, tx->gas_limit);
    return chain_u128_add_sat(chain_u128_add_sat(tx->fee, gas), tx->value);
}

/* Writes the encoding into out (chain_tx_encoded_size bytes, which the
 * codec bounds keep within CHAIN_MAX_TX_BYTES); returns its length. */
static size_t tx_write(const chain_tx_t *tx, uint8_t *out, bool with_sig)
{
    uint8_t *p = out;
    *p++ = tx->kind;
    store_le64(p, tx->chain_id), p += 8;
    memcpy(p, tx->sender_pk, 32), p += 32;
    store_le64(p, tx->nonce), p += 8;
    chain_u128_put(p, tx->fee), p += 16;
    if (tx->kind == CHAIN_TX_TRANSFER) {
        memcpy(p, tx->to.b, 20), p += 20;
        chain_u128_put(p, tx->amount), p += 16;
    } else if (tx->kind == CHAIN_TX_UTXO) {
        chain_u128_put(p, tx->from_balance), p += 16;
        store_le32(p, tx->n_inputs), p += 4;
        for (uint32_t i = 0; i < tx->n_inputs; i++) {
            memcpy(p, tx->inputs[i].tx_hash.b, 32), p += 32;
            store_le32(p, tx->inputs[i].index), p += 4;
        }
        store_le32(p, tx->n_outputs), p += 4;
        for (uint32_t i = 0; i < tx->n_outputs; i++) {
            memcpy(p, tx->outputs[i].owner.b, 20), p += 20;
            chain_u128_put(p, tx->outputs[i].amount), p += 16;
        }
    } else if (chain_tx_has_body(tx->kind)) {
        store_le32(p, tx->job_len), p += 4;
        if (tx->job_len)
            memcpy(p, tx->job, tx->job_len), p += tx->job_len;
    } else {   /* DEPLOY, CALL */
        if (tx->kind == CHAIN_TX_CALL)
            memcpy(p, tx->to.b, 20), p += 20;
        chain_u128_put(p, tx->value), p += 16;
        store_le64(p, tx->gas_limit), p += 8;
        chain_u128_put(p, tx->gas_price), p += 16;
        if (tx->kind == CHAIN_TX_DEPLOY) {
            store_le32(p, tx->code_len), p += 4;
            if (tx->code_len)
                memcpy(p, tx->code, tx->code_len), p += tx->code_len;
        }
        store_le32(p, tx->input_len), p += 4;
        if (tx->input_len)
            memcpy(p, tx->input, tx->input_len), p += tx->input_len;
    }
    if (with_sig)
        memcpy(p, tx->sig, 64), p += 64;
    return (size_t)(p - out);
}

size_t chain_tx_encoded_size(const chain_tx_t *tx)
{
    size_t n = 1 + 8 + 32 + 8 + 16 + 64;
    if (tx->kind == CHAIN_TX_TRANSFER)
        n += 36;
    else if (tx->kind == CHAIN_TX_UTXO)
        n += 16 + 4 + 36 * (size_t)tx->n_inputs + 4 + 36 * (size_t)tx->n_outputs;
    else if (tx->kind == CHAIN_TX_DEPLOY)
        n += 16 + 8 + 16 + 4 + (size_t)tx->code_len + 4 + tx->input_len;
    else if (tx->kind == CHAIN_TX_CALL)
        n += 20 + 16 + 8 + 16 + 4 + (size_t)tx->input_len;
    else if (chain_tx_has_body(tx->kind))
        n += 4 + (size_t)tx->job_len;
    return n;
}

static bool tx_shape_ok(const chain_tx_t *tx)
{
    if (chain_tx_has_body(tx->kind))
        return tx->job_len <= CHAIN_JOB_MAX_BODY && tx->n_inputs == 0 && tx->n_outputs == 0 &&
               tx->code_len == 0 && tx->input_len == 0;
    bool contract = tx->kind == CHAIN_TX_DEPLOY || tx->kind == CHAIN_TX_CALL;
    if (!contract && tx->kind != CHAIN_TX_TRANSFER && tx->kind != CHAIN_TX_UTXO)
        return false;
    if (contract && (contract_lens_ok(tx->code_len, tx->input_len, tx->kind == CHAIN_TX_DEPLOY,
                                      NULL) != 0 ||
                     (tx->kind == CHAIN_TX_CALL && tx->code_len != 0)))
        return false;
    return tx->n_inputs <= CHAIN_MAX_TX_INPUTS && tx->n_outputs <= CHAIN_MAX_TX_OUTPUTS;
}

int chain_tx_encode(const chain_tx_t *tx, bool with_sig, buf_t *out)
{
    if (!tx_shape_ok(tx))
        return CHAIN_EINVAL;
    if (buf_reserve(out, chain_tx_encoded_size(tx)) != 0)
        return CHAIN_ENOMEM;
    size_t n = tx_write(tx, out->data + out->len, with_sig);
    out->len += n;
    return 0;
}

void chain_tx_finalize(chain_tx_t *tx)
{
    chain_addr_from_pk(tx->sender_pk, &tx->sender);
    tx->sig_ok = false;
    if (!tx_shape_ok(tx)) {
        memset(tx->hash.b, 0, 32);
        tx->size = 0;
        return;
    }
    uint8_t stack[1024];
    size_t need = chain_tx_encoded_size(tx);
    uint8_t *tmp = need <= sizeof stack ? stack : malloc(need);
    if (!tmp) {   /* leaves the tx unencodable: sign and verify then fail */
        memset(tx->hash.b, 0, 32);
        tx->size = 0;
        return;
    }
    size_t n = tx_write(tx, tmp, false);
    crypto_sha256(tmp, n, tx->hash.b);
    tx->size = (uint32_t)(n + CHAIN_SIG_BYTES);
    if (tmp != stack)
        free(tmp);
}

int chain_tx_sign(chain_tx_t *tx, const uint8_t sk[CRYPTO_ED25519_SK_BYTES], err_t *e)
{
    if (memcmp(sk + 32, tx->sender_pk, 32) != 0)
        return err_set(e, CHAIN_EINVAL, "tx: signing key does not match sender_pk");
    if (!tx_shape_ok(tx))
        return err_set(e, CHAIN_EINVAL, "tx: unknown kind %u or too many inputs/outputs", tx->kind);
    chain_tx_finalize(tx);
    crypto_ed25519_sign(sk, tx->hash.b, 32, tx->sig);
    return 0;
}

int chain_tx_verify(chain_tx_t *tx, err_t *e)
{
    /* crypto/ecvrf's rule, the one chain_tx_verify_batch applies too: a
     * signature's fate never depends on the batch it arrived in */
    if (ecvrf_ed25519_verify(tx->sender_pk, tx->hash.b, 32, tx->sig) != 0) {
        tx->sig_ok = false;
        char h[65];
        chain_hash_to_hex(&tx->hash, h);
        return err_set(e, CHAIN_EBADSIG, "tx %s: signature does not verify", h);
    }
    tx->sig_ok = true;
    return 0;
}

/* ---- batch verification ---- */

typedef struct vjob {
    chain_tx_t *const *txs;
    size_t n;
    atomic_size_t next;
    atomic_size_t failed;
} vjob_t;

/* One batch equation per chunk (ecvrf_ed25519_verify_batch's size). */
#define VERIFY_CHUNK 64

static void *verify_worker(void *arg)
{
    vjob_t *j = arg;
    size_t bad = 0;
    ecvrf_ed25519_item_t it[VERIFY_CHUNK];
    bool ok[VERIFY_CHUNK];
    for (;;) {
        size_t start = atomic_fetch_add(&j->next, VERIFY_CHUNK);
        if (start >= j->n)
            break;
        size_t end = start + VERIFY_CHUNK < j->n ? start + VERIFY_CHUNK : j->n;
        for (size_t i = start; i < end; i++) {
            chain_tx_t *tx = j->txs[i];
            it[i - start] = (ecvrf_ed25519_item_t){tx->sender_pk, tx->hash.b, 32, tx->sig};
        }
        bad += ecvrf_ed25519_verify_batch(it, end - start, ok);
        for (size_t i = start; i < end; i++)
            j->txs[i]->sig_ok = ok[i - start];
    }
    atomic_fetch_add(&j->failed, bad);
    return NULL;
}

size_t chain_tx_verify_batch(chain_tx_t *const *txs, size_t n, unsigned n_threads)
{
    if (n_threads == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = c > 0 ? (unsigned)c : 1;
    }
    if (n_threads > 64)
        n_threads = 64;
    size_t max_useful = (n + VERIFY_CHUNK - 1) / VERIFY_CHUNK;
    if (n_threads > max_useful)
        n_threads = max_useful ? (unsigned)max_useful : 1;
    vjob_t j = {.txs = txs, .n = n};
    atomic_init(&j.next, 0);
    atomic_init(&j.failed, 0);
    pthread_t th[64];
    unsigned started = 0;
    for (unsigned i = 1; i < n_threads; i++) {
        if (pthread_create(&th[started], NULL, verify_worker, &j) != 0)
            break;   /* fewer threads: the caller's thread does the rest */
        started++;
    }
    verify_worker(&j);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    return atomic_load(&j.failed);
}

/* ---- decoding ---- */

chain_tx_t *chain_tx_decode(const uint8_t *in, size_t n, err_t *e)
{
    if (n > CHAIN_MAX_TX_BYTES) {
        err_set(e, CHAIN_EINVAL, "tx: %zu bytes, at most %d", n, CHAIN_MAX_TX_BYTES);
        return NULL;
    }
    rd_t r;
    rd_init(&r, in, n, "tx", e);
    uint8_t kind = 0;
    if (!rd_u8(&r, &kind, "kind"))
        return NULL;
    if (kind != CHAIN_TX_TRANSFER && kind != CHAIN_TX_UTXO && kind != CHAIN_TX_DEPLOY &&
        kind != CHAIN_TX_CALL && !chain_tx_has_body(kind)) {
        err_set(e, CHAIN_EINVAL, "tx: unknown kind %u at offset 0", kind);
        return NULL;
    }
    chain_tx_t head = {0};
    head.kind = kind;
    rd_u64(&r, &head.chain_id, "chain_id");
    rd_bytes(&r, head.sender_pk, 32, "sender_pk");
    rd_u64(&r, &head.nonce, "nonce");
    rd_u128(&r, &head.fee, "fee");
    chain_tx_t *tx = NULL;
    if (chain_tx_has_body(kind)) {
        tx = chain_job_tx_decode_body(&r, &head);
        if (!tx)
            return NULL;
    } else if (kind == CHAIN_TX_TRANSFER) {
        rd_bytes(&r, head.to.b, 20, "to");
        size_t off = r.off;
        rd_u128(&r, &head.amount, "amount");
        if (!r.failed && chain_u128_is_zero(head.amount))
            rd_fail(&r, "transfer amount is zero (offset %zu)", off);
        if (r.failed)
            return NULL;
        tx = tx_alloc(0, 0);
        if (!tx) {
            err_set(e, CHAIN_ENOMEM, "tx: out of memory");
            return NULL;
        }
        chain_utxo_t *o = tx->outputs;
        chain_utxo_id_t *i = tx->inputs;
        *tx = head;
        tx->outputs = o;
        tx->inputs = i;
    } else if (kind == CHAIN_TX_DEPLOY || kind == CHAIN_TX_CALL) {
        if (kind == CHAIN_TX_CALL)
            rd_bytes(&r, head.to.b, 20, "contract");
        rd_u128(&r, &head.value, "value");
        size_t off = r.off;
        if (rd_u64(&r, &head.gas_limit, "gas_limit") &&
            (head.gas_limit == 0 || head.gas_limit > CHAIN_MAX_TX_GAS))
            rd_fail(&r, "gas_limit %llu at offset %zu, need 1..%llu",
                    (unsigned long long)head.gas_limit, off, CHAIN_MAX_TX_GAS);
        rd_u128(&r, &head.gas_price, "gas_price");
        const uint8_t *code = NULL, *input = NULL;
        uint32_t code_len = 0, input_len = 0;
        if (kind == CHAIN_TX_DEPLOY) {
            off = r.off;
            if (rd_u32(&r, &code_len, "code length") &&
                (code_len < 8 || code_len > CHAIN_MAX_CODE_BYTES))
                rd_fail(&r, "code length %u at offset %zu, need 8..%d", code_len, off,
                        CHAIN_MAX_CODE_BYTES);
            code = rd_take(&r, code_len, "code");
        }
        off = r.off;
        if (rd_u32(&r, &input_len, "input length") && input_len > CHAIN_MAX_INPUT_BYTES)
            rd_fail(&r, "input length %u at offset %zu, at most %d", input_len, off,
                    CHAIN_MAX_INPUT_BYTES);
        input = rd_take(&r, input_len, "input");
        if (r.failed)
            return NULL;
        tx = tx_alloc_ex(0, 0, code_len, input_len);
        if (!tx) {
            err_set(e, CHAIN_ENOMEM, "tx: out of memory");
            return NULL;
        }
        head.code_len = code_len;
        head.input_len = input_len;
        *tx = head;
        tx_fix_pointers(tx);
        if (code_len)
            memcpy(tx->code, code, code_len);
        if (input_len)
            memcpy(tx->input, input, input_len);
    } else {
        rd_u128(&r, &head.from_balance, "from_balance");
        uint32_t n_in = 0, n_out = 0;
        size_t off = r.off;
        if (!rd_u32(&r, &n_in, "input count"))
            return NULL;
        if (n_in > CHAIN_MAX_TX_INPUTS) {
            rd_fail(&r, "%u inputs at offset %zu, at most %d", n_in, off, CHAIN_MAX_TX_INPUTS);
            return NULL;
        }
        /* the outputs count comes after the inputs: size the allocation for
         * the maximum then, cheaply, only after the inputs are read */
        chain_utxo_id_t ins[CHAIN_MAX_TX_INPUTS];
        for (uint32_t k = 0; k < n_in; k++) {
            size_t at = r.off;
            if (!rd_bytes(&r, ins[k].tx_hash.b, 32, "input tx_hash") ||
                !rd_u32(&r, &ins[k].index, "input index"))
                return NULL;
            if (k > 0 && chain_utxo_id_cmp(&ins[k - 1], &ins[k]) >= 0) {
                rd_fail(&r, "input %u at offset %zu is not in strictly ascending order", k, at);
                return NULL;
            }
        }
        off = r.off;
        if (!rd_u32(&r, &n_out, "output count"))
            return NULL;
        if (n_out > CHAIN_MAX_TX_OUTPUTS) {
            rd_fail(&r, "%u outputs at offset %zu, at most %d", n_out, off, CHAIN_MAX_TX_OUTPUTS);
            return NULL;
        }
        tx = tx_alloc(n_in, n_out);
        if (!tx) {
            err_set(e, CHAIN_ENOMEM, "tx: out of memory");
            return NULL;
        }
        chain_utxo_t *o = tx->outputs;
        chain_utxo_id_t *i = tx->inputs;
        *tx = head;
        tx->outputs = o;
        tx->inputs = i;
        tx->n_inputs = n_in;
        tx->n_outputs = n_out;
        if (n_in)
            memcpy(tx->inputs, ins, n_in * sizeof *ins);
        for (uint32_t k = 0; k < n_out; k++) {
            rd_bytes(&r, tx->outputs[k].owner.b, 20, "output owner");
            size_t at = r.off;
            if (rd_u128(&r, &tx->outputs[k].amount, "output amount") &&
                chain_u128_is_zero(tx->outputs[k].amount))
                rd_fail(&r, "output %u amount is zero (offset %zu)", k, at);
        }
    }
    rd_bytes(&r, tx->sig, 64, "signature");
    if (!rd_end(&r)) {
        free(tx);
        return NULL;
    }
    chain_tx_finalize(tx);
    return tx;
}

int chain_tx_check_static(const chain_tx_t *tx, err_t *e)
{
    if (!tx_shape_ok(tx))
        return err_set(e, CHAIN_ETXINVALID, "tx: unknown kind %u or too many inputs/outputs",
                       tx->kind);
    /* a verified signature implies a valid key; skip the costly decode then */
    if (!tx->sig_ok && !crypto_ed25519_pk_valid(tx->sender_pk))
        return err_set(e, CHAIN_ETXINVALID, "tx: sender_pk is not a valid Ed25519 key");
    if (chain_tx_has_body(tx->kind)) {
        chain_job_body_t b;
        chain_stake_body_t sb;
        if ((chain_tx_is_job(tx->kind)
                 ? chain_job_body_parse(tx->kind, tx->job, tx->job_len, &b, e)
                 : chain_stake_body_parse(tx->kind, tx->job, tx->job_len, &sb, e)) != 0) {
            if (e)
                e->code = CHAIN_ETXINVALID;
            return CHAIN_ETXINVALID;
        }
        /* the accept's Phase key must sign the link to the sender's account
         * (b is filled only for job kinds) */
        if (chain_tx_is_job(tx->kind) && b.kind == CHAIN_TX_JOB_ACCEPT)
            return chain_job_link_verify(tx->chain_id, &tx->sender, b.phase_pk, b.link_sig, e);
    } else if (tx->kind == CHAIN_TX_TRANSFER) {
        chain_u128_t s;
        if (chain_u128_is_zero(tx->amount))
            return err_set(e, CHAIN_ETXINVALID, "tx: transfer amount is zero");
        if (!chain_u128_add(tx->amount, tx->fee, &s))
            return err_set(e, CHAIN_ETXINVALID, "tx: amount + fee exceeds 2^128 - 1");
    } else if (tx->kind == CHAIN_TX_DEPLOY || tx->kind == CHAIN_TX_CALL) {
        chain_u128_t gas, s;
        if (tx->gas_limit == 0 || tx->gas_limit > CHAIN_MAX_TX_GAS)
            return err_set(e, CHAIN_ETXINVALID, "tx: gas_limit %llu, need 1..%llu",
                           (unsigned long long)tx->gas_limit, CHAIN_MAX_TX_GAS);
        if (!chain_u128_mul_u64(tx->gas_price, tx->gas_limit, &gas) ||
            !chain_u128_add(gas, tx->fee, &s) || !chain_u128_add(s, tx->value, &s))
            return err_set(e, CHAIN_ETXINVALID,
                           "tx: fee + gas_limit x gas_price + value exceeds 2^128 - 1");
        if (tx->kind == CHAIN_TX_DEPLOY && memcmp(tx->code, "\0asm", 4) != 0)
            return err_set(e, CHAIN_ETXINVALID, "tx: code is not a WASM module (no \\0asm magic)");
    } else {
        chain_u128_t s = tx->fee;
        for (uint32_t i = 0; i < tx->n_outputs; i++) {
            if (chain_u128_is_zero(tx->outputs[i].amount))
                return err_set(e, CHAIN_ETXINVALID, "tx: output %u amount is zero", i);
            if (!chain_u128_add(s, tx->outputs[i].amount, &s))
                return err_set(e, CHAIN_ETXINVALID, "tx: outputs + fee exceed 2^128 - 1");
        }
        for (uint32_t i = 1; i < tx->n_inputs; i++)
            if (chain_utxo_id_cmp(&tx->inputs[i - 1], &tx->inputs[i]) >= 0)
                return err_set(e, CHAIN_ETXINVALID, "tx: inputs not sorted or repeated");
    }
    return 0;
}

json_t *chain_tx_to_json(const chain_tx_t *tx)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    char addr[41];
    json_object_set_new(j, "hash", jhex(tx->hash.b, 32));
    json_object_set_new(j, "kind", json_string(chain_tx_kind_name(tx->kind)));
    json_object_set_new(j, "chain_id", ju64(tx->chain_id));
    chain_addr_to_hex(&tx->sender, addr);
    json_object_set_new(j, "sender", json_string(addr));
    json_object_set_new(j, "sender_pk", jhex(tx->sender_pk, 32));
    json_object_set_new(j, "nonce", ju64(tx->nonce));
    json_object_set_new(j, "fee", ju128(tx->fee));
    if (chain_tx_is_job(tx->kind)) {
        chain_job_body_t b;
        if (chain_job_body_parse(tx->kind, tx->job, tx->job_len, &b, NULL) == 0)
            json_object_set_new(j, "job", chain_job_body_to_json(&b));
    } else if (chain_tx_is_stake(tx->kind)) {
        chain_stake_body_t b;
        if (chain_stake_body_parse(tx->kind, tx->job, tx->job_len, &b, NULL) == 0)
            json_object_set_new(j, "stake", chain_stake_body_to_json(&b));
    } else if (tx->kind == CHAIN_TX_TRANSFER) {
        chain_addr_to_hex(&tx->to, addr);
        json_object_set_new(j, "to", json_string(addr));
        json_object_set_new(j, "amount", ju128(tx->amount));
    } else if (tx->kind == CHAIN_TX_DEPLOY || tx->kind == CHAIN_TX_CALL) {
        chain_addr_t c = tx->to;
        if (tx->kind == CHAIN_TX_DEPLOY) {
            uint8_t ch[32];
            crypto_sha256(tx->code, tx->code_len, ch);
            json_object_set_new(j, "code_hash", jhex(ch, 32));
            json_object_set_new(j, "code_len", json_integer(tx->code_len));
            chain_contract_address(&tx->sender, tx->nonce, &c);
        }
        chain_addr_to_hex(&c, addr);
        json_object_set_new(j, "contract", json_string(addr));
        json_object_set_new(j, "value", ju128(tx->value));
        json_object_set_new(j, "gas_limit", ju64(tx->gas_limit));
        json_object_set_new(j, "gas_price", ju128(tx->gas_price));
        json_object_set_new(j, "input", jhex(tx->input, tx->input_len));
    } else {
        json_object_set_new(j, "from_balance", ju128(tx->from_balance));
        json_t *ins = json_array(), *outs = json_array();
        for (uint32_t i = 0; i < tx->n_inputs; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "tx", jhex(tx->inputs[i].tx_hash.b, 32));
            json_object_set_new(o, "index", json_integer(tx->inputs[i].index));
            json_array_append_new(ins, o);
        }
        for (uint32_t i = 0; i < tx->n_outputs; i++) {
            json_t *o = json_object();
            chain_addr_to_hex(&tx->outputs[i].owner, addr);
            json_object_set_new(o, "owner", json_string(addr));
            json_object_set_new(o, "amount", ju128(tx->outputs[i].amount));
            json_array_append_new(outs, o);
        }
        json_object_set_new(j, "inputs", ins);
        json_object_set_new(j, "outputs", outs);
    }
    json_object_set_new(j, "sig", jhex(tx->sig, 64));
    json_object_set_new(j, "size", json_integer(tx->size));
    return j;
}

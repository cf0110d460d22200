/* chain/state: overlays — a block's pending account and UTxO changes on top
 * of the committed state, with savepoints so the executor can undo a failed
 * transaction's partial writes. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define UTXO_VAL (CHAIN_UTXO_BYTES + 1)   /* utxo bytes ‖ exists */

chain_overlay_t *chain_overlay_new(chain_state_t *st, err_t *e)
{
    if (st->read_only) {
        err_set(e, CHAIN_EINVAL, "state: store is open read-only");
        return NULL;
    }
    chain_overlay_t *ov = calloc(1, sizeof *ov);
    if (!ov) {
        err_set(e, CHAIN_ENOMEM, "state: out of memory");
        return NULL;
    }
    ov->st = st;
    kv_init(&ov->accounts, CHAIN_ADDR_BYTES);
    kv_init(&ov->utxos, 36);
    kv_init(&ov->data, 33);
    kv_init(&ov->nodes, SMT_POS_BYTES);
    kv_init(&ov->acc_base, CHAIN_ADDR_BYTES);
    pthread_rwlock_rdlock(&st->lock);
    ov->base_has_tip = st->has_tip;
    ov->base_height = st->has_tip ? st->tip.height : 0;
    ov->base_tip = st->tip_hash;
    pthread_rwlock_unlock(&st->lock);
    return ov;
}

chain_overlay_t *chain_overlay_new_at(chain_state_t *st, uint64_t height, err_t *e)
{
    uint64_t oldest = 0, tip = 0;
    if (chain_state_history_range(st, &oldest, &tip, e) != 0)
        return NULL;
    if (height > tip || height < oldest) {
        err_set(e, CHAIN_STATE_EHISTORY,
                height > tip ? "state: block %llu is in the future (the tip is %llu)"
                             : "state: the state at block %llu is not kept any more; the oldest "
                               "available height is %llu",
                (unsigned long long)height,
                (unsigned long long)(height > tip ? tip : oldest));
        return NULL;
    }
    chain_overlay_t *ov = chain_overlay_new(st, e);
    if (!ov)
        return NULL;
    ov->view = true;
    ov->view_height = height;
    ov->base_has_tip = true;
    ov->base_height = height;
    return ov;
}

void chain_overlay_free(chain_overlay_t *ov)
{
    if (!ov)
        return;
    kv_free(&ov->accounts);
    kv_free(&ov->utxos);
    kv_free(&ov->data);
    free(ov->arena);
    kv_free(&ov->nodes);
    kv_free(&ov->acc_base);
    free(ov);
}

int chain_overlay_get_account(chain_overlay_t *ov, const chain_addr_t *a, chain_account_t *out,
                              err_t *e)
{
    kv_entry_t *en = kv_get(&ov->accounts, a->b);
    if (en)
        return chain_account_decode(en->val, en->vlen, out, e);
    bool exists;
    if (ov->view)
        return chain_state_get_account_at(ov->st, ov->view_height, a, out, &exists, e);
    int rc = chain_state_get_account(ov->st, a, out, &exists, e);
    if (rc == 0 && !kv_get(&ov->acc_base, a->b)) {
        /* remember the committed value for the history record (a failed
         * insert only means the commit reads it again) */
        uint8_t v[1 + CHAIN_ACCOUNT_BYTES];
        v[0] = exists;
        chain_account_encode(out, v + 1);
        (void)kv_set(&ov->acc_base, a->b, v, sizeof v);
    }
    return rc;
}

int chain_overlay_put_account(chain_overlay_t *ov, const chain_addr_t *a,
                              const chain_account_t *acct, err_t *e)
{
    uint8_t v[CHAIN_ACCOUNT_BYTES];
    chain_account_encode(acct, v);
    if (kv_put(&ov->accounts, a->b, v, sizeof v) != 0)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (overlay)");
    ov->root_valid = false;
    return 0;
}

static void utxo_key(const chain_utxo_id_t *id, uint8_t k[36])
{
    memcpy(k, id->tx_hash.b, 32);
    store_le32(k + 32, id->index);
}

int chain_overlay_get_utxo(chain_overlay_t *ov, const chain_utxo_id_t *id, chain_utxo_t *out,
                           bool *exists, err_t *e)
{
    uint8_t k[36];
    utxo_key(id, k);
    kv_entry_t *en = kv_get(&ov->utxos, k);
    if (en) {
        *exists = en->val[CHAIN_UTXO_BYTES] != 0;
        if (!*exists) {
            memset(out, 0, sizeof *out);
            return 0;
        }
        return chain_utxo_decode(en->val, CHAIN_UTXO_BYTES, out, e);
    }
    if (ov->view)
        return chain_state_get_utxo_at(ov->st, ov->view_height, id, out, exists, e);
    return chain_state_get_utxo(ov->st, id, out, exists, e);
}

int chain_overlay_put_utxo(chain_overlay_t *ov, const chain_utxo_id_t *id, const chain_utxo_t *u,
                           err_t *e)
{
    uint8_t k[36], v[UTXO_VAL];
    if (chain_u128_is_zero(u->amount))
        return err_set(e, CHAIN_EINVAL, "state: UTxO with zero amount");
    utxo_key(id, k);
    chain_utxo_encode(u, v);
    v[CHAIN_UTXO_BYTES] = 1;
    if (kv_put(&ov->utxos, k, v, sizeof v) != 0)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (overlay)");
    ov->root_valid = false;
    return 0;
}

int chain_overlay_del_utxo(chain_overlay_t *ov, const chain_utxo_id_t *id, err_t *e)
{
    chain_utxo_t cur;
    bool exists;
    int rc = chain_overlay_get_utxo(ov, id, &cur, &exists, e);
    if (rc)
        return rc;
    if (!exists)
        return err_set(e, CHAIN_ENOTFOUND, "state: UTxO %u of that tx does not exist", id->index);
    /* a spend keeps the owner so the commit can drop the owner index */
    uint8_t k[36], v[UTXO_VAL];
    utxo_key(id, k);
    chain_utxo_encode(&cur, v);
    v[CHAIN_UTXO_BYTES] = 0;
    if (kv_put(&ov->utxos, k, v, sizeof v) != 0)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (overlay)");
    ov->root_valid = false;
    return 0;
}

uint64_t chain_overlay_height(const chain_overlay_t *ov)
{
    return ov->base_has_tip ? ov->base_height + 1 : 0;
}

/* ---- data leaves ---- */

static void data_key(uint8_t tag, const uint8_t id[32], uint8_t k[33])
{
    k[0] = tag;
    memcpy(k + 1, id, 32);
}

int chain_overlay_get_data(chain_overlay_t *ov, uint8_t tag, const uint8_t id[32], buf_t *out,
                           bool *exists, err_t *e)
{
    uint8_t k[33];
    data_key(tag, id, k);
    kv_entry_t *en = kv_get(&ov->data, k);
    if (!en && ov->view)
        return chain_state_get_data_at(ov->st, ov->view_height, tag, id, out, exists, e);
    if (!en)
        return chain_state_get_data(ov->st, tag, id, out, exists, e);
    out->len = 0;
    if (load_le32(en->val + 36) == 0) {   /* deleted in this overlay */
        *exists = false;
        return 0;
    }
    if (buf_append(out, ov->arena + load_le32(en->val + 32), load_le32(en->val + 36)) != 0)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (overlay)");
    *exists = true;
    return 0;
}

int chain_overlay_put_data(chain_overlay_t *ov, uint8_t tag, const uint8_t id[32],
                           const uint8_t *val, size_t n, err_t *e)
{
    if (n == 0 || n > CHAIN_DATA_MAX)
        return err_set(e, CHAIN_EINVAL, "state: data value of %zu bytes, must be 1..%d", n,
                       CHAIN_DATA_MAX);
    if (ov->arena_len + n > UINT32_MAX)
        return err_set(e, CHAIN_ENOMEM, "state: overlay data arena full");
    if (ov->data.n_ents >= OV_DATA_MAX)
        return err_set(e, CHAIN_ENOMEM, "state: overlay holds %d data changes, the most a block "
                       "may make", OV_DATA_MAX);
    if (ov->arena_len + n > ov->arena_cap) {
        size_t c = ov->arena_cap ? ov->arena_cap * 2 : 4096;
        while (c < ov->arena_len + n)
            c *= 2;
        uint8_t *p = realloc(ov->arena, c);
        if (!p)
            return err_set(e, CHAIN_ENOMEM, "state: out of memory (overlay)");
        ov->arena = p;
        ov->arena_cap = c;
    }
    memcpy(ov->arena + ov->arena_len, val, n);
    uint8_t k[33], v[40];
    data_key(tag, id, k);
    crypto_sha256(val, n, v);
    store_le32(v + 32, (uint32_t)ov->arena_len);
    store_le32(v + 36, (uint32_t)n);
    if (kv_put(&ov->data, k, v, sizeof v) != 0)
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (overlay)");
    ov->arena_len += n;   /* the arena only grows; a rollback drops the entry */
    ov->root_valid = false;
    return 0;
}

int chain_overlay_del_data(chain_overlay_t *ov, uint8_t tag, const uint8_t id[32], err_t *e)
{
    uint8_t k[33], v[40] = {0};
    data_key(tag, id, k);
    if (ov->data.n_ents >= OV_DATA_MAX)
        return err_set(e, CHAIN_ENOMEM, "state: overlay holds %d data changes, the most a block "
                       "may make", OV_DATA_MAX);
    if (kv_put(&ov->data, k, v, sizeof v) != 0)   /* length 0: deleted */
        return err_set(e, CHAIN_ENOMEM, "state: out of memory (overlay)");
    ov->root_valid = false;
    return 0;
}

/* The three undo logs only grow between a mark and its rollback: pack their
 * lengths (accounts 20 bits, UTxOs 22 bits, data 22 bits; a block stays far
 * below: at most 20,000 txs of at most 128 UTxO writes, and data writes are
 * capped at OV_DATA_MAX, which the block gas limit keeps out of reach). */
size_t chain_overlay_mark(const chain_overlay_t *ov)
{
    return (size_t)ov->accounts.n_ents | ((size_t)ov->utxos.n_ents << 20) |
           ((size_t)ov->data.n_ents << 42);
}

void chain_overlay_rollback(chain_overlay_t *ov, size_t mark)
{
    kv_rollback(&ov->accounts, mark & 0xfffffu);
    kv_rollback(&ov->utxos, (mark >> 20) & 0x3fffffu);
    kv_rollback(&ov->data, (mark >> 42) & 0x3fffffu);
    ov->root_valid = false;
}

int chain_overlay_root(chain_overlay_t *ov, chain_hash_t *root, err_t *e)
{
    if (ov->root_valid) {
        *root = ov->root;
        return 0;
    }
    if (ov->view)
        return err_set(e, CHAIN_EINVAL, "state: a view as of block %llu has no state root to "
                       "compute (views are read-only)", (unsigned long long)ov->view_height);
    pthread_rwlock_rdlock(&ov->st->lock);
    int rc = 0;
    if (ov->st->has_tip != ov->base_has_tip ||
        (ov->base_has_tip && !chain_hash_equal(&ov->st->tip_hash, &ov->base_tip)))
        rc = err_set(e, CHAIN_EBLOCK, "state: the tip moved since this overlay was created");
    else
        rc = smt_apply(ov, &ov->root, e);
    pthread_rwlock_unlock(&ov->st->lock);
    if (rc)
        return rc;
    ov->root_valid = true;
    *root = ov->root;
    return 0;
}

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
    kv_init(&ov->nodes, SMT_POS_BYTES);
    pthread_rwlock_rdlock(&st->lock);
    ov->base_has_tip = st->has_tip;
    ov->base_tip = st->tip_hash;
    pthread_rwlock_unlock(&st->lock);
    return ov;
}

void chain_overlay_free(chain_overlay_t *ov)
{
    if (!ov)
        return;
    kv_free(&ov->accounts);
    kv_free(&ov->utxos);
    kv_free(&ov->nodes);
    free(ov);
}

int chain_overlay_get_account(chain_overlay_t *ov, const chain_addr_t *a, chain_account_t *out,
                              err_t *e)
{
    kv_entry_t *en = kv_get(&ov->accounts, a->b);
    if (en)
        return chain_account_decode(en->val, en->vlen, out, e);
    bool exists;
    return chain_state_get_account(ov->st, a, out, &exists, e);
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

size_t chain_overlay_mark(const chain_overlay_t *ov)
{
    /* both logs only grow between a mark and its rollback: pack them */
    return ov->accounts.n_ents | (ov->utxos.n_ents << 32);
}

void chain_overlay_rollback(chain_overlay_t *ov, size_t mark)
{
    kv_rollback(&ov->accounts, mark & 0xffffffffu);
    kv_rollback(&ov->utxos, mark >> 32);
    ov->root_valid = false;
}

int chain_overlay_root(chain_overlay_t *ov, chain_hash_t *root, err_t *e)
{
    if (ov->root_valid) {
        *root = ov->root;
        return 0;
    }
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

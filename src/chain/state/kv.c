/* chain/state: a small open-addressing hash map over fixed-size byte keys
 * with an append-only entry log, so an overlay can take a savepoint (the
 * log length) and roll back one failed transaction's writes in O(writes).
 * Keys are hashes, addresses or UTxO ids, so a few of their bytes mixed
 * together are already a good hash. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t kv_hash(const uint8_t *k, size_t klen)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    size_t i = 0;
    for (; i + 8 <= klen; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; i < klen; i++)
        h = (h ^ k[i]) * 0x100000001b3ull;
    /* murmur3's fmix64: every input bit reaches the low bits used as index */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

int kv_init(kv_map_t *m, size_t klen)
{
    memset(m, 0, sizeof *m);
    m->klen = klen;
    return 0;
}

void kv_free(kv_map_t *m)
{
    free(m->slots);
    free(m->ents);
    memset(m, 0, sizeof *m);
}

void kv_clear(kv_map_t *m)
{
    if (m->slots)
        memset(m->slots, 0xff, m->n_slots * sizeof *m->slots);
    m->n_used = 0;
    m->n_ents = 0;
}

static size_t kv_find(const kv_map_t *m, const uint8_t *key, bool *found)
{
    size_t mask = m->n_slots - 1;
    size_t i = (size_t)kv_hash(key, m->klen) & mask;
    for (;;) {
        const kv_slot_t *s = &m->slots[i];
        if (s->first < 0) {
            *found = false;
            return i;
        }
        if (memcmp(m->ents[s->first].key, key, m->klen) == 0) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static int kv_grow(kv_map_t *m)
{
    size_t n = m->n_slots ? m->n_slots * 2 : 64;
    kv_slot_t *s = malloc(n * sizeof *s);
    if (!s)
        return CHAIN_ENOMEM;
    memset(s, 0xff, n * sizeof *s);
    kv_slot_t *old = m->slots;
    size_t old_n = m->n_slots;
    m->slots = s;
    m->n_slots = n;
    for (size_t i = 0; i < old_n; i++) {
        if (old[i].first < 0)
            continue;
        bool found;
        size_t j = kv_find(m, m->ents[old[i].first].key, &found);
        m->slots[j] = old[i];
        /* entries remember their slot for rollback */
        for (int32_t e = old[i].head; e >= 0; e = m->ents[e].prev)
            m->ents[e].slot = (uint32_t)j;
        m->ents[old[i].first].slot = (uint32_t)j;
    }
    free(old);
    return 0;
}

kv_entry_t *kv_get(const kv_map_t *m, const uint8_t *key)
{
    if (!m->n_slots)
        return NULL;
    bool found;
    size_t i = kv_find(m, key, &found);
    if (!found || m->slots[i].head < 0)
        return NULL;
    return &m->ents[m->slots[i].head];
}

static int kv_append(kv_map_t *m, const uint8_t *key, const uint8_t *val, size_t vlen,
                     bool overwrite)
{
    if (vlen > KV_VAL_MAX)
        return CHAIN_EINVAL;
    if ((m->n_used + 1) * 4 > m->n_slots * 3 && kv_grow(m) != 0)
        return CHAIN_ENOMEM;
    bool found;
    size_t i = kv_find(m, key, &found);
    kv_slot_t *s = &m->slots[i];
    if (found && overwrite && s->head >= 0) {
        kv_entry_t *en = &m->ents[s->head];
        memcpy(en->val, val, vlen);
        en->vlen = (uint8_t)vlen;
        return 0;
    }
    if (m->n_ents == m->cap_ents) {
        size_t c = m->cap_ents ? m->cap_ents * 2 : 64;
        kv_entry_t *n = realloc(m->ents, c * sizeof *n);
        if (!n)
            return CHAIN_ENOMEM;
        m->ents = n;
        m->cap_ents = c;
    }
    int32_t idx = (int32_t)m->n_ents++;
    kv_entry_t *en = &m->ents[idx];
    memcpy(en->key, key, m->klen);
    memset(en->key + m->klen, 0, KV_KEY_MAX - m->klen);
    if (vlen)
        memcpy(en->val, val, vlen);
    en->vlen = (uint8_t)vlen;
    en->slot = (uint32_t)i;
    if (!found) {
        s->first = idx;
        s->head = -1;
        m->n_used++;
    }
    en->prev = s->head;
    s->head = idx;
    return 0;
}

int kv_put(kv_map_t *m, const uint8_t *key, const uint8_t *val, size_t vlen)
{
    return kv_append(m, key, val, vlen, false);
}

int kv_set(kv_map_t *m, const uint8_t *key, const uint8_t *val, size_t vlen)
{
    return kv_append(m, key, val, vlen, true);
}

void kv_rollback(kv_map_t *m, size_t mark)
{
    while (m->n_ents > mark) {
        int32_t idx = (int32_t)(m->n_ents - 1);
        kv_entry_t *en = &m->ents[idx];
        kv_slot_t *s = &m->slots[en->slot];
        s->head = en->prev;
        if (s->first == idx) {
            /* the key's first entry goes: free the slot, then re-place the
             * following keys of its probe run (linear-probing deletion) */
            s->first = -1;
            s->head = -1;
            m->n_used--;
            size_t mask = m->n_slots - 1;
            size_t j = (en->slot + 1) & mask;
            while (m->slots[j].first >= 0) {
                kv_slot_t moved = m->slots[j];
                m->slots[j].first = -1;
                m->slots[j].head = -1;
                bool found;
                size_t k = kv_find(m, m->ents[moved.first].key, &found);
                m->slots[k] = moved;
                for (int32_t x = moved.head; x >= 0; x = m->ents[x].prev)
                    m->ents[x].slot = (uint32_t)k;
                m->ents[moved.first].slot = (uint32_t)k;
                j = (j + 1) & mask;
            }
        }
        m->n_ents--;
    }
}

static int head_cmp(const void *a, const void *b)
{
    /* keys are zero-padded to KV_KEY_MAX, so comparing it all orders them
     * exactly as comparing their klen bytes */
    return memcmp((*(const kv_entry_t *const *)a)->key, (*(const kv_entry_t *const *)b)->key,
                  KV_KEY_MAX);
}

/* RocksDB's skiplist memtable inserts a sorted run much faster than random
 * keys (it reuses the search position), so commits write in key order. */
const kv_entry_t **kv_sorted_heads(const kv_map_t *m, size_t *n)
{
    *n = 0;
    const kv_entry_t **a = malloc((m->n_used ? m->n_used : 1) * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < m->n_slots; i++)
        if (m->slots[i].first >= 0 && m->slots[i].head >= 0)
            a[(*n)++] = &m->ents[m->slots[i].head];
    qsort(a, *n, sizeof *a, head_cmp);
    return a;
}

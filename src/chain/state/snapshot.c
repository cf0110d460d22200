/* chain/state: snapshots — the tip block plus every account, UTxO and data
 * leaf (jobs, staking, contracts), zstd-compressed (format in state.h). Export reads through a RocksDB
 * snapshot so it is consistent even beside a committing node; import
 * rebuilds the sparse Merkle tree from the records and accepts the file only
 * if it reproduces the tip header's state root. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define SNAP_MAGIC "AETHSNAP"
#define SNAP_VERSION 2   /* 2 adds data leaves; version 1 files (no data) still import */
#define SNAP_MAX_BLOCK (CHAIN_MAX_BLOCK_BYTES + 0u)
#define SNAP_PROOF_MAGIC "AETHPRF1"

/* ---- export: records -> sha256 + zstd stream -> FILE ---- */

typedef struct zout {
    FILE *f;
    ZSTD_CCtx *z;
    crypto_sha256_ctx_t sha;
    uint8_t out[1 << 16];
    err_t *e;
    int rc;
} zout_t;

static void zo_write(zout_t *w, const void *p, size_t n, bool hash)
{
    if (w->rc)
        return;
    if (hash)
        crypto_sha256_update(&w->sha, p, n);
    ZSTD_inBuffer in = {p, n, 0};
    while (in.pos < in.size) {
        ZSTD_outBuffer out = {w->out, sizeof w->out, 0};
        size_t r = ZSTD_compressStream2(w->z, &out, &in, ZSTD_e_continue);
        if (ZSTD_isError(r)) {
            w->rc = err_set(w->e, CHAIN_EIO, "snapshot: zstd: %s", ZSTD_getErrorName(r));
            return;
        }
        if (out.pos && fwrite(w->out, 1, out.pos, w->f) != out.pos) {
            w->rc = err_set(w->e, CHAIN_EIO, "snapshot: write failed");
            return;
        }
    }
}

static void zo_finish(zout_t *w)
{
    if (w->rc)
        return;
    ZSTD_inBuffer in = {NULL, 0, 0};
    for (;;) {
        ZSTD_outBuffer out = {w->out, sizeof w->out, 0};
        size_t r = ZSTD_compressStream2(w->z, &out, &in, ZSTD_e_end);
        if (ZSTD_isError(r)) {
            w->rc = err_set(w->e, CHAIN_EIO, "snapshot: zstd: %s", ZSTD_getErrorName(r));
            return;
        }
        if (out.pos && fwrite(w->out, 1, out.pos, w->f) != out.pos) {
            w->rc = err_set(w->e, CHAIN_EIO, "snapshot: write failed");
            return;
        }
        if (r == 0)
            return;
    }
}

struct chain_snap_pin {
    db_snap_t *snap;
    uint64_t height;
};

chain_snap_pin_t *chain_state_snapshot_pin(chain_state_t *st, uint64_t *height, err_t *e)
{
    chain_snap_pin_t *p = calloc(1, sizeof *p);
    if (!p) {
        err_set(e, CHAIN_ENOMEM, "snapshot: out of memory");
        return NULL;
    }
    /* tip, block and records as of one instant */
    pthread_rwlock_rdlock(&st->lock);
    if (!st->has_tip) {
        pthread_rwlock_unlock(&st->lock);
        free(p);
        err_set(e, CHAIN_ENOTFOUND, "snapshot: the store is empty (no genesis)");
        return NULL;
    }
    p->height = st->tip.height;
    p->snap = db_snapshot(st->db, e);
    pthread_rwlock_unlock(&st->lock);
    if (!p->snap) {
        free(p);
        err_prefix(e, "snapshot");
        return NULL;
    }
    if (height)
        *height = p->height;
    return p;
}

void chain_state_snapshot_unpin(chain_state_t *st, chain_snap_pin_t *p)
{
    if (!p)
        return;
    db_snapshot_release(st->db, p->snap);
    free(p);
}

int chain_state_snapshot_export(chain_state_t *st, const char *path, err_t *e)
{
    return chain_state_snapshot_write(st, path, NULL, e);
}

int chain_state_snapshot_write(chain_state_t *st, const char *path, uint64_t *height_out, err_t *e)
{
    chain_snap_pin_t *p = chain_state_snapshot_pin(st, height_out, e);
    if (!p)
        return e && e->code ? e->code : CHAIN_EIO;
    int rc = chain_state_snapshot_write_pin(st, p, path, e);
    chain_state_snapshot_unpin(st, p);
    return rc;
}

int chain_state_snapshot_write_pin(chain_state_t *st, const chain_snap_pin_t *pin,
                                   const char *path, err_t *e)
{
    int rc = 0;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return err_set(e, CHAIN_EINVAL, "snapshot: path too long");
    uint64_t height = pin->height;
    const db_snap_t *snap = pin->snap;

    db_iter_t *it = NULL;
    zout_t w = {.e = e};
    uint8_t *blk = NULL, *gen = NULL;
    size_t blen = 0, glen = 0;
    uint64_t n_acc = 0, n_utxo = 0, n_data = 0;
    {
        static const uint8_t k0[8] = {0};
        if ((rc = db_get(st->db, snap, CF_BLOCKS, k0, 8, &gen, &glen, e)) != 0) {
            if (rc == CHAIN_ENOTFOUND)
                err_set(e, CHAIN_EIO, "snapshot: block 0 is absent");
            err_prefix(e, "snapshot: cannot read block 0");
            rc = CHAIN_EIO;
            goto out;
        }
    }
    {
        uint8_t k[8];
        store_be64(k, height);
        if ((rc = db_get(st->db, snap, CF_BLOCKS, k, 8, &blk, &blen, e)) != 0) {
            if (rc == CHAIN_ENOTFOUND)
                err_set(e, CHAIN_EIO, "snapshot: the tip block is absent");
            err_prefix(e, "snapshot: cannot read the tip block");
            rc = CHAIN_EIO;
            goto out;
        }
    }
    w.f = fopen(tmp, "wbx");
    if (!w.f) {
        rc = err_set(e, CHAIN_EIO, "snapshot: cannot create %s", tmp);
        goto out;
    }
    w.z = ZSTD_createCCtx();
    if (!w.z) {
        rc = err_set(e, CHAIN_ENOMEM, "snapshot: zstd context");
        goto out;
    }
    ZSTD_CCtx_setParameter(w.z, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(w.z, ZSTD_c_checksumFlag, 1);
    crypto_sha256_init(&w.sha);
    uint8_t hdr[16];
    memcpy(hdr, SNAP_MAGIC, 8);
    store_le32(hdr + 8, SNAP_VERSION);
    store_le32(hdr + 12, (uint32_t)blen);
    zo_write(&w, hdr, sizeof hdr, true);
    zo_write(&w, blk, blen, true);
    uint8_t gl[4];
    store_le32(gl, (uint32_t)glen);
    zo_write(&w, gl, 4, true);
    zo_write(&w, gen, glen, true);
    static const int cfs[3] = {CF_ACCOUNTS, CF_UTXOS, CF_DATA};
    for (int c = 0; c < 3 && !w.rc; c++) {
        if (!(it = db_iter_new(st->db, snap, cfs[c], e))) {
            rc = w.rc = CHAIN_EIO;
            break;
        }
        for (db_iter_first(it); db_iter_valid(it) && !w.rc; db_iter_next(it)) {
            size_t kl, vl;
            const uint8_t *k = db_iter_key(it, &kl);
            const uint8_t *v = db_iter_value(it, &vl);
            if (c == 2) {   /* data: tag ‖ id32, u32 length, value */
                if (kl != 33 || vl == 0 || vl > CHAIN_DATA_MAX) {
                    rc = w.rc = err_set(e, CHAIN_EIO, "snapshot: corrupt data record");
                    break;
                }
                uint8_t rec[1 + 33 + 4];
                rec[0] = 3;
                memcpy(rec + 1, k, 33);
                store_le32(rec + 34, (uint32_t)vl);
                zo_write(&w, rec, sizeof rec, true);
                zo_write(&w, v, vl, true);
                n_data++;
                continue;
            }
            size_t want_k = c == 0 ? 20 : 36, want_v = c == 0 ? CHAIN_ACCOUNT_BYTES : CHAIN_UTXO_BYTES;
            if (kl != want_k || vl != want_v) {
                rc = w.rc = err_set(e, CHAIN_EIO, "snapshot: corrupt %s record",
                                    c == 0 ? "account" : "UTxO");
                break;
            }
            uint8_t tag = (uint8_t)(c + 1);
            zo_write(&w, &tag, 1, true);
            zo_write(&w, k, kl, true);
            zo_write(&w, v, vl, true);
            if (c == 0)
                n_acc++;
            else
                n_utxo++;
        }
        if (!w.rc && db_iter_status(it, e) != 0) {
            err_prefix(e, "snapshot");
            rc = w.rc = CHAIN_EIO;
        }
        db_iter_free(it);
        it = NULL;
    }
    uint8_t end[1 + 24 + 32];
    end[0] = 0;
    store_le64(end + 1, n_acc);
    store_le64(end + 9, n_utxo);
    store_le64(end + 17, n_data);
    zo_write(&w, end, 25, true);
    crypto_sha256_final(&w.sha, end + 25);
    zo_write(&w, end + 25, 32, false);
    zo_finish(&w);
    rc = w.rc;
    if (!rc && (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0))
        rc = err_set(e, CHAIN_EIO, "snapshot: flushing %s failed", tmp);
    if (fclose(w.f) != 0 && !rc)
        rc = err_set(e, CHAIN_EIO, "snapshot: closing %s failed", tmp);
    w.f = NULL;
    if (!rc && rename(tmp, path) != 0)
        rc = err_set(e, CHAIN_EIO, "snapshot: cannot rename to %s", path);
out:
    if (w.f)
        fclose(w.f);
    if (rc)
        unlink(tmp);
    ZSTD_freeCCtx(w.z);
    free(blk);
    free(gen);
    return rc;
}

/* ---- the proof section: a second zstd frame appended to the file ---- */

int chain_state_snapshot_add_proof(const char *path, const uint8_t *proof, size_t n, err_t *e)
{
    if (n == 0 || n > CHAIN_SNAP_PROOF_MAX)
        return err_set(e, CHAIN_EINVAL, "snapshot: proof of %zu bytes (1..%u)", n,
                       (unsigned)CHAIN_SNAP_PROOF_MAX);
    zout_t w = {.e = e};
    w.f = fopen(path, "ab");
    if (!w.f)
        return err_set(e, CHAIN_EIO, "snapshot: cannot open %s: %s", path, strerror(errno));
    w.z = ZSTD_createCCtx();
    if (!w.z) {
        fclose(w.f);
        return err_set(e, CHAIN_ENOMEM, "snapshot: zstd context");
    }
    ZSTD_CCtx_setParameter(w.z, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(w.z, ZSTD_c_checksumFlag, 1);
    uint8_t hdr[12];
    memcpy(hdr, SNAP_PROOF_MAGIC, 8);
    store_le32(hdr + 8, (uint32_t)n);
    zo_write(&w, hdr, sizeof hdr, false);
    zo_write(&w, proof, n, false);
    zo_finish(&w);
    int rc = w.rc;
    if (!rc && (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0))
        rc = err_set(e, CHAIN_EIO, "snapshot: flushing %s failed", path);
    if (fclose(w.f) != 0 && !rc)
        rc = err_set(e, CHAIN_EIO, "snapshot: closing %s failed", path);
    ZSTD_freeCCtx(w.z);
    return rc;
}

/* ---- import: FILE -> zstd stream -> records ---- */

typedef struct zin {
    FILE *f;
    ZSTD_DCtx *z;
    uint8_t in[1 << 16];
    ZSTD_inBuffer ib;
    uint8_t out[1 << 16];
    size_t out_pos, out_len;
    bool eof;
    crypto_sha256_ctx_t sha;
    err_t *e;
    uint64_t consumed;
    bool zerr;   /* the zstd stream is corrupt (message already in e) */
} zin_t;

/* Reads exactly n bytes; false at a clean or unclean end. */
static bool zi_read(zin_t *r, void *dst, size_t n, bool hash)
{
    uint8_t *d = dst;
    while (n) {
        if (r->out_pos == r->out_len) {
            if (r->ib.pos == r->ib.size) {
                if (r->eof)
                    return false;
                r->ib.src = r->in;
                r->ib.size = fread(r->in, 1, sizeof r->in, r->f);
                r->ib.pos = 0;
                if (r->ib.size == 0) {
                    r->eof = true;
                    return false;
                }
            }
            ZSTD_outBuffer ob = {r->out, sizeof r->out, 0};
            size_t rc = ZSTD_decompressStream(r->z, &ob, &r->ib);
            if (ZSTD_isError(rc)) {
                err_set(r->e, CHAIN_EINVAL, "snapshot: not a valid zstd stream: %s",
                        ZSTD_getErrorName(rc));
                r->zerr = true;
                return false;
            }
            r->out_pos = 0;
            r->out_len = ob.pos;
            continue;
        }
        size_t k = r->out_len - r->out_pos;
        if (k > n)
            k = n;
        memcpy(d, r->out + r->out_pos, k);
        if (hash)
            crypto_sha256_update(&r->sha, d, k);
        r->out_pos += k;
        d += k;
        n -= k;
        r->consumed += k;
    }
    return true;
}

static int trunc_err(zin_t *r, const char *what)
{
    if (r->zerr)
        return CHAIN_EINVAL;
    return err_set(r->e, CHAIN_EINVAL, "snapshot: truncated reading %s at byte %llu", what,
                   (unsigned long long)r->consumed);
}

/* Reads a block of len bytes from the stream: its raw encoding (kept for the
 * store) and its decoded form; what ("tip block") names it in errors. */
static int read_block(zin_t *r, uint32_t len, const char *what, uint8_t **raw,
                      chain_block_t **blk, err_t *e)
{
    if (len > SNAP_MAX_BLOCK || len < CHAIN_HEADER_BYTES)
        return err_set(e, CHAIN_EINVAL, "snapshot: %s length %u out of range", what, len);
    if (!(*raw = malloc(len)))
        return err_set(e, CHAIN_ENOMEM, "snapshot: out of memory");
    if (!zi_read(r, *raw, len, true))
        return trunc_err(r, what);
    if (!(*blk = chain_block_decode(*raw, len, e))) {
        err_prefix(e, "snapshot: %s", what);
        return CHAIN_EINVAL;
    }
    return 0;
}

/* Makes room for one more leaf (the caller fills leaves[*n - 1]). */
static int add_leaf(smt_leaf_t **leaves, size_t *n, size_t *cap, err_t *e)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 1024;
        smt_leaf_t *p = realloc(*leaves, c * sizeof *p);
        if (!p)
            return err_set(e, CHAIN_ENOMEM, "snapshot: out of memory");
        *leaves = p;
        *cap = c;
    }
    (*n)++;
    return 0;
}

/* Deletes every record of the state families (a store holding block 0
 * alone: its genesis accounts, tree and history) in wb. */
static int batch_clear_state(chain_state_t *st, db_batch_t *wb, err_t *e)
{
    static const int cfs[] = {CF_ACCOUNTS, CF_UTXOS, CF_OWNER_UTXO, CF_SMT, CF_DATA, CF_HIST};
    for (size_t c = 0; c < sizeof cfs / sizeof cfs[0]; c++) {
        db_iter_t *it = db_iter_new(st->db, NULL, cfs[c], e);
        if (!it)
            return CHAIN_EIO;
        for (db_iter_first(it); db_iter_valid(it); db_iter_next(it)) {
            size_t kl;
            const uint8_t *k = db_iter_key(it, &kl);
            db_batch_delete(st->db, wb, cfs[c], k, kl);
        }
        int rc = db_iter_status(it, e);
        db_iter_free(it);
        if (rc)
            return err_prefix(e, "snapshot: clearing the genesis state"), CHAIN_EIO;
    }
    return 0;
}

int chain_state_snapshot_import(chain_state_t *st, const char *path, const chain_genesis_t *g,
                                err_t *e)
{
    return chain_state_snapshot_import_opts(st, path, g, NULL, e);
}

int chain_state_base_height(chain_state_t *st, uint64_t *height, err_t *e)
{
    uint8_t *v = NULL;
    size_t n = 0;
    *height = 0;
    int rc = db_get(st->db, NULL, CF_META, "snap_base", 9, &v, &n, e);
    if (rc == CHAIN_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (n == 8)
        *height = load_be64(v);
    free(v);
    return n == 8 ? 0 : err_set(e, CHAIN_EIO, "state: corrupt snap_base record (%zu bytes)", n);
}

int chain_state_snapshot_import_opts(chain_state_t *st, const char *path,
                                     const chain_genesis_t *g, const chain_snap_opts_t *opts,
                                     err_t *e)
{
    if (!g)
        return err_set(e, CHAIN_EINVAL, "snapshot: import needs the genesis to check it against");
    if (st->read_only)
        return err_set(e, CHAIN_EINVAL, "snapshot: store is open read-only");
    bool replace = false;
    chain_hash_t have0;
    if (chain_state_has_tip(st)) {
        chain_header_t t;
        if (!opts || !opts->replace_genesis || chain_state_tip(st, &t, &have0, NULL) != 0 ||
            t.height != 0)
            return err_set(e, CHAIN_EINVAL, "snapshot: import needs an empty data directory");
        replace = true;
    }
    int rc = 0;
    uint8_t *proof = NULL;
    uint32_t proof_len = 0;
    zin_t r;
    memset(&r, 0, sizeof r);
    r.e = e;
    chain_block_t *blk = NULL, *gblk = NULL;
    uint8_t *braw = NULL, *graw = NULL;
    uint32_t glen = 0;
    smt_leaf_t *leaves = NULL;
    size_t n_leaves = 0, cap = 0;
    kv_map_t nodes;
    kv_init(&nodes, SMT_POS_BYTES);
    db_batch_t *wb = db_batch_new();
    uint64_t n_acc = 0, n_utxo = 0, n_data = 0;
    uint8_t *dval = NULL;   /* a data value being read */

    r.f = fopen(path, "rb");
    if (!r.f) {
        /* a missing file is a bad argument (exit 2 in the CLI), not an I/O failure */
        rc = err_set(e, errno == ENOENT ? CHAIN_EINVAL : CHAIN_EIO, "snapshot: cannot open %s: %s",
                     path, strerror(errno));
        goto out;
    }
    struct stat fst;
    if (fstat(fileno(r.f), &fst) == 0 &&
        (S_ISDIR(fst.st_mode) || (S_ISREG(fst.st_mode) && fst.st_size == 0))) {
        rc = err_set(e, CHAIN_EINVAL, "snapshot: %s is %s, not a snapshot file", path,
                     S_ISDIR(fst.st_mode) ? "a directory" : "empty");
        goto out;
    }
    r.z = ZSTD_createDCtx();
    if (!r.z) {
        rc = err_set(e, CHAIN_ENOMEM, "snapshot: zstd context");
        goto out;
    }
    crypto_sha256_init(&r.sha);
    uint8_t hdr[16];
    if (!zi_read(&r, hdr, 16, true)) {
        rc = trunc_err(&r, "header");
        goto out;
    }
    if (memcmp(hdr, SNAP_MAGIC, 8) != 0) {
        rc = err_set(e, CHAIN_EINVAL, "snapshot: not an Aether snapshot (bad magic)");
        goto out;
    }
    uint32_t ver = load_le32(hdr + 8);
    uint32_t blen = load_le32(hdr + 12);
    if (ver != 1 && ver != SNAP_VERSION) {
        rc = err_set(e, CHAIN_EINVAL, "snapshot: unsupported version %u", ver);
        goto out;
    }
    if ((rc = read_block(&r, blen, "tip block", &braw, &blk, e)))
        goto out;
    /* a certified (BFT) tip is unsigned: chain_check_origin checks its body,
     * the caller's verify hook its QC */
    if (!g->certified && (rc = chain_block_check(blk, e))) {
        err_prefix(e, "snapshot");
        goto out;
    }
    /* block 0, so the node can still check its genesis file against it */
    uint8_t gl[4];
    if (!zi_read(&r, gl, 4, true)) {
        rc = trunc_err(&r, "genesis block length");
        goto out;
    }
    glen = load_le32(gl);
    if ((rc = read_block(&r, glen, "genesis block", &graw, &gblk, e)))
        goto out;
    if (gblk->header.height != 0 || gblk->header.chain_id != blk->header.chain_id ||
        (rc = chain_block_check(gblk, e)) != 0) {
        rc = err_set(e, CHAIN_EINVAL, "snapshot: block 0 is not this chain's genesis block");
        goto out;
    }
    /* before anything else is read: the tip must prove itself against the
     * genesis this node runs with */
    if ((rc = chain_check_origin(blk, gblk, g, e)) != 0) {
        err_prefix(e, "snapshot refused");
        goto out;
    }
    for (;;) {
        uint8_t tag;
        if (!zi_read(&r, &tag, 1, true)) {
            rc = trunc_err(&r, "record tag");
            goto out;
        }
        if (tag == 0)
            break;
        uint8_t rec[36 + CHAIN_UTXO_BYTES];
        size_t kl = tag == 1 ? 20 : 36, vl = tag == 1 ? CHAIN_ACCOUNT_BYTES : CHAIN_UTXO_BYTES;
        if (tag == 3 && ver >= 2) {   /* a data leaf: tag ‖ id32, u32 length, value */
            uint8_t dh[33 + 4];
            if (!zi_read(&r, dh, sizeof dh, true)) {
                rc = trunc_err(&r, "data record");
                goto out;
            }
            uint32_t dl = load_le32(dh + 33);
            if (dl == 0 || dl > CHAIN_DATA_MAX) {
                rc = err_set(e, CHAIN_EINVAL, "snapshot: data record of %u bytes at byte %llu "
                             "(1..%d)", dl, (unsigned long long)r.consumed - 4, CHAIN_DATA_MAX);
                goto out;
            }
            if (!dval && !(dval = malloc(CHAIN_DATA_MAX))) {
                rc = err_set(e, CHAIN_ENOMEM, "snapshot: out of memory");
                goto out;
            }
            if (!zi_read(&r, dval, dl, true)) {
                rc = trunc_err(&r, "data value");
                goto out;
            }
            if ((rc = add_leaf(&leaves, &n_leaves, &cap, e)))
                goto out;
            smt_leaf_t *l = &leaves[n_leaves - 1];
            chain_smt_key_data(dh[0], dh + 1, &l->key);
            crypto_sha256(dval, dl, l->vh.b);
            db_batch_put(st->db, wb, CF_DATA, dh, 33, dval, dl);
            n_data++;
            continue;
        }
        if (tag != 1 && tag != 2) {
            rc = err_set(e, CHAIN_EINVAL, "snapshot: unknown record tag %u at byte %llu", tag,
                         (unsigned long long)r.consumed - 1);
            goto out;
        }
        if (!zi_read(&r, rec, kl + vl, true)) {
            rc = trunc_err(&r, "record");
            goto out;
        }
        if ((rc = add_leaf(&leaves, &n_leaves, &cap, e)))
            goto out;
        smt_leaf_t *l = &leaves[n_leaves - 1];
        if (tag == 1) {
            chain_addr_t a;
            chain_account_t acct;
            memcpy(a.b, rec, 20);
            if ((rc = chain_account_decode(rec + 20, vl, &acct, e)))
                goto out;
            chain_smt_key_account(&a, &l->key);
            db_batch_put(st->db, wb, CF_ACCOUNTS, rec, 20, rec + 20, vl);
            n_acc++;
        } else {
            chain_utxo_id_t id;
            chain_utxo_t u;
            memcpy(id.tx_hash.b, rec, 32);
            id.index = load_le32(rec + 32);
            if ((rc = chain_utxo_decode(rec + 36, vl, &u, e))) {
                err_prefix(e, "snapshot");
                goto out;
            }
            chain_smt_key_utxo(&id, &l->key);
            uint8_t ok[56];
            memcpy(ok, u.owner.b, 20);
            memcpy(ok + 20, rec, 36);
            db_batch_put(st->db, wb, CF_UTXOS, rec, 36, rec + 36, vl);
            db_batch_put(st->db, wb, CF_OWNER_UTXO, ok, 56, "", 0);
            n_utxo++;
        }
        crypto_sha256(rec + kl, vl, l->vh.b);
    }
    uint8_t tail[24] = {0}, digest[32], want[32];
    size_t tl = ver >= 2 ? 24 : 16;
    if (!zi_read(&r, tail, tl, true) || !zi_read(&r, digest, 32, false)) {
        rc = trunc_err(&r, "trailer");
        goto out;
    }
    crypto_sha256_final(&r.sha, want);
    uint64_t ca = load_le64(tail), cu = load_le64(tail + 8), cd = load_le64(tail + 16);
    if (ca != n_acc || cu != n_utxo || cd != n_data) {
        rc = err_set(e, CHAIN_EINVAL,
                     "snapshot: trailer counts %llu/%llu/%llu differ from records %llu/%llu/%llu",
                     (unsigned long long)ca, (unsigned long long)cu, (unsigned long long)cd,
                     (unsigned long long)n_acc, (unsigned long long)n_utxo,
                     (unsigned long long)n_data);
        goto out;
    }
    if (!crypto_equal(digest, want, 32)) {
        rc = err_set(e, CHAIN_EINVAL, "snapshot: content digest mismatch (file altered)");
        goto out;
    }
    /* the optional proof section (a second zstd frame) */
    uint8_t ph[12];
    if (zi_read(&r, ph, 1, false)) {
        if (!zi_read(&r, ph + 1, sizeof ph - 1, false) || memcmp(ph, SNAP_PROOF_MAGIC, 8) != 0) {
            rc = r.zerr ? CHAIN_EINVAL
                        : err_set(e, CHAIN_EINVAL, "snapshot: data after the trailer is not a "
                                                   "proof section");
            goto out;
        }
        proof_len = load_le32(ph + 8);
        if (proof_len == 0 || proof_len > CHAIN_SNAP_PROOF_MAX) {
            rc = err_set(e, CHAIN_EINVAL, "snapshot: proof section of %u bytes (1..%u)",
                         proof_len, (unsigned)CHAIN_SNAP_PROOF_MAX);
            goto out;
        }
        if (!(proof = malloc(proof_len))) {
            rc = err_set(e, CHAIN_ENOMEM, "snapshot: out of memory");
            goto out;
        }
        if (!zi_read(&r, proof, proof_len, false)) {
            rc = trunc_err(&r, "proof section");
            goto out;
        }
        uint8_t extra;
        if (zi_read(&r, &extra, 1, false)) {
            rc = err_set(e, CHAIN_EINVAL, "snapshot: data after the proof section");
            goto out;
        }
    }
    if (r.zerr) {
        rc = CHAIN_EINVAL;
        goto out;
    }
    chain_hash_t root;
    if ((rc = smt_build(leaves, n_leaves, &nodes, &root, e))) {
        err_prefix(e, "snapshot");
        goto out;
    }
    if (!chain_hash_equal(&root, &blk->header.state_root)) {
        rc = err_set(e, CHAIN_EINVAL,
                     "snapshot: rebuilt state root differs from block %llu's state_root",
                     (unsigned long long)blk->header.height);
        goto out;
    }
    if (replace) {
        chain_hash_t g0;
        chain_header_hash(&gblk->header, &g0);
        if (!chain_hash_equal(&g0, &have0)) {
            rc = err_set(e, CHAIN_EINVAL, "snapshot: its block 0 is not the store's block 0");
            goto out;
        }
    }
    /* the caller's check of the proof (a BFT chain: the tip is final) */
    const chain_meta_op_t *ops = NULL;
    size_t n_ops = 0;
    if (opts && opts->verify &&
        (rc = opts->verify(opts->ud, blk, proof, proof_len, &ops, &n_ops, e)) != 0)
        goto out;
    if (replace && (rc = batch_clear_state(st, wb, e)) != 0)
        goto out;
    for (size_t i = 0; i < n_ops; i++) {
        if (ops[i].val)
            db_batch_put(st->db, wb, CF_META, ops[i].key, ops[i].klen, ops[i].val, ops[i].vlen);
        else
            db_batch_delete(st->db, wb, CF_META, ops[i].key, ops[i].klen);
    }
    if (smt_batch_nodes(st, &nodes, wb) != 0) {
        rc = err_set(e, CHAIN_ENOMEM, "snapshot: out of memory");
        goto out;
    }
    {
        uint8_t hk[8], tip[40];
        store_be64(hk, blk->header.height);
        chain_hash_t bh;
        chain_header_hash(&blk->header, &bh);
        db_batch_put(st->db, wb, CF_BLOCKS, hk, 8, braw, blen);
        db_batch_put(st->db, wb, CF_BLOCK_IDX, bh.b, 32, hk, 8);
        if (blk->header.height != 0) {
            static const uint8_t k0[8] = {0};
            chain_hash_t gh;
            chain_header_hash(&gblk->header, &gh);
            db_batch_put(st->db, wb, CF_BLOCKS, k0, 8, graw, glen);
            db_batch_put(st->db, wb, CF_BLOCK_IDX, gh.b, 32, k0, 8);
        }
        memcpy(tip, hk, 8);
        memcpy(tip + 8, bh.b, 32);
        db_batch_put(st->db, wb, CF_META, "tip", 3, tip, 40);
        /* no block (and no state history) below the snapshot's tip */
        db_batch_put(st->db, wb, CF_META, "snap_base", 9, hk, 8);
        db_batch_put(st->db, wb, CF_META, "hist_base", 9, hk, 8);
    }
    pthread_rwlock_wrlock(&st->lock);
    if (st->has_tip && (!replace || st->tip.height != 0)) {
        rc = err_set(e, CHAIN_EINVAL, "snapshot: the store got a chain during import");
    } else {
        if ((rc = db_write(st->db, wb, e)) != 0) {
            err_prefix(e, "snapshot: writing the state");
        } else {
            pthread_mutex_lock(&st->cache_mu);
            smt_cache_clear(st);
            pthread_mutex_unlock(&st->cache_mu);
            rc = store_reload_tip(st, e);
        }
    }
    pthread_rwlock_unlock(&st->lock);
out:
    if (r.f)
        fclose(r.f);
    ZSTD_freeDCtx(r.z);
    db_batch_free(wb);
    kv_free(&nodes);
    free(leaves);
    free(dval);
    free(proof);
    free(braw);
    free(graw);
    chain_block_free(blk);
    chain_block_free(gblk);
    return rc;
}

/* ---- full check (fsck) ---- */

int chain_state_check(chain_state_t *st, err_t *e)
{
    int rc = 0;
    pthread_rwlock_rdlock(&st->lock);
    chain_hash_t want = st->root;
    bool has_tip = st->has_tip;
    db_snap_t *snap = db_snapshot(st->db, e);
    pthread_rwlock_unlock(&st->lock);
    if (!snap)
        return err_prefix(e, "state check"), CHAIN_EIO;
    smt_leaf_t *leaves = NULL;
    size_t n = 0, cap = 0, n_utxo = 0, n_index = 0;
    kv_map_t nodes;
    kv_init(&nodes, SMT_POS_BYTES);
    static const int cfs[2] = {CF_ACCOUNTS, CF_UTXOS};
    for (int c = 0; c < 2 && !rc; c++) {
        db_iter_t *it = db_iter_new(st->db, snap, cfs[c], e);
        if (!it) {
            rc = CHAIN_EIO;
            break;
        }
        for (db_iter_first(it); db_iter_valid(it) && !rc; db_iter_next(it)) {
            size_t kl, vl;
            const uint8_t *k = db_iter_key(it, &kl);
            const uint8_t *v = db_iter_value(it, &vl);
            if (kl != (c == 0 ? 20u : 36u) ||
                vl != (c == 0 ? (size_t)CHAIN_ACCOUNT_BYTES : (size_t)CHAIN_UTXO_BYTES)) {
                rc = err_set(e, CHAIN_EIO, "state check: malformed %s record",
                             c == 0 ? "account" : "UTxO");
                break;
            }
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 1024;
                smt_leaf_t *p = realloc(leaves, nc * sizeof *p);
                if (!p) {
                    rc = err_set(e, CHAIN_ENOMEM, "state check: out of memory");
                    break;
                }
                leaves = p;
                cap = nc;
            }
            if (c == 0) {
                chain_addr_t a;
                memcpy(a.b, k, 20);
                chain_smt_key_account(&a, &leaves[n].key);
            } else {
                chain_utxo_id_t id;
                memcpy(id.tx_hash.b, k, 32);
                id.index = load_le32(k + 32);
                chain_smt_key_utxo(&id, &leaves[n].key);
                n_utxo++;
            }
            crypto_sha256(v, vl, leaves[n].vh.b);
            n++;
        }
        if (!rc && db_iter_status(it, e) != 0)
            rc = (err_prefix(e, "state check"), CHAIN_EIO);
        db_iter_free(it);
    }
    if (!rc) {
        /* data leaves (issue 16): tag ‖ id32 -> value */
        db_iter_t *it = db_iter_new(st->db, snap, CF_DATA, e);
        if (!it)
            rc = CHAIN_EIO;
        else
            db_iter_first(it);
        for (; it && db_iter_valid(it) && !rc; db_iter_next(it)) {
            size_t kl, vl;
            const uint8_t *k = db_iter_key(it, &kl);
            const uint8_t *v = db_iter_value(it, &vl);
            if (kl != 33 || vl == 0 || vl > CHAIN_DATA_MAX) {
                rc = err_set(e, CHAIN_EIO, "state check: malformed data record");
                break;
            }
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 1024;
                smt_leaf_t *p = realloc(leaves, nc * sizeof *p);
                if (!p) {
                    rc = err_set(e, CHAIN_ENOMEM, "state check: out of memory");
                    break;
                }
                leaves = p;
                cap = nc;
            }
            chain_smt_key_data(k[0], k + 1, &leaves[n].key);
            crypto_sha256(v, vl, leaves[n].vh.b);
            n++;
        }
        if (it && !rc && db_iter_status(it, e) != 0)
            rc = (err_prefix(e, "state check"), CHAIN_EIO);
        db_iter_free(it);
    }
    if (!rc) {
        /* every index entry must name a stored UTxO of that owner */
        db_iter_t *it = db_iter_new(st->db, snap, CF_OWNER_UTXO, e);
        if (!it)
            rc = CHAIN_EIO;
        else
            db_iter_first(it);
        for (; it && db_iter_valid(it) && !rc; db_iter_next(it)) {
            size_t kl, vl = 0;
            const uint8_t *k = db_iter_key(it, &kl);
            uint8_t *v = NULL;
            int g = kl == 56 ? db_get(st->db, snap, CF_UTXOS, k + 20, 36, &v, &vl, e)
                             : CHAIN_ENOTFOUND;
            if (g != 0 && g != CHAIN_ENOTFOUND)
                rc = (err_prefix(e, "state check"), CHAIN_EIO);
            else if (!v || vl != CHAIN_UTXO_BYTES || memcmp(v, k, 20) != 0)
                rc = err_set(e, CHAIN_EIO, "state check: owner index names a missing or "
                                           "foreign UTxO");
            free(v);
            n_index++;
        }
        if (it && !rc && db_iter_status(it, e) != 0)
            rc = (err_prefix(e, "state check"), CHAIN_EIO);
        db_iter_free(it);
        if (!rc && n_index != n_utxo)
            rc = err_set(e, CHAIN_EIO, "state check: %zu UTxOs but %zu owner index entries",
                         n_utxo, n_index);
    }
    chain_hash_t root = {{0}};
    if (!rc && (rc = smt_build(leaves, n, &nodes, &root, e)) == 0) {
        chain_hash_t zero = {{0}};
        if (!chain_hash_equal(&root, has_tip ? &want : &zero))
            rc = err_set(e, CHAIN_EIO,
                         "state check: the %zu stored leaves hash to a different root than the "
                         "tip's state_root",
                         n);
    }
    kv_free(&nodes);
    free(leaves);
    db_snapshot_release(st->db, snap);
    return rc;
}

/*
 * Snapshots of a BFT chain (bft.h, "snapshots"): the proof that a
 * snapshot's tip is final, its check on import, and the producer that
 * writes a proven snapshot every N blocks without blocking consensus.
 *
 * Why the proof is what it is. A QC over consensus block B_k certifies the
 * transactions of chain block k and, through its payload's (cert_height,
 * cert_hash), the HASH of an earlier chain block (bft.h). The hash of chain
 * block h (so its state root) is therefore proven only once a later block k
 * commits whose payload names (h, hash): the snapshot of height h is
 * written at h and its proof appended when record k exists, a few blocks
 * later. To run consensus from h the importer also needs h's anchor: the
 * epoch seed (pinned by B_h's VRF proof, which verifies against one seed
 * only and which the QC'd validators checked) and the VRF accumulator (the
 * fold of the VRF outputs of the epoch's committed blocks up to B_h, whose
 * headers the proof carries, linked to B_h by their ids).
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the proof ---------------------------------------------------------------- */

static int put_rec(chain_state_t *st, const char *pfx, uint64_t h, buf_t *out, err_t *e)
{
    char k[16];
    size_t kl;
    uint8_t *v = NULL;
    size_t vl = 0;
    bft_key_h(k, pfx, h, &kl);
    int rc = chain_state_meta_get(st, k, kl, &v, &vl, e);
    if (rc == CHAIN_ENOTFOUND)
        return err_set(e, BFT_ENOTFOUND, "bft: no finality record for height %llu",
                       (unsigned long long)h);
    if (rc)
        return BFT_ESTORE;
    buf_append_u64_le(out, h);
    buf_append_u32_le(out, (uint32_t)vl);
    buf_append(out, v, vl);
    free(v);
    return 0;
}

/* Headers of the base epoch kept by an imported store (c/snap_hdrs): the
 * committed consensus headers of B_base's epoch up to B_base. */
typedef struct hdr_list {
    cons_header_t *h;
    uint32_t n;
} hdr_list_t;

static int hdrs_decode(const uint8_t *p, size_t n, size_t *used, hdr_list_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (n < 4)
        return err_set(e, BFT_EINVAL, "bft: snapshot proof: header count truncated");
    uint32_t k = load_le32(p);
    if (k > BFT_SNAP_HDRS_MAX)
        return err_set(e, BFT_EINVAL, "bft: snapshot proof: %u epoch headers (at most %u)", k,
                       (unsigned)BFT_SNAP_HDRS_MAX);
    out->h = calloc(k ? k : 1, sizeof *out->h);
    if (!out->h)
        return err_set(e, BFT_ENOMEM, "bft: out of memory");
    size_t off = 4;
    for (uint32_t i = 0; i < k; i++) {
        if (n - off < 4 || load_le32(p + off) > n - off - 4) {
            free(out->h);
            out->h = NULL;
            return err_set(e, BFT_EINVAL, "bft: snapshot proof: epoch header %u truncated", i);
        }
        uint32_t hl = load_le32(p + off);
        if (cons_header_decode(p + off + 4, hl, &out->h[i], e) != 0) {
            free(out->h);
            out->h = NULL;
            err_prefix(e, "bft: snapshot proof: epoch header %u", i);
            return BFT_EINVAL;
        }
        off += 4 + hl;
    }
    out->n = k;
    *used = off;
    return 0;
}

static int hdrs_encode(const cons_header_t *h, uint32_t n, buf_t *out)
{
    buf_append_u32_le(out, n);
    for (uint32_t i = 0; i < n; i++) {
        buf_t t;
        buf_init(&t, 0);
        if (cons_header_encode(&h[i], &t) != 0) {
            buf_free(&t);
            return BFT_EINVAL;
        }
        buf_append_u32_le(out, (uint32_t)t.len);
        buf_append(out, t.data, t.len);
        buf_free(&t);
    }
    return buf_ok(out) ? 0 : BFT_ENOMEM;
}

/* The committed header of height j: its finality record, or the base
 * epoch list of an imported store. */
static int header_at(chain_state_t *st, const hdr_list_t *base, uint64_t j, cons_header_t *out)
{
    bft_finality_t f;
    if (bft_finality_get(st, j, &f, NULL) == 0) {
        *out = f.block->h;
        bft_finality_free(&f);
        return 0;
    }
    for (uint32_t i = 0; base && i < base->n; i++)
        if (base->h[i].height == j) {
            *out = base->h[i];
            return 0;
        }
    return -1;
}

int bft_snap_proof_build(chain_state_t *st, uint64_t epoch_len, uint64_t h,
                         const uint8_t seed[32], buf_t *out, err_t *e)
{
    uint64_t k = 0;
    int rc = bft_cert_height(st, h, &k, e);
    if (rc)
        return rc;
    buf_append_byte(out, BFT_SNAP_PROOF_VERSION);
    if ((rc = put_rec(st, PFX_FIN, h, out, e)) || (rc = put_rec(st, PFX_FIN, k, out, e)))
        return rc;
    buf_append(out, seed, 32);
    /* B_h's epoch before B_h, newest first while walking down */
    hdr_list_t base = {0};
    uint8_t *v = NULL;
    size_t vl = 0, used;
    if (chain_state_meta_get(st, KEY_SNAP_HDRS, strlen(KEY_SNAP_HDRS), &v, &vl, NULL) == 0) {
        if (hdrs_decode(v, vl, &used, &base, NULL) != 0)
            memset(&base, 0, sizeof base);
        free(v);
    }
    cons_header_t top;
    if (header_at(st, &base, h, &top) != 0) {
        free(base.h);
        return err_set(e, BFT_ENOTFOUND, "bft: no header of height %llu", (unsigned long long)h);
    }
    uint64_t epoch = top.round / epoch_len;
    cons_header_t *list = calloc(BFT_SNAP_HDRS_MAX, sizeof *list);
    uint32_t n = 0;
    if (!list) {
        free(base.h);
        return err_set(e, BFT_ENOMEM, "bft: out of memory");
    }
    cons_header_t cur = top;
    while (cur.height > 1 && cur.qc.round / epoch_len == epoch) {
        if (n == BFT_SNAP_HDRS_MAX || header_at(st, &base, cur.height - 1, &list[n]) != 0) {
            free(list);
            free(base.h);
            return err_set(e, BFT_ENOTFOUND, "bft: the epoch of height %llu is not stored back "
                                             "to its first block", (unsigned long long)h);
        }
        cur = list[n++];
    }
    for (uint32_t i = 0; i < n / 2; i++) {
        cons_header_t t = list[i];
        list[i] = list[n - 1 - i];
        list[n - 1 - i] = t;
    }
    rc = hdrs_encode(list, n, out);
    free(list);
    free(base.h);
    return rc ? err_set(e, rc, "bft: encoding the snapshot proof") : 0;
}

/* One "u64 height, u32 len, record" of the proof. */
static int get_rec(const uint8_t *p, size_t n, size_t *off, uint64_t *h, const uint8_t **rec,
                   uint32_t *len, bft_finality_t *f, const char *what, err_t *e)
{
    if (n - *off < 12 || load_le32(p + *off + 8) > n - *off - 12)
        return err_set(e, BFT_EINVAL, "bft: snapshot proof: %s truncated", what);
    *h = load_le64(p + *off);
    *len = load_le32(p + *off + 8);
    *rec = p + *off + 12;
    if (bft_finality_decode(*rec, *len, f, e) != 0) {
        err_prefix(e, "bft: snapshot proof: %s", what);
        return BFT_EINVAL;
    }
    *off += 12 + *len;
    return 0;
}

int bft_snap_proof_decode(const uint8_t *p, size_t n, bft_snap_proof_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!p || n < 1)
        return err_set(e, BFT_EINVAL, "bft: the snapshot has no finality proof (a BFT chain "
                                      "imports only snapshots whose tip is proven final)");
    if (p[0] != BFT_SNAP_PROOF_VERSION)
        return err_set(e, BFT_EINVAL, "bft: snapshot proof version %u", p[0]);
    size_t off = 1, used = 0;
    int rc = get_rec(p, n, &off, &out->height, &out->rec, &out->rec_len, &out->fin,
                     "the tip's finality record", e);
    if (rc == 0)
        rc = get_rec(p, n, &off, &out->cert_height, &out->cert_rec, &out->cert_rec_len,
                     &out->cert, "the certifying record", e);
    if (rc == 0 && n - off < 32)
        rc = err_set(e, BFT_EINVAL, "bft: snapshot proof: epoch seed truncated");
    if (rc == 0) {
        memcpy(out->seed, p + off, 32);
        off += 32;
        hdr_list_t l;
        rc = hdrs_decode(p + off, n - off, &used, &l, e);
        out->hdrs = l.h;
        out->n_hdrs = l.n;
    }
    if (rc == 0 && off + used != n)
        rc = err_set(e, BFT_EINVAL, "bft: snapshot proof: %zu stray bytes", n - off - used);
    if (rc)
        bft_snap_proof_free(out);
    return rc;
}

void bft_snap_proof_free(bft_snap_proof_t *p)
{
    if (!p)
        return;
    bft_finality_free(&p->fin);
    bft_finality_free(&p->cert);
    free(p->hdrs);
    p->hdrs = NULL;
    p->n_hdrs = 0;
}

/* The epoch headers then B_h: same epoch, consecutive, linked by ids, led
 * by the seed's leader with a VRF proof over the seed; acc = their fold. */
static int check_epoch(const cons_valset_t *vs, uint64_t epoch_len, const chain_hash_t *gid,
                       const bft_snap_proof_t *p, uint8_t acc[32], err_t *e)
{
    const cons_header_t *top = &p->fin.block->h;
    uint64_t epoch = top->round / epoch_len;
    memset(acc, 0, 32);
    for (uint32_t i = 0; i <= p->n_hdrs; i++) {
        const cons_header_t *x = i < p->n_hdrs ? &p->hdrs[i] : top;
        if (x->round / epoch_len != epoch)
            return err_set(e, BFT_EINVAL, "bft: snapshot proof: epoch header %u is from "
                                          "another epoch", i);
        if (i == 0 && x->qc.round / epoch_len == epoch && !chain_hash_equal(&x->qc.block_id, gid))
            return err_set(e, BFT_EINVAL, "bft: snapshot proof: the epoch headers do not start "
                                          "at the epoch's first block");
        if (i > 0) {
            chain_hash_t id;
            cons_header_id(&p->hdrs[i - 1], &id);
            if (!chain_hash_equal(&x->qc.block_id, &id) || x->height != p->hdrs[i - 1].height + 1)
                return err_set(e, BFT_EINVAL, "bft: snapshot proof: epoch header %u does not "
                                              "extend the one before", i);
        }
        if (x->proposer >= cons_valset_size(vs) || cons_leader(vs, p->seed, x->round) != x->proposer)
            return err_set(e, BFT_EINVAL, "bft: snapshot proof: the block of round %llu is not "
                                          "led by the seed's leader (wrong epoch seed)",
                           (unsigned long long)x->round);
        uint8_t alpha[53], beta[CONS_VRF_OUT_BYTES];
        cons_vrf_alpha(p->seed, x->round, alpha);
        if (cons_crypto_bls.vrf_verify(cons_valset_get(vs, x->proposer)->vrf_pk, alpha,
                                       sizeof alpha, x->vrf_proof, beta, NULL) != 0)
            return err_set(e, BFT_EINVAL, "bft: snapshot proof: the VRF proof of round %llu does "
                                          "not verify under the epoch seed",
                           (unsigned long long)x->round);
        uint8_t ain[13 + 32 + 64];
        memcpy(ain, "aether/acc/v1", 13);
        memcpy(ain + 13, acc, 32);
        memcpy(ain + 45, beta, 64);
        crypto_sha256(ain, sizeof ain, acc);
    }
    return 0;
}

int bft_snap_proof_verify(const node_genesis_t *g, const cons_valset_t *vs,
                          const chain_header_t *tip, const bft_snap_proof_t *p,
                          cons_anchor_t *anchor, err_t *e)
{
    chain_hash_t gid, tip_hash;
    err_t de = {0};
    if (node_genesis_cons_id(g, &gid, e) != 0)
        return BFT_EINVAL;
    if (tip->height == 0)
        return err_set(e, BFT_EINVAL, "bft: a snapshot of block 0 restores nothing");
    if (p->height != tip->height || p->fin.block->h.height != tip->height)
        return err_set(e, BFT_EINVAL, "bft: the snapshot proof is for height %llu, the tip is "
                                      "%llu", (unsigned long long)p->fin.block->h.height,
                       (unsigned long long)tip->height);
    if (bft_finality_verify(vs, g->g.chain_id, &gid, &p->fin, &de) != 0)
        return err_set(e, BFT_EINVAL, "bft: the snapshot's tip is not proven final: %s", de.msg);
    if (p->cert.block->h.height != p->cert_height || p->cert_height <= tip->height)
        return err_set(e, BFT_EINVAL, "bft: the certifying record is of height %llu",
                       (unsigned long long)p->cert.block->h.height);
    if (bft_finality_verify(vs, g->g.chain_id, &gid, &p->cert, &de) != 0)
        return err_set(e, BFT_EINVAL, "bft: the block certifying the snapshot's tip is not "
                                      "final: %s", de.msg);
    bft_payload_t pl;
    if (bft_payload_decode(p->cert.block->payload, p->cert.block->payload_len, &pl, &de) != 0)
        return err_set(e, BFT_EINVAL, "bft: the certifying block's payload: %s", de.msg);
    chain_header_hash(tip, &tip_hash);
    if (pl.cert_height != tip->height || !chain_hash_equal(&pl.cert_hash, &tip_hash))
        return err_set(e, BFT_EINVAL, "bft: the snapshot's tip header is not the chain block the "
                                      "validators certified at height %llu (state root or header "
                                      "altered)", (unsigned long long)tip->height);
    uint8_t acc[32];
    int rc = check_epoch(vs, g->cons.epoch_len, &gid, p, acc, e);
    if (rc)
        return rc;
    memset(anchor, 0, sizeof *anchor);
    anchor->id = p->fin.block->id;
    anchor->round = p->fin.block->h.round;
    anchor->height = tip->height;
    memcpy(anchor->seed, p->seed, 32);
    memcpy(anchor->acc, acc, 32);
    anchor->qc = p->fin.chain[0].qc;
    return 0;
}

/* ---- import ------------------------------------------------------------------- */

typedef struct imp {
    const node_genesis_t *g;
    cons_valset_t *vs;
    buf_t anc, hdrs, fin;
    char fin_key[16];
    size_t fin_kl;
    chain_meta_op_t ops[4];
    cons_anchor_t anchor;
} imp_t;

static int imp_verify(void *ud, const chain_block_t *tip, const uint8_t *proof, size_t n,
                      const chain_meta_op_t **ops, size_t *n_ops, err_t *e)
{
    imp_t *x = ud;
    bft_snap_proof_t p;
    int rc = bft_snap_proof_decode(proof, n, &p, e);
    if (rc == 0)
        rc = bft_snap_proof_verify(x->g, x->vs, &tip->header, &p, &x->anchor, e);
    if (rc == 0) {
        bft_anchor_encode(&x->anchor, &x->anc);
        /* the base epoch's headers, B_h last, for the proofs of later snapshots */
        cons_header_t *all = malloc((p.n_hdrs + 1) * sizeof *all);
        if (!all) {
            rc = err_set(e, BFT_ENOMEM, "bft: out of memory");
        } else {
            if (p.n_hdrs)
                memcpy(all, p.hdrs, p.n_hdrs * sizeof *all);
            all[p.n_hdrs] = p.fin.block->h;
            rc = hdrs_encode(all, p.n_hdrs + 1, &x->hdrs);
            free(all);
        }
        buf_append(&x->fin, p.rec, p.rec_len);
    }
    bft_snap_proof_free(&p);
    if (rc)
        return rc;
    if (!buf_ok(&x->anc) || !buf_ok(&x->fin) || x->anc.len == 0)
        return err_set(e, BFT_ENOMEM, "bft: out of memory");
    bft_key_h(x->fin_key, PFX_FIN, tip->header.height, &x->fin_kl);
    x->ops[0] = (chain_meta_op_t){KEY_ANCHOR, strlen(KEY_ANCHOR), x->anc.data, x->anc.len};
    x->ops[1] = (chain_meta_op_t){KEY_SNAP_HDRS, strlen(KEY_SNAP_HDRS), x->hdrs.data, x->hdrs.len};
    x->ops[2] = (chain_meta_op_t){x->fin_key, x->fin_kl, x->fin.data, x->fin.len};
    *ops = x->ops;
    *n_ops = 3;
    return 0;
}

int bft_snapshot_import(chain_state_t *st, const node_genesis_t *g, const char *path,
                        bool replace_genesis, cons_anchor_t *anchor, err_t *e)
{
    if (!g->bft)
        return err_set(e, BFT_EINVAL, "bft: the genesis has no \"consensus\" section");
    imp_t x;
    memset(&x, 0, sizeof x);
    x.g = g;
    buf_init(&x.anc, 0);
    buf_init(&x.hdrs, 0);
    buf_init(&x.fin, 0);
    int rc = BFT_EINVAL;
    if ((x.vs = bft_valset_genesis(g, e)) != NULL) {
        chain_snap_opts_t o = {.replace_genesis = replace_genesis, .verify = imp_verify, .ud = &x};
        rc = chain_state_snapshot_import_opts(st, path, &g->g, &o, e);
        if (rc == 0 && anchor)
            *anchor = x.anchor;
    }
    cons_valset_free(x.vs);
    buf_free(&x.anc);
    buf_free(&x.hdrs);
    buf_free(&x.fin);
    return rc;
}

/* ---- the chunk protocol (frames SNAP_GET / SNAP_DATA, bft.h) ---------------- */

int bft_snap_get_decode(const uint8_t *p, size_t n, bft_snap_get_t *out, err_t *e)
{
    if (n != 20)
        return err_set(e, BFT_EINVAL, "bft: snapshot request of %zu bytes (20)", n);
    out->height = load_le64(p);
    out->offset = load_le64(p + 8);
    out->len = load_le32(p + 16);
    if (out->len == 0 || out->len > BFT_SNAP_CHUNK)
        return err_set(e, BFT_EINVAL, "bft: snapshot request of a %u-byte chunk (1..%u)",
                       out->len, (unsigned)BFT_SNAP_CHUNK);
    return 0;
}

int bft_snap_data_decode(const uint8_t *p, size_t n, bft_snap_data_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (n < 8 + 8 + 32 + 8)
        return err_set(e, BFT_EINVAL, "bft: snapshot chunk of %zu bytes is too short", n);
    out->height = load_le64(p);
    out->size = load_le64(p + 8);
    memcpy(out->sha256, p + 16, 32);
    out->offset = load_le64(p + 48);
    out->data = p + 56;
    out->len = n - 56;
    if (out->height == 0)
        return out->size || out->offset || out->len
                   ? err_set(e, BFT_EINVAL, "bft: an empty snapshot offer with data")
                   : 0;
    if (out->size == 0 || out->size > BFT_SNAP_FILE_MAX)
        return err_set(e, BFT_EINVAL, "bft: snapshot of %llu bytes (1..%llu)",
                       (unsigned long long)out->size, (unsigned long long)BFT_SNAP_FILE_MAX);
    if (out->len == 0 || out->len > BFT_SNAP_CHUNK || out->offset > out->size ||
        out->len > out->size - out->offset)
        return err_set(e, BFT_EINVAL, "bft: snapshot chunk [%llu, +%zu) outside the %llu-byte "
                                      "file", (unsigned long long)out->offset, out->len,
                       (unsigned long long)out->size);
    return 0;
}

uint64_t bft_snapshot_newest(const char *dir)
{
    DIR *d = opendir(dir);
    uint64_t best = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        unsigned long long h;
        char tail[16];
        if (sscanf(de->d_name, "snap-%llu.%15s", &h, tail) == 2 && strcmp(tail, "aesnap") == 0 &&
            h > best)
            best = h;
    }
    if (d)
        closedir(d);
    return best;
}

/* ---- the producer and the fetcher (loop thread, plus one writer thread) ---- */

struct bft_snapper {
    chain_state_t *st;
    const node_genesis_t *g;
    bft_send_fn send;
    void *send_ud;
    char dir[3072];
    uint64_t interval;
    /* the newest complete snapshot (served) */
    char cur_path[3200];
    uint64_t cur_height, cur_size;
    uint8_t cur_sha[32];
    int cur_fd;
    /* one being written: pinned at a commit, written by thr, proven later */
    chain_snap_pin_t *pin;
    cons_anchor_t pin_anchor;
    char part[3200];
    pthread_t thr;
    bool thr_running;
    _Atomic bool thr_done;
    int thr_rc;
    err_t thr_err;
    bool finishing;          /* the thread appends the proof (else: writes) */
    char done_path[3200];
    uint8_t done_sha[32];
    uint64_t done_size;
    bool epoch_warned;
    /* fetching */
    bool fetching;
    uint32_t peer;
    uint64_t f_height, f_size, f_got, f_deadline;
    uint8_t f_sha[32];
    crypto_sha256_ctx_t f_ctx;
    FILE *f;
    char f_path[3200];
};

static int file_sha256(const char *path, uint8_t out[32], uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    crypto_sha256_ctx_t c;
    crypto_sha256_init(&c);
    uint8_t buf[1 << 16];
    size_t k;
    *size = 0;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        crypto_sha256_update(&c, buf, k);
        *size += k;
    }
    int rc = ferror(f) ? -1 : 0;
    fclose(f);
    crypto_sha256_final(&c, out);
    return rc;
}

/* Makes path (height h, its SHA-256 and size) the served snapshot;
 * removes the one before. Cheap: the hash was computed off the loop. */
static void adopt(bft_snapper_t *s, const char *path, uint64_t h, const uint8_t sha[32],
                  uint64_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (s->cur_fd >= 0) {
        close(s->cur_fd);
        if (strcmp(s->cur_path, path) != 0)
            unlink(s->cur_path);
    }
    s->cur_fd = fd;
    snprintf(s->cur_path, sizeof s->cur_path, "%s", path);
    s->cur_height = h;
    s->cur_size = size;
    memcpy(s->cur_sha, sha, 32);
    log_info("bft", "serving a snapshot", "height=%llu bytes=%llu path=%s", (unsigned long long)h,
             (unsigned long long)size, path);
}

bft_snapper_t *bft_snapper_new(chain_state_t *st, const node_genesis_t *g, bft_send_fn send,
                               void *send_ud, const char *dir, uint64_t interval, err_t *e)
{
    bft_snapper_t *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, BFT_ENOMEM, "bft: out of memory");
        return NULL;
    }
    s->st = st;
    s->g = g;
    s->send = send;
    s->send_ud = send_ud;
    s->interval = interval;
    s->cur_fd = -1;
    if (!dir)
        return s;   /* neither serves nor fetches */
    if (strlen(dir) >= sizeof s->dir - 64) {
        free(s);
        err_set(e, BFT_EINVAL, "bft: snapshot directory path too long");
        return NULL;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        err_set(e, BFT_EINVAL, "bft: cannot create the snapshot directory %s: %s", dir,
                strerror(errno));
        free(s);
        return NULL;
    }
    /* partial files of an earlier run go; its newest proven snapshot stays */
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        unsigned long long h;
        char tail[16], p[3200];
        bool part = sscanf(de->d_name, "snap-%llu.%15s", &h, tail) == 2 && strcmp(tail, "aesnap");
        if (part || strcmp(de->d_name, "incoming.part") == 0) {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    uint64_t best = bft_snapshot_newest(dir);
    if (best) {
        char p[3200];
        snprintf(p, sizeof p, "%s/snap-%llu.aesnap", dir, (unsigned long long)best);
        uint8_t sha[32];
        uint64_t size = 0;
        if (file_sha256(p, sha, &size) == 0 && size > 0)
            adopt(s, p, best, sha, size);   /* at start, before consensus runs */
        else
            log_warn("bft", "cannot read a snapshot", "path=%s", p);
    }
    return s;
}

static void *writer_main(void *arg)
{
    bft_snapper_t *s = arg;
    s->thr_rc = chain_state_snapshot_write_pin(s->st, s->pin, s->part, &s->thr_err);
    atomic_store(&s->thr_done, true);
    return NULL;
}

static void writer_join(bft_snapper_t *s)
{
    if (s->thr_running) {
        pthread_join(s->thr, NULL);
        s->thr_running = false;
    }
    chain_state_snapshot_unpin(s->st, s->pin);
    s->pin = NULL;
}

void bft_snapper_free(bft_snapper_t *s)
{
    if (!s)
        return;
    writer_join(s);
    if (s->part[0])
        unlink(s->part);
    if (s->cur_fd >= 0)
        close(s->cur_fd);
    if (s->f) {
        fclose(s->f);
        unlink(s->f_path);
    }
    free(s);
}

void bft_snapper_committed(bft_snapper_t *s, const cons_anchor_t *a)
{
    if (!s->dir[0] || !s->interval || a->height % s->interval != 0 || s->pin || s->part[0])
        return;
    err_t e = {0};
    uint64_t h = 0;
    /* The proof is checked against the genesis set: past the first validator
     * epoch (a staking chain, bft.h) the QCs are another set's, and the
     * chain of epoch changes is not in the proof yet. No snapshot then:
     * joining nodes replay blocks. */
    bft_epoch_t ep;
    if (bft_epoch_current(s->st, s->g, &ep, NULL) != 0 || ep.epoch > 0) {
        if (!s->epoch_warned)
            log_warn("bft", "no snapshots past validator epoch 0 (not supported yet)",
                     "height=%llu", (unsigned long long)a->height);
        s->epoch_warned = true;
        return;
    }
    /* on the loop thread, right after the commit: the tip is a's block */
    s->pin = chain_state_snapshot_pin(s->st, &h, &e);
    if (!s->pin) {
        log_warn("bft", "cannot pin a snapshot", "err=\"%s\"", e.msg);
        return;
    }
    if (h != a->height) {
        chain_state_snapshot_unpin(s->st, s->pin);
        s->pin = NULL;
        return;
    }
    s->pin_anchor = *a;
    snprintf(s->part, sizeof s->part, "%s/snap-%llu.part", s->dir, (unsigned long long)h);
    atomic_store(&s->thr_done, false);
    memset(&s->thr_err, 0, sizeof s->thr_err);
    if (pthread_create(&s->thr, NULL, writer_main, s) != 0) {
        chain_state_snapshot_unpin(s->st, s->pin);
        s->pin = NULL;
        s->part[0] = 0;
        return;
    }
    s->thr_running = true;
}

/* Off the loop thread: the proof appended, the file renamed and hashed. */
static void *finish_main(void *arg)
{
    bft_snapper_t *s = arg;
    uint64_t h = s->pin_anchor.height;
    buf_t p;
    buf_init(&p, 0);
    snprintf(s->done_path, sizeof s->done_path, "%s/snap-%llu.aesnap", s->dir,
             (unsigned long long)h);
    int rc = bft_snap_proof_build(s->st, s->g->cons.epoch_len, h, s->pin_anchor.seed, &p,
                                  &s->thr_err);
    if (rc == 0)
        rc = chain_state_snapshot_add_proof(s->part, p.data, p.len, &s->thr_err);
    if (rc == 0 && rename(s->part, s->done_path) != 0)
        rc = err_set(&s->thr_err, BFT_ESTORE, "bft: cannot rename %s", s->part);
    if (rc == 0 && (file_sha256(s->done_path, s->done_sha, &s->done_size) != 0 ||
                    s->done_size == 0))
        rc = err_set(&s->thr_err, BFT_ESTORE, "bft: cannot read %s back", s->done_path);
    buf_free(&p);
    s->thr_rc = rc;
    atomic_store(&s->thr_done, true);
    return NULL;
}

void bft_snapper_tick(bft_snapper_t *s)
{
    if (!s->part[0] || (s->thr_running && !atomic_load(&s->thr_done)))
        return;
    if (s->thr_running || s->pin) {
        writer_join(s);
        if (s->thr_rc != 0) {
            log_warn("bft", s->finishing ? "snapshot not proven" : "snapshot not written",
                     "height=%llu err=\"%s\"", (unsigned long long)s->pin_anchor.height,
                     s->thr_err.msg);
            unlink(s->part);
            if (s->finishing)
                unlink(s->done_path);
            s->part[0] = 0;
            s->finishing = false;
            return;
        }
        if (s->finishing) {
            adopt(s, s->done_path, s->pin_anchor.height, s->done_sha, s->done_size);
            s->part[0] = 0;
            s->finishing = false;
            return;
        }
    }
    /* written: once a later block certifies the tip's hash, the proof */
    uint64_t k;
    if (bft_cert_height(s->st, s->pin_anchor.height, &k, NULL) != 0)
        return;
    s->finishing = true;
    atomic_store(&s->thr_done, false);
    memset(&s->thr_err, 0, sizeof s->thr_err);
    if (pthread_create(&s->thr, NULL, finish_main, s) != 0) {
        s->finishing = false;
        return;   /* tried again next tick */
    }
    s->thr_running = true;
}

void bft_snapper_serve(bft_snapper_t *s, uint32_t from, const bft_snap_get_t *r)
{
    uint8_t head[56];
    memset(head, 0, sizeof head);
    if (s->cur_fd < 0 || (r->height && r->height != s->cur_height) || r->offset >= s->cur_size) {
        s->send(s->send_ud, from, F_SNAP_DATA, NULL, 0, head, sizeof head);   /* none (any more) */
        return;
    }
    size_t len = r->len;
    if (len > s->cur_size - r->offset)
        len = (size_t)(s->cur_size - r->offset);
    uint8_t *buf = malloc(len);
    if (!buf)
        return;
    ssize_t k = pread(s->cur_fd, buf, len, (off_t)r->offset);
    if (k > 0) {
        store_le64(head, s->cur_height);
        store_le64(head + 8, s->cur_size);
        memcpy(head + 16, s->cur_sha, 32);
        store_le64(head + 48, r->offset);
        s->send(s->send_ud, from, F_SNAP_DATA, head, sizeof head, buf, (size_t)k);
    }
    free(buf);
}

bool bft_snapper_can_fetch(const bft_snapper_t *s)
{
    return s->dir[0] != 0;
}

bool bft_snapper_fetching(const bft_snapper_t *s)
{
    return s->fetching;
}

static void fetch_abort(bft_snapper_t *s)
{
    if (s->f) {
        fclose(s->f);
        s->f = NULL;
    }
    if (s->f_path[0])
        unlink(s->f_path);
    s->fetching = false;
}

static void fetch_ask(bft_snapper_t *s, uint64_t now)
{
    uint8_t req[20];
    store_le64(req, s->f_height);
    store_le64(req + 8, s->f_got);
    store_le32(req + 16, BFT_SNAP_CHUNK);
    s->send(s->send_ud, s->peer, F_SNAP_GET, NULL, 0, req, sizeof req);
    s->f_deadline = now + BFT_SNAP_TIMEOUT_MS;
}

void bft_snapper_fetch_start(bft_snapper_t *s, uint32_t peer, uint64_t now)
{
    fetch_abort(s);
    snprintf(s->f_path, sizeof s->f_path, "%s/incoming.part", s->dir);
    s->f = fopen(s->f_path, "wb");
    if (!s->f) {
        log_warn("bft", "cannot create a snapshot download", "path=%s", s->f_path);
        return;
    }
    s->fetching = true;
    s->peer = peer;
    s->f_height = 0;
    s->f_size = 0;
    s->f_got = 0;
    crypto_sha256_init(&s->f_ctx);
    log_info("bft", "fetching a snapshot", "peer=%u", peer);
    fetch_ask(s, now);
}

bool bft_snapper_timed_out(bft_snapper_t *s, uint64_t now, uint32_t *peer)
{
    if (!s->fetching || now < s->f_deadline)
        return false;
    *peer = s->peer;
    log_warn("bft", "snapshot download timed out", "peer=%u got=%llu of=%llu", s->peer,
             (unsigned long long)s->f_got, (unsigned long long)s->f_size);
    fetch_abort(s);
    return true;
}

int bft_snapper_on_data(bft_snapper_t *s, uint32_t from, const uint8_t *d, size_t n,
                        uint64_t now, const char **path, err_t *e)
{
    *path = NULL;
    if (!s->fetching || from != s->peer)
        return 0;   /* not asked (a late answer): ignored */
    bft_snap_data_t m;
    if (bft_snap_data_decode(d, n, &m, e) != 0) {
        fetch_abort(s);
        return BFT_EINVAL;
    }
    if (m.height == 0) {
        fetch_abort(s);
        return err_set(e, BFT_ENOTFOUND, "bft: the peer has no snapshot to offer");
    }
    if (s->f_got == 0 && s->f_height == 0) {
        s->f_height = m.height;
        s->f_size = m.size;
        memcpy(s->f_sha, m.sha256, 32);
    }
    if (m.height != s->f_height || m.size != s->f_size || memcmp(m.sha256, s->f_sha, 32) != 0 ||
        m.offset != s->f_got) {
        fetch_abort(s);
        return err_set(e, BFT_EINVAL, "bft: the snapshot changed or a chunk is out of order");
    }
    if (fwrite(m.data, 1, m.len, s->f) != m.len) {
        fetch_abort(s);
        return err_set(e, BFT_ESTORE, "bft: writing the snapshot download failed");
    }
    crypto_sha256_update(&s->f_ctx, m.data, m.len);
    s->f_got += m.len;
    if (s->f_got < s->f_size) {
        fetch_ask(s, now);
        return 0;
    }
    uint8_t sha[32];
    crypto_sha256_final(&s->f_ctx, sha);
    int rc = fflush(s->f) != 0 || fsync(fileno(s->f)) != 0;
    fclose(s->f);
    s->f = NULL;
    s->fetching = false;
    if (rc) {
        unlink(s->f_path);
        return err_set(e, BFT_ESTORE, "bft: flushing the snapshot download failed");
    }
    if (!crypto_equal(sha, s->f_sha, 32)) {
        unlink(s->f_path);
        return err_set(e, BFT_EINVAL, "bft: the downloaded snapshot does not hash to the offer");
    }
    log_info("bft", "snapshot downloaded", "height=%llu bytes=%llu peer=%u",
             (unsigned long long)s->f_height, (unsigned long long)s->f_size, from);
    *path = s->f_path;
    return 1;
}

int bft_snapshot_export(chain_state_t *st, const char *snap_dir, const char *out,
                        uint64_t *height, err_t *e)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    int rc = chain_state_meta_get(st, KEY_ANCHOR, strlen(KEY_ANCHOR), &v, &vl, NULL);
    free(v);
    if (rc == CHAIN_ENOTFOUND)
        return 1;   /* not a BFT store: the plain export applies */
    uint64_t best = bft_snapshot_newest(snap_dir);
    if (!best)
        return err_set(e, BFT_ENOTFOUND,
                       "bft: this store runs BFT consensus, where a snapshot's tip is proven "
                       "final only by later blocks; a running node writes proven snapshots into "
                       "%s every --snapshot-interval blocks, and none is there yet",
                       snap_dir);
    char src[4096], tmp[4200];
    snprintf(src, sizeof src, "%s/snap-%llu.aesnap", snap_dir, (unsigned long long)best);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    FILE *in = fopen(src, "rb"), *o = in ? fopen(tmp, "wbx") : NULL;
    rc = in && o ? 0 : err_set(e, BFT_ESTORE, "bft: cannot copy %s to %s: %s", src, tmp,
                               strerror(errno));
    uint8_t buf[1 << 16];
    size_t k;
    while (rc == 0 && (k = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, k, o) != k)
            rc = err_set(e, BFT_ESTORE, "bft: writing %s failed", tmp);
    if (rc == 0 && (ferror(in) || fflush(o) != 0 || fsync(fileno(o)) != 0))
        rc = err_set(e, BFT_ESTORE, "bft: copying %s failed", src);
    if (in)
        fclose(in);
    if (o && fclose(o) != 0 && rc == 0)
        rc = err_set(e, BFT_ESTORE, "bft: closing %s failed", tmp);
    if (rc == 0 && rename(tmp, out) != 0)
        rc = err_set(e, BFT_ESTORE, "bft: cannot rename to %s", out);
    if (rc != 0 && o)
        unlink(tmp);
    if (rc == 0)
        *height = best;
    return rc;
}

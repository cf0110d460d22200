/* chain/state: the one place that talks to RocksDB (see internal.h, "the
 * RocksDB wrapper"): open (one column family per kind), point reads,
 * snapshots and iterators, write batches written with the sync option, and
 * what happens when a write fails.
 *
 * A failed write (a full disk, an I/O error) leaves RocksDB in a background
 * error state in which more work on that handle (its own error recovery, a
 * flush) has aborted the process. So the handle is dropped at once and the
 * store reopened read-only: reads keep working, writes are refused until
 * db_recover() manages to reopen it read-write (the node retries). Nothing
 * acknowledged is lost: a write that failed was never acknowledged, and one
 * whose WAL record did reach the disk is replayed on reopen.
 *
 * The handle can change under readers, so every use of it holds a read lock
 * on d->lock (iterators and snapshots for their lifetime) and a handle swap
 * takes it exclusively. The lock prefers readers, so a thread may nest
 * reads (an iterator plus point reads). */
#include "internal.h"

#include <errno.h>
#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

/* THE durability switch: RocksDB fsyncs its write-ahead log before a batch
 * is acknowledged. A block, its receipts, the state change and the tip are
 * one batch, so a crash or power cut never loses an acknowledged block nor
 * leaves part of one. The power-loss test (tests/chain) fails without it. */
#define DB_SYNC_WRITES 1

static const char *const cf_names[CF_COUNT] = {
    "default", "accounts", "utxos", "owner_utxo", "smt",
    "blocks",  "block_idx", "txs",  "meta", "data", "logs", "history",
};

struct db {
    char *dir;
    rocksdb_t *db;               /* NULL only while unavailable */
    rocksdb_options_t *opts;
    rocksdb_options_t *cf_opts[CF_COUNT];
    rocksdb_column_family_handle_t *cf[CF_COUNT];
    rocksdb_readoptions_t *ro;
    rocksdb_writeoptions_t *wo;
    bool read_only;              /* opened read-only by request */
    _Atomic bool failed;         /* a write failed; open read-only until db_recover */
    pthread_rwlock_t lock;       /* the handle (see the top comment) */
    char fail_msg[ERR_MSG_MAX];
};

struct db_snap {
    const rocksdb_snapshot_t *s;
    rocksdb_readoptions_t *ro;
};

struct db_iter {
    db_t *d;
    rocksdb_iterator_t *it;
};

const char *db_cf_name(int cf)
{
    return cf >= 0 && cf < CF_COUNT ? cf_names[cf] : "?";
}

/* ---- open / close ---- */

static void handle_close(db_t *d)
{
    if (d->db) {
        for (int i = 0; i < CF_COUNT; i++)
            if (d->cf[i]) {
                rocksdb_column_family_handle_destroy(d->cf[i]);
                d->cf[i] = NULL;
            }
        rocksdb_close(d->db);
        d->db = NULL;
    }
}

/* A store written by another layout would fail with RocksDB's terse
 * message; name the stray column family instead. */
static int check_families(db_t *d, err_t *e)
{
    size_t n_have = 0;
    char *lerr = NULL;
    char **have = rocksdb_list_column_families(d->opts, d->dir, &n_have, &lerr);
    if (lerr) {
        rocksdb_free(lerr);   /* a new directory has none yet */
        if (have)
            rocksdb_list_column_families_destroy(have, n_have);
        return 0;
    }
    const char *stray = NULL;
    int rc = 0;
    for (size_t i = 0; i < n_have && !stray; i++) {
        bool known = false;
        for (int k = 0; k < CF_COUNT; k++)
            known = known || strcmp(have[i], cf_names[k]) == 0;
        if (!known)
            stray = have[i];
    }
    if (stray)
        rc = err_set(e, CHAIN_EIO,
                     "state: %s was written by an incompatible version (column family \"%s\")",
                     d->dir, stray);
    rocksdb_list_column_families_destroy(have, n_have);
    return rc;
}

static int handle_open(db_t *d, bool read_only, err_t *e)
{
    const rocksdb_options_t *cfo[CF_COUNT];
    for (int i = 0; i < CF_COUNT; i++)
        cfo[i] = d->cf_opts[i];
    char *err = NULL;
    if (read_only)
        d->db = rocksdb_open_for_read_only_column_families(d->opts, d->dir, CF_COUNT, cf_names,
                                                           cfo, d->cf, 0, &err);
    else
        d->db = rocksdb_open_column_families(d->opts, d->dir, CF_COUNT, cf_names, cfo, d->cf,
                                             &err);
    if (err) {
        /* RocksDB's own words for a held LOCK file do not say why it is held */
        if (strstr(err, "LOCK") && (strstr(err, "temporarily unavailable") ||
                                    strstr(err, "lock hold by current process")))
            err_set(e, CHAIN_EIO,
                    "state: cannot open %s: it is in use by another process (is a node "
                    "already running on this --data directory?): %s",
                    d->dir, err);
        else
            err_set(e, CHAIN_EIO, "state: cannot open %s: %s", d->dir, err);
        rocksdb_free(err);
        d->db = NULL;
        memset(d->cf, 0, sizeof d->cf);
        return CHAIN_EIO;
    }
    return 0;
}

db_t *db_open(const char *dir, bool read_only, err_t *e)
{
    db_t *d = calloc(1, sizeof *d);
    if (!d || !(d->dir = strdup(dir))) {
        free(d);
        err_set(e, CHAIN_ENOMEM, "state: out of memory");
        return NULL;
    }
    d->read_only = read_only;
    pthread_rwlock_init(&d->lock, NULL);
    /* a read-only open must not leave anything behind: RocksDB would create
     * a missing directory before failing on the missing CURRENT file */
    if (read_only) {
        struct stat sb;
        int se = stat(dir, &sb) != 0 ? errno : 0;
        if (se || !S_ISDIR(sb.st_mode)) {
            err_set(e, CHAIN_EIO, "state: no chain store at %s (%s)", dir,
                    se ? strerror(se) : "not a directory");
            goto fail;
        }
    }
    d->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(d->opts, 1);
    rocksdb_options_set_create_missing_column_families(d->opts, 1);
    rocksdb_options_increase_parallelism(d->opts, 2);
    rocksdb_options_set_max_open_files(d->opts, 512);
    /* RocksDB's info LOG lives in the data directory: on a full disk its
     * logger's first failed append makes the next one abort the process
     * (Debian's build keeps RocksDB's asserts: "sync_without_flush_called_",
     * issue 19). Our own log says what matters, so RocksDB logs only fatal
     * errors and no periodic statistics. */
    rocksdb_options_set_info_log_level(d->opts, 4 /* FATAL_LEVEL */);
    rocksdb_options_set_stats_dump_period_sec(d->opts, 0);
    rocksdb_block_based_table_options_t *bbo = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_filter_policy(bbo, rocksdb_filterpolicy_create_bloom(10));
    for (int i = 0; i < CF_COUNT; i++) {
        d->cf_opts[i] = rocksdb_options_create();
        rocksdb_options_set_block_based_table_factory(d->cf_opts[i], bbo);
        rocksdb_options_set_write_buffer_size(d->cf_opts[i], 32u << 20);
    }
    rocksdb_block_based_options_destroy(bbo);
    d->ro = rocksdb_readoptions_create();
    d->wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(d->wo, DB_SYNC_WRITES);
    if (check_families(d, e) != 0 || handle_open(d, read_only, e) != 0)
        goto fail;
    return d;
fail:
    db_close(d);
    return NULL;
}

void db_close(db_t *d)
{
    if (!d)
        return;
    handle_close(d);
    for (int i = 0; i < CF_COUNT; i++)
        if (d->cf_opts[i])
            rocksdb_options_destroy(d->cf_opts[i]);
    if (d->opts)
        rocksdb_options_destroy(d->opts);
    if (d->ro)
        rocksdb_readoptions_destroy(d->ro);
    if (d->wo)
        rocksdb_writeoptions_destroy(d->wo);
    pthread_rwlock_destroy(&d->lock);
    free(d->dir);
    free(d);
}

bool db_is_read_only(const db_t *d)
{
    return d->read_only;
}

/* ---- failure and recovery ---- */

bool db_failed(db_t *d)
{
    return atomic_load(&d->failed);
}

/* After a failed write: drop the handle now (see the top comment) and keep
 * serving reads from a read-only one. */
static void fail_over(db_t *d)
{
    pthread_rwlock_wrlock(&d->lock);
    handle_close(d);
    err_t e = {0};
    if (handle_open(d, true, &e) != 0)
        log_error("state", "store unavailable after a failed write", "err=\"%s\"", e.msg);
    pthread_rwlock_unlock(&d->lock);
}

/* Free space below which a reopen is not even tried: opening writes a new
 * log and manifest, and retrying every second on a full disk would only
 * churn files. */
#define DB_RECOVER_MIN_FREE (4u << 20)

int db_recover(db_t *d, err_t *e)
{
    if (!atomic_load(&d->failed))
        return 0;
    struct statvfs vs;
    if (statvfs(d->dir, &vs) == 0) {
        unsigned long long avail = (unsigned long long)vs.f_bavail * vs.f_frsize;
        if (avail < DB_RECOVER_MIN_FREE)
            return err_set(e, CHAIN_EIO,
                           "state: only %llu bytes free for %s, waiting for %u (last error: %s)",
                           avail, d->dir, DB_RECOVER_MIN_FREE, d->fail_msg);
    }
    pthread_rwlock_wrlock(&d->lock);
    handle_close(d);
    int rc = handle_open(d, false, e);
    if (rc != 0) {
        err_t ro = {0};
        if (handle_open(d, true, &ro) != 0)
            log_error("state", "store unavailable", "err=\"%s\"", ro.msg);
    } else {
        atomic_store(&d->failed, false);
    }
    pthread_rwlock_unlock(&d->lock);
    return rc;
}

/* ---- reads ---- */

static int unavailable(db_t *d, err_t *e)
{
    return err_set(e, CHAIN_EIO, "state: the store at %s is unavailable (%s)", d->dir,
                   atomic_load(&d->failed) ? "a write failed and reopening it failed"
                                           : "not open");
}

int db_get(db_t *d, const db_snap_t *snap, int cf, const void *key, size_t klen, uint8_t **val,
           size_t *vlen, err_t *e)
{
    pthread_rwlock_rdlock(&d->lock);
    if (!d->db) {
        pthread_rwlock_unlock(&d->lock);
        return unavailable(d, e);
    }
    char *err = NULL;
    size_t n = 0;
    char *v = rocksdb_get_cf(d->db, snap ? snap->ro : d->ro, d->cf[cf], key, klen, &n, &err);
    pthread_rwlock_unlock(&d->lock);
    if (err) {
        err_set(e, CHAIN_EIO, "state: read from %s failed: %s", cf_names[cf], err);
        rocksdb_free(err);
        return CHAIN_EIO;
    }
    if (!v)
        return CHAIN_ENOTFOUND;
    *val = malloc(n ? n : 1);
    if (!*val) {
        rocksdb_free(v);
        return err_set(e, CHAIN_ENOMEM, "state: out of memory");
    }
    memcpy(*val, v, n);
    *vlen = n;
    rocksdb_free(v);
    return 0;
}

int db_get_slice(db_t *d, int cf, const void *key, size_t klen, size_t off, size_t len,
                 uint8_t **out, err_t *e)
{
    pthread_rwlock_rdlock(&d->lock);
    if (!d->db) {
        pthread_rwlock_unlock(&d->lock);
        return unavailable(d, e);
    }
    char *err = NULL;
    rocksdb_pinnableslice_t *ps = rocksdb_get_pinned_cf(d->db, d->ro, d->cf[cf], key, klen, &err);
    int rc = 0;
    if (err) {
        rc = err_set(e, CHAIN_EIO, "state: read from %s failed: %s", cf_names[cf], err);
        rocksdb_free(err);
    } else {
        size_t vl = 0;
        const char *v = ps ? rocksdb_pinnableslice_value(ps, &vl) : NULL;
        if (!v)
            rc = CHAIN_ENOTFOUND;
        else if (off > vl || len > vl - off)
            rc = err_set(e, CHAIN_EIO, "state: range %zu+%zu outside a %zu-byte %s record", off,
                         len, vl, cf_names[cf]);
        else if (!(*out = malloc(len ? len : 1)))
            rc = err_set(e, CHAIN_ENOMEM, "state: out of memory");
        else
            memcpy(*out, v + off, len);
    }
    rocksdb_pinnableslice_destroy(ps);
    pthread_rwlock_unlock(&d->lock);
    return rc;
}

db_snap_t *db_snapshot(db_t *d, err_t *e)
{
    db_snap_t *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, CHAIN_ENOMEM, "state: out of memory");
        return NULL;
    }
    pthread_rwlock_rdlock(&d->lock);   /* held until db_snapshot_release */
    if (!d->db) {
        pthread_rwlock_unlock(&d->lock);
        free(s);
        unavailable(d, e);
        return NULL;
    }
    s->s = rocksdb_create_snapshot(d->db);
    s->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(s->ro, s->s);
    return s;
}

void db_snapshot_release(db_t *d, db_snap_t *s)
{
    if (!s)
        return;
    rocksdb_readoptions_destroy(s->ro);
    rocksdb_release_snapshot(d->db, s->s);
    pthread_rwlock_unlock(&d->lock);
    free(s);
}

db_iter_t *db_iter_new(db_t *d, const db_snap_t *snap, int cf, err_t *e)
{
    db_iter_t *it = calloc(1, sizeof *it);
    if (!it) {
        err_set(e, CHAIN_ENOMEM, "state: out of memory");
        return NULL;
    }
    pthread_rwlock_rdlock(&d->lock);   /* held until db_iter_free */
    if (!d->db) {
        pthread_rwlock_unlock(&d->lock);
        free(it);
        unavailable(d, e);
        return NULL;
    }
    it->d = d;
    it->it = rocksdb_create_iterator_cf(d->db, snap ? snap->ro : d->ro, d->cf[cf]);
    return it;
}

void db_iter_first(db_iter_t *it)
{
    rocksdb_iter_seek_to_first(it->it);
}

void db_iter_seek(db_iter_t *it, const void *key, size_t klen)
{
    rocksdb_iter_seek(it->it, key, klen);
}

bool db_iter_valid(const db_iter_t *it)
{
    return rocksdb_iter_valid(it->it);
}

void db_iter_next(db_iter_t *it)
{
    rocksdb_iter_next(it->it);
}

const uint8_t *db_iter_key(const db_iter_t *it, size_t *len)
{
    return (const uint8_t *)rocksdb_iter_key(it->it, len);
}

const uint8_t *db_iter_value(const db_iter_t *it, size_t *len)
{
    return (const uint8_t *)rocksdb_iter_value(it->it, len);
}

int db_iter_status(const db_iter_t *it, err_t *e)
{
    char *err = NULL;
    rocksdb_iter_get_error(it->it, &err);
    if (!err)
        return 0;
    err_set(e, CHAIN_EIO, "state: scan failed: %s", err);
    rocksdb_free(err);
    return CHAIN_EIO;
}

void db_iter_free(db_iter_t *it)
{
    if (!it)
        return;
    rocksdb_iter_destroy(it->it);
    pthread_rwlock_unlock(&it->d->lock);
    free(it);
}

/* ---- writes ---- */

db_batch_t *db_batch_new(void)
{
    return (db_batch_t *)rocksdb_writebatch_create();
}

void db_batch_free(db_batch_t *b)
{
    if (b)
        rocksdb_writebatch_destroy((rocksdb_writebatch_t *)b);
}

void db_batch_put(db_t *d, db_batch_t *b, int cf, const void *key, size_t klen, const void *val,
                  size_t vlen)
{
    /* column family handles are re-created on reopen: look them up under
     * the lock (nested in the writer's own read lock when it holds one) */
    pthread_rwlock_rdlock(&d->lock);
    if (d->cf[cf])
        rocksdb_writebatch_put_cf((rocksdb_writebatch_t *)b, d->cf[cf], key, klen, val, vlen);
    pthread_rwlock_unlock(&d->lock);
}

void db_batch_delete(db_t *d, db_batch_t *b, int cf, const void *key, size_t klen)
{
    pthread_rwlock_rdlock(&d->lock);
    if (d->cf[cf])
        rocksdb_writebatch_delete_cf((rocksdb_writebatch_t *)b, d->cf[cf], key, klen);
    pthread_rwlock_unlock(&d->lock);
}

int db_write(db_t *d, db_batch_t *b, err_t *e)
{
    if (d->read_only)
        return err_set(e, CHAIN_EINVAL, "state: store is open read-only");
    if (atomic_load(&d->failed))
        return err_set(e, CHAIN_EIO, "state: writes are stopped after a failed write (%s)",
                       d->fail_msg);
    pthread_rwlock_rdlock(&d->lock);
    char *err = NULL;
    if (d->db)
        rocksdb_write(d->db, d->wo, (rocksdb_writebatch_t *)b, &err);
    pthread_rwlock_unlock(&d->lock);
    if (!err)
        return 0;
    err_set(e, CHAIN_EIO, "state: write failed: %s", err);
    snprintf(d->fail_msg, sizeof d->fail_msg, "%s", err);
    rocksdb_free(err);
    atomic_store(&d->failed, true);
    fail_over(d);
    return CHAIN_EIO;
}

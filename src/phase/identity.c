/*
 * phase/identity: the node's Ed25519 identity on disk (DESIGN.md §5,
 * reference §3.3 and SEC-08).
 *
 * The file holds exactly the 32-byte seed, nothing else. Creation never
 * exposes the key: base's file_write_atomic writes a 0600 temp file, fsyncs
 * it and publishes it with link(), which fails when the name already exists,
 * so of several processes racing to create the identity exactly one wins and
 * the others load the winner's key. The leaf directory is forced to 0700.
 */
#include "phase.h"

#include "crypto/crypto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int phase_home_dir(char *out, size_t cap, err_t *e)
{
    const char *v = getenv("PLASMD_HOME");
    int n;
    if (v && *v) {
        n = snprintf(out, cap, "%s", v);
    } else if ((v = getenv("XDG_DATA_HOME")) && *v) {
        n = snprintf(out, cap, "%s/plasmd", v);
    } else if ((v = getenv("HOME")) && *v) {
        n = snprintf(out, cap, "%s/.local/share/plasmd", v);
    } else {
        return err_set(e, PHASE_EINVAL,
                       "identity: no home directory (set PLASMD_HOME, XDG_DATA_HOME or HOME)");
    }
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, PHASE_EINVAL, "identity: home directory path too long");
    return PHASE_OK;
}

int phase_identity_path(char *out, size_t cap, err_t *e)
{
    char home[4096];
    int rc = phase_home_dir(home, sizeof home, e);
    if (rc != PHASE_OK)
        return rc;
    int n = snprintf(out, cap, "%s/identity.key", home);
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, PHASE_EINVAL, "identity: path too long");
    return PHASE_OK;
}

void phase_identity_from_seed(const uint8_t seed[PHASE_SEED_BYTES], phase_identity_t *id)
{
    memcpy(id->seed, seed, PHASE_SEED_BYTES);
    crypto_ed25519_from_seed(id->seed, id->pk, id->sk);
}

void phase_identity_wipe(phase_identity_t *id)
{
    crypto_wipe(id, sizeof *id);
}

int phase_identity_load(const char *path, phase_identity_t *id, err_t *e)
{
    uint8_t *data = NULL;
    size_t len = 0;
    err_t fe = {0};
    int rc = file_read_all(path, 4096, &data, &len, &fe);
    if (rc == BASE_ENOENT)
        return err_set(e, PHASE_ENOENT, "identity: %s does not exist", path);
    if (rc != BASE_OK)
        return err_set(e, PHASE_EIO, "identity: %s", fe.msg);
    if (len != PHASE_SEED_BYTES) {
        crypto_wipe(data, len);
        free(data);
        return err_set(e, PHASE_EINVAL, "identity: %s holds %zu bytes, expected a 32-byte seed",
                       path, len);
    }
    phase_identity_from_seed(data, id);
    crypto_wipe(data, len);
    free(data);
    return PHASE_OK;
}

static int give_to_dir_owner(const char *path, err_t *e);

static int make_dir(const char *path, err_t *e)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        return PHASE_OK; /* current directory: leave its mode alone */
    size_t n = (size_t)(slash - path);
    if (n == 0)
        return PHASE_OK;
    if (n >= sizeof dir)
        return err_set(e, PHASE_EINVAL, "identity: path too long");
    memcpy(dir, path, n);
    dir[n] = '\0';
    err_t fe = {0};
    if (file_mkdirs(dir, 0700, &fe) != BASE_OK)
        return err_set(e, PHASE_EIO, "identity: %s", fe.msg);
    /* SEC-08: the leaf directory is private even when it already existed. */
    if (chmod(dir, 0700) != 0)
        return err_set(e, PHASE_EIO, "identity: chmod 0700 %s: %s", dir, strerror(errno));
    return PHASE_OK;
}

int phase_identity_create(const char *path, phase_identity_t *id, err_t *e)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return err_set(e, PHASE_EEXIST, "identity: %s already exists", path);
    int rc = make_dir(path, e);
    if (rc != PHASE_OK)
        return rc;
    uint8_t seed[PHASE_SEED_BYTES];
    crypto_random(seed, sizeof seed);
    err_t fe = {0};
    rc = file_write_atomic(path, seed, sizeof seed, 0600, true, &fe);
    if (rc != BASE_OK) {
        crypto_wipe(seed, sizeof seed);
        if (stat(path, &st) == 0)
            return err_set(e, PHASE_EEXIST, "identity: %s already exists", path);
        return err_set(e, PHASE_EIO, "identity: %s", fe.msg);
    }
    phase_identity_from_seed(seed, id);
    crypto_wipe(seed, sizeof seed);
    return give_to_dir_owner(path, e);
}

int phase_identity_load_or_create(const char *path, phase_identity_t *id, bool *created,
                                  err_t *e)
{
    if (created)
        *created = false;
    int rc = phase_identity_load(path, id, e);
    if (rc != PHASE_ENOENT)
        return rc;
    rc = phase_identity_create(path, id, e);
    if (rc == PHASE_OK) {
        if (created)
            *created = true;
        return PHASE_OK;
    }
    if (rc == PHASE_EEXIST) /* another process won the race: use its key */
        return phase_identity_load(path, id, e);
    return rc;
}

size_t phase_peer_id(const uint8_t pk[PHASE_PK_BYTES], char out[PHASE_PEER_ID_MAX])
{
    /* peer-ids.md: identity multihash (0x00, len 0x24) of the protobuf
     * PublicKey {Type: Ed25519 (08 01), Data: 32 bytes (12 20 ...)}. */
    uint8_t mh[6 + PHASE_PK_BYTES] = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
    memcpy(mh + 6, pk, PHASE_PK_BYTES);
    return base58_encode(mh, sizeof mh, out);
}

int phase_identity_upstream_path(char *out, size_t cap, err_t *e)
{
    const char *v = getenv("XDG_CONFIG_HOME");
    int n;
    if (v && *v)
        n = snprintf(out, cap, "%s/phase/identity.key", v);
    else if ((v = getenv("HOME")) && *v)
        n = snprintf(out, cap, "%s/.config/phase/identity.key", v);
    else
        return err_set(e, PHASE_EINVAL,
                       "identity: no upstream config directory (set XDG_CONFIG_HOME or HOME)");
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, PHASE_EINVAL, "identity: upstream path too long");
    return PHASE_OK;
}

/* Run as root into a directory someone else owns (e.g. /var/lib/plasmd, owned
 * by the service user): the key takes the directory's owner, or the service
 * could not read it. Mode stays 0600. */
static int give_to_dir_owner(const char *path, err_t *e)
{
    if (geteuid() != 0)
        return PHASE_OK;
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s", path);
    if (n < 0 || (size_t)n >= sizeof dir)
        return err_set(e, PHASE_EINVAL, "identity: path too long");
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat st;
    if (stat(dir, &st) != 0)
        return err_set(e, PHASE_EIO, "identity: stat %s: %s", dir, strerror(errno));
    if (st.st_uid == 0 && st.st_gid == 0)
        return PHASE_OK;
    if (chown(path, st.st_uid, st.st_gid) != 0)
        return err_set(e, PHASE_EIO, "identity: chown %s: %s", path, strerror(errno));
    return PHASE_OK;
}

int phase_identity_import(const char *from, const char *to, bool force, phase_identity_t *id,
                          bool *unchanged, err_t *e)
{
    *unchanged = false;
    int rc = phase_identity_load(from, id, e);
    if (rc != PHASE_OK)
        return rc;
    phase_identity_t cur;
    err_t ce = {0};
    rc = phase_identity_load(to, &cur, &ce);
    if (rc == PHASE_OK) {
        bool same = crypto_equal(cur.seed, id->seed, PHASE_SEED_BYTES);
        char peer[PHASE_PEER_ID_MAX];
        phase_peer_id(cur.pk, peer);
        phase_identity_wipe(&cur);
        if (same) {
            *unchanged = true;
            return PHASE_OK;
        }
        if (!force) {
            phase_identity_wipe(id);
            return err_set(e, PHASE_EEXIST,
                           "identity: %s already holds another key (peer id %s); "
                           "importing would replace it",
                           to, peer);
        }
    } else if (rc != PHASE_ENOENT && !force) {
        phase_identity_wipe(id);
        return err_set(e, rc, "%s", ce.msg);
    }
    if ((rc = make_dir(to, e)) != PHASE_OK) {
        phase_identity_wipe(id);
        return rc;
    }
    err_t fe = {0};
    /* force replaces with rename (atomic); otherwise link() refuses to clobber
     * a key that appeared meanwhile */
    if (file_write_atomic(to, id->seed, PHASE_SEED_BYTES, 0600, !force, &fe) != BASE_OK) {
        phase_identity_wipe(id);
        struct stat st;
        if (!force && stat(to, &st) == 0)
            return err_set(e, PHASE_EEXIST, "identity: %s already exists", to);
        return err_set(e, PHASE_EIO, "identity: %s", fe.msg);
    }
    if ((rc = give_to_dir_owner(to, e)) != PHASE_OK) {
        phase_identity_wipe(id);
        return rc;
    }
    return PHASE_OK;
}

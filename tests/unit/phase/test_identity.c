/* Unit tests for src/phase/identity.c: file format and modes, exclusive
 * creation, the load-or-create race between processes, the home directory
 * search order, and peer ids against shared/testdata/vectors/libp2p-ids.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "phase/phase.h"
#include "testenv.h"

static char tmpdir[256];

static int setup(void **state)
{
    if (crypto_init() != 0)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/phase-id-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void create_load_modes(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a/plasmd/identity.key", tmpdir);
    phase_identity_t id, again;
    err_t e = {0};
    assert_int_equal(phase_identity_load(path, &id, &e), PHASE_ENOENT);
    assert_int_equal(phase_identity_create(path, &id, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a/plasmd", tmpdir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(phase_identity_load(path, &again, &e), 0);
    assert_memory_equal(id.pk, again.pk, 32);
    assert_memory_equal(id.seed, again.seed, 32);
    /* A second create refuses to clobber. */
    assert_int_equal(phase_identity_create(path, &again, &e), PHASE_EEXIST);
    assert_int_equal(phase_identity_load(path, &again, &e), 0);
    assert_memory_equal(id.pk, again.pk, 32);
    /* A file of the wrong length is rejected, naming the length. */
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad.key", tmpdir);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("short", f);
    fclose(f);
    assert_int_equal(phase_identity_load(bad, &again, &e), PHASE_EINVAL);
    assert_non_null(strstr(e.msg, "5 bytes"));
}

static void race_converges_on_one_key(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/race/identity.key", tmpdir);
    enum { N = 8 };
    int fds[N][2];
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal(pipe(fds[i]), 0);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            phase_identity_t id;
            bool created = false;
            int rc = phase_identity_load_or_create(path, &id, &created, NULL);
            uint8_t msg[34] = {(uint8_t)(rc == 0), (uint8_t)created};
            memcpy(msg + 2, id.pk, 32);
            ssize_t w = write(fds[i][1], msg, sizeof msg);
            _exit(w == (ssize_t)sizeof msg ? 0 : 1);
        }
        close(fds[i][1]);
    }
    uint8_t first[32];
    int n_created = 0;
    for (int i = 0; i < N; i++) {
        uint8_t msg[34];
        assert_int_equal(read(fds[i][0], msg, sizeof msg), (ssize_t)sizeof msg);
        close(fds[i][0]);
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(msg[0], 1);
        n_created += msg[1];
        if (i == 0)
            memcpy(first, msg + 2, 32);
        else
            assert_memory_equal(first, msg + 2, 32);
    }
    assert_int_equal(n_created, 1);
    /* No temp files left behind. */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/race", tmpdir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);
}

static void home_search_order(void **state)
{
    char out[512];
    setenv("PLASMD_HOME", "/x/home", 1);
    assert_int_equal(phase_home_dir(out, sizeof out, NULL), 0);
    assert_string_equal(out, "/x/home");
    unsetenv("PLASMD_HOME");
    setenv("XDG_DATA_HOME", "/x/data", 1);
    assert_int_equal(phase_home_dir(out, sizeof out, NULL), 0);
    assert_string_equal(out, "/x/data/plasmd");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/x/user", 1);
    assert_int_equal(phase_home_dir(out, sizeof out, NULL), 0);
    assert_string_equal(out, "/x/user/.local/share/plasmd");
    assert_int_equal(phase_identity_path(out, sizeof out, NULL), 0);
    assert_string_equal(out, "/x/user/.local/share/plasmd/identity.key");
}

static void peer_id_vectors(void **state)
{
    char path[512];
    uint8_t *data;
    size_t len;
    if (!testenv_shared_file("testdata/vectors/libp2p-ids.json", path, sizeof path))
        TESTENV_SKIP("%s not found (shared test data absent)", path);
    if (file_read_all(path, 1 << 22, &data, &len, NULL) != 0)
        fail_msg("cannot read %s", path);
    json_t *j = cjson_parse((const char *)data, len, NULL);
    free(data);
    assert_non_null(j);
    size_t i, n = 0;
    const json_t *v;
    json_array_foreach(json_object_get(j, "ed25519"), i, v) {
        uint8_t seed[32];
        const char *seed_hex = json_string_value(json_object_get(v, "seed"));
        assert_int_equal(hex_decode(seed_hex, 64, seed, 32, NULL), 0);
        phase_identity_t id;
        phase_identity_from_seed(seed, &id);
        char pk[65], peer[PHASE_PEER_ID_MAX];
        hex_encode(id.pk, 32, pk);
        assert_string_equal(pk, json_string_value(json_object_get(v, "public_key")));
        phase_peer_id(id.pk, peer);
        assert_string_equal(peer, json_string_value(json_object_get(v, "peer_id_b58")));
        n++;
    }
    assert_true(n >= 2);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_load_modes),
        cmocka_unit_test(race_converges_on_one_key),
        cmocka_unit_test(home_search_order),
        cmocka_unit_test(peer_id_vectors),
    };
    return testenv_cmocka_exit(cmocka_run_group_tests(tests, setup, teardown));
}

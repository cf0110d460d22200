/* libFuzzer: snapshot import (chain_state_snapshot_import), the path
 * `aetherd snapshot import` takes with a file from anywhere. The first input
 * byte selects how the rest becomes the snapshot file: 0 = written as is
 * (arbitrary bytes, the zstd frame included), else = compressed with zstd
 * first, so the fuzzer reaches the record parser behind the decompressor.
 * Import runs into an empty store against a fixed genesis; a refused file
 * must leave the store empty (import is all or nothing), and an accepted one
 * must pass the full consistency check. Seeds (seeds/) are exports of that
 * genesis; AETHER_FUZZ_WRITE_SEEDS=DIR writes them again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "chain/state/state.h"
#include "crypto/crypto.h"

static chain_genesis_t G;
static chain_genesis_alloc_t ACC[3];
static chain_utxo_t UT[2];
static char dir[64], store[96], file[96];
static chain_state_t *st;

static void rm_rf(const char *path)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: cannot remove %s\n", path);
}

static void fresh_store(void)
{
    chain_state_close(st);
    rm_rf(store);
    st = chain_state_open(store, false, NULL);
    if (!st)
        abort();
}

/* At exit only the files go: RocksDB's own static objects may already be
 * destroyed, so the store is not closed here. */
static void cleanup(void)
{
    rm_rf(dir);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n))
        abort();
    fclose(f);
}

/* Exports the genesis store and writes seeds/{raw,plain}. */
static void write_seeds(const char *out)
{
    char gdir[128], snap[128], path[512];
    snprintf(gdir, sizeof gdir, "%s/genesis", dir);
    snprintf(snap, sizeof snap, "%s/genesis.snap", dir);
    chain_state_t *g = chain_state_open(gdir, false, NULL);
    err_t e = {0};
    if (!g || chain_state_init_genesis(g, &G, &e) != 0 || chain_state_snapshot_export(g, snap, &e)) {
        fprintf(stderr, "fuzz: seed export: %s\n", e.msg);
        exit(1);
    }
    chain_state_close(g);
    FILE *f = fopen(snap, "rb");
    static uint8_t z[1 << 20], plain[1 << 22];
    size_t zn = f ? fread(z + 1, 1, sizeof z - 1, f) : 0;
    if (f)
        fclose(f);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    ZSTD_inBuffer in = {z + 1, zn, 0};
    ZSTD_outBuffer o = {plain + 1, sizeof plain - 1, 0};
    while (in.pos < in.size)
        if (ZSTD_isError(ZSTD_decompressStream(d, &o, &in)))
            exit(1);
    ZSTD_freeDCtx(d);
    z[0] = 0;
    plain[0] = 1;
    snprintf(path, sizeof path, "%s/genesis-zstd", out);
    write_file(path, z, zn + 1);
    snprintf(path, sizeof path, "%s/genesis-plain", out);
    write_file(path, plain, o.pos + 1);
    fprintf(stderr, "fuzz: seeds written to %s\n", out);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (crypto_init() != 0)
        abort();
    uint8_t seed[32], pk[32], sk[64];
    crypto_sha256("fuzz-snapshot-validator", 23, seed);
    crypto_ed25519_from_seed(seed, pk, sk);
    memset(&G, 0, sizeof G);
    G.chain_id = 900;
    G.timestamp_ms = 1700000000000ull;
    memcpy(G.proposer_pk, pk, sizeof pk);
    for (int i = 0; i < 3; i++) {
        memset(ACC[i].addr.b, 0x11 * (i + 1), sizeof ACC[i].addr.b);
        ACC[i].balance = chain_u128_from_u64(1000000u * (uint64_t)(i + 1));
    }
    for (int i = 0; i < 2; i++) {
        memset(&UT[i], 0, sizeof UT[i]);
        UT[i].owner = ACC[0].addr;
        UT[i].amount = chain_u128_from_u64(5000u + (uint64_t)i);
    }
    G.accounts = ACC;
    G.n_accounts = 3;
    G.utxos = UT;
    G.n_utxos = 2;
    snprintf(dir, sizeof dir, "/tmp/fuzz-snapshot-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(store, sizeof store, "%s/store", dir);
    snprintf(file, sizeof file, "%s/in.snap", dir);
    atexit(cleanup);
    if (getenv("AETHER_FUZZ_WRITE_SEEDS"))
        write_seeds(getenv("AETHER_FUZZ_WRITE_SEEDS"));
    fresh_store();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] == 0) {
        write_file(file, data + 1, size - 1);
    } else {
        size_t cap = ZSTD_compressBound(size - 1);
        uint8_t *z = malloc(cap);
        size_t zn = z ? ZSTD_compress(z, cap, data + 1, size - 1, 1) : 0;
        if (!z || ZSTD_isError(zn))
            abort();
        write_file(file, z, zn);
        free(z);
    }
    err_t e = {0};
    int rc = chain_state_snapshot_import(st, file, &G, &e);
    if (rc != 0) {
        if (!e.msg[0] || chain_state_has_tip(st))
            abort(); /* a refusal names why and leaves the store empty */
        return 0;
    }
    if (!chain_state_has_tip(st) || chain_state_check(st, &e) != 0)
        abort();
    fresh_store();
    return 0;
}

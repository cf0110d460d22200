/* libFuzzer target for the WASI host functions (src/wasm/wasi): the input
 * picks one export of tests/unit/wasi/shim.wat (a thin wrapper per WASI
 * import), its arguments (guest pointers, lengths, fds, clock ids, iovec
 * counts) and the initial contents of linear memory. Every guest pointer
 * must be bounds-checked: nothing may crash, hang or touch host memory.
 * Clocks are virtual, so poll_oneoff never really sleeps. The shim module's
 * path comes from $WASI_SHIM (set by ctest). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "wasm/wasi/wasi.h"
#include "wasm/wasm.h"

static awasm_module_t *shim;

static ssize_t in_read(void *user, uint8_t *buf, size_t n)
{
    size_t *left = user;
    if (n > *left)
        n = *left;
    memset(buf, 'x', n);
    *left -= n;
    return (ssize_t)n;
}

static int out_write(void *user, int fd, const uint8_t *p, size_t n)
{
    (void)user;
    (void)fd;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++)
        sink ^= p[i]; /* touch every byte the guest handed us */
    (void)sink;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = getenv("WASI_SHIM");
    uint8_t *bytes;
    size_t len;
    err_t e = {0};
    if (!path || file_read_all(path, 1 << 20, &bytes, &len, &e) != BASE_OK) {
        fprintf(stderr, "fuzz_wasi: set WASI_SHIM to shim.wasm (%s)\n", e.msg);
        abort();
    }
    shim = awasm_module_decode(bytes, len, NULL, &e);
    free(bytes);
    if (!shim) {
        fprintf(stderr, "fuzz_wasi: %s\n", e.msg);
        abort();
    }
    return 0;
}

static uint64_t take(const uint8_t **p, size_t *n, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
        v |= (uint64_t)**p << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t n_exp = awasm_module_export_count(shim);
    awasm_export_desc_t d;
    if (awasm_module_export(shim, data[0] % n_exp, &d) != AWASM_OK || d.kind != AWASM_EXTERN_FUNC ||
        strcmp(d.name, "_start") == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    awasm_val_t args[16], res[4];
    for (uint32_t i = 0; i < d.func.n_params && i < 16; i++) {
        args[i].type = d.func.params[i];
        if (args[i].type == AWASM_I64) {
            args[i].of.i64 = (int64_t)take(&p, &n, 8);
        } else {
            /* small values (fds, counts, ids) as often as pointers */
            uint32_t v = (uint32_t)take(&p, &n, 4);
            args[i].of.i32 = (int32_t)((v & 1) ? v >> 1 : (v >> 1) % 80);
        }
    }
    for (uint32_t i = 0; i < d.func.n_results && i < 4; i++)
        res[i].type = d.func.results[i];

    size_t stdin_left = 100;
    static const char *const argv[] = {"fuzz", "arg"};
    static const char *const envp[] = {"A=B"};
    wasi_config_t cfg = {.argc = 2, .argv = argv, .envc = 1, .envp = envp,
                         .io = {in_read, out_write, &stdin_left}, .seeded_random = true,
                         .virtual_clocks = true};
    awasm_config_t sc;
    awasm_config_default(&sc);
    sc.stack_slots = 1u << 14; /* the shim needs a few slots; keeps a store cheap */
    awasm_store_t *s = awasm_store_new(&sc);
    awasm_imports_t *imps = awasm_imports_new();
    wasi_t *w = wasi_new(&cfg, NULL);
    err_t e = {0};
    if (s && imps && w && wasi_link(w, shim, imps, &e) == AWASM_OK) {
        awasm_instance_t *inst = awasm_instance_new(s, shim, imps, &e);
        awasm_memory_t *mem = inst ? awasm_instance_memory(inst, "memory") : NULL;
        if (mem) {
            /* The rest of the input is the initial memory (iovecs, subscriptions...). */
            size_t k = n < awasm_memory_size(mem) ? n : (size_t)awasm_memory_size(mem);
            awasm_memory_write(mem, 0, p, k);
            (void)awasm_instance_call(inst, d.name, args, d.func.n_params, res, d.func.n_results,
                                     &e);
        }
    }
    wasi_free(w);
    awasm_imports_free(imps);
    awasm_store_free(s);
    return 0;
}

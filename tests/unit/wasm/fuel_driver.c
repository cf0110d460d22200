/*
 * fuel_driver: runs fixed workloads with fuel metering and determinism mode
 * on and prints, per case, the fuel used, the trap kind (or the result) and
 * a hash of linear memory at the end. fuel_determinism.sh builds this driver
 * and the engine with gcc and clang at -O0 and -O2 and checks that every
 * build prints exactly fuel_expected.txt: the same fuel and the same trap
 * point on every build.
 *
 * Usage: fuel_driver DATA_DIR [SHARED_DIR]   (CoreMark cases need SHARED_DIR)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "wasm/wasm.h"

static uint64_t fnv(const uint8_t *p, uint64_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (uint64_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static int run_case(const char *label, const char *path, const char *func, int32_t arg, bool has_arg,
                    uint64_t fuel)
{
    uint8_t *bytes;
    size_t len;
    err_t e;
    if (file_read_all(path, 64u << 20, &bytes, &len, &e)) {
        fprintf(stderr, "fuel_driver: %s\n", e.msg);
        return 1;
    }
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.fuel = true;
    cfg.deterministic = true;
    awasm_module_t *m = awasm_module_decode(bytes, len, &cfg, &e);
    free(bytes);
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_instance_t *inst = m && s ? awasm_instance_new(s, m, NULL, &e) : NULL;
    if (!inst) {
        fprintf(stderr, "fuel_driver: %s: %s\n", path, e.msg);
        awasm_store_free(s);
        awasm_module_free(m);
        return 1;
    }
    awasm_store_set_fuel(s, fuel);
    awasm_val_t arg_v = {.type = AWASM_I32, .of.i32 = arg}, res[1];
    awasm_export_desc_t ex;
    if (awasm_module_find_export(m, func, &ex) || ex.func.n_results > 1) {
        fprintf(stderr, "fuel_driver: no export %s\n", func);
        return 1;
    }
    int rc = awasm_instance_call(inst, func, &arg_v, has_arg ? 1 : 0, res, ex.func.n_results, &e);
    printf("%s fuel_used=%" PRIu64, label, fuel - awasm_store_fuel(s));
    if (rc == AWASM_ETRAP) {
        printf(" trap=\"%s\"", awasm_trap_kind_str(awasm_store_trap(s)));
    } else if (rc) {
        printf(" error=\"%s\"", e.msg);
    } else if (ex.func.n_results == 1) {
        uint64_t bits = res[0].type == AWASM_I32 ? (uint32_t)res[0].of.i32
                      : res[0].type == AWASM_F64 ? res[0].of.f64_bits : (uint64_t)res[0].of.i64;
        printf(" result=0x%" PRIx64, bits);
    }
    awasm_memory_t *mem = awasm_instance_memory(inst, "memory");
    if (mem) printf(" memory=%" PRIx64, fnv(awasm_memory_data(mem), awasm_memory_size(mem)));
    printf("\n");
    awasm_store_free(s);
    awasm_module_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuel_driver DATA_DIR [SHARED_DIR]\n");
        return 2;
    }
    char fuel_wasm[2048], cm[2048];
    snprintf(fuel_wasm, sizeof fuel_wasm, "%s/fuel.wasm", argv[1]);
    int rc = 0;
    rc |= run_case("fib20", fuel_wasm, "fib", 20, true, 10000000);
    rc |= run_case("fib25-starved", fuel_wasm, "fib", 25, true, 777777);
    rc |= run_case("floats", fuel_wasm, "floats", 5000, true, 10000000);
    rc |= run_case("floats-starved", fuel_wasm, "floats", 5000, true, 123457);
    rc |= run_case("trapper", fuel_wasm, "trapper", 1000, true, 10000000);
    rc |= run_case("trapper-starved", fuel_wasm, "trapper", 1000, true, 4321);
    rc |= run_case("bulk", fuel_wasm, "bulk", 60000, true, 100000);
    rc |= run_case("bulk-starved", fuel_wasm, "bulk", 60000, true, 1000);
    char simd_wasm[2048];
    snprintf(simd_wasm, sizeof simd_wasm, "%s/simd.wasm", argv[1]);
    rc |= run_case("simd-floats", simd_wasm, "simd_floats", 3000, true, 10000000);
    rc |= run_case("simd-floats-starved", simd_wasm, "simd_floats", 3000, true, 54321);
    rc |= run_case("simd-ints", simd_wasm, "simd_ints", 5000, true, 10000000);
    rc |= run_case("simd-ints-starved", simd_wasm, "simd_ints", 5000, true, 77777);
    if (argc > 2) {
        snprintf(cm, sizeof cm, "%s/bench/coremark-bare-1k.wasm", argv[2]);
        rc |= run_case("coremark-starved-1", cm, "run", 0, false, 3000000);
        rc |= run_case("coremark-starved-2", cm, "run", 0, false, 20000001);
    }
    return rc;
}

/*
 * fuzz_wasm_module: decode + validate + compile + instantiate an arbitrary
 * module, then call every export that takes no arguments. Every import is
 * satisfied by a host object of the right type (functions return zeros),
 * limits are small and fuel is bounded, so each input runs in milliseconds.
 * Any crash, sanitizer report, leak or hang is a bug: hostile modules must
 * only ever produce an error or a trap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

static int host_zero(wasm_ctx_t *ctx, const wasm_val_t *args, wasm_val_t *results, void *user)
{
    (void)ctx; (void)args; (void)results; (void)user;
    return 0;
}

static void add_imports(wasm_store_t *s, const wasm_module_t *m, wasm_imports_t *imps)
{
    for (uint32_t i = 0; i < wasm_module_import_count(m); i++) {
        wasm_import_desc_t d;
        if (wasm_module_import(m, i, &d)) continue;
        wasm_extern_t x = {.kind = d.kind};
        switch (d.kind) {
        case WASM_EXTERN_FUNC:
            x.of.func = wasm_func_new_host(s, &d.func, host_zero, NULL, NULL);
            break;
        case WASM_EXTERN_TABLE:
            x.of.table = wasm_table_new(s, d.elem, d.limits, NULL);
            break;
        case WASM_EXTERN_MEMORY:
            x.of.memory = wasm_memory_new(s, d.limits, NULL);
            break;
        case WASM_EXTERN_GLOBAL: {
            wasm_val_t v;
            memset(&v, 0, sizeof v);
            v.type = d.global_type;
            x.of.global = wasm_global_new(s, d.global_type, d.global_mutable, v, NULL);
            break;
        }
        }
        if (x.of.func) wasm_imports_add_extern(imps, d.module, d.name, x, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_config_t cfg;
    wasm_config_default(&cfg);
    cfg.max_memory_pages = 64;
    cfg.max_table_size = 4096;
    cfg.max_call_depth = 200;
    cfg.stack_slots = 1u << 16;
    cfg.max_functions = 10000;
    cfg.max_locals = 5000;
    cfg.fuel = (size & 1) != 0;      /* both compilations get exercised */
    cfg.deterministic = (size & 2) != 0;
    wasm_module_t *m = wasm_module_decode(data, size, &cfg, NULL);
    if (!m) return 0;
    wasm_store_t *s = wasm_store_new(&cfg);
    wasm_imports_t *imps = wasm_imports_new();
    if (s && imps) {
        add_imports(s, m, imps);
        wasm_store_set_fuel(s, 20000);
        wasm_instance_t *inst = wasm_instance_new(s, m, imps, NULL);
        for (uint32_t i = 0; inst && i < wasm_module_export_count(m) && i < 16; i++) {
            wasm_export_desc_t ex;
            if (wasm_module_export(m, i, &ex) || ex.kind != WASM_EXTERN_FUNC) continue;
            if (ex.func.n_params != 0 || ex.func.n_results > 8) continue;
            wasm_val_t res[8];
            wasm_store_set_fuel(s, 20000);
            if (!cfg.fuel) wasm_store_interrupt(s);  /* unmetered: stop at the first loop or call */
            wasm_instance_call(inst, ex.name, NULL, 0, res, ex.func.n_results, NULL);
        }
    }
    wasm_imports_free(imps);
    wasm_store_free(s);
    wasm_module_free(m);
    return 0;
}

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

static int host_zero(awasm_ctx_t *ctx, const awasm_val_t *args, awasm_val_t *results, void *user)
{
    (void)ctx; (void)args; (void)results; (void)user;
    return 0;
}

static void add_imports(awasm_store_t *s, const awasm_module_t *m, awasm_imports_t *imps)
{
    for (uint32_t i = 0; i < awasm_module_import_count(m); i++) {
        awasm_import_desc_t d;
        if (awasm_module_import(m, i, &d)) continue;
        awasm_extern_t x = {.kind = d.kind};
        switch (d.kind) {
        case AWASM_EXTERN_FUNC:
            x.of.func = awasm_func_new_host(s, &d.func, host_zero, NULL, NULL);
            break;
        case AWASM_EXTERN_TABLE:
            x.of.table = awasm_table_new(s, d.elem, d.limits, NULL);
            break;
        case AWASM_EXTERN_MEMORY:
            x.of.memory = awasm_memory_new(s, d.limits, NULL);
            break;
        case AWASM_EXTERN_GLOBAL: {
            awasm_val_t v;
            memset(&v, 0, sizeof v);
            v.type = d.global_type;
            x.of.global = awasm_global_new(s, d.global_type, d.global_mutable, v, NULL);
            break;
        }
        }
        if (x.of.func) awasm_imports_add_extern(imps, d.module, d.name, x, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.max_memory_pages = 64;
    cfg.max_table_size = 4096;
    cfg.max_call_depth = 200;
    cfg.stack_slots = 1u << 16;
    cfg.max_functions = 10000;
    cfg.max_locals = 5000;
    cfg.fuel = (size & 1) != 0;      /* both compilations get exercised */
    cfg.deterministic = (size & 2) != 0;
    awasm_module_t *m = awasm_module_decode(data, size, &cfg, NULL);
    if (!m) return 0;
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_imports_t *imps = awasm_imports_new();
    if (s && imps) {
        add_imports(s, m, imps);
        awasm_store_set_fuel(s, 20000);
        awasm_instance_t *inst = awasm_instance_new(s, m, imps, NULL);
        for (uint32_t i = 0; inst && i < awasm_module_export_count(m) && i < 16; i++) {
            awasm_export_desc_t ex;
            if (awasm_module_export(m, i, &ex) || ex.kind != AWASM_EXTERN_FUNC) continue;
            if (ex.func.n_params != 0 || ex.func.n_results > 8) continue;
            awasm_val_t res[8];
            awasm_store_set_fuel(s, 20000);
            if (!cfg.fuel) awasm_store_interrupt(s);  /* unmetered: stop at the first loop or call */
            awasm_instance_call(inst, ex.name, NULL, 0, res, ex.func.n_results, NULL);
        }
    }
    awasm_imports_free(imps);
    awasm_store_free(s);
    awasm_module_free(m);
    return 0;
}

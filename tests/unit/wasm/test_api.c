/*
 * test_api: the embedding API of wasm.h: host functions (typed args,
 * results, traps, exit), bounds-checked memory access, imports between
 * instances, fuel and interrupt, limits, and hostile modules (truncated,
 * huge declared sizes, deep nesting, 100k locals) giving clean errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/base.h"
#include "wasm/wasm.h"

/* ---- a tiny module builder: enough to write hostile modules by hand ---- */

static void put_u32(buf_t *b, uint32_t v)
{
    uint8_t tmp[10];
    size_t n = leb128_u64_encode(v, tmp);
    buf_append(b, tmp, n);
}

static void section(buf_t *mod, uint8_t id, const buf_t *body)
{
    buf_append_byte(mod, id);
    put_u32(mod, (uint32_t)body->len);
    buf_append(mod, body->data, body->len);
}

static void header(buf_t *b)
{
    buf_init(b, 0);
    buf_append(b, "\0asm\1\0\0\0", 8);
}

/* Module with one function of type () -> () whose body (locals + code) is
 * given; the function is exported as "f". */
static void one_func_module(buf_t *mod, const buf_t *body)
{
    buf_t s;
    header(mod);
    buf_init(&s, 0);
    buf_append(&s, "\x01\x60\x00\x00", 4);          /* 1 type: [] -> [] */
    section(mod, 1, &s);
    buf_reset(&s);
    buf_append(&s, "\x01\x00", 2);                   /* 1 func of type 0 */
    section(mod, 3, &s);
    buf_reset(&s);
    buf_append(&s, "\x01\x01" "f" "\x00\x00", 5);    /* export "f" func 0 */
    section(mod, 7, &s);
    buf_reset(&s);
    put_u32(&s, 1);
    put_u32(&s, (uint32_t)body->len);
    buf_append(&s, body->data, body->len);
    section(mod, 10, &s);
    buf_free(&s);
}

static awasm_module_t *decode(const buf_t *b, const awasm_config_t *cfg, err_t *e)
{
    return awasm_module_decode(b->data, b->len, cfg, e);
}

/* (module (import "env" "add3" (func (param i32 i64 f64) (result f64)))
 *         (import "env" "bye" (func (param i32)))
 *         (import "env" "boom" (func))
 *         (memory (export "memory") 1)
 *         (func (export "call_add3") (result f64) i32.const 1 i64.const 2 f64.const 0.5 call 0)
 *         (func (export "exit7") i32.const 7 call 1 unreachable)
 *         (func (export "boom") call 2)
 *         (func (export "spin") (loop br 0))
 *         (func (export "rec") call 6)) -- built by hand below */
static void host_module(buf_t *m)
{
    buf_t s;
    header(m);
    buf_init(&s, 0);
    /* types: 0 (i32 i64 f64)->f64, 1 (i32)->(), 2 ()->(), 3 ()->f64 */
    static const uint8_t types[] = {0x04, 0x60, 0x03, 0x7f, 0x7e, 0x7c, 0x01, 0x7c,
                                    0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00,
                                    0x60, 0x00, 0x01, 0x7c};
    buf_append(&s, types, sizeof types);
    section(m, 1, &s);
    buf_reset(&s);
    buf_append(&s, "\x03", 1);
    buf_append(&s, "\x03" "env" "\x04" "add3" "\x00\x00", 11);
    buf_append(&s, "\x03" "env" "\x03" "bye" "\x00\x01", 10);
    buf_append(&s, "\x03" "env" "\x04" "boom" "\x00\x02", 11);
    section(m, 2, &s);
    buf_reset(&s);
    buf_append(&s, "\x04\x03\x02\x02\x02", 5);       /* funcs 3..6 */
    section(m, 3, &s);
    buf_reset(&s);
    buf_append(&s, "\x01\x00\x01", 3);               /* memory min 1 */
    section(m, 5, &s);
    buf_reset(&s);
    buf_append(&s, "\x05", 1);
    buf_append(&s, "\x06" "memory" "\x02\x00", 9);
    buf_append(&s, "\x09" "call_add3" "\x00\x03", 12);
    buf_append(&s, "\x05" "exit7" "\x00\x04", 8);
    buf_append(&s, "\x04" "boom" "\x00\x05", 7);
    buf_append(&s, "\x04" "spin" "\x00\x06", 7);
    section(m, 7, &s);
    buf_reset(&s);
    static const uint8_t code[] = {
        0x04,
        /* call_add3 */ 17, 0x00, 0x41, 0x01, 0x42, 0x02, 0x44, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f,
        0x10, 0x00, 0x0b,
        /* exit7 */ 7, 0x00, 0x41, 0x07, 0x10, 0x01, 0x00, 0x0b,
        /* boom */ 4, 0x00, 0x10, 0x02, 0x0b,
        /* spin */ 7, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
    };
    buf_append(&s, code, sizeof code);
    section(m, 10, &s);
    buf_free(&s);
}

static int add3(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *user)
{
    int *calls = user;
    (*calls)++;
    assert_int_equal(a[0].type, AWASM_I32);
    assert_int_equal(a[1].type, AWASM_I64);
    assert_int_equal(a[2].type, AWASM_F64);
    assert_non_null(awasm_ctx_instance(ctx));
    awasm_memory_t *mem = awasm_ctx_memory(ctx);
    assert_non_null(mem);
    assert_int_equal(awasm_memory_size(mem), 65536);
    assert_non_null(awasm_memory_ptr(mem, 65536 - 4, 4));
    assert_null(awasm_memory_ptr(mem, 65536 - 3, 4));
    assert_null(awasm_memory_ptr(mem, UINT64_MAX, 2));
    assert_non_null(awasm_memory_ptr(mem, 65536, 0));
    assert_true(awasm_memory_write(mem, 100, "hi", 2));
    assert_false(awasm_memory_write(mem, 65535, "hi", 2));
    r[0].of.f64 = a[0].of.i32 + (double)a[1].of.i64 + a[2].of.f64;
    return 0;
}

static int bye(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *user)
{
    return awasm_ctx_exit(ctx, a[0].of.i32);
}

static int boom(awasm_ctx_t *ctx, const awasm_val_t *a, awasm_val_t *r, void *user)
{
    return awasm_ctx_trap(ctx, AWASM_TRAP_HOST, "boom %d", 42);
}

static awasm_instance_t *host_instance(awasm_store_t *s, awasm_module_t **mod, int *calls)
{
    buf_t b;
    err_t e;
    host_module(&b);
    *mod = awasm_module_decode(b.data, b.len, awasm_store_config(s), &e);
    buf_free(&b);
    assert_non_null(*mod);
    awasm_imports_t *imps = awasm_imports_new();
    assert_int_equal(awasm_imports_add_host(imps, "env", "add3", "(iIF)F", add3, calls, &e), 0);
    assert_int_equal(awasm_imports_add_host(imps, "env", "bye", "(i)", bye, NULL, &e), 0);
    assert_int_equal(awasm_imports_add_host(imps, "env", "boom", "()", boom, NULL, &e), 0);
    awasm_instance_t *inst = awasm_instance_new(s, *mod, imps, &e);
    awasm_imports_free(imps);
    assert_non_null(inst);
    return inst;
}

static void test_host_functions(void **state)
{
    (void)state;
    awasm_store_t *s = awasm_store_new(NULL);
    awasm_module_t *m;
    int calls = 0;
    awasm_instance_t *inst = host_instance(s, &m, &calls);
    err_t e;
    awasm_val_t r;
    assert_int_equal(awasm_instance_call(inst, "call_add3", NULL, 0, &r, 1, &e), 0);
    assert_int_equal(r.type, AWASM_F64);
    assert_true(r.of.f64 == 3.5);
    assert_int_equal(calls, 1);
    assert_memory_equal(awasm_memory_data(awasm_instance_memory(inst, "memory")) + 100, "hi", 2);

    assert_int_equal(awasm_instance_call(inst, "exit7", NULL, 0, NULL, 0, &e), AWASM_ETRAP);
    assert_int_equal(awasm_store_trap(s), AWASM_TRAP_EXIT);
    assert_int_equal(awasm_store_exit_code(s), 7);

    assert_int_equal(awasm_instance_call(inst, "boom", NULL, 0, NULL, 0, &e), AWASM_ETRAP);
    assert_int_equal(awasm_store_trap(s), AWASM_TRAP_HOST);
    assert_non_null(strstr(e.msg, "boom 42"));

    /* the store is usable after traps */
    assert_int_equal(awasm_instance_call(inst, "call_add3", NULL, 0, &r, 1, &e), 0);
    /* wrong arity / types are argument errors, not crashes */
    awasm_val_t bad = {.type = AWASM_I64};
    assert_int_equal(awasm_instance_call(inst, "call_add3", &bad, 1, &r, 1, &e), AWASM_EARG);
    assert_int_equal(awasm_instance_call(inst, "nope", NULL, 0, NULL, 0, &e), AWASM_ENOTFOUND);
    awasm_module_free(m);   /* instances keep the module alive */
    assert_int_equal(awasm_instance_call(inst, "call_add3", NULL, 0, &r, 1, &e), 0);
    awasm_store_free(s);
}

static void test_link_errors(void **state)
{
    (void)state;
    buf_t b;
    err_t e;
    host_module(&b);
    awasm_store_t *s = awasm_store_new(NULL);
    awasm_module_t *m = awasm_module_decode(b.data, b.len, NULL, &e);
    buf_free(&b);
    assert_non_null(m);
    assert_int_equal(awasm_module_import_count(m), 3);
    awasm_import_desc_t d;
    assert_int_equal(awasm_module_import(m, 0, &d), 0);
    assert_string_equal(d.module, "env");
    assert_string_equal(d.name, "add3");
    assert_int_equal(d.func.n_params, 3);
    assert_int_equal(d.func.n_results, 1);
    assert_int_equal(awasm_module_import(m, 3, &d), AWASM_EARG);
    /* missing import */
    assert_null(awasm_instance_new(s, m, NULL, &e));
    assert_int_equal(e.code, AWASM_ELINK);
    assert_non_null(strstr(e.msg, "env.add3"));
    /* wrong signature */
    awasm_imports_t *imps = awasm_imports_new();
    awasm_imports_add_host(imps, "env", "add3", "(iIf)F", add3, NULL, &e);
    awasm_imports_add_host(imps, "env", "bye", "(i)", bye, NULL, &e);
    awasm_imports_add_host(imps, "env", "boom", "()", boom, NULL, &e);
    assert_null(awasm_instance_new(s, m, imps, &e));
    assert_int_equal(e.code, AWASM_ELINK);
    awasm_imports_free(imps);
    awasm_functype_t ft;
    awasm_valtype_t p[AWASM_SIG_MAX], r[AWASM_SIG_MAX];
    assert_int_equal(awasm_sig_parse("(ii", &ft, p, r, &e), AWASM_EARG);
    assert_int_equal(awasm_sig_parse("(ix)i", &ft, p, r, &e), AWASM_EARG);
    assert_int_equal(awasm_sig_parse("(cr)IF", &ft, p, r, &e), 0);
    assert_int_equal(ft.n_params, 2);
    assert_int_equal(r[1], AWASM_F64);
    awasm_module_free(m);
    awasm_store_free(s);
}

static void test_fuel(void **state)
{
    (void)state;
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.fuel = true;
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_module_t *m;
    int calls = 0;
    awasm_instance_t *inst = host_instance(s, &m, &calls);
    err_t e;
    awasm_store_set_fuel(s, 1000);
    assert_int_equal(awasm_instance_call(inst, "spin", NULL, 0, NULL, 0, &e), AWASM_ETRAP);
    assert_int_equal(awasm_store_trap(s), AWASM_TRAP_OUT_OF_FUEL);
    assert_true(awasm_store_fuel(s) < 1000);
    awasm_store_set_fuel(s, 1000000);
    awasm_val_t r;
    assert_int_equal(awasm_instance_call(inst, "call_add3", NULL, 0, &r, 1, &e), 0);
    uint64_t used = 1000000 - awasm_store_fuel(s);
    assert_true(used > 0 && used < 100);
    /* the same call uses the same fuel again */
    awasm_store_set_fuel(s, 1000000);
    assert_int_equal(awasm_instance_call(inst, "call_add3", NULL, 0, &r, 1, &e), 0);
    assert_int_equal(1000000 - awasm_store_fuel(s), used);
    /* a module compiled without fuel cannot go into a metered store */
    buf_t b;
    host_module(&b);
    awasm_module_t *plain = awasm_module_decode(b.data, b.len, NULL, &e);
    buf_free(&b);
    assert_null(awasm_instance_new(s, plain, NULL, &e));
    assert_int_equal(e.code, AWASM_EARG);
    awasm_module_free(plain);
    awasm_module_free(m);
    awasm_store_free(s);
}

/* The published fuel schedule: version 1 is frozen (the chain charges gas
 * from it), unknown versions are refused everywhere. */
static void test_fuel_schedule(void **state)
{
    (void)state;
    const awasm_fuel_schedule_t *v1 = awasm_fuel_schedule(1);
    assert_non_null(v1);
    assert_ptr_equal(awasm_fuel_schedule(0), v1);
    assert_non_null(awasm_fuel_schedule(AWASM_FUEL_SCHEDULE_LATEST));
    assert_null(awasm_fuel_schedule(AWASM_FUEL_SCHEDULE_LATEST + 1));
    assert_int_equal(v1->memory_grow_per_page, 16);
    assert_int_equal(v1->bulk_memory_bytes_per_unit, 64);
    assert_int_equal(v1->bulk_table_elems_per_unit, 8);
    assert_int_equal(v1->host_call_extra, 0);
    static const struct { uint32_t prefix, op; int64_t cost; } want[] = {
        {0, 0x6a, 1}, {0, 0x28, 1}, {0, 0x05, 0}, {0, 0x0b, 0}, {0, 0x10, 3}, {0, 0x11, 4},
        {0, 0x40, 8}, {0, 0x3f, 1}, {0xfc, 0, 4}, {0xfc, 10, 4}, {0xfc, 17, 4},
        {0xfd, 0, 1}, {0xfd, 13, 2}, {0xfd, 0xce, 1}, {0xfd, 0xe3, 2}, {0xfd, 0xba, 2},
        {0, 0x06, -1}, {0, 0xff, -1}, {0xfc, 18, -1}, {0xfd, 0x1000, -1}, {0xfd, 154, -1},
        {0xfd, 0x100, -1}, {7, 0, -1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(awasm_fuel_cost(1, want[i].prefix, want[i].op), want[i].cost);
    assert_int_equal(awasm_fuel_cost(AWASM_FUEL_SCHEDULE_LATEST + 1, 0, 0x6a), -1);
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    assert_int_equal(cfg.fuel_schedule, 1);
    cfg.fuel = true;
    cfg.fuel_schedule = AWASM_FUEL_SCHEDULE_LATEST + 1;
    assert_null(awasm_store_new(&cfg));
    buf_t b;
    host_module(&b);
    err_t e;
    assert_null(awasm_module_decode(b.data, b.len, &cfg, &e));
    assert_int_equal(e.code, AWASM_EARG);
    assert_non_null(strstr(e.msg, "fuel schedule"));
    buf_free(&b);
}

/* A SIMD module (from:
 *   (import "host" "flip" (func $flip (param v128 i32) (result v128)))
 *   (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
 *   (func (export "div") (param v128 v128) (result v128) f32x4.div)
 *   (func (export "call_flip") (param v128) (result v128 i32)
 *     (call $flip (local.get 0) (i32.const 5))
 *     (global.set $g (global.get $g)) (i32x4.extract_lane 3 (global.get $g))))
 */
static const uint8_t simd_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x03, 0x60,
  0x02, 0x7b, 0x7f, 0x01, 0x7b, 0x60, 0x02, 0x7b, 0x7b, 0x01, 0x7b, 0x60,
  0x01, 0x7b, 0x02, 0x7b, 0x7f, 0x02, 0x0d, 0x01, 0x04, 0x68, 0x6f, 0x73,
  0x74, 0x04, 0x66, 0x6c, 0x69, 0x70, 0x00, 0x00, 0x03, 0x03, 0x02, 0x01,
  0x02, 0x06, 0x16, 0x01, 0x7b, 0x01, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00,
  0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
  0x0b, 0x07, 0x17, 0x03, 0x01, 0x67, 0x03, 0x00, 0x03, 0x64, 0x69, 0x76,
  0x00, 0x01, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x6c, 0x69, 0x70,
  0x00, 0x02, 0x0a, 0x1d, 0x02, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd,
  0xe7, 0x01, 0x0b, 0x11, 0x00, 0x20, 0x00, 0x41, 0x05, 0x10, 0x00, 0x23,
  0x00, 0x24, 0x00, 0x23, 0x00, 0xfd, 0x1b, 0x03, 0x0b
};

/* The host function reverses the 4 i32 lanes and adds its i32 argument. */
static int host_flip(awasm_ctx_t *ctx, const awasm_val_t *args, awasm_val_t *results, void *user)
{
    (void)ctx; (void)user;
    assert_int_equal(args[0].type, AWASM_V128);
    assert_int_equal(args[1].type, AWASM_I32);
    uint32_t in[4], out[4];
    memcpy(in, args[0].of.v128, 16);
    for (int i = 0; i < 4; i++) out[i] = in[3 - i] + (uint32_t)args[1].of.i32;
    memcpy(results[0].of.v128, out, 16);
    return 0;
}

static awasm_val_t v128_of(const char *text)
{
    awasm_val_t v;
    memset(&v, 0, sizeof v);
    v.type = AWASM_V128;
    assert_int_equal(awasm_v128_parse(text, v.of.v128, NULL), 0);
    return v;
}

/* v128 values through calls, host functions and globals; in determinism
 * mode every NaN lane of float SIMD arithmetic is the canonical NaN. */
static void test_simd_values(void **state)
{
    (void)state;
    for (int det = 0; det < 2; det++) {
        awasm_config_t cfg;
        awasm_config_default(&cfg);
        cfg.deterministic = det;
        err_t e;
        awasm_module_t *m = awasm_module_decode(simd_wasm, sizeof simd_wasm, &cfg, &e);
        assert_non_null(m);
        awasm_store_t *s = awasm_store_new(&cfg);
        awasm_imports_t *imps = awasm_imports_new();
        assert_int_equal(awasm_imports_add_host(imps, "host", "flip", "(Vi)V", host_flip, NULL, &e), 0);
        awasm_instance_t *inst = awasm_instance_new(s, m, imps, &e);
        assert_non_null(inst);
        /* 0/0 and inf-scaled lanes: x86 makes the negative default NaN 0xffc00000 */
        awasm_val_t args[2] = {v128_of("f32x4 0 1 -0 6"), v128_of("f32x4 0 0 0 -2")}, res[2];
        assert_int_equal(awasm_instance_call(inst, "div", args, 2, res, 1, &e), 0);
        uint32_t lanes[4];
        memcpy(lanes, res[0].of.v128, 16);
        assert_true((lanes[0] & 0x7fc00000u) == 0x7fc00000u);
        if (det) assert_int_equal(lanes[0], 0x7fc00000u);
        if (det) assert_int_equal(lanes[2], 0x7fc00000u);
        assert_int_equal(lanes[1], 0x7f800000u);
        assert_int_equal(lanes[3], 0xc0400000u);   /* -3 */
        char text[AWASM_V128_TEXT_MAX];
        assert_int_equal(awasm_v128_format(res[0].of.v128, "f32x4", text, sizeof text), 0);
        if (det) assert_string_equal(text, "f32x4 nan:0x7fc00000 inf nan:0x7fc00000 -3");
        /* through the host and a v128 global */
        args[0] = v128_of("i32x4 10 20 30 -1");
        assert_int_equal(awasm_instance_call(inst, "call_flip", args, 1, res, 2, &e), 0);
        assert_int_equal(awasm_v128_format(res[0].of.v128, "i32x4", text, sizeof text), 0);
        assert_string_equal(text, "i32x4 4 35 25 15");
        assert_int_equal(res[1].of.i32, 4);
        awasm_global_t *g = awasm_instance_global(inst, "g");
        awasm_val_t gv = awasm_global_get(g);
        assert_int_equal(gv.type, AWASM_V128);
        assert_int_equal(awasm_v128_format(gv.of.v128, "i64x2", text, sizeof text), 0);
        assert_string_equal(text, "i64x2 8589934593 17179869187");
        assert_int_equal(awasm_global_set(g, v128_of("i32x4 0 0 0 99")), 0);
        assert_int_equal(awasm_instance_call(inst, "call_flip", args, 1, res, 2, &e), 0);
        assert_int_equal(res[1].of.i32, 99);
        /* wrong argument type and bad text are refused */
        awasm_val_t bad = {.type = AWASM_I32, .of.i32 = 1};
        assert_int_equal(awasm_instance_call(inst, "call_flip", &bad, 1, res, 2, &e), AWASM_EARG);
        uint8_t junk[16];
        assert_int_equal(awasm_v128_parse("i32x4 1 2 3", junk, &e), AWASM_EARG);
        assert_int_equal(awasm_v128_parse("i16x8 1 2 3 4 5 6 7 65536", junk, &e), AWASM_EARG);
        assert_int_equal(awasm_v128_parse("q32x4 1 2 3 4", junk, &e), AWASM_EARG);
        assert_int_equal(awasm_v128_format(junk, "i32x4", text, 8), AWASM_EARG);
        awasm_imports_free(imps);
        awasm_store_free(s);
        awasm_module_free(m);
    }
}

static void *watchdog(void *arg)
{
    usleep(50000);
    awasm_store_interrupt(arg);
    return NULL;
}

static void test_interrupt(void **state)
{
    (void)state;
    awasm_store_t *s = awasm_store_new(NULL);   /* no fuel: only the interrupt stops "spin" */
    awasm_module_t *m;
    int calls = 0;
    awasm_instance_t *inst = host_instance(s, &m, &calls);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, watchdog, s), 0);
    err_t e;
    assert_int_equal(awasm_instance_call(inst, "spin", NULL, 0, NULL, 0, &e), AWASM_ETRAP);
    assert_int_equal(awasm_store_trap(s), AWASM_TRAP_INTERRUPTED);
    pthread_join(t, NULL);
    /* the request was consumed */
    awasm_val_t r;
    assert_int_equal(awasm_instance_call(inst, "call_add3", NULL, 0, &r, 1, &e), 0);
    awasm_module_free(m);
    awasm_store_free(s);
}

/* ---- hostile modules ---------------------------------------------------- */

static void test_truncated_everywhere(void **state)
{
    (void)state;
    buf_t b;
    host_module(&b);
    /* section boundaries: a module cut there is still well-formed */
    size_t bounds[32], nb = 0, off = 8;
    bounds[nb++] = 8;
    while (off < b.len && nb < 32) {
        uint32_t size;
        int k = leb128_u32_decode(b.data + off + 1, b.len - off - 1, &size, NULL);
        assert_true(k > 0);
        off += 1 + (size_t)k + size;
        bounds[nb++] = off;
    }
    for (size_t n = 0; n < b.len; n++) {
        err_t e;
        awasm_module_t *m = awasm_module_decode(b.data, n, NULL, &e);
        bool boundary = false;
        for (size_t i = 0; i < nb; i++) boundary |= bounds[i] == n;
        if (m) {
            /* only before the function section (which needs its code) */
            assert_true(boundary);
            awasm_module_free(m);
            continue;
        }
        assert_true(e.code == AWASM_EMALFORMED || e.code == AWASM_EINVALID);
        assert_non_null(strstr(e.msg, "wasm:"));
    }
    /* flipping each byte never crashes */
    for (size_t i = 8; i < b.len; i++) {
        uint8_t save = b.data[i];
        b.data[i] ^= 0x5a;
        err_t e;
        awasm_module_free(awasm_module_decode(b.data, b.len, NULL, &e));
        b.data[i] = save;
    }
    buf_free(&b);
}

static void test_huge_declarations(void **state)
{
    (void)state;
    err_t e;
    buf_t m, s;
    /* a type section claiming 4 billion types in 5 bytes */
    header(&m);
    buf_init(&s, 0);
    put_u32(&s, 0xffffffffu);
    section(&m, 1, &s);
    assert_null(decode(&m, NULL, &e));
    assert_int_equal(e.code, AWASM_EMALFORMED);
    buf_free(&m);
    /* a memory of 65536 pages with a limit of 16 pages: a clean error at
     * instantiation, nothing allocated */
    header(&m);
    buf_reset(&s);
    buf_append(&s, "\x01\x00", 2);
    put_u32(&s, 65536);
    section(&m, 5, &s);
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.max_memory_pages = 16;
    awasm_module_t *mod = decode(&m, &cfg, &e);
    assert_non_null(mod);
    awasm_store_t *st = awasm_store_new(&cfg);
    assert_null(awasm_instance_new(st, mod, NULL, &e));
    assert_int_equal(e.code, AWASM_ELIMIT);
    awasm_module_free(mod);
    awasm_store_free(st);
    buf_free(&m);
    /* a table of 4 billion elements */
    header(&m);
    buf_reset(&s);
    buf_append(&s, "\x01\x70\x00", 3);
    put_u32(&s, 0xffffffffu);
    section(&m, 4, &s);
    mod = decode(&m, NULL, &e);
    assert_non_null(mod);
    st = awasm_store_new(NULL);
    assert_null(awasm_instance_new(st, mod, NULL, &e));
    assert_int_equal(e.code, AWASM_ELIMIT);
    awasm_module_free(mod);
    awasm_store_free(st);
    buf_free(&m);
    /* a data segment claiming more bytes than the module has */
    header(&m);
    buf_reset(&s);
    buf_append(&s, "\x01\x01", 2);
    put_u32(&s, 0x7fffffffu);
    section(&m, 11, &s);
    assert_null(decode(&m, NULL, &e));
    assert_int_equal(e.code, AWASM_EMALFORMED);
    buf_free(&m);
    /* bigger than max_module_size */
    header(&m);
    cfg.max_module_size = 4;
    assert_null(decode(&m, &cfg, &e));
    assert_int_equal(e.code, AWASM_ELIMIT);
    buf_free(&m);
    buf_free(&s);
}

static void test_many_locals(void **state)
{
    (void)state;
    err_t e;
    buf_t body, m;
    buf_init(&body, 0);
    put_u32(&body, 1);
    put_u32(&body, 100000);                        /* 100k i64 locals */
    buf_append_byte(&body, 0x7e);
    buf_append_byte(&body, 0x0b);
    one_func_module(&m, &body);
    assert_null(decode(&m, NULL, &e));             /* default limit: 50,000 */
    assert_int_equal(e.code, AWASM_ELIMIT);
    assert_non_null(strstr(e.msg, "locals"));
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.max_locals = 200000;                       /* allowed: it runs */
    awasm_module_t *mod = decode(&m, &cfg, &e);
    assert_non_null(mod);
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_instance_t *inst = awasm_instance_new(s, mod, NULL, &e);
    assert_non_null(inst);
    assert_int_equal(awasm_instance_call(inst, "f", NULL, 0, NULL, 0, &e), 0);
    awasm_store_free(s);
    awasm_module_free(mod);
    buf_free(&m);
    /* 2^32 locals in total is malformed */
    buf_reset(&body);
    put_u32(&body, 2);
    put_u32(&body, 0xffffffffu);
    buf_append_byte(&body, 0x7f);
    put_u32(&body, 0xffffffffu);
    buf_append_byte(&body, 0x7f);
    buf_append_byte(&body, 0x0b);
    one_func_module(&m, &body);
    assert_null(decode(&m, &cfg, &e));
    buf_free(&m);
    buf_free(&body);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    err_t e;
    buf_t body, m;
    buf_init(&body, 0);
    buf_append_byte(&body, 0x00);                  /* no locals */
    const int depth = 100000;
    for (int i = 0; i < depth; i++) buf_append(&body, "\x02\x40", 2);   /* block */
    for (int i = 0; i < depth; i++) buf_append_byte(&body, 0x0b);
    buf_append_byte(&body, 0x0b);
    one_func_module(&m, &body);
    awasm_module_t *mod = decode(&m, NULL, &e);
    assert_non_null(mod);                          /* valid: compiled without recursion */
    awasm_store_t *s = awasm_store_new(NULL);
    awasm_instance_t *inst = awasm_instance_new(s, mod, NULL, &e);
    assert_int_equal(awasm_instance_call(inst, "f", NULL, 0, NULL, 0, &e), 0);
    awasm_store_free(s);
    awasm_module_free(mod);
    buf_free(&m);
    /* unbalanced: never closed */
    buf_reset(&body);
    buf_append_byte(&body, 0x00);
    for (int i = 0; i < depth; i++) buf_append(&body, "\x02\x40", 2);
    one_func_module(&m, &body);
    assert_null(decode(&m, NULL, &e));
    assert_int_equal(e.code, AWASM_EMALFORMED);
    buf_free(&m);
    buf_free(&body);
}

static void test_deep_recursion(void **state)
{
    (void)state;
    err_t e;
    buf_t body, m;
    buf_init(&body, 0);
    buf_append(&body, "\x00\x10\x00\x0b", 4);      /* f: call f */
    one_func_module(&m, &body);
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.max_call_depth = 1000000;                  /* the value stack runs out first */
    awasm_module_t *mod = decode(&m, &cfg, &e);
    assert_non_null(mod);
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_instance_t *inst = awasm_instance_new(s, mod, NULL, &e);
    assert_int_equal(awasm_instance_call(inst, "f", NULL, 0, NULL, 0, &e), AWASM_ETRAP);
    assert_int_equal(awasm_store_trap(s), AWASM_TRAP_STACK_EXHAUSTED);
    assert_string_equal(awasm_trap_kind_str(AWASM_TRAP_STACK_EXHAUSTED), "call stack exhausted");
    awasm_store_free(s);
    awasm_module_free(mod);
    buf_free(&m);
    buf_free(&body);
}

/* The value stack and linear memories of short-lived stores:
 * (module
 *   (memory (export "memory") 1)
 *   (func $sum (export "sum") (param i64) (result i64)
 *     (local i64)
 *     (if (result i64) (i64.eqz (local.get 0))
 *       (then (i64.const 0))
 *       (else
 *         (local.set 1 (local.get 0))
 *         (i64.add (local.get 1) (call $sum (i64.sub (local.get 0) (i64.const 1)))))))
 *   (func (export "poke") (param i32 i32)
 *     (i32.store (local.get 0) (local.get 1)))
 *   (func (export "peek") (param i32) (result i32)
 *     (i32.load (local.get 0)))
 *   (func (export "grow") (param i32) (result i32)
 *     (memory.grow (local.get 0))))
 * (wat2wasm output below) */
static const uint8_t stack_mem_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60,
  0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f,
  0x01, 0x7f, 0x03, 0x05, 0x04, 0x00, 0x01, 0x02, 0x02, 0x05, 0x03, 0x01,
  0x00, 0x01, 0x07, 0x25, 0x05, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
  0x02, 0x00, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x00, 0x04, 0x70, 0x6f, 0x6b,
  0x65, 0x00, 0x01, 0x04, 0x70, 0x65, 0x65, 0x6b, 0x00, 0x02, 0x04, 0x67,
  0x72, 0x6f, 0x77, 0x00, 0x03, 0x0a, 0x36, 0x04, 0x1b, 0x01, 0x01, 0x7e,
  0x20, 0x00, 0x50, 0x04, 0x7e, 0x42, 0x00, 0x05, 0x20, 0x00, 0x21, 0x01,
  0x20, 0x01, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x10, 0x00, 0x7c, 0x0b, 0x0b,
  0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x07, 0x00,
  0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00,
  0x0b
};

static awasm_val_t i32v(int32_t v)
{
    awasm_val_t x = {.type = AWASM_I32};
    x.of.i32 = v;
    return x;
}

/* The value stack starts small and grows by reallocation while calls are
 * live: every frame's values survive the moves (sum(n) recursing n deep
 * adds the n saved locals back up); the configured size stays the limit. */
static void test_stack_grows(void **state)
{
    (void)state;
    err_t e;
    awasm_config_t cfg;
    awasm_config_default(&cfg);
    cfg.max_call_depth = 100000;
    cfg.stack_slots = 1u << 20;
    awasm_module_t *mod = awasm_module_decode(stack_mem_wasm, sizeof stack_mem_wasm, &cfg, &e);
    assert_non_null(mod);
    awasm_store_t *s = awasm_store_new(&cfg);
    awasm_instance_t *inst = awasm_instance_new(s, mod, NULL, &e);
    assert_non_null(inst);
    for (int64_t n = 1; n <= 40000; n *= 3) {
        awasm_val_t arg = {.type = AWASM_I64}, res = {.type = AWASM_I64};
        arg.of.i64 = n;
        assert_int_equal(awasm_instance_call(inst, "sum", &arg, 1, &res, 1, &e), 0);
        assert_int_equal(res.of.i64, n * (n + 1) / 2);
    }
    awasm_store_free(s);
    /* a store limited to 4,096 slots: the same recursion runs out cleanly */
    cfg.stack_slots = 4096;
    s = awasm_store_new(&cfg);
    inst = awasm_instance_new(s, mod, NULL, &e);
    awasm_val_t arg = {.type = AWASM_I64}, res = {.type = AWASM_I64};
    arg.of.i64 = 40000;
    assert_int_equal(awasm_instance_call(inst, "sum", &arg, 1, &res, 1, &e), AWASM_ETRAP);
    assert_int_equal(awasm_store_trap(s), AWASM_TRAP_STACK_EXHAUSTED);
    arg.of.i64 = 100;                              /* shallow calls still run */
    assert_int_equal(awasm_instance_call(inst, "sum", &arg, 1, &res, 1, &e), 0);
    assert_int_equal(res.of.i64, 5050);
    awasm_store_free(s);
    awasm_module_free(mod);
}

/* Linear memories are recycled between stores: a new instance never sees
 * what an earlier one wrote, in its first pages or in pages it grows into. */
static void test_memory_reuse_zeroed(void **state)
{
    (void)state;
    err_t e;
    awasm_module_t *mod = awasm_module_decode(stack_mem_wasm, sizeof stack_mem_wasm, NULL, &e);
    assert_non_null(mod);
    for (int round = 0; round < 50; round++) {
        awasm_store_t *s = awasm_store_new(NULL);
        awasm_instance_t *inst = awasm_instance_new(s, mod, NULL, &e);
        assert_non_null(inst);
        awasm_val_t r = {.type = AWASM_I32}, args[2];
        args[0] = i32v(100);
        assert_int_equal(awasm_instance_call(inst, "peek", args, 1, &r, 1, &e), 0);
        assert_int_equal(r.of.i32, 0);
        /* pages past the start are not accessible until grown */
        args[0] = i32v(2 * 65536 + 8);
        assert_int_equal(awasm_instance_call(inst, "peek", args, 1, &r, 1, &e), AWASM_ETRAP);
        assert_int_equal(awasm_store_trap(s), AWASM_TRAP_OOB_MEMORY);
        args[0] = i32v(2);
        assert_int_equal(awasm_instance_call(inst, "grow", args, 1, &r, 1, &e), 0);
        assert_int_equal(r.of.i32, 1);
        args[0] = i32v(2 * 65536 + 8);
        assert_int_equal(awasm_instance_call(inst, "peek", args, 1, &r, 1, &e), 0);
        assert_int_equal(r.of.i32, 0);
        /* dirty both, then drop the store */
        args[0] = i32v(100);
        args[1] = i32v(0x5a5a5a5a);
        assert_int_equal(awasm_instance_call(inst, "poke", args, 2, NULL, 0, &e), 0);
        args[0] = i32v(2 * 65536 + 8);
        assert_int_equal(awasm_instance_call(inst, "poke", args, 2, NULL, 0, &e), 0);
        awasm_store_free(s);
    }
    awasm_module_free(mod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_functions),
        cmocka_unit_test(test_link_errors),
        cmocka_unit_test(test_fuel),
        cmocka_unit_test(test_fuel_schedule),
        cmocka_unit_test(test_simd_values),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_huge_declarations),
        cmocka_unit_test(test_many_locals),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_deep_recursion),
        cmocka_unit_test(test_stack_grows),
        cmocka_unit_test(test_memory_reuse_zeroed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * wasm decode: the binary format (WebAssembly 2.0 core §5) into a
 * awasm_module_t. Every length and count is checked against the bytes that
 * remain before anything is allocated, so a hostile module cannot make us
 * allocate more than a small multiple of its own size. Function bodies are
 * only located here; compile.c validates and compiles them.
 *
 * Module-level validation (§3.4: index ranges, limits, constant
 * expressions, export names, start function, at most one memory) happens
 * here as well, as each section is read.
 */
#include <stdlib.h>
#include <string.h>

#include "wasm/internal.h"
#include "wasm/optab.h"

/* err_set() returns its code, but the compiler cannot see that; this form
 * lets it know the failure paths return non-zero. */
#define ERR(code, ...) (err_set(err, code, __VA_ARGS__), code)

/* ---- readers -------------------------------------------------------------- */

int rd_u8(reader_t *r, uint8_t *v, err_t *err)
{
    if (r->p >= r->end)
        return ERR(AWASM_EMALFORMED, "wasm: unexpected end at offset %zu", rd_off(r));
    *v = *r->p++;
    return 0;
}

static int leb_err(reader_t *r, int rc, err_t *err)
{
    if (rc == BASE_ETRUNC)
        return ERR(AWASM_EMALFORMED, "wasm: unexpected end in LEB128 at offset %zu",
                       rd_off(r));
    return ERR(AWASM_EMALFORMED, "wasm: integer representation too long or too large "
                   "at offset %zu", rd_off(r));
}

int rd_u32(reader_t *r, uint32_t *v, err_t *err)
{
    int n = leb128_u32_decode(r->p, (size_t)(r->end - r->p), v, NULL);
    if (n < 0) return leb_err(r, n, err);
    r->p += n;
    return 0;
}

int rd_s32(reader_t *r, int32_t *v, err_t *err)
{
    int n = leb128_s32_decode(r->p, (size_t)(r->end - r->p), v, NULL);
    if (n < 0) return leb_err(r, n, err);
    r->p += n;
    return 0;
}

int rd_s64(reader_t *r, int64_t *v, err_t *err)
{
    int n = leb128_s64_decode(r->p, (size_t)(r->end - r->p), v, NULL);
    if (n < 0) return leb_err(r, n, err);
    r->p += n;
    return 0;
}

/* Signed 33-bit LEB (block types): at most 5 bytes. */
int rd_s33(reader_t *r, int64_t *v, err_t *err)
{
    int64_t result = 0;
    unsigned shift = 0;
    for (int i = 0; i < 5; i++) {
        if (r->p >= r->end)
            return ERR(AWASM_EMALFORMED, "wasm: unexpected end at offset %zu", rd_off(r));
        uint8_t b = *r->p++;
        result |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (i == 4) {
                /* the 5th byte carries bits 28..34: bits 33 and 34 must copy bit 32 */
                uint8_t top = b & 0x70;
                if (top != 0 && top != 0x70)
                    return ERR(AWASM_EMALFORMED, "wasm: integer too large at offset %zu",
                                   rd_off(r));
            }
            if (shift < 64 && (b & 0x40)) result |= -((int64_t)1 << shift);
            /* sign-extend from 33 bits */
            result = (int64_t)((uint64_t)result << 31) >> 31;
            *v = result;
            return 0;
        }
    }
    return ERR(AWASM_EMALFORMED, "wasm: integer representation too long at offset %zu",
                   rd_off(r));
}

int rd_f32(reader_t *r, uint32_t *v, err_t *err)
{
    if (r->end - r->p < 4)
        return ERR(AWASM_EMALFORMED, "wasm: unexpected end at offset %zu", rd_off(r));
    memcpy(v, r->p, 4);
    r->p += 4;
    return 0;
}

int rd_f64(reader_t *r, uint64_t *v, err_t *err)
{
    if (r->end - r->p < 8)
        return ERR(AWASM_EMALFORMED, "wasm: unexpected end at offset %zu", rd_off(r));
    memcpy(v, r->p, 8);
    r->p += 8;
    return 0;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
            return false;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += len;
    }
    return true;
}

static int rd_name(reader_t *r, char **out, uint32_t *out_len, err_t *err)
{
    uint32_t len;
    if (rd_u32(r, &len, err)) return err->code;
    if ((size_t)(r->end - r->p) < len)
        return ERR(AWASM_EMALFORMED, "wasm: name length %u past end at offset %zu", len,
                       rd_off(r));
    if (!utf8_valid(r->p, len))
        return ERR(AWASM_EMALFORMED, "wasm: malformed UTF-8 encoding at offset %zu",
                       rd_off(r));
    char *s = malloc((size_t)len + 1);
    if (!s) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    memcpy(s, r->p, len);
    s[len] = 0;
    r->p += len;
    *out = s;
    if (out_len) *out_len = len;
    return 0;
}

/* A vector count: each element takes at least min_bytes, so a count larger
 * than what remains is malformed before we allocate anything. */
static int rd_count(reader_t *r, uint32_t *n, size_t min_bytes, const char *what, err_t *err)
{
    if (rd_u32(r, n, err)) return err->code;
    if (min_bytes && (size_t)*n > (size_t)(r->end - r->p) / min_bytes)
        return ERR(AWASM_EMALFORMED, "wasm: %s count %u exceeds the section at offset %zu",
                       what, *n, rd_off(r));
    return 0;
}

static bool is_valtype(uint8_t b)
{
    return b == AWASM_I32 || b == AWASM_I64 || b == AWASM_F32 || b == AWASM_F64 || b == AWASM_V128 ||
           b == AWASM_FUNCREF || b == AWASM_EXTERNREF;
}

static int rd_valtype(reader_t *r, awasm_valtype_t *t, err_t *err)
{
    uint8_t b;
    if (rd_u8(r, &b, err)) return err->code;
    if (!is_valtype(b))
        return ERR(AWASM_EMALFORMED, "wasm: malformed value type 0x%02x at offset %zu", b,
                       rd_off(r) - 1);
    *t = (awasm_valtype_t)b;
    return 0;
}

static int rd_reftype(reader_t *r, awasm_valtype_t *t, err_t *err)
{
    uint8_t b;
    if (rd_u8(r, &b, err)) return err->code;
    if (b != AWASM_FUNCREF && b != AWASM_EXTERNREF)
        return ERR(AWASM_EMALFORMED, "wasm: malformed reference type 0x%02x at offset %zu",
                       b, rd_off(r) - 1);
    *t = (awasm_valtype_t)b;
    return 0;
}

static int rd_limits(reader_t *r, awasm_limits_t *l, uint64_t bound, const char *what, err_t *err)
{
    uint8_t flag;
    uint32_t v;
    size_t at = rd_off(r);
    if (rd_u8(r, &flag, err)) return err->code;
    if (flag > 1)
        return ERR(AWASM_EMALFORMED, "wasm: malformed %s limits flag 0x%02x at offset %zu",
                       what, flag, at);
    if (rd_u32(r, &v, err)) return err->code;
    l->min = v;
    l->has_max = flag == 1;
    l->max = 0;
    if (l->has_max) {
        if (rd_u32(r, &v, err)) return err->code;
        l->max = v;
    }
    if (l->min > bound || (l->has_max && l->max > bound))
        return ERR(AWASM_EINVALID, "wasm: %s size must be at most %llu%s (offset %zu)", what,
                       (unsigned long long)bound,
                       bound == AWASM_MAX_PAGES ? " pages (4GiB)" : " entries", at);
    if (l->has_max && l->max < l->min)
        return ERR(AWASM_EINVALID,
                       "wasm: %s size minimum must not be greater than maximum (offset %zu)", what,
                       at);
    return 0;
}

static awasm_valtype_t global_valtype(const awasm_module_t *m, uint32_t i)
{
    return m->globals[i].type;
}

/* Constant expression of type want (§3.3.10): one instruction and end. */
static int rd_cexpr(reader_t *r, awasm_module_t *m, awasm_valtype_t want, uint32_t n_globals_visible,
                    cexpr_t *ce, err_t *err)
{
    uint8_t op;
    size_t at = rd_off(r);
    awasm_valtype_t got;
    if (rd_u8(r, &op, err)) return err->code;
    switch (op) {
    case 0x41: { int32_t v; if (rd_s32(r, &v, err)) return err->code;
        ce->op = CE_I32; ce->v = (uint32_t)v; got = AWASM_I32; break; }
    case 0x42: { int64_t v; if (rd_s64(r, &v, err)) return err->code;
        ce->op = CE_I64; ce->v = (uint64_t)v; got = AWASM_I64; break; }
    case 0x43: { uint32_t v; if (rd_f32(r, &v, err)) return err->code;
        ce->op = CE_F32; ce->v = v; got = AWASM_F32; break; }
    case 0x44: { uint64_t v; if (rd_f64(r, &v, err)) return err->code;
        ce->op = CE_F64; ce->v = v; got = AWASM_F64; break; }
    case 0xd0: if (rd_reftype(r, &got, err)) return err->code;
        ce->op = CE_REF_NULL; ce->v = 0; break;
    case 0xd2: { uint32_t f; if (rd_u32(r, &f, err)) return err->code;
        if (f >= m->n_funcs)
            return ERR(AWASM_EINVALID, "wasm: unknown function %u at offset %zu", f, at);
        ce->op = CE_REF_FUNC; ce->v = f; got = AWASM_FUNCREF;
        m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
        break; }
    case 0xfd: { uint32_t sub; if (rd_u32(r, &sub, err)) return err->code;
        if (sub != 12)
            return ERR(AWASM_EINVALID, "wasm: constant expression required (opcode 0xfd %u) "
                           "at offset %zu", sub, at);
        if ((size_t)(r->end - r->p) < 16)
            return ERR(AWASM_EMALFORMED, "wasm: unexpected end at offset %zu", rd_off(r));
        ce->op = CE_V128; memcpy(&ce->v, r->p, 8); memcpy(&ce->v_hi, r->p + 8, 8); r->p += 16;
        got = AWASM_V128; break; }
    case 0x23: { uint32_t g; if (rd_u32(r, &g, err)) return err->code;
        if (g >= n_globals_visible)
            return ERR(AWASM_EINVALID, "wasm: unknown global %u in constant expression at "
                           "offset %zu", g, at);
        if (m->globals[g].mut)
            return ERR(AWASM_EINVALID, "wasm: constant expression required (global %u is "
                           "mutable) at offset %zu", g, at);
        ce->op = CE_GLOBAL_GET; ce->v = g; got = global_valtype(m, g); break; }
    default:
        if (op == 0x0b)
            return ERR(AWASM_EINVALID, "wasm: type mismatch: empty constant expression at "
                           "offset %zu", at);
        if (op != 0xfc && op != 0xfd && !awasm_op_info(0, op))
            return ERR(AWASM_EMALFORMED, "wasm: illegal opcode 0x%02x at offset %zu", op, at);
        return ERR(AWASM_EINVALID, "wasm: constant expression required (opcode 0x%02x) "
                       "at offset %zu", op, at);
    }
    at = rd_off(r);
    if (rd_u8(r, &op, err)) return err->code;
    /* more constant instructions up to the end leave too many values (a type
     * mismatch); any other instruction is not constant */
    for (bool extra = false; op != 0x0b || extra; extra = true) {
        int64_t skip;
        uint32_t u;
        if (op == 0x0b && extra)
            return ERR(AWASM_EINVALID, "wasm: type mismatch: constant expression leaves more "
                           "than one value at offset %zu", at);
        if (op == 0x41 || op == 0x42) { if (rd_s64(r, &skip, err)) return err->code; }
        else if (op == 0x43) { if (rd_f32(r, &u, err)) return err->code; }
        else if (op == 0x44) { uint64_t d; if (rd_f64(r, &d, err)) return err->code; }
        else if (op == 0xd0) { if (rd_u8(r, &op, err)) return err->code; }
        else if (op == 0xd2 || op == 0x23) { if (rd_u32(r, &u, err)) return err->code; }
        else if (op == 0xfd) {
            if (rd_u32(r, &u, err)) return err->code;
            if (u != 12 || (size_t)(r->end - r->p) < 16) break;
            r->p += 16;
        }
        else break;
        if (rd_u8(r, &op, err)) return err->code;
    }
    if (op != 0x0b)
        return ERR(AWASM_EINVALID, "wasm: constant expression required (more than one "
                       "instruction) at offset %zu", at);
    if (got != want)
        return ERR(AWASM_EINVALID, "wasm: type mismatch in constant expression: %s "
                       "expected, got %s (offset %zu)", awasm_valtype_name(want),
                       awasm_valtype_name(got), at);
    return 0;
}

/* ---- sections ------------------------------------------------------------------ */

static int sec_type(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 3, "type", err)) return err->code;
    /* every type needs 3 bytes + 1 byte per value type */
    size_t total = (size_t)(r->end - r->p);
    m->types = calloc(n ? n : 1, sizeof *m->types);
    m->type_storage = malloc((total ? total : 1) * sizeof *m->type_storage);
    if (!m->types || !m->type_storage) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    size_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        size_t at = rd_off(r);
        if (rd_u8(r, &form, err)) return err->code;
        if (form != 0x60)
            return ERR(AWASM_EMALFORMED, "wasm: malformed function type 0x%02x at offset %zu",
                           form, at);
        uint32_t np, nr;
        if (rd_count(r, &np, 1, "parameter", err)) return err->code;
        awasm_valtype_t *params = m->type_storage + used;
        for (uint32_t k = 0; k < np; k++)
            if (rd_valtype(r, &params[k], err)) return err->code;
        used += np;
        if (rd_count(r, &nr, 1, "result", err)) return err->code;
        awasm_valtype_t *results = m->type_storage + used;
        for (uint32_t k = 0; k < nr; k++)
            if (rd_valtype(r, &results[k], err)) return err->code;
        used += nr;
        m->types[i] = (awasm_functype_t){np, nr, params, results};
        m->n_types = i + 1;
    }
    return 0;
}

static int grow_globals(awasm_module_t *m, uint32_t extra, err_t *err)
{
    mglobal_t *g = realloc(m->globals, ((size_t)m->n_globals + extra + 1) * sizeof *g);
    if (!g) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    m->globals = g;
    return 0;
}

static int sec_import(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 4, "import", err)) return err->code;
    m->imports = calloc(n ? n : 1, sizeof *m->imports);
    m->func_types = calloc(n ? n : 1, sizeof *m->func_types);
    m->tables = calloc(n ? n : 1, sizeof *m->tables);
    m->mems = calloc(n ? n : 1, sizeof *m->mems);
    m->globals = calloc(n ? n : 1, sizeof *m->globals);
    if (!m->imports || !m->func_types || !m->tables || !m->mems || !m->globals)
        return ERR(AWASM_ENOMEM, "wasm: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        mimport_t *im = &m->imports[i];
        m->n_imports = i + 1;
        if (rd_name(r, &im->module, &im->module_len, err) || rd_name(r, &im->name, &im->name_len, err))
            return err->code;
        im->hash = awasm_import_hash(im->module, im->name);
        uint8_t kind;
        size_t at = rd_off(r);
        if (rd_u8(r, &kind, err)) return err->code;
        switch (kind) {
        case 0: {
            uint32_t t;
            if (rd_u32(r, &t, err)) return err->code;
            if (t >= m->n_types)
                return ERR(AWASM_EINVALID, "wasm: unknown type %u at offset %zu", t, at);
            im->kind = AWASM_EXTERN_FUNC;
            im->type_idx = t;
            m->func_types[m->n_funcs++] = t;
            break;
        }
        case 1:
            im->kind = AWASM_EXTERN_TABLE;
            if (rd_reftype(r, &im->table.elem, err)) return err->code;
            if (rd_limits(r, &im->table.limits, UINT32_MAX, "table", err)) return err->code;
            m->tables[m->n_tables++] = im->table;
            break;
        case 2:
            im->kind = AWASM_EXTERN_MEMORY;
            if (rd_limits(r, &im->mem, AWASM_MAX_PAGES, "memory", err)) return err->code;
            m->mems[m->n_mems++] = im->mem;
            break;
        case 3: {
            uint8_t mut;
            im->kind = AWASM_EXTERN_GLOBAL;
            if (rd_valtype(r, &im->global.type, err)) return err->code;
            at = rd_off(r);
            if (rd_u8(r, &mut, err)) return err->code;
            if (mut > 1)
                return ERR(AWASM_EMALFORMED, "wasm: malformed mutability 0x%02x at offset "
                               "%zu", mut, at);
            im->global.mut = mut;
            m->globals[m->n_globals++] = im->global;
            break;
        }
        default:
            return ERR(AWASM_EMALFORMED, "wasm: malformed import kind 0x%02x at offset %zu",
                           kind, at);
        }
    }
    if (m->n_funcs > m->cfg.max_functions)
        return ERR(AWASM_ELIMIT, "wasm: %u imported functions exceed the limit of %u",
                       m->n_funcs, m->cfg.max_functions);
    m->n_func_imports = m->n_funcs;
    m->n_table_imports = m->n_tables;
    m->n_mem_imports = m->n_mems;
    m->n_global_imports = m->n_globals;
    if (m->n_mems > 1)
        return ERR(AWASM_EINVALID, "wasm: multiple memories");
    return 0;
}

static int sec_function(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 1, "function", err)) return err->code;
    if ((uint64_t)m->n_funcs + n > m->cfg.max_functions)
        return ERR(AWASM_ELIMIT, "wasm: %llu functions exceed the limit of %u",
                       (unsigned long long)m->n_funcs + n, m->cfg.max_functions);
    uint32_t *ft = realloc(m->func_types, ((size_t)m->n_funcs + n + 1) * sizeof *ft);
    if (!ft) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    m->func_types = ft;
    m->cfuncs = calloc(n ? n : 1, sizeof *m->cfuncs);
    if (!m->cfuncs) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        size_t at = rd_off(r);
        if (rd_u32(r, &t, err)) return err->code;
        if (t >= m->n_types)
            return ERR(AWASM_EINVALID, "wasm: unknown type %u at offset %zu", t, at);
        ft[m->n_funcs++] = t;
        m->cfuncs[i].type_idx = t;
        m->cfuncs[i].body_off = SIZE_MAX;
    }
    return 0;
}

static int sec_table(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 3, "table", err)) return err->code;
    mtable_t *t = realloc(m->tables, ((size_t)m->n_tables + n + 1) * sizeof *t);
    if (!t) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    m->tables = t;
    for (uint32_t i = 0; i < n; i++) {
        mtable_t *tt = &m->tables[m->n_tables];
        if (rd_reftype(r, &tt->elem, err)) return err->code;
        if (rd_limits(r, &tt->limits, UINT32_MAX, "table", err)) return err->code;
        m->n_tables++;
    }
    return 0;
}

static int sec_memory(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 2, "memory", err)) return err->code;
    if (m->n_mems + n > 1) return ERR(AWASM_EINVALID, "wasm: multiple memories");
    awasm_limits_t *l = realloc(m->mems, ((size_t)m->n_mems + n + 1) * sizeof *l);
    if (!l) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    m->mems = l;
    for (uint32_t i = 0; i < n; i++) {
        if (rd_limits(r, &m->mems[m->n_mems], AWASM_MAX_PAGES, "memory", err)) return err->code;
        m->n_mems++;
    }
    return 0;
}

static int sec_global(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 3, "global", err)) return err->code;   /* type, mut, end */
    if (grow_globals(m, n, err)) return err->code;
    for (uint32_t i = 0; i < n; i++) {
        mglobal_t *g = &m->globals[m->n_globals];
        uint8_t mut;
        if (rd_valtype(r, &g->type, err)) return err->code;
        size_t at = rd_off(r);
        if (rd_u8(r, &mut, err)) return err->code;
        if (mut > 1)
            return ERR(AWASM_EMALFORMED, "wasm: malformed mutability 0x%02x at offset %zu",
                           mut, at);
        g->mut = mut;
        if (rd_cexpr(r, m, g->type, m->n_global_imports, &g->init, err)) return err->code;
        m->n_globals++;
    }
    return 0;
}

static int sec_export(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 3, "export", err)) return err->code;
    m->exports = calloc(n ? n : 1, sizeof *m->exports);
    if (!m->exports) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        mexport_t *e = &m->exports[i];
        if (rd_name(r, &e->name, &e->name_len, err)) return err->code;
        m->n_exports = i + 1;
        uint8_t kind;
        uint32_t idx;
        size_t at = rd_off(r);
        if (rd_u8(r, &kind, err) || rd_u32(r, &idx, err)) return err->code;
        uint32_t limit;
        switch (kind) {
        case 0: limit = m->n_funcs; break;
        case 1: limit = m->n_tables; break;
        case 2: limit = m->n_mems; break;
        case 3: limit = m->n_globals; break;
        default:
            return ERR(AWASM_EMALFORMED, "wasm: malformed export kind 0x%02x at offset %zu",
                           kind, at);
        }
        if (idx >= limit)
            return ERR(AWASM_EINVALID, "wasm: export \"%s\" names unknown %s %u", e->name,
                           kind == 0 ? "function" : kind == 1 ? "table" : kind == 2 ? "memory"
                                                                                    : "global",
                           idx);
        e->kind = (awasm_extern_kind_t)kind;
        e->index = idx;
        if (kind == 0) m->declared_funcs[idx / 8] |= (uint8_t)(1u << (idx % 8));
        for (uint32_t k = 0; k < i; k++)
            if (m->exports[k].name_len == e->name_len &&
                memcmp(m->exports[k].name, e->name, e->name_len) == 0)
                return ERR(AWASM_EINVALID, "wasm: duplicate export name \"%s\"", e->name);
    }
    return 0;
}

static int sec_start(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t f;
    if (rd_u32(r, &f, err)) return err->code;
    if (f >= m->n_funcs) return ERR(AWASM_EINVALID, "wasm: unknown function %u (start)", f);
    const awasm_functype_t *t = &m->types[m->func_types[f]];
    if (t->n_params || t->n_results)
        return ERR(AWASM_EINVALID, "wasm: start function %u must have type [] -> []", f);
    m->start = f;
    return 0;
}

static int sec_elem(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 2, "element segment", err)) return err->code;
    m->elems = calloc(n ? n : 1, sizeof *m->elems);
    if (!m->elems) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        melem_t *e = &m->elems[i];
        m->n_elems = i + 1;
        uint32_t flags;
        size_t at = rd_off(r);
        if (rd_u32(r, &flags, err)) return err->code;
        if (flags > 7)
            return ERR(AWASM_EMALFORMED, "wasm: malformed element segment flags %u at "
                           "offset %zu", flags, at);
        e->mode = (flags & 1) ? ((flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE) : SEG_ACTIVE;
        e->table = 0;
        e->type = AWASM_FUNCREF;
        if (e->mode == SEG_ACTIVE) {
            if (flags & 2) {
                if (rd_u32(r, &e->table, err)) return err->code;
            }
            if (e->table >= m->n_tables)
                return ERR(AWASM_EINVALID, "wasm: unknown table %u in element segment %u",
                               e->table, i);
            if (rd_cexpr(r, m, AWASM_I32, m->n_global_imports, &e->offset, err)) return err->code;
        }
        bool exprs = (flags & 4) != 0;
        if (flags & 3) {
            if (exprs) {
                if (rd_reftype(r, &e->type, err)) return err->code;
            } else {
                uint8_t kind;
                at = rd_off(r);
                if (rd_u8(r, &kind, err)) return err->code;
                if (kind != 0)
                    return ERR(AWASM_EMALFORMED, "wasm: malformed element kind 0x%02x at "
                                   "offset %zu", kind, at);
            }
        }
        if (rd_count(r, &e->n, 1, "element", err)) return err->code;
        e->items = calloc(e->n ? e->n : 1, sizeof *e->items);
        if (!e->items) return ERR(AWASM_ENOMEM, "wasm: out of memory");
        for (uint32_t k = 0; k < e->n; k++) {
            if (exprs) {
                if (rd_cexpr(r, m, e->type, m->n_global_imports, &e->items[k], err))
                    return err->code;
            } else {
                uint32_t f;
                at = rd_off(r);
                if (rd_u32(r, &f, err)) return err->code;
                if (f >= m->n_funcs)
                    return ERR(AWASM_EINVALID, "wasm: unknown function %u at offset %zu", f,
                                   at);
                e->items[k] = (cexpr_t){CE_REF_FUNC, f, 0};
                m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
            }
        }
        if (e->mode == SEG_ACTIVE && m->tables[e->table].elem != e->type)
            return ERR(AWASM_EINVALID, "wasm: type mismatch: element segment %u type "
                           "differs from table %u", i, e->table);
    }
    return 0;
}

static int sec_code(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 2, "code", err)) return err->code;
    uint32_t defined = m->n_funcs - m->n_func_imports;
    if (n != defined)
        return ERR(AWASM_EMALFORMED, "wasm: function and code section have inconsistent "
                       "lengths (%u vs %u)", defined, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        if (rd_u32(r, &size, err)) return err->code;
        if ((size_t)(r->end - r->p) < size)
            return ERR(AWASM_EMALFORMED, "wasm: function body %u of %u bytes runs past the "
                           "section at offset %zu", i, size, rd_off(r));
        m->cfuncs[i].body_off = rd_off(r);
        m->cfuncs[i].body_len = size;
        r->p += size;
    }
    return 0;
}

static int sec_data(reader_t *r, awasm_module_t *m, err_t *err)
{
    uint32_t n;
    if (rd_count(r, &n, 1, "data segment", err)) return err->code;
    if (m->has_data_count && n != m->data_count)
        return ERR(AWASM_EMALFORMED, "wasm: data count and data section have inconsistent "
                       "lengths (%u vs %u)", m->data_count, n);
    m->datas = calloc(n ? n : 1, sizeof *m->datas);
    if (!m->datas) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        mdata_t *d = &m->datas[i];
        m->n_datas = i + 1;
        uint32_t flags;
        size_t at = rd_off(r);
        if (rd_u32(r, &flags, err)) return err->code;
        if (flags > 2)
            return ERR(AWASM_EMALFORMED, "wasm: malformed data segment flags %u at offset "
                           "%zu", flags, at);
        d->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        if (flags == 2 && rd_u32(r, &d->mem, err)) return err->code;
        if (d->mode == SEG_ACTIVE) {
            if (d->mem >= m->n_mems)
                return ERR(AWASM_EINVALID, "wasm: unknown memory %u in data segment %u",
                               d->mem, i);
            if (rd_cexpr(r, m, AWASM_I32, m->n_global_imports, &d->offset, err)) return err->code;
        }
        if (rd_u32(r, &d->len, err)) return err->code;
        if ((size_t)(r->end - r->p) < d->len)
            return ERR(AWASM_EMALFORMED, "wasm: data segment %u of %u bytes runs past the "
                           "section (unexpected end) at offset %zu", i, d->len, rd_off(r));
        d->bytes = malloc(d->len ? d->len : 1);
        if (!d->bytes) return ERR(AWASM_ENOMEM, "wasm: out of memory");
        memcpy(d->bytes, r->p, d->len);
        r->p += d->len;
    }
    return 0;
}

/* Section order of §5.5.2 (data count sits between element and code). */
static int section_rank(uint8_t id)
{
    static const int rank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return rank[id];
}

int awasm_decode_module(awasm_module_t *m, const uint8_t *bytes, size_t n, err_t *err)
{
    reader_t r = {bytes, bytes, bytes + n};
    m->start = -1;
    if (n < 4 || memcmp(bytes, "\0asm", 4) != 0)
        return ERR(AWASM_EMALFORMED, "wasm: magic header not detected");
    if (n < 8)
        return ERR(AWASM_EMALFORMED, "wasm: unexpected end (no version)");
    if (memcmp(bytes + 4, "\1\0\0\0", 4) != 0)
        return ERR(AWASM_EMALFORMED, "wasm: unknown binary version");
    r.p += 8;
    /* ref.func targets: sized for the largest function index space possible */
    m->declared_funcs = calloc((m->cfg.max_functions / 8) + 1, 1);
    if (!m->declared_funcs) return ERR(AWASM_ENOMEM, "wasm: out of memory");
    int last = 0;
    bool seen_func = false, seen_code = false;
    while (r.p < r.end) {
        uint8_t id;
        uint32_t size;
        size_t at = rd_off(&r);
        if (rd_u8(&r, &id, err) || rd_u32(&r, &size, err)) return err->code;
        if ((size_t)(r.end - r.p) < size)
            return ERR(AWASM_EMALFORMED, "wasm: section %u of %u bytes at offset %zu runs "
                           "past the end (unexpected end)", id, size, at);
        reader_t s = {bytes, r.p, r.p + size};
        r.p += size;
        if (id > 12)
            return ERR(AWASM_EMALFORMED, "wasm: malformed section id %u at offset %zu", id,
                           at);
        if (id != 0) {
            int rank = section_rank(id);
            if (rank <= last)
                return ERR(AWASM_EMALFORMED, "wasm: unexpected content: section %u out of "
                               "order at offset %zu", id, at);
            last = rank;
        }
        int rc = 0;
        switch (id) {
        case 0: {
            char *name = NULL;
            rc = rd_name(&s, &name, NULL, err);
            free(name);
            s.p = s.end;
            break;
        }
        case 1: rc = sec_type(&s, m, err); break;
        case 2: rc = sec_import(&s, m, err); break;
        case 3: rc = sec_function(&s, m, err); seen_func = true; break;
        case 4: rc = sec_table(&s, m, err); break;
        case 5: rc = sec_memory(&s, m, err); break;
        case 6: rc = sec_global(&s, m, err); break;
        case 7: rc = sec_export(&s, m, err); break;
        case 8: rc = sec_start(&s, m, err); break;
        case 9: rc = sec_elem(&s, m, err); break;
        case 10: rc = sec_code(&s, m, err); seen_code = true; break;
        case 11: rc = sec_data(&s, m, err); break;
        case 12: rc = rd_u32(&s, &m->data_count, err); m->has_data_count = true; break;
        }
        if (rc) return rc;
        if (s.p != s.end)
            return ERR(AWASM_EMALFORMED, "wasm: section size mismatch: section %u at offset "
                           "%zu has %zu unread bytes", id, at, (size_t)(s.end - s.p));
    }
    uint32_t defined = m->n_funcs - m->n_func_imports;
    if (seen_func && defined && !seen_code)
        return ERR(AWASM_EMALFORMED, "wasm: function and code section have inconsistent "
                       "lengths (%u vs 0)", defined);
    if (m->has_data_count && m->n_datas != m->data_count)
        return ERR(AWASM_EMALFORMED, "wasm: data count and data section have inconsistent "
                       "lengths (%u vs %u)", m->data_count, m->n_datas);
    return 0;
}

void awasm_module_release(awasm_module_t *m)
{
    if (!m) return;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    for (uint32_t i = 0; i < m->n_exports; i++) free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->n_elems; i++) free(m->elems[i].items);
    free(m->elems);
    for (uint32_t i = 0; i < m->n_datas; i++) free(m->datas[i].bytes);
    free(m->datas);
    if (m->cfuncs) {
        for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++) free(m->cfuncs[i].code);
        free(m->cfuncs);
    }
    free(m->types);
    free(m->type_storage);
    free(m->func_types);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    free(m->declared_funcs);
    free(m);
}

/* ---- function bodies, decoded without validation ------------------------------ */

/* Skips the local declarations of a body. */
static int skim_locals(reader_t *r, err_t *err)
{
    uint32_t ngroups, n;
    if (rd_u32(r, &ngroups, err)) return err->code;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint8_t t;
        if (rd_u32(r, &n, err) || rd_u8(r, &t, err)) return err->code;
    }
    return 0;
}

/* Decodes a body without validating it, from the opcode table's immediates:
 * 0 when it is well formed, else the malformed error. The binary format is
 * decoded in full before validation, so when validation fails this tells
 * whether the body was in fact malformed (that error wins). */
int awasm_skim_body(reader_t *r, err_t *err)
{
    if (skim_locals(r, err)) return err->code;
    int64_t depth = 0;
    while (r->p < r->end) {
        uint8_t opc = *r->p++;
        uint32_t sub = 0, u;
        int64_t s;
        const opinfo_t *oi;
        if (opc == 0xfc || opc == 0xfd) {
            if (rd_u32(r, &sub, err)) return err->code;
            oi = awasm_op_info(opc, sub);
        } else {
            oi = awasm_op_info(0, opc);
        }
        if (!oi) return err_set(err, AWASM_EMALFORMED, "wasm: illegal opcode at offset %zu", rd_off(r));
        int rc = 0;
        switch (oi->imm) {
        case IM_NONE: break;
        case IM_BLOCKTYPE: rc = rd_s33(r, &s, err); depth++; break;
        case IM_LABEL: case IM_FUNC: case IM_LOCAL: case IM_GLOBAL: case IM_TABLE: case IM_DATA:
        case IM_ELEM: case IM_LANE:
            if (oi->imm == IM_LANE) { uint8_t b; rc = rd_u8(r, &b, err); }
            else rc = rd_u32(r, &u, err);
            break;
        case IM_BR_TABLE: {
            uint32_t n;
            rc = rd_u32(r, &n, err);
            for (uint64_t k = 0; !rc && k <= n; k++) rc = rd_u32(r, &u, err);
            break;
        }
        case IM_CALL_INDIRECT: case IM_ELEM_TABLE: case IM_TABLE_TABLE:
            rc = rd_u32(r, &u, err);
            if (!rc) rc = rd_u32(r, &u, err);
            break;
        case IM_MEMARG: case IM_MEMARG_LANE:
            rc = rd_u32(r, &u, err);
            if (!rc) rc = rd_u32(r, &u, err);
            if (!rc && oi->imm == IM_MEMARG_LANE) { uint8_t b; rc = rd_u8(r, &b, err); }
            break;
        case IM_ZERO: case IM_REFTYPE: { uint8_t b; rc = rd_u8(r, &b, err); break; }
        case IM_ZERO_ZERO: { uint8_t b; rc = rd_u8(r, &b, err); if (!rc) rc = rd_u8(r, &b, err); break; }
        case IM_DATA_ZERO: { uint8_t b; rc = rd_u32(r, &u, err); if (!rc) rc = rd_u8(r, &b, err); break; }
        case IM_I32: case IM_I64: rc = rd_s64(r, &s, err); break;
        case IM_F32: rc = rd_f32(r, &u, err); break;
        case IM_F64: { uint64_t d; rc = rd_f64(r, &d, err); break; }
        case IM_SELECT_T: {
            uint32_t n;
            rc = rd_u32(r, &n, err);
            if (!rc && (size_t)(r->end - r->p) < n)
                rc = err_set(err, AWASM_EMALFORMED, "wasm: unexpected end at offset %zu", rd_off(r));
            if (!rc) r->p += n;
            break;
        }
        case IM_V128: case IM_SHUFFLE:
            if ((size_t)(r->end - r->p) < 16)
                rc = err_set(err, AWASM_EMALFORMED, "wasm: unexpected end at offset %zu", rd_off(r));
            else r->p += 16;
            break;
        default: break;
        }
        if (rc) return rc;
        if (opc == 0x0b && --depth < 0) {
            if (r->p != r->end)
                return err_set(err, AWASM_EMALFORMED, "wasm: section size mismatch: code after the "
                               "function's end at offset %zu", rd_off(r));
            return 0;
        }
    }
    return err_set(err, AWASM_EMALFORMED, "wasm: unexpected end of function body at offset %zu",
                   rd_off(r));
}

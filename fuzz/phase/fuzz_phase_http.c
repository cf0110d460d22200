/* libFuzzer target for the local HTTP API's input parsing: the POST /jobs
 * body (phase_http_parse_submit, docs/phase-http-api.md). What parses is
 * re-encoded as a request and must parse to the same thing; what does not
 * parse must leave nothing allocated. Nothing may crash, leak or read out of
 * bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phase/phase.h"

static json_t *hexj(const uint8_t *p, size_t n)
{
    char *x = malloc(2 * n + 1);
    if (!x)
        abort();
    hex_encode(p, n, x);
    x[2 * n] = 0;
    json_t *s = json_string(x);
    free(x);
    return s;
}

static json_t *reencode(const phase_http_submit_t *s)
{
    json_t *o = json_object();
    if (s->module_ref[0])
        json_object_set_new(o, "module", json_string(s->module_ref));
    else
        json_object_set_new(o, "module_hex", hexj(s->module, s->module_len));
    json_t *a = json_array();
    for (size_t i = 0; i < s->n_args; i++)
        json_array_append_new(a, json_string(s->args[i]));
    json_object_set_new(o, "args", a);
    if (s->env)
        json_object_set(o, "env", s->env);
    json_object_set_new(o, "stdin_hex", hexj(s->stdin_data, s->stdin_len));
    json_object_set_new(o, "limits",
                        json_pack("{s:o,s:o,s:o}", "fuel", cjson_u64(s->fuel), "memory_bytes",
                                  cjson_u64(s->memory_bytes), "timeout_ms",
                                  cjson_u64(s->timeout_ms)));
    json_object_set_new(o, "target", json_string(s->target));
    json_object_set_new(o, "wait", json_boolean(s->wait));
    return o;
}

static bool same(const phase_http_submit_t *a, const phase_http_submit_t *b)
{
    if (strcmp(a->module_ref, b->module_ref) || a->module_len != b->module_len ||
        (a->module_len && memcmp(a->module, b->module, a->module_len)) ||
        a->n_args != b->n_args || a->stdin_len != b->stdin_len ||
        (a->stdin_len && memcmp(a->stdin_data, b->stdin_data, a->stdin_len)) ||
        a->fuel != b->fuel || a->memory_bytes != b->memory_bytes ||
        a->timeout_ms != b->timeout_ms || strcmp(a->target, b->target) || a->wait != b->wait ||
        (a->env == NULL) != (b->env == NULL) || (a->env && !json_equal(a->env, b->env)))
        return false;
    for (size_t i = 0; i < a->n_args; i++)
        if (strcmp(a->args[i], b->args[i]))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    phase_http_submit_t s;
    err_t e = {0};
    if (phase_http_parse_submit(data, size, &s, &e) != PHASE_OK) {
        if (!e.msg[0] || s.module || s.args || s.stdin_data || s.env)
            abort(); /* an error names what was wrong and frees everything */
        return 0;
    }
    if ((s.module_ref[0] != 0) == (s.module != NULL) || !s.target[0] || s.n_args > 63)
        abort();
    json_t *o = reencode(&s);
    char *txt = cjson_encode_str(o, NULL);
    phase_http_submit_t s2;
    if (!txt || phase_http_parse_submit((const uint8_t *)txt, strlen(txt), &s2, NULL) != 0)
        abort();
    if (!same(&s, &s2))
        abort();
    phase_http_submit_free(&s2);
    free(txt);
    json_decref(o);
    phase_http_submit_free(&s);
    return 0;
}

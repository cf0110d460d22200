/* base/err: the error type every module fills (see base.h). */
#include "base.h"

#include <stdio.h>
#include <string.h>

int err_setv(err_t *e, int code, const char *fmt, va_list ap)
{
    if (e) {
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    }
    return code;
}

int err_set(err_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, code, fmt, ap);
    va_end(ap);
    return code;
}

int err_prefix(err_t *e, const char *fmt, ...)
{
    if (!e)
        return 0;
    char prefix[ERR_MSG_MAX];
    char old[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    old[sizeof old - 1] = '\0';
    /* "prefix: old", truncated to fit */
    size_t n = strlen(prefix);
    if (n > sizeof e->msg - 3)
        n = sizeof e->msg - 3;
    memcpy(e->msg, prefix, n);
    e->msg[n++] = ':';
    e->msg[n++] = ' ';
    size_t rest = strlen(old);
    if (rest > sizeof e->msg - 1 - n)
        rest = sizeof e->msg - 1 - n;
    memcpy(e->msg + n, old, rest);
    e->msg[n + rest] = '\0';
    return e->code;
}

void err_clear(err_t *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
    }
}

static const struct {
    int code;
    const char *name, *text;
} err_table[] = {
#define AETHER_ERROR_ROW(name, code, text) {code, #name, text},
    AETHER_ERRORS(AETHER_ERROR_ROW)
#undef AETHER_ERROR_ROW
};

const char *err_name(int code)
{
    if (code == 0)
        return "OK";
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == code)
            return err_table[i].name;
    return "E?";
}

const char *err_str(int code)
{
    if (code == 0)
        return "success";
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == code)
            return err_table[i].text;
    return "unknown error code";
}

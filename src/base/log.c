/*
 * base/log: one line per event on stderr, in logfmt (key=value) so that both
 * people and tools can read it:
 *   ts=2026-11-22T04:00:00.123Z level=info mod=p2p msg="peer connected" peer=12D3...
 * The level is process-wide; AETHER_LOG (debug|info|warn|error|off) sets the
 * initial level, default info.
 */
#include "base.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int g_level = -1;

static const char *const NAMES[] = {"debug", "info", "warn", "error", "off"};

int log_level_parse(const char *s, log_level_t *out)
{
    for (int i = 0; i <= LOG_OFF; i++) {
        if (s && strcmp(s, NAMES[i]) == 0) {
            *out = (log_level_t)i;
            return BASE_OK;
        }
    }
    return BASE_EINVAL;
}

log_level_t log_get_level(void)
{
    int lvl = atomic_load(&g_level);
    if (lvl < 0) {
        log_level_t parsed = LOG_INFO;
        const char *env = getenv("AETHER_LOG");
        if (env && log_level_parse(env, &parsed) != BASE_OK)
            parsed = LOG_INFO;
        lvl = (int)parsed;
        atomic_store(&g_level, lvl);
    }
    return (log_level_t)lvl;
}

void log_set_level(log_level_t lvl)
{
    atomic_store(&g_level, (int)lvl);
}

void log_msg(log_level_t lvl, const char *mod, const char *msg, const char *fmt, ...)
{
    if (lvl < log_get_level() || lvl >= LOG_OFF)
        return;
    char ts[TS_STR_MAX];
    ts_t now = ts_now();
    now.nsec -= now.nsec % 1000000;  /* millisecond precision is plenty here */
    if (ts_format(now, ts) < 0)
        ts[0] = '\0';

    /* Build the whole line first so concurrent writers do not interleave. */
    buf_t b;
    buf_init(&b, 64 * 1024);
    buf_printf(&b, "ts=%s level=%s mod=%s msg=\"", ts, NAMES[lvl], mod ? mod : "-");
    for (const char *p = msg ? msg : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            buf_printf(&b, "\\%c", c);
        else if (c == '\n')
            buf_append_str(&b, "\\n");
        else if (c < 0x20)
            buf_printf(&b, "\\x%02x", c);
        else
            buf_append_byte(&b, c);
    }
    buf_append_byte(&b, '"');
    if (fmt && *fmt) {
        char tail[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tail, sizeof tail, fmt, ap);
        va_end(ap);
        buf_append_byte(&b, ' ');
        buf_append_str(&b, tail);
    }
    buf_append_byte(&b, '\n');
    if (buf_ok(&b))
        fwrite(b.data, 1, b.len, stderr);
    buf_free(&b);
}

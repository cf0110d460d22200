/*
 * base/buf: a growable byte buffer that remembers its first failure.
 *
 * Codecs append many small pieces; checking each append clutters them. Once an
 * append fails (allocation or the caller's size cap), the buffer is "failed":
 * later appends do nothing and buf_ok() reports it, so a writer checks once.
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_HARD_MAX (SIZE_MAX / 2)

void buf_init(buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->failed = false;
}

void buf_free(buf_t *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    b->failed = false;
}

bool buf_ok(const buf_t *b)
{
    return !b->failed;
}

int buf_reserve(buf_t *b, size_t extra)
{
    if (b->failed)
        return BASE_ENOMEM;
    size_t limit = b->max ? b->max : BUF_HARD_MAX;
    /* +1 leaves room for buf_terminate without a second reallocation */
    if (extra > limit || b->len > limit - extra) {
        b->failed = true;
        return BASE_ENOMEM;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return BASE_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > BUF_HARD_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return BASE_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return BASE_OK;
}

int buf_append(buf_t *b, const void *p, size_t n)
{
    if (n == 0)
        return b->failed ? BASE_ENOMEM : BASE_OK;
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return BASE_OK;
}

int buf_append_byte(buf_t *b, uint8_t c)
{
    return buf_append(b, &c, 1);
}

int buf_append_str(buf_t *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(buf_t *b, const char *fmt, ...)
{
    if (b->failed)
        return BASE_ENOMEM;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return BASE_EINVAL;
    }
    int rc = buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return BASE_OK;
}

int buf_append_u16_le(buf_t *b, uint16_t v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return buf_append(b, t, 2);
}

int buf_append_u32_le(buf_t *b, uint32_t v)
{
    uint8_t t[4];
    for (int i = 0; i < 4; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    return buf_append(b, t, 4);
}

int buf_append_u64_le(buf_t *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    return buf_append(b, t, 8);
}

int buf_append_u32_be(buf_t *b, uint32_t v)
{
    uint8_t t[4];
    for (int i = 0; i < 4; i++)
        t[i] = (uint8_t)(v >> (24 - 8 * i));
    return buf_append(b, t, 4);
}

int buf_append_u64_be(buf_t *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(v >> (56 - 8 * i));
    return buf_append(b, t, 8);
}

int buf_terminate(buf_t *b)
{
    int rc = buf_reserve(b, 1);
    if (rc)
        return rc;
    b->data[b->len] = 0;
    return BASE_OK;
}

uint8_t *buf_steal(buf_t *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

/*
 * multistream-select 1.0 framing (multistream-select/README.md "Protocol"):
 * every message is uvarint(length) || text || '\n', the length counting the
 * newline. "na" refuses a proposal. The negotiation state machines live in
 * host.c (connection upgrade and per-stream selection); this file only frames.
 */
#include "p2p/internal.h"

#include <string.h>

int mss_write(buf_t *out, const char *line)
{
    size_t n = strlen(line);
    uint8_t l[UVARINT_MAX_BYTES];
    buf_append(out, l, uvarint_encode(n + 1, l));
    buf_append(out, line, n);
    return buf_append_byte(out, '\n');
}

int mss_read(const uint8_t *p, size_t n, char out[MSS_MAX_LINE], size_t *used, err_t *e)
{
    uint64_t len;
    int k = uvarint_decode(p, n, &len, NULL);
    if (k == BASE_ETRUNC)
        return n >= 3 ? err_set(e, P2P_EPROTO, "multistream: length prefix too long") : 0;
    if (k < 0)
        return err_set(e, P2P_EPROTO, "multistream: bad length prefix");
    if (len < 1 || len >= MSS_MAX_LINE)
        return err_set(e, P2P_EPROTO, "multistream: message length %llu out of range",
                       (unsigned long long)len);
    if (n - (size_t)k < len)
        return 0;
    const uint8_t *s = p + k;
    if (s[len - 1] != '\n')
        return err_set(e, P2P_EPROTO, "multistream: message does not end in newline");
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] < 0x20 || s[i] >= 0x7f)
            return err_set(e, P2P_EPROTO, "multistream: control byte 0x%02x in message", s[i]);
    memcpy(out, s, len - 1);
    out[len - 1] = 0;
    *used = (size_t)k + len;
    return 1;
}

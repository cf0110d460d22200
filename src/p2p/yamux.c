/*
 * Yamux frame header (yamux/README.md §Framing): 12 bytes, big-endian:
 * version u8 (0) | type u8 | flags u16 | stream id u32 | length u32.
 * The session logic (streams, windows, ping, go-away) is in host.c, which
 * owns the connection; this file encodes and validates headers.
 */
#include "p2p/internal.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void yamux_hdr_encode(const yamux_hdr_t *h, uint8_t out[YAMUX_HDR])
{
    out[0] = 0;
    out[1] = h->type;
    out[2] = (uint8_t)(h->flags >> 8);
    out[3] = (uint8_t)h->flags;
    put32(out + 4, h->stream_id);
    put32(out + 8, h->length);
}

int yamux_hdr_decode(const uint8_t in[YAMUX_HDR], yamux_hdr_t *h, err_t *e)
{
    h->version = in[0];
    h->type = in[1];
    h->flags = (uint16_t)(in[2] << 8 | in[3]);
    h->stream_id = be32(in + 4);
    h->length = be32(in + 8);
    if (h->version != 0)
        return err_set(e, P2P_EPROTO, "yamux: version %u", h->version);
    if (h->type > YAMUX_GO_AWAY)
        return err_set(e, P2P_EPROTO, "yamux: unknown frame type %u", h->type);
    if (h->flags & ~(unsigned)(YAMUX_SYN | YAMUX_ACK | YAMUX_FIN | YAMUX_RST))
        return err_set(e, P2P_EPROTO, "yamux: unknown flags 0x%x", h->flags);
    bool session = h->type == YAMUX_PING || h->type == YAMUX_GO_AWAY;
    if (session != (h->stream_id == 0))
        return err_set(e, P2P_EPROTO, "yamux: frame type %u on stream %u", h->type,
                       h->stream_id);
    if (h->type == YAMUX_GO_AWAY && h->length > 2)
        return err_set(e, P2P_EPROTO, "yamux: go-away code %u", h->length);
    return 0;
}

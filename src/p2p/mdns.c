/*
 * mDNS peer discovery (discovery/mdns.md): service _p2p._udp.local on
 * 224.0.0.251:5353. We ask "_p2p._udp.local PTR" every interval and answer
 * such questions with a PTR to <peer-name>._p2p._udp.local and one TXT record
 * per listen address, "dnsaddr=<multiaddr>/p2p/<id>" (spec §Response). The
 * peer name is 40 random lower-case letters and digits, not the peer id.
 *
 * The DNS codec (mdns_query_build, mdns_response_build, mdns_parse) is pure
 * and bounded: names are followed through at most 16 compression pointers
 * and 255 bytes, every length is checked against the packet, so a hostile
 * packet is rejected, never trusted. Only the dnsaddr TXT strings matter to
 * us; everything else in a packet is skipped.
 */
#include "p2p/internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define MDNS_PORT 5353
#define MDNS_GROUP "224.0.0.251"
#define DNS_PTR 12
#define DNS_TXT 16
#define DNS_IN 1
#define MDNS_TTL 120
#define MAX_PACKET 9000

static const char service[] = "_p2p._udp.local";

/* ---- codec ---- */

static void put16(buf_t *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    buf_append(b, x, 2);
}

static void put_name(buf_t *b, const char *dotted)
{
    const char *p = dotted;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n > 63)
            n = 63;
        buf_append_byte(b, (uint8_t)n);
        buf_append(b, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
    buf_append_byte(b, 0);
}

int mdns_query_build(buf_t *out)
{
    const uint8_t hdr[12] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    buf_append(out, hdr, sizeof hdr);
    put_name(out, service);
    put16(out, DNS_PTR);
    put16(out, DNS_IN);
    return buf_ok(out) ? 0 : P2P_ENOMEM;
}

int mdns_response_build(const char *peer_name, const char *const *txt, size_t n_txt, buf_t *out)
{
    char inst[128];
    snprintf(inst, sizeof inst, "%s.%s", peer_name, service);
    uint8_t hdr[12] = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, (uint8_t)n_txt};
    buf_append(out, hdr, sizeof hdr);
    /* answer: PTR */
    put_name(out, service);
    put16(out, DNS_PTR);
    put16(out, DNS_IN);
    buf_append_u32_be(out, MDNS_TTL);
    buf_t rd;
    buf_init(&rd, 0);
    put_name(&rd, inst);
    put16(out, (uint16_t)rd.len);
    buf_append(out, rd.data, rd.len);
    buf_free(&rd);
    /* additional: one TXT per address */
    for (size_t i = 0; i < n_txt; i++) {
        size_t l = strlen(txt[i]);
        if (l > 255)
            continue;
        put_name(out, inst);
        put16(out, DNS_TXT);
        put16(out, DNS_IN);
        buf_append_u32_be(out, MDNS_TTL);
        put16(out, (uint16_t)(l + 1));
        buf_append_byte(out, (uint8_t)l);
        buf_append(out, txt[i], l);
    }
    return buf_ok(out) ? 0 : P2P_ENOMEM;
}

/* Reads a possibly compressed name at *off into dotted (lower case); moves
 * *off past it. */
static int read_name(const uint8_t *p, size_t n, size_t *off, char out[256])
{
    size_t pos = *off, len = 0;
    int jumps = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= n)
            return P2P_EPROTO;
        uint8_t l = p[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 1 >= n || ++jumps > 16)
                return P2P_EPROTO;
            size_t target = (size_t)(l & 0x3f) << 8 | p[pos + 1];
            if (!jumped)
                *off = pos + 2;
            jumped = true;
            if (target >= n)
                return P2P_EPROTO;
            pos = target;
            continue;
        }
        if (l & 0xc0)
            return P2P_EPROTO;
        pos++;
        if (l == 0)
            break;
        if (pos + l > n || len + l + 1 >= 256)
            return P2P_EPROTO;
        if (len)
            out[len++] = '.';
        for (size_t i = 0; i < l; i++) {
            char ch = (char)p[pos + i];
            out[len++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
        }
        pos += l;
    }
    out[len] = 0;
    if (!jumped)
        *off = pos;
    return 0;
}

int mdns_parse(const uint8_t *p, size_t n, bool *is_query, bool *asks_us,
               void (*on_txt)(const char *s, size_t len, void *ud), void *ud, err_t *e)
{
    if (n < 12)
        return err_set(e, P2P_EPROTO, "mdns: packet of %zu bytes", n);
    *is_query = !(p[2] & 0x80);
    *asks_us = false;
    unsigned qd = load_be16(p + 4);
    unsigned rr = (unsigned)load_be16(p + 6) + load_be16(p + 8) + load_be16(p + 10);
    size_t off = 12;
    char name[256];
    for (unsigned i = 0; i < qd; i++) {
        if (read_name(p, n, &off, name) || off + 4 > n)
            return err_set(e, P2P_EPROTO, "mdns: question %u malformed", i);
        uint16_t type = load_be16(p + off);
        off += 4;
        if (strcmp(name, service) == 0 && (type == DNS_PTR || type == 255))
            *asks_us = true;
    }
    for (unsigned i = 0; i < rr; i++) {
        if (read_name(p, n, &off, name) || off + 10 > n)
            return err_set(e, P2P_EPROTO, "mdns: record %u malformed", i);
        uint16_t type = load_be16(p + off);
        size_t rdlen = load_be16(p + off + 8);
        off += 10;
        if (rdlen > n - off)
            return err_set(e, P2P_EPROTO, "mdns: record %u data truncated", i);
        if (type == DNS_TXT && !*is_query && on_txt) {
            size_t k = off, end = off + rdlen;
            while (k < end) {
                size_t l = p[k++];
                if (l > end - k)
                    return err_set(e, P2P_EPROTO, "mdns: TXT string overruns its record");
                if (l > 8 && memcmp(p + k, "dnsaddr=", 8) == 0)
                    on_txt((const char *)p + k + 8, l - 8, ud);
                k += l;
            }
        }
        off += rdlen;
    }
    return 0;
}

/* ---- the service on libuv ---- */

struct p2p_mdns {
    p2p_host_t *h;
    uv_udp_t udp;
    uv_timer_t timer;
    int n_handles;
    char peer_name[48];
    p2p_mdns_peer_cb cb;
    void *ud;
    uint8_t rxbuf[MAX_PACKET];
};

static void send_packet(p2p_mdns_t *m, buf_t *b)
{
    struct sockaddr_in to;
    uv_ip4_addr(MDNS_GROUP, MDNS_PORT, &to);
    uv_buf_t ub = uv_buf_init((char *)b->data, (unsigned)b->len);
    /* small datagrams: a synchronous try is enough; a full socket buffer
     * only loses one announcement, which the next interval repeats */
    (void)uv_udp_try_send(&m->udp, &ub, 1, (const struct sockaddr *)&to);
}

static void send_query(p2p_mdns_t *m)
{
    buf_t b;
    buf_init(&b, 0);
    if (mdns_query_build(&b) == 0)
        send_packet(m, &b);
    buf_free(&b);
}

static void send_response(p2p_mdns_t *m)
{
    buf_t text;
    buf_init(&text, 0);
    if (p2p_host_listen_addrs_text(m->h, &text) || !text.len) {
        buf_free(&text);
        return;
    }
    const char *txt[8];
    size_t n = 0;
    char *save = NULL;
    char dnsaddr[8][300];
    for (char *l = strtok_r((char *)text.data, "\n", &save); l && n < 8;
         l = strtok_r(NULL, "\n", &save)) {
        snprintf(dnsaddr[n], sizeof dnsaddr[n], "dnsaddr=%s", l);
        txt[n] = dnsaddr[n];
        n++;
    }
    buf_t b;
    buf_init(&b, 0);
    if (mdns_response_build(m->peer_name, txt, n, &b) == 0)
        send_packet(m, &b);
    buf_free(&b);
    buf_free(&text);
}

static void on_txt(const char *s, size_t len, void *ud)
{
    p2p_mdns_t *m = ud;
    char text[300];
    if (len >= sizeof text)
        return;
    memcpy(text, s, len);
    text[len] = 0;
    buf_t bin;
    buf_init(&bin, 0);
    const uint8_t *v;
    size_t vl;
    p2p_peer_id_t id;
    if (p2p_maddr_parse(text, &bin, NULL) == 0 &&
        p2p_maddr_find(bin.data, bin.len, P2P_PROTO_P2P, &v, &vl) &&
        p2p_peer_id_from_bytes(v, vl, &id, NULL) == 0 &&
        !p2p_peer_id_equal(&id, p2p_host_peer_id(m->h)) && m->cb)
        m->cb(m, &id, bin.data, bin.len, m->ud);
    buf_free(&bin);
}

static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *b)
{
    p2p_mdns_t *m = hd->data;
    *b = uv_buf_init((char *)m->rxbuf, sizeof m->rxbuf);
}

static void on_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *b, const struct sockaddr *from,
                    unsigned flags)
{
    p2p_mdns_t *m = u->data;
    if (nread <= 0 || (flags & UV_UDP_PARTIAL))
        return;
    bool query, asks;
    err_t e;
    if (mdns_parse((const uint8_t *)b->base, (size_t)nread, &query, &asks, on_txt, m, &e)) {
        log_debug(P2P_LOG, "mdns: ignoring packet", "reason=\"%s\"", e.msg);
        return;
    }
    if (query && asks)
        send_response(m);
}

static void on_tick(uv_timer_t *t)
{
    send_query(t->data);
}

p2p_mdns_t *p2p_mdns_new(p2p_host_t *h, uint64_t interval_ms, p2p_mdns_peer_cb cb, void *ud,
                         err_t *e)
{
    p2p_mdns_t *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(e, P2P_ENOMEM, "mdns: out of memory");
        return NULL;
    }
    m->h = h;
    m->cb = cb;
    m->ud = ud;
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t r[40];
    crypto_random(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++)
        m->peer_name[i] = alnum[r[i] % 36];
    uv_loop_t *loop = p2p_host_loop(h);
    uv_udp_init(loop, &m->udp);
    uv_timer_init(loop, &m->timer);
    m->udp.data = m->timer.data = m;
    m->n_handles = 2;
    struct sockaddr_in any;
    uv_ip4_addr("0.0.0.0", MDNS_PORT, &any);
    int rc = uv_udp_bind(&m->udp, (const struct sockaddr *)&any, UV_UDP_REUSEADDR);
    if (!rc)
        rc = uv_udp_set_membership(&m->udp, MDNS_GROUP, NULL, UV_JOIN_GROUP);
    if (!rc)
        rc = uv_udp_set_multicast_loop(&m->udp, 1);
    if (!rc)
        rc = uv_udp_recv_start(&m->udp, on_alloc, on_recv);
    if (rc) {
        err_set(e, P2P_EIO, "mdns: cannot use %s:%d: %s", MDNS_GROUP, MDNS_PORT,
                uv_strerror(rc));
        p2p_mdns_free(m);
        return NULL;
    }
    uv_timer_start(&m->timer, on_tick, 0, interval_ms ? interval_ms : 10000);
    return m;
}

static void on_closed(uv_handle_t *hd)
{
    p2p_mdns_t *m = hd->data;
    if (--m->n_handles == 0)
        free(m);
}

void p2p_mdns_free(p2p_mdns_t *m)
{
    if (!m)
        return;
    m->cb = NULL;
    uv_close((uv_handle_t *)&m->udp, on_closed);
    uv_close((uv_handle_t *)&m->timer, on_closed);
}

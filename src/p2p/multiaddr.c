/*
 * Multiaddr (multiaddr/README.md §Specification): text `(/<name>/<value>)+`,
 * binary `(<code uvarint><value>)+`. Fixed-size values (ip4 4 bytes, ip6 16,
 * tcp/udp 2 big-endian) carry no length; variable ones (dns*, p2p) are
 * uvarint-length-prefixed. Codes from multiaddr/protocols.csv. Only the
 * protocols libp2p-over-TCP needs are known; anything else is rejected with
 * its name or code rather than skipped, since we cannot know its value size.
 */
#include "p2p/internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

typedef struct maproto {
    uint32_t code;
    const char *name;
    int size;  /* bytes, or -1 for length-prefixed */
} maproto_t;

static const maproto_t protos[] = {
    {P2P_PROTO_IP4, "ip4", 4},       {P2P_PROTO_TCP, "tcp", 2},
    {P2P_PROTO_UDP, "udp", 2},       {P2P_PROTO_IP6, "ip6", 16},
    {P2P_PROTO_DNS, "dns", -1},      {P2P_PROTO_DNS4, "dns4", -1},
    {P2P_PROTO_DNS6, "dns6", -1},    {P2P_PROTO_DNSADDR, "dnsaddr", -1},
    {P2P_PROTO_P2P, "p2p", -1},      {0x01cc, "quic", 0},
    {0x01cd, "quic-v1", 0},          {0x01dd, "ws", 0},
    {0x01de, "wss", 0},              {0x0122, "p2p-circuit", 0},
};

static const maproto_t *proto_by_code(uint64_t code)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (protos[i].code == code)
            return &protos[i];
    return NULL;
}

static const maproto_t *proto_by_name(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (strlen(protos[i].name) == n && memcmp(protos[i].name, s, n) == 0)
            return &protos[i];
    if (n == 4 && memcmp(s, "ipfs", 4) == 0)
        return proto_by_code(P2P_PROTO_P2P);
    return NULL;
}

static bool parse_port(const char *s, size_t n, uint16_t *port)
{
    if (n == 0 || n > 5)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (n > 1 && s[0] == '0')
        return false;
    if (v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

static bool dns_name_ok(const uint8_t *s, size_t n)
{
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] == '/' || s[i] >= 0x7f)
            return false;
    return true;
}

int p2p_maddr_parse(const char *text, buf_t *out, err_t *e)
{
    if (!text || text[0] != '/')
        return err_set(e, P2P_EINVAL, "multiaddr: must start with '/'");
    size_t start = out->len;
    const char *p = text + 1;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t nlen = end ? (size_t)(end - p) : strlen(p);
        const maproto_t *pr = proto_by_name(p, nlen);
        if (!pr) {
            out->len = start;
            return err_set(e, P2P_EINVAL, "multiaddr: unknown protocol '%.*s'", (int)nlen, p);
        }
        uint8_t code[UVARINT_MAX_BYTES];
        buf_append(out, code, uvarint_encode(pr->code, code));
        p += nlen;
        if (pr->size == 0) {
            if (*p == '/')
                p++;
            continue;
        }
        if (*p != '/') {
            out->len = start;
            return err_set(e, P2P_EINVAL, "multiaddr: /%s needs a value", pr->name);
        }
        p++;
        const char *vend = strchr(p, '/');
        size_t vlen = vend ? (size_t)(vend - p) : strlen(p);
        char val[256];
        if (vlen >= sizeof val) {
            out->len = start;
            return err_set(e, P2P_EINVAL, "multiaddr: /%s value too long", pr->name);
        }
        memcpy(val, p, vlen);
        val[vlen] = 0;
        int bad = 0;
        switch (pr->code) {
        case P2P_PROTO_IP4: {
            uint8_t a[4];
            if (inet_pton(AF_INET, val, a) != 1)
                bad = 1;
            else
                buf_append(out, a, 4);
            break;
        }
        case P2P_PROTO_IP6: {
            uint8_t a[16];
            if (inet_pton(AF_INET6, val, a) != 1)
                bad = 1;
            else
                buf_append(out, a, 16);
            break;
        }
        case P2P_PROTO_TCP:
        case P2P_PROTO_UDP: {
            uint16_t port;
            if (!parse_port(val, vlen, &port)) {
                bad = 1;
            } else {
                uint8_t b[2] = {(uint8_t)(port >> 8), (uint8_t)port};
                buf_append(out, b, 2);
            }
            break;
        }
        case P2P_PROTO_P2P: {
            p2p_peer_id_t id;
            err_t e2;
            if (p2p_peer_id_parse(val, &id, &e2) != 0) {
                out->len = start;
                return err_set(e, P2P_EINVAL, "multiaddr: /p2p/%s: %s", val, e2.msg);
            }
            uint8_t l[UVARINT_MAX_BYTES];
            buf_append(out, l, uvarint_encode(id.len, l));
            buf_append(out, id.b, id.len);
            break;
        }
        default: /* dns, dns4, dns6, dnsaddr */
            if (!dns_name_ok((const uint8_t *)val, vlen)) {
                bad = 1;
            } else {
                uint8_t l[UVARINT_MAX_BYTES];
                buf_append(out, l, uvarint_encode(vlen, l));
                buf_append(out, val, vlen);
            }
            break;
        }
        if (bad) {
            out->len = start;
            return err_set(e, P2P_EINVAL, "multiaddr: invalid /%s value '%s'", pr->name, val);
        }
        p += vlen;
        if (*p == '/')
            p++;
        if (*p == 0 && p[-1] == '/' && vend) {
            out->len = start;
            return err_set(e, P2P_EINVAL, "multiaddr: trailing '/'");
        }
    }
    if (out->len == start)
        return err_set(e, P2P_EINVAL, "multiaddr: empty");
    if (!buf_ok(out))
        return err_set(e, P2P_ENOMEM, "multiaddr: out of memory");
    if (out->len - start > P2P_MADDR_MAX) {
        out->len = start;
        return err_set(e, P2P_EINVAL, "multiaddr: longer than %d bytes", P2P_MADDR_MAX);
    }
    return 0;
}

/* Walks one component: sets *pr, *val, *vlen and returns bytes used, or < 0. */
static int next_component(const uint8_t *m, size_t n, size_t off, const maproto_t **pr,
                          const uint8_t **val, size_t *vlen, err_t *e)
{
    uint64_t code;
    int k = uvarint_decode(m + off, n - off, &code, NULL);
    if (k < 0)
        return err_set(e, P2P_EINVAL, "multiaddr: bad protocol code at offset %zu", off);
    const maproto_t *p = proto_by_code(code);
    if (!p)
        return err_set(e, P2P_EINVAL, "multiaddr: unknown protocol code 0x%llx at offset %zu",
                       (unsigned long long)code, off);
    size_t pos = off + (size_t)k;
    size_t len;
    if (p->size >= 0) {
        len = (size_t)p->size;
    } else {
        uint64_t l;
        int k2 = uvarint_decode(m + pos, n - pos, &l, NULL);
        if (k2 < 0)
            return err_set(e, P2P_EINVAL, "multiaddr: bad /%s length at offset %zu", p->name, pos);
        pos += (size_t)k2;
        if (l > n - pos)
            return err_set(e, P2P_EINVAL, "multiaddr: /%s value truncated at offset %zu", p->name,
                           pos);
        len = (size_t)l;
    }
    if (len > n - pos)
        return err_set(e, P2P_EINVAL, "multiaddr: /%s value truncated at offset %zu", p->name, pos);
    if (p->code == P2P_PROTO_P2P) {
        p2p_peer_id_t id;
        int rc = p2p_peer_id_from_bytes(m + pos, len, &id, e);
        if (rc) {
            err_prefix(e, "multiaddr: /p2p at offset %zu", pos);
            return rc; /* not err_prefix's value: e may be NULL */
        }
    } else if (p->size < 0 && !dns_name_ok(m + pos, len)) {
        return err_set(e, P2P_EINVAL, "multiaddr: invalid /%s name at offset %zu", p->name, pos);
    }
    *pr = p;
    *val = m + pos;
    *vlen = len;
    return (int)(pos + len - off);
}

int p2p_maddr_validate(const uint8_t *m, size_t n, err_t *e)
{
    if (n == 0)
        return err_set(e, P2P_EINVAL, "multiaddr: empty");
    if (n > P2P_MADDR_MAX)
        return err_set(e, P2P_EINVAL, "multiaddr: longer than %d bytes", P2P_MADDR_MAX);
    size_t off = 0;
    while (off < n) {
        const maproto_t *pr;
        const uint8_t *v;
        size_t vl;
        int k = next_component(m, n, off, &pr, &v, &vl, e);
        if (k < 0)
            return k;
        off += (size_t)k;
    }
    return 0;
}

int p2p_maddr_format(const uint8_t *m, size_t n, buf_t *out, err_t *e)
{
    int rc = p2p_maddr_validate(m, n, e);
    if (rc)
        return rc;
    size_t off = 0;
    while (off < n) {
        const maproto_t *pr;
        const uint8_t *v;
        size_t vl;
        int k = next_component(m, n, off, &pr, &v, &vl, e);
        off += (size_t)k;
        buf_printf(out, "/%s", pr->name);
        char tmp[INET6_ADDRSTRLEN];
        switch (pr->code) {
        case P2P_PROTO_IP4:
            inet_ntop(AF_INET, v, tmp, sizeof tmp);
            buf_printf(out, "/%s", tmp);
            break;
        case P2P_PROTO_IP6:
            inet_ntop(AF_INET6, v, tmp, sizeof tmp);
            buf_printf(out, "/%s", tmp);
            break;
        case P2P_PROTO_TCP:
        case P2P_PROTO_UDP:
            buf_printf(out, "/%u", (unsigned)load_be16(v));
            break;
        case P2P_PROTO_P2P: {
            p2p_peer_id_t id;
            char s[P2P_PEER_ID_STR_MAX];
            memcpy(id.b, v, vl);
            id.len = vl;
            p2p_peer_id_format(&id, s);
            buf_printf(out, "/%s", s);
            break;
        }
        default:
            if (pr->size != 0) {
                buf_append_byte(out, '/');
                buf_append(out, v, vl);
            }
            break;
        }
    }
    buf_terminate(out);
    if (!buf_ok(out))
        return err_set(e, P2P_ENOMEM, "multiaddr: out of memory");
    return 0;
}

bool p2p_maddr_find(const uint8_t *m, size_t n, uint32_t code, const uint8_t **val,
                    size_t *val_len)
{
    size_t off = 0;
    while (off < n) {
        const maproto_t *pr;
        const uint8_t *v;
        size_t vl;
        int k = next_component(m, n, off, &pr, &v, &vl, NULL);
        if (k < 0)
            return false;
        if (pr->code == code) {
            *val = v;
            *val_len = vl;
            return true;
        }
        off += (size_t)k;
    }
    return false;
}

int p2p_maddr_to_sockaddr(const uint8_t *m, size_t n, struct sockaddr_storage *sa, err_t *e)
{
    int rc = p2p_maddr_validate(m, n, e);
    if (rc)
        return rc;
    const maproto_t *pr, *pr2;
    const uint8_t *v, *v2;
    size_t vl, vl2;
    int k = next_component(m, n, 0, &pr, &v, &vl, e), k2 = -1;
    if ((size_t)k >= n || (k2 = next_component(m, n, (size_t)k, &pr2, &v2, &vl2, e)) < 0 ||
        pr2->code != P2P_PROTO_TCP)
        return err_set(e, P2P_EINVAL, "multiaddr: expected /ip4|ip6/ADDR/tcp/PORT");
    /* after tcp only one /p2p may follow: anything else (/ws, /quic, a
     * second /p2p naming another peer) would be silently dialed as plain
     * TCP to the first peer */
    size_t off = (size_t)k + (size_t)k2;
    const maproto_t *pr3;
    const uint8_t *v3;
    size_t vl3;
    if (off < n) {
        int k3 = next_component(m, n, off, &pr3, &v3, &vl3, e);
        if (k3 < 0 || pr3->code != P2P_PROTO_P2P || off + (size_t)k3 != n)
            return err_set(e, P2P_EINVAL,
                           "multiaddr: only /p2p/PEER may follow /tcp/PORT (got /%s%s)",
                           k3 < 0 ? "?" : pr3->name,
                           k3 >= 0 && pr3->code == P2P_PROTO_P2P ? " twice" : "");
    }
    uint16_t port = load_be16(v2);
    memset(sa, 0, sizeof *sa);
    if (pr->code == P2P_PROTO_IP4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, v, 4);
        s4->sin_port = htons(port);
    } else if (pr->code == P2P_PROTO_IP6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, v, 16);
        s6->sin6_port = htons(port);
    } else {
        return err_set(e, P2P_EINVAL, "multiaddr: /%s is not dialable here (need ip4 or ip6)",
                       pr->name);
    }
    return 0;
}

int p2p_maddr_from_sockaddr(const struct sockaddr *sa, buf_t *out)
{
    uint8_t b[1 + 16 + 1 + 2];
    size_t n = 0;
    uint16_t port;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        b[n++] = P2P_PROTO_IP4;
        memcpy(b + n, &s4->sin_addr, 4);
        n += 4;
        port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        b[n++] = P2P_PROTO_IP6;
        memcpy(b + n, &s6->sin6_addr, 16);
        n += 16;
        port = ntohs(s6->sin6_port);
    } else {
        return P2P_EINVAL;
    }
    b[n++] = P2P_PROTO_TCP;
    b[n++] = (uint8_t)(port >> 8);
    b[n++] = (uint8_t)port;
    return buf_append(out, b, n) ? P2P_ENOMEM : 0;
}

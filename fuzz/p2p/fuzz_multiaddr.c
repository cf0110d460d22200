/* Multiaddr: binary validate/format/find/sockaddr, and the text parser;
 * whatever formats must parse back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "p2p/p2p.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    buf_t t, b;
    buf_init(&t, 0);
    buf_init(&b, 0);
    if (p2p_maddr_format(data, size, &t, NULL) == 0) {
        if (p2p_maddr_parse((const char *)t.data, &b, NULL) != 0 || b.len != size ||
            memcmp(b.data, data, size) != 0)
            abort(); /* round trip must hold for every valid binary multiaddr */
        const uint8_t *v;
        size_t vl;
        (void)p2p_maddr_find(data, size, P2P_PROTO_P2P, &v, &vl);
        struct sockaddr_storage sa;
        (void)p2p_maddr_to_sockaddr(data, size, &sa, NULL);
    }
    buf_reset(&b);
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    (void)p2p_maddr_parse(s, &b, NULL);
    free(s);
    buf_free(&t);
    buf_free(&b);
    return 0;
}

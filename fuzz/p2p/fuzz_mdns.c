/* mDNS packets: the DNS parser behind discovery. */
#include "p2p/internal.h"

static void sink(const char *s, size_t n, void *ud)
{
    (void)s;
    (void)n;
    (void)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool q, asks;
    (void)mdns_parse(data, size, &q, &asks, sink, NULL, NULL);
    return 0;
}

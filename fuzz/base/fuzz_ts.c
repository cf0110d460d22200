/* Fuzz: timestamp parsing never crashes; whatever parses formats and parses
 * back to the same instant. */
#include <stdlib.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_t t, t2;
    if (ts_parse((const char *)data, size, &t, NULL) != BASE_OK)
        return 0;
    char out[TS_STR_MAX];
    int n = ts_format(t, out);
    if (n < 0)
        return 0; /* offsets can push the instant outside years 0..9999 */
    if (ts_parse(out, (size_t)n, &t2, NULL) != BASE_OK || t2.sec != t.sec || t2.nsec != t.nsec)
        abort();
    return 0;
}

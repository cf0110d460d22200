/* Fuzz: the strict JSON parser never crashes, and canonical encoding is a
 * fixed point: canon(parse(canon(parse(x)))) == canon(parse(x)). */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t e;
    json_t *j = cjson_parse((const char *)data, size, &e);
    if (!j)
        return 0;
    char *a = cjson_encode_str(j, &e);
    if (!a)
        abort();
    json_t *j2 = cjson_parse(a, strlen(a), &e);
    if (!j2)
        abort();
    char *b = cjson_encode_str(j2, &e);
    if (!b || strcmp(a, b) != 0)
        abort();
    free(a);
    free(b);
    json_decref(j);
    json_decref(j2);
    return 0;
}

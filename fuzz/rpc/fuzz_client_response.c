/* libFuzzer target: rpc_client_parse_response, the code that reads what a
 * node answers to `aether` (HTTP framing, then the JSON-RPC object). Any
 * input must give either a result or an error with a message, never a crash
 * or a read past the input; a message must be safe to print (no control
 * characters, valid UTF-8), since the CLI prints it as is. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so ASan catches any read past the end */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    json_t *result = NULL;
    int code = 0;
    err_t e = {0};
    int rc = rpc_client_parse_response(copy, size, &result, &code, &e);
    if (rc == 0) {
        if (!result)
            abort();
        json_decref(result);
    } else {
        if (result || e.code != rc || !e.msg[0])
            abort();
        for (const unsigned char *p = (const unsigned char *)e.msg; *p; p++)
            if (*p < 0x20 || *p == 0x7f)
                abort();
    }
    free(copy);
    return 0;
}

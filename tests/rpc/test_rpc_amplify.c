/*
 * Response amplification (issue 19 finding 6) through a real aetherd: a
 * block of a few thousand transfers, then one batch of 400
 * aeth_getBlockByNumber(h, true) for it. Without a limit the answer was
 * 400 copies of the block (1.52 GB for an 8,000-transfer block). Now the
 * answer stops at the node's response limit (64 MiB by default): the request
 * that would pass it and every later one get -32007 naming the limit, the
 * body stays below the limit plus a small error per request, and the node's
 * peak memory (VmHWM) grows by less than 768 MB (about 70 MB in Release;
 * without the limit the answer alone is 570 MB).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define N_SENDERS 100
#define PER_SENDER 30
#define FEE 2000
#define N_CALLS 400
#define LIMIT (64u << 20)

static h_node_t H;

static long hwm_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

#define FAIL(...)                                                                            \
    do {                                                                                     \
        fprintf(stderr, "rpc amplify: FAILED: " __VA_ARGS__);                                \
        fprintf(stderr, "\n");                                                               \
        goto out;                                                                            \
    } while (0)

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int rc = h_init(&H, "rpcamp", argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
    if (rc != 0)
        return rc == 77 ? 77 : 1;
    rc = 1;
    rpc_client_t *c = NULL;
    h_tx_t *txs = calloc(N_SENDERS * PER_SENDER, sizeof *txs);
    h_batch_t *b = NULL;
    size_t nb = 0;
    char *resp = NULL;
    json_t *arr = NULL;
    const char *extra[] = {"--block-ms", "3000", "--max-block-txs", "20000", NULL};
    if (!txs || h_write_genesis(&H, N_SENDERS + 1, 1000000000, 0, 0) != 0 ||
        h_start(&H, extra, 30000) != 0)
        FAIL("start");
    err_t e = {0};
    c = rpc_client_new(H.url, 60000, &e);
    size_t n = 0;
    for (uint32_t s = 0; s < N_SENDERS; s++)
        for (uint32_t k = 0; k < PER_SENDER; k++)
            if (h_sign_transfer(H.chain_id, s, N_SENDERS, k, 1, FEE, &txs[n++]) != 0)
                FAIL("sign");
    b = h_make_batches(txs, n, 1000, &nb);
    h_send_stats_t st = {0};
    for (size_t i = 0; i < nb; i++)
        if (h_post_batch(c, &b[i], &st) != 0)
            FAIL("post");
    if (st.accepted != n)
        FAIL("%zu of %zu transfers accepted: %s", st.accepted, n, st.last_msg);
    uint64_t want[N_SENDERS];
    for (int i = 0; i < N_SENDERS; i++)
        want[i] = PER_SENDER;
    if (h_wait_nonces(c, N_SENDERS, want, 30000) != 0)
        FAIL("transfers not committed");
    /* the block with the most transactions */
    json_t *tip = h_call(c, "aeth_blockNumber", NULL);
    uint64_t top = 0, best = 0;
    size_t best_n = 0;
    if (!tip || !cjson_get_u64(tip, &top))
        FAIL("aeth_blockNumber");
    json_decref(tip);
    for (uint64_t h = 1; h <= top; h++) {
        json_t *blk = h_call(c, "aeth_getBlockByNumber", json_pack("[I]", (json_int_t)h));
        size_t k = json_array_size(json_object_get(blk, "transactions"));
        if (k > best_n) {
            best_n = k;
            best = h;
        }
        json_decref(blk);
    }
    if (best_n < 1000)
        FAIL("the biggest block has only %zu transactions", best_n);
    buf_t body;
    buf_init(&body, 0);
    for (int i = 0; i < N_CALLS; i++)
        buf_printf(&body, "%s{\"jsonrpc\":\"2.0\",\"method\":\"aeth_getBlockByNumber\",\"params\":"
                          "[%llu,true],\"id\":%d}", i ? "," : "[", (unsigned long long)best, i);
    buf_append_str(&body, "]");
    long before = hwm_kb(H.pid);
    int status = 0;
    size_t len = 0;
    int prc = rpc_client_post(c, (const char *)body.data, body.len, &status, &resp, &len, &e);
    buf_free(&body);
    long after = hwm_kb(H.pid);
    if (prc != 0)
        FAIL("the batch got no answer: %s", e.msg);
    arr = cjson_parse(resp, len, NULL);
    size_t results = 0, limited = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *r = json_array_get(arr, i);
        const json_t *err = json_object_get(r, "error");
        if (json_object_get(r, "result"))
            results++;
        else if (json_integer_value(json_object_get(err, "code")) == -32007 &&
                 strstr(json_string_value(json_object_get(err, "message")), "67108864"))
            limited++;
    }
    printf("rpc amplify: block %llu with %zu transfers; %d x getBlockByNumber(full) answered "
           "%zu bytes: %zu results, %zu refused with -32007; node VmHWM %ld -> %ld MB\n",
           (unsigned long long)best, best_n, N_CALLS, len, results, limited, before / 1024,
           after / 1024);
    if (status != 200 || json_array_size(arr) != N_CALLS || results + limited != N_CALLS)
        FAIL("HTTP %d, %zu answers (%zu results, %zu -32007)", status, json_array_size(arr),
             results, limited);
    if (limited == 0 || results == 0)
        FAIL("expected the answer to stop at the limit: %zu results, %zu refused", results,
             limited);
    if (len > LIMIT + N_CALLS * 300)
        FAIL("the answer is %zu bytes, over the 64 MiB limit", len);
    /* 64 MiB of answer costs ~70 MB in Release and ~400 MB under ASan (its
     * quarantine keeps freed trees); an unlimited answer costs twice its
     * 570 MB size */
    if (before > 0 && after - before > 768 * 1024)
        FAIL("the node's peak memory grew by %ld MB", (after - before) / 1024);
    /* the node still answers */
    json_t *ok = h_call(c, "aeth_chainId", NULL);
    if (!ok)
        FAIL("the node stopped answering");
    json_decref(ok);
    rc = 0;
    printf("rpc amplify: all checks passed\n");
out:
    json_decref(arr);
    free(resp);
    h_batches_free(b, nb);
    for (size_t i = 0; txs && i < N_SENDERS * PER_SENDER; i++)
        h_tx_free(&txs[i]);
    free(txs);
    rpc_client_free(c);
    h_stop(&H, SIGTERM);
    h_cleanup(&H);
    return rc;
}

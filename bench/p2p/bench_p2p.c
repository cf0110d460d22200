/* libp2p benchmark: connection set-up latency (TCP + multistream + Noise XX +
 * multistream + Yamux, until the dialer can open streams) and one-stream
 * throughput over Noise + Yamux, into a sink that counts and closes.
 *
 *   bench_p2p local [MB] [DIALS]   C dials C, both in this process (one core)
 *   bench_p2p serve                a C node with the sink; prints its address
 *   bench_p2p dial ADDR [MB] [DIALS]  C dials ADDR (a C or js-libp2p node)
 *
 * Prints one JSON line of figures. bench/p2p/run.sh runs every pairing,
 * C<->C and C<->js, in one go. Figures are never asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "p2p/p2p.h"

#define SINK "/bench/sink/1.0.0"
#define CHUNK (1u << 20)

static uv_loop_t loop;
static p2p_host_t *server, *client;
static buf_t target;
static size_t total_bytes, sent;
static unsigned dials_left, dials_total;
static double *lat_ms;
static uint64_t t0;
static double mbps;
static uint8_t *chunk;
static uv_check_t pump;
static p2p_stream_t *bench_stream;
static int failed;

/* ---- sink (server side) ---- */

static size_t sink_data(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    return n;
}

static void sink_eof(p2p_stream_t *s, void *ud)
{
    p2p_stream_close_write(s);
}

static void serve_sink(p2p_stream_t *s, void *ud)
{
    p2p_stream_cbs_t cbs = {sink_data, sink_eof, NULL, NULL};
    p2p_stream_set_cbs(s, &cbs);
}

/* ---- throughput ---- */

static void on_pump(uv_check_t *h)
{
    p2p_stream_t *s = bench_stream;
    if (!s)
        return;
    while (sent < total_bytes && p2p_stream_pending(s) < CHUNK) {
        size_t n = total_bytes - sent < CHUNK ? total_bytes - sent : CHUNK;
        if (p2p_stream_write(s, chunk, n)) {
            failed = 1;
            uv_stop(&loop);
            return;
        }
        sent += n;
    }
    if (sent == total_bytes) {
        p2p_stream_close_write(s);
        uv_check_stop(&pump);
    }
}

static size_t drop(p2p_stream_t *s, const uint8_t *p, size_t n, void *ud)
{
    return n;
}

static void sink_closed(p2p_stream_t *s, int status, void *ud)
{
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    bench_stream = NULL;
    if (status)
        failed = 1;
    mbps = (double)total_bytes / secs / 1e6;
    uv_stop(&loop);
}

static void sink_opened(p2p_stream_t *s, int status, void *ud)
{
    if (status) {
        fprintf(stderr, "bench: cannot open %s: %s\n", SINK, p2p_strerror(status));
        failed = 1;
        uv_stop(&loop);
        return;
    }
    p2p_stream_cbs_t cbs = {drop, NULL, sink_closed, NULL};
    p2p_stream_set_cbs(s, &cbs);
    bench_stream = s;
    t0 = uv_hrtime();
    uv_check_start(&pump, on_pump);
    on_pump(&pump);
}

/* ---- set-up latency, then the throughput run on a fresh connection ---- */

static void start_dial(void);

static void on_dialed(p2p_host_t *h, p2p_conn_t *c, int status, const char *msg, void *ud)
{
    if (status) {
        fprintf(stderr, "bench: dial failed: %s\n", msg);
        failed = 1;
        uv_stop(&loop);
        return;
    }
    if (dials_left > 0) {
        lat_ms[dials_total - dials_left] = (double)(uv_hrtime() - t0) / 1e6;
        dials_left--;
        p2p_conn_close(c);
        start_dial();
        return;
    }
    err_t e;
    if (p2p_conn_open_stream(c, SINK, sink_opened, NULL, &e)) {
        fprintf(stderr, "bench: %s\n", e.msg);
        failed = 1;
        uv_stop(&loop);
    }
}

static void start_dial(void)
{
    err_t e;
    t0 = uv_hrtime();
    if (p2p_host_dial(client, target.data, target.len, on_dialed, NULL, &e)) {
        fprintf(stderr, "bench: %s\n", e.msg);
        failed = 1;
        uv_stop(&loop);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static p2p_host_t *make_host(bool sink)
{
    p2p_host_config_t cfg = {.max_conns = 4096};
    err_t e;
    p2p_host_t *h = p2p_host_new(&loop, &cfg, &e);
    if (!h || p2p_ping_enable(h) || p2p_identify_enable(h) ||
        (sink && p2p_host_handle(h, SINK, serve_sink, NULL))) {
        fprintf(stderr, "bench: host: %s\n", e.msg);
        exit(1);
    }
    return h;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int run_client(const char *mode, size_t mb, unsigned dials)
{
    total_bytes = mb << 20;
    dials_total = dials_left = dials;
    lat_ms = calloc(dials ? dials : 1, sizeof *lat_ms);
    chunk = malloc(CHUNK);
    crypto_random(chunk, CHUNK);
    client = make_host(false);
    uv_check_init(&loop, &pump);
    start_dial();
    uv_run(&loop, UV_RUN_DEFAULT);
    qsort(lat_ms, dials, sizeof *lat_ms, cmp_double);
    double sum = 0;
    for (unsigned i = 0; i < dials; i++)
        sum += lat_ms[i];
    if (!failed && dials)
        printf("{\"mode\":\"%s\",\"dials\":%u,\"setup_ms_median\":%.3f,\"setup_ms_p90\":%.3f,"
               "\"setup_ms_mean\":%.3f,\"stream_mb\":%zu,\"throughput_MBps\":%.1f}\n",
               mode, dials, lat_ms[dials / 2], lat_ms[dials * 9 / 10], sum / dials, mb, mbps);
    fflush(stdout);
    p2p_host_free(client);
    if (server)
        p2p_host_free(server);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    free(lat_ms);
    free(chunk);
    return failed;
}

static void on_signal(uv_signal_t *s, int sig)
{
    uv_stop(&loop);
}

int main(int argc, char **argv)
{
    if (crypto_init() != 0)
        return 1;
    log_set_level(LOG_ERROR);
    uv_loop_init(&loop);
    buf_init(&target, 0);
    const char *mode = argc > 1 ? argv[1] : "local";
    if (strcmp(mode, "serve") == 0) {
        server = make_host(true);
        err_t e;
        if (p2p_host_listen(server, "/ip4/127.0.0.1/tcp/0", &e))
            return 1;
        buf_t text;
        buf_init(&text, 0);
        if (p2p_host_listen_addrs_text(server, &text))
            return 1;
        printf("%s", (char *)text.data);
        fflush(stdout);
        buf_free(&text);
        uv_signal_t sig;
        uv_signal_init(&loop, &sig);
        uv_signal_start(&sig, on_signal, SIGTERM);
        uv_run(&loop, UV_RUN_DEFAULT);
        p2p_host_free(server);
        uv_walk(&loop, close_walk, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        return 0;
    }
    if (strcmp(mode, "local") == 0) {
        size_t mb = argc > 2 ? strtoul(argv[2], NULL, 10) : 256;
        unsigned dials = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 200;
        server = make_host(true);
        err_t e;
        if (p2p_host_listen(server, "/ip4/127.0.0.1/tcp/0", &e))
            return 1;
        buf_t text;
        buf_init(&text, 0);
        if (p2p_host_listen_addrs_text(server, &text))
            return 1;
        *strchr((char *)text.data, '\n') = 0;
        if (p2p_maddr_parse((char *)text.data, &target, &e))
            return 1;
        buf_free(&text);
        int rc = run_client("C->C (one process)", mb, dials);
        buf_free(&target);
        return rc;
    }
    if (strcmp(mode, "dial") == 0 && argc > 2) {
        err_t e;
        if (p2p_maddr_parse(argv[2], &target, &e)) {
            fprintf(stderr, "bench: %s\n", e.msg);
            return 2;
        }
        size_t mb = argc > 3 ? strtoul(argv[3], NULL, 10) : 256;
        unsigned dials = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 200;
        const char *label = argc > 5 ? argv[5] : "C->remote";
        int rc = run_client(label, mb, dials);
        buf_free(&target);
        return rc;
    }
    fprintf(stderr, "usage: bench_p2p local|serve|dial ADDR [MB] [DIALS] [LABEL]\n");
    return 2;
}

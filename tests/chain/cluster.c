/* N validators as real processes (see cluster.h). */
#include "cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int free_port(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int rc = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
                     getsockname(fd, (struct sockaddr *)&sa, &sl) == 0
                 ? 0
                 : -1;
    *port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return rc;
}

unsigned cl_all(const cluster_t *cl)
{
    return (1u << cl->p.n) - 1;
}

static int write_genesis(cluster_t *cl)
{
    json_t *accounts = json_array(), *vals = json_array();
    char bal[32];
    snprintf(bal, sizeof bal, "%llu", (unsigned long long)cl->p.balance);
    for (uint32_t i = 0; i < cl->p.n_accounts; i++) {
        node_key_t k;
        char hex[2 * CHAIN_ADDR_BYTES + 1];
        h_account(i, &k);
        chain_addr_to_hex(&k.addr, hex);
        json_array_append_new(accounts, json_pack("{s:s,s:s}", "address", hex, "balance", bal));
    }
    for (int i = 0; i < cl->p.n; i++) {
        err_t e = {0};
        json_t *v = node_validator_entry_json(&cl->key[i], 100, &e);
        if (!v) {
            fprintf(stderr, "cluster: validator entry: %s\n", e.msg);
            json_decref(accounts);
            json_decref(vals);
            return -1;
        }
        json_array_append_new(vals, v);
    }
    uint8_t seed[32];
    char seedhex[65];
    crypto_sha256("aether-test-cluster-seed", 24, seed);
    hex_encode(seed, 32, seedhex);
    uint64_t base = cl->p.base_timeout_ms ? cl->p.base_timeout_ms : 1000;
    json_t *g = json_pack("{s:I,s:I,s:o,s:[],s:{s:I,s:I,s:I,s:s,s:o}}", "chain_id",
                          (json_int_t)cl->v[0].chain_id, "timestamp_ms",
                          (json_int_t)1700000000000, "accounts", accounts, "utxos", "consensus",
                          "epoch_len", (json_int_t)50, "base_timeout_ms", (json_int_t)base,
                          "max_timeout_ms", (json_int_t)(8 * base), "seed", seedhex,
                          "validators", vals);
    int rc = g ? 0 : -1;
    for (int i = 0; i < cl->p.n && rc == 0; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/genesis.json", cl->v[i].dir);
        if ((rc = json_dump_file(g, path, JSON_INDENT(1))) != 0)
            fprintf(stderr, "cluster: cannot write %s\n", path);
    }
    json_decref(g);
    return rc;
}

int cl_init(cluster_t *cl, const cl_params_t *p, const char *aetherd, const char *aether)
{
    memset(cl, 0, sizeof *cl);
    cl->fp.ctl = -1;
    pthread_mutex_init(&cl->mu, NULL);
    if (p->n < 1 || p->n > CL_MAX) {
        fprintf(stderr, "cluster: %d validators (1..%d)\n", p->n, CL_MAX);
        return -1;
    }
    cl->p = *p;
    for (int i = 0; i < p->n; i++) {
        char name[32];
        snprintf(name, sizeof name, "v%d", i);
        int rc = h_init(&cl->v[i], name, aetherd, aether);
        if (rc != 0)
            return rc;
        uint8_t s[32];
        char tag[40];
        snprintf(tag, sizeof tag, "aether-test-validator-%d", i);
        crypto_sha256(tag, strlen(tag), s);
        node_key_from_seed(&cl->key[i], s);
        char path[600];
        snprintf(path, sizeof path, "%s/validator.key", cl->v[i].dir);
        err_t e = {0};
        if (node_key_save(path, &cl->key[i], true, &e) != 0) {
            fprintf(stderr, "cluster: %s\n", e.msg);
            return -1;
        }
        p2p_peer_id_t id;
        p2p_peer_id_from_pubkey(cl->key[i].pk, &id);
        p2p_peer_id_format(&id, cl->peer_id[i]);
        if (free_port(&cl->p2p_port[i]) != 0) {
            fprintf(stderr, "cluster: no free port\n");
            return -1;
        }
    }
    if (write_genesis(cl) != 0)
        return -1;
    if (p->faultproxy && p->n > 1) {
        fp_link_t links[CL_MAX * (CL_MAX - 1)];
        int nl = 0;
        for (int a = 0; a < p->n; a++)
            for (int b = 0; b < p->n; b++)
                if (a != b)
                    links[nl++] = (fp_link_t){.from = a, .to = b, .target = cl->p2p_port[b]};
        if (fp_start(&cl->fp, p->faultproxy, cl->v[0].dir, links, nl, 10000) != 0)
            return -1;
        cl->proxied = true;
    }
    return 0;
}

int cl_start(cluster_t *cl, int i)
{
    enum { MAXA = 2 * CL_MAX + 40 };
    char addr[CL_MAX + 1][160];
    const char *extra[MAXA];
    int n = 0;
    snprintf(addr[0], sizeof addr[0], "127.0.0.1:%u", cl->p2p_port[i]);
    extra[n++] = "--p2p";
    extra[n++] = addr[0];
    for (int j = 0, a = 1; j < cl->p.n; j++) {
        if (j == i)
            continue;
        unsigned port = cl->proxied ? fp_port(&cl->fp, i, j) : cl->p2p_port[j];
        snprintf(addr[a], sizeof addr[a], "/ip4/127.0.0.1/tcp/%u/p2p/%s", port, cl->peer_id[j]);
        extra[n++] = "--peer";
        extra[n++] = addr[a++];
    }
    for (int k = 0; cl->p.run_args && cl->p.run_args[k] && n < MAXA - 1; k++)
        extra[n++] = cl->p.run_args[k];
    extra[n] = NULL;
    h_node_t copy = cl->v[i];
    int rc = h_start(&copy, extra, 30000);
    pthread_mutex_lock(&cl->mu);
    cl->v[i] = copy;
    pthread_mutex_unlock(&cl->mu);
    return rc;
}

int cl_start_all(cluster_t *cl)
{
    for (int i = 0; i < cl->p.n; i++)
        if (cl_start(cl, i) != 0) {
            fprintf(stderr, "cluster: validator %d did not start; see %s/node.log\n", i,
                    cl->v[i].dir);
            return -1;
        }
    return 0;
}

int cl_stop(cluster_t *cl, int i, int sig)
{
    h_node_t copy = cl->v[i];
    int st = h_stop(&copy, sig);
    pthread_mutex_lock(&cl->mu);
    cl->v[i] = copy;
    pthread_mutex_unlock(&cl->mu);
    return st;
}

void cl_url(cluster_t *cl, int i, char out[64])
{
    pthread_mutex_lock(&cl->mu);
    snprintf(out, 64, "%s", cl->v[i].url);
    pthread_mutex_unlock(&cl->mu);
}

pid_t cl_pid(cluster_t *cl, int i)
{
    pthread_mutex_lock(&cl->mu);
    pid_t p = cl->v[i].pid;
    pthread_mutex_unlock(&cl->mu);
    return p;
}

int cl_height(cluster_t *cl, int i, uint64_t *h)
{
    char url[64];
    cl_url(cl, i, url);
    if (cl_pid(cl, i) <= 0)
        return -1;
    rpc_client_t *c = rpc_client_new(url, 3000, NULL);
    int rc = c ? h_height(c, h) : -1;
    rpc_client_free(c);
    return rc;
}

uint64_t cl_max_height(cluster_t *cl, unsigned mask)
{
    uint64_t m = 0;
    for (int i = 0; i < cl->p.n; i++) {
        uint64_t h;
        if ((mask >> i & 1) && cl_height(cl, i, &h) == 0 && h > m)
            m = h;
    }
    return m;
}

int cl_wait_heights(cluster_t *cl, unsigned mask, uint64_t want, unsigned timeout_ms,
                    const char *what)
{
    uint64_t deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        bool ok = true;
        for (int i = 0; i < cl->p.n && ok; i++) {
            uint64_t h = 0;
            if ((mask >> i & 1) && (cl_height(cl, i, &h) != 0 || h < want))
                ok = false;
        }
        if (ok)
            return 0;
        usleep(100000);
    }
    fprintf(stderr, "%s: not every validator of mask %x reached height %llu within %u ms:", what,
            mask, (unsigned long long)want, timeout_ms);
    for (int i = 0; i < cl->p.n; i++) {
        uint64_t h = 0;
        if (cl_height(cl, i, &h) == 0)
            fprintf(stderr, " %d at %llu", i, (unsigned long long)h);
        else
            fprintf(stderr, " %d down", i);
    }
    fputc('\n', stderr);
    return -1;
}

int cl_same_chain(cluster_t *cl, unsigned timeout_ms, uint64_t *height)
{
    uint64_t top = cl_max_height(cl, cl_all(cl));
    if (cl_wait_heights(cl, cl_all(cl), top, timeout_ms, "all validators at one height") != 0)
        return -1;
    rpc_client_t *c[CL_MAX] = {0};
    int rc = 0;
    for (int i = 0; i < cl->p.n; i++) {
        char url[64];
        cl_url(cl, i, url);
        c[i] = rpc_client_new(url, 10000, NULL);
    }
    for (uint64_t h = 1; h <= top && rc == 0; h++) {
        chain_hash_t bh[CL_MAX], *txs = NULL;
        size_t k;
        for (int i = 0; i < cl->p.n && rc == 0; i++) {
            if (!c[i] || h_block_txs(c[i], h, &bh[i], &txs, &k) != 0) {
                fprintf(stderr, "validator %d: no block at height %llu\n", i,
                        (unsigned long long)h);
                rc = -1;
            }
            free(txs);
            txs = NULL;
            if (rc == 0 && i > 0 && !chain_hash_equal(&bh[i], &bh[0])) {
                char a[65], b[65];
                chain_hash_to_hex(&bh[0], a);
                chain_hash_to_hex(&bh[i], b);
                fprintf(stderr, "height %llu: validator 0 has block %s, validator %d has %s\n",
                        (unsigned long long)h, a, i, b);
                rc = -1;
            }
        }
    }
    for (int i = 0; i < cl->p.n; i++)
        rpc_client_free(c[i]);
    *height = top;
    return rc;
}

void cl_cleanup(cluster_t *cl, bool keep)
{
    for (int i = 0; i < cl->p.n; i++)
        if (cl->v[i].pid > 0)
            cl_stop(cl, i, SIGKILL);
    fp_stop(&cl->fp);
    if (keep) {
        setenv("AETHER_KEEP_TMP", "1", 1);
        for (int i = 0; i < cl->p.n; i++)
            fprintf(stderr, "validator %d: %s/node.log\n", i, cl->v[i].dir);
    }
    for (int i = 0; i < cl->p.n; i++) {
        node_key_wipe(&cl->key[i]);
        h_cleanup(&cl->v[i]);
    }
    pthread_mutex_destroy(&cl->mu);
}

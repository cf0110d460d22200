/* plasmd start | init | submit | discover: the Phase network commands.
 * Option parsing and printing only; the provider node, the protocols and the
 * client live in src/phase (phase.h: phase_node_*, phase_submit,
 * phase_discover, phase_config_*). */
#include "cli.h"
#include "plasmd_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "p2p/p2p.h"
#include "market/market.h"
#include "phase/phase.h"

#define MAX_LIST PHASE_CFG_MAX_ADDRS

/* ---- plasmd init ---- */

static const char init_usage[] =
    "Usage: plasmd init [-p|--path FILE] [--force]\n"
    "\n"
    "Writes the default provider config (JSON) to FILE, default\n"
    "$PLASMD_HOME/config.json, and prints it. Refuses to overwrite an existing\n"
    "file unless --force (or an explicit --path, as upstream does).\n"
    "Keys: listen_addrs, peer_addrs, bootstrap_peers, max_concurrent_jobs,\n"
    "limits {max_memory_bytes, max_cpu_cores, max_timeout_seconds} (upstream's),\n"
    "queue_depth, max_fuel, price_per_fuel, mdns, allow_unauthenticated,\n"
    "authorized_submitters, identity_path, record_ttl_seconds (ours).\n";

static int default_config_path(char *out, size_t cap)
{
    char home[1024];
    err_t e = {0};
    if (phase_home_dir(home, sizeof home, &e) != 0)
        return -1;
    return snprintf(out, cap, "%s/config.json", home) < (int)cap ? 0 : -1;
}

int plasmd_init(int argc, char **argv)
{
    const char *prog = "plasmd init";
    const char *path = NULL;
    bool force = false;
    static const struct option opts[] = {
        {"path", required_argument, NULL, 'p'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "+p:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            path = optarg;
            force = true;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            fputs(init_usage, stdout);
            return CLI_OK;
        default:
            return cli_bad_option(prog, argv, optind, optopt, ch == ':');
        }
    }
    if (optind != argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    char def[1100];
    if (!path) {
        if (default_config_path(def, sizeof def) != 0)
            return cli_error(prog, CLI_FAIL, "no home directory (set PLASMD_HOME)");
        path = def;
        char dir[1100];
        snprintf(dir, sizeof dir, "%s", def);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = 0;
            err_t e = {0};
            if (file_mkdirs(dir, 0700, &e) != 0)
                return cli_error(prog, CLI_FAIL, "%s", e.msg);
        }
    }
    if (!force && access(path, F_OK) == 0)
        return cli_error(prog, CLI_FAIL, "%s already exists (use --force to overwrite)", path);
    phase_node_config_t c;
    phase_config_init(&c);
    static const char *const listen[] = {"/ip4/0.0.0.0/tcp/4001"};
    err_t e = {0};
    int rc = phase_config_set_list(c.listen_addrs, &c.n_listen, listen, 1, &e);
    json_t *j = rc ? NULL : phase_config_to_json(&c);
    buf_t out;
    buf_init(&out, 0);
    if (!j || cjson_encode_pretty(j, &out, &e) != 0 || buf_append_byte(&out, '\n') != 0) {
        json_decref(j);
        phase_config_free(&c);
        buf_free(&out);
        return cli_error(prog, CLI_FAIL, "cannot build the config");
    }
    json_decref(j);
    phase_config_free(&c);
    if (file_write_atomic(path, out.data, out.len, 0644, false, &e) != 0) {
        buf_free(&out);
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    }
    printf("Initialized config at: %s\n%.*s", path, (int)out.len, (const char *)out.data);
    printf("Start the node:     plasmd start --config %s\n", path);
    printf("Join a network:     plasmd start --config %s --bootstrap /ip4/.../tcp/.../p2p/...\n",
           path);
    printf("Find providers:     plasmd discover --bootstrap MULTIADDR\n");
    buf_free(&out);
    return CLI_OK;
}

/* ---- plasmd start ---- */

static const char start_usage[] =
    "Usage: plasmd start [-c|--config FILE] [-l|--listen MULTIADDR]... [-p|--peer MULTIADDR]...\n"
    "                    [--bootstrap MULTIADDR]... [--key FILE] [--mdns] [--max-jobs N]\n"
    "                    [--queue N] [--log-level LEVEL]\n"
    "                    [--http HOST:PORT] [--http-token-file FILE]\n"
    "                    [--chain RPC_URL --account KEYFILE [--watchtower] [--no-serve]\n"
    "                     [--price N] [--max-bond N] [--max-fuel N] [--max-memory BYTES]\n"
    "                     [--max-active N] [--poll-ms MS] [--fee N]]\n"
    "\n"
    "Runs the Phase provider node until SIGINT/SIGTERM: libp2p (identify, ping,\n"
    "Kademlia server, optional mDNS), the job protocols /phase/job-offer/1.0.0 and\n"
    "/phase/job-relay/1.0.0, provider records for /phase/capability/<arch>/wasm and\n"
    "a signed capability record, and a pool of max_concurrent_jobs workers.\n"
    "Prints one JSON line at start: {\"peer_id\":...,\"listen\":[...]}.\n"
    "Config: FILE, else $PLASMD_HOME/config.json when it exists, else defaults\n"
    "(plasmd init writes one); flags override the file (lists replace its lists).\n"
    "Key: --key FILE, else the config's identity_path, else the node identity\n"
    "($PLASMD_HOME/identity.key), created when absent.\n"
    "Default listen address: /ip4/127.0.0.1/tcp/4001.\n"
    "--http serves the local HTTP API (docs/phase-http-api.md; config http_listen);\n"
    "an address other than 127.x needs a bearer token: --http-token-file FILE,\n"
    "$PLASMD_HTTP_TOKEN, or the config's http_token_file / http_token.\n"
    "--chain works the Aether job escrow with the account of KEYFILE (an `aether\n"
    "keys new` file) and this node's identity (docs/escrow.md): it accepts posted\n"
    "jobs it can serve (paying >= --price, bond <= --max-bond, fuel and memory within\n"
    "--max-fuel / --max-memory, default 128 MiB; at most --max-active at once,\n"
    "default 4), runs them, claims with its receipt and finalizes after the\n"
    "window. --watchtower also re-runs others' claims and challenges wrong ones;\n"
    "--no-serve accepts no jobs (a watchtower only). Polls every --poll-ms (500).\n"
    "--fee N: the fee of each of its transactions (default: from the node's base\n"
    "fee, max(2000, 1000 + size) + 2 x next base fee x size, read for each tx).\n";

static void on_signal(uv_signal_t *s, int signum)
{
    log_info("plasmd", "stopping", "signal=%d", signum);
    uv_stop(s->loop);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* --log-level for start, discover and submit. */
static int set_log_level(const char *prog, const char *arg)
{
    log_level_t lvl;
    if (log_level_parse(arg, &lvl))
        return cli_usage_error(prog, "bad --log-level '%s'", arg);
    log_set_level(lvl);
    return CLI_OK;
}

static int check_listen(const char *prog, const char *a)
{
    buf_t tmp;
    err_t e;
    buf_init(&tmp, 0);
    int bad = p2p_maddr_parse(a, &tmp, &e);
    buf_free(&tmp);
    return bad ? cli_usage_error(prog, "%s: %s", a, e.msg) : 0;
}

int plasmd_start(int argc, char **argv)
{
    const char *prog = "plasmd start";
    const char *listen[MAX_LIST], *peers[MAX_LIST], *boot[MAX_LIST];
    size_t n_listen = 0, n_peers = 0, n_boot = 0;
    const char *cfg_path = NULL, *key = NULL, *http = NULL, *http_token_file = NULL;
    bool mdns = false;
    uint64_t max_jobs = 0, queue = UINT64_MAX;
    const char *chain = NULL, *account = NULL;
    market_cfg_t mc;
    memset(&mc, 0, sizeof mc);
    mc.provide = true;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"listen", required_argument, NULL, 'l'},
        {"peer", required_argument, NULL, 'p'},    {"bootstrap", required_argument, NULL, 'b'},
        {"key", required_argument, NULL, 'k'},     {"log-level", required_argument, NULL, 'L'},
        {"mdns", no_argument, NULL, 'm'},          {"max-jobs", required_argument, NULL, 'j'},
        {"queue", required_argument, NULL, 'q'},   {"help", no_argument, NULL, 'h'},
        {"http", required_argument, NULL, 'H'},    {"http-token-file", required_argument, NULL, 'T'},
        {"chain", required_argument, NULL, 'C'},   {"account", required_argument, NULL, 'A'},
        {"watchtower", no_argument, NULL, 'W'},    {"no-serve", no_argument, NULL, 'N'},
        {"price", required_argument, NULL, 'P'},   {"max-bond", required_argument, NULL, 'B'},
        {"max-fuel", required_argument, NULL, 'F'}, {"max-memory", required_argument, NULL, 'M'},
        {"max-active", required_argument, NULL, 'X'}, {"poll-ms", required_argument, NULL, 'O'},
        {"fee", required_argument, NULL, 'E'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "+c:l:p:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'l':
        case 'p':
        case 'b': {
            const char **l = ch == 'l' ? listen : ch == 'p' ? peers : boot;
            size_t *n = ch == 'l' ? &n_listen : ch == 'p' ? &n_peers : &n_boot;
            if (*n == MAX_LIST)
                return cli_usage_error(prog, "at most %d addresses per option", MAX_LIST);
            l[(*n)++] = optarg;
            break;
        }
        case 'k':
            key = optarg;
            break;
        case 'H':
            http = optarg;
            break;
        case 'T':
            http_token_file = optarg;
            break;
        case 'm':
            mdns = true;
            break;
        case 'j':
            if (!cli_parse_u64(optarg, &max_jobs) || max_jobs == 0 || max_jobs > 256)
                return cli_usage_error(prog, "bad --max-jobs '%s' (1..256)", optarg);
            break;
        case 'q':
            if (!cli_parse_u64(optarg, &queue) || queue > 100000)
                return cli_usage_error(prog, "bad --queue '%s' (0..100000)", optarg);
            break;
        case 'L': {
            int lr = set_log_level(prog, optarg);
            if (lr != CLI_OK)
                return lr;
            break;
        }
        case 'C':
            chain = optarg;
            break;
        case 'A':
            account = optarg;
            break;
        case 'W':
            mc.watchtower = true;
            break;
        case 'N':
            mc.provide = false;
            break;
        case 'P':
        case 'B':
        case 'E': {
            chain_u128_t *v = ch == 'P' ? &mc.min_payment : ch == 'B' ? &mc.max_bond : &mc.fee;
            if (chain_u128_parse(optarg, strlen(optarg), v, NULL) != 0)
                return cli_usage_error(prog, "bad --%s '%s' (a decimal amount)",
                                       ch == 'P' ? "price" : ch == 'B' ? "max-bond" : "fee",
                                       optarg);
            mc.have_max_bond |= ch == 'B';
            mc.have_fee |= ch == 'E';
            break;
        }
        case 'F':
            if (!cli_parse_u64(optarg, &mc.max_fuel) || mc.max_fuel == 0 ||
                mc.max_fuel > CHAIN_JOB_MAX_FUEL)
                return cli_usage_error(prog, "bad --max-fuel '%s' (1..%llu)", optarg,
                                       CHAIN_JOB_MAX_FUEL);
            break;
        case 'M':
            if (!cli_parse_u64(optarg, &mc.max_memory) || mc.max_memory == 0)
                return cli_usage_error(prog, "bad --max-memory '%s' (bytes, > 0)", optarg);
            break;
        case 'X':
        case 'O': {
            uint64_t v;
            if (!cli_parse_u64(optarg, &v) || v == 0 || v > (ch == 'X' ? 256 : 60000))
                return cli_usage_error(prog, "bad --%s '%s' (1..%d)",
                                       ch == 'X' ? "max-active" : "poll-ms", optarg,
                                       ch == 'X' ? 256 : 60000);
            *(ch == 'X' ? &mc.max_active : &mc.poll_ms) = (uint32_t)v;
            break;
        }
        case 'h':
            fputs(start_usage, stdout);
            return CLI_OK;
        default:
            return cli_bad_option(prog, argv, optind, optopt, ch == ':');
        }
    }
    if (optind != argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    if (!chain != !account)
        return cli_usage_error(prog, "--chain and --account go together");
    if (!chain && (mc.watchtower || !mc.provide))
        return cli_usage_error(prog, "--watchtower and --no-serve need --chain");
    if (chain && !mc.provide && !mc.watchtower)
        return cli_usage_error(prog, "--no-serve without --watchtower leaves nothing to do");
    for (size_t i = 0; i < n_listen; i++) {
        int rc = check_listen(prog, listen[i]);
        if (rc)
            return rc;
        if (strncmp(listen[i], "/dns", 4) == 0)
            return cli_usage_error(prog, "%s: listen addresses must be /ip4 or /ip6", listen[i]);
    }
    phase_node_config_t cfg;
    phase_config_init(&cfg);
    err_t e = {0};
    char def[1100];
    if (!cfg_path && default_config_path(def, sizeof def) == 0 && access(def, F_OK) == 0)
        cfg_path = def;
    int rc = CLI_OK;
    if (cfg_path && phase_config_load(cfg_path, &cfg, &e) != 0)
        rc = cli_usage_error(prog, "%s", e.msg);
    if (!rc && n_listen && phase_config_set_list(cfg.listen_addrs, &cfg.n_listen, listen,
                                                 n_listen, &e))
        rc = cli_usage_error(prog, "%s", e.msg);
    if (!rc && n_peers && phase_config_set_list(cfg.peer_addrs, &cfg.n_peers, peers, n_peers, &e))
        rc = cli_usage_error(prog, "%s", e.msg);
    if (!rc && n_boot &&
        phase_config_set_list(cfg.bootstrap_peers, &cfg.n_bootstrap, boot, n_boot, &e))
        rc = cli_usage_error(prog, "%s", e.msg);
    if (rc) {
        phase_config_free(&cfg);
        return rc;
    }
    for (size_t i = 0; i < cfg.n_listen; i++)
        if ((rc = check_listen(prog, cfg.listen_addrs[i]))) {
            phase_config_free(&cfg);
            return rc;
        }
    if (mdns)
        cfg.mdns = true;
    if ((http && !(cfg.http_listen = strdup(http))) ||
        (http_token_file && !(cfg.http_token_file = strdup(http_token_file)))) {
        phase_config_free(&cfg);
        return cli_error(prog, CLI_FAIL, "out of memory");
    }
    if (http_token_file) {
        free(cfg.http_token);
        cfg.http_token = NULL;
    }
    const char *env_token = getenv("PLASMD_HTTP_TOKEN");
    if (env_token && *env_token && !http_token_file) {
        free(cfg.http_token);
        if (!(cfg.http_token = strdup(env_token))) {
            phase_config_free(&cfg);
            return cli_error(prog, CLI_FAIL, "out of memory");
        }
    }
    if (max_jobs)
        cfg.max_concurrent_jobs = (uint32_t)max_jobs;
    if (queue != UINT64_MAX)
        cfg.queue_depth = (uint32_t)queue;
    if (crypto_init() != 0) {
        phase_config_free(&cfg);
        return CLI_FAIL;
    }
    if (account && chain_key_load(account, &mc.account, &e) != 0) {
        phase_config_free(&cfg);
        return cli_usage_error(prog, "--account: %s", e.msg);
    }
    mc.rpc_url = chain;
    char idpath[1100];
    const char *ip = key ? key : cfg.identity_path;
    if (!ip) {
        if (phase_identity_path(idpath, sizeof idpath, &e) != 0) {
            phase_config_free(&cfg);
            return cli_error(prog, CLI_FAIL, "%s", e.msg);
        }
        ip = idpath;
    }
    phase_identity_t id;
    bool created = false;
    if (phase_identity_load_or_create(ip, &id, &created, &e) != 0) {
        phase_config_free(&cfg);
        return cli_usage_error(prog, "key file %s", e.msg);
    }
    log_info("plasmd", created ? "identity created" : "identity loaded", "file=%s", ip);
    uv_loop_t loop;
    uv_loop_init(&loop);
    phase_node_t *node = phase_node_new(&loop, &cfg, &id, &e);
    mc.identity = id;   /* the node's identity signs escrow receipts too */
    phase_identity_wipe(&id);
    market_t *market = NULL;
    uv_signal_t sigint, sigterm;
    uv_signal_init(&loop, &sigint);
    uv_signal_init(&loop, &sigterm);
    phase_http_t *api = NULL;
    char *token = NULL;
    if (!node) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
    } else if (phase_node_start(node, &e) != 0) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
    } else if (cfg.http_listen && phase_config_http_token(&cfg, &token, &e) != 0) {
        rc = cli_usage_error(prog, "%s", e.msg);
    } else if (cfg.http_listen &&
               !(api = phase_http_start(node,
                                        &(phase_http_cfg_t){.listen = cfg.http_listen,
                                                            .token = token,
                                                            .max_body = cfg.http_max_body},
                                        &e))) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
    } else if (chain && (!(market = market_new(&mc, &e)) || market_start(market, &e) != 0)) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
    } else {
        buf_t text;
        buf_init(&text, 0);
        json_t *arr = json_array();
        if (phase_node_listen_addrs(node, &text) == 0 && text.len) {
            char *save = NULL;
            for (char *l = strtok_r((char *)text.data, "\n", &save); l;
                 l = strtok_r(NULL, "\n", &save))
                json_array_append_new(arr, json_string(l));
        }
        buf_free(&text);
        json_t *j = json_pack("{s:s,s:o}", "peer_id", phase_node_peer_id(node), "listen", arr);
        if (api) {
            char url[64];
            snprintf(url, sizeof url, "%.40s", cfg.http_listen);
            char *colon = strrchr(url, ':');
            if (colon)
                snprintf(colon + 1, sizeof url - (size_t)(colon + 1 - url), "%u",
                         (unsigned)phase_http_port(api));
            json_object_set_new(j, "http", json_string(url));
        }
        char *s = json_dumps(j, JSON_COMPACT);
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(j);
        fflush(stdout);
        uv_signal_start(&sigint, on_signal, SIGINT);
        uv_signal_start(&sigterm, on_signal, SIGTERM);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    market_free(market);
    chain_key_wipe(&mc.account);
    phase_identity_wipe(&mc.identity);
    phase_http_stop(api);
    phase_node_free(node);
    uv_close((uv_handle_t *)&sigint, NULL);
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&loop);
    phase_config_free(&cfg);
    return rc;
}

/* ---- plasmd discover ---- */

static const char discover_usage[] =
    "Usage: plasmd discover --bootstrap MULTIADDR... [--arch ARCH] [--min-memory BYTES]\n"
    "                       [--timeout MS] [--json]\n"
    "\n"
    "Lists live providers: the DHT's provider records for\n"
    "/phase/capability/<arch>/wasm whose signed capability record verifies and has\n"
    "not expired, best first (load, then price). --json prints one JSON array.\n";

static json_t *provider_json(const phase_provider_t *p)
{
    const phase_capabilities_t *c = &p->caps;
    char pk[2 * PHASE_PK_BYTES + 1], exp[TS_STR_MAX];
    hex_encode(p->pk, PHASE_PK_BYTES, pk);
    if (ts_format(c->expires_at, exp) < 0)
        exp[0] = 0;
    json_t *a = json_array();
    for (size_t i = 0; i < c->n_addrs; i++)
        json_array_append_new(a, json_string(c->addrs[i]));
    return json_pack("{s:s,s:s,s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:s,s:o,s:s}",
                     "peer_id", c->peer_id, "pubkey", pk, "arch", c->arch, "cpu_count",
                     (json_int_t)c->cpu_count, "memory_mb", cjson_u64(c->memory_mb),
                     "max_concurrent_jobs", (json_int_t)c->max_concurrent_jobs,
                     "current_concurrency", (json_int_t)c->current_concurrency, "queue_depth",
                     (json_int_t)c->queue_depth, "queue_max", (json_int_t)c->queue_max,
                     "max_memory_bytes", cjson_u64(c->max_memory_bytes), "max_timeout_seconds",
                     cjson_u64(c->max_timeout_seconds), "max_fuel", cjson_u64(c->max_fuel),
                     "price_per_fuel", cjson_u64(c->price_per_fuel), "engine_version",
                     c->engine_version, "addrs", a, "expires_at", exp);
}

/* The options of discover and submit (--bootstrap, --timeout and
 * --log-level are both's), each in its command's table. */
typedef struct client_opts {
    const char *boot[MAX_LIST], *provs[MAX_LIST];
    size_t n_boot, n_provs;
    const char *receipt, *arch;
    bool json;
    uint64_t timeout_ms, min_memory, fuel, memory;
} client_opts_t;

static int client_opt(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    client_opts_t *o = ctx;
    switch (c) {
    case 'P':
    case 'b': {
        const char **l = c == 'P' ? o->provs : o->boot;
        size_t *n = c == 'P' ? &o->n_provs : &o->n_boot;
        if (*n == MAX_LIST)
            return cli_usage_error(prog, "at most %d %s", MAX_LIST, name);
        l[(*n)++] = arg;
        return -1;
    }
    case 'L': {
        int lr = set_log_level(prog, arg);
        return lr == CLI_OK ? -1 : lr;
    }
    case 'r': o->receipt = arg; return -1;
    case 'a': o->arch = arg; return -1;
    case 'j': o->json = true; return -1;
    case 'M':
        if (!cli_parse_u64(arg, &o->min_memory))
            return cli_usage_error(prog, "bad %s '%s'", name, arg);
        return -1;
    case 'f':
    case 'm':
    case 't': {
        uint64_t *v = c == 't' ? &o->timeout_ms : c == 'f' ? &o->fuel : &o->memory;
        if (!cli_parse_u64(arg, v) || *v == 0)
            return cli_usage_error(prog, "bad %s '%s'", name, arg);
        return -1;
    }
    default:
        return CLI_NOT_MINE;
    }
}

int plasmd_discover(int argc, char **argv)
{
    log_set_level(LOG_WARN); /* a client prints only what matters; --log-level changes it */
    const char *prog = "plasmd discover";
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'}, {"arch", required_argument, NULL, 'a'},
        {"min-memory", required_argument, NULL, 'M'}, {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},             {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    client_opts_t co = {0};
    int orc = cli_getopt(prog, discover_usage, NULL, argc, argv, "+:h", opts, false, client_opt,
                         &co);
    if (orc >= 0)
        return orc;
    phase_discover_opts_t o = {.arch = co.arch, .min_memory_bytes = co.min_memory,
                               .timeout_ms = co.timeout_ms};
    bool as_json = co.json;
    const char **boot = co.boot;
    size_t n_boot = co.n_boot;
    if (!n_boot)
        return cli_usage_error(prog, "--bootstrap MULTIADDR is required");
    for (size_t i = 0; i < n_boot; i++) {
        int rc = check_listen(prog, boot[i]);
        if (rc)
            return rc;
    }
    if (crypto_init() != 0)
        return CLI_FAIL;
    o.bootstrap = boot;
    o.n_bootstrap = n_boot;
    phase_provider_t *ps = NULL;
    size_t n = 0;
    err_t e = {0};
    if (phase_discover(&o, &ps, &n, &e) != 0)
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    if (as_json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, provider_json(&ps[i]));
        char *s = cjson_encode_str(a, NULL);
        printf("%s\n", s ? s : "[]");
        free(s);
        json_decref(a);
    } else {
        printf("%zu provider(s)\n", n);
        for (size_t i = 0; i < n; i++) {
            const phase_capabilities_t *c = &ps[i].caps;
            printf("%s  %s  mem %llu MiB  timeout %llu s  fuel %llu  jobs %u/%u  queue %u/%u  "
                   "price %llu  %s\n",
                   c->peer_id, c->arch, (unsigned long long)(c->max_memory_bytes >> 20),
                   (unsigned long long)c->max_timeout_seconds, (unsigned long long)c->max_fuel,
                   c->current_concurrency, c->max_concurrent_jobs, c->queue_depth, c->queue_max,
                   (unsigned long long)c->price_per_fuel, c->n_addrs ? c->addrs[0] : "-");
        }
    }
    free(ps);
    return CLI_OK;
}

/* ---- plasmd submit ---- */

static const char submit_usage[] =
    "Usage: plasmd submit [--provider PEER_ID|MULTIADDR]... [--bootstrap MULTIADDR]...\n"
    "                     [--receipt FILE] [--fuel N] [--memory BYTES] [--timeout MS]\n"
    "                     job.wasm [args...] < stdin\n"
    "\n"
    "Runs job.wasm on a Phase provider: picks one by discovery (through the\n"
    "--bootstrap nodes; best fit on limits, load and price) unless --provider is\n"
    "given, offers the job, sends it with stdin, checks the signed receipt against\n"
    "the provider's peer key and the output received, then writes the job's stdout\n"
    "and stderr to its own and exits with the job's exit code. A provider that\n"
    "rejects, disconnects or times out is skipped for the next one (said on\n"
    "stderr). A receipt that does not match is an error (exit 1).\n"
    "--receipt FILE writes the provider's SignedReceipt (JSON).\n";

static void print_note(const char *line, void *ud)
{
    fprintf(stderr, "plasmd submit: %s\n", line);
}

int plasmd_submit(int argc, char **argv)
{
    log_set_level(LOG_WARN); /* a client prints only what matters; --log-level changes it */
    const char *prog = "plasmd submit";
    static const struct option opts[] = {
        {"provider", required_argument, NULL, 'P'}, {"bootstrap", required_argument, NULL, 'b'},
        {"receipt", required_argument, NULL, 'r'},  {"fuel", required_argument, NULL, 'f'},
        {"memory", required_argument, NULL, 'm'},   {"timeout", required_argument, NULL, 't'},
        {"log-level", required_argument, NULL, 'L'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    client_opts_t co = {0};
    int orc = cli_getopt(prog, submit_usage, NULL, argc, argv, "+:h", opts, true, client_opt,
                         &co);
    if (orc >= 0)
        return orc;
    phase_submit_opts_t o = {.fuel = co.fuel, .memory_bytes = co.memory,
                             .timeout_ms = co.timeout_ms};
    const char **provs = co.provs, **boot = co.boot;
    size_t n_provs = co.n_provs, n_boot = co.n_boot;
    const char *receipt = co.receipt;
    if (optind >= argc)
        return cli_usage_error(prog, "missing job.wasm");
    if (!n_provs && !n_boot)
        return cli_usage_error(prog, "give --provider or --bootstrap (for discovery)");
    for (size_t i = 0; i < n_boot; i++) {
        int rc = check_listen(prog, boot[i]);
        if (rc)
            return rc;
    }
    const char *wasm = argv[optind];
    uint8_t *mod = NULL, *in = NULL;
    size_t mod_len = 0, in_len = 0;
    err_t e = {0};
    if (file_read_all(wasm, PHASE_MODULE_MAX, &mod, &mod_len, &e) != 0)
        return cli_usage_error(prog, "%s", e.msg);
    buf_t inb;
    buf_init(&inb, PHASE_STDIN_MAX);
    if (!isatty(0)) {
        uint8_t chunk[65536];
        ssize_t r;
        while ((r = read(0, chunk, sizeof chunk)) > 0)
            if (buf_append(&inb, chunk, (size_t)r) != 0)
                break;
        if (!buf_ok(&inb)) {
            free(mod);
            buf_free(&inb);
            return cli_usage_error(prog, "stdin exceeds %u bytes", PHASE_STDIN_MAX);
        }
    }
    in = inb.data;
    in_len = inb.len;
    if (crypto_init() != 0) {
        free(mod);
        buf_free(&inb);
        return CLI_FAIL;
    }
    /* the manifest is signed by the node identity when there is one, else
     * by a fresh key */
    phase_identity_t signer;
    char idpath[1100];
    if (phase_identity_path(idpath, sizeof idpath, NULL) != 0 ||
        phase_identity_load(idpath, &signer, NULL) != 0) {
        uint8_t seed[PHASE_SEED_BYTES];
        crypto_random(seed, sizeof seed);
        phase_identity_from_seed(seed, &signer);
        crypto_wipe(seed, sizeof seed);
    }
    o.module = mod;
    o.module_len = mod_len;
    o.args = (const char *const *)argv + optind + 1;
    o.n_args = (size_t)(argc - optind - 1);
    o.stdin_data = in;
    o.stdin_len = in_len;
    o.providers = provs;
    o.n_providers = n_provs;
    o.bootstrap = boot;
    o.n_bootstrap = n_boot;
    o.signer = &signer;
    o.on_note = print_note;
    phase_submit_result_t r;
    int rc = phase_submit(&o, &r, &e);
    phase_identity_wipe(&signer);
    free(mod);
    buf_free(&inb);
    if (rc != 0) {
        phase_submit_result_free(&r);
        return cli_error(prog, CLI_FAIL, "%s", e.msg);
    }
    if (receipt) {
        size_t l = strlen(r.receipt_json);
        if (file_write_atomic(receipt, r.receipt_json, l, 0644, false, &e) != 0) {
            phase_submit_result_free(&r);
            return cli_error(prog, CLI_FAIL, "%s", e.msg);
        }
    }
    fwrite(r.out.data, 1, r.out.len, stdout);
    fflush(stdout);
    fwrite(r.err.data, 1, r.err.len, stderr);
    int code = r.exit_code;
    phase_submit_result_free(&r);
    return code;
}

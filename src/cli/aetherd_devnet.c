/* aetherd devnet: a local BFT network in one command. Makes (or reuses)
 * validator keys, a faucet account and a genesis under DIR, one directory
 * per node with everything it needs to run alone (key, genesis, run.sh),
 * then runs every validator as a child process (`aetherd run`) on loopback
 * until SIGINT/SIGTERM, reporting a child that dies. */
#include "cli.h"
#include "aetherd_cmds.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chain/node/node.h"
#include "p2p/p2p.h"

#define PROG "aetherd devnet"
#define DEVNET_MAX 64

static const char usage[] =
    "Usage: aetherd devnet --validators N --dir DIR [--base-port P] [--chain-id N]\n"
    "                      [--base-timeout-ms N] [--max-timeout-ms N]\n"
    "                      [--log-level L] [--no-start]\n"
    "                      [--staking] [--staking-param NAME=VALUE]...\n"
    "\n"
    "Runs N BFT validators (1..64) on 127.0.0.1. The first time it writes under\n"
    "DIR: faucet.key (an account funded in genesis), genesis.json, and per node\n"
    "node<i>/ with validator.key, genesis.json and run.sh (the `aetherd run`\n"
    "command that runs that node alone). Later runs with the same DIR and N\n"
    "reuse them. Node i listens for libp2p on P+2i and JSON-RPC on P+2i+1\n"
    "(P defaults to 26600); each command line and RPC URL is printed. The nodes\n"
    "log to node<i>/log.txt. Ctrl-C (or SIGTERM) stops them all; a node that\n"
    "dies is reported. --no-start writes the files and prints the commands only.\n"
    "The round timeout starts at --base-timeout-ms (default 1000) and backs off\n"
    "up to --max-timeout-ms (default 30000); both go into a new genesis.\n"
    "--staking turns staking on in a new genesis (docs/staking.md): the N\n"
    "validators are the stakers of block 0 (stake 100 each), the validator set\n"
    "follows stake at every epoch, and more validators can join with `aether\n"
    "validator register`. --staking-param sets one staking parameter (implies\n"
    "--staking), e.g. epoch_blocks=50 or unbonding_blocks=200.\n";

static int write_file(const char *path, const char *text, unsigned mode, bool exclusive)
{
    err_t e = {0};
    if (file_write_atomic(path, text, strlen(text), mode, exclusive, &e) != 0)
        return cli_error(PROG, CLI_FAIL, "cannot write %s: %s", path, e.msg);
    return 0;
}

/* Keys and genesis (when DIR has none yet): made and checked in memory
 * first, so a genesis the nodes would refuse leaves nothing behind. */
static int make_files(const char *dir, unsigned n, uint64_t chain_id, uint64_t base_to,
                      uint64_t max_to, json_t *staking)
{
    char path[4096];
    err_t e = {0};
    node_genesis_t g;
    memset(&g, 0, sizeof g);
    g.validators = calloc(n, sizeof *g.validators);
    node_key_t *keys = calloc(n + 1, sizeof *keys);   /* the validators', then the faucet's */
    chain_genesis_alloc_t alloc;
    if (!g.validators || !keys) {
        free(g.validators);
        free(keys);
        return cli_error(PROG, CLI_FAIL, "out of memory");
    }
    int rc = 0;
    for (unsigned i = 0; i < n && !rc; i++) {
        node_key_generate(&keys[i]);
        json_t *ent = NULL;
        if (!(ent = node_validator_entry_json(&keys[i], 100, &e)) ||
            node_validator_from_json(ent, &g.validators[i], "validator", &e) != 0)
            rc = cli_error(PROG, CLI_FAIL, "%s", e.msg);
        json_decref(ent);
    }
    char *txt = NULL;
    if (rc) {
        free(g.validators);
        goto out;
    }
    node_key_generate(&keys[n]);
    alloc.addr = keys[n].addr;
    alloc.balance = chain_u128_from_u64(UINT64_MAX);   /* plenty for benchmarks */
    g.bft = true;
    g.n_validators = n;
    g.cons.epoch_len = 100;
    g.cons.base_timeout_ms = base_to;
    g.cons.max_timeout_ms = max_to;
    g.cons.min_fee = chain_u128_from_u64(1000);
    crypto_random(g.cons.seed, sizeof g.cons.seed);
    g.g.chain_id = chain_id;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    g.g.timestamp_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
    memcpy(g.g.proposer_pk, g.validators[0].account_pk, CHAIN_PK_BYTES);
    g.g.accounts = &alloc;
    g.g.n_accounts = 1;
    g.g.certified = true;
    json_t *j = node_genesis_json(&g);
    free(g.validators);
    if (j && staking)
        json_object_set(j, "staking", staking);
    /* what the nodes will load, checked before anything is written (a bad
     * --staking-param must not leave a genesis behind for the next run) */
    node_genesis_t chk;
    if (j && node_genesis_from_json(j, &chk, &e) != 0) {
        json_decref(j);
        rc = cli_usage_error(PROG, "the genesis would not load: %s", e.msg);
        goto out;
    }
    if (j)
        node_genesis_free(&chk);
    txt = j ? cjson_encode_pretty_str(j, NULL) : NULL;
    json_decref(j);
    rc = txt ? CLI_OK : cli_error(PROG, CLI_FAIL, "out of memory");
    for (unsigned i = 0; i < n && !rc; i++) {   /* node<i>/: key, genesis */
        snprintf(path, sizeof path, "%s/node%u", dir, i);
        if (file_mkdirs(path, 0700, &e) != 0) {
            rc = cli_error(PROG, CLI_FAIL, "%s", e.msg);
            break;
        }
        snprintf(path, sizeof path, "%s/node%u/validator.key", dir, i);
        if (node_key_save(path, &keys[i], false, &e) != 0) {
            rc = cli_error(PROG, CLI_FAIL, "%s", e.msg);
            break;
        }
        snprintf(path, sizeof path, "%s/node%u/genesis.json", dir, i);
        rc = write_file(path, txt, 0644, true);
    }
    snprintf(path, sizeof path, "%s/faucet.key", dir);
    if (!rc && node_key_save(path, &keys[n], false, &e) != 0)
        rc = cli_error(PROG, CLI_FAIL, "%s", e.msg);
    /* DIR/genesis.json last: its presence means the directory is complete */
    snprintf(path, sizeof path, "%s/genesis.json", dir);
    if (!rc)
        rc = write_file(path, txt, 0644, true);
out:
    for (unsigned i = 0; i <= n; i++)
        node_key_wipe(&keys[i]);
    free(keys);
    free(txt);
    return rc;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

int aetherd_devnet_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"validators", required_argument, NULL, 'n'},
        {"dir", required_argument, NULL, 'd'},
        {"base-port", required_argument, NULL, 'p'},
        {"chain-id", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'},
        {"no-start", no_argument, NULL, 's'},
        {"base-timeout-ms", required_argument, NULL, 1},
        {"max-timeout-ms", required_argument, NULL, 2},
        {"staking", no_argument, NULL, 3},
        {"staking-param", required_argument, NULL, 4},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t n = 0, base = 26600, chain_id = 900, base_to = 1000, max_to = 30000;
    const char *dir = NULL, *level = "info";
    bool start = true, staking = false;
    const char *sparams[64];   /* --staking-param, applied to a new genesis */
    size_t n_sparams = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:d:p:c:l:sh", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!cli_parse_u64(optarg, &n) || n == 0 || n > DEVNET_MAX)
                return cli_usage_error(PROG, "--validators '%s': a number from 1 to %d", optarg,
                                       DEVNET_MAX);
            break;
        case 'd': dir = optarg; break;
        case 'p':
            if (!cli_parse_u64(optarg, &base) || base == 0 || base > 65535)
                return cli_usage_error(PROG, "--base-port '%s': a port number", optarg);
            break;
        case 'c':
            if (!cli_parse_u64(optarg, &chain_id))
                return cli_usage_error(PROG, "--chain-id '%s' is not a number", optarg);
            break;
        case 'l': {
            log_level_t lvl;
            if (log_level_parse(optarg, &lvl) != 0)
                return cli_usage_error(PROG, "--log-level '%s': use debug, info, warn or error",
                                       optarg);
            level = optarg;
            break;
        }
        case 's': start = false; break;
        case 1:
        case 2: {
            uint64_t *dst = c == 1 ? &base_to : &max_to;
            if (!cli_parse_u64(optarg, dst) || *dst == 0 || *dst > 3600000)
                return cli_usage_error(PROG, "--%s '%s': milliseconds from 1 to 3600000",
                                       c == 1 ? "base-timeout-ms" : "max-timeout-ms", optarg);
            break;
        }
        case 3: staking = true; break;
        case 4: {
            json_t *t = json_object();   /* the syntax is checked now */
            int r = t ? aetherd_staking_param(PROG, optarg, t)
                      : cli_error(PROG, CLI_FAIL, "out of memory");
            json_decref(t);
            if (r >= 0)
                return r;
            if (n_sparams == sizeof sparams / sizeof *sparams)
                return cli_usage_error(PROG, "too many --staking-param options");
            sparams[n_sparams++] = optarg;
            staking = true;
            break;
        }
        case 'h': fputs(usage, stdout); return CLI_OK;
        default:
            return cli_bad_option(PROG, argv, optind, optopt,
                                  c == ':' || (optopt && strchr("ndpcl", optopt)) ||
                                      optopt == 1 || optopt == 2 || optopt == 4);
        }
    }
    if (optind < argc)
        return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if (!n || !dir)
        return cli_usage_error(PROG, "--validators N and --dir DIR are required");
    if (max_to < base_to)
        return cli_usage_error(PROG, "--max-timeout-ms is below --base-timeout-ms");
    if (base + 2 * n > 65535)
        return cli_usage_error(PROG, "--base-port %llu leaves no room for %llu nodes",
                               (unsigned long long)base, (unsigned long long)n);
    if (crypto_init() != 0)
        return cli_error(PROG, CLI_FAIL, "libsodium failed to initialise");
    err_t e = {0};
    char path[4096];
    if (file_mkdirs(dir, 0700, &e) != 0)
        return cli_error(PROG, CLI_FAIL, "%s", e.msg);
    snprintf(path, sizeof path, "%s/genesis.json", dir);
    node_genesis_t g;
    if (access(path, F_OK) != 0) {
        json_t *st = staking ? json_object() : NULL;
        int rc = staking && !st ? cli_error(PROG, CLI_FAIL, "out of memory") : CLI_OK;
        for (size_t i = 0; i < n_sparams && rc == CLI_OK; i++)
            if (aetherd_staking_param(PROG, sparams[i], st) >= 0)
                rc = CLI_USAGE;
        if (rc == CLI_OK)
            rc = make_files(dir, (unsigned)n, chain_id, base_to, max_to, st);
        json_decref(st);
        if (rc)
            return rc;
    } else if (staking) {
        /* an existing genesis is reused as it is */
        fprintf(stderr, "%s: %s exists: its staking section is used as it is (--staking and "
                        "--staking-param only shape a new genesis)\n", PROG, path);
    }
    if (node_genesis_load(path, &g, &e) != 0)
        return cli_error(PROG, CLI_USAGE, "%s", e.msg);
    if (!g.bft || g.n_validators != n) {
        node_genesis_free(&g);
        return cli_usage_error(PROG, "%s holds a genesis of %zu validators, not %llu (use "
                               "another --dir)", path, g.n_validators, (unsigned long long)n);
    }
    char exe[4096];
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (el <= 0) {
        node_genesis_free(&g);
        return cli_error(PROG, CLI_FAIL, "cannot find the aetherd executable");
    }
    exe[el] = 0;
    /* per node: run.sh with its command line */
    char **cmds = calloc(n, sizeof *cmds);
    pid_t *pids = calloc(n, sizeof *pids);
    int rc = cmds && pids ? CLI_OK : cli_error(PROG, CLI_FAIL, "out of memory");
    for (unsigned i = 0; i < n && rc == CLI_OK; i++) {
        buf_t cmd;
        buf_init(&cmd, 0);
        buf_printf(&cmd, "%s run --data %s/node%u/data --genesis %s/node%u/genesis.json "
                         "--key %s/node%u/validator.key --p2p 127.0.0.1:%llu "
                         "--rpc 127.0.0.1:%llu --log-level %s",
                   exe, dir, i, dir, i, dir, i, (unsigned long long)(base + 2 * i),
                   (unsigned long long)(base + 2 * i + 1), level);
        for (unsigned k = 0; k < n; k++) {
            if (k == i)
                continue;
            char pid[P2P_PEER_ID_STR_MAX];
            p2p_peer_id_t id;
            p2p_peer_id_from_pubkey(g.validators[k].account_pk, &id);
            p2p_peer_id_format(&id, pid);
            buf_printf(&cmd, " --peer /ip4/127.0.0.1/tcp/%llu/p2p/%s",
                       (unsigned long long)(base + 2 * k), pid);
        }
        buf_terminate(&cmd);
        cmds[i] = buf_ok(&cmd) ? (char *)buf_steal(&cmd, NULL) : NULL;
        buf_free(&cmd);
        if (!cmds[i]) {
            rc = cli_error(PROG, CLI_FAIL, "out of memory");
            break;
        }
        char script[8192];
        snprintf(path, sizeof path, "%s/node%u/run.sh", dir, i);
        snprintf(script, sizeof script, "#!/bin/sh\nexec %s \"$@\"\n", cmds[i]);
        if ((rc = write_file(path, script, 0755, false)) != 0)   /* rewritten each run */
            break;
        printf("node%u: rpc http://127.0.0.1:%llu\n  %s\n", i,
               (unsigned long long)(base + 2 * i + 1), cmds[i]);
    }
    fflush(stdout);
    node_genesis_free(&g);
    if (rc != CLI_OK || !start)
        goto done;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    unsigned alive = 0;
    for (unsigned i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/node%u/log.txt", dir, i);
        pid_t p = fork();
        if (p == 0) {
            char run[4096];
            snprintf(run, sizeof run, "%s/node%u/run.sh", dir, i);
            FILE *f = freopen(path, "a", stdout);
            if (f && dup2(fileno(stdout), 2) >= 0)
                execl("/bin/sh", "sh", run, (char *)NULL);
            _exit(127);
        }
        if (p < 0) {
            rc = cli_error(PROG, CLI_FAIL, "cannot start node%u: %s", i, strerror(errno));
            got_signal = SIGTERM;
            break;
        }
        pids[i] = p;
        alive++;
    }
    if (alive)
        printf("devnet: %u validators running (logs in %s/node*/log.txt); Ctrl-C stops them\n",
               alive, dir);
    fflush(stdout);
    while (alive && !got_signal) {
        int status;
        pid_t p = waitpid(-1, &status, 0);
        if (p < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (unsigned i = 0; i < n; i++) {
            if (pids[i] != p)
                continue;
            pids[i] = 0;
            alive--;
            if (WIFSIGNALED(status))
                fprintf(stderr, "devnet: node%u (pid %d) was killed by signal %d; see %s/node%u/log.txt\n",
                        i, (int)p, WTERMSIG(status), dir, i);
            else
                fprintf(stderr, "devnet: node%u (pid %d) exited with status %d; see %s/node%u/log.txt\n",
                        i, (int)p, WEXITSTATUS(status), dir, i);
            rc = CLI_FAIL;
        }
    }
    /* stop the others: SIGTERM, then SIGKILL after 10 s */
    for (unsigned i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
    for (int t = 0; t < 100 && alive; t++) {
        for (unsigned i = 0; i < n; i++) {
            int status;
            if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                pids[i] = 0;
                alive--;
            }
        }
        if (alive)
            usleep(100000);
    }
    for (unsigned i = 0; i < n; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
        }
    if (got_signal)
        printf("devnet: stopped\n");
done:
    for (unsigned i = 0; cmds && i < n; i++)
        free(cmds[i]);
    free(cmds);
    free(pids);
    return rc;
}

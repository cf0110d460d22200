/* aether validator | delegate | undelegate | redelegate | withdraw | rewards |
 * validators: staking (issue 15, docs/staking.md) from the command line.
 * Parses arguments and prints; chain/client builds, signs and sends the
 * transactions and makes the queries. */
#include "cli.h"
#include "aether_cmds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/client/client.h"
#include "chain_cli.h"

typedef struct stake_opts {
    chain_cli_wallet_t w;
    const char *usage;   /* the command's usage: the options it takes */
    bool reads;          /* a read-only command: no wallet options but --rpc */
    const char *evidence_file, *evidence_hex;
    bool json, have_amount, have_bps, have_validator, have_to, have_address,
        have_epoch, have_min_self;
    chain_u128_t amount, min_self;
    uint64_t bps, epoch;
    chain_addr_t validator, to, address;
} stake_opts_t;

/* Whether the command whose usage is o->usage takes the option NAME: the commands
 * share one option table, so 'aether validators --wait' or 'aether delegate --epoch 3'
 * would otherwise be accepted and silently ignored. */
static bool takes_option(const stake_opts_t *o, const char *name)
{
    static const char *const wallet[] = {"--key", "--rpc", "--fee", "--nonce", "--wait",
                                         "--timeout"};
    if (!o->reads)
        for (size_t i = 0; i < sizeof wallet / sizeof wallet[0]; i++)
            if (strcmp(name, wallet[i]) == 0)
                return true;
    size_t n = strlen(name);
    for (const char *p = strstr(o->usage, name); p; p = strstr(p + 1, name)) {
        char next = p[n];
        if (!(next >= 'a' && next <= 'z') && next != '-')
            return true;
    }
    return false;
}

static int stake_opt(void *ctx, const char *prog, int c, const char *name, const char *arg)
{
    stake_opts_t *o = ctx;
    int rc;
    if (!takes_option(o, name))
        return cli_usage_error(prog, "this command does not take %s", name);
    switch (c) {
    case 'j': o->json = true; return -1;
    case 'E': o->evidence_hex = arg; return -1;
    case 'F': o->evidence_file = arg; return -1;
    case 'a':   /* --stake is --amount under register's name; errors say which was given */
        if ((rc = chain_cli_amount_opt(prog, name, arg, true, &o->amount)) >= 0)
            return rc;
        o->have_amount = true;
        return -1;
    case 'm':
        if ((rc = chain_cli_amount_opt(prog, name, arg, false, &o->min_self)) >= 0)
            return rc;
        o->have_min_self = true;
        return -1;
    case 'c':
        if (!cli_parse_u64(arg, &o->bps) || o->bps > 10000)
            return cli_usage_error(prog, "--commission '%s': basis points 0..10000", arg);
        o->have_bps = true;
        return -1;
    case 'e':
        if (!cli_parse_u64(arg, &o->epoch))
            return cli_usage_error(prog, "--epoch '%s' is not an epoch number", arg);
        o->have_epoch = true;
        return -1;
    case 'v':
    case 't':
    case 'A': {
        chain_addr_t *a = c == 'v' ? &o->validator : c == 't' ? &o->to : &o->address;
        if ((rc = chain_cli_addr_opt(prog, name, arg, a)) >= 0)
            return rc;
        *(c == 'v' ? &o->have_validator : c == 't' ? &o->have_to : &o->have_address) = true;
        return -1;
    }
    default:
        return CLI_NOT_MINE;
    }
}

/* Returns -1 when parsing succeeded, else the exit code. */
static int parse(const char *prog, const char *usage, int argc, char **argv, stake_opts_t *o)
{
    static const struct option longs[] = {
        CHAIN_CLI_WALLET_OPTIONS,                    {"amount", required_argument, NULL, 'a'},
        {"stake", required_argument, NULL, 'a'},     {"commission", required_argument, NULL, 'c'},
        {"bps", required_argument, NULL, 'c'},       {"validator", required_argument, NULL, 'v'},
        {"from", required_argument, NULL, 'v'},      {"to", required_argument, NULL, 't'},
        {"address", required_argument, NULL, 'A'},   {"epoch", required_argument, NULL, 'e'},
        {"evidence", required_argument, NULL, 'E'},  {"evidence-file", required_argument, NULL, 'F'},
        {"min-self-stake", required_argument, NULL, 'm'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->usage = usage;
    /* the read-only commands name [--rpc URL] in their usage; the others send */
    o->reads = strstr(usage, "[--rpc URL]") != NULL;
    chain_cli_wallet_init(&o->w, 60);
    return chain_cli_getopt(prog, usage, o->reads ? NULL : CHAIN_CLI_WALLET_HELP, argc, argv,
                            ":h", longs, false, stake_opt, o, &o->w);
}

static int read_evidence(const char *prog, const stake_opts_t *o, buf_t *out)
{
    err_t e = {0};
    char *text = NULL;
    if (o->evidence_file) {
        uint8_t *d = NULL;
        size_t n = 0;
        if (file_read_all(o->evidence_file, 2 * CHAIN_STAKE_MAX_EVIDENCE + 16, &d, &n, &e) != 0)
            return cli_error(prog, CLI_USAGE, "%s: %s", o->evidence_file, e.msg);
        text = malloc(n + 1);
        if (!text) {
            free(d);
            return cli_error(prog, CLI_FAIL, "out of memory");
        }
        memcpy(text, d, n);
        text[n] = 0;
        free(d);
        while (n && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
            text[--n] = 0;
    } else if (o->evidence_hex) {
        text = strdup(o->evidence_hex);
        if (!text)
            return cli_error(prog, CLI_FAIL, "out of memory");
    } else {
        return cli_usage_error(prog, "--evidence HEX or --evidence-file FILE is required");
    }
    const char *h = text;
    if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
        h += 2;
    size_t n = strlen(h);
    int rc = -1;
    if (n == 0 || n % 2 || n / 2 > CHAIN_STAKE_MAX_EVIDENCE) {
        rc = cli_usage_error(prog, "evidence: expected 1..%d bytes of hex", CHAIN_STAKE_MAX_EVIDENCE);
    } else {
        uint8_t *b = malloc(n / 2);
        if (!b || hex_decode(h, n, b, n / 2, NULL) != 0) {
            free(b);
            rc = cli_usage_error(prog, "evidence: not hex");
        } else if (buf_append(out, b, n / 2) != 0) {
            free(b);
            rc = cli_error(prog, CLI_FAIL, "out of memory");
        } else {
            free(b);
        }
    }
    free(text);
    return rc;
}

/* Builds the body from the options (kind's required ones checked), sends
 * it, prints {"hash","kind",["receipt"]}. */
static int send_stake(const char *prog, const char *usage, uint8_t kind, int argc, char **argv)
{
    stake_opts_t o;
    int rc = parse(prog, usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.w.key)
        return cli_usage_error(prog, "--key FILE is required");
    chain_stake_body_t b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    buf_t ev = {0};
    switch (kind) {
    case CHAIN_TX_STAKE_REGISTER:
        if (!o.have_amount)
            return cli_usage_error(prog, "--stake N (the first self-stake) is required");
        b.amount = o.amount;
        b.commission_bps = (uint16_t)(o.have_bps ? o.bps : 500);
        b.min_self_stake = o.have_min_self ? o.min_self : o.amount;
        break;
    case CHAIN_TX_STAKE_ADD:
        if (!o.have_amount)
            return cli_usage_error(prog, "--amount N is required");
        b.amount = o.amount;
        break;
    case CHAIN_TX_STAKE_DELEGATE:
    case CHAIN_TX_STAKE_UNDELEGATE:
    case CHAIN_TX_STAKE_REDELEGATE:
        if (!o.have_validator || !o.have_amount)
            return cli_usage_error(prog, "--%s ADDR and --amount N are required",
                                   kind == CHAIN_TX_STAKE_REDELEGATE ? "from" : "validator");
        if (kind == CHAIN_TX_STAKE_REDELEGATE && !o.have_to)
            return cli_usage_error(prog, "--to ADDR is required");
        b.validator = o.validator;
        b.to = o.to;
        b.amount = o.amount;
        break;
    case CHAIN_TX_STAKE_WITHDRAW:
    case CHAIN_TX_STAKE_CLAIM:
        if (!o.have_validator)
            return cli_usage_error(prog, "--validator ADDR is required");
        b.validator = o.validator;
        break;
    case CHAIN_TX_STAKE_COMMISSION:
        if (!o.have_bps)
            return cli_usage_error(prog, "--bps N (the new commission) is required");
        b.commission_bps = (uint16_t)o.bps;
        break;
    case CHAIN_TX_STAKE_EVIDENCE:
        if (!o.have_epoch)
            return cli_usage_error(prog, "--epoch E (whose validator set signed) is required");
        if ((rc = read_evidence(prog, &o, &ev)) >= 0)
            return rc;
        b.epoch = o.epoch;
        b.evidence = ev.data;
        b.evidence_len = (uint32_t)ev.len;
        break;
    default:
        break;
    }
    chain_key_t k;
    chain_client_t *c = NULL;
    if ((rc = chain_cli_wallet_open(prog, &o.w, &k, &c)) != CLI_OK) {
        buf_free(&ev);
        return rc;
    }
    chain_client_send_t s;
    chain_cli_wallet_send(&o.w, &s);
    chain_tx_t *tx = NULL;
    err_t e = {0};
    if (chain_client_stake_send(c, &k, &s, &b, &tx, &e) != 0) {
        rc = chain_cli_client_error(prog, &e);
    } else {
        char hash[65], addr[41];
        chain_hash_to_hex(&tx->hash, hash);
        chain_addr_to_hex(&k.addr, addr);
        json_t *out = json_pack("{s:s,s:s,s:s}", "hash", hash, "kind", chain_tx_kind_name(kind),
                                "sender", addr);
        rc = chain_cli_print_sent(prog, c, tx, out, &o.w);
    }
    buf_free(&ev);
    chain_tx_free(tx);
    chain_key_wipe(&k);
    chain_client_free(c);
    return rc;
}

#define STEP(fn, prog, kind, text)                        \
    static int fn(int argc, char **argv)                  \
    {                                                     \
        return send_stake(prog, text, kind, argc, argv);  \
    }

STEP(v_register, "aether validator register", CHAIN_TX_STAKE_REGISTER,
     "Usage: aether validator register --key FILE --stake N [--commission BPS]\n"
     "                                 [--min-self-stake N]\n"
     "\nRegisters the key's account as a validator with a first self-stake of N (taken\n"
     "from its balance). Its BLS key (with proof of possession) and VRF key are derived\n"
     "from the key file, as the node derives them to sign. --commission in basis points\n"
     "(default 500 = 5%); --min-self-stake (default N): below it the validator leaves\n"
     "the set. It can enter the set at the next epoch boundary.\n")
STEP(v_stake, "aether validator stake", CHAIN_TX_STAKE_ADD,
     "Usage: aether validator stake --key FILE --amount N\n"
     "\nAdds N to the key's own validator stake.\n")
STEP(v_unjail, "aether validator unjail", CHAIN_TX_STAKE_UNJAIL,
     "Usage: aether validator unjail --key FILE\n"
     "\nReturns a jailed validator to the candidates once its jail time is over and\n"
     "its self-stake is at least its minimum.\n")
STEP(v_commission, "aether validator commission", CHAIN_TX_STAKE_COMMISSION,
     "Usage: aether validator commission --key FILE --bps N\n"
     "\nSets the commission (basis points); it may change once per epoch, by at most\n"
     "the chain's max_commission_change_bps.\n")
STEP(v_evidence, "aether validator evidence", CHAIN_TX_STAKE_EVIDENCE,
     "Usage: aether validator evidence --key FILE --epoch E (--evidence HEX | --evidence-file F)\n"
     "\nSubmits consensus equivocation evidence (a CONS_MSG_EVIDENCE message: two votes\n"
     "or two proposals of one validator for one round) signed under the set of epoch\n"
     "E. The offender is slashed and jailed; the sender gets the reporter's share.\n")
STEP(c_delegate, "aether delegate", CHAIN_TX_STAKE_DELEGATE,
     "Usage: aether delegate --key FILE --validator ADDR --amount N\n"
     "\nDelegates N from the key's balance to a validator.\n")
STEP(c_undelegate, "aether undelegate", CHAIN_TX_STAKE_UNDELEGATE,
     "Usage: aether undelegate --key FILE --validator ADDR --amount N\n"
     "\nStarts unbonding N; withdraw it after the unbonding period.\n")
STEP(c_redelegate, "aether redelegate", CHAIN_TX_STAKE_REDELEGATE,
     "Usage: aether redelegate --key FILE --from ADDR --to ADDR --amount N\n"
     "\nMoves N of stake from one validator to another at once; it stays slashable\n"
     "for the source's offences until the unbonding period has passed.\n")
STEP(c_withdraw, "aether withdraw", CHAIN_TX_STAKE_WITHDRAW,
     "Usage: aether withdraw --key FILE --validator ADDR\n"
     "\nPays the key's matured unbonding entries at the validator back to its balance.\n")
STEP(c_claim, "aether rewards claim", CHAIN_TX_STAKE_CLAIM,
     "Usage: aether rewards claim --key FILE --validator ADDR\n"
     "\nPays the key's unclaimed rewards at the validator to its balance.\n")

int aether_delegate_main(int argc, char **argv)
{
    return c_delegate(argc, argv);
}

int aether_undelegate_main(int argc, char **argv)
{
    return c_undelegate(argc, argv);
}

int aether_redelegate_main(int argc, char **argv)
{
    return c_redelegate(argc, argv);
}

int aether_withdraw_main(int argc, char **argv)
{
    return c_withdraw(argc, argv);
}

static const char rewards_usage[] =
    "Usage: aether rewards (--address ADDR | --key FILE) [--rpc URL]\n"
    "       aether rewards claim --key FILE --validator ADDR\n"
    "\nShows an account's stakes, unclaimed rewards and unbonding entries\n"
    "(aeth_getDelegations), or claims the rewards at one validator.\n";

int aether_rewards_main(int argc, char **argv)
{
    const char *prog = "aether rewards";
    if (argc > 1 && strcmp(argv[1], "claim") == 0)
        return c_claim(argc - 1, argv + 1);
    stake_opts_t o;
    int rc = parse(prog, rewards_usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    err_t e = {0};
    if (!o.have_address) {
        if (!o.w.key)
            return cli_usage_error(prog, "--address ADDR or --key FILE is required");
        chain_key_t k;
        if ((rc = chain_cli_load_key(prog, o.w.key, &k)) != CLI_OK)
            return rc;
        o.address = k.addr;
        chain_key_wipe(&k);
    }
    chain_client_t *c = chain_cli_open_client(prog, o.w.rpc, &rc);
    if (!c)
        return rc;
    json_t *j = NULL;
    if (chain_client_delegations(c, &o.address, &j, &e) != 0)
        rc = chain_cli_client_error(prog, &e);
    else if (json_is_null(j))
        rc = cli_error(prog, CLI_FAIL, "this chain has no staking");
    else
        chain_cli_print_json(j), rc = CLI_OK;
    json_decref(j);
    chain_client_free(c);
    return rc;
}

static const char validators_usage[] =
    "Usage: aether validators [--json] [--rpc URL]\n"
    "\nLists the registered validators: status (active: in this epoch's set;\n"
    "inactive; jailed), total and self stake, commission, and the epoch's set\n"
    "with the QCs each member signed so far. --json prints aeth_getValidators.\n"
    "On a chain without staking it lists the consensus set of the genesis\n"
    "(--json: aeth_getConsensus).\n";

static void print_table(const json_t *j)
{
    printf("epoch %llu at height %llu; set of %zu\n",
           (unsigned long long)json_integer_value(json_object_get(j, "epoch")),
           (unsigned long long)json_integer_value(json_object_get(j, "height")),
           json_array_size(json_object_get(j, "set")));
    printf("%-40s  %-8s  %24s  %24s  %6s  %s\n", "address", "status", "stake", "self_stake",
           "comm", "jailed_until");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, "validators"), i, v)
    {
        printf("%-40s  %-8s  %24s  %24s  %6lld  %lld\n",
               json_string_value(json_object_get(v, "address")),
               json_string_value(json_object_get(v, "status")),
               json_string_value(json_object_get(v, "stake")),
               json_string_value(json_object_get(v, "self_stake")),
               (long long)json_integer_value(json_object_get(v, "commission_bps")),
               (long long)json_integer_value(json_object_get(v, "jailed_until")));
    }
}

/* A chain without staking still has validators: the consensus set of its genesis (a BFT
 * devnet, or the solo engine's one validator). Print that set rather than nothing. */
static int print_consensus_set(const char *prog, chain_client_t *c, bool json)
{
    json_t *cons = NULL;
    err_t e = {0};
    json_t *set = NULL;
    if (chain_client_call(c, "aeth_getConsensus", NULL, &cons, &e) == 0)
        set = json_object_get(cons, "validators");
    if (!json_is_array(set)) {
        json_decref(cons);
        return cli_error(prog, CLI_FAIL, "this chain has no staking (its genesis has none)");
    }
    if (json) {
        chain_cli_print_json(cons);
        json_decref(cons);
        return CLI_OK;
    }
    const char *engine = json_string_value(json_object_get(cons, "engine"));
    printf("no staking on this chain: the consensus set of its genesis (%s), %zu validators\n",
           engine ? engine : "?", json_array_size(set));
    printf("%5s  %-40s  %24s\n", "index", "address", "stake");
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v)
    {
        const char *addr = json_string_value(json_object_get(v, "address"));
        printf("%5lld  %-40s  %24lld\n", (long long)json_integer_value(json_object_get(v, "index")),
               addr ? addr : "?", (long long)json_integer_value(json_object_get(v, "stake")));
    }
    json_decref(cons);
    return CLI_OK;
}

int aether_validators_main(int argc, char **argv)
{
    const char *prog = "aether validators";
    stake_opts_t o;
    int rc = parse(prog, validators_usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    chain_client_t *c = chain_cli_open_client(prog, o.w.rpc, &rc);
    if (!c)
        return rc;
    json_t *j = NULL;
    err_t e = {0};
    if (chain_client_validators(c, &j, &e) != 0)
        rc = chain_cli_client_error(prog, &e);
    else if (json_is_null(j))
        rc = print_consensus_set(prog, c, o.json);
    else if (o.json)
        chain_cli_print_json(j), rc = CLI_OK;
    else
        print_table(j), rc = CLI_OK;
    json_decref(j);
    chain_client_free(c);
    return rc;
}

static const char show_usage[] = "Usage: aether validator show --address ADDR [--rpc URL]\n"
                                 "\nPrints a validator's record (aeth_getValidator): keys,\n"
                                 "status, delegations, unbonding, redelegations.\n";

static int v_show(int argc, char **argv)
{
    const char *prog = "aether validator show";
    stake_opts_t o;
    int rc = parse(prog, show_usage, argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.have_address)
        return cli_usage_error(prog, "--address ADDR is required");
    chain_client_t *c = chain_cli_open_client(prog, o.w.rpc, &rc);
    if (!c)
        return rc;
    json_t *j = NULL;
    err_t e = {0};
    if (chain_client_validator(c, &o.address, &j, &e) != 0)
        rc = chain_cli_client_error(prog, &e);
    else if (json_is_null(j)) {
        char hex[41];
        chain_addr_to_hex(&o.address, hex);
        rc = cli_error(prog, CLI_FAIL, "%s is not a registered validator", hex);
    }
    else
        chain_cli_print_json(j), rc = CLI_OK;
    json_decref(j);
    chain_client_free(c);
    return rc;
}

int aether_validator_main(int argc, char **argv)
{
    static const cli_cmd_t cmds[] = {
        {"register", v_register, "register the key's account as a validator with a self-stake"},
        {"stake", v_stake, "add to the key's own validator stake"},
        {"unjail", v_unjail, "leave jail once the jail time is over"},
        {"commission", v_commission, "change the commission (bounded, once per epoch)"},
        {"evidence", v_evidence, "submit double-sign evidence (slashes the offender)"},
        {"show", v_show, "show one validator's record"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("aether validator", "Usage: aether validator <command> [args]\n", cmds,
                        argc, argv);
}

/* Helpers the aether chain commands share (aether_chain.c, aether_job.c,
 * aether_contract.c, aether_stake.c): the wallet options, printing JSON
 * answers, reporting chain/client errors and opening the client for --rpc. */
#ifndef AETHER_CLI_CHAIN_CLI_H
#define AETHER_CLI_CHAIN_CLI_H

#include <getopt.h>

#include "chain/client/client.h"
#include "cli.h"

/* ---- the wallet options ----
 * Every chain command that signs and sends a transaction takes these; they
 * are parsed here, once, so that each means and is refused the same way in
 * every command:
 *   --key FILE   the account key (aether keys new)
 *   --rpc URL    the node; else $AETHER_RPC, else CHAIN_CLIENT_DEFAULT_RPC
 *   --fee N      decimal u128; default: from the node's base fee
 *   --nonce N    default: the account's next nonce (pending txs included)
 *   --wait       wait until the transaction is committed; exit 1 if it failed
 *   --timeout S  how long --wait waits, in seconds (> 0)
 * A command lists CHAIN_CLI_WALLET_OPTIONS (or, when it only reads,
 * CHAIN_CLI_RPC_OPTION) in its getopt_long table, gives its own options
 * values other than the letters below, and runs chain_cli_getopt() with a
 * function for its own options. */
#define CHAIN_CLI_OPT_KEY 'k'
#define CHAIN_CLI_OPT_RPC 'r'
#define CHAIN_CLI_OPT_FEE 'f'
#define CHAIN_CLI_OPT_NONCE 'n'
#define CHAIN_CLI_OPT_WAIT 'w'
#define CHAIN_CLI_OPT_TIMEOUT 'T'

#define CHAIN_CLI_RPC_OPTION {"rpc", required_argument, NULL, CHAIN_CLI_OPT_RPC}
#define CHAIN_CLI_WALLET_OPTIONS                                                                  \
    CHAIN_CLI_RPC_OPTION, {"key", required_argument, NULL, CHAIN_CLI_OPT_KEY},                    \
        {"fee", required_argument, NULL, CHAIN_CLI_OPT_FEE},                                      \
        {"nonce", required_argument, NULL, CHAIN_CLI_OPT_NONCE},                                  \
        {"wait", no_argument, NULL, CHAIN_CLI_OPT_WAIT},                                          \
        {"timeout", required_argument, NULL, CHAIN_CLI_OPT_TIMEOUT}

/* The help text for the wallet options, and for --rpc alone. */
#define CHAIN_CLI_WALLET_HELP                                                                     \
    "\nWallet options: --key FILE (the account key), --fee N (default: from the\n"                \
    "node's base fee), --nonce N (default: the account's next nonce), --wait (until\n"             \
    "committed; exit 1 if the transaction failed), --timeout S (how long --wait\n"                 \
    "waits), --rpc URL (default $AETHER_RPC, else " CHAIN_CLIENT_DEFAULT_RPC ").\n"
#define CHAIN_CLI_RPC_HELP                                                                        \
    "The node is --rpc URL, else $AETHER_RPC, else " CHAIN_CLIENT_DEFAULT_RPC ".\n"

typedef struct chain_cli_wallet {
    const char *key, *rpc;   /* NULL when not given */
    bool wait, have_fee, have_nonce;
    chain_u128_t fee;
    uint64_t nonce, timeout_s;
} chain_cli_wallet_t;

/* No options given yet; --wait waits timeout_s seconds unless --timeout. */
void chain_cli_wallet_init(chain_cli_wallet_t *w, uint64_t timeout_s);
/* cli_getopt() (cli.h) with the wallet options (w) after the command's own
 * (own may be NULL). */
int chain_cli_getopt(const char *prog, const char *usage, const char *help, int argc, char **argv,
                     const char *shorts, const struct option *longs, bool operands,
                     cli_opt_fn own, void *ctx, chain_cli_wallet_t *w);
/* --key is required: loads it (libsodium initialised first) and opens the
 * client for --rpc. CLI_OK, or the exit code after the error was printed
 * (nothing left to free then). */
int chain_cli_wallet_open(const char *prog, const chain_cli_wallet_t *w, chain_key_t *k,
                          chain_client_t **c);
/* The send parameters the wallet options set (fee, nonce); the rest zero. */
void chain_cli_wallet_send(const chain_cli_wallet_t *w, chain_client_send_t *s);

/* A decimal u128 amount given as option opt (--fee, --value, --payment...):
 * -1 when arg is one (and, with positive, not 0), else prints the error and
 * returns CLI_USAGE. */
int chain_cli_amount_opt(const char *prog, const char *opt, const char *arg, bool positive,
                         chain_u128_t *v);
/* A UTxO id TXHASH:INDEX (64 hex digits, 0x optional; a decimal index
 * below 2^32) given as option opt (--in, --utxo): -1, or prints the error
 * and returns CLI_USAGE. */
int chain_cli_utxo_id_opt(const char *prog, const char *opt, const char *arg,
                          chain_utxo_id_t *id);
/* An address given as option/operand `what`: 40 hex digits (0x optional), or a key
 * file whose address is used. -1, or prints the error and returns CLI_USAGE. */
int chain_cli_addr_opt(const char *prog, const char *what, const char *arg, chain_addr_t *a);
/* Loads a key file (libsodium initialised first): CLI_OK or the exit code
 * after the error was printed. */
int chain_cli_load_key(const char *prog, const char *path, chain_key_t *k);

/* Pretty-prints j on stdout with a final newline. */
void chain_cli_print_json(const json_t *j);
/* Prints a chain/client error and returns the exit code: 2 for a bad
 * argument, else 1, with a hint when the node cannot be reached. */
int chain_cli_client_error(const char *prog, const err_t *e);
/* A client for url (NULL: $AETHER_RPC or the default); NULL with *rc set to
 * the usage error when the URL is bad. */
chain_client_t *chain_cli_open_client(const char *prog, const char *url, int *rc);

/* After tx was sent: with --wait, polls for its receipt (--timeout) and adds
 * it to out as "receipt"; prints out (taken) and returns the exit code: 1
 * when the receipt is a failure (naming the status and any revert reason)
 * or the wait failed. */
int chain_cli_print_sent(const char *prog, chain_client_t *c, const chain_tx_t *tx, json_t *out,
                         const chain_cli_wallet_t *w);

#endif

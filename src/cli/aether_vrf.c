/* aether vrf: RFC 9381 ECVRF from the command line (crypto/ecvrf).
 *
 *   aether vrf keygen                          new secret key and public key
 *   aether vrf prove  SK_HEX MSG_HEX           proof (80 bytes, hex)
 *   aether vrf verify PK_HEX MSG_HEX PROOF_HEX output beta when valid
 *   aether vrf hash   PROOF_HEX                beta of a proof (no verification)
 *
 * Every command takes --suite tai|ell2 (default tai). Exit codes follow cli.h:
 * 0 valid/success, 1 invalid proof or key, 2 malformed argument (the message
 * names the argument). */
#include "cli.h"
#include "aether_cmds.h"

#include "base/base.h"
#include "crypto/crypto.h"
#include "crypto/ecvrf/ecvrf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: aether vrf <command> [--suite tai|ell2] [args]\n"
    "\n"
    "RFC 9381 ECVRF-EDWARDS25519-SHA512 (suite TAI by default, or ELL2).\n"
    "Keys, messages, proofs and outputs are hex; MSG_HEX may be empty (\"\").\n";

static const char keygen_usage[] =
    "Usage: aether vrf keygen [--suite tai|ell2]\n"
    "\n"
    "Prints a new random secret key (RFC 8032 seed) and its public key:\n"
    "  secret_key: <64 hex digits>\n"
    "  public_key: <64 hex digits>\n";
static const char prove_usage[] =
    "Usage: aether vrf prove [--suite tai|ell2] SK_HEX MSG_HEX\n"
    "\n"
    "Prints the proof pi (160 hex digits) for the message.\n";
static const char verify_usage[] =
    "Usage: aether vrf verify [--suite tai|ell2] PK_HEX MSG_HEX PROOF_HEX\n"
    "\n"
    "Verifies the proof (with public-key validation). When valid, prints the\n"
    "VRF output beta (128 hex digits) and exits 0; when invalid, exits 1.\n";
static const char hash_usage[] =
    "Usage: aether vrf hash [--suite tai|ell2] PROOF_HEX\n"
    "\n"
    "Prints the VRF output beta of a proof without verifying it (RFC 9381\n"
    "proof_to_hash; only meaningful for a proof known to be valid).\n";

/* Parses the options of one command; on success *first is the index of the
 * first positional argument. Returns -1 to go on, else an exit code. */
static int parse_opts(const char *prog, const char *cmd_usage, int argc, char **argv,
                      ecvrf_suite_t *suite, int *first)
{
    static const struct option opts[] = {
        {"suite", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    err_t e = {0};

    *suite = ECVRF_SUITE_TAI;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (ecvrf_suite_parse(optarg, suite, &e))
                return cli_usage_error(prog, "--suite: %s", e.msg);
            break;
        case 'h':
            fputs(cmd_usage, stdout);
            return CLI_OK;
        case ':':
            return cli_bad_option(prog, argv, optind, optopt, true);
        default:
            return cli_bad_option(prog, argv, optind, optopt, optopt == 's');
        }
    }
    *first = optind;
    return -1;
}

static int check_argc(const char *prog, int argc, char **argv, int first, int want,
                      const char *names)
{
    if (argc - first < want)
        return cli_usage_error(prog, "missing argument: expected %s", names);
    if (argc - first > want)
        return cli_usage_error(prog, "unexpected argument '%s' (expected %s)",
                               argv[first + want], names);
    return -1;
}

/* Hex of exactly len bytes (an optional 0x prefix is allowed). */
static int arg_hex(const char *prog, const char *name, const char *arg, uint8_t *out, size_t len)
{
    err_t e = {0};

    if (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X'))
        arg += 2;
    if (hex_decode(arg, strlen(arg), out, len, &e))
        return cli_usage_error(prog, "%s is malformed: %s", name, e.msg);
    return -1;
}

/* Hex of any length (the message), malloc'd. */
static int arg_hex_alloc(const char *prog, const char *name, const char *arg, uint8_t **out,
                         size_t *len)
{
    err_t e = {0};

    if (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X'))
        arg += 2;
    if (hex_decode_alloc(arg, strlen(arg), out, len, &e))
        return cli_usage_error(prog, "%s is malformed: %s", name, e.msg);
    return -1;
}

static void print_hex(const uint8_t *p, size_t n)
{
    char buf[2 * 128 + 1];
    hex_encode(p, n, buf);
    puts(buf);
}

static int init_crypto(const char *prog)
{
    if (crypto_init() != 0)
        return cli_error(prog, CLI_FAIL, "cannot initialise libsodium");
    return -1;
}

static int cmd_keygen(int argc, char **argv)
{
    static const char prog[] = "aether vrf keygen";
    uint8_t sk[ECVRF_SK_BYTES], pk[ECVRF_PK_BYTES];
    char hex[2 * ECVRF_SK_BYTES + 1];
    ecvrf_suite_t suite;
    int first, rc;

    if ((rc = parse_opts(prog, keygen_usage, argc, argv, &suite, &first)) >= 0)
        return rc;
    if ((rc = check_argc(prog, argc, argv, first, 0, "no arguments")) >= 0)
        return rc;
    if ((rc = init_crypto(prog)) >= 0)
        return rc;
    ecvrf_keygen(sk, pk);   /* keys are the same for both suites */
    hex_encode(sk, sizeof sk, hex);
    printf("secret_key: %s\n", hex);
    hex_encode(pk, sizeof pk, hex);
    printf("public_key: %s\n", hex);
    crypto_wipe(sk, sizeof sk);
    crypto_wipe(hex, sizeof hex);
    return CLI_OK;
}

static int cmd_prove(int argc, char **argv)
{
    static const char prog[] = "aether vrf prove";
    uint8_t sk[ECVRF_SK_BYTES], pi[ECVRF_PROOF_BYTES], *msg = NULL;
    size_t msg_len = 0;
    ecvrf_suite_t suite;
    err_t e = {0};
    int first, rc;

    if ((rc = parse_opts(prog, prove_usage, argc, argv, &suite, &first)) >= 0)
        return rc;
    if ((rc = check_argc(prog, argc, argv, first, 2, "SK_HEX MSG_HEX")) >= 0)
        return rc;
    if ((rc = arg_hex(prog, "SK_HEX (secret key, 32 bytes)", argv[first], sk, sizeof sk)) >= 0)
        return rc;
    if ((rc = arg_hex_alloc(prog, "MSG_HEX", argv[first + 1], &msg, &msg_len)) >= 0)
        goto out;
    if ((rc = init_crypto(prog)) >= 0)
        goto out;
    if (ecvrf_prove(suite, sk, msg, msg_len, pi, &e) != 0) {
        rc = cli_error(prog, CLI_FAIL, "%s", e.msg);
        goto out;
    }
    print_hex(pi, sizeof pi);
    rc = CLI_OK;
out:
    crypto_wipe(sk, sizeof sk);
    free(msg);
    return rc;
}

static int cmd_verify(int argc, char **argv)
{
    static const char prog[] = "aether vrf verify";
    uint8_t pk[ECVRF_PK_BYTES], pi[ECVRF_PROOF_BYTES], beta[ECVRF_OUTPUT_BYTES], *msg = NULL;
    size_t msg_len = 0;
    ecvrf_suite_t suite;
    err_t e = {0};
    int first, rc;

    if ((rc = parse_opts(prog, verify_usage, argc, argv, &suite, &first)) >= 0)
        return rc;
    if ((rc = check_argc(prog, argc, argv, first, 3, "PK_HEX MSG_HEX PROOF_HEX")) >= 0)
        return rc;
    if ((rc = arg_hex(prog, "PK_HEX (public key, 32 bytes)", argv[first], pk, sizeof pk)) >= 0)
        return rc;
    if ((rc = arg_hex(prog, "PROOF_HEX (proof, 80 bytes)", argv[first + 2], pi, sizeof pi)) >= 0)
        return rc;
    if ((rc = arg_hex_alloc(prog, "MSG_HEX", argv[first + 1], &msg, &msg_len)) >= 0)
        return rc;
    if ((rc = init_crypto(prog)) >= 0)
        goto out;
    if (ecvrf_verify(suite, pk, msg, msg_len, pi, beta, &e) != 0) {
        rc = cli_error(prog, CLI_FAIL, "INVALID: %s", e.msg);
        goto out;
    }
    print_hex(beta, sizeof beta);
    rc = CLI_OK;
out:
    free(msg);
    return rc;
}

static int cmd_hash(int argc, char **argv)
{
    static const char prog[] = "aether vrf hash";
    uint8_t pi[ECVRF_PROOF_BYTES], beta[ECVRF_OUTPUT_BYTES];
    ecvrf_suite_t suite;
    err_t e = {0};
    int first, rc;

    if ((rc = parse_opts(prog, hash_usage, argc, argv, &suite, &first)) >= 0)
        return rc;
    if ((rc = check_argc(prog, argc, argv, first, 1, "PROOF_HEX")) >= 0)
        return rc;
    if ((rc = arg_hex(prog, "PROOF_HEX (proof, 80 bytes)", argv[first], pi, sizeof pi)) >= 0)
        return rc;
    if ((rc = init_crypto(prog)) >= 0)
        return rc;
    if (ecvrf_proof_to_hash(suite, pi, beta, &e) != 0)
        return cli_error(prog, CLI_FAIL, "INVALID: %s", e.msg);
    print_hex(beta, sizeof beta);
    return CLI_OK;
}

static const cli_cmd_t vrf_cmds[] = {
    {"keygen", cmd_keygen, "new random secret key and public key"},
    {"prove", cmd_prove, "SK_HEX MSG_HEX: print the proof"},
    {"verify", cmd_verify, "PK_HEX MSG_HEX PROOF_HEX: print beta when valid"},
    {"hash", cmd_hash, "PROOF_HEX: print beta (proof_to_hash)"},
    {NULL, NULL, NULL},
};

int aether_vrf_main(int argc, char **argv)
{
    return cli_dispatch("aether vrf", usage, vrf_cmds, argc, argv);
}

/* aether bls: BLS12-381 signatures (crypto/bls, ciphersuite
 * BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_, public keys in G1) from the
 * command line. Arguments and output are hex; lists are comma-separated and a
 * message may be empty (""). Exit codes follow cli.h: 0 success/valid,
 * 1 invalid signature or key, 2 malformed argument (the message names it;
 * this includes point encodings that do not decode). */
#include "cli.h"
#include "aether_cmds.h"

#include "base/base.h"
#include "crypto/bls/bls.h"
#include "crypto/crypto.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "aether bls"

static const char usage[] =
    "Usage: aether bls <command> [args]\n"
    "\n"
    "BLS12-381 signatures, IETF ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_\n"
    "(public keys 48 bytes in G1, signatures 96 bytes in G2, ZCash compressed).\n"
    "Everything is hex; lists are comma-separated; a message may be \"\".\n"
    "Exit status: 0 valid/success, 1 invalid, 2 malformed argument.\n";

/* ---- argument helpers ---- */

static int arg_fixed(const char *name, const char *s, uint8_t *out, size_t n)
{
    err_t e = {0};
    if (hex_decode(s, strlen(s), out, n, &e) != 0)
        return cli_usage_error(PROG, "%s: expected %zu bytes of hex: %s", name, n, e.msg);
    return 0;
}

static int arg_bytes(const char *name, const char *s, uint8_t **out, size_t *n)
{
    err_t e = {0};
    if (hex_decode_alloc(s, strlen(s), out, n, &e) != 0)
        return cli_usage_error(PROG, "%s: %s", name, e.msg);
    return 0;
}

/* Splits a comma-separated list of fixed-size hex items into one array. */
static int arg_list_fixed(const char *name, const char *s, size_t size, uint8_t **out, size_t *n)
{
    size_t count = *s ? 1 : 0;
    for (const char *p = s; *p; p++)
        count += *p == ',';
    *out = malloc(count * size + 1);
    *n = 0;
    if (!*out)
        return cli_error(PROG, CLI_FAIL, "out of memory");
    const char *p = s;
    while (*n < count) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        err_t e = {0};
        if (hex_decode(p, len, *out + *n * size, size, &e) != 0) {
            free(*out);
            *out = NULL;
            return cli_usage_error(PROG, "%s: item %zu: expected %zu bytes of hex: %s", name,
                                   *n, size, e.msg);
        }
        (*n)++;
        p = end ? end + 1 : p + len;
    }
    return 0;
}

/* Messages: comma-separated hex strings of any length (possibly empty). */
typedef struct {
    uint8_t **msgs;
    size_t *lens;
    size_t n;
} msg_list_t;

static void msg_list_free(msg_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->msgs[i]);
    free(l->msgs);
    free(l->lens);
}

static int arg_msg_list(const char *name, const char *s, msg_list_t *l)
{
    size_t count = *s ? 1 : 0;
    for (const char *p = s; *p; p++)
        count += *p == ',';
    l->n = 0;
    l->msgs = calloc(count + 1, sizeof *l->msgs);
    l->lens = calloc(count + 1, sizeof *l->lens);
    if (!l->msgs || !l->lens) {
        msg_list_free(l);
        return cli_error(PROG, CLI_FAIL, "out of memory");
    }
    const char *p = s;
    while (l->n < count) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        err_t e = {0};
        if (hex_decode_alloc(p, len, &l->msgs[l->n], &l->lens[l->n], &e) != 0) {
            int rc = cli_usage_error(PROG, "%s: item %zu: %s", name, l->n, e.msg);
            msg_list_free(l);
            return rc;
        }
        l->n++;
        p = end ? end + 1 : p + len;
    }
    return 0;
}

static void print_hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return;
    hex_encode(p, n, s);
    puts(s);
    free(s);
}

/* Maps a crypto/bls result to an exit code, naming the argument. */
static int result(int rc, const char *arg, const err_t *e, const char *ok_word)
{
    if (rc == BLS_OK) {
        if (ok_word)
            puts(ok_word);
        return CLI_OK;
    }
    if (rc == BLS_EINVALID) {
        fprintf(stderr, PROG ": invalid: %s\n", e->msg);
        return CLI_FAIL;
    }
    if (rc == BLS_ENOMEM)
        return cli_error(PROG, CLI_FAIL, "%s", e->msg);
    return cli_usage_error(PROG, "%s: %s", arg, e->msg);
}

static int check_args(const char *cmd_usage, int argc, char **argv, int want)
{
    if (cli_wants_help(argc, argv, cmd_usage))
        return CLI_OK;
    if (argc - 1 != want)
        return cli_usage_error(PROG, "%s: expected %d argument%s, got %d", argv[0], want,
                               want == 1 ? "" : "s", argc - 1);
    return -1;
}

static int init(void)
{
    if (crypto_init() != 0)
        return cli_error(PROG, CLI_FAIL, "libsodium failed to initialise");
    return 0;
}

/* ---- commands ---- */

static const char keygen_usage[] =
    "Usage: aether bls keygen [--key-info HEX] [--salt HEX] [IKM_HEX]\n"
    "\n"
    "Derives a secret key with the draft's KeyGen (HKDF-SHA-256) from IKM (at least\n"
    "32 bytes; 32 random bytes when omitted) and prints:\n"
    "  secret_key: <64 hex digits>\n"
    "  public_key: <96 hex digits>\n"
    "The default salt is SHA-256(\"BLS-SIG-KEYGEN-SALT-\") (draft 04, blst, EIP-2333).\n";

static int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key-info", required_argument, NULL, 'k'},
        {"salt", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint8_t *info = NULL, *salt = NULL, *ikm = NULL, sk[32], pk[48];
    size_t info_len = 0, salt_len = 0, ikm_len = 0;
    int c, rc = CLI_OK;
    err_t e = {0};
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+k:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            free(info);
            info = NULL;
            if ((rc = arg_bytes("--key-info", optarg, &info, &info_len)))
                goto out;
            break;
        case 's':
            free(salt);
            salt = NULL;
            if ((rc = arg_bytes("--salt", optarg, &salt, &salt_len)))
                goto out;
            break;
        case 'h':
            fputs(keygen_usage, stdout);
            goto out;
        default:
            rc = cli_bad_option(PROG " keygen", argv, optind, optopt,
                                optopt == 'k' || optopt == 's');
            goto out;
        }
    }
    if (argc - optind > 1) {
        rc = cli_usage_error(PROG, "keygen: expected at most 1 argument, got %d", argc - optind);
        goto out;
    }
    if ((rc = init()))
        goto out;
    if (argc - optind == 1) {
        if ((rc = arg_bytes("IKM_HEX", argv[optind], &ikm, &ikm_len)))
            goto out;
    } else {
        ikm_len = 32;
        ikm = malloc(ikm_len);
        if (!ikm) {
            rc = cli_error(PROG, CLI_FAIL, "out of memory");
            goto out;
        }
        crypto_random(ikm, ikm_len);
    }
    rc = bls_keygen(sk, ikm, ikm_len, info, info_len, salt, salt_len, &e);
    if (rc == BLS_OK)
        rc = bls_sk_to_pk(pk, sk, &e);
    if (rc != BLS_OK) {
        rc = result(rc, "IKM_HEX", &e, NULL);
        goto out;
    }
    char skh[65], pkh[97];
    hex_encode(sk, 32, skh);
    hex_encode(pk, 48, pkh);
    printf("secret_key: %s\npublic_key: %s\n", skh, pkh);
    crypto_wipe(skh, sizeof skh);
out:
    if (ikm) {
        crypto_wipe(ikm, ikm_len);
        free(ikm);
    }
    free(info);
    free(salt);
    crypto_wipe(sk, sizeof sk);
    return rc;
}

static const char pk_usage[] =
    "Usage: aether bls pk SK_HEX\n\nPrints the public key (96 hex digits) of a secret key.\n";

static int cmd_pk(int argc, char **argv)
{
    uint8_t sk[32], pk[48];
    err_t e = {0};
    int rc = check_args(pk_usage, argc, argv, 1);
    if (rc >= 0)
        return rc;
    if ((rc = arg_fixed("SK_HEX", argv[1], sk, 32)) || (rc = init()))
        return rc;
    rc = bls_sk_to_pk(pk, sk, &e);
    crypto_wipe(sk, sizeof sk);
    if (rc)
        return result(rc, "SK_HEX", &e, NULL);
    print_hex(pk, 48);
    return CLI_OK;
}

static const char sign_usage[] =
    "Usage: aether bls sign SK_HEX MSG_HEX\n\nPrints the signature (192 hex digits).\n";

static int cmd_sign(int argc, char **argv)
{
    uint8_t sk[32], sig[96], *msg = NULL;
    size_t msg_len = 0;
    err_t e = {0};
    int rc = check_args(sign_usage, argc, argv, 2);
    if (rc >= 0)
        return rc;
    if ((rc = arg_fixed("SK_HEX", argv[1], sk, 32)) ||
        (rc = arg_bytes("MSG_HEX", argv[2], &msg, &msg_len)) || (rc = init()))
        goto out;
    rc = bls_sign(sig, sk, msg, msg_len, &e);
    if (rc)
        rc = result(rc, "SK_HEX", &e, NULL);
    else
        print_hex(sig, 96);
out:
    crypto_wipe(sk, sizeof sk);
    free(msg);
    return rc;
}

static const char verify_usage[] =
    "Usage: aether bls verify PK_HEX MSG_HEX SIG_HEX\n\n"
    "Prints \"valid\" and exits 0, or exits 1 when the signature is invalid.\n";

static int cmd_verify(int argc, char **argv)
{
    uint8_t pk[48], sig[96], *msg = NULL;
    size_t msg_len = 0;
    err_t e = {0};
    int rc = check_args(verify_usage, argc, argv, 3);
    if (rc >= 0)
        return rc;
    if ((rc = arg_fixed("PK_HEX", argv[1], pk, 48)) ||
        (rc = arg_bytes("MSG_HEX", argv[2], &msg, &msg_len)) ||
        (rc = arg_fixed("SIG_HEX", argv[3], sig, 96)) || (rc = init()))
        goto out;
    rc = bls_verify(pk, msg, msg_len, sig, &e);
    rc = result(rc, strstr(e.msg, "signature") ? "SIG_HEX" : "PK_HEX", &e, "valid");
out:
    free(msg);
    return rc;
}

static const char aggregate_usage[] =
    "Usage: aether bls aggregate SIG_HEX[,SIG_HEX...]\n\n"
    "Prints the aggregate of one or more signatures (each one is validated).\n";

static int cmd_aggregate(int argc, char **argv)
{
    uint8_t *sigs = NULL, agg[96];
    size_t n = 0;
    err_t e = {0};
    int rc = check_args(aggregate_usage, argc, argv, 1);
    if (rc >= 0)
        return rc;
    if ((rc = arg_list_fixed("SIGS", argv[1], 96, &sigs, &n)) || (rc = init()))
        goto out;
    rc = bls_aggregate(agg, (const uint8_t(*)[96])sigs, n, &e);
    if (rc)
        rc = result(rc, "SIGS", &e, NULL);
    else
        print_hex(agg, 96);
out:
    free(sigs);
    return rc;
}

static const char aggregate_verify_usage[] =
    "Usage: aether bls aggregate-verify PK_HEX[,...] MSG_HEX[,...] SIG_HEX\n\n"
    "AggregateVerify of the proof-of-possession scheme: one message per public key\n"
    "(messages may repeat). Prints \"valid\" and exits 0, or exits 1.\n";

static int cmd_aggregate_verify(int argc, char **argv)
{
    uint8_t *pks = NULL, sig[96];
    size_t n = 0;
    msg_list_t msgs = {0};
    err_t e = {0};
    int rc = check_args(aggregate_verify_usage, argc, argv, 3);
    if (rc >= 0)
        return rc;
    if ((rc = arg_list_fixed("PKS", argv[1], 48, &pks, &n)))
        return rc;
    if ((rc = arg_msg_list("MSGS", argv[2], &msgs)))
        goto out_pks;
    if (msgs.n != n) {
        rc = cli_usage_error(PROG, "MSGS: %zu messages for %zu public keys", msgs.n, n);
        goto out;
    }
    if ((rc = arg_fixed("SIG_HEX", argv[3], sig, 96)) || (rc = init()))
        goto out;
    rc = bls_aggregate_verify((const uint8_t(*)[48])pks, (const uint8_t *const *)msgs.msgs,
                              msgs.lens, n, sig, &e);
    rc = result(rc, strstr(e.msg, "signature") ? "SIG_HEX" : "PKS", &e, "valid");
out:
    msg_list_free(&msgs);
out_pks:
    free(pks);
    return rc;
}

static const char fast_usage[] =
    "Usage: aether bls fast-aggregate-verify PK_HEX[,...] MSG_HEX SIG_HEX\n\n"
    "FastAggregateVerify: every key signed the same message (keys must have had\n"
    "their proofs of possession checked). Prints \"valid\" and exits 0, or exits 1.\n";

static int cmd_fast(int argc, char **argv)
{
    uint8_t *pks = NULL, sig[96], *msg = NULL;
    size_t n = 0, msg_len = 0;
    err_t e = {0};
    int rc = check_args(fast_usage, argc, argv, 3);
    if (rc >= 0)
        return rc;
    if ((rc = arg_list_fixed("PKS", argv[1], 48, &pks, &n)) ||
        (rc = arg_bytes("MSG_HEX", argv[2], &msg, &msg_len)) ||
        (rc = arg_fixed("SIG_HEX", argv[3], sig, 96)) || (rc = init()))
        goto out;
    rc = bls_fast_aggregate_verify((const uint8_t(*)[48])pks, n, msg, msg_len, sig, &e);
    rc = result(rc, strstr(e.msg, "signature") ? "SIG_HEX" : "PKS", &e, "valid");
out:
    free(pks);
    free(msg);
    return rc;
}

static const char pop_prove_usage[] =
    "Usage: aether bls pop-prove SK_HEX\n\nPrints the proof of possession (192 hex digits).\n";

static int cmd_pop_prove(int argc, char **argv)
{
    uint8_t sk[32], proof[96];
    err_t e = {0};
    int rc = check_args(pop_prove_usage, argc, argv, 1);
    if (rc >= 0)
        return rc;
    if ((rc = arg_fixed("SK_HEX", argv[1], sk, 32)) || (rc = init()))
        return rc;
    rc = bls_pop_prove(proof, sk, &e);
    crypto_wipe(sk, sizeof sk);
    if (rc)
        return result(rc, "SK_HEX", &e, NULL);
    print_hex(proof, 96);
    return CLI_OK;
}

static const char pop_verify_usage[] =
    "Usage: aether bls pop-verify PK_HEX PROOF_HEX\n\n"
    "Prints \"valid\" and exits 0, or exits 1 when the proof is invalid.\n";

static int cmd_pop_verify(int argc, char **argv)
{
    uint8_t pk[48], proof[96];
    err_t e = {0};
    int rc = check_args(pop_verify_usage, argc, argv, 2);
    if (rc >= 0)
        return rc;
    if ((rc = arg_fixed("PK_HEX", argv[1], pk, 48)) ||
        (rc = arg_fixed("PROOF_HEX", argv[2], proof, 96)) || (rc = init()))
        return rc;
    rc = bls_pop_verify(pk, proof, &e);
    return result(rc, strstr(e.msg, "proof") ? "PROOF_HEX" : "PK_HEX", &e, "valid");
}

static const cli_cmd_t commands[] = {
    {"keygen", cmd_keygen, "derive a key pair with KeyGen (HKDF)"},
    {"pk", cmd_pk, "public key of a secret key"},
    {"sign", cmd_sign, "sign a message"},
    {"verify", cmd_verify, "verify a signature"},
    {"aggregate", cmd_aggregate, "aggregate signatures"},
    {"aggregate-verify", cmd_aggregate_verify, "verify an aggregate over (key, message) pairs"},
    {"fast-aggregate-verify", cmd_fast, "verify an aggregate of one message"},
    {"pop-prove", cmd_pop_prove, "proof of possession of a secret key"},
    {"pop-verify", cmd_pop_verify, "verify a proof of possession"},
    {NULL, NULL, NULL},
};

int aether_bls_main(int argc, char **argv)
{
    return cli_dispatch(PROG, usage, commands, argc, argv);
}

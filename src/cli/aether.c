/* aether: Aether client: keys, transfers and queries over JSON-RPC.
 * A thin main: each command group lives in its own aether_<group>.c file and
 * is listed in the table below. */
#include "cli.h"
#include "aether_cmds.h"

#include <stddef.h>

static const char usage[] =
    "Usage: aether [--version] [--help] <command> [args]\n"
    "\n"
    "Aether client: keys, transfers and queries over JSON-RPC.\n";

static int cmd_version(int argc, char **argv)
{
    return cli_version_cmd("aether", argc, argv);
}

static const cli_cmd_t commands[] = {
    /* command groups register here */
    {"keys", aether_keys_main, "account key files: new, show"},
    {"status", aether_status_main, "chain id, height, state root, health and consensus (round, validators)"},
    {"peers", aether_peers_main, "the node's consensus peers (validators and full nodes)"},
    {"balance", aether_balance_main, "balance and nonce of an address"},
    {"transfer", aether_transfer_main, "sign and send a transfer"},
    {"tx", aether_tx_main, "show a transaction and its receipt"},
    {"utxos", aether_utxos_main, "list the UTxOs of an address"},
    {"utxo", aether_utxo_main, "UTxO transactions: send"},
    {"contract", aether_contract_main, "contracts: deploy, call, query, logs, code, storage"},
    {"job", aether_job_main, "job escrow: post, accept, claim, finalize, challenge, status"},
    {"validator", aether_validator_main, "validator staking: register, stake, unjail, commission, evidence, show"},
    {"validators", aether_validators_main, "the validators: set, stakes, status, commission"},
    {"delegate", aether_delegate_main, "delegate stake to a validator"},
    {"undelegate", aether_undelegate_main, "start unbonding delegated stake"},
    {"redelegate", aether_redelegate_main, "move delegated stake to another validator"},
    {"withdraw", aether_withdraw_main, "withdraw matured unbonding stake"},
    {"rewards", aether_rewards_main, "show stakes and rewards; rewards claim"},
    {"verify-proof", aether_verify_proof_main, "verify an aeth_getProof result against a state root"},
    {"verify-finality", aether_verify_finality_main,
     "verify that a block is final (aeth_getFinalityProof) against a genesis"},
    {"vrf", aether_vrf_main, "RFC 9381 ECVRF: keygen, prove, verify, hash"},
    {"bls", aether_bls_main, "BLS12-381 signatures: keygen, sign, verify, aggregate, PoP"},
    {"version", cmd_version, "print the version, commit and build type"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return cli_dispatch("aether", usage, commands, argc, argv);
}

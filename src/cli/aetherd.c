/* aetherd: Aether chain daemon: proof-of-stake validator node.
 * A thin main: each command group lives in its own aetherd_<group>.c file and
 * is listed in the table below. */
#include "cli.h"
#include "aetherd_cmds.h"

#include <stddef.h>

static const char usage[] =
    "Usage: aetherd [--version] [--help] <command> [args]\n"
    "\n"
    "Aether chain daemon: proof-of-stake validator node.\n";

static int cmd_version(int argc, char **argv)
{
    return cli_version_cmd("aetherd", argc, argv);
}

static const cli_cmd_t commands[] = {
    /* command groups register here */
    {"init-genesis", aetherd_genesis_main, "write a genesis file (chain id, allocations, validator)"},
    {"keys", aetherd_keys_main, "validator key files: new"},
    {"run", aetherd_run_main, "run the node with its JSON-RPC server"},
    {"replay", aetherd_replay_main, "rebuild the state by replaying another node's blocks"},
    {"devnet", aetherd_devnet_main, "run N BFT validators on this machine (keys, genesis, processes)"},
    {"snapshot", aetherd_snapshot_main, "state snapshots: export, import (zstd, root-checked), check"},
    {"version", cmd_version, "print the version, commit and build type"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return cli_dispatch("aetherd", usage, commands, argc, argv);
}

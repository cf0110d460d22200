/* plasmd: Phase node: runs WebAssembly jobs in a metered sandbox and signs receipts.
 * A thin main: each command group lives in its own plasmd_<group>.c file and
 * is listed in the table below. */
#include "cli.h"
#include "plasmd_cmds.h"

#include <stddef.h>

static const char usage[] =
    "Usage: plasmd [--version] [--help] <command> [args]\n"
    "\n"
    "Phase node: runs WebAssembly jobs in a metered sandbox and signs receipts.\n";

static int cmd_version(int argc, char **argv)
{
    return cli_version_cmd("plasmd", argc, argv);
}

static const cli_cmd_t commands[] = {
    /* command groups register here */
    {"run", plasmd_run, "run a WASI module as a local job (stdin/stdout, exit code, receipt)"},
    {"verify", plasmd_verify, "verify a Phase receipt (v1 or legacy v0.1)"},
    {"manifest", plasmd_manifest, "sign or verify a Phase SignedManifest v1"},
    {"execute-job", plasmd_execute_job, "run a module and print upstream's JSON result"},
    {"identity", plasmd_identity, "create or show the node identity (key, peer id)"},
    {"init", plasmd_init, "write the provider config file"},
    {"start", plasmd_start, "run the provider node (libp2p, job protocols, worker pool)"},
    {"submit", plasmd_submit, "run a job on a remote provider and verify its receipt"},
    {"discover", plasmd_discover, "list live providers and their capabilities"},
    {"ping", plasmd_p2p_ping, "ping a libp2p node"},
    {"id", plasmd_p2p_id, "identify a libp2p node (agent, protocols, addresses)"},
    {"dht", plasmd_p2p_dht, "Kademlia DHT operations through a bootstrap node"},
    {"wasm", plasmd_wasm, "validate a WebAssembly module or call one of its exports"},
    {"version", cmd_version, "print the version, commit and build type"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return cli_dispatch("plasmd", usage, commands, argc, argv);
}

/* p2p_node: the libp2p commands of plasmd (src/cli/plasmd_p2p.c) in a binary
 * that links only the p2p module, so the p2p integration and interop tests do
 * not depend on the rest of plasmd building. `p2p_node start ...` behaves
 * exactly as `plasmd start ...`. */
#include <stddef.h>

#include "cli/cli.h"
#include "cli/plasmd_cmds.h"

static const char usage[] = "Usage: p2p_node <command> [args]\n\nplasmd's libp2p commands.\n";

static const cli_cmd_t commands[] = {
    {"start", plasmd_start, "run the provider node (libp2p, Kademlia, job protocols)"},
    {"ping", plasmd_p2p_ping, "ping a libp2p node"},
    {"id", plasmd_p2p_id, "identify a libp2p node"},
    {"dht", plasmd_p2p_dht, "Kademlia operations"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return cli_dispatch("p2p_node", usage, commands, argc, argv);
}

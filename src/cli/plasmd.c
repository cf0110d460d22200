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

static const cli_cmd_t commands[] = {
    /* command groups register here */
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return cli_dispatch("plasmd", usage, commands, argc, argv);
}

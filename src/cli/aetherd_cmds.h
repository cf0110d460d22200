/* Entry points of the aetherd command groups (one aetherd_<group>.c each). */
#ifndef AETHER_AETHERD_CMDS_H
#define AETHER_AETHERD_CMDS_H

/* Chain node commands (aetherd_genesis.c, aetherd_keys.c, aetherd_run.c). */
int aetherd_genesis_main(int argc, char **argv);
int aetherd_keys_main(int argc, char **argv);
int aetherd_run_main(int argc, char **argv);
int aetherd_snapshot_main(int argc, char **argv);   /* aetherd_snapshot.c */
int aetherd_replay_main(int argc, char **argv);     /* aetherd_replay.c (issue 14) */
int aetherd_devnet_main(int argc, char **argv);     /* aetherd_devnet.c */

#include <jansson.h>

/* --staking-param NAME=VALUE into a genesis "staking" object (aetherd_genesis.c):
 * -1 when stored, else the exit code of the usage error it printed. */
int aetherd_staking_param(const char *prog, const char *arg, json_t *params);

#endif

/* Entry points of the plasmd command groups (one plasmd_<group>.c each). */
#ifndef AETHER_PLASMD_CMDS_H
#define AETHER_PLASMD_CMDS_H

/* plasmd_phase.c, plasmd_phase_run.c */
int plasmd_run(int argc, char **argv);
int plasmd_verify(int argc, char **argv);
int plasmd_manifest(int argc, char **argv);
int plasmd_execute_job(int argc, char **argv);
int plasmd_identity(int argc, char **argv);

/* plasmd_net.c: the Phase network */
int plasmd_start(int argc, char **argv);
int plasmd_init(int argc, char **argv);
int plasmd_submit(int argc, char **argv);
int plasmd_discover(int argc, char **argv);

/* plasmd_p2p.c */
int plasmd_p2p_ping(int argc, char **argv);
int plasmd_p2p_id(int argc, char **argv);
int plasmd_p2p_dht(int argc, char **argv);

/* plasmd_wasm.c */
int plasmd_wasm(int argc, char **argv);

#endif

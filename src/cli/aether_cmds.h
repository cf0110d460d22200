/* Entry points of the aether command groups (one aether_<group>.c each). */
#ifndef AETHER_AETHER_CMDS_H
#define AETHER_AETHER_CMDS_H

int aether_vrf_main(int argc, char **argv);   /* aether_vrf.c */
int aether_bls_main(int argc, char **argv);   /* aether_bls.c */

#endif

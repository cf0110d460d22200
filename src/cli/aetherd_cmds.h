/* Entry points of the aetherd command groups (one aetherd_<group>.c each). */
#ifndef AETHER_AETHERD_CMDS_H
#define AETHER_AETHERD_CMDS_H

#endif

/* Entry points of the plasmd command groups (one plasmd_<group>.c each). */
#ifndef AETHER_PLASMD_CMDS_H
#define AETHER_PLASMD_CMDS_H

#endif

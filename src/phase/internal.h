/* Private to src/phase: what the provider node shares with jobproto.c. */
#ifndef AETHER_PHASE_INTERNAL_H
#define AETHER_PHASE_INTERNAL_H

#include "phase.h"

#include "p2p/p2p.h"

struct pjob;
uv_loop_t *node_loop(phase_node_t *n);
/* Counts a handle the node must wait for before it frees itself. */
void node_hold(phase_node_t *n);
void node_unhold(phase_node_t *n);
bool node_closing(const phase_node_t *n);
struct pjob **node_pjobs(phase_node_t *n);
/* httpapi.c signs the manifests of its local jobs with the node's key. */
const phase_identity_t *node_identity(const phase_node_t *n);
const phase_node_config_t *node_config(const phase_node_t *n);

/* jobproto.c: /phase/job/1.0.0 on the provider */
void jobproto_on_stream(p2p_stream_t *s, void *node);
/* Called by phase_node_free after the host is gone. */
void jobproto_shutdown(phase_node_t *n);

#endif

/* chain/client private helpers shared by its files. */
#ifndef AETHER_CHAIN_CLIENT_INTERNAL_H
#define AETHER_CHAIN_CLIENT_INTERNAL_H

#include "client.h"

/* The chain id, key's account and the nonce of its next tx (s->nonce when
 * given). */
int client_prepare(chain_client_t *c, const chain_key_t *key, const chain_client_send_t *s,
                   uint64_t *chain_id, chain_client_account_t *acct, uint64_t *nonce, err_t *e);
/* Sets an unsigned tx's fee to chain_client_fee_estimate for its size. */
int client_default_fee(chain_client_t *c, chain_tx_t *tx, err_t *e);
/* Signs tx with key and submits it; tx is consumed (handed to *tx_out on
 * success when tx_out is not NULL). */
int client_sign_submit(chain_client_t *c, const chain_key_t *key, chain_tx_t *tx,
                       chain_tx_t **tx_out, err_t *e);

#endif

/* Entry points of the aether command groups (one aether_<group>.c each). */
#ifndef AETHER_AETHER_CMDS_H
#define AETHER_AETHER_CMDS_H

int aether_vrf_main(int argc, char **argv);   /* aether_vrf.c */
int aether_bls_main(int argc, char **argv);   /* aether_bls.c */

/* Chain client commands (aether_keys.c, aether_chain.c). */
int aether_keys_main(int argc, char **argv);
int aether_status_main(int argc, char **argv);
int aether_peers_main(int argc, char **argv);
int aether_balance_main(int argc, char **argv);
int aether_transfer_main(int argc, char **argv);
int aether_tx_main(int argc, char **argv);
int aether_utxos_main(int argc, char **argv);
int aether_utxo_main(int argc, char **argv);
int aether_verify_proof_main(int argc, char **argv);   /* aether_proof.c */
int aether_verify_finality_main(int argc, char **argv); /* aether_finality.c (issue 13) */
int aether_job_main(int argc, char **argv);            /* aether_job.c (issue 16) */
int aether_contract_main(int argc, char **argv);       /* aether_contract.c (issue 14) */

/* Staking (aether_stake.c, issue 15). */
int aether_validator_main(int argc, char **argv);
int aether_validators_main(int argc, char **argv);
int aether_delegate_main(int argc, char **argv);
int aether_undelegate_main(int argc, char **argv);
int aether_redelegate_main(int argc, char **argv);
int aether_withdraw_main(int argc, char **argv);
int aether_rewards_main(int argc, char **argv);

#endif

/*  registry.h - lpg-registryd's rules and queries. */
#ifndef LPG_REGISTRYD_H
#define LPG_REGISTRYD_H

#include "service.h"

typedef struct {
    int unused;
} lpg_registry_t;

/*  Accepts only registry events; the ledger's own checks decide who may
 *  sign them. */
int lpg_registry_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                       const lpg_event_t *ev,
                       const uint8_t signer_id[LPG_KEYID_LEN],
                       const lpg_append_in_t *in, const void *pre,
                       Lpg__Outcome *outcome);

int lpg_registry_query(void *ctx, lpg_service_t *svc,
                       const Lpg__Request *req, const lpg_sender_t *sender,
                       lpg_reply_t *reply);

#endif

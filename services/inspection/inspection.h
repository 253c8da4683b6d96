/*  inspection.h - lpg-inspectiond: household inspections (each failed
 *  checklist item a hazard with a severity and a deadline), periodic
 *  cylinder inspections (pass: next due date; fail: scrapped), and the
 *  escalation timer that reports hazards left past their deadline to the
 *  street / township, signed with the service's own device key.
 *
 *  The clock: lpg_clock_now_ms (wall time, or LPG_NOW_MS when set, so
 *  tests can stand a few days in the future).
 */
#ifndef LPG_INSPECTION_H
#define LPG_INSPECTION_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "net/service.h"

typedef struct {
    const lpg_config_t *config;
    lpg_ledger_t *ledger;
    const char *zone;    /* time.zone */
    uint32_t major_days; /* inspection.major_days */
    uint32_t minor_days; /* inspection.minor_days */
    lpg_key_t *key;      /* keys/inspection-service.pem; NULL: no timer */
    uint64_t escalated;  /* escalations recorded since start */
} lpg_inspection_t;

/*  Reads the configuration and loads the service key. LPG_ECONFIG with
 *  the reason in why. */
int lpg_inspection_init(lpg_inspection_t *s, const lpg_config_t *cfg,
                        lpg_ledger_t *ledger, char *why, size_t whysz);
void lpg_inspection_fini(lpg_inspection_t *s);

/*  The rules (ledger.h): a household inspection gets the deadlines of
 *  its hazards in the outcome; other events are recorded as they are. */
int lpg_inspection_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                         const lpg_event_t *ev, const lpg_signer_t *signer,
                         const lpg_append_in_t *in, void *pre,
                         Lpg__Outcome *outcome);

/*  One look for hazards past their deadline, neither rectified nor
 *  escalated: each gets a HazardEscalation with an id derived from the
 *  hazard. Returns LPG_OK or the error that stopped it. */
int lpg_inspection_escalate(lpg_inspection_t *s, uint64_t now_ms);

#endif

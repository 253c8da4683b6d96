/*  filling.h - lpg-fillingd: the fill gate (DESIGN.md §7 "filling").
 *
 *  A fill is a fill check ("may I fill this one?": the scanned code, the
 *  scale's empty weight, the visual checklist) answered ALLOW or DENY with
 *  every reason and recorded either way, then a fill record naming the
 *  ALLOW it follows with the full weight and the leak check. A supervisor
 *  may override a DENY only where lib/domain/reasons.c allows it. The judging is
 *  lib/domain/fill_rules.c; this file gathers the state each rule needs inside the
 *  append transaction, so events in one batch see each other.
 */
#ifndef LPG_FILLINGD_H
#define LPG_FILLINGD_H

#include "base/clock.h"
#include "domain/fill_rules.h"
#include "net/service.h"

typedef struct {
    const lpg_config_t *config;
    lpg_rules_limits_t limits;
    const char *zone;
    const char *resolver;
    const lpg_key_t *authority; /* owned by the ledger */
    lpg_ledger_t *ledger;       /* read by the precheck */
    uint64_t (*now_ms)(void);   /* the service clock (tests may replace) */
    lpg_today_t today;          /* the local date, cached; only the
                                   committing thread asks */
} lpg_filling_t;

/*  Reads thresholds and the time zone from the configuration. */
int lpg_filling_init(lpg_filling_t *f, const lpg_config_t *cfg,
                     lpg_ledger_t *ledger, char *why, size_t whysz);

int lpg_filling_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                      const lpg_event_t *ev, const lpg_signer_t *signer,
                      const lpg_append_in_t *in, void *pre,
                      Lpg__Outcome *outcome);

/*  Verifies a fill check's code off the write transaction. */
void *lpg_filling_precheck(void *ctx, const lpg_event_t *ev);

/*  Adds the cylinder's serial and short id to the answer of a fill check,
 *  for the operator to compare with the steel stamp. */
int lpg_filling_submitted(void *ctx, const lpg_submitted_t *sub,
                          lpg_reply_t *reply);

#endif

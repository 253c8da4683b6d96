/*  lpg-inspectiond - household and periodic inspections and the hazard
 *  escalation timer. See inspection.h. */
#include "base/error.h"
#include "base/clock.h"
#include "inspection.h"
#include "base/log.h"

#include <stdio.h>
#include <string.h>

static lpg_inspection_t s_inspection;

static int
s_start(void *ctx, lpg_service_t *svc)
{
    char why[256] = "";
    int rc = lpg_inspection_init(&s_inspection, lpg_service_config(svc),
                                 lpg_service_ledger(svc), why, sizeof why);
    if (rc != LPG_OK)
        lpg_error("inspection: %s", *why ? why : lpg_strerror(rc));
    return rc;
}

/*  The loop ticks often; the look for hazards runs every
 *  inspection.tick_ms of them. */
static int
s_tick(void *ctx, lpg_service_t *svc)
{
    static uint64_t last;
    int64_t every = lpg_config_get_int(lpg_service_config(svc),
                                       "inspection.tick_ms", 5000);
    uint64_t now = lpg_clock_mono_ms();
    if (last && now - last < (uint64_t)(every > 0 ? every : 5000))
        return LPG_OK;
    last = now;
    return lpg_inspection_escalate(&s_inspection, lpg_clock_now_ms());
}

int
main(int argc, char **argv)
{
    lpg_service_opts_t opts = {0};
    opts.name = "inspection";
    opts.rules = lpg_inspection_rules;
    opts.start = s_start;
    opts.tick = s_tick;
    opts.tick_ms = 100;
    opts.ctx = &s_inspection;
    int status = lpg_service_main(argc, argv, &opts);
    lpg_inspection_fini(&s_inspection);
    return status;
}

/*  lpg-inspectiond - household and periodic inspections and the hazard
 *  escalation timer. See inspection.h.
 *
 *  Started like every daemon (net/service.h): read the configuration,
 *  start, serve until SIGTERM / SIGINT, stop. The escalation timer is
 *  the service's tick, every inspection.tick_ms.
 */
#include "base/clock.h"
#include "base/error.h"
#include "inspection.h"

static int
s_start(void *self, lpg_service_opts_t *opts, char *why, size_t whysz)
{
    int rc = lpg_inspection_init(self, opts->config, opts->ledger, why, whysz);
    int64_t every =
        lpg_config_get_int(opts->config, "inspection.tick_ms", 5000);
    if (every <= 0)
        every = 5000;
    opts->tick_ms = every < UINT32_MAX ? (unsigned)every : UINT32_MAX;
    return rc;
}

/*  One look for hazards past their deadline. */
static int
s_tick(void *self, lpg_service_t *svc)
{
    return lpg_inspection_escalate(self, lpg_clock_now_ms());
}

static void
s_stop(void *self, bool clean)
{
    lpg_inspection_fini(self);
}

int
main(int argc, char **argv)
{
    lpg_inspection_t self = {0};
    lpg_service_opts_t opts = {
        .name = "inspection",
        .start = s_start,
        .rules = lpg_inspection_rules,
        .tick = s_tick,
        .stop = s_stop,
        .ctx = &self,
    };
    return lpg_service_main(argc, argv, &opts);
}

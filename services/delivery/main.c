/*  lpg-deliveryd - the drivers' handheld backend. See delivery.h.
 *
 *  Started like every daemon (net/service.h): read the configuration,
 *  start, serve until SIGTERM / SIGINT, stop.
 */
#include "delivery.h"

#include <stdbool.h>

static int
s_start(void *self, lpg_service_opts_t *opts, char *why, size_t whysz)
{
    return lpg_delivery_init(self, opts->config, opts->ledger, why, whysz);
}

static void
s_stop(void *self, bool clean)
{
    (void)clean;
    lpg_delivery_stop(self);
}

int
main(int argc, char **argv)
{
    lpg_delivery_t self = {0};
    lpg_service_opts_t opts = {
        .name = "delivery",
        .start = s_start,
        .rules = lpg_delivery_rules,
        .precheck = lpg_delivery_precheck,
        .stop = s_stop,
        .ctx = &self,
    };
    return lpg_service_main(argc, argv, &opts);
}

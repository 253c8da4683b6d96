/*  lpg-orderd - the ordering platform. See order.h.
 *
 *  Started like every daemon (net/service.h): read the configuration,
 *  start, serve until SIGTERM / SIGINT, stop.
 */
#include "order.h"

static int
s_start(void *self, lpg_service_opts_t *opts, char *why, size_t whysz)
{
    return lpg_order_init(self, opts->config, opts->ledger, why, whysz);
}

static void
s_stop(void *self, bool clean)
{
    (void)clean;
    lpg_order_stop(self);
}

int
main(int argc, char **argv)
{
    lpg_order_t self = {0};
    lpg_service_opts_t opts = {
        .name = "order",
        .start = s_start,
        .stop = s_stop,
        .rules = lpg_order_rules,
        .precheck = lpg_order_precheck,
        .ctx = &self,
    };
    return lpg_service_main(argc, argv, &opts);
}

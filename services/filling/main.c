/*  lpg-fillingd - the fill gate. See filling.h.
 *
 *  Started like every daemon (net/service.h): read the configuration,
 *  start, serve until SIGTERM / SIGINT, stop.
 */
#include "filling.h"

static int
s_start(void *self, lpg_service_opts_t *opts, char *why, size_t whysz)
{
    return lpg_filling_init(self, opts->config, opts->ledger, why, whysz);
}

int
main(int argc, char **argv)
{
    lpg_filling_t self = {0};
    lpg_service_opts_t opts = {
        .name = "filling",
        .start = s_start,
        .rules = lpg_filling_rules,
        .precheck = lpg_filling_precheck,
        .submitted = lpg_filling_submitted,
        .ctx = &self,
    };
    return lpg_service_main(argc, argv, &opts);
}

/*  lpg-registryd - the registry: companies, sites, staff, vehicles,
 *  devices, users and cylinders. Every change is a signed event (the
 *  authority key, or a company's admin key for its own staff, vehicles
 *  and users: lib/domain/state.c says who may sign what); this service
 *  records them and answers look-ups. See registry.h.
 *
 *  Started like every daemon (net/service.h): read the configuration,
 *  start, serve until SIGTERM / SIGINT, stop.
 */
#include "base/error.h"
#include "registry.h"

static int
s_start(void *self, lpg_service_opts_t *opts, char *why, size_t whysz)
{
    lpg_registry_init(self, opts->config);
    return LPG_OK;
}

static void
s_stop(void *self, bool clean)
{
    lpg_registry_clear(self);
}

int
main(int argc, char **argv)
{
    lpg_registry_t self = {0};
    lpg_service_opts_t opts = {
        .name = "registry",
        .start = s_start,
        .rules = lpg_registry_rules,
        .query = lpg_registry_query,
        .submitted = lpg_registry_submitted,
        .stop = s_stop,
        .ctx = &self,
    };
    return lpg_service_main(argc, argv, &opts);
}

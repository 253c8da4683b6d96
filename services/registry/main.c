/*  lpg-registryd - the registry: companies, sites, staff, vehicles,
 *  devices, users and cylinders. Every change is a signed event (the
 *  authority key, or a company's admin key for its own staff, vehicles
 *  and users: lib/state.c says who may sign what); this service records
 *  them and answers look-ups.
 */
#include "base/error.h"
#include "base/log.h"
#include "registry.h"
#include "net/service.h"

int
main(int argc, char **argv)
{
    lpg_service_opts_t opts = {0};
    lpg_registry_t reg = {0};
    lpg_log_set_component("registry");
    lpg_registry_init(&reg, argc, argv);
    opts.name = "registry";
    opts.rules = lpg_registry_rules;
    opts.query = lpg_registry_query;
    opts.ctx = &reg;
    int status = lpg_service_main(argc, argv, &opts);
    lpg_registry_clear(&reg);
    return status;
}

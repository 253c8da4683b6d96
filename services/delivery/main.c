/*  lpg-deliveryd - the drivers' handheld backend. See delivery.h. */
#include "delivery.h"
#include "base/error.h"
#include "base/log.h"

static lpg_delivery_t s_delivery;

static int
s_start(void *ctx, lpg_service_t *svc)
{
    char why[256] = "";
    int rc = lpg_delivery_init(&s_delivery, lpg_service_config(svc), why,
                               sizeof why);
    if (rc != LPG_OK)
        lpg_error("delivery: %s", *why ? why : lpg_strerror(rc));
    return rc;
}

int
main(int argc, char **argv)
{
    lpg_service_opts_t opts = {0};
    opts.name = "delivery";
    opts.rules = lpg_delivery_rules;
    opts.start = s_start;
    opts.ctx = &s_delivery;
    return lpg_service_main(argc, argv, &opts);
}

/*  lpg-fillingd - the fill gate. See filling.h. */
#include "base/error.h"
#include "filling.h"
#include "base/log.h"

#include <stdio.h>
#include <string.h>

static lpg_filling_t s_filling;

static int
s_start(void *ctx, lpg_service_t *svc)
{
    char why[256] = "";
    int rc = lpg_filling_init(&s_filling, lpg_service_config(svc),
                              lpg_service_ledger(svc), why, sizeof why);
    if (rc != LPG_OK)
        lpg_error("filling: %s", *why ? why : lpg_strerror(rc));
    return rc;
}

int
main(int argc, char **argv)
{
    lpg_service_opts_t opts = {0};
    opts.name = "filling";
    opts.rules = lpg_filling_rules;
    opts.precheck = lpg_filling_precheck;
    opts.submitted = lpg_filling_submitted;
    opts.start = s_start;
    opts.ctx = &s_filling;
    return lpg_service_main(argc, argv, &opts);
}

/*  lpg-traced - the read side for regulators, and (notary.enabled = 1, in
 *  exactly one instance) the notary that signs checkpoints and publishes
 *  the feed. See trace.h.
 *
 *  Its own main rather than lpg_service_main: the feed's ZAP handler
 *  reads the ledger, so it must stop before the ledger closes.
 */
#include "base/error.h"
#include "domain/kind.h"
#include "domain/state.h"
#include "base/log.h"
#include "trace.h"

#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    const char *home = NULL, *endpoint = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
            home = argv[++i];
        else if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc)
            endpoint = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--home DIR] [--endpoint EP]\n",
                    argv[0]);
            return 2;
        }
    }
    lpg_log_set_component("trace");
    lpg_config_t *cfg = NULL;
    char why[512] = "";
    int rc = lpg_config_load(&cfg, home, why, sizeof why);
    if (rc != LPG_OK) {
        lpg_error("configuration: %s", *why ? why : lpg_strerror(rc));
        return 2;
    }
    char path[4096];
    lpg_config_path(cfg, "ledger", path, sizeof path);
    uint64_t map_size = 0;
    lpg_ledger_t *l = NULL;
    lpg_trace_t trace;
    memset(&trace, 0, sizeof trace);
    lpg_service_opts_t opts = {0};
    lpg_service_t *svc = NULL;
    rc = lpg_config_map_size(cfg, &map_size, why, sizeof why);
    if (rc != LPG_OK)
        lpg_error("configuration: %s", why);
    else
        rc = lpg_ledger_open(&l, path, 0, map_size, &lpg_domain_projection);
    if (rc == LPG_OK)
        rc = lpg_service_load_key(cfg, "trace", opts.curve_secret);
    if (rc == LPG_OK) {
        rc = lpg_trace_init(&trace, cfg, l, opts.curve_secret, why,
                            sizeof why);
        if (rc != LPG_OK)
            lpg_error("trace: %s", *why ? why : lpg_strerror(rc));
    }
    if (rc == LPG_OK) {
        opts.name = "trace";
        opts.ledger = l;
        opts.config = cfg;
        opts.endpoint = endpoint;
        opts.rules = lpg_trace_rules;
        opts.query = lpg_trace_query;
        opts.reply_max = trace.max_trace;
        opts.tick = trace.notary ? lpg_trace_tick : NULL;
        opts.tick_ms = trace.notary ? LPG_TRACE_TICK_MS : 0;
        opts.ctx = &trace;
        lpg_service_handle_signals();
        rc = lpg_service_new(&svc, &opts);
    }
    if (rc == LPG_OK)
        rc = lpg_service_run(svc);
    if (rc == LPG_OK && trace.notary) {
        /* What was committed before the stop: published and signed. */
        lpg_trace_publish(&trace);
        lpg_trace_notarise(&trace, true);
        lpg_info("trace: notary signed %llu checkpoints since start",
                 (unsigned long long)trace.checkpoints);
    }
    lpg_service_destroy(&svc);
    lpg_trace_fini(&trace);
    lpg_ledger_close(&l);
    lpg_config_destroy(&cfg);
    memset(opts.curve_secret, 0, sizeof opts.curve_secret);
    return rc == LPG_OK ? 0 : 1;
}

/*  lpg-traced - the read side for regulators, and (notary.enabled = 1, in
 *  exactly one instance) the notary that signs checkpoints and publishes
 *  the feed. See trace.h.
 *
 *  Started like every daemon (net/service.h): read the configuration,
 *  start, serve until SIGTERM / SIGINT, stop. The notary's timer and the
 *  feed are its tick; the stop signs what was committed and closes the
 *  feed (whose ZAP handler reads the ledger) before the ledger closes.
 */
#include "base/error.h"
#include "domain/kind.h"
#include "domain/state.h"
#include "base/log.h"
#include "trace.h"

static int
s_start(void *self, lpg_service_opts_t *opts, char *why, size_t whysz)
{
    lpg_trace_t *t = self;
    int rc = lpg_trace_init(t, opts->config, opts->ledger, opts->curve_secret,
                            why, whysz);
    if (rc != LPG_OK)
        return rc;
    opts->reply_max = t->max_trace;
    if (t->notary) {
        opts->tick = lpg_trace_tick;
        opts->tick_ms = LPG_TRACE_TICK_MS;
    }
    return LPG_OK;
}

static void
s_stop(void *self, bool clean)
{
    lpg_trace_t *t = self;
    if (clean && t->notary) {
        /* What was committed before the stop: published and signed. */
        lpg_trace_publish(t);
        lpg_trace_notarise(t, true);
        lpg_info("trace: notary signed %llu checkpoints since start",
                 (unsigned long long)t->checkpoints);
    }
    lpg_trace_fini(t);
}

int
main(int argc, char **argv)
{
    lpg_trace_t self = {0};
    lpg_service_opts_t opts = {
        .name = "trace",
        .start = s_start,
        .rules = lpg_trace_rules,
        .query = lpg_trace_query,
        .stop = s_stop,
        .ctx = &self,
    };
    return lpg_service_main(argc, argv, &opts);
}

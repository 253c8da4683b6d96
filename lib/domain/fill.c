/*  fill.c - see fill.h. */
#include "domain/fill.h"
#include "base/error.h"
#include "domain/cylinder.h"

#include <stdio.h>
#include <string.h>

static int
s_authorize(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
            char *why, size_t whysz)
{
    if (signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "the authority key does not sign station events");
    return LPG_OK;
}

static bool
s_ok(const Lpg__Outcome *outcome)
{
    return !outcome || outcome->status == LPG__STATUS__STATUS_OK;
}

/*  Accepted: where it was last seen, for impossible travel (a refused
 *  one may name a cylinder that was not there: a forged code). */
static void
s_seen(Lpg__CylinderState *cyl, const Lpg__Event *e, uint64_t recorded_at_ms)
{
    lpg_cylinder_seen(cyl, e->site, e->device_time_ms, recorded_at_ms);
}

/*  An ALLOW becomes the cylinder's pending permission, replacing any
 *  earlier one. A DENY is only counted: a refused event changes no
 *  custody and no pending ALLOW (DESIGN.md §7), else any station's device
 *  could cancel another station's ALLOW by scanning the code. */
static void
s_step_check(Lpg__CylinderState *cyl, uint64_t seq, uint64_t recorded_at_ms,
             const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    if (s_ok(outcome)) {
        cyl->has_last_fill_check_seq = 1;
        cyl->last_fill_check_seq = seq;
        cyl->has_last_allow_event_id = 1;
        cyl->last_allow_event_id = e->event_id;
        cyl->has_last_allow_seq = 1;
        cyl->last_allow_seq = seq;
        s_seen(cyl, e, recorded_at_ms);
    } else {
        cyl->has_denied_checks = 1;
        cyl->denied_checks++;
    }
}

static void
s_step_override(Lpg__CylinderState *cyl, uint64_t seq, uint64_t recorded_at_ms,
                const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    if (!s_ok(outcome))
        return;
    cyl->has_last_override_event_id = 1;
    cyl->last_override_event_id = e->event_id;
    cyl->has_last_override_seq = 1;
    cyl->last_override_seq = seq;
    s_seen(cyl, e, recorded_at_ms);
}

static void
s_step_record(Lpg__CylinderState *cyl, uint64_t seq, uint64_t recorded_at_ms,
              const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    if (s_ok(outcome)) {
        cyl->has_last_fill_seq = 1;
        cyl->last_fill_seq = seq;
        cyl->has_last_full_g = 1;
        cyl->last_full_g = e->fill_record->full_g;
        cyl->has_fills = 1;
        cyl->fills++;
        cyl->has_custody = 1;
        cyl->custody = LPG__CUSTODY__CUSTODY_FULL_AT_STATION;
        /* The ALLOW (or override) is used up. */
        cyl->has_last_allow_event_id = 0;
        cyl->last_allow_event_id.data = NULL;
        cyl->last_allow_event_id.len = 0;
        cyl->has_last_override_event_id = 0;
        cyl->last_override_event_id.data = NULL;
        cyl->last_override_event_id.len = 0;
        s_seen(cyl, e, recorded_at_ms);
    }
    /* Over-filled or leaking: held until decanted or repaired, even when
     * the record itself was refused (the gas is in it). */
    bool over = outcome && outcome->fill && outcome->fill->has_over &&
                outcome->fill->over;
    bool scrapped = lpg_cylinder_scrapped(cyl);
    if ((over || !e->fill_record->leak_ok) && !scrapped) {
        cyl->has_status = 1;
        cyl->status = LPG__CYLINDER_STATUS__CYL_QUARANTINED;
    }
}

static void
s_say_check(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
            lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "fill check %s", ok ? "ALLOW" : "DENY");
    snprintf(w->step_zh, sizeof w->step_zh, "充装前检查：%s",
             ok ? "允许" : "拒绝");
    snprintf(w->detail, sizeof w->detail, "empty weight %u g",
             e->fill_check->empty_g);
}

static void
s_say_record(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
             lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, ok ? "filled" : "fill refused");
    snprintf(w->step_zh, sizeof w->step_zh, ok ? "充装" : "充装被拒");
    const Lpg__FillResult *f = o ? o->fill : NULL;
    if (f)
        snprintf(w->detail, sizeof w->detail, "full %u g, net %d g%s%s%s",
                 e->fill_record->full_g, f->net_g,
                 f->has_over && f->over ? ", OVER-FILLED" : "",
                 f->has_under && f->under ? ", SHORT WEIGHT" : "",
                 e->fill_record->leak_ok ? "" : ", LEAK");
    else
        snprintf(w->detail, sizeof w->detail, "full %u g%s",
                 e->fill_record->full_g,
                 e->fill_record->leak_ok ? "" : ", LEAK");
}

static void
s_say_override(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
               lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "override %s", ok ? "ALLOW" : "refused");
    snprintf(w->step_zh, sizeof w->step_zh, "人工放行：%s",
             ok ? "允许" : "被拒");
    snprintf(w->detail, sizeof w->detail, "reason: %s",
             e->fill_override->reason);
}

const lpg_kind_t lpg_fill_kinds[] = {
    {LPG__EVENT__BODY_FILL_CHECK, "fill_check", "filling", s_authorize, NULL,
     s_step_check, false, s_say_check},
    {LPG__EVENT__BODY_FILL_RECORD, "fill_record", "filling", s_authorize, NULL,
     s_step_record, false, s_say_record},
    {LPG__EVENT__BODY_FILL_OVERRIDE, "fill_override", "filling", s_authorize,
     NULL, s_step_override, false, s_say_override},
};
const size_t lpg_fill_nkinds = sizeof lpg_fill_kinds / sizeof *lpg_fill_kinds;

/*  inspection.c - see inspection.h. */
#include "inspection.h"
#include "base/error.h"
#include "ledger/event.h"
#include "base/log.h"
#include "domain/fill_rules.h"
#include "domain/inspection.h"
#include "base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_PER_TICK 256 /* escalations recorded in one look */

int
lpg_inspection_init(lpg_inspection_t *s, const lpg_config_t *cfg,
                    lpg_ledger_t *ledger, char *why, size_t whysz)
{
    memset(s, 0, sizeof *s);
    s->config = cfg;
    s->ledger = ledger;
    s->zone = lpg_config_get(cfg, "time.zone");
    if (lpg_local_ymd(lpg_clock_now_ms(), s->zone) == 0) {
        snprintf(why, whysz, "time.zone '%s' is not a known time zone",
                 s->zone);
        return LPG_ECONFIG;
    }
    int64_t major = lpg_config_get_int(cfg, "inspection.major_days", -1);
    int64_t minor = lpg_config_get_int(cfg, "inspection.minor_days", -1);
    if (major < 0 || major > 3650 || minor < 0 || minor > 3650) {
        snprintf(why, whysz,
                 "inspection.major_days and minor_days must be "
                 "0 to 3650");
        return LPG_ECONFIG;
    }
    s->major_days = (uint32_t)major;
    s->minor_days = (uint32_t)minor;
    char path[4096];
    lpg_config_path(cfg, "keys/inspection-service.pem", path, sizeof path);
    int rc = lpg_key_load_private(&s->key, path);
    if (rc != LPG_OK)
        lpg_warn("no service key %s (%s): hazards will not be escalated", path,
                 lpg_strerror(rc));
    return LPG_OK;
}

void
lpg_inspection_fini(lpg_inspection_t *s)
{
    lpg_key_destroy(&s->key);
}

/*  The outcome's InspectionResult, which the ledger does not free: one
 *  per thread, valid until the next call on that thread (the ledger packs
 *  the outcome right after the rules). */
static _Thread_local Lpg__InspectionResult s_result;

int
lpg_inspection_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                     const lpg_event_t *ev, const lpg_signer_t *signer,
                     const lpg_append_in_t *in, void *pre,
                     Lpg__Outcome *outcome)
{
    lpg_inspection_t *s = ctx;
    const Lpg__Event *e = ev->event;
    if (e->body_case != LPG__EVENT__BODY_HOUSEHOLD_INSPECTION)
        return LPG_OK;
    /* Deadlines count from the day of the inspection by a device clock
     * that cannot be ahead of the service's: an inspector's clock set a
     * year ahead moves no deadline. */
    uint32_t day = lpg_local_ymd(
        lpg_clock_bounded(e->device_time_ms, lpg_clock_now_ms()), s->zone);
    Lpg__InspectionResult r = LPG__INSPECTION_RESULT__INIT;
    r.major_deadline_ymd = lpg_ymd_add_days(day, s->major_days);
    r.minor_deadline_ymd = lpg_ymd_add_days(day, s->minor_days);
    if (!r.major_deadline_ymd || !r.minor_deadline_ymd)
        return LPG_EINVAL; /* the device's clock is no date */
    s_result = r;
    outcome->inspection = &s_result;
    return LPG_OK;
}

typedef struct {
    char key[LPG_HAZARD_KEY_MAX];
    char user[LPG_HAZARD_KEY_MAX];
    char to[64];
    uint32_t deadline_ymd;
} s_due_t;

typedef struct {
    lpg_txn_t *txn;
    uint32_t today;
    s_due_t *due;
    size_t n;
} s_scan_t;

static int
s_collect(void *ctx, const void *key, size_t klen, const void *val,
          size_t vlen)
{
    s_scan_t *sc = ctx;
    if (sc->n >= S_MAX_PER_TICK)
        return LPG_OK;
    if (klen < 7 || memcmp(key, "hazard/", 7) != 0 ||
        klen >= LPG_HAZARD_KEY_MAX)
        return LPG_OK;
    Lpg__HazardState *hz = lpg__hazard_state__unpack(NULL, vlen, val);
    if (!hz)
        return LPG_OK; /* not ours to judge here; verify reports it */
    bool due = !hz->has_escalated_seq && !hz->has_rectified_seq &&
               sc->today > hz->deadline_ymd;
    if (due) {
        s_due_t *d = &sc->due[sc->n++];
        memcpy(d->key, key, klen);
        d->key[klen] = '\0';
        snprintf(d->user, sizeof d->user, "%s", hz->user);
        d->deadline_ymd = hz->deadline_ymd;
        snprintf(d->to, sizeof d->to, "unassigned");
        const void *uv;
        size_t ulen;
        if (lpg_txn_get(sc->txn, LPG_TABLE_USERS, hz->user, strlen(hz->user),
                        &uv, &ulen) == LPG_OK) {
            Lpg__UserState *u = lpg__user_state__unpack(NULL, ulen, uv);
            if (u && u->add->area && *u->add->area)
                snprintf(d->to, sizeof d->to, "%s", u->add->area);
            if (u)
                lpg__user_state__free_unpacked(u, NULL);
        }
    }
    lpg__hazard_state__free_unpacked(hz, NULL);
    return LPG_OK;
}

/*  Signs the escalation of one hazard. The body depends only on the
 *  hazard (its id, its user, its area, the end of its deadline day as the
 *  device time), so a second attempt is the same event: a retry. */
static int
s_sign_escalation(const lpg_inspection_t *s, const s_due_t *d, uint8_t **data,
                  size_t *len)
{
    uint8_t id[LPG_EVENT_ID_LEN];
    lpg_hazard_escalation_id(id, d->key);
    Lpg__HazardEscalation he = LPG__HAZARD_ESCALATION__INIT;
    he.hazard = (char *)d->key;
    he.to = (char *)d->to;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = lpg_ymd_end_ms(d->deadline_ymd);
    ev.user = (char *)d->user;
    ev.body_case = LPG__EVENT__BODY_HAZARD_ESCALATION;
    ev.hazard_escalation = &he;
    return lpg_event_sign(&ev, s->key, data, len);
}

int
lpg_inspection_escalate(lpg_inspection_t *s, uint64_t now_ms)
{
    if (!s->key)
        return LPG_OK;
    s_scan_t sc = {0};
    sc.today = lpg_local_ymd(now_ms, s->zone);
    if (!sc.today)
        return LPG_ECONFIG;
    sc.due = calloc(S_MAX_PER_TICK, sizeof *sc.due);
    lpg_append_in_t *in = calloc(S_MAX_PER_TICK, sizeof *in);
    lpg_append_out_t *out = calloc(S_MAX_PER_TICK, sizeof *out);
    int rc = sc.due && in && out ? LPG_OK : LPG_ENOMEM;
    if (rc == LPG_OK)
        rc = lpg_ledger_read(s->ledger, &sc.txn);
    if (rc == LPG_OK)
        rc = lpg_txn_foreach(sc.txn, LPG_TABLE_HAZARDS, s_collect, &sc);
    lpg_txn_abort(&sc.txn);
    size_t n = 0;
    for (; rc == LPG_OK && n < sc.n; n++) {
        uint8_t *data = NULL;
        size_t len = 0;
        rc = s_sign_escalation(s, &sc.due[n], &data, &len);
        in[n].data = data;
        in[n].len = len;
    }
    if (rc == LPG_OK && n > 0)
        rc = lpg_ledger_append(s->ledger, "inspection", in, n,
                               lpg_inspection_rules, s, out);
    for (size_t i = 0; rc == LPG_OK && i < n; i++) {
        if (out[i].status == LPG_OK && !out[i].duplicate) {
            s->escalated++;
            lpg_info("escalated %s to %s (deadline %u) at seq %llu",
                     sc.due[i].key, sc.due[i].to, sc.due[i].deadline_ymd,
                     (unsigned long long)out[i].seq);
        } else if (out[i].status != LPG_OK) {
            lpg_warn("escalation of %s refused: %s %s", sc.due[i].key,
                     lpg_strerror(out[i].status), out[i].why);
        }
    }
    if (rc != LPG_OK)
        lpg_error("escalation: %s", lpg_strerror(rc));
    for (size_t i = 0; i < n; i++)
        free((void *)in[i].data);
    free(out);
    free(in);
    free(sc.due);
    return rc;
}

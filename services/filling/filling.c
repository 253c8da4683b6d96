/*  filling.c - see filling.h. */
#include "filling.h"
#include "codes/code.h"
#include "base/error.h"
#include "base/log.h"
#include "domain/cylinder.h"
#include "domain/reasons.h"
#include "domain/state.h"
#include "base/clock.h"
#include "base/count.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
lpg_filling_init(lpg_filling_t *f, const lpg_config_t *cfg,
                 lpg_ledger_t *ledger, char *why, size_t whysz)
{
    memset(f, 0, sizeof *f);
    f->config = cfg;
    f->zone = lpg_config_get(cfg, "time.zone");
    f->resolver = lpg_config_get(cfg, "code.resolver");
    f->authority = lpg_ledger_authority(ledger);
    f->ledger = ledger;
    f->now_ms = lpg_clock_now_ms;
    if (!f->authority) {
        snprintf(why, whysz, "the ledger has no authority key");
        return LPG_ECONFIG;
    }
    if (lpg_local_ymd(lpg_clock_now_ms(), f->zone) == 0) {
        snprintf(why, whysz, "time.zone '%s' is not a known time zone",
                 f->zone);
        return LPG_ECONFIG;
    }
    return lpg_rules_limits_from_config(&f->limits, cfg, why, whysz);
}

/*  A recorded event found by its id in a cylinder's history. */
typedef struct {
    Lpg__LedgerEntry *entry;
    Lpg__SignedEvent *signed_event;
    Lpg__Event *event;
    uint64_t seq;
} s_found_t;

static void
s_found_clear(s_found_t *f)
{
    if (f->event)
        lpg__event__free_unpacked(f->event, NULL);
    if (f->signed_event)
        lpg__signed_event__free_unpacked(f->signed_event, NULL);
    if (f->entry)
        lpg__ledger_entry__free_unpacked(f->entry, NULL);
    memset(f, 0, sizeof *f);
}

static bool
s_load(lpg_txn_t *t, uint64_t seq, s_found_t *out)
{
    const uint8_t *data;
    size_t len;
    if (lpg_txn_entry(t, seq, &data, &len) != LPG_OK)
        return false;
    lpg_count(LPG_COUNT_ENTRY_DECODE);
    out->entry = lpg__ledger_entry__unpack(NULL, len, data);
    if (out->entry)
        out->signed_event = lpg__signed_event__unpack(
            NULL, out->entry->signed_event.len, out->entry->signed_event.data);
    if (out->signed_event)
        out->event = lpg__event__unpack(NULL, out->signed_event->body.len,
                                        out->signed_event->body.data);
    out->seq = seq;
    if (!out->event) {
        s_found_clear(out);
        return false;
    }
    return true;
}

typedef struct {
    lpg_txn_t *t;
    const uint8_t *id;
    uint64_t seq;
    bool found;
} s_search_t;

static int
s_match(void *ctx, uint64_t seq)
{
    s_search_t *s = ctx;
    s_found_t f = {0};
    if (s_load(s->t, seq, &f)) {
        if (f.event->event_id.len == LPG_EVENT_ID_LEN &&
            memcmp(f.event->event_id.data, s->id, LPG_EVENT_ID_LEN) == 0) {
            s->seq = seq;
            s->found = true;
        }
        s_found_clear(&f);
    }
    return LPG_OK;
}

/*  The event with this id among the cylinder's entries: first the seq
 *  the state points at (the usual case), else a walk of its history. */
static bool
s_find(lpg_txn_t *t, const char *grai, const ProtobufCBinaryData *id,
       bool has_hint, uint64_t hint, s_found_t *out)
{
    memset(out, 0, sizeof *out);
    if (!grai || id->len != LPG_EVENT_ID_LEN)
        return false;
    if (has_hint && s_load(t, hint, out)) {
        if (memcmp(out->event->event_id.data, id->data, LPG_EVENT_ID_LEN) == 0)
            return true;
        s_found_clear(out);
    }
    s_search_t s = {t, id->data, 0, false};
    lpg_txn_seqs(t, LPG_TABLE_BY_CYLINDER, grai, strlen(grai), s_match, &s);
    return s.found && s_load(t, s.seq, out);
}

/*  Refuses an event the rules cannot judge (a field missing or naming
 *  something else), unrecorded: INVALID with a message naming the field,
 *  so a client knows what to put right. */
__attribute__((format(printf, 2, 3))) static int
s_invalid(Lpg__Outcome *o, const char *fmt, ...)
{
    char msg[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(o->message);
    o->message = strdup(msg);
    return LPG_EINVAL;
}

/*  The Event fields a kind of the filling station needs: a missing one
 *  is refused with its name rather than judged (a check with no station
 *  or no operator would otherwise be recorded as a DENY for reasons
 *  that are not the device's fault to read). */
static int
s_required(const Lpg__Event *e, bool cylinder, bool site, bool actor,
           Lpg__Outcome *o)
{
    if (cylinder && (!e->cylinder || !*e->cylinder))
        return s_invalid(o, "Event.cylinder: missing (the GRAI of the "
                            "cylinder, as its code names it)");
    if (site && (!e->site || !*e->site))
        return s_invalid(o, "Event.site: missing (the station the device "
                            "is enrolled at)");
    if (actor && (!e->actor || !*e->actor))
        return s_invalid(o, "Event.actor: missing (the staff id of the "
                            "person acting)");
    return LPG_OK;
}

/*  A fill check's code verified on the signature threads, and what its
 *  rules then found of the cylinder, carried to the reply (the check
 *  changes none of these fields). Plain bytes: the ledger frees it. */
typedef struct {
    int rc;
    lpg_code_t code;
    bool looked; /* the rules looked the cylinder up */
    bool found;  /* and found it: */
    char grai[LPG_STRING_MAX + 1];
    char serial[LPG_STRING_MAX + 1];
    char owner[LPG_STRING_MAX + 1];
    uint32_t tare_g, fill_g;
    protobuf_c_boolean has_status, has_custody;
    Lpg__CylinderStatus status;
    Lpg__Custody custody;
} s_pre_t;

/*  Keeps what the reply shows of the cylinder the rules loaded. */
static void
s_pre_keep(s_pre_t *p, const Lpg__CylinderState *cyl)
{
    p->looked = true;
    p->found = cyl && cyl->reg;
    if (!p->found)
        return;
    snprintf(p->grai, sizeof p->grai, "%s", cyl->grai);
    snprintf(p->serial, sizeof p->serial, "%s",
             cyl->reg->serial ? cyl->reg->serial : "");
    snprintf(p->owner, sizeof p->owner, "%s",
             cyl->reg->owner ? cyl->reg->owner : "");
    p->tare_g = cyl->reg->tare_g;
    p->fill_g = cyl->reg->fill_g;
    p->has_status = cyl->has_status;
    p->status = cyl->status;
    p->has_custody = cyl->has_custody;
    p->custody = cyl->custody;
}

void *
lpg_filling_precheck(void *ctx, const lpg_event_t *ev)
{
    lpg_filling_t *f = ctx;
    if (ev->event->body_case != LPG__EVENT__BODY_FILL_CHECK)
        return NULL;
    s_pre_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    const char *text = ev->event->fill_check->code;
    /* A snapshot as it comes is enough: a code on record stays so, and
     * waiting here for a commit in flight would hold up the batch. */
    lpg_txn_t *t = NULL;
    if (f->ledger && lpg_ledger_read_now(f->ledger, &t) != LPG_OK)
        t = NULL;
    p->rc = lpg_cylinder_code_verify(t, text, strlen(text), f->resolver,
                                     f->authority, NULL, &p->code);
    lpg_txn_abort(&t);
    return p;
}

static int
s_fill_check(lpg_filling_t *f, lpg_txn_t *t, const lpg_event_t *ev,
             const lpg_signer_t *signer, s_pre_t *pre, Lpg__Outcome *o)
{
    const Lpg__Event *e = ev->event;
    const Lpg__FillCheck *fc = e->fill_check;
    lpg_code_t code;
    int code_rc;
    if (pre) {
        code = pre->code;
        code_rc = pre->rc;
    } else
        code_rc = lpg_code_verify(fc->code, strlen(fc->code), f->resolver,
                                  f->authority, &code);
    bool identified = code_rc == LPG_OK || code_rc == LPG_ECODE_CASE;
    int rc = s_required(e, false, true, true, o);
    if (rc != LPG_OK)
        return rc;
    /* The event must name the cylinder its code names: the state and the
     * indexes are kept under Event.cylinder. */
    if (identified && (!e->cylinder || !*e->cylinder))
        return s_invalid(o,
                         "Event.cylinder: missing (must be the code's "
                         "GRAI %s)",
                         code.grai);
    if (identified && strcmp(e->cylinder, code.grai) != 0)
        return s_invalid(o,
                         "Event.cylinder: does not match the code's "
                         "GRAI %s",
                         code.grai);
    if (!identified && e->cylinder && *e->cylinder) {
        lpg_code_t parsed;
        if (lpg_code_parse(fc->code, strlen(fc->code), NULL, &parsed) !=
                LPG_OK ||
            strcmp(parsed.grai, e->cylinder) != 0)
            return s_invalid(o, "Event.cylinder: does not match the GRAI "
                                "in FillCheck.code (or the code names "
                                "none: leave it out)");
    }
    lpg_fill_input_t in = {0};
    in.code_rc = code_rc;
    in.code = &code;
    in.cyl = identified ? lpg_state_get(t, LPG_TABLE_CYLINDERS, code.grai,
                                        &lpg__cylinder_state__descriptor)
                        : NULL;
    in.site_id = e->site;
    in.site = lpg_state_get(t, LPG_TABLE_SITES, e->site,
                            &lpg__site_state__descriptor);
    in.staff = lpg_state_get(t, LPG_TABLE_STAFF, e->actor,
                             &lpg__staff_state__descriptor);
    in.device = signer->record; /* read by the ledger in this txn */
    in.check = fc;
    in.time_ms = e->device_time_ms;
    in.now_ms = f->now_ms();
    in.today_ymd = lpg_today(&f->today, in.now_ms, f->zone);
    if (in.cyl && in.cyl->last_site) {
        in.last_site_id = in.cyl->last_site;
        in.last_site = lpg_state_get(t, LPG_TABLE_SITES, in.cyl->last_site,
                                     &lpg__site_state__descriptor);
        in.last_time_ms = in.cyl->last_time_ms;
    }
    in.limits = f->limits;
    lpg_verdict_t v;
    rc = lpg_rules_fill_check(&in, &v);
    if (rc == LPG_OK || rc == LPG_EINVAL)
        rc = lpg_verdict_outcome(&v, "fill allowed", "do not fill", o);
    if (pre && identified)
        s_pre_keep(pre, in.cyl);
    lpg_state_free((void *)in.cyl);
    lpg_state_free((void *)in.site);
    lpg_state_free((void *)in.staff);
    lpg_state_free((void *)in.last_site);
    return rc;
}

static int
s_fill_record(lpg_filling_t *f, lpg_txn_t *t, const lpg_event_t *ev,
              const lpg_signer_t *signer, Lpg__Outcome *o)
{
    const Lpg__Event *e = ev->event;
    const Lpg__FillRecord *fr = e->fill_record;
    int rc = s_required(e, true, true, false, o);
    if (rc != LPG_OK)
        return rc;
    lpg_fill_record_input_t in = {0};
    Lpg__CylinderState *cyl = lpg_state_get(
        t, LPG_TABLE_CYLINDERS, e->cylinder, &lpg__cylinder_state__descriptor);
    const Lpg__DeviceState *dev = signer->record;
    s_found_t named = {0}, check = {0};
    if (cyl) {
        bool hint = false;
        uint64_t at = 0;
        if (cyl->has_last_allow_event_id &&
            cyl->last_allow_event_id.len == fr->allow_event_id.len &&
            memcmp(cyl->last_allow_event_id.data, fr->allow_event_id.data,
                   fr->allow_event_id.len) == 0) {
            hint = cyl->has_last_allow_seq;
            at = cyl->last_allow_seq;
        } else if (cyl->has_last_override_event_id) {
            hint = cyl->has_last_override_seq;
            at = cyl->last_override_seq;
        }
        if (s_find(t, e->cylinder, &fr->allow_event_id, hint, at, &named) &&
            named.event->body_case == LPG__EVENT__BODY_FILL_OVERRIDE)
            s_find(t, e->cylinder, &named.event->fill_override->check_event_id,
                   false, 0, &check);
    }
    in.record = e;
    in.cyl = cyl;
    in.device = dev;
    in.named = named.event;
    in.named_outcome = named.entry ? named.entry->outcome : NULL;
    in.named_seq = named.seq;
    in.override_check = check.event;
    in.override_check_seq = check.seq;
    in.named_service = named.entry ? named.entry->service : NULL;
    in.override_check_service = check.entry ? check.entry->service : NULL;
    in.limits = f->limits;
    lpg_verdict_t v;
    lpg_fill_result_t res;
    memset(&res, 0, sizeof res);
    rc = lpg_rules_fill_record(&in, &v, &res);
    if (rc == LPG_OK || rc == LPG_EINVAL)
        rc = lpg_verdict_outcome(
            &v, res.quarantine ? "recorded: cylinder held" : "fill recorded",
            "fill refused", o);
    if (rc == LPG_OK && res.has_net) {
        o->fill = calloc(1, sizeof *o->fill);
        if (!o->fill)
            rc = LPG_ENOMEM;
        else {
            lpg__fill_result__init(o->fill);
            o->fill->net_g = res.net_g;
            o->fill->has_over = 1;
            o->fill->over = res.over;
            o->fill->has_under = 1;
            o->fill->under = res.under;
        }
    }
    s_found_clear(&named);
    s_found_clear(&check);
    lpg_state_free(cyl);
    return rc;
}

static int
s_override(lpg_filling_t *f, lpg_txn_t *t, const lpg_event_t *ev,
           const lpg_signer_t *signer, Lpg__Outcome *o)
{
    const Lpg__Event *e = ev->event;
    int rc = s_required(e, true, true, true, o);
    if (rc != LPG_OK)
        return rc;
    lpg_override_input_t in = {0};
    Lpg__CylinderState *cyl = lpg_state_get(
        t, LPG_TABLE_CYLINDERS, e->cylinder, &lpg__cylinder_state__descriptor);
    const Lpg__DeviceState *dev = signer->record;
    s_found_t check = {0};
    if (cyl) /* the refused check is usually the cylinder's last entry */
        s_find(t, e->cylinder, &e->fill_override->check_event_id,
               cyl->has_last_event_seq, cyl->last_event_seq, &check);
    in.override = e;
    in.site = lpg_state_get(t, LPG_TABLE_SITES, e->site,
                            &lpg__site_state__descriptor);
    in.staff = lpg_state_get(t, LPG_TABLE_STAFF, e->actor,
                             &lpg__staff_state__descriptor);
    in.device = dev;
    in.check = check.event;
    in.check_outcome = check.entry ? check.entry->outcome : NULL;
    in.check_seq = check.seq;
    in.check_service = check.entry ? check.entry->service : NULL;
    in.cyl = cyl;
    in.today_ymd = lpg_today(&f->today, f->now_ms(), f->zone);
    lpg_verdict_t v;
    rc = lpg_rules_override(&in, &v);
    if (rc == LPG_OK || rc == LPG_EINVAL)
        rc = lpg_verdict_outcome(&v, "override recorded: fill allowed",
                                 "override refused", o);
    if (rc == LPG_OK && v.allow) {
        o->has_overridden = 1;
        o->overridden = 1;
    }
    s_found_clear(&check);
    lpg_state_free(cyl);
    lpg_state_free((void *)in.site);
    lpg_state_free((void *)in.staff);
    return rc;
}

int
lpg_filling_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                  const lpg_event_t *ev, const lpg_signer_t *signer,
                  const lpg_append_in_t *in, void *pre, Lpg__Outcome *outcome)
{
    lpg_filling_t *f = ctx;
    switch (ev->event->body_case) {
    case LPG__EVENT__BODY_FILL_CHECK:
        return s_fill_check(f, txn, ev, signer, pre, outcome);
    case LPG__EVENT__BODY_FILL_RECORD:
        return s_fill_record(f, txn, ev, signer, outcome);
    case LPG__EVENT__BODY_FILL_OVERRIDE:
        return s_override(f, txn, ev, signer, outcome);
    default:
        return LPG_EINVAL; /* not an event of the filling station */
    }
}

/*  Fills ci from the cylinder's record. */
static void
s_info_of(Lpg__CylinderInfo *ci, lpg_reply_t *reply,
          const Lpg__CylinderState *cyl)
{
    if (!ci->grai) {
        ci->grai = lpg_reply_strdup(reply, cyl->grai);
        ci->serial = lpg_reply_strdup(reply, cyl->reg->serial);
    }
    ci->owner = lpg_reply_strdup(reply, cyl->reg->owner);
    ci->has_tare_g = 1;
    ci->tare_g = cyl->reg->tare_g;
    ci->has_fill_g = 1;
    ci->fill_g = cyl->reg->fill_g;
    ci->has_status = cyl->has_status;
    ci->status = cyl->status;
    ci->has_custody = cyl->has_custody;
    ci->custody = cyl->custody;
}

int
lpg_filling_submitted(void *ctx, const lpg_submitted_t *sub,
                      lpg_reply_t *reply)
{
    lpg_filling_t *f = ctx;
    const Lpg__Event *e = sub->ev->event;
    const s_pre_t *pre =
        e->body_case == LPG__EVENT__BODY_FILL_CHECK ? sub->pre : NULL;
    Lpg__CylinderInfo *ci = &reply->cylinder;
    /* A forged code names nothing: show no cylinder for it. */
    const Lpg__Outcome *o = sub->outcome;
    const char *forged = lpg_reason_by_id(LPG_REASON_CODE_FORGED)->token;
    for (size_t i = 0; o && i < o->n_reasons; i++)
        if (strcmp(o->reasons[i]->token, forged) == 0)
            return LPG_OK;
    if (e->body_case == LPG__EVENT__BODY_FILL_CHECK) {
        /* The code was judged already (the verdict is in the outcome);
         * the operator only needs what it names: as the precheck parsed
         * it, or parsed here if the precheck could not say. */
        lpg_code_t parsed;
        const lpg_code_t *code = NULL;
        if (pre && (pre->rc == LPG_OK || pre->rc == LPG_ECODE_CASE))
            code = &pre->code;
        else {
            int rc = lpg_code_parse(e->fill_check->code,
                                    strlen(e->fill_check->code), f->resolver,
                                    &parsed);
            if (rc == LPG_OK || rc == LPG_ECODE_CASE)
                code = &parsed;
        }
        if (code) {
            char short_id[LPG_CODE_SHORT_ID_MAX + 1];
            lpg_code_short_id(code, short_id);
            ci->grai = lpg_reply_strdup(reply, code->grai);
            ci->serial = lpg_reply_strdup(reply, code->serial);
            ci->short_id = lpg_reply_strdup(reply, short_id);
        }
    }
    if (pre && pre->looked) {
        /* The cylinder the rules loaded: the check changes none of what
         * the reply shows of it. */
        if (pre->found) {
            Lpg__CylinderState cyl = LPG__CYLINDER_STATE__INIT;
            Lpg__CylinderRegister reg = LPG__CYLINDER_REGISTER__INIT;
            cyl.grai = (char *)pre->grai;
            cyl.reg = &reg;
            reg.serial = (char *)pre->serial;
            reg.owner = (char *)pre->owner;
            reg.tare_g = pre->tare_g;
            reg.fill_g = pre->fill_g;
            cyl.has_status = pre->has_status;
            cyl.status = pre->status;
            cyl.has_custody = pre->has_custody;
            cyl.custody = pre->custody;
            s_info_of(ci, reply, &cyl);
        }
    } else {
        /* A retry, a record or an override: the state the commit left. */
        lpg_txn_t *txn = lpg_submitted_txn(sub);
        Lpg__CylinderState *cyl =
            txn ? lpg_state_get(txn, LPG_TABLE_CYLINDERS, e->cylinder,
                                &lpg__cylinder_state__descriptor)
                : NULL;
        if (cyl) {
            s_info_of(ci, reply, cyl);
            lpg__cylinder_state__free_unpacked(cyl, NULL);
        }
    }
    if (ci->grai && ci->serial)
        reply->reply.cylinder = ci;
    return LPG_OK;
}

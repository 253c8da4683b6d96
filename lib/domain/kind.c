/*  kind.c - see kind.h. The table is the families' rows, in the order
 *  below; a test (tests/unit/test_kind.c) checks that every Event body
 *  case has exactly one row.
 */
#include "domain/kind.h"
#include "base/error.h"
#include "base/log.h"
#include "domain/delivery.h"
#include "domain/fill.h"
#include "domain/inspection.h"
#include "domain/order.h"
#include "domain/registry.h"
#include "domain/state.h"
#include "base/count.h"
#include "ledger/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const lpg_kind_t *rows;
    const size_t *n;
} s_families[] = {
    {lpg_registry_kinds, &lpg_registry_nkinds},
    {lpg_fill_kinds, &lpg_fill_nkinds},
    {lpg_delivery_kinds, &lpg_delivery_nkinds},
    {lpg_inspection_kinds, &lpg_inspection_nkinds},
    {lpg_order_kinds, &lpg_order_nkinds},
};

const lpg_kind_t *
lpg_kind_at(size_t i)
{
    for (size_t f = 0; f < sizeof s_families / sizeof *s_families; f++) {
        if (i < *s_families[f].n)
            return &s_families[f].rows[i];
        i -= *s_families[f].n;
    }
    return NULL;
}

const lpg_kind_t *
lpg_kind_of(Lpg__Event__BodyCase body)
{
    const lpg_kind_t *k;
    for (size_t i = 0; (k = lpg_kind_at(i)) != NULL; i++)
        if (k->body == body)
            return k;
    return NULL;
}

const char *
lpg_kind_name(Lpg__Event__BodyCase body)
{
    const lpg_kind_t *k = lpg_kind_of(body);
    return k ? k->name : "unknown";
}

const char *
lpg_kind_service(Lpg__Event__BodyCase body)
{
    const lpg_kind_t *k = lpg_kind_of(body);
    return k ? k->service : NULL;
}

/*  The services that record events, as their LedgerEntry.service. */
static const char *const s_services[] = {"registry",   "filling", "delivery",
                                         "inspection", "trace",   "order"};

/*  `lpgtrace init` records the first enrolments: the registry's kinds. */
static const char *
s_as_service(const char *writer)
{
    return writer && strcmp(writer, "init") == 0 ? "registry" : writer;
}

bool
lpg_kind_is_service(const char *writer)
{
    writer = s_as_service(writer);
    for (size_t i = 0; writer && i < sizeof s_services / sizeof *s_services;
         i++)
        if (strcmp(writer, s_services[i]) == 0)
            return true;
    return false;
}

bool
lpg_kind_recorded_by_owner(const char *writer, Lpg__Event__BodyCase body)
{
    const char *owner = lpg_kind_service(body);
    writer = s_as_service(writer);
    return owner && writer && strcmp(owner, writer) == 0;
}

int
lpg_kind_check_service(const char *service, Lpg__Event__BodyCase body,
                       char *why, size_t whysz)
{
    const char *owner = lpg_kind_service(body);
    if (owner && service && strcmp(owner, service) == 0)
        return LPG_OK;
    if (owner)
        lpg_why(why, whysz,
                "a %s event is recorded by lpg-%sd, not by "
                "lpg-%sd: send it there",
                lpg_kind_name(body), owner, service ? service : "?");
    else
        lpg_why(why, whysz,
                "an event of no known kind: no service "
                "records it");
    return LPG_EWRONGSERVICE;
}

int
lpg_kind_peek(const uint8_t *data, size_t len, Lpg__Event__BodyCase *body)
{
    lpg_count(LPG_COUNT_EVENT_PEEK);
    int b;
    int rc = lpg_event_peek_body(data, len, &b);
    *body = rc == LPG_OK ? (Lpg__Event__BodyCase)b : LPG__EVENT__BODY__NOT_SET;
    return rc;
}

bool
lpg_kind_step(Lpg__CylinderState *cyl, bool *started, uint64_t seq,
              uint64_t recorded_at_ms, const Lpg__Event *e,
              const Lpg__Outcome *outcome)
{
    const lpg_kind_t *k = lpg_kind_of(e->body_case);
    if (!k || !k->step)
        return false;
    if (k->creates) {
        lpg__cylinder_state__init(cyl);
        *started = true;
    } else if (!*started)
        return false;
    k->step(cyl, seq, recorded_at_ms, e, outcome);
    cyl->has_last_event_seq = 1;
    cyl->last_event_seq = seq;
    return true;
}

void
lpg_kind_describe(const Lpg__Event *e, const Lpg__Outcome *outcome, bool ok,
                  lpg_kind_words_t *out)
{
    memset(out, 0, sizeof *out);
    const lpg_kind_t *k = lpg_kind_of(e->body_case);
    if (k && k->describe)
        k->describe(e, outcome, ok, out);
    else
        snprintf(out->step, sizeof out->step, "%s",
                 lpg_kind_name(e->body_case));
}

/* ------------------------------------------------------ the projection */

static int
s_signer(lpg_txn_t *t, const uint8_t kid[LPG_KEYID_LEN], lpg_signer_t *out)
{
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, kid, &dev);
    if (rc != LPG_OK)
        return rc;
    memcpy(out->sign_pub, dev->sign_pub.data, 32);
    out->enrolled_seq = dev->enrolled_seq;
    out->revoked = dev->has_revoked_seq;
    out->revoked_seq = dev->revoked_seq;
    out->record = dev; /* the rules read it: domain/kind.h */
    return LPG_OK;
}

static void
s_release(lpg_signer_t *s)
{
    if (s->record)
        lpg__device_state__free_unpacked(s->record, NULL);
    s->record = NULL;
}

/*  The kinds whose Event.actor names another member of staff than the
 *  one at the signing device: the staff member a company adds, the
 *  driver an order is assigned to, the supervisor who lets a refused
 *  fill go ahead on the operator's scanner. */
static bool
s_actor_is_other(Lpg__Event__BodyCase body)
{
    switch (body) {
    case LPG__EVENT__BODY_STAFF_ADD:
    case LPG__EVENT__BODY_ORDER_ASSIGN:
    case LPG__EVENT__BODY_FILL_OVERRIDE:
        return true;
    default:
        return false;
    }
}

/*  A device enrolled for a person acts in that person's name only, and
 *  one enrolled for a vehicle on that vehicle only (DESIGN.md: an event
 *  from a device outside its binding is refused). Refused, the event is
 *  not recorded: it would otherwise stand in the ledger under the name
 *  of someone who never made it. A device bound to no person (or to no
 *  vehicle) is not judged here. */
static int
s_binding(const Lpg__DeviceState *dev, const Lpg__Event *e, char *why,
          size_t whysz)
{
    if (dev->person && *dev->person && e->actor && *e->actor &&
        strcmp(e->actor, dev->person) != 0 && !s_actor_is_other(e->body_case))
        return lpg_why_rc(why, whysz, LPG_EBINDING,
                          "this device is enrolled for %.32s: it cannot "
                          "record a step in the name of %.32s",
                          dev->person, e->actor);
    const char *plate = lpg_delivery_vehicle(e);
    if (dev->vehicle && *dev->vehicle && plate &&
        strcmp(plate, dev->vehicle) != 0)
        return lpg_why_rc(why, whysz, LPG_EBINDING,
                          "this device is enrolled for vehicle %.24s: it "
                          "cannot record a step on vehicle %.24s",
                          dev->vehicle, plate);
    return LPG_OK;
}

static int
s_authorize(lpg_txn_t *t, const lpg_event_t *ev, bool is_authority,
            const lpg_signer_t *signer, char *why, size_t whysz)
{
    const lpg_kind_t *k = lpg_kind_of(ev->event->body_case);
    if (!k || !k->authorize)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "event has no body");
    /* A gateway (lpg-webd) relays the devices' events, each signed by
     * its device; of its own it signs tips and the orders households
     * place on its ordering page (no household has a device: the
     * order's row checks the channel), so an event it could make up
     * never passes for a device's. The signer's record, when the
     * ledger already decoded it, is read rather than decoded again. */
    if (!is_authority) {
        const Lpg__DeviceState *known = signer ? signer->record : NULL;
        Lpg__DeviceState *dev = NULL;
        int rc = LPG_OK;
        if (!known) {
            rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
            known = dev;
        }
        if (rc == LPG_OK && known) {
            if (known->role == LPG__ROLE__ROLE_GATEWAY &&
                ev->event->body_case != LPG__EVENT__BODY_TIP &&
                ev->event->body_case != LPG__EVENT__BODY_ORDER_PLACE)
                rc = lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                                "a gateway signs no event but tips and "
                                "households' orders: the device signs its "
                                "own");
            else
                rc = s_binding(known, ev->event, why, whysz);
        }
        if (dev)
            lpg__device_state__free_unpacked(dev, NULL);
        if (rc != LPG_OK && rc != LPG_ENOTFOUND)
            return rc;
    }
    return k->authorize(t, ev, is_authority, why, whysz);
}

/*  Every entry is found by the cylinder, site and user it names (not by
 *  its staff member: nothing asked for it, and that index cost a fifth
 *  of what a commit wrote). */
static int
s_index_all(lpg_txn_t *t, uint64_t seq, const Lpg__Event *e)
{
    struct {
        lpg_table_t table;
        const char *key;
    } idx[] = {
        {LPG_TABLE_BY_CYLINDER, e->cylinder},
        {LPG_TABLE_BY_SITE, e->site},
        {LPG_TABLE_BY_USER, e->user},
    };
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
        if (!idx[i].key || !*idx[i].key)
            continue;
        int rc = lpg_txn_index(t, idx[i].table, idx[i].key, strlen(idx[i].key),
                               seq);
        if (rc != LPG_OK)
            return rc;
    }
    return LPG_OK;
}

/*  The cylinder's step on the stored record: decoded, moved, stored. The
 *  step borrows strings from the event; the decoded record is put back
 *  whole before it is freed. An unknown cylinder has no record to move
 *  (but a registration starts one). */
static int
s_apply_cylinder(lpg_txn_t *t, const lpg_kind_t *k, uint64_t seq,
                 uint64_t recorded_at_ms, const Lpg__Event *e,
                 const Lpg__Outcome *outcome)
{
    if (!k->step || !e->cylinder || !*e->cylinder)
        return LPG_OK;
    size_t klen = strlen(e->cylinder);
    if (k->creates) {
        Lpg__CylinderState st = LPG__CYLINDER_STATE__INIT;
        k->step(&st, seq, recorded_at_ms, e, outcome);
        st.has_last_event_seq = 1;
        st.last_event_seq = seq;
        return lpg_state_cylinder_new(t, &st);
    }
    Lpg__CylinderState *cyl = NULL;
    int rc = lpg_state_cylinder_moving(t, e->cylinder, &cyl);
    if (rc == LPG_ENOTFOUND)
        return LPG_OK;
    if (rc != LPG_OK)
        return rc;
    Lpg__CylinderState decoded = *cyl;
    k->step(cyl, seq, recorded_at_ms, e, outcome);
    cyl->has_last_event_seq = 1;
    cyl->last_event_seq = seq;
    rc = lpg_state_put(t, LPG_TABLE_CYLINDERS, e->cylinder, klen, &cyl->base);
    *cyl = decoded;
    lpg_state_free(cyl);
    return rc;
}

static int
s_apply(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
        const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
        const Lpg__Outcome *outcome)
{
    const Lpg__Event *e = ev->event;
    int rc = s_index_all(t, seq, e);
    if (rc == LPG_OK && e->body_case == LPG__EVENT__BODY_FILL_RECORD)
        rc = lpg_state_fill_late_note(t, e->site, e->device_time_ms,
                                      recorded_at_ms);
    const lpg_kind_t *k = lpg_kind_of(e->body_case);
    if (rc != LPG_OK || !k)
        return rc;
    if (k->apply)
        rc = k->apply(t, seq, recorded_at_ms, ev, signer, outcome);
    if (rc == LPG_OK)
        rc = s_apply_cylinder(t, k, seq, recorded_at_ms, e, outcome);
    return rc;
}

/*  The ids of the cylinders table's records, gathered before any is
 *  rewritten (a cursor does not walk a table it writes). */
typedef struct {
    char **ids;
    size_t n, cap;
} s_ids_t;

static int
s_gather(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void)val;
    (void)vlen;
    s_ids_t *g = ctx;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 1024;
        char **ids = realloc(g->ids, cap * sizeof *ids);
        if (!ids)
            return LPG_ENOMEM;
        g->ids = ids;
        g->cap = cap;
    }
    char *id = malloc(klen + 1);
    if (!id)
        return LPG_ENOMEM;
    memcpy(id, key, klen);
    id[klen] = '\0';
    g->ids[g->n++] = id;
    return LPG_OK;
}

/*  Version 2 to 3 in place: each cylinder's registration moves out of
 *  its record into cylinder_regs, as apply now writes it. */
static int
s_step_regs(lpg_txn_t *t)
{
    s_ids_t g = {0};
    int rc = lpg_txn_foreach(t, LPG_TABLE_CYLINDERS, s_gather, &g);
    size_t split = 0;
    for (size_t i = 0; i < g.n && rc == LPG_OK; i++) {
        bool did = false;
        rc = lpg_state_cylinder_split(t, g.ids[i], &did);
        split += did;
    }
    for (size_t i = 0; i < g.n; i++)
        free(g.ids[i]);
    free(g.ids);
    if (rc == LPG_OK)
        lpg_info("upgrade: moved %zu cylinders' registrations to "
                 "cylinder_regs",
                 split);
    return rc;
}

/*  In place, version by version: 1 to 2 adds fill_late, which apply
 *  writes from fill records alone, read here off the wire; 2 to 3
 *  keeps registrations apart (s_step_regs). */
static int
s_step(lpg_txn_t *t, uint32_t from, bool *done)
{
    *done = false;
    if (from == 2) {
        int rc = s_step_regs(t);
        *done = rc == LPG_OK;
        return rc;
    }
    if (from != 1)
        return LPG_OK;
    uint64_t n = 0;
    int rc = lpg_txn_size(t, &n);
    for (uint64_t seq = 0; rc == LPG_OK && seq < n; seq++) {
        const uint8_t *data;
        size_t len;
        lpg_entry_peek_t pk;
        rc = lpg_txn_entry(t, seq, &data, &len);
        if (rc == LPG_OK && (lpg_entry_peek(data, len, &pk) != LPG_OK ||
                             pk.sitelen > LPG_STRING_MAX)) {
            lpg_error("upgrade: entry %llu does not decode: run lpgtrace "
                      "verify",
                      (unsigned long long)seq);
            rc = LPG_ECORRUPT;
        }
        if (rc != LPG_OK || pk.body != LPG__EVENT__BODY_FILL_RECORD ||
            pk.sitelen == 0)
            continue;
        char site[LPG_STRING_MAX + 1];
        memcpy(site, pk.site, pk.sitelen);
        site[pk.sitelen] = '\0';
        rc = lpg_state_fill_late_note(t, site, pk.device_time_ms,
                                      pk.recorded_at_ms);
    }
    *done = rc == LPG_OK;
    return rc;
}

/*  Entries written by a service must be of its kinds; other writers
 *  (`lpgtrace gen`, test tools) are not judged. */
static int
s_recorder(const lpg_event_t *ev, const char *writer, char *why, size_t whysz)
{
    Lpg__Event__BodyCase body = ev->event->body_case;
    if (!lpg_kind_is_service(writer) ||
        lpg_kind_recorded_by_owner(writer, body))
        return LPG_OK;
    const char *owner = lpg_kind_service(body);
    return lpg_why_rc(why, whysz, LPG_EWRONGSERVICE,
                      "a %s event recorded by the %s service; only %s "
                      "records that kind",
                      lpg_kind_name(body), writer,
                      owner ? owner : "no service");
}

static int
s_backfill(lpg_txn_t *t, int table, bool *done)
{
    return lpg_registry_backfill(t, (lpg_table_t)table, done);
}

const lpg_projection_t lpg_domain_projection = {
    .version = LPG_DOMAIN_PROJECTION_VERSION,
    .signer = s_signer,
    .release = s_release,
    .authorize = s_authorize,
    .apply = s_apply,
    .recorder = s_recorder,
    .backfill = s_backfill,
    .step = s_step,
};

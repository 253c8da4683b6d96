/*  registry.c - see registry.h.
 *
 *  A person's data key is stored in the secrets table under "user/" + the
 *  user id, wrapped (AES-256-GCM) under the master key with the user id
 *  bound in. Users are found by ID-card HMAC through the by_id_hmac
 *  index (lib/domain/registry.c keeps it with the users table). Look-ups are
 *  answered only to the devices whose role needs them (s_user_scope).
 */
#include "registry.h"
#include "domain/registry.h"
#include "domain/account.h"
#include "codes/code.h"
#include "base/config.h"
#include "base/error.h"
#include "domain/reasons.h"
#include "base/log.h"
#include "domain/pii.h"
#include "domain/state.h"
#include "domain/cylinder.h"
#include "domain/order.h"
#include "domain/order_rules.h"
#include "base/clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_FIND_MAX 64 /* users listed for one ID-card look-up */

void
lpg_registry_init(lpg_registry_t *reg, const lpg_config_t *cfg)
{
    memset(reg, 0, sizeof *reg);
    char path[4096];
    int rc = lpg_config_path(cfg, "keys/registry.master", path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_pii_key_load(path, reg->master);
    if (rc == LPG_OK)
        reg->has_master = true;
    else
        lpg_warn("no usable master key %s (%s): users cannot be recorded "
                 "or revealed until there is one",
                 path, lpg_strerror(rc));
}

void
lpg_registry_clear(lpg_registry_t *reg)
{
    lpg_pii_wipe(reg->master, sizeof reg->master);
    reg->has_master = false;
}

/* ---------------------------------------------------------------- rules */

/*  The secrets-table key of a user's data key. */

/*  The reason a user look-up finds nobody (the catalogue's token). */
static const char *
s_user_unknown(void)
{
    return lpg_reason_by_id(LPG_REASON_USER_UNKNOWN)->token;
}

static size_t
s_secret_key(const char *user, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "user/%s", user);
    return n < 0 ? 0 : (size_t)n < outsz ? (size_t)n : outsz - 1;
}

static int
s_keep_key(lpg_registry_t *reg, lpg_txn_t *txn, const char *user,
           const lpg_append_in_t *in, Lpg__Outcome *o)
{
    if (!in->attach || in->attach_len != LPG_PII_KEY_LEN) {
        lpg_warn("user '%s' refused: it came without its 32-byte data key",
                 user);
        free(o->message);
        o->message = strdup("Submit.person_key: missing or not 32 bytes "
                            "(a UserAdd comes with the person's data key)");
        return LPG_EINVAL;
    }
    if (!reg->has_master) {
        lpg_error("user '%s' refused: the registry has no master key "
                  "(keys/registry.master)",
                  user);
        return LPG_ECONFIG;
    }
    uint8_t wrapped[LPG_PII_WRAPPED_LEN];
    char key[LPG_STRING_MAX + 8];
    size_t klen = s_secret_key(user, key, sizeof key);
    int rc = lpg_pii_wrap(reg->master, user, in->attach, wrapped);
    if (rc == LPG_OK)
        rc = lpg_txn_secret_put(txn, key, klen, wrapped, sizeof wrapped);
    return rc;
}

/*  A tip's sealed phone: its data key, wrapped and kept as a user's is,
 *  under "user/tip/<event id hex>" (lpg_tip_pii_id). No phone, no key. */
static int
s_keep_tip_key(lpg_registry_t *reg, lpg_txn_t *txn, const Lpg__Event *e,
               const lpg_append_in_t *in, Lpg__Outcome *o)
{
    if (!e->tip->has_phone_sealed)
        return LPG_OK;
    char id[64];
    lpg_tip_pii_id(e->event_id.data, id, sizeof id);
    return s_keep_key(reg, txn, id, in, o);
}

static int
s_drop_key(lpg_txn_t *txn, const char *user)
{
    char key[LPG_STRING_MAX + 8];
    size_t klen = s_secret_key(user, key, sizeof key);
    int rc = lpg_txn_secret_del(txn, key, klen);
    if (rc == LPG_OK)
        lpg_info("user '%s' erased: data key destroyed", user);
    else if (rc == LPG_ENOTFOUND)
        lpg_info("user '%s' erased: no data key was kept", user);
    return rc == LPG_ENOTFOUND ? LPG_OK : rc;
}

/*  A console account's password: its Argon2id hash came beside the
 *  AccountPassword entry (Submit.person_key), never in it; kept in the
 *  secrets table, where lpg-webd reads it. A hash is one-way already, and
 *  lpg-webd holds no master key: it is kept as it came. Disabling the
 *  account drops it. */
static int
s_keep_hash(lpg_txn_t *txn, const char *key, size_t klen, const char *what,
            const char *name, const lpg_append_in_t *in, Lpg__Outcome *o)
{
    if (!lpg_account_hash_ok(in->attach, in->attach_len)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "Submit.person_key: %s comes with its Argon2id hash "
                 "(crypto_pwhash_str)",
                 what);
        free(o->message);
        o->message = strdup(msg);
        return LPG_EINVAL;
    }
    int rc = lpg_txn_secret_put(txn, key, klen, in->attach, in->attach_len);
    if (rc == LPG_OK)
        lpg_info("%s for '%s' kept", what, name);
    return rc;
}

static int
s_keep_password(lpg_txn_t *txn, const char *name, const lpg_append_in_t *in,
                Lpg__Outcome *o)
{
    char key[LPG_STRING_MAX + 16];
    size_t klen = lpg_account_secret_key(name, key, sizeof key);
    return s_keep_hash(txn, key, klen, "an AccountPassword", name, in, o);
}

/*  A household's ordering PIN (UserPin): kept as a password is. Erasing
 *  the user drops it. */
static int
s_keep_pin(lpg_txn_t *txn, const char *user, const lpg_append_in_t *in,
           Lpg__Outcome *o)
{
    char key[LPG_STRING_MAX + 16];
    size_t klen = lpg_account_pin_secret_key(user, key, sizeof key);
    return s_keep_hash(txn, key, klen, "a UserPin", user, in, o);
}

static int
s_drop_password(lpg_txn_t *txn, const char *name)
{
    char key[LPG_STRING_MAX + 16];
    size_t klen = lpg_account_secret_key(name, key, sizeof key);
    int rc = lpg_txn_secret_del(txn, key, klen);
    return rc == LPG_ENOTFOUND ? LPG_OK : rc;
}

static int
s_drop_pin(lpg_txn_t *txn, const char *user)
{
    char key[LPG_STRING_MAX + 16];
    size_t klen = lpg_account_pin_secret_key(user, key, sizeof key);
    int rc = lpg_txn_secret_del(txn, key, klen);
    return rc == LPG_ENOTFOUND ? LPG_OK : rc;
}

/*  The code in a registration names this cylinder, its serial and
 *  revision, under the owner's GS1 prefix. */
static int
s_check_code(lpg_txn_t *txn, const Lpg__Event *e, Lpg__Outcome *o)
{
    const Lpg__CylinderRegister *r = e->cylinder_register;
    if (!r->code)
        return LPG_OK;
    lpg_code_t code;
    const char *bad = NULL;
    if (lpg_code_parse(r->code, strlen(r->code), NULL, &code) != LPG_OK)
        bad = code.why;
    else if (strcmp(code.grai, e->cylinder) != 0)
        bad = "its code names another GRAI";
    else if (strcmp(code.serial, r->serial) != 0)
        bad = "its code names another serial";
    else if (r->has_code_revision && r->code_revision != code.revision)
        bad = "its code has another revision";
    if (!bad) {
        const void *v;
        size_t vlen;
        if (lpg_txn_get(txn, LPG_TABLE_COMPANIES, r->owner, strlen(r->owner),
                        &v, &vlen) == LPG_OK) {
            Lpg__CompanyState *c = lpg__company_state__unpack(NULL, vlen, v);
            if (!c)
                return LPG_ECORRUPT;
            size_t plen = strlen(c->add->gs1_prefix);
            if (strncmp(code.grai + 1, c->add->gs1_prefix, plen) != 0)
                bad = "its GRAI is not under the owner's GS1 prefix";
            lpg__company_state__free_unpacked(c, NULL);
        }
    }
    if (!bad)
        return LPG_OK;
    lpg_warn("cylinder %s refused: %s", e->cylinder, bad);
    char msg[128];
    snprintf(msg, sizeof msg, "Event.cylinder_register.code: %.90s", bad);
    free(o->message);
    o->message = strdup(msg); /* the answer's message */
    return LPG_EINVAL;
}

int
lpg_registry_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                   const lpg_event_t *ev, const lpg_signer_t *signer,
                   const lpg_append_in_t *in, void *pre, Lpg__Outcome *outcome)
{
    lpg_registry_t *reg = ctx;
    const Lpg__Event *e = ev->event;
    switch (e->body_case) {
    case LPG__EVENT__BODY_USER_ADD:
        return s_keep_key(reg, txn, e->user, in, outcome);
    case LPG__EVENT__BODY_USER_ERASE: {
        int rc = s_drop_pin(txn, e->user_erase->user);
        return rc == LPG_OK ? s_drop_key(txn, e->user_erase->user) : rc;
    }
    case LPG__EVENT__BODY_USER_PIN:
        return s_keep_pin(txn, e->user_pin->user, in, outcome);
    case LPG__EVENT__BODY_TIP:
        return s_keep_tip_key(reg, txn, e, in, outcome);
    case LPG__EVENT__BODY_CYLINDER_REGISTER:
        return s_check_code(txn, e, outcome);
    case LPG__EVENT__BODY_ACCOUNT_PASSWORD:
        return s_keep_password(txn, e->account_password->name, in, outcome);
    case LPG__EVENT__BODY_ACCOUNT_DISABLE:
        return s_drop_password(txn, e->account_disable->name);
    case LPG__EVENT__BODY_ORDER_ADDRESS:
        return lpg_order_address_rules(txn, ev, outcome);
    case LPG__EVENT__BODY_ACCOUNT_ADD:
    case LPG__EVENT__BODY_DEVICE_ENROLL:
    case LPG__EVENT__BODY_DEVICE_REVOKE:
    case LPG__EVENT__BODY_COMPANY_ADD:
    case LPG__EVENT__BODY_SITE_ADD:
    case LPG__EVENT__BODY_STAFF_ADD:
    case LPG__EVENT__BODY_VEHICLE_ADD:
    case LPG__EVENT__BODY_PII_REVEAL:
    case LPG__EVENT__BODY_CYLINDER_UPDATE:
    case LPG__EVENT__BODY_CYLINDER_RELABEL:
        return LPG_OK;
    default:
        return LPG_EINVAL; /* another service's event */
    }
}

/* -------------------------------------------------------------- queries */

static char *
s_dup(lpg_reply_t *reply, const char *s)
{
    return s ? lpg_reply_strdup(reply, s) : NULL;
}

static int
s_get_cylinder(lpg_service_t *svc, const Lpg__GetCylinder *q,
               lpg_reply_t *reply)
{
    const char *name = q->cylinder;
    char grai[LPG_CODE_GRAI_MAX + 1];
    lpg_code_t code;
    if (strncmp(name, "https://", 8) == 0) {
        if (lpg_code_parse(name, strlen(name), NULL, &code) != LPG_OK)
            return lpg_reply_error(reply, LPG_ECODE, code.why);
        snprintf(grai, sizeof grai, "%s", code.grai);
    } else
        snprintf(grai, sizeof grai, "%s", name);
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_read(lpg_service_ledger(svc), &t);
    if (rc != LPG_OK)
        return rc;
    Lpg__CylinderState *cyl = lpg_state_get(t, LPG_TABLE_CYLINDERS, grai,
                                            &lpg__cylinder_state__descriptor);
    lpg_txn_abort(&t);
    if (!cyl)
        return lpg_reply_set(reply, LPG__STATUS__STATUS_NOT_FOUND,
                             "CYL_UNKNOWN", "no cylinder with this code");
    Lpg__CylinderInfo *ci = &reply->cylinder;
    const Lpg__CylinderRegister *r = cyl->reg;
    ci->grai = s_dup(reply, cyl->grai);
    ci->serial = s_dup(reply, r->serial);
    ci->owner = s_dup(reply, r->owner);
    ci->spec = s_dup(reply, r->spec);
    ci->has_tare_g = 1;
    ci->tare_g = r->tare_g;
    ci->has_fill_g = 1;
    ci->fill_g = r->fill_g;
    ci->has_status = cyl->has_status;
    ci->status = cyl->status;
    ci->has_custody = cyl->has_custody;
    ci->custody = cyl->custody;
    ci->has_next_inspection_ymd = cyl->has_next_inspection_ymd;
    ci->next_inspection_ymd = cyl->next_inspection_ymd;
    ci->fill_site = s_dup(reply, r->fill_site);
    ci->has_last_seq = cyl->has_last_event_seq;
    ci->last_seq = cyl->last_event_seq;
    ci->holder = s_dup(reply, cyl->holder);
    ci->last_site = s_dup(reply, cyl->last_site);
    ci->vehicle = s_dup(reply, cyl->vehicle);
    /* the current label: the last relabel's, else the registration's */
    const char *current = lpg_cylinder_code(cyl);
    if (current &&
        lpg_code_parse(current, strlen(current), NULL, &code) == LPG_OK) {
        char short_id[LPG_CODE_SHORT_ID_MAX + 1];
        lpg_code_short_id(&code, short_id);
        ci->short_id = s_dup(reply, short_id);
    }
    /* Every registered fact, with the latest dates after updates. */
    Lpg__CylinderRegister *reg = lpg_reply_alloc(reply, sizeof *reg);
    if (reg) {
        *reg = *r;
        reg->base.n_unknown_fields = 0;
        reg->base.unknown_fields = NULL;
        reg->serial = s_dup(reply, r->serial);
        reg->owner = s_dup(reply, r->owner);
        reg->maker = s_dup(reply, r->maker);
        reg->spec = s_dup(reply, r->spec);
        reg->fill_site = s_dup(reply, r->fill_site);
        reg->code = s_dup(reply, current);
        reg->has_code_revision =
            cyl->has_code_revision || r->has_code_revision;
        reg->code_revision = lpg_cylinder_code_revision(cyl);
        reg->electronic_mark = s_dup(reply, r->electronic_mark);
        reg->has_next_inspection_ymd = cyl->has_next_inspection_ymd;
        reg->next_inspection_ymd = cyl->next_inspection_ymd;
        reg->has_insurance_until_ymd = cyl->has_insurance_until_ymd;
        reg->insurance_until_ymd = cyl->insurance_until_ymd;
        ci->registered = reg;
    }
    reply->reply.cylinder = ci;
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    return lpg_reply_set(reply, LPG__STATUS__STATUS_OK, "OK", "found");
}

static int
s_get_company(lpg_service_t *svc, const Lpg__GetCompany *q, lpg_reply_t *reply)
{
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_read(lpg_service_ledger(svc), &t);
    if (rc != LPG_OK)
        return rc;
    const void *v;
    size_t vlen;
    rc = lpg_txn_get(t, LPG_TABLE_COMPANIES, q->company, strlen(q->company),
                     &v, &vlen);
    Lpg__CompanyState *c =
        rc == LPG_OK ? lpg__company_state__unpack(NULL, vlen, v) : NULL;
    lpg_txn_abort(&t);
    if (rc == LPG_ENOTFOUND) {
        char msg[96];
        snprintf(msg, sizeof msg, "no company '%.60s'", q->company);
        return lpg_reply_set(reply, LPG__STATUS__STATUS_NOT_FOUND,
                             "COMPANY_UNKNOWN", msg);
    }
    if (!c)
        return rc != LPG_OK ? rc : LPG_ECORRUPT;
    Lpg__CompanyAdd *out = lpg_reply_alloc(reply, sizeof *out);
    if (!out) {
        lpg__company_state__free_unpacked(c, NULL);
        return LPG_ENOMEM;
    }
    lpg__company_add__init(out);
    out->name = s_dup(reply, c->add->name);
    out->gs1_prefix = s_dup(reply, c->add->gs1_prefix);
    out->licence_no = s_dup(reply, c->add->licence_no);
    out->has_licence_until_ymd = c->add->has_licence_until_ymd;
    out->licence_until_ymd = c->add->licence_until_ymd;
    reply->reply.company = out;
    lpg__company_state__free_unpacked(c, NULL);
    return lpg_reply_set(reply, LPG__STATUS__STATUS_OK, "OK", "found");
}

/*  A user as shown: masked, no clear personal data. */
static Lpg__UserInfo *
s_user_info(lpg_reply_t *reply, const char *id, const Lpg__UserState *u)
{
    Lpg__UserInfo *ui = lpg_reply_alloc(reply, sizeof *ui);
    if (!ui)
        return NULL;
    lpg__user_info__init(ui);
    const Lpg__UserAdd *a = u->add;
    ui->id = s_dup(reply, id);
    ui->company = s_dup(reply, a->company);
    ui->kind = a->kind;
    ui->masked_name = s_dup(reply, a->masked_name);
    ui->area = s_dup(reply, a->area);
    ui->gas_cert_no = s_dup(reply, a->gas_cert_no);
    ui->has_leak_alarm = a->has_leak_alarm;
    ui->leak_alarm = a->leak_alarm;
    ui->has_seq = 1;
    ui->seq = u->seq;
    ui->has_erased_seq = u->has_erased_seq;
    ui->erased_seq = u->erased_seq;
    return ui;
}

/*  Who may look users up (DESIGN.md section 4: roles decide who sees
 *  what). The regulator's admin workstation and our daemons: every user.
 *  A company's admin device, its filling-station scanners, its drivers'
 *  handhelds and its inspectors' devices: that company's users only (the
 *  households they register, serve, deliver to and inspect). A scale or
 *  an inspection body, which serve no household: none. Returns false
 *  with the reply set (UNAUTHORIZED) when the sender may see none;
 *  *company is NULL for every user, else the one company. The rule is
 *  lpg_pii_scope's (domain/pii.h): the handheld API applies it too. */
static bool
s_user_scope(const lpg_sender_t *sender, const char **company,
             lpg_reply_t *reply)
{
    if (lpg_pii_scope(sender->device, company))
        return true;
    lpg_reply_set(reply, LPG__STATUS__STATUS_UNAUTHORIZED, "EPERM",
                  "this device may not look users up: only the "
                  "regulator's workstation, and a company's admin, "
                  "station, driver and inspector devices for the "
                  "company's own users");
    return false;
}

/*  The id of the user that entry seq (a UserAdd) added, into id. */
static int
s_user_added_at(lpg_txn_t *t, uint64_t seq, char *id, size_t idsz)
{
    const uint8_t *data;
    size_t len;
    int rc = lpg_txn_entry(t, seq, &data, &len);
    if (rc != LPG_OK)
        return rc == LPG_ENOTFOUND ? LPG_ECORRUPT : rc;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    if (!e)
        return LPG_ECORRUPT;
    lpg_event_t ev = {0};
    rc = lpg_event_decode(&ev, e->signed_event.data, e->signed_event.len, NULL,
                          0);
    if (rc == LPG_OK &&
        (ev.event->body_case != LPG__EVENT__BODY_USER_ADD || !ev.event->user))
        rc = LPG_ECORRUPT;
    if (rc == LPG_OK)
        snprintf(id, idsz, "%s", ev.event->user);
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return rc == LPG_EMALFORMED ? LPG_ECORRUPT : rc;
}

typedef struct {
    lpg_txn_t *t;
    lpg_reply_t *reply;
    const char *company; /* NULL: every company's users */
    Lpg__UserInfo **found;
    size_t n;
} s_find_t;

static int
s_find_one(void *ctx, uint64_t seq)
{
    s_find_t *f = ctx;
    char id[LPG_STRING_MAX + 1];
    int rc = s_user_added_at(f->t, seq, id, sizeof id);
    const void *v;
    size_t vlen;
    if (rc == LPG_OK)
        rc = lpg_txn_get(f->t, LPG_TABLE_USERS, id, strlen(id), &v, &vlen);
    if (rc != LPG_OK)
        return rc == LPG_ENOTFOUND ? LPG_ECORRUPT : rc;
    Lpg__UserState *u = lpg__user_state__unpack(NULL, vlen, v);
    if (!u)
        return LPG_ECORRUPT;
    if (!f->company || strcmp(u->add->company, f->company) == 0) {
        if (f->n == S_FIND_MAX)
            rc = LPG_ETOOBIG; /* stop: enough to show */
        else {
            f->found[f->n] = s_user_info(f->reply, id, u);
            rc = f->found[f->n] ? LPG_OK : LPG_ENOMEM;
            f->n += rc == LPG_OK;
        }
    }
    lpg__user_state__free_unpacked(u, NULL);
    return rc;
}

/*  Every user whose ID-card HMAC is the one asked, through the index
 *  (by_id_hmac): as fast at a million users as at ten. */
static int
s_find_users(lpg_txn_t *t, const Lpg__GetUser *q, const char *company,
             lpg_reply_t *reply)
{
    if (q->id_hmac.len != LPG_PII_HMAC_LEN)
        return lpg_reply_error(reply, LPG_EINVAL, "id_hmac must be 32 bytes");
    s_find_t f = {t, reply, company, NULL, 0};
    f.found = lpg_reply_alloc(reply, S_FIND_MAX * sizeof *f.found);
    if (!f.found)
        return LPG_ENOMEM;
    int rc = lpg_txn_seqs(t, LPG_TABLE_BY_ID_HMAC, q->id_hmac.data,
                          LPG_PII_HMAC_LEN, s_find_one, &f);
    if (rc != LPG_OK && rc != LPG_ETOOBIG)
        return rc;
    reply->reply.users = f.found;
    reply->reply.n_users = f.n;
    char msg[64];
    snprintf(msg, sizeof msg, "%zu user%s%s", f.n, f.n == 1 ? "" : "s",
             rc == LPG_ETOOBIG ? " (the first ones only)" : "");
    char none[128];
    snprintf(none, sizeof none, "no user%s%.60s with this ID card",
             company ? " of company " : "", company ? company : "");
    return lpg_reply_set(
        reply, f.n ? LPG__STATUS__STATUS_OK : LPG__STATUS__STATUS_NOT_FOUND,
        f.n ? "OK" : s_user_unknown(), f.n ? msg : none);
}

/*  Is entry seq a recorded, recent reveal of this user by the authority,
 *  asked for by the admin workstation? If not, sets the reply saying why
 *  and returns false. */
static bool
s_reveal_allowed(lpg_service_t *svc, lpg_txn_t *t, const char *user,
                 uint64_t seq, const lpg_sender_t *sender, lpg_reply_t *reply)
{
    char msg[160];
    if (!sender->device || sender->device->role != LPG__ROLE__ROLE_ADMIN) {
        lpg_reply_error(reply, LPG_EPERM,
                        "only the regulator's admin workstation may reveal "
                        "personal data");
        return false;
    }
    const uint8_t *data;
    size_t len;
    Lpg__LedgerEntry *entry = NULL;
    lpg_event_t ev = {0};
    const char *bad = NULL;
    if (lpg_txn_entry(t, seq, &data, &len) != LPG_OK)
        bad = "there is no such entry";
    else if (!(entry = lpg__ledger_entry__unpack(NULL, len, data)) ||
             lpg_event_decode(&ev, entry->signed_event.data,
                              entry->signed_event.len, NULL, 0) != LPG_OK)
        bad = "the entry does not decode";
    else if (ev.event->body_case != LPG__EVENT__BODY_PII_REVEAL ||
             strcmp(ev.event->pii_reveal->user, user) != 0)
        bad = "it is not a reveal of this user";
    else if (entry->outcome &&
             entry->outcome->status != LPG__STATUS__STATUS_OK)
        bad = "that reveal was refused";
    else {
        uint8_t aid[LPG_KEYID_LEN];
        const lpg_key_t *authority =
            lpg_ledger_authority(lpg_service_ledger(svc));
        if (!authority)
            bad = "the ledger has no authority key";
        else {
            lpg_key_id(authority, aid);
            if (memcmp(ev.signed_event->key_id.data, aid, sizeof aid) != 0)
                bad = "it is not signed by the authority";
        }
    }
    uint64_t at = entry ? entry->recorded_at_ms : 0;
    if (entry)
        lpg__ledger_entry__free_unpacked(entry, NULL);
    lpg_event_clear(&ev);
    if (bad) {
        snprintf(msg, sizeof msg, "entry %llu allows no reveal: %s",
                 (unsigned long long)seq, bad);
        lpg_reply_error(reply, LPG_ENOREVEAL, msg);
        return false;
    }
    uint64_t now = lpg_clock_now_ms();
    if (now > at && now - at > LPG_REGISTRY_REVEAL_MS) {
        snprintf(msg, sizeof msg,
                 "the reveal at entry %llu is more than "
                 "%d minutes old: record a new one",
                 (unsigned long long)seq, LPG_REGISTRY_REVEAL_MS / 60000);
        lpg_reply_error(reply, LPG_EREVEAL_EXPIRED, msg);
        return false;
    }
    return true;
}

/*  Opens the user's sealed PersonalData into ui->personal. If it cannot
 *  be had, sets the reply saying why and *answered. */
static int
s_reveal(lpg_registry_t *reg, lpg_txn_t *t, const char *user,
         const Lpg__UserState *u, Lpg__UserInfo *ui, lpg_reply_t *reply,
         bool *answered)
{
    *answered = true;
    char msg[160];
    if (u->has_erased_seq) {
        snprintf(msg, sizeof msg,
                 "user '%.60s' was erased (entry %llu): "
                 "the personal data is destroyed",
                 user, (unsigned long long)u->erased_seq);
        return lpg_reply_error(reply, LPG_ERASED, msg);
    }
    if (!reg->has_master)
        return lpg_reply_error(reply, LPG_ENOMASTER, NULL);
    char key[LPG_STRING_MAX + 8];
    size_t klen = s_secret_key(user, key, sizeof key);
    const void *wrapped;
    size_t wlen;
    int rc = lpg_txn_secret_get(t, key, klen, &wrapped, &wlen);
    if (rc == LPG_ENOTFOUND) {
        snprintf(msg, sizeof msg, "no data key is kept for user '%.60s'",
                 user);
        return lpg_reply_error(reply, LPG_ENOKEY, msg);
    }
    *answered = false;
    if (rc != LPG_OK)
        return rc;
    uint8_t data_key[LPG_PII_KEY_LEN];
    Lpg__PersonalData *pd = NULL;
    rc = lpg_pii_unwrap(reg->master, user, wrapped, wlen, data_key);
    if (rc == LPG_OK)
        rc = lpg_pii_open(data_key, user, u->add->pii.data, u->add->pii.len,
                          &pd);
    lpg_pii_wipe(data_key, sizeof data_key);
    if (rc != LPG_OK) {
        lpg_error("user '%s': the personal data does not open: %s", user,
                  lpg_strerror(rc));
        *answered = true;
        return lpg_reply_error(reply, LPG_ECORRUPT,
                               "the personal data does not open with its "
                               "key");
    }
    Lpg__PersonalData *out = lpg_reply_alloc(reply, sizeof *out);
    if (out) {
        lpg__personal_data__init(out);
        out->name = s_dup(reply, pd->name);
        out->id_card = s_dup(reply, pd->id_card);
        out->phone = s_dup(reply, pd->phone);
        out->address = s_dup(reply, pd->address);
        ui->personal = out;
    }
    lpg__personal_data__free_unpacked(pd, NULL);
    return out ? LPG_OK : LPG_ENOMEM;
}

/*  The entry of the tip a recorded reveal names (its tip_seq). */
static int
s_reveal_tip_seq(lpg_txn_t *t, uint64_t reveal_seq, uint64_t *tip_seq)
{
    const uint8_t *data;
    size_t len;
    int rc = lpg_txn_entry(t, reveal_seq, &data, &len);
    if (rc != LPG_OK)
        return rc;
    Lpg__LedgerEntry *entry = lpg__ledger_entry__unpack(NULL, len, data);
    lpg_event_t ev = {0};
    rc = entry ? lpg_event_decode(&ev, entry->signed_event.data,
                                  entry->signed_event.len, NULL, 0)
               : LPG_ECORRUPT;
    if (rc == LPG_OK && (ev.event->body_case != LPG__EVENT__BODY_PII_REVEAL ||
                         !ev.event->pii_reveal->has_tip_seq))
        rc = LPG_ENOTFOUND;
    if (rc == LPG_OK)
        *tip_seq = ev.event->pii_reveal->tip_seq;
    lpg_event_clear(&ev);
    if (entry)
        lpg__ledger_entry__free_unpacked(entry, NULL);
    return rc;
}

/*  A tip's sealed phone, opened for the regulator under a recorded
 *  reveal of it (q->user is the tip's id, "tip/<event id hex>"): the
 *  answer is a UserInfo of that id whose personal data holds the phone
 *  alone. */
static int
s_get_tip(lpg_registry_t *reg, lpg_service_t *svc, lpg_txn_t *t,
          const Lpg__GetUser *q, const lpg_sender_t *sender,
          lpg_reply_t *reply)
{
    if (!q->has_reveal_seq)
        return lpg_reply_error(reply, LPG_EINVAL,
                               "a tip is looked up only to reveal its phone "
                               "number, under a recorded reveal");
    if (!s_reveal_allowed(svc, t, q->user, q->reveal_seq, sender, reply))
        return LPG_OK; /* the reply says why */
    if (!reg->has_master)
        return lpg_reply_error(reply, LPG_ENOMASTER, NULL);
    uint64_t tip_seq = 0;
    char id[64];
    uint8_t *sealed = NULL;
    size_t slen = 0;
    int rc = s_reveal_tip_seq(t, q->reveal_seq, &tip_seq);
    if (rc == LPG_OK)
        rc = lpg_tip_at(t, tip_seq, id, sizeof id, &sealed, &slen);
    if (rc == LPG_OK && strcmp(id, q->user) != 0)
        rc = LPG_ENOTFOUND;
    if (rc == LPG_ENOTFOUND) {
        free(sealed);
        return lpg_reply_error(reply, LPG_ENOREVEAL,
                               "that reveal names no tip with a phone "
                               "number of this id");
    }
    if (rc != LPG_OK)
        return rc;
    char key[LPG_STRING_MAX + 8];
    size_t klen = s_secret_key(q->user, key, sizeof key);
    const void *wrapped;
    size_t wlen;
    rc = lpg_txn_secret_get(t, key, klen, &wrapped, &wlen);
    if (rc == LPG_ENOTFOUND) {
        free(sealed);
        return lpg_reply_error(reply, LPG_ENOKEY,
                               "no data key is kept for this tip");
    }
    uint8_t data_key[LPG_PII_KEY_LEN];
    Lpg__PersonalData *pd = NULL;
    if (rc == LPG_OK)
        rc = lpg_pii_unwrap(reg->master, q->user, wrapped, wlen, data_key);
    if (rc == LPG_OK)
        rc = lpg_pii_open(data_key, q->user, sealed, slen, &pd);
    lpg_pii_wipe(data_key, sizeof data_key);
    free(sealed);
    if (rc != LPG_OK) {
        lpg_error("%s: the phone number does not open: %s", q->user,
                  lpg_strerror(rc));
        return lpg_reply_error(reply, LPG_ECORRUPT,
                               "the phone number does not open with its "
                               "key");
    }
    Lpg__UserInfo *ui = lpg_reply_alloc(reply, sizeof *ui);
    Lpg__PersonalData *out = lpg_reply_alloc(reply, sizeof *out);
    reply->reply.users = lpg_reply_alloc(reply, sizeof *reply->reply.users);
    if (!ui || !out || !reply->reply.users) {
        lpg__personal_data__free_unpacked(pd, NULL);
        return LPG_ENOMEM;
    }
    lpg__user_info__init(ui);
    ui->id = s_dup(reply, q->user);
    ui->company = "";
    lpg__personal_data__init(out);
    out->name = "";
    out->id_card = "";
    out->phone = s_dup(reply, pd->phone);
    ui->personal = out;
    lpg__personal_data__free_unpacked(pd, NULL);
    reply->reply.users[0] = ui;
    reply->reply.n_users = 1;
    char who[17];
    lpg_hex(sender->key_id, 8, who);
    lpg_info("revealed the phone of %s to device %s under entry %llu", q->user,
             who, (unsigned long long)q->reveal_seq);
    return lpg_reply_set(reply, LPG__STATUS__STATUS_OK, "OK",
                         "found, revealed");
}

static int
s_get_user(lpg_registry_t *reg, lpg_service_t *svc, const Lpg__GetUser *q,
           const lpg_sender_t *sender, lpg_reply_t *reply)
{
    if ((q->user != NULL) == q->has_id_hmac || (q->has_reveal_seq && !q->user))
        return lpg_reply_error(reply, LPG_EINVAL,
                               "name a user, or an ID-card HMAC (and a "
                               "reveal only with a user)");
    const char *company = NULL;
    if (!s_user_scope(sender, &company, reply))
        return LPG_OK; /* the reply says why */
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_read(lpg_service_ledger(svc), &t);
    if (rc != LPG_OK)
        return rc;
    if (q->has_id_hmac) {
        rc = s_find_users(t, q, company, reply);
        lpg_txn_abort(&t);
        return rc;
    }
    if (strncmp(q->user, "tip/", 4) == 0) {
        rc = s_get_tip(reg, svc, t, q, sender, reply);
        lpg_txn_abort(&t);
        return rc;
    }
    const void *v;
    size_t vlen;
    Lpg__UserState *u = NULL;
    rc = lpg_txn_get(t, LPG_TABLE_USERS, q->user, strlen(q->user), &v, &vlen);
    if (rc == LPG_OK && !(u = lpg__user_state__unpack(NULL, vlen, v)))
        rc = LPG_ECORRUPT;
    if (rc == LPG_ENOTFOUND) {
        char msg[96];
        snprintf(msg, sizeof msg, "no user '%.60s'", q->user);
        lpg_txn_abort(&t);
        return lpg_reply_set(reply, LPG__STATUS__STATUS_NOT_FOUND,
                             s_user_unknown(), msg);
    }
    if (rc == LPG_OK && company && strcmp(u->add->company, company) != 0) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "user '%.60s' is not of company "
                 "'%.60s': this device may look up only its company's "
                 "users",
                 q->user, company);
        lpg_txn_abort(&t);
        lpg__user_state__free_unpacked(u, NULL);
        return lpg_reply_set(reply, LPG__STATUS__STATUS_UNAUTHORIZED, "EPERM",
                             msg);
    }
    Lpg__UserInfo *ui = rc == LPG_OK ? s_user_info(reply, q->user, u) : NULL;
    if (rc == LPG_OK && !ui)
        rc = LPG_ENOMEM;
    bool answered = false;
    if (rc == LPG_OK && q->has_reveal_seq) {
        answered =
            !s_reveal_allowed(svc, t, q->user, q->reveal_seq, sender, reply);
        if (!answered)
            rc = s_reveal(reg, t, q->user, u, ui, reply, &answered);
    }
    bool revealed = rc == LPG_OK && q->has_reveal_seq && !answered;
    lpg_txn_abort(&t);
    if (u)
        lpg__user_state__free_unpacked(u, NULL);
    if (rc != LPG_OK || answered)
        return rc; /* an error, or the reply says why */
    if (revealed) {
        char who[17];
        lpg_hex(sender->key_id, 8, who);
        lpg_info("revealed user '%s' to device %s under entry %llu", q->user,
                 who, (unsigned long long)q->reveal_seq);
    }
    reply->reply.users = lpg_reply_alloc(reply, sizeof *reply->reply.users);
    if (!reply->reply.users)
        return LPG_ENOMEM;
    reply->reply.users[0] = ui;
    reply->reply.n_users = 1;
    return lpg_reply_set(reply, LPG__STATUS__STATUS_OK, "OK",
                         revealed ? "found, revealed" : "found");
}

/* ------------------------------------------------- a driver's address look */

/*  The household's address and phone, opened from its sealed personal
 *  data, as the answer's one UserInfo: the id, company, kind, masked
 *  name and area it shows anyway, and a PersonalData holding the address
 *  and the phone only (name and ID card empty). If they cannot be had,
 *  the reply says why. */
static int
s_address_answer(lpg_registry_t *reg, lpg_txn_t *t, const char *user,
                 lpg_reply_t *reply)
{
    Lpg__UserState *u =
        lpg_state_get(t, LPG_TABLE_USERS, user, &lpg__user_state__descriptor);
    char msg[160];
    if (!u || !u->add) {
        lpg_state_free(u);
        snprintf(msg, sizeof msg,
                 "the order's household '%.60s' is not "
                 "registered",
                 user);
        return lpg_reply_set(reply, LPG__STATUS__STATUS_NOT_FOUND,
                             s_user_unknown(), msg);
    }
    if (u->has_erased_seq) {
        lpg_state_free(u);
        return lpg_reply_error(reply, LPG_ERASED,
                               "the household's personal data was erased: "
                               "there is no address to show");
    }
    if (!reg->has_master) {
        lpg_state_free(u);
        return lpg_reply_error(reply, LPG_ENOMASTER, NULL);
    }
    char key[LPG_STRING_MAX + 8];
    size_t klen = s_secret_key(user, key, sizeof key);
    const void *wrapped;
    size_t wlen;
    int rc = lpg_txn_secret_get(t, key, klen, &wrapped, &wlen);
    uint8_t data_key[LPG_PII_KEY_LEN];
    Lpg__PersonalData *pd = NULL;
    if (rc == LPG_OK)
        rc = lpg_pii_unwrap(reg->master, user, wrapped, wlen, data_key);
    if (rc == LPG_OK)
        rc = lpg_pii_open(data_key, user, u->add->pii.data, u->add->pii.len,
                          &pd);
    lpg_pii_wipe(data_key, sizeof data_key);
    if (rc != LPG_OK) {
        lpg_state_free(u);
        if (rc == LPG_ENOTFOUND)
            return lpg_reply_error(reply, LPG_ENOKEY,
                                   "no data key is kept for the household");
        lpg_error("user '%s': the personal data does not open: %s", user,
                  lpg_strerror(rc));
        return lpg_reply_error(reply, LPG_ECORRUPT,
                               "the personal data does not open with its "
                               "key");
    }
    Lpg__UserInfo *ui = s_user_info(reply, user, u);
    Lpg__PersonalData *out = lpg_reply_alloc(reply, sizeof *out);
    reply->reply.users = lpg_reply_alloc(reply, sizeof *reply->reply.users);
    rc = ui && out && reply->reply.users ? LPG_OK : LPG_ENOMEM;
    if (rc == LPG_OK) {
        lpg__personal_data__init(out);
        out->name = "";    /* the masked name is in ui */
        out->id_card = ""; /* never to a driver */
        out->phone = s_dup(reply, pd->phone);
        out->address = s_dup(reply, pd->address);
        ui->personal = out;
        reply->reply.users[0] = ui;
        reply->reply.n_users = 1;
    }
    lpg__personal_data__free_unpacked(pd, NULL);
    lpg_state_free(u);
    return rc;
}

/*  May this retry of a recorded look be answered with the address again?
 *  Only when sent by the device that signed it (the CURVE identity the
 *  connection authenticated as is the look's signer), or by a gateway
 *  relaying it (lpg-webd relays a look only in a request signed by the
 *  look's own signer), and within LPG_REGISTRY_LOOK_MS of its recording.
 *  If not, sets the reply saying why and returns false; else *via says
 *  who sent it. */
static bool
s_look_retry_allowed(lpg_txn_t *t, const lpg_submitted_t *sub,
                     const char **via, lpg_reply_t *reply)
{
    const lpg_sender_t *snd = sub->sender;
    const ProtobufCBinaryData *signer = &sub->ev->signed_event->key_id;
    bool own = snd && snd->device && signer->len == LPG_KEYID_LEN &&
               memcmp(snd->key_id, signer->data, LPG_KEYID_LEN) == 0;
    bool gateway = snd && snd->device &&
                   snd->device->role == LPG__ROLE__ROLE_GATEWAY &&
                   !snd->device->has_revoked_seq;
    char msg[240];
    if (!own && !gateway) {
        snprintf(msg, sizeof msg,
                 "recorded before (entry %llu): the address goes only to "
                 "the device that signed the look; sign your own look",
                 (unsigned long long)sub->seq);
        lpg_reply_error(reply, LPG_EADDRESS_GIVEN, msg);
        return false;
    }
    *via = own ? "its signer" : "the gateway";
    const uint8_t *data;
    size_t len;
    Lpg__LedgerEntry *entry = NULL;
    if (lpg_txn_entry(t, sub->seq, &data, &len) == LPG_OK)
        entry = lpg__ledger_entry__unpack(NULL, len, data);
    if (!entry) {
        lpg_reply_error(reply, LPG_EUNAVAILABLE,
                        "recorded before, but the entry cannot be read "
                        "now: ask again");
        return false;
    }
    uint64_t at = entry->recorded_at_ms;
    lpg__ledger_entry__free_unpacked(entry, NULL);
    uint64_t now = lpg_clock_now_ms();
    if (now > at && now - at > LPG_REGISTRY_LOOK_MS) {
        snprintf(msg, sizeof msg,
                 "recorded at entry %llu more than %d minutes ago: the "
                 "address is no longer given for it; sign a new look",
                 (unsigned long long)sub->seq, LPG_REGISTRY_LOOK_MS / 60000);
        lpg_reply_error(reply, LPG_EADDRESS_GIVEN, msg);
        return false;
    }
    return true;
}

int
lpg_registry_submitted(void *ctx, const lpg_submitted_t *sub,
                       lpg_reply_t *reply)
{
    lpg_registry_t *reg = ctx;
    const Lpg__Event *e = sub->ev->event;
    const char *order = lpg_order_address_of(e);
    if (!order || !sub->outcome ||
        sub->outcome->status != LPG__STATUS__STATUS_OK)
        return LPG_OK; /* not a look, or a refused one: nothing to add */
    lpg_txn_t *t = lpg_submitted_txn(sub);
    if (!t)
        return lpg_reply_error(reply, LPG_EUNAVAILABLE,
                               "recorded, but the ledger cannot be read "
                               "now: ask again");
    /* a retry (the first answer lost on the way) is answered again, as
     * every retry is, but only to its own device and while the look
     * holds; it records nothing new */
    const char *via = NULL;
    if (sub->duplicate && !s_look_retry_allowed(t, sub, &via, reply))
        return LPG_OK;
    /* judged again on the state after the commit (or now, for a retry):
     * an order delivered in between is closed */
    Lpg__OrderState *o = lpg_state_get(t, LPG_TABLE_ORDERS, order,
                                       &lpg__order_state__descriptor);
    int rc;
    if (!lpg_order_is_open(o) || !o->driver || !e->actor ||
        strcmp(o->driver, e->actor) != 0) {
        const lpg_reason_t *r = lpg_reason_by_id(LPG_REASON_ORDER_CLOSED);
        rc = lpg_reply_set(reply, LPG__STATUS__STATUS_DENIED, "DENIED",
                           sub->duplicate
                               ? "the order is no longer open for this "
                                 "look: its address is not given again"
                               : "the order changed meanwhile");
        lpg_reply_reason(reply, r->token, r->zh, r->en);
    } else {
        rc = s_address_answer(reg, t, o->user, reply);
        if (rc == LPG_OK && reply->reply.n_users == 1 && sub->duplicate) {
            char who[17];
            lpg_hex(sub->sender->key_id, 8, who);
            lpg_info("showed the address of order %s's household %s again "
                     "to driver %s under entry %llu: a retry sent by "
                     "device %s (%s)",
                     order, o->user, e->actor, (unsigned long long)sub->seq,
                     who, via);
            rc = lpg_reply_set(reply, LPG__STATUS__STATUS_OK, "OK",
                               "address shown again (a retry of the "
                               "recorded look)");
        } else if (rc == LPG_OK && reply->reply.n_users == 1) {
            lpg_info("showed the address of order %s's household %s to "
                     "driver %s under entry %llu",
                     order, o->user, e->actor, (unsigned long long)sub->seq);
            rc = lpg_reply_set(reply, LPG__STATUS__STATUS_OK, "OK",
                               "address shown");
        }
    }
    lpg_state_free(o);
    return rc;
}

int
lpg_registry_query(void *ctx, lpg_service_t *svc, const Lpg__Request *req,
                   const lpg_sender_t *sender, lpg_reply_t *reply)
{
    switch (req->body_case) {
    case LPG__REQUEST__BODY_GET_CYLINDER:
        return s_get_cylinder(svc, req->get_cylinder, reply);
    case LPG__REQUEST__BODY_GET_COMPANY:
        return s_get_company(svc, req->get_company, reply);
    case LPG__REQUEST__BODY_GET_USER:
        return s_get_user(ctx, svc, req->get_user, sender, reply);
    default:
        return lpg_reply_error(reply, LPG_EUNSUPPORTED,
                               "the registry does not answer that request");
    }
}

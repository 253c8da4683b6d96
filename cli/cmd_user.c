/*  cmd_user.c - lpgtrace user add|import|show|find|erase|cert: real-name
 *  users (households, restaurants, businesses) in the registry, and their
 *  gas-use certificates (供气使用凭证, lib/codes/gascert.h).
 *
 *  A name, ID-card and phone number never leave this command in clear
 *  except sealed: the event carries HMACs under the city's look-up key
 *  (keys/pii.hmac) and a masked name, and the PersonalData sealed
 *  (AES-256-GCM) under a fresh data key made here for this one person,
 *  which travels beside the event to the registry and is kept there,
 *  never in the log. `show --reveal` first records a signed PiiReveal
 *  with its reason, then asks for the clear data naming that entry;
 *  `erase` records a UserErase and the registry destroys the data key.
 *  `cert` signs the user's certificate with a company-admin key of the
 *  user's company (the home's device key, or --as), after checking the
 *  key and the user's record in the home's ledger, and prints it (and
 *  writes it as a QR code with --png / --svg). `pin` sets the PIN the
 *  household logs in with on lpg-webd's ordering page: read from the
 *  terminal (or stdin), hashed here with Argon2id and kept by the
 *  registry beside the signed UserPin, as a console password is.
 */
#include "registry.h"
#include "base/error.h"
#include "codes/gascert.h"
#include "codes/label.h"
#include "ledger/ledger.h"
#include "net/msg.h"
#include "domain/pii.h"
#include "domain/state.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    C_ID,
    C_COMPANY,
    C_KIND,
    C_NAME,
    C_ID_CARD,
    C_PHONE,
    C_ADDRESS,
    C_AREA,
    C_GAS_CERT,
    C_LEAK_ALARM,
    C_COUNT
};

static const char *s_columns[C_COUNT + 1] = {
    "id",      "company", "kind",     "name",       "id_card", "phone",
    "address", "area",    "gas_cert", "leak_alarm", NULL};

static const struct {
    const char *name;
    Lpg__UserKind kind;
} s_kinds[] = {
    {"household", LPG__USER_KIND__USER_HOUSEHOLD},
    {"restaurant", LPG__USER_KIND__USER_RESTAURANT},
    {"business", LPG__USER_KIND__USER_BUSINESS},
};

static const char *
s_kind_name(Lpg__UserKind k)
{
    for (size_t i = 0; i < sizeof s_kinds / sizeof *s_kinds; i++)
        if (s_kinds[i].kind == k)
            return s_kinds[i].name;
    return "unknown";
}

static void
s_usage(void)
{
    fprintf(stderr,
            "usage: lpgtrace user add ID --company C --kind "
            "household|restaurant|business --name N --id-card NO\n"
            "           [--phone P] [--address A] [--area CODE] "
            "[--gas-cert NO] [--leak-alarm yes|no] [--as KEYPREFIX]\n"
            "       lpgtrace user import FILE.csv [--as KEYPREFIX]\n"
            "       lpgtrace user show ID [--reveal --reason TEXT]\n"
            "       lpgtrace user find --id-card NO\n"
            "       lpgtrace user erase ID --reason TEXT [--as KEYPREFIX]\n"
            "       lpgtrace user cert ID --until DATE [--as KEYPREFIX] "
            "[--png FILE] [--svg FILE]\n"
            "       lpgtrace user pin ID [--as KEYPREFIX]   (the ordering "
            "page's PIN, 6 to 12\n"
            "           digits, from the terminal or one line of stdin)\n"
            "cert: the gas-use certificate, signed by the home's device key "
            "(device.key)\n"
            "  or --as KEYPREFIX, a company-admin key of the user's "
            "company;\n"
            "import: a header line naming the columns (any order), one user "
            "a line;\n");
    lpg_import_spec_t spec = {"users", s_columns, 5, NULL, NULL};
    lpg_import_columns_usage(stderr, &spec);
}

typedef struct {
    uint8_t hmac_key[LPG_PII_KEY_LEN];
    const lpg_key_t *signer;
} s_ctx_t;

/*  v[k] if given and not empty, else NULL. */
static const char *
s_val(const char *const *v, int k)
{
    return v[k] && *v[k] ? v[k] : NULL;
}

static int
s_bad(char *why, size_t whysz, const char *text)
{
    snprintf(why, whysz, "%s", text);
    return LPG_EINVAL;
}

/*  From min to max bytes, each one of allowed. */
static bool
s_chars(const char *s, size_t min, size_t max, const char *allowed)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, allowed) == n;
}

#define S_DIGITS "0123456789"
#define S_ALNUM S_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/*  The row function of user add and user import. */
static int
s_row(void *vctx, lpg_client_t *c, const char *const *v,
      lpg_import_event_t *out, char *why, size_t whysz)
{
    s_ctx_t *ctx = vctx;
    const char *id = v[C_ID], *company = v[C_COMPANY];
    if (!lpg_reg_text(id))
        return s_bad(why, whysz, "the id is not text of 1 to 256 bytes");
    if (!lpg_reg_text(company))
        return s_bad(why, whysz,
                     "the company is not text of 1 to 256 "
                     "bytes");
    Lpg__UserAdd ua = LPG__USER_ADD__INIT;
    for (size_t i = 0; i < sizeof s_kinds / sizeof *s_kinds; i++)
        if (strcmp(v[C_KIND], s_kinds[i].name) == 0)
            ua.kind = s_kinds[i].kind;
    if (ua.kind == LPG__USER_KIND__USER_UNKNOWN)
        return s_bad(why, whysz,
                     "the kind is household, restaurant or "
                     "business");
    /* The personal data, normalised as the look-up HMACs see it. */
    char name[LPG_STRING_MAX + 1], card[LPG_STRING_MAX + 1];
    char phone[LPG_STRING_MAX + 1], address[LPG_STRING_MAX + 1];
    char masked[2 * LPG_STRING_MAX + 1];
    if (lpg_pii_normalise(LPG_PII_NAME, v[C_NAME], name, sizeof name) !=
            LPG_OK ||
        lpg_pii_mask(name, masked, sizeof masked) != LPG_OK ||
        strlen(masked) > LPG_STRING_MAX)
        return s_bad(why, whysz, "the name is not text of 1 to 256 bytes");
    if (lpg_pii_normalise(LPG_PII_ID_CARD, v[C_ID_CARD], card, sizeof card) !=
            LPG_OK ||
        !s_chars(card, 6, 32, S_ALNUM))
        return s_bad(why, whysz,
                     "the ID-card number is not 6 to 32 "
                     "letters and digits");
    const char *p = s_val(v, C_PHONE), *a = s_val(v, C_ADDRESS);
    if (p &&
        (lpg_pii_normalise(LPG_PII_PHONE, p, phone, sizeof phone) != LPG_OK ||
         !s_chars(phone, 3, 24, "+" S_DIGITS)))
        return s_bad(why, whysz, "the phone number is not 3 to 24 digits");
    if (a &&
        lpg_pii_normalise(LPG_PII_TEXT, a, address, sizeof address) != LPG_OK)
        return s_bad(why, whysz,
                     "the address is not text of 1 to 256 "
                     "bytes");
    const char *area = s_val(v, C_AREA), *cert = s_val(v, C_GAS_CERT);
    const char *alarm = s_val(v, C_LEAK_ALARM);
    if ((area && !lpg_reg_text(area)) || (cert && !lpg_reg_text(cert)))
        return s_bad(why, whysz,
                     "the area or gas-use certificate is not "
                     "text of 1 to 256 bytes");
    bool has_alarm = false;
    if (alarm && !lpg_reg_yes_no(alarm, &has_alarm))
        return s_bad(why, whysz, "leak_alarm is yes or no");

    uint8_t id_hmac[32], name_hmac[32], phone_hmac[32];
    lpg_pii_hmac(ctx->hmac_key, LPG_PII_ID_CARD, card, id_hmac);
    lpg_pii_hmac(ctx->hmac_key, LPG_PII_NAME, name, name_hmac);
    if (p)
        lpg_pii_hmac(ctx->hmac_key, LPG_PII_PHONE, phone, phone_hmac);
    Lpg__PersonalData pd = LPG__PERSONAL_DATA__INIT;
    pd.name = name;
    pd.id_card = card;
    pd.phone = p ? phone : NULL;
    pd.address = a ? address : NULL;
    uint8_t *sealed = NULL;
    size_t slen = 0;
    int rc = lpg_random(out->key, sizeof out->key);
    if (rc == LPG_OK)
        rc = lpg_pii_seal(out->key, id, &pd, &sealed, &slen);
    lpg_pii_wipe(name, sizeof name);
    lpg_pii_wipe(card, sizeof card);
    lpg_pii_wipe(phone, sizeof phone);
    lpg_pii_wipe(address, sizeof address);
    if (rc != LPG_OK) {
        snprintf(why, whysz, "sealing the personal data failed: %s",
                 lpg_strerror(rc));
        return LPG_EINTERNAL;
    }
    ua.company = (char *)company;
    ua.id_hmac = (ProtobufCBinaryData){sizeof id_hmac, id_hmac};
    ua.has_name_hmac = 1;
    ua.name_hmac = (ProtobufCBinaryData){sizeof name_hmac, name_hmac};
    ua.has_phone_hmac = p != NULL;
    ua.phone_hmac = (ProtobufCBinaryData){sizeof phone_hmac, phone_hmac};
    ua.pii = (ProtobufCBinaryData){slen, sealed};
    ua.masked_name = masked;
    ua.area = (char *)area;
    ua.gas_cert_no = (char *)cert;
    ua.has_leak_alarm = alarm != NULL;
    ua.leak_alarm = has_alarm;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_USER_ADD;
    ev.user_add = &ua;
    ev.user = (char *)id;
    ev.company = (char *)company;
    rc = lpg_reg_sign(&ev, ctx->signer, &out->data, &out->len);
    free(sealed);
    if (rc != LPG_OK) {
        lpg_pii_wipe(out->key, sizeof out->key);
        snprintf(why, whysz, "signing failed: %s", lpg_strerror(rc));
        return LPG_EINTERNAL;
    }
    out->has_key = true;
    snprintf(out->dup, sizeof out->dup, "user %.100s", id);
    return LPG_OK;
}

/*  Loads the keys a row needs: the signer and the look-up key. */
static bool
s_ctx_open(lpg_cli_t *cli, const char *as, s_ctx_t *ctx, lpg_key_t **signer)
{
    *signer = lpg_reg_signer(cli, as);
    if (!*signer)
        return false;
    if (!lpg_reg_pii_key(cli, ctx->hmac_key)) {
        lpg_key_destroy(signer);
        return false;
    }
    ctx->signer = *signer;
    return true;
}

static int
s_add(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"company"},    {"kind"},    {"name"}, {"id-card"},
                        {"phone"},      {"address"}, {"area"}, {"gas-cert"},
                        {"leak-alarm"}, {"as"},      {NULL}};
    const char *id;
    if (!lpg_reg_opts("user add", argc, argv, 2, opts, &id, 1)) {
        s_usage();
        return 2;
    }
    const char *values[C_COUNT] = {
        id,
        lpg_reg_opt(opts, "company"),
        lpg_reg_opt(opts, "kind"),
        lpg_reg_opt(opts, "name"),
        lpg_reg_opt(opts, "id-card"),
        lpg_reg_opt(opts, "phone"),
        lpg_reg_opt(opts, "address"),
        lpg_reg_opt(opts, "area"),
        lpg_reg_opt(opts, "gas-cert"),
        lpg_reg_opt(opts, "leak-alarm"),
    };
    static const char *flags[] = {"ID", "--company", "--kind", "--name",
                                  "--id-card"};
    for (int k = 0; k <= C_ID_CARD; k++)
        if (!values[k] || !*values[k]) {
            fprintf(stderr, "lpgtrace: user add: %s is required\n", flags[k]);
            s_usage();
            return 2;
        }
    s_ctx_t ctx;
    lpg_key_t *signer = NULL;
    if (!s_ctx_open(cli, lpg_reg_opt(opts, "as"), &ctx, &signer))
        return 2;
    lpg_import_event_t ev;
    memset(&ev, 0, sizeof ev);
    char why[256] = "";
    int rc = s_row(&ctx, NULL, values, &ev, why, sizeof why);
    lpg_pii_wipe(ctx.hmac_key, sizeof ctx.hmac_key);
    lpg_key_destroy(&signer);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: user add: %s\n", why);
        return 2;
    }
    int status = lpg_reg_submit_signed(cli, ev.data, ev.len, ev.key, NULL);
    lpg_pii_wipe(ev.key, sizeof ev.key);
    free(ev.data);
    return status;
}

static int
s_import(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"as"}, {NULL}};
    const char *path;
    if (!lpg_reg_opts("user import", argc, argv, 2, opts, &path, 1) || !path) {
        s_usage();
        return 2;
    }
    s_ctx_t ctx;
    lpg_key_t *signer = NULL;
    if (!s_ctx_open(cli, lpg_reg_opt(opts, "as"), &ctx, &signer))
        return 2;
    lpg_import_spec_t spec = {"users", s_columns, 5, s_row, &ctx};
    int status = lpg_import_run(cli, path, &spec);
    lpg_pii_wipe(ctx.hmac_key, sizeof ctx.hmac_key);
    lpg_key_destroy(&signer);
    return status;
}

/*  Asks the registry about users: by id (with a reveal entry, or 0), or
 *  by ID-card HMAC. Prints why and returns 2 if there is no answer. */
static int
s_get(lpg_cli_t *cli, const char *id, const uint8_t *hmac, uint64_t reveal_seq,
      Lpg__Reply **reply)
{
    lpg_client_t *c = lpg_reg_client(cli);
    if (!c)
        return 2;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetUser q = LPG__GET_USER__INIT;
    q.user = (char *)id;
    if (hmac) {
        q.has_id_hmac = 1;
        q.id_hmac = (ProtobufCBinaryData){32, (uint8_t *)hmac};
    }
    q.has_reveal_seq = reveal_seq != 0;
    q.reveal_seq = reveal_seq;
    req.body_case = LPG__REQUEST__BODY_GET_USER;
    req.get_user = &q;
    int status = lpg_reg_call(cli, c, &req, reply);
    lpg_client_destroy(&c);
    return status;
}

static json_t *
s_user_json(const Lpg__UserInfo *u, uint64_t reveal_seq)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "id", u->id, "company",
                          u->company, "kind", s_kind_name(u->kind));
    if (!o)
        return NULL;
    if (u->masked_name)
        json_object_set_new(o, "masked_name", json_string(u->masked_name));
    if (u->area)
        json_object_set_new(o, "area", json_string(u->area));
    if (u->gas_cert_no)
        json_object_set_new(o, "gas_cert_no", json_string(u->gas_cert_no));
    if (u->has_leak_alarm)
        json_object_set_new(o, "leak_alarm", json_boolean(u->leak_alarm));
    if (u->has_seq)
        json_object_set_new(o, "seq", json_integer((json_int_t)u->seq));
    if (u->has_erased_seq)
        json_object_set_new(o, "erased_seq",
                            json_integer((json_int_t)u->erased_seq));
    if (u->personal) {
        const Lpg__PersonalData *p = u->personal;
        json_t *pj =
            json_pack("{s:s, s:s}", "name", p->name, "id_card", p->id_card);
        if (pj && p->phone)
            json_object_set_new(pj, "phone", json_string(p->phone));
        if (pj && p->address)
            json_object_set_new(pj, "address", json_string(p->address));
        json_object_set_new(o, "personal", pj);
        json_object_set_new(o, "reveal_seq",
                            json_integer((json_int_t)reveal_seq));
    }
    return o;
}

static void
s_print_json(json_t *o)
{
    lpg_msg_emit_json(o);
}

static void
s_print_user(const Lpg__UserInfo *u, uint64_t reveal_seq, const char *reason)
{
    printf("user %s (%s, company %s)\n", u->id, s_kind_name(u->kind),
           u->company);
    printf("  name        %s\n", u->masked_name ? u->masked_name : "-");
    if (u->area)
        printf("  area        %s\n", u->area);
    if (u->gas_cert_no)
        printf("  gas cert    %s\n", u->gas_cert_no);
    if (u->has_leak_alarm)
        printf("  leak alarm  %s\n", u->leak_alarm ? "yes" : "no");
    if (u->has_seq)
        printf("  added       entry %llu\n", (unsigned long long)u->seq);
    if (u->has_erased_seq)
        printf("  ERASED      entry %llu: the personal data is destroyed\n",
               (unsigned long long)u->erased_seq);
    if (u->personal) {
        const Lpg__PersonalData *p = u->personal;
        printf("revealed under entry %llu (reason: %s):\n",
               (unsigned long long)reveal_seq, reason);
        printf("  name        %s\n  id card     %s\n", p->name, p->id_card);
        if (p->phone)
            printf("  phone       %s\n", p->phone);
        if (p->address)
            printf("  address     %s\n", p->address);
    }
}

static int
s_show(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"reveal", NULL, true}, {"reason"}, {NULL}};
    const char *id;
    if (!lpg_reg_opts("user show", argc, argv, 2, opts, &id, 1) || !id) {
        s_usage();
        return 2;
    }
    bool reveal = lpg_reg_opt(opts, "reveal") != NULL;
    const char *reason = lpg_reg_opt(opts, "reason");
    if (reveal != (reason != NULL) || (reason && !lpg_reg_text(reason))) {
        fprintf(stderr, "lpgtrace: user show: --reveal needs --reason TEXT "
                        "(it is recorded in the log)\n");
        return 2;
    }
    uint64_t seq = 0;
    if (reveal) {
        /* The reveal is on the record before anything is shown. */
        lpg_key_t *authority = lpg_reg_signer(cli, NULL);
        if (!authority)
            return 2;
        Lpg__PiiReveal pr = LPG__PII_REVEAL__INIT;
        pr.user = (char *)id;
        pr.reason = (char *)reason;
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.body_case = LPG__EVENT__BODY_PII_REVEAL;
        ev.pii_reveal = &pr;
        Lpg__Reply *r = NULL;
        int status = lpg_reg_submit(cli, &ev, authority, &r);
        lpg_key_destroy(&authority);
        if (status != 0) {
            if (r) {
                fprintf(stderr,
                        "lpgtrace: the reveal was not recorded: "
                        "%s: %s\n",
                        r->token, r->message);
                lpg__reply__free_unpacked(r, NULL);
            }
            return status;
        }
        seq = r->seq;
        lpg__reply__free_unpacked(r, NULL);
    }
    Lpg__Reply *r = NULL;
    int status = s_get(cli, id, NULL, seq, &r);
    if (status != 0)
        return status;
    if (r->status != LPG__STATUS__STATUS_OK || r->n_users != 1) {
        if (cli->json)
            lpg_cli_print_reply(cli, r);
        else {
            fprintf(stderr, "lpgtrace: %s%s: %s\n",
                    reveal ? "reveal refused: " : "", r->token, r->message);
            if (lpg_msg_advice(r))
                fprintf(stderr, "lpgtrace: %s\n", lpg_msg_advice(r));
        }
        status = r->status == LPG__STATUS__STATUS_OK ? 1 : lpg_msg_exit(r);
        lpg__reply__free_unpacked(r, NULL);
        return status;
    }
    if (cli->json)
        s_print_json(s_user_json(r->users[0], seq));
    else
        s_print_user(r->users[0], seq, reason);
    lpg__reply__free_unpacked(r, NULL);
    return 0;
}

static int
s_find(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"id-card"}, {NULL}};
    const char *card = NULL;
    if (!lpg_reg_opts("user find", argc, argv, 2, opts, NULL, 0) ||
        !(card = lpg_reg_opt(opts, "id-card"))) {
        s_usage();
        return 2;
    }
    uint8_t key[LPG_PII_KEY_LEN], hmac[LPG_PII_HMAC_LEN];
    if (!lpg_reg_pii_key(cli, key))
        return 2;
    int rc = lpg_pii_hmac(key, LPG_PII_ID_CARD, card, hmac);
    lpg_pii_wipe(key, sizeof key);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: user find: --id-card is empty or not "
                        "text\n");
        return 2;
    }
    Lpg__Reply *r = NULL;
    int status = s_get(cli, NULL, hmac, 0, &r);
    if (status != 0)
        return status;
    status = lpg_msg_exit(r);
    if (lpg_msg_advice(r) && !cli->json)
        fprintf(stderr, "lpgtrace: %s\n", lpg_msg_advice(r));
    if (cli->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->n_users; i++)
            json_array_append_new(a, s_user_json(r->users[i], 0));
        s_print_json(a);
    } else if (status != 0)
        printf("%s: %s\n", r->token, r->message);
    else
        for (size_t i = 0; i < r->n_users; i++) {
            const Lpg__UserInfo *u = r->users[i];
            printf("%s\t%s\t%s\t%s%s\n", u->id, s_kind_name(u->kind),
                   u->company, u->masked_name ? u->masked_name : "-",
                   u->has_erased_seq ? "\t(erased)" : "");
        }
    lpg__reply__free_unpacked(r, NULL);
    return status;
}

static int
s_erase(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"reason"}, {"as"}, {NULL}};
    const char *id;
    if (!lpg_reg_opts("user erase", argc, argv, 2, opts, &id, 1) || !id ||
        !lpg_reg_text(lpg_reg_opt(opts, "reason"))) {
        s_usage();
        return 2;
    }
    lpg_key_t *signer = lpg_reg_signer(cli, lpg_reg_opt(opts, "as"));
    if (!signer)
        return 2;
    Lpg__UserErase ue = LPG__USER_ERASE__INIT;
    ue.user = (char *)id;
    ue.reason = (char *)lpg_reg_opt(opts, "reason");
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_USER_ERASE;
    ev.user_erase = &ue;
    int status = lpg_reg_submit(cli, &ev, signer, NULL);
    lpg_key_destroy(&signer);
    return status;
}

/*  A PIN: 6 to 12 digits. */
static bool
s_pin_ok(const char *pin)
{
    return s_chars(pin, 6, 12, S_DIGITS);
}

/*  user pin ID [--as KEYPREFIX]: the household's PIN for the ordering
 *  page (lpg-webd's /order), read from the terminal or stdin, kept as
 *  its Argon2id hash by the registry (outside the log). */
static int
s_pin(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"as"}, {NULL}};
    const char *id;
    if (!lpg_reg_opts("user pin", argc, argv, 2, opts, &id, 1) || !id ||
        !lpg_reg_text(id)) {
        s_usage();
        return 2;
    }
    Lpg__UserPin up = LPG__USER_PIN__INIT;
    up.user = (char *)id;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_USER_PIN;
    ev.user_pin = &up;
    ev.user = (char *)id;
    return lpg_reg_submit_secret(cli, "user pin", "PIN", id, s_pin_ok,
                                 "a PIN is 6 to 12 digits", &ev,
                                 lpg_reg_opt(opts, "as"));
}

/*  The certificate's signing key: KEYPREFIX.pem, or the home's device
 *  key (device.key + ".pem"). Prints why and returns NULL on failure. */
static lpg_key_t *
s_cert_signer(lpg_cli_t *cli, const char *as)
{
    if (as)
        return lpg_reg_signer(cli, as);
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return NULL;
    char rel[4096], path[4096];
    snprintf(rel, sizeof rel, "%s.pem", lpg_config_get(cfg, "device.key"));
    lpg_key_t *key = NULL;
    int rc = lpg_config_path(cfg, rel, path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_key_load_private(&key, path);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s (device.key): %s\n", rel,
                lpg_strerror(rc));
        return NULL;
    }
    return key;
}

/*  From the home's ledger: the user's company and certificate number
 *  (copied into company and no), after checking that signer is an
 *  unrevoked company-admin key of that company. Prints why and returns
 *  1 (refused) or 2 (error) when not. */
static int
s_cert_record(lpg_cli_t *cli, const char *id, const lpg_key_t *signer,
              char company[LPG_GASCERT_FIELD_MAX + 1],
              char no[LPG_GASCERT_FIELD_MAX + 1])
{
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    lpg_txn_t *t = NULL;
    Lpg__UserState *u = NULL;
    Lpg__DeviceState *dev = NULL;
    int status = 1;
    int rc = lpg_ledger_read(l, &t);
    if (rc != LPG_OK) {
        status = lpg_cli_fail("ledger", rc);
        goto cleanup;
    }
    u = lpg_state_get(t, LPG_TABLE_USERS, id, &lpg__user_state__descriptor);
    if (!u || !u->add) {
        fprintf(stderr, "lpgtrace: user cert: no user '%s'\n", id);
        goto cleanup;
    }
    const Lpg__UserAdd *a = u->add;
    if (u->has_erased_seq) {
        fprintf(stderr, "lpgtrace: user cert: user '%s' is erased\n", id);
        goto cleanup;
    }
    if (!a->gas_cert_no || !*a->gas_cert_no) {
        fprintf(stderr,
                "lpgtrace: user cert: user '%s' has no gas-use "
                "certificate number on record\n",
                id);
        goto cleanup;
    }
    if (strlen(a->company) > LPG_GASCERT_FIELD_MAX ||
        strlen(a->gas_cert_no) > LPG_GASCERT_FIELD_MAX) {
        fprintf(stderr,
                "lpgtrace: user cert: the company or certificate "
                "number is over %d bytes\n",
                LPG_GASCERT_FIELD_MAX);
        goto cleanup;
    }
    uint8_t kid[LPG_KEYID_LEN];
    lpg_key_id(signer, kid);
    rc = lpg_state_device(t, kid, &dev);
    if (rc == LPG_ENOTFOUND) {
        fprintf(stderr, "lpgtrace: user cert: the signing key is not "
                        "enrolled\n");
        goto cleanup;
    }
    if (rc != LPG_OK) {
        status = lpg_cli_fail("ledger", rc);
        goto cleanup;
    }
    if (dev->has_revoked_seq || dev->role != LPG__ROLE__ROLE_COMPANY_ADMIN ||
        strcmp(dev->company, a->company) != 0) {
        fprintf(stderr,
                "lpgtrace: user cert: the signing key is %s, not "
                "a company-admin key of %s\n",
                dev->has_revoked_seq ? "revoked" : "another device's",
                a->company);
        goto cleanup;
    }
    snprintf(company, LPG_GASCERT_FIELD_MAX + 1, "%s", a->company);
    snprintf(no, LPG_GASCERT_FIELD_MAX + 1, "%s", a->gas_cert_no);
    status = 0;
cleanup:
    if (dev)
        lpg__device_state__free_unpacked(dev, NULL);
    lpg_state_free(u);
    lpg_txn_abort(&t);
    lpg_ledger_close(&l);
    return status;
}

/*  Printable ASCII of at most 64 bytes: a line a label can print. */
static bool
s_label_line(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return n > 0 && n <= 64;
}

static int
s_cert(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"until"}, {"as"}, {"png"}, {"svg"}, {NULL}};
    const char *id;
    uint32_t until = 0;
    if (!lpg_reg_opts("user cert", argc, argv, 2, opts, &id, 1) || !id ||
        !lpg_reg_opt(opts, "until")) {
        s_usage();
        return 2;
    }
    if (!lpg_cli_date(lpg_reg_opt(opts, "until"), &until) ||
        !lpg_gascert_date_ok(until)) {
        fprintf(stderr, "lpgtrace: user cert: --until is a date "
                        "YYYY-MM-DD\n");
        return 2;
    }
    if (strlen(id) > LPG_GASCERT_FIELD_MAX) {
        fprintf(stderr,
                "lpgtrace: user cert: the user id is over %d "
                "bytes\n",
                LPG_GASCERT_FIELD_MAX);
        return 2;
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    lpg_key_t *signer = s_cert_signer(cli, lpg_reg_opt(opts, "as"));
    if (!signer)
        return 2;
    char company[LPG_GASCERT_FIELD_MAX + 1], no[LPG_GASCERT_FIELD_MAX + 1];
    char text[LPG_GASCERT_MAX_TEXT + 1];
    int status = s_cert_record(cli, id, signer, company, no);
    if (status == 0) {
        int rc = lpg_gascert_issue(text, sizeof text, signer,
                                   lpg_config_get(cfg, "code.resolver"),
                                   company, id, no, until);
        if (rc != LPG_OK)
            status = lpg_cli_fail("user cert", rc);
    }
    lpg_key_destroy(&signer);
    if (status != 0)
        return status;
    char caption[40];
    snprintf(caption, sizeof caption, "valid until %04u-%02u-%02u",
             (unsigned)(until / 10000), (unsigned)(until / 100 % 100),
             (unsigned)(until % 100));
    lpg_label_item_t item = {text, s_label_line(no) ? no : NULL, caption};
    const char *files[2] = {lpg_reg_opt(opts, "png"),
                            lpg_reg_opt(opts, "svg")};
    for (int i = 0; i < 2; i++) {
        if (!files[i])
            continue;
        char why[256] = "";
        int rc = lpg_label_write(&item, 1, NULL, files[i], why, sizeof why);
        if (rc != LPG_OK) {
            fprintf(stderr, "lpgtrace: %s: %s\n", files[i],
                    *why ? why : lpg_strerror(rc));
            return 2;
        }
    }
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "certificate", text,
                              "user", id, "company", company, "cert_no", no,
                              "until", (int)until);
        s_print_json(o);
    } else {
        printf("%s\n", text);
    }
    return 0;
}

int
lpg_cmd_user(lpg_cli_t *cli, int argc, char **argv)
{
    static const struct {
        const char *verb;
        int (*fn)(lpg_cli_t *, int, char **);
    } verbs[] = {{"add", s_add},   {"import", s_import}, {"show", s_show},
                 {"find", s_find}, {"erase", s_erase},   {"cert", s_cert},
                 {"pin", s_pin}};
    for (size_t i = 0; argc >= 2 && i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(argv[1], verbs[i].verb) == 0)
            return verbs[i].fn(cli, argc, argv);
    s_usage();
    return 2;
}

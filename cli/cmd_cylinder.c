/*  cmd_cylinder.c - lpgtrace cylinder add|import|show|update|relabel.
 *
 *  add (and each line of import) asks the registry for the owner
 *  company's GS1 prefix, issues the cylinder's code with the authority
 *  key (revision 1, resolver code.resolver), puts the code text in the
 *  CylinderRegister and submits it; add prints the code, GRAI and short
 *  id. show asks the registry (GetCylinder) by code text or GRAI.
 *  relabel replaces a worn or damaged label: it asks the registry for
 *  the current revision, issues the code of the next one with the
 *  authority key, records it (a CylinderRelabel: every earlier revision
 *  is refused from then on) and prints the new code and its label.
 */
#include "registry.h"
#include "codes/code.h"
#include "codes/label.h"
#include "domain/words.h"
#include "domain/cylinder.h"
#include "base/error.h"
#include "ledger/event.h"
#include "net/msg.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    C_COMPANY,
    C_TYPE,
    C_SERIAL,
    C_TARE_G,
    C_FILL_G,
    C_MAKER,
    C_MADE,
    C_SPEC,
    C_WATER_ML,
    C_DESIGN_LIFE_Y,
    C_NEXT_INSPECTION,
    C_FILL_SITE,
    C_INSURANCE_UNTIL,
    C_MARK,
    C_COUNT
};

static const char *s_columns[C_COUNT + 1] = {"company",
                                             "type",
                                             "serial",
                                             "tare_g",
                                             "fill_g",
                                             "maker",
                                             "made",
                                             "spec",
                                             "water_ml",
                                             "design_life_y",
                                             "next_inspection",
                                             "fill_site",
                                             "insurance_until",
                                             "mark",
                                             NULL};

#define S_NREQUIRED 5

static void
s_usage(void)
{
    fprintf(stderr,
            "usage: lpgtrace cylinder add --company C --type ASSET_TYPE "
            "--serial S --tare-g G --fill-g G\n"
            "           [--maker M] [--made YYYY-MM] [--spec YSP-15] "
            "[--water-ml N] [--design-life-y 8]\n"
            "           [--next-inspection DATE] [--fill-site SITE] "
            "[--insurance-until DATE] [--mark TEXT]\n"
            "           [--as KEYPREFIX]\n"
            "       lpgtrace cylinder import FILE.csv [--as KEYPREFIX]\n"
            "       lpgtrace cylinder show CODE|GRAI\n"
            "       lpgtrace cylinder update GRAI [--status "
            "in-service|quarantined|scrapped]\n"
            "           [--next-inspection DATE] [--insurance-until DATE] "
            "--reason TEXT\n"
            "       lpgtrace cylinder relabel CODE|GRAI --reason TEXT "
            "[--png FILE] [--pdf FILE]\n"
            "The company's GS1 prefix and the asset type are 12 digits "
            "together; the serial\n"
            "is the steel-stamp serial [0-9A-Z]{1,16}; weights in grams; "
            "dates YYYY-MM-DD.\n"
            "import: a header line naming the columns (any order), one "
            "cylinder a line;\n");
    lpg_import_spec_t spec = {"cylinders", s_columns, S_NREQUIRED, NULL, NULL};
    lpg_import_columns_usage(stderr, &spec);
}

/*  A company's GS1 prefix, as the registry answered (or why not). */
typedef struct {
    char *company;
    char *prefix; /* NULL: refused, see why */
    char *why;
} s_company_t;

typedef struct {
    lpg_cli_t *cli;
    const lpg_key_t *authority; /* issues the codes */
    const lpg_key_t *signer;    /* signs the events */
    const char *resolver;
    s_company_t *companies;
    size_t ncompanies;
    /* The last line's code, for add to print. */
    char code[LPG_CODE_MAX_TEXT + 1];
    char grai[LPG_CODE_GRAI_MAX + 1];
    char short_id[LPG_CODE_SHORT_ID_MAX + 1];
} s_ctx_t;

static void
s_ctx_clear(s_ctx_t *ctx)
{
    for (size_t i = 0; i < ctx->ncompanies; i++) {
        free(ctx->companies[i].company);
        free(ctx->companies[i].prefix);
        free(ctx->companies[i].why);
    }
    free(ctx->companies);
    ctx->companies = NULL;
    ctx->ncompanies = 0;
}

/*  The company's GS1 prefix, asked once per company. LPG_OK, or
 *  LPG_ENOTFOUND (why: the registry's answer), LPG_EUNAVAILABLE. */
static int
s_prefix(s_ctx_t *ctx, lpg_client_t *c, const char *company,
         const char **prefix, char *why, size_t whysz)
{
    for (size_t i = 0; i < ctx->ncompanies; i++) {
        s_company_t *k = &ctx->companies[i];
        if (strcmp(k->company, company) != 0)
            continue;
        *prefix = k->prefix;
        if (!k->prefix)
            snprintf(why, whysz, "%s", k->why);
        return k->prefix ? LPG_OK : LPG_ENOTFOUND;
    }
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetCompany q = LPG__GET_COMPANY__INIT;
    q.company = (char *)company;
    req.body_case = LPG__REQUEST__BODY_GET_COMPANY;
    req.get_company = &q;
    Lpg__Reply *r = NULL;
    int rc = lpg_client_call(c, &req, &r);
    if (rc != LPG_OK) {
        snprintf(why, whysz, "asking the registry for company '%.60s': %s",
                 company, lpg_strerror(rc));
        return LPG_EUNAVAILABLE;
    }
    s_company_t *v =
        realloc(ctx->companies, (ctx->ncompanies + 1) * sizeof *v);
    if (!v) {
        lpg__reply__free_unpacked(r, NULL);
        snprintf(why, whysz, "out of memory");
        return LPG_ENOMEM;
    }
    ctx->companies = v;
    s_company_t *k = &v[ctx->ncompanies++];
    memset(k, 0, sizeof *k);
    k->company = strdup(company);
    if (r->status == LPG__STATUS__STATUS_OK && r->company &&
        r->company->gs1_prefix)
        k->prefix = strdup(r->company->gs1_prefix);
    else {
        char text[256];
        snprintf(text, sizeof text, "%s: %s", r->token, r->message);
        k->why = strdup(text);
    }
    lpg__reply__free_unpacked(r, NULL);
    if (!k->company || (!k->prefix && !k->why)) {
        snprintf(why, whysz, "out of memory");
        return LPG_ENOMEM;
    }
    *prefix = k->prefix;
    if (!k->prefix)
        snprintf(why, whysz, "%s", k->why);
    return k->prefix ? LPG_OK : LPG_ENOTFOUND;
}

static int s_bad(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*  A bad line: why says what is wrong. */
static int
s_bad(char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whysz, fmt, ap);
    va_end(ap);
    return LPG_EINVAL;
}

/*  Optional number column k into *out; false (why set) if not one. */
static bool
s_num(const char *const *v, int k, protobuf_c_boolean *has, uint32_t *out,
      char *why, size_t whysz)
{
    if (!v[k] || !*v[k])
        return true;
    if (!lpg_reg_u32(v[k], out)) {
        s_bad(why, whysz, "%s '%.40s' is not a whole number", s_columns[k],
              v[k]);
        return false;
    }
    *has = 1;
    return true;
}

static bool
s_date(const char *const *v, int k, protobuf_c_boolean *has, uint32_t *out,
       char *why, size_t whysz)
{
    if (!v[k] || !*v[k])
        return true;
    if (!lpg_cli_date(v[k], out)) {
        s_bad(why, whysz, "%s '%.40s' is not a date (YYYY-MM-DD)",
              s_columns[k], v[k]);
        return false;
    }
    *has = 1;
    return true;
}

/*  Optional text column k (NULL if empty); false if not text. */
static bool
s_text(const char *const *v, int k, char **out, char *why, size_t whysz)
{
    *out = NULL;
    if (!v[k] || !*v[k])
        return true;
    if (!lpg_reg_text(v[k])) {
        s_bad(why, whysz, "%s is not text of 1 to 256 bytes", s_columns[k]);
        return false;
    }
    *out = (char *)v[k];
    return true;
}

/*  The row function of cylinder add and cylinder import. */
static int
s_row(void *vctx, lpg_client_t *c, const char *const *v,
      lpg_import_event_t *out, char *why, size_t whysz)
{
    s_ctx_t *ctx = vctx;
    Lpg__CylinderRegister reg = LPG__CYLINDER_REGISTER__INIT;
    const char *company = v[C_COMPANY], *type = v[C_TYPE];
    const char *serial = v[C_SERIAL];
    if (!lpg_reg_text(company))
        return s_bad(why, whysz, "company is not text of 1 to 256 bytes");
    size_t tlen = strlen(type);
    if (tlen > 11 || strspn(type, "0123456789") != tlen)
        return s_bad(why, whysz,
                     "%s '%.40s' is not an asset type of up "
                     "to 11 digits",
                     "type", type);
    if (!lpg_reg_u32(v[C_TARE_G], &reg.tare_g) || reg.tare_g == 0)
        return s_bad(why, whysz, "%s '%.40s' is not a weight in grams",
                     "tare_g", v[C_TARE_G]);
    if (!lpg_reg_u32(v[C_FILL_G], &reg.fill_g) || reg.fill_g == 0)
        return s_bad(why, whysz, "%s '%.40s' is not a weight in grams",
                     "fill_g", v[C_FILL_G]);
    if (v[C_MADE] && *v[C_MADE]) {
        if (!lpg_reg_month(v[C_MADE], &reg.made_ym))
            return s_bad(why, whysz,
                         "%s '%.40s' is not a month "
                         "(YYYY-MM)",
                         "made", v[C_MADE]);
        reg.has_made_ym = 1;
    }
    if (!s_num(v, C_WATER_ML, &reg.has_water_volume_ml, &reg.water_volume_ml,
               why, whysz) ||
        !s_num(v, C_DESIGN_LIFE_Y, &reg.has_design_life_y, &reg.design_life_y,
               why, whysz) ||
        !s_date(v, C_NEXT_INSPECTION, &reg.has_next_inspection_ymd,
                &reg.next_inspection_ymd, why, whysz) ||
        !s_date(v, C_INSURANCE_UNTIL, &reg.has_insurance_until_ymd,
                &reg.insurance_until_ymd, why, whysz) ||
        !s_text(v, C_MAKER, &reg.maker, why, whysz) ||
        !s_text(v, C_SPEC, &reg.spec, why, whysz) ||
        !s_text(v, C_FILL_SITE, &reg.fill_site, why, whysz) ||
        !s_text(v, C_MARK, &reg.electronic_mark, why, whysz))
        return LPG_EINVAL;
    if (reg.has_design_life_y &&
        (reg.design_life_y == 0 || reg.design_life_y > 100))
        return s_bad(why, whysz, "%s '%.40s' is not 1 to 100 years",
                     "design_life_y", v[C_DESIGN_LIFE_Y]);
    /* The serial's form is checked before asking anyone anything. */
    char grai[LPG_CODE_GRAI_MAX + 1];
    if (lpg_code_grai(grai, "1", "00000000000", serial) == LPG_ECODE_SERIAL)
        return s_bad(why, whysz,
                     "%s '%.40s' is not a steel-stamp serial "
                     "[0-9A-Z]{1,16}",
                     "serial", serial);
    const char *prefix = NULL;
    int rc = s_prefix(ctx, c, company, &prefix, why, whysz);
    if (rc != LPG_OK)
        return rc;
    if (lpg_code_grai(grai, prefix, type, serial) != LPG_OK) {
        snprintf(why, whysz,
                 "the company's GS1 prefix %s and the asset "
                 "type '%.20s' are not 12 digits together",
                 prefix, type);
        return LPG_EINVAL;
    }
    rc = lpg_code_issue(ctx->authority, ctx->resolver, prefix, type, serial, 1,
                        ctx->code, sizeof ctx->code);
    lpg_code_t parsed;
    if (rc == LPG_OK)
        rc = lpg_code_parse(ctx->code, strlen(ctx->code), NULL, &parsed);
    if (rc != LPG_OK) {
        snprintf(why, whysz, "issuing its code failed: %s", lpg_strerror(rc));
        return LPG_EINTERNAL;
    }
    snprintf(ctx->grai, sizeof ctx->grai, "%s", parsed.grai);
    lpg_code_short_id(&parsed, ctx->short_id);
    reg.serial = (char *)serial;
    reg.owner = (char *)company;
    reg.has_code_revision = 1;
    reg.code_revision = 1;
    reg.code = ctx->code;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_CYLINDER_REGISTER;
    ev.cylinder_register = &reg;
    ev.cylinder = ctx->grai;
    ev.company = (char *)company;
    rc = lpg_reg_sign(&ev, ctx->signer, &out->data, &out->len);
    if (rc != LPG_OK) {
        snprintf(why, whysz, "signing failed: %s", lpg_strerror(rc));
        return LPG_EINTERNAL;
    }
    snprintf(out->dup, sizeof out->dup, "cylinder %s", ctx->grai);
    return LPG_OK;
}

/*  The keys and settings a row needs. */
static bool
s_ctx_open(lpg_cli_t *cli, const char *as, s_ctx_t *ctx, lpg_key_t **authority,
           lpg_key_t **signer)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cli = cli;
    *authority = lpg_cli_key(cli, "authority.key", true);
    *signer = *authority && as ? lpg_reg_signer(cli, as) : NULL;
    if (!*authority || (as && !*signer)) {
        lpg_key_destroy(authority);
        return false;
    }
    ctx->authority = *authority;
    ctx->signer = as ? *signer : *authority;
    ctx->resolver = lpg_config_get(lpg_cli_config(cli), "code.resolver");
    return true;
}

static int
s_add(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[C_COUNT + 2];
    char names[C_COUNT][32];
    for (int k = 0; k < C_COUNT; k++) {
        /* --tare-g for the column tare_g */
        snprintf(names[k], sizeof names[k], "%s", s_columns[k]);
        for (char *p = names[k]; *p; p++)
            if (*p == '_')
                *p = '-';
        opts[k] = (lpg_opt_t){names[k], NULL, false};
    }
    opts[C_COUNT] = (lpg_opt_t){"as", NULL, false};
    opts[C_COUNT + 1] = (lpg_opt_t){NULL, NULL, false};
    if (!lpg_reg_opts("cylinder add", argc, argv, 2, opts, NULL, 0)) {
        s_usage();
        return 2;
    }
    const char *values[C_COUNT];
    for (int k = 0; k < C_COUNT; k++) {
        values[k] = opts[k].value;
        if (k < S_NREQUIRED && (!values[k] || !*values[k])) {
            fprintf(stderr, "lpgtrace: cylinder add: --%s is required\n",
                    names[k]);
            s_usage();
            return 2;
        }
    }
    s_ctx_t ctx;
    lpg_key_t *authority = NULL, *signer = NULL;
    if (!s_ctx_open(cli, lpg_reg_opt(opts, "as"), &ctx, &authority, &signer))
        return 2;
    lpg_client_t *c = lpg_reg_client(cli);
    lpg_import_event_t ev;
    memset(&ev, 0, sizeof ev);
    char why[256] = "";
    int status = 2;
    int rc = c ? s_row(&ctx, c, values, &ev, why, sizeof why) : LPG_EIO;
    lpg_client_destroy(&c);
    if (rc == LPG_EUNAVAILABLE)
        fprintf(stderr,
                "lpgtrace: cylinder add: %s (is the registry "
                "running?)\n",
                why);
    else if (rc == LPG_ENOTFOUND) {
        fprintf(stderr, "lpgtrace: cylinder add: refused: %s\n", why);
        status = 1;
    } else if (rc != LPG_OK && c)
        fprintf(stderr, "lpgtrace: cylinder add: %s\n", why);
    if (rc != LPG_OK)
        goto cleanup;
    Lpg__Reply *r = NULL;
    status = lpg_reg_submit_signed(cli, ev.data, ev.len, NULL, &r);
    if (!r)
        goto cleanup;
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "status",
                              lpg_msg_status_name(r->status), "token",
                              r->token, "message", r->message);
        if (o && r->has_seq)
            json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
        if (o && lpg_msg_advice(r)) {
            json_object_set_new(o, "recorded", json_false());
            json_object_set_new(o, "advice", json_string(lpg_msg_advice(r)));
        }
        if (o && status == 0) {
            json_object_set_new(o, "code", json_string(ctx.code));
            json_object_set_new(o, "grai", json_string(ctx.grai));
            json_object_set_new(o, "short_id", json_string(ctx.short_id));
        }
        lpg_msg_emit_json(o);
    } else {
        lpg_cli_print_reply(cli, r);
        if (status == 0)
            printf("code      %s\ngrai      %s\nshort id  %s\n", ctx.code,
                   ctx.grai, ctx.short_id);
    }
    lpg__reply__free_unpacked(r, NULL);
cleanup:
    free(ev.data);
    s_ctx_clear(&ctx);
    lpg_key_destroy(&signer);
    lpg_key_destroy(&authority);
    return status;
}

static int
s_import(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"as"}, {NULL}};
    const char *path;
    if (!lpg_reg_opts("cylinder import", argc, argv, 2, opts, &path, 1) ||
        !path) {
        s_usage();
        return 2;
    }
    s_ctx_t ctx;
    lpg_key_t *authority = NULL, *signer = NULL;
    if (!s_ctx_open(cli, lpg_reg_opt(opts, "as"), &ctx, &authority, &signer))
        return 2;
    lpg_import_spec_t spec = {"cylinders", s_columns, S_NREQUIRED, s_row,
                              &ctx};
    int status = lpg_import_run(cli, path, &spec);
    s_ctx_clear(&ctx);
    lpg_key_destroy(&signer);
    lpg_key_destroy(&authority);
    return status;
}

/* ------------------------------------------------------------------ show */

/*  YYYYMMDD as YYYY-MM-DD (YYYYMM as YYYY-MM). */
static const char *
s_ymd(uint32_t v, char out[16])
{
    if (v >= 1000000)
        snprintf(out, 16, "%04u-%02u-%02u", (unsigned)(v / 10000),
                 (unsigned)(v / 100 % 100), (unsigned)(v % 100));
    else
        snprintf(out, 16, "%04u-%02u", (unsigned)(v / 100),
                 (unsigned)(v % 100));
    return out;
}

/*  The "Now" words, as `lpgtrace trace` prints them (domain/cylinder.h):
 *  both read the record the same cylinder steps wrote. */
static void
s_now_words(const Lpg__CylinderInfo *ci, char *out, size_t outsz)
{
    lpg_cylinder_now_t now = {
        ci->has_status ? ci->status : LPG__CYLINDER_STATUS__CYL_IN_SERVICE,
        ci->has_custody ? ci->custody : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION,
        ci->holder, ci->last_site, ci->vehicle};
    lpg_cylinder_now_words(&now, out, outsz, NULL, 0);
}

static void
s_show_json(const Lpg__CylinderInfo *ci)
{
    const Lpg__CylinderRegister *r = ci->registered;
    char d[16];
    json_t *o =
        json_pack("{s:s, s:s}", "grai", ci->grai, "serial", ci->serial);
    if (!o)
        return;
    struct {
        const char *k;
        const char *v;
    } texts[] = {
        {"short_id", ci->short_id},
        {"owner", ci->owner},
        {"spec", ci->spec},
        {"fill_site", ci->fill_site},
        {"status", ci->has_status ? lpg_status_words(ci->status, NULL) : NULL},
        {"custody",
         ci->has_custody ? lpg_custody_words(ci->custody, NULL) : NULL},
        {"holder", ci->holder},
        {"site", ci->last_site},
        {"vehicle", ci->vehicle},
        {"maker", r ? r->maker : NULL},
        {"code", r ? r->code : NULL},
        {"electronic_mark", r ? r->electronic_mark : NULL},
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (texts[i].v)
            json_object_set_new(o, texts[i].k, json_string(texts[i].v));
    char now[256];
    s_now_words(ci, now, sizeof now);
    json_object_set_new(o, "now", json_string(now));
    if (ci->has_tare_g)
        json_object_set_new(o, "tare_g", json_integer(ci->tare_g));
    if (ci->has_fill_g)
        json_object_set_new(o, "fill_g", json_integer(ci->fill_g));
    if (ci->has_next_inspection_ymd)
        json_object_set_new(o, "next_inspection",
                            json_string(s_ymd(ci->next_inspection_ymd, d)));
    if (ci->has_last_seq)
        json_object_set_new(o, "last_seq",
                            json_integer((json_int_t)ci->last_seq));
    if (r && r->has_made_ym)
        json_object_set_new(o, "made", json_string(s_ymd(r->made_ym, d)));
    if (r && r->has_water_volume_ml)
        json_object_set_new(o, "water_ml", json_integer(r->water_volume_ml));
    if (r && r->has_design_life_y)
        json_object_set_new(o, "design_life_y",
                            json_integer(r->design_life_y));
    if (r && r->has_insurance_until_ymd)
        json_object_set_new(o, "insurance_until",
                            json_string(s_ymd(r->insurance_until_ymd, d)));
    if (r && r->has_code_revision)
        json_object_set_new(o, "code_revision",
                            json_integer(r->code_revision));
    lpg_msg_emit_json(o);
}

static void
s_show_text(const Lpg__CylinderInfo *ci)
{
    const Lpg__CylinderRegister *r = ci->registered;
    char d[16];
    printf("cylinder %s%s%s%s\n", ci->grai, ci->short_id ? " (" : "",
           ci->short_id ? ci->short_id : "", ci->short_id ? ")" : "");
    printf("  serial           %s\n", ci->serial);
    if (ci->owner)
        printf("  owner            %s\n", ci->owner);
    if (ci->has_status)
        printf("  status           %s\n", lpg_status_words(ci->status, NULL));
    if (ci->has_custody)
        printf("  custody          %s\n",
               lpg_custody_words(ci->custody, NULL));
    if (ci->holder)
        printf("  holder           %s\n", ci->holder);
    if (ci->last_site)
        printf("  last site        %s\n", ci->last_site);
    if (ci->vehicle)
        printf("  vehicle          %s\n", ci->vehicle);
    char now[256];
    s_now_words(ci, now, sizeof now);
    printf("  now              %s\n", now);
    if (ci->spec)
        printf("  spec             %s\n", ci->spec);
    if (ci->has_tare_g)
        printf("  tare             %u g\n", ci->tare_g);
    if (ci->has_fill_g)
        printf("  permitted fill   %u g\n", ci->fill_g);
    if (r && r->maker)
        printf("  maker            %s\n", r->maker);
    if (r && r->has_made_ym)
        printf("  made             %s\n", s_ymd(r->made_ym, d));
    if (r && r->has_water_volume_ml)
        printf("  water volume     %u ml\n", r->water_volume_ml);
    if (r && r->has_design_life_y)
        printf("  design life      %u years\n", r->design_life_y);
    if (ci->has_next_inspection_ymd)
        printf("  next inspection  %s\n", s_ymd(ci->next_inspection_ymd, d));
    if (ci->fill_site)
        printf("  fill site        %s\n", ci->fill_site);
    if (r && r->has_insurance_until_ymd)
        printf("  insurance until  %s\n", s_ymd(r->insurance_until_ymd, d));
    if (r && r->electronic_mark)
        printf("  electronic mark  %s\n", r->electronic_mark);
    if (r && r->has_code_revision)
        printf("  code revision    %u\n", r->code_revision);
    if (r && r->code)
        printf("  code             %s\n", r->code);
    if (ci->has_last_seq)
        printf("  last entry       %llu\n", (unsigned long long)ci->last_seq);
}

static int
s_show(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{NULL}};
    const char *name;
    if (!lpg_reg_opts("cylinder show", argc, argv, 2, opts, &name, 1) ||
        !name || !lpg_reg_text(name)) {
        s_usage();
        return 2;
    }
    lpg_client_t *c = lpg_reg_client(cli);
    if (!c)
        return 2;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetCylinder q = LPG__GET_CYLINDER__INIT;
    q.cylinder = (char *)name;
    req.body_case = LPG__REQUEST__BODY_GET_CYLINDER;
    req.get_cylinder = &q;
    Lpg__Reply *r = NULL;
    int status = lpg_reg_call(cli, c, &req, &r);
    lpg_client_destroy(&c);
    if (status != 0)
        return status;
    if (r->status != LPG__STATUS__STATUS_OK || !r->cylinder) {
        if (cli->json)
            lpg_cli_print_reply(cli, r);
        else {
            fprintf(stderr, "lpgtrace: %s: %s\n", r->token, r->message);
            if (lpg_msg_advice(r))
                fprintf(stderr, "lpgtrace: %s\n", lpg_msg_advice(r));
        }
        status = r->status == LPG__STATUS__STATUS_OK ? 1 : lpg_msg_exit(r);
        lpg__reply__free_unpacked(r, NULL);
        return status;
    }
    if (cli->json)
        s_show_json(r->cylinder);
    else
        s_show_text(r->cylinder);
    lpg__reply__free_unpacked(r, NULL);
    return 0;
}

/*  cylinder update GRAI [--status in-service|quarantined|scrapped]
 *  [--next-inspection DATE] [--insurance-until DATE] --reason TEXT:
 *  a signed CylinderUpdate (the authority, or the owner's admin key). */
static int
s_update(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"status", NULL, false},
                        {"next-inspection", NULL, false},
                        {"insurance-until", NULL, false},
                        {"reason", NULL, false},
                        {"as", NULL, false},
                        {NULL, NULL, false}};
    const char *grai = NULL;
    if (!lpg_reg_opts("cylinder update", argc, argv, 2, opts, &grai, 1) ||
        !grai || !lpg_reg_text(grai)) {
        fprintf(stderr, "usage: lpgtrace cylinder update GRAI [--status "
                        "in-service|quarantined|scrapped] "
                        "[--next-inspection DATE] [--insurance-until DATE] "
                        "--reason TEXT [--as KEYPREFIX]\n");
        return 2;
    }
    Lpg__CylinderUpdate u = LPG__CYLINDER_UPDATE__INIT;
    const char *status = lpg_reg_opt(opts, "status");
    const char *next = lpg_reg_opt(opts, "next-inspection");
    const char *ins = lpg_reg_opt(opts, "insurance-until");
    const char *reason = lpg_reg_opt(opts, "reason");
    if (!reason || !lpg_reg_text(reason)) {
        fprintf(stderr, "lpgtrace: cylinder update: --reason is required\n");
        return 2;
    }
    u.reason = (char *)reason;
    if (status) {
        u.has_status = 1;
        if (strcmp(status, "in-service") == 0)
            u.status = LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
        else if (strcmp(status, "quarantined") == 0)
            u.status = LPG__CYLINDER_STATUS__CYL_QUARANTINED;
        else if (strcmp(status, "scrapped") == 0)
            u.status = LPG__CYLINDER_STATUS__CYL_SCRAPPED;
        else {
            fprintf(stderr, "lpgtrace: cylinder update: --status is "
                            "in-service, quarantined or scrapped\n");
            return 2;
        }
    }
    if (next && !lpg_cli_date(next, &u.next_inspection_ymd)) {
        fprintf(stderr, "lpgtrace: cylinder update: bad date '%s'\n", next);
        return 2;
    }
    u.has_next_inspection_ymd = next != NULL;
    if (ins && !lpg_cli_date(ins, &u.insurance_until_ymd)) {
        fprintf(stderr, "lpgtrace: cylinder update: bad date '%s'\n", ins);
        return 2;
    }
    u.has_insurance_until_ymd = ins != NULL;
    if (!status && !next && !ins) {
        fprintf(stderr, "lpgtrace: cylinder update: nothing to change\n");
        return 2;
    }
    lpg_key_t *signer = lpg_reg_signer(cli, lpg_reg_opt(opts, "as"));
    if (!signer)
        return 2;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_CYLINDER_UPDATE;
    ev.cylinder_update = &u;
    ev.cylinder = (char *)grai;
    int rc = lpg_reg_submit(cli, &ev, signer, NULL);
    lpg_key_destroy(&signer);
    return rc;
}

/* --------------------------------------------------------------- relabel */

/*  The registry's record of the cylinder named (code text or GRAI): 0
 *  with *out (the caller frees), or the exit status after saying why. */
static int
s_get(lpg_cli_t *cli, const char *cmd, const char *name, Lpg__Reply **out)
{
    *out = NULL;
    lpg_client_t *c = lpg_reg_client(cli);
    if (!c)
        return 2;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetCylinder q = LPG__GET_CYLINDER__INIT;
    q.cylinder = (char *)name;
    req.body_case = LPG__REQUEST__BODY_GET_CYLINDER;
    req.get_cylinder = &q;
    Lpg__Reply *r = NULL;
    int status = lpg_reg_call(cli, c, &req, &r);
    lpg_client_destroy(&c);
    if (status != 0)
        return status;
    if (r->status != LPG__STATUS__STATUS_OK || !r->cylinder) {
        fprintf(stderr, "lpgtrace: %s: %s: %s\n", cmd, r->token, r->message);
        status = r->status == LPG__STATUS__STATUS_OK ? 1 : lpg_msg_exit(r);
        lpg__reply__free_unpacked(r, NULL);
        return status;
    }
    *out = r;
    return 0;
}

/*  cylinder relabel CODE|GRAI --reason TEXT [--png FILE] [--pdf FILE]
 *  [--as KEYPREFIX]: the next revision's code, issued with the authority
 *  key for the same GRAI (so the same owner and steel stamp), recorded by
 *  a CylinderRelabel that the authority signs (--as signs with another
 *  key, which the registry refuses: codes are the authority's). The
 *  labels are written only once the registry has recorded the new
 *  revision, so no label of a revision that does not count is printed. */
static int
s_relabel(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"reason", NULL, false},
                        {"png", NULL, false},
                        {"pdf", NULL, false},
                        {"as", NULL, false},
                        {NULL, NULL, false}};
    const char *name = NULL;
    const char *cmd = "cylinder relabel";
    if (!lpg_reg_opts(cmd, argc, argv, 2, opts, &name, 1) || !name ||
        !lpg_reg_text(name)) {
        fprintf(stderr, "usage: lpgtrace cylinder relabel CODE|GRAI --reason "
                        "TEXT [--png FILE] [--pdf FILE] [--as KEYPREFIX]\n");
        return 2;
    }
    const char *reason = lpg_reg_opt(opts, "reason");
    if (!reason || !lpg_reg_text(reason)) {
        fprintf(stderr, "lpgtrace: %s: --reason is required\n", cmd);
        return 2;
    }
    const char *files[2] = {lpg_reg_opt(opts, "png"),
                            lpg_reg_opt(opts, "pdf")};
    const char *exts[2] = {".png", ".pdf"};
    for (int i = 0; i < 2; i++) {
        size_t n = files[i] ? strlen(files[i]) : 0;
        if (files[i] && (n < 5 || strcasecmp(files[i] + n - 4, exts[i]))) {
            fprintf(stderr,
                    "lpgtrace: %s: --%s needs a file name ending "
                    "in %s\n",
                    cmd, exts[i] + 1, exts[i]);
            return 2;
        }
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    Lpg__Reply *got = NULL;
    int status = s_get(cli, cmd, name, &got);
    if (status != 0)
        return status;
    const Lpg__CylinderInfo *ci = got->cylinder;
    const Lpg__CylinderRegister *reg = ci->registered;
    lpg_code_t cur;
    if (!reg || !reg->code ||
        lpg_code_parse(reg->code, strlen(reg->code), NULL, &cur) != LPG_OK ||
        strcmp(cur.grai, ci->grai) != 0) {
        fprintf(stderr,
                "lpgtrace: %s: cylinder %s has no code on record "
                "to replace\n",
                cmd, ci->grai);
        lpg__reply__free_unpacked(got, NULL);
        return 1;
    }
    uint32_t rev = reg->has_code_revision ? reg->code_revision : cur.revision;
    lpg__reply__free_unpacked(got, NULL);
    if (rev == UINT32_MAX) {
        fprintf(stderr, "lpgtrace: %s: no revision after %u\n", cmd,
                (unsigned)rev);
        return 1;
    }
    /* the same GRAI: its 12 digits of company prefix and asset type */
    char digits[13];
    memcpy(digits, cur.grai + 1, 12);
    digits[12] = '\0';
    char text[LPG_CODE_MAX_TEXT + 1];
    lpg_key_t *authority = lpg_cli_key(cli, "authority.key", true);
    if (!authority)
        return 2;
    int rc =
        lpg_code_issue(authority, lpg_config_get(cfg, "code.resolver"), digits,
                       "", cur.serial, rev + 1, text, sizeof text);
    lpg_code_t next;
    if (rc == LPG_OK)
        rc = lpg_code_parse(text, strlen(text), NULL, &next);
    if (rc == LPG_OK && strcmp(next.grai, cur.grai) != 0)
        rc = LPG_EINTERNAL;
    const char *as = lpg_reg_opt(opts, "as");
    lpg_key_t *signer = rc == LPG_OK && as ? lpg_reg_signer(cli, as) : NULL;
    if (rc != LPG_OK || (as && !signer)) {
        if (rc != LPG_OK)
            fprintf(stderr,
                    "lpgtrace: %s: issuing the new code failed: "
                    "%s\n",
                    cmd, lpg_strerror(rc));
        lpg_key_destroy(&authority);
        return 2;
    }
    char grai[LPG_CODE_GRAI_MAX + 1], short_id[LPG_CODE_SHORT_ID_MAX + 1];
    snprintf(grai, sizeof grai, "%s", next.grai);
    lpg_code_short_id(&next, short_id);
    Lpg__CylinderRelabel rl = LPG__CYLINDER_RELABEL__INIT;
    rl.code_revision = next.revision;
    rl.code = text;
    rl.reason = (char *)reason;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_CYLINDER_RELABEL;
    ev.cylinder_relabel = &rl;
    ev.cylinder = grai;
    Lpg__Reply *r = NULL;
    status = lpg_reg_submit(cli, &ev, signer ? signer : authority, &r);
    lpg_key_destroy(&signer);
    lpg_key_destroy(&authority);
    if (!r)
        return status;
    for (int i = 0; status == 0 && i < 2; i++) {
        if (!files[i])
            continue;
        lpg_label_item_t item = {text, short_id, next.serial};
        char why[256] = "";
        rc = lpg_label_write(&item, 1, NULL, files[i], why, sizeof why);
        if (rc != LPG_OK) {
            fprintf(stderr,
                    "lpgtrace: %s: recorded, but the label %s was "
                    "not written: %s\n",
                    cmd, files[i], *why ? why : lpg_strerror(rc));
            status = 2;
        }
    }
    if (cli->json) {
        json_t *o = lpg_msg_reply_json(r);
        if (o && r->status == LPG__STATUS__STATUS_OK) {
            json_object_set_new(o, "code", json_string(text));
            json_object_set_new(o, "grai", json_string(grai));
            json_object_set_new(o, "short_id", json_string(short_id));
            json_object_set_new(o, "code_revision",
                                json_integer(next.revision));
        }
        lpg_msg_emit_json(o);
    } else {
        lpg_cli_print_reply(cli, r);
        if (r->status == LPG__STATUS__STATUS_OK)
            printf("code      %s\ngrai      %s\nshort id  %s\nrevision  "
                   "%u (revision %u and before are void)\n",
                   text, grai, short_id, (unsigned)next.revision,
                   (unsigned)rev);
    }
    lpg__reply__free_unpacked(r, NULL);
    return status;
}

int
lpg_cmd_cylinder(lpg_cli_t *cli, int argc, char **argv)
{
    static const struct {
        const char *verb;
        int (*fn)(lpg_cli_t *, int, char **);
    } verbs[] = {{"add", s_add},
                 {"import", s_import},
                 {"show", s_show},
                 {"update", s_update},
                 {"relabel", s_relabel}};
    for (size_t i = 0; argc >= 2 && i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(argv[1], verbs[i].verb) == 0)
            return verbs[i].fn(cli, argc, argv);
    s_usage();
    return 2;
}

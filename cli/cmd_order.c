/*  cmd_order.c - `lpgtrace order`: the ordering platform from the
 *  command line (lpg-orderd, lib/domain/order.h). Each subcommand signs
 *  one order event with a company-admin key (--as KEYPREFIX) and prints
 *  the service's answer.
 *
 *    order place ID --company C --user U --spec S [--count N]
 *                [--slot-from MS --slot-to MS] [--gas-cert TEXT]
 *                [--channel phone|household] --as KEY
 *    order accept|out ID --company C --as KEY
 *    order assign ID --company C --driver D --vehicle P --as KEY
 *    order delivered ID --company C --delivery SEQ[,SEQ...] --as KEY
 *    order cancel ID --company C --by WHO --reason TEXT --as KEY
 *    order refuse ID --company C --reason TEXT --as KEY
 *
 *  Any of these takes --event-id HEX (16 bytes) and --at MS (the device
 *  time): the same command run again with both is the same signed event,
 *  a retry, which the service answers with its first answer, marked
 *  duplicate.
 *
 *  It also reads the orders table of the local ledger (no key needed):
 *
 *    order show ID                  one order, every field (--json)
 *    order list [--company C] [--status S]
 *                                   by id; S a status word (placed, ...)
 *
 *  The household's address is not in the orders table: it stays sealed
 *  in the registry, shown to the assigned driver only.
 */
#include "cli.h"
#include "report/report.h"
#include "registry.h"
#include "base/config.h"
#include "base/error.h"
#include "domain/order.h"
#include "domain/state.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "net/client.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_USAGE                                                            \
    "order place ID --company C --user U --spec S [--count N] "            \
    "[--slot-from MS --slot-to MS] [--gas-cert TEXT] [--channel CH] "      \
    "--as KEY\n"                                                           \
    "       lpgtrace order accept|out ID --company C --as KEY\n"           \
    "       lpgtrace order assign ID --company C --driver D --vehicle P "  \
    "--as KEY\n"                                                           \
    "       lpgtrace order delivered ID --company C --delivery SEQ[,SEQ] " \
    "--as KEY\n"                                                           \
    "       lpgtrace order cancel ID --company C --by WHO --reason TEXT "  \
    "--as KEY\n"                                                           \
    "       lpgtrace order refuse ID --company C --reason TEXT --as KEY\n" \
    "       (each may add --event-id HEX --at MS: a retry of the same "    \
    "event)\n"                                                             \
    "       lpgtrace order show ID\n"                                      \
    "       lpgtrace order list [--company C] [--status S]"

#define S_SEQ_MAX 100

static int
s_usage(void)
{
    fprintf(stderr, "usage: lpgtrace %s\n", S_USAGE);
    return 2;
}

static bool
s_need(const lpg_opt_t *opts, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        const char *v = lpg_reg_opt(opts, names[i]);
        if (!v || !*v) {
            fprintf(stderr, "lpgtrace: order: --%s is required\n", names[i]);
            return false;
        }
    }
    return true;
}

/*  hex: exactly 2 * LPG_EVENT_ID_LEN hex digits, into id. */
static bool
s_unhex(const char *hex, uint8_t id[LPG_EVENT_ID_LEN])
{
    if (strlen(hex) != 2 * LPG_EVENT_ID_LEN)
        return false;
    for (size_t i = 0; i < LPG_EVENT_ID_LEN; i++) {
        unsigned v = 0;
        for (size_t k = 0; k < 2; k++) {
            char ch = hex[2 * i + k];
            unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
                         : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                         : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                                                  : 16;
            if (d > 15)
                return false;
            v = v * 16 + d;
        }
        id[i] = (uint8_t)v;
    }
    return true;
}

/* ---- show and list ---------------------------------------------------- */

typedef struct {
    const char *zone;
    bool json;
    const char *company; /* list: only this company's */
    int status;          /* list: only this status, or -1 */
    size_t n;
    json_t *rows; /* --json list */
} s_read_t;

static json_t *
s_order_json(const Lpg__OrderState *o, const char *zone)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    char placed[32];
    lpg_report_zone_time(zone, o->placed_ms, placed, sizeof placed);
    json_object_set_new(j, "order", json_string(o->place->order));
    json_object_set_new(j, "company", json_string(o->company));
    json_object_set_new(j, "user", json_string(o->user));
    json_object_set_new(j, "status",
                        json_string(lpg_order_status_word(o->status)));
    json_object_set_new(j, "spec", json_string(o->place->spec));
    json_object_set_new(j, "count", json_integer(o->place->count));
    json_object_set_new(j, "slot_from_ms",
                        json_integer((json_int_t)o->place->slot_from_ms));
    json_object_set_new(j, "slot_to_ms",
                        json_integer((json_int_t)o->place->slot_to_ms));
    json_object_set_new(j, "channel",
                        o->place->channel ? json_string(o->place->channel)
                                          : json_null());
    json_object_set_new(j, "placed", json_string(placed));
    json_object_set_new(j, "placed_ms",
                        json_integer((json_int_t)o->placed_ms));
    json_object_set_new(j, "placed_seq",
                        json_integer((json_int_t)o->placed_seq));
    json_object_set_new(j, "status_seq",
                        o->has_status_seq
                            ? json_integer((json_int_t)o->status_seq)
                            : json_null());
    json_object_set_new(j, "driver",
                        o->driver ? json_string(o->driver) : json_null());
    json_object_set_new(j, "vehicle",
                        o->vehicle ? json_string(o->vehicle) : json_null());
    json_t *seqs = json_array();
    for (size_t i = 0; seqs && i < o->n_delivery_seq; i++)
        json_array_append_new(seqs,
                              json_integer((json_int_t)o->delivery_seq[i]));
    json_object_set_new(j, "delivery_seq", seqs ? seqs : json_null());
    json_t *handed = json_array();
    for (size_t i = 0; handed && i < o->n_handed_seq; i++)
        json_array_append_new(handed,
                              json_integer((json_int_t)o->handed_seq[i]));
    json_object_set_new(j, "handed_seq", handed ? handed : json_null());
    json_object_set_new(j, "handed",
                        json_integer((json_int_t)o->n_handed_seq));
    json_object_set_new(j, "delivered_ms",
                        o->has_delivered_ms
                            ? json_integer((json_int_t)o->delivered_ms)
                            : json_null());
    json_object_set_new(j, "cancelled_by",
                        o->cancelled_by ? json_string(o->cancelled_by)
                                        : json_null());
    json_object_set_new(j, "reason",
                        o->reason ? json_string(o->reason) : json_null());
    return j;
}

static void
s_show_plain(const Lpg__OrderState *o, const char *zone)
{
    char placed[32], from[32], to[32], delivered[32];
    lpg_report_zone_time(zone, o->placed_ms, placed, sizeof placed);
    lpg_report_zone_time(zone, o->place->slot_from_ms, from, sizeof from);
    lpg_report_zone_time(zone, o->place->slot_to_ms, to, sizeof to);
    printf("order %s  %s\n", o->place->order,
           lpg_order_status_word(o->status));
    printf("  company   %s\n  user      %s\n", o->company, o->user);
    printf("  wants     %u x %s, slot %s to %s\n", (unsigned)o->place->count,
           o->place->spec, from, to);
    printf("  placed    %s (seq %" PRIu64 ")%s%s\n", placed, o->placed_seq,
           o->place->channel ? " by " : "",
           o->place->channel ? o->place->channel : "");
    if (o->driver)
        printf("  driver    %s, vehicle %s\n", o->driver,
               o->vehicle ? o->vehicle : "-");
    printf("  handed    %zu of %u", o->n_handed_seq,
           (unsigned)o->place->count);
    for (size_t i = 0; i < o->n_handed_seq; i++)
        printf("%s%" PRIu64, i ? " " : " (deliveries ", o->handed_seq[i]);
    printf("%s\n", o->n_handed_seq ? ")" : "");
    if (o->has_delivered_ms) {
        lpg_report_zone_time(zone, o->delivered_ms, delivered,
                             sizeof delivered);
        printf("  delivered %s, deliveries", delivered);
        for (size_t i = 0; i < o->n_delivery_seq; i++)
            printf(" %" PRIu64, o->delivery_seq[i]);
        printf("\n");
    }
    if (o->cancelled_by)
        printf("  cancelled by %s\n", o->cancelled_by);
    if (o->reason)
        printf("  reason    %s\n", o->reason);
}

static int
s_on_order(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    s_read_t *r = ctx;
    (void)key;
    (void)klen;
    Lpg__OrderState *o = lpg__order_state__unpack(NULL, vlen, val);
    if (!o)
        return LPG_EMALFORMED;
    int rc = LPG_OK;
    if ((!r->company || strcmp(o->company, r->company) == 0) &&
        (r->status < 0 || (int)o->status == r->status)) {
        r->n++;
        if (r->json) {
            json_t *j = s_order_json(o, r->zone);
            if (!j || json_array_append_new(r->rows, j) != 0)
                rc = LPG_ENOMEM;
        } else {
            char placed[32];
            lpg_report_zone_time(r->zone, o->placed_ms, placed, sizeof placed);
            printf("%-12s %-8s %-10s %-10s %u x %-8s %s  %s\n",
                   o->place->order, o->company, o->user,
                   lpg_order_status_word(o->status), (unsigned)o->place->count,
                   o->place->spec, placed, o->driver ? o->driver : "-");
        }
    }
    lpg__order_state__free_unpacked(o, NULL);
    return rc;
}

/*  order show ID | order list [--company C] [--status S]. */
static int
s_read(lpg_cli_t *cli, int argc, char **argv)
{
    bool show = strcmp(argv[1], "show") == 0;
    s_read_t r = {.json = cli->json, .status = -1};
    const char *id = NULL;
    for (int i = 2; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (show && !id && argv[i][0] != '-')
            id = argv[i];
        else if (!show && strcmp(argv[i], "--company") == 0 && next) {
            r.company = next;
            i++;
        } else if (!show && strcmp(argv[i], "--status") == 0 && next) {
            for (int s = LPG__ORDER_STATUS__ORDER_PLACED;
                 s <= LPG__ORDER_STATUS__ORDER_REFUSED; s++)
                if (strcmp(next, lpg_order_status_word(s)) == 0)
                    r.status = s;
            if (r.status < 0) {
                fprintf(stderr, "lpgtrace: order list: unknown status '%s'\n",
                        next);
                return 2;
            }
            i++;
        } else
            return s_usage();
    }
    if (show && !id)
        return s_usage();
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    r.zone = lpg_config_get(cfg, "time.zone");
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_read(l, &t);
    int status = 0;
    if (rc == LPG_OK && show) {
        Lpg__OrderState *o = lpg_state_get(t, LPG_TABLE_ORDERS, id,
                                           &lpg__order_state__descriptor);
        if (!o) {
            fprintf(stderr, "lpgtrace: order: no order %s\n", id);
            status = 1;
        } else if (r.json) {
            json_t *j = s_order_json(o, r.zone);
            char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
            if (text)
                puts(text);
            else
                rc = LPG_ENOMEM;
            free(text);
            json_decref(j);
        } else
            s_show_plain(o, r.zone);
        lpg_state_free(o);
    } else if (rc == LPG_OK) {
        r.rows = r.json ? json_array() : NULL;
        if (r.json && !r.rows)
            rc = LPG_ENOMEM;
        if (rc == LPG_OK)
            rc = lpg_txn_foreach(t, LPG_TABLE_ORDERS, s_on_order, &r);
        if (rc == LPG_OK && r.json) {
            char *text = json_dumps(r.rows, JSON_INDENT(2));
            if (text)
                puts(text);
            else
                rc = LPG_ENOMEM;
            free(text);
        } else if (rc == LPG_OK)
            printf("%zu orders\n", r.n);
        json_decref(r.rows);
    }
    lpg_txn_abort(&t);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("order", rc);
    return status;
}

int
lpg_cmd_order(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc < 2)
        return s_usage();
    const char *sub = argv[1];
    if (strcmp(sub, "show") == 0 || strcmp(sub, "list") == 0)
        return s_read(cli, argc, argv);
    lpg_opt_t opts[] = {{"company"},   {"user"},    {"spec"},     {"count"},
                        {"slot-from"}, {"slot-to"}, {"gas-cert"}, {"channel"},
                        {"driver"},    {"vehicle"}, {"delivery"}, {"by"},
                        {"reason"},    {"as"},      {"event-id"}, {"at"},
                        {NULL}};
    const char *id = NULL;
    if (!lpg_reg_opts("order", argc, argv, 2, opts, &id, 1) || !id || !*id)
        return s_usage();
    if (!s_need(opts, (const char *[]){"company", "as", NULL}))
        return 2;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.company = (char *)lpg_reg_opt(opts, "company");
    Lpg__OrderPlace p = LPG__ORDER_PLACE__INIT;
    Lpg__OrderAccept a = LPG__ORDER_ACCEPT__INIT;
    Lpg__OrderAssign as = LPG__ORDER_ASSIGN__INIT;
    Lpg__OrderOut o = LPG__ORDER_OUT__INIT;
    Lpg__OrderDelivered d = LPG__ORDER_DELIVERED__INIT;
    Lpg__OrderCancel c = LPG__ORDER_CANCEL__INIT;
    Lpg__OrderRefuse r = LPG__ORDER_REFUSE__INIT;
    uint64_t seqs[S_SEQ_MAX];
    if (strcmp(sub, "place") == 0) {
        if (!s_need(opts, (const char *[]){"user", "spec", NULL}))
            return 2;
        uint64_t n = 1, from = 0, to = 0;
        const char *cnt = lpg_reg_opt(opts, "count"),
                   *f = lpg_reg_opt(opts, "slot-from"),
                   *t = lpg_reg_opt(opts, "slot-to");
        if ((cnt && (!lpg_cli_u64(cnt, &n) || n > UINT32_MAX)) ||
            (f && !lpg_cli_u64(f, &from)) || (t && !lpg_cli_u64(t, &to)))
            return s_usage();
        p.order = (char *)id;
        p.spec = (char *)lpg_reg_opt(opts, "spec");
        p.count = (uint32_t)n;
        p.slot_from_ms = from;
        p.slot_to_ms = t ? to : from;
        p.gas_cert = (char *)lpg_reg_opt(opts, "gas-cert");
        p.channel = (char *)lpg_reg_opt(opts, "channel");
        ev.user = (char *)lpg_reg_opt(opts, "user");
        ev.body_case = LPG__EVENT__BODY_ORDER_PLACE;
        ev.order_place = &p;
    } else if (strcmp(sub, "accept") == 0) {
        a.order = (char *)id;
        ev.body_case = LPG__EVENT__BODY_ORDER_ACCEPT;
        ev.order_accept = &a;
    } else if (strcmp(sub, "assign") == 0) {
        if (!s_need(opts, (const char *[]){"driver", "vehicle", NULL}))
            return 2;
        as.order = (char *)id;
        as.driver = (char *)lpg_reg_opt(opts, "driver");
        as.vehicle = (char *)lpg_reg_opt(opts, "vehicle");
        ev.actor = as.driver;
        ev.body_case = LPG__EVENT__BODY_ORDER_ASSIGN;
        ev.order_assign = &as;
    } else if (strcmp(sub, "out") == 0) {
        o.order = (char *)id;
        ev.body_case = LPG__EVENT__BODY_ORDER_OUT;
        ev.order_out = &o;
    } else if (strcmp(sub, "delivered") == 0) {
        if (!s_need(opts, (const char *[]){"delivery", NULL}))
            return 2;
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", lpg_reg_opt(opts, "delivery"));
        for (char *s = buf, *next; s && *s; s = next) {
            next = strchr(s, ',');
            if (next)
                *next++ = '\0';
            if (d.n_delivery_seq >= S_SEQ_MAX ||
                !lpg_cli_u64(s, &seqs[d.n_delivery_seq]))
                return s_usage();
            d.n_delivery_seq++;
        }
        d.order = (char *)id;
        d.delivery_seq = seqs;
        ev.body_case = LPG__EVENT__BODY_ORDER_DELIVERED;
        ev.order_delivered = &d;
    } else if (strcmp(sub, "cancel") == 0) {
        if (!s_need(opts, (const char *[]){"by", "reason", NULL}))
            return 2;
        c.order = (char *)id;
        c.by = (char *)lpg_reg_opt(opts, "by");
        c.reason = (char *)lpg_reg_opt(opts, "reason");
        ev.body_case = LPG__EVENT__BODY_ORDER_CANCEL;
        ev.order_cancel = &c;
    } else if (strcmp(sub, "refuse") == 0) {
        if (!s_need(opts, (const char *[]){"reason", NULL}))
            return 2;
        r.order = (char *)id;
        r.reason = (char *)lpg_reg_opt(opts, "reason");
        ev.body_case = LPG__EVENT__BODY_ORDER_REFUSE;
        ev.order_refuse = &r;
    } else {
        return s_usage();
    }
    uint8_t event_id[LPG_EVENT_ID_LEN];
    const char *hex = lpg_reg_opt(opts, "event-id"),
               *at = lpg_reg_opt(opts, "at");
    if (hex && !s_unhex(hex, event_id)) {
        fprintf(stderr, "lpgtrace: order: --event-id is %d hex digits\n",
                2 * LPG_EVENT_ID_LEN);
        return 2;
    }
    if (at && (!lpg_cli_u64(at, &ev.device_time_ms) || !ev.device_time_ms))
        return s_usage();
    lpg_key_t *signer = lpg_reg_signer(cli, lpg_reg_opt(opts, "as"));
    if (!signer)
        return 2;
    struct lpg_client *client = lpg_cli_client(cli, "order");
    if (!client) {
        lpg_key_destroy(&signer);
        return 2;
    }
    Lpg__Reply *reply = NULL;
    int rc = lpg_client_sign_submit(client, signer, &ev, NULL, 0,
                                    hex ? event_id : NULL, NULL, &reply);
    lpg_client_destroy(&client);
    lpg_key_destroy(&signer);
    if (rc != LPG_OK)
        return lpg_cli_unanswered(cli, "order", rc);
    return lpg_cli_answer(cli, reply, NULL);
}

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
 */
#include "cli.h"
#include "registry.h"
#include "base/error.h"

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
    "       lpgtrace order refuse ID --company C --reason TEXT --as KEY"

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

int
lpg_cmd_order(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc < 2)
        return s_usage();
    const char *sub = argv[1];
    lpg_opt_t opts[] = {{"company"},   {"user"},    {"spec"},     {"count"},
                        {"slot-from"}, {"slot-to"}, {"gas-cert"}, {"channel"},
                        {"driver"},    {"vehicle"}, {"delivery"}, {"by"},
                        {"reason"},    {"as"},      {NULL}};
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
    lpg_key_t *signer = lpg_reg_signer(cli, lpg_reg_opt(opts, "as"));
    if (!signer)
        return 2;
    int status = lpg_cli_submit(cli, "order", &ev, signer, NULL);
    lpg_key_destroy(&signer);
    return status;
}

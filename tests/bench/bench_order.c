/*  bench_order.c - orders placed per second through the real lpg-orderd,
 *  with N concurrent order desks (company-admin devices) over CURVE,
 *  against this machine's single-core Ed25519 verifies/s measured in the
 *  same run. Driven by bench_orders.sh; not run on its own.
 *
 *    bench_order HOME DESK_PREFIX NCLIENTS ORDERS_EACH COMPANY NUSERS
 *
 *  HOME: a home with keys/order.curve.pub and endpoint.order.
 *  DESK_PREFIX: enrolled company-admin devices DESK_PREFIX0 .. N-1 (.pem,
 *  .curve) of COMPANY. Users B00000 .. NUSERS-1 are households of
 *  COMPANY with the gas-use certificate numbers GC-B00000 ..; each order
 *  carries its user's certificate, issued here once per household (with
 *  the key of the first desk that orders for it), as a household shows
 *  the one certificate it was given with every order. Every OrderPlace
 *  is signed before the clock starts.
 */
#include "base/config.h"
#include "base/error.h"
#include "codes/gascert.h"
#include "crypto/crypto.h"
#include "ledger/event.h"
#include "net/client.h"
#include "net/transport.h"
#include "testing/machine.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
    lpg_client_t *client;
    uint8_t **ev;
    size_t *len;
    int n;
    double *lat; /* ms */
    int ok, denied, failed;
} s_desk_t;

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *
s_run(void *arg)
{
    s_desk_t *d = arg;
    for (int i = 0; i < d->n; i++) {
        Lpg__Reply *r = NULL;
        double t0 = lpg_machine_now();
        int rc = lpg_client_submit(d->client, d->ev[i], d->len[i], &r);
        d->lat[i] = (lpg_machine_now() - t0) * 1000;
        if (rc != LPG_OK) {
            d->failed++;
            continue;
        }
        if (r->status == LPG__STATUS__STATUS_OK)
            d->ok++;
        else
            d->denied++;
        lpg__reply__free_unpacked(r, NULL);
    }
    return NULL;
}

static void
s_die(const char *what)
{
    fprintf(stderr, "bench_order: %s\n", what);
    exit(2);
}

int
main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: bench_order HOME DESK_PREFIX NCLIENTS "
                        "ORDERS_EACH COMPANY NUSERS\n");
        return 2;
    }
    int nd = atoi(argv[3]), each = atoi(argv[4]), nusers = atoi(argv[6]);
    char *company = argv[5];
    if (nd < 1 || each < 1 || nusers < 1)
        s_die("NCLIENTS, ORDERS_EACH and NUSERS must be positive");
    lpg_config_t *cfg = NULL;
    if (lpg_config_load(&cfg, argv[1], NULL, 0) != LPG_OK)
        s_die("config");
    const char *resolver = lpg_config_get(cfg, "code.resolver");
    s_desk_t *desks = calloc((size_t)nd, sizeof *desks);
    if (!desks)
        s_die("memory");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000;
    char(*certs)[LPG_GASCERT_MAX_TEXT + 1] =
        calloc((size_t)nusers, sizeof *certs);
    if (!certs)
        s_die("memory");
    for (int k = 0; k < nd; k++) {
        s_desk_t *d = &desks[k];
        char path[4096], rel[256];
        snprintf(rel, sizeof rel, "%s%d.pem", argv[2], k);
        lpg_key_t *key = NULL;
        if (lpg_config_path(cfg, rel, path, sizeof path) != LPG_OK ||
            lpg_key_load_private(&key, path) != LPG_OK)
            s_die(rel);
        uint8_t server[32], sec[32];
        snprintf(rel, sizeof rel, "%s%d.curve", argv[2], k);
        if (lpg_config_path(cfg, "keys/order.curve.pub", path, sizeof path) !=
                LPG_OK ||
            lpg_curve_load(path, server) != LPG_OK ||
            lpg_config_path(cfg, rel, path, sizeof path) != LPG_OK ||
            lpg_curve_load(path, sec) != LPG_OK)
            s_die(rel);
        if (lpg_client_new(&d->client, lpg_config_get(cfg, "endpoint.order"),
                           server, sec, 65536, 10000, 0) != LPG_OK)
            s_die("client");
        d->n = each;
        d->ev = calloc((size_t)each, sizeof *d->ev);
        d->len = calloc((size_t)each, sizeof *d->len);
        d->lat = calloc((size_t)each, sizeof *d->lat);
        if (!d->ev || !d->len || !d->lat)
            s_die("memory");
        for (int i = 0; i < each; i++) {
            int u = (k * each + i) % nusers;
            char user[16], no[24], order[32];
            char *cert = certs[u];
            snprintf(user, sizeof user, "B%05d", u);
            snprintf(no, sizeof no, "GC-%s", user);
            snprintf(order, sizeof order, "BO-%d-%d-%lld", k, i,
                     (long long)ts.tv_sec);
            if (!*cert &&
                lpg_gascert_issue(cert, sizeof *certs, key, resolver, company,
                                  user, no, 20301231) != LPG_OK)
                s_die("gas-use certificate");
            uint8_t id[LPG_EVENT_ID_LEN];
            lpg_event_new_id(id);
            Lpg__OrderPlace p = LPG__ORDER_PLACE__INIT;
            p.order = order;
            p.spec = "YSP-15";
            p.count = 1;
            p.slot_from_ms = now;
            p.slot_to_ms = now + 3600000;
            p.gas_cert = cert;
            p.channel = "phone";
            Lpg__Event ev = LPG__EVENT__INIT;
            ev.event_id.data = id;
            ev.event_id.len = sizeof id;
            ev.device_time_ms = now;
            ev.company = company;
            ev.user = user;
            ev.body_case = LPG__EVENT__BODY_ORDER_PLACE;
            ev.order_place = &p;
            if (lpg_event_sign(&ev, key, &d->ev[i], &d->len[i]) != LPG_OK)
                s_die("sign");
        }
        lpg_key_destroy(&key);
        /* a ping first, so the handshake is not in the timing */
        Lpg__Request req = LPG__REQUEST__INIT;
        Lpg__Ping ping = LPG__PING__INIT;
        req.body_case = LPG__REQUEST__BODY_PING;
        req.ping = &ping;
        Lpg__Reply *r = NULL;
        if (lpg_client_call(d->client, &req, &r) != LPG_OK)
            s_die("ping lpg-orderd");
        lpg__reply__free_unpacked(r, NULL);
    }
    double vps = lpg_machine_verifies(2000);
    pthread_t *tid = calloc((size_t)nd, sizeof *tid);
    if (!tid)
        s_die("memory");
    double t0 = lpg_machine_now(), c0 = lpg_machine_cpu();
    for (int k = 0; k < nd; k++)
        pthread_create(&tid[k], NULL, s_run, &desks[k]);
    for (int k = 0; k < nd; k++)
        pthread_join(tid[k], NULL);
    double secs = lpg_machine_now() - t0, cpu = lpg_machine_cpu() - c0;
    int ok = 0, denied = 0, failed = 0, n = 0;
    double *lat = calloc((size_t)nd * (size_t)each, sizeof *lat);
    if (!lat)
        s_die("memory");
    for (int k = 0; k < nd; k++) {
        ok += desks[k].ok;
        denied += desks[k].denied;
        failed += desks[k].failed;
        memcpy(lat + n, desks[k].lat, (size_t)each * sizeof *lat);
        n += each;
        for (int i = 0; i < each; i++)
            free(desks[k].ev[i]);
        free(desks[k].ev);
        free(desks[k].len);
        free(desks[k].lat);
        lpg_client_destroy(&desks[k].client);
    }
    qsort(lat, (size_t)n, sizeof *lat, s_cmp);
    double p50 = lat[(int)(0.5 * (n - 1) + 0.5)];
    double p99 = lat[(int)(0.99 * (n - 1) + 0.5)];
    double rate = ok / secs;
    double share = vps > 0 ? 100 * rate / vps : 0;
    printf("  %d order desks x %d: %d placed, %d refused, %d failed in "
           "%.2f s: %.0f orders/s, p50 %.1f ms, p99 %.1f ms\n",
           nd, each, ok, denied, failed, secs, rate, p50, p99);
    printf("  machine: %.0f verifies/s on one core; these %d clients "
           "(events signed before the clock) used %.2f s of CPU meanwhile\n",
           vps, nd, cpu);
    bool met = share >= 25 && p99 <= 50 && failed == 0 && denied == 0;
    printf("targets: orders/s >= 25%% of verifies/s: %.1f%% (%s), p99 <= "
           "50 ms: %.1f ms (%s): %s\n",
           share, share >= 25 ? "met" : "NOT met", p99,
           p99 <= 50 ? "met" : "NOT met", met ? "met" : "NOT met");
    free(lat);
    free(certs);
    free(tid);
    free(desks);
    lpg_config_destroy(&cfg);
    return met ? 0 : 1;
}

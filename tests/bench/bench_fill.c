/*  bench_fill.c - fills per second through the real lpg-fillingd, with N
 *  concurrent simulated scanners over CURVE, against this machine's own
 *  limits measured in the same run: single-core Ed25519 verifies/s, a ZMQ
 *  round trip over CURVE on loopback, and synced LMDB commits/s. The
 *  machine's speed drifts with others' load, so these are measured just
 *  before and just after the timed part, both printed, and the run is
 *  judged against their mean.
 *
 *    bench_fill HOME CODES SCANNER_PREFIX NSCANNERS FILLS_EACH OPERATOR
 *               [checks-only SECONDS]
 *
 *  HOME: the station device's home (device.site set, keys of the filling
 *  service). CODES: "CODE TARE_G SITE" lines (lpgtrace gen --codes).
 *  SCANNER_PREFIX: enrolled devices SCANNER_PREFIX0 .. N-1 (.pem, .curve).
 *  A fill = a fill check then the fill record naming its ALLOW; every
 *  event is signed before the clock starts. "checks-only SECONDS": one
 *  scanner sends fill checks for that long (to measure latency while
 *  something else loads the ledger).
 *
 *  LPG_BENCH_DAEMON_PID: the daemon's process id; the CPU time it used
 *  over the timed part (/proc/PID/stat) is printed beside the bench's own,
 *  which tells whether it was busy or waiting.
 */
#include "net/client.h"
#include "domain/kind.h"
#include "domain/state.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "net/msg.h"
#include "net/transport.h"
#include "testing/machine.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char code[256];
    char grai[64];
    uint32_t tare;
} s_cyl_t;

static bool s_acks; /* LPG_BENCH_ACKS: print "ack SEQ EVENTID" */
static pthread_mutex_t s_ack_lock = PTHREAD_MUTEX_INITIALIZER;

/*  Prints an acknowledged event: what a test checks after a crash. */
static void
s_ack(const Lpg__Reply *r, const uint8_t *signed_event, size_t len)
{
    if (!s_acks || !r->has_seq)
        return;
    lpg_event_t ev;
    if (lpg_event_decode(&ev, signed_event, len, NULL, 0) != LPG_OK)
        return;
    char hex[33];
    lpg_hex(ev.event->event_id.data, 16, hex);
    lpg_event_clear(&ev);
    pthread_mutex_lock(&s_ack_lock);
    printf("ack %llu %s\n", (unsigned long long)r->seq, hex);
    fflush(stdout);
    pthread_mutex_unlock(&s_ack_lock);
}

typedef struct {
    int index;
    lpg_client_t *client;
    uint8_t **check, **record;
    size_t *check_len, *record_len;
    int fills;
    double *lat_check, *lat_fill; /* ms */
    int ok, denied, failed;
    double stop_at; /* checks-only mode */
    int done;
} s_scanner_t;

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
s_pct(double *v, int n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, s_cmp);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static uint8_t *
s_sign(const lpg_key_t *key, Lpg__Event *ev, size_t *len)
{
    uint8_t *out = NULL;
    if (lpg_event_sign(ev, key, &out, len) != LPG_OK)
        abort();
    return out;
}

static void *
s_run(void *arg)
{
    s_scanner_t *s = arg;
    for (int i = 0; i < s->fills; i++) {
        if (s->stop_at > 0 && lpg_machine_now() > s->stop_at)
            break;
        Lpg__Reply *r = NULL;
        double t0 = lpg_machine_now();
        int rc =
            lpg_client_submit(s->client, s->check[i], s->check_len[i], &r);
        double t1 = lpg_machine_now();
        if (rc != LPG_OK) {
            s->failed++;
            if (s_acks)
                break; /* the service is gone: stop this scanner */
            continue;
        }
        bool allowed = r->status == LPG__STATUS__STATUS_OK;
        s_ack(r, s->check[i], s->check_len[i]);
        lpg__reply__free_unpacked(r, NULL);
        s->lat_check[s->done] = (t1 - t0) * 1000;
        if (!allowed) {
            s->denied++;
            s->lat_fill[s->done++] = (t1 - t0) * 1000;
            continue;
        }
        if (s->record) {
            rc = lpg_client_submit(s->client, s->record[i], s->record_len[i],
                                   &r);
            if (rc != LPG_OK) {
                s->failed++;
                continue;
            }
            if (r->status == LPG__STATUS__STATUS_OK)
                s->ok++;
            else
                s->denied++;
            s_ack(r, s->record[i], s->record_len[i]);
            lpg__reply__free_unpacked(r, NULL);
        } else
            s->ok++;
        s->lat_fill[s->done++] = (lpg_machine_now() - t0) * 1000;
    }
    return NULL;
}

/*  Verifies per second on one core at this moment (testing/machine.h):
 *  rounds of this many. */
#define S_VERIFY_ROUND 2000

/*  A ROUTER echo over CURVE on loopback, in this process: the transport's
 *  own round trip, without any service work. */
typedef struct {
    void *ctx;
    void *sock;
    volatile int stop;
} s_echo_t;

static void *
s_echo(void *arg)
{
    s_echo_t *e = arg;
    while (!e->stop) {
        lpg_wire_msg_t m;
        if (lpg_transport_recv(e->sock, &m, 100) != LPG_OK)
            continue;
        lpg_transport_send(e->sock, m.frames, m.n);
        lpg_wire_msg_clear(&m);
    }
    return NULL;
}

static double
s_round_trip_ms(void)
{
    uint8_t spub[32], ssec[32], csec[32], cpub[32];
    char zp[41], zs[41];
    if (lpg_curve_keypair(zp, zs) != LPG_OK)
        return 0;
    lpg_curve_decode(zp, spub);
    lpg_curve_decode(zs, ssec);
    if (lpg_curve_keypair(zp, zs) != LPG_OK)
        return 0;
    lpg_curve_decode(zs, csec);
    lpg_curve_public(csec, cpub);
    s_echo_t e = {0};
    e.ctx = lpg_transport_context();
    if (lpg_transport_server(&e.sock, e.ctx, "tcp://127.0.0.1:*", ssec,
                             1 << 20, 0) != LPG_OK)
        return 0;
    char endpoint[128];
    if (lpg_transport_last_endpoint(e.sock, endpoint, sizeof endpoint) !=
        LPG_OK)
        return 0;
    pthread_t tid;
    pthread_create(&tid, NULL, s_echo, &e);
    void *c = NULL;
    lpg_transport_client(&c, e.ctx, endpoint, spub, csec);
    uint8_t payload[300];
    memset(payload, 7, sizeof payload);
    lpg_frame_t f = {payload, sizeof payload};
    double lat[2000];
    int n = 0;
    for (int i = 0; i < 2000; i++) {
        double t0 = lpg_machine_now();
        lpg_transport_send(c, &f, 1);
        lpg_wire_msg_t m;
        if (lpg_transport_recv(c, &m, 2000) != LPG_OK)
            break;
        lpg_wire_msg_clear(&m);
        if (i >= 100) /* warm */
            lat[n++] = (lpg_machine_now() - t0) * 1000;
    }
    e.stop = 1;
    pthread_join(tid, NULL);
    lpg_transport_close(&c);
    lpg_transport_close(&e.sock);
    lpg_transport_context_destroy(&e.ctx);
    return s_pct(lat, n, 0.5);
}

static double
s_commits_per_sec(void)
{
    char dir[] = "/tmp/lpg-bench-commit-XXXXXX";
    if (!mkdtemp(dir))
        return 0;
    lpg_ledger_t *l = NULL;
    if (lpg_ledger_open(&l, dir, LPG_LEDGER_CREATE, 1ULL << 30,
                        &lpg_domain_projection) != LPG_OK)
        return 0;
    int n = 0;
    double t0 = lpg_machine_now();
    while (lpg_machine_now() - t0 < 1.0) {
        lpg_txn_t *t;
        if (lpg_ledger_write(l, &t) != LPG_OK)
            break;
        lpg_txn_put(t, LPG_TABLE_SITES, "k", 1, &n, sizeof n);
        if (lpg_txn_commit(&t) != LPG_OK)
            break;
        n++;
    }
    double rate = n / (lpg_machine_now() - t0);
    lpg_ledger_close(&l);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return rate;
}

/*  The machine's figures at one moment: single-core verifies/s, the
 *  CURVE round trip p50 (ms), synced commits/s. */
typedef struct {
    double vps, rtt, cps;
} s_machine_t;

static s_machine_t
s_machine(void)
{
    s_machine_t m;
    m.vps = lpg_machine_verifies(S_VERIFY_ROUND);
    m.rtt = s_round_trip_ms();
    m.cps = s_commits_per_sec();
    return m;
}

/*  CPU seconds (user + system, every thread) process pid has used, from
 *  /proc/PID/stat; -1 if it cannot be read. */
static double
s_proc_cpu(long pid)
{
    if (pid <= 0)
        return -1;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the command's name, which may hold spaces and ')':
     * state is field 3, utime 14, stime 15. */
    const char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    if (!p ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*  The machine's figures before and after the timed part, and the mean
 *  each verdict is judged against. */
static void
s_print_machine(const s_machine_t *m0, const s_machine_t *m1)
{
    printf("              machine: verifies/s (one core) before %.0f, after "
           "%.0f, judged against the mean %.0f\n",
           m0->vps, m1->vps, (m0->vps + m1->vps) / 2);
    printf("              machine: ZMQ CURVE round trip p50 before %.3f ms, "
           "after %.3f ms, mean %.3f ms; synced commits/s before %.0f, after "
           "%.0f, mean %.0f\n",
           m0->rtt, m1->rtt, (m0->rtt + m1->rtt) / 2, m0->cps, m1->cps,
           (m0->cps + m1->cps) / 2);
}

/*  What the daemon's own CPU time grew by over the timed part (d0, d1
 *  from s_proc_cpu): CPU-bound if it is near the cores it may use. */
static void
s_print_daemon(double d0, double d1, double secs, int n, const char *what)
{
    if (d0 < 0 || d1 < 0)
        printf("              the daemon's CPU use: not measured (set "
               "LPG_BENCH_DAEMON_PID)\n");
    else
        printf("              the daemon used %.2f of the cores (%.0f us of "
               "CPU a %s)\n",
               (d1 - d0) / secs, n ? 1e6 * (d1 - d0) / n : 0, what);
}

int
main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: bench_fill HOME CODES SCANNER_PREFIX "
                        "NSCANNERS FILLS_EACH OPERATOR [checks-only "
                        "SECONDS]\n");
        return 2;
    }
    const char *home = argv[1];
    int nscan = atoi(argv[4]), each = atoi(argv[5]);
    const char *operator_id = argv[6];
    /* Skip the cylinders earlier runs filled (they are full now). */
    size_t offset = getenv("LPG_BENCH_OFFSET")
                        ? (size_t)strtoul(getenv("LPG_BENCH_OFFSET"), NULL, 10)
                        : 0;
    double checks_only =
        argc > 8 && strcmp(argv[7], "checks-only") == 0 ? atof(argv[8]) : 0;
    s_acks = getenv("LPG_BENCH_ACKS") != NULL;
    int timeout_ms = getenv("LPG_BENCH_TIMEOUT_MS")
                         ? atoi(getenv("LPG_BENCH_TIMEOUT_MS"))
                         : 10000;
    lpg_config_t *cfg = NULL;
    if (lpg_config_load(&cfg, home, NULL, 0) != LPG_OK)
        return 2;
    const char *site = lpg_config_get(cfg, "device.site");
    /* Cylinders. */
    FILE *f = fopen(argv[2], "r");
    if (!f)
        return 2;
    size_t ncyl = 0, cap = 1024;
    s_cyl_t *cyl = malloc(cap * sizeof *cyl);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (ncyl == cap)
            cyl = realloc(cyl, (cap *= 2) * sizeof *cyl);
        char csite[64];
        if (sscanf(line, "%255s %u %63s", cyl[ncyl].code, &cyl[ncyl].tare,
                   csite) != 3 ||
            strcmp(csite, site) != 0)
            continue;
        const char *g = strstr(cyl[ncyl].code, "/8003/");
        const char *q = strchr(cyl[ncyl].code, '?');
        if (!g || !q)
            continue;
        snprintf(cyl[ncyl].grai, sizeof cyl[ncyl].grai, "%.*s",
                 (int)(q - g - 6), g + 6);
        ncyl++;
    }
    fclose(f);
    if (offset + (size_t)nscan * (size_t)each > ncyl && !checks_only) {
        fprintf(stderr, "bench: %zu cylinders at %s, need %d\n", ncyl, site,
                nscan * each);
        return 2;
    }
    if (checks_only)
        each = 1000000 / (nscan > 0 ? nscan : 1) > 20000 ? 20000 : each;
    /* The simulated scanners share one ZMQ context (one I/O thread), so
     * that simulating them takes as little of the cores the daemon is
     * measured on as can be: each still has its own CURVE connection.
     * LPG_BENCH_OWN_CONTEXTS: a context (two threads) each, as separate
     * processes would have. */
    void *zctx =
        getenv("LPG_BENCH_OWN_CONTEXTS") ? NULL : lpg_transport_context();
    /* Sign everything before the clock starts. */
    s_scanner_t *sc = calloc((size_t)nscan, sizeof *sc);
    size_t next = offset;
    for (int k = 0; k < nscan; k++) {
        s_scanner_t *s = &sc[k];
        s->index = k;
        s->fills = each;
        char path[4096], rel[256];
        snprintf(rel, sizeof rel, "%s%d.pem", argv[3], k);
        lpg_config_path(cfg, rel, path, sizeof path);
        lpg_key_t *key = NULL;
        if (lpg_key_load_private(&key, path) != LPG_OK) {
            fprintf(stderr, "bench: %s\n", path);
            return 2;
        }
        uint8_t server[32], sec[32];
        lpg_config_path(cfg, "keys/filling.curve.pub", path, sizeof path);
        lpg_curve_load(path, server);
        snprintf(rel, sizeof rel, "%s%d.curve", argv[3], k);
        lpg_config_path(cfg, rel, path, sizeof path);
        lpg_curve_load(path, sec);
        const char *ep = lpg_config_get(cfg, "endpoint.filling");
        if ((zctx ? lpg_client_new_in(&s->client, zctx, ep, server, sec, 65536,
                                      timeout_ms, 0)
                  : lpg_client_new(&s->client, ep, server, sec, 65536,
                                   timeout_ms, 0)) != LPG_OK)
            return 2;
        s->check = calloc((size_t)each, sizeof *s->check);
        s->check_len = calloc((size_t)each, sizeof *s->check_len);
        if (!checks_only) {
            s->record = calloc((size_t)each, sizeof *s->record);
            s->record_len = calloc((size_t)each, sizeof *s->record_len);
        }
        s->lat_check = calloc((size_t)each, sizeof(double));
        s->lat_fill = calloc((size_t)each, sizeof(double));
        static const char *items[] = {"corrosion", "dents", "fire", "valve",
                                      "parts"};
        Lpg__CheckItem ci[5];
        Lpg__CheckItem *cp[5];
        for (int j = 0; j < 5; j++) {
            lpg__check_item__init(&ci[j]);
            ci[j].item = (char *)items[j];
            ci[j].ok = 1;
            cp[j] = &ci[j];
        }
        for (int i = 0; i < each; i++) {
            s_cyl_t *c = &cyl[checks_only ? (size_t)i % ncyl : next++];
            uint8_t id[16], rid[16];
            lpg_event_new_id(id);
            lpg_event_new_id(rid);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
            fc.code = c->code;
            fc.empty_g = c->tare + 100;
            fc.n_checks = 5;
            fc.checks = cp;
            Lpg__Event ev = LPG__EVENT__INIT;
            ev.event_id.data = id;
            ev.event_id.len = 16;
            ev.device_time_ms = (uint64_t)ts.tv_sec * 1000;
            ev.cylinder = c->grai;
            ev.site = (char *)site;
            ev.actor = (char *)operator_id;
            ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
            ev.fill_check = &fc;
            s->check[i] = s_sign(key, &ev, &s->check_len[i]);
            if (checks_only)
                continue;
            Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
            fr.allow_event_id.data = id;
            fr.allow_event_id.len = 16;
            fr.full_g = c->tare + 14500;
            fr.leak_ok = 1;
            ev.event_id.data = rid;
            ev.body_case = LPG__EVENT__BODY_FILL_RECORD;
            ev.fill_record = &fr;
            s->record[i] = s_sign(key, &ev, &s->record_len[i]);
        }
        lpg_key_destroy(&key);
    }
    /* The machine's figures just before the timed part and just after
     * it: its speed drifts with others' load, so the run is judged
     * against the mean of the two, and both are shown. */
    s_machine_t m0 = {1, 1, 1}, m1 = {1, 1, 1};
    if (!s_acks)
        m0 = s_machine();
    long dpid = getenv("LPG_BENCH_DAEMON_PID")
                    ? strtol(getenv("LPG_BENCH_DAEMON_PID"), NULL, 10)
                    : 0;
    /* A ping per client first, so handshakes are not in the timing. */
    for (int k = 0; k < nscan; k++) {
        Lpg__Request req = LPG__REQUEST__INIT;
        Lpg__Ping ping = LPG__PING__INIT;
        req.body_case = LPG__REQUEST__BODY_PING;
        req.ping = &ping;
        Lpg__Reply *r = NULL;
        if (lpg_client_call(sc[k].client, &req, &r) == LPG_OK)
            lpg__reply__free_unpacked(r, NULL);
    }
    pthread_t *tid = calloc((size_t)nscan, sizeof *tid);
    double t0 = lpg_machine_now(), c0 = lpg_machine_cpu(),
           d0 = s_proc_cpu(dpid);
    for (int k = 0; k < nscan; k++) {
        if (checks_only)
            sc[k].stop_at = t0 + checks_only;
        pthread_create(&tid[k], NULL, s_run, &sc[k]);
    }
    for (int k = 0; k < nscan; k++)
        pthread_join(tid[k], NULL);
    double secs = lpg_machine_now() - t0, cpu = lpg_machine_cpu() - c0,
           d1 = s_proc_cpu(dpid);
    if (!s_acks)
        m1 = s_machine();
    double vps = (m0.vps + m1.vps) / 2, rtt = (m0.rtt + m1.rtt) / 2,
           cps = (m0.cps + m1.cps) / 2;
    int ok = 0, denied = 0, failed = 0, n = 0;
    double *lc = calloc((size_t)nscan * (size_t)each + 1, sizeof(double));
    double *lf = calloc((size_t)nscan * (size_t)each + 1, sizeof(double));
    for (int k = 0; k < nscan; k++) {
        ok += sc[k].ok;
        denied += sc[k].denied;
        failed += sc[k].failed;
        memcpy(lc + n, sc[k].lat_check, (size_t)sc[k].done * sizeof(double));
        memcpy(lf + n, sc[k].lat_fill, (size_t)sc[k].done * sizeof(double));
        n += sc[k].done;
    }
    double p50c = s_pct(lc, n, 0.5), p99c = s_pct(lc, n, 0.99);
    double p50f = s_pct(lf, n, 0.5), p99f = s_pct(lf, n, 0.99);
    if (s_acks) {
        fprintf(stderr, "bench_fill: %d fills, %d failed\n", ok, failed);
    } else if (checks_only) {
        printf("  fill checks during the load: %d in %.1fs, check p50 "
               "%.2f ms, p99 %.2f ms (target p99 <= 100 ms: %s)\n",
               n, secs, p50c, p99c, p99c <= 100 ? "met" : "NOT met");
        s_print_machine(&m0, &m1);
        s_print_daemon(d0, d1, secs, n, "check");
    } else {
        double fps = ok / secs;
        double budget = 3 * rtt + 1000.0 / cps + 2 * 1000.0 / vps;
        printf("  %2d scanner%s: %6.0f fills/s (%d fills, %d denied, %d "
               "failed) = %3.0f%% of single-core verifies/s (%.0f%% of "
               "before, %.0f%% of after)\n",
               nscan, nscan == 1 ? " " : "s", fps, ok, denied, failed,
               100.0 * fps / vps, 100.0 * fps / m0.vps, 100.0 * fps / m1.vps);
        printf("              check p50 %.2f ms p99 %.2f ms; whole fill "
               "p50 %.2f ms p99 %.2f ms\n",
               p50c, p99c, p50f, p99f);
        s_print_machine(&m0, &m1);
        printf("              the bench's own scanners took %.2f of the "
               "cores meanwhile (%.0f us of CPU a fill)\n",
               cpu / secs, ok ? 1e6 * cpu / ok : 0);
        s_print_daemon(d0, d1, secs, ok, "fill");
        if (nscan == 1)
            printf("              check p50 budget 3 RTT + 1 commit + 2 "
                   "verifies = %.2f ms: %s\n",
                   budget, p50c <= budget ? "met" : "NOT met");
        if (nscan >= 64)
            printf("              targets: fills/s >= 25%% of verifies/s, "
                   "the mean of before and after (%s), p99 <= 50 ms (%s)\n",
                   fps >= 0.25 * vps ? "met" : "NOT met",
                   p99f <= 50 ? "met" : "NOT met");
    }
    for (int k = 0; k < nscan; k++) {
        for (int i = 0; i < sc[k].fills; i++) {
            free(sc[k].check[i]);
            if (sc[k].record)
                free(sc[k].record[i]);
        }
        free(sc[k].check);
        free(sc[k].record);
        free(sc[k].check_len);
        free(sc[k].record_len);
        free(sc[k].lat_check);
        free(sc[k].lat_fill);
        lpg_client_destroy(&sc[k].client);
    }
    lpg_transport_context_destroy(&zctx);
    free(sc);
    free(tid);
    free(lc);
    free(lf);
    free(cyl);
    lpg_config_destroy(&cfg);
    return failed ? 1 : 0;
}

/*  trace_ledger.c - the trace benchmark's helper: builds a real ledger
 *  with one busy cylinder, times GetTrace round trips through lib/client,
 *  times whole commands, and measures Ed25519 verifies on one core.
 *
 *    trace_ledger build HOME N     N signed entries (lib/testing/gen.h) in HOME's
 *                                  ledger (made by lpgtrace init), of which
 *                                  exactly 1,000 name cylinder 0; writes
 *                                  HOME/bench.info (grai, site, times)
 *    trace_ledger query HOME GRAI RUNS [proofs|bare]   every page of
 *                                  GRAI's trace, RUNS times, with every
 *                                  inclusion proof and signer entry
 *                                  (proofs, the default) or the entries
 *                                  alone (bare: GetTrace proofs = false);
 *                                  prints p50/p99 in ms
 *    trace_ledger time RUNS CMD ARGS...  wall time of a command (output
 *                                  discarded), RUNS times; p50/p99 in ms
 *    trace_ledger verifies N       ms for N Ed25519 verifies, one core;
 *                                  and what 2 cores (1 if one) verify
 *                                  at once, per second
 *    trace_ledger timev RUNS N CMD ARGS...  RUNS times: N verifies on one
 *                                  core, then the command once, and N
 *                                  verifies after the last; the
 *                                  command's p50/p99 in ms, the per-run
 *                                  ratio command / the mean of the
 *                                  verifies before and after it
 *                                  (p50/p99), the same against those
 *                                  before only (before_p50/p99), and
 *                                  the verifies' p50/min/p99 in ms (their
 *                                  own spread: the machine's tail)
 *
 *  Every timing line is "name key=value ..." so a script can pick it up.
 *  Exit 0 done, 1 failed, 2 usage.
 */
#include "ledger/checkpoint.h"
#include "domain/kind.h"
#include "domain/state.h"
#include "net/client.h"
#include "codes/code.h"
#include "base/clock.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "testing/gen.h"
#include "testing/machine.h"
#include "ledger/ledger.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_HOT_ENTRIES 1000 /* entries of the traced cylinder */
#define S_BATCH 1024       /* events per append */
#define S_SLOTS 4          /* batches signed ahead of the appender */

static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*  CPU time of this thread, in seconds. */
static double
s_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*  Prints "name runs=N p50=.. p99=.. min=.. max=.." (ms), sorting v. */
static void
s_report(const char *name, double *v, size_t n, const char *extra)
{
    qsort(v, n, sizeof *v, s_cmp);
    size_t i50 = (n - 1) / 2, i99 = (size_t)((double)(n - 1) * 0.99 + 0.5);
    printf("%s runs=%zu p50=%.2f p99=%.2f min=%.2f max=%.2f%s%s\n", name, n,
           v[i50], v[i99], v[0], v[n - 1], extra ? " " : "",
           extra ? extra : "");
}

/* ------------------------------------------------------------- build */

typedef struct {
    lpg_append_in_t in[S_BATCH];
    size_t n;
    uint64_t last_ms; /* device time of its last event */
} s_batch_t;

/*  The signer: lpg_gen_next in a thread of its own, S_SLOTS batches
 *  ahead of the appender, which verifies on every core meanwhile. */
typedef struct {
    lpg_gen_t *g;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    s_batch_t slots[S_SLOTS];
    size_t head, tail; /* produced, consumed (batch counts) */
    bool done;
    int rc;
    uint64_t last_ms; /* device time of the last event made */
} s_signer_t;

static void *
s_sign_thread(void *arg)
{
    s_signer_t *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (s->head - s->tail == S_SLOTS)
            pthread_cond_wait(&s->cond, &s->lock);
        s_batch_t *b = &s->slots[s->head % S_SLOTS];
        pthread_mutex_unlock(&s->lock);
        int rc = LPG_OK;
        b->n = 0;
        while (b->n < S_BATCH) {
            uint8_t *data;
            size_t len;
            rc = lpg_gen_next(s->g, &data, &len);
            if (rc != LPG_OK)
                break;
            b->in[b->n].data = data;
            b->in[b->n].len = len;
            b->n++;
        }
        if (b->n > 0) {
            lpg_event_t ev;
            const lpg_append_in_t *last = &b->in[b->n - 1];
            if (lpg_event_decode(&ev, last->data, last->len, NULL, 0) ==
                LPG_OK) {
                b->last_ms = ev.event->device_time_ms;
                lpg_event_clear(&ev);
            }
        }
        pthread_mutex_lock(&s->lock);
        if (b->n > 0) {
            s->head++;
            s->last_ms = b->last_ms;
        }
        if (rc != LPG_OK) {
            s->done = true;
            s->rc = rc == LPG_ENOTFOUND ? LPG_OK : rc;
        }
        pthread_cond_broadcast(&s->cond);
        bool stop = s->done;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            return NULL;
    }
}

/*  One more fill check of cylinder 0, signed by a scanner of its
 *  station, so that it has an even number of fill events plus its
 *  registration: S_HOT_ENTRIES in all. */
static int
s_last_check(lpg_gen_t *g, uint64_t when_ms, uint8_t **data, size_t *len)
{
    uint32_t tare;
    char site[64], dsite[64];
    const char *code = lpg_gen_cylinder(g, 0, &tare, site, sizeof site);
    const lpg_key_t *key = NULL;
    for (unsigned i = 0; code && !key; i++) {
        const lpg_key_t *k = lpg_gen_device(g, i, dsite, sizeof dsite);
        if (!k)
            break;
        if (strcmp(dsite, site) == 0)
            key = k;
    }
    lpg_code_t parsed;
    if (!key || lpg_code_parse(code, strlen(code), NULL, &parsed) != LPG_OK)
        return LPG_ENOTFOUND;
    uint8_t id[LPG_EVENT_ID_LEN];
    int rc = lpg_event_new_id(id);
    if (rc != LPG_OK)
        return rc;
    static const char *items[] = {"corrosion", "dents", "fire", "valve",
                                  "parts"};
    Lpg__CheckItem check[5], *checks[5];
    for (int k = 0; k < 5; k++) {
        lpg__check_item__init(&check[k]);
        check[k].item = (char *)items[k];
        check[k].ok = 1;
        checks[k] = &check[k];
    }
    char actor[96];
    snprintf(actor, sizeof actor, "staff-%s-0", site);
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    fc.code = (char *)code;
    fc.empty_g = tare + 120;
    fc.n_checks = 5;
    fc.checks = checks;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = when_ms;
    ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
    ev.fill_check = &fc;
    ev.cylinder = parsed.grai;
    ev.site = site;
    ev.actor = actor;
    return lpg_event_sign(&ev, key, data, len);
}

/*  Companies, stations, scanners and cylinders for a ledger of n
 *  entries: one cylinder in ten of the entries, twenty stations. */
static bool
s_plan(uint64_t n, lpg_gen_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->companies = 4;
    o->sites = 20;
    o->devices = 40;
    o->seed = 7;
    uint64_t setup = o->companies + o->sites * 4ULL + o->devices;
    uint64_t cyl = n / 10 < 100 ? 100 : n / 10;
    if (n < setup + cyl + S_HOT_ENTRIES + 1)
        return false;
    /* n = setup + cyl + 2 fills + 1 (the last check) */
    if ((n - setup - cyl - 1) % 2)
        cyl++;
    o->cylinders = (unsigned)cyl;
    o->fills = (unsigned)((n - setup - cyl - 1) / 2);
    o->hot_fills = (S_HOT_ENTRIES - 2) / 2;
    return true;
}

static int
s_build(const char *home, uint64_t n)
{
    lpg_gen_opts_t o;
    char why[256] = "", path[4096];
    lpg_config_t *cfg = NULL;
    lpg_key_t *authority = NULL;
    lpg_ledger_t *l = NULL;
    lpg_gen_t *g = NULL;
    lpg_append_out_t *out = calloc(S_BATCH, sizeof *out);
    int rc = out ? lpg_config_load(&cfg, home, why, sizeof why) : LPG_ENOMEM;
    if (rc == LPG_OK)
        rc = lpg_config_path(cfg, lpg_config_get(cfg, "authority.key"), path,
                             sizeof path);
    if (rc == LPG_OK)
        rc = lpg_key_load_private(&authority, path);
    if (rc == LPG_OK)
        rc = lpg_config_path(cfg, "ledger", path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_ledger_open(&l, path, 0, 0, &lpg_domain_projection);
    uint64_t have = 0;
    if (rc == LPG_OK)
        rc = lpg_ledger_size(l, &have);
    if (rc == LPG_OK && (have >= n || !s_plan(n - have, &o))) {
        snprintf(why, sizeof why,
                 "%" PRIu64 " entries are too few (the "
                 "ledger has %" PRIu64 ")",
                 n, have);
        rc = LPG_ERANGE;
    }
    o.resolver = cfg ? lpg_config_get(cfg, "code.resolver") : NULL;
    if (rc == LPG_OK)
        rc = lpg_gen_new(&g, authority, &o);
    if (rc != LPG_OK) {
        fprintf(stderr, "trace_ledger: %s: %s %s\n", home, lpg_strerror(rc),
                why);
        goto cleanup;
    }
    uint64_t total = have + lpg_gen_total(g) + 1;
    double t0 = s_now();
    s_signer_t s = {.g = g};
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    pthread_t tid;
    pthread_create(&tid, NULL, s_sign_thread, &s);
    uint64_t recorded = 0, refused = 0;
    for (;;) {
        pthread_mutex_lock(&s.lock);
        while (s.head == s.tail && !s.done)
            pthread_cond_wait(&s.cond, &s.lock);
        bool empty = s.head == s.tail;
        s_batch_t *b = &s.slots[s.tail % S_SLOTS];
        pthread_mutex_unlock(&s.lock);
        if (empty)
            break;
        /* Recorded as a service would have recorded it: at the time of
         * the batch's last event (device times grow), so the recorded
         * times run through the generated years as the device times do,
         * never decrease, and lag a device time by at most one batch. */
        lpg_clock_set_now_ms(b->last_ms);
        if (rc == LPG_OK)
            rc = lpg_ledger_append(l, "gen", b->in, b->n, NULL, NULL, out);
        for (size_t i = 0; i < b->n; i++) {
            if (rc == LPG_OK && out[i].status == LPG_OK)
                recorded++;
            else if (rc == LPG_OK && refused++ < 5)
                fprintf(stderr, "trace_ledger: refused: %s\n", out[i].why);
            free((void *)b->in[i].data);
        }
        pthread_mutex_lock(&s.lock);
        s.tail++;
        pthread_cond_broadcast(&s.cond);
        pthread_mutex_unlock(&s.lock);
        if (recorded / 100000 != (recorded - b->n) / 100000)
            fprintf(stderr, "  %" PRIu64 " of %" PRIu64 " entries, %.0f s\n",
                    recorded + have, total, s_now() - t0);
    }
    pthread_join(tid, NULL);
    if (rc == LPG_OK)
        rc = s.rc;
    uint8_t *data = NULL;
    size_t len = 0;
    if (rc == LPG_OK)
        rc = s_last_check(g, s.last_ms + 30000, &data, &len);
    if (rc == LPG_OK) {
        lpg_append_in_t in = {.data = data, .len = len};
        lpg_clock_set_now_ms(s.last_ms + 30000);
        rc = lpg_ledger_append(l, "gen", &in, 1, NULL, NULL, out);
        if (rc == LPG_OK && out[0].status == LPG_OK)
            recorded++;
        else if (rc == LPG_OK)
            refused++;
    }
    free(data);
    double secs = s_now() - t0;
    if (rc != LPG_OK || refused) {
        fprintf(stderr,
                "trace_ledger: build failed: %s, %" PRIu64 " refused\n",
                lpg_strerror(rc), refused);
        rc = rc != LPG_OK ? rc : LPG_EINVAL;
        goto cleanup;
    }
    /* What the benchmark asks about: the busy cylinder, its station and
     * the device times of its first, middle and last fill events. */
    char site[64];
    const char *code = lpg_gen_cylinder(g, 0, NULL, site, sizeof site);
    lpg_code_t parsed;
    rc = lpg_code_parse(code, strlen(code), NULL, &parsed);
    snprintf(path, sizeof path, "%s/bench.info", home);
    FILE *f = rc == LPG_OK ? fopen(path, "w") : NULL;
    if (!f) {
        rc = LPG_EIO;
        goto cleanup;
    }
    fprintf(f,
            "entries=%" PRIu64 "\ngrai=%s\nsite=%s\nlast_ms=%" PRIu64
            "\nbuild_s=%.1f\n",
            have + recorded, parsed.grai, site, s.last_ms, secs);
    if (fclose(f) != 0)
        rc = LPG_EIO;
    /* Where the appender's time went (the signer thread's is apart). */
    lpg_ledger_stats_t st;
    lpg_ledger_stats(l, &st);
    double ev = st.events ? (double)st.events : 1;
    printf("build entries=%" PRIu64 " secs=%.1f per_s=%.0f prepare_us=%.1f "
           "verify_us=%.1f write_us=%.1f commit_us=%.1f\n",
           have + recorded, secs, (double)recorded / secs,
           (double)st.ns_prepare / ev / 1e3, (double)st.ns_verify / ev / 1e3,
           (double)st.ns_write / ev / 1e3, (double)st.ns_commit / ev / 1e3);
cleanup:
    free(out);
    lpg_gen_destroy(&g);
    lpg_ledger_close(&l);
    lpg_key_destroy(&authority);
    lpg_config_destroy(&cfg);
    return rc == LPG_OK ? 0 : 1;
}

/* ------------------------------------------------------------- query */

/*  Every page of grai's trace, as lpgtrace trace asks for them: the first
 *  at the latest checkpoint, the rest proved at that checkpoint's size.
 *  *entries: entries in all; *pages: round trips. */
static int
s_trace_once(lpg_client_t *c, const lpg_key_t *ledger_key, const char *origin,
             const char *grai, bool proofs, size_t *entries, size_t *pages)
{
    uint64_t from = 0, size = 0;
    bool has_size = false;
    *entries = 0;
    *pages = 0;
    for (int page = 0; page < 100000; page++) {
        Lpg__Request req = LPG__REQUEST__INIT;
        Lpg__GetTrace q = LPG__GET_TRACE__INIT;
        q.cylinder = (char *)grai;
        q.has_from = page > 0;
        q.from = from;
        q.has_size = has_size;
        q.size = size;
        q.has_proofs = !proofs;
        q.proofs = proofs;
        size_t reply_max = lpg_client_reply_max(c);
        q.has_max_reply_bytes = reply_max > 0 && reply_max <= UINT32_MAX;
        q.max_reply_bytes = (uint32_t)reply_max;
        req.body_case = LPG__REQUEST__BODY_GET_TRACE;
        req.get_trace = &q;
        Lpg__Reply *r = NULL;
        int rc = lpg_client_call(c, &req, &r);
        if (rc != LPG_OK)
            return rc;
        (*pages)++;
        const Lpg__TraceAnswer *a = r->trace;
        if (r->status != LPG__STATUS__STATUS_OK || !a) {
            fprintf(stderr, "trace_ledger: %s: %s\n", r->token, r->message);
            lpg__reply__free_unpacked(r, NULL);
            return LPG_EINVAL;
        }
        if (page == 0 && proofs && a->has_checkpoint) {
            lpg_checkpoint_t cp;
            if (lpg_checkpoint_open((const char *)a->checkpoint.data,
                                    a->checkpoint.len, ledger_key, origin, &cp,
                                    NULL, 0) == LPG_OK) {
                has_size = true;
                size = cp.size;
            }
        }
        *entries += a->n_entries;
        bool more = a->more && a->has_next_from;
        from = a->next_from;
        lpg__reply__free_unpacked(r, NULL);
        if (!more)
            return LPG_OK;
    }
    return LPG_ERANGE;
}

static int
s_query(const char *home, const char *grai, unsigned runs, bool proofs)
{
    char why[256] = "", path[4096];
    lpg_config_t *cfg = NULL;
    lpg_client_t *c = NULL;
    lpg_key_t *ledger_key = NULL;
    double *ms = calloc(runs, sizeof *ms);
    int rc = ms ? lpg_config_load(&cfg, home, why, sizeof why) : LPG_ENOMEM;
    if (rc == LPG_OK)
        rc = lpg_config_path(cfg, "keys/ledger.pub", path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_key_load_public(&ledger_key, path);
    if (rc == LPG_OK)
        rc = lpg_client_from_config(&c, cfg, "trace");
    size_t entries = 0, pages = 0;
    /* Two warm-up runs: connection, handshake, pages in the cache. */
    for (int i = 0; rc == LPG_OK && i < 2; i++)
        rc = s_trace_once(c, ledger_key, lpg_config_get(cfg, "ledger.origin"),
                          grai, proofs, &entries, &pages);
    for (unsigned i = 0; rc == LPG_OK && i < runs; i++) {
        double t0 = s_now();
        rc = s_trace_once(c, ledger_key, lpg_config_get(cfg, "ledger.origin"),
                          grai, proofs, &entries, &pages);
        ms[i] = (s_now() - t0) * 1e3;
    }
    if (rc == LPG_OK) {
        char extra[64];
        snprintf(extra, sizeof extra, "entries=%zu pages=%zu", entries, pages);
        s_report(proofs ? "query" : "query_bare", ms, runs, extra);
    } else
        fprintf(stderr, "trace_ledger: query: %s %s\n", lpg_strerror(rc), why);
    free(ms);
    lpg_client_destroy(&c);
    lpg_key_destroy(&ledger_key);
    lpg_config_destroy(&cfg);
    return rc == LPG_OK ? 0 : 1;
}

/* -------------------------------------------------------------- time */

/*  Runs argv once, its output discarded; *ms: its wall time. */
static int
s_run_once(char **argv, double *ms)
{
    double t0 = s_now();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "trace_ledger: %s failed (status %d)\n", argv[0],
                status);
        return 1;
    }
    *ms = (s_now() - t0) * 1e3;
    return 0;
}

static int
s_time(unsigned runs, char **argv)
{
    double *ms = calloc(runs, sizeof *ms);
    if (!ms)
        return 1;
    for (unsigned i = 0; i < runs; i++)
        if (s_run_once(argv, &ms[i]) != 0) {
            free(ms);
            return 1;
        }
    s_report("time", ms, runs, NULL);
    free(ms);
    return 0;
}

/* ---------------------------------------------------------- verifies */

/*  The best of five: n verifies of one 300-byte event-sized message. */
static int
s_verifies(unsigned n)
{
    lpg_key_t *k = NULL;
    if (lpg_key_generate(&k) != LPG_OK)
        return 1;
    uint8_t msg[300], sig[64];
    memset(msg, 7, sizeof msg);
    lpg_sign(k, LPG_CTX_EVENT, msg, sizeof msg, sig);
    double v[5], cpu[5];
    for (int r = 0; r < 5; r++) {
        double t0 = s_now(), c0 = s_cpu();
        for (unsigned i = 0; i < n; i++)
            if (lpg_verify(k, LPG_CTX_EVENT, msg, sizeof msg, sig) != LPG_OK)
                abort();
        v[r] = (s_now() - t0) * 1e3;
        cpu[r] = (s_cpu() - c0) * 1e3;
    }
    lpg_key_destroy(&k);
    qsort(v, 5, sizeof *v, s_cmp);
    qsort(cpu, 5, sizeof *cpu, s_cmp);
    /* The best round (the quietest moment of a shared machine), and the
     * CPU time a verify takes, which others' load moves less. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cores = cpus < 2 ? 1 : 2;
    double at_once = lpg_machine_verifies_at_once(n, cores);
    printf("verifies n=%u ms=%.2f per_s=%.0f cpu_ms=%.2f per_cpu_s=%.0f "
           "cores=%u at_once_per_s=%.0f\n",
           n, v[0], (double)n / v[0] * 1e3, cpu[0], (double)n / cpu[0] * 1e3,
           cores, at_once);
    return 0;
}

/* ------------------------------------------------------------- timev */

/*  The command timed next to the machine's speed of the moment: before
 *  each run, one round of n verifies (as s_verifies does, on this
 *  thread), so that a run slowed by others' load is compared with
 *  verifies slowed alike. */
static int
s_timev(unsigned runs, unsigned n, char **argv)
{
    int rc = 1;
    lpg_key_t *k = NULL;
    double *ms = calloc(runs, sizeof *ms);
    double *vms = calloc(runs + 1, sizeof *vms);
    double *ratio = calloc(runs, sizeof *ratio);
    double *before = calloc(runs, sizeof *before);
    if (!ms || !vms || !ratio || !before || lpg_key_generate(&k) != LPG_OK)
        goto cleanup;
    uint8_t msg[300], sig[64];
    memset(msg, 7, sizeof msg);
    lpg_sign(k, LPG_CTX_EVENT, msg, sizeof msg, sig);
    /* One round untimed: a cold first round (code and tables not yet in
     * the caches), which the best of five of s_verifies never picks. */
    for (unsigned i = 0; i < n; i++)
        if (lpg_verify(k, LPG_CTX_EVENT, msg, sizeof msg, sig) != LPG_OK)
            abort();
    /* Each run between two rounds of verifies (the one after a run is
     * the one before the next), judged against their mean: the machine's
     * speed at the moment of the run, not only just before it. */
    for (unsigned r = 0; r <= runs; r++) {
        double t0 = s_now();
        for (unsigned i = 0; i < n; i++)
            if (lpg_verify(k, LPG_CTX_EVENT, msg, sizeof msg, sig) != LPG_OK)
                abort();
        vms[r] = (s_now() - t0) * 1e3;
        if (r == runs)
            break;
        if (s_run_once(argv, &ms[r]) != 0)
            goto cleanup;
    }
    for (unsigned r = 0; r < runs; r++) {
        ratio[r] = ms[r] / ((vms[r] + vms[r + 1]) / 2);
        before[r] = ms[r] / vms[r];
    }
    qsort(ratio, runs, sizeof *ratio, s_cmp);
    qsort(before, runs, sizeof *before, s_cmp);
    qsort(vms, runs + 1, sizeof *vms, s_cmp);
    size_t i50 = (runs - 1) / 2;
    size_t i99 = (size_t)((double)(runs - 1) * 0.99 + 0.5);
    size_t v99 = (size_t)((double)runs * 0.99 + 0.5); /* of runs + 1 */
    char extra[256];
    snprintf(extra, sizeof extra,
             "ratio_p50=%.3f ratio_p99=%.3f before_p50=%.3f before_p99=%.3f "
             "verifies_n=%u verifies_p50=%.2f verifies_min=%.2f "
             "verifies_p99=%.2f",
             ratio[i50], ratio[i99], before[i50], before[i99], n,
             vms[runs / 2], vms[0], vms[v99]);
    s_report("timev", ms, runs, extra);
    rc = 0;
cleanup:
    lpg_key_destroy(&k);
    free(before);
    free(ratio);
    free(vms);
    free(ms);
    return rc;
}

static int
s_usage(void)
{
    fprintf(stderr, "usage: trace_ledger build HOME N\n"
                    "       trace_ledger query HOME GRAI RUNS "
                    "[proofs|bare]\n"
                    "       trace_ledger time RUNS CMD [ARGS...]\n"
                    "       trace_ledger verifies N\n"
                    "       trace_ledger timev RUNS N CMD [ARGS...]\n");
    return 2;
}

static bool
s_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v == 0 || v > max)
        return false;
    *out = v;
    return true;
}

int
main(int argc, char **argv)
{
    uint64_t n;
    if (argc == 4 && strcmp(argv[1], "build") == 0 &&
        s_count(argv[3], 100000000, &n))
        return s_build(argv[2], n);
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "query") == 0 &&
        s_count(argv[4], 100000, &n)) {
        const char *mode = argc == 6 ? argv[5] : "proofs";
        if (strcmp(mode, "proofs") != 0 && strcmp(mode, "bare") != 0)
            return s_usage();
        return s_query(argv[2], argv[3], (unsigned)n,
                       strcmp(mode, "proofs") == 0);
    }
    if (argc >= 4 && strcmp(argv[1], "time") == 0 &&
        s_count(argv[2], 100000, &n))
        return s_time((unsigned)n, argv + 3);
    if (argc == 3 && strcmp(argv[1], "verifies") == 0 &&
        s_count(argv[2], 100000000, &n))
        return s_verifies((unsigned)n);
    uint64_t v;
    if (argc >= 5 && strcmp(argv[1], "timev") == 0 &&
        s_count(argv[2], 100000, &n) && s_count(argv[3], 100000000, &v))
        return s_timev((unsigned)n, (unsigned)v, argv + 4);
    return s_usage();
}

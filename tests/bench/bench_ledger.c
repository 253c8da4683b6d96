/*  bench_ledger.c - signed-and-verified appends per second, against this
 *  machine's own limits measured in the same run: single-core Ed25519
 *  verifies/s of the verifier in use (lpg_verify; OpenSSL's figure is
 *  printed beside it), synced LMDB commits/s and raw fdatasync/s. The
 *  pipelined phase is judged against the single-core verifies/s measured
 *  just before and just after it (their mean; both printed), as the
 *  machine's speed drifts with others' load. Beside the verdict, the CPU
 *  an event cost on every thread, against one verify at one core's rate,
 *  and the most that CPU allows with every core busy: what the verdict
 *  could reach if no core ever waited.
 *
 *  Events are generated and signed before the timed phase (lib/testing/gen.h),
 *  so the signers' cost is not counted. The timed phase appends them in
 *  batches, as a busy service's group commit would.
 *
 *    bench_ledger [EVENTS] [BATCH]     (defaults 40000, 256)
 *
 *  LPG_BENCH_DIR: where the ledgers go (default /tmp); LPG_BENCH_KEEP set:
 *  leave them there, to look at with mdb_stat. LPG_BENCH_CYLINDERS: how
 *  many cylinders the events are spread over (default 2,000, so that a
 *  batch's events share the cylinders table's pages; a city's batch
 *  touches a page of it per cylinder).
 */
#include "crypto/crypto.h"
#include "domain/kind.h"
#include "domain/state.h"
#include "base/error.h"
#include "testing/gen.h"
#include "testing/machine.h"
#include "ledger/ledger.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*  Bytes written so far, from /proc/self/io: wchar, the bytes this process
 *  handed to write(2) and its kind (in the timed phase, only the pages
 *  the ledger writes), and write_bytes, what it dirtied in the page cache
 *  (whole folios: with large folios, more than was written). 0 where the
 *  kernel does not say. */
typedef struct {
    uint64_t wchar, write_bytes;
} s_io_t;

static s_io_t
s_io(void)
{
    s_io_t io = {0, 0};
    FILE *f = fopen("/proc/self/io", "r");
    if (!f)
        return io;
    char line[128];
    unsigned long long v;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "wchar: %llu", &v) == 1)
            io.wchar = v;
        else if (sscanf(line, "write_bytes: %llu", &v) == 1)
            io.write_bytes = v;
    }
    fclose(f);
    return io;
}

static void
s_rm(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
}

/*  The pipeline a busy service runs: this thread prepares batch k+1
 *  (decode, keys, signatures on every core) while a committer thread
 *  commits batch k. A one-slot hand-over keeps them in step. */
typedef struct {
    lpg_ledger_t *l;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    lpg_batch_t *slot;
    bool done;
    uint64_t ok;
    size_t cap;
    int rc;
    double cpu; /* the committer thread's CPU seconds */
} s_pipe_t;

/*  CPU seconds this thread has used. */
static double
s_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
s_committer(void *arg)
{
    s_pipe_t *p = arg;
    double c0 = s_thread_cpu();
    lpg_append_out_t *out = calloc(p->cap, sizeof *out);
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (!p->slot && !p->done)
            pthread_cond_wait(&p->cond, &p->lock);
        lpg_batch_t *b = p->slot;
        p->slot = NULL;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        if (!b)
            break;
        size_t n = lpg_batch_size(b);
        if (lpg_ledger_commit(p->l, &b, "bench", NULL, out) != LPG_OK)
            p->rc = 1;
        for (size_t k = 0; k < n; k++)
            p->ok += out[k].status == LPG_OK;
    }
    free(out);
    p->cpu = s_thread_cpu() - c0;
    return NULL;
}

static uint64_t
s_pipeline(lpg_ledger_t *l, const lpg_append_in_t *in, uint64_t total,
           unsigned batch, double *committer_cpu)
{
    s_pipe_t p = {.l = l, .cap = batch};
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    pthread_t tid;
    pthread_create(&tid, NULL, s_committer, &p);
    for (uint64_t i = 0; i < total; i += batch) {
        size_t n = total - i < batch ? (size_t)(total - i) : batch;
        lpg_batch_t *b = NULL;
        if (lpg_ledger_prepare(l, in + i, n, NULL, &b) != LPG_OK)
            abort();
        pthread_mutex_lock(&p.lock);
        while (p.slot)
            pthread_cond_wait(&p.cond, &p.lock);
        p.slot = b;
        pthread_cond_broadcast(&p.cond);
        pthread_mutex_unlock(&p.lock);
    }
    pthread_mutex_lock(&p.lock);
    p.done = true;
    pthread_cond_broadcast(&p.cond);
    pthread_mutex_unlock(&p.lock);
    pthread_join(tid, NULL);
    *committer_cpu = p.cpu;
    return p.rc ? 0 : p.ok;
}

/*  Verifies per second on one core at this moment (testing/machine.h),
 *  to pair with a timed phase: rounds of this many. */
#define S_VERIFY_ROUND 2000

/*  The same message and loop through OpenSSL's Ed25519, the verifier
 *  lpgtrace used before, to show what the one in use gains. */
static double
s_openssl_verifies_per_sec(void)
{
    lpg_key_t *k = NULL;
    lpg_key_generate(&k);
    uint8_t msg[300], sig[64];
    memset(msg, 7, sizeof msg);
    lpg_sign(k, LPG_CTX_EVENT, msg, sizeof msg, sig);
    int n = 0;
    double t0 = lpg_machine_now(), t;
    do {
        if (lpg_verify_openssl_bench(k, LPG_CTX_EVENT, msg, sizeof msg, sig,
                                     200) != LPG_OK)
            abort();
        n += 200;
        t = lpg_machine_now() - t0;
    } while (t < 1.0);
    lpg_key_destroy(&k);
    return n / t;
}

static double
s_fsyncs_per_sec(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/fsync.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    char block[4096] = {0};
    int n = 0;
    double t0 = lpg_machine_now(), t;
    do {
        if (pwrite(fd, block, sizeof block, 0) != (ssize_t)sizeof block ||
            fdatasync(fd) != 0)
            break;
        n++;
        t = lpg_machine_now() - t0;
    } while (t < 1.0);
    close(fd);
    unlink(path);
    return n / (lpg_machine_now() - t0);
}

static double
s_commits_per_sec(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/commits", dir);
    lpg_ledger_t *l = NULL;
    if (lpg_ledger_open(&l, path, LPG_LEDGER_CREATE, 1ULL << 30,
                        &lpg_domain_projection) != LPG_OK)
        return 0;
    int n = 0;
    double t0 = lpg_machine_now(), t;
    do {
        lpg_txn_t *tx;
        if (lpg_ledger_write(l, &tx) != LPG_OK)
            break;
        uint32_t v = (uint32_t)n;
        lpg_txn_put(tx, LPG_TABLE_SITES, "k", 1, &v, sizeof v);
        if (lpg_txn_commit(&tx) != LPG_OK)
            break;
        n++;
        t = lpg_machine_now() - t0;
    } while (t < 1.0);
    lpg_ledger_close(&l);
    return n / (lpg_machine_now() - t0);
}

/*  After the timed phases, S_CENSUS_BATCHES more batches, one at a time,
 *  each followed by a census of the ledger's pages: the pages each table
 *  had written, per event (4 KiB each). An index's row counts its chain
 *  and its heads; the heads of the index by cylinder live in the
 *  cylinders table and count there (lib/ledger/ledger.c, "chains"). */
#define S_CENSUS_BATCHES 8

static int
s_census(lpg_ledger_t *l, const lpg_append_in_t *in, unsigned batch)
{
    lpg_census_t *c = NULL;
    uint64_t fresh[LPG_CENSUS_ROWS] = {0}, sum = 0;
    lpg_append_out_t *out = calloc(batch, sizeof *out);
    s_io_t io0 = s_io(), io1 = io0;
    int rc = out ? lpg_census_new(l, &c) : LPG_ENOMEM;
    for (unsigned k = 0; k < S_CENSUS_BATCHES && rc == LPG_OK; k++) {
        s_io_t a = s_io();
        rc = lpg_ledger_append(l, "bench", in + (size_t)k * batch, batch, NULL,
                               NULL, out);
        s_io_t b = s_io();
        io1.wchar += b.wchar - a.wchar;
        for (unsigned i = 0; i < batch && rc == LPG_OK; i++)
            if (out[i].status != LPG_OK)
                rc = out[i].status;
        if (rc == LPG_OK)
            rc = lpg_census_step(c, fresh);
    }
    lpg_census_destroy(&c);
    free(out);
    if (rc != LPG_OK) {
        fprintf(stderr, "bench: census: %s\n", lpg_strerror(rc));
        return 1;
    }
    double n = (double)S_CENSUS_BATCHES * batch;
    printf("  pages written per commit, by table (%d more batches, one at "
           "a time; bytes per event):\n",
           S_CENSUS_BATCHES);
    for (size_t r = 0; r < LPG_CENSUS_ROWS; r++) {
        sum += fresh[r];
        if (fresh[r])
            printf("    %-20s %7.1f pages %7.0f B\n", lpg_census_row(r),
                   (double)fresh[r] / S_CENSUS_BATCHES,
                   4096.0 * (double)fresh[r] / n);
    }
    printf("    %-20s %7.1f pages %7.0f B (wchar: %.0f B)\n", "all",
           (double)sum / S_CENSUS_BATCHES, 4096.0 * (double)sum / n,
           (double)(io1.wchar - io0.wchar) / n);
    return 0;
}

static int s_bench(unsigned events, unsigned batch);

/*  Without a batch size: batches of 256 (one service batch) and 1024 (a
 *  committer merging the batches that queued while it synced). */
int
main(int argc, char **argv)
{
    unsigned events = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 40000;
    if (argc > 2) {
        unsigned batch = (unsigned)strtoul(argv[2], NULL, 10);
        return s_bench(events, batch == 0 || batch > 4096 ? 256 : batch);
    }
    int rc = s_bench(events, 256);
    return rc ? rc : s_bench(events, 1024);
}

static int
s_bench(unsigned events, unsigned batch)
{
    char dir[] = "/tmp/lpg-bench-XXXXXX";
    const char *tmp = getenv("LPG_BENCH_DIR");
    char dirbuf[256];
    if (tmp) {
        snprintf(dirbuf, sizeof dirbuf, "%s/lpg-bench-XXXXXX", tmp);
        if (!mkdtemp(dirbuf))
            return 2;
    } else if (!mkdtemp(dir))
        return 2;
    const char *base = tmp ? dirbuf : dir;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    double vps = lpg_machine_verifies(S_VERIFY_ROUND);
    double ovps = s_openssl_verifies_per_sec();
    double fps = s_fsyncs_per_sec(base);
    double cps = s_commits_per_sec(base);

    /* Sign every event before the clock starts. */
    lpg_key_t *authority = NULL;
    lpg_key_generate(&authority);
    lpg_gen_opts_t o = {0};
    o.devices = 64;
    o.sites = 16;
    const char *cyl = getenv("LPG_BENCH_CYLINDERS");
    o.cylinders = cyl && atoi(cyl) > 0 ? (unsigned)atoi(cyl) : 2000;
    o.fills = events > o.cylinders + 64 ? (events - o.cylinders - 64) / 2 : 1;
    o.fills += S_CENSUS_BATCHES * batch / 2; /* kept for the census */
    o.seed = 1;
    lpg_gen_t *g = NULL;
    if (lpg_gen_new(&g, authority, &o) != LPG_OK)
        return 2;
    uint64_t generated = lpg_gen_total(g);
    uint64_t total = generated - (uint64_t)S_CENSUS_BATCHES * batch;
    lpg_append_in_t *in = calloc(generated, sizeof *in);
    lpg_append_out_t *out = calloc(batch, sizeof *out);
    for (uint64_t i = 0; i < generated; i++) {
        size_t len;
        uint8_t *data;
        if (lpg_gen_next(g, &data, &len) != LPG_OK)
            return 2;
        in[i].data = data;
        in[i].len = len;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/ledger", base);
    lpg_ledger_t *l = NULL;
    if (lpg_ledger_open(&l, path, LPG_LEDGER_CREATE, 1ULL << 34,
                        &lpg_domain_projection) != LPG_OK)
        return 2;
    uint8_t apub[32], lpub[32];
    lpg_key_raw_public(authority, apub);
    memset(lpub, 0, sizeof lpub);
    lpg_ledger_setup(l, apub, apub, "bench/ledger");
    (void)lpub;

    /* First half: one call per batch, prepare then commit. */
    uint64_t half = total / 2 / batch * batch;
    double t0 = lpg_machine_now();
    uint64_t ok = 0;
    for (uint64_t i = 0; i < half; i += batch) {
        if (lpg_ledger_append(l, "bench", in + i, batch, NULL, NULL, out) !=
            LPG_OK)
            return 2;
        for (size_t k = 0; k < batch; k++)
            ok += out[k].status == LPG_OK;
    }
    double seq_secs = lpg_machine_now() - t0;
    lpg_ledger_stats_t seq_st;
    lpg_ledger_stats(l, &seq_st);
    /* Second half: pipelined, as the services run it, judged against
     * the verifies/s of one core measured just before and just after it
     * (the machine's speed drifts with others' load). */
    unsigned ncores = cpus < 2 ? 1 : 2;
    double vps0 = lpg_machine_verifies(S_VERIFY_ROUND);
    double all0 = lpg_machine_verifies_at_once(S_VERIFY_ROUND, ncores);
    s_io_t io0 = s_io();
    double cpu0 = lpg_machine_cpu(), ccpu = 0;
    t0 = lpg_machine_now();
    ok += s_pipeline(l, in + half, total - half, batch, &ccpu);
    double secs = lpg_machine_now() - t0;
    double cpu = lpg_machine_cpu() - cpu0;
    s_io_t io1 = s_io();
    double all1 = lpg_machine_verifies_at_once(S_VERIFY_ROUND, ncores),
           amean = (all0 + all1) / 2;
    double vps1 = lpg_machine_verifies(S_VERIFY_ROUND),
           vmean = (vps0 + vps1) / 2;
    if (ok != total) {
        fprintf(stderr, "bench: only %llu of %llu events recorded\n",
                (unsigned long long)ok, (unsigned long long)total);
        return 1;
    }
    lpg_ledger_stats_t st;
    lpg_ledger_stats(l, &st);
    st.ns_prepare -= seq_st.ns_prepare;
    st.ns_verify -= seq_st.ns_verify;
    st.ns_write -= seq_st.ns_write;
    st.ns_commit -= seq_st.ns_commit;
    double seq_aps = (double)half / seq_secs;
    double aps = (double)(total - half) / secs;
    total -= half;
    double cores = (double)(cpus < 2 ? cpus : 2);
    printf("ledger append (%llu signed events per phase, batches of %u, "
           "%ld cores)\n",
           (unsigned long long)total, batch, cpus);
    printf("  machine: Ed25519 verifies/s, one core   %10.0f (libsodium, "
           "in use; at the start, beside OpenSSL)\n",
           vps);
    printf("           the same through OpenSSL       %10.0f (in use: %.2f "
           "x)\n",
           ovps, vps / ovps);
    printf("  machine: fdatasync/s                    %10.0f\n", fps);
    printf("  machine: synced LMDB commits/s (1 put)  %10.0f\n", cps);
    printf("  appends/s, one batch at a time          %10.0f\n", seq_aps);
    printf("  appends/s, pipelined (verify || commit) %10.0f\n", aps);
    printf("  machine: verifies/s, one core, before the pipelined phase "
           "%.0f, after %.0f, judged against the mean %.0f\n",
           vps0, vps1, vmean);
    printf("  = %.0f%% of 2 x single-core verifies/s (the mean; %.0f%% of "
           "before, %.0f%% of after) (target >= 85%%): %s\n",
           100.0 * aps / (cores * vmean), 100.0 * aps / (cores * vps0),
           100.0 * aps / (cores * vps1),
           aps >= 0.85 * cores * vmean ? "met" : "NOT met");
    printf("  machine: verifies/s, %u cores at once, before %.0f, after "
           "%.0f, mean %.0f (= %.2f x one core's mean)\n",
           ncores, all0, all1, amean, amean / vmean);
    printf("  = %.0f%% of what %u cores verify at once (the mean; "
           "verification alone would be 100%%)\n",
           100.0 * aps / amean, ncores);
    /* What the phase's CPU allows: with every core busy all the time,
     * cores / (CPU per event) events a second. Beyond one verify at one
     * core's quiet rate, an event costs its decoding, its commit, and
     * any verify's slowing from sharing the cores. */
    double ev_us = 1e6 * cpu / (double)total, v_us = 1e6 / vmean,
           need_us = v_us / 0.85 - v_us;
    printf("  CPU per pipelined event, every thread   %10.1f us (one verify "
           "at one core's rate %.1f us, the rest %.1f us, %.1f us of it the "
           "committer's thread); cores busy %.0f%% of the phase\n",
           ev_us, v_us, ev_us - v_us, 1e6 * ccpu / (double)total,
           100.0 * cpu / (secs * cores));
    printf("  = at most %.0f%% of 2 x single-core verifies/s with every core "
           "busy all the phase, at this CPU per event (85%% needs the rest "
           "<= %.1f us)\n",
           100.0 * v_us / ev_us, need_us);
    printf("  bytes written per event (pipelined)     %10.0f"
           "  (target <= 2500)\n",
           (double)(io1.wchar - io0.wchar) / (double)total);
    printf("  page cache dirtied per event (folios)   %10.0f\n",
           (double)(io1.write_bytes - io0.write_bytes) / (double)total);
    printf("  commit per event, write txn + sync, us  %10.1f"
           "  (verify on one core: %.1f us)\n",
           (double)(st.ns_write + st.ns_commit) / 1e3 / (double)total,
           1e6 / vmean);
    double all =
        (double)(st.ns_prepare + st.ns_verify + st.ns_write + st.ns_commit);
    printf("  busy time per pipelined event (phases overlap):\n");
    printf("  where the time goes: decode+keys %.0f%%, verify %.0f%%, "
           "write txn %.0f%%, commit %.0f%%\n",
           100.0 * (double)st.ns_prepare / all,
           100.0 * (double)st.ns_verify / all,
           100.0 * (double)st.ns_write / all,
           100.0 * (double)st.ns_commit / all);
    printf("  per event: %.1f us (verify %.1f us on %ld cores, write "
           "%.1f us, commit %.1f us)\n",
           1e6 * secs / (double)total,
           (double)st.ns_verify / 1e3 / (double)total, cpus,
           (double)st.ns_write / 1e3 / (double)total,
           (double)st.ns_commit / 1e3 / (double)total);
    total += half;
    if (s_census(l, in + total, batch) != 0)
        return 2;
    for (uint64_t i = 0; i < generated; i++)
        free((void *)in[i].data);
    free(in);
    free(out);
    lpg_ledger_close(&l);
    lpg_gen_destroy(&g);
    lpg_key_destroy(&authority);
    if (getenv("LPG_BENCH_KEEP"))
        printf("  ledger kept in %s\n", base);
    else
        s_rm(base);
    return 0;
}

/*  progress.c - see progress.h. */
#include "base/progress.h"
#include "base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct lpg_progress {
    const char *label;
    uint64_t total;
    uint64_t done;
    struct timespec start;
    struct timespec last;
};

static double
s_elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) +
           (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int
lpg_progress_new(lpg_progress_t **out, const char *label, uint64_t total)
{
    *out = NULL;
    if (!isatty(STDERR_FILENO) || getenv("LPG_NO_PROGRESS"))
        return LPG_OK;
    lpg_progress_t *p = calloc(1, sizeof *p);
    if (!p)
        return LPG_ENOMEM;
    p->label = label;
    p->total = total;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
    p->last.tv_sec -= 1;
    *out = p;
    return LPG_OK;
}

static void
s_draw(lpg_progress_t *p, const struct timespec *now)
{
    const int width = 30;
    double frac = p->total ? (double)p->done / (double)p->total : 1.0;
    if (frac > 1.0)
        frac = 1.0;
    int fill = (int)(frac * width);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double secs = s_elapsed(&p->start, now);
    double rate = secs > 0 ? (double)p->done / secs : 0;
    fprintf(stderr, "\r%-12s [%s] %3d%% %llu/%llu %.0f/s ", p->label, bar,
            (int)(frac * 100), (unsigned long long)p->done,
            (unsigned long long)p->total, rate);
    if (rate > 0 && p->done < p->total)
        fprintf(stderr, "eta %.0fs ", (double)(p->total - p->done) / rate);
    fflush(stderr);
}

void
lpg_progress_update(lpg_progress_t *p, uint64_t done)
{
    if (!p)
        return;
    p->done = done;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (s_elapsed(&p->last, &now) < 0.1)
        return;
    p->last = now;
    s_draw(p, &now);
}

void
lpg_progress_finish(lpg_progress_t **pp)
{
    if (!pp || !*pp)
        return;
    lpg_progress_t *p = *pp;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    s_draw(p, &now);
    fputc('\n', stderr);
    free(p);
    *pp = NULL;
}

/*  machine.c - see machine.h. */
#include "testing/machine.h"
#include "base/error.h"
#include "crypto/crypto.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

double
lpg_machine_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
lpg_machine_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*  One event-sized message and its signature, for the loops below. */
typedef struct {
    lpg_key_t *k;
    uint8_t msg[300], sig[64];
    unsigned round;
} s_probe_t;

static int
s_probe_make(s_probe_t *p, unsigned round)
{
    memset(p, 0, sizeof *p);
    if (round == 0 || lpg_key_generate(&p->k) != LPG_OK)
        return LPG_ENOMEM;
    memset(p->msg, 7, sizeof p->msg);
    p->round = round;
    return lpg_sign(p->k, LPG_CTX_EVENT, p->msg, sizeof p->msg, p->sig);
}

static void *
s_probe_run(void *arg)
{
    const s_probe_t *p = arg;
    for (unsigned i = 0; i < p->round; i++)
        if (lpg_verify(p->k, LPG_CTX_EVENT, p->msg, sizeof p->msg, p->sig) !=
            LPG_OK)
            abort(); /* the machine itself is broken */
    return NULL;
}

double
lpg_machine_verifies(unsigned round)
{
    return lpg_machine_verifies_at_once(round, 1);
}

double
lpg_machine_verifies_at_once(unsigned round, unsigned threads)
{
    s_probe_t p = {0};
    pthread_t tid[64];
    if (threads == 0 || threads > 64 || s_probe_make(&p, round) != LPG_OK) {
        lpg_key_destroy(&p.k);
        return 0;
    }
    double best = 0;
    for (int r = 0; r < 4 && best >= 0; r++) {
        double t0 = lpg_machine_now();
        unsigned started = 0;
        while (started + 1 < threads &&
               pthread_create(&tid[started], NULL, s_probe_run, &p) == 0)
            started++;
        s_probe_run(&p); /* the calling thread is one of them */
        for (unsigned i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        if (started + 1 < threads)
            best = -1; /* a thread could not be made */
        double rate = (double)threads * round / (lpg_machine_now() - t0);
        if (r > 0 && best >= 0 && rate > best)
            best = rate;
    }
    lpg_key_destroy(&p.k);
    return best > 0 ? best : 0;
}

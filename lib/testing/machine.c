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

/*  Distinct keys, event-sized messages and their signatures, for the
 *  loops below. Ed25519's verify takes branches that depend on the
 *  signature and the key: one signature checked over and over teaches
 *  the processor's branch predictor its one path (about 5 % faster here
 *  than distinct ones), which no real load of signatures does. */
#define S_PROBES 256

typedef struct {
    lpg_key_t *k[S_PROBES];
    uint8_t msg[S_PROBES][300], sig[S_PROBES][64];
    unsigned round;
} s_probe_t;

/*  Makes the probes once per process (the caller holds the lock): 256
 *  keys and signatures are not remade for every measure. */
static int
s_probe_make(s_probe_t *p, unsigned round)
{
    if (round == 0)
        return LPG_EINVAL;
    p->round = round;
    for (int i = 0; i < S_PROBES; i++) {
        if (p->k[i])
            continue;
        memset(p->msg[i], 7, sizeof p->msg[i]);
        memcpy(p->msg[i], &i, sizeof i);
        int rc = lpg_key_generate(&p->k[i]);
        if (rc == LPG_OK)
            rc = lpg_sign(p->k[i], LPG_CTX_EVENT, p->msg[i], sizeof p->msg[i],
                          p->sig[i]);
        if (rc != LPG_OK) {
            lpg_key_destroy(&p->k[i]);
            return rc;
        }
    }
    return LPG_OK;
}

static void *
s_probe_run(void *arg)
{
    const s_probe_t *p = arg;
    for (unsigned i = 0; i < p->round; i++) {
        unsigned j = i % S_PROBES;
        if (lpg_verify(p->k[j], LPG_CTX_EVENT, p->msg[j], sizeof p->msg[j],
                       p->sig[j]) != LPG_OK)
            abort(); /* the machine itself is broken */
    }
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
    static s_probe_t p; /* 95 KB, kept for the process's next measures */
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_t tid[64];
    pthread_mutex_lock(&lock);
    if (threads == 0 || threads > 64 || s_probe_make(&p, round) != LPG_OK) {
        pthread_mutex_unlock(&lock);
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
    pthread_mutex_unlock(&lock);
    return best > 0 ? best : 0;
}

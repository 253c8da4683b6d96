/*  machine.c - see machine.h. */
#include "testing/machine.h"
#include "base/error.h"
#include "crypto/crypto.h"

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

double
lpg_machine_verifies(unsigned round)
{
    lpg_key_t *k = NULL;
    if (round == 0 || lpg_key_generate(&k) != LPG_OK)
        return 0;
    uint8_t msg[300], sig[64];
    memset(msg, 7, sizeof msg);
    lpg_sign(k, LPG_CTX_EVENT, msg, sizeof msg, sig);
    double best = 0;
    for (int r = 0; r < 4; r++) {
        double t0 = lpg_machine_now();
        for (unsigned i = 0; i < round; i++)
            if (lpg_verify(k, LPG_CTX_EVENT, msg, sizeof msg, sig) != LPG_OK)
                abort(); /* the machine itself is broken */
        double rate = round / (lpg_machine_now() - t0);
        if (r > 0 && rate > best)
            best = rate;
    }
    lpg_key_destroy(&k);
    return best;
}

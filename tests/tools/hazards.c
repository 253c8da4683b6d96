/*  hazards.c - prints the hazards table of a ledger, for the end-to-end
 *  tests: one line per record,
 *    hazard KEY major|minor DEADLINE escalated=SEQ|- to=AREA rectified=SEQ|-
 *    user KEY open_major=N open_minor=M
 *
 *    hazards LEDGERDIR
 */
#include "base/error.h"
#include "ledger/ledger.h"
#include "domain/state.h"

#include <stdio.h>
#include <string.h>

static int
s_print(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void)ctx;
    if (klen >= 7 && memcmp(key, "hazard/", 7) == 0) {
        Lpg__HazardState *h = lpg__hazard_state__unpack(NULL, vlen, val);
        if (!h)
            return LPG_ECORRUPT;
        printf("hazard %.*s %s %u escalated=", (int)klen, (const char *)key,
               h->major ? "major" : "minor", h->deadline_ymd);
        if (h->has_escalated_seq)
            printf("%llu", (unsigned long long)h->escalated_seq);
        else
            printf("-");
        printf(" to=%s rectified=", h->escalated_to ? h->escalated_to : "-");
        if (h->has_rectified_seq)
            printf("%llu\n", (unsigned long long)h->rectified_seq);
        else
            printf("-\n");
        lpg__hazard_state__free_unpacked(h, NULL);
    } else {
        Lpg__UserHazards *u = lpg__user_hazards__unpack(NULL, vlen, val);
        if (!u)
            return LPG_ECORRUPT;
        printf("user %.*s open_major=%u open_minor=%u\n", (int)klen,
               (const char *)key, u->open_major, u->open_minor);
        lpg__user_hazards__free_unpacked(u, NULL);
    }
    return LPG_OK;
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hazards LEDGERDIR\n");
        return 2;
    }
    lpg_ledger_t *l = NULL;
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_open(&l, argv[1], LPG_LEDGER_RDONLY, 0, NULL);
    if (rc == LPG_OK)
        rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = lpg_txn_foreach(t, LPG_TABLE_HAZARDS, s_print, NULL);
    lpg_txn_abort(&t);
    lpg_ledger_close(&l);
    if (rc != LPG_OK) {
        fprintf(stderr, "hazards: %s\n", lpg_strerror(rc));
        return 1;
    }
    return 0;
}

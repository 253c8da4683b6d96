/*  raw_delivery.c - appends a delivery straight into a ledger, signed by
 *  a handheld's key and recorded under lpg-deliveryd's name with no
 *  verdict (as an entry written without the service's rules), so a test
 *  can hold what the rules would refuse today: the same fill delivered
 *  twice to one household.
 *
 *    raw_delivery LEDGER KEYPREFIX GRAI USER SITE DRIVER VEHICLE TIME_MS
 *
 *  KEYPREFIX.pem signs. Prints the new entry's seq. Exit 0 recorded,
 *  1 refused or failed, 2 usage.
 */
#include "base/error.h"
#include "crypto/crypto.h"
#include "domain/kind.h"
#include "ledger/event.h"
#include "ledger/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: raw_delivery LEDGER KEYPREFIX GRAI USER "
                        "SITE DRIVER VEHICLE TIME_MS\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s.pem", argv[2]);
    lpg_key_t *signer = NULL;
    int rc = lpg_key_load_private(&signer, path);
    if (rc != LPG_OK) {
        fprintf(stderr, "raw_delivery: %s: %s\n", path, lpg_strerror(rc));
        return 2;
    }
    Lpg__Delivery d = LPG__DELIVERY__INIT;
    d.vehicle = argv[7];
    uint8_t id[LPG_EVENT_ID_LEN];
    lpg_event_new_id(id);
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = strtoull(argv[8], NULL, 10);
    ev.cylinder = argv[3];
    ev.user = argv[4];
    ev.site = argv[5];
    ev.actor = argv[6];
    ev.body_case = LPG__EVENT__BODY_DELIVERY;
    ev.delivery = &d;
    uint8_t *data = NULL;
    size_t len = 0;
    rc = lpg_event_sign(&ev, signer, &data, &len);
    lpg_key_destroy(&signer);
    lpg_ledger_t *l = NULL;
    if (rc == LPG_OK)
        rc = lpg_ledger_open(&l, argv[1], 0, 0, &lpg_domain_projection);
    lpg_append_in_t in = {data, len, NULL, 0};
    lpg_append_out_t out = {0};
    if (rc == LPG_OK)
        rc = lpg_ledger_append(l, "delivery", &in, 1, NULL, NULL, &out);
    if (rc == LPG_OK)
        rc = out.status;
    lpg_ledger_close(&l);
    free(data);
    if (rc != LPG_OK) {
        fprintf(stderr, "raw_delivery: %s %s\n", lpg_strerror(rc), out.why);
        return 1;
    }
    printf("%llu\n", (unsigned long long)out.seq);
    return 0;
}

/*  order_rules.c - see order_rules.h. */
#include "domain/order_rules.h"
#include "base/error.h"
#include "domain/order.h"
#include "domain/state.h"

#include <stdio.h>
#include <string.h>

void
lpg_order_address_judge(const Lpg__OrderState *o, const char *driver,
                        const char *company, lpg_verdict_t *v)
{
    if (!o) {
        lpg_verdict_add(v, LPG_REASON_ORDER_UNKNOWN, NULL, NULL);
        return;
    }
    bool mine = o->driver && driver && company && o->company &&
                strcmp(o->driver, driver) == 0 &&
                strcmp(o->company, company) == 0;
    if (!mine)
        lpg_verdict_add(v, LPG_REASON_ORDER_NOT_YOURS, NULL, NULL);
    /* not yet assigned is not closed: it is nobody's yet (NOT_YOURS) */
    bool closed = o->status == LPG__ORDER_STATUS__ORDER_DELIVERED ||
                  o->status == LPG__ORDER_STATUS__ORDER_CANCELLED ||
                  o->status == LPG__ORDER_STATUS__ORDER_REFUSED;
    if (closed) {
        char en[48];
        snprintf(en, sizeof en, "%s", lpg_order_status_word(o->status));
        lpg_verdict_add(v, LPG_REASON_ORDER_CLOSED, en, NULL);
    }
}

int
lpg_order_address_rules(lpg_txn_t *t, const lpg_event_t *ev,
                        Lpg__Outcome *outcome)
{
    const Lpg__Event *e = ev->event;
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
    if (rc != LPG_OK)
        return rc;
    Lpg__OrderState *o =
        lpg_state_get(t, LPG_TABLE_ORDERS, e->order_address->order,
                      &lpg__order_state__descriptor);
    lpg_verdict_t v = {.allow = true};
    lpg_order_address_judge(o, e->actor, dev->company, &v);
    lpg_verdict_sort(&v);
    rc = lpg_verdict_outcome(&v, "address shown", "refused", outcome);
    lpg_state_free(o);
    lpg__device_state__free_unpacked(dev, NULL);
    return rc;
}

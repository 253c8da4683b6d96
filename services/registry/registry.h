/*  registry.h - lpg-registryd's rules and queries.
 *
 *  Besides recording registry events, the registry keeps each person's
 *  data key (wrapped under its master key, keys/registry.master) in the
 *  ledger's secrets table, outside the log: written with the UserAdd that
 *  brought it, deleted by a UserErase, and used only to answer a reveal
 *  that the log records.
 */
#ifndef LPG_REGISTRYD_H
#define LPG_REGISTRYD_H

#include <stdbool.h>
#include <stdint.h>

#include "net/service.h"

/*  How long a recorded PiiReveal allows its one look at the clear data. */
#define LPG_REGISTRY_REVEAL_MS (10 * 60 * 1000)

/*  How long a recorded OrderAddress is answered again to a retry of it:
 *  as long as a reveal allows its look. */
#define LPG_REGISTRY_LOOK_MS LPG_REGISTRY_REVEAL_MS

typedef struct {
    uint8_t master[32]; /* wraps every person's data key */
    bool has_master;
} lpg_registry_t;

/*  Loads the master key of the configuration's home. Without one the
 *  registry still runs, and refuses to record users (a warning says
 *  why). */
void lpg_registry_init(lpg_registry_t *reg, const lpg_config_t *cfg);

/*  Forgets the master key. */
void lpg_registry_clear(lpg_registry_t *reg);

/*  Accepts only registry events (the ledger's own checks decide who may
 *  sign them); keeps a new user's data key and destroys an erased one's.
 *  Refuses (unrecorded) a UserAdd without a 32-byte data key
 *  (LPG_EINVAL) or while there is no master key (LPG_ECONFIG), and a
 *  cylinder registration whose code does not name that cylinder
 *  (LPG_EINVAL). */
int lpg_registry_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                       const lpg_event_t *ev, const lpg_signer_t *signer,
                       const lpg_append_in_t *in, void *pre,
                       Lpg__Outcome *outcome);

/*  After an OrderAddress is recorded OK (a driver's look at an order's
 *  address, lib/domain/order.h): the answer carries the household's
 *  address and phone, and nothing else of the person (no name in clear,
 *  no ID card), as its one UserInfo. A retry of the same signed event
 *  (its first answer lost on the way) records nothing new and is
 *  answered the address again, logged with its sender, when it comes
 *  from the device that signed it or from a gateway relaying it
 *  (lpg-webd relays a look only in a request its signer signed), while
 *  the order is still open for that driver and within
 *  LPG_REGISTRY_LOOK_MS of the recording; sent by any other device, or
 *  later, it gets CONFLICT (ADDRESS_GIVEN) and no address (sign a new
 *  look), and once the order is closed DENIED ORDER_CLOSED. */
int lpg_registry_submitted(void *ctx, const lpg_submitted_t *sub,
                           lpg_reply_t *reply);

/*  GetCylinder, GetCompany and GetUser. */
int lpg_registry_query(void *ctx, lpg_service_t *svc, const Lpg__Request *req,
                       const lpg_sender_t *sender, lpg_reply_t *reply);

#endif

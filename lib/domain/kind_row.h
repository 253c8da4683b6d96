/*  kind_row.h - what one kind of event means: the type of a row of the
 *  table in domain/kind.c, one row per Event body case.
 *
 *  A row says what the kind is called, which service records it, who may
 *  sign it, how it changes the state tables, how it moves the cylinder it
 *  names (its custody step) and how it is described to a person. Each
 *  family of kinds (registry.c, fill.c, delivery.c, inspection.c) holds
 *  the functions and exports its rows; kind.c gathers them. Adding a kind
 *  is one proto message, one row and the functions in its family's file.
 */
#ifndef LPG_KIND_ROW_H
#define LPG_KIND_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/event.h"
#include "ledger/ledger.h"

/*  How an entry reads on a trace's timeline: its step in English
 *  ("filled", "delivery", ...) and in Chinese ("充装", "入户送达", ...),
 *  and a detail line (English). Every row's describe fills both steps:
 *  the console shows "中文 / English", the command line the English. */
typedef struct {
    char step[48];
    char step_zh[64];
    char detail[256];
} lpg_kind_words_t;

typedef struct {
    Lpg__Event__BodyCase body;
    const char *name;    /* "fill_check": in logs, metrics and reports */
    const char *service; /* the service that records it: "filling" */

    /* May the signer (the authority when is_authority) record this
     * event? LPG_OK, or an error with why in words. Inside the write
     * transaction, before the service's rules. */
    int (*authorize)(lpg_txn_t *t, const lpg_event_t *ev, bool is_authority,
                     char *why, size_t whysz);

    /* How an entry changes the state tables other than its cylinder's
     * record (devices, users, hazards ...). NULL: it changes none. */
    int (*apply)(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                 const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
                 const Lpg__Outcome *outcome);

    /* The cylinder's step: how an entry moves the record of the cylinder
     * it names (Event.cylinder). A pure function of the record, the entry
     * and its outcome: the ledger's projection and a regulator's trace
     * run the same one. Strings and bytes it puts into cyl are borrowed
     * from e. NULL: the kind does not change the cylinder. */
    void (*step)(Lpg__CylinderState *cyl, uint64_t seq,
                 uint64_t recorded_at_ms, const Lpg__Event *e,
                 const Lpg__Outcome *outcome);
    bool creates; /* the step starts the record (registration) */

    /* Words for a person: ok says whether the entry was accepted. */
    void (*describe)(const Lpg__Event *e, const Lpg__Outcome *outcome, bool ok,
                     lpg_kind_words_t *out);
} lpg_kind_t;

#endif

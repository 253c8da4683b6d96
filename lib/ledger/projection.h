/*  projection.h - what the ledger asks of the domain, as a table of
 *  operations handed over when the ledger is opened (as nng hands a
 *  protocol its ops). The ledger knows no event kind: it decodes,
 *  checks signatures, keeps the log, the tree and the tables, and calls
 *  these to learn who a signer is, whether the signer may record the
 *  event, and how the event changes the state tables. `lpgtrace verify`
 *  and `rebuild` replay the log through the same table, so the state a
 *  service wrote and the state a replay computes come from one code.
 *
 *  The domain's table is lpg_domain_projection (domain/kind.h); tests
 *  hand in stubs. A ledger opened with NULL can read, but refuses to
 *  append, verify state or rebuild (LPG_EPERM).
 */
#ifndef LPG_PROJECTION_H
#define LPG_PROJECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/event.h"

typedef struct lpg_txn lpg_txn_t;

/*  A signer as the state knows it at the moment of the transaction. */
typedef struct {
    uint8_t sign_pub[32];  /* its Ed25519 public key */
    uint64_t enrolled_seq; /* the entry that enrolled it */
    bool revoked;          /* revoked, by the entry revoked_seq */
    uint64_t revoked_seq;
    /* The domain's own decoded record of the signer (the domain's table:
     * its DeviceState), so that the rules of the same event need not
     * decode it again; NULL for the authority or when the domain keeps
     * none. Owned by this struct: freed by the projection's release. */
    void *record;
} lpg_signer_t;

typedef struct {
    /* What apply writes, as a number: the state tables a replay of the
     * same log gives change only with it. Stored in the ledger with the
     * state; a read-write open of a ledger whose state an older version
     * wrote rebuilds it in place (ledger.h: lpg_ledger_open). 0: not
     * versioned (tests' stubs): never stored nor checked. */
    uint32_t version;
    /* The enrolled device with signing key id kid (revoked or not: the
     * ledger decides). LPG_ENOTFOUND if none. */
    int (*signer)(lpg_txn_t *t, const uint8_t kid[LPG_KEYID_LEN],
                  lpg_signer_t *out);
    /* Frees what signer put in out->record and sets it to NULL;
     * NULL-safe on a NULL record. May be NULL if signer never sets one. */
    void (*release)(lpg_signer_t *s);
    /* May the signer (the authority when is_authority) record ev at all?
     * LPG_OK, or LPG_EPERM / LPG_EBINDING with why in words. Runs before
     * a service's rules, inside the write transaction. signer is what
     * signer() gave for ev's key in this transaction, or NULL when the
     * caller has none (authorize then looks the signer up itself). */
    int (*authorize)(lpg_txn_t *t, const lpg_event_t *ev, bool is_authority,
                     const lpg_signer_t *signer, char *why, size_t whysz);
    /* Applies entry seq (recorded at recorded_at_ms by the ledger's
     * clock: its event, signer and recorded outcome) to the state tables
     * and indexes, inside the write transaction. */
    int (*apply)(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                 const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
                 const Lpg__Outcome *outcome);
    /* Was ev recorded by the writer that records its kind (writer:
     * LedgerEntry.service)? LPG_OK, or LPG_EWRONGSERVICE with why, for
     * verify to report. NULL: any writer will do. */
    int (*recorder)(const lpg_event_t *ev, const char *writer, char *why,
                    size_t whysz);
    /* Fills index table `table` (an lpg_table_t), new to a ledger that
     * already has entries, from the state tables, as a replay would have
     * filled it; *done false if only a replay can (lpgtrace rebuild).
     * NULL: nothing can be filled. */
    int (*backfill)(lpg_txn_t *t, int table, bool *done);
    /* Brings a state that version `from` projected to version from + 1
     * in place, writing what a replay by the new version writes
     * differently (a table the new version adds, filled by reading the
     * log): far faster than a replay. *done false if only a replay can.
     * NULL: every upgrade is a replay. */
    int (*step)(lpg_txn_t *t, uint32_t from, bool *done);
} lpg_projection_t;

#endif

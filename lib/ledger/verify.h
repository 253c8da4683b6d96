/*  verify.h - re-checks a whole ledger: every entry's place in the
 *  sequence, every Merkle hash, every signature (on every core), every
 *  stored checkpoint, and the state tables (by replaying the log into a
 *  scratch ledger and comparing), and names the first bad entry.
 */
#ifndef LPG_VERIFY_H
#define LPG_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger/ledger.h"

typedef struct {
    /* Incremental: the caller has checked a signed checkpoint of
     * since_size entries with root since_root; only what follows is
     * checked (and the stored tree must still have that root). The state
     * tables are not replayed in this mode. 0: a full pass. */
    uint64_t since_size;
    uint8_t since_root[32];
    unsigned threads;            /* 0: every core */
    const char *scratch_dir;     /* where to replay state; NULL: $TMPDIR */
    const lpg_key_t *ledger_key; /* checks stored checkpoints; may be NULL */
    const char *origin;          /* their origin */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} lpg_verify_opts_t;

typedef struct {
    uint64_t size;        /* entries in the ledger */
    uint64_t entries;     /* entries checked */
    uint64_t checkpoints; /* stored checkpoints checked */
    uint64_t state_rows;  /* state rows compared */
    int error;            /* LPG_OK, or what is wrong; LPG_ESTALE: the
                           * log checked, but an older version projected
                           * the state (why says what upgrades it) */
    bool has_seq;         /* the damage is at entry `seq` */
    uint64_t seq;
    char why[512]; /* in words */
} lpg_verify_report_t;

/*  Runs the checks. Returns LPG_OK if the checks ran (see r->error for
 *  the verdict) or an error that stopped them (I/O, memory). */
int lpg_verify_ledger(lpg_ledger_t *l, const lpg_verify_opts_t *o,
                      lpg_verify_report_t *r);

/*  Do entry seq's bytes (data, len, read in t) hash to the leaf stored
 *  for it, level 0 of the tree: SHA-256(0x00 || bytes)? LPG_OK; LPG_ECORRUPT
 *  if not, or if no leaf is stored for seq; or the error that stopped the
 *  read. */
int lpg_verify_leaf(lpg_txn_t *t, uint64_t seq, const uint8_t *data,
                    size_t len);

/*  The check before a checkpoint of the first `size` entries is signed,
 *  when one of the first `from` was signed before: the tree over those is
 *  taken as stored (and, if from_root is not NULL, must still have that
 *  root); each entry from `from` on must be present, hash to its stored
 *  leaf, and complete only Merkle nodes that are stored as computed. Cost:
 *  one hash per new entry and node, not a full verify. Returns LPG_OK if
 *  the check ran: r->error is LPG_OK and root the root of the first size
 *  entries, the one to sign, or r->error, r->seq (the first damaged
 *  entry) and r->why say what is wrong. LPG_ERANGE if the ledger has
 *  fewer than size entries. */
int lpg_verify_since(lpg_ledger_t *l, uint64_t from, const uint8_t *from_root,
                     uint64_t size, uint8_t root[32], lpg_verify_report_t *r);

/*  SHA-256 over every state table and index (table by table, rows in key
 *  order, an index as (key, seq) pairs): equal digests mean equal state,
 *  in any layout. */
int lpg_state_digest(lpg_ledger_t *l, uint8_t out[32]);

/*  The same with each chained index as stored (lpg_txn_foreach_stored:
 *  heads, links, marks): it also sees a damaged chain or mark, which
 *  reading key by key cannot, but it differs between layouts. For
 *  before and after on one ledger (lpgtrace rebuild). */
int lpg_state_digest_stored(lpg_ledger_t *l, uint8_t out[32]);

/*  Recomputes the state tables and indexes from the log, in one write
 *  transaction (other writers wait until it commits): clears them and
 *  applies every entry again, as the services did, and stores the
 *  projection's version with them (lpg_txn_rebuild_state). The secrets
 *  table is not touched. *entries gets the number replayed. */
int lpg_state_rebuild(lpg_ledger_t *l,
                      void (*progress)(void *ctx, uint64_t done,
                                       uint64_t total),
                      void *ctx, uint64_t *entries);

#endif

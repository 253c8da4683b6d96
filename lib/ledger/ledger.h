/*  ledger.h - the ledger: one LMDB environment of signed events, the
 *  Merkle tree over them, checkpoints, indexes and state tables.
 *
 *  The only module that includes LMDB. Several processes may open the same
 *  environment: LMDB serialises writers, so sequence numbers are gap-free
 *  and the tree is one tree. Every commit is synced: an appended entry
 *  whose result came back LPG_OK survives a crash. LMDB memory never
 *  leaves a transaction: pointers returned by lpg_txn_* are valid until
 *  that transaction ends.
 */
#ifndef LPG_LEDGER_H
#define LPG_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/projection.h"
#include "base/clock.h"

typedef struct lpg_ledger lpg_ledger_t;

/*  State tables and indexes (a projection of the log, lib/state.c).
 *  Index tables hold duplicate values: seq numbers, 8 bytes big-endian. */
typedef enum {
    LPG_TABLE_DEVICES = 0,
    LPG_TABLE_CYLINDERS,
    LPG_TABLE_COMPANIES,
    LPG_TABLE_SITES,
    LPG_TABLE_STAFF,
    LPG_TABLE_VEHICLES,
    LPG_TABLE_USERS,
    LPG_TABLE_HAZARDS,
    LPG_TABLE_CURVE_KEYS,    /* transport public key -> signing key id */
    LPG_TABLE_ACCOUNTS,      /* console account name -> AccountState */
    LPG_TABLE_ORDERS,        /* order id -> OrderState */
    LPG_TABLE_FILL_LATE,     /* site -> how late its fill records came in
                             (see domain/state.h); since projection
                             version 2: a read-only open of an older
                             ledger finds it absent (empty) */
    LPG_TABLE_CYLINDER_REGS, /* cylinder id -> its CylinderRegister, as
                                registered (see domain/state.h); since
                                projection version 3 */
    LPG_TABLE_BY_CYLINDER,
    LPG_TABLE_BY_SITE,
    LPG_TABLE_BY_USER,
    LPG_TABLE_BY_ID_HMAC, /* ID-card HMAC (32 bytes) -> its UserAdd seq */
    LPG_TABLE_COUNT
} lpg_table_t;

/*  Name of a table as stored ("devices", "by_cylinder", ...). */
const char *lpg_table_name(lpg_table_t t);

#define LPG_LEDGER_CREATE 0x1     /* create the environment if missing */
#define LPG_LEDGER_RDONLY 0x2     /* read only (audit copies, verify) */
#define LPG_LEDGER_NO_UPGRADE 0x4 /* keep an older state: caller rebuilds */
#define LPG_LEDGER_SCRATCH \
    0x8 /* thrown away after use: commits unsynced;
                                     written in place over disk space
                                     reserved as it grows, map_size the
                                     most it may grow to */

/*  Opens (or with LPG_LEDGER_CREATE, creates) the ledger in directory
 *  dir. map_size 0 means the default (1 TiB, reserved, not used). proj
 *  is the domain's table (ledger/projection.h; lpg_domain_projection),
 *  kept, not copied; NULL opens a ledger that can only be read.
 *  Caller owns *out.
 *
 *  The state's version (proj->version, when not 0): a read-write open
 *  of a ledger whose state tables an older version projected (or no
 *  version, with entries in the log) rebuilds them from the log in one
 *  write transaction that also stores the new version, logging from
 *  which version to which, how many entries and how long; a crash
 *  before its commit leaves the old state and version, and the next
 *  open does it again. The version is read again inside that write
 *  transaction: of two processes opening at once, the one that waits
 *  for the other finds the state upgraded. A state projected by a
 *  newer version than proj's is refused, read-write or read-only:
 *  LPG_ENEWER (said in the log). A read-only open leaves an older state
 *  as it is: see lpg_ledger_state_check. */
int lpg_ledger_open(lpg_ledger_t **out, const char *dir, unsigned flags,
                    uint64_t map_size, const lpg_projection_t *proj);
void lpg_ledger_close(lpg_ledger_t **p);

/*  Is the state the projection of the log by this ledger's projection
 *  version (read now, so a read-only reader sees another process's
 *  upgrade)? LPG_OK (or the projection has no version, or the log is
 *  empty); LPG_ESTALE: an older version projected it, and why says so
 *  and what upgrades it; LPG_ENEWER: a newer one did. *stored (may be
 *  NULL) gets the stored version, 0 if none. */
int lpg_ledger_state_check(lpg_ledger_t *l, uint32_t *stored, char *why,
                           size_t whysz);

/*  Whether t reads a state the ledger's projection version projected
 *  (the same answer as lpg_ledger_state_check's LPG_OK, in t's
 *  snapshot): a reader that relies on a table or record a later version
 *  added checks it, and reads around it on an older state. */
bool lpg_txn_state_current(lpg_txn_t *t);

/*  Sets the authority public key and the checkpoint origin, once, when the
 *  ledger is created. LPG_EEXIST if already set to other values. */
int lpg_ledger_setup(lpg_ledger_t *l, const uint8_t authority_pub[32],
                     const uint8_t ledger_pub[32], const char *origin);

/*  Reads back what lpg_ledger_setup stored. origin: up to 255 bytes. */
int lpg_ledger_meta(lpg_ledger_t *l, uint8_t authority_pub[32],
                    uint8_t ledger_pub[32], char *origin, size_t originsz);

/*  One incoming SignedEvent, bytes as received from the device, and an
 *  optional attachment handed to the rules unrecorded (e.g. a person's
 *  data key, kept outside the log). */
typedef struct {
    const uint8_t *data;
    size_t len;
    const uint8_t *attach;
    size_t attach_len;
} lpg_append_in_t;

/*  What happened to it. status LPG_OK: recorded at seq (or, with
 *  duplicate, recorded earlier at seq: a retry adds nothing). Otherwise
 *  not recorded: LPG_EMALFORMED, LPG_EBADSIG, LPG_EUNKNOWNKEY,
 *  LPG_EREVOKED, LPG_EPERM / LPG_EBINDING (signer may not do this),
 *  LPG_ECONFLICT (same id, other body), or LPG_EDB / LPG_EMAPFULL for the
 *  whole batch. why says it in words. */
typedef struct {
    int status;
    bool duplicate;
    uint64_t seq;
    char why[128];
} lpg_append_out_t;

/*  A service's rules, applied inside the write transaction in arrival
 *  order, after the signature and signer checks. Fills *outcome (status
 *  OK or DENIED with reasons; the entry is recorded either way). Returns
 *  LPG_OK, or an error to refuse the event without recording it; then
 *  outcome->message, if set, is the answer's message (name the field at
 *  fault: "Event.cylinder: missing"). */
/*  Strings, reasons (each Reason and its strings) and the FillResult the
 *  rules put in *outcome are malloc'd by them and freed by the ledger
 *  (with the batch: the reply is built from them). signer is the signer
 *  as the write transaction knows it, read once for the revocation check:
 *  its key and the domain's record of it (signer->record; NULL for the
 *  authority), borrowed for the call. pre is the precheck's result
 *  (NULL if none): the rules may add to it what the reply needs (the
 *  record they loaded), since it lives as long as the batch. */
typedef int (*lpg_rules_fn)(void *ctx, lpg_txn_t *txn, uint64_t seq,
                            const lpg_event_t *ev, const lpg_signer_t *signer,
                            const lpg_append_in_t *in, void *pre,
                            Lpg__Outcome *outcome);

/*  Work on one event that needs no ledger state (checking a scanned
 *  code's own signature, say): run on the signature-checking threads,
 *  outside any transaction, for each event whose signature verified. Its
 *  result reaches the rules as `pre`; it is malloc'd here and freed
 *  (free()) by the ledger with the batch. NULL is a valid result. */
typedef void *(*lpg_precheck_fn)(void *ctx, const lpg_event_t *ev);

typedef struct {
    lpg_rules_fn rules;       /* NULL: record as OK */
    lpg_precheck_fn precheck; /* may be NULL */
    void *ctx;
    /* Device times outside these bounds of the recording clock are
     * refused before the rules (LPG_ECLOCK_AHEAD / LPG_ECLOCK_BEHIND, not
     * recorded; a retry of a recorded event still gets its answer).
     * NULL: not checked (a service's own events, tools). */
    const lpg_clock_bounds_t *bounds;
} lpg_hooks_t;

/*  Appends a batch in one write transaction: decodes each event, checks
 *  its signature against the enrolled, unrevoked key of its signer
 *  (outside the transaction, on every core for big batches), then in
 *  arrival order checks idempotency, applies rules (NULL: record as OK),
 *  appends the entry, the Merkle leaf, the indexes and the state, and
 *  commits once (synced). A bad event gets its own status; the rest
 *  still land. Returns LPG_OK if the transaction committed (see out[i]
 *  for each event) or the error that stopped the whole batch. */
int lpg_ledger_append(lpg_ledger_t *l, const char *service,
                      const lpg_append_in_t *in, size_t n, lpg_rules_fn rules,
                      void *rules_ctx, lpg_append_out_t *out);
/*  The same with a precheck too. */
int lpg_ledger_append_hooks(lpg_ledger_t *l, const char *service,
                            const lpg_append_in_t *in, size_t n,
                            const lpg_hooks_t *hooks, lpg_append_out_t *out);

/*  The two halves of lpg_ledger_append, for a pipeline: one thread
 *  prepares batch k+1 (decode, signer keys, signatures on every core)
 *  while another commits batch k. At most one thread prepares and one
 *  commits at a time on a ledger handle. The input bytes must stay valid
 *  until the batch is committed or destroyed. */
typedef struct lpg_batch lpg_batch_t;
int lpg_ledger_prepare(lpg_ledger_t *l, const lpg_append_in_t *in, size_t n,
                       const lpg_hooks_t *hooks, lpg_batch_t **out);
/*  The same inside the caller's read transaction t, which it keeps (a
 *  service checks who sent the requests and finds the signers' keys in
 *  one transaction). */
int lpg_ledger_prepare_in(lpg_ledger_t *l, lpg_txn_t *t,
                          const lpg_append_in_t *in, size_t n,
                          const lpg_hooks_t *hooks, lpg_batch_t **out);
/*  Commits a prepared batch (consumes *batch, sets it to NULL); results
 *  and return value as lpg_ledger_append. */
int lpg_ledger_commit(lpg_ledger_t *l, lpg_batch_t **batch,
                      const char *service, const lpg_hooks_t *hooks,
                      lpg_append_out_t *out);
/*  Several prepared batches in one transaction and one synced commit (a
 *  committer that fell behind catches up); outs[k] answers batches[k].
 *  Consumes every batch. */
int lpg_ledger_commit_many(lpg_ledger_t *l, lpg_batch_t **batches, size_t nb,
                           const char *service, const lpg_hooks_t *hooks,
                           lpg_append_out_t **outs);
/*  lpg_ledger_commit_many, but the batches stay the caller's, to build
 *  the replies from what was decoded and judged, then destroy: see
 *  lpg_batch_event, lpg_batch_outcome and lpg_batch_pre. */
int lpg_ledger_commit_held(lpg_ledger_t *l, lpg_batch_t **batches, size_t nb,
                           const char *service, const lpg_hooks_t *hooks,
                           lpg_append_out_t **outs);
/*  lpg_ledger_commit_held, answered as soon as what it recorded is
 *  durable: answer(ctx, t, rc) is called once, t reading what was
 *  recorded (not to be ended by it; NULL if nothing can be read), rc the
 *  batches' result. A small transaction is answered once its writes are
 *  in the journal, before LMDB's commit, t being the write transaction
 *  itself (read only); a big one after the commit. outs are final when
 *  answer is called.
 *
 *  LPG_COMMIT_HOLD: once answered from the journal, the transaction is
 *  kept open (for at most a few ms) and the next call on this ledger
 *  handle adds its batches to it: one LMDB commit for many small
 *  batches, while each is answered after one sequential fdatasync. The
 *  calling thread must then call lpg_ledger_flush when no batch comes
 *  soon, and before any other write of its own: the transaction holds
 *  LMDB's writer lock, and readers that must see what was answered wait
 *  for it. Returns as lpg_ledger_commit_held; LPG_OK once answered. */
#define LPG_COMMIT_HOLD 0x1
typedef void (*lpg_answer_fn)(void *ctx, lpg_txn_t *t, int rc);
int lpg_ledger_commit_answer(lpg_ledger_t *l, lpg_batch_t **batches, size_t nb,
                             const char *service, const lpg_hooks_t *hooks,
                             lpg_append_out_t **outs, lpg_answer_fn answer,
                             void *ctx, unsigned flags);
/*  How long a transaction may be held at most (0: the default, 3 ms;
 *  tests that must hold one across slow steps set more). */
void lpg_ledger_hold_max(lpg_ledger_t *l, uint64_t ns);
/*  Whether this handle writes a journal (read-write, not scratch). */
bool lpg_ledger_journaled(const lpg_ledger_t *l);
/*  Whether a transaction is held (and since when, CLOCK_MONOTONIC ns). */
bool lpg_ledger_held(const lpg_ledger_t *l, uint64_t *since_ns);
/*  Commits the held transaction, if any (the thread that holds it). */
int lpg_ledger_flush(lpg_ledger_t *l);
void lpg_batch_destroy(lpg_batch_t **p);
/*  Events in a prepared batch. */
size_t lpg_batch_size(const lpg_batch_t *b);
/*  Event i as decoded (NULL if it did not decode). Owned by the batch. */
const lpg_event_t *lpg_batch_event(const lpg_batch_t *b, size_t i);
/*  The outcome recorded with event i by the commit that held the batch
 *  (what the rules built); NULL if it was not recorded then (refused, a
 *  retry of an earlier entry, or the commit failed). Owned by the batch. */
const Lpg__Outcome *lpg_batch_outcome(const lpg_batch_t *b, size_t i);
/*  The precheck's result for event i (NULL if none), with what the rules
 *  added to it. Owned by the batch. */
void *lpg_batch_pre(const lpg_batch_t *b, size_t i);

/*  Wakes the signature-checking threads (if started) to wait awake for a
 *  batch about to be prepared: for a service that has just received a
 *  request, so a lone event's two checks run side by side at once. */
void lpg_ledger_nudge(lpg_ledger_t *l);

/*  Where append time went, summed since open (for benchmarks and
 *  operators): decoding and key look-up, signature checks, the write
 *  transaction (rules, entries, tree, state), the synced commit; and the
 *  LMDB transactions begun on this handle, read and write, by any
 *  thread and for any purpose. */
typedef struct {
    uint64_t batches, events;
    /* ns_journal: the journal's record written and synced (ledger.c,
     * "journal"); ns_commit: LMDB's synced commits, wherever they ran */
    uint64_t ns_prepare, ns_verify, ns_write, ns_journal, ns_commit;
    uint64_t journaled; /* transactions answered from the journal */
    uint64_t txn_read, txn_write;
} lpg_ledger_stats_t;
void lpg_ledger_stats(const lpg_ledger_t *l, lpg_ledger_stats_t *out);
/*  Of those, the three a commit adds to (ns_write, ns_journal,
 *  ns_commit), for the thread that commits: read between its own
 *  commits, they race with nothing that prepares meanwhile. */
void lpg_ledger_commit_times(const lpg_ledger_t *l, uint64_t *write_ns,
                             uint64_t *journal_ns, uint64_t *sync_ns);

/*  Number of entries (the tree size). */
int lpg_ledger_size(lpg_ledger_t *l, uint64_t *out);

/*  Root of the tree of the first size entries. */
int lpg_ledger_root(lpg_ledger_t *l, uint64_t size, uint8_t root[32]);

int lpg_ledger_inclusion_proof(lpg_ledger_t *l, uint64_t index, uint64_t size,
                               lpg_hash_t proof[LPG_MERKLE_MAX_PROOF],
                               size_t *n);
int lpg_ledger_consistency_proof(lpg_ledger_t *l, uint64_t size1,
                                 uint64_t size2,
                                 lpg_hash_t proof[LPG_MERKLE_MAX_PROOF],
                                 size_t *n);

/*  Stores a signed checkpoint note for tree size `size`. */
int lpg_ledger_checkpoint_put(lpg_ledger_t *l, uint64_t size,
                              const char *note);

/*  Latest stored checkpoint (largest size): note copied, caller frees.
 *  LPG_ENOTFOUND if none. */
int lpg_ledger_checkpoint_latest(lpg_ledger_t *l, uint64_t *size, char **note);

/*  Calls fn for every stored checkpoint in size order (note not
 *  NUL-terminated; valid during the call). */
int lpg_ledger_checkpoints(lpg_ledger_t *l,
                           int (*fn)(void *ctx, uint64_t size,
                                     const char *note, size_t len),
                           void *ctx);

/*  The authority public key (NULL before lpg_ledger_setup). Owned by the
 *  ledger. */
const lpg_key_t *lpg_ledger_authority(const lpg_ledger_t *l);

/*  The projection the ledger was opened with (NULL: read only). */
const lpg_projection_t *lpg_ledger_projection(const lpg_ledger_t *l);

/*  Read transactions (any thread; several at once). One sees every
 *  transaction already answered: if the journal holds one LMDB has not
 *  committed yet, it waits for that commit (ledger.c, "journal"). */
int lpg_ledger_read(lpg_ledger_t *l, lpg_txn_t **out);
/*  One as LMDB has it now, without that wait: for work that a write
 *  transaction checks again (a service preparing its next batch). */
int lpg_ledger_read_now(lpg_ledger_t *l, lpg_txn_t **out);
/*  Ends a read or write transaction without committing. NULL-safe. */
void lpg_txn_abort(lpg_txn_t **p);

/*  Entry bytes (the Merkle leaf input) of seq; valid until the txn ends.
 *  LPG_ENOTFOUND past the end. */
int lpg_txn_entry(lpg_txn_t *t, uint64_t seq, const uint8_t **data,
                  size_t *len);
/*  Stored Merkle node (level, index). */
int lpg_txn_node(lpg_txn_t *t, unsigned level, uint64_t index,
                 uint8_t out[32]);
/*  Entries in the log. */
int lpg_txn_size(lpg_txn_t *t, uint64_t *out);

/*  State access (for lib/state.c and rules). Values valid until the txn
 *  ends. get: LPG_ENOTFOUND if absent. */
int lpg_txn_get(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
                const void **val, size_t *vlen);
int lpg_txn_put(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
                const void *val, size_t vlen);
/*  Adds seq to an index table under key. */
int lpg_txn_index(lpg_txn_t *t, lpg_table_t table, const void *key,
                  size_t klen, uint64_t seq);

/*  A scratch ledger (LPG_LEDGER_SCRATCH) whose chained indexes are not
 *  stored: lpg_txn_index on one hands (table, key, seq) to fn instead,
 *  and returns what fn returns. A full verify keeps them in memory and
 *  compares them with the stored chains; nothing may read them back
 *  from the scratch. fn NULL: stored again. */
typedef int (*lpg_index_fn)(void *ctx, lpg_table_t table, const void *key,
                            size_t klen, uint64_t seq);
int lpg_ledger_index_hook(lpg_ledger_t *l, lpg_index_fn fn, void *ctx);

/*  Calls fn for every record of a table in key order (for index tables:
 *  once per (key, seq) pair, val = 8 bytes). Stops early and returns
 *  fn's value if it is not LPG_OK. */
typedef int (*lpg_foreach_fn)(void *ctx, const void *key, size_t klen,
                              const void *val, size_t vlen);
int lpg_txn_foreach(lpg_txn_t *t, lpg_table_t table, lpg_foreach_fn fn,
                    void *ctx);

/*  Whether an index table is kept as chains (each key's newest seq, and
 *  each seq's previous one under its key): by_cylinder and by_site in
 *  this layout; a read-only open of an older ledger reads its own. */
bool lpg_txn_chained(const lpg_txn_t *t, lpg_table_t table);

/*  Whether a chained index has marks: entry points into its chains, one
 *  per key and bucket of seqs, for reading a window of a long history
 *  (by_site in this layout). */
bool lpg_txn_marked(const lpg_txn_t *t, lpg_table_t table);

/*  The mark that adding seq under key (after prev, if has_prev) writes to
 *  a marked index: *outlen 0 for none, else out holds its key; its value
 *  is prev (8 bytes BE), or empty without one. LPG_ERANGE: a key no mark
 *  can hold. */
int lpg_index_mark(const void *key, size_t klen, uint64_t seq, bool has_prev,
                   uint64_t prev, uint8_t out[520], size_t *outlen);

/*  The same as lpg_txn_foreach, but a chained index is read as it is
 *  stored, in cursor walks: each key with its newest seq (8 bytes),
 *  one row with an empty key and value, then each seq (8-byte key) with
 *  the previous seq under its key (8 bytes, or empty for its first);
 *  for a marked index, another empty row, then each mark (its key, as
 *  lpg_index_mark makes it, and value).
 *  Two chains this code wrote (a chain only grows) give the same rows
 *  exactly when they hold the same seqs under the same keys; a damaged
 *  one (a link no head reaches) shows as different rows. The rows come
 *  from two walks in key order, not a look-up per seq. For comparing
 *  two chained states (lpgtrace verify reads the stored one so, and
 *  makes its replay's rows the same way in memory). */
int lpg_txn_foreach_stored(lpg_txn_t *t, lpg_table_t table, lpg_foreach_fn fn,
                           void *ctx);

/*  Calls fn(ctx, seq) for every seq indexed under key, in order. */
typedef int (*lpg_seq_fn)(void *ctx, uint64_t seq);
int lpg_txn_seqs(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
                 lpg_seq_fn fn, void *ctx);

/*  The same from seq `from` on: fn(ctx, seq) for every seq >= from
 *  indexed under key, in order, without reading the ones before (a
 *  window of a long history). */
int lpg_txn_seqs_from(lpg_txn_t *t, lpg_table_t table, const void *key,
                      size_t klen, uint64_t from, lpg_seq_fn fn, void *ctx);

/*  The same between two seqs: fn(ctx, seq) for every seq in [first,
 *  last] indexed under key, in order. By site, the reading starts near
 *  `last` (ledger.c: "marks") instead of at the key's newest seq: a
 *  window of an old day reads about as many seqs as it answers. */
int lpg_txn_seqs_range(lpg_txn_t *t, lpg_table_t table, const void *key,
                       size_t klen, uint64_t first, uint64_t last,
                       lpg_seq_fn fn, void *ctx);

/*  The time entry seq was recorded at (LedgerEntry.recorded_at_ms, the
 *  ledger's clock). LPG_ENOTFOUND past the end. */
int lpg_txn_recorded_at(lpg_txn_t *t, uint64_t seq, uint64_t *ms);

/*  The first seq recorded at or after ms (the log's size if none), by a
 *  binary search over the log: about log2(size) entries read. Exact
 *  where recorded times do not decrease along the log (the ledger's
 *  clock, unless the server's clock was stepped back). */
int lpg_txn_seq_at(lpg_txn_t *t, uint64_t ms, uint64_t *seq);

/*  Secrets: values kept beside the log, never in it (a person's wrapped
 *  data key). Not a state table: not cleared by lpg_txn_clear_state, not
 *  compared by verify, not in the Merkle tree. Written inside the append
 *  transaction (by a service's rules) so they commit with the entry.
 *  Store only values encrypted under a key held outside the ledger: a
 *  deleted value's page is freed, not scrubbed. get: valid until the txn
 *  ends, LPG_ENOTFOUND if absent; del: LPG_ENOTFOUND if absent; put:
 *  LPG_EPERM on a read-only ledger. */
int lpg_txn_secret_put(lpg_txn_t *t, const void *key, size_t klen,
                       const void *val, size_t vlen);
int lpg_txn_secret_get(lpg_txn_t *t, const void *key, size_t klen,
                       const void **val, size_t *vlen);
int lpg_txn_secret_del(lpg_txn_t *t, const void *key, size_t klen);

/*  A write transaction for rebuilding state (verify, rebuild): state
 *  tables only. commit syncs. */
int lpg_ledger_write(lpg_ledger_t *l, lpg_txn_t **out);
int lpg_txn_commit(lpg_txn_t **p);

/*  Empties every state table (before a rebuild), inside t. */
int lpg_txn_clear_state(lpg_txn_t *t);

/*  Inside the write transaction t: empties the state tables, applies
 *  every entry of the log again through the projection, and stores the
 *  projection's version with them (the caller commits; nothing is
 *  stored if it fails). *entries gets the number replayed. progress may
 *  be NULL. */
int lpg_txn_rebuild_state(lpg_txn_t *t,
                          void (*progress)(void *ctx, uint64_t done,
                                           uint64_t total),
                          void *ctx, uint64_t *entries);

/*  Clears reader slots left by dead processes (LMDB's mdb_reader_check);
 *  services call it at start and periodically. */
void lpg_ledger_reader_check(lpg_ledger_t *l);

/*  The ledger's directory. */
const char *lpg_ledger_dir(const lpg_ledger_t *l);

/*  A walk of the log in file order starts (on) or ends (off): while any
 *  runs, the OS reads the ledger's file ahead of each page fault. Else
 *  a fault reads only its own pages, as the look-ups at random places
 *  of most reads want. A verify, a copy, a rebuild of the state and the
 *  reports that read every entry say so themselves. Calls nest; any
 *  thread. */
void lpg_ledger_sequential(lpg_ledger_t *l, bool on);

/*  The same for t's ledger: a report that reads every entry through t. */
void lpg_txn_sequential(lpg_txn_t *t, bool on);

/*  Writes a consistent copy of the ledger, as of one read transaction
 *  (writers in other processes go on meanwhile), to <dir>/data.mdb, mode
 *  0600, synced. dir must exist; an existing data.mdb is LPG_EEXIST.
 *  compact: leaves free pages out (a smaller file, pages renumbered).
 *  Open the copy with lpg_ledger_open like any ledger. */
int lpg_ledger_copy(lpg_ledger_t *l, const char *dir, bool compact);

/*  How big the ledger is: entries in LMDB's last commit, the bytes its
 *  pages use (up to the last page in use), the data file's size and the
 *  map size (the most it may use); and the entries the journal's first
 *  record holds beyond that commit (answered, LMDB's commit of them to
 *  come: above 0 for a few ms while a transaction is held, and for as
 *  long as LMDB cannot commit, a full disk say). For metrics: waits for
 *  nothing. */
typedef struct {
    uint64_t entries;
    uint64_t used_bytes;
    uint64_t file_bytes;
    uint64_t map_bytes;
    uint64_t journal_ahead;
} lpg_ledger_usage_t;
int lpg_ledger_usage(lpg_ledger_t *l, lpg_ledger_usage_t *out);

/*  A count of the pages each commit writes, table by table, for the
 *  benchmarks: a census reads the committed tree from the file and notes
 *  which table owns each page; a page that was not in the tree at the
 *  previous census was written since (LMDB copies every page it changes
 *  to a new page number). Rows are the state tables (lpg_table_t), then
 *  the ledger's own tables, the secrets, the table of tables and LMDB's
 *  free list; lpg_census_row names them. Slow (reads every page): not
 *  for the services. */
#define LPG_CENSUS_ROWS (LPG_TABLE_COUNT + 9)
typedef struct lpg_census lpg_census_t;
int lpg_census_new(lpg_ledger_t *l, lpg_census_t **out);
/*  Adds to fresh[row] the pages written since the last census; takes
 *  this one as the next one's reference. */
int lpg_census_step(lpg_census_t *c, uint64_t fresh[LPG_CENSUS_ROWS]);
const char *lpg_census_row(size_t row);
void lpg_census_destroy(lpg_census_t **p);

/*  LPG_EEXIST if some process has the ledger in directory dir open (a
 *  running service), LPG_OK if none has (or there is no ledger there). */
int lpg_ledger_in_use(const char *dir);

/*  The key under which the ledger stores Merkle node (level, index) in
 *  its "tree" table: the node's place, from 0, in the order appends make
 *  nodes (each leaf, then the parents it completes), big-endian. So the
 *  nodes of a batch, every level of them, sit side by side at the end of
 *  the table. LPG_ERANGE past 2^62 leaves. */
int lpg_node_key(uint8_t out[8], unsigned level, uint64_t index);

/*  Big-endian u64 helpers for keys. */
void lpg_be64_put(uint8_t out[8], uint64_t v);
uint64_t lpg_be64_get(const uint8_t in[8]);

#endif

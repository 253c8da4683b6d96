/*  ledger.c - see ledger.h. The LMDB adapter.
 *
 *  Named databases: entries (seq BE -> LedgerEntry bytes), tree (a
 *  node's place in the order nodes are made, BE -> 32-byte hash; see
 *  lpg_node_key), checkpoints (size BE -> note text),
 *  event_ids_t (event id + signer key id -> seq BE + body hash), meta
 *  (name -> value), the state tables of ledger.h, and secrets (see the
 *  section "secrets" below).
 *
 *  Event ids lead their key because new ids begin with the time they were
 *  made (lpg_event_new_id): a batch's ids then land on the last few pages
 *  of the table, not on one random page each, which was most of what a
 *  commit wrote. Ledgers written before keep them in "event_ids", keyed
 *  signer first: the first read-write open moves them over (see
 *  s_upgrade_ids); a read-only open needs neither table.
 *
 *  Tree nodes are keyed by the order they are made in, so that a batch's
 *  nodes, every level of them, land together on the last pages of the
 *  table. Ledgers written before keep them in "nodes", keyed level
 *  first, which put each level's new nodes on a page of its own: the
 *  first read-write open moves them over (s_upgrade_nodes); a read-only
 *  open reads them where they are.
 *
 *  The layout is named in meta "format" (S_FORMAT). Every upgrade writes
 *  it in the transaction that upgrades, so a read-only process that
 *  opened the layout before (and reads tables the upgrade dropped) sees
 *  the change at its next read transaction and fails (LPG_EREOPEN)
 *  instead of answering from tables that are gone; and a read-write open
 *  that has to upgrade does so only while no other process has the
 *  ledger open (LPG_EUPGRADE otherwise: see s_alone).
 */
#include "ledger/ledger.h"
#include "ledger/journal.h"
#include "base/error.h"
#include "crypto/keyring.h"
#include "base/log.h"
#include "base/workers.h"
#include "base/count.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define S_DEFAULT_MAP (1ULL << 40)
#define S_KEYRING_MAX 100000       /* forget them all past this many */
#define S_FULL_BELOW (16ULL << 20) /* a short write with less free: full */

/*  The layout, in meta "format". "lpgtrace-ledger-2": every ledger
 *  written before this one (the index by staff, event ids signer first,
 *  nodes level first, the indexes by cylinder and by site as duplicates;
 *  or, written by development builds only, those indexes as chains
 *  without marks). "lpgtrace-ledger-3": this layout. */
#define S_FORMAT "lpgtrace-ledger-3"

/*  The journal (see "journal" below). */
#define S_JOURNAL_MAX (256 * 1024)
#define S_JOURNAL_HELD_MAX (4 * 1024 * 1024) /* records of one transaction */
#define S_HOLD_MAX_NS (3 * 1000000ull)       /* a transaction held at most */
#define S_READ_WAIT_MS 500

enum { S_ENTRIES, S_NODES, S_CHECKPOINTS, S_EVENT_IDS, S_META, S_NINTERNAL };

static const char *s_table_names[LPG_TABLE_COUNT] = {
    "devices",  "cylinders",  "companies",     "sites",       "staff",
    "vehicles", "users",      "hazards",       "curve_keys",  "accounts",
    "orders",   "fill_late",  "cylinder_regs", "by_cylinder", "by_site",
    "by_user",  "by_id_hmac",
};

/*  Tables a later projection version added: a read-only open of a
 *  ledger an older lpgtrace wrote finds none, reads them as empty, and
 *  the first read-write open creates them (and rebuilds the state). */
static bool
s_is_added(int table)
{
    return table == LPG_TABLE_FILL_LATE || table == LPG_TABLE_CYLINDER_REGS;
}
static const char *s_internal_names[S_NINTERNAL] = {
    "entries", "tree", "checkpoints", "event_ids_t", "meta"};
#define S_OLD_EVENT_IDS "event_ids" /* signer + event id, before */
#define S_OLD_NODES "nodes"         /* level + index, before */
/*  Tables older ledgers have and nothing reads any more: the first
 *  read-write open drops them. */
static const char *const s_retired[] = {"by_actor"};

/*  Chains: the index by cylinder and the one by site grow by one seq per
 *  event under keys spread all over the table (a cylinder's, a site's),
 *  so a batch touched a page per cylinder and a few per site, each
 *  written whole. Kept as chains instead, the seq goes to a table keyed
 *  by seq, appended at its end ("<name>.chain": seq -> the previous seq
 *  under the same key, empty for the first), and the key's record holds
 *  only its newest seq ("<name>.head": key -> seq), small enough that
 *  every key of the bench's ledger fits a few pages. A key's seqs are
 *  read newest first along the chain, then handed out in order. Ledgers
 *  written before keep the index as duplicates under the table's own
 *  name: the first read-write open turns them into chains (see
 *  s_upgrade_chain); a read-only open reads them as they are. */
static bool
s_is_chained(int table)
{
    return table == LPG_TABLE_BY_CYLINDER || table == LPG_TABLE_BY_SITE;
}

/*  Marks: a chain is read from its newest seq back, so a window of a
 *  long history (a recall of one day a year back) would read every seq
 *  since. Chains by site are given entry points: the log is cut into
 *  buckets of 2^S_MARK_BITS seqs, and "<name>.mark" holds, under the
 *  key, a 0 byte and the bucket (BE), the key's newest seq before the
 *  bucket (empty: none), written when the key's first seq in that
 *  bucket is added: once per key and bucket, not per event, so the
 *  heads stay few pages and a commit writes about what it did. The
 *  seqs of a key up to `last` are then read from the first mark past
 *  last's bucket (the newest seq at or before that bucket's end) back:
 *  what lies past `last` is at most one bucket's worth of the key's
 *  seqs. Chains by cylinder are short (a cylinder's history) and have
 *  none. */
#define S_MARK_BITS 12

static bool
s_is_marked(int table)
{
    return table == LPG_TABLE_BY_SITE;
}

/*  An event that moves a cylinder rewrites its state record: the head of
 *  the cylinder's chain is kept beside it, in the cylinders table under
 *  the cylinder's id and a 0 byte (sorted right after the state), so one
 *  page carries both. Readers of the cylinders table never see those
 *  records (lpg_txn_foreach skips them; ids are text, without 0 bytes).
 *  Other chained indexes keep their heads in "<name>.head". */
static int
s_head_host(int table)
{
    return table == LPG_TABLE_BY_CYLINDER ? LPG_TABLE_CYLINDERS : -1;
}

struct lpg_ledger {
    MDB_env *env;
    MDB_dbi internal[S_NINTERNAL];
    MDB_dbi tables[LPG_TABLE_COUNT];
    /* Chained indexes (see "chains" below): tables[i] holds each key's
     * newest seq, chains[i] each seq's previous one under its key. */
    MDB_dbi chains[LPG_TABLE_COUNT];
    bool chained[LPG_TABLE_COUNT];
    bool hosted[LPG_TABLE_COUNT]; /* heads in another table: s_head_host */
    bool absent[LPG_TABLE_COUNT]; /* read-only, an older ledger: s_is_added */
    bool has_heads[LPG_TABLE_COUNT]; /* holds another index's heads */
    MDB_dbi marks[LPG_TABLE_COUNT];  /* see "marks" above */
    bool has_marks[LPG_TABLE_COUNT];
    char format[32]; /* meta "format" as opened ("": none) */
    bool watch;      /* read only, an older layout: see s_check_format */
    char *dir;
    bool rdonly;
    bool scratch; /* LPG_LEDGER_SCRATCH: MDB_NOSYNC, a crash loses it */
    /* A scratch written in place (MDB_WRITEMAP) over disk space reserved
     * ahead of it: see s_scratch_open. map_max: the most it may grow to. */
    bool in_place;
    bool room_warned;
    uint64_t map_max;
    lpg_index_fn index_hook; /* chained indexes go there, not stored */
    void *index_ctx;
    lpg_key_t *authority;
    uint8_t authority_id[LPG_KEYID_LEN];
    lpg_keyring_t *keys;    /* enrolled devices' keys, by key id */
    lpg_workers_t *workers; /* signature threads, started on first use */
    bool workers_tried;
    bool old_nodes; /* a read-only open of a ledger written before */
    lpg_ledger_stats_t stats;
    _Atomic uint64_t txn_read, txn_write; /* begun, any thread */
    MDB_dbi secrets;                      /* see "secrets" below */
    bool has_secrets;
    const lpg_projection_t *proj; /* the domain: signer, authorize, apply */
    /* Transactions open in this process, counted so that the map can be
     * re-sized with none open (see "txns" below). */
    pthread_mutex_t txn_lock;
    pthread_cond_t txn_cond;
    unsigned txn_open;
    bool resizing;
    /* Walks in file order now running (lpg_ledger_sequential), under
     * txn_lock: while any runs, the OS reads the file ahead. */
    unsigned walkers;
    /* See "journal" below. */
    lpg_journal_t *journal;
    bool journal_write; /* this handle writes records and applies them */
    /* LPG_FAULT=answered-uncommitted[:N] (tests): dies once the Nth
     * record (1 if not said) this handle wrote is answered, before the
     * commit. */
    unsigned fault_answered, fault_records;
    unsigned fault_slow_ms;      /* LPG_FAULT=slow-commit[:MS]: so long before
                               the commit after an answer (tests) */
    _Atomic uint64_t warned_end; /* a record readers gave up waiting for */
    /* A write transaction answered from the journal and held open for
     * the next batches (LPG_COMMIT_HOLD): used and committed only by the
     * thread that committed the batches (lpg_ledger_flush). */
    lpg_txn_t *held;
    uint64_t held_first;  /* the ledger's size when it began */
    uint64_t held_off;    /* where its next record goes in the journal */
    uint64_t held_end;    /* the ledger's size after its last record */
    uint64_t held_ns;     /* when it began */
    uint64_t hold_max_ns; /* held at most (S_HOLD_MAX_NS) */
};

/*  A read transaction reads entries and tree nodes through a cursor
 *  each (opened on first use), and asks for the next record when the
 *  key wanted is the one after the cursor's: a walk in order (verify,
 *  the log, a backup's check) steps from record to record instead of
 *  searching the tree for each. */
typedef struct {
    MDB_cursor *c;
    uint64_t last; /* the key the cursor is on (8 bytes, big-endian) */
    bool at;       /* the cursor is on a record, last */
} s_walk_t;

struct lpg_txn {
    MDB_txn *txn;
    lpg_ledger_t *l;
    bool write;
    s_walk_t entries, nodes;
    lpg_jbuf_t *jr; /* the writes gathered for a journal record */
};

/*  Where a write goes, as a journal record names it (journal.h): LMDB's
 *  handles are this process's own. */
enum { S_CLS_INTERNAL, S_CLS_TABLE, S_CLS_CHAIN, S_CLS_MARK, S_CLS_SECRETS };

static bool
s_dbi_of(const lpg_ledger_t *l, unsigned cls, unsigned idx, MDB_dbi *out)
{
    switch (cls) {
    case S_CLS_INTERNAL:
        if (idx >= S_NINTERNAL)
            return false;
        *out = l->internal[idx];
        return true;
    case S_CLS_TABLE:
        if (idx >= LPG_TABLE_COUNT || l->absent[idx])
            return false;
        *out = l->tables[idx];
        return true;
    case S_CLS_CHAIN:
        if (idx >= LPG_TABLE_COUNT || !l->chained[idx])
            return false;
        *out = l->chains[idx];
        return true;
    case S_CLS_MARK:
        if (idx >= LPG_TABLE_COUNT || !l->has_marks[idx])
            return false;
        *out = l->marks[idx];
        return true;
    case S_CLS_SECRETS:
        if (idx != 0 || !l->has_secrets)
            return false;
        *out = l->secrets;
        return true;
    default:
        return false;
    }
}

/*  A scratch ledger's full map or disk, said in its own words by s_err:
 *  a full verify's replay ran out of room where it was put, and nothing
 *  of the ledger itself is full. (LMDB's own codes end at -30780.) */
#define S_SCRATCH_FULL (-30700)

static int
s_scratch_full(const lpg_ledger_t *l, int mrc)
{
    return l->scratch && (mrc == MDB_MAP_FULL || mrc == ENOSPC)
               ? S_SCRATCH_FULL
               : mrc;
}

/*  mdb_put in a write transaction, noted for its journal record when one
 *  is gathered. An MDB error code (S_SCRATCH_FULL for a scratch's full
 *  map or disk). */
static int
s_put(lpg_txn_t *t, unsigned cls, unsigned idx, MDB_val *k, MDB_val *v,
      unsigned flags)
{
    MDB_dbi dbi;
    if (!s_dbi_of(t->l, cls, idx, &dbi))
        return MDB_BAD_DBI;
    int rc = mdb_put(t->txn, dbi, k, v, flags);
    if (rc == 0 && t->jr)
        lpg_jbuf_add(t->jr, LPG_JOURNAL_PUT, cls, idx, k->mv_data, k->mv_size,
                     v->mv_data, v->mv_size);
    return s_scratch_full(t->l, rc);
}

/*  mdb_del of a key (not of one duplicate), noted the same way. */
static int
s_del(lpg_txn_t *t, unsigned cls, unsigned idx, MDB_val *k)
{
    MDB_dbi dbi;
    if (!s_dbi_of(t->l, cls, idx, &dbi))
        return MDB_BAD_DBI;
    int rc = mdb_del(t->txn, dbi, k, NULL);
    if (rc == 0 && t->jr)
        lpg_jbuf_add(t->jr, LPG_JOURNAL_DEL, cls, idx, k->mv_data, k->mv_size,
                     NULL, 0);
    return s_scratch_full(t->l, rc);
}

const char *
lpg_table_name(lpg_table_t t)
{
    return (unsigned)t < LPG_TABLE_COUNT ? s_table_names[t] : "?";
}

void
lpg_be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t
lpg_be64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

static int
s_err(int rc, const char *what)
{
    if (rc == 0)
        return LPG_OK;
    if (rc == MDB_NOTFOUND)
        return LPG_ENOTFOUND;
    if (rc == S_SCRATCH_FULL) {
        lpg_error("ledger: %s: a scratch ledger ran out of disk space "
                  "(the ledger itself is not touched)",
                  what);
        return LPG_ENOSPC;
    }
    if (rc == MDB_MAP_FULL) {
        lpg_error("ledger: %s: the ledger map is full: raise "
                  "ledger.map_size (this needs attention now)",
                  what);
        return LPG_EMAPFULL;
    }
    if (rc == MDB_KEYEXIST)
        return LPG_EEXIST;
    if (rc == ENOSPC) {
        lpg_error("ledger: %s: disk full: no space left on the ledger's "
                  "device; nothing was recorded (free space now)",
                  what);
        return LPG_ENOSPC;
    }
    lpg_error("ledger: %s: %s", what, mdb_strerror(rc));
    return LPG_EDB;
}

/*  LMDB reports a short write as EIO ("filesystem full?"): when the
 *  ledger's file system has next to nothing left, that is a full disk. */
static int
s_disk_full(int mrc, MDB_env *env)
{
    int fd;
    struct statvfs st;
    if (mrc != EIO || mdb_env_get_fd(env, &fd) != 0 || fstatvfs(fd, &st))
        return mrc;
    uint64_t room = (uint64_t)st.f_bavail * st.f_frsize;
    return room < S_FULL_BELOW ? ENOSPC : mrc;
}

static uint64_t
s_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void
lpg_ledger_stats(const lpg_ledger_t *l, lpg_ledger_stats_t *out)
{
    *out = l->stats;
    out->txn_read = atomic_load_explicit(&l->txn_read, memory_order_relaxed);
    out->txn_write = atomic_load_explicit(&l->txn_write, memory_order_relaxed);
}

void
lpg_ledger_commit_times(const lpg_ledger_t *l, uint64_t *write_ns,
                        uint64_t *journal_ns, uint64_t *sync_ns)
{
    *write_ns = l->stats.ns_write;
    *journal_ns = l->stats.ns_journal;
    *sync_ns = l->stats.ns_commit;
}

static int s_open_secrets(lpg_ledger_t *l);
static int s_begin(lpg_ledger_t *l, unsigned flags, MDB_txn **out);
static void s_end(lpg_ledger_t *l);

/* ---------------------------------------------------------------- open */

/*  What s_each_row does with one row of a table: an MDB error code, which
 *  stops the walk. */
typedef int s_row_fn(lpg_ledger_t *l, MDB_txn *txn, const MDB_val *k,
                     MDB_val *v, void *ctx);

/*  Calls fn on each row of dbi in key order, counting the rows it took
 *  in *n: 0 once all are done, else the cursor's error or the first of
 *  fn's (a failed put's kept as it is: a full map is MDB_MAP_FULL). */
static int
s_each_row(lpg_ledger_t *l, MDB_txn *txn, MDB_dbi dbi, s_row_fn *fn, void *ctx,
           size_t *n)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, dbi, &c);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        int frc = fn(l, txn, &k, &v, ctx);
        if (frc) {
            mdb_cursor_close(c);
            return frc;
        }
        (*n)++;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/*  Moves the rows of an older ledger's table name through fn (which puts
 *  each where this layout keeps it) and drops the table, in the open's
 *  write transaction: one pass, once; what names the rows in the log. */
static int
s_upgrade_table(lpg_ledger_t *l, MDB_txn *txn, const char *name, s_row_fn *fn,
                const char *what)
{
    MDB_dbi old;
    int rc = mdb_dbi_open(txn, name, 0, &old);
    if (rc == MDB_NOTFOUND)
        return 0;
    size_t moved = 0;
    if (rc == 0)
        rc = s_each_row(l, txn, old, fn, NULL, &moved);
    if (rc == 0)
        rc = mdb_drop(txn, old, 1);
    if (rc == 0 && moved)
        lpg_info("ledger: %s: moved %zu %s to the new layout", l->dir, moved,
                 what);
    return rc;
}

/*  An event id of a ledger written before into event_ids_t, with the
 *  event id first (s_upgrade_table). */
static int
s_move_id(lpg_ledger_t *l, MDB_txn *txn, const MDB_val *k, MDB_val *v,
          void *ctx)
{
    (void)ctx;
    if (k->mv_size != 48)
        return MDB_CORRUPTED;
    uint8_t nk[48];
    memcpy(nk, (uint8_t *)k->mv_data + 32, 16);
    memcpy(nk + 16, k->mv_data, 32);
    MDB_val kk = {48, nk};
    return mdb_put(txn, l->internal[S_EVENT_IDS], &kk, v, 0);
}

/*  A tree node of a ledger written before into "tree", keyed by the
 *  order the nodes were made in (s_upgrade_table). */
static int
s_move_node(lpg_ledger_t *l, MDB_txn *txn, const MDB_val *k, MDB_val *v,
            void *ctx)
{
    (void)ctx;
    const uint8_t *kb = k->mv_data;
    uint8_t nk[8];
    if (k->mv_size != 9 || v->mv_size != 32 ||
        lpg_node_key(nk, kb[0], lpg_be64_get(kb + 1)) != LPG_OK)
        return MDB_CORRUPTED;
    MDB_val kk = {8, nk};
    return mdb_put(txn, l->internal[S_NODES], &kk, v, 0);
}

/*  Moves the event ids of a ledger written before into event_ids_t, in
 *  the open's write transaction: one pass, once. */
static int
s_upgrade_ids(lpg_ledger_t *l, MDB_txn *txn)
{
    return s_upgrade_table(l, txn, S_OLD_EVENT_IDS, s_move_id, "event ids");
}

/*  Moves the tree nodes of a ledger written before into "tree", in the
 *  open's write transaction. */
static int
s_upgrade_nodes(lpg_ledger_t *l, MDB_txn *txn)
{
    return s_upgrade_table(l, txn, S_OLD_NODES, s_move_node, "tree nodes");
}

/*  Drops the retired tables of a ledger written before, in the open's
 *  write transaction. */
static int
s_drop_retired(lpg_ledger_t *l, MDB_txn *txn)
{
    for (size_t i = 0; i < sizeof s_retired / sizeof *s_retired; i++) {
        MDB_dbi dbi;
        int rc = mdb_dbi_open(txn, s_retired[i], 0, &dbi);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc == 0)
            rc = mdb_drop(txn, dbi, 1);
        if (rc)
            return rc;
        lpg_info("ledger: %s: dropped the table '%s', which nothing reads",
                 l->dir, s_retired[i]);
    }
    return 0;
}

/*  The key of key's head in index i's head table (out's 512 bytes hold
 *  it when the head is hosted). */
static int
s_head_key(const lpg_ledger_t *l, int i, const void *key, size_t klen,
           uint8_t out[512], MDB_val *hk)
{
    if (!l->hosted[i]) {
        hk->mv_size = klen;
        hk->mv_data = (void *)key;
        return LPG_OK;
    }
    if (klen == 0 || klen >= 511)
        return LPG_ERANGE;
    memcpy(out, key, klen);
    out[klen] = 0;
    hk->mv_size = klen + 1;
    hk->mv_data = out;
    return LPG_OK;
}

/*  Whether a key of table i is another index's head (s_head_host). */
static bool
s_is_head(const lpg_ledger_t *l, int i, const MDB_val *k)
{
    return l->has_heads[i] && k->mv_size > 1 &&
           ((const uint8_t *)k->mv_data)[k->mv_size - 1] == 0;
}

/*  Marks (see above): the mark's key of key and bucket into out. */
static int
s_mark_key(const void *key, size_t klen, uint64_t bucket, uint8_t out[520],
           MDB_val *mk)
{
    if (klen == 0 || klen > 500)
        return LPG_ERANGE;
    memcpy(out, key, klen);
    out[klen] = 0;
    lpg_be64_put(out + klen + 1, bucket);
    mk->mv_size = klen + 9;
    mk->mv_data = out;
    return LPG_OK;
}

/*  Marks: seq is added under key of index i after prev (8 bytes BE, NULL
 *  for the key's first): the first of the key in its bucket gets a mark.
 *  An MDB error code. */
static int
s_mark(lpg_ledger_t *l, MDB_txn *txn, lpg_jbuf_t *jr, int i, const void *key,
       size_t klen, uint64_t seq, const uint8_t *prev)
{
    if (!l->has_marks[i])
        return 0;
    uint8_t mb[520];
    size_t mlen;
    if (lpg_index_mark(key, klen, seq, prev != NULL,
                       prev ? lpg_be64_get(prev) : 0, mb, &mlen) != LPG_OK)
        return MDB_BAD_VALSIZE;
    if (!mlen)
        return 0; /* the key's bucket has its mark */
    MDB_val mk = {mlen, mb}, mv = {prev ? 8 : 0, (void *)prev};
    int rc = mdb_put(txn, l->marks[i], &mk, &mv, 0);
    if (rc == 0 && jr)
        lpg_jbuf_add(jr, LPG_JOURNAL_PUT, S_CLS_MARK, (unsigned)i, mk.mv_data,
                     mk.mv_size, mv.mv_data, mv.mv_size);
    return rc;
}

static int s_chain_get(lpg_txn_t *t, lpg_table_t table, const void *key,
                       size_t klen, uint64_t from, uint64_t to, uint64_t **out,
                       size_t *n);

/*  Marks for the chain of one key of index *ctx (s_fill_marks): an MDB
 *  error code, the error reported. */
static int
s_fill_key(lpg_ledger_t *l, MDB_txn *txn, const MDB_val *k, MDB_val *v,
           void *ctx)
{
    (void)v;
    int i = *(const int *)ctx;
    lpg_txn_t t = {.txn = txn, .l = l, .write = true};
    size_t klen = k->mv_size; /* marked indexes keep their own heads */
    uint64_t *seqs = NULL;
    size_t n = 0;
    int ret = s_chain_get(&t, i, k->mv_data, klen, 0, UINT64_MAX, &seqs, &n);
    for (size_t j = 0; j < n && ret == LPG_OK; j++) {
        uint8_t pb[8];
        if (j)
            lpg_be64_put(pb, seqs[j - 1]);
        int mrc =
            s_mark(l, txn, NULL, i, k->mv_data, klen, seqs[j], j ? pb : NULL);
        if (mrc)
            ret = s_err(mrc, "marks");
    }
    free(seqs);
    if (ret != LPG_OK)
        return ret == LPG_EMAPFULL ? MDB_MAP_FULL : MDB_CORRUPTED;
    return 0;
}

/*  Marks for the chains of index i, kept before without them: each
 *  key's chain read once, in the open's write transaction. */
static int
s_fill_marks(lpg_ledger_t *l, MDB_txn *txn, int i)
{
    size_t keys = 0;
    int rc = s_each_row(l, txn, l->tables[i], s_fill_key, &i, &keys);
    if (rc)
        return rc;
    lpg_info("ledger: %s: the index '%s' (%zu keys) now has marks to start "
             "a window from",
             l->dir, s_table_names[i], keys);
    return 0;
}

/*  Opens (creates) the marks of chained index i; fill: fill them from
 *  the chains when the ledger has none. */
static int
s_open_marks(lpg_ledger_t *l, MDB_txn *txn, int i, bool fill)
{
    if (!s_is_marked(i) || l->hosted[i])
        return 0;
    char name[64];
    snprintf(name, sizeof name, "%s.mark", s_table_names[i]);
    int rc = mdb_dbi_open(txn, name, 0, &l->marks[i]);
    if (rc == 0 || (rc == MDB_NOTFOUND && l->rdonly)) {
        l->has_marks[i] = rc == 0; /* without: read from the newest */
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    rc = mdb_dbi_open(txn, name, MDB_CREATE, &l->marks[i]);
    if (rc)
        return rc;
    l->has_marks[i] = true;
    return fill ? s_fill_marks(l, txn, i) : 0;
}

/*  Where s_chain_row is in an older index's duplicates: the index, and
 *  the last key and seq moved. */
typedef struct {
    int i;
    MDB_val prevk;
    uint8_t prev[8], keep[512];
} s_chain_up_t;

/*  One seq of an older index's duplicates into the chains of table
 *  ctx->i (s_upgrade_chain). */
static int
s_chain_row(lpg_ledger_t *l, MDB_txn *txn, const MDB_val *k, MDB_val *v,
            void *ctx)
{
    s_chain_up_t *u = ctx;
    int i = u->i;
    if (v->mv_size != 8 || k->mv_size > sizeof u->keep)
        return MDB_CORRUPTED;
    bool same = u->prevk.mv_data && u->prevk.mv_size == k->mv_size &&
                memcmp(u->prevk.mv_data, k->mv_data, k->mv_size) == 0;
    MDB_val ck = {8, v->mv_data}, cv = {same ? 8 : 0, u->prev};
    int crc = mdb_put(txn, l->chains[i], &ck, &cv, MDB_NOOVERWRITE);
    if (crc == 0)
        crc = s_mark(l, txn, NULL, i, k->mv_data, k->mv_size,
                     lpg_be64_get(v->mv_data), same ? u->prev : NULL);
    uint8_t hb[512];
    MDB_val hk;
    if (crc == 0 && s_head_key(l, i, k->mv_data, k->mv_size, hb, &hk))
        crc = MDB_BAD_VALSIZE;
    if (crc == 0)
        crc = mdb_put(txn, l->tables[i], &hk, v, 0);
    if (crc)
        return crc;
    memcpy(u->prev, v->mv_data, 8);
    memcpy(u->keep, k->mv_data, k->mv_size);
    u->prevk.mv_size = k->mv_size;
    u->prevk.mv_data = u->keep;
    return 0;
}

/*  Turns the duplicates of an older ledger's index (dbi old) into the
 *  chains of table i, in the open's write transaction, and drops them. */
static int
s_upgrade_chain(lpg_ledger_t *l, MDB_txn *txn, int i, MDB_dbi old)
{
    s_chain_up_t u = {.i = i};
    size_t moved = 0;
    int rc = s_each_row(l, txn, old, s_chain_row, &u, &moved);
    if (rc == 0)
        rc = mdb_drop(txn, old, 1);
    if (rc == 0)
        lpg_info("ledger: %s: the index '%s' (%zu seqs) is now kept as "
                 "chains",
                 l->dir, s_table_names[i], moved);
    return rc;
}

/*  Opens (creates, upgrades) the chained index i; see "chains" above. */
static int
s_open_chain(lpg_ledger_t *l, MDB_txn *txn, int i, bool *fresh)
{
    char head[64], chain[64];
    snprintf(head, sizeof head, "%s.head", s_table_names[i]);
    snprintf(chain, sizeof chain, "%s.chain", s_table_names[i]);
    int host = s_head_host(i);
    int rc = mdb_dbi_open(txn, chain, 0, &l->chains[i]);
    if (rc == 0 && host < 0)
        rc = mdb_dbi_open(txn, head, 0, &l->tables[i]);
    if (rc == 0) {
        l->chained[i] = true;
        if (host >= 0) {
            l->tables[i] = l->tables[host]; /* opened before */
            l->hosted[i] = l->has_heads[host] = true;
        }
        return s_open_marks(l, txn, i, true);
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    MDB_dbi old;
    int orc = mdb_dbi_open(txn, s_table_names[i], 0, &old);
    if (orc && orc != MDB_NOTFOUND)
        return orc;
    if (l->rdonly) {
        /* read the older ledger's duplicates as they are */
        l->tables[i] = old;
        return orc;
    }
    rc = 0;
    if (host >= 0) {
        l->tables[i] = l->tables[host];
        l->hosted[i] = l->has_heads[host] = true;
    } else
        rc = mdb_dbi_open(txn, head, MDB_CREATE, &l->tables[i]);
    if (rc == 0)
        rc = mdb_dbi_open(txn, chain, MDB_CREATE, &l->chains[i]);
    if (rc == 0)
        rc = s_open_marks(l, txn, i, false);
    if (rc)
        return rc;
    l->chained[i] = true;
    if (orc == MDB_NOTFOUND) {
        *fresh = true;
        return 0;
    }
    return s_upgrade_chain(l, txn, i, old);
}

/*  Whether format names a layout after this one: "lpgtrace-ledger-N"
 *  with N above S_FORMAT's. */
static bool
s_format_newer(const char *format)
{
    const char *prefix = "lpgtrace-ledger-";
    size_t n = strlen(prefix);
    if (strncmp(format, prefix, n) != 0)
        return false;
    char *end;
    unsigned long have = strtoul(format + n, &end, 10);
    unsigned long know = strtoul(S_FORMAT + n, NULL, 10);
    return *end == '\0' && end != format + n && have > know;
}

static int
s_open_dbis(lpg_ledger_t *l)
{
    MDB_txn *txn;
    unsigned create = l->rdonly ? 0 : MDB_CREATE;
    int rc = s_begin(l, l->rdonly ? MDB_RDONLY : 0, &txn);
    if (rc)
        return rc;
    for (int i = 0; i < S_NINTERNAL && rc == 0; i++) {
        rc = mdb_dbi_open(txn, s_internal_names[i], create, &l->internal[i]);
        if (rc == MDB_NOTFOUND && i == S_NODES && l->rdonly) {
            rc = mdb_dbi_open(txn, S_OLD_NODES, 0, &l->internal[i]);
            l->old_nodes = rc == 0;
        }
        if (rc == MDB_NOTFOUND && i == S_EVENT_IDS && l->rdonly)
            rc = 0; /* an older ledger; only appends read event ids */
    }
    if (rc == 0 && !l->rdonly)
        rc = s_upgrade_ids(l, txn);
    if (rc == 0 && !l->rdonly)
        rc = s_upgrade_nodes(l, txn);
    if (rc == 0 && !l->rdonly)
        rc = s_drop_retired(l, txn);
    bool fresh[LPG_TABLE_COUNT] = {false};
    for (int i = 0; i < LPG_TABLE_COUNT && rc == 0; i++) {
        if (s_is_chained(i)) {
            rc = s_open_chain(l, txn, i, &fresh[i]);
            continue;
        }
        unsigned flags = 0;
        if (i >= LPG_TABLE_BY_CYLINDER)
            flags |= MDB_DUPSORT | MDB_DUPFIXED;
        rc = mdb_dbi_open(txn, s_table_names[i], flags, &l->tables[i]);
        if (rc == MDB_NOTFOUND && create) {
            fresh[i] = true;
            rc = mdb_dbi_open(txn, s_table_names[i], flags | create,
                              &l->tables[i]);
        }
        if (rc == MDB_NOTFOUND && l->rdonly && s_is_added(i)) {
            l->absent[i] = true;
            rc = 0;
            continue;
        }
        if (rc == MDB_NOTFOUND && i > 0) {
            /* The ledger has the first tables: an older lpgtrace wrote
             * it, before this table was added. */
            mdb_txn_abort(txn);
            s_end(l);
            lpg_error("ledger: %s has no table '%s' (an older lpgtrace "
                      "wrote it): open it read-write once and run "
                      "lpgtrace rebuild",
                      l->dir, s_table_names[i]);
            return LPG_ENOTFOUND;
        }
    }
    if (rc) {
        mdb_txn_abort(txn);
        s_end(l);
        if (rc == MDB_NOTFOUND) {
            lpg_error("ledger: %s is not an lpgtrace ledger", l->dir);
            return LPG_ENOTFOUND;
        }
        return s_err(rc, "open tables");
    }
    /* The layout's name: an upgrade writes it with the upgrade. */
    MDB_val fk = {6, "format"}, fv;
    l->format[0] = '\0';
    int frc = mdb_get(txn, l->internal[S_META], &fk, &fv);
    if (frc == 0 && fv.mv_size < sizeof l->format) {
        memcpy(l->format, fv.mv_data, fv.mv_size);
        l->format[fv.mv_size] = '\0';
    }
    if (s_format_newer(l->format)) {
        lpg_error("ledger: %s is in layout %s, newer than this lpgtrace "
                  "knows (%s): going back to an older version is not "
                  "supported",
                  l->dir, l->format, S_FORMAT);
        mdb_txn_abort(txn);
        s_end(l);
        return LPG_ENEWER;
    }
    if (!l->rdonly && strcmp(l->format, S_FORMAT) != 0) {
        MDB_val nv = {strlen(S_FORMAT), S_FORMAT};
        frc = mdb_put(txn, l->internal[S_META], &fk, &nv, 0);
        if (frc) {
            mdb_txn_abort(txn);
            s_end(l);
            return s_err(frc, "format");
        }
        if (l->format[0])
            lpg_info("ledger: %s: layout %s, was %s", l->dir, S_FORMAT,
                     l->format);
        snprintf(l->format, sizeof l->format, "%s", S_FORMAT);
    }
    /* A table new to a ledger that already has entries starts empty: the
     * state is no longer the log's projection until a rebuild (verify
     * says so too). One a newer projection version added (s_is_added)
     * is filled by the state upgrade that follows: no warning. */
    MDB_stat st;
    if (mdb_stat(txn, l->internal[S_ENTRIES], &st) == 0 && st.ms_entries) {
        lpg_txn_t t = {.txn = txn, .l = l, .write = true};
        for (int i = 0; i < LPG_TABLE_COUNT; i++) {
            bool done = false;
            rc = fresh[i] && l->proj && l->proj->backfill
                     ? l->proj->backfill(&t, i, &done)
                     : LPG_OK;
            if (rc != LPG_OK) {
                mdb_txn_abort(txn);
                s_end(l);
                lpg_error("ledger: %s: filling the new table '%s': %s", l->dir,
                          s_table_names[i], lpg_strerror(rc));
                return rc;
            }
            if (done)
                lpg_info("ledger: %s: added the table '%s', filled from "
                         "the state",
                         l->dir, s_table_names[i]);
            else if (fresh[i] && !s_is_added(i))
                lpg_warn("ledger: %s: added the table '%s', empty: run "
                         "lpgtrace rebuild so that it covers the %llu "
                         "entries already in the log",
                         l->dir, s_table_names[i],
                         (unsigned long long)st.ms_entries);
        }
    }
    rc = mdb_txn_commit(txn);
    s_end(l);
    return s_err(rc, "open tables");
}

static int s_state_upgrade(lpg_ledger_t *l, bool rebuild);

/*  A scratch ledger is thrown away: never synced. It is written in
 *  place (MDB_WRITEMAP: a full verify costs 1.4 us less CPU an entry,
 *  3 % of its time at 10^6 entries) where the disk space under the map
 *  can be reserved first. LMDB sizes the file to the whole map, holes
 *  and all, and a write into a hole on a full disk kills the process
 *  with SIGBUS, where a write() fails with ENOSPC. So the map starts
 *  small and every byte of it is allocated (fallocate) before LMDB may
 *  write there; before each write transaction it grows, space first,
 *  while it has less than S_SCRATCH_ROOM (or half what it uses) left:
 *  ten times what one transaction of a full verify's replay took at
 *  10^6 entries (6.3 MiB past the last page in use). Space that cannot
 *  be had leaves the map as it is: a write that fills it fails with
 *  LPG_ENOSPC, as one through write() on a full disk does
 *  (S_SCRATCH_FULL: said as the scratch's, not the ledger's). A file
 *  system that cannot reserve (fallocate refused) gets the scratch
 *  written through write(). */
#define S_SCRATCH_ROOM (64ULL << 20)
#define S_SCRATCH_STEP (64ULL << 20)

static int
s_env_begin(lpg_ledger_t *l, uint64_t map_size, unsigned envflags)
{
    int rc = s_err(mdb_env_create(&l->env), "create");
    if (rc == LPG_OK)
        rc = s_err(mdb_env_set_maxdbs(l->env, 32), "maxdbs");
    if (rc == LPG_OK)
        rc = s_err(mdb_env_set_mapsize(l->env, map_size), "mapsize");
    if (rc == LPG_OK) {
        int mrc = mdb_env_open(l->env, l->dir, envflags, 0600);
        if (mrc) {
            lpg_error("ledger: cannot open %s: %s", l->dir, mdb_strerror(mrc));
            rc = mrc == ENOENT ? LPG_ENOTFOUND : LPG_EDB;
        }
    }
    return rc;
}

/*  Reserves [from, to) of the map's file: 0, or fallocate's errno. */
static int
s_reserve(lpg_ledger_t *l, uint64_t from, uint64_t to)
{
    int fd = -1;
    if (mdb_env_get_fd(l->env, &fd) != 0)
        return EBADF;
    return fallocate(fd, 0, (off_t)from, (off_t)(to - from)) == 0 ? 0 : errno;
}

/*  A new scratch, written in place over reserved space if it can be;
 *  false: open it as any ledger (nothing of the try is left). */
static bool
s_scratch_open(lpg_ledger_t *l, uint64_t map_max)
{
    char data[4200], lock[4200];
    snprintf(data, sizeof data, "%s/data.mdb", l->dir);
    snprintf(lock, sizeof lock, "%s/lock.mdb", l->dir);
    struct stat st;
    if (l->rdonly || stat(data, &st) == 0)
        return false; /* only a new one: the try removes what it made */
    uint64_t first =
        map_max < 2 * S_SCRATCH_ROOM ? map_max : 2 * S_SCRATCH_ROOM;
    int err = s_env_begin(l, first, MDB_NOTLS | MDB_NOSYNC | MDB_WRITEMAP);
    if (err == LPG_OK)
        err = s_reserve(l, 0, first);
    if (err == 0) {
        l->in_place = true;
        l->map_max = map_max;
        lpg_debug("ledger: %s: scratch written in place, %llu MiB reserved",
                  l->dir, (unsigned long long)(first >> 20));
        return true;
    }
    lpg_info("ledger: %s: scratch written through write(), not in place: "
             "its disk space cannot be reserved (%s)",
             l->dir, err > 0 ? strerror(err) : lpg_strerror(err));
    if (l->env)
        mdb_env_close(l->env);
    l->env = NULL;
    unlink(data);
    unlink(lock);
    return false;
}

/*  Before a write transaction of a scratch written in place: room for it,
 *  reserved on the disk, then mapped. No transaction of it may be open
 *  (a scratch is used by one thread). */
static void
s_scratch_room(lpg_ledger_t *l)
{
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(l->env, &info) != 0 || mdb_env_stat(l->env, &st) != 0)
        return;
    uint64_t map = info.me_mapsize;
    uint64_t used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    uint64_t room = used / 2 > S_SCRATCH_ROOM ? used / 2 : S_SCRATCH_ROOM;
    if (used + room <= map || map >= l->map_max)
        return;
    uint64_t want = (used + 2 * room + S_SCRATCH_STEP - 1) / S_SCRATCH_STEP *
                    S_SCRATCH_STEP;
    if (want > l->map_max)
        want = l->map_max;
    pthread_mutex_lock(&l->txn_lock);
    int err = l->txn_open ? EBUSY : s_reserve(l, map, want);
    if (err == 0)
        err = mdb_env_set_mapsize(l->env, want);
    pthread_mutex_unlock(&l->txn_lock);
    if (err == 0)
        lpg_debug("ledger: %s: scratch grown to %llu MiB, reserved (%llu "
                  "MiB in use)",
                  l->dir, (unsigned long long)(want >> 20),
                  (unsigned long long)(used >> 20));
    if (err != 0 && !l->room_warned) {
        l->room_warned = true;
        lpg_warn("ledger: %s: scratch cannot grow past %llu MiB (%s): a "
                 "commit that fills it fails",
                 l->dir, (unsigned long long)(map >> 20),
                 err > 0 ? strerror(err) : mdb_strerror(err));
    }
}

/*  A ledger is read by look-ups at random places of a file that may be
 *  larger than memory: a page fault reads only its own pages
 *  (MDB_NORDAHEAD: MADV_RANDOM on the map, again after a re-size). With
 *  the OS's read-around, one fault read up to the device's read-ahead
 *  (8 MiB on some disks): a day's recall of a station at 10^7 entries
 *  read 2.9 GB from a cold disk, where 4 MB serve it. Walks in file
 *  order ask for read-ahead while they run (lpg_ledger_sequential). */
static int
s_env_open(lpg_ledger_t *l, uint64_t map_size)
{
    uint64_t map = map_size ? map_size : S_DEFAULT_MAP;
    if (l->scratch && s_scratch_open(l, map))
        return LPG_OK;
    unsigned envflags = MDB_NOTLS | (l->rdonly ? MDB_RDONLY : 0) |
                        (l->scratch ? MDB_NOSYNC : MDB_NORDAHEAD);
    return s_env_begin(l, map, envflags);
}

/*  A read-write open of a ledger in an older layout upgrades it, which
 *  drops tables other processes may be reading: it goes on only if no
 *  other process has the ledger open. lpg_ledger_in_use closes the lock
 *  file, which drops every lock this process holds on it, so the
 *  environment is closed first and opened again after. Two processes
 *  at it together: at least one sees the other gone and goes on. */
static int
s_alone(lpg_ledger_t *l, uint64_t map_size)
{
    char format[32] = "";
    MDB_txn *txn;
    MDB_dbi meta;
    int rc = s_begin(l, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    MDB_val k = {6, "format"}, v;
    if (mdb_dbi_open(txn, s_internal_names[S_META], 0, &meta) == 0 &&
        mdb_get(txn, meta, &k, &v) == 0 && v.mv_size < sizeof format) {
        memcpy(format, v.mv_data, v.mv_size);
        format[v.mv_size] = '\0';
    }
    mdb_txn_abort(txn);
    s_end(l);
    if (!format[0] || strcmp(format, S_FORMAT) == 0 || s_format_newer(format))
        return LPG_OK; /* new, this layout already, or refused later */
    mdb_env_close(l->env);
    l->env = NULL;
    rc = lpg_ledger_in_use(l->dir);
    if (rc == LPG_EEXIST) {
        lpg_error("ledger: %s needs an upgrade from layout %s to %s, and "
                  "another process has it open: stop every lpgtrace "
                  "service and lpg-webd, start one service (or run any "
                  "lpgtrace command that writes) and let it upgrade, then "
                  "start the rest",
                  l->dir, format, S_FORMAT);
        return LPG_EUPGRADE;
    }
    return s_env_open(l, map_size);
}

static int s_txn_begin(lpg_ledger_t *l, bool write, lpg_txn_t **out);

/*  lpg_ledger_open's own: no second look at the journal (see below). */
#define S_OPEN_AS_IS 0x80000000u

/*  A read-only handle's look at the journal as it opens: records ahead
 *  of the ledger for longer than a commit in flight takes, so left by a
 *  writer that died. */
static bool
s_left_ahead(lpg_ledger_t *l)
{
    for (int i = 0; i * 200 < S_READ_WAIT_MS * 1000; i++) {
        lpg_txn_t *t = NULL;
        uint64_t size = 0;
        if (s_txn_begin(l, false, &t) != LPG_OK)
            return false;
        int rc = lpg_txn_size(t, &size);
        lpg_txn_abort(&t);
        if (rc != LPG_OK || !lpg_journal_ahead(l->journal, size, NULL))
            return false;
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    return true;
}

/*  The journal (see "journal"): a read-write handle writes and applies
 *  records, and applies one left ahead now, before anything else writes;
 *  a read-only one looks at the header, if there is a journal. */
static int
s_open_journal(lpg_ledger_t *l)
{
    if (l->scratch)
        return LPG_OK; /* unsynced anyway */
    int rc = lpg_journal_open(&l->journal, l->dir, !l->rdonly);
    if (rc == LPG_ENOTFOUND || (rc == LPG_EPERM && l->rdonly))
        return LPG_OK;
    if (rc != LPG_OK)
        return rc;
    l->journal_write = !l->rdonly;
    const char *fault = getenv("LPG_FAULT");
    if (fault && strncmp(fault, "answered-uncommitted", 20) == 0)
        l->fault_answered = fault[20] == ':' ? (unsigned)atoi(fault + 21) : 1;
    if (fault && strncmp(fault, "slow-commit", 11) == 0 &&
        (fault[11] == '\0' || fault[11] == ':'))
        l->fault_slow_ms =
            fault[11] == ':' ? (unsigned)atoi(fault + 12) : 1000;
    if (!l->journal_write)
        return LPG_OK;
    lpg_txn_t *w = NULL;
    rc = s_txn_begin(l, true, &w);
    lpg_txn_abort(&w);
    return rc;
}

int
lpg_ledger_open(lpg_ledger_t **out, const char *dir, unsigned flags,
                uint64_t map_size, const lpg_projection_t *proj)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (!(flags & LPG_LEDGER_CREATE)) {
            lpg_error("ledger: no ledger at %s", dir);
            return LPG_ENOTFOUND;
        }
        if (mkdir(dir, 0700) != 0) {
            lpg_error("ledger: cannot create %s", dir);
            return LPG_EIO;
        }
    }
    lpg_ledger_t *l = calloc(1, sizeof *l);
    if (!l)
        return LPG_ENOMEM;
    pthread_mutex_init(&l->txn_lock, NULL);
    pthread_cond_init(&l->txn_cond, NULL);
    l->rdonly = (flags & LPG_LEDGER_RDONLY) != 0;
    l->hold_max_ns = S_HOLD_MAX_NS;
    l->scratch = (flags & LPG_LEDGER_SCRATCH) != 0;
    l->proj = proj;
    l->dir = strdup(dir);
    int rc = l->dir ? lpg_keyring_new(&l->keys) : LPG_ENOMEM;
    if (rc == LPG_OK)
        rc = s_env_open(l, map_size);
    if (rc == LPG_OK && !l->rdonly)
        rc = s_alone(l, map_size);
    if (rc == LPG_OK) {
        int dead = 0;
        mdb_reader_check(l->env, &dead);
        if (dead)
            lpg_info("ledger: cleared %d stale reader slot(s)", dead);
        rc = s_open_dbis(l);
    }
    if (rc == LPG_OK)
        rc = s_open_secrets(l);
    if (rc == LPG_OK)
        rc = s_open_journal(l);
    /* From here on every read transaction checks the layout. */
    l->watch = l->rdonly && strcmp(l->format, S_FORMAT) != 0;
    if (rc == LPG_OK) {
        uint8_t apub[32];
        if (lpg_ledger_meta(l, apub, NULL, NULL, 0) == LPG_OK) {
            rc = lpg_key_from_raw_public(&l->authority, apub);
            if (rc == LPG_OK)
                lpg_key_id(l->authority, l->authority_id);
        }
    }
    if (rc == LPG_OK && proj && proj->version && !l->rdonly)
        rc = s_state_upgrade(l, !(flags & LPG_LEDGER_NO_UPGRADE));
    if (rc == LPG_OK && proj && proj->version && l->rdonly) {
        char why[512];
        rc = lpg_ledger_state_check(l, NULL, why, sizeof why);
        if (rc == LPG_ENEWER)
            lpg_error("%s", why);
        else if (rc == LPG_ESTALE)
            rc = LPG_OK; /* read as it is: the caller says so */
    }
    if (rc == LPG_OK && l->rdonly && !(flags & S_OPEN_AS_IS) &&
        s_left_ahead(l)) {
        /* A writer died with answered records: applied by a read-write
         * open, if this process may write the ledger, then opened again
         * read-only. Else read as it is (reads say what they lack). */
        lpg_ledger_close(&l);
        lpg_ledger_t *w = NULL;
        if (lpg_ledger_open(
                &w, dir, (flags & ~LPG_LEDGER_RDONLY) | LPG_LEDGER_NO_UPGRADE,
                map_size, proj) == LPG_OK)
            lpg_ledger_close(&w);
        return lpg_ledger_open(out, dir, flags | S_OPEN_AS_IS, map_size, proj);
    }
    if (rc != LPG_OK) {
        lpg_ledger_close(&l);
        return rc;
    }
    *out = l;
    return LPG_OK;
}

void
lpg_ledger_close(lpg_ledger_t **p)
{
    if (!p || !*p)
        return;
    lpg_ledger_t *l = *p;
    lpg_ledger_flush(l);
    if (l->env)
        mdb_env_close(l->env);
    lpg_journal_close(&l->journal);
    lpg_workers_destroy(&l->workers);
    lpg_keyring_destroy(&l->keys);
    lpg_key_destroy(&l->authority);
    pthread_mutex_destroy(&l->txn_lock);
    pthread_cond_destroy(&l->txn_cond);
    free(l->dir);
    free(l);
    *p = NULL;
}

void
lpg_ledger_reader_check(lpg_ledger_t *l)
{
    int dead = 0;
    mdb_reader_check(l->env, &dead);
    if (dead)
        lpg_info("ledger: cleared %d stale reader slot(s)", dead);
}

const char *
lpg_ledger_dir(const lpg_ledger_t *l)
{
    return l->dir;
}

/* ---------------------------------------------------------------- meta */

static int
s_meta_get(MDB_txn *txn, lpg_ledger_t *l, const char *name, MDB_val *v)
{
    MDB_val k = {strlen(name), (void *)name};
    return s_err(mdb_get(txn, l->internal[S_META], &k, v), "meta");
}

int
lpg_ledger_setup(lpg_ledger_t *l, const uint8_t authority_pub[32],
                 const uint8_t ledger_pub[32], const char *origin)
{
    MDB_txn *txn;
    int rc = s_begin(l, 0, &txn);
    if (rc)
        return rc;
    MDB_val v;
    if (s_meta_get(txn, l, "authority_pub", &v) == LPG_OK) {
        mdb_txn_abort(txn);
        s_end(l);
        return LPG_EEXIST;
    }
    struct {
        const char *k;
        const void *v;
        size_t n;
    } rows[] = {
        {"authority_pub", authority_pub, 32},
        {"ledger_pub", ledger_pub, 32},
        {"origin", origin, strlen(origin)},
        {"format", S_FORMAT, strlen(S_FORMAT)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && rc == 0; i++) {
        MDB_val k = {strlen(rows[i].k), (void *)rows[i].k};
        MDB_val val = {rows[i].n, (void *)rows[i].v};
        rc = s_err(mdb_put(txn, l->internal[S_META], &k, &val, 0), "meta");
    }
    if (rc) {
        mdb_txn_abort(txn);
        s_end(l);
        return rc;
    }
    rc = s_err(mdb_txn_commit(txn), "commit");
    s_end(l);
    if (rc == LPG_OK) {
        lpg_key_destroy(&l->authority);
        rc = lpg_key_from_raw_public(&l->authority, authority_pub);
        if (rc == LPG_OK)
            lpg_key_id(l->authority, l->authority_id);
    }
    return rc;
}

int
lpg_ledger_meta(lpg_ledger_t *l, uint8_t authority_pub[32],
                uint8_t ledger_pub[32], char *origin, size_t originsz)
{
    MDB_txn *txn;
    int rc = s_begin(l, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    MDB_val v;
    rc = s_meta_get(txn, l, "authority_pub", &v);
    if (rc == LPG_OK && authority_pub) {
        if (v.mv_size != 32)
            rc = LPG_ECORRUPT;
        else
            memcpy(authority_pub, v.mv_data, 32);
    }
    if (rc == LPG_OK && ledger_pub) {
        rc = s_meta_get(txn, l, "ledger_pub", &v);
        if (rc == LPG_OK && v.mv_size != 32)
            rc = LPG_ECORRUPT;
        if (rc == LPG_OK)
            memcpy(ledger_pub, v.mv_data, 32);
    }
    if (rc == LPG_OK && origin) {
        rc = s_meta_get(txn, l, "origin", &v);
        if (rc == LPG_OK && v.mv_size >= originsz)
            rc = LPG_ERANGE;
        if (rc == LPG_OK) {
            memcpy(origin, v.mv_data, v.mv_size);
            origin[v.mv_size] = '\0';
        }
    }
    mdb_txn_abort(txn);
    s_end(l);
    return rc;
}

/* ---------------------------------------------------------------- txns */

/*  Another process may open the ledger with a larger map and grow the
 *  data past ours; LMDB then answers every mdb_txn_begin here with
 *  MDB_MAP_RESIZED until we adopt the new size with
 *  mdb_env_set_mapsize(env, 0), which it allows only while this process
 *  has no transaction open. So every transaction is counted: the thread
 *  that meets MDB_MAP_RESIZED stops new ones from starting, waits for
 *  the open ones to end (they are short; a bound keeps a bug from
 *  stalling everything), adopts the size, and every thread retries. */
#define S_RESIZE_WAIT_MS 10000
#define S_RESIZE_TRIES 4

static void
s_end(lpg_ledger_t *l)
{
    pthread_mutex_lock(&l->txn_lock);
    if (--l->txn_open == 0 && l->resizing)
        pthread_cond_broadcast(&l->txn_cond);
    pthread_mutex_unlock(&l->txn_lock);
}

static int
s_adopt_map(lpg_ledger_t *l)
{
    pthread_mutex_lock(&l->txn_lock);
    if (l->resizing) { /* another thread is at it: wait for it */
        while (l->resizing)
            pthread_cond_wait(&l->txn_cond, &l->txn_lock);
        pthread_mutex_unlock(&l->txn_lock);
        return LPG_OK;
    }
    l->resizing = true;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += S_RESIZE_WAIT_MS / 1000;
    int wrc = 0;
    while (l->txn_open > 0 && wrc == 0)
        wrc = pthread_cond_timedwait(&l->txn_cond, &l->txn_lock, &until);
    int rc = LPG_OK;
    if (l->txn_open > 0) {
        lpg_error("ledger: another process grew the map; %u transaction(s) "
                  "of this one stayed open for %d s, so the new size "
                  "cannot be adopted yet",
                  l->txn_open, S_RESIZE_WAIT_MS / 1000);
        rc = LPG_EDB;
    } else {
        MDB_envinfo before, after;
        mdb_env_info(l->env, &before);
        int mrc = mdb_env_set_mapsize(l->env, 0);
        if (mrc) {
            lpg_error("ledger: cannot adopt the map size another process "
                      "set: %s",
                      mdb_strerror(mrc));
            rc = LPG_EDB;
        } else {
            mdb_env_info(l->env, &after);
            lpg_info("ledger: another process grew the map: now %zu MiB "
                     "(was %zu MiB)",
                     after.me_mapsize >> 20, before.me_mapsize >> 20);
        }
    }
    l->resizing = false;
    pthread_cond_broadcast(&l->txn_cond);
    pthread_mutex_unlock(&l->txn_lock);
    return rc;
}

/*  A read-only open of an older layout reads tables an upgrade drops:
 *  once another process has upgraded the ledger (and said so in meta
 *  "format"), this one's handles point at nothing, and it must not
 *  answer (nothing found, no root, records of the wrong kind) but
 *  stop, and be restarted. */
static int
s_check_format(lpg_ledger_t *l, MDB_txn *txn)
{
    MDB_val k = {6, "format"}, v = {0, NULL};
    int rc = mdb_get(txn, l->internal[S_META], &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return s_err(rc, "format");
    size_t n = strlen(l->format);
    if (v.mv_size == n && (n == 0 || memcmp(v.mv_data, l->format, n) == 0))
        return LPG_OK;
    lpg_error("ledger: %s was upgraded to a new layout by a newer lpgtrace "
              "since this process opened it (layout %s): restart this "
              "process",
              l->dir, l->format[0] ? l->format : "unnamed");
    return LPG_EREOPEN;
}

/*  mdb_txn_begin, counted, adopting a map another process grew. On
 *  LPG_OK the caller ends the transaction, then calls s_end. */
static int
s_begin(lpg_ledger_t *l, unsigned flags, MDB_txn **out)
{
    for (int attempt = 0;; attempt++) {
        pthread_mutex_lock(&l->txn_lock);
        while (l->resizing)
            pthread_cond_wait(&l->txn_cond, &l->txn_lock);
        l->txn_open++;
        pthread_mutex_unlock(&l->txn_lock);
        int rc = mdb_txn_begin(l->env, NULL, flags, out);
        if (rc == 0) {
            bool rd = (flags & MDB_RDONLY) != 0;
            lpg_count(rd ? LPG_COUNT_TXN_READ : LPG_COUNT_TXN_WRITE);
            atomic_fetch_add_explicit(rd ? &l->txn_read : &l->txn_write, 1,
                                      memory_order_relaxed);
            int src = l->watch ? s_check_format(l, *out) : LPG_OK;
            if (src != LPG_OK) {
                mdb_txn_abort(*out);
                *out = NULL;
                s_end(l);
            }
            return src;
        }
        s_end(l);
        if (rc != MDB_MAP_RESIZED || attempt + 1 == S_RESIZE_TRIES)
            return s_err(rc, "begin");
        rc = s_adopt_map(l);
        if (rc != LPG_OK)
            return rc;
    }
}

static void
s_walk_close(lpg_txn_t *t)
{
    if (t->entries.c)
        mdb_cursor_close(t->entries.c);
    if (t->nodes.c)
        mdb_cursor_close(t->nodes.c);
    t->entries.c = t->nodes.c = NULL;
}

/*  The record under the 8-byte big-endian key `key` of dbi, through
 *  w's cursor in a read transaction (the next record when the cursor is
 *  on the key before), else by a look-up. An MDB error code. */
static int
s_walk_get(lpg_txn_t *t, s_walk_t *w, MDB_dbi dbi, uint64_t key, MDB_val *v)
{
    uint8_t kb[8];
    lpg_be64_put(kb, key);
    MDB_val k = {8, kb};
    if (t->write)
        return mdb_get(t->txn, dbi, &k, v);
    if (!w->c && mdb_cursor_open(t->txn, dbi, &w->c) != 0) {
        w->c = NULL;
        return mdb_get(t->txn, dbi, &k, v);
    }
    int rc;
    if (w->at && key != 0 && w->last == key - 1) {
        MDB_val nk;
        rc = mdb_cursor_get(w->c, &nk, v, MDB_NEXT);
        if (rc == 0 && nk.mv_size == 8 && memcmp(nk.mv_data, kb, 8) == 0) {
            w->last = key;
            return 0;
        }
    }
    rc = mdb_cursor_get(w->c, &k, v, MDB_SET);
    w->at = rc == 0;
    w->last = key;
    return rc;
}

/* ------------------------------------------------------------- journal
 *
 *  A small append (a lone fill check, a delivery) used to wait for
 *  LMDB's synced commit: a score of pages scattered over the file and
 *  the meta page, two syncs. It now waits for one: the transaction's
 *  writes go to the journal (journal.h) in one sequential write and one
 *  fdatasync, the caller answers, and LMDB commits as before, still
 *  synced, under the same writer lock. An answered transaction is then
 *  either in LMDB or in the journal, ahead of it:
 *
 *  - A writer that died between the two leaves the record ahead. Every
 *    write transaction, in any process, looks first (one look at the
 *    mapped header) and applies it in a transaction of its own.
 *  - A reader must not miss what was answered: a read transaction whose
 *    snapshot is behind the journal's record waits. A read-write handle
 *    takes the writer lock for a moment (the commit in flight ends; a
 *    record a dead writer left is applied); a read-only one looks again
 *    for up to S_READ_WAIT_MS, then reads what is there and says so.
 *    A thread inside a write transaction never waits (it would wait for
 *    itself): what it reads through its own transaction is current.
 *  - A big transaction (over S_JOURNAL_MAX of writes) commits the usual
 *    way: it is throughput that counts there, and the journal would
 *    write it twice. */

static _Thread_local int s_writing; /* write transactions of this thread */

static int s_begin_write(lpg_ledger_t *l, lpg_txn_t *t);

static int
s_replay_op(void *ctx, int op, unsigned cls, unsigned idx, const uint8_t *key,
            size_t klen, const uint8_t *val, size_t vlen)
{
    lpg_txn_t *t = ctx;
    MDB_dbi dbi;
    if (!s_dbi_of(t->l, cls, idx, &dbi))
        return LPG_ECORRUPT;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = op == LPG_JOURNAL_PUT ? mdb_put(t->txn, dbi, &k, &v, 0)
                                   : mdb_del(t->txn, dbi, &k, NULL);
    if (rc == MDB_KEYEXIST || (op == LPG_JOURNAL_DEL && rc == MDB_NOTFOUND))
        rc = 0; /* as it was when the record was made */
    return s_err(rc, "journal");
}

/*  The leaf hash of the entry before `size` (zero for none). */
static int
s_prev_leaf(lpg_txn_t *t, uint64_t size, uint8_t out[32])
{
    memset(out, 0, 32);
    return size ? lpg_txn_node(t, 0, size - 1, out) : LPG_OK;
}

/*  Record rec applied in t, if it follows what t holds (`at` entries,
 *  the last one's leaf hash as recorded). */
static int
s_apply_record(lpg_txn_t *t, const lpg_jrecord_t *rec, uint64_t at)
{
    if (rec->base != at || rec->end <= rec->base)
        return LPG_EINCONSISTENT;
    uint8_t leaf[32];
    int rc = s_prev_leaf(t, rec->base, leaf);
    if (rc != LPG_OK)
        return rc;
    if (rec->base != at || rec->end <= rec->base ||
        strcmp(rec->format, S_FORMAT) != 0 ||
        memcmp(leaf, rec->prev_leaf, 32) != 0)
        return LPG_EINCONSISTENT;
    rc = lpg_journal_each(rec->ops, rec->ops_len, s_replay_op, t);
    uint64_t now = 0;
    if (rc == LPG_OK)
        rc = lpg_txn_size(t, &now);
    if (rc == LPG_OK && now != rec->end)
        rc = LPG_ECORRUPT;
    return rc;
}

/*  At a write transaction's start (t, just begun): records ahead of the
 *  ledger are applied and committed, *again set if so (the caller begins
 *  anew). A torn first record is dropped; records that do not follow
 *  this ledger stop every write until someone looks. */
static int
s_catch_up(lpg_txn_t *t, bool *again)
{
    lpg_ledger_t *l = t->l;
    *again = false;
    uint64_t size = 0;
    int rc = lpg_txn_size(t, &size);
    if (rc != LPG_OK || !lpg_journal_ahead(l->journal, size, NULL))
        return rc;
    lpg_jrecord_t rec;
    uint64_t off = 0, next = 0, at = size;
    unsigned n = 0;
    for (;; off = next) {
        rc = lpg_journal_read(l->journal, off, &rec, &next);
        if (rc == LPG_ENOTFOUND && n == 0) {
            lpg_warn("ledger: %s: the journal's record was torn by a crash "
                     "before it was synced, so it was never answered: "
                     "dropped",
                     l->dir);
            return lpg_journal_clear(l->journal);
        }
        if (rc == LPG_ENOTFOUND || (n > 0 && rec.base != at)) {
            rc = LPG_OK; /* the end, torn (never answered) or an older one's */
            break;
        }
        if (rc != LPG_OK)
            return rc;
        if (n == 0 && rec.end <= size)
            return LPG_OK; /* committed meanwhile */
        rc = s_apply_record(t, &rec, at);
        if (rc != LPG_OK)
            break;
        at = rec.end;
        n++;
    }
    if (rc == LPG_EINCONSISTENT) {
        lpg_error("ledger: %s: the journal holds answered entries %llu to "
                  "%llu (layout %s) that do not follow this ledger (%llu "
                  "entries, layout %s): was the ledger replaced? Nothing is "
                  "written until the file %s/%s is looked at and moved aside",
                  l->dir, (unsigned long long)rec.base,
                  (unsigned long long)rec.end - 1, rec.format,
                  (unsigned long long)at, S_FORMAT, l->dir, LPG_JOURNAL_FILE);
        return LPG_ECORRUPT;
    }
    if (rc == LPG_OK) {
        MDB_env *env = l->env;
        rc = s_err(s_disk_full(mdb_txn_commit(t->txn), env), "commit");
        t->txn = NULL;
        s_end(l);
        *again = true;
    }
    if (rc == LPG_OK)
        lpg_info("ledger: %s: applied the journal's %u record(s) of entries "
                 "%llu to %llu, answered by a writer that stopped before its "
                 "commit",
                 l->dir, n, (unsigned long long)size,
                 (unsigned long long)at - 1);
    else
        lpg_error("ledger: %s: cannot apply the journal's records of entries "
                  "from %llu: %s (nothing is written until they are)",
                  l->dir, (unsigned long long)size, lpg_strerror(rc));
    return rc;
}

/*  Begins t's write transaction, a journal record left ahead applied
 *  first. */
static int
s_begin_write(lpg_ledger_t *l, lpg_txn_t *t)
{
    for (int i = 0; i < 8; i++) {
        int rc = s_begin(l, 0, &t->txn);
        if (rc != LPG_OK || !l->journal_write)
            return rc;
        bool again;
        rc = s_catch_up(t, &again);
        if (rc != LPG_OK) {
            if (t->txn) {
                mdb_txn_abort(t->txn);
                s_end(l);
            }
            t->txn = NULL;
            return rc;
        }
        if (!again)
            return LPG_OK;
    }
    return LPG_EDB; /* writers crashing one after another */
}

static int
s_txn_begin(lpg_ledger_t *l, bool write, lpg_txn_t **out)
{
    *out = NULL;
    if (write && l->rdonly)
        return LPG_EPERM;
    lpg_txn_t *t = calloc(1, sizeof *t);
    if (!t)
        return LPG_ENOMEM;
    t->l = l;
    t->write = write;
    if (write && l->in_place)
        s_scratch_room(l);
    int rc = write ? s_begin_write(l, t) : s_begin(l, MDB_RDONLY, &t->txn);
    if (rc) {
        free(t);
        return rc;
    }
    if (write)
        s_writing++;
    *out = t;
    return LPG_OK;
}

/*  A read transaction that misses nothing answered (see "journal"). */
int
lpg_ledger_read(lpg_ledger_t *l, lpg_txn_t **out)
{
    uint64_t deadline = 0;
    for (;;) {
        int rc = s_txn_begin(l, false, out);
        uint64_t size = 0, end = 0;
        if (rc != LPG_OK || !l->journal || s_writing > 0 ||
            lpg_txn_size(*out, &size) != LPG_OK ||
            !lpg_journal_ahead(l->journal, size, &end))
            return rc;
        uint64_t now = s_mono_ns();
        if (!deadline)
            deadline = now + (uint64_t)S_READ_WAIT_MS * 1000000;
        if (now >= deadline) {
            if (atomic_exchange(&l->warned_end, end) != end)
                lpg_warn("ledger: %s: the journal holds answered entries up "
                         "to %llu that no writer has applied yet: read "
                         "without them (any service or writing command "
                         "applies them)",
                         l->dir, (unsigned long long)end - 1);
            return LPG_OK;
        }
        lpg_txn_abort(out);
        if (l->journal_write) {
            lpg_txn_t *w = NULL;
            rc = s_txn_begin(l, true, &w); /* the commit in flight ends */
            lpg_txn_abort(&w);
            if (rc != LPG_OK)
                deadline = 1; /* said why; read what there is */
        } else {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
}

/*  A read transaction as it comes: for the work a service does before
 *  its own next write transaction, which sees everything. */
int
lpg_ledger_read_now(lpg_ledger_t *l, lpg_txn_t **out)
{
    return s_txn_begin(l, false, out);
}

int
lpg_ledger_write(lpg_ledger_t *l, lpg_txn_t **out)
{
    return s_txn_begin(l, true, out);
}

void
lpg_txn_abort(lpg_txn_t **p)
{
    if (!p || !*p)
        return;
    s_walk_close(*p);
    mdb_txn_abort((*p)->txn);
    s_end((*p)->l);
    if ((*p)->write)
        s_writing--;
    free(*p);
    *p = NULL;
}

int
lpg_txn_commit(lpg_txn_t **p)
{
    MDB_env *env = (*p)->l->env;
    s_walk_close(*p);
    int rc = s_err(
        s_scratch_full((*p)->l, s_disk_full(mdb_txn_commit((*p)->txn), env)),
        "commit");
    s_end((*p)->l);
    if ((*p)->write)
        s_writing--;
    free(*p);
    *p = NULL;
    return rc;
}

int
lpg_txn_size(lpg_txn_t *t, uint64_t *out)
{
    MDB_stat st;
    int rc = mdb_stat(t->txn, t->l->internal[S_ENTRIES], &st);
    if (rc)
        return s_err(rc, "stat");
    *out = st.ms_entries;
    return LPG_OK;
}

int
lpg_txn_entry(lpg_txn_t *t, uint64_t seq, const uint8_t **data, size_t *len)
{
    MDB_val v = {0, NULL};
    int rc = s_walk_get(t, &t->entries, t->l->internal[S_ENTRIES], seq, &v);
    *data = rc ? NULL : v.mv_data;
    *len = rc ? 0 : v.mv_size;
    return rc ? s_err(rc, "entry") : LPG_OK;
}

/*  Node (level, index) covers leaves [a, n), n = (index + 1) << level,
 *  and is made when leaf n - 1 is appended, with its parents up to the
 *  level of n's trailing zero bits: the last of those is the
 *  (2n - popcount(n))-th node made, and each level below comes one
 *  before the level above. */
int
lpg_node_key(uint8_t out[8], unsigned level, uint64_t index)
{
    if (level > 62 || index >= (UINT64_MAX >> (level + 2)))
        return LPG_ERANGE;
    uint64_t n = (index + 1) << level;
    unsigned top = (unsigned)__builtin_ctzll(n);
    uint64_t made = 2 * n - (uint64_t)__builtin_popcountll(n);
    lpg_be64_put(out, made - 1 - (top - level));
    return LPG_OK;
}

/*  The stored key of a node: 9 bytes (level, index) in a ledger written
 *  before, read only; else lpg_node_key's 8. */
static int
s_node_key(const lpg_ledger_t *l, uint8_t kb[9], unsigned level,
           uint64_t index, size_t *klen)
{
    if (l->old_nodes) {
        kb[0] = (uint8_t)level;
        lpg_be64_put(kb + 1, index);
        *klen = 9;
        return LPG_OK;
    }
    *klen = 8;
    return lpg_node_key(kb, level, index);
}

int
lpg_txn_node(lpg_txn_t *t, unsigned level, uint64_t index, uint8_t out[32])
{
    uint8_t kb[9];
    size_t klen;
    if (s_node_key(t->l, kb, level, index, &klen) != LPG_OK)
        return LPG_ENOTFOUND;
    MDB_val k = {klen, kb}, v = {0, NULL};
    int rc = klen == 8 ? s_walk_get(t, &t->nodes, t->l->internal[S_NODES],
                                    lpg_be64_get(kb), &v)
                       : mdb_get(t->txn, t->l->internal[S_NODES], &k, &v);
    if (rc)
        return s_err(rc, "node");
    if (v.mv_size != 32)
        return LPG_ECORRUPT;
    memcpy(out, v.mv_data, 32);
    return LPG_OK;
}

static int
s_node_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    return lpg_txn_node(ctx, level, index, out);
}

static int
s_node_put(void *ctx, unsigned level, uint64_t index, const uint8_t h[32])
{
    lpg_txn_t *t = ctx;
    uint8_t kb[9];
    size_t klen;
    int rc = s_node_key(t->l, kb, level, index, &klen);
    if (rc != LPG_OK)
        return rc;
    MDB_val k = {klen, kb}, v = {32, (void *)h};
    /* nodes come in the order of their keys: each goes at the end */
    int mrc = s_put(t, S_CLS_INTERNAL, S_NODES, &k, &v, MDB_APPEND);
    if (mrc == MDB_KEYEXIST)
        mrc = s_put(t, S_CLS_INTERNAL, S_NODES, &k, &v, 0);
    return s_err(mrc, "node");
}

int
lpg_txn_get(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
            const void **val, size_t *vlen)
{
    if (klen == 0 || t->l->absent[table])
        return LPG_ENOTFOUND; /* no record has an empty id */
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t->txn, t->l->tables[table], &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? LPG_ENOTFOUND : s_err(rc, "get");
    *val = v.mv_data;
    *vlen = v.mv_size;
    return LPG_OK;
}

int
lpg_txn_put(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
            const void *val, size_t vlen)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    return s_err(s_put(t, S_CLS_TABLE, table, &k, &v, 0), "put");
}

/*  Chains: adds seq under key, after the key's newest seq. */
static int
s_chain_add(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
            uint64_t seq)
{
    MDB_txn *txn = t->txn;
    MDB_val k, v;
    uint8_t sb[8], prev[8], hb[512];
    if (s_head_key(t->l, table, key, klen, hb, &k) != LPG_OK)
        return LPG_ERANGE;
    lpg_be64_put(sb, seq);
    int rc = mdb_get(txn, t->l->tables[table], &k, &v);
    size_t plen = 0;
    if (rc == 0) {
        if (v.mv_size != 8)
            return LPG_ECORRUPT;
        uint64_t last = lpg_be64_get(v.mv_data);
        if (last == seq)
            return LPG_OK; /* indexed already */
        if (last > seq)
            return LPG_ERANGE; /* a chain only grows */
        memcpy(prev, v.mv_data, 8);
        plen = 8;
    } else if (rc != MDB_NOTFOUND)
        return s_err(rc, "index");
    MDB_val ck = {8, sb}, cv = {plen, prev};
    rc = s_put(t, S_CLS_CHAIN, table, &ck, &cv, MDB_APPEND);
    if (rc == MDB_KEYEXIST) /* not the newest seq: a plain put */
        rc = s_put(t, S_CLS_CHAIN, table, &ck, &cv, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return LPG_ECORRUPT; /* this seq has a key of this index already */
    MDB_val hv = {8, sb};
    if (rc == 0)
        rc = s_put(t, S_CLS_TABLE, table, &k, &hv, 0);
    if (rc == 0)
        rc = s_mark(t->l, txn, t->jr, table, key, klen, seq,
                    plen ? prev : NULL);
    return s_err(rc, "index");
}

/*  Marks: where the seqs of key up to `to` begin, newest first: the
 *  first mark past to's bucket. *found false: no such mark (start from
 *  the head); else *v is that mark's seq (empty: none up to `to`). */
static int
s_mark_start(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
             uint64_t to, MDB_val *v, bool *found)
{
    *found = false;
    uint8_t mb[520];
    MDB_val mk;
    if (s_mark_key(key, klen, (to >> S_MARK_BITS) + 1, mb, &mk) != LPG_OK)
        return LPG_OK;
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->l->marks[table], &c);
    if (rc)
        return s_err(rc, "marks");
    MDB_val k = mk;
    rc = mdb_cursor_get(c, &k, v, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size == klen + 9 &&
        memcmp(k.mv_data, mb, klen + 1) == 0)
        *found = true;
    mdb_cursor_close(c);
    if (rc && rc != MDB_NOTFOUND)
        return s_err(rc, "marks");
    if (*found && v->mv_size != 8 && v->mv_size != 0)
        return LPG_ECORRUPT;
    return LPG_OK;
}

/*  Chains: the seqs in [from, to] under key, oldest first, into *out
 *  (caller frees). Read from the key's newest seq back, or with marks
 *  and a `to` (not UINT64_MAX), from the newest at or before the end of
 *  to's bucket. */
static int
s_chain_get(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
            uint64_t from, uint64_t to, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    MDB_val k, v;
    uint8_t hb[512];
    bool marked = false;
    int rc;
    if (to != UINT64_MAX && t->l->has_marks[table]) {
        rc = s_mark_start(t, table, key, klen, to, &v, &marked);
        if (rc != LPG_OK)
            return rc;
    }
    if (!marked) {
        if (s_head_key(t->l, table, key, klen, hb, &k) != LPG_OK)
            return LPG_OK; /* no such key */
        rc = mdb_get(t->txn, t->l->tables[table], &k, &v);
        if (rc == MDB_NOTFOUND)
            return LPG_OK;
        if (rc)
            return s_err(rc, "index");
    }
    size_t cap = 0;
    uint64_t *seqs = NULL, above = UINT64_MAX;
    while (v.mv_size == 8) {
        uint64_t seq = lpg_be64_get(v.mv_data);
        lpg_count(LPG_COUNT_CHAIN_STEP);
        if (seq >= above) {
            free(seqs);
            return LPG_ECORRUPT; /* a chain goes back in the log */
        }
        above = seq;
        if (seq < from)
            break;
        if (seq <= to) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 16;
                uint64_t *more = realloc(seqs, cap * sizeof *seqs);
                if (!more) {
                    free(seqs);
                    return LPG_ENOMEM;
                }
                seqs = more;
            }
            seqs[(*n)++] = seq;
        }
        MDB_val ck = {8, v.mv_data};
        rc = mdb_get(t->txn, t->l->chains[table], &ck, &v);
        if (rc) {
            free(seqs);
            return rc == MDB_NOTFOUND ? LPG_ECORRUPT : s_err(rc, "index");
        }
    }
    if (v.mv_size != 8 && v.mv_size != 0) {
        free(seqs);
        return LPG_ECORRUPT;
    }
    for (size_t i = 0; i < *n / 2; i++) {
        uint64_t x = seqs[i];
        seqs[i] = seqs[*n - 1 - i];
        seqs[*n - 1 - i] = x;
    }
    *out = seqs;
    return LPG_OK;
}

static int
s_chain_each(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
             uint64_t from, uint64_t to, lpg_seq_fn fn, void *ctx)
{
    uint64_t *seqs = NULL;
    size_t n = 0;
    int rc = s_chain_get(t, table, key, klen, from, to, &seqs, &n);
    for (size_t i = 0; i < n && rc == LPG_OK; i++)
        rc = fn(ctx, seqs[i]);
    free(seqs);
    return rc;
}

/*  Every record of dbi in key order to fn. An index's heads kept in
 *  table host's records (s_is_head; host -1: none) are given alone, their
 *  marker byte cut off, with heads; else they are left out. */
static int
s_walk_rows(lpg_txn_t *t, MDB_dbi dbi, int host, bool heads, lpg_foreach_fn fn,
            void *ctx)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, dbi, &c);
    if (rc)
        return s_err(rc, "cursor");
    MDB_val k, v;
    int ret = LPG_OK;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && ret == LPG_OK;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        size_t klen = k.mv_size;
        bool head = host >= 0 && s_is_head(t->l, host, &k);
        if (head != heads)
            continue; /* asked for the heads, or for the rest */
        ret = fn(ctx, k.mv_data, head ? klen - 1 : klen, v.mv_data, v.mv_size);
    }
    mdb_cursor_close(c);
    if (ret == LPG_OK && rc != MDB_NOTFOUND)
        ret = s_err(rc, "cursor");
    return ret;
}

typedef struct {
    lpg_txn_t *t;
    lpg_table_t table;
    lpg_foreach_fn fn;
    void *ctx;
} s_expand_t;

/*  One head of a chained index: its key's seqs, oldest first, to fn. */
static int
s_expand_head(void *ctx, const void *key, size_t klen, const void *val,
              size_t vlen)
{
    s_expand_t *x = ctx;
    uint64_t *seqs = NULL;
    size_t n = 0;
    int ret = s_chain_get(x->t, x->table, key, klen, 0, UINT64_MAX, &seqs, &n);
    for (size_t i = 0; i < n && ret == LPG_OK; i++) {
        uint8_t sb[8];
        lpg_be64_put(sb, seqs[i]);
        ret = x->fn(x->ctx, key, klen, sb, 8);
    }
    free(seqs);
    return ret;
}

/*  Chains: every (key, seq) pair in key order, as the duplicates were. */
static int
s_chain_foreach(lpg_txn_t *t, lpg_table_t table, lpg_foreach_fn fn, void *ctx)
{
    s_expand_t x = {t, table, fn, ctx};
    bool hosted = t->l->hosted[table];
    return s_walk_rows(t, t->l->tables[table],
                       hosted ? s_head_host(table) : -1, hosted, s_expand_head,
                       &x);
}

int
lpg_ledger_index_hook(lpg_ledger_t *l, lpg_index_fn fn, void *ctx)
{
    if (!l->scratch)
        return LPG_EPERM; /* a ledger that is kept stores its indexes */
    l->index_hook = fn;
    l->index_ctx = ctx;
    return LPG_OK;
}

int
lpg_txn_index(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
              uint64_t seq)
{
    if (t->l->chained[table] && t->l->index_hook)
        return t->l->index_hook(t->l->index_ctx, table, key, klen, seq);
    if (t->l->chained[table])
        return s_chain_add(t, table, key, klen, seq);
    uint8_t sb[8];
    lpg_be64_put(sb, seq);
    MDB_val k = {klen, (void *)key}, v = {8, sb};
    int rc = s_put(t, S_CLS_TABLE, table, &k, &v, MDB_NODUPDATA);
    return rc == MDB_KEYEXIST ? LPG_OK : s_err(rc, "index");
}

bool
lpg_txn_chained(const lpg_txn_t *t, lpg_table_t table)
{
    return (unsigned)table < LPG_TABLE_COUNT && t->l->chained[table];
}

bool
lpg_txn_marked(const lpg_txn_t *t, lpg_table_t table)
{
    return lpg_txn_chained(t, table) && t->l->has_marks[table];
}

int
lpg_index_mark(const void *key, size_t klen, uint64_t seq, bool has_prev,
               uint64_t prev, uint8_t out[520], size_t *outlen)
{
    *outlen = 0;
    uint64_t bucket = seq >> S_MARK_BITS;
    if (has_prev && prev >> S_MARK_BITS == bucket)
        return LPG_OK;
    MDB_val mk;
    if (s_mark_key(key, klen, bucket, out, &mk) != LPG_OK)
        return LPG_ERANGE;
    *outlen = mk.mv_size;
    return LPG_OK;
}

int
lpg_txn_foreach_stored(lpg_txn_t *t, lpg_table_t table, lpg_foreach_fn fn,
                       void *ctx)
{
    if (!lpg_txn_chained(t, table))
        return lpg_txn_foreach(t, table, fn, ctx);
    bool hosted = t->l->hosted[table];
    int rc = s_walk_rows(t, t->l->tables[table],
                         hosted ? s_head_host(table) : -1, hosted, fn, ctx);
    if (rc == LPG_OK) /* no head has an empty key */
        rc = fn(ctx, "", 0, "", 0);
    if (rc == LPG_OK)
        rc = s_walk_rows(t, t->l->chains[table], -1, false, fn, ctx);
    if (rc == LPG_OK && t->l->has_marks[table]) {
        rc = fn(ctx, "", 0, "", 0); /* no link has an empty key either */
        if (rc == LPG_OK)
            rc = s_walk_rows(t, t->l->marks[table], -1, false, fn, ctx);
    }
    return rc;
}

int
lpg_txn_foreach(lpg_txn_t *t, lpg_table_t table, lpg_foreach_fn fn, void *ctx)
{
    if (t->l->chained[table])
        return s_chain_foreach(t, table, fn, ctx);
    if (t->l->absent[table])
        return LPG_OK;
    /* its own records: another index's heads kept here are left out */
    return s_walk_rows(t, t->l->tables[table], table, false, fn, ctx);
}

int
lpg_txn_seqs(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
             lpg_seq_fn fn, void *ctx)
{
    if (klen == 0)
        return LPG_OK; /* no record has an empty id */
    if (t->l->chained[table])
        return s_chain_each(t, table, key, klen, 0, UINT64_MAX, fn, ctx);
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->l->tables[table], &c);
    if (rc)
        return s_err(rc, "cursor");
    MDB_val k = {klen, (void *)key}, v;
    int ret = LPG_OK;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
        if (v.mv_size != 8) {
            ret = LPG_ECORRUPT;
            break;
        }
        ret = fn(ctx, lpg_be64_get(v.mv_data));
        if (ret != LPG_OK)
            break;
    }
    mdb_cursor_close(c);
    if (ret == LPG_OK && rc != MDB_NOTFOUND)
        ret = s_err(rc, "cursor");
    return ret;
}

/*  The seqs in [from, to] under key, in order (see lpg_txn_seqs_range). */
static int
s_seqs_range(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
             uint64_t from, uint64_t to, lpg_seq_fn fn, void *ctx)
{
    if (klen == 0 || from > to)
        return LPG_OK; /* no record has an empty id */
    if (t->l->chained[table])
        return s_chain_each(t, table, key, klen, from, to, fn, ctx);
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->l->tables[table], &c);
    if (rc)
        return s_err(rc, "cursor");
    /* Duplicates are 8-byte big-endian seqs: byte order is seq order, so
     * MDB_GET_BOTH_RANGE lands on the first one >= from. */
    uint8_t sb[8];
    lpg_be64_put(sb, from);
    MDB_val k = {klen, (void *)key}, v = {8, sb};
    int ret = LPG_OK;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
        if (v.mv_size != 8) {
            ret = LPG_ECORRUPT;
            break;
        }
        uint64_t seq = lpg_be64_get(v.mv_data);
        if (seq > to)
            break;
        ret = fn(ctx, seq);
        if (ret != LPG_OK)
            break;
    }
    mdb_cursor_close(c);
    if (ret == LPG_OK && rc != 0 && rc != MDB_NOTFOUND)
        ret = s_err(rc, "cursor");
    return ret;
}

int
lpg_txn_seqs_from(lpg_txn_t *t, lpg_table_t table, const void *key,
                  size_t klen, uint64_t from, lpg_seq_fn fn, void *ctx)
{
    return s_seqs_range(t, table, key, klen, from, UINT64_MAX, fn, ctx);
}

int
lpg_txn_seqs_range(lpg_txn_t *t, lpg_table_t table, const void *key,
                   size_t klen, uint64_t first, uint64_t last, lpg_seq_fn fn,
                   void *ctx)
{
    return s_seqs_range(t, table, key, klen, first, last, fn, ctx);
}

int
lpg_txn_recorded_at(lpg_txn_t *t, uint64_t seq, uint64_t *ms)
{
    const uint8_t *data;
    size_t len;
    int rc = lpg_txn_entry(t, seq, &data, &len);
    if (rc != LPG_OK)
        return rc;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    if (!e)
        return LPG_ECORRUPT;
    *ms = e->recorded_at_ms;
    lpg__ledger_entry__free_unpacked(e, NULL);
    return LPG_OK;
}

int
lpg_txn_seq_at(lpg_txn_t *t, uint64_t ms, uint64_t *seq)
{
    uint64_t lo = 0, hi = 0;
    int rc = lpg_txn_size(t, &hi);
    while (rc == LPG_OK && lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, at = 0;
        rc = lpg_txn_recorded_at(t, mid, &at);
        if (rc == LPG_OK && at < ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (rc == LPG_OK)
        *seq = lo;
    return rc;
}

int
lpg_txn_clear_state(lpg_txn_t *t)
{
    for (int i = 0; i < LPG_TABLE_COUNT; i++) {
        int rc = mdb_drop(t->txn, t->l->tables[i], 0);
        if (rc == 0 && t->l->chained[i])
            rc = mdb_drop(t->txn, t->l->chains[i], 0);
        if (rc == 0 && t->l->has_marks[i])
            rc = mdb_drop(t->txn, t->l->marks[i], 0);
        if (rc)
            return s_err(rc, "clear");
    }
    return LPG_OK;
}

/* ---------------------------------------------------- the state's version */

/*  The projection's version that wrote the state tables: meta
 *  "projection", in decimal. Absent: a ledger written before versions
 *  were kept (or an empty one never opened read-write). */
#define S_META_PROJECTION "projection"

static int
s_state_version(MDB_txn *txn, lpg_ledger_t *l, uint32_t *out)
{
    *out = 0;
    MDB_val v;
    int rc = s_meta_get(txn, l, S_META_PROJECTION, &v);
    if (rc == LPG_ENOTFOUND)
        return LPG_OK;
    if (rc != LPG_OK)
        return rc;
    char text[12];
    if (v.mv_size == 0 || v.mv_size >= sizeof text)
        return LPG_ECORRUPT;
    memcpy(text, v.mv_data, v.mv_size);
    text[v.mv_size] = '\0';
    char *end;
    unsigned long n = strtoul(text, &end, 10);
    if (*end || n == 0 || n > UINT32_MAX)
        return LPG_ECORRUPT;
    *out = (uint32_t)n;
    return LPG_OK;
}

static int
s_state_version_put(MDB_txn *txn, lpg_ledger_t *l, uint32_t version)
{
    char text[12];
    int n = snprintf(text, sizeof text, "%u", (unsigned)version);
    MDB_val k = {strlen(S_META_PROJECTION), (void *)S_META_PROJECTION};
    MDB_val v = {(size_t)n, text};
    return s_err(mdb_put(txn, l->internal[S_META], &k, &v, 0), "meta");
}

static void
s_why_stale(char *why, size_t whysz, const char *dir, uint32_t stored,
            uint32_t want)
{
    char from[32] = "no recorded version";
    if (stored)
        snprintf(from, sizeof from, "version %u", (unsigned)stored);
    snprintf(why, whysz,
             "ledger: %s: the state tables were projected by %s of the "
             "rules, older than this program's version %u: they are "
             "rebuilt from the log by the next start of any service "
             "(lpg-registryd, lpg-fillingd, ...) or by 'lpgtrace rebuild'; "
             "until then they miss what the newer rules record",
             dir, from, (unsigned)want);
}

static void
s_why_newer(char *why, size_t whysz, const char *dir, uint32_t stored,
            uint32_t want)
{
    snprintf(why, whysz,
             "ledger: %s: the state tables were projected by version %u of "
             "the rules, newer than this program's version %u: a newer "
             "lpgtrace wrote this ledger; run the newer programs (going "
             "back to an older version is not supported)",
             dir, (unsigned)stored, (unsigned)want);
}

/*  The stored projection version (0: none) and the log's size, in t. */
static int
s_state_read(lpg_txn_t *t, uint32_t *had, uint64_t *n)
{
    int rc = s_state_version(t->txn, t->l, had);
    if (rc == LPG_OK)
        rc = lpg_txn_size(t, n);
    return rc;
}

/*  Is a state of version had, over a log of n entries, version want's?
 *  (Nothing is projected from an empty log yet: any older one is.) */
static bool
s_state_fits(uint32_t want, uint32_t had, uint64_t n)
{
    return !want || had == want || (n == 0 && had < want);
}

bool
lpg_txn_state_current(lpg_txn_t *t)
{
    uint32_t want = t->l->proj ? t->l->proj->version : 0, had = 0;
    uint64_t n = 0;
    return s_state_read(t, &had, &n) == LPG_OK && s_state_fits(want, had, n);
}

int
lpg_ledger_state_check(lpg_ledger_t *l, uint32_t *stored, char *why,
                       size_t whysz)
{
    if (stored)
        *stored = 0;
    if (why && whysz)
        *why = '\0';
    uint32_t want = l->proj ? l->proj->version : 0;
    lpg_txn_t *t = NULL;
    uint32_t had = 0;
    uint64_t n = 0;
    int rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = s_state_read(t, &had, &n);
    lpg_txn_abort(&t);
    if (rc != LPG_OK)
        return rc;
    if (stored)
        *stored = had;
    if (s_state_fits(want, had, n))
        return LPG_OK;
    if (had > want) {
        if (why)
            s_why_newer(why, whysz, l->dir, had, want);
        return LPG_ENEWER;
    }
    if (why)
        s_why_stale(why, whysz, l->dir, had, want);
    return LPG_ESTALE;
}

int
lpg_txn_rebuild_state(lpg_txn_t *t,
                      void (*progress)(void *ctx, uint64_t done,
                                       uint64_t total),
                      void *ctx, uint64_t *entries)
{
    *entries = 0;
    const lpg_projection_t *proj = t->l->proj;
    if (!proj)
        return LPG_EPERM;
    uint64_t n = 0;
    int rc = lpg_txn_size(t, &n);
    if (rc == LPG_OK)
        rc = lpg_txn_clear_state(t);
    for (uint64_t seq = 0; rc == LPG_OK && seq < n; seq++) {
        const uint8_t *data;
        size_t len;
        rc = lpg_txn_entry(t, seq, &data, &len);
        Lpg__LedgerEntry *e =
            rc == LPG_OK ? lpg__ledger_entry__unpack(NULL, len, data) : NULL;
        lpg_event_t ev;
        if (rc == LPG_OK &&
            (!e || lpg_event_decode(&ev, e->signed_event.data,
                                    e->signed_event.len, NULL, 0) != LPG_OK)) {
            lpg_error("rebuild: entry %llu does not decode: run lpgtrace "
                      "verify",
                      (unsigned long long)seq);
            rc = LPG_ECORRUPT;
        } else if (rc == LPG_OK) {
            rc = proj->apply(t, seq, e->recorded_at_ms, &ev,
                             ev.signed_event->key_id.data, e->outcome);
            lpg_event_clear(&ev);
        }
        if (e)
            lpg__ledger_entry__free_unpacked(e, NULL);
        if (progress && seq % 4096 == 0)
            progress(ctx, seq, n);
    }
    if (rc == LPG_OK && proj->version)
        rc = s_state_version_put(t->txn, t->l, proj->version);
    if (rc == LPG_OK)
        *entries = n;
    return rc;
}

/*  At a read-write open: the state to this program's version (see
 *  lpg_ledger_open). */
static int
s_state_upgrade(lpg_ledger_t *l, bool rebuild)
{
    uint32_t want = l->proj->version;
    char why[512];
    lpg_txn_t *t = NULL;
    uint32_t had = 0;
    uint64_t n = 0;
    /* Most opens find the version stored: a read, no writer's lock. */
    int rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = s_state_version(t->txn, l, &had);
    lpg_txn_abort(&t);
    if (rc == LPG_OK && had == want)
        return LPG_OK;
    /* Again under the writer's lock: another process may have upgraded
     * the state while this one waited for it. */
    if (rc == LPG_OK)
        rc = lpg_ledger_write(l, &t);
    if (rc == LPG_OK)
        rc = s_state_read(t, &had, &n);
    if (rc != LPG_OK || had == want) {
        lpg_txn_abort(&t);
        return rc;
    }
    if (had > want) {
        lpg_txn_abort(&t);
        s_why_newer(why, sizeof why, l->dir, had, want);
        lpg_error("%s", why);
        return LPG_ENEWER;
    }
    if (n > 0 && !rebuild) {
        lpg_txn_abort(&t);
        return LPG_OK; /* the caller rebuilds (lpgtrace rebuild) */
    }
    if (n == 0) {
        /* Nothing projected yet: the tables are this version's. */
        rc = s_state_version_put(t->txn, l, want);
        if (rc != LPG_OK) {
            lpg_txn_abort(&t);
            return rc;
        }
        return lpg_txn_commit(&t);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Version by version in place where the projection can (a state
     * with no recorded version is older than any step); else a replay,
     * which clears whatever the steps wrote. */
    bool stepped = had > 0 && l->proj->step;
    lpg_ledger_sequential(l, true);
    for (uint32_t v = had; stepped && rc == LPG_OK && v < want; v++)
        rc = l->proj->step(t, v, &stepped);
    if (rc == LPG_OK && stepped)
        rc = s_state_version_put(t->txn, l, want);
    else if (rc == LPG_OK)
        rc = lpg_txn_rebuild_state(t, NULL, NULL, &n);
    lpg_ledger_sequential(l, false);
    if (rc == LPG_OK)
        rc = lpg_txn_commit(&t);
    else
        lpg_txn_abort(&t);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    char from[32] = "no recorded version";
    if (had)
        snprintf(from, sizeof from, "version %u", (unsigned)had);
    if (rc == LPG_OK)
        lpg_info("ledger: %s: upgraded the state tables from %s to version "
                 "%u: %s %llu entries of the log in %.2f s",
                 l->dir, from, (unsigned)want,
                 stepped ? "in place, over" : "rebuilt from",
                 (unsigned long long)n, secs);
    else
        lpg_error("ledger: %s: upgrading the state tables from %s to "
                  "version %u failed after %.2f s: %s (they are left as "
                  "they were)",
                  l->dir, from, (unsigned)want, secs, lpg_strerror(rc));
    return rc;
}

/* ---------------------------------------------------------- tree reads */

int
lpg_ledger_size(lpg_ledger_t *l, uint64_t *out)
{
    lpg_txn_t *t;
    int rc = lpg_ledger_read(l, &t);
    if (rc)
        return rc;
    rc = lpg_txn_size(t, out);
    lpg_txn_abort(&t);
    return rc;
}

int
lpg_ledger_root(lpg_ledger_t *l, uint64_t size, uint8_t root[32])
{
    lpg_txn_t *t;
    int rc = lpg_ledger_read(l, &t);
    if (rc)
        return rc;
    uint64_t n = 0;
    rc = lpg_txn_size(t, &n);
    if (rc == LPG_OK && size > n)
        rc = LPG_ERANGE;
    if (rc == LPG_OK)
        rc = lpg_merkle_root(s_node_get, t, size, root);
    lpg_txn_abort(&t);
    return rc;
}

int
lpg_ledger_inclusion_proof(lpg_ledger_t *l, uint64_t index, uint64_t size,
                           lpg_hash_t proof[LPG_MERKLE_MAX_PROOF], size_t *n)
{
    lpg_txn_t *t;
    int rc = lpg_ledger_read(l, &t);
    if (rc)
        return rc;
    uint64_t have = 0;
    rc = lpg_txn_size(t, &have);
    if (rc == LPG_OK && (size > have || index >= size))
        rc = LPG_ERANGE;
    if (rc == LPG_OK)
        rc = lpg_merkle_inclusion_proof(s_node_get, t, index, size, proof, n);
    lpg_txn_abort(&t);
    return rc;
}

int
lpg_ledger_consistency_proof(lpg_ledger_t *l, uint64_t size1, uint64_t size2,
                             lpg_hash_t proof[LPG_MERKLE_MAX_PROOF], size_t *n)
{
    lpg_txn_t *t;
    int rc = lpg_ledger_read(l, &t);
    if (rc)
        return rc;
    uint64_t have = 0;
    rc = lpg_txn_size(t, &have);
    if (rc == LPG_OK && (size2 > have || size1 == 0 || size1 > size2))
        rc = LPG_ERANGE;
    if (rc == LPG_OK)
        rc = lpg_merkle_consistency_proof(s_node_get, t, size1, size2, proof,
                                          n);
    lpg_txn_abort(&t);
    return rc;
}

/* --------------------------------------------------------- checkpoints */

int
lpg_ledger_checkpoint_put(lpg_ledger_t *l, uint64_t size, const char *note)
{
    lpg_txn_t *t;
    int rc = lpg_ledger_write(l, &t);
    if (rc)
        return rc;
    uint8_t kb[8];
    lpg_be64_put(kb, size);
    MDB_val k = {8, kb}, v = {strlen(note), (void *)note};
    rc = s_err(mdb_put(t->txn, l->internal[S_CHECKPOINTS], &k, &v, 0),
               "checkpoint");
    if (rc) {
        lpg_txn_abort(&t);
        return rc;
    }
    return lpg_txn_commit(&t);
}

int
lpg_ledger_checkpoint_latest(lpg_ledger_t *l, uint64_t *size, char **note)
{
    *note = NULL;
    lpg_txn_t *t;
    int rc = lpg_ledger_read(l, &t);
    if (rc)
        return rc;
    MDB_cursor *c;
    rc = s_err(mdb_cursor_open(t->txn, l->internal[S_CHECKPOINTS], &c),
               "cursor");
    if (rc == LPG_OK) {
        MDB_val k, v;
        int mrc = mdb_cursor_get(c, &k, &v, MDB_LAST);
        if (mrc == 0 && k.mv_size == 8) {
            *size = lpg_be64_get(k.mv_data);
            *note = strndup(v.mv_data, v.mv_size);
            rc = *note ? LPG_OK : LPG_ENOMEM;
        } else
            rc = mrc == MDB_NOTFOUND ? LPG_ENOTFOUND : LPG_ECORRUPT;
        mdb_cursor_close(c);
    }
    lpg_txn_abort(&t);
    return rc;
}

int
lpg_ledger_checkpoints(lpg_ledger_t *l,
                       int (*fn)(void *ctx, uint64_t size, const char *note,
                                 size_t len),
                       void *ctx)
{
    lpg_txn_t *t;
    int rc = lpg_ledger_read(l, &t);
    if (rc)
        return rc;
    MDB_cursor *c;
    rc = s_err(mdb_cursor_open(t->txn, l->internal[S_CHECKPOINTS], &c),
               "cursor");
    if (rc == LPG_OK) {
        MDB_val k, v;
        int mrc;
        for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
             mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            if (k.mv_size != 8) {
                rc = LPG_ECORRUPT;
                break;
            }
            rc = fn(ctx, lpg_be64_get(k.mv_data), v.mv_data, v.mv_size);
            if (rc != LPG_OK)
                break;
        }
        mdb_cursor_close(c);
    }
    lpg_txn_abort(&t);
    return rc;
}

const lpg_projection_t *
lpg_ledger_projection(const lpg_ledger_t *l)
{
    return l->proj;
}

const lpg_key_t *
lpg_ledger_authority(const lpg_ledger_t *l)
{
    return l->authority;
}

/* ------------------------------------------------------------- secrets */

/*  Secrets are kept beside the log, not in it: the "secrets" table is no
 *  state table (lpg_txn_clear_state and verify never touch it, rebuild
 *  cannot recreate it) and no part of any entry or of the Merkle tree. A
 *  deleted secret is gone from the current tree; LMDB frees its page
 *  without scrubbing it, so whatever is stored here must itself be
 *  encrypted under a key kept outside the ledger. A read-only open of a
 *  ledger made before this table existed sees it empty. */

static int
s_open_secrets(lpg_ledger_t *l)
{
    MDB_txn *txn;
    int rc = s_begin(l, l->rdonly ? MDB_RDONLY : 0, &txn);
    if (rc)
        return rc;
    rc = mdb_dbi_open(txn, "secrets", l->rdonly ? 0 : MDB_CREATE, &l->secrets);
    if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        s_end(l);
        return LPG_OK;
    }
    if (rc) {
        mdb_txn_abort(txn);
        s_end(l);
        return s_err(rc, "open secrets");
    }
    rc = mdb_txn_commit(txn);
    s_end(l);
    if (rc == 0)
        l->has_secrets = true;
    return s_err(rc, "open secrets");
}

int
lpg_txn_secret_put(lpg_txn_t *t, const void *key, size_t klen, const void *val,
                   size_t vlen)
{
    if (!t->l->has_secrets)
        return LPG_EPERM;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    return s_err(s_put(t, S_CLS_SECRETS, 0, &k, &v, 0), "secret");
}

int
lpg_txn_secret_get(lpg_txn_t *t, const void *key, size_t klen,
                   const void **val, size_t *vlen)
{
    if (!t->l->has_secrets)
        return LPG_ENOTFOUND;
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t->txn, t->l->secrets, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? LPG_ENOTFOUND : s_err(rc, "secret");
    *val = v.mv_data;
    *vlen = v.mv_size;
    return LPG_OK;
}

int
lpg_txn_secret_del(lpg_txn_t *t, const void *key, size_t klen)
{
    if (!t->l->has_secrets)
        return LPG_ENOTFOUND;
    MDB_val k = {klen, (void *)key};
    int rc = s_del(t, S_CLS_SECRETS, 0, &k);
    return rc == MDB_NOTFOUND ? LPG_ENOTFOUND : s_err(rc, "secret");
}

/* -------------------------------------------------------------- append */

typedef struct {
    lpg_event_t ev;
    int decode_rc;
    uint8_t body_hash[32]; /* SHA-256 of the Event's bytes: what an event
                              id was used for (S_EVENT_IDS) */
    const lpg_key_t *key;  /* signer's key found before the transaction */
    uint8_t pub[32];       /* its raw bytes, to see it is still the same */
    bool is_authority;
    int sig_rc;           /* LPG_OK / LPG_EBADSIG, if key was found */
    void *pre;            /* the precheck's result */
    lpg_signer_t signer;  /* as the write transaction read it */
    Lpg__Outcome outcome; /* what the rules said, for the reply */
    bool recorded;        /* outcome was recorded by this commit */
} s_item_t;

/*  Signature checks and prechecks on every core (base/workers.h): job
 *  2i checks item i's signature, 2i+1 runs the precheck on it, so even
 *  one event uses two cores when it has both. The pool starts with the
 *  first batch that has two jobs and lives as long as the ledger. */
typedef struct {
    s_item_t *items;
    const lpg_hooks_t *hooks;
} s_verify_ctx_t;

static void
s_verify_job(void *arg, size_t j)
{
    s_verify_ctx_t *c = arg;
    s_item_t *it = &c->items[j / 2];
    if (it->decode_rc != LPG_OK)
        return;
    if (j % 2 == 0) {
        if (!it->key)
            return;
        const Lpg__SignedEvent *se = it->ev.signed_event;
        it->sig_rc = lpg_verify(it->key, LPG_CTX_EVENT, se->body.data,
                                se->body.len, se->sig.data);
    } else if (c->hooks && c->hooks->precheck)
        it->pre = c->hooks->precheck(c->hooks->ctx, &it->ev);
}

static void
s_verify_all(lpg_ledger_t *l, s_item_t *items, size_t n,
             const lpg_hooks_t *hooks)
{
    size_t jobs = n * 2;
    if (!l->workers && !l->workers_tried &&
        n * (hooks && hooks->precheck ? 2 : 1) >= 2) {
        lpg_workers_new(&l->workers, 0);
        l->workers_tried = true;
    }
    s_verify_ctx_t c = {items, hooks};
    lpg_workers_run(l->workers, jobs, jobs >= 512 ? 16 : 1, s_verify_job, &c);
}

void
lpg_ledger_nudge(lpg_ledger_t *l)
{
    lpg_workers_nudge(l->workers);
}

static void
s_signer_release(const lpg_projection_t *proj, lpg_signer_t *sg)
{
    if (sg->record && proj->release)
        proj->release(sg);
    sg->record = NULL;
}

/*  The signer's public key in the state as of txn: the authority, or an
 *  enrolled device (revoked or not: the caller decides). */
static int
s_lookup(lpg_ledger_t *l, lpg_txn_t *t, const uint8_t kid[32], uint8_t pub[32],
         bool *is_authority)
{
    *is_authority = false;
    if (l->authority && memcmp(kid, l->authority_id, 32) == 0) {
        *is_authority = true;
        lpg_key_raw_public(l->authority, pub);
        return LPG_OK;
    }
    lpg_signer_t sg = {0};
    int rc = l->proj->signer(t, kid, &sg);
    if (rc != LPG_OK)
        return rc;
    memcpy(pub, sg.sign_pub, 32);
    s_signer_release(l->proj, &sg);
    return LPG_OK;
}

static void
s_fail(lpg_append_out_t *o, int rc, const char *why)
{
    o->status = rc;
    o->duplicate = false;
    snprintf(o->why, sizeof o->why, "%s", why ? why : lpg_strerror(rc));
}

/*  Appends one checked event as entry seq. */
static int
s_append_one(lpg_txn_t *t, const char *service, uint64_t seq, s_item_t *it,
             const lpg_append_in_t *in, const Lpg__Outcome *outcome,
             const uint8_t idkey[48])
{
    Lpg__LedgerEntry e = LPG__LEDGER_ENTRY__INIT;
    e.seq = seq;
    e.recorded_at_ms = lpg_clock_now_ms();
    e.service = (char *)service;
    e.signed_event.data = (uint8_t *)in->data;
    e.signed_event.len = in->len;
    e.outcome = (Lpg__Outcome *)outcome;
    size_t len = lpg__ledger_entry__get_packed_size(&e);
    uint8_t stackbuf[8192];
    uint8_t *buf = len <= sizeof stackbuf ? stackbuf : malloc(len);
    if (!buf)
        return LPG_ENOMEM;
    lpg__ledger_entry__pack(&e, buf);
    uint8_t kb[8];
    lpg_be64_put(kb, seq);
    MDB_val k = {8, kb}, v = {len, buf};
    int rc = s_err(s_put(t, S_CLS_INTERNAL, S_ENTRIES, &k, &v, MDB_APPEND),
                   "append");
    uint8_t leaf[32];
    if (rc == LPG_OK) {
        lpg_merkle_leaf_hash(buf, len, leaf);
        rc = lpg_merkle_append(s_node_get, s_node_put, t, seq, leaf);
    }
    if (buf != stackbuf)
        free(buf);
    if (rc == LPG_OK) {
        uint8_t idval[40];
        lpg_be64_put(idval, seq);
        memcpy(idval + 8, it->body_hash, 32);
        MDB_val ik = {48, (void *)idkey}, iv = {40, idval};
        rc = s_err(s_put(t, S_CLS_INTERNAL, S_EVENT_IDS, &ik, &iv, 0),
                   "event id");
    }
    if (rc == LPG_OK)
        rc = t->l->proj->apply(t, seq, e.recorded_at_ms, &it->ev,
                               it->ev.signed_event->key_id.data, outcome);
    return rc;
}

static void
s_outcome_free(Lpg__Outcome *o)
{
    for (size_t i = 0; i < o->n_reasons; i++) {
        free(o->reasons[i]->token);
        free(o->reasons[i]->zh);
        free(o->reasons[i]->en);
        free(o->reasons[i]);
    }
    free(o->reasons);
    free(o->token);
    free(o->message);
    free(o->fill);
    lpg__outcome__init(o);
}

struct lpg_batch {
    const lpg_append_in_t *in;
    size_t n;
    s_item_t *items;
    char (*why)[128];             /* decode failures */
    const lpg_projection_t *proj; /* frees the signers' records */
    lpg_arena_t *arena;           /* the decoded events */
};

void
lpg_batch_destroy(lpg_batch_t **p)
{
    if (!p || !*p)
        return;
    lpg_batch_t *b = *p;
    for (size_t i = 0; b->items && i < b->n; i++) {
        lpg_event_clear(&b->items[i].ev);
        free(b->items[i].pre);
        s_signer_release(b->proj, &b->items[i].signer);
        s_outcome_free(&b->items[i].outcome);
    }
    free(b->items);
    free(b->why);
    lpg_arena_destroy(&b->arena);
    free(b);
    *p = NULL;
}

size_t
lpg_batch_size(const lpg_batch_t *b)
{
    return b->n;
}

const lpg_event_t *
lpg_batch_event(const lpg_batch_t *b, size_t i)
{
    return i < b->n && b->items[i].decode_rc == LPG_OK ? &b->items[i].ev
                                                       : NULL;
}

const Lpg__Outcome *
lpg_batch_outcome(const lpg_batch_t *b, size_t i)
{
    return i < b->n && b->items[i].recorded ? &b->items[i].outcome : NULL;
}

void *
lpg_batch_pre(const lpg_batch_t *b, size_t i)
{
    return i < b->n ? b->items[i].pre : NULL;
}

int
lpg_ledger_prepare(lpg_ledger_t *l, const lpg_append_in_t *in, size_t n,
                   const lpg_hooks_t *hooks, lpg_batch_t **out)
{
    *out = NULL;
    lpg_txn_t *t = NULL;
    int rc = l->rdonly || !l->proj ? LPG_EPERM : lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = lpg_ledger_prepare_in(l, t, in, n, hooks, out);
    lpg_txn_abort(&t);
    return rc;
}

int
lpg_ledger_prepare_in(lpg_ledger_t *l, lpg_txn_t *t, const lpg_append_in_t *in,
                      size_t n, const lpg_hooks_t *hooks, lpg_batch_t **out)
{
    *out = NULL;
    if (l->rdonly || !l->proj)
        return LPG_EPERM;
    if (lpg_keyring_size(l->keys) > S_KEYRING_MAX)
        lpg_keyring_clear(l->keys); /* only prepare hands keys out */
    lpg_batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return LPG_ENOMEM;
    b->in = in;
    b->n = n;
    b->proj = l->proj;
    b->items = calloc(n ? n : 1, sizeof *b->items);
    b->why = calloc(n ? n : 1, sizeof *b->why);
    /* The batch's events are decoded into one arena, freed with it: a
     * fill is about 1.5 KiB in some twenty allocations. The first block
     * is at most 1 MiB; the arena doubles from there if it must. */
    lpg_arena_new(&b->arena, n < 512 ? (n ? n : 1) * 2048 : 1 << 20);
    if (!b->items || !b->why || !b->arena) {
        lpg_batch_destroy(&b);
        return LPG_ENOMEM;
    }
    /* Decode, and find each signer's key as the ledger stands now. */
    uint64_t t0 = s_mono_ns();
    for (size_t i = 0; i < n; i++) {
        s_item_t *it = &b->items[i];
        it->decode_rc =
            lpg_event_decode_in(&it->ev, b->arena, in[i].data, in[i].len,
                                b->why[i], sizeof b->why[i]);
        const char *field = NULL;
        if (it->decode_rc == LPG_OK &&
            lpg_proto_empty_check(&it->ev.event->base, &field) != LPG_OK) {
            snprintf(b->why[i], sizeof b->why[i],
                     "field '%s' is empty: "
                     "leave it out or give a value",
                     field);
            it->decode_rc = LPG_EINVAL;
        }
        if (it->decode_rc != LPG_OK)
            continue;
        const Lpg__SignedEvent *se = it->ev.signed_event;
        lpg_sha256(se->body.data, se->body.len, it->body_hash);
        const uint8_t *kid = se->key_id.data;
        if (s_lookup(l, t, kid, it->pub, &it->is_authority) != LPG_OK)
            continue; /* unknown now; the write phase decides */
        it->key = it->is_authority ? l->authority
                                   : lpg_keyring_get(l->keys, kid, it->pub);
    }
    /* Check signatures outside any write transaction, on every core. */
    uint64_t t1 = s_mono_ns();
    s_verify_all(l, b->items, n, hooks);
    l->stats.ns_prepare += t1 - t0;
    l->stats.ns_verify += s_mono_ns() - t1;
    *out = b;
    return LPG_OK;
}

/*  The signature check of the write phase, for an event whose signer was
 *  unknown (or had another key) when the batch was prepared: enrolled
 *  earlier in this very batch, say. */
static int
s_verify_now(const s_item_t *it, const uint8_t pub[32])
{
    lpg_key_t *key = NULL;
    int rc = lpg_key_from_raw_public(&key, pub);
    if (rc == LPG_OK) {
        const Lpg__SignedEvent *se = it->ev.signed_event;
        rc = lpg_verify(key, LPG_CTX_EVENT, se->body.data, se->body.len,
                        se->sig.data);
    }
    lpg_key_destroy(&key);
    return rc;
}

/*  Applies one prepared batch inside the write transaction t, from
 *  sequence number *seq on. Returns LPG_OK or the error that must abort
 *  the whole transaction; each event's own answer is in out. */
static int
s_apply_batch(lpg_ledger_t *l, lpg_txn_t *t, uint64_t *seqp, lpg_batch_t *b,
              const char *service, const lpg_hooks_t *hooks,
              lpg_append_out_t *out)
{
    lpg_rules_fn rules = hooks ? hooks->rules : NULL;
    void *rules_ctx = hooks ? hooks->ctx : NULL;
    size_t n = b->n;
    const lpg_append_in_t *in = b->in;
    s_item_t *items = b->items;
    uint64_t seq = *seqp;
    int rc = LPG_OK;
    for (size_t i = 0; i < n && rc == LPG_OK; i++) {
        s_item_t *it = &items[i];
        if (it->decode_rc != LPG_OK)
            continue;
        const Lpg__SignedEvent *se = it->ev.signed_event;
        /* The signer as of this point in the batch, read once: its key,
         * whether it is revoked, and its record for the rules. */
        lpg_signer_t *sg = &it->signer;
        bool is_authority =
            l->authority && memcmp(se->key_id.data, l->authority_id, 32) == 0;
        int kr = LPG_OK;
        if (is_authority)
            lpg_key_raw_public(l->authority, sg->sign_pub);
        else
            kr = l->proj->signer(t, se->key_id.data, sg);
        const uint8_t *pub = sg->sign_pub;
        if (kr == LPG_ENOTFOUND) {
            s_fail(&out[i], LPG_EUNKNOWNKEY,
                   "signer is not an enrolled device");
            continue;
        }
        if (kr != LPG_OK) {
            rc = kr;
            break;
        }
        int sig_rc = it->sig_rc;
        if (!it->key || memcmp(pub, it->pub, 32) != 0)
            sig_rc = s_verify_now(it, pub);
        if (sig_rc != LPG_OK) {
            s_fail(&out[i], LPG_EBADSIG,
                   "signature does not verify with the signer's key");
            continue;
        }
        /* Idempotency: a retry gets the first answer. The key is the
         * event id, then the signer (see the top of this file). */
        uint8_t idkey[48];
        memcpy(idkey, it->ev.event->event_id.data, 16);
        memcpy(idkey + 16, se->key_id.data, 32);
        MDB_val ik = {48, idkey}, iv;
        int mrc = mdb_get(t->txn, l->internal[S_EVENT_IDS], &ik, &iv);
        if (mrc == 0) {
            if (iv.mv_size != 40) {
                rc = LPG_ECORRUPT;
                break;
            }
            if (memcmp((uint8_t *)iv.mv_data + 8, it->body_hash, 32)) {
                s_fail(&out[i], LPG_ECONFLICT,
                       "event id already used for a different event");
                continue;
            }
            out[i].status = LPG_OK;
            out[i].duplicate = true;
            out[i].seq = lpg_be64_get(iv.mv_data);
            continue;
        }
        if (mrc != MDB_NOTFOUND) {
            rc = s_err(mrc, "event id");
            break;
        }
        char why[128] = "";
        if (!is_authority && sg->revoked) {
            s_fail(&out[i], LPG_EREVOKED, "signer's key has been revoked");
            continue;
        }
        int ar =
            l->proj->authorize(t, &it->ev, is_authority, sg, why, sizeof why);
        if (ar != LPG_OK) {
            s_fail(&out[i], ar, why);
            continue;
        }
        if (hooks && hooks->bounds) {
            int cr = lpg_clock_judge(it->ev.event->device_time_ms,
                                     lpg_clock_now_ms(), hooks->bounds, why,
                                     sizeof why);
            if (cr != LPG_OK) {
                s_fail(&out[i], cr, why);
                continue;
            }
        }
        /* The outcome stays in the item: the reply is built from it. */
        Lpg__Outcome *outcome = &it->outcome;
        lpg__outcome__init(outcome);
        outcome->status = LPG__STATUS__STATUS_OK;
        if (rules) {
            int rr = rules(rules_ctx, t, seq, &it->ev, sg, &in[i], it->pre,
                           outcome);
            if (rr != LPG_OK) {
                /* a refusing rule may say why in the outcome's message */
                s_fail(&out[i], rr, outcome->message);
                s_outcome_free(outcome);
                continue;
            }
        }
        rc = s_append_one(t, service, seq, it, &in[i], outcome, idkey);
        if (rc != LPG_OK)
            break;
        it->recorded = true;
        out[i].status = LPG_OK;
        out[i].seq = seq++;
    }
    *seqp = seq;
    return rc;
}

int
lpg_ledger_commit_many(lpg_ledger_t *l, lpg_batch_t **batches, size_t nb,
                       const char *service, const lpg_hooks_t *hooks,
                       lpg_append_out_t **outs)
{
    int rc = lpg_ledger_commit_held(l, batches, nb, service, hooks, outs);
    for (size_t k = 0; k < nb; k++)
        lpg_batch_destroy(&batches[k]);
    return rc;
}

int
lpg_ledger_commit_held(lpg_ledger_t *l, lpg_batch_t **batches, size_t nb,
                       const char *service, const lpg_hooks_t *hooks,
                       lpg_append_out_t **outs)
{
    return lpg_ledger_commit_answer(l, batches, nb, service, hooks, outs, NULL,
                                    NULL, 0);
}

/*  The record of what t gathered since `base`, written and synced after
 *  the transaction's records before it (l->held_off): it may be
 *  answered. */
static int
s_journal_record(lpg_txn_t *t, uint64_t base, uint64_t end)
{
    lpg_ledger_t *l = t->l;
    lpg_jrecord_t rec = {.base = base, .end = end};
    snprintf(rec.format, sizeof rec.format, "%s", S_FORMAT);
    int rc = s_prev_leaf(t, base, rec.prev_leaf);
    if (rc == LPG_OK)
        rc = lpg_journal_write(l->journal, l->held_off, &rec, t->jr,
                               &l->held_off);
    if (rc == LPG_OK)
        l->held_end = end;
    return rc;
}

/*  Commits t, which holds records already answered from the journal
 *  (`answered`: from entry `first`): if LMDB fails, they are safe in the
 *  journal and go in with the next write transaction, tried at once. */
static int
s_commit_answered(lpg_ledger_t *l, lpg_txn_t **t, bool answered,
                  uint64_t first, uint64_t end)
{
    if (answered && l->fault_slow_ms) {
        struct timespec ts = {l->fault_slow_ms / 1000,
                              (long)(l->fault_slow_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    int rc = lpg_txn_commit(t);
    l->held_off = 0;
    if (rc == LPG_OK || !answered)
        return rc;
    lpg_error("ledger: %s: the commit of answered entries %llu to %llu "
              "failed (%s): they are in the journal, and go in with the "
              "next write",
              l->dir, (unsigned long long)first, (unsigned long long)end - 1,
              lpg_strerror(rc));
    lpg_txn_t *w = NULL;
    if (lpg_ledger_write(l, &w) == LPG_OK)
        lpg_txn_abort(&w);
    return rc; /* what was not answered from the journal is not in */
}

int
lpg_ledger_commit_answer(lpg_ledger_t *l, lpg_batch_t **batches, size_t nb,
                         const char *service, const lpg_hooks_t *hooks,
                         lpg_append_out_t **outs, lpg_answer_fn answer,
                         void *ctx, unsigned flags)
{
    for (size_t k = 0; k < nb; k++) {
        lpg_batch_t *b = batches[k];
        memset(outs[k], 0, b->n * sizeof *outs[k]);
        for (size_t i = 0; i < b->n; i++)
            if (b->items[i].decode_rc != LPG_OK)
                s_fail(&outs[k][i], b->items[i].decode_rc, b->why[i]);
    }
    /* One write transaction, in arrival order: the one held open since
     * earlier batches were answered, or a new one. */
    uint64_t t2 = s_mono_ns(), t3, t4;
    /* Only the holding thread asks to hold, and sees l->held. */
    lpg_txn_t *t = (flags & LPG_COMMIT_HOLD) ? l->held : NULL;
    bool held = t != NULL; /* records of it answered already */
    if (held)
        l->held = NULL;
    int rc = held ? LPG_OK : lpg_ledger_write(l, &t);
    if (!held) {
        l->held_first = 0;
        l->held_end = 0;
        l->held_off = 0;
        l->held_ns = t2;
    }
    uint64_t seq = 0, base = 0;
    lpg_jbuf_t jb;
    lpg_jbuf_init(&jb, S_JOURNAL_MAX);
    if (rc == LPG_OK)
        rc = lpg_txn_size(t, &seq);
    if (rc == LPG_OK && !held)
        l->held_first = l->held_end = seq;
    if (rc == LPG_OK && answer && l->journal_write)
        t->jr = &jb;
    base = seq;
    for (size_t k = 0; k < nb && rc == LPG_OK; k++)
        rc = s_apply_batch(l, t, &seq, batches[k], service, hooks, outs[k]);
    t3 = s_mono_ns();
    bool answered = false;
    if (rc == LPG_OK && t->jr && !jb.over &&
        (seq == base || (l->held_off + jb.len < S_JOURNAL_HELD_MAX &&
                         s_journal_record(t, base, seq) == LPG_OK))) {
        /* Durable (or nothing written): answered from t itself. */
        t->jr = NULL;
        l->stats.ns_journal += s_mono_ns() - t3;
        answer(ctx, t, LPG_OK);
        answered = true;
        if (seq > base)
            l->stats.journaled++;
        if (seq > base && l->fault_answered &&
            ++l->fault_records >= l->fault_answered) {
            lpg_warn("ledger: LPG_FAULT=answered-uncommitted: dying before "
                     "the commit of entries %llu to %llu",
                     (unsigned long long)l->held_first,
                     (unsigned long long)seq - 1);
            struct timespec ts = {0, 300000000};
            nanosleep(&ts, NULL);
            raise(SIGKILL);
        }
    }
    if (t)
        t->jr = NULL;
    lpg_jbuf_clear(&jb);
    t4 = s_mono_ns();
    if (rc == LPG_OK && answered && (held || seq > base) &&
        (flags & LPG_COMMIT_HOLD) && t4 - l->held_ns < l->hold_max_ns) {
        l->held = t; /* lpg_ledger_flush, or the next batch, commits */
    } else if (rc == LPG_OK) {
        /* Answered from the journal: in, even if LMDB failed (then the
         * next write applies it). Else: as the commit went. */
        int crc = s_commit_answered(l, &t, held || (answered && seq > base),
                                    l->held_first, l->held_end);
        if (!answered)
            rc = crc;
    } else {
        /* What was answered before is in the journal: the next write
         * transaction applies it. */
        lpg_txn_abort(&t);
        l->held_off = 0;
        if (held)
            lpg_error("ledger: %s: a write transaction holding answered "
                      "entries from %llu failed (%s): they are in the "
                      "journal, and go in with the next write",
                      l->dir, (unsigned long long)l->held_first,
                      lpg_strerror(rc));
    }
    for (size_t k = 0; k < nb; k++) {
        l->stats.events += batches[k]->n;
        if (rc != LPG_OK && !answered)
            for (size_t i = 0; i < batches[k]->n; i++) {
                batches[k]->items[i].recorded = false;
                if (outs[k][i].status == LPG_OK)
                    s_fail(&outs[k][i], rc, "the ledger could not commit");
            }
    }
    if (answer && !answered) {
        lpg_txn_t *r = NULL;
        if (rc != LPG_OK || lpg_ledger_read_now(l, &r) != LPG_OK)
            r = NULL; /* answered without details */
        answer(ctx, r, rc);
        lpg_txn_abort(&r);
    }
    l->stats.batches++;
    l->stats.ns_write += t3 - t2;
    l->stats.ns_commit += s_mono_ns() - t4;
    return answered ? LPG_OK : rc;
}

void
lpg_ledger_hold_max(lpg_ledger_t *l, uint64_t ns)
{
    l->hold_max_ns = ns ? ns : S_HOLD_MAX_NS;
}

bool
lpg_ledger_journaled(const lpg_ledger_t *l)
{
    return l && l->journal_write;
}

bool
lpg_ledger_held(const lpg_ledger_t *l, uint64_t *since_ns)
{
    if (l->held && since_ns)
        *since_ns = l->held_ns;
    return l->held != NULL;
}

int
lpg_ledger_flush(lpg_ledger_t *l)
{
    if (!l->held)
        return LPG_OK;
    lpg_txn_t *t = l->held;
    l->held = NULL;
    uint64_t t0 = s_mono_ns();
    int rc = s_commit_answered(l, &t, true, l->held_first, l->held_end);
    l->stats.ns_commit += s_mono_ns() - t0;
    return rc;
}

int
lpg_ledger_commit(lpg_ledger_t *l, lpg_batch_t **batch, const char *service,
                  const lpg_hooks_t *hooks, lpg_append_out_t *out)
{
    return lpg_ledger_commit_many(l, batch, 1, service, hooks, &out);
}

int
lpg_ledger_append_hooks(lpg_ledger_t *l, const char *service,
                        const lpg_append_in_t *in, size_t n,
                        const lpg_hooks_t *hooks, lpg_append_out_t *out)
{
    lpg_batch_t *b = NULL;
    int rc = lpg_ledger_prepare(l, in, n, hooks, &b);
    if (rc != LPG_OK)
        return rc;
    return lpg_ledger_commit(l, &b, service, hooks, out);
}

int
lpg_ledger_append(lpg_ledger_t *l, const char *service,
                  const lpg_append_in_t *in, size_t n, lpg_rules_fn rules,
                  void *rules_ctx, lpg_append_out_t *out)
{
    lpg_hooks_t hooks = {rules, NULL, rules_ctx};
    return lpg_ledger_append_hooks(l, service, in, n, &hooks, out);
}

/* ------------------------------------------------- backups and usage */

/*  The map's advice to the OS (madvise), for every page of it. LMDB
 *  does not say where its map is (mdb_env_info's address is the one
 *  asked for with MDB_FIXEDMAP): it is the mapping of its data file in
 *  /proc/self/maps, found by device and inode. */
static void
s_advise(lpg_ledger_t *l, int advice)
{
    int fd;
    struct stat st;
    if (mdb_env_get_fd(l->env, &fd) != 0 || fstat(fd, &st) != 0)
        return;
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return;
    char line[4352];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi, ino;
        unsigned maj, min;
        if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi, &maj, &min,
                   &ino) != 5 ||
            ino != (unsigned long)st.st_ino || maj != major(st.st_dev) ||
            min != minor(st.st_dev))
            continue;
        found = true;
        if (madvise((void *)lo, hi - lo, advice) != 0)
            lpg_warn("ledger: %s: madvise: %s", l->dir, strerror(errno));
    }
    fclose(f);
    if (!found)
        lpg_warn("ledger: %s: its map is not in /proc/self/maps: the OS's "
                 "read-ahead is left as it was",
                 l->dir);
}

void
lpg_ledger_sequential(lpg_ledger_t *l, bool on)
{
    if (l->scratch)
        return; /* never advised: read from the page cache */
    pthread_mutex_lock(&l->txn_lock);
    if (on && l->walkers++ == 0)
        s_advise(l, MADV_NORMAL);
    else if (!on && l->walkers > 0 && --l->walkers == 0)
        s_advise(l, MADV_RANDOM);
    pthread_mutex_unlock(&l->txn_lock);
}

void
lpg_txn_sequential(lpg_txn_t *t, bool on)
{
    if (t)
        lpg_ledger_sequential(t->l, on);
}

int
lpg_ledger_copy(lpg_ledger_t *l, const char *dir, bool compact)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/data.mdb", dir) >= sizeof path)
        return LPG_ERANGE;
    /* LMDB's copy reads its own snapshot: first let a commit in flight
     * end, so that every event answered before now is in the copy. */
    lpg_txn_t *t = NULL;
    if (lpg_ledger_read(l, &t) == LPG_OK)
        lpg_txn_abort(&t);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        lpg_error("ledger: cannot create %s: %s", path, strerror(errno));
        return errno == EEXIST ? LPG_EEXIST : LPG_EIO;
    }
    lpg_ledger_sequential(l, true);
    int rc = s_err(mdb_env_copyfd2(l->env, fd, compact ? MDB_CP_COMPACT : 0),
                   "copy");
    lpg_ledger_sequential(l, false);
    if (rc == LPG_OK && fsync(fd) != 0) {
        lpg_error("ledger: cannot sync %s: %s", path, strerror(errno));
        rc = LPG_EIO;
    }
    if (close(fd) != 0 && rc == LPG_OK)
        rc = LPG_EIO;
    if (rc != LPG_OK)
        unlink(path);
    return rc;
}

int
lpg_ledger_usage(lpg_ledger_t *l, lpg_ledger_usage_t *out)
{
    memset(out, 0, sizeof *out);
    MDB_envinfo info;
    MDB_stat st;
    int rc = s_err(mdb_env_info(l->env, &info), "info");
    if (rc == LPG_OK)
        rc = s_err(mdb_env_stat(l->env, &st), "stat");
    lpg_txn_t *t = NULL;
    if (rc == LPG_OK)
        rc = lpg_ledger_read_now(l, &t);
    if (rc == LPG_OK)
        rc = lpg_txn_size(t, &out->entries);
    lpg_txn_abort(&t);
    if (rc != LPG_OK)
        return rc;
    uint64_t end = 0;
    if (lpg_journal_ahead(l->journal, out->entries, &end))
        out->journal_ahead = end - out->entries;
    out->map_bytes = info.me_mapsize;
    out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    char path[4096];
    struct stat fst;
    snprintf(path, sizeof path, "%s/data.mdb", l->dir);
    if (stat(path, &fst) == 0)
        out->file_bytes = (uint64_t)fst.st_size;
    return LPG_OK;
}

int
lpg_ledger_in_use(const char *dir)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/lock.mdb", dir) >= sizeof path)
        return LPG_ERANGE;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LPG_OK : LPG_EIO;
    /* Every process that has the environment open holds a shared lock on
     * the lock file's first byte (LMDB's "exclusive lock" check). */
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 1;
    int rc = LPG_OK;
    if (fcntl(fd, F_SETLK, &fl) != 0)
        rc = errno == EAGAIN || errno == EACCES ? LPG_EEXIST : LPG_EIO;
    close(fd); /* releases the lock, if taken */
    return rc;
}

/* -------------------------------------------------------------- census */

/*  LMDB 0.9's file format, read only here: a page starts with its number
 *  (8 bytes), 2 bytes of padding, its flags (2), then lower and upper
 *  (2 + 2; an overflow page's count of pages in their place), then the
 *  node offsets. A node: data size or child page (lo 2, hi 2, flags 2:
 *  the child's top 16 bits in a branch), key size (2), key, data. A
 *  table's record (MDB_db, 48 bytes) has its root page at offset 40; the
 *  meta pages (0 and 1) hold the free list's and the table of tables'
 *  records from offset 16 + 24, and the transaction id at 16 + 128. */
#define S_PHDR 16
#define S_P_BRANCH 0x01
#define S_P_LEAF 0x02
#define S_P_LEAF2 0x20
#define S_F_BIGDATA 0x01
#define S_F_SUBDATA 0x02
#define S_ROW_OTHER (LPG_TABLE_COUNT + S_NINTERNAL + 1)
#define S_ROW_MAIN (S_ROW_OTHER + 1)
#define S_ROW_FREE (S_ROW_OTHER + 2)

struct lpg_census {
    lpg_ledger_t *l;
    uint8_t *owner; /* row + 1 of each page at the last census, 0 none */
    size_t npages;
    /* the walk in progress */
    const uint8_t *map;
    size_t mapsize, psize;
    uint8_t *now;
    int bad;
};

const char *
lpg_census_row(size_t row)
{
    if (row < LPG_TABLE_COUNT)
        return s_table_names[row];
    if (row < LPG_TABLE_COUNT + S_NINTERNAL)
        return s_internal_names[row - LPG_TABLE_COUNT];
    if (row == LPG_TABLE_COUNT + S_NINTERNAL)
        return "secrets";
    if (row == S_ROW_OTHER)
        return "(other tables)";
    if (row == S_ROW_MAIN)
        return "(table of tables)";
    return row == S_ROW_FREE ? "(free list)" : "?";
}

static uint64_t
s_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static size_t
s_census_row_of(const uint8_t *name, size_t len)
{
    const uint8_t *dot = memchr(name, '.', len);
    if (dot)
        len = (size_t)(dot - name); /* a chained index's two tables */
    for (size_t i = 0; i < LPG_TABLE_COUNT; i++)
        if (strlen(s_table_names[i]) == len &&
            memcmp(s_table_names[i], name, len) == 0)
            return i;
    for (size_t i = 0; i < S_NINTERNAL; i++)
        if (strlen(s_internal_names[i]) == len &&
            memcmp(s_internal_names[i], name, len) == 0)
            return LPG_TABLE_COUNT + i;
    if (len == 7 && memcmp(name, "secrets", 7) == 0)
        return LPG_TABLE_COUNT + S_NINTERNAL;
    return S_ROW_OTHER;
}

static const uint8_t *
s_census_page(struct lpg_census *c, uint64_t pgno)
{
    if (pgno >= c->mapsize / c->psize) {
        c->bad = 1;
        return NULL;
    }
    return c->map + pgno * c->psize;
}

static void
s_census_mark(struct lpg_census *c, uint64_t pgno, size_t n, size_t row)
{
    for (size_t i = 0; i < n && pgno + i < c->mapsize / c->psize; i++)
        c->now[pgno + i] = (uint8_t)(row + 1);
}

static void
s_census_walk(struct lpg_census *c, uint64_t pgno, size_t row, int depth)
{
    const uint8_t *p = s_census_page(c, pgno);
    if (!p || depth > 64) {
        c->bad = 1;
        return;
    }
    s_census_mark(c, pgno, 1, row);
    unsigned flags = (unsigned)s_le(p + 10, 2);
    size_t lower = (size_t)s_le(p + 12, 2);
    if (flags & S_P_LEAF2 || lower < S_PHDR)
        return;
    size_t nkeys = (lower - S_PHDR) / 2;
    for (size_t i = 0; i < nkeys && !c->bad; i++) {
        size_t off = (size_t)s_le(p + S_PHDR + 2 * i, 2);
        if (off + 8 > c->psize) {
            c->bad = 1;
            return;
        }
        const uint8_t *node = p + off;
        uint64_t lohi = s_le(node, 4);
        unsigned nflags = (unsigned)s_le(node + 4, 2);
        size_t ksize = (size_t)s_le(node + 6, 2);
        if (flags & S_P_BRANCH) {
            s_census_walk(c, lohi | ((uint64_t)nflags << 32), row, depth + 1);
            continue;
        }
        if (!(flags & S_P_LEAF))
            return;
        const uint8_t *data = node + 8 + ksize;
        if (nflags & S_F_BIGDATA) {
            uint64_t ov = s_le(data, 8);
            const uint8_t *op = s_census_page(c, ov);
            if (op)
                s_census_mark(c, ov, (size_t)s_le(op + 12, 4), row);
        } else if (nflags & S_F_SUBDATA) {
            /* a named table (in the table of tables) or the duplicates
             * of one key kept in a tree of their own */
            uint64_t root = s_le(data + 40, 8);
            size_t sub =
                row == S_ROW_MAIN ? s_census_row_of(node + 8, ksize) : row;
            if (root != UINT64_MAX)
                s_census_walk(c, root, sub, depth + 1);
        }
    }
}

/*  Walks the tree of the newest meta page into c->now. */
static int
s_census_take(struct lpg_census *c)
{
    int fd;
    struct stat st;
    MDB_stat ms;
    if (mdb_env_get_fd(c->l->env, &fd) || fstat(fd, &st) ||
        mdb_env_stat(c->l->env, &ms))
        return LPG_EIO;
    c->psize = ms.ms_psize;
    c->mapsize = (size_t)st.st_size;
    size_t npages = c->mapsize / c->psize;
    if (npages < 2)
        return LPG_ECORRUPT;
    uint8_t *buf = malloc(c->mapsize);
    c->now = calloc(npages, 1);
    if (!buf || !c->now) {
        free(buf);
        free(c->now);
        c->now = NULL;
        return LPG_ENOMEM;
    }
    size_t got = 0;
    while (got < c->mapsize) {
        ssize_t r = pread(fd, buf + got, c->mapsize - got, (off_t)got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    c->map = buf;
    c->bad = got < c->mapsize;
    const uint8_t *m0 = buf + S_PHDR, *m1 = buf + c->psize + S_PHDR;
    const uint8_t *m = s_le(m1 + 128, 8) > s_le(m0 + 128, 8) ? m1 : m0;
    c->now[0] = c->now[1] = (uint8_t)(S_ROW_MAIN + 1);
    uint64_t free_root = s_le(m + 24 + 40, 8);
    uint64_t main_root = s_le(m + 24 + 48 + 40, 8);
    if (!c->bad && free_root != UINT64_MAX)
        s_census_walk(c, free_root, S_ROW_FREE, 0);
    if (!c->bad && main_root != UINT64_MAX)
        s_census_walk(c, main_root, S_ROW_MAIN, 0);
    free(buf);
    c->map = NULL;
    if (c->bad) {
        free(c->now);
        c->now = NULL;
        return LPG_ECORRUPT;
    }
    return LPG_OK;
}

int
lpg_census_new(lpg_ledger_t *l, lpg_census_t **out)
{
    *out = NULL;
    struct lpg_census *c = calloc(1, sizeof *c);
    if (!c)
        return LPG_ENOMEM;
    c->l = l;
    int rc = s_census_take(c);
    if (rc != LPG_OK) {
        free(c);
        return rc;
    }
    c->owner = c->now;
    c->npages = c->mapsize / c->psize;
    c->now = NULL;
    *out = c;
    return LPG_OK;
}

int
lpg_census_step(lpg_census_t *c, uint64_t fresh[LPG_CENSUS_ROWS])
{
    int rc = s_census_take(c);
    if (rc != LPG_OK)
        return rc;
    size_t n = c->mapsize / c->psize;
    for (size_t i = 0; i < n; i++)
        if (c->now[i] && i >= 2 &&
            (i >= c->npages || c->owner[i] != c->now[i]))
            fresh[c->now[i] - 1]++;
    fresh[S_ROW_MAIN]++; /* the meta page */
    free(c->owner);
    c->owner = c->now;
    c->npages = n;
    c->now = NULL;
    return LPG_OK;
}

void
lpg_census_destroy(lpg_census_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->owner);
    free(*p);
    *p = NULL;
}

/*  journal.h - the ledger's journal: a small transaction made durable
 *  with one sequential write and one fdatasync, so that it can be
 *  answered before LMDB's own synced commit of its scattered pages.
 *
 *  A record holds every write of one batch of a write transaction (the
 *  table, the key, the value), the ledger's size before and after it,
 *  and the leaf hash of the last entry before it. It is written under
 *  LMDB's writer lock, after the batch's work and before the commit; the
 *  batch is then answered. A transaction may take several batches, each
 *  its record, one after the other from the start of the file, before
 *  LMDB commits them together; the next transaction's records start at
 *  the start again. If the writer dies before the commit, the next write
 *  transaction on the ledger, in any process, finds the records ahead
 *  of the ledger and applies them first (see ledger.c, "journal"). A
 *  record whose hashes do not match was torn by a crash before it was
 *  synced, so before anyone was answered: it is dropped, and what
 *  follows it with it. */

#ifndef LPG_JOURNAL_H
#define LPG_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LPG_JOURNAL_FILE "journal"

/*  Where a write goes: LMDB handles differ between processes, so a
 *  record names the table by its class and index in the ledger. */
enum {
    LPG_JOURNAL_PUT = 1,
    LPG_JOURNAL_DEL = 2,
};

/*  The writes of one transaction, gathered as they are made. Gathering
 *  stops (over = true) past `limit` bytes: a big transaction is
 *  committed the usual way. */
typedef struct {
    uint8_t *buf;
    size_t len, cap, limit;
    bool over;
} lpg_jbuf_t;

void lpg_jbuf_init(lpg_jbuf_t *b, size_t limit);
void lpg_jbuf_clear(lpg_jbuf_t *b);
/*  Adds one write; on no memory the buffer is marked over. */
void lpg_jbuf_add(lpg_jbuf_t *b, int op, unsigned cls, unsigned idx,
                  const void *key, size_t klen, const void *val, size_t vlen);

/*  What a record says of itself. */
typedef struct {
    uint64_t base, end;    /* the ledger's size before and after */
    uint8_t prev_leaf[32]; /* leaf hash of entry base - 1; zero if none */
    char format[32];       /* the ledger's layout it was written for */
    const uint8_t *ops;    /* the writes (lpg_journal_each) */
    size_t ops_len;
} lpg_jrecord_t;

typedef struct lpg_journal lpg_journal_t;

/*  Opens dir's journal: to write (creating it), or only to look at its
 *  header (a missing file is then no journal: LPG_ENOTFOUND). */
int lpg_journal_open(lpg_journal_t **out, const char *dir, bool write);
void lpg_journal_close(lpg_journal_t **p);

/*  Records start on LPG_JOURNAL_ALIGN bytes: writing one never rewrites
 *  a page of the one before, which was answered. */
#define LPG_JOURNAL_ALIGN 4096

/*  Writes the record at off (0: the first of a transaction; else the
 *  *next of the record before) and syncs it (fdatasync). *next (may be
 *  NULL): where a record after it goes. */
int lpg_journal_write(lpg_journal_t *j, uint64_t off, const lpg_jrecord_t *rec,
                      const lpg_jbuf_t *ops, uint64_t *next);

/*  The record at off, whole and intact: LPG_OK with *rec (its ops point
 *  into memory owned by j, valid until the next call on j) and *next;
 *  LPG_ENOTFOUND if there is none there or it was torn. */
int lpg_journal_read(lpg_journal_t *j, uint64_t off, lpg_jrecord_t *rec,
                     uint64_t *next);

/*  Overwrites the record's header, synced: no record. */
int lpg_journal_clear(lpg_journal_t *j);

/*  A look at the first record's header alone, as another process may be
 *  writing it: true if it is intact and says the ledger will reach *end,
 *  beyond `size`. Cheap: for every read transaction. A transaction's
 *  records are committed to LMDB together, so a snapshot behind the
 *  first is behind them all, and one past it past them all. */
bool lpg_journal_ahead(lpg_journal_t *j, uint64_t size, uint64_t *end);

/*  Calls fn for each write of a record, in order; stops at the first
 *  non-zero return and returns it. LPG_ECORRUPT if the writes do not
 *  parse. */
typedef int (*lpg_journal_op_fn)(void *ctx, int op, unsigned cls, unsigned idx,
                                 const uint8_t *key, size_t klen,
                                 const uint8_t *val, size_t vlen);
int lpg_journal_each(const uint8_t *ops, size_t len, lpg_journal_op_fn fn,
                     void *ctx);

#endif

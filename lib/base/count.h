/*  count.h - how often the process did a costly thing: LMDB transactions
 *  begun, records and events decoded, codes parsed. Counted with relaxed
 *  atomics (any thread, next to free), read by benchmarks in-process and
 *  served by a daemon's metrics endpoint (lpg_work_total), so the work
 *  one request costs is measured rather than guessed.
 */
#ifndef LPG_COUNT_H
#define LPG_COUNT_H

#include <stdint.h>

typedef enum {
    LPG_COUNT_TXN_READ = 0,    /* LMDB read transactions begun */
    LPG_COUNT_TXN_WRITE,       /* LMDB write transactions begun */
    LPG_COUNT_DEVICE_DECODE,   /* DeviceState records decoded */
    LPG_COUNT_CYLINDER_DECODE, /* CylinderState records decoded */
    LPG_COUNT_EVENT_DECODE,    /* SignedEvents decoded and checked in full */
    LPG_COUNT_EVENT_PEEK,      /* SignedEvents unpacked for their kind only */
    LPG_COUNT_ENTRY_DECODE,    /* LedgerEntries unpacked from the log */
    LPG_COUNT_CODE_PARSE,      /* cylinder code texts parsed */
    LPG_COUNT_GASCERT_VERIFY,  /* gas-use certificate signatures checked */
    LPG_COUNT_CODE_VERIFY,     /* cylinder code signatures checked */
    LPG_COUNT_CODE_ON_RECORD,  /* codes found to be their cylinder's code
                                  on record, not checked again */
    LPG_COUNT_CHAIN_STEP,      /* seqs read along an index's chain */
    LPG_COUNT_KEY_FAST,        /* key files read without OpenSSL's decoder */
    LPG_COUNT_PROOF_NODE_READ, /* tree nodes a proof read from the ledger */
    LPG_COUNT_PROOF_NODE_KEPT, /* tree nodes a proof took from the trace
                                  service's memory (trace.node_cache) */
    LPG_COUNT_N
} lpg_count_t;

/*  Adds one to counter c. */
void lpg_count(lpg_count_t c);

/*  Adds n to counter c: for a loop that counts in a local variable and
 *  adds once, where threads counting the same thing thousands of times a
 *  request would pass the counter's cache line between cores each time. */
void lpg_count_add(lpg_count_t c, uint64_t n);

/*  The counter's value since the process started. */
uint64_t lpg_count_get(lpg_count_t c);

/*  Its name as served ("txn_read", "device_decode", ...). Static. */
const char *lpg_count_name(lpg_count_t c);

#endif

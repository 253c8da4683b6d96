/*  count.c - see count.h. */
#include "base/count.h"

#include <stdatomic.h>

static _Atomic uint64_t s_counts[LPG_COUNT_N];

static const char *const s_names[LPG_COUNT_N] = {
    "txn_read",       "txn_write",       "device_decode",   "cylinder_decode",
    "event_decode",   "event_peek",      "entry_decode",    "code_parse",
    "gascert_verify", "code_verify",     "code_on_record",  "chain_step",
    "key_fast",       "proof_node_read", "proof_node_kept",
};

void
lpg_count_add(lpg_count_t c, uint64_t n)
{
    if ((unsigned)c < LPG_COUNT_N && n > 0)
        atomic_fetch_add_explicit(&s_counts[c], n, memory_order_relaxed);
}

void
lpg_count(lpg_count_t c)
{
    lpg_count_add(c, 1);
}

uint64_t
lpg_count_get(lpg_count_t c)
{
    return (unsigned)c < LPG_COUNT_N
               ? atomic_load_explicit(&s_counts[c], memory_order_relaxed)
               : 0;
}

const char *
lpg_count_name(lpg_count_t c)
{
    return (unsigned)c < LPG_COUNT_N ? s_names[c] : "?";
}

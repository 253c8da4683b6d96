/*  arena.h - memory for many small objects that go all at once.
 *
 *  A verify decodes every entry of a chunk (the entry, its signed event,
 *  the event's body: some twenty small allocations each) and drops them
 *  together when the chunk's signatures are checked. From an arena each
 *  is a pointer bump, and the chunk goes in one reset: at 10^6 entries
 *  that took 1.7 s of malloc and free off a 9.6 s walk.
 *
 *  Not glibc's obstack: it ends the process when memory runs out, where
 *  a daemon must answer LPG_ENOMEM and go on.
 */
#ifndef LPG_ARENA_H
#define LPG_ARENA_H

#include <stddef.h>

typedef struct lpg_arena lpg_arena_t;

/*  An empty arena whose first block holds `block` bytes (0: 64 KiB).
 *  Caller owns *out. */
int lpg_arena_new(lpg_arena_t **out, size_t block);

/*  n bytes aligned for any type, valid until the next reset; NULL when
 *  memory runs out (the arena stays usable). */
void *lpg_arena_alloc(lpg_arena_t *a, size_t n);

/*  Gives back everything allocated. The memory stays with the arena, in
 *  one block as large as all it held, so a round that needs as much
 *  again allocates nothing. */
void lpg_arena_reset(lpg_arena_t *a);

/*  Bytes handed out since the last reset (rounded up to the alignment). */
size_t lpg_arena_used(const lpg_arena_t *a);

/*  Frees the arena and all it holds; NULL-safe; sets *p to NULL. */
void lpg_arena_destroy(lpg_arena_t **p);

#endif

/*  progress.h - a progress bar on stderr, only when stderr is a terminal.
 *
 *  Redraws at most ten times a second; on a pipe or in CI it prints
 *  nothing, so logs stay clean.
 */
#ifndef LPG_PROGRESS_H
#define LPG_PROGRESS_H

#include <stdint.h>

typedef struct lpg_progress lpg_progress_t;

/*  New bar for `total` steps with a short label. Caller owns *out (may be
 *  set to NULL when stderr is not a terminal; every function accepts
 *  NULL). */
int lpg_progress_new(lpg_progress_t **out, const char *label, uint64_t total);
void lpg_progress_update(lpg_progress_t *p, uint64_t done);
/*  Draws the final state, ends the line, frees, sets *p to NULL. */
void lpg_progress_finish(lpg_progress_t **p);

#endif

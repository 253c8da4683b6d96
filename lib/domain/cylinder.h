/*  cylinder.h - a cylinder's record (CylinderState) as the kinds' steps
 *  move it, and the one way its "now" is put into words.
 *
 *  The steps themselves live with their kinds (domain/kind.c runs them);
 *  here are what they share: where and when the cylinder was last seen,
 *  and the "Now" line that `lpgtrace trace` and `lpgtrace cylinder show`
 *  both print, so the two can never say different things.
 */
#ifndef LPG_CYLINDER_H
#define LPG_CYLINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codes/code.h"
#include "codes/code_cache.h"
#include "ledger/ledger.h"
#include "proto/state.pb-c.h"

/*  Is the cylinder scrapped (a failed periodic inspection: its code is
 *  revoked for good, nothing brings it back)? */
bool lpg_cylinder_scrapped(const Lpg__CylinderState *cyl);

/*  Where and when a cylinder was last seen, for impossible travel: an
 *  accepted event at site (borrowed: the caller puts the decoded string
 *  back before freeing cyl) moves it there, at its device time bounded
 *  by the time of recording, unless the cylinder was already seen later
 *  (an event synced late does not move it back in time). */
void lpg_cylinder_seen(Lpg__CylinderState *cyl, const char *site,
                       uint64_t device_ms, uint64_t recorded_at_ms);

/*  The revision of the cylinder's current label: the last relabel's, or
 *  the registration's (0 when it names none). Every lower revision is
 *  superseded (CODE_SUPERSEDED). */
uint32_t lpg_cylinder_code_revision(const Lpg__CylinderState *cyl);

/*  The text of the cylinder's current code (the last relabel's, or the
 *  registration's), or NULL if none is on record. Points into cyl. */
const char *lpg_cylinder_code(const Lpg__CylinderState *cyl);

/*  lpg_code_verify(text, len, resolver, authority, out), with the same
 *  answers, but no signature check when the text is, byte for byte, the
 *  current code t records for the cylinder it names: only the authority
 *  registers cylinders and issues their new labels, in events it signs
 *  and the ledger checks, so a code on record is the authority's word
 *  already. Any other text (a forged code, an old label, the letter case
 *  swapped) is verified in full, through codes when it is not NULL
 *  (lpg_code_cache_verify; its authority is the same). t may be NULL
 *  (nothing is on record) and may be a snapshot a little behind: a code
 *  once on record was the authority's word, and whether it is still the
 *  current label is for the rules. */
int lpg_cylinder_code_verify(lpg_txn_t *t, const char *text, size_t len,
                             const char *resolver, const lpg_key_t *authority,
                             lpg_code_cache_t *codes, lpg_code_t *out);

/*  What the "Now" line says: status, custody, and where: the user who
 *  holds it, the station it was last seen at, the vehicle it rides on. */
typedef struct {
    Lpg__CylinderStatus status;
    Lpg__Custody custody;
    const char *holder;  /* may be NULL */
    const char *site;    /* may be NULL */
    const char *vehicle; /* may be NULL */
} lpg_cylinder_now_t;

/*  The "now" of a record (pointers into cyl). */
void lpg_cylinder_now(const Lpg__CylinderState *cyl, lpg_cylinder_now_t *out);

/*  The words: "in service, at a user U-1003", "in service, full at a
 *  station NT-S1", "in service, in transit on 苏F12345", "scrapped, empty
 *  at a station NT-S1". Cut to fit outsz. zh (may be NULL) gets the
 *  Chinese the same way. */
void lpg_cylinder_now_words(const lpg_cylinder_now_t *n, char *out,
                            size_t outsz, char *zh, size_t zhsz);

#endif

/*  words.h - the one table of words for a cylinder's custody and status,
 *  in English and Chinese: what `trace`'s "Now" line, `cylinder show`,
 *  recall and the reports print, and what a refusal's detail says. One
 *  table, so a station operator, a driver and a regulator read the same
 *  words for the same state.
 */
#ifndef LPG_WORDS_H
#define LPG_WORDS_H

#include "proto/state.pb-c.h"

/*  Words for custody c ("full at a station"); *zh (if zh is not NULL)
 *  gets the Chinese ("站内满瓶"). Static strings. */
const char *lpg_custody_words(Lpg__Custody c, const char **zh);

/*  Words for status s ("in service"); *zh as above. Static strings. */
const char *lpg_status_words(Lpg__CylinderStatus s, const char **zh);

#endif

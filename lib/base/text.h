/*  text.h - checks on text that comes from outside (the network, a
 *  camera, a file): the one definition of a string we accept, used by the
 *  event decoder and by every code and certificate parser.
 */
#ifndef LPG_TEXT_H
#define LPG_TEXT_H

#include <stddef.h>

/*  Checks a string from outside: valid UTF-8, no NUL or other control
 *  character, at most max bytes. LPG_OK or LPG_EMALFORMED. */
int lpg_string_check(const char *s, size_t max);

/*  The same check over len bytes that need not end in NUL (a NUL byte
 *  inside is refused like any other control byte). */
int lpg_text_check(const unsigned char *p, size_t len, size_t max);

#endif

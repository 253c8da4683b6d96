/*  csv.h - one line of comma-separated values (RFC 4180 quoting), for the
 *  registry's bulk imports.
 *
 *  A field may be quoted ("a, b" and "say ""hi""" hold a comma and
 *  quotes); unquoted fields lose their surrounding spaces. A field never
 *  spans lines: the importer reads line by line and reports line numbers.
 */
#ifndef LPG_CSV_H
#define LPG_CSV_H

#include <stddef.h>

/*  Splits line (NUL-terminated, a trailing CR or LF is dropped) in place
 *  into at most max fields: fields[i] point into line. Errors:
 *  LPG_EMALFORMED (an unterminated quote, or text after a closing quote)
 *  with the 1-based column in *col; LPG_ETOOBIG (more than max fields).
 *  An empty line is one empty field. */
int lpg_csv_split(char *line, char **fields, size_t max, size_t *n,
                  size_t *col);

#endif

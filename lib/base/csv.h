/*  csv.h - comma-separated values (RFC 4180 quoting): reading one line,
 *  for the registry's bulk imports, and writing one cell, for every
 *  `--csv` report, which must be safe to open in a spreadsheet.
 *
 *  A field may be quoted ("a, b" and "say ""hi""" hold a comma and
 *  quotes); unquoted fields lose their surrounding spaces. A field never
 *  spans lines: the importer reads line by line and reports line numbers.
 *
 *  Formula injection. A spreadsheet runs a cell that begins with = + - @
 *  (and some with a tab or CR before them) as a formula: an id such as
 *  =cmd|' /C calc'!A0 typed by a company admin or a station scanner would
 *  run on the regulator's desk. So, as OWASP advises, the writer puts a
 *  single quote before such a cell, which the spreadsheet shows as text,
 *  and writes the cell quoted. Two kinds of cell are left as they are,
 *  because neither can hold a formula and changing them would make
 *  numbers into text: a plain decimal number (-12, -0.5, whoever wrote
 *  it) and the single character "-" (the reports' "none"). Every report
 *  writes every cell, numbers included, through lpg_csv_write_cell, so
 *  the rule holds in one place; and the registry refuses ids that begin
 *  with these characters (lpg_csv_unsafe), so only a device's own
 *  recorded claims can ever need it.
 */
#ifndef LPG_CSV_H
#define LPG_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*  Splits line (NUL-terminated, a trailing CR or LF is dropped) in place
 *  into at most max fields: fields[i] point into line. Errors:
 *  LPG_EMALFORMED (an unterminated quote, or text after a closing quote)
 *  with the 1-based column in *col; LPG_ETOOBIG (more than max fields).
 *  An empty line is one empty field. */
int lpg_csv_split(char *line, char **fields, size_t max, size_t *n,
                  size_t *col);

/*  Does text begin as a spreadsheet formula would: with = + - @, a tab or
 *  a CR? NULL and "" do not. (True for "-5" too: for ids, not numbers.) */
bool lpg_csv_unsafe(const char *text);

/*  Writes one cell (NULL is an empty cell) to out, then a comma, or a
 *  line end if last. Quoted when it holds a comma, a quote, CR or LF, or
 *  when it is neutralised: a cell for which lpg_csv_unsafe is true gets a
 *  single quote in front, unless it is a plain decimal number or "-"
 *  (see above). LPG_EIO if out fails. */
int lpg_csv_write_cell(FILE *out, const char *text, bool last);

#endif

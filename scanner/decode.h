/*  decode.h - reading QR codes out of an image with several passes (see
 *  decode.c), shared by the scanner's commands, within a wall-clock
 *  budget.
 */
#ifndef LPG_SCAN_DECODE_H
#define LPG_SCAN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "image.h"
#include "zxing_c.h"

/*  Budget limits, in milliseconds (scan.decode_budget_ms,
 *  --decode-budget-ms). */
#define LPG_SCAN_BUDGET_MIN_MS 1L
#define LPG_SCAN_BUDGET_MAX_MS 600000L

typedef struct lpg_scan_reader lpg_scan_reader_t;

/*  One valid code found in an image. */
typedef struct {
    char *text;     /* its content as UTF-8 text */
    uint8_t *bytes; /* its raw content, len bytes (NULL when len is 0) */
    int len;
    ZXing_BarcodeFormat format;
    ZXing_Position position; /* in the pixels of the image as loaded */
    bool inverted;           /* light modules on a dark ground */
} lpg_scan_code_t;

/*  The codes of one image, in the decoder's order. */
typedef struct {
    int count;
    lpg_scan_code_t *codes;
} lpg_scan_codes_t;

/*  Reader options for every pass, looking for up to max_symbols codes,
 *  for at most budget_ms of wall-clock time an image. Caller owns *out.
 *  LPG_ENOMEM, or LPG_ERANGE for a budget out of bounds. */
int lpg_scan_reader_new(lpg_scan_reader_t **out, int max_symbols,
                        long budget_ms);
void lpg_scan_reader_destroy(lpg_scan_reader_t **p);

/*  The budget the reader was made with. */
long lpg_scan_reader_budget_ms(const lpg_scan_reader_t *r);

/*  The home's scan.decode_budget_ms in *out. LPG_ECONFIG (why says) if
 *  it is not a whole number of LPG_SCAN_BUDGET_MIN_MS ..
 *  LPG_SCAN_BUDGET_MAX_MS. */
int lpg_scan_budget(long *out, const lpg_config_t *cfg, char *why,
                    size_t whysz);

/*  Parses a budget in milliseconds (an option's value). LPG_ERANGE if it
 *  is not a whole number in the bounds above. */
int lpg_scan_budget_parse(long *out, const char *s);

/*  Runs the passes over img until one finds a valid code or all have
 *  run, in a child process the caller kills when the budget is spent.
 *  *out gets the codes (possibly none; caller frees with
 *  lpg_scan_codes_destroy). LPG_OK whether or not codes were found;
 *  LPG_ENOCODE_TIME when the budget ran out first; LPG_ENOMEM,
 *  LPG_EIO (no child process) or LPG_EINTERNAL (the decoder failed or
 *  died); why says. */
int lpg_scan_read(const lpg_scan_reader_t *r, const lpg_image_t *img,
                  lpg_scan_codes_t **out, char *why, size_t whysz);

/*  Frees the codes and sets *p to NULL; NULL-safe. */
void lpg_scan_codes_destroy(lpg_scan_codes_t **p);

#endif

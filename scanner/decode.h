/*  decode.h - reading QR codes out of an image with several passes (see
 *  decode.c), shared by the scanner's commands.
 */
#ifndef LPG_SCAN_DECODE_H
#define LPG_SCAN_DECODE_H

#include <stddef.h>

#include "image.h"
#include "zxing_c.h"

typedef struct lpg_scan_reader lpg_scan_reader_t;

/*  Reader options for every pass, looking for up to max_symbols codes.
 *  Caller owns *out. */
int lpg_scan_reader_new(lpg_scan_reader_t **out, int max_symbols);
void lpg_scan_reader_destroy(lpg_scan_reader_t **p);

/*  Runs the passes over img until one finds a valid code. *out gets the
 *  last pass's list (caller deletes with ZXing_Barcodes_delete), *scale
 *  the scale it read at (positions are in that scale). LPG_OK whether or
 *  not codes were found; LPG_ENOMEM or LPG_EINTERNAL (why says). */
int lpg_scan_read(const lpg_scan_reader_t *r, const lpg_image_t *img,
                  ZXing_Barcodes **out, int *scale, char *why, size_t whysz);

/*  A position read at scale, in the pixels of the image as loaded. */
ZXing_Position lpg_scan_unscale(ZXing_Position p, int scale);

#endif

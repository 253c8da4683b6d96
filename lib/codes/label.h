/*  label.h - printable cylinder labels: QR code, short id, stamp serial.
 *
 *  One label is a QR symbol (error correction level H, a 4-module quiet
 *  zone, every module a whole number of printer dots and at least 0.5 mm)
 *  with the short id and the steel-stamp serial printed under it. Writes a
 *  PNG or SVG of one label, or a PDF of any number of labels on A4 sheets
 *  or on a roll (one label per page). The only module that uses libqrencode
 *  and cairo.
 */
#ifndef LPG_LABEL_H
#define LPG_LABEL_H

#include <stddef.h>

#define LPG_LABEL_DEFAULT_DPI 300
#define LPG_LABEL_MIN_MODULE_MM 0.5
#define LPG_LABEL_DEFAULT_W_MM 50.0
#define LPG_LABEL_DEFAULT_H_MM 60.0
#define LPG_LABEL_MAX_TEXT 1273 /* bytes that fit version 40 at level H */

/*  What one label shows. The strings are the caller's; they are only read
 *  during the call. text is the QR content (non-empty). short_id and
 *  serial may be NULL or empty: their line is then left out. */
typedef struct {
    const char *text;
    const char *short_id;
    const char *serial;
} lpg_label_item_t;

/*  Called after each label is drawn, with the count so far and the
 *  total. */
typedef void(lpg_label_progress_fn)(void *arg, size_t done, size_t total);

/*  Rendering options. A zeroed struct means every default:
 *    dpi         printer resolution, 72..4800 (default 300);
 *    module_mm   smallest module size, >= 0.5 (default 0.5); the module is
 *                this rounded up to a whole number of dots;
 *    page        PDF only: "a4" (a grid of labels on A4 sheets, 10 mm
 *                margins; the default) or "roll" (one label per page, the
 *                page the size of the label);
 *    label_w_mm, label_h_mm
 *                PDF only: the size of one label cell (default 50 x 60),
 *                10..280 mm; the code is centred in it;
 *    progress, progress_arg
 *                optional callback for long batches. */
typedef struct {
    int dpi;
    double module_mm;
    const char *page;
    double label_w_mm;
    double label_h_mm;
    lpg_label_progress_fn *progress;
    void *progress_arg;
} lpg_label_opts_t;

/*  The size of one label as drawn, for a given text and options. */
typedef struct {
    int version;         /* QR version, 1..40 */
    int modules;         /* modules per side, quiet zone included */
    int dots_per_module; /* printer dots (PNG pixels) per module */
    int width_dots;      /* whole label: modules * dots_per_module */
    int height_dots;     /* QR square plus the text lines under it */
    double module_mm;    /* actual module size */
} lpg_label_geom_t;

/*  Computes the geometry of a label for text. Errors: LPG_EINVAL (empty
 *  text, bad options), LPG_ERANGE (dpi or module size out of range),
 *  LPG_ETOOBIG (text over what QR version 40 at level H holds),
 *  LPG_ENOMEM. */
int lpg_label_geometry(lpg_label_geom_t *out, const lpg_label_item_t *item,
                       const lpg_label_opts_t *opts);

/*  Writes n labels to path, the format chosen by its extension (case
 *  ignored): .png or .svg for exactly one item, .pdf for one or more.
 *  opts may be NULL (all defaults). The file appears whole or not at all
 *  (written beside path, then renamed). On failure, if why is not NULL, a
 *  one-line reason naming the item is written to it.
 *  Errors: LPG_EINVAL (unknown extension, wrong item count, empty text,
 *  unknown page), LPG_ERANGE (options out of range, or a code that does
 *  not fit the label size), LPG_ETOOBIG (text too long for a QR code),
 *  LPG_ELABEL (rendering failed), LPG_EIO (the file could not be
 *  written), LPG_ENOMEM. */
int lpg_label_write(const lpg_label_item_t *items, size_t n,
                    const lpg_label_opts_t *opts, const char *path, char *why,
                    size_t whysz);

#endif

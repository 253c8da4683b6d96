/*  image.h - PNG and JPEG files to 8-bit grayscale pixels for the decoder.
 *
 *  The file's first bytes decide its format, not its name. A file that is
 *  missing, unreadable, corrupt or absurdly large is an error return with
 *  a message, never a crash: libpng's and libjpeg's longjmp error paths are
 *  caught here.
 */
#ifndef LPG_IMAGE_H
#define LPG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/*  Largest image accepted, in pixels (a 64-megapixel photo). */
#define LPG_IMAGE_MAX_PIXELS (64u * 1024u * 1024u)
/*  Longest side accepted. */
#define LPG_IMAGE_MAX_SIDE 32768u

typedef struct {
    uint8_t *pixels; /* width * height bytes, row after row, 0 = black */
    int width;
    int height;
    char warning[200]; /* "" or what the decoder recovered from */
} lpg_image_t;

/*  Loads path as grayscale; transparent pixels count as white paper.
 *  Errors: LPG_ENOTFOUND (no such file), LPG_EIO (cannot read it),
 *  LPG_EIMAGE (not a PNG or JPEG, or corrupt), LPG_ETOOBIG (over the
 *  limits above, or a progressive JPEG of too many scans), LPG_ENOMEM.
 *  On error, why (if given) gets a one-line reason. Caller owns *out. */
int lpg_image_load(lpg_image_t **out, const char *path, char *why,
                   size_t whysz);

/*  Frees the image and sets *p to NULL; NULL-safe. */
void lpg_image_destroy(lpg_image_t **p);

#endif

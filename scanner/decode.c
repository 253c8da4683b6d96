/*  decode.c - reading QR codes out of an image: the passes (binarizer and
 *  scale) `lpg-scan decode` and `lpg-scan fill-check --image` share.
 */
#include "decode.h"
#include "base/error.h"
#include "fill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Largest upscaled image a pass makes, in pixels: a 1920 x 1080 frame is
 *  read at twice its size, a 640 x 480 one at twice but not four times. */
#define S_UPSCALED_MAX_PIXELS (8L * 1024L * 1024L)

/*  One way of reading an image: how grey becomes black and white, and the
 *  scale the image is read at. */
typedef struct {
    ZXing_Binarizer binarizer;
    int scale; /* 1, 2 or 4: every pixel made 1, 4 or 16 (bilinear) */
} s_pass_t;

/*  The passes, tried in order until one finds a code; each reads the
 *  inverted image too (TryInvert). The first is ZXing's own: each pixel
 *  against the average of its neighbourhood. That average assumes black
 *  is near 0 and loses labels whose black and white are both light grey;
 *  the second pass cuts the whole image at the valley of its histogram,
 *  which reads them, and some finely rotated symbols too. At 2 to 4
 *  pixels a module, a tilted or blurred symbol can defeat ZXing's finder
 *  and sampling where the same picture at twice or four times the size
 *  does not: the later passes read it so, as long as the upscaled image
 *  stays under S_UPSCALED_MAX_PIXELS. An image without a code goes through
 *  every pass; an image with several codes stops at the first pass that
 *  finds one. */
static const s_pass_t s_passes[] = {
    {ZXing_Binarizer_LocalAverage, 1},
    {ZXing_Binarizer_GlobalHistogram, 1},
    {ZXing_Binarizer_LocalAverage, 2},
    {ZXing_Binarizer_GlobalHistogram, 2},
    {ZXing_Binarizer_LocalAverage, 4},
    {ZXing_Binarizer_GlobalHistogram, 4},
};
#define S_PASSES ((int)(sizeof s_passes / sizeof s_passes[0]))

struct lpg_scan_reader {
    ZXing_ReaderOptions *opts[S_PASSES]; /* one set a pass */
};

/*  Pixel (x, y) of an image read at scale, in the image as loaded. */
static ZXing_PointI
s_unscale_point(ZXing_PointI p, int scale)
{
    ZXing_PointI out = {p.x / scale, p.y / scale};
    return out;
}

ZXing_Position
lpg_scan_unscale(ZXing_Position p, int scale)
{
    ZXing_Position out = {
        s_unscale_point(p.topLeft, scale),
        s_unscale_point(p.topRight, scale),
        s_unscale_point(p.bottomRight, scale),
        s_unscale_point(p.bottomLeft, scale),
    };
    return out;
}

/*  The w x h grey image at twice the size: each pixel becomes four, each
 *  a bilinear blend of its four nearest (weights 9, 3, 3, 1 sixteenths),
 *  the pixel centres staying in place. Caller frees; NULL when out of
 *  memory. */
static uint8_t *
s_upscale2(const uint8_t *src, int w, int h)
{
    size_t w2 = (size_t)w * 2;
    uint8_t *out = malloc(w2 * (size_t)h * 2);
    if (!out)
        return NULL;
    for (int y = 0; y < 2 * h; y++) {
        int y0 = y / 2;
        int y1 = y % 2 ? (y0 + 1 < h ? y0 + 1 : y0) : (y0 > 0 ? y0 - 1 : 0);
        const uint8_t *r0 = src + (size_t)y0 * (size_t)w;
        const uint8_t *r1 = src + (size_t)y1 * (size_t)w;
        uint8_t *o = out + (size_t)y * w2;
        for (int x = 0; x < 2 * w; x++) {
            int x0 = x / 2;
            int x1 = x % 2 ? (x0 + 1 < w ? x0 + 1 : x0)
                           : (x0 > 0 ? x0 - 1 : 0);
            o[x] = (uint8_t)((9 * r0[x0] + 3 * r0[x1] + 3 * r1[x0] +
                              r1[x1] + 8) >> 4);
        }
    }
    return out;
}

/*  Number of valid codes in the list. */
static int
s_valid_count(const ZXing_Barcodes *list)
{
    int n = 0;
    for (int i = 0; i < ZXing_Barcodes_size(list); i++)
        n += ZXing_Barcode_isValid(ZXing_Barcodes_at(list, i));
    return n;
}

/*  Reads img with one pass. *out gets the list (possibly without a valid
 *  code; caller deletes). LPG_OK, LPG_ENOMEM, or LPG_EINTERNAL with the
 *  decoder's reason in why. */
static int
s_read_pass(ZXing_Barcodes **out, const lpg_scan_reader_t *self,
            const lpg_image_t *img, int pass, char *why, size_t whysz)
{
    *out = NULL;
    const uint8_t *pixels = img->pixels;
    uint8_t *big = NULL;
    int w = img->width;
    int h = img->height;
    for (int scale = 1; scale < s_passes[pass].scale; scale *= 2) {
        uint8_t *bigger = s_upscale2(pixels, w, h);
        free(big);
        if (!bigger)
            return LPG_ENOMEM;
        pixels = big = bigger;
        w *= 2;
        h *= 2;
    }
    ZXing_ImageView *iv =
        ZXing_ImageView_new(pixels, w, h, ZXing_ImageFormat_Lum, 0, 0);
    if (iv)
        *out = ZXing_ReadBarcodes(iv, self->opts[pass]);
    ZXing_ImageView_delete(iv);
    free(big);
    if (!*out) {
        char *msg = ZXing_LastErrorMsg();
        snprintf(why, whysz, "decoder failed: %s",
                 msg ? msg : "unknown reason");
        ZXing_free(msg);
        return LPG_EINTERNAL;
    }
    return LPG_OK;
}

/*  Runs the passes over img until one finds a valid code. *out gets the
 *  last pass's list (caller deletes), *scale its scale. LPG_OK (codes
 *  found or not), or the error of s_read_pass. */
int
lpg_scan_read(const lpg_scan_reader_t *self, const lpg_image_t *img,
              ZXing_Barcodes **out, int *scale, char *why, size_t whysz)
{
    *out = NULL;
    *scale = 1;
    long pixels = (long)img->width * img->height;
    for (int pass = 0; pass < S_PASSES; pass++) {
        long k = s_passes[pass].scale;
        if (k > 1 && pixels > S_UPSCALED_MAX_PIXELS / (k * k))
            continue;
        ZXing_Barcodes_delete(*out);
        int rc = s_read_pass(out, self, img, pass, why, whysz);
        if (rc != LPG_OK)
            return rc;
        *scale = s_passes[pass].scale;
        if (s_valid_count(*out) > 0)
            break;
    }
    return LPG_OK;
}

/*  The decoder options of each pass (see s_passes). */
int
lpg_scan_reader_new(lpg_scan_reader_t **out, int max_symbols)
{
    *out = NULL;
    lpg_scan_reader_t *self = calloc(1, sizeof *self);
    if (!self)
        return LPG_ENOMEM;
    for (int p = 0; p < S_PASSES; p++) {
        ZXing_ReaderOptions *o = ZXing_ReaderOptions_new();
        if (!o) {
            lpg_scan_reader_destroy(&self);
            return LPG_ENOMEM;
        }
        self->opts[p] = o;
        ZXing_ReaderOptions_setFormats(o, ZXing_BarcodeFormat_QRCode);
        ZXing_ReaderOptions_setTryHarder(o, true);
        ZXing_ReaderOptions_setTryRotate(o, true);
        ZXing_ReaderOptions_setTryInvert(o, true);
        ZXing_ReaderOptions_setTryDownscale(o, true);
        ZXing_ReaderOptions_setMaxNumberOfSymbols(o, max_symbols);
        ZXing_ReaderOptions_setBinarizer(o, s_passes[p].binarizer);
    }
    *out = self;
    return LPG_OK;
}

void
lpg_scan_reader_destroy(lpg_scan_reader_t **p)
{
    if (!p || !*p)
        return;
    for (int i = 0; i < S_PASSES; i++)
        ZXing_ReaderOptions_delete((*p)->opts[i]);
    free(*p);
    *p = NULL;
}


int
lpg_scan_image_text(const char *path, char *out, size_t outsz, char *why,
                    size_t whysz)
{
    lpg_image_t *img = NULL;
    if (lpg_image_load(&img, path, why, whysz) != LPG_OK)
        return 2;
    lpg_scan_reader_t *r = NULL;
    ZXing_Barcodes *list = NULL;
    int scale = 1, status = 1;
    int rc = lpg_scan_reader_new(&r, 1);
    if (rc == LPG_OK)
        rc = lpg_scan_read(r, img, &list, &scale, why, whysz);
    if (rc != LPG_OK) {
        if (!*why)
            snprintf(why, whysz, "%s", lpg_strerror(rc));
        status = 2;
    }
    for (int i = 0; list && i < ZXing_Barcodes_size(list); i++) {
        const ZXing_Barcode *b = ZXing_Barcodes_at(list, i);
        if (!ZXing_Barcode_isValid(b))
            continue;
        char *text = ZXing_Barcode_text(b);
        if (text) {
            snprintf(out, outsz, "%s", text);
            status = 0;
        }
        ZXing_free(text);
        break;
    }
    ZXing_Barcodes_delete(list);
    lpg_scan_reader_destroy(&r);
    lpg_image_destroy(&img);
    return status;
}

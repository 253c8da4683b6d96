/*  decode.c - the first QR code of an image, for the scanner flows that
 *  need one code (fill-check --image). Same reader options as `lpg-scan
 *  decode`.
 */
#include "fill.h"
#include "error.h"
#include "image.h"
#include "zxing_c.h"

#include <stdio.h>
#include <string.h>

int
lpg_scan_image_text(const char *path, char *out, size_t outsz, char *why,
                    size_t whysz)
{
    lpg_image_t *img = NULL;
    if (lpg_image_load(&img, path, why, whysz) != LPG_OK)
        return 2;
    int status = 1;
    ZXing_ReaderOptions *opts = ZXing_ReaderOptions_new();
    ZXing_ImageView *iv = ZXing_ImageView_new(img->pixels, img->width,
                                              img->height,
                                              ZXing_ImageFormat_Lum, 0, 0);
    ZXing_Barcodes *list = NULL;
    if (opts && iv) {
        ZXing_ReaderOptions_setFormats(opts, ZXing_BarcodeFormat_QRCode);
        ZXing_ReaderOptions_setTryHarder(opts, true);
        ZXing_ReaderOptions_setTryRotate(opts, true);
        ZXing_ReaderOptions_setTryInvert(opts, true);
        ZXing_ReaderOptions_setTryDownscale(opts, true);
        ZXing_ReaderOptions_setMaxNumberOfSymbols(opts, 1);
        list = ZXing_ReadBarcodes(iv, opts);
    }
    if (!list) {
        snprintf(why, whysz, "the decoder failed");
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
    ZXing_ImageView_delete(iv);
    ZXing_ReaderOptions_delete(opts);
    lpg_image_destroy(&img);
    return status;
}

/*  zxing_c.h - the C face of ZXing-C++ for lpg-scan: the subset of the
 *  upstream ZXingC API (zxing-cpp 2.3, ZXingC.h) that the scanner uses, with
 *  the same names and semantics, implemented over the C++ API of libzxing
 *  1.4. With a libzxing that ships ZXingC.h, delete zxing_c.cpp and include
 *  <ZXing/ZXingC.h> here instead; nothing else changes. Mapping: zxing_c.cpp.
 */
#ifndef LPG_ZXING_C_H
#define LPG_ZXING_C_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ZXing_Barcode ZXing_Barcode;
typedef struct ZXing_Barcodes ZXing_Barcodes;
typedef struct ZXing_ImageView ZXing_ImageView;
typedef struct ZXing_ReaderOptions ZXing_ReaderOptions;

/*  Pixel layouts: byte 3 is the pixel stride, bytes 2..0 the index of the
 *  red, green and blue channel (the upstream encoding). */
typedef enum {
    ZXing_ImageFormat_None = 0,
    ZXing_ImageFormat_Lum = 0x01000000,
    ZXing_ImageFormat_RGB = 0x03000102,
    ZXing_ImageFormat_BGR = 0x03020100,
    ZXing_ImageFormat_RGBA = 0x04000102,
    ZXing_ImageFormat_ARGB = 0x04010203,
    ZXing_ImageFormat_BGRA = 0x04020100,
    ZXing_ImageFormat_ABGR = 0x04030201,
} ZXing_ImageFormat;

/*  A view of caller-owned pixels (not copied: they must outlive the view).
 *  rowStride / pixStride 0 mean "packed". NULL on a bad argument (see
 *  ZXing_LastErrorMsg). Free with ZXing_ImageView_delete. */
ZXing_ImageView *ZXing_ImageView_new(const uint8_t *data, int width,
                                     int height, ZXing_ImageFormat format,
                                     int rowStride, int pixStride);
void ZXing_ImageView_delete(ZXing_ImageView *iv);

/*  Barcode formats, one bit each (the upstream values). */
typedef enum {
    ZXing_BarcodeFormat_None = 0,
    ZXing_BarcodeFormat_Aztec = (1 << 0),
    ZXing_BarcodeFormat_Codabar = (1 << 1),
    ZXing_BarcodeFormat_Code39 = (1 << 2),
    ZXing_BarcodeFormat_Code93 = (1 << 3),
    ZXing_BarcodeFormat_Code128 = (1 << 4),
    ZXing_BarcodeFormat_DataBar = (1 << 5),
    ZXing_BarcodeFormat_DataBarExpanded = (1 << 6),
    ZXing_BarcodeFormat_DataMatrix = (1 << 7),
    ZXing_BarcodeFormat_EAN8 = (1 << 8),
    ZXing_BarcodeFormat_EAN13 = (1 << 9),
    ZXing_BarcodeFormat_ITF = (1 << 10),
    ZXing_BarcodeFormat_MaxiCode = (1 << 11),
    ZXing_BarcodeFormat_PDF417 = (1 << 12),
    ZXing_BarcodeFormat_QRCode = (1 << 13),
    ZXing_BarcodeFormat_UPCA = (1 << 14),
    ZXing_BarcodeFormat_UPCE = (1 << 15),
    ZXing_BarcodeFormat_MicroQRCode = (1 << 16),
} ZXing_BarcodeFormat;

typedef ZXing_BarcodeFormat ZXing_BarcodeFormats;

typedef struct ZXing_PointI {
    int x, y;
} ZXing_PointI;

typedef struct ZXing_Position {
    ZXing_PointI topLeft, topRight, bottomRight, bottomLeft;
} ZXing_Position;

/*  How grey becomes black and white (the upstream values). LocalAverage,
 *  the default, thresholds each pixel against its neighbourhood;
 *  GlobalHistogram against the valley between the two main peaks of the
 *  whole image's histogram. */
typedef enum {
    ZXing_Binarizer_LocalAverage,
    ZXing_Binarizer_GlobalHistogram,
    ZXing_Binarizer_FixedThreshold,
    ZXing_Binarizer_BoolCast,
} ZXing_Binarizer;

/*  Decoding options. _new gives the upstream defaults: TryHarder,
 *  TryRotate, TryInvert and TryDownscale on, every format, up to 255
 *  symbols. NULL only when out of memory. */
ZXing_ReaderOptions *ZXing_ReaderOptions_new(void);
void ZXing_ReaderOptions_delete(ZXing_ReaderOptions *opts);
void ZXing_ReaderOptions_setTryHarder(ZXing_ReaderOptions *opts, bool v);
void ZXing_ReaderOptions_setTryRotate(ZXing_ReaderOptions *opts, bool v);
void ZXing_ReaderOptions_setTryInvert(ZXing_ReaderOptions *opts, bool v);
void ZXing_ReaderOptions_setTryDownscale(ZXing_ReaderOptions *opts, bool v);
void ZXing_ReaderOptions_setBinarizer(ZXing_ReaderOptions *opts,
                                      ZXing_Binarizer binarizer);
void ZXing_ReaderOptions_setFormats(ZXing_ReaderOptions *opts,
                                    ZXing_BarcodeFormats formats);
/*  n is clamped to 1..255. */
void ZXing_ReaderOptions_setMaxNumberOfSymbols(ZXing_ReaderOptions *opts,
                                               int n);

/*  Every barcode found in the image (possibly none); opts NULL means the
 *  defaults. NULL on failure, with the reason in ZXing_LastErrorMsg.
 *  Free with ZXing_Barcodes_delete. */
ZXing_Barcodes *ZXing_ReadBarcodes(const ZXing_ImageView *iv,
                                   const ZXing_ReaderOptions *opts);
int ZXing_Barcodes_size(const ZXing_Barcodes *barcodes);
/*  Borrowed from the list; NULL if i is out of range. */
const ZXing_Barcode *ZXing_Barcodes_at(const ZXing_Barcodes *barcodes, int i);
void ZXing_Barcodes_delete(ZXing_Barcodes *barcodes);

bool ZXing_Barcode_isValid(const ZXing_Barcode *barcode);
/*  The content as UTF-8 text. Caller frees with ZXing_free. */
char *ZXing_Barcode_text(const ZXing_Barcode *barcode);
/*  The raw content bytes, before any character-set conversion; *len gets
 *  their number. NULL (and *len 0) if there are none. Free with
 *  ZXing_free. */
uint8_t *ZXing_Barcode_bytes(const ZXing_Barcode *barcode, int *len);
ZXing_BarcodeFormat ZXing_Barcode_format(const ZXing_Barcode *barcode);
ZXing_Position ZXing_Barcode_position(const ZXing_Barcode *barcode);
/*  True if it was found in the inverted image (light on dark). */
bool ZXing_Barcode_isInverted(const ZXing_Barcode *barcode);
/*  Why an invalid barcode failed; "" for a valid one. Free with
 *  ZXing_free. */
char *ZXing_Barcode_errorMsg(const ZXing_Barcode *barcode);

/*  The last error of this thread, NULL if none; reading it clears it.
 *  Free with ZXing_free. */
char *ZXing_LastErrorMsg(void);

void ZXing_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif

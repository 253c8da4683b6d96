/*  zxing_c.cpp - zxing_c.h over the C++ API of libzxing 1.4; the only file
 *  that includes ZXing headers. No C++ exception crosses into C: each entry
 *  point catches them all and leaves the reason for ZXing_LastErrorMsg.
 *
 *  Mapping to libzxing 1.4:
 *    ZXing_ImageView       ZXing::ImageView (arguments checked here: 1.4's
 *                          constructor checks nothing)
 *    ZXing_ReaderOptions   ZXing::DecodeHints + our own tryInvert flag
 *                          (the binarizer enums match value for value)
 *    ZXing_ReadBarcodes    ZXing::ReadBarcodes; then, with TryInvert and
 *                          fewer symbols than the maximum, once more over a
 *                          luminance-inverted copy, keeping only codes not
 *                          already found (1.4 has no inverted pass)
 *    ZXing_Barcode         ZXing::Result (text() as UTF-8) + inverted flag
 *    ZXing_Barcode_errorMsg  ZXing::ToString(Result::error())
 *  Upstream semantics kept: malloc'd strings freed by ZXing_free, NULL plus
 *  a thread-local last error on failure (reading it clears it),
 *  _delete(NULL) does nothing.
 */
#define ZX_USE_UTF8 1

#include "zxing_c.h"

#include <ReadBarcode.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

struct ZXing_ImageView {
    ZXing::ImageView view;
};

struct ZXing_ReaderOptions {
    ZXing::DecodeHints hints;
    bool tryInvert = true;
};

struct ZXing_Barcode {
    ZXing::Result result;
    bool inverted = false;
};

struct ZXing_Barcodes {
    std::vector<ZXing_Barcode> items;
};

static thread_local std::string s_last_error;

static void
s_fail(const char *what)
{
    try {
        s_last_error = what;
    } catch (...) {
        /* nothing better to do when even this string cannot be kept */
    }
}

static void
s_fail_current(void)
{
    try {
        throw;
    } catch (const std::exception &e) {
        s_fail(e.what());
    } catch (...) {
        s_fail("unknown C++ exception in ZXing");
    }
}

static char *
s_strdup(const std::string &s)
{
    char *out = static_cast<char *>(std::malloc(s.size() + 1));
    if (!out) {
        s_fail("out of memory");
        return nullptr;
    }
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    return out;
}

static bool
s_known_format(ZXing_ImageFormat f)
{
    switch (f) {
    case ZXing_ImageFormat_Lum:
    case ZXing_ImageFormat_RGB:
    case ZXing_ImageFormat_BGR:
    case ZXing_ImageFormat_RGBA:
    case ZXing_ImageFormat_ARGB:
    case ZXing_ImageFormat_BGRA:
    case ZXing_ImageFormat_ABGR:
        return true;
    case ZXing_ImageFormat_None:
        break;
    }
    return false;
}

ZXing_ImageView *
ZXing_ImageView_new(const uint8_t *data, int width, int height,
                    ZXing_ImageFormat format, int rowStride, int pixStride)
{
    if (!data || width <= 0 || height <= 0 || !s_known_format(format)) {
        s_fail("ImageView: no data, empty size or unknown format");
        return nullptr;
    }
    int bpp = (static_cast<uint32_t>(format) >> 24) & 0xFF;
    if (pixStride == 0)
        pixStride = bpp;
    if (pixStride < bpp || width > INT32_MAX / pixStride) {
        s_fail("ImageView: pixStride out of range");
        return nullptr;
    }
    if (rowStride == 0)
        rowStride = width * pixStride;
    if (rowStride < width * pixStride) {
        s_fail("ImageView: rowStride shorter than a row");
        return nullptr;
    }
    try {
        return new ZXing_ImageView{
            ZXing::ImageView(data, width, height,
                             static_cast<ZXing::ImageFormat>(format),
                             rowStride, pixStride)};
    } catch (...) {
        s_fail_current();
        return nullptr;
    }
}

void
ZXing_ImageView_delete(ZXing_ImageView *iv)
{
    delete iv;
}

ZXing_ReaderOptions *
ZXing_ReaderOptions_new(void)
{
    try {
        ZXing_ReaderOptions *opts = new ZXing_ReaderOptions;
        /* upstream 2.x defaults; 1.4's DecodeHints already has the rest */
        opts->hints.setTryHarder(true).setTryRotate(true).setTryDownscale(
            true);
        return opts;
    } catch (...) {
        s_fail_current();
        return nullptr;
    }
}

void
ZXing_ReaderOptions_delete(ZXing_ReaderOptions *opts)
{
    delete opts;
}

void
ZXing_ReaderOptions_setTryHarder(ZXing_ReaderOptions *opts, bool v)
{
    if (opts)
        opts->hints.setTryHarder(v);
}

void
ZXing_ReaderOptions_setTryRotate(ZXing_ReaderOptions *opts, bool v)
{
    if (opts)
        opts->hints.setTryRotate(v);
}

void
ZXing_ReaderOptions_setTryInvert(ZXing_ReaderOptions *opts, bool v)
{
    if (opts)
        opts->tryInvert = v;
}

void
ZXing_ReaderOptions_setTryDownscale(ZXing_ReaderOptions *opts, bool v)
{
    if (opts)
        opts->hints.setTryDownscale(v);
}

void
ZXing_ReaderOptions_setBinarizer(ZXing_ReaderOptions *opts,
                                 ZXing_Binarizer binarizer)
{
    if (!opts)
        return;
    switch (binarizer) {
    case ZXing_Binarizer_LocalAverage:
        opts->hints.setBinarizer(ZXing::Binarizer::LocalAverage);
        break;
    case ZXing_Binarizer_GlobalHistogram:
        opts->hints.setBinarizer(ZXing::Binarizer::GlobalHistogram);
        break;
    case ZXing_Binarizer_FixedThreshold:
        opts->hints.setBinarizer(ZXing::Binarizer::FixedThreshold);
        break;
    case ZXing_Binarizer_BoolCast:
        opts->hints.setBinarizer(ZXing::Binarizer::BoolCast);
        break;
    }
}

void
ZXing_ReaderOptions_setFormats(ZXing_ReaderOptions *opts,
                               ZXing_BarcodeFormats formats)
{
    if (!opts)
        return;
    /* the bits are the same in both APIs; Flags has no raw constructor */
    ZXing::BarcodeFormats set;
    for (unsigned bit = 0; bit <= 16; bit++) {
        unsigned f = 1u << bit;
        if (static_cast<unsigned>(formats) & f)
            set |= static_cast<ZXing::BarcodeFormat>(f);
    }
    opts->hints.setFormats(set);
}

void
ZXing_ReaderOptions_setMaxNumberOfSymbols(ZXing_ReaderOptions *opts, int n)
{
    if (!opts)
        return;
    if (n < 1)
        n = 1;
    if (n > 255)
        n = 255;
    opts->hints.setMaxNumberOfSymbols(static_cast<uint8_t>(n));
}

/*  The luminance of every pixel of the view, inverted, packed. */
static std::vector<uint8_t>
s_inverted_lum(const ZXing::ImageView &v)
{
    std::vector<uint8_t> out(static_cast<size_t>(v.width()) *
                             static_cast<size_t>(v.height()));
    ZXing::ImageFormat f = v.format();
    size_t k = 0;
    for (int y = 0; y < v.height(); y++) {
        for (int x = 0; x < v.width(); x++) {
            const uint8_t *p = v.data(x, y);
            uint8_t lum = f == ZXing::ImageFormat::Lum
                              ? p[0]
                              : ZXing::RGBToLum(p[ZXing::RedIndex(f)],
                                                p[ZXing::GreenIndex(f)],
                                                p[ZXing::BlueIndex(f)]);
            out[k++] = static_cast<uint8_t>(255 - lum);
        }
    }
    return out;
}

/*  Same content, and the centre of one inside the other. */
static bool
s_same_code(const ZXing::Result &a, const ZXing::Result &b)
{
    if (a.format() != b.format() || a.bytes() != b.bytes())
        return false;
    return ZXing::IsInside(ZXing::Center(b.position()), a.position()) ||
           ZXing::IsInside(ZXing::Center(a.position()), b.position());
}

ZXing_Barcodes *
ZXing_ReadBarcodes(const ZXing_ImageView *iv, const ZXing_ReaderOptions *opts)
{
    if (!iv) {
        s_fail("ReadBarcodes: no image");
        return nullptr;
    }
    try {
        ZXing_ReaderOptions defaults;
        if (!opts)
            opts = &defaults;
        size_t max = opts->hints.maxNumberOfSymbols();
        ZXing_Barcodes *out = new ZXing_Barcodes;
        try {
            for (auto &r : ZXing::ReadBarcodes(iv->view, opts->hints))
                out->items.push_back(ZXing_Barcode{std::move(r), false});
            if (opts->tryInvert && out->items.size() < max) {
                std::vector<uint8_t> inv = s_inverted_lum(iv->view);
                ZXing::ImageView view(inv.data(), iv->view.width(),
                                      iv->view.height(),
                                      ZXing::ImageFormat::Lum);
                size_t first = out->items.size();
                for (auto &r : ZXing::ReadBarcodes(view, opts->hints)) {
                    bool dup = false;
                    for (size_t i = 0; i < first && !dup; i++)
                        dup = s_same_code(out->items[i].result, r);
                    if (!dup && out->items.size() < max)
                        out->items.push_back(ZXing_Barcode{std::move(r), true});
                }
            }
        } catch (...) {
            delete out;
            throw;
        }
        return out;
    } catch (...) {
        s_fail_current();
        return nullptr;
    }
}

int
ZXing_Barcodes_size(const ZXing_Barcodes *barcodes)
{
    return barcodes ? static_cast<int>(barcodes->items.size()) : 0;
}

const ZXing_Barcode *
ZXing_Barcodes_at(const ZXing_Barcodes *barcodes, int i)
{
    if (!barcodes || i < 0 ||
        static_cast<size_t>(i) >= barcodes->items.size()) {
        s_fail("Barcodes_at: index out of range");
        return nullptr;
    }
    return &barcodes->items[static_cast<size_t>(i)];
}

void
ZXing_Barcodes_delete(ZXing_Barcodes *barcodes)
{
    delete barcodes;
}

bool
ZXing_Barcode_isValid(const ZXing_Barcode *barcode)
{
    return barcode && barcode->result.isValid();
}

char *
ZXing_Barcode_text(const ZXing_Barcode *barcode)
{
    if (!barcode) {
        s_fail("Barcode_text: no barcode");
        return nullptr;
    }
    try {
        return s_strdup(barcode->result.text());
    } catch (...) {
        s_fail_current();
        return nullptr;
    }
}

uint8_t *
ZXing_Barcode_bytes(const ZXing_Barcode *barcode, int *len)
{
    if (len)
        *len = 0;
    if (!barcode || !len) {
        s_fail("Barcode_bytes: no barcode or no length");
        return nullptr;
    }
    const ZXing::ByteArray &b = barcode->result.bytes();
    if (b.empty() || b.size() > INT32_MAX)
        return nullptr;
    uint8_t *out = static_cast<uint8_t *>(std::malloc(b.size()));
    if (!out) {
        s_fail("out of memory");
        return nullptr;
    }
    std::memcpy(out, b.data(), b.size());
    *len = static_cast<int>(b.size());
    return out;
}

ZXing_BarcodeFormat
ZXing_Barcode_format(const ZXing_Barcode *barcode)
{
    if (!barcode)
        return ZXing_BarcodeFormat_None;
    return static_cast<ZXing_BarcodeFormat>(barcode->result.format());
}

ZXing_Position
ZXing_Barcode_position(const ZXing_Barcode *barcode)
{
    ZXing_Position pos = {};
    if (!barcode)
        return pos;
    const ZXing::Position &p = barcode->result.position();
    pos.topLeft = {p.topLeft().x, p.topLeft().y};
    pos.topRight = {p.topRight().x, p.topRight().y};
    pos.bottomRight = {p.bottomRight().x, p.bottomRight().y};
    pos.bottomLeft = {p.bottomLeft().x, p.bottomLeft().y};
    return pos;
}

bool
ZXing_Barcode_isInverted(const ZXing_Barcode *barcode)
{
    return barcode && barcode->inverted;
}

char *
ZXing_Barcode_errorMsg(const ZXing_Barcode *barcode)
{
    if (!barcode) {
        s_fail("Barcode_errorMsg: no barcode");
        return nullptr;
    }
    try {
        return s_strdup(ZXing::ToString(barcode->result.error()));
    } catch (...) {
        s_fail_current();
        return nullptr;
    }
}

char *
ZXing_LastErrorMsg(void)
{
    if (s_last_error.empty())
        return nullptr;
    char *msg = s_strdup(s_last_error);
    s_last_error.clear();
    return msg;
}

void
ZXing_free(void *ptr)
{
    std::free(ptr);
}

/*  decode.c - reading QR codes out of an image: the passes (binarizer and
 *  scale) `lpg-scan decode`, `fill-check --image` and `deliver
 *  --gas-cert-image` share, within a wall-clock budget.
 *
 *  The budget. ZXing cannot be interrupted, and one call to it can take
 *  minutes on an image without a code: a lattice of finder-pattern look-
 *  alikes makes its QR detector try every triple of candidates (a 768 x
 *  768 grid of them: 28 s in a single call; with 1 px cells, 256 x 256:
 *  45 s even without TryDownscale). No option of libzxing 1.4 bounds
 *  that: TryHarder, TryRotate, TryDownscale, MaxNumberOfSymbols and the
 *  binarizer change the cost, not its order, and no cheaper first pass
 *  can tell such an image from a real one. So the passes run in a
 *  child process: the parent waits for its answer until the deadline and
 *  kills it there, which bounds both the wall-clock time and the work
 *  left behind (an abandoned thread would keep a core busy for minutes).
 *  The fork costs about a millisecond (the child's allocations are fresh
 *  pages, so `decode --repeat` no longer times a warmed-up heap); the
 *  child writes the valid codes back through a pipe and exits. It also
 *  dies on its own shortly after the deadline (alarm), should the parent
 *  die first. The image is read before, in this process: the JPEG and
 *  PNG readers have their own limits (image.c).
 */
#include "decode.h"
#include "base/error.h"
#include "fill.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    {ZXing_Binarizer_LocalAverage, 1}, {ZXing_Binarizer_GlobalHistogram, 1},
    {ZXing_Binarizer_LocalAverage, 2}, {ZXing_Binarizer_GlobalHistogram, 2},
    {ZXing_Binarizer_LocalAverage, 4}, {ZXing_Binarizer_GlobalHistogram, 4},
};
#define S_PASSES ((int)(sizeof s_passes / sizeof s_passes[0]))

/*  Most bytes the child may answer with: 255 codes of the largest QR
 *  symbol, as text (at most 4 bytes a character) and bytes, and more. */
#define S_ANSWER_MAX (16L * 1024L * 1024L)

struct lpg_scan_reader {
    ZXing_ReaderOptions *opts[S_PASSES]; /* one set a pass */
    long budget_ms;
};

/*  Pixel (x, y) of an image read at scale, in the image as loaded. */
static ZXing_PointI
s_unscale_point(ZXing_PointI p, int scale)
{
    ZXing_PointI out = {p.x / scale, p.y / scale};
    return out;
}

static ZXing_Position
s_unscale(ZXing_Position p, int scale)
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
            int x1 =
                x % 2 ? (x0 + 1 < w ? x0 + 1 : x0) : (x0 > 0 ? x0 - 1 : 0);
            o[x] = (uint8_t)((9 * r0[x0] + 3 * r0[x1] + 3 * r1[x0] + r1[x1] +
                              8) >>
                             4);
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
static int
s_read_passes(const lpg_scan_reader_t *self, const lpg_image_t *img,
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

/* ---- the child's answer ------------------------------------------------ */

/*  The answer, in the byte order of this machine (parent and child are
 *  the same program): i32 status; then, if it is LPG_OK, u32 count and a
 *  record a code (i32 format, u8 inverted, 8 x i32 corners, u32 + text,
 *  u32 + bytes), else u32 + the reason. */
typedef struct {
    uint8_t *p;
    size_t len;
    size_t cap;
    bool failed; /* out of memory or over S_ANSWER_MAX */
} s_buf_t;

static void
s_put(s_buf_t *b, const void *data, size_t n)
{
    if (b->failed)
        return;
    if (n > (size_t)S_ANSWER_MAX - b->len) {
        b->failed = true;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void
s_put_i32(s_buf_t *b, int32_t v)
{
    s_put(b, &v, sizeof v);
}

static void
s_put_blob(s_buf_t *b, const void *data, size_t n)
{
    s_put_i32(b, (int32_t)n);
    s_put(b, data, n);
}

typedef struct {
    const uint8_t *p;
    size_t left;
    bool failed; /* cut short or out of bounds */
} s_cur_t;

static int32_t
s_get_i32(s_cur_t *c)
{
    int32_t v = 0;
    if (c->failed || c->left < sizeof v) {
        c->failed = true;
        return 0;
    }
    memcpy(&v, c->p, sizeof v);
    c->p += sizeof v;
    c->left -= sizeof v;
    return v;
}

/*  A length-prefixed blob, copied and NUL-terminated (caller frees); NULL
 *  when cut short or out of memory (c->failed set). */
static void *
s_get_blob(s_cur_t *c, int *len)
{
    int32_t n = s_get_i32(c);
    if (c->failed || n < 0 || (size_t)n > c->left) {
        c->failed = true;
        return NULL;
    }
    char *out = malloc((size_t)n + 1);
    if (!out) {
        c->failed = true;
        return NULL;
    }
    memcpy(out, c->p, (size_t)n);
    out[n] = '\0';
    c->p += n;
    c->left -= (size_t)n;
    *len = n;
    return out;
}

/*  Writes all of the buffer to fd. */
static bool
s_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/*  The child: runs the passes, writes the answer to fd and exits; never
 *  returns. Exit status 0 answered, 1 could not write, 3 out of memory. */
static void
s_child(int fd, const lpg_scan_reader_t *self, const lpg_image_t *img)
{
    signal(SIGALRM, SIG_DFL);
    alarm((unsigned)(self->budget_ms / 1000 + 2));
    ZXing_Barcodes *list = NULL;
    int scale = 1;
    char why[256] = "";
    int rc = s_read_passes(self, img, &list, &scale, why, sizeof why);
    s_buf_t b = {0};
    s_put_i32(&b, rc);
    if (rc != LPG_OK) {
        s_put_blob(&b, why, strlen(why));
    } else {
        s_put_i32(&b, s_valid_count(list));
        for (int i = 0; i < ZXing_Barcodes_size(list); i++) {
            const ZXing_Barcode *code = ZXing_Barcodes_at(list, i);
            if (!ZXing_Barcode_isValid(code))
                continue;
            ZXing_Position p = s_unscale(ZXing_Barcode_position(code), scale);
            int32_t corners[8] = {
                p.topLeft.x,    p.topLeft.y,     p.topRight.x,
                p.topRight.y,   p.bottomRight.x, p.bottomRight.y,
                p.bottomLeft.x, p.bottomLeft.y,
            };
            int len = 0;
            uint8_t *bytes = ZXing_Barcode_bytes(code, &len);
            char *text = ZXing_Barcode_text(code);
            uint8_t inverted = ZXing_Barcode_isInverted(code);
            if (!text || (len > 0 && !bytes))
                b.failed = true;
            s_put_i32(&b, (int32_t)ZXing_Barcode_format(code));
            s_put(&b, &inverted, 1);
            s_put(&b, corners, sizeof corners);
            s_put_blob(&b, text ? text : "", text ? strlen(text) : 0);
            s_put_blob(&b, bytes, (size_t)len);
            ZXing_free(text);
            ZXing_free(bytes);
        }
    }
    int status = 3;
    if (!b.failed)
        status = s_write_all(fd, b.p, b.len) ? 0 : 1;
    _exit(status);
}

/*  Reads the child's answer from fd until it ends or the deadline (ms of
 *  CLOCK_MONOTONIC) passes. *timed_out says which. LPG_OK, LPG_ETOOBIG
 *  (over S_ANSWER_MAX), LPG_ENOMEM or LPG_EIO. */
static int
s_collect(s_buf_t *b, int fd, int64_t deadline, bool *timed_out)
{
    *timed_out = false;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t left =
            deadline - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        if (left <= 0) {
            *timed_out = true;
            return LPG_OK;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return LPG_EIO;
        if (n == 0)
            continue; /* the deadline, seen at the top */
        uint8_t chunk[65536];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return LPG_EIO;
        if (r == 0)
            return LPG_OK;
        s_put(b, chunk, (size_t)r);
        if (b->failed)
            return b->len + (size_t)r > (size_t)S_ANSWER_MAX ? LPG_ETOOBIG
                                                             : LPG_ENOMEM;
    }
}

/*  The codes of the child's answer. LPG_OK, the child's own error (its
 *  reason in why), LPG_ENOMEM or LPG_EINTERNAL (an answer cut short). */
static int
s_parse_answer(lpg_scan_codes_t **out, const s_buf_t *b, char *why,
               size_t whysz)
{
    s_cur_t c = {.p = b->p, .left = b->len};
    int rc = s_get_i32(&c);
    if (c.failed)
        return lpg_why_rc(why, whysz, LPG_EINTERNAL, "decoder gave no answer");
    if (rc != LPG_OK) {
        int len = 0;
        char *reason = s_get_blob(&c, &len);
        lpg_why(why, whysz, "%s", reason ? reason : lpg_strerror(rc));
        free(reason);
        return rc;
    }
    int32_t count = s_get_i32(&c);
    if (c.failed || count < 0 || count > 255)
        return lpg_why_rc(why, whysz, LPG_EINTERNAL,
                          "decoder answer malformed");
    lpg_scan_codes_t *codes = calloc(1, sizeof *codes);
    if (codes && count > 0)
        codes->codes = calloc((size_t)count, sizeof *codes->codes);
    if (!codes || (count > 0 && !codes->codes)) {
        free(codes);
        return lpg_why_rc(why, whysz, LPG_ENOMEM, "out of memory");
    }
    for (int i = 0; i < count && !c.failed; i++) {
        lpg_scan_code_t *k = &codes->codes[i];
        codes->count = i + 1;
        k->format = (ZXing_BarcodeFormat)s_get_i32(&c);
        uint8_t inverted = 0;
        if (c.left >= 1) {
            inverted = c.p[0];
            c.p++;
            c.left--;
        } else {
            c.failed = true;
        }
        k->inverted = inverted != 0;
        int32_t v[8];
        for (int j = 0; j < 8; j++)
            v[j] = s_get_i32(&c);
        k->position = (ZXing_Position){
            {v[0], v[1]}, {v[2], v[3]}, {v[4], v[5]}, {v[6], v[7]}};
        int n = 0;
        k->text = s_get_blob(&c, &n);
        k->bytes = s_get_blob(&c, &k->len);
        if (k->bytes && k->len == 0) {
            free(k->bytes);
            k->bytes = NULL;
        }
    }
    if (c.failed) {
        lpg_scan_codes_destroy(&codes);
        return lpg_why_rc(why, whysz, LPG_EINTERNAL,
                          "decoder answer malformed");
    }
    *out = codes;
    return LPG_OK;
}

int
lpg_scan_read(const lpg_scan_reader_t *self, const lpg_image_t *img,
              lpg_scan_codes_t **out, char *why, size_t whysz)
{
    *out = NULL;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t deadline =
        (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + self->budget_ms;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return lpg_why_rc(why, whysz, LPG_EIO, "cannot start the decoder: %s",
                          strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return lpg_why_rc(why, whysz, LPG_EIO, "cannot start the decoder: %s",
                          strerror(e));
    }
    if (pid == 0) {
        close(fds[0]);
        s_child(fds[1], self, img);
    }
    close(fds[1]);
    s_buf_t b = {0};
    bool timed_out = false;
    int rc = s_collect(&b, fds[0], deadline, &timed_out);
    close(fds[0]);
    if (rc != LPG_OK || timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        rc = lpg_why_rc(why, whysz, LPG_ENOCODE_TIME,
                        "no code found in time: decoding stopped after "
                        "%ld ms",
                        self->budget_ms);
    } else if (rc != LPG_OK) {
        lpg_why(why, whysz, "reading the decoder's answer: %s",
                lpg_strerror(rc));
    } else if (WIFSIGNALED(st)) {
        rc = lpg_why_rc(why, whysz, LPG_EINTERNAL, "decoder died: %s",
                        strsignal(WTERMSIG(st)));
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        rc =
            WIFEXITED(st) && WEXITSTATUS(st) == 3 ? LPG_ENOMEM : LPG_EINTERNAL;
        lpg_why(why, whysz, "decoder failed: %s",
                rc == LPG_ENOMEM ? "out of memory" : "no answer");
    } else {
        rc = s_parse_answer(out, &b, why, whysz);
    }
    free(b.p);
    return rc;
}

void
lpg_scan_codes_destroy(lpg_scan_codes_t **p)
{
    if (!p || !*p)
        return;
    for (int i = 0; i < (*p)->count; i++) {
        free((*p)->codes[i].text);
        free((*p)->codes[i].bytes);
    }
    free((*p)->codes);
    free(*p);
    *p = NULL;
}

/* ---- the budget and the reader ------------------------------------------ */

int
lpg_scan_budget_parse(long *out, const char *s)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < LPG_SCAN_BUDGET_MIN_MS ||
        n > LPG_SCAN_BUDGET_MAX_MS)
        return LPG_ERANGE;
    *out = n;
    return LPG_OK;
}

int
lpg_scan_budget(long *out, const lpg_config_t *cfg, char *why, size_t whysz)
{
    const char *v = lpg_config_get(cfg, "scan.decode_budget_ms");
    if (!v || lpg_scan_budget_parse(out, v) != LPG_OK)
        return lpg_why_rc(why, whysz, LPG_ECONFIG,
                          "scan.decode_budget_ms: want %ld..%ld "
                          "milliseconds, not '%s'",
                          LPG_SCAN_BUDGET_MIN_MS, LPG_SCAN_BUDGET_MAX_MS,
                          v ? v : "");
    return LPG_OK;
}

long
lpg_scan_reader_budget_ms(const lpg_scan_reader_t *r)
{
    return r->budget_ms;
}

/*  The decoder options of each pass (see s_passes). */
int
lpg_scan_reader_new(lpg_scan_reader_t **out, int max_symbols, long budget_ms)
{
    *out = NULL;
    if (budget_ms < LPG_SCAN_BUDGET_MIN_MS ||
        budget_ms > LPG_SCAN_BUDGET_MAX_MS)
        return LPG_ERANGE;
    lpg_scan_reader_t *self = calloc(1, sizeof *self);
    if (!self)
        return LPG_ENOMEM;
    self->budget_ms = budget_ms;
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
lpg_scan_image_text(const char *home, const char *path, char *out,
                    size_t outsz, char *why, size_t whysz)
{
    lpg_config_t *cfg = NULL;
    lpg_image_t *img = NULL;
    lpg_scan_reader_t *r = NULL;
    lpg_scan_codes_t *codes = NULL;
    long budget = 0;
    int status = 2;
    int rc = lpg_config_load(&cfg, home, why, whysz);
    if (rc == LPG_OK)
        rc = lpg_scan_budget(&budget, cfg, why, whysz);
    if (rc == LPG_OK)
        rc = lpg_image_load(&img, path, why, whysz);
    if (rc == LPG_OK)
        rc = lpg_scan_reader_new(&r, 1, budget);
    if (rc == LPG_OK)
        rc = lpg_scan_read(r, img, &codes, why, whysz);
    if (rc == LPG_ENOCODE_TIME) {
        status = 3;
    } else if (rc != LPG_OK) {
        if (!*why)
            snprintf(why, whysz, "%s", lpg_strerror(rc));
    } else if (codes->count > 0) {
        snprintf(out, outsz, "%s", codes->codes[0].text);
        status = 0;
    } else {
        status = 1;
    }
    lpg_scan_codes_destroy(&codes);
    lpg_scan_reader_destroy(&r);
    lpg_image_destroy(&img);
    lpg_config_destroy(&cfg);
    return status;
}

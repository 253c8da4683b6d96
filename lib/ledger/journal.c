/*  journal.c - the ledger's journal (see journal.h).
 *
 *  The file: a header, then the writes. The header is
 *      magic (8) | base (8) | end (8) | ops length (8) | prev leaf (32) |
 *      format (32) | SHA-256 of the writes (32) | SHA-256 of all before (32)
 *  integers little-endian. Each write is
 *      op (1) | class (1) | index (1) | 0 (1) | key length (4) |
 *      value length (4) | key | value
 *  The file never shrinks, and grows (zeros, synced) before a record that
 *  would not fit: a record's fdatasync then writes its pages and nothing
 *  of the file's metadata. The first page is mapped for readers' cheap
 *  look at the header (lpg_journal_ahead). */

#include "ledger/journal.h"
#include "base/error.h"
#include "base/log.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MAGIC "LPGJRN1\n"
#define S_HEAD 160
#define S_HEAD_HASHED 128
#define S_OP_HEAD 12
#define S_GROW (64 * 1024)
#define S_MAP 4096
_Static_assert(S_MAP >= S_HEAD, "the map holds a header");

struct lpg_journal {
    int fd;
    bool write;
    uint64_t size;      /* the file's, as this process last made or saw it */
    const uint8_t *map; /* the first page; NULL if not mapped */
    uint8_t *rbuf;      /* lpg_journal_read's ops */
    size_t rcap;
    char path[];
};

static void
s_le_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t
s_le_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void
s_u32_put(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint32_t
s_u32_get(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

void
lpg_jbuf_init(lpg_jbuf_t *b, size_t limit)
{
    memset(b, 0, sizeof *b);
    b->limit = limit;
}

void
lpg_jbuf_clear(lpg_jbuf_t *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

void
lpg_jbuf_add(lpg_jbuf_t *b, int op, unsigned cls, unsigned idx,
             const void *key, size_t klen, const void *val, size_t vlen)
{
    if (b->over)
        return;
    size_t need = S_OP_HEAD + klen + vlen;
    if (klen > UINT32_MAX || vlen > UINT32_MAX || b->len + need > b->limit) {
        b->over = true;
        return;
    }
    if (b->len + need > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap < b->len + need)
            cap *= 2;
        uint8_t *nb = realloc(b->buf, cap);
        if (!nb) {
            b->over = true;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
    uint8_t *p = b->buf + b->len;
    p[0] = (uint8_t)op;
    p[1] = (uint8_t)cls;
    p[2] = (uint8_t)idx;
    p[3] = 0;
    s_u32_put(p + 4, (uint32_t)klen);
    s_u32_put(p + 8, (uint32_t)vlen);
    if (klen)
        memcpy(p + S_OP_HEAD, key, klen);
    if (vlen)
        memcpy(p + S_OP_HEAD + klen, val, vlen);
    b->len += need;
}

int
lpg_journal_each(const uint8_t *ops, size_t len, lpg_journal_op_fn fn,
                 void *ctx)
{
    size_t at = 0;
    while (at < len) {
        if (len - at < S_OP_HEAD)
            return LPG_ECORRUPT;
        const uint8_t *p = ops + at;
        size_t klen = s_u32_get(p + 4), vlen = s_u32_get(p + 8);
        if (klen > len - at - S_OP_HEAD || vlen > len - at - S_OP_HEAD - klen)
            return LPG_ECORRUPT;
        if (p[0] != LPG_JOURNAL_PUT && p[0] != LPG_JOURNAL_DEL)
            return LPG_ECORRUPT;
        int rc = fn(ctx, p[0], p[1], p[2], p + S_OP_HEAD, klen,
                    p + S_OP_HEAD + klen, vlen);
        if (rc)
            return rc;
        at += S_OP_HEAD + klen + vlen;
    }
    return LPG_OK;
}

static int
s_map(lpg_journal_t *j)
{
    if (j->map || j->size < S_MAP)
        return LPG_OK;
    void *m = mmap(NULL, S_MAP, PROT_READ, MAP_SHARED, j->fd, 0);
    if (m == MAP_FAILED)
        return LPG_EIO;
    j->map = m;
    return LPG_OK;
}

/*  Zeros from the file's end to `size` (rounded up), then one fsync: the
 *  new length is durable before any record relies on it. */
static int
s_grow(lpg_journal_t *j, uint64_t size)
{
    size = (size + S_GROW - 1) / S_GROW * S_GROW;
    static const uint8_t zeros[S_GROW];
    for (uint64_t at = j->size; at < size;) {
        size_t n = size - at < S_GROW ? (size_t)(size - at) : S_GROW;
        ssize_t w = pwrite(j->fd, zeros, n, (off_t)at);
        if (w <= 0)
            return errno == ENOSPC ? LPG_ENOSPC : LPG_EIO;
        at += (uint64_t)w;
    }
    if (fsync(j->fd) != 0)
        return LPG_EIO;
    j->size = size;
    return LPG_OK;
}

int
lpg_journal_open(lpg_journal_t **out, const char *dir, bool write)
{
    *out = NULL;
    size_t n = strlen(dir) + sizeof LPG_JOURNAL_FILE + 2;
    lpg_journal_t *j = calloc(1, sizeof *j + n);
    if (!j)
        return LPG_ENOMEM;
    snprintf(j->path, n, "%s/%s", dir, LPG_JOURNAL_FILE);
    j->write = write;
    j->fd = open(j->path,
                 write ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC,
                 0600);
    if (j->fd < 0) {
        int e = errno;
        free(j);
        if (e == ENOENT && !write)
            return LPG_ENOTFOUND;
        lpg_error("ledger: journal %s/%s: %s", dir, LPG_JOURNAL_FILE,
                  strerror(e));
        return e == EACCES || e == EROFS ? LPG_EPERM : LPG_EIO;
    }
    struct stat st;
    int rc = fstat(j->fd, &st) == 0 ? LPG_OK : LPG_EIO;
    if (rc == LPG_OK)
        j->size = (uint64_t)st.st_size;
    if (rc == LPG_OK && write && j->size < S_GROW)
        rc = s_grow(j, S_GROW);
    if (rc == LPG_OK)
        rc = s_map(j);
    if (rc != LPG_OK) {
        lpg_error("ledger: journal %s: %s", j->path, lpg_strerror(rc));
        lpg_journal_close(&j);
        return rc;
    }
    *out = j;
    return LPG_OK;
}

void
lpg_journal_close(lpg_journal_t **p)
{
    if (!p || !*p)
        return;
    lpg_journal_t *j = *p;
    if (j->map)
        munmap((void *)j->map, S_MAP);
    if (j->fd >= 0)
        close(j->fd);
    free(j->rbuf);
    free(j);
    *p = NULL;
}

static void
s_head(uint8_t h[S_HEAD], const lpg_jrecord_t *rec, const uint8_t *ops,
       size_t ops_len)
{
    memset(h, 0, S_HEAD);
    memcpy(h, S_MAGIC, 8);
    s_le_put(h + 8, rec->base);
    s_le_put(h + 16, rec->end);
    s_le_put(h + 24, ops_len);
    memcpy(h + 32, rec->prev_leaf, 32);
    size_t fl = strnlen(rec->format, sizeof rec->format - 1);
    memcpy(h + 64, rec->format, fl);
    lpg_sha256(ops, ops_len, h + 96);
    lpg_sha256(h, S_HEAD_HASHED, h + S_HEAD_HASHED);
}

/*  A header as read: intact (its own hash) and with the magic. */
static bool
s_head_ok(const uint8_t h[S_HEAD])
{
    if (memcmp(h, S_MAGIC, 8) != 0)
        return false;
    uint8_t d[32];
    lpg_sha256(h, S_HEAD_HASHED, d);
    return memcmp(d, h + S_HEAD_HASHED, 32) == 0;
}

int
lpg_journal_write(lpg_journal_t *j, uint64_t off, const lpg_jrecord_t *rec,
                  const lpg_jbuf_t *ops, uint64_t *next)
{
    if (!j->write || ops->over || off % LPG_JOURNAL_ALIGN)
        return LPG_EPERM;
    size_t total = S_HEAD + ops->len;
    uint8_t stackbuf[16384];
    uint8_t *buf = total <= sizeof stackbuf ? stackbuf : malloc(total);
    if (!buf)
        return LPG_ENOMEM;
    s_head(buf, rec, ops->buf ? ops->buf : (const uint8_t *)"", ops->len);
    if (ops->len)
        memcpy(buf + S_HEAD, ops->buf, ops->len);
    int rc = LPG_OK;
    if (off + total > j->size)
        rc = s_grow(j, off + total);
    for (size_t at = 0; rc == LPG_OK && at < total;) {
        ssize_t w = pwrite(j->fd, buf + at, total - at, (off_t)(off + at));
        if (w <= 0)
            rc = errno == ENOSPC ? LPG_ENOSPC : LPG_EIO;
        else
            at += (size_t)w;
    }
    if (rc == LPG_OK && fdatasync(j->fd) != 0)
        rc = errno == ENOSPC ? LPG_ENOSPC : LPG_EIO;
    if (buf != stackbuf)
        free(buf);
    if (rc == LPG_OK)
        rc = s_map(j);
    if (rc != LPG_OK)
        lpg_error("ledger: journal %s: cannot write a record: %s", j->path,
                  lpg_strerror(rc));
    if (rc == LPG_OK && next)
        *next = (off + total + LPG_JOURNAL_ALIGN - 1) / LPG_JOURNAL_ALIGN *
                LPG_JOURNAL_ALIGN;
    return rc;
}

int
lpg_journal_read(lpg_journal_t *j, uint64_t off, lpg_jrecord_t *rec,
                 uint64_t *next)
{
    memset(rec, 0, sizeof *rec);
    uint8_t h[S_HEAD];
    struct stat st;
    if (fstat(j->fd, &st) != 0 || off + S_HEAD > (uint64_t)st.st_size)
        return LPG_ENOTFOUND;
    ssize_t r = pread(j->fd, h, S_HEAD, (off_t)off);
    if (r != S_HEAD || !s_head_ok(h))
        return LPG_ENOTFOUND;
    uint64_t len = s_le_get(h + 24);
    if (len > (uint64_t)st.st_size - off - S_HEAD)
        return LPG_ENOTFOUND;
    if (len > j->rcap) {
        uint8_t *nb = realloc(j->rbuf, len);
        if (!nb)
            return LPG_ENOMEM;
        j->rbuf = nb;
        j->rcap = len;
    }
    for (uint64_t at = 0; at < len;) {
        r = pread(j->fd, j->rbuf + at, len - at, (off_t)(off + S_HEAD + at));
        if (r <= 0)
            return LPG_ENOTFOUND;
        at += (uint64_t)r;
    }
    uint8_t d[32];
    lpg_sha256(j->rbuf, len, d);
    if (memcmp(d, h + 96, 32) != 0)
        return LPG_ENOTFOUND; /* torn: never synced, never answered */
    rec->base = s_le_get(h + 8);
    rec->end = s_le_get(h + 16);
    memcpy(rec->prev_leaf, h + 32, 32);
    memcpy(rec->format, h + 64, 31);
    rec->ops = j->rbuf;
    rec->ops_len = len;
    if (next)
        *next = (off + S_HEAD + len + LPG_JOURNAL_ALIGN - 1) /
                LPG_JOURNAL_ALIGN * LPG_JOURNAL_ALIGN;
    return LPG_OK;
}

int
lpg_journal_clear(lpg_journal_t *j)
{
    uint8_t h[S_HEAD] = {0};
    if (!j->write)
        return LPG_EPERM;
    if (pwrite(j->fd, h, S_HEAD, 0) != S_HEAD || fdatasync(j->fd) != 0)
        return LPG_EIO;
    return LPG_OK;
}

bool
lpg_journal_ahead(lpg_journal_t *j, uint64_t size, uint64_t *end)
{
    if (!j || !j->map)
        return false;
    uint8_t h[S_HEAD];
    memcpy(h, j->map, S_HEAD);
    if (memcmp(h, S_MAGIC, 8) != 0 || s_le_get(h + 16) <= size)
        return false;
    if (!s_head_ok(h))
        return false;
    if (end)
        *end = s_le_get(h + 16);
    return true;
}

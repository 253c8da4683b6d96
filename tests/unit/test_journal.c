/*  test_journal.c - the ledger's journal (ledger/journal.h): a record
 *  reads back as written, write by write, and the next record of a
 *  transaction goes on the next page, leaving it whole; any byte of a
 *  record changed (a torn
 *  write) and it is no record; its writes cut anywhere do not parse; a
 *  record is "ahead" only of a ledger smaller than its end; a big
 *  transaction stops gathering rather than grow without bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "ledger/journal.h"

typedef struct {
    int n;
    char seen[4][64];
} s_seen_t;

static int
s_note(void *ctx, int op, unsigned cls, unsigned idx, const uint8_t *key,
       size_t klen, const uint8_t *val, size_t vlen)
{
    s_seen_t *s = ctx;
    if (s->n < 4)
        snprintf(s->seen[s->n], sizeof s->seen[0], "%d %u %u %.*s=%.*s", op,
                 cls, idx, (int)klen, (const char *)key, (int)vlen,
                 (const char *)val);
    s->n++;
    return 0;
}

static void
s_tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "%s/lpg-journal-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
}

static void
s_rmdir(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, LPG_JOURNAL_FILE);
    unlink(p);
    rmdir(dir);
}

static void
s_fill(lpg_jbuf_t *b)
{
    lpg_jbuf_add(b, LPG_JOURNAL_PUT, 0, 3, "k1", 2, "v1", 2);
    lpg_jbuf_add(b, LPG_JOURNAL_PUT, 1, 12, "key2", 4, "", 0);
    lpg_jbuf_add(b, LPG_JOURNAL_DEL, 4, 0, "gone", 4, NULL, 0);
}

static void
test_round_trip(void **state)
{
    (void)state;
    char dir[256];
    s_tmpdir(dir, sizeof dir);
    lpg_journal_t *j = NULL;
    assert_int_equal(lpg_journal_open(&j, dir, true), LPG_OK);
    lpg_jrecord_t rec;
    assert_int_equal(lpg_journal_read(j, 0, &rec, NULL),
                     LPG_ENOTFOUND); /* none */
    assert_false(lpg_journal_ahead(j, 0, NULL));

    lpg_jbuf_t b;
    lpg_jbuf_init(&b, 1 << 20);
    s_fill(&b);
    lpg_jrecord_t w = {.base = 7, .end = 9};
    memset(w.prev_leaf, 0xab, 32);
    snprintf(w.format, sizeof w.format, "layout-x");
    assert_int_equal(lpg_journal_write(j, 0, &w, &b, NULL), LPG_OK);

    assert_int_equal(lpg_journal_read(j, 0, &rec, NULL), LPG_OK);
    assert_int_equal(rec.base, 7);
    assert_int_equal(rec.end, 9);
    assert_memory_equal(rec.prev_leaf, w.prev_leaf, 32);
    assert_string_equal(rec.format, "layout-x");
    s_seen_t seen = {0};
    assert_int_equal(lpg_journal_each(rec.ops, rec.ops_len, s_note, &seen),
                     LPG_OK);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.seen[0], "1 0 3 k1=v1");
    assert_string_equal(seen.seen[1], "1 1 12 key2=");
    assert_string_equal(seen.seen[2], "2 4 0 gone=");

    /* ahead of a ledger of 8 entries, not of one of 9 */
    uint64_t end = 0;
    assert_true(lpg_journal_ahead(j, 8, &end));
    assert_int_equal(end, 9);
    assert_false(lpg_journal_ahead(j, 9, NULL));

    /* another process's look, read-only */
    lpg_journal_t *r = NULL;
    assert_int_equal(lpg_journal_open(&r, dir, false), LPG_OK);
    assert_true(lpg_journal_ahead(r, 0, NULL));
    assert_int_equal(lpg_journal_write(r, 0, &w, &b, NULL), LPG_EPERM);
    lpg_journal_close(&r);

    /* a second record of the same transaction, on the next page */
    uint64_t next = 0, next2 = 0;
    assert_int_equal(lpg_journal_read(j, 0, &rec, &next), LPG_OK);
    assert_int_equal(next, LPG_JOURNAL_ALIGN);
    lpg_jrecord_t w2 = {.base = 9, .end = 10};
    assert_int_equal(lpg_journal_write(j, 1, &w2, &b, NULL), LPG_EPERM);
    assert_int_equal(lpg_journal_write(j, next, &w2, &b, &next2), LPG_OK);
    assert_int_equal(next2, 2 * LPG_JOURNAL_ALIGN);
    assert_int_equal(lpg_journal_read(j, next, &rec, NULL), LPG_OK);
    assert_int_equal(rec.base, 9);
    assert_int_equal(rec.end, 10);
    assert_int_equal(lpg_journal_read(j, next2, &rec, NULL), LPG_ENOTFOUND);
    /* the first is untouched by it */
    assert_int_equal(lpg_journal_read(j, 0, &rec, NULL), LPG_OK);
    assert_int_equal(rec.end, 9);

    assert_int_equal(lpg_journal_clear(j), LPG_OK);
    assert_int_equal(lpg_journal_read(j, 0, &rec, NULL), LPG_ENOTFOUND);
    assert_false(lpg_journal_ahead(j, 0, NULL));
    lpg_jbuf_clear(&b);
    lpg_journal_close(&j);
    assert_null(j);
    s_rmdir(dir);
}

/*  Every byte of a record flipped in turn: never read as a record. */
static void
test_torn(void **state)
{
    (void)state;
    char dir[256], path[512];
    s_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, LPG_JOURNAL_FILE);
    lpg_journal_t *j = NULL;
    assert_int_equal(lpg_journal_open(&j, dir, true), LPG_OK);
    lpg_jbuf_t b;
    lpg_jbuf_init(&b, 1 << 20);
    s_fill(&b);
    lpg_jrecord_t w = {.base = 1, .end = 2};
    assert_int_equal(lpg_journal_write(j, 0, &w, &b, NULL), LPG_OK);
    size_t total = 160 + b.len;
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    int caught = 0;
    for (size_t at = 0; at < total; at++) {
        uint8_t c;
        assert_int_equal(pread(fd, &c, 1, (off_t)at), 1);
        uint8_t x = c ^ 0x5a;
        assert_int_equal(pwrite(fd, &x, 1, (off_t)at), 1);
        lpg_jrecord_t rec;
        if (lpg_journal_read(j, 0, &rec, NULL) == LPG_ENOTFOUND)
            caught++;
        assert_int_equal(pwrite(fd, &c, 1, (off_t)at), 1);
    }
    close(fd);
    assert_int_equal(caught, (int)total);
    lpg_jrecord_t rec;
    assert_int_equal(lpg_journal_read(j, 0, &rec, NULL),
                     LPG_OK); /* put back */
    lpg_jbuf_clear(&b);
    lpg_journal_close(&j);
    s_rmdir(dir);
}

/*  The writes cut at every length short of whole: they do not parse. */
static void
test_cut(void **state)
{
    (void)state;
    lpg_jbuf_t b;
    lpg_jbuf_init(&b, 1 << 20);
    s_fill(&b);
    int whole = 0;
    for (size_t n = 0; n < b.len; n++) {
        s_seen_t seen = {0};
        int rc = lpg_journal_each(b.buf, n, s_note, &seen);
        if (rc == LPG_OK)
            whole++; /* only at a write's end */
        else
            assert_int_equal(rc, LPG_ECORRUPT);
    }
    assert_int_equal(whole, 3); /* 0 bytes, after the first, the second */
    uint8_t bad[12] = {9};
    s_seen_t seen = {0};
    assert_int_equal(lpg_journal_each(bad, sizeof bad, s_note, &seen),
                     LPG_ECORRUPT); /* no such op */
    lpg_jbuf_clear(&b);
}

static void
test_limit(void **state)
{
    (void)state;
    lpg_jbuf_t b;
    lpg_jbuf_init(&b, 64);
    lpg_jbuf_add(&b, LPG_JOURNAL_PUT, 0, 0, "k", 1, "v", 1);
    assert_false(b.over);
    char big[100] = {0};
    lpg_jbuf_add(&b, LPG_JOURNAL_PUT, 0, 0, "k", 1, big, sizeof big);
    assert_true(b.over);
    lpg_jbuf_add(&b, LPG_JOURNAL_PUT, 0, 0, "k", 1, "v", 1);
    assert_int_equal(b.len, 14); /* nothing more gathered */
    char dir[256];
    s_tmpdir(dir, sizeof dir);
    lpg_journal_t *j = NULL;
    assert_int_equal(lpg_journal_open(&j, dir, true), LPG_OK);
    lpg_jrecord_t w = {.base = 0, .end = 1};
    assert_int_equal(lpg_journal_write(j, 0, &w, &b, NULL), LPG_EPERM);
    lpg_journal_close(&j);
    lpg_jbuf_clear(&b);
    s_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_torn),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

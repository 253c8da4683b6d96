/*  cmd_backup.c - lpgtrace backup DIR [--compact] and
 *  lpgtrace restore DIR --home NEWHOME [--force].
 *
 *  backup copies the live ledger as of one read transaction (services go
 *  on writing meanwhile), the home's keys/ and lpgtrace.conf (modes
 *  kept: private keys stay 0600), verifies the copy in full (lib/verify),
 *  and writes DIR/manifest.json: the tree size and root of the copy and
 *  the size and SHA-256 of every file. restore checks every file against
 *  the manifest before it touches the new home, copies them in, and
 *  verifies the result in full (tree size and root as the manifest
 *  says); a home that is not empty is refused unless --force, and a
 *  ledger some process has open is refused always.
 */
#include "cli.h"
#include "crypto/crypto.h"
#include "domain/kind.h"
#include "base/error.h"
#include "base/clock.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "domain/state.h"
#include "base/progress.h"
#include "ledger/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_FORMAT "lpgtrace-backup 1"
#define S_MANIFEST "manifest.json"
#define S_MANIFEST_MAX (16u << 20)
#define S_MAX_FILES 4096

typedef struct {
    char path[300]; /* relative to the home / backup */
    unsigned mode;
    uint64_t bytes;
    uint8_t sha[32];
} s_file_t;

typedef struct {
    s_file_t *f;
    size_t n, cap;
} s_files_t;

static int
s_add(s_files_t *fs, const char *path, unsigned mode)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 32;
        if (cap > S_MAX_FILES)
            return LPG_ETOOBIG;
        s_file_t *f = realloc(fs->f, cap * sizeof *f);
        if (!f)
            return LPG_ENOMEM;
        fs->f = f;
        fs->cap = cap;
    }
    s_file_t *f = &fs->f[fs->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    f->mode = mode & 0644; /* never executable, never writable by others */
    return LPG_OK;
}

/*  Under keys/, only plain names: no directories, nothing hidden. */
static bool
s_key_name_ok(const char *name)
{
    if (!*name || name[0] == '.' || strlen(name) > 200)
        return false;
    for (const char *p = name; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20)
            return false;
    return true;
}

/*  A path a manifest may name. */
static bool
s_path_ok(const char *p)
{
    if (strcmp(p, "ledger/data.mdb") == 0 || strcmp(p, "lpgtrace.conf") == 0)
        return true;
    return strncmp(p, "keys/", 5) == 0 && s_key_name_ok(p + 5);
}

static int
s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return LPG_EIO;
    int rc = fsync(fd) == 0 ? LPG_OK : LPG_EIO;
    close(fd);
    return rc;
}

/*  Copies src to dst (through dst.tmp, synced, then renamed over dst)
 *  with mode. */
static int
s_copy(const char *src, const char *dst, unsigned mode)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", dst);
    unlink(tmp);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        fprintf(stderr, "lpgtrace: %s: %s\n", src, strerror(errno));
        return LPG_EIO;
    }
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        fprintf(stderr, "lpgtrace: %s: %s\n", tmp, strerror(errno));
        close(in);
        return LPG_EIO;
    }
    int rc = fchmod(out, mode) == 0 ? LPG_OK : LPG_EIO;
    static char buf[1 << 16];
    while (rc == LPG_OK) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n == 0 ? LPG_OK : LPG_EIO;
            break;
        }
        for (ssize_t off = 0; off < n && rc == LPG_OK;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                rc = LPG_EIO;
            else
                off += w;
        }
    }
    if (rc == LPG_OK && fsync(out) != 0)
        rc = LPG_EIO;
    if (close(out) != 0 && rc == LPG_OK)
        rc = LPG_EIO;
    close(in);
    if (rc == LPG_OK && rename(tmp, dst) != 0)
        rc = LPG_EIO;
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: copying %s to %s: %s\n", src, dst,
                strerror(errno));
        unlink(tmp);
    }
    return rc;
}

/*  true if dir does not exist or holds nothing. */
static bool
s_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT;
    struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
            empty = false;
    closedir(d);
    return empty;
}

static int
s_mkdir(const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "lpgtrace: cannot create %s: %s\n", dir,
                strerror(errno));
        return LPG_EIO;
    }
    return LPG_OK;
}

static void
s_progress(void *ctx, uint64_t done, uint64_t total)
{
    lpg_progress_update(ctx, done);
}

/*  A full verify of the ledger in dir (read only), and its tree size and
 *  root. LPG_OK with r->error the verdict, or an error that stopped it. */
static int
s_verify(const char *dir, const char *label, lpg_verify_report_t *r,
         uint64_t *size, uint8_t root[32])
{
    lpg_ledger_t *l = NULL;
    int rc =
        lpg_ledger_open(&l, dir, LPG_LEDGER_RDONLY, 0, &lpg_domain_projection);
    if (rc != LPG_OK)
        return rc;
    uint8_t lpub[32];
    char origin[256];
    lpg_key_t *lkey = NULL;
    rc = lpg_ledger_meta(l, NULL, lpub, origin, sizeof origin);
    if (rc == LPG_OK)
        rc = lpg_key_from_raw_public(&lkey, lpub);
    if (rc == LPG_OK)
        rc = lpg_ledger_size(l, size);
    if (rc == LPG_OK)
        rc = lpg_ledger_root(l, *size, root);
    if (rc == LPG_OK) {
        lpg_verify_opts_t o = {0};
        o.ledger_key = lkey;
        o.origin = origin;
        lpg_progress_t *bar = NULL;
        lpg_progress_new(&bar, label, *size);
        o.progress = s_progress;
        o.progress_ctx = bar;
        rc = lpg_verify_ledger(l, &o, r);
        lpg_progress_finish(&bar);
    }
    lpg_key_destroy(&lkey);
    lpg_ledger_close(&l);
    return rc;
}

static void
s_print_damage(const char *what, const lpg_verify_report_t *r)
{
    if (r->has_seq)
        printf("DAMAGED: %s: entry %" PRIu64 ": %s [%s]\n", what, r->seq,
               r->why, lpg_errtoken(r->error));
    else
        printf("DAMAGED: %s: %s [%s]\n", what, r->why, lpg_errtoken(r->error));
}

/* -------------------------------------------------------------- backup */

/*  The files of a home to keep besides the ledger: lpgtrace.conf and
 *  every plain file under keys/. */
static int
s_home_files(const char *home, s_files_t *fs)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/lpgtrace.conf", home);
    int rc = LPG_OK;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        rc = s_add(fs, "lpgtrace.conf", st.st_mode);
    snprintf(path, sizeof path, "%s/keys", home);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "lpgtrace: %s: %s\n", path, strerror(errno));
        return LPG_EIO;
    }
    struct dirent *e;
    while (rc == LPG_OK && (e = readdir(d)) != NULL) {
        if (!s_key_name_ok(e->d_name))
            continue;
        char rel[300];
        snprintf(rel, sizeof rel, "keys/%s", e->d_name);
        snprintf(path, sizeof path, "%s/%s", home, rel);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = s_add(fs, rel, st.st_mode);
    }
    closedir(d);
    return rc;
}

static json_t *
s_manifest(const char *home, uint64_t size, const uint8_t root[32],
           bool compact, const lpg_verify_report_t *r, const s_files_t *fs)
{
    char hex[65], b64[64], when[32], mode[8];
    size_t b64len;
    lpg_hex(root, 32, hex);
    lpg_base64_encode(root, 32, false, b64, sizeof b64, &b64len);
    time_t now = (time_t)(lpg_clock_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *files = json_array();
    for (size_t i = 0; files && i < fs->n; i++) {
        char sha[65];
        lpg_hex(fs->f[i].sha, 32, sha);
        snprintf(mode, sizeof mode, "%04o", fs->f[i].mode);
        json_array_append_new(
            files, json_pack("{s:s, s:s, s:I, s:s}", "path", fs->f[i].path,
                             "mode", mode, "bytes", (json_int_t)fs->f[i].bytes,
                             "sha256", sha));
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:b, "
                     "s:{s:I, s:I, s:I}, s:o}",
                     "format", S_FORMAT, "created", when, "home", home,
                     "tree_size", (json_int_t)size, "root", hex, "root_base64",
                     b64, "compact", compact, "verified", "entries",
                     (json_int_t)r->entries, "checkpoints",
                     (json_int_t)r->checkpoints, "state_rows",
                     (json_int_t)r->state_rows, "files", files);
}

static int
s_write_manifest(const char *dir, json_t *doc)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, S_MANIFEST);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    if (!text)
        return LPG_ENOMEM;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = fd >= 0 ? LPG_OK : LPG_EIO;
    size_t len = strlen(text);
    if (rc == LPG_OK && (write(fd, text, len) != (ssize_t)len ||
                         write(fd, "\n", 1) != 1 || fsync(fd) != 0))
        rc = LPG_EIO;
    if (fd >= 0)
        close(fd);
    free(text);
    if (rc == LPG_OK)
        rc = s_sync_dir(dir);
    return rc;
}

static int
s_backup(lpg_cli_t *cli, const char *dir, bool compact)
{
    const char *home = cli->home;
    if (!s_empty_dir(dir)) {
        fprintf(stderr,
                "lpgtrace: %s is not empty: a backup goes into a "
                "new directory\n",
                dir);
        return 2;
    }
    char ldir[4096], kdir[4096], src[8300], dst[8300];
    snprintf(ldir, sizeof ldir, "%s/ledger", dir);
    snprintf(kdir, sizeof kdir, "%s/keys", dir);
    if (s_mkdir(dir) || s_mkdir(ldir) || s_mkdir(kdir))
        return 2;
    /* 1. The ledger, as of one read transaction. */
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    int rc = lpg_ledger_copy(l, ldir, compact);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("copy the ledger", rc);
    /* 2. Keys and configuration. */
    s_files_t fs = {0};
    int status = 0;
    rc = s_add(&fs, "ledger/data.mdb", 0600);
    if (rc == LPG_OK)
        rc = s_home_files(home, &fs);
    for (size_t i = 1; rc == LPG_OK && i < fs.n; i++) {
        snprintf(src, sizeof src, "%s/%s", home, fs.f[i].path);
        snprintf(dst, sizeof dst, "%s/%s", dir, fs.f[i].path);
        rc = s_copy(src, dst, fs.f[i].mode);
    }
    if (rc == LPG_OK)
        rc = s_sync_dir(kdir);
    if (rc != LPG_OK)
        status = lpg_cli_fail("copy the keys", rc);
    /* 3. A full verify of the copy. */
    lpg_verify_report_t r;
    uint64_t size = 0;
    uint8_t root[32];
    if (!status) {
        rc = s_verify(ldir, "verify copy", &r, &size, root);
        snprintf(dst, sizeof dst, "%s/lock.mdb", ldir);
        unlink(dst); /* made by the verify's read-only open */
        if (rc != LPG_OK)
            status = lpg_cli_fail("verify the copy", rc);
        else if (r.error != LPG_OK) {
            s_print_damage("the copy", &r);
            fprintf(stderr,
                    "lpgtrace: no manifest written: %s is not a "
                    "backup\n",
                    dir);
            status = 1;
        }
    }
    /* 4. What was kept, with its SHA-256. */
    for (size_t i = 0; !status && i < fs.n; i++) {
        snprintf(dst, sizeof dst, "%s/%s", dir, fs.f[i].path);
        rc = lpg_sha256_file(dst, fs.f[i].sha, &fs.f[i].bytes);
        if (rc != LPG_OK)
            status = lpg_cli_fail(dst, rc);
    }
    if (!status) {
        json_t *doc = s_manifest(home, size, root, compact, &r, &fs);
        rc = s_write_manifest(dir, doc);
        json_decref(doc);
        if (rc != LPG_OK)
            status = lpg_cli_fail("write the manifest", rc);
    }
    if (!status) {
        char hex[65];
        lpg_hex(root, 32, hex);
        printf("backup of %s in %s\n"
               "  ledger    ledger/data.mdb: %" PRIu64 " bytes%s, tree size "
               "%" PRIu64 ", root %s\n"
               "  files     %zu (keys/ and lpgtrace.conf, modes kept)\n"
               "  verified  %" PRIu64 " entries, %" PRIu64 " checkpoints, "
               "state tables match the log\n"
               "  manifest  %s/%s (SHA-256 of every file)\n",
               home, dir, fs.f[0].bytes, compact ? " (compacted)" : "", size,
               hex, fs.n - 1, r.entries, r.checkpoints, dir, S_MANIFEST);
        for (size_t i = 0; i < fs.n; i++)
            if (strcmp(fs.f[i].path, "keys/authority.pem") == 0)
                printf("Note: keys/authority.pem is in this backup: keep it "
                       "offline, like the authority key itself.\n");
    }
    free(fs.f);
    return status;
}

/* ------------------------------------------------------------- restore */

typedef struct {
    uint64_t tree_size;
    uint8_t root[32];
    s_files_t fs;
} s_manifest_t;

static int
s_read_manifest(const char *dir, s_manifest_t *m)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, S_MANIFEST);
    size_t len;
    char *text = lpg_cli_read_file(path, S_MANIFEST_MAX, &len);
    if (!text)
        return 2;
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    free(text);
    const char *format = NULL, *root = NULL;
    json_int_t size = -1;
    json_t *files = NULL;
    if (!doc ||
        json_unpack(doc, "{s:s, s:I, s:s, s:o}", "format", &format,
                    "tree_size", &size, "root", &root, "files", &files) != 0 ||
        strcmp(format, S_FORMAT) != 0 || size < 0 || strlen(root) != 64 ||
        !json_is_array(files)) {
        fprintf(stderr, "lpgtrace: %s is not an lpgtrace backup manifest\n",
                path);
        json_decref(doc);
        return 2;
    }
    m->tree_size = (uint64_t)size;
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        sscanf(root + 2 * i, "%2x", &v);
        m->root[i] = (uint8_t)v;
    }
    bool has_ledger = false;
    int status = 0;
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
    {
        const char *p = NULL, *mode = NULL, *sha = NULL;
        json_int_t bytes = -1;
        if (json_unpack(f, "{s:s, s:s, s:I, s:s}", "path", &p, "mode", &mode,
                        "bytes", &bytes, "sha256", &sha) != 0 ||
            !s_path_ok(p) || strlen(sha) != 64 || bytes < 0 ||
            s_add(&m->fs, p, (unsigned)strtoul(mode, NULL, 8)) != LPG_OK) {
            fprintf(stderr,
                    "lpgtrace: %s: file %zu of the manifest is not "
                    "one a backup holds\n",
                    path, i);
            status = 2;
            break;
        }
        s_file_t *sf = &m->fs.f[m->fs.n - 1];
        sf->bytes = (uint64_t)bytes;
        for (size_t k = 0; k < 32; k++) {
            unsigned v;
            sscanf(sha + 2 * k, "%2x", &v);
            sf->sha[k] = (uint8_t)v;
        }
        if (strcmp(p, "ledger/data.mdb") == 0)
            has_ledger = true;
    }
    if (!status && !has_ledger) {
        fprintf(stderr, "lpgtrace: %s names no ledger/data.mdb\n", path);
        status = 2;
    }
    json_decref(doc);
    return status;
}

/*  Every file of the manifest, in base, as the manifest says. */
static int
s_check_files(const char *base, const s_manifest_t *m, const char *what)
{
    for (size_t i = 0; i < m->fs.n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", base, m->fs.f[i].path);
        uint8_t sha[32];
        uint64_t bytes = 0;
        int rc = lpg_sha256_file(path, sha, &bytes);
        if (rc != LPG_OK) {
            printf("DAMAGED: %s: %s: %s\n", what, m->fs.f[i].path,
                   lpg_strerror(rc));
            return 1;
        }
        if (bytes != m->fs.f[i].bytes || memcmp(sha, m->fs.f[i].sha, 32)) {
            printf("DAMAGED: %s: %s does not match the manifest (%s)\n", what,
                   m->fs.f[i].path,
                   bytes != m->fs.f[i].bytes ? "size" : "SHA-256");
            return 1;
        }
    }
    return 0;
}

static int
s_restore(lpg_cli_t *cli, const char *dir, bool force)
{
    const char *home = cli->home;
    s_manifest_t m;
    int status = s_read_manifest(dir, &m);
    /* Before: the backup is what its manifest says, or nothing is done. */
    if (!status)
        status = s_check_files(dir, &m, "the backup");
    char ldir[4096], kdir[4096], src[8300], dst[8300];
    snprintf(ldir, sizeof ldir, "%s/ledger", home);
    snprintf(kdir, sizeof kdir, "%s/keys", home);
    if (!status && !s_empty_dir(home)) {
        if (!force) {
            fprintf(stderr,
                    "lpgtrace: %s is not empty: restore into a new "
                    "home, or give --force to replace its ledger, "
                    "keys and configuration\n",
                    home);
            status = 2;
        } else if (lpg_ledger_in_use(ldir) != LPG_OK) {
            fprintf(stderr,
                    "lpgtrace: a process has the ledger in %s open: "
                    "stop the services first\n",
                    ldir);
            status = 2;
        } else {
            snprintf(dst, sizeof dst, "%s/data.mdb", ldir);
            unlink(dst);
            snprintf(dst, sizeof dst, "%s/lock.mdb", ldir);
            unlink(dst);
            /* the replaced ledger's: nothing in it follows the copy */
            snprintf(dst, sizeof dst, "%s/" LPG_JOURNAL_FILE, ldir);
            unlink(dst);
        }
    }
    if (!status && (s_mkdir(home) || s_mkdir(ldir) || s_mkdir(kdir)))
        status = 2;
    for (size_t i = 0; !status && i < m.fs.n; i++) {
        snprintf(src, sizeof src, "%s/%s", dir, m.fs.f[i].path);
        snprintf(dst, sizeof dst, "%s/%s", home, m.fs.f[i].path);
        if (s_copy(src, dst, m.fs.f[i].mode) != LPG_OK)
            status = 2;
    }
    if (!status && (s_sync_dir(ldir) || s_sync_dir(kdir) || s_sync_dir(home)))
        status = lpg_cli_fail("sync the new home", LPG_EIO);
    /* After: the files landed whole, and the ledger verifies in full. */
    lpg_verify_report_t r;
    uint64_t size = 0;
    uint8_t root[32];
    bool copied = !status;
    if (!status)
        status = s_check_files(home, &m, "the restored home");
    if (!status) {
        int rc = s_verify(ldir, "verify", &r, &size, root);
        if (rc != LPG_OK)
            status = lpg_cli_fail("verify the restored ledger", rc);
        else if (r.error != LPG_OK) {
            s_print_damage("the restored ledger", &r);
            status = 1;
        } else if (size != m.tree_size || memcmp(root, m.root, 32) != 0) {
            printf("DAMAGED: the restored ledger has tree size %" PRIu64
                   ", the manifest says %" PRIu64 " (or another root)\n",
                   size, m.tree_size);
            status = 1;
        }
    }
    if (status && copied) {
        /* No service may start on a ledger that failed its checks. */
        snprintf(dst, sizeof dst, "%s/data.mdb", ldir);
        unlink(dst);
        fprintf(stderr,
                "lpgtrace: the restored ledger was removed from "
                "%s\n",
                ldir);
    }
    if (!status) {
        char hex[65];
        lpg_hex(root, 32, hex);
        printf("restored %s into %s\n"
               "  checked   %zu files against the manifest, before and "
               "after\n"
               "  verified  %" PRIu64 " entries, %" PRIu64 " checkpoints, "
               "state tables match the log\n"
               "  tree      size %" PRIu64 ", root %s (as the manifest "
               "says)\n",
               dir, home, m.fs.n, r.entries, r.checkpoints, size, hex);
    }
    free(m.fs.f);
    return status;
}

int
lpg_cmd_backup(lpg_cli_t *cli, int argc, char **argv)
{
    const char *dir = NULL;
    bool compact = false, bad = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--compact") == 0)
            compact = true;
        else if (argv[i][0] != '-' && !dir)
            dir = argv[i];
        else
            bad = true;
    }
    if (!dir || bad) {
        fprintf(stderr, "usage: lpgtrace [--home HOME] backup DIR "
                        "[--compact]\n");
        return 2;
    }
    return s_backup(cli, dir, compact);
}

int
lpg_cmd_restore(lpg_cli_t *cli, int argc, char **argv)
{
    const char *dir = NULL;
    bool force = false, bad = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0)
            force = true;
        else if (argv[i][0] != '-' && !dir)
            dir = argv[i];
        else
            bad = true;
    }
    if (!dir || bad) {
        fprintf(stderr, "usage: lpgtrace restore DIR --home NEWHOME "
                        "[--force]\n");
        return 2;
    }
    return s_restore(cli, dir, force);
}

/*  queue.c - see queue.h. */
#include "queue.h"
#include "base/error.h"
#include "crypto/crypto.h"
#include "net/client.h"
#include "net/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_QUEUE "delivery.queue"
#define S_STEP_MAX 16

/*  The queue's path in the home, and its lock file's. */
static void
s_paths(const lpg_config_t *cfg, char *path, size_t pathsz, char *lock,
        size_t locksz)
{
    lpg_config_path(cfg, S_QUEUE, path, pathsz);
    snprintf(lock, locksz, "%s.lock", path);
}

/*  Takes the queue's lock: the descriptor, or -1 (printed). */
static int
s_lock(const char *lock)
{
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        fprintf(stderr, "lpg-scan: %s: %s\n", lock, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void
s_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the lock */
}

/*  The directory of path synced, so a rename or new file in it lasts. */
static int
s_sync_dir(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/*  Writes all of buf to fd. 0 or an errno. */
static int
s_write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : ENOSPC;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

static int
s_io_fail(const char *path, int err)
{
    fprintf(stderr, "lpg-scan: %s: %s\n", path,
            err == ENOSPC ? lpg_strerror(LPG_ENOSPC) : strerror(err));
    return err == ENOSPC ? LPG_ENOSPC : LPG_EIO;
}

int
lpg_scan_queue_add(const lpg_config_t *cfg, const char *step,
                   const uint8_t id[LPG_EVENT_ID_LEN],
                   const uint8_t *signed_event, size_t len)
{
    char path[4096], lock[4200];
    s_paths(cfg, path, sizeof path, lock, sizeof lock);
    size_t linesz = 2 * LPG_EVENT_ID_LEN + S_STEP_MAX + 2 * len + 4;
    char *line = malloc(linesz);
    if (!line)
        return LPG_ENOMEM;
    char hex[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(id, LPG_EVENT_ID_LEN, hex);
    int n = snprintf(line, linesz, "%s %.*s ", hex, S_STEP_MAX, step);
    lpg_hex(signed_event, len, line + n);
    size_t total = (size_t)n + 2 * len;
    line[total++] = '\n';
    int lk = s_lock(lock);
    if (lk < 0) {
        free(line);
        return LPG_EIO;
    }
    int err = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = errno;
    } else {
        struct stat st;
        off_t was = fstat(fd, &st) == 0 ? st.st_size : -1;
        err = s_write_all(fd, line, total);
        if (err && was >= 0 && ftruncate(fd, was) != 0)
            fprintf(stderr,
                    "lpg-scan: %s: a half line may be left at "
                    "the end\n",
                    path);
        if (!err && fsync(fd) != 0)
            err = errno;
        if (close(fd) != 0 && !err)
            err = errno;
        if (!err && s_sync_dir(path) != 0)
            err = errno;
    }
    s_unlock(lk);
    free(line);
    return err ? s_io_fail(path, err) : LPG_OK;
}

/* ---- sending ---------------------------------------------------------- */

typedef struct {
    char *text; /* the whole line, without '\n' */
    char id[2 * LPG_EVENT_ID_LEN + 1];
    char step[S_STEP_MAX + 1];
    uint8_t *data; /* the SignedEvent */
    size_t len;
} s_line_t;

static int
s_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/*  Splits "<id> <step> <hex>" into l (text is kept); false if it is not
 *  such a line. */
static bool
s_parse_line(s_line_t *l)
{
    const char *t = l->text;
    const char *sp1 = strchr(t, ' ');
    const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || sp1 - t != 2 * LPG_EVENT_ID_LEN ||
        sp2 - sp1 - 1 > S_STEP_MAX || sp2 == sp1 + 1)
        return false;
    memcpy(l->id, t, (size_t)(sp1 - t));
    l->id[sp1 - t] = '\0';
    memcpy(l->step, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    l->step[sp2 - sp1 - 1] = '\0';
    const char *h = sp2 + 1;
    size_t hl = strlen(h);
    if (hl == 0 || hl % 2)
        return false;
    l->data = malloc(hl / 2);
    if (!l->data)
        return false;
    for (size_t i = 0; i < hl / 2; i++) {
        int a = s_nibble(h[2 * i]), b = s_nibble(h[2 * i + 1]);
        if (a < 0 || b < 0) {
            free(l->data);
            l->data = NULL;
            return false;
        }
        l->data[i] = (uint8_t)(a << 4 | b);
    }
    l->len = hl / 2;
    return true;
}

/*  Reads the queue's lines (none if there is no file). */
static int
s_read(const char *path, s_line_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? LPG_OK : s_io_fail(path, errno);
    s_line_t *v = NULL;
    size_t cap = 0;
    char *buf = NULL;
    size_t bufsz = 0;
    ssize_t got;
    int rc = LPG_OK;
    while ((got = getline(&buf, &bufsz, f)) > 0) {
        if (buf[got - 1] != '\n')
            break; /* a half line left by a crash: never sent, dropped */
        buf[got - 1] = '\0';
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            s_line_t *p = realloc(v, cap * sizeof *p);
            if (!p) {
                rc = LPG_ENOMEM;
                break;
            }
            v = p;
        }
        s_line_t *l = &v[*n];
        memset(l, 0, sizeof *l);
        l->text = strdup(buf);
        if (!l->text) {
            rc = LPG_ENOMEM;
            break;
        }
        if (!s_parse_line(l))
            fprintf(stderr,
                    "lpg-scan: %s: line %zu is not a queued event: "
                    "kept, not sent\n",
                    path, *n + 1);
        (*n)++;
    }
    free(buf);
    fclose(f);
    *out = v;
    return rc;
}

static void
s_free_lines(s_line_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].text);
        free(v[i].data);
    }
    free(v);
}

/*  Replaces the queue with the n lines of v (none: removes it). */
static int
s_rewrite(const char *path, const s_line_t *v, size_t n)
{
    if (n == 0) {
        if (unlink(path) != 0 && errno != ENOENT)
            return s_io_fail(path, errno);
        s_sync_dir(path);
        return LPG_OK;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return s_io_fail(tmp, errno);
    int err = 0;
    for (size_t i = 0; !err && i < n; i++) {
        err = s_write_all(fd, v[i].text, strlen(v[i].text));
        if (!err)
            err = s_write_all(fd, "\n", 1);
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (!err && s_sync_dir(path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        return s_io_fail(path, err);
    }
    return LPG_OK;
}

/*  One line (or JSON object) for an event that got an answer. */
static void
s_print(const s_line_t *l, const Lpg__Reply *r, bool json)
{
    bool recorded = r->has_seq;
    if (json) {
        json_t *o = lpg_msg_reply_json(r);
        if (o) {
            json_object_set_new(o, "event_id", json_string(l->id));
            json_object_set_new(o, "step", json_string(l->step));
            json_object_set_new(o, "queued", json_false());
        }
        lpg_msg_emit_json(o);
        return;
    }
    if (recorded)
        printf("SENT  %-10s event id %s  recorded, seq %llu, %s%s\n", l->step,
               l->id, (unsigned long long)r->seq,
               r->status == LPG__STATUS__STATUS_OK ? "accepted" : "refused",
               r->duplicate ? " (already recorded)" : "");
    else
        printf("SENT  %-10s event id %s  not recorded: %s %s: %s "
               "(removed from the queue)\n",
               l->step, l->id, lpg_msg_status_name(r->status), r->token,
               r->message);
    for (size_t i = 0; recorded && i < r->n_reasons; i++)
        printf("  - %s\n", r->reasons[i]->token);
}

static void
s_print_kept(const s_line_t *l, bool json, const char *why)
{
    if (json) {
        json_t *o = json_object();
        if (o) {
            json_object_set_new(o, "event_id", json_string(l->id));
            json_object_set_new(o, "step", json_string(l->step));
            json_object_set_new(o, "queued", json_true());
            json_object_set_new(o, "message", json_string(why));
        }
        lpg_msg_emit_json(o);
        return;
    }
    printf("QUEUED  %-10s event id %s  kept: %s\n", l->step, l->id, why);
}

int
lpg_scan_queue_send(const lpg_config_t *cfg, bool json, const uint8_t *watch,
                    lpg_scan_queue_result_t *out)
{
    memset(out, 0, sizeof *out);
    char path[4096], lock[4200];
    s_paths(cfg, path, sizeof path, lock, sizeof lock);
    char watch_hex[2 * LPG_EVENT_ID_LEN + 1] = "";
    if (watch)
        lpg_hex(watch, LPG_EVENT_ID_LEN, watch_hex);
    int lk = s_lock(lock);
    if (lk < 0)
        return LPG_EIO;
    s_line_t *v = NULL;
    size_t n = 0;
    int rc = s_read(path, &v, &n);
    lpg_client_t *c = NULL;
    size_t i = 0;
    const char *why = NULL;
    if (rc == LPG_OK && n > 0 &&
        lpg_client_from_config(&c, cfg, "delivery") != LPG_OK)
        why = "lpg-deliveryd cannot be reached (configuration)";
    /* Sent in order; the first without an answer stops the rest. Lines
     * that cannot be read stay where they are. */
    s_line_t *kept = NULL;
    size_t nkept = 0;
    if (rc == LPG_OK && n > 0)
        kept = calloc(n, sizeof *kept);
    if (rc == LPG_OK && n > 0 && !kept)
        rc = LPG_ENOMEM;
    for (i = 0; rc == LPG_OK && !why && i < n; i++) {
        if (!v[i].data) {
            kept[nkept++] = v[i];
            continue;
        }
        Lpg__Reply *r = NULL;
        int sr = lpg_client_submit(c, v[i].data, v[i].len, &r);
        bool answered = sr == LPG_OK &&
                        r->status != LPG__STATUS__STATUS_UNAVAILABLE &&
                        r->status != LPG__STATUS__STATUS_INTERNAL;
        if (!answered) {
            why = sr != LPG_OK ? "lpg-deliveryd did not answer"
                               : "lpg-deliveryd could not record it now";
            if (r)
                lpg__reply__free_unpacked(r, NULL);
            break;
        }
        if (r->has_seq)
            out->recorded++;
        else
            out->dropped++;
        if (watch && strcmp(v[i].id, watch_hex) == 0 && !out->watched) {
            out->watched = r;
        } else {
            s_print(&v[i], r, json);
            lpg__reply__free_unpacked(r, NULL);
        }
    }
    lpg_client_destroy(&c);
    if (rc == LPG_OK && why) {
        for (size_t j = i; j < n; j++) {
            kept[nkept++] = v[j];
            if (!(watch && strcmp(v[j].id, watch_hex) == 0))
                s_print_kept(&v[j], json, why);
        }
    }
    out->kept = nkept;
    if (rc == LPG_OK && n > 0)
        rc = s_rewrite(path, kept, nkept);
    s_unlock(lk);
    free(kept); /* the lines are v's */
    s_free_lines(v, n);
    return rc;
}

int
lpg_scan_sync(const char *home, int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else {
            fprintf(stderr, "usage: lpg-scan [--home DIR] sync [--json]\n");
            return 2;
        }
    }
    lpg_config_t *cfg = NULL;
    char why[512] = "";
    int rc = lpg_config_load(&cfg, home, why, sizeof why);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpg-scan: configuration: %s\n",
                *why ? why : lpg_strerror(rc));
        return 2;
    }
    lpg_scan_queue_result_t res;
    rc = lpg_scan_queue_send(cfg, json, NULL, &res);
    lpg_config_destroy(&cfg);
    if (rc != LPG_OK)
        return 2;
    if (!json)
        printf("%zu sent and recorded, %zu not recorded, %zu still "
               "queued\n",
               res.recorded, res.dropped, res.kept);
    return res.kept ? 1 : 0;
}

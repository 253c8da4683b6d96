/*  import.c - bulk import for the registry (cli/registry.h): a CSV file
 *  read line by line, each line checked and turned into a signed event by
 *  the command's row function, and the good ones written in chunks.
 *
 *  A chunk is one SubmitMany request, recorded by the service in one
 *  transaction: at most limit.batch events and, measured event by event,
 *  within limit.message_bytes. So a long import is many short writes,
 *  and other requests (the fill gate) are served between them. Every
 *  line that is not recorded is reported by its number, sorted, with the
 *  reason: bad (a value, a missing column, a duplicate of an earlier
 *  line) or refused by the service (with its token).
 */
#include "registry.h"
#include "base/csv.h"
#include "base/error.h"
#include "net/msg.h"
#include "domain/pii.h"
#include "base/progress.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_MAX_COLUMNS 64
#define S_MAX_LINE 65536
#define S_REQUEST_OVERHEAD 32 /* Request fields around the events */

/* ------------------------------------------------------------- reports */

typedef enum { S_BAD, S_REFUSED, S_NOT_SENT } s_kind_t;

typedef struct {
    uint64_t line;
    s_kind_t kind;
    char *text;
} s_report_t;

/* ---------------------------------------------- lines seen (duplicates) */

typedef struct {
    char *key;
    uint64_t line;
} s_seen_slot_t;

typedef struct {
    s_seen_slot_t *slots;
    size_t cap, n;
} s_seen_t;

static uint64_t
s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static s_seen_slot_t *
s_seen_slot(s_seen_t *t, const char *key)
{
    size_t i = (size_t)s_hash(key) & (t->cap - 1);
    while (t->slots[i].key && strcmp(t->slots[i].key, key) != 0)
        i = (i + 1) & (t->cap - 1);
    return &t->slots[i];
}

/*  The line that already has key, or 0 after remembering it for line. */
static int
s_seen_add(s_seen_t *t, const char *key, uint64_t line, uint64_t *first)
{
    *first = 0;
    if (2 * (t->n + 1) > t->cap) {
        s_seen_t big = {calloc(t->cap ? t->cap * 2 : 1024, sizeof *big.slots),
                        t->cap ? t->cap * 2 : 1024, t->n};
        if (!big.slots)
            return LPG_ENOMEM;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].key)
                *s_seen_slot(&big, t->slots[i].key) = t->slots[i];
        free(t->slots);
        *t = big;
    }
    s_seen_slot_t *slot = s_seen_slot(t, key);
    if (slot->key) {
        *first = slot->line;
        return LPG_OK;
    }
    slot->key = strdup(key);
    if (!slot->key)
        return LPG_ENOMEM;
    slot->line = line;
    t->n++;
    return LPG_OK;
}

static void
s_seen_clear(s_seen_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i].key);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ the run */

typedef struct {
    lpg_cli_t *cli;
    const lpg_import_spec_t *spec;
    lpg_client_t *client;
    size_t max_bytes, max_events;
    /* the chunk being filled */
    lpg_import_event_t *chunk;
    uint64_t *chunk_lines;
    size_t nchunk, chunk_bytes;
    bool chunk_keys;
    /* outcome */
    s_report_t *reports;
    size_t nreports, capreports;
    uint64_t recorded, refused, bad, not_sent, chunks;
    bool stopped; /* the service stopped answering */
    int err;      /* out of memory and the like */
} s_run_t;

static void s_report(s_run_t *r, uint64_t line, s_kind_t kind, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

static void
s_report(s_run_t *r, uint64_t line, s_kind_t kind, const char *fmt, ...)
{
    if (kind == S_BAD)
        r->bad++;
    else if (kind == S_REFUSED)
        r->refused++;
    else
        r->not_sent++;
    if (r->nreports == r->capreports) {
        size_t cap = r->capreports ? r->capreports * 2 : 64;
        s_report_t *v = realloc(r->reports, cap * sizeof *v);
        if (!v) {
            r->err = LPG_ENOMEM;
            return;
        }
        r->reports = v;
        r->capreports = cap;
    }
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *copy = strdup(text);
    if (!copy) {
        r->err = LPG_ENOMEM;
        return;
    }
    r->reports[r->nreports++] = (s_report_t){line, kind, copy};
}

static size_t
s_varint_len(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/*  Bytes one repeated bytes field of len adds to a request. */
static size_t
s_field_bytes(size_t len)
{
    return 1 + s_varint_len(len) + len;
}

static void
s_chunk_drop(s_run_t *r)
{
    for (size_t i = 0; i < r->nchunk; i++) {
        free(r->chunk[i].data);
        lpg_pii_wipe(r->chunk[i].key, sizeof r->chunk[i].key);
    }
    r->nchunk = 0;
    r->chunk_bytes = 0;
    r->chunk_keys = false;
}

/*  The reasons of a refusal after its message: "; TOKEN: text". */
static void
s_reasons(char *out, size_t outsz, Lpg__Reason **reasons, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < outsz; i++) {
        int w = snprintf(out + used, outsz - used, "; %s%s%s",
                         reasons[i]->token, reasons[i]->en ? ": " : "",
                         reasons[i]->en ? reasons[i]->en : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/*  Sends the chunk as one SubmitMany and reports each line's result. */
static void
s_flush(s_run_t *r)
{
    size_t n = r->nchunk;
    if (n == 0)
        return;
    if (r->stopped) {
        for (size_t i = 0; i < n; i++)
            s_report(r, r->chunk_lines[i], S_NOT_SENT,
                     "not sent: the registry stopped answering");
        s_chunk_drop(r);
        return;
    }
    ProtobufCBinaryData *events = calloc(n, sizeof *events);
    ProtobufCBinaryData *keys = calloc(n, sizeof *keys);
    if (!events || !keys) {
        free(events);
        free(keys);
        r->err = LPG_ENOMEM;
        s_chunk_drop(r);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        events[i].data = r->chunk[i].data;
        events[i].len = r->chunk[i].len;
        if (r->chunk[i].has_key) {
            keys[i].data = r->chunk[i].key;
            keys[i].len = sizeof r->chunk[i].key;
        }
    }
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__SubmitMany sm = LPG__SUBMIT_MANY__INIT;
    sm.n_signed_events = n;
    sm.signed_events = events;
    if (r->chunk_keys) {
        sm.n_person_keys = n;
        sm.person_keys = keys;
    }
    req.body_case = LPG__REQUEST__BODY_SUBMIT_MANY;
    req.submit_many = &sm;
    Lpg__Reply *rep = NULL;
    int rc = lpg_client_call(r->client, &req, &rep);
    r->chunks++;
    if (rc == LPG_EUNAVAILABLE) {
        r->stopped = true;
        for (size_t i = 0; i < n; i++)
            s_report(r, r->chunk_lines[i], S_NOT_SENT,
                     "no answer from the registry: not known to be "
                     "recorded (importing again is safe)");
    } else if (rc != LPG_OK) {
        for (size_t i = 0; i < n; i++)
            s_report(r, r->chunk_lines[i], S_NOT_SENT, "not sent: %s",
                     lpg_strerror(rc));
    } else if (rep->status != LPG__STATUS__STATUS_OK || rep->n_results != n) {
        bool failed = lpg_msg_exit(rep) == 2;
        for (size_t i = 0; i < n; i++)
            s_report(r, r->chunk_lines[i], failed ? S_NOT_SENT : S_REFUSED,
                     "%s with its whole chunk: %s: %s",
                     failed ? "not recorded" : "refused", rep->token,
                     rep->message);
    } else {
        for (size_t i = 0; i < n; i++) {
            const Lpg__EventResult *res = rep->results[i];
            if (res->status == LPG__STATUS__STATUS_OK) {
                r->recorded++;
                continue;
            }
            if (res->status == LPG__STATUS__STATUS_UNAVAILABLE ||
                res->status == LPG__STATUS__STATUS_INTERNAL) {
                s_report(r, r->chunk_lines[i], S_NOT_SENT,
                         "not recorded: the service failed: %s: %s",
                         res->token, res->message);
                continue;
            }
            char more[256];
            s_reasons(more, sizeof more, res->reasons, res->n_reasons);
            s_report(r, r->chunk_lines[i], S_REFUSED, "refused: %s: %s%s",
                     res->token, res->message, more);
        }
    }
    if (rep)
        lpg__reply__free_unpacked(rep, NULL);
    free(events);
    free(keys);
    s_chunk_drop(r);
}

/*  Adds a line's event to the chunk, sending the chunk first if the
 *  event would not fit in it. */
static void
s_add(s_run_t *r, uint64_t line, lpg_import_event_t *ev)
{
    size_t bytes = s_field_bytes(ev->len) +
                   s_field_bytes(ev->has_key ? sizeof ev->key : 0);
    if (bytes + S_REQUEST_OVERHEAD > r->max_bytes) {
        s_report(r, line, S_BAD,
                 "its event of %zu bytes is over the "
                 "message limit (limit.message_bytes)",
                 ev->len);
        free(ev->data);
        lpg_pii_wipe(ev->key, sizeof ev->key);
        return;
    }
    if (r->nchunk == r->max_events ||
        r->chunk_bytes + bytes + S_REQUEST_OVERHEAD > r->max_bytes)
        s_flush(r);
    r->chunk[r->nchunk] = *ev;
    r->chunk_lines[r->nchunk] = line;
    r->nchunk++;
    r->chunk_bytes += bytes;
    r->chunk_keys |= ev->has_key;
    lpg_pii_wipe(ev->key, sizeof ev->key);
}

/*  A header name in its one spelling: lower case, '-' as '_'. */
static void
s_column_name(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (; *in && n + 1 < outsz; in++)
        out[n++] = *in == '-' ? '_' : (char)tolower((unsigned char)*in);
    out[n] = '\0';
}

void
lpg_import_columns_usage(FILE *f, const lpg_import_spec_t *spec)
{
    fprintf(f, "  required columns:");
    for (size_t i = 0; spec->columns[i]; i++) {
        if (i == spec->nrequired)
            fprintf(f, "\n  optional columns:");
        fprintf(f, " %s", spec->columns[i]);
    }
    fprintf(f, "\n");
}

/*  Maps the header's columns to the spec's: where[k] is the file column
 *  of spec column k, or -1. Prints what is wrong and returns false. */
static bool
s_header(const lpg_import_spec_t *spec, char *line, int *where, size_t *nfile)
{
    char *fields[S_MAX_COLUMNS];
    size_t n = 0, col = 0;
    if (strncmp(line, "\xef\xbb\xbf", 3) == 0) /* a byte-order mark */
        memmove(line, line + 3, strlen(line + 3) + 1);
    int rc = lpg_csv_split(line, fields, S_MAX_COLUMNS, &n, &col);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: line 1: the header %s\n",
                rc == LPG_ETOOBIG ? "has too many columns"
                                  : "is not valid CSV");
        return false;
    }
    size_t nspec = 0;
    while (spec->columns[nspec])
        nspec++;
    for (size_t k = 0; k < nspec; k++)
        where[k] = -1;
    for (size_t i = 0; i < n; i++) {
        char name[64];
        s_column_name(fields[i], name, sizeof name);
        size_t k = 0;
        while (k < nspec && strcmp(spec->columns[k], name) != 0)
            k++;
        if (k == nspec) {
            fprintf(stderr, "lpgtrace: line 1: unknown column '%s'\n",
                    fields[i]);
            return false;
        }
        if (where[k] >= 0) {
            fprintf(stderr, "lpgtrace: line 1: column '%s' appears twice\n",
                    spec->columns[k]);
            return false;
        }
        where[k] = (int)i;
    }
    for (size_t k = 0; k < spec->nrequired; k++)
        if (where[k] < 0) {
            fprintf(stderr,
                    "lpgtrace: line 1: the header has no column "
                    "'%s' (required)\n",
                    spec->columns[k]);
            return false;
        }
    *nfile = n;
    return true;
}

/*  One data line: bad lines are reported, good ones added to the chunk. */
static void
s_line(s_run_t *r, char *line, uint64_t lineno, const int *where, size_t nfile,
       s_seen_t *seen)
{
    const lpg_import_spec_t *spec = r->spec;
    char *fields[S_MAX_COLUMNS];
    size_t n = 0, col = 0;
    int rc = lpg_csv_split(line, fields, S_MAX_COLUMNS, &n, &col);
    if (rc == LPG_EMALFORMED) {
        s_report(r, lineno, S_BAD,
                 "field %zu: an unterminated quote, or "
                 "text after a closing quote",
                 col);
        return;
    }
    if (rc != LPG_OK || n > nfile) {
        s_report(r, lineno, S_BAD, "more fields than the header's %zu", nfile);
        return;
    }
    const char *values[S_MAX_COLUMNS];
    for (size_t k = 0; spec->columns[k]; k++) {
        values[k] = NULL;
        if (where[k] < 0)
            continue;
        if ((size_t)where[k] >= n) {
            s_report(r, lineno, S_BAD,
                     "missing column '%s' (%zu fields, "
                     "the header names %zu)",
                     spec->columns[k], n, nfile);
            return;
        }
        values[k] = fields[where[k]];
        if (k < spec->nrequired && !*values[k]) {
            s_report(r, lineno, S_BAD, "no value in column '%s'",
                     spec->columns[k]);
            return;
        }
    }
    lpg_import_event_t ev;
    memset(&ev, 0, sizeof ev);
    char why[256] = "";
    rc = spec->row(spec->ctx, r->client, values, &ev, why, sizeof why);
    if (rc == LPG_EUNAVAILABLE) {
        r->stopped = true;
        s_report(r, lineno, S_NOT_SENT, "%s", why);
        return;
    }
    if (rc != LPG_OK) {
        s_report(r, lineno, rc == LPG_EINVAL ? S_BAD : S_REFUSED, "%s%s",
                 rc == LPG_EINVAL ? "" : "refused: ", why);
        return;
    }
    uint64_t first = 0;
    rc = s_seen_add(seen, ev.dup, lineno, &first);
    if (rc != LPG_OK || first) {
        if (rc != LPG_OK)
            r->err = rc;
        else
            s_report(r, lineno, S_BAD, "duplicate of line %llu (%s)",
                     (unsigned long long)first, ev.dup);
        free(ev.data);
        lpg_pii_wipe(ev.key, sizeof ev.key);
        return;
    }
    s_add(r, lineno, &ev);
}

static int
s_cmp_report(const void *a, const void *b)
{
    const s_report_t *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

static const char *
s_kind_name(s_kind_t k)
{
    return k == S_BAD ? "bad" : k == S_REFUSED ? "refused" : "not sent";
}

static void
s_print(const s_run_t *r)
{
    qsort(r->reports, r->nreports, sizeof *r->reports, s_cmp_report);
    if (r->cli->json) {
        json_t *o = json_object();
        json_t *lines = json_array();
        for (size_t i = 0; i < r->nreports; i++)
            json_array_append_new(
                lines, json_pack("{s:I, s:s, s:s}", "line",
                                 (json_int_t)r->reports[i].line, "kind",
                                 s_kind_name(r->reports[i].kind), "reason",
                                 r->reports[i].text));
        json_object_set_new(o, "recorded", json_integer(r->recorded));
        json_object_set_new(o, "refused", json_integer(r->refused));
        json_object_set_new(o, "bad", json_integer(r->bad));
        json_object_set_new(o, "not_sent", json_integer(r->not_sent));
        json_object_set_new(o, "requests", json_integer(r->chunks));
        json_object_set_new(o, "lines", lines);
        lpg_msg_emit_json(o);
        return;
    }
    for (size_t i = 0; i < r->nreports; i++)
        printf("line %llu: %s%s\n", (unsigned long long)r->reports[i].line,
               r->reports[i].kind == S_BAD ? "bad: " : "", r->reports[i].text);
    printf("%llu recorded, %llu refused, %llu bad lines",
           (unsigned long long)r->recorded, (unsigned long long)r->refused,
           (unsigned long long)r->bad);
    if (r->not_sent)
        printf(", %llu not sent", (unsigned long long)r->not_sent);
    printf(" (%s, %llu request%s)\n", r->spec->what,
           (unsigned long long)r->chunks, r->chunks == 1 ? "" : "s");
}

int
lpg_import_run(lpg_cli_t *cli, const char *path, const lpg_import_spec_t *spec)
{
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "lpgtrace: %s: %s\n", path, strerror(errno));
        return 2;
    }
    struct stat st;
    uint64_t total = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)
                         ? (uint64_t)st.st_size
                         : 0;
    s_run_t r;
    memset(&r, 0, sizeof r);
    r.cli = cli;
    r.spec = spec;
    r.max_bytes =
        (size_t)lpg_config_get_int(cfg, "limit.message_bytes", 65536);
    int64_t batch = lpg_config_get_int(cfg, "limit.batch", 256);
    r.max_events = batch >= 1 && batch <= 4096 ? (size_t)batch : 256;
    r.chunk = calloc(r.max_events, sizeof *r.chunk);
    r.chunk_lines = calloc(r.max_events, sizeof *r.chunk_lines);
    r.client = lpg_reg_client(cli);
    s_seen_t seen = {0};
    lpg_progress_t *bar = NULL;
    char *line = NULL;
    size_t cap = 0;
    int status = 2;
    if (!r.chunk || !r.chunk_lines || !r.client)
        goto cleanup;
    ssize_t len = getline(&line, &cap, f);
    int where[S_MAX_COLUMNS];
    size_t nfile = 0;
    if (len < 0) {
        fprintf(stderr,
                "lpgtrace: %s: empty file: the first line names "
                "the columns\n",
                path);
        goto cleanup;
    }
    if (!s_header(spec, line, where, &nfile))
        goto cleanup;
    lpg_progress_new(&bar, "import", total);
    uint64_t done = (uint64_t)len, lineno = 1, skipped = 0, skip_from = 0;
    while (!r.err && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        done += (uint64_t)len;
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue; /* a blank line */
        if (r.stopped) {
            skip_from = skipped++ ? skip_from : lineno;
            continue;
        }
        if (len > S_MAX_LINE)
            s_report(&r, lineno, S_BAD, "longer than %d bytes", S_MAX_LINE);
        else if (memchr(line, '\0', (size_t)len))
            s_report(&r, lineno, S_BAD, "holds a NUL byte");
        else
            s_line(&r, line, lineno, where, nfile, &seen);
        lpg_progress_update(bar, done);
    }
    if (ferror(f)) {
        fprintf(stderr, "lpgtrace: %s: read error\n", path);
        r.err = LPG_EIO;
    }
    s_flush(&r);
    if (skipped) {
        s_report(&r, skip_from, S_NOT_SENT,
                 "not sent, nor the %llu "
                 "line(s) after it: the registry stopped answering",
                 (unsigned long long)skipped - 1);
        r.not_sent += skipped - 1;
    }
    lpg_progress_finish(&bar);
    if (r.err) {
        lpg_cli_fail("import", r.err);
        goto cleanup;
    }
    s_print(&r);
    if (r.stopped)
        fprintf(stderr,
                "lpgtrace: the registry stopped answering (is it "
                "running? endpoint %s)\n",
                lpg_config_get(cfg, "endpoint.registry"));
    status = r.stopped || r.not_sent ? 2 : r.refused || r.bad ? 1 : 0;

cleanup:
    lpg_progress_finish(&bar);
    s_chunk_drop(&r);
    free(r.chunk);
    free(r.chunk_lines);
    for (size_t i = 0; i < r.nreports; i++)
        free(r.reports[i].text);
    free(r.reports);
    s_seen_clear(&seen);
    lpg_client_destroy(&r.client);
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
}

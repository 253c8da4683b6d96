/*  cmd_trace.c - lpgtrace trace CODE|GRAI [--no-verify] [--json]: one
 *  cylinder's whole history, asked of lpg-traced and verified here,
 *  trusting nothing the
 *  service says: each entry's event signature (the signer's key taken from
 *  its authority-signed enrolment entry, itself proved), each inclusion
 *  proof against the checkpoint's root, the checkpoint's signature with
 *  the home's keys/ledger.pub, and the checkpoint's consistency with the
 *  largest one this CLI saw before (kept in <home>/seen-checkpoints/, one
 *  file per origin). A smaller or inconsistent checkpoint means the
 *  operator dropped or rewrote history: refused loudly.
 *
 *  Not proved: that the answer holds every entry of the cylinder (a
 *  service could leave some out; a follower's full copy of the log shows
 *  that), nor that a signer's key was not revoked when the service shows
 *  no revocation.
 *
 *  --no-verify asks for the entries alone (GetTrace proofs = false: no
 *  inclusion proofs, no signer entries) and checks nothing at all: it
 *  prints the same timeline as the service sent it and says, in text and
 *  in JSON ("verified": false, "checked": "nothing"), that nothing was
 *  checked. A quick look, never evidence.
 *
 *  Exit 0: everything verified (--no-verify: the answer came); 1:
 *  anything failed verification (or is not yet covered by a signed
 *  checkpoint); 2: an error.
 */
#include "ledger/checkpoint.h"
#include "domain/kind.h"
#include "domain/words.h"
#include "domain/cylinder.h"
#include "cli.h"
#include "net/client.h"
#include "codes/code.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "base/clock.h"
#include "base/workers.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "net/msg.h"
#include "domain/fill_rules.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_WHY 256
#define S_MAX_PAGES 100000
/*  What a trace service may make this command hold: a cylinder has no
 *  more entries than the tree, and no honest history comes near this. */
#define S_MAX_ANSWER_BYTES ((size_t)256 << 20)

/*  A device key, from its enrolment entry. */
typedef struct {
    uint8_t key_id[LPG_KEYID_LEN];
    lpg_key_t *key; /* NULL until the enrolment verified */
    uint64_t enrolled_seq;
    bool revoked; /* a verified revocation */
    uint64_t revoked_seq;
    char why[S_WHY]; /* why the enrolment does not verify */
    char *name, *site, *company;
    Lpg__Role role;
} s_device_t;

/*  One entry of the cylinder, decoded and judged. */
typedef struct {
    const Lpg__TraceEntry *te;
    Lpg__LedgerEntry *entry;
    lpg_event_t ev;
    bool decoded;    /* entry and event decode */
    bool covered;    /* inside the checkpoint */
    bool verified;   /* signature and inclusion proof hold */
    char why[S_WHY]; /* what failed, or why not covered */
    const s_device_t *device;
    /* the signature check (each item is checked whole on a worker) */
    bool proved;
    const lpg_key_t *sig_key; /* NULL: nothing to check */
    bool sig_ok;
    char *text; /* --json: the item as printed (JSON_INDENT(2) at the
                   top level), made and written out by its job */
} s_item_t;

typedef struct {
    lpg_cli_t *cli;
    lpg_config_t *cfg;
    lpg_client_t *client;
    lpg_key_t *authority;
    uint8_t authority_id[LPG_KEYID_LEN];
    lpg_key_t *ledger_key;
    const char *origin;
    char grai[LPG_CODE_GRAI_MAX + 1];
    const char *zone;
    bool no_verify; /* --no-verify: fetch and show, check nothing */
    /* the answer */
    Lpg__Reply **replies;
    size_t nreplies;
    const Lpg__TraceEntry **entries, **signers;
    size_t nentries, nsigners;
    const uint8_t *note;
    size_t note_len;
    uint64_t tree_size;
    /* the checkpoint */
    bool has_cp;
    lpg_checkpoint_t cp;
    bool cp_ok;
    char cp_why[S_WHY];
    bool cons_ok;
    bool has_saved;
    uint64_t saved_size;
    char cons_why[S_WHY];
    bool saved_new;
    /* the judgement */
    s_device_t *devices;
    size_t ndevices;
    s_item_t *items;
    size_t nverified, ncovered;
} s_trace_t;

/* ------------------------------------------------------------ helpers */

static void s_why(char *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*  Appends "; text" to why (the first failure goes in bare). */
static void
s_why(char *why, const char *fmt, ...)
{
    size_t used = strlen(why);
    if (used && used + 2 < S_WHY) {
        memcpy(why + used, "; ", 3);
        used += 2;
    }
    if (used >= S_WHY - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + used, S_WHY - used, fmt, ap);
    va_end(ap);
}

static bool
s_push(void *arrp, size_t *n, size_t elem, const void *item)
{
    void **arr = arrp;
    void *grown = realloc(*arr, (*n + 1) * elem);
    if (!grown)
        return false;
    memcpy((uint8_t *)grown + *n * elem, item, elem);
    *arr = grown;
    (*n)++;
    return true;
}

/*  The configured time.zone, set once by s_setup (the command is one
 *  thread). */
static const char *s_zone;

/*  Local time of ms in s_zone; iso: with 'T' and the UTC offset. */
static void
s_local(uint64_t ms, bool iso, char *out, size_t outsz)
{
    lpg_civil_t c;
    if (lpg_clock_local(s_zone, ms, &c) != LPG_OK ||
        lpg_civil_text(&c, iso ? 'T' : ' ', iso, out, outsz) != LPG_OK)
        snprintf(out, outsz, "?");
}

/*  Columns of s, each UTF-8 code point one column. */
static int
s_cols(const char *s)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            cols++;
    return cols;
}

/*  Prints s padded with spaces to width columns (UTF-8 aware, each code
 *  point one column). */
static void
s_pad(const char *s, int width)
{
    int cols = s_cols(s);
    fputs(s, stdout);
    for (; cols < width; cols++)
        putchar(' ');
}

static const char *
s_role(Lpg__Role r)
{
    switch (r) {
    case LPG__ROLE__ROLE_COMPANY_ADMIN:
        return "company admin";
    case LPG__ROLE__ROLE_FILLING_SCANNER:
        return "filling scanner";
    case LPG__ROLE__ROLE_SCALE:
        return "scale";
    case LPG__ROLE__ROLE_HANDHELD:
        return "handheld";
    case LPG__ROLE__ROLE_INSPECTOR:
        return "inspector";
    case LPG__ROLE__ROLE_INSPECTION_BODY:
        return "inspection body";
    case LPG__ROLE__ROLE_SERVICE:
        return "service";
    case LPG__ROLE__ROLE_ADMIN:
        return "admin workstation";
    case LPG__ROLE__ROLE_GATEWAY:
        return "gateway";
    case LPG__ROLE__ROLE_UNKNOWN:
    default:
        return "device";
    }
}

/* ------------------------------------------------------------ fetching */

/*  The GRAI the argument names, worked out here (not taken from the
 *  service's answer). */
static bool
s_grai_of(const char *arg, char grai[LPG_CODE_GRAI_MAX + 1])
{
    if (strncmp(arg, "https://", 8) == 0) {
        lpg_code_t code;
        int rc = lpg_code_parse(arg, strlen(arg), NULL, &code);
        if (rc != LPG_OK && rc != LPG_ECODE_CASE) {
            fprintf(stderr, "lpgtrace: not a cylinder code: %s\n", code.why);
            return false;
        }
        snprintf(grai, LPG_CODE_GRAI_MAX + 1, "%s", code.grai);
        return true;
    }
    size_t len = strlen(arg);
    bool ok = len > 0 && len <= LPG_CODE_GRAI_MAX;
    for (size_t i = 0; ok && i < len; i++)
        ok = (arg[i] >= '0' && arg[i] <= '9') ||
             (arg[i] >= 'A' && arg[i] <= 'Z');
    if (!ok) {
        fprintf(stderr,
                "lpgtrace: '%s' is neither a cylinder code (https://"
                "...) nor a GRAI\n",
                arg);
        return false;
    }
    memcpy(grai, arg, len + 1);
    return true;
}

/*  Calls the service; prints why and returns false unless it answered. */
static bool
s_call(s_trace_t *t, Lpg__Request *req, Lpg__Reply **reply)
{
    int rc = lpg_client_call(t->client, req, reply);
    if (rc == LPG_EUNAVAILABLE) {
        /* libzmq drops an answer over our cap with the connection, and
         * says nothing of it: name both causes. */
        fprintf(stderr,
                "lpgtrace: the trace service does not answer (is "
                "lpg-traced running? endpoint %s; an answer larger "
                "than this home's limit.hard_message_bytes, %lld, "
                "would also be dropped unread)\n",
                lpg_config_get(t->cfg, "endpoint.trace"),
                (long long)lpg_config_get_int(
                    t->cfg, "limit.hard_message_bytes", 1048576));
        return false;
    }
    if (rc != LPG_OK) {
        lpg_cli_fail("trace service", rc);
        return false;
    }
    return true;
}

/*  Every page of the cylinder's history. Returns an exit status (0: got
 *  it all; 1: the service's pages cannot be a true history). Pages that
 *  do not move on, more entries than the first page's tree holds, or
 *  more than S_MAX_ANSWER_BYTES in all end it: a hostile service cannot
 *  make it hold memory without end. */
static int
s_fetch(s_trace_t *t, const char *arg)
{
    uint64_t from = 0, size = 0;
    bool has_size = false;
    size_t bytes = 0;
    size_t reply_max = lpg_client_reply_max(t->client);
    for (int page = 0; page < S_MAX_PAGES; page++) {
        Lpg__Request req = LPG__REQUEST__INIT;
        Lpg__GetTrace q = LPG__GET_TRACE__INIT;
        q.cylinder = (char *)arg;
        q.has_from = page > 0;
        q.from = from;
        q.has_size = has_size;
        q.size = size;
        q.has_proofs = t->no_verify;
        q.proofs = !t->no_verify;
        q.has_max_reply_bytes = reply_max > 0;
        q.max_reply_bytes =
            reply_max > UINT32_MAX ? UINT32_MAX : (uint32_t)reply_max;
        req.body_case = LPG__REQUEST__BODY_GET_TRACE;
        req.get_trace = &q;
        Lpg__Reply *r = NULL;
        if (!s_call(t, &req, &r))
            return 2;
        bytes += lpg__reply__get_packed_size(r);
        if (!s_push(&t->replies, &t->nreplies, sizeof r, &r)) {
            lpg__reply__free_unpacked(r, NULL);
            return lpg_cli_fail("trace", LPG_ENOMEM);
        }
        if (r->status == LPG__STATUS__STATUS_NOT_FOUND) {
            fprintf(stderr, "lpgtrace: %s: %s\n", t->grai, r->message);
            return 2;
        }
        const Lpg__TraceAnswer *a = r->trace;
        if (r->status != LPG__STATUS__STATUS_OK || !a) {
            fprintf(stderr,
                    "lpgtrace: the trace service answered %s %s: "
                    "%s\n",
                    lpg_msg_status_name(r->status), r->token, r->message);
            return 2;
        }
        if (!a->grai || strcmp(a->grai, t->grai) != 0) {
            fprintf(stderr,
                    "lpgtrace: the trace service answered for "
                    "another cylinder (%s)\n",
                    a->grai ? a->grai : "?");
            return 2;
        }
        if (page == 0) {
            t->tree_size = a->tree_size;
            if (a->has_checkpoint && !t->no_verify) {
                t->note = a->checkpoint.data;
                t->note_len = a->checkpoint.len;
                lpg_checkpoint_t cp;
                char why[128];
                /* Later pages are proved at the same size (the note
                 * itself is checked below). */
                if (lpg_checkpoint_open((const char *)t->note, t->note_len,
                                        t->ledger_key, t->origin, &cp, why,
                                        sizeof why) == LPG_OK &&
                    cp.size <= a->tree_size && cp.size > 0) {
                    has_size = true;
                    size = cp.size;
                }
            }
        }
        if ((uint64_t)t->nentries + a->n_entries > t->tree_size) {
            fprintf(stderr,
                    "lpgtrace: REFUSED: the trace service sent "
                    "more entries (%zu so far) than its ledger "
                    "holds (%" PRIu64 "): not a true history\n",
                    t->nentries + a->n_entries, t->tree_size);
            return 1;
        }
        if (bytes > S_MAX_ANSWER_BYTES) {
            fprintf(stderr,
                    "lpgtrace: REFUSED: the trace service's answer "
                    "passed %zu MiB after %zu entries: no "
                    "cylinder's history is that large\n",
                    S_MAX_ANSWER_BYTES >> 20, t->nentries);
            return 1;
        }
        for (size_t i = 0; i < a->n_entries; i++)
            if (!s_push(&t->entries, &t->nentries, sizeof a->entries[i],
                        &a->entries[i]))
                return lpg_cli_fail("trace", LPG_ENOMEM);
        for (size_t i = 0; i < a->n_signers; i++)
            if (!s_push(&t->signers, &t->nsigners, sizeof a->signers[i],
                        &a->signers[i]))
                return lpg_cli_fail("trace", LPG_ENOMEM);
        if (!a->more)
            return 0;
        if (!a->has_next_from || a->next_from < from ||
            (page > 0 && a->next_from == from) || a->n_entries == 0) {
            fprintf(stderr,
                    "lpgtrace: the trace service's pages do not "
                    "move on (next from %" PRIu64 ")\n",
                    a->next_from);
            return 2;
        }
        from = a->next_from;
    }
    fprintf(stderr, "lpgtrace: more than %d pages: giving up\n", S_MAX_PAGES);
    return 2;
}

/* ------------------------------------------------------- checkpoints */

/*  <home>/seen-checkpoints/<origin, as a file name>. */
static int
s_seen_path(s_trace_t *t, char *out, size_t outsz, bool make_dir)
{
    char name[300];
    size_t k = 0;
    for (const char *p = t->origin; *p && k < sizeof name - 1; p++) {
        char c = *p;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '.' || c == '-';
        name[k++] = plain ? c : '_';
    }
    name[k] = '\0';
    char rel[400];
    snprintf(rel, sizeof rel, "seen-checkpoints");
    int rc = lpg_config_path(t->cfg, rel, out, outsz);
    if (rc != LPG_OK)
        return rc;
    if (make_dir && mkdir(out, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "lpgtrace: cannot create %s: %s\n", out,
                strerror(errno));
        return LPG_EIO;
    }
    snprintf(rel, sizeof rel, "seen-checkpoints/%s", name);
    return lpg_config_path(t->cfg, rel, out, outsz);
}

static int
s_save_seen(s_trace_t *t)
{
    char path[4096], tmp[4200];
    int rc = s_seen_path(t, path, sizeof path, true);
    if (rc != LPG_OK)
        return rc;
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "lpgtrace: %s: %s\n", tmp, strerror(errno));
        return LPG_EIO;
    }
    bool ok = fwrite(t->note, 1, t->note_len, f) == t->note_len &&
              fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "lpgtrace: cannot save %s: %s\n", path,
                strerror(errno));
        unlink(tmp);
        return LPG_EIO;
    }
    return LPG_OK;
}

/*  The checkpoint's signature, then its consistency with the one this
 *  CLI saw before. Returns an exit status for errors (2), else 0 with
 *  the verdicts in t. */
static int
s_check_checkpoint(s_trace_t *t)
{
    if (!t->note) {
        snprintf(t->cp_why, sizeof t->cp_why,
                 "the service has no signed "
                 "checkpoint yet: nothing can be proved");
        return 0;
    }
    char why[160] = "";
    int rc =
        lpg_checkpoint_open((const char *)t->note, t->note_len, t->ledger_key,
                            t->origin, &t->cp, why, sizeof why);
    if (rc != LPG_OK) {
        snprintf(t->cp_why, sizeof t->cp_why,
                 "the checkpoint is not signed "
                 "by this ledger's key (keys/ledger.pub) for %s: %s",
                 t->origin, *why ? why : lpg_strerror(rc));
        return 0;
    }
    t->has_cp = true;
    t->cp_ok = true;
    if (t->cp.size > t->tree_size) {
        t->cp_ok = false;
        snprintf(t->cp_why, sizeof t->cp_why,
                 "the service's ledger holds "
                 "%" PRIu64 " entries, fewer than its own signed checkpoint "
                 "of %" PRIu64 ": entries were dropped",
                 t->tree_size, t->cp.size);
    }
    /* Consistency with what this CLI saw before. */
    char path[4096];
    rc = s_seen_path(t, path, sizeof path, false);
    if (rc != LPG_OK)
        return lpg_cli_fail("seen checkpoints", rc);
    struct stat st;
    if (stat(path, &st) != 0) {
        t->cons_ok = true; /* the first one: trusted from now on */
        t->saved_new = rc == LPG_OK && s_save_seen(t) == LPG_OK;
        return 0;
    }
    size_t len = 0;
    char *saved = lpg_cli_read_file(path, LPG_CHECKPOINT_MAX, &len);
    if (!saved)
        return 2;
    lpg_checkpoint_t old;
    rc = lpg_checkpoint_open(saved, len, t->ledger_key, t->origin, &old, why,
                             sizeof why);
    free(saved);
    if (rc != LPG_OK) {
        fprintf(stderr,
                "lpgtrace: the saved checkpoint %s does not verify "
                "with keys/ledger.pub: %s\n",
                path, *why ? why : lpg_strerror(rc));
        return 2;
    }
    t->has_saved = true;
    t->saved_size = old.size;
    if (t->cp.size < old.size) {
        snprintf(t->cons_why, sizeof t->cons_why,
                 "this checkpoint covers "
                 "%" PRIu64 " entries, but a checkpoint of %" PRIu64 " was "
                 "seen before: the operator dropped entries",
                 t->cp.size, old.size);
        return 0;
    }
    if (t->cp.size == old.size) {
        t->cons_ok = memcmp(t->cp.root, old.root, 32) == 0;
        if (!t->cons_ok)
            snprintf(t->cons_why, sizeof t->cons_why,
                     "the tree of %" PRIu64
                     " entries has another root than the checkpoint seen "
                     "before: the operator rewrote history",
                     old.size);
        return 0;
    }
    if (old.size > 0) {
        Lpg__Request req = LPG__REQUEST__INIT;
        Lpg__GetConsistency q = LPG__GET_CONSISTENCY__INIT;
        q.size1 = old.size;
        q.size2 = t->cp.size;
        req.body_case = LPG__REQUEST__BODY_GET_CONSISTENCY;
        req.get_consistency = &q;
        Lpg__Reply *r = NULL;
        if (!s_call(t, &req, &r))
            return 2;
        const Lpg__ConsistencyAnswer *a = r->consistency;
        lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
        bool shaped = r->status == LPG__STATUS__STATUS_OK && a &&
                      a->size1 == old.size && a->size2 == t->cp.size &&
                      a->n_proof <= LPG_MERKLE_MAX_PROOF;
        for (size_t i = 0; shaped && i < a->n_proof; i++) {
            shaped = a->proof[i].len == LPG_HASH_LEN;
            if (shaped)
                memcpy(proof[i], a->proof[i].data, LPG_HASH_LEN);
        }
        if (!shaped)
            snprintf(t->cons_why, sizeof t->cons_why,
                     "the service gives no "
                     "consistency proof from the %" PRIu64 " entries seen "
                     "before to %" PRIu64 " (%s)",
                     old.size, t->cp.size, r->message);
        else if (lpg_merkle_verify_consistency(old.size, t->cp.size, old.root,
                                               t->cp.root, proof,
                                               a->n_proof) != LPG_OK)
            snprintf(t->cons_why, sizeof t->cons_why,
                     "the consistency "
                     "proof from the checkpoint of %" PRIu64 " entries seen "
                     "before to this one does not verify: the operator "
                     "rewrote history",
                     old.size);
        else
            t->cons_ok = true;
        lpg__reply__free_unpacked(r, NULL);
    } else
        t->cons_ok = true;
    if (t->cons_ok)
        t->saved_new = s_save_seen(t) == LPG_OK;
    return 0;
}

/* ------------------------------------------------------- verification */

/*  Inclusion of te in the checkpoint. false with why set otherwise; a
 *  newer entry is not covered (covered false). */
static bool
s_included(const s_trace_t *t, const Lpg__TraceEntry *te, bool *covered,
           char *why)
{
    *covered = t->has_cp && te->seq < t->cp.size;
    if (!t->has_cp) {
        s_why(why, "no signed checkpoint to prove it against");
        return false;
    }
    if (!*covered)
        return false; /* not a failure: not proved yet */
    if (!te->has_proof_size || te->proof_size != t->cp.size ||
        te->n_proof > LPG_MERKLE_MAX_PROOF) {
        s_why(why, "no inclusion proof at the checkpoint's size");
        return false;
    }
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    for (size_t i = 0; i < te->n_proof; i++) {
        if (te->proof[i].len != LPG_HASH_LEN) {
            s_why(why, "an inclusion proof hash is not 32 bytes");
            return false;
        }
        memcpy(proof[i], te->proof[i].data, LPG_HASH_LEN);
    }
    uint8_t leaf[LPG_HASH_LEN];
    lpg_merkle_leaf_hash(te->entry.data, te->entry.len, leaf);
    if (lpg_merkle_verify_inclusion(te->seq, t->cp.size, leaf, proof,
                                    te->n_proof, t->cp.root) != LPG_OK) {
        s_why(why, "inclusion proof does not lead to the checkpoint's root");
        return false;
    }
    return true;
}

/*  Decodes an entry and its event; false with why set if it does not. */
static bool
s_decode(const Lpg__TraceEntry *te, Lpg__LedgerEntry **entry, lpg_event_t *ev,
         char *why)
{
    *entry = lpg__ledger_entry__unpack(NULL, te->entry.len, te->entry.data);
    if (!*entry) {
        s_why(why, "the entry does not decode");
        return false;
    }
    if ((*entry)->seq != te->seq) {
        s_why(why, "the entry says it is #%" PRIu64, (*entry)->seq);
        return false;
    }
    char ewhy[128] = "";
    if (lpg_event_decode(ev, (*entry)->signed_event.data,
                         (*entry)->signed_event.len, ewhy,
                         sizeof ewhy) != LPG_OK) {
        s_why(why, "its event does not decode: %s", ewhy);
        return false;
    }
    return true;
}

static bool
s_signed_by(const lpg_event_t *ev, const lpg_key_t *key)
{
    const Lpg__SignedEvent *se = ev->signed_event;
    return lpg_verify(key, LPG_CTX_EVENT, se->body.data, se->body.len,
                      se->sig.data) == LPG_OK;
}

static bool
s_by_authority(const s_trace_t *t, const lpg_event_t *ev)
{
    return memcmp(ev->signed_event->key_id.data, t->authority_id,
                  LPG_KEYID_LEN) == 0;
}

static s_device_t *
s_device(s_trace_t *t, const uint8_t key_id[LPG_KEYID_LEN])
{
    for (size_t i = 0; i < t->ndevices; i++)
        if (memcmp(t->devices[i].key_id, key_id, LPG_KEYID_LEN) == 0)
            return &t->devices[i];
    return NULL;
}

/*  The signers' enrolment and revocation entries: each proved, decoded
 *  and signed by the authority. */
static int
s_check_signers(s_trace_t *t)
{
    for (size_t i = 0; i < t->nsigners; i++) {
        const Lpg__TraceEntry *te = t->signers[i];
        char why[S_WHY] = "";
        Lpg__LedgerEntry *entry = NULL;
        lpg_event_t ev;
        memset(&ev, 0, sizeof ev);
        bool covered;
        bool ok = s_decode(te, &entry, &ev, why);
        bool proved = s_included(t, te, &covered, why);
        if (!proved && !covered && t->has_cp)
            s_why(why, "not yet in a signed checkpoint");
        const Lpg__Event *e = ok ? ev.event : NULL;
        if (ok && !s_by_authority(t, &ev))
            s_why(why, "not signed with the authority's key id");
        else if (ok && !s_signed_by(&ev, t->authority))
            s_why(why, "the authority's signature does not verify");
        bool good = ok && proved && !*why;
        if (e && e->body_case == LPG__EVENT__BODY_DEVICE_ENROLL) {
            const Lpg__DeviceEnroll *de = e->device_enroll;
            uint8_t kid[LPG_KEYID_LEN];
            lpg_sha256(de->sign_pub.data, LPG_ED25519_PUB_LEN, kid);
            s_device_t *d = s_device(t, kid);
            if (!d) {
                s_device_t nd;
                memset(&nd, 0, sizeof nd);
                memcpy(nd.key_id, kid, LPG_KEYID_LEN);
                if (!s_push(&t->devices, &t->ndevices, sizeof nd, &nd))
                    return LPG_ENOMEM;
                d = &t->devices[t->ndevices - 1];
            }
            if (!d->key) {
                d->enrolled_seq = te->seq;
                d->role = de->role;
                free(d->name);
                free(d->site);
                free(d->company);
                d->name = de->name ? strdup(de->name) : NULL;
                d->site = de->site ? strdup(de->site) : NULL;
                d->company = de->company ? strdup(de->company) : NULL;
                snprintf(d->why, sizeof d->why, "%s", why);
                if (good && lpg_key_from_raw_public(
                                &d->key, de->sign_pub.data) != LPG_OK)
                    snprintf(d->why, sizeof d->why, "enrolled key unusable");
            }
        } else if (e && e->body_case == LPG__EVENT__BODY_DEVICE_REVOKE) {
            s_device_t *d = s_device(t, e->device_revoke->key_id.data);
            if (d && good) {
                d->revoked = true;
                d->revoked_seq = te->seq;
            }
        }
        if (ok)
            lpg_event_clear(&ev);
        if (entry)
            lpg__ledger_entry__free_unpacked(entry, NULL);
    }
    return LPG_OK;
}

static void
s_check_item(s_trace_t *t, s_item_t *it, uint64_t prev_seq, bool first)
{
    const Lpg__TraceEntry *te = it->te;
    if (!first && te->seq <= prev_seq)
        s_why(it->why, "out of order (after #%" PRIu64 ")", prev_seq);
    it->decoded = s_decode(te, &it->entry, &it->ev, it->why);
    it->proved = s_included(t, te, &it->covered, it->why);
    if (!it->decoded)
        return;
    const Lpg__Event *e = it->ev.event;
    if (!e->cylinder || strcmp(e->cylinder, t->grai) != 0)
        s_why(it->why, "it is not about this cylinder");
    if (s_by_authority(t, &it->ev))
        it->sig_key = t->authority;
    else {
        const s_device_t *d = s_device(t, it->ev.signed_event->key_id.data);
        it->device = d;
        char hex[17];
        lpg_hex(it->ev.signed_event->key_id.data, 8, hex);
        if (!d)
            s_why(it->why, "no enrolment of its signer %s... in the answer",
                  hex);
        else if (!d->key)
            s_why(it->why,
                  "its signer's enrolment (#%" PRIu64 ") does not "
                  "verify: %s",
                  d->enrolled_seq, d->why);
        else if (d->enrolled_seq >= te->seq)
            s_why(it->why, "signed before its key was enrolled (#%" PRIu64 ")",
                  d->enrolled_seq);
        else if (d->revoked && d->revoked_seq < te->seq)
            s_why(it->why, "signed with a key revoked at #%" PRIu64,
                  d->revoked_seq);
        else
            it->sig_key = d->key;
    }
}

/*  The verdict once the signature is checked (its message comes last,
 *  after everything s_check_item found). */
static void
s_judge_item(s_trace_t *t, s_item_t *it)
{
    if (it->sig_key && !it->sig_ok) {
        if (it->sig_key == t->authority)
            s_why(it->why, "the authority's signature does not verify");
        else {
            char hex[17];
            lpg_hex(it->ev.signed_event->key_id.data, 8, hex);
            s_why(it->why,
                  "the signature does not verify with the "
                  "enrolled key of %s...",
                  hex);
        }
    }
    it->verified = it->proved && it->sig_key && it->sig_ok && !*it->why;
}

/*  Checks one item whole (a job of base/workers): decoding, order,
 *  inclusion proof, signer and signature. Items are independent; the
 *  devices were settled before the jobs began. */
static json_t *s_json_item(const s_trace_t *t, const s_item_t *it);

/*  An item's JSON as json_dumps writes it with JSON_INDENT(2) at the top
 *  level; NULL on ENOMEM. */
static char *
s_item_text(const s_trace_t *t, const s_item_t *it)
{
    json_t *j = s_json_item(t, it);
    char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    return text;
}

static void
s_item_job(void *ctx, size_t i)
{
    s_trace_t *t = ctx;
    s_item_t *it = &t->items[i];
    it->te = t->entries[i];
    s_check_item(t, it, i ? t->entries[i - 1]->seq : 0, i == 0);
    if (it->sig_key)
        it->sig_ok = s_signed_by(&it->ev, it->sig_key);
    s_judge_item(t, it);
    /* Its JSON too, on the same core, written out and freed there:
     * nothing in it waits for the other items (jansson values not shared
     * between threads are safe), and s_print_json splices the texts. */
    if (t->cli->json)
        it->text = s_item_text(t, it);
}

static int
s_check_items(s_trace_t *t)
{
    t->items = calloc(t->nentries ? t->nentries : 1, sizeof *t->items);
    if (!t->items)
        return LPG_ENOMEM;
    if (t->no_verify) {
        /* Decoded to be shown, nothing more: no order, proof, signer or
         * signature is looked at. */
        for (size_t i = 0; i < t->nentries; i++) {
            s_item_t *it = &t->items[i];
            it->te = t->entries[i];
            it->decoded = s_decode(it->te, &it->entry, &it->ev, it->why);
        }
        return LPG_OK;
    }
    /* Every item on every core: the signatures are most of the work, but
     * the decoding and the proofs' hashing are not nothing. */
    if (t->cli->json)
        json_object_seed(0); /* before threads make objects */
    lpg_workers_run_once(0, t->nentries, 16, s_item_job, t);
    for (size_t i = 0; i < t->nentries; i++) {
        s_item_t *it = &t->items[i];
        if (it->verified)
            t->nverified++;
        if (it->covered)
            t->ncovered++;
    }
    return LPG_OK;
}

/* ------------------------------------------------------------- reading */

/*  What a timeline line says about one entry. */
typedef struct {
    char step[48];
    char who[96];
    char where[64];
    char outcome[160];
    char detail[256];
} s_line_t;

static const Lpg__Outcome *
s_outcome(const s_item_t *it)
{
    return it->entry ? it->entry->outcome : NULL;
}

static bool
s_ok(const s_item_t *it)
{
    const Lpg__Outcome *o = s_outcome(it);
    return !o || o->status == LPG__STATUS__STATUS_OK;
}

static void
s_describe(const s_trace_t *t, const s_item_t *it, s_line_t *l)
{
    memset(l, 0, sizeof *l);
    if (!it->decoded) {
        snprintf(l->step, sizeof l->step, "(unreadable)");
        snprintf(l->who, sizeof l->who, "-");
        snprintf(l->where, sizeof l->where, "-");
        return;
    }
    const Lpg__Event *e = it->ev.event;
    const Lpg__Outcome *o = s_outcome(it);
    bool ok = s_ok(it);
    lpg_kind_words_t words;
    lpg_kind_describe(e, o, ok, &words);
    snprintf(l->step, sizeof l->step, "%s", words.step);
    snprintf(l->detail, sizeof l->detail, "%s", words.detail);
    char dev[64];
    if (s_by_authority(t, &it->ev))
        snprintf(dev, sizeof dev, "authority");
    else if (it->device && it->device->name)
        snprintf(dev, sizeof dev, "%s", it->device->name);
    else {
        char hex[9];
        lpg_hex(it->ev.signed_event->key_id.data, 4, hex);
        snprintf(dev, sizeof dev, "%s %s",
                 it->device ? s_role(it->device->role) : "device", hex);
    }
    if (e->actor && *e->actor)
        snprintf(l->who, sizeof l->who, "%s / %s", e->actor, dev);
    else
        snprintf(l->who, sizeof l->who, "%s", dev);
    snprintf(l->where, sizeof l->where, "%s",
             e->site && *e->site ? e->site : "-");
    snprintf(l->outcome, sizeof l->outcome, "%s%s%s",
             ok ? "OK"
                : (o && o->status == LPG__STATUS__STATUS_DENIED ? "DENIED"
                                                                : "REFUSED"),
             o && o->message ? ": " : "", o && o->message ? o->message : "");
}

/*  The cylinder now, from its verified entries: each one's cylinder
 *  step (domain/kind.h) run on a record in memory, the very steps that
 *  wrote the ledger's state, so the "Now" line and `lpgtrace cylinder
 *  show` cannot disagree. */
typedef struct {
    bool known;
    Lpg__CylinderState cyl; /* strings borrowed from the items' events */
    uint64_t since_ms;      /* device time of the last change of custody */
    const s_item_t *last;
} s_now_t;

static void
s_derive(const s_trace_t *t, s_now_t *n)
{
    memset(n, 0, sizeof *n);
    lpg__cylinder_state__init(&n->cyl);
    for (size_t i = 0; i < t->nentries; i++) {
        const s_item_t *it = &t->items[i];
        if (t->no_verify ? !it->decoded : !it->verified)
            continue;
        const Lpg__Event *e = it->ev.event;
        Lpg__Custody before = n->cyl.custody;
        bool had = n->known;
        if (lpg_kind_step(&n->cyl, &n->known, it->te->seq,
                          it->entry->recorded_at_ms, e, s_outcome(it)) &&
            (!had || n->cyl.custody != before))
            n->since_ms = e->device_time_ms;
        n->last = it;
    }
}

/*  The "Now" words of the derived record (domain/cylinder.h). */
static void
s_now_words(const s_now_t *n, char *out, size_t outsz)
{
    lpg_cylinder_now_t now;
    lpg_cylinder_now(&n->cyl, &now);
    lpg_cylinder_now_words(&now, out, outsz, NULL, 0);
}

/* ------------------------------------------------------------ printing */

static void
s_print_text(const s_trace_t *t, const s_now_t *now, bool all_ok)
{
    printf("Cylinder %s (times in %s)\n", t->grai, t->zone);
    if (t->no_verify)
        printf("! NOT VERIFIED (--no-verify): nothing was checked, not a "
               "signature, not an inclusion proof, not the checkpoint.\n"
               "  These entries are the trace service's word only.\n");
    else if (t->has_cp && t->cp_ok)
        printf("Checkpoint: \u2713 %" PRIu64 " entries of %s, signed by "
               "the ledger key\n",
               t->cp.size, t->origin);
    else if (t->has_cp)
        printf("Checkpoint: \u2717 %" PRIu64 " entries of %s, signed, but "
               "%s\n",
               t->cp.size, t->origin, t->cp_why);
    else
        printf("Checkpoint: \u2717 %s\n", t->cp_why);
    if (t->has_cp && !t->no_verify) {
        if (!t->cons_ok)
            printf("History:    \u2717 %s\n", t->cons_why);
        else if (t->has_saved)
            printf("History:    \u2713 consistent with the checkpoint of "
                   "%" PRIu64 " entries seen before%s\n",
                   t->saved_size, t->saved_new ? " (saved this one)" : "");
        else
            printf("History:    first checkpoint seen from %s: saved, "
                   "later ones must be consistent with it\n",
                   t->origin);
    }
    printf("\n");
    /* Columns as wide as their longest cell (within reason). */
    int wseq = 2, wstep = 4, wwho = 3, wwhere = 5;
    for (size_t i = 0; i < t->nentries; i++) {
        s_line_t l;
        s_describe(t, &t->items[i], &l);
        char seq[24];
        int n = snprintf(seq, sizeof seq, "#%" PRIu64, t->items[i].te->seq);
        wseq = n > wseq ? n : wseq;
        wstep = s_cols(l.step) > wstep ? s_cols(l.step) : wstep;
        wwho = s_cols(l.who) > wwho ? s_cols(l.who) : wwho;
        wwhere = s_cols(l.where) > wwhere ? s_cols(l.where) : wwhere;
    }
    wwho = wwho > 40 ? 40 : wwho;
    wwhere = wwhere > 16 ? 16 : wwhere;
    printf("  ");
    s_pad("#", wseq);
    printf(" ");
    s_pad("time", 19);
    printf("  ");
    s_pad("step", wstep);
    printf("  ");
    s_pad("who", wwho);
    printf("  ");
    s_pad("where", wwhere);
    printf("  outcome\n");
    for (size_t i = 0; i < t->nentries; i++) {
        const s_item_t *it = &t->items[i];
        s_line_t l;
        s_describe(t, it, &l);
        char when[40] = "?", seq[24];
        if (it->decoded)
            s_local(it->ev.event->device_time_ms, false, when, sizeof when);
        snprintf(seq, sizeof seq, "#%" PRIu64, it->te->seq);
        bool pending = !it->verified && !it->covered && t->has_cp && !*it->why;
        fputs(t->no_verify && it->decoded ? "- "
              : it->verified              ? "\u2713 "
              : pending                   ? "? "
                                          : "\u2717 ",
              stdout);
        s_pad(seq, wseq);
        putchar(' ');
        s_pad(when, 19);
        printf("  ");
        s_pad(l.step, wstep);
        printf("  ");
        s_pad(l.who, wwho);
        printf("  ");
        s_pad(l.where, wwhere);
        printf("  %s\n", l.outcome);
        int indent = wseq + 3;
        if (*l.detail)
            printf("%*s%s\n", indent, "", l.detail);
        const Lpg__Outcome *o = s_outcome(it);
        for (size_t k = 0; o && k < o->n_reasons; k++) {
            const Lpg__Reason *r = o->reasons[k];
            printf("%*s- %s: %s%s%s\n", indent, "", r->token,
                   r->zh ? r->zh : "", r->zh && r->en ? " / " : "",
                   r->en ? r->en : "");
        }
        if (*it->why)
            printf("%*s\u2717 %s\n", indent, "", it->why);
        if (!it->covered && t->has_cp)
            printf("%*s? not yet in a signed checkpoint (it covers "
                   "%" PRIu64 " entries, the tree %" PRIu64 "): ask again "
                   "once the notary has signed\n",
                   indent, "", t->cp.size, t->tree_size);
    }
    printf("\n");
    if (now->known) {
        char since[40] = "";
        s_local(now->since_ms, false, since, sizeof since);
        s_line_t last;
        s_describe(t, now->last, &last);
        char words[256];
        s_now_words(now, words, sizeof words);
        printf("Now: %s (since %s)\n"
               "     %u fill%s, %u refused fill check%s; last event #%" PRIu64
               ": %s%s%s\n",
               words, since, now->cyl.fills, now->cyl.fills == 1 ? "" : "s",
               now->cyl.denied_checks, now->cyl.denied_checks == 1 ? "" : "s",
               now->last->te->seq, last.step,
               strcmp(last.where, "-") != 0 ? " at " : "",
               strcmp(last.where, "-") != 0 ? last.where : "");
    } else
        printf("Now: unknown (no %s registration)\n",
               t->no_verify ? "readable" : "verified");
    if (t->no_verify) {
        printf("     (from the entries as the service sent them, "
               "unchecked)\n");
        printf("! NOT VERIFIED: %zu entr%s shown, nothing checked "
               "(--no-verify); without it every signature, proof and the "
               "checkpoint are checked\n",
               t->nentries, t->nentries == 1 ? "y" : "ies");
        return;
    }
    if (t->nverified < t->nentries)
        printf("     (from the %zu verified entr%s only)\n", t->nverified,
               t->nverified == 1 ? "y" : "ies");
    if (all_ok) {
        printf("\u2713 all %zu entries verified: event signatures (device "
               "keys from authority-signed enrolments), inclusion in the "
               "signed checkpoint, the checkpoint's signature%s\n",
               t->nentries,
               t->has_saved ? " and its consistency with the one seen "
                              "before"
                            : "");
        return;
    }
    size_t pending = t->has_cp ? t->nentries - t->ncovered : 0;
    size_t failed = t->nentries - t->nverified - pending;
    if (!t->cp_ok)
        printf("\u2717 NOT VERIFIED: %s\n", t->cp_why);
    else if (!t->cons_ok)
        printf("\u2717 NOT VERIFIED: %s\n", t->cons_why);
    else if (failed > 0)
        printf("\u2717 NOT VERIFIED: %zu entr%s failed verification\n", failed,
               failed == 1 ? "y" : "ies");
    else
        printf("? NOT VERIFIED YET: %zu entr%s not yet in a signed "
               "checkpoint\n",
               pending, pending == 1 ? "y is" : "ies are");
    printf("  %zu of %zu entries verified", t->nverified, t->nentries);
    if (pending > 0)
        printf(", %zu not yet covered by a signed checkpoint", pending);
    printf("\n");
}

static json_t *
s_json_outcome(const s_item_t *it)
{
    const Lpg__Outcome *o = s_outcome(it);
    json_t *x = json_object();
    json_object_set_new(x, "status",
                        json_string(s_ok(it) ? "OK"
                                    : o->status == LPG__STATUS__STATUS_DENIED
                                        ? "DENIED"
                                        : "REFUSED"));
    if (o && o->message)
        json_object_set_new(x, "message", json_string(o->message));
    json_t *reasons = json_array();
    for (size_t k = 0; o && k < o->n_reasons; k++) {
        json_t *r = json_object();
        json_object_set_new(r, "token", json_string(o->reasons[k]->token));
        if (o->reasons[k]->zh)
            json_object_set_new(r, "zh", json_string(o->reasons[k]->zh));
        if (o->reasons[k]->en)
            json_object_set_new(r, "en", json_string(o->reasons[k]->en));
        json_array_append_new(reasons, r);
    }
    json_object_set_new(x, "reasons", reasons);
    if (o && o->fill) {
        json_object_set_new(x, "net_g", json_integer(o->fill->net_g));
        json_object_set_new(x, "over",
                            json_boolean(o->fill->has_over && o->fill->over));
        json_object_set_new(
            x, "under", json_boolean(o->fill->has_under && o->fill->under));
    }
    return x;
}

/*  One entry as `lpgtrace --json trace` prints it. */
static json_t *
s_json_item(const s_trace_t *t, const s_item_t *it)
{
    s_line_t l;
    s_describe(t, it, &l);
    json_t *x = json_object();
    json_object_set_new(x, "seq", json_integer((json_int_t)it->te->seq));
    json_object_set_new(x, "verified", json_boolean(it->verified));
    if (!t->no_verify)
        json_object_set_new(x, "covered", json_boolean(it->covered));
    if (*it->why)
        json_object_set_new(x, "error", json_string(it->why));
    if (it->decoded) {
        const Lpg__Event *e = it->ev.event;
        char when[48];
        s_local(e->device_time_ms, true, when, sizeof when);
        json_object_set_new(x, "time", json_string(when));
        json_object_set_new(x, "device_time_ms",
                            json_integer((json_int_t)e->device_time_ms));
        json_object_set_new(
            x, "recorded_at_ms",
            json_integer((json_int_t)it->entry->recorded_at_ms));
        json_object_set_new(x, "kind",
                            json_string(lpg_kind_name(e->body_case)));
        json_object_set_new(x, "step", json_string(l.step));
        if (e->actor)
            json_object_set_new(x, "actor", json_string(e->actor));
        if (e->site)
            json_object_set_new(x, "site", json_string(e->site));
        char hex[65];
        lpg_hex(it->ev.signed_event->key_id.data, LPG_KEYID_LEN, hex);
        json_t *dev = json_object();
        json_object_set_new(dev, "key_id", json_string(hex));
        json_object_set_new(dev, "name", json_string(l.who));
        if (it->device) {
            json_object_set_new(dev, "role",
                                json_string(s_role(it->device->role)));
            if (it->device->site)
                json_object_set_new(dev, "site",
                                    json_string(it->device->site));
            json_object_set_new(
                dev, "enrolled_seq",
                json_integer((json_int_t)it->device->enrolled_seq));
        }
        json_object_set_new(x, "signer", dev);
        if (*l.detail)
            json_object_set_new(x, "detail", json_string(l.detail));
        json_object_set_new(x, "outcome", s_json_outcome(it));
    }
    return x;
}

/*  Appends n bytes at *w, or writes them out where there is no buffer. */
static void
s_put(char **w, const char *p, size_t n)
{
    if (*w) {
        memcpy(*w, p, n);
        *w += n;
    } else
        fwrite(p, 1, n, stdout);
}

/*  Writes doc, the document json_dumps wrote with JSON_INDENT(2) and an
 *  empty "entries" array, with the items' texts in that array, as
 *  json_dumps would have written them there: each line indented two
 *  levels deeper (a string holds no raw newline: its own are escaped).
 *  In one buffer, written at once; piece by piece if there is no memory
 *  for it. e2e/trace checks the output against a pretty-printer of its
 *  own. */
static void
s_splice(s_trace_t *t, const char *doc)
{
    static const char mark[] = "\n  \"entries\": []";
    static const char pad[] = "\n    ";
    const char *at = strstr(doc, mark);
    if (!at || t->nentries == 0) {
        fputs(doc, stdout);
        return;
    }
    size_t head = (size_t)(at - doc) + sizeof mark - 2; /* up to "[" */
    size_t total = strlen(doc) + 4;                     /* "\n  ]" */
    for (size_t i = 0; i < t->nentries; i++) {
        s_item_t *it = &t->items[i];
        if (!it->text)
            it->text = s_item_text(t, it);
        const char *p = it->text ? it->text : "null";
        if (!it->text)
            fprintf(stderr,
                    "lpgtrace: out of memory: entry %" PRIu64
                    " is written as null\n",
                    it->te->seq);
        total += 1 + strlen(p) + sizeof pad - 1; /* ",", pad, the text */
        for (; (p = strchr(p, '\n')); p++)
            total += sizeof pad - 2;
    }
    char *out = malloc(total + 1), *w = out;
    s_put(&w, doc, head);
    for (size_t i = 0; i < t->nentries; i++) {
        const char *p = t->items[i].text ? t->items[i].text : "null";
        if (i)
            s_put(&w, ",", 1);
        s_put(&w, pad, sizeof pad - 1);
        for (const char *nl; (nl = strchr(p, '\n')); p = nl + 1) {
            s_put(&w, p, (size_t)(nl - p));
            s_put(&w, pad, sizeof pad - 1);
        }
        s_put(&w, p, strlen(p));
    }
    s_put(&w, "\n  ]", 4);
    const char *rest = at + sizeof mark - 1;
    s_put(&w, rest, strlen(rest));
    if (out)
        fwrite(out, 1, (size_t)(w - out), stdout);
    free(out);
}

static void
s_print_json(s_trace_t *t, const s_now_t *now, bool all_ok)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "cylinder", json_string(t->grai));
    json_object_set_new(doc, "zone", json_string(t->zone));
    json_object_set_new(doc, "verified",
                        json_boolean(all_ok && !t->no_verify));
    json_object_set_new(doc, "checked",
                        json_string(t->no_verify ? "nothing" : "everything"));
    json_object_set_new(doc, "tree_size",
                        json_integer((json_int_t)t->tree_size));
    json_t *cp = json_object();
    json_object_set_new(cp, "origin", json_string(t->origin));
    json_object_set_new(cp, "checked", json_boolean(!t->no_verify));
    if (t->has_cp) {
        char root[64];
        size_t n;
        lpg_base64_encode(t->cp.root, 32, false, root, sizeof root, &n);
        json_object_set_new(cp, "size", json_integer((json_int_t)t->cp.size));
        json_object_set_new(cp, "root", json_string(root));
    }
    json_object_set_new(cp, "signature_ok", json_boolean(t->has_cp));
    json_object_set_new(cp, "ok", json_boolean(t->cp_ok));
    if (!t->cp_ok)
        json_object_set_new(cp, "error", json_string(t->cp_why));
    json_object_set_new(cp, "consistent", json_boolean(t->cons_ok));
    if (t->has_saved)
        json_object_set_new(cp, "seen_before_size",
                            json_integer((json_int_t)t->saved_size));
    if (t->has_cp && !t->cons_ok)
        json_object_set_new(cp, "consistency_error", json_string(t->cons_why));
    json_object_set_new(doc, "checkpoint", cp);
    /* The entries go in as the text each job wrote (s_splice). */
    json_object_set_new(doc, "entries", json_array());
    json_t *st = json_object();
    if (now->known) {
        char since[48];
        s_local(now->since_ms, true, since, sizeof since);
        lpg_cylinder_now_t cn;
        lpg_cylinder_now(&now->cyl, &cn);
        char words[256];
        s_now_words(now, words, sizeof words);
        json_object_set_new(st, "words", json_string(words));
        json_object_set_new(st, "status",
                            json_string(lpg_status_words(cn.status, NULL)));
        json_object_set_new(st, "custody",
                            json_string(lpg_custody_words(cn.custody, NULL)));
        json_object_set_new(st, "site", json_string(cn.site ? cn.site : ""));
        json_object_set_new(st, "holder",
                            cn.holder ? json_string(cn.holder) : json_null());
        json_object_set_new(
            st, "vehicle", cn.vehicle ? json_string(cn.vehicle) : json_null());
        json_object_set_new(st, "since", json_string(since));
        json_object_set_new(st, "fills", json_integer(now->cyl.fills));
        json_object_set_new(st, "denied_checks",
                            json_integer(now->cyl.denied_checks));
        json_object_set_new(st, "last_seq",
                            json_integer((json_int_t)now->last->te->seq));
    }
    json_object_set_new(st, "from_verified_entries",
                        json_integer((json_int_t)t->nverified));
    if (t->no_verify)
        json_object_set_new(st, "from_unchecked_entries",
                            json_integer((json_int_t)t->nentries));
    json_object_set_new(doc, "now", st);
    /* One string, written at once: jansson writes a stream a token at a
     * time, which costs more than the copy. */
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (text) {
        s_splice(t, text);
        putchar('\n');
    }
    free(text);
    json_decref(doc);
}

/* ---------------------------------------------------------------- main */

static void
s_clear(s_trace_t *t)
{
    for (size_t i = 0; t->items && i < t->nentries; i++) {
        free(t->items[i].text);
        lpg_event_clear(&t->items[i].ev);
        if (t->items[i].entry)
            lpg__ledger_entry__free_unpacked(t->items[i].entry, NULL);
    }
    free(t->items);
    for (size_t i = 0; i < t->ndevices; i++) {
        lpg_key_destroy(&t->devices[i].key);
        free(t->devices[i].name);
        free(t->devices[i].site);
        free(t->devices[i].company);
    }
    free(t->devices);
    free(t->entries);
    free(t->signers);
    for (size_t i = 0; i < t->nreplies; i++)
        lpg__reply__free_unpacked(t->replies[i], NULL);
    free(t->replies);
    lpg_client_destroy(&t->client);
    lpg_key_destroy(&t->authority);
    lpg_key_destroy(&t->ledger_key);
}

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: lpgtrace trace CODE|GRAI [--no-verify] [--json] "
            "[--home DIR]\n"
            "  every entry's signature, inclusion proof and the signed "
            "checkpoint are\n"
            "  checked here; --no-verify fetches the entries alone (no "
            "proofs) and\n"
            "  checks NOTHING: a quick look at what the service says, "
            "never evidence\n");
    return 2;
}

/*  Keys and settings this verification rests on, all from the home. */
static int
s_setup(s_trace_t *t)
{
    t->zone = lpg_config_get(t->cfg, "time.zone");
    char why[512];
    if (lpg_zone_check(t->zone, why, sizeof why) != LPG_OK) {
        fprintf(stderr, "lpgtrace: time.zone: %s\n", why);
        return 2;
    }
    s_zone = t->zone;
    t->origin = lpg_config_get(t->cfg, "ledger.origin");
    if (!t->origin || !*t->origin) {
        fprintf(stderr, "lpgtrace: no ledger.origin configured\n");
        return 2;
    }
    t->authority = lpg_cli_key(t->cli, "authority.public", false);
    if (!t->authority)
        return 2;
    lpg_key_id(t->authority, t->authority_id);
    char path[4096];
    int rc = lpg_config_path(t->cfg, "keys/ledger.pub", path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_key_load_public(&t->ledger_key, path);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s (the ledger's public key): %s\n", path,
                lpg_strerror(rc));
        return 2;
    }
    rc = lpg_client_from_config(&t->client, t->cfg, "trace");
    if (rc != LPG_OK)
        return lpg_cli_fail("trace service", rc);
    return 0;
}

int
lpg_cmd_trace(lpg_cli_t *cli, int argc, char **argv)
{
    s_trace_t t;
    memset(&t, 0, sizeof t);
    const char *arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-verify") == 0)
            t.no_verify = true;
        else if (argv[i][0] == '-' || arg)
            return s_usage();
        else
            arg = argv[i];
    }
    if (!arg)
        return s_usage();
    t.cli = cli;
    t.cfg = lpg_cli_config(cli);
    if (!t.cfg)
        return 2;
    if (!s_grai_of(arg, t.grai))
        return 2;
    int status = s_setup(&t);
    if (status == 0)
        status = s_fetch(&t, arg);
    if (status == 0 && !t.no_verify)
        status = s_check_checkpoint(&t);
    if (status == 0 && !t.no_verify && s_check_signers(&t) != LPG_OK)
        status = lpg_cli_fail("trace", LPG_ENOMEM);
    if (status == 0 && s_check_items(&t) != LPG_OK)
        status = lpg_cli_fail("trace", LPG_ENOMEM);
    if (status == 0) {
        s_now_t now;
        s_derive(&t, &now);
        bool all_ok = t.cp_ok && t.cons_ok && t.nverified == t.nentries;
        if (cli->json)
            s_print_json(&t, &now, all_ok);
        else
            s_print_text(&t, &now, all_ok);
        if (t.no_verify)
            fprintf(stderr, "lpgtrace: warning: --no-verify: nothing was "
                            "checked; the entries are the trace service's "
                            "word only\n");
        else if (!all_ok) {
            if (!t.cons_ok && t.has_cp)
                fprintf(stderr, "lpgtrace: REFUSED: %s\n", t.cons_why);
            status = 1;
        }
    }
    s_clear(&t);
    return status;
}

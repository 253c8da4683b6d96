/*  console_proofs.c - what the console's pages need to check everything
 *  in the browser (www/verify.js), trusting nothing lpg-webd says:
 *
 *    GET /console/api/entries?q=CODE|GRAI|SHORT-ID|SERIAL
 *        the cylinder's entries, each with its leaf bytes (the
 *        LedgerEntry, the Merkle leaf input), the SignedEvent inside it,
 *        the exact bytes the device signed and the signature-context
 *        prefix, the signature, the signer's public key, and the
 *        inclusion proof up to the latest signed checkpoint; the
 *        checkpoint's signed note and the ledger key (note key name and
 *        raw public key).
 *    GET /console/api/checkpoint
 *        the latest signed checkpoint and the ledger key.
 *    GET /console/api/consistency?from=M&to=N
 *        the RFC 9162 consistency proof between the trees of M and N
 *        entries.
 *
 *  Everything is read from the ledger lpg-webd has open read-only, in one
 *  read transaction per answer. When the latest checkpoint does not yet
 *  cover the cylinder's last entry, lpg-traced is asked for that entry
 *  with its proof first: the notary then signs a checkpoint of the whole
 *  tree (as for `lpgtrace trace`). A street office or a company sees
 *  only the cylinders within its scope (lpg_console_may_see): 403.
 */
#include "base/error.h"
#include "base/log.h"
#include "codes/code.h"
#include "console.h"
#include "crypto/crypto.h"
#include "daemon.h"
#include "domain/cylinder.h"
#include "domain/state.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_ENTRIES 20000 /* entries in one answer, at most */
#define S_CONTEXT_EVENT "lpgtrace/v1/event" /* + NUL: LPG_CTX_EVENT */

static void
s_send_json(lpg_webd_resp_t *resp, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body = text;
    resp->body_len = strlen(text);
}

/*  bytes as a standard base64 JSON string (NULL on failure). */
static json_t *
s_b64(const void *data, size_t len)
{
    size_t cap = (len + 2) / 3 * 4 + 1;
    char *out = malloc(cap);
    size_t n = 0;
    if (!out || lpg_base64_encode(data, len, false, out, cap, &n) != LPG_OK) {
        free(out);
        return NULL;
    }
    json_t *s = json_stringn(out, n);
    free(out);
    return s;
}

/* ---- the checkpoint and the ledger key ---- */

typedef struct {
    char *note;  /* the latest signed note; NULL: none yet */
    bool opened; /* the note verifies with the ledger key: cp is known */
    lpg_checkpoint_t cp;
    char origin[256];
    uint8_t ledger_pub[32];
    uint8_t authority_pub[32];
    uint8_t authority_id[LPG_KEYID_LEN];
    bool has_authority;
} s_head_t;

static int
s_head(lpg_ledger_t *l, s_head_t *h)
{
    memset(h, 0, sizeof *h);
    int rc = lpg_ledger_meta(l, h->authority_pub, h->ledger_pub, h->origin,
                             sizeof h->origin);
    if (rc != LPG_OK)
        return rc;
    lpg_sha256(h->authority_pub, 32, h->authority_id);
    h->has_authority = true;
    uint64_t size = 0;
    rc = lpg_ledger_checkpoint_latest(l, &size, &h->note);
    if (rc == LPG_ENOTFOUND)
        return LPG_OK;
    if (rc != LPG_OK)
        return rc;
    /* The sizes to prove at come from the note itself, checked as every
     * reader checks it; the browser checks it again. */
    lpg_key_t *key = NULL;
    rc = lpg_key_from_raw_public(&key, h->ledger_pub);
    if (rc != LPG_OK)
        return rc;
    char why[128];
    rc = lpg_checkpoint_open(h->note, strlen(h->note), key, h->origin, &h->cp,
                             why, sizeof why);
    lpg_key_destroy(&key);
    if (rc == LPG_OK)
        h->opened = true;
    else
        lpg_error("console: the latest checkpoint (%" PRIu64
                  " entries) does not open with the ledger key: %s",
                  size, rc == LPG_EBADNOTE ? why : lpg_strerror(rc));
    return LPG_OK;
}

static void
s_head_clear(s_head_t *h)
{
    free(h->note);
    h->note = NULL;
}

static json_t *
s_head_json(const s_head_t *h)
{
    json_t *o = json_object();
    json_t *cp = json_object();
    json_t *key = json_object();
    if (!o || !cp || !key) {
        json_decref(o);
        json_decref(cp);
        json_decref(key);
        return NULL;
    }
    json_object_set_new(o, "checkpoint", cp);
    json_object_set_new(o, "ledger_key", key);
    json_object_set_new(cp, "note",
                        h->note ? json_string(h->note) : json_null());
    json_object_set_new(cp, "size",
                        json_integer(h->opened ? (json_int_t)h->cp.size : 0));
    json_object_set_new(cp, "root",
                        h->opened ? s_b64(h->cp.root, 32) : json_null());
    json_object_set_new(key, "name", json_string(h->origin));
    json_object_set_new(key, "pub", s_b64(h->ledger_pub, 32));
    return o;
}

/* ---- which cylinder ---- */

typedef struct {
    lpg_txn_t *t;
    const char *q;
    char grai[LPG_CODE_GRAI_MAX + 1];
    int found;
} s_find_t;

/*  A cylinder record whose serial or short id is the one asked for. */
static int
s_find_row(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    s_find_t *f = ctx;
    Lpg__CylinderState *cyl = lpg__cylinder_state__unpack(NULL, vlen, val);
    if (!cyl)
        return LPG_OK;
    if (lpg_state_cylinder_reg(f->t, cyl) != LPG_OK) {
        lpg__cylinder_state__free_unpacked(cyl, NULL);
        return LPG_OK; /* as a record that does not decode */
    }
    bool hit =
        cyl->reg && cyl->reg->serial && strcmp(cyl->reg->serial, f->q) == 0;
    if (!hit) {
        const char *text = lpg_cylinder_code(cyl);
        lpg_code_t code;
        char sid[LPG_CODE_SHORT_ID_MAX + 1];
        if (text &&
            lpg_code_parse(text, strlen(text), NULL, &code) == LPG_OK) {
            lpg_code_short_id(&code, sid);
            hit = strcmp(sid, f->q) == 0;
        }
    }
    if (hit && klen < sizeof f->grai) {
        memcpy(f->grai, key, klen);
        f->grai[klen] = '\0';
        f->found++;
    }
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    return f->found > 1 ? LPG_EEXIST : LPG_OK;
}

/*  q as a GRAI on record: a code's text, a GRAI, else a steel-stamp
 *  serial or a short id that names exactly one cylinder. LPG_ENOTFOUND
 *  if none; LPG_EEXIST if a serial names several. */
static int
s_find(lpg_txn_t *t, const char *q, char grai[LPG_CODE_GRAI_MAX + 1])
{
    if (strncmp(q, "https://", 8) == 0) {
        lpg_code_t code;
        int rc = lpg_code_parse(q, strlen(q), NULL, &code);
        if (rc != LPG_OK && rc != LPG_ECODE_CASE)
            return LPG_ENOTFOUND;
        snprintf(grai, LPG_CODE_GRAI_MAX + 1, "%s", code.grai);
    } else if (strlen(q) <= LPG_CODE_GRAI_MAX) {
        snprintf(grai, LPG_CODE_GRAI_MAX + 1, "%s", q);
    } else {
        return LPG_ENOTFOUND;
    }
    const void *v;
    size_t vlen;
    int rc =
        lpg_txn_get(t, LPG_TABLE_CYLINDERS, grai, strlen(grai), &v, &vlen);
    if (rc != LPG_ENOTFOUND)
        return rc;
    s_find_t f = {.t = t, .q = q};
    rc = lpg_txn_foreach(t, LPG_TABLE_CYLINDERS, s_find_row, &f);
    if (rc != LPG_OK && rc != LPG_EEXIST)
        return rc;
    if (f.found == 0)
        return LPG_ENOTFOUND;
    if (f.found > 1)
        return LPG_EEXIST;
    memcpy(grai, f.grai, sizeof f.grai);
    return LPG_OK;
}

/*  The area a cylinder is in for a street office: the household's that
 *  holds it, else the station's where it was last seen. */
static void
s_area(lpg_txn_t *t, const Lpg__CylinderState *cyl, char *out, size_t outsz)
{
    *out = '\0';
    if (cyl->holder && *cyl->holder) {
        Lpg__UserState *u = NULL;
        if (lpg_state_load(t, LPG_TABLE_USERS, cyl->holder,
                           &lpg__user_state__descriptor,
                           (ProtobufCMessage **)&u) == LPG_OK) {
            if (u->add && u->add->area)
                snprintf(out, outsz, "%s", u->add->area);
            lpg_state_free(u);
            return;
        }
    }
    const char *site = cyl->last_site && *cyl->last_site ? cyl->last_site
                       : cyl->reg                        ? cyl->reg->fill_site
                                                         : NULL;
    Lpg__SiteState *s = NULL;
    if (site &&
        lpg_state_load(t, LPG_TABLE_SITES, site, &lpg__site_state__descriptor,
                       (ProtobufCMessage **)&s) == LPG_OK) {
        if (s->add && s->add->area)
            snprintf(out, outsz, "%s", s->add->area);
        lpg_state_free(s);
    }
}

/* ---- entries ---- */

typedef struct {
    uint64_t *v;
    size_t n, cap;
} s_seqs_t;

static int
s_collect(void *ctx, uint64_t seq)
{
    s_seqs_t *s = ctx;
    if (s->n == S_MAX_ENTRIES)
        return LPG_ETOOBIG;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return LPG_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = seq;
    return LPG_OK;
}

static int
s_node(void *ctx, unsigned level, uint64_t index, uint8_t out[LPG_HASH_LEN])
{
    return lpg_txn_node(ctx, level, index, out);
}

/*  Asks lpg-traced for the cylinder's entry seq with its proof: the
 *  notary signs a checkpoint covering it first. Best effort. */
static void
s_nudge_notary(lpg_webd_t *w, const char *grai, uint64_t seq)
{
    lpg_client_t *c = lpg_webd_client(w, "trace");
    if (!c)
        return;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetTrace q = LPG__GET_TRACE__INIT;
    q.cylinder = (char *)grai;
    q.has_from = 1;
    q.from = seq;
    q.has_count = 1;
    q.count = 1;
    req.body_case = LPG__REQUEST__BODY_GET_TRACE;
    req.get_trace = &q;
    Lpg__Reply *r = NULL;
    int rc = lpg_client_call(c, &req, &r);
    if (rc != LPG_OK)
        lpg_warn("console: the trace service did not answer: %s",
                 lpg_strerror(rc));
    if (r)
        lpg__reply__free_unpacked(r, NULL);
}

/*  One entry as the browser checks it; NULL if it cannot be read. The
 *  answer's proofs share the tree's right edge: *edge keeps its hashes
 *  from one entry to the next (ledger/merkle.h). */
static json_t *
s_entry_json(lpg_txn_t *t, const s_head_t *h, lpg_merkle_edge_t *edge,
             uint64_t seq)
{
    const uint8_t *data;
    size_t len;
    if (lpg_txn_entry(t, seq, &data, &len) != LPG_OK)
        return NULL;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    Lpg__SignedEvent *se =
        e ? lpg__signed_event__unpack(NULL, e->signed_event.len,
                                      e->signed_event.data)
          : NULL;
    json_t *o = se ? json_object() : NULL;
    if (!o)
        goto done;
    /* The signer's public key: the authority's, or the enrolled device's
     * with this key id (the browser checks that it hashes to it). */
    uint8_t pub[32];
    bool has_pub = false;
    if (se->key_id.len == LPG_KEYID_LEN) {
        Lpg__DeviceState *dev = NULL;
        if (h->has_authority &&
            memcmp(se->key_id.data, h->authority_id, LPG_KEYID_LEN) == 0) {
            memcpy(pub, h->authority_pub, 32);
            has_pub = true;
        } else if (lpg_state_device(t, se->key_id.data, &dev) == LPG_OK) {
            if (dev->sign_pub.len == 32) {
                memcpy(pub, dev->sign_pub.data, 32);
                has_pub = true;
            }
            lpg__device_state__free_unpacked(dev, NULL);
        }
    }
    static const char ctx[] = S_CONTEXT_EVENT;
    json_object_set_new(o, "seq", json_integer((json_int_t)seq));
    json_object_set_new(o, "leaf", s_b64(data, len));
    json_object_set_new(o, "signed_event",
                        s_b64(e->signed_event.data, e->signed_event.len));
    json_object_set_new(o, "event", s_b64(se->body.data, se->body.len));
    json_object_set_new(o, "sig", s_b64(se->sig.data, se->sig.len));
    json_object_set_new(o, "context", s_b64(ctx, sizeof ctx)); /* with NUL */
    json_object_set_new(o, "signer_pub",
                        has_pub ? s_b64(pub, 32) : json_string(""));
    json_t *proof = json_array();
    json_object_set_new(o, "proof", proof);
    if (h->opened && seq < h->cp.size && proof) {
        lpg_hash_t p[LPG_MERKLE_MAX_PROOF];
        size_t n = 0;
        if (lpg_merkle_inclusion_proof_edge(s_node, t, edge, seq, h->cp.size,
                                            p, &n) == LPG_OK)
            for (size_t i = 0; i < n; i++)
                json_array_append_new(proof, s_b64(p[i], LPG_HASH_LEN));
    }
done:
    if (se)
        lpg__signed_event__free_unpacked(se, NULL);
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
    return o;
}

static void
s_entries(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
          const lpg_console_who_t *who)
{
    char q[256];
    if (!lpg_webd_query_param(req->query, "q", q, sizeof q) || !*q) {
        lpg_webd_problem(resp, 400, "bad-query", "Bad query",
                         "Give q: a cylinder's code, GRAI, short id or "
                         "steel-stamp serial.");
        return;
    }
    lpg_ledger_t *l = lpg_webd_ledger(w);
    if (!l) {
        lpg_webd_problem(resp, 503, "no-ledger", "No ledger",
                         "This server has no ledger to read.");
        return;
    }
    char grai[LPG_CODE_GRAI_MAX + 1] = "";
    s_seqs_t seqs = {0};
    s_head_t h = {0};
    json_t *o = NULL;
    lpg_txn_t *t = NULL;
    Lpg__CylinderState *cyl = NULL;
    int rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = s_find(t, q, grai);
    if (rc == LPG_OK)
        rc = lpg_state_load(t, LPG_TABLE_CYLINDERS, grai,
                            &lpg__cylinder_state__descriptor,
                            (ProtobufCMessage **)&cyl);
    if (rc == LPG_ENOTFOUND || rc == LPG_EEXIST) {
        lpg_webd_problem(resp, 404, "not-found", "Not found",
                         rc == LPG_EEXIST
                             ? "Several cylinders have this serial: "
                               "give the code or the GRAI."
                             : "No cylinder on record is named so.");
        goto cleanup;
    }
    if (rc != LPG_OK)
        goto failed;
    char area[64];
    s_area(t, cyl, area, sizeof area);
    if (!lpg_console_may_see(who, t, cyl->reg ? cyl->reg->owner : "", area)) {
        lpg_webd_problem(resp, 403, "forbidden", "Forbidden",
                         "This cylinder is outside your area or company.");
        goto cleanup;
    }
    rc = lpg_txn_seqs(t, LPG_TABLE_BY_CYLINDER, grai, strlen(grai), s_collect,
                      &seqs);
    if (rc == LPG_ETOOBIG)
        rc = LPG_OK; /* the first S_MAX_ENTRIES */
    lpg_txn_abort(&t);
    if (rc != LPG_OK)
        goto failed;
    rc = s_head(l, &h);
    if (rc == LPG_OK && seqs.n > 0 &&
        (!h.opened || seqs.v[seqs.n - 1] >= h.cp.size)) {
        s_nudge_notary(w, grai, seqs.v[seqs.n - 1]);
        s_head_clear(&h);
        rc = s_head(l, &h);
    }
    if (rc == LPG_OK)
        rc = lpg_ledger_read(l, &t);
    if (rc != LPG_OK)
        goto failed;
    o = s_head_json(&h);
    json_t *list = json_array();
    if (!o || !list) {
        json_decref(list);
        goto failed;
    }
    json_object_set_new(o, "grai", json_string(grai));
    json_object_set_new(o, "entries", list);
    json_object_set_new(o, "more", json_boolean(seqs.n == S_MAX_ENTRIES));
    lpg_merkle_edge_t edge = {0};
    for (size_t i = 0; i < seqs.n; i++) {
        json_t *e = s_entry_json(t, &h, &edge, seqs.v[i]);
        if (!e) {
            lpg_error("console: entry %" PRIu64 " of %s cannot be read",
                      seqs.v[i], grai);
            continue;
        }
        json_array_append_new(list, e);
    }
    s_send_json(resp, o);
    o = NULL;
    goto cleanup;
failed:
    lpg_error("console: entries of %s: %s", grai[0] ? grai : "?",
              lpg_strerror(rc));
    lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
cleanup:
    json_decref(o);
    if (cyl)
        lpg_state_free(cyl);
    lpg_txn_abort(&t);
    s_head_clear(&h);
    free(seqs.v);
}

static void
s_checkpoint(lpg_webd_t *w, lpg_webd_resp_t *resp)
{
    lpg_ledger_t *l = lpg_webd_ledger(w);
    if (!l) {
        lpg_webd_problem(resp, 503, "no-ledger", "No ledger",
                         "This server has no ledger to read.");
        return;
    }
    s_head_t h;
    int rc = s_head(l, &h);
    if (rc != LPG_OK) {
        s_head_clear(&h);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    if (!h.note) {
        s_head_clear(&h);
        lpg_webd_problem(resp, 404, "not-found", "Not found",
                         "No checkpoint has been signed yet.");
        return;
    }
    s_send_json(resp, s_head_json(&h));
    s_head_clear(&h);
}

/*  A size in a query: decimal, no sign, no leading zero. */
static bool
s_size(const char *query, const char *name, uint64_t *out)
{
    char v[24];
    if (!lpg_webd_query_param(query, name, v, sizeof v) || !*v ||
        (v[0] == '0' && v[1]) || strlen(v) > 19)
        return false;
    uint64_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *out = n;
    return true;
}

static void
s_consistency(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    lpg_ledger_t *l = lpg_webd_ledger(w);
    if (!l) {
        lpg_webd_problem(resp, 503, "no-ledger", "No ledger",
                         "This server has no ledger to read.");
        return;
    }
    uint64_t from = 0, to = 0, tree = 0;
    if (!s_size(req->query, "from", &from) || !s_size(req->query, "to", &to)) {
        lpg_webd_problem(resp, 400, "bad-query", "Bad query",
                         "Give from and to: two tree sizes.");
        return;
    }
    int rc = lpg_ledger_size(l, &tree);
    if (rc == LPG_OK && (from == 0 || from > to || to > tree)) {
        lpg_webd_problem(resp, 400, "bad-query", "Bad query",
                         "Need 0 < from <= to <= the tree size.");
        return;
    }
    lpg_hash_t p[LPG_MERKLE_MAX_PROOF];
    size_t n = 0;
    if (rc == LPG_OK)
        rc = lpg_ledger_consistency_proof(l, from, to, p, &n);
    json_t *o = rc == LPG_OK ? json_object() : NULL;
    json_t *list = o ? json_array() : NULL;
    if (!list) {
        json_decref(o);
        lpg_error("console: consistency %" PRIu64 " to %" PRIu64 ": %s", from,
                  to, lpg_strerror(rc));
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    json_object_set_new(o, "from", json_integer((json_int_t)from));
    json_object_set_new(o, "to", json_integer((json_int_t)to));
    json_object_set_new(o, "proof", list);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, s_b64(p[i], LPG_HASH_LEN));
    s_send_json(resp, o);
}

void
lpg_console_proofs(lpg_webd_t *w, const lpg_webd_req_t *req,
                   lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        lpg_webd_problem(resp, 405, "method-not-allowed", "Method not allowed",
                         "Use GET.");
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Allow: GET, HEAD\r\n");
        return;
    }
    if (strcmp(req->path, "/console/api/entries") == 0)
        s_entries(w, req, resp, who);
    else if (strcmp(req->path, "/console/api/checkpoint") == 0)
        s_checkpoint(w, resp);
    else if (strcmp(req->path, "/console/api/consistency") == 0)
        s_consistency(w, req, resp);
    else
        lpg_webd_problem(resp, 404, "not-found", "Not found", NULL);
}

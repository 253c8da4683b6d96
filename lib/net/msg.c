/*  msg.c - see msg.h. */
#include "net/msg.h"
#include "base/error.h"
#include "ledger/event.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
lpg_msg_decode_request(Lpg__Request **out, const uint8_t *data, size_t len,
                       char *why, size_t whysz)
{
    *out = NULL;
    /* Named faults first (an unknown field, a NUL, a missing required
     * field...): protobuf-c would keep an unknown field and say only "no"
     * to the rest. */
    if (lpg_proto_wire_check(&lpg__request__descriptor, data, len, why,
                             whysz) != LPG_OK)
        return LPG_EMALFORMED;
    Lpg__Request *req = lpg__request__unpack(NULL, len, data);
    if (!req) {
        snprintf(why, whysz, "Request: does not decode");
        return LPG_EMALFORMED;
    }
    const char *field = NULL;
    int rc = LPG_OK;
    if (req->request_id.len != LPG_REQUEST_ID_LEN) {
        snprintf(why, whysz, "Request.request_id: must be %d bytes",
                 LPG_REQUEST_ID_LEN);
        rc = LPG_EMALFORMED;
    } else if (lpg_proto_strings_check(&req->base, &field) != LPG_OK) {
        snprintf(why, whysz,
                 "Request: field '%s' is not UTF-8, has a "
                 "control character or is longer than %d bytes",
                 field ? field : "?", LPG_STRING_MAX);
        rc = LPG_EMALFORMED;
    } else if (lpg_proto_empty_check(&req->base, &field) != LPG_OK) {
        snprintf(why, whysz,
                 "field '%s' is empty: leave it out or give a "
                 "value",
                 field ? field : "?");
        rc = LPG_EINVAL;
    } else if (protobuf_c_message_get_packed_size(&req->base) != len) {
        snprintf(why, whysz,
                 "Request: not canonically encoded (a varint "
                 "or length longer than it needs to be)");
        rc = LPG_EMALFORMED;
    } else if (req->body_case == LPG__REQUEST__BODY__NOT_SET) {
        snprintf(why, whysz, "Request: has no body (submit, ping, ...)");
        rc = LPG_EMALFORMED;
    }
    if (rc != LPG_OK) {
        lpg__request__free_unpacked(req, NULL);
        return rc;
    }
    *out = req;
    return LPG_OK;
}

void
lpg_reply_init(lpg_reply_t *r, const uint8_t *request_id, size_t idlen)
{
    memset(r, 0, sizeof *r);
    lpg__reply__init(&r->reply);
    lpg__cylinder_info__init(&r->cylinder);
    lpg__fill_result__init(&r->fill);
    if (request_id && idlen == LPG_REQUEST_ID_LEN) {
        memcpy(r->request_id, request_id, LPG_REQUEST_ID_LEN);
        r->reply.request_id.data = r->request_id;
        r->reply.request_id.len = LPG_REQUEST_ID_LEN;
    }
    r->reply.status = LPG__STATUS__STATUS_INTERNAL;
    r->reply.token = (char *)lpg_errtoken(LPG_EINTERNAL);
    r->reply.message = "no answer was set";
}

void *
lpg_reply_keep(lpg_reply_t *r, void *p)
{
    if (!p)
        return NULL;
    if (r->nstrings == r->capstrings) {
        size_t cap = r->capstrings ? r->capstrings * 2 : 16;
        char **v = realloc(r->strings, cap * sizeof *v);
        if (!v) {
            free(p);
            return NULL;
        }
        r->strings = v;
        r->capstrings = cap;
    }
    r->strings[r->nstrings++] = p;
    return p;
}

char *
lpg_reply_strdup(lpg_reply_t *r, const char *s)
{
    return lpg_reply_keep(r, strdup(s ? s : ""));
}

void *
lpg_reply_alloc(lpg_reply_t *r, size_t n)
{
    return lpg_reply_keep(r, calloc(1, n ? n : 1));
}

int
lpg_reply_results(lpg_reply_t *r, size_t n)
{
    r->results = calloc(n ? n : 1, sizeof *r->results);
    r->result_ptrs = calloc(n ? n : 1, sizeof *r->result_ptrs);
    if (!r->results || !r->result_ptrs)
        return LPG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        lpg__event_result__init(&r->results[i]);
        r->results[i].status = LPG__STATUS__STATUS_INTERNAL;
        r->results[i].token = (char *)lpg_errtoken(LPG_EINTERNAL);
        r->results[i].message = "not processed";
        r->result_ptrs[i] = &r->results[i];
    }
    r->nresults = n;
    r->reply.n_results = n;
    r->reply.results = r->result_ptrs;
    return LPG_OK;
}

int
lpg_reply_result_set(lpg_reply_t *r, size_t i, Lpg__Status status,
                     const char *token, const char *message)
{
    char *t = lpg_reply_strdup(r, token);
    char *m = lpg_reply_strdup(r, message);
    if (!t || !m || i >= r->nresults)
        return LPG_ENOMEM;
    r->results[i].status = status;
    r->results[i].token = t;
    r->results[i].message = m;
    return LPG_OK;
}

int
lpg_reply_result_reason(lpg_reply_t *r, size_t i, const char *token,
                        const char *zh, const char *en)
{
    if (i >= r->nresults)
        return LPG_EINVAL;
    Lpg__EventResult *res = &r->results[i];
    Lpg__Reason *x = calloc(1, sizeof *x);
    Lpg__Reason **v = realloc(res->reasons, (res->n_reasons + 1) * sizeof *v);
    if (!x || !v) {
        free(x);
        if (v)
            res->reasons = v;
        return LPG_ENOMEM;
    }
    lpg__reason__init(x);
    x->token = lpg_reply_strdup(r, token);
    x->zh = zh ? lpg_reply_strdup(r, zh) : NULL;
    x->en = en ? lpg_reply_strdup(r, en) : NULL;
    v[res->n_reasons++] = x;
    res->reasons = v;
    return LPG_OK;
}

int
lpg_reply_set(lpg_reply_t *r, Lpg__Status status, const char *token,
              const char *message)
{
    char *t = lpg_reply_strdup(r, token);
    char *m = lpg_reply_strdup(r, message);
    if (!t || !m)
        return LPG_ENOMEM;
    r->reply.status = status;
    r->reply.token = t;
    r->reply.message = m;
    return LPG_OK;
}

int
lpg_reply_error(lpg_reply_t *r, int err, const char *message)
{
    return lpg_reply_set(r, lpg_msg_status(err), lpg_errtoken(err),
                         message ? message : lpg_strerror(err));
}

int
lpg_reply_reason(lpg_reply_t *r, const char *token, const char *zh,
                 const char *en)
{
    size_t n = r->nreasons;
    Lpg__Reason *store = realloc(r->reason_store, (n + 1) * sizeof *store);
    if (!store)
        return LPG_ENOMEM;
    r->reason_store = store;
    /* The store may have moved: point at it again before anything else
     * can fail. */
    for (size_t i = 0; i < n; i++)
        r->reason_ptrs[i] = &store[i];
    Lpg__Reason **ptrs = realloc(r->reason_ptrs, (n + 1) * sizeof *ptrs);
    if (!ptrs)
        return LPG_ENOMEM;
    r->reason_ptrs = ptrs;
    r->reply.reasons = ptrs;
    lpg__reason__init(&store[n]);
    store[n].token = lpg_reply_strdup(r, token);
    store[n].zh = zh ? lpg_reply_strdup(r, zh) : NULL;
    store[n].en = en ? lpg_reply_strdup(r, en) : NULL;
    if (!store[n].token)
        return LPG_ENOMEM;
    r->nreasons = n + 1;
    /* realloc may have moved the store: point again at every element */
    for (size_t i = 0; i <= n; i++)
        ptrs[i] = &store[i];
    r->reply.n_reasons = r->nreasons;
    r->reply.reasons = ptrs;
    return LPG_OK;
}

int
lpg_reply_pack(const lpg_reply_t *r, uint8_t **out, size_t *len)
{
    *len = lpg__reply__get_packed_size(&r->reply);
    *out = malloc(*len ? *len : 1);
    if (!*out)
        return LPG_ENOMEM;
    lpg__reply__pack(&r->reply, *out);
    return LPG_OK;
}

void
lpg_reply_clear(lpg_reply_t *r)
{
    for (size_t i = 0; i < r->nstrings; i++)
        free(r->strings[i]);
    free(r->strings);
    for (size_t i = 0; i < r->nresults; i++) {
        for (size_t k = 0; k < r->results[i].n_reasons; k++)
            free(r->results[i].reasons[k]);
        free(r->results[i].reasons);
    }
    free(r->results);
    free(r->result_ptrs);
    free(r->reason_store);
    free(r->reason_ptrs);
    memset(r, 0, sizeof *r);
}

Lpg__Status
lpg_msg_status(int err)
{
    switch (err) {
    case LPG_OK:
        return LPG__STATUS__STATUS_OK;
    case LPG_EINVAL:
    case LPG_EMALFORMED:
    case LPG_ETOOBIG:
    case LPG_ERANGE:
    case LPG_ECLOCK_AHEAD:
    case LPG_ECLOCK_BEHIND:
    case LPG_EWRONGSERVICE:
    case LPG_ECODE:
    case LPG_EFRAMES:
    case LPG_EVERSION:
    case LPG_EBATCH:
    case LPG_EUNSUPPORTED:
        return LPG__STATUS__STATUS_INVALID;
    case LPG_EBADSIG:
    case LPG_EUNKNOWNKEY:
    case LPG_EREVOKED:
    case LPG_EBINDING:
    case LPG_EPERM:
    case LPG_ENOREVEAL:
    case LPG_EREVEAL_EXPIRED:
        return LPG__STATUS__STATUS_UNAUTHORIZED;
    case LPG_ENOTFOUND:
    case LPG_ERASED:
    case LPG_ENOKEY:
        return LPG__STATUS__STATUS_NOT_FOUND;
    case LPG_ECONFLICT:
    case LPG_EEXIST:
    case LPG_EADDRESS_GIVEN:
        return LPG__STATUS__STATUS_CONFLICT;
    case LPG_EUNAVAILABLE:
    case LPG_ETIMEOUT:
    case LPG_EMAPFULL:
    case LPG_ENOSPC:
    case LPG_ENOMASTER:
        return LPG__STATUS__STATUS_UNAVAILABLE;
    default:
        return LPG__STATUS__STATUS_INTERNAL;
    }
}

const char *
lpg_msg_status_name(Lpg__Status s)
{
    switch (s) {
    case LPG__STATUS__STATUS_OK:
        return "OK";
    case LPG__STATUS__STATUS_DENIED:
        return "DENIED";
    case LPG__STATUS__STATUS_INVALID:
        return "INVALID";
    case LPG__STATUS__STATUS_UNAUTHORIZED:
        return "UNAUTHORIZED";
    case LPG__STATUS__STATUS_NOT_FOUND:
        return "NOT_FOUND";
    case LPG__STATUS__STATUS_CONFLICT:
        return "CONFLICT";
    case LPG__STATUS__STATUS_UNAVAILABLE:
        return "UNAVAILABLE";
    case LPG__STATUS__STATUS_INTERNAL:
        return "INTERNAL";
    case _LPG__STATUS_IS_INT_SIZE:
        break;
    }
    return "UNKNOWN";
}

int
lpg_msg_exit(const Lpg__Reply *r)
{
    switch (r->status) {
    case LPG__STATUS__STATUS_OK:
        return 0;
    case LPG__STATUS__STATUS_DENIED:
    case LPG__STATUS__STATUS_UNAUTHORIZED:
    case LPG__STATUS__STATUS_NOT_FOUND:
    case LPG__STATUS__STATUS_CONFLICT:
        return 1;
    case LPG__STATUS__STATUS_INVALID:
    case LPG__STATUS__STATUS_UNAVAILABLE:
    case LPG__STATUS__STATUS_INTERNAL:
    case _LPG__STATUS_IS_INT_SIZE:
        break;
    }
    return 2;
}

const char *
lpg_msg_advice(const Lpg__Reply *r)
{
    if (lpg_msg_exit(r) != 2)
        return NULL;
    const char *token = r->token ? r->token : "";
    if (strcmp(token, lpg_errtoken(LPG_ENOSPC)) == 0)
        return "nothing was recorded: the ledger's disk is full; the "
               "operator must free space on it, then send this again";
    if (strcmp(token, lpg_errtoken(LPG_EMAPFULL)) == 0)
        return "nothing was recorded: the ledger's map is full; the "
               "operator must raise the ledger's map size in the "
               "configuration and restart the services, then send this "
               "again";
    if (r->status == LPG__STATUS__STATUS_INVALID)
        return "nothing was recorded: the request was not valid as sent; "
               "correct what the message names and send it again";
    if (r->status == LPG__STATUS__STATUS_UNAVAILABLE)
        return "nothing was recorded: the service could not take it now; "
               "send this again later";
    return "nothing was recorded: the service failed; send this again, "
           "and if it fails again the operator should read the service's "
           "log";
}

static json_t *
s_text(const char *s)
{
    return json_string(s ? s : "");
}

json_t *
lpg_msg_reply_json(const Lpg__Reply *r)
{
    json_t *o = json_object();
    json_t *reasons = json_array();
    if (!o || !reasons) {
        json_decref(o);
        json_decref(reasons);
        return NULL;
    }
    json_object_set_new(o, "status", s_text(lpg_msg_status_name(r->status)));
    json_object_set_new(o, "token", s_text(r->token));
    json_object_set_new(o, "message", s_text(r->message));
    if (r->has_seq)
        json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
    if (r->has_duplicate && r->duplicate)
        json_object_set_new(o, "duplicate", json_true());
    for (size_t i = 0; i < r->n_reasons; i++) {
        const Lpg__Reason *x = r->reasons[i];
        json_t *j = json_object();
        if (j) {
            json_object_set_new(j, "token", s_text(x->token));
            json_object_set_new(j, "zh", s_text(x->zh));
            json_object_set_new(j, "en", s_text(x->en));
        }
        json_array_append_new(reasons, j);
    }
    json_object_set_new(o, "reasons", reasons);
    const char *advice = lpg_msg_advice(r);
    if (advice) {
        json_object_set_new(o, "recorded", json_false());
        json_object_set_new(o, "advice", json_string(advice));
    }
    return o;
}

void
lpg_msg_emit_json(json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (text)
        puts(text);
    else
        fprintf(stderr, "out of memory: no JSON printed\n");
    free(text);
    json_decref(o);
}

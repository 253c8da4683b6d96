/*  event.c - see event.h. */
#include "ledger/event.h"
#include "base/clock.h"
#include "base/count.h"
#include "base/error.h"
#include "codes/gascert.h"
#include "base/text.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The longest string field f of a d may hold. Every field has
 *  LPG_STRING_MAX but the gas-use certificate a driver scans
 *  (Delivery.gas_cert), whose text runs to LPG_GASCERT_MAX_TEXT: a
 *  user's number in Chinese is 9 escaped bytes a character. */
static size_t
s_string_max(const ProtobufCMessageDescriptor *d,
             const ProtobufCFieldDescriptor *f)
{
    if (d == &lpg__delivery__descriptor && strcmp(f->name, "gas_cert") == 0)
        return LPG_GASCERT_MAX_TEXT;
    if (d == &lpg__tip__descriptor && strcmp(f->name, "text") == 0)
        return LPG_TIP_TEXT_MAX;
    return LPG_STRING_MAX;
}

/*  Walks every string field of a message (nested messages too) and checks
 *  it; protobuf-c gives no UTF-8 guarantee. An embedded NUL shortens the C
 *  string, which the canonical re-encoding check (s_canonical) catches. */
int
lpg_proto_strings_check(const ProtobufCMessage *m, const char **field)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m;
        size_t max = s_string_max(d, f);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *)(base + f->quantifier_offset);
            void *const *arr = *(void *const *const *)(base + f->offset);
            for (size_t k = 0; k < count; k++) {
                if (f->type == PROTOBUF_C_TYPE_STRING &&
                    lpg_string_check(arr[k], max) != LPG_OK) {
                    *field = f->name;
                    return LPG_EMALFORMED;
                }
                if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
                    lpg_proto_strings_check(arr[k], field) != LPG_OK)
                    return LPG_EMALFORMED;
            }
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
            if (which != f->id)
                continue;
        }
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            const char *s = *(const char *const *)(base + f->offset);
            if (lpg_string_check(s, max) != LPG_OK) {
                *field = f->name;
                return LPG_EMALFORMED;
            }
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *sub =
                *(const ProtobufCMessage *const *)(base + f->offset);
            if (sub && lpg_proto_strings_check(sub, field) != LPG_OK)
                return LPG_EMALFORMED;
        }
    }
    return LPG_OK;
}

/* ------------------------------------------------------------------
 * The wire check: what protobuf-c lets through, named by field.
 *
 * protobuf-c keeps an unknown field (and packs it again), accepts fields
 * in any order and cuts a string at a NUL byte, and its unpack says only
 * "no" when a required field is missing. A client needs to know which
 * field is at fault, so the bytes are walked here first, with the
 * message's descriptor, and the first fault found is named by its path
 * ("Event.fill_check.checks[1].item: ..."). The canonical re-encoding
 * check stays behind it for what the walk does not see (a varint longer
 * than it needs to be, a bool spelled 2).
 */

#define S_PATH_MAX 160
#define S_WIRE_DEPTH 8 /* nesting of our messages is 3 deep at most */

static bool
s_varint(const uint8_t *p, size_t len, size_t *at, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *at < len; shift += 7) {
        uint8_t b = p[(*at)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/*  The wire type a field of this type is encoded with. */
static unsigned
s_wire_type(const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED &&
        (f->flags & PROTOBUF_C_FIELD_FLAG_PACKED))
        return 2;
    switch (f->type) {
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 1;
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return 5;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
        return 2;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_BOOL:
    case PROTOBUF_C_TYPE_ENUM:
        break;
    }
    return 0;
}

/*  Where the walk is: a field of the message one level up. The text
 *  ("SignedEvent.body.fill_record.reasons[2]") is made only when a check
 *  fails, so a good encoding costs no formatting. */
typedef struct s_path {
    const struct s_path *up; /* NULL: the message the walk began with */
    const char *name;
    long index; /* a repeated field's place in its run; -1: not repeated */
} s_path_t;

static void
s_path_text(const s_path_t *p, char *out, size_t outsz)
{
    if (!p->up)
        snprintf(out, outsz, "%s", p->name);
    else {
        s_path_text(p->up, out, outsz);
        size_t used = strlen(out);
        if (p->index >= 0)
            snprintf(out + used, outsz - used, ".%s[%ld]", p->name, p->index);
        else
            snprintf(out + used, outsz - used, ".%s", p->name);
    }
}

__attribute__((format(printf, 4, 5))) static int
s_wire_fail(char *why, size_t whysz, const s_path_t *path, const char *fmt,
            ...)
{
    if (why && whysz) {
        char text[S_PATH_MAX];
        s_path_text(path, text, sizeof text);
        int n = snprintf(why, whysz, "%s: ", text);
        if (n >= 0 && (size_t)n < whysz) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(why + n, whysz - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return LPG_EMALFORMED;
}

static int
s_wire_walk(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
            const s_path_t *path, unsigned depth, char *why, size_t whysz)
{
    uint32_t last = 0;  /* the field number seen last */
    unsigned count = 0; /* how many times in a row (repeated fields) */
    uint8_t seen[(64 + 7) / 8] = {0}; /* field numbers < 64 seen */
    size_t at = 0;
    if (depth > S_WIRE_DEPTH)
        return s_wire_fail(why, whysz, path, "nested too deep");
    while (at < len) {
        size_t start = at;
        uint64_t tag;
        if (!s_varint(p, len, &at, &tag) || tag >> 32)
            return s_wire_fail(why, whysz, path,
                               "not a protobuf encoding (bad tag at byte "
                               "%zu)",
                               start);
        uint32_t num = (uint32_t)(tag >> 3);
        unsigned wt = (unsigned)(tag & 7);
        const ProtobufCFieldDescriptor *f =
            num ? protobuf_c_message_descriptor_get_field(d, num) : NULL;
        if (!f)
            return s_wire_fail(why, whysz, path,
                               "unknown field number %u: this service "
                               "refuses fields it does not know",
                               (unsigned)num);
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        if (repeated && num == last)
            count++;
        else
            count = 0;
        s_path_t field = {path, f->name, repeated ? (long)count : -1};
        const s_path_t *sub = &field;
        if (num < last)
            return s_wire_fail(why, whysz, sub,
                               "out of order: a canonical encoding has its "
                               "fields in field-number order");
        if (num == last && !repeated)
            return s_wire_fail(why, whysz, sub, "given twice");
        if (num < 64)
            seen[num / 8] |= (uint8_t)(1u << (num % 8));
        last = num;
        if (wt != s_wire_type(f))
            return s_wire_fail(why, whysz, sub,
                               "wire type %u, not that of its type", wt);
        uint64_t v;
        switch (wt) {
        case 0:
            if (!s_varint(p, len, &at, &v))
                return s_wire_fail(why, whysz, sub, "truncated");
            break;
        case 1:
        case 5: {
            size_t w = wt == 1 ? 8 : 4;
            if (len - at < w)
                return s_wire_fail(why, whysz, sub, "truncated");
            at += w;
            break;
        }
        case 2:
        default: {
            if (!s_varint(p, len, &at, &v) || v > len - at)
                return s_wire_fail(why, whysz, sub, "truncated");
            const uint8_t *q = p + at;
            size_t n = (size_t)v;
            at += n;
            if (f->type == PROTOBUF_C_TYPE_STRING) {
                size_t max = s_string_max(d, f);
                if (memchr(q, 0, n))
                    return s_wire_fail(why, whysz, sub, "holds a NUL byte");
                if (lpg_text_check(q, n, max) != LPG_OK)
                    return s_wire_fail(why, whysz, sub,
                                       "not UTF-8, has a control "
                                       "character or is longer than %zu "
                                       "bytes",
                                       max);
            } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                int rc = s_wire_walk(f->descriptor, q, n, sub, depth + 1, why,
                                     whysz);
                if (rc != LPG_OK)
                    return rc;
            }
            break;
        }
        }
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        if (f->id < 64 && !(seen[f->id / 8] & (1u << (f->id % 8)))) {
            s_path_t field = {path, f->name, -1};
            return s_wire_fail(why, whysz, &field, "missing (required)");
        }
    }
    return LPG_OK;
}

/*  Skips the value of a field of wire type wt at *at; false if it is
 *  truncated or of a wire type we never use (groups). */
static bool
s_wire_skip(const uint8_t *p, size_t len, size_t *at, unsigned wt)
{
    uint64_t v;
    switch (wt) {
    case 0:
        return s_varint(p, len, at, &v);
    case 1:
    case 5: {
        size_t w = wt == 1 ? 8 : 4;
        if (len - *at < w)
            return false;
        *at += w;
        return true;
    }
    case 2:
        if (!s_varint(p, len, at, &v) || v > len - *at)
            return false;
        *at += (size_t)v;
        return true;
    default:
        return false;
    }
}

/*  Field numbers read off the wire (proto/event.proto). */
#define S_ENTRY_RECORDED_AT 2 /* LedgerEntry.recorded_at_ms */
#define S_ENTRY_SIGNED 4      /* LedgerEntry.signed_event */
#define S_SIGNED_BODY 1       /* SignedEvent.body */
#define S_EVENT_DEVICE_TIME 2 /* Event.device_time_ms */
#define S_EVENT_SITE 4        /* Event.site */

/*  Where the value of the last field num of wire type wt starts in the
 *  encoded message (*at), checking only that the bytes parse as fields:
 *  LPG_OK, LPG_ENOTFOUND or LPG_EMALFORMED. */
static int
s_field_last(const uint8_t *data, size_t len, unsigned num, unsigned wt,
             size_t *at)
{
    bool found = false;
    size_t pos = 0;
    while (pos < len) {
        uint64_t tag;
        if (!s_varint(data, len, &pos, &tag) || tag >> 32)
            return LPG_EMALFORMED;
        size_t start = pos;
        if (!s_wire_skip(data, len, &pos, (unsigned)(tag & 7)))
            return LPG_EMALFORMED;
        if (tag == (((uint64_t)num << 3) | wt)) {
            *at = start;
            found = true; /* the last one, as protobuf-c keeps */
        }
    }
    return found ? LPG_OK : LPG_ENOTFOUND;
}

int
lpg_proto_bytes(const uint8_t *data, size_t len, unsigned num,
                const uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    size_t at = 0;
    uint64_t n = 0;
    int rc = s_field_last(data, len, num, 2, &at);
    if (rc == LPG_OK) {
        (void)s_varint(data, len, &at, &n); /* s_wire_skip read it */
        *out = data + at;
        *outlen = (size_t)n;
    }
    return rc;
}

int
lpg_proto_varint(const uint8_t *data, size_t len, unsigned num, uint64_t *out)
{
    *out = 0;
    size_t at = 0;
    int rc = s_field_last(data, len, num, 0, &at);
    if (rc == LPG_OK)
        (void)s_varint(data, len, &at, out);
    return rc;
}

/*  Walks an Event's fields once: its body case (the number of the body
 *  oneof's field given last, as protobuf-c would keep), and, where out
 *  is given, its device time and site. */
static int
s_event_walk(const uint8_t *ev, size_t evlen, int *body, lpg_entry_peek_t *out)
{
    size_t at = 0;
    while (at < evlen) {
        uint64_t tag;
        if (!s_varint(ev, evlen, &at, &tag) || tag >> 32)
            return LPG_EMALFORMED;
        uint32_t num = (uint32_t)(tag >> 3);
        unsigned wt = (unsigned)(tag & 7);
        size_t start = at;
        if (!s_wire_skip(ev, evlen, &at, wt))
            return LPG_EMALFORMED;
        const ProtobufCFieldDescriptor *f =
            num ? protobuf_c_message_descriptor_get_field(
                      &lpg__event__descriptor, num)
                : NULL;
        if (f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            *body = (int)num;
        else if (out && f && f->id == S_EVENT_DEVICE_TIME && wt == 0)
            (void)s_varint(ev, evlen, &start, &out->device_time_ms);
        else if (out && f && f->id == S_EVENT_SITE && wt == 2) {
            uint64_t n = 0;
            (void)s_varint(ev, evlen, &start, &n); /* s_wire_skip read it */
            out->site = ev + start;
            out->sitelen = (size_t)n;
        }
    }
    return LPG_OK;
}

int
lpg_event_peek_body(const uint8_t *data, size_t len, int *body)
{
    *body = LPG__EVENT__BODY__NOT_SET;
    const uint8_t *ev;
    size_t evlen;
    if (lpg_proto_bytes(data, len, S_SIGNED_BODY, &ev, &evlen) != LPG_OK)
        return LPG_EMALFORMED;
    return s_event_walk(ev, evlen, body, NULL);
}

int
lpg_entry_peek(const uint8_t *data, size_t len, lpg_entry_peek_t *out)
{
    memset(out, 0, sizeof *out);
    out->body = LPG__EVENT__BODY__NOT_SET;
    const uint8_t *se, *ev;
    size_t selen, evlen;
    if (lpg_proto_varint(data, len, S_ENTRY_RECORDED_AT,
                         &out->recorded_at_ms) != LPG_OK ||
        lpg_proto_bytes(data, len, S_ENTRY_SIGNED, &se, &selen) != LPG_OK ||
        lpg_proto_bytes(se, selen, S_SIGNED_BODY, &ev, &evlen) != LPG_OK)
        return LPG_EMALFORMED;
    return s_event_walk(ev, evlen, &out->body, out);
}

int
lpg_proto_empty_check(const ProtobufCMessage *m, const char **field)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m;
        if (f->type != PROTOBUF_C_TYPE_STRING &&
            f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *)(base + f->quantifier_offset);
            void *const *arr = *(void *const *const *)(base + f->offset);
            for (size_t k = 0; k < count; k++) {
                if (f->type == PROTOBUF_C_TYPE_STRING &&
                    (!arr[k] || !*(const char *)arr[k])) {
                    *field = f->name;
                    return LPG_EINVAL;
                }
                if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
                    lpg_proto_empty_check(arr[k], field) != LPG_OK)
                    return LPG_EINVAL;
            }
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
            if (which != f->id)
                continue;
        }
        const void *p = *(const void *const *)(base + f->offset);
        if (f->type == PROTOBUF_C_TYPE_STRING && p && !*(const char *)p) {
            *field = f->name;
            return LPG_EINVAL;
        }
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && p &&
            lpg_proto_empty_check(p, field) != LPG_OK)
            return LPG_EINVAL;
    }
    return LPG_OK;
}

int
lpg_proto_wire_check(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                     size_t len, char *why, size_t whysz)
{
    assert(d);
    s_path_t root = {NULL, d->short_name, -1};
    return s_wire_walk(d, data, len, &root, 0, why, whysz);
}

static int
s_fail(char *why, size_t whysz, const char *msg, const char *field)
{
    if (why)
        snprintf(why, whysz, "%s%s%s", msg, field ? ": " : "",
                 field ? field : "");
    return LPG_EMALFORMED;
}

/*  True if m re-encodes to exactly these bytes: one meaning has one
 *  encoding, and a string with an embedded NUL (which protobuf-c silently
 *  cuts) is refused. */
static bool
s_canonical(const ProtobufCMessage *m, const uint8_t *data, size_t len)
{
    if (protobuf_c_message_get_packed_size(m) != len)
        return false;
    uint8_t stackbuf[4096];
    uint8_t *buf = len <= sizeof stackbuf ? stackbuf : malloc(len);
    if (!buf)
        return false;
    protobuf_c_message_pack(m, buf);
    bool same = memcmp(buf, data, len) == 0;
    if (buf != stackbuf)
        free(buf);
    return same;
}

static void *
s_arena_alloc(void *arena, size_t n)
{
    return lpg_arena_alloc(arena, n);
}

static void
s_arena_free(void *arena, void *p)
{
    (void)arena;
    (void)p;
}

void
lpg_arena_protobuf(lpg_arena_t *arena, ProtobufCAllocator *out)
{
    *out = (ProtobufCAllocator){s_arena_alloc, s_arena_free, arena};
}

int
lpg_event_decode(lpg_event_t *out, const uint8_t *data, size_t len, char *why,
                 size_t whysz)
{
    return lpg_event_decode_in(out, NULL, data, len, why, whysz);
}

int
lpg_event_decode_in(lpg_event_t *out, lpg_arena_t *arena, const uint8_t *data,
                    size_t len, char *why, size_t whysz)
{
    memset(out, 0, sizeof *out);
    ProtobufCAllocator pa, *alloc = NULL;
    if (arena) {
        lpg_arena_protobuf(arena, &pa);
        alloc = &pa;
        out->in_arena = true;
    }
    lpg_count(LPG_COUNT_EVENT_DECODE);
    if (len > LPG_EVENT_MAX_BYTES)
        return s_fail(why, whysz, "SignedEvent: larger than 65536 bytes",
                      NULL);
    /* Both layers are walked before protobuf-c sees them: an unknown
     * field would otherwise be kept, packed again and stored under the
     * signature; and the fault is named by its field. */
    if (lpg_proto_wire_check(&lpg__signed_event__descriptor, data, len, why,
                             whysz) != LPG_OK)
        return LPG_EMALFORMED;
    out->signed_event = lpg__signed_event__unpack(alloc, len, data);
    if (!out->signed_event)
        return s_fail(why, whysz, "SignedEvent: does not decode", NULL);
    /* A canonical encoding only: the stored bytes must be what we would
     * produce, so two byte strings never mean the same signed event. */
    if (!s_canonical(&out->signed_event->base, data, len)) {
        lpg_event_clear(out);
        return s_fail(why, whysz,
                      "SignedEvent: not canonically encoded (a varint or "
                      "length longer than it needs to be)",
                      NULL);
    }
    Lpg__SignedEvent *se = out->signed_event;
    if (se->key_id.len != LPG_KEYID_LEN) {
        lpg_event_clear(out);
        return s_fail(why, whysz,
                      "SignedEvent.key_id: not 32 bytes (SHA-256 of the "
                      "signer's raw 32-byte Ed25519 public key)",
                      NULL);
    }
    if (se->sig.len != LPG_ED25519_SIG_LEN) {
        lpg_event_clear(out);
        return s_fail(why, whysz, "SignedEvent.sig: not 64 bytes", NULL);
    }
    if (lpg_proto_wire_check(&lpg__event__descriptor, se->body.data,
                             se->body.len, why, whysz) != LPG_OK) {
        lpg_event_clear(out);
        return LPG_EMALFORMED;
    }
    out->event = lpg__event__unpack(alloc, se->body.len, se->body.data);
    if (!out->event) {
        lpg_event_clear(out);
        return s_fail(why, whysz, "SignedEvent.body: not an Event", NULL);
    }
    Lpg__Event *ev = out->event;
    if (!s_canonical(&ev->base, se->body.data, se->body.len)) {
        lpg_event_clear(out);
        return s_fail(why, whysz,
                      "Event: not canonically encoded (a varint or length "
                      "longer than it needs to be, or a bool not 0 or 1)",
                      NULL);
    }
    if (ev->event_id.len != LPG_EVENT_ID_LEN) {
        lpg_event_clear(out);
        return s_fail(why, whysz, "Event.event_id: not 16 bytes", NULL);
    }
    const char *field = NULL;
    if (lpg_proto_strings_check(&ev->base, &field) != LPG_OK) {
        lpg_event_clear(out);
        return s_fail(why, whysz,
                      "string not UTF-8, has a control byte or is too long",
                      field);
    }
    if (ev->body_case == LPG__EVENT__BODY_DEVICE_ENROLL) {
        const Lpg__DeviceEnroll *e = ev->device_enroll;
        if (e->sign_pub.len != LPG_ED25519_PUB_LEN) {
            lpg_event_clear(out);
            return s_fail(why, whysz,
                          "Event.device_enroll.sign_pub: not 32 bytes", NULL);
        }
        if (e->has_curve_pub && e->curve_pub.len != 32) {
            lpg_event_clear(out);
            return s_fail(why, whysz,
                          "Event.device_enroll.curve_pub: not 32 bytes", NULL);
        }
    }
    if (ev->body_case == LPG__EVENT__BODY_DEVICE_REVOKE &&
        ev->device_revoke->key_id.len != LPG_KEYID_LEN) {
        lpg_event_clear(out);
        return s_fail(why, whysz, "Event.device_revoke.key_id: not 32 bytes",
                      NULL);
    }
    if (ev->body_case == LPG__EVENT__BODY_FILL_RECORD &&
        ev->fill_record->allow_event_id.len != LPG_EVENT_ID_LEN) {
        lpg_event_clear(out);
        return s_fail(why, whysz,
                      "Event.fill_record.allow_event_id: not 16 bytes", NULL);
    }
    return LPG_OK;
}

void
lpg_event_clear(lpg_event_t *ev)
{
    if (!ev)
        return;
    if (ev->in_arena) {
        memset(ev, 0, sizeof *ev);
        return;
    }
    if (ev->event)
        lpg__event__free_unpacked(ev->event, NULL);
    if (ev->signed_event)
        lpg__signed_event__free_unpacked(ev->signed_event, NULL);
    memset(ev, 0, sizeof *ev);
}

int
lpg_event_sign(const Lpg__Event *ev, const lpg_key_t *key, uint8_t **out,
               size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    size_t blen = lpg__event__get_packed_size(ev);
    uint8_t *body = malloc(blen ? blen : 1);
    if (!body)
        return LPG_ENOMEM;
    lpg__event__pack(ev, body);
    uint8_t sig[LPG_ED25519_SIG_LEN];
    uint8_t kid[LPG_KEYID_LEN];
    int rc = lpg_sign(key, LPG_CTX_EVENT, body, blen, sig);
    if (rc != LPG_OK) {
        free(body);
        return rc;
    }
    lpg_key_id(key, kid);
    Lpg__SignedEvent se = LPG__SIGNED_EVENT__INIT;
    se.body.data = body;
    se.body.len = blen;
    se.key_id.data = kid;
    se.key_id.len = sizeof kid;
    se.sig.data = sig;
    se.sig.len = sizeof sig;
    size_t slen = lpg__signed_event__get_packed_size(&se);
    uint8_t *buf = malloc(slen);
    if (!buf) {
        free(body);
        return LPG_ENOMEM;
    }
    lpg__signed_event__pack(&se, buf);
    free(body);
    *out = buf;
    *outlen = slen;
    return LPG_OK;
}

int
lpg_event_new_id(uint8_t id[LPG_EVENT_ID_LEN])
{
    uint64_t ms = lpg_clock_now_ms();
    for (int i = 5; i >= 0; i--) {
        id[i] = (uint8_t)ms;
        ms >>= 8;
    }
    return lpg_random(id + 6, LPG_EVENT_ID_LEN - 6);
}

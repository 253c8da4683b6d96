/*  kinds.c - an event of every kind, signed by a device and sent to a
 *  service through the real client, so the tests can show each service
 *  takes in only the kinds it owns; and the ledger entry a service that
 *  took in any kind once wrote, for `lpgtrace verify` to find.
 *
 *    kinds send HOME KEYPREFIX SERVICE
 *        one Submit per kind: prints "SERVICE KIND STATUS TOKEN: message"
 *    kinds many HOME KEYPREFIX SERVICE
 *        every kind in one SubmitMany: one such line per result, then
 *        "SERVICE * STATUS TOKEN: message" for the whole request
 *    kinds bare HOME KEYPREFIX SERVICE
 *        as send, each SignedEvent holding its body only (no key_id,
 *        no sig): bytes of a kind the service may not own, that do
 *        not decode
 *    kinds record LEDGER WRITER KEYPREFIX CODE TARE_G SITE ACTOR
 *        appends, bypassing every service, a fill check of CODE (every
 *        visual item ok) recorded as OK under the service name WRITER;
 *        prints its event id and seq
 *
 *  Every kind of Event's oneof is sent, new kinds included: each body's
 *  required fields are filled from its descriptor (strings "x", ids 16
 *  bytes, other bytes 32, numbers 1), the event's cylinder, site, actor,
 *  user and company are "x". KEYPREFIX.pem signs, KEYPREFIX.curve is
 *  the transport key. Exit 0 when every request was answered.
 */
#include "net/client.h"
#include "domain/kind.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "domain/state.h"
#include "net/msg.h"
#include "net/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_KINDS 64

static const uint8_t s_zeros[32];

static bool
s_ends(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/*  A body message of type d with its required fields set (caller frees
 *  it with free(): its strings and bytes are static). */
static ProtobufCMessage *
s_body(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    if (!m)
        return NULL;
    d->message_init(m);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        char *at = (char *)m + f->offset;
        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING:
            *(const char **)at = "x";
            break;
        case PROTOBUF_C_TYPE_BYTES: {
            ProtobufCBinaryData *b = (ProtobufCBinaryData *)at;
            b->len = s_ends(f->name, "event_id") ? 16 : 32;
            b->data = (uint8_t *)s_zeros;
            break;
        }
        case PROTOBUF_C_TYPE_BOOL:
            *(protobuf_c_boolean *)at = 1;
            break;
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
            *(uint64_t *)at = 1;
            break;
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_ENUM:
            *(uint32_t *)at = 1;
            break;
        default:
            fprintf(stderr, "kinds: %s.%s: no filler for its type\n", d->name,
                    f->name);
            free(m);
            return NULL;
        }
    }
    return m;
}

/*  One signed event of every kind: data[i] (caller frees), names[i]. */
static size_t
s_every_kind(const lpg_key_t *key, uint8_t **data, size_t *len,
             const char **names)
{
    const ProtobufCMessageDescriptor *ed = &lpg__event__descriptor;
    size_t n = 0;
    for (unsigned i = 0; i < ed->n_fields && n < S_MAX_KINDS; i++) {
        const ProtobufCFieldDescriptor *f = &ed->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        ProtobufCMessage *body = s_body(f->descriptor);
        if (!body)
            exit(2);
        uint8_t id[LPG_EVENT_ID_LEN];
        lpg_event_new_id(id);
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.event_id.data = id;
        ev.event_id.len = sizeof id;
        ev.device_time_ms = (uint64_t)time(NULL) * 1000;
        ev.cylinder = ev.site = ev.actor = ev.user = ev.company = "x";
        *(uint32_t *)((char *)&ev + f->quantifier_offset) = f->id;
        *(ProtobufCMessage **)((char *)&ev + f->offset) = body;
        if (lpg_event_sign(&ev, key, &data[n], &len[n]) != LPG_OK)
            exit(2);
        free(body);
        names[n++] = f->name;
    }
    return n;
}

static void
s_print(const char *service, const char *kind, Lpg__Status status,
        const char *token, const char *message)
{
    printf("%s %s %s %s: %s\n", service, kind, lpg_msg_status_name(status),
           token ? token : "-", message ? message : "");
}

/*  The SignedEvent's body alone, as a SignedEvent (field 1): *data
 *  replaced. */
static void
s_strip(uint8_t **data, size_t *len)
{
    const uint8_t *body;
    size_t blen;
    if (lpg_proto_bytes(*data, *len, 1, &body, &blen) != LPG_OK)
        exit(2);
    uint8_t *out = malloc(blen + 11), *w = out;
    if (!out)
        exit(2);
    *w++ = 0x0a; /* field 1, length-delimited */
    for (uint64_t v = blen;; v >>= 7) {
        *w++ = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
        if (v < 0x80)
            break;
    }
    memcpy(w, body, blen);
    w += blen;
    free(*data);
    *data = out;
    *len = (size_t)(w - out);
}

static int
s_send(int argc, char **argv, bool many, bool bare)
{
    if (argc != 5)
        return 2;
    const char *home = argv[2], *prefix = argv[3], *service = argv[4];
    lpg_config_t *cfg = NULL;
    if (lpg_config_load(&cfg, home, NULL, 0) != LPG_OK)
        return 2;
    char key[64], rel[128], path[4096];
    snprintf(key, sizeof key, "endpoint.%s", service);
    const char *endpoint = lpg_config_get(cfg, key);
    snprintf(rel, sizeof rel, "keys/%s.curve.pub", service);
    lpg_config_path(cfg, rel, path, sizeof path);
    uint8_t server[32], sec[32];
    if (!endpoint || lpg_curve_load(path, server) != LPG_OK)
        return 2;
    snprintf(path, sizeof path, "%s.curve", prefix);
    if (lpg_curve_load(path, sec) != LPG_OK)
        return 2;
    snprintf(path, sizeof path, "%s.pem", prefix);
    lpg_key_t *signer = NULL;
    if (lpg_key_load_private(&signer, path) != LPG_OK)
        return 2;
    lpg_client_t *c = NULL;
    if (lpg_client_new(&c, endpoint, server, sec, 65536, 5000, 1) != LPG_OK)
        return 2;
    uint8_t *data[S_MAX_KINDS];
    size_t len[S_MAX_KINDS];
    const char *names[S_MAX_KINDS];
    size_t n = s_every_kind(signer, data, len, names);
    for (size_t i = 0; bare && i < n; i++)
        s_strip(&data[i], &len[i]);
    int rc = 0;
    if (many) {
        lpg_client_blob_t blobs[S_MAX_KINDS];
        for (size_t i = 0; i < n; i++)
            blobs[i] = (lpg_client_blob_t){data[i], len[i]};
        Lpg__Reply *r = NULL;
        if (lpg_client_submit_many(c, blobs, n, &r) != LPG_OK) {
            printf("%s * no answer\n", service);
            rc = 3;
        } else {
            for (size_t i = 0; i < n && i < r->n_results; i++)
                s_print(service, names[i], r->results[i]->status,
                        r->results[i]->token, r->results[i]->message);
            s_print(service, "*", r->status, r->token, r->message);
            lpg__reply__free_unpacked(r, NULL);
        }
    }
    for (size_t i = 0; !many && i < n; i++) {
        Lpg__Reply *r = NULL;
        if (lpg_client_submit(c, data[i], len[i], &r) != LPG_OK) {
            printf("%s %s no answer\n", service, names[i]);
            rc = 3;
            continue;
        }
        s_print(service, names[i], r->status, r->token, r->message);
        lpg__reply__free_unpacked(r, NULL);
    }
    for (size_t i = 0; i < n; i++)
        free(data[i]);
    lpg_client_destroy(&c);
    lpg_key_destroy(&signer);
    lpg_config_destroy(&cfg);
    return rc;
}

static int
s_record(int argc, char **argv)
{
    if (argc != 9)
        return 2;
    const char *dir = argv[2], *writer = argv[3], *prefix = argv[4];
    const char *code = argv[5];
    char path[4096];
    snprintf(path, sizeof path, "%s.pem", prefix);
    lpg_key_t *signer = NULL;
    if (lpg_key_load_private(&signer, path) != LPG_OK)
        return 2;
    static const char *items[] = {"corrosion", "dents", "fire", "valve",
                                  "parts"};
    Lpg__CheckItem ci[5];
    Lpg__CheckItem *cp[5];
    for (int j = 0; j < 5; j++) {
        lpg__check_item__init(&ci[j]);
        ci[j].item = (char *)items[j];
        ci[j].ok = 1;
        cp[j] = &ci[j];
    }
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    fc.code = (char *)code;
    fc.empty_g = (uint32_t)strtoul(argv[6], NULL, 10);
    fc.n_checks = 5;
    fc.checks = cp;
    const char *g = strstr(code, "/8003/");
    const char *q = strchr(code, '?');
    char grai[64] = "";
    if (g && q && q > g + 6)
        snprintf(grai, sizeof grai, "%.*s", (int)(q - g - 6), g + 6);
    uint8_t id[LPG_EVENT_ID_LEN];
    lpg_event_new_id(id);
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = (uint64_t)time(NULL) * 1000;
    ev.cylinder = grai;
    ev.site = argv[7];
    ev.actor = argv[8];
    ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
    ev.fill_check = &fc;
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = lpg_event_sign(&ev, signer, &data, &len);
    lpg_key_destroy(&signer);
    lpg_ledger_t *l = NULL;
    if (rc == LPG_OK)
        rc = lpg_ledger_open(&l, dir, 0, 0, &lpg_domain_projection);
    lpg_append_in_t in = {data, len, NULL, 0};
    lpg_append_out_t out = {0};
    if (rc == LPG_OK)
        rc = lpg_ledger_append(l, writer, &in, 1, NULL, NULL, &out);
    if (rc == LPG_OK)
        rc = out.status;
    lpg_ledger_close(&l);
    free(data);
    if (rc != LPG_OK) {
        fprintf(stderr, "kinds: record: %s %s\n", lpg_strerror(rc), out.why);
        return 1;
    }
    char hex[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(id, sizeof id, hex);
    printf("%s %llu\n", hex, (unsigned long long)out.seq);
    return 0;
}

int
main(int argc, char **argv)
{
    int rc = 2;
    if (argc > 1 && strcmp(argv[1], "send") == 0)
        rc = s_send(argc, argv, false, false);
    else if (argc > 1 && strcmp(argv[1], "many") == 0)
        rc = s_send(argc, argv, true, false);
    else if (argc > 1 && strcmp(argv[1], "bare") == 0)
        rc = s_send(argc, argv, false, true);
    else if (argc > 1 && strcmp(argv[1], "record") == 0)
        rc = s_record(argc, argv);
    if (rc == 2)
        fprintf(stderr, "usage: kinds send|many|bare HOME KEYPREFIX SERVICE\n"
                        "       kinds record LEDGER WRITER KEYPREFIX CODE "
                        "TARE_G SITE ACTOR\n");
    return rc;
}

/*  test_event.c - decoding a signed event and a request as a service
 *  does: what protobuf-c lets through (an unknown field, fields out of
 *  order, a NUL in a string, a missing required field) is refused, and
 *  every refusal names the field at fault.
 *
 *  The bytes are written here by hand, field by field, as any client in
 *  any language would put them on the wire, not by our own packer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "net/msg.h"

static lpg_key_t *s_key;
static lpg_arena_t *s_arena; /* set: s_decode decodes into it */

static int
s_setup(void **state)
{
    (void)state;
    uint8_t seed[32];
    memset(seed, 7, sizeof seed);
    return lpg_key_from_raw_private(&s_key, seed) == LPG_OK ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void)state;
    lpg_key_destroy(&s_key);
    return 0;
}

/* ------------------------------------------------- a small hand encoder */

typedef struct {
    uint8_t b[4096];
    size_t n;
} s_buf_t;

static void
s_varint(s_buf_t *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}

static void
s_field_varint(s_buf_t *w, unsigned num, uint64_t v)
{
    s_varint(w, (uint64_t)num << 3);
    s_varint(w, v);
}

static void
s_field_bytes(s_buf_t *w, unsigned num, const void *data, size_t len)
{
    s_varint(w, ((uint64_t)num << 3) | 2);
    s_varint(w, len);
    memcpy(w->b + w->n, data, len);
    w->n += len;
}

static void
s_field_str(s_buf_t *w, unsigned num, const char *s)
{
    s_field_bytes(w, num, s, strlen(s));
}

/*  What a test changes in an otherwise sound fill check. */
typedef struct {
    bool site_first;     /* Event.site before Event.cylinder */
    bool no_time;        /* no device_time_ms */
    size_t id_len;       /* event_id length (0: 16) */
    const char *site;    /* NULL: "S1" */
    size_t site_len;     /* 0: strlen(site) */
    const char *item2;   /* the second checklist item's name */
    unsigned unknown_ev; /* an unknown field number at the Event's end */
    unsigned unknown_fc; /* ... at the FillCheck's end */
    unsigned unknown_se; /* ... at the SignedEvent's end */
    size_t key_id_len;   /* 0: 32 */
    size_t sig_len;      /* 0: 64 */
} s_opts_t;

static void
s_fill_check(s_buf_t *out, const s_opts_t *o)
{
    s_buf_t item1 = {.n = 0}, item2 = {.n = 0}, fc = {.n = 0};
    s_field_str(&item1, 1, "valve");
    s_field_varint(&item1, 2, 1);
    s_field_str(&item2, 1, o->item2 ? o->item2 : "parts");
    s_field_varint(&item2, 2, 1);
    s_field_str(&fc, 1, "https://id.lpg.example/8003/06900051000155G51N0");
    s_field_varint(&fc, 2, 15000);
    s_field_bytes(&fc, 3, item1.b, item1.n);
    s_field_bytes(&fc, 3, item2.b, item2.n);
    if (o->unknown_fc)
        s_field_varint(&fc, o->unknown_fc, 1);

    uint8_t id[32];
    memset(id, 0xab, sizeof id);
    const char *site = o->site ? o->site : "S1";
    size_t site_len = o->site_len ? o->site_len : strlen(site);
    out->n = 0;
    s_field_bytes(out, 1, id, o->id_len ? o->id_len : 16);
    if (!o->no_time)
        s_field_varint(out, 2, 1795900000000ull);
    if (o->site_first)
        s_field_bytes(out, 4, site, site_len);
    s_field_str(out, 3, "06900051000155G51N0");
    if (!o->site_first)
        s_field_bytes(out, 4, site, site_len);
    s_field_str(out, 5, "OP1");
    s_field_bytes(out, 40, fc.b, fc.n);
    if (o->unknown_ev)
        s_field_str(out, o->unknown_ev, "extra");
}

static void
s_signed(s_buf_t *out, const s_buf_t *body, const s_opts_t *o)
{
    uint8_t kid[LPG_KEYID_LEN + 1], sig[LPG_ED25519_SIG_LEN + 1];
    lpg_key_id(s_key, kid);
    assert_int_equal(lpg_sign(s_key, LPG_CTX_EVENT, body->b, body->n, sig),
                     LPG_OK);
    out->n = 0;
    s_field_bytes(out, 1, body->b, body->n);
    s_field_bytes(out, 2, kid, o->key_id_len ? o->key_id_len : 32);
    s_field_bytes(out, 3, sig, o->sig_len ? o->sig_len : 64);
    if (o->unknown_se)
        s_field_varint(out, o->unknown_se, 5);
}

/*  Decodes the fill check o describes; why gets the reason. */
static int
s_decode(const s_opts_t *o, char *why, size_t whysz)
{
    s_buf_t body, se;
    s_fill_check(&body, o);
    s_signed(&se, &body, o);
    lpg_event_t ev;
    why[0] = '\0';
    int rc = lpg_event_decode_in(&ev, s_arena, se.b, se.n, why, whysz);
    if (rc == LPG_OK)
        lpg_event_clear(&ev);
    if (s_arena)
        lpg_arena_reset(s_arena);
    return rc;
}

/*  The reason must start with prefix. */
static void
s_refused(const s_opts_t *o, const char *prefix)
{
    char why[256];
    assert_int_equal(s_decode(o, why, sizeof why), LPG_EMALFORMED);
    if (strncmp(why, prefix, strlen(prefix)) != 0)
        fail_msg("reason '%s' does not start with '%s'", why, prefix);
}

/* ------------------------------------------------------------ the tests */

static void
test_sound_event_decodes(void **state)
{
    (void)state;
    s_opts_t o = {0};
    char why[256];
    assert_int_equal(s_decode(&o, why, sizeof why), LPG_OK);
}

/*  protobuf-c keeps an unknown field and packs it again, so the canonical
 *  check alone let it through and it was stored under the signature. */
static void
test_unknown_field_refused(void **state)
{
    (void)state;
    s_refused(&(s_opts_t){.unknown_ev = 99}, "Event: unknown field number 99");
    s_refused(&(s_opts_t){.unknown_ev = 9}, "Event: unknown field number 9");
    s_refused(&(s_opts_t){.unknown_fc = 9},
              "Event.fill_check: unknown field number 9");
    s_refused(&(s_opts_t){.unknown_se = 4},
              "SignedEvent: unknown field number 4");
}

static void
test_faults_named(void **state)
{
    (void)state;
    s_refused(&(s_opts_t){.site_first = true}, "Event.cylinder: out of order");
    s_refused(&(s_opts_t){.no_time = true}, "Event.device_time_ms: missing");
    s_refused(&(s_opts_t){.id_len = 15}, "Event.event_id: not 16 bytes");
    s_refused(&(s_opts_t){.key_id_len = 31},
              "SignedEvent.key_id: not 32 bytes");
    s_refused(&(s_opts_t){.sig_len = 63}, "SignedEvent.sig: not 64 bytes");
    s_refused(&(s_opts_t){.site = "S1\0x", .site_len = 4},
              "Event.site: holds a NUL byte");
    s_refused(&(s_opts_t){.site = "S\xff"}, "Event.site: not UTF-8");
    s_refused(&(s_opts_t){.item2 = "pa\x01rts"},
              "Event.fill_check.checks[1].item: not UTF-8");
}

/*  Decoded into an arena: the same event, the same refusals; clearing
 *  forgets it, the arena's reset gives the memory back. */
static void
test_decoded_in_arena(void **state)
{
    (void)state;
    s_buf_t body, se;
    s_opts_t o = {0};
    s_fill_check(&body, &o);
    s_signed(&se, &body, &o);
    lpg_event_t heap, in;
    char why[256] = "";
    assert_int_equal(lpg_event_decode(&heap, se.b, se.n, why, sizeof why),
                     LPG_OK);
    assert_false(heap.in_arena);
    lpg_arena_t *a = NULL;
    assert_int_equal(lpg_arena_new(&a, 256), LPG_OK);
    assert_int_equal(lpg_event_decode_in(&in, a, se.b, se.n, why, sizeof why),
                     LPG_OK);
    assert_true(in.in_arena);
    assert_true(lpg_arena_used(a) > 0);
    /* Every part of the decoded event lies in the arena's memory. */
    assert_string_equal(in.event->cylinder, heap.event->cylinder);
    assert_string_equal(in.event->fill_check->checks[1]->item,
                        heap.event->fill_check->checks[1]->item);
    assert_int_equal(in.signed_event->body.len, heap.signed_event->body.len);
    assert_memory_equal(in.signed_event->body.data,
                        heap.signed_event->body.data, body.n);
    assert_memory_equal(in.signed_event->sig.data, heap.signed_event->sig.data,
                        LPG_ED25519_SIG_LEN);
    lpg_event_clear(&in);
    assert_null(in.event);
    assert_null(in.signed_event);
    lpg_event_clear(&heap);
    lpg_arena_reset(a);
    assert_int_equal(lpg_arena_used(a), 0);

    /* A protobuf-c allocator on the same arena, for other messages. */
    ProtobufCAllocator pa;
    lpg_arena_protobuf(a, &pa);
    Lpg__SignedEvent *m = lpg__signed_event__unpack(&pa, se.n, se.b);
    assert_non_null(m);
    assert_int_equal(m->sig.len, LPG_ED25519_SIG_LEN);
    assert_true(lpg_arena_used(a) >= sizeof *m + se.n);
    lpg__signed_event__free_unpacked(m, &pa); /* frees nothing */
    lpg_arena_reset(a);

    /* The refusals are the same, word for word. */
    s_arena = a;
    assert_int_equal(s_decode(&o, why, sizeof why), LPG_OK);
    s_refused(&(s_opts_t){.unknown_ev = 99}, "Event: unknown field number 99");
    s_refused(&(s_opts_t){.id_len = 15}, "Event.event_id: not 16 bytes");
    s_refused(&(s_opts_t){.sig_len = 63}, "SignedEvent.sig: not 64 bytes");
    s_refused(&(s_opts_t){.item2 = "pa\x01rts"},
              "Event.fill_check.checks[1].item: not UTF-8");
    assert_int_equal(lpg_arena_used(a), 0);
    s_arena = NULL;
    lpg_arena_destroy(&a);
    assert_null(a);
}

/*  The request layer too. */
static int
s_request(bool unknown, char *why, size_t whysz)
{
    s_buf_t w = {.n = 0};
    uint8_t rid[16];
    memset(rid, 1, sizeof rid);
    s_field_varint(&w, 1, 1);
    s_field_bytes(&w, 2, rid, sizeof rid);
    s_field_bytes(&w, 12, "", 0); /* ping {} */
    if (unknown)
        s_field_varint(&w, 40, 1);
    Lpg__Request *req = NULL;
    why[0] = '\0';
    int rc = lpg_msg_decode_request(&req, w.b, w.n, why, whysz);
    if (req)
        lpg__request__free_unpacked(req, NULL);
    return rc;
}

/*  The kind is read off the wire, as protobuf-c would unpack it, with no
 *  decoding: also where the full decode refuses the bytes; truncated
 *  bytes or an Event with no body say so. */
static void
test_peek_body(void **state)
{
    (void)state;
    s_buf_t body, se;
    int kind = -1;
    s_fill_check(&body, &(s_opts_t){0});
    s_signed(&se, &body, &(s_opts_t){0});
    assert_int_equal(lpg_event_peek_body(se.b, se.n, &kind), LPG_OK);
    assert_int_equal(kind, LPG__EVENT__BODY_FILL_CHECK);
    lpg_event_t ev;
    assert_int_equal(lpg_event_decode(&ev, se.b, se.n, NULL, 0), LPG_OK);
    assert_int_equal((int)ev.event->body_case, kind);
    lpg_event_clear(&ev);

    /* out of order and with an unknown field: the decode refuses, the
     * kind is still what the bytes say */
    s_fill_check(&body, &(s_opts_t){.site_first = true, .unknown_ev = 99});
    s_signed(&se, &body, &(s_opts_t){.unknown_se = 7});
    assert_int_equal(lpg_event_peek_body(se.b, se.n, &kind), LPG_OK);
    assert_int_equal(kind, LPG__EVENT__BODY_FILL_CHECK);

    /* every cut inside the SignedEvent's body field (its first, before
     * key_id and sig) is refused or names no body */
    s_fill_check(&body, &(s_opts_t){0});
    s_signed(&se, &body, &(s_opts_t){0});
    size_t body_end = se.n - (2 + LPG_KEYID_LEN) - (2 + LPG_ED25519_SIG_LEN);
    for (size_t cut = 0; cut < body_end; cut++) {
        kind = -1;
        int rc = lpg_event_peek_body(se.b, cut, &kind);
        if (rc == LPG_OK && kind == LPG__EVENT__BODY_FILL_CHECK)
            fail_msg("%zu of %zu bytes peeked as a whole fill check", cut,
                     se.n);
        assert_true(rc == LPG_OK || rc == LPG_EMALFORMED);
    }

    /* an Event without a body */
    s_buf_t bare = {.n = 0};
    uint8_t id[16] = {1};
    s_field_bytes(&bare, 1, id, sizeof id);
    s_signed(&se, &bare, &(s_opts_t){0});
    assert_int_equal(lpg_event_peek_body(se.b, se.n, &kind), LPG_OK);
    assert_int_equal(kind, LPG__EVENT__BODY__NOT_SET);
    /* no Event at all */
    assert_int_equal(
        lpg_event_peek_body((const uint8_t *)"\x10\x01", 2, &kind),
        LPG_EMALFORMED);
}

/*  A stored entry's recorded time, kind, device time and site read off
 *  the wire as the full decode reads them, whatever the field order; no
 *  site or time where the event has none; a cut entry refused or short
 *  of its kind. */
static void
test_entry_peek(void **state)
{
    (void)state;
    s_buf_t body, se, entry;
    lpg_entry_peek_t pk;
    lpg_entry_peek_t want = {0};
    /* site before cylinder: the decode refuses it, the peek reads the
     * same as of the bytes in order */
    for (int first = 0; first < 2; first++) {
        s_fill_check(&body, &(s_opts_t){.site_first = first, .site = "S17"});
        s_signed(&se, &body, &(s_opts_t){0});
        entry.n = 0;
        s_field_varint(&entry, 1, 42);            /* seq */
        s_field_varint(&entry, 2, 1795900060001); /* recorded_at_ms */
        s_field_str(&entry, 3, "filling");
        s_field_bytes(&entry, 4, se.b, se.n);
        assert_int_equal(lpg_entry_peek(entry.b, entry.n, &pk), LPG_OK);
        if (first) {
            assert_int_equal(pk.recorded_at_ms, want.recorded_at_ms);
            assert_int_equal(pk.body, want.body);
            assert_int_equal(pk.device_time_ms, want.device_time_ms);
            assert_int_equal(pk.sitelen, want.sitelen);
            assert_memory_equal(pk.site, "S17", 3);
            continue;
        }
        Lpg__LedgerEntry *e =
            lpg__ledger_entry__unpack(NULL, entry.n, entry.b);
        assert_non_null(e);
        lpg_event_t ev;
        assert_int_equal(lpg_event_decode(&ev, e->signed_event.data,
                                          e->signed_event.len, NULL, 0),
                         LPG_OK);
        assert_int_equal(pk.recorded_at_ms, e->recorded_at_ms);
        assert_int_equal(pk.body, (int)ev.event->body_case);
        assert_int_equal(pk.body, LPG__EVENT__BODY_FILL_CHECK);
        assert_int_equal(pk.device_time_ms, ev.event->device_time_ms);
        assert_int_equal(pk.sitelen, strlen(ev.event->site));
        assert_memory_equal(pk.site, ev.event->site, pk.sitelen);
        want = pk;
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
    }
    /* no site, no device time: none read */
    s_fill_check(&body,
                 &(s_opts_t){.no_time = true, .site = "", .site_len = 0});
    s_signed(&se, &body, &(s_opts_t){0});
    entry.n = 0;
    s_field_varint(&entry, 2, 7);
    s_field_bytes(&entry, 4, se.b, se.n);
    assert_int_equal(lpg_entry_peek(entry.b, entry.n, &pk), LPG_OK);
    assert_int_equal(pk.device_time_ms, 0);
    assert_int_equal(pk.sitelen, 0);
    assert_int_equal(pk.recorded_at_ms, 7);
    /* every cut: refused, or short of the whole fill check */
    size_t whole = entry.n;
    for (size_t cut = 0; cut < whole; cut++) {
        int rc = lpg_entry_peek(entry.b, cut, &pk);
        assert_true(rc == LPG_OK || rc == LPG_EMALFORMED);
        assert_false(rc == LPG_OK && pk.body == LPG__EVENT__BODY_FILL_CHECK);
    }
}

/*  One field's bytes read off the wire: the key id of a SignedEvent as
 *  written, the last of a field given twice, none for an absent one,
 *  and a refusal for a cut inside a field. */
static void
test_proto_bytes(void **state)
{
    (void)state;
    s_buf_t body, se;
    s_fill_check(&body, &(s_opts_t){0});
    s_signed(&se, &body, &(s_opts_t){0});
    const uint8_t *p;
    size_t n;
    uint8_t kid[LPG_KEYID_LEN];
    lpg_key_id(s_key, kid);
    assert_int_equal(lpg_proto_bytes(se.b, se.n, 2, &p, &n), LPG_OK);
    assert_int_equal(n, LPG_KEYID_LEN);
    assert_memory_equal(p, kid, LPG_KEYID_LEN);
    assert_int_equal(lpg_proto_bytes(se.b, se.n, 1, &p, &n), LPG_OK);
    assert_int_equal(n, body.n);
    assert_memory_equal(p, body.b, body.n);
    assert_int_equal(lpg_proto_bytes(se.b, se.n, 9, &p, &n), LPG_ENOTFOUND);
    assert_null(p);
    assert_int_equal(lpg_proto_bytes(se.b, se.n - 1, 3, &p, &n),
                     LPG_EMALFORMED);
    s_buf_t twice = {.n = 0};
    s_field_str(&twice, 5, "first");
    s_field_varint(&twice, 2, 7);
    s_field_str(&twice, 5, "second");
    assert_int_equal(lpg_proto_bytes(twice.b, twice.n, 5, &p, &n), LPG_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(p, "second", 6);
}

/*  One varint field read off the wire: an Event's device time as the
 *  decode reads it, the last of a field given twice, none for an absent
 *  one or one of another wire type, all 64 bits, and a refusal for a
 *  varint cut short. */
static void
test_proto_varint(void **state)
{
    (void)state;
    s_buf_t body, se;
    s_fill_check(&body, &(s_opts_t){0});
    s_signed(&se, &body, &(s_opts_t){0});
    lpg_event_t ev;
    assert_int_equal(lpg_event_decode(&ev, se.b, se.n, NULL, 0), LPG_OK);
    uint64_t v = 1;
    assert_int_equal(lpg_proto_varint(body.b, body.n, 2, &v), LPG_OK);
    assert_true(ev.event->device_time_ms > 0);
    assert_int_equal(v, ev.event->device_time_ms);
    lpg_event_clear(&ev);
    assert_int_equal(lpg_proto_varint(body.b, body.n, 9, &v), LPG_ENOTFOUND);
    assert_int_equal(v, 0);
    /* field 1 (the event id) is length-delimited: not a varint */
    assert_int_equal(lpg_proto_varint(body.b, body.n, 1, &v), LPG_ENOTFOUND);

    s_buf_t twice = {.n = 0};
    s_field_varint(&twice, 2, 7);
    s_field_str(&twice, 5, "between");
    s_field_varint(&twice, 2, UINT64_MAX);
    assert_int_equal(lpg_proto_varint(twice.b, twice.n, 2, &v), LPG_OK);
    assert_true(v == UINT64_MAX);
    /* the last varint's 10th byte cut off */
    assert_int_equal(lpg_proto_varint(twice.b, twice.n - 1, 2, &v),
                     LPG_EMALFORMED);
}

static void
test_request_unknown_field(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(s_request(false, why, sizeof why), LPG_OK);
    assert_int_equal(s_request(true, why, sizeof why), LPG_EMALFORMED);
    assert_non_null(strstr(why, "Request: unknown field number 40"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sound_event_decodes),
        cmocka_unit_test(test_unknown_field_refused),
        cmocka_unit_test(test_faults_named),
        cmocka_unit_test(test_decoded_in_arena),
        cmocka_unit_test(test_request_unknown_field),
        cmocka_unit_test(test_peek_body),
        cmocka_unit_test(test_entry_peek),
        cmocka_unit_test(test_proto_bytes),
        cmocka_unit_test(test_proto_varint),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}

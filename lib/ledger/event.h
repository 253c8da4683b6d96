/*  event.h - the signed event envelope: build, sign, decode, validate.
 *
 *  Wraps the protobuf-c types of proto/event.proto. A device signs
 *  "lpgtrace/v1/event\0" + the serialised Event; the ledger keeps the
 *  SignedEvent bytes exactly as received and never re-serialises a body.
 *  Decoding validates every string (UTF-8, no NUL, bounded length) and the
 *  sizes of ids and keys, since protobuf-c accepts anything.
 */
#ifndef LPG_EVENT_H
#define LPG_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/text.h"
#include "crypto/crypto.h"
#include "proto/event.pb-c.h"
#include "proto/state.pb-c.h"

#define LPG_EVENT_ID_LEN 16
#define LPG_EVENT_MAX_BYTES 65536 /* one SignedEvent, on the wire */
#define LPG_STRING_MAX 256        /* any string field but gas_cert, tip text */
#define LPG_TIP_TEXT_MAX 2048     /* Tip.text: what a reporter wrote */

/*  A decoded SignedEvent and its Event body. */
typedef struct {
    Lpg__SignedEvent *signed_event;
    Lpg__Event *event;
    bool in_arena; /* decoded into an arena: its reset frees them */
} lpg_event_t;

/*  The bytes of field num (length-delimited: bytes, string or message)
 *  of the encoded message data, found on the wire without unpacking: the
 *  last one if given more than once, as protobuf-c keeps. Checks only
 *  that the bytes parse as fields. LPG_OK, LPG_ENOTFOUND (no such
 *  field) or LPG_EMALFORMED; *out points into data. */
int lpg_proto_bytes(const uint8_t *data, size_t len, unsigned num,
                    const uint8_t **out, size_t *outlen);

/*  The same for a varint field (wire type 0: the integer types but the
 *  zigzag ones, bool, enum): *out its value as encoded. */
int lpg_proto_varint(const uint8_t *data, size_t len, unsigned num,
                     uint64_t *out);

/*  The body case (Lpg__Event__BodyCase) of the Event inside SignedEvent
 *  bytes, read off the wire without unpacking anything: for routing and
 *  for skipping entries of other kinds. It checks only that the bytes
 *  parse as fields; lpg_event_decode checks the rest. LPG_OK (with
 *  LPG__EVENT__BODY__NOT_SET if the Event has no body) or
 *  LPG_EMALFORMED. */
int lpg_event_peek_body(const uint8_t *data, size_t len, int *body);

/*  What a stored entry says of itself (LedgerEntry bytes), read off the
 *  wire without unpacking: when the ledger recorded it, the body case of
 *  its event (LPG__EVENT__BODY__NOT_SET if none), the event's device time
 *  (0 if none) and site (pointing into data, not NUL-terminated; NULL
 *  if none). For scans that keep few of many entries: a recall's window,
 *  a state upgrade. Checks only that the bytes parse as fields. LPG_OK
 *  or LPG_EMALFORMED. */
typedef struct {
    uint64_t recorded_at_ms;
    int body;
    uint64_t device_time_ms;
    const uint8_t *site;
    size_t sitelen;
} lpg_entry_peek_t;
int lpg_entry_peek(const uint8_t *data, size_t len, lpg_entry_peek_t *out);

/*  Decodes and validates SignedEvent bytes (and the Event inside).
 *  LPG_EMALFORMED with a reason in why (if given) for anything that does
 *  not decode or breaks a bound; the reason starts with the field at
 *  fault ("Event.event_id: not 16 bytes"), see lpg_proto_wire_check.
 *  Caller frees with lpg_event_clear. */
int lpg_event_decode(lpg_event_t *out, const uint8_t *data, size_t len,
                     char *why, size_t whysz);

/*  The same, decoded into arena (NULL: malloc, as lpg_event_decode). The
 *  event lives until the arena's next reset; lpg_event_clear only
 *  forgets it. For a walk that decodes many events and drops them
 *  together (verify). */
int lpg_event_decode_in(lpg_event_t *out, lpg_arena_t *arena,
                        const uint8_t *data, size_t len, char *why,
                        size_t whysz);
void lpg_event_clear(lpg_event_t *ev);

/*  *out: a protobuf-c allocator that takes its memory from arena and
 *  frees nothing (the arena's reset does), for a message of another
 *  schema unpacked beside the events (a LedgerEntry). */
void lpg_arena_protobuf(lpg_arena_t *arena, ProtobufCAllocator *out);

/*  Serialises ev, signs it with key and writes the SignedEvent bytes to
 *  *out (caller frees), *outlen their length. */
int lpg_event_sign(const Lpg__Event *ev, const lpg_key_t *key, uint8_t **out,
                   size_t *outlen);

/*  A fresh Event.event_id: the clock's time in ms, 6 bytes big-endian,
 *  then 10 random bytes. Ids made close in time sort together, so the
 *  ledger files a batch's ids on a few pages (ids of any other form are
 *  accepted all the same: only locality depends on it). */
int lpg_event_new_id(uint8_t id[LPG_EVENT_ID_LEN]);

/*  Checks every string field of a decoded protobuf message, nested
 *  messages included, with lpg_string_check: LPG_STRING_MAX bytes, but
 *  LPG_GASCERT_MAX_TEXT for Delivery.gas_cert (lib/codes/gascert.h) and
 *  LPG_TIP_TEXT_MAX for Tip.text. On failure
 *  returns LPG_EMALFORMED and sets *field to the field's name. */
int lpg_proto_strings_check(const ProtobufCMessage *m, const char **field);

/*  Checks that no string field of a decoded message (nested messages
 *  included) is present but empty: an id, a reason or a name that says
 *  nothing is left out, never sent as "". For what comes in from
 *  outside (requests, submitted events); entries already recorded are
 *  never judged by it. On failure returns LPG_EINVAL and sets *field to
 *  the field's name. */
int lpg_proto_empty_check(const ProtobufCMessage *m, const char **field);

/*  Walks the protobuf encoding of a d message (nested messages too)
 *  before protobuf-c decodes it, and refuses what protobuf-c would let
 *  through: a field number d does not know (protobuf-c would keep it and
 *  pack it again), fields out of field-number order or given twice, a
 *  string with a NUL byte, invalid UTF-8, a control character or too many
 *  bytes, a required field missing, a wrong wire type, a truncation.
 *  LPG_OK, or LPG_EMALFORMED with why (if given) naming the field by its
 *  path: "Event.fill_check.checks[1].item: holds a NUL byte". */
int lpg_proto_wire_check(const ProtobufCMessageDescriptor *d,
                         const uint8_t *data, size_t len, char *why,
                         size_t whysz);

#endif

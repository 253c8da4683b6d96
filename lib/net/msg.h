/*  msg.h - the wire protocol's messages (proto/protocol.proto): decoding
 *  with bounds and validation, building replies, statuses for errors.
 *
 *  protobuf-c accepts any bytes in string fields; every request string is
 *  checked here (UTF-8, no NUL or control bytes, bounded length) before a
 *  service sees it.
 */
#ifndef LPG_MSG_H
#define LPG_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "proto/protocol.pb-c.h"

#define LPG_PROTOCOL_VERSION 1
#define LPG_REQUEST_ID_LEN 16

/*  Decodes and validates a request of len bytes. LPG_EMALFORMED with the
 *  reason in why for anything wrong, LPG_EINVAL for a string field sent
 *  empty (why also names the field). Caller frees *out with
 *  lpg__request__free_unpacked. */
int lpg_msg_decode_request(Lpg__Request **out, const uint8_t *data, size_t len,
                           char *why, size_t whysz);

/*  A reply being built: the protobuf message plus the storage of its
 *  strings and reasons. */
typedef struct {
    Lpg__Reply reply;
    uint8_t request_id[LPG_REQUEST_ID_LEN];
    size_t nreasons;
    Lpg__Reason *reason_store;
    Lpg__Reason **reason_ptrs;
    Lpg__CylinderInfo cylinder;
    Lpg__FillResult fill;
    char **strings;
    size_t nstrings, capstrings;
    Lpg__EventResult *results; /* SubmitMany: one per event */
    Lpg__EventResult **result_ptrs;
    size_t nresults;
} lpg_reply_t;

/*  Starts a reply to request_id (may be NULL) with status, token and a
 *  message (copied). */
void lpg_reply_init(lpg_reply_t *r, const uint8_t *request_id, size_t idlen);
int lpg_reply_set(lpg_reply_t *r, Lpg__Status status, const char *token,
                  const char *message);
/*  Answers with the error err: its status (lpg_msg_status), its token
 *  (lpg_errtoken) and message (copied; NULL: lpg_strerror(err)). LPG_OK
 *  once the reply says it, or LPG_ENOMEM. */
int lpg_reply_error(lpg_reply_t *r, int err, const char *message);
/*  Adds a DENY reason (strings copied). */
int lpg_reply_reason(lpg_reply_t *r, const char *token, const char *zh,
                     const char *en);
/*  Copies a string into the reply's storage; NULL on ENOMEM. */
char *lpg_reply_strdup(lpg_reply_t *r, const char *s);
/*  n zeroed bytes owned by the reply (freed by lpg_reply_clear), for the
 *  nested messages a query answers with; NULL on ENOMEM. */
void *lpg_reply_alloc(lpg_reply_t *r, size_t n);
/*  Hands the reply a malloc'd block (a nested answer's parts), freed with
 *  the reply. Returns p, or NULL (p freed) on ENOMEM. */
void *lpg_reply_keep(lpg_reply_t *r, void *p);
/*  Sets the number of SubmitMany results (all INTERNAL until filled). */
int lpg_reply_results(lpg_reply_t *r, size_t n);
/*  Fills result i (strings copied). */
int lpg_reply_result_set(lpg_reply_t *r, size_t i, Lpg__Status status,
                         const char *token, const char *message);
/*  Adds a reason to result i. */
int lpg_reply_result_reason(lpg_reply_t *r, size_t i, const char *token,
                            const char *zh, const char *en);

/*  Serialises: *out caller frees. */
int lpg_reply_pack(const lpg_reply_t *r, uint8_t **out, size_t *len);
void lpg_reply_clear(lpg_reply_t *r);

/*  The wire status for an lpg error code. */
Lpg__Status lpg_msg_status(int err);
const char *lpg_msg_status_name(Lpg__Status s);

/*  What an answer means to the command that asked, as its exit status:
 *  0 OK; 1 a refusal: DENIED (recorded, with every reason), or
 *  UNAUTHORIZED, NOT_FOUND, CONFLICT (the request was judged and
 *  refused; nothing recorded); 2 an error, nothing recorded: INVALID
 *  (the request could not be judged as sent), UNAVAILABLE or INTERNAL
 *  (the service failed: the ledger's disk or map full, the database). */
int lpg_msg_exit(const Lpg__Reply *r);

/*  For an answer lpg_msg_exit() calls an error: one line for a person
 *  saying that nothing was recorded and what to do (disk full, map full,
 *  a bad request, a failed service). NULL for any other answer. Static
 *  storage. */
const char *lpg_msg_advice(const Lpg__Reply *r);

/*  A service's answer as a new JSON object (jansson): status, token,
 *  message, seq when recorded, duplicate when it was a retry, and
 *  reasons [{token, zh, en}] (missing words as ""); for an error (see
 *  lpg_msg_exit) also "recorded": false and "advice"; what every
 *  command's --json prints before its own fields. NULL when out of
 *  memory. */
struct json_t *lpg_msg_reply_json(const Lpg__Reply *r);

/*  Prints o as one compact JSON line on stdout (what --json gives, one
 *  object a line) and decrefs it; NULL-safe. Out of memory: says so on
 *  stderr instead. */
void lpg_msg_emit_json(struct json_t *o);

#endif

/*  queue.h - the handheld's outbox: signed delivery-family events kept in
 *  its home until lpg-deliveryd has answered them.
 *
 *  A step the handheld refuses itself (a code that does not verify) is
 *  signed and put here before anything is sent, so it reaches the
 *  ledger even when the network is down. The file (delivery.queue in
 *  the home) holds one event a line: its event
 *  id, its step and the SignedEvent bytes, in hex; every append is
 *  fsync'd, and the file is rewritten (a copy fsync'd, then renamed)
 *  when events leave it. A lock file beside it keeps two lpg-scan
 *  processes from sending or rewriting it at once. Sending is
 *  idempotent: the service answers a resent event id with its first
 *  answer, so an event sent just before a crash is recorded once.
 */
#ifndef LPG_SCAN_QUEUE_H
#define LPG_SCAN_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "ledger/event.h"
#include "proto/protocol.pb-c.h"

/*  Appends one signed event (step: its command name, e.g. "dispatch")
 *  to the home's queue and syncs it to disk. LPG_OK, or LPG_EIO /
 *  LPG_ENOSPC with the cause printed on stderr. */
int lpg_scan_queue_add(const lpg_config_t *cfg, const char *step,
                       const uint8_t id[LPG_EVENT_ID_LEN],
                       const uint8_t *signed_event, size_t len);

/*  What lpg_scan_queue_send did. */
typedef struct {
    size_t recorded; /* recorded by the service (refused ones too) */
    size_t dropped;  /* answered but not recorded (invalid): removed */
    size_t kept;     /* no answer: still queued */
    /* the answer to the event `watch`, when it got one (the caller's:
     * lpg__reply__free_unpacked) */
    Lpg__Reply *watched;
} lpg_scan_queue_result_t;

/*  Sends every queued event to lpg-deliveryd, oldest first, printing one
 *  line (or one JSON object with json) for each: recorded at seq N
 *  (refused or not), already recorded (a resend), not recorded (with
 *  the service's reason: removed from the queue, resending would not
 *  help), or kept (no answer). Stops at the first event that gets no
 *  answer; it and the rest stay queued. watch (may be NULL): an event
 *  id whose line is left unprinted, its answer handed back in *out.
 *  LPG_OK when the queue was read and rewritten (even if events were
 *  kept), else the error, printed. */
int lpg_scan_queue_send(const lpg_config_t *cfg, bool json,
                        const uint8_t *watch, lpg_scan_queue_result_t *out);

/*  lpg-scan sync [--json]: sends the queue. Exit status 0 when the
 *  queue is empty afterwards, 1 when events stay queued (no answer),
 *  2 on an error. */
int lpg_scan_sync(const char *home, int argc, char **argv);

#endif

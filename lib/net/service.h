/*  service.h - what every lpgtrace daemon shares: a CURVE ROUTER socket
 *  with our ZAP handler, the request loop with group commit, limits,
 *  logging, and a clean stop on SIGTERM / SIGINT.
 *
 *  Every daemon starts the same way: its main() fills lpg_service_opts_t
 *  with its name, its hooks and its context (a self_t handed to every
 *  hook) and calls lpg_service_main, which reads the configuration, opens
 *  the ledger, loads the key, calls the start hook (the daemon reads its
 *  settings and sets its tick, once), serves until a signal, then calls
 *  the stop hook and closes everything.
 *
 *  The loop waits for a request, then drains what is already waiting (up
 *  to limit.batch), checks every one (size, frames, decoding, sender
 *  enrolled and unrevoked, version), answers queries, and appends the
 *  submitted events in arrival order in one transaction with the rules
 *  applied inside it; it replies after the commit, so an OK is durable.
 *  The senders of submitted events are checked in the read transaction
 *  that finds their signers' keys, and each reply is built from what the
 *  append decoded and judged (a retry's from the stored entry).
 *  Malformed input is answered (or dropped, past the hard cap) and the
 *  service keeps serving.
 */
#ifndef LPG_SERVICE_H
#define LPG_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "ledger/ledger.h"
#include "net/msg.h"

typedef struct lpg_service lpg_service_t;

/*  The sender of a request, as the ledger knows it. */
typedef struct {
    uint8_t key_id[LPG_KEYID_LEN];  /* its signing key id */
    const Lpg__DeviceState *device; /* its enrolment */
} lpg_sender_t;

/*  One recorded event (or a retry of one) whose reply is being built:
 *  what the append decoded and judged, carried to the reply rather than
 *  read back from the ledger. */
typedef struct lpg_reader lpg_reader_t;
typedef struct {
    uint64_t seq;
    bool duplicate;              /* a retry: outcome is the stored entry's */
    const lpg_event_t *ev;       /* the event, as decoded */
    const Lpg__Outcome *outcome; /* its recorded outcome (NULL: unknown) */
    const void *pre;             /* the precheck's result, with what the
                                  * rules added (NULL: none) */
    lpg_reader_t *reader;        /* see lpg_submitted_txn */
    const lpg_sender_t *sender;  /* who sent this copy (a retry's may not
                                  * be who sent it first) */
} lpg_submitted_t;

/*  A read transaction as of after the commit, for a hook that needs the
 *  state the commit left: opened on first use and shared by the replies
 *  of the batch, ended by the service. NULL if the ledger cannot be
 *  read (answer without the details). */
lpg_txn_t *lpg_submitted_txn(const lpg_submitted_t *sub);

typedef struct lpg_service_opts lpg_service_opts_t;

struct lpg_service_opts {
    const char *name;     /* "filling": logs, LedgerEntry.service */
    lpg_ledger_t *ledger; /* opened by the daemon */
    const lpg_config_t *config;
    const char *endpoint; /* default: config endpoint.<name> */
    uint8_t curve_secret[32];
    /* Rules for submitted events (see ledger.h); NULL records as OK. */
    lpg_rules_fn rules;
    /* Stateless work per event, on the signature threads (ledger.h). */
    lpg_precheck_fn precheck;
    /* After a submitted event is recorded (or found as a retry), may add
     * to the reply (e.g. the cylinder's serial). May be NULL. */
    int (*submitted)(void *ctx, const lpg_submitted_t *sub,
                     lpg_reply_t *reply);
    /* Any request other than Submit and Ping; NULL answers INVALID. */
    int (*query)(void *ctx, lpg_service_t *svc, const Lpg__Request *req,
                 const lpg_sender_t *sender, lpg_reply_t *reply);
    /* Called once by lpg_service_main when the configuration and the
     * ledger are open and the key loaded, before the service binds: the
     * daemon reads its settings into ctx, and may set reply_max, tick
     * and tick_ms. An error (with why) stops the daemon before it
     * serves: lpg_service_main logs "<name>: why" and exits 1. May be
     * NULL. */
    int (*start)(void *ctx, lpg_service_opts_t *opts, char *why, size_t whysz);
    /* Called once after a successful start, before the ledger closes:
     * clean is true when the service served and stopped on a signal,
     * false when it could not serve. Frees what start took. May be
     * NULL. */
    void (*stop)(void *ctx, bool clean);
    /* The largest reply it sends (0: limit.message_bytes). With
     * limit.send_queue_bytes it sets how many replies may wait for one
     * client that does not read (at least two); the rest are dropped. */
    size_t reply_max;
    /* Housekeeping: once when the service starts serving, then tick_ms
     * after the end of the last one (0: never). It runs alone: no batch
     * is being committed meanwhile, so it may append. */
    int (*tick)(void *ctx, lpg_service_t *svc);
    unsigned tick_ms;
    void *ctx; /* the daemon's self, handed to every hook */
};

/*  Starts the ZAP handler and binds. Caller owns *out. */
int lpg_service_new(lpg_service_t **out, const lpg_service_opts_t *opts);

/*  Serves until lpg_service_stop or SIGTERM / SIGINT (when
 *  lpg_service_handle_signals was called). Returns LPG_OK on a clean
 *  stop. */
int lpg_service_run(lpg_service_t *s);

/*  Asks the loop to stop after the batch in hand (async-signal-safe). */
void lpg_service_stop(lpg_service_t *s);

/*  SIGTERM and SIGINT stop every running service of the process. */
void lpg_service_handle_signals(void);

lpg_ledger_t *lpg_service_ledger(lpg_service_t *s);
const lpg_config_t *lpg_service_config(lpg_service_t *s);

void lpg_service_destroy(lpg_service_t **p);

/*  Loads a daemon's CURVE secret key from <home>/keys/<name>.curve. */
int lpg_service_load_key(const lpg_config_t *cfg, const char *name,
                         uint8_t secret[32]);

/*  The main() of every daemon: parses --home DIR and --endpoint EP,
 *  loads the configuration, opens the ledger, loads the key, fills the
 *  rest of opts, calls opts->start, serves until SIGTERM / SIGINT, calls
 *  opts->stop and closes everything. Returns the process exit status: 0
 *  after a clean stop, 2 for a bad command line or configuration, 1 when
 *  the daemon cannot start (no ledger at the home, no key, a start hook
 *  that refuses) or fails while serving. */
int lpg_service_main(int argc, char **argv, lpg_service_opts_t *opts);

#endif

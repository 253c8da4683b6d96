/*  transport.h - the ZeroMQ adapter: CURVE transport keys (and, as the
 *  services grow, sockets and the ZAP handler).
 *
 *  The only module that includes libzmq. CURVE keys are kept in Z85 text
 *  files: NAME.curve (secret, mode 0600) and NAME.curve.pub.
 */
#ifndef LPG_TRANSPORT_H
#define LPG_TRANSPORT_H

#include <stdint.h>

#define LPG_Z85_KEY_LEN 40 /* a 32-byte key in Z85, without the NUL */

/*  Makes a CURVE key pair and writes prefix.curve (0600) and
 *  prefix.curve.pub. Refuses to overwrite (LPG_EEXIST). If pub_z85 is
 *  not NULL it receives the public key in Z85 (41 bytes with NUL). */
int lpg_curve_generate(const char *prefix, char *pub_z85);

/*  Reads a Z85 key file into 32 raw bytes. A secret key file readable by
 *  others is refused (LPG_EKEYPERM). */
int lpg_curve_load(const char *path, uint8_t key[32]);

/*  Z85 text (40 chars) to 32 raw bytes; LPG_EMALFORMED if not a key. */
int lpg_curve_decode(const char *z85, uint8_t key[32]);

/* ------------------------------------------------------------ sockets
 *
 *  Services bind a ROUTER with CURVE (server side) and a ZAP handler of
 *  ours: libzmq admits every client when no handler is bound, so the
 *  handler is started before any socket binds. Clients use a DEALER with
 *  CURVE (client side) and no empty delimiter frame; REQ clients (with
 *  the delimiter) are answered in kind.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct lpg_zap lpg_zap_t;

/*  Decides one connecting client by its CURVE public key: LPG_OK admits
 *  it, and user_id (at most 64 chars) becomes the User-Id of its
 *  messages; LPG_EPERM refuses it (ZAP 400: not an allowed client). Any
 *  other error is the service's own failure, not the client's (the
 *  ledger could not be read, say; the function logs it): ZAP 300, a
 *  temporary error, and the client may try again. */
typedef int (*lpg_zap_fn)(void *arg, const uint8_t client_key[32],
                          char user_id[65]);

/*  A ZeroMQ context for one process. NULL on failure. */
void *lpg_transport_context(void);
void lpg_transport_context_destroy(void **ctx);

/*  Starts the ZAP handler thread on ctx. Caller owns *out. */
int lpg_zap_start(lpg_zap_t **out, void *ctx, lpg_zap_fn fn, void *arg);
void lpg_zap_stop(lpg_zap_t **p);
/*  Clients refused so far. */
uint64_t lpg_zap_refused(const lpg_zap_t *z);

/*  A ROUTER bound to endpoint, CURVE server with secret, messages larger
 *  than hard_max dropped by libzmq. At most send_queue messages wait to
 *  go to one client (0: libzmq's default, 1000); past that the messages
 *  for that client are dropped, so one that sends without reading cannot
 *  make the service hold its answers in memory. */
int lpg_transport_server(void **out, void *ctx, const char *endpoint,
                         const uint8_t secret[32], int64_t hard_max,
                         int send_queue);

/*  A DEALER connected to endpoint as a CURVE client. */
int lpg_transport_client(void **out, void *ctx, const char *endpoint,
                         const uint8_t server_pub[32],
                         const uint8_t client_sec[32]);

/*  The same, taking in no message larger than max_in bytes as it comes
 *  over the wire, encryption included (libzmq drops the connection
 *  instead; -1: no bound). */
int lpg_transport_client_max(void **out, void *ctx, const char *endpoint,
                             const uint8_t server_pub[32],
                             const uint8_t client_sec[32], int64_t max_in);

void lpg_transport_close(void **sock);

/*  The feed: a PUB bound to endpoint as a CURVE server with secret (its
 *  subscribers pass the ZAP handler of ctx, like a service's clients),
 *  and a SUB connected to it as a CURVE client, subscribed to every
 *  message. The PUB keeps up to hwm messages per slow subscriber, then
 *  drops for that subscriber (who sees a gap in the sequence numbers and
 *  fetches the missing entries by request). Send with
 *  lpg_transport_send, receive with lpg_transport_recv. */
int lpg_transport_publisher(void **out, void *ctx, const char *endpoint,
                            const uint8_t secret[32], int hwm);
int lpg_transport_subscriber(void **out, void *ctx, const char *endpoint,
                             const uint8_t server_pub[32],
                             const uint8_t client_sec[32]);

/*  One end of an inproc PAIR (bind or connect), for waking a thread's
 *  poll loop from another thread. */
int lpg_transport_pair(void **out, void *ctx, const char *endpoint, bool bind);

/*  Waits up to timeout_ms for input on a and b: returns a bit mask (1: a
 *  readable, 2: b readable), 0 on time-out or a signal. */
int lpg_transport_poll2(void *a, void *b, int timeout_ms);

/*  The endpoint a socket bound last (e.g. after binding port "*"). */
int lpg_transport_last_endpoint(void *sock, char *out, size_t outsz);

/*  A fresh CURVE key pair in Z85 (40 chars + NUL each), in memory only. */
int lpg_curve_keypair(char pub_z85[41], char sec_z85[41]);

/*  The public half of a CURVE secret key. */
int lpg_curve_public(const uint8_t secret[32], uint8_t pub[32]);

#define LPG_WIRE_MAX_FRAMES 3

typedef struct {
    uint8_t *data;
    size_t len;
} lpg_frame_t;

/*  One multipart message as received. Frames past LPG_WIRE_MAX_FRAMES are
 *  read and dropped (too_many_frames set). */
typedef struct {
    lpg_frame_t frames[LPG_WIRE_MAX_FRAMES];
    size_t n;
    bool too_many_frames;
    char user_id[65]; /* from the ZAP handler; "" if none */
} lpg_wire_msg_t;

/*  Receives one message, waiting at most timeout_ms (-1: forever, 0: not
 *  at all). LPG_ETIMEOUT if none came; LPG_EINTR-like interruptions by a
 *  signal also return LPG_ETIMEOUT so the caller can check its flag. */
int lpg_transport_recv(void *sock, lpg_wire_msg_t *m, int timeout_ms);
/*  Sends without waiting: LPG_EUNAVAILABLE when the message cannot go
 *  now (no peer, or its queue is full). */
int lpg_transport_send(void *sock, const lpg_frame_t *frames, size_t n);
void lpg_wire_msg_clear(lpg_wire_msg_t *m);

#endif

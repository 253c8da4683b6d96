/*  transport.c - see transport.h. */
#include "net/transport.h"
#include "base/error.h"
#include "base/log.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static int
s_write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return LPG_EEXIST;
        lpg_error("cannot create %s: %s", path, strerror(errno));
        return LPG_EIO;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int rc = (w == (ssize_t)len && fsync(fd) == 0) ? LPG_OK : LPG_EIO;
    close(fd);
    return rc;
}

int
lpg_curve_generate(const char *prefix, char *pub_z85)
{
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0) {
        lpg_error("CURVE key generation failed: %s", zmq_strerror(errno));
        return LPG_ECRYPTO;
    }
    char path[4096], text[64];
    int n = snprintf(path, sizeof path, "%s.curve", prefix);
    if (n < 0 || (size_t)n >= sizeof path - 4)
        return LPG_ERANGE;
    snprintf(text, sizeof text, "%s\n", sec);
    int rc = s_write_new(path, text, 0600);
    memset(sec, 0, sizeof sec);
    memset(text, 0, sizeof text);
    if (rc != LPG_OK)
        return rc;
    snprintf(path, sizeof path, "%s.curve.pub", prefix);
    snprintf(text, sizeof text, "%s\n", pub);
    rc = s_write_new(path, text, 0644);
    if (rc == LPG_OK && pub_z85)
        memcpy(pub_z85, pub, 41);
    return rc;
}

int
lpg_curve_decode(const char *z85, uint8_t key[32])
{
    if (strlen(z85) != LPG_Z85_KEY_LEN)
        return LPG_EMALFORMED;
    return zmq_z85_decode(key, z85) ? LPG_OK : LPG_EMALFORMED;
}

int
lpg_curve_load(const char *path, uint8_t key[32])
{
    struct stat st;
    if (stat(path, &st) != 0)
        return LPG_ENOTFOUND;
    size_t plen = strlen(path);
    bool secret = !(plen > 4 && strcmp(path + plen - 4, ".pub") == 0);
    if (secret && (st.st_mode & 077)) {
        lpg_error("%s is readable by others: chmod 600 it", path);
        return LPG_EKEYPERM;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return LPG_EIO;
    char line[128];
    int rc = LPG_EKEYFORMAT;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (lpg_curve_decode(line, key) == LPG_OK)
            rc = LPG_OK;
    }
    memset(line, 0, sizeof line);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------ sockets */

struct lpg_zap {
    void *ctx;
    void *sock;
    pthread_t thread;
    lpg_zap_fn fn;
    void *arg;
    atomic_int stop;
    uint64_t refused;
    int started;
};

void *
lpg_transport_context(void)
{
    void *ctx = zmq_ctx_new();
    if (ctx)
        zmq_ctx_set(ctx, ZMQ_BLOCKY, 0);
    return ctx;
}

void
lpg_transport_context_destroy(void **ctx)
{
    if (!ctx || !*ctx)
        return;
    zmq_ctx_term(*ctx);
    *ctx = NULL;
}

int
lpg_curve_public(const uint8_t secret[32], uint8_t pub[32])
{
    char sec_z85[41], pub_z85[41];
    if (!zmq_z85_encode(sec_z85, secret, 32))
        return LPG_EINVAL;
    int rc = zmq_curve_public(pub_z85, sec_z85);
    memset(sec_z85, 0, sizeof sec_z85);
    if (rc != 0)
        return LPG_ECRYPTO;
    return zmq_z85_decode(pub, pub_z85) ? LPG_OK : LPG_ECRYPTO;
}

static int
s_recv_frame(void *sock, zmq_msg_t *msg, int flags)
{
    zmq_msg_init(msg);
    return zmq_msg_recv(msg, sock, flags);
}

/*  ZAP (RFC 27): requests are version, request id, domain, address,
 *  identity, mechanism, then the credentials (the CURVE public key). */
static void *
s_zap_thread(void *arg)
{
    lpg_zap_t *z = arg;
    while (!z->stop) {
        zmq_pollitem_t item = {z->sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, 200);
        if (n <= 0)
            continue;
        zmq_msg_t frames[8];
        int count = 0, more = 1;
        while (more && count < 8) {
            if (s_recv_frame(z->sock, &frames[count], 0) < 0)
                break;
            more = zmq_msg_more(&frames[count]);
            count++;
        }
        while (more) { /* drain anything past 8 frames */
            zmq_msg_t extra;
            if (s_recv_frame(z->sock, &extra, 0) < 0)
                break;
            more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
        const char *status = "400", *text = "No access";
        char user_id[65] = "";
        if (count >= 7 && zmq_msg_size(&frames[5]) == 5 &&
            memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0 &&
            zmq_msg_size(&frames[6]) == 32) {
            int rc = z->fn(z->arg, zmq_msg_data(&frames[6]), user_id);
            if (rc == LPG_OK) {
                status = "200";
                text = "OK";
            } else if (rc != LPG_EPERM) {
                status = "300"; /* ours, not the client's: try again */
                text = "Service error";
                user_id[0] = '\0';
            }
        }
        if (strcmp(status, "400") == 0)
            z->refused++;
        /* reply: version, request id, status code, text, user id, meta */
        if (count >= 2) {
            zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
            zmq_send(z->sock, zmq_msg_data(&frames[1]),
                     zmq_msg_size(&frames[1]), ZMQ_SNDMORE);
            zmq_send(z->sock, status, 3, ZMQ_SNDMORE);
            zmq_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
            zmq_send(z->sock, user_id, strlen(user_id), ZMQ_SNDMORE);
            zmq_send(z->sock, "", 0, 0);
        }
        for (int i = 0; i < count; i++)
            zmq_msg_close(&frames[i]);
    }
    return NULL;
}

int
lpg_zap_start(lpg_zap_t **out, void *ctx, lpg_zap_fn fn, void *arg)
{
    *out = NULL;
    lpg_zap_t *z = calloc(1, sizeof *z);
    if (!z)
        return LPG_ENOMEM;
    z->ctx = ctx;
    z->fn = fn;
    z->arg = arg;
    z->sock = zmq_socket(ctx, ZMQ_REP);
    if (!z->sock || zmq_bind(z->sock, "inproc://zeromq.zap.01") != 0) {
        lpg_error("ZAP handler: %s", zmq_strerror(errno));
        if (z->sock)
            zmq_close(z->sock);
        free(z);
        return LPG_EUNAVAILABLE;
    }
    int linger = 0;
    zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (pthread_create(&z->thread, NULL, s_zap_thread, z) != 0) {
        zmq_close(z->sock);
        free(z);
        return LPG_ENOMEM;
    }
    z->started = 1;
    *out = z;
    return LPG_OK;
}

void
lpg_zap_stop(lpg_zap_t **p)
{
    if (!p || !*p)
        return;
    lpg_zap_t *z = *p;
    z->stop = 1;
    if (z->started)
        pthread_join(z->thread, NULL);
    zmq_close(z->sock);
    free(z);
    *p = NULL;
}

uint64_t
lpg_zap_refused(const lpg_zap_t *z)
{
    return z->refused;
}

static void
s_set_int(void *sock, int opt, int v)
{
    zmq_setsockopt(sock, opt, &v, sizeof v);
}

int
lpg_transport_server(void **out, void *ctx, const char *endpoint,
                     const uint8_t secret[32], int64_t hard_max,
                     int send_queue)
{
    *out = NULL;
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    if (!sock)
        return LPG_EUNAVAILABLE;
    s_set_int(sock, ZMQ_LINGER, 1000);
    /* Before the bind: each connection takes the value it finds then. */
    if (send_queue > 0)
        s_set_int(sock, ZMQ_SNDHWM, send_queue);
    s_set_int(sock, ZMQ_CURVE_SERVER, 1);
    s_set_int(sock, ZMQ_ROUTER_MANDATORY, 0);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 32);
    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "lpgtrace", 8);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &hard_max, sizeof hard_max);
    if (zmq_bind(sock, endpoint) != 0) {
        lpg_error("cannot bind %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return LPG_EUNAVAILABLE;
    }
    *out = sock;
    return LPG_OK;
}

/*  A socket of type `type` set up as a CURVE client of server_pub and
 *  connected to endpoint; tune() sets its own options before connecting. */
static int
s_curve_client(void **out, void *ctx, int type, const char *endpoint,
               const uint8_t server_pub[32], const uint8_t client_sec[32],
               void (*tune)(void *sock), int64_t max_in)
{
    *out = NULL;
    uint8_t client_pub[32];
    int rc = lpg_curve_public(client_sec, client_pub);
    if (rc != LPG_OK)
        return rc;
    void *sock = zmq_socket(ctx, type);
    if (!sock)
        return LPG_EUNAVAILABLE;
    s_set_int(sock, ZMQ_LINGER, 0);
    tune(sock);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_in, sizeof max_in);
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_pub, 32);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, client_pub, 32);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, client_sec, 32);
    if (zmq_connect(sock, endpoint) != 0) {
        lpg_error("cannot connect %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return LPG_EUNAVAILABLE;
    }
    *out = sock;
    return LPG_OK;
}

static void
s_tune_dealer(void *sock)
{
    /* A DEALER left with no peer (the server refused our handshake)
     * would block in send for ever: fail the send after a second. */
    s_set_int(sock, ZMQ_SNDTIMEO, 1000);
}

static void
s_tune_sub(void *sock)
{
    s_set_int(sock, ZMQ_RCVHWM, 100000);
    zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0);
}

int
lpg_transport_client(void **out, void *ctx, const char *endpoint,
                     const uint8_t server_pub[32],
                     const uint8_t client_sec[32])
{
    return s_curve_client(out, ctx, ZMQ_DEALER, endpoint, server_pub,
                          client_sec, s_tune_dealer, -1);
}

int
lpg_transport_client_max(void **out, void *ctx, const char *endpoint,
                         const uint8_t server_pub[32],
                         const uint8_t client_sec[32], int64_t max_in)
{
    return s_curve_client(out, ctx, ZMQ_DEALER, endpoint, server_pub,
                          client_sec, s_tune_dealer, max_in);
}

int
lpg_transport_publisher(void **out, void *ctx, const char *endpoint,
                        const uint8_t secret[32], int hwm)
{
    *out = NULL;
    void *sock = zmq_socket(ctx, ZMQ_PUB);
    if (!sock)
        return LPG_EUNAVAILABLE;
    s_set_int(sock, ZMQ_LINGER, 0);
    s_set_int(sock, ZMQ_SNDHWM, hwm > 0 ? hwm : 1000);
    s_set_int(sock, ZMQ_CURVE_SERVER, 1);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 32);
    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "lpgtrace", 8);
    /* A subscriber sends only subscriptions: small. */
    int64_t max_in = 4096;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_in, sizeof max_in);
    if (zmq_bind(sock, endpoint) != 0) {
        lpg_error("cannot bind %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return LPG_EUNAVAILABLE;
    }
    *out = sock;
    return LPG_OK;
}

int
lpg_transport_subscriber(void **out, void *ctx, const char *endpoint,
                         const uint8_t server_pub[32],
                         const uint8_t client_sec[32])
{
    return s_curve_client(out, ctx, ZMQ_SUB, endpoint, server_pub, client_sec,
                          s_tune_sub, -1);
}

int
lpg_transport_pair(void **out, void *ctx, const char *endpoint, bool bind)
{
    *out = NULL;
    void *sock = zmq_socket(ctx, ZMQ_PAIR);
    if (!sock)
        return LPG_EUNAVAILABLE;
    s_set_int(sock, ZMQ_LINGER, 0);
    int rc = bind ? zmq_bind(sock, endpoint) : zmq_connect(sock, endpoint);
    if (rc != 0) {
        zmq_close(sock);
        return LPG_EUNAVAILABLE;
    }
    *out = sock;
    return LPG_OK;
}

int
lpg_transport_poll2(void *a, void *b, int timeout_ms)
{
    zmq_pollitem_t items[2] = {{a, 0, ZMQ_POLLIN, 0}, {b, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 2, timeout_ms) <= 0)
        return 0;
    return ((items[0].revents & ZMQ_POLLIN) ? 1 : 0) |
           ((items[1].revents & ZMQ_POLLIN) ? 2 : 0);
}

int
lpg_transport_last_endpoint(void *sock, char *out, size_t outsz)
{
    size_t len = outsz;
    if (zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, out, &len) != 0)
        return LPG_EIO;
    return LPG_OK;
}

int
lpg_curve_keypair(char pub_z85[41], char sec_z85[41])
{
    return zmq_curve_keypair(pub_z85, sec_z85) == 0 ? LPG_OK : LPG_ECRYPTO;
}

void
lpg_transport_close(void **sock)
{
    if (!sock || !*sock)
        return;
    zmq_close(*sock);
    *sock = NULL;
}

void
lpg_wire_msg_clear(lpg_wire_msg_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->frames[i].data);
    memset(m, 0, sizeof *m);
}

int
lpg_transport_recv(void *sock, lpg_wire_msg_t *m, int timeout_ms)
{
    memset(m, 0, sizeof *m);
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&item, 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? LPG_ETIMEOUT : LPG_EIO;
    if (n == 0)
        return LPG_ETIMEOUT;
    int more = 1;
    while (more) {
        zmq_msg_t msg;
        if (s_recv_frame(sock, &msg, 0) < 0) {
            int e = errno;
            zmq_msg_close(&msg);
            if (e == EINTR && m->n == 0)
                return LPG_ETIMEOUT;
            lpg_wire_msg_clear(m);
            return LPG_EIO;
        }
        more = zmq_msg_more(&msg);
        if (!m->user_id[0]) {
            /* Metadata rides on the peer's frames, not on the identity
             * frame ROUTER adds. */
            const char *uid = zmq_msg_gets(&msg, "User-Id");
            if (uid)
                snprintf(m->user_id, sizeof m->user_id, "%s", uid);
        }
        if (m->n < LPG_WIRE_MAX_FRAMES) {
            size_t len = zmq_msg_size(&msg);
            uint8_t *copy = malloc(len ? len : 1);
            if (!copy) {
                zmq_msg_close(&msg);
                lpg_wire_msg_clear(m);
                return LPG_ENOMEM;
            }
            memcpy(copy, zmq_msg_data(&msg), len);
            m->frames[m->n].data = copy;
            m->frames[m->n].len = len;
            m->n++;
        } else
            m->too_many_frames = true;
        zmq_msg_close(&msg);
    }
    return LPG_OK;
}

int
lpg_transport_send(void *sock, const lpg_frame_t *frames, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* Never wait: a DEALER whose handshake was refused has no peer
         * and would block for ever; the caller's time-out handles it. */
        int flags = (i + 1 < n ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT;
        if (zmq_send(sock, frames[i].data, frames[i].len, flags) < 0) {
            int e = errno;
            lpg_debug("send: %s", zmq_strerror(e));
            return e == EAGAIN ? LPG_EUNAVAILABLE : LPG_EIO;
        }
    }
    return LPG_OK;
}

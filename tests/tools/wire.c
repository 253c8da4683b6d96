/*  wire.c - speaks to an lpgtrace service on the wire, well or badly, so
 *  the tests can show what a service does with each kind of input.
 *
 *    wire HOME SERVICE KEYPREFIX ping [N [SLEEP_MS]]
 *        N pings on one connection; prints each answer's status + token
 *    wire HOME SERVICE KEYPREFIX junk         random bytes as a request
 *    wire HOME SERVICE KEYPREFIX frames N     a message of N frames
 *    wire HOME SERVICE KEYPREFIX big BYTES    a well-formed request of
 *                                             about BYTES bytes
 *    wire HOME SERVICE KEYPREFIX version V    a ping with version V
 *    wire HOME SERVICE KEYPREFIX submit FILE  a SignedEvent from a file
 *    wire HOME SERVICE KEYPREFIX trace GRAI FROM [COUNT]
 *        one GetTrace page of GRAI from seq FROM on (no proofs; at most
 *        COUNT entries when given); prints
 *        the status, then the page's entries, first and last seq, more
 *    wire HOME SERVICE KEYPREFIX flood N GRAI PAUSE_MS
 *        N GetTrace requests for GRAI sent at once, none of the answers
 *        read: prints "sent K", waits PAUSE_MS for them to leave, then
 *        stops itself (SIGSTOP) with the connection open, so nothing
 *        takes the answers in; the caller kills it
 *    wire HOME SERVICE KEYPREFIX fillcheck IDHEX CODE TARE_G SITE ACTOR
 *        a fill check with this event id, signed by KEYPREFIX.pem (all
 *        checklist items ok): run it twice to see a retry answered once;
 *        its device time is WIRE_TIME_MS when set (the same bytes twice),
 *        else now
 *
 *  KEYPREFIX.curve is the client's transport key. Exit 0 when an answer
 *  came (whatever it says), 3 when none came in time.
 */
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "net/msg.h"
#include "net/transport.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *s_sock;

static int
s_exchange(const lpg_frame_t *frames, size_t n, int timeout_ms)
{
    if (lpg_transport_send(s_sock, frames, n) != LPG_OK)
        return 3;
    lpg_wire_msg_t m;
    if (lpg_transport_recv(s_sock, &m, timeout_ms) != LPG_OK) {
        printf("no answer\n");
        return 3;
    }
    Lpg__Reply *r =
        m.n == 1 ? lpg__reply__unpack(NULL, m.frames[0].len, m.frames[0].data)
                 : NULL;
    if (!r)
        printf("unreadable answer\n");
    else {
        printf("%s %s: %s", lpg_msg_status_name(r->status), r->token,
               r->message);
        if (r->has_seq)
            printf(" seq %llu%s", (unsigned long long)r->seq,
                   r->has_duplicate && r->duplicate ? " duplicate" : "");
        const Lpg__TraceAnswer *a = r->trace;
        if (a)
            printf(" | entries %zu first %lld last %lld more %d", a->n_entries,
                   a->n_entries ? (long long)a->entries[0]->seq : -1LL,
                   a->n_entries ? (long long)a->entries[a->n_entries - 1]->seq
                                : -1LL,
                   (int)a->more);
        printf("\n");
        lpg__reply__free_unpacked(r, NULL);
    }
    lpg_wire_msg_clear(&m);
    fflush(stdout);
    return 0;
}

static int
s_request(Lpg__Request *req, uint32_t version)
{
    uint8_t id[16];
    lpg_random(id, sizeof id);
    req->version = version;
    req->request_id.data = id;
    req->request_id.len = sizeof id;
    size_t len = lpg__request__get_packed_size(req);
    uint8_t *buf = malloc(len);
    lpg__request__pack(req, buf);
    lpg_frame_t f = {buf, len};
    int rc = s_exchange(&f, 1, 3000);
    free(buf);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: wire HOME SERVICE KEYPREFIX COMMAND ...\n");
        return 2;
    }
    lpg_config_t *cfg = NULL;
    if (lpg_config_load(&cfg, argv[1], NULL, 0) != LPG_OK)
        return 2;
    char key[64], rel[128], path[4096];
    snprintf(key, sizeof key, "endpoint.%s", argv[2]);
    const char *endpoint = lpg_config_get(cfg, key);
    snprintf(rel, sizeof rel, "keys/%s.curve.pub", argv[2]);
    lpg_config_path(cfg, rel, path, sizeof path);
    uint8_t server[32], sec[32];
    if (!endpoint || lpg_curve_load(path, server) != LPG_OK)
        return 2;
    snprintf(path, sizeof path, "%s.curve", argv[3]);
    if (lpg_curve_load(path, sec) != LPG_OK)
        return 2;
    void *ctx = lpg_transport_context();
    if (lpg_transport_client(&s_sock, ctx, endpoint, server, sec) != LPG_OK)
        return 2;
    const char *cmd = argv[4];
    int rc = 2;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__Ping ping = LPG__PING__INIT;
    if (strcmp(cmd, "ping") == 0) {
        int n = argc > 5 ? atoi(argv[5]) : 1;
        int pause = argc > 6 ? atoi(argv[6]) : 0;
        for (int i = 0; i < n; i++) {
            req.body_case = LPG__REQUEST__BODY_PING;
            req.ping = &ping;
            rc = s_request(&req, LPG_PROTOCOL_VERSION);
            if (pause > 0)
                usleep((useconds_t)pause * 1000);
        }
    } else if (strcmp(cmd, "version") == 0 && argc > 5) {
        req.body_case = LPG__REQUEST__BODY_PING;
        req.ping = &ping;
        rc = s_request(&req, (uint32_t)atoi(argv[5]));
    } else if (strcmp(cmd, "junk") == 0) {
        uint8_t junk[200];
        lpg_random(junk, sizeof junk);
        lpg_frame_t f = {junk, sizeof junk};
        rc = s_exchange(&f, 1, 3000);
    } else if (strcmp(cmd, "frames") == 0 && argc > 5) {
        int n = atoi(argv[5]);
        lpg_frame_t f[16];
        for (int i = 0; i < n && i < 16; i++)
            f[i] = (lpg_frame_t){(uint8_t *)"x", 1};
        rc = s_exchange(f, (size_t)(n < 16 ? n : 16), 3000);
    } else if (strcmp(cmd, "big") == 0 && argc > 5) {
        size_t size = (size_t)atol(argv[5]);
        uint8_t *blob = calloc(1, size);
        Lpg__Submit sub = LPG__SUBMIT__INIT;
        sub.signed_event.data = blob;
        sub.signed_event.len = size;
        req.body_case = LPG__REQUEST__BODY_SUBMIT;
        req.submit = &sub;
        rc = s_request(&req, LPG_PROTOCOL_VERSION);
        free(blob);
    } else if (strcmp(cmd, "fillcheck") == 0 && argc > 9) {
        uint8_t id[16];
        for (int i = 0; i < 16; i++) {
            unsigned v = 0;
            if (sscanf(argv[5] + 2 * i, "%2x", &v) != 1)
                return 2;
            id[i] = (uint8_t)v;
        }
        snprintf(path, sizeof path, "%s.pem", argv[3]);
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
        fc.code = argv[6];
        fc.empty_g = (uint32_t)atoi(argv[7]);
        fc.n_checks = 5;
        fc.checks = cp;
        const char *g = strstr(argv[6], "/8003/");
        const char *q = strchr(argv[6], '?');
        char grai[64] = "";
        if (g && q)
            snprintf(grai, sizeof grai, "%.*s", (int)(q - g - 6), g + 6);
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.event_id.data = id;
        ev.event_id.len = 16;
        const char *fixed = getenv("WIRE_TIME_MS");
        ev.device_time_ms =
            fixed ? strtoull(fixed, NULL, 10) : (uint64_t)time(NULL) * 1000;
        ev.cylinder = grai;
        ev.site = argv[8];
        ev.actor = argv[9];
        ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
        ev.fill_check = &fc;
        uint8_t *data = NULL;
        size_t len = 0;
        lpg_event_sign(&ev, signer, &data, &len);
        lpg_key_destroy(&signer);
        Lpg__Submit sub = LPG__SUBMIT__INIT;
        sub.signed_event.data = data;
        sub.signed_event.len = len;
        req.body_case = LPG__REQUEST__BODY_SUBMIT;
        req.submit = &sub;
        rc = s_request(&req, LPG_PROTOCOL_VERSION);
        free(data);
    } else if (strcmp(cmd, "trace") == 0 && argc > 6) {
        Lpg__GetTrace q = LPG__GET_TRACE__INIT;
        q.cylinder = argv[5];
        q.has_from = 1;
        q.from = strtoull(argv[6], NULL, 10);
        q.has_count = argc > 7;
        q.count = argc > 7 ? (uint32_t)strtoul(argv[7], NULL, 10) : 0;
        req.body_case = LPG__REQUEST__BODY_GET_TRACE;
        req.get_trace = &q;
        rc = s_request(&req, LPG_PROTOCOL_VERSION);
    } else if (strcmp(cmd, "flood") == 0 && argc > 7) {
        long n = strtol(argv[5], NULL, 10);
        long pause = strtol(argv[7], NULL, 10);
        Lpg__GetTrace q = LPG__GET_TRACE__INIT;
        q.cylinder = argv[6];
        req.body_case = LPG__REQUEST__BODY_GET_TRACE;
        req.get_trace = &q;
        long sent = 0;
        for (long i = 0; i < n; i++) {
            uint8_t id[16];
            lpg_random(id, sizeof id);
            req.version = LPG_PROTOCOL_VERSION;
            req.request_id.data = id;
            req.request_id.len = sizeof id;
            uint8_t buf[512];
            size_t len = lpg__request__get_packed_size(&req);
            if (len > sizeof buf)
                break;
            lpg__request__pack(&req, buf);
            lpg_frame_t f = {buf, len};
            if (lpg_transport_send(s_sock, &f, 1) == LPG_OK)
                sent++;
        }
        printf("sent %ld\n", sent);
        fflush(stdout);
        if (pause > 0)
            usleep((useconds_t)pause * 1000);
        raise(SIGSTOP);
        rc = sent == n ? 0 : 3;
    } else if (strcmp(cmd, "submit") == 0 && argc > 5) {
        FILE *f = fopen(argv[5], "rb");
        uint8_t buf[65536];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f)
            fclose(f);
        Lpg__Submit sub = LPG__SUBMIT__INIT;
        sub.signed_event.data = buf;
        sub.signed_event.len = n;
        req.body_case = LPG__REQUEST__BODY_SUBMIT;
        req.submit = &sub;
        rc = s_request(&req, LPG_PROTOCOL_VERSION);
    } else
        fprintf(stderr, "wire: unknown command %s\n", cmd);
    lpg_transport_close(&s_sock);
    lpg_transport_context_destroy(&ctx);
    lpg_config_destroy(&cfg);
    return rc;
}

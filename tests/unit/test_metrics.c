/*  test_metrics.c - the metrics text: counters by label pair, cumulative
 *  histogram buckets ending at +Inf == _count, label values escaped,
 *  label pairs past the table's size folded into "other", and GET
 *  /metrics served on a loopback port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/error.h"
#include "net/metrics.h"

static char *
s_render(lpg_metrics_t *m)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(lpg_metrics_render(m, &text, &len), LPG_OK);
    assert_int_equal(strlen(text), len);
    return text;
}

static void
s_has(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("no '%s' in:\n%s", line, text);
}

static void
test_counters(void **state)
{
    lpg_metrics_t *m = NULL;
    assert_int_equal(lpg_metrics_new(&m, "filling", NULL), LPG_OK);
    lpg_metrics_request(m, "submit", "OK", 1000000);
    lpg_metrics_request(m, "submit", "OK", 3000000);
    lpg_metrics_request(m, "submit", "DENIED", 20000000);
    lpg_metrics_request(m, "ping", "OK", 100);
    char *t = s_render(m);
    s_has(t, "# HELP lpg_requests_total ");
    s_has(t, "# TYPE lpg_requests_total counter\n");
    s_has(t, "lpg_requests_total{service=\"filling\",request=\"submit\","
             "status=\"OK\"} 2\n");
    s_has(t, "lpg_requests_total{service=\"filling\",request=\"submit\","
             "status=\"DENIED\"} 1\n");
    s_has(t, "# TYPE lpg_request_duration_seconds histogram\n");
    /* 1 ms, 3 ms, 20 ms: cumulative. */
    s_has(t, "lpg_request_duration_seconds_bucket{service=\"filling\","
             "request=\"submit\",le=\"0.0005\"} 0\n");
    s_has(t, "lpg_request_duration_seconds_bucket{service=\"filling\","
             "request=\"submit\",le=\"0.001\"} 1\n");
    s_has(t, "lpg_request_duration_seconds_bucket{service=\"filling\","
             "request=\"submit\",le=\"0.005\"} 2\n");
    s_has(t, "lpg_request_duration_seconds_bucket{service=\"filling\","
             "request=\"submit\",le=\"0.025\"} 3\n");
    s_has(t, "lpg_request_duration_seconds_bucket{service=\"filling\","
             "request=\"submit\",le=\"+Inf\"} 3\n");
    s_has(t, "lpg_request_duration_seconds_sum{service=\"filling\","
             "request=\"submit\"} 0.024\n");
    s_has(t, "lpg_request_duration_seconds_count{service=\"filling\","
             "request=\"submit\"} 3\n");
    /* No ledger: no ledger gauges. */
    assert_null(strstr(t, "lpg_ledger_entries"));
    free(t);
    lpg_metrics_destroy(&m);
    assert_null(m);
    lpg_metrics_destroy(&m);
}

static void
test_batches_and_overflow(void **state)
{
    lpg_metrics_t *m = NULL;
    assert_int_equal(lpg_metrics_new(&m, "re\"g\\y", NULL), LPG_OK);
    lpg_metrics_batch(m, 1);
    lpg_metrics_batch(m, 3);
    lpg_metrics_batch(m, 100000); /* past the largest bound: +Inf only */
    for (int i = 0; i < 300; i++) {
        char kind[16];
        snprintf(kind, sizeof kind, "k%d", i);
        lpg_metrics_event(m, NULL, 0, kind); /* kind "undecodable" */
        lpg_metrics_request(m, kind, "OK", 1);
    }
    char *t = s_render(m);
    s_has(t, "lpg_commit_batch_events_bucket{service=\"re\\\"g\\\\y\","
             "le=\"1\"} 1\n");
    s_has(t, "lpg_commit_batch_events_bucket{service=\"re\\\"g\\\\y\","
             "le=\"4\"} 2\n");
    s_has(t, "lpg_commit_batch_events_bucket{service=\"re\\\"g\\\\y\","
             "le=\"4096\"} 2\n");
    s_has(t, "lpg_commit_batch_events_bucket{service=\"re\\\"g\\\\y\","
             "le=\"+Inf\"} 3\n");
    s_has(t, "lpg_commit_batch_events_sum{service=\"re\\\"g\\\\y\"} "
             "100004\n");
    /* 300 label pairs: 127 kept, the rest under "other". */
    s_has(t, "request=\"k126\",status=\"OK\"} 1\n");
    assert_null(strstr(t, "request=\"k127\""));
    s_has(t, "request=\"other\",status=\"other\"} 173\n");
    s_has(t, "kind=\"undecodable\",status=\"k0\"} 1\n");
    /* 32 latency histograms at most, the last one "other". */
    s_has(t, "lpg_request_duration_seconds_count{service=\"re\\\"g\\\\y\","
             "request=\"other\"} 269\n");
    free(t);
    lpg_metrics_destroy(&m);
}

static void
test_http(void **state)
{
    lpg_metrics_t *m = NULL;
    assert_int_equal(lpg_metrics_new(&m, "trace", NULL), LPG_OK);
    assert_int_equal(lpg_metrics_port(m), 0);
    assert_int_equal(lpg_metrics_listen(m, 0), LPG_OK);
    unsigned port = lpg_metrics_port(m);
    assert_true(port > 0);
    lpg_metrics_request(m, "ping", "OK", 5);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    const char *req = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    char buf[16384];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    s_has(buf, " 200 OK\r\n");
    s_has(buf, "text/plain; version=0.0.4");
    s_has(buf, "lpg_requests_total{service=\"trace\",request=\"ping\","
               "status=\"OK\"} 1\n");
    /* A second listener on the same port cannot bind. */
    lpg_metrics_t *m2 = NULL;
    assert_int_equal(lpg_metrics_new(&m2, "trace", NULL), LPG_OK);
    assert_int_equal(lpg_metrics_listen(m2, port), LPG_EIO);
    lpg_metrics_destroy(&m2);
    lpg_metrics_destroy(&m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_batches_and_overflow),
        cmocka_unit_test(test_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

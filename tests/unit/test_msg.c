/*  test_msg.c - what an answer means to the command that asked (exit
 *  status and advice: a recorded refusal is not an error, a failing
 *  service is never a refusal), and the refusal of strings sent empty,
 *  in requests and in events, naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "ledger/event.h"
#include "net/msg.h"

static Lpg__Reply
s_reply(Lpg__Status status, const char *token)
{
    Lpg__Reply r = LPG__REPLY__INIT;
    r.status = status;
    r.token = (char *)token;
    r.message = (char *)"";
    return r;
}

static void
test_exit(void **state)
{
    (void)state;
    static const struct {
        Lpg__Status status;
        int want;
    } cases[] = {
        {LPG__STATUS__STATUS_OK, 0},
        {LPG__STATUS__STATUS_DENIED, 1},
        {LPG__STATUS__STATUS_UNAUTHORIZED, 1},
        {LPG__STATUS__STATUS_NOT_FOUND, 1},
        {LPG__STATUS__STATUS_CONFLICT, 1},
        {LPG__STATUS__STATUS_INVALID, 2},
        {LPG__STATUS__STATUS_UNAVAILABLE, 2},
        {LPG__STATUS__STATUS_INTERNAL, 2},
        {(Lpg__Status)99, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Lpg__Reply r = s_reply(cases[i].status, "X");
        assert_int_equal(lpg_msg_exit(&r), cases[i].want);
        if (cases[i].want == 2)
            assert_non_null(
                strstr(lpg_msg_advice(&r), "nothing was recorded"));
        else
            assert_null(lpg_msg_advice(&r));
    }
}

static void
test_advice(void **state)
{
    (void)state;
    assert_int_equal(lpg_msg_status(LPG_ENOSPC),
                     LPG__STATUS__STATUS_UNAVAILABLE);
    assert_string_equal(lpg_errtoken(LPG_ENOSPC), "ENOSPC");
    assert_non_null(strstr(lpg_strerror(LPG_ENOSPC), "disk full"));
    Lpg__Reply r = s_reply(LPG__STATUS__STATUS_UNAVAILABLE, "ENOSPC");
    assert_non_null(strstr(lpg_msg_advice(&r), "disk is full"));
    r = s_reply(LPG__STATUS__STATUS_UNAVAILABLE, "EMAPFULL");
    assert_non_null(strstr(lpg_msg_advice(&r), "map is full"));
    r = s_reply(LPG__STATUS__STATUS_INTERNAL, "EDB");
    assert_non_null(strstr(lpg_msg_advice(&r), "service's log"));
}

static void
test_empty_event(void **state)
{
    (void)state;
    const char *field = NULL;
    Lpg__Delivery del = LPG__DELIVERY__INIT;
    del.vehicle = (char *)"SU-A001";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_DELIVERY;
    ev.delivery = &del;
    ev.cylinder = (char *)"06901234000153S0001";
    assert_int_equal(lpg_proto_empty_check(&ev.base, &field), LPG_OK);
    ev.user = (char *)"";
    assert_int_equal(lpg_proto_empty_check(&ev.base, &field), LPG_EINVAL);
    assert_string_equal(field, "user");
    ev.user = (char *)"U1";
    del.vehicle = (char *)"";
    field = NULL;
    assert_int_equal(lpg_proto_empty_check(&ev.base, &field), LPG_EINVAL);
    assert_string_equal(field, "vehicle");

    Lpg__FillOverride fo = LPG__FILL_OVERRIDE__INIT;
    char *tokens[] = {(char *)"TARE_MISMATCH", (char *)""};
    fo.reason = (char *)"weighed twice";
    fo.n_tokens = 2;
    fo.tokens = tokens;
    Lpg__Event ov = LPG__EVENT__INIT;
    ov.body_case = LPG__EVENT__BODY_FILL_OVERRIDE;
    ov.fill_override = &fo;
    field = NULL;
    assert_int_equal(lpg_proto_empty_check(&ov.base, &field), LPG_EINVAL);
    assert_string_equal(field, "tokens");
    fo.n_tokens = 1;
    assert_int_equal(lpg_proto_empty_check(&ov.base, &field), LPG_OK);
}

static void
test_empty_request(void **state)
{
    (void)state;
    uint8_t id[LPG_REQUEST_ID_LEN] = {1};
    Lpg__GetUser q = LPG__GET_USER__INIT;
    q.user = (char *)"";
    Lpg__Request req = LPG__REQUEST__INIT;
    req.version = LPG_PROTOCOL_VERSION;
    req.request_id.data = id;
    req.request_id.len = sizeof id;
    req.body_case = LPG__REQUEST__BODY_GET_USER;
    req.get_user = &q;
    uint8_t buf[256];
    size_t len = lpg__request__pack(&req, buf);
    Lpg__Request *out = NULL;
    char why[128] = "";
    assert_int_equal(lpg_msg_decode_request(&out, buf, len, why, sizeof why),
                     LPG_EINVAL);
    assert_null(out);
    assert_non_null(strstr(why, "field 'user' is empty"));
    q.user = (char *)"U1";
    len = lpg__request__pack(&req, buf);
    assert_int_equal(lpg_msg_decode_request(&out, buf, len, why, sizeof why),
                     LPG_OK);
    lpg__request__free_unpacked(out, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit),
        cmocka_unit_test(test_advice),
        cmocka_unit_test(test_empty_event),
        cmocka_unit_test(test_empty_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

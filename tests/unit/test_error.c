/*  test_error.c - the one error enum: every code has words and a token,
 *  no two codes share a token (nor a token with a reason of the
 *  catalogue), and the tokens the services answer on the wire are codes
 *  of the enum with the status they always had.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "base/error.h"
#include "domain/reasons.h"
#include "net/msg.h"

#define S_LOWEST (-1000) /* below every band */

static bool
s_defined(int err)
{
    return strcmp(lpg_errtoken(err), "EUNKNOWN") != 0;
}

static bool
s_token_form(const char *t)
{
    if (!*t)
        return false;
    for (; *t; t++)
        if (!((*t >= 'A' && *t <= 'Z') || *t == '_'))
            return false;
    return true;
}

/*  Every code from 0 down: words and a token, or neither; no token
 *  twice. */
static void
test_tokens_unique(void **state)
{
    (void)state;
    static int codes[-S_LOWEST + 1];
    size_t n = 0;
    for (int err = 0; err >= S_LOWEST; err--) {
        bool has_words = strcmp(lpg_strerror(err), "unknown error") != 0;
        if (!s_defined(err)) {
            assert_false(has_words);
            continue;
        }
        assert_true(has_words);
        const char *t = lpg_errtoken(err);
        if (!s_token_form(t))
            fail_msg("code %d: token '%s' is not [A-Z_]+", err, t);
        for (size_t i = 0; i < n; i++)
            if (strcmp(lpg_errtoken(codes[i]), t) == 0)
                fail_msg("codes %d and %d share the token %s", codes[i], err,
                         t);
        codes[n++] = err;
    }
    assert_true(n >= 60); /* the walk saw the enum */
    assert_string_equal(lpg_errtoken(1), "EUNKNOWN");
    assert_string_equal(lpg_strerror(S_LOWEST - 1), "unknown error");
}

/*  A reply's token and its reasons' tokens share the wire: an error
 *  token never reads as a reason. */
static void
test_tokens_not_reasons(void **state)
{
    (void)state;
    for (int err = 0; err >= S_LOWEST; err--) {
        if (!s_defined(err))
            continue;
        const lpg_reason_t *r = lpg_reason(lpg_errtoken(err));
        if (r)
            fail_msg("code %d's token %s is also a reason", err, r->token);
    }
}

/*  The tokens the daemons answer, each a code of the enum, with the
 *  status the services always gave it. */
static const struct {
    const char *token;
    int err;
    Lpg__Status status;
} s_wire[] = {
    /* the service skeleton (net/service.c) */
    {"EFRAMES", LPG_EFRAMES, LPG__STATUS__STATUS_INVALID},
    {"ETOOBIG", LPG_ETOOBIG, LPG__STATUS__STATUS_INVALID},
    {"EMALFORMED", LPG_EMALFORMED, LPG__STATUS__STATUS_INVALID},
    {"EVERSION", LPG_EVERSION, LPG__STATUS__STATUS_INVALID},
    {"EUNKNOWNKEY", LPG_EUNKNOWNKEY, LPG__STATUS__STATUS_UNAUTHORIZED},
    {"EREVOKED", LPG_EREVOKED, LPG__STATUS__STATUS_UNAUTHORIZED},
    {"EBATCH", LPG_EBATCH, LPG__STATUS__STATUS_INVALID},
    {"EWRONGSERVICE", LPG_EWRONGSERVICE, LPG__STATUS__STATUS_INVALID},
    {"EUNSUPPORTED", LPG_EUNSUPPORTED, LPG__STATUS__STATUS_INVALID},
    {"EINTERNAL", LPG_EINTERNAL, LPG__STATUS__STATUS_INTERNAL},
    /* the registry */
    {"ECODE", LPG_ECODE, LPG__STATUS__STATUS_INVALID},
    {"EINVAL", LPG_EINVAL, LPG__STATUS__STATUS_INVALID},
    {"EPERM", LPG_EPERM, LPG__STATUS__STATUS_UNAUTHORIZED},
    {"ENOREVEAL", LPG_ENOREVEAL, LPG__STATUS__STATUS_UNAUTHORIZED},
    {"EREVEAL_EXPIRED", LPG_EREVEAL_EXPIRED, LPG__STATUS__STATUS_UNAUTHORIZED},
    {"EADDRESS_GIVEN", LPG_EADDRESS_GIVEN, LPG__STATUS__STATUS_CONFLICT},
    {"ERASED", LPG_ERASED, LPG__STATUS__STATUS_NOT_FOUND},
    {"ENOMASTER", LPG_ENOMASTER, LPG__STATUS__STATUS_UNAVAILABLE},
    {"ENOKEY", LPG_ENOKEY, LPG__STATUS__STATUS_NOT_FOUND},
    {"ECORRUPT", LPG_ECORRUPT, LPG__STATUS__STATUS_INTERNAL},
    /* the trace service */
    {"ERANGE", LPG_ERANGE, LPG__STATUS__STATUS_INVALID},
    {"ENOTFOUND", LPG_ENOTFOUND, LPG__STATUS__STATUS_NOT_FOUND},
};

static void
test_wire_tokens(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_wire / sizeof s_wire[0]; i++) {
        assert_string_equal(lpg_errtoken(s_wire[i].err), s_wire[i].token);
        if (lpg_msg_status(s_wire[i].err) != s_wire[i].status)
            fail_msg("%s: status %s, not %s", s_wire[i].token,
                     lpg_msg_status_name(lpg_msg_status(s_wire[i].err)),
                     lpg_msg_status_name(s_wire[i].status));
    }
}

/*  lpg_reply_error answers with the code's status, token and words. */
static void
test_reply_error(void **state)
{
    (void)state;
    lpg_reply_t r;
    lpg_reply_init(&r, NULL, 0);
    assert_int_equal(lpg_reply_error(&r, LPG_EUNSUPPORTED, NULL), LPG_OK);
    assert_int_equal(r.reply.status, LPG__STATUS__STATUS_INVALID);
    assert_string_equal(r.reply.token, "EUNSUPPORTED");
    assert_string_equal(r.reply.message,
                        "this service does not answer that request");
    assert_int_equal(lpg_reply_error(&r, LPG_ERASED, "user 'u' was erased"),
                     LPG_OK);
    assert_int_equal(r.reply.status, LPG__STATUS__STATUS_NOT_FOUND);
    assert_string_equal(r.reply.token, "ERASED");
    assert_string_equal(r.reply.message, "user 'u' was erased");
    lpg_reply_clear(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_unique),
        cmocka_unit_test(test_tokens_not_reasons),
        cmocka_unit_test(test_wire_tokens),
        cmocka_unit_test(test_reply_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*  test_order_address.c - the rule of a driver's look at the address of
 *  an order's household (lpg_order_address_judge, domain/order.h) as a
 *  table: every order status, for its driver, another driver of the same
 *  company, a driver of the same id at another company, and no order;
 *  the two new reasons in the catalogue with their words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/order.h"
#include "domain/order_rules.h"
#include "domain/reasons.h"

typedef struct {
    bool exists;
    Lpg__OrderStatus status;
    const char *assigned; /* the order's driver, NULL: not yet */
    const char *driver, *company;
    const char *want; /* the verdict's tokens, "" when shown */
} s_case_t;

#define S_PLACED LPG__ORDER_STATUS__ORDER_PLACED
#define S_ACCEPTED LPG__ORDER_STATUS__ORDER_ACCEPTED
#define S_ASSIGNED LPG__ORDER_STATUS__ORDER_ASSIGNED
#define S_OUT LPG__ORDER_STATUS__ORDER_OUT
#define S_DELIVERED LPG__ORDER_STATUS__ORDER_DELIVERED
#define S_CANCELLED LPG__ORDER_STATUS__ORDER_CANCELLED
#define S_REFUSED LPG__ORDER_STATUS__ORDER_REFUSED

static const s_case_t s_cases[] = {
    /* the order's own driver while it is open */
    {true, S_ASSIGNED, "D1", "D1", "NT", ""},
    {true, S_OUT, "D1", "D1", "NT", ""},
    /* closed */
    {true, S_DELIVERED, "D1", "D1", "NT", "ORDER_CLOSED"},
    {true, S_CANCELLED, "D1", "D1", "NT", "ORDER_CLOSED"},
    {true, S_REFUSED, NULL, "D1", "NT", "ORDER_NOT_YOURS ORDER_CLOSED"},
    /* nobody's yet */
    {true, S_PLACED, NULL, "D1", "NT", "ORDER_NOT_YOURS"},
    {true, S_ACCEPTED, NULL, "D1", "NT", "ORDER_NOT_YOURS"},
    {true, S_CANCELLED, NULL, "D1", "NT", "ORDER_NOT_YOURS ORDER_CLOSED"},
    /* another driver, open and closed */
    {true, S_ASSIGNED, "D1", "D2", "NT", "ORDER_NOT_YOURS"},
    {true, S_OUT, "D1", "D2", "NT", "ORDER_NOT_YOURS"},
    {true, S_DELIVERED, "D1", "D2", "NT", "ORDER_NOT_YOURS ORDER_CLOSED"},
    /* the same staff id at another company is another person */
    {true, S_ASSIGNED, "D1", "D1", "OT", "ORDER_NOT_YOURS"},
    /* no driver named, no company known */
    {true, S_ASSIGNED, "D1", NULL, "NT", "ORDER_NOT_YOURS"},
    {true, S_ASSIGNED, "D1", "D1", NULL, "ORDER_NOT_YOURS"},
    /* no such order */
    {false, S_ASSIGNED, NULL, "D1", "NT", "ORDER_UNKNOWN"},
};

static void
test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_cases / sizeof *s_cases; i++) {
        const s_case_t *c = &s_cases[i];
        Lpg__OrderState o = LPG__ORDER_STATE__INIT;
        o.company = "NT";
        o.user = "U1";
        o.status = c->status;
        o.driver = (char *)c->assigned;
        lpg_verdict_t v = {.allow = true};
        lpg_order_address_judge(c->exists ? &o : NULL, c->driver, c->company,
                                &v);
        lpg_verdict_sort(&v);
        char got[256];
        assert_int_equal(lpg_verdict_tokens(&v, got, sizeof got), 0);
        if (strcmp(got, c->want) != 0)
            fail_msg("case %zu (%s, driver %s at %s): got '%s', want '%s'", i,
                     lpg_order_status_word(c->status),
                     c->driver ? c->driver : "-",
                     c->company ? c->company : "-", got, c->want);
        assert_int_equal(v.allow, *c->want == '\0');
        for (size_t k = 0; k < v.n; k++) {
            assert_true(v.reasons[k].zh[0] != '\0');
            assert_true(v.reasons[k].en[0] != '\0');
        }
    }
}

static void
test_open(void **state)
{
    (void)state;
    Lpg__OrderState o = LPG__ORDER_STATE__INIT;
    assert_false(lpg_order_is_open(NULL));
    Lpg__OrderStatus open[] = {S_ASSIGNED, S_OUT};
    Lpg__OrderStatus closed[] = {S_PLACED, S_ACCEPTED, S_DELIVERED,
                                 S_CANCELLED, S_REFUSED};
    for (size_t i = 0; i < 2; i++) {
        o.status = open[i];
        assert_true(lpg_order_is_open(&o));
    }
    for (size_t i = 0; i < 5; i++) {
        o.status = closed[i];
        assert_false(lpg_order_is_open(&o));
    }
}

static void
test_catalogue(void **state)
{
    (void)state;
    const char *tokens[] = {"ORDER_NOT_YOURS", "ORDER_CLOSED"};
    for (size_t i = 0; i < 2; i++) {
        const lpg_reason_t *r = lpg_reason(tokens[i]);
        assert_non_null(r);
        assert_string_equal(r->token, tokens[i]);
        assert_int_equal(r->kind, LPG_REASON_REFUSAL);
        assert_false(r->overridable);
        assert_true(strlen(r->zh) > 0 && strlen(r->en) > 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

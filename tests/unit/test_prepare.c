/*  test_prepare.c - a JSON step to Event bytes (domain/prepare.h): each
 *  step gives byte for byte the Event lpg-scan builds for it (built here
 *  by hand as scanner/ builds it); a code with Caps Lock is corrected, a
 *  forged one names no cylinder; the order desk's steps give the Event
 *  `lpgtrace order` builds, and only when asked for; and a table of bad
 *  steps, each refused naming its field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "codes/code.h"
#include "crypto/crypto.h"
#include "domain/prepare.h"
#include "ledger/event.h"

#define RESOLVER "id.lpg.example"
#define NOW_MS 1773540000000ull
#define ID_HEX "00112233445566778899aabbccddeeff"

static lpg_key_t *s_authority;
static lpg_key_t *s_other;
static char s_code[LPG_CODE_MAX_TEXT + 1];   /* issued by the authority */
static char s_forged[LPG_CODE_MAX_TEXT + 1]; /* signed by another key */
static char s_grai[LPG_CODE_GRAI_MAX + 1];
static const uint8_t s_id[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                 0xcc, 0xdd, 0xee, 0xff};

static int
s_setup(void **state)
{
    (void)state;
    uint8_t seed[32];
    memset(seed, 0x11, sizeof seed);
    if (lpg_key_from_raw_private(&s_authority, seed) != LPG_OK)
        return -1;
    memset(seed, 0x22, sizeof seed);
    if (lpg_key_from_raw_private(&s_other, seed) != LPG_OK)
        return -1;
    if (lpg_code_issue(s_authority, RESOLVER, "6291041", "50021", "AB12CD", 1,
                       s_code, sizeof s_code) != LPG_OK ||
        lpg_code_issue(s_other, RESOLVER, "6291041", "50021", "AB12CD", 1,
                       s_forged, sizeof s_forged) != LPG_OK)
        return -1;
    lpg_code_t parsed;
    if (lpg_code_parse(s_code, strlen(s_code), NULL, &parsed) != LPG_OK)
        return -1;
    snprintf(s_grai, sizeof s_grai, "%s", parsed.grai);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    lpg_key_destroy(&s_authority);
    lpg_key_destroy(&s_other);
    return 0;
}

static const lpg_prepare_opts_t s_opts = {NULL, RESOLVER, NOW_MS};

static lpg_prepare_opts_t
s_with_authority(void)
{
    lpg_prepare_opts_t o = s_opts;
    o.authority = s_authority;
    return o;
}

/*  The Event lpg-scan would build: id and time as the JSON says. */
static void
s_event_init(Lpg__Event *ev)
{
    lpg__event__init(ev);
    ev->event_id.data = (uint8_t *)s_id;
    ev->event_id.len = 16;
    ev->device_time_ms = NOW_MS;
}

/*  Prepares json and checks the bytes are those of want. */
static void
s_same(const char *json, const lpg_prepare_opts_t *o, const Lpg__Event *want)
{
    lpg_prepared_t p;
    int rc = lpg_prepare(&p, json, strlen(json), o);
    if (rc != LPG_OK)
        fprintf(stderr, "%s: %s\n", p.field, p.why);
    assert_int_equal(rc, LPG_OK);
    size_t len = lpg__event__get_packed_size(want);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    lpg__event__pack(want, buf);
    assert_int_equal(p.len, len);
    assert_memory_equal(p.event, buf, len);
    assert_memory_equal(p.event_id, s_id, 16);
    assert_int_equal(p.body, want->body_case);
    free(buf);
    lpg_prepared_clear(&p);
    lpg_prepared_clear(&p); /* safe twice */
}

static void
test_delivery_steps(void **state)
{
    (void)state;
    lpg_prepare_opts_t o = s_with_authority();
    char json[2048];
    Lpg__Event ev;
    Lpg__CheckItem items[2] = {LPG__CHECK_ITEM__INIT, LPG__CHECK_ITEM__INIT};
    Lpg__CheckItem *ptrs[2] = {&items[0], &items[1]};
    items[0].item = "hose";
    items[0].ok = true;
    items[1].item = "leak";
    items[1].ok = false;

    Lpg__Dispatch dis = LPG__DISPATCH__INIT;
    s_event_init(&ev);
    ev.cylinder = s_grai;
    ev.actor = "DRV1";
    ev.site = "S1";
    dis.vehicle = "SU-A001";
    dis.code = s_code;
    ev.body_case = LPG__EVENT__BODY_DISPATCH;
    ev.dispatch = &dis;
    snprintf(json, sizeof json,
             "{\"step\":\"dispatch\",\"event_id\":\"%s\",\"device_time_ms\":"
             "%llu,\"actor\":\"DRV1\",\"code\":\"%s\",\"vehicle\":"
             "\"SU-A001\",\"site\":\"S1\"}",
             ID_HEX, NOW_MS, s_code);
    s_same(json, &o, &ev);

    Lpg__Delivery del = LPG__DELIVERY__INIT;
    s_event_init(&ev);
    ev.cylinder = s_grai;
    ev.actor = "DRV1";
    ev.user = "U1";
    del.vehicle = "SU-A001";
    del.gas_cert = "https://id.lpg.example/gc/NT/U1?n=GC-U1";
    del.n_checks = 2;
    del.checks = ptrs;
    del.code = s_code;
    ev.body_case = LPG__EVENT__BODY_DELIVERY;
    ev.delivery = &del;
    /* device time left out: now */
    snprintf(json, sizeof json,
             "{\"step\":\"deliver\",\"event_id\":\"%s\",\"actor\":\"DRV1\","
             "\"code\":\"%s\",\"vehicle\":\"SU-A001\",\"user\":\"U1\","
             "\"gas_cert\":\"https://id.lpg.example/gc/NT/U1?n=GC-U1\","
             "\"checks\":[{\"item\":\"hose\",\"ok\":true},{\"ok\":false,"
             "\"item\":\"leak\"}]}",
             ID_HEX, s_code);
    s_same(json, &o, &ev);

    Lpg__Collection col = LPG__COLLECTION__INIT;
    s_event_init(&ev);
    ev.cylinder = s_grai;
    ev.user = "U1";
    col.vehicle = "SU-A001";
    col.code = s_code;
    ev.body_case = LPG__EVENT__BODY_COLLECTION;
    ev.collection = &col;
    snprintf(json, sizeof json,
             "{\"step\":\"collect\",\"event_id\":\"%s\",\"code\":\"%s\","
             "\"vehicle\":\"SU-A001\",\"user\":\"U1\"}",
             ID_HEX, s_code);
    s_same(json, &o, &ev);

    /* Caps Lock: the corrected text is sent, naming its cylinder */
    char swapped[LPG_CODE_MAX_TEXT + 1];
    snprintf(swapped, sizeof swapped, "%s", s_code);
    for (char *p = swapped; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    Lpg__Return ret = LPG__RETURN__INIT;
    s_event_init(&ev);
    ev.cylinder = s_grai;
    ev.site = "S1";
    ret.vehicle = "SU-A001";
    ret.code = s_code;
    ev.body_case = LPG__EVENT__BODY_STATION_RETURN;
    ev.station_return = &ret;
    snprintf(json, sizeof json,
             "{\"step\":\"return\",\"event_id\":\"%s\",\"code\":\"%s\","
             "\"vehicle\":\"SU-A001\",\"site\":\"S1\"}",
             ID_HEX, swapped);
    s_same(json, &o, &ev);

    /* a forged code: sent as scanned, naming no cylinder */
    ev.cylinder = NULL;
    ret.code = s_forged;
    snprintf(json, sizeof json,
             "{\"step\":\"return\",\"event_id\":\"%s\",\"code\":\"%s\","
             "\"vehicle\":\"SU-A001\",\"site\":\"S1\"}",
             ID_HEX, s_forged);
    s_same(json, &o, &ev);
}

static void
test_inspection_steps(void **state)
{
    (void)state;
    char json[2048];
    Lpg__Event ev;
    Lpg__CheckItem item = LPG__CHECK_ITEM__INIT;
    Lpg__CheckItem *ptr = &item;
    item.item = "hose_metal";
    item.ok = false;
    uint8_t hash[32];
    memset(hash, 0xab, sizeof hash);
    ProtobufCBinaryData photo = {32, hash};
    Lpg__HouseholdInspection hi = LPG__HOUSEHOLD_INSPECTION__INIT;
    s_event_init(&ev);
    ev.user = "U1";
    ev.actor = "INS1";
    hi.n_checks = 1;
    hi.checks = &ptr;
    hi.n_photo_hashes = 1;
    hi.photo_hashes = &photo;
    hi.acknowledged_by_user = true;
    ev.body_case = LPG__EVENT__BODY_HOUSEHOLD_INSPECTION;
    ev.household_inspection = &hi;
    char hex[65];
    lpg_hex(hash, 32, hex);
    snprintf(json, sizeof json,
             "{\"step\":\"inspect\",\"event_id\":\"%s\",\"actor\":\"INS1\","
             "\"user\":\"U1\",\"checks\":[{\"item\":\"hose_metal\",\"ok\":"
             "false}],\"photo_hashes\":[\"%s\"],\"acknowledged\":true}",
             ID_HEX, hex);
    s_same(json, &s_opts, &ev);

    Lpg__HazardRectified hr = LPG__HAZARD_RECTIFIED__INIT;
    s_event_init(&ev);
    hr.hazard = "hazard/U1/" ID_HEX "/hose_metal";
    ev.body_case = LPG__EVENT__BODY_HAZARD_RECTIFIED;
    ev.hazard_rectified = &hr;
    snprintf(json, sizeof json,
             "{\"step\":\"rectify\",\"event_id\":\"%s\",\"hazard\":"
             "\"hazard/U1/%s/hose_metal\"}",
             ID_HEX, ID_HEX);
    s_same(json, &s_opts, &ev);

    Lpg__PeriodicInspection pi = LPG__PERIODIC_INSPECTION__INIT;
    s_event_init(&ev);
    ev.cylinder = s_grai;
    pi.pass = true;
    pi.has_next_inspection_ymd = true;
    pi.next_inspection_ymd = 20300401;
    pi.body = "IB1";
    ev.body_case = LPG__EVENT__BODY_PERIODIC_INSPECTION;
    ev.periodic_inspection = &pi;
    snprintf(json, sizeof json,
             "{\"step\":\"periodic\",\"event_id\":\"%s\",\"code\":\"%s\","
             "\"pass\":true,\"next_inspection\":\"2030-04-01\",\"body\":"
             "\"IB1\"}",
             ID_HEX, s_code);
    s_same(json, &s_opts, &ev);
}

static void
test_fill_steps(void **state)
{
    (void)state;
    char json[2048];
    Lpg__Event ev;
    Lpg__CheckItem item = LPG__CHECK_ITEM__INIT;
    Lpg__CheckItem *ptr = &item;
    item.item = "corrosion";
    item.ok = true;
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    s_event_init(&ev);
    ev.cylinder = s_grai;
    ev.site = "S1";
    ev.actor = "OP-S1";
    fc.code = s_code;
    fc.empty_g = 15100;
    fc.n_checks = 1;
    fc.checks = &ptr;
    ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
    ev.fill_check = &fc;
    snprintf(json, sizeof json,
             "{\"step\":\"fill_check\",\"event_id\":\"%s\",\"code\":\"%s\","
             "\"empty_g\":15100,\"checks\":[{\"item\":\"corrosion\",\"ok\":"
             "true}],\"site\":\"S1\",\"actor\":\"OP-S1\"}",
             ID_HEX, s_code);
    /* without the authority key the station parses the code only */
    s_same(json, &s_opts, &ev);

    Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
    s_event_init(&ev);
    ev.cylinder = s_grai;
    ev.site = "S1";
    fr.allow_event_id.data = (uint8_t *)s_id;
    fr.allow_event_id.len = 16;
    fr.full_g = 29500;
    fr.leak_ok = true;
    fr.scale = "SC1";
    ev.body_case = LPG__EVENT__BODY_FILL_RECORD;
    ev.fill_record = &fr;
    snprintf(json, sizeof json,
             "{\"step\":\"fill_record\",\"event_id\":\"%s\","
             "\"allow_event_id\":\"%s\",\"cylinder\":\"%s\",\"full_g\":29500,"
             "\"leak_ok\":true,\"scale\":\"SC1\",\"site\":\"S1\"}",
             ID_HEX, ID_HEX, s_grai);
    s_same(json, &s_opts, &ev);
}

/*  A fresh id each time the step names none. */
static void
test_fresh_id(void **state)
{
    (void)state;
    const char *json = "{\"step\":\"rectify\",\"hazard\":\"hazard/U1/x/y\"}";
    lpg_prepared_t a, b;
    assert_int_equal(lpg_prepare(&a, json, strlen(json), &s_opts), LPG_OK);
    assert_int_equal(lpg_prepare(&b, json, strlen(json), &s_opts), LPG_OK);
    assert_memory_not_equal(a.event_id, b.event_id, 16);
    assert_string_equal(a.service, "inspection");
    lpg_prepared_clear(&a);
    lpg_prepared_clear(&b);
}

typedef struct {
    const char *json; /* "@" is replaced by the code */
    int rc;
    const char *field;
} s_bad_t;

static const s_bad_t s_bad[] = {
    {"", LPG_EMALFORMED, ""},
    {"[1]", LPG_EMALFORMED, ""},
    {"{\"step\":\"dispatch\",\"step\":\"deliver\"}", LPG_EMALFORMED, ""},
    {"{}", LPG_EINVAL, "step"},
    {"{\"step\":\"fly\"}", LPG_EINVAL, "step"},
    {"{\"step\":7}", LPG_EINVAL, "step"},
    {"{\"step\":\"dispatch\",\"vehicle\":\"V\"}", LPG_EINVAL, "code"},
    {"{\"step\":\"dispatch\",\"code\":\"@\"}", LPG_EINVAL, "vehicle"},
    {"{\"step\":\"dispatch\",\"code\":\"@\",\"vehicle\":\"\"}", LPG_EINVAL,
     "vehicle"},
    /* jansson refuses \u0000 itself */
    {"{\"step\":\"dispatch\",\"code\":\"@\",\"vehicle\":\"a\\u0000b\"}",
     LPG_EMALFORMED, ""},
    {"{\"step\":\"dispatch\",\"code\":\"@\",\"vehicle\":\"a\\nb\"}",
     LPG_EINVAL, "vehicle"},
    {"{\"step\":\"dispatch\",\"code\":\"@\",\"vehicle\":\"V\",\"user\":\"U\"}",
     LPG_EINVAL, "user"},
    {"{\"step\":\"dispatch\",\"code\":\"@\",\"vehicle\":\"V\",\"event_id\":"
     "\"00\"}",
     LPG_EINVAL, "event_id"},
    {"{\"step\":\"dispatch\",\"code\":\"@\",\"vehicle\":\"V\","
     "\"device_time_ms\":0}",
     LPG_EINVAL, "device_time_ms"},
    {"{\"step\":\"dispatch\",\"code\":\"@\",\"vehicle\":\"V\","
     "\"device_time_ms\":1.5}",
     LPG_EINVAL, "device_time_ms"},
    {"{\"step\":\"deliver\",\"code\":\"@\",\"vehicle\":\"V\"}", LPG_EINVAL,
     "user"},
    {"{\"step\":\"deliver\",\"code\":\"@\",\"vehicle\":\"V\",\"user\":\"U\","
     "\"checks\":{}}",
     LPG_EINVAL, "checks"},
    {"{\"step\":\"deliver\",\"code\":\"@\",\"vehicle\":\"V\",\"user\":\"U\","
     "\"checks\":[{\"item\":\"hose\"}]}",
     LPG_EINVAL, "checks[0].ok"},
    {"{\"step\":\"deliver\",\"code\":\"@\",\"vehicle\":\"V\",\"user\":\"U\","
     "\"checks\":[{\"item\":\"hose\",\"ok\":true},{\"item\":\"hose\",\"ok\":"
     "true}]}",
     LPG_EINVAL, "checks[1].item"},
    {"{\"step\":\"deliver\",\"code\":\"@\",\"vehicle\":\"V\",\"user\":\"U\","
     "\"checks\":[{\"item\":\"hose\",\"ok\":true,\"x\":1}]}",
     LPG_EINVAL, "checks[0].x"},
    {"{\"step\":\"deliver\",\"code\":\"@\",\"vehicle\":\"V\",\"user\":\"U\","
     "\"gas_cert\":1}",
     LPG_EINVAL, "gas_cert"},
    {"{\"step\":\"inspect\",\"user\":\"U\",\"acknowledged\":true,\"checks\":"
     "[{\"item\":\"hose\",\"ok\":true}]}",
     LPG_EINVAL, "checks[0].item"},
    {"{\"step\":\"inspect\",\"user\":\"U\",\"acknowledged\":true,\"checks\":"
     "[]}",
     LPG_EINVAL, "checks"},
    {"{\"step\":\"inspect\",\"user\":\"U\",\"checks\":[{\"item\":\"valve\","
     "\"ok\":true}]}",
     LPG_EINVAL, "acknowledged"},
    {"{\"step\":\"inspect\",\"user\":\"U\",\"acknowledged\":true,\"checks\":"
     "[{\"item\":\"valve\",\"ok\":true}],\"photo_hashes\":[\"ab\"]}",
     LPG_EINVAL, "photo_hashes[0]"},
    {"{\"step\":\"periodic\",\"code\":\"@\",\"pass\":true,\"body\":\"B\"}",
     LPG_EINVAL, "next_inspection"},
    {"{\"step\":\"periodic\",\"code\":\"@\",\"pass\":true,\"body\":\"B\","
     "\"next_inspection\":\"2030-02-30\"}",
     LPG_EINVAL, "next_inspection"},
    {"{\"step\":\"periodic\",\"code\":\"nonsense\",\"pass\":false,\"body\":"
     "\"B\"}",
     LPG_EINVAL, "code"},
    {"{\"step\":\"fill_check\",\"code\":\"@\"}", LPG_EINVAL, "empty_g"},
    {"{\"step\":\"fill_check\",\"code\":\"@\",\"empty_g\":-1}", LPG_EINVAL,
     "empty_g"},
    {"{\"step\":\"fill_record\",\"allow_event_id\":\"" ID_HEX
     "\",\"full_g\":1,\"leak_ok\":true}",
     LPG_EINVAL, "cylinder"},
    {"{\"step\":\"fill_record\",\"allow_event_id\":\"xyz\",\"full_g\":1,"
     "\"leak_ok\":true,\"cylinder\":\"G\"}",
     LPG_EINVAL, "allow_event_id"},
    {"{\"step\":\"fill_record\",\"allow_event_id\":\"" ID_HEX
     "\",\"full_g\":1,\"leak_ok\":true,\"cylinder\":\"0629\",\"code\":\"@\"}",
     LPG_EINVAL, "cylinder"},
    {"{\"step\":\"rectify\",\"hazard\":\"" ID_HEX ID_HEX ID_HEX ID_HEX ID_HEX
         ID_HEX ID_HEX "\"}",
     LPG_EINVAL, "hazard"},
};

/*  json with "@" replaced by the code. */
static void
s_fill(char *out, size_t outsz, const char *json)
{
    size_t n = 0;
    for (const char *p = json; *p && n + 1 < outsz; p++) {
        if (*p == '@') {
            n += (size_t)snprintf(out + n, outsz - n, "%s", s_code);
            continue;
        }
        out[n++] = *p;
    }
    out[n < outsz ? n : outsz - 1] = '\0';
}

static void
test_refusals(void **state)
{
    (void)state;
    lpg_prepare_opts_t o = s_with_authority();
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        char json[2048];
        s_fill(json, sizeof json, s_bad[i].json);
        lpg_prepared_t p;
        int rc = lpg_prepare(&p, json, strlen(json), &o);
        if (rc != s_bad[i].rc || strcmp(p.field, s_bad[i].field) != 0)
            fail_msg("case %zu %s: rc %d field '%s' (%s), wanted %d '%s'", i,
                     json, rc, p.field, p.why, s_bad[i].rc, s_bad[i].field);
        assert_null(p.event);
        assert_true(p.why[0] != '\0');
        lpg_prepared_clear(&p);
    }
}

/*  The delivery steps need the authority key: the handheld checks the
 *  code before it sends the step. */
static void
test_delivery_needs_authority(void **state)
{
    (void)state;
    char json[1024];
    snprintf(json, sizeof json,
             "{\"step\":\"dispatch\",\"code\":\"%s\",\"vehicle\":\"V\"}",
             s_code);
    lpg_prepared_t p;
    assert_int_equal(lpg_prepare(&p, json, strlen(json), &s_opts),
                     LPG_ECONFIG);
    assert_string_equal(p.field, "code");
    lpg_prepared_clear(&p);
}

static void
test_size_bound(void **state)
{
    (void)state;
    size_t n = LPG_PREPARE_MAX_JSON + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    lpg_prepared_t p;
    assert_int_equal(lpg_prepare(&p, big, n, &s_opts), LPG_EMALFORMED);
    lpg_prepared_clear(&p);
    free(big);
}

/*  The order desk's steps: the Event `lpgtrace order` builds (Event.company,
 *  the body; assign's actor is the driver), and only with opts.orders. */
static void
test_order_steps(void **state)
{
    (void)state;
    lpg_prepare_opts_t o = s_opts;
    o.orders = true;
    Lpg__Event ev;

    s_event_init(&ev);
    Lpg__OrderPlace p = LPG__ORDER_PLACE__INIT;
    p.order = "P1";
    p.spec = "YSP15";
    p.count = 2;
    p.slot_from_ms = 1000;
    p.slot_to_ms = 2000;
    p.channel = "phone";
    ev.company = "NT";
    ev.user = "U1";
    ev.body_case = LPG__EVENT__BODY_ORDER_PLACE;
    ev.order_place = &p;
    s_same("{\"step\":\"order_place\",\"event_id\":\"" ID_HEX
           "\",\"device_time_ms\":1773540000000,\"order\":\"P1\","
           "\"company\":\"NT\",\"user\":\"U1\",\"spec\":\"YSP15\","
           "\"count\":2,\"slot_from_ms\":1000,\"slot_to_ms\":2000,"
           "\"channel\":\"phone\"}",
           &o, &ev);

    s_event_init(&ev);
    Lpg__OrderAssign as = LPG__ORDER_ASSIGN__INIT;
    as.order = "P1";
    as.driver = "DRV1";
    as.vehicle = "SU-A001";
    ev.company = "NT";
    ev.actor = "DRV1";
    ev.body_case = LPG__EVENT__BODY_ORDER_ASSIGN;
    ev.order_assign = &as;
    const char *assign =
        "{\"step\":\"order_assign\",\"event_id\":\"" ID_HEX
        "\",\"order\":\"P1\",\"company\":\"NT\",\"driver\":\"DRV1\","
        "\"vehicle\":\"SU-A001\"}";
    s_same(assign, &o, &ev);

    s_event_init(&ev);
    Lpg__OrderDelivered d = LPG__ORDER_DELIVERED__INIT;
    uint64_t seqs[] = {29, 31};
    d.order = "P1";
    d.n_delivery_seq = 2;
    d.delivery_seq = seqs;
    ev.company = "NT";
    ev.body_case = LPG__EVENT__BODY_ORDER_DELIVERED;
    ev.order_delivered = &d;
    s_same("{\"step\":\"order_delivered\",\"event_id\":\"" ID_HEX
           "\",\"order\":\"P1\",\"company\":\"NT\","
           "\"delivery_seq\":[29,31]}",
           &o, &ev);

    s_event_init(&ev);
    Lpg__OrderCancel c = LPG__ORDER_CANCEL__INIT;
    c.order = "P1";
    c.by = "company";
    c.reason = "caller asked";
    ev.company = "NT";
    ev.body_case = LPG__EVENT__BODY_ORDER_CANCEL;
    ev.order_cancel = &c;
    s_same("{\"step\":\"order_cancel\",\"event_id\":\"" ID_HEX
           "\",\"order\":\"P1\",\"company\":\"NT\",\"by\":\"company\","
           "\"reason\":\"caller asked\"}",
           &o, &ev);

    /* without opts.orders (the handheld API) they are no step */
    lpg_prepared_t pr;
    assert_int_equal(lpg_prepare(&pr, assign, strlen(assign), &s_opts),
                     LPG_EINVAL);
    assert_string_equal(pr.field, "step");
    lpg_prepared_clear(&pr);

    static const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"step\":\"order_accept\",\"order\":\"P1\"}", "company"},
        {"{\"step\":\"order_accept\",\"company\":\"NT\"}", "order"},
        {"{\"step\":\"order_assign\",\"order\":\"P1\",\"company\":"
         "\"NT\",\"driver\":\"D\"}",
         "vehicle"},
        {"{\"step\":\"order_place\",\"order\":\"P1\",\"company\":\"NT\","
         "\"user\":\"U\",\"spec\":\"S\",\"count\":0,\"slot_from_ms\":1,"
         "\"slot_to_ms\":2}",
         "count"},
        {"{\"step\":\"order_place\",\"order\":\"P1\",\"company\":\"NT\","
         "\"user\":\"U\",\"spec\":\"S\",\"count\":1,\"slot_from_ms\":1}",
         "slot_to_ms"},
        {"{\"step\":\"order_refuse\",\"order\":\"P1\",\"company\":\"NT\"}",
         "reason"},
        {"{\"step\":\"order_delivered\",\"order\":\"P1\",\"company\":"
         "\"NT\",\"delivery_seq\":[]}",
         "delivery_seq"},
        {"{\"step\":\"order_delivered\",\"order\":\"P1\",\"company\":"
         "\"NT\",\"delivery_seq\":[1,-2]}",
         "delivery_seq[1]"},
        {"{\"step\":\"order_accept\",\"order\":\"P1\",\"company\":\"NT\","
         "\"driver\":\"D\"}",
         "driver"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = lpg_prepare(&pr, bad[i].json, strlen(bad[i].json), &o);
        if (rc != LPG_EINVAL || strcmp(pr.field, bad[i].field) != 0)
            fail_msg("order case %zu: rc %d field '%s' (%s), wanted '%s'", i,
                     rc, pr.field, pr.why, bad[i].field);
        assert_null(pr.event);
        lpg_prepared_clear(&pr);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivery_steps),
        cmocka_unit_test(test_inspection_steps),
        cmocka_unit_test(test_fill_steps),
        cmocka_unit_test(test_fresh_id),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_delivery_needs_authority),
        cmocka_unit_test(test_size_bound),
        cmocka_unit_test(test_order_steps),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}

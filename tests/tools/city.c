/*  city.c - builds a whole city through the real services, for the
 *  end-to-end test of recall and the reports: companies, stations, staff,
 *  vehicles and devices (signed here with the authority key), users and
 *  cylinders (through `lpgtrace user import` and `cylinder import`), then
 *  two rounds of cylinder life: fills (some refused on purpose), dispatch,
 *  delivery, household inspections, rectifications, collections, returns.
 *  Every delivery the city means to make starts from an order placed,
 *  accepted and assigned through lpg-orderd, names it at the door, and the
 *  order is marked delivered; an order the rules refuse up front is not
 *  driven out. A few staged deliveries have no order (NO_ORDER).
 *
 *    city --home H --dir D [--cylinders N] [--users N]
 *
 *  Every action goes to D/record.tsv, one line each, in plain words: what
 *  was sent, by which device and person, at what device time, and the
 *  service's answer (status, sequence number, reason tokens, delay). A
 *  separate reference reads only that file to predict what the regulator's
 *  commands must print; it never reads the ledger.
 */
#include "net/client.h"
#include "codes/code.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "codes/gascert.h"
#include "ledger/event.h"
#include "base/clock.h"
#include "domain/fill_rules.h"
#include "domain/inspection.h"
#include "net/transport.h"

#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

#define S_TYPE "00015" /* asset type: 15 kg cylinder */
#define S_FILL_G 14500
#define S_LATE_MS 1800000 /* a late handheld event: 30 minutes old */
#define S_BATCH 100       /* events per SubmitMany */
#define S_MAXQ 8192

enum { S_NT, S_HA, S_NCOMPANY };
#define S_NSTATION 8
#define S_NDRIVER 3 /* per company, one vehicle each */
#define S_NAREA 6

static const char *s_company[S_NCOMPANY] = {"NT", "HA"};
static const char *s_prefix[S_NCOMPANY] = {"6905555", "6906666"};

typedef struct s_city s_city_t;

/* custody, as this generator believes it from the answers it got */
typedef enum { C_EMPTY, C_FULL, C_TRANSIT, C_USER, C_COLLECTED } s_custody_t;

typedef struct {
    char grai[LPG_CODE_GRAI_MAX + 1];
    char serial[24];
    char code[LPG_CODE_MAX_TEXT + 1];
    int company, home;
    uint32_t tare_g, next_ymd;
    s_custody_t custody;
    int holder; /* user index, -1 */
    bool held;  /* quarantined: no more fills or dispatch */
    uint8_t allow[LPG_EVENT_ID_LEN];
    bool has_allow;
    char order[32]; /* this round's order, "" for none */
    int order_step; /* 0 none, 1 placed, 2 accepted, 3 assigned, 4 done */
    uint64_t delivery_seq; /* the accepted delivery naming it, 0 */
} s_cyl_t;

typedef struct {
    char id[24];
    int company, area;
    const char *kind; /* household, restaurant, business */
    char name[32];
    bool erased;
} s_user_t;

typedef struct {
    char name[48];
    lpg_key_t *key;
    uint8_t curve_pub[32], curve_sec[32];
    lpg_client_t *client;
    const char *service;
} s_device_t;

/* one queued event and what to do with its answer */
typedef enum {
    K_FILL_CHECK,
    K_FILL_RECORD,
    K_DISPATCH,
    K_DELIVERY,
    K_COLLECTION,
    K_RETURN,
    K_INSPECTION,
    K_RECTIFY,
    K_ORDER_PLACE,
    K_ORDER_ACCEPT,
    K_ORDER_ASSIGN,
    K_ORDER_DELIVERED
} s_kind_t;

typedef struct {
    s_kind_t kind;
    int cyl, user;
    uint8_t *data;
    size_t len;
    uint8_t id[LPG_EVENT_ID_LEN];
    char line[640];       /* the record line so far */
    char hazards[4][160]; /* inspection: hazard keys of failed items */
    int nhazards;
} s_item_t;

typedef struct {
    s_device_t *dev;
    s_item_t *items;
    size_t n;
} s_queue_t;

struct s_city {
    lpg_config_t *cfg;
    lpg_key_t *authority;
    const char *home, *dir, *resolver;
    FILE *rec;
    unsigned ncyl, nuser;
    s_cyl_t *cyls;
    s_user_t *users;
    s_device_t scanners[S_NSTATION];
    s_device_t handhelds[S_NCOMPANY][S_NDRIVER];
    s_device_t inspectors[S_NCOMPANY];
    s_device_t admins[S_NCOMPANY]; /* company-admin keys: gas-use certs */
    s_device_t desks[S_NCOMPANY];  /* company-admin keys: the order desk */
    s_queue_t queues[S_NSTATION + S_NCOMPANY * S_NDRIVER + 2 * S_NCOMPANY];
    size_t nqueues;
    /* open hazards by key, for rectification */
    char (*hazards)[160];
    int *hazard_user;
    size_t nhaz, caphaz;
    uint64_t sent;
    int64_t clock_ms;  /* the devices' clocks against the real one */
    unsigned failures; /* answers that were no answer at all */
};

static void
s_die(const char *what, int rc)
{
    fprintf(stderr, "city: %s: %s\n", what, lpg_strerror(rc));
    exit(1);
}

static uint64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the city's plan: names and places -------------------------------- */

static void
s_station_id(int i, char out[16])
{
    snprintf(out, 16, "S%d", i + 1);
}

static int
s_station_company(int i)
{
    return i % S_NCOMPANY;
}

/*  Stations 0-3 are in one town, 4-7 in another about 100 km away; in a
 *  town they stand less than 2 km apart. */
static void
s_station_place(int i, int32_t *lat, int32_t *lon)
{
    bool far = i >= 4;
    *lat = (far ? 31230000 : 31980000) + (i % 4) * 4000;
    *lon = (far ? 121470000 : 120890000) + (i % 4) * 3000;
}

static void
s_area(int a, char out[24])
{
    snprintf(out, 24, "3206020%02d", a + 1);
}

static void
s_operator(int station, int k, char out[24])
{
    snprintf(out, 24, "OP-S%d-%d", station + 1, k);
}

static void
s_driver(int company, int k, char out[24])
{
    snprintf(out, 24, "DRV-%s-%d", s_company[company], k);
}

static void
s_vehicle(int company, int k, char out[24])
{
    snprintf(out, 24, "SUF-%s-%d", s_company[company], k);
}

static void
s_inspector(int company, char out[24])
{
    snprintf(out, 24, "IN-%s", s_company[company]);
}

/*  The user's gas-use certificate number (供气使用凭证), as registered. */
static void
s_cert_no(const s_user_t *u, char *out, size_t outsz)
{
    snprintf(out, outsz, "GC-%s", u->id);
}

/*  What the driver scans at the user's door, Delivery.gas_cert: the one
 *  place that makes it (today the certificate number itself). wrong: a
 *  certificate that is not the user's. */
static void
s_gas_cert(const s_city_t *c, const s_user_t *u, bool wrong, char *out,
           size_t outsz)
{
    char no[40], shown[48];
    s_cert_no(u, no, sizeof no);
    snprintf(shown, sizeof shown, "%s%s", no, wrong ? "-X" : "");
    int rc =
        lpg_gascert_issue(out, outsz, c->admins[u->company].key, c->resolver,
                          s_company[u->company], u->id, shown, 20301231);
    if (rc != LPG_OK)
        s_die("gas-use certificate", rc);
}

static const char *s_surnames[] = {"张", "王", "李", "赵", "陈",
                                   "刘", "杨", "黄", "周", "吴"};
static const char *s_given[] = {"伟", "芳", "秀英", "敏",   "静",   "强",
                                "磊", "洋", "艳",   "建国", "小红", "军"};

static void
s_plan(s_city_t *c)
{
    uint32_t today =
        lpg_local_ymd(s_now_ms(), lpg_config_get(c->cfg, "time.zone"));
    if (!today)
        s_die("time.zone", LPG_ECONFIG);
    c->users = calloc(c->nuser, sizeof *c->users);
    c->cyls = calloc(c->ncyl, sizeof *c->cyls);
    if (!c->users || !c->cyls)
        s_die("plan", LPG_ENOMEM);
    for (unsigned i = 0; i < c->nuser; i++) {
        s_user_t *u = &c->users[i];
        snprintf(u->id, sizeof u->id, "U%05u", i);
        u->company = (int)(i % S_NCOMPANY);
        u->area = (int)((i / 2) % S_NAREA);
        u->kind = i % 20 == 4   ? "restaurant"
                  : i % 20 == 9 ? "business"
                                : "household";
        snprintf(u->name, sizeof u->name, "%s%s", s_surnames[i % 10],
                 s_given[(i / 10) % 12]);
    }
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        y->company = (int)(i % S_NCOMPANY);
        y->home = y->company + S_NCOMPANY * (int)((i / 2) % 4);
        snprintf(y->serial, sizeof y->serial, "C%06u", i);
        y->tare_g = 14000 + (i * 37) % 2000;
        if (i % 50 == 19)
            y->next_ymd = 20240630; /* overdue: never filled */
        else if (i % 10 == 5)
            y->next_ymd = lpg_ymd_add_days(today, 20 + i % 30);
        else
            y->next_ymd = 20270101 + (i % 3) * 10000;
        y->holder = -1;
        int rc =
            lpg_code_issue(c->authority, c->resolver, s_prefix[y->company],
                           S_TYPE, y->serial, 1, y->code, sizeof y->code);
        lpg_code_t parsed;
        if (rc == LPG_OK)
            rc = lpg_code_parse(y->code, strlen(y->code), NULL, &parsed);
        if (rc != LPG_OK)
            s_die("code", rc);
        memcpy(y->grai, parsed.grai, sizeof y->grai);
    }
}

/* ---- the record -------------------------------------------------------- */

static void
s_rec(s_city_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->rec, fmt, ap);
    va_end(ap);
}

/*  Appends "\tkey=value" to an item's line. */
static void
s_field(s_item_t *it, const char *key, const char *fmt, ...)
{
    size_t n = strlen(it->line);
    if (n >= sizeof it->line - 2)
        return;
    n += (size_t)snprintf(it->line + n, sizeof it->line - n, "\t%s=", key);
    if (n >= sizeof it->line)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->line + n, sizeof it->line - n, fmt, ap);
    va_end(ap);
}

/* ---- registry ---------------------------------------------------------- */

static void
s_submit_registry(s_city_t *c, lpg_client_t *reg, uint8_t **blobs,
                  size_t *lens, size_t n, const char *what)
{
    lpg_client_blob_t ev[S_BATCH];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < S_BATCH ? n - done : S_BATCH;
        for (size_t i = 0; i < k; i++) {
            ev[i].data = blobs[done + i];
            ev[i].len = lens[done + i];
        }
        Lpg__Reply *r = NULL;
        int rc = lpg_client_submit_many(reg, ev, k, &r);
        if (rc != LPG_OK)
            s_die(what, rc);
        for (size_t i = 0; i < r->n_results; i++)
            if (r->results[i]->status != LPG__STATUS__STATUS_OK) {
                fprintf(stderr, "city: %s %zu: %s %s\n", what, done + i,
                        r->results[i]->token, r->results[i]->message);
                exit(1);
            }
        lpg__reply__free_unpacked(r, NULL);
        done += k;
    }
    for (size_t i = 0; i < n; i++)
        free(blobs[i]);
    (void)c;
}

/*  Signs ev with the authority key, a fresh id and the time now. */
static void
s_sign_admin(s_city_t *c, Lpg__Event *ev, uint8_t **data, size_t *len)
{
    uint8_t id[LPG_EVENT_ID_LEN];
    int rc = lpg_event_new_id(id);
    ev->event_id.data = id;
    ev->event_id.len = sizeof id;
    ev->device_time_ms = s_now_ms();
    if (rc == LPG_OK)
        rc = lpg_event_sign(ev, c->authority, data, len);
    if (rc != LPG_OK)
        s_die("sign", rc);
}

static void
s_new_device(s_device_t *d, const char *name, const char *service)
{
    snprintf(d->name, sizeof d->name, "%s", name);
    d->service = service;
    char pub[41], sec[41];
    int rc = lpg_key_generate(&d->key);
    if (rc == LPG_OK)
        rc = lpg_curve_keypair(pub, sec);
    if (rc == LPG_OK)
        rc = lpg_curve_decode(pub, d->curve_pub);
    if (rc == LPG_OK)
        rc = lpg_curve_decode(sec, d->curve_sec);
    if (rc != LPG_OK)
        s_die("device key", rc);
}

static void
s_enroll(s_city_t *c, const s_device_t *d, int company, const char *site,
         Lpg__Role role, const char *vehicle, const char *person,
         uint8_t **data, size_t *len)
{
    uint8_t pub[32];
    lpg_key_raw_public(d->key, pub);
    Lpg__DeviceEnroll en = LPG__DEVICE_ENROLL__INIT;
    en.sign_pub.data = pub;
    en.sign_pub.len = 32;
    en.has_curve_pub = 1;
    en.curve_pub.data = (uint8_t *)d->curve_pub;
    en.curve_pub.len = 32;
    en.company = (char *)s_company[company];
    en.site = (char *)site;
    en.role = role;
    en.vehicle = (char *)vehicle;
    en.person = (char *)person;
    en.name = (char *)d->name;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_DEVICE_ENROLL;
    ev.device_enroll = &en;
    ev.company = (char *)s_company[company];
    ev.site = (char *)site;
    s_sign_admin(c, &ev, data, len);
}

static void
s_staff(s_city_t *c, const char *id, int company, const char *site,
        Lpg__StaffRole role, uint8_t **data, size_t *len)
{
    Lpg__StaffAdd a = LPG__STAFF_ADD__INIT;
    char cert[32];
    snprintf(cert, sizeof cert, "CERT-%s", id);
    a.company = (char *)s_company[company];
    a.site = (char *)site;
    a.role = role;
    a.name = (char *)id;
    a.cert_no = cert;
    a.cert_until_ymd = 20291231;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_STAFF_ADD;
    ev.staff_add = &a;
    ev.actor = (char *)id;
    ev.site = (char *)site;
    ev.company = (char *)s_company[company];
    s_sign_admin(c, &ev, data, len);
}

/*  Companies, stations, staff, vehicles and every device. */
static void
s_setup(s_city_t *c)
{
    lpg_client_t *reg = NULL;
    int rc = lpg_client_from_config(&reg, c->cfg, "registry");
    if (rc != LPG_OK)
        s_die("registry client", rc);
    enum { MAXEV = 128 };
    uint8_t *blobs[MAXEV];
    size_t lens[MAXEV], n = 0;
    for (int k = 0; k < S_NCOMPANY; k++) {
        char name[48], lic[48];
        snprintf(name, sizeof name, "%s Gas", s_company[k]);
        snprintf(lic, sizeof lic, "LIC-%s", s_company[k]);
        Lpg__CompanyAdd a = LPG__COMPANY_ADD__INIT;
        a.name = name;
        a.gs1_prefix = (char *)s_prefix[k];
        a.licence_no = lic;
        a.has_licence_until_ymd = 1;
        a.licence_until_ymd = 20301231;
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.body_case = LPG__EVENT__BODY_COMPANY_ADD;
        ev.company_add = &a;
        ev.company = (char *)s_company[k];
        s_sign_admin(c, &ev, &blobs[n], &lens[n]);
        n++;
        s_rec(c, "company\tid=%s\tprefix=%s\tstatus=OK\n", s_company[k],
              s_prefix[k]);
    }
    s_submit_registry(c, reg, blobs, lens, n, "company");
    n = 0;
    for (int i = 0; i < S_NSTATION; i++) {
        char id[24], name[32], area[24];
        s_station_id(i, id);
        snprintf(name, sizeof name, "Station %d", i + 1);
        s_area(i % S_NAREA, area);
        Lpg__SiteAdd a = LPG__SITE_ADD__INIT;
        a.name = name;
        a.kind = LPG__SITE_KIND__SITE_FILLING_STATION;
        a.company = (char *)s_company[s_station_company(i)];
        a.has_lat_e6 = a.has_lon_e6 = 1;
        s_station_place(i, &a.lat_e6, &a.lon_e6);
        a.area = area;
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.body_case = LPG__EVENT__BODY_SITE_ADD;
        ev.site_add = &a;
        ev.site = id;
        ev.company = a.company;
        s_sign_admin(c, &ev, &blobs[n], &lens[n]);
        n++;
        s_rec(c,
              "site\tid=%s\tcompany=%s\tlat_e6=%d\tlon_e6=%d\tarea=%s"
              "\tstatus=OK\n",
              id, a.company, (int)a.lat_e6, (int)a.lon_e6, area);
    }
    s_submit_registry(c, reg, blobs, lens, n, "site");
    n = 0;
    for (int i = 0; i < S_NSTATION; i++) {
        char id[24], op[24];
        s_station_id(i, id);
        for (int k = 0; k < 2; k++) {
            s_operator(i, k, op);
            s_staff(c, op, s_station_company(i), id,
                    LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR, &blobs[n],
                    &lens[n]);
            n++;
        }
    }
    for (int k = 0; k < S_NCOMPANY; k++) {
        char id[24];
        for (int d = 0; d < S_NDRIVER; d++) {
            s_driver(k, d, id);
            s_staff(c, id, k, NULL, LPG__STAFF_ROLE__STAFF_DRIVER, &blobs[n],
                    &lens[n]);
            n++;
            char plate[24];
            s_vehicle(k, d, plate);
            Lpg__VehicleAdd v = LPG__VEHICLE_ADD__INIT;
            v.company = (char *)s_company[k];
            v.plate = plate;
            v.permit_no = plate;
            v.permit_until_ymd = 20291231;
            Lpg__Event ev = LPG__EVENT__INIT;
            ev.body_case = LPG__EVENT__BODY_VEHICLE_ADD;
            ev.vehicle_add = &v;
            ev.company = v.company;
            s_sign_admin(c, &ev, &blobs[n], &lens[n]);
            n++;
        }
        s_inspector(k, id);
        s_staff(c, id, k, NULL, LPG__STAFF_ROLE__STAFF_INSPECTOR, &blobs[n],
                &lens[n]);
        n++;
    }
    s_submit_registry(c, reg, blobs, lens, n, "staff and vehicles");
    n = 0;
    for (int i = 0; i < S_NSTATION; i++) {
        char id[24], name[48];
        s_station_id(i, id);
        snprintf(name, sizeof name, "scanner at %s", id);
        s_new_device(&c->scanners[i], name, "filling");
        s_enroll(c, &c->scanners[i], s_station_company(i), id,
                 LPG__ROLE__ROLE_FILLING_SCANNER, NULL, NULL, &blobs[n],
                 &lens[n]);
        n++;
    }
    for (int k = 0; k < S_NCOMPANY; k++) {
        for (int d = 0; d < S_NDRIVER; d++) {
            char drv[24], plate[24], name[48];
            s_driver(k, d, drv);
            s_vehicle(k, d, plate);
            snprintf(name, sizeof name, "handheld of %s", drv);
            s_new_device(&c->handhelds[k][d], name, "delivery");
            s_enroll(c, &c->handhelds[k][d], k, NULL, LPG__ROLE__ROLE_HANDHELD,
                     plate, drv, &blobs[n], &lens[n]);
            n++;
        }
        char in[24], name[48];
        s_inspector(k, in);
        snprintf(name, sizeof name, "tablet of %s", in);
        s_new_device(&c->inspectors[k], name, "inspection");
        s_enroll(c, &c->inspectors[k], k, NULL, LPG__ROLE__ROLE_INSPECTOR,
                 NULL, in, &blobs[n], &lens[n]);
        n++;
        snprintf(name, sizeof name, "office key of %s", s_company[k]);
        s_new_device(&c->admins[k], name, "registry");
        s_enroll(c, &c->admins[k], k, NULL, LPG__ROLE__ROLE_COMPANY_ADMIN,
                 NULL, NULL, &blobs[n], &lens[n]);
        n++;
        snprintf(name, sizeof name, "order desk of %s", s_company[k]);
        s_new_device(&c->desks[k], name, "order");
        s_enroll(c, &c->desks[k], k, NULL, LPG__ROLE__ROLE_COMPANY_ADMIN, NULL,
                 NULL, &blobs[n], &lens[n]);
        n++;
    }
    s_submit_registry(c, reg, blobs, lens, n, "devices");
    lpg_client_destroy(&reg);
}

/*  Runs `lpgtrace --home H ARGS...`; exits if it fails. */
static void
s_run(s_city_t *c, const char *a1, const char *a2, const char *a3)
{
    char *argv[] = {"lpgtrace", "--home",   (char *)c->home,
                    (char *)a1, (char *)a2, (char *)a3,
                    NULL};
    pid_t pid;
    int st = 0;
    if (posix_spawnp(&pid, "lpgtrace", NULL, NULL, argv, environ) != 0 ||
        waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
        WEXITSTATUS(st) != 0) {
        fprintf(stderr, "city: lpgtrace %s %s %s failed\n", a1, a2, a3);
        exit(1);
    }
}

/*  Users and cylinders through the registry's CSV import. */
static void
s_import(s_city_t *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/users.csv", c->dir);
    FILE *f = fopen(path, "w");
    if (!f)
        s_die(path, LPG_EIO);
    fprintf(f, "id,company,kind,name,id_card,area,gas_cert,leak_alarm\n");
    for (unsigned i = 0; i < c->nuser; i++) {
        const s_user_t *u = &c->users[i];
        /* an ID-card number: region, birth date, sequence, check */
        char card[19];
        snprintf(card, sizeof card, "32060119%02u%02u%02u%03u", 70 + i % 30,
                 1 + i % 12, 1 + i % 28, i % 1000);
        static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                  3, 7, 9,  10, 5, 8, 4, 2};
        int sum = 0;
        for (int k = 0; k < 17; k++)
            sum += (card[k] - '0') * w[k];
        card[17] = "10X98765432"[sum % 11];
        card[18] = '\0';
        char area[24], cert[40];
        s_area(u->area, area);
        s_cert_no(u, cert, sizeof cert);
        fprintf(f, "%s,%s,%s,%s,%s,%s,%s,%s\n", u->id, s_company[u->company],
                u->kind, u->name, card, area, cert,
                strcmp(u->kind, "restaurant") == 0 ? "yes" : "no");
    }
    fclose(f);
    uint64_t t = s_now_ms();
    s_run(c, "user", "import", path);
    for (unsigned i = 0; i < c->nuser; i++) {
        const s_user_t *u = &c->users[i];
        char area[24], cert[40];
        s_area(u->area, area);
        s_cert_no(u, cert, sizeof cert);
        s_rec(c,
              "user\tt=%llu\tid=%s\tcompany=%s\tuser_kind=%s\tname=%s\tarea=%s"
              "\tgas_cert=%s\tstatus=OK\n",
              (unsigned long long)t, u->id, s_company[u->company], u->kind,
              u->name, area, cert);
    }
    snprintf(path, sizeof path, "%s/cylinders.csv", c->dir);
    f = fopen(path, "w");
    if (!f)
        s_die(path, LPG_EIO);
    fprintf(f, "company,type,serial,tare_g,fill_g,made,design_life_y,"
               "next_inspection,fill_site,insurance_until,spec\n");
    for (unsigned i = 0; i < c->ncyl; i++) {
        const s_cyl_t *y = &c->cyls[i];
        char site[16];
        s_station_id(y->home, site);
        fprintf(f,
                "%s,%s,%s,%u,%u,2022-01,15,%04u-%02u-%02u,%s,2030-12-31,"
                "YSP-15\n",
                s_company[y->company], S_TYPE, y->serial, y->tare_g, S_FILL_G,
                y->next_ymd / 10000, y->next_ymd / 100 % 100,
                y->next_ymd % 100, site);
    }
    fclose(f);
    s_run(c, "cylinder", "import", path);
    for (unsigned i = 0; i < c->ncyl; i++) {
        const s_cyl_t *y = &c->cyls[i];
        char site[16];
        s_station_id(y->home, site);
        s_rec(c,
              "cylinder\tgrai=%s\tserial=%s\towner=%s\tfill_site=%s"
              "\ttare_g=%u\tfill_g=%u\tnext_inspection=%u\tstatus=OK\n",
              y->grai, y->serial, s_company[y->company], site, y->tare_g,
              S_FILL_G, y->next_ymd);
    }
}

/* ---- service clients and queues ---------------------------------------- */

static void
s_connect(s_city_t *c, s_device_t *d)
{
    char key[64], endpoint_key[64], path[4096];
    snprintf(endpoint_key, sizeof endpoint_key, "endpoint.%s", d->service);
    snprintf(key, sizeof key, "keys/%s.curve.pub", d->service);
    uint8_t server[32];
    int rc = lpg_config_path(c->cfg, key, path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_curve_load(path, server);
    if (rc == LPG_OK)
        rc = lpg_client_new(&d->client, lpg_config_get(c->cfg, endpoint_key),
                            server, d->curve_sec, 65536, 20000, 3);
    if (rc != LPG_OK)
        s_die(d->name, rc);
    s_queue_t *q = &c->queues[c->nqueues++];
    q->dev = d;
    q->items = calloc(S_MAXQ, sizeof *q->items);
    if (!q->items)
        s_die("queue", LPG_ENOMEM);
}

static s_queue_t *
s_queue_of(s_city_t *c, const s_device_t *d)
{
    for (size_t i = 0; i < c->nqueues; i++)
        if (c->queues[i].dev == d)
            return &c->queues[i];
    s_die("no queue", LPG_EINTERNAL);
    return NULL;
}

/*  Signs ev as device d and queues it; returns the item so the caller
 *  can say what it was. device time: now, or late. */
static s_item_t *
s_queue(s_city_t *c, s_device_t *d, s_kind_t kind, Lpg__Event *ev, bool late,
        const char *name)
{
    s_queue_t *q = s_queue_of(c, d);
    if (q->n == S_MAXQ)
        s_die("queue full", LPG_ETOOBIG);
    s_item_t *it = &q->items[q->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->cyl = it->user = -1;
    int rc = lpg_event_new_id(it->id);
    ev->event_id.data = it->id;
    ev->event_id.len = LPG_EVENT_ID_LEN;
    uint64_t now = s_now_ms() + (uint64_t)c->clock_ms;
    ev->device_time_ms = late ? now - S_LATE_MS : now;
    if (rc == LPG_OK)
        rc = lpg_event_sign(ev, d->key, &it->data, &it->len);
    if (rc != LPG_OK)
        s_die("sign", rc);
    char hex[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(it->id, LPG_EVENT_ID_LEN, hex);
    snprintf(it->line, sizeof it->line, "%s\tt=%llu\tid=%s\tdevice=%s", name,
             (unsigned long long)ev->device_time_ms, hex, d->name);
    if (ev->site)
        s_field(it, "site", "%s", ev->site);
    if (ev->actor)
        s_field(it, "actor", "%s", ev->actor);
    if (ev->cylinder)
        s_field(it, "cylinder", "%s", ev->cylinder);
    if (ev->user)
        s_field(it, "user", "%s", ev->user);
    return it;
}

static void s_answer(s_city_t *c, s_item_t *it, const Lpg__EventResult *r);

/*  Sends every queue, a batch per request, and handles the answers. */
static void
s_flush(s_city_t *c)
{
    lpg_client_blob_t ev[S_BATCH];
    for (size_t qi = 0; qi < c->nqueues; qi++) {
        s_queue_t *q = &c->queues[qi];
        for (size_t done = 0; done < q->n;) {
            size_t k = q->n - done < S_BATCH ? q->n - done : S_BATCH;
            for (size_t i = 0; i < k; i++) {
                ev[i].data = q->items[done + i].data;
                ev[i].len = q->items[done + i].len;
            }
            uint64_t sent = s_now_ms();
            Lpg__Reply *r = NULL;
            int rc = lpg_client_submit_many(q->dev->client, ev, k, &r);
            if (rc != LPG_OK)
                s_die(q->dev->name, rc);
            if (r->n_results != k) {
                fprintf(stderr, "city: %s: %s %s\n", q->dev->name, r->token,
                        r->message);
                exit(1);
            }
            for (size_t i = 0; i < k; i++) {
                s_item_t *it = &q->items[done + i];
                s_field(it, "sent", "%llu", (unsigned long long)sent);
                s_answer(c, it, r->results[i]);
                free(it->data);
                it->data = NULL;
            }
            c->sent += k;
            lpg__reply__free_unpacked(r, NULL);
            done += k;
        }
        q->n = 0;
    }
    fflush(c->rec);
}

static bool
s_has(const Lpg__EventResult *r, const char *token)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        if (strcmp(r->reasons[i]->token, token) == 0)
            return true;
    return false;
}

/*  Writes the item's record line with the answer, and moves the
 *  generator's own picture of the city on. */
static void
s_answer(s_city_t *c, s_item_t *it, const Lpg__EventResult *r)
{
    bool ok = r->status == LPG__STATUS__STATUS_OK;
    char reasons[400] = "";
    size_t used = 0;
    unsigned long long late_s = 0;
    for (size_t i = 0; i < r->n_reasons && used < sizeof reasons - 48; i++) {
        used += (size_t)snprintf(reasons + used, sizeof reasons - used, "%s%s",
                                 i ? "+" : "", r->reasons[i]->token);
        const char *en = r->reasons[i]->en;
        const char *p = en ? strstr(en, ": ") : NULL;
        if (strcmp(r->reasons[i]->token, "LATE") == 0 && p)
            late_s = strtoull(p + 2, NULL, 10);
    }
    if (!r->has_seq || (r->status != LPG__STATUS__STATUS_OK &&
                        r->status != LPG__STATUS__STATUS_DENIED)) {
        fprintf(stderr, "city: not recorded: %s: %s %s\n", it->line, r->token,
                r->message);
        c->failures++;
    }
    fprintf(c->rec, "%s\tstatus=%s\tseq=%llu\treasons=%s\tlate_s=%llu\n",
            it->line, r->token, (unsigned long long)r->seq,
            *reasons ? reasons : "-", late_s);
    s_cyl_t *y = it->cyl >= 0 ? &c->cyls[it->cyl] : NULL;
    switch (it->kind) {
    case K_FILL_CHECK:
        if (ok) {
            memcpy(y->allow, it->id, LPG_EVENT_ID_LEN);
            y->has_allow = true;
        }
        break;
    case K_FILL_RECORD:
        y->has_allow = false;
        if (ok)
            y->custody = C_FULL;
        if (s_has(r, "OVERFILL"))
            y->held = true;
        break;
    case K_DISPATCH:
        if (ok)
            y->custody = C_TRANSIT;
        break;
    case K_DELIVERY:
        if (ok) {
            y->custody = C_USER;
            y->holder = it->user;
            y->delivery_seq = r->seq;
        }
        break;
    case K_ORDER_PLACE:
    case K_ORDER_ACCEPT:
    case K_ORDER_ASSIGN:
    case K_ORDER_DELIVERED:
        if (ok)
            y->order_step = 1 + (int)(it->kind - K_ORDER_PLACE);
        break;
    case K_COLLECTION:
        if (ok)
            y->custody = C_COLLECTED;
        break;
    case K_RETURN:
        if (ok) {
            y->custody = C_EMPTY;
            y->holder = -1;
        }
        break;
    case K_INSPECTION:
        for (int k = 0; ok && k < it->nhazards; k++) {
            if (c->nhaz == c->caphaz) {
                size_t cap = c->caphaz ? c->caphaz * 2 : 256;
                void *p = realloc(c->hazards, cap * sizeof *c->hazards);
                void *q = realloc(c->hazard_user, cap * sizeof(int));
                if (!p || !q)
                    s_die("hazards", LPG_ENOMEM);
                c->hazards = p;
                c->hazard_user = q;
                c->caphaz = cap;
            }
            memcpy(c->hazards[c->nhaz], it->hazards[k], 160);
            c->hazard_user[c->nhaz++] = it->user;
        }
        break;
    case K_RECTIFY:
        break;
    }
}

/* ---- the life of cylinders --------------------------------------------- */

typedef enum {
    F_GOOD,
    F_TARE,      /* scale reading far above the tare: a pocket code */
    F_ELSEWHERE, /* at another station of the same company */
    F_VISUAL,    /* a failed valve */
    F_FORGED,    /* a code the authority never signed */
    F_CLONED,    /* the old revision of the code */
} s_fill_way_t;

static void
s_fill_check(s_city_t *c, unsigned ci, s_fill_way_t way, int station)
{
    s_cyl_t *y = &c->cyls[ci];
    if (station < 0)
        station = y->home;
    if (way == F_ELSEWHERE) /* the same company, in the other town */
        station = (y->home + 4) % S_NSTATION;
    char site[16], op[24];
    s_station_id(station, site);
    s_operator(station, (int)(ci % 2), op);
    char code[LPG_CODE_MAX_TEXT + 1];
    const char *text = y->code, *code_kind = "genuine";
    if (way == F_FORGED || way == F_CLONED) {
        lpg_key_t *k = NULL;
        int rc = way == F_FORGED ? lpg_key_generate(&k) : LPG_OK;
        if (rc == LPG_OK)
            rc =
                lpg_code_issue(way == F_FORGED ? k : c->authority, c->resolver,
                               s_prefix[y->company], S_TYPE, y->serial,
                               way == F_FORGED ? 1 : 0, code, sizeof code);
        lpg_key_destroy(&k);
        if (rc != LPG_OK)
            s_die("code", rc);
        text = code;
        code_kind = way == F_FORGED ? "forged" : "revision0";
    }
    static const char *items[] = {"corrosion", "dents", "fire", "valve",
                                  "parts"};
    Lpg__CheckItem check[5], *checks[5];
    for (int k = 0; k < 5; k++) {
        lpg__check_item__init(&check[k]);
        check[k].item = (char *)items[k];
        check[k].ok = !(way == F_VISUAL && k == 3);
        checks[k] = &check[k];
    }
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    fc.code = (char *)text;
    /* an honest empty weighs from a little under its stamped tare (the
     * stamp's 0.1 kg, the scale, wear) to a little residual gas over */
    fc.empty_g = way == F_TARE ? y->tare_g + 1500 : y->tare_g - 120 + ci % 370;
    fc.n_checks = 5;
    fc.checks = checks;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
    ev.fill_check = &fc;
    ev.cylinder = y->grai;
    ev.site = site;
    ev.actor = op;
    s_item_t *it = s_queue(c, &c->scanners[station], K_FILL_CHECK, &ev, false,
                           "fill_check");
    it->cyl = (int)ci;
    s_field(it, "code", "%s", code_kind);
    s_field(it, "empty_g", "%u", fc.empty_g);
    s_field(it, "failed_checks", "%s", way == F_VISUAL ? "valve" : "-");
}

static void
s_fill_record(s_city_t *c, unsigned ci, bool over)
{
    s_cyl_t *y = &c->cyls[ci];
    char site[16], op[24];
    s_station_id(y->home, site);
    s_operator(y->home, (int)(ci % 2), op);
    Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
    fr.allow_event_id.data = y->allow;
    fr.allow_event_id.len = LPG_EVENT_ID_LEN;
    fr.full_g = y->tare_g + S_FILL_G + (over ? 1200 : (ci % 7) * 50) - 150;
    fr.leak_ok = 1;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_FILL_RECORD;
    ev.fill_record = &fr;
    ev.cylinder = y->grai;
    ev.site = site;
    ev.actor = op;
    s_item_t *it = s_queue(c, &c->scanners[y->home], K_FILL_RECORD, &ev, false,
                           "fill_record");
    it->cyl = (int)ci;
    s_field(it, "full_g", "%u", fr.full_g);
}

/*  A handheld step of cylinder ci by driver (ci % 3) of its company. A
 *  delivery reports the 随瓶安检 items the user's kind calls for (a
 *  business has no stove), the hose failed if bad_check, none at all if
 *  no_check. */
static void
s_step(s_city_t *c, unsigned ci, s_kind_t kind, int user, bool late,
       bool wrong_cert, bool bad_check, bool no_check)
{
    s_cyl_t *y = &c->cyls[ci];
    int d = (int)((ci / 2) % S_NDRIVER);
    char drv[24], plate[24], site[16];
    s_driver(y->company, d, drv);
    s_vehicle(y->company, d, plate);
    s_station_id(y->home, site);
    Lpg__Event ev = LPG__EVENT__INIT;
    Lpg__Dispatch dis = LPG__DISPATCH__INIT;
    Lpg__Delivery del = LPG__DELIVERY__INIT;
    Lpg__Collection col = LPG__COLLECTION__INIT;
    Lpg__Return ret = LPG__RETURN__INIT;
    Lpg__CheckItem check[6], *checks[6];
    static const char *items[] = {"hose", "regulator", "valve",
                                  "leak", "stove",     "storage"};
    size_t nchecks = 0;
    char sent[64] = "";
    char cert[LPG_GASCERT_MAX_TEXT + 1];
    const char *name = NULL;
    ev.cylinder = y->grai;
    ev.actor = drv;
    switch (kind) {
    case K_DISPATCH:
        dis.vehicle = plate;
        ev.body_case = LPG__EVENT__BODY_DISPATCH;
        ev.dispatch = &dis;
        ev.site = site;
        name = "dispatch";
        break;
    case K_DELIVERY:
        for (size_t k = 0; k < 6 && !no_check; k++) {
            if (strcmp(items[k], "stove") == 0 &&
                strcmp(c->users[user].kind, "business") == 0)
                continue;
            lpg__check_item__init(&check[nchecks]);
            check[nchecks].item = (char *)items[k];
            check[nchecks].ok = !(bad_check && k == 0);
            checks[nchecks] = &check[nchecks];
            nchecks++;
            size_t at = strlen(sent);
            snprintf(sent + at, sizeof sent - at, "%s%s", at ? "+" : "",
                     items[k]);
        }
        s_gas_cert(c, &c->users[user], wrong_cert, cert, sizeof cert);
        del.vehicle = plate;
        del.gas_cert = cert;
        if (y->order_step == 3)
            del.order = y->order;
        del.n_checks = nchecks;
        del.checks = checks;
        ev.body_case = LPG__EVENT__BODY_DELIVERY;
        ev.delivery = &del;
        ev.user = c->users[user].id;
        name = "delivery";
        break;
    case K_COLLECTION:
        col.vehicle = plate;
        ev.body_case = LPG__EVENT__BODY_COLLECTION;
        ev.collection = &col;
        ev.user = c->users[user].id;
        name = "collection";
        break;
    default:
        ret.vehicle = plate;
        ev.body_case = LPG__EVENT__BODY_STATION_RETURN;
        ev.station_return = &ret;
        ev.site = site;
        name = "return";
        break;
    }
    s_item_t *it =
        s_queue(c, &c->handhelds[y->company][d], kind, &ev, late, name);
    it->cyl = (int)ci;
    it->user = user;
    s_field(it, "vehicle", "%s", plate);
    if (kind == K_DELIVERY) {
        /* whose certificate was shown, in words the reference can
         * judge whatever form the certificate takes */
        s_field(it, "gas_cert_of", "%s",
                wrong_cert ? "someone else" : c->users[user].id);
        s_field(it, "failed_checks", "%s", bad_check ? "hose" : "-");
        s_field(it, "checks", "%s", *sent ? sent : "-");
        s_field(it, "order", "%s", del.order ? del.order : "-");
    }
}

/*  A step of cylinder ci's order by its company's order desk: placed for
 *  user (with the user's own gas-use certificate, a slot of the next four
 *  hours), accepted, assigned to the driver and vehicle that carry ci
 *  (s_step), or delivered by the delivery that named it. */
static void
s_order(s_city_t *c, unsigned ci, s_kind_t kind, int user)
{
    s_cyl_t *y = &c->cyls[ci];
    int d = (int)((ci / 2) % S_NDRIVER);
    char drv[24], plate[24];
    s_driver(y->company, d, drv);
    s_vehicle(y->company, d, plate);
    char cert[LPG_GASCERT_MAX_TEXT + 1];
    Lpg__Event ev = LPG__EVENT__INIT;
    Lpg__OrderPlace pl = LPG__ORDER_PLACE__INIT;
    Lpg__OrderAccept ac = LPG__ORDER_ACCEPT__INIT;
    Lpg__OrderAssign as = LPG__ORDER_ASSIGN__INIT;
    Lpg__OrderDelivered de = LPG__ORDER_DELIVERED__INIT;
    uint64_t seq = y->delivery_seq;
    const char *name = "order_place";
    uint64_t now = s_now_ms() + (uint64_t)c->clock_ms;
    ev.company = (char *)s_company[y->company];
    ev.user = c->users[user].id;
    switch (kind) {
    case K_ORDER_PLACE:
        s_gas_cert(c, &c->users[user], false, cert, sizeof cert);
        pl.order = y->order;
        pl.spec = "YSP-15";
        pl.count = 1;
        pl.slot_from_ms = now;
        pl.slot_to_ms = now + 4 * 3600000ull;
        pl.gas_cert = cert;
        pl.channel = "phone";
        ev.body_case = LPG__EVENT__BODY_ORDER_PLACE;
        ev.order_place = &pl;
        break;
    case K_ORDER_ACCEPT:
        ac.order = y->order;
        ev.body_case = LPG__EVENT__BODY_ORDER_ACCEPT;
        ev.order_accept = &ac;
        name = "order_accept";
        break;
    case K_ORDER_ASSIGN:
        as.order = y->order;
        as.driver = drv;
        as.vehicle = plate;
        ev.body_case = LPG__EVENT__BODY_ORDER_ASSIGN;
        ev.order_assign = &as;
        name = "order_assign";
        break;
    default:
        de.order = y->order;
        de.delivery_seq = &seq;
        de.n_delivery_seq = 1;
        ev.body_case = LPG__EVENT__BODY_ORDER_DELIVERED;
        ev.order_delivered = &de;
        name = "order_delivered";
        break;
    }
    s_item_t *it = s_queue(c, &c->desks[y->company], kind, &ev, false, name);
    it->cyl = (int)ci;
    it->user = user;
    s_field(it, "order", "%s", y->order);
    s_field(it, "company", "%s", s_company[y->company]);
    if (kind == K_ORDER_PLACE)
        s_field(it, "slot_to", "%llu", (unsigned long long)pl.slot_to_ms);
    else if (kind == K_ORDER_ASSIGN) {
        s_field(it, "driver", "%s", drv);
        s_field(it, "vehicle", "%s", plate);
    } else if (kind == K_ORDER_DELIVERED)
        s_field(it, "delivery_seq", "%llu", (unsigned long long)seq);
}

static const char *s_home_items[] = {
    "flame_failure", "hose_metal", "hose_clamped", "regulator_age",
    "valve",         "storage",    "ventilation",  "leak_alarm"};

static void
s_inspect(s_city_t *c, unsigned ui)
{
    s_user_t *u = &c->users[ui];
    /* which items fail, by the user's number */
    const char *fail[3] = {NULL, NULL, NULL};
    if (ui % 30 == 0)
        fail[0] = "flame_failure";
    else if (ui % 30 == 3)
        fail[0] = "valve";
    else if (ui % 30 == 6) {
        fail[0] = "hose_metal";
        fail[1] = "ventilation";
    } else if (ui % 30 == 9)
        fail[0] = "leak_alarm";
    Lpg__CheckItem check[8], *checks[8];
    char failed[96] = "";
    for (int k = 0; k < 8; k++) {
        lpg__check_item__init(&check[k]);
        check[k].item = (char *)s_home_items[k];
        check[k].ok = 1;
        for (int f = 0; f < 3; f++)
            if (fail[f] && strcmp(fail[f], s_home_items[k]) == 0)
                check[k].ok = 0;
        checks[k] = &check[k];
    }
    Lpg__HouseholdInspection hi = LPG__HOUSEHOLD_INSPECTION__INIT;
    hi.checks = checks;
    hi.n_checks = 8;
    hi.acknowledged_by_user = 1;
    char in[24];
    s_inspector(u->company, in);
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_HOUSEHOLD_INSPECTION;
    ev.household_inspection = &hi;
    ev.user = u->id;
    ev.actor = in;
    s_item_t *it = s_queue(c, &c->inspectors[u->company], K_INSPECTION, &ev,
                           false, "inspection");
    it->user = (int)ui;
    for (int f = 0; f < 3 && fail[f]; f++) {
        size_t n = strlen(failed);
        snprintf(failed + n, sizeof failed - n, "%s%s", n ? "+" : "", fail[f]);
        if (lpg_hazard_key(it->hazards[it->nhazards], 160, u->id, it->id,
                           fail[f]) != LPG_OK)
            s_die("hazard key", LPG_EINVAL);
        it->nhazards++;
    }
    s_field(it, "failed_checks", "%s", *failed ? failed : "-");
}

static void
s_rectify(s_city_t *c, size_t h)
{
    int ui = c->hazard_user[h];
    s_user_t *u = &c->users[ui];
    Lpg__HazardRectified hr = LPG__HAZARD_RECTIFIED__INIT;
    hr.hazard = c->hazards[h];
    char in[24];
    s_inspector(u->company, in);
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_HAZARD_RECTIFIED;
    ev.hazard_rectified = &hr;
    ev.user = u->id;
    ev.actor = in;
    s_item_t *it = s_queue(c, &c->inspectors[u->company], K_RECTIFY, &ev,
                           false, "rectify");
    it->user = ui;
    s_field(it, "hazard", "%s", c->hazards[h]);
}

/*  Users of a company are every other user; this picks the j-th one. */
static int
s_user_of(const s_city_t *c, int company, unsigned j)
{
    unsigned per = (c->nuser - (unsigned)company + 1) / S_NCOMPANY;
    return (int)((j % per) * S_NCOMPANY + (unsigned)company);
}

/*  A staged delivery without an order (sold outside the platform). */
static bool
s_no_order(unsigned i, int cycle)
{
    return i % 150 == 70 + (unsigned)cycle * 3;
}

/*  A hoarder: a household that gets several cylinders and returns none. */
static bool
s_hoarder(unsigned ui)
{
    return ui == 12 || ui == 13;
}

/*  One fill, dispatch and delivery round for every cylinder that can take
 *  it. cycle 0 or 1 shifts who gets what and which refusals are staged. */
static void
s_fill_round(s_city_t *c, int cycle)
{
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        if (y->held)
            continue;
        if (y->custody == C_USER && cycle == 1 && i % 16 == 0) {
            /* a label scanned at the station while the cylinder is
             * still at a household: a pocket code */
            s_fill_check(c, i, F_GOOD, -1);
            continue;
        }
        if (y->custody != C_EMPTY)
            continue;
        s_fill_way_t way = F_GOOD;
        unsigned m = (i + (unsigned)cycle * 5) % 50;
        if (m == 3)
            way = F_TARE;
        else if (m == 7)
            way = F_ELSEWHERE;
        else if (m == 11)
            way = F_VISUAL;
        else if (m == 13 && cycle == 0)
            way = F_FORGED;
        else if (m == 17)
            way = F_CLONED;
        s_fill_check(c, i, way, -1);
    }
    s_flush(c);
    /* the refused ones again, done right (the overdue stay refused) */
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        if (!y->held && y->custody == C_EMPTY && !y->has_allow)
            s_fill_check(c, i, F_GOOD, -1);
    }
    s_flush(c);
    for (unsigned i = 0; i < c->ncyl; i++)
        if (c->cyls[i].has_allow)
            s_fill_record(c, i, i % 97 == 5 + (unsigned)cycle);
    s_flush(c);
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        if (y->custody == C_FULL && !y->held)
            s_step(c, i, K_DISPATCH, -1, i % 90 == 40, false, false, false);
        else if (y->custody == C_EMPTY && i % 50 == 19 && cycle == 0)
            /* an overdue empty put on a vehicle: refused */
            s_step(c, i, K_DISPATCH, -1, false, false, false, false);
    }
    s_flush(c);
    /* who gets what: an order placed for every delivery but the staged
     * few without one, then accepted and assigned */
    int *to = malloc(c->ncyl * sizeof *to);
    if (!to)
        s_die("plan", LPG_ENOMEM);
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        to[i] = -1;
        y->order[0] = '\0';
        y->order_step = 0;
        y->delivery_seq = 0;
        if (y->custody != C_TRANSIT)
            continue;
        if (i % 40 == 39 && cycle == 1)
            continue; /* stays on the vehicle */
        unsigned j = i / 2 + (unsigned)cycle * 8;
        to[i] = s_user_of(c, y->company, j);
        if (i % 125 == 6) /* hoarders get more than their share */
            to[i] = s_user_of(c, y->company, 6);
        if (s_no_order(i, cycle))
            continue;
        snprintf(y->order, sizeof y->order, "O%d-%s", cycle + 1, y->serial);
        s_order(c, i, K_ORDER_PLACE, to[i]);
    }
    s_flush(c);
    for (s_kind_t k = K_ORDER_ACCEPT; k <= K_ORDER_ASSIGN; k++) {
        for (unsigned i = 0; i < c->ncyl; i++)
            if (c->cyls[i].order_step == (int)(k - K_ORDER_PLACE))
                s_order(c, i, k, to[i]);
        s_flush(c);
    }
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        /* an order refused up front: nobody drives out */
        if (to[i] < 0 || (y->order[0] && y->order_step != 3))
            continue;
        /* i % 80 == 55: a driver who skips the 随瓶安检: refused */
        s_step(c, i, K_DELIVERY, to[i], i % 90 == 25,
               i % 70 == 9 + (unsigned)cycle, i % 80 == 15, i % 80 == 55);
    }
    s_flush(c);
    for (unsigned i = 0; i < c->ncyl; i++)
        if (c->cyls[i].order_step == 3 && c->cyls[i].delivery_seq)
            s_order(c, i, K_ORDER_DELIVERED, to[i]);
    s_flush(c);
    free(to);
}

static void
s_collect_round(s_city_t *c, int cycle)
{
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        if (y->custody != C_USER || s_hoarder((unsigned)y->holder) ||
            i % 4 == 0)
            continue;
        int u = y->holder;
        if (i % 75 == 31) /* the driver names the wrong household */
            u = s_user_of(c, y->company, (unsigned)i + 1);
        s_step(c, i, K_COLLECTION, u, i % 85 == 2, false, false, false);
    }
    s_flush(c);
    for (unsigned i = 0; i < c->ncyl; i++) {
        s_cyl_t *y = &c->cyls[i];
        if (y->custody == C_COLLECTED && i % 40 == 39 && cycle == 0)
            continue; /* left on the vehicle */
        if (y->custody == C_COLLECTED || y->custody == C_TRANSIT)
            s_step(c, i, K_RETURN, -1, i % 95 == 3, false, false, false);
        else if (y->custody == C_USER && i % 120 == 60)
            /* a return of a cylinder still at a household */
            s_step(c, i, K_RETURN, -1, false, false, false, false);
    }
    s_flush(c);
}

static void
s_inspection_round(s_city_t *c)
{
    for (unsigned u = 0; u < c->nuser; u++)
        if (u % 3 == 0 && !c->users[u].erased)
            s_inspect(c, u);
    s_flush(c);
    /* half the hazards found are put right */
    for (size_t h = 0; h < c->nhaz; h++)
        if (h % 2 == 0)
            s_rectify(c, h);
    s_flush(c);
}

/*  A few users without cylinders are erased (PIPL), signed by the
 *  authority through the registry. */
static void
s_erase(s_city_t *c)
{
    lpg_client_t *reg = NULL;
    int rc = lpg_client_from_config(&reg, c->cfg, "registry");
    if (rc != LPG_OK)
        s_die("registry client", rc);
    for (unsigned ui = 0; ui < c->nuser; ui++) {
        if (ui % 97 != 50)
            continue;
        bool holds = false;
        for (unsigned i = 0; i < c->ncyl && !holds; i++)
            holds =
                c->cyls[i].holder == (int)ui && c->cyls[i].custody == C_USER;
        if (holds)
            continue;
        Lpg__UserErase er = LPG__USER_ERASE__INIT;
        er.user = c->users[ui].id;
        er.reason = "asked to be forgotten";
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.body_case = LPG__EVENT__BODY_USER_ERASE;
        ev.user_erase = &er;
        ev.user = c->users[ui].id;
        uint8_t *data = NULL;
        size_t len = 0;
        s_sign_admin(c, &ev, &data, &len);
        Lpg__Reply *r = NULL;
        rc = lpg_client_submit(reg, data, len, &r);
        free(data);
        if (rc != LPG_OK)
            s_die("erase", rc);
        s_rec(c, "erase\tt=%llu\tuser=%s\tstatus=%s\tseq=%llu\n",
              (unsigned long long)ev.device_time_ms, er.user, r->token,
              (unsigned long long)r->seq);
        if (r->status == LPG__STATUS__STATUS_OK)
            c->users[ui].erased = true;
        lpg__reply__free_unpacked(r, NULL);
    }
    lpg_client_destroy(&reg);
}

static void
s_usage(void)
{
    fprintf(stderr, "usage: city --home H --dir D [--cylinders N] "
                    "[--users N]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    s_city_t c = {.ncyl = 3000, .nuser = 2000};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            s_usage();
        if (strcmp(argv[i], "--home") == 0)
            c.home = v;
        else if (strcmp(argv[i], "--dir") == 0)
            c.dir = v;
        else if (strcmp(argv[i], "--cylinders") == 0)
            c.ncyl = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--users") == 0)
            c.nuser = (unsigned)strtoul(v, NULL, 10);
        else
            s_usage();
        i++;
    }
    if (!c.home || !c.dir || c.ncyl < 100 || c.nuser < 500)
        s_usage();
    char why[256] = "", path[4096];
    int rc = lpg_config_load(&c.cfg, c.home, why, sizeof why);
    if (rc != LPG_OK) {
        fprintf(stderr, "city: %s\n", why);
        return 1;
    }
    c.resolver = lpg_config_get(c.cfg, "code.resolver");
    rc = lpg_config_path(c.cfg, lpg_config_get(c.cfg, "authority.key"), path,
                         sizeof path);
    if (rc == LPG_OK)
        rc = lpg_key_load_private(&c.authority, path);
    if (rc != LPG_OK)
        s_die("authority key", rc);
    snprintf(path, sizeof path, "%s/record.tsv", c.dir);
    c.rec = fopen(path, "w");
    if (!c.rec)
        s_die(path, LPG_EIO);
    s_rec(&c, "# city record: one action a line, fields key=value\n");
    s_plan(&c);
    s_setup(&c);
    s_import(&c);
    for (int i = 0; i < S_NSTATION; i++)
        s_connect(&c, &c.scanners[i]);
    for (int k = 0; k < S_NCOMPANY; k++) {
        for (int d = 0; d < S_NDRIVER; d++)
            s_connect(&c, &c.handhelds[k][d]);
        s_connect(&c, &c.inspectors[k]);
        s_connect(&c, &c.desks[k]);
    }
    /* The first round is stamped two minutes early, so a recall window
     * from the whole minute the second round starts in splits them. */
    c.clock_ms = -120000;
    s_fill_round(&c, 0);
    s_inspection_round(&c);
    s_collect_round(&c, 0);
    c.clock_ms = 0;
    s_erase(&c);
    s_rec(&c, "round\tn=1\tt=%llu\n", (unsigned long long)s_now_ms());
    s_fill_round(&c, 1);
    s_collect_round(&c, 1);
    fclose(c.rec);
    printf("city: %u cylinders, %u users, %llu events, %u not recorded\n",
           c.ncyl, c.nuser, (unsigned long long)c.sent, c.failures);
    for (size_t i = 0; i < c.nqueues; i++) {
        lpg_client_destroy(&c.queues[i].dev->client);
        lpg_key_destroy(&c.queues[i].dev->key);
        free(c.queues[i].items);
    }
    for (int k = 0; k < S_NCOMPANY; k++)
        lpg_key_destroy(&c.admins[k].key);
    free(c.hazards);
    free(c.hazard_user);
    free(c.cyls);
    free(c.users);
    lpg_key_destroy(&c.authority);
    lpg_config_destroy(&c.cfg);
    return c.failures ? 1 : 0;
}

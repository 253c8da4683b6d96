/*  address.c - see address.h. */
#include "address.h"
#include "base/config.h"
#include "base/error.h"
#include "crypto/crypto.h"
#include "ledger/event.h"
#include "net/client.h"
#include "net/msg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_OK 0
#define S_REFUSED 1
#define S_ERROR 2

static int
s_fail(const char *what, const char *why)
{
    fprintf(stderr, "lpg-scan: %s: %s\n", what, why);
    return S_ERROR;
}

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: lpg-scan [--home DIR] address --order ID "
            "[--driver STAFF] [--keep FILE] [--json]\n"
            "       lpg-scan [--home DIR] address --again FILE [--json]\n"
            "Shows the address and phone of the household of an order "
            "assigned to this handheld's driver; the look is recorded.\n"
            "--keep FILE saves the signed look; --again FILE sends that "
            "signed look again (a retry whose answer was lost).\n");
    return S_ERROR;
}

/*  The household the answer names, with its address and phone. */
static const Lpg__UserInfo *
s_household(const Lpg__Reply *r)
{
    if (r->status != LPG__STATUS__STATUS_OK || r->n_users != 1 ||
        !r->users[0]->personal)
        return NULL;
    return r->users[0];
}

static void
s_print(bool json, const char *order, const Lpg__Reply *r, const char *hex)
{
    const Lpg__UserInfo *u = s_household(r);
    const Lpg__PersonalData *pd = u ? u->personal : NULL;
    if (json) {
        json_t *o = lpg_msg_reply_json(r);
        if (!o)
            return;
        json_object_set_new(o, "event_id", json_string(hex));
        json_object_set_new(o, "order", json_string(order));
        json_object_set_new(o, "user", u ? json_string(u->id) : json_null());
        json_object_set_new(o, "address",
                            pd && pd->address ? json_string(pd->address)
                                              : json_null());
        json_object_set_new(o, "phone",
                            pd && pd->phone ? json_string(pd->phone)
                                            : json_null());
        lpg_msg_emit_json(o);
        return;
    }
    if (u) {
        printf("OK  address of order %s\n", order);
        printf("  household  %s%s%s\n", u->id, u->masked_name ? "  " : "",
               u->masked_name ? u->masked_name : "");
        printf("  address    %s\n", pd->address ? pd->address : "-");
        printf("  phone      %s\n", pd->phone ? pd->phone : "-");
    } else if (r->status == LPG__STATUS__STATUS_DENIED) {
        printf("REFUSED  address of order %s (%zu reason%s)\n", order,
               r->n_reasons, r->n_reasons == 1 ? "" : "s");
        for (size_t i = 0; i < r->n_reasons; i++)
            printf("  - %s\n    %s\n    %s\n", r->reasons[i]->token,
                   r->reasons[i]->zh ? r->reasons[i]->zh : "",
                   r->reasons[i]->en ? r->reasons[i]->en : "");
    } else {
        printf("ERROR  %s %s: %s\n", lpg_msg_status_name(r->status), r->token,
               r->message);
    }
    if (r->has_seq)
        printf("  recorded   seq %llu\n", (unsigned long long)r->seq);
    printf("  event id   %s\n", hex);
}

/*  Sends the signed look to lpg-registryd and prints the answer; frees
 *  look and cfg. */
static int
s_send(lpg_config_t *cfg, uint8_t *look, size_t look_len,
       const uint8_t id[LPG_EVENT_ID_LEN], const char *order, bool json)
{
    lpg_client_t *c = NULL;
    Lpg__Reply *r = NULL;
    int rc = lpg_client_from_config(&c, cfg, "registry");
    if (rc == LPG_OK)
        rc = lpg_client_submit(c, look, look_len, &r);
    lpg_client_destroy(&c);
    lpg_config_destroy(&cfg);
    free(look);
    if (rc != LPG_OK)
        return s_fail("registry", lpg_strerror(rc));
    char hex[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(id, LPG_EVENT_ID_LEN, hex);
    s_print(json, order, r, hex);
    int status = s_household(r)                            ? S_OK
                 : r->status == LPG__STATUS__STATUS_DENIED ? S_REFUSED
                                                           : S_ERROR;
    lpg__reply__free_unpacked(r, NULL);
    return status;
}

/*  The signed look kept in path (--keep) into *out (caller frees), its
 *  event id into id and its order into order. */
static int
s_read_look(const char *path, uint8_t **out, size_t *len,
            uint8_t id[LPG_EVENT_ID_LEN], char order[LPG_STRING_MAX + 1])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return LPG_EIO;
    uint8_t *buf = malloc(LPG_EVENT_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, LPG_EVENT_MAX_BYTES + 1, f) : 0;
    fclose(f);
    lpg_event_t ev = {0};
    const char *o = NULL;
    int rc = !buf ? LPG_ENOMEM
             : n > LPG_EVENT_MAX_BYTES
                 ? LPG_EMALFORMED
                 : lpg_event_decode(&ev, buf, n, NULL, 0);
    if (rc == LPG_OK && ev.event->body_case == LPG__EVENT__BODY_ORDER_ADDRESS)
        o = ev.event->order_address->order;
    if (rc == LPG_OK && !o)
        rc = LPG_EMALFORMED;
    if (rc == LPG_OK) {
        memcpy(id, ev.event->event_id.data, LPG_EVENT_ID_LEN);
        snprintf(order, LPG_STRING_MAX + 1, "%s", o);
        *out = buf;
        *len = n;
    } else {
        free(buf);
    }
    lpg_event_clear(&ev);
    return rc;
}

/*  Saves the signed look to path (--keep). */
static int
s_keep_look(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return LPG_EIO;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? LPG_OK : LPG_EIO;
}

int
lpg_scan_address(const char *home, int argc, char **argv)
{
    const char *order = NULL, *driver = NULL, *keep = NULL, *again = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (i + 1 < argc && strcmp(argv[i], "--order") == 0)
            order = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--driver") == 0)
            driver = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--keep") == 0)
            keep = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--again") == 0)
            again = argv[++i];
        else
            return s_usage();
    }
    if (again && (order || driver || keep))
        return s_usage();
    if (!again && (!order || !*order || strlen(order) > LPG_STRING_MAX))
        return s_usage();
    uint8_t id[LPG_EVENT_ID_LEN];
    uint8_t *look = NULL;
    size_t look_len = 0;
    char again_order[LPG_STRING_MAX + 1];
    int rc;
    if (again) {
        rc = s_read_look(again, &look, &look_len, id, again_order);
        if (rc != LPG_OK)
            return s_fail(again, "not a signed look kept by --keep");
        order = again_order;
    }
    lpg_config_t *cfg = NULL;
    char why[512] = "";
    rc = lpg_config_load(&cfg, home, why, sizeof why);
    if (rc != LPG_OK) {
        free(look);
        return s_fail("configuration", *why ? why : lpg_strerror(rc));
    }
    if (again)
        return s_send(cfg, look, look_len, id, order, json);
    if (!driver || !*driver)
        driver = lpg_config_get(cfg, "device.operator");
    if (!driver || !*driver) {
        lpg_config_destroy(&cfg);
        return s_fail("driver", "none given (--driver or device.operator)");
    }
    char rel[512], path[4096];
    snprintf(rel, sizeof rel, "%s.pem", lpg_config_get(cfg, "device.key"));
    lpg_config_path(cfg, rel, path, sizeof path);
    lpg_key_t *key = NULL;
    rc = lpg_key_load_private(&key, path);
    if (rc != LPG_OK) {
        lpg_config_destroy(&cfg);
        return s_fail(path, lpg_strerror(rc));
    }
    Lpg__Event ev = LPG__EVENT__INIT;
    Lpg__OrderAddress oa = LPG__ORDER_ADDRESS__INIT;
    oa.order = (char *)order;
    ev.actor = (char *)driver;
    ev.body_case = LPG__EVENT__BODY_ORDER_ADDRESS;
    ev.order_address = &oa;
    rc = lpg_client_sign(key, &ev, NULL, id, &look, &look_len);
    lpg_key_destroy(&key);
    if (rc == LPG_OK && keep)
        rc = s_keep_look(keep, look, look_len);
    if (rc != LPG_OK) {
        free(look);
        lpg_config_destroy(&cfg);
        return s_fail(keep ? keep : "signing", lpg_strerror(rc));
    }
    return s_send(cfg, look, look_len, id, order, json);
}

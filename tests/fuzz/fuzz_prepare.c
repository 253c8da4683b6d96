/*  fuzz_prepare.c - libFuzzer target for the JSON step to Event mapping
 *  (domain/prepare.h): lpg_prepare on any bytes, with and without a fixed
 *  authority key built once from a fixed seed (the same as
 *  tests/unit/test_prepare.c, so saved codes verify). Aborts if an
 *  invariant breaks: an error comes with a reason and no bytes; an Event
 *  prepared passes the checks a service makes of what it receives
 *  (lpg_proto_wire_check), decodes to the kind of its step, carries the
 *  id it reports, and is recorded by the service it names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "crypto/crypto.h"
#include "domain/kind.h"
#include "domain/prepare.h"
#include "ledger/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_RESOLVER "id.lpg.example"

static lpg_key_t *s_key;

static void
s_check(int rc, const lpg_prepared_t *p)
{
    if (memchr(p->why, '\0', sizeof p->why) == NULL ||
        memchr(p->field, '\0', sizeof p->field) == NULL)
        abort();
    if (rc != LPG_OK) {
        if (p->event || p->why[0] == '\0')
            abort();
        if (rc != LPG_EMALFORMED && rc != LPG_EINVAL && rc != LPG_ECONFIG &&
            rc != LPG_ENOMEM)
            abort();
        return;
    }
    if (!p->event || p->len + 128 > LPG_EVENT_MAX_BYTES)
        abort();
    if (lpg_proto_wire_check(&lpg__event__descriptor, p->event, p->len, NULL,
                             0) != LPG_OK)
        abort();
    Lpg__Event *e = lpg__event__unpack(NULL, p->len, p->event);
    if (!e)
        abort();
    if (e->body_case != p->body || e->event_id.len != LPG_EVENT_ID_LEN ||
        memcmp(e->event_id.data, p->event_id, LPG_EVENT_ID_LEN) != 0 ||
        e->device_time_ms == 0)
        abort();
    const char *field = NULL;
    if (lpg_proto_strings_check(&e->base, &field) != LPG_OK ||
        lpg_proto_empty_check(&e->base, &field) != LPG_OK)
        abort();
    if (!p->service || strcmp(p->service, lpg_kind_service(e->body_case)))
        abort();
    lpg__event__free_unpacked(e, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_key) {
        uint8_t seed[32];
        memset(seed, 0x11, sizeof seed);
        if (lpg_key_from_raw_private(&s_key, seed) != LPG_OK)
            abort();
    }
    lpg_prepare_opts_t o = {s_key, S_RESOLVER, 1773540000000ull};
    lpg_prepared_t p;
    int rc = lpg_prepare(&p, (const char *)data, size, &o);
    s_check(rc, &p);
    lpg_prepared_clear(&p);
    o.authority = NULL;
    o.resolver = NULL;
    rc = lpg_prepare(&p, (const char *)data, size, &o);
    s_check(rc, &p);
    lpg_prepared_clear(&p);
    return 0;
}

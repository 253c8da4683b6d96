/*  fuzz_event.c - libFuzzer target for the signed event envelope, the
 *  bytes every service takes from the network: lpg_event_decode on any
 *  bytes. Aborts if an invariant breaks: the result is OK or
 *  LPG_EMALFORMED with a reason in words; an accepted SignedEvent is
 *  canonical (it packs back to exactly the bytes received, and so does
 *  its Event body), its ids and keys have their sizes, its body hash is
 *  the SHA-256 of the body, every string in it is checked text, and it
 *  has a kind with a name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "domain/kind.h"
#include "crypto/crypto.h"
#include "ledger/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_check_packs_back(const ProtobufCMessage *m, const uint8_t *data, size_t size)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    if (n != size)
        abort();
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        abort();
    protobuf_c_message_pack(m, buf);
    if (memcmp(buf, data, n) != 0)
        abort();
    free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lpg_event_t ev;
    char why[256];
    memset(why, 'x', sizeof why);
    int rc = lpg_event_decode(&ev, data, size, why, sizeof why);
    if (rc != LPG_OK) {
        if (memchr(why, '\0', sizeof why) == NULL)
            abort();
        if (rc != LPG_EMALFORMED || why[0] == '\0' ||
            lpg_string_check(why, sizeof why) != LPG_OK)
            abort();
        return 0;
    }
    const Lpg__SignedEvent *se = ev.signed_event;
    const Lpg__Event *e = ev.event;
    if (!se || !e)
        abort();
    s_check_packs_back(&se->base, data, size);
    s_check_packs_back(&e->base, se->body.data, se->body.len);
    if (se->key_id.len != LPG_KEYID_LEN || se->sig.len != 64)
        abort();
    if (e->event_id.len != LPG_EVENT_ID_LEN)
        abort();
    const char *field = NULL;
    if (lpg_proto_strings_check(&e->base, &field) != LPG_OK)
        abort();
    const char *kind = lpg_kind_name(e->body_case);
    if (!kind || !*kind)
        abort();
    lpg_event_clear(&ev);
    return 0;
}

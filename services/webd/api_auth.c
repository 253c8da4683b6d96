/*  api_auth.c - who signed an API request (RFC 9421, net/httpsig.h).
 *
 *  A request is taken only when it carries one signature, alg ed25519
 *  (or no alg), covering @method, @target-uri and, when it has a body,
 *  content-digest (RFC 9530, checked against the body), with created,
 *  nonce and keyid; keyid is the hex of the signing key's id (SHA-256
 *  of its public key), as the ledger names devices. The device must be
 *  enrolled and unrevoked, in a role that uses the API, its request
 *  created within five minutes of now either way, its nonce never seen
 *  from it within that window (net/replay.h). Each refusal has its own
 *  problem type, so a device can tell them apart:
 *    401 signature-missing     no Signature-Input / Signature
 *    401 signature-malformed   fields that do not parse, another alg
 *    401 signature-incomplete  a required component or parameter missing
 *    401 signature-window      created more than five minutes off
 *    401 unknown-device        keyid names no enrolled device
 *    403 device-revoked        the device's key was revoked
 *    403 device-role           a role that does not use the API
 *    401 digest-mismatch       Content-Digest missing or not the body's
 *    401 bad-signature         the signature does not verify
 *    401 replayed              the nonce was seen from this device
 *    503 nonces-full           too many live nonces: retry later
 *  401 answers carry Accept-Signature saying what to sign.
 */
#include "api.h"

#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "domain/state.h"
#include "net/httpsig.h"
#include "net/replay.h"

#include <stdio.h>
#include <string.h>

#define S_WINDOW_S 300 /* five minutes, either way */
#define S_NONCES 65536 /* live nonces remembered, at most */

static lpg_replay_t *s_replay; /* made once by lpg_webd_api_auth_init */

void
lpg_webd_api_auth_init(lpg_webd_t *w)
{
    (void)w;
    if (!s_replay && lpg_replay_new(&s_replay, S_NONCES,
                                    (uint64_t)S_WINDOW_S * 1000) != LPG_OK)
        lpg_error("api: no memory for the nonce cache: every signed "
                  "request is refused");
}

void
lpg_webd_device_clear(lpg_webd_device_t *dev)
{
    if (dev && dev->state) {
        lpg__device_state__free_unpacked(dev->state, NULL);
        dev->state = NULL;
    }
}

static bool
s_refuse(lpg_webd_resp_t *resp, int status, const char *slug,
         const char *title, const char *detail)
{
    lpg_webd_problem(resp, status, slug, title, detail);
    if (status == 401)
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Accept-Signature: sig1=(\"@method\" \"@target-uri\" "
                 "\"content-digest\");created;nonce;keyid;alg="
                 "\"ed25519\"\r\n");
    return false;
}

/*  Does a device of this role use the API? The devices that act for
 *  people (station, driver, inspector, inspection body, scale, company
 *  admin) and the regulator's workstation (reads); never a service or a
 *  gateway. */
static bool
s_role_ok(Lpg__Role role)
{
    switch (role) {
    case LPG__ROLE__ROLE_COMPANY_ADMIN:
    case LPG__ROLE__ROLE_FILLING_SCANNER:
    case LPG__ROLE__ROLE_SCALE:
    case LPG__ROLE__ROLE_HANDHELD:
    case LPG__ROLE__ROLE_INSPECTOR:
    case LPG__ROLE__ROLE_INSPECTION_BODY:
    case LPG__ROLE__ROLE_ADMIN:
        return true;
    default:
        return false;
    }
}

bool
lpg_webd_api_auth(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp, lpg_webd_device_t *dev)
{
    memset(dev, 0, sizeof *dev);
    const char *si = req->header(req->hctx, "signature-input");
    const char *sg = req->header(req->hctx, "signature");
    if (!si && !sg)
        return s_refuse(resp, 401, "signature-missing", "Unsigned request",
                        "Sign every request with the device's key (RFC "
                        "9421).");
    lpg_httpsig_req_t hr = {req->method, req->target_uri, req->header,
                            req->hctx};
    lpg_httpsig_t sig;
    char why[256] = "";
    int rc = lpg_httpsig_parse(&hr, NULL, &sig, why, sizeof why);
    if (rc != LPG_OK)
        return s_refuse(resp, 401, "signature-malformed",
                        "Malformed signature", why[0] ? why : NULL);
    const lpg_httpsig_params_t *p = &sig.params;
    if (p->has & (1u << LPG_HTTPSIG_ALG) && strcmp(p->alg, "ed25519") != 0)
        return s_refuse(resp, 401, "signature-malformed",
                        "Malformed signature", "alg is not ed25519.");
    bool body = req->body_len > 0;
    if (!lpg_httpsig_covers(p, "@method") ||
        !lpg_httpsig_covers(p, "@target-uri") ||
        (body && !lpg_httpsig_covers(p, "content-digest")))
        return s_refuse(resp, 401, "signature-incomplete",
                        "Incomplete signature",
                        "Cover @method, @target-uri and, with a body, "
                        "content-digest.");
    unsigned need = 1u << LPG_HTTPSIG_CREATED | 1u << LPG_HTTPSIG_NONCE |
                    1u << LPG_HTTPSIG_KEYID;
    if ((p->has & need) != need || !p->nonce[0])
        return s_refuse(resp, 401, "signature-incomplete",
                        "Incomplete signature",
                        "created, nonce and keyid are required.");
    uint64_t now_ms = lpg_clock_now_ms();
    rc = lpg_httpsig_fresh(p, (int64_t)(now_ms / 1000), S_WINDOW_S, S_WINDOW_S,
                           why, sizeof why);
    if (rc != LPG_OK)
        return s_refuse(resp, 401, "signature-window",
                        "Signature out of its window",
                        "created must be within five minutes of the "
                        "gateway's clock (and expires not passed).");
    if (!lpg_webd_api_unhex(p->keyid, dev->key_id, sizeof dev->key_id))
        return s_refuse(resp, 401, "unknown-device", "Unknown device",
                        "keyid is not a key id in 64 hex digits.");
    lpg_hex(dev->key_id, sizeof dev->key_id, dev->key_id_hex);
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    rc = l ? lpg_ledger_read(l, &t) : LPG_EUNAVAILABLE;
    if (rc == LPG_OK)
        rc = lpg_state_device(t, dev->key_id, &dev->state);
    lpg_txn_abort(&t);
    if (rc == LPG_ENOTFOUND)
        return s_refuse(resp, 401, "unknown-device", "Unknown device",
                        "No device is enrolled with this key.");
    if (rc != LPG_OK) {
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         "This gateway cannot read the ledger now.");
        return false;
    }
    if (dev->state->has_revoked_seq) {
        lpg_webd_device_clear(dev);
        return s_refuse(resp, 403, "device-revoked", "Device revoked",
                        "This device's key has been revoked.");
    }
    if (!s_role_ok(dev->state->role)) {
        lpg_webd_device_clear(dev);
        return s_refuse(resp, 403, "device-role",
                        "Not a device that uses the API", NULL);
    }
    if (body || req->header(req->hctx, "content-digest")) {
        const char *cd = req->header(req->hctx, "content-digest");
        rc = cd ? lpg_content_digest_check(cd, strlen(cd), req->body,
                                           req->body_len, why, sizeof why)
                : LPG_EDIGEST;
        if (rc != LPG_OK) {
            lpg_webd_device_clear(dev);
            return s_refuse(resp, 401, "digest-mismatch",
                            "Content-Digest does not match",
                            cd ? "Content-Digest is not the body's "
                                 "SHA-256 or SHA-512."
                               : "A body needs its Content-Digest.");
        }
    }
    lpg_key_t *key = NULL;
    rc = dev->state->sign_pub.len == LPG_ED25519_PUB_LEN
             ? lpg_key_from_raw_public(&key, dev->state->sign_pub.data)
             : LPG_EKEYFORMAT;
    if (rc == LPG_OK)
        rc = lpg_httpsig_check(&hr, &sig, key, why, sizeof why);
    lpg_key_destroy(&key);
    if (rc != LPG_OK) {
        lpg_webd_device_clear(dev);
        if (rc == LPG_EBADSIG)
            return s_refuse(resp, 401, "bad-signature", "Bad signature",
                            "The signature does not verify with the "
                            "device's key.");
        return s_refuse(resp, 401, "signature-malformed",
                        "Malformed signature", why[0] ? why : NULL);
    }
    /* Only a request that verified takes a place in the cache. */
    rc = s_replay ? lpg_replay_check(s_replay, dev->key_id, sizeof dev->key_id,
                                     p->nonce, strlen(p->nonce),
                                     (uint64_t)p->created * 1000, now_ms)
                  : LPG_ENOMEM;
    if (rc == LPG_OK)
        return true;
    lpg_webd_device_clear(dev);
    if (rc == LPG_EEXIST)
        return s_refuse(resp, 401, "replayed", "Replayed request",
                        "This nonce was used already: sign each request "
                        "with a fresh one.");
    if (rc == LPG_ECLOCK_AHEAD || rc == LPG_ECLOCK_BEHIND)
        return s_refuse(resp, 401, "signature-window",
                        "Signature out of its window", NULL);
    lpg_webd_problem(resp, 503, "nonces-full", "Too many requests",
                     "Retry in a minute.");
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Retry-After: 60\r\n");
    return false;
}

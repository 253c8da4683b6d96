/*  reasons.h - the one catalogue of reasons the fill gate and the
 *  delivery service give.
 *
 *  Each reason has a stable token (on the wire, in scripts, in reports),
 *  words in Chinese and English for the station operator, whether it
 *  refuses or only flags, and whether a supervisor may override it. The
 *  enum order is the order in which a verdict lists its reasons.
 */
#ifndef LPG_REASONS_H
#define LPG_REASONS_H

#include <stdbool.h>

typedef enum {
    /* fill check: the code */
    LPG_REASON_CODE_FORGED,
    LPG_REASON_CODE_CAPSLOCK,
    LPG_REASON_CODE_REVOKED,
    LPG_REASON_CODE_SUPERSEDED,
    LPG_REASON_CODE_UNREGISTERED,
    /* fill check: the cylinder and the station */
    LPG_REASON_CYL_UNKNOWN,
    LPG_REASON_SITE_NOT_STATION,
    LPG_REASON_NOT_OWNER,
    LPG_REASON_SCRAPPED,
    LPG_REASON_QUARANTINED,
    LPG_REASON_INSPECTION_OVERDUE,
    LPG_REASON_DESIGN_LIFE_EXCEEDED,
    LPG_REASON_UNINSURED,
    /* fill check: who and what asks */
    LPG_REASON_OPERATOR_UNKNOWN,
    LPG_REASON_OPERATOR_CERT_EXPIRED,
    LPG_REASON_DEVICE_NOT_HERE,
    /* fill check: corroboration (pocket codes) */
    LPG_REASON_TARE_UNKNOWN,
    LPG_REASON_TARE_MISMATCH,
    LPG_REASON_NOT_EMPTY_AT_STATION,
    LPG_REASON_IMPOSSIBLE_TRAVEL,
    /* fill check: the pre-fill visual checklist */
    LPG_REASON_VISUAL_MISSING,
    LPG_REASON_VISUAL_FAILED,
    /* fill record */
    LPG_REASON_FILL_NO_ALLOW,
    LPG_REASON_FILL_OTHER_CYLINDER,
    LPG_REASON_FILL_OTHER_STATION,
    LPG_REASON_FILL_OTHER_SCALE,
    LPG_REASON_FILL_ALLOW_USED,
    LPG_REASON_FILL_ALLOW_STALE,
    LPG_REASON_OVERFILL,
    LPG_REASON_SHORT_WEIGHT,
    LPG_REASON_LEAK,
    /* supervisor override */
    LPG_REASON_OVERRIDE_NO_CHECK,
    LPG_REASON_OVERRIDE_NOT_DENIED,
    LPG_REASON_OVERRIDE_OTHER_STATION,
    LPG_REASON_OVERRIDE_OTHER_CYLINDER,
    LPG_REASON_OVERRIDE_STALE,
    LPG_REASON_OVERRIDE_NOT_SUPERVISOR,
    LPG_REASON_OVERRIDE_CERT_EXPIRED,
    LPG_REASON_OVERRIDE_NO_REASON,
    LPG_REASON_OVERRIDE_TOKENS_MISMATCH,
    LPG_REASON_OVERRIDE_NOT_ALLOWED,
    /* delivery (lib/domain/delivery_rules.h); CYL_UNKNOWN, SCRAPPED, QUARANTINED
     * and INSPECTION_OVERDUE above serve it too */
    LPG_REASON_HANDHELD_UNKNOWN,
    LPG_REASON_STATION_UNKNOWN,
    LPG_REASON_DRIVER_UNKNOWN,
    LPG_REASON_DRIVER_CERT_EXPIRED,
    LPG_REASON_VEHICLE_UNKNOWN,
    LPG_REASON_VEHICLE_PERMIT_EXPIRED,
    LPG_REASON_USER_UNKNOWN,
    LPG_REASON_GAS_CERT_MISSING,
    LPG_REASON_GAS_CERT_MALFORMED,
    LPG_REASON_GAS_CERT_NOT_ISSUER,
    LPG_REASON_GAS_CERT_REVOKED,
    LPG_REASON_GAS_CERT_FORGED,
    LPG_REASON_GAS_CERT_OTHER_USER,
    LPG_REASON_GAS_CERT_MISMATCH,
    LPG_REASON_GAS_CERT_EXPIRED,
    LPG_REASON_NO_LEAK_ALARM,
    LPG_REASON_USER_HAZARD,
    LPG_REASON_SAFETY_CHECK_MISSING,
    LPG_REASON_SAFETY_CHECK_FAILED,
    LPG_REASON_WRONG_CUSTODY,
    LPG_REASON_LATE,
    /* orders (lib/domain/order.h): up front, and at the door */
    LPG_REASON_OVER_HOLDING_LIMIT,
    LPG_REASON_ORDER_UNKNOWN,
    LPG_REASON_ORDER_OTHER_DRIVER,
    LPG_REASON_ORDER_OTHER_USER,
    LPG_REASON_ORDER_CANCELLED,
    LPG_REASON_ORDER_COUNT_REACHED,
    LPG_REASON_ORDER_SPEC_MISMATCH,
    LPG_REASON_ORDER_COUNT_SHORT,
    LPG_REASON_NO_ORDER,
    /* a driver's look at an order's address (OrderAddress) */
    LPG_REASON_ORDER_NOT_YOURS,
    LPG_REASON_ORDER_CLOSED,
    LPG_REASON_COUNT
} lpg_reason_id_t;

typedef enum {
    LPG_REASON_REFUSAL, /* the request is refused (DENIED) */
    LPG_REASON_FLAG     /* recorded and reported, not refused */
} lpg_reason_kind_t;

typedef struct {
    lpg_reason_id_t id;
    const char *token; /* e.g. "TARE_MISMATCH": [A-Z_], never changes */
    const char *zh;    /* for the operator, Chinese */
    const char *en;    /* for the operator, English */
    lpg_reason_kind_t kind;
    bool overridable; /* a supervisor may override it (reasons.c) */
} lpg_reason_t;

/*  The reason with this token, or NULL if there is none (a token from
 *  outside, e.g. in a FillOverride, may be anything). Static storage. */
const lpg_reason_t *lpg_reason(const char *token);

/*  The reason with this id. id must be below LPG_REASON_COUNT. Static
 *  storage, never NULL. */
const lpg_reason_t *lpg_reason_by_id(lpg_reason_id_t id);

#endif

/*  fill.h - the filling service's kinds of event: the fill check (the
 *  gate's ALLOW or DENY), the fill record and the supervisor's override.
 *  Who may sign them (any enrolled device but the authority: where the
 *  device may act is judged by the fill rules, domain/fill_rules.h, so a
 *  refusal is recorded for audit), how they move the cylinder's record
 *  (the pending ALLOW, the fill, custody full at a station, quarantine
 *  after an over-fill or a leak) and how a trace describes them.
 */
#ifndef LPG_DOMAIN_FILL_H
#define LPG_DOMAIN_FILL_H

#include <stddef.h>

#include "domain/kind_row.h"

extern const lpg_kind_t lpg_fill_kinds[];
extern const size_t lpg_fill_nkinds;

#endif

/*  cylinder.c - see cylinder.h. */
#include "domain/cylinder.h"
#include "base/clock.h"
#include "base/count.h"
#include "base/error.h"
#include "domain/state.h"
#include "domain/words.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

bool
lpg_cylinder_scrapped(const Lpg__CylinderState *cyl)
{
    return cyl->has_status &&
           cyl->status == LPG__CYLINDER_STATUS__CYL_SCRAPPED;
}

void
lpg_cylinder_seen(Lpg__CylinderState *cyl, const char *site,
                  uint64_t device_ms, uint64_t recorded_at_ms)
{
    uint64_t at = lpg_clock_bounded(device_ms, recorded_at_ms);
    if (cyl->has_last_time_ms && at < cyl->last_time_ms)
        return;
    cyl->has_last_time_ms = 1;
    cyl->last_time_ms = at;
    if (site && *site)
        cyl->last_site = (char *)site;
}

uint32_t
lpg_cylinder_code_revision(const Lpg__CylinderState *cyl)
{
    if (cyl->has_code_revision)
        return cyl->code_revision;
    return cyl->reg && cyl->reg->has_code_revision ? cyl->reg->code_revision
                                                   : 0;
}

const char *
lpg_cylinder_code(const Lpg__CylinderState *cyl)
{
    if (cyl->code)
        return cyl->code;
    return cyl->reg ? cyl->reg->code : NULL;
}

/*  Is text the current code t records for its cylinder (*out parsed)? */
static bool
s_on_record(lpg_txn_t *t, const char *text, size_t len, const char *resolver,
            lpg_code_t *out)
{
    if (!t || lpg_code_parse(text, len, resolver, out) != LPG_OK)
        return false;
    Lpg__CylinderState *cyl = lpg_state_get(t, LPG_TABLE_CYLINDERS, out->grai,
                                            &lpg__cylinder_state__descriptor);
    const char *rec = cyl ? lpg_cylinder_code(cyl) : NULL;
    bool same = rec && strlen(rec) == len && memcmp(rec, text, len) == 0;
    lpg_state_free(cyl);
    if (same)
        lpg_count(LPG_COUNT_CODE_ON_RECORD);
    return same;
}

int
lpg_cylinder_code_verify(lpg_txn_t *t, const char *text, size_t len,
                         const char *resolver, const lpg_key_t *authority,
                         lpg_code_cache_t *codes, lpg_code_t *out)
{
    if (s_on_record(t, text, len, resolver, out))
        return LPG_OK;
    return codes ? lpg_code_cache_verify(codes, text, len, resolver, out)
                 : lpg_code_verify(text, len, resolver, authority, out);
}

void
lpg_cylinder_now(const Lpg__CylinderState *cyl, lpg_cylinder_now_t *out)
{
    out->status =
        cyl->has_status ? cyl->status : LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
    out->custody = cyl->has_custody ? cyl->custody
                                    : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
    out->holder = cyl->holder;
    out->site = cyl->last_site;
    out->vehicle = cyl->vehicle;
}

/*  ", " + prep + what, if there is what. */
static size_t
s_add(char *out, size_t outsz, size_t at, const char *prep, const char *what)
{
    if (!what || !*what || at >= outsz)
        return at;
    int n = snprintf(out + at, outsz - at, "%s%s", prep, what);
    return n < 0 ? at : at + (size_t)n;
}

static void
s_words(const lpg_cylinder_now_t *n, bool zh, char *out, size_t outsz)
{
    const char *czh = NULL, *szh = NULL;
    const char *cen = lpg_custody_words(n->custody, &czh);
    const char *sen = lpg_status_words(n->status, &szh);
    int w = zh ? snprintf(out, outsz, "%s，%s", szh, czh)
               : snprintf(out, outsz, "%s, %s", sen, cen);
    size_t at = w < 0 ? 0 : (size_t)w;
    switch (n->custody) {
    case LPG__CUSTODY__CUSTODY_AT_USER:
        s_add(out, outsz, at, " ", n->holder);
        break;
    case LPG__CUSTODY__CUSTODY_IN_TRANSIT:
        s_add(out, outsz, at, zh ? "，车辆 " : ", on ", n->vehicle);
        break;
    case LPG__CUSTODY__CUSTODY_COLLECTED:
        at = s_add(out, outsz, at, zh ? "，自用户 " : ", from ", n->holder);
        s_add(out, outsz, at, zh ? "，车辆 " : " on ", n->vehicle);
        break;
    case LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION:
    case LPG__CUSTODY__CUSTODY_FULL_AT_STATION:
    case _LPG__CUSTODY_IS_INT_SIZE:
        s_add(out, outsz, at, " ", n->site);
        break;
    }
}

void
lpg_cylinder_now_words(const lpg_cylinder_now_t *n, char *out, size_t outsz,
                       char *zh, size_t zhsz)
{
    if (out && outsz)
        s_words(n, false, out, outsz);
    if (zh && zhsz)
        s_words(n, true, zh, zhsz);
}

/*  words.c - see words.h. */
#include "domain/words.h"

#include <stddef.h>

static const char *
s_say(const char *en, const char *zh_text, const char **zh)
{
    if (zh)
        *zh = zh_text;
    return en;
}

const char *
lpg_custody_words(Lpg__Custody c, const char **zh)
{
    switch (c) {
    case LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION:
        return s_say("empty at a station", "站内空瓶", zh);
    case LPG__CUSTODY__CUSTODY_FULL_AT_STATION:
        return s_say("full at a station", "站内满瓶", zh);
    case LPG__CUSTODY__CUSTODY_IN_TRANSIT:
        return s_say("in transit", "运输途中", zh);
    case LPG__CUSTODY__CUSTODY_AT_USER:
        return s_say("at a user", "在用户处", zh);
    case LPG__CUSTODY__CUSTODY_COLLECTED:
        return s_say("collected by a driver, not back at a station",
                     "送气工已回收，未回站", zh);
    case _LPG__CUSTODY_IS_INT_SIZE:
        break;
    }
    return s_say("unknown", "未知", zh);
}

const char *
lpg_status_words(Lpg__CylinderStatus s, const char **zh)
{
    switch (s) {
    case LPG__CYLINDER_STATUS__CYL_IN_SERVICE:
        return s_say("in service", "在用", zh);
    case LPG__CYLINDER_STATUS__CYL_QUARANTINED:
        return s_say("quarantined (held: no fill until released)",
                     "停用待查（放行前不得充装）", zh);
    case LPG__CYLINDER_STATUS__CYL_SCRAPPED:
        return s_say("scrapped", "已报废", zh);
    case _LPG__CYLINDER_STATUS_IS_INT_SIZE:
        break;
    }
    return s_say("unknown", "未知", zh);
}

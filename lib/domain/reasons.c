/*  reasons.c - see reasons.h. The table below is the whole catalogue.
 *
 *  Which refusals a supervisor may override (FillOverride, a signed event
 *  with a reason, reported to the regulator). DESIGN.md §7 forbids it for
 *  scrapped and overdue cylinders; the rest is decided here:
 *
 *  Never overridable:
 *  - CODE_FORGED, CODE_REVOKED, CODE_SUPERSEDED, CODE_UNREGISTERED,
 *    CYL_UNKNOWN: without a genuine, current code and a registered
 *    cylinder nothing is known about what stands on the scale (the label
 *    a relabel replaced should have been destroyed: met again, it may be
 *    on another cylinder). CODE_CAPSLOCK: the remedy is a rescan.
 *  - SITE_NOT_STATION, DEVICE_NOT_HERE: the request itself does not come
 *    from a filling station we know, so neither can its override.
 *  - NOT_OWNER: fixed filling (固定充装) is the law, not a judgement call.
 *  - SCRAPPED, INSPECTION_OVERDUE, DESIGN_LIFE_EXCEEDED: safety of the
 *    steel; DESIGN.md names the first two explicitly.
 *  - QUARANTINED: a held cylinder (over-filled, leaking) is released by a
 *    registry update once it is dealt with, not at the scale.
 *  - UNINSURED: every cylinder in use must be insured (policy).
 *  - OPERATOR_UNKNOWN, OPERATOR_CERT_EXPIRED: an uncertified person must
 *    not fill; a supervisor who wants to fill scans under their own name.
 *  - TARE_UNKNOWN: the industry checklist refuses it, and no net weight
 *    can be computed for the fill record.
 *  - VISUAL_MISSING (redo the check), VISUAL_FAILED (a damaged cylinder
 *    is not filled on anyone's say-so).
 *
 *  Overridable, with a written reason:
 *  - TARE_MISMATCH: scales drift and an empty may hold more residual gas
 *    than the tolerance; the supervisor compares the steel stamp with the
 *    code by eye, which is what the tare corroborates.
 *  - NOT_EMPTY_AT_STATION: an empty can come back by a route the ledger
 *    missed (a walk-in return, a driver's lost handheld).
 *  - IMPOSSIBLE_TRAVEL: device clocks and site coordinates can be wrong;
 *    again the supervisor checks the stamp.
 *
 *  The fill record and override reasons answer a different request and are
 *  never overridable; OVERFILL, SHORT_WEIGHT and LEAK are flags (the fill
 *  is recorded, the cylinder held or flagged), not refusals.
 *
 *  Delivery reasons (dispatch, delivery, collection, return) are never
 *  overridable: there is no supervisor at a user's door. LATE is a flag:
 *  the step is judged and recorded as usual, and reported as late.
 */
#include "domain/reasons.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#define R_REFUSE(id_, zh_, en_, ov_) \
    [LPG_REASON_##                   \
        id_] = {LPG_REASON_##id_, #id_, zh_, en_, LPG_REASON_REFUSAL, ov_}
#define R_FLAG(id_, zh_, en_) \
    [LPG_REASON_##            \
        id_] = {LPG_REASON_##id_, #id_, zh_, en_, LPG_REASON_FLAG, false}

static const lpg_reason_t s_reasons[LPG_REASON_COUNT] = {
    R_REFUSE(CODE_FORGED, "码无效或伪造",
             "code is forged or not issued by the authority", false),
    R_REFUSE(CODE_CAPSLOCK, "扫码枪大写锁定或键盘布局错误，请关闭后重扫",
             "scanner typed with Caps Lock on: turn it off and scan again",
             false),
    R_REFUSE(CODE_REVOKED, "此码已作废（气瓶已报废）",
             "code is revoked (cylinder scrapped)", false),
    R_REFUSE(CODE_SUPERSEDED, "此码已被新标签取代，旧标签再次出现，疑似克隆码",
             "this label was replaced by a newer one: an old label met again "
             "may be a clone",
             false),
    R_REFUSE(CODE_UNREGISTERED, "此码版本未在登记信息中",
             "this revision of the code is not the one registered", false),
    R_REFUSE(CYL_UNKNOWN, "气瓶未登记", "cylinder is not registered", false),
    R_REFUSE(SITE_NOT_STATION, "本站不是已登记的充装站",
             "this site is not a registered filling station", false),
    R_REFUSE(NOT_OWNER, "非本单位产权气瓶或不属本站固定充装",
             "cylinder is not owned by this station's company, or is bound "
             "to another station",
             false),
    R_REFUSE(SCRAPPED, "气瓶已报废", "cylinder is scrapped", false),
    R_REFUSE(QUARANTINED, "气瓶已扣留待处理（超装或泄漏）",
             "cylinder is held (over-filled or leaking) until released",
             false),
    R_REFUSE(INSPECTION_OVERDUE, "气瓶超期未检验（或无检验日期）",
             "periodic inspection is overdue (or no due date on record)",
             false),
    R_REFUSE(DESIGN_LIFE_EXCEEDED, "气瓶超过设计使用年限",
             "cylinder is past its design service life", false),
    R_REFUSE(UNINSURED, "气瓶未投保或保险已过期",
             "cylinder insurance is missing or expired", false),
    R_REFUSE(OPERATOR_UNKNOWN, "操作人员不是本站充装人员",
             "operator is not filling staff of this station", false),
    R_REFUSE(OPERATOR_CERT_EXPIRED, "操作人员合格证书已过期",
             "operator's certificate has expired", false),
    R_REFUSE(DEVICE_NOT_HERE, "设备未在本站登记或已吊销",
             "device is not enrolled at this station, or is revoked", false),
    R_REFUSE(TARE_UNKNOWN, "气瓶皮重不明", "cylinder's tare is not on record",
             false),
    R_REFUSE(TARE_MISMATCH, "空瓶称重与登记皮重不符（疑似口袋码）",
             "empty weight on the scale does not match the registered tare "
             "(pocket code?)",
             true),
    R_REFUSE(NOT_EMPTY_AT_STATION, "记录显示此瓶不是回站空瓶",
             "records say this cylinder is not an empty back at a station",
             true),
    R_REFUSE(IMPOSSIBLE_TRAVEL, "同一气瓶在不可能到达的时间内出现在远处站点",
             "same cylinder was seen at a site too far away for the time "
             "since",
             true),
    R_REFUSE(VISUAL_MISSING, "充装前检查项目未做",
             "pre-fill check item not done", false),
    R_REFUSE(VISUAL_FAILED, "充装前检查不合格", "pre-fill check failed",
             false),
    R_REFUSE(FILL_NO_ALLOW, "充装记录没有对应的允许充装",
             "fill record does not follow a fill that was allowed", false),
    R_REFUSE(FILL_OTHER_CYLINDER, "允许充装的是另一个气瓶",
             "the fill was allowed for another cylinder", false),
    R_REFUSE(FILL_OTHER_STATION, "允许充装的是另一个站",
             "the fill was allowed at another station", false),
    R_REFUSE(FILL_OTHER_SCALE, "允许充装的是另一台秤",
             "the fill was allowed on another scale", false),
    R_REFUSE(FILL_ALLOW_USED, "该次允许充装已被使用",
             "this permission to fill was already used", false),
    R_REFUSE(FILL_ALLOW_STALE, "该次允许充装已被之后的检查取代",
             "a later fill check of this cylinder replaced this permission",
             false),
    R_FLAG(OVERFILL, "超装：气瓶扣留，待倒残",
           "over-filled: cylinder held until decanted"),
    R_FLAG(SHORT_WEIGHT, "充装量不足", "short weight: net fill too low"),
    R_FLAG(LEAK, "充装后检漏不合格：气瓶扣留",
           "leak check after filling failed: cylinder held"),
    R_REFUSE(OVERRIDE_NO_CHECK, "找不到要放行的充装检查",
             "no such fill check to override", false),
    R_REFUSE(OVERRIDE_NOT_DENIED, "该充装检查未被拒绝，无需放行",
             "that fill check was not refused", false),
    R_REFUSE(OVERRIDE_OTHER_STATION, "该充装检查属于另一个站",
             "that fill check was made at another station", false),
    R_REFUSE(OVERRIDE_OTHER_CYLINDER, "放行的气瓶与检查的气瓶不一致",
             "the override names another cylinder than the check", false),
    R_REFUSE(OVERRIDE_STALE, "该气瓶之后已有新的检查或充装",
             "the cylinder has been checked or filled since", false),
    R_REFUSE(OVERRIDE_NOT_SUPERVISOR, "放行人不是本站主管",
             "only a supervisor of this station may override", false),
    R_REFUSE(OVERRIDE_CERT_EXPIRED, "主管合格证书已过期",
             "supervisor's certificate has expired", false),
    R_REFUSE(OVERRIDE_NO_REASON, "放行须写明理由",
             "an override needs a written reason", false),
    R_REFUSE(OVERRIDE_TOKENS_MISMATCH, "放行所列原因与拒绝原因不一致",
             "the override must list exactly the reasons of the refusal",
             false),
    R_REFUSE(OVERRIDE_NOT_ALLOWED, "此拒绝原因不允许放行",
             "this reason cannot be overridden", false),
    R_REFUSE(HANDHELD_UNKNOWN, "手持终端未登记为本单位送气终端或已吊销",
             "device is not a handheld of the cylinder's company, or is "
             "revoked",
             false),
    R_REFUSE(STATION_UNKNOWN, "站点未登记或不属气瓶产权单位",
             "site is not registered to the cylinder's company", false),
    R_REFUSE(DRIVER_UNKNOWN, "送气人员不是产权单位登记的送气工",
             "driver is not registered delivery staff of the cylinder's "
             "company",
             false),
    R_REFUSE(DRIVER_CERT_EXPIRED, "送气工合格证书已过期",
             "driver's certificate has expired", false),
    R_REFUSE(VEHICLE_UNKNOWN, "车辆未登记或不属产权单位",
             "vehicle is not registered to the cylinder's company", false),
    R_REFUSE(VEHICLE_PERMIT_EXPIRED, "车辆危险货物运输许可已过期",
             "vehicle's hazardous-goods permit has expired", false),
    R_REFUSE(USER_UNKNOWN, "用户未实名登记或不属产权单位",
             "user is not a registered real-name user of the cylinder's "
             "company",
             false),
    R_REFUSE(GAS_CERT_MISSING, "未扫描用户的供气使用凭证",
             "no gas-use certificate scanned: scan the user's certificate",
             false),
    R_REFUSE(GAS_CERT_MALFORMED, "扫描到的不是供气使用凭证二维码",
             "what was scanned is not a gas-use certificate", false),
    R_REFUSE(GAS_CERT_NOT_ISSUER, "供气使用凭证不是用户所属燃气公司签发的",
             "certificate was not issued by the user's gas company", false),
    R_REFUSE(GAS_CERT_REVOKED, "签发凭证的公司密钥已吊销，凭证作废",
             "the company key that issued the certificate is revoked: "
             "certificate void",
             false),
    R_REFUSE(GAS_CERT_FORGED, "供气使用凭证签名无效（伪造或被改动）",
             "certificate signature is invalid: forged or altered", false),
    R_REFUSE(GAS_CERT_OTHER_USER, "此供气使用凭证属于其他用户",
             "certificate belongs to another user", false),
    R_REFUSE(GAS_CERT_MISMATCH, "供气使用凭证编号与登记不符",
             "certificate number does not match the one registered", false),
    R_REFUSE(GAS_CERT_EXPIRED, "供气使用凭证已过期",
             "gas-use certificate has expired", false),
    R_REFUSE(NO_LEAK_ALARM, "餐饮用户未安装可用的燃气泄漏报警器",
             "restaurant has no working gas leak alarm", false),
    R_REFUSE(USER_HAZARD, "用户存在未整改的重大隐患，暂停供气",
             "user has an unrectified major hazard: no supply", false),
    R_REFUSE(SAFETY_CHECK_MISSING, "随瓶安检项目未检查，不得供气",
             "safety check at delivery not done: no supply", false),
    R_REFUSE(SAFETY_CHECK_FAILED, "随瓶安检不合格，不得供气",
             "safety check at delivery failed: no supply", false),
    R_REFUSE(WRONG_CUSTODY, "气瓶当前状态不允许此操作",
             "the cylinder's custody does not allow this step", false),
    R_FLAG(LATE, "迟到上报（离线设备）", "reported late (offline device)"),
    R_REFUSE(OVER_HOLDING_LIMIT, "用户持有气瓶将超过限额",
             "the household would hold more cylinders than its limit", false),
    R_REFUSE(ORDER_UNKNOWN, "订单不存在", "no such order", false),
    R_REFUSE(ORDER_OTHER_DRIVER, "订单未派给此送气工",
             "the order is not assigned to this driver", false),
    R_REFUSE(ORDER_OTHER_USER, "订单属于其他用户",
             "the order is for another household", false),
    R_REFUSE(ORDER_CANCELLED, "订单已取消", "the order is cancelled", false),
    R_REFUSE(ORDER_COUNT_REACHED, "订单所订气瓶已全部送达，不能再送",
             "the order's count is already handed over: no more cylinders "
             "on it",
             false),
    R_REFUSE(ORDER_SPEC_MISMATCH, "气瓶规格与订单不符",
             "the cylinder is not of the spec ordered", false),
    R_REFUSE(ORDER_COUNT_SHORT, "送达气瓶少于订购数量，订单不能结为已送达",
             "fewer cylinders handed over than ordered: the order is not "
             "delivered yet",
             false),
    R_FLAG(NO_ORDER, "无订单送气（平台外销售）",
           "delivery without an order (sold outside the platform)"),
    R_REFUSE(ORDER_NOT_YOURS, "订单未派给您，不能查看地址",
             "the order is not assigned to you: its address is not yours "
             "to see",
             false),
    R_REFUSE(ORDER_CLOSED,
             "订单已结束（已送达、已取消或被拒），不能再查看地址",
             "the order is closed (delivered, cancelled or refused): its "
             "address is no longer shown",
             false),
};

const lpg_reason_t *
lpg_reason(const char *token)
{
    if (!token)
        return NULL;
    for (size_t i = 0; i < LPG_REASON_COUNT; i++)
        if (s_reasons[i].token && strcmp(s_reasons[i].token, token) == 0)
            return &s_reasons[i];
    return NULL;
}

const lpg_reason_t *
lpg_reason_by_id(lpg_reason_id_t id)
{
    assert((unsigned)id < LPG_REASON_COUNT);
    return &s_reasons[id];
}

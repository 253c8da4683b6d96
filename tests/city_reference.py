#!/usr/bin/env python3
"""city_reference.py - what `lpgtrace recall` and `lpgtrace report` must
print for a city, worked out from the city generator's own record
(tests/tools/city.c writes it) and never from the ledger.

It replays the record's actions in ledger order, predicts each service's
answer with the rules it knows (so a refusal that the rules would not give,
or a missing one, is a mismatch), keeps its own picture of every cylinder,
user and hazard, and prints the CSV the real command must print.

  city_reference.py RECORD --zone Z check
  city_reference.py RECORD --zone Z recall --site S --from T1 --to T2
  city_reference.py RECORD --zone Z report KIND --today YYYY-MM-DD
        [--period month|quarter|year] [--escalated-on YYYY-MM-DD]
  city_reference.py RECORD --zone Z escalations --on YYYY-MM-DD
  city_reference.py RECORD --zone Z orders --today YYYY-MM-DD
  city_reference.py RECORD --zone Z no-orders --today YYYY-MM-DD

KIND: refused, overdue, hazards, anomalies, coverage. `orders` prints the
JSON document `lpgtrace report orders --json` must print, `no-orders` the
no_order rows of `lpgtrace report anomalies --json` (a JSON list). --escalated-on D:
the inspection service's timer has looked at the hazards with its clock on
day D (after the whole record), so every hazard still open whose deadline
is before D is escalated to its user's area; `escalations` prints how many
that is. Standard library only.
"""
import argparse
import datetime
import json
import math
import re
import sys
import zoneinfo

# The reason catalogue, in its order (lib/domain/reasons.c): a verdict lists its
# reasons in this order.
CATALOGUE = """CODE_FORGED CODE_CAPSLOCK CODE_REVOKED CODE_SUPERSEDED
CODE_UNREGISTERED CYL_UNKNOWN
SITE_NOT_STATION NOT_OWNER SCRAPPED QUARANTINED INSPECTION_OVERDUE
DESIGN_LIFE_EXCEEDED UNINSURED OPERATOR_UNKNOWN OPERATOR_CERT_EXPIRED
DEVICE_NOT_HERE TARE_UNKNOWN TARE_MISMATCH NOT_EMPTY_AT_STATION
IMPOSSIBLE_TRAVEL VISUAL_MISSING VISUAL_FAILED FILL_NO_ALLOW
FILL_OTHER_CYLINDER FILL_OTHER_STATION FILL_OTHER_SCALE FILL_ALLOW_USED
FILL_ALLOW_STALE OVERFILL SHORT_WEIGHT LEAK OVERRIDE_NO_CHECK
OVERRIDE_NOT_DENIED OVERRIDE_OTHER_STATION OVERRIDE_OTHER_CYLINDER
OVERRIDE_STALE OVERRIDE_NOT_SUPERVISOR OVERRIDE_CERT_EXPIRED
OVERRIDE_NO_REASON OVERRIDE_TOKENS_MISMATCH OVERRIDE_NOT_ALLOWED
HANDHELD_UNKNOWN STATION_UNKNOWN DRIVER_UNKNOWN DRIVER_CERT_EXPIRED
VEHICLE_UNKNOWN VEHICLE_PERMIT_EXPIRED USER_UNKNOWN GAS_CERT_MISMATCH
NO_LEAK_ALARM USER_HAZARD SAFETY_CHECK_MISSING SAFETY_CHECK_FAILED
WRONG_CUSTODY LATE OVER_HOLDING_LIMIT ORDER_UNKNOWN ORDER_OTHER_DRIVER
ORDER_OTHER_USER ORDER_CANCELLED ORDER_COUNT_REACHED ORDER_SPEC_MISMATCH
ORDER_COUNT_SHORT NO_ORDER""".split()
FLAGS = {"OVERFILL", "SHORT_WEIGHT", "LEAK", "LATE", "NO_ORDER"}

# Rule thresholds: the defaults of lib/base/config.c.
TARE_TOLERANCE_G = 300  # above the tare
TARE_BELOW_G = 150      # below it
OVER_TOLERANCE_G = 500
UNDER_TOLERANCE_G = 500
TRAVEL_KMH = 120
TRAVEL_SLACK_KM = 5.0
LATE_MS = 600000
MAJOR_DAYS = 3
MINOR_DAYS = 15
HOARD_HOUSEHOLD = 2
HOARD_BUSINESS = 10
HOARD_VEHICLE_HOURS = 48

MAJOR_ITEMS = {"flame_failure", "hose_metal", "storage"}

# The 随瓶安检 items a delivery must report (lib/domain/delivery_rules.h):
# every user the cylinder's connection and its storage place, households
# and restaurants (and users of no known kind) their stove too.
SAFETY_ITEMS = [("hose", None), ("regulator", None), ("valve", None),
                ("leak", None), ("stove", {"household", "restaurant"}),
                ("storage", None)]


def safety_missing(user_kind, reported):
    """The items of the user's kind that were not reported, in order."""
    kind = user_kind if user_kind in ("restaurant", "business") else \
        "household"
    return [item for item, kinds in SAFETY_ITEMS
            if (kinds is None or kind in kinds) and item not in reported]


def order(tokens):
    return sorted(tokens, key=CATALOGUE.index)


class Cylinder:
    def __init__(self, f):
        self.grai = f["grai"]
        self.serial = f["serial"]
        self.owner = f["owner"]
        self.fill_site = f["fill_site"]
        self.tare = int(f["tare_g"])
        self.fill = int(f["fill_g"])
        self.next = int(f["next_inspection"])
        self.custody = "CUSTODY_EMPTY_AT_STATION"
        self.status = "CYL_IN_SERVICE"
        self.holder = ""
        self.last_site = ""
        self.last_time = None
        self.allowed = False       # an unused ALLOW waits for its fill
        self.on_vehicle = None     # (seq, time, site, plate)
        self.delivered = None      # (seq, time) of the delivery that
        self.vehicle = ""          # put it where it is

    def seen(self, site, t, sent):
        """Last seen at site: at t, but never later than the service
        heard of it, nor earlier than it was last seen (a step synced
        late does not move it back)."""
        t = min(t, sent)
        if self.last_time is None or t >= self.last_time:
            self.last_site, self.last_time = site, t


class City:
    def __init__(self, path, zone):
        self.zone = zoneinfo.ZoneInfo(zone)
        self.companies = {}
        self.sites = {}
        self.users = {}
        self.cyls = {}
        self.hazards = {}
        self.orders = {}      # order id -> what lpg-orderd must hold
        self.events = []      # recorded actions with a sequence number
        self.mismatches = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                parts = line.split("\t")
                rec = {"kind": parts[0]}
                for p in parts[1:]:
                    k, _, v = p.partition("=")
                    rec[k] = v
                self.take(rec)
        self.events.sort(key=lambda r: int(r["seq"]))
        self.by_seq = {int(r["seq"]): r for r in self.events}
        for rec in self.events:
            self.replay(rec)

    def take(self, r):
        k = r["kind"]
        if k == "company":
            self.companies[r["id"]] = r
        elif k == "site":
            self.sites[r["id"]] = r
        elif k == "user":
            u = dict(r)
            u["registered"] = int(r["t"])
            u["erased"] = None
            u["open_major"] = 0
            u["inspected"] = []
            self.users[r["id"]] = u
        elif k == "cylinder":
            self.cyls[r["grai"]] = Cylinder(r)
        elif k == "round":
            pass
        else:
            self.events.append(r)

    # -- time -------------------------------------------------------------
    def local(self, ms):
        return datetime.datetime.fromtimestamp(ms / 1000, self.zone)

    def ymd(self, ms):
        d = self.local(ms)
        return d.year * 10000 + d.month * 100 + d.day

    # -- the rules, as far as the city exercises them ----------------------
    def km(self, a, b):
        la1, lo1 = int(a["lat_e6"]) / 1e6, int(a["lon_e6"]) / 1e6
        la2, lo2 = int(b["lat_e6"]) / 1e6, int(b["lon_e6"]) / 1e6
        p1, p2 = math.radians(la1), math.radians(la2)
        dp, dl = p2 - p1, math.radians(lo2 - lo1)
        h = (math.sin(dp / 2) ** 2 +
             math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2)
        return 2 * 6371.0 * math.asin(math.sqrt(h))

    def held(self, user):
        """The cylinders the user holds now."""
        return sum(1 for c in self.cyls.values()
                   if c.custody == "CUSTODY_AT_USER" and c.holder == user)

    def predict_order(self, r):
        """The reasons lpg-orderd must give an order step, or None for
        a step out of the order's life (refused unrecorded)."""
        k = r["kind"]
        o = self.orders.get(r["order"])
        if k == "order_place":
            if o is not None:
                return None
            u = self.users[r["user"]]
            why = []
            if u["erased"] is not None:
                why.append("USER_UNKNOWN")
            if u["open_major"] > 0:
                why.append("USER_HAZARD")
            most = (HOARD_HOUSEHOLD if u["user_kind"] == "household"
                    else HOARD_BUSINESS)
            if self.held(r["user"]) + 1 > most:
                why.append("OVER_HOLDING_LIMIT")
            return order(why)
        if o is None:
            return None
        fits = {"order_accept": ("placed",),
                "order_assign": ("accepted", "assigned"),
                "order_delivered": ("assigned", "out")}[k]
        if o["status"] not in fits:
            return None
        if k == "order_delivered":
            d = self.by_seq.get(int(r["delivery_seq"]))
            if (d is None or d["kind"] != "delivery" or not d.get("ok") or
                    d.get("order") != r["order"] or d["user"] != o["user"]):
                return None
        return []

    def predict(self, r):
        """The reasons the service must give (catalogue order)."""
        k = r["kind"]
        t = int(r["t"])
        today = self.ymd(int(r["sent"])) if "sent" in r else 0
        why = []
        c = self.cyls.get(r.get("cylinder", ""))
        if k == "fill_check":
            site = self.sites[r["site"]]
            if r["code"] == "forged":
                return ["CODE_FORGED"]
            if r["code"] == "revision0":
                why.append("CODE_SUPERSEDED")
            if c.owner != site["company"] or c.fill_site != r["site"]:
                why.append("NOT_OWNER")
            if c.status == "CYL_QUARANTINED":
                why.append("QUARANTINED")
            if c.next < today:
                why.append("INSPECTION_OVERDUE")
            empty = int(r["empty_g"])
            if (empty < c.tare - TARE_BELOW_G or
                    empty > c.tare + TARE_TOLERANCE_G):
                why.append("TARE_MISMATCH")
            if c.custody != "CUSTODY_EMPTY_AT_STATION":
                why.append("NOT_EMPTY_AT_STATION")
            if c.last_site and c.last_site != r["site"]:
                hours = max(0, t - c.last_time) / 3600000.0
                if (self.km(self.sites[c.last_site], site) >
                        TRAVEL_KMH * hours + TRAVEL_SLACK_KM):
                    why.append("IMPOSSIBLE_TRAVEL")
            for item in r["failed_checks"].split("+"):
                if item != "-":
                    why.append("VISUAL_FAILED")
        elif k == "fill_record":
            if not c.allowed:
                why.append("FILL_NO_ALLOW")
            net = int(r["full_g"]) - c.tare
            if net > c.fill + OVER_TOLERANCE_G:
                why.append("OVERFILL")
            elif net < c.fill - UNDER_TOLERANCE_G:
                why.append("SHORT_WEIGHT")
        elif k in ("dispatch", "delivery", "collection", "return"):
            if k == "dispatch":
                if c.status == "CYL_QUARANTINED":
                    why.append("QUARANTINED")
                if c.next < today:
                    why.append("INSPECTION_OVERDUE")
                if c.custody != "CUSTODY_FULL_AT_STATION":
                    why.append("WRONG_CUSTODY")
            elif k == "delivery":
                u = self.users[r["user"]]
                if u["erased"] is not None:
                    why.append("USER_UNKNOWN")
                elif r["gas_cert_of"] != r["user"]:
                    why.append("GAS_CERT_MISMATCH")
                if u["open_major"] > 0:
                    why.append("USER_HAZARD")
                sent = r["checks"].split("+") if r["checks"] != "-" else []
                for item in safety_missing(u["user_kind"], sent):
                    why.append("SAFETY_CHECK_MISSING")
                for item in r["failed_checks"].split("+"):
                    if item != "-":
                        why.append("SAFETY_CHECK_FAILED")
                if c.custody != "CUSTODY_IN_TRANSIT":
                    why.append("WRONG_CUSTODY")
                o = self.orders.get(r.get("order", "-"))
                if r.get("order", "-") == "-":
                    why.append("NO_ORDER")
                elif o is None:
                    why.append("ORDER_UNKNOWN")
                else:
                    if o["status"] in ("cancelled", "refused"):
                        why.append("ORDER_CANCELLED")
                    if o["driver"] != r["actor"]:
                        why.append("ORDER_OTHER_DRIVER")
                    if o["user"] != r["user"]:
                        why.append("ORDER_OTHER_USER")
                    if (o["handed"] >= o["count"] or
                            o["status"] == "delivered"):
                        why.append("ORDER_COUNT_REACHED")
            elif k == "collection":
                if (c.custody != "CUSTODY_AT_USER" or
                        c.holder != r["user"]):
                    why.append("WRONG_CUSTODY")
            elif c.custody not in ("CUSTODY_COLLECTED", "CUSTODY_IN_TRANSIT"):
                why.append("WRONG_CUSTODY")
            if int(r["sent"]) - t > LATE_MS:
                why.append("LATE")
        return order(why)

    def replay(self, r):
        k = r["kind"]
        seq = int(r["seq"])
        t = int(r["t"])
        if k == "erase":
            self.users[r["user"]]["erased"] = t
            return
        if k in ("inspection", "rectify"):
            self.replay_inspection(r, seq, t)
            return
        if k.startswith("order_"):
            self.replay_order(r, seq, t)
            return
        why = self.predict(r)
        status = "DENIED" if any(w not in FLAGS for w in why) else "OK"
        got = r["reasons"].split("+") if r["reasons"] != "-" else []
        if status != r["status"] or why != got:
            self.mismatches.append("seq %d %s %s: predicted %s %s, "
                                   "answered %s %s" % (
                                       seq, k, r.get("cylinder", ""), status,
                                       "+".join(why) or "-", r["status"],
                                       r["reasons"]))
        r["why"] = why
        r["ok"] = status == "OK"
        c = self.cyls[r["cylinder"]]
        ok = r["ok"]
        if k == "delivery" and ok and r.get("order", "-") in self.orders:
            self.orders[r["order"]]["handed"] += 1
        if k == "fill_check":
            if ok:
                c.allowed = True
                c.seen(r["site"], t, int(r.get("sent", t)))
            # a refused check changes no pending ALLOW
        elif k == "fill_record":
            if ok:
                c.allowed = False
                c.custody = "CUSTODY_FULL_AT_STATION"
                c.seen(r["site"], t, int(r.get("sent", t)))
            if "OVERFILL" in why:
                c.status = "CYL_QUARANTINED"
        elif ok and k == "dispatch":
            c.custody = "CUSTODY_IN_TRANSIT"
            c.holder = ""
            c.seen(r["site"], t, int(r.get("sent", t)))
            c.on_vehicle = (seq, t, r["site"], r["vehicle"])
        elif ok and k == "delivery":
            c.custody = "CUSTODY_AT_USER"
            c.holder = r["user"]
            c.delivered = (seq, t)
        elif ok and k == "collection":
            c.custody = "CUSTODY_COLLECTED"
            c.on_vehicle = (seq, t, "-", r["vehicle"])
        elif ok and k == "return":
            c.custody = "CUSTODY_EMPTY_AT_STATION"
            c.holder = ""
            c.seen(r["site"], t, int(r.get("sent", t)))

    def replay_order(self, r, seq, t):
        why = self.predict_order(r)
        got = r["reasons"].split("+") if r["reasons"] != "-" else []
        if why is None:
            status = "INVALID"
        else:
            status = "DENIED" if any(w not in FLAGS for w in why) else "OK"
        if status != r["status"] or (why is not None and why != got):
            self.mismatches.append("seq %d %s %s: predicted %s %s, "
                                   "answered %s %s" % (
                                       seq, r["kind"], r["order"], status,
                                       "+".join(why or []) or "-",
                                       r["status"], r["reasons"]))
        r["why"] = why or []
        r["ok"] = status == "OK"
        k = r["kind"]
        if k == "order_place" and status in ("OK", "DENIED"):
            self.orders[r["order"]] = {
                "company": r["company"], "user": r["user"], "placed": t,
                "slot_to": int(r["slot_to"]), "driver": "",
                "status": "placed" if status == "OK" else "refused",
                "reasons": why, "delivered": None,
                "count": int(r.get("count", 1)), "handed": 0}
        elif status == "OK" and k == "order_accept":
            self.orders[r["order"]]["status"] = "accepted"
        elif status == "OK" and k == "order_assign":
            o = self.orders[r["order"]]
            o["status"] = "assigned"
            o["driver"] = r["driver"]
        elif status == "OK" and k == "order_delivered":
            o = self.orders[r["order"]]
            o["status"] = "delivered"
            o["delivered"] = t

    def orders_report(self, today, today_text):
        """`report orders --json`: a row per company and local day of
        the orders placed that day and the deliveries recorded that day
        without an order (by the handheld's company: the cylinder's)"""
        now = int(datetime.datetime.now(self.zone).timestamp() * 1000)
        if self.ymd(now) == today:
            cutoff = now
        else:
            td = datetime.date(today // 10000, today // 100 % 100,
                               today % 100)
            end = datetime.datetime.combine(td + datetime.timedelta(days=1),
                                            datetime.time(), self.zone)
            cutoff = int(end.timestamp() * 1000)
        rows = {}
        total = self.orders_row()

        def count(row, o):
            row["orders"] += 1
            st = o["status"]
            if st != "refused":
                row["cylinders"] += o["count"]
            row["handed"] += o["handed"]
            if st == "delivered":
                row["delivered"] += 1
                if o["delivered"] >= o["placed"]:
                    row["waits"].append(o["delivered"] - o["placed"])
            elif st == "cancelled":
                row["cancelled"] += 1
            elif st == "refused":
                row["refused"] += 1
                for w in o["reasons"] or ["REFUSED_BY_COMPANY"]:
                    row["reasons"][w] = row["reasons"].get(w, 0) + 1
            else:
                row["open"] += 1
                if o["slot_to"] and o["slot_to"] < cutoff:
                    row["not_fulfilled"] += 1

        for o in self.orders.values():
            key = (o["company"], self.ymd(o["placed"]))
            count(rows.setdefault(key, self.orders_row()), o)
            count(total, o)
        for r in self.events:
            if (r["kind"] == "delivery" and r.get("ok") and
                    "NO_ORDER" in r["why"]):
                key = (self.cyls[r["cylinder"]].owner, self.ymd(int(r["t"])))
                rows.setdefault(key, self.orders_row())["no_order"] += 1
                total["no_order"] += 1
        out = []
        for (company, day) in sorted(rows, key=lambda k: (k[0].encode(),
                                                          k[1])):
            out.append(self.orders_json(rows[(company, day)], company, day))
        return {"report": "orders", "today": today_text,
                "totals": self.orders_json(total), "rows": out}

    @staticmethod
    def orders_row():
        return {"orders": 0, "delivered": 0, "cancelled": 0, "refused": 0,
                "open": 0, "not_fulfilled": 0, "waits": [], "reasons": {},
                "no_order": 0, "cylinders": 0, "handed": 0}

    @staticmethod
    def orders_json(row, company=None, day=None):
        out = {}
        if company is not None:
            out["company"] = company
            out["day"] = "%04d-%02d-%02d" % (day // 10000, day // 100 % 100,
                                             day % 100)
        for k in ("orders", "delivered", "cancelled", "refused", "open",
                  "not_fulfilled"):
            out[k] = row[k]
        waits = sorted(row["waits"])
        for name, p in (("p50_s", 50), ("p90_s", 90)):
            rank = max(1, (len(waits) * p + 99) // 100)
            out[name] = waits[rank - 1] // 1000 if waits else None
        out["refused_reasons"] = {w: row["reasons"][w]
                                  for w in sorted(row["reasons"],
                                                  key=str.encode)}
        out["no_order"] = row["no_order"]
        out["cylinders"] = row["cylinders"]
        out["handed"] = row["handed"]
        return out

    def replay_inspection(self, r, seq, t):
        u = self.users[r["user"]]
        if r["status"] != "OK":
            self.mismatches.append("seq %d %s: answered %s" % (
                seq, r["kind"], r["status"]))
            return
        if r["kind"] == "rectify":
            h = self.hazards.get(r["hazard"])
            if h is None or h["rectified"]:
                self.mismatches.append("seq %d: rectified %s, which is not "
                                       "open" % (seq, r["hazard"]))
                return
            h["rectified"] = True
            if h["major"]:
                u["open_major"] -= 1
            return
        u["inspected"].append(t)
        day = self.local(t).date()
        for item in r["failed_checks"].split("+"):
            if item == "-":
                continue
            major = item in MAJOR_ITEMS or (item == "leak_alarm" and
                                             u["user_kind"] == "restaurant")
            due = day + datetime.timedelta(days=MAJOR_DAYS if major
                                           else MINOR_DAYS)
            key = "hazard/%s/%s/%s" % (r["user"], r["id"], item)
            self.hazards[key] = {"user": r["user"], "item": item,
                                 "major": major, "deadline": due,
                                 "rectified": False}
            if major:
                u["open_major"] += 1

    # -- outputs ------------------------------------------------------------
    def recall(self, site, t1, t2):
        """The fills made at site with t1 <= t < t2 (accepted ones), and
        for each the users who got its gas: an accepted delivery of the
        cylinder after that fill, before the cylinder's next accepted
        fill at any station. One row per fill and user (the first such
        delivery's time); a fill that reached nobody, one row with the
        user fields empty. Cylinders in the order of their first fill in
        the window, each cylinder's fills in ledger order."""
        source = {}     # cylinder -> the window fill its gas is from
        spans = []      # (fill record, {user: first delivery record})
        for r in self.events:
            if not r.get("ok"):
                continue    # refused (and the inspection service's own)
            if r["kind"] == "fill_record":
                span = None
                if r["site"] == site and t1 <= int(r["t"]) < t2:
                    span = (r, {})
                    spans.append(span)
                source[r["cylinder"]] = span
            elif r["kind"] == "delivery" and source.get(r["cylinder"]):
                source[r["cylinder"]][1].setdefault(r["user"], r)
        rank = {}
        for f, _ in spans:
            rank.setdefault(f["cylinder"], len(rank))
        spans.sort(key=lambda s: rank[s[0]["cylinder"]])   # stable

        def stamp(ms):
            return self.local(ms).strftime("%Y-%m-%dT%H:%M:%S")

        out = [["cylinder", "serial", "filled_at", "user", "name", "area",
                "delivered_at", "custody", "holder", "last_site", "status"]]
        for f, got in spans:
            c = self.cyls[f["cylinder"]]
            head = [c.grai, c.serial, stamp(int(f["t"]))]
            now = [c.custody, c.holder, c.last_site, c.status]
            for user, d in got.items():
                u = self.users[user]
                out.append(head + [user, mask(u["name"]), u["area"],
                                   stamp(int(d["t"]))] + now)
            if not got:
                out.append(head + ["", "", "", ""] + now)
        return out

    def refused(self):
        counts = {}
        for r in self.events:
            if r["kind"] == "fill_check" and not r["ok"]:
                for w in r["why"] or ["UNSPECIFIED"]:
                    key = (r.get("site", "-"), w)
                    counts[key] = counts.get(key, 0) + 1
        out = [["site", "reason", "count"]]
        for (site, w) in sorted(counts, key=lambda k: (k[0].encode(),
                                                        k[1].encode())):
            out.append([site, w, str(counts[(site, w)])])
        return out

    def overdue(self, today):
        out = [["cylinder", "serial", "owner", "next_inspection", "custody",
                "holder", "last_site", "status"]]
        for g in sorted(self.cyls, key=str.encode):
            c = self.cyls[g]
            if c.next < today and c.status != "CYL_SCRAPPED":
                due = "%04d-%02d-%02d" % (c.next // 10000,
                                          c.next // 100 % 100, c.next % 100)
                out.append([g, c.serial, c.owner, due, c.custody, c.holder,
                            c.last_site, c.status])
        return out

    def escalated(self, on):
        """The hazards the service's timer escalates when its clock says
        day `on` (a date; None: it never looked), each to the area of its
        user (kept when the user is erased) or to "unassigned"."""
        out = {}
        if on is None:
            return out
        for key, h in self.hazards.items():
            if not h["rectified"] and on > h["deadline"]:
                out[key] = self.users[h["user"]]["area"] or "unassigned"
        return out

    def hazard_rows(self, today, on=None):
        out = [["hazard", "user", "item", "severity", "deadline",
                "escalated", "escalated_to"]]
        td = datetime.date(today // 10000, today // 100 % 100, today % 100)
        esc = self.escalated(on)
        for key in sorted(self.hazards, key=str.encode):
            h = self.hazards[key]
            if not h["rectified"] and td > h["deadline"]:
                out.append([key, h["user"], h["item"],
                            "major" if h["major"] else "minor",
                            h["deadline"].isoformat(),
                            "yes" if key in esc else "no", esc.get(key, "")])
        return out

    def anomalies(self, today):
        out = [["seq", "time", "kind", "cylinder", "site", "who", "detail"]]
        kinds = [("pocket_code", ("fill_check",),
                  ("TARE_MISMATCH", "NOT_EMPTY_AT_STATION")),
                 ("cloned_code", ("fill_check",),
                  ("IMPOSSIBLE_TRAVEL", "CODE_REVOKED", "CODE_SUPERSEDED",
                   "CODE_UNREGISTERED")),
                 ("forged_code", ("fill_check",), ("CODE_FORGED",)),
                 ("broken_custody",
                  ("dispatch", "delivery", "collection", "return"),
                  ("WRONG_CUSTODY",))]

        def row(seq, t, kind, cyl, site, who, detail):
            out.append([str(seq), self.local(t).strftime("%Y-%m-%d %H:%M:%S"),
                        kind, cyl or "-", site or "-", who or "-", detail])

        for r in self.events:
            if "why" not in r:
                continue
            seq, t = int(r["seq"]), int(r["t"])
            for kind, events, tokens in kinds:
                hit = [w for w in r["why"] if w in tokens]
                if r["kind"] in events and hit:
                    detail = "+".join(hit)
                    if "CODE_SUPERSEDED" in hit:
                        # the device that met the old label, and the door
                        detail += " by device " + r["device"]
                        if r.get("user"):
                            detail += " at user " + r["user"]
                    row(seq, t, kind, r.get("cylinder"), r.get("site"),
                        r.get("actor"), detail)
            if "LATE" in r["why"]:
                row(seq, t, "late", r.get("cylinder"), r.get("site"),
                    r.get("actor"), "late %ss" % r["late_s"])
            if r["kind"] == "delivery" and r["ok"] and "NO_ORDER" in r["why"]:
                row(seq, t, "no_order", r.get("cylinder"), r.get("site"),
                    r.get("actor"),
                    "NO_ORDER at delivery to %s, vehicle %s, device %s" % (
                        r["user"], r["vehicle"], r["device"]))
        held = {}
        for c in self.cyls.values():
            if c.custody == "CUSTODY_AT_USER":
                held.setdefault(c.holder, []).append(c)
        for user in sorted(held, key=str.encode):
            cs = held[user]
            most = (HOARD_HOUSEHOLD if self.users[user]["user_kind"] == "household"
                    else HOARD_BUSINESS)
            if len(cs) > most:
                seq, t = max(c.delivered for c in cs)
                row(seq, t, "hoarding", "-", "-", user,
                    "holds %d (max %d)" % (len(cs), most))
        td = datetime.date(today // 10000, today // 100 % 100, today % 100)
        end = datetime.datetime.combine(td + datetime.timedelta(days=1),
                                        datetime.time(), self.zone)
        end_ms = int(end.timestamp() * 1000)
        for g in sorted(self.cyls, key=str.encode):
            c = self.cyls[g]
            if c.custody in ("CUSTODY_IN_TRANSIT", "CUSTODY_COLLECTED"):
                seq, t, site, plate = c.on_vehicle
                if end_ms - t > HOARD_VEHICLE_HOURS * 3600000:
                    row(seq, t, "hoarding", g, site, plate,
                        "on vehicle since " +
                        self.local(t).strftime("%Y-%m-%d %H:%M:%S"))
        return out

    def coverage(self, today, period):
        def period_of(d):
            if period == "month":
                return "%04d-%02d" % (d.year, d.month)
            if period == "quarter":
                return "%04d-Q%d" % (d.year, (d.month - 1) // 3 + 1)
            return "%04d" % d.year

        def last_day(d):
            if period == "year":
                return datetime.date(d.year, 12, 31)
            m = d.month if period == "month" else ((d.month - 1) // 3) * 3 + 3
            nxt = datetime.date(d.year + (m == 12), m % 12 + 1, 1)
            return nxt - datetime.timedelta(days=1)

        td = datetime.date(today // 10000, today // 100 % 100, today % 100)
        first = min(self.local(u["registered"]).date()
                    for u in self.users.values())
        periods = []
        d = first
        while d <= td:
            p = period_of(d)
            if not periods or periods[-1][0] != p:
                periods.append((p, last_day(d)))
            d += datetime.timedelta(days=1)
        out = [["area", "period", "users", "inspected", "percent"]]
        areas = sorted({u["area"] or "-" for u in self.users.values()},
                       key=str.encode)
        for area in areas:
            for p, last in periods:
                n = k = 0
                for u in self.users.values():
                    if (u["area"] or "-") != area:
                        continue
                    if self.local(u["registered"]).date() > last:
                        continue
                    if (u["erased"] is not None and
                            self.local(u["erased"]).date() <= last):
                        continue
                    n += 1
                    if any(period_of(self.local(t).date()) == p
                           for t in u["inspected"]):
                        k += 1
                pct = "0.0" if n == 0 else "%.1f" % (k * 100 / n)
                out.append([area, p, str(n), str(k), pct])
        return out


def mask(name):
    chars = list(name)
    if len(chars) <= 2:
        return (chars[0] if len(chars) == 2 else "") + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def csv_line(fields):
    """As lib/base/csv.c writes cells: a cell a spreadsheet would run as a
    formula gets a single quote in front and is quoted (not "-" nor a
    plain number)."""
    out = []
    for f in fields:
        formula = (f[:1] in ("=", "+", "-", "@", "\t", "\r") and f != "-"
                   and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", f))
        if formula:
            f = "'" + f
        if formula or any(ch in f for ch in ',"\r\n'):
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ",".join(out)


def date_arg(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d").date()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("record")
    ap.add_argument("--zone", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check")
    rc = sub.add_parser("recall")
    rc.add_argument("--site", required=True)
    rc.add_argument("--from", dest="t1", required=True)
    rc.add_argument("--to", dest="t2", required=True)
    rp = sub.add_parser("report")
    rp.add_argument("kind", choices=["refused", "overdue", "hazards",
                                     "anomalies", "coverage"])
    rp.add_argument("--today", required=True)
    rp.add_argument("--period", default="month",
                    choices=["month", "quarter", "year"])
    rp.add_argument("--escalated-on", dest="on", type=date_arg)
    for name in ("orders", "no-orders"):
        sub.add_parser(name).add_argument("--today", required=True)
    es = sub.add_parser("escalations")
    es.add_argument("--on", required=True, type=date_arg)
    a = ap.parse_args()
    city = City(a.record, a.zone)
    if a.cmd == "check":
        for m in city.mismatches:
            print(m)
        print("%d actions, %d answered otherwise than predicted" % (
            len(city.events), len(city.mismatches)))
        return 1 if city.mismatches else 0

    def when(text):
        fmt = "%Y-%m-%dT%H:%M" if "T" in text else "%Y-%m-%d"
        d = datetime.datetime.strptime(text, fmt).replace(tzinfo=city.zone)
        return int(d.timestamp() * 1000)

    if a.cmd == "escalations":
        print(len(city.escalated(a.on)))
        return 0
    if a.cmd in ("orders", "no-orders"):
        today = int(a.today.replace("-", ""))
        if a.cmd == "orders":
            doc = city.orders_report(today, a.today)
        else:
            rows = city.anomalies(today)
            doc = [dict(zip(rows[0], [int(r[0])] + r[1:]))
                   for r in rows[1:] if r[2] == "no_order"]
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if a.cmd == "recall":
        rows = city.recall(a.site, when(a.t1), when(a.t2))
    else:
        today = int(a.today.replace("-", ""))
        rows = {"refused": lambda: city.refused(),
                "overdue": lambda: city.overdue(today),
                "hazards": lambda: city.hazard_rows(today, a.on),
                "anomalies": lambda: city.anomalies(today),
                "coverage": lambda: city.coverage(today, a.period)}[a.kind]()
    for r in rows:
        print(csv_line(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())

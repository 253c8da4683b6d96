#!/usr/bin/env python3
"""delivery_api.py - one delivery over lpg-webd's handheld API against the
same delivery over ZeroMQ, measured in the same run (called by
tests/bench/bench_webd.sh, after it has started the five services and
lpg-webd on HOME).

    delivery_api.py HOME URL [N]        (N deliveries each way, default 100)

Set-up (not timed): a station, a driver, a vehicle, a household with its
gas-use certificate, a station scanner and one driver's handheld (an
Ed25519 key and a CURVE key, enrolled with the role handheld); 2 x N real
cylinders registered (lpgtrace), filled at the station (lpg-scan) and
dispatched over the API.

Timed, one delivery each way in turn (API, ZeroMQ, API, ...), so that
the machine's noise falls on both alike, from one C client
(tests/tools/api_delivery.c, on net/httpsig and net/client: raw HTTP/1.1
with TCP_NODELAY, lpg_client), so that neither way carries python3's own
overhead; CLIENT=python times both ways from python3 (http.client,
pyzmq) instead. Each stage is timed too, and lpg-webd's Server-Timing
answer splits each round trip into its share (request signature check,
the handler's work, the relay) and the rest (HTTP client,
libmicrohttpd, loopback). The same handheld, the same
household, the same 随瓶安检 and certificate; every delivery must come back
OK. Each side's time is what a handheld waits for, from the moment the
driver has scanned to the service's durable answer:

  API:    POST /api/v1/prepare (the JSON step, RFC 9421-signed with the
          device key, Content-Digest) -> the Event bytes back -> the
          device signs them -> POST /api/v1/submit (signed again) -> the
          service's answer as JSON. Two HTTP round trips over one
          kept-alive connection, three Ed25519 signatures on the device;
          in lpg-webd two request-signature checks, the relay over the
          gateway's CURVE connection to lpg-deliveryd and its answer.
  ZeroMQ: the device builds the same Event itself (protobuf), signs it,
          sends Submit over its own CURVE connection (made once, before
          timing) to lpg-deliveryd and waits for the Reply. One round
          trip, one signature.

Both sides include lpg-deliveryd's checks, its write transaction and its
fsync. Prints p50 and p99 of each, the p50 of each stage, and whether
the API's p50 is within 1 ms of ZeroMQ's. Needs python3-cryptography,
python3-zmq, python3-protobuf and protoc. Exit 1 if a delivery is refused or lost.
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import zmq
import zmq.utils.z85
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import httpsig  # noqa: E402  (tests/tools/httpsig.py)

CHECKS = [("hose", True), ("regulator", True), ("valve", True),
          ("leak", True), ("stove", True), ("storage", True)]
EVENT_CTX = b"lpgtrace/v1/event\0"


def fail(msg):
    print("one delivery over the API vs over ZeroMQ: NOT measured: " + msg)
    sys.exit(1)


def run(*args, out=None):
    """Runs a command; its standard output, or fail() with its messages."""
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(args[:4]), p.returncode,
                                  (p.stderr or p.stdout).strip()[:300]))
    return p.stdout


def conf(home, key):
    with open(os.path.join(home, "lpgtrace.conf")) as f:
        for line in f:
            k, _, v = line.partition("=")
            if k.strip() == key:
                return v.strip()
    fail("no %s in the home's lpgtrace.conf" % key)


def read_z85(path):
    with open(path, "rb") as f:
        return zmq.utils.z85.decode(f.readline().strip())


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


class Api:
    """The handheld's side of the API, over one kept-alive connection."""

    def __init__(self, url, prefix):
        self.url = url.rstrip("/")
        u = urllib.parse.urlsplit(self.url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port,
                                               timeout=30)
        self.key = httpsig.load_private_key(prefix + ".pem")
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.keyid = hashlib.sha256(raw).hexdigest()

    def post(self, path, body, tm=None, tag=""):
        """POSTs body signed; (status, JSON). With tm (a dict), adds the
        client's signing time, the round trip and lpg-webd's
        Server-Timing stages, in ms, under tag."""
        t0 = time.perf_counter()
        data = json.dumps(body).encode()
        uri = self.url + path
        headers = {"Content-Type": "application/json",
                   "Content-Digest": httpsig.content_digest(data)}
        headers.update(httpsig.sign_request(
            self.key, "POST", uri, headers,
            components=("@method", "@target-uri", "content-digest"),
            created=int(time.time()), nonce=httpsig.new_nonce(),
            keyid=self.keyid, alg="ed25519"))
        t1 = time.perf_counter()
        self.conn.request("POST", path, body=data, headers=headers)
        r = self.conn.getresponse()
        raw = r.read()
        t2 = time.perf_counter()
        if tm is not None:
            tm[tag + "sign"] = (t1 - t0) * 1000
            tm[tag + "rtt"] = (t2 - t1) * 1000
            for part in (r.getheader("Server-Timing") or "").split(","):
                name, _, dur = part.strip().partition(";dur=")
                if dur:
                    tm[tag + name] = float(dur)
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw[:200]

    def step(self, step, tm=None):
        """prepare -> sign -> submit; the submit's (status, body). With
        tm (a dict), the stages' times in ms (see post)."""
        status, prep = self.post("/api/v1/prepare", step, tm, "p_")
        if status != 200:
            return status, prep
        t0 = time.perf_counter()
        event = base64.b64decode(prep["event_b64"])
        sig = self.key.sign(prep["sign_context"].encode() + event)
        body = {"event_b64": prep["event_b64"],
                "signature_b64": base64.b64encode(sig).decode()}
        if tm is not None:
            tm["event_sign"] = (time.perf_counter() - t0) * 1000
        return self.post("/api/v1/submit", body, tm, "s_")


class Zmq:
    """The handheld's side over ZeroMQ: its own CURVE connection."""

    def __init__(self, gen, endpoint, server_key, prefix):
        sys.path.insert(0, gen)
        from proto import event_pb2, protocol_pb2  # noqa: E402
        self.ev_pb, self.pb = event_pb2, protocol_pb2
        with open(prefix + ".pem", "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), None)
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).digest()
        secret = read_z85(prefix + ".curve")
        s = zmq.Context.instance().socket(zmq.DEALER)
        s.curve_serverkey = read_z85(server_key)
        s.curve_secretkey = secret
        s.curve_publickey = zmq.utils.z85.decode(
            zmq.curve_public(zmq.utils.z85.encode(secret)))
        s.linger = 0
        s.connect(endpoint)
        self.sock = s

    def call(self, field, body):
        req = self.pb.Request(version=1, request_id=os.urandom(16))
        getattr(req, field).CopyFrom(body)
        self.sock.send(req.SerializeToString())
        if not self.sock.poll(10000):
            fail("lpg-deliveryd did not answer over ZeroMQ")
        rep = self.pb.Reply()
        rep.ParseFromString(self.sock.recv())
        return rep

    def deliver(self, code, grai, vehicle, user, actor, gas_cert, tm=None):
        """The Event prepare makes for this step, signed and submitted.
        With tm (a dict): the building and signing, and the round trip,
        in ms."""
        t0 = time.perf_counter()
        ev = self.ev_pb.Event(event_id=os.urandom(16),
                              device_time_ms=int(time.time() * 1000),
                              cylinder=grai, actor=actor, user=user)
        d = ev.delivery
        d.vehicle, d.gas_cert, d.code = vehicle, gas_cert, code
        for item, ok in CHECKS:
            d.checks.add(item=item, ok=ok)
        body = ev.SerializeToString()
        se = self.ev_pb.SignedEvent(body=body, key_id=self.key_id,
                                    sig=self.key.sign(EVENT_CTX + body))
        req = self.pb.Submit(signed_event=se.SerializeToString())
        t1 = time.perf_counter()
        rep = self.call("submit", req)
        if tm is not None:
            tm["sign"] = (t1 - t0) * 1000
            tm["rtt"] = (time.perf_counter() - t1) * 1000
        return self.ev_pb.Status.Name(rep.status).replace("STATUS_", ""), rep


def timed_c(tool, url, endpoint, server_pub, prefix, gas_cert, cyls, tmp):
    """Both ways from C (tests/tools/api_delivery.c): the stages of each
    delivery, as dicts of ms."""
    jobs = os.path.join(tmp, "jobs")
    with open(jobs, "w") as f:
        for code, grai in cyls:
            f.write("%s %s\n" % (code, grai))
    out = run(tool, url, endpoint, server_pub, prefix, "BDRV", "SU-B001",
              "BU1", gas_cert, jobs)
    s_api, s_zmq = [], []
    for line in out.splitlines():
        way, *pairs = line.split()
        row = {k: float(v) for k, _, v in (p.partition("=") for p in pairs)}
        (s_api if way == "api" else s_zmq).append(row)
    if not s_api or len(s_api) != len(s_zmq):
        fail("api_delivery measured %d over the API, %d over ZeroMQ" %
             (len(s_api), len(s_zmq)))
    return s_api, s_zmq


def timed_py(api, zq, gas_cert, cyls):
    """Both ways from python3: the stages of each delivery, as dicts of
    ms."""
    # warm both paths up (the CURVE handshake, the gateway's connection)
    zq.call("ping", zq.pb.Ping())
    api.post("/api/v1/prepare", {"step": "deliver"})
    s_api, s_zmq = [], []
    checks = [{"item": i, "ok": ok} for i, ok in CHECKS]
    for i in range(len(cyls) // 2):
        code, grai = cyls[2 * i]
        tm = {}
        t0 = time.perf_counter()
        status, body = api.step({"step": "deliver", "code": code,
                                 "vehicle": "SU-B001", "user": "BU1",
                                 "actor": "BDRV", "gas_cert": gas_cert,
                                 "checks": checks}, tm)
        tm["total"] = (time.perf_counter() - t0) * 1000
        if status != 200 or body.get("status") != "OK":
            fail("delivery over the API refused: %s %s" % (status, body))
        s_api.append(tm)
        code, grai = cyls[2 * i + 1]
        tm = {}
        t0 = time.perf_counter()
        st_name, rep = zq.deliver(code, grai, "SU-B001", "BU1", "BDRV",
                                  gas_cert, tm)
        tm["total"] = (time.perf_counter() - t0) * 1000
        if st_name != "OK":
            fail("delivery over ZeroMQ refused: %s %s %s" %
                 (st_name, rep.token, rep.message))
        s_zmq.append(tm)
    return s_api, s_zmq


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    home, url = argv[1], argv[2]
    n = int(argv[3]) if len(argv) > 3 else 100
    tmp = tempfile.mkdtemp(prefix="delivery_api.")
    try:
        return measure(home, url, n, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(home, url, n, tmp):

    def lpg(*args):
        return run("lpgtrace", "--home", home, *args)

    # -- the world a delivery needs (not timed)
    lpg("site", "add", "BS1", "--company", "NTGAS", "--name", "Station",
        "--kind", "filling", "--lat", "32.01", "--lon", "120.86")
    lpg("staff", "add", "BOP", "--company", "NTGAS", "--site", "BS1",
        "--role", "operator", "--name", "Op", "--cert", "C-BOP",
        "--cert-until", "2029-01-01")
    lpg("staff", "add", "BDRV", "--company", "NTGAS", "--role", "driver",
        "--name", "Driver", "--cert", "C-BDRV", "--cert-until", "2029-01-01")
    lpg("vehicle", "add", "SU-B001", "--company", "NTGAS", "--permit", "P-B",
        "--permit-until", "2029-01-01")
    lpg("user", "add", "BU1", "--company", "NTGAS", "--kind", "household",
        "--name", "Zhang San", "--id-card", "320601199001011234",
        "--gas-cert", "GC-BU1")
    keys = {}
    for name, role in (("admin", "company-admin"), ("hh", "handheld")):
        keys[name] = os.path.join(tmp, name)
        run("lpgtrace", "keygen", "--out", keys[name])
        lpg("device", "enroll", "--key", keys[name], "--company", "NTGAS",
            "--role", role)
    gas_cert = lpg("user", "cert", "BU1", "--until", "2030-12-31", "--as",
                   keys["admin"]).strip()
    st = os.path.join(tmp, "st")
    os.makedirs(os.path.join(st, "keys"))
    run("lpgtrace", "keygen", "--out", os.path.join(st, "keys", "scanner"))
    lpg("device", "enroll", "--key", os.path.join(st, "keys", "scanner"),
        "--company", "NTGAS", "--site", "BS1", "--role", "filling-scanner")
    for f in ("filling.curve.pub", "authority.pub"):
        with open(os.path.join(home, "keys", f), "rb") as src, \
                open(os.path.join(st, "keys", f), "wb") as dst:
            dst.write(src.read())
    with open(os.path.join(st, "lpgtrace.conf"), "w") as f:
        f.write("device.key = keys/scanner\ndevice.site = BS1\n"
                "device.operator = BOP\nendpoint.filling = %s\n"
                % conf(home, "endpoint.filling"))

    api = Api(url, keys["hh"])
    cyls = []
    for i in range(2 * n):
        out = json.loads(lpg("--json", "cylinder", "add", "--company",
                             "NTGAS", "--type", "00015", "--serial",
                             "B%05d" % i, "--tare-g", "15000", "--fill-g",
                             "14500", "--made", "2022-01",
                             "--design-life-y", "8", "--next-inspection",
                             "2028-01-01", "--insurance-until",
                             "2028-01-01"))
        code, grai = out["code"], out["grai"]
        fc = json.loads(run("lpg-scan", "--home", st, "fill-check", "--json",
                            "--code", code, "--tare-g", "15100", "--check",
                            "all=ok"))
        run("lpg-scan", "--home", st, "fill-done", "--allow", fc["check_id"],
            "--full-g", "29500", "--leak", "ok")
        status, body = api.step({"step": "dispatch", "code": code,
                                 "vehicle": "SU-B001", "site": "BS1",
                                 "actor": "BDRV"})
        if status != 200 or body.get("status") != "OK":
            fail("dispatch over the API: %s %s" % (status, body))
        cyls.append((code, grai))

    gen = os.path.join(tmp, "gen")
    os.makedirs(gen)
    run("protoc", "-I", ROOT, "--python_out=" + gen,
        os.path.join(ROOT, "proto", "event.proto"),
        os.path.join(ROOT, "proto", "protocol.proto"))

    # -- timed: API and ZeroMQ in turn
    tool = os.path.join(os.environ.get("LPG_TESTS", ""), "api_delivery")
    if os.environ.get("CLIENT", "c") == "c" and os.access(tool, os.X_OK):
        client = "C (tests/tools/api_delivery.c) both ways"
        s_api, s_zmq = timed_c(tool, url, conf(home, "endpoint.delivery"),
                               os.path.join(home, "keys",
                                            "delivery.curve.pub"),
                               keys["hh"], gas_cert, cyls, tmp)
    else:
        client = "python3 both ways"
        zq = Zmq(gen, conf(home, "endpoint.delivery"),
                 os.path.join(home, "keys", "delivery.curve.pub"),
                 keys["hh"])
        s_api, s_zmq = timed_py(api, zq, gas_cert, cyls)
    t_api = [r["total"] for r in s_api]
    t_zmq = [r["total"] for r in s_zmq]

    def p50(rows, key):
        return pct([r.get(key, 0.0) for r in rows], 50)

    def net(rows, tag):
        """a round trip less lpg-webd's handler: the HTTP client's and
        libmicrohttpd's share, and the loopback's"""
        return pct([r[tag + "rtt"] - r.get(tag + "total", 0.0)
                    for r in rows], 50)

    a50, a99 = pct(t_api, 50), pct(t_api, 99)
    z50, z99 = pct(t_zmq, 50), pct(t_zmq, 99)
    print("one delivery, API vs ZeroMQ (%d each, in turn, same run; "
          "machine shared: noisy)" % n)
    print("  API    (prepare + sign + submit, 2 HTTP round trips)  "
          "p50 %7.2f ms  p99 %7.2f ms" % (a50, a99))
    print("  ZeroMQ (build + sign + Submit, 1 CURVE round trip)    "
          "p50 %7.2f ms  p99 %7.2f ms" % (z50, z99))
    print("  stages, p50 of each (ms; client: %s; one kept-alive "
          "connection each way):" % client)
    rows = [
        ("API  client: JSON, Content-Digest, RFC 9421 signing (prepare)",
         p50(s_api, "p_sign")),
        ("     prepare round trip", p50(s_api, "p_rtt")),
        ("       lpg-webd: request signature checked", p50(s_api, "p_auth")),
        ("       lpg-webd: step -> Event bytes", p50(s_api, "p_work")),
        ("       HTTP client + libmicrohttpd + loopback", net(s_api, "p_")),
        ("     client: the device signs the Event", p50(s_api, "event_sign")),
        ("     client: JSON, Content-Digest, RFC 9421 signing (submit)",
         p50(s_api, "s_sign")),
        ("     submit round trip", p50(s_api, "s_rtt")),
        ("       lpg-webd: request signature checked", p50(s_api, "s_auth")),
        ("       lpg-webd: JSON, base64, SignedEvent packed",
         p50(s_api, "s_work")),
        ("       lpg-webd: relay to lpg-deliveryd and its answer",
         p50(s_api, "s_relay")),
        ("       HTTP client + libmicrohttpd + loopback", net(s_api, "s_")),
        ("ZMQ  client: Event built and signed", p50(s_zmq, "sign")),
        ("     Submit round trip to lpg-deliveryd", p50(s_zmq, "rtt")),
    ]
    for label, v in rows:
        print("    %-62s %6.3f" % (label, v))
    print("  = API p50 - ZeroMQ p50 = %.2f ms (target <= 1 ms): %s" %
          (a50 - z50, "met" if a50 - z50 <= 1.0 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""pyclient.py - an lpgtrace client written from proto/*.proto and
proto/protocol.md alone, with nothing of lib/: the proof that the document
is enough to write a client in another language.

Needs the Debian packages python3-zmq, python3-protobuf and
python3-cryptography, and the modules protoc generates (protocol.md,
"Generating a client"):

    protoc -I REPO --python_out=GEN REPO/proto/event.proto \\
        REPO/proto/protocol.proto

Usage (KEY is a device key prefix: KEY.pem signs, KEY.curve connects;
SERVER_KEY is the service's keys/<service>.curve.pub):

    pyclient.py GEN ENDPOINT SERVER_KEY KEY ping
    pyclient.py GEN ENDPOINT SERVER_KEY KEY fill-check CODE EMPTY_G SITE ACTOR
        [--checks item=ok|fail,...] [--no-cylinder] [--cylinder GRAI]
        [--unknown-field N] [--no-actor]
    pyclient.py GEN ENDPOINT SERVER_KEY KEY fill-record ALLOW_HEX GRAI SITE
        ACTOR FULL_G
    pyclient.py GEN ENDPOINT SERVER_KEY KEY get-cylinder CYLINDER
    pyclient.py GEN ENDPOINT SERVER_KEY KEY cylinder-register SIGN_PEM GRAI
        SERIAL OWNER CODE TARE_G FILL_G

Prints the reply as one JSON object (status, token, message, seq,
reasons, event_id of what was submitted, cylinder); exit 0 when a reply
came, 3 when none came in time. With PYCLIENT_SHOW set, the request and
the reply go to stderr in protobuf's text format.
"""
import hashlib
import json
import os
import sys
import time

import zmq
import zmq.utils.z85
from cryptography.hazmat.primitives import serialization


def load(gen):
    sys.path.insert(0, gen)
    # protoc names the modules after the files, under their directory
    from proto import event_pb2, protocol_pb2  # noqa: E402
    return event_pb2, protocol_pb2


def read_z85(path):
    """A CURVE key file: one line of 40 Z85 characters."""
    with open(path, "rb") as f:
        return zmq.utils.z85.decode(f.readline().strip())


class Device:
    def __init__(self, prefix):
        # KEY.pem: the Ed25519 signing key, PKCS#8 PEM, unencrypted
        with open(prefix + ".pem", "rb") as f:
            self.sign_key = serialization.load_pem_private_key(f.read(), None)
        raw = self.sign_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        # key_id: SHA-256 of the raw 32-byte public key
        self.key_id = hashlib.sha256(raw).digest()
        # KEY.curve: the CURVE secret key, Z85; the public key follows
        self.curve_secret = read_z85(prefix + ".curve")
        self.curve_public = zmq.utils.z85.decode(
            zmq.curve_public(zmq.utils.z85.encode(self.curve_secret)))

    def sign(self, body):
        return self.sign_key.sign(b"lpgtrace/v1/event\0" + body)


def connect(endpoint, server_key_path, dev):
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.curve_serverkey = read_z85(server_key_path)
    s.curve_publickey = dev.curve_public
    s.curve_secretkey = dev.curve_secret
    s.linger = 0
    s.connect(endpoint)
    return s


def call(sock, pb, body_field, body):
    req = pb.Request(version=1, request_id=os.urandom(16))
    getattr(req, body_field).CopyFrom(body)
    data = req.SerializeToString()
    if len(data) > 65536:  # limit.message_bytes: check before sending
        raise SystemExit("request too large")
    if os.environ.get("PYCLIENT_SHOW"):  # the exchange, as text
        sys.stderr.write("Request {\n%s}\n" % req)
    sock.send(data)
    if not sock.poll(5000):
        print(json.dumps({"status": "NO_ANSWER"}))
        sys.exit(3)
    rep = pb.Reply()
    rep.ParseFromString(sock.recv())
    if os.environ.get("PYCLIENT_SHOW"):
        sys.stderr.write("Reply {\n%s}\n" % rep)
    if rep.request_id != req.request_id:
        raise SystemExit("reply to another request")
    return rep


def grai_of(code):
    """The GRAI in a code's text: https://<resolver>/8003/<GRAI>?r=..."""
    path = code.split("?", 1)[0]
    marker = "/8003/"
    return path[path.index(marker) + len(marker):]


def submit(sock, ev_pb, pb, dev, event, extra=b""):
    body = event.SerializeToString() + extra
    se = ev_pb.SignedEvent(body=body, key_id=dev.key_id, sig=dev.sign(body))
    return call(sock, pb, "submit",
                pb.Submit(signed_event=se.SerializeToString()))


def show(ev_pb, rep, event_id=None):
    out = {
        "status": ev_pb.Status.Name(rep.status).replace("STATUS_", ""),
        "token": rep.token,
        "message": rep.message,
        "reasons": [{"token": r.token, "en": r.en} for r in rep.reasons],
    }
    if rep.HasField("seq"):
        out["seq"] = rep.seq
    if event_id is not None:
        out["event_id"] = event_id.hex()
    if rep.HasField("cylinder"):
        out["cylinder"] = {"grai": rep.cylinder.grai,
                           "serial": rep.cylinder.serial}
    print(json.dumps(out, ensure_ascii=False))


def main(argv):
    gen, endpoint, server_key, key, cmd = argv[1:6]
    args = argv[6:]
    ev_pb, pb = load(gen)
    dev = Device(key)
    sock = connect(endpoint, server_key, dev)
    now_ms = int(time.time() * 1000)
    if cmd == "ping":
        show(ev_pb, call(sock, pb, "ping", pb.Ping()))
    elif cmd == "fill-check":
        code, empty_g, site, actor = args[:4]
        opts = args[4:]
        checks = {i: True for i in
                  ("corrosion", "dents", "fire", "valve", "parts")}
        cylinder = grai_of(code)
        extra = b""
        with_actor = True
        i = 0
        while i < len(opts):
            if opts[i] == "--checks":
                checks = {}
                for kv in opts[i + 1].split(","):
                    k, v = kv.split("=")
                    checks[k] = v == "ok"
                i += 1
            elif opts[i] == "--no-cylinder":
                cylinder = None
            elif opts[i] == "--cylinder":
                cylinder = opts[i + 1]
                i += 1
            elif opts[i] == "--no-actor":
                with_actor = False
            elif opts[i] == "--unknown-field":
                # a field this schema does not have, as a newer client
                # might add: varint field N, value 1
                n = int(opts[i + 1])
                tag = n << 3
                while tag >= 0x80:
                    extra += bytes([(tag & 0x7f) | 0x80])
                    tag >>= 7
                extra += bytes([tag, 1])
                i += 1
            i += 1
        ev = ev_pb.Event(event_id=os.urandom(16), device_time_ms=now_ms,
                         site=site)
        if with_actor:
            ev.actor = actor
        if cylinder is not None:
            ev.cylinder = cylinder
        ev.fill_check.code = code
        ev.fill_check.empty_g = int(empty_g)
        for item, ok in checks.items():
            ev.fill_check.checks.add(item=item, ok=ok)
        show(ev_pb, submit(sock, ev_pb, pb, dev, ev, extra), ev.event_id)
    elif cmd == "fill-record":
        allow, grai, site, actor, full_g = args[:5]
        ev = ev_pb.Event(event_id=os.urandom(16), device_time_ms=now_ms,
                         cylinder=grai, site=site, actor=actor)
        ev.fill_record.allow_event_id = bytes.fromhex(allow)
        ev.fill_record.full_g = int(full_g)
        ev.fill_record.leak_ok = True
        show(ev_pb, submit(sock, ev_pb, pb, dev, ev), ev.event_id)
    elif cmd == "cylinder-register":
        # signed by the authority key (SIGN_PEM), sent over KEY's
        # connection (an enrolled device, the admin workstation's)
        sign_pem, grai, serial, owner, code, tare_g, fill_g = args[:7]
        with open(sign_pem, "rb") as f:
            dev.sign_key = serialization.load_pem_private_key(f.read(), None)
        raw = dev.sign_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        dev.key_id = hashlib.sha256(raw).digest()
        ev = ev_pb.Event(event_id=os.urandom(16), device_time_ms=now_ms,
                         cylinder=grai)
        r = ev.cylinder_register
        r.serial, r.owner, r.code = serial, owner, code
        r.tare_g, r.fill_g = int(tare_g), int(fill_g)
        show(ev_pb, submit(sock, ev_pb, pb, dev, ev), ev.event_id)
    elif cmd == "get-cylinder":
        show(ev_pb, call(sock, pb, "get_cylinder",
                         pb.GetCylinder(cylinder=args[0])))
    else:
        raise SystemExit("unknown command " + cmd)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""api_client.py - a client of lpg-webd's handheld API written from its
OpenAPI document and RFC 9421 / RFC 9530 alone, with nothing of lib/: it
signs each request with the device's Ed25519 key, prepares a step,
signs the Event it gets back and submits it.

Needs python3-cryptography. KEY is a device key prefix (KEY.pem, the
Ed25519 key in PKCS#8 PEM, as `lpgtrace keygen` writes it).

    api_client.py URL KEY [OPTIONS] step JSON     prepare, sign, submit
    api_client.py URL KEY [OPTIONS] prepare JSON  prepare only
    api_client.py URL KEY [OPTIONS] get PATH      a signed GET
    api_client.py URL KEY [OPTIONS] post PATH JSON  a signed POST

Prints one JSON line per HTTP answer: {"http": STATUS, "body": BODY}
(BODY parsed when it is JSON). Exit 0 when every answer came.

OPTIONS, each a way a request can be wrong (for the refusal tests):
    --unsigned            no Signature-Input / Signature
    --created-offset S    created = now + S seconds
    --nonce N             this nonce (default: a fresh one)
    --keyid HEX           claim another key id
    --no-digest-cover     leave content-digest out of the covered set
    --wrong-digest        a Content-Digest of other bytes
    --bad-request-sig     flip a bit of the request's signature
    --twice               send the same signed request twice
    --event-key KEY2      (step) sign the Event with KEY2, name its key id
    --event-bad-sig       (step) a signature of random bytes on the Event
    --resubmit            (step) submit the same signed Event twice
    --submit-to PATH      (step) post the signed Event to PATH instead of
                          /api/v1/submit (e.g. /api/v1/orders/O1/address,
                          where the requesting device is the signer)
    --keep FILE           (step) also write the submit body (the signed
                          Event) to FILE, to post it again later
"""
import base64
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import httpsig  # noqa: E402  (tests/tools/httpsig.py)


def flip(signature):
    """A Signature field "label=:base64:" with one bit of it flipped."""
    label, b64 = signature.split("=", 1)
    raw = bytearray(base64.b64decode(b64.strip(":")))
    raw[0] ^= 1
    return "%s=:%s:" % (label, base64.b64encode(bytes(raw)).decode())


def load_key(prefix):
    key = httpsig.load_private_key(prefix + ".pem")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return key, hashlib.sha256(raw).hexdigest()


class Client:
    def __init__(self, url, prefix, opts):
        self.url = url.rstrip("/")
        self.key, self.keyid = load_key(prefix)
        self.o = opts

    def request(self, method, path, body=None):
        """Signs and sends; returns the list of (status, body) answers."""
        uri = self.url + path
        data = None if body is None else json.dumps(body).encode()
        headers = {}
        if data is not None:
            headers["Content-Type"] = "application/json"
            digest_of = b"other bytes" if self.o.get("wrong_digest") else data
            headers["Content-Digest"] = httpsig.content_digest(digest_of)
        if not self.o.get("unsigned"):
            cover = ["@method", "@target-uri"]
            if data is not None and not self.o.get("no_digest_cover"):
                cover.append("content-digest")
            created = int(time.time()) + int(self.o.get("created_offset", 0))
            nonce = self.o.get("nonce") or httpsig.new_nonce()
            fields = httpsig.sign_request(
                self.key, method, uri, headers, components=tuple(cover),
                created=created, nonce=nonce,
                keyid=self.o.get("keyid") or self.keyid, alg="ed25519")
            if self.o.get("bad_request_sig"):
                fields["Signature"] = flip(fields["Signature"])
            headers.update(fields)
        times = 2 if self.o.get("twice") else 1
        return [self._send(method, uri, data, headers) for _ in range(times)]

    @staticmethod
    def _send(method, uri, data, headers):
        global SERVER_TIMING
        req = urllib.request.Request(uri, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, raw = r.status, r.read()
                SERVER_TIMING = r.headers.get("Server-Timing")
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
            SERVER_TIMING = e.headers.get("Server-Timing")
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return status, parsed


SERVER_TIMING = None  # the last answer's Server-Timing field, if any


def emit(status, body):
    out = {"http": status, "body": body}
    if SERVER_TIMING is not None:
        out["server_timing"] = SERVER_TIMING
    print(json.dumps(out, ensure_ascii=False))


def step(client, step_json, opts):
    """prepare -> sign the Event -> submit."""
    status, prep = client.request("POST", "/api/v1/prepare", step_json)[-1]
    if status != 200:
        emit(status, prep)
        return
    event = base64.b64decode(prep["event_b64"])
    ctx = prep["sign_context"].encode("utf-8")  # ends with its NUL byte
    signer, signer_id = client.key, client.keyid
    if opts.get("event_key"):
        signer, signer_id = load_key(opts["event_key"])
    signature = signer.sign(ctx + event)
    if opts.get("event_bad_sig"):
        signature = os.urandom(64)
    submit = {"event_b64": prep["event_b64"],
              "signature_b64": base64.b64encode(signature).decode()}
    if signer_id != client.keyid:
        submit["key_id"] = signer_id
    if opts.get("keep"):
        with open(opts["keep"], "w") as f:
            json.dump(submit, f)
    path = opts.get("submit_to") or "/api/v1/submit"
    times = 2 if opts.get("resubmit") else 1
    for _ in range(times):
        # each submit is its own request, with its own nonce
        for status, body in client.request("POST", path, submit):
            if isinstance(body, dict):
                body.setdefault("prepared_event_id", prep["event_id"])
            emit(status, body)


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    url, prefix = argv[1], argv[2]
    args = argv[3:]
    opts = {}
    flags = {"--unsigned": "unsigned", "--no-digest-cover": "no_digest_cover",
             "--wrong-digest": "wrong_digest", "--twice": "twice",
             "--bad-request-sig": "bad_request_sig",
             "--event-bad-sig": "event_bad_sig", "--resubmit": "resubmit"}
    valued = {"--created-offset": "created_offset", "--nonce": "nonce",
              "--keyid": "keyid", "--event-key": "event_key",
              "--submit-to": "submit_to", "--keep": "keep"}
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a in flags:
            opts[flags[a]] = True
        elif a in valued and args:
            opts[valued[a]] = args.pop(0)
        else:
            sys.exit("api_client.py: unknown option " + a)
    client = Client(url, prefix, opts)
    cmd = args[0] if args else ""
    if cmd == "step" and len(args) == 2:
        step(client, json.loads(args[1]), opts)
    elif cmd == "prepare" and len(args) == 2:
        for s, b in client.request("POST", "/api/v1/prepare",
                                   json.loads(args[1])):
            emit(s, b)
    elif cmd == "get" and len(args) == 2:
        for s, b in client.request("GET", args[1]):
            emit(s, b)
    elif cmd == "post" and len(args) == 3:
        for s, b in client.request("POST", args[1], json.loads(args[2])):
            emit(s, b)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

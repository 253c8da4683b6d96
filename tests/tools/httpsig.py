#!/usr/bin/env python3
"""httpsig.py - RFC 9421 HTTP Message Signatures with Ed25519, and RFC 9530
Content-Digest, for test clients of lpg-webd's API (python3-cryptography).

As a module:

    import httpsig
    key = httpsig.load_private_key("dev.pem")        # Ed25519, PKCS#8 PEM
    body = b'{"step": "deliver"}'
    headers = {"Content-Type": "application/json",
               "Content-Digest": httpsig.content_digest(body)}
    headers.update(httpsig.sign_request(
        key, "POST", "https://lpg.example/api/v1/submit", headers,
        components=("@method", "@target-uri", "content-digest"),
        created=int(time.time()), nonce=httpsig.new_nonce(), keyid=KEYID))

sign_request returns the Signature-Input and Signature fields to send.
Derived components: @method, @target-uri, @authority, @scheme, @path,
@query; any other component is a field name, looked up without regard to
case and trimmed of surrounding spaces and tabs. The signature parameters
are serialised in the order created, expires, nonce, alg, keyid, tag (the
order lpgtrace's C code uses by default).

As a program:

    httpsig.py --selftest
        reproduces RFC 9421 Appendix B.2.6 (signature base and signature,
        byte for byte) and RFC 9530's sha-256 example; exit status 0 if so.
    httpsig.py sign KEY.pem METHOD TARGET-URI BODY-FILE KEYID [NAME:VALUE]...
        prints the Content-Digest, Signature-Input and Signature fields of
        a request covering @method, @target-uri and content-digest, with
        created = now and a fresh nonce.
"""
import base64
import hashlib
import os
import re
import sys
import time
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)

DERIVED = ("@method", "@target-uri", "@authority", "@scheme", "@path",
           "@query")
PARAM_ORDER = ("created", "expires", "nonce", "alg", "keyid", "tag")


def content_digest(body):
    """RFC 9530 Content-Digest field value of body (bytes): sha-256."""
    d = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return "sha-256=:%s:" % d


def new_nonce():
    """A fresh random nonce (base64url, 128 bits)."""
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")


def load_private_key(path):
    with open(path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("%s is not an Ed25519 private key" % path)
    return key


_PRINTABLE = re.compile("[\x20-\x7e]*")


def _sf_string(s):
    if not _PRINTABLE.fullmatch(s):
        raise ValueError("not printable ASCII: %r" % s)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sf_integer(n):
    if not isinstance(n, int) or isinstance(n, bool) or \
            not 0 <= n <= 999999999999999:
        raise ValueError("not an integer of at most 15 digits: %r" % (n,))
    return str(n)


def signature_params(components, params):
    """The @signature-params value: the inner list of components, then
    params (a dict) in PARAM_ORDER."""
    for c in components:
        if c.startswith("@") and c not in DERIVED:
            raise ValueError("unsupported derived component %s" % c)
        if not c.startswith("@") and c != c.lower():
            raise ValueError("field names are lower case: %s" % c)
    out = "(" + " ".join(_sf_string(c) for c in components) + ")"
    for name in params:
        if name not in PARAM_ORDER:
            raise ValueError("unknown signature parameter %s" % name)
    for name in PARAM_ORDER:
        if params.get(name) is None:
            continue
        v = params[name]
        if name in ("created", "expires"):
            out += ";%s=%s" % (name, _sf_integer(v))
        else:
            out += ";%s=%s" % (name, _sf_string(v))
    return out


def _field(headers, name):
    for k, v in headers.items():
        if k.lower() == name:
            return v.strip(" \t")
    raise KeyError("covered field %s is absent" % name)


def component_value(name, method, target_uri, headers):
    """The value of one covered component (RFC 9421 sections 2.1, 2.2)."""
    u = urlsplit(target_uri)
    if not u.scheme or not u.netloc or u.fragment:
        raise ValueError("not an absolute target URI: %s" % target_uri)
    if name == "@method":
        return method
    if name == "@target-uri":
        return target_uri
    if name == "@scheme":
        return u.scheme.lower()
    if name == "@authority":
        auth = u.netloc.lower()
        default = {"https": ":443", "http": ":80"}.get(u.scheme.lower())
        if default and auth.endswith(default):
            auth = auth[:-len(default)]
        return auth
    if name == "@path":
        return u.path or "/"
    if name == "@query":
        return "?" + u.query
    if name.startswith("@"):
        raise ValueError("unsupported derived component %s" % name)
    return _field(headers, name)


def signature_base(method, target_uri, headers, components, params):
    """The signature base (RFC 9421 section 2.5), as a str."""
    lines = ['"%s": %s' % (c, component_value(c, method, target_uri, headers))
             for c in components]
    lines.append('"@signature-params": ' +
                 signature_params(components, params))
    return "\n".join(lines)


def sign_request(key, method, target_uri, headers,
                 components=("@method", "@target-uri", "content-digest"),
                 label="sig1", created=None, expires=None, nonce=None,
                 alg=None, keyid=None, tag=None):
    """Signs the request with key (an Ed25519PrivateKey); returns the
    Signature-Input and Signature fields as a dict."""
    params = {"created": created, "expires": expires, "nonce": nonce,
              "alg": alg, "keyid": keyid, "tag": tag}
    base = signature_base(method, target_uri, headers, components, params)
    sig = key.sign(base.encode("ascii"))
    return {
        "Signature-Input": "%s=%s" % (label,
                                      signature_params(components, params)),
        "Signature": "%s=:%s:" % (label, base64.b64encode(sig).decode()),
    }


# RFC 9421 Appendix B.1.4 (test-key-ed25519), B.2 and B.2.6.
_B14_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
_B14_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
_B2_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm"
                      "+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}
_B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" '
    '"content-type" "content-length");created=1618884473;'
    'keyid="test-key-ed25519"')
_B26_INPUT = ('sig-b26=("date" "@method" "@path" "@authority" '
              '"content-type" "content-length");created=1618884473;'
              'keyid="test-key-ed25519"')
_B26_SIG = ("sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9"
            "EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:")


def selftest():
    """TAP lines; True if every check passed."""
    results = []

    def check(ok, what):
        results.append(ok)
        print("%s %d - %s" % ("ok" if ok else "not ok", len(results), what))

    key = serialization.load_pem_private_key(_B14_PRIVATE, None)
    pub = serialization.load_pem_public_key(_B14_PUBLIC)
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    check(key.public_key().public_bytes(*raw) == pub.public_bytes(*raw),
          "B.1.4: the private key's public half is the public key")
    comps = ("date", "@method", "@path", "@authority", "content-type",
             "content-length")
    target = "https://example.com/foo?param=Value&Pet=dog"
    params = {"created": 1618884473, "keyid": "test-key-ed25519"}
    base = signature_base("POST", target, _B2_HEADERS, comps, params)
    check(base == _B26_BASE, "B.2.6: the signature base, byte for byte")
    fields = sign_request(key, "POST", target, _B2_HEADERS, comps,
                          label="sig-b26", created=1618884473,
                          keyid="test-key-ed25519")
    check(fields["Signature-Input"] == _B26_INPUT,
          "B.2.6: the Signature-Input field")
    check(fields["Signature"] == _B26_SIG,
          "B.2.6: the Signature field (Ed25519 is deterministic)")
    sig = base64.b64decode(_B26_SIG.split(":")[1])
    try:
        pub.verify(sig, _B26_BASE.encode())
        check(True, "B.2.6: the published signature verifies")
    except Exception:  # noqa: BLE001 - any failure is a failed check
        check(False, "B.2.6: the published signature verifies")
    try:
        pub.verify(sig, _B26_BASE.replace("POST", "PUT").encode())
        check(False, "a tampered base is refused")
    except Exception:  # noqa: BLE001
        check(True, "a tampered base is refused")
    check(content_digest(b'{"hello": "world"}') ==
          "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
          "RFC 9530: Content-Digest of the example body")
    check(signature_params(("@query",), {"nonce": 'a"b\\'}) ==
          '("@query");nonce="a\\"b\\\\"', "strings are escaped")
    check(component_value("@authority", "GET",
                          "HTTPS://Example.COM:443/x", {}) == "example.com"
          and component_value("@path", "GET", "http://h:8080", {}) == "/"
          and component_value("@query", "GET", "http://h/p", {}) == "?",
          "derived components are normalised")
    print("1..%d" % len(results))
    return all(results)


def main(argv):
    if argv[1:] == ["--selftest"]:
        return 0 if selftest() else 1
    if len(argv) >= 7 and argv[1] == "sign":
        key = load_private_key(argv[2])
        method, target, body_file, keyid = argv[3:7]
        with open(body_file, "rb") as f:
            body = f.read()
        headers = {}
        for h in argv[7:]:
            name, _, value = h.partition(":")
            headers[name.strip()] = value.strip()
        headers["Content-Digest"] = content_digest(body)
        fields = sign_request(key, method, target, headers,
                              created=int(time.time()), nonce=new_nonce(),
                              keyid=keyid)
        print("Content-Digest: " + headers["Content-Digest"])
        for name, value in fields.items():
            print("%s: %s" % (name, value))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

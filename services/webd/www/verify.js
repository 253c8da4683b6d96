/*  verify.js - the console's cylinder page checks, in the browser, what
 *  lpg-webd shows it: trusting nothing the server says.
 *
 *  For each entry of the timeline (span.check[data-seq]):
 *    - the device's Ed25519 signature over "lpgtrace/v1/event\0" + the
 *      event bytes (WebCrypto), with the key whose SHA-256 is the key id
 *      the signed event names;
 *    - that the signed event is the one inside the ledger entry (the
 *      Merkle leaf), and that the entry is the one numbered seq;
 *    - the leaf's inclusion proof up to the signed checkpoint's root
 *      (RFC 9162 2.1.3.2, SHA-256 in WebCrypto);
 *  and once for the page:
 *    - the checkpoint's C2SP signed-note signature by the ledger key;
 *    - the ledger key is the one this browser saw before (first use:
 *      remembered);
 *    - the checkpoint's consistency (RFC 9162 2.1.4.2) with the largest
 *      checkpoint this browser saw before (kept in localStorage); the new
 *      one is remembered only once it checks.
 *  Each row gets a check mark or a cross with the reason; a browser that
 *  cannot check (no WebCrypto, no Ed25519) gets a banner and no marks.
 *
 *  A classic script (no inline script: the page's CSP forbids it). The
 *  pure functions are exported as globalThis.LpgVerify, and as a CommonJS
 *  module for the node tests.
 */
(function (root) {
    'use strict';

    var EVENT_CONTEXT = 'lpgtrace/v1/event\u0000';
    var STORE_PREFIX = 'lpgtrace.checkpoint.';

    /* The reasons a row or the page can show: Chinese, then English. */
    var WHY = {
        sig: '签名不符 / signature does not verify',
        key: '签名密钥与事件不符 / the signer key is not the one the event names',
        context: '签名语境不对 / the signature is for something else',
        leaf: '事件与日志条目不符 / the signed event is not the one in the log',
        seq: '条目序号不符 / the entry has another number in the log',
        notInLog: '不在日志中 / not in the log',
        notYet: '尚未签入检查点 / not yet covered by a signed checkpoint',
        note: '检查点签名不符 / the checkpoint is not signed by the ledger key',
        ledgerKey: '账本密钥变了 / the ledger key is not the one seen before',
        rewritten: '日志被改写 / the log was rewritten',
        fetch: '无法取得证明 / the proofs could not be fetched',
        malformed: '数据格式错误 / the proof data is malformed'
    };

    function subtle() {
        var c = root.crypto;
        return c && c.subtle ? c.subtle : null;
    }

    /* ---- bytes ---- */

    var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

    /*  Strict standard base64 (padding required, no stray bits) to bytes;
     *  throws on anything else. */
    function b64decode(s) {
        if (typeof s !== 'string' || s.length % 4 !== 0)
            throw new Error('base64: bad length');
        var pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
        var n = (s.length / 4) * 3 - pad;
        var out = new Uint8Array(n);
        var o = 0;
        for (var i = 0; i < s.length; i += 4) {
            var v = 0;
            for (var k = 0; k < 4; k++) {
                var c = s.charAt(i + k);
                var d;
                if (c === '=') {
                    if (i + 4 !== s.length || k < 4 - pad)
                        throw new Error('base64: bad padding');
                    d = 0;
                } else {
                    d = B64.indexOf(c);
                    if (d < 0)
                        throw new Error('base64: bad character');
                }
                v = v * 64 + d;
            }
            var three = [(v >>> 16) & 255, (v >>> 8) & 255, v & 255];
            if (pad === 2 && i + 4 === s.length && (three[1] | three[2]))
                throw new Error('base64: trailing bits');
            if (pad === 1 && i + 4 === s.length && three[2])
                throw new Error('base64: trailing bits');
            for (var j = 0; j < 3 && o < n; j++)
                out[o++] = three[j];
        }
        return out;
    }

    function b64encode(bytes) {
        var s = '';
        for (var i = 0; i < bytes.length; i += 3) {
            var a = bytes[i], b = bytes[i + 1], c = bytes[i + 2];
            var v = (a << 16) | ((b || 0) << 8) | (c || 0);
            s += B64.charAt((v >>> 18) & 63) + B64.charAt((v >>> 12) & 63);
            s += i + 1 < bytes.length ? B64.charAt((v >>> 6) & 63) : '=';
            s += i + 2 < bytes.length ? B64.charAt(v & 63) : '=';
        }
        return s;
    }

    function hexToBytes(h) {
        if (h.length % 2)
            throw new Error('hex: odd length');
        var out = new Uint8Array(h.length / 2);
        for (var i = 0; i < out.length; i++) {
            var v = parseInt(h.substr(i * 2, 2), 16);
            if (isNaN(v))
                throw new Error('hex: bad digit');
            out[i] = v;
        }
        return out;
    }

    function equal(a, b) {
        if (!a || !b || a.length !== b.length)
            return false;
        var d = 0;
        for (var i = 0; i < a.length; i++)
            d |= a[i] ^ b[i];
        return d === 0;
    }

    function concat(parts) {
        var n = 0;
        parts.forEach(function (p) { n += p.length; });
        var out = new Uint8Array(n);
        var o = 0;
        parts.forEach(function (p) { out.set(p, o); o += p.length; });
        return out;
    }

    function utf8(s) {
        return new TextEncoder().encode(s);
    }

    /* ---- hashing (RFC 9162 2.1.1) ---- */

    async function sha256(bytes) {
        return new Uint8Array(await subtle().digest('SHA-256', bytes));
    }

    function leafHash(leaf) {
        return sha256(concat([new Uint8Array([0]), leaf]));
    }

    function nodeHash(left, right) {
        return sha256(concat([new Uint8Array([1]), left, right]));
    }

    /*  Sizes and indexes as BigInt: bit shifts on Numbers stop at 2^31. */
    function big(n) {
        if (typeof n === 'bigint')
            return n;
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
            throw new Error('not a tree size or index');
        return BigInt(n);
    }

    /*  RFC 9162 2.1.3.2: does proof take leaf hash `leaf` at `index` of a
     *  tree of `size` leaves to `rootHash`? */
    async function verifyInclusion(index, size, leaf, proof, rootHash) {
        var fn = big(index), sn = big(size) - 1n;
        if (big(index) >= big(size) || leaf.length !== 32)
            return false;
        var r = leaf;
        for (var i = 0; i < proof.length; i++) {
            var p = proof[i];
            if (sn === 0n || p.length !== 32)
                return false;
            if ((fn & 1n) === 1n || fn === sn) {
                r = await nodeHash(p, r);
                if ((fn & 1n) === 0n)
                    while ((fn & 1n) === 0n && fn !== 0n) {
                        fn >>= 1n;
                        sn >>= 1n;
                    }
            } else {
                r = await nodeHash(r, p);
            }
            fn >>= 1n;
            sn >>= 1n;
        }
        return sn === 0n && equal(r, rootHash);
    }

    /*  RFC 9162 2.1.4.2, and for equal sizes: an empty proof and equal
     *  roots. */
    async function verifyConsistency(size1, size2, root1, root2, proof) {
        var s1 = big(size1), s2 = big(size2);
        if (s1 > s2 || root1.length !== 32 || root2.length !== 32)
            return false;
        if (s1 === s2)
            return proof.length === 0 && equal(root1, root2);
        if (s1 === 0n)
            return proof.length === 0 &&
                equal(root1, await sha256(new Uint8Array(0)));
        if (proof.length === 0)
            return false;
        for (var k = 0; k < proof.length; k++)
            if (proof[k].length !== 32)
                return false;
        var path = proof.slice();
        if ((s1 & (s1 - 1n)) === 0n)
            path.unshift(root1);
        var fn = s1 - 1n, sn = s2 - 1n;
        while ((fn & 1n) === 1n) {
            fn >>= 1n;
            sn >>= 1n;
        }
        var fr = path[0], sr = path[0];
        for (var i = 1; i < path.length; i++) {
            var c = path[i];
            if (sn === 0n)
                return false;
            if ((fn & 1n) === 1n || fn === sn) {
                fr = await nodeHash(c, fr);
                sr = await nodeHash(c, sr);
                if ((fn & 1n) === 0n)
                    while ((fn & 1n) === 0n && fn !== 0n) {
                        fn >>= 1n;
                        sn >>= 1n;
                    }
            } else {
                sr = await nodeHash(sr, c);
            }
            fn >>= 1n;
            sn >>= 1n;
        }
        return sn === 0n && equal(fr, root1) && equal(sr, root2);
    }

    /* ---- Ed25519 (RFC 8032, WebCrypto) ---- */

    /*  true/false; throws if this browser has no Ed25519. */
    async function ed25519Verify(pub, sig, msg) {
        if (pub.length !== 32 || sig.length !== 64)
            return false;
        var key = await subtle().importKey('raw', pub, { name: 'Ed25519' },
                                           false, ['verify']);
        return subtle().verify({ name: 'Ed25519' }, key, sig, msg);
    }

    /*  Can this browser check? RFC 8032 TEST 1 must verify and its
     *  altered signature must not. */
    var TEST1 = {
        pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f' +
             'b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
    };
    async function canCheck() {
        if (!subtle() || typeof TextEncoder === 'undefined' ||
            typeof BigInt === 'undefined')
            return false;
        try {
            var pub = hexToBytes(TEST1.pub), sig = hexToBytes(TEST1.sig);
            var good = await ed25519Verify(pub, sig, new Uint8Array(0));
            sig[0] ^= 1;
            var bad = await ed25519Verify(pub, sig, new Uint8Array(0));
            return good === true && bad === false;
        } catch (e) {
            return false;
        }
    }

    /* ---- protobuf, the little the entries need ---- */

    /*  The fields of one protobuf message: [{num, wire, value}], value a
     *  BigInt for varints and a Uint8Array for length-delimited fields.
     *  Throws on a truncation or a wire type we do not expect. */
    function pbFields(buf) {
        var out = [];
        var i = 0;
        function varint() {
            var v = 0n, shift = 0n;
            for (;;) {
                if (i >= buf.length || shift > 63n)
                    throw new Error('protobuf: bad varint');
                var b = buf[i++];
                v |= BigInt(b & 127) << shift;
                shift += 7n;
                if (!(b & 128))
                    return v;
            }
        }
        while (i < buf.length) {
            var tag = varint();
            var num = Number(tag >> 3n), wire = Number(tag & 7n);
            if (num === 0)
                throw new Error('protobuf: field 0');
            if (wire === 0) {
                out.push({ num: num, wire: 0, value: varint() });
            } else if (wire === 2) {
                var len = Number(varint());
                if (i + len > buf.length)
                    throw new Error('protobuf: truncated');
                out.push({ num: num, wire: 2, value: buf.subarray(i, i + len) });
                i += len;
            } else if (wire === 1 || wire === 5) {
                var w = wire === 1 ? 8 : 4;
                if (i + w > buf.length)
                    throw new Error('protobuf: truncated');
                out.push({ num: num, wire: wire, value: buf.subarray(i, i + w) });
                i += w;
            } else {
                throw new Error('protobuf: wire type ' + wire);
            }
        }
        return out;
    }

    /*  The one field numbered num of the wire type wanted; throws if it
     *  is missing, given twice or of another type. */
    function pbOne(fields, num, wire) {
        var f = fields.filter(function (x) { return x.num === num; });
        if (f.length !== 1 || f[0].wire !== wire)
            throw new Error('protobuf: field ' + num);
        return f[0].value;
    }

    /*  LedgerEntry {seq = 1, signed_event = 4} (proto/event.proto). */
    function parseLedgerEntry(bytes) {
        var f = pbFields(bytes);
        return { seq: pbOne(f, 1, 0), signedEvent: pbOne(f, 4, 2) };
    }

    /*  SignedEvent {body = 1, key_id = 2, sig = 3}. */
    function parseSignedEvent(bytes) {
        var f = pbFields(bytes);
        return { body: pbOne(f, 1, 2), keyId: pbOne(f, 2, 2),
                 sig: pbOne(f, 3, 2) };
    }

    /* ---- C2SP signed notes and tlog checkpoints ---- */

    /*  The note's key hash: SHA-256(name || "\n" || 0x01 || pub)[0:4]. */
    async function noteKeyHash(name, pub) {
        var h = await sha256(concat([utf8(name), new Uint8Array([10, 1]), pub]));
        return h.subarray(0, 4);
    }

    /*  Parses a checkpoint note: {text (the signed part), origin, size
     *  (BigInt), root, sigs: [{name, keyHash, sig}]}. Throws if it is not
     *  one. */
    function parseNote(note) {
        if (typeof note !== 'string' || !note.endsWith('\n'))
            throw new Error('note: does not end with a newline');
        var blank = note.indexOf('\n\n');
        if (blank < 0)
            throw new Error('note: no blank line');
        var text = note.substring(0, blank + 1);
        var lines = text.split('\n');
        if (lines.length < 4)
            throw new Error('note: too few lines');
        var origin = lines[0], size = lines[1];
        if (!origin || !/^(0|[1-9][0-9]{0,19})$/.test(size))
            throw new Error('note: bad origin or size');
        var rootHash = b64decode(lines[2]);
        if (rootHash.length !== 32)
            throw new Error('note: bad root');
        var sigs = [];
        note.substring(blank + 2, note.length - 1).split('\n')
            .forEach(function (line) {
                var m = /^\u2014 (\S+) (\S+)$/.exec(line);
                if (!m)
                    throw new Error('note: bad signature line');
                var blob = b64decode(m[2]);
                if (blob.length < 5)
                    throw new Error('note: short signature');
                sigs.push({ name: m[1], keyHash: blob.subarray(0, 4),
                            sig: blob.subarray(4) });
            });
        return { text: text, origin: origin, size: BigInt(size),
                 root: rootHash, sigs: sigs };
    }

    /*  Does the note carry a valid Ed25519 signature by (name, pub)?
     *  Returns the parsed note, or null. */
    async function verifyNote(note, name, pub) {
        var n;
        try {
            n = parseNote(note);
        } catch (e) {
            return null;
        }
        var kh = await noteKeyHash(name, pub);
        for (var i = 0; i < n.sigs.length; i++) {
            var s = n.sigs[i];
            if (s.name === name && equal(s.keyHash, kh) &&
                await ed25519Verify(pub, s.sig, utf8(n.text)))
                return n;
        }
        return null;
    }

    /* ---- one entry ---- */

    /*  Checks one entry of /console/api/entries against the checked
     *  checkpoint {size (BigInt), root}. Returns {ok, why}. */
    async function checkEntry(e, cp) {
        var leaf, signed, event, sig, context, pub, proof, le, se;
        try {
            leaf = b64decode(e.leaf);
            signed = b64decode(e.signed_event);
            event = b64decode(e.event);
            sig = b64decode(e.sig);
            context = b64decode(e.context);
            pub = b64decode(e.signer_pub);
            proof = (e.proof || []).map(b64decode);
        } catch (x) {
            return { ok: false, why: WHY.malformed };
        }
        if (!equal(context, utf8(EVENT_CONTEXT)))
            return { ok: false, why: WHY.context };
        var good;
        try {
            good = await ed25519Verify(pub, sig, concat([context, event]));
        } catch (x) {
            good = false;
        }
        if (!good)
            return { ok: false, why: WHY.sig };
        try {
            se = parseSignedEvent(signed);
            le = parseLedgerEntry(leaf);
        } catch (x) {
            return { ok: false, why: WHY.leaf };
        }
        if (!equal(se.body, event) || !equal(se.sig, sig) ||
            !equal(le.signedEvent, signed))
            return { ok: false, why: WHY.leaf };
        if (!equal(se.keyId, await sha256(pub)))
            return { ok: false, why: WHY.key };
        if (le.seq !== big(e.seq))
            return { ok: false, why: WHY.seq };
        if (big(e.seq) >= cp.size)
            return { ok: false, pending: true, why: WHY.notYet };
        if (!await verifyInclusion(e.seq, cp.size, await leafHash(leaf), proof,
                                   cp.root))
            return { ok: false, why: WHY.notInLog };
        return { ok: true, why: '' };
    }

    /* ---- the checkpoint this browser saw last ---- */

    function storeGet(storage, name) {
        try {
            var v = JSON.parse(storage.getItem(STORE_PREFIX + name) || 'null');
            if (v && typeof v.size === 'string' && typeof v.root === 'string' &&
                typeof v.pub === 'string')
                return { size: BigInt(v.size), root: b64decode(v.root),
                         pub: b64decode(v.pub) };
        } catch (e) {
            /* a damaged record: as if none */
        }
        return null;
    }

    function storePut(storage, name, size, rootHash, pub) {
        try {
            storage.setItem(STORE_PREFIX + name, JSON.stringify({
                size: size.toString(), root: b64encode(rootHash),
                pub: b64encode(pub) }));
        } catch (e) {
            /* private mode: nothing kept */
        }
    }

    /*  Checks the answer's checkpoint: the note's signature by the ledger
     *  key, the key against the one seen before, and consistency with
     *  the checkpoint seen before (fetchConsistency(from, to) resolves to
     *  the /console/api/consistency document). Remembers it when all
     *  hold. Returns {ok, why, cp: {size, root}}. */
    async function checkCheckpoint(doc, storage, fetchConsistency) {
        var name, pub;
        try {
            name = doc.ledger_key.name;
            pub = b64decode(doc.ledger_key.pub);
        } catch (e) {
            return { ok: false, why: WHY.malformed };
        }
        var n = null;
        try {
            n = await verifyNote(doc.checkpoint.note, name, pub);
        } catch (e) {
            n = null;
        }
        if (!n || n.origin !== name)
            return { ok: false, why: WHY.note };
        var cp = { size: n.size, root: n.root };
        var seen = storage ? storeGet(storage, name) : null;
        if (seen && !equal(seen.pub, pub))
            return { ok: false, why: WHY.ledgerKey, cp: cp };
        if (seen && seen.size > cp.size)
            return { ok: false, why: WHY.rewritten + ' (' + cp.size +
                     ' < ' + seen.size + ')', cp: cp };
        if (seen && seen.size > 0n) {
            var proof = [];
            if (seen.size < cp.size) {
                var c;
                try {
                    c = await fetchConsistency(seen.size, cp.size);
                    if (big(c.from) !== seen.size || big(c.to) !== cp.size)
                        throw new Error('another proof');
                    proof = (c.proof || []).map(b64decode);
                } catch (e) {
                    return { ok: false, why: WHY.rewritten + ' (' + WHY.fetch +
                             ')', cp: cp };
                }
            }
            if (!await verifyConsistency(seen.size, cp.size, seen.root,
                                         cp.root, proof))
                return { ok: false, why: WHY.rewritten, cp: cp };
        }
        if (storage && (!seen || cp.size >= seen.size))
            storePut(storage, name, cp.size, cp.root, pub);
        return { ok: true, why: '', cp: cp };
    }

    /* ---- the page ---- */

    function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls)
            e.className = cls;
        if (text !== undefined)
            e.textContent = text;
        return e;
    }

    function where() {
        var main = document.querySelector('main') || document.body;
        return main;
    }

    function banner(text, cls) {
        var b = document.getElementById('verify-banner');
        if (!b) {
            b = el('div', 'verify-banner');
            b.id = 'verify-banner';
            b.setAttribute('role', 'alert');
            var w = where();
            w.insertBefore(b, w.firstChild);
        }
        b.className = 'verify-banner ' + (cls || 'bad');
        b.textContent = text;
    }

    function summary(text, cls) {
        var s = document.getElementById('verify-summary');
        if (!s) {
            s = el('p', 'verify-summary');
            s.id = 'verify-summary';
            var w = where();
            w.insertBefore(s, w.firstChild);
        }
        s.className = 'verify-summary ' + cls;
        s.textContent = text;
    }

    function mark(span, ok, why) {
        span.textContent = '';
        span.classList.remove('ok', 'bad', 'pending');
        if (ok) {
            span.classList.add('ok');
            span.textContent = '\u2713';
            span.title = '已核验 / checked in this browser';
        } else {
            span.classList.add(why === WHY.notYet ? 'pending' : 'bad');
            span.appendChild(el('span', 'mark', why === WHY.notYet ? '\u2026'
                                                                   : '\u2717'));
            span.appendChild(el('span', 'why', ' ' + why));
            span.title = why;
        }
    }

    /*  The cylinder the page shows: data-cylinder on any element, else
     *  the q parameter, else the path's last part. */
    function pageQuery() {
        var d = document.querySelector('[data-cylinder]');
        if (d && d.getAttribute('data-cylinder'))
            return d.getAttribute('data-cylinder');
        var q = new URLSearchParams(location.search).get('q');
        if (q)
            return q;
        var m = /\/console\/cylinder\/([^/?#]+)/.exec(location.pathname);
        return m ? decodeURIComponent(m[1]) : null;
    }

    async function getJson(url) {
        var r = await fetch(url, { credentials: 'same-origin',
                                   headers: { Accept: 'application/json' } });
        if (!r.ok)
            throw new Error(url + ': HTTP ' + r.status);
        return r.json();
    }

    async function runPage() {
        var spans = Array.prototype.slice.call(
            document.querySelectorAll('span.check[data-seq]'));
        if (!spans.length)
            return;
        if (!await canCheck()) {
            banner('此浏览器无法核验签名与证明（需要 WebCrypto 与 Ed25519），以下条目未经本机核验。 / ' +
                   'This browser cannot check signatures and proofs (it needs ' +
                   'WebCrypto with Ed25519): nothing on this page was checked here.',
                   'bad');
            spans.forEach(function (s) { s.textContent = ''; });
            return;
        }
        var q = pageQuery();
        summary('正在核验… / checking…', 'pending');
        var doc;
        try {
            doc = await getJson('/console/api/entries?q=' + encodeURIComponent(q));
        } catch (e) {
            banner(WHY.fetch, 'bad');
            summary('已核验 0 / ' + spans.length + ' 条 · 0 of ' + spans.length +
                    ' entries checked', 'bad');
            return;
        }
        var cpr = await checkCheckpoint(doc, root.localStorage, function (m, n) {
            return getJson('/console/api/consistency?from=' + m + '&to=' + n);
        });
        if (!cpr.ok)
            banner('检查点未通过核验 / the checkpoint does not check: ' + cpr.why,
                   'bad');
        var bySeq = {};
        (doc.entries || []).forEach(function (e) { bySeq[String(e.seq)] = e; });
        var good = 0;
        for (var i = 0; i < spans.length; i++) {
            var span = spans[i];
            var e = bySeq[span.getAttribute('data-seq')];
            var r;
            if (!cpr.ok)
                r = { ok: false, why: cpr.why };
            else if (!e)
                r = { ok: false, why: WHY.notInLog };
            else
                r = await checkEntry(e, cpr.cp);
            mark(span, r.ok, r.why);
            if (r.ok)
                good++;
        }
        var all = good === spans.length;
        summary('已核验 ' + good + ' / ' + spans.length + ' 条 · ' + good + ' of ' +
                spans.length + ' entries checked in this browser' +
                (cpr.ok ? ' (checkpoint of ' + cpr.cp.size + ' entries)' : ''),
                all ? 'ok' : 'bad');
        document.documentElement.setAttribute('data-verify-done',
                                              all ? 'ok' : 'bad');
    }

    var api = {
        WHY: WHY,
        EVENT_CONTEXT: EVENT_CONTEXT,
        b64decode: b64decode,
        b64encode: b64encode,
        hexToBytes: hexToBytes,
        sha256: sha256,
        leafHash: leafHash,
        nodeHash: nodeHash,
        verifyInclusion: verifyInclusion,
        verifyConsistency: verifyConsistency,
        ed25519Verify: ed25519Verify,
        canCheck: canCheck,
        pbFields: pbFields,
        parseLedgerEntry: parseLedgerEntry,
        parseSignedEvent: parseSignedEvent,
        noteKeyHash: noteKeyHash,
        parseNote: parseNote,
        verifyNote: verifyNote,
        checkEntry: checkEntry,
        checkCheckpoint: checkCheckpoint
    };
    root.LpgVerify = api;
    if (typeof module !== 'undefined' && module.exports)
        module.exports = api;
    if (typeof document !== 'undefined') {
        var go = function () {
            runPage().catch(function (e) {
                banner('核验中断 / checking stopped: ' + e.message, 'bad');
                document.documentElement.setAttribute('data-verify-done', 'bad');
            });
        };
        if (document.readyState === 'loading')
            document.addEventListener('DOMContentLoaded', go);
        else
            go();
    }
})(typeof globalThis !== 'undefined' ? globalThis : this);

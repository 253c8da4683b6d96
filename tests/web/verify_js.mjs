// verify_js.mjs - node:test of the pure functions of the console's
// browser checks (services/webd/www/verify.js), run by
// tests/e2e/verify_js.sh: every RFC 9162 inclusion and consistency vector
// of tests/vectors/merkle (accepted exactly when it should be), RFC 8032
// TEST 1 and its negatives, the protobuf reading of ledger entries, the
// C2SP checkpoint note, one entry end to end, and the remembered
// checkpoint (a consistent newer one is taken, an older or rewritten one
// refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeCrypto from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);
const V = require(join(root, 'services/webd/www/verify.js'));
const VEC = join(root, 'tests/vectors');

const b64 = V.b64decode;
const hex = V.hexToBytes;

function vectors(kind) {
    const out = [];
    const dir = join(VEC, 'merkle', kind);
    for (const sub of readdirSync(dir).sort())
        for (const f of readdirSync(join(dir, sub)).sort())
            if (f.endsWith('.json'))
                out.push({ name: `${kind}/${sub}/${f}`,
                           v: JSON.parse(readFileSync(join(dir, sub, f), 'utf8')) });
    return out;
}

// The vectors' proofs may hold hashes that are not base64 of 32 bytes
// (garbage tests): such a proof must be refused like any bad one.
function hashes(list) {
    return (list || []).map((h) => b64(h));
}

test('RFC 9162 inclusion vectors: accepted exactly when wantErr is false', async () => {
    const all = vectors('inclusion');
    assert.ok(all.length >= 80, `only ${all.length} inclusion vectors`);
    let good = 0, bad = 0;
    for (const { name, v } of all) {
        let ok;
        try {
            ok = await V.verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash || ''),
                                         hashes(v.proof), b64(v.root || ''));
        } catch (e) {
            ok = false;
        }
        assert.equal(ok, !v.wantErr, `${name} (${v.desc})`);
        ok ? good++ : bad++;
    }
    assert.ok(good >= 5 && bad >= 50, `${good} accepted, ${bad} refused`);
});

test('RFC 9162 consistency vectors: accepted exactly when wantErr is false', async () => {
    const all = vectors('consistency');
    assert.ok(all.length >= 80, `only ${all.length} consistency vectors`);
    let good = 0, bad = 0;
    for (const { name, v } of all) {
        let ok;
        try {
            ok = await V.verifyConsistency(v.size1, v.size2, b64(v.root1 || ''),
                                           b64(v.root2 || ''), hashes(v.proof));
        } catch (e) {
            ok = false;
        }
        assert.equal(ok, !v.wantErr, `${name} (${v.desc})`);
        ok ? good++ : bad++;
    }
    assert.ok(good >= 5 && bad >= 50, `${good} accepted, ${bad} refused`);
});

// The eight leaves of the vectors' README and their roots.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657',
                '606162636465666768696a6b6c6d6e6f'];
const ROOTS = {
    1: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    8: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
};

test('leaf hash is SHA-256(0x00 || leaf): the README root of one leaf; another leaf differs', async () => {
    assert.deepEqual(await V.leafHash(hex(LEAVES[0])), hex(ROOTS[1]));
    assert.notDeepEqual(await V.leafHash(hex(LEAVES[1])), hex(ROOTS[1]));
});

test('a proof past the index or size is refused, numbers beyond 2^32 work', async () => {
    const leaf = await V.leafHash(hex('00'));
    assert.equal(await V.verifyInclusion(0, 1, leaf, [], leaf), true);
    assert.equal(await V.verifyInclusion(1, 1, leaf, [], leaf), false);
    assert.equal(await V.verifyInclusion(2 ** 40, 2 ** 40 + 1, leaf, [], leaf), false);
});

const T1 = JSON.parse(readFileSync(join(VEC, 'ed25519/rfc8032-test1.json'), 'utf8'));

test('RFC 8032 TEST 1 verifies with WebCrypto', async () => {
    assert.equal(await V.ed25519Verify(hex(T1.pub), hex(T1.sig), hex(T1.msg)), true);
    assert.equal(await V.canCheck(), true);
});

test('RFC 8032 TEST 1 negatives: a flipped signature bit, another message, S + L', async () => {
    const sig = hex(T1.sig);
    sig[10] ^= 0x04;
    assert.equal(await V.ed25519Verify(hex(T1.pub), sig, hex(T1.msg)), false);
    assert.equal(await V.ed25519Verify(hex(T1.pub), hex(T1.sig), hex('00')), false);
    // S replaced by S + L: the same point, a second signature a lax
    // verifier would take.
    const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
               0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
    const s2 = hex(T1.sig);
    let carry = 0;
    for (let i = 0; i < 32; i++) {
        const v = s2[32 + i] + L[i] + carry;
        s2[32 + i] = v & 255;
        carry = v >> 8;
    }
    assert.equal(await V.ed25519Verify(hex(T1.pub), s2, hex(T1.msg)), false);
});

test('base64 is strict', () => {
    assert.deepEqual(b64('AAEC'), new Uint8Array([0, 1, 2]));
    assert.deepEqual(b64('AA=='), new Uint8Array([0]));
    for (const s of ['AA=', 'AB==', 'A-==', 'AAA=A===', '=AAA'])
        assert.throws(() => b64(s), undefined, s);
    assert.equal(V.b64encode(new Uint8Array([1, 2, 3, 4])), 'AQIDBA==');
});

// ---- entries made here, the way devices and the ledger make them ----

function varint(n) {
    let v = BigInt(n);
    const out = [];
    do {
        let b = Number(v & 127n);
        v >>= 7n;
        if (v) b |= 128;
        out.push(b);
    } while (v);
    return Buffer.from(out);
}
const fieldBytes = (num, bytes) => Buffer.concat([varint((num << 3) | 2), varint(bytes.length), bytes]);
const fieldVarint = (num, v) => Buffer.concat([varint(num << 3), varint(v)]);

function keyPair() {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ed25519');
    const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    return { pub: new Uint8Array(pub), sign: (m) => new Uint8Array(nodeCrypto.sign(null, m, privateKey)) };
}

function makeEntry(dev, seq) {
    const body = Buffer.from(`an event body ${seq}`);
    const ctx = Buffer.from(V.EVENT_CONTEXT, 'latin1');
    const sig = dev.sign(Buffer.concat([ctx, body]));
    const keyId = nodeCrypto.createHash('sha256').update(dev.pub).digest();
    const signed = Buffer.concat([fieldBytes(1, body), fieldBytes(2, keyId), fieldBytes(3, Buffer.from(sig))]);
    const leaf = Buffer.concat([fieldVarint(1, seq), fieldVarint(2, 1700000000000),
                                fieldBytes(3, Buffer.from('filling')), fieldBytes(4, signed)]);
    const e64 = (b) => Buffer.from(b).toString('base64');
    return { seq, leaf: e64(leaf), signed_event: e64(signed), event: e64(body), sig: e64(sig),
             context: e64(ctx), signer_pub: e64(dev.pub), proof: [] };
}

test('ledger entry and signed event are read from their protobuf bytes', () => {
    const e = makeEntry(keyPair(), 300);
    const le = V.parseLedgerEntry(b64(e.leaf));
    assert.equal(le.seq, 300n);
    assert.deepEqual(le.signedEvent, b64(e.signed_event));
    const se = V.parseSignedEvent(le.signedEvent);
    assert.deepEqual(se.body, b64(e.event));
    assert.throws(() => V.parseLedgerEntry(b64(e.leaf).subarray(0, 20)));
});

test('one entry: checked, then each alteration refused with its reason', async () => {
    const dev = keyPair();
    // A one-leaf tree: the root is the leaf hash, the proof empty.
    const e = makeEntry(dev, 0);
    const cp = { size: 1n, root: await V.leafHash(b64(e.leaf)) };
    assert.deepEqual(await V.checkEntry(e, cp), { ok: true, why: '' });

    const flip = (s, i) => { const b = b64(s); b[i] ^= 1; return V.b64encode(b); };
    const bad = async (change) => (await V.checkEntry({ ...e, ...change }, cp)).why;
    assert.equal(await bad({ sig: flip(e.sig, 5) }), V.WHY.sig);
    assert.equal(await bad({ event: flip(e.event, 0) }), V.WHY.sig);
    const leaf = b64(e.leaf);
    assert.equal(await bad({ leaf: flip(e.leaf, leaf.length - 1) }), V.WHY.leaf);
    assert.equal(await bad({ leaf: flip(e.leaf, 1) }), V.WHY.seq);
    assert.equal(await bad({ context: V.b64encode(new TextEncoder().encode('lpgtrace/v1/code\0')) }),
                 V.WHY.context);
    assert.equal(await bad({ signer_pub: V.b64encode(keyPair().pub) }), V.WHY.sig);
    // Consistent in itself, but not the leaf the checkpoint holds.
    const cp2 = { size: 1n, root: await V.leafHash(new Uint8Array([9])) };
    assert.equal((await V.checkEntry(e, cp2)).why, V.WHY.notInLog);
    assert.equal((await V.checkEntry(makeEntry(dev, 1), cp)).why, V.WHY.notYet);
});

// ---- checkpoints ----

async function note(key, name, size, rootHash) {
    const text = `${name}\n${size}\n${Buffer.from(rootHash).toString('base64')}\n`;
    const kh = await V.noteKeyHash(name, key.pub);
    const sig = key.sign(Buffer.from(text));
    return `${text}\n\u2014 ${name} ${Buffer.from([...kh, ...sig]).toString('base64')}\n`;
}

function memStorage() {
    const m = new Map();
    return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), map: m };
}

test('the checkpoint note: key hash, signature, name; altered ones refused', async () => {
    const k = keyPair();
    const n = await note(k, 'lpgtrace.example/ledger', 8, hex(ROOTS[8]));
    const p = await V.verifyNote(n, 'lpgtrace.example/ledger', k.pub);
    assert.ok(p);
    assert.equal(p.size, 8n);
    assert.equal(await V.verifyNote(n.replace('\n8\n', '\n9\n'), 'lpgtrace.example/ledger', k.pub), null);
    assert.equal(await V.verifyNote(n, 'lpgtrace.example/ledger', keyPair().pub), null);
    assert.equal(await V.verifyNote(n, 'other', k.pub), null);
});

test('remembered checkpoint: first seen kept, a consistent newer one taken, an older or rewritten one refused', async () => {
    const k = keyPair();
    const name = 'lpgtrace.example/ledger';
    const v18 = JSON.parse(readFileSync(join(VEC, 'merkle/consistency/1/happy-path.json'), 'utf8'));
    const doc = async (size, r) => ({ checkpoint: { note: await note(k, name, size, r) },
                                      ledger_key: { name, pub: V.b64encode(k.pub) } });
    const st = memStorage();
    let asked = null;
    const fetchC = async (m, n) => { asked = [m, n]; return { from: Number(m), to: Number(n), proof: v18.proof }; };

    let r = await V.checkCheckpoint(await doc(1, hex(ROOTS[1])), st, fetchC);
    assert.equal(r.ok, true, r.why);
    assert.equal(asked, null);
    r = await V.checkCheckpoint(await doc(8, hex(ROOTS[8])), st, fetchC);
    assert.equal(r.ok, true, r.why);
    assert.deepEqual(asked, [1n, 8n]);
    assert.match(st.map.get('lpgtrace.checkpoint.' + name), /"size":"8"/);

    // The tail dropped: an older checkpoint than the one seen.
    r = await V.checkCheckpoint(await doc(1, hex(ROOTS[1])), st, fetchC);
    assert.equal(r.ok, false);
    assert.ok(r.why.startsWith(V.WHY.rewritten), r.why);
    // Same size, another root.
    r = await V.checkCheckpoint(await doc(8, hex(ROOTS[1])), st, fetchC);
    assert.equal(r.ok, false);
    assert.ok(r.why.startsWith(V.WHY.rewritten), r.why);
    // A bad consistency proof: refused, and not remembered.
    const st2 = memStorage();
    await V.checkCheckpoint(await doc(1, hex(ROOTS[1])), st2, fetchC);
    const badProof = async () => ({ from: 1, to: 8, proof: v18.proof.slice(1) });
    r = await V.checkCheckpoint(await doc(8, hex(ROOTS[8])), st2, badProof);
    assert.equal(r.ok, false);
    assert.match(st2.map.get('lpgtrace.checkpoint.' + name), /"size":"1"/);
    // Another ledger key than the one seen.
    const k2 = keyPair();
    const d2 = { checkpoint: { note: await note(k2, name, 8, hex(ROOTS[8])) },
                 ledger_key: { name, pub: V.b64encode(k2.pub) } };
    r = await V.checkCheckpoint(d2, st, fetchC);
    assert.equal(r.why, V.WHY.ledgerKey);
    // A note signed by another key than the one given.
    r = await V.checkCheckpoint({ ...d2, ledger_key: { name, pub: V.b64encode(k.pub) } }, memStorage(), fetchC);
    assert.equal(r.why, V.WHY.note);
});

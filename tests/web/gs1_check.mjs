// gs1_check.mjs - checks what lpg-webd answers as a GS1-Conformant Resolver
// (1.2) against JSON Schemas written from the standard (schemas/).
//
//   node gs1_check.mjs linkset FILE [--anchor URL] [--require REL,REL]
//       FILE is a linkset (application/linkset+json). It must validate
//       against schemas/gs1-linkset.json and RFC 9264's shape
//       (schemas/rfc9264-linkset.json); with --anchor, a context's anchor
//       must be URL (a query after it allowed); with --require, each GS1 link type named
//       (pip, traceability, ...) must be present with a link.
//   node gs1_check.mjs description FILE [--root URL]
//       FILE is /.well-known/gs1resolver's answer; it must validate against
//       schemas/gs1-resolver-description.json, list AI 8003 (GRAI) or
//       "all", and with --root have that resolverRoot.
//   node gs1_check.mjs broken-linkset FILE
//   node gs1_check.mjs broken-description FILE
//       The negative check: deliberately broken copies of a valid FILE must
//       each FAIL the same validation (proves the checks can fail).
//
// Prints one line per finding; exits 0 when the verdict is as asked, 1 if
// not, 2 on a usage or input error.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const schema = (name) => JSON.parse(readFileSync(join(here, 'schemas', name), 'utf8'));

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const vGs1Linkset = ajv.compile(schema('gs1-linkset.json'));
const vRfcLinkset = ajv.compile(schema('rfc9264-linkset.json'));
const vDescription = ajv.compile(schema('gs1-resolver-description.json'));

// The GS1 Web Vocabulary's namespace, under the spellings the vocabulary
// itself declares equivalent.
const GS1_NS = ['https://gs1.org/voc/', 'https://www.gs1.org/voc/', 'https://ref.gs1.org/voc/',
    'http://gs1.org/voc/'];

function errs(v) {
    return (v.errors || []).map((e) => `${e.instancePath || '/'} ${e.message}` +
        (e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''));
}

// Problems with a linkset (empty array: valid).
function linksetProblems(doc, opts = {}) {
    const out = [];
    if (!vGs1Linkset(doc)) out.push(...errs(vGs1Linkset).map((m) => `GS1 linkset: ${m}`));
    // RFC 9264 knows no context members but anchor and relations; GS1 adds
    // description/itemDescription, which are set aside for this check.
    let bare = doc;
    if (doc && typeof doc === 'object' && Array.isArray(doc.linkset)) {
        bare = { ...doc, linkset: doc.linkset.map((c) => {
            if (!c || typeof c !== 'object' || Array.isArray(c)) return c;
            const { description, itemDescription, ...rest } = c;
            return rest;
        }) };
    }
    if (!vRfcLinkset(bare)) out.push(...errs(vRfcLinkset).map((m) => `RFC 9264: ${m}`));
    if (out.length) return out;
    if (opts.anchor !== undefined) {
        const anchors = doc.linkset.map((c) => c.anchor);
        if (!anchors.some((a) => a === opts.anchor || a.startsWith(`${opts.anchor}?`))) {
            out.push(`no context has anchor ${opts.anchor} (anchors: ${anchors.join(', ')})`);
        }
    }
    for (const rel of opts.require || []) {
        const keys = GS1_NS.map((ns) => ns + rel);
        const found = doc.linkset.some((c) => keys.some((k) => Array.isArray(c[k]) && c[k].length > 0));
        if (!found) out.push(`no link of GS1 type ${rel} (looked for ${keys[0]} and its equivalents)`);
    }
    return out;
}

function descriptionProblems(doc, opts = {}) {
    if (!vDescription(doc)) return errs(vDescription).map((m) => `resolver description: ${m}`);
    const out = [];
    const keys = doc.supportedPrimaryKeys;
    if (!keys.includes('8003') && !keys.includes('all')) {
        out.push(`supportedPrimaryKeys ${JSON.stringify(keys)} lists neither 8003 (GRAI) nor all`);
    }
    if (opts.root !== undefined && doc.resolverRoot.replace(/\/$/, '') !== opts.root.replace(/\/$/, '')) {
        out.push(`resolverRoot is ${doc.resolverRoot}, wanted ${opts.root}`);
    }
    return out;
}

const clone = (x) => JSON.parse(JSON.stringify(x));
const firstRel = (ctx) => Object.keys(ctx).find((k) => Array.isArray(ctx[k]));

// Broken copies of a valid linkset, each violating one rule.
function brokenLinksets(doc) {
    const b = [];
    const add = (what, f) => { const d = clone(doc); f(d); b.push([what, d]); };
    add('no linkset member', (d) => { delete d.linkset; });
    add('linkset is an object, not an array', (d) => { d.linkset = d.linkset[0]; });
    add('empty linkset', (d) => { d.linkset = []; });
    add('context without anchor', (d) => { delete d.linkset[0].anchor; });
    add('anchor is not an http(s) URL', (d) => { d.linkset[0].anchor = 'urn:x:8003'; });
    add('relation given as a CURIE', (d) => {
        const c = d.linkset[0]; const k = firstRel(c); c['gs1:pip'] = c[k]; delete c[k];
    });
    add('relation value is one object, not an array', (d) => {
        const c = d.linkset[0]; const k = firstRel(c); c[k] = c[k][0];
    });
    add('target object without href', (d) => {
        const c = d.linkset[0]; delete c[firstRel(c)][0].href;
    });
    add('hreflang is a string, not an array', (d) => {
        const c = d.linkset[0]; c[firstRel(c)][0].hreflang = 'zh';
    });
    add('title is a number', (d) => {
        const c = d.linkset[0]; c[firstRel(c)][0].title = 7;
    });
    add('an extra top-level member', (d) => { d.links = []; });
    return b;
}

function brokenDescriptions(doc) {
    const b = [];
    const add = (what, f) => { const d = clone(doc); f(d); b.push([what, d]); };
    add('no resolverRoot', (d) => { delete d.resolverRoot; });
    add('resolverRoot is not a URI', (d) => { d.resolverRoot = 'not a uri'; });
    add('no supportedPrimaryKeys', (d) => { delete d.supportedPrimaryKeys; });
    add('a primary key that is no GS1 key', (d) => { d.supportedPrimaryKeys = ['21']; });
    add('supportedPrimaryKeys is a string', (d) => { d.supportedPrimaryKeys = '8003'; });
    add('linkTypeDefaultCanBeLinkset is a string', (d) => { d.linkTypeDefaultCanBeLinkset = 'yes'; });
    add('a link-type prefix without its colon', (d) => {
        d.supportedLinkType = [{ namespace: 'https://gs1.org/voc/', prefix: 'gs1' }];
    });
    return b;
}

function usage(msg) {
    if (msg) console.error(`gs1_check: ${msg}`);
    console.error('usage: node gs1_check.mjs linkset|description|broken-linkset|broken-description FILE [options]');
    process.exit(2);
}

const [mode, file, ...rest] = process.argv.slice(2);
if (!mode || !file) usage();
const opts = {};
for (let i = 0; i < rest.length; i += 2) {
    const v = rest[i + 1];
    if (v === undefined) usage(`${rest[i]} needs a value`);
    if (rest[i] === '--anchor') opts.anchor = v;
    else if (rest[i] === '--root') opts.root = v;
    else if (rest[i] === '--require') opts.require = v.split(',').filter(Boolean);
    else usage(`unknown option ${rest[i]}`);
}
let doc;
try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
    console.error(`gs1_check: ${file}: ${e.message}`);
    process.exit(2);
}

let bad = 0;
if (mode === 'linkset' || mode === 'description') {
    const p = mode === 'linkset' ? linksetProblems(doc, opts) : descriptionProblems(doc, opts);
    for (const m of p) console.log(`invalid: ${m}`);
    if (p.length === 0) console.log(`valid ${mode}`);
    bad = p.length;
} else if (mode === 'broken-linkset' || mode === 'broken-description') {
    const isL = mode === 'broken-linkset';
    const base = isL ? linksetProblems(doc) : descriptionProblems(doc);
    if (base.length) {
        for (const m of base) console.log(`the unbroken document is already invalid: ${m}`);
        process.exit(1);
    }
    for (const [what, d] of (isL ? brokenLinksets : brokenDescriptions)(doc)) {
        const p = isL ? linksetProblems(d) : descriptionProblems(d);
        if (p.length) {
            console.log(`fails as it must: ${what}: ${p[0]}`);
        } else {
            console.log(`PASSED BUT MUST FAIL: ${what}`);
            bad++;
        }
    }
} else {
    usage(`unknown mode ${mode}`);
}
process.exit(bad ? 1 : 0);

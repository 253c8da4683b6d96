// openapi_lint.mjs - lints lpg-webd's OpenAPI document offline.
//
//   node openapi_lint.mjs FILE           FILE must be a valid OpenAPI 3.1
//                                        document and pass our rules
//   node openapi_lint.mjs broken FILE    deliberately broken copies of a
//                                        valid FILE must each fail
//
// Validity is @seriousme/openapi-schema-validator's (the OpenAPI
// Initiative's JSON Schemas for 3.1, shipped inside the package: no
// network). Our rules on top: version 3.1.x, info.title and info.version,
// every operation has a unique operationId and at least one response, every
// $ref inside the document resolves, every /api/v1 operation answers
// problems (RFC 9457) as application/problem+json in some 4xx response.
// Prints one line per finding; exits 0 when the verdict is as asked.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function pointer(doc, ref) {
    if (!ref.startsWith('#/')) return undefined;
    let cur = doc;
    for (const raw of ref.slice(2).split('/')) {
        const k = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
        if (cur === null || typeof cur !== 'object' || !(k in cur)) return undefined;
        cur = cur[k];
    }
    return cur;
}

function ourRules(doc) {
    const out = [];
    if (!/^3\.1\.\d+$/.test(String(doc.openapi))) out.push(`openapi is ${doc.openapi}, not 3.1.x`);
    if (!doc.info || !doc.info.title || !doc.info.version) out.push('info.title and info.version are required');
    const ids = new Map();
    for (const [path, item] of Object.entries(doc.paths || {})) {
        for (const m of METHODS) {
            const op = item && item[m];
            if (!op) continue;
            const where = `${m.toUpperCase()} ${path}`;
            if (!op.operationId) out.push(`${where}: no operationId`);
            else if (ids.has(op.operationId)) out.push(`${where}: operationId ${op.operationId} also on ${ids.get(op.operationId)}`);
            else ids.set(op.operationId, where);
            const rs = op.responses || {};
            if (Object.keys(rs).length === 0) out.push(`${where}: no response`);
            if (path.startsWith('/api/v1') || (doc.servers || []).some((s) => /\/api\/v1\/?$/.test(s.url))) {
                const problem = Object.entries(rs).some(([code, r]) => {
                    const rr = r && r.$ref ? pointer(doc, r.$ref) : r;
                    return /^4/.test(code) && rr && rr.content && rr.content['application/problem+json'];
                });
                if (!problem) out.push(`${where}: no 4xx response as application/problem+json (RFC 9457)`);
            }
        }
    }
    if (ids.size === 0) out.push('no operation at all');
    const walk = (x, at) => {
        if (Array.isArray(x)) x.forEach((v, i) => walk(v, `${at}/${i}`));
        else if (x && typeof x === 'object') {
            if (typeof x.$ref === 'string' && x.$ref.startsWith('#') && pointer(doc, x.$ref) === undefined) {
                out.push(`${at}: $ref ${x.$ref} resolves to nothing`);
            }
            for (const [k, v] of Object.entries(x)) walk(v, `${at}/${k}`);
        }
    };
    walk(doc, '#');
    return out;
}

async function problems(doc) {
    const v = new Validator();
    const res = await v.validate(JSON.parse(JSON.stringify(doc)));
    const out = [];
    if (!res.valid) {
        const errs = Array.isArray(res.errors) ? res.errors : [res.errors];
        for (const e of errs.slice(0, 10)) {
            out.push(`schema: ${e.instancePath || ''} ${e.message || JSON.stringify(e)}`);
        }
        if (out.length === 0) out.push('schema: invalid');
    }
    return out.concat(ourRules(doc));
}

function broken(doc) {
    const b = [];
    const add = (what, f) => { const d = JSON.parse(JSON.stringify(doc)); f(d); b.push([what, d]); };
    const firstOp = (d) => {
        for (const item of Object.values(d.paths || {})) for (const m of METHODS) if (item[m]) return item[m];
        return null;
    };
    add('no openapi member', (d) => { delete d.openapi; });
    add('openapi 3.0.3 instead of 3.1', (d) => { d.openapi = '3.0.3'; });
    add('no info', (d) => { delete d.info; });
    add('a path that does not start with /', (d) => {
        const k = Object.keys(d.paths)[0]; d.paths[k.replace(/^\//, '')] = d.paths[k]; delete d.paths[k];
    });
    add('an operation without responses', (d) => { delete firstOp(d).responses; });
    add('a response without description', (d) => {
        const rs = firstOp(d).responses; const k = Object.keys(rs)[0];
        rs[k] = { content: { 'application/json': { schema: { type: 'object' } } } };
    });
    add('a $ref to nowhere', (d) => {
        const rs = firstOp(d).responses; const k = Object.keys(rs)[0];
        rs[k] = { $ref: '#/components/responses/NoSuchThing' };
    });
    add('a duplicate operationId', (d) => {
        const ops = [];
        for (const item of Object.values(d.paths)) for (const m of METHODS) if (item[m]) ops.push(item[m]);
        if (ops.length > 1) ops[1].operationId = ops[0].operationId;
        else { delete ops[0].operationId; }
    });
    return b;
}

const [a, b] = process.argv.slice(2);
const mode = b ? a : 'lint';
const file = b || a;
if (!file || (mode !== 'lint' && mode !== 'broken')) {
    console.error('usage: node openapi_lint.mjs [broken] FILE');
    process.exit(2);
}
let doc;
try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
    console.error(`openapi_lint: ${file}: ${e.message}`);
    process.exit(2);
}
const base = await problems(doc);
if (mode === 'lint') {
    for (const p of base) console.log(`invalid: ${p}`);
    if (!base.length) console.log('valid OpenAPI 3.1 document');
    process.exit(base.length ? 1 : 0);
}
if (base.length) {
    for (const p of base) console.log(`the unbroken document is already invalid: ${p}`);
    process.exit(1);
}
let bad = 0;
for (const [what, d] of broken(doc)) {
    const p = await problems(d);
    if (p.length) console.log(`fails as it must: ${what}: ${p[0]}`);
    else { console.log(`PASSED BUT MUST FAIL: ${what}`); bad++; }
}
process.exit(bad ? 1 : 0);

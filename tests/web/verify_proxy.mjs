// verify_proxy.mjs - a small hostile server in front of lpg-webd, for
// tests/web/console_verify.mjs: everything passes through unchanged until
// it is told to lie, then /console/api/entries answers are altered:
//
//   pass   as lpg-webd answered (and the first checkpoint seen is kept)
//   flip   one byte of the first entry's leaf flipped, and one bit of the
//          second entry's signature
//   drop   the tail dropped: the first checkpoint it ever passed on is
//          served instead of the latest, with the entries it covered
//
//   node verify_proxy.mjs --upstream http://127.0.0.1:PORT
//
// Listens on two free loopback ports and prints "proxy PORT control PORT";
// GET /mode?m=pass|flip|drop on the control port switches, GET /log
// lists the paths requested since start (JSON).
import http from 'node:http';

const a = process.argv.slice(2);
const up = new URL(a[a.indexOf('--upstream') + 1]);
let mode = 'pass';
let firstCheckpoint = null;
const seen = [];

function flipB64(s, at, bit) {
    const b = Buffer.from(s, 'base64');
    const i = at < 0 ? b.length + at : at;
    b[i] ^= bit;
    return b.toString('base64');
}

function alter(doc) {
    if (doc.checkpoint && doc.checkpoint.note && !firstCheckpoint)
        firstCheckpoint = doc.checkpoint;
    if (mode === 'flip') {
        const e = doc.entries || [];
        if (e[0]) e[0].leaf = flipB64(e[0].leaf, -1, 0x01);
        if (e[1]) e[1].sig = flipB64(e[1].sig, 7, 0x10);
    } else if (mode === 'drop' && firstCheckpoint) {
        doc.checkpoint = firstCheckpoint;
        doc.entries = (doc.entries || []).filter((e) => e.seq < firstCheckpoint.size);
    }
    return doc;
}

const proxy = http.createServer((req, res) => {
    seen.push(req.url);
    const headers = { ...req.headers };
    const r = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers },
        (ur) => {
            const isEntries = req.url.startsWith('/console/api/entries') && ur.statusCode === 200;
            if (!isEntries) {
                res.writeHead(ur.statusCode, ur.rawHeaders);
                ur.pipe(res);
                return;
            }
            const chunks = [];
            ur.on('data', (c) => chunks.push(c));
            ur.on('end', () => {
                let body = Buffer.concat(chunks);
                try {
                    body = Buffer.from(JSON.stringify(alter(JSON.parse(body.toString('utf8')))));
                } catch (e) {
                    console.error(`verify_proxy: ${e.message}`);
                }
                const h = { ...ur.headers, 'content-length': String(body.length) };
                delete h['transfer-encoding'];
                res.writeHead(ur.statusCode, h);
                res.end(body);
            });
        });
    r.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e.message));
    });
    req.pipe(r);
});

const control = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname === '/mode' && ['pass', 'flip', 'drop'].includes(u.searchParams.get('m'))) {
        mode = u.searchParams.get('m');
        res.end(`mode ${mode}\n`);
    } else if (u.pathname === '/log') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ paths: seen, firstCheckpoint }));
    } else {
        res.writeHead(404);
        res.end();
    }
});

proxy.listen(0, '127.0.0.1', () => {
    control.listen(0, '127.0.0.1', () => {
        console.log(`proxy ${proxy.address().port} control ${control.address().port}`);
    });
});

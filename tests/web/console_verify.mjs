// console_verify.mjs - a real Chromium, driven by puppeteer-core, checks
// the console's cylinder page in the page itself (www/verify.js), through
// tests/web/verify_proxy.mjs in front of lpg-webd:
//
//   1. log in as a regulator, open the cylinder: every entry gets its
//      tick, computed in the page (WebCrypto), and the summary says N of N;
//   2. the tree grows (--grow, a shell command) and a newer checkpoint is
//      signed: the page checks the newer checkpoint's consistency with the
//      one it kept, asks for that proof, and ticks every entry again;
//   3. the proxy flips one byte of one entry's leaf and one bit of
//      another's signature: those two rows get a cross with the reason,
//      the others keep their tick;
//   4. the proxy drops the tail (an older checkpoint than the browser
//      saw): the consistency check fails, every row gets a cross, and the
//      page says the log was rewritten;
//   5. a browser without WebCrypto says it cannot check, and ticks nothing.
//
//   node console_verify.mjs --base PROXY_URL --control CONTROL_URL
//        --account NAME --password PW --q GRAI --grow 'CMD' --shots DIR
//        [--chromium /usr/bin/chromium]
//
// Screenshots at 1366x768 and 360x640 go to DIR. Prints "PASS what" /
// "FAIL what" lines (tests/e2e/console_proofs.sh makes TAP of them);
// exits 0 if every check passed, 1 if one failed, 2 if the browser could
// not be driven.
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { checks, consoleLogin, DESKTOP, launch, parseArgs, show, watch } from './lib.mjs';

const args = parseArgs('console_verify', ['base', 'control', 'account', 'password', 'q', 'grow', 'shots']);
const { fail, expect, failed } = checks();
const control = async (path) => (await fetch(args.control + path)).text();
const { browser, close } = await launch('console_verify', args, DESKTOP);

const seen = { errors: [], csp: [] }; // of every page
const csp = seen.csp;
async function newPage() {
    const p = await browser.newPage();
    watch(p, seen);
    return p;
}

// The cylinder page, once verify.js has finished: each row's mark.
async function openCylinder(page) {
    const url = `${args.base}/console/cylinder?q=${encodeURIComponent(args.q)}`;
    const r = await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    if (!r || r.status() !== 200) throw new Error(`${url}: HTTP ${r ? r.status() : '?'}`);
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-verify-done'),
                               { timeout: 30000 });
    return page.evaluate(() => ({
        done: document.documentElement.getAttribute('data-verify-done'),
        rows: [...document.querySelectorAll('span.check[data-seq]')].map((s) => ({
            seq: s.getAttribute('data-seq'), text: s.textContent.trim(), cls: s.className })),
        summary: (document.getElementById('verify-summary') || {}).textContent || '',
        banner: (document.getElementById('verify-banner') || {}).textContent || '',
    }));
}

const ticked = (row) => row.text === '\u2713' && /\bok\b/.test(row.cls);
const crossed = (row) => row.text.startsWith('\u2717') && /\bbad\b/.test(row.cls);

try {
    const page = await newPage();
    // Log in, the way a person does.
    expect(await consoleLogin(page, args.base, args.account, args.password), 'logged in as a regulator', page.url());

    // 1. Every entry ticked, computed in the page.
    let v = await openCylinder(page);
    const n = v.rows.length;
    expect(n >= 3, `the cylinder page shows its ${n} entries with a check mark each`, show(v));
    expect(v.done === 'ok' && v.rows.every(ticked), 'every entry is ticked, checked in the browser', show(v));
    expect(v.summary.includes(`${n} of ${n}`) && v.summary.includes(`${n} / ${n}`),
           `the summary says ${n} of ${n} entries checked`, v.summary);
    expect(!v.banner, 'no warning banner', v.banner);
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lpgtrace.checkpoint.'))
        .map((k) => JSON.parse(localStorage.getItem(k))));
    expect(stored.length === 1 && Number(stored[0].size) > 0, 'the checked checkpoint is kept in the browser', show(stored));
    await page.screenshot({ path: join(args.shots, 'console-cylinder-1366x768.png') });
    await page.setViewport({ width: 360, height: 640, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    await page.screenshot({ path: join(args.shots, 'console-cylinder-360x640.png') });
    const small = await openCylinder(page);
    expect(small.done === 'ok' && small.rows.every(ticked), 'on a 360x640 phone too, every entry is ticked', show(small));
    await page.setViewport({ width: 1366, height: 768, deviceScaleFactor: 1 });

    // 2. The tree grows; the newer checkpoint is proved consistent.
    execSync(args.grow, { stdio: ['ignore', 'inherit', 'inherit'], shell: '/bin/sh' });
    v = await openCylinder(page);
    const stored2 = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lpgtrace.checkpoint.'))
        .map((k) => JSON.parse(localStorage.getItem(k))));
    const log = JSON.parse(await control('/log'));
    const asked = log.paths.filter((p) => p.startsWith('/console/api/consistency'));
    expect(v.done === 'ok' && v.rows.every(ticked) && v.rows.length > n,
           'after the tree grew, every entry (the new one too) is ticked again', show(v));
    expect(asked.length >= 1 && asked[asked.length - 1].includes(`from=${stored[0].size}&`) &&
           Number(stored2[0].size) > Number(stored[0].size),
           `the page asked for the consistency proof from ${stored[0].size} and kept the newer checkpoint (${stored2[0] && stored2[0].size})`,
           show({ asked, stored2 }));

    // 3. One byte of one entry's leaf flipped, one bit of another's signature.
    await control('/mode?m=flip');
    v = await openCylinder(page);
    const [r0, r1, ...rest] = v.rows;
    expect(crossed(r0) && /(不在日志中|not in the log|is not the one in the log|another number)/.test(r0.text),
           `the entry whose leaf was altered is crossed, and says why: "${r0.text}"`, show(v));
    expect(crossed(r1) && /签名不符 \/ signature does not verify/.test(r1.text),
           `the entry whose signature was altered is crossed: "${r1.text}"`, show(v));
    expect(rest.length > 0 && rest.every(ticked), 'the entries nobody altered keep their tick', show(rest));
    expect(v.done === 'bad' && v.summary.includes(`${v.rows.length - 2} of ${v.rows.length}`),
           'the summary counts the two that failed', v.summary);
    await page.screenshot({ path: join(args.shots, 'console-cylinder-flipped-1366x768.png') });

    // 4. The tail dropped: an older checkpoint than this browser has seen.
    await control('/mode?m=drop');
    v = await openCylinder(page);
    expect(v.rows.every((r) => crossed(r) && r.text.includes('日志被改写 / the log was rewritten')),
           'with the tail dropped, every entry is crossed: the log was rewritten', show(v));
    expect(/日志被改写/.test(v.banner) && /the log was rewritten/.test(v.banner),
           'the page says the log was rewritten, in a banner', v.banner);
    const stored3 = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lpgtrace.checkpoint.'))
        .map((k) => JSON.parse(localStorage.getItem(k))));
    expect(stored3[0] && stored3[0].size === stored2[0].size, 'the older checkpoint was not kept', show(stored3));
    await page.screenshot({ path: join(args.shots, 'console-cylinder-rewritten-1366x768.png') });

    // Back to the truth: ticked again.
    await control('/mode?m=pass');
    v = await openCylinder(page);
    expect(v.done === 'ok' && v.rows.every(ticked), 'through an honest server, every entry is ticked again', show(v));

    // A browser without WebCrypto's Ed25519: it says so and ticks nothing.
    const old = await newPage();
    await old.evaluateOnNewDocument(() => {
        Object.defineProperty(window, 'crypto', { value: { getRandomValues: (a) => a }, configurable: true });
    });
    await old.goto(`${args.base}/console/cylinder?q=${encodeURIComponent(args.q)}`, { waitUntil: 'load' });
    await old.waitForFunction(() => document.getElementById('verify-banner'), { timeout: 30000 });
    const ov = await old.evaluate(() => ({
        banner: document.getElementById('verify-banner').textContent,
        marks: [...document.querySelectorAll('span.check[data-seq]')].map((s) => s.textContent).join(''),
    }));
    expect(/无法核验/.test(ov.banner) && /cannot check/.test(ov.banner) && !ov.marks.includes('\u2713'),
           'a browser that cannot check says so in a banner and shows no tick', show(ov));
    await old.close();

    expect(csp.length === 0, 'no CSP violations in the console pages', csp.join('\n'));
} catch (e) {
    fail('the console could be driven', e.stack || e.message);
} finally {
    await close();
}
process.exit(failed() ? 1 : 0);

// public_page.mjs - a real Chromium, driven by puppeteer-core, opens
// lpg-webd's public page the way a phone does after scanning a code.
//
//   node public_page.mjs --base URL --real PATH --forged PATH --shots DIR
//                        --marker TEXT [--chromium /usr/bin/chromium]
//
// PATH is a code's path and query ("/8003/<GRAI>?r=..&8030=.."); --real is
// a code the authority issued, --forged the same code with its signature
// altered. It checks that the real code is shown as verified and the forged
// one with an unmistakable warning, that both read well on a 360x640 phone
// (no sideways scrolling, the verdict on the first screen, legible text, no
// console or CSP errors), then follows the forged page's "report a problem"
// link and submits a tip whose text carries MARKER and some markup that
// must never come back live. Screenshots (360x640, and the whole page) go
// to DIR for people to look at.
//
// Prints "PASS what" / "FAIL what" lines (tests/e2e/browser.sh makes TAP
// of them); exits 0 if every check passed, 1 if one failed, 2 if the
// browser could not be driven at all.
import { join } from 'node:path';
import { checks, launch, parseArgs, PHONE } from './lib.mjs';

const args = parseArgs('public_page', ['base', 'real', 'forged', 'shots', 'marker']);
const { fail, expect, failed } = checks(15);

// Words that make the verdict plain in either language.
const VERIFIED = /(已验证|真实有效|正规|verified|genuine|authentic)/i;
const WARNING = /(警告|伪造|假冒|无效|未经|不是.*签发|warning|forged|fake|not issued|invalid)/i;

const W = PHONE.width;
const H = PHONE.height;
const { browser, close } = await launch('public_page', args, PHONE);

// open(url): a fresh page; returns it with the main response and every
// console error / page error / failed request seen while loading.
async function open(url) {
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    const problems = [];
    // The browser's own favicon request is not the page's doing.
    const mine = (u) => !/\/favicon\.ico$/.test(u || '');
    page.on('console', (m) => {
        if (m.type() === 'error' && mine(m.location()?.url)) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
        if (mine(r.url())) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
        if (r.status() >= 400 && r.url() !== url && mine(r.url())) problems.push(`${r.status()} for ${r.url()}`);
    });
    const resp = await page.goto(url, { waitUntil: 'networkidle0', timeout: 30000 });
    return { page, resp, problems };
}

// What a person on a 360x640 phone would find wrong with the page.
async function layout(page) {
    return page.evaluate((w, h) => {
        const out = [];
        const sw = document.scrollingElement.scrollWidth;
        if (sw > w + 1) out.push(`the page scrolls sideways (${sw}px wide on a ${w}px screen)`);
        const small = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (!n.textContent.trim()) continue;
            const el = n.parentElement;
            const cs = getComputedStyle(el);
            if (cs.display === 'none' || cs.visibility === 'hidden') continue;
            if (parseFloat(cs.fontSize) < 12) small.push(`"${n.textContent.trim().slice(0, 30)}" (${cs.fontSize})`);
        }
        if (small.length) out.push(`text smaller than 12px: ${small.slice(0, 3).join(', ')}`);
        if (!document.documentElement.lang) out.push('no lang attribute on <html>');
        const vp = document.querySelector('meta[name=viewport]');
        if (!vp || !/width=device-width/.test(vp.content)) out.push('no <meta name=viewport content="width=device-width...">');
        if (!document.title.trim()) out.push('no <title>');
        return { problems: out, height: document.scrollingElement.scrollHeight };
    }, W, H);
}

// Where the first text matching RE sits (top in px), or -1.
async function firstTop(page, re) {
    return page.evaluate((src, flags) => {
        const r = new RegExp(src, flags);
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (!r.test(n.textContent)) continue;
            const el = n.parentElement;
            const box = el.getBoundingClientRect();
            const cs = getComputedStyle(el);
            if (cs.display === 'none' || cs.visibility === 'hidden' || box.height === 0) continue;
            return box.top + window.scrollY;
        }
        return -1;
    }, re.source, re.flags);
}

async function shoot(page, name) {
    await page.screenshot({ path: join(args.shots, `${name}.png`) });
    await page.screenshot({ path: join(args.shots, `${name}-full.png`), fullPage: true });
}

const bodyText = (page) => page.evaluate(() => document.body.innerText);

try {
    // ---------------------------------------------------------------- real
    {
        const { page, resp, problems } = await open(args.base + args.real);
        expect(resp && resp.status() === 200, 'the real code\'s page answers 200',
            resp ? `status ${resp.status()}` : 'no response');
        expect(/^text\/html/.test(resp?.headers()['content-type'] || ''), 'it is HTML',
            resp?.headers()['content-type']);
        const text = await bodyText(page);
        expect(/[\u4e00-\u9fff]/.test(text) && /[A-Za-z]{3}/.test(text),
            'it speaks Chinese and English', text.slice(0, 300));
        const vt = await firstTop(page, VERIFIED);
        expect(vt >= 0, 'the real code is shown as verified', text.slice(0, 400));
        expect(vt >= 0 && vt < H, 'and says so on the first screen', `at ${vt}px`);
        expect(!WARNING.test(text), 'with no warning on it',
            (text.match(WARNING) || [''])[0]);
        const l = await layout(page);
        expect(l.problems.length === 0, 'the real code\'s page reads well at 360x640', l.problems.join('\n'));
        expect(problems.length === 0, 'no console, CSP or loading error on it', problems.join('\n'));
        await shoot(page, 'real-code');
        await page.close();
    }

    // -------------------------------------------------------------- forged
    let reportHref = null;
    {
        const { page, resp, problems } = await open(args.base + args.forged);
        const st = resp ? resp.status() : 0;
        expect(st === 200 || (st >= 400 && st < 500), 'the forged code\'s page answers (200 or 4xx)',
            `status ${st}`);
        const text = await bodyText(page);
        const wt = await firstTop(page, WARNING);
        expect(wt >= 0, 'the forged code gets a warning', text.slice(0, 400));
        expect(wt >= 0 && wt < H, 'on the first screen', `at ${wt}px`);
        const v = text.match(VERIFIED);
        expect(!v || /未|not|无法|cannot|fail/i.test(text.slice(Math.max(0, v.index - 12), v.index + 20)),
            'and is not called verified', v ? text.slice(Math.max(0, v.index - 40), v.index + 40) : '');
        const l = await layout(page);
        expect(l.problems.length === 0, 'the forged code\'s page reads well at 360x640', l.problems.join('\n'));
        expect(problems.length === 0, 'no console, CSP or loading error on it', problems.join('\n'));
        // The report form on the page itself, or a link to one.
        reportHref = await page.evaluate((self) => {
            const f = [...document.querySelectorAll('form')]
                .find((e) => /post/i.test(e.method) && /report|举报/i.test((e.getAttribute('action') || '') + e.textContent));
            if (f) return self;
            const a = [...document.querySelectorAll('a[href]')]
                .find((e) => /report|举报/i.test(e.getAttribute('href') + e.textContent));
            return a ? a.href : null;
        }, args.base + args.forged);
        expect(reportHref !== null, 'it offers a way to report the code', 'no link or form to /report');
        await shoot(page, 'forged-code');
        await page.close();
    }

    // ----------------------------------------------------------------- tip
    if (reportHref) {
        const { page, resp, problems } = await open(reportHref);
        const rs = resp ? resp.status() : 0;
        expect(rs === 200 || (reportHref === args.base + args.forged && rs >= 400 && rs < 500),
            'the report form opens', `status ${rs}`);
        const form = await page.$('form[method=post], form[method=POST]');
        expect(form !== null, 'it has a POST form');
        const l = await layout(page);
        expect(l.problems.length === 0, 'the report form reads well at 360x640', l.problems.join('\n'));
        expect(problems.length === 0, 'no console, CSP or loading error on it', problems.join('\n'));
        await shoot(page, 'report-form');
        if (form) {
            // The category: the first real choice of a <select>, or a radio.
            await page.evaluate(() => {
                const s = document.querySelector('form select');
                if (s) {
                    const o = [...s.options].find((x) => x.value && !x.disabled);
                    if (o) s.value = o.value;
                }
                const r = document.querySelector('form input[type=radio]');
                if (r && !document.querySelector('form input[type=radio]:checked')) r.checked = true;
            });
            const textSel = 'form textarea';
            const hostile = `${args.marker} <b id="lpg-bold">bold</b><img src=x onerror="window.__lpgPwned=1">`;
            if (await page.$(textSel)) await page.type(textSel, hostile);
            else fail('the form has a text area for the free text');
            const phone = await page.$('form input[type=tel], form input[name*=phone]');
            if (phone) await phone.type('13800138000');
            const hadCode = await page.evaluate(() => {
                const c = document.querySelector('form input[name=code], form input[name*=code]');
                return c ? c.value : '';
            });
            expect(/8003/.test(hadCode), 'the form carries the reported code', `code field: "${hadCode}"`);
            const [nav] = await Promise.all([
                page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 30000 }),
                page.$eval('form[method=post], form[method=POST]', (f) => {
                    const b = f.querySelector('[type=submit], button');
                    if (b) b.click(); else f.submit();
                }),
            ]);
            const st = nav ? nav.status() : 0;
            expect(st >= 200 && st < 300, 'the tip is accepted', `status ${st}`);
            const after = await page.evaluate(() => ({
                pwned: window.__lpgPwned === 1,
                bold: !!document.getElementById('lpg-bold'),
                text: document.body.innerText,
            }));
            expect(!after.pwned && !after.bold, 'its markup never comes back live',
                after.pwned ? 'the onerror ran' : 'a <b> from the tip is in the page');
            expect(/(谢谢|感谢|已收到|收到|thank|received)/i.test(after.text),
                'the reporter is thanked', after.text.slice(0, 300));
            await shoot(page, 'report-sent');
        }
        await page.close();
    }
} catch (e) {
    fail('the browser walk ran to its end', e.stack || e.message);
} finally {
    await close();
}
process.exit(failed() ? 1 : 0);

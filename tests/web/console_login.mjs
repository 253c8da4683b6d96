// console_login.mjs - a person's way through the console in a real
// Chromium (puppeteer-core), straight to lpg-webd:
//
//   1. the login page, then log in as a regulator through the form;
//   2. the cylinder page: each step in Chinese and English, the verify
//      marks coloured (ok green, bad red, pending amber);
//   3. at 360x640 the cylinder page does not scroll sideways (the page is
//      no wider than the screen);
//   4. the reveal form posted with its hidden CSRF input removed in the
//      page: refused (403), and a person reads why;
//   5. logout: the cylinder page then sends back to the login.
//
//   node console_login.mjs --base URL --account NAME --password PW --q GRAI
//        --shots DIR [--chromium /usr/bin/chromium]
//
// Screenshots go to DIR: console_login-1366x768.png,
// console_cylinder-1366x768.png, console_cylinder-360x640.png and
// console_csrf-1366x768.png. Prints "PASS what" / "FAIL what" lines
// (tests/e2e/console.sh makes TAP of them); exits 0 if every check
// passed, 1 if one failed, 2 if the browser could not be driven.
import { join } from 'node:path';
import { checks, DESKTOP, launch, parseArgs, show, submitLogin } from './lib.mjs';

const args = parseArgs('console_login', ['base', 'account', 'password', 'q', 'shots']);
const { pass, fail, expect, failed } = checks();
const shot = (page, name) => page.screenshot({ path: join(args.shots, name), fullPage: true });
const { browser, close } = await launch('console_login', args, DESKTOP);

const cylinderUrl = `${args.base}/console/cylinder?q=${encodeURIComponent(args.q)}`;
async function openCylinder(page) {
    const r = await page.goto(cylinderUrl, { waitUntil: 'load', timeout: 30000 });
    if (!r || r.status() !== 200) throw new Error(`${cylinderUrl}: HTTP ${r ? r.status() : '?'}`);
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-verify-done'),
                               { timeout: 30000 });
}

try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    // 1. the login page, and logging in through it
    let r = await page.goto(`${args.base}/console/login`, { waitUntil: 'load' });
    const login = await page.evaluate(() => ({
        title: document.title,
        labels: [...document.querySelectorAll('form.login label')].map((l) => l.textContent),
        csrf: !!document.querySelector('form.login input[type=hidden][name=csrf]'),
    }));
    expect(r.status() === 200 && login.csrf && login.labels.length >= 2,
           'the login page: a form with labels and its CSRF token', show(login));
    await shot(page, 'console_login-1366x768.png');
    expect(await submitLogin(page, args.account, args.password), 'logged in as a regulator through the form',
           page.url());

    // 2. the cylinder page at 1366x768
    await openCylinder(page);
    const cyl = await page.evaluate(() => {
        const colour = (sel) => {
            const e = document.querySelector(sel);
            return e ? getComputedStyle(e).color : null;
        };
        return {
            steps: [...document.querySelectorAll('#timeline .step')].map((s) => s.textContent),
            ok: colour('span.check.ok'),
            marks: [...document.querySelectorAll('span.check')].map((s) => s.className + ':' + s.textContent),
            reveal: !!document.querySelector('form.reveal'),
        };
    });
    expect(cyl.steps.length >= 3 && cyl.steps.every((s) => /[\u4e00-\u9fff].* \/ [a-z]/i.test(s)),
           'every step reads "中文 / English"', show(cyl.steps));
    expect(cyl.ok === 'rgb(10, 107, 42)', 'a checked entry\'s ✓ is green', show(cyl));
    // the other marks' colours, from the stylesheet the page uses
    const colours = await page.evaluate(() => {
        const out = {};
        for (const c of ['bad', 'pending']) {
            const s = document.createElement('span');
            s.className = 'check ' + c;
            document.body.appendChild(s);
            out[c] = getComputedStyle(s).color;
            s.remove();
        }
        return out;
    });
    expect(colours.bad === 'rgb(164, 0, 0)' && colours.pending === 'rgb(138, 109, 0)',
           'a ✗ is red and a … amber', show(colours));
    expect(cyl.reveal, 'the regulator sees the reveal form', show(cyl));
    await shot(page, 'console_cylinder-1366x768.png');

    // 3. at 360x640: no sideways scroll
    await page.setViewport({ width: 360, height: 640, deviceScaleFactor: 1 });
    await openCylinder(page);
    const wide = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const over = [];
        for (const e of document.querySelectorAll('body *')) {
            const b = e.getBoundingClientRect();
            let clipped = false;
            for (let p = e.parentElement; p && !clipped; p = p.parentElement)
                clipped = getComputedStyle(p).overflowX !== 'visible';
            if (b.right > vw + 0.5 && !clipped)
                over.push(`${e.tagName.toLowerCase()}.${e.className} ${Math.round(b.width)}px`);
        }
        return { vw, sw: document.documentElement.scrollWidth, over: over.slice(0, 8) };
    });
    expect(wide.sw <= wide.vw && wide.over.length === 0,
           `at 360x640 the cylinder page does not scroll sideways (${wide.sw}px in ${wide.vw}px)`, show(wide));
    await shot(page, 'console_cylinder-360x640.png');
    await page.setViewport({ width: 1366, height: 768, deviceScaleFactor: 1 });

    // 4. a form without its CSRF token: the reveal form, its hidden input
    // taken out in the page
    await openCylinder(page);
    await page.evaluate(() => {
        document.querySelector('form.reveal input[name=csrf]').remove();
        document.querySelector('form.reveal input[name=reason]').value = 'a test';
    });
    const [nav] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                                     page.click('form.reveal button[type=submit]')]);
    const refused = await page.evaluate(() => document.body.innerText);
    expect(nav && nav.status() === 403 && !/lpgtrace user show/.test(refused),
           'the form posted without its CSRF token is refused (403)', `${nav && nav.status()}\n${refused}`);
    expect(/重新|Reload/.test(refused) && !/^\s*\{/.test(refused),
           'the refusal is a page a person can read', refused);
    await shot(page, 'console_csrf-1366x768.png');

    // 5. logout
    await openCylinder(page);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                       page.click('form.logout button, form.logout [type=submit]')]);
    r = await page.goto(cylinderUrl, { waitUntil: 'load' });
    expect(page.url().includes('/console/login'), 'after logout the cylinder page sends back to the login', page.url());
    expect(errors.length === 0, 'no script errors', errors.join('\n'));
} catch (e) {
    fail('the console could be driven', e.stack || e.message);
} finally {
    await close();
}
process.exit(failed() ? 1 : 0);

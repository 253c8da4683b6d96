// household_order.mjs - a household's way through the ordering page in a
// real Chromium (puppeteer-core) at 360x640, straight to lpg-webd:
//
//   1. the login page; the household types its user id and PIN and
//      clicks to log in;
//   2. the order page: it picks a spec, a count and a time slot, pastes
//      its gas-use certificate and clicks to place the order, which is
//      then listed as placed;
//   3. the order is dispatched and delivered outside the browser: the
//      program --then (a shell script) is run with the order's id (the
//      test runs the dispatch board's commands, the driver's API client
//      and `lpgtrace order delivered` there);
//   4. the order page, reloaded in the same session, shows it delivered.
//
// On every page: no sideways scroll at 360px, no Content-Security-Policy
// report and no script error.
//
//   node household_order.mjs --base URL --user ID --pin PIN --cert URL
//        --then SCRIPT --shots DIR [--chromium /usr/bin/chromium]
//
// Screenshots go to DIR: household_login.png, household_filled.png,
// household_placed.png and household_delivered.png (full pages, 360 wide).
// Prints "PASS what" / "FAIL what" lines (tests/e2e/household_order.sh
// makes TAP of them); exits 0 if every check passed, 1 if one failed, 2
// if the browser could not be driven.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checks, launch, parseArgs, PHONE, show, watch } from './lib.mjs';

const args = parseArgs('household_order', ['base', 'user', 'pin', 'cert', 'then', 'shots']);
const { pass, fail, expect, failed } = checks();
const shot = (page, name) => page.screenshot({ path: join(args.shots, name), fullPage: true });
const { browser, close } = await launch('household_order', args, PHONE);

// The page's width against the screen's, and what sticks out.
async function narrow(page, what) {
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
    expect(wide.vw === 360 && wide.sw <= wide.vw && wide.over.length === 0,
           `${what}: no sideways scroll at 360px (${wide.sw}px in ${wide.vw}px)`, show(wide));
}

// The order's section on the page, as a person reads it.
const section = (page, id) => page.evaluate((id) => {
    const s = document.querySelector(`section[data-order="${id}"]`);
    return s ? { status: s.dataset.status, text: s.innerText } : null;
}, id);

try {
    const page = await browser.newPage();
    const { errors, csp } = watch(page);
    // a resource that did not load, by its address (the browser's own
    // favicon request aside: the pages name no icon)
    const missing = [];
    page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) missing.push(`${r.status()} ${r.url()}`);
    });

    // 1. the login page, and logging in through it
    let r = await page.goto(`${args.base}/order`, { waitUntil: 'load' });
    expect(page.url().endsWith('/order/login') && r.status() === 200,
           'no session: the order page sends to the login page', `${r.status()} ${page.url()}`);
    const login = await page.evaluate(() => ({
        labels: [...document.querySelectorAll('form label')].map((l) => l.innerText),
        fontPx: parseFloat(getComputedStyle(document.querySelector('input[name=user]')).fontSize),
    }));
    expect(login.labels.length === 2 && login.labels.every((l) => /[\u4e00-\u9fff]/.test(l) && /[a-z]/i.test(l)),
           'the login form: two labels in Chinese and English', show(login));
    expect(login.fontPx >= 16, 'inputs at 16px or more (a phone does not zoom in on them)', show(login));
    await narrow(page, 'the login page');
    await shot(page, 'household_login.png');
    await page.type('input[name=user]', args.user);
    await page.type('input[name=pin]', args.pin);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                       page.click('form button[type=submit]')]);
    const who = await page.$eval('#who', (e) => e.textContent).catch(() => null);
    expect(page.url().endsWith('/order') && who === args.user,
           `logged in as ${args.user} through the form`, `${page.url()} who=${who}`);

    // 2. placing an order with clicks and typing
    await page.select('select[name=spec]', 'YSP15');
    // one cylinder: the driver hands over one, and an order is delivered
    // only when its count is (ORDER_COUNT_SHORT otherwise)
    await page.select('select[name=count]', '1');
    const slot = await page.$eval('select[name=slot] option:nth-child(3)', (o) => o.value);
    await page.select('select[name=slot]', slot);
    await page.click('input[name=gas_cert]');
    await page.type('input[name=gas_cert]', args.cert);
    await narrow(page, 'the order form');
    await shot(page, 'household_filled.png');
    const before = await page.$$eval('section[data-order]', (s) => s.map((e) => e.dataset.order));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                       page.click('form[action="/order/place"] button[type=submit]')]);
    const placed = new URL(page.url()).searchParams.get('placed');
    expect(/^H[0-9a-f]{12}$/.test(placed || '') && !before.includes(placed),
           `the order was placed: ${placed}`, page.url());
    const p1 = await section(page, placed);
    expect(p1 && p1.status === 'placed' && /已下单/.test(p1.text) && /1 × YSP15/.test(p1.text),
           'the page lists it placed: 1 × YSP15', show(p1));
    await narrow(page, 'the page with the order placed');
    await shot(page, 'household_placed.png');

    // 3. dispatched, delivered and recorded outside the browser
    let out = '';
    try {
        out = execFileSync('sh', [args.then, placed], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        pass('dispatched, delivered by the driver and recorded delivered (--then)');
    } catch (e) {
        out = `${e.stdout || ''}${e.stderr || ''}`;
        fail('dispatched, delivered by the driver and recorded delivered (--then)', out);
    }
    for (const l of out.split('\n')) if (l.startsWith('#')) console.log(l);

    // 4. the same session, the page reloaded
    r = await page.reload({ waitUntil: 'load' });
    const p2 = await section(page, placed);
    expect(r.status() === 200 && page.url().includes('/order') && !page.url().includes('/login'),
           'the reloaded page is still the household\'s (same session)', `${r.status()} ${page.url()}`);
    expect(p2 && p2.status === 'delivered' && /已送达/.test(p2.text) && /delivered/i.test(p2.text),
           'the order page shows it delivered (已送达)', show(p2));
    await narrow(page, 'the page with the order delivered');
    await shot(page, 'household_delivered.png');

    expect(csp.length === 0, 'no Content-Security-Policy errors', csp.join('\n'));
    expect(errors.length === 0, 'no script or console errors', errors.join('\n'));
    expect(missing.length === 0, 'every resource the pages use loads', missing.join('\n'));
} catch (e) {
    fail('the ordering page could be driven', e.stack || e.message);
} finally {
    await close();
}
process.exit(failed() ? 1 : 0);

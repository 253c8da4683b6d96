// console_dispatch.mjs - an order's whole way in a real Chromium
// (puppeteer-core), with the dispatch board acting, signed in the browser
// with the company's own key:
//
//   1. the household (a 360x640 page) logs in on /order with its user id
//      and PIN and places an order;
//   2. the dispatcher (a desktop page) logs in to the console, loads the
//      company-admin key file on /console/key (imported by WebCrypto as a
//      non-extractable key; the page shows its key id and that the ledger
//      knows it as the company's), accepts the order, tries to assign it
//      to a driver whose certificate has expired (refused by lpg-orderd:
//      its reasons shown in Chinese and English), then assigns it to a fit
//      driver and vehicle;
//   3. --then SCRIPT ID runs the driver's API client, which delivers it
//      naming the order; the dispatcher records it delivered on the board;
//   4. the household's page, reloaded, shows it delivered;
//   5. the phone agent places an order for a caller on the board, and one
//      without a certificate, refused up front with its reasons; one
//      without a certificate for the household of step 1, which showed
//      its own at the door, is placed;
//   6. another company's key loaded in the same console is shown as not
//      the company's, and lpg-webd refuses an action it signs.
//
//   node console_dispatch.mjs --base URL --user ID --pin PIN --cert TEXT
//        --account A --password P --key PEM --keyid HEX --other PEM
//        --caller ID --caller-cert TEXT --unfit DRIVER --driver DRIVER
//        --vehicle PLATE --then SCRIPT --shots DIR
//
// Prints "PASS what" / "FAIL what" lines and "ORDER name id" lines;
// exits 0 if every check passed, 1 if one failed, 2 if the browser could
// not be driven.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checks, consoleLogin, DESKTOP, launch, parseArgs, PHONE, show, watch } from './lib.mjs';

const args = parseArgs('console_dispatch', ['base', 'user', 'pin', 'cert', 'account', 'password', 'key', 'keyid',
    'other', 'caller', 'caller-cert', 'unfit', 'driver', 'vehicle', 'then', 'shots']);
const { pass, fail, expect, failed } = checks();
const shot = (page, name) => page.screenshot({ path: join(args.shots, name), fullPage: true });
const { browser, close } = await launch('console_dispatch', args, DESKTOP);
const B = args.base;

// The answer shown after submitting the form of STEP on the page.
async function act(page, step, fill) {
    await page.$eval('#answer', (e) => { e.textContent = ''; delete e.dataset.status; });
    if (fill) await fill();
    await page.click(`form.act[data-step="${step}"] button[type=submit]`);
    await page.waitForSelector('#answer[data-status]', { timeout: 10000 });
    return page.$eval('#answer', (e) => ({
        status: e.dataset.status,
        text: e.innerText,
        reasons: [...e.querySelectorAll('li[data-token]')].map((l) => ({ token: l.dataset.token, text: l.innerText })),
        placed: e.querySelector('#placed') ? e.querySelector('#placed').getAttribute('href') : null,
    }));
}

const zhEn = (t) => /[\u4e00-\u9fff]/.test(t) && /[a-z]{3}/i.test(t);

async function loadKey(page, file) {
    await page.goto(`${B}/console/key`, { waitUntil: 'load' });
    const input = await page.$('#keyfile');
    await input.uploadFile(file);
    await page.$eval('#keystate', (e) => delete e.dataset.ok);
    await page.click('#keyform button[type=submit]');
    await page.waitForSelector('#keystate[data-ok]', { timeout: 10000 });
    return page.evaluate(() => ({
        id: document.querySelector('#keyid').textContent,
        ok: document.querySelector('#keystate').dataset.ok,
        state: document.querySelector('#keystate').innerText,
        msg: document.querySelector('#keymsg').innerText,
    }));
}

const statusOf = async (page) => page.$eval('#status', (e) => e.textContent);

try {
    const seen = { errors: [], csp: [] };
    // 1. the household, on a phone
    const home = await browser.newPage();
    await home.setViewport(PHONE);
    watch(home, seen);
    await home.goto(`${B}/order/login`, { waitUntil: 'load' });
    await home.type('input[name=user]', args.user);
    await home.type('input[name=pin]', args.pin);
    await Promise.all([home.waitForNavigation({ waitUntil: 'load' }), home.click('form button[type=submit]')]);
    expect(home.url().endsWith('/order'), `the household ${args.user} logged in at 360x640`, home.url());
    await home.select('select[name=spec]', 'YSP15');
    await home.select('select[name=count]', '1');
    await home.type('input[name=gas_cert]', args.cert);
    await Promise.all([home.waitForNavigation({ waitUntil: 'load' }),
                       home.click('form[action="/order/place"] button[type=submit]')]);
    const id = new URL(home.url()).searchParams.get('placed');
    expect(/^H[0-9a-f]{12}$/.test(id || ''), `the household placed order ${id}`, home.url());
    console.log(`ORDER household ${id}`);
    await shot(home, 'dispatch_household_placed.png');

    // 2. the dispatcher
    const page = await browser.newPage();
    watch(page, seen);
    expect(await consoleLogin(page, B, args.account, args.password), `the dispatcher ${args.account} logged in`, page.url());
    let k = await loadKey(page, args.key);
    expect(k.id === args.keyid, 'the key file imported: its key id shown', show(k));
    expect(k.ok === 'yes' && zhEn(k.state), 'the ledger knows it: an enrolled company-admin key of the company', show(k));
    const extractable = await page.evaluate(() => new Promise((resolve) => {
        const r = indexedDB.open('lpgtrace-console', 1);
        r.onsuccess = () => {
            const g = r.result.transaction('keys').objectStore('keys').get('company-admin');
            g.onsuccess = () => resolve({ type: g.result.key.type, extractable: g.result.key.extractable,
                                         alg: g.result.key.algorithm.name });
        };
    }));
    expect(extractable.type === 'private' && extractable.extractable === false && extractable.alg === 'Ed25519',
           'kept in IndexedDB as a non-extractable Ed25519 CryptoKey', show(extractable));
    await shot(page, 'dispatch_key.png');

    await page.goto(`${B}/console/orders`, { waitUntil: 'load' });
    const listed = await page.$$eval('tr[data-order]', (r) => r.map((e) => e.dataset.order));
    expect(listed.includes(id), 'the board lists the order', show(listed));
    await page.goto(`${B}/console/orders/${id}`, { waitUntil: 'load' });
    let a = await act(page, 'order_accept');
    expect(a.status === 'OK', 'accepted in the console, signed in the browser', show(a));
    await page.reload({ waitUntil: 'load' });
    expect(await statusOf(page) === 'accepted', 'the order page says accepted', await statusOf(page));

    const opts = await page.$$eval('form.act[data-step=order_assign] select[name=driver] option', (o) => o.map((e) => e.value));
    expect(opts[0] === args.driver && opts.includes(args.unfit),
           'the driver list: the fit ones first, the unfit ones apart', show(opts));
    a = await act(page, 'order_assign', async () => {
        await page.select('select[name=driver]', args.unfit);
        await page.select('select[name=vehicle]', args.vehicle);
    });
    expect(a.status === 'DENIED' && a.reasons.length > 0 && a.reasons.every((r) => zhEn(r.text)),
           `assigning ${args.unfit} (certificate expired) is refused, every reason in Chinese and English`, show(a));
    console.log(`# refused: ${a.reasons.map((r) => r.token).join(' ')}`);
    await shot(page, 'dispatch_refused.png');
    a = await act(page, 'order_assign', async () => {
        await page.select('select[name=driver]', args.driver);
        await page.select('select[name=vehicle]', args.vehicle);
    });
    expect(a.status === 'OK', `assigned to ${args.driver} and ${args.vehicle}`, show(a));
    await page.reload({ waitUntil: 'load' });
    expect(await statusOf(page) === 'assigned', 'the order page says assigned', await statusOf(page));

    // 3. the driver delivers; the dispatcher records it
    let out = '';
    try {
        out = execFileSync('sh', [args.then, id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        pass('the driver\'s API client delivered it naming the order (--then)');
    } catch (e) {
        out = `${e.stdout || ''}${e.stderr || ''}`;
        fail('the driver\'s API client delivered it naming the order (--then)', out);
    }
    for (const l of out.split('\n')) if (l.startsWith('#')) console.log(l);
    await page.reload({ waitUntil: 'load' });
    a = await act(page, 'order_delivered');
    expect(a.status === 'OK', 'recorded delivered on the board (the delivery found by its order)', show(a));
    await page.reload({ waitUntil: 'load' });
    expect(await statusOf(page) === 'delivered', 'the order page says delivered', await statusOf(page));

    // 4. the household's page
    await home.reload({ waitUntil: 'load' });
    const h = await home.evaluate((id) => {
        const s = document.querySelector(`section[data-order="${id}"]`);
        return s ? { status: s.dataset.status, text: s.innerText } : null;
    }, id);
    expect(h && h.status === 'delivered' && /已送达/.test(h.text), 'the household\'s page shows it delivered', show(h));
    await shot(home, 'dispatch_household_delivered.png');

    // 5. the phone agent
    await page.goto(`${B}/console/orders`, { waitUntil: 'load' });
    const fillPhone = (cert, user = args.caller, count = '2') => async () => {
        await page.type('#phoneform input[name=user]', user);
        await page.select('#phoneform select[name=spec]', 'YSP5');
        await page.$eval('#phoneform input[name=count]', (e, n) => { e.value = n; }, count);
        if (cert) await page.type('#phoneform input[name=gas_cert]', cert);
    };
    a = await act(page, 'order_place', fillPhone(args['caller-cert']));
    expect(a.status === 'OK' && a.placed, `the phone agent placed an order for ${args.caller}`, show(a));
    const phoneId = a.placed ? decodeURIComponent(a.placed.split('/').pop()) : '';
    console.log(`ORDER phone ${phoneId}`);
    await shot(page, 'dispatch_phone.png');
    await page.goto(`${B}/console/orders`, { waitUntil: 'load' });
    a = await act(page, 'order_place', fillPhone(null));
    expect(a.status === 'DENIED' && a.reasons.some((r) => r.token === 'GAS_CERT_MISSING') &&
           a.reasons.every((r) => zhEn(r.text)),
           'a phone order without a certificate: refused up front, its reasons in Chinese and English', show(a));
    // the household of step 1 showed its certificate at the door: a phone
    // order for it needs none (judged on that one)
    await page.goto(`${B}/console/orders`, { waitUntil: 'load' });
    a = await act(page, 'order_place', fillPhone(null, args.user, '1'));
    expect(a.status === 'OK' && a.placed,
           `a phone order for ${args.user} without a certificate: judged on the one shown at its door, placed`, show(a));

    // 6. another company's key
    k = await loadKey(page, args.other);
    expect(k.ok === 'no' && zhEn(k.state), 'another company\'s key: shown as not this company\'s', show(k));
    await page.goto(`${B}/console/orders/${phoneId}`, { waitUntil: 'load' });
    a = await act(page, 'order_accept');
    expect(a.status === 'problem-signer-not-company' && zhEn(a.text),
           'an action signed with it is refused by lpg-webd, in Chinese and English', show(a));
    await page.reload({ waitUntil: 'load' });
    expect(await statusOf(page) === 'placed', 'and the order is untouched', await statusOf(page));
    await shot(page, 'dispatch_other_key.png');

    expect(seen.csp.length === 0, 'no Content-Security-Policy errors', seen.csp.join('\n'));
    expect(seen.errors.length === 0, 'no script or console errors', seen.errors.join('\n'));
} catch (e) {
    fail('the dispatch flow could be driven', e.stack || e.message);
} finally {
    await close();
}
process.exit(failed() ? 1 : 0);

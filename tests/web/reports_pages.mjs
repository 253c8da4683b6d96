// reports_pages.mjs - a real Chromium, driven by puppeteer-core, opens the
// console's report pages, the recall page, the street hazard board, the
// live page and the camera scan of the cylinder page, the way a person
// does after logging in:
//
//   1. as a regulator, each report page draws its chart (an ECharts canvas
//      with something painted on it) and its table, and every number and
//      word of the table is the row of `lpgtrace report NAME --json`
//      (DIR/cli-NAME.json) in the same order, the summary its count; the
//      orders chart's bars per day are lpgtrace's orders that day;
//   2. the recall page lists what `lpgtrace recall --json` does
//      (DIR/cli-recall.json): its cylinders, and each fill's households
//      by area, never by name;
//   3. the hazard board lists every escalated hazard (--board N);
//   4. the live page is connected, then --refuse (a shell command that
//      makes a scanner be refused a fill and prints the entry) runs: the
//      refusal's row appears without reloading, within two seconds;
//   5. a street office (--street / --street-password, area --area) sees
//      on its board only households of its area;
//   6. the cylinder page's scan: a photo of a real label (--label PNG) is
//      read in the page by zxing-wasm from /console/vendor/; the code
//      (--code) fills the search box and the cylinder opens;
//   7. no page logs an error or a Content-Security-Policy violation, and
//      nothing is fetched from another origin.
//
//   node reports_pages.mjs --base URL --account NAME --password PW
//        --street NAME --street-password PW --area CODE --today YYYY-MM-DD
//        --site S --from D --to D --cli DIR --board N --refuse 'CMD'
//        --label PNG --code TEXT --shots DIR [--chromium /usr/bin/chromium]
//
// Screenshots at 1366x768 go to DIR. Prints "PASS what" / "FAIL what"
// lines (tests/e2e/console_reports.sh makes TAP of them); exits 0 if every
// check passed, 1 if one failed, 2 if the browser could not be driven.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checks, consoleLogin, DESKTOP, launch, parseArgs } from './lib.mjs';

const args = parseArgs('reports_pages', ['base', 'account', 'password', 'street', 'street-password', 'area', 'today',
                                         'site', 'from', 'to', 'cli', 'board', 'refuse', 'label', 'code', 'shots']);
const { fail, expect, failed } = checks(15);
const cli = (name) => JSON.parse(readFileSync(join(args.cli, `cli-${name}.json`), 'utf8'));
const origin = new URL(args.base).origin;
const { browser, close } = await launch('reports_pages', args, DESKTOP);

// The cylinder page loads verify.js, the proofs' part of the console: a
// tree without it yet says so, and that one 404 is not this test's.
const noVerify = (await fetch(`${args.base}/console/static/verify.js`)).status === 404;
if (noVerify) console.log('# verify.js is not in this tree: its absence on the cylinder page is ignored');
const problems = []; // console errors, CSP reports, page errors
const elsewhere = []; // requests to another origin
async function newPage(context) {
    const p = await (context || browser).newPage();
    p.on('console', (m) => {
        // the browser's own asking for /favicon.ico is not the page's
        if (/\/favicon\.ico$/.test(m.location()?.url || '')) return;
        if (noVerify && /verify\.js/.test(`${m.location()?.url} ${m.text()}`)) return;
        if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text()))
            problems.push(`${p.url()}: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${p.url()}: ${e}`));
    p.on('request', (r) => {
        const u = r.url();
        if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) elsewhere.push(u);
    });
    return p;
}

const login = (page, account, password) => consoleLogin(page, args.base, account, password);

async function shot(page, name) {
    await page.screenshot({ path: join(args.shots, `${name}.png`) });
}

// What reports.js shows for a JSON value.
// A JSON object (the orders report's refused_reasons) is "KEY=N" joined
// with spaces, in its order.
const text = (v) => (v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 'yes' : 'no')
    : typeof v === 'object' ? Object.entries(v).map(([k, n]) => `${k}=${n}`).join(' ') : String(v));

// How many pixels of the chart's canvas are painted (not transparent and
// not white): a chart that drew nothing has none.
async function painted(page) {
    return page.evaluate(() => {
        const c = document.querySelector('#chart canvas');
        if (!c || !c.width || !c.height) return { canvas: !!c, w: 0, h: 0, ink: 0 };
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 4)
            if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) ink++;
        return { canvas: true, w: c.width, h: c.height, ink };
    });
}

try {
    const page = await newPage();
    expect(await login(page, args.account, args.password), 'logged in as a regulator', page.url());

    // 1. Each report page against lpgtrace report NAME --json.
    for (const name of ['refused', 'overdue', 'hazards', 'anomalies', 'coverage', 'tips', 'orders']) {
        const want = cli(name);
        const rows = (name === 'tips' ? want.tips : want.rows) || [];
        const r = await page.goto(`${args.base}/console/reports/${name}?today=${args.today}`, { waitUntil: 'load' });
        await page.waitForFunction(() => document.getElementById('report')?.dataset.ready, { timeout: 20000 });
        const got = await page.evaluate(() => ({
            ready: document.getElementById('report').dataset.ready,
            summary: document.getElementById('summary').textContent,
            rows: [...document.querySelectorAll('#table tbody tr')].map((tr) =>
                [...tr.children].map((td) => [td.dataset.col, td.textContent])),
            csv: document.getElementById('csv').getAttribute('href'),
        }));
        await shot(page, `report-${name}`);
        expect(r.status() === 200 && got.ready === '1', `report ${name}: the page loads its JSON`, got.ready);
        let diff = '';
        if (got.rows.length !== rows.length) diff = `${got.rows.length} rows on the page, ${rows.length} from lpgtrace`;
        for (let i = 0; !diff && i < rows.length; i++)
            for (const [col, cell] of got.rows[i])
                if (cell !== text(rows[i][col])) {
                    diff = `row ${i} ${col}: page '${cell}', lpgtrace '${text(rows[i][col])}'`;
                    break;
                }
        expect(!diff, `report ${name}: the table is lpgtrace report ${name} --json (${rows.length} rows)`, diff);
        if (name === 'orders' && rows.length) {
            const cols = got.rows[0].map(([col]) => col);
            expect(cols.includes('cylinders') && cols.includes('handed'),
                   'report orders: cylinders ordered and handed over are columns', cols.join(' '));
        }
        const count = name === 'refused' ? want.denied_checks : name === 'orders' ? want.totals.orders : rows.length;
        expect(name === 'coverage' || new RegExp(`(^|\\D)${count}(\\D|$)`).test(got.summary),
               `report ${name}: the summary says ${count}`, got.summary);
        if (rows.length) {
            const ink = await painted(page);
            expect(ink.canvas && ink.w >= 600 && ink.h >= 300 && ink.ink > 1000,
                   `report ${name}: the chart is drawn on its canvas (${ink.w}x${ink.h}, ${ink.ink} px painted)`,
                   JSON.stringify(ink));
        }
        expect(got.csv && got.csv.startsWith('blob:'), `report ${name}: its table is offered as CSV`, got.csv);
    }
    const cov = cli('coverage').rows || [];
    const pct = await page.goto(`${args.base}/console/reports/coverage?today=${args.today}`, { waitUntil: 'load' })
        .then(() => page.waitForFunction(() => document.getElementById('report')?.dataset.ready))
        .then(() => page.evaluate(() => {
            const c = window.echarts.getInstanceByDom(document.getElementById('chart'));
            return c ? c.getOption().series[0].data : null;
        }));
    expect(JSON.stringify(pct) === JSON.stringify(cov.map((r) => Number(r.percent))),
           'coverage: the bars are the percentages of lpgtrace report coverage', JSON.stringify(pct));
    // The orders chart: the bars of each day, summed over the companies,
    // are the orders lpgtrace counts that day.
    const ord = cli('orders').rows || [];
    const perDay = {};
    for (const r of ord) perDay[r.day] = (perDay[r.day] || 0) + r.orders;
    const bars = await page.goto(`${args.base}/console/reports/orders?today=${args.today}`, { waitUntil: 'load' })
        .then(() => page.waitForFunction(() => document.getElementById('report')?.dataset.ready))
        .then(() => page.evaluate(() => {
            const o = window.echarts.getInstanceByDom(document.getElementById('chart'))?.getOption();
            if (!o) return null;
            const days = o.xAxis[0].data, got = {};
            for (const s of o.series.filter((x) => x.type === 'bar'))
                s.data.forEach((n, i) => { got[days[i]] = (got[days[i]] || 0) + n; });
            return got;
        }));
    const sorted = (o) => JSON.stringify(Object.entries(o || {}).sort());
    expect(ord.length > 0 && sorted(bars) === sorted(perDay),
           `orders: the chart's bars are lpgtrace's orders per day (${Object.keys(perDay).length} days)`,
           `${sorted(bars)} vs ${sorted(perDay)}`);

    // 2. Recall.
    const rc = cli('recall');
    const want = { cylinders: rc.cylinders.length, households: 0, rows: 0, names: [] };
    for (const c of rc.cylinders)
        for (const f of c.fills) {
            want.households += f.households.length;
            want.rows += Math.max(1, f.households.length);
            for (const h of f.households) if (h.name) want.names.push(h.name);
        }
    await page.goto(`${args.base}/console/recall?site=${encodeURIComponent(args.site)}&from=${args.from}&to=${args.to}`,
                    { waitUntil: 'load' });
    const recall = await page.evaluate(() => ({
        ncyl: Number(document.getElementById('ncyl')?.textContent),
        nhh: Number(document.getElementById('nhh')?.textContent),
        rows: document.querySelectorAll('#table tbody tr').length,
        cylinders: new Set([...document.querySelectorAll('#table tbody tr td:first-child')].map((t) => t.textContent)).size,
        body: document.body.innerText,
    }));
    await shot(page, 'recall');
    expect(recall.ncyl === want.cylinders && recall.cylinders === want.cylinders,
           `recall: ${want.cylinders} cylinders, as lpgtrace recall says`, JSON.stringify({ ...recall, body: undefined }));
    expect(recall.nhh === want.households && recall.rows === want.rows,
           `recall: ${want.households} household deliveries in ${want.rows} rows`, JSON.stringify({ ...recall, body: undefined }));
    const named = want.names.filter((n) => recall.body.includes(n));
    expect(want.names.length > 0 && named.length === 0,
           `recall: none of the ${want.names.length} households' names is on the page`, named.slice(0, 3).join(', '));

    // 3. The hazard board, as the regulator sees it.
    await page.goto(`${args.base}/console/hazards`, { waitUntil: 'load' });
    const board = await page.evaluate(() => [...document.querySelectorAll('#table tbody tr')].map((tr) =>
        [...tr.children].map((td) => td.textContent)));
    await shot(page, 'hazards-regulator');
    const seqs = board.map((r) => Number(r[0]));
    expect(board.length === Number(args.board) && seqs.every((s, i) => i === 0 || seqs[i - 1] < s),
           `hazard board: all ${args.board} escalated hazards, oldest first`, JSON.stringify(seqs));

    // 4. Live: a refusal made after the page is connected appears.
    await page.goto(`${args.base}/console/live`, { waitUntil: 'load' });
    await page.waitForFunction(() => /connected/.test(document.getElementById('state').textContent), { timeout: 10000 });
    const before = await page.$$eval('#table tbody tr[data-seq]', (t) => t.length);
    const seq = execSync(args.refuse, { encoding: 'utf8' }).trim();
    const t0 = Date.now();
    let row = null;
    try {
        await page.waitForSelector(`#table tbody tr[data-seq="${seq}"]`, { timeout: 5000 });
        row = await page.$eval(`#table tbody tr[data-seq="${seq}"]`, (tr) => ({
            cls: tr.className, cells: [...tr.children].map((td) => td.textContent) }));
    } catch (e) { /* row stays null */ }
    const ms = Date.now() - t0;
    await shot(page, 'live');
    expect(seq && before === 0 && row && ms <= 2000,
           `live: the fill refused after the page opened (entry ${seq}) appears in ${ms} ms, without reloading`,
           JSON.stringify({ seq, before, row, ms }));
    expect(row && row.cls === 'refusal' && row.cells.includes('S1') && row.cells.some((c) => /VISUAL_FAILED/.test(c)),
           'live: the row says refused, where and why', JSON.stringify(row));

    // 5. A street office's board: its own area only.
    const ctx = await browser.createBrowserContext();
    const sp = await newPage(ctx);
    expect(await login(sp, args.street, args['street-password']), `logged in as the street office of ${args.area}`, sp.url());
    await sp.goto(`${args.base}/console/hazards`, { waitUntil: 'load' });
    const sb = await sp.evaluate(() => ({
        heads: [...document.querySelectorAll('#table thead th')].map((th) => th.textContent),
        rows: [...document.querySelectorAll('#table tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
    }));
    await shot(sp, 'hazards-street');
    const ai = sb.heads.findIndex((h) => /Household area/.test(h));
    const ti = sb.heads.findIndex((h) => /Escalated to/.test(h));
    const strays = sb.rows.filter((r) => r[ai] !== args.area || r[ti] !== args.area);
    expect(ai >= 0 && sb.rows.length > 0 && strays.length === 0,
           `street office: its board lists ${sb.rows.length} hazards, every one in area ${args.area}`,
           JSON.stringify(strays.slice(0, 3)));
    await sp.goto(`${args.base}/console/reports/hazards?today=${args.today}`, { waitUntil: 'load' });
    await sp.waitForFunction(() => document.getElementById('report')?.dataset.ready, { timeout: 20000 });
    await shot(sp, 'report-hazards-street');
    await ctx.close();

    // 6. The scan on the cylinder page: a photo of the label.
    await page.goto(`${args.base}/console/cylinder`, { waitUntil: 'load' });
    await page.waitForSelector('#scan-open');
    await shot(page, 'cylinder-scan');
    const fileInput = await page.$('#scan-file');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 20000 }).catch(() => null),
                       fileInput.uploadFile(args.label)]);
    const opened = await page.evaluate(() => ({
        url: location.href,
        q: document.querySelector('input[name=q]')?.value,
        rows: document.querySelectorAll('[data-seq]').length,
        status: document.getElementById('scan-status')?.textContent,
    }));
    await shot(page, 'cylinder-scanned');
    expect(opened.q === args.code && new URL(opened.url).searchParams.get('q') === args.code && opened.rows > 0,
           'scan: the label photo is read in the page, fills the search box and opens the cylinder',
           JSON.stringify(opened));

    // 7. Nothing went wrong in any page.
    expect(problems.length === 0, 'no console errors and no CSP violations on any page', problems.join('\n'));
    expect(elsewhere.length === 0, 'nothing was fetched from another origin', elsewhere.join('\n'));
} catch (e) {
    fail('the pages could be driven', e.stack || e);
} finally {
    await close();
}
process.exit(failed() ? 1 : 0);

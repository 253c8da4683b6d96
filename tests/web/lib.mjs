// lib.mjs - what the browser tests in tests/web share: their arguments,
// their PASS/FAIL lines, a headless Chromium in a fresh profile, a
// page's console errors and CSP reports, and logging in to the console.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

// "--name value" pairs into an object; exits 2 (after saying so, as
// PROG) on a stray word or when one of the required names is missing.
export function parseArgs(prog, required) {
    const args = {};
    const a = process.argv.slice(2);
    for (let i = 0; i < a.length; i += 2) {
        if (!a[i].startsWith('--') || a[i + 1] === undefined) {
            console.error(`${prog}: bad argument ${a[i]}`);
            process.exit(2);
        }
        args[a[i].slice(2)] = a[i + 1];
    }
    for (const k of required) {
        if (!args[k]) {
            console.error(`${prog}: --${k} is required`);
            process.exit(2);
        }
    }
    return args;
}

// The "PASS what" / "FAIL what" lines (a failure followed by at most
// LINES lines of its detail, each after "#   "); failed() counts them.
export function checks(lines = 20) {
    let n = 0;
    const pass = (what) => console.log(`PASS ${what}`);
    const fail = (what, detail) => {
        n++;
        console.log(`FAIL ${what}`);
        if (detail) for (const l of String(detail).split('\n').slice(0, lines)) console.log(`#   ${l}`);
    };
    const expect = (cond, what, detail) => (cond ? pass(what) : fail(what, detail));
    return { pass, fail, expect, failed: () => n };
}

export const show = (v) => JSON.stringify(v, null, 1);

// A headless Chromium (--chromium, by default /usr/bin/chromium) in a
// profile of its own, with the window VIEWPORT; close() ends it and
// removes the profile. If it cannot start, says so as PROG and exits 2.
export async function launch(prog, args, viewport) {
    mkdirSync(args.shots, { recursive: true });
    const profile = mkdtempSync(join(tmpdir(), 'lpg-chromium-'));
    let browser;
    try {
        browser = await puppeteer.launch({
            executablePath: args.chromium || '/usr/bin/chromium',
            headless: true,
            args: [
                '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update',
                '--disable-sync', `--user-data-dir=${profile}`,
            ],
            defaultViewport: viewport,
            timeout: 60000,
        });
    } catch (e) {
        console.error(`${prog}: cannot start the browser: ${e.message}`);
        rmSync(profile, { recursive: true, force: true });
        process.exit(2);
    }
    const close = async () => {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
    };
    return { browser, close };
}

export const DESKTOP = { width: 1366, height: 768, deviceScaleFactor: 1 };
export const PHONE = { width: 360, height: 640, deviceScaleFactor: 1, isMobile: true, hasTouch: true };

// A page's Content-Security-Policy reports (csp) and its script and
// console errors (errors; "Failed to load resource" aside: a test that
// cares sees the responses), added to SEEN (several pages may share one).
export function watch(page, seen = { errors: [], csp: [] }) {
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) seen.csp.push(m.text());
        else if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) seen.errors.push(m.text());
    });
    return seen;
}

// The console's login form, on the login page already open: typed in
// and sent; true if the browser then left the login page.
export async function submitLogin(page, account, password) {
    await page.type('input[name=account]', account);
    await page.type('input[name=password]', password);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                       page.click('form.login [type=submit], form.login button')]);
    return !page.url().includes('/console/login');
}

// Logging in to the console at BASE the way a person does.
export async function consoleLogin(page, base, account, password) {
    await page.goto(`${base}/console/login`, { waitUntil: 'load' });
    return submitLogin(page, account, password);
}

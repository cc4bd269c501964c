// Shared helpers for the browser tests (web/e2e/*.e2e.mjs). The Rust test
// crates/parley-server/tests/browser.rs starts a fresh server per file and
// passes where it is through the environment; this module reads it and
// plays the other parties: Meta (signed webhooks), agents (the browser, or
// the API with a bearer token).
//
// playwright-core has no `expect`: wait with locators (they auto-wait) and
// `eventually(fn)`, which retries an assertion until it holds or times out.
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through cargo test -p parley-server --test browser`);
  return v;
}

export const BASE = need('PARLEY_BASE');
export const APP_SECRET = need('PARLEY_APP_SECRET');
export const PNID = need('PARLEY_PNID');
export const ADMIN = { email: process.env.PARLEY_ADMIN_EMAIL || 'admin@e2e.test', password: need('PARLEY_PASSWORD') };
export const AGENT = { email: process.env.PARLEY_AGENT_EMAIL || 'agent@e2e.test', password: need('PARLEY_PASSWORD') };
export const SCREENSHOTS = process.env.PARLEY_SCREENSHOTS || null;
/**
 * Set for files whose server clock runs from a fixed start (browser.rs):
 * server time − real time, in ms. Else null (the server runs on real time).
 */
export const CLOCK_OFFSET = process.env.PARLEY_CLOCK_OFFSET_MS ? Number(process.env.PARLEY_CLOCK_OFFSET_MS) : null;
const CHROMIUM = process.env.PARLEY_CHROMIUM || '/usr/bin/chromium';

/** Default wait for anything asynchronous (events, renders). */
export const TIMEOUT = 10_000;

/** "Now" on the server's clock. */
export function serverNow() {
  return Date.now() + (CLOCK_OFFSET ?? 0);
}

/** Puts the page on the server's clock (call before the first goto; time runs from there). */
export async function useServerClock(page) {
  await page.clock.install({ time: serverNow() });
}

// ---------- browser ----------

/** Headless Chromium (Playwright adds --headless itself). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * A fresh context (its own localStorage, so its own session) and page.
 * `errors` collects uncaught page errors and console errors: assert it is
 * empty at the end of a test (`assertNoErrors`).
 */
export async function newPage(browser, { viewport = { width: 1440, height: 900 } } = {}) {
  const context = await browser.newContext({
    viewport, locale: 'en-GB', timezoneId: 'UTC', colorScheme: 'light', deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  return { context, page, errors };
}

export function assertNoErrors(errors, allow = []) {
  const left = errors.filter((e) => !allow.some((re) => re.test(e)));
  assert.deepEqual(left, [], 'the page logged errors');
}

/** Signs in through the login form and waits for the inbox. */
export async function signIn(page, { email, password } = ADMIN) {
  if (!page.url().startsWith(BASE)) await page.goto(`${BASE}/`);
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header.topbar').waitFor();
}

/** Waits until the event stream is connected (live updates flow from here on). */
export async function waitLive(page) {
  await page.locator('.connection[data-state="live"]').waitFor({ state: 'attached' });
}

/** The ticket list's row for a contact name. */
export function ticketRow(page, name) {
  return page.locator('.ticket-row').filter({ has: page.locator('.row-name', { hasText: name }) });
}

/**
 * Saves the page as <SCREENSHOTS>/<name>.png (a no-op without the folder).
 * An existing file that shows the same picture (at most a few anti-aliasing
 * pixels apart) is left alone, so running the tests does not rewrite the
 * committed screenshots when the UI did not change.
 */
export async function screenshot(page, name, { mask = [] } = {}) {
  if (!SCREENSHOTS) return null;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // `mask`: locators of what differs between runs (a temporary folder's name).
  const png = await page.screenshot({ animations: 'disabled', caret: 'hide', mask });
  if (existsSync(path) && await samePicture(page.context().browser(), readFileSync(path), png)) return path;
  writeFileSync(path, png);
  return path;
}

/** Whether two PNGs differ in at most `tolerance` pixels (decoded by the browser). */
async function samePicture(browser, a, b, tolerance = 200) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(async ([a64, b64, tol]) => {
      const load = async (b64) => createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const [x, y] = await Promise.all([load(a64), load(b64)]);
      if (x.width !== y.width || x.height !== y.height) return false;
      const pixels = (img) => {
        const c = new OffscreenCanvas(img.width, img.height).getContext('2d');
        c.drawImage(img, 0, 0);
        return c.getImageData(0, 0, img.width, img.height).data;
      };
      const p = pixels(x);
      const q = pixels(y);
      let diff = 0;
      for (let i = 0; i < p.length; i += 4) {
        if (Math.abs(p[i] - q[i]) > 8 || Math.abs(p[i + 1] - q[i + 1]) > 8 || Math.abs(p[i + 2] - q[i + 2]) > 8) {
          diff += 1;
          if (diff > tol) return false;
        }
      }
      return true;
    }, [a.toString('base64'), b.toString('base64'), tolerance]);
  } finally {
    await context.close();
  }
}

// ---------- Meta: signed webhooks ----------

let phoneSeq = 0;
/**
 * A phone number (wa_id) no other test in this file uses. Each file has a
 * server of its own, so a sequence is enough, and the same on every run
 * (screenshots show it).
 */
export function newPhone() {
  phoneSeq += 1;
  return `15550700${String(phoneSeq).padStart(3, '0')}`;
}

export function newWamid() {
  return `wamid.HBgL${randomBytes(24).toString('base64url')}`;
}

export function sign(raw) {
  return `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
}

/** POSTs `body` to the webhook, signed as Meta signs it (or with `signature`). Returns the status. */
export async function webhook(body, { signature } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${BASE}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature ?? sign(raw) },
    body: raw,
  });
  return res.status;
}

/** The Cloud API envelope around one inbound message (see crates/parley-whatsapp/src/simulate.rs). */
export function inboundMessage({ from, name, message, wamid = newWamid(), ts = serverNow() }) {
  return {
    object: 'whatsapp_business_account',
    entry: [{
      id: '102290129340398',
      changes: [{
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: PNID },
          contacts: [{ profile: { name }, wa_id: from }],
          messages: [{ from, id: wamid, timestamp: String(Math.floor(ts / 1000)), ...message }],
        },
      }],
    }],
  };
}

/** A customer's text message, as a signed webhook; returns its wamid. */
export async function customerText({ from, name = 'Ana López', text }) {
  const wamid = newWamid();
  const status = await webhook(inboundMessage({ from, name, wamid, message: { type: 'text', text: { body: text } } }));
  assert.equal(status, 200, 'webhook accepted');
  return wamid;
}

// ---------- agents over the API ----------

export class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** `/api/v1` call with a bearer token; resolves to the JSON body, throws ApiError unless 2xx. */
export async function api(token, method, path, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export async function login({ email, password } = ADMIN) {
  return (await api(null, 'POST', '/auth/login', { email, password })).token;
}

/** The open ticket of a contact (by wa_id), once the server has one. */
export async function ticketFor(token, waId) {
  return eventually(async () => {
    const { items } = await api(token, 'GET', '/tickets?status=open&limit=200');
    const t = items.find((x) => x.contact?.wa_id === waId);
    assert.ok(t, `a ticket for ${waId}`);
    return t;
  });
}

// ---------- waiting ----------

/**
 * Retries `fn` (which throws or rejects while its assertion fails) until it
 * returns, or rethrows its last error after `timeout` ms.
 */
export async function eventually(fn, { timeout = TIMEOUT, interval = 50 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

// ---------- accessibility ----------

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe on the page (or `include`, a CSS selector) and fails with each
 * violation's rule, impact, help text and the first offending elements.
 */
export async function audit(page, what, { include } = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: AXE });
  }
  const violations = await page.evaluate(async ({ tags, include }) => {
    const r = await window.axe.run(include ? { include: [include] } : document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  }, { tags: TAGS, include });
  const text = violations.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `      ${n}`).join('\n')}`);
  assert.equal(violations.length, 0, `${what}: ${violations.length} accessibility violation(s)\n${text.join('\n')}`);
}

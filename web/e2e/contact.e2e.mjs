// The contact side of a conversation: earlier tickets in the timeline, and
// the sidebar's email and custom attributes, edited and saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, customerText, newPhone, eventually, assertNoErrors,
  api, login, ticketFor, BASE, ADMIN,
} from './lib.mjs';

let browser;
let adminToken;
before(async () => {
  browser = await launch();
  adminToken = await login(ADMIN);
});
after(async () => { await browser?.close(); });

test('earlier conversations and the editable contact sidebar', async () => {
  const from = newPhone();
  await customerText({ from, name: 'Hana History', text: 'My first order never came.' });
  const first = await ticketFor(adminToken, from);
  await api(adminToken, 'PATCH', `/tickets/${first.id}`, { status: 'closed' });
  await customerText({ from, name: 'Hana History', text: 'Now the second one is late too.' });
  const second = await eventually(async () => {
    const t = await ticketFor(adminToken, from);
    assert.notEqual(t.id, first.id);
    return t;
  });
  const { page, context, errors } = await newPage(browser);
  try {
    await signIn(page, ADMIN);
    await page.goto(`${BASE}/#ticket=${second.id}`);
    await page.locator('.timeline .msg-in', { hasText: 'second one is late' }).waitFor();
    await page.getByRole('button', { name: 'Show earlier conversations (1)' }).click();
    const earlier = page.locator(`.history-ticket[aria-label="Earlier ticket #${first.id}"]`);
    await earlier.locator('.msg-in', { hasText: 'first order never came' }).waitFor();
    assert.match(await earlier.locator('.history-head').innerText(), /Closed/);

    const email = page.locator('#contact-email');
    await email.fill('not an email');
    await email.press('Tab');
    await page.locator('.toast', { hasText: 'not an email address' }).waitFor();
    await email.fill('hana@shop.example');
    await email.press('Tab');
    await page.locator('#contact-attr-key').fill('customer_value');
    await page.locator('#contact-attr-value').fill('1250');
    await page.locator('#contact-attr-value').press('Enter');
    await page.getByRole('textbox', { name: 'customer_value', exact: true }).waitFor();
    await eventually(async () => {
      const c = await api(adminToken, 'GET', `/contacts/${second.contact.id}`);
      assert.equal(c.email, 'hana@shop.example');
      assert.deepEqual(c.attributes, { customer_value: 1250 });
    });
    assertNoErrors(errors, [/400/]);
  } finally {
    await context.close();
  }
});

test('the Send CSAT quick action sends the survey now', async () => {
  const from = newPhone();
  await customerText({ from, name: 'Ines Survey', text: 'Thanks, all sorted now!' });
  const ticket = await ticketFor(adminToken, from);
  const { page, context, errors } = await newPage(browser);
  try {
    await signIn(page, ADMIN);
    await page.goto(`${BASE}/#ticket=${ticket.id}`);
    await page.locator('#conv-title', { hasText: 'Ines Survey' }).waitFor();
    // Only resolved tickets are surveyed: the button appears with Resolve.
    assert.equal(await page.locator('#csat-btn').count(), 0);
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator('#csat-btn').click();
    await page.locator('.toast', { hasText: 'Survey sent' }).waitFor();
    await eventually(async () => {
      const t = await api(adminToken, 'GET', `/tickets/${ticket.id}`);
      assert.ok(t.csat?.sent_at, JSON.stringify(t.csat));
    });
    // Sent once: the button is gone.
    await page.locator('#csat-btn').waitFor({ state: 'detached' });
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

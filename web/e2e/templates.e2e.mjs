// The template picker: offered by itself on a ticket whose 24-hour window has
// closed, searched and filled from the keyboard, sent, and shown in the
// timeline; admins see every template's status; on demand ("Template") while
// the window is open. The window closes the honest way: the customer's last
// message carries a WhatsApp timestamp 25 hours old (Meta redelivers webhooks
// for days, so old messages do arrive).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, webhook, inboundMessage, customerText, newPhone, eventually,
  assertNoErrors, api, login, ticketFor, screenshot, serverNow, useServerClock, ADMIN, AGENT,
} from './lib.mjs';

let browser;
let adminToken;
before(async () => {
  browser = await launch();
  adminToken = await login(ADMIN);
  // The start-up sync may still be under way; this one waits for Meta's answer.
  await api(adminToken, 'POST', '/templates/sync');
});
after(async () => { await browser?.close(); });

async function openTicket(page, ticket, name) {
  await waitLive(page);
  await page.goto(`${page.url().split('#')[0]}#ticket=${ticket.id}`);
  await page.locator('#conv-title', { hasText: name }).waitFor();
}

test('a closed window offers the picker; a filled template is sent and shown', async () => {
  // A fixed number and the server's fixed clock (browser.rs) keep the screenshot stable.
  const from = '34611223344';
  const name = 'Marta Closed';
  const status = await webhook(inboundMessage({
    from, name, ts: serverNow() - 25 * 3600_000,
    message: { type: 'text', text: { body: 'Where is my parcel?' } },
  }));
  assert.equal(status, 200);
  const ticket = await ticketFor(adminToken, from);
  assert.equal(ticket.window_open, false);

  const { page, context, errors } = await newPage(browser);
  try {
    await useServerClock(page);
    await signIn(page, AGENT);
    await openTicket(page, ticket, name);
    const picker = page.locator('.template-picker');
    await picker.waitFor();
    assert.equal(await page.locator('.composer-editor').isVisible(), false, 'no free-form box');
    await page.locator('.window-banner', { hasText: '24-hour window closed' }).waitFor();
    // Agents get what can be sent, without statuses, and cannot dismiss it here.
    assert.equal(await picker.locator('.tpl-status').count(), 0);
    assert.equal(await picker.getByRole('button', { name: 'Close templates' }).isVisible(), false);
    const options = picker.getByRole('option');
    await eventually(async () => assert.equal(await options.count(), 5));

    // Search, then pick from the keyboard.
    const search = page.locator('#template-search');
    await search.fill('order');
    await eventually(async () => assert.equal(await options.count(), 2));
    await search.press('ArrowDown');
    await search.press('ArrowUp');
    await search.press('Enter');
    const detail = page.locator('.template-detail');
    await detail.locator('strong', { hasText: 'order_update' }).waitFor();
    assert.match(await detail.innerText(), /en_US · utility/);

    // Meta's examples are placeholders; nothing is prefilled.
    const first = page.locator('#tpl-param-body-1');
    assert.equal(await first.getAttribute('placeholder'), 'e.g. Ana');
    assert.equal(await first.inputValue(), '');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tpl-param-body-1', 'focus on the first field');
    await first.fill('Marta');
    await page.locator('#tpl-param-body-2').fill('20417');
    await page.locator('#tpl-param-body-3').fill('Tuesday');
    await page.locator('#tpl-param-button-0').fill('20417');
    await eventually(async () => assert.equal(
      await page.locator('.template-preview .tpl-body').innerText(),
      'Hi Marta, your order 20417 has shipped and should arrive by Tuesday.',
    ));
    await screenshot(page, 'templates');
    await page.locator('#tpl-param-button-0').press('Enter');

    const bubble = page.locator('.timeline .msg-out', { hasText: 'Hi Marta, your order 20417 has shipped' });
    await bubble.waitFor();
    // The fake Graph API checks a template send as Meta does; delivered (or read) means it took it.
    const sent = await eventually(async () => {
      const { items } = await api(adminToken, 'GET', `/tickets/${ticket.id}/messages`);
      const m = items.find((x) => x.type === 'template');
      assert.ok(m && ['delivered', 'read'].includes(m.status), `delivered: ${JSON.stringify(m)}`);
      return m;
    });
    assert.deepEqual(sent.content.components, [
      { type: 'body', parameters: [
        { type: 'text', text: 'Marta' }, { type: 'text', text: '20417' }, { type: 'text', text: 'Tuesday' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '20417' }] },
    ]);
    // Back to the list for the next one, still offered while the window is closed.
    await search.waitFor();
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

test('admins see every status; unapproved templates cannot be picked', async () => {
  const from = newPhone();
  const name = 'Olu Statuses';
  await webhook(inboundMessage({
    from, name, ts: serverNow() - 30 * 3600_000,
    message: { type: 'text', text: { body: 'Hello?' } },
  }));
  const ticket = await ticketFor(adminToken, from);
  const { page, context, errors } = await newPage(browser);
  try {
    await useServerClock(page);
    await signIn(page, ADMIN);
    await openTicket(page, ticket, name);
    const paused = page.locator('.template-option', { hasText: 'winter_clearance' });
    await paused.waitFor();
    assert.equal(await paused.getAttribute('aria-disabled'), 'true');
    assert.equal(await paused.locator('.tpl-status').innerText(), 'paused');
    assert.equal(await page.locator('.template-option', { hasText: 'refund_processed' }).locator('.tpl-status').innerText(), 'rejected');
    // aria-disabled keeps Playwright from clicking; a mouse still can.
    await paused.click({ force: true });
    assert.equal(await page.locator('.template-detail').isVisible(), false, 'nothing opened');
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

test('with the window open the picker comes on demand and goes with Escape', async () => {
  const from = newPhone();
  const name = 'Nadia Open';
  await customerText({ from, name, text: 'Hi there' });
  const ticket = await ticketFor(adminToken, from);
  const { page, context, errors } = await newPage(browser, { viewport: { width: 390, height: 844 } });
  try {
    // The page checks the window against its own clock: put it on the server's.
    await useServerClock(page);
    await signIn(page, AGENT);
    await openTicket(page, ticket, name);
    await page.locator('#composer-input').waitFor();
    assert.equal(await page.locator('.template-picker').isVisible(), false);
    await page.getByRole('button', { name: 'Template', exact: true }).click();
    await page.locator('.template-picker').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'template-search');
    await page.locator('#template-search').fill('hello_world');
    await page.getByRole('option', { name: /hello_world/ }).waitFor();
    await page.locator('#template-search').press('Enter');
    await page.locator('.template-detail', { hasText: 'This template has no parameters.' }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#template-search').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('.template-picker').waitFor({ state: 'hidden' });
    await page.locator('#composer-input').waitFor();
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

test('Settings → Templates lists every status and syncs now', async () => {
  const { page, context, errors } = await newPage(browser);
  try {
    await useServerClock(page);
    await signIn(page, ADMIN);
    await waitLive(page);
    await page.goto(`${page.url().split('#')[0]}#settings/templates`);
    await page.getByRole('heading', { name: 'Templates', level: 2 }).waitFor();
    assert.equal(await page.locator('#tpl-configured').innerText(), 'Configured');
    const paused = page.locator('.tpl-table tr[data-template="winter_clearance/en_US"] .tpl-status');
    await paused.waitFor();
    assert.equal(await paused.innerText(), 'paused');
    assert.equal(await page.locator('.tpl-table tr[data-template^="refund_processed/"] .tpl-status').first().innerText(), 'rejected');
    await page.getByRole('button', { name: 'Sync now' }).click();
    const result = page.locator('#tpl-sync-result');
    await eventually(async () => assert.match(await result.innerText(), /^Synced \d+ templates: \d+ added, \d+ updated, \d+ removed, \d+ unchanged\.$/));
    assert.equal(await result.getAttribute('data-ok'), 'true');
    assert.match(await page.locator('#tpl-last-result').innerText(), /added, .* unchanged/);
    assert.notEqual(await page.locator('#tpl-last-sync').innerText(), 'never');
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

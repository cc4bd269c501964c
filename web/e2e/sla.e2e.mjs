// The SLA badge counts down on the page's own clock: the server sends the
// deadlines once, the web compares them with Date.now() (util/sla.js,
// views/sla-badge.js). Playwright's page.clock moves that clock; the server's
// stays real, so nothing but the page's arithmetic can change the colour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, ticketRow, customerText, newPhone, login, api, ticketFor,
  eventually, assertNoErrors, useServerClock,
} from './lib.mjs';

const MIN = 60_000;
// Short targets for every priority, warning at half time: warn 2 min, due 4 min.
const TARGET = { first_response: '4m', resolution: '1h', escalate_after: '30m' };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the SLA badge goes ok → warning (amber) → breached (red) as the clock moves', async () => {
  const admin = await login();
  await api(admin, 'PUT', '/admin/desk', {
    sla: {
      warn_at_percent: 50,
      targets: { urgent: TARGET, high: TARGET, medium: TARGET, low: TARGET },
    },
  });

  const { context, page, errors } = await newPage(browser);
  try {
    await useServerClock(page); // real time here, but a clock Playwright can move
    await signIn(page);
    await waitLive(page);

    const from = newPhone();
    await customerText({ from, name: 'Sofia Clock', text: 'Hello, can someone help me with my order?' });
    // The ticket exists once the message is stored; its SLA is planned when routing has run.
    const ticket = await eventually(async () => {
      const t = await api(admin, 'GET', `/tickets/${(await ticketFor(admin, from)).id}`);
      assert.ok(t.sla.first_response_due_at, 'routed, SLA planned');
      return t;
    });
    assert.equal(ticket.sla.first_response_due_at - ticket.created_at, 4 * MIN, 'the short policy applies');
    assert.equal(ticket.sla.first_response_warn_at - ticket.created_at, 2 * MIN);

    const row = ticketRow(page, 'Sofia Clock');
    const badge = row.locator('.badge.sla');
    await badge.waitFor();
    const state = () => badge.getAttribute('data-state');
    const colour = () => badge.evaluate((el) => getComputedStyle(el).backgroundColor);
    const text = () => badge.locator('span[aria-hidden="true"]').innerText();
    // Open it, so the conversation header's SLA line is checked too.
    await row.click();
    const line = page.locator('.conv-meta .sla-line');
    await line.waitFor();

    await eventually(async () => assert.equal(await state(), 'ok'));
    assert.match(await text(), /^[34]m$/, 'about four minutes left');
    assert.match(await line.innerText(), /First response due in [34]m/);
    const ok = await colour();

    // Past the warning threshold (2 min), before the deadline.
    await page.clock.fastForward(2.5 * MIN);
    await eventually(async () => assert.equal(await state(), 'warning'));
    await eventually(async () => assert.equal(await line.getAttribute('data-state'), 'warning'));
    assert.match(await text(), /^1m$/);
    const warning = await colour();

    // Past the deadline.
    await page.clock.fastForward(2 * MIN);
    await eventually(async () => assert.equal(await state(), 'breached'));
    await eventually(async () => assert.equal(await line.getAttribute('data-state'), 'breached'));
    assert.match(await text(), /^⚠ -\d+s$/);
    assert.match(await line.innerText(), /First response breached \d+s ago/);
    const breached = await colour();

    assert.notEqual(ok, warning, 'warning changes the colour');
    assert.notEqual(warning, breached, 'breaching changes the colour');
    assert.notEqual(ok, breached);
    const [wr, wg, wb] = rgb(warning);
    assert.ok(wr > 200 && wg > 150 && wb < 170, `warning is amber: ${warning}`);
    const [br, bg, bb] = rgb(breached);
    assert.ok(br > 150 && bg < 80 && bb < 80, `breached is red: ${breached}`);
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

function rgb(css) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  assert.ok(m, `a colour: ${css}`);
  return m.slice(1, 4).map(Number);
}

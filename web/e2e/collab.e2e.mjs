// Two agents on one conversation, in two browser contexts (two sessions):
// each sees the other viewing and typing, the duplicate-reply guard holds
// the second answer, canned responses come in with "/", and a note's
// @mention reaches the mentioned agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, ticketRow, customerText, newPhone, eventually, assertNoErrors,
  api, login, ticketFor, screenshot, useServerClock, ADMIN, AGENT,
} from './lib.mjs';

let browser;
let adminToken;
before(async () => {
  browser = await launch();
  adminToken = await login(ADMIN);
});
after(async () => { await browser?.close(); });

/** Ada (admin) and Alan (agent), each signed in in their own context, on one customer's ticket. */
async function twoAgentsOn(name, text) {
  const from = newPhone();
  await customerText({ from, name, text });
  const ticket = await ticketFor(adminToken, from);
  const ada = await newPage(browser);
  const alan = await newPage(browser);
  // On the server's (fixed) clock, so the screenshots show the same times every run.
  await useServerClock(ada.page);
  await useServerClock(alan.page);
  await signIn(ada.page, ADMIN);
  await signIn(alan.page, AGENT);
  for (const p of [ada.page, alan.page]) {
    await waitLive(p);
    await p.goto(`${p.url().split('#')[0]}#ticket=${ticket.id}`);
    await p.locator('#conv-title', { hasText: name }).waitFor();
    await p.locator('.timeline .msg-in', { hasText: text }).waitFor();
  }
  return { ticket, ada, alan, from };
}

async function closeAll(...sessions) {
  for (const s of sessions) await s.context.close();
}

test('two agents see each other viewing and typing, live', async () => {
  const { ada, alan } = await twoAgentsOn('Priya Viewing', 'Is the blue jacket back in stock?');
  try {
    const adaSees = ada.page.locator('.conv-presence .presence-chip', { hasText: 'Alan Agent' });
    const alanSees = alan.page.locator('.conv-presence .presence-chip', { hasText: 'Ada Admin' });
    await adaSees.waitFor();
    await alanSees.waitFor();
    assert.match(await adaSees.innerText(), /Alan Agent is viewing/);

    // Alan types; Ada sees it while he does.
    await alan.page.locator('#composer-input').pressSequentially('Let me check the stock', { delay: 20 });
    await ada.page.locator('.presence-chip.is-typing', { hasText: 'Alan Agent is typing a reply' }).waitFor();
    assert.equal(await alan.page.locator('.presence-chip.is-typing').count(), 0, 'Ada is not typing');
    await screenshot(ada.page, 'collision');

    // Alan opens something else: he disappears from Ada's header.
    await alan.page.goto(alan.page.url().split('#')[0]);
    await alan.page.locator('.conv-empty').waitFor();
    await adaSees.waitFor({ state: 'detached' });
    assertNoErrors(ada.errors);
    assertNoErrors(alan.errors);
  } finally {
    await closeAll(ada, alan);
  }
});

test('the second reply to the same message asks before it is sent', async () => {
  const { ticket, ada, alan } = await twoAgentsOn('Omar Twice', 'Can I pay on delivery?');
  try {
    // Ada answers first, from her browser.
    await ada.page.locator('#composer-input').fill('Yes, cash or card on delivery.');
    await ada.page.locator('#composer-input').press('Enter');
    await ada.page.locator('.timeline .msg-out', { hasText: 'cash or card' }).waitFor();

    // Alan had the conversation open before her reply; his answer is held.
    await alan.page.locator('#composer-input').fill('Yes, you can pay on delivery.');
    await alan.page.getByRole('button', { name: 'Send', exact: true }).click();
    const held = alan.page.getByRole('alertdialog');
    await held.waitFor();
    const why = await held.innerText();
    assert.match(why, /Someone else replied first/);
    assert.match(why, /Ada Admin/);
    assert.match(why, /cash or card on delivery/);
    assert.equal(await alan.page.locator('#composer-input').inputValue(), 'Yes, you can pay on delivery.',
      'his text is kept');
    await screenshot(alan.page, 'duplicate-reply-guard');
    const outbound = async () => (await api(adminToken, 'GET', `/tickets/${ticket.id}/messages`))
      .items.filter((m) => m.direction === 'outbound').map((m) => m.text);
    assert.deepEqual(await outbound(), ['Yes, cash or card on delivery.'], 'nothing sent twice');

    // He decides to send it anyway.
    await held.getByRole('button', { name: 'Send mine anyway' }).click();
    await alan.page.locator('.timeline .msg-out', { hasText: 'you can pay on delivery' }).waitFor();
    await eventually(async () => assert.deepEqual(await outbound(),
      ['Yes, cash or card on delivery.', 'Yes, you can pay on delivery.']));
    assert.equal(await held.isVisible(), false);

    // The next reply, having seen everything, goes straight out.
    await alan.page.locator('#composer-input').fill('Anything else?');
    await alan.page.locator('#composer-input').press('Enter');
    await alan.page.locator('.timeline .msg-out', { hasText: 'Anything else?' }).waitFor();
    assert.equal(await alan.page.getByRole('alertdialog').isVisible(), false);
    assertNoErrors(ada.errors);
    assertNoErrors(alan.errors, [/409/]);
  } finally {
    await closeAll(ada, alan);
  }
});

test('a canned response is inserted with "/", filled for the ticket and editable', async () => {
  await api(adminToken, 'POST', '/canned', {
    shortcut: 'eta',
    title: 'Delivery estimate',
    body: 'Hi {{contact.first_name}}, order {{order_number}} arrives in 2 days. {{agent.first_name}}',
  }).catch((e) => { if (e.status !== 409) throw e; });
  const from = newPhone();
  await customerText({ from, name: 'Carla Canned', text: 'When does my order arrive?' });
  const ticket = await ticketFor(adminToken, from);
  const alan = await newPage(browser);
  try {
    await useServerClock(alan.page);
    await signIn(alan.page, AGENT);
    await alan.page.goto(`${alan.page.url().split('#')[0]}#ticket=${ticket.id}`);
    await alan.page.locator('#conv-title', { hasText: 'Carla Canned' }).waitFor();
    const box = alan.page.locator('#composer-input');
    await box.pressSequentially('/et');
    const option = alan.page.locator('#composer-suggest').getByRole('option', { name: /\/eta/ });
    await option.waitFor();
    assert.match(await option.innerText(), /Delivery estimate/);
    await box.press('Enter');
    // Filled: her first name and mine; the order number is left for me, selected.
    await eventually(async () => assert.equal(await box.inputValue(),
      'Hi Carla, order {{order_number}} arrives in 2 days. Alan'));
    const selected = await box.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
    assert.equal(selected, '{{order_number}}');
    await screenshot(alan.page, 'canned-response');
    await box.pressSequentially('10042');
    assert.equal(await box.inputValue(), 'Hi Carla, order 10042 arrives in 2 days. Alan');
    await box.press('Enter');
    await alan.page.locator('.timeline .msg-out', { hasText: 'order 10042 arrives in 2 days' }).waitFor();
    assertNoErrors(alan.errors);
  } finally {
    await alan.context.close();
  }
});

test('a note that mentions an agent notifies them and lands in their mentions view', async () => {
  const from = newPhone();
  await customerText({ from, name: 'Dmitri Mention', text: 'My invoice shows the wrong VAT number.' });
  const ticket = await ticketFor(adminToken, from);
  const ada = await newPage(browser);
  const alan = await newPage(browser);
  try {
    await signIn(alan.page, AGENT);
    await waitLive(alan.page);
    const mentionsView = alan.page.locator('.view-btn', { hasText: 'Mentions' });
    await mentionsView.waitFor();
    assert.equal(await mentionsView.locator('.view-count').innerText(), '0');

    await signIn(ada.page, ADMIN);
    await ada.page.goto(`${ada.page.url().split('#')[0]}#ticket=${ticket.id}`);
    await ada.page.locator('#conv-title', { hasText: 'Dmitri Mention' }).waitFor();
    await ada.page.locator('#tab-note').click();
    const box = ada.page.locator('#composer-input');
    await box.pressSequentially('Billing question, @Ala');
    await ada.page.locator('#composer-suggest').getByRole('option', { name: /Alan Agent/ }).waitFor();
    await box.press('Enter');
    await eventually(async () => assert.equal(await box.inputValue(), 'Billing question, @agent '));
    await box.pressSequentially('can you check the VAT number?');
    await box.press('Enter');
    await ada.page.locator('.timeline .msg-note .mention', { hasText: '@agent' }).waitFor();

    // Alan is told, and the ticket waits in his mentions.
    const toast = alan.page.locator('.toast', { hasText: 'Ada Admin mentioned you' });
    await toast.waitFor();
    assert.match(await toast.innerText(), /VAT number/);
    await eventually(async () => assert.equal(await mentionsView.locator('.view-count').innerText(), '1'));
    await mentionsView.click();
    await alan.page.locator('#list-title', { hasText: 'Mentions' }).waitFor();
    await ticketRow(alan.page, 'Dmitri Mention').click();
    await alan.page.locator('.timeline .msg-note', { hasText: 'can you check the VAT number?' }).waitFor();
    // Opening it reads the mention.
    await eventually(async () => assert.equal(await mentionsView.locator('.view-count').innerText(), '0'));
    assert.equal(await ticketRow(alan.page, 'Dmitri Mention').count(), 1, 'read mentions stay listed');
    assertNoErrors(ada.errors);
    assertNoErrors(alan.errors);
  } finally {
    await closeAll(ada, alan);
  }
});

// The supervisor's floor (drag a conversation to another agent) and the
// admin screens: a routing rule built from menus, tried before saving, then
// saved and applied; a canned response written in settings and used.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, customerText, newPhone, eventually, assertNoErrors,
  api, login, ticketFor, screenshot, useServerClock, BASE, ADMIN, AGENT,
} from './lib.mjs';

let browser;
let adminToken;
let alanId;
before(async () => {
  browser = await launch();
  adminToken = await login(ADMIN);
  const agents = (await api(adminToken, 'GET', '/agents')).items;
  alanId = agents.find((a) => a.email === AGENT.email).id;
  // Alan online, so he can be given tickets.
  const alanToken = await login(AGENT);
  await api(alanToken, 'PUT', '/me/availability', { availability: 'online' });
});
after(async () => { await browser?.close(); });

test('the floor shows conversations by agent, and a drag moves one', async () => {
  const from = newPhone();
  await customerText({ from, name: 'Farah Floor', text: 'Where is my refund?' });
  const ticket = await ticketFor(adminToken, from);
  await api(adminToken, 'PATCH', `/tickets/${ticket.id}`, { assignee_id: null });
  const ada = await newPage(browser);
  try {
    await useServerClock(ada.page); // the same times in the screenshot every run
    await signIn(ada.page, ADMIN);
    await waitLive(ada.page);
    await ada.page.getByRole('link', { name: 'Floor' }).click();
    await ada.page.locator('.screen-floor .screen-title', { hasText: 'Floor' }).waitFor();
    const card = ada.page.locator(`.floor-card[data-ticket="${ticket.id}"]`);
    const unassigned = ada.page.locator('.floor-col[data-agent="none"]');
    const alanCol = ada.page.locator(`.floor-col[data-agent="${alanId}"]`);
    await unassigned.locator(`.floor-card[data-ticket="${ticket.id}"]`).waitFor();
    assert.match(await alanCol.locator('.floor-col-head').innerText(), /Alan Agent/);
    await screenshot(ada.page, 'floor');

    await card.dragTo(alanCol);
    await alanCol.locator(`.floor-card[data-ticket="${ticket.id}"]`).waitFor();
    await eventually(async () => {
      const t = await api(adminToken, 'GET', `/tickets/${ticket.id}`);
      assert.equal(t.assignee?.id, alanId);
    });
    // And back, with the menu instead of the mouse.
    await alanCol.locator(`.floor-card[data-ticket="${ticket.id}"] .floor-move`).selectOption({ label: 'Unassigned' });
    await unassigned.locator(`.floor-card[data-ticket="${ticket.id}"]`).waitFor();
    await eventually(async () => {
      const t = await api(adminToken, 'GET', `/tickets/${ticket.id}`);
      assert.equal(t.assignee, null);
    });
    assertNoErrors(ada.errors);
  } finally {
    await ada.context.close();
  }
});

test('a routing rule built from menus is tried before saving, then routes for real', async () => {
  const ada = await newPage(browser);
  try {
    await signIn(ada.page, ADMIN);
    await ada.page.goto(`${BASE}/#settings/teams`);
    // A team for the rule to send to, with Alan in it.
    await ada.page.getByRole('button', { name: 'Add a team' }).click();
    const card = ada.page.locator('fieldset.settings-card').last();
    await card.getByLabel('Name').fill('Returns');
    await card.getByLabel('Name').press('Tab');
    await ada.page.locator('fieldset[data-team="Returns"]').getByLabel('Alan Agent').check();
    await ada.page.getByRole('button', { name: 'Save', exact: true }).click();
    await ada.page.locator('.toast', { hasText: 'Saved' }).waitFor();

    await ada.page.getByRole('link', { name: 'Routing rules' }).click();
    await ada.page.getByRole('button', { name: 'Add a rule' }).click();
    const rules = ada.page.locator('.rule-card');
    const rule = rules.last();
    const n = await rules.count();
    await rule.getByLabel(`Name of rule ${n}`).fill('Returns desk');
    await rule.getByLabel(`Add a condition to rule ${n}`).selectOption({ label: 'Message mentions any of' });
    const words = rule.getByRole('textbox', { name: /Message mentions any of/ });
    await words.fill('send it back, return');
    await words.press('Tab');
    await rule.getByLabel(`Add an action to rule ${n}`).selectOption({ label: 'Send to team' });
    await rule.getByRole('combobox', { name: /^Send to team/ }).selectOption('Returns');
    // First in the list: drag it above the others.
    if (n > 1) await rule.locator('.rule-grip').dragTo(rules.first());
    await eventually(async () => assert.equal(await rules.first().getByRole('textbox').first().inputValue(), 'Returns desk'));

    // Try it, unsaved.
    await ada.page.locator('#try-text').fill('I want to send it back, it does not fit');
    await ada.page.getByRole('button', { name: 'Try', exact: true }).click();
    await ada.page.locator('.try-result').filter({ hasText: /./ }).waitFor();
    await ada.page.locator('.try-rule', { hasText: 'Returns desk' }).waitFor();
    assert.equal(await ada.page.locator('.try-team').innerText(), 'Returns');
    assert.match(await ada.page.locator('.try-explanation').innerText(), /Returns desk/);
    await screenshot(ada.page, 'routing-rules');
    await ada.page.getByRole('button', { name: 'Save rules' }).click();
    await eventually(async () => {
      const errText = await ada.page.locator('.settings-body .form-error').first().innerText().catch(() => '');
      const { spec } = await api(adminToken, 'GET', '/admin/desk');
      assert.deepEqual(spec.routing?.rules?.map((r) => r.name)?.[0], 'Returns desk', errText);
    });

    // Saved: a real message now goes to Returns.
    const from = newPhone();
    await customerText({ from, name: 'Gus Return', text: 'Can I send it back?' });
    await eventually(async () => {
      const t = await ticketFor(adminToken, from);
      assert.equal(t.team?.name, 'Returns');
    });
    assertNoErrors(ada.errors);
  } finally {
    await ada.context.close();
  }
});

test('invalid settings are refused with the reason, and canned responses are managed here', async () => {
  const ada = await newPage(browser);
  try {
    await signIn(ada.page, ADMIN);
    await ada.page.goto(`${BASE}/#settings/hours`);
    await ada.page.getByLabel('New calendar').fill('office');
    await ada.page.getByRole('button', { name: 'Add', exact: true }).click();
    const office = ada.page.locator('fieldset[data-hours="office"]');
    await office.getByLabel('Timezone').fill('Mars/Olympus');
    await office.getByLabel('Timezone').press('Tab');
    await ada.page.getByRole('button', { name: 'Save', exact: true }).click();
    const err = ada.page.locator('.settings-body .form-error');
    await err.waitFor();
    assert.match(await err.innerText(), /Mars\/Olympus/);
    const desk = await api(adminToken, 'GET', '/admin/desk');
    assert.equal(desk.spec.hours?.office, undefined, 'nothing saved');
    await office.getByLabel('Timezone').fill('Europe/Lisbon');
    await office.getByLabel('Timezone').press('Tab');
    await ada.page.getByRole('button', { name: 'Save', exact: true }).click();
    await ada.page.locator('.toast', { hasText: 'Saved' }).waitFor();
    assert.equal((await api(adminToken, 'GET', '/admin/desk')).spec.hours.office.timezone, 'Europe/Lisbon');

    await ada.page.getByRole('link', { name: 'Canned responses' }).click();
    const form = ada.page.locator('.canned-card[data-canned="new"]');
    await form.getByLabel('Shortcut (after /)').fill('Bad Name');
    await form.getByLabel('Title').fill('Greeting');
    await form.getByLabel('Text', { exact: true }).fill('Hello {{contact.first_name}}!');
    await form.getByRole('button', { name: 'Add' }).click();
    await form.locator('.form-error', { hasText: 'shortcut' }).waitFor();
    await form.getByLabel('Shortcut (after /)').fill('hello');
    await form.getByRole('button', { name: 'Add' }).click();
    await ada.page.locator('.canned-card[data-canned="hello"]').waitFor();
    const list = (await api(adminToken, 'GET', '/canned')).items.map((c) => c.shortcut);
    assert.ok(list.includes('hello'));
    assertNoErrors(ada.errors, [/422/, /400/]);
  } finally {
    await ada.context.close();
  }
});

// Settings → Knowledge base and Settings → CSAT survey, as an admin uses
// them. This file's server has a copy of examples/kb as its knowledge base
// (browser.rs, BOT_FILES): an intent is tried, created, refused when wrong,
// refused when the files changed meanwhile, and answered by the bot; the
// survey's texts and delay are changed with a live preview.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, eventually, assertNoErrors, api, login, screenshot,
  useServerClock, audit, BASE, ADMIN,
} from './lib.mjs';

let browser;
let admin;
before(async () => {
  browser = await launch();
  admin = await login(ADMIN);
});
after(async () => { await browser?.close(); });

async function openSection(page, section) {
  await page.goto(`${BASE}/#settings/${section}`);
  await page.locator(`.settings-link[href="#settings/${section}"][aria-current="page"]`).waitFor();
}

test('the knowledge base: try a message, add an intent, see errors, and a stale copy is refused', async () => {
  const { page, context, errors } = await newPage(browser);
  try {
    await useServerClock(page);
    await signIn(page, ADMIN);
    await waitLive(page);
    await openSection(page, 'kb');
    await page.locator('.kb-table tr[data-intent="returns_policy"]').waitFor();
    assert.match(await page.locator('.kb-table tr[data-intent="returns_policy"]').innerText(), /returns\.toml:\d+/);

    // Try it: a paraphrase of the returns examples.
    await page.getByLabel('Customer message').fill('this item doesn\'t fit, what are my options?');
    await page.locator('#kb-try').click();
    const verdict = page.locator('.kb-verdict');
    await verdict.waitFor();
    assert.match(await page.locator('.kb-candidates li').first().innerText(), /return|exchange/i);
    await audit(page, 'settings: knowledge base with a tried message');

    // A new intent, with a button that hands off.
    await page.locator('#kb-new').click();
    await page.getByLabel('Name', { exact: true }).fill('gift_cards');
    await page.getByLabel('Example questions, one per line').fill('do you sell gift cards\ngift voucher\ncan I buy a gift card');
    await page.getByLabel('Answer', { exact: true }).fill('Gift cards from 10 to 500 EUR, online and in every store.');
    await page.locator('#kb-add-button').click();
    await page.getByLabel('Button 1 title').fill('Talk to a person');
    await page.getByLabel('Button 1 leads to').selectOption('@person');
    await audit(page, 'settings: knowledge base editor');
    await screenshot(page, 'settings-kb', { mask: [page.locator('#kb-dir')] });
    await page.locator('#kb-save').click();
    await page.locator('.kb-table tr[data-intent="gift_cards"]').waitFor();
    assert.match(await page.locator('.kb-table tr[data-intent="gift_cards"]').innerText(), /settings\.toml:\d+/);
    const doc = await api(admin, 'GET', '/admin/kb');
    const gift = doc.intents.find((i) => i.name === 'gift_cards');
    assert.deepEqual(gift.buttons, [{ title: 'Talk to a person', handoff: true }]);
    assert.equal(gift.file, 'settings.toml');
    // In force at once: the try box finds it.
    await page.getByLabel('Customer message').fill('gift voucher');
    await page.locator('#kb-try').click();
    await eventually(async () => assert.match(await verdict.innerText(), /Answers with gift_cards/));
    assert.match(await page.locator('.kb-preview').first().innerText(), /Gift cards from 10 to 500 EUR/);

    // Wrong: neither an answer nor an action. The server's message names the file and line.
    await page.locator('.kb-table tr[data-intent="gift_cards"] button').click();
    await page.getByLabel('Answer', { exact: true }).fill('');
    await page.locator('#kb-save').click();
    await eventually(async () => assert.match(await page.locator('#kb-error').innerText(), /settings\.toml: line \d+: intent "gift_cards" needs an answer or an action/));
    await audit(page, 'settings: knowledge base editor with an error');

    // Someone edits the files meanwhile: saving the old copy is refused, and Reload shows theirs.
    const fresh = await api(admin, 'GET', '/admin/kb');
    await api(admin, 'PUT', '/admin/kb/intents/gift_cards', {
      etag: fresh.etag,
      intent: { ...gift, answer: 'Gift cards: 10 to 500 EUR.', file: undefined, line: undefined },
    });
    await page.getByLabel('Answer', { exact: true }).fill('Gift cards from 5 EUR.');
    await page.locator('#kb-save').click();
    await eventually(async () => assert.match(await page.locator('#kb-error').innerText(), /changed since you opened them/));
    await page.getByRole('button', { name: 'Reload the knowledge base' }).click();
    await page.locator('.kb-table tr[data-intent="gift_cards"]').waitFor();
    assert.match(await page.locator('.kb-table tr[data-intent="gift_cards"]').innerText(), /Gift cards: 10 to 500 EUR\./);

    // Delete it again.
    page.once('dialog', (d) => d.accept());
    await page.locator('.kb-table tr[data-intent="gift_cards"] button').click();
    await page.locator('#kb-delete').click();
    await eventually(async () => assert.equal(await page.locator('.kb-table tr[data-intent="gift_cards"]').count(), 0));
    assertNoErrors(errors, [/409|422/]);
  } finally {
    await context.close();
  }
});

test('the CSAT survey: texts and delay with a preview, checked before saving', async () => {
  const { page, context, errors } = await newPage(browser);
  try {
    await useServerClock(page);
    await signIn(page, ADMIN);
    await waitLive(page);
    await openSection(page, 'csat');
    await page.locator('#csat-delay').waitFor();
    assert.equal(await page.locator('#csat-delay').inputValue(), '10m');
    assert.match(await page.locator('#csat-source').innerText(), /defaults/);

    await page.getByLabel('Delay after resolution').fill('5m');
    await page.getByLabel('Question').fill('How did we do today?');
    await page.getByLabel('Label for 5 stars').fill('Loved it');
    assert.match(await page.locator('.csat-preview').innerText(), /How did we do today\?[\s\S]*⭐⭐⭐⭐⭐ Loved it/);
    await audit(page, 'settings: csat');
    await screenshot(page, 'settings-csat');

    // The server's checks: a duration it cannot read.
    await page.getByLabel('Delay after resolution').fill('soon');
    await page.locator('#csat-save').click();
    await eventually(async () => assert.match(await page.locator('#csat-error').innerText(), /delay/));
    await page.getByLabel('Delay after resolution').fill('5m');
    await page.locator('#csat-save').click();
    await eventually(async () => {
      const s = await api(admin, 'GET', '/admin/csat');
      assert.equal(s.source, 'database');
      assert.equal(s.settings.delay, '5m');
      assert.equal(s.settings.question, 'How did we do today?');
      assert.equal(s.settings.labels[4], 'Loved it');
    });
    await eventually(async () => assert.match(await page.locator('#csat-source').innerText(), /Saved on this screen/));
    assertNoErrors(errors, [/422/]);
  } finally {
    await context.close();
  }
});

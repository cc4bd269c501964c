// Signing in, and customer messages arriving live in an open inbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, ticketRow, customerText, newPhone, eventually, assertNoErrors,
  BASE, ADMIN,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the login form refuses a wrong password and opens the inbox with the right one', async () => {
  const { context, page, errors } = await newPage(browser);
  try {
    await page.goto(`${BASE}/`);
    await page.locator('#login-email').fill(ADMIN.email);
    await page.locator('#login-password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.getByRole('alert');
    await error.waitFor();
    assert.match(await error.innerText(), /password/i);
    assert.equal(await page.locator('header.topbar').count(), 0, 'no inbox after a wrong password');
    // The button is usable again and the password selected for retyping.
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).isEnabled(), true);

    await page.locator('#login-password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('header.topbar').waitFor();
    await page.locator('.who', { hasText: 'Ada Admin (admin)' }).waitFor();
    await page.locator('#list-title', { hasText: 'All open' }).waitFor();
    assert.equal(await page.locator('.login-card').count(), 0, 'the login form is gone');
    await waitLive(page);

    // The session survives a reload (token in localStorage).
    await page.reload();
    await page.locator('.who', { hasText: 'Ada Admin' }).waitFor();
    assert.equal(await page.locator('.login-card').count(), 0);

    // Signing out goes back to the form.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#login-email').waitFor();
    assertNoErrors(errors, [/401/]);
  } finally {
    await context.close();
  }
});

test('customer messages appear live in the list and in the open conversation', async () => {
  const { context, page, errors } = await newPage(browser);
  try {
    await signIn(page);
    await waitLive(page);
    // Marks this document: if anything reloaded the page, the mark is gone.
    await page.evaluate(() => { window.__e2eNoReload = true; });

    const from = newPhone();
    await customerText({ from, name: 'Bruno Live', text: 'Hi, is my order 10042 on its way?' });
    const row = ticketRow(page, 'Bruno Live');
    await row.waitFor();
    assert.match(await row.locator('.row-preview').innerText(), /order 10042/);

    await row.click();
    await page.locator('#conv-title', { hasText: 'Bruno Live' }).waitFor();
    const timeline = page.locator('.timeline');
    await timeline.locator('.msg-in', { hasText: 'Hi, is my order 10042 on its way?' }).waitFor();
    await page.locator('.contact-pane .contact-name', { hasText: 'Bruno Live' }).waitFor();

    await customerText({ from, name: 'Bruno Live', text: 'It was due yesterday.' });
    await timeline.locator('.msg-in', { hasText: 'It was due yesterday.' }).waitFor();
    // Still one ticket for Bruno (same conversation), now showing the new message.
    await eventually(async () => {
      assert.equal(await ticketRow(page, 'Bruno Live').count(), 1);
      assert.match(await row.locator('.row-preview').innerText(), /due yesterday/);
    });
    assert.equal(await timeline.locator('.msg-in').count(), 2);
    assert.equal(await page.evaluate(() => window.__e2eNoReload), true, 'no page reload');
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

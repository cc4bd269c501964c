// Screenshots of the main screens, saved as PNG into PARLEY_SCREENSHOTS
// (docs/screenshots/ in the repo, named in the README). This file's server
// clock starts at a fixed instant (browser.rs) and the page runs on the same
// clock, with fixed customers, so the pictures only change when the UI does. Each step
// also checks the screen is really there before taking it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, ticketRow, customerText, login, api, ticketFor, screenshot,
  eventually, assertNoErrors, useServerClock, BASE, CLOCK_OFFSET, ADMIN, AGENT, SCREENSHOTS,
} from './lib.mjs';

const CUSTOMERS = [
  { from: '4915112345678', name: 'Jonas Weber', text: 'Do you ship to Austria? And how long does it take?' },
  { from: '393471234567', name: 'Giulia Rossi', text: 'I was charged twice on my invoice 2291, I need a refund please' },
  { from: '447700900123', name: 'Liam O’Brien', text: 'The zipper on my jacket broke after one week' },
  { from: '34612345678', name: 'Ana López', text: 'Hi! Where is my order 10042? It was supposed to arrive on Friday.' },
];

let browser;
let admin;
before(async () => {
  assert.ok(CLOCK_OFFSET != null, 'screens run on a shifted clock (PARLEY_CLOCK_OFFSET_MS)');
  assert.ok(SCREENSHOTS, 'PARLEY_SCREENSHOTS names the folder');
  browser = await launch();
  admin = await login(ADMIN);
  // Two teams, billing questions to Billing; Alan online so tickets are assigned.
  await api(admin, 'PUT', '/admin/desk', {
    teams: [
      { name: 'Support', members: [ADMIN.email, AGENT.email], lead: ADMIN.email },
      { name: 'Billing', members: [AGENT.email], lead: ADMIN.email },
    ],
    routing: {
      issue_types: { billing: ['invoice', 'charged twice', 'refund'] },
      rules: [{ name: 'Billing questions', when: { issue_type: ['billing'] }, then: { team: 'Billing', labels: ['billing'] } }],
      fallback: { team: 'Support', strategy: 'load_balanced' },
    },
  });
  const agent = await login(AGENT);
  await api(agent, 'PUT', '/me/availability', { availability: 'online' });
  for (const c of CUSTOMERS) {
    await customerText(c);
    await ticketFor(admin, c.from); // one at a time: ticket ids in this order
  }
});
after(async () => { await browser?.close(); });

async function clockedPage(opts) {
  const p = await newPage(browser, opts);
  await useServerClock(p.page);
  return p;
}

test('screenshots: sign-in, inbox with conversation and contact, search, shortcuts, transfer', async () => {
  const { context, page, errors } = await clockedPage();
  try {
    await page.goto(`${BASE}/`);
    await page.locator('.login-card').waitFor();
    await page.locator('#login-email').fill(ADMIN.email);
    await page.locator('#login-password').fill(ADMIN.password);
    await page.locator('#login-password').blur();
    await screenshot(page, 'login');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('header.topbar').waitFor();
    await waitLive(page);
    for (const c of CUSTOMERS) await ticketRow(page, c.name).waitFor();

    // Ana's conversation: a reply from the composer, delivered; an internal note.
    await ticketRow(page, 'Ana López').click();
    await page.locator('#conv-title', { hasText: 'Ana López' }).waitFor();
    await page.locator('#composer-input').fill('Hi Ana, sorry about that! Order 10042 left our warehouse on Thursday; DHL says it arrives tomorrow.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const reply = page.locator('.timeline .msg-out', { hasText: 'arrives tomorrow' });
    await reply.locator('.ticks.tick-delivered, .ticks.tick-read').waitFor();
    await page.locator('#tab-note').click();
    await page.locator('#composer-input').fill('Tracking JD014600003828 shows it stuck in Leipzig since Friday; chase DHL if it is not there tomorrow.');
    await page.locator('#composer-input').press('Enter');
    await page.locator('.timeline .msg-note', { hasText: 'stuck in Leipzig' }).waitFor();
    // The status change the reply caused, from the refetched audit trail.
    await page.locator('.timeline .timeline-system', { hasText: 'In progress (agent replied)' }).waitFor();
    await page.locator('#tab-reply').click();
    await page.locator('.contact-pane #contact-name').waitFor();
    await page.locator('.contact-pane .contact-name', { hasText: 'Ana López' }).waitFor();
    await page.locator('#composer-input').blur();
    // Oldest first: the customer, the reply, the note.
    assert.deepEqual(
      await page.locator('.timeline .msg .msg-text').allInnerTexts(),
      [CUSTOMERS[3].text, 'Hi Ana, sorry about that! Order 10042 left our warehouse on Thursday; DHL says it arrives tomorrow.',
        'Tracking JD014600003828 shows it stuck in Leipzig since Friday; chase DHL if it is not there tomorrow.'],
    );
    await screenshot(page, 'inbox');

    // Search: results while typing, the matched word marked.
    await page.locator('#search-input').fill('refund');
    const hit = page.locator('#search-results .search-hit', { hasText: 'Giulia Rossi' });
    await hit.waitFor();
    await hit.locator('mark', { hasText: 'refund' }).waitFor();
    await screenshot(page, 'search');
    await hit.click();
    await page.locator('#conv-title', { hasText: 'Giulia Rossi' }).waitFor();
    await page.locator('#search-results').waitFor({ state: 'hidden' });

    // Transfer dialog on Giulia's (billing) ticket.
    await page.locator('#transfer-btn').click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    await screenshot(page, 'transfer');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' }); // closed: no longer [open]

    // Keyboard shortcuts.
    await page.locator('.timeline-scroll').focus();
    await page.keyboard.press('?');
    const help = page.locator('dialog[open]', { hasText: 'Next conversation' });
    await help.waitFor();
    await screenshot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

test('screenshots: the inbox on a phone (list, then a conversation)', async () => {
  const { context, page, errors } = await clockedPage({ viewport: { width: 390, height: 844 } });
  try {
    await signIn(page, ADMIN);
    await waitLive(page);
    await ticketRow(page, 'Ana López').waitFor();
    await screenshot(page, 'phone-list');
    await ticketRow(page, 'Ana López').click();
    await page.locator('.timeline .msg-out', { hasText: 'arrives tomorrow' }).waitFor();
    await page.getByRole('button', { name: 'Back to the list' }).waitFor();
    await screenshot(page, 'phone-conversation');
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

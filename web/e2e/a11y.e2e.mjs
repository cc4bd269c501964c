// Accessibility: every main screen audited with axe-core (WCAG 2.1 A and AA
// rules: names and labels, contrast, landmarks, ARIA use), plus the parts
// an audit cannot judge: the inbox worked with the keyboard alone, and a
// visible focus ring wherever focus lands. The server starts over the
// seeded day of history (browser.rs, like reports.e2e.mjs) so the lists,
// the floor and the reports have content to audit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, signIn, waitLive, ticketRow, customerText, login, api, ticketFor,
  assertNoErrors, useServerClock, newPhone, webhook, inboundMessage, audit, BASE, ADMIN, AGENT,
} from './lib.mjs';

let browser;
const ana = { from: newPhone(), name: 'Ana López', text: 'Hi! Where is my order 10042? It was supposed to arrive on Friday.' };
before(async () => {
  browser = await launch();
  const admin = await login(ADMIN);
  const agent = await login(AGENT);
  await api(agent, 'PUT', '/me/availability', { availability: 'online' });
  // Something on every settings screen: teams on calendars, SLA overrides, rules, a canned response.
  await api(admin, 'PUT', '/admin/desk', {
    hours: { office: { timezone: 'Europe/Berlin', mon: ['09:00-18:00'], tue: ['09:00-18:00'], fri: ['09:00-17:00'], holidays: ['2026-12-24'] } },
    teams: [
      { name: 'Support', members: [ADMIN.email, AGENT.email], lead: ADMIN.email, escalates_to: 'Billing' },
      { name: 'Billing', members: [AGENT.email], lead: ADMIN.email, hours: 'office' },
    ],
    sla: { business_hours_only: true, pause_when_pending: true, warn_at_percent: 75, segments: { vip: { targets: { urgent: { first_response: '2m', resolution: '30m', escalate_after: '5m' } } } } },
    routing: {
      issue_types: { billing: ['invoice', 'charged twice', 'refund'] },
      rules: [
        { name: 'Billing questions', when: { issue_type: ['billing'] }, then: { team: 'Billing', labels: ['billing'] } },
        { name: 'VIP customers', when: { vip: true }, then: { team: 'Support', priority: 'high' } },
      ],
      fallback: { team: 'Support', strategy: 'load_balanced' },
    },
  });
  await api(admin, 'POST', '/canned', { shortcut: 'thanks', title: 'Thanks for waiting', body: 'Thanks for waiting, {{contact.first_name}}!' });
  await customerText(ana);
  const t = await ticketFor(admin, ana.from);
  // Message types with their own rendering: a location and a shared contact.
  for (const message of [
    { type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Parley Store Mitte', address: 'Alexanderplatz 1, Berlin' } },
    { type: 'contacts', contacts: [{ name: { formatted_name: 'Ben Becker', first_name: 'Ben' }, phones: [{ phone: '+49 30 1234567', type: 'CELL', wa_id: '49301234567' }] }] },
  ]) {
    assert.equal(await webhook(inboundMessage({ from: ana.from, name: ana.name, message })), 200);
  }
  await api(admin, 'POST', `/tickets/${t.id}/notes`, { text: 'Tracking shows it stuck in Leipzig.' });
});
after(async () => { await browser?.close(); });

async function page(opts) {
  const p = await newPage(browser, opts);
  await useServerClock(p.page);
  return p;
}

test('every main screen passes the WCAG 2.1 AA audit', async () => {
  const { context, page: p, errors } = await page();
  try {
    await p.goto(`${BASE}/`);
    await p.locator('.login-card').waitFor();
    await audit(p, 'sign-in');
    // A failed sign-in shows its error; that state is audited too.
    await p.locator('#login-email').fill(ADMIN.email);
    await p.locator('#login-password').fill('wrong password');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('.login-card [role="alert"]').waitFor();
    await audit(p, 'sign-in with an error');

    await signIn(p, ADMIN);
    await waitLive(p);
    await ticketRow(p, ana.name).waitFor();
    await audit(p, 'inbox list');
    await ticketRow(p, ana.name).click();
    await p.locator('.timeline .msg-note', { hasText: 'Leipzig' }).waitFor();
    await p.locator('.timeline .msg', { hasText: 'Ben Becker' }).waitFor();
    await p.locator('.contact-pane #contact-name').waitFor();
    await audit(p, 'conversation with contact panel');

    // A note with the @mention list open.
    await p.locator('#tab-note').click();
    await p.locator('#composer-input').fill('@');
    await p.locator('[role="listbox"] [role="option"]').first().waitFor();
    await audit(p, 'note with the mention list');
    await p.locator('#composer-input').fill('');
    await p.locator('#tab-reply').click();

    // The template picker, with a template chosen (its parameter fields and preview).
    await p.getByRole('button', { name: 'Template', exact: true }).click();
    await p.locator('.template-picker').waitFor();
    await p.locator('#template-search').fill('order');
    await p.locator('.template-picker [role="option"]').first().waitFor();
    await p.locator('#template-search').press('Enter');
    await p.locator('.template-detail').waitFor();
    await audit(p, 'template picker');
    await p.keyboard.press('Escape');
    await p.keyboard.press('Escape');
    await p.locator('.template-picker').waitFor({ state: 'hidden' });

    await p.locator('#search-input').fill('order');
    await p.locator('#search-results .search-hit').first().waitFor();
    await audit(p, 'search results');
    await p.keyboard.press('Escape');

    for (const [button, what] of [['#transfer-btn', 'transfer dialog'], ['#escalate-btn', 'escalate dialog']]) {
      await p.locator(button).click();
      await p.locator('dialog[open]').waitFor();
      await audit(p, what);
      await p.keyboard.press('Escape');
      await p.locator('dialog[open]').waitFor({ state: 'detached' });
    }
    await p.locator('.timeline-scroll').focus();
    await p.keyboard.press('?');
    await p.locator('dialog[open]', { hasText: 'Next conversation' }).waitFor();
    await audit(p, 'keyboard shortcuts');
    await p.keyboard.press('Escape');

    await p.getByRole('link', { name: 'Floor' }).click();
    await p.locator('.floor-col').first().waitFor();
    await audit(p, 'floor');

    await p.getByRole('link', { name: 'Reports' }).click();
    await p.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    await p.locator('.qa-table tr[data-metric="csat_score"] .qa-value').waitFor();
    await audit(p, 'reports');
    await p.getByLabel('Group by').selectOption('agent');
    await p.locator('.qa-groups tr[data-group]').first().waitFor();
    await audit(p, 'reports by agent');

    for (const section of ['agents', 'teams', 'hours', 'sla', 'routing', 'canned', 'templates', 'csat']) {
      await p.goto(`${BASE}/#settings/${section}`);
      await p.locator(`.settings-link[href="#settings/${section}"][aria-current="page"]`).waitFor();
      await p.locator('.settings-body :is(table, fieldset, form, ol)').first().waitFor();
      await audit(p, `settings: ${section}`);
    }
    assertNoErrors(errors, [/401/]);
  } finally {
    await context.close();
  }
});

test('the inbox on a phone-sized screen passes the audit', async () => {
  const { context, page: p, errors } = await page({ viewport: { width: 390, height: 844 } });
  try {
    await signIn(p, AGENT);
    await waitLive(p);
    await ticketRow(p, ana.name).waitFor();
    await audit(p, 'phone: list');
    await ticketRow(p, ana.name).click();
    await p.getByRole('button', { name: 'Back to the list' }).waitFor();
    await audit(p, 'phone: conversation');
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

/** What has focus: its id or text, and whether a focus ring is drawn. */
function focused(p) {
  return p.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    return { id: el.id, tag: el.tagName.toLowerCase(), text: (el.getAttribute('aria-label') || el.innerText || '').trim().slice(0, 60), ring };
  });
}

/** Presses Tab until `want(focused)` holds (at most `max` times); every stop must show a focus ring. */
async function tabTo(p, want, max = 60) {
  for (let i = 0; i < max; i += 1) {
    await p.keyboard.press('Tab');
    const f = await focused(p);
    assert.ok(f.ring, `focus on ${f.tag}#${f.id} "${f.text}" has no visible focus ring`);
    if (want(f)) return f;
  }
  throw new Error(`Tab never reached the element wanted (${max} presses)`);
}

test('an agent signs in, opens a conversation and replies with the keyboard alone', async () => {
  const { context, page: p, errors } = await page();
  try {
    await p.goto(`${BASE}/`);
    await p.locator('.login-card').waitFor();
    await p.locator('#login-email:focus').waitFor(); // the form starts in the email field
    await p.keyboard.type(AGENT.email);
    await tabTo(p, (f) => f.id === 'login-password');
    await p.keyboard.type(AGENT.password);
    await p.keyboard.press('Enter');
    await p.locator('header.topbar').waitFor();
    await waitLive(p);
    await ticketRow(p, ana.name).waitFor();

    // Tab reaches the list's rows; Enter opens one.
    await tabTo(p, (f) => f.text.includes(ana.name));
    await p.keyboard.press('Enter');
    await p.locator('#conv-title', { hasText: ana.name }).waitFor();
    // `r` focuses the reply box (the shortcut the help lists); Ctrl+Enter or Enter sends.
    await p.locator('.timeline-scroll').focus();
    await p.keyboard.press('r');
    assert.equal((await focused(p)).id, 'composer-input', 'r puts the cursor in the reply box');
    await p.keyboard.type('Hi Ana, it arrives tomorrow.');
    await p.keyboard.press('Enter');
    await p.locator('.timeline .msg-out', { hasText: 'it arrives tomorrow' }).waitFor();
    // Escape leaves the box; focus stays somewhere visible, not on the body.
    await p.keyboard.press('Escape');
    const after = await focused(p);
    assert.notEqual(after.tag, 'body', 'focus is not lost after leaving the reply box');
    assertNoErrors(errors);
  } finally {
    await context.close();
  }
});

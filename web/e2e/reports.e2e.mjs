// Reports in the browser, over a known day of history: browser.rs seeds
// Monday 2026-03-02 through the store's write paths (harness.rs,
// seed_report_history, where the figures are worked out) and runs the
// server's clock, and this page's, from 14:10 that day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  launch, newPage, signIn, useServerClock, screenshot, assertNoErrors, eventually, BASE, AGENT, api, login,
} from './lib.mjs';

const row = (page, metric) => page.locator(`.qa-table:not(.qa-groups) tr[data-metric="${metric}"]`);

test('reports show the expected figures for seeded data', async () => {
  const browser = await launch();
  try {
    const { page, errors } = await newPage(browser);
    await useServerClock(page);
    await page.goto(`${BASE}/`);
    await signIn(page);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).hash, '#reports');

    // Last 7 days (the default) ends today, the seeded Monday.
    const fr = row(page, 'first_response_sla');
    await fr.locator('.qa-value', { hasText: '60.0%' }).waitFor();
    assert.equal(await fr.locator('.qa-target').innerText(), '≥ 95%');
    assert.equal(await fr.locator('.qa-counted').innerText(), '3 / 5');
    assert.equal(await fr.locator('.verdict').getAttribute('data-rating'), 'red');
    assert.match(await fr.locator('.verdict').innerText(), /Action needed/);
    const expected = {
      csat_score: ['50.0%', '85–92%', 'red', '1 / 2'],
      resolution_sla: ['100.0%', '≥ 90%', 'green', '3 / 3'],
      first_contact_resolution: ['66.7%', '≥ 70%', 'amber', '2 / 3'],
      bot_deflection: ['50.0%', '60–80%', 'amber', '1 / 2'],
      avg_resolution_time: ['1 h 27 min', '≤ 30 min', 'amber', '3 tickets'],
      csat_response_rate: ['50.0%', '≥ 40%', 'green', '2 / 4'],
      first_response_median: ['10 min', 'Not rated', 'none', '4 tickets'],
      first_response_p90: ['2 h', 'Not rated', 'none', '4 tickets'],
    };
    for (const [metric, [value, target, rating, counted]] of Object.entries(expected)) {
      const r = row(page, metric);
      assert.equal(await r.locator('.qa-value').innerText(), value, metric);
      assert.equal(await r.locator('.qa-target').innerText(), target, metric);
      assert.equal(await r.locator('.verdict').getAttribute('data-rating'), rating, metric);
      assert.equal(await r.locator('.qa-counted').innerText(), counted, metric);
    }
    // Monday 09:00 is the busiest hour: three customers wrote.
    await page.locator('.heatmap td[title="Mon 09:00: 3"]').waitFor();
    assert.match(await page.locator('.backlog-total').innerText(), /2 open tickets, 1 past an SLA target/);
    // The chart has a point per day with data (one: the Monday) for each line.
    assert.equal(await page.locator('svg[aria-labelledby^="rep-chart-title"] circle').count(), 3);
    // The backlog over the 7 days, replayed from the audit trail: on the
    // Monday t1-t6 created, t1, t3 (twice, it was reopened) and t2 resolved
    // by people, t5 by the bot, t4 and t6 open at the end.
    const monday = page.locator('table.backlog-series tr[data-label="2026-03-02"] td');
    await monday.first().waitFor({ state: 'attached' });
    assert.deepEqual(await monday.allTextContents(), ['6', '4', '1', '0', '1', '2']);
    assert.equal(await page.locator('table.backlog-series tbody tr').count(), 7);
    assert.match(await page.locator('svg.backlog-chart').getAttribute('aria-label'), /2026-03-02: 6 created, 5 resolved, 2 open at the end/);
    assert.equal(await page.locator('svg.backlog-chart .bday').count(), 7);

    // By agent: Ann and Ben side by side.
    await page.getByLabel('Group by').selectOption('agent');
    const ann = page.locator('.qa-groups tr[data-group="Ann"]');
    await ann.waitFor();
    assert.equal(await ann.locator('td[data-metric="first_response_sla"] .qa-value').innerText(), '66.7%');
    assert.equal(await ann.locator('td[data-metric="first_response_sla"] .qa-counted').innerText(), '2 / 3');
    const ben = page.locator('.qa-groups tr[data-group="Ben"]');
    assert.equal(await ben.locator('td[data-metric="first_response_sla"] .qa-value').innerText(), '50.0%');
    assert.equal(await ben.locator('td[data-metric="first_response_sla"] .verdict').getAttribute('data-rating'), 'red');
    await screenshot(page, 'reports');
    // The same groups as bars, coloured by verdict, with the value written out.
    const frChart = page.locator('.group-chart-fig[data-metric="first_response_sla"]');
    const annBar = frChart.locator('g.gbar[data-group="Ann"]');
    assert.equal(await annBar.getAttribute('data-rating'), 'red');
    assert.equal(await annBar.locator('.bar-value').textContent(), '66.7% ✕');
    assert.equal(await frChart.locator('g.gbar[data-group="Ben"] .bar-value').textContent(), '50.0% ✕');
    assert.deepEqual(await frChart.locator('g.gbar').evaluateAll((gs) => gs.map((g) => g.dataset.group)), ['Ann', 'Ben', 'Unassigned']);
    assert.match(await frChart.locator('svg').getAttribute('aria-label'), /Ann 66\.7% \(Action needed\), Ben 50\.0% \(Action needed\)/);
    assert.equal(await frChart.locator('line.target-line').count(), 1);
    // The day series per group: pick Ann.
    await page.getByLabel('Series for').selectOption({ label: 'Ann' });
    await page.getByRole('heading', { name: /by day: Ann/ }).waitFor();
    assert.match(await page.locator('#rep-chart-desc').textContent(), /First-response SLA: .*2026-03-02 66\.7%/);
    await page.locator('#rep-gcharts-title').scrollIntoViewIfNeeded();
    await screenshot(page, 'reports-groups');

    // Today only, as a custom range reaches the same day.
    await page.getByLabel('Period').selectOption('today');
    await eventually(async () => assert.equal(await page.locator('#rep-from').inputValue(), '2026-03-02'));

    // The CSV, fetched with the bearer token and saved from a Blob.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download CSV/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'parley-quality-2026-03-02-2026-03-02.csv');
    const csv = readFileSync(await download.path(), 'utf8').split('\r\n').filter(Boolean);
    assert.equal(csv[0], 'period_start,period,group_key,group,metric,label,unit,value,numerator,denominator,target,band,rating');
    assert.ok(csv.includes('1772409600000,all,,All,first_response_sla,First-response SLA,percent,60.00,3,5,95.00,action,red'), csv.join('\n'));
    assert.ok(csv.some((l) => /,Ann,first_response_sla,First-response SLA,percent,66\.67,2,3,95\.00,action,red$/.test(l)), csv.join('\n'));
    assert.ok(csv.some((l) => l.startsWith('1772409600000,2026-03-02,,All,csat_score,')), 'a line per day');

    // Back to the inbox, and a deep link still opens it.
    await page.getByRole('link', { name: '← Back to inbox' }).click();
    await page.locator('.layout').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#reports').isHidden(), true);
    assertNoErrors(errors);

    // Agents have no Reports link, and #reports gets the server's refusal.
    const agent = await newPage(browser);
    await agent.page.goto(`${BASE}/`);
    await signIn(agent.page, AGENT);
    assert.equal(await agent.page.getByRole('link', { name: 'Reports' }).count(), 0);
    await agent.page.goto(`${BASE}/#reports`);
    await agent.page.locator('#list-title').waitFor();
    assert.equal(await agent.page.locator('.screen-reports').count(), 0, 'agents stay in the inbox');
    await assert.rejects(api(await login(AGENT), 'GET', '/reports/quality'), /403/);
  } finally {
    await browser.close();
  }
});

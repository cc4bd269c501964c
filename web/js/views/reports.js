// The Reports screen (#reports, supervisors and admins): the quality table
// with each figure's target and a green/amber/red verdict (icon and words,
// never colour alone), the same table per agent/team/priority/label, a
// per-day or per-week chart of CSAT and SLA compliance, the hour × weekday
// volume heatmap, the backlog, and the CSV download. Charts are inline SVG
// drawn here; every figure is also in a table or a text alternative.
import { h, mount, select } from '../util/dom.js';
import { api } from '../api.js';
import { serverNow } from '../store.js';

const VERDICT = {
  on_target: { icon: '✓', text: 'On target' },
  below_target: { icon: '▲', text: 'Below target' },
  warning: { icon: '!', text: 'Warning' },
  action: { icon: '✕', text: 'Action needed' },
};
const PRESETS = [
  { value: 'today', label: 'Today', days: 1 },
  { value: '7', label: 'Last 7 days', days: 7 },
  { value: '30', label: 'Last 30 days', days: 30 },
  { value: 'custom', label: 'Custom range' },
];
const GROUPS = [
  { value: 'none', label: 'Whole desk' },
  { value: 'agent', label: 'Agent' },
  { value: 'team', label: 'Team' },
  { value: 'priority', label: 'Priority' },
  { value: 'label', label: 'Label' },
];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const CHART = [
  { metric: 'csat_score', label: 'CSAT score', cls: 'c1' },
  { metric: 'first_response_sla', label: 'First-response SLA', cls: 'c2' },
  { metric: 'resolution_sla', label: 'Resolution SLA', cls: 'c3' },
];

// h() makes HTML elements; SVG needs its own namespace.
const svgNS = 'http://www.w3.org/2000/svg';
function el(tag, attrs, ...kids) {
  const node = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const k of kids.flat()) if (k != null) node.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return node;
}

/** YYYY-MM-DD of a time in this browser's calendar. */
function isoDate(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function formatDuration(ms) {
  if (ms == null) return '—';
  const min = Math.round(ms / 60000);
  if (min < 1) return `${Math.round(ms / 1000)} s`;
  if (min < 60) return `${min} min`;
  const hrs = Math.floor(min / 60);
  const rest = min % 60;
  return rest ? `${hrs} h ${rest} min` : `${hrs} h`;
}

export function formatValue(m) {
  if (m.value == null) return '—';
  return m.unit === 'ms' ? formatDuration(m.value) : `${m.value.toFixed(1)}%`;
}

export function formatTarget(m) {
  const t = m.thresholds;
  if (!t) return 'Not rated';
  if (m.unit === 'ms') return `≤ ${formatDuration(t.target)}`;
  return t.target_max != null ? `${t.target}–${t.target_max}%` : `≥ ${t.target}%`;
}

function formatCounted(m) {
  if (m.unit === 'ms') {
    const n = m.denominator;
    return `${n} ticket${n === 1 ? '' : 's'}`;
  }
  return m.numerator == null ? '—' : `${m.numerator} / ${m.denominator}`;
}

function verdict(m) {
  if (!m.band) return h('span.verdict', { dataset: { rating: 'none' } }, m.thresholds ? 'No data' : '—');
  const v = VERDICT[m.band];
  return h('span.verdict', { dataset: { rating: m.rating, band: m.band } },
    h('span.verdict-icon', { 'aria-hidden': 'true' }, v.icon), ` ${v.text}`);
}

function thresholdsText(m) {
  const t = m.thresholds;
  if (!t) return '';
  const f = (x) => (m.unit === 'ms' ? formatDuration(x) : `${x}%`);
  return t.lower_is_better
    ? `Warning above ${f(t.warning)}, action at ${f(t.action)} or more`
    : `Warning below ${f(t.warning)}, action at ${f(t.action)} or less`;
}

export function mountReports(root) {
  const state = {
    preset: '7', from: '', to: '', groupBy: 'none', period: 'day',
    report: null, volume: null, backlog: null, error: null, loading: false, seriesGroup: '__all',
  };
  let seq = 0;

  const status = h('p.reports-status', { role: 'status', 'aria-live': 'polite' });
  const controls = h('form.reports-controls', { 'aria-label': 'Report options', onsubmit: (e) => { e.preventDefault(); load(); } });
  const summary = h('section.reports-card', { 'aria-labelledby': 'rep-qa-title' });
  const groups = h('section.reports-card', { 'aria-labelledby': 'rep-groups-title' });
  const chart = h('section.reports-card', { 'aria-labelledby': 'rep-chart-title' });
  const groupCharts = h('section.reports-card', { 'aria-labelledby': 'rep-gcharts-title' });
  const backlogChart = h('section.reports-card', { 'aria-labelledby': 'rep-bchart-title' });
  const heat = h('section.reports-card', { 'aria-labelledby': 'rep-heat-title' });
  const backlog = h('section.reports-card', { 'aria-labelledby': 'rep-backlog-title' });
  mount(root,
    h('div.reports-head',
      h('h1#reports-title', { tabindex: '-1' }, 'Reports'),
      h('a.btn.btn-small', { href: '#' }, '← Back to inbox')),
    controls, status, summary, groups, groupCharts, chart, heat, backlog, backlogChart);

  function range() {
    if (state.preset === 'custom') return { from: state.from, to: state.to };
    const days = PRESETS.find((p) => p.value === state.preset).days;
    const now = serverNow();
    return { from: isoDate(now - (days - 1) * 86400000), to: isoDate(now) };
  }

  function query(extra = {}) {
    const { from, to } = range();
    return { from, to, group_by: state.groupBy, period: state.period, ...extra };
  }

  // Custom starts from the range on screen, so the dates are never blank.
  function choosePreset(value, from, to) {
    state.preset = value;
    if (value === 'custom') {
      state.from = state.from || from;
      state.to = state.to || to;
    }
    renderControls();
    if (value !== 'custom') load();
    document.getElementById('rep-preset')?.focus();
  }

  function renderControls() {
    const { from, to } = range();
    const custom = state.preset === 'custom';
    mount(controls,
      h('label.field', h('span', 'Period'),
        select({ id: 'rep-preset', onchange: (e) => choosePreset(e.target.value, from, to) }, PRESETS, state.preset)),
      h('label.field', h('span', 'From'),
        h('input#rep-from', { type: 'date', value: from, disabled: !custom, onchange: (e) => { state.from = e.target.value; } })),
      h('label.field', h('span', 'To'),
        h('input#rep-to', { type: 'date', value: to, disabled: !custom, onchange: (e) => { state.to = e.target.value; } })),
      custom ? h('button.btn.btn-small.btn-primary', { type: 'submit' }, 'Show') : null,
      h('label.field', h('span', 'Group by'),
        select({ id: 'rep-group', onchange: (e) => { state.groupBy = e.target.value; load(); } }, GROUPS, state.groupBy)),
      h('label.field', h('span', 'Chart by'),
        select({ id: 'rep-period', onchange: (e) => { state.period = e.target.value; load(); } },
          [{ value: 'day', label: 'Day' }, { value: 'week', label: 'Week' }], state.period)),
      h('button.btn.btn-small#rep-csv', { type: 'button', onclick: downloadCsv }, '⬇ Download CSV'));
  }

  async function downloadCsv() {
    try {
      const res = await api.reportCsv(query());
      const blob = await res.blob();
      const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '')?.[1] || 'parley-quality.csv';
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      status.textContent = `Downloaded ${name}`;
    } catch (err) {
      status.textContent = `Could not download the CSV: ${err.message}`;
    }
  }

  function renderSummary() {
    const r = state.report;
    if (!r) return mount(summary, h('h2#rep-qa-title', 'Quality'));
    const rows = r.total.metrics;
    mount(summary,
      h('h2#rep-qa-title', 'Quality'),
      h('p.reports-note', `${r.group_by === 'none' ? 'Whole desk' : 'Whole desk (groups below)'}, ${isoDate(r.from)} to ${isoDate(r.to - 1)}, ${r.timezone}.`),
      h('div.table-scroll', h('table.qa-table',
        h('thead', h('tr', ['Metric', 'Value', 'Target', 'Status', 'Counted'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', rows.map((m) => h('tr', { dataset: { metric: m.metric } },
          h('th', { scope: 'row', title: (r.definitions.find((d) => d.metric === m.metric) || {}).definition },
            m.label, h('span.qa-def', thresholdsText(m))),
          h('td.qa-value', formatValue(m)),
          h('td.qa-target', formatTarget(m)),
          h('td.qa-status', verdict(m)),
          h('td.qa-counted', formatCounted(m))))))));
  }

  function renderGroups() {
    const r = state.report;
    if (!r || r.group_by === 'none') {
      groups.hidden = true;
      return;
    }
    groups.hidden = false;
    const title = GROUPS.find((g) => g.value === r.group_by).label;
    const metrics = r.total.metrics.filter((m) => m.thresholds);
    mount(groups,
      h('h2#rep-groups-title', `By ${title.toLowerCase()}`),
      r.groups.length === 0 ? h('p.reports-note', 'Nothing in this period.') : h('div.table-scroll', h('table.qa-table.qa-groups',
        h('thead', h('tr', h('th', { scope: 'col' }, title), metrics.map((m) => h('th', { scope: 'col' }, m.label)))),
        h('tbody', r.groups.map((g) => h('tr', { dataset: { group: g.label } },
          h('th', { scope: 'row' }, g.label),
          metrics.map((m0) => {
            const m = g.metrics.find((x) => x.metric === m0.metric);
            return h('td', { dataset: { metric: m.metric } },
              h('span.qa-value', formatValue(m)), ' ', verdict(m),
              h('span.qa-counted', formatCounted(m)));
          })))))));
  }

  function renderChart() {
    const r = state.report;
    const gs = r && r.group_series ? r.group_series : [];
    const picked = gs.find((g) => (g.key ?? '') === state.seriesGroup && state.seriesGroup !== '__all');
    const idx = (metric) => (r ? r.definitions.findIndex((d) => d.metric === metric) : -1);
    // A group's points are compact (values in the order of definitions).
    const series = picked
      ? picked.points.map((p) => ({ label: p.label, metrics: CHART.map((c) => ({ metric: c.metric, value: p.values[idx(c.metric)] })) }))
      : (r ? r.series : []);
    const W = 640; const H = 220; const L = 40; const R = 10; const T = 10; const B = 30;
    const n = series.length;
    const x = (i) => L + (n <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
    const y = (v) => T + (1 - v / 100) * (H - T - B);
    const step = Math.max(1, Math.ceil(n / 8));
    const lines = CHART.map((c) => {
      const pts = series.map((p, i) => {
        const m = p.metrics.find((q) => q.metric === c.metric);
        return m && m.value != null ? [x(i), y(m.value), m.value, p.label] : null;
      });
      const segs = [];
      let cur = [];
      for (const p of pts) {
        if (p) cur.push(p); else if (cur.length) { segs.push(cur); cur = []; }
      }
      if (cur.length) segs.push(cur);
      return el('g', { class: `series ${c.cls}` },
        segs.map((s) => el('polyline', { points: s.map((p) => `${p[0]},${p[1]}`).join(' '), fill: 'none' })),
        pts.filter(Boolean).map((p) => el('circle', { cx: p[0], cy: p[1], r: 3.5 },
          el('title', {}, `${c.label} ${p[3]}: ${p[2].toFixed(1)}%`))));
    });
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': 'rep-chart-title rep-chart-desc' },
      el('desc', { id: 'rep-chart-desc' }, n === 0 ? 'No data.' : CHART.map((c) => `${c.label}: ${series.map((p) => {
        const m = p.metrics.find((q) => q.metric === c.metric);
        return `${p.label} ${m && m.value != null ? `${m.value.toFixed(1)}%` : 'no data'}`;
      }).join(', ')}`).join('. ')),
      [0, 25, 50, 75, 100].map((v) => [
        el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }),
        el('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, `${v}%`)]),
      series.map((p, i) => (i % step === 0
        ? el('text', { x: x(i), y: H - 10, 'text-anchor': 'middle', class: 'axis' }, p.label.slice(5)) : null)).filter(Boolean),
      lines);
    const pickGroup = gs.length ? h('label.field', h('span', 'Series for'),
      select({ id: 'rep-series-group', onchange: (e) => { state.seriesGroup = e.target.value; renderChart(); document.getElementById('rep-series-group')?.focus(); } },
        [{ value: '__all', label: 'Whole desk' }, ...gs.map((g) => ({ value: g.key ?? '', label: g.label }))],
        picked ? (picked.key ?? '') : '__all')) : null;
    mount(chart,
      h('h2#rep-chart-title', `CSAT and SLA compliance by ${state.period}${picked ? `: ${picked.label}` : ''}`),
      pickGroup,
      h('ul.chart-legend', CHART.map((c) => h('li', h('span.swatch', { class: c.cls, 'aria-hidden': 'true' }), c.label))),
      h('div.chart-wrap', svg));
  }

  function renderHeat() {
    const v = state.volume;
    if (!v) return mount(heat, h('h2#rep-heat-title', 'Volume by hour and weekday'));
    const max = Math.max(1, ...v.cells.flat());
    mount(heat,
      h('h2#rep-heat-title', 'Volume by hour and weekday'),
      h('p.reports-note', `${v.total} inbound customer messages, ${v.timezone}.${v.peak ? ` Busiest: ${DAYS[v.peak[0]]} ${String(v.peak[1]).padStart(2, '0')}:00 (${v.peak[2]}).` : ''}`),
      h('div.table-scroll', h('table.heatmap',
        h('caption.sr-only', 'Inbound customer messages per weekday and hour'),
        h('thead', h('tr', h('td'), Array.from({ length: 24 }, (_, i) => h('th', { scope: 'col' }, String(i).padStart(2, '0'))))),
        h('tbody', v.cells.map((row, d) => h('tr',
          h('th', { scope: 'row' }, DAYS[d]),
          row.map((n, hr) => h('td', {
            style: `--level:${(n / max).toFixed(3)}`,
            dataset: { count: n, hot: n / max > 0.55 ? '1' : '0' },
            title: `${DAYS[d]} ${String(hr).padStart(2, '0')}:00: ${n}`,
          }, n ? String(n) : ''))))))));
  }

  function renderBacklog() {
    const b = state.backlog;
    if (!b) return mount(backlog, h('h2#rep-backlog-title', 'Backlog now'));
    const prios = ['urgent', 'high', 'medium', 'low'];
    const statuses = [...new Set(b.by_status_priority.map((c) => c.status))];
    const cell = (s, p) => b.by_status_priority.find((c) => c.status === s && c.priority === p);
    const maxAge = Math.max(1, ...b.by_age.map((a) => a.count));
    mount(backlog,
      h('h2#rep-backlog-title', 'Backlog now'),
      h('p.backlog-total', h('strong', String(b.total)), ` open ticket${b.total === 1 ? '' : 's'}, `,
        h('strong', String(b.breached)), ' past an SLA target'),
      b.total === 0 ? null : h('div.table-scroll', h('table.qa-table.backlog-table',
        h('thead', h('tr', h('th', { scope: 'col' }, 'Status'), prios.map((p) => h('th', { scope: 'col' }, p)))),
        h('tbody', statuses.map((s) => h('tr', h('th', { scope: 'row' }, s.replace('_', ' ')),
          prios.map((p) => { const c = cell(s, p); return h('td', c ? `${c.count}${c.breached ? ` (${c.breached} breached)` : ''}` : ''); })))))),
      h('ul.age-bars', { 'aria-label': 'Open tickets by age' }, b.by_age.map((a) => h('li',
        h('span.age-label', a.age),
        h('span.age-bar', { 'aria-hidden': 'true', style: `--w:${((a.count / maxAge) * 100).toFixed(1)}%` }),
        h('span.age-count', String(a.count))))));
  }

  // Per metric, a bar per group: coloured by verdict (the verdict's icon
  // and the value are written next to each bar too), the target as a
  // dashed line. The table above is the same figures as text.
  function renderGroupCharts() {
    const r = state.report;
    if (!r || r.group_by === 'none' || r.groups.length === 0) { groupCharts.hidden = true; return; }
    groupCharts.hidden = false;
    // A metric no group has a value for (deflection per agent) gets no chart.
    const metrics = r.total.metrics.filter((m) => m.thresholds
      && r.groups.some((g) => g.metrics.find((x) => x.metric === m.metric).value != null));
    const title = GROUPS.find((g) => g.value === r.group_by).label.toLowerCase();
    const charts = metrics.map((m0) => {
      const rows = r.groups.map((g) => ({ g, m: g.metrics.find((x) => x.metric === m0.metric) }));
      const ms = m0.unit === 'ms';
      const max = ms ? Math.max(m0.thresholds.warning * 1.2, ...rows.map((x) => x.m.value || 0)) : 100;
      const W = 520; const L = 150; const R = 130; const BAR = 16; const GAP = 6; const T = 6;
      const Hh = T + rows.length * (BAR + GAP) + 6;
      const x = (v) => L + (Math.min(v, max) / max) * (W - L - R);
      const target = m0.thresholds.target;
      const desc = `${m0.label} by ${title}: ${rows.map(({ g, m }) => `${g.label} ${formatValue(m)}${m.band ? ` (${VERDICT[m.band].text})` : ''}`).join(', ')}. Target ${formatTarget(m0)}.`;
      const svg = el('svg', { viewBox: `0 0 ${W} ${Hh}`, class: 'chart group-chart', role: 'img', 'aria-label': desc },
        rows.map(({ g, m }, i) => {
          const y = T + i * (BAR + GAP);
          return el('g', { class: 'gbar', 'data-group': g.label, 'data-rating': m.rating || 'none' },
            el('text', { x: L - 6, y: y + BAR - 4, 'text-anchor': 'end', class: 'axis' }, g.label.length > 22 ? `${g.label.slice(0, 21)}…` : g.label),
            m.value != null ? el('rect', { x: L, y, width: Math.max(1, x(m.value) - L), height: BAR, class: `bar rating-${m.rating || 'none'}` }) : null,
            el('text', { x: (m.value != null ? x(m.value) : L) + 6, y: y + BAR - 4, class: 'bar-value' },
              `${formatValue(m)}${m.band ? ` ${VERDICT[m.band].icon}` : ''}`));
        }),
        el('line', { x1: x(target), x2: x(target), y1: 2, y2: Hh - 2, class: 'target-line' }),
        el('title', {}, desc));
      return h('figure.group-chart-fig', { dataset: { metric: m0.metric } },
        h('figcaption', `${m0.label} (target ${formatTarget(m0)}, dashed line)`), h('div.chart-wrap', svg));
    });
    mount(groupCharts,
      h('h2#rep-gcharts-title', `Charts by ${title}`),
      h('p.reports-note', 'Each bar is coloured by its verdict, with its value and the verdict icon (✓ on target, ▲ below, ! warning, ✕ action) written beside it; the table above has the same figures.'),
      h('div.group-charts', charts));
  }

  // Created and resolved per day or week as bars, the open backlog at the
  // end of each as a line; the table below the chart has every figure.
  function renderBacklogChart() {
    const b = state.backlog;
    const pts = b && b.series ? b.series : [];
    if (!b) return mount(backlogChart, h('h2#rep-bchart-title', 'Backlog over time'));
    const W = 640; const Hh = 220; const L = 40; const R = 40; const T = 10; const B = 30;
    const n = pts.length;
    const max = Math.max(1, ...pts.map((p) => Math.max(p.created, p.resolved_by_people + p.resolved_by_bot, p.open_at_end)));
    const slot = (W - L - R) / Math.max(1, n);
    const bw = Math.max(2, Math.min(16, slot / 2 - 2));
    const y = (v) => T + (1 - v / max) * (Hh - T - B);
    const step = Math.max(1, Math.ceil(n / 8));
    const cx = (i) => L + slot * i + slot / 2;
    const desc = pts.map((p) => `${p.label}: ${p.created} created, ${p.resolved_by_people + p.resolved_by_bot} resolved, ${p.open_at_end} open at the end`).join('. ');
    const svg = el('svg', { viewBox: `0 0 ${W} ${Hh}`, class: 'chart backlog-chart', role: 'img', 'aria-label': `Backlog over time. ${desc || 'No data.'}` },
      [0, 0.5, 1].map((f) => [
        el('line', { x1: L, x2: W - R, y1: y(max * f), y2: y(max * f), class: 'grid' }),
        el('text', { x: L - 6, y: y(max * f) + 4, 'text-anchor': 'end', class: 'axis' }, String(Math.round(max * f)))]),
      pts.map((p, i) => el('g', { class: 'bday', 'data-label': p.label },
        el('rect', { x: cx(i) - bw - 1, y: y(p.created), width: bw, height: y(0) - y(p.created), class: 'bar created' },
          el('title', {}, `${p.label}: ${p.created} created`)),
        el('rect', { x: cx(i) + 1, y: y(p.resolved_by_people + p.resolved_by_bot), width: bw, height: y(0) - y(p.resolved_by_people + p.resolved_by_bot), class: 'bar resolved' },
          el('title', {}, `${p.label}: ${p.resolved_by_people} resolved by people, ${p.resolved_by_bot} by the bot`)),
        i % step === 0 ? el('text', { x: cx(i), y: Hh - 10, 'text-anchor': 'middle', class: 'axis' }, p.label.slice(5)) : null)),
      n ? el('polyline', { points: pts.map((p, i) => `${cx(i)},${y(p.open_at_end)}`).join(' '), fill: 'none', class: 'backlog-line' }) : null,
      pts.map((p, i) => el('circle', { cx: cx(i), cy: y(p.open_at_end), r: 3, class: 'backlog-dot' })));
    mount(backlogChart,
      h('h2#rep-bchart-title', `Backlog over time, by ${b.period || state.period}`),
      h('p.reports-note', `${b.open_at_start ?? 0} open at the start of the period; replayed from every status change.`),
      h('ul.chart-legend',
        h('li', h('span.swatch.created', { 'aria-hidden': 'true' }), 'Created'),
        h('li', h('span.swatch.resolved', { 'aria-hidden': 'true' }), 'Resolved (people and bot)'),
        h('li', h('span.swatch.backlog', { 'aria-hidden': 'true' }), 'Open at the end')),
      h('div.chart-wrap', svg),
      h('details.backlog-details', h('summary', 'Backlog figures as a table'),
        h('div.table-scroll', h('table.qa-table.backlog-series',
          h('thead', h('tr', ['Day', 'Created', 'Resolved by people', 'Resolved by the bot', 'Closed unresolved', 'Reopened', 'Open at end'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', pts.map((p) => h('tr', { dataset: { label: p.label } },
            h('th', { scope: 'row' }, p.label),
            [p.created, p.resolved_by_people, p.resolved_by_bot, p.closed_unresolved, p.reopened, p.open_at_end].map((v) => h('td', String(v))))))))));
  }

  function renderAll() {
    renderControls();
    renderSummary();
    renderGroups();
    renderGroupCharts();
    renderChart();
    renderHeat();
    renderBacklog();
    renderBacklogChart();
  }

  async function load() {
    const mine = ++seq;
    const { from, to } = range();
    if (!from || !to) { status.textContent = 'Choose a start and an end date.'; return; }
    status.textContent = 'Loading…';
    try {
      const [report, volume, bl] = await Promise.all([
        api.reportQuality(query()),
        api.reportVolume({ from, to }),
        api.reportBacklog({ from, to, period: state.period }),
      ]);
      if (mine !== seq) return;
      Object.assign(state, { report, volume, backlog: bl, error: null });
      status.textContent = '';
      renderAll();
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = `Could not load the reports: ${err.message}`;
    }
  }

  renderAll();
  return { load };
}

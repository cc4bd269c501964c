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
    report: null, volume: null, backlog: null, error: null, loading: false,
  };
  let seq = 0;

  const status = h('p.reports-status', { role: 'status', 'aria-live': 'polite' });
  const controls = h('form.reports-controls', { 'aria-label': 'Report options', onsubmit: (e) => { e.preventDefault(); load(); } });
  const summary = h('section.reports-card', { 'aria-labelledby': 'rep-qa-title' });
  const groups = h('section.reports-card', { 'aria-labelledby': 'rep-groups-title' });
  const chart = h('section.reports-card', { 'aria-labelledby': 'rep-chart-title' });
  const heat = h('section.reports-card', { 'aria-labelledby': 'rep-heat-title' });
  const backlog = h('section.reports-card', { 'aria-labelledby': 'rep-backlog-title' });
  mount(root,
    h('div.reports-head',
      h('h1#reports-title', { tabindex: '-1' }, 'Reports'),
      h('a.btn.btn-small', { href: '#' }, '← Back to inbox')),
    controls, status, summary, groups, chart, heat, backlog);

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
    const series = r ? r.series : [];
    const W = 640; const H = 220; const L = 40; const R = 10; const T = 10; const B = 30;
    const n = series.length;
    const x = (i) => L + (n <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
    const y = (v) => T + (1 - v / 100) * (H - T - B);
    // h() makes HTML elements; SVG needs its own namespace.
    const svgNS = 'http://www.w3.org/2000/svg';
    const el = (tag, attrs, ...kids) => {
      const node = document.createElementNS(svgNS, tag);
      for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
      for (const k of kids.flat()) node.append(k instanceof Node ? k : document.createTextNode(String(k)));
      return node;
    };
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
    mount(chart,
      h('h2#rep-chart-title', `CSAT and SLA compliance by ${state.period}`),
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

  function renderAll() {
    renderControls();
    renderSummary();
    renderGroups();
    renderChart();
    renderHeat();
    renderBacklog();
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
        api.reportBacklog(),
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

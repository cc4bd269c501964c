// Administration without editing files: agents, teams, business hours, SLA
// policies, routing rules (with a "try it" box), canned responses, and (in
// their own modules) templates, the knowledge base and the CSAT survey. The
// desk sections (teams, hours, SLA, routing) edit a copy of the desk
// configuration (GET /admin/desk) and save it whole (PUT /admin/desk): the
// server checks it as a whole and names the part that is wrong, and nothing
// changes until it is right. With a desk file configured the file wins and
// these sections are read-only.
import { h, select } from '../util/dom.js';
import { watch, getState } from '../store.js';
import { api } from '../api.js';
import { loadDirectory, loadCanned } from '../actions.js';
import { notify } from './toast.js';
import { PRIORITIES, priorityLabel } from '../util/format.js';
import { renderTemplatesSection } from './settings-templates.js';
import { renderKbSection } from './settings-kb.js';
import { renderCsatSection } from './settings-csat.js';

const SECTIONS = [
  { id: 'agents', label: 'Agents' },
  { id: 'teams', label: 'Teams' },
  { id: 'hours', label: 'Business hours' },
  { id: 'sla', label: 'SLA policies' },
  { id: 'routing', label: 'Routing rules' },
  { id: 'canned', label: 'Canned responses' },
  { id: 'templates', label: 'Templates' },
  { id: 'kb', label: 'Knowledge base' },
  { id: 'csat', label: 'CSAT survey' },
];
// The sections that edit the desk configuration (the desk file wins over them).
const DESK_SECTIONS = new Set(['teams', 'hours', 'sla', 'routing']);
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const STRATEGIES = ['load_balanced', 'round_robin', 'skill', 'language', 'vip', 'time_based'];

// What a rule may test and do, and how each is edited.
export const CONDITIONS = [
  { key: 'keywords', label: 'Message mentions any of', kind: 'list' },
  { key: 'issue_type', label: 'Issue type is', kind: 'list' },
  { key: 'language', label: 'Language is', kind: 'list' },
  { key: 'vip', label: 'Contact is VIP', kind: 'bool' },
  { key: 'segment', label: 'Contact segment is', kind: 'list' },
  { key: 'labels', label: 'Contact has label', kind: 'list' },
  { key: 'new_contact', label: 'First conversation', kind: 'bool' },
  { key: 'min_priority', label: 'Priority at least', kind: 'priority' },
  { key: 'pattern', label: 'Message matches regex', kind: 'text' },
  { key: 'time', label: 'Local time within (HH:MM-HH:MM)', kind: 'text' },
  { key: 'days', label: 'On days', kind: 'list' },
  { key: 'team_open', label: 'Team is open', kind: 'team' },
  { key: 'team_closed', label: 'Team is closed', kind: 'team' },
  { key: 'agents_available', label: 'Team has an agent free', kind: 'team' },
  { key: 'no_agents_available', label: 'Team has nobody free', kind: 'team' },
  { key: 'phone_number_id', label: 'Arrived on number id', kind: 'list' },
];
export const ACTIONS = [
  { key: 'team', label: 'Send to team', kind: 'team' },
  { key: 'strategy', label: 'Assign by', kind: 'strategy' },
  { key: 'priority', label: 'Raise priority to', kind: 'priority' },
  { key: 'labels', label: 'Add labels', kind: 'list' },
  { key: 'agent', label: 'Straight to agent', kind: 'agent' },
  { key: 'after_hours_team', label: 'After hours, team', kind: 'team' },
  { key: 'issue_type', label: 'Set issue type', kind: 'text' },
  { key: 'auto_reply', label: 'Auto-reply', kind: 'text' },
  { key: 'bot_only', label: 'Leave with the bot', kind: 'bool' },
];

const local = {
  section: 'agents', doc: null, draft: null, error: null, tried: null,
  sample: { text: '', language: '', segment: '', labels: '', vip: false, newContact: false }, // the try-it box
};
let els = null;

export function mountSettings(root) {
  const nav = h('nav.settings-nav', { 'aria-label': 'Settings sections' });
  const body = h('div.settings-body');
  const banner = h('p.settings-banner', { role: 'note', hidden: true });
  root.replaceChildren(h('div.settings-head', h('h1.screen-title', 'Settings')), banner,
    h('div.settings-main', nav, body));
  els = { nav, body, banner };
  watch((s) => s.ui.section, (section) => {
    local.section = SECTIONS.some((x) => x.id === section) ? section : 'agents';
    local.error = null;
    local.tried = null;
    render();
  });
  for (const pick of [(s) => s.agents, (s) => s.teams, (s) => s.canned]) watch(pick, () => render());
  loadDesk();
}

async function loadDesk() {
  try {
    local.doc = await api.desk();
    local.draft = structuredClone(local.doc.spec);
  } catch (err) {
    local.error = err.message;
  }
  render();
}

function fileManaged() {
  return Boolean(local.doc?.status?.file);
}

function render() {
  if (!els) return;
  els.nav.replaceChildren(...SECTIONS.map((x) => h('a.settings-link', {
    href: `#settings/${x.id}`, 'aria-current': x.id === local.section ? 'page' : 'false',
  }, x.label)));
  const managed = fileManaged() && DESK_SECTIONS.has(local.section);
  els.banner.hidden = !managed;
  els.banner.textContent = managed
    ? `The desk configuration comes from a file (${local.doc.status.file || 'desk file'}); it wins over these screens. Edit the file: it is reloaded automatically.`
    : '';
  // These load and redraw themselves; rebuilding one on an unrelated change
  // (an agent's status, say) would throw away an edit in progress.
  const standalone = { templates: renderTemplatesSection, kb: renderKbSection, csat: renderCsatSection }[local.section];
  if (standalone) {
    if (local.mounted?.id !== local.section || !els.body.contains(local.mounted.el)) {
      local.mounted = { id: local.section, el: standalone() };
      els.body.replaceChildren(local.mounted.el);
    }
    return;
  }
  local.mounted = null;
  const section = {
    agents: renderAgents, teams: renderTeams, hours: renderHours, sla: renderSla, routing: renderRouting, canned: renderCanned,
  }[local.section];
  const active = document.activeElement;
  const keep = active && els.body.contains(active) && active.id ? active.id : null;
  els.body.replaceChildren(section());
  if (keep) document.getElementById(keep)?.focus();
}

// ---------- saving the desk ----------

function errorBox() {
  return h('p.form-error', { role: 'alert', hidden: !local.error }, local.error || '');
}

function saveBar(label = 'Save') {
  return h('div.settings-actions',
    h('button.btn.btn-primary', { type: 'button', disabled: fileManaged() || !local.draft, onclick: saveDesk }, label),
    h('button.btn', { type: 'button', onclick: () => { local.draft = structuredClone(local.doc.spec); local.error = null; render(); } }, 'Discard changes'),
    errorBox());
}

async function saveDesk() {
  try {
    local.doc = await api.putDesk(local.draft);
    local.draft = structuredClone(local.doc.spec);
    local.error = null;
    notify('Saved. Routing and SLA use it from now on.', 'info', { timeout: 4000 });
    loadDirectory();
  } catch (err) {
    local.error = err.message;
  }
  render();
}

// ---------- small form helpers ----------

let uid = 0;
function field(label, control, hint) {
  const id = control.id || `set-${++uid}`;
  control.id = id;
  return h('div.field', h('label', { for: id }, label), control, hint ? h('small.muted', hint) : null);
}

function textInput(value, onchange, attrs = {}) {
  return h('input', { type: 'text', value: value ?? '', autocomplete: 'off', onchange: (e) => onchange(e.target.value), ...attrs });
}

function listInput(values, onchange, attrs = {}) {
  return textInput((values || []).join(', '), (v) => onchange(splitList(v)), { placeholder: 'comma, separated', ...attrs });
}

export function splitList(v) {
  return String(v).split(',').map((x) => x.trim()).filter(Boolean);
}

function checkbox(checked, onchange, label) {
  const id = `set-${++uid}`;
  return h('label.check', { for: id }, h('input', { id, type: 'checkbox', checked: Boolean(checked), onchange: (e) => onchange(e.target.checked) }), ` ${label}`);
}

function teamNames() {
  return (local.draft?.teams || []).map((t) => t.name);
}

function selectInput(options, current, onchange, { empty = '—', ...attrs } = {}) {
  const opts = [{ value: '', label: empty }, ...options.map((v) => (typeof v === 'object' ? v : { value: v, label: v }))];
  return select({ onchange: (e) => onchange(e.target.value), ...attrs }, opts, current ?? '');
}

// ---------- agents ----------

function renderAgents() {
  const s = getState();
  const name = textInput('', () => {}, { id: 'invite-name', required: true });
  const email = textInput('', () => {}, { id: 'invite-email', type: 'email', required: true });
  const role = select({ id: 'invite-role' }, ['agent', 'supervisor', 'admin'].map((r) => ({ value: r, label: r })), 'agent');
  const password = h('input#invite-password', { type: 'password', autocomplete: 'new-password', minlength: 10 });
  const err = h('p.form-error', { role: 'alert', hidden: true });
  const invite = h('form.settings-card', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api.createAgent({ name: name.value.trim(), email: email.value.trim(), role: role.value, password: password.value });
        notify(`${name.value.trim()} can sign in now.`, 'info');
        loadDirectory();
      } catch (ex) {
        err.textContent = ex.message;
        err.hidden = false;
      }
    },
  }, h('h3', 'Invite an agent'),
  h('div.settings-grid', field('Name', name), field('Email', email), field('Role', role),
    field('First password', password, 'At least 10 characters; they can change it.')),
  err, h('button.btn.btn-primary', { type: 'submit' }, 'Invite'));

  const rows = s.agents.map((a) => h('tr', { dataset: { agent: a.id } },
    h('th', { scope: 'row' }, a.name, h('div.muted', a.email)),
    h('td', select({ 'aria-label': `Role of ${a.name}`, onchange: (e) => patchAgent(a, { role: e.target.value }) },
      ['agent', 'supervisor', 'admin'].map((r) => ({ value: r, label: r })), a.role)),
    h('td', listInput(a.skills, (v) => patchAgent(a, { skills: v }), { 'aria-label': `Skills of ${a.name}` })),
    h('td', listInput(a.languages, (v) => patchAgent(a, { languages: v }), { 'aria-label': `Languages of ${a.name}`, placeholder: 'en, es' })),
    h('td', h('input', {
      type: 'number', min: 0, max: 100, value: a.capacity, 'aria-label': `Capacity of ${a.name}`,
      onchange: (e) => patchAgent(a, { capacity: Number(e.target.value) }),
    })),
    h('td', checkbox(a.active !== false, (v) => patchAgent(a, { active: v }), 'active'))));
  return h('div',
    h('h2', 'Agents'),
    h('table.settings-table', h('thead', h('tr', ...['Agent', 'Role', 'Skills', 'Languages', 'Capacity', 'Status'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', ...rows)),
    invite);
}

async function patchAgent(agent, patch) {
  try {
    await api.updateAgent(agent.id, patch);
    notify(`${agent.name} updated.`, 'info', { timeout: 3000 });
    loadDirectory();
  } catch (err) {
    notify(err.message, 'error');
    loadDirectory();
  }
}

// ---------- teams ----------

function renderTeams() {
  if (!local.draft) return h('p', local.error || 'Loading…');
  const agents = getState().agents;
  const hoursNames = Object.keys(local.draft.hours || {});
  const cards = (local.draft.teams || []).map((t, i) => h('fieldset.settings-card', { dataset: { team: t.name } },
    h('legend', t.name || 'New team'),
    h('div.settings-grid',
      field('Name', textInput(t.name, (v) => { t.name = v.trim(); render(); })),
      field('Lead', selectInput(agents.map((a) => ({ value: a.email, label: a.name })), t.lead, (v) => { t.lead = v || undefined; })),
      field('Escalates to', selectInput(teamNames().filter((n) => n !== t.name), t.escalates_to, (v) => { t.escalates_to = v || undefined; })),
      field('Business hours', selectInput(hoursNames, t.hours, (v) => { t.hours = v || undefined; }, { empty: 'Always open' }))),
    h('div.member-list', { role: 'group', 'aria-label': `Members of ${t.name}` },
      ...agents.map((a) => checkbox((t.members || []).includes(a.email), (on) => {
        const set = new Set(t.members || []);
        if (on) set.add(a.email); else set.delete(a.email);
        t.members = [...set];
      }, a.name))),
    h('button.btn.btn-small', { type: 'button', onclick: () => { local.draft.teams.splice(i, 1); render(); } }, `Remove ${t.name || 'team'}`)));
  return h('div', h('h2', 'Teams'), ...cards,
    h('button.btn', { type: 'button', onclick: () => { local.draft.teams = [...(local.draft.teams || []), { name: '', members: [] }]; render(); } }, 'Add a team'),
    saveBar());
}

// ---------- business hours ----------

function renderHours() {
  if (!local.draft) return h('p', local.error || 'Loading…');
  const hours = local.draft.hours || (local.draft.hours = {});
  const cards = Object.entries(hours).map(([name, spec]) => h('fieldset.settings-card', { dataset: { hours: name } },
    h('legend', name),
    h('div.settings-grid',
      field('Timezone', textInput(spec.timezone, (v) => { spec.timezone = v.trim() || undefined; }, { placeholder: 'Europe/Berlin' })),
      h('div.field', checkbox(spec.always, (v) => { spec.always = v; render(); }, 'Open around the clock'))),
    spec.always ? null : h('div.settings-grid.days',
      ...DAYS.map((d) => field(d[0].toUpperCase() + d.slice(1), listInput(spec[d], (v) => { spec[d] = v; }, { placeholder: 'closed' })))),
    field('Holidays (closed all day)', listInput(spec.holidays, (v) => { spec.holidays = v; }, { placeholder: '2026-12-25, 2027-01-01' }),
      'Dates as YYYY-MM-DD; opening hours as 09:00-17:00, several separated by commas.'),
    h('button.btn.btn-small', { type: 'button', onclick: () => { delete hours[name]; render(); } }, `Remove ${name}`)));
  const newName = textInput('', () => {}, { id: 'hours-new', placeholder: 'e.g. office' });
  return h('div', h('h2', 'Business hours and holidays'), ...cards,
    h('div.settings-inline', field('New calendar', newName),
      h('button.btn', {
        type: 'button',
        onclick: () => {
          const n = newName.value.trim();
          if (!n) return;
          hours[n] = { timezone: 'UTC', mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'], holidays: [] };
          render();
        },
      }, 'Add')),
    saveBar());
}

// ---------- SLA ----------

function renderSla() {
  if (!local.draft) return h('p', local.error || 'Loading…');
  const sla = local.draft.sla || (local.draft.sla = {});
  sla.targets = sla.targets || {};
  const rows = PRIORITIES.slice().reverse().map((p) => {
    const t = sla.targets[p] || (sla.targets[p] = {});
    const cell = (key, label) => h('td', textInput(t[key], (v) => { t[key] = v.trim() || undefined; }, {
      'aria-label': `${label} for ${priorityLabel(p)}`, placeholder: 'none',
    }));
    return h('tr', h('th', { scope: 'row' }, priorityLabel(p)), cell('first_response', 'First response'), cell('resolution', 'Resolution'), cell('escalate_after', 'Escalate after'));
  });
  const overrides = h('textarea#sla-overrides', {
    rows: 8, spellcheck: false,
    value: JSON.stringify({ segments: sla.segments || {}, teams: sla.teams || {} }, null, 2),
    onchange: (e) => {
      try {
        const v = JSON.parse(e.target.value);
        sla.segments = v.segments || {};
        sla.teams = v.teams || {};
        local.error = null;
      } catch (err) {
        local.error = `Overrides: ${err.message}`;
      }
    },
  });
  return h('div', h('h2', 'SLA policies'),
    h('div.settings-card',
      h('div.settings-grid',
        field('Warn at (% of the target)', h('input', { type: 'number', min: 1, max: 99, value: sla.warn_at_percent ?? 75, onchange: (e) => { sla.warn_at_percent = Number(e.target.value); } })),
        h('div.field', checkbox(sla.business_hours_only, (v) => { sla.business_hours_only = v; }, 'Count business hours only')),
        h('div.field', checkbox(sla.pause_when_pending, (v) => { sla.pause_when_pending = v; }, 'Pause while waiting on the customer')),
        h('div.field', checkbox(sla.escalate_on_resolution_breach, (v) => { sla.escalate_on_resolution_breach = v; }, 'Escalate when resolution is breached'))),
      h('table.settings-table', h('caption', 'Targets by priority (e.g. 15m, 4h, 2d)'),
        h('thead', h('tr', ...['Priority', 'First response', 'Resolution', 'Escalate after'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', ...rows)),
      field('Overrides by segment and team (JSON, same shape)', overrides)),
    saveBar());
}

// ---------- routing ----------

function renderRouting() {
  if (!local.draft) return h('p', local.error || 'Loading…');
  // Without a [routing] section everything goes to the first team, load-balanced.
  const routing = local.draft.routing || (local.draft.routing = { rules: [] });
  routing.rules = routing.rules || [];
  const list = h('ol.rule-list', ...routing.rules.map((r, i) => ruleCard(routing.rules, r, i)));
  const fallback = routing.fallback
    || (routing.fallback = { team: teamNames()[0], strategy: 'load_balanced' });
  return h('div', h('h2', 'Routing rules'),
    h('p.muted', 'The first rule whose conditions all hold decides; drag to reorder (or use ↑ ↓). Tickets no rule takes go to the fallback.'),
    list,
    h('button.btn', {
      type: 'button',
      onclick: () => { routing.rules.push({ name: `Rule ${routing.rules.length + 1}`, when: {}, then: {} }); render(); },
    }, 'Add a rule'),
    h('fieldset.settings-card', h('legend', 'Fallback'),
      h('div.settings-grid',
        field('Team', selectInput(teamNames(), fallback.team, (v) => { fallback.team = v || undefined; })),
        field('Assign by', selectInput(STRATEGIES, fallback.strategy, (v) => { fallback.strategy = v || undefined; })))),
    saveBar('Save rules'),
    tryBox());
}

function ruleCard(rules, rule, i) {
  rule.when = rule.when || {};
  rule.then = rule.then || {};
  const moveTo = (j) => {
    if (j < 0 || j >= rules.length) return;
    const [r] = rules.splice(i, 1);
    rules.splice(j, 0, r);
    render();
  };
  const card = h('li.rule-card', {
    draggable: 'true', dataset: { rule: i },
    ondragstart: (e) => e.dataTransfer.setData('text/plain', String(i)),
    ondragover: (e) => { e.preventDefault(); card.classList.add('is-drop'); },
    ondragleave: () => card.classList.remove('is-drop'),
    ondrop: (e) => {
      e.preventDefault();
      const from = Number(e.dataTransfer.getData('text/plain'));
      if (Number.isInteger(from) && from !== i) {
        const [r] = rules.splice(from, 1);
        rules.splice(i, 0, r);
        render();
      }
    },
  },
  h('div.rule-head',
    h('span.rule-grip', { 'aria-hidden': 'true', title: 'Drag to reorder' }, '⠿'),
    h('span.rule-order', `${i + 1}.`),
    textInput(rule.name, (v) => { rule.name = v; }, { 'aria-label': `Name of rule ${i + 1}`, class: 'rule-name' }),
    h('button.btn.btn-icon', { type: 'button', 'aria-label': `Move rule ${i + 1} up`, disabled: i === 0, onclick: () => moveTo(i - 1) }, '↑'),
    h('button.btn.btn-icon', { type: 'button', 'aria-label': `Move rule ${i + 1} down`, disabled: i === rules.length - 1, onclick: () => moveTo(i + 1) }, '↓'),
    h('button.btn.btn-small', { type: 'button', onclick: () => { rules.splice(i, 1); render(); } }, 'Delete')),
  h('div.rule-parts',
    h('div.rule-part', h('h4', 'When'), ...parts(rule.when, CONDITIONS, `rule ${i + 1} condition`),
      addPart(rule.when, CONDITIONS, `Add a condition to rule ${i + 1}`)),
    h('div.rule-part', h('h4', 'Then'), ...parts(rule.then, ACTIONS, `rule ${i + 1} action`),
      addPart(rule.then, ACTIONS, `Add an action to rule ${i + 1}`))));
  return card;
}

function parts(obj, defs, what) {
  return defs.filter((d) => obj[d.key] !== undefined).map((d) => h('div.rule-row',
    h('span.rule-row-label', d.label),
    partInput(d, obj, `${d.label} (${what})`),
    h('button.btn.btn-icon', { type: 'button', 'aria-label': `Remove ${d.label} (${what})`, onclick: () => { delete obj[d.key]; render(); } }, '×')));
}

function partInput(d, obj, label) {
  const set = (v) => { obj[d.key] = v; };
  const attrs = { 'aria-label': label };
  switch (d.kind) {
    case 'list': return listInput(obj[d.key], set, attrs);
    case 'bool': return select({ ...attrs, onchange: (e) => set(e.target.value === 'true') },
      [{ value: 'true', label: 'yes' }, { value: 'false', label: 'no' }], String(obj[d.key]));
    case 'priority': return select({ ...attrs, onchange: (e) => set(e.target.value) },
      PRIORITIES.map((p) => ({ value: p, label: priorityLabel(p) })), obj[d.key]);
    case 'team': return select({ ...attrs, onchange: (e) => set(e.target.value) },
      teamNames().map((t) => ({ value: t, label: t })), obj[d.key]);
    case 'strategy': return select({ ...attrs, onchange: (e) => set(e.target.value) },
      STRATEGIES.map((t) => ({ value: t, label: t.replace('_', ' ') })), obj[d.key]);
    case 'agent': return select({ ...attrs, onchange: (e) => set(e.target.value) },
      getState().agents.map((a) => ({ value: a.email, label: a.name })), obj[d.key]);
    default: return textInput(obj[d.key], set, attrs);
  }
}

/** A starting value for a new condition or action of this kind. */
function initial(d) {
  switch (d.kind) {
    case 'list': return [];
    case 'bool': return true;
    case 'priority': return 'high';
    case 'team': return teamNames()[0] || '';
    case 'strategy': return 'load_balanced';
    case 'agent': return getState().agents[0]?.email || '';
    default: return '';
  }
}

function addPart(obj, defs, label) {
  const free = defs.filter((d) => obj[d.key] === undefined);
  if (!free.length) return null;
  return select({
    'aria-label': label,
    onchange: (e) => {
      const d = defs.find((x) => x.key === e.target.value);
      if (!d) return;
      obj[d.key] = initial(d);
      render();
    },
  }, [{ value: '', label: '+ add…' }, ...free.map((d) => ({ value: d.key, label: d.label }))], '');
}

function tryBox() {
  const sample = local.sample;
  const text = h('textarea#try-text', {
    rows: 2, placeholder: 'I was charged twice on my invoice', value: sample.text,
    oninput: (e) => { sample.text = e.target.value; },
  });
  const keep = (key) => (v) => { sample[key] = v; };
  const language = textInput(sample.language, keep('language'), { id: 'try-language', placeholder: 'detected if empty' });
  const segment = textInput(sample.segment, keep('segment'), { id: 'try-segment' });
  const labels = textInput(sample.labels, keep('labels'), { id: 'try-labels', placeholder: 'comma, separated' });
  const vip = h('input#try-vip', { type: 'checkbox', checked: sample.vip, onchange: (e) => { sample.vip = e.target.checked; } });
  const newContact = h('input#try-new', { type: 'checkbox', checked: sample.newContact, onchange: (e) => { sample.newContact = e.target.checked; } });
  const out = h('div.try-result', { 'aria-live': 'polite' });
  const t = local.tried;
  if (t?.error) out.append(h('p.form-error', t.error));
  else if (t) {
    out.append(h('dl.try-facts',
      h('dt', 'Rule'), h('dd.try-rule', t.rule || 'none: the fallback'),
      h('dt', 'Team'), h('dd.try-team', t.team || '—'),
      h('dt', 'Who gets it'), h('dd.try-assignee', t.assignee_name || (t.bot_only ? 'the bot' : t.queued ? 'queued: nobody free' : '—')),
      h('dt', 'Priority'), h('dd', `${t.priority} (${t.priority_reason})`),
      h('dt', 'Language'), h('dd', `${t.language || '—'} (${t.language_reason})`),
      t.labels?.length ? [h('dt', 'Labels'), h('dd', t.labels.join(', '))] : null,
      t.auto_reply ? [h('dt', 'Auto-reply'), h('dd', t.auto_reply)] : null),
    h('p.try-explanation', h('strong', 'Timeline: '), t.explanation));
  }
  return h('form.settings-card.try-box', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        local.tried = await api.tryRouting({
          text: text.value, language: language.value.trim() || null, segment: segment.value.trim() || null,
          labels: splitList(labels.value), vip: vip.checked, new_contact: newContact.checked, desk: local.draft,
        });
      } catch (err) {
        local.tried = { error: err.message };
      }
      render();
    },
  }, h('h3', 'Try it'), h('p.muted', 'Runs these rules (saved or not) on a sample message against the floor as it is now.'),
  field('Message', text),
  h('div.settings-grid', field('Language', language), field('Segment', segment), field('Labels', labels),
    h('label.check', { for: 'try-vip' }, vip, ' VIP'), h('label.check', { for: 'try-new' }, newContact, ' New contact')),
  h('button.btn.btn-primary', { type: 'submit' }, 'Try'), out);
}

// ---------- canned responses ----------

function renderCanned() {
  const s = getState();
  if (!s.canned) { loadCanned(); return h('p', 'Loading…'); }
  const form = (c) => {
    const shortcut = textInput(c?.shortcut, () => {}, { placeholder: 'shipping' });
    const title = textInput(c?.title, () => {});
    const body = h('textarea', { rows: 3, value: c?.body ?? '' });
    const err = h('p.form-error', { role: 'alert', hidden: true });
    return h('form.settings-card.canned-card', {
      dataset: { canned: c?.shortcut || 'new' },
      onsubmit: async (e) => {
        e.preventDefault();
        const payload = { shortcut: shortcut.value.trim(), title: title.value.trim(), body: body.value };
        try {
          if (c) await api.updateCanned(c.id, payload);
          else await api.createCanned(payload);
          notify(`/${payload.shortcut} saved.`, 'info', { timeout: 3000 });
          await loadCanned({ force: true });
        } catch (ex) {
          err.textContent = ex.message;
          err.hidden = false;
        }
      },
    },
    h('div.settings-grid', field('Shortcut (after /)', shortcut), field('Title', title)),
    field('Text', body, 'Variables: {{contact.first_name}}, {{contact.name}}, {{agent.first_name}}, {{order_number}}, {{ticket.id}}, {{contact.<attribute>}}'),
    err,
    h('div.settings-actions',
      h('button.btn.btn-primary', { type: 'submit' }, c ? 'Save' : 'Add'),
      c ? h('button.btn', {
        type: 'button',
        onclick: async () => {
          try { await api.deleteCanned(c.id); await loadCanned({ force: true }); } catch (ex) { notify(ex.message, 'error'); }
        },
      }, 'Delete') : null));
  };
  return h('div', h('h2', 'Canned responses'),
    h('p.muted', 'Agents insert these with "/" in the reply box; the variables are filled for each ticket and can be edited before sending.'),
    ...s.canned.map(form), h('h3', 'New canned response'), form(null));
}

// Left pane: the saved views (Mine, Unassigned, …) and the filters that map to
// the /tickets query parameters.
import { h, select, mount } from '../util/dom.js';
import { watch } from '../store.js';
import { viewsFor } from '../query.js';
import { setView, setFilters } from '../actions.js';
import { STATUSES, PRIORITIES, statusLabel, priorityLabel } from '../util/format.js';

export function mountSidebar(root) {
  const viewList = h('ul.view-list', { role: 'list' });
  const filters = h('div.filters');
  root.replaceChildren(
    h('h2.pane-title', { id: 'views-title' }, 'Views'),
    h('nav', { 'aria-labelledby': 'views-title' }, viewList),
    h('h2.pane-title', { id: 'filters-title' }, 'Filters'),
    filters,
  );

  // Views with their counts (open tickets; none for the history views).
  let shown = {};
  watch((s) => s, (s) => {
    if (s.view === shown.view && s.teams === shown.teams && s.agent === shown.agent
      && s.counts === shown.counts) return;
    shown = { view: s.view, teams: s.teams, agent: s.agent, counts: s.counts };
    viewList.replaceChildren(...viewsFor(s).map((v) => {
      const c = s.counts[v.id];
      const n = c ? (c.capped ? `${c.count}+` : String(c.count)) : '';
      return h('li',
        h(`button.view-btn${v.team ? '.view-team' : ''}`, {
          type: 'button',
          'aria-current': v.id === s.view ? 'page' : null,
          onclick: () => setView(v.id),
        }, h('span.view-name', v.label),
        // The name is the visible text ("Mine 3") and a word for screen readers, so
        // voice control users can say what they see.
        ...(n ? [' ', h('span.view-count', n), h('span.sr-only', ' open')] : [])));
    }));
  });

  // Rebuild the filters when their inputs' option lists change (agents/teams
  // load) or filters are changed elsewhere; not on every keystroke.
  const renderFilters = (s) => {
    const f = s.filters;
    const labelInput = h('input#filter-label', {
      type: 'search', value: f.label, placeholder: 'any', autocomplete: 'off',
      onchange: (e) => setFilters({ label: e.target.value.trim() }),
    });
    mount(filters,
      filterField('filter-status', 'Status', select({ id: 'filter-status', onchange: (e) => setFilters({ status: e.target.value }) },
        [{ value: '', label: 'View default' }, { value: 'open', label: 'Any open' },
          ...STATUSES.map((x) => ({ value: x, label: statusLabel(x) }))], f.status)),
      filterField('filter-priority', 'Priority', select({ id: 'filter-priority', onchange: (e) => setFilters({ priority: e.target.value }) },
        [{ value: '', label: 'Any' }, ...PRIORITIES.map((x) => ({ value: x, label: priorityLabel(x) }))], f.priority)),
      filterField('filter-assignee', 'Assignee', select({ id: 'filter-assignee', onchange: (e) => setFilters({ assignee: e.target.value }) },
        [{ value: '', label: 'View default' }, { value: 'me', label: 'Me' }, { value: 'unassigned', label: 'Unassigned' },
          ...s.agents.map((a) => ({ value: a.id, label: a.name }))], f.assignee)),
      filterField('filter-team', 'Team', select({ id: 'filter-team', onchange: (e) => setFilters({ team: e.target.value }) },
        [{ value: '', label: 'Any' }, ...s.teams.map((t) => ({ value: t.id, label: t.name }))], f.team)),
      filterField('filter-label', 'Label', labelInput),
      hasFilters(f) ? h('button.btn.btn-link', {
        type: 'button',
        onclick: () => setFilters({ status: '', priority: '', label: '', team: '', assignee: '' }),
      }, 'Clear filters') : null,
    );
  };
  let last = {};
  watch((s) => s, (s) => {
    if (s.filters === last.filters && s.agents === last.agents && s.teams === last.teams) return;
    last = { filters: s.filters, agents: s.agents, teams: s.teams };
    renderFilters(s);
  });
}

function filterField(id, label, control) {
  return h('div.field.field-compact', h('label', { for: id }, label), control);
}

function hasFilters(f) {
  return Object.values(f).some(Boolean);
}

// Ticket actions above the timeline: assignment, team, priority, lifecycle
// buttons, escalate/transfer (dialogs) and labels. Every change is a PATCH;
// the server decides whether a status transition is allowed and we show its
// 409 message if not.
import { h, select, rerender } from '../util/dom.js';
import { watch, getState, setUi } from '../store.js';
import { patchTicket, assignToMe, sendCsatNow } from '../actions.js';
import { PRIORITIES, priorityLabel } from '../util/format.js';

const STATUS_ACTIONS = [
  { status: 'in_progress', label: 'In progress', when: (s) => !['in_progress', 'resolved', 'closed'].includes(s) },
  { status: 'pending', label: 'Pending', when: (s) => !['pending', 'resolved', 'closed'].includes(s) },
  { status: 'resolved', label: 'Resolve', key: 'e', primary: true, when: (s) => !['resolved', 'closed'].includes(s) },
  { status: 'closed', label: 'Close', when: (s) => s !== 'closed' },
  // Closed is final (the server answers 409): the customer's next message opens a new ticket.
  { status: 'in_progress', label: 'Reopen', when: (s) => s === 'resolved' },
];

export function mountActionBar(root) {
  let last = {};
  watch((s) => s, (s) => {
    const t = s.tickets[s.selectedId];
    if (t === last.t && s.agents === last.agents && s.teams === last.teams && s.agent === last.agent) return;
    last = { t, agents: s.agents, teams: s.teams, agent: s.agent };
    // rerender keeps focus and a half-typed label across live updates.
    rerender(root, t ? render(t, s) : []);
  });
}

function render(t, s) {
  const mine = s.agent && t.assignee?.id === s.agent.id;
  const agentOptions = [{ value: '', label: 'Unassigned' },
    ...s.agents.filter((a) => a.active !== false || a.id === t.assignee?.id).map((a) => ({ value: a.id, label: a.name }))];
  if (t.assignee && !agentOptions.some((o) => String(o.value) === String(t.assignee.id))) {
    agentOptions.push({ value: t.assignee.id, label: t.assignee.name });
  }
  const teamOptions = [{ value: '', label: 'No team' }, ...s.teams.map((x) => ({ value: x.id, label: x.name }))];
  if (t.team && !teamOptions.some((o) => String(o.value) === String(t.team.id))) {
    teamOptions.push({ value: t.team.id, label: t.team.name });
  }

  return [
    h('div.action-group',
      mine ? null : h('button.btn.btn-small', {
        type: 'button', title: 'Assign to me (a)', onclick: () => assignToMe(t.id),
      }, 'Assign to me'),
      h('label.inline-field', h('span', 'Agent'),
        select({ id: 'assignee-select', onchange: (e) => patchTicket(t.id, { assignee_id: idOrNull(e.target.value) }) },
          agentOptions, t.assignee?.id ?? '')),
      h('label.inline-field', h('span', 'Team'),
        select({ id: 'team-select', onchange: (e) => patchTicket(t.id, { team_id: idOrNull(e.target.value) }) },
          teamOptions, t.team?.id ?? '')),
      h('label.inline-field', h('span', 'Priority'),
        select({ id: 'priority-select', title: 'Priority (p)', onchange: (e) => patchTicket(t.id, { priority: e.target.value }) },
          PRIORITIES.map((p) => ({ value: p, label: priorityLabel(p) })), t.priority))),
    h('div.action-group', { role: 'group', 'aria-label': 'Status' },
      STATUS_ACTIONS.filter((a) => a.when(t.status)).map((a) => h('button.btn.btn-small', {
        type: 'button',
        class: a.primary ? 'btn-primary' : null,
        title: a.key ? `${a.label} (${a.key})` : a.label,
        onclick: () => patchTicket(t.id, { status: a.status }),
      }, a.label)),
      t.status === 'closed' ? h('span.muted.closed-note', 'Closed: the customer’s next message opens a new ticket.') : null),
    t.status === 'closed' ? null : h('div.action-group', { role: 'group', 'aria-label': 'Hand off' },
      h('button.btn.btn-small#escalate-btn', {
        type: 'button', title: 'Escalate with a reason (u)', 'aria-haspopup': 'dialog',
        onclick: () => setUi({ dialog: 'escalate' }),
      }, 'Escalate…'),
      h('button.btn.btn-small#transfer-btn', {
        type: 'button', title: 'Transfer to a team or agent (t)', 'aria-haspopup': 'dialog',
        onclick: () => setUi({ dialog: 'transfer' }),
      }, 'Transfer…'),
      // The server's rule: resolved, not surveyed yet (it answers why not otherwise).
      t.status !== 'resolved' || t.csat?.sent_at ? null : h('button.btn.btn-small#csat-btn', {
        type: 'button', title: 'Send the satisfaction survey now (c)',
        onclick: () => sendCsatNow(t.id),
      }, 'Send CSAT')),
    labelsEditor(t),
  ];
}

function labelsEditor(t) {
  const input = h('input#label-input.label-input', {
    type: 'text', placeholder: 'Add label', 'aria-label': 'Add label (l)', autocomplete: 'off',
    onkeydown: (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const label = input.value.trim();
      if (!label) return;
      input.value = '';
      // Read the latest labels: the closure's ticket may be stale by now.
      const labels = currentLabels(t.id);
      if (!labels.includes(label)) patchTicket(t.id, { labels: [...labels, label] });
    },
  });
  return h('div.action-group.labels', { role: 'group', 'aria-label': 'Labels' },
    h('span.chips', chips(t)), input);
}

function chips(t) {
  return (t.labels || []).map((l) => h('span.chip', l,
    h('button.chip-remove', {
      type: 'button', 'aria-label': `Remove label ${l}`,
      onclick: () => patchTicket(t.id, { labels: currentLabels(t.id).filter((x) => x !== l) }),
    }, '×')));
}

function currentLabels(id) {
  return getState().tickets[id]?.labels || [];
}

function idOrNull(v) {
  return v === '' ? null : Number(v);
}

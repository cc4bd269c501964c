// "Transfer…": hand the ticket to another team (its queue picks an agent
// with room), a named agent, or both, with a note kept on the ticket. Agents
// are listed with their availability and load so nobody is handed a ticket
// while offline or full without knowing it.
import { h } from '../util/dom.js';
import { watch } from '../store.js';
import { transferTicket, loadQueues, loadDirectory } from '../actions.js';
import { contactName } from '../util/format.js';
import { notify } from './toast.js';
import { mountDialog, fieldError } from './dialog.js';

const AVAILABILITY_ORDER = { online: 0, away: 1, offline: 2 };

export function mountTransferDialog() {
  let els = null; // the open form's controls, to refresh options as data arrives
  let ticket = null;
  let latest = null; // the latest state, for the team select's onchange

  function teamOptions(s) {
    const current = ticket.team;
    return [
      h('option', { value: '' }, current ? `Keep ${current.name}` : 'No team change'),
      ...s.teams.filter((x) => x.id !== current?.id).map((x) => {
        const q = s.queues.find((y) => y.team_id === x.id);
        const info = q ? ` · ${q.available} available${q.queued ? `, ${q.queued} queued` : ''}${q.open_now ? '' : ', closed now'}` : '';
        return h('option', { value: String(x.id) }, `${x.name}${info}`);
      }),
    ];
  }

  function agentOptions(s, teamId) {
    const team = s.teams.find((x) => x.id === teamId);
    const people = s.agents
      .filter((a) => a.active !== false && (!team || team.member_ids.includes(a.id)))
      .sort((a, b) => (AVAILABILITY_ORDER[a.availability] ?? 3) - (AVAILABILITY_ORDER[b.availability] ?? 3)
        || a.name.localeCompare(b.name));
    const none = teamId != null
      ? `Nobody: ${team ? `the ${team.name}` : 'the team’s'} queue assigns it`
      : 'Keep the assignee';
    return [
      h('option', { value: '' }, none),
      ...people.map((a) => h('option', { value: String(a.id) },
        `${a.name}${a.id === ticket.assignee?.id ? ' (current)' : ''} — ${a.availability || 'offline'}, ${a.open_tickets ?? 0}/${a.capacity ?? '?'}`)),
    ];
  }

  function refreshOptions(s) {
    if (!els || !ticket || !dialog?.open) return;
    const team = els.team.value;
    const agent = els.agent.value;
    els.team.replaceChildren(...teamOptions(s));
    els.team.value = [...els.team.options].some((o) => o.value === team) ? team : '';
    els.agent.replaceChildren(...agentOptions(s, els.team.value ? Number(els.team.value) : null));
    els.agent.value = [...els.agent.options].some((o) => o.value === agent) ? agent : '';
  }

  function fillOptions(s) {
    els.team.replaceChildren(...teamOptions(s));
    els.agent.replaceChildren(...agentOptions(s, null));
  }

  const dialog = mountDialog({
    name: 'transfer',
    title: 'Transfer',
    submitLabel: 'Transfer',
    returnFocus: 'transfer-btn',
    build(t, s) {
      ticket = t;
      // Availability and load move all day: fetch them fresh for this choice.
      loadDirectory();
      loadQueues();
      const team = h('select#transfer-team', {
        name: 'team',
        onchange: () => {
          const teamId = team.value ? Number(team.value) : null;
          const keep = agent.value;
          agent.replaceChildren(...agentOptions(latest, teamId));
          agent.value = [...agent.options].some((o) => o.value === keep) ? keep : '';
        },
      });
      const agent = h('select#transfer-agent', { name: 'agent', 'aria-describedby': 'transfer-agent-hint' });
      const note = h('textarea#transfer-note', {
        name: 'note', rows: 3, placeholder: 'What the next person should know',
        onkeydown: (e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); e.target.form.requestSubmit(); }
        },
      });
      els = { team, agent, note };
      latest = s;
      fillOptions(s);
      return {
        subtitle: `#${t.id} · ${contactName(t.contact)} · ${t.team ? t.team.name : 'no team'} · ${t.assignee ? t.assignee.name : 'unassigned'}`,
        fields: [
          h('div.field', h('label', { for: 'transfer-team' }, 'Team'), team),
          h('div.field', h('label', { for: 'transfer-agent' }, 'Agent'), agent,
            h('span.field-hint#transfer-agent-hint', 'Only online agents with room get tickets from a queue.')),
          h('div.field', h('label', { for: 'transfer-note' }, 'Note (kept on the ticket as an internal note)'), note),
        ],
        focus: team,
      };
    },
    async submit(t, form) {
      const teamId = form.elements.team.value ? Number(form.elements.team.value) : null;
      const agentId = form.elements.agent.value ? Number(form.elements.agent.value) : null;
      if (teamId == null && agentId == null) {
        throw fieldError('Choose a team, an agent, or both.', form.elements.team);
      }
      const note = form.elements.note.value.trim();
      const after = await transferTicket(t.id, { teamId, agentId, note });
      const to = agentId != null ? (after.assignee?.name || 'the agent') : `the ${after.team?.name || 'team'} queue`;
      notify(`Transferred #${t.id} to ${to}.`, 'info');
    },
  });

  let last = {};
  watch((s) => s, (s) => {
    latest = s;
    if (s.agents === last.agents && s.teams === last.teams && s.queues === last.queues) return;
    last = { agents: s.agents, teams: s.teams, queues: s.queues };
    refreshOptions(s);
  });
}

// "Escalate…": a reason (required, shown to the receiving team) and where to:
// one level up (the team's escalates_to), management, or a named team. The
// server moves the ticket into that team's queue with a handoff summary.
import { h } from '../util/dom.js';
import { watch } from '../store.js';
import { escalateTicket, loadQueues } from '../actions.js';
import { contactName } from '../util/format.js';
import { notify } from './toast.js';
import { mountDialog, fieldError } from './dialog.js';

export function mountEscalateDialog() {
  let upOption = null;
  let currentTeam = null;

  // Mirrors the server's default path: the team's escalates_to, else management.
  const upLabel = (queues) => {
    if (!currentTeam) return 'Default (no team yet: the leads are notified)';
    const q = queues.find((x) => x.name === currentTeam);
    if (!q) return 'One level up';
    return q.escalates_to ? `One level up: ${q.escalates_to}` : 'One level up (top level: management)';
  };

  mountDialog({
    name: 'escalate',
    title: 'Escalate',
    submitLabel: 'Escalate',
    returnFocus: 'escalate-btn',
    build(t, s) {
      loadQueues(); // fresh escalation paths; the label below updates when they arrive
      currentTeam = t.team?.name || null;
      const reason = h('textarea#escalate-reason', {
        name: 'reason', rows: 3, required: true,
        'aria-describedby': 'escalate-reason-hint',
        placeholder: 'e.g. Refund above my limit; customer has waited 3 days',
        onkeydown: (e) => {
          // Ctrl/Cmd+Enter submits, like most comment boxes.
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); e.target.form.requestSubmit(); }
        },
      });
      upOption = h('option', { value: '' }, upLabel(s.queues));
      const others = s.teams.filter((x) => x.name !== currentTeam);
      const team = h('select#escalate-team', { name: 'team' },
        upOption,
        h('option', { value: 'management' }, 'Management'),
        others.length ? h('optgroup', { label: 'Another team' },
          others.map((x) => h('option', { value: x.name }, x.name))) : null);
      return {
        subtitle: `#${t.id} · ${contactName(t.contact)}${currentTeam ? ` · now with ${currentTeam}` : ''}${t.escalation_level ? ` · escalated ${t.escalation_level}× before` : ''}`,
        fields: [
          h('div.field',
            h('label', { for: 'escalate-reason' }, 'Reason (required)'),
            reason,
            h('span.field-hint#escalate-reason-hint', 'The receiving team sees this with a summary of what was tried.')),
          h('div.field', h('label', { for: 'escalate-team' }, 'Escalate to'), team),
        ],
        focus: reason,
      };
    },
    async submit(t, form) {
      const reason = form.elements.reason.value.trim();
      if (!reason) throw fieldError('Say why you are escalating: the next team reads it first.', form.elements.reason);
      const applied = await escalateTicket(t.id, { reason, team: form.elements.team.value });
      const where = applied?.to_team ? ` to ${applied.to_team}` : '';
      notify(`Escalated #${t.id}${where}.`, 'info');
    },
  });

  // Queues load after the dialog opens: name the default target once known.
  watch((s) => s.queues, (queues) => {
    if (upOption) upOption.textContent = upLabel(queues);
  });
}

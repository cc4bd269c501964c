// The live SLA countdown, in two sizes: the compact badge of a list row
// ("12m", "-3m") and the sentence in the conversation header ("First
// response due in 12m"). Both repaint from the shared ticker (ticker.js), so
// a list of 50 rows still has one timer, and nothing is refetched.
import { h } from '../util/dom.js';
import { live } from '../ticker.js';
import { slaAt, msUntilChange, shortDuration, slaSentence, targetLabel } from '../util/sla.js';
import { fullDateTime } from '../util/format.js';

/** List badge: neutral countdown, amber from the warning threshold, red once breached; grey "paused"; nothing when met. */
export function slaBadge(ticket) {
  const sla = ticket.sla;
  // Met (or no SLA) stays so until the ticket changes, which re-renders the row.
  const start = slaAt(sla, 0).state;
  if (start === 'met' || start === 'none') return null;
  const text = h('span', { 'aria-hidden': 'true' });
  const spoken = h('span.sr-only');
  const el = h('span.badge.sla', text, spoken);
  return live(el, (now) => {
    const v = slaAt(sla, now);
    el.dataset.state = v.state;
    if (v.state === 'paused') {
      text.textContent = 'paused';
      spoken.textContent = ', SLA paused';
      el.title = 'SLA paused: waiting on the customer';
    } else if (v.remainingMs != null) {
      text.textContent = `${v.state === 'breached' ? '⚠ ' : ''}${shortDuration(v.remainingMs)}`;
      spoken.textContent = `, ${slaSentence(v, { spoken: true })}`;
      el.title = `${targetLabel(v.target)} due ${fullDateTime(v.dueAt)}${sla.policy ? `\n${sla.policy}` : ''}`;
    }
    return msUntilChange(sla, now);
  });
}

/** Header line: "First response due in 12m" / "Resolution breached 5m ago". */
export function slaLine(ticket) {
  const sla = ticket.sla;
  if (!sla) return null;
  const el = h('span.sla-line');
  return live(el, (now) => {
    const v = slaAt(sla, now);
    el.dataset.state = v.state;
    el.hidden = v.state === 'none';
    el.textContent = slaSentence(v);
    const lines = [];
    if (v.dueAt) lines.push(`${targetLabel(v.target)} due ${fullDateTime(v.dueAt)}`);
    if (sla.first_response_breached_at) lines.push(`First response breached ${fullDateTime(sla.first_response_breached_at)}`);
    if (sla.resolution_breached_at) lines.push(`Resolution breached ${fullDateTime(sla.resolution_breached_at)}`);
    if (sla.escalate_at) lines.push(`Escalates automatically ${fullDateTime(sla.escalate_at)} if nothing changes`);
    if (sla.policy) lines.push(`Policy: ${sla.policy}`);
    el.title = lines.join('\n');
    return msUntilChange(sla, now);
  });
}

// The inbox's client-side mirror of the server's list rules (query.js):
// live events must put a ticket where the server would list it, and drop it
// from views it no longer matches. Run with `node --test web/tests/`
// (cargo test runs it too: crates/parley-server/tests/web_unit.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildQuery, compareTickets, matchesQuery, viewsFor, findView, isViewId, liveMembership,
} from '../js/query.js';

// The server sends a deadline's warning and due time together, or neither.
const t = (id, o = {}) => ({
  id, status: 'new', priority: 'medium', last_message_at: 1000 + id, created_at: 100 + id,
  assignee: null, team: null, labels: [], sla: {}, ...o,
});

test('each sort orders as the server does', () => {
  const a = t(1, { priority: 'low', sla: { first_response_due_at: 500, first_response_warn_at: 400 } });
  const b = t(2, { priority: 'urgent', sla: { resolution_due_at: 300, resolution_warn_at: 200 } });
  const c = t(3, { priority: 'urgent' });
  const d = t(4, {
    priority: 'high',
    sla: { first_response_warn_at: 250, first_response_due_at: 300, resolution_warn_at: 800, resolution_due_at: 900 },
  });
  const order = (sort) => [a, b, c, d].sort((x, y) => compareTickets(x, y, sort)).map((x) => x.id);
  assert.deepEqual(order('activity'), [4, 3, 2, 1]);
  // Soonest deadline first, ties by id; no deadline last, by activity.
  assert.deepEqual(order('sla'), [2, 4, 1, 3]);
  assert.deepEqual(order('priority'), [3, 2, 4, 1]);
  assert.deepEqual(order('oldest'), [1, 2, 3, 4]);
});

test('views map to the server query and match like it', () => {
  const me = { id: 7, role: 'agent' };
  assert.deepEqual(buildQuery('at_risk', {}, 'sla'), { status: 'open', sla: 'at_risk', sort: 'sla' });
  assert.deepEqual(buildQuery('team:5', { priority: 'high' }, 'activity'), { status: 'open', team: '5', priority: 'high' });
  const q = buildQuery('at_risk', {});
  assert.equal(matchesQuery(t(1, { sla: { first_response_warn_at: 50, first_response_due_at: 1000 } }), q, me, 100), true);
  assert.equal(matchesQuery(t(1, { sla: { first_response_warn_at: 150, first_response_due_at: 1000 } }), q, me, 100), false);
  assert.equal(matchesQuery(t(1, { status: 'resolved', sla: { first_response_warn_at: 50, first_response_due_at: 1000 } }), q, me, 100), false);
  const mine = buildQuery('mine', {});
  assert.equal(matchesQuery(t(1, { assignee: { id: 7 } }), mine, me), true);
  assert.equal(matchesQuery(t(1, { assignee: { id: 8 } }), mine, me), false);
  assert.equal(matchesQuery(t(1, { team: { id: 5 } }), buildQuery('team:5', {}), me), true);
  assert.equal(matchesQuery(t(1, { team: { id: 6 } }), buildQuery('team:5', {}), me), false);
});

test('team views follow membership and role', () => {
  const teams = [{ id: 1, name: 'Billing', member_ids: [7] }, { id: 2, name: 'Returns', member_ids: [] }];
  const ids = (agent) => viewsFor({ agent, teams }).map((v) => v.id);
  assert.deepEqual(ids({ id: 7, role: 'agent' }),
    ['mine', 'unassigned', 'at_risk', 'mentions', 'open', 'team:1', 'resolved', 'closed']);
  assert.ok(ids({ id: 9, role: 'supervisor' }).includes('team:2'));
  assert.equal(findView('team:2', { teams }).label, 'Returns');
  assert.ok(isViewId('team:12') && isViewId('mine') && !isViewId('team:x'));
});

test('the mentions view asks the server and is not kept live by guesswork', () => {
  const q = buildQuery('mentions', {}, 'activity');
  assert.deepEqual(q, { mentioned: 'me' });
  assert.equal(liveMembership(q), false);
  assert.equal(liveMembership(buildQuery('mine', {}, 'activity')), true);
});

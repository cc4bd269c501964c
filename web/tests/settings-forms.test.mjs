// What the knowledge-base and CSAT settings screens send the server, built
// from what the admin typed. Run with `node --test web/tests/` (cargo test
// runs it too: crates/parley-server/tests/web_unit.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intentFromForm, lines } from '../js/views/settings-kb.js';
import { csatProblems, surveyRow } from '../js/views/settings-csat.js';

test('an intent form becomes the API shape: blanks dropped, buttons by target', () => {
  assert.deepEqual(lines(' where is it \n\n  track my parcel\n'), ['where is it', 'track my parcel']);
  const intent = intentFromForm({
    name: ' gift_cards ', title: '', examples: 'gift voucher\n\ndo you sell gift cards',
    answer: '  Gift cards from 10 EUR. ', listButton: '', listRows: '',
    buttons: [
      { title: 'Buy one', target: '' },
      { title: 'Returns', target: 'returns_policy' },
      { title: 'Talk to a person', target: '@person' },
      { title: '   ', target: 'x' },
    ],
    media: ' ', action: '', after: '',
  });
  assert.deepEqual(intent, {
    name: 'gift_cards', title: null, examples: ['gift voucher', 'do you sell gift cards'],
    answer: 'Gift cards from 10 EUR.',
    buttons: ['Buy one', { title: 'Returns', intent: 'returns_policy' }, { title: 'Talk to a person', handoff: true }],
    list: null, media: null, action: null, after: null,
  });
  const listed = intentFromForm({ name: 'stores', examples: 'where are you', answer: 'Which one?', buttons: [], listButton: 'Stores', listRows: 'Berlin\nHamburg\n' });
  assert.deepEqual(listed.list, { button: 'Stores', rows: ['Berlin', 'Hamburg'] });
  assert.equal(listed.buttons.length, 0);
});

test('the CSAT form catches what WhatsApp would refuse', () => {
  const ok = {
    question: 'How did we do?', button: 'Rate us', follow_up: 'What went wrong?', thanks: 'Thanks!',
    labels: ['Very poor', 'Poor', 'Okay', 'Good', 'Excellent'],
  };
  assert.deepEqual(csatProblems(ok), []);
  assert.equal(surveyRow(3, 'Okay'), '⭐⭐⭐ Okay');
  const long = csatProblems({ ...ok, labels: [...ok.labels.slice(0, 4), 'Absolutely wonderful!'] });
  assert.equal(long.length, 1);
  assert.match(long[0], /longer than 24 characters/);
  assert.equal(csatProblems({ ...ok, button: 'Please rate our support' }).length, 1);
  assert.equal(csatProblems({ ...ok, thanks: ' ', question: '' }).length, 2);
});

// Where "/" and "@" open the reply box's menus (views/suggest.js triggerAt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { triggerAt } from '../js/views/suggest.js';

const at = (text, opts) => triggerAt(text, text.length, opts);

test('a slash opens canned responses at the start or after a space', () => {
  assert.deepEqual(at('/ship'), { kind: 'canned', start: 0, end: 5, query: 'ship' });
  assert.deepEqual(at('Hi! /'), { kind: 'canned', start: 4, end: 5, query: '' });
  assert.equal(at('and/or'), null, 'inside a word');
  assert.equal(at('see https://x.io/path'), null, 'a URL');
  assert.equal(at('/ship', { canned: false }), null, 'not in notes');
});

test('an at sign opens mentions, but not inside an email address', () => {
  assert.deepEqual(at('cc @ana.li'), { kind: 'mention', start: 3, end: 10, query: 'ana.li' });
  assert.deepEqual(at('@'), { kind: 'mention', start: 0, end: 1, query: '' });
  assert.equal(at('mail ana@shop'), null);
  assert.equal(at('@ana', { mentions: false }), null, 'not in replies');
  // The caret decides, not the end of the text.
  assert.deepEqual(triggerAt('@ana and more', 4), { kind: 'mention', start: 0, end: 4, query: 'ana' });
  assert.equal(triggerAt('@ana and more', 9), null);
});

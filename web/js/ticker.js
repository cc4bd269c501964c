// One shared clock for everything that counts down on screen (SLA badges in
// the list, the conversation header). Elements register a paint function;
// a single timer repaints every registered element that is still in the
// document, every second while something is about to change (a threshold, a
// seconds countdown) and every 15 seconds otherwise. Nothing is refetched:
// the deadlines are absolute, only "now" moves.
//
// Elements are found with a class + WeakMap, so a view that rebuilds its rows
// never has to unregister anything: detached elements simply aren't found and
// are garbage-collected with their paint function.
import { serverNow } from './store.js';

const CLASS = 'live-tick';
const FAST = 1000;
const SLOW = 15_000;
const painters = new WeakMap(); // element -> paint(now) → ms until it next changes

let timer = null;
let dueAt = Infinity; // when the pending timer fires

/**
 * live(el, paint): paint(now) updates el and returns how many ms until its
 * display changes by itself (Infinity if never). Paints once right away.
 */
export function live(el, paint) {
  el.classList.add(CLASS);
  painters.set(el, paint);
  const next = safePaint(el, paint, serverNow());
  // A new element that changes sooner than the pending tick pulls it forward.
  schedule(clamp(next));
  return el;
}

/** Repaint everything now (e.g. the tab became visible again). */
export function tickNow() {
  clearTimeout(timer);
  timer = null;
  dueAt = Infinity;
  run();
}

function run() {
  timer = null;
  dueAt = Infinity;
  if (document.visibilityState === 'hidden') return; // resumed by visibilitychange
  const now = serverNow();
  let soonest = Infinity;
  let count = 0;
  for (const el of document.getElementsByClassName(CLASS)) {
    const paint = painters.get(el);
    if (!paint) continue;
    count += 1;
    soonest = Math.min(soonest, safePaint(el, paint, now));
  }
  // Nothing on screen counts down: sleep until live() registers something.
  if (count) schedule(clamp(soonest));
}

function schedule(delay) {
  const at = Date.now() + delay;
  if (timer && at >= dueAt) return;
  clearTimeout(timer);
  dueAt = at;
  timer = setTimeout(run, delay);
}

function clamp(ms) {
  if (!(ms < SLOW)) return SLOW;
  return Math.max(FAST, ms);
}

function safePaint(el, paint, now) {
  try {
    const next = paint(now);
    return typeof next === 'number' ? next : Infinity;
  } catch (err) {
    console.error('live element failed to paint', err);
    return Infinity;
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') tickNow();
});

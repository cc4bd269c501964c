// Demo phone simulator: lets one person play several WhatsApp customers.
// Talks only to the public /demo/api (no auth); the server turns each send
// into a signed, Meta-shaped webhook for Parley.

const DEFAULT_CUSTOMERS = [
  { wa_id: '15550100', name: 'Ana López' },
  { wa_id: '15550101', name: 'Bo Chen' },
];
const LOCATIONS = [
  { latitude: -12.1211, longitude: -77.0297, location_name: 'Parque Kennedy, Miraflores, Lima' },
  { latitude: 40.7484, longitude: -73.9857, location_name: 'Empire State Building, New York' },
  { latitude: 52.5163, longitude: 13.3777, location_name: 'Brandenburger Tor, Berlin' },
];
const SELECTED_KEY = 'parley.demo.selected';

const state = {
  customers: [],
  selected: null, // wa_id
  items: [], // conversation of the selected customer
  lastJson: '',
  unread: new Set(), // wa_ids with news we haven't looked at
  sseLive: false,
  sending: false,
  localImages: new Map(), // wamid -> data URL, so sent images show in the chat
  locationIndex: 0,
};

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// ---------- API ----------

async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) throw new Error(data?.error?.message || `HTTP ${res.status}`);
  return data;
}

function status(msg) {
  $('phone-status').textContent = msg || '';
}

// ---------- customers ----------

function formatPhone(waId) {
  const d = String(waId).replace(/\D/g, '');
  // North American demo numbers read nicer grouped: +1 555 0100.
  return d.startsWith('1') ? `+${d.replace(/^(\d)(\d{3})(\d+)$/, '$1 $2 $3')}` : `+${d}`;
}

async function loadCustomers() {
  let items = [];
  try {
    items = (await call('GET', '/demo/api/customers')).items || [];
  } catch (err) {
    status(`Could not load customers: ${err.message}`);
  }
  // Make sure the two sample customers exist so there's someone to play.
  for (const c of DEFAULT_CUSTOMERS) {
    if (!items.some((x) => x.wa_id === c.wa_id)) {
      items.push(c);
      call('POST', '/demo/api/customers', c).catch(() => {});
    }
  }
  state.customers = items;
  const saved = localStorage.getItem(SELECTED_KEY);
  select(items.some((c) => c.wa_id === saved) ? saved : items[0]?.wa_id);
}

function renderCustomers() {
  $('customer-list').replaceChildren(...state.customers.map((c) => h('li', {},
    h('button', {
      type: 'button',
      'aria-current': c.wa_id === state.selected ? 'true' : null,
      onclick: () => select(c.wa_id),
    },
    h('span', {}, c.name, h('small', {}, formatPhone(c.wa_id))),
    state.unread.has(c.wa_id) ? h('span', { class: 'badge-new', 'aria-label': 'new messages' }, 'new') : null))));
}

function current() {
  return state.customers.find((c) => c.wa_id === state.selected);
}

function select(waId) {
  state.selected = waId || null;
  state.items = [];
  state.lastJson = '';
  state.unread.delete(waId);
  if (waId) localStorage.setItem(SELECTED_KEY, waId);
  const c = current();
  $('phone-as').textContent = c ? `You are ${c.name} · ${formatPhone(c.wa_id)}` : 'Pick a customer';
  $('list-sheet').hidden = true;
  renderCustomers();
  renderChat(true);
  refresh();
}

$('add-customer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('new-name').value.trim();
  const waId = $('new-phone').value.replace(/\D/g, '');
  if (!name || waId.length < 6) return status('Enter a name and a phone number with country code.');
  try {
    await call('POST', '/demo/api/customers', { wa_id: waId, name });
    if (!state.customers.some((c) => c.wa_id === waId)) state.customers.push({ wa_id: waId, name });
    $('new-name').value = '';
    $('new-phone').value = '';
    status('');
    select(waId);
  } catch (err) {
    status(err.message);
  }
});

// ---------- conversation ----------

async function refresh() {
  const waId = state.selected;
  if (!waId) return;
  try {
    const data = await call('GET', `/demo/api/conversation?wa_id=${encodeURIComponent(waId)}`);
    if (waId !== state.selected) return; // switched customers meanwhile
    if ($('phone-status').textContent.startsWith('Could not load')) status('');
    const json = JSON.stringify(data.items || []);
    if (json === state.lastJson) return; // nothing new: don't disturb scrolling
    state.lastJson = json;
    state.items = data.items || [];
    outCounts.set(waId, countOut(state.items));
    renderChat(false);
  } catch (err) {
    status(`Could not load the conversation: ${err.message}`);
  }
}

function renderChat(jump) {
  const chat = $('chat');
  const nearBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 60;
  if (!state.selected) {
    chat.replaceChildren(h('li', { class: 'empty' }, 'Add or pick a customer on the left.'));
    return;
  }
  if (!state.items.length) {
    chat.replaceChildren(h('li', { class: 'empty' }, 'Say hello to Parley: type a message below.'));
    return;
  }
  chat.replaceChildren(...state.items.map(renderItem));
  if (jump || nearBottom) chat.scrollTop = chat.scrollHeight;
}

function time(ms) {
  return ms ? new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '';
}

function ticks(s) {
  if (s === 'read') return h('span', { class: 'ticks read', 'aria-label': 'read' }, '✓✓');
  if (s === 'delivered') return h('span', { class: 'ticks', 'aria-label': 'delivered' }, '✓✓');
  if (s === 'sent') return h('span', { class: 'ticks', 'aria-label': 'sent' }, '✓');
  return null;
}

function renderItem(item) {
  const content = item.direction === 'in' ? customerContent(item) : businessContent(item);
  return h('li', { class: `bubble ${item.direction}` },
    content,
    h('span', { class: 'meta' }, time(item.at), ticks(item.status)));
}

/** What the customer (this phone) sent. */
function customerContent(item) {
  const preview = state.localImages.get(item.wamid);
  switch (item.type) {
    case 'image':
      return [preview ? h('img', { src: preview, alt: 'Image you sent' }) : h('span', { class: 'kind' }, '🖼 Image'), item.text || ''];
    case 'location':
      return ['📍 ', item.text || 'Location'];
    case 'button_reply':
    case 'list_reply':
    case 'interactive':
      return [h('span', { class: 'kind' }, 'Tapped'), item.text || ''];
    default:
      return item.text || `(${item.type})`;
  }
}

/** What Parley sent, rendered from the raw Graph API body. */
function businessContent(item) {
  const b = item.body || {};
  const type = b.type || item.type;
  const part = b[type] || {};
  switch (type) {
    case 'text':
      return part.body ?? item.text ?? '';
    case 'image':
    case 'video':
    case 'audio':
    case 'sticker':
    case 'document':
      return [h('span', { class: 'kind' }, `${icon(type)} ${type}${part.filename ? `: ${part.filename}` : ''}`), part.caption || item.text || ''];
    case 'interactive':
      return interactive(item, part);
    case 'template':
      return [h('span', { class: 'kind' }, `Template “${part.name || '?'}”`), item.text || templateText(part)];
    case 'location':
      return `📍 ${part.name || ''} ${part.address || ''} (${part.latitude}, ${part.longitude})`;
    case 'reaction':
      return [h('span', { class: 'kind' }, 'Parley reacted'), part.emoji || '(removed)'];
    case 'contacts':
      return ['👤 ', (part || []).map?.((c) => c.name?.formatted_name).join(', ') || 'Contact'];
    default:
      return item.text || `(${type})`;
  }
}

function icon(type) {
  return { image: '🖼', video: '🎬', audio: '🎵', sticker: '🏷', document: '📄' }[type] || '📎';
}

function templateText(t) {
  const params = (t.components || []).flatMap((c) => (c.parameters || []).map((p) => p.text).filter(Boolean));
  return params.length ? params.join(' · ') : '';
}

/** Reply buttons and lists from Parley are tappable, like on a real phone. */
function interactive(item, part) {
  const out = [];
  if (part.header?.text) out.push(h('strong', {}, part.header.text), '\n');
  out.push(part.body?.text || item.text || '');
  if (part.footer?.text) out.push(h('span', { class: 'kind' }, part.footer.text));
  const action = part.action || {};
  if (part.type === 'button' && action.buttons) {
    out.push(h('div', { class: 'reply-buttons' }, action.buttons.map((btn) => h('button', {
      type: 'button',
      onclick: () => send({ type: 'button_reply', reply_id: btn.reply?.id, reply_title: btn.reply?.title, context_wamid: item.wamid }),
    }, btn.reply?.title || 'Button'))));
  } else if (part.type === 'list' && action.sections) {
    out.push(h('div', { class: 'reply-buttons' }, h('button', {
      type: 'button', class: 'list-open', onclick: () => openList(item, action),
    }, `☰ ${action.button || 'Choose'}`)));
  }
  return out;
}

function openList(item, action) {
  const sheet = $('list-sheet');
  sheet.replaceChildren(
    h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { sheet.hidden = true; } }, '×'),
    h('h3', {}, action.button || 'Choose'),
    ...(action.sections || []).map((s) => [
      s.title ? h('h4', {}, s.title) : null,
      ...(s.rows || []).map((r) => h('button', {
        type: 'button', class: 'row',
        onclick: () => {
          sheet.hidden = true;
          send({ type: 'list_reply', reply_id: r.id, reply_title: r.title, context_wamid: item.wamid });
        },
      }, r.title, r.description ? h('small', {}, r.description) : null)),
    ]).flat());
  sheet.hidden = false;
  sheet.querySelector('.row')?.focus();
}

// ---------- sending ----------

async function send(fields) {
  const c = current();
  if (!c) return status('Pick a customer first.');
  state.sending = true;
  setComposerDisabled(true);
  try {
    const res = await call('POST', '/demo/api/send', { wa_id: c.wa_id, name: c.name, ...fields });
    status('');
    return res;
  } catch (err) {
    status(`Send failed: ${err.message}`);
    return null;
  } finally {
    state.sending = false;
    setComposerDisabled(false);
    refresh();
  }
}

function setComposerDisabled(disabled) {
  for (const el of $('composer').querySelectorAll('button')) el.disabled = disabled;
}

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text) return;
  const res = await send({ type: 'text', text });
  if (res) $('text').value = '';
  $('text').focus();
});

$('attach').addEventListener('click', () => $('image-input').click());
$('image-input').addEventListener('change', async () => {
  const file = $('image-input').files[0];
  $('image-input').value = '';
  if (!file) return;
  if (file.size > 5 * 1024 * 1024) return status('Please pick an image under 5 MB.');
  const dataUrl = await new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
  const caption = $('text').value.trim();
  const res = await send({
    type: 'image',
    image_base64: String(dataUrl).split(',')[1],
    mime_type: file.type || 'image/jpeg',
    ...(caption ? { caption } : {}),
  });
  if (res) {
    if (res.wamid) state.localImages.set(res.wamid, dataUrl);
    $('text').value = '';
    state.lastJson = ''; // re-render so the preview shows
    refresh();
  }
});

$('send-location').addEventListener('click', () => {
  const loc = LOCATIONS[state.locationIndex++ % LOCATIONS.length];
  send({ type: 'location', ...loc });
});

// ---------- live updates ----------
// Prefer the server's SSE hint ("refetch wa_id"); poll every second as the
// fallback, and slowly even when SSE is up in case an event is missed.

// Remembered per tab: once the hint stream is known to be missing (404, or any
// failure before it ever opened), don't try again; polling does the job.
const NO_SSE_KEY = 'parley.demo.noSse';

function startEvents() {
  if (!('EventSource' in window)) return;
  try { if (sessionStorage.getItem(NO_SSE_KEY)) return; } catch { /* storage blocked */ }
  const es = new EventSource('/demo/api/events');
  let opened = false;
  es.onopen = () => { opened = true; state.sseLive = true; };
  es.onerror = () => {
    state.sseLive = false;
    // A stream that never opened (404, wrong content type) won't start working
    // by retrying: stop for good and keep polling every second.
    if (!opened || es.readyState === EventSource.CLOSED) {
      es.close();
      if (!opened) {
        try { sessionStorage.setItem(NO_SSE_KEY, '1'); } catch { /* fine */ }
      }
    }
    // Otherwise it was live and dropped: EventSource reconnects by itself.
  };
  es.addEventListener('phone', (e) => {
    let waId = null;
    try { waId = JSON.parse(e.data).wa_id; } catch { return; }
    if (waId === state.selected) refresh();
    else if (waId) {
      state.unread.add(waId);
      if (!state.customers.some((c) => c.wa_id === waId)) {
        loadCustomers();
        return;
      }
      renderCustomers();
    }
  });
}

// Without the hint stream, the other customers' chats are checked every few
// seconds so a reply to them still gets its "new" badge.
const outCounts = new Map(); // wa_id -> number of Parley messages seen

function countOut(items) {
  return (items || []).filter((x) => x.direction !== 'in').length;
}

async function pollOthers() {
  for (const c of state.customers) {
    if (c.wa_id === state.selected) continue;
    try {
      const data = await call('GET', `/demo/api/conversation?wa_id=${encodeURIComponent(c.wa_id)}`);
      const n = countOut(data.items);
      const before = outCounts.get(c.wa_id);
      outCounts.set(c.wa_id, n);
      if (before != null && n > before && c.wa_id !== state.selected) {
        state.unread.add(c.wa_id);
        renderCustomers();
      }
    } catch { /* next round */ }
  }
}

let pollCount = 0;
setInterval(() => {
  pollCount += 1;
  if (document.hidden) return;
  if (!state.sseLive || pollCount % 5 === 0) refresh();
  if (!state.sseLive && pollCount % 4 === 0) pollOthers();
}, 1000);

startEvents();
loadCustomers();

// A small Server-Sent Events reader over fetch(). EventSource can't send an
// Authorization header, so we read the stream ourselves.

/**
 * Incremental SSE parser. Feed it text chunks; it calls onEvent({event, data,
 * id}) for each complete event. Comments (": keepalive") are ignored.
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let event = '';
  let data = [];
  let id = null;

  function dispatch() {
    if (data.length) onEvent({ event: event || 'message', data: data.join('\n'), id });
    event = '';
    data = [];
  }

  function line(l) {
    if (l === '') return dispatch();
    if (l[0] === ':') return; // comment / keepalive
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
    // "retry" is ignored: we use our own backoff.
  }

  return function feed(chunk) {
    buffer += chunk;
    // Lines end with \n, \r\n or \r. Keep a trailing \r in the buffer in case
    // its \n arrives in the next chunk.
    const re = /\r\n|\n|\r(?!$)/g;
    let start = 0;
    let m;
    while ((m = re.exec(buffer))) {
      line(buffer.slice(start, m.index));
      start = m.index + m[0].length;
    }
    buffer = buffer.slice(start);
  };
}

/**
 * Open a long-lived authenticated SSE connection with reconnect + backoff.
 * Returns {close()}. Callbacks: onOpen(isReconnect), onEvent(evt),
 * onStatus('connecting'|'live'|'offline'), onUnauthorized().
 */
export function connectSse(url, { headers, onOpen, onEvent, onStatus, onUnauthorized }) {
  let closed = false;
  let controller = null;
  let attempt = 0;
  let opened = false;
  let timer = null;

  async function run() {
    if (closed) return;
    controller = new AbortController();
    onStatus?.('connecting');
    try {
      const res = await fetch(url, {
        headers: { Accept: 'text/event-stream', ...headers() },
        signal: controller.signal,
        cache: 'no-store',
      });
      if (res.status === 401) {
        onStatus?.('offline');
        onUnauthorized?.();
        return;
      }
      if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
      onStatus?.('live');
      onOpen?.(opened);
      opened = true;
      attempt = 0;
      const feed = createSseParser((evt) => {
        try { onEvent(evt); } catch (err) { console.error('event handler failed', evt, err); }
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        feed(value);
      }
    } catch (err) {
      if (closed) return;
      console.warn('event stream dropped', err);
    }
    if (closed) return;
    onStatus?.('offline');
    // Exponential backoff with jitter so a restarting server isn't stampeded.
    const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt = Math.min(attempt + 1, 5);
    timer = setTimeout(run, delay);
  }

  run();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}

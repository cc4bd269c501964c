// Media needs the bearer token, so <img src> can't load it directly. We fetch
// it as a Blob once per media id and hand out an object URL.
import { api } from './api.js';

const cache = new Map(); // url -> Promise<objectURL>

export function mediaObjectUrl(url) {
  if (!url) return Promise.reject(new Error('no media url'));
  if (!cache.has(url)) {
    const p = (async () => {
      const res = url.startsWith('/api/v1/')
        ? await api.mediaResponse(url)
        : await fetch(url); // non-API urls (e.g. a CDN) need no token
      if (!res.ok) throw new Error(`media HTTP ${res.status}`);
      return URL.createObjectURL(await res.blob());
    })();
    p.catch(() => cache.delete(url)); // allow a later retry
    cache.set(url, p);
  }
  return cache.get(url);
}

/** Release every object URL (on sign-out). */
export function clearMediaCache() {
  for (const p of cache.values()) p.then((u) => URL.revokeObjectURL(u), () => {});
  cache.clear();
}

/** Download via a temporary <a download> so the filename is kept. */
export async function downloadMedia(url, filename) {
  const objectUrl = await mediaObjectUrl(url);
  const a = document.createElement('a');
  a.href = objectUrl;
  a.download = filename || 'download';
  document.body.append(a);
  a.click();
  a.remove();
}

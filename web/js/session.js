// The sign-in token lives in localStorage so a reload keeps the agent signed in.
const TOKEN_KEY = 'parley.token';

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch { /* private mode: the session just won't survive a reload */ }
}

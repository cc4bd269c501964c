// The inbox's top-level screens and their addresses: #ticket=N (and no hash)
// is the inbox, #floor the supervisor's floor, #reports the quality reports,
// #settings/<section> the admin screens. Screens other than the inbox mount the first time they are shown
// and stay mounted (their live state keeps up while hidden).
const RANK = { agent: 0, supervisor: 1, admin: 2 };

export const SCREENS = [
  { id: 'inbox', label: 'Inbox', role: 'agent' },
  { id: 'floor', label: 'Floor', role: 'supervisor' },
  { id: 'reports', label: 'Reports', role: 'supervisor' },
  { id: 'settings', label: 'Settings', role: 'admin' },
];

export function canSee(agent, screen) {
  return Boolean(agent) && (RANK[agent.role] ?? 0) >= (RANK[screen.role] ?? 0);
}

/** "#settings/routing" → {screen: 'settings', section: 'routing'}; anything else → inbox. */
export function parseHash(hash) {
  const m = /^#(floor|reports|settings)(?:\/([a-z-]+))?$/.exec(hash || '');
  if (!m) return { screen: 'inbox', section: null };
  return { screen: m[1], section: m[2] || null };
}

// The bell in the header: desktop alerts on/off. Browsers only let a page ask
// for notification permission from a user gesture, so the first click asks;
// after that it is a toggle (aria-pressed). In-page toasts always show.
import { h } from '../util/dom.js';
import {
  desktopPermission, desktopAlertsOn, setDesktopAlerts, requestDesktopPermission,
} from '../notifications.js';
import { notify } from './toast.js';

export function mountAlertBell(root) {
  const icon = h('span', { 'aria-hidden': 'true' });
  const button = h('button.btn.btn-icon.alert-bell#alert-bell', {
    type: 'button', 'aria-label': 'Desktop alerts', onclick: onClick,
  }, icon);
  root.replaceChildren(button);
  paint();

  async function onClick() {
    const permission = desktopPermission();
    if (permission === 'default') {
      const result = await requestDesktopPermission();
      if (result === 'granted') notify('Desktop alerts are on: you’ll see them when this tab is in the background.', 'info');
      else if (result === 'denied') notify('Desktop alerts are blocked. Allow notifications for this site in the browser’s settings.', 'error');
    } else if (permission === 'granted') {
      setDesktopAlerts(!desktopAlertsOn());
      notify(desktopAlertsOn() ? 'Desktop alerts on.' : 'Desktop alerts off. Alerts still show in this tab.', 'info');
    } else if (permission === 'denied') {
      notify('Desktop alerts are blocked. Allow notifications for this site in the browser’s settings.', 'error');
    }
    paint();
  }

  function paint() {
    const permission = desktopPermission();
    button.hidden = permission === 'unsupported';
    const on = permission === 'granted' && desktopAlertsOn();
    icon.textContent = on ? '🔔' : '🔕';
    button.setAttribute('aria-pressed', String(on));
    button.title = {
      default: 'Turn on desktop alerts (assignments, SLA warnings and breaches, escalations)',
      granted: on ? 'Desktop alerts are on (click to turn off)' : 'Desktop alerts are off (click to turn on)',
      denied: 'Desktop alerts are blocked in the browser settings',
    }[permission] || '';
  }

  // The permission can change in the browser's site settings.
  navigator.permissions?.query({ name: 'notifications' })
    .then((status) => { status.onchange = paint; })
    .catch(() => {});
}

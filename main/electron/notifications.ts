/**
 * Desktop notifications for newly raised alerts. What to show is decided by the plain
 * {@link AlertNotifier} (main/core/alert-notifier.ts); this file only feeds it the core's deltas
 * and a clock, and shows what it returns. Clicking a notification brings the window forward on
 * the alerts view.
 */
import { type BrowserWindow, Notification } from 'electron';
import { type AlertNotification, AlertNotifier } from '../core/alert-notifier.js';
import type { ConsoleBackend } from '../core/console-host.js';
import { showAlertsView } from './main-window.js';

/**
 * Notifications kept referenced until they close: Electron drops the click handler of one that
 * is garbage-collected while it is still on screen. Bounded, as the OS keeps few on screen anyway.
 */
const MAX_LIVE_NOTIFICATIONS = 20;

/** Shows notifications for the alerts `service` raises; returns the dispose (safe to call twice). */
export function startAlertNotifications(
  service: Pick<ConsoleBackend, 'subscribe'>,
  window: BrowserWindow,
): () => void {
  if (!Notification.isSupported()) return () => {};
  const notifier = new AlertNotifier();
  const live = new Set<Notification>();
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;

  const show = (notifications: readonly AlertNotification[]): void => {
    for (const { title, body } of notifications) {
      const notification = new Notification({ title, body });
      const release = () => live.delete(notification);
      notification.on('click', () => {
        release();
        showAlertsView(window);
      });
      notification.on('close', release);
      notification.on('failed', (_event, error) => {
        release();
        console.error('Fleetdeck: a notification failed', error);
      });
      live.add(notification);
      if (live.size > MAX_LIVE_NOTIFICATIONS) {
        const [oldest] = live;
        if (oldest) live.delete(oldest);
      }
      notification.show();
    }
  };

  // One timer at a time, set for when the notifier's held burst is due.
  const schedule = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const due = notifier.nextFlushAt;
    if (due === null || disposed) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        show(notifier.flush(Date.now()));
        schedule();
      },
      Math.max(0, due - Date.now()),
    );
  };

  const unsubscribe = service.subscribe((delta) => {
    show(notifier.handleDelta(delta, Date.now()));
    schedule();
  });

  return () => {
    if (disposed) return;
    disposed = true;
    unsubscribe();
    clearTimeout(timer);
    live.clear();
  };
}

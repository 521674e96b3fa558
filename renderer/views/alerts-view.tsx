import { useEffect, useState } from 'react';
import type { Alert } from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { AlertsList } from '../components/alerts-list.js';
import { useActiveAlerts } from '../stores/health-hooks.js';
import type { HealthStore } from '../stores/health-store.js';

/** Active alerts, then the recently resolved ones (fetched when the view opens). Placeholder until the alerts slice lands. */
export function AlertsView({ health, api }: { readonly health: HealthStore; readonly api: ViewApi }) {
  const alerts = useActiveAlerts(health);
  const [recent, setRecent] = useState<readonly Alert[] | null>(null);
  useEffect(() => {
    let live = true;
    api.getAlerts().then(
      (snapshot) => live && setRecent(snapshot.recent),
      () => live && setRecent([]),
    );
    return () => {
      live = false;
    };
  }, [api]);
  return (
    <>
      <AlertsList alerts={alerts} />
      {recent !== null && recent.length > 0 && <p className="muted">{recent.length} resolved recently</p>}
    </>
  );
}

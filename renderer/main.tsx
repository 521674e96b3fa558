/** The renderer's composition root: everything is created and wired here, by hand, once. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getConsoleApi } from './api/get-console-api.js';
import { App } from './app.js';
import { createFleetStore } from './stores/fleet-store.js';
import { syncFleetStore } from './stores/fleet-sync.js';
import { createHealthStore } from './stores/health-store.js';
import { syncHealthStore } from './stores/health-sync.js';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

const connection = getConsoleApi();
const store = createFleetStore();
const stopSync = syncFleetStore(connection, store);
const health = createHealthStore();
const stopHealthSync = syncHealthStore(connection, health);

// The window owns the connection; closing it lets the server see a clean 1000 close.
window.addEventListener('pagehide', (event) => {
  if (event.persisted) return;
  stopSync();
  stopHealthSync();
  connection.dispose();
});

createRoot(container).render(
  <StrictMode>
    <App store={store} health={health} connection={connection} />
  </StrictMode>,
);

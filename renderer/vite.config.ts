/**
 * Builds the renderer into dist/renderer. `base: './'` keeps every asset URL relative, so the
 * same output loads from file:// in Electron and from the web-mode HTTP server.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The renderer's Vite configuration (root is this folder, whatever the working directory). */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Electron 41 and the Chromium that tests use both run modern JS; no legacy transforms.
    target: 'es2022',
  },
});

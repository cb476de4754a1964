import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  // The agent serves dist/ itself; relative asset URLs keep the page working whatever path it is mounted at.
  base: './',
  plugins: [react()],
});

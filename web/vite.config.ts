import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is built into dist/web, which `yinji serve` serves (src/server/console.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // antd and ECharts are large; one chunk per page group keeps the first load small.
    chunkSizeWarningLimit: 1500,
  },
});

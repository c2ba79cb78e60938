import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: dist/ can be served from any path.
  base: './',
  build: {
    // One app bundle for a test; its size is Amplify UI's, not a concern here.
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      onLog(level, log, handler) {
        // Radix UI's "use client" directives mean nothing in a client-only bundle.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Removes each file's temporary directories when it ends.
    setupFiles: ['test/setup.ts'],
    // Crash-recovery tests spawn child processes and fsync; give them room on a shared 2-core box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

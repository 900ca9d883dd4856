import { defineConfig } from 'vitest/config';

// The real-JupyterLab test needs a Python environment with jupyterlab and the built wheel, which
// scripts/jupyter-tests.sh prepares; the default `vitest run` (tests/**/*.test.ts) leaves it out.
export default defineConfig({
  test: {
    include: ['tests/jupyter/**/*.e2e.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});

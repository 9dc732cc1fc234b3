import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

// Vite empties dist/ before each build, but Go's `//go:embed all:frontend/dist`
// needs the folder to exist in a fresh clone, so .gitkeep is committed and
// written back after every build.
function keepDist(): Plugin {
  return {
    name: 'warta-keep-dist',
    writeBundle() {
      writeFileSync(resolve(import.meta.dirname, 'dist/.gitkeep'), '')
    },
  }
}

export default defineConfig({
  plugins: [svelte(), keepDist()],
  build: { target: 'es2020', chunkSizeWarningLimit: 1500 },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
  },
})

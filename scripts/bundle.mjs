// Bundles src/index.ts into the one committed dist/index.js that the runner executes (node24, ESM).
// Usage: node scripts/bundle.mjs [outdir]   (the dist check builds into a temp dir and compares)
import { build } from 'esbuild'

const outdir = process.argv[2] ?? 'dist'
await build({
  entryPoints: ['src/index.ts'],
  outfile: `${outdir}/index.js`,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle need a real require.
  banner: {
    js: "import { createRequire as __scCreateRequire } from 'node:module'; const require = __scCreateRequire(import.meta.url);"
  }
})

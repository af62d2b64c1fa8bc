// The jail as the action builds it, with the bubblewrap bundled in this repository's own @openai/codex install (the
// action uses the one bundled in the codex it installs).
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createJail, type Jail } from '../src/adapters/jail.js'

const TRIPLES: Record<string, string> = {
  x64: 'x86_64-unknown-linux-musl',
  arm64: 'aarch64-unknown-linux-musl'
}

/** The bubblewrap executable bundled with the repository's @openai/codex devDependency. */
export function bundledBwrap(): string {
  const require = createRequire(import.meta.url)
  const pkg = require.resolve(`@openai/codex-linux-${process.arch}/package.json`)
  return path.join(
    path.dirname(pkg),
    'vendor',
    TRIPLES[process.arch] ?? process.arch,
    'codex-resources',
    'bwrap'
  )
}

export function testJail(options: { verify?: () => Promise<string | null>; bwrap?: string } = {}): Jail {
  return createJail({ bwrap: options.bwrap ?? bundledBwrap(), verify: options.verify })
}

/**
 * A folder for host files a jailed test must find read-only, outside /tmp: the jail's /tmp is an overlay of the host's,
 * where a write seems to succeed and vanishes, as on a runner whose RUNNER_TEMP and checkout are elsewhere. The
 * repository's node_modules/.cache, or /var/tmp when the repository itself lies under /tmp (a clone made there).
 */
export function outsideTmp(name: string): string {
  const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)))
  const underTmp = root === '/tmp' || root.startsWith('/tmp/')
  return underTmp ? path.join('/var/tmp', name) : path.join(root, 'node_modules', '.cache', name)
}

// The git adapter against REAL git: sample checkouts made the way actions/checkout makes them (shallow, persisted
// credentials in both of its styles), a bare remote over file:// or git's smart HTTP, worktrees, diffs and clean-up.
import { existsSync, readdirSync } from 'node:fs'
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
  rename,
  readlink,
  lstat
} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { createGitRepo, type GitRepo } from '../../src/adapters/git-cli.js'
import { readCheckoutTokens } from '../../src/adapters/git-credentials.js'
import { gitVersion } from '../../src/adapters/git-exec.js'
import { changedFiles } from '../../src/domain/git-diff-parse.js'
import { baseFilesNeeded, checkPolicy } from '../../src/domain/policy.js'
import { redact as redactSecrets } from '../../src/domain/secrets.js'
import { applyHunks, patchSections } from '../../src/domain/patch.js'
import type { ChangedFile } from '../../src/ports.js'
import { findLeaks } from '../../test-support/leaks.js'
import { recordingLog } from '../../test-support/recording-log.js'
import {
  SAMPLE_REPO_DIR,
  SAMPLE_SHORT_IDS,
  sampleStackFrames
} from '../../test-support/sandbox/sample-frames.js'
import {
  createSampleCheckout,
  git,
  run,
  SAMPLE_FIXES,
  type SampleCheckout,
  type SampleCheckoutOptions
} from '../../test-support/sandbox/sample-repo.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function sampleCheckout(options: SampleCheckoutOptions = {}): Promise<SampleCheckout> {
  const sample = await createSampleCheckout(options)
  cleanups.push(() => sample.cleanup())
  return sample
}

function repoFor(sample: SampleCheckout): { repo: GitRepo; log: ReturnType<typeof recordingLog> } {
  const log = recordingLog()
  const repo = createGitRepo({
    dir: sample.checkout,
    worktreesDir: path.join(sample.runnerTemp, 'worktrees'),
    runnerTemp: sample.runnerTemp,
    log
  })
  return { repo, log }
}

/** git as the agent would run it inside a worktree: plain discovery, the user's environment. */
async function agentGit(cwd: string, args: string[]): Promise<string> {
  const result = await run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`)
  return result.stdout
}

/** The tree git would record for a working directory (tracked + untracked, not ignored), by a throw-away index. */
async function treeOf(workDir: string, base: string): Promise<string> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'tree-of-'))
  try {
    const env = { GIT_INDEX_FILE: path.join(tmp, 'index') }
    await git(workDir, ['read-tree', base], { env })
    await git(workDir, ['add', '--all'], { env })
    return await git(workDir, ['write-tree'], { env })
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

/** A full clone of the sample's remote, detached at `sha`, for applying patches to. */
async function freshClone(sample: SampleCheckout, sha: string): Promise<string> {
  const dir = await mkdtemp(path.join(sample.root, 'fresh-'))
  await git(sample.root, ['clone', '--quiet', `file://${sample.bare}`, dir])
  await git(dir, ['checkout', '--quiet', '--detach', sha])
  return dir
}

async function nodeTest(cwd: string, files: string[] = []): Promise<{ code: number; output: string }> {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  delete env.NODE_TEST_CONTEXT
  const result = await run(process.execPath, ['--test', '--test-reporter=tap', ...files], {
    cwd,
    env,
    timeoutMs: 60_000
  })
  return { code: result.code, output: result.stdout + result.stderr }
}

async function worktreeList(dir: string): Promise<string> {
  return git(dir, ['worktree', 'list', '--porcelain'])
}

/** A credentials file as a second actions/checkout step with persist-credentials leaves it (another repository). */
async function secondCheckoutCredentials(runnerTemp: string, token: string): Promise<string> {
  const file = path.join(runnerTemp, 'git-credentials-0f1e2d3c-4b5a-6978-8a9b-acbdcedfe0f1.config')
  const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
  await git(runnerTemp, ['config', '--file', file, 'http.https://github.com/.extraheader', header])
  await chmod(file, 0o600)
  return file
}

/** The token of that second checkout: not github-token, so only what is read from its file makes it a secret. */
const OTHER_CHECKOUT_TOKEN = 'ghs_otherCheckoutToken0123456789abcdefXY'

const logText = (log: ReturnType<typeof recordingLog>) => log.lines.map(l => l.message).join('\n')

// ------------------------------------------------------------------------------------------------ worktrees

describe('createGitRepo: worktrees', () => {
  it('makes a detached worktree at the base SHA of a depth-1 checkout', async () => {
    const sample = await sampleCheckout({ depth: 1 })
    expect(await git(sample.checkout, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    const { repo } = repoFor(sample)
    const worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    expect(worktree.path).toBe(path.join(sample.runnerTemp, 'worktrees', 'API-12'))
    expect(worktree.baseSha).toBe(sample.baseSha)
    expect((await agentGit(worktree.path, ['rev-parse', 'HEAD'])).trim()).toBe(sample.baseSha)
    const branch = await run('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: worktree.path })
    expect(branch.code).not.toBe(0)
    expect(await readFile(path.join(worktree.path, 'src/cart/totals.js'), 'utf8')).toContain(
      'cart.summary.total'
    )
    expect((await agentGit(worktree.path, ['status', '--porcelain'])).trim()).toBe('')
    await worktree[Symbol.asyncDispose]()
  })

  it('fetches a base commit that the shallow checkout does not have', async () => {
    const sample = await sampleCheckout({ depth: 1 })
    const missing = await run('git', ['cat-file', '-e', `${sample.initialSha}^{commit}`], {
      cwd: sample.checkout
    })
    expect(missing.code).not.toBe(0)
    const { repo, log } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.initialSha, 'API-31')
    expect((await agentGit(worktree.path, ['rev-parse', 'HEAD'])).trim()).toBe(sample.initialSha)
    // the initial commit still has API-31's bug
    expect(await readFile(path.join(worktree.path, 'src/cart/discounts.js'), 'utf8')).toContain('CODES[code]')
    expect(log.lines.some(l => l.message.includes('fetching it from origin'))).toBe(true)
  })

  it('fails clearly when the missing commit could only be fetched with the removed credential', async () => {
    const sample = await sampleCheckout({ depth: 1, remote: 'http', persistCredentials: 'extraheader' })
    const http = sample.http!
    const before = http.requests.length
    expect(http.requests.every(r => r.authorized)).toBe(true) // the checkout itself used the persisted header
    const { repo } = repoFor(sample)
    await expect(repo.addWorktree(sample.initialSha, 'API-31')).rejects.toThrow(
      /does not have the base commit .* needs credentials.*fetch-depth: 0/s
    )
    const after = http.requests.slice(before)
    expect(after.length).toBeGreaterThan(0)
    expect(after.every(r => r.authorization === null && r.status === 401)).toBe(true)
    expect(existsSync(path.join(sample.runnerTemp, 'worktrees', 'API-31'))).toBe(false)
  })

  it('removes the worktree on dispose, and a second dispose (or a vanished folder) is fine', async () => {
    const sample = await sampleCheckout()
    const { repo, log } = repoFor(sample)
    let kept = ''
    {
      await using worktree = await repo.addWorktree(sample.baseSha, 'WEB-9')
      kept = worktree.path
      await writeFile(path.join(worktree.path, 'scratch.txt'), 'uncommitted work\n')
      expect(await worktreeList(sample.checkout)).toContain(kept)
    }
    expect(existsSync(kept)).toBe(false)
    expect(await worktreeList(sample.checkout)).not.toContain(kept)

    const again = await repo.addWorktree(sample.baseSha, 'WEB-9')
    await again[Symbol.asyncDispose]()
    await expect(again[Symbol.asyncDispose]()).resolves.toBeUndefined()

    const vanished = await repo.addWorktree(sample.baseSha, 'WEB-7')
    await rm(vanished.path, { recursive: true, force: true })
    await expect(vanished[Symbol.asyncDispose]()).resolves.toBeUndefined()
    expect(await worktreeList(sample.checkout)).not.toContain(vanished.path)
    expect(log.lines.filter(l => l.level === 'warning')).toEqual([])
    await expect(repo.diff(vanished)).rejects.toThrow(/not a live worktree/)
  })

  it('replaces the leftover folder of an earlier run that crashed', async () => {
    const sample = await sampleCheckout()
    const leftover = path.join(sample.runnerTemp, 'worktrees', 'API-12')
    await mkdir(leftover, { recursive: true })
    await writeFile(path.join(leftover, 'stale.txt'), 'old')
    const { repo, log } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    expect(existsSync(path.join(worktree.path, 'stale.txt'))).toBe(false)
    expect(log.lines.some(l => l.level === 'warning' && l.message.includes('leftover'))).toBe(true)
  })

  it('refuses what is not a full SHA or a plain worktree name', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await expect(repo.addWorktree('main', 'API-12')).rejects.toThrow(/full commit SHA/)
    await expect(repo.addWorktree('--upload-pack=touch', 'API-12')).rejects.toThrow(/full commit SHA/)
    await expect(repo.addWorktree(sample.baseSha, '../escape')).rejects.toThrow(/cannot name a worktree/)
  })

  it('reports the installed git version', async () => {
    expect(await gitVersion()).toMatch(/^\d+\.\d+/)
  })
})

// ------------------------------------------------------------------------------------------------ credentials

describe('createGitRepo: persisted credentials', () => {
  it("removes actions/checkout's extraheader before the first worktree: the agent's git shows no token", async () => {
    const sample = await sampleCheckout({ persistCredentials: 'extraheader' })
    const configBefore = await readFile(path.join(sample.checkout, '.git/config'), 'utf8')
    expect(findLeaks([sample.token], { config: configBefore })).toHaveLength(1)
    const { repo, log } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    const removedAt = log.lines.findIndex(l => l.message.includes('Removed persisted credentials'))
    const createdAt = log.lines.findIndex(l => l.message.startsWith('Worktree '))
    expect(removedAt).toBeGreaterThanOrEqual(0)
    expect(removedAt).toBeLessThan(createdAt)
    const seen = {
      'git config --list in the worktree': await agentGit(worktree.path, [
        'config',
        '--list',
        '--show-origin',
        '--includes'
      ]),
      'the checkout .git/config': await readFile(path.join(sample.checkout, '.git/config'), 'utf8'),
      'the log': log.lines.map(l => l.message).join('\n')
    }
    expect(findLeaks([sample.token], seen)).toEqual([])
    expect(seen['git config --list in the worktree']).not.toMatch(/extraheader/i)
    expect(seen['the log']).toContain('http.https://github.com/.extraheader')
  })

  it('removes the includeIf entries of actions/checkout v6 and deletes the credentials file they name', async () => {
    const sample = await sampleCheckout({ remote: 'http', persistCredentials: 'include-if' })
    const file = sample.credentialsFile!
    expect(existsSync(file)).toBe(true)
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'WEB-7')
    const config = await agentGit(worktree.path, ['config', '--list', '--show-origin', '--includes'])
    expect(findLeaks([sample.token], { config })).toEqual([])
    expect(config).not.toMatch(/includeif/i)
    expect(existsSync(file)).toBe(false)
    expect(readdirSync(sample.runnerTemp).filter(name => name.startsWith('git-credentials-'))).toEqual([])
  })

  it("deletes a second checkout's credentials file too (not included by this checkout), and restores it", async () => {
    const sample = await sampleCheckout({ remote: 'http', persistCredentials: 'include-if' })
    const other = await secondCheckoutCredentials(sample.runnerTemp, OTHER_CHECKOUT_TOKEN)
    const before = await readFile(other)
    const { repo, log } = repoFor(sample)
    const worktree = await repo.addWorktree(sample.baseSha, 'WEB-7')
    expect(existsSync(other)).toBe(false)
    expect(readdirSync(sample.runnerTemp).filter(name => name.startsWith('git-credentials-'))).toEqual([])
    // the agent's shell can read RUNNER_TEMP: nothing of either token is left there or in the worktree's config
    const config = await agentGit(worktree.path, ['config', '--list', '--show-origin', '--includes'])
    expect(findLeaks([sample.token, OTHER_CHECKOUT_TOKEN], { config, logged: logText(log) })).toEqual([])
    expect(logText(log)).toContain(`${path.basename(other)} (file)`)
    await worktree[Symbol.asyncDispose]()
    expect(await repo.restoreCredentials()).toBe(true)
    expect(await readFile(other)).toEqual(before)
    expect(existsSync(sample.credentialsFile!)).toBe(true)
  })

  it("reads the token of every checkout's credentials file, for masking and the secret scan", async () => {
    const sample = await sampleCheckout({ persistCredentials: 'include-if' })
    await secondCheckoutCredentials(sample.runnerTemp, OTHER_CHECKOUT_TOKEN)
    await writeFile(path.join(sample.runnerTemp, 'notes.config'), 'AUTHORIZATION: basic bm90Om1pbmU=\n')
    expect((await readCheckoutTokens(sample.runnerTemp)).sort()).toEqual(
      [sample.token, OTHER_CHECKOUT_TOKEN].sort()
    )
    expect(await readCheckoutTokens(path.join(sample.root, 'no-such-folder'))).toEqual([])
  })

  it('also removes credential helpers, core.sshCommand, passwords in remote URLs and insteadOf URLs', async () => {
    const sample = await sampleCheckout({ persistCredentials: 'extraheader' })
    const secret = 'ghp_insteadOfSecret0123456789'
    const pushSecret = 'pushurlSecret987'
    await git(sample.checkout, ['config', 'credential.helper', 'store --file=/tmp/creds'])
    await git(sample.checkout, ['config', 'credential.https://github.com.helper', 'manager'])
    await git(sample.checkout, ['config', 'core.sshCommand', 'ssh -i /tmp/deploy_key'])
    await git(sample.checkout, [
      'config',
      'remote.origin.pushurl',
      `https://bot:${pushSecret}@github.com/acme/shop.git`
    ])
    await git(sample.checkout, [
      'config',
      `url.https://x-access-token:${secret}@github.com/.insteadOf`,
      'https://github.com/'
    ])
    await git(sample.checkout, [
      'config',
      `http.https://bot:${secret}@git.example/.extraheader`,
      'X-Trace: 1'
    ])
    await git(sample.checkout, ['config', 'user.name', 'Someone'])
    const { repo, log } = repoFor(sample)
    const removed = await repo.scrubCredentials()
    expect(removed).toEqual(
      expect.arrayContaining([
        'http.https://github.com/.extraheader',
        'credential.helper',
        'credential.https://github.com.helper',
        'core.sshcommand',
        'remote.origin.pushurl (password)',
        'url.https://***@github.com/.insteadof',
        'http.https://***@git.example/.extraheader'
      ])
    )
    const config = await readFile(path.join(sample.checkout, '.git/config'), 'utf8')
    // not in the file, not in what is reported, and not on any git command line (every one is logged at debug)
    const logged = log.lines.map(l => l.message).join('\n')
    expect(logged).toContain('git config --file')
    expect(
      findLeaks([sample.token, secret, pushSecret], { config, removed: removed.join('\n'), logged })
    ).toEqual([])
    expect(config).toContain('pushurl = https://github.com/acme/shop.git')
    expect(config).toContain('name = Someone')
    expect(config).not.toMatch(/helper|sshcommand|insteadof/i)
  })

  it("removes the header from submodules' configs too (actions/checkout persists it there as well)", async () => {
    const sample = await sampleCheckout()
    const moduleDir = path.join(sample.checkout, '.git/modules/vendor/ui-kit')
    await mkdir(path.dirname(moduleDir), { recursive: true })
    await git(sample.root, [
      'init',
      '--quiet',
      `--separate-git-dir=${moduleDir}`,
      path.join(sample.root, 'ui-kit')
    ])
    const header = 'AUTHORIZATION: basic c3VibW9kdWxlLXRva2Vu'
    await git(moduleDir, ['config', 'http.https://github.com/.extraheader', header])
    const { repo } = repoFor(sample)
    expect(await repo.scrubCredentials()).toEqual(['http.https://github.com/.extraheader'])
    expect(await readFile(path.join(moduleDir, 'config'), 'utf8')).not.toContain('c3VibW9kdWxlLXRva2Vu')
  })

  it('puts everything back in place once no worktree is live, and not before', async () => {
    const sample = await sampleCheckout({ remote: 'http', persistCredentials: 'include-if' })
    await git(sample.checkout, [
      'config',
      'http.https://other.example/.extraheader',
      'AUTHORIZATION: basic "quoted\\value"'
    ])
    await git(sample.checkout, ['config', '--add', 'credential.helper', ''])
    await git(sample.checkout, ['config', '--add', 'credential.helper', 'cache --timeout=60'])
    await git(sample.checkout, ['config', 'url.https://u:pw@example.com/.insteadOf', 'https://example.com/'])
    const listConfig = async () =>
      (await git(sample.checkout, ['config', '--list', '--local', '--includes'])).split('\n').sort()
    const before = await listConfig()
    const fileBefore = await readFile(sample.credentialsFile!)
    const modeBefore = (await stat(sample.credentialsFile!)).mode
    const { repo, log } = repoFor(sample)
    const worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    expect(await listConfig()).not.toEqual(before)
    expect(await repo.restoreCredentials()).toBe(false)
    expect(log.lines.some(l => l.level === 'warning' && l.message.includes('Not restoring'))).toBe(true)
    await worktree[Symbol.asyncDispose]()
    expect(await repo.restoreCredentials()).toBe(true)
    expect(await listConfig()).toEqual(before)
    expect(await readFile(sample.credentialsFile!)).toEqual(fileBefore)
    expect((await stat(sample.credentialsFile!)).mode).toBe(modeBefore)
    // the checkout works with its credential again, and the token never went through a command line or the log
    await git(sample.checkout, ['fetch', '--quiet', 'origin'])
    const logged = log.lines.map(l => l.message).join('\n')
    expect(findLeaks([sample.token, 'quoted\\value', 'u:pw'], { logged })).toEqual([])
    // and a new worktree scrubs again
    await using again = await repo.addWorktree(sample.baseSha, 'API-12')
    const config = await agentGit(again.path, ['config', '--list', '--includes'])
    expect(findLeaks([sample.token], { config })).toEqual([])
  })

  it('will not hand out a worktree in which a credential is still visible', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await repo.scrubCredentials()
    // a credential that appears after the scrub (scrubbing is done once) is caught by the check on the new worktree
    await git(sample.checkout, [
      'config',
      'http.https://github.com/.extraheader',
      'AUTHORIZATION: basic bGF0ZQ=='
    ])
    await expect(repo.addWorktree(sample.baseSha, 'API-12')).rejects.toThrow(/still visible/)
    expect(existsSync(path.join(sample.runnerTemp, 'worktrees', 'API-12'))).toBe(false)
  })
})

// ------------------------------------------------------------------------------------------------ diff

/** Binary bytes: NULs and high bytes, not UTF-8. */
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0xff, 0xfe, 0x00, 0x42
])

describe('createGitRepo: diff', () => {
  it('covers modified, added, deleted, renamed, binary, symlink, type and executable-bit changes', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    const at = (p: string) => path.join(worktree.path, p)
    // modified
    const totals = await readFile(at('src/cart/totals.js'), 'utf8')
    await writeFile(
      at('src/cart/totals.js'),
      totals.replace('cart.summary.total', 'cart.summary?.total ?? 0')
    )
    // added (untracked), in a new folder, and binary
    await writeFile(at('test/new.test.js'), "import { test } from 'node:test'\ntest('x', () => {})\n")
    await mkdir(at('assets'))
    await writeFile(at('assets/logo.png'), PNG)
    // deleted
    await rm(at('README.md'))
    // renamed, unchanged
    await rename(at('src/data/catalog.js'), at('src/data/products.js'))
    // symlink added; a file turned into a symlink
    await symlink('src/server.js', at('server-link.js'))
    await rm(at('src/format/date.js'))
    await symlink('../server.js', at('src/format/date.js'))
    // executable bit
    await chmod(at('src/server.js'), 0o755)
    // ignored by the sample's .gitignore: not part of the diff
    await writeFile(at('debug.log'), 'noise\n')
    await mkdir(at('node_modules/left-pad'), { recursive: true })
    await writeFile(at('node_modules/left-pad/index.js'), 'module.exports = 1\n')

    const { patch, files } = await repo.diff(worktree)
    const expected: ChangedFile[] = [
      { path: 'README.md', status: 'deleted', additions: 0, deletions: 11, binary: false, mode: null },
      { path: 'assets/logo.png', status: 'added', additions: 0, deletions: 0, binary: true, mode: '100644' },
      { path: 'server-link.js', status: 'added', additions: 1, deletions: 0, binary: false, mode: '120000' },
      {
        path: 'src/cart/totals.js',
        status: 'modified',
        additions: 1,
        deletions: 1,
        binary: false,
        mode: '100644'
      },
      {
        path: 'src/data/products.js',
        oldPath: 'src/data/catalog.js',
        status: 'renamed',
        additions: 0,
        deletions: 0,
        binary: false,
        mode: '100644'
      },
      {
        path: 'src/format/date.js',
        status: 'type-changed',
        additions: 1,
        deletions: 12,
        binary: false,
        mode: '120000'
      },
      {
        path: 'src/server.js',
        status: 'modified',
        additions: 0,
        deletions: 0,
        binary: false,
        mode: '100755'
      },
      { path: 'test/new.test.js', status: 'added', additions: 2, deletions: 0, binary: false, mode: '100644' }
    ]
    expect([...files].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(expected)
    expect(patch).toContain('GIT binary patch')
    expect(patch).toContain('rename from src/data/catalog.js')
    expect(patch).toContain('new mode 100755')
    expect(patch).not.toContain('debug.log')
    expect(patch).not.toContain('left-pad')

    // the worktree's own index is untouched: nothing staged, the new files still untracked
    expect((await agentGit(worktree.path, ['diff', '--cached', '--name-only'])).trim()).toBe('')
    expect(await agentGit(worktree.path, ['status', '--porcelain'])).toContain('?? test/new.test.js')

    // the patch applies cleanly to a fresh clone at base and gives the same tree, byte for byte
    const fresh = await freshClone(sample, sample.baseSha)
    await git(fresh, ['apply', '--binary', '--check', '-'], { input: patch })
    await git(fresh, ['apply', '--binary', '-'], { input: patch })
    expect(await treeOf(fresh, sample.baseSha)).toBe(await treeOf(worktree.path, sample.baseSha))
    expect(await readFile(path.join(fresh, 'assets/logo.png'))).toEqual(PNG)
    expect(await readlink(path.join(fresh, 'server-link.js'))).toBe('src/server.js')
    expect((await lstat(path.join(fresh, 'src/format/date.js'))).isSymbolicLink()).toBe(true)
    expect((await stat(path.join(fresh, 'src/server.js'))).mode & 0o111).not.toBe(0)
    expect(existsSync(path.join(fresh, 'README.md'))).toBe(false)
  })

  it('does not count the paths a sparse checkout leaves out as deleted', async () => {
    const sample = await sampleCheckout()
    await git(sample.checkout, ['sparse-checkout', 'set', 'src'])
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'WEB-9')
    expect(existsSync(path.join(worktree.path, 'test'))).toBe(false)
    await writeFile(path.join(worktree.path, 'src/search/suggest.js'), 'export const suggest = () => []\n')
    const { files } = await repo.diff(worktree)
    expect(files.map(f => `${f.status} ${f.path}`)).toEqual(['modified src/search/suggest.js'])
  })

  it('is empty when nothing changed', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    await writeFile(path.join(worktree.path, 'ignored.log'), 'ignored\n')
    expect(await repo.diff(worktree)).toEqual({ patch: '', files: [] })
  })

  it("diffs only the paths asked for, and a worktree at the base takes that patch: the reproduction run's set-up", async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await using fixed = await repo.addWorktree(sample.baseSha, 'API-12')
    await writeFile(path.join(fixed.path, 'src/cart/totals.js'), 'export const fixed = true\n')
    await mkdir(path.join(fixed.path, 'test/new'), { recursive: true })
    await writeFile(path.join(fixed.path, 'test/new/totals-regression.test.js'), 'export const test = 1\n')
    await writeFile(path.join(fixed.path, 'test/*.js'), 'a file whose name is a glob\n')
    const only = await repo.diff(fixed, { only: ['test/new/totals-regression.test.js'] })
    expect(only.files.map(f => f.path)).toEqual(['test/new/totals-regression.test.js'])
    expect(only.patch).not.toContain('src/cart/totals.js')
    // a path is a literal file name, never a pathspec glob
    expect((await repo.diff(fixed, { only: ['test/*.js'] })).files.map(f => f.path)).toEqual(['test/*.js'])

    await using base = await repo.addWorktree(sample.baseSha, 'API-12.base', { apply: only.patch })
    expect(await readFile(path.join(base.path, 'test/new/totals-regression.test.js'), 'utf8')).toBe(
      'export const test = 1\n'
    )
    expect(await readFile(path.join(base.path, 'src/cart/totals.js'), 'utf8')).toContain('cart.summary.total')
    expect((await repo.diff(base)).files.map(f => f.path)).toEqual(['test/new/totals-regression.test.js'])
  })

  it('removes a worktree whose patch does not apply, and says so', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    const patch =
      'diff --git a/src/cart/totals.js b/src/cart/totals.js\n--- a/src/cart/totals.js\n+++ b/src/cart/totals.js\n' +
      '@@ -1 +1 @@\n-this line is not in the file\n+x\n'
    await expect(repo.addWorktree(sample.baseSha, 'API-12.base', { apply: patch })).rejects.toThrow(
      /the patch does not apply at [0-9a-f]{12}: .*patch does not apply/
    )
    expect(existsSync(path.join(sample.runnerTemp, 'worktrees', 'API-12.base'))).toBe(false)
    expect(await worktreeList(sample.checkout)).not.toContain('API-12.base')
  })

  it('diffs text that is not UTF-8 as binary, so the patch survives being a string', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'WEB-7')
    const latin1 = Buffer.from('Caf\xe9 cr\xe8me\n', 'latin1')
    await writeFile(path.join(worktree.path, 'menu.txt'), latin1)
    await writeFile(path.join(worktree.path, 'notes.md'), 'plain text, UTF-8: café\n')
    const { patch, files } = await repo.diff(worktree)
    expect(files.find(f => f.path === 'menu.txt')).toMatchObject({ status: 'added', binary: true })
    const fresh = await freshClone(sample, sample.baseSha)
    await git(fresh, ['apply', '--binary', '-'], { input: Buffer.from(patch, 'utf8').toString('utf8') })
    expect(await readFile(path.join(fresh, 'menu.txt'))).toEqual(latin1)
    expect(await readFile(path.join(fresh, 'notes.md'), 'utf8')).toBe('plain text, UTF-8: café\n')
  })

  it('records an embedded repository as a gitlink (mode 160000)', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'WEB-9')
    const nested = path.join(worktree.path, 'vendor/lib')
    await mkdir(nested, { recursive: true })
    await git(nested, ['init', '--quiet'])
    await writeFile(path.join(nested, 'index.js'), 'export default 1\n')
    await git(nested, ['add', '--all'])
    await git(nested, ['commit', '--quiet', '-m', 'lib'], { date: '2025-02-01T00:00:00Z' })
    const { files } = await repo.diff(worktree)
    expect(files).toEqual([
      { path: 'vendor/lib', status: 'added', additions: 1, deletions: 0, binary: false, mode: '160000' }
    ])
  })

  it("ignores a .git file the agent rewrote: the diff uses the worktree's real admin directory", async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    const worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    // the agent plants a git directory whose config runs a program on `git add`, and points .git at it
    const marker = path.join(sample.root, 'pwned')
    const evil = path.join(sample.root, 'evil.git')
    await git(sample.root, ['init', '--quiet', '--bare', evil])
    await git(evil, ['config', 'core.bare', 'false'])
    await git(evil, ['config', 'filter.evil.clean', `touch ${marker}; cat`])
    await git(evil, ['config', 'filter.evil.required', 'true'])
    // borrowing the checkout's objects, so that git pointed at it would get as far as running the filter
    await writeFile(
      path.join(evil, 'objects/info/alternates'),
      `${path.join(sample.checkout, '.git/objects')}\n`
    )
    await writeFile(path.join(worktree.path, '.gitattributes'), '* filter=evil\n')
    await writeFile(path.join(worktree.path, '.git'), `gitdir: ${evil}\n`)
    await writeFile(path.join(worktree.path, 'src/new.js'), 'export const x = 1\n')

    const { files } = await repo.diff(worktree)
    expect(existsSync(marker)).toBe(false)
    expect(files.map(f => f.path).sort()).toEqual(['.gitattributes', 'src/new.js'])
    // removal copes with the broken .git file too
    await worktree[Symbol.asyncDispose]()
    expect(existsSync(worktree.path)).toBe(false)
    expect(await worktreeList(sample.checkout)).not.toContain(worktree.path)
    expect(existsSync(marker)).toBe(false)
  })

  it('parses renames and binary entries of -z output', () => {
    const raw = Buffer.from(
      ':100644 100644 aaa bbb R087\0old name.js\0new name.js\0:000000 100755 000 ccc A\0bin/tool\0',
      'utf8'
    )
    const numstat = Buffer.from('3\t1\t\0old name.js\0new name.js\0-\t-\tbin/tool\0', 'utf8')
    expect(changedFiles(raw, numstat)).toEqual([
      {
        path: 'new name.js',
        oldPath: 'old name.js',
        status: 'renamed',
        additions: 3,
        deletions: 1,
        binary: false,
        mode: '100644'
      },
      { path: 'bin/tool', status: 'added', additions: 0, deletions: 0, binary: true, mode: '100755' }
    ])
  })
})

// ------------------------------------------------------------------------------------------------ the sample

/** The codex binary run as `apply_patch` (codex dispatches on argv[0]): codex's own patch parser and applier. */
async function applyPatchTool(dir: string): Promise<string> {
  const base = path.join(ROOT, 'node_modules', '@openai')
  for (const pkg of readdirSync(base).filter(name => name.startsWith('codex-'))) {
    const vendor = path.join(base, pkg, 'vendor')
    if (!existsSync(vendor)) continue
    for (const triple of readdirSync(vendor)) {
      for (const candidate of [
        path.join(vendor, triple, 'bin', 'codex'),
        path.join(vendor, triple, 'codex', 'codex')
      ]) {
        if (existsSync(candidate)) {
          const tool = path.join(dir, 'apply_patch')
          await symlink(candidate, tool)
          return tool
        }
      }
    }
  }
  throw new Error('the @openai/codex native binary is not installed (it is a devDependency: run npm ci)')
}

// ------------------------------------------------------------------------------------------------ the policy, on real diffs

describe('checkPolicy on what the agent left in a real worktree', () => {
  const policyOf = async (
    repo: GitRepo,
    sha: string,
    worktree: Awaited<ReturnType<GitRepo['addWorktree']>>,
    secrets: string[] = []
  ) => {
    const diff = await repo.diff(worktree)
    const verdict = checkPolicy({
      diff,
      denyPaths: [],
      maxChangedFiles: 10,
      maxChangedLines: 400,
      secrets,
      baseFiles: await repo.filesAt(sha, baseFilesNeeded(diff)),
      testCommand: 'npm test'
    })
    return { diff, verdict }
  }

  it('compares package.json scripts as parsed objects: one-line and escaped tricks are refused', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    const file = path.join(worktree.path, 'package.json')
    const base = await readFile(file, 'utf8')
    const fix = base
      .replace('"test": "node --test"', '"test": "node --test",\n    "post\\u0069nstall": "node x.js"')
      .replace('"start": "node src/server.js",', '"start": "node src/server.js", "test": "exit 0",')
      .replace('\n    "test": "node --test",\n', '\n')
    expect(fix).toContain(
      '"scripts": {\n    "start": "node src/server.js", "test": "exit 0",\n    "post\\u0069nstall"'
    )
    await writeFile(file, fix)
    const { diff, verdict } = await policyOf(repo, sample.baseSha, worktree)
    // what the policy reads from the patch is what git wrote
    const [section] = patchSections(diff.patch)
    expect(applyHunks(base, section!.hunks)).toBe(fix)
    expect(verdict).toEqual({
      kind: 'rejected',
      reasons: [
        `package.json sets the npm "test" script (it decides what the action's test run and CI test; not allowed) (line 9)`,
        'package.json sets the npm "postinstall" script (it runs on every install; not allowed) (line 10)'
      ]
    })
  })

  it('allows a package.json edit that leaves the scripts alone', async () => {
    const sample = await sampleCheckout()
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    const file = path.join(worktree.path, 'package.json')
    await writeFile(file, (await readFile(file, 'utf8')).replace('"version": "1.4.0"', '"version": "1.4.1"'))
    expect((await policyOf(repo, sample.baseSha, worktree)).verdict).toEqual({ kind: 'allowed' })
    // CRLF line ends and no final line break: what the policy reads is still the very blob git recorded
    const crlf = (await readFile(file, 'utf8')).replace(/\n/g, '\r\n').replace(/\r\n$/, '')
    await writeFile(file, crlf)
    const { diff, verdict } = await policyOf(repo, sample.baseSha, worktree)
    expect(diff.patch).toContain('\\ No newline at end of file')
    expect(verdict).toEqual({ kind: 'allowed' })
    expect(await repo.filesAt(sample.baseSha, ['package.json', 'src', 'nope.json'])).toEqual(
      new Map([
        ['package.json', await readFile(path.join(sample.checkout, 'package.json'), 'utf8')],
        ['src', null],
        ['nope.json', null]
      ])
    )
  })

  it("catches a second checkout's token in its Basic header form, and redaction removes the whole header", async () => {
    const sample = await sampleCheckout({ persistCredentials: 'include-if' })
    await secondCheckoutCredentials(sample.runnerTemp, OTHER_CHECKOUT_TOKEN)
    // what the composition root does: the tokens of RUNNER_TEMP's credentials files join the action's secrets
    const secrets = [
      'ghs_theActionsOwnGithubToken0123456789ab',
      ...(await readCheckoutTokens(sample.runnerTemp))
    ]
    const { repo } = repoFor(sample)
    await using worktree = await repo.addWorktree(sample.baseSha, 'API-12')
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${OTHER_CHECKOUT_TOKEN}`).toString('base64')}`
    await writeFile(path.join(worktree.path, 'src/debug.js'), `// ${header}\nexport const debug = true\n`)
    const { verdict } = await policyOf(repo, sample.baseSha, worktree, secrets)
    expect(verdict).toEqual({
      kind: 'rejected',
      reasons: [
        "src/debug.js adds one of the action's own secret values, base64-encoded (line 1) (value not shown)"
      ]
    })
    expect(redactSecrets(`the agent found ${header} in RUNNER_TEMP`, secrets)).toBe(
      'the agent found *** in RUNNER_TEMP'
    )
  })
})

describe('the sample repository', () => {
  it('has the same commits on every machine', async () => {
    const one = await sampleCheckout()
    const two = await sampleCheckout({ depth: 0 })
    expect(two.baseSha).toBe(one.baseSha)
    expect(two.initialSha).toBe(one.initialSha)
    expect(await git(two.checkout, ['rev-parse', `${two.baseSha}^`])).toBe(two.initialSha)
  })

  it('passes its own tests at base, where API-12, WEB-7 and WEB-9 are live bugs', async () => {
    const sample = await sampleCheckout()
    const result = await nodeTest(sample.checkout)
    expect(result.output).toMatch(/# fail 0/)
    expect(result.code).toBe(0)
  })

  it.each(SAMPLE_SHORT_IDS.map(id => [id]))(
    "%s: the fix applies (git apply and codex's apply_patch alike), its regression test fails without it and passes with it",
    async shortId => {
      const fix = SAMPLE_FIXES[shortId]
      const sample = await sampleCheckout({ depth: 0 })
      const sha = fix.appliesTo === 'base' ? sample.baseSha : sample.initialSha

      const viaGit = await freshClone(sample, sha)
      await git(viaGit, ['apply', '--check', '-'], { input: fix.unifiedDiff })
      await git(viaGit, ['apply', '-'], { input: fix.unifiedDiff })
      const fixed = await nodeTest(viaGit)
      expect(fixed.output).toMatch(/# fail 0/)
      expect(fixed.code).toBe(0)
      expect(fixed.output).toContain(shortId === 'API-31' ? 'any case' : 'ok')

      const viaCodex = await freshClone(sample, sha)
      const tool = await applyPatchTool(await mkdtemp(path.join(sample.root, 'tool-')))
      const applied = await run(tool, [fix.applyPatch], { cwd: viaCodex })
      expect(applied.stdout + applied.stderr).toContain('Success')
      expect(await treeOf(viaCodex, sha)).toBe(await treeOf(viaGit, sha))

      // without the source change the new test fails: it is a regression test of this bug
      await git(viaGit, ['checkout', sha, '--', fix.file])
      const unfixed = await nodeTest(viaGit, [fix.testFile])
      expect(unfixed.code).not.toBe(0)
    }
  )

  it("its frames are the real V8 stack frames of the failing requests, with the files' real lines", async () => {
    const script = `
      import { once } from 'node:events'
      const { start, sessions, orders } = await import(${JSON.stringify(path.join(SAMPLE_REPO_DIR, 'src/server.js'))})
      const stacks = []
      console.error = error => stacks.push(error.stack)
      const server = start(0)
      await once(server, 'listening')
      const base = 'http://127.0.0.1:' + server.address().port
      sessions.set('s-31', { cart: { items: [], summary: { total: 1200, count: 1 } } })
      orders.set('o-9', { id: 'o-9', status: 'draft' })
      const statuses = []
      statuses.push((await fetch(base + '/api/cart')).status)
      statuses.push((await fetch(base + '/api/orders/o-9')).status)
      statuses.push((await fetch(base + '/api/search')).status)
      statuses.push((await fetch(base + '/api/checkout', {
        method: 'POST', headers: { 'x-session-id': 's-31' }, body: JSON.stringify({ discountCode: 'save10' })
      })).status)
      server.close()
      process.stdout.write(JSON.stringify({ statuses, stacks }))
    `
    const env = { ...process.env }
    delete env.NODE_OPTIONS
    const result = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: SAMPLE_REPO_DIR,
      env
    })
    expect(result.stderr).toBe('')
    const { statuses, stacks } = JSON.parse(result.stdout) as { statuses: number[]; stacks: string[] }
    expect(statuses).toEqual([500, 500, 500, 500])
    const frames = sampleStackFrames()
    const ids = ['API-12', 'WEB-7', 'WEB-9', 'API-31'] as const
    ids.forEach((id, i) => {
      const stack = stacks[i]!
      const [headline, ...lines] = stack.split('\n')
      const inApp = frames[id].filter(f => f.inApp)
      const exception = `${headline}`
      expect(exception).toMatch(/^(TypeError|RangeError|Error): /)
      // V8: "at fn (file:///…/sample-repo/src/x.js:LINE:COL)", innermost first
      const real = lines
        .map(line => /^\s+at (.+) \(file:\/\/.*\/sample-repo\/(src\/[^:]+):(\d+):(\d+)\)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map(m => ({ function: m[1], filename: m[2], lineNo: Number(m[3]), colNo: Number(m[4]) }))
      expect(real).toEqual(
        [...inApp]
          .reverse()
          .map(f => ({ function: f.function, filename: f.filename, lineNo: f.lineNo, colNo: f.colNo }))
      )
    })
    expect(stacks[0]).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'total'\)/)
    expect(stacks[1]).toMatch(/^RangeError: Invalid time value/)
    expect(stacks[2]).toMatch(/^TypeError: Cannot read properties of null \(reading 'length'\)/)
    expect(stacks[3]).toMatch(/^Error: discount code not found/)
    // context lines are the files' lines
    for (const id of ids) {
      for (const frame of frames[id].filter(f => f.inApp)) {
        const lines = (await readFile(path.join(SAMPLE_REPO_DIR, frame.filename), 'utf8')).split('\n')
        for (const [n, line] of frame.context) expect(line).toBe(lines[n - 1])
        expect(frame.context.some(([n]) => n === frame.lineNo)).toBe(true)
      }
    }
  })
})

// The checkout's persisted git credentials: found, removed for the agent's runs, and put back afterwards.
//
// Why. A worktree shares the checkout's .git/config, and codex's sandbox lets the agent read every file. So before the
// first worktree exists (git-cli.ts scrubs before its first addWorktree), every persisted credential is removed from
// the checkout's git configuration: actions/checkout's `http.<server>/.extraheader` (up to v5), its `includeIf.gitdir:`
// entries naming a RUNNER_TEMP/git-credentials-<uuid>.config file that holds the header (v6+; the file itself is
// deleted too, since the sandbox can read RUNNER_TEMP, and so is every other such file there, which another checkout
// step left), credential helpers, core.sshCommand, and user:password@ in remote and insteadOf URLs,
// in the checkout's config, its config.worktree and its submodules' configs. What was removed is remembered in this
// process's memory only (never written to a backup file the agent could read); restore() puts it back once no
// worktree is live, for workflow steps after the action that push with the persisted credential. The action itself
// never needs it: it pushes with its own token, given to that one command.
//
// actions/checkout's persisted credentials in RUNNER_TEMP (v6+: one git-credentials-<uuid>.config per checkout step
// with persist-credentials, holding `http.<server>/.extraheader = AUTHORIZATION: basic base64(x-access-token:<token>)`).
// A second checkout step (another repository, another path, another token) leaves a file of its own, which the
// checkout the action works in does not include. Every such file is found here: scrub() below removes them all
// before the first worktree (the agent's sandbox can read RUNNER_TEMP), and their tokens, which need not be
// github-token, are read first so that the composition root masks them and adds them to the secrets the policy's
// scan and the redaction of the model's words look for.
import { chmod, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { redact } from '../domain/secrets.js'
import type { Log } from '../ports.js'
import { exists } from './path-exists.js'
import type { ExecGitResult } from './git-exec.js'

/** The name actions/checkout gives its credentials file. */
export const CHECKOUT_CREDENTIALS_NAME = /^git-credentials-[0-9a-f-]+\.config$/i

/** Every actions/checkout credentials file directly in `runnerTemp`, sorted; none when the folder cannot be read. */
export async function checkoutCredentialFiles(runnerTemp: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(runnerTemp)
  } catch {
    return []
  }
  return names
    .filter(name => CHECKOUT_CREDENTIALS_NAME.test(name))
    .sort()
    .map(name => path.join(runnerTemp, name))
}

/**
 * The tokens of every actions/checkout credentials file in `runnerTemp` (deduplicated): the password of each Basic
 * extraheader (`x-access-token:<token>` decoded), and each Bearer value. A file that cannot be read is skipped.
 */
export async function readCheckoutTokens(runnerTemp: string): Promise<string[]> {
  const tokens = new Set<string>()
  for (const file of await checkoutCredentialFiles(runnerTemp)) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      continue
    }
    for (const token of headerTokens(text)) tokens.add(token)
  }
  return [...tokens]
}

/** The credentials in the `AUTHORIZATION:` headers of a git config file's text. */
export function headerTokens(configText: string): string[] {
  const tokens: string[] = []
  for (const match of configText.matchAll(/AUTHORIZATION:\s*(basic|bearer)\s+([^\s"\\]+)/gi)) {
    const value = match[2]!
    if (match[1]!.toLowerCase() === 'bearer') {
      tokens.push(value)
      continue
    }
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const password = colon < 0 ? decoded : decoded.slice(colon + 1)
    if (password !== '') tokens.push(password)
  }
  return tokens
}

// ------------------------------------------------------------------------------------------------ the config entries

type StashEntry =
  /** config values removed from a file */
  | { kind: 'values'; file: string; key: string; values: string[] }
  /** values replaced (remote URLs stripped of their password): restore removes the replacements, adds the originals */
  | { kind: 'replaced'; file: string; key: string; original: string[] }
  /** a config section removed as text (its name holds the credential, so git config cannot be given it) */
  | { kind: 'section'; file: string; text: string }
  /** a credentials file deleted */
  | { kind: 'file'; path: string; content: Buffer; mode: number }

export interface ConfigEntry {
  key: string
  value: string | null
}

/** actions/checkout v6+ keeps its header in RUNNER_TEMP/git-credentials-<uuid>.config */
const CHECKOUT_CREDENTIALS_FILE = /(^|[\\/])git-credentials-[0-9a-f-]+\.config$/i
/** user:password@ in a URL, in a value or in a key's subsection */
const PASSWORD_IN_URL = /[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i

export type CredentialRule = 'remove' | 'strip-password' | 'remove-section' | 'include'

export function credentialRule(entry: ConfigEntry): CredentialRule | null {
  const key = entry.key
  const lower = key.toLowerCase()
  const credentialKey =
    /^http\.(.+\.)?extraheader$/.test(lower) ||
    /^credential\.(.+\.)?helper$/.test(lower) ||
    lower === 'core.sshcommand'
  // a password in the key itself (its subsection URL): the section goes, by text, so the key is never an argument
  if (PASSWORD_IN_URL.test(key) && (credentialKey || /^(url|http|credential)\./.test(lower)))
    return 'remove-section'
  if (credentialKey) return 'remove'
  if (/^remote\..+\.(url|pushurl)$/.test(lower)) {
    return entry.value !== null && PASSWORD_IN_URL.test(entry.value) ? 'strip-password' : null
  }
  if (lower === 'include.path' || /^includeif\..+\.path$/.test(lower)) return 'include'
  return null
}

/** `git config --list -z` output: `key\nvalue\0` (or `key\0` for a bare boolean). */
export function parseConfigList(buffer: Buffer): ConfigEntry[] {
  const entries: ConfigEntry[] = []
  for (const record of buffer.toString('utf8').split('\0')) {
    if (record === '') continue
    const newline = record.indexOf('\n')
    entries.push(
      newline < 0
        ? { key: record, value: null }
        : { key: record.slice(0, newline), value: record.slice(newline + 1) }
    )
  }
  return entries
}

function stripPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1')
}

/** The value as git writes it in a config file: quoted, with backslash escapes. */
function quoteConfigValue(value: string): string {
  return (
    '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"'
  )
}

// ------------------------------------------------------------------------------------------------ scrub and restore

/** Git run in the checkout (git-cli.ts binds execGit to the checkout's directory, log and state guard). */
export type CheckoutGit = (args: string[], options?: { allowFailure?: boolean }) => Promise<ExecGitResult>

export interface CredentialScrubberOptions {
  git: CheckoutGit
  /** the checkout's common git directory: its config, config.worktree and submodules' configs are scrubbed */
  commonDir: () => Promise<string>
  /**
   * RUNNER_TEMP: every actions/checkout credentials file in it is removed too, whichever checkout step wrote it.
   * Without it, only the files the checkout's config includes are removed.
   */
  runnerTemp?: string
  log: Log
}

export interface CredentialScrubber {
  /**
   * Removes every persisted credential (see the top of this file) and remembers it. Resolves to the names of the
   * config keys removed (never their values). The caller runs it once, before the first worktree, with no other change
   * to the repository under way.
   */
  scrub(): Promise<string[]>
  /**
   * Puts back everything scrub removed, last removed first (config values written without passing through a command
   * line), and forgets it. The caller makes sure no worktree is live.
   */
  restore(): Promise<void>
}

export function createCredentialScrubber(options: CredentialScrubberOptions): CredentialScrubber {
  const { git, commonDir, log } = options
  const stash: StashEntry[] = []

  /** The checkout's config files a worktree or the agent could read credentials from. */
  async function configFiles(common: string): Promise<string[]> {
    const files = [path.join(common, 'config')]
    if (await exists(path.join(common, 'config.worktree'))) files.push(path.join(common, 'config.worktree'))
    const walk = async (folder: string): Promise<void> => {
      let entries
      try {
        entries = await readdir(folder, { withFileTypes: true })
      } catch {
        return
      }
      if (entries.some(e => e.isFile() && e.name === 'config') && entries.some(e => e.name === 'HEAD')) {
        // a submodule's git directory: its config, then its own submodules
        files.push(path.join(folder, 'config'))
        await walk(path.join(folder, 'modules'))
        return
      }
      // a folder of a submodule name with slashes
      for (const entry of entries) if (entry.isDirectory()) await walk(path.join(folder, entry.name))
    }
    await walk(path.join(common, 'modules'))
    return files
  }

  async function listConfig(file: string): Promise<ConfigEntry[]> {
    const result = await git(['config', '--file', file, '--list', '-z'], { allowFailure: true })
    return result.exitCode === 0 ? parseConfigList(result.stdout) : []
  }

  function resolveInclude(configFile: string, value: string): string {
    if (value.startsWith('~/')) return path.join(os.homedir(), value.slice(2))
    return path.resolve(path.dirname(configFile), value)
  }

  async function holdsCredentials(file: string): Promise<boolean> {
    if (!(await exists(file))) return false
    const entries = await listConfig(file)
    return entries.some(entry => {
      const rule = credentialRule(entry)
      return rule !== null && rule !== 'include'
    })
  }

  async function scrubFile(file: string, removed: string[]): Promise<void> {
    const entries = await listConfig(file)
    const handled = new Set<string>()
    for (const entry of entries) {
      const rule = credentialRule(entry)
      if (rule === null) continue
      if (rule === 'remove') {
        if (handled.has(entry.key)) continue
        handled.add(entry.key)
        const values = entries.filter(e => e.key === entry.key).map(e => e.value ?? '')
        await git(['config', '--file', file, '--unset-all', entry.key])
        stash.push({ kind: 'values', file, key: entry.key, values })
        removed.push(redact(entry.key))
      } else if (rule === 'strip-password') {
        if (handled.has(entry.key)) continue
        handled.add(entry.key)
        const original = entries.filter(e => e.key === entry.key).map(e => e.value ?? '')
        await git(['config', '--file', file, '--unset-all', entry.key])
        for (const value of original)
          await git(['config', '--file', file, '--add', entry.key, stripPassword(value)])
        stash.push({ kind: 'replaced', file, key: entry.key, original })
        removed.push(`${redact(entry.key)} (password)`)
      } else if (rule === 'remove-section') {
        const section = await removeSectionText(file, entry.key)
        if (section !== null) {
          stash.push({ kind: 'section', file, text: section })
          removed.push(redact(entry.key))
        }
      } else if (rule === 'include' && entry.value !== null) {
        const target = resolveInclude(file, entry.value)
        const deletedByUs = stash.some(s => s.kind === 'file' && s.path === target)
        if (!deletedByUs && !(await holdsCredentials(target))) continue
        await git(['config', '--file', file, '--fixed-value', '--unset-all', entry.key, entry.value])
        stash.push({ kind: 'values', file, key: entry.key, values: [entry.value] })
        removed.push(redact(entry.key))
        if (deletedByUs) continue
        if (CHECKOUT_CREDENTIALS_FILE.test(target)) {
          const info = await stat(target)
          stash.push({ kind: 'file', path: target, content: await readFile(target), mode: info.mode & 0o777 })
          await unlink(target)
          removed.push(`${path.basename(target)} (file)`)
        } else {
          log.warning(
            `${target} holds git credentials and is no longer included by the checkout's config, but the file is ` +
              `still on disk where the agent could read it; remove it before running this action.`
          )
        }
      }
    }
  }

  /**
   * Removes, by text, the config section a key belongs to (e.g. `[url "https://user:pw@host/"]` for
   * `url.https://user:pw@host/.insteadof`): the key holds the credential, so it is never given to git as an argument.
   * Returns the removed text, or null if not found.
   */
  async function removeSectionText(file: string, key: string): Promise<string | null> {
    const section = key.slice(0, key.indexOf('.')).toLowerCase()
    const subsection = key.slice(key.indexOf('.') + 1, key.lastIndexOf('.'))
    const original = await readFile(file, 'utf8')
    const kept: string[] = []
    const removed: string[] = []
    let inSection = false
    for (const line of original.split('\n')) {
      const header = /^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line)
      if (header) {
        inSection =
          (header[1] ?? '').toLowerCase() === section &&
          header[2] !== undefined &&
          header[2].replace(/\\(.)/g, '$1') === subsection
      }
      ;(inSection ? removed : kept).push(line)
    }
    if (removed.length === 0) return null
    const info = await stat(file)
    await writeFile(file, kept.join('\n'), { mode: info.mode & 0o777 })
    return removed.join('\n') + '\n'
  }

  /** Removes the credentials files of RUNNER_TEMP that the checkout's config does not include (other checkouts'). */
  async function scrubRunnerTemp(removed: string[]): Promise<void> {
    if (options.runnerTemp === undefined) return
    for (const file of await checkoutCredentialFiles(options.runnerTemp)) {
      if (stash.some(s => s.kind === 'file' && s.path === file)) continue
      const info = await stat(file)
      stash.push({ kind: 'file', path: file, content: await readFile(file), mode: info.mode & 0o777 })
      await unlink(file)
      removed.push(`${path.basename(file)} (file)`)
    }
  }

  async function scrub(): Promise<string[]> {
    const common = await commonDir()
    const removed: string[] = []
    for (const file of await configFiles(common)) await scrubFile(file, removed)
    await scrubRunnerTemp(removed)
    if (removed.length > 0) {
      log.info(
        `Removed persisted credentials from the checkout's git config for the agent's runs: ${removed.join(', ')}. ` +
          `The action pushes with its own token; what was removed is kept in this process's memory only.`
      )
    }
    const global = await git(['config', '--global', '--list', '-z'], { allowFailure: true })
    const globalKeys = parseConfigList(global.stdout)
      .filter(entry => {
        const rule = credentialRule(entry)
        return rule !== null && rule !== 'include'
      })
      .map(entry => redact(entry.key))
    if (globalKeys.length > 0) {
      log.warning(
        `The global git config has credential settings the agent could read (${[...new Set(globalKeys)].join(', ')}); ` +
          `the action leaves them alone.`
      )
    }
    return removed
  }

  async function restore(): Promise<void> {
    const entries = stash.splice(0, stash.length)
    for (const entry of entries.reverse()) {
      if (entry.kind === 'file') {
        await writeFile(entry.path, entry.content, { mode: entry.mode })
        await chmod(entry.path, entry.mode)
      } else if (entry.kind === 'section') {
        const current = await readFile(entry.file, 'utf8')
        await writeFile(
          entry.file,
          (current.endsWith('\n') || current === '' ? current : current + '\n') + entry.text
        )
      } else if (entry.kind === 'replaced') {
        await git(['config', '--file', entry.file, '--unset-all', entry.key], { allowFailure: true })
        for (const value of entry.original) await addConfigValue(entry.file, entry.key, value)
      } else {
        for (const value of entry.values) await addConfigValue(entry.file, entry.key, value)
      }
    }
    if (entries.length > 0) log.info("Restored the checkout's persisted credentials.")
  }

  /** `git config --add` of a value that may be a secret: git writes a placeholder, the file edit puts the value in. */
  async function addConfigValue(file: string, key: string, value: string): Promise<void> {
    const placeholder = `sct-restore-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`
    await git(['config', '--file', file, '--add', key, placeholder])
    const content = await readFile(file, 'utf8')
    const at = content.indexOf(placeholder)
    if (at < 0 || content.indexOf(placeholder, at + 1) >= 0) {
      throw new Error(`Could not restore ${key} in ${file}`)
    }
    const info = await stat(file)
    await writeFile(
      file,
      content.slice(0, at) + quoteConfigValue(value) + content.slice(at + placeholder.length),
      { mode: info.mode & 0o777 }
    )
  }

  return { scrub, restore }
}

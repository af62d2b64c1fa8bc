// Whether codex can sandbox commands on this runner. Ubuntu 24.04 (GitHub's ubuntu-24.04 runners) restricts
// unprivileged user namespaces with AppArmor, and bubblewrap, codex's sandbox on Linux, needs them: under the
// restriction every command the agent runs fails. The check reads the AppArmor switch and, only when it is on, probes
// with one sandboxed `true`, so the action can say what to do before it spends a model budget.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { REASON_MAX, stderrReason } from '../domain/codex-events.js'
import { oneLine } from '../domain/text.js'
import { errorMessage } from '../util/errors.js'
import { execCodex, minimalEnv, type Env } from './codex-process.js'

/** Ubuntu 24.04 (GitHub's ubuntu-24.04 runners) denies unprivileged user namespaces, which bubblewrap needs, when 1. */
export const APPARMOR_USERNS_SYSCTL = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns'

export interface SandboxCheckOptions {
  codexPath: string
  env: Env
  /** a scratch directory for the probe (removed afterwards) */
  scratchDir: string
  appArmorSysctl?: string
}

/**
 * Ubuntu 24.04's AppArmor restriction of unprivileged user namespaces breaks codex's bubblewrap sandbox: every command
 * the agent runs fails. When the restriction is on, one sandboxed `true` tells whether codex can still sandbox.
 * Returns null when it can (or when the restriction is off), otherwise what to do about it.
 */
export async function checkCodexSandbox(options: SandboxCheckOptions): Promise<string | null> {
  const sysctl = options.appArmorSysctl ?? APPARMOR_USERNS_SYSCTL
  const restricted = await readFile(sysctl, 'utf8').then(
    text => text.trim() === '1',
    () => false
  )
  if (!restricted) return null
  await mkdir(options.scratchDir, { recursive: true })
  const home = await mkdtemp(path.join(options.scratchDir, 'sandbox-probe-'))
  try {
    const probe = await execCodex(options.codexPath, {
      args: ['sandbox', '-P', ':workspace', '-C', home, '--', '/bin/sh', '-c', 'true'],
      env: minimalEnv(options.env, { CODEX_HOME: home }),
      stdin: '',
      timeoutMs: 30_000
    })
    if (probe.code === 0) return null
    const detail = probe.spawnError
      ? errorMessage(probe.spawnError)
      : (stderrReason(probe.stderr) ?? oneLine(probe.stderr, REASON_MAX))
    return oneLine(
      `Codex cannot sandbox commands on this runner: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, as on Ubuntu 24.04), which bubblewrap needs. Add a step before this action that runs: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (probe: ${detail || `exit code ${probe.code}`})`,
      600
    )
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

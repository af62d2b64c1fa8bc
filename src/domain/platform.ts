// Pure: may this mode run on this runner? The modes that run the Codex agent or the test command need Linux: Codex's
// sandbox and the test command's jail are built of Linux namespaces (bubblewrap) and seccomp, which exist only there,
// and @openai/codex ships Linux binaries for x64 and arm64 alone. Every other mode talks only to Sentry,
// GitHub and git, and runs on any runner. Both Node's view (process.platform / process.arch) and the runner's
// (RUNNER_OS / RUNNER_ARCH, when set) must say the same supported Linux: an emulated Node on another architecture
// would install the wrong codex binary.
import type { Mode } from './types.js'
import { MODE_TABLE } from './modes.js'

export const SUPPORTED_RUNNERS = 'Linux x64 and arm64, GitHub-hosted or self-hosted'

export interface PlatformFacts {
  mode: Mode
  /** process.platform */
  platform: string
  /** process.arch */
  arch: string
  /** RUNNER_OS as the runner sets it (Linux, Windows, macOS); undefined or empty when not set */
  runnerOs?: string | null
  /** RUNNER_ARCH as the runner sets it (X64, ARM64, X86, ARM); undefined or empty when not set */
  runnerArch?: string | null
}

export type PlatformVerdict =
  /** the mode runs neither the agent nor a test command */
  | { kind: 'any-runner' }
  | { kind: 'supported'; arch: SupportedArch }
  /** `message` is the step's error: what was seen, the supported runners, and what to do instead */
  | { kind: 'unsupported'; message: string }

export type SupportedArch = 'x64' | 'arm64'

const NODE_OS: Record<string, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' }
const NODE_ARCH: Record<string, string> = { x64: 'x64', arm64: 'arm64', ia32: 'x86', arm: 'arm' }
const RUNNER_OS: Record<string, string> = { linux: 'Linux', macos: 'macOS', windows: 'Windows' }
const RUNNER_ARCH: Record<string, string> = { x64: 'x64', arm64: 'arm64', x86: 'x86', arm: 'arm' }

/** An OS and an architecture named alike whichever side reported them (e.g. macOS, arm64); null when not reported. */
interface Seen {
  os: string | null
  arch: string | null
}

const given = (value: string | null | undefined): string | null => (value?.trim() ? value.trim() : null)
const named = (table: Record<string, string>, value: string | null): string | null =>
  value === null ? null : (table[value.toLowerCase()] ?? value)
const label = (seen: Seen): string => [seen.os ?? 'an unknown OS', seen.arch].filter(Boolean).join(' ')
const isSupportedArch = (arch: string | null): arch is SupportedArch => arch === 'x64' || arch === 'arm64'

export function checkPlatform(facts: PlatformFacts): PlatformVerdict {
  const runners = MODE_TABLE[facts.mode].runner
  if (runners.needs === 'any') return { kind: 'any-runner' }
  const node: Seen = { os: named(NODE_OS, given(facts.platform)), arch: named(NODE_ARCH, given(facts.arch)) }
  const runner: Seen = {
    os: named(RUNNER_OS, given(facts.runnerOs)),
    arch: named(RUNNER_ARCH, given(facts.runnerArch))
  }
  const osAgrees = runner.os === null || runner.os === node.os
  const archAgrees = runner.arch === null || runner.arch === node.arch
  if (node.os === 'Linux' && isSupportedArch(node.arch) && osAgrees && archAgrees) {
    return { kind: 'supported', arch: node.arch }
  }
  const runnerSays: Seen = { os: runner.os ?? node.os, arch: runner.arch ?? node.arch }
  const seen =
    osAgrees && archAgrees
      ? `this runner is ${label(node)}`
      : `this runner says it is ${label(runnerSays)} (RUNNER_OS/RUNNER_ARCH) while Node runs as ${label(node)}`
  return {
    kind: 'unsupported',
    message:
      `Mode ${facts.mode} runs the Codex agent and the test command in Linux sandboxes, and ${seen}. ` +
      `Modes fix, dry-run and work need one of the supported runners: ${SUPPORTED_RUNNERS} ` +
      `(e.g. runs-on: ubuntu-latest or ubuntu-24.04-arm). ${runners.instead} ` +
      'Modes triage, plan and land run on any runner.'
  }
}

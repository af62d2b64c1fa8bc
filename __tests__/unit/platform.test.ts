import { describe, expect, it } from '@jest/globals'
import { checkPlatform, SUPPORTED_RUNNERS } from '../../src/domain/platform.js'
import { MODE_TABLE } from '../../src/domain/modes.js'
import { MODES, type Mode } from '../../src/settings/settings.js'

const LINUX_MODES: Mode[] = ['fix', 'dry-run', 'work']
const ANY_MODES: Mode[] = ['triage', 'plan', 'land']

/** [Node's platform, Node's arch, RUNNER_OS, RUNNER_ARCH] as a real runner of that kind reports them */
const RUNNERS: Record<string, [string, string, string, string]> = {
  'Linux x64': ['linux', 'x64', 'Linux', 'X64'],
  'Linux arm64': ['linux', 'arm64', 'Linux', 'ARM64'],
  'Linux x86': ['linux', 'ia32', 'Linux', 'X86'],
  'Linux arm': ['linux', 'arm', 'Linux', 'ARM'],
  'macOS x64': ['darwin', 'x64', 'macOS', 'X64'],
  'macOS arm64': ['darwin', 'arm64', 'macOS', 'ARM64'],
  'Windows x64': ['win32', 'x64', 'Windows', 'X64'],
  'Windows arm64': ['win32', 'arm64', 'Windows', 'ARM64'],
  'Windows x86': ['win32', 'ia32', 'Windows', 'X86']
}
const SUPPORTED = ['Linux x64', 'Linux arm64']

const check = (mode: Mode, runner: string) => {
  const [platform, arch, runnerOs, runnerArch] = RUNNERS[runner]!
  return checkPlatform({ mode, platform, arch, runnerOs, runnerArch })
}
const messageOf = (verdict: ReturnType<typeof checkPlatform>): string =>
  verdict.kind === 'unsupported' ? verdict.message : `(not refused: ${verdict.kind})`

const every = (modes: Mode[], runners: string[]) =>
  modes.flatMap(mode => runners.map(r => [mode, r] as const))

describe('checkPlatform', () => {
  it('places every mode, and needs Linux for exactly the modes that run the agent', () => {
    expect(Object.keys(MODE_TABLE).sort()).toEqual([...MODES].sort())
    const linux = MODES.filter(mode => MODE_TABLE[mode].runner.needs === 'linux')
    expect(linux.sort()).toEqual(MODES.filter(mode => MODE_TABLE[mode].runsAgent).sort())
    expect(linux.sort()).toEqual([...LINUX_MODES].sort())
  })

  it.each(every(ANY_MODES, Object.keys(RUNNERS)))('lets mode %s run on %s', (mode, runner) => {
    expect(check(mode, runner)).toEqual({ kind: 'any-runner' })
  })

  it.each(every(LINUX_MODES, SUPPORTED))('lets mode %s run on %s', (mode, runner) => {
    expect(check(mode, runner)).toEqual({ kind: 'supported', arch: runner.split(' ')[1] })
  })

  const unsupported = Object.keys(RUNNERS).filter(r => !SUPPORTED.includes(r))
  it.each(every(LINUX_MODES, unsupported))(
    'refuses mode %s on %s, naming the runner, the supported runners and mode triage',
    (mode, runner) => {
      const message = messageOf(check(mode, runner))
      expect(message).toContain(`Mode ${mode} runs the Codex agent and the test command in Linux sandboxes`)
      expect(message).toContain(`this runner is ${runner}`)
      expect(message).toContain(SUPPORTED_RUNNERS)
      expect(message).toContain('Linux x64 and arm64, GitHub-hosted or self-hosted')
      expect(message).toContain('use mode triage on this runner')
      expect(message).toContain('Modes triage, plan and land run on any runner.')
    }
  )

  it('says the whole message for a fix job on macOS', () => {
    expect(messageOf(check('fix', 'macOS arm64'))).toBe(
      'Mode fix runs the Codex agent and the test command in Linux sandboxes, and this runner is macOS arm64. ' +
        'Modes fix, dry-run and work need one of the supported runners: Linux x64 and arm64, GitHub-hosted or ' +
        'self-hosted (e.g. runs-on: ubuntu-latest or ubuntu-24.04-arm). Move this job to such a runner, or use ' +
        'mode triage on this runner: it lists and reports the issues without the agent. Modes triage, plan and ' +
        'land run on any runner.'
    )
  })

  it('tells a work job on Windows that only the work jobs need Linux', () => {
    expect(messageOf(check('work', 'Windows x64'))).toContain(
      'Move the work jobs to such a runner (the plan and land jobs may stay on this one)'
    )
  })

  it("goes by Node's platform alone when the runner sets neither RUNNER_OS nor RUNNER_ARCH", () => {
    expect(checkPlatform({ mode: 'fix', platform: 'linux', arch: 'arm64' })).toEqual({
      kind: 'supported',
      arch: 'arm64'
    })
    expect(
      checkPlatform({ mode: 'fix', platform: 'linux', arch: 'x64', runnerOs: '', runnerArch: '' })
    ).toEqual({ kind: 'supported', arch: 'x64' })
    expect(messageOf(checkPlatform({ mode: 'dry-run', platform: 'darwin', arch: 'arm64' }))).toContain(
      'this runner is macOS arm64'
    )
    expect(messageOf(checkPlatform({ mode: 'fix', platform: 'freebsd', arch: 'x64' }))).toContain(
      'this runner is freebsd x64'
    )
    expect(messageOf(checkPlatform({ mode: 'fix', platform: 'linux', arch: 's390x' }))).toContain(
      'this runner is Linux s390x'
    )
  })

  it('refuses when RUNNER_OS says macOS although Node runs on Linux (and so can a test simulate a macOS runner)', () => {
    const verdict = checkPlatform({ mode: 'fix', platform: 'linux', arch: 'x64', runnerOs: 'macOS' })
    expect(messageOf(verdict)).toContain(
      'this runner says it is macOS x64 (RUNNER_OS/RUNNER_ARCH) while Node runs as Linux x64'
    )
  })

  it('refuses when RUNNER_ARCH and Node disagree on the architecture (an emulated Node installs the wrong codex)', () => {
    const verdict = checkPlatform({
      mode: 'work',
      platform: 'linux',
      arch: 'x64',
      runnerOs: 'Linux',
      runnerArch: 'ARM64'
    })
    expect(messageOf(verdict)).toContain(
      'this runner says it is Linux arm64 (RUNNER_OS/RUNNER_ARCH) while Node runs as Linux x64'
    )
  })

  it('reads RUNNER_OS and RUNNER_ARCH without regard to case or surrounding blanks', () => {
    expect(
      checkPlatform({
        mode: 'fix',
        platform: 'linux',
        arch: 'arm64',
        runnerOs: ' linux ',
        runnerArch: 'arm64'
      })
    ).toEqual({ kind: 'supported', arch: 'arm64' })
  })

  it('lets triage, plan and land run even where nothing is known about the runner', () => {
    for (const mode of ANY_MODES) {
      expect(checkPlatform({ mode, platform: '', arch: '', runnerOs: 'Plan9', runnerArch: 'MIPS' })).toEqual({
        kind: 'any-runner'
      })
    }
  })
})

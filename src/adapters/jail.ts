// The jail in which code that comes with a fix runs (the test command, and any later command run from the fix): it is
// as hostile as the agent that wrote it, and it runs outside the agent's sandbox. Bubblewrap builds it:
//
//   filesystem   the host's, read-only (`--ro-bind / /`): the checkout and its .git, the worktree's admin directory,
//                RUNNER_TEMP, the tool cache, the action's own files, the runner's HOME all stay as they are. Writable:
//                the worktree (bound over itself), and a private /tmp that holds HOME and TMPDIR: an overlay of the
//                host's /tmp whose writes go to a tmpfs thrown away with the jail (a path under the host's /tmp reads
//                as on the host, and a write there never reaches it). /dev is a minimal one, /proc the jail's own.
//   network      its own namespace: a loopback of its own (tests may open servers on 127.0.0.1), nothing else.
//   sockets      no Unix socket can be created (jail-seccomp.ts): a read-only mount does not stop connect(2) to a
//                socket file, and a socket file may be anywhere.
//   processes    its own PID namespace (the action's /proc/<pid>/environ is out of sight), its own session (no
//                terminal injection), killed whole with bubblewrap (--die-with-parent; the namespace's init dies
//                with its first process, taking every straggler with it).
//   privileges   its own user namespace, no capabilities (dropped even when the action runs as root), no further
//                user namespaces (--disable-userns), and /proc/sys with the other /proc files that act on the host's
//                kernel read-only (a root-owned process could otherwise set core_pattern and have the host run it).
//
// The bubblewrap binary is the one bundled with the pinned Codex CLI the action installs (codex-resources/bwrap, the same
// program Codex's own sandbox uses), checked against the digest recorded at install before every jailed run. A runner
// that cannot make the jail (no unprivileged user namespaces: Ubuntu 24.04's AppArmor restriction) gets a clear error
// and the fix fails; nothing ever runs unjailed.
import { spawn } from 'node:child_process'
import { realpathSync } from 'node:fs'
import os from 'node:os'
import { errorMessage } from '../util/errors.js'
import { isJailArch, jailSeccompProgram } from './jail-seccomp.js'

/** Inside the jail: the private temp dir, and HOME within it. */
export const JAIL_TMP = '/tmp'
export const JAIL_HOME = '/tmp/home'

export const JAIL_ADVICE =
  'the test command runs in a bubblewrap jail, which needs unprivileged user namespaces: on Ubuntu 24.04 runners ' +
  "run `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` in a step before the action (Codex's own " +
  'sandbox needs the same); the action supports Linux x64 and arm64 runners'

export interface JailOptions {
  /** the bubblewrap executable (the one bundled with the installed Codex CLI) */
  bwrap: string
  /** default process.arch */
  arch?: string
  /**
   * Checks that the bubblewrap executable is the one installed (its digest): null when it is, else the reason. Called
   * before every jailed run.
   */
  verify?: () => Promise<string | null>
}

/** How to start one jailed command: spawn `file` with `args`, and write `seccomp` to its fd 3. */
export interface JailedCommand {
  file: string
  args: string[]
  seccomp: Buffer
}

export interface Jail {
  /**
   * null when a jail can be made here (probed once, then remembered), else the reason with what to do. Verifies the
   * bubblewrap executable every time.
   */
  check(): Promise<string | null>
  /** The command `argv`, to run in the jail with `writable` (the worktree) as its only writable host directory. */
  command(argv: string[], options: { writable: string }): JailedCommand
}

/** /proc files that reach the host's kernel (see jailArgs). */
const HOST_KERNEL_FILES = [
  '/proc/sys',
  '/proc/sysrq-trigger',
  '/proc/fs',
  '/proc/bus',
  '/proc/irq',
  '/proc/keys'
]

/** bubblewrap's arguments for a jail whose only writable host directory is `writable` (an absolute, real path). */
export function jailArgs(writable: string): string[] {
  return [
    '--unshare-all',
    // explicit: --unshare-all only tries the user namespace, and skips it when run as root
    '--unshare-user',
    '--disable-userns',
    // no capability inside either, whoever runs the action
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    // The jail's /proc is its own for processes, but these files act on the host's kernel, and a process whose uid is
    // root outside (a container job, a root self-hosted runner) may write them: /proc/sys/kernel/core_pattern would
    // run a program as root on the host. Read-only, as container runtimes keep them.
    ...HOST_KERNEL_FILES.flatMap(file => ['--ro-bind-try', file, file]),
    // the host's /tmp as the lower layer of an overlay whose writes go to an invisible tmpfs: the command sees the
    // host's files there and may write /tmp as tools expect, but nothing it writes reaches the host
    '--overlay-src',
    JAIL_TMP,
    '--tmp-overlay',
    JAIL_TMP,
    '--dir',
    JAIL_HOME,
    // after the overlay: a worktree under /tmp is the host's worktree
    '--bind',
    writable,
    writable,
    '--chdir',
    writable,
    '--setenv',
    'HOME',
    JAIL_HOME,
    '--setenv',
    'TMPDIR',
    JAIL_TMP,
    '--seccomp',
    '3'
  ]
}

export function createJail(options: JailOptions): Jail {
  const arch = options.arch ?? process.arch
  let probe: Promise<string | null> | undefined

  function command(argv: string[], { writable }: { writable: string }): JailedCommand {
    if (!isJailArch(arch)) throw new Error(`the jail supports x64 and arm64, not ${arch}`)
    const real = realpathSync(writable)
    return {
      file: options.bwrap,
      args: [...jailArgs(real), '--', ...argv],
      seccomp: jailSeccompProgram(arch)
    }
  }

  /** Runs `true` in a jail once: bubblewrap says why when it cannot make one. */
  function probeOnce(): Promise<string | null> {
    return (probe ??= new Promise<string | null>(resolve => {
      if (!isJailArch(arch)) {
        resolve(`the jail supports x64 and arm64, not ${arch}; ${JAIL_ADVICE}`)
        return
      }
      const jailed = command(['/bin/sh', '-c', 'true'], { writable: os.tmpdir() })
      let said = ''
      // not @actions/exec: bubblewrap reads its seccomp filter from fd 3, which @actions/exec cannot pass
      const child = spawn(jailed.file, jailed.args, {
        env: { PATH: '/usr/bin:/bin' },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe']
      })
      writeSeccomp(child.stdio[3], jailed.seccomp)
      child.stdout?.on('data', (c: Buffer) => (said += c.toString()))
      child.stderr?.on('data', (c: Buffer) => (said += c.toString()))
      child.on('error', e => resolve(`${errorMessage(e)}; ${JAIL_ADVICE}`))
      child.on('close', code =>
        resolve(code === 0 ? null : `${said.trim().split('\n')[0] || `exit code ${code}`}; ${JAIL_ADVICE}`)
      )
    }))
  }

  return {
    async check() {
      const changed = options.verify ? await options.verify() : null
      if (changed !== null) return changed
      return probeOnce()
    },
    command
  }
}

/** Hands the seccomp program to bubblewrap (it reads the fd to its end). A jail that died early closes the pipe. */
export function writeSeccomp(stream: unknown, program: Buffer): void {
  const pipe = stream as NodeJS.WritableStream & { on(event: 'error', fn: () => void): void }
  pipe.on('error', () => undefined)
  pipe.end(program)
}

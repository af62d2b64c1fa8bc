import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFile, spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { createTestRunner, testCommandEnv } from '../../src/adapters/test-runner.js'
import { recordingLog } from '../../test-support/recording-log.js'
import { outsideTmp, testJail } from '../../test-support/jail.js'
import { writeSeccomp } from '../../src/adapters/jail.js'

const execFileAsync = promisify(execFile)

const GITHUB_TOKEN = 'ghs_plantedGithubTokenEEEEEEEEEEEEEEEEEE'
const SENTRY_TOKEN = 'sntrys_plantedSentryTokenFFFFFFFFFFFFFFF'
const OPENAI_KEY = 'sk-plantedOpenAiKeyGGGGGGGGGGGGGGGGGGGG'
const RUNTIME_TOKEN = 'eyJplantedRuntimeTokenHHHHHHHHHHHHHHHHH'

/** The action's environment on a runner, secrets included. */
const ACTION_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME ?? '/root',
  LANG: 'C.UTF-8',
  TMPDIR: tmpdir(),
  HTTPS_PROXY: 'http://proxy.internal:3128',
  no_proxy: 'localhost,127.0.0.1',
  GITHUB_TOKEN,
  GITHUB_REPOSITORY: 'acme/shop',
  'INPUT_GITHUB-TOKEN': GITHUB_TOKEN,
  'INPUT_SENTRY-TOKEN': SENTRY_TOKEN,
  'INPUT_OPENAI-API-KEY': OPENAI_KEY,
  INPUT_TOP: '5',
  OPENAI_API_KEY: OPENAI_KEY,
  ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN,
  ACTIONS_RESULTS_URL: 'https://results.example/',
  RUNNER_TEMP: '/tmp/runner-temp',
  NPM_TOKEN: 'npm_plantedNpmTokenIIIIIIIIIIIIIIIIIIIIIII',
  DB_PASSWORD: 'hunter2-planted-password',
  SOME_SECRET: 'planted-secret-value-123',
  SSH_PRIVATE_KEY: '-----BEGIN KEY-----\nplantedPemLineJJJJJJJJJJJJJJJJ\n-----END KEY-----'
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'test-runner-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function runner() {
  const log = recordingLog()
  return { tests: createTestRunner({ env: ACTION_ENV, log, jail: testJail() }), log }
}

/**
 * Every live process with its process group. Zombies are left out: they are dead, and whether they are reaped depends on
 * this machine's init, not on the runner (a sandbox's PID 1 may never reap orphans).
 */
async function processes(): Promise<{ pgid: number; args: string }[]> {
  const { stdout } = await execFileAsync('ps', ['-eo', 'pgid=,stat=,args='])
  return stdout
    .split('\n')
    .map(line => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !(m[2] as string).startsWith('Z'))
    .map(m => ({ pgid: Number(m[1]), args: m[3] as string }))
}

describe('test runner: the verdict', () => {
  it('passes on exit code 0, in cwd, with stdout and stderr in the tail', async () => {
    const { tests } = runner()

    const run = await tests.run({
      command: 'pwd; echo to-stderr >&2; echo done',
      cwd: dir,
      timeoutMs: 10_000
    })

    expect(run).toMatchObject({ passed: true, exitCode: 0, timedOut: false })
    expect(run.logTail.split('\n')).toEqual([dir, 'to-stderr', 'done'])
    expect(run.durationMs).toBeGreaterThanOrEqual(0)
  })

  it('fails on a non-zero exit code and reports it', async () => {
    const { tests, log } = runner()

    const run = await tests.run({ command: 'echo "1 test failed"; exit 3', cwd: dir, timeoutMs: 10_000 })

    expect(run).toMatchObject({ passed: false, exitCode: 3, timedOut: false, logTail: '1 test failed' })
    expect(log.lines.map(l => l.message).join('\n')).toContain('failed (exit code 3)')
  })

  it('closes stdin: a command that reads it gets end-of-file instead of hanging', async () => {
    const { tests } = runner()

    const run = await tests.run({ command: 'cat; read line || echo eof', cwd: dir, timeoutMs: 10_000 })

    expect(run).toMatchObject({ passed: true, timedOut: false, logTail: 'eof' })
  })

  it('fails without an exit code when the command cannot start (missing cwd)', async () => {
    const { tests } = runner()

    const run = await tests.run({ command: 'true', cwd: path.join(dir, 'missing'), timeoutMs: 10_000 })

    expect(run).toMatchObject({ passed: false, exitCode: null, timedOut: false })
    expect(run.logTail).toContain('could not start')
  })
})

describe('test runner: the environment', () => {
  it('gives the command only the allow-list and CI=true: no token, key, input or runner variable', async () => {
    const { tests } = runner()

    const run = await tests.run({ command: 'env', cwd: dir, timeoutMs: 10_000 })

    expect(run.passed).toBe(true)
    const names = run.logTail
      .split('\n')
      .map(line => line.slice(0, line.indexOf('=')))
      .filter(name => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name))
    for (const name of names) {
      expect(name).not.toMatch(/TOKEN|KEY|SECRET|PASSWORD|^GITHUB_|^INPUT_|^ACTIONS_|^RUNNER_/i)
    }
    // sh itself may add PWD, SHLVL and _
    expect(names.filter(n => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n)).sort()).toEqual(
      ['CI', 'HOME', 'HTTPS_PROXY', 'LANG', 'PATH', 'TMPDIR', 'no_proxy'].sort()
    )
    expect(run.logTail).toContain('CI=true')
    for (const secret of [GITHUB_TOKEN, SENTRY_TOKEN, OPENAI_KEY, RUNTIME_TOKEN]) {
      expect(run.logTail).not.toContain(secret)
    }
  })

  it('builds the environment from the documented allow-list only', () => {
    expect(testCommandEnv(ACTION_ENV)).toEqual({
      PATH: ACTION_ENV.PATH,
      HOME: ACTION_ENV.HOME,
      LANG: 'C.UTF-8',
      TMPDIR: tmpdir(),
      HTTPS_PROXY: 'http://proxy.internal:3128',
      no_proxy: 'localhost,127.0.0.1',
      CI: 'true'
    })
  })

  it('redacts the values of secret-looking variables the command prints anyway', async () => {
    const { tests } = runner()
    const command = [
      `echo "token ${GITHUB_TOKEN}"`,
      `echo "key=${OPENAI_KEY}&x=1"`,
      `echo "pem plantedPemLineJJJJJJJJJJJJJJJJ"`,
      `echo "db hunter2-planted-password"`,
      'echo "top 5"'
    ].join('; ')

    const run = await tests.run({ command, cwd: dir, timeoutMs: 10_000 })

    expect(run.logTail.split('\n')).toEqual(['token ***', 'key=***&x=1', 'pem ***', 'db ***', 'top 5'])
  })
})

describe('test runner: time budget and output cap', () => {
  it('kills the whole process tree at the time budget', async () => {
    const { tests } = runner()
    const marker = `marker-${randomUUID()}`
    // the inner sh's $0 is the marker, so it can be found in ps and its process group followed
    const pending = tests.run({ command: `sh -c 'sleep 60 & sleep 60' ${marker}`, cwd: dir, timeoutMs: 1000 })
    let pgid: number | undefined
    for (let i = 0; i < 40 && pgid === undefined; i++) {
      // the inner sh itself (the jail's own command line holds the marker too)
      pgid = (await processes()).find(p => p.args.startsWith('sh -c sleep') && p.args.includes(marker))?.pgid
      if (pgid === undefined) await new Promise(r => setTimeout(r, 25))
    }
    expect(pgid).toBeDefined()
    let sleepsBefore: { pgid: number; args: string }[] = []
    for (let i = 0; i < 40 && sleepsBefore.length < 2; i++) {
      sleepsBefore = (await processes()).filter(p => p.pgid === pgid && p.args === 'sleep 60')
      if (sleepsBefore.length < 2) await new Promise(r => setTimeout(r, 25))
    }
    expect(sleepsBefore).toHaveLength(2)

    const run = await pending

    expect(run).toMatchObject({ passed: false, timedOut: true, exitCode: null })
    expect(run.durationMs).toBeGreaterThanOrEqual(900)
    expect(run.durationMs).toBeLessThan(5000)
    expect((await processes()).filter(p => p.pgid === pgid)).toEqual([])
  })

  it('reaps background children of a command that exited, and does not wait for them', async () => {
    const { tests } = runner()
    const marker = `marker-${randomUUID()}`

    const run = await tests.run({
      command: `sh -c 'sleep 60' ${marker} & echo started`,
      cwd: dir,
      timeoutMs: 10_000
    })

    expect(run).toMatchObject({ passed: true, timedOut: false, logTail: 'started' })
    expect(run.durationMs).toBeLessThan(5000)
    expect((await processes()).filter(p => p.args.includes(marker))).toEqual([])
  })

  it('keeps only the last 200 lines', async () => {
    const { tests } = runner()

    const run = await tests.run({ command: 'seq 1 100000', cwd: dir, timeoutMs: 10_000 })

    expect(run.passed).toBe(true)
    const lines = run.logTail.split('\n')
    expect(lines[0]).toMatch(/earlier output left out/)
    expect(lines.slice(1)).toEqual(Array.from({ length: 200 }, (_, i) => String(99_801 + i)))
  })

  it('keeps at most 16 KB of very long lines', async () => {
    const { tests } = runner()

    const run = await tests.run({
      command: `head -c 200000 /dev/zero | tr '\\0' x; echo; echo last-line`,
      cwd: dir,
      timeoutMs: 10_000
    })

    expect(run.passed).toBe(true)
    expect(Buffer.byteLength(run.logTail)).toBeLessThanOrEqual(16 * 1024 + 100)
    expect(run.logTail.endsWith('\nlast-line')).toBe(true)
    expect(run.logTail.split('\n')[0]).toMatch(/earlier output left out/)
  })
})

describe('test runner: isolation from the action', () => {
  const quiet = {
    info: () => {},
    debug: () => {},
    warning: () => {},
    group: <T>(_: string, fn: () => Promise<T>) => fn()
  }

  it("cannot read the action's process environment: the command sees only its own processes", async () => {
    const runner = createTestRunner({ env: { PATH: process.env.PATH }, log: quiet, jail: testJail() })
    const run = await runner.run({
      command: `cat /proc/${process.pid}/environ >/dev/null 2>&1 && echo READABLE || echo GONE; ls /proc | grep -c '^[0-9]'`,
      cwd: process.cwd(),
      timeoutMs: 10_000
    })
    expect(run.logTail).toContain('GONE')
    expect(Number(run.logTail.trim().split('\n').at(-1))).toBeLessThan(10)
  })

  it('has no network to the outside, but a working loopback of its own', async () => {
    const hits: string[] = []
    const server = http.createServer((req, res) => (hits.push(req.url ?? ''), res.end('hit')))
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    try {
      const runner = createTestRunner({ env: { PATH: process.env.PATH }, log: quiet, jail: testJail() })
      const script =
        `fetch('http://127.0.0.1:${port}/leak').then(() => console.log('REACHED'), () => console.log('BLOCKED'));` +
        `require('net').createServer().listen(0, '127.0.0.1', function () { console.log('LOOPBACK'); this.close() })`
      const run = await runner.run({ command: `node -e "${script}"`, cwd: process.cwd(), timeoutMs: 10_000 })
      expect(run.logTail).toContain('BLOCKED')
      expect(run.logTail).toContain('LOOPBACK')
      expect(hits).toEqual([])
    } finally {
      server.close()
    }
  })

  it('fails with what to do, rather than running unjailed, when the jail cannot be made', async () => {
    const warnings: string[] = []
    const runner = createTestRunner({
      env: { PATH: process.env.PATH },
      log: { ...quiet, warning: (m: string) => warnings.push(m) },
      jail: testJail({ bwrap: '/nonexistent/bwrap' })
    })
    const run = await runner.run({ command: 'echo RAN', cwd: process.cwd(), timeoutMs: 10_000 })
    expect(run.passed).toBe(false)
    expect(run.logTail).not.toContain('RAN')
    expect(run.logTail).toMatch(/could not jail the test command: .*apparmor_restrict_unprivileged_userns/)
    expect(warnings).toHaveLength(1)
  })
})

describe('test runner: the jail', () => {
  const quiet = {
    info: () => {},
    debug: () => {},
    warning: () => {},
    group: <T>(_: string, fn: () => Promise<T>) => fn()
  }
  const jailed = (extra: { verify?: () => Promise<string | null> } = {}) =>
    createTestRunner({
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      log: quiet,
      jail: testJail(extra)
    })

  it('can write its worktree and a private temp dir and HOME, and nothing else on the host', async () => {
    const worktree = path.join(dir, 'worktree')
    await mkdir(worktree)
    const beside = path.join(dir, 'beside.txt')
    // a host folder outside /tmp, as a checkout is on a runner
    await mkdir(outsideTmp(''), { recursive: true })
    const hostDir = await mkdtemp(outsideTmp('sct-jail-'))
    const run = await jailed().run({
      command: [
        'echo fix > in-worktree.txt && echo worktree=ok',
        // under the host's /tmp the write lands in the jail's private overlay; elsewhere it is refused outright
        `(echo x > ${beside}) 2>/dev/null; echo beside=$?`,
        `(echo x > ${hostDir}/planted.txt) 2>/dev/null; echo checkout=$?`,
        'echo x > "$HOME/.gitconfig" && echo home=ok',
        'echo x > "$TMPDIR/scratch" && echo tmp=ok',
        'echo "HOME=$HOME TMPDIR=$TMPDIR"'
      ].join('; '),
      cwd: worktree,
      timeoutMs: 10_000
    })
    expect(run.logTail.split('\n')).toEqual([
      'worktree=ok',
      expect.stringMatching(/^beside=\d/),
      expect.stringMatching(/^checkout=[1-9]/),
      'home=ok',
      'tmp=ok',
      'HOME=/tmp/home TMPDIR=/tmp'
    ])
    expect(await readFile(path.join(worktree, 'in-worktree.txt'), 'utf8')).toBe('fix\n')
    expect(existsSync(beside)).toBe(false)
    expect(existsSync(path.join(hostDir, 'planted.txt'))).toBe(false)
    await rm(hostDir, { recursive: true, force: true })
  })

  it('throws its private temp dir away: the next run starts with an empty one', async () => {
    const first = await jailed().run({
      command: 'echo left > /tmp/left; ls /tmp',
      cwd: dir,
      timeoutMs: 10_000
    })
    expect(first.logTail).toContain('left')
    const second = await jailed().run({
      command: 'ls -A /tmp; cat /tmp/left 2>&1 || echo GONE',
      cwd: dir,
      timeoutMs: 10_000
    })
    expect(second.logTail).toContain('GONE')
  })

  it('cannot connect to a Unix socket outside the jail, nor make one, while its loopback works', async () => {
    const socketPath = path.join(dir, 'outside.sock')
    const accepted: string[] = []
    const server = net.createServer(c => (accepted.push('conn'), c.end()))
    await new Promise<void>(r => server.listen(socketPath, r))
    try {
      const worktree = path.join(dir, 'wt')
      await mkdir(worktree)
      const script =
        `const n=require('net');` +
        `n.connect('${socketPath}').on('connect',()=>console.log('CONNECTED')).on('error',e=>console.log('outside',e.code));` +
        `n.createServer().listen('inside.sock',()=>console.log('LISTENING')).on('error',e=>console.log('inside',e.code));` +
        `require('child_process').exec('echo child-ok',(e,o)=>console.log(o.trim()))`
      const run = await jailed().run({ command: `node -e "${script}"`, cwd: worktree, timeoutMs: 10_000 })
      expect(run.logTail).toMatch(/outside EACCES/)
      expect(run.logTail).toMatch(/inside EACCES/)
      expect(run.logTail).toContain('child-ok')
      expect(run.logTail).not.toContain('CONNECTED')
      expect(accepted).toEqual([])
    } finally {
      server.close()
    }
  })

  it("cannot write the host kernel's settings in /proc/sys, even as root, and holds no capability", async () => {
    // writes the current value back: harmless if the jail ever let it through
    const run = await jailed().run({
      command:
        '(cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern) 2>/dev/null; echo sysctl=$?; ' +
        "grep CapEff /proc/self/status | tr -d '\\t'",
      cwd: dir,
      timeoutMs: 10_000
    })
    expect(run.logTail.split('\n')).toEqual([
      expect.stringMatching(/^sysctl=[1-9]/),
      'CapEff:0000000000000000'
    ])
  })

  it('makes the same jail for an unprivileged user, as the runner user of a hosted runner is', async () => {
    const worktree = path.join(dir, 'unprivileged')
    await mkdir(worktree)
    await chmod(dir, 0o755)
    await chmod(worktree, 0o777)
    const jailed = testJail().command(
      [
        '/bin/sh',
        '-c',
        'id -u; echo fix > in-worktree.txt && echo worktree=ok; (echo x > /etc/planted) 2>/dev/null; echo etc=$?'
      ],
      { writable: worktree }
    )
    // as root here (CI), drop to nobody first; an unprivileged user runs bubblewrap as it is
    const [file, args] =
      process.getuid?.() === 0
        ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', jailed.file, ...jailed.args]]
        : [jailed.file, jailed.args]
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH }
    })
    writeSeccomp(child.stdio[3], jailed.seccomp)
    let out = ''
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
    const code = await new Promise(resolve => child.on('close', resolve))
    expect({ code, lines: out.trim().split('\n') }).toEqual({
      code: 0,
      lines: [expect.stringMatching(/^[1-9]\d*$/), 'worktree=ok', expect.stringMatching(/^etc=[1-9]/)]
    })
  })

  it('refuses to run when the bubblewrap executable changed since it was installed', async () => {
    const run = await jailed({ verify: async () => 'bwrap changed since it was installed' }).run({
      command: `echo RAN > ${path.join(dir, 'ran')}`,
      cwd: dir,
      timeoutMs: 10_000
    })
    expect(run.passed).toBe(false)
    expect(run.logTail).toBe('could not jail the test command: bwrap changed since it was installed')
    expect(existsSync(path.join(dir, 'ran'))).toBe(false)
  })
})

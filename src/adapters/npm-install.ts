// `npm install` of one pinned package into a prefix of its own, through @actions/exec: silent (npm's output is kept for
// the error message, not streamed into the job's log), stdin closed, no install scripts, with npm found on PATH. Its
// environment is allow-listed from the caller's (npmEnv): npm's own settings, proxies and CA, and nothing of the
// action's inputs, tokens or the runner's ACTIONS_* service credentials.
import { access, constants, stat } from 'node:fs/promises'
import path from 'node:path'
import * as exec from '@actions/exec'
import { errorMessage } from '../util/errors.js'
import { STDERR_KEEP, type Env } from './codex-process.js'
import { PROXY_ENV } from './proxy-env.js'

export interface NpmInstallResult {
  /** npm's exit code; null when npm could not be started */
  code: number | null
  /** the last STDERR_KEEP characters of npm's stdout and stderr, or why npm did not start */
  output: string
}

/** `npm install --prefix <prefix> <spec>`, nothing saved, no audit or funding calls. */
export async function npmInstall(options: {
  /** the npm executable: a path, or a name looked up on env.PATH */
  npm: string
  prefix: string
  /** `<name>@<exact version>` */
  spec: string
  env: Env
}): Promise<NpmInstallResult> {
  const npm = await findExecutable(options.npm, options.env.PATH ?? '')
  if (!npm) return { code: null, output: `${options.npm} is not on PATH` }
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-STDERR_KEEP)
  }
  try {
    const code = await exec.exec(
      npm,
      [
        'install',
        '--prefix',
        options.prefix,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        // the pinned packages run no install script; one that appeared in a compromised version would not run here
        '--ignore-scripts',
        options.spec
      ],
      {
        env: npmEnv(options.env),
        silent: true,
        ignoreReturnCode: true,
        input: Buffer.alloc(0),
        listeners: { stdout: keep, stderr: keep }
      }
    )
    return { code, output }
  } catch (error) {
    return { code: null, output: errorMessage(error) }
  }
}

/** npm's own error lines ("npm error code E404", "npm error 404 Not Found ..."), stack frames left out. */
export function npmError(output: string): string {
  const lines = output
    .split('\n')
    .map(line => line.trim())
    .filter(line => /^npm (error|ERR!)/.test(line) && !/^npm (error|ERR!)\s+at /.test(line))
    .map(line => line.replace(/^npm (error|ERR!)\s*/, ''))
    .filter(line => line !== '')
  return lines.length > 0 ? lines.slice(0, 3).join('; ') : (output.trim().split('\n')[0] ?? '')
}

/** `name` itself when it is a path, else the first executable `dir/name` on `searchPath`; null when there is none. */
async function findExecutable(name: string, searchPath: string): Promise<string | null> {
  const candidates = name.includes(path.sep)
    ? [path.resolve(name)]
    : searchPath
        .split(path.delimiter)
        .filter(dir => path.isAbsolute(dir))
        .map(dir => path.join(dir, name))
  for (const candidate of candidates) {
    const runnable = await access(candidate, constants.X_OK).then(
      () => stat(candidate).then(info => info.isFile()),
      () => false
    )
    if (runnable) return candidate
  }
  return null
}

/** What npm needs to reach its registry: its settings (npm_config_*, NPM_CONFIG_*, .npmrc via HOME), proxies, CA. */
const NPM_ENV =
  /^(PATH|HOME|USER|TMPDIR|TEMP|TMP|LANG|LC_[A-Z_]+|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|NODE_OPTIONS|npm_config_\w+|NPM_CONFIG_\w+)$/

export function npmEnv(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[1] !== undefined && (NPM_ENV.test(e[0]) || PROXY_ENV.includes(e[0]))
    )
  )
}

// The secret-leak scan every end-to-end suite applies to a finished run: no secret value the sandbox gave the action
// (its tokens and key, the artifact runtime token, any extra canary) may appear, verbatim or in a common encoding, in
// anything the run left behind or sent out:
//   - the visible log (without ::add-mask:: commands, which the runner consumes), stderr, the step outputs and the job
//     summary;
//   - every file under the run's RUNNER_TEMP (the summary, work-*/ result, patch, audit.jsonl, events.jsonl,
//     last-message.txt, tests.log, and whatever else is there), each reported by its path;
//   - every artifact file stored by the fake artifact service, and every request made to it;
//   - every request (method, path, query, headers, body) recorded by the fake GitHub, the fake Sentry, the fake model and
//     the git HTTP remote. The one exception: a service's Authorization header may carry that service's own credential
//     (GitHub and the git remote: github-token; Sentry: the Sentry token; the model: the model key; the artifact service:
//     ACTIONS_RUNTIME_TOKEN). It is scanned for every OTHER secret;
//   - the git remote: every object in the bare repository (commit messages, trees with file names, file contents) and
//     every ref name;
//   - the fake GitHub's world: PR titles, bodies, labels, reviewers, comments.
import { execFile } from 'node:child_process'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect } from '@jest/globals'
import type { ActionRun } from './action-process.js'
import { SANDBOX_READ_TOKEN, type AgentSandbox, type Sandbox } from './sandbox/sandbox.js'
import { encodings } from './leaks.js'
import { secretForms } from '../src/domain/secrets.js'

const exec = promisify(execFile)

export interface LeakScanOptions {
  /** more secret values to look for (canaries put into the runner's environment, files ...) */
  extraSecrets?: string[]
  /**
   * Secrets the test's scripted model itself emitted (a model that "knows" a value, to prove the policy gate catches
   * it): codex sends the model's own output back to the model, so these may appear in the bodies of the fake model's
   * requests about that issue (whose body contains `about`, e.g. its short id) and nowhere else.
   */
  saidByModel?: { about: string; secrets: string[] }[]
}

interface Surface {
  where: string
  text: string
  /** secrets allowed here */
  allowed?: readonly string[]
}

/** Every encoded form a secret is looked for in: verbatim, base64 (each alignment), base64url, URL-encoded, hex. */
export function leakForms(secret: string): string[] {
  const forms = new Set<string>(encodings(secret))
  forms.add(Buffer.from(secret).toString('hex').toUpperCase())
  for (const form of secretForms([secret])) forms.add(form.text)
  return [...forms].filter(f => f.length >= 8)
}

function isAgentSandbox(s: AgentSandbox | Sandbox): s is AgentSandbox {
  return 'checkout' in s && 'model' in s
}

/** The secret values a sandbox (and its runner environment) holds. */
export function sandboxSecrets(s: AgentSandbox | Sandbox, extra: string[] = []): string[] {
  const fromEnv = Object.entries(s.env)
    .filter(([name]) => /TOKEN|KEY|SECRET|PASSWORD/i.test(name))
    .map(([, value]) => value)
  return [...new Set([...s.secrets, ...fromEnv, ...extra])].filter(v => v.trim().length >= 8)
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter(e => e.isFile()).map(e => path.join(e.parentPath, e.name))
}

function headersText(headers: Record<string, unknown>, skipAuthorization: boolean): string {
  return Object.entries(headers)
    .filter(([name]) => !(skipAuthorization && name.toLowerCase() === 'authorization'))
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('\n')
}

function authorization(headers: Record<string, unknown>): string {
  const value = headers.authorization ?? headers.Authorization
  return Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : ''
}

/** Everything the run left or sent, as named texts. */
async function surfaces(
  s: AgentSandbox | Sandbox,
  run: ActionRun,
  options: LeakScanOptions
): Promise<Surface[]> {
  const githubToken = s.inputs['github-token'] ?? ''
  const sentryToken = s.inputs['sentry-token'] ?? ''
  const modelKey = s.inputs['openai-api-key'] ?? ''
  const runtimeToken = s.env.ACTIONS_RUNTIME_TOKEN ?? ''
  const out: Surface[] = [
    { where: 'the visible log', text: run.log },
    { where: 'stderr', text: run.stderr },
    { where: 'the job summary', text: run.stepSummary },
    ...Object.entries(run.outputs).map(([name, value]) => ({ where: `output '${name}'`, text: value }))
  ]

  for (const file of await filesUnder(run.runnerTemp)) {
    const info = await stat(file).catch(() => null)
    if (!info || info.size > 64 * 1024 * 1024) continue
    const text = await readFile(file, 'latin1').catch(() => '')
    out.push({ where: `file ${path.relative(run.runnerTemp, file)}`, text })
  }

  for (const artifact of s.artifacts.artifacts()) {
    out.push({ where: `artifact ${artifact.name} (name)`, text: artifact.name })
    for (const [name, bytes] of Object.entries(artifact.files())) {
      out.push({ where: `artifact ${artifact.name}: ${name}`, text: bytes.toString('latin1') })
    }
  }
  s.artifacts.requests.forEach((r, i) => {
    const where = `artifact service request ${i} ${r.method} ${r.path}`
    out.push({ where, text: `${r.path}?${r.query.toString()}\n${headersText(r.headers, true)}\n` })
    out.push({ where: `${where} (body)`, text: r.bytes.toString('latin1') })
    out.push({ where: `${where} (Authorization)`, text: authorization(r.headers), allowed: [runtimeToken] })
  })

  const recorded = (
    name: string,
    requests: {
      method: string
      path: string
      query: URLSearchParams
      headers: Record<string, unknown>
      body: string
    }[],
    own: string | string[]
  ) =>
    requests.forEach((r, i) => {
      const where = `${name} request ${i} ${r.method} ${r.path}`
      out.push({ where, text: `${r.path}?${r.query.toString()}\n${headersText(r.headers, true)}\n${r.body}` })
      out.push({ where: `${where} (Authorization)`, text: authorization(r.headers), allowed: [own].flat() })
    })
  recorded('GitHub', s.github.requests, [githubToken, SANDBOX_READ_TOKEN])
  recorded('Sentry', s.sentry.requests, sentryToken)
  out.push({ where: 'the GitHub world (pulls, labels)', text: JSON.stringify(s.github.world) })

  if (isAgentSandbox(s)) {
    for (const r of s.model.requests) {
      const where = `model request ${r.index} ${r.method} ${r.path}`
      out.push({
        where,
        text: `${r.path}\n${headersText(r.headers, true)}\n${r.raw}`,
        allowed: (options.saidByModel ?? []).flatMap(said => (r.raw.includes(said.about) ? said.secrets : []))
      })
      out.push({ where: `${where} (Authorization)`, text: authorization(r.headers), allowed: [modelKey] })
    }
    for (const [i, r] of (s.checkout.http?.requests ?? []).entries()) {
      out.push({ where: `git remote request ${i} ${r.method}`, text: r.url })
      out.push({
        where: `git remote request ${i} (Authorization)`,
        text: r.authorization ?? '',
        // the fanned-out jobs fetch their checkouts with the read-only job token
        allowed: [githubToken, SANDBOX_READ_TOKEN]
      })
    }
    const bare = s.checkout.bare
    const refs = await exec('git', ['for-each-ref', '--format=%(refname) %(objectname)'], { cwd: bare })
    out.push({ where: 'git remote refs', text: refs.stdout })
    const objects = await exec('git', ['cat-file', '--batch-all-objects', '--batch'], {
      cwd: bare,
      encoding: 'latin1',
      maxBuffer: 256 * 1024 * 1024
    })
    out.push({ where: 'git remote objects', text: objects.stdout })
    const log = await exec('git', ['log', '--all', '-p', '--format=%H %D%n%B'], {
      cwd: bare,
      maxBuffer: 256 * 1024 * 1024
    })
    out.push({ where: 'git remote history (log --all -p)', text: log.stdout })
  }
  return out
}

/**
 * The places a secret leaked to, as `"<where>: <which secret> (<encoding>)"`; empty when none. Secrets are named by
 * their position and a short prefix, never printed whole.
 */
export async function findRunLeaks(
  s: AgentSandbox | Sandbox,
  run: ActionRun,
  options: LeakScanOptions | string[] = {}
): Promise<string[]> {
  const opts: LeakScanOptions = Array.isArray(options) ? { extraSecrets: options } : options
  const secrets = sandboxSecrets(s, opts.extraSecrets)
  const forms = secrets.map(secret => ({ secret, forms: leakForms(secret) }))
  const leaks: string[] = []
  for (const surface of await surfaces(s, run, opts)) {
    for (const { secret, forms: encoded } of forms) {
      if (surface.allowed?.includes(secret)) continue
      const form = encoded.find(f => surface.text.includes(f))
      if (form === undefined) continue
      const how = form === secret ? 'verbatim' : 'encoded'
      leaks.push(`${surface.where}: secret ${secret.slice(0, 6)}… (${how})`)
    }
  }
  return leaks
}

/** Fails the test with the list of places a secret reached. */
export async function assertNoLeaks(
  s: AgentSandbox | Sandbox,
  run: ActionRun,
  options: LeakScanOptions | string[] = {}
): Promise<void> {
  expect(await findRunLeaks(s, run, options)).toEqual([])
}

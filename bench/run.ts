// `npm run bench`: the bundled action (dist/index.js, Node 24, as the runner runs it) against the local fakes on
// 127.0.0.1 at three scales, with and without injected latency, plus three baselines. Prints a table and PASS/FAIL
// lines and writes bench/results/latest.json. The only address outside 127.0.0.1 is the npm registry, reached by `npm`
// itself for baseline (a).
import { jailCost, type JailRow } from './jail.js'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as toolCache from '@actions/tool-cache'
import { runAction, ROOT } from '../test-support/action-process.js'
import { startSandbox, startAgentSandbox } from '../test-support/sandbox/sandbox.js'
import { conversationOf, startFakeModel, type ModelRequest } from '../test-support/sandbox/fake-model.js'
import { startFakeGitHub } from '../test-support/sandbox/fake-github.js'
import { triageScenario } from '../test-support/sandbox/world.js'
import { fixScript, sampleModel } from '../test-support/sandbox/agent-scripts.js'
import { recordingLog } from '../test-support/recording-log.js'
import type { RecordedRequest } from '../test-support/sandbox/http-fake.js'
import {
  BENCH_MIN_EVENTS,
  SCALES,
  buildScaleWorld,
  pagesNeededForTop,
  scaleTriageInputs,
  type Scale
} from './worlds.js'
import { watchChildRss } from './rss.js'
import { FAN_OUT_ISSUES, fanOutBench, type FanOutBench } from './fan-out.js'
import { ledgerBench, ledgerChecks, type LedgerBench } from './ledger.js'
import { toolCacheBench, toolCacheTable, type ToolCacheBench } from './tool-cache.js'
import { phaseMedians, phaseTable, runTimes, type PhaseMedians } from './phases.js'

const CODEX_VERSION = '0.171.0'
const LATENCIES = [0, 50]
// A model turn of a real Responses API model takes seconds; 1.5 s is on the fast side of realistic.
const AGENT_TURN_LATENCY_MS = 1500
const TOP = 5
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean))
const want = (part: string): boolean => only.size === 0 || only.has(part)
/** BENCH_ACTION_ENTRY: another bundle than dist/index.js for the runs made here (not the fan-out's jobs) */
const ENTRY = process.env.BENCH_ACTION_ENTRY ? { entry: process.env.BENCH_ACTION_ENTRY } : {}

const checks: { name: string; pass: boolean; detail: string }[] = []
function check(name: string, pass: boolean, detail: string): void {
  checks.push({ name, pass, detail })
  console.log(`${pass ? 'PASS' : 'FAIL'}  ${name} — ${detail}`)
}

const isDedup = (r: RecordedRequest): boolean =>
  r.method === 'GET' && (/\/git\/matching-refs\//.test(r.path) || /\/pulls$/.test(r.path))
const isIssueList = (r: RecordedRequest): boolean =>
  r.method === 'GET' && /^\/api\/0\/organizations\/[^/]+\/issues\/?$/.test(r.path)

// ------------------------------------------------------------------------------------------------ 1. triage at scale

interface TriageResult {
  scale: string
  latency_ms: number
  projects: number
  issues: number
  open_prs: number
  fix_branches: number
  world_build_ms: number
  exit_code: number | null
  wall_ms: number
  /** = wall_ms: triage makes no model request and runs no test command */
  wall_ms_excl_model_tests: number
  sentry_requests: number
  sentry_list_pages: number
  sentry_list_pages_needed_for_top: number
  sentry_page_limit: number | null
  github_requests: number
  github_dedup_requests: number
  github_other_requests: number
  model_requests: number
  peak_rss_mb: number | null
  dispositions: Record<string, number>
  cookbook_dedup?: Awaited<ReturnType<typeof cookbookDedup>>
}

async function triageAt(
  scale: Scale,
  latencyMs: number,
  world = buildScaleWorld(scale)
): Promise<TriageResult> {
  const sandbox = await startSandbox(world, { latencyMs })
  const model = await startFakeModel(() => ({ kind: 'hang' }))
  try {
    const watch = watchChildRss('dist/index.js')
    const started = performance.now()
    const run = await runAction({
      inputs: scaleTriageInputs(sandbox.inputs, world, model.baseUrl),
      env: sandbox.env,
      timeoutMs: 120_000
    })
    const wallMs = performance.now() - started
    const rss = await watch.stop()
    try {
      if (run.code !== 0)
        console.error(`[${scale.name} ${latencyMs}ms] action failed:\n${run.errors.join('\n')}`)
      const dispositions: Record<string, number> = {}
      if (run.outputs['summary-file']) {
        const summary = JSON.parse(await readFile(run.outputs['summary-file'], 'utf8')) as {
          issues: { disposition: string }[]
        }
        for (const i of summary.issues) dispositions[i.disposition] = (dispositions[i.disposition] ?? 0) + 1
      }
      const lists = sandbox.sentry.requests.filter(isIssueList)
      const limitRaw = lists[0]?.query.get('limit')
      const limit = limitRaw ? Number(limitRaw) : 100
      const gh = sandbox.github.requests
      const dedup = gh.filter(isDedup).length
      return {
        scale: scale.name,
        latency_ms: latencyMs,
        projects: scale.projects,
        issues: scale.issues,
        open_prs: scale.openPrs,
        fix_branches: scale.fixBranches,
        world_build_ms: Math.round(world.buildMs),
        exit_code: run.code,
        wall_ms: Math.round(wallMs),
        wall_ms_excl_model_tests: Math.round(wallMs),
        sentry_requests: sandbox.sentry.requests.length,
        sentry_list_pages: lists.length,
        sentry_list_pages_needed_for_top: pagesNeededForTop(world.inScope, TOP, BENCH_MIN_EVENTS, limit),
        sentry_page_limit: limitRaw ? Number(limitRaw) : null,
        github_requests: gh.length,
        github_dedup_requests: dedup,
        github_other_requests: gh.length - dedup,
        model_requests: model.requests.length,
        peak_rss_mb: rss.peakKb === null ? null : Math.round(rss.peakKb / 102.4) / 10,
        dispositions
      }
    } finally {
      await run.cleanup()
    }
  } finally {
    await Promise.all([sandbox.close(), model.close()])
  }
}

// ------------------------------------------------------------------ 3b. dedup the cookbook way (per-candidate search)

/**
 * What one `gh pr list --search <shortId>` per candidate costs at the least: the open PRs listed page by page (100 a
 * page, GitHub's maximum), once per candidate. One candidate's walk is made for real against the fake GitHub with the
 * scale's PRs (every candidate's walk is the same pages); requests and time are that walk times the candidates.
 */
async function cookbookDedup(
  world: ReturnType<typeof buildScaleWorld>,
  candidates: number
): Promise<{
  requests: number
  wall_ms: number
  per_candidate_pages: number
  per_candidate_ms: number
  candidates: number
}> {
  const github = await startFakeGitHub(world.github)
  try {
    const started = performance.now()
    let url: string | null = `${github.url}/repos/acme/shop/pulls?state=open&per_page=100&page=1`
    while (url) {
      const res: Response = await fetch(url, { headers: { authorization: 'Bearer ghs_bench' } })
      await res.json()
      const next: RegExpExecArray | null = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')
      url = next ? next[1]! : null
    }
    const perCandidateMs = performance.now() - started
    const pages = github.requests.length
    return {
      requests: pages * candidates,
      wall_ms: Math.round(perCandidateMs * candidates),
      per_candidate_pages: pages,
      per_candidate_ms: Math.round(perCandidateMs),
      candidates
    }
  } finally {
    await github.close()
  }
}

// ---------------------------------------------------------------------------------- 3a. install: npm vs tool cache

function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv
): Promise<{ code: number | null; ms: number; tail: string }> {
  const started = performance.now()
  return new Promise(resolve => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-2000)))
    child.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-2000)))
    child.on('error', e => resolve({ code: null, ms: performance.now() - started, tail: String(e) }))
    child.on('close', code => resolve({ code, ms: performance.now() - started, tail: out }))
  })
}

interface InstallResult {
  npm_install_ms: number | null
  npm_exit_code: number | null
  npm_error?: string
  cached_install_ms: number | null
  cached_install_ms_runs: number[]
  ratio: number | null
  note: string
}

async function installBaseline(): Promise<InstallResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sct-bench-install-'))
  try {
    const prefix = path.join(tmp, 'npm-prefix')
    await mkdir(prefix)
    // the way peers do it on every run (npm install -g lands in a prefix the same way; --prefix keeps it out of the
    // machine's global folder). npm's own cache (~/.npm/_cacache) is whatever this machine has: usually warm.
    const npm = await timed(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `@openai/codex@${CODEX_VERSION}`
      ],
      process.env
    )
    // The tool cache is populated once (from that install, or from this repository's node_modules if npm failed).
    const toolCacheDir = path.join(tmp, 'tool-cache')
    await mkdir(toolCacheDir)
    const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP }
    process.env.RUNNER_TOOL_CACHE = toolCacheDir
    process.env.RUNNER_TEMP = path.join(tmp, 'runner-temp')
    // (from that install, or from a copy of this repository's devDependency when npm failed)
    const source = npm.code === 0 ? prefix : await copyCodexTree(tmp)
    await toolCache.cacheDir(source, 'openai-codex', CODEX_VERSION)
    const { installCodex } = await import('../src/adapters/codex-install.js')
    const runs: number[] = []
    for (let i = 0; i < 3; i++) {
      const log = recordingLog()
      const started = performance.now()
      const got = await installCodex({
        version: CODEX_VERSION,
        log,
        env: { ...process.env, SENTRY_CODEX_TRIAGE_CODEX_PATH: '' }
      })
      runs.push(Math.round(performance.now() - started))
      if (!got.path.includes(toolCacheDir) || !log.lines.some(l => /tool cache/.test(l.message)))
        throw new Error(`installCodex did not use the tool cache: ${got.path}`)
    }
    process.env.RUNNER_TOOL_CACHE = saved.cache
    process.env.RUNNER_TEMP = saved.temp
    if (saved.cache === undefined) delete process.env.RUNNER_TOOL_CACHE
    if (saved.temp === undefined) delete process.env.RUNNER_TEMP
    const cached = runs.slice().sort((a, b) => a - b)[1]!
    const npmMs = npm.code === 0 ? Math.round(npm.ms) : null
    return {
      npm_install_ms: npmMs,
      npm_exit_code: npm.code,
      ...(npm.code === 0 ? {} : { npm_error: npm.tail.trim().split('\n').slice(-3).join(' ') }),
      cached_install_ms: cached,
      cached_install_ms_runs: runs,
      ratio: npmMs === null ? null : Math.round((npmMs / cached) * 10) / 10,
      note:
        "npm install timed with this machine's npm cache as it was (warm when the repository was installed with npm ci); " +
        'cached = installCodex() with RUNNER_TOOL_CACHE holding the version (tool-cache find + SHA-256 digests of its files + codex --version), median of 3'
    }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

/** A prefix-shaped copy of this repository's @openai/codex (and its platform package) for the tool cache. */
async function copyCodexTree(tmp: string): Promise<string> {
  const prefix = path.join(tmp, 'copy-prefix', 'node_modules')
  await mkdir(path.join(prefix, '@openai'), { recursive: true })
  const { cp, readdir } = await import('node:fs/promises')
  for (const name of await readdir(path.join(ROOT, 'node_modules', '@openai'))) {
    if (name.startsWith('codex')) {
      await cp(path.join(ROOT, 'node_modules', '@openai', name), path.join(prefix, '@openai', name), {
        recursive: true
      })
    }
  }
  return path.dirname(prefix)
}

// ------------------------------------------------------------------------------------ 3c. agent concurrency 1 vs 2

interface AgentRun {
  concurrency: number
  exit_code: number | null
  wall_ms: number
  model_requests: number
  /** issues that ended dry-run */
  fixed_issues: number
  /** model_requests / fixed_issues */
  model_requests_per_fixed_issue: number | null
  /** bytes (UTF-8) of the first user message of each issue's first /responses request, by short id */
  prompt_bytes: Record<string, number>
  prompt_bytes_mean: number | null
  /** total /responses request body bytes per issue, by short id, and their mean over the issues */
  request_body_bytes: Record<string, number>
  request_body_bytes_mean_per_issue: number | null
  /** responses requests that named none of the issues (not attributed) */
  unattributed_requests: number
  /** ESTIMATE: wall_ms - model_requests x AGENT_TURN_LATENCY_MS / concurrency (tests are not subtracted) */
  wall_ms_excl_model_estimate: number
  dispositions: Record<string, string>
  /** where each fix's time went, from the run's summary (bench/phases.ts) */
  phases: PhaseMedians
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')
const mean = (xs: number[]): number | null =>
  xs.length === 0 ? null : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length)

function userMessages(request: ModelRequest): string[] {
  return conversationOf(request)
    .input.filter(item => item.type === 'message' && item.role === 'user')
    .map(item => {
      const content = item.content
      if (typeof content === 'string') return content
      if (!Array.isArray(content)) return ''
      return content
        .map(part =>
          typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''
        )
        .join('')
    })
}

/** Attributes each /responses request to the issue its user messages name (as a whole word, as byPrompt does). */
function perIssueModelStats(
  requests: ModelRequest[],
  shortIds: string[]
): Pick<AgentRun, 'prompt_bytes' | 'request_body_bytes' | 'unattributed_requests'> {
  const prompt_bytes: Record<string, number> = {}
  const request_body_bytes: Record<string, number> = {}
  let unattributed_requests = 0
  for (const r of requests) {
    const text = conversationOf(r).userText
    const id = shortIds.find(s => new RegExp(`(?<![\\w-])${s}(?![\\w-])`).test(text))
    if (id === undefined) {
      unattributed_requests++
      continue
    }
    request_body_bytes[id] = (request_body_bytes[id] ?? 0) + bytes(r.raw)
    if (prompt_bytes[id] === undefined) {
      const first = userMessages(r)[0] ?? ''
      prompt_bytes[id] = bytes(first)
      if (!first.includes(id))
        console.error(
          `  note: ${id}'s first user message does not name it (${JSON.stringify(first.slice(0, 80))}…)`
        )
    }
  }
  return { prompt_bytes, request_body_bytes, unattributed_requests }
}

/**
 * Four candidates from the sample repository: API-12, WEB-7, WEB-9 (their fix PR and branch removed from the world)
 * and API-31 (its merged PR removed). API-31's own fix is already on the sample repository's base, so it plays
 * API-12's script (7 turns, a real patch in its own worktree). Every turn of the fake model waits
 * AGENT_TURN_LATENCY_MS.
 */
async function agentRun(concurrency: number): Promise<AgentRun> {
  const scenario = triageScenario()
  scenario.github.pulls = scenario.github.pulls.filter(p => p.number !== 8 && p.number !== 11)
  const branches = scenario.github.branches as Record<string, string>
  delete branches['fix/sentry-WEB-7']
  const sandbox = await startAgentSandbox(scenario, {
    model: sampleModel({ 'API-31': fixScript('API-12') }),
    modelLatencyMs: AGENT_TURN_LATENCY_MS
  })
  try {
    const started = performance.now()
    const run = await runAction({
      inputs: {
        ...sandbox.inputs,
        ...scenario.inputs,
        mode: 'dry-run',
        'max-prs': '4',
        concurrency: String(concurrency)
      },
      env: sandbox.env,
      workspace: sandbox.checkout.checkout,
      timeoutMs: 240_000,
      ...ENTRY
    })
    const wallMs = performance.now() - started
    try {
      const dispositions: Record<string, string> = {}
      if (run.outputs['summary-file']) {
        const summary = JSON.parse(await readFile(run.outputs['summary-file'], 'utf8')) as {
          issues: { short_id: string; disposition: string }[]
        }
        for (const i of summary.issues) dispositions[i.short_id] = i.disposition
      }
      if (run.code !== 0) console.error(`[agent c=${concurrency}] action failed:\n${run.errors.join('\n')}`)
      const requests = sandbox.model.responsesRequests()
      const fixed = Object.values(dispositions).filter(d => d === 'dry-run').length
      const stats = perIssueModelStats(requests, Object.keys(dispositions))
      return {
        concurrency,
        exit_code: run.code,
        wall_ms: Math.round(wallMs),
        model_requests: requests.length,
        fixed_issues: fixed,
        model_requests_per_fixed_issue:
          fixed === 0 ? null : Math.round((requests.length / fixed) * 100) / 100,
        ...stats,
        prompt_bytes_mean: mean(Object.values(stats.prompt_bytes)),
        request_body_bytes_mean_per_issue: mean(Object.values(stats.request_body_bytes)),
        wall_ms_excl_model_estimate: Math.round(
          wallMs - (requests.length * AGENT_TURN_LATENCY_MS) / concurrency
        ),
        dispositions,
        phases: phaseMedians(await runTimes(`concurrency ${concurrency}`, run))
      }
    } finally {
      await run.cleanup()
    }
  } finally {
    await sandbox.close()
  }
}

// ------------------------------------------------------------------------------------------------------------ main

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map(r => String(r[c]).length)))
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => String(cell).padStart(widths[c]!)).join('  ')
      return i === 0 ? `${line}\n${widths.map(w => '-'.repeat(w)).join('  ')}` : line
    })
    .join('\n')
}

async function main(): Promise<void> {
  const benchStarted = performance.now()
  const triage: TriageResult[] = []
  if (want('triage')) {
    for (const scale of SCALES) {
      const world = buildScaleWorld(scale)
      console.log(`${scale.name}: world built in ${Math.round(world.buildMs)} ms`)
      for (const latency of LATENCIES) {
        const result = await triageAt(scale, latency, world)
        // the cookbook baseline for the same number of candidates the action looked up
        // (one search per issue the action looked up: the triaged issues at or above min-events)
        const qualifying = Object.entries(result.dispositions)
          .filter(([d]) => d !== 'below-threshold')
          .reduce((n, [, c]) => n + c, 0)
        if (latency === 0) result.cookbook_dedup = await cookbookDedup(world, qualifying || TOP)
        triage.push(result)
        console.log(`  ${scale.name} @${latency}ms: ${result.wall_ms} ms, exit ${result.exit_code}`)
      }
    }
    console.log(
      '\nTriage (mode: triage, top 5, max-prs 2, min-events 2; bundled action as a Node 24 process)\n'
    )
    console.log(
      table([
        [
          'scale',
          'latency',
          'wall ms',
          'wall ms excl. model+tests*',
          'sentry req',
          'list pages (need)',
          'github req',
          'dedup req',
          'open PRs',
          'model req',
          'peak RSS MB',
          'exit'
        ],
        ...triage.map(r => [
          r.scale,
          `${r.latency_ms} ms`,
          r.wall_ms,
          r.wall_ms_excl_model_tests,
          r.sentry_requests,
          `${r.sentry_list_pages} (${r.sentry_list_pages_needed_for_top})`,
          r.github_requests,
          r.github_dedup_requests,
          r.open_prs,
          r.model_requests,
          r.peak_rss_mb ?? 'n/a',
          r.exit_code ?? 'killed'
        ])
      ])
    )
    console.log(
      '* = wall ms: triage makes no model request and runs no test command, so there is nothing to subtract'
    )
    console.log(
      '\nDedup baseline: cookbook (list all open PRs once per candidate, 100 a page) vs the action\n'
    )
    console.log(
      table([
        [
          'scale',
          'candidates',
          'cookbook req',
          'cookbook ms (0 lat, 1 walk x n)',
          'cookbook ms @50 (est.)',
          'action dedup req',
          'ratio'
        ],
        ...triage
          .filter(r => r.cookbook_dedup)
          .map(r => [
            r.scale,
            r.cookbook_dedup!.candidates,
            r.cookbook_dedup!.requests,
            r.cookbook_dedup!.wall_ms,
            r.cookbook_dedup!.requests * 50,
            r.github_dedup_requests,
            `${Math.round((r.cookbook_dedup!.requests / Math.max(1, r.github_dedup_requests)) * 10) / 10}x`
          ])
      ])
    )
    console.log()
    for (const r of triage) {
      check(`${r.scale}@${r.latency_ms}ms: action exits 0`, r.exit_code === 0, `exit ${r.exit_code}`)
      check(
        `${r.scale}@${r.latency_ms}ms: Sentry list pages <= pages needed for top + 3`,
        r.sentry_list_pages <= r.sentry_list_pages_needed_for_top + 3,
        `${r.sentry_list_pages} page(s) of ${r.sentry_page_limit}, ${r.sentry_list_pages_needed_for_top} needed`
      )
      check(
        `${r.scale}@${r.latency_ms}ms: no model request in triage`,
        r.model_requests === 0,
        `${r.model_requests}`
      )
    }
    for (const r of triage.filter(r => r.scale === 'large')) {
      check(
        `large@${r.latency_ms}ms: GitHub dedup requests <= 1% of open PRs`,
        r.github_dedup_requests <= r.open_prs / 100,
        `${r.github_dedup_requests} <= ${r.open_prs / 100}`
      )
    }
  }

  let install: InstallResult | undefined
  if (want('install')) {
    install = await installBaseline()
    console.log(
      '\nInstall baseline: npm install @openai/codex@' + CODEX_VERSION + " vs the action's tool-cache path\n"
    )
    console.log(
      table([
        ['npm install ms', 'cached installCodex ms (median of 3)', 'ratio'],
        [
          install.npm_install_ms ?? `failed (${install.npm_error ?? install.npm_exit_code})`,
          install.cached_install_ms ?? 'n/a',
          install.ratio === null ? 'n/a' : `${install.ratio}x`
        ]
      ])
    )
    console.log(`(${install.note})\n`)
    // The cached path pins what it runs (SHA-256 of the whole package, about 0.3 s): it must still beat npm by far,
    // even npm with a warm cache of its own
    if (install.ratio !== null)
      check('cached install >= 5x faster than npm install', install.ratio >= 5, `${install.ratio}x`)
    else check('cached install >= 5x faster than npm install', false, 'npm install did not complete')
  }

  let toolCache: ToolCacheBench | undefined
  if (want('tool-cache')) {
    toolCache = await toolCacheBench()
    console.log('\nTools across fresh runners: restore from the cache service vs npm install (first run)\n')
    console.log(table(toolCacheTable(toolCache)))
    console.log(`(${toolCache.note}; ${toolCache.codex_left_out})\n`)
    for (const r of toolCache.rows) {
      check(
        `tool cache: a fresh runner restores ${r.tool} faster than npm installs it`,
        r.ratio > 1,
        `${r.ratio}x`
      )
    }
  }

  const agent: AgentRun[] = []
  if (want('agent')) {
    for (const c of [1, 2]) {
      agent.push(await agentRun(c))
      console.log(`  agent concurrency ${c}: ${agent.at(-1)!.wall_ms} ms`)
    }
    const speedup = Math.round((agent[0]!.wall_ms / agent[1]!.wall_ms) * 100) / 100
    console.log(
      `\nAgent concurrency: 4 candidates, mode dry-run, max-prs 4, fake model ${AGENT_TURN_LATENCY_MS} ms per turn, real codex\n`
    )
    console.log(
      table([
        [
          'concurrency',
          'wall ms',
          'wall ms excl. model (ESTIMATE)*',
          'model req',
          'fixed',
          'model req / fixed issue',
          'prompt bytes / issue (mean)',
          'request body bytes / issue (mean)',
          'dispositions',
          'exit'
        ],
        ...agent.map(a => [
          a.concurrency,
          a.wall_ms,
          a.wall_ms_excl_model_estimate,
          a.model_requests,
          a.fixed_issues,
          a.model_requests_per_fixed_issue ?? 'n/a',
          a.prompt_bytes_mean ?? 'n/a',
          a.request_body_bytes_mean_per_issue ?? 'n/a',
          Object.entries(a.dispositions)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          a.exit_code ?? 'killed'
        ])
      ])
    )
    console.log(
      `* ESTIMATE: wall ms - model requests x ${AGENT_TURN_LATENCY_MS} ms (the fake model's per-turn latency) / concurrency; ` +
        'assumes turns overlap perfectly at concurrency > 1; test-command time (codex runs the tests between turns) is NOT subtracted'
    )
    for (const a of agent)
      console.log(
        `  c=${a.concurrency} prompt bytes: ${JSON.stringify(a.prompt_bytes)}; request body bytes: ${JSON.stringify(a.request_body_bytes)}; unattributed requests: ${a.unattributed_requests}`
      )
    console.log(`speed-up concurrency 2 vs 1: ${speedup}x\n`)
    console.log(
      `Where each fix's time goes (the action's own measure, from the summaries; model: ${AGENT_TURN_LATENCY_MS} ms a turn at the fake)\n`
    )
    console.log(table(phaseTable(agent.map(a => a.phases))))
    console.log()
    for (const a of agent) {
      const ready = Object.values(a.dispositions).filter(d => d === 'dry-run').length
      check(`agent c=${a.concurrency}: all 4 candidates end dry-run`, ready === 4, `${ready}/4`)
    }
    check('concurrency 2 >= 1.7x faster than 1 for 4 fixes', speedup >= 1.7, `${speedup}x`)
  }

  let ledger: LedgerBench | undefined
  if (want('ledger')) {
    ledger = await ledgerBench()
    const l = ledger
    console.log(
      `\nFix-quality ledger at the ${l.scale} scale (mode: triage): ${l.action_prs_in_window} PRs of the action in the ` +
        `window (${l.action_prs_open} open, ${l.action_prs_merged} merged, ${l.action_prs_closed_unmerged} closed ` +
        `unmerged) and ${l.action_prs_outside_window} before it, among ${l.pull_requests_in_repository} PRs\n`
    )
    console.log(
      table([
        ['search pages', 'commits requests', 'ledger GitHub req', 'reported', 'bound', 'listings w/o head'],
        [
          l.search_pages,
          l.commits_requests,
          l.ledger_github_requests,
          l.reported_github_requests ?? 'n/a',
          l.bound,
          l.pull_listings_without_head
        ]
      ])
    )
    console.log()
    console.log(
      table([
        ['latency', 'wall ms', 'wall ms without the PRs*', 'ledger ms (difference)'],
        ...l.timings.map(t => [
          `${t.latency_ms} ms`,
          t.wall_ms,
          t.baseline_wall_ms,
          t.wall_ms - t.baseline_wall_ms
        ])
      ])
    )
    console.log(
      "* the same large world without the action's PRs (the ledger makes its one search and finds nothing); " +
        'one GraphQL search page per 100 PRs; the read-only client does not space GraphQL queries as writes'
    )
    console.log(`bound = ${l.bound_formula}; history: ${JSON.stringify(l.history)}\n`)
    for (const c of ledgerChecks(l)) check(c.name, c.pass, c.detail)
  }

  let fanOut: FanOutBench | undefined
  if (want('fanout')) {
    fanOut = await fanOutBench()
    const f = fanOut.fan_out
    console.log(
      `\nFan-out: ${fanOut.issues} candidates, mode fix, max-prs ${fanOut.issues}, fake model ${fanOut.turn_latency_ms} ms per turn, real codex, npm test\n`
    )
    console.log(
      table([
        ['run', 'plan ms', 'work ms', 'slowest work job ms', 'land ms', 'wall ms', 'PRs', 'speed-up'],
        [
          'one job, concurrency ' + fanOut.single_job.concurrency,
          '',
          '',
          '',
          '',
          fanOut.single_job.wall_ms,
          fanOut.single_job.prs,
          '1x'
        ],
        [
          `fan-out, ${f.max_parallel} work jobs at once (here)`,
          f.plan_ms,
          f.work_phase_ms,
          f.slowest_work_ms,
          f.land_ms,
          f.wall_ms,
          f.prs,
          `${fanOut.speedup}x`
        ],
        [
          `fan-out, one runner per job (critical path)**`,
          f.plan_ms,
          '',
          `${f.solo_work_ms} (alone)`,
          f.land_ms,
          f.critical_path_ms,
          f.prs,
          `${fanOut.speedup_critical_path}x`
        ]
      ])
    )
    console.log(
      `** plan + ceil(issues / max-parallel) x one work job measured alone + land: on GitHub each work job has its own runner; here ${f.max_parallel} share this machine's ${os.cpus().length} CPUs`
    )
    console.log(
      `\nWhere each fix's time goes, ${fanOut.issues} fixes (from the summaries; fan-out: plan + land jobs' run phases)\n`
    )
    console.log(table(phaseTable(fanOut.phases)))
    check(
      `fan-out: one job opens ${FAN_OUT_ISSUES} PRs`,
      fanOut.single_job.prs === FAN_OUT_ISSUES,
      String(fanOut.single_job.prs)
    )
    check(
      `fan-out: plan + work + land open ${FAN_OUT_ISSUES} PRs`,
      f.prs === FAN_OUT_ISSUES && f.failed_jobs === 0,
      `${f.prs} PRs, ${f.failed_jobs} failed job(s)`
    )
    check('fan-out faster than one job for 12 fixes, measured here', fanOut.speedup > 1, `${fanOut.speedup}x`)
    check(
      'fan-out critical path (one runner per job) >= 1.5x faster than one job',
      fanOut.speedup_critical_path >= 1.5,
      `${fanOut.speedup_critical_path}x`
    )
  }

  let jail: JailRow[] | null = null
  if (want('jail')) {
    jail = await jailCost()
    console.log(
      `\nThe test command's jail: median of 5 runs each, ms (the test runner's own measure for the jail)\n`
    )
    console.log(
      table([
        ['command', 'no isolation', 'namespaces (before)', 'jail', 'jail cost'],
        ...jail.map(r => [r.command, r.none_ms, r.namespaces_ms, r.jail_ms, r.jail_cost_ms])
      ])
    )
    for (const r of jail) {
      check(`jail cost per test run (${r.command}) <= 300 ms`, r.jail_cost_ms <= 300, `${r.jail_cost_ms} ms`)
    }
  }

  const totalMs = Math.round(performance.now() - benchStarted)
  check('bench completes in under 10 minutes', totalMs < 600_000, `${Math.round(totalMs / 1000)} s`)
  const out = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node_bench: process.version
    },
    total_ms: totalMs,
    triage,
    install,
    tool_cache: toolCache,
    agent,
    fan_out: fanOut,
    ledger,
    jail,
    checks
  }
  const dir = path.join(ROOT, 'bench', 'results')
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, 'latest.json'), JSON.stringify(out, null, 2) + '\n')
  console.log(`\nwrote bench/results/latest.json (${Math.round(totalMs / 1000)} s in all)`)
  if (checks.some(c => !c.pass)) process.exitCode = 1
}

await main()

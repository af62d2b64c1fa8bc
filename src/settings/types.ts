// The parsed inputs: what every other module reads instead of the action's inputs (settings.ts builds it).
import type { Mode } from '../domain/types.js'
import type { TokenPrices } from '../domain/cost.js'

/** null means "not set". */
export interface Settings {
  mode: Mode
  sentry: {
    token: string
    org: string
    projects: string[]
    /** host[:port] as given, no scheme */
    host: string
    /** 'https://host', or for a loopback host given with http:// (local sandboxes, tests) 'http://host:port' */
    baseUrl: string
    insecureHttp: boolean
    environment: string | null
    query: string
    statsPeriod: string
    release: string | null
  }
  selection: {
    minEvents: number
    top: number
    analyzeTop: number
    maxPrs: number
    spareCandidates: number
    historyDays: number
    minQuality: number
  }
  agent: {
    openaiApiKey: string | null
    model: string
    openaiBaseUrl: string | null
    reasoningEffort: string | null
    codexVersion: string
    codexArgs: string[]
    instructions: string
    seer: boolean
    testCommand: string | null
    /** globs (picomatch, repository-relative) that say which of a fix's files are tests, for the reproduction run */
    testPaths: string[]
    /** land only fixes whose test fails without the fix and passes with it */
    requireReproduction: boolean
    fixAttempts: number
    issueTimeoutMinutes: number
    concurrency: number
  }
  /** token budgets count input + output tokens as codex reports them, cached input included; null: no limit */
  budget: {
    maxTokensPerIssue: number | null
    maxTokensPerRun: number | null
    /** USD per million tokens; null: cost is not computed */
    tokenPrices: TokenPrices | null
  }
  policy: { denyPaths: string[]; maxChangedFiles: number; maxChangedLines: number }
  pr: {
    branchPrefix: string
    baseBranch: string | null
    labels: string[]
    reviewers: string[]
    teamReviewers: string[]
    draft: boolean
    /** who the fix commits are authored and committed by */
    author: { name: string; email: string }
  }
  github: { token: string }
  artifact: { name: string; retentionDays: number }
  /** the Sentry short ID a `mode: work` job works; null in every other mode */
  issue: string | null
}

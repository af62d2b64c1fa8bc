// Pure: the job summary a person reads on the run page. Every text from Sentry or the model passes markdownCell.
import { usd } from './cost.js'
import type { IssueSummary, TriageSummary } from '../schemas/summary.js'
import { markdownCell, markdownLink } from './markdown.js'
import { renderLedger } from './report-ledger.js'
import { addIssuePhases } from './phases.js'

const LABEL: Record<IssueSummary['disposition'], string> = {
  'pr-opened': 'PR opened',
  'existing-pr': 'open PR exists',
  'existing-branch': 'branch exists',
  'previously-rejected': 'rejected before',
  'fixed-not-recurred': 'fixed, not recurred',
  'below-threshold': 'below threshold',
  'cap-reached': 'PR cap reached',
  'no-fix': 'no fix',
  'policy-rejected': 'policy rejected',
  'tests-failed': 'tests failed',
  'agent-failed': 'agent failed',
  'land-failed': 'land failed',
  'not-reproduced': 'not reproduced',
  'budget-reached': 'budget reached',
  'fix-ready': 'fix ready',
  'dry-run': 'dry run',
  'triage-only': 'triage only'
}

/** A link in a cell of the issues table. */
function link(text: string, url: string): string {
  return markdownLink(text, url, { cell: true })
}

function prCell(issue: IssueSummary): string {
  const pr = issue.pull_request ?? issue.existing_pull_request
  return pr ? link(`#${pr.number}`, pr.url) : '-'
}

/** Whether the fix's test fails without the fix: yes, no, or a dash where unknown or not run. */
function reproducedCell(issue: IssueSummary): string {
  if (issue.reproduced === true) return 'yes'
  if (issue.reproduced === false) return 'no'
  return issue.reproduction ? 'unknown' : '-'
}

/** The whole job summary; `minQuality` (the min-quality input) is what the ledger's rate is held against. */
export function renderJobSummary(summary: TriageSummary, options: { minQuality: number }): string {
  const { run, sentry, totals } = summary
  const lines: string[] = []
  lines.push('## Sentry triage', '')
  lines.push(
    `Mode **${run.mode}** · ${markdownCell(sentry.org, 60)} / ${markdownCell(sentry.projects.join(', '), 200)} · ` +
      `${markdownCell(sentry.environment ?? 'all environments', 60)} · last ${markdownCell(sentry.stats_period, 10)}` +
      (run.release ? ` · release ${markdownCell(run.release, 60)}` : ''),
    ''
  )
  if (summary.error) lines.push(`> [!CAUTION]`, `> ${markdownCell(summary.error, 600)}`, '')
  lines.push(
    `**${totals.triaged}** triaged · **${totals.prs_opened}** PRs opened · **${totals.skipped}** skipped · ` +
      `**${totals.failed}** failed`,
    ''
  )
  if (summary.issues.length > 0) {
    lines.push('| Issue | Title | Events | Users | Disposition | PR | Reproduced | Reason |')
    lines.push('|---|---|--:|--:|---|---|---|---|')
    for (const issue of summary.issues) {
      lines.push(
        `| ${link(markdownCell(issue.short_id, 60), issue.permalink)} | ${markdownCell(issue.title, 80)} | ` +
          `${issue.events} | ${issue.users} | ${LABEL[issue.disposition]} | ${prCell(issue)} | ` +
          `${reproducedCell(issue)} | ${markdownCell(issue.reason, 160)} |`
      )
    }
    lines.push('')
  }
  const u = summary.usage
  if (u.model_requests > 0) {
    const cost =
      u.cost_usd === null || u.cost_usd === undefined
        ? ''
        : ` Cost: ${usd(u.cost_usd)}${u.cost_per_pr_usd === null || u.cost_per_pr_usd === undefined ? '' : `, ${usd(u.cost_per_pr_usd)} per PR opened`}.`
    lines.push(
      `Model usage: ${u.input_tokens} input tokens (${u.cached_input_tokens} cached), ${u.output_tokens} output ` +
        `tokens, ${u.model_requests} requests.${cost}`,
      ''
    )
  }
  const time = timeLine(summary)
  if (time) lines.push(time, '')
  if (summary.history) lines.push(renderLedger(summary.history, options.minQuality))
  return lines.join('\n')
}

/**
 * Where the run's time went, on one line: the run's own phases and its issues' phases summed (issues worked at once
 * add up to more than the wall time), in the order a run goes through them; null when no phase was measured.
 */
export function timeLine(summary: Pick<TriageSummary, 'issues' | 'phases'>): string | null {
  const run = summary.phases ?? {}
  const issues = summary.issues.map(issue => issue.phases).reduce(addIssuePhases, undefined) ?? {}
  const s = (seconds: number) => `${seconds.toFixed(1)} s`
  const n = (count: number, what: string) => ` (${count} ${what}${count === 1 ? '' : 's'})`
  const parts: [string, number | undefined, string?][] = [
    ['Sentry', run.sentry_s],
    ['dedup', run.dedup_s],
    ['ledger', run.ledger_s],
    ['worktree', issues.worktree_s],
    ['agent start', issues.agent_start_s],
    ['model', issues.model?.total_s, issues.model && n(issues.model.turns, 'turn')],
    ['tools', issues.tools?.total_s, issues.tools && n(issues.tools.calls, 'call')],
    ['tests', issues.tests_s],
    ['reproduction', issues.reproduction_s],
    ['policy', issues.policy_s],
    ['push', issues.push_s],
    ['PR', issues.pr_s],
    ['publish', run.publish_s]
  ]
  const shown = parts.filter(([, seconds]) => seconds !== undefined)
  if (shown.length === 0) return null
  return `Time: ${shown.map(([name, seconds, count]) => `${name} ${s(seconds!)}${count ?? ''}`).join(' · ')}`
}

// Pure: the fix-quality ledger as a person reads it in the job summary, and as the step outputs carry it. Short ids
// come from PR bodies, which anyone who can edit a PR can change: they pass markdownCell like every untrusted text.
import type { Ledger, LedgerEntry, MergedUnmodifiedRate } from '../schemas/ledger.js'
import { usd } from './cost.js'
import { percent, qualityVerdict } from './ledger.js'
import { markdownCell, markdownLink } from './markdown.js'

/** How many PRs a list in the job summary names before it says "and N more". */
const LIST_MAX = 20

function prLink(pr: LedgerEntry): string {
  return markdownLink(`#${pr.number}`, pr.url)
}

type OpenPullRequest = Extract<LedgerEntry, { class: 'open' }>

function list<T extends LedgerEntry>(prs: T[], describe: (pr: T) => string): string {
  const shown = prs.slice(0, LIST_MAX).map(pr => `${prLink(pr)} ${describe(pr)}`)
  const more = prs.length > LIST_MAX ? ` and ${prs.length - LIST_MAX} more` : ''
  return shown.join(', ') + more
}

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`
}

/** "5 of 8 closed (63%)", or a sentence saying that nothing was closed. */
export function rateText(history: Ledger): string {
  const { merged_unmodified, closed, rate } = history.merged_unmodified_rate
  return rate === null ? 'no closed PR yet' : `${merged_unmodified} of ${closed} closed (${percent(rate)})`
}

/** The job summary's ledger section; `minQuality` is the min-quality input the rate is held against. */
export function renderLedger(history: Ledger, minQuality: number): string {
  const c = history.counts
  const prs = history.pull_requests
  const lines: string[] = [`### Fix quality: the action's PRs of the last ${days(history.window_days)}`, '']
  if (!history.complete) {
    lines.push('> [!NOTE]', "> GitHub's search answered incompletely: these counts are a floor.", '')
  }
  if (prs.length === 0) {
    lines.push(`No pull request of the action was opened in the last ${days(history.window_days)}.`, '')
    return lines.join('\n')
  }
  lines.push('| Pull requests | Count |', '|---|--:|')
  lines.push(`| Open | ${c.open} |`)
  lines.push(`| Merged unmodified | ${c.merged_unmodified} |`)
  lines.push(
    `| Merged after human changes | ${c.merged_with_changes}` +
      (c.merged_with_changes > 0
        ? ` (${c.human_commits} human commit${c.human_commits === 1 ? '' : 's'})`
        : '') +
      ' |'
  )
  lines.push(`| Closed unmerged | ${c.closed_unmerged} |`)
  lines.push(`| Regressed (merged, then the issue was seen again) | ${c.regressed} |`, '')

  const verdict = qualityVerdict(history, minQuality)
  const against =
    verdict.kind === 'too-few-closed'
      ? ` (min-quality ${percent(minQuality)} is checked from ${verdict.needed} closed PRs)`
      : verdict.kind === 'low'
        ? `, **below min-quality ${percent(minQuality)}**`
        : `, at or above min-quality ${percent(minQuality)}`
  lines.push(`Merged without human changes: **${rateText(history)}**${against}.`, '')
  if (verdict.kind === 'low') lines.push('> [!WARNING]', `> ${verdict.message}`, '')
  const by = history.merged_unmodified_rate_by_reproduction
  if (by.reproduced.closed + by.not_reproduced.closed > 0) {
    const part = (rate: MergedUnmodifiedRate) =>
      rate.rate === null
        ? 'none closed'
        : `${rate.merged_unmodified} of ${rate.closed} (${percent(rate.rate)})`
    lines.push(
      `By the reproduction proof: reproduced ${part(by.reproduced)}, not reproduced ${part(by.not_reproduced)}, ` +
        `unknown ${part(by.unknown)} merged unmodified.`,
      ''
    )
  }
  if (history.cost.priced_prs > 0) {
    const per = history.cost.per_merged_unmodified_usd
    lines.push(
      `Cost: ${usd(history.cost.total_usd)} over ${history.cost.priced_prs} priced PR(s); ` +
        (per === null ? 'none of them merged unmodified yet.' : `**${usd(per)} per fix merged unmodified**.`),
      ''
    )
  }

  const open = prs.filter((pr): pr is OpenPullRequest => pr.class === 'open')
  if (open.length > 0) lines.push(`Open: ${list(open, pr => `(${days(pr.age_days)})`)}.`, '')
  const regressed = prs.filter(pr => pr.regressed)
  if (regressed.length > 0) {
    lines.push(`Regressed: ${list(regressed, pr => `(${markdownCell(pr.short_id, 60)})`)}.`, '')
  }
  lines.push(
    `The ledger made ${history.github_requests} GitHub request${history.github_requests === 1 ? '' : 's'}.`,
    ''
  )
  return lines.join('\n')
}

/** A rate as an output: a decimal such as `0.5` or `0.667` (at most three places), empty when nothing was closed. */
export function rateOutput(rate: number | null): string {
  return rate === null ? '' : String(Number(rate.toFixed(3)))
}

/** The step outputs `merged-unmodified-rate` and `regressed`; both empty when there is no ledger. */
export function historyOutputs(history: Ledger | null): {
  'merged-unmodified-rate': string
  regressed: string
} {
  if (history === null) return { 'merged-unmodified-rate': '', regressed: '' }
  return {
    'merged-unmodified-rate': rateOutput(history.merged_unmodified_rate.rate),
    regressed: String(history.counts.regressed)
  }
}

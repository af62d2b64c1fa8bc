// The run's last stage: triage-summary.json written to the run folder and, in the modes that upload it, the
// summary artifact (the summary, the plan, and per worked issue its result, patch, audit and test logs).
import path from 'node:path'
import type { ArtifactSink, Log, RunFiles } from '../ports.js'
import type { TriageSummary } from '../schemas/summary.js'
import type { Settings } from '../settings/settings.js'
import { MODE_TABLE } from '../domain/modes.js'
import { errorMessage } from '../util/errors.js'

export const SUMMARY_FILE = 'triage-summary.json'
/**
 * What the artifact holds: the summary, the plan, and per worked issue its result, patch, audit log and test log.
 * Codex's raw event stream stays on the runner: it carries everything the agent read, and the audit log is its digest.
 */
export const ARTIFACT_FILES =
  /^(triage-summary\.json|plan\.json|work-[A-Za-z0-9_-]+\/((attempt-\d+\/)?audit\.jsonl|result\.json|fix\.patch|tests\.log))$/

/**
 * Writes the summary file and uploads it. A failed write is returned (the step then fails, the run's result is kept
 * for the job summary and outputs); a failed upload only warns, the file stays on disk.
 */
export async function publish(
  summary: TriageSummary,
  settings: Settings,
  deps: { files: RunFiles; artifacts: ArtifactSink; log: Log }
): Promise<{ file: string } | { error: string }> {
  let file: string
  try {
    file = await deps.files.writeJson(SUMMARY_FILE, summary)
  } catch (error) {
    const where = path.join(deps.files.dir, SUMMARY_FILE)
    deps.log.warning(`Could not write ${where}: ${errorMessage(error)}`)
    return { error: `${where}: ${errorMessage(error)}` }
  }
  deps.log.info(`Summary written to ${file}`)
  if (!MODE_TABLE[settings.mode].uploadsSummary) return { file }
  // The sink reports success or failure itself; a failed upload keeps the file on disk and the step's outcome.
  const files = (await deps.files.list()).filter(name => ARTIFACT_FILES.test(name))
  await deps.artifacts.upload(
    settings.artifact.name,
    files.map(name => path.join(deps.files.dir, name)),
    {
      rootDir: deps.files.dir,
      retentionDays: settings.artifact.retentionDays
    }
  )
  return { file }
}

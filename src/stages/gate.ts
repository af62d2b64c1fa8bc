// The policy gate, as both the work stage (on the agent's worktree) and land (on a work job's hand-off) call it: the
// settings' deny-paths, size caps and test command, the action's own secrets, and the base text of every package.json
// the diff touches, read by the caller.
import type { WorktreeDiff } from '../ports.js'
import type { Settings } from '../settings/settings.js'
import { baseFilesNeeded, checkPolicy, type PolicyVerdict } from '../domain/policy.js'

export async function gateFix(
  diff: WorktreeDiff,
  settings: Pick<Settings, 'policy' | 'agent'>,
  deps: {
    /** the action's own secret values: the gate refuses a diff that adds any of them */
    secrets: readonly string[]
    /** the text at the base commit of the paths the policy names (null: no such file there) */
    baseFiles(paths: string[]): Promise<ReadonlyMap<string, string | null>>
  }
): Promise<PolicyVerdict> {
  return checkPolicy({
    diff,
    denyPaths: settings.policy.denyPaths,
    maxChangedFiles: settings.policy.maxChangedFiles,
    maxChangedLines: settings.policy.maxChangedLines,
    secrets: deps.secrets,
    baseFiles: await deps.baseFiles(baseFilesNeeded(diff)),
    testCommand: settings.agent.testCommand
  })
}

/** The summary's reason for a fix the gate refused. */
export const policyReason = (verdict: { reasons: string[] }): string =>
  `policy: ${verdict.reasons.join('; ')}`

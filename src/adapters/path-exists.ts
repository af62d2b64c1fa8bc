// Whether a path exists (a file or a folder): the one stat-based check of the git adapters (git-cli.ts removes a
// leftover worktree, git-credentials.ts scrubs a config.worktree), kept among the adapters since it is I/O.
import { stat } from 'node:fs/promises'

/** True when `file` can be stat-ed; false for a missing path or one that cannot be reached. */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch {
    return false
  }
}

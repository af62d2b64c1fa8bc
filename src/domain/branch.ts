// Branch names are derived from the Sentry short id alone, so every run (and every concurrent run) agrees on them.

/** `fix/sentry-` + `PAYMENTS-API-4521` -> `fix/sentry-PAYMENTS-API-4521` */
export function fixBranch(prefix: string, shortId: string): string {
  return `${prefix}${shortId}`
}

/** The short id a fix branch belongs to, or null when the branch is not one of ours. */
export function shortIdOfBranch(prefix: string, branch: string): string | null {
  if (!branch.startsWith(prefix)) return null
  const rest = branch.slice(prefix.length)
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(rest) ? rest : null
}

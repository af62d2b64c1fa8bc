/** A message for anything thrown, Error or not. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error)
  } catch {
    return String(error)
  }
}

/**
 * The run is compromised: state the action relies on changed after code from a fix ran (git-state-guard.ts). The
 * stages end the issue at hand `policy-rejected` with this message, and the step fails.
 */
export class RunCompromised extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunCompromised'
  }
}

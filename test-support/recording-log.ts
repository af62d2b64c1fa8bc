import type { Log } from '../src/ports.js'

/** A Log that remembers every line, with the group it was written in. */
export function recordingLog(): Log & { lines: { level: string; message: string; group: string | null }[] } {
  const lines: { level: string; message: string; group: string | null }[] = []
  let group: string | null = null
  return {
    lines,
    info: message => lines.push({ level: 'info', message, group }),
    debug: message => lines.push({ level: 'debug', message, group }),
    warning: message => lines.push({ level: 'warning', message, group }),
    async group(name, fn) {
      const outer = group
      group = name
      try {
        return await fn()
      } finally {
        group = outer
      }
    }
  }
}

// Pure: the policy gate's secret scan. A changed path or an added line of the measured diff that holds one of the
// action's own credential values (in any encoding domain/secrets.ts generates) or something shaped like a token is a
// reason to refuse the change; the reason names the file, the finding and the lines, never the value.
import type { ChangedFile } from '../ports.js'
import { addedLines } from './patch.js'
import { lineList, shown } from './policy-reasons.js'
import { secretForms, TOKEN_PATTERNS, type SecretForm } from './secrets.js'

/** The secret findings of a change: first a path that holds a secret value, then the added lines, file by file. */
export function secretReasons(files: ChangedFile[], patch: string, secrets: readonly string[]): string[] {
  const forms = secretForms(secrets)
  return [...secretPathReasons(files, forms), ...addedLineReasons(patch, forms)]
}

function secretPathReasons(files: ChangedFile[], forms: SecretForm[]): string[] {
  const leaks = files.some(file =>
    [file.path, file.oldPath ?? ''].some(path => forms.some(form => path.includes(form.text)))
  )
  return leaks
    ? ["a changed file's path contains one of the action's own secret values (path not shown)"]
    : []
}

function addedLineReasons(patch: string, forms: SecretForm[]): string[] {
  // file -> finding -> line numbers, in the patch's order
  const findings = new Map<string, Map<string, (number | null)[]>>()
  const note = (file: string, finding: string, line: number | null) => {
    const byFinding = findings.get(file) ?? new Map<string, (number | null)[]>()
    findings.set(file, byFinding)
    byFinding.set(finding, [...(byFinding.get(finding) ?? []), line])
  }
  for (const { file, line, text } of addedLines(patch)) {
    const own = forms.find(form => text.includes(form.text))
    if (own) {
      const how = own.encoding === '' ? '' : `, ${own.encoding}`
      note(file, `adds one of the action's own secret values${how}`, line)
    }
    for (const { name, pattern } of TOKEN_PATTERNS) {
      if (pattern.test(text)) note(file, `adds what looks like ${name}`, line)
    }
  }
  const reasons: string[] = []
  for (const [file, byFinding] of findings) {
    for (const [finding, lines] of byFinding) {
      reasons.push(`${shown(file)} ${finding}${lineList(lines)} (value not shown)`)
    }
  }
  return reasons
}

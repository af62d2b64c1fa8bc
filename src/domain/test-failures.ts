// The names of the tests that failed, read from a test run's output without I/O. The common runners' failure lines
// only (node:test's spec and TAP reporters, Jest, Vitest, Mocha, pytest, go test, RSpec, JUnit via Maven/Gradle); an
// output none of them matches gives no names, and the reproduction line then says only the exit status. The output is
// the fix's code's: names are capped, stripped to one line, and rendered inert by the caller.
import { oneLine, stripInvisible } from './text.js'

const MAX_NAMES = 10
const MAX_NAME = 120

const PATTERNS: readonly RegExp[] = [
  /^\s*✖ (.+?) \(\d+(?:\.\d+)?m?s\)\s*$/, // node:test spec reporter
  /^\s*not ok \d+ - (.+?)(?:\s+#.*)?$/, // TAP (node:test before 23, tap, ava)
  /^\s*● (.+? › .+?)\s*$/, // Jest's failure headings
  /^\s*(?:✕|×) (.+?)(?: \(\d+ ?m?s\))?\s*$/, // Jest's and Vitest's per-test marks
  /^\s*\d+\) (.+?)\s*$/, // Mocha
  /^FAILED (\S+)/, // pytest -rf summary
  /^\s*--- FAIL: (\S+)/, // go test
  /^rspec \S+ # (.+)$/, // RSpec's re-run lines
  /^\[ERROR\]\s+(\S+)\s+(?:Time elapsed|<<< FAIL)/ // Maven Surefire
]

/** The failing tests' names in the order the output first gives them, without repeats, at most 10. */
export function failingTestNames(output: string): string[] {
  const names: string[] = []
  for (const line of stripInvisible(output).split(/\r?\n/)) {
    for (const pattern of PATTERNS) {
      const name = pattern.exec(line)?.[1]
      if (!name) continue
      const clean = oneLine(name, MAX_NAME)
      if (clean && !names.includes(clean)) names.push(clean)
      break
    }
    if (names.length >= MAX_NAMES) break
  }
  return names
}

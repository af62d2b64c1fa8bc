// actions/checkout's persisted credentials in RUNNER_TEMP (v6+: one git-credentials-<uuid>.config per checkout step
// with persist-credentials, holding `http.<server>/.extraheader = AUTHORIZATION: basic base64(x-access-token:<token>)`).
// A second checkout step (another repository, another path, another token) leaves a file of its own, which the
// checkout the action works in does not include. Every such file is found here: the git adapter removes them all
// before the first worktree (the agent's sandbox can read RUNNER_TEMP), and their tokens, which need not be
// github-token, are read first so that the composition root masks them and adds them to the secrets the policy's
// scan and the redaction of the model's words look for.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

/** The name actions/checkout gives its credentials file. */
export const CHECKOUT_CREDENTIALS_NAME = /^git-credentials-[0-9a-f-]+\.config$/i

/** Every actions/checkout credentials file directly in `runnerTemp`, sorted; none when the folder cannot be read. */
export async function checkoutCredentialFiles(runnerTemp: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(runnerTemp)
  } catch {
    return []
  }
  return names
    .filter(name => CHECKOUT_CREDENTIALS_NAME.test(name))
    .sort()
    .map(name => path.join(runnerTemp, name))
}

/**
 * The tokens of every actions/checkout credentials file in `runnerTemp` (deduplicated): the password of each Basic
 * extraheader (`x-access-token:<token>` decoded), and each Bearer value. A file that cannot be read is skipped.
 */
export async function readCheckoutTokens(runnerTemp: string): Promise<string[]> {
  const tokens = new Set<string>()
  for (const file of await checkoutCredentialFiles(runnerTemp)) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      continue
    }
    for (const token of headerTokens(text)) tokens.add(token)
  }
  return [...tokens]
}

/** The credentials in the `AUTHORIZATION:` headers of a git config file's text. */
export function headerTokens(configText: string): string[] {
  const tokens: string[] = []
  for (const match of configText.matchAll(/AUTHORIZATION:\s*(basic|bearer)\s+([^\s"\\]+)/gi)) {
    const value = match[2]!
    if (match[1]!.toLowerCase() === 'bearer') {
      tokens.push(value)
      continue
    }
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const password = colon < 0 ? decoded : decoded.slice(colon + 1)
    if (password !== '') tokens.push(password)
  }
  return tokens
}

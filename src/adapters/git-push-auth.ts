// The land adapter's push credential: the token scoped to one git command, and where it may be sent.
//
// - The credential reaches the push (and the ls-remote/fetch that may go with it) only: through
//   GIT_CONFIG_COUNT/KEY_n/VALUE_n in the command's environment, as `http.<remote url>.extraheader` =
//   `AUTHORIZATION: basic base64(x-access-token:<token>)` (the header actions/checkout uses). Never on a command line,
//   never in any config file. The same environment clears every other extraheader that would apply to the remote
//   (a persisted actions/checkout header) and the credential helpers, so no stored credential is sent or consulted.
// - The token is only ever sent to an HTTP(S) remote on the configured GitHub server (GITHUB_SERVER_URL): a push URL
//   on another host is refused without the token leaving the process.
// - A password in the remote's push URL (the checkout's own credential) is taken out: the token is the only credential
//   sent.
// git-land.ts runs the commands; this file only says what their environment holds and whether the token may go.
import { basicAuthHeader, secretForms } from '../domain/secrets.js'

/** The Authorization header a push sends, as actions/checkout writes it. */
export const pushAuthHeader = basicAuthHeader

/**
 * Every form of the token (domain/secrets.ts secretForms: the token, its basic credential, the whole header, its
 * base64 and URL encodings), longest first: the composition root masks them all (core.setSecret).
 */
export function tokenForms(token: string): string[] {
  return secretForms([token]).map(form => form.text)
}

/** Whether git sends the token to `url` at all: only over HTTP(S); other transports use git's own auth. */
export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url)
}

/**
 * A push URL without any password in it: the checkout's own credential in the URL is never sent along with the token,
 * never on a command line. Undefined when an HTTP(S) URL does not parse.
 */
export function withoutPassword(url: string): string | undefined {
  if (!isHttpUrl(url)) return url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (parsed.password === '') return url
  parsed.password = ''
  return parsed.toString()
}

/**
 * The environment that authenticates one command to `url`: GIT_CONFIG_* entries, never a config file or argument.
 * The empty extraheader first clears any header a less specific `http.<url>.extraheader` (a persisted
 * actions/checkout credential) added; git applies entries of equal or greater URL specificity in order, and these
 * come last (command scope). The empty credential.helper clears the helper list: no stored helper is asked.
 */
export function pushAuthEnv(url: string, token: string): Record<string, string> {
  const entries: [string, string][] = [['credential.helper', '']]
  if (isHttpUrl(url)) {
    const key = `http.${url}.extraheader`
    entries.push([key, ''], [key, pushAuthHeader(token)])
  }
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) }
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  return env
}

/** What the destination check says about a push URL. */
export type PushDestination =
  /** an HTTP(S) URL the token may be sent to */
  | { kind: 'token' }
  /** not HTTP(S): git pushes without the token, with its own transport auth */
  | { kind: 'no-token' }
  /** the token must not go there: nothing is pushed */
  | { kind: 'refused'; reason: string }

/**
 * Refuses to send the token anywhere but the configured GitHub server (when one is configured, e.g.
 * https://github.com). `remote` names the remote in the reason.
 */
export function checkPushDestination(
  url: string,
  remote: string,
  serverUrl: string | undefined
): PushDestination {
  if (!isHttpUrl(url)) return { kind: 'no-token' }
  if (serverUrl === undefined || serverUrl === '') return { kind: 'token' }
  let server: URL
  try {
    server = new URL(serverUrl)
  } catch {
    return { kind: 'refused', reason: `the GitHub server URL '${serverUrl}' is not a valid URL` }
  }
  const target = new URL(url)
  if (target.protocol !== server.protocol || target.host.toLowerCase() !== server.host.toLowerCase()) {
    return {
      kind: 'refused',
      reason:
        `the remote '${remote}' (${target.protocol}//${target.host}) is not on the GitHub server ${server.origin}; ` +
        `github-token is only sent to that server`
    }
  }
  return { kind: 'token' }
}

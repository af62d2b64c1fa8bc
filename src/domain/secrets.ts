// Pure: the one place that says what a secret looks like once written down, and how it is taken out of a text.
//
// - REDACTED is the one marker every redaction leaves (the marker GitHub's own log masking shows).
// - secretForms() is the one list of encodings: every module that masks, scans or scrubs a secret asks it, so a form
//   added here (a new header, a new encoding) is masked, scanned and scrubbed everywhere at once.
// - redact() is the one redaction: for logs, reasons, the model's words and git's output alike.
// - isSecretName() says which environment variables hold secrets, by name.

/** What every redaction leaves in place of a secret. */
export const REDACTED = '***'

/**
 * Secrets (and lines of a multi-line secret) shorter than this are not looked for, and no encoded form shorter than
 * this is listed: they cannot be told apart from ordinary words and numbers.
 */
export const MIN_SECRET_LENGTH = 6

/** Environment variable names that hold a credential (OPENAI_API_KEY, INPUT_SENTRY-TOKEN, DB_PASSWORD ...). */
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL/i

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

/** The values of the secret-named variables of an environment (unset ones skipped), for secretForms() or redact(). */
export function secretEnvValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && isSecretName(entry[0]))
    .map(([, value]) => value)
}

/** Well-known credential shapes (after gitleaks' rules), named for the policy's reasons. Realistic lengths only. */
export const TOKEN_PATTERNS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'a GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/ },
  { name: 'a GitHub token', pattern: /\bgithub_pat_[A-Za-z0-9_]{70,}/ },
  {
    name: 'an OpenAI API key',
    pattern:
      /\bsk-(?:[A-Za-z0-9]{48}(?![A-Za-z0-9])|(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9_-]{8,}T3BlbkFJ[A-Za-z0-9_-]{8,})/
  },
  { name: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])/ },
  { name: 'a Sentry auth token', pattern: /\bsntrys_[A-Za-z0-9+/=_-]{30,}|\bsntryu_[a-f0-9]{64}/ },
  { name: 'a private key', pattern: /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'a Slack token', pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/ }
]

export interface SecretForm {
  text: string
  /** how the value is encoded, for a reason ('' for verbatim) */
  encoding: '' | 'URL-encoded' | 'base64-encoded'
}

/** The Authorization header git sends for a GitHub token, as actions/checkout writes it (http.<url>.extraheader). */
export function basicAuthHeader(token: string): string {
  return `AUTHORIZATION: basic ${base64(Buffer.from(`x-access-token:${token}`, 'utf8'))}`
}

const base64 = (bytes: Buffer) => bytes.toString('base64')
const base64url = (text: string) => text.replace(/\+/g, '-').replace(/\//g, '_')

/**
 * Every form in which the given secrets can be written, longest first (so that redaction removes a whole form before
 * any part of it). For each secret, and each line of a multi-line one, trimmed and at least MIN_SECRET_LENGTH long:
 * verbatim, URL-encoded, and base64 / base64url. Base64 is taken at each of the three byte alignments with the
 * characters that depend on neighbouring bytes cut off, so that the value is found also inside a longer encoded string;
 * the padded whole, the `x-access-token:<value>` Basic credential and its whole `AUTHORIZATION: basic …` header are
 * listed too, so that redaction leaves no part of them behind.
 */
export function secretForms(secrets: readonly string[]): SecretForm[] {
  const forms = new Map<string, SecretForm['encoding']>()
  const add = (text: string, encoding: SecretForm['encoding']) => {
    if (text.length >= MIN_SECRET_LENGTH && !forms.has(text)) forms.set(text, encoding)
  }
  const values = new Set<string>()
  for (const secret of secrets) {
    for (const candidate of [secret, ...secret.split(/\r?\n/)]) {
      const value = candidate.trim()
      if (value.length >= MIN_SECRET_LENGTH) values.add(value)
    }
  }
  for (const value of values) {
    add(value, '')
    add(encodeURIComponent(value), 'URL-encoded')
    const bytes = Buffer.from(value, 'utf8')
    for (const offset of [0, 1, 2]) {
      const encoded = base64(Buffer.concat([Buffer.alloc(offset), bytes]))
      const whole = Math.floor((offset + bytes.length) / 3) * 4
      const core = encoded.slice(offset === 0 ? 0 : 4, whole)
      add(core, 'base64-encoded')
      add(base64url(core), 'base64-encoded')
    }
    add(base64(bytes), 'base64-encoded')
    add(base64url(base64(bytes)).replace(/=+$/, ''), 'base64-encoded')
    const header = basicAuthHeader(value)
    const basic = header.slice('AUTHORIZATION: basic '.length)
    add(header, 'base64-encoded')
    add(basic, 'base64-encoded')
    add(basic.replace(/=+$/, ''), 'base64-encoded')
  }
  return [...forms]
    .map(([text, encoding]) => ({ text, encoding }))
    .sort((a, b) => b.text.length - a.text.length)
}

/** A password or token in a URL's user-info (`https://x-access-token:<token>@host`, `https://<token>@host`). */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi
/** A signed URL's signature (Azure blob SAS `sig=`, as in an artifact upload's error). */
const URL_SIGNATURE = /([?&]sig=)[^&\s]+/gi
const TOKEN_SHAPES = TOKEN_PATTERNS.map(({ pattern }) => new RegExp(pattern.source, `${pattern.flags}g`))

const formsOf = new WeakMap<readonly string[], SecretForm[]>()

/**
 * The text with every form of the given secrets (secretForms), every well-known token shape, every user-info of a URL
 * and every URL signature replaced by REDACTED; repeated until nothing changes, so that no replacement leaves a
 * secret behind by joining what was around it. Forms are computed once per secrets array.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let forms = formsOf.get(secrets)
  if (forms === undefined) {
    forms = secretForms(secrets)
    formsOf.set(secrets, forms)
  }
  let out = text
  for (let previous = ''; previous !== out;) {
    previous = out
    for (const { text: form } of forms) if (out.includes(form)) out = out.split(form).join(REDACTED)
    for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED)
    out = out.replace(URL_USERINFO, `$1${REDACTED}@`).replace(URL_SIGNATURE, `$1${REDACTED}`)
  }
  return out
}

// Pure: what GitHub acts on in untrusted text. GitHub links each reference below and, for an issue, a pull request or
// a discussion, posts a "mentioned this" backlink into its timeline, in whatever repository it names; it notifies
// every @mention; and it closes an issue named after a closing keyword when the PR merges. So model or Sentry text in
// the action's PR or commit could spam other projects, ping people, or close issues from them. References:
//   #N, owner#N, owner/repo#N; GH-N (any case); owner@sha, owner/repo@sha (7 to 40 hex digits); and a URL
//   (http(s):// or www.) of an issue, a pull request, a discussion or a commit of any repository.
// URLs are matched by their path on ANY host, not only github.com: a GitHub Enterprise Server links URLs of its own
// host, and the commit message and the PR title are built without knowing the server URL. A non-GitHub URL of the
// same shape is made inert too, which costs only its link.
//
// The matching is deliberately wider than GitHub's (any `#<digit>`, a token before it of any word characters): more
// text made inert is harmless, a reference missed is not. How a match is made inert is the caller's choice: in
// Markdown, a code span (markdown.ts, inertText); in plain text, a look-alike character (defuseReferences,
// defuseMentions below).

// GitHub's autolinker ends a URL before trailing punctuation, so the match does too (that punctuation stays prose).
// It links `www.` only where a word starts, which also keeps "www.www.www…" from being rescanned at every "www.".
const URL_SCHEME = String.raw`(?:https?:\/\/|(?<![a-z0-9.-])www\.)`
const URL_PATH = String.raw`[^\s/\`|<>\\]+\/[\w.%-]+\/[\w.%-]+\/(?:issues|pulls?|discussions|commits?)\/`
const URL_TAIL = String.raw`(?:[^\s\`|<>\\]*[^\s\`|<>\\.,:;!?'"*_~)\]}])?`
const URL_REF = URL_SCHEME + URL_PATH + URL_TAIL
// The owner/repo token starts where a word starts (a long word is then scanned once, not once per character).
const OWNER_REPO = String.raw`(?<![\w.-])[\w.-]+(?:\/[\w.-]+)?`
const SHA_REF = String.raw`${OWNER_REPO}@[0-9a-f]{7,40}`
const NUMBER_REF = String.raw`(?:${OWNER_REPO})?#\d+`
const GH_REF = String.raw`(?<![a-z0-9])gh-\d+`

/**
 * Every reference in a text (global, case-insensitive). No match holds a backtick, a pipe, a backslash or white
 * space, so a match fits in a one-backtick code span, even in a table cell.
 */
export const REFERENCE_SOURCE = `${URL_REF}|${SHA_REF}|${NUMBER_REF}|${GH_REF}`
const REFERENCE = new RegExp(REFERENCE_SOURCE, 'gi')
const URL_START = /^(?:https?:\/\/|www\.)/i

/**
 * Plain text (a commit message, a PR title: no Markdown, so neither a code span nor an escape) without a GitHub
 * reference. The character that makes each one a reference becomes a visible look-alike, as defuseMentions does with
 * '＠': `#` becomes '＃' (U+FF03), the `@` before a SHA '＠' (U+FF20), the hyphen of GH-N the non-breaking hyphen
 * U+2011, and a URL loses its autolink: the ':' of `://` becomes '：' (U+FF1A), the '.' of `www.` '．' (U+FF0E).
 * The text reads the same; a zero-width character would be invisible to a reviewer, and it is what stripInvisible
 * removes. Remove invisible characters BEFORE this: one inside a reference would hide it here and close up later.
 */
export function defuseReferences(text: string): string {
  return text.replace(REFERENCE, ref =>
    URL_START.test(ref)
      ? ref.replace(/^(https?):\/\//i, '$1\uff1a//').replace(/^(www)\./i, '$1\uff0e')
      : ref
          .replace(/#/g, '\uff03')
          .replace(/@/g, '\uff20')
          .replace(/^(gh)-/i, '$1\u2011')
  )
}

// GitHub closes an issue on merge for "<keyword>[:] <ref>" in a PR body or a default-branch commit message.
const GITHUB_CLOSING =
  /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(:?)(\s+)(?=(?:[\w.-]+\/[\w.-]+)?#\d|gh-\d|https?:\/\/)/gi
// Sentry resolves every short ID found in the run of [A-Za-z0-9_-\s,] after such a keyword (getsentry/sentry
// `_fixes_re` / `_short_id_re`): a short ID is any hyphenated token, so the hyphens in that run become U+2011
// (non-breaking hyphen: visible, looks the same, ends Sentry's run).
const SENTRY_CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+[A-Za-z0-9_\-\s,]+/gi

/** Untrusted text can neither close a GitHub issue nor resolve another Sentry issue. */
export function defuseClosingKeywords(text: string): string {
  return text
    .replace(
      GITHUB_CLOSING,
      (_m, keyword: string, colon: string, space: string) => `${keyword}${colon}${space}issue `
    )
    .replace(SENTRY_CLOSING, run => run.replace(/-/g, '\u2011'))
}

/**
 * A GitHub mention: @user or @org/team. Only where no word character precedes the '@' (then it is an e-mail
 * address): callers check that, since the character before a match is not part of it.
 */
export const MENTION_SOURCE = String.raw`@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9_.-]*[A-Za-z0-9_-])?`
const MENTION = new RegExp(MENTION_SOURCE, 'g')

/**
 * Plain text (a commit message, a PR title: no Markdown there) without mentions: the '@' of a mention becomes the
 * fullwidth '＠' (U+FF20), which reads the same and never pings a user or a team.
 */
export function defuseMentions(text: string): string {
  return text.replace(MENTION, (match: string, at: number) =>
    /[A-Za-z0-9_]/.test(text.charAt(at - 1)) ? match : `\uff20${match.slice(1)}`
  )
}

// Reads an HTTP `Link` header (RFC 8288): its targets and their quoted attributes, and Sentry's cursor convention on
// top of them. Pure: no I/O, the caller hands in the header's text.

export interface LinkEntry {
  /** the target between < and >, as written */
  url: string
  /** quoted attributes (rel, results, cursor, ...), names lower-cased; unquoted values are not read */
  attributes: ReadonlyMap<string, string>
}

/** Every `<url>; name="value"` entry of a Link header, in order; none for a missing or empty header. */
export function parseLinkHeader(link: string | null | undefined): LinkEntry[] {
  if (!link) return []
  const entries: LinkEntry[] = []
  for (const match of link.matchAll(/<([^>]*)>([^<]*)/g)) {
    const attributes = new Map<string, string>()
    for (const attr of (match[2] ?? '').matchAll(/;\s*([a-zA-Z_]+)\s*=\s*"([^"]*)"/g)) {
      attributes.set((attr[1] ?? '').toLowerCase(), attr[2] ?? '')
    }
    entries.push({ url: match[1] ?? '', attributes })
  }
  return entries
}

/**
 * Sentry's next page: the cursor of the first rel="next" when its results="true". Only the cursor is taken: the next
 * request goes to the same base URL (a self-hosted Sentry behind a proxy may advertise an internal host; the token
 * never follows a link).
 */
export function nextCursor(link: string | null | undefined): string | undefined {
  const next = parseLinkHeader(link).find(entry => entry.attributes.get('rel') === 'next')
  if (next === undefined || next.attributes.get('results') !== 'true') return undefined
  const cursor = next.attributes.get('cursor') ?? cursorFromUrl(next.url)
  return cursor || undefined
}

function cursorFromUrl(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('cursor') ?? undefined
  } catch {
    return undefined
  }
}

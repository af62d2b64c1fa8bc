// Secret-leak scanning: a secret must not appear in any text the action produced, verbatim or in a common encoding.

export function encodings(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('hex')
  ]
}

/** Names of the places (keys of `texts`) in which any secret appears. */
export function findLeaks(secrets: string[], texts: Record<string, string>): string[] {
  const leaks: string[] = []
  for (const [where, text] of Object.entries(texts)) {
    for (const secret of secrets) {
      if (encodings(secret).some(e => text.includes(e))) leaks.push(`${where} contains a secret`)
    }
  }
  return leaks
}

// Search-as-you-type suggestions.
export const MIN_QUERY_LENGTH = 2
export const MAX_SUGGESTIONS = 5

/** Names of the products whose name starts with the query (any case), best sellers first. */
export function suggest(query, products) {
  if (query.length < MIN_QUERY_LENGTH) return []
  const needle = query.toLowerCase()
  return products
    .filter(product => product.name.toLowerCase().startsWith(needle))
    .sort((a, b) => b.sold - a.sold)
    .slice(0, MAX_SUGGESTIONS)
    .map(product => product.name)
}

// The proxy variables a child process of the action inherits (git, the jailed test command): a self-hosted runner
// behind a corporate proxy sets them, and security must not break that runner. Both spellings, as tools differ.
export const PROXY_ENV: readonly string[] = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy'
]

// The sample repository of the local sandbox: a small Node.js shop (test-support/sandbox/sample-repo) with real bugs behind the
// triage scenario's Sentry issues, committed with a fixed identity and fixed dates (so its SHAs are the same on every
// machine), pushed to a bare remote and checked out the way actions/checkout does it: `git init`, `remote add`, a
// shallow fetch of the commit, `checkout -B`, and optionally its persisted credentials in the checkout's config.
//
// History of the sample remote's `main`:
//   initial  "Initial shop: carts, discount codes, orders, search"   every sample bug present
//   base     "fix: resolve API-31 — accept discount codes in any case"  (PR #8 of the scenario, merged)
// so API-12, WEB-7 and WEB-9 are live bugs at the base commit, and API-31 (fixed-not-recurred in the scenario) is fixed
// there; its fix applies to the initial commit.
//
// SAMPLE_FIXES holds, for every sample issue, the fix an agent would make: as codex apply_patch input (what a scripted
// fake model sends) and as the equivalent `git diff` (what `git apply` takes). Both were checked to produce the same
// tree and to make the new regression test pass with the old tests (__tests__/adapters/git-cli.test.ts).
import { listenSelfStopping } from './http-fake.js'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { SAMPLE_REPO_DIR, type SampleShortId } from './sample-frames.js'

export { SAMPLE_REPO_DIR, SAMPLE_SHORT_IDS, type SampleShortId } from './sample-frames.js'

/** The token a sample checkout's persisted credential carries (and that the HTTP remote demands). */
export const SAMPLE_CHECKOUT_TOKEN = 'ghs_sampleCheckoutToken0123456789abcdefXYZ'

export const SAMPLE_IDENTITY = { name: 'Acme Shop Developers', email: 'dev@shop.example' } as const
export const SAMPLE_BRANCH = 'main'

export interface SampleFix {
  shortId: SampleShortId
  /** the source file the fix changes */
  file: string
  /** the regression test file the fix adds */
  testFile: string
  /** the commit the fix applies to: the checkout's base, or (API-31, fixed in the history) the initial commit */
  appliesTo: 'base' | 'initial'
  /** one line, imperative: the agent's `summary` */
  summary: string
  root_cause: string
  /** codex apply_patch input ("*** Begin Patch" ... "*** End Patch") */
  applyPatch: string
  /** the same change as `git diff` output, for `git apply` */
  unifiedDiff: string
}

// API-12
const API12_APPLY_PATCH = `*** Begin Patch
*** Update File: src/cart/totals.js
@@ export function cartTotal(cart) {
-  const subtotal = cart.summary.total
+  // A cart whose items never changed (a new session's empty cart) has no cached summary yet.
+  const subtotal = cart.summary ? cart.summary.total : itemsSubtotal(cart.items)
   if (subtotal === 0) return 0
*** Add File: test/cart-total-without-summary.test.js
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { cartTotal } from '../src/cart/totals.js'
+import { handleRequest } from '../src/server.js'
+
+// API-12: TypeError: Cannot read properties of undefined (reading 'total')
+test('totals a cart that has no cached summary from its items', () => {
+  assert.equal(cartTotal({ items: [{ sku: 'teapot', unitPrice: 3900, quantity: 1 }] }), 4395)
+  assert.equal(cartTotal({ items: [] }), 0)
+})
+
+test('GET /api/cart answers for a new session that has no cart yet', () => {
+  const result = handleRequest('GET', new URL('/api/cart', 'http://localhost'), {}, {})
+  assert.deepEqual(result, { status: 200, body: { items: 0, total: 0 } })
+})
*** End Patch
`

const API12_UNIFIED_DIFF = `diff --git a/src/cart/totals.js b/src/cart/totals.js
index 7648709..b8c3dda 100644
--- a/src/cart/totals.js
+++ b/src/cart/totals.js
@@ -19,7 +19,8 @@ export function summarize(cart) {
  * free-shipping threshold. An empty cart costs nothing.
  */
 export function cartTotal(cart) {
-  const subtotal = cart.summary.total
+  // A cart whose items never changed (a new session's empty cart) has no cached summary yet.
+  const subtotal = cart.summary ? cart.summary.total : itemsSubtotal(cart.items)
   if (subtotal === 0) return 0
   const discounted = cart.discountCode ? applyDiscount(subtotal, cart.discountCode) : subtotal
   const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING_FEE
diff --git a/test/cart-total-without-summary.test.js b/test/cart-total-without-summary.test.js
new file mode 100644
index 0000000..d0b8f37
--- /dev/null
+++ b/test/cart-total-without-summary.test.js
@@ -0,0 +1,15 @@
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { cartTotal } from '../src/cart/totals.js'
+import { handleRequest } from '../src/server.js'
+
+// API-12: TypeError: Cannot read properties of undefined (reading 'total')
+test('totals a cart that has no cached summary from its items', () => {
+  assert.equal(cartTotal({ items: [{ sku: 'teapot', unitPrice: 3900, quantity: 1 }] }), 4395)
+  assert.equal(cartTotal({ items: [] }), 0)
+})
+
+test('GET /api/cart answers for a new session that has no cart yet', () => {
+  const result = handleRequest('GET', new URL('/api/cart', 'http://localhost'), {}, {})
+  assert.deepEqual(result, { status: 200, body: { items: 0, total: 0 } })
+})
`

// WEB-7
const WEB7_APPLY_PATCH = `*** Begin Patch
*** Update File: src/format/date.js
@@
   timeZone: 'UTC'
 })
 
-/** "Mar 4, 2025": the day an order was placed. */
+export const NOT_PLACED = 'Not placed yet'
+
+/** "Mar 4, 2025": the day an order was placed, or NOT_PLACED for a draft, which has no date yet. */
 export function formatOrderDate(order) {
+  if (order.placedAt === undefined || order.placedAt === null) return NOT_PLACED
   return ORDER_DATE.format(new Date(order.placedAt))
 }
*** Add File: test/draft-order-date.test.js
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { formatOrderDate, NOT_PLACED } from '../src/format/date.js'
+import { handleRequest, orders } from '../src/server.js'
+
+// WEB-7: RangeError: Invalid time value
+test('a draft order without a date is shown as not placed yet', () => {
+  assert.equal(formatOrderDate({ id: 'o-draft', status: 'draft' }), NOT_PLACED)
+  assert.equal(formatOrderDate({ id: 'o-draft', status: 'draft', placedAt: null }), NOT_PLACED)
+})
+
+test('GET /api/orders/:id shows a draft order', () => {
+  orders.set('o-draft', { id: 'o-draft', status: 'draft' })
+  const result = handleRequest('GET', new URL('/api/orders/o-draft', 'http://localhost'), {}, {})
+  assert.deepEqual(result.body, { id: 'o-draft', status: 'draft', placed: NOT_PLACED })
+})
*** End Patch
`

const WEB7_UNIFIED_DIFF = `diff --git a/src/format/date.js b/src/format/date.js
index 23e8e22..37b55cd 100644
--- a/src/format/date.js
+++ b/src/format/date.js
@@ -6,7 +6,10 @@ const ORDER_DATE = new Intl.DateTimeFormat('en-US', {
   timeZone: 'UTC'
 })
 
-/** "Mar 4, 2025": the day an order was placed. */
+export const NOT_PLACED = 'Not placed yet'
+
+/** "Mar 4, 2025": the day an order was placed, or NOT_PLACED for a draft, which has no date yet. */
 export function formatOrderDate(order) {
+  if (order.placedAt === undefined || order.placedAt === null) return NOT_PLACED
   return ORDER_DATE.format(new Date(order.placedAt))
 }
diff --git a/test/draft-order-date.test.js b/test/draft-order-date.test.js
new file mode 100644
index 0000000..cc93907
--- /dev/null
+++ b/test/draft-order-date.test.js
@@ -0,0 +1,16 @@
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { formatOrderDate, NOT_PLACED } from '../src/format/date.js'
+import { handleRequest, orders } from '../src/server.js'
+
+// WEB-7: RangeError: Invalid time value
+test('a draft order without a date is shown as not placed yet', () => {
+  assert.equal(formatOrderDate({ id: 'o-draft', status: 'draft' }), NOT_PLACED)
+  assert.equal(formatOrderDate({ id: 'o-draft', status: 'draft', placedAt: null }), NOT_PLACED)
+})
+
+test('GET /api/orders/:id shows a draft order', () => {
+  orders.set('o-draft', { id: 'o-draft', status: 'draft' })
+  const result = handleRequest('GET', new URL('/api/orders/o-draft', 'http://localhost'), {}, {})
+  assert.deepEqual(result.body, { id: 'o-draft', status: 'draft', placed: NOT_PLACED })
+})
`

// WEB-9
const WEB9_APPLY_PATCH = `*** Begin Patch
*** Update File: src/search/suggest.js
@@ export function suggest(query, products) {
-  if (query.length < MIN_QUERY_LENGTH) return []
+  // Before the first keystroke the search box sends no q parameter at all: nothing to suggest.
+  if (typeof query !== 'string' || query.length < MIN_QUERY_LENGTH) return []
   const needle = query.toLowerCase()
*** Add File: test/suggest-without-query.test.js
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { suggest } from '../src/search/suggest.js'
+import { CATALOG } from '../src/data/catalog.js'
+import { handleRequest } from '../src/server.js'
+
+// WEB-9: TypeError: Cannot read properties of null (reading 'length')
+test('suggests nothing when there is no query', () => {
+  assert.deepEqual(suggest(null, CATALOG), [])
+  assert.deepEqual(suggest(undefined, CATALOG), [])
+})
+
+test('GET /api/search without q answers with no suggestions', () => {
+  const result = handleRequest('GET', new URL('/api/search', 'http://localhost'), {}, {})
+  assert.deepEqual(result, { status: 200, body: { suggestions: [] } })
+})
*** End Patch
`

const WEB9_UNIFIED_DIFF = `diff --git a/src/search/suggest.js b/src/search/suggest.js
index 4e4e5e7..36fed40 100644
--- a/src/search/suggest.js
+++ b/src/search/suggest.js
@@ -4,7 +4,8 @@ export const MAX_SUGGESTIONS = 5
 
 /** Names of the products whose name starts with the query (any case), best sellers first. */
 export function suggest(query, products) {
-  if (query.length < MIN_QUERY_LENGTH) return []
+  // Before the first keystroke the search box sends no q parameter at all: nothing to suggest.
+  if (typeof query !== 'string' || query.length < MIN_QUERY_LENGTH) return []
   const needle = query.toLowerCase()
   return products
     .filter(product => product.name.toLowerCase().startsWith(needle))
diff --git a/test/suggest-without-query.test.js b/test/suggest-without-query.test.js
new file mode 100644
index 0000000..cce2ca9
--- /dev/null
+++ b/test/suggest-without-query.test.js
@@ -0,0 +1,16 @@
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { suggest } from '../src/search/suggest.js'
+import { CATALOG } from '../src/data/catalog.js'
+import { handleRequest } from '../src/server.js'
+
+// WEB-9: TypeError: Cannot read properties of null (reading 'length')
+test('suggests nothing when there is no query', () => {
+  assert.deepEqual(suggest(null, CATALOG), [])
+  assert.deepEqual(suggest(undefined, CATALOG), [])
+})
+
+test('GET /api/search without q answers with no suggestions', () => {
+  const result = handleRequest('GET', new URL('/api/search', 'http://localhost'), {}, {})
+  assert.deepEqual(result, { status: 200, body: { suggestions: [] } })
+})
`

// API-31
const API31_APPLY_PATCH = `*** Begin Patch
*** Update File: src/cart/discounts.js
@@ export function applyDiscount(amount, code) {
-  const discount = CODES[code]
+  // Customers type codes in any case, and paste them with spaces around.
+  const discount = CODES[String(code).trim().toUpperCase()]
   if (!discount) throw new Error('discount code not found')
*** Add File: test/discount-code-case.test.js
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { applyDiscount } from '../src/cart/discounts.js'
+import { handleRequest } from '../src/server.js'
+
+// API-31: Error: discount code not found
+test('accepts a discount code in any case and with spaces around it', () => {
+  assert.equal(applyDiscount(1000, 'save10'), 900)
+  assert.equal(applyDiscount(1000, ' Save10 '), 900)
+})
+
+test('POST /api/checkout takes a code typed in lower case', () => {
+  const session = { cart: { items: [], summary: { total: 10000, count: 2 } } }
+  const result = handleRequest('POST', new URL('/api/checkout', 'http://localhost'), session, {
+    discountCode: 'spring20'
+  })
+  assert.deepEqual(result, { status: 200, body: { charged: 8000 } })
+})
*** End Patch
`

const API31_UNIFIED_DIFF = `diff --git a/src/cart/discounts.js b/src/cart/discounts.js
index 03a74b2..be39037 100644
--- a/src/cart/discounts.js
+++ b/src/cart/discounts.js
@@ -7,7 +7,8 @@ const CODES = {
 
 /** The amount after the code's discount, in cents, rounded down. Throws for a code that does not exist. */
 export function applyDiscount(amount, code) {
-  const discount = CODES[code]
+  // Customers type codes in any case, and paste them with spaces around.
+  const discount = CODES[String(code).trim().toUpperCase()]
   if (!discount) throw new Error('discount code not found')
   return Math.floor((amount * (100 - discount.percent)) / 100)
 }
diff --git a/test/discount-code-case.test.js b/test/discount-code-case.test.js
new file mode 100644
index 0000000..3b2cdc5
--- /dev/null
+++ b/test/discount-code-case.test.js
@@ -0,0 +1,18 @@
+import { test } from 'node:test'
+import assert from 'node:assert/strict'
+import { applyDiscount } from '../src/cart/discounts.js'
+import { handleRequest } from '../src/server.js'
+
+// API-31: Error: discount code not found
+test('accepts a discount code in any case and with spaces around it', () => {
+  assert.equal(applyDiscount(1000, 'save10'), 900)
+  assert.equal(applyDiscount(1000, ' Save10 '), 900)
+})
+
+test('POST /api/checkout takes a code typed in lower case', () => {
+  const session = { cart: { items: [], summary: { total: 10000, count: 2 } } }
+  const result = handleRequest('POST', new URL('/api/checkout', 'http://localhost'), session, {
+    discountCode: 'spring20'
+  })
+  assert.deepEqual(result, { status: 200, body: { charged: 8000 } })
+})
`

export const SAMPLE_FIXES: Record<SampleShortId, SampleFix> = {
  'API-12': {
    shortId: 'API-12',
    file: 'src/cart/totals.js',
    testFile: 'test/cart-total-without-summary.test.js',
    appliesTo: 'base',
    summary: 'Total carts that have no cached summary from their items',
    root_cause:
      'cartTotal read cart.summary.total, but a new session gets an empty cart without a summary (the summary is ' +
      'only computed when items change), so GET /api/cart threw for every new visitor.',
    applyPatch: API12_APPLY_PATCH,
    unifiedDiff: API12_UNIFIED_DIFF
  },
  'WEB-7': {
    shortId: 'WEB-7',
    file: 'src/format/date.js',
    testFile: 'test/draft-order-date.test.js',
    appliesTo: 'base',
    summary: 'Show draft orders without a date as not placed yet',
    root_cause:
      'formatOrderDate formatted new Date(order.placedAt), but draft orders have no placedAt; Intl.DateTimeFormat ' +
      'throws RangeError: Invalid time value for the resulting invalid date.',
    applyPatch: WEB7_APPLY_PATCH,
    unifiedDiff: WEB7_UNIFIED_DIFF
  },
  'WEB-9': {
    shortId: 'WEB-9',
    file: 'src/search/suggest.js',
    testFile: 'test/suggest-without-query.test.js',
    appliesTo: 'base',
    summary: 'Suggest nothing when the search request has no query',
    root_cause:
      "searchRoute passes url.searchParams.get('q'), which is null when the request has no q parameter, and " +
      'suggest read query.length without checking that it got a string.',
    applyPatch: WEB9_APPLY_PATCH,
    unifiedDiff: WEB9_UNIFIED_DIFF
  },
  'API-31': {
    shortId: 'API-31',
    file: 'src/cart/discounts.js',
    testFile: 'test/discount-code-case.test.js',
    appliesTo: 'initial',
    summary: 'Accept discount codes in any case',
    root_cause:
      'applyDiscount looked codes up exactly as typed, so codes typed in lower case or pasted with spaces were ' +
      'reported as not found.',
    applyPatch: API31_APPLY_PATCH,
    unifiedDiff: API31_UNIFIED_DIFF
  }
}

// ------------------------------------------------------------------------------------------------ the checkout

/** Fixed commit dates: the SHAs depend only on the sample files. */
const INITIAL_DATE = '2025-01-06T09:00:00Z'
const BASE_DATE = '2025-01-13T09:00:00Z'
const INITIAL_MESSAGE = 'Initial shop: carts, discount codes, orders, search'
const BASE_MESSAGE = 'fix: resolve API-31 — accept discount codes in any case'

export type PersistedCredentials =
  /** actions/checkout up to v5: `http.<server>/.extraheader` in .git/config */
  | 'extraheader'
  /** actions/checkout v6+: the header in RUNNER_TEMP/git-credentials-<uuid>.config, included by `includeIf.gitdir:` */
  | 'include-if'

export interface SampleCheckoutOptions {
  /** commits fetched, like actions/checkout's fetch-depth (default 1; 0 = the whole history) */
  depth?: number
  /**
   * how the checkout reaches its remote (default 'file'); 'http' serves the bare repo with `git http-backend`, 'https'
   * does so over TLS with `tls` (the checkout's own fetch trusts tls.caFile through GIT_SSL_CAINFO, for that command)
   */
  remote?: 'file' | 'http' | 'https'
  /** the HTTPS remote's key and certificate, and the CA file that signed it (see test-support/sandbox/tls.ts) */
  tls?: { key: string; cert: string; caFile: string }
  /** persisted credentials, like actions/checkout's persist-credentials (default: none) */
  persistCredentials?: PersistedCredentials | false
  /** the credential's token (default SAMPLE_CHECKOUT_TOKEN) */
  token?: string
  /** parent of the temporary folder (default os.tmpdir()) */
  parent?: string
  /** tokens the HTTP remote accepts for fetches only */
  readTokens?: string[]
}

export interface SampleCheckout {
  /** the temporary folder holding everything below; cleanup() removes it */
  root: string
  /** the bare remote */
  bare: string
  /** the working copy, as actions/checkout leaves it */
  checkout: string
  /** the remote URL the checkout fetched from */
  remoteUrl: string
  /** HEAD of main: the base commit fixes start from */
  baseSha: string
  /** the first commit (its parent) */
  initialSha: string
  /** stands in for RUNNER_TEMP (the include-if credentials file lives here) */
  runnerTemp: string
  token: string
  /** the `include-if` credentials file, when there is one */
  credentialsFile: string | null
  /** the HTTP remote, when remote is 'http' or 'https' */
  http: GitHttpRemote | null
  cleanup(): Promise<void>
}

/** A fresh sample checkout in a temporary folder. */
export async function createSampleCheckout(options: SampleCheckoutOptions = {}): Promise<SampleCheckout> {
  const depth = options.depth ?? 1
  const token = options.token ?? SAMPLE_CHECKOUT_TOKEN
  if (options.remote === 'https' && !options.tls)
    throw new Error("remote: 'https' needs tls (key, cert, caFile)")
  const root = await mkdtemp(path.join(options.parent ?? os.tmpdir(), 'sample-shop-'))
  let http: GitHttpRemote | null = null
  try {
    const source = path.join(root, 'source')
    const bare = path.join(root, 'remote.git')
    const checkout = path.join(root, 'checkout')
    const runnerTemp = path.join(root, 'runner-temp')
    await mkdir(runnerTemp)

    // history
    await copySample(SAMPLE_REPO_DIR, source)
    await git(source, ['init', '--quiet', `--initial-branch=${SAMPLE_BRANCH}`])
    await git(source, ['add', '--all'])
    await git(source, ['commit', '--quiet', '--message', INITIAL_MESSAGE], { date: INITIAL_DATE })
    const initialSha = await git(source, ['rev-parse', 'HEAD'])
    await git(source, ['apply', '--index', '-'], { input: SAMPLE_FIXES['API-31'].unifiedDiff })
    await git(source, ['commit', '--quiet', '--message', BASE_MESSAGE], { date: BASE_DATE })
    const baseSha = await git(source, ['rev-parse', 'HEAD'])

    // the remote (GitHub serves any reachable commit by SHA)
    await git(root, ['init', '--quiet', '--bare', `--initial-branch=${SAMPLE_BRANCH}`, bare])
    await git(bare, ['config', 'uploadpack.allowReachableSHA1InWant', 'true'])
    await git(source, ['push', '--quiet', bare, `${SAMPLE_BRANCH}:${SAMPLE_BRANCH}`])
    await rm(source, { recursive: true, force: true })
    const tls = options.remote === 'https' ? options.tls : undefined
    if (options.remote === 'http' || options.remote === 'https')
      http = await startGitHttpRemote({ projectRoot: root, token, readTokens: options.readTokens, tls })
    const remoteUrl = http ? `${http.url}/remote.git` : `file://${bare}`
    const serverUrl = http ? `${http.url}/` : null

    // the checkout, step by step as actions/checkout does it
    await git(root, ['init', '--quiet', checkout])
    await git(checkout, ['remote', 'add', 'origin', remoteUrl])
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
    const headerKey = `http.${serverUrl ?? 'https://github.com/'}.extraheader`
    let credentialsFile: string | null = null
    if (options.persistCredentials === 'extraheader') {
      await git(checkout, ['config', '--local', headerKey, header])
    } else if (options.persistCredentials === 'include-if') {
      credentialsFile = path.join(runnerTemp, `git-credentials-${randomUUID()}.config`)
      await git(root, ['config', '--file', credentialsFile, headerKey, header])
      const gitDir = path.join(checkout, '.git')
      await git(checkout, ['config', '--local', `includeIf.gitdir:${gitDir}.path`, credentialsFile])
      await git(checkout, [
        'config',
        '--local',
        `includeIf.gitdir:${gitDir}/worktrees/*.path`,
        credentialsFile
      ])
    }
    // without persisted credentials the fetch gets the header for this one command only
    const fetchAuth = options.persistCredentials || !serverUrl ? {} : configEnv({ [headerKey]: header })
    const fetchTrust: Record<string, string> = tls ? { GIT_SSL_CAINFO: tls.caFile } : {}
    await git(
      checkout,
      [
        '-c',
        'protocol.version=2',
        'fetch',
        '--quiet',
        '--no-tags',
        '--prune',
        '--no-recurse-submodules',
        ...(depth > 0 ? [`--depth=${depth}`] : []),
        'origin',
        `+${baseSha}:refs/remotes/origin/${SAMPLE_BRANCH}`
      ],
      { env: { ...fetchAuth, ...fetchTrust } }
    )
    await git(checkout, [
      'checkout',
      '--quiet',
      '--force',
      '-B',
      SAMPLE_BRANCH,
      `refs/remotes/origin/${SAMPLE_BRANCH}`
    ])

    const remote = http
    return {
      root,
      bare,
      checkout,
      remoteUrl,
      baseSha,
      initialSha,
      runnerTemp,
      token,
      credentialsFile,
      http,
      async cleanup() {
        await remote?.close()
        await rm(root, { recursive: true, force: true, maxRetries: 3 })
      }
    }
  } catch (error) {
    await http?.close()
    await rm(root, { recursive: true, force: true, maxRetries: 3 })
    throw error
  }
}

/** Copies the sample's files with mode 644 (git records no executable bit, whatever the copy on disk has). */
async function copySample(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true })
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name)
    const target = path.join(to, entry.name)
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules') continue
      await copySample(source, target)
    } else if (entry.isFile()) {
      await writeFile(target, await readFile(source), { mode: 0o644 })
    }
  }
}

// ------------------------------------------------------------------------------------------------ git helpers

/** GIT_CONFIG_COUNT/KEY_n/VALUE_n: configuration for one command, kept off its command line. */
export function configEnv(entries: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  const pairs = Object.entries(entries)
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  env.GIT_CONFIG_COUNT = String(pairs.length)
  return env
}

/** The environment of the sample's own git commands: no user or system config, no prompts, the sample identity. */
function sampleGitEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) {
    if (
      /^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|CONFIG_)/.test(
        name
      )
    )
      delete env[name]
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: SAMPLE_IDENTITY.name,
    GIT_AUTHOR_EMAIL: SAMPLE_IDENTITY.email,
    GIT_COMMITTER_NAME: SAMPLE_IDENTITY.name,
    GIT_COMMITTER_EMAIL: SAMPLE_IDENTITY.email,
    ...extra
  }
}

/** Runs git for the sample (not the adapter under test); stdout trimmed. */
export async function git(
  cwd: string,
  args: string[],
  options: { input?: string; date?: string; env?: Record<string, string> } = {}
): Promise<string> {
  const dates: Record<string, string> = options.date
    ? { GIT_AUTHOR_DATE: options.date, GIT_COMMITTER_DATE: options.date }
    : {}
  const result = await run('git', args, {
    cwd,
    input: options.input,
    env: sampleGitEnv({ ...dates, ...options.env })
  })
  if (result.code !== 0) {
    throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`)
  }
  return result.stdout.trim()
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** A child process to completion, its output collected. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number }
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', code =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8')
      })
    )
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
  })
}

// ------------------------------------------------------------------------------------------------ HTTP remote

export interface GitHttpRequest {
  method: string
  /** path and query */
  url: string
  /** the Authorization header as it arrived, or null */
  authorization: string | null
  /** whether it carried the expected token */
  authorized: boolean
  /** which token it carried: the write token, a read-only one, or none the remote knows */
  role: 'write' | 'read' | null
  status: number
}

export interface GitHttpRemote {
  /** http://127.0.0.1:PORT, or https:// when served with tls (repositories below it by folder name, e.g. /remote.git) */
  url: string
  requests: GitHttpRequest[]
  close(): Promise<void>
}

/**
 * Git's smart HTTP protocol over node:http and `git http-backend` (CGI), for the repositories under projectRoot. Every
 * request must carry `Authorization: basic base64(x-access-token:<token>)` (what actions/checkout's extraheader sends),
 * or it is answered 401, as GitHub answers for a private repository. Pushes are accepted when authorized. With `tls` it
 * serves HTTPS (a certificate for 127.0.0.1 from test-support/sandbox/tls.ts). It closes by itself after its lifetime.
 */
export async function startGitHttpRemote(options: {
  projectRoot: string
  token: string
  /** tokens that may fetch but not push (a job's GITHUB_TOKEN with contents: read): a push with one is answered 403 */
  readTokens?: string[]
  /** serve HTTPS with this PEM key and certificate instead of plain HTTP */
  tls?: { key: string; cert: string }
  /** close by itself after this long (default 15 minutes) */
  lifetimeMs?: number
}): Promise<GitHttpRemote> {
  const basic = (token: string) => Buffer.from(`x-access-token:${token}`).toString('base64')
  const expected = basic(options.token)
  const readOnly = new Set((options.readTokens ?? []).map(basic))
  const requests: GitHttpRequest[] = []

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const authorization = req.headers.authorization ?? null
    const credential = /^basic\s+(\S+)$/i.exec(authorization ?? '')?.[1]
    const role = credential === expected ? 'write' : credential && readOnly.has(credential) ? 'read' : null
    const record: GitHttpRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      authorization,
      authorized: role === 'write',
      role,
      status: 0
    }
    requests.push(record)
    if (role === null) {
      record.status = 401
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="sample"', 'Content-Type': 'text/plain' })
      res.end('Authentication required\n')
      return
    }
    if (role === 'read' && (req.url ?? '').includes('git-receive-pack')) {
      // as GitHub answers a push with a token that may only read
      record.status = 403
      res.writeHead(403, { 'Content-Type': 'text/plain' })
      res.end('Permission to the repository denied: the token has read access only\n')
      return
    }
    const url = new URL(record.url, 'http://127.0.0.1')
    const header = (name: string): string => {
      const value = req.headers[name]
      return Array.isArray(value) ? value.join(', ') : (value ?? '')
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_PROJECT_ROOT: options.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: record.method,
        CONTENT_TYPE: header('content-type'),
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: header('content-length') } : {}),
        HTTP_CONTENT_ENCODING: header('content-encoding'),
        GIT_PROTOCOL: header('git-protocol'),
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1'
      },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    req.pipe(child.stdin)
    child.stdin.on('error', () => undefined)
    child.stderr.resume()
    let head = Buffer.alloc(0)
    let headersSent = false
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk)
        return
      }
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      const headers: Record<string, string> = {}
      let status = 200
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':')
        if (colon < 0) continue
        const name = line.slice(0, colon).trim()
        const value = line.slice(colon + 1).trim()
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10)
        else headers[name] = value
      }
      record.status = status
      res.writeHead(status, headers)
      headersSent = true
      res.write(head.subarray(end + 4))
    })
    child.on('close', () => {
      if (!headersSent) {
        record.status = 500
        res.writeHead(500)
      }
      res.end()
    })
    child.on('error', () => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  }

  const server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle)
    : createServer(handle)
  const { port, close } = await listenSelfStopping(server, { lifetimeMs: options.lifetimeMs })
  return { url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, requests, close }
}

// Keeping the installed tools across runs where the runner's tool cache does not survive: a GitHub-hosted runner is a
// fresh VM for every job. Like actions/setup-node, the action saves what it installed with @actions/cache (GitHub's
// cache service) and restores it before installing again: one entry per tool, version, platform and architecture.
//
// Where it lands: an entry holds one tool-cache folder, `<RUNNER_TOOL_CACHE>/<name>/<version>/<arch>`, and is restored
// to that same path (the client's entry version hashes the path; on hosted runners it is the same on every VM). A
// restored folder gets @actions/tool-cache's `.complete` marker, so a runner whose tool cache persists finds it there.
//
// Trust: entries are scoped to this repository; a run restores only entries of its own ref, of the default branch (and
// of a pull request's base branch), and only under the exact key (no prefix fallback). They are written by this
// repository's workflow runs with the job's ACTIONS_RUNTIME_TOKEN, which the action never hands to codex, the MCP
// server or the test command, and the action saves right after `npm install`, before any of them ran. A poisoned
// entry (saved under this key first by another job on the default branch, with actions/cache for instance) would be
// code that the action starts outside any sandbox (codex IS the sandbox) with the OpenAI key or the Sentry token in
// its environment, as the runner's user: it could reach everything the job can. The digests pinned after a restore
// (pinned-files.ts) catch a change DURING the run, not a restore of files npm never published; the cache is trusted
// as far as the repository's own workflows are. The key names the exact version so that an entry only ever holds the
// version the workflow pins: a version bump never starts the previous build (`codex --version` is checked after a
// restore as after an install), and the format so that a change of what is kept never restores an older layout.
import { rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as cache from '@actions/cache'
import type { Log } from '../ports.js'
import { errorMessage } from '../util/errors.js'

/** Bump when what an entry holds changes (files left out, layout): entries of another format are never restored. */
export const TOOL_CACHE_FORMAT = 1

export interface StoredTool {
  /** the npm package, for messages: `@openai/codex` */
  packageName: string
  /** @actions/tool-cache's name: `openai-codex` */
  cacheName: string
  /** an exact version */
  version: string
  /** the entry below the folder (`node_modules/@openai/codex/bin/codex.js`): a restore without it is no restore */
  entry: string
}

/** The tool-cache folder @actions/tool-cache keeps `tool` in (cacheDir/find with an exact version). */
export function toolCacheFolder(toolCacheRoot: string, tool: StoredTool): string {
  return path.join(toolCacheRoot, tool.cacheName, tool.version, os.arch())
}

/** `sentry-codex-triage-openai-codex-0.171.0-linux-x64-format1` */
export function toolCacheKey(
  tool: StoredTool,
  platform: string = process.platform,
  arch: string = os.arch()
): string {
  return `sentry-codex-triage-${tool.cacheName}-${tool.version}-${platform}-${arch}-format${TOOL_CACHE_FORMAT}`
}

/**
 * Why the cache service cannot keep the tools in this job, or null when it can. Read from this process's environment,
 * as @actions/cache reads it: GitHub Enterprise Server (any GITHUB_SERVER_URL but github.com, *.ghe.com or *.localhost)
 * has only the older service, which the action does not use; elsewhere the service needs its URL (ACTIONS_RESULTS_URL,
 * or ACTIONS_CACHE_URL for the v1 service) and the job's ACTIONS_RUNTIME_TOKEN.
 */
export function cacheServiceUnavailable(): string | null {
  const env = process.env
  const server = serverHost(env.GITHUB_SERVER_URL)
  if (server === null) return 'GITHUB_SERVER_URL is not a URL'
  if (server !== 'github.com' && !server.endsWith('.ghe.com') && !server.endsWith('.localhost')) {
    return `GitHub Enterprise Server (${server}) is not supported`
  }
  if (!cache.isFeatureAvailable())
    return 'no cache service in this job (ACTIONS_RESULTS_URL and ACTIONS_CACHE_URL are not set)'
  if (!env.ACTIONS_RUNTIME_TOKEN) return 'no ACTIONS_RUNTIME_TOKEN in this job'
  return null
}

function serverHost(url: string | undefined): string | null {
  try {
    return new URL(url || 'https://github.com').hostname.toLowerCase()
  } catch {
    return null
  }
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false
  )

/**
 * Restores `tool` into `folder` from the cache service; true when its entry file is there afterwards. A miss, a failed
 * download or extraction (which @actions/cache reports itself, as a warning) or an entry without the tool is false,
 * and leaves no folder behind.
 */
export async function restoreTool(tool: StoredTool, folder: string, log: Log): Promise<boolean> {
  const key = toolCacheKey(tool)
  const started = Date.now()
  await clear(folder)
  let hit: string | undefined
  try {
    hit = await cache.restoreCache([folder], key)
  } catch (error) {
    log.warning(
      `Could not restore ${tool.packageName}@${tool.version} from the cache service: ${errorMessage(error)}`
    )
    await clear(folder)
    return false
  }
  if (hit === undefined) {
    log.info(`${tool.packageName}@${tool.version} is not in the cache service (key ${key})`)
    await clear(folder)
    return false
  }
  if (!(await exists(path.join(folder, tool.entry)))) {
    log.warning(
      `The cache entry ${key} holds no ${tool.entry} at ${folder}: installing ${tool.packageName}@${tool.version} with npm`
    )
    await clear(folder)
    return false
  }
  await writeFile(`${folder}.complete`, '')
  log.info(
    `Restored ${tool.packageName}@${tool.version} from the cache service in ${Date.now() - started} ms`
  )
  return true
}

/** Saves the tool-cache folder of `tool` for the next runs; a failure is a warning (the run goes on). */
export async function saveTool(tool: StoredTool, folder: string, log: Log): Promise<void> {
  const key = toolCacheKey(tool)
  const started = Date.now()
  try {
    const id = await cache.saveCache([folder], key)
    // -1: not saved; @actions/cache said why (another job saving the same key first is an info line, not a failure)
    if (id === -1)
      log.info(`${tool.packageName}@${tool.version} was not saved to the cache service (key ${key})`)
    else
      log.info(`Saved ${tool.packageName}@${tool.version} to the cache service in ${Date.now() - started} ms`)
  } catch (error) {
    log.warning(
      `Could not save ${tool.packageName}@${tool.version} to the cache service: ${errorMessage(error)}`
    )
  }
}

async function clear(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true })
  await rm(`${folder}.complete`, { force: true })
}

// A local npm registry on 127.0.0.1 that serves the packages installed in a node_modules folder (this repository's):
// `npm install <name>@<version>` against it installs the same packages, real ones, without the network. It serves
// what npm's install asks for: a packument per name (`GET /<name>`, a scoped name's slash encoded as %2f) listing
// every version found anywhere below node_modules, and a tarball per version, made on first request with tar (the
// package's files below `package/`, its own node_modules left out, uncompressed: npm reads plain tar as well as gzip).
// The packuments carry no integrity (npm then checks none), the registry's own docs-only fields are left out.
// Tarballs go to a folder of the caller's, made asynchronously: npm talks to this server from a child process, and a
// synchronous tar here would block the server that child waits on.
import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, readFile, stat } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { promisify } from 'node:util'
import { listenSelfStopping } from './http-fake.js'

const execFileAsync = promisify(execFile)

/** Manifest fields npm's resolver and installer read; the rest of a package.json stays out of the packument. */
const MANIFEST_FIELDS = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bin',
  'os',
  'cpu',
  'libc',
  'engines',
  'deprecated',
  'hasInstallScript'
] as const

export interface RegistryRequest {
  method: string
  /** decoded: `/@openai/codex`, `/-/tarballs/3.tar` */
  path: string
  status: number
}

export interface FakeNpmRegistry {
  /** the value for npm_config_registry (ends with '/') */
  url: string
  requests: RegistryRequest[]
  /** the versions it serves of a name */
  versions(name: string): string[]
  close(): Promise<void>
}

interface Installed {
  name: string
  version: string
  dir: string
  manifest: Record<string, unknown>
}

/** Every package below `nodeModules` (nested node_modules included), by name. */
async function indexPackages(nodeModules: string): Promise<Map<string, Installed[]>> {
  const byName = new Map<string, Installed[]>()
  async function visit(folder: string): Promise<void> {
    for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue
      const dir = path.join(folder, entry.name)
      if (entry.name.startsWith('@')) {
        await visit(dir)
        continue
      }
      const manifest = await readFile(path.join(dir, 'package.json'), 'utf8')
        .then(text => JSON.parse(text) as Record<string, unknown>)
        .catch(() => null)
      if (manifest && typeof manifest.name === 'string' && typeof manifest.version === 'string') {
        const list = byName.get(manifest.name) ?? []
        if (!list.some(p => p.version === manifest.version)) {
          list.push({ name: manifest.name, version: manifest.version, dir, manifest })
        }
        byName.set(manifest.name, list)
      }
      await visit(path.join(dir, 'node_modules'))
    }
  }
  await visit(nodeModules)
  return byName
}

export async function startFakeNpmRegistry(options: {
  /** the node_modules folder whose packages it serves */
  nodeModules: string
  /** where the tarballs are made (the caller removes it) */
  tarballDir: string
  lifetimeMs?: number
}): Promise<FakeNpmRegistry> {
  const byName = await indexPackages(options.nodeModules)
  const tarballIds = new Map<string, Installed>()
  const idOf = new Map<Installed, string>()
  for (const pkg of [...byName.values()].flat()) {
    const id = String(tarballIds.size + 1)
    tarballIds.set(id, pkg)
    idOf.set(pkg, id)
  }
  const made = new Map<string, Promise<string>>()
  const requests: RegistryRequest[] = []
  await mkdir(options.tarballDir, { recursive: true })
  let origin = ''

  function packument(name: string): Record<string, unknown> | null {
    const installed = byName.get(name)
    if (!installed) return null
    const versions: Record<string, unknown> = {}
    for (const pkg of installed) {
      const manifest: Record<string, unknown> = {}
      for (const field of MANIFEST_FIELDS) {
        if (pkg.manifest[field] !== undefined) manifest[field] = pkg.manifest[field]
      }
      versions[pkg.version] = { ...manifest, dist: { tarball: `${origin}/-/tarballs/${idOf.get(pkg)}.tar` } }
    }
    const latest = installed.map(p => p.version).find(v => !v.includes('-')) ?? installed[0]!.version
    return { name, 'dist-tags': { latest }, versions }
  }

  /** The package's files below `package/`, as npm publishes them; made once. */
  function tarball(pkg: Installed): Promise<string> {
    const key = `${pkg.name}@${pkg.version}`
    let file = made.get(key)
    if (!file) {
      const out = path.join(options.tarballDir, `${made.size + 1}.tar`)
      file = (async () => {
        const entries = (await readdir(pkg.dir)).filter(name => name !== 'node_modules').sort()
        await execFileAsync('tar', [
          '-cf',
          out,
          '-C',
          pkg.dir,
          '--transform',
          's,^,package/,',
          '--owner=0',
          '--group=0',
          '--',
          ...entries
        ])
        return out
      })()
      made.set(key, file)
    }
    return file
  }

  async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const target = decodeURIComponent(url.pathname)
    const tar = /^\/-\/tarballs\/(\d+)\.tar$/.exec(target)
    if (req.method === 'GET' && tar) {
      const pkg = tarballIds.get(tar[1]!)
      if (!pkg) return notFound(res)
      const file = await tarball(pkg)
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String((await stat(file)).size)
      })
      createReadStream(file).pipe(res)
      return 200
    }
    if (req.method === 'GET') {
      const doc = packument(target.slice(1))
      if (!doc) return notFound(res)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(doc))
      return 200
    }
    res.writeHead(405, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'method not allowed' }))
    return 405
  }

  // Not http-fake's startFakeServer: a tarball is streamed from its file (codex's platform package is ~420 MB).
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      void answer(req, res)
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: `fake failed: ${String(error)}` }))
          return 500
        })
        .then(status => requests.push({ method: req.method ?? 'GET', path: decodePath(req.url), status }))
    })
  })
  server.keepAliveTimeout = 1000
  const { port, close } = await listenSelfStopping(server, { lifetimeMs: options.lifetimeMs })
  origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/`,
    requests,
    versions: name => (byName.get(name) ?? []).map(p => p.version),
    close
  }
}

function notFound(res: http.ServerResponse): number {
  res.writeHead(404, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ error: 'Not found' }))
  return 404
}

function decodePath(url: string | undefined): string {
  return decodeURIComponent(new URL(url ?? '/', 'http://127.0.0.1').pathname)
}

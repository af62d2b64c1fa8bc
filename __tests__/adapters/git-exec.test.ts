// The one way the action runs git, against REAL git: its time limit ends the whole command, helpers included.
import { afterEach, describe, expect, it } from '@jest/globals'
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { execGit } from '../../src/adapters/git-exec.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A remote that accepts the connection and never answers: a stalled fetch. */
async function silentRemote(): Promise<string> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(socket => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/shop.git`
}

/** Command lines of this machine's processes that mention `text`. */
async function processesWith(text: string): Promise<string[]> {
  const found: string[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')
    if (cmdline.includes(text)) found.push(cmdline.split('\0').join(' '))
  }
  return found
}

describe('execGit', () => {
  it('ends a fetch from a remote that never answers at its time limit, with the helper git started', async () => {
    const url = await silentRemote()
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'sct-git-exec-'))
    cleanups.push(() => rm(cwd, { recursive: true, force: true }))

    const result = await execGit(['ls-remote', url], { cwd, timeoutMs: 1_500, allowFailure: true })

    expect(result.exitCode).toBe(128 + 9)
    // git-remote-http (which held git's stderr open) went with it
    expect(await processesWith(url)).toEqual([])
  })

  it('answers as before when git finishes in time', async () => {
    const result = await execGit(['--version'], { cwd: os.tmpdir(), timeoutMs: 30_000 })
    expect(result.exitCode).toBe(0)
    expect(result.stdout.toString('utf8')).toMatch(/^git version \d+\.\d+/)
  })
})

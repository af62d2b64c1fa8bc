// Peak resident memory of the action process: polls /proc for this process's child running dist/index.js and keeps the
// last VmHWM (the kernel's high-water mark, so a poll near the end sees the peak of the whole run).
import { readdir, readFile } from 'node:fs/promises'

export interface RssWatch {
  stop(): Promise<{ peakKb: number | null; pid: number | null }>
}

async function statusOf(pid: string): Promise<string | null> {
  try {
    return await readFile(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
}

export function watchChildRss(marker: string, intervalMs = 20): RssWatch {
  let pid: string | null = null
  let peakKb: number | null = null
  let running = true
  const loop = (async () => {
    while (running) {
      if (pid === null) {
        for (const entry of await readdir('/proc').catch(() => [] as string[])) {
          if (!/^\d+$/.test(entry)) continue
          const status = await statusOf(entry)
          if (!status || !new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status)) continue
          const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
          if (cmd.includes(marker)) {
            pid = entry
            break
          }
        }
      }
      if (pid !== null) {
        const status = await statusOf(pid)
        const hwm = status ? /^VmHWM:\s+(\d+) kB$/m.exec(status) : null
        if (hwm) peakKb = Math.max(peakKb ?? 0, Number(hwm[1]))
      }
      await new Promise(r => setTimeout(r, intervalMs))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { peakKb, pid: pid === null ? null : Number(pid) }
    }
  }
}

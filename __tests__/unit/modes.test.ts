// The mode table (domain/modes.ts) agrees with itself, and main.ts's wiring makes exactly the ports a row names.
import { describe, expect, it } from '@jest/globals'
import { MODES, type Mode } from '../../src/domain/types.js'
import { MODE_TABLE, type ModeRow, type Port } from '../../src/domain/modes.js'
import { wirePorts, type PortMakers } from '../../src/mode-ports.js'

const portsOf = (mode: Mode): readonly Port[] => [
  ...MODE_TABLE[mode].ports,
  ...MODE_TABLE[mode].optionalPorts
]

describe('the mode table', () => {
  it.each(MODES)('gives mode %s the ports its columns say it uses', mode => {
    const row: ModeRow = MODE_TABLE[mode]
    const ports = portsOf(mode)
    expect(ports.includes('agent') && ports.includes('tests') && row.ports.includes('repo')).toBe(
      row.runsAgent
    )
    expect(ports.includes('agent') || ports.includes('tests')).toBe(row.runsAgent)
    expect(row.ports.includes('lander') && row.ports.includes('writer')).toBe(row.lands)
    expect(ports.includes('lander') || ports.includes('writer')).toBe(row.lands)
    expect(row.ports.includes('handoffs')).toBe(row.handsOff)
    expect(row.runner.needs === 'linux').toBe(row.runsAgent)
    expect(new Set(ports).size).toBe(ports.length)
  })

  it('uploads the summary artifact and reports the ledger in the modes that end a run', () => {
    expect(MODES.filter(m => MODE_TABLE[m].uploadsSummary).sort()).toEqual([
      'dry-run',
      'fix',
      'land',
      'triage'
    ])
    expect(MODES.filter(m => MODE_TABLE[m].reportsLedger).sort()).toEqual([
      'dry-run',
      'fix',
      'land',
      'triage'
    ])
  })
})

describe('the fan-out columns', () => {
  it('gives the matrix output to plan alone, the issue input to work alone, and every mode but work the all-failed rule', () => {
    expect(MODES.filter(m => MODE_TABLE[m].matrixOutput)).toEqual(['plan'])
    expect(MODES.filter(m => MODE_TABLE[m].oneIssue)).toEqual(['work'])
    expect(MODES.filter(m => !MODE_TABLE[m].failsWhenAllFail)).toEqual(['work'])
  })

  it('makes a one-issue mode read that issue from Sentry, not list', () => {
    for (const mode of MODES) expect(MODE_TABLE[mode].oneIssue).toBe(MODE_TABLE[mode].sentry === 'one-issue')
  })
})

describe('wirePorts', () => {
  it.each(MODES)('makes exactly the ports of mode %s, in its row order', async mode => {
    const made: Port[] = []
    const maker =
      <T>(port: Port, value: T) =>
      () => {
        made.push(port)
        return value
      }
    const makers = {
      handoffs: maker('handoffs', { kind: 'handoffs' }),
      writer: maker('writer', { kind: 'writer' }),
      lander: maker('lander', { kind: 'lander' }),
      repo: maker('repo', { kind: 'repo' }),
      agent: maker('agent', { kind: 'agent' }),
      tests: maker('tests', { kind: 'tests' })
    } as unknown as PortMakers
    const ports = await wirePorts(mode, makers)
    expect(made).toEqual(portsOf(mode))
    expect(Object.keys(ports).sort()).toEqual(['mode', ...portsOf(mode)].sort())
    expect(ports.mode).toBe(mode)
  })
})

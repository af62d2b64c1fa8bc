// The mode table's ports as types: what the pipeline is given for each mode, derived from MODE_TABLE (domain/modes.ts),
// so that a stage's missing collaborator is a compile error in main.ts or a test, never a run-time surprise.
import type { Mode } from './domain/types.js'
import { MODE_TABLE, type ModeTable, type Port } from './domain/modes.js'
import type { Agent, GitHubWriter, Handoffs, Lander, Repo, TestRunner } from './ports.js'

/** The interface behind each of the table's port names. */
export type PortType<P extends Port> = {
  handoffs: Handoffs
  writer: GitHubWriter
  lander: Lander
  repo: Repo
  agent: Agent
  tests: TestRunner
}[P]

type Flat<T> = { [K in keyof T]: T[K] }

/** The ports of mode M: its required ones, its optional ones, and the mode itself as the discriminant. */
export type PortsOf<M extends Mode> = M extends Mode
  ? Flat<
      { mode: M } & { [P in ModeTable[M]['ports'][number]]: PortType<P> } & {
        [P in ModeTable[M]['optionalPorts'][number]]?: PortType<P>
      }
    >
  : never

/** One mode's ports, discriminated by `mode`. */
export type ModePorts = PortsOf<Mode>

/** How main.ts makes each port; only the ones the mode's row names are called, in the row's order. */
export type PortMakers = { [P in Port]: () => PortType<P> | Promise<PortType<P>> }

/** The ports of `mode`, made as the table says: the only place a row's port list becomes a typed object. */
export async function wirePorts<M extends Mode>(mode: M, make: PortMakers): Promise<PortsOf<M>> {
  const row: ModeTable[Mode] = MODE_TABLE[mode]
  const wired: Partial<Record<Port, unknown>> = {}
  for (const port of [...row.ports, ...row.optionalPorts]) wired[port] = await make[port]()
  // Sound by construction: PortsOf<M> is read off the same row whose ports were just made.
  return { ...wired, mode } as unknown as PortsOf<M>
}

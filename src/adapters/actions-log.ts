import * as core from '@actions/core'
import type { Log } from '../ports.js'

/** The Log port on the runner: groups fold in the log view, warnings become annotations. */
export function createActionsLog(): Log {
  return {
    info: message => core.info(message),
    debug: message => core.debug(message),
    warning: message => core.warning(message),
    group: (name, fn) => core.group(name, fn)
  }
}

// The helper's conntrack flushes (engine/port-conntrack.ts flush) as a one-shot program,
// so the test runs them inside its own throwaway host (`TestHost.sh` enters
// its namespaces). Reads a JSON list of steps on stdin, writes the answer of each.
import { flush } from '../../helper/src/engine/port-conntrack';
import type { ConntrackFilter } from '../../helper/src/kernel/conntrack';
import { driveSteps } from './step-driver';

export type Step = { flush: ConntrackFilter[] };

async function main(steps: Step[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const st of steps) {
    await flush(st.flush); // logs a failure on stderr, never throws
    out.push('ok');
  }
  return out;
}

driveSteps(main);

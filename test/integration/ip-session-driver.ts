// The helper's long-lived ip (kernel/ip-session.ts) as a one-shot program, so
// the test runs it inside its own throwaway host (`TestHost.sh` enters its
// namespaces). Reads a JSON list of steps on stdin, writes the answer of each.
import { IpSession } from '../../helper/src/kernel/ip-session';
import { deleteLinks, ipBatch } from '../../helper/src/kernel/links';
import { driveSteps } from './step-driver';

export type Step =
  | { session: string[]; stopOnError?: boolean }
  | { batch: string[] }
  | { del: string[] };

async function main(steps: Step[]): Promise<unknown[]> {
  const s = new IpSession();
  const out: unknown[] = [];
  for (const st of steps) {
    try {
      if ('session' in st) out.push(await s.run(st.session, { stopOnError: st.stopOnError }));
      else if ('batch' in st) out.push(await ipBatch(undefined, st.batch).then(() => 'ok'));
      else out.push(await deleteLinks(st.del));
    } catch (e) {
      out.push({ error: (e as Error).message });
    }
  }
  s.close();
  return out;
}

driveSteps(main);

// kernel/sandbox-ns.ts and kernel/uts.ts (the namespace files the helper
// creates and removes as root) as a one-shot program, so the test runs them
// inside its own throwaway host (`TestHost.sh` enters its namespaces). Reads
// a JSON list of steps on stdin, writes the answer of each: 'ok' (deleteNetns:
// whether it deleted one; release: what became of the mount) or the error's message.
import { deleteNetns } from '../../helper/src/kernel/netns';
import { createSandboxNs, deleteSandboxNs } from '../../helper/src/kernel/sandbox-ns';
import { deleteUts, prepareUtsDir, releaseUtsDir } from '../../helper/src/kernel/uts';
import { driveSteps } from './step-driver';

export type Step =
  | { prepare: string }
  | { create: { netns: string; uts: { file: string; hostname: string } | null } }
  | { delete: { netns: string; uts: string } }
  | { deleteUts: string }
  | { deleteNetns: string }
  | { release: string };

async function main(steps: Step[]): Promise<string[]> {
  const out: string[] = [];
  for (const st of steps) {
    try {
      if ('prepare' in st) await prepareUtsDir(st.prepare);
      else if ('create' in st) await createSandboxNs(st.create.netns, st.create.uts);
      else if ('delete' in st) await deleteSandboxNs(st.delete.netns, st.delete.uts);
      else if ('release' in st) {
        out.push(await releaseUtsDir(st.release));
        continue;
      } else if ('deleteNetns' in st) {
        out.push(String(await deleteNetns(st.deleteNetns)));
        continue;
      } else await deleteUts(st.deleteUts);
      out.push('ok');
    } catch (e) {
      out.push((e as Error).message);
    }
  }
  return out;
}

driveSteps(main);

import { z } from 'zod';
import type { ExecParams } from '../../../src/shared/container';
import { BerthError, conflict, invalid } from '../../../src/shared/errors';
import { startExec, writeWithRoom, type ExecProcess } from '../kernel/exec-session';
export type { ExecProcess };
export { writeWithRoom };
import { lookupUser } from '../kernel/process';
import { checkCommandLine, containerEnv, isUp } from './containers';
import { findContainer, type Engine } from './engine';
import { modeOf, sandboxOf, utsOf } from './sandbox-lifecycle';

// `berth exec` (docs/exec.md): a command in a running container's network,
// hostname and /etc files, as the container's user, through the same user
// stage as the container's own command. The helper's owner may name only
// themselves with -u; a root owner may name anyone (as with Docker, where the
// daemon's users are root's equals).
export async function execIn(eng: Engine, p: z.output<typeof ExecParams>): Promise<ExecProcess> {
  const c = findContainer(eng.state, p.name);
  if (!isUp(c)) throw conflict(`container ${c.id} is not running`);
  let user = { uid: c.uid, gid: c.gid, home: '/', known: false };
  if (p.user !== undefined) {
    const u = await lookupUser(p.user);
    if (!u) throw invalid(`unable to find user ${p.user}: no matching entries in passwd file`);
    if (eng.opts.ownerUid !== 0 && (u.uid !== eng.opts.ownerUid || (u.groupGiven && u.gid !== c.gid)))
      throw invalid(`exec as ${p.user} refused: the helper's owner (uid ${eng.opts.ownerUid}) can run commands only as themselves`);
    user = u;
  } else {
    const u = await lookupUser(String(c.uid));
    if (u) user = { ...u, gid: c.gid };
  }
  const env = containerEnv(c, user.home, [...c.env, ...p.env]);
  if (p.tty && env.TERM === undefined) env.TERM = 'xterm'; // as docker exec -t
  const workdir = p.workdir ?? c.workdir;
  await checkCommandLine(eng.kernel, p.cmd, env.PATH, workdir, { uid: user.uid, gid: user.gid, known: user.known });
  const s = eng.state;
  const m = modeOf(c);
  const etcOwner = m.kind === 'container' ? m.donorId : c.id;
  const etc = m.kind === 'host' ? null : { resolvConf: `${eng.opts.etcDir}/${etcOwner}/resolv.conf`, hosts: `${eng.opts.etcDir}/${etcOwner}/hosts` };
  try {
    return await startExec({
      netnsPath: m.kind === 'host' ? null : (sandboxOf(s, c)?.path ?? null),
      utsPath: utsOf(eng, s, c),
      etc,
      argv: p.cmd,
      uid: user.uid,
      gid: user.gid,
      knownUser: user.known,
      env,
      cwd: workdir,
      tty: p.tty,
      interactive: p.interactive,
      cols: p.cols,
      rows: p.rows,
    });
  } catch (e) {
    throw new BerthError('invalid_argument', `cannot exec in ${c.name}: ${(e as Error).message}`, { exitCode: 126 });
  }
}

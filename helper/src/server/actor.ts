import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor, ClientKind } from '../../../src/shared/activity';
import type { MethodName } from '../../../src/shared/methods';

// Who a request's work is done for, carried through every await of its
// handler, so an engine event emitted deep inside knows its actor without
// each operation passing it along.
export interface Doer {
  actor: Actor;
  client?: ClientKind;
}
const current = new AsyncLocalStorage<Doer>();

export function doerOf(method: MethodName, client: ClientKind): Doer {
  return method.startsWith('cleanup.') ? { actor: 'cleanup', client } : { actor: client, client };
}
export const runAs = <T>(d: Doer, fn: () => Promise<T>): Promise<T> => current.run(d, fn);
// outside any request: the helper's own doing (drift repair says so by its event)
export const currentDoer = (): Doer | undefined => current.getStore();
// A callback that a request merely set up (a child's exit watcher) runs
// later on its own account: without this it would inherit the request's
// context and a container exiting an hour later would be "done by" whoever ran it.
export const onOwnAccount = <T>(fn: () => T): T => current.exit(fn);

import { notFound } from '../../../src/shared/errors';
import type { Planned } from './planned';

// Berth-owned findings by default; foreign ones only by flag or by id.
// Every unknown id is refused before anything is done.
export function selectFindings(planned: Planned[], opts: { ids?: string[]; includeForeign?: boolean }): Planned[] {
  if (opts.ids && opts.ids.length > 0) {
    const byId = new Map(planned.map((p) => [p.id, p]));
    const unknown = opts.ids.filter((id) => !byId.has(id));
    if (unknown.length)
      throw notFound(`no such finding: ${unknown.join(', ')} (the host may have changed: run berth cleanup again)`);
    return [...new Set(opts.ids)].map((id) => byId.get(id) as Planned);
  }
  return planned.filter((p) => p.risk === 'safe' || opts.includeForeign);
}

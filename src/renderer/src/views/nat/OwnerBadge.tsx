import type { Owner } from '../../../../shared/inspect';
import type { Tone } from '../../components/Badge';

const TONES: Partial<Record<Owner, Tone>> = { berth: 'info', unknown: 'warn', system: 'neutral' };

// Who a rule, link or finding belongs to; the evidence is the tooltip. One
// element with its text (the owner's dot is drawn by CSS, .owner-badge): the
// NAT table sets one per row on every scroll step, the tooltip only on the
// row under the pointer and the current one (`titled`; docs/architecture.md,
// large readings).
export function OwnerBadge({ owner, evidence, titled = true }: { owner: Owner; evidence?: string; titled?: boolean }) {
  return (
    <span className={`badge badge-${TONES[owner] ?? 'neutral'} owner-badge owner-${owner}`} title={!titled ? undefined : evidence ? `${owner}: ${evidence}` : owner}>
      {owner}
    </span>
  );
}

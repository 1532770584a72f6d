import type { Owner } from '../../../../shared/inspect';
import { Badge, type Tone } from '../../components/Badge';

const TONES: Partial<Record<Owner, Tone>> = { berth: 'info', unknown: 'warn', system: 'neutral' };

// Who a rule, link or finding belongs to; the evidence is the tooltip.
export function OwnerBadge({ owner, evidence }: { owner: Owner; evidence?: string }) {
  return (
    <Badge tone={TONES[owner] ?? 'neutral'} title={evidence ? `${owner}: ${evidence}` : owner}>
      <span className={`owner-dot owner-${owner}`} aria-hidden="true" />
      {owner}
    </Badge>
  );
}

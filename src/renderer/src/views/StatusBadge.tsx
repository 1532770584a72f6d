import type { Container } from '../../../shared/container';
import { Badge, type Tone } from '../components/Badge';

const TONES: Record<Container['State']['Status'], Tone> = { running: 'ok', created: 'neutral', exited: 'neutral', degraded: 'warn', removing: 'warn' };

export function StatusBadge({ container }: { container: Container }) {
  const s = container.State;
  const text = s.Status === 'exited' ? `exited (${s.ExitCode})` : s.Status;
  return <Badge tone={TONES[s.Status]} title={s.Error || undefined}>{text}</Badge>;
}

import type { BerthError } from '../../../shared/errors';
import { Icon } from './Icon';

// The helper's own message, shown where the action happened.
export function ErrorMessage({ error, title }: { error: BerthError | Error | null | undefined; title?: string }) {
  if (!error) return null;
  const kind = (error as BerthError).kind;
  return (
    <div className="callout callout-error" role="alert">
      <Icon name="error" />
      <div>
        {title && <strong>{title}: </strong>}
        <span>{error.message}</span>
        {kind && kind !== 'internal' && <span className="callout-kind">{kind.replace('_', ' ')}</span>}
      </div>
    </div>
  );
}

import type { ReactNode } from 'react';
import type { BerthError } from '../../../shared/errors';
import { Icon } from './Icon';

// The helper's own message, shown where the action happened; `action` is a
// button beside it (Retry for a first read that failed: RefreshError.tsx).
export function ErrorMessage({ error, title, action }: { error: BerthError | Error | null | undefined; title?: string; action?: ReactNode }) {
  if (!error) return null;
  const kind = (error as BerthError).kind;
  return (
    <div className="callout callout-error" role="alert">
      <Icon name="error" />
      <div className={action ? 'grow' : undefined}>
        {title && <strong>{title}: </strong>}
        <span>{error.message}</span>
        {kind && kind !== 'internal' && <span className="callout-kind">{kind.replace('_', ' ')}</span>}
      </div>
      {action}
    </div>
  );
}

import type { BerthError } from '../../../shared/errors';
import { Icon } from './Icon';

// A list that was read once stays on screen when a later refresh of it fails
// (React Query keeps `data` then): the view shows this note above it instead
// of replacing it with an error, so nothing the user is looking at or typing
// goes away because a background read failed once (docs/decisions.md,
// "A failed refresh keeps the last list"). The next refresh that works
// clears it.
export function RefreshError({ error, what }: { error: BerthError | Error | null | undefined; what: string }) {
  if (!error) return null;
  return (
    <div className="callout callout-warn refresh-error" role="status">
      <Icon name="warning" />
      <div>
        <strong>Could not refresh {what}: </strong>
        <span>{error.message}</span>
        <span className="muted"> — showing what was read before.</span>
      </div>
    </div>
  );
}

// What a view shows for one query: an error only while there is nothing to
// show (the first read failed); once data exists it stays, with the note.
export const failedWithoutData = (q: { error: unknown; data: unknown }) => !!q.error && q.data === undefined;

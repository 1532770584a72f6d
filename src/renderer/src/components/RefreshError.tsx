import type { BerthError } from '../../../shared/errors';
import { ErrorMessage } from './ErrorMessage';
import { Icon } from './Icon';

// What a view's note needs from a query (a React Query result fits; the Doctor
// panel and the views that read two lists make one of these).
export interface KeptQuery {
  data: unknown;
  error: BerthError | Error | null | undefined;
  // when the data shown was read (ms since the epoch; 0 = never)
  dataUpdatedAt: number;
  isFetching: boolean;
  refetch: () => unknown;
}

// A list that was read once stays on screen when a later refresh of it fails
// (React Query keeps `data` then): the view shows this note above it instead
// of replacing it with an error, so nothing the user is looking at or typing
// goes away because a background read failed once (docs/decisions.md,
// "A failed refresh keeps the last list"). It says what failed, since when
// the data is old, and offers Retry; the next refresh that works clears it.
export function RefreshError({ query, what }: { query: KeptQuery | undefined; what: string }) {
  if (!query?.error || query.data === undefined) return null;
  const at = query.dataUpdatedAt ? new Date(query.dataUpdatedAt) : null;
  return (
    <div className="callout callout-warn refresh-error" role="status">
      <Icon name="warning" />
      <div className="grow">
        <strong>Could not refresh {what}: </strong>
        <span>{query.error.message}</span>
        <span className="muted">
          {' — showing what was read '}
          {at ? <>at <time dateTime={at.toISOString()} title={at.toLocaleString()}>{at.toLocaleTimeString()}</time></> : 'before'}.
        </span>
      </div>
      <RetryButton query={query} what={what} />
    </div>
  );
}

// Retry for both notes: the failed refresh above and the first read's error.
export function RetryButton({ query, what }: { query: KeptQuery; what: string }) {
  return (
    <button type="button" className="button button-small" onClick={() => void query.refetch()} disabled={query.isFetching} aria-label={`Retry reading ${what}`}>
      {query.isFetching ? 'Retrying…' : 'Retry'}
    </button>
  );
}

// What a view shows for one query: an error only while there is nothing to
// show (the first read failed); once data exists it stays, with the note.
export const failedWithoutData = (q: { error: unknown; data: unknown }) => !!q.error && q.data === undefined;

// Several queries read as one (a view built from two lists): the oldest data,
// the first error, and Retry asks again only those that failed.
export function keptTogether(qs: KeptQuery[]): KeptQuery {
  const failed = qs.filter((q) => q.error);
  return {
    data: qs.every((q) => q.data !== undefined) ? true : undefined,
    error: failed[0]?.error ?? null,
    dataUpdatedAt: Math.min(...qs.map((q) => q.dataUpdatedAt)),
    isFetching: qs.some((q) => q.isFetching),
    refetch: () => Promise.all(failed.map((q) => q.refetch())),
  };
}

// A first read that failed (nothing to keep): the error, with Retry.
export function LoadError({ query, title, what }: { query: KeptQuery; title: string; what: string }) {
  return <ErrorMessage error={query.error} title={title} action={<RetryButton query={query} what={what} />} />;
}

import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { runEach, type BulkOutcome } from '../lib/bulk';
import { ConfirmDialog } from './ConfirmDialog';

// The bar over a list while rows are ticked: how many, what can be done to
// all of them, and a way to clear the selection.
export function BulkBar({ count, noun, hidden, onClear, children }: { count: number; noun: string; hidden?: number; onClear: () => void; children: ReactNode }) {
  if (!count) return null;
  return (
    <div className="bulk-bar" role="region" aria-label="Selected rows">
      <strong role="status" aria-live="polite">{count} {noun}{count === 1 ? '' : 's'} selected{hidden ? ` (${hidden} hidden by the search)` : ''}</strong>
      <div className="bulk-actions">{children}</div>
      <button type="button" className="button button-ghost" onClick={onClear}>Clear selection</button>
    </div>
  );
}

// "Do X to these N?" listing every name; runs one call per name with a
// count, keeps the dialog open on failures so each error is read next to
// its name, and hands what succeeded to onDone (for an undo toast).
export function BulkConfirm({
  title,
  confirmLabel,
  names,
  danger = true,
  children,
  run,
  onDone,
  onClose,
}: {
  title: string;
  confirmLabel: string;
  names: string[];
  danger?: boolean;
  children?: ReactNode;
  run: (name: string) => Promise<unknown>;
  onDone: (r: BulkOutcome) => void;
  onClose: () => void;
}) {
  const [step, setStep] = useState<number | null>(null);
  const [failed, setFailed] = useState<BulkOutcome['failed']>([]);
  // after failures the button retries those only; what went does not go twice
  const todo = failed.length ? failed.map((f) => f.name) : names;
  const qc = useQueryClient();
  const go = async () => {
    setFailed([]);
    setStep(0);
    const r = await runEach(todo, run, setStep);
    setStep(null);
    // the helper's events refresh the lists too; this does not wait for them
    void qc.invalidateQueries();
    onDone(r);
    if (r.failed.length) setFailed(r.failed);
    else onClose();
  };
  return (
    <ConfirmDialog
      title={title}
      confirmLabel={failed.length ? `Retry ${failed.length}` : confirmLabel}
      danger={danger}
      busyLabel={`${step ?? 0} of ${todo.length}…`}
      pending={step !== null}
      onClose={() => step === null && onClose()}
      onConfirm={() => void go()}
    >
      {children}
      <ul className="goes-list bulk-names" aria-label="Selected">
        {names.map((n) => <li key={n}><strong>{n}</strong></li>)}
      </ul>
      {failed.length > 0 && (
        <div className="callout callout-error bulk-failed" role="alert">
          {failed.length} of {names.length} failed:
          <ul className="failed-list">{failed.map((f) => <li key={f.name}><strong>{f.name}</strong>: {f.error}</li>)}</ul>
        </div>
      )}
    </ConfirmDialog>
  );
}

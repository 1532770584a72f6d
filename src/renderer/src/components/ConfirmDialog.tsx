import type { ReactNode } from 'react';
import type { BerthError } from '../../../shared/errors';
import { Dialog } from './Dialog';
import { ErrorMessage } from './ErrorMessage';
import { Spinner } from './Spinner';

// "Are you sure" with the list of what goes, and the helper's error if it refuses.
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busyLabel,
  danger = true,
  pending,
  error,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busyLabel?: string;
  danger?: boolean;
  pending?: boolean;
  error?: BerthError | Error | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={danger ? 'button button-danger' : 'button button-primary'}
            disabled={pending}
            onClick={onConfirm}
            data-autofocus
          >
            {pending ? <Spinner label={busyLabel ?? 'Working…'} /> : confirmLabel}
          </button>
        </>
      }
    >
      <div className="confirm-body">{children}</div>
      {error && <ErrorMessage error={error} />}
    </Dialog>
  );
}

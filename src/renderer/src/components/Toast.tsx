import { useEffect, useRef, type ReactNode } from 'react';
import { Icon } from './Icon';

export interface ToastMessage {
  id: number;
  text: ReactNode;
  tone?: 'ok' | 'error';
  action?: { label: string; run: () => void };
}

const LIFETIME_MS = 10_000;

// Short-lived notices at the bottom right, read out politely; one may carry
// an action ("Undo"). A notice stays while the pointer or focus is on it.
export function Toasts({ toasts, onDismiss }: { toasts: ToastMessage[]; onDismiss: (id: number) => void }) {
  return (
    <div className="toasts" role="region" aria-label="Notifications">
      <ul aria-live="polite" aria-relevant="additions text">
        {toasts.map((t) => <Toast key={t.id} toast={t} onDismiss={() => onDismiss(t.id)} />)}
      </ul>
    </div>
  );
}

function Toast({ toast, onDismiss }: { toast: ToastMessage; onDismiss: () => void }) {
  const hold = useRef(false);
  const dismiss = useRef(onDismiss);
  dismiss.current = onDismiss;
  useEffect(() => {
    let left = LIFETIME_MS;
    const t = setInterval(() => {
      if (hold.current) return;
      left -= 500;
      if (left <= 0) dismiss.current();
    }, 500);
    return () => clearInterval(t);
  }, []);
  return (
    <li
      className={`toast toast-${toast.tone ?? 'ok'}`}
      onMouseEnter={() => (hold.current = true)}
      onMouseLeave={() => (hold.current = false)}
      onFocus={() => (hold.current = true)}
      onBlur={() => (hold.current = false)}
    >
      <Icon name={toast.tone === 'error' ? 'error' : 'check'} />
      <span className="toast-text">{toast.text}</span>
      {toast.action && (
        <button type="button" className="button button-small" onClick={() => { toast.action!.run(); onDismiss(); }}>
          {toast.action.label}
        </button>
      )}
      <button type="button" className="icon-button" aria-label="Dismiss notification" onClick={onDismiss}><Icon name="close" size={14} /></button>
    </li>
  );
}

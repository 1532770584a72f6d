import { useId, type ReactNode } from 'react';

// A labelled input with a hint and an error, wired with aria-describedby.
export function Field({
  label,
  hint,
  error,
  warning,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  warning?: string | null;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const msgId = `${id}-msg`;
  const msg = error ?? warning ?? null;
  return (
    <div className={error ? 'field field-error' : warning ? 'field field-warning' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': msg || hint ? msgId : undefined, 'aria-invalid': error ? true : undefined })}
      {msg ? (
        <div id={msgId} className={error ? 'field-msg field-msg-error' : 'field-msg field-msg-warning'} role={error ? 'alert' : 'status'}>
          {msg}
        </div>
      ) : hint ? (
        <div id={msgId} className="field-hint">
          {hint}
        </div>
      ) : null}
    </div>
  );
}

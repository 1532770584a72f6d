import { useId } from 'react';

export function Toggle({
  label,
  checked,
  onChange,
  hint,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  hint?: string;
}) {
  const id = useId();
  return (
    <div className="toggle-row">
      <input id={id} type="checkbox" role="switch" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint ? `${id}-h` : undefined} />
      <label htmlFor={id}>
        <span className="toggle-label">{label}</span>
        {hint && (
          <span id={`${id}-h`} className="field-hint">
            {hint}
          </span>
        )}
      </label>
    </div>
  );
}

import { useRef, type ReactNode } from 'react';
import { useSlashFocus } from '../lib/useSlashFocus';
import { Icon } from './Icon';

// The search box above a list: "/" focuses it, Escape in it clears it (the
// browser's own behaviour for type=search), and it says how many rows match.
export function ListSearch({
  label,
  placeholder,
  value,
  onChange,
  shown,
  total,
  noun,
  children,
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (v: string) => void;
  shown: number;
  total: number;
  noun: string;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLInputElement>(null);
  useSlashFocus(ref);
  return (
    <div className="toolbar" role="search" aria-label={label}>
      <input
        ref={ref}
        type="search"
        className="toolbar-search"
        aria-label={label}
        aria-keyshortcuts="/"
        placeholder={placeholder}
        title="Search (press / to come here)"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        spellCheck={false}
      />
      <kbd className="toolbar-kbd" aria-hidden="true" title="press / to search">/</kbd>
      {children}
      <span className="toolbar-count muted" role="status" aria-live="polite">
        {value.trim() ? `${shown} of ${total} ${noun}` : `${total} ${noun}`}
      </span>
    </div>
  );
}

// What a list shows when the search hides every row.
export function NoMatch({ query, what, onClear }: { query: string; what: string; onClear: () => void }) {
  return (
    <div className="empty-state empty-state-compact" role="status">
      <Icon name="search" size={28} />
      <h3>No {what} match “{query.trim()}”</h3>
      <button type="button" className="button" onClick={onClear}>Clear search</button>
    </div>
  );
}

import { useEffect, useRef } from 'react';

// Escape closes a side panel (logs, details), unless a dialog is open: the
// dialog takes its own Escape first, and one key press closes one thing.
export function useEscape(onEscape: () => void): void {
  const cb = useRef(onEscape);
  cb.current = onEscape;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      if (document.querySelector('[role="dialog"], [role="alertdialog"]')) return;
      const t = e.target as HTMLElement | null;
      // Escape in a search box clears it (the browser's own behaviour), not the panel
      if (t && t.tagName === 'INPUT' && (t as HTMLInputElement).type === 'search' && (t as HTMLInputElement).value) return;
      cb.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

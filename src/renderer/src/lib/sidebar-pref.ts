// The sidebar starts collapsed in a narrow window (below 1200 px the views
// need the room) unless the user chose otherwise; the choice is kept.
const KEY = 'berth.sidebarCollapsed';
export const NARROW_PX = 1200;

export function initialCollapsed(): boolean {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'true' || saved === 'false') return saved === 'true';
  } catch {
    // no storage (tests, locked-down profile): fall back to the window size
  }
  return typeof window !== 'undefined' && window.innerWidth < NARROW_PX;
}

export function rememberCollapsed(collapsed: boolean): boolean {
  try {
    localStorage.setItem(KEY, String(collapsed));
  } catch {
    // not kept: the next start goes by the window size again
  }
  return collapsed;
}

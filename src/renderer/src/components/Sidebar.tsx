import { useRef } from 'react';
import { Icon, type IconName } from './Icon';

export type ViewId = 'topology' | 'networks' | 'containers' | 'ports' | 'nat' | 'cleanup' | 'activity';
export const VIEWS: { id: ViewId; label: string; icon: IconName }[] = [
  { id: 'topology', label: 'Topology', icon: 'topology' },
  { id: 'networks', label: 'Networks', icon: 'networks' },
  { id: 'containers', label: 'Containers', icon: 'containers' },
  { id: 'ports', label: 'Ports', icon: 'ports' },
  { id: 'nat', label: 'Firewall rules', icon: 'nat' },
  { id: 'cleanup', label: 'Cleanup', icon: 'cleanup' },
  { id: 'activity', label: 'Activity', icon: 'activity' },
];

// Arrow keys, Home and End move between views; one tab stop for the list.
// Collapsed, it shows only the icons (the labels stay for screen readers and as tooltips).
// `onIntent`: the pointer is on a view's item or focus reached it, a moment before a
// click may open it (the app starts that view's first call then).
export function Sidebar({ current, onSelect, onIntent, badges, collapsed = false, onToggle }: { current: ViewId; onSelect: (v: ViewId) => void; onIntent?: (v: ViewId) => void; badges?: Partial<Record<ViewId, number>>; collapsed?: boolean; onToggle?: () => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const move = (to: number) => {
    const i = (to + VIEWS.length) % VIEWS.length;
    onSelect(VIEWS[i].id);
    refs.current[i]?.focus();
  };
  const onKeyDown = (e: React.KeyboardEvent, i: number) => {
    const keys: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: VIEWS.length - 1 };
    if (e.key in keys) {
      e.preventDefault();
      move(keys[e.key]);
    }
  };
  return (
    <nav className="sidebar" aria-label="Views">
      <div className="brand">
        <Icon name="anchor" size={18} />
        <span>Berth</span>
      </div>
      <ul role="list">
        {VIEWS.map((v, i) => (
          <li key={v.id}>
            <button
              ref={(el) => {
                refs.current[i] = el;
              }}
              type="button"
              className={v.id === current ? 'nav-item active' : 'nav-item'}
              aria-current={v.id === current ? 'page' : undefined}
              tabIndex={v.id === current ? 0 : -1}
              title={collapsed ? v.label : undefined}
              onClick={() => onSelect(v.id)}
              onPointerEnter={() => onIntent?.(v.id)}
              onFocus={() => onIntent?.(v.id)}
              onKeyDown={(e) => onKeyDown(e, i)}
            >
              <Icon name={v.icon} />
              <span className="nav-label">{v.label}</span>
              {badges?.[v.id] ? <span className="nav-count" aria-label={`${badges[v.id]} items`}>{badges[v.id]}</span> : null}
            </button>
          </li>
        ))}
      </ul>
      {onToggle && (
        <button type="button" className="nav-item sidebar-toggle" aria-expanded={!collapsed} aria-label={collapsed ? 'Expand sidebar' : 'Collapse sidebar'} title={collapsed ? 'Expand sidebar' : 'Collapse sidebar'} onClick={onToggle}>
          <Icon name={collapsed ? 'chevronRight' : 'chevronLeft'} />
          <span className="nav-label">Collapse</span>
        </button>
      )}
    </nav>
  );
}

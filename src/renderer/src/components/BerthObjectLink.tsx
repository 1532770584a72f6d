import type { BerthObject } from '../lib/berth-names';
import type { OpenView } from '../lib/navigation';

// A Berth tag shown as the object it names, a link to it where the view can open one.
export function BerthObjectLink({ object, onOpen, className }: { object: BerthObject; onOpen?: OpenView; className?: string }) {
  const title = object.kind === 'network' ? `network ${object.name}` : `container ${object.name} on ${object.network}`;
  const go = () => onOpen?.(object.kind === 'network' ? 'networks' : 'containers', object.kind === 'network' ? { network: object.id } : { container: object.id });
  const cls = `owner-name ${className ?? ''}`.trim();
  if (!onOpen) return <span className={cls} title={title}>{object.name}</span>;
  return (
    <button type="button" className={`link-button ${cls}`} title={`Open ${title}`} aria-label={`Open ${title}`} onClick={(e) => { e.stopPropagation(); go(); }}>
      {object.name}
    </button>
  );
}

import type { ForeignSandbox } from '../../../shared/container';
import type { SandboxRef } from '../../../shared/network';
import { Badge } from '../components/Badge';
import { Icon } from '../components/Icon';
import { useVirtualRows, type ScrollRequest } from '../lib/useVirtualRows';

export const foreignKey = (s: ForeignSandbox) => `${s.source}:${s.id}`;

export function foreignRef(s: ForeignSandbox): SandboxRef | null {
  if (s.source === 'netns') return { netns: s.name };
  if (s.pid) return { pid: s.pid };
  return null;
}

export function ForeignTable({
  sandboxes,
  onConnect,
  onDisconnect,
  selected,
  onSelect,
  scrollTo,
}: {
  sandboxes: ForeignSandbox[];
  onConnect: (s: ForeignSandbox, ref: SandboxRef) => void;
  onDisconnect: (s: ForeignSandbox, ref: SandboxRef) => void;
  selected: string | null;
  onSelect: (key: string) => void;
  scrollTo?: ScrollRequest | null;
}) {
  const v = useVirtualRows({
    count: sandboxes.length,
    getKey: (i) => (sandboxes[i] ? foreignKey(sandboxes[i]) : String(i)),
    estimate: 38,
    selectedIndex: sandboxes.findIndex((s) => foreignKey(s) === selected),
    onActivate: (i) => onSelect(foreignKey(sandboxes[i])),
    onMove: (i) => onSelect(foreignKey(sandboxes[i])),
    scrollTo,
  });
  return (
    <div className="vtable-scroll vtable-fit vtable-cap" ref={v.scrollRef} data-testid="foreign-scroll">
      <table className="table vtable vtable-auto" aria-label="Foreign sandboxes" aria-rowcount={sandboxes.length + 1}>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Source</th>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">PID</th>
            <th scope="col">Addresses</th>
            <th scope="col">Berth networks</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {v.padTop > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={7} style={{ height: v.padTop }} /></tr>}
          {v.items.map((it) => {
            const s = sandboxes[it.index];
            const ref = foreignRef(s);
            const on = foreignKey(s) === selected;
            return (
              <tr key={it.key} {...v.rowProps(it.index)} className={on ? 'selected' : undefined} aria-selected={on} data-name={s.name}>
                <td><Badge tone="info">{s.source}</Badge></td>
                <td>{s.name}</td>
                <td>{s.status}</td>
                <td className="num mono">{s.pid ?? '—'}</td>
                <td className="mono small">{s.addresses.join(', ') || '—'}</td>
                <td>{s.attachedNetworks.join(', ') || <span className="muted">none</span>}</td>
                <td className="row-actions">
                  {ref && (
                    <div className="actions">
                      <button type="button" className="icon-button" aria-label={`Connect ${s.name} to a network`} title="Connect to network" onClick={() => onConnect(s, ref)}><Icon name="link" /></button>
                      <button type="button" className="icon-button" aria-label={`Disconnect ${s.name} from a network`} title="Disconnect" disabled={!s.attachedNetworks.length} onClick={() => onDisconnect(s, ref)}><Icon name="unlink" /></button>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
          {v.padBottom > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={7} style={{ height: v.padBottom }} /></tr>}
        </tbody>
      </table>
    </div>
  );
}

import type { ForeignSandbox } from '../../../shared/container';
import type { SandboxRef } from '../../../shared/network';
import { Badge } from '../components/Badge';
import { Icon } from '../components/Icon';

export function foreignRef(s: ForeignSandbox): SandboxRef | null {
  if (s.source === 'netns') return { netns: s.name };
  if (s.pid) return { pid: s.pid };
  return null;
}

export function ForeignTable({
  sandboxes,
  onConnect,
  onDisconnect,
}: {
  sandboxes: ForeignSandbox[];
  onConnect: (s: ForeignSandbox, ref: SandboxRef) => void;
  onDisconnect: (s: ForeignSandbox, ref: SandboxRef) => void;
}) {
  return (
    <table className="table" aria-label="Foreign sandboxes">
      <thead>
        <tr>
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
        {sandboxes.map((s) => {
          const ref = foreignRef(s);
          return (
            <tr key={`${s.source}:${s.id}`}>
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
      </tbody>
    </table>
  );
}

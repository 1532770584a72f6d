import type { Container } from '../../../shared/container';
import { joinArgv } from '../lib/argv';
import { containerName, containerNetworks, containerPorts } from '../lib/format';
import { ContainerActions } from './ContainerActions';
import { StatusBadge } from './StatusBadge';

export function ContainerTable({
  containers,
  onConnect,
  onDisconnect,
  onRemove,
  onLogs,
  logsOf,
}: {
  containers: Container[];
  onConnect: (c: Container) => void;
  onDisconnect: (c: Container) => void;
  onRemove: (c: Container) => void;
  onLogs: (c: Container) => void;
  logsOf: string | null;
}) {
  return (
    <table className="table" aria-label="Berth containers">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Networks</th>
          <th scope="col">Ports</th>
          <th scope="col">Command</th>
          <th scope="col"><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {containers.map((c) => {
          const name = containerName(c);
          const nets = containerNetworks(c);
          const ports = containerPorts(c);
          return (
            <tr key={c.Id} className={logsOf === name ? 'selected' : undefined} data-name={name}>
              <td>
                <div className="cell-title">{name}</div>
                <div className="muted mono small">{c.Id.slice(0, 12)}</div>
              </td>
              <td><StatusBadge container={c} /></td>
              <td>
                {nets.length === 0 ? <span className="muted">none</span> : (
                  <ul className="chips" aria-label={`Networks of ${name}`}>
                    {nets.map((n) => (
                      <li key={n.network} className="chip"><span>{n.network}</span>{n.ip && <span className="mono muted">{n.ip}</span>}</li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="mono small">{ports.length ? ports.join(', ') : <span className="muted">—</span>}</td>
              <td className="mono small truncate" title={joinArgv([c.Path, ...c.Args])}>{joinArgv([c.Path, ...c.Args])}</td>
              <td className="row-actions">
                <ContainerActions container={c} onConnect={onConnect} onDisconnect={onDisconnect} onRemove={onRemove} onLogs={onLogs} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

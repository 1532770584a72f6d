import type { Container } from '../../../shared/container';
import { joinArgv } from '../lib/argv';
import { OpenPortButton } from '../components/OpenPortButton';
import { containerName, containerNetworks, containerPortLines } from '../lib/format';
import { useVirtualRows, type ScrollRequest } from '../lib/useVirtualRows';
import { ContainerActions } from './ContainerActions';
import { StatusBadge } from './StatusBadge';

export function ContainerTable({
  containers,
  onConnect,
  onDisconnect,
  onRemove,
  onLogs,
  onTerminal,
  logsOf,
  scrollTo,
  checked,
  onCheck,
}: {
  containers: Container[];
  onConnect: (c: Container) => void;
  onDisconnect: (c: Container) => void;
  onRemove: (c: Container) => void;
  onLogs: (c: Container) => void;
  onTerminal?: (c: Container) => void;
  logsOf: string | null;
  scrollTo?: ScrollRequest | null;
  checked: ReadonlySet<string>; // ids ticked for a bulk action
  onCheck: (ids: string[], on: boolean) => void;
}) {
  const allTicked = containers.length > 0 && containers.every((c) => checked.has(c.Id));
  // the selected container is the one whose logs are open beside the table
  const v = useVirtualRows({
    count: containers.length,
    getKey: (i) => containers[i]?.Id,
    estimate: 52,
    selectedIndex: containers.findIndex((c) => containerName(c) === logsOf),
    onActivate: (i) => onLogs(containers[i]),
    scrollTo,
  });
  return (
    <div className="vtable-scroll vtable-fit vtable-cap" ref={v.scrollRef} data-testid="containers-scroll">
      <table className="table vtable vtable-auto" aria-label="Berth containers" aria-rowcount={containers.length + 1}>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="row-check">
              <input type="checkbox" aria-label="Select every container shown" checked={allTicked} onChange={(e) => onCheck(containers.map((c) => c.Id), e.target.checked)} />
            </th>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Networks</th>
            <th scope="col">Ports</th>
            <th scope="col">Command</th>
            <th scope="col" className="row-actions"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {v.padTop > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={7} style={{ height: v.padTop }} /></tr>}
          {v.items.map((it) => {
            const c = containers[it.index];
            const name = containerName(c);
            const nets = containerNetworks(c);
            const ports = containerPortLines(c);
            return (
              <tr key={it.key} {...v.rowProps(it.index)} className={logsOf === name ? 'selected' : undefined} aria-selected={logsOf === name} data-name={name}>
                <td className="row-check">
                  <input type="checkbox" aria-label={`Select ${name}`} checked={checked.has(c.Id)} onChange={(e) => onCheck([c.Id], e.target.checked)} />
                </td>
                <td>
                  <div className="cell-title">{name}</div>
                  <div className="muted mono small">{c.Id.slice(0, 12)}</div>
                </td>
                <td><StatusBadge container={c} /></td>
                <td>
                  {nets.length === 0 ? <span className="muted">none</span> : (
                    <ul className="chips" aria-label={`Networks of ${name}`}>
                      {nets.map((n) => (
                        <li key={n.network} className="chip"><span>{n.network}</span>{n.ip && <span className="mono muted">{n.ip}</span>}{n.ip6 && <span className="mono muted">{n.ip6}</span>}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="mono small">
                  {ports.length ? (
                    <ul className="port-lines" aria-label={`Ports of ${name}`}>
                      {ports.map((p) => (
                        <li key={p.text}>
                          {p.text}
                          {p.hostPort && c.State.Running && <OpenPortButton hostIp={p.hostIp} hostPort={p.hostPort} proto={p.proto} container={name} />}
                        </li>
                      ))}
                    </ul>
                  ) : <span className="muted">—</span>}
                </td>
                <td className="mono small truncate" title={joinArgv([c.Path, ...c.Args])}>{joinArgv([c.Path, ...c.Args])}</td>
                <td className="row-actions">
                  <ContainerActions container={c} onConnect={onConnect} onDisconnect={onDisconnect} onRemove={onRemove} onLogs={onLogs} onTerminal={onTerminal} />
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

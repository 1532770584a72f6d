import type { ReactNode } from 'react';
import { Icon } from '../../components/Icon';
import { JsonView } from '../../components/JsonView';
import type { ViewId } from '../../components/Sidebar';
import { relativeTime } from '../../lib/format';
import { foreignKey } from '../ForeignTable';
import type { OpenTarget, OpenView } from '../../lib/navigation';
import type { ContainerData, ForeignData, HostData, NetworkData, PortData, TopoData, Topology, TopoNode } from './model';

type Open = OpenView | undefined;

function Panel({ title, sub, label, onClose, actions, children }: { title: string; sub?: ReactNode; label: string; onClose: () => void; actions?: ReactNode; children: ReactNode }) {
  return (
    <aside className="details topo-details" aria-label={label}>
      <header className="details-header">
        <div>
          <h2>{title}</h2>
          {sub && <span className="muted small">{sub}</span>}
        </div>
        <div className="details-actions">
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close details" title="Close (Escape)">
            <Icon name="close" />
          </button>
        </div>
      </header>
      {actions && <div className="topo-detail-actions">{actions}</div>}
      {children}
    </aside>
  );
}

const OpenButton = ({ onOpen, view, label, target }: { onOpen: Open; view: ViewId; label: string; target?: OpenTarget }) =>
  onOpen ? (
    <button type="button" className="button" onClick={() => (target ? onOpen(view, target) : onOpen(view))}>
      <Icon name="link" /> {label}
    </button>
  ) : null;

export function TopologyDetails({ node, topo, onClose, onOpen }: { node: TopoNode; topo: Topology; onClose: () => void; onOpen: Open }) {
  const d = node.data as TopoData;
  switch (d.kind) {
    case 'host':
      return <HostDetails d={d} onClose={onClose} onOpen={onOpen} topo={topo} />;
    case 'network':
      return <NetworkPanel d={d} onClose={onClose} onOpen={onOpen} />;
    case 'container':
    case 'foreign':
      return <SandboxPanel d={d} onClose={onClose} onOpen={onOpen} topo={topo} />;
    case 'port':
      return <PortPanel d={d} onClose={onClose} onOpen={onOpen} />;
  }
}

function HostDetails({ d, onClose, onOpen, topo }: { d: HostData; onClose: () => void; onOpen: Open; topo: Topology }) {
  const s = d.system;
  const h = d.host;
  return (
    <Panel title="Host" sub="root network namespace" label="Details of the host" onClose={onClose} actions={<OpenButton onOpen={onOpen} view="nat" label="Open firewall rules" />}>
      <dl className="props">
        <dt>Kernel</dt><dd className="mono">{s?.kernel ?? '—'}</dd>
        <dt>Firewall</dt><dd>{s?.firewallBackend ?? '—'}</dd>
        <dt>IP forwarding</dt><dd>{s ? (s.ipForward ? 'on' : 'off') : '—'}</dd>
        <dt>Default route</dt><dd className="mono">{d.defaultRoute ?? '—'}</dd>
        <dt>Berth</dt><dd>{topo.counts.networks} bridges · {topo.counts.endpoints} veth pairs · {topo.counts.ports} published ports</dd>
        {h && (<><dt>Kernel objects</dt><dd>{h.links.length} links · {h.netns.length} namespaces · {h.rules.length} firewall rules</dd></>)}
      </dl>
      <h3 className="section-title">Interfaces</h3>
      {d.interfaces.length === 0 ? (
        <p className="muted small">{h ? 'No external interface in this namespace.' : 'The host reading is not available.'}</p>
      ) : (
        <ul className="endpoint-list" aria-label="Host interfaces">
          {d.interfaces.map((i) => (
            <li key={i.name}><span className="mono">{i.name} <span className="muted">({i.kind}, {i.state.toLowerCase()})</span></span><span className="mono muted">{i.addresses.join(' ') || '—'}</span></li>
          ))}
        </ul>
      )}
      <EngineBridges host={h} />
      {h && h.errors.length > 0 && (
        <>
          <h3 className="section-title">Could not read</h3>
          <ul className="small muted">{h.errors.map((e) => <li key={e}>{e}</li>)}</ul>
        </>
      )}
      {s && (<><h3 className="section-title">Helper</h3><JsonView value={s} label="Inspect JSON of the helper" /></>)}
    </Panel>
  );
}

function NetworkPanel({ d, onClose, onOpen }: { d: NetworkData; onClose: () => void; onOpen: Open }) {
  const n = d.network;
  const eps = Object.entries(n.Containers);
  return (
    <Panel title={n.Name} sub={<span className="mono">{n.Id.slice(0, 12)}</span>} label={`Details of network ${n.Name}`} onClose={onClose} actions={<OpenButton onOpen={onOpen} view="networks" label="Open in Networks" target={{ network: n.Id }} />}>
      <dl className="props">
        <dt>Bridge</dt><dd className="mono">{d.bridge}{d.bridgeLink ? ` (${d.bridgeLink.state.toLowerCase()}, mtu ${d.bridgeLink.mtu})` : ''}</dd>
        <dt>Subnet</dt><dd className="mono">{d.subnets.join(', ') || '—'}</dd>
        <dt>Gateway</dt><dd className="mono">{d.gateways.join(', ') || '—'}</dd>
        <dt>Outbound</dt><dd>{d.internal ? 'internal: no route out' : d.masquerade ? 'masqueraded (NAT)' : 'routed without NAT'}</dd>
        <dt>Between containers</dt><dd>{d.icc ? 'allowed (icc)' : 'blocked (no icc)'}</dd>
        <dt>Created</dt><dd>{relativeTime(n.Created) || n.Created}</dd>
      </dl>
      <h3 className="section-title">Attached ({eps.length})</h3>
      {eps.length === 0 ? (
        <p className="muted small">Nothing is attached. Run a container on this network from the Containers view.</p>
      ) : (
        <ul className="endpoint-list" aria-label={`Attached to ${n.Name}`}>
          {eps.map(([id, ep]) => <li key={id}><span>{ep.Name}</span><span className="mono muted">{[ep.IPv4Address, ep.IPv6Address].filter(Boolean).join(' ')}</span></li>)}
        </ul>
      )}
      <h3 className="section-title">Inspect</h3>
      <JsonView value={n} label={`Inspect JSON of network ${n.Name}`} />
    </Panel>
  );
}

function SandboxPanel({ d, onClose, onOpen, topo }: { d: ContainerData | ForeignData; onClose: () => void; onOpen: Open; topo: Topology }) {
  const isForeign = d.kind === 'foreign';
  const openTarget: OpenTarget | undefined = d.kind === 'container' ? { container: d.container.Id } : d.sandbox ? { sandbox: foreignKey(d.sandbox) } : undefined;
  const ports = topo.nodes.filter((n) => (n.data as TopoData).kind === 'port' && (n.data as PortData).container === d.label && !isForeign).map((n) => n.data as PortData);
  return (
    <Panel
      title={d.label}
      sub={isForeign ? `${d.source} sandbox · read-only` : <span className="mono">{d.container.Id.slice(0, 12)}</span>}
      label={`Details of ${isForeign ? 'foreign sandbox' : 'container'} ${d.label}`}
      onClose={onClose}
      actions={<OpenButton onOpen={onOpen} view="containers" label="Open in Containers" target={openTarget} />}
    >
      <dl className="props">
        <dt>Status</dt><dd>{d.status}</dd>
        {d.kind === 'container' ? (
          <>
            <dt>Command</dt><dd className="mono">{[d.container.Path, ...d.container.Args].join(' ')}</dd>
            <dt>PID</dt><dd className="mono">{d.container.State.Pid || '—'}</dd>
            <dt>Namespace</dt><dd className="mono">{d.container.NetworkSettings.SandboxKey || '—'}</dd>
          </>
        ) : (
          <>
            <dt>Source</dt><dd>{d.source}</dd>
            <dt>Namespace</dt><dd className="mono">{d.sandbox?.netnsPath ?? '—'}</dd>
          </>
        )}
      </dl>
      <h3 className="section-title">Endpoints ({d.rows.length})</h3>
      {d.rows.length === 0 ? (
        <p className="muted small">Not on any Berth network.</p>
      ) : (
        <table className="table topo-ep-table" aria-label={`Endpoints of ${d.label}`}>
          <thead><tr><th scope="col">Interface</th><th scope="col">Network</th><th scope="col">Address</th><th scope="col">Host veth</th></tr></thead>
          <tbody>
            {d.rows.map((r) => (
              <tr key={r.network}>
                <td className="mono">{r.ifname}</td>
                <td>{r.network}</td>
                <td className="mono">
                  {r.ip ? `${r.ip}${r.prefixLen ? `/${r.prefixLen}` : ''}` : r.ip6 ? '' : '—'}
                  {r.ip6 && <div>{`${r.ip6}${r.prefixLen6 ? `/${r.prefixLen6}` : ''}`}</div>}
                </td>
                <td className="mono">{r.veth ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {ports.length > 0 && (
        <>
          <h3 className="section-title">Published ports</h3>
          <ul className="endpoint-list" aria-label={`Published ports of ${d.label}`}>
            {ports.map((p) => <li key={`${p.hostPort}/${p.proto}`}><span className="mono">{p.hostIps.join(', ')} :{p.hostPort}</span><span className="mono muted">→ {p.containerPort}/{p.proto}</span></li>)}
          </ul>
        </>
      )}
      <h3 className="section-title">Inspect</h3>
      <JsonView value={d.kind === 'container' ? d.container : d.sandbox ?? d.rows} label={`Inspect JSON of ${d.label}`} />
    </Panel>
  );
}

function PortPanel({ d, onClose, onOpen }: { d: PortData; onClose: () => void; onOpen: Open }) {
  return (
    <Panel title={`Port ${d.hostPort}/${d.proto}`} sub={`published by ${d.container}`} label={`Details of published port ${d.hostPort}/${d.proto}`} onClose={onClose} actions={<OpenButton onOpen={onOpen} view="ports" label="Open in Ports" />}>
      <dl className="props">
        <dt>Host side</dt><dd className="mono">{d.hostIps.map((ip) => `${ip.includes(':') ? `[${ip}]` : ip}:${d.hostPort}`).join(', ')}</dd>
        <dt>Container</dt><dd>{d.container}</dd>
        <dt>Container side</dt><dd className="mono">{d.containerIp ?? '?'}:{d.containerPort}/{d.proto}</dd>
        <dt>How</dt><dd>DNAT on the host, then through the bridge to the container's veth.</dd>
      </dl>
    </Panel>
  );
}

export function GettingStarted({ onOpen }: { onOpen: Open }) {
  return (
    <aside className="details topo-details topo-start" aria-label="Getting started">
      <Icon name="topology" size={36} />
      <h2>Only the default bridge so far</h2>
      <p className="muted">The graph fills in live as networks and containers are made.</p>
      <ol className="topo-steps">
        <li>
          <strong>Create a bridge network</strong> in the Networks view, or:
          <code className="topo-cmd">berth network create --subnet 10.1.0.0/24 front</code>
        </li>
        <li>
          <strong>Run a container on it</strong> from the Containers view, or:
          <code className="topo-cmd">berth run -d --name web --network front -p 8080:80 busybox httpd -f</code>
        </li>
      </ol>
      {onOpen && (
        <div className="topo-detail-actions">
          <button type="button" className="button button-primary" onClick={() => onOpen('networks')}><Icon name="plus" /> Create a network</button>
          <button type="button" className="button" onClick={() => onOpen('containers')}><Icon name="play" /> Run a container</button>
        </div>
      )}
    </aside>
  );
}

// Other engines' bridges, with the network and containers their API names
// (inspect/engine-host-names.ts): what else shares this host's address space.
function EngineBridges({ host }: { host: HostData['host'] }) {
  const bridges = (host?.links ?? []).filter((l) => l.kind === 'bridge' && l.owner !== 'berth' && l.owner !== 'system' && l.owner !== 'unknown');
  if (!host || bridges.length === 0) return null;
  return (
    <>
      <h3 className="section-title">Other engines&apos; bridges</h3>
      <ul className="endpoint-list" aria-label="Other engines' bridges">
        {bridges.map((b) => {
          const on = host.links.filter((l) => l.kind === 'veth' && l.master === b.name).map((l) => l.ownerObject?.name ?? l.name);
          return (
            <li key={b.name} title={b.ownerObject ? `${b.owner} network ${b.ownerObject.name} (named by its API)` : `${b.owner}: ${b.ownerEvidence}`}>
              <span className="mono">{b.name} <span className="muted">({b.owner}{b.ownerObject ? ` network ${b.ownerObject.name}` : ''})</span></span>
              <span className="muted">{on.length ? on.join(', ') : 'no container'}</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}

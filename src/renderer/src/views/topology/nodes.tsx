// The diagram's node and edge renderers. Handle positions come from the
// layout's geometry (G), so edges meet the rows they belong to.
import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, Handle, Position, type EdgeProps, type NodeProps } from '@xyflow/react';
import { Icon } from '../../components/Icon';
import { roundedPath } from './geometry';
import { G, type ContainerData, type ForeignData, type HostData, type LinkData, type NetworkData, type PortData, type TopoEdge, type TopoNode } from './model';

type P<D> = NodeProps<TopoNode> & { data: D };

const Left = ({ id, top }: { id: string; top: number }) => (
  <Handle id={id} type="target" position={Position.Left} isConnectable={false} className="topo-handle" style={{ top }} />
);
const Right = ({ id, top }: { id: string; top: number }) => (
  <Handle id={id} type="source" position={Position.Right} isConnectable={false} className="topo-handle" style={{ top }} />
);

const hostSub = (d: HostData) =>
  `${d.kernel ? (/^linux/i.test(d.kernel) ? d.kernel : `Linux ${d.kernel}`) : 'root network namespace'}${d.firewall ? ` · ${d.firewall}` : ''}`;

export const HostNode = memo(function HostNode({ data, selected }: P<HostData>) {
  return (
    <div className={`topo-node topo-host${selected ? ' is-selected' : ''}`}>
      <header className="topo-head">
        <span className="topo-icon topo-icon-host"><Icon name="server" /></span>
        <div className="topo-title">
          <strong>Host</strong>
          <span className="topo-sub" title={hostSub(data)}>{hostSub(data)}</span>
        </div>
      </header>
      <ul className="topo-rows" aria-label="Host interfaces">
        {data.interfaces.length === 0 && (
          <li className="topo-row muted" title={data.hostError ?? undefined}>
            {data.host ? 'no external interface' : data.hostError ? 'interfaces: could not be read' : 'interfaces: reading…'}
          </li>
        )}
        {data.interfaces.map((i) => (
          <li key={i.name} className="topo-row">
            <span className={`topo-dot ${i.state === 'UP' || i.state === 'UNKNOWN' ? 'dot-up' : 'dot-down'}`} aria-hidden="true" />
            <span className="mono topo-ifname">{i.name}</span>
            <span className="mono muted topo-ellipsis">{i.addresses[0] ?? i.state.toLowerCase()}</span>
          </li>
        ))}
        {data.defaultRoute && <li className="topo-row topo-route mono muted">{data.defaultRoute}</li>}
      </ul>
      <Right id="out" top={G.hostHead / 2} />
    </div>
  );
});

export const NetworkNode = memo(function NetworkNode({ data, selected }: P<NetworkData>) {
  return (
    <div className={`topo-node topo-network${data.internal ? ' is-internal' : ''}${selected ? ' is-selected' : ''}`}>
      <Left id="in" top={G.netH / 2} />
      <header className="topo-head">
        <span className="topo-icon topo-icon-net"><Icon name="networks" /></span>
        <div className="topo-title">
          <strong className="topo-ellipsis" title={data.label}>{data.label}</strong>
          <span className="topo-sub mono">{data.bridge}{data.bridgeLink ? ` · ${data.bridgeLink.state.toLowerCase()}` : ''}</span>
        </div>
        <span className="topo-count" title="Endpoints">{data.endpoints}</span>
      </header>
      <dl className="topo-facts">
        <dt>subnet</dt><dd className="mono" title={data.subnets.join('\n')}>{data.subnet || '—'}{data.subnets.length > 1 ? ` +${data.subnets.length - 1}` : ''}</dd>
        <dt>gateway</dt><dd className="mono">{data.gateway || '—'}</dd>
      </dl>
      <div className="topo-flags">
        {data.internal ? <span className="badge badge-warn">internal</span> : data.masquerade ? <span className="badge badge-info">masquerade</span> : <span className="badge">no NAT</span>}
        <span className={data.icc ? 'badge' : 'badge badge-warn'}>{data.icc ? 'icc' : 'no icc'}</span>
        {data.isDefault && <span className="badge">default</span>}
      </div>
      <Right id="out" top={G.netH / 2} />
    </div>
  );
});

function SandboxNode({ data, selected }: P<ContainerData | ForeignData>) {
  const foreign = data.kind === 'foreign';
  const running = foreign ? true : data.running;
  return (
    <div className={`topo-node topo-ctr${foreign ? ' is-foreign' : ''}${running ? '' : ' is-stopped'}${selected ? ' is-selected' : ''}`}>
      <Left id="pub" top={G.ctrHead / 2 - 12} />
      <header className="topo-head">
        <span className={`topo-icon ${foreign ? 'topo-icon-foreign' : 'topo-icon-ctr'}`}><Icon name="containers" /></span>
        <div className="topo-title">
          <strong className="topo-ellipsis" title={data.label}>{data.label}</strong>
          <span className="topo-sub">{foreign ? `${data.source} · not Berth's` : `${data.container.Id.slice(0, 12)}`}</span>
        </div>
        <span className={`badge ${foreign ? '' : data.status === 'running' ? 'badge-ok' : data.status === 'degraded' ? 'badge-warn' : ''}`}>{foreign ? data.source : data.status}</span>
      </header>
      <ul className="topo-rows topo-eps">
        {data.rows.length === 0 && <li className="topo-row muted">no network</li>}
        {data.rows.map((r, k) => (
          <li key={r.network} className="topo-row">
            <Left id={`ep-${k}`} top={G.ctrHead + k * G.ctrRow + G.ctrRow / 2} />
            <span className="mono topo-ifname">{r.ifname}</span>
            <span className="topo-ellipsis topo-netname">{r.network}</span>
            <span className="mono topo-ip" title={[r.ip, r.ip6].filter(Boolean).join('\n')}>{r.ip || r.ip6 || '—'}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
export const ContainerNode = memo(SandboxNode);

export const PortNode = memo(function PortNode({ data, selected }: P<PortData>) {
  const ips = data.hostIps.map((ip) => (ip.includes(':') ? `[${ip}]` : ip)).join(' ');
  return (
    <div className={`topo-node topo-port${selected ? ' is-selected' : ''}`}>
      <span className="topo-icon topo-icon-port"><Icon name="ports" /></span>
      <div className="topo-title">
        <strong className="mono">{data.hostPort}<span className="muted">/{data.proto}</span></strong>
        <span className="topo-sub mono topo-ellipsis">{ips}</span>
      </div>
      <span className="topo-port-to mono">→ {data.container}:{data.containerPort}</span>
      <Right id="out" top={G.portH / 2} />
    </div>
  );
});

// One edge type: an orthogonal route with rounded corners. Uplinks share a
// vertical trunk next to the host (a bus); each endpoint link turns at its
// own x (layout.ts spreadEndpointTrunks), so links are told apart; port routes
// follow a lane the layout chose clear of the network boxes.
export const LinkEdge = memo(function LinkEdge({ id, sourceX, sourceY, targetX, targetY, data, markerEnd }: EdgeProps<TopoEdge>) {
  const d = data as LinkData;
  let pts: { x: number; y: number }[];
  if (d.kind === 'port') {
    const x1 = Math.min(d.laneX1 ?? sourceX + 16, targetX - 40);
    const x2 = Math.max(d.laneX2 ?? targetX - 20, x1);
    const ly = d.laneY ?? targetY;
    pts = [{ x: sourceX, y: sourceY }, { x: x1, y: sourceY }, { x: x1, y: ly }, { x: x2, y: ly }, { x: x2, y: targetY }, { x: targetX, y: targetY }];
  } else {
    const tx = Math.min(Math.max(d.trunkX ?? (sourceX + targetX) / 2, sourceX + 8), targetX - 8);
    pts = [{ x: sourceX, y: sourceY }, { x: tx, y: sourceY }, { x: tx, y: targetY }, { x: targetX, y: targetY }];
  }
  const path = roundedPath(pts, 10);
  const trunk = d.kind === 'port' ? targetX : Math.min(Math.max(d.trunkX ?? sourceX, sourceX + 8), targetX - 8);
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} />
      {(d.label || d.sublabel) && (
        <EdgeLabelRenderer>
          {d.sublabel && (
            <div className="topo-elabel topo-elabel-veth mono nodrag nopan" style={{ transform: `translate(0, -50%) translate(${trunk + 10}px, ${targetY}px)` }}>
              {d.sublabel}
            </div>
          )}
          {d.label && d.kind !== 'port' && (
            <div className={`topo-elabel topo-elabel-${d.kind} tone-${d.tone ?? 'plain'} mono nodrag nopan`} style={{ transform: `translate(-100%, -50%) translate(${targetX - (d.kind === 'endpoint' ? 36 : 10)}px, ${targetY}px)` }}>
              {d.label}
            </div>
          )}
        </EdgeLabelRenderer>
      )}
    </>
  );
});

export const nodeTypes = { host: HostNode, network: NetworkNode, container: ContainerNode, foreign: ContainerNode, port: PortNode };
export const edgeTypes = { link: LinkEdge };

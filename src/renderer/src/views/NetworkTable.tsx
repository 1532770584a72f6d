import type { Network } from '../../../shared/network';
import { Badge } from '../components/Badge';
import { Icon } from '../components/Icon';
import { bridgeName, networkFlags, networkGateways, networkSubnets, PREDEFINED } from '../lib/format';
import { useVirtualRows, type ScrollRequest } from '../lib/useVirtualRows';

export const NETWORK_ROW = 38;

export function NetworkTable({
  networks,
  selected,
  onSelect,
  onRemove,
  scrollTo,
  checked,
  onCheck,
}: {
  networks: Network[];
  selected: string | null;
  onSelect: (name: string) => void;
  onRemove: (n: Network) => void;
  scrollTo?: ScrollRequest | null;
  // ticked for a bulk action (predefined networks cannot be ticked: they cannot be removed)
  checked: ReadonlySet<string>;
  onCheck: (names: string[], on: boolean) => void;
}) {
  const tickable = networks.filter((n) => !PREDEFINED.has(n.Name)).map((n) => n.Name);
  const allTicked = tickable.length > 0 && tickable.every((n) => checked.has(n));
  const v = useVirtualRows({
    count: networks.length,
    getKey: (i) => networks[i]?.Id,
    estimate: NETWORK_ROW,
    selectedIndex: networks.findIndex((n) => n.Name === selected),
    onActivate: (i) => onSelect(networks[i].Name),
    onMove: (i) => onSelect(networks[i].Name),
    scrollTo,
  });
  return (
    <div className="vtable-scroll vtable-fit" ref={v.scrollRef} data-testid="networks-scroll">
      <table className="table vtable vtable-auto" aria-label="Networks" aria-rowcount={networks.length + 1}>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="row-check">
              <input type="checkbox" aria-label="Select every network shown" checked={allTicked} disabled={!tickable.length} onChange={(e) => onCheck(tickable, e.target.checked)} />
            </th>
            <th scope="col">Name</th>
            <th scope="col">Driver</th>
            <th scope="col">Subnet</th>
            <th scope="col">Gateway</th>
            <th scope="col">Bridge</th>
            <th scope="col" className="num">Containers</th>
            <th scope="col">Flags</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {v.padTop > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={9} style={{ height: v.padTop }} /></tr>}
          {v.items.map((it) => {
            const n = networks[it.index];
            const cfg = n.IPAM.Config[0];
            const f = networkFlags(n);
            const count = Object.keys(n.Containers).length;
            return (
              <tr
                key={it.key}
                {...v.rowProps(it.index)}
                className={selected === n.Name ? 'selected' : undefined}
                aria-selected={selected === n.Name}
                data-name={n.Name}
              >
                <td className="row-check">
                  {!PREDEFINED.has(n.Name) && (
                    <input type="checkbox" aria-label={`Select network ${n.Name}`} checked={checked.has(n.Name)} onChange={(e) => onCheck([n.Name], e.target.checked)} />
                  )}
                </td>
                <td>
                  <button type="button" className="link-button" onClick={(e) => { e.stopPropagation(); onSelect(n.Name); }} aria-label={`Show details of network ${n.Name}`}>
                    {n.Name}
                  </button>
                </td>
                <td><Badge>{n.Driver}</Badge></td>
                <td className="mono">{networkSubnets(n).map((x) => <div key={x}>{x}</div>)}{!cfg?.Subnet && '—'}</td>
                <td className="mono">{networkGateways(n).map((x) => <div key={x}>{x}</div>)}{!cfg?.Gateway && '—'}</td>
                <td className="mono">{n.Driver === 'bridge' ? bridgeName(n) : '—'}</td>
                <td className="num">{count}</td>
                <td className="flags">
                  {n.Driver === 'bridge' && (
                    <>
                      {f.internal && <Badge tone="warn" title="no route outside the subnet">internal</Badge>}
                      <Badge tone={f.icc ? 'ok' : 'neutral'} title="inter-container traffic">{f.icc ? 'icc' : 'no icc'}</Badge>
                      {!f.internal && <Badge tone={f.masquerade ? 'info' : 'neutral'} title="masquerade traffic leaving the subnet">{f.masquerade ? 'masq' : 'no masq'}</Badge>}
                    </>
                  )}
                </td>
                <td className="row-actions">
                  {!PREDEFINED.has(n.Name) && (
                    <button type="button" className="icon-button" aria-label={`Remove network ${n.Name}`} title="Remove" onClick={(e) => { e.stopPropagation(); onRemove(n); }}>
                      <Icon name="trash" />
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {v.padBottom > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={9} style={{ height: v.padBottom }} /></tr>}
        </tbody>
      </table>
    </div>
  );
}

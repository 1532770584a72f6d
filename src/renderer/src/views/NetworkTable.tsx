import type { Network } from '../../../shared/network';
import { Badge } from '../components/Badge';
import { Icon } from '../components/Icon';
import { bridgeName, networkFlags, PREDEFINED } from '../lib/format';

export function NetworkTable({
  networks,
  selected,
  onSelect,
  onRemove,
}: {
  networks: Network[];
  selected: string | null;
  onSelect: (name: string) => void;
  onRemove: (n: Network) => void;
}) {
  return (
    <table className="table" aria-label="Networks">
      <thead>
        <tr>
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
        {networks.map((n) => {
          const cfg = n.IPAM.Config[0];
          const f = networkFlags(n);
          const count = Object.keys(n.Containers).length;
          return (
            <tr
              key={n.Id}
              className={selected === n.Name ? 'selected' : undefined}
              aria-selected={selected === n.Name}
              onClick={() => onSelect(n.Name)}
            >
              <td>
                <button type="button" className="link-button" onClick={(e) => { e.stopPropagation(); onSelect(n.Name); }} aria-label={`Show details of network ${n.Name}`}>
                  {n.Name}
                </button>
              </td>
              <td><Badge>{n.Driver}</Badge></td>
              <td className="mono">{cfg?.Subnet ?? '—'}</td>
              <td className="mono">{cfg?.Gateway ?? '—'}</td>
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
      </tbody>
    </table>
  );
}

import { useBerthQuery } from '../api/hooks';
import type { Network } from '../../../shared/network';
import { failedWithoutData, LoadError, RefreshError } from '../components/RefreshError';
import { Icon } from '../components/Icon';
import { JsonView } from '../components/JsonView';
import { Spinner } from '../components/Spinner';
import { bridgeName, networkFlags, networkGateways, networkSubnets, PREDEFINED, relativeTime } from '../lib/format';
import { useEscape } from '../lib/useEscape';

export function NetworkDetails({ network, onClose, onRemove }: { network: Network; onClose: () => void; onRemove: () => void }) {
  const inspect = useBerthQuery('network.inspect', { name: network.Name });
  const f = networkFlags(network);
  const endpoints = Object.entries(network.Containers);
  useEscape(onClose);
  return (
    <aside className="details" aria-label={`Network ${network.Name}`}>
      <header className="details-header">
        <div>
          <h2>{network.Name}</h2>
          <span className="muted mono">{network.Id.slice(0, 12)}</span>
        </div>
        <div className="details-actions">
          {!PREDEFINED.has(network.Name) && (
            <button type="button" className="button button-danger-ghost" onClick={onRemove} aria-label={`Remove network ${network.Name}`}>
              <Icon name="trash" /> Remove
            </button>
          )}
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close details" title="Close (Escape)">
            <Icon name="close" />
          </button>
        </div>
      </header>
      <dl className="props">
        <dt>Driver</dt><dd>{network.Driver}</dd>
        <dt>Subnet</dt><dd className="mono">{networkSubnets(network).join(', ') || '—'}</dd>
        <dt>Gateway</dt><dd className="mono">{networkGateways(network).join(', ') || '—'}</dd>
        {network.IPAM.Config.some((c) => c.IPRange) && (<><dt>IP range</dt><dd className="mono">{network.IPAM.Config.flatMap((c) => (c.IPRange ? [c.IPRange] : [])).join(', ')}</dd></>)}
        <dt>IP families</dt><dd>{[network.EnableIPv4 !== false && 'IPv4', network.EnableIPv6 && 'IPv6'].filter(Boolean).join(' + ')}</dd>
        <dt>Bridge</dt><dd className="mono">{network.Driver === 'bridge' ? bridgeName(network) : '—'}</dd>
        <dt>Flags</dt><dd>{[f.internal && 'internal', f.icc ? 'icc' : 'no icc', !f.internal && (f.masquerade ? 'masquerade' : 'no masquerade')].filter(Boolean).join(' · ')}</dd>
        <dt>Created</dt><dd>{relativeTime(network.Created) || network.Created}</dd>
        <dt>Labels</dt>
        <dd>
          {Object.keys(network.Labels ?? {}).length === 0 ? <span className="muted">none</span> : (
            <ul className="chips chips-row" aria-label={`Labels of ${network.Name}`}>
              {Object.entries(network.Labels).map(([k, v]) => <li key={k} className="chip mono">{v ? `${k}=${v}` : k}</li>)}
            </ul>
          )}
        </dd>
      </dl>
      <h3 className="section-title">Attached ({endpoints.length})</h3>
      {endpoints.length === 0 ? (
        <p className="muted small">Nothing is attached. Run a container on this network from the Containers view.</p>
      ) : (
        <ul className="endpoint-list" aria-label={`Attached to ${network.Name}`}>
          {endpoints.map(([id, ep]) => (
            <li key={id}>
              <span>{ep.Name}</span>
              <span className="mono muted">{[ep.IPv4Address, ep.IPv6Address].filter(Boolean).join(' ')}</span>
            </li>
          ))}
        </ul>
      )}
      <h3 className="section-title">Inspect</h3>
      <RefreshError query={inspect} what={`the inspect of ${network.Name}`} />
      {inspect.isPending && inspect.fetchStatus !== 'idle' ? <Spinner label="Inspecting…" /> : failedWithoutData(inspect) ? <LoadError query={inspect} title={`Could not inspect ${network.Name}`} what={`the inspect of ${network.Name}`} /> : <JsonView value={inspect.data ?? network} label={`Inspect JSON of network ${network.Name}`} />}
    </aside>
  );
}

import { useCallback, useRef, useState } from 'react';
import { useBerth } from '../api/context';
import type { Container } from '../../../shared/container';
import { BulkBar, BulkConfirm } from '../components/BulkBar';
import { Icon } from '../components/Icon';
import { Toasts, type ToastMessage } from '../components/Toast';
import { runEach, type BulkOutcome } from '../lib/bulk';
import { containerName } from '../lib/format';

const n = (k: number) => `${k} container${k === 1 ? '' : 's'}`;

// Start, stop, disconnect or remove every ticked container. A stop can be
// undone from its notice (the containers start again) and the undo says
// what it did; a remove cannot, like the single remove.
export function ContainerBulk({ ticked: rows, hidden, onClear, onGone }: { ticked: Container[]; hidden: number; onClear: () => void; onGone: (names: string[]) => void }) {
  // by name: the dialogs and notices list them in an order one can scan
  const ticked = [...rows].sort((a, b) => containerName(a).localeCompare(containerName(b)));
  const { transport } = useBerth();
  // what a dialog acts on is fixed when it opens: the lists refresh under it as each call lands
  const [asking, setAsking] = useState<{ kind: 'stop' | 'remove' | 'disconnect'; rows: Container[] } | null>(null);
  const [network, setNetwork] = useState('');
  const [starting, setStarting] = useState(false);
  const [toasts, setToasts] = useState<ToastMessage[]>([]);
  const seq = useRef(0);
  const toast = useCallback((t: Omit<ToastMessage, 'id'>) => setToasts((xs) => [...xs.slice(-3), { ...t, id: ++seq.current }]), []);
  const dismiss = useCallback((id: number) => setToasts((xs) => xs.filter((t) => t.id !== id)), []);
  const runningOf = (rows: Container[]) => rows.filter((c) => c.State.Running).map(containerName);
  const networksOf = (rows: Container[]) => [...new Set(rows.flatMap((c) => Object.keys(c.NetworkSettings.Networks)))].sort();
  const running = runningOf(ticked);
  const stopped = ticked.filter((c) => !c.State.Running).map(containerName);
  const networks = networksOf(ticked);
  const asked = asking?.rows ?? [];
  const askedRunning = runningOf(asked);
  const askedNetworks = networksOf(asked);
  const onNet = (net: string) => asked.filter((c) => net in c.NetworkSettings.Networks).map(containerName);

  const failures = (r: BulkOutcome, verb: string) =>
    r.failed.length ? toast({ tone: 'error', text: <>Could not {verb} {r.failed.map((f) => `${f.name} (${f.error})`).join(', ')}</> }) : undefined;
  const start = async (names: string[], again = false) => {
    setStarting(true);
    const r = await runEach(names, (name) => transport.call('container.start', { name }));
    setStarting(false);
    if (r.done.length) toast({ text: <>{again ? 'Started again' : 'Started'}: {r.done.join(', ')}</> });
    failures(r, 'start');
  };

  return (
    <>
      <BulkBar count={ticked.length} noun="container" hidden={hidden} onClear={onClear}>
        <button type="button" className="button" disabled={!stopped.length || starting} onClick={() => void start(stopped)}>
          <Icon name="play" /> {starting ? 'Starting…' : `Start ${stopped.length}`}
        </button>
        <button type="button" className="button" disabled={!running.length} onClick={() => setAsking({ kind: 'stop', rows: ticked })}><Icon name="stop" /> Stop {running.length}</button>
        <button type="button" className="button" disabled={!networks.length} onClick={() => { setNetwork(networks[0]); setAsking({ kind: 'disconnect', rows: ticked }); }}><Icon name="unlink" /> Disconnect…</button>
        <button type="button" className="button button-danger" onClick={() => setAsking({ kind: 'remove', rows: ticked })}><Icon name="trash" /> Remove {ticked.length}</button>
      </BulkBar>
      {asking?.kind === 'stop' && (
        <BulkConfirm
          title={`Stop ${n(askedRunning.length)}?`}
          confirmLabel={`Stop ${n(askedRunning.length)}`}
          names={askedRunning}
          run={(name) => transport.call('container.stop', { name })}
          onDone={(r) => {
            if (r.done.length)
              toast({ text: <>Stopped {r.done.join(', ')}</>, action: { label: 'Undo', run: () => void start(r.done, true) } });
          }}
          onClose={() => setAsking(null)}
        >
          <p>Each gets SIGTERM, then SIGKILL if it does not exit. Their addresses and ports stay reserved; Undo starts them again.</p>
        </BulkConfirm>
      )}
      {asking?.kind === 'remove' && (
        <BulkConfirm
          title={`Remove ${n(asked.length)}?`}
          confirmLabel={askedRunning.length ? `Stop and remove ${n(asked.length)}` : `Remove ${n(asked.length)}`}
          names={asked.map(containerName)}
          run={(name) => transport.call('container.remove', { name, force: askedRunning.includes(name) })}
          onDone={(r) => {
            onGone(r.done);
            if (r.done.length) toast({ text: <>Removed {r.done.join(', ')}</> });
          }}
          onClose={() => setAsking(null)}
        >
          <p>Each goes with its network namespace, endpoints, published ports and logs{askedRunning.length ? `; ${askedRunning.length} running ${askedRunning.length === 1 ? 'is' : 'are'} stopped first` : ''}. This cannot be undone.</p>
        </BulkConfirm>
      )}
      {asking?.kind === 'disconnect' && (
        <BulkConfirm
          title={`Disconnect from ${network}?`}
          confirmLabel={`Disconnect ${n(onNet(network).length)}`}
          names={onNet(network)}
          run={(name) => transport.call('network.disconnect', { network, target: { container: name } })}
          onDone={(r) => {
            if (r.done.length) toast({ text: <>Disconnected {r.done.join(', ')} from {network}</> });
          }}
          onClose={() => setAsking(null)}
        >
          <label className="bulk-network">
            Network{' '}
            <select aria-label="Network to disconnect from" value={network} onChange={(e) => setNetwork(e.target.value)}>
              {askedNetworks.map((x) => <option key={x} value={x}>{x}</option>)}
            </select>
          </label>
          <p>Their interfaces on {network} go and the addresses are freed. The selected containers attached to it:</p>
        </BulkConfirm>
      )}
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </>
  );
}

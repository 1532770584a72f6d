import { useBerth } from '../api/context';
import { useBerthQuery } from '../api/hooks';
import type { HelperState } from '../api/transport';
import { Icon } from './Icon';

export function helperText(s: HelperState): string {
  switch (s.state) {
    case 'connected':
      return 'Helper connected';
    case 'starting':
      return 'Helper starting…';
    case 'not-running':
      return 'Helper not running';
    case 'failed':
      return `Helper failed: ${s.reason}`;
  }
}

export function StatusBar() {
  const { helper, progress, transport } = useBerth();
  const info = useBerthQuery('system.info', {});
  return (
    <footer className={`statusbar statusbar-${helper.state}`} aria-label="Status">
      <span className="status-item" role="status" aria-live="polite" title={helper.socket ? `socket ${helper.socket}` : undefined}>
        <span className={`dot dot-${helper.state}`} aria-hidden="true" />
        {helperText(helper)}
      </span>
      {helper.state === 'not-running' && (
        <span className="status-item status-hint">
          {transport.kind === 'electron' ? 'Berth menu → Start Helper…' : 'start it with: sudo berth helper'}
        </span>
      )}
      {progress && (
        <span className="status-item" role="progressbar" aria-label={progress.op} aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done}>
          <span className="spinner spinner-small" aria-hidden="true" />
          {progress.message} ({progress.done}/{progress.total})
        </span>
      )}
      <span className="status-spacer" />
      {info.data && (
        <>
          <span className="status-item" title={['Firewall backend', ...info.data.hostChanges].join('\n')}>
            <Icon name="shield" size={13} /> {info.data.firewallBackend}
            {info.data.hostChanges.some((c) => c.includes('Berth accepts its bridges')) && <> · allowed through the host firewall</>}
          </span>
          {info.data.warnings.length > 0 && (
            <span className="status-item status-warn" role="note" title={info.data.warnings.join('\n')}>
              <Icon name="warning" size={13} /> {info.data.warnings.length === 1 ? '1 warning' : `${info.data.warnings.length} warnings`}
            </span>
          )}
          <span className="status-item" title="Kernel">
            <Icon name="chip" size={13} /> {/^linux/i.test(info.data.kernel) ? info.data.kernel : `Linux ${info.data.kernel}`}
          </span>
          <span className="status-item" title="Helper version">
            berth {info.data.version}
          </span>
        </>
      )}
      <span className="status-item">{transport.kind === 'web' ? 'web mode' : 'desktop'}</span>
    </footer>
  );
}

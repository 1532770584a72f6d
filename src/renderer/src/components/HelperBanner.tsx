import { useBerth } from '../api/context';
import type { HelperState } from '../api/transport';
import { Icon } from './Icon';
import { Spinner } from './Spinner';

// Why nothing loads, and what to do about it.
export function HelperBanner({ state }: { state: HelperState }) {
  const { transport } = useBerth();
  if (state.state === 'starting') {
    return (
      <div className="banner banner-info" role="status">
        <Spinner label="Connecting to the Berth helper…" />
      </div>
    );
  }
  const how =
    transport.kind === 'electron'
      ? 'Choose Berth → Start Helper… (asks for an administrator password), or run: sudo berth helper'
      : 'Start it with: sudo berth helper — this page reconnects by itself.';
  return (
    <div className={state.state === 'failed' ? 'banner banner-error' : 'banner banner-warn'} role="alert">
      <Icon name={state.state === 'failed' ? 'error' : 'warning'} />
      <div>
        <strong>{state.state === 'failed' ? `The helper failed: ${state.reason}` : 'The Berth helper is not running.'}</strong>
        <div className="small">{how}</div>
      </div>
    </div>
  );
}

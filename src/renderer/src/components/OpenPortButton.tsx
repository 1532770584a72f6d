import { useBerth } from '../api/context';
import { portUrl } from '../../../shared/port-url';
import { Icon } from './Icon';

// "Open in browser" for one published TCP port (UDP has no page to open).
export function OpenPortButton({ hostIp, hostPort, proto, container }: { hostIp?: string; hostPort: number | string; proto: string; container: string }) {
  const { transport } = useBerth();
  if (proto !== 'tcp' || !Number(hostPort)) return null;
  const url = portUrl(hostIp, hostPort);
  return (
    <button
      type="button"
      className="icon-button open-port"
      aria-label={`Open ${url} (${container}) in the browser`}
      title={`Open ${url} in the browser`}
      onClick={(e) => {
        e.stopPropagation();
        if (transport.openPortUrl) transport.openPortUrl(url);
        else window.open(url, '_blank', 'noopener,noreferrer');
      }}
    >
      <Icon name="external" size={13} />
    </button>
  );
}

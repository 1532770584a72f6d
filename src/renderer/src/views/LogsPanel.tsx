import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useBerthQuery } from '../api/hooks';
import { failedWithoutData, LoadError, RefreshError } from '../components/RefreshError';
import { Icon } from '../components/Icon';
import { Spinner } from '../components/Spinner';
import { useEscape } from '../lib/useEscape';

export function LogsPanel({ name, onClose }: { name: string; onClose: () => void }) {
  const logs = useBerthQuery('container.logs', { name, tail: 500 });
  const qc = useQueryClient();
  const pre = useRef<HTMLPreElement>(null);
  useEscape(onClose);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [logs.data]);
  return (
    <aside className="details" aria-label={`Logs of ${name}`}>
      <header className="details-header">
        <div>
          <h2>Logs</h2>
          <span className="muted">{name}{logs.data?.exitCode != null ? ` · exited ${logs.data.exitCode}` : ''}</span>
        </div>
        <div className="details-actions">
          <button type="button" className="icon-button" aria-label="Refresh logs" title="Refresh" onClick={() => void qc.invalidateQueries({ queryKey: ['container.logs', { name, tail: 500 }] })}>
            <Icon name="refresh" />
          </button>
          <button type="button" className="icon-button" aria-label="Close logs" title="Close (Escape)" onClick={onClose}><Icon name="close" /></button>
        </div>
      </header>
      <RefreshError query={logs} what={`the logs of ${name}`} />
      {logs.isPending && logs.fetchStatus !== 'idle' ? (
        <Spinner label="Reading logs…" />
      ) : failedWithoutData(logs) ? (
        <LoadError query={logs} title={`Could not read the logs of ${name}`} what={`the logs of ${name}`} />
      ) : (
        <pre ref={pre} className="logs" tabIndex={0} aria-label={`Log output of ${name}`}>
          {logs.data?.data || logs.data?.stderr ? (
            <>
              {logs.data.data}
              {logs.data.stderr ? <span className="logs-stderr" aria-label="Standard error">{logs.data.stderr}</span> : null}
            </>
          ) : (
            <span className="muted">No output yet.</span>
          )}
        </pre>
      )}
    </aside>
  );
}

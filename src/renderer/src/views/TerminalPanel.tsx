import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { useBerth } from '../api/context';
import { Icon } from '../components/Icon';

// `exec -it sh` in a running container (docs/exec.md): the same streaming
// calls as the CLI (container.exec, exec.input, exec.resize, exec.output
// events) through the one typed transport. The terminal itself is xterm.js:
// escape sequences, cursor addressing and key encoding are its job.
// Escape is a key for the shell here (vi needs it), so the panel closes by
// its button or by the shell ending, not by Escape; focus goes back where it was.
export function TerminalPanel({ name, onClose }: { name: string; onClose: () => void }) {
  const { transport } = useBerth();
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<'starting' | 'running' | { exitCode: number } | { error: string }>('starting');
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    const term = new Terminal({ fontSize: 13, convertEol: false, cursorBlink: true, scrollback: 2000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current!);
    fit.fit();
    term.focus();
    let session: string | null = null;
    let ended = false;
    const early: string[] = [];
    const input = (data: string) => {
      if (!session) return void early.push(data);
      void transport.call('exec.input', { session, data, eof: false }).catch(() => {});
    };
    const off = transport.onEvent((e) => {
      if (e.type === 'exec.started' && session === null && e.container === name) {
        session = e.session;
        setStatus('running');
        for (const d of early.splice(0)) input(d);
        void transport.call('exec.resize', { session, cols: term.cols, rows: term.rows }).catch(() => {});
      } else if (e.type === 'exec.output' && e.session === session) term.write(fromBase64(e.data));
    });
    const keys = term.onData((d) => input(toBase64(new TextEncoder().encode(d))));
    const bin = term.onBinary((d) => input(toBase64(Uint8Array.from(d, (ch) => ch.charCodeAt(0)))));
    const sized = term.onResize(({ cols, rows }) => session && void transport.call('exec.resize', { session, cols, rows }).catch(() => {}));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(box.current!);
    transport
      .call('container.exec', { name, cmd: ['sh'], interactive: true, tty: true, cols: term.cols, rows: term.rows })
      .then((r) => setStatus({ exitCode: r.exitCode }), (e: Error) => setStatus({ error: e.message }))
      .finally(() => {
        ended = true;
        term.options.disableStdin = true;
      });
    return () => {
      // closing the panel ends the shell's input (^D on its terminal), as closing a terminal window
      if (session && !ended) void transport.call('exec.input', { session, data: '', eof: true }).catch(() => {});
      off();
      keys.dispose();
      bin.dispose();
      sized.dispose();
      observer.disconnect();
      term.dispose();
      back?.focus?.();
    };
  }, [transport, name]);
  return (
    <aside className="details terminal-panel" aria-label={`Terminal in ${name}`}>
      <header className="details-header">
        <div>
          <h2>Terminal</h2>
          <span className="muted" role="status">
            {name} ·{' '}
            {status === 'starting' ? 'starting sh…' : status === 'running' ? 'sh' : 'exitCode' in status ? `exited ${status.exitCode}` : status.error}
          </span>
        </div>
        <div className="details-actions">
          <button type="button" className="icon-button" aria-label="Close terminal" title="Close terminal" onClick={onClose}><Icon name="close" /></button>
        </div>
      </header>
      <div ref={box} className="terminal-box" data-testid="terminal" />
    </aside>
  );
}

function toBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
}

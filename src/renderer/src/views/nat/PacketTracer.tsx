import { useState } from 'react';
import type { BaseChain, FirewallRule } from '../../../../shared/inspect';
import { Icon } from '../../components/Icon';
import { mappingText } from './nat-format';
import { isIp, tracePacket, type Proto, type TraceResult } from './packet-match';
import { bridgeRoutes, conntrackLine, dropWhere, publishedPorts, traceStory, where, type TraceStory } from './trace-story';
import { useBerth } from '../../api/context';
import { useBerthQuery } from '../../api/hooks';

export interface TraceOutcome {
  result: TraceResult;
  asked: string;
  story: TraceStory;
  conntrack?: string | null; // the connections already tracked to the address and port (conntrackLine)
}

// The rule to show for a trace: the drop before NAT when there was one, else the nat walk's.
export const tracedRule = (o: TraceOutcome | null): FirewallRule | null =>
  (o?.story.preNat ? o.story.filter?.hit : o?.result.hit) ?? null;

const VERDICT_TEXT: Record<TraceResult['verdict'], string> = {
  DNAT: 'is translated by',
  REDIRECT: 'is redirected by',
  ACCEPT: 'is accepted untranslated by',
  DROP: 'is dropped by',
  RETURN: 'leaves the nat table untranslated at',
  none: '',
};

// "Which rule does a packet to host:port hit?": the walk runs here, on the
// rules and base chains of the reading the view shows (asked of the helper
// on Trace): iptables and nftables, nat then filter.
export function PacketTracer({
  loadRules,
  outcome,
  onTrace,
  onShow,
}: {
  loadRules: () => Promise<{ rules: FirewallRule[]; chains: BaseChain[] }>;
  outcome: TraceOutcome | null;
  onTrace: (o: TraceOutcome | null) => void;
  onShow: (r: FirewallRule) => void;
}) {
  const [ip, setIp] = useState('');
  const [port, setPort] = useState('');
  const [proto, setProto] = useState<Proto>('tcp');
  const [from, setFrom] = useState<'outside' | 'host'>('outside');
  const [iface, setIface] = useState('');
  const [touched, setTouched] = useState(false);
  const { transport } = useBerth();
  const containers = useBerthQuery('container.list', { all: true });
  const networks = useBerthQuery('network.list', {});

  const ipErr = !isIp(ip.trim()) ? 'Give a host IPv4 or IPv6 address' : null;
  const n = Number(port);
  const portErr = !/^\d{1,5}$/.test(port.trim()) || n < 1 || n > 65535 ? 'Port 1–65535' : null;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (ipErr || portErr) return;
    const { rules, chains } = await loadRules();
    const dst = ip.trim().replace(/^\[|\]$/g, '');
    const pkt = { dst, port: n, proto, local: from === 'host', inIface: from === 'outside' && iface.trim() ? iface.trim() : undefined };
    const result = tracePacket(rules, pkt, chains);
    const published = publishedPorts(containers.data, networks.data);
    const story = traceStory(result, pkt, published, rules, chains, bridgeRoutes(networks.data));
    // what conntrack already holds short-cuts the walk; an unreadable table just says nothing
    const conntrack = await transport.call('nat.conntrack', { dst, port: n, proto }).then((c) => conntrackLine(c, dst, published), () => null);
    onTrace({ result, story, conntrack, asked: `${dst.includes(':') ? `[${dst}]` : dst}:${n}/${proto}${from === 'host' ? ' from this host' : iface.trim() ? ` in on ${iface.trim()}` : ''}` });
  };

  const r = outcome?.result;
  return (
    <section className="tracer" aria-labelledby="tracer-title">
      <h2 id="tracer-title" className="tracer-title"><Icon name="nat" size={14} /> Which rule does a packet hit?</h2>
      <form className="tracer-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Trace a packet">
        <label className="tf">
          <span>Host IP</span>
          <input className="mono" value={ip} onChange={(e) => setIp(e.target.value)} placeholder="192.168.1.10" spellCheck={false} aria-invalid={touched && !!ipErr} aria-describedby={touched && ipErr ? 'tracer-err' : undefined} />
        </label>
        <label className="tf tf-port">
          <span>Port</span>
          <input className="mono" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} placeholder="8080" aria-invalid={touched && !!portErr} aria-describedby={touched && portErr ? 'tracer-err' : undefined} />
        </label>
        <label className="tf tf-proto">
          <span>Protocol</span>
          <select value={proto} onChange={(e) => setProto(e.target.value as Proto)}>
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
            <option value="sctp">sctp</option>
          </select>
        </label>
        <label className="tf">
          <span>Sent from</span>
          <select value={from} onChange={(e) => setFrom(e.target.value as 'outside' | 'host')}>
            <option value="outside">outside (PREROUTING)</option>
            <option value="host">this host (OUTPUT)</option>
          </select>
        </label>
        {from === 'outside' && (
          <label className="tf tf-iface">
            <span>In on interface</span>
            <input className="mono" value={iface} onChange={(e) => setIface(e.target.value)} placeholder="any external" spellCheck={false} />
          </label>
        )}
        <button type="submit" className="button button-primary">Trace</button>
        {outcome && <button type="button" className="button" onClick={() => onTrace(null)}>Clear</button>}
      </form>
      {touched && (ipErr || portErr) && <p id="tracer-err" className="field-msg field-msg-error" role="alert">{ipErr ?? portErr}</p>}
      <div role="status" aria-live="polite">
        {r && outcome && (
          <div className={r.hit || outcome.story.proxy ? 'trace-result trace-hit' : 'trace-result trace-none'}>
            {outcome.story.line && (
              <p className={`trace-verdict trace-verdict-${outcome.story.tone}`} aria-label="Trace result">
                <Icon name={outcome.story.tone === 'ok' ? 'check' : outcome.story.tone === 'drop' ? 'error' : 'info'} size={14} />
                <span>A packet to <code>{outcome.asked}</code> {outcome.story.line}.</span>
              </p>
            )}
            {outcome.story.filter && (outcome.story.filter.hit || outcome.story.filter.policy) && (
              <p className="small">
                Filter {outcome.story.filter.hook.toUpperCase()}:{' '}
                {outcome.story.filter.hit ? (
                  <button type="button" className="link-button mono" onClick={() => onShow(outcome.story.filter!.hit!)}>{where(outcome.story.filter.hit)}</button>
                ) : (
                  <span className="mono">{dropWhere(outcome.story.filter)}</span>
                )}{' '}
                {outcome.story.filter.verdict === 'ACCEPT' ? 'accepts' : 'drops'} it
                {outcome.story.filter.path.length > 0 && <> ({outcome.story.filter.path[0].chain} → {outcome.story.filter.path.map((p) => p.target).join(' → ')})</>}.
              </p>
            )}
            {(outcome.story.filter?.conntrack ?? r.conntrack) && (
              <p className="small muted">
                Conntrack short-cut: a packet of an already established connection is decided at{' '}
                <button type="button" className="link-button mono" onClick={() => onShow((outcome.story.filter?.conntrack ?? r.conntrack)!)}>{where((outcome.story.filter?.conntrack ?? r.conntrack)!)}</button>{' '}
                (ctstate RELATED,ESTABLISHED) before these rules; NAT is decided once, by the connection's first packet.
              </p>
            )}
            {outcome.conntrack && (
              <p className="small" aria-label="Tracked connections">
                <Icon name="info" size={12} /> {outcome.conntrack[0].toUpperCase() + outcome.conntrack.slice(1)}.
              </p>
            )}
            {r.hit && r.verdict !== 'RETURN' ? (
              <>
                <p className="trace-headline">
                  {outcome.story.preNat && 'Had it got past that drop: '}A packet to <code>{outcome.asked}</code> {VERDICT_TEXT[r.verdict]}{' '}
                  <button type="button" className="link-button mono" onClick={() => onShow(r.hit!)}>{where(r.hit)}</button>
                  {r.hit.mapping && <> — <span className="mono">{mappingText(r.hit)}</span></>}
                </p>
              </>
            ) : r.hit ? (
              <p className="trace-headline">
                A packet to <code>{outcome.asked}</code> {VERDICT_TEXT.RETURN}{' '}
                <button type="button" className="link-button mono" onClick={() => onShow(r.hit!)}>{where(r.hit)}</button>; no rule translates it.
              </p>
            ) : (
              <p className="trace-headline">
                No NAT rule matches a packet to <code>{outcome.asked}</code>: {outcome.story.proxy ? 'the helper\'s listener (the userland proxy) takes it' : 'it reaches the host itself untranslated'} ({r.steps.length} rule{r.steps.length === 1 ? '' : 's'} of the nat chains {r.chain} and the chains they jump to looked at).
              </p>
            )}
            {r.hit && (
              <ol className="trace-path" aria-label="Path through the chains">
                <li className="mono">{r.chain}</li>
                {r.path.map((p) => (
                  <li key={p.id} className="mono">
                    <button type="button" className="link-button" onClick={() => onShow(p)}>#{p.position}</button> → {p.target}
                  </li>
                ))}
                <li className="mono"><strong>#{r.hit.position} {r.hit.target}</strong></li>
              </ol>
            )}
            {r.assumed.length > 0 && <p className="small muted">Assumed to match: {r.assumed.join('; ')}.</p>}
            <details className="trace-steps">
              <summary>Every rule looked at ({r.steps.length})</summary>
              <ol>
                {r.steps.map((s, i) => (
                  <li key={i} className={s.matched ? 'step-match' : 'step-miss'}>
                    <span className="mono">{where(s.rule)}</span> <span className="muted">— {s.why}</span>
                  </li>
                ))}
              </ol>
            </details>
          </div>
        )}
      </div>
    </section>
  );
}

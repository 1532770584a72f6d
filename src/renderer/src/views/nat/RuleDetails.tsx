import type { FirewallRule } from '../../../../shared/inspect';
import { Icon } from '../../components/Icon';
import { JsonView } from '../../components/JsonView';
import { foreignObjectText, grouped, mappingText, targetText } from './nat-format';
import { OwnerBadge } from './OwnerBadge';
import { BerthObjectLink } from '../../components/BerthObjectLink';
import { berthTag, type BerthObject } from '../../lib/berth-names';
import type { OpenView } from '../../lib/navigation';
import { useEscape } from '../../lib/useEscape';

export function RuleDetails({ rule, onClose, names, onOpen }: { rule: FirewallRule; onClose: () => void; names?: Map<string, BerthObject>; onOpen?: OpenView }) {
  const label = `Rule ${rule.table} ${rule.chain} #${rule.position}`;
  const tag = rule.owner === 'berth' ? berthTag(rule.comment) : null;
  const object = tag ? names?.get(tag) : undefined;
  useEscape(onClose);
  return (
    <aside className="details" aria-label={label}>
      <div className="details-header">
        <div>
          <h2 className="mono rule-chain">{rule.chain} #{rule.position}</h2>
          <div className="muted small">{rule.family} · {rule.source} · table {rule.table}</div>
        </div>
        <button type="button" className="icon-button" aria-label="Close rule details" title="Close (Escape)" onClick={onClose}><Icon name="close" /></button>
      </div>
      <dl className="props">
        <dt>Owner</dt>
        <dd><OwnerBadge owner={rule.owner} /> <span className="small muted">{rule.ownerEvidence}</span></dd>
        {object && (<><dt>{object.kind === 'network' ? 'Network' : 'Container'}</dt><dd><BerthObjectLink object={object} onOpen={onOpen} />{object.kind === 'container' && <span className="muted small"> on {object.network}</span>}</dd></>)}
        {!object && rule.ownerObject && (<><dt>{rule.ownerObject.kind === 'network' ? 'Network' : 'Container'}</dt><dd title={foreignObjectText(rule)}><span className="foreign-object">{rule.ownerObject.name}</span> <span className="muted small mono">{rule.ownerObject.id.slice(0, 12)}</span></dd></>)}
        <dt>Chain</dt>
        <dd className="mono">{rule.table} / {rule.chain}</dd>
        {rule.mapping && (<><dt>Mapping</dt><dd className="mono">{mappingText(rule)}</dd></>)}
        <dt>Target</dt>
        <dd className="mono rule-chain">{targetText(rule)}</dd>
        <dt>Counters</dt>
        <dd className="mono">{grouped(rule.packets)} packets · {grouped(rule.bytes)} bytes</dd>
        {rule.comment && (<><dt>Comment</dt><dd>{rule.comment}</dd></>)}
      </dl>
      <h3 className="section-title">As {rule.source === 'nftables' ? 'nft' : 'iptables-save'} prints it</h3>
      <pre className="json rule-text" tabIndex={0} aria-label="Rule text">{rule.text}</pre>
      <h3 className="section-title">Decoded</h3>
      <JsonView value={{ matches: rule.matches, target: rule.target, targetArgs: rule.targetArgs }} label="Decoded rule" />
    </aside>
  );
}

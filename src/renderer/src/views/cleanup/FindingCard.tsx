import { memo, useId } from 'react';
import type { Finding } from '../../../../shared/inspect';
import { BerthObjectLink } from '../../components/BerthObjectLink';
import { Icon } from '../../components/Icon';
import { berthTag, type BerthObject } from '../../lib/berth-names';
import { useBerthNames } from '../../lib/useBerthNames';
import { joinArgv } from '../../lib/argv';
import { OwnerBadge } from '../nat/OwnerBadge';
import { foreignObjectText } from '../nat/nat-format';
import type { OpenView } from '../../lib/navigation';
import { isForeign } from './cleanup-select';

// Memoised: a list re-renders on every scroll step, a card only when its own
// finding or choice changes (onToggle is the list's one stable handler).
export const FindingCard = memo(function FindingCard({
  finding,
  chosen,
  onToggle,
  index,
  measure,
  onOpen,
}: {
  finding: Finding;
  chosen: boolean;
  onToggle: (f: Finding, on: boolean) => void;
  index?: number; // its place in a virtualized list, which measures it as it renders
  measure?: (el: Element | null) => void;
  onOpen?: OpenView;
}) {
  const id = useId();
  const foreign = isForeign(finding);
  const names = useBerthNames();
  const belongs = ownerOf(finding, names);
  return (
    <li ref={measure} data-index={index} className={`finding${chosen ? ' finding-chosen' : ''}${foreign ? ' finding-foreign' : ''}`} data-finding-id={finding.id} aria-labelledby={`${id}-reason`}>
      <div className="finding-check">
        <input
          id={`${id}-cb`}
          type="checkbox"
          checked={chosen}
          onChange={(e) => onToggle(finding, e.target.checked)}
          aria-describedby={foreign ? `${id}-warn` : undefined}
          aria-label={foreign ? `Include this ${finding.owner} finding: ${finding.reason}` : `Fix: ${finding.reason}`}
        />
      </div>
      <div className="finding-body">
        <div className="finding-head">
          <OwnerBadge owner={finding.owner} />
          <span id={`${id}-reason`} className="finding-reason">{finding.reason}</span>
        </div>
        {belongs && (
          <p className="finding-owner small">
            {belongs.object ? <>Belongs to {belongs.object.kind} <BerthObjectLink object={belongs.object} onOpen={onOpen} />{belongs.object.kind === 'container' && <> on {belongs.object.network}</>}</> : <>Tagged <code>berth:{belongs.tag}</code>: no network or container of Berth has that id now</>}
          </p>
        )}
        {!belongs && finding.ownerObject && (
          <p className="finding-owner small" title={foreignObjectText(finding)}>
            Belongs to {finding.owner} {finding.ownerObject.kind} <span className="foreign-object">{finding.ownerObject.name}</span>
          </p>
        )}
        {foreign && (
          <p id={`${id}-warn`} className="finding-warn">
            <Icon name="warning" size={13} />
            {chosen
              ? <>Included: this belongs to <strong>{finding.owner}</strong>, not Berth — {finding.owner} may recreate it or break without it.</>
              : <>Belongs to <strong>{finding.owner}</strong>, not Berth: left alone unless you tick “include”.</>}
          </p>
        )}
        {finding.evidence.length > 0 && (
          <ul className="evidence" aria-label="Evidence">
            {finding.evidence.map((e, i) => <li key={i} className="mono">{e}</li>)}
          </ul>
        )}
        <div className="commands" aria-label="Commands">
          {finding.commands.map((c, i) => (
            <code key={i} className="command">{joinArgv(c)}</code>
          ))}
        </div>
      </div>
      {foreign && (
        <label htmlFor={`${id}-cb`} className="finding-include">
          include
        </label>
      )}
    </li>
  );
});

// The Berth object a finding's rule, link or namespace is tagged with (its
// comment berth:<id>, or a bridge br-<id>), by name where it still exists.
const BRIDGE = /\bbr-([0-9a-f]{12})\b/;
function ownerOf(f: Finding, names: Map<string, BerthObject>): { tag: string; object: BerthObject | null } | null {
  const text = [f.reason, ...f.evidence, ...f.commands.map((c) => c.join(' '))].join('\n');
  const tag = berthTag(text) ?? BRIDGE.exec(text)?.[1] ?? null;
  if (!tag || f.owner !== 'berth') return null;
  return { tag, object: names.get(tag) ?? null };
}

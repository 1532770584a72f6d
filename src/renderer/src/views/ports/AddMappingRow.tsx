import { useId } from 'react';
import { useBerthMutation } from '../../api/hooks';
import type { Proto } from '../../../../shared/ports';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { checkDraft, type Draft, type Owned } from './port-conflicts';

// What is typed in one add row. The view holds it (by container id), not the
// row: a row that is re-created (its card hidden by the search and shown
// again, or gone for a moment while the list is read again) keeps it.
export interface AddForm {
  d: Draft;
  touched: Partial<Record<keyof Draft, boolean>>;
  submitted: boolean;
}
export const EMPTY_ADD_FORM: AddForm = { d: { hostIp: '0.0.0.0', hostPort: '', containerPort: '', proto: 'tcp' }, touched: {}, submitted: false };

// The inline "add a mapping" row of one container. Conflicts with every
// mapping in the view show as the user types; the helper's own refusal shows
// here too, on submit.
export function AddMappingRow({ container, all, onAdded, form, onForm }: { container: string; all: Owned[]; onAdded: (spec: string) => void; form: AddForm; onForm: (next: (f: AddForm) => AddForm) => void }) {
  const id = useId();
  const add = useBerthMutation('port.add');
  const { d, touched, submitted } = form;
  const check = checkDraft(d, all);
  const set = (k: keyof Draft) => (v: string) => {
    onForm((f) => ({ d: { ...f.d, [k]: v }, touched: { ...f.touched, [k]: true }, submitted: false }));
    if (add.error) add.reset();
  };
  // an error shows once its field was typed in (a conflict: as soon as it exists)
  // ("Required" only after a submit: an emptied field is not yet an error)
  const shown = (k: keyof Draft) => {
    const e = touched[k] || (k === 'hostPort' && check.conflicts.length > 0) ? check.errors[k] : undefined;
    return e === 'Required' && !submitted ? undefined : e;
  };
  const messages = (['hostIp', 'hostPort', 'containerPort'] as const).map((k) => shown(k)).filter(Boolean) as string[];

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    onForm((f) => ({ ...f, touched: { hostIp: true, hostPort: true, containerPort: true }, submitted: true }));
    if (!check.spec || add.isPending) return;
    const spec = check.spec;
    add.mutate({ container, spec }, {
      onSuccess: () => {
        onForm((f) => ({ d: { ...f.d, hostPort: '', containerPort: '' }, touched: {}, submitted: false }));
        onAdded(spec);
      },
    });
  };

  const errId = `${id}-err`;
  const input = (k: 'hostIp' | 'hostPort' | 'containerPort', label: string, placeholder: string, cls: string) => (
    <label className={`pf ${cls}${shown(k) ? ' pf-error' : ''}`}>
      <span className="pf-label">{label}</span>
      <input
        className="mono"
        value={d[k]}
        onChange={(e) => set(k)(e.target.value)}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={shown(k) ? true : undefined}
        aria-describedby={shown(k) ? errId : undefined}
      />
    </label>
  );

  return (
    <form className="add-mapping" onSubmit={submit} noValidate aria-label={`Add a port mapping to ${container}`}>
      <div className="add-mapping-fields">
        {input('hostIp', 'Host IP', '0.0.0.0', 'pf-ip')}
        <span className="pf-colon" aria-hidden="true">:</span>
        {input('hostPort', 'Host port', 'any free', 'pf-port')}
        <span className="map-arrow" aria-hidden="true">→</span>
        {input('containerPort', 'Container port', '80', 'pf-port')}
        <label className="pf pf-proto">
          <span className="pf-label">Protocol</span>
          <select value={d.proto} onChange={(e) => set('proto')(e.target.value as Proto)}>
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
            <option value="sctp">sctp</option>
          </select>
        </label>
        <button type="submit" className="button button-primary add-mapping-submit" disabled={add.isPending || (!!d.containerPort && !check.spec)}>
          {add.isPending ? <Spinner label="Adding…" /> : <><Icon name="plus" /> Add</>}
        </button>
        {check.spec && d.containerPort && <span className="spec-preview muted small">-p <code>{check.spec}</code></span>}
      </div>
      <div id={errId} className="add-mapping-msgs" aria-live="polite">
        {messages.map((m) => (
          <p key={m} className="field-msg field-msg-error"><Icon name="warning" size={12} /> {m}</p>
        ))}
      </div>
      <ErrorMessage error={add.error} title="The helper refused" />
    </form>
  );
}

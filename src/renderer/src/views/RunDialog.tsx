import { useState } from 'react';
import { useBerthMutation, useBerthQuery } from '../api/hooks';
import { NAME_RE } from '../../../shared/validators';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { splitArgv } from '../lib/argv';
import { useDebounced } from '../lib/useDebounced';

export function RunDialog({ onClose }: { onClose: () => void }) {
  const networks = useBerthQuery('network.list', {});
  const run = useBerthMutation('container.run');
  const [name, setName] = useState('');
  const [command, setCommand] = useState('');
  const [network, setNetwork] = useState('bridge');
  const [ports, setPorts] = useState('');

  const argv = splitArgv(command);
  const nameError = name && !NAME_RE.test(name) ? 'Only letters, digits and _ . - (starting with a letter or digit)' : null;
  const specs = ports.split(/[\s,]+/).filter(Boolean);
  const portError = specs.find((s) => !/^(\[?[0-9a-fA-F.:]*\]?:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(s));
  const commandError = argv.error ?? null;
  // the helper's checks as the user types (container.validate): the spec as the Ports editor parses it
  // (99999:1 is refused here too), a name in use, and a host port any process on the host already holds
  const fields = useDebounced(JSON.stringify({ name: name.trim(), network, ports: specs }), 200);
  const validation = useBerthQuery('container.validate', JSON.parse(fields), { staleTime: 0 });
  const helperSays = (field: string) => validation.data?.problems.filter((x) => x.field === field).map((x) => x.message).join('; ') || null;
  const pending = fields !== JSON.stringify({ name: name.trim(), network, ports: specs }) || validation.isFetching;
  const portsError = portError ? `"${portError}" is not a -p spec` : helperSays('ports');
  const invalid = !!nameError || !!commandError || argv.argv.length === 0 || !!portsError || !!helperSays('name') || (specs.length > 0 && pending);
  const names = networks.data?.map((n) => n.Name) ?? ['bridge'];

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (invalid || run.isPending) return;
    run.mutate({ name: name || undefined, cmd: argv.argv, network, ports: specs }, { onSuccess: onClose });
  };

  return (
    <Dialog
      title="Run container"
      description="Starts the command as you, in a new network namespace attached to the network you pick."
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>Cancel</button>
          <button type="submit" form="run-container" className="button button-primary" disabled={invalid || run.isPending}>
            {run.isPending ? <Spinner label="Starting…" /> : 'Run'}
          </button>
        </>
      }
    >
      <form id="run-container" className="form-grid" onSubmit={submit} noValidate>
        <Field label="Name" error={nameError ?? helperSays('name')} hint="Optional; a name is generated if empty.">
          {(p) => <input {...p} data-autofocus value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} placeholder="web-1" />}
        </Field>
        <Field label="Network" hint="More networks can be connected once it runs.">
          {(p) => (
            <select {...p} value={network} onChange={(e) => setNetwork(e.target.value)}>
              {names.includes('bridge') ? null : <option value="bridge">bridge</option>}
              {names.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          )}
        </Field>
        <div className="span-2">
          <Field
            label="Command"
            error={commandError}
            hint={argv.argv.length > 1 ? <>argv: {argv.argv.map((a, i) => <code key={i}>{a}</code>)}</> : 'A command line; quotes work as in a shell, nothing is expanded.'}
          >
            {(p) => <input {...p} className="mono" value={command} onChange={(e) => setCommand(e.target.value)} autoComplete="off" spellCheck={false} placeholder="sleep 300" />}
          </Field>
        </div>
        <div className="span-2">
          <Field label="Published ports" error={portsError} hint="-p specs, separated by spaces: 8080:80 127.0.0.1:5353:53/udp">
            {(p) => <input {...p} className="mono" value={ports} onChange={(e) => setPorts(e.target.value)} autoComplete="off" spellCheck={false} placeholder="8080:80" />}
          </Field>
        </div>
      </form>
      <ErrorMessage error={run.error} title="The helper refused" />
    </Dialog>
  );
}

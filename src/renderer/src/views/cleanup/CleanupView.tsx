import { useCallback, useEffect, useMemo, useState } from 'react';
import { useBerth } from '../../api/context';
import { useQueryClient } from '@tanstack/react-query';
import { queryKey, useBerthMutation, useBerthQuery } from '../../api/hooks';
import type { Finding } from '../../../../shared/inspect';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { ErrorMessage } from '../../components/ErrorMessage';
import { failedWithoutData, LoadError, RefreshError } from '../../components/RefreshError';
import { Icon } from '../../components/Icon';
import { ListSearch, NoMatch } from '../../components/ListSearch';
import { matchesQuery } from '../../lib/list-search';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { joinArgv } from '../../lib/argv';
import { relativeTime } from '../../lib/format';
import { applyParams, chosen, groupByKind, isForeign, toggle, toggleAll, type Choices } from './cleanup-select';
import { DoctorPanel } from './DoctorPanel';
import { FindingList } from './FindingList';
import type { OpenView } from '../../lib/navigation';

const NONE: Choices = { excluded: new Set(), included: new Set() };
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// A plan read before the view opened (the app asks when the helper connects) is shown
// at once; one older than this is read again behind it, as a foreign tool may have
// changed the host without an event (docs/decisions.md, "Cleanup").
export const PLAN_FRESH_MS = 60_000;
// What the app and the view ask: the helper may answer with a plan it read up to that
// long ago when Berth changed nothing since (it reads one ahead when it starts). Re-check asks
// for a new reading.
export const PLAN_PARAMS = { maxAgeMs: PLAN_FRESH_MS };
// A plan the helper read before this page started (kept from its read-ahead or another
// client's ask) is shown at once and read again behind it: another tool may have changed
// the host since, without an event (someone's `iptables -A` just before opening the app).
const PAGE_STARTED = Date.now();

export function CleanupView({ onOpen }: { onOpen?: OpenView } = {}) {
  // thousands of findings: a new plan replaces the old one whole, not compared deep for sharing
  const plan = useBerthQuery('cleanup.plan', PLAN_PARAMS, { staleTime: PLAN_FRESH_MS, structuralSharing: false });
  const recheck = useRecheck();
  const apply = useBerthMutation('cleanup.apply');
  const undo = useBerthMutation('cleanup.undo');
  const { progress } = useBerth();
  const [choices, setChoices] = useState<Choices>(NONE);
  const [previewing, setPreviewing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const findings = useMemo(() => plan.data?.findings ?? [], [plan.data]);
  const foreign = useMemo(() => findings.filter(isForeign).length, [findings]);
  const picked = useMemo(() => chosen(findings, choices), [findings, choices]);
  const foreignPicked = useMemo(() => picked.filter(isForeign).length, [picked]);
  const [search, setSearch] = useState('');
  // the search narrows what is listed; ticked findings stay ticked (the summary counts them all).
  // No search: no finding's text is built (thousands of commands joined on the first render)
  const groups = useMemo(
    () => groupByKind(search.trim() ? findings.filter((f) => matchesQuery(search, f.kind, f.owner, f.reason, ...f.evidence, ...f.commands.map(joinArgv))) : findings),
    [findings, search],
  );
  // stable, so the memoised cards and group headers re-render only for their own change
  const onToggle = useCallback((f: Finding, on: boolean) => setChoices((c) => toggle(c, f, on)), []);
  const onToggleGroup = useCallback((list: Finding[], on: boolean) => setChoices((c) => toggleAll(c, list, on)), []);
  const listed = groups.reduce((k, [, list]) => k + list.length, 0);
  const checkedAt = plan.data?.takenAt;
  const readBefore = !!checkedAt && Date.parse(checkedAt) < PAGE_STARTED;
  const recheckRun = recheck.run;
  useEffect(() => {
    if (readBefore) recheckRun();
  }, [readBefore, recheckRun]);

  const doApply = () => {
    undo.reset();
    // a refusal stays in the dialog (the helper read the host again and a chosen
    // finding is gone, say); the plan is read again behind it (staleAfter)
    apply.mutate(applyParams(findings, choices), {
      onSuccess: () => {
        setChoices(NONE);
        setConfirming(false);
      },
    });
  };
  const doUndo = () => {
    apply.reset();
    undo.mutate({});
  };

  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader
        title="Cleanup"
        subtitle={checkedAt ? <>Stale rules, links and namespaces, with the exact commands that fix them · checked <time dateTime={checkedAt} title={new Date(checkedAt).toLocaleString()}>{relativeTime(checkedAt) || 'just now'}</time></> : 'Stale rules, links and namespaces, with the exact commands that fix them'}
        actions={
          <>
            <button type="button" className="button" onClick={doUndo} disabled={undo.isPending} title="Put back what the last cleanup removed">
              {undo.isPending ? <Spinner label="Undoing…" /> : <><Icon name="refresh" /> Undo last cleanup</>}
            </button>
            <button type="button" className="button" onClick={recheck.run} disabled={plan.isFetching || recheck.pending}>
              {(plan.isFetching || recheck.pending) && plan.data ? <Spinner label="Checking…" /> : <><Icon name="refresh" /> Re-check</>}
            </button>
          </>
        }
      />
      <div className="pane pane-fill cleanup-pane">
        <ApplyOutcome apply={apply} undo={undo} onUndo={doUndo} />
        <RefreshError query={plan} what="the cleanup plan" />
        {plan.isPending && plan.fetchStatus !== 'idle' ? (
          <div className="pane-center"><Spinner label="Looking for stale objects…" /></div>
        ) : failedWithoutData(plan) ? (
          <LoadError query={plan} title="Could not check the host" what="the cleanup plan" />
        ) : findings.length === 0 ? (
          // no button of its own: the header's Re-check is in reach (one control per action)
          <EmptyState icon="check" title="Nothing stale on this host">
            Every Berth rule, link and namespace has its owner, and no foreign leftover was found.
            {checkedAt && <> Checked <time dateTime={checkedAt}>{new Date(checkedAt).toLocaleString()}</time>.</>}
          </EmptyState>
        ) : (
          <>
            <div className="cleanup-summary" role="status" aria-live="polite">
              <span><strong>{plural(findings.length, 'finding')}</strong> · {findings.length - foreign} Berth-owned · {foreign} foreign</span>
              <span className="cleanup-picked">{plural(picked.length, 'fix', 'fixes')} selected{foreignPicked ? ` (${foreignPicked} foreign)` : ''}</span>
              <span className="spacer" />
              <button type="button" className="button" onClick={() => setPreviewing(true)} disabled={!picked.length}>Preview</button>
              <button type="button" className="button button-primary" onClick={() => setConfirming(true)} disabled={!picked.length || apply.isPending}>
                Apply {plural(picked.length, 'fix', 'fixes')}
              </button>
            </div>
            <ListSearch label="Search findings" placeholder="Search: name, address, chain, command…" value={search} onChange={setSearch} shown={listed} total={findings.length} noun="findings" />
            {listed === 0 && <NoMatch query={search} what="findings" onClear={() => setSearch('')} />}
            <FindingList
              groups={groups}
              choices={choices}
              onToggle={onToggle}
              onToggleGroup={onToggleGroup}
              onOpen={onOpen}
            />
          </>
        )}
        <DoctorPanel />
      </div>
      {previewing && <PreviewDialog findings={picked} onClose={() => setPreviewing(false)} />}
      {confirming && (
        <ConfirmDialog
          title={`Apply ${plural(picked.length, 'fix', 'fixes')}?`}
          confirmLabel={`Apply ${plural(picked.length, 'fix', 'fixes')}`}
          busyLabel={progress && progress.op.startsWith('cleanup') ? `${progress.message} (${progress.done}/${progress.total})` : 'Applying…'}
          pending={apply.isPending}
          error={apply.error}
          onClose={() => !apply.isPending && setConfirming(false)}
          onConfirm={doApply}
        >
          <p>
            This runs {plural(picked.reduce((n, f) => n + f.commands.length, 0), 'command')} for {plural(picked.length, 'finding')}.
            A snapshot is taken first: “Undo last cleanup” puts everything back.
          </p>
          {plan.error && (
            // the plan shown is older than the last try to read it: apply is still safe, the
            // helper reads the host again and refuses the whole apply if a chosen finding is gone
            <p className="small muted">The last re-check failed, so this plan may be out of date: the helper checks the host again first and applies nothing if a chosen finding is gone.</p>
          )}
          {foreignPicked > 0 && (
            <p className="callout callout-warn"><Icon name="warning" /> {foreignPicked === 1 ? '1 fix touches an object' : `${foreignPicked} fixes touch objects`} Berth does not own.</p>
          )}
          {apply.isPending && <div className="progress-bar" role="progressbar" aria-label="Applying the cleanup" aria-valuemin={0} aria-valuemax={progress?.total} aria-valuenow={progress?.done}><span style={{ width: progress ? `${(100 * progress.done) / Math.max(progress.total, 1)}%` : '35%' }} className={progress ? '' : 'indeterminate'} /></div>}
        </ConfirmDialog>
      )}
    </section>
  );
}

// Re-check: a new reading of the host (never a plan the helper kept), shown as the view's plan.
function useRecheck() {
  const { transport } = useBerth();
  const qc = useQueryClient();
  const [pending, setPending] = useState(false);
  const run = useCallback(() => {
    setPending(true);
    const key = queryKey('cleanup.plan', PLAN_PARAMS);
    void transport
      .call('cleanup.plan', {})
      .then((fresh) => qc.setQueryData(key, fresh), () => qc.invalidateQueries({ queryKey: key }))
      .finally(() => setPending(false));
  }, [transport, qc]);
  return { run, pending };
}

function PreviewDialog({ findings, onClose }: { findings: Finding[]; onClose: () => void }) {
  const cmds = findings.flatMap((f) => f.commands.map((c) => ({ f, c })));
  return (
    <Dialog
      title="Preview"
      description={`Exactly what Apply runs, in this order: ${plural(cmds.length, 'command')} for ${plural(findings.length, 'finding')}.`}
      onClose={onClose}
      wide
      footer={<button type="button" className="button" onClick={onClose} data-autofocus>Close</button>}
    >
      <pre className="json preview-commands" tabIndex={0} aria-label="Commands Apply will run">
        {cmds.map(({ f, c }) => `${joinArgv(c)}${isForeign(f) ? `    # ${f.owner}` : ''}`).join('\n')}
      </pre>
    </Dialog>
  );
}

type Mut<T> = { data?: T; error: Error | null; isSuccess: boolean };

function ApplyOutcome({ apply, undo, onUndo }: { apply: Mut<{ snapshotId: string; applied: string[]; failed: { id: string; error: string }[] }> & { isPending: boolean }; undo: Mut<{ snapshotId: string; restored: string[] }> & { isPending: boolean }; onUndo: () => void }) {
  if (undo.error) return <ErrorMessage error={undo.error} title="Could not undo" />;
  if (undo.isSuccess && undo.data) {
    return (
      <div className="banner-inline banner-ok" role="status">
        <Icon name="check" />
        <div>
          <strong>Undone.</strong> Restored {plural(undo.data.restored.length, 'object')} from snapshot <code>{undo.data.snapshotId}</code>.
          {undo.data.restored.length > 0 && <ul className="restored mono small">{undo.data.restored.slice(0, 12).map((r) => <li key={r}>{r}</li>)}</ul>}
        </div>
      </div>
    );
  }
  if (!apply.isSuccess || !apply.data) return null;
  const r = apply.data;
  return (
    <div className={r.failed.length ? 'banner-inline banner-warnish' : 'banner-inline banner-ok'} role="status" aria-label="Cleanup result">
      <Icon name={r.failed.length ? 'warning' : 'check'} />
      <div className="grow">
        <strong>{plural(r.applied.length, 'fix', 'fixes')} applied{r.failed.length ? `, ${r.failed.length} failed` : ''}.</strong>{' '}
        <span className="muted">Snapshot <code>{r.snapshotId}</code></span>
        {r.failed.length > 0 && (
          <ul className="failed-list">
            {r.failed.map((f) => <li key={f.id}><code>{f.id}</code> {f.error}</li>)}
          </ul>
        )}
      </div>
      <button type="button" className="button" onClick={onUndo} disabled={undo.isPending}>
        {undo.isPending ? <Spinner label="Undoing…" /> : 'Undo'}
      </button>
    </div>
  );
}

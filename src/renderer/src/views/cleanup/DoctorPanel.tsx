import { useState } from 'react';
import { useBerthMutation } from '../../api/hooks';
import type { ResultOf } from '../../../../shared/methods';
import { Badge } from '../../components/Badge';
import { LoadError, RefreshError, type KeptQuery } from '../../components/RefreshError';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';

// `berth doctor`: Berth's store compared with the kernel; what is missing is
// put back (healed), what is extra is named. A run that fails keeps the last
// result on screen with the refresh note, as the views keep their lists
// (RefreshError.tsx): a mutation forgets its data when it runs again.
export function DoctorPanel() {
  const doctor = useBerthMutation('doctor');
  const [last, setLast] = useState<{ result: ResultOf<'doctor'>; at: number } | null>(null);
  const run = () => doctor.mutate({}, { onSuccess: (result) => setLast({ result, at: Date.now() }) });
  const check: KeptQuery = { data: last?.result, error: doctor.error, dataUpdatedAt: last?.at ?? 0, isFetching: doctor.isPending, refetch: run };
  const r = last?.result;
  return (
    <section className="doctor" aria-labelledby="doctor-title">
      <div className="doctor-head">
        <div>
          <h2 id="doctor-title" className="doctor-title"><Icon name="shield" size={14} /> Doctor</h2>
          <p className="small muted">Compares what Berth should have set up with what the kernel has, and puts back what is missing.</p>
        </div>
        <button type="button" className="button" onClick={run} disabled={doctor.isPending}>
          {doctor.isPending ? <Spinner label="Checking…" /> : <><Icon name="check" /> Run doctor</>}
        </button>
      </div>
      <RefreshError query={check} what="the doctor's check" />
      {!last && doctor.error && <LoadError query={check} title="Doctor failed" what="the doctor's check" />}
      {r && (
        <div className="doctor-result" role="status" aria-label="Doctor result">
          <p className="doctor-summary">
            {r.missing.length === 0 && r.extra.length === 0 ? (
              <Badge tone="ok">healthy</Badge>
            ) : (
              <Badge tone={r.healed ? 'info' : 'warn'}>{r.healed ? 'healed' : 'drift'}</Badge>
            )}{' '}
            {r.healthy.length} healthy · {r.missing.length} missing · {r.extra.length} extra{r.healed ? ' · missing objects put back' : ''}
          </p>
          <DoctorList title="Missing" tone="warn" items={r.missing} />
          <DoctorList title="Extra" tone="warn" items={r.extra} />
          <DoctorList title="Beside the host's other firewalls" tone="warn" items={r.warnings ?? []} />
          <details>
            <summary>Healthy ({r.healthy.length})</summary>
            <ul className="doctor-list mono">{r.healthy.map((h) => <li key={h}>{h}</li>)}</ul>
          </details>
        </div>
      )}
    </section>
  );
}

function DoctorList({ title, items }: { title: string; tone: 'warn'; items: string[] }) {
  if (!items.length) return null;
  return (
    <>
      <h3 className="section-title">{title}</h3>
      <ul className="doctor-list mono">{items.map((h) => <li key={h}>{h}</li>)}</ul>
    </>
  );
}

import { Icon, type IconName } from './Icon';
import { PageHeader } from './PageHeader';

// Placeholder for views that later issues build.
export function ComingNext({ title, icon, what }: { title: string; icon: IconName; what: string }) {
  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader title={title} />
      <div className="empty-state coming-next">
        <Icon name={icon} size={44} />
        <h3>Coming next</h3>
        <p>{what}</p>
        <p className="muted">Until then, the `berth` CLI covers it.</p>
      </div>
    </section>
  );
}

import type { Locator, Page } from 'playwright-core';

export class PortsPage {
  constructor(readonly page: Page) {}
  card(container: string): Locator {
    return this.page.locator(`section.port-card[data-container="${container}"]`);
  }
  rows(container: string): Locator {
    return this.card(container).getByRole('table').locator('tbody tr');
  }
  row(container: string, spec: string): Locator {
    return this.card(container).locator(`tr[data-spec="${spec}"]`);
  }
  addForm(container: string): Locator {
    return this.page.getByRole('form', { name: `Add a port mapping to ${container}` });
  }
  async fill(container: string, d: { hostIp?: string; hostPort?: string; containerPort?: string; proto?: string }): Promise<void> {
    const f = this.addForm(container);
    if (d.hostIp !== undefined) await f.getByLabel('Host IP').fill(d.hostIp);
    if (d.hostPort !== undefined) await f.getByLabel('Host port').fill(d.hostPort);
    if (d.containerPort !== undefined) await f.getByLabel('Container port').fill(d.containerPort);
    if (d.proto !== undefined) await f.getByLabel('Protocol').selectOption(d.proto);
  }
  messages(container: string): Locator {
    return this.addForm(container).locator('.add-mapping-msgs');
  }
  addButton(container: string): Locator {
    return this.addForm(container).getByRole('button', { name: /Add/ });
  }
  // "Could not refresh …" notes: a refresh failed, the last list stays
  refreshErrors(): Locator {
    return this.page.locator('.refresh-error');
  }
  toasts(): Locator {
    return this.page.getByRole('region', { name: 'Notifications' });
  }
}

// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../../shared/activity';
import { BerthError } from '../../../shared/errors';
import { fakeTransport, outage, renderWith } from '../test-utils';
import { ActivityView } from './ActivityView';

afterEach(cleanup);

const entry = (seq: number, name: string): ActivityEntry => ({ seq, at: new Date().toISOString(), actor: 'cli', event: { type: 'network.created', id: `${name}-id`, name } });

describe('ActivityView', () => {
  it("a failed refresh keeps the helper's history, with a note and Retry", async () => {
    const history = [entry(1, 'red')];
    const { transport, emit } = fakeTransport({ 'activity.list': () => [...history] });
    const helper = outage(transport, (m) => m === 'activity.list');
    renderWith(<ActivityView />, transport);
    await screen.findByText('network red created');

    helper.down = true;
    act(() => emit({ type: 'network.created', id: 'blue-id', name: 'blue' }));
    const note = (await screen.findByText(/^Could not refresh the activity history/)).closest('[role="status"]') as HTMLElement;
    expect(note.textContent).toContain('the helper did not answer');
    expect(screen.getByText('network red created')).toBeTruthy();
    expect(screen.getByText(/kept by the helper/)).toBeTruthy();

    helper.down = false;
    history.push(entry(2, 'blue'));
    await act(async () => fireEvent.click(within(note).getByRole('button', { name: 'Retry reading the activity history' })));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
    expect(screen.getByText('network blue created')).toBeTruthy();
  });

  it('a first read that fails says so, with Retry, above the live events', async () => {
    const { transport, emit } = fakeTransport({ 'activity.list': () => { throw new BerthError('unavailable', 'the helper did not answer'); } });
    renderWith(<ActivityView />, transport);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain("Could not read the helper's history");
    expect(within(alert).getByRole('button', { name: 'Retry reading the activity history' })).toBeTruthy();
    act(() => emit({ type: 'network.created', id: 'live-id', name: 'live' }));
    await screen.findByText('network live created');
  });
});

// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BerthError } from '../../../shared/errors';
import { fakeTransport, outage, renderWith } from '../test-utils';
import { LogsPanel } from './LogsPanel';

afterEach(cleanup);

describe('LogsPanel', () => {
  it('a failed refresh keeps the lines read before, with a note and Retry; the next good read clears it', async () => {
    let lines = 'first line\n';
    const { transport, emit } = fakeTransport({ 'container.logs': () => ({ data: lines, stderr: '', exitCode: null }) });
    const helper = outage(transport, (m) => m === 'container.logs');
    renderWith(<LogsPanel name="web" onClose={() => {}} />, transport);
    const out = await screen.findByLabelText('Log output of web');
    expect(out.textContent).toContain('first line');

    helper.down = true;
    act(() => emit({ type: 'log', container: 'web', stream: 'stdout', data: 'x' }));
    const note = (await screen.findByText(/^Could not refresh the logs of web/)).closest('[role="status"]') as HTMLElement;
    expect(note.textContent).toContain('the helper did not answer');
    expect(note.textContent).toMatch(/showing what was read at \d/);
    expect(screen.getByLabelText('Log output of web').textContent).toContain('first line');
    expect(screen.queryByRole('alert')).toBeNull();

    helper.down = false;
    lines += 'second line\n';
    await act(async () => fireEvent.click(within(note).getByRole('button', { name: 'Retry reading the logs of web' })));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
    expect(screen.getByLabelText('Log output of web').textContent).toContain('second line');
  });

  it('a first read that fails shows the error with Retry', async () => {
    const { transport } = fakeTransport({ 'container.logs': () => { throw new BerthError('unavailable', 'the helper did not answer'); } });
    renderWith(<LogsPanel name="web" onClose={() => {}} />, transport);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not read the logs of web');
    expect(within(alert).getByRole('button', { name: 'Retry reading the logs of web' })).toBeTruthy();
  });
});

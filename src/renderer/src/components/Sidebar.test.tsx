// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Sidebar, type ViewId } from './Sidebar';

afterEach(cleanup);

function Harness() {
  const [v, setV] = useState<ViewId>('networks');
  return <Sidebar current={v} onSelect={setV} badges={{ networks: 3 }} />;
}

describe('Sidebar', () => {
  it('moves between views with the arrow keys, Home and End', () => {
    render(<Harness />);
    const nav = screen.getByRole('navigation', { name: 'Views' });
    const current = () => nav.querySelector('[aria-current="page"]')!.textContent;
    expect(current()).toMatch(/^Networks/);
    screen.getByRole('button', { name: /^Networks/ }).focus();
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(current()).toBe('Containers');
    expect(document.activeElement?.textContent).toBe('Containers');
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(current()).toBe('Activity');
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(current()).toBe('Topology');
  });

  it('says which view the pointer or focus is heading for', () => {
    const intents: ViewId[] = [];
    render(<Sidebar current="networks" onSelect={() => {}} onIntent={(v) => intents.push(v)} />);
    fireEvent.pointerEnter(screen.getByRole('button', { name: /^Cleanup/ }));
    fireEvent.focus(screen.getByRole('button', { name: /^Firewall rules/ }));
    expect(intents).toEqual(['cleanup', 'nat']);
  });

  it('gives one tab stop and names counts', () => {
    render(<Harness />);
    const tabbable = screen.getAllByRole('button').filter((b) => b.tabIndex === 0);
    expect(tabbable).toHaveLength(1);
    expect(screen.getByLabelText('3 items')).toBeTruthy();
  });
});

import { describe, expect, it } from 'vitest';
import { allCommands, AREA_OF_WORD, commandsOf } from '.';

// dispatch loads only the area of a verb's first word (index.ts): the table must name it for every verb
describe('the verbs by area', () => {
  it("finds every verb in the area of its first word, and no word without verbs", async () => {
    const all = await allCommands();
    for (const c of all) expect((await commandsOf(c.name.split(' ')[0])).includes(c), c.name).toBe(true);
    const words = new Set(all.map((c) => c.name.split(' ')[0]));
    expect(new Set(Object.keys(AREA_OF_WORD))).toEqual(words);
    expect(await commandsOf('frobnicate')).toEqual([]);
    expect(await commandsOf('constructor')).toEqual([]);
    expect(await commandsOf(undefined)).toEqual([]);
  });
});

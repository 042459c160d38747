/**
 * Every CLI command, as a frozen table: the words that select it, a one-line summary, and a
 * lazy loader (so that `clinsum data stats` never loads libtorch).
 */
import type { Command } from './command.js';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = Object.freeze([
  { name: 'data stats', summary: 'per-language counts and text lengths (the paper\'s Tables 1 and 2)', load: async () => (await import('./commands/data-stats.js')).command },
  { name: 'data split', summary: 'seeded per-language train/valid/test split with a manifest', load: async () => (await import('./commands/data-split.js')).command },
]);

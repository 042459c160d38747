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
  { name: 'model pull', summary: 'download a model from the Hugging Face Hub (resumable, verified, shared cache)', load: async () => (await import('./commands/model-pull.js')).command },
]);

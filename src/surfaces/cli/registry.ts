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
  { name: 'doctor', summary: 'Show the tensor engine setup: libtorch, CUDA devices, threads, BLAS', load: async () => (await import('./commands/doctor.js')).command },
]);

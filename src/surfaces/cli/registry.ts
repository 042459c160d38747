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
  { name: 'eval', summary: 'Score prediction files against references: per-language tables, paired significance tests', load: async () => (await import('./commands/eval-predictions.js')).command },
  { name: 'eval bertscore', summary: 'BERTScore of reference–prediction pairs (bert_score semantics, local model folder), per language', load: async () => (await import('./commands/eval-bertscore.js')).command },
  { name: 'eval rouge', summary: 'ROUGE-1/2/L/Lsum of reference–prediction pairs (rouge-score semantics), per language', load: async () => (await import('./commands/eval-rouge.js')).command },
  { name: 'data stats', summary: 'per-language counts and text lengths (the paper\'s Tables 1 and 2)', load: async () => (await import('./commands/data-stats.js')).command },
  { name: 'data split', summary: 'seeded per-language train/valid/test split with a manifest', load: async () => (await import('./commands/data-split.js')).command },
  { name: 'model init-tiny', summary: 'write a small random-weight Qwen2 (Hugging Face layout, Qwen2.5 tokenizer) for tests and demos', load: async () => (await import('./commands/model-init-tiny.js')).command },
  { name: 'model info', summary: 'configuration, parameter count, dtype and file sizes of a model folder', load: async () => (await import('./commands/model-info.js')).command },
  { name: 'model gguf', summary: 'write a Qwen2 model folder as a GGUF file for llama.cpp', load: async () => (await import('./commands/model-gguf.js')).command },
  { name: 'generate', summary: 'summarize reports with a model: batched KV-cache generation, resumable JSONL output', load: async () => (await import('./commands/generate.js')).command },
  { name: 'extract', summary: 'stage 1: the teacher\'s key information for every report, from an OpenAI-compatible endpoint; resumable', load: async () => (await import('./commands/extract.js')).command },
  { name: 'serve', summary: 'OpenAI-compatible server (continuous batching) with a summarization web page at /', load: async () => (await import('./commands/serve.js')).command },
  { name: 'model pull', summary: 'download a model from the Hugging Face Hub (resumable, verified, shared cache)', load: async () => (await import('./commands/model-pull.js')).command },
  { name: 'train', summary: 'distillation fine-tuning: gamma * L_sum + (1 - gamma) * L_ext, ROUGE-selected best/, resumable', load: async () => (await import('./commands/train.js')).command },
  { name: 'doctor', summary: 'Show the tensor engine setup: libtorch, CUDA devices, threads, BLAS', load: async () => (await import('./commands/doctor.js')).command },
  { name: 'report', summary: 'One self-contained HTML report of run directories: provenance, curves, per-language tables, significance, examples', load: async () => (await import('./commands/report.js')).command },
  { name: 'data demo', summary: 'write the built-in demo dataset: fictional case reports with summaries in en, es, fr, pt', load: async () => (await import('./commands/data-demo.js')).command },
  { name: 'demo', summary: 'the whole pipeline in minutes on the CPU: fictional data, tiny random models, a report (npm start)', load: async () => (await import('./commands/demo.js')).command },
  { name: 'run', summary: 'the whole method in one run directory: split → teacher → train → generate → eval → report (skips what is unchanged, resumes after a crash)', load: async () => (await import('./commands/run.js')).command },
]);

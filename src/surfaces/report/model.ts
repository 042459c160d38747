/** What the report knows about a run directory after reading it (`readRun`). */
import type { Prompt, PromptTask } from '../../data/prompts.js';
import type { Lang } from '../../data/lang.js';
import type {
  AnswerFlag,
  ComparisonFile,
  JsonValue,
  RunStateFile,
  SplitManifestFile,
  SplitRowFile,
  SystemEvalFile,
  TeacherStatsFile,
} from './schemas.js';

/** Something the report would show that the run does not have yet, and how to make it. */
export interface Missing {
  /** The section it belongs to, e.g. `teacher`, `eval`. */
  section: 'config' | 'splits' | 'teacher' | 'train' | 'predictions' | 'eval' | 'comparison';
  /** What is missing, e.g. `eval/distil.json`. */
  what: string;
  /** How to produce it. */
  hint: string;
}

export interface ConfigInfo {
  file: string;
  text: string;
  sha256: string;
  /** The prompts in effect: `prompts:` of config.yaml over the defaults. */
  prompts: Record<PromptTask, Record<Lang, Prompt>>;
  /** Whether config.yaml has a `prompts:` section. */
  promptsConfigured: boolean;
}

export interface SplitFileCheck {
  name: string;
  rows: number;
  /** sha256 recorded in the manifest. */
  expected: string;
  /** sha256 of the file now; undefined when the file is gone. */
  actual: string | undefined;
}

export interface ManifestInfo {
  file: string;
  value: SplitManifestFile;
  checks: SplitFileCheck[];
}

export interface TeacherIdentityCount {
  model: string;
  host: string;
  promptHash: string;
  params: Record<string, JsonValue>;
  /** Answers made with this identity, per language. */
  answers: Record<string, number>;
}

/** Per-language statistics computed from keyinfo.jsonl (what it alone can tell). */
export interface KeyinfoGroup {
  answered: number;
  chars: { mean: number; min: number; max: number } | null;
  flags: Record<AnswerFlag, number>;
  promptTokens: number;
  completionTokens: number;
}

export interface TeacherInfo {
  keyinfoFile: string | undefined;
  statsFile: string | undefined;
  identities: TeacherIdentityCount[];
  /** From keyinfo.jsonl, per language (sorted) and `all`. */
  groups: Record<string, KeyinfoGroup>;
  all: KeyinfoGroup | undefined;
  stats: TeacherStatsFile | undefined;
  /** One answer per language (the first id by hash), for a glance at what the teacher wrote. */
  samples: { id: string; lang: string; keyinfo: string }[];
}

export interface TrainPoint {
  step: number;
  loss: number;
  lossSum: number | null;
  lossExt: number | null;
  lr: number | null;
}

export interface EvalPoint {
  step: number;
  loss: number | null;
  lossSum: number | null;
  lossExt: number | null;
  rouge1: number | null;
  rouge2: number | null;
  rougeL: number | null;
  rougeLsum: number | null;
  metric: string | null;
  score: number | null;
  best: boolean;
}

export interface TrainLog {
  file: string;
  /** Sorted by step; a step logged twice (a resumed run) keeps its last row. */
  steps: TrainPoint[];
  evals: EvalPoint[];
  /** Steps that were logged more than once. */
  repeated: number;
  torn: boolean;
}

export interface SystemData {
  name: string;
  train: TrainLog | undefined;
  trainConfig: { file: string; text: string; gamma: number | undefined } | undefined;
  predictions: { file: string; count: number; byKey: Map<string, string> } | undefined;
  evaluation: { file: string; value: SystemEvalFile } | undefined;
  /** Per-pair F-measures from `<name>.scores.jsonl`: key → column → F. */
  scores: Map<string, Record<string, number>> | undefined;
}

export interface RunData {
  /** The folder as given. */
  dir: string;
  /** Short name in tables and legends (the folder's name, made unique). */
  label: string;
  config: ConfigInfo | undefined;
  state: RunStateFile | undefined;
  manifest: ManifestInfo | undefined;
  /** Test split rows by `pairKey`. */
  test: Map<string, SplitRowFile> | undefined;
  teacher: TeacherInfo | undefined;
  /** In display order: `standard`, `distil`, then by name. */
  systems: SystemData[];
  comparisons: { file: string; value: ComparisonFile }[];
  missing: Missing[];
  /** Things to know (inconsistencies, torn files), without texts. */
  notes: string[];
}

/** The key of a (language, id) pair in maps: ids are unique per language. */
export function pairKey(lang: string, id: string): string {
  return `${lang}\u0000${id}`;
}

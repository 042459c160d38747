/** `teacher/keyinfo.jsonl` and `teacher/stats.json` → the teacher's identity and Table 2. */
import { join } from 'node:path';
import { canonicalJson } from '../../../util/hash.js';
import { readJsonl } from '../../../util/jsonl.js';
import type { KeyinfoGroup, TeacherIdentityCount, TeacherInfo } from '../model.js';
import { ANSWER_FLAGS, keyinfoRowSchema, teacherStatsSchema, type AnswerFlag, type KeyinfoRowFile } from '../schemas.js';
import { selectionRank } from '../select.js';
import { isFile, readJsonFile } from './files.js';

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

class Group {
  answered = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  flags = Object.fromEntries(ANSWER_FLAGS.map((f) => [f, 0])) as Record<AnswerFlag, number>;
  promptTokens = 0;
  completionTokens = 0;

  add(r: KeyinfoRowFile): void {
    const n = codePoints(r.keyinfo.trim());
    this.answered++;
    this.sum += n;
    this.min = Math.min(this.min, n);
    this.max = Math.max(this.max, n);
    for (const f of r.flags) this.flags[f]++;
    this.promptTokens += r.usage?.prompt_tokens ?? 0;
    this.completionTokens += r.usage?.completion_tokens ?? 0;
  }

  result(): KeyinfoGroup {
    return {
      answered: this.answered,
      chars: this.answered === 0 ? null : { mean: this.sum / this.answered, min: this.min, max: this.max },
      flags: { ...this.flags },
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
    };
  }
}

/**
 * Read the teacher's outputs under `dir` (`teacher/`); undefined when neither file exists.
 * `notes` receives inconsistencies (several teacher set-ups, counts that disagree).
 */
export function readTeacher(dir: string, notes: string[]): TeacherInfo | undefined {
  const keyinfoFile = join(dir, 'keyinfo.jsonl');
  const statsFile = join(dir, 'stats.json');
  const hasKeyinfo = isFile(keyinfoFile);
  const hasStats = isFile(statsFile);
  if (!hasKeyinfo && !hasStats) return undefined;

  const groups = new Map<string, Group>();
  const all = new Group();
  const identities = new Map<string, TeacherIdentityCount>();
  const samples = new Map<string, { rank: string; id: string; lang: string; keyinfo: string }>();
  const seen = new Set<string>();
  let duplicates = 0;
  if (hasKeyinfo) {
    for (const { value: r } of readJsonl(keyinfoFile, keyinfoRowSchema)) {
      const key = `${r.lang}\u0000${r.id}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
      let g = groups.get(r.lang);
      if (g === undefined) groups.set(r.lang, (g = new Group()));
      g.add(r);
      all.add(r);
      const t = r.teacher;
      const idKey = canonicalJson([t.model, t.host, t.prompt_hash, t.params]);
      let ident = identities.get(idKey);
      if (ident === undefined) identities.set(idKey, (ident = { model: t.model, host: t.host, promptHash: t.prompt_hash, params: t.params, answers: {} }));
      ident.answers[r.lang] = (ident.answers[r.lang] ?? 0) + 1;
      const rank = selectionRank(r.lang, r.id);
      const best = samples.get(r.lang);
      if (r.keyinfo.trim() !== '' && (best === undefined || rank < best.rank)) samples.set(r.lang, { rank, id: r.id, lang: r.lang, keyinfo: r.keyinfo });
    }
  }
  if (duplicates > 0) notes.push(`teacher/keyinfo.jsonl: ${duplicates} ids occur more than once (per language); each line was counted`);
  const models = new Set([...identities.values()].map((i) => `${i.model} @ ${i.host}`));
  if (models.size > 1) notes.push(`teacher/keyinfo.jsonl: the key information comes from ${models.size} different teachers (see Provenance)`);

  const stats = hasStats ? readJsonFile(statsFile, teacherStatsSchema) : undefined;
  const langs = [...groups.keys()].sort();
  const computed = Object.fromEntries(langs.map((l) => [l, groups.get(l)!.result()]));
  if (stats !== undefined && hasKeyinfo) {
    for (const [lang, g] of Object.entries(stats.languages)) {
      const n = computed[lang]?.answered ?? 0;
      if (g.answered !== n) notes.push(`teacher/stats.json says ${g.answered} answers in ${lang}, keyinfo.jsonl has ${n} (one of them is stale: rerun the teacher stage to rebuild both)`);
    }
  }
  return {
    keyinfoFile: hasKeyinfo ? keyinfoFile : undefined,
    statsFile: hasStats ? statsFile : undefined,
    identities: [...identities.values()],
    groups: computed,
    all: hasKeyinfo ? all.result() : undefined,
    stats,
    samples: [...samples.values()].sort((a, b) => (a.lang < b.lang ? -1 : 1)).map(({ id, lang, keyinfo }) => ({ id, lang, keyinfo })),
  };
}

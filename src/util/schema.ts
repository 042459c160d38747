/**
 * Validation of external input with zod, turning schema failures into `InputError`s that
 * name the file, the line and the field, and say what was expected.
 */
import { z } from 'zod';
import { InputError, type InputLocation } from './errors.js';

export { z };

function pathToString(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s ? `.${String(p)}` : String(p);
  }
  return s;
}

/** One-line description of the first problems zod found (at most three). */
export function describeIssues(error: z.ZodError): { field: string | undefined; text: string } {
  const issues = error.issues.slice(0, 3);
  const first = issues[0];
  const field = first && first.path.length > 0 ? pathToString(first.path) : undefined;
  const text = issues
    .map((i, k) => {
      const f = i.path.length > 0 ? pathToString(i.path) : undefined;
      return k === 0 || !f ? i.message : `${f}: ${i.message}`;
    })
    .join('; ');
  return { field, text: text + (error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '') };
}

/**
 * Parse `value` with `schema`; on failure throw an `InputError` at `where` (plus the failing
 * field), with `fix` as the suggested remedy.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: InputLocation,
  fix?: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const { field, text } = describeIssues(r.error);
  const f = [where.field, field].filter((x) => x !== undefined && x !== '').join('.');
  throw new InputError({ ...where, field: f || undefined }, text, fix);
}

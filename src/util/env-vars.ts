/**
 * `${VAR}` and `${VAR:-default}` in configuration strings, taken from the environment (an empty
 * variable counts as unset), and `$${` for a literal `${` — the syntax of `clinsum run` and
 * `clinsum train --config` files. A problem is handed to `fail(problem, fix)`, which throws an
 * error naming where the string came from.
 */
export function expandEnvVars(s: string, env: NodeJS.ProcessEnv, fail: (problem: string, fix: string) => never): string {
  return s.replace(/\$\$\{|\$\{([^}]*)\}/g, (whole, inner: string | undefined) => {
    if (whole === '$${') return '${';
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner ?? '');
    if (m === null) return fail(`\`${whole}\` is not a variable reference`, 'write ${NAME} or ${NAME:-default} (or $${ for a literal ${)');
    const value = env[m[1]!];
    if (value !== undefined && value !== '') return value;
    if (m[2] !== undefined) return m[2];
    return fail(`the environment variable ${m[1]} is not set`, `set it, or write \${${m[1]}:-default}`);
  });
}

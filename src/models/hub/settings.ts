/**
 * Where the Hub is and who we are to it, read from the same environment variables as
 * huggingface_hub (constants.py), so that a machine set up for Python tools works unchanged:
 *
 * - `HF_ENDPOINT` (default `https://huggingface.co`, trailing `/` dropped)
 * - `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the file `$HF_TOKEN_PATH`
 *   (default `$HF_HOME/token`, which `hf auth login` writes)
 * - `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, where `HF_HOME` defaults
 *   to `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`
 * - `HF_HUB_OFFLINE` or `TRANSFORMERS_OFFLINE` (`1`, `ON`, `YES`, `TRUE`, any case)
 * - `HF_HUB_ETAG_TIMEOUT`, `HF_HUB_DOWNLOAD_TIMEOUT` (seconds, default 10 each)
 * - `HF_HUB_DISABLE_SYMLINKS` (store plain files in snapshots instead of links)
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../util/errors.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export type TokenSource = 'option' | 'HF_TOKEN' | 'HUGGING_FACE_HUB_TOKEN' | 'token file';

export interface HubSettings {
  /** Base URL of the Hub, without a trailing slash. */
  endpoint: string;
  /** Access token sent as `Authorization: Bearer` to the Hub (never to a CDN); never logged. */
  token: string | undefined;
  /** Where the token came from, for messages (the token itself is never printed). */
  tokenSource: TokenSource | undefined;
  /** The huggingface_hub cache folder (holding `models--org--name/`). */
  cacheDir: string;
  /** No network at all: resolve revisions from `refs/` and use the cached snapshot. */
  offline: boolean;
  /** Timeout of metadata requests (repo info, HEAD), ms. */
  etagTimeoutMs: number;
  /** Longest silence of a download connection before it is dropped and resumed, ms. */
  downloadTimeoutMs: number;
  /** Copy blobs into snapshots instead of linking them. */
  disableSymlinks: boolean;
}

export interface HubSettingsOverrides {
  endpoint?: string;
  /** A token, or `null` to send none even when the environment has one. */
  token?: string | null;
  cacheDir?: string;
  offline?: boolean;
}

/** huggingface_hub's `_is_true`. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.toUpperCase());
}

/** `os.path.expandvars(os.path.expanduser(p))`: `~` and `$VAR` / `${VAR}` (unset ones stay as written). */
export function expandPath(p: string, env: NodeJS.ProcessEnv): string {
  let s = p;
  if (s === '~' || s.startsWith('~/')) s = homedir() + s.slice(1);
  return s.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, a: string | undefined, b: string | undefined) => {
    const v = env[(a ?? b)!];
    return v === undefined ? m : v;
  });
}

/** `HF_HOME`: `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: NodeJS.ProcessEnv): string {
  if (env.HF_HOME) return expandPath(env.HF_HOME, env);
  return join(env.XDG_CACHE_HOME ? expandPath(env.XDG_CACHE_HOME, env) : join(homedir(), '.cache'), 'huggingface');
}

/** The default hub cache folder, as huggingface_hub computes it. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const dir = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  return dir ? expandPath(dir, env) : join(hfHome(env), 'hub');
}

/** huggingface_hub's `_clean_token`: line breaks and surrounding blanks removed; empty means none. */
function cleanToken(t: string | undefined): string | undefined {
  if (t === undefined) return undefined;
  const s = t.replace(/[\r\n]/g, '').trim();
  return s === '' ? undefined : s;
}

function resolveToken(env: NodeJS.ProcessEnv): { token: string | undefined; source: TokenSource | undefined } {
  const fromHf = cleanToken(env.HF_TOKEN);
  if (fromHf) return { token: fromHf, source: 'HF_TOKEN' };
  const fromLegacy = cleanToken(env.HUGGING_FACE_HUB_TOKEN);
  if (fromLegacy) return { token: fromLegacy, source: 'HUGGING_FACE_HUB_TOKEN' };
  const path = env.HF_TOKEN_PATH ? expandPath(env.HF_TOKEN_PATH, env) : join(hfHome(env), 'token');
  try {
    const fromFile = cleanToken(readFileSync(path, 'utf8'));
    if (fromFile) return { token: fromFile, source: 'token file' };
  } catch {
    // No token file: anonymous access, as huggingface_hub does.
  }
  return { token: undefined, source: undefined };
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name}=${v} is not a positive number of seconds`);
  return n * 1000;
}

/** Resolve the settings from `env`, with explicit overrides (CLI flags, API options) first. */
export function hubSettings(env: NodeJS.ProcessEnv = process.env, overrides: HubSettingsOverrides = {}): HubSettings {
  const endpoint = (overrides.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(`HF_ENDPOINT=${endpoint} is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`HF_ENDPOINT=${endpoint} must be an http:// or https:// URL`);
  }
  let token: string | undefined;
  let tokenSource: TokenSource | undefined;
  if (overrides.token === null) {
    token = undefined;
  } else if (overrides.token !== undefined) {
    token = cleanToken(overrides.token);
    tokenSource = token ? 'option' : undefined;
  } else {
    ({ token, source: tokenSource } = resolveToken(env));
  }
  return {
    endpoint,
    token,
    tokenSource,
    cacheDir: overrides.cacheDir !== undefined ? expandPath(overrides.cacheDir, env) : defaultCacheDir(env),
    offline: overrides.offline ?? (isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE)),
    etagTimeoutMs: seconds(env, 'HF_HUB_ETAG_TIMEOUT', 10),
    downloadTimeoutMs: seconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT', 10),
    disableSymlinks: isTrue(env.HF_HUB_DISABLE_SYMLINKS),
  };
}

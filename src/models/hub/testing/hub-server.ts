/**
 * A local stand-in for the Hugging Face Hub, for tests: two HTTP servers on 127.0.0.1 (port 0),
 * the Hub and its CDN, serving repositories from folders the way huggingface.co does.
 *
 * Hub (`endpoint`):
 * - `GET /api/models/{repo}[/revision/{rev}]` (`?blobs=true` adds `size`, `blobId`, `lfs`)
 * - `GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=true` (huggingface_hub >= 1.x lists with it)
 * - `HEAD|GET /{repo}/resolve/{rev}/{path}`: a regular file answers 200 with `ETag: "{git blob sha1}"`
 *   (and Range support); an LFS file answers 302 to a signed CDN URL with `X-Linked-Etag: "{sha256}"`,
 *   `X-Linked-Size`, and the pointer's `ETag`. Every answer carries `X-Repo-Commit` and `X-Request-Id`.
 * - errors as the Hub gives them: `X-Error-Code` (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`,
 *   `GatedRepo`), `X-Error-Message` and a JSON `{"error": ...}` body; 401 for an unknown or private
 *   repository without a token, 404 with one; 401 `Invalid credentials in Authorization header` for an
 *   unknown token; a gated repository lists its files to anyone but serves them only to allowed tokens.
 * - a renamed repository (`aliases`) answers 307 with a relative Location, as the Hub does.
 *
 * CDN (`cdnEndpoint`): `GET|HEAD /repos/{aa}/{sha256}?X-Amz-Signature=...`: the signature must be the
 * one the Hub issued (else 403), an `Authorization` header is refused with 400 as S3 refuses a second
 * auth mechanism on a presigned URL, and `Range: bytes=N-[M]` answers 206 (416 past the end).
 *
 * Every request is recorded in `requests`; `faults` inject failures (status codes, a connection cut
 * or stalled after N bytes, corrupted bytes, a Range ignored or refused) a given number of times.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Prng } from '../../../util/prng.js';

export interface FakeRepoSpec {
  /** `namespace/name` (or `name`). */
  id: string;
  /** Branch or tag name -> folder holding the repository's files at that revision. */
  revisions: Record<string, string>;
  /** Listed and served only to `allowedTokens` (others get the not-found answers). */
  private?: boolean;
  /** Listed to anyone, files served only to `allowedTokens`. */
  gated?: boolean;
  allowedTokens?: string[];
  /** Former names that redirect here (307). */
  aliases?: string[];
}

export interface FakeHubOptions {
  repos: FakeRepoSpec[];
  /** Tokens the Hub knows (any other is refused as invalid); `allowedTokens` are added. */
  tokens?: string[];
  /** Which files are stored in LFS (default: `*.safetensors`, `*.bin`, `*.gguf`, `*.pt`, `*.pth`, `*.onnx`, `*.h5`, `*.msgpack`, or 10 MB and more). */
  isLfs?: (path: string, size: number) => boolean;
}

export type FakeHubFault =
  | { kind: 'status'; status: number; server?: 'hub' | 'cdn'; method?: 'GET' | 'HEAD'; file?: string; api?: boolean; times?: number; headers?: Record<string, string> }
  | { kind: 'cut'; file: string; afterBytes: number; times?: number }
  | { kind: 'stall'; file: string; afterBytes: number; times?: number }
  | { kind: 'corrupt'; file: string; times?: number }
  | { kind: 'ignore-range'; file: string; times?: number }
  | { kind: 'refuse-range'; file: string; times?: number }
  | { kind: 'expire-link'; file: string; times?: number };

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  /** Path and query as received. */
  url: string;
  /** The repository file concerned (resolve and CDN requests). */
  file?: string;
  range?: string;
  authorization?: string;
  status: number;
}

interface FakeFile {
  path: string;
  data: Buffer;
  gitSha1: string;
  sha256: string;
  lfs: boolean;
  /** git blob sha1 of the LFS pointer file (the `blobId` of an LFS file). */
  pointerSha1: string;
  pointerSize: number;
}

interface FakeCommit {
  sha: string;
  files: Map<string, FakeFile>;
}

interface FakeRepo {
  spec: FakeRepoSpec;
  /** Revision name -> commit; commits are also reachable by their sha. */
  refs: Map<string, FakeCommit>;
  commits: Map<string, FakeCommit>;
}

export function gitBlobSha1(data: Uint8Array): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

function defaultIsLfs(path: string, size: number): boolean {
  return /\.(safetensors|bin|gguf|pt|pth|onnx|h5|msgpack|ckpt)$/.test(path) || size >= 10_000_000;
}

function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === '.git') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}

function loadCommit(repoId: string, folder: string, isLfs: (p: string, n: number) => boolean): FakeCommit {
  const files = new Map<string, FakeFile>();
  for (const path of walk(folder)) {
    const data = readFileSync(join(folder, ...path.split('/')));
    const sha256 = createHash('sha256').update(data).digest('hex');
    const lfs = isLfs(path, data.length);
    const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${data.length}\n`);
    files.set(path, { path, data, gitSha1: gitBlobSha1(data), sha256, lfs, pointerSha1: gitBlobSha1(pointer), pointerSize: pointer.length });
  }
  const listing = [...files.values()].map((f) => `${f.path}\0${f.lfs ? f.pointerSha1 : f.gitSha1}`).join('\n');
  const sha = createHash('sha1').update(`commit\0${repoId}\0${listing}`).digest('hex');
  return { sha, files };
}

function listen(server: Server, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function segments(path: string): string[] {
  return path.split('/').map((s) => decodeURIComponent(s));
}

export class FakeHub {
  /** `http://127.0.0.1:{port}` of the Hub. */
  readonly endpoint: string;
  /** `http://127.0.0.2:{port}` of the CDN (another host than the Hub; 127.0.0.1 where 127.0.0.2 cannot be bound). */
  readonly cdnEndpoint: string;
  readonly requests: RecordedRequest[] = [];
  /** Failures to inject; each is used `times` times (default 1) and then dropped. */
  readonly faults: FakeHubFault[] = [];
  private readonly repos = new Map<string, FakeRepo>();
  private readonly aliases = new Map<string, string>();
  private readonly tokens: Set<string>;
  private readonly byHash = new Map<string, FakeFile>();
  private readonly secret = randomBytes(16).toString('hex');
  private readonly hubServer: Server;
  private readonly cdnServer: Server;
  private requestCounter = 0;

  private constructor(options: FakeHubOptions, hubServer: Server, cdnServer: Server, cdnHost: string) {
    this.hubServer = hubServer;
    this.cdnServer = cdnServer;
    this.endpoint = `http://127.0.0.1:${(hubServer.address() as AddressInfo).port}`;
    this.cdnEndpoint = `http://${cdnHost}:${(cdnServer.address() as AddressInfo).port}`;
    this.tokens = new Set(options.tokens ?? []);
    const isLfs = options.isLfs ?? defaultIsLfs;
    for (const spec of options.repos) {
      const repo: FakeRepo = { spec, refs: new Map(), commits: new Map() };
      for (const [name, folder] of Object.entries(spec.revisions)) {
        const commit = loadCommit(spec.id, folder, isLfs);
        repo.refs.set(name, commit);
        repo.commits.set(commit.sha, commit);
        for (const f of commit.files.values()) if (f.lfs) this.byHash.set(f.sha256, f);
      }
      for (const t of spec.allowedTokens ?? []) this.tokens.add(t);
      for (const alias of spec.aliases ?? []) this.aliases.set(alias, spec.id);
      this.repos.set(spec.id, repo);
    }
  }

  /** Start both servers on 127.0.0.1 with free ports. */
  static async start(options: FakeHubOptions): Promise<FakeHub> {
    let hub: FakeHub | undefined;
    const hubServer = createServer((req, res) => hub!.handleHub(req, res));
    const cdnServer = createServer((req, res) => hub!.handleCdn(req, res));
    await listen(hubServer, '127.0.0.1');
    // The CDN is another host, as on the real Hub (clients compare hosts to decide whether to follow
    // a redirect and send the token); 127.0.0.2 is loopback on Linux; elsewhere fall back to 127.0.0.1.
    const cdnHost = await listen(cdnServer, '127.0.0.2').then(
      () => '127.0.0.2',
      () => listen(cdnServer, '127.0.0.1').then(() => '127.0.0.1'),
    );
    hub = new FakeHub(options, hubServer, cdnServer, cdnHost);
    return hub;
  }

  /** The commit a revision of a repository resolves to. */
  commitOf(repoId: string, revision = 'main'): string {
    const c = this.repos.get(repoId)?.refs.get(revision);
    if (!c) throw new Error(`fake hub: no revision ${revision} of ${repoId}`);
    return c.sha;
  }

  /** The served bytes, sha256 and git sha1 of a file at a revision. */
  fileOf(repoId: string, path: string, revision = 'main'): { data: Buffer; sha256: string; gitSha1: string; lfs: boolean } {
    const f = this.repos.get(repoId)?.refs.get(revision)?.files.get(path);
    if (!f) throw new Error(`fake hub: no file ${path} in ${repoId}@${revision}`);
    return f;
  }

  /** Requests recorded so far, optionally of one server. */
  requestsTo(server: 'hub' | 'cdn'): RecordedRequest[] {
    return this.requests.filter((r) => r.server === server);
  }

  async close(): Promise<void> {
    for (const s of [this.hubServer, this.cdnServer]) s.closeAllConnections();
    await Promise.all([this.hubServer, this.cdnServer].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private takeFault<K extends FakeHubFault['kind']>(kind: K, match: (f: Extract<FakeHubFault, { kind: K }>) => boolean): Extract<FakeHubFault, { kind: K }> | undefined {
    const i = this.faults.findIndex((f) => f.kind === kind && match(f as Extract<FakeHubFault, { kind: K }>));
    if (i < 0) return undefined;
    const f = this.faults[i] as Extract<FakeHubFault, { kind: K }>;
    const left = (f.times ?? 1) - 1;
    if (left <= 0) this.faults.splice(i, 1);
    else f.times = left;
    return f;
  }

  private record(server: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse, file?: string): void {
    const entry: RecordedRequest = { server, method: req.method ?? '?', url: req.url ?? '', status: 0 };
    if (file !== undefined) entry.file = file;
    if (req.headers.range) entry.range = req.headers.range;
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    this.requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => (entry.status ||= res.statusCode));
  }

  private error(res: ServerResponse, status: number, code: string | undefined, message: string, extra: Record<string, string> = {}): void {
    const body = JSON.stringify({ error: message });
    const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-error-message': message, ...extra };
    if (code) headers['x-error-code'] = code;
    res.writeHead(status, headers);
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  /** The token of a request: undefined (none), or the token; `false` when it is unknown (answered already). */
  private auth(req: IncomingMessage, res: ServerResponse): string | undefined | false {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const token = h.replace(/^Bearer\s+/i, '');
    if (!this.tokens.has(token)) {
      this.error(res, 401, undefined, 'Invalid credentials in Authorization header');
      return false;
    }
    return token;
  }

  private handleHub(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-request-id', `Root=1-fake-${++this.requestCounter}`);
    const url = new URL(req.url ?? '/', this.endpoint);
    const path = url.pathname;
    const isApi = path.startsWith('/api/models/');
    let file: string | undefined;
    let route: { repoId: string; kind: 'info' | 'tree' | 'resolve'; rev: string; rest: string } | undefined;
    if (isApi) {
      const tail = path.slice('/api/models/'.length);
      const m = tail.match(/^(.*?)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/);
      if (m) route = { repoId: m[1]!, kind: m[2] === 'tree' ? 'tree' : 'info', rev: decodeURIComponent(m[3]!), rest: m[4] ?? '' };
      else route = { repoId: tail.replace(/\/$/, ''), kind: 'info', rev: 'main', rest: '' };
    } else {
      const m = path.match(/^\/(.*?)\/resolve\/([^/]+)\/(.+)$/);
      if (m) {
        file = segments(m[3]!).join('/');
        route = { repoId: m[1]!, kind: 'resolve', rev: decodeURIComponent(m[2]!), rest: file };
      }
    }
    this.record('hub', req, res, file);
    const fault = this.takeFault('status', (f) => (f.server ?? 'hub') === 'hub' && (f.method === undefined || f.method === req.method) && (f.api === undefined || f.api === isApi) && (f.file === undefined || f.file === file));
    if (fault) return this.error(res, fault.status, undefined, `injected ${fault.status}`, { 'retry-after': '0', ...fault.headers });
    if (!route) return this.error(res, 404, undefined, 'Not Found');

    const token = this.auth(req, res);
    if (token === false) return;
    const aliasOf = this.aliases.get(route.repoId);
    if (aliasOf) {
      res.writeHead(307, { location: path.replace(`/${route.repoId}/`, `/${aliasOf}/`) + url.search, 'content-length': 0 });
      res.end();
      return;
    }
    const repo = this.repos.get(route.repoId);
    const allowed = token !== undefined && (repo?.spec.allowedTokens ?? []).includes(token);
    if (!repo || (repo.spec.private && !allowed)) {
      return this.error(res, token === undefined ? 401 : 404, 'RepoNotFound', 'Repository not found');
    }
    const commit = repo.refs.get(route.rev) ?? repo.commits.get(route.rev);
    if (!commit) return this.error(res, 404, 'RevisionNotFound', `Invalid rev id: ${route.rev}`);

    if (route.kind === 'info') return this.sendInfo(res, repo, commit, ['true', 'True', '1'].includes(url.searchParams.get('blobs') ?? ''));
    if (route.kind === 'tree') return this.sendTree(res, commit, route.rest, ['true', 'True', '1'].includes(url.searchParams.get('recursive') ?? ''));

    if (repo.spec.gated && !allowed) {
      const id = repo.spec.id;
      return token === undefined
        ? this.error(res, 401, 'GatedRepo', `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`)
        : this.error(res, 403, 'GatedRepo', `Access to model ${id} is restricted and you are not in the authorized list. Visit https://huggingface.co/${id} to ask for access.`);
    }
    const f = commit.files.get(route.rest);
    if (!f) return this.error(res, 404, 'EntryNotFound', 'Entry not found', { 'x-repo-commit': commit.sha });
    if (f.lfs) {
      const cdnPath = `/repos/${f.sha256.slice(0, 2)}/${f.sha256}`;
      const signature = createHmac('sha256', this.secret).update(cdnPath).digest('hex');
      const name = f.path.split('/').pop()!;
      const location = `${this.cdnEndpoint}${cdnPath}?X-Amz-Expires=3600&X-Amz-Signature=${signature}&response-content-disposition=${encodeURIComponent(`inline; filename*=UTF-8''${name}; filename="${name}";`)}`;
      const body = `Found. Redirecting to ${location}`;
      res.writeHead(302, {
        location,
        'x-repo-commit': commit.sha,
        'x-linked-etag': `"${f.sha256}"`,
        'x-linked-size': String(f.data.length),
        etag: `"${f.pointerSha1}"`,
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    this.sendBytes(req, res, f, { 'x-repo-commit': commit.sha, etag: `"${f.gitSha1}"`, 'content-type': 'application/octet-stream' });
  }

  private sendInfo(res: ServerResponse, repo: FakeRepo, commit: FakeCommit, blobs: boolean): void {
    const siblings = [...commit.files.values()].map((f) => {
      if (!blobs) return { rfilename: f.path };
      const s: Record<string, unknown> = { rfilename: f.path, blobId: f.lfs ? f.pointerSha1 : f.gitSha1, size: f.data.length };
      if (f.lfs) s.lfs = { sha256: f.sha256, size: f.data.length, pointerSize: f.pointerSize };
      return s;
    });
    const body = JSON.stringify({
      _id: createHash('sha1').update(repo.spec.id).digest('hex').slice(0, 24),
      id: repo.spec.id,
      modelId: repo.spec.id,
      private: repo.spec.private ?? false,
      gated: repo.spec.gated ? 'manual' : false,
      disabled: false,
      sha: commit.sha,
      siblings,
      tags: ['safetensors', 'text-generation'],
    });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private sendTree(res: ServerResponse, commit: FakeCommit, prefix: string, recursive: boolean): void {
    const base = prefix ? `${prefix.replace(/\/$/, '')}/` : '';
    const entries: Record<string, unknown>[] = [];
    const dirs = new Set<string>();
    for (const f of commit.files.values()) {
      if (!f.path.startsWith(base)) continue;
      const rest = f.path.slice(base.length);
      const parts = rest.split('/');
      for (let i = 1; i < parts.length; i++) {
        const d = base + parts.slice(0, i).join('/');
        if ((recursive || i === 1) && !dirs.has(d)) {
          dirs.add(d);
          entries.push({ type: 'directory', oid: createHash('sha1').update(d).digest('hex'), size: 0, path: d });
        }
      }
      if (!recursive && parts.length > 1) continue;
      const e: Record<string, unknown> = { type: 'file', oid: f.lfs ? f.pointerSha1 : f.gitSha1, size: f.data.length, path: f.path };
      if (f.lfs) e.lfs = { oid: f.sha256, size: f.data.length, pointerSize: f.pointerSize };
      entries.push(e);
    }
    const body = JSON.stringify(entries);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.cdnEndpoint);
    const m = url.pathname.match(/^\/repos\/[0-9a-f]{2}\/([0-9a-f]{64})$/);
    const f = m ? this.byHash.get(m[1]!) : undefined;
    this.record('cdn', req, res, f?.path);
    const xml = (status: number, code: string, message: string) => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
      res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!f) return xml(404, 'NoSuchKey', 'The specified key does not exist.');
    const fault = this.takeFault('status', (x) => x.server === 'cdn' && (x.method === undefined || x.method === req.method) && (x.file === undefined || x.file === f.path));
    if (fault) return xml(fault.status, 'Injected', `injected ${fault.status}`);
    if (req.headers.authorization) return xml(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
    const expected = createHmac('sha256', this.secret).update(url.pathname).digest('hex');
    if (url.searchParams.get('X-Amz-Signature') !== expected) return xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    if (this.takeFault('expire-link', (x) => x.file === f.path)) return xml(403, 'AccessDenied', 'Request has expired');
    this.sendBytes(req, res, f, { etag: `"${f.sha256}"`, 'content-type': 'binary/octet-stream', 'content-disposition': `inline; filename="${f.path.split('/').pop()}";` });
  }

  /** 200 or 206 with the file's bytes, honouring Range and the byte-level faults. */
  private sendBytes(req: IncomingMessage, res: ServerResponse, f: FakeFile, headers: Record<string, string>): void {
    const size = f.data.length;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = req.headers.range;
    if (range && !this.takeFault('ignore-range', (x) => x.file === f.path)) {
      const m = range.match(/^bytes=(\d+)-(\d*)$/);
      if (m) {
        start = Number(m[1]);
        if (m[2]) end = Math.min(Number(m[2]), size - 1);
        if (start >= size || start > end || this.takeFault('refuse-range', (x) => x.file === f.path)) {
          res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': 0 });
          res.end();
          return;
        }
        status = 206;
      }
    }
    let body = f.data.subarray(start, end + 1);
    if (req.method === 'GET' && this.takeFault('corrupt', (x) => x.file === f.path) && body.length > 0) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)]! ^= 0xff;
    }
    const h: Record<string, string | number> = { ...headers, 'accept-ranges': 'bytes', 'content-length': body.length };
    if (status === 206) h['content-range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(status, h);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const cut = this.takeFault('cut', (x) => x.file === f.path);
    const stall = cut ? undefined : this.takeFault('stall', (x) => x.file === f.path);
    const limit = cut?.afterBytes ?? stall?.afterBytes;
    if (limit === undefined || limit >= body.length) {
      res.end(body);
      return;
    }
    res.write(body.subarray(0, limit), () => {
      if (cut) res.socket?.destroy();
      // A stall keeps the connection open and silent until the client gives up or the hub closes.
    });
  }
}

/** Start a fake Hub (see `FakeHub`). */
export function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  return FakeHub.start(options);
}

export interface TinyRepoOptions {
  /** Bytes of weights (default 3 MB): one `model.safetensors`, or split over `shards` files. */
  weightBytes?: number;
  /** Write `model-0000k-of-0000n.safetensors` + `model.safetensors.index.json` (and a duplicate `consolidated.safetensors`). */
  shards?: number;
  /** Seed of the weight values (default 0): another seed gives other weights. */
  seed?: number;
  /** Also write `pytorch_model.bin` (which the default selection skips). */
  pytorchBin?: boolean;
  /** Replace or add files (path -> contents). */
  extra?: Record<string, string | Uint8Array>;
}

/** A safetensors file holding one F32 tensor of `count` pseudo-random values. */
export function safetensorsBytes(name: string, count: number, prng: Prng): Buffer {
  const data = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) data.writeFloatLE(prng.float() * 2 - 1, i * 4);
  let header = JSON.stringify({ __metadata__: { format: 'pt' }, [name]: { dtype: 'F32', shape: [count], data_offsets: [0, data.length] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, Buffer.from(header), data]);
}

/**
 * Write the folder of a small model repository laid out like a Hugging Face Qwen2 repository:
 * config, generation config, tokenizer files, README/LICENSE, `.gitattributes`, and weights.
 */
export function writeTinyModelRepo(dir: string, options: TinyRepoOptions = {}): void {
  mkdirSync(dir, { recursive: true });
  const prng = new Prng(options.seed ?? 0);
  const put = (path: string, data: string | Uint8Array) => {
    const full = join(dir, ...path.split('/'));
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, data);
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  put('.gitattributes', '*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n');
  put('config.json', json({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 151936, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, torch_dtype: 'float32', max_position_embeddings: 32768 }));
  put('generation_config.json', json({ bos_token_id: 151643, eos_token_id: [151645, 151643], pad_token_id: 151643, do_sample: false }));
  put('tokenizer_config.json', json({ model_max_length: 131072, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', tokenizer_class: 'Qwen2Tokenizer' }));
  const vocab: Record<string, number> = {};
  for (let i = 0; i < 2000; i++) vocab[`tok${i}`] = i;
  put('tokenizer.json', json({ version: '1.0', model: { type: 'BPE', vocab, merges: [] }, added_tokens: [{ id: 151643, content: '<|endoftext|>', special: true }] }));
  put('vocab.json', json(vocab));
  put('merges.txt', '#version: 0.2\nt o\nto k\n');
  put('special_tokens_map.json', json({ eos_token: '<|im_end|>', pad_token: '<|endoftext|>' }));
  put('README.md', '---\nlicense: apache-2.0\n---\n# tiny test model\n');
  put('LICENSE', 'Apache License 2.0 (test fixture)\n');
  const floats = Math.floor((options.weightBytes ?? 3_000_000) / 4);
  if (options.shards && options.shards > 1) {
    const n = options.shards;
    const weightMap: Record<string, string> = {};
    for (let k = 1; k <= n; k++) {
      const file = `model-${String(k).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
      const name = `model.layers.${k - 1}.mlp.weight`;
      put(file, safetensorsBytes(name, Math.floor(floats / n), prng));
      weightMap[name] = file;
    }
    put('model.safetensors.index.json', json({ metadata: { total_size: Math.floor(floats / n) * n * 4 }, weight_map: weightMap }));
    put('consolidated.safetensors', safetensorsBytes('all', Math.floor(floats / 4), prng));
  } else {
    put('model.safetensors', safetensorsBytes('model.embed_tokens.weight', floats, prng));
  }
  if (options.pytorchBin) {
    const bin = Buffer.alloc(200_000);
    for (let i = 0; i < bin.length; i += 4) bin.writeUInt32LE(prng.nextUint32(), i);
    put('pytorch_model.bin', bin);
  }
  for (const [path, data] of Object.entries(options.extra ?? {})) put(path, data);
}

/**
 * Reading a JSON request body with a size limit: a declared Content-Length over the limit is
 * refused before reading, a streamed body is cut as soon as it passes it (413 either way). A
 * client that closes before its body is complete is a `ClientGoneError` (499, not a server error).
 * Errors give positions, never the body's text.
 */
import type { Context } from 'hono';
import { ApiError, ClientGoneError } from './errors.js';

/** Default body limit: 4 MiB (a 16k-token report is well under 100 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `the request body is larger than ${limit} bytes`, { code: 'request_too_large' });
}

export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const stream = c.req.raw.body;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (stream !== null) {
    const reader = stream.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        // The body stream only fails when the connection does: fewer bytes than Content-Length
        // came before the client closed it (Node's "aborted"), or it was reset.
        throw new ClientGoneError({ cause: e });
      }
      const { done, value } = chunk;
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  if (size === 0) throw new ApiError(400, 'the request body is empty; send a JSON object', { code: 'invalid_json' });
  const bytes = Buffer.concat(chunks, size);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'the request body is not valid UTF-8', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    // V8's message quotes the text around the error; keep only the position.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new ApiError(400, `the request body is not valid JSON${at === undefined ? '' : ` (at character ${at})`}`, { code: 'invalid_json' });
  }
}

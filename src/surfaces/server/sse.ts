/**
 * A Server-Sent Events body as OpenAI streams it: one `data: <json>` event per chunk and a final
 * `data: [DONE]`. Chunks are queued synchronously (token callbacks cannot wait); the queue is
 * bounded by the request's max_tokens. Writes after the client went away are dropped.
 */
const encoder = new TextEncoder();

export class SseWriter {
  readonly stream: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private closed = false;

  /** `onCancel` runs when the client stops reading (disconnect). */
  constructor(onCancel: () => void) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.closed = true;
        onCancel();
      },
    });
  }

  /** One event; JSON.stringify never writes a raw line break, so it is one `data:` line. */
  send(value: unknown): void {
    this.write(`data: ${JSON.stringify(value)}\n\n`);
  }

  /** `data: [DONE]`, then the end of the body. */
  done(): void {
    this.write('data: [DONE]\n\n');
    if (this.closed) return;
    this.closed = true;
    this.controller?.close();
  }

  private write(s: string): void {
    if (this.closed) return;
    this.controller?.enqueue(encoder.encode(s));
  }
}

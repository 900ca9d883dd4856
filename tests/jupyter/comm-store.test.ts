/**
 * The front end's side of the comm protocol (src/widgets/anywidget-entry.ts) against a fake
 * anywidget model: replies in pieces reassembled (DataView offsets respected), missing keys,
 * `set` split under the limit, typed kernel errors, timeouts reported to the kernel, aborts, and
 * commands answered with pieced results or errors.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  type AnyModelLike,
  CommandServer,
  CommStore,
  CommStoreError,
  splitParts,
  viewBytes,
} from '../../src/widgets/anywidget-entry.ts';

type Listener = (msg: unknown, buffers?: DataView[]) => void;

/** Records what the front end sends; `deliver` plays a kernel message to the msg:custom listeners. */
class FakeModel implements AnyModelLike {
  sent: { content: Record<string, unknown>; buffers: Uint8Array[] }[] = [];
  listeners = new Set<Listener>();
  get(): unknown {
    return undefined;
  }
  set(): void {}
  save_changes(): void {}
  on(event: string, cb: Listener): void {
    if (event === 'msg:custom') this.listeners.add(cb);
  }
  off(_event?: string | null, cb?: Listener | null): void {
    if (cb) this.listeners.delete(cb);
  }
  send(content: unknown, _callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void {
    this.sent.push({
      content: content as Record<string, unknown>,
      buffers: (buffers ?? []).map((b) => viewBytes(b as ArrayBufferView).slice()),
    });
  }
  deliver(msg: unknown, buffers: DataView[] = []): void {
    for (const l of [...this.listeners]) l(msg, buffers);
  }
  lastId(): string {
    return this.sent.at(-1)!.content.id as string;
  }
}

/** A DataView into the middle of a larger buffer, as comms deliver them. */
function embedded(bytes: Uint8Array): DataView {
  const backing = new Uint8Array(bytes.length + 16).fill(0xee);
  backing.set(bytes, 8);
  return new DataView(backing.buffer, 8, bytes.length);
}

describe('CommStore', () => {
  it('requests a key with its store id and reassembles a reply sent in three pieces', async () => {
    const model = new FakeModel();
    const store = new CommStore(model, 3);
    const got = store.get('/0/0/0');
    const request = model.sent[0]!.content;
    expect(request).toMatchObject({ type: 'sketchpose:store', store: 3, method: 'get', key: '/0/0/0' });
    const value = Uint8Array.from({ length: 2500 }, (_, i) => (i * 7) % 256);
    const pieces = splitParts(value, 1000);
    expect(pieces.map((p) => p.length)).toEqual([1000, 1000, 500]);
    // out of order, each piece a DataView with a non-zero offset into a bigger buffer
    for (const part of [2, 0, 1]) {
      model.deliver(
        {
          type: 'sketchpose:store-reply',
          id: request.id,
          ok: true,
          found: true,
          part,
          parts: 3,
          size: 2500,
        },
        [embedded(pieces[part]!)],
      );
    }
    expect(await got).toEqual(value);
    expect(store.inFlight).toBe(0);
  });

  it('resolves a missing key to undefined and has() to false', async () => {
    const model = new FakeModel();
    const store = new CommStore(model, 0);
    const got = store.get('/labels/.zattrs');
    model.deliver({ type: 'sketchpose:store-reply', id: model.lastId(), ok: true, found: false });
    expect(await got).toBeUndefined();
    const has = store.has('/x');
    model.deliver({ type: 'sketchpose:store-reply', id: model.lastId(), ok: true, found: false });
    expect(await has).toBe(false);
  });

  it('sends a set larger than the limit in pieces under it, and resolves on the single ack', async () => {
    const model = new FakeModel();
    const store = new CommStore(model, 1, { maxPartBytes: 4096 });
    const value = new Uint8Array(10_000).map((_, i) => i & 0xff);
    const done = store.set('/labels/annotations/0/0/0', value);
    expect(model.sent.map((m) => [m.content.part, m.content.parts, m.buffers[0]!.length])).toEqual([
      [0, 3, 4096],
      [1, 3, 4096],
      [2, 3, 1808],
    ]);
    const ids = new Set(model.sent.map((m) => m.content.id));
    expect(ids.size).toBe(1);
    model.deliver({ type: 'sketchpose:store-reply', id: model.lastId(), ok: true, found: true });
    await done;
  });

  it('rejects with the kernel error code', async () => {
    const model = new FakeModel();
    const store = new CommStore(model, 0);
    const write = store.set('/0/0/0', new Uint8Array([1]));
    model.deliver({
      type: 'sketchpose:store-reply',
      id: model.lastId(),
      ok: false,
      error: { code: 'read-only', message: 'a virtual image store is read-only' },
    });
    await expect(write).rejects.toMatchObject({ tag: 'CommStoreError', code: 'read-only' });
  });

  it('times out, tells the kernel, and ignores the late reply', async () => {
    vi.useFakeTimers();
    try {
      const model = new FakeModel();
      const store = new CommStore(model, 0, { timeoutMs: 3000 });
      const got = store.get('/slow');
      const id = model.lastId();
      const failed = expect(got).rejects.toMatchObject({ code: 'timeout' });
      vi.advanceTimersByTime(3001);
      await failed;
      expect(model.sent.at(-1)!.content).toMatchObject({
        type: 'sketchpose:client-error',
        id,
        error: { code: 'timeout' },
      });
      model.deliver({ type: 'sketchpose:store-reply', id, ok: true, found: false });
      expect(store.inFlight).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops waiting when the caller aborts, and close() cancels what is in flight', async () => {
    const model = new FakeModel();
    const store = new CommStore(model, 0);
    const controller = new AbortController();
    const got = store.get('/a', { signal: controller.signal });
    controller.abort(new Error('tile no longer visible'));
    await expect(got).rejects.toThrow('tile no longer visible');
    const pending = store.get('/b');
    store.close();
    await expect(pending).rejects.toBeInstanceOf(CommStoreError);
    expect(model.listeners.size).toBe(0);
    await expect(store.get('/c')).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('rejects a reply whose pieces do not add up to the announced size', async () => {
    const model = new FakeModel();
    const store = new CommStore(model, 0);
    const got = store.get('/k');
    model.deliver(
      {
        type: 'sketchpose:store-reply',
        id: model.lastId(),
        ok: true,
        found: true,
        part: 0,
        parts: 1,
        size: 9,
      },
      [embedded(new Uint8Array(4))],
    );
    await expect(got).rejects.toMatchObject({ code: 'bad-request' });
  });
});

describe('CommandServer', () => {
  it('assembles a pieced command, runs its handler and replies with the result bytes in pieces', async () => {
    const model = new FakeModel();
    let seen: Uint8Array | undefined;
    const server = new CommandServer(
      model,
      () => ({
        load_model: async (_args, data) => {
          seen = data;
          return { result: { ok: 1 }, data: new Uint8Array(10).fill(7) };
        },
      }),
      4,
    );
    const head = {
      type: 'sketchpose:command',
      id: 'c0',
      name: 'load_model',
      args: { format: 'pth' },
      parts: 2,
    };
    expect(await server.receive({ ...head, part: 1 }, [embedded(new Uint8Array([3, 4]))])).toBe(true);
    expect(model.sent).toEqual([]);
    await server.receive({ ...head, part: 0 }, [embedded(new Uint8Array([1, 2]))]);
    expect(seen).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(model.sent.map((m) => [m.content.part, m.content.parts, m.buffers[0]!.length])).toEqual([
      [0, 3, 4],
      [1, 3, 4],
      [2, 3, 2],
    ]);
    expect(model.sent[0]!.content).toMatchObject({ type: 'sketchpose:command-reply', id: 'c0', ok: true });
    server.close();
  });

  it('answers unknown commands, missing views and throwing handlers with typed errors', async () => {
    const model = new FakeModel();
    let mounted = false;
    const server = new CommandServer(model, () =>
      mounted
        ? {
            train: async () => {
              throw new Error('no strokes yet');
            },
          }
        : null,
    );
    const cmd = (id: string, name: string) => ({
      type: 'sketchpose:command',
      id,
      name,
      args: {},
      part: 0,
      parts: 1,
    });
    await server.receive(cmd('c1', 'train'));
    await new Promise((r) => setTimeout(r, 80)); // a view without an app waits for others to claim
    mounted = true;
    await server.receive(cmd('c2', 'fly'));
    await server.receive(cmd('c3', 'train'));
    expect(model.sent.map((m) => [m.content.id, (m.content.error as { code: string }).code])).toEqual([
      ['c1', 'unsupported'],
      ['c2', 'unsupported'],
      ['c3', 'command-error'],
    ]);
    expect((model.sent[2]!.content.error as { message: string }).message).toBe('no strokes yet');
    expect(await server.receive({ type: 'sketchpose:store-reply' })).toBe(false);
  });

  it('answers once when two views of one widget receive the same command', async () => {
    const model = new FakeModel();
    const idle = new CommandServer(model, () => null); // a view still loading
    const ran: string[] = [];
    const ready = new CommandServer(model, () => ({
      stop: async () => {
        ran.push('stop');
        return { result: { stopped: true } };
      },
    }));
    model.deliver({ type: 'sketchpose:command', id: 'c9', name: 'stop', args: {}, part: 0, parts: 1 });
    await new Promise((r) => setTimeout(r, 80));
    expect(ran).toEqual(['stop']);
    expect(model.sent.map((m) => [m.content.id, m.content.ok])).toEqual([['c9', true]]);
    idle.close();
    ready.close();
  });
});

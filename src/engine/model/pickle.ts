/**
 * A restricted pickle interpreter: the protocol-2 opcodes that `torch.save(state_dict)` emits
 * (CPython Lib/pickletools.py documents each), and nothing that can run code. A GLOBAL is looked up
 * in the caller's allow-list and refused otherwise (FormatError naming `module.name`); "calling" an
 * allowed global runs the caller's TypeScript handler, never anything named by the file. Modelled on
 * the safe loaders of safetensors' converter and PyTorch's own `weights_only` unpickler
 * (torch/_weights_only_unpickler.py), which take the same approach.
 */
import { FormatError } from '../errors.ts';

/** A reference to an allowed global (a class or function), pushed by GLOBAL. */
export interface PickleGlobal {
  kind: 'global';
  qualifiedName: string;
}

/** Values the interpreter builds. Tuples and lists are both arrays; dicts are Maps. */
export type PickleValue =
  | null
  | boolean
  | number
  | string
  | PickleValue[]
  | Map<string | number, PickleValue>
  | PickleGlobal
  | { kind: string; [field: string]: unknown };

export interface UnpickleOptions {
  /** Allowed globals by `module.name`; `call` (if any) implements REDUCE with that global. */
  globals: ReadonlyMap<string, { call?: (args: PickleValue[]) => PickleValue }>;
  /** Resolves BINPERSID (PyTorch: `('storage', type, key, location, numel)`). */
  persistentLoad: (pid: PickleValue) => PickleValue;
}

const MARK = Symbol('mark');

/** Run the pickle program in `bytes` and return the value STOP leaves on the stack. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: (PickleValue | typeof MARK)[] = [];
  const memo = new Map<number, PickleValue>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new FormatError(`pickle truncated at byte ${pos}`);
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new FormatError(`pickle stack underflow at byte ${pos}`);
    return v;
  };
  const top = () => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new FormatError(`pickle stack underflow at byte ${pos}`);
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new FormatError(`pickle: no MARK before byte ${pos}`);
    return stack.splice(at).slice(1) as PickleValue[];
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new FormatError(`pickle: unterminated GLOBAL at byte ${pos}`);
    const s = utf8.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const asDict = (v: PickleValue, op: string) => {
    if (!(v instanceof Map)) throw new FormatError(`pickle ${op} on a non-dict at byte ${pos}`);
    return v;
  };
  const setItems = (dict: Map<string | number, PickleValue>, items: PickleValue[]) => {
    for (let i = 0; i + 1 < items.length; i += 2) {
      const k = items[i];
      if (typeof k !== 'string' && typeof k !== 'number')
        throw new FormatError(`pickle: dict key of type ${typeof k}`);
      dict.set(k, items[i + 1]!);
    }
  };
  const get = (i: number) => {
    if (!memo.has(i)) throw new FormatError(`pickle: memo ${i} unset at byte ${pos}`);
    return memo.get(i)!;
  };
  for (;;) {
    const op = bytes[need(1)]!;
    switch (op) {
      case 0x80: {
        const proto = bytes[need(1)]!;
        if (proto > 2) throw new FormatError(`pickle protocol ${proto} not supported (torch.save writes 2)`);
        break;
      }
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x29: // EMPTY_TUPLE
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) throw new FormatError(`pickle APPEND on a non-list at byte ${pos}`);
        list.push(v);
        break;
      }
      case 0x65: {
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new FormatError(`pickle APPENDS on a non-list at byte ${pos}`);
        list.push(...items);
        break;
      }
      case 0x64: {
        const dict = new Map<string | number, PickleValue>();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(asDict(top(), 'SETITEM'), [k, v]);
        break;
      }
      case 0x75: {
        const items = popMark();
        setItems(asDict(top(), 'SETITEMS'), items);
        break;
      }
      case 0x4e:
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4b:
        stack.push(bytes[need(1)]!);
        break;
      case 0x4d:
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x4a:
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x8a: {
        const n = bytes[need(1)]!;
        if (n > 7) throw new FormatError(`pickle LONG1 of ${n} bytes is too large`);
        const at = need(n);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
        if (n > 0 && bytes[at + n - 1]! >= 0x80) v -= 2 ** (8 * n);
        stack.push(v);
        break;
      }
      case 0x47:
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: {
        const n = view.getUint32(need(4), true);
        const at = need(n);
        stack.push(utf8.decode(bytes.subarray(at, at + n)));
        break;
      }
      case 0x71:
        memo.set(bytes[need(1)]!, top());
        break;
      case 0x72:
        memo.set(view.getUint32(need(4), true), top());
        break;
      case 0x68:
        stack.push(get(bytes[need(1)]!));
        break;
      case 0x6a:
        stack.push(get(view.getUint32(need(4), true)));
        break;
      case 0x51: // BINPERSID
        stack.push(options.persistentLoad(pop()));
        break;
      case 0x63: {
        // GLOBAL: refused unless allow-listed; nothing is imported or executed.
        const qualifiedName = `${line()}.${line()}`;
        if (!options.globals.has(qualifiedName))
          throw new FormatError(`pickle global '${qualifiedName}' is not allowed`);
        stack.push({ kind: 'global', qualifiedName });
        break;
      }
      case 0x52: {
        const args = pop();
        const fn = pop();
        const name = (fn as PickleGlobal)?.kind === 'global' ? (fn as PickleGlobal).qualifiedName : undefined;
        const call = name === undefined ? undefined : options.globals.get(name)?.call;
        if (!call || !Array.isArray(args))
          throw new FormatError(`pickle REDUCE of '${name ?? typeof fn}' not allowed`);
        stack.push(call(args));
        break;
      }
      case 0x62: {
        // BUILD: object state (an OrderedDict's `_metadata`, a tensor's hooks) is not needed; dropped.
        pop();
        top();
        break;
      }
      default:
        throw new FormatError(`pickle opcode 0x${op.toString(16)} at byte ${pos - 1} is not supported`);
    }
  }
}

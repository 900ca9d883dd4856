/**
 * A minimal ZIP reader for PyTorch checkpoints: `torch.save` (since 1.6) writes a zip archive of
 * *stored* (uncompressed) entries, `<archive>/data.pkl`, `<archive>/data/<key>`, `<archive>/version`…,
 * with a zip64 end record beside the classic one (caffe2/serialize/inline_container.cc, miniz).
 * Reads the central directory (APPNOTE.TXT §4.3.12-16), supports zip64 sizes and offsets, checks
 * CRC-32, and refuses compressed or encrypted entries. Returns views into the input, no copies.
 */
import { FormatError } from '../errors.ts';

export interface ZipEntry {
  name: string;
  /** 0 = stored; anything else (8 = deflate) is refused by `zipEntryData`. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`zip: 64-bit field ${v} is too large`);
  return Number(v);
}

function findEndRecord(view: DataView): number {
  const min = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= min; at--) if (view.getUint32(at, true) === EOCD) return at;
  throw new FormatError('not a zip archive: no end-of-central-directory record');
}

/** The entries listed in the central directory, in order. */
export function listZipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 22) throw new FormatError(`not a zip archive: ${bytes.length} bytes`);
  const end = findEndRecord(view);
  let count = view.getUint16(end + 10, true);
  let cdOffset = view.getUint32(end + 16, true);
  if (
    (count === 0xffff || cdOffset === 0xffffffff) &&
    end >= 20 &&
    view.getUint32(end - 20, true) === ZIP64_LOCATOR
  ) {
    const z = u64(view, end - 12);
    if (z + 56 > bytes.length || view.getUint32(z, true) !== ZIP64_EOCD)
      throw new FormatError('zip: bad zip64 end record');
    count = u64(view, z + 32);
    cdOffset = u64(view, z + 48);
  }
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) {
      throw new FormatError(`zip: central directory entry ${i} at byte ${at} is corrupt`);
    }
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const entry: ZipEntry = {
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen)),
      method: view.getUint16(at + 10, true),
      flags: view.getUint16(at + 8, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    readZip64Extra(view, at + 46 + nameLen, extraLen, entry);
    entries.push(entry);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Zip64 extended information (header 0x0001): 64-bit values for the fields set to 0xFFFFFFFF. */
function readZip64Extra(view: DataView, start: number, length: number, entry: ZipEntry): void {
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let p = at + 4;
      const next = () => {
        const v = u64(view, p);
        p += 8;
        return v;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
    }
    at += 4 + size;
  }
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zip stores it. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The bytes of a stored entry (a view into `bytes`), after checking its local header and CRC. */
export function zipEntryData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  if (entry.flags & 1) throw new FormatError(`zip entry '${entry.name}' is encrypted`);
  if (entry.method !== 0) {
    throw new FormatError(
      `zip entry '${entry.name}' is compressed (method ${entry.method}); only stored entries are read`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL) {
    throw new FormatError(`zip entry '${entry.name}': no local header at byte ${at}`);
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.size > bytes.length) throw new FormatError(`zip entry '${entry.name}' is truncated`);
  const data = bytes.subarray(start, start + entry.size);
  if (crc32(data) !== entry.crc32) throw new FormatError(`zip entry '${entry.name}': CRC-32 mismatch`);
  return data;
}

/**
 * Keeps the first and last bytes of a command's output and counts what it dropped in between, so
 * a 50 MB test log costs the same memory as a short one. The head shows how the command started
 * (which tool, which config), the tail shows how it ended (the failure and the summary).
 *
 * Memory is taken as output arrives (the head grows by doubling; the tail is made when the head is
 * full), not for the whole cap up front: most commands print a few lines, and 64 KiB zeroed per
 * command was most of what a campaign of 200 workstreams held between collections.
 */
export class OutputBuffer {
  private readonly headCapacity: number;
  private head: Buffer = Buffer.alloc(0);
  private headLength = 0;
  private readonly tailCapacity: number;
  /** A ring: the newest `tailCapacity` bytes after the head, oldest at `tailStart`; made when first needed. */
  private tail: Buffer | undefined;
  private tailStart = 0;
  private tailLength = 0;
  private total = 0;

  /** `capBytes` is the whole budget: half for the head, the rest for the tail. */
  constructor(capBytes: number) {
    if (!Number.isInteger(capBytes) || capBytes < 2) {
      throw new TypeError(`Expected the output cap to be an integer of at least 2 bytes, got ${capBytes}.`);
    }
    this.headCapacity = Math.floor(capBytes / 2);
    this.tailCapacity = capBytes - this.headCapacity;
  }

  get totalBytes(): number {
    return this.total;
  }

  get isTruncated(): boolean {
    return this.total > this.headCapacity + this.tailCapacity;
  }

  append(chunk: Uint8Array): void {
    this.total += chunk.length;
    const headPart = Math.min(this.headCapacity - this.headLength, chunk.length);
    if (headPart > 0) {
      this.growHead(this.headLength + headPart);
      this.head.set(chunk.subarray(0, headPart), this.headLength);
      this.headLength += headPart;
    }
    if (headPart < chunk.length) this.appendToTail(chunk.subarray(headPart));
  }

  /**
   * The kept bytes as text. When bytes were dropped, a marker says how many; the cut edges are
   * moved to whole UTF-8 characters and the bytes skipped that way are counted as elided too.
   */
  render(): string {
    const tail = this.tailBytes();
    const keptHead = this.head.subarray(0, this.headLength);
    if (!this.isTruncated) {
      return Buffer.concat([keptHead, tail]).toString("utf8");
    }
    const head = keptHead.subarray(0, withoutPartialLastCharacter(keptHead));
    const wholeTail = tail.subarray(leadingContinuationBytes(tail));
    const elidedBytes = this.total - head.length - wholeTail.length;
    return `${head.toString("utf8")}\n[… ${elidedBytes} bytes elided …]\n${wholeTail.toString("utf8")}`;
  }

  private growHead(needed: number): void {
    if (needed <= this.head.length) return;
    const grown = Buffer.allocUnsafe(
      Math.min(this.headCapacity, Math.max(needed, this.head.length * 2, 1024)),
    );
    this.head.copy(grown, 0, 0, this.headLength);
    this.head = grown;
  }

  private appendToTail(bytes: Uint8Array): void {
    const capacity = this.tailCapacity;
    this.tail ??= Buffer.allocUnsafe(capacity);
    if (bytes.length >= capacity) {
      this.tail.set(bytes.subarray(bytes.length - capacity));
      this.tailStart = 0;
      this.tailLength = capacity;
      return;
    }
    for (let offset = 0; offset < bytes.length; ) {
      const writeAt = (this.tailStart + this.tailLength) % capacity;
      const run = Math.min(bytes.length - offset, capacity - writeAt);
      this.tail.set(bytes.subarray(offset, offset + run), writeAt);
      offset += run;
      const overflow = Math.max(0, this.tailLength + run - capacity);
      this.tailLength += run - overflow;
      this.tailStart = (this.tailStart + overflow) % capacity;
    }
  }

  private tailBytes(): Buffer {
    if (this.tail === undefined) return Buffer.alloc(0);
    const firstRun = this.tail.subarray(
      this.tailStart,
      Math.min(this.tailStart + this.tailLength, this.tail.length),
    );
    const secondRun = this.tail.subarray(0, this.tailLength - firstRun.length);
    return Buffer.concat([firstRun, secondRun]);
  }
}

/** Length of `bytes` without a multi-byte UTF-8 sequence cut short at its end. */
function withoutPartialLastCharacter(bytes: Buffer): number {
  const end = bytes.length;
  for (let index = end - 1; index >= Math.max(0, end - 4); index--) {
    const byte = bytes[index]!;
    if ((byte & 0b1100_0000) === 0b1000_0000) continue;
    const sequenceLength = byte >= 0b1111_0000 ? 4 : byte >= 0b1110_0000 ? 3 : byte >= 0b1100_0000 ? 2 : 1;
    return index + sequenceLength <= end ? end : index;
  }
  return end;
}

/** Continuation bytes at the start of `bytes`: the rest of a character whose start was elided. */
function leadingContinuationBytes(bytes: Buffer): number {
  let count = 0;
  while (count < bytes.length && count < 3 && (bytes[count]! & 0b1100_0000) === 0b1000_0000) count++;
  return count;
}

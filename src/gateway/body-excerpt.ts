/**
 * The first bytes of a body, kept for the transcript while the whole body streams past. A model
 * request repeats the whole conversation every turn, so a transcript of whole bodies would grow
 * with the square of the turns; the cap keeps each exchange's record small.
 */

export interface BodyExcerpt {
  add(chunk: Uint8Array): void;
  snapshot(): ExcerptSnapshot;
}

export interface ExcerptSnapshot {
  /** The kept bytes as UTF-8 (a character cut at the cap becomes U+FFFD). */
  text: string;
  /** The whole body's size. */
  bytes: number;
  isTruncated: boolean;
}

export function createBodyExcerpt(limitBytes: number): BodyExcerpt {
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let bytes = 0;
  return {
    add(chunk) {
      bytes += chunk.byteLength;
      if (keptBytes >= limitBytes) return;
      const part =
        chunk.byteLength <= limitBytes - keptBytes ? chunk : chunk.subarray(0, limitBytes - keptBytes);
      // A copy: the stream may reuse the chunk's memory once it has been written on.
      kept.push(new Uint8Array(part));
      keptBytes += part.byteLength;
    },
    snapshot() {
      return { text: Buffer.concat(kept).toString("utf8"), bytes, isTruncated: bytes > keptBytes };
    },
  };
}

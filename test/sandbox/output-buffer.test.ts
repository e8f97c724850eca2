import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OutputBuffer } from "../../src/sandbox/index.ts";

function bufferWith(capBytes: number, chunks: string[]): OutputBuffer {
  const buffer = new OutputBuffer(capBytes);
  for (const chunk of chunks) buffer.append(Buffer.from(chunk));
  return buffer;
}

function summary(buffer: OutputBuffer) {
  return { text: buffer.render(), totalBytes: buffer.totalBytes, isTruncated: buffer.isTruncated };
}

describe("OutputBuffer", () => {
  it("keeps output within the cap whole", () => {
    expect(summary(bufferWith(10, ["abc", "defg", "hij"]))).toEqual({
      text: "abcdefghij",
      totalBytes: 10,
      isTruncated: false,
    });
  });

  it("keeps the head and the tail of small chunks and counts the middle", () => {
    const chunks = "0123456789abcdefghijklmnopqrstuvwxyz".split("");
    expect(summary(bufferWith(10, chunks))).toEqual({
      text: "01234\n[… 26 bytes elided …]\nvwxyz",
      totalBytes: 36,
      isTruncated: true,
    });
  });

  it("handles one chunk larger than the whole cap", () => {
    expect(summary(bufferWith(8, ["ab", "0123456789", "cd"]))).toEqual({
      text: "ab01\n[… 6 bytes elided …]\n89cd",
      totalBytes: 14,
      isTruncated: true,
    });
  });

  it("cuts at whole UTF-8 characters and counts the cut bytes as elided", () => {
    // "é" is 2 bytes and "€" 3: the 2-byte head ends inside the "é", the 2-byte tail starts inside the "€".
    const text = `aé${"-".repeat(20)}€b`;
    expect(summary(bufferWith(4, [text]))).toEqual({
      text: "a\n[… 25 bytes elided …]\nb",
      totalBytes: Buffer.byteLength(text),
      isTruncated: true,
    });
  });

  it("stays the same size however much output passes through", () => {
    const buffer = new OutputBuffer(1024);
    const chunk = Buffer.alloc(64 * 1024, "y");
    for (let index = 0; index < 160; index++) buffer.append(chunk);
    buffer.append(Buffer.from("THE END"));
    const text = buffer.render();
    expect(text.slice(0, 512)).toBe("y".repeat(512));
    expect(text.slice(-512)).toBe(`${"y".repeat(505)}THE END`);
    expect(text).toContain(`\n[… ${160 * 64 * 1024 + 7 - 1024} bytes elided …]\n`);
    expect(text.length).toBeLessThan(1100);
  });

  it("keeps exactly the first and last bytes of any sequence of ASCII chunks", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5000 }),
        fc.array(fc.string({ maxLength: 3000 }), { maxLength: 20 }),
        (cap, chunks) => {
          const buffer = new OutputBuffer(cap);
          for (const chunk of chunks) buffer.append(Buffer.from(chunk));
          const all = chunks.join("");
          const headLength = Math.floor(cap / 2);
          const tailLength = cap - headLength;
          expect(buffer.totalBytes).toBe(all.length);
          if (all.length <= cap) {
            expect(buffer.render()).toBe(all);
          } else {
            const head = all.slice(0, headLength);
            const tail = all.slice(all.length - tailLength);
            expect(buffer.render()).toBe(`${head}\n[… ${all.length - cap} bytes elided …]\n${tail}`);
          }
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it("refuses a cap too small to hold a head and a tail", () => {
    expect(() => new OutputBuffer(1)).toThrow(
      "Expected the output cap to be an integer of at least 2 bytes, got 1.",
    );
  });
});

/**
 * Terminal geometry of text: how many columns a line takes, how many rows a frame fills at a given
 * width, and cutting a line to fit. The live view erases its last frame by moving the cursor up by
 * exactly the rows that frame fills, so this arithmetic is what keeps one table from stacking up.
 */

/** CSI sequences (colours, cursor moves): written to the terminal, but they take no column. */
const escapeSequence = /\x1b\[[0-9;?]*[ -/]*[@-~]/y;

/** Code points that take no column: combining marks, zero-width spaces and joiners, variation selectors. */
const zeroWidth: readonly (readonly [number, number])[] = [
  [0x0300, 0x036f],
  [0x200b, 0x200f],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

/**
 * Code points that take two columns: the blocks of Unicode's East_Asian_Width W and F (CJK, Hangul,
 * fullwidth forms) and the emoji presentation ranges. Not the whole table: worker-written text is
 * mostly ASCII, and a rare miss costs one row of erase, not a broken terminal.
 */
const doubleWidth: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

const isIn = (ranges: readonly (readonly [number, number])[], codePoint: number) =>
  ranges.some(([first, last]) => codePoint >= first && codePoint <= last);

/** Columns one code point takes on a terminal: 0, 1 or 2. */
export function codePointWidth(codePoint: number): number {
  if (codePoint < 0x0300) return 1;
  if (isIn(zeroWidth, codePoint)) return 0;
  return isIn(doubleWidth, codePoint) ? 2 : 1;
}

/** The line cut into escape sequences (no width) and single code points (with theirs). */
function* pieces(line: string): Generator<{ text: string; width: number }> {
  let index = 0;
  while (index < line.length) {
    escapeSequence.lastIndex = index;
    const sequence = escapeSequence.exec(line);
    if (sequence) {
      yield { text: sequence[0], width: 0 };
      index += sequence[0].length;
      continue;
    }
    const codePoint = line.codePointAt(index)!;
    const text = String.fromCodePoint(codePoint);
    yield { text, width: codePointWidth(codePoint) };
    index += text.length;
  }
}

/** Columns the line takes on a terminal (one line: no newline in it). */
export function displayWidth(line: string): number {
  let width = 0;
  for (const piece of pieces(line)) width += piece.width;
  return width;
}

/**
 * Rows the lines fill on a terminal `columns` wide, each line followed by a newline: a line
 * longer than the terminal wraps onto further rows, and an empty line still takes one. A line of
 * exactly `columns` takes one row: the cursor waits at the edge, and the newline moves it down.
 */
export function physicalRows(lines: readonly string[], columns: number): number {
  const width = Math.max(1, columns);
  let rows = 0;
  for (const line of lines) rows += Math.max(1, Math.ceil(displayWidth(line) / width));
  return rows;
}

const ellipsis = "…";
const resetAttributes = "\x1b[0m";

/**
 * The line cut to at most `maxWidth` columns, ending in "…" when something was cut. Escape
 * sequences are kept whole; a cut line that used any ends with a reset, so a colour cannot leak
 * into the rows below.
 */
export function fitToWidth(line: string, maxWidth: number): string {
  if (displayWidth(line) <= maxWidth) return line;
  const budget = Math.max(0, maxWidth - 1);
  let width = 0;
  let kept = "";
  let hasEscapes = false;
  for (const piece of pieces(line)) {
    if (piece.width === 0) {
      if (piece.text.startsWith("\x1b")) hasEscapes = true;
      kept += piece.text;
      continue;
    }
    if (width + piece.width > budget) break;
    kept += piece.text;
    width += piece.width;
  }
  const cut = maxWidth >= 1 ? `${kept}${ellipsis}` : kept;
  return hasEscapes ? `${cut}${resetAttributes}` : cut;
}

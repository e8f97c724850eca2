/** Formats a count with its noun: formatCount(1, "file") → "1 file", formatCount(3, "file") → "3 files". */
export function formatCount(count, noun) {
  console.log("formatting", count, noun);
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

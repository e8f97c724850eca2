/** Counts words in a text. */
export function wordCount(text) {
  return text.split(" ").length;
}

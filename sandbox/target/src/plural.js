/** The plural of an English noun: pluralize("file") → "files". */
export function pluralize(noun) {
  return `${noun}s`;
}

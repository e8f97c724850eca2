/**
 * Redaction: the other half of keeping the supervisor's secrets, beside the environment policy that
 * keeps them out of commands. Whatever the run writes for a person or the forge to read
 * (transcripts, the live view, recorded cassettes, escalations, pull requests) passes a Redactor.
 */

export type Redactor = (text: string) => string;

/** Replaces every occurrence of each secret value (longer than 3 characters) with `[REDACTED:NAME]`. */
export function createRedactor(secrets: Record<string, string | undefined>): Redactor {
  const pairs = Object.entries(secrets)
    .filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1].length > 3)
    .sort((a, b) => b[1].length - a[1].length);
  if (pairs.length === 0) return (text) => text;
  return (text) => {
    let result = text;
    for (const [name, value] of pairs) {
      if (result.includes(value)) result = result.split(value).join(`[REDACTED:${name}]`);
      const asJson = JSON.stringify(value).slice(1, -1);
      if (asJson !== value && result.includes(asJson))
        result = result.split(asJson).join(`[REDACTED:${name}]`);
    }
    return result;
  };
}

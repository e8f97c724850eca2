/** The flags of `supervise run`: apart from the run, so dispatch can name them without loading it. */
export const runOptions = {
  json: { type: "boolean" },
  "state-dir": { type: "string" },
  concurrency: { type: "string" },
  only: { type: "string" },
  "dry-run": { type: "boolean" },
  "no-wait": { type: "boolean" },
  "new-run": { type: "boolean" },
  record: { type: "string" },
} as const;

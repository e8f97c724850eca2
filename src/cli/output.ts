/** Where the CLI writes: passed down from main so nothing below writes to process.stdout itself. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  readonly isTty: boolean;
  readonly useColor: boolean;
  readonly columns: number;
}

export function processOutput(environment: NodeJS.ProcessEnv): Output {
  const isTty = Boolean(process.stdout.isTTY);
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty,
    useColor: isTty && environment.NO_COLOR === undefined,
    get columns() {
      return process.stdout.columns ?? 100;
    },
  };
}

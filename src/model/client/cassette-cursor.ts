/**
 * Where replay is in a cassette. The turns, with their branches, are laid out as a small program:
 * `serve` a turn, `choose` a branch (decided on the request that follows the turn that carries the
 * branches), `jump` back to the main line after a branch's turns, `end`. One cursor walks it across
 * every request and every start of a workstream, so a cassette can script restarts too.
 */
import type { CassetteBranch, CassetteTurn, CassetteWhen } from "../cassette.ts";

type Instruction =
  | { kind: "serve"; turn: CassetteTurn }
  | { kind: "choose"; options: { when: CassetteWhen | undefined; target: number }[]; otherwise: number }
  | { kind: "jump"; target: number }
  | { kind: "end" };

/** Decides one branch condition; `when` undefined is a default branch, taken whatever was said. */
export type BranchCondition = (when: CassetteWhen | undefined) => boolean;

export class CassetteCursor {
  private readonly program: Instruction[];
  private position = 0;
  private servedCount = 0;

  constructor(turns: readonly CassetteTurn[]) {
    this.program = compile(turns);
  }

  /** Turns served so far (the number of the next turn is one more). */
  get served(): number {
    return this.servedCount;
  }

  /** The next turn, following the branches `isMet` picks; null once the cassette is played out. */
  next(isMet: BranchCondition): CassetteTurn | null {
    for (;;) {
      const instruction = this.program[this.position];
      if (!instruction || instruction.kind === "end") return null;
      switch (instruction.kind) {
        case "serve":
          this.position += 1;
          this.servedCount += 1;
          return instruction.turn;
        case "choose":
          this.position =
            instruction.options.find((option) => isMet(option.when))?.target ?? instruction.otherwise;
          break;
        case "jump":
          this.position = instruction.target;
          break;
      }
    }
  }

  /**
   * Skips turns served by an earlier process of the same run (a resume). The requests that chose
   * their branches are gone, so only default branches (no `when`) are taken on the way.
   */
  skip(turns: number): void {
    for (let skipped = 0; skipped < turns; skipped += 1) {
      if (this.next((when) => when === undefined) === null) return;
    }
  }
}

/**
 * The main line first, ending in `end`; each branch's turns after it, each ending in a jump back
 * to the turn after the one that carried the branch. Nested branches are laid out the same way.
 */
function compile(turns: readonly CassetteTurn[]): Instruction[] {
  const program: Instruction[] = [];
  const pending: { branch: CassetteBranch; option: { target: number }; returnTo: number }[] = [];
  const layOut = (line: readonly CassetteTurn[]) => {
    for (const turn of line) {
      program.push({ kind: "serve", turn });
      if (!turn.branches) continue;
      const choose: Extract<Instruction, { kind: "choose" }> = { kind: "choose", options: [], otherwise: 0 };
      program.push(choose);
      choose.otherwise = program.length;
      for (const branch of turn.branches) {
        const option = { when: branch.when, target: 0 };
        choose.options.push(option);
        pending.push({ branch, option, returnTo: choose.otherwise });
      }
    }
  };
  layOut(turns);
  program.push({ kind: "end" });
  for (let next = pending.shift(); next; next = pending.shift()) {
    next.option.target = program.length;
    layOut(next.branch.turns);
    program.push({ kind: "jump", target: next.returnTo });
  }
  return program;
}

import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkIsolationAvailable } from "../../src/sandbox/index.ts";

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-isolation-check-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("checkIsolationAvailable", () => {
  it("says bubblewrap is missing, and how to install it", async () => {
    const bwrapPath = join(directory, "bwrap");
    expect(await checkIsolationAvailable({ bwrapPath })).toEqual({
      available: false,
      reason: `bubblewrap (${bwrapPath}) was not found. Install bubblewrap (Debian and Ubuntu: \`apt-get install bubblewrap\`).`,
    });
  });

  it("passes on what bwrap says when the kernel refuses its namespaces", async () => {
    // A stand-in printing what bwrap 0.8 prints where unprivileged user namespaces are off.
    const bwrapPath = join(directory, "bwrap");
    await writeFile(
      bwrapPath,
      "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces. On e.g. debian this can be enabled with 'sysctl kernel.unprivileged_userns_clone=1'.' >&2\nexit 1\n",
    );
    await chmod(bwrapPath, 0o755);
    const availability = await checkIsolationAvailable({ bwrapPath });
    expect(availability.available).toBe(false);
    expect(availability.reason).toMatchInlineSnapshot(
      `"bubblewrap could not start a sandbox: bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces. On e.g. debian this can be enabled with sysctl kernel.unprivileged_userns_clone=1. Unprivileged user namespaces look disabled: check \`sysctl kernel.unprivileged_userns_clone\` (Debian), \`kernel.apparmor_restrict_unprivileged_userns\` (Ubuntu 24.04+) and \`user.max_user_namespaces\`, or the container's seccomp profile, which may forbid them."`,
    );
  });
});

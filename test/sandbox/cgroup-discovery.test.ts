import { describe, expect, it } from "vitest";
import { cgroupCandidates } from "../../src/sandbox/cgroup-discovery.ts";

const lines = (...text: string[]) => `${text.join("\n")}\n`;

describe("cgroupCandidates", () => {
  it("finds the v2 cgroup and the v1 pids hierarchy of a container with both (this machine's layout)", () => {
    const selfCgroup = lines("9:name=systemd:/", "8:pids:/", "4:memory:/process_api/ce88", "1:cpu:/", "0::/");
    const mountInfo = lines(
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
      "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
    );
    expect(cgroupCandidates(selfCgroup, mountInfo)).toEqual([
      { version: 2, directory: "/sys/fs/cgroup/unified" },
      { version: 1, directory: "/sys/fs/cgroup/pids" },
    ]);
  });

  it("finds a systemd user's v2 cgroup below the mount, and no v1 candidate without a pids hierarchy", () => {
    const selfCgroup = lines("0::/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope");
    const mountInfo = lines(
      "25 30 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate",
    );
    expect(cgroupCandidates(selfCgroup, mountInfo)).toEqual([
      {
        version: 2,
        directory: "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope",
      },
    ]);
  });

  it("maps a cgroup through a mount of a subtree, and skips one the mount does not show", () => {
    const selfCgroup = lines("5:pids,cpu:/docker/abc", "0::/elsewhere");
    const mountInfo = lines(
      "40 31 0:36 /docker /sys/fs/cgroup/pids\\040tree rw - cgroup cgroup rw,cpu,pids",
      "41 31 0:38 /docker /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
    );
    expect(cgroupCandidates(selfCgroup, mountInfo)).toEqual([
      { version: 1, directory: "/sys/fs/cgroup/pids tree/abc" },
    ]);
  });

  it("finds nothing without cgroup mounts", () => {
    expect(cgroupCandidates("0::/\n", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n")).toEqual([]);
  });
});

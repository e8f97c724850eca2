import { describe, expect, it } from "vitest";
import {
  driverOverrideArguments,
  parseConfigListing,
  pinnedSettingArguments,
  UnsafeGitConfigError,
} from "../../src/workspace/protective-config.ts";

function overridesFor(listing: string): string[] {
  return driverOverrideArguments(listing).filter((argument) => argument !== "-c");
}

describe("parseConfigListing", () => {
  it("reads `git config --list -z`, values with newlines and bare booleans included", () => {
    expect(parseConfigListing("core.bare\nfalse\0alias.x\nline one\nline two\0core.flag\0")).toEqual([
      { key: "core.bare", value: "false" },
      { key: "alias.x", value: "line one\nline two" },
      { key: "core.flag", value: null },
    ]);
  });
});

describe("pinnedSettingArguments", () => {
  it("pins every code-running setting and the supervisor's identity", () => {
    expect(pinnedSettingArguments.filter((argument) => argument !== "-c")).toEqual([
      "core.hooksPath=/dev/null",
      "core.fsmonitor=false",
      "core.pager=cat",
      "core.editor=:",
      "sequence.editor=:",
      "core.sshCommand=ssh",
      "core.askPass=",
      "credential.helper=",
      "diff.external=",
      "gpg.program=",
      "gpg.openpgp.program=",
      "gpg.x509.program=",
      "gpg.ssh.program=",
      "commit.gpgSign=false",
      "tag.gpgSign=false",
      "log.showSignature=false",
      "uploadpack.packObjectsHook=",
      "user.name=supervise",
      "user.email=supervisor@supervise.invalid",
    ]);
  });
});

describe("driverOverrideArguments", () => {
  it("disarms each filter, diff and merge driver the config names, keeping the name's case and dots", () => {
    const listing = [
      "filter.lfs.clean\ngit-lfs clean -- %f",
      "filter.My.Driver.process\n./run",
      "diff.external\n./ext",
      "diff.pics.textconv\n./exif",
      "merge.ours.driver\ntrue",
      "core.fsmonitor\n./watch",
      "",
    ].join("\0");
    expect(overridesFor(listing)).toEqual([
      "filter.lfs.clean=",
      "filter.lfs.smudge=",
      "filter.lfs.process=",
      "filter.lfs.required=false",
      "filter.My.Driver.clean=",
      "filter.My.Driver.smudge=",
      "filter.My.Driver.process=",
      "filter.My.Driver.required=false",
      "diff.pics.textconv=",
      "diff.pics.command=",
      "merge.ours.driver=",
    ]);
  });

  it("refuses a driver name with `=`, which `-c` would split in the wrong place", () => {
    expect(() => driverOverrideArguments("filter.a=b.clean\n./evil\0")).toThrow(UnsafeGitConfigError);
    expect(() => driverOverrideArguments("filter.a=b.clean\n./evil\0")).toThrowErrorMatchingInlineSnapshot(
      `[UnsafeGitConfigError: The git config defines a filter driver named "a=b"; a "=" in a driver name cannot be overridden safely.]`,
    );
  });
});

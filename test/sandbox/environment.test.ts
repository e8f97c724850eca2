import { describe, expect, it } from "vitest";
import { buildCommandEnvironment, ForbiddenVariableError } from "../../src/sandbox/index.ts";

const supervisorEnvironment = {
  PATH: "/usr/local/bin:/usr/bin:/bin",
  HOME: "/home/ada",
  USER: "ada",
  LANG: "en_GB.UTF-8",
  LC_ALL: "en_GB.UTF-8",
  LC_TIME: "C",
  TERM: "xterm-256color",
  TZ: "Europe/London",
  CI: "true",
  ANTHROPIC_API_KEY: "sk-ant-secret",
  GITHUB_TOKEN: "ghp_secret",
  GH_TOKEN: "gho_secret",
  NPM_TOKEN: "npm_secret",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  AWS_REGION: "eu-west-2",
  DB_PASSWORD: "hunter2",
  NODE_OPTIONS: "--import tsx",
  npm_config_prefix: "/home/ada/.npm-global",
  NPM_CONFIG_REGISTRY: "https://npm.internal",
  GIT_DIR: "/home/ada/supervisor/.git",
  SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
  HTTPS_PROXY: "http://ada:pw@proxy:3128",
  EDITOR: "vim",
  UNSET: undefined,
};

describe("buildCommandEnvironment", () => {
  it("inherits only the allow-list", () => {
    expect(buildCommandEnvironment({ parent: supervisorEnvironment })).toEqual({
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: "/home/ada",
      USER: "ada",
      LANG: "en_GB.UTF-8",
      LC_ALL: "en_GB.UTF-8",
      LC_TIME: "C",
      TERM: "xterm-256color",
      TZ: "Europe/London",
      CI: "true",
    });
  });

  it("never inherits secrets or the supervisor's context, even when everything is allowed", () => {
    expect(buildCommandEnvironment({ parent: supervisorEnvironment, allow: ["*"] })).toEqual({
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: "/home/ada",
      USER: "ada",
      LANG: "en_GB.UTF-8",
      LC_ALL: "en_GB.UTF-8",
      LC_TIME: "C",
      TERM: "xterm-256color",
      TZ: "Europe/London",
      CI: "true",
      AWS_REGION: "eu-west-2",
      SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
      HTTPS_PROXY: "http://ada:pw@proxy:3128",
      EDITOR: "vim",
    });
  });

  it("drops the caller's secret patterns from an allowed glob", () => {
    const environment = buildCommandEnvironment({
      parent: { AWS_REGION: "eu-west-2", AWS_PROFILE: "prod", AWS_SECRET_ACCESS_KEY: "aws-secret" },
      allow: ["AWS_*"],
      secretPatterns: ["AWS_PROFILE"],
    });
    expect(environment).toEqual({ AWS_REGION: "eu-west-2" });
  });

  it("lets explicit values win, including secret-looking names and supervisor context", () => {
    const environment = buildCommandEnvironment({
      parent: supervisorEnvironment,
      set: {
        PATH: "/opt/supervise/bin:/usr/bin",
        SUPERVISE_TOOL_TOKEN: "t-1",
        GIT_AUTHOR_NAME: "supervise",
        CI: "1",
      },
    });
    expect(environment).toEqual({
      PATH: "/opt/supervise/bin:/usr/bin",
      HOME: "/home/ada",
      USER: "ada",
      LANG: "en_GB.UTF-8",
      LC_ALL: "en_GB.UTF-8",
      LC_TIME: "C",
      TERM: "xterm-256color",
      TZ: "Europe/London",
      CI: "1",
      SUPERVISE_TOOL_TOKEN: "t-1",
      GIT_AUTHOR_NAME: "supervise",
    });
  });

  it("refuses to set the supervisor's credentials, in any case", () => {
    for (const name of ["ANTHROPIC_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "github_token"]) {
      expect(() => buildCommandEnvironment({ parent: {}, set: { [name]: "x" } })).toThrow(
        new ForbiddenVariableError(name, "it is one of the supervisor's own credentials or secret patterns"),
      );
    }
  });

  it("refuses to set a name matching the caller's secret patterns", () => {
    expect(() =>
      buildCommandEnvironment({ parent: {}, set: { AWS_ACCESS_KEY_ID: "x" }, secretPatterns: ["AWS_*"] }),
    ).toThrow("The environment variable AWS_ACCESS_KEY_ID may not be given to a command");
  });

  it("refuses to allow by name what it would drop anyway", () => {
    expect(() => buildCommandEnvironment({ parent: supervisorEnvironment, allow: ["GITHUB_TOKEN"] })).toThrow(
      "The environment variable GITHUB_TOKEN may not be given to a command: it is one of the supervisor's own credentials or secret patterns.",
    );
    expect(() => buildCommandEnvironment({ parent: supervisorEnvironment, allow: ["NODE_OPTIONS"] })).toThrow(
      "The environment variable NODE_OPTIONS may not be given to a command: it is never inherited (a secret or the supervisor's own context); pass a value with `set` instead.",
    );
  });
});

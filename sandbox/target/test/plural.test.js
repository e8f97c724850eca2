import assert from "node:assert/strict";
import { test } from "node:test";
import { pluralize } from "../src/plural.js";

test("pluralize adds an s", () => {
  assert.equal(pluralize("file"), "files");
});

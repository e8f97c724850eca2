import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCount } from "../src/format.js";

test("formatCount pluralizes", () => {
  assert.equal(formatCount(1, "file"), "1 file");
  assert.equal(formatCount(2, "file"), "2 files");
});

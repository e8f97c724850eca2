import assert from "node:assert/strict";
import { test } from "node:test";
import { wordCount } from "../src/word-count.js";

test("wordCount counts words separated by single spaces", () => {
  assert.equal(wordCount("one two three"), 3);
});

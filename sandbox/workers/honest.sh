#!/usr/bin/env bash
# A scripted worker that does the job properly: fixes slugify, adds a test, commits, claims.
set -euo pipefail
prompt=$(cat)   # the worker prompt arrives on stdin
echo "worker for $SUPERVISE_WORKSTREAM (issue #$SUPERVISE_ISSUE), attempt $SUPERVISE_ATTEMPT; prompt of ${#prompt} bytes"

cat > src/slugify.js <<'JS'
/** Turns a title into a URL slug: lower case, words joined by single dashes. */
export function slugify(title) {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
JS
cat >> test/slugify.test.js <<'JS'

test("slugify collapses runs of separators and trims the edges", () => {
  assert.equal(slugify("  Hello   World -- again  "), "hello-world-again");
});
JS
npm test --silent >/dev/null
git add -A
git commit -qm "Fix slugify: collapse separator runs and trim dashes (#$SUPERVISE_ISSUE)"
supervise tool claim_done --input '{"summary": "slugify collapses runs of separators and trims edge dashes; test added; npm test passes"}'

#!/usr/bin/env bash
# A worker that writes the feature but not the way the project formats code, and claims at once. The
# plan's fmt gate runs first and rejects it in a second, before any slower gate; the lint-format
# playbook (named by that gate) tells it what to do, and its next start formats, lands and claims.
set -euo pipefail
cat >/dev/null
echo "worker for $SUPERVISE_WORKSTREAM (issue #$SUPERVISE_ISSUE), attempt $SUPERVISE_ATTEMPT"
if [ "$SUPERVISE_ATTEMPT" = 1 ]; then
  cat > units/src/kelvin.rs <<'RUST'
//! Converts Celsius to kelvin.

pub fn celsius_to_kelvin(celsius:f64)->f64{ celsius+273.15 }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_zero() { assert_eq!(celsius_to_kelvin(-273.15), 0.0); }
}
RUST
  sed -i 's/^pub mod format;$/pub mod format;\npub mod kelvin;/' units/src/lib.rs
  git add -A
  git commit -qm "Add celsius_to_kelvin"
  supervise tool claim_done --input '{"summary": "celsius_to_kelvin added with a test"}' || true
  exit 0
fi
cargo fmt --all
git commit -qam "kelvin: cargo fmt"
supervise tool open_pull_request --input "{\"title\": \"Add celsius_to_kelvin\", \"body\": \"Closes #$SUPERVISE_ISSUE\"}"
supervise tool merge_pull_request
supervise tool claim_done --input "{\"summary\": \"celsius_to_kelvin, formatted; merged, issue #$SUPERVISE_ISSUE closed\"}"

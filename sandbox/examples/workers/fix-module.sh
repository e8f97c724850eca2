#!/usr/bin/env bash
# An honest worker of the parallel test campaign: fixes the code its module's failing test points at
# (never the test), runs that module's tests, commits and claims.
set -euo pipefail
cat >/dev/null   # the worker prompt arrives on stdin
echo "worker for $SUPERVISE_WORKSTREAM, attempt $SUPERVISE_ATTEMPT"
case "$SUPERVISE_WORKSTREAM" in
  eval)
    # `5 - 2` gave 7: the minus arm set the sign to +1.
    sed -i '/(Token::Minus, false)/,/}/ s/sign = 1;/sign = -1;/' calc/src/eval.rs
    message="eval: subtract after a minus sign"
    ;;
  format)
    sed -i 's/format!("{value} {unit}")/format!("{value:.1} {unit}")/' units/src/format.rs
    message="format: show one decimal"
    ;;
  *)
    echo "no fix known for $SUPERVISE_WORKSTREAM" >&2
    exit 1
    ;;
esac
cargo test --quiet "$SUPERVISE_WORKSTREAM::" >/dev/null 2>&1
git commit -qam "$message"
supervise tool claim_done --input "{\"summary\": \"$message; cargo test $SUPERVISE_WORKSTREAM:: passes\"}"

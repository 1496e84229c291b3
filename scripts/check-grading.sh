#!/usr/bin/env bash
# Proves the instructor's tools end to end, as CI does after the tests:
#
# 1. `just student-copy` writes a copy without the reference solutions;
#    that copy builds, its `cargo test --workspace` passes, `just check 1`
#    reports lesson 1 unsolved, and `just grade` fails every exercise.
# 2. The same copy with the reference solutions copied over the starter
#    code passes every exercise in `just grade`.
#
# Usage: scripts/check-grading.sh [WORK_FOLDER]   (default: a new temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
copy="$work/student-course"
# The copy builds in a target folder of its own: sharing this checkout's
# would let the two workspaces overwrite each other's binaries.
export CARGO_TARGET_DIR="$work/target"

count() { # the number after "passed": in a JSON grade report
    sed -n 's/^  "passed": \([0-9]*\),$/\1/p' "$1"
}
total=$(cargo run --quiet -p exercise-check --bin exercise -- list | wc -l)

echo "== writing a student copy to $copy"
just student-copy "$copy"
test ! -e "$copy/crates/exercise-solutions" || { echo "the copy has the solutions"; exit 1; }

cd "$copy"
echo "== the copy's own tests"
cargo test --workspace --quiet

echo "== just check 1 in the copy must report lesson 1 unsolved"
if just check 1 > "$work/check-1.txt"; then
    echo "just check 1 passed on the starter code"; exit 1
fi
grep -q "0 of 3 exercises solved" "$work/check-1.txt"
grep -q "stuck? \`just hint 1.1\`" "$work/check-1.txt"

echo "== grading the untouched copy: every exercise must fail"
just grade --json "$work/untouched.json" --junit "$work/untouched.xml"
test "$(count "$work/untouched.json")" = 0 || { echo "some starter code passes"; exit 1; }

echo "== grading the copy with the reference solutions: every exercise must pass"
for solution in "$OLDPWD"/crates/exercise-solutions/src/bin/solution-*/; do
    name=$(basename "$solution"); name=${name#solution-}
    cp "$solution/main.rs" "crates/exercises/src/bin/$name/main.rs"
done
just grade --json "$work/solved.json"
test "$(count "$work/solved.json")" = "$total" || { echo "not every solution passes"; exit 1; }

echo "== the grading tools work: $total exercises, all failing untouched, all passing solved"

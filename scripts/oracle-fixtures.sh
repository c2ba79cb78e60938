#!/usr/bin/env bash
# Regenerates the conformance fixtures with the official Amplify data oracle.
#
#   scripts/oracle-fixtures.sh                 # every schema in conformance/schemas and conformance/errors
#   scripts/oracle-fixtures.sh 02-blog 07-auth # only these (names with or without extension)
#   scripts/oracle-fixtures.sh --setup         # only prepare .oracle/ (copy + npm ci)
#
# The oracle is read from ${AMPBASE_ORACLE_DIR:-<repo>/../shared/oracle}, copied
# (without node_modules) into <repo>/.oracle/ and installed there with `npm ci`
# (skipped when already installed from the same package-lock.json).
#
# For conformance/schemas/NN-name.{ts,graphql} it writes conformance/fixtures/NN-name/:
#   directive.graphql appsync.graphql model-introspection.json statements.graphql
#   client-operations.json inputs.json
# For conformance/errors/NAME.{ts,graphql} (schemas the official pipeline rejects)
# it writes conformance/errors/NAME.expected.txt with the oracle's error message,
# and fails if the oracle accepts the schema.
#
# A schema may start with a comment `// oracle-flags: --no-auth ...` (`# oracle-flags:`
# in .graphql files); those flags are passed to the oracle and recorded in inputs.json.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
oracle_src="${AMPBASE_ORACLE_DIR:-$repo/../shared/oracle}"
oracle="$repo/.oracle"
jobs="${ORACLE_JOBS:-2}"

if [[ ! -f "$oracle_src/oracle.mjs" ]]; then
  echo "oracle not found at $oracle_src (set AMPBASE_ORACLE_DIR)" >&2
  exit 1
fi

# --- copy + install ---------------------------------------------------------
mkdir -p "$oracle"
for entry in "$oracle_src"/* "$oracle_src"/.gitignore; do
  name="$(basename "$entry")"
  [[ "$name" == node_modules || "$name" == examples ]] && continue
  [[ -e "$entry" ]] || continue
  rm -rf "${oracle:?}/$name"
  cp -R "$entry" "$oracle/$name"
done
chmod -R u+w "$oracle" 2>/dev/null || true

lock_sum="$(sha256sum "$oracle/package-lock.json" | cut -d' ' -f1)"
stamp="$oracle/node_modules/.ampbase-lock.sha256"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
  echo "installing the oracle in $oracle (npm ci)" >&2
  (cd "$oracle" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$lock_sum" >"$stamp"
fi

if [[ "${1:-}" == "--setup" ]]; then
  exit 0
fi

# --- schemas ----------------------------------------------------------------
cd "$repo"

selected=()
if [[ $# -gt 0 ]]; then
  for want in "$@"; do
    want="${want%.ts}"; want="${want%.graphql}"; want="$(basename "$want")"
    found=0
    for f in conformance/schemas/"$want".ts conformance/schemas/"$want".graphql \
             conformance/errors/"$want".ts conformance/errors/"$want".graphql; do
      if [[ -f "$f" ]]; then selected+=("$f"); found=1; fi
    done
    if [[ $found == 0 ]]; then echo "no schema named '$want'" >&2; exit 1; fi
  done
else
  shopt -s nullglob
  selected=(conformance/schemas/*.ts conformance/schemas/*.graphql conformance/errors/*.ts conformance/errors/*.graphql)
  # Remove fixtures whose schema is gone.
  for dir in conformance/fixtures/*/; do
    name="$(basename "$dir")"
    if [[ ! -f "conformance/schemas/$name.ts" && ! -f "conformance/schemas/$name.graphql" ]]; then
      echo "removing stale fixture $dir" >&2
      rm -rf "$dir"
    fi
  done
fi

node "$repo/scripts/oracle-fixtures.mjs" --oracle "$oracle" --jobs "$jobs" "${selected[@]}"

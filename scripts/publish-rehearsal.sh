#!/usr/bin/env bash
# The publish rehearsal CI runs after `pnpm build` (and anyone can run from the root):
#  1. packs every public workspace package as pnpm would publish it (publishConfig applied),
#  2. lints each tarball with publint (--strict) and @arethetypeswrong/cli (ESM-only profile),
#  3. installs all tarballs into a temporary npm project outside the workspace and runs
#     `npx @ksm/ksm-sim run` and `npx @ksm/bench list` there (the CLIs as published),
#  4. runs `changeset version` and `pnpm -r publish --dry-run` on a throwaway copy.
# It writes only under a temporary directory, removed at the end: the clone stays clean.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ksm-publish-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"

mkdir -p "$TMP/tarballs"
mapfile -t DIRS < <(pnpm -r --json ls --depth -1 | node -e '
  const all = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const p of all) if (!p.private && p.path !== process.argv[1]) console.log(p.path);
' "$ROOT")
for dir in "${DIRS[@]}"; do
  # already built by `pnpm build`: skip prepack's rebuild (it runs when a user packs)
  (cd "$dir" && pnpm pack --pack-destination "$TMP/tarballs" --config.ignore-scripts=true >/dev/null)
done
echo "publish-rehearsal: packed ${#DIRS[@]} packages"

for tgz in "$TMP"/tarballs/*.tgz; do
  name="$(basename "$tgz")"
  pnpm exec publint run "$tgz" --strict --pack false >"$TMP/publint.log" 2>&1 ||
    { cat "$TMP/publint.log"; echo "publish-rehearsal: publint failed on $name"; exit 1; }
  pnpm exec attw "$tgz" --profile esm-only --format ascii >"$TMP/attw.log" 2>&1 ||
    { cat "$TMP/attw.log"; echo "publish-rehearsal: attw failed on $name"; exit 1; }
done
echo "publish-rehearsal: publint and attw pass on every tarball"

mkdir -p "$TMP/app"
echo '{"private": true}' >"$TMP/app/package.json"
(cd "$TMP/app" && npm install --no-audit --no-fund --loglevel=error "$TMP"/tarballs/*.tgz >/dev/null)
(cd "$TMP/app" && npx --no-install @ksm/ksm-sim run "$ROOT/examples/two-vms.json" --jsonl) | grep -q '"pages_sharing": 1020'
(cd "$TMP/app" && npx --no-install @ksm/bench list) | grep -q 'vm-consolidation'
echo "publish-rehearsal: npx @ksm/ksm-sim and npx @ksm/bench run from the installed tarballs"

# changeset version + publish --dry-run on a throwaway copy of the sources (with dist),
# installed from the local store (no network)
mkdir "$TMP/copy"
tar -C "$ROOT" --exclude=./.git --exclude=node_modules --exclude=./bench-results -cf - . | tar -C "$TMP/copy" -xf -
(cd "$TMP/copy" && pnpm install --offline --frozen-lockfile --ignore-scripts >/dev/null &&
  pnpm exec changeset version >/dev/null &&
  pnpm -r publish --dry-run --no-git-checks --config.ignore-scripts=true >"$TMP/publish.log" 2>&1) ||
  { cat "$TMP/publish.log"; echo "publish-rehearsal: changeset version / publish --dry-run failed"; exit 1; }
echo "publish-rehearsal: changeset version and pnpm -r publish --dry-run pass ($(grep -c '^+ @ksm/' "$TMP/publish.log" || true) packages)"

#!/usr/bin/env bash
# Runs the ImapFlow peer for `bin/imap-sync bench --peers` (peer.mjs), or with `sync` first the
# initial-sync peer for `bench initial-sync --peers` (sync.mjs): installs its dependencies
# here with `npm ci` when node_modules is missing or older than package-lock.json (CI machines
# start bare), then execs node, so this process's id is the peer's. Standard output carries only
# the peer's JSON lines; npm's output goes to standard error.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "imapflow peer: needs Node.js 20+ and npm on the PATH (Debian: apt-get install nodejs npm)" >&2
  exit 3
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
  echo "imapflow peer: Node.js $(node --version) is too old; imapflow 2.10 wants 20+" >&2
  exit 3
fi

stamp="$here/node_modules/.package-lock.json" # npm ci writes it last
if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
  echo "imapflow peer: npm ci in $here" >&2
  if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error 1>&2); then
    echo "imapflow peer: npm ci failed (is the npm registry reachable?)" >&2
    exit 3
  fi
fi
script=peer.mjs
if [ "${1:-}" = sync ]; then script=sync.mjs; shift; fi # the initial-sync peer (bench initial-sync --peers)
exec node --expose-gc "$here/$script" "$@"

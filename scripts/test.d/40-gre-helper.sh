#!/usr/bin/env bash
# Builds native/gre-helper.c, the small raw-GRE relay the gre/mtu/login probes run (src/pptp/raw/),
# into native/build/pptpmon-gre-helper, so no test pays for compiling it. The probes would also build
# it on first use; this just fails early and clearly when no C compiler is installed (package gcc).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v cc >/dev/null; then
  echo "40-gre-helper: no C compiler (cc); install gcc (scripts/debian-packages.txt)" >&2
  exit 1
fi
mkdir -p native/build
cc -O2 -Wall -Wextra -o native/build/pptpmon-gre-helper native/gre-helper.c
echo "40-gre-helper: built native/build/pptpmon-gre-helper"

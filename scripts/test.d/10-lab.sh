#!/usr/bin/env bash
# Lab (issue 7): build the VM image when missing (cold: debootstrap + kernel download, ~1-2 min; warm:
# instant) so the test run only boots it. Skipped when the lab cannot run here (not root, no qemu,
# PPTPMON_NO_LAB=1): lab tests then skip with that reason.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${PPTPMON_NO_LAB:-}" = 1 ]; then echo "lab: PPTPMON_NO_LAB=1, not building"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "lab: not root, not building (lab tests will skip)"; exit 0; fi
command -v qemu-system-x86_64 >/dev/null || { echo "lab: no qemu-system-x86_64, not building"; exit 0; }
start=$(date +%s)
img=$(bash lab/build.sh)
echo "lab: image $img ready in $(( $(date +%s) - start )) s"

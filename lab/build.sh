#!/usr/bin/env bash
# Builds the lab VM image (kernel + uncompressed newc initramfs) from Debian packages only and caches it
# outside the repo under $PPTPMON_LAB_CACHE (default /var/cache/pptpmon-lab)/<key>, where <key> hashes
# every lab input (this script, lab/packages.txt, lab/guest/**). Prints the image directory on stdout.
# A warm build (image present) returns at once; a changed guest file reuses the cached debootstrap base
# (keyed on packages.txt and this script) so only the overlay + cpio step runs (seconds).
# Facts behind the choices: ../shared/design/LAB.md (gzip made boot slower; no initramfs-tools; keep proc/).
set -euo pipefail
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
CACHE=${PPTPMON_LAB_CACHE:-/var/cache/pptpmon-lab}
MIRROR=${PPTPMON_LAB_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
log() { echo "[lab build $(date +%T)] $*" >&2; }

[ "$(id -u)" = 0 ] || { echo "lab build: must run as root (debootstrap, chroot)" >&2; exit 1; }
for tool in debootstrap cpio depmod modprobe dpkg-deb apt-get sha256sum; do
  command -v "$tool" >/dev/null || { echo "lab build: missing host tool '$tool' (see scripts/debian-packages.txt)" >&2; exit 1; }
done

pkgs=$(grep -v '^\s*#' "$LAB_DIR/packages.txt" | grep -v '^\s*$' | tr '\n' ',' | sed 's/,$//')
# Bump BASE_RECIPE when section 1 below changes; the base is otherwise keyed on the package list only,
# so editing the rest of this script or a guest file does not re-run debootstrap.
BASE_RECIPE=1
base_key=$( (echo "$BASE_RECIPE"; cat "$LAB_DIR/packages.txt") | sha256sum | cut -c1-16)
key=$( (cd "$LAB_DIR" && find build.sh packages.txt guest -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16)
OUT=$CACHE/img-$key
if [ -f "$OUT/ready" ]; then
  echo "$OUT"
  exit 0
fi
DEBS=${PPTPMON_LAB_DEBS:-$CACHE/debs} # the bench points a cold cache at the warm .deb cache
mkdir -p "$CACHE" "$DEBS"
exec 9>"$CACHE/build.lock"
flock 9 # two builds at once would fight over the same directories
if [ -f "$OUT/ready" ]; then echo "$OUT"; exit 0; fi

# Mounts and processes left under a rootfs. debootstrap mounts proc (and devpts) in the target and only
# unmounts them at exit if nothing holds them; a process a package script started (or a busy moment)
# leaves the HOST's /proc mounted inside the base. Copying that with `cp -a` reads /proc/kcore & co.:
# found on the first truly cold build (62 GB copied before it was stopped). So: kill what runs chrooted
# there, unmount everything below it (deepest first), and refuse to go on if anything stays mounted.
mounts_below() { awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r; }
release_rootfs() {
  local dir=$1 p r m
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    case "$r" in "$dir" | "$dir"/*) log "killing ${p#/proc/} left running in $dir"; kill -KILL "${p#/proc/}" 2>/dev/null || true ;; esac
  done
  for m in $(mounts_below "$dir"); do log "unmounting $m"; umount "$m" 2>/dev/null || umount -l "$m"; done
  if [ -n "$(mounts_below "$dir")" ]; then
    echo "lab build: still mounted below $dir: $(mounts_below "$dir" | tr '\n' ' ')" >&2
    exit 1
  fi
}

# --- 1. base rootfs (debootstrap) + kernel, cached on the package list -------------------------------
BASE=$CACHE/base-$base_key
if [ ! -f "$BASE/ready" ]; then
  rm -rf "$BASE"
  mkdir -p "$BASE"
  log "debootstrap $SUITE minbase (+ $pkgs)"
  t_boot=$(date +%s)
  debootstrap --variant=minbase --cache-dir="$DEBS" --include="$pkgs" "$SUITE" "$BASE/rootfs" "$MIRROR" >"$BASE/debootstrap.log" 2>&1 \
    || { tail -30 "$BASE/debootstrap.log" >&2; release_rootfs "$BASE/rootfs"; exit 1; }
  release_rootfs "$BASE/rootfs"
  log "debootstrap done in $(($(date +%s) - t_boot)) s ($(ls "$DEBS" | wc -l) .debs in $DEBS)"
  # Trim what the VM never reads: docs, man pages, locales, apt caches (shorter cpio = faster boot).
  rm -rf "$BASE"/rootfs/usr/share/{doc,man,info,locale} "$BASE"/rootfs/var/cache/apt/* "$BASE"/rootfs/var/lib/apt/lists/*
  # Kernel: the exact package Debian's linux-image-amd64 points to; never run initramfs-tools.
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  if [ -z "$kpkg" ]; then apt-get update -qq; kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); fi
  log "kernel package $kpkg"
  (cd "$DEBS" && apt-get download "$kpkg" >/dev/null 2>&1) || { echo "lab build: apt-get download $kpkg failed" >&2; exit 1; }
  mkdir -p "$BASE/kernel"
  dpkg-deb -x "$(ls -t "$DEBS"/"${kpkg}"_*.deb | head -1)" "$BASE/kernel"
  rm -rf "$BASE/kernel/usr"
  depmod -b "$BASE/kernel" "$(ls "$BASE/kernel/lib/modules")" # modprobe -d needs modules.dep
  touch "$BASE/ready"
  for old in "$CACHE"/base-*; do [ "$old" = "$BASE" ] || rm -rf "$old"; done
fi

# --- 2. image: base copy + modules + lab overlay + slapd database, then cpio ---------------------------
WORK=$CACHE/work-$key
rm -rf "$WORK"
mkdir -p "$WORK"
log "assembling image $key"
release_rootfs "$BASE/rootfs" # a base from an older build.sh may still carry debootstrap's proc mount
cp -a --one-file-system "$BASE/rootfs" "$WORK/rootfs"
R=$WORK/rootfs
KVER=$(ls "$BASE/kernel/lib/modules")
cp "$BASE/kernel/boot/vmlinuz-$KVER" "$WORK/vmlinuz"

# Only the modules the lab uses, each with its dependencies as modprobe resolves them.
MODS="virtio_pci virtio_net 9p 9pnet_virtio ppp_generic ppp_async ppp_synctty ppp_mppe ppp_deflate bsd_comp
  gre pptp veth nf_tables nft_reject_inet nft_limit sch_netem sch_prio cls_u32 sch_tbf"
mkdir -p "$R/lib/modules/$KVER"
for m in $MODS; do
  modprobe -d "$BASE/kernel" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}' | while read -r ko; do
    rel=${ko#"$BASE/kernel"}
    mkdir -p "$R$(dirname "$rel")"
    cp "$ko" "$R$rel"
  done
done
cp "$BASE/kernel/lib/modules/$KVER"/modules.{builtin,builtin.modinfo,order} "$R/lib/modules/$KVER/"
depmod -b "$R" "$KVER"

# Lab overlay: /init, configs, guest scripts.
cp -a "$LAB_DIR/guest/." "$R/"
chmod 0755 "$R/init" "$R"/usr/local/sbin/* 2>/dev/null || true
chmod 0600 "$R/etc/ppp/chap-secrets"
# FreeRADIUS: log every authentication ("Auth: (n) Login OK/incorrect ...") to radius.log.
sed -i 's/^\(\s*auth\) = no/\1 = yes/' "$R/etc/freeradius/3.0/radiusd.conf"

# slapd: replace the package's default database with the lab's (suffix, admin and user documented in
# lab/README.md). slapadd works offline, so the VM boots with the directory already populated.
rm -rf "$R/etc/ldap/slapd.d" "$R/var/lib/ldap"
mkdir -p "$R/etc/ldap/slapd.d" "$R/var/lib/ldap"
chroot "$R" slapadd -n 0 -F /etc/ldap/slapd.d -l /etc/ldap/lab-config.ldif >/dev/null
chroot "$R" slapadd -n 1 -F /etc/ldap/slapd.d -l /etc/ldap/lab-data.ldif >/dev/null
chroot "$R" chown -R openldap:openldap /etc/ldap/slapd.d /var/lib/ldap

mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/tmp" "$R/mnt/share" "$R/mnt/project" "$R/mnt/hostnode"
echo "$KVER" >"$WORK/kernel-version"
(cd "$R" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$WORK/initrd.cpio"
rm -rf "$R"
echo "$key" >"$WORK/key"
touch "$WORK/ready"
rm -rf "$OUT"
mv "$WORK" "$OUT"
# Keep the cache small: drop older images (the base and debs stay for fast rebuilds).
for old in "$CACHE"/img-* "$CACHE"/work-*; do [ "$old" = "$OUT" ] || rm -rf "$old"; done
log "image ready: $OUT ($(du -sh "$OUT/initrd.cpio" | cut -f1) initramfs, kernel $KVER)"
echo "$OUT"

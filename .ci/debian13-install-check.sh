#!/usr/bin/env bash
# Debian 13 (trixie) install check: builds a fresh trixie system with debootstrap, copies this
# checkout into it as a technician would copy it to a Pi, runs the README's Raspberry Pi install
# (systemd/install-raspberry-pi.sh: Debian's nodejs and npm, the build packages, npm ci, build),
# then starts the service the way its unit does and asks /health. What it meets is what a
# Raspberry Pi OS trixie user meets: Debian's Node 20.19, Debian's npm, Python 3.13, and no
# download from anywhere but Debian's mirror and the npm registry (native modules whose
# prebuilt binaries live elsewhere compile from source with Debian's headers).
#
#   .ci/debian13-install-check.sh                 # amd64, natively (CI runs this)
#   .ci/debian13-install-check.sh --arch arm64    # a Pi's arm64 under qemu-user-static (manual,
#                                                 # slow: apt-get install qemu-user-static
#                                                 # binfmt-support first)
#
# Options: --arch amd64|arm64, --mirror URL (default: the Debian mirror apt uses here),
# --workdir DIR (default: a new directory under /var/tmp), --keep (leave the system there),
# --reuse (with --workdir: start from the system a kept run left there, skipping debootstrap),
# --bootstrap-only (with --workdir: make the trixie system and stop; CI does this in the
# background while the tests run, then finishes with --reuse).
# Needs root (debootstrap, chroot, mounts). Prints each phase's time and which native modules
# were compiled here and which came prebuilt; exits non-zero if anything fails.
set -euo pipefail

arch=amd64
mirror=""
workdir=""
keep=false
reuse=false
bootstrap_only=false
port=18080

die() { echo "debian13-install-check: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="${2:?--arch needs amd64 or arm64}"; shift 2 ;;
    --mirror) mirror="${2:?--mirror needs a URL}"; shift 2 ;;
    --workdir) workdir="${2:?--workdir needs a directory}"; shift 2 ;;
    --keep) keep=true; shift ;;
    --reuse) reuse=true; keep=true; shift ;;
    --bootstrap-only) bootstrap_only=true; keep=true; shift ;;
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot need it)"
command -v debootstrap >/dev/null || die "debootstrap is not installed"
source_dir="$(cd "$(dirname "$0")/.." && pwd)"

if [ -z "$mirror" ]; then
  # The mirror apt already uses on this machine: deb822 sources first, then sources.list.
  mirror="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$mirror" ] || mirror="$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -n1 || true)"
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
fi

host_arch="$(dpkg --print-architecture)"
foreign=false
if [ "$arch" != "$host_arch" ]; then
  foreign=true
  case "$arch" in
    arm64) qemu="qemu-aarch64-static" ;;
    *) die "no emulator known for $arch" ;;
  esac
  command -v "$qemu" >/dev/null || die "$arch needs $qemu: apt-get install qemu-user-static binfmt-support"
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
    die "binfmt_misc has no qemu-aarch64: mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; update-binfmts --enable qemu-aarch64"
fi

[ -n "$workdir" ] || workdir="$(mktemp -d /var/tmp/cardkiosk-trixie-XXXXXX)"
root="$workdir/root"
mkdir -p "$root"

cleanup() {
  local status=$?
  if [ -n "${service_pid:-}" ]; then kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  for m in root/.npm dev/pts dev sys proc; do
    if mountpoint -q "$root/$m"; then umount -l "$root/$m" || true; fi
  done
  if $keep; then echo "kept: $root"; else rm -rf "$workdir"; fi
  exit "$status"
}
trap cleanup EXIT

started=$(date +%s)
: >"$workdir/times"
phase_started=$started
phase() {
  local now
  now=$(date +%s)
  if [ -n "${phase_name:-}" ]; then
    printf '    %s: %ds\n' "$phase_name" $((now - phase_started)) >>"$workdir/times"
  fi
  phase_name="$1"
  phase_started=$now
  printf '\n==> [%s] %s\n' "$arch" "$1"
}

if $reuse && [ -f "$root/etc/debian_version" ]; then
  phase "reuse $root (no debootstrap)"
  rm -rf "$root/home/technician" "$root/opt/cardkiosk"
elif $foreign; then
  phase "debootstrap trixie ($mirror, $arch, foreign)"
else
  phase "debootstrap trixie ($mirror)"
fi
# minbase plus what the device image has anyway: systemd (units are enabled into it), sudo-less
# root, a CA store for the npm registry, and passwd for useradd.
include=systemd,ca-certificates,passwd,procps
if $reuse && [ -f "$root/etc/debian_version" ]; then
  :
elif $foreign; then
  debootstrap --foreign --variant=minbase --arch="$arch" --include="$include" trixie "$root" "$mirror" >"$workdir/debootstrap.log" 2>&1 ||
    { tail -n 30 "$workdir/debootstrap.log"; die "debootstrap (first stage) failed"; }
  cp "$(command -v "$qemu")" "$root/usr/bin/"
  # Without binfmt's F flag the kernel opens the emulator inside the chroot, at the path the
  # registration names (Debian's is /usr/libexec/qemu-binfmt/aarch64-binfmt-P).
  interpreter="$(sed -n 's/^interpreter //p' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || true)"
  if [ -n "$interpreter" ]; then
    mkdir -p "$root$(dirname "$interpreter")"
    cp "$(readlink -f "$interpreter")" "$root$interpreter"
  fi
  chroot "$root" /debootstrap/debootstrap --second-stage >>"$workdir/debootstrap.log" 2>&1 ||
    { tail -n 30 "$workdir/debootstrap.log"; die "debootstrap (second stage) failed"; }
else
  debootstrap --variant=minbase --arch="$arch" --include="$include" trixie "$root" "$mirror" >"$workdir/debootstrap.log" 2>&1 ||
    { tail -n 30 "$workdir/debootstrap.log"; die "debootstrap failed"; }
fi
if $bootstrap_only; then
  phase "done (bootstrap only)"
  exit 0
fi
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Certificates this machine added to its trust store (a network whose proxy re-signs TLS, as on
# the CI runners) go into the new system too; a Pi on an open network has none to add.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  in_root_early() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
  in_root_early update-ca-certificates >/dev/null
fi
# The host's apt settings that matter for a mirror snapshot (no Valid-Until check).
cp /etc/apt/apt.conf.d/99artifact-registry "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
echo "deb $mirror trixie main" >"$root/etc/apt/sources.list"
# NODE_EXTRA_CA_CERTS: npm trusts the system store, the added certificates included.
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "$@"
}
# shellcheck disable=SC2016 # expanded inside the new system
echo "$(in_root sh -c '. /etc/os-release; echo "$PRETTY_NAME"'), $(in_root dpkg --print-architecture)"

phase "copy the checkout (tracked and new files, no node_modules or build output)"
checkout="$root/home/technician/cardkiosk"
mkdir -p "$checkout"
(cd "$source_dir" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -xf - -C "$checkout"
# A throwaway central admin key: the install pins it; nothing is provisioned here.
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout -out "$root/home/technician/admin.pub.pem"

# The host's npm cache, when it has one (CI's own `npm ci` just filled it): the same registry
# tarballs, fetched once instead of twice; the install still resolves and verifies them itself.
host_npm_cache="${HOME:-/root}/.npm"
if [ -d "$host_npm_cache/_cacache" ] && ! $foreign; then
  mkdir -p "$root/root/.npm"
  mount --bind "$host_npm_cache" "$root/root/.npm"
fi

phase "README install: systemd/install-raspberry-pi.sh --no-kiosk (Debian nodejs, npm ci, build)"
in_root /home/technician/cardkiosk/systemd/install-raspberry-pi.sh \
  --admin-key /home/technician/admin.pub.pem --leds none --no-kiosk 2>&1 | tee "$workdir/install.log" ||
  die "the install script failed (see above)"

phase "start as cardkiosk.service does, and GET /health"
exec_start="$(sed -n 's/^ExecStart=//p' "$root/etc/systemd/system/cardkiosk.service")"
[ -n "$exec_start" ] || die "cardkiosk.service has no ExecStart"
# shellcheck disable=SC2086 # ExecStart is a command line: word splitting is what systemd does.
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin NODE_ENV=production \
  CARDKIOSK_STATE_DIR=/var/lib/cardkiosk CARDKIOSK_HOST=127.0.0.1 CARDKIOSK_PORT="$port" \
  /usr/sbin/runuser -u cardkiosk -- sh -c "cd /opt/cardkiosk && exec $exec_start" >"$workdir/service.log" 2>&1 &
service_pid=$!
health=""
for _ in $(seq 1 600); do
  if ! kill -0 "$service_pid" 2>/dev/null; then cat "$workdir/service.log"; die "the service exited"; fi
  if health="$(curl -fsS -m 2 "http://127.0.0.1:$port/health" 2>/dev/null)"; then break; fi
  health=""
  sleep 0.5
done
[ -n "$health" ] || { tail -n 40 "$workdir/service.log"; die "/health did not answer"; }
echo "GET /health: $health"
echo "$health" | grep -q '"database":{"writable":true}' || die "/health does not report a writable database"
phase "done"

echo
echo "native modules in /opt/cardkiosk/node_modules ($arch):"
cat >"$root/tmp/native-report.sh" <<'REPORT'
cd /opt/cardkiosk/node_modules || exit 1
for m in sqlite3 pcsclite epoll @serialport/bindings-cpp; do
  [ -d "$m" ] || { echo "  $m: not installed"; continue; }
  # node-gyp leaves its Makefile in build/; prebuild-install only unpacks build/Release.
  platform=$(node -p 'process.platform + "-" + process.arch')
  binary=$(find "$m/build" "$m/prebuilds/$platform" -name "*.node" 2>/dev/null | head -n1)
  if [ -f "$m/build/Makefile" ]; then echo "  $m: compiled here ($binary)"
  elif [ -n "$binary" ]; then echo "  $m: prebuilt ($binary)"
  else echo "  $m: no binary"; fi
done
# Which SQLite the store runs on: Debian's when sqlite3 compiled here, its own when prebuilt.
node -e "new (require('./sqlite3').Database)(':memory:').get('select sqlite_version() AS v', (e, r) => console.log('  SQLite ' + (e ? e.message : r.v)))"
for p in @resvg/resvg-js-linux-* @esbuild/linux-* @rollup/rollup-linux-* @rolldown/binding-linux-* lightningcss-linux-*; do
  if [ -d "$p" ]; then echo "  $p: prebuilt package"; fi
done
echo "  (build-only packages, esbuild and Vite's, are pruned after the build)"
REPORT
in_root sh /tmp/native-report.sh
echo
echo "times ($arch):"
cat "$workdir/times"
echo "    total: $(($(date +%s) - started))s"

#!/usr/bin/env bash
# Installs cardkiosk on Raspberry Pi OS (Debian 13 trixie, 64-bit), Lite recommended: Debian's
# own Node.js and npm, the packages native modules build with, system packages,
# the service user and the kiosk screen's user, the application in /opt/cardkiosk (npm ci,
# build), the systemd units, and the pinned key of the central admin who signs enrollment
# bundles. Run it as root from a checkout of the repository:
#
#   sudo systemd/install-raspberry-pi.sh --admin-key central-admin.pub.pem [--leds 17,27,22]
#
# Options:
#   --admin-key FILE   the central admin's public key (PEM); enrollment bundles are checked
#                      against it. Required on the first install.
#   --leds G,A,R       BCM GPIO numbers of the green, amber and red lamps (default 17,27,22);
#                      "none" keeps the LED state in memory only.
#   --leds-active-low  lamps wired from 3.3 V to the pin (lit when the pin is low).
#   --no-kiosk         install the service only, no screen (cage, Chromium).
#   --no-start         install and enable, but do not start now.
#
# Running it again upgrades the application in place and keeps the state in /var/lib/cardkiosk.
set -euo pipefail

APP_DIR=/opt/cardkiosk
STATE_DIR=/var/lib/cardkiosk
ETC_DIR=/etc/cardkiosk
SERVICE_USER=cardkiosk
UI_USER=cardkiosk-ui
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

admin_key=""
leds="17,27,22"
leds_active_low=false
kiosk=true
start=true

die() { echo "install: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --admin-key) admin_key="${2:?--admin-key needs a file}"; shift 2 ;;
    --leds) leds="${2:?--leds needs G,A,R or none}"; shift 2 ;;
    --leds-active-low) leds_active_low=true; shift ;;
    --no-kiosk) kiosk=false; shift ;;
    --no-start) start=false; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo)"
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$source_dir/package.json" ] || die "run from a cardkiosk checkout ($source_dir has no package.json)"
if [ -n "$admin_key" ]; then
  [ -r "$admin_key" ] || die "cannot read $admin_key"
  grep -q 'BEGIN PUBLIC KEY' "$admin_key" || die "$admin_key is not a PEM public key"
elif [ ! -f "$ETC_DIR/central-admin.pub.pem" ]; then
  die "--admin-key is required on the first install (the central admin's public key)"
fi
if [ "$leds" != none ] && ! [[ "$leds" =~ ^[0-9]+,[0-9]+,[0-9]+$ ]]; then
  die "--leds must be three BCM numbers G,A,R or none"
fi

step "system packages"
# Each package, and why:
packages=(
  pcscd             # the PC/SC daemon the card encoder talks to
  libpcsclite1      # its client library, loaded by the pcsclite module
  openssl           # certificate work in provisioning and the technician's checks
  ca-certificates   # TLS to the central Identity Manager / EST and the npm registry
  rsync             # copies the checkout to $APP_DIR
  curl              # the closing /health check
  # Native modules (sqlite3, pcsclite, epoll; @serialport/bindings-cpp without a prebuilt
  # binary) compile with node-gyp when no prebuilt binary can be downloaded: epoll always does.
  build-essential   # gcc, g++ and make for those builds
  python3           # node-gyp runs gyp, a Python program (our node-gyp needs no distutils)
  libpcsclite-dev   # winscard.h for pcsclite
  libsqlite3-dev    # sqlite3 compiles against Debian's SQLite (see npm_config_sqlite below)
  libnode-dev       # Debian's Node.js headers, so node-gyp needs no download from nodejs.org
)
if $kiosk; then packages+=(cage chromium fonts-dejavu-core); fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
# Without a running systemd (a chroot, as in .ci/debian13-install-check.sh) units are enabled
# for the next boot and nothing is started.
systemd_running=false
if [ -d /run/systemd/system ]; then systemd_running=true; fi
if $systemd_running; then systemctl enable --now pcscd.socket; else systemctl enable pcscd.socket; fi

step "Node.js"
node_ok() {
  node -e "const [a,b]=process.versions.node.split('.').map(Number); process.exit(a>${NODE_MIN_MAJOR}||(a===${NODE_MIN_MAJOR}&&b>=${NODE_MIN_MINOR})?0:1)"
}
too_old() {
  cat >&2 <<TOO_OLD
install: Node.js $1 is too old: cardkiosk needs ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR} or newer (package.json "engines").
  Debian 13 (trixie) and the Raspberry Pi OS built on it ship nodejs 20.19: the simplest way is
  to install the current Raspberry Pi OS (64-bit, Lite) and run this script again. Debian 12
  (bookworm) ships nodejs 18; there, install nodejs 20 or newer from NodeSource's Debian
  repository (https://github.com/nodesource/distributions), which includes npm, then run this
  script again: it uses whatever 'node' on PATH is new enough.
TOO_OLD
  exit 1
}
if ! command -v node >/dev/null || ! node_ok; then
  # Debian's own packages first: on trixie they meet engines, and apt keeps them patched.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
node_ok || too_old "$(node --version)"
command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
[ -x /usr/bin/node ] || ln -sf "$(command -v node)" /usr/bin/node
echo "node $(node --version), npm $(npm --version) ($(command -v node))"
# node-gyp builds against the running Node's headers: point it at Debian's (libnode-dev) when
# this is Debian's Node, so nothing is fetched from nodejs.org.
if [ "$(command -v node)" = /usr/bin/node ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
# When sqlite3 has no prebuilt binary to download it compiles: against Debian's libsqlite3 it
# builds four small C++ files instead of SQLite's 9 MB amalgamation (minutes on a Pi 4, most of
# an hour under emulation), and SQLite then gets its security fixes from apt. Where the prebuilt
# binary downloads, it is used and carries its own SQLite. Both are far newer than the store
# needs (UPSERT, SQLite 3.24; trixie ships 3.46).
export npm_config_sqlite=/usr

step "users"
getent group gpio >/dev/null || groupadd --system gpio
if ! id "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin \
    --user-group "$SERVICE_USER"
fi
usermod -a -G dialout,gpio "$SERVICE_USER"
if $kiosk && ! id "$UI_USER" >/dev/null 2>&1; then
  # The browser needs a home for its profile; it gets no access to the service's state.
  useradd --system --create-home --home-dir "/var/lib/$UI_USER" --shell /usr/sbin/nologin \
    --user-group "$UI_USER"
fi
if $kiosk; then usermod -a -G video,render,input "$UI_USER"; fi

step "application in $APP_DIR"
install -d -m 0755 "$APP_DIR"
# Anchored excludes (/state, not state): kiosk-ui/src/state is source. The central admin's
# workspace holds its signing key and never goes onto a device.
rsync -a --delete --exclude .git --exclude node_modules --exclude /dist --exclude /state \
  --exclude /central-state --exclude /central-admin --exclude /test-results \
  --exclude /bench-results "$source_dir/" "$APP_DIR/"
(cd "$APP_DIR" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)
chown -R root:root "$APP_DIR"
cat >/usr/local/bin/cardkiosk-admin <<'WRAPPER'
#!/bin/sh
# cardkiosk-admin: the provisioning command on the device. Run as root, it switches to the
# service user so that everything it writes in the state directory belongs to the service.
export CARDKIOSK_STATE_DIR=/var/lib/cardkiosk
export CARDKIOSK_ADMIN_KEY=/etc/cardkiosk/central-admin.pub.pem
if [ "$(id -u)" -eq 0 ]; then
  exec runuser -u cardkiosk -- /usr/bin/node /opt/cardkiosk/dist/provisioning/cli.js "$@"
fi
exec /usr/bin/node /opt/cardkiosk/dist/provisioning/cli.js "$@"
WRAPPER
chmod 0755 /usr/local/bin/cardkiosk-admin

step "configuration"
install -d -m 0755 "$ETC_DIR"
if [ -n "$admin_key" ]; then install -m 0644 "$admin_key" "$ETC_DIR/central-admin.pub.pem"; fi
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0700 "$STATE_DIR"
if [ ! -f "$STATE_DIR/config.json" ] && [ "$leds" != none ]; then
  IFS=, read -r green amber red <<<"$leds"
  # Hardware belongs to this box, so it lives in the local config.json; provisioning merges
  # the site's settings over it and leaves these keys alone.
  printf '{ "leds": { "driver": "gpio", "pins": { "green": %d, "amber": %d, "red": %d }, "activeLow": %s } }\n' \
    "$green" "$amber" "$red" "$leds_active_low" >"$STATE_DIR/config.json"
  chown "$SERVICE_USER:$SERVICE_USER" "$STATE_DIR/config.json"
  chmod 0600 "$STATE_DIR/config.json"
fi

step "systemd units"
install -m 0644 "$APP_DIR/systemd/cardkiosk.service" /etc/systemd/system/cardkiosk.service
if $kiosk; then
  install -m 0644 "$APP_DIR/systemd/cardkiosk-kiosk.service" /etc/systemd/system/cardkiosk-kiosk.service
  # Managed policy: the walk-up photo may use the camera without a prompt nobody can answer,
  # and the kiosk browser reaches only the local UI (no downloads, printing, dev tools).
  install -d -m 0755 /etc/chromium/policies/managed
  install -m 0644 "$APP_DIR/systemd/chromium-kiosk-policy.json" /etc/chromium/policies/managed/cardkiosk.json
  # The PAM service named by PAMName=cage: a logind session for the screen's user.
  cat >/etc/pam.d/cage <<'PAM'
auth     required pam_unix.so nullok
account  required pam_unix.so
session  required pam_unix.so
session  required pam_systemd.so
PAM
  # The kiosk owns the screen: no desktop login manager competing for it.
  if systemctl list-unit-files display-manager.service >/dev/null 2>&1 &&
    systemctl is-enabled display-manager.service >/dev/null 2>&1; then
    systemctl disable display-manager.service || true
  fi
  systemctl set-default graphical.target
fi
systemd-analyze verify /etc/systemd/system/cardkiosk.service
if $systemd_running; then systemctl daemon-reload; fi
systemctl enable cardkiosk.service
if $kiosk; then systemctl enable cardkiosk-kiosk.service; fi

if $start && ! $systemd_running; then
  echo "systemd is not running here: enabled for the next boot, not started"
elif $start; then
  step "starting"
  systemctl restart cardkiosk.service
  if $kiosk; then systemctl restart cardkiosk-kiosk.service; fi
  systemctl --no-pager --lines=5 status cardkiosk.service || true
fi

cat <<DONE

cardkiosk is installed. Next:
  1. provision:  sudo cardkiosk-admin device provision --bundle - < enrollment-bundle.json
  2. restart:    sudo systemctl restart cardkiosk
  3. check:      curl -s http://127.0.0.1:8080/health
DONE

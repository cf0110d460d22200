#!/usr/bin/env bash
# Packaging test (issue 17): builds the Debian packages with dpkg-buildpackage
# from this source tree, checks them with lintian, makes a throwaway Debian 12
# root with mmdebstrap (from the Debian archive), installs the packages there
# with apt (so their computed dependencies must resolve), and runs in_root.sh
# inside it: the programs, users, file owners and modes, the node key, the
# config file, the units (systemd-analyze verify), the PHP SDK; then boots that
# root with systemd as PID 1 (systemd-nspawn, private network) and runs
# in_boot.sh: systemctl start of the services, the key and the peer id in the
# journal, restart on failure, the aetherd@ template, removal stopping the
# services, and purge leaving nothing behind.
#
# Usage: install_test.sh SOURCE_DIR HELLO_WASM CACHE_DIR
# Needs root, network access to the Debian archive and: dpkg-buildpackage,
# debhelper, lintian, mmdebstrap, scdoc, unshare, chroot, systemd-nspawn,
# nsenter. Without them it
# prints SKIP and exits 77; with CI=true or AETHER_STRICT=1 it fails instead.
#
# CACHE_DIR keeps, for the length of a CI run, the root tarball and the apt
# downloads, and the packages built from a given tree (keyed by the hash of
# its files): the second build type's ctest reuses them and says so.
# AETHER_DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).
set -uo pipefail

SRC=$(cd "$1" && pwd)
HELLO=$2
CACHE=$3
MIRROR=${AETHER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
T0=$(date +%s)

# SKIP + 77, or a failure in strict mode (CI=true, AETHER_STRICT=1)
. "$SRC/tests/common/testenv.sh"
missing() { testenv_missing "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*"; }

[ "$(id -u)" = 0 ] || missing "needs root (chroot, mounts, package installs)"
for t in dpkg-buildpackage dh lintian mmdebstrap scdoc unshare chroot sha256sum flock nsenter; do
    command -v "$t" >/dev/null 2>&1 || missing "$t is not installed (scripts/setup.sh installs it)"
done
[ -f "$HELLO" ] || missing "hello.wasm not built ($HELLO): needs clang + wasi-libc"
host=${MIRROR#*://}; host=${host%%/*}
timeout 10 bash -c "exec 3<>/dev/tcp/$host/80" 2>/dev/null ||
    missing "the Debian archive ($host) is not reachable"

mkdir -p "$CACHE" || fail "cannot create $CACHE"
CACHE=$(cd "$CACHE" && pwd)
exec 9>"$CACHE/lock"
flock -w 1800 9 || fail "another packaging test holds $CACHE/lock"

# the unpacked root (~400 MB, ~20,000 files) on tmpfs when there is one:
# unpacking and deleting it on disk took 20-40 s
tmpbase=/tmp
[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && [ -w /dev/shm ] && tmpbase=/dev/shm
WORK=$(mktemp -d "$tmpbase/aether-pkgtest.XXXXXX")
ROOT=$WORK/root
NSPAWN=""
MMPID=""
cleanup() {
    if [ -n "$MMPID" ] && kill -0 "$MMPID" 2>/dev/null; then
        kill -TERM "$MMPID" 2>/dev/null; wait "$MMPID" 2>/dev/null
    fi
    if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
        kill -KILL "$NSPAWN" 2>/dev/null; wait "$NSPAWN" 2>/dev/null
    fi
    # mounts live in the private mount namespace of unshare and go with it
    local t=$(date +%s)
    rm -rf --one-file-system "$WORK"
    echo "cleanup took $(($(date +%s) - t)) s"
}
trap cleanup EXIT

# ---- 0. a Debian 12 root (mmdebstrap), cached for the run; made in the
# background while the packages build (network and disk vs CPU) ----
TARBALL=$CACHE/bookworm-root.tar
MMPID=""
if [ ! -f "$TARBALL" ]; then
    step "mmdebstrap bookworm from $MIRROR (in the background)"
    rm -rf "$TARBALL.tmp"
    mmdebstrap --variant=apt --format=tar --include=systemd,adduser,ca-certificates \
        --skip=cleanup/apt/lists bookworm "$TARBALL.tmp" "$MIRROR" > "$WORK/mmdebstrap.log" 2>&1 &
    MMPID=$!
fi

# ---- 1. the packages (dpkg-buildpackage -b), cached per source tree ----
cd "$SRC" || fail "no $SRC"
if git rev-parse --show-toplevel >/dev/null 2>&1 &&
   [ "$(cd "$(git rev-parse --show-toplevel)" && pwd)" = "$SRC" ]; then
    files() { git ls-files -z --cached --others --exclude-standard | grep -zv '^build/' |
              while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done; }
    COMMIT=$(git rev-parse HEAD)
    git diff --quiet HEAD -- || COMMIT="$COMMIT-dirty"
else
    files() { find . -type f -not -path './build/*' -not -path '*/node_modules/*' \
                -not -path './.git/*' -printf '%P\0'; }
    COMMIT=${AETHER_COMMIT:-unknown}
fi
# tests/, docs/ and the .md files go into no package (the package build
# compiles only the programs and man pages): left out of the key, so editing
# them does not rebuild the packages
KEY=$(files | grep -zv '^tests/\|^docs/\|\.md$' | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
DEBS=$CACHE/debs-$KEY
PKG_HOW="built and lintian-clean"
if [ -f "$DEBS/done" ]; then
    PKG_HOW="(reused from this run's first build)"
    step "reusing the packages built from this same tree (key $KEY) in $DEBS"
else
    step "dpkg-buildpackage -b (source tree key $KEY, commit $COMMIT)"
    rm -rf "$CACHE"/debs-*
    mkdir -p "$WORK/build/aether" "$DEBS"
    files | tar --null -T - -cf - | tar -xf - -C "$WORK/build/aether" || fail "copying the tree"
    ( cd "$WORK/build/aether" &&
      AETHER_COMMIT=$COMMIT dpkg-buildpackage -b -us -uc ) > "$WORK/dpkg-buildpackage.log" 2>&1 ||
        { tail -n 60 "$WORK/dpkg-buildpackage.log"; fail "dpkg-buildpackage -b"; }
    step "lintian (errors fail the test)"
    lintian --fail-on error \
        "$WORK"/build/*.changes > "$WORK/lintian.log" 2>&1
    lrc=$?
    cat "$WORK/lintian.log"
    [ $lrc = 0 ] || fail "lintian reports errors"
    cp "$WORK"/build/*.deb "$DEBS"/ || fail "no .deb produced"
    touch "$DEBS/done"
fi
for p in plasmd aetherd aether php-aether-phase-sdk; do
    ls "$DEBS/${p}"_*.deb >/dev/null 2>&1 || fail "package $p was not built"
done
# removal must stop a running service (Debian policy): the prerm does it
for p in plasmd aetherd; do
    dpkg-deb --ctrl-tarfile "$DEBS/${p}"_*.deb | tar -xOf - ./prerm 2>/dev/null |
        grep -q "deb-systemd-invoke stop '$p.service" || fail "$p's prerm does not stop $p.service"
done

# ---- 2. wait for the Debian 12 root ----
if [ -n "$MMPID" ]; then
    wait "$MMPID"; mrc=$?; MMPID=""
    [ $mrc = 0 ] || { tail -n 30 "$WORK/mmdebstrap.log"; rm -f "$TARBALL.tmp"; fail "mmdebstrap"; }
    mv "$TARBALL.tmp" "$TARBALL"
    step "the Debian 12 root is ready"
else
    step "reusing the Debian 12 root $TARBALL"
fi
mkdir -p "$ROOT" "$CACHE/apt-archives/partial"
tar -xf "$TARBALL" -C "$ROOT" || fail "unpacking the root"
mkdir -p "$ROOT/pkgtest"
cp "$DEBS"/*.deb "$HELLO" "$SRC"/tests/packaging/{lib,in_root,in_boot}.sh "$ROOT/pkgtest/"
rm -f "$ROOT"/pkgtest/*-dbgsym_*.deb
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true

# ---- 3. install and check inside it (chroot, with the network for apt) ----
step "apt install + checks inside the root (chroot)"
EXPECT_VERSION=$(dpkg-deb -f "$DEBS"/plasmd_*.deb Version)
in_chroot() {
    unshare --mount --pid --fork --kill-child bash -c '
        set -e
        mount --make-rprivate /
        mount -t proc proc "$1/proc"
        mount --rbind /dev "$1/dev"
        mount --bind "$2" "$1/var/cache/apt/archives"
        exec chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            EXPECT_VERSION="$3" EXPECT_COMMIT="$4" bash /pkgtest/in_root.sh "$5"
    ' _ "$ROOT" "$CACHE/apt-archives" "$EXPECT_VERSION" "$COMMIT" "$1"
}
in_chroot install || fail "checks inside the Debian 12 root failed"

# the container's PID 1 (systemd), a child of systemd-nspawn
child_systemd() {
    local d
    for d in /proc/[0-9]*; do
        [ "$(cut -d' ' -f4 "$d/stat" 2>/dev/null)" = "$1" ] &&
            [ "$(cat "$d/comm" 2>/dev/null)" = systemd ] && { echo "${d#/proc/}"; return; }
    done
}

# ---- 4. boot it with systemd: the services, removal stops them, purge ----
if command -v systemd-nspawn >/dev/null 2>&1; then
    step "boot the root with systemd as PID 1 (systemd-nspawn --boot --private-network)"
    systemd-nspawn -D "$ROOT" --register=no --keep-unit --boot --private-network \
        --console=read-only > "$WORK/boot.log" 2>&1 &
    NSPAWN=$!
    LEADER=""
    for _ in $(seq 300); do  # 60 s
        LEADER=$(child_systemd "$NSPAWN")
        if [ -n "$LEADER" ]; then
            st=$(nsenter -t "$LEADER" -m -u -i -n -p -r -w systemctl is-system-running 2>/dev/null)
            case $st in running|degraded) break ;; esac
        fi
        kill -0 "$NSPAWN" 2>/dev/null || break
        sleep 0.2
    done
    case ${st:-} in
        running|degraded) ;;
        *) tail -n 40 "$WORK/boot.log"; fail "the root did not boot (state '${st:-none}')" ;;
    esac
    step "services, removal and purge inside the booted root"
    nsenter -t "$LEADER" -m -u -i -n -p -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 bash /pkgtest/in_boot.sh
    brc=$?
    kill -TERM "$NSPAWN"  # nspawn halts the container (systemd powers off)
    for _ in $(seq 150); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$NSPAWN" 2>/dev/null && { kill -KILL "$NSPAWN"; echo "container did not halt in 30 s: killed"; }
    wait "$NSPAWN" 2>/dev/null
    NSPAWN=""
    [ $brc = 0 ] || fail "checks inside the booted Debian 12 root failed"
    echo "PASS: packages $PKG_HOW, installed, services run under systemd, removed and purged in $(($(date +%s) - T0)) s"
else
    step "purge inside the root (chroot): systemd-nspawn is missing, so no booted test"
    in_chroot purge || fail "purge checks failed"
    missing "systemd-nspawn is not installed (systemd-container): the services were not started"
fi

#!/usr/bin/env python3
"""Snapshot sync of a BFT chain with real processes (issue 13: "a node far
behind restores from a snapshot and then syncs").

4 validators (`aetherd devnet --no-start`, each node's run.sh) write a proven
snapshot every 20 blocks (--snapshot-interval 20). Then:
  - `aetherd snapshot export` of a validator's store copies its newest proven
    snapshot; `aetherd snapshot import` with the BFT genesis accepts it, and
    refuses the same file with its proof section cut off, with a byte of the
    proof flipped, and with the genesis of another chain, naming why;
  - a fresh full node (empty data dir, --snapshot-sync-threshold 30) joins
    when the chain is far ahead: its log says it restored from a snapshot,
    `aether status` shows a snapshot base > 1, it follows the chain (its
    height keeps up), and its block hash equals the validators' at every
    height it holds; a block below its base gets a clear RPC error;
  - validator 3, killed and its data dir wiped, restarts with
    --snapshot-sync-threshold 30: it restores from a snapshot and follows with
    the same block hashes;
  - every process is killed at the end.

usage: snapshot_sync_test.py AETHERD AETHER
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import devnet_util

AETHERD, AETHER = sys.argv[1], sys.argv[2]
N = 4
procs = {}
failures = devnet_util.failures
check, height, rpc, wait_for = (devnet_util.check, devnet_util.height, devnet_util.rpc,
                                 devnet_util.wait_for)


def start(i):
    devnet_util.start_node(d, procs, i, ("--block-ms", "40", "--snapshot-interval", "20"))


def run(*args):
    return subprocess.run([AETHERD, *args], capture_output=True, text=True, timeout=60)


d = tempfile.mkdtemp(prefix="snapshot_sync_test.")
try:
    base = devnet_util.free_base(N)
    rpcp = [base + 2 * i + 1 for i in range(N)]
    full_p2p, full_rpc = base + 2 * N, base + 2 * N + 1
    subprocess.run([AETHERD, "devnet", "--validators", str(N), "--dir", d, "--base-port",
                    str(base), "--base-timeout-ms", "500", "--max-timeout-ms", "3000",
                    "--no-start"], capture_output=True, text=True, check=True)
    gpath = os.path.join(d, "genesis.json")
    g = json.load(open(gpath))
    peers = ["/ip4/127.0.0.1/tcp/%d/p2p/%s" % (base + 2 * i, v["peer_id"])
             for i, v in enumerate(g["consensus"]["validators"])]
    for i in range(N):
        start(i)
    ok = wait_for(lambda: min(height(p) for p in rpcp) >= 3, 20, "first blocks")
    check("4 validators commit blocks", ok, str([height(p) for p in rpcp]))
    # some state beyond the genesis allocation
    to = os.path.join(d, "node1", "validator.key")
    for k in range(5):
        r = subprocess.run([AETHER, "transfer", "--key", d + "/faucet.key", "--to", to, "--amount",
                            str(1000 + k), "--nonce", str(k), "--rpc",
                            "http://127.0.0.1:%d" % rpcp[k % N]], capture_output=True, text=True)
        check("transfer %d accepted" % k, r.returncode == 0, r.stderr)
    snaps = os.path.join(d, "node0", "data", "snapshots")
    ok = wait_for(lambda: len(glob.glob(snaps + "/snap-*.aesnap")) > 0 and height(rpcp[0]) >= 70,
                  90, "a proven snapshot and height 70")
    check("validators write proven snapshots", ok,
          "%s height %d" % (os.listdir(snaps) if os.path.isdir(snaps) else "-", height(rpcp[0])))

    # ---- CLI: export and import with the finality proof ----
    snap = os.path.join(d, "s.aesnap")
    r = run("snapshot", "export", "--data", os.path.join(d, "node0", "data"), "--out", snap)
    check("snapshot export of a BFT store copies a proven snapshot",
          r.returncode == 0 and '"proven": true' in r.stdout, r.stdout + r.stderr)
    r = run("snapshot", "import", "--data", os.path.join(d, "imp"), "--in", snap,
            "--genesis", gpath)
    check("snapshot import verifies the proof and accepts it", r.returncode == 0, r.stderr)
    raw = open(snap, "rb").read()
    cut = raw.rfind(b"\x28\xb5\x2f\xfd")   # the proof section is the last zstd frame
    bad = os.path.join(d, "noproof.aesnap")
    open(bad, "wb").write(raw[:cut])
    r = run("snapshot", "import", "--data", os.path.join(d, "imp2"), "--in", bad,
            "--genesis", gpath)
    check("a snapshot without a finality proof is refused",
          r.returncode == 2 and "no finality proof" in r.stderr, r.stderr)
    flipped = bytearray(raw)
    flipped[cut + 40] ^= 0x55
    open(bad, "wb").write(bytes(flipped))
    r = run("snapshot", "import", "--data", os.path.join(d, "imp3"), "--in", bad,
            "--genesis", gpath)
    check("a snapshot with an altered proof is refused", r.returncode != 0 and r.stderr, r.stderr)
    check("a refused import leaves the store empty",
          not os.path.exists(os.path.join(d, "imp3")) or run(
              "snapshot", "check", "--data", os.path.join(d, "imp3"), "--genesis",
              gpath).returncode != 0)
    other = os.path.join(d, "other")
    subprocess.run([AETHERD, "devnet", "--validators", "1", "--dir", other, "--base-port",
                    str(base + 40), "--no-start"], capture_output=True, check=True)
    r = run("snapshot", "import", "--data", os.path.join(d, "imp4"), "--in", snap,
            "--genesis", os.path.join(other, "genesis.json"))
    check("a snapshot of another chain is refused", r.returncode != 0 and r.stderr, r.stderr)

    # ---- a fresh full node restores from a peer's snapshot, then syncs ----
    full = os.path.join(d, "full")
    os.mkdir(full)
    flog = open(full + "/test.log", "w")
    procs["full"] = subprocess.Popen(
        [AETHERD, "run", "--data", full + "/data", "--genesis", gpath, "--p2p",
         "127.0.0.1:%d" % full_p2p, "--rpc", "127.0.0.1:%d" % full_rpc,
         "--snapshot-sync-threshold", "30"] + sum([["--peer", p] for p in peers], []),
        stdout=flog, stderr=subprocess.STDOUT)
    ok = wait_for(lambda: height(full_rpc) >= height(rpcp[0]) - 3 and height(full_rpc) > 70, 60,
                  "the full node to catch up")
    check("the fresh node catches up", ok, "full %d, node0 %d" % (height(full_rpc),
                                                                 height(rpcp[0])))
    log = open(full + "/test.log").read()
    check("the fresh node restored from a snapshot", "restored from a snapshot" in log,
          log[-2000:])
    r = subprocess.run([AETHER, "status", "--rpc", "http://127.0.0.1:%d" % full_rpc],
                       capture_output=True, text=True, timeout=20)
    st = json.loads(r.stdout) if r.returncode == 0 else {}
    sbase = st.get("consensus", {}).get("snapshot_base", 0)
    check("aether status shows the snapshot base", sbase > 1, r.stdout + r.stderr)
    h0 = height(full_rpc)
    ok = wait_for(lambda: height(full_rpc) >= h0 + 10, 20, "the full node to follow")
    check("the restored node follows the chain", ok, "%d -> %d" % (h0, height(full_rpc)))
    try:
        rpc(full_rpc, "aeth_getBlockByNumber", [1])
        check("a block below the snapshot base is a clear error", False, "no error")
    except RuntimeError as ex:
        check("a block below the snapshot base is a clear error",
              "snapshot base" in str(ex) and "-32004" in str(ex), str(ex))
    top = height(full_rpc)
    same = True
    for hh in range(sbase, top + 1):
        a = rpc(full_rpc, "aeth_getBlockByNumber", [hh])
        b = rpc(rpcp[hh % N], "aeth_getBlockByNumber", [hh])
        if not a or not b or a["hash"] != b["hash"]:
            same = False
            print("height %d: %s vs %s" % (hh, a and a["hash"], b and b["hash"]))
            break
    check("equal block hashes at every height the restored node holds (%d..%d)" % (sbase, top),
          same)
    # ---- a validator restarted with an empty data dir restores the same way ----
    procs[3].kill()
    procs[3].wait()
    vdata = os.path.join(d, "node3", "data")
    shutil.rmtree(vdata)
    h_before = height(rpcp[0])   # far above the threshold: the wiped node is at 0
    devnet_util.start_node(d, procs, 3, ("--block-ms", "40", "--snapshot-interval", "20",
                                         "--snapshot-sync-threshold", "30"))
    ok = wait_for(lambda: height(rpcp[3]) >= height(rpcp[0]) - 3 and height(rpcp[3]) > h_before,
                  60, "the wiped validator to catch up")
    check("the wiped validator catches up", ok, "%d vs %d" % (height(rpcp[3]), height(rpcp[0])))
    vlog = open(os.path.join(d, "node3", "test.log")).read()
    check("the wiped validator restored from a snapshot", vlog.count("restored from a snapshot") == 1,
          vlog[-1500:])
    vbase = rpc(rpcp[3], "aeth_getConsensus").get("snapshot_base", 0)
    h1 = height(rpcp[3])
    ok = wait_for(lambda: height(rpcp[3]) >= h1 + 10, 30, "the wiped validator to follow")
    check("the wiped validator follows the chain", ok)
    same = vbase > 1
    for hh in range(vbase, height(rpcp[3]) + 1):
        a = rpc(rpcp[3], "aeth_getBlockByNumber", [hh])
        b = rpc(rpcp[0], "aeth_getBlockByNumber", [hh])
        if not a or not b or a["hash"] != b["hash"]:
            same = False
            break
    check("equal block hashes on the wiped validator from its base %d" % vbase, same)

    for name, p in procs.items():
        if p.poll() is not None:
            check("node %s still running" % name, False, "exit %s" % p.returncode)
finally:
    devnet_util.kill_all(procs)
    for lf in glob.glob(d + "/*/test.log") + glob.glob(d + "/full/test.log"):
        txt = open(lf, errors="replace").read()
        if "ERROR: AddressSanitizer" in txt or "runtime error:" in txt:
            check("no sanitizer report in " + lf, False, txt[-3000:])
    if failures:
        print("logs kept in " + d)
    else:
        shutil.rmtree(d, ignore_errors=True)

print("FAILED: " + ", ".join(failures) if failures else "all checks passed", flush=True)
sys.exit(1 if failures else 0)

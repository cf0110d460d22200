#!/usr/bin/env python3
"""BFT consensus with real processes (issue 13): `aetherd devnet --no-start`
writes keys, a 4-validator genesis and per-node run.sh; the test runs each
node's run.sh (the real `aetherd run` command line) on 127.0.0.1 with a short
empty-block pacing, plus a full node (no key) that only follows.

Checks:
  - the chain commits 100+ blocks; transfers submitted round-robin to
    different nodes are all committed, with the same receipts everywhere;
  - every node (full node included) has the same block hash at every height;
  - a validator stopped with SIGTERM and one killed with kill -9 each restart
    from their store (safety data, anchor, kept blocks), catch up by sync,
    and the chain keeps committing;
  - bad input: --p2p on a solo genesis and a --peer without /p2p are refused
    with a message naming them.

usage: bft_net_test.py AETHERD AETHER
"""
import json
import os
import shutil
import signal
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


def free_base():
    return devnet_util.free_base(N)


def start(i, extra=()):
    log = open(os.path.join(d, "node%d" % i, "test.log"), "a")
    procs[i] = subprocess.Popen(["sh", os.path.join(d, "node%d" % i, "run.sh"), "--block-ms", "40",
                                 *extra], stdout=log, stderr=subprocess.STDOUT)


def cleanup():
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


d = tempfile.mkdtemp(prefix="bft_net_test.")
try:
    base = free_base()
    rpcp = [base + 2 * i + 1 for i in range(N)]
    full_p2p, full_rpc = base + 2 * N, base + 2 * N + 1

    # bad input first: named, exit 2, nothing started
    solo = os.path.join(d, "solo")
    os.mkdir(solo)
    subprocess.run([AETHERD, "keys", "new", "--out", solo + "/v.key"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([AETHERD, "init-genesis", "--key", solo + "/v.key", "--out", solo + "/g.json"],
                   check=True, stdout=subprocess.DEVNULL)
    r = subprocess.run([AETHERD, "run", "--data", solo + "/d", "--genesis", solo + "/g.json",
                        "--key", solo + "/v.key", "--p2p", "127.0.0.1:1"],
                       capture_output=True, text=True)
    check("--p2p on a solo genesis is refused", r.returncode == 2 and "BFT genesis" in r.stderr,
          r.stderr)

    out = subprocess.run([AETHERD, "devnet", "--validators", str(N), "--dir", d, "--base-port",
                          str(base), "--base-timeout-ms", "500", "--max-timeout-ms", "3000",
                          "--no-start"], capture_output=True, text=True, check=True).stdout
    check("devnet prints every node's RPC URL",
          all(("http://127.0.0.1:%d" % p) in out for p in rpcp), out)
    g = json.load(open(os.path.join(d, "genesis.json")))
    peers = ["/ip4/127.0.0.1/tcp/%d/p2p/%s" % (base + 2 * i, v["peer_id"])
             for i, v in enumerate(g["consensus"]["validators"])]
    r = subprocess.run([AETHERD, "run", "--data", d + "/x", "--genesis", d + "/genesis.json",
                        "--p2p", "127.0.0.1:0", "--rpc", "127.0.0.1:0", "--peer",
                        "/ip4/127.0.0.1/tcp/1"], capture_output=True, text=True, timeout=20)
    check("a --peer without /p2p/<id> is refused", r.returncode != 0 and "/p2p/" in r.stderr,
          r.stderr)

    for i in range(N):
        start(i)
    # a full node: no key, follows the validators
    full = os.path.join(d, "full")
    os.mkdir(full)
    flog = open(full + "/test.log", "w")
    procs["full"] = subprocess.Popen(
        [AETHERD, "run", "--data", full + "/data", "--genesis", d + "/genesis.json", "--p2p",
         "127.0.0.1:%d" % full_p2p, "--rpc", "127.0.0.1:%d" % full_rpc]
        + sum([["--peer", p] for p in peers], []), stdout=flog, stderr=subprocess.STDOUT)

    ok = wait_for(lambda: min(height(p) for p in rpcp) >= 5, 20, "first blocks")
    check("4 validators commit blocks", ok, str([height(p) for p in rpcp]))
    # `aether validators` on a chain without staking lists the genesis consensus set
    r = subprocess.run([AETHER, "validators", "--rpc", "http://127.0.0.1:%d" % rpcp[0]],
                       capture_output=True, text=True, timeout=20)
    r2 = subprocess.run([AETHER, "peers", "--rpc", "http://127.0.0.1:%d" % rpcp[0]],
                        capture_output=True, text=True, timeout=20)
    listed = json.loads(r2.stdout) if r2.returncode == 0 else []
    check("aether peers lists the other validators, not the node itself",
          sorted(p.get("validator") for p in listed if p.get("validator") is not None)
          == list(range(1, N)), r2.stdout + r2.stderr)
    check("aether validators shows the consensus set of a devnet",
          r.returncode == 0 and "%d validators" % N in r.stdout and
          all(v["address"] in r.stdout
              for v in rpc(rpcp[0], "aeth_getConsensus")["validators"]),
          r.stdout + r.stderr)

    # transfers, round-robin over the nodes, explicit nonces
    to = os.path.join(d, "node1", "validator.key")
    hashes = []
    for k in range(40):
        port = rpcp[k % N]
        r = subprocess.run([AETHER, "transfer", "--key", d + "/faucet.key", "--to", to, "--amount",
                            str(1000 + k), "--nonce", str(k), "--rpc",
                            "http://127.0.0.1:%d" % port], capture_output=True, text=True)
        if r.returncode != 0:
            check("transfer %d accepted by node %d" % (k, k % N), False, r.stderr)
            continue
        hashes.append(json.loads(r.stdout)["hash"])
    check("40 transfers accepted", len(hashes) == 40)

    def all_committed():
        for p in rpcp:
            try:
                acct = rpc(p, "aeth_getAccount", [g["accounts"][0]["address"]])
            except Exception:
                return False
            if acct["nonce"] != 40:
                return False
        return True
    check("every transfer committed on every node", wait_for(all_committed, 30, "transfers"))
    receipts = set()
    for p in rpcp:
        for h in hashes[:10]:
            rc = rpc(p, "aeth_getReceipt", [h])
            receipts.add((h, rc["block_height"], rc["status"]))
    check("same receipts on every node", len(receipts) == 10, str(sorted(receipts))[:300])

    # restarts: SIGTERM one validator, kill -9 another
    procs[1].send_signal(signal.SIGTERM)
    check("SIGTERM stops a validator cleanly", procs[1].wait(timeout=15) == 0)
    h0 = height(rpcp[0])
    # a stopped validator costs the rounds it leads and those whose votes it
    # collects, with back-off: commits slow down but go on
    ok = wait_for(lambda: height(rpcp[0]) >= h0 + 5, 40, "commits with 3 validators")
    check("commits continue after a SIGTERM", ok, "%d -> %s" % (h0, [height(p) for p in rpcp]))
    start(1)
    procs[2].kill()
    procs[2].wait()
    h0 = height(rpcp[0])
    ok = wait_for(lambda: height(rpcp[0]) >= h0 + 5, 40, "commits without node 2")
    check("commits continue while a validator is down", ok)
    start(2)
    target = max(height(p) for p in rpcp) + 5
    ok = wait_for(lambda: min(height(p) for p in rpcp) >= max(target, 105), 45,
                  "all nodes past height %d" % max(target, 105))
    check("restarted validators catch up and 100+ blocks commit", ok,
          str([height(p) for p in rpcp]))
    ok = wait_for(lambda: height(full_rpc) >= min(height(p) for p in rpcp) - 3, 20, "full node")
    check("the full node follows", ok, "full %d validators %s" %
          (height(full_rpc), [height(p) for p in rpcp]))

    top = min([height(p) for p in rpcp] + [height(full_rpc)])
    mismatch = []
    for hh in range(1, top + 1):
        seen = set()
        for p in rpcp + [full_rpc]:
            seen.add(rpc(p, "aeth_getBlockByNumber", [hh, False])["hash"])
        if len(seen) != 1:
            mismatch.append(hh)
    check("same block hash at every height 1..%d on all 5 nodes" % top, not mismatch,
          str(mismatch[:10]))
    def stop_all():
        codes = {}
        for k, p in procs.items():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for k, p in procs.items():
            try:
                codes[k] = p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                codes[k] = "hung"
        return codes

    # everyone stops cleanly (under ASan this is where leaks would show)...
    codes = stop_all()
    check("every node exits 0 on SIGTERM", all(c == 0 for c in codes.values()), str(codes))
    # ...and the whole network restarts from its stores and goes on
    h0 = top
    del procs["full"]
    for i in range(N):
        start(i)
    ok = wait_for(lambda: min(height(p) for p in rpcp) >= h0 + 5, 40, "commits after a full restart")
    check("all validators restarted at once resume committing", ok,
          "%d -> %s" % (h0, [height(p) for p in rpcp]))
    codes = stop_all()
    check("every validator exits 0 on SIGTERM again", all(c == 0 for c in codes.values()),
          str(codes))
    logs = "".join(open(os.path.join(d, "node%d" % i, "test.log")).read() for i in range(N))
    logs += open(full + "/test.log").read()
    check("no node halted", "consensus halted" not in logs)
    check("no sanitizer report", "Sanitizer" not in logs and "runtime error" not in logs)
finally:
    cleanup()
    if failures:
        print("kept " + d + " for inspection", flush=True)
    else:
        shutil.rmtree(d, ignore_errors=True)

if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
print("PASS")

#!/usr/bin/env python3
"""The consensus validator set follows staking (issue 15, acceptance 2), with
real processes: `aetherd devnet --no-start` writes a 4-validator genesis, the
test adds a "staking" section with short epochs and runs the nodes.

Checks:
  - every staking epoch boundary is a validator epoch change in consensus
    (aeth_getConsensus "epoch" advances on every node);
  - a fifth validator registers and stakes through the CLI (`aether validator
    register`, `aether validator stake`), runs `aetherd run` with its key and
    the members as --peer, enters the consensus set at the next epoch, and
    its bit is set in the signer bitmaps of later commit QCs
    (aeth_getFinalityProof) - so it really signs;
  - aetherd_twin (a test-only build of aetherd whose every vote goes with a
    conflicting one) runs as a second instance of validator 3: a node sees
    the double vote and submits the evidence transaction itself (no CLI),
    validator 3 is slashed by slash_double_bps of its stake exactly, jailed,
    shown so by `aether validators`, and leaves the set at the next epoch;
    later commit QCs are signed by a set without it, and the chain keeps
    finalizing with the remaining validators;
  - a validator restarted after several epoch changes resumes in the current
    epoch (its epoch record and set come from its store);
  - `aether verify-finality` proves a height of a late epoch from the genesis
    file alone (the proof carries the epoch changes) and refuses a proof
    whose new set was altered or which leaves a change out.

usage: valset_bft_test.py AETHERD AETHER AETHERD_TWIN
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import devnet_util

AETHERD, AETHER, TWIN = sys.argv[1], sys.argv[2], sys.argv[3]
N = 4
L = 8            # blocks per staking epoch
SLASH_BPS = 500
procs = {}
failures = devnet_util.failures
check, height, rpc = devnet_util.check, devnet_util.height, devnet_util.rpc


def wait_for(pred, secs, what):
    return devnet_util.wait_for(pred, secs, what, tolerate_errors=True)


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def spawn(name, argv):
    log = open(os.path.join(d, name + ".log"), "a")
    procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)


def cleanup():
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


def address(keyfile):
    return json.loads(run([AETHER, "keys", "show", keyfile]).stdout)["address"]


def cons(port):
    return rpc(port, "aeth_getConsensus")


def members(port):
    return [v["address"] for v in cons(port)["validators"]]


def signers(port, h):
    """(epoch set addresses, addresses whose bit is set in the commit QC of
    height h) or None."""
    p = rpc(port, "aeth_getFinalityProof", [h])
    if not p:
        return None
    qc = bytes.fromhex(p["commit_qc"])   # u64 round, [32] block id, u32 nb, bitmap, [96] sig
    nb = int.from_bytes(qc[40:44], "little")
    bm = qc[44:44 + nb]
    s = p.get("signer_set")
    if s is None:
        return None
    return s, [a for i, a in enumerate(s) if i // 8 < len(bm) and bm[i // 8] >> (i % 8) & 1]


d = tempfile.mkdtemp(prefix="valset_bft_test.")
try:
    base = devnet_util.free_base(N)
    rpcp = [base + 2 * i + 1 for i in range(N)]
    staking = {"epoch_blocks": L, "unbonding_blocks": 4 * L, "jail_double_blocks": 100000,
               "jail_downtime_blocks": 1000, "downtime_min_signed_bps": 0,
               "slash_double_bps": SLASH_BPS, "block_ms": 7884000}
    # the staking devnet as a user makes it: aetherd devnet --staking-param ...
    sargs = []
    for k, v in staking.items():
        sargs += ["--staking-param", "%s=%d" % (k, v)]
    r = run([AETHERD, "devnet", "--validators", str(N), "--dir", d, "--base-port", str(base),
             "--base-timeout-ms", "500", "--max-timeout-ms", "2000", "--no-start"] + sargs)
    check("aetherd devnet --staking-param ... --no-start", r.returncode == 0, r.stderr)
    paths = [os.path.join(d, "genesis.json")] + [os.path.join(d, "node%d" % i, "genesis.json")
                                                 for i in range(N)]
    for path in paths:
        g = json.load(open(path))
        check("%s has the staking section asked for" % path,
              all(g.get("staking", {}).get(k) == v for k, v in staking.items()),
              str(g.get("staking")))
    # every member's multiaddr, from the run scripts devnet wrote
    peers = set()
    for i in range(N):
        peers |= set(re.findall(r"--peer (\S+)", open(os.path.join(d, "node%d" % i,
                                                                    "run.sh")).read()))
    check("the members' multiaddrs", len(peers) == N, str(peers))
    for i in range(N):
        spawn("node%d" % i, ["sh", os.path.join(d, "node%d" % i, "run.sh"), "--block-ms", "40"])
    ok = wait_for(lambda: min(cons(p)["epoch"] for p in rpcp) >= 1, 60, "epoch 1")
    check("the staking boundary is a validator epoch change on every node", ok,
          str([height(p) for p in rpcp]))
    genesis_set = members(rpcp[0])
    check("epoch 1's set is staking's: the 4 genesis stakers", len(genesis_set) == N,
          str(genesis_set))

    # ---- a fifth validator joins by staking ---------------------------------------
    url = "http://127.0.0.1:%d" % rpcp[0]
    fifth_key = os.path.join(d, "fifth.key")
    run([AETHER, "keys", "new", "--out", fifth_key])
    fifth = address(fifth_key)
    r = run([AETHER, "transfer", "--key", os.path.join(d, "faucet.key"), "--to", fifth,
             "--amount", "10000000", "--wait", "--rpc", url])
    check("the fifth validator is funded", r.returncode == 0, r.stderr)
    r = run([AETHER, "validator", "register", "--key", fifth_key, "--stake", "60", "--wait",
             "--rpc", url])
    check("aether validator register", r.returncode == 0, r.stderr + r.stdout)
    r = run([AETHER, "validator", "stake", "--key", fifth_key, "--amount", "40", "--wait",
             "--rpc", url])
    check("aether validator stake", r.returncode == 0, r.stderr + r.stdout)
    # port 0: the system picks free ports (files tell which)
    argv = [AETHERD, "run", "--data", os.path.join(d, "fifth"), "--genesis", paths[0], "--key",
            fifth_key, "--p2p", "127.0.0.1:0", "--rpc", "127.0.0.1:0",
            "--port-file", os.path.join(d, "fifth.port"), "--block-ms", "40",
            "--p2p-file", os.path.join(d, "fifth.p2p")]
    for p in sorted(peers):
        argv += ["--peer", p]
    spawn("fifth", argv)
    wait_for(lambda: os.path.getsize(os.path.join(d, "fifth.port")) > 0 and
             os.path.getsize(os.path.join(d, "fifth.p2p")) > 0, 20, "the fifth node's ports")
    frpc = int(open(os.path.join(d, "fifth.port")).read().split()[0])
    ok = wait_for(lambda: fifth in members(rpcp[0]) and fifth in members(rpcp[2]), 60,
                  "the fifth validator in the consensus set")
    check("the fifth validator enters the consensus set at the next epoch", ok,
          str(members(rpcp[0])))
    ok = wait_for(lambda: cons(frpc)["self"] is not None and height(frpc) >= height(rpcp[0]) - 3,
                  30, "the fifth node validating")
    check("the fifth node is a member (aeth_getConsensus self) and caught up", ok,
          str(cons(frpc)))
    r = run([AETHER, "validators", "--rpc", "http://127.0.0.1:%d" % frpc])
    check("aether validators shows it active", fifth in r.stdout and "active" in r.stdout,
          r.stdout)

    def fifth_signed():
        h = height(rpcp[0])
        for k in range(max(1, h - 6), h):
            s = signers(rpcp[0], k)
            if s and fifth in s[1]:
                return True
        return False
    check("the fifth validator's signature is in a later commit QC",
          wait_for(fifth_signed, 40, "a QC signed by the fifth"))

    # ---- the twin of validator 3 double-signs ---------------------------------------
    victim_key = os.path.join(d, "node3", "validator.key")
    victim = address(victim_key)
    before = rpc(rpcp[0], "aeth_getValidator", [victim])
    check("validator 3 active before", before["status"] == "active", str(before))
    stake_before = int(before["stake"])
    argv = [TWIN, "run", "--data", os.path.join(d, "twin"), "--genesis", paths[0], "--key",
            victim_key, "--p2p", "127.0.0.1:0", "--rpc", "127.0.0.1:0", "--block-ms", "40"]
    for p in sorted(peers) + [open(os.path.join(d, "fifth.p2p")).read().split()[0]]:
        argv += ["--peer", p]
    spawn("twin", argv)
    ok = wait_for(lambda: rpc(rpcp[0], "aeth_getValidator", [victim])["slash_count"] >= 1, 60,
                  "the slash")
    check("the equivocating validator is slashed", ok)
    procs["twin"].kill()
    procs["twin"].wait()
    wait_for(lambda: rpc(rpcp[1], "aeth_getValidator", [victim])["slash_count"] >= 1, 20,
             "the slash on another node")
    after = rpc(rpcp[1], "aeth_getValidator", [victim])
    # the twin equivocates in every round it votes until it leaves the set:
    # each offence (epoch, round) is slashed once, each by slash_double_bps
    # of what is left, rounded down
    k = after["slash_count"]
    want = stake_before
    for _ in range(k):
        want -= want * SLASH_BPS // 10000
    check("its stake drops by slash_double_bps per offence, exactly",
          k >= 1 and int(after["stake"]) == want, "%s != %d (%d slashes)" % (after["stake"], want, k))
    check("and it is jailed", after["status"] == "jailed", str(after))
    # asked of the node `after` came from: another node may not have committed the
    # block with the last slash yet (slashes only ever lower the stake)
    r = run([AETHER, "validators", "--json", "--rpc", "http://127.0.0.1:%d" % rpcp[1]])
    rows = {v["address"]: v for v in json.loads(r.stdout)["validators"]} if r.returncode == 0 \
        else {}
    check("aether validators shows it jailed with the reduced stake",
          victim in rows and rows[victim]["status"] == "jailed" and
          int(rows[victim]["stake"]) <= want, r.stdout + r.stderr)
    # the evidence came from the nodes, each signed by the node's own account
    logs = "".join(open(os.path.join(d, n + ".log")).read()
                   for n in ["node0", "node1", "node2", "fifth"])
    txs = set(re.findall(r'evidence transaction submitted" tx=([0-9a-f]{64})', logs))
    landed = [t for t in txs if (rpc(rpcp[0], "aeth_getReceipt", [t]) or {}).get("status") == "ok"]
    final = rpc(rpcp[0], "aeth_getValidator", [victim])["slash_count"]
    check("nodes submitted the evidence themselves: one landed transaction per slash",
          len(landed) == final >= 1, "%s landed of %s, %d slashes" % (landed, txs, final))
    for t in landed:
        tx = rpc(rpcp[0], "aeth_getTransaction", [t])
        reporter = tx.get("sender") or tx.get("from")
        check("the reporter is a validator, not the offender",
              reporter in genesis_set + [fifth] and reporter != victim, str(tx))

    # ---- it leaves the set; the rest keep finalizing ---------------------------------
    ok = wait_for(lambda: victim not in members(rpcp[0]), 60, "the next epoch")
    check("the slashed validator leaves the consensus set at the next epoch", ok,
          str(members(rpcp[0])))
    h0 = height(rpcp[0])
    ok = wait_for(lambda: height(rpcp[0]) >= h0 + 4, 40, "commits without it")
    check("the chain keeps finalizing without it", ok)
    s = signers(rpcp[0], height(rpcp[0]) - 1)
    check("later commit QCs come from a set without it, the fifth signing",
          s is not None and victim not in s[0] and fifth in s[0] and len(s[1]) >= 3, str(s))

    # ---- a restart after several epoch changes: back in the current epoch ----------------
    procs["node1"].terminate()
    procs["node1"].wait(timeout=20)
    ep_before = cons(rpcp[0])["epoch"]
    spawn("node1", ["sh", os.path.join(d, "node1", "run.sh"), "--block-ms", "40"])
    ok = wait_for(lambda: cons(rpcp[1])["epoch"] >= ep_before and
                  height(rpcp[1]) >= height(rpcp[0]) - 3 and cons(rpcp[1])["self"] is not None,
                  40, "node1 back")
    try:
        detail = str(cons(rpcp[1]))
    except Exception as ex:   # the node is not serving: that is the failure
        detail = str(ex)
    check("a validator restarted after several epoch changes resumes in the current epoch",
          ok, detail)

    # ---- the light client across the epoch changes ------------------------------------
    h = height(rpcp[0]) - 3
    saved = os.path.join(d, "proof.json")
    r = run([AETHER, "verify-finality", "--genesis", paths[0], "--height", str(h), "--rpc", url,
             "--save", saved])
    out = json.loads(r.stdout) if r.returncode == 0 else {}
    check("aether verify-finality proves a height of a later epoch from the genesis alone",
          out.get("verified") is True and out.get("epoch", 0) >= 2 and out.get("height") == h,
          r.stdout + r.stderr)
    proof = json.load(open(saved))
    proof = proof.get("result", proof)

    def refused(p, what, needle):
        f = os.path.join(d, "bad.json")
        json.dump(p, open(f, "w"))
        r = run([AETHER, "verify-finality", "--genesis", paths[0], f])
        check("tampered proof refused: " + what, r.returncode == 1 and needle in r.stderr,
              "rc=%d %s" % (r.returncode, r.stderr))
    bad = json.loads(json.dumps(proof))
    v = bad["epoch_changes"][-1]["set_value"]
    bad["epoch_changes"][-1]["set_value"] = v[:-2] + ("00" if v[-2:] != "00" else "01")
    refused(bad, "a changed validator set", "not in that block's state")
    bad = json.loads(json.dumps(proof))
    bad["epoch_changes"] = bad["epoch_changes"][:-1]
    refused(bad, "an epoch change left out", "light:")
finally:
    cleanup()
    if failures:
        for n in sorted(procs):
            p = os.path.join(d, n + ".log")
            if os.path.exists(p):
                print("--- %s log tail" % n)
                print("".join(open(p).readlines()[-8:]))
    if os.environ.get("KEEP"):   # KEEP=1: leave the nodes' files for a look
        print("kept " + d)
    else:
        shutil.rmtree(d, ignore_errors=True)
print("FAILED: " + ", ".join(failures) if failures else "validator set follows staking: ok")
sys.exit(1 if failures else 0)

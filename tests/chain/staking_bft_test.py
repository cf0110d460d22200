#!/usr/bin/env python3
"""Staking on the BFT devnet (issue 15) with real processes: `aetherd devnet
--no-start` writes a 4-validator genesis; the test adds a "staking" section
(no validators listed: the consensus validators are the stakers of block 0)
and runs the nodes.

Checks:
  - every node agrees on the validators and the epoch's set;
  - participation is the real QCs: each member of a finished epoch's set has
    signed QCs counted (from the signer bitmaps of the QCs the committed
    blocks carry), and every validator earned rewards;
  - a fifth validator registers through the CLI (aether validator register)
    and enters staking's set at the next epoch, seen on every node and in
    `aether validators` (it enters the consensus set too, with a stake too
    small to matter for quorums: no node runs its key here; valset_bft_test.py
    runs one and checks its QC signatures);
  - a validator that stops is jailed for downtime (missed QCs, not slashed)
    and leaves the set at the next epoch, while the chain keeps finalizing;
  - the supply identity: balances + staked + unbonding + rewards = genesis
    supply + emitted - burned, on the live devnet;
  - `aetherd replay` from one node's RPC into a fresh store re-executes the
    epochs above (participation from each block's QC signers, rewards, the
    downtime jail, set changes) and ends on that node's state root.

usage: staking_bft_test.py AETHERD AETHER
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
L = 10   # blocks per staking epoch
procs = {}
failures = devnet_util.failures
check, height, rpc = devnet_util.check, devnet_util.height, devnet_util.rpc


def free_base():
    return devnet_util.free_base(N)


def wait_for(pred, secs, what):
    return devnet_util.wait_for(pred, secs, what, tolerate_errors=True)


def start(i):
    log = open(os.path.join(d, "node%d" % i, "test.log"), "a")
    procs[i] = subprocess.Popen(["sh", os.path.join(d, "node%d" % i, "run.sh"), "--block-ms", "40"],
                                stdout=log, stderr=subprocess.STDOUT)


def cleanup():
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


d = tempfile.mkdtemp(prefix="staking_bft_test.")
try:
    base = free_base()
    rpcp = [base + 2 * i + 1 for i in range(N)]
    subprocess.run([AETHERD, "devnet", "--validators", str(N), "--dir", d, "--base-port",
                    str(base), "--base-timeout-ms", "500", "--max-timeout-ms", "2000",
                    "--no-start"], capture_output=True, text=True, check=True)
    staking = {"epoch_blocks": L, "unbonding_blocks": 3 * L, "jail_downtime_blocks": 1000,
               "downtime_min_signed_bps": 1000,   # a QC carries a quorum, not everyone
               "block_ms": 7884000}   # 4,000 blocks a year: visible emission
    paths = [os.path.join(d, "genesis.json")] + [os.path.join(d, "node%d" % i, "genesis.json")
                                                 for i in range(N)]
    for path in paths:
        if os.path.exists(path):
            g = json.load(open(path))
            g["staking"] = staking
            json.dump(g, open(path, "w"))
    g = json.load(open(paths[0]))
    for i in range(N):
        start(i)
    ok = wait_for(lambda: min(height(p) for p in rpcp) >= 2 * L + 2, 60, "two epochs")
    check("4 validators commit two staking epochs", ok, str([height(p) for p in rpcp]))

    v0 = rpc(rpcp[0], "aeth_getValidators")
    addrs = [v["address"] for v in v0["validators"]]
    check("the 4 consensus validators are the stakers of block 0", len(addrs) == N, str(v0))
    check("all active", all(v["status"] == "active" for v in v0["validators"]), str(v0))
    same = all(rpc(p, "aeth_getValidatorSet", [1]) == rpc(rpcp[0], "aeth_getValidatorSet", [1])
               for p in rpcp)
    check("every node has the same set for epoch 1", same)
    s1 = rpc(rpcp[0], "aeth_getValidatorSet", [1])
    signed = [m["signed_qcs"] for m in s1["validators"]]
    check("each member signed QCs in epoch 1 (counted from the QC bitmaps)",
          len(signed) == N and all(0 < x <= L for x in signed), str(signed))
    check("not every QC needs every signer: counts are the bitmaps', not the proposer's",
          sum(signed) > L, str(signed))
    rewards = [int(rpc(rpcp[0], "aeth_getValidator", [a])["delegations"][0]["reward"])
               for a in addrs]
    check("every validator earned rewards by participation", all(r > 0 for r in rewards),
          str(rewards))

    # a fifth validator registers through the CLI and enters staking's set at the
    # next epoch (and the consensus set: its stake of 1 leaves quorums to the others)
    url = "http://127.0.0.1:%d" % rpcp[0]
    new = os.path.join(d, "fifth.key")
    subprocess.run([AETHER, "keys", "new", "--out", new], check=True, stdout=subprocess.DEVNULL)
    fifth = json.loads(subprocess.run([AETHER, "keys", "show", new], capture_output=True,
                                      text=True).stdout)["address"]
    r = subprocess.run([AETHER, "transfer", "--key", os.path.join(d, "faucet.key"), "--to", new,
                        "--amount", "10000000", "--wait", "--rpc", url], capture_output=True,
                       text=True)
    check("the fifth validator is funded", r.returncode == 0, r.stderr)
    r = subprocess.run([AETHER, "validator", "register", "--key", new, "--stake", "1", "--wait",
                        "--rpc", url], capture_output=True, text=True)
    check("aether validator register on the BFT devnet", r.returncode == 0, r.stderr + r.stdout)
    ok = wait_for(lambda: fifth in [m["address"] for m in
                                    rpc(rpcp[1], "aeth_getValidatorSet")["validators"]],
                  60, "the fifth validator in the set")
    check("the fifth validator enters the set at the next epoch (seen on another node)", ok)
    r = subprocess.run([AETHER, "validators", "--rpc", "http://127.0.0.1:%d" % rpcp[2]],
                       capture_output=True, text=True)
    check("aether validators shows it", fifth in r.stdout and "active" in r.stdout, r.stdout)

    # a validator stops: it misses the QCs, is jailed (not slashed), leaves the set
    stop = N - 1
    from_pk = subprocess.run([AETHER, "keys", "show",
                              os.path.join(d, "node%d" % stop, "validator.key")],
                             capture_output=True, text=True)
    gone = json.loads(from_pk.stdout)["address"] if from_pk.returncode == 0 else None
    check("the stopped validator's address is known", gone in addrs, from_pk.stderr)
    stake_before = rpc(rpcp[0], "aeth_getValidator", [gone])["stake"]
    procs[stop].send_signal(signal.SIGTERM)
    procs[stop].wait(timeout=15)
    ok = wait_for(lambda: rpc(rpcp[0], "aeth_getValidator", [gone])["status"] == "jailed",
                  90, "downtime jail")
    check("a stopped validator is jailed for missing QCs", ok)
    v = rpc(rpcp[0], "aeth_getValidator", [gone])
    check("downtime does not slash", v["stake"] == stake_before and v["slash_count"] == 0, str(v))
    ep = rpc(rpcp[0], "aeth_getStaking")["epoch"]
    ok = wait_for(lambda: rpc(rpcp[0], "aeth_getStaking")["epoch"] > ep, 60, "next epoch")
    cur = rpc(rpcp[0], "aeth_getValidatorSet")
    check("the jailed validator is not in the next set",
          ok and gone not in [m["address"] for m in cur["validators"]], str(cur))
    h0 = height(rpcp[0])
    check("the chain keeps finalizing with 3 of 4",
          wait_for(lambda: height(rpcp[0]) >= h0 + 3, 30, "commits"))

    # supply identity on the live chain (read where no epoch boundary passed)
    accts = [a["address"] for a in g.get("accounts", [])] + addrs + [fifth]
    keys = ("epoch", "emitted", "burned", "bonded", "unbonding", "rewards")
    for _ in range(20):
        s = rpc(rpcp[0], "aeth_getStaking")
        bal = sum(int(rpc(rpcp[0], "aeth_getAccount", [a])["balance"]) for a in set(accts))
        s2 = rpc(rpcp[0], "aeth_getStaking")
        if all(s[k] == s2[k] for k in keys):
            held = int(s["bonded"]) + int(s["unbonding"]) + int(s["rewards"])
            check("balances + staking = genesis + emitted - burned",
                  bal + held == int(s["supply"]), "%d + %d != %s" % (bal, held, s["supply"]))
            check("emission happened", int(s["emitted"]) > 0)
            break
    else:
        check("a quiet moment to read the supply", False)

    # replay: a fresh store re-executes every block with the QC signers the
    # BFT engine executed it with, and reaches the same state root
    top = height(rpcp[0])
    gfile = next(p for p in paths if os.path.exists(p))
    r = subprocess.run([AETHERD, "replay", "--rpc", url, "--data", os.path.join(d, "replayed"),
                        "--genesis", gfile, "--to", str(top)], capture_output=True, text=True,
                       timeout=120)
    check("aetherd replay of the staking BFT chain", r.returncode == 0, r.stderr[-2000:])
    if r.returncode == 0:
        out = json.loads(r.stdout)
        blk = rpc(rpcp[0], "aeth_getBlockByNumber", [top])
        hdr = blk.get("header", blk)
        check("the replay reaches the node's height and state root",
              out["height"] == top and out["state_root"] == hdr["state_root"],
              "%s vs %d %s" % (r.stdout, top, hdr["state_root"]))
finally:
    cleanup()
    if failures:
        for i in range(N):
            p = os.path.join(d, "node%d" % i, "test.log")
            if os.path.exists(p):
                print("--- node%d log tail" % i)
                print("".join(open(p).readlines()[-5:]))
    shutil.rmtree(d, ignore_errors=True)
print("FAILED: " + ", ".join(failures) if failures else "staking on the BFT devnet: ok")
sys.exit(1 if failures else 0)

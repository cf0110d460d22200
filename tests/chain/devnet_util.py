"""Helpers the devnet tests share (bft_net_test.py, staking_bft_test.py): free
loopback ports for `aetherd devnet`, JSON-RPC calls, checks that collect their
failures, bounded waits."""
import json
import socket
import time
import urllib.request

failures = []


def free_base(n):
    """A base port with 2n+2 free ports above it (n validators + a full node)."""
    for _ in range(50):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        base = s.getsockname()[1]
        s.close()
        if base + 2 * n + 2 > 65000:
            continue
        ok = True
        for p in range(base, base + 2 * n + 2):
            t = socket.socket()
            try:
                t.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            t.close()
        if ok:
            return base
    raise SystemExit("no free ports")


def rpc(port, method, params=None, timeout=5):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    req = urllib.request.Request("http://127.0.0.1:%d/" % port, data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        j = json.loads(r.read())
    if "error" in j:
        raise RuntimeError("%s: %s" % (method, j["error"]))
    return j["result"]


def height(port):
    try:
        return rpc(port, "aeth_blockNumber", timeout=2)
    except Exception:
        return -1


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ((": " + detail) if detail and not cond else ""),
          flush=True)
    if not cond:
        failures.append(name)


def wait_for(pred, secs, what, tolerate_errors=False):
    """pred() until true, at most secs; with tolerate_errors an exception
    raised by pred (a node still starting) counts as false."""
    end = time.time() + secs
    while time.time() < end:
        try:
            if pred():
                return True
        except Exception:
            if not tolerate_errors:
                raise
        time.sleep(0.2)
    print("timed out waiting for " + what, flush=True)
    return False


def start_node(d, procs, i, extra=()):
    """Runs node i of the devnet in d from its run.sh (the real `aetherd run`
    command line), output appended to its test.log; procs[i] keeps it."""
    import os
    import subprocess
    log = open(os.path.join(d, "node%d" % i, "test.log"), "a")
    procs[i] = subprocess.Popen(["sh", os.path.join(d, "node%d" % i, "run.sh"), *extra],
                                stdout=log, stderr=subprocess.STDOUT)


def kill_all(procs):
    """kill -9 every process in procs that still runs, and reaps it."""
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()

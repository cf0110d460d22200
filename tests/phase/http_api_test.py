#!/usr/bin/env python3
"""The local HTTP API of `plasmd start --http` through the real binary, on 127.0.0.1.

Node A serves the API and bootstraps through provider B. Checks every endpoint
(docs/phase-http-api.md), a job run here and one on B with its receipt verified
by `plasmd verify` against the key the API reports, cancellation, bad input
(malformed JSON, unknown fields, wrong media type, oversized upload, unknown job,
bad token) answered with clear errors while the node keeps serving, and the
bearer token rule for non-loopback addresses. Every process is killed on exit;
every wait is bounded.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import testenv  # noqa: E402

PLASMD = os.environ["PLASMD"]
PROGS = os.environ["PROGS"]
REV = os.path.join(PROGS, "rev.wasm")
LOOP = os.path.join(PROGS, "loop.wasm")
TICK = os.path.join(PROGS, "tick.wasm")
PRINTENV = os.path.join(PROGS, "printenv.wasm")
procs = []
failures = []
tmp = tempfile.mkdtemp(prefix="phase-http-")


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    shutil.rmtree(tmp, ignore_errors=True)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def start(name, args, env_extra=None):
    home = os.path.join(tmp, name)
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, PLASMD_HOME=home)
    env.update(env_extra or {})
    log = open(os.path.join(tmp, name + ".log"), "w")
    p = subprocess.Popen([PLASMD, "start", "-l", "/ip4/127.0.0.1/tcp/0"] + args,
                         stdout=subprocess.PIPE, stderr=log, env=env, text=True)
    procs.append(p)
    line = p.stdout.readline()  # the node prints one JSON line once it listens
    if not line:
        p.wait(timeout=10)
        return p, None
    return p, json.loads(line)


def http(url, method="GET", body=None, ctype=None, token=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            return r.status, json.loads(data) if data else None
    except urllib.error.HTTPError as e:
        data = e.read()
        try:
            return e.code, json.loads(data)
        except ValueError:
            return e.code, {"raw": data.decode("latin-1")}


def post_json(url, obj, **kw):
    return http(url, "POST", json.dumps(obj).encode(), "application/json", **kw)


def err_code(body):
    return (body or {}).get("error", {}).get("code")


def verify_receipt(result, pubkey):
    """plasmd verify: signature by pubkey, commitment over the API's stdout/stderr."""
    rp = os.path.join(tmp, "receipt.json")
    op = os.path.join(tmp, "stdout.bin")
    ep = os.path.join(tmp, "stderr.bin")
    with open(rp, "w") as f:
        json.dump(result["receipt"], f)
    with open(op, "wb") as f:
        f.write(bytes.fromhex(result["stdout_hex"]))
    with open(ep, "wb") as f:
        f.write(bytes.fromhex(result["stderr_hex"]))
    r = subprocess.run([PLASMD, "verify", rp, "--pubkey", pubkey, "--stdout", op,
                        "--stderr", ep], capture_output=True, text=True, timeout=30)
    return r.returncode == 0


def main():
    for f in (REV, LOOP, TICK, PRINTENV):
        if not os.path.isfile(f):
            testenv.missing(f + " not built (wat2wasm missing at configure time)")
    _, b = start("b", [])
    check(b is not None, "provider B starts")
    boot = b["listen"][0]
    a_proc, a = start("a", ["--http", "127.0.0.1:0", "--bootstrap", boot, "--max-jobs", "1",
                            "--queue", "1"])
    check(a is not None and "http" in a, "node A starts with the HTTP API and prints its address")
    url = "http://" + a["http"]

    st, h = http(url + "/health")
    check(st == 200 and h["status"] == "ok" and h["peer_id"] == a["peer_id"], "GET /health")
    st, s = http(url + "/status")
    check(st == 200 and s["peer_id"] == a["peer_id"] and len(s["pubkey"]) == 64
          and "limits" in s and s["max_concurrent_jobs"] == 1 and "queued" in s,
          "GET /status: identity, queue, limits")
    a_pub = s["pubkey"]

    # module upload, then a job by reference, waiting for the result
    wasm = open(REV, "rb").read()
    st, m = http(url + "/modules", "POST", wasm, "application/wasm")
    check(st == 201 and m["module"].startswith("sha256:"), "POST /modules caches the module")
    st, r = post_json(url + "/jobs", {"module": m["module"], "stdin": "hello", "wait": True})
    check(st == 200 and r["state"] == "succeeded" and r["stdout"] == "olleh"
          and r["exit_code"] == 0, "POST /jobs wait=true runs rev here: 'olleh'")
    check(r.get("provider_pubkey") == a_pub and verify_receipt(r, a_pub),
          "the local receipt verifies against the node's key and the output")
    check(not verify_receipt(dict(r, stdout_hex=b"olleH".hex()), a_pub),
          "the receipt does not verify against different output")

    # inline module, asynchronous: status, long-poll event feed, result, receipt
    st, j = post_json(url + "/jobs", {"module_hex": wasm.hex(), "stdin_hex": b"abc".hex(),
                                      "args": ["x"], "limits": {"fuel": 1000000}})
    check(st == 202 and j["state"] in ("queued", "running", "succeeded"), "POST /jobs -> 202")
    jid = j["id"]
    st, ev = http(url + "/jobs/%s/events?from=0&wait_ms=10000" % jid)
    check(st == 200 and ev["done"] and ev["events"][0]["Output"]["data"] == list(b"cba")
          and "Final" in ev["events"][-1] and ev["next"] == len(ev["events"]),
          "GET /jobs/ID/events long-polls until done: Output then Final")
    st, ev2 = http(url + "/jobs/%s/events?from=%d" % (jid, ev["next"]))
    check(st == 200 and ev2["events"] == [] and ev2["done"], "events from 'next' is empty")
    st, js = http(url + "/jobs/" + jid)
    check(st == 200 and js["state"] == "succeeded", "GET /jobs/ID")
    st, res = http(url + "/jobs/%s/result" % jid)
    check(st == 200 and res["stdout"] == "cba", "GET /jobs/ID/result")
    st, rc = http(url + "/jobs/%s/receipt" % jid)
    check(st == 200 and rc["worker_pubkey"] == a_pub and rc["signature"], "GET /jobs/ID/receipt")
    st, lst = http(url + "/jobs")
    check(st == 200 and any(x["id"] == jid for x in lst["jobs"]), "GET /jobs lists it")

    # cancel a running job: it stops, with a receipt for the partial output
    st, lj = post_json(url + "/jobs", {"module_hex": open(LOOP, "rb").read().hex(),
                                       "limits": {"timeout_ms": 40000}})
    lid = lj["id"]
    deadline = time.time() + 10
    while time.time() < deadline and http(url + "/jobs/" + lid)[1]["state"] != "running":
        time.sleep(0.05)
    # the node runs one job and queues one: a third is refused as busy
    st, q = post_json(url + "/jobs", {"module": m["module"], "stdin": "q"})
    st2, busy = post_json(url + "/jobs", {"module": m["module"], "stdin": "b"})
    check(st == 202 and st2 == 503 and err_code(busy) == "busy",
          "a full queue answers 503 busy")
    t0 = time.time()
    st, c = http(url + "/jobs/%s/cancel" % lid, "POST")
    check(st == 202, "POST /jobs/ID/cancel accepted")
    st, ev = http(url + "/jobs/%s/events?wait_ms=10000" % lid)
    check(ev["done"] and ev["state"] == "cancelled" and time.time() - t0 < 10,
          "the cancelled job stops (state cancelled)")
    st, rc = http(url + "/jobs/%s/receipt" % lid)
    check(st == 200 and rc["result"]["completion"] == "cancelled",
          "a cancelled job still has a receipt (completion cancelled)")
    st, c = http(url + "/jobs/%s/cancel" % lid, "POST")
    check(st == 409 and err_code(c) == "finished", "cancelling a finished job: 409 finished")
    http(url + "/jobs/%s/events?wait_ms=10000" % q["id"])

    # live output: a running job's stdout is visible before it ends
    st, tj = post_json(url + "/jobs", {"module_hex": open(TICK, "rb").read().hex(),
                                       "limits": {"timeout_ms": 40000}})
    t0 = time.time()
    st, lv = http(url + "/jobs/%s/events?out_from=0&err_from=0&wait_ms=10000" % tj["id"])
    check(st == 200 and not lv["done"] and lv["state"] == "running"
          and bytes.fromhex(lv["output"]["stdout_hex"]) == b"tick\n"
          and lv["output"]["stdout_next"] == 5 and time.time() - t0 < 8,
          "live output: 'tick' arrives while the job runs: %r" % (lv,))
    st, lv2 = http(url + "/jobs/%s/events?out_from=5&err_from=0&wait_ms=300" % tj["id"])
    check(st == 200 and lv2["output"]["stdout_hex"] == "" and not lv2["done"],
          "live output from stdout_next: nothing new, the wait ends at wait_ms")
    http(url + "/jobs/%s/cancel" % tj["id"], "POST")
    st, lv3 = http(url + "/jobs/%s/events?out_from=5&wait_ms=10000" % tj["id"])
    check(lv3["done"] and lv3["state"] == "cancelled", "the ticking job is cancelled")

    # bad input: clear errors, the node keeps serving
    st, e = http(url + "/jobs", "POST", b"{bad json", "application/json")
    check(st == 400 and err_code(e) == "bad_request" and "malformed JSON" in e["error"]["message"],
          "malformed JSON: 400 naming it")
    st, e = post_json(url + "/jobs", {"module": m["module"], "bogus": 1})
    check(st == 400 and "bogus" in e["error"]["message"], "unknown field named")
    st, e = post_json(url + "/jobs", {"module": "sha256:" + "0" * 64})
    check(st == 404 and err_code(e) == "unknown_module", "unknown module reference: 404")
    st, r = post_json(url + "/jobs", {"module_hex": open(PRINTENV, "rb").read().hex(),
                                      "env": {"GREETING": "hi there", "N": "1"}, "wait": True})
    check(st == 200 and bytes.fromhex(r["stdout_hex"]) == b"GREETING=hi there\0N=1\0",
          "env reaches the job's WASI environment")
    st, r = post_json(url + "/jobs", {"module_hex": open(PRINTENV, "rb").read().hex(),
                                      "wait": True})
    check(st == 200 and r["stdout_hex"] == "", "no env: an empty environment")
    st, e = post_json(url + "/jobs", {"module": m["module"], "env": {"A=B": "1"}})
    check(st == 400 and "A=B" in e["error"]["message"], "an env name with '=': 400 naming it")
    st, e = post_json(url + "/jobs", {"module": m["module"], "env": {"A": 1}})
    check(st == 400 and err_code(e) == "bad_request", "a non-string env value: 400")
    st, e = post_json(url + "/jobs", {"module": m["module"], "env": {"A": "1"},
                                      "target": "remote"})
    check(st == 400 and err_code(e) == "unsupported", "env on a remote job: 400 unsupported")
    st, e = post_json(url + "/jobs", {"module": m["module"], "limits": {"fuel": -1}})
    check(st == 400 and "fuel" in e["error"]["message"], "negative fuel named")
    st, e = http(url + "/jobs", "POST", b"{}", "text/plain")
    check(st == 415 and err_code(e) == "unsupported_media_type", "text/plain POST: 415")
    st, e = http(url + "/modules", "POST", b"not wasm at all", "application/wasm")
    check(st == 400 and "asm" in e["error"]["message"], "a non-wasm upload: 400")
    st, e = http(url + "/jobs/0123456789abcdef0123456789abcdef")
    check(st == 404 and err_code(e) == "unknown_job", "unknown job: 404 unknown_job")
    st, e = http(url + "/jobs/" + "z" * 300 + "/result")
    check(st == 404 and err_code(e) == "unknown_job", "an over-long job id: 404")
    st, e = http(url + "/jobs/%s/events?wait_ms=abc" % jid)
    check(st == 400, "a bad wait_ms: 400")
    st, e = http(url + "/nowhere")
    check(st == 404 and err_code(e) == "not_found", "unknown route: 404")
    st, e = http(url + "/jobs", "DELETE")
    check(st == 405, "DELETE /jobs: 405")

    # remote jobs: discovery lists B; a job on B by peer id, one by discovery
    deadline = time.time() + 20
    provs = []
    while time.time() < deadline:
        st, pv = http(url + "/providers?timeout_ms=3000")
        provs = pv.get("providers", []) if st == 200 else []
        if any(p["peer_id"] == b["peer_id"] for p in provs):
            break
        time.sleep(0.3)
    bp = [p for p in provs if p["peer_id"] == b["peer_id"]]
    check(len(bp) == 1 and len(bp[0]["pubkey"]) == 64 and bp[0]["max_fuel"] > 0,
          "GET /providers lists B with its capabilities")
    st, peers = http(url + "/peers")
    check(st == 200 and peers["connections"] >= 1 and boot in peers["bootstrap"], "GET /peers")
    if bp:
        st, r = post_json(url + "/jobs", {"module": m["module"], "stdin": "remote!",
                                          "target": b["peer_id"], "wait": True})
        check(st == 200 and r["state"] == "succeeded" and r["stdout"] == "!etomer"
              and r["provider"] == b["peer_id"] and r["target"] == "remote",
              "a job on B by peer id")
        check(r.get("provider_pubkey") == bp[0]["pubkey"]
              and verify_receipt(r, bp[0]["pubkey"]),
              "B's receipt verifies against the key discovery reported")
        check(not verify_receipt(r, a_pub), "and not against another key")
        st, r = post_json(url + "/jobs", {"module_hex": wasm.hex(), "stdin": "xy",
                                          "target": "remote", "wait": True})
        check(st == 200 and r["stdout"] == "yx", "a job on a discovered provider")
        st, r = post_json(url + "/jobs", {"module": m["module"], "target": "12D3KooWnotapeer",
                                          "wait": True})
        check(st == 200 and r["state"] == "error" and r["error"], "a bad provider: state error")

    # oversized upload: 413 from a node with a small body limit, which keeps serving
    cfgp = os.path.join(tmp, "small.json")
    with open(cfgp, "w") as f:
        json.dump({"http_listen": "127.0.0.1:0", "http_max_body": 4096}, f)
    _, c = start("c", ["--config", cfgp])
    curl = "http://" + c["http"]
    st, e = http(curl + "/modules", "POST", b"\0asm" + b"\0" * 100000, "application/wasm")
    check(st == 413 and err_code(e) == "too_large", "oversized upload: 413 too_large")
    st, h = http(curl + "/health")
    check(st == 200, "the node serves after the oversized upload")

    # bearer token: required on a non-loopback address, checked everywhere
    tok = "s3cret-token-0123456789"
    tf = os.path.join(tmp, "token")
    with open(tf, "w") as f:
        f.write(tok + "\n")
    os.chmod(tf, 0o600)
    p, d = start("d", ["--http", "0.0.0.0:0"])
    check(d is None and p.wait(timeout=10) != 0, "a non-loopback address without a token "
          "is refused")
    log = open(os.path.join(tmp, "d.log")).read()
    check("token" in log, "and the error says a token is needed")
    _, d = start("d2", ["--http", "0.0.0.0:0", "--http-token-file", tf])
    check(d is not None, "with a token file it starts")
    durl = "http://127.0.0.1:" + d["http"].rsplit(":", 1)[1]
    st, e = http(durl + "/status")
    check(st == 401 and err_code(e) == "unauthorized", "no token: 401")
    st, e = http(durl + "/status", token=tok + "x")
    check(st == 401, "a wrong token: 401")
    st, e = http(durl + "/status", token=tok[:-1] + "X")
    check(st == 401, "a token differing in its last byte: 401")
    st, s2 = http(durl + "/status", token=tok)
    check(st == 200 and s2["peer_id"] == d["peer_id"], "the right token: 200")

    # the job table keeps the newest 1,024 jobs: the oldest finished ones go
    first = jid
    t0 = time.time()
    last = None
    for i in range(1030):
        st, last = post_json(url + "/jobs", {"module": m["module"], "stdin": str(i),
                                             "wait": True})
        if st != 200:
            break
    check(st == 200 and last["stdout"] == "9201", "1,030 more jobs run (%.1f s)" % (time.time() - t0))
    st, e = http(url + "/jobs/" + first)
    check(st == 404 and err_code(e) == "unknown_job", "the oldest finished job is forgotten")
    st, e = http(url + "/jobs/%s/result" % last["id"])
    check(st == 200 and e["stdout"] == "9201", "the newest is kept")

    st, h = http(url + "/health")
    check(st == 200 and a_proc.poll() is None, "node A still serving after all of it")
    # every node that came up stops cleanly (under ASan: no leak, no error)
    live = [p for p in procs if p.poll() is None]
    for p in live:
        p.terminate()
    check(all(p.wait(timeout=20) == 0 for p in live),
          "every node stops cleanly on SIGTERM (%d nodes)" % len(live))


if __name__ == "__main__":
    try:
        main()
    finally:
        cleanup()
    if failures:
        print("%d failure(s): %s" % (len(failures), "; ".join(failures)))
        sys.exit(1)
    print("all passed")

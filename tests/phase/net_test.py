#!/usr/bin/env python3
"""The Phase network through the real binaries, on 127.0.0.1.

Five providers (`plasmd start`, the first one the bootstrap node of the
others), clients (`plasmd submit`, `plasmd discover`) bootstrapped through it,
and phase_net_tool (test-only: raw streams and a lying provider). Every process
is killed on exit; every wait is bounded.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

PLASMD = os.environ["PLASMD"]
TOOL = os.environ["NET_TOOL"]
PROGS = os.environ["PROGS"]
HELLO = os.environ.get("HELLO_WASM", "")
PHP_SDK = os.environ.get("PHP_SDK", "")
STRICT = os.environ.get("CI") == "true" or os.environ.get("AETHER_STRICT") == "1"

REV = os.path.join(PROGS, "rev.wasm")
SPIN = os.path.join(PROGS, "spin.wasm")
procs = []
failures = []
tmp = tempfile.mkdtemp(prefix="phase-net-")


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


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)[:2000]),
          flush=True)
    if not ok:
        failures.append(name)


def skip(reason):
    if STRICT:
        print("missing (strict mode): " + reason)
        cleanup()
        sys.exit(1)
    print("SKIP: " + reason)
    cleanup()
    sys.exit(77)


def home(name):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    return d


def start(name, *extra):
    env = dict(os.environ, PLASMD_HOME=home(name))
    err = open(os.path.join(tmp, name + ".log"), "w")
    p = subprocess.Popen([PLASMD, "start", "--listen", "/ip4/127.0.0.1/tcp/0", *extra],
                         stdout=subprocess.PIPE, stderr=err, env=env, text=True)
    procs.append(p)
    line = p.stdout.readline()
    if not line:
        raise SystemExit("provider %s did not start: %s" % (name, open(err.name).read()))
    info = json.loads(line)
    info["proc"] = p
    info["addr"] = info["listen"][0]
    info["log"] = err.name
    with open(os.path.join(home(name), "identity.key"), "rb") as f:
        info["seed"] = f.read()
    return info


def run(args, stdin=b"", timeout=60, name="client"):
    env = dict(os.environ, PLASMD_HOME=home(name))
    p = subprocess.run([PLASMD, *args], input=stdin, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def tool(*args, timeout=90):
    p = subprocess.run([TOOL, *args], capture_output=True, timeout=timeout)
    out = p.stdout.decode(errors="replace").strip()
    try:
        return json.loads(out.splitlines()[-1]) if out else {}, p.stderr.decode(errors="replace")
    except ValueError:
        return {"raw": out}, p.stderr.decode(errors="replace")


def pubkey_of(name):
    """The provider's public key as `plasmd identity show` prints it."""
    rc, out, _ = run(["identity", "show"], name=name)
    for line in out.decode().splitlines():
        if line.startswith("public key:"):
            return line.split(":", 1)[1].strip()
    return None


def main():
    for f in (REV, SPIN):
        if not os.path.exists(f):
            skip("%s not built (wat2wasm missing)" % f)
    have_hello = bool(HELLO) and os.path.exists(HELLO)

    # ---- five providers, bootstrapped through the first ----
    p = [start("p0", "--max-jobs", "2")]
    boot = p[0]["addr"]
    # a lone provider answers for itself: discover through it, before anyone joins
    alone = set()
    deadline = time.time() + 10
    while time.time() < deadline and p[0]["peer_id"] not in alone:
        rc, out, err = run(["discover", "--bootstrap", boot, "--json", "--timeout", "2000"])
        if rc == 0:
            alone = {x.get("peer_id") for x in json.loads(out or b"[]")}
        if p[0]["peer_id"] not in alone:
            time.sleep(0.5)
    check("discover through a lone provider finds it", p[0]["peer_id"] in alone, (alone, err))
    for i in range(1, 5):
        p.append(start("p%d" % i, "--bootstrap", boot, "--max-jobs", "2"))
    ids = {x["peer_id"] for x in p}
    # a provider whose capability record lives 10 s (refreshed every 2.5 s)
    short_cfg = os.path.join(tmp, "short.json")
    with open(short_cfg, "w") as f:
        json.dump({"record_ttl_seconds": 10}, f)
    short = start("short", "--config", short_cfg, "--bootstrap", boot)
    short_t0 = time.time()

    found = set()
    deadline = time.time() + 30
    while time.time() < deadline:
        rc, out, err = run(["discover", "--bootstrap", boot, "--json", "--timeout", "5000"])
        if rc == 0:
            found = {x["peer_id"] for x in json.loads(out)}
            if found >= ids:
                break
        time.sleep(0.5)
    check("discover finds all five providers", found >= ids, (found, ids))
    rc, out, err = run(["discover", "--bootstrap", boot, "--json", "--min-memory",
                        str(1 << 40)])
    check("discover --min-memory filters out providers that cannot fit",
          rc == 0 and json.loads(out) == [], out)

    # ---- acceptance: hello through a provider, receipt checked by the PHP SDK ----
    rec = os.path.join(tmp, "hello.receipt.json")
    prog = HELLO if have_hello else REV
    rc, out, err = run(["submit", "--bootstrap", boot, "--receipt", rec, prog],
                       stdin=b"Hello, World")
    check("submit prints the reversed text (%s)" % os.path.basename(prog),
          rc == 0 and out == b"dlroW ,olleH", (rc, out, err))
    php = shutil.which("php")
    if php and PHP_SDK and os.path.exists(rec):
        receipt = json.load(open(rec))
        script = (
            "require '%s/src/BigInt.php'; require '%s/src/Crypto.php'; require '%s/src/Receipt.php';"
            "$r = \\Aether\\Phase\\Receipt::fromFile($argv[1]);"
            "echo ($r->verify($argv[2]) && $r->matchesOutput('dlroW ,olleH', '')) ? 'ok' : 'bad';"
        ) % (PHP_SDK, PHP_SDK, PHP_SDK)
        r = subprocess.run([php, "-r", script, rec, receipt["worker_pubkey"]],
                           capture_output=True, text=True, timeout=30)
        # discovery may pick any live provider: the five and "short"
        provider_pks = {pubkey_of(n) for n in ["p%d" % i for i in range(5)] + ["short"]}
        check("the PHP SDK verifies the receipt against the provider's key",
              r.stdout.strip() == "ok" and receipt["worker_pubkey"] in provider_pks,
              (r.stdout, r.stderr, provider_pks))
    elif STRICT:
        check("php available for the receipt check", False, "php or sdk/php missing")
    else:
        print("SKIP: php not found; the PHP receipt check did not run")

    # ---- 200 jobs spread over the five, every receipt verified ----
    def one(i):
        text = ("job %d payload" % i).encode()
        r = os.path.join(tmp, "r%d.json" % i)
        rc, out, err = run(["submit", "--bootstrap", boot, "--receipt", r, REV], stdin=text,
                           timeout=90, name="c%d" % (i % 4))
        ok = rc == 0 and out == text[::-1]
        pk = json.load(open(r))["worker_pubkey"] if ok and os.path.exists(r) else None
        if ok:
            vrc, vout, verr = run(["verify", "--pubkey", pk, r], name="v")
            ok = vrc == 0
            err += verr
        return ok, pk, err
    t0 = time.time()
    with ThreadPoolExecutor(max_workers=4) as ex:
        results = list(ex.map(one, range(200)))
    bad = [r for r in results if not r[0]]
    used = {r[1] for r in results if r[0]}
    check("200 jobs ran with verified receipts (%.1f s)" % (time.time() - t0), not bad,
          bad[:3])
    check("the jobs spread over several providers (%d used)" % len(used), len(used) >= 3, used)

    # ---- a provider killed mid-job: the client completes on another ----
    victim, spare = p[3], p[4]
    env = dict(os.environ, PLASMD_HOME=home("killer"))
    c = subprocess.Popen([PLASMD, "submit", "--provider", victim["addr"], "--provider",
                          spare["addr"], SPIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    procs.append(c)
    # wait until the victim runs it, then kill the victim
    deadline = time.time() + 20
    while time.time() < deadline and "job offer" not in open(victim["log"]).read():
        time.sleep(0.05)
    time.sleep(0.2)
    victim["proc"].kill()
    out, err = c.communicate(timeout=120)
    err = err.decode(errors="replace")
    check("killed provider: the job completes on the next one",
          c.returncode == 0 and out == b"spun\n" and "trying the next provider" in err,
          (c.returncode, out, err))

    # ---- at capacity: QueueFull on offers, busy on the relay ----
    full = start("full", "--max-jobs", "1", "--queue", "0")
    env = dict(os.environ, PLASMD_HOME=home("busy"))
    hog = subprocess.Popen([PLASMD, "submit", "--provider", full["addr"], SPIN],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    procs.append(hog)
    deadline = time.time() + 20
    while time.time() < deadline and "job offer" not in open(full["log"]).read():
        time.sleep(0.05)
    time.sleep(0.1)
    rc, out, err = run(["submit", "--provider", full["addr"], REV], stdin=b"x")
    check("a provider at capacity answers QueueFull", rc == 1 and "QueueFull" in err, (rc, err))
    r, terr = tool("relay", full["addr"], REV)
    check("the relay answers busy at capacity", r.get("ok") is False and
          r.get("reason", "").startswith("busy"), (r, terr))
    hog.communicate(timeout=120)
    check("the job that held the slot finished", hog.returncode == 0, hog.returncode)
    r, terr = tool("relay", full["addr"], REV)
    check("the relay runs a job once a slot is free (upstream framing, CBOR)",
          r.get("ok") is True, (r, terr))

    # ---- a job over the provider's limits: upstream's rejection reason ----
    rc, out, err = run(["submit", "--provider", p[0]["addr"], "--memory", str(1 << 30), REV],
                       stdin=b"x")
    check("a job over the memory limit is rejected with InsufficientResources",
          rc == 1 and "InsufficientResources: Memory: need 1024 MB, have 128 MB" in err, err)
    offer = os.path.join(tmp, "offer.json")
    with open(offer, "w") as f:
        json.dump({"job_id": "j1", "nonce": "n", "module_hash": "sha256:" + "0" * 64,
                   "requirements": {"cpu_cores": 1, "memory_mb": 64, "timeout_seconds": 5,
                                    "arch": "riscv64", "wasm_runtime": "wasmtime-27"}}, f)
    r, terr = tool("raw", p[0]["addr"], "/phase/job-offer/1.0.0", offer)
    check("offer for another arch: ArchMismatch (upstream JSON)",
          r.get("status") == "eof" and '"ArchMismatch"' in r.get("text", ""), r)

    # ---- a provider that lies about the output is caught ----
    evil = subprocess.Popen([TOOL, "evil-provider"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    procs.append(evil)
    eaddr = json.loads(evil.stdout.readline())["listen"][0]
    rc, out, err = run(["submit", "--provider", eaddr, REV], stdin=b"abc")
    check("a receipt that does not match the output is caught (exit 1)",
          rc == 1 and out == b"" and "does not match" in err, (rc, out, err))

    # ---- garbage, oversized and stalled streams are dropped; others are served ----
    garbage = os.path.join(tmp, "garbage")
    with open(garbage, "wb") as f:
        f.write(b"\xff\x00garbage" * 10)
    big = os.path.join(tmp, "big")
    with open(big, "wb") as f:
        f.write(b"\x00" * (300 << 10))
    staller = subprocess.Popen([TOOL, "raw", p[0]["addr"], "/phase/job/1.0.0", garbage[:0] or
                                os.devnull, "--stall"], stdout=subprocess.PIPE)
    procs.append(staller)
    r1, _ = tool("raw", p[0]["addr"], "/phase/job-relay/1.0.0", garbage)
    r2, _ = tool("raw", p[0]["addr"], "/phase/job-relay/1.0.0", big)
    r3, _ = tool("raw", p[0]["addr"], "/phase/job/1.0.0", garbage)
    r4, _ = tool("raw", p[0]["addr"], "/phase/job-offer/1.0.0", garbage)
    rc, out, err = run(["submit", "--provider", p[0]["addr"], REV], stdin=b"still served")
    check("garbage CBOR on the relay: stream reset", r1.get("status") == "reset", r1)
    check("a 300 KiB relay request: stream reset", r2.get("status") == "reset", r2)
    check("garbage frames on /phase/job/1.0.0: stream reset", r3.get("status") == "reset", r3)
    check("a garbage offer: InvalidRequest", '"InvalidRequest"' in r4.get("text", ""), r4)
    check("a good client is served meanwhile", rc == 0 and out == b"devres llits", (rc, err))
    staller.wait(timeout=30)
    log = open(p[0]["log"]).read()
    check("the provider logs why it dropped each stream",
          "exceeds the 256 KiB cap" in log and "frame: bad length prefix" in log and
          "malformed CBOR" in log, [l for l in log.splitlines() if "drop" in l])

    # ---- cancellation: the job stops, the receipt for the partial output comes ----
    t0 = time.time()
    r, terr = tool("cancel", p[0]["addr"], SPIN)
    check("CANCEL: a verified receipt with completion \"cancelled\"",
          r.get("completion") == "cancelled" and r.get("verifies") is True, (r, terr))
    check("CANCEL stops the job early (%.2f s)" % (time.time() - t0), time.time() - t0 < 5)

    # ---- config file: unknown keys are errors naming key and file ----
    cfg = os.path.join(tmp, "bad.json")
    with open(cfg, "w") as f:
        f.write('{"max_concurrent_jobs": 2, "colour": "blue"}')
    rc, out, err = run(["start", "--config", cfg])
    check("start --config with an unknown key: exit 2 naming key and file",
          rc == 2 and '"colour"' in err and cfg in err, (rc, err))
    rc, out, err = run(["init", "--path", os.path.join(tmp, "init.json")])
    good = json.load(open(os.path.join(tmp, "init.json")))
    check("init writes upstream's keys and ours",
          rc == 0 and good["max_concurrent_jobs"] == 4 and "limits" in good and
          "queue_depth" in good, (rc, err))
    ok = start("fromcfg", "--config", os.path.join(tmp, "init.json"))
    check("start --config FILE with -l overriding its listen address",
          ok["addr"].startswith("/ip4/127.0.0.1/"), ok["addr"])

    # ---- the provider's limits win over what the job asks ----
    cfg2 = os.path.join(tmp, "tight.json")
    with open(cfg2, "w") as f:
        json.dump({"max_fuel": 1000000, "limits": {"max_timeout_seconds": 2}}, f)
    tight = start("tight", "--config", cfg2)
    rc, out, err = run(["submit", "--provider", tight["addr"], "--fuel", str(10 ** 12), SPIN])
    check("fuel is clamped to the provider's max_fuel (exit 125, out of fuel)",
          rc == 125, (rc, err))
    rc, out, err = run(["submit", "--provider", tight["addr"], SPIN])
    check("a job asking no limit still gets the provider's fuel cap (exit 125)", rc == 125,
          (rc, err))

    # ---- --provider PEER_ID: the address comes from the signed capability record ----
    rc, out, err = run(["submit", "--provider", p[1]["peer_id"], "--bootstrap", boot,
                        "--receipt", os.path.join(tmp, "byid.json"), REV], stdin=b"by id")
    rec = json.load(open(os.path.join(tmp, "byid.json"))) if rc == 0 else {}
    check("submit --provider PEER_ID runs on that provider", rc == 0 and out == b"di yb" and
          rec.get("worker_pubkey") == pubkey_of("p1"), (rc, out, err))

    # ---- records are refreshed before they expire; a dead provider's record lapses ----
    while time.time() < short_t0 + 12:
        time.sleep(0.2)
    rc, out, err = run(["discover", "--bootstrap", boot, "--json"])
    listed = {x["peer_id"] for x in json.loads(out)} if rc == 0 else set()
    check("a live provider is still listed after its record's lifetime (refreshed)",
          short["peer_id"] in listed, (rc, err))
    short["proc"].kill()
    t_kill = time.time()
    gone = False
    while time.time() < t_kill + 20 and not gone:
        time.sleep(1)
        rc, out, err = run(["discover", "--bootstrap", boot, "--json"])
        gone = rc == 0 and short["peer_id"] not in {x["peer_id"] for x in json.loads(out)}
    check("a dead provider drops out of discover once its record expires (%.0f s)" %
          (time.time() - t_kill), gone and time.time() - t_kill >= 3, err)

    # ---- SIGTERM: every provider still up shuts down cleanly (sanitizers: no leaks) ----
    codes = []
    for x in p + [full, ok, tight]:
        if x["proc"].poll() is None:
            x["proc"].send_signal(signal.SIGTERM)
            try:
                codes.append(x["proc"].wait(timeout=30))
            except subprocess.TimeoutExpired:
                codes.append("hung")
    check("providers stop on SIGTERM with exit 0", codes and all(c == 0 for c in codes),
          (codes, [open(x["log"]).read()[-1500:] for x in p[:1]]))


try:
    main()
finally:
    cleanup()
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""The libp2p commands the way a user runs them (p2p_node = plasmd's start,
ping, id and dht): three nodes, B and C bootstrapping from A, then every dht
operation through different nodes, ping, id, and exit codes for bad input.
usage: cli_test.py /path/to/p2p_node"""
import json
import os
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
passed = failed = 0
procs = []


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + " " + detail)


def run(*args, timeout=30):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def start(*extra):
    env = dict(os.environ, PLASMD_HOME=tempfile.mkdtemp(prefix="p2p-cli-"))
    p = subprocess.Popen([BIN, "start", "--listen", "/ip4/127.0.0.1/tcp/0", *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    procs.append(p)
    return json.loads(p.stdout.readline())


def js(out):
    try:
        return json.loads(out)
    except ValueError:
        return {}


try:
    a = start()
    check("start prints peer id and full listen multiaddrs",
          a["peer_id"].startswith("12D3KooW") and a["listen"][0].endswith("/p2p/" + a["peer_id"]), str(a))
    b = start("--bootstrap", a["listen"][0])
    c = start("--bootstrap", a["listen"][0])
    A, B, C = a["listen"][0], b["listen"][0], c["listen"][0]
    import time
    time.sleep(1.0)  # B and C bootstrap 0.5 s after start

    rc, out, err = run("ping", B, "-n", "2")
    check("ping -n 2", rc == 0 and out.count("pong") == 2, out + err)
    rc, out, err = run("ping", B.replace("/ip4/127.0.0.1/", "/dns4/localhost/"), "-n", "1")
    check("ping a /dns4/localhost multiaddr (resolved from /etc/hosts)", rc == 0 and "pong" in out, out + err)
    rc, out, err = run("ping", B + "/p2p/" + c["peer_id"], "-n", "1")
    check("a second /p2p (another peer) is refused, not dialed as the first", rc == 2 and "twice" in err,
          out + err)
    rc, out, err = run("id", C)
    j = js(out)
    check("id reports agent, protocols, addresses", rc == 0 and j.get("peer_id") == c["peer_id"]
          and "/ipfs/kad/1.0.0" in j.get("protocols", []) and j.get("listen_addrs"), out + err)

    rc, out, err = run("dht", "--bootstrap", B, "find-peer", c["peer_id"])
    j = js(out)
    check("find-peer C through B", rc == 0 and any(p["peer_id"] == c["peer_id"] for p in j.get("peers", [])), out + err)
    rc, out, err = run("dht", "--bootstrap", B, "provide", "/phase/capability/x86_64/wasm")
    j = js(out)
    check("provide through B", rc == 0 and len(j.get("stored_at", [])) >= 2, out + err)
    rc, out, err = run("dht", "--bootstrap", C, "get-providers", "/phase/capability/x86_64/wasm")
    j = js(out)
    check("get-providers through C", rc == 0 and len(j.get("providers", [])) == 1, out + err)
    rc, out, err = run("dht", "--bootstrap", C, "put", "/aether/cli", "hello")
    check("put through C", rc == 0 and js(out).get("ok") is True, out + err)
    rc, out, err = run("dht", "--bootstrap", B, "get", "/aether/cli")
    check("get through B", rc == 0 and js(out).get("value") == "hello", out + err)
    rc, out, err = run("dht", "--bootstrap", B, "get", "/aether/missing")
    check("get of a missing key fails with exit 1", rc == 1 and js(out).get("ok") is False, out + err)
    rc, out, err = run("dht", "--bootstrap", B, "put", "/nons/x", "v")
    check("put without a validator for the namespace is a bad KEY (exit 2, says why)",
          rc == 2 and "no validator" in err, out + err)
    rc, out, err = run("dht", "--bootstrap", B, "put", "/aether/big", "v" * 70000)
    check("put of a value above the record limit names the limit", rc == 2 and "65536" in err, out + err)

    # keys: --key FILE, else $PLASMD_HOME/identity.key, else ephemeral
    home = tempfile.mkdtemp(prefix="p2p-cli-key-")
    seed = os.path.join(home, "seed")
    with open(seed, "wb") as f:
        f.write(bytes(32))
    p = subprocess.Popen([BIN, "start", "--listen", "/ip4/127.0.0.1/tcp/0", "--key", seed],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(p)
    got = json.loads(p.stdout.readline())["peer_id"]
    check("--key FILE gives the peer id of that seed (libp2p-ids.json, seed 00..00)",
          got == "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", got)
    os.rename(seed, os.path.join(home, "identity.key"))
    env = dict(os.environ, PLASMD_HOME=home)
    p = subprocess.Popen([BIN, "start", "--listen", "/ip4/127.0.0.1/tcp/0"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(p)
    got = json.loads(p.stdout.readline())["peer_id"]
    check("$PLASMD_HOME/identity.key is the default key", got == "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", got)
    with open(os.path.join(home, "short"), "wb") as f:
        f.write(bytes(31))
    rc, out, err = run("start", "--key", os.path.join(home, "short"))
    check("a key file that is not 32 bytes is refused", rc == 2 and "32-byte" in err, err)

    for args, want in ((["ping", "/ip4/1.2.3.4"], 2), (["ping", A, "-n", "0"], 2),
                       (["dht", "find-peer", a["peer_id"]], 2), (["dht", "--bootstrap", A, "find-peer", "xyz"], 2),
                       (["start", "--listen", "/dns4/x/tcp/1"], 2), (["ping", "/ip4/127.0.0.1/tcp/1", "-n", "1"], 1),
                       (["id", "/ip4/127.0.0.1/tcp/1"], 1), (["ping", "--bogus"], 2)):
        rc, out, err = run(*args)
        check("exit %d for %s" % (want, " ".join(args)), rc == want and err.strip() != "", "rc=%d %s" % (rc, err))
    # the client commands' options share one parser (cli_getopt): the same
    # words for the same mistake, exit 2, before any network
    for args, text in ((["ping", A, "--timeout", "x"], "plasmd ping: bad --timeout 'x'"),
                       (["id", "--timeout", "0", A], "plasmd id: bad --timeout '0'"),
                       (["dht", "--bootstrap", A, "--timeout", "-5", "find-peer", "z"],
                        "plasmd dht: bad --timeout '-5'"),
                       (["ping", A, "--timeout"], "plasmd ping: option '--timeout' needs a value"),
                       (["ping", A, "--count", "0"], "plasmd ping: bad --count '0' (1..100000)")):
        rc, out, err = run(*args)
        check("%s: %s" % (" ".join(args), text), rc == 2 and text in err, "rc=%d %s" % (rc, err))
finally:
    for p in procs:
        p.terminate()
        p.wait(timeout=10)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)

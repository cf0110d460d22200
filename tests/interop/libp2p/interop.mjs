// Interop between our C libp2p (the p2p_node binary: plasmd's start/ping/id/dht
// commands) and js-libp2p from npm, in both directions: TCP + Noise + Yamux,
// ping, identify, and every Kademlia operation (FIND_NODE, PUT_VALUE,
// GET_VALUE, ADD_PROVIDER, GET_PROVIDERS).
//
// usage: node interop.mjs /path/to/p2p_node
// Exit 0 = all passed, 1 = a check failed, 77 = skipped (node_modules absent).
import { spawn, execFile } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir, networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { missing } from '../../common/testenv.mjs'

const here = dirname(fileURLToPath(import.meta.url))
if (!existsSync(join(here, 'node_modules', 'libp2p'))) {
  missing('tests/interop/libp2p/node_modules missing (run npm ci there)')
}
// js-libp2p 3.x uses Promise.withResolvers, which Node 20 lacks.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify, identifyPush } = await import('@libp2p/identify')
const { ping } = await import('@libp2p/ping')
const { kadDHT, passthroughMapper } = await import('@libp2p/kad-dht')
const { multiaddr } = await import('@multiformats/multiaddr')
const { CID } = await import('multiformats/cid')
const { sha256 } = await import('multiformats/hashes/sha2')
const raw = await import('multiformats/codecs/raw')

const bin = process.argv[2]
if (!bin || !existsSync(bin)) {
  console.error(`usage: node interop.mjs /path/to/p2p_node (got ${bin})`)
  process.exit(2)
}

let passed = 0
let failed = 0
function check (name, ok, detail = '') {
  if (ok) { passed++; console.log(`ok   ${name}`) } else { failed++; console.log(`FAIL ${name} ${detail}`) }
}

function run (args, timeoutMs = 20000) {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr })
    })
  })
}

function startC (extra = []) {
  return new Promise((resolve, reject) => {
    // an empty PLASMD_HOME: the node runs on an ephemeral key, whatever the machine holds
    const env = { ...process.env, PLASMD_HOME: mkdtempSync(join(tmpdir(), 'p2p-interop-')) }
    const p = spawn(bin, ['start', '--listen', '/ip4/127.0.0.1/tcp/0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env })
    let err = ''
    p.stderr.on('data', (d) => { err += d })
    const rl = createInterface({ input: p.stdout })
    rl.once('line', (line) => resolve({ proc: p, info: JSON.parse(line), stderr: () => err }))
    p.once('exit', (code) => reject(new Error(`C node exited ${code}: ${err}`)))
  })
}

async function jsNode () {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0', ...(v6 ? ['/ip6/::1/tcp/0'] : [])] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // the C clients connect in quick succession from one address
    connectionManager: { inboundConnectionThreshold: 1000 },
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping({ maxOutboundStreams: 8 }),
      dht: kadDHT({
        protocol: '/ipfs/kad/1.0.0',
        clientMode: false,
        peerInfoMapper: passthroughMapper,
        validators: { aether: async () => {} },
        selectors: { aether: () => 0 }
      })
    }
  })
}

async function collect (iter, pred, ms = 15000) {
  const ac = new AbortController()
  const t = setTimeout(() => ac.abort(), ms)
  const found = []
  try {
    for await (const ev of iter(ac.signal)) {
      if (pred(ev)) { found.push(ev); break }
    }
  } catch (e) {
    if (!ac.signal.aborted) found.push({ error: e })
  } finally { clearTimeout(t) }
  return found
}

async function withTimeout (p, ms, what) {
  let t
  const timeout = new Promise((_resolve, reject) => { t = setTimeout(() => reject(new Error(`${what}: timed out`)), ms) })
  try { return await Promise.race([p, timeout]) } finally { clearTimeout(t) }
}

function jsState () {
  const conns = js.getConnections().map((x) => `${x.remotePeer.toString().slice(-6)}:${x.status}`)
  return `connections=[${conns}] C-connected=${conns.some((x) => x.startsWith(cId.slice(-6)))}`
}

const enc = new TextEncoder()
const dec = new TextDecoder()
const v6 = Object.values(networkInterfaces()).flat().some((i) => i && i.address === '::1')
const c = await startC([...(v6 ? ['--listen', '/ip6/::1/tcp/0'] : []), '--log-level', 'debug'])
const cAddr = c.info.listen[0]
const cId = c.info.peer_id
const js = await jsNode()
const jsId = js.peerId.toString()
const jsAddr = js.getMultiaddrs().map(String).find((a) => a.startsWith('/ip4/127.0.0.1/'))
console.log(`C  ${cAddr}\njs ${jsAddr}`)

try {
  // A record only the C node holds (js does not know anyone yet).
  {
    const r = await run(['dht', '--bootstrap', cAddr, 'put', '/aether/early', 'only on C'])
    const j = JSON.parse(r.stdout || '{}')
    check('C PUT_VALUE to the C node', j.ok === true && j.stored_at.length === 1 && j.stored_at[0].peer_id === cId, r.stdout + r.stderr)
  }

  // ---- js dials C ----
  try {
    const conn = await withTimeout(js.dial(multiaddr(cAddr)), 10000, 'dial')
    check('js->C dial (noise, yamux)', conn.remotePeer.toString() === cId,
      `${conn.remotePeer} ${conn.encryption} ${conn.multiplexer}`)
    check('js->C negotiated /noise and /yamux/1.0.0', conn.encryption === '/noise' && conn.multiplexer === '/yamux/1.0.0',
      `${conn.encryption} ${conn.multiplexer}`)
  } catch (e) { check('js->C dial', false, e.message) }
  try {
    const rtts = []
    for (let i = 0; i < 3; i++) rtts.push(await withTimeout(js.services.ping.ping(multiaddr(cAddr)), 5000, 'ping'))
    check('js->C ping x3', rtts.length === 3, JSON.stringify(rtts))
  } catch (e) { check('js->C ping', false, e.message) }
  try {
    const cPeer = js.getConnections().find((x) => x.remotePeer.toString() === cId).remotePeer
    let peer = await js.peerStore.get(cPeer)
    for (let i = 0; i < 50 && !peer.protocols.includes('/ipfs/kad/1.0.0'); i++) { // identify may lag under load
      await new Promise((resolve) => setTimeout(resolve, 100))
      peer = await js.peerStore.get(cPeer)
    }
    const protos = peer.protocols
    const agent = dec.decode(peer.metadata.get('AgentVersion') ?? new Uint8Array())
    check('js identified C (protocols)', ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/ipfs/kad/1.0.0'].every((p) => protos.includes(p)), JSON.stringify(protos))
    check('js identified C (agent)', agent.startsWith('aether-p2p/'), agent)
    check('js identified C (listen addr)', peer.addresses.some((a) => cAddr.startsWith(a.multiaddr.toString())), JSON.stringify(peer.addresses.map((a) => a.multiaddr.toString())))
  } catch (e) { check('js identify of C', false, e.message) }

  if (v6) {
    const c6 = c.info.listen.find((a) => a.startsWith('/ip6/'))
    const js6 = js.getMultiaddrs().map(String).find((a) => a.startsWith('/ip6/::1/'))
    try {
      const rtt = await withTimeout(js.services.ping.ping(multiaddr(c6)), 5000, 'ping')
      check('js->C ping over IPv6', typeof rtt === 'number', String(rtt))
    } catch (e) { check('js->C ping over IPv6', false, e.message) }
    const r = await run(['ping', js6, '-n', '1'])
    check('C->js ping over IPv6', r.code === 0 && /pong/.test(r.stdout), r.stdout + r.stderr)
  } else {
    console.log('note: no ::1 here, IPv6 checks skipped')
  }

  // identify push: js announces a protocol added later to the connected C node
  {
    await js.handle('/aether/late/1.0.0', async (stream) => { await stream.close() })
    const t = Date.now()
    while (Date.now() - t < 5000 && !c.stderr().includes(`identify push" peer=${jsId}`)) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    check('js identify push received by C', c.stderr().includes(`identify push" peer=${jsId}`))
  }

  // ---- C dials js ----
  {
    const r = await run(['ping', jsAddr, '-n', '3'])
    check('C->js ping x3', r.code === 0 && (r.stdout.match(/pong/g) ?? []).length === 3, r.stdout + r.stderr)
  }
  {
    const r = await run(['id', jsAddr])
    let j = {}
    try { j = JSON.parse(r.stdout) } catch {}
    check('C->js identify', r.code === 0 && j.peer_id === jsId && (j.agent ?? '').includes('js-libp2p') &&
      j.protocols.includes('/ipfs/ping/1.0.0') && j.protocols.includes('/ipfs/kad/1.0.0') && j.listen_addrs.length > 0 &&
      j.observed_addr?.startsWith('/ip4/127.0.0.1/tcp/'), r.stdout + r.stderr)
  }
  {
    const wrong = jsAddr.replace(jsId, cId)
    const r = await run(['ping', wrong, '-n', '1'])
    check('C refuses js answering for another peer id', r.code !== 0 && /not the peer dialed/.test(r.stderr), r.stderr)
  }

  // ---- Kademlia: js client side against the C server ----
  const jsKey = enc.encode('/aether/from-js')
  try {
    const evs = await collect((signal) => js.services.dht.put(jsKey, enc.encode('hello from js'), { signal }), () => false, 10000)
    const r = await run(['dht', '--bootstrap', cAddr, 'get', '/aether/from-js'])
    const j = JSON.parse(r.stdout || '{}')
    check('js PUT_VALUE -> C stores, C GET_VALUE returns it', j.ok === true && j.value === 'hello from js', r.stdout + r.stderr + JSON.stringify(evs))
  } catch (e) { check('js put / C get', false, e.message) }
  const jsCid = CID.createV1(raw.code, await sha256.digest(enc.encode('provided by js')))
  try {
    await withTimeout(js.contentRouting.provide(jsCid), 15000, 'provide')
    const r = await run(['dht', '--bootstrap', cAddr, 'get-providers', jsCid.toString()])
    const j = JSON.parse(r.stdout || '{}')
    check('js ADD_PROVIDER -> C GET_PROVIDERS finds js', j.ok === true && j.providers.some((p) => p.peer_id === jsId), r.stdout + r.stderr)
  } catch (e) { check('js provide / C get-providers', false, e.message) }
  try {
    const r = await run(['dht', '--bootstrap', cAddr, 'find-peer', jsId])
    const j = JSON.parse(r.stdout || '{}')
    check('C FIND_NODE via C finds js', j.ok === true && j.peers.some((p) => p.peer_id === jsId && p.addrs.length > 0), r.stdout + r.stderr)
  } catch (e) { check('C find-peer js', false, e.message) }

  // ---- Kademlia: C client side against the js server ----
  {
    const r = await run(['dht', '--bootstrap', jsAddr, 'put', '/aether/from-c', 'hello from C'])
    const j = JSON.parse(r.stdout || '{}')
    check('C PUT_VALUE -> js accepts (echo)', j.ok === true && j.stored_at.some((p) => p.peer_id === jsId), r.stdout + r.stderr)
    const got = await collect((signal) => js.services.dht.get(enc.encode('/aether/from-c'), { signal }), (ev) => ev.name === 'VALUE')
    check('js GET_VALUE finds the record C put', got.length === 1 && dec.decode(got[0].value) === 'hello from C',
      JSON.stringify(got.map((e) => e.name ?? String(e.error))))
    const early = await collect((signal) => js.services.dht.get(enc.encode('/aether/early'), { signal }),
      (ev) => ev.name === 'VALUE' && ev.from.toString() === cId)
    check('js GET_VALUE answered by the C node', early.length === 1 && dec.decode(early[0].value) === 'only on C',
      JSON.stringify(early.map((e) => e.name ?? String(e.error))))
  }
  {
    const r = await run(['dht', '--bootstrap', jsAddr, 'get', '/aether/from-js'])
    const j = JSON.parse(r.stdout || '{}')
    check('C GET_VALUE via js', j.ok === true && j.value === 'hello from js', r.stdout + r.stderr)
  }
  {
    const r = await run(['dht', '--bootstrap', jsAddr, 'get-providers', jsCid.toString()])
    const j = JSON.parse(r.stdout || '{}')
    check('C GET_PROVIDERS via js finds js', j.ok === true && j.providers.some((p) => p.peer_id === jsId), r.stdout + r.stderr)
  }
  {
    const r = await run(['dht', '--bootstrap', jsAddr, 'provide', 'provided by C'])
    const j = JSON.parse(r.stdout || '{}')
    check('C ADD_PROVIDER via js', j.ok === true && j.stored_at.some((p) => p.peer_id === jsId), r.stdout + r.stderr)
    const key = CID.createV1(raw.code, await sha256.digest(enc.encode('provided by C')))
    const got = await collect((signal) => js.services.dht.findProviders(key, { signal }),
      (ev) => ev.name === 'PEER_RESPONSE' && ev.from.toString() === cId && ev.providers.some((p) => p.id.toString() !== jsId && p.id.toString() !== cId))
    check('js GET_PROVIDERS answered by the C node with the C provider', got.length === 1,
      JSON.stringify(got.map((e) => e.name ?? String(e.error))) + ' ' + jsState())
  }
  {
    const r = await run(['dht', '--bootstrap', jsAddr, 'find-peer', cId])
    const j = JSON.parse(r.stdout || '{}')
    check('C FIND_NODE via js finds the C node', j.ok === true && j.peers.some((p) => p.peer_id === cId && p.addrs.length > 0), r.stdout + r.stderr)
  }
  try {
    await js.dial(multiaddr(cAddr))
    const got = await collect((signal) => js.services.dht.getClosestPeers(enc.encode('anything'), { signal }),
      (ev) => ev.name === 'PEER_RESPONSE' && ev.from.toString() === cId && ev.messageName === 'FIND_NODE')
    check('js FIND_NODE answered by the C node', got.length === 1, JSON.stringify(got.map((e) => e.name ?? String(e.error))) + ' ' + jsState())
  } catch (e) { check('js closest peers', false, e.message) }
  // ---- with js gone, the C node alone must still hold what js stored there ----
  await js.stop()
  {
    const r = await run(['dht', '--bootstrap', cAddr, 'get', '/aether/from-js'])
    const j = JSON.parse(r.stdout || '{}')
    check('C node kept the record js PUT there', j.ok === true && j.value === 'hello from js', r.stdout + r.stderr)
  }
  {
    const r = await run(['dht', '--bootstrap', cAddr, 'get-providers', jsCid.toString()])
    const j = JSON.parse(r.stdout || '{}')
    check('C node kept the provider record js ADDed there', j.ok === true && j.providers.some((p) => p.peer_id === jsId), r.stdout + r.stderr)
  }
} finally {
  await js.stop()
  c.proc.kill('SIGTERM')
  await new Promise((resolve) => c.proc.once('exit', resolve))
  if (failed) console.log(c.stderr().split('\n').filter((l) => !l.includes('level=debug')).join('\n'))
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)

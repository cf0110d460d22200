// js-libp2p speaks upstream Phase's job protocols to our provider
// (`plasmd start`): /phase/job-offer/1.0.0 (JSON, write-then-close framing)
// and /phase/job-relay/1.0.0 (CBOR {"payload": bytes} around the JSON
// SignedManifest, answered {"Ok": {"events", "receipt"}}). The manifest is
// signed here with @libp2p/crypto, the receipt checked here too.
//
// usage: node phase.mjs /path/to/plasmd /path/to/rev.wasm
// Exit 0 = all passed, 1 = a check failed, 77 = skipped.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { createHash } from 'node:crypto'

const here = dirname(fileURLToPath(import.meta.url))
const strict = process.env.CI === 'true' || process.env.AETHER_STRICT === '1'
function skip (why) {
  console.log((strict ? 'missing (strict mode): ' : 'SKIP: ') + why)
  process.exit(strict ? 1 : 77)
}
if (!existsSync(join(here, 'node_modules', 'libp2p'))) skip('tests/interop/libp2p/node_modules missing (run npm ci there)')
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
const [bin, wasmPath] = process.argv.slice(2)
if (!bin || !existsSync(bin)) { console.error('usage: node phase.mjs PLASMD REV.wasm'); process.exit(2) }
if (!wasmPath || !existsSync(wasmPath)) skip(`${wasmPath} not built (wat2wasm missing)`)

const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { multiaddr } = await import('@multiformats/multiaddr')
const { generateKeyPair } = await import('@libp2p/crypto/keys')
const { peerIdFromString } = await import('@libp2p/peer-id')
const cborg = await import('cborg')

let failed = 0
function check (name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ' ' + detail}`)
  if (!ok) failed++
}
const hex = (u8) => Buffer.from(u8).toString('hex')
// canonical JSON as serde/our cjson print it: sorted keys, no whitespace
function canon (v) {
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']'
  if (v && typeof v === 'object') return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}'
  return JSON.stringify(v)
}
const concat = (chunks) => Buffer.concat(chunks.map((c) => Buffer.from(c.subarray ? c.subarray() : c)))

const home = mkdtempSync(join(tmpdir(), 'phase-interop-'))
const prov = spawn(bin, ['start', '--listen', '/ip4/127.0.0.1/tcp/0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PLASMD_HOME: home } })
let perr = ''
prov.stderr.on('data', (d) => { perr += d })
const killAll = () => { try { prov.kill('SIGKILL') } catch {} }
process.on('exit', killAll)
const timer = setTimeout(() => { console.log('FAIL timed out'); killAll(); process.exit(1) }, 60000)
const info = await new Promise((resolve, reject) => {
  createInterface({ input: prov.stdout }).once('line', (l) => resolve(JSON.parse(l)))
  prov.once('exit', (c) => reject(new Error(`plasmd start exited ${c}: ${perr}`)))
})
const ma = multiaddr(info.listen[0])
const providerPk = peerIdFromString(info.peer_id).publicKey

const node = await createLibp2p({
  transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()]
})

async function request (proto, body) {
  const stream = await node.dialProtocol(ma, proto)
  stream.send(body)
  const closing = stream.close()
  const chunks = []
  for await (const c of stream) chunks.push(c)
  await closing
  return concat(chunks)
}

try {
  const wasm = readFileSync(wasmPath)
  const moduleHash = 'sha256:' + createHash('sha256').update(wasm).digest('hex')
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch
  const offer = (a) => ({ job_id: 'js-job-1', nonce: 'n1', module_hash: moduleHash, requirements: { cpu_cores: 1, memory_mb: 64, timeout_seconds: 5, arch: a, wasm_runtime: 'wasmtime-27' } })

  let ans = JSON.parse((await request('/phase/job-offer/1.0.0', Buffer.from(JSON.stringify(offer(arch))))).toString())
  check('js offer -> Accepted with the provider peer id', ans.Accepted?.node_peer_id === info.peer_id && ans.Accepted.job_id === 'js-job-1', JSON.stringify(ans))
  ans = JSON.parse((await request('/phase/job-offer/1.0.0', Buffer.from(JSON.stringify(offer('riscv64'))))).toString())
  check('js offer for riscv64 -> ArchMismatch', ans.Rejected?.reason?.ArchMismatch?.required === 'riscv64' && ans.Rejected.reason.ArchMismatch.available === arch, JSON.stringify(ans))

  // a SignedManifest<JobSpec> signed in js
  const key = await generateKeyPair('Ed25519')
  const payload = { kind: 'wasm', module_cid: 'inline', input: [...wasm], max_duration_ms: 5000, max_memory_bytes: null, stdin: [...Buffer.from('Hello, World')] }
  const createdAt = new Date().toISOString().replace(/\.(\d{3})Z$/, (m, ms) => ms === '000' ? 'Z' : `.${ms}Z`)
  const signed = { created_at: createdAt, payload, schema_version: 1 }
  const sig = await key.sign(Buffer.from('phase-manifest:v1:' + canon(signed)))
  const manifest = { ...signed, signer_pubkey: hex(key.publicKey.raw), signature: hex(sig) }
  const resp = cborg.decode(await request('/phase/job-relay/1.0.0', cborg.encode({ payload: Buffer.from(JSON.stringify(manifest)) })))
  check('js relay -> Ok with events and receipt (CBOR byte strings)', resp.Ok?.events instanceof Uint8Array && resp.Ok.receipt instanceof Uint8Array, JSON.stringify(resp).slice(0, 300))
  const events = JSON.parse(Buffer.from(resp.Ok.events).toString())
  const out = Buffer.from(events.filter((e) => e.Output?.kind === 'stdout').flatMap((e) => e.Output.data)).toString()
  check('the job ran: Output events carry the reversed stdin', out === 'dlroW ,olleH', out)
  check('the events end with one Final', events.at(-1).Final?.result?.completion === 'stop', JSON.stringify(events.at(-1)))
  const receipt = JSON.parse(Buffer.from(resp.Ok.receipt).toString())
  const jobId = createHash('sha256').update('phase-manifest:v1:' + canon(signed)).digest('hex')
  const msg = 'phase-receipt:v1:' + canon({ completed_at: receipt.completed_at, job_id: receipt.job_id, result: receipt.result, schema_version: receipt.schema_version })
  const ok = await providerPk.verify(Buffer.from(msg), Buffer.from(receipt.signature, 'hex'))
  check('the receipt is signed by the provider peer key over the JobId js computed',
    ok && receipt.worker_pubkey === hex(providerPk.raw) && receipt.job_id === jobId, JSON.stringify(receipt).slice(0, 300))

  // a relay request that is not our CBOR shape: the stream is reset, the provider lives on
  let reset = false
  try { await request('/phase/job-relay/1.0.0', Buffer.from('not cbor at all')) } catch { reset = true }
  const again = JSON.parse((await request('/phase/job-offer/1.0.0', Buffer.from(JSON.stringify(offer(arch))))).toString())
  check('garbage on the relay is dropped; the provider keeps answering', again.Accepted !== undefined, `reset=${reset}`)
} catch (e) {
  check('no exception', false, e.stack)
}
clearTimeout(timer)
await node.stop()
killAll()
console.log(failed ? `${failed} failed` : 'all passed')
process.exit(failed ? 1 : 0)

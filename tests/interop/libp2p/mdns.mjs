// mDNS interop: js-libp2p's @libp2p/mdns and our C node find each other on
// _p2p._udp.local. Run only inside a network namespace (mdns_netns.sh) so
// multicast never leaves it.
// usage: node mdns.mjs /path/to/p2p_node   (exit 0 pass, 1 fail, 77 skip)
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { missing } from '../../common/testenv.mjs'

const here = dirname(fileURLToPath(import.meta.url))
if (!existsSync(join(here, 'node_modules', '@libp2p', 'mdns'))) {
  missing('tests/interop/libp2p/node_modules missing (run npm ci there)')
}
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
const { identify } = await import('@libp2p/identify')
const { mdns } = await import('@libp2p/mdns')

const bin = process.argv[2]
const env = { ...process.env, PLASMD_HOME: mkdtempSync(join(tmpdir(), 'p2p-mdns-')) }
const c = spawn(bin, ['start', '--listen', '/ip4/127.0.0.1/tcp/0', '--mdns', '--log-level', 'debug'],
  { stdio: ['ignore', 'pipe', 'pipe'], env })
let cLog = ''
c.stderr.on('data', (d) => { cLog += d })
const info = await new Promise((resolve) => createInterface({ input: c.stdout }).once('line', (l) => resolve(JSON.parse(l))))

const js = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [mdns({ interval: 500 })],
  services: { identify: identify() }
})
const jsId = js.peerId.toString()
let jsFoundC = false
js.addEventListener('peer:discovery', (ev) => {
  if (ev.detail.id.toString() === info.peer_id) jsFoundC = true
})
const deadline = Date.now() + 15000
const cSawJs = () => cLog.includes(`msg="mdns peer" peer=${jsId}`) && cLog.includes(`connection up" peer=${jsId}`)
while (Date.now() < deadline && !(jsFoundC && cSawJs())) {
  await new Promise((resolve) => setTimeout(resolve, 200))
}
const cFoundJs = cSawJs()
console.log(`${jsFoundC ? 'ok  ' : 'FAIL'} js discovered the C node over mDNS`)
console.log(`${cFoundJs ? 'ok  ' : 'FAIL'} C node discovered js over mDNS and connected`)
await js.stop()
c.kill('SIGTERM')
const ok = jsFoundC && cFoundJs
if (!ok) console.log(cLog.split('\n').slice(-20).join('\n'))
console.log(`${ok ? 2 : 0} passed, ${ok ? 0 : 1} failed`)
process.exit(ok ? 0 : 1)

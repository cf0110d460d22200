// js-libp2p side of bench/p2p/run.sh (kept here, next to the pinned npm packages).
//   node bench_peer.mjs serve                 prints its address, sinks /bench/sink/1.0.0
//   node bench_peer.mjs dial ADDR MB DIALS LABEL   set-up latency + one-stream throughput
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
if (!existsSync(join(here, 'node_modules', 'libp2p'))) {
  console.error('SKIP: node_modules missing (npm ci in tests/interop/libp2p)')
  process.exit(77)
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
const { ping } = await import('@libp2p/ping')
const { multiaddr } = await import('@multiformats/multiaddr')

const SINK = '/bench/sink/1.0.0'
const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { maxConnections: 4096, inboundConnectionThreshold: 100000 },
  services: { identify: identify(), ping: ping() }
})
await node.handle(SINK, async (stream) => {
  for await (const _ of stream) { /* discard */ }
  await stream.close()
}, { maxInboundStreams: 64 })

const mode = process.argv[2]
if (mode === 'serve') {
  console.log(node.getMultiaddrs().map(String).find((a) => a.startsWith('/ip4/127.0.0.1/')))
  process.on('SIGTERM', async () => { await node.stop(); process.exit(0) })
} else if (mode === 'dial') {
  const ma = multiaddr(process.argv[3])
  const mb = Number(process.argv[4] ?? 256)
  const dials = Number(process.argv[5] ?? 200)
  const label = process.argv[6] ?? 'js->remote'
  const lat = []
  for (let i = 0; i < dials; i++) {
    const t = process.hrtime.bigint()
    const conn = await node.dial(ma)
    lat.push(Number(process.hrtime.bigint() - t) / 1e6)
    await conn.close()
  }
  lat.sort((a, b) => a - b)
  const stream = await node.dialProtocol(ma, SINK)
  const chunk = new Uint8Array(1 << 20).fill(7)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < mb; i++) {
    if (!stream.send(chunk)) {
      await new Promise((resolve) => stream.addEventListener('drain', resolve, { once: true }))
    }
  }
  await stream.close()
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  const mean = lat.reduce((a, b) => a + b, 0) / lat.length
  console.log(JSON.stringify({
    mode: label,
    dials,
    setup_ms_median: +lat[Math.floor(dials / 2)].toFixed(3),
    setup_ms_p90: +lat[Math.floor(dials * 9 / 10)].toFixed(3),
    setup_ms_mean: +mean.toFixed(3),
    stream_mb: mb,
    throughput_MBps: +((mb * 1048576) / secs / 1e6).toFixed(1)
  }))
  await node.stop()
  process.exit(0)
} else {
  console.error('usage: node bench_peer.mjs serve | dial ADDR [MB] [DIALS] [LABEL]')
  process.exit(2)
}

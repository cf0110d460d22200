// Runs bench_crypto (our C code) and the same operations through
// @chainsafe/blst (native blst) in one run, and prints a Markdown table with
// the ratio ours/blst. Figures are CPU time per operation, the minimum over
// 40 batches of about 5 ms, and the two sides alternate for 3 rounds.
//
// Usage: node bench/crypto/bench.mjs BUILD_DIR/bench/crypto/bench_crypto [--quick]
// Needs `npm ci` in tests/interop/noble (where @chainsafe/blst is pinned).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../tests/interop/noble/package.json'));
const blst = require('@chainsafe/blst');
const bin = process.argv[2];
const quick = process.argv.includes('--quick');
if (!bin) {
  console.error('usage: node bench.mjs PATH/TO/bench_crypto [--quick]');
  process.exit(2);
}
const batches = quick ? 8 : 40;

// CPU time of this process (µs): the machine is shared, and CPU time is what
// an operation costs, whatever else runs. bench_crypto measures the same way.
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
function bench(fn) {
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    let iters = 0;
    const t0 = cpu();
    let t1;
    do {
      fn();
      iters++;
      t1 = cpu();
    } while (t1 - t0 < 5000 && iters < 100000);
    best = Math.min(best, (t1 - t0) / iters);
  }
  return best;
}

// ---- blst ----
const msg = new TextEncoder().encode('aether consensus block hash 0001');
const sks = [], pks = [], pkb = [], sigb = [];
for (let i = 0; i < 128; i++) {
  const ikm = new Uint8Array(32);
  for (let j = 0; j < 32; j++) ikm[j] = (i * 31 + j * 7 + 1) & 255;
  const sk = blst.SecretKey.fromKeygen(ikm);
  sks.push(sk);
  pks.push(sk.toPublicKey());
  pkb.push(sk.toPublicKey().toBytes());
  sigb.push(sk.sign(msg).toBytes());
}
const pk0 = blst.PublicKey.fromBytes(pkb[0], true);
const sig0 = blst.Signature.fromBytes(sigb[0], true);
function runBlst(theirs) {
  put(theirs, 'bls_sk_to_pk', bench(() => sks[0].toPublicKey().toBytes()));
  put(theirs, 'bls_sign', bench(() => sks[0].sign(msg).toBytes()));
  put(theirs, 'bls_verify', bench(() => {
    const ok = blst.verify(msg, blst.PublicKey.fromBytes(pkb[0], true), blst.Signature.fromBytes(sigb[0], true));
    if (!ok) throw new Error('verify');
  }));
  put(theirs, 'bls_verify_decoded', bench(() => {
    if (!blst.verify(msg, pk0, sig0)) throw new Error('verify');
  }));
  for (const n of [4, 32, 128]) {
    const agg = blst.aggregateSerializedSignatures(sigb.slice(0, n), true).toBytes();
    const keys = pks.slice(0, n);
    put(theirs, `bls_fast_aggregate_verify_${n}`, bench(() => {
      if (!blst.fastAggregateVerify(msg, keys, blst.Signature.fromBytes(agg, true))) throw new Error('fav');
    }));
    const some = sigb.slice(0, n);
    put(theirs, `bls_aggregate_${n}`, bench(() => blst.aggregateSerializedSignatures(some, true).toBytes()));
  }
  put(theirs, 'bls_g1_decompress', bench(() => blst.PublicKey.fromBytes(pkb[1], true)));
  put(theirs, 'bls_g2_decompress', bench(() => blst.Signature.fromBytes(sigb[1], true)));
}

// ---- ours, same run: rounds alternate between the two sides and each
// figure is the minimum over rounds, so both see the same machine load ----
function put(map, k, v) {
  map[k] = Math.min(map[k] ?? Infinity, v);
}
function runOurs(ours) {
  const out = execFileSync(bin, quick ? ['--quick'] : [], { encoding: 'utf8' });
  for (const line of out.trim().split('\n')) {
    const [name, us] = line.split('\t');
    put(ours, name, Number(us));
  }
}
const ours = {}, theirs = {};
const rounds = quick ? 1 : 3;
for (let r = 0; r < rounds; r++) {
  runOurs(ours);
  runBlst(theirs);
}

const labels = {
  bls_sk_to_pk: 'BLS SkToPk',
  bls_sign: 'BLS Sign',
  bls_verify: 'BLS Verify (pk + sig from bytes, validated)',
  bls_verify_decoded: 'BLS Verify (decoded pk + sig)',
  bls_fast_aggregate_verify_4: 'FastAggregateVerify, 4 keys',
  bls_fast_aggregate_verify_32: 'FastAggregateVerify, 32 keys',
  bls_fast_aggregate_verify_128: 'FastAggregateVerify, 128 keys',
  bls_aggregate_4: 'Aggregate 4 sigs (from bytes, subgroup-checked)',
  bls_aggregate_32: 'Aggregate 32 sigs (from bytes, subgroup-checked)',
  bls_aggregate_128: 'Aggregate 128 sigs (from bytes, subgroup-checked)',
  bls_pairing: 'Pairing e(P, Q)',
  bls_hash_to_g2: 'hash_to_G2 (RFC 9380)',
  bls_g1_decompress: 'G1 decompress + subgroup check',
  bls_g2_decompress: 'G2 decompress + subgroup check',
  vrf_prove: 'ECVRF prove (TAI)',
  vrf_verify: 'ECVRF verify (TAI)',
  ed25519_sign: 'Ed25519 sign (libsodium)',
  ed25519_verify: 'Ed25519 verify (libsodium)',
  ed25519_verify_batch8_per_sig: 'Ed25519 verify, batches of 8 (crypto/ecvrf), per signature',
  ed25519_verify_batch64_per_sig: 'Ed25519 verify, batches of 64 (crypto/ecvrf), per signature',
};
const fmt = (v) => (v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
console.log(`Machine: ${cpus().length} x ${cpus()[0].model}; node ${process.version}; ${new Date().toISOString()}`);
console.log('');
console.log('| Operation | Aether C (µs) | blst via @chainsafe/blst (µs) | Aether / blst |');
console.log('|---|---:|---:|---:|');
for (const [k, label] of Object.entries(labels)) {
  const a = ours[k], b = theirs[k];
  const r = a !== undefined && b !== undefined ? (a / b).toFixed(2) + '×' : '—';
  console.log(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${r} |`);
}

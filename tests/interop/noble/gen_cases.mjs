// Generates the differential test cases for crypto/bls: every expected value is
// computed by @noble/curves (bls12_381, min-pk "long signatures"), except the
// rules noble does not enforce and the IETF draft / ZCash format require, which
// are applied here in plain JS and named where they are used (strictG1/strictG2:
// canonical flags and x < p; keyValid: the identity is not a valid public key;
// skInRange: 1 <= sk < r). KeyGen cases come from @chainsafe/blst (native blst).
//
// Usage: node gen_cases.mjs OUT_FILE [COUNT] [SEED]
// One case per line: "<kind> <field> ...". Byte strings are "x<hex>" ("x" alone
// is empty); lists are comma-separated items, "[]" is the empty list; verdicts
// are 1 (valid) / 0 (invalid); "ERR" means the operation must fail.
import { writeFileSync } from 'node:fs';
import { bls12_381 as bls } from '@noble/curves/bls12-381.js';
import { sha256 } from '@noble/hashes/sha2.js';

// blst is optional here: without it the KeyGen cases are left out.
let blst = null;
try {
  blst = await import('@chainsafe/blst');
} catch (e) {
  console.error('gen_cases: @chainsafe/blst unavailable, no KeyGen cases: ' + e.message);
}

const OUT = process.argv[2];
const COUNT = Number(process.argv[3] || 10000);
const SEED = process.argv[4] || 'aether-bls-differential-1';
if (!OUT) {
  console.error('usage: node gen_cases.mjs OUT_FILE [COUNT] [SEED]');
  process.exit(2);
}

const DST_SIG = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const DST_POP = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const L = bls.longSignatures;
const G1 = bls.G1.Point;
const G2 = bls.G2.Point;
const P = bls.fields.Fp.ORDER;
const R = bls.fields.Fr.ORDER;

// ---- deterministic randomness: SHA-256 in counter mode over the seed ----
let ctr = 0;
let pool = new Uint8Array(0);
function rbytes(n) {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    if (pool.length === 0) {
      pool = sha256(new TextEncoder().encode(SEED + '/' + ctr++));
    }
    const take = Math.min(pool.length, n - off);
    out.set(pool.subarray(0, take), off);
    pool = pool.subarray(take);
    off += take;
  }
  return out;
}
const rint = (n) => {
  const b = rbytes(4);
  return (b[0] * 16777216 + b[1] * 65536 + b[2] * 256 + b[3]) % n;
};
const hex = (b) => 'x' + Buffer.from(b).toString('hex');
const list = (items) => (items.length ? items.map(hex).join(',') : '[]');
const big = (b) => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const be = (v, n) => Uint8Array.from(Buffer.from(v.toString(16).padStart(2 * n, '0'), 'hex'));

function randomSk() {
  for (;;) {
    const k = big(rbytes(32)) % R;
    if (k !== 0n) return be(k, 32);
  }
}
const randomMsg = () => rbytes(rint(70));
const hashMsg = (m, dst = DST_SIG) => L.hash(m, dst);

// ---- the rules noble does not enforce (draft / ZCash format) ----
function strictFlags(b) {
  const c = b[0] & 0x80, i = b[0] & 0x40, s = b[0] & 0x20;
  if (!c) return 'nocomp';
  if (i) return !s && (b[0] & 0x1f) === 0 && b.subarray(1).every((x) => x === 0) ? 'inf' : 'badinf';
  return 'finite';
}
function fieldBelowP(b) {
  const c = Uint8Array.from(b);
  c[0] &= 0x1f;
  return big(c) < P;
}
function strictG1(b) {
  const f = strictFlags(b);
  return f === 'inf' || (f === 'finite' && fieldBelowP(b));
}
function strictG2(b) {
  const f = strictFlags(b);
  return f === 'inf' || (f === 'finite' && fieldBelowP(b.subarray(0, 48)) && fieldBelowP(b.subarray(48)));
}
const skInRange = (sk) => big(sk) >= 1n && big(sk) < R;

// noble decoders (point on the curve and in the subgroup)
function nobleG1(b) {
  try {
    const p = G1.fromBytes(b);
    if (!p.is0()) p.assertValidity();
    return p;
  } catch {
    return null;
  }
}
function nobleG2(b) {
  try {
    return L.Signature.fromBytes(b);
  } catch {
    return null;
  }
}
const keyValid = (b) => {
  if (!strictG1(b)) return false;
  const p = nobleG1(b);
  return p !== null && !p.is0();
};
const sigValid = (b) => strictG2(b) && nobleG2(b) !== null;
const encG1 = (p) => p.toBytes(true);
const encG2 = (p) => L.Signature.toBytes(p);

function nobleVerify(pkb, msg, sigb, dst = DST_SIG) {
  if (!keyValid(pkb) || !sigValid(sigb)) return 0;
  return L.verify(nobleG2(sigb), hashMsg(msg, dst), nobleG1(pkb)) ? 1 : 0;
}

// ---- point generators and mutations ----
const poolG1 = [];
const poolG2 = [];
function randomG1() {
  if (poolG1.length < 16) {
    const p = G1.BASE.multiply(big(randomSk()));
    poolG1.push(p);
    return p;
  }
  // sums of random pool members: cheap, still spread over the group
  let p = poolG1[rint(poolG1.length)];
  for (let i = 0; i < 3; i++) p = p.add(poolG1[rint(poolG1.length)]);
  poolG1[rint(poolG1.length)] = p;
  return p;
}
function randomG2() {
  if (poolG2.length < 16) {
    const p = G2.BASE.multiply(big(randomSk()));
    poolG2.push(p);
    return p;
  }
  let p = poolG2[rint(poolG2.length)];
  for (let i = 0; i < 3; i++) p = p.add(poolG2[rint(poolG2.length)]);
  poolG2[rint(poolG2.length)] = p;
  return p;
}

// A mutation of a valid encoding of n bytes, hitting each rejection rule.
function mutate(enc, n) {
  const b = Uint8Array.from(enc);
  switch (rint(10)) {
    case 0: b[0] ^= 0x20; break;                       // other root: still valid
    case 1: b[0] &= 0x7f; break;                       // no compression flag
    case 2: b.fill(0); b[0] = 0xc0; b[1 + rint(n - 1)] = 1 + rint(255); break; // infinity + junk
    case 3: b.fill(0); b[0] = 0xe0; break;             // infinity with sort flag
    case 4: b.fill(0); b[0] = 0xc0 | (1 + rint(31)); break; // infinity with low flag bits
    case 5: {                                          // x >= p (x + p when it fits)
      const off = n === 96 ? rint(2) * 48 : 0;
      const x = big(b.subarray(off, off + 48)) & ((1n << 381n) - 1n);
      const small = x % (1n << 300n);
      b.set(be(small + P, 48), off);
      if (off === 0 || n === 48) b[0] |= 0x80 | (enc[0] & 0x20);
      break;
    }
    case 6: case 7: {                                  // random x: off curve or off subgroup
      const r = rbytes(n);
      b.set(r);
      b[0] = 0x80 | (r[0] & 0x20) | (r[0] & 0x0f);
      break;
    }
    case 8: b[n - 1] ^= 1 << rint(8); break;           // small change of x
    default: b.fill(0); b[0] = 0x80; if (n === 96) b[n - 1] = rint(3); break; // x = 0 (or tiny)
  }
  return b;
}

// ---- case kinds ----
const lines = [];
const signed = [];          // {sk, pk, msg, sig}

function caseSign() {
  const sk = randomSk();
  const msg = randomMsg();
  const pk = encG1(G1.BASE.multiply(big(sk)));
  const sig = encG2(L.sign(hashMsg(msg), sk));
  signed.push({ sk, pk, msg, sig });
  lines.push(`sign ${hex(sk)} ${hex(msg)} ${hex(pk)} ${hex(sig)}`);
}

function pick() {
  return signed[rint(signed.length)];
}

function caseVerify() {
  const s = pick();
  let { pk, msg, sig } = s;
  switch (rint(6)) {
    case 0: msg = Uint8Array.from([...msg, rint(256)]); break;
    case 1: pk = pick().pk; break;
    case 2: sig = pick().sig; break;
    case 3: sig = mutate(sig, 96); break;
    case 4: pk = rint(2) ? mutate(pk, 48) : Uint8Array.from([0xc0, ...new Uint8Array(47)]); break;
    default: break;
  }
  lines.push(`verify ${hex(pk)} ${hex(msg)} ${hex(sig)} ${nobleVerify(pk, msg, sig)}`);
}

function casePk() {
  let sk;
  switch (rint(8)) {
    case 0: sk = new Uint8Array(32); break;                      // zero
    case 1: sk = be(R + BigInt(rint(1000)), 32); break;          // >= r
    case 2: sk = be(R - 1n - BigInt(rint(1000)), 32); break;     // just below r
    case 3: sk = be(BigInt(1 + rint(1000)), 32); break;          // tiny
    case 4: sk = rbytes(32); break;                              // may exceed r
    default: sk = randomSk();
  }
  const out = skInRange(sk) ? hex(encG1(G1.BASE.multiply(big(sk)))) : 'ERR';
  lines.push(`pk ${hex(sk)} ${out}`);
}

function casePoint(group) {
  const n = group === 1 ? 48 : 96;
  const valid = group === 1 ? encG1(rint(20) ? randomG1() : G1.ZERO) : encG2(rint(20) ? randomG2() : G2.ZERO);
  const b = rint(3) ? mutate(valid, n) : valid;
  let out = 'ERR';
  if (group === 1 && strictG1(b)) {
    const p = nobleG1(b);
    if (p) out = hex(encG1(p));
  } else if (group === 2 && strictG2(b)) {
    const p = nobleG2(b);
    if (p) out = hex(encG2(p));
  }
  lines.push(`g${group} ${hex(b)} ${out}`);
}

function caseAggregate() {
  const k = rint(7);
  const sigs = [];
  for (let i = 0; i < k; i++) sigs.push(rint(8) ? pick().sig : mutate(pick().sig, 96));
  let out = 'ERR';
  if (k > 0 && sigs.every(sigValid)) out = hex(encG2(L.aggregateSignatures(sigs.map(nobleG2))));
  lines.push(`aggregate ${list(sigs)} ${out}`);
}

function caseAggregateVerify() {
  const k = rint(5);
  const pks = [], msgs = [];
  let agg = G2.ZERO;
  // with a common message sometimes, so messages repeat
  const common = rint(3) === 0 ? randomMsg() : null;
  for (let i = 0; i < k; i++) {
    const sk = randomSk();
    const msg = common && rint(2) ? common : randomMsg();
    pks.push(encG1(G1.BASE.multiply(big(sk))));
    msgs.push(msg);
    agg = agg.add(L.sign(hashMsg(msg), sk));
  }
  let sig = encG2(agg);
  switch (rint(5)) {
    case 0: if (k) msgs[rint(k)] = randomMsg(); break;
    case 1: if (k > 1) { pks.pop(); msgs.pop(); } break;
    case 2: if (k) pks[rint(k)] = Uint8Array.from([0xc0, ...new Uint8Array(47)]); break;
    default: break;
  }
  let v = 0;
  if (pks.length > 0 && pks.every(keyValid) && sigValid(sig)) {
    v = L.verifyBatch(nobleG2(sig), pks.map((p, i) => ({ publicKey: nobleG1(p), message: hashMsg(msgs[i]) }))) ? 1 : 0;
  }
  lines.push(`aggverify ${list(pks)} ${list(msgs)} ${hex(sig)} ${v}`);
}

function caseFastAggregate() {
  const k = rint(6);
  const msg = randomMsg();
  const sks = [];
  for (let i = 0; i < k; i++) sks.push(big(randomSk()));
  const pks = sks.map((s) => encG1(G1.BASE.multiply(s)));
  // sum of the k signatures = (sum sk) H(m)
  const total = sks.reduce((a, b) => (a + b) % R, 0n);
  let sig = total === 0n ? encG2(G2.ZERO) : encG2(L.sign(hashMsg(msg), be(total, 32)));
  switch (rint(5)) {
    case 0: if (k > 1) pks.pop(); break;
    case 1: pks.push(Uint8Array.from([0xc0, ...new Uint8Array(47)])); break;
    case 2: sig = mutate(sig, 96); break;
    default: break;
  }
  let v = 0;
  if (pks.length > 0 && pks.every(keyValid) && sigValid(sig)) {
    v = L.verify(nobleG2(sig), hashMsg(msg), L.aggregatePublicKeys(pks.map(nobleG1))) ? 1 : 0;
  }
  lines.push(`fastagg ${list(pks)} ${hex(msg)} ${hex(sig)} ${v}`);
}

function casePop() {
  const s = pick();
  const proof = encG2(L.sign(hashMsg(s.pk, DST_POP), s.sk));
  lines.push(`popprove ${hex(s.sk)} ${hex(proof)}`);
  // verify: the proof, or a message signature over the pk (wrong DST), or another key's proof
  let pk = s.pk, pr = proof;
  switch (rint(3)) {
    case 0: pr = encG2(L.sign(hashMsg(s.pk), s.sk)); break;
    case 1: pk = pick().pk; break;
    default: break;
  }
  lines.push(`popverify ${hex(pk)} ${hex(pr)} ${nobleVerify(pk, pk, pr, DST_POP)}`);
}

function caseHash() {
  const msg = randomMsg();
  lines.push(`hash ${hex(msg)} ${hex(encG2(hashMsg(msg)))}`);
}

function caseKeygen() {
  if (!blst) return caseHash();
  const ikm = rbytes(32 + rint(40));
  const sk = blst.SecretKey.fromKeygen(ikm).toBytes();
  lines.push(`keygen ${hex(ikm)} ${hex(sk)}`);
}

function caseBatch() {
  const k = 1 + rint(4);
  const items = [];
  for (let i = 0; i < k; i++) items.push(pick());
  const pks = items.map((s) => s.pk), msgs = items.map((s) => s.msg), sigs = items.map((s) => s.sig);
  let v = 1;
  if (k > 1 && rint(2)) {  // swap two signatures: each pair now fails
    [sigs[0], sigs[1]] = [sigs[1], sigs[0]];
    v = nobleVerify(pks[0], msgs[0], sigs[0]) & nobleVerify(pks[1], msgs[1], sigs[1]);
  }
  lines.push(`batch ${list(pks)} ${list(msgs)} ${list(sigs)} ${v}`);
}

// ---- the mix (fractions of COUNT) ----
const plan = [
  ['sign', 0.03, caseSign],
  ['verify', 0.03, caseVerify],
  ['pk', 0.25, casePk],
  ['g1', 0.33, () => casePoint(1)],
  ['g2', 0.22, () => casePoint(2)],
  ['aggregate', 0.03, caseAggregate],
  ['aggverify', 0.01, caseAggregateVerify],
  ['fastagg', 0.01, caseFastAggregate],
  ['pop', 0.006, casePop],          // two lines each
  ['hash', 0.015, caseHash],
  ['keygen', 0.01, caseKeygen],
  ['batch', 0.004, caseBatch],
];
const t0 = Date.now();
for (const [, frac, fn] of plan) {
  let n = Math.max(1, Math.round(frac * COUNT));
  if (fn === casePop) n = Math.max(1, Math.round(n / 2));
  for (let i = 0; i < n; i++) fn();
}
while (lines.length < COUNT) casePoint(1 + rint(2));
writeFileSync(OUT, lines.join('\n') + '\n');
console.log(`gen_cases: ${lines.length} cases (seed "${SEED}") in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// Differential test of crypto/ecvrf against an independent transcription of
// RFC 9381 (ECVRF-EDWARDS25519-SHA512-TAI and -ELL2) built on @noble/curves:
// noble's strict RFC 8032 point decoding, its edwards25519 arithmetic and its
// RFC 9380 encodeToCurve (edwards25519_XMD:SHA-512_ELL2_NU_). Random keys and
// messages, tampered proofs, random and special point encodings, s >= L and
// public keys with a torsion component are run through both; every answer
// (proof, beta, or the kind of rejection) must agree.
//
// Usage: node diff.mjs path/to/ecvrf_batch [cases-per-suite]
// Exit 0 = all agree, 1 = a mismatch, 77 = skipped (no @noble/curves).
import { spawnSync } from 'node:child_process';
import { randomBytes as nodeRandom } from 'node:crypto';
import { missing } from '../../../common/testenv.mjs';

let ed25519, ed25519_hasher, sha512, bytesToHex, hexToBytes, concatBytes, utf8ToBytes;
try {
  ({ ed25519, ed25519_hasher } = await import('@noble/curves/ed25519.js'));
  ({ sha512 } = await import('@noble/hashes/sha2.js'));
  ({ bytesToHex, hexToBytes, concatBytes, utf8ToBytes } = await import('@noble/hashes/utils.js'));
} catch (e) {
  missing(`@noble/curves not installed (run npm ci in tests/unit/ecvrf/noble): ${e.message}`);
}

const batch = process.argv[2];
const N = Number(process.argv[3] || process.env.ECVRF_DIFF_CASES || 250);
const Point = ed25519.Point;
const B = Point.BASE;
const L = Point.Fn.ORDER;
const P = 2n ** 255n - 19n;

const le2n = (b) => b.length === 0 ? 0n : BigInt('0x' + bytesToHex(Uint8Array.from(b).reverse()));
const n2le = (n, len) => hexToBytes(n.toString(16).padStart(len * 2, '0')).reverse();
const rnd = (n) => new Uint8Array(nodeRandom(n));
const ELL2_DST = concatBytes(utf8ToBytes('ECVRF_edwards25519_XMD:SHA-512_ELL2_NU_'), Uint8Array.of(4));

// RFC 8032 §5.1.3 string_to_point; null = INVALID
function decode(bytes) {
  try { return Point.fromBytes(bytes, false); } catch { return null; }
}

// RFC 8032 §5.1.5: secret scalar x and the nonce prefix
function expandSk(sk) {
  const h = sha512(sk);
  const xb = h.slice(0, 32);
  xb[0] &= 248; xb[31] &= 127; xb[31] |= 64;
  return { x: le2n(xb), prefix: h.slice(32) };
}

// RFC 9381 §5.4.1.1 (TAI) and §5.4.1.2 (ELL2)
function encodeToCurve(suite, pk, alpha) {
  if (suite === 3) {
    for (let ctr = 0; ctr < 256; ctr++) {
      const hs = sha512(concatBytes(Uint8Array.of(3, 1), pk, alpha, Uint8Array.of(ctr, 0)));
      const p = decode(hs.slice(0, 32));
      if (!p) continue;
      const h = p.clearCofactor();
      if (!h.is0()) return h;
    }
    throw new Error('TAI ran out of counters');
  }
  return ed25519_hasher.encodeToCurve(concatBytes(pk, alpha), { DST: ELL2_DST });
}

// RFC 9381 §5.4.3
function challenge(suite, pts) {
  return le2n(sha512(concatBytes(Uint8Array.of(suite, 2), ...pts.map((p) => p.toBytes()),
                                 Uint8Array.of(0))).slice(0, 16));
}

const proofToHash = (suite, gamma) =>
  sha512(concatBytes(Uint8Array.of(suite, 3), gamma.clearCofactor().toBytes(), Uint8Array.of(0)));

// RFC 9381 §5.1 with an explicit public key (so torsioned keys can be used)
function proveWith(suite, sk, alpha, Y) {
  const { x, prefix } = expandSk(sk);
  const H = encodeToCurve(suite, Y.toBytes(), alpha);
  const gamma = H.multiplyUnsafe(x % L);
  const k = le2n(sha512(concatBytes(prefix, H.toBytes()))) % L;
  const c = challenge(suite, [Y, H, gamma, B.multiplyUnsafe(k), H.multiplyUnsafe(k)]);
  const s = (k + c * x) % L;
  return concatBytes(gamma.toBytes(), n2le(c, 16), n2le(s, 32));
}

function pkOf(sk) {
  return B.multiplyUnsafe(expandSk(sk).x % L);
}

// RFC 9381 §5.3 with validate_key; returns 'OK <beta>' or the C error code
function verify(suite, pkb, alpha, pi) {
  const Y = decode(pkb);
  if (!Y || Y.isSmallOrder()) return 'ERR -201';
  const gamma = decode(pi.slice(0, 32));
  const c = le2n(pi.slice(32, 48));
  const s = le2n(pi.slice(48, 80));
  if (!gamma || s >= L) return 'ERR -202';
  const H = encodeToCurve(suite, pkb, alpha);
  const U = B.multiplyUnsafe(s).subtract(Y.multiplyUnsafe(c));
  const V = H.multiplyUnsafe(s).subtract(gamma.multiplyUnsafe(c));
  if (challenge(suite, [Y, H, gamma, U, V]) !== c) return 'ERR -203';
  return 'OK ' + bytesToHex(proofToHash(suite, gamma));
}

function hashOnly(suite, pi) {
  const gamma = decode(pi.slice(0, 32));
  if (!gamma || le2n(pi.slice(48, 80)) >= L) return 'ERR -202';
  return 'OK ' + bytesToHex(proofToHash(suite, gamma));
}

// ---- build the cases --------------------------------------------------------
const cmds = [];
const want = [];
const what = [];
const hx = (b) => (b.length ? bytesToHex(b) : '-');
function add(cmd, expected, label) { cmds.push(cmd); want.push(expected); what.push(label); }

const torsion = [];
for (const t of [0, 1, 2, 3, 4, 5, 6, 7]) {
  // the 8 torsion points: multiples of a point of order 8
  torsion.push(t);
}
const T8 = decode(hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
const torsionPts = torsion.map((i) => T8.multiplyUnsafe(BigInt(i)));

for (const suite of [3, 4]) {
  for (let i = 0; i < N; i++) {
    const sk = rnd(32);
    const alpha = rnd(i % 7 === 0 ? 0 : (i * 13) % 90);
    const Y = pkOf(sk);
    const pk = Y.toBytes();
    const pi = proveWith(suite, sk, alpha, Y);
    const ok = verify(suite, pk, alpha, pi);
    if (!ok.startsWith('OK')) throw new Error('noble side: own proof does not verify');
    add(`P ${suite} ${hx(sk)} ${hx(alpha)}`, bytesToHex(pi), `prove suite ${suite}`);
    add(`V ${suite} ${hx(pk)} ${hx(alpha)} ${hx(pi)}`, ok, `verify suite ${suite}`);
    add(`H ${suite} ${hx(pi)}`, hashOnly(suite, pi), `proof_to_hash suite ${suite}`);
    // one flipped bit of the proof
    const bad = pi.slice();
    bad[i % 80] ^= 1 << (i % 8);
    add(`V ${suite} ${hx(pk)} ${hx(alpha)} ${hx(bad)}`, verify(suite, pk, alpha, bad),
        `verify flipped bit suite ${suite}`);
    add(`H ${suite} ${hx(bad)}`, hashOnly(suite, bad), `proof_to_hash flipped suite ${suite}`);
    // random Gamma, random public key, s + L
    const rg = pi.slice();
    rg.set(rnd(32), 0);
    add(`V ${suite} ${hx(pk)} ${hx(alpha)} ${hx(rg)}`, verify(suite, pk, alpha, rg),
        `verify random Gamma suite ${suite}`);
    const rk = rnd(32);
    add(`V ${suite} ${hx(rk)} ${hx(alpha)} ${hx(pi)}`, verify(suite, rk, alpha, pi),
        `verify random key suite ${suite}`);
    const sl = pi.slice();
    sl.set(n2le(le2n(pi.slice(48, 80)) + L, 32), 48);
    add(`V ${suite} ${hx(pk)} ${hx(alpha)} ${hx(sl)}`, verify(suite, pk, alpha, sl),
        `verify s+L suite ${suite}`);
    // a key with a torsion component, and a proof made against it
    if (i % 4 === 0) {
      const Yt = Y.add(torsionPts[1 + (i / 4) % 7]);
      const pit = proveWith(suite, sk, alpha, Yt);
      add(`V ${suite} ${hx(Yt.toBytes())} ${hx(alpha)} ${hx(pit)}`,
          verify(suite, Yt.toBytes(), alpha, pit), `verify torsioned key suite ${suite}`);
      // the honest proof under the torsioned key, and a torsioned Gamma
      add(`V ${suite} ${hx(Yt.toBytes())} ${hx(alpha)} ${hx(pi)}`,
          verify(suite, Yt.toBytes(), alpha, pi), `verify honest proof, torsioned key ${suite}`);
      const gt = pi.slice();
      gt.set(decode(pi.slice(0, 32)).add(torsionPts[1 + (i / 4) % 7]).toBytes(), 0);
      add(`V ${suite} ${hx(pk)} ${hx(alpha)} ${hx(gt)}`, verify(suite, pk, alpha, gt),
          `verify torsioned Gamma suite ${suite}`);
    }
  }
}

// point decoding and key validation: random strings and special encodings
const specials = [];
for (let v = 0; v < 40; v++) {                 // y = p + v - 19 .. around p, both signs
  const y = P - 19n + BigInt(v);
  if (y >= 2n ** 255n) break;
  for (const sign of [0, 1]) {
    const b = n2le(y, 32);
    b[31] |= sign << 7;
    specials.push(b);
  }
}
for (const y of [0n, 1n, P - 1n, 2n, 3n, 4n]) {
  for (const sign of [0, 1]) {
    const b = n2le(y, 32);
    b[31] |= sign << 7;
    specials.push(b);
  }
}
for (const t of torsionPts) specials.push(t.toBytes());
for (let i = 0; i < 8 * N; i++) specials.push(rnd(32));
for (const b of specials) {
  const p = decode(b);
  add(`D ${hx(b)}`, p ? '1' : '0', `decode ${hx(b)}`);
  add(`K ${hx(b)}`, p && !p.isSmallOrder() ? '1' : '0', `pk_valid ${hx(b)}`);
}

// ---- run the C side and compare ---------------------------------------------
const r = spawnSync(batch, [], { input: cmds.join('\n') + '\n', maxBuffer: 1 << 28 });
if (r.status !== 0) {
  console.log(`FAIL: ${batch} exited ${r.status}: ${r.stderr}`);
  process.exit(1);
}
const got = r.stdout.toString().trimEnd().split('\n');
let bad = 0;
for (let i = 0; i < cmds.length; i++) {
  if (got[i] !== want[i]) {
    if (bad < 10) console.log(`MISMATCH ${what[i]}\n  cmd  ${cmds[i]}\n  C    ${got[i]}\n  noble ${want[i]}`);
    bad++;
  }
}
// how many answers of each kind per check, so a run shows what it covered
const kinds = {};
for (let i = 0; i < cmds.length; i++) {
  const w = want[i];
  const kind = w.startsWith('OK') ? 'valid' : w.startsWith('ERR') ? w : /^[01]$/.test(w) ? w : 'proof';
  const label = what[i].replace(/ [0-9a-f-]{3,}$/, '');
  kinds[label] = kinds[label] || {};
  kinds[label][kind] = (kinds[label][kind] || 0) + 1;
}
for (const [label, k] of Object.entries(kinds)) console.log(`  ${label}: ${JSON.stringify(k)}`);
console.log(`${cmds.length - bad} passed, ${bad} failed`);
process.exit(bad ? 1 : 0);

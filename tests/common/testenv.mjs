// Test environment helper for node tests (DESIGN.md §8, issue 11):
//   import { missing, strict } from '../../common/testenv.mjs'
// A test that cannot do its work because a module or datum is missing prints
// "SKIP: <reason>" and exits 77, never 0; in strict mode (CI=true, as CI runs,
// or AETHER_STRICT=1) it prints what is missing and exits 1.
export function strict () {
  const st = process.env.AETHER_STRICT || ''
  return process.env.CI === 'true' || (st !== '' && st !== '0')
}

export function missing (reason) {
  if (strict()) {
    console.error(`MISSING (strict mode: CI=true or AETHER_STRICT=1): ${reason}`)
    process.exit(1)
  }
  console.log(`SKIP: ${reason}`)
  process.exit(77)
}

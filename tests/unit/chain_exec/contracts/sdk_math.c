/* Test contract for the SDK's 128-bit helpers (test_sdk_math.c): call input
 * u8 op, u128 a, u128 b, u128 c (little-endian); returns the result(s):
 *   1 a*b (low 128 bits) ‖ a/b ‖ a%b      (b != 0; compiler-rt builtins)
 *   2 a << (c & 127) ‖ a >> (c & 127)
 *   3 aec_mul_full(a, b): hi ‖ lo
 *   4 aec_mul_div(a, b, c)                (reverts on c = 0 / overflow)
 *   5 aec_isqrt256(hi = a, lo = b)
 *   6 aec_u256_cmp((hi a, lo b), (hi 0, lo c)) as one byte (0xff, 0, 1)
 * The operands are taken from memory (not constants) so the compiler has
 * to call the builtins. */
#include "aether_contract.h"

AEC_EXPORT("call") int call(void)
{
    aec_input in;
    aec_input_load(&in);
    uint8_t op = aec_input_u8(&in);
    aec_u128 a = aec_input_u128(&in), b = aec_input_u128(&in), c = aec_input_u128(&in);
    aec_input_end(&in);
    aec_buf r = {.len = 0};
    switch (op) {
    case 1:
        AEC_REQUIRE(b != 0, "division by zero");
        aec_buf_u128(&r, a * b);
        aec_buf_u128(&r, a / b);
        aec_buf_u128(&r, a % b);
        break;
    case 2: {
        int n = (int)(c & 127);
        aec_buf_u128(&r, a << n);
        aec_buf_u128(&r, a >> n);
        break;
    }
    case 3: {
        aec_u256 p = aec_mul_full(a, b);
        aec_buf_u128(&r, p.hi);
        aec_buf_u128(&r, p.lo);
        break;
    }
    case 4:
        aec_buf_u128(&r, aec_mul_div(a, b, c));
        break;
    case 5: {
        aec_u256 n = {a, b};
        aec_buf_u128(&r, aec_isqrt256(n));
        break;
    }
    case 6: {
        aec_u256 x = {a, b}, y = {0, c};
        aec_buf_u8(&r, (uint8_t)aec_u256_cmp(x, y));
        break;
    }
    default:
        aec_revert("unknown operation");
    }
    aec_set_return(r.b, r.len);
    return 0;
}

/*
 * kernel: the SIMD benchmark program (see bench_simd.c). Image and signal
 * processing of the kind jobs run: RGB planes -> gray, a 3x3 box blur,
 * sum of absolute differences, and float saxpy / scaling over arrays, many
 * rounds over generated data. Plain C whose loops clang vectorizes: built
 * with -msimd128 it uses wasm SIMD, without it the same work is scalar.
 * Prints checksums, which must equal the native build's.
 *
 * Build (the committed .wasm files):
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 -msimd128 kernel.c -o kernel-simd.wasm
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 kernel.c -o kernel-scalar.wasm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define W 256
#define H 256
#define N (W * H)
#define ROUNDS 64

static uint8_t red[N], green[N], blue[N];
static uint8_t gray[N];
static uint8_t blur[N];
static float xs[N], ys[N];

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void to_gray(void)
{
    for (int i = 0; i < N; i++) {
        gray[i] = (uint8_t)((77 * (uint32_t)red[i] + 150 * (uint32_t)green[i] + 29 * (uint32_t)blue[i]) >> 8);
    }
}

static void box_blur(void)
{
    for (int y = 1; y < H - 1; y++) {
        const uint8_t *a = gray + (y - 1) * W, *b = gray + y * W, *c = gray + (y + 1) * W;
        uint8_t *o = blur + y * W;
        for (int x = 1; x < W - 1; x++) {
            uint32_t s = (uint32_t)a[x - 1] + a[x] + a[x + 1] + b[x - 1] + b[x] + b[x + 1] +
                         c[x - 1] + c[x] + c[x + 1];
            o[x] = (uint8_t)((s * 7282u) >> 16);   /* s / 9 */
        }
    }
}

static uint32_t sad(void)
{
    uint32_t t = 0;
    for (int i = 0; i < N; i++) {
        int d = (int)gray[i] - (int)blur[i];
        t += (uint32_t)(d < 0 ? -d : d);
    }
    return t;
}

static void saxpy(float a)
{
    for (int i = 0; i < N; i++) ys[i] = a * xs[i] + ys[i];
    for (int i = 0; i < N; i++) xs[i] = xs[i] * 0.5f + ys[i] * 0.25f;
}

static uint32_t fsum_bits(void)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < N; i += 97) {
        union { float f; uint32_t u; } v = {ys[i]};
        h = (h ^ v.u) * 16777619u;
    }
    return h;
}

int main(void)
{
    uint32_t seed = 12345, total = 0, fh = 0;
    for (int i = 0; i < N; i++) {
        red[i] = (uint8_t)lcg(&seed);
        green[i] = (uint8_t)lcg(&seed);
        blue[i] = (uint8_t)lcg(&seed);
    }
    for (int i = 0; i < N; i++) {
        xs[i] = (float)(lcg(&seed) & 0xffff) / 65536.0f;
        ys[i] = (float)(lcg(&seed) & 0xfff) / 4096.0f;
    }
    for (int r = 0; r < ROUNDS; r++) {
        to_gray();
        box_blur();
        total += sad();
        saxpy(1.0f + (float)r / 32.0f);
        fh ^= fsum_bits();
        for (int i = 0; i < N; i++) red[i] = (uint8_t)(red[i] + blur[i]);
    }
    printf("sad %u floats %08x\n", (unsigned)total, (unsigned)fh);
    return 0;
}

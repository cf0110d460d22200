/*
 * hello: the Phase demo job. Reads all of stdin and writes it back reversed
 * by Unicode code point (as upstream's Rust hello reverses by char), with no
 * newline added: "Hello, World" -> "dlroW ,olleH".
 *
 * Build for WASI:  clang --target=wasm32-wasi --sysroot=/usr -O2 -o hello.wasm hello.c
 * Run:             echo -n "Hello, World" | plasmd run --quiet hello.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at p (1 for a stray byte). */
static size_t seq_len(const unsigned char *p, size_t left)
{
    size_t n = 1;
    if (p[0] >= 0xF0)
        n = 4;
    else if (p[0] >= 0xE0)
        n = 3;
    else if (p[0] >= 0xC0)
        n = 2;
    if (n > left)
        return 1;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

int main(void)
{
    size_t cap = 4096, len = 0;
    unsigned char *in = malloc(cap);
    if (!in) {
        fputs("hello: out of memory\n", stderr);
        return 1;
    }
    size_t got;
    while ((got = fread(in + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) {
            unsigned char *bigger = realloc(in, cap * 2);
            if (!bigger) {
                fputs("hello: out of memory\n", stderr);
                free(in);
                return 1;
            }
            in = bigger;
            cap *= 2;
        }
    }
    if (ferror(stdin)) {
        fputs("hello: cannot read stdin\n", stderr);
        free(in);
        return 1;
    }
    unsigned char *out = malloc(len ? len : 1);
    if (!out) {
        fputs("hello: out of memory\n", stderr);
        free(in);
        return 1;
    }
    /* Copy each code point to the mirrored position. */
    size_t i = 0;
    while (i < len) {
        size_t n = seq_len(in + i, len - i);
        memcpy(out + len - i - n, in + i, n);
        i += n;
    }
    fwrite(out, 1, len, stdout);
    free(out);
    free(in);
    return fflush(stdout) == 0 ? 0 : 1;
}

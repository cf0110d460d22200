/* Clocks, poll_oneoff sleeps and random_get: sleeps 30 ms (nanosleep is
 * poll_oneoff on a clock in wasi-libc), checks the monotonic clock moved by
 * at least that much, and prints 16 random bytes in hex. */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

int main(void)
{
    struct timespec a, b, d = {0, 30 * 1000 * 1000};
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0 || nanosleep(&d, NULL) != 0 ||
        clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
        perror("clock");
        return 1;
    }
    long long ns = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("slept %s\n", ns >= 30000000LL ? "ok" : "too short");
    printf("realtime %s\n", now.tv_sec > 1600000000 ? "ok" : "wrong");
    unsigned char r[16];
    if (getentropy(r, sizeof r) != 0) {
        perror("getentropy");
        return 1;
    }
    printf("random ");
    for (int i = 0; i < 16; i++)
        printf("%02x", r[i]);
    printf("\n");
    return ns >= 30000000LL ? 0 : 1;
}

/* Tries to read host files from inside the sandbox; every attempt must fail.
 * Prints one line per path and exits 0 only if nothing could be opened. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    static const char *const paths[] = {"/etc/passwd", "/etc/hostname", ".", "/", "../shared",
                                        "/proc/self/environ"};
    int opened = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        FILE *f = fopen(paths[i], "r");
        DIR *d = opendir(paths[i]);
        printf("%s: %s\n", paths[i], f || d ? "OPENED" : strerror(errno));
        if (f || d)
            opened++;
        if (f)
            fclose(f);
        if (d)
            closedir(d);
    }
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        printf("%s: %s\n", argv[i], f ? "OPENED" : strerror(errno));
        if (f) {
            opened++;
            fclose(f);
        }
    }
    return opened ? 1 : 0;
}

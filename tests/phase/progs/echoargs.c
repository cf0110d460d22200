/* Prints argv and the environment, one per line, then exits with the code
 * given as EXIT_CODE (default 0) through exit(), i.e. WASI proc_exit. Writes a
 * line to stderr so the tests can tell the two streams apart. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);
    for (char **e = environ; e && *e; e++)
        printf("env %s\n", *e);
    fprintf(stderr, "to stderr\n");
    const char *code = getenv("EXIT_CODE");
    fflush(stdout);
    exit(code ? atoi(code) : 0);
}

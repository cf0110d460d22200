/* cli: subcommand dispatch and the exit-code convention (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(const char *usage, const cli_cmd_t *cmds)
{
    fputs(usage, stdout);
    if (cmds && cmds[0].name) {
        printf("\nCommands:\n");
        for (const cli_cmd_t *c = cmds; c->name; c++)
            printf("  %-22s %s\n", c->name, c->summary ? c->summary : "");
    }
}

int cli_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", prog);
    return CLI_USAGE;
}

int cli_error(const char *prog, int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_bad_option(const char *prog, char **argv, int optind_now, int optopt_now, bool missing_arg)
{
    const char *arg = optind_now > 0 ? argv[optind_now - 1] : "?";
    if (missing_arg)
        return cli_usage_error(prog, "option '%s' needs a value", arg);
    if (optopt_now && arg[0] == '-' && arg[1] != '-')
        return cli_usage_error(prog, "unknown option '-%c'", optopt_now);
    return cli_usage_error(prog, "unknown option '%s'", arg);
}

int cli_getopt(const char *prog, const char *usage, const char *help, int argc, char **argv,
               const char *shorts, const struct option *longs, bool operands, cli_opt_fn own,
               void *ctx)
{
    int c, li;
    opterr = 0;
    optind = 0;   /* GNU getopt: a full re-initialisation for this command's argv */
    while ((li = -1, c = getopt_long(argc, argv, shorts, longs, &li)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            if (help)
                fputs(help, stdout);
            return CLI_OK;
        }
        if (c == '?' || c == ':')
            return cli_bad_option(prog, argv, optind, optopt, c == ':');
        char name[48];
        if (li >= 0)
            snprintf(name, sizeof name, "--%s", longs[li].name);
        else
            snprintf(name, sizeof name, "-%c", c);
        int rc = own ? own(ctx, prog, c, name, optarg) : CLI_NOT_MINE;
        if (rc == CLI_NOT_MINE)   /* in the table but handled by nobody */
            return cli_usage_error(prog, "unknown option '%s'", name);
        if (rc >= 0)
            return rc;
    }
    if (!operands && optind < argc)
        return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    return -1;
}

bool cli_wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return true;
        }
    }
    return false;
}

void cli_print_version(const char *prog)
{
    printf("%s %s\ncommit: %s\nbuild: %s\n", prog, aether_build_version, aether_build_commit,
           aether_build_type);
}

int cli_version_cmd(const char *prog, int argc, char **argv)
{
    char usage[256];
    snprintf(usage, sizeof usage,
             "Usage: %s version\n\nPrints the version, the commit and the build type.\n", prog);
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    if (argc > 1)
        return cli_usage_error(prog, "version: unexpected argument '%s'", argv[1]);
    cli_print_version(prog);
    return CLI_OK;
}

int cli_dispatch(const char *prog, const char *usage, const cli_cmd_t *cmds, int argc,
                 char **argv)
{
    if (argc < 2) {
        print_help(usage, cmds);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        print_help(usage, cmds);
        return CLI_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        cli_print_version(prog);
        return CLI_OK;
    }
    if (name[0] == '-')
        return cli_usage_error(prog, "unknown option '%s'", name);
    for (const cli_cmd_t *c = cmds; c->name; c++) {
        if (strcmp(c->name, name) == 0) {
            optind = 0;  /* reset getopt for the subcommand (GNU: full re-init) */
            return c->run(argc - 1, argv + 1);
        }
    }
    /* Name every valid command: a user who mistyped one should not need a second run. */
    fprintf(stderr, "%s: unknown command '%s'; valid commands:", prog, name);
    for (const cli_cmd_t *c = cmds; c->name; c++)
        fprintf(stderr, "%s %s", c == cmds ? "" : ",", c->name);
    fprintf(stderr, "\nTry '%s --help'.\n", prog);
    return CLI_USAGE;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}

bool cli_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p)
        return false;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (int64_t)v;
    return true;
}

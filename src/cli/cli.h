/*
 * cli: the small framework the three thin mains (plasmd, aetherd, aether)
 * share: a table of subcommands, --help and --version, and the exit-code
 * convention every command follows:
 *
 *   0  success (or "valid")
 *   1  the operation ran and failed (invalid signature, trap, unreachable node)
 *   2  usage error or malformed input (unknown flag, bad hex, malformed file)
 *
 * Command groups (e.g. `plasmd wasm ...`) live in their own file, cli_<group>.c
 * or <prog>_<group>.c, and call cli_dispatch() again with their own table.
 */
#ifndef AETHER_CLI_H
#define AETHER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

typedef struct cli_cmd {
    const char *name;
    int (*run)(int argc, char **argv);  /* argv[0] is the command's own name */
    const char *summary;                /* one line for the parent's --help */
} cli_cmd_t;

/* Runs argv[1] from cmds (NULL-name terminated). Handles -h/--help (prints
 * usage followed by the command list), --version, a missing command, and
 * an unknown command or flag (error naming it, exit 2). prog is the full
 * command path for messages, e.g. "plasmd wasm". */
int cli_dispatch(const char *prog, const char *usage, const cli_cmd_t *cmds, int argc,
                 char **argv);

/* Prints "prog: <message>" and "Try 'prog --help'." to stderr; returns 2. */
int cli_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "prog: <message>" to stderr; returns code. */
int cli_error(const char *prog, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* For getopt_long users (call with opterr = 0): reports the option at
 * argv[optind - 1] as unknown or missing its argument. Returns 2. */
int cli_bad_option(const char *prog, char **argv, int optind_now, int optopt_now, bool missing_arg);

/* A getopt_long loop for a command, so that each command only says what its
 * own options do. own(ctx, prog, c, name, arg) gets c (what getopt_long
 * returned), name the option as given ("--timeout", "-n") and arg its value
 * (NULL for a flag); it returns -1 when it took the option, CLI_NOT_MINE when
 * c is not one of its options, else the exit code after printing the error.
 * cli_getopt() parses argv with shorts (as getopt_long's, ':' first, after a
 * '+' if any) and longs: -h/--help prints usage then help (NULL: nothing
 * more) and returns CLI_OK; an unknown option or one missing its value is a
 * usage error naming it; without operands an argument left over is one too
 * (with operands they start at optind). Returns -1 when parsing succeeded,
 * else the exit code. */
#define CLI_NOT_MINE (-2)
struct option;
typedef int (*cli_opt_fn)(void *ctx, const char *prog, int c, const char *name, const char *arg);
int cli_getopt(const char *prog, const char *usage, const char *help, int argc, char **argv,
               const char *shorts, const struct option *longs, bool operands, cli_opt_fn own,
               void *ctx);

/* Strict number parsing for flags: the whole string, decimal, no sign for
 * unsigned, range-checked. Return false on anything else. */
bool cli_parse_u64(const char *s, uint64_t *out);
bool cli_parse_i64(const char *s, int64_t *out);

/* True when argv[1] is -h/--help: prints usage to stdout. */
bool cli_wants_help(int argc, char **argv, const char *usage);

/* Config files (aetherd.conf(5)): lines "key = value", '#' comments, blank
 * lines. A key is a long option of the command that takes a value (not
 * "config"); each key at most once, except those named in `repeatable` (a
 * NULL-terminated list, or NULL), which may appear on several lines and add
 * up like the repeated flag. cli_conf_argv() finds --config FILE in
 * *argv and, if present, replaces *argc and *argv with argv[0], the file's
 * settings as "--key=value", then the original arguments, so the caller's
 * getopt loop sees the file first and command-line flags override it (the
 * loop must accept and ignore --config). Unknown keys and syntax errors are
 * reported naming the file, line and key; returns CLI_OK or an exit code.
 * The arrays stay valid until cli_conf_free(). */
typedef struct cli_conf {
    char **args;
    size_t n;
    char **argv;
} cli_conf_t;
int cli_conf_argv(const char *prog, const struct option *opts, const char *const *repeatable,
                  int *argc, char ***argv, cli_conf_t *c);
void cli_conf_free(cli_conf_t *c);

/* The build stamp, generated at build time by cmake/version.cmake: the version
 * (git tag or package version), the commit ("-dirty" when the tree had local
 * changes) and the CMake build type. */
extern const char aether_build_version[];
extern const char aether_build_commit[];
extern const char aether_build_type[];

/* Prints "prog VERSION", "commit: ..." and "build: ..." to stdout. */
void cli_print_version(const char *prog);
/* `prog version`: the same as `prog --version`; takes no arguments. */
int cli_version_cmd(const char *prog, int argc, char **argv);

#endif /* AETHER_CLI_H */

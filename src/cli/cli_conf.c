/* cli_conf: "key = value" config files that feed a command's long options
 * (see cli.h). The file is turned into "--key=value" arguments placed before
 * the command line's own, so the command parses both with one getopt loop and
 * a flag on the command line, coming later, overrides the file. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define CONF_MAX (64u << 10)

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static const struct option *find_opt(const struct option *opts, const char *key)
{
    for (const struct option *o = opts; o->name; o++)
        if (strcmp(o->name, key) == 0)
            return o;
    return NULL;
}

static bool listed(const char *const *list, const char *key)
{
    for (; list && *list; list++)
        if (strcmp(*list, key) == 0)
            return true;
    return false;
}

static int load(const char *prog, const char *path, const struct option *opts,
                const char *const *repeatable, cli_conf_t *c)
{
    uint8_t *data = NULL;
    size_t len = 0;
    err_t e = {0};
    if (file_read_all(path, CONF_MAX, &data, &len, &e) != BASE_OK)
        return cli_error(prog, CLI_USAGE, "config %s", e.msg);
    if (memchr(data, '\0', len)) {
        free(data);
        return cli_error(prog, CLI_USAGE, "%s: not a text file", path);
    }
    int rc = CLI_OK;
    unsigned line = 0;
    char *p = (char *)data;
    while (p && *p && rc == CLI_OK) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        char *l = trim(p);
        p = nl ? nl + 1 : NULL;
        if (*l == '\0' || *l == '#')
            continue;
        char *eq = strchr(l, '=');
        if (!eq) {
            rc = cli_error(prog, CLI_USAGE, "%s:%u: expected 'key = value', got '%s'", path, line,
                           l);
            break;
        }
        *eq = '\0';
        char *key = trim(l), *val = trim(eq + 1);
        const struct option *o = find_opt(opts, key);
        if (!o || o->has_arg != required_argument || strcmp(key, "config") == 0) {
            rc = cli_error(prog, CLI_USAGE, "%s:%u: unknown key '%s'", path, line, key);
            break;
        }
        if (*val == '\0') {
            rc = cli_error(prog, CLI_USAGE, "%s:%u: key '%s' has no value", path, line, key);
            break;
        }
        for (size_t i = 0; !listed(repeatable, key) && i < c->n; i++) {
            if (strncmp(c->args[i] + 2, key, strlen(key)) == 0 &&
                c->args[i][2 + strlen(key)] == '=') {
                rc = cli_error(prog, CLI_USAGE, "%s:%u: key '%s' is set twice", path, line, key);
                break;
            }
        }
        if (rc != CLI_OK)
            break;
        size_t need = strlen(key) + strlen(val) + 4;
        char *arg = malloc(need);
        char **grown = realloc(c->args, (c->n + 1) * sizeof *grown);
        if (!arg || !grown) {
            free(arg);
            if (grown)
                c->args = grown;
            rc = cli_error(prog, CLI_FAIL, "out of memory reading %s", path);
            break;
        }
        c->args = grown;
        snprintf(arg, need, "--%s=%s", key, val);
        c->args[c->n++] = arg;
    }
    free(data);
    return rc;
}

int cli_conf_argv(const char *prog, const struct option *opts, const char *const *repeatable,
                  int *argc, char ***argv, cli_conf_t *c)
{
    memset(c, 0, sizeof *c);
    const char *path = NULL;
    for (int i = 1; i < *argc; i++) {
        const char *a = (*argv)[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--config") == 0) {
            if (i + 1 == *argc)
                return cli_usage_error(prog, "option '--config' needs a value");
            path = (*argv)[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
        }
    }
    if (!path)
        return CLI_OK;
    int rc = load(prog, path, opts, repeatable, c);
    if (rc == CLI_OK) {
        c->argv = malloc(((size_t)*argc + c->n + 1) * sizeof *c->argv);
        if (!c->argv)
            rc = cli_error(prog, CLI_FAIL, "out of memory");
    }
    if (rc != CLI_OK) {
        cli_conf_free(c);
        return rc;
    }
    size_t k = 0;
    c->argv[k++] = (*argv)[0];
    for (size_t i = 0; i < c->n; i++)
        c->argv[k++] = c->args[i];
    for (int i = 1; i < *argc; i++)
        c->argv[k++] = (*argv)[i];
    c->argv[k] = NULL;
    *argc = (int)k;
    *argv = c->argv;
    return CLI_OK;
}

void cli_conf_free(cli_conf_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->args[i]);
    free(c->args);
    free(c->argv);
    memset(c, 0, sizeof *c);
}

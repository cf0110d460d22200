/*
 * phase/events: the JobEvent stream of a finished job (reference §2.6:
 * serde_json(Vec<JobEvent>), externally tagged) as a JSON tree, as a file
 * written by streaming, and its replay by a verifier, in memory or streaming
 * from a file.
 *
 * Limits that the writer and the verifier share (phase.h): a job captures at
 * most PHASE_OUTPUT_MAX bytes of output, so a stream holds at most
 * PHASE_OUTPUT_MAX / PHASE_CHUNK_MAX + 2 Output events; each event is at most
 * PHASE_EVENT_MAX bytes of JSON (an Output chunk of PHASE_CHUNK_MAX bytes is
 * at most 262,192, every byte written as up to "255,"); so a file is at most
 * PHASE_EVENTS_MAX bytes. The writer never needs a JSON tree of the output
 * and the reader holds one event at a time, so both run in memory
 * independent of the output's size.
 */
#include "phase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- as a JSON tree ---------------------------------------------------------- */

static int add_output(json_t *arr, uint64_t seq, const char *kind, const uint8_t *p, size_t n)
{
    json_t *ev = json_pack("{s:{s:s, s:o, s:o}}", "Output", "kind", kind, "data",
                           cjson_bytes(p, n), "seq", cjson_u64(seq));
    return ev && json_array_append_new(arr, ev) == 0 ? PHASE_OK : BASE_ENOMEM;
}

/* The Final event's error: NULL when the job exited 0, else upstream's text
 * ("wasm exit_code=N" / "wasm execution failed: ...") in ASCII. */
static const char *final_error(const phase_job_outcome_t *o, char *msg, size_t cap)
{
    if (phase_job_exit_status(o) == 0 && o->status == PHASE_JOB_EXITED)
        return NULL;
    if (o->status == PHASE_JOB_EXITED)
        snprintf(msg, cap, "wasm exit_code=%d", (int)o->exit_code);
    else
        snprintf(msg, cap, "wasm execution failed: %s", o->message);
    for (char *p = msg; *p; p++) /* ASCII only: always valid UTF-8 */
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    return msg;
}

json_t *phase_job_events(const phase_job_outcome_t *o, const json_t *result, err_t *e)
{
    json_t *arr = json_array();
    if (!arr)
        goto oom;
    uint64_t seq = 0;
    size_t off = 0;
    do { /* the same chunks phase_commit_output() folds */
        size_t n = o->out_len - off < PHASE_CHUNK_MAX ? o->out_len - off : PHASE_CHUNK_MAX;
        if (add_output(arr, seq++, "stdout", o->out ? o->out + off : NULL, n) != PHASE_OK)
            goto oom;
        off += n;
    } while (off < o->out_len);
    for (off = 0; off < o->err_len;) {
        size_t n = o->err_len - off < PHASE_CHUNK_MAX ? o->err_len - off : PHASE_CHUNK_MAX;
        if (add_output(arr, seq++, "stderr", o->err + off, n) != PHASE_OK)
            goto oom;
        off += n;
    }
    char msg[ERR_MSG_MAX + 32];
    const char *err_text = final_error(o, msg, sizeof msg);
    json_t *error = err_text ? json_string(err_text) : json_null();
    json_t *fin = json_pack("{s:{s:O, s:o}}", "Final", "result", result, "error", error);
    if (!fin || json_array_append_new(arr, fin) != 0)
        goto oom;
    return arr;
oom:
    json_decref(arr);
    err_set(e, BASE_ENOMEM, "job events: out of memory");
    return NULL;
}

/* ---- written to a file, streaming --------------------------------------------- */

typedef struct ewriter {
    FILE *f;
    char buf[PHASE_CHUNK_MAX * 4 + 256];
} ewriter_t;

/* One Output event, canonical: {"Output":{"data":[..],"kind":"..","seq":N}} */
static void put_output(ewriter_t *w, bool first, uint64_t seq, const char *kind,
                       const uint8_t *p, size_t n)
{
    char *b = w->buf;
    size_t k = 0;
    if (!first)
        b[k++] = ',';
    memcpy(b + k, "{\"Output\":{\"data\":[", 19);
    k += 19;
    for (size_t i = 0; i < n; i++) {
        unsigned v = p[i];
        if (i)
            b[k++] = ',';
        if (v >= 100)
            b[k++] = (char)('0' + v / 100);
        if (v >= 10)
            b[k++] = (char)('0' + v / 10 % 10);
        b[k++] = (char)('0' + v % 10);
    }
    k += (size_t)snprintf(b + k, sizeof w->buf - k, "],\"kind\":\"%s\",\"seq\":%llu}}", kind,
                          (unsigned long long)seq);
    fwrite(b, 1, k, w->f);
}

static int write_stream(FILE *f, const phase_job_outcome_t *o, const json_t *result, err_t *e)
{
    ewriter_t *w = malloc(sizeof *w);
    if (!w)
        return err_set(e, BASE_ENOMEM, "job events: out of memory");
    w->f = f;
    fputc('[', f);
    uint64_t seq = 0;
    size_t off = 0;
    do {
        size_t n = o->out_len - off < PHASE_CHUNK_MAX ? o->out_len - off : PHASE_CHUNK_MAX;
        put_output(w, seq == 0, seq, "stdout", o->out ? o->out + off : NULL, n);
        seq++;
        off += n;
    } while (off < o->out_len);
    for (off = 0; off < o->err_len;) {
        size_t n = o->err_len - off < PHASE_CHUNK_MAX ? o->err_len - off : PHASE_CHUNK_MAX;
        put_output(w, false, seq++, "stderr", o->err + off, n);
        off += n;
    }
    free(w);
    /* Final: {"error":..,"result":..} in canonical key order */
    char msg[ERR_MSG_MAX + 32];
    const char *err_text = final_error(o, msg, sizeof msg);
    json_t *err_json = err_text ? json_string(err_text) : json_null();
    buf_t b;
    buf_init(&b, 0);
    buf_append_str(&b, ",{\"Final\":{\"error\":");
    int rc = err_json ? cjson_encode(err_json, &b, e) : BASE_ENOMEM;
    json_decref(err_json);
    if (rc == BASE_OK) {
        buf_append_str(&b, ",\"result\":");
        rc = cjson_encode(result, &b, e);
    }
    buf_append_str(&b, "}}]\n");
    if (rc == BASE_OK && !buf_ok(&b))
        rc = BASE_ENOMEM;
    if (rc != BASE_OK) {
        buf_free(&b);
        return err_set(e, rc, "job events: cannot encode the Final event");
    }
    fwrite(b.data, 1, b.len, f);
    buf_free(&b);
    return PHASE_OK;
}

int phase_job_events_write(const char *path, const phase_job_outcome_t *o, const json_t *result,
                           err_t *e)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return err_set(e, BASE_ENOMEM, "job events: out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = err_set(e, PHASE_EIO, "job events: cannot create a file next to %s: %s", path,
                         strerror(errno));
        free(tmp);
        return rc;
    }
    (void)fchmod(fd, 0644);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return err_set(e, BASE_ENOMEM, "job events: out of memory");
    }
    int rc = write_stream(f, o, result, e);
    if (rc == PHASE_OK && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
        rc = err_set(e, PHASE_EIO, "job events: cannot write %s: %s", path, strerror(errno));
    if (fclose(f) != 0 && rc == PHASE_OK)
        rc = err_set(e, PHASE_EIO, "job events: cannot write %s: %s", path, strerror(errno));
    if (rc == PHASE_OK && rename(tmp, path) != 0)
        rc = err_set(e, PHASE_EIO, "job events: cannot rename to %s: %s", path, strerror(errno));
    if (rc != PHASE_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- replay --------------------------------------------------------------------- */

/* Folds event i into c; a Final sets *final (borrowed from ev). */
static int replay_event(const json_t *ev, size_t i, phase_commit_t *c, const json_t **final,
                        err_t *e)
{
    if (!json_is_object(ev) || json_object_size(ev) != 1)
        return err_set(e, PHASE_EINVAL, "events[%zu]: not an externally tagged JobEvent", i);
    if (*final)
        return err_set(e, PHASE_EINVAL, "events[%zu]: event after Final", i);
    const json_t *out = json_object_get(ev, "Output");
    const json_t *fin = json_object_get(ev, "Final");
    if (json_object_get(ev, "Progress"))
        return PHASE_OK; /* not committed (reference §2.7) */
    if (fin) {
        const json_t *res = json_object_get(fin, "result");
        const json_t *err = json_object_get(fin, "error");
        if (!json_is_object(res) || (err && !json_is_null(err) && !json_is_string(err)))
            return err_set(e, PHASE_EINVAL, "events[%zu]: malformed Final", i);
        *final = res;
        return PHASE_OK;
    }
    if (!out)
        return err_set(e, PHASE_EINVAL, "events[%zu]: unknown event", i);
    const char *kind = json_string_value(json_object_get(out, "kind"));
    uint64_t seq;
    uint8_t *data = NULL;
    size_t len = 0;
    err_t be = {0};
    if (!kind || !cjson_get_u64(json_object_get(out, "seq"), &seq))
        return err_set(e, PHASE_EINVAL, "events[%zu]: Output needs kind and seq", i);
    if (seq != c->count)
        return err_set(e, PHASE_EMISMATCH, "events[%zu]: seq %llu out of order (expected %llu)",
                       i, (unsigned long long)seq, (unsigned long long)c->count);
    if (cjson_get_bytes(json_object_get(out, "data"), SIZE_MAX, &data, &len, &be) != BASE_OK)
        return err_set(e, PHASE_EINVAL, "events[%zu]: data: %s", i, be.msg);
    phase_commit_add(c, seq, kind, data, len);
    free(data);
    return PHASE_OK;
}

int phase_events_replay(const json_t *events, phase_commit_t *c, const json_t **final_result,
                        err_t *e)
{
    *final_result = NULL;
    if (!json_is_array(events))
        return err_set(e, PHASE_EINVAL, "events: expected a JSON array of JobEvent");
    phase_commit_init(c);
    size_t i, n = json_array_size(events);
    const json_t *ev;
    json_array_foreach((json_t *)events, i, ev) {
        int rc = replay_event(ev, i, c, final_result, e);
        if (rc != PHASE_OK)
            return rc;
    }
    if (!*final_result)
        return err_set(e, PHASE_EINVAL, "events: no Final event (of %zu)", n);
    return PHASE_OK;
}

/* A reader that splits the top-level array into its elements' text. */
typedef struct ereader {
    FILE *f;
    const char *path;
    uint64_t read;  /* bytes consumed */
    buf_t text;     /* the current element */
    uint8_t *data;  /* fast path: an Output's bytes (PHASE_EVENT_MAX / 2) */
} ereader_t;

/* Fast path for the canonical Output event that phase_job_events_write()
 * writes, {"Output":{"data":[1,2],"kind":"stdout","seq":0}}, without a JSON
 * tree (a 64 KiB chunk would be 65,536 jansson integers). It accepts only
 * that exact spelling (no whitespace, no leading zeros, bytes <= 255, a kind
 * of [a-z0-9_], seq a u64), whose meaning is the strict parser's; anything
 * else returns false and goes through cjson_parse(). */
static bool fast_output(const ereader_t *r, size_t *n_data, char kind[65], uint64_t *seq)
{
    const char *t = (const char *)r->text.data, *end = t + r->text.len;
    static const char head[] = "{\"Output\":{\"data\":[";
    if (r->text.len < sizeof head - 1 || memcmp(t, head, sizeof head - 1) != 0)
        return false;
    t += sizeof head - 1;
    size_t n = 0;
    if (t < end && *t == ']') {
        t++;
    } else {
        for (;;) {
            if (t >= end || *t < '0' || *t > '9')
                return false;
            unsigned v = (unsigned)(*t++ - '0');
            if (v != 0)
                for (int k = 0; k < 2 && t < end && *t >= '0' && *t <= '9'; k++)
                    v = v * 10 + (unsigned)(*t++ - '0');
            if (v > 255 || n == PHASE_EVENT_MAX / 2 || t >= end)
                return false;
            r->data[n++] = (uint8_t)v;
            if (*t == ']') {
                t++;
                break;
            }
            if (*t++ != ',')
                return false;
        }
    }
    static const char mid[] = ",\"kind\":\"";
    if ((size_t)(end - t) < sizeof mid - 1 || memcmp(t, mid, sizeof mid - 1) != 0)
        return false;
    t += sizeof mid - 1;
    size_t k = 0;
    while (t < end && ((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '_')) {
        if (k == 64)
            return false;
        kind[k++] = *t++;
    }
    kind[k] = '\0';
    static const char tail[] = "\",\"seq\":";
    if (k == 0 || (size_t)(end - t) < sizeof tail - 1 || memcmp(t, tail, sizeof tail - 1) != 0)
        return false;
    t += sizeof tail - 1;
    uint64_t v = 0;
    const char *digits = t;
    while (t < end && *t >= '0' && *t <= '9') {
        unsigned d = (unsigned)(*t++ - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (t == digits || (*digits == '0' && t - digits > 1))
        return false;
    if (end - t != 2 || t[0] != '}' || t[1] != '}')
        return false;
    *n_data = n;
    *seq = v;
    return true;
}

static int rd_get(ereader_t *r)
{
    int ch = getc_unlocked(r->f);
    if (ch != EOF)
        r->read++;
    return ch;
}

static int rd_skip_ws(ereader_t *r)
{
    int ch;
    do
        ch = rd_get(r);
    while (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
    return ch;
}

/* Reads one element starting with ch (it must be an object) into r->text,
 * tracking strings and nesting, without interpreting anything else: the
 * strict parser sees each element whole. */
static int rd_element(ereader_t *r, int ch, size_t i, err_t *e)
{
    r->text.len = 0;
    if (ch != '{')
        return err_set(e, PHASE_EINVAL, "events[%zu]: not an externally tagged JobEvent", i);
    int depth = 0;
    bool in_str = false, esc = false;
    for (;;) {
        if (ch == EOF)
            return err_set(e, PHASE_EINVAL, "%s: truncated in events[%zu] (offset %llu)", r->path,
                           i, (unsigned long long)r->read);
        char c = (char)ch;
        if (r->text.len == PHASE_EVENT_MAX)
            return err_set(e, PHASE_EINVAL, "events[%zu]: longer than %u bytes, the limit of "
                           "one JobEvent", i, (unsigned)PHASE_EVENT_MAX);
        r->text.data[r->text.len++] = (uint8_t)c; /* room reserved up front */
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return PHASE_OK;
        }
        ch = rd_get(r);
    }
}

static int replay_stream(ereader_t *r, phase_commit_t *c, json_t **final_result, err_t *e)
{
    const json_t *fin = NULL;
    int ch = rd_skip_ws(r);
    if (ch != '[')
        return err_set(e, PHASE_EINVAL, "events: expected a JSON array of JobEvent");
    ch = rd_skip_ws(r);
    size_t i = 0;
    if (ch != ']') {
        for (;; i++) {
            int rc = rd_element(r, ch, i, e);
            if (rc != PHASE_OK)
                return rc;
            if (r->read > PHASE_EVENTS_MAX)
                break;
            size_t n_data;
            char kind[65];
            uint64_t seq;
            if (fast_output(r, &n_data, kind, &seq)) { /* as replay_event() does */
                if (fin)
                    return err_set(e, PHASE_EINVAL, "events[%zu]: event after Final", i);
                if (seq != c->count)
                    return err_set(e, PHASE_EMISMATCH,
                                   "events[%zu]: seq %llu out of order (expected %llu)", i,
                                   (unsigned long long)seq, (unsigned long long)c->count);
                phase_commit_add(c, seq, kind, r->data, n_data);
                goto next;
            }
            json_t *ev = cjson_parse((const char *)r->text.data, r->text.len, e);
            if (!ev)
                return PHASE_EINVAL; /* e names the offset within the event */
            rc = replay_event(ev, i, c, &fin, e);
            if (rc == PHASE_OK && fin && !*final_result)
                *final_result = json_incref((json_t *)fin);
            json_decref(ev);
            if (rc != PHASE_OK)
                return rc;
        next:
            ch = rd_skip_ws(r);
            if (ch == ']')
                break;
            if (ch != ',')
                return err_set(e, PHASE_EINVAL, "%s: expected ',' or ']' after events[%zu]",
                               r->path, i);
            ch = rd_skip_ws(r);
        }
        i++;
    }
    if (r->read > PHASE_EVENTS_MAX)
        return err_set(e, PHASE_EINVAL, "%s: longer than %llu bytes, the limit of a JobEvent "
                       "stream", r->path, (unsigned long long)PHASE_EVENTS_MAX);
    if (rd_skip_ws(r) != EOF)
        return err_set(e, PHASE_EINVAL, "%s: trailing characters after the events", r->path);
    if (ferror(r->f))
        return err_set(e, PHASE_EIO, "%s: read error", r->path);
    if (!fin)
        return err_set(e, PHASE_EINVAL, "events: no Final event (of %zu)", i);
    return PHASE_OK;
}

int phase_events_replay_file(const char *path, phase_commit_t *c, json_t **final_result,
                             err_t *e)
{
    *final_result = NULL;
    phase_commit_init(c);
    ereader_t r = {.path = path};
    r.f = fopen(path, "r");
    if (!r.f)
        return err_set(e, PHASE_EIO, "%s: %s", path, strerror(errno));
    buf_init(&r.text, 0);
    r.data = malloc(PHASE_EVENT_MAX / 2);
    int rc = buf_reserve(&r.text, PHASE_EVENT_MAX) == BASE_OK && r.data
                 ? replay_stream(&r, c, final_result, e)
                 : err_set(e, BASE_ENOMEM, "events: out of memory");
    free(r.data);
    buf_free(&r.text);
    fclose(r.f);
    if (rc != PHASE_OK) {
        json_decref(*final_result);
        *final_result = NULL;
    }
    return rc;
}

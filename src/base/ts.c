/*
 * base/ts: RFC 3339 timestamps exactly as chrono's serde serialisation prints
 * a DateTime<Utc> (reference/phase-original.md §2.5 rule 4): the fraction is
 * omitted when the nanoseconds are zero, otherwise it has 3, 6 or 9 digits,
 * whichever is the shortest exact form; the suffix is always Z.
 *
 * Calendar conversion uses Howard Hinnant's days_from_civil algorithm
 * (proleptic Gregorian, valid for the whole 0000..9999 range).
 */
#include "base.h"

#include <stdio.h>
#include <time.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

ts_t ts_now(void)
{
    struct timespec sp;
    clock_gettime(CLOCK_REALTIME, &sp);
    ts_t t = {(int64_t)sp.tv_sec, (uint32_t)sp.tv_nsec};
    return t;
}

int ts_format(ts_t t, char out[TS_STR_MAX])
{
    if (t.nsec > 999999999u)
        return BASE_ERANGE;
    int64_t days = t.sec / 86400;
    int64_t rem = t.sec % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return BASE_ERANGE;
    int n = snprintf(out, TS_STR_MAX, "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    if (t.nsec == 0)
        n += snprintf(out + n, (size_t)(TS_STR_MAX - n), "Z");
    else if (t.nsec % 1000000 == 0)
        n += snprintf(out + n, (size_t)(TS_STR_MAX - n), ".%03uZ", t.nsec / 1000000);
    else if (t.nsec % 1000 == 0)
        n += snprintf(out + n, (size_t)(TS_STR_MAX - n), ".%06uZ", t.nsec / 1000);
    else
        n += snprintf(out + n, (size_t)(TS_STR_MAX - n), ".%09uZ", t.nsec);
    return n;
}

static bool digits(const char *s, size_t n, size_t at, size_t count, unsigned *v)
{
    if (at + count > n)
        return false;
    unsigned x = 0;
    for (size_t i = 0; i < count; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return false;
        x = x * 10 + (unsigned)(c - '0');
    }
    *v = x;
    return true;
}

static bool expect(const char *s, size_t n, size_t at, char c)
{
    return at < n && s[at] == c;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int ts_parse(const char *s, size_t n, ts_t *out, err_t *e)
{
    unsigned y, mo, d, h, mi, se;
    if (!digits(s, n, 0, 4, &y) || !expect(s, n, 4, '-') || !digits(s, n, 5, 2, &mo) ||
        !expect(s, n, 7, '-') || !digits(s, n, 8, 2, &d))
        return err_set(e, BASE_EINVAL, "timestamp: bad date (want YYYY-MM-DD)");
    if (n <= 10 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return err_set(e, BASE_EINVAL, "timestamp: missing 'T' at offset 10");
    if (!digits(s, n, 11, 2, &h) || !expect(s, n, 13, ':') || !digits(s, n, 14, 2, &mi) ||
        !expect(s, n, 16, ':') || !digits(s, n, 17, 2, &se))
        return err_set(e, BASE_EINVAL, "timestamp: bad time (want HH:MM:SS)");
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return err_set(e, BASE_EINVAL, "timestamp: date out of range");
    if (h > 23 || mi > 59 || se > 59)
        return err_set(e, BASE_EINVAL, "timestamp: time out of range (leap seconds unsupported)");
    size_t at = 19;
    uint32_t nsec = 0;
    if (at < n && s[at] == '.') {
        at++;
        size_t start = at;
        uint32_t scale = 100000000;
        while (at < n && s[at] >= '0' && s[at] <= '9') {
            /* like chrono, digits beyond nanoseconds are read and dropped */
            if (scale > 0) {
                nsec += (uint32_t)(s[at] - '0') * scale;
                scale /= 10;
            }
            at++;
        }
        if (at == start)
            return err_set(e, BASE_EINVAL, "timestamp: empty fraction at offset %zu", start);
    }
    int64_t offset = 0;
    if (at < n && (s[at] == 'Z' || s[at] == 'z')) {
        at++;
    } else if (at < n && (s[at] == '+' || s[at] == '-')) {
        unsigned oh, om;
        int sign = s[at] == '-' ? -1 : 1;
        if (!digits(s, n, at + 1, 2, &oh) || !expect(s, n, at + 3, ':') ||
            !digits(s, n, at + 4, 2, &om) || oh > 23 || om > 59)
            return err_set(e, BASE_EINVAL, "timestamp: bad offset at %zu", at);
        offset = sign * (int64_t)(oh * 3600 + om * 60);
        at += 6;
    } else {
        return err_set(e, BASE_EINVAL, "timestamp: missing zone (Z or +hh:mm) at offset %zu", at);
    }
    if (at != n)
        return err_set(e, BASE_EINVAL, "timestamp: trailing characters at offset %zu", at);
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    out->sec = secs;
    out->nsec = nsec;
    return BASE_OK;
}

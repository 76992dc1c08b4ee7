/* Unattended use: the age filter, CSV, JSON, the log and the progress line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define NOW 1700000000

static int
setup(void **state)
{
	return fake_setup_profile(state);
}

static void
test_parse_age(void **state)
{
	const char *why;
	int64_t s;

	(void)state;
	assert_int_equal(parse_age("90s", &s, &why), 0);
	assert_int_equal(s, 90);
	assert_int_equal(parse_age("30m", &s, &why), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(parse_age("12h", &s, &why), 0);
	assert_int_equal(s, 43200);
	assert_int_equal(parse_age("7d", &s, &why), 0);
	assert_int_equal(s, 604800);
	assert_int_equal(parse_age("0s", &s, &why), 0);
	assert_int_equal(s, 0);
	assert_int_equal(parse_age("36500d", &s, &why), 0);

	assert_int_equal(parse_age("7", &s, &why), -1);
	assert_contains(why, "no unit: write s, m, h or d");
	assert_int_equal(parse_age("7w", &s, &why), -1);
	assert_contains(why, "unknown unit");
	assert_int_equal(parse_age("7dd", &s, &why), -1);
	assert_int_equal(parse_age("-7d", &s, &why), -1);
	assert_int_equal(parse_age("d", &s, &why), -1);
	assert_int_equal(parse_age("", &s, &why), -1);
	assert_int_equal(parse_age(" 7d", &s, &why), -1);
	assert_int_equal(parse_age("99999999999999999999d", &s, &why), -1);
	assert_contains(why, "too large");
	assert_int_equal(parse_age("40000d", &s, &why), -1);
}

static void
test_older_than_keeps_young(void **state)
{
	(void)state;
	fake_file(D, "old.mmp", 0);
	fake_set_mtime(D, "old.mmp", NOW - 2 * 86400);
	fake_file(D, "new.mmp", 0);
	fake_set_mtime(D, "new.mmp", NOW - 3600);
	fake_file(D, "edge.mmp", 0);
	fake_set_mtime(D, "edge.mmp", NOW - 86400);	/* exactly 1d: young */
	fake_file(D, "future.mmp", 0);
	fake_set_mtime(D, "future.mmp", NOW + 3600);
	assert_int_equal(fake_run("-d", "--older-than", "1d", NULL),
	    EXIT_CLEAN);
	assert_false(fake_exists(D, "old.mmp"));
	assert_true(fake_exists(D, "new.mmp"));
	assert_true(fake_exists(D, "edge.mmp"));
	assert_true(fake_exists(D, "future.mmp"));
	/* young files are not even opened */
	assert_int_equal(fake_opens(D, "new.mmp"), 0);
	assert_contains(fake_out(), "young     C:\\mmp\\new.mmp\n");
	assert_contains(fake_out(), "1 deleted, 0 locked, 0 read-only, "
	    "0 skipped, 0 errors, 3 young\n");
}

static void
test_older_than_zero_keeps_future(void **state)
{
	(void)state;
	fake_file(D, "old.mmp", 0);
	fake_set_mtime(D, "old.mmp", NOW - 1);
	fake_file(D, "now.mmp", 0);
	fake_set_mtime(D, "now.mmp", NOW);		/* age 0: not older */
	fake_file(D, "future.mmp", 0);
	fake_set_mtime(D, "future.mmp", NOW + 86400);	/* clock skew */
	assert_int_equal(fake_run("-d", "--older-than", "0s", NULL),
	    EXIT_CLEAN);
	assert_false(fake_exists(D, "old.mmp"));
	assert_true(fake_exists(D, "now.mmp"));
	assert_true(fake_exists(D, "future.mmp"));
	assert_contains(fake_out(), "young     C:\\mmp\\future.mmp\n");
	assert_contains(fake_out(), "1 deleted, 0 locked, 0 read-only, "
	    "0 skipped, 0 errors, 2 young\n");
}

static void
test_csv_quote_without_comma(void **state)
{
	(void)state;
	fake_file(D, "a\"b.mmp", 0);
	assert_int_equal(fake_run("--format", "csv", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(),
	    "status,path,size,last_write_utc,reason,computer\n"
	    "unlocked,\"C:\\mmp\\a\"\"b.mmp\",100,2023-11-13T22:13:20Z,,WEB1\n");
}

static void
test_csv_odd_names_shown(void **state)
{
	(void)state;
	/* a control character, a lone surrogate, a byte that is not UTF-8 */
	fake_file(D, "c\x01\x1f\xed\xa0\x80\xff.mmp", 0);
	fake_file(D, "l.mmp", PLAT_A_LINK);
	assert_int_equal(fake_run("--format", "csv", NULL), EXIT_FAILED);
	assert_string_equal(fake_out(),
	    "status,path,size,last_write_utc,reason,computer\n"
	    "unlocked,C:\\mmp\\c\\x01\\x1F\\uD800\\xFF.mmp,100,"
	    "2023-11-13T22:13:20Z,,WEB1\n"
	    "skipped,C:\\mmp\\l.mmp,100,2023-11-13T22:13:20Z,"
	    "\"a link or reparse point, not a plain file in this directory; "
	    "left alone\",WEB1\n");
}

static void
test_json_every_control_escaped(void **state)
{
	char name[64], want[128];

	(void)state;
	for (int c = 1; c < 0x20; c++) {
		fake_reset();
		fake_reg(VIEW_64, D, 0);
		snprintf(name, sizeof(name), "x%cy.mmp", c);
		fake_file(D, name, 0);
		assert_int_equal(fake_run("--format", "json", NULL),
		    EXIT_CLEAN);
		snprintf(want, sizeof(want), "\"path\":\"C:\\\\mmp\\\\x\\u%04xy"
		    ".mmp\"", c);
		assert_contains(fake_out(), want);
	}
	fake_file(D, "d\x7f\xff.mmp", 0);
	assert_int_equal(fake_run("--format", "json", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "\"path\":\"C:\\\\mmp\\\\d\\u007f\\ufffd"
	    ".mmp\"");
}

static void
test_json_two_directories(void **state)
{
	(void)state;
	fake_file("C:\\a", "a.mmp", 0);
	fake_file("C:\\a", "b.mmp", 0);
	fake_file("C:\\b", "c.mmp", 0);
	fake_lock("C:\\b", "c.mmp", -1);
	fake_file("C:\\b", "d.mmp", 0);
	assert_int_equal(fake_run("-d", "--format", "json", "--dir", "C:\\a",
	    "--dir", "C:\\b", NULL), EXIT_LOCKED);
	assert_string_equal(fake_out(),
	    "{\"mmpclean\":\"" MMPCLEAN_VERSION "\",\"computer\":\"WEB1\",\"mode\":\"delete\","
	    "\"started\":\"2023-11-14T22:13:20Z\",\"directories\":["
	    "{\"path\":\"C:\\\\a\",\"source\":\"--dir\",\"files\":["
	    "{\"status\":\"deleted\",\"path\":\"C:\\\\a\\\\a.mmp\","
	    "\"size\":100,\"last_write\":\"2023-11-13T22:13:20Z\","
	    "\"reason\":null},"
	    "{\"status\":\"deleted\",\"path\":\"C:\\\\a\\\\b.mmp\","
	    "\"size\":100,\"last_write\":\"2023-11-13T22:13:20Z\","
	    "\"reason\":null}],\"error\":null},"
	    "{\"path\":\"C:\\\\b\",\"source\":\"--dir\",\"files\":["
	    "{\"status\":\"deleted\",\"path\":\"C:\\\\b\\\\d.mmp\","
	    "\"size\":100,\"last_write\":\"2023-11-13T22:13:20Z\","
	    "\"reason\":null},"
	    "{\"status\":\"locked\",\"path\":\"C:\\\\b\\\\c.mmp\","
	    "\"size\":100,\"last_write\":\"2023-11-13T22:13:20Z\","
	    "\"reason\":null}],\"error\":null}],"
	    "\"summary\":{\"files\":4,\"directories\":2,\"deleted\":3,"
	    "\"locked\":1,\"pending\":0,\"read_only\":0,\"skipped\":0,"
	    "\"errors\":0,\"young\":0,\"scheduled\":0,"
	    "\"directory_errors\":0,\"services\":[]},"
	    "\"exit_status\":1}\n");
}

/* The clock's own reading, from the C library, for comparison. */
static void
libc_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	assert_non_null(gmtime_r(&tt, &tm));
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
expect_time(int64_t t, const char *want)
{
	struct sbuf b = { 0 };

	sb_add_time(&b, t);
	assert_string_equal(b.s, want);
	sb_free(&b);
}

static void
test_time_every_month_and_leap_day(void **state)
{
	char want[64];

	(void)state;
	/* the edges a calendar gets wrong, written out */
	expect_time(0, "1970-01-01T00:00:00Z");
	expect_time(-1, "1969-12-31T23:59:59Z");
	expect_time(951782400, "2000-02-29T00:00:00Z");
	expect_time(951868799, "2000-02-29T23:59:59Z");
	expect_time(1709164800, "2024-02-29T00:00:00Z");
	expect_time(1709251199, "2024-02-29T23:59:59Z");
	expect_time(1677542400, "2023-02-28T00:00:00Z");
	expect_time(1677628800, "2023-03-01T00:00:00Z");
	expect_time(4107456000, "2100-02-28T00:00:00Z");
	expect_time(4107542400, "2100-03-01T00:00:00Z");
	expect_time(1704067199, "2023-12-31T23:59:59Z");
	expect_time(-11644473600, "1601-01-01T00:00:00Z");	/* FILETIME 0 */
	/* every day from 1968 to 2104, at a time of day that moves */
	for (int64_t t = -63158400, i = 0; t < 4262889600; t += 86400, i++) {
		int64_t at = t + (i * 3607) % 86400;
		struct sbuf b = { 0 };

		libc_time(at, want, sizeof(want));
		sb_add_time(&b, at);
		if (strcmp(b.s, want) != 0)
			fail_msg("%lld: %s, not %s", (long long)at, b.s, want);
		sb_free(&b);
	}
}

static void
expect_display(const char *name, const char *want)
{
	struct sbuf b = { 0 };

	sb_add_display(&b, name);
	assert_string_equal(b.s ? b.s : "", want);
	sb_free(&b);
}

static void
test_display_escapes(void **state)
{
	(void)state;
	expect_display("plain \xd0\x9f\xf0\x9f\x98\x80.mmp",
	    "plain \xd0\x9f\xf0\x9f\x98\x80.mmp");
	expect_display("a\x01\x1f\x7f" "b", "a\\x01\\x1F\\x7Fb");
	expect_display("s\xed\xa0\x80\xed\xbf\xbf", "s\\uD800\\uDFFF");
	expect_display("o\xe0\x80\xaf", "o\\xE0\\x80\\xAF");	/* overlong / */
	expect_display("c\xc3(", "c\\xC3(");	/* no continuation byte */
	expect_display("h\xf4\x90\x80\x80", "h\\xF4\\x90\\x80\\x80");
	expect_display("\xff\xfe", "\\xFF\\xFE");
}

static void
test_older_than_bad_values(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--older-than", "7", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--older-than '7' has no unit");
	assert_int_equal(fake_run("--older-than", "1y", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--older-than '1y' has an unknown unit");
	assert_int_equal(fake_run("--older-than", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "option '--older-than' needs a value");
}

static void
test_csv(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "we,\"ird\".mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	fake_file(D, "c.mmp", 0);
	fake_fail(D, "c.mmp", PST_DENIED);
	assert_int_equal(fake_run("-d", "--format", "csv", NULL), EXIT_FAILED);
	assert_string_equal(fake_out(),
	    "status,path,size,last_write_utc,reason,computer\n"
	    "deleted,C:\\mmp\\a.mmp,100,2023-11-13T22:13:20Z,,WEB1\n"
	    "deleted,\"C:\\mmp\\we,\"\"ird\"\".mmp\",100,2023-11-13T22:13:20Z,"
	    ",WEB1\n"
	    "error,C:\\mmp\\c.mmp,100,2023-11-13T22:13:20Z,access denied,"
	    "WEB1\n"
	    "locked,C:\\mmp\\b.mmp,100,2023-11-13T22:13:20Z,,WEB1\n");
}

static void
test_json(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "q\"\\\x01\xed\xa0\x80.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	assert_int_equal(fake_run("--format=json", NULL), EXIT_LOCKED);
	assert_string_equal(fake_out(),
	    "{\"mmpclean\":\"" MMPCLEAN_VERSION "\",\"computer\":\"WEB1\",\"mode\":\"report\","
	    "\"started\":\"2023-11-14T22:13:20Z\",\"directories\":["
	    "{\"path\":\"C:\\\\mmp\",\"source\":\"registry, 64-bit view\","
	    "\"files\":["
	    "{\"status\":\"unlocked\",\"path\":\"C:\\\\mmp\\\\a.mmp\","
	    "\"size\":100,\"last_write\":\"2023-11-13T22:13:20Z\","
	    "\"reason\":null},"
	    "{\"status\":\"unlocked\",\"path\":"
	    "\"C:\\\\mmp\\\\q\\\"\\\\\\u0001\\ud800.mmp\","
	    "\"size\":100,\"last_write\":\"2023-11-13T22:13:20Z\","
	    "\"reason\":null},"
	    "{\"status\":\"locked\",\"path\":\"C:\\\\mmp\\\\b.mmp\","
	    "\"size\":100,\"last_write\":\"2023-11-13T22:13:20Z\","
	    "\"reason\":null}],\"error\":null}],"
	    "\"summary\":{\"files\":3,\"directories\":1,\"unlocked\":2,"
	    "\"locked\":1,\"pending\":0,\"read_only\":0,\"skipped\":0,"
	    "\"errors\":0,\"young\":0,\"scheduled\":0,\"directory_errors\":0,"
	    "\"services\":[]},"
	    "\"exit_status\":1}\n");
}

static void
test_json_directory_error(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\nowhere", 0);
	assert_int_equal(fake_run("--format", "json", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "{\"path\":\"C:\\\\nowhere\",\"source\":"
	    "\"registry, 64-bit view\",\"files\":[],\"error\":\"cannot open "
	    "directory 'C:\\\\nowhere' named by registry value");
	assert_contains(fake_out(), "\"exit_status\":3}\n");
}

static void
test_json_where(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--where", "--format", "json", "--all",
	    NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "{\"mmpclean\":\"" MMPCLEAN_VERSION
	    "\",\"computer\":\"WEB1\",\"directories\":[{\"path\":"
	    "\"C:\\\\mmp\",\"source\":\"registry, 64-bit view\",\"error\":null},"
	    "{\"path\":\"C:\\\\WINDOWS\","
	    "\"source\":\"Windows directory\",\"error\":null}],\"exit_status\":0}\n");
	assert_int_equal(fake_run("--where", "--format", "csv", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(),
	    "path,source,computer\nC:\\mmp,\"registry, 64-bit view\",WEB1\n");
}

static void
test_format_bad(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--format", "xml", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--format 'xml' is not a format: use "
	    "text, csv or json");
}

static void
test_log_lines(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	assert_int_equal(fake_run("-d", "-q", "--log", "C:\\logs\\m.log",
	    NULL), EXIT_LOCKED);
	assert_string_equal(fake_out(), "");
	assert_string_equal(fake_log(),
	    "2023-11-14T22:13:20Z mmpclean[4242] deleted   C:\\mmp\\a.mmp\n"
	    "2023-11-14T22:13:20Z mmpclean[4242] locked    C:\\mmp\\b.mmp\n"
	    "2023-11-14T22:13:20Z mmpclean[4242] summary   C:\\mmp: 2 .mmp "
	    "files: 1 deleted, 1 locked, 0 read-only, 0 skipped, 0 errors\n"
	    "2023-11-14T22:13:20Z mmpclean[4242] finished  exit status 1\n");
}

static void
test_log_directory_error(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\nowhere", 0);
	assert_int_equal(fake_run("--log", "C:\\m.log", NULL), EXIT_NODIR);
	assert_contains(fake_log(), "error     C:\\nowhere  (cannot open "
	    "directory");
}

static void
test_log_cannot_open_cleanup_runs(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_log_fail(PST_DENIED, 0);
	assert_int_equal(fake_run("-d", "--log", "C:\\m.log", NULL),
	    EXIT_FAILED);
	assert_false(fake_exists(D, "a.mmp"));
	assert_contains(fake_err(), "cannot open log file 'C:\\m.log': "
	    "access denied");
}

static void
test_log_write_fails_once_said(void **state)
{
	const char *e;

	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_log_fail(PST_OK, 1);
	assert_int_equal(fake_run("-d", "--log", "C:\\m.log", NULL),
	    EXIT_FAILED);
	assert_false(fake_exists(D, "a.mmp"));
	assert_false(fake_exists(D, "b.mmp"));
	e = strstr(fake_err(), "cannot write to log file 'C:\\m.log'");
	assert_non_null(e);
	assert_null(strstr(e + 1, "cannot write to log file"));
}

static void
test_exit_status_when_stdout_fails(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_out_fail(1);
	assert_int_equal(fake_run("-d", "--log", "C:\\m.log", "--eventlog",
	    NULL), EXIT_FAILED);
	assert_false(fake_exists(D, "a.mmp"));
	assert_contains(fake_err(), "cannot write to standard output");
	/* the log and the event give the status the run exits with */
	assert_contains(fake_log(), "] finished  exit status 2\n");
	assert_string_equal(fake_events(), "2 1002 1 .mmp file in 1 directory: "
	    "1 deleted, 0 locked, 0 read-only, 0 skipped, 0 errors; exit "
	    "status 2\n");
}

static void
test_exit_status_when_only_the_last_flush_fails(void **state)
{
	const char *e;

	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_flush_fail(1);	/* every write taken, every flush fails */
	assert_int_equal(fake_run("-d", "--log", "C:\\m.log", "--eventlog",
	    NULL), EXIT_FAILED);
	e = strstr(fake_err(), "cannot write to standard output");
	assert_non_null(e);
	assert_null(strstr(e + 1, "cannot write to standard output"));
	assert_contains(fake_log(), "] finished  exit status 2\n");
	assert_contains(fake_events(), "; exit status 2\n");
	fake_flush_fail(0);
	assert_int_equal(fake_run("--version", NULL), EXIT_CLEAN);
	fake_flush_fail(1);
	assert_int_equal(fake_run("--version", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot write to standard output");
}

/*
 * The report's end is flushed once, before the event and the log's last
 * line (nothing is written to standard output after it): that flush
 * failing is what the log's status must show.
 */
static void
test_exit_status_when_the_summary_cannot_be_written(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_flush_fail(1);	/* the JSON's end is in the one flush */
	assert_int_equal(fake_run("-d", "--format", "json", "--log",
	    "C:\\m.log", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot write to standard output");
	assert_contains(fake_log(), "] finished  exit status 2\n");
}

/* A flush that fails only at the very end still fails the run. */
static void
test_exit_status_when_the_final_flush_fails(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_flush_fail(2);	/* the report's end went out; the last fails */
	assert_int_equal(fake_run("-d", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot write to standard output");
}

static void
test_json_exit_status_when_log_fails(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_log_fail(PST_OK, 1);
	assert_int_equal(fake_run("-d", "--format", "json", "--log",
	    "C:\\m.log", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "\"deleted\":1,");
	assert_contains(fake_out(), ",\"exit_status\":2}\n");
	fake_file(D, "b.mmp", 0);
	fake_log_fail(PST_DENIED, 0);
	assert_int_equal(fake_run("-d", "--format", "json", "--log",
	    "C:\\m.log", NULL), EXIT_FAILED);
	assert_false(fake_exists(D, "b.mmp"));
	assert_contains(fake_out(), ",\"exit_status\":2}\n");
}

static void
test_log_leaves_out_young(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "y.mmp", 0);
	fake_set_mtime(D, "y.mmp", NOW - 60);
	assert_int_equal(fake_run("-d", "--older-than", "1h", "--log",
	    "C:\\m.log", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "young     C:\\mmp\\y.mmp\n");
	assert_null(strstr(fake_log(), "y.mmp"));
	assert_contains(fake_log(), "] deleted   C:\\mmp\\a.mmp\n");
	assert_contains(fake_log(), "1 deleted, 0 locked, 0 read-only, "
	    "0 skipped, 0 errors, 1 young\n");
}

static void
test_quiet_still_shows_problems(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "r.mmp", PLAT_A_READONLY);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	assert_int_equal(fake_run("-d", "-q", NULL), EXIT_FAILED);
	assert_string_equal(fake_out(), "read-only C:\\mmp\\r.mmp  (read-only "
	    "attribute; --force deletes it)\n");
}

static void
test_log_path_must_be_full(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--log", "m.log", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--log 'm.log' is a relative path");
	assert_int_equal(fake_run("--where", "--log", "C:\\m.log", NULL),
	    EXIT_USAGE);
}

static void
test_progress_only_on_console_stderr(void **state)
{
	(void)state;
	for (int i = 0; i < 20; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%02d.mmp", i);
		fake_file(D, name, 0);
	}
	fake_tick(100);	/* every clock reading 100 ms later */

	fake_console(0, 1);
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "\r1 files seen, 1 deleted, 0 locked");
	/* throttled: at most one update per 250 ms of the fake clock */
	assert_null(strstr(fake_err(), "\r2 files seen"));
	assert_contains(fake_err(), "\r4 files seen");

	fake_reset();
	fake_reg(VIEW_64, D, 0);
	fake_file(D, "a.mmp", 0);
	fake_tick(100);
	fake_console(0, 0);	/* stderr redirected */
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
	assert_string_equal(fake_err(), "");
	fake_console(0, 1);
	fake_file(D, "b.mmp", 0);
	assert_int_equal(fake_run("-d", "-q", NULL), EXIT_CLEAN);
	assert_string_equal(fake_err(), "");
	fake_file(D, "c.mmp", 0);
	assert_int_equal(fake_run("-d", "--format", "csv", NULL), EXIT_CLEAN);
	assert_string_equal(fake_err(), "");
	fake_console(1, 1);	/* the per-file lines show progress already */
	fake_file(D, "d.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
	assert_string_equal(fake_err(), "");
}

static void
test_progress_cleared_before_messages(void **state)
{
	const char *line = "\r1 files seen, 1 deleted, 0 locked";
	char want[256];

	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_console(0, 1);
	assert_int_equal(fake_run("-d", "--dir", D, "--dir", "C:\\gone", NULL),
	    EXIT_NODIR);
	/* the line drawn, then overwritten with spaces, then the message */
	snprintf(want, sizeof(want), "%s\r%*s\rmmpclean: cannot open "
	    "directory 'C:\\gone' (--dir): no such directory\n", line,
	    (int)strlen(line) - 1, "");
	assert_string_equal(fake_err(), want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_parse_age),
		T(test_older_than_keeps_young),
		T(test_older_than_zero_keeps_future),
		T(test_display_escapes),
		T(test_older_than_bad_values),
		T(test_csv),
		T(test_csv_quote_without_comma),
		T(test_csv_odd_names_shown),
		T(test_json),
		T(test_json_every_control_escaped),
		T(test_json_two_directories),
		T(test_time_every_month_and_leap_day),
		T(test_json_directory_error),
		T(test_json_where),
		T(test_format_bad),
		T(test_log_lines),
		T(test_log_directory_error),
		T(test_log_cannot_open_cleanup_runs),
		T(test_log_write_fails_once_said),
		T(test_exit_status_when_stdout_fails),
		T(test_exit_status_when_only_the_last_flush_fails),
		T(test_exit_status_when_the_summary_cannot_be_written),
		T(test_exit_status_when_the_final_flush_fails),
		T(test_json_exit_status_when_log_fails),
		T(test_log_leaves_out_young),
		T(test_quiet_still_shows_problems),
		T(test_log_path_must_be_full),
		T(test_progress_only_on_console_stderr),
		T(test_progress_cleared_before_messages),
#undef T
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

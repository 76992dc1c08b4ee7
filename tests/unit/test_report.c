/* Unattended use: the age filter, CSV, JSON, the log and the progress line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

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
	    "status,path,size,last_write_utc,reason\n"
	    "deleted,C:\\mmp\\a.mmp,100,2023-11-13T22:13:20Z,\n"
	    "deleted,\"C:\\mmp\\we,\"\"ird\"\".mmp\",100,2023-11-13T22:13:20Z,\n"
	    "error,C:\\mmp\\c.mmp,100,2023-11-13T22:13:20Z,access denied\n"
	    "locked,C:\\mmp\\b.mmp,100,2023-11-13T22:13:20Z,\n");
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
	    "{\"mmpclean\":\"" MMPCLEAN_VERSION "\",\"mode\":\"report\","
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
	    "\",\"directories\":[{\"path\":\"C:\\\\mmp\",\"source\":"
	    "\"registry, 64-bit view\",\"error\":null},{\"path\":\"C:\\\\WINDOWS\","
	    "\"source\":\"Windows directory\",\"error\":null}],\"exit_status\":0}\n");
	assert_int_equal(fake_run("--where", "--format", "csv", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(),
	    "path,source\nC:\\mmp,\"registry, 64-bit view\"\n");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_parse_age),
		T(test_older_than_keeps_young),
		T(test_older_than_bad_values),
		T(test_csv),
		T(test_json),
		T(test_json_directory_error),
		T(test_json_where),
		T(test_format_bad),
		T(test_log_lines),
		T(test_log_directory_error),
		T(test_log_cannot_open_cleanup_runs),
		T(test_log_write_fails_once_said),
		T(test_log_path_must_be_full),
		T(test_progress_only_on_console_stderr),
#undef T
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

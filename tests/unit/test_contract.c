/*
 * What scripts and monitoring rely on: the exit status, the log's last
 * line and the event agree; every report format says what went wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static int
setup(void **state)
{
	return fake_setup_profile(state);
}

/* The log's last line: "... finished  exit status N". */
static void
assert_log_status(int status)
{
	char want[64];
	const char *log = fake_log(), *last;

	snprintf(want, sizeof(want), "finished  exit status %d\n", status);
	assert_non_null(last = strstr(log, "finished  exit status"));
	assert_string_equal(last, want);
}

/*
 * A full or closed standard output that shows only when the buffer goes
 * out: the log and the event still carry the status returned.
 */
static void
test_stdout_failure_in_log_and_event(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_out_fail(2);
	assert_int_equal(fake_run("--delete", "--log", "C:\\l.txt",
	    "--eventlog", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot write to standard output");
	assert_log_status(EXIT_FAILED);
	assert_contains(fake_events(), "2 1002 ");
	assert_contains(fake_events(), "; exit status 2");
	assert_null(strstr(fake_events(), "1000"));
	assert_false(fake_exists(D, "a.mmp"));
}

/* The same with JSON and --quiet, where the report is all at the end. */
static void
test_stdout_failure_json_quiet(void **state)
{
	(void)state;
	fake_out_fail(2);
	assert_int_equal(fake_run("--quiet", "--format", "json", "--log",
	    "C:\\l.txt", "--eventlog", NULL), EXIT_FAILED);
	assert_log_status(EXIT_FAILED);
	assert_contains(fake_events(), "2 1002 ");
}

/* And when output works, all three say 0. */
static void
test_status_agrees_when_clean(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	assert_int_equal(fake_run("--delete", "--log", "C:\\l.txt",
	    "--eventlog", NULL), EXIT_CLEAN);
	assert_log_status(EXIT_CLEAN);
	assert_contains(fake_events(), "0 1000 ");
}

/* An event that cannot be written: the log's last line says 2. */
static void
test_event_failure_in_log(void **state)
{
	(void)state;
	fake_event_fail(PST_DENIED);
	assert_int_equal(fake_run("--log", "C:\\l.txt", "--eventlog", NULL),
	    EXIT_FAILED);
	assert_log_status(EXIT_FAILED);
}

/*
 * Started with no standard handles (DETACHED_PROCESS): every write would
 * fail, but a quiet clean run has nothing to write, so it is no failure.
 */
static void
test_no_stdout_nothing_to_write(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_out_fail(1);
	assert_int_equal(fake_run("--quiet", "--delete", "--log", "C:\\l.txt",
	    NULL), EXIT_CLEAN);
	assert_string_equal(fake_err(), "");
	assert_log_status(EXIT_CLEAN);
	assert_false(fake_exists(D, "a.mmp"));
	/* with something to print, it is exit 2 */
	fake_file(D, "b.mmp", 0);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot write to standard output");
}

/*
 * --log naming a *.mmp in the scanned directory: mmpclean's own file,
 * held open by it, is neither locked nor waited for.
 */
static void
test_own_log_left_alone(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	assert_int_equal(fake_run("--delete", "--wait", "30", "--log",
	    "C:\\mmp\\run.mmp", NULL), EXIT_CLEAN);
	assert_false(fake_exists(D, "a.mmp"));
	assert_true(fake_exists(D, "run.mmp"));
	assert_null(strstr(fake_out(), "locked    "));
	assert_contains(fake_out(), "1 .mmp file in 1 directory: 1 deleted, 0 locked");
	assert_null(strstr(fake_out(), "run.mmp"));
	assert_string_equal(fake_err(), "");
	assert_int_equal(fake_slept(), 0);
	assert_log_status(EXIT_CLEAN);
	assert_contains(fake_log(), "deleted   C:\\mmp\\a.mmp");
}

static void
test_own_log_said_in_verbose(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--verbose", "--log", "C:\\mmp\\run.mmp",
	    NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "mmpclean: 'C:\\mmp\\run.mmp' is this "
	    "run's --log file; left alone\n");
}

/* By identity: another name for the directory, another case. */
static void
test_own_log_by_identity(void **state)
{
	(void)state;
	fake_dir_alias("D:\\alias", D);
	fake_file(D, "Run.mmp", 0);
	fake_file(D, "other.mmp", 0);
	fake_lock(D, "other.mmp", -1);
	assert_int_equal(fake_run("--log", "D:\\alias\\RUN.MMP", NULL),
	    EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\other.mmp");
	assert_null(strstr(fake_out(), "Run.mmp"));
	assert_contains(fake_out(), "1 .mmp file in 1 directory");
}

/* ---- every report format says what went wrong ---- */

/* A registry value that names no usable directory, in JSON and CSV. */
static void
test_bad_value_in_json(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "mmp", 0);
	assert_int_equal(fake_run("--format", "json", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "\"directories\":[{\"path\":\"mmp\","
	    "\"source\":\"registry, 64-bit view\",\"files\":[],\"error\":"
	    "\"registry value 'HKLM\\\\Software\\\\Microsoft\\\\Windows "
	    "Messaging Subsystem\\\\ProfileDirectory' (64-bit view) \\\"mmp\\\" "
	    "is a relative path");
	assert_contains(fake_out(), "\"directory_errors\":1,");
	assert_contains(fake_out(), "\"exit_status\":3}\n");
	assert_contains(fake_err(), "is a relative path");
}

static void
test_bad_value_in_csv(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "mmp", 0);
	assert_int_equal(fake_run("--format", "csv", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "status,path,size,last_write_utc,reason,computer\n"
	    "error,mmp,,,\"registry value 'HKLM\\Software\\Microsoft\\Windows "
	    "Messaging Subsystem\\ProfileDirectory' (64-bit view) \"\"mmp\"\" "
	    "is a relative path");
}

/* A value of the wrong type has no path: null in JSON, empty in CSV. */
static void
test_wrong_type_value(void **state)
{
	(void)state;
	fake_reg_type(VIEW_32, 4);
	fake_file(D, "a.mmp", 0);
	assert_int_equal(fake_run("--format", "json", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "{\"path\":null,\"source\":\"registry, "
	    "32-bit view\",\"files\":[],\"error\":\"registry value");
	assert_contains(fake_out(), "has type REG_DWORD (4)");
	assert_int_equal(fake_run("--format", "csv", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "\nerror,,,,registry value 'HKLM");
	/* the good view is still scanned */
	assert_contains(fake_out(), "\nunlocked,C:\\mmp\\");
}

/* A directory that cannot be opened, or listed to the end: a CSV row. */
static void
test_directory_errors_in_csv(void **state)
{
	(void)state;
	fake_dir_fail(D, PST_DENIED);
	assert_int_equal(fake_run("--format", "csv", NULL), EXIT_NODIR);
	assert_string_equal(fake_out(), "status,path,size,last_write_utc,"
	    "reason,computer\nerror,C:\\mmp,,,cannot open directory 'C:\\mmp' "
	    "named by registry value 'HKLM\\Software\\Microsoft\\Windows "
	    "Messaging Subsystem\\ProfileDirectory' (64-bit view): access "
	    "denied,WEB1\n");

	fake_reset();
	fake_reg(VIEW_64, D, 0);
	fake_dir(D);
	fake_file(D, "a.mmp", 0);
	fake_list_fail(D, PST_IO);
	assert_int_equal(fake_run("--format", "csv", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "\nunlocked,C:\\mmp\\a.mmp,");
	assert_contains(fake_out(), "\nerror,C:\\mmp,,,cannot list directory "
	    "'C:\\mmp': ");
}

/* The text summary and the event count the directories that failed. */
static void
test_summary_counts_failed_directories(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "mmp", 0);
	fake_reg(VIEW_32, "C:\\gone", 0);
	assert_int_equal(fake_run("--eventlog", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "0 .mmp files in 0 directories: 0 "
	    "unlocked, 0 locked, 0 read-only, 0 skipped, 0 errors; 2 "
	    "directories could not be scanned\n");
	assert_contains(fake_events(), "; 2 directories could not be "
	    "scanned; exit status 3");
}

/* --where: JSON says which directory could not be resolved, and why. */
static void
test_where_json_error(void **state)
{
	(void)state;
	fake_reg(VIEW_32, "C:\\a\\..\\b", 0);
	assert_int_equal(fake_run("--where", "--format", "json", NULL),
	    EXIT_NODIR);
	assert_contains(fake_out(), "{\"path\":\"C:\\\\mmp\",\"source\":"
	    "\"registry, 64-bit view\",\"error\":null},{\"path\":\"C:\\\\a\\\\"
	    "..\\\\b\",\"source\":\"registry, 32-bit view\",\"error\":"
	    "\"registry value");
}

/* JSON is ASCII: \u escapes for every other character, pairs above FFFF. */
static void
test_json_ascii_only(void **state)
{
	(void)state;
	fake_file(D, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f.mmp", 0);
	assert_int_equal(fake_run("--format", "json", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "\"path\":\"C:\\\\mmp\\\\\\u00e9\\u20ac"
	    "\\ud83d\\ude00\\u007f.mmp\"");
	for (const char *p = fake_out(); *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			fail_msg("a byte 0x%02X in the JSON: %s",
			    (unsigned char)*p, fake_out());
}

/* ---- wording a careful admin expects ---- */

/* A REG_SZ value holding %windir%: only REG_EXPAND_SZ is expanded. */
static void
test_reg_sz_with_variable(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "%windir%\\Temp", 0);
	assert_int_equal(fake_run(NULL), EXIT_NODIR);
	assert_contains(fake_err(), "(64-bit view) \"%windir%\\Temp\" is "
	    "REG_SZ, so %windir% in it is not expanded: only REG_EXPAND_SZ "
	    "values are\n");
	/* as REG_EXPAND_SZ it is expanded */
	fake_reset();
	fake_env("windir", "C:\\WINDOWS");
	fake_dir("C:\\WINDOWS\\Temp");
	fake_reg(VIEW_64, "%windir%\\Temp", 1);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "C:\\WINDOWS\\Temp  (registry, 64-bit "
	    "view)");
	/* a lone percent sign is part of a name */
	fake_reset();
	fake_reg(VIEW_64, "C:\\100%", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
}

/* A 40 KB value: "too long", and not 40 KB of message. */
static void
test_value_too_long(void **state)
{
	static char big[40 * 1024];

	(void)state;
	memcpy(big, "C:\\", 3);
	memset(big + 3, 'a', sizeof(big) - 4);
	fake_reg(VIEW_64, big, 0);
	assert_int_equal(fake_run("--format", "json", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "(64-bit view) is too long: 40959 "
	    "characters, more than any path (32767)\n");
	assert_true(strlen(fake_err()) < 400);
	assert_true(strlen(fake_out()) < 1000);
	assert_contains(fake_out(), "{\"path\":null,\"source\":\"registry, "
	    "64-bit view\",\"files\":[],\"error\":\"registry value");
}

/* --verbose's per-directory line: "1 .mmp file", not "1 .mmp files". */
static void
test_verbose_one_file(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	assert_int_equal(fake_run("-v", NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "'C:\\mmp': 1 .mmp file in ");
	fake_file(D, "b.mmp", 0);
	assert_int_equal(fake_run("-v", NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "'C:\\mmp': 2 .mmp files in ");
}

/* -q with --configure and friends: problems only, as for a scan. */
static void
test_admin_commands_quiet(void **state)
{
	(void)state;
	fake_account("IUSR_WEB1");
	assert_int_equal(fake_run("--configure", "D:\\m", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "set HKLM\\");
	assert_int_equal(fake_run("-q", "--configure", "D:\\m", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "");
	assert_string_equal(fake_err(), "");
	assert_int_equal(fake_run("-q", "--unconfigure", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "");
	fake_grant_fail(PST_DENIED);
	assert_int_equal(fake_run("-q", "--configure", "D:\\m", NULL),
	    EXIT_FAILED);
	assert_string_equal(fake_out(), "");
	assert_contains(fake_err(), "cannot give 'IUSR_WEB1' modify rights");
}

/* --install-eventlog run twice says the second time that it was there. */
static void
test_install_eventlog_twice(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--install-eventlog", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "registered the event source "
	    "'mmpclean' in the Application log\n");
	assert_int_equal(fake_run("--install-eventlog", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "the event source 'mmpclean' was "
	    "registered already; its message file is now this executable\n");
}

/*
 * Webtemp is scanned whenever Exchange is installed, with or without
 * --all, and --help, README and the manual say so.
 */
static void
test_webtemp_without_all(void **state)
{
	char buf[4096];
	FILE *f;
	size_t n;

	(void)state;
	fake_reg_value(VIEW_32, exchange_key, exchange_value, "D:\\EXCH", 1);
	fake_dir("D:\\EXCH\\Webtemp");
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "C:\\mmp  (registry, 64-bit view)\n"
	    "D:\\EXCH\\Webtemp  (Exchange Webtemp)\n");
	assert_contains(help_text, "Exchange's Webtemp directory (Outlook Web "
	    "Access), with or without --all");
	assert_non_null(f = fopen("README.md", "r"));
	n = 0;
	while (fgets(buf, sizeof(buf), f) != NULL)
		n += strstr(buf, "`Services` directory (default `C:\\EXCHSRVR`), "
		    "with or without `--all`") != NULL;
	fclose(f);
	assert_int_equal(n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_stdout_failure_in_log_and_event),
		T(test_stdout_failure_json_quiet),
		T(test_status_agrees_when_clean),
		T(test_event_failure_in_log),
		T(test_no_stdout_nothing_to_write),
		T(test_own_log_left_alone),
		T(test_own_log_said_in_verbose),
		T(test_own_log_by_identity),
		T(test_bad_value_in_json),
		T(test_bad_value_in_csv),
		T(test_wrong_type_value),
		T(test_directory_errors_in_csv),
		T(test_summary_counts_failed_directories),
		T(test_where_json_error),
		T(test_json_ascii_only),
		T(test_reg_sz_with_variable),
		T(test_value_too_long),
		T(test_verbose_one_file),
		T(test_admin_commands_quiet),
		T(test_install_eventlog_twice),
		T(test_webtemp_without_all),
#undef T
	};

	return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}

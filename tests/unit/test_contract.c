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
#undef T
	};

	return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}

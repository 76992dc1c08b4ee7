/* Locked files: the second look, --wait, --holders, --reboot, Ctrl+C. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "testutil.h"


static int
setup(void **state)
{
	return fake_setup_profile(state);
}

static void
test_wait_until_released(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", 4);	/* free on the fifth look */
	fake_tick(10);
	assert_int_equal(fake_run("-d", "--wait", "60", NULL), EXIT_CLEAN);
	assert_false(fake_exists(D, "a.mmp"));
	assert_int_equal(fake_opens(D, "a.mmp"), 5);
	assert_contains(fake_out(), "deleted   C:\\mmp\\a.mmp\n");
}

static void
test_wait_gives_up(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	/* the fake clock moves only while asleep: every pause is seen */
	assert_int_equal(fake_run("-d", "--wait", "3", NULL), EXIT_LOCKED);
	assert_true(fake_exists(D, "a.mmp"));
	/* growing pauses, the last cut short at the deadline */
	assert_string_equal(fake_sleeps(), "100 200 400 800 1500");
	/* the first look, the second, one after each pause */
	assert_int_equal(fake_opens(D, "a.mmp"), 7);
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp\n");
}

static void
test_wait_backoff_grows_to_two_seconds(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	assert_int_equal(fake_run("-d", "--wait", "10", NULL), EXIT_LOCKED);
	assert_string_equal(fake_sleeps(),
	    "100 200 400 800 1600 2000 2000 2000 900");
	assert_int_equal(fake_slept(), 10000);
}

static void
test_wait_one_deadline_for_the_run(void **state)
{
	(void)state;
	fake_file("C:\\a", "a.mmp", 0);
	fake_lock("C:\\a", "a.mmp", -1);
	fake_file("C:\\b", "b.mmp", 0);
	fake_lock("C:\\b", "b.mmp", -1);
	assert_int_equal(fake_run("-d", "--wait", "3", "--dir", "C:\\a",
	    "--dir", "C:\\b", NULL), EXIT_LOCKED);
	/* 3 s in all, spent on the first directory, not 3 s for each */
	assert_string_equal(fake_sleeps(), "100 200 400 800 1500");
	assert_int_equal(fake_opens("C:\\b", "b.mmp"), 2);
	assert_contains(fake_out(), "locked    C:\\b\\b.mmp\n");
}

static void
test_wait_a_day(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	assert_int_equal(fake_run("-d", "--wait", "86400", NULL), EXIT_LOCKED);
	assert_int_equal(fake_slept(), 86400000);
	/* 100+200+...+1600 = 3100 ms, 43198 pauses of 2 s, one of 900 ms */
	assert_int_equal(fake_opens(D, "a.mmp"), 2 + 5 + 43198 + 1);
	assert_non_null(strstr(fake_sleeps(), " 1600 2000 2000 "));
	assert_non_null(strstr(fake_sleeps(), " 2000 2000 900"));
}

static void
test_wait_not_given_two_looks(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	assert_int_equal(fake_run("-d", NULL), EXIT_LOCKED);
	assert_int_equal(fake_opens(D, "a.mmp"), 2);
}

static void
test_wait_bad_values(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--wait", "0", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--wait '0' must be at least 1");
	assert_int_equal(fake_run("--wait", "5s", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--wait '5s' must be a whole number");
	assert_int_equal(fake_run("--wait", "86401", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--wait '86401' is too long (at most "
	    "86400, a day)");
	assert_int_equal(fake_run("--wait", "", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--wait '' must be a number of seconds");
}

static void
test_interrupt_stops_cleanly(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_file(D, "c.mmp", 0);
	fake_interrupt_after(1);
	assert_int_equal(fake_run("-d", NULL), EXIT_FAILED);
	assert_false(fake_exists(D, "a.mmp"));
	assert_true(fake_exists(D, "b.mmp"));
	assert_true(fake_exists(D, "c.mmp"));
	assert_contains(fake_err(), "interrupted");
	assert_contains(fake_out(), "1 .mmp file in 1 directory: 1 deleted");
}

static void
test_wait_not_with_where(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--where", "--wait", "5", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--where lists directories only; "
	    "--holders, --wait and --eventlog do not apply");
	assert_string_equal(fake_out(), "");
}

static void
test_interrupt_skips_later_directories(void **state)
{
	(void)state;
	fake_file("C:\\a", "a.mmp", 0);
	fake_file("C:\\a", "b.mmp", 0);
	fake_file("C:\\b", "c.mmp", 0);
	fake_interrupt_after(1);
	assert_int_equal(fake_run("-d", "--dir", "C:\\a", "--dir", "C:\\b",
	    NULL), EXIT_FAILED);
	assert_false(fake_exists("C:\\a", "a.mmp"));
	assert_true(fake_exists("C:\\a", "b.mmp"));
	assert_true(fake_exists("C:\\b", "c.mmp"));
	assert_int_equal(fake_opens("C:\\b", "c.mmp"), 0);
	assert_contains(fake_out(), "1 .mmp file in 1 directory: 1 deleted");
}

static void
test_interrupt_during_wait(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_tick(10);
	fake_interrupt_sleeps(2);	/* Ctrl+C in the second --wait pause */
	assert_int_equal(fake_run("-d", "--wait", "60", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp\n");
	assert_contains(fake_err(), "interrupted while waiting");
	/* first look, second look, one look after the first pause */
	assert_int_equal(fake_opens(D, "a.mmp"), 3);
	assert_string_equal(fake_sleeps(), "100 200");
}

static void
test_reboot_with_holders(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_holder(D, "a.mmp", 5, "w3wp.exe", "W3SVC");
	assert_int_equal(fake_run("-d", "--reboot", "--holders", NULL),
	    EXIT_LOCKED);
	assert_contains(fake_out(), "scheduled C:\\mmp\\a.mmp  (deleted at "
	    "the next boot; w3wp.exe pid 5, service W3SVC)\n");
}

static void
test_holders_named_one_session(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		char name[16] = "f0.mmp";

		name[1] = (char)('0' + i);
		fake_file(D, name, 0);
		fake_lock(D, name, -1);
		fake_holder(D, name, 1234, "inetinfo.exe", "W3SVC");
	}
	assert_int_equal(fake_run("-d", "--holders", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\f3.mmp  (inetinfo.exe "
	    "pid 1234, service W3SVC)\n");
	assert_contains(fake_out(), "locked files are held by services: W3SVC;");
	/* one holder for all: one Restart Manager session, not eight */
	assert_int_equal(fake_holder_calls(), 1);
}

static void
test_holders_split_per_file(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_holder(D, "a.mmp", 1234, "inetinfo.exe", "W3SVC");
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	fake_holder(D, "b.mmp", 99, "dllhost.exe", "");
	fake_holder(D, "b.mmp", 100, "w3wp.exe", "");
	assert_int_equal(fake_run("--holders", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp  (inetinfo.exe "
	    "pid 1234, service W3SVC)\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\b.mmp  (dllhost.exe "
	    "pid 99; w3wp.exe pid 100)\n");
}

/* One file Restart Manager rejects costs only its own name. */
static void
test_holders_split_on_failure(void **state)
{
	static const char *names[] = { "a.mmp", "b.mmp", "c.mmp", "d.mmp" };

	(void)state;
	for (int i = 0; i < 4; i++) {
		fake_file(D, names[i], 0);
		fake_lock(D, names[i], -1);
		fake_holder(D, names[i], 1234, "inetinfo.exe", "W3SVC");
	}
	fake_holders_fail("c.mmp");
	assert_int_equal(fake_run("--holders", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp  (inetinfo.exe "
	    "pid 1234, service W3SVC)\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\b.mmp  (inetinfo.exe "
	    "pid 1234, service W3SVC)\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\c.mmp  (holder "
	    "unknown)\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\d.mmp  (inetinfo.exe "
	    "pid 1234, service W3SVC)\n");
	/* {abcd} fails, {ab} names one holder, {cd} fails, {c} fails, {d} */
	assert_int_equal(fake_holder_calls(), 5);
}

/* A Restart Manager that always fails is asked a bounded number of times. */
static void
test_holders_failing_bounded(void **state)
{
	(void)state;
	for (int i = 0; i < 100; i++) {
		char name[16] = "f00.mmp";

		name[1] = (char)('0' + i / 10);
		name[2] = (char)('0' + i % 10);
		fake_file(D, name, 0);
		fake_lock(D, name, -1);
	}
	fake_holders_fail("*");
	assert_int_equal(fake_run("--holders", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\f00.mmp  (holder "
	    "unknown)\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\f99.mmp  (holder "
	    "unknown)\n");
	/* four halvings: 1 + 2 + 4 + 8 + 16 sessions, not one per file */
	assert_int_equal(fake_holder_calls(), 31);
}

static void
test_holders_unknown(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	assert_int_equal(fake_run("--holders", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp  (holder "
	    "unknown)\n");
	assert_null(strstr(fake_out(), "services"));
}

static void
test_holders_json(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_holder(D, "a.mmp", 7, "inetinfo.exe", "IISADMIN");
	assert_int_equal(fake_run("--holders", "--format", "json", NULL),
	    EXIT_LOCKED);
	assert_contains(fake_out(), "\"reason\":\"inetinfo.exe pid 7, service "
	    "IISADMIN\"");
	assert_contains(fake_out(), "\"services\":[\"IISADMIN\"]");
}

static void
test_reboot_schedules_locked(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_file(D, "free.mmp", 0);
	assert_int_equal(fake_run("-d", "--reboot", NULL), EXIT_LOCKED);
	assert_true(fake_is_pending("C:\\mmp\\a.mmp"));
	assert_false(fake_is_pending("C:\\mmp\\free.mmp"));
	assert_false(fake_exists(D, "free.mmp"));
	assert_contains(fake_out(), "scheduled C:\\mmp\\a.mmp  (deleted at the "
	    "next boot)\n");
	assert_contains(fake_out(), "1 deleted, 0 locked, 0 read-only, "
	    "0 skipped, 0 errors, 1 scheduled\n");
}

static void
test_reboot_already_pending_not_added(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_pending("C:\\mmp\\a.mmp");
	fake_reboot_fail(PST_IO);	/* adding it again would fail */
	assert_int_equal(fake_run("-d", "--reboot", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "scheduled C:\\mmp\\a.mmp");
}

static void
test_reboot_failure_is_error(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_reboot_fail(PST_DENIED);
	assert_int_equal(fake_run("-d", "--reboot", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "error     C:\\mmp\\a.mmp  (access denied)");
}

/*
 * The delete at boot runs before the network: a UNC --dir is refused on
 * the command line; a UNC directory from the registry, file by file.
 */
static void
test_reboot_refuses_unc(void **state)
{
	(void)state;
	fake_file("\\\\srv\\share\\mmp", "a.mmp", 0);
	fake_lock("\\\\srv\\share\\mmp", "a.mmp", -1);
	assert_int_equal(fake_run("-d", "--reboot", "--dir",
	    "\\\\srv\\share\\mmp", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--reboot cannot schedule files in "
	    "'\\\\srv\\share\\mmp': a network path is not there at boot; "
	    "run mmpclean --reboot on the server itself");
	assert_string_equal(fake_out(), "");
	assert_int_equal(fake_opens("\\\\srv\\share\\mmp", "a.mmp"), 0);
	fake_reg(VIEW_64, "\\\\srv\\share\\mmp", 0);
	assert_int_equal(fake_run("-d", "--reboot", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "error     \\\\srv\\share\\mmp\\a.mmp  "
	    "(not scheduled: on a network drive, which the delete at the next "
	    "boot cannot reach)\n");
	assert_false(fake_is_pending("\\\\srv\\share\\mmp\\a.mmp"));
}

/* A mapped network drive, known by its type or by what it stands for. */
static void
test_reboot_refuses_network_drive(void **state)
{
	(void)state;
	fake_file("Z:\\mmp", "a.mmp", 0);
	fake_lock("Z:\\mmp", "a.mmp", -1);
	fake_file("Y:\\mmp", "b.mmp", 0);
	fake_lock("Y:\\mmp", "b.mmp", -1);
	fake_drive('Z', 1, "\\Device\\LanmanRedirector\\;Z:00000000000"
	    "3e7\\srv\\share");
	fake_drive('Y', 0, "\\Device\\Mup\\srv\\share");
	assert_int_equal(fake_run("-d", "--reboot", "--dir", "Z:\\mmp",
	    "--dir", "Y:\\mmp", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "error     Z:\\mmp\\a.mmp  (not "
	    "scheduled: on a network drive");
	assert_contains(fake_out(), "error     Y:\\mmp\\b.mmp  (not "
	    "scheduled: on a network drive");
	assert_false(fake_is_pending("Z:\\mmp\\a.mmp"));
	assert_false(fake_is_pending("Y:\\mmp\\b.mmp"));
}

/* SUBST S: C:\data: S: exists only in this logon session. */
static void
test_reboot_refuses_subst(void **state)
{
	(void)state;
	fake_file("S:\\mmp", "a.mmp", 0);
	fake_lock("S:\\mmp", "a.mmp", -1);
	fake_drive('S', 0, "\\??\\C:\\data");
	fake_drive('C', 0, "\\Device\\HarddiskVolume3");
	fake_file(D, "c.mmp", 0);
	fake_lock(D, "c.mmp", -1);
	assert_int_equal(fake_run("-d", "--reboot", "--dir", "S:\\mmp",
	    "--dir", D, NULL), EXIT_FAILED);
	assert_contains(fake_out(), "error     S:\\mmp\\a.mmp  (not "
	    "scheduled: on a drive letter of this logon session only (SUBST)");
	assert_false(fake_is_pending("S:\\mmp\\a.mmp"));
	/* a local volume's letter beside it is scheduled */
	assert_contains(fake_out(), "scheduled C:\\mmp\\c.mmp");
	assert_true(fake_is_pending("C:\\mmp\\c.mmp"));
}

static void
test_reboot_needs_admin(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_file(D, "free.mmp", 0);
	fake_admin(0);
	assert_int_equal(fake_run("-d", "--reboot", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "--reboot needs administrator rights");
	assert_false(fake_is_pending("C:\\mmp\\a.mmp"));
	assert_false(fake_exists(D, "free.mmp"));	/* the cleanup ran */
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp\n");
}

static void
test_reboot_needs_delete(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--reboot", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--reboot goes with --delete");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_wait_until_released),
		T(test_wait_gives_up),
		T(test_wait_backoff_grows_to_two_seconds),
		T(test_wait_one_deadline_for_the_run),
		T(test_wait_a_day),
		T(test_wait_not_given_two_looks),
		T(test_wait_bad_values),
		T(test_interrupt_stops_cleanly),
		T(test_interrupt_skips_later_directories),
		T(test_interrupt_during_wait),
		T(test_wait_not_with_where),
		T(test_reboot_with_holders),
		T(test_holders_named_one_session),
		T(test_holders_split_per_file),
		T(test_holders_split_on_failure),
		T(test_holders_failing_bounded),
		T(test_holders_unknown),
		T(test_holders_json),
		T(test_reboot_schedules_locked),
		T(test_reboot_already_pending_not_added),
		T(test_reboot_failure_is_error),
		T(test_reboot_refuses_unc),
		T(test_reboot_refuses_network_drive),
		T(test_reboot_refuses_subst),
		T(test_reboot_needs_admin),
		T(test_reboot_needs_delete),
#undef T
	};

	return cmocka_run_group_tests_name("locked", tests, NULL, NULL);
}

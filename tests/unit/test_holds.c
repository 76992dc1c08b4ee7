/*
 * Every way a process keeps a file from being deleted: an open (a sharing
 * violation), a mapped view (found only by the disposition), and a delete
 * already pending behind another handle.  Each is a hold: counted for exit
 * status 1, looked at again, waited for, named, never deleted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "testutil.h"

#define MAPPED "mapped into a process's memory"
#define PENDING "already deleted; the name goes when the process holding " \
	"the file closes it"

static int
setup(void **state)
{
	return fake_setup_profile(state);
}

static void
test_mapped_report_is_locked(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_MAPPED);
	assert_int_equal(fake_run(NULL), EXIT_LOCKED);
	assert_true(fake_exists(D, "a.mmp"));
	assert_true(fake_exists(D, "b.mmp"));
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp  (" MAPPED ")\n");
	assert_contains(fake_out(), "unlocked  C:\\mmp\\b.mmp\n");
	assert_contains(fake_out(), "2 .mmp files in 1 directory: 1 unlocked, "
	    "1 locked, 0 read-only, 0 skipped, 0 errors\n");
}

static void
test_mapped_delete_keeps_it(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_MAPPED);
	assert_int_equal(fake_run("-d", NULL), EXIT_LOCKED);
	assert_true(fake_exists(D, "a.mmp"));
	/* looked at twice, like any lock: the listing, then the second look */
	assert_int_equal(fake_opens(D, "a.mmp"), 2);
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp  (" MAPPED ")\n");
}

static void
test_mapped_wait_until_unmapped(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", 3, PST_MAPPED);
	fake_tick(10);
	assert_int_equal(fake_run("-d", "--wait", "60", "-v", NULL),
	    EXIT_CLEAN);
	assert_false(fake_exists(D, "a.mmp"));
	assert_contains(fake_out(), "deleted   C:\\mmp\\a.mmp\n");
	assert_contains(fake_err(), "'C:\\mmp': 1 file still held; looking "
	    "again until free or --wait ends");
}

static void
test_mapped_holders_named(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_MAPPED);
	fake_holder(D, "a.mmp", 77, "w3wp.exe", "W3SVC");
	assert_int_equal(fake_run("-d", "--holders", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\a.mmp  (" MAPPED
	    "; w3wp.exe pid 77, service W3SVC)\n");
}

static void
test_mapped_reboot_scheduled(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_MAPPED);
	assert_int_equal(fake_run("-d", "--reboot", NULL), EXIT_LOCKED);
	assert_true(fake_is_pending("C:\\mmp\\a.mmp"));
	assert_contains(fake_out(), "scheduled C:\\mmp\\a.mmp");
}

static void
test_pending_report(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_PENDING);
	assert_int_equal(fake_run(NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "pending   C:\\mmp\\a.mmp  (" PENDING ")\n");
	assert_contains(fake_out(), "1 .mmp file in 1 directory: 0 unlocked, "
	    "0 locked, 0 read-only, 0 skipped, 0 errors, 1 pending\n");
}

static void
test_pending_delete_not_rescheduled(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_PENDING);
	assert_int_equal(fake_run("-d", "--reboot", NULL), EXIT_LOCKED);
	/* it goes by itself when its holder lets go: nothing to schedule */
	assert_false(fake_is_pending("C:\\mmp\\a.mmp"));
	assert_contains(fake_out(), "pending   C:\\mmp\\a.mmp  (" PENDING ")\n");
	assert_contains(fake_out(), "0 errors, 1 pending, 0 scheduled\n");
}

static void
test_pending_wait_looks_again(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", 3, PST_PENDING);
	fake_tick(10);
	assert_int_equal(fake_run("-d", "--wait", "60", NULL), EXIT_CLEAN);
	assert_int_equal(fake_opens(D, "a.mmp"), 4);
	assert_false(fake_exists(D, "a.mmp"));
}

static void
test_pending_csv_json_log_event(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_PENDING);
	assert_int_equal(fake_run("-d", "--format", "csv", "--log",
	    "C:\\log.txt", "--eventlog", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "pending,C:\\mmp\\a.mmp,");
	assert_contains(fake_out(), PENDING);
	assert_contains(fake_log(), "pending   C:\\mmp\\a.mmp  (" PENDING ")");
	assert_contains(fake_log(), "1 pending");
	/* a warning event: something is left */
	assert_contains(fake_events(), "1 1001 ");
	assert_contains(fake_events(), "1 pending");

	fake_teardown(state);
	fake_setup_profile(state);
	fake_file(D, "a.mmp", 0);
	fake_lock_as(D, "a.mmp", -1, PST_PENDING);
	assert_int_equal(fake_run("-d", "--format", "json", NULL),
	    EXIT_LOCKED);
	assert_contains(fake_out(), "{\"status\":\"pending\",\"path\":"
	    "\"C:\\\\mmp\\\\a.mmp\"");
	assert_contains(fake_out(), "\"locked\":0,\"pending\":1,");
	assert_contains(fake_out(), "\"exit_status\":1}");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_mapped_report_is_locked),
		T(test_mapped_delete_keeps_it),
		T(test_mapped_wait_until_unmapped),
		T(test_mapped_holders_named),
		T(test_mapped_reboot_scheduled),
		T(test_pending_report),
		T(test_pending_delete_not_rescheduled),
		T(test_pending_wait_looks_again),
		T(test_pending_csv_json_log_event),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The whole program against the fake platform: what it does to files. */
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
test_report_deletes_nothing(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	assert_int_equal(fake_run(NULL), EXIT_LOCKED);
	assert_true(fake_exists(D, "a.mmp"));
	assert_true(fake_exists(D, "b.mmp"));
	assert_contains(fake_out(), "unlocked  C:\\mmp\\a.mmp\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\b.mmp\n");
	assert_contains(fake_out(), "2 .mmp files in 1 directory: 1 unlocked, "
	    "1 locked, 0 read-only, 0 skipped, 0 errors\n");
}

static void
test_delete_free_keep_locked(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	assert_int_equal(fake_run("--delete", NULL), EXIT_LOCKED);
	assert_false(fake_exists(D, "a.mmp"));
	assert_true(fake_exists(D, "b.mmp"));
	assert_contains(fake_out(), "deleted   C:\\mmp\\a.mmp\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\b.mmp\n");
}

static void
test_delete_all_free_exits_0(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "B.MMP", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
	assert_false(fake_exists(D, "a.mmp"));
	assert_false(fake_exists(D, "B.MMP"));
	assert_contains(fake_out(), "2 deleted");
}

static void
test_only_exact_mmp_names(void **state)
{
	static const char *const others[] = {
		"foo.mmpx", "foo.mmp~", "ab.mmp-old", "x.txt", "mmp",
		"x.mmp.", "x.mmp ", "x.mm", "x.mmp.bak"
	};

	(void)state;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		fake_file(D, others[i], 0);
	fake_file(D, "d.mmp", PLAT_A_DIR);
	fake_file(D, "real.Mmp", 0);
	assert_int_equal(fake_run("--delete", NULL), EXIT_CLEAN);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_true(fake_exists(D, others[i]));
		assert_int_equal(fake_opens(D, others[i]), 0);
	}
	assert_true(fake_exists(D, "d.mmp"));
	assert_int_equal(fake_opens(D, "d.mmp"), 0);
	assert_false(fake_exists(D, "real.Mmp"));
	assert_contains(fake_out(), "1 .mmp file in 1 directory: 1 deleted");
}

static void
test_vanished_file_is_not_an_error(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_vanish(D, "a.mmp");
	assert_int_equal(fake_run("--delete", NULL), EXIT_CLEAN);
	assert_string_equal(fake_err(), "");
	assert_contains(fake_out(), "0 .mmp files in 1 directory");
}

static void
test_file_replaced_by_directory(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_fail(D, "a.mmp", PST_ISDIR);
	assert_int_equal(fake_run("--delete", NULL), EXIT_CLEAN);
	assert_true(fake_exists(D, "a.mmp"));
}

static void
test_access_denied_is_not_locked(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_fail(D, "a.mmp", PST_DENIED);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
	assert_true(fake_exists(D, "a.mmp"));
	assert_contains(fake_out(), "error     C:\\mmp\\a.mmp  (access denied)");
	assert_contains(fake_out(), "0 locked");
}

static void
test_io_error_named(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_fail(D, "a.mmp", PST_IO);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "(fake I/O error 1117)");
}

static void
test_locked_and_failed_gives_2(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	fake_fail(D, "b.mmp", PST_DENIED);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
}

static void
test_briefly_locked_file_is_rechecked(void **state)
{
	(void)state;
	/* another cleaner holds it for a moment, then it is gone */
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", 1);
	assert_int_equal(fake_run("--delete", NULL), EXIT_CLEAN);
	assert_false(fake_exists(D, "a.mmp"));
	assert_int_equal(fake_opens(D, "a.mmp"), 2);
	assert_contains(fake_out(), "deleted   C:\\mmp\\a.mmp\n");
}

/*
 * a.mmp found locked at the very end of the listing, with `others` other
 * runs counted in the directory: pause, then look, and say why.
 */
static void
second_look_waits(int others, const char *said)
{
	fake_others(D, others);
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", 1);
	fake_tick(1);
	assert_int_equal(fake_run("--delete", "--verbose", NULL), EXIT_CLEAN);
	assert_in_range(fake_slept(), 90, 100);
	assert_false(fake_exists(D, "a.mmp"));
	assert_contains(fake_err(), said);
}

static void
test_second_look_waits_for_the_race_to_end(void **state)
{
	(void)state;
	second_look_waits(1, "'C:\\mmp': 1 other mmpclean run at work here; "
	    "second look in ");
}

static void
test_second_look_waits_when_others_unknown(void **state)
{
	(void)state;
	second_look_waits(-1, "'C:\\mmp': other runs here cannot be counted; "
	    "second look in ");
}

static void
test_second_look_at_once_when_alone(void **state)
{
	(void)state;
	/* no other run here: the lock is someone else's; look again now */
	fake_others(D, 0);
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "a.mmp", 1);
	fake_lock(D, "b.mmp", -1);
	fake_tick(1);
	assert_int_equal(fake_run("--delete", "--verbose", NULL),
	    EXIT_LOCKED);
	assert_int_equal(fake_slept(), 0);
	assert_false(fake_exists(D, "a.mmp"));
	assert_true(fake_exists(D, "b.mmp"));
	assert_int_equal(fake_opens(D, "b.mmp"), 2);
	assert_null(strstr(fake_err(), "second look in"));
}

static void
test_no_pause_without_locked_files(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_tick(1);
	assert_int_equal(fake_run("--delete", NULL), EXIT_CLEAN);
	assert_int_equal(fake_slept(), 0);
}

static void
test_locked_file_probed_twice_only(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_lock(D, "a.mmp", -1);
	assert_int_equal(fake_run("--delete", NULL), EXIT_LOCKED);
	assert_int_equal(fake_opens(D, "a.mmp"), 2);
}

static void
test_readonly_left_alone(void **state)
{
	(void)state;
	fake_file(D, "r.mmp", PLAT_A_READONLY);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
	assert_true(fake_exists(D, "r.mmp"));
	/* the core decides: no delete is even asked of the backend */
	assert_int_equal(fake_deletes(D, "r.mmp"), 0);
	assert_contains(fake_out(), "read-only C:\\mmp\\r.mmp  (");
}

static void
test_readonly_reported_in_report_mode(void **state)
{
	(void)state;
	fake_file(D, "r.mmp", PLAT_A_READONLY);
	fake_file(D, "a.mmp", 0);
	assert_int_equal(fake_run(NULL), EXIT_FAILED);
	assert_true(fake_exists(D, "r.mmp"));
	assert_int_equal(fake_deletes(D, "r.mmp"), 0);
	assert_int_equal(fake_opens(D, "r.mmp"), 1);	/* probed, for a lock */
	assert_contains(fake_out(), "read-only C:\\mmp\\r.mmp  (read-only "
	    "attribute; --force deletes it)\n");
	assert_contains(fake_out(), "unlocked  C:\\mmp\\a.mmp\n");
	assert_contains(fake_out(), "1 unlocked, 0 locked, 1 read-only, "
	    "0 skipped, 0 errors\n");
	/* --force in report mode: a read-only file it would delete */
	assert_int_equal(fake_run("--force", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "unlocked  C:\\mmp\\r.mmp\n");
	assert_true(fake_exists(D, "r.mmp"));
	assert_int_equal(fake_deletes(D, "r.mmp"), 0);
}

static void
test_readonly_set_after_listing(void **state)
{
	(void)state;
	/*
	 * Listed without the attribute, read-only by the time it is
	 * deleted: the backend refuses (plat.h), and the core says so.
	 */
	fake_file(D, "r.mmp", PLAT_A_READONLY);
	fake_listed_attrs(D, "r.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_FAILED);
	assert_true(fake_exists(D, "r.mmp"));
	assert_int_equal(fake_deletes(D, "r.mmp"), 1);
	assert_contains(fake_out(), "read-only C:\\mmp\\r.mmp  (");
}

static void
test_same_file_number_other_volume(void **state)
{
	(void)state;
	/* C:\mmp and D:\b: the same file number, on two volumes */
	fake_file(D, "a.mmp", 0);
	fake_file("D:\\b", "b.mmp", 0);
	assert_int_equal(fake_run("-d", "--dir", D, "--dir", "D:\\b", NULL),
	    EXIT_CLEAN);
	assert_false(fake_exists(D, "a.mmp"));
	assert_false(fake_exists("D:\\b", "b.mmp"));
}

static void
test_exit_status_highest_wins(void **state)
{
	(void)state;
	/* a directory missing (3) beats read-only (2) and locked (1) */
	fake_file("C:\\a", "r.mmp", PLAT_A_READONLY);
	fake_file("C:\\a", "l.mmp", 0);
	fake_lock("C:\\a", "l.mmp", -1);
	assert_int_equal(fake_run("-d", "--dir", "C:\\a", "--dir", "C:\\gone",
	    NULL), EXIT_NODIR);
	assert_int_equal(fake_run("-d", "--dir", "C:\\gone", "--dir", "C:\\a",
	    NULL), EXIT_NODIR);
	/* read-only (2) beats locked (1) */
	assert_int_equal(fake_run("-d", "--dir", "C:\\a", NULL), EXIT_FAILED);
	fake_file("C:\\b", "l.mmp", 0);
	fake_lock("C:\\b", "l.mmp", -1);
	assert_int_equal(fake_run("-d", "--dir", "C:\\b", "--dir", "C:\\gone",
	    NULL), EXIT_NODIR);
}

static void
test_readonly_locked_says_locked(void **state)
{
	(void)state;
	fake_file(D, "r.mmp", PLAT_A_READONLY);
	fake_lock(D, "r.mmp", -1);
	assert_int_equal(fake_run("--delete", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "locked    C:\\mmp\\r.mmp");
}

static void
test_readonly_force_deletes(void **state)
{
	(void)state;
	fake_file(D, "r.mmp", PLAT_A_READONLY);
	assert_int_equal(fake_run("--delete", "--force", NULL), EXIT_CLEAN);
	assert_false(fake_exists(D, "r.mmp"));
}

static void
test_hidden_system_are_ordinary(void **state)
{
	(void)state;
	fake_file(D, "h.mmp", PLAT_A_HIDDEN | PLAT_A_SYSTEM);
	assert_int_equal(fake_run("--delete", NULL), EXIT_CLEAN);
	assert_false(fake_exists(D, "h.mmp"));
}

static void
test_reparse_point_never_opened(void **state)
{
	(void)state;
	fake_file(D, "l.mmp", PLAT_A_LINK);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
	assert_true(fake_exists(D, "l.mmp"));
	assert_int_equal(fake_opens(D, "l.mmp"), 0);
	assert_contains(fake_out(), "skipped   C:\\mmp\\l.mmp  (");
}

static void
test_handle_not_the_entry_skipped(void **state)
{
	(void)state;
	fake_file(D, "l.mmp", 0);
	fake_fail(D, "l.mmp", PST_LINK);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "skipped   C:\\mmp\\l.mmp");
}

static void
test_badname_reported_escaped(void **state)
{
	(void)state;
	/* a lone surrogate, U+D800, as WTF-8 */
	fake_file(D, "a\xed\xa0\x80.mmp", 0);
	fake_fail(D, "a\xed\xa0\x80.mmp", PST_BADNAME);
	fake_file(D, "new\nline.mmp", 0);
	assert_int_equal(fake_run("--delete", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "error     C:\\mmp\\a\\uD800.mmp  (");
	assert_contains(fake_out(), "deleted   C:\\mmp\\new\\x0Aline.mmp\n");
}

static void
test_unicode_name_printed_as_utf8(void **state)
{
	(void)state;
	fake_file(D, "\xd0\x9f\xd1\x80\xd0\xb8.mmp", 0);
	assert_int_equal(fake_run(NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "unlocked  C:\\mmp\\\xd0\x9f\xd1\x80\xd0\xb8.mmp\n");
}

static void
test_quiet_prints_only_problems(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_lock(D, "b.mmp", -1);
	assert_int_equal(fake_run("-q", "-d", NULL), EXIT_LOCKED);
	assert_string_equal(fake_out(), "");
	fake_file(D, "c.mmp", 0);
	fake_fail(D, "c.mmp", PST_DENIED);
	assert_int_equal(fake_run("-q", "-d", NULL), EXIT_FAILED);
	assert_string_equal(fake_out(),
	    "error     C:\\mmp\\c.mmp  (access denied)\n");
}

static void
test_verbose_says_where_from(void **state)
{
	(void)state;
	assert_int_equal(fake_run("-v", NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "scanning 'C:\\mmp' (registry, 64-bit view)");
}

static void
test_missing_directory_exit_3(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\nowhere", 0);
	assert_int_equal(fake_run(NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot open directory 'C:\\nowhere' named "
	    "by registry value 'HKLM\\Software\\Microsoft\\Windows "
	    "Messaging Subsystem\\ProfileDirectory' (64-bit view): "
	    "no such directory");
}

static void
test_value_naming_a_file_exit_3(void **state)
{
	(void)state;
	fake_dir_fail(D, PST_NOTDIR);
	assert_int_equal(fake_run(NULL), EXIT_NODIR);
	assert_contains(fake_err(), "not a directory");
}

static void
test_directory_without_list_rights(void **state)
{
	(void)state;
	fake_dir_fail(D, PST_DENIED);
	assert_int_equal(fake_run(NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot open directory 'C:\\mmp' named by "
	    "registry value");
	assert_contains(fake_err(), "(64-bit view): access denied");
}

static void
test_listing_fails_midway(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_list_fail(D, PST_IO);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_false(fake_exists(D, "a.mmp"));
	assert_contains(fake_err(), "cannot list directory 'C:\\mmp'");
}

static void
test_one_bad_dir_others_still_scanned(void **state)
{
	(void)state;
	fake_dir("C:\\two");
	fake_file("C:\\two", "a.mmp", 0);
	assert_int_equal(fake_run("-d", "--dir", "C:\\nowhere", "--dir",
	    "C:\\two", NULL), EXIT_NODIR);
	assert_false(fake_exists("C:\\two", "a.mmp"));
}

static void
test_same_directory_scanned_once(void **state)
{
	(void)state;
	fake_dir_alias("C:\\PROGRA~1\\mmp", D);
	fake_file(D, "a.mmp", 0);
	assert_int_equal(fake_run("--dir", D, "--dir", "C:\\PROGRA~1\\mmp",
	    NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "1 .mmp file in 1 directory");
	assert_int_equal(fake_opens(D, "a.mmp"), 1);
	/* said without --verbose: a wrong identity would hide files */
	assert_contains(fake_err(), "mmpclean: 'C:\\PROGRA~1\\mmp' (--dir) is "
	    "'C:\\mmp', already scanned; skipped\n");
}

/* A named object another account made: said once, even with --quiet. */
static void
test_notice_said_once(void **state)
{
	const char *e;

	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_notice("the named object 'Global\\mmpclean-dir-1' belongs to "
	    "another account; other runs in this directory are not counted", 1);
	assert_int_equal(fake_run("--quiet", NULL), EXIT_CLEAN);
	e = fake_err();
	assert_string_equal(e, "mmpclean: the named object "
	    "'Global\\mmpclean-dir-1' belongs to another account; other runs "
	    "in this directory are not counted\n");
}

/* A notice that comes with a log write (the log's mutex given up). */
static void
test_notice_after_log_write(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_notice("another process held the log file's mutex for 2000 ms; "
	    "the log is written without it", 2);
	assert_int_equal(fake_run("--log", "C:\\log.txt", NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "mmpclean: another process held the log "
	    "file's mutex for 2000 ms; the log is written without it\n");
	assert_contains(fake_log(), "unlocked  C:\\mmp\\a.mmp");
}

/* ReFS: 64-bit IDs that repeat; the 128-bit ones tell the two apart. */
static void
test_refs_ids_differ_high(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file("C:\\other", "b.mmp", 0);
	fake_dir_id(D, 0x1234567890ull, 0x55, 1);
	fake_dir_id("C:\\other", 0x1234567890ull, 0x55, 2);
	assert_int_equal(fake_run("--dir", D, "--dir", "C:\\other", NULL),
	    EXIT_CLEAN);
	assert_contains(fake_out(), "unlocked  C:\\mmp\\a.mmp\n");
	assert_contains(fake_out(), "unlocked  C:\\other\\b.mmp\n");
	assert_contains(fake_out(), "2 .mmp files in 2 directories");
	assert_null(strstr(fake_err(), "already scanned"));
}

/* The same ID on two volumes: two directories. */
static void
test_ids_on_two_volumes(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file("D:\\mmp", "b.mmp", 0);
	fake_dir_id(D, 1, 0x55, 0);
	fake_dir_id("D:\\mmp", 2, 0x55, 0);
	assert_int_equal(fake_run("--dir", D, "--dir", "D:\\mmp", NULL),
	    EXIT_CLEAN);
	assert_contains(fake_out(), "2 .mmp files in 2 directories");
}

/* An SMB server that gives every directory the ID 0: never a duplicate. */
static void
test_zero_id_unknown(void **state)
{
	(void)state;
	fake_file("\\\\srv\\a", "a.mmp", 0);
	fake_file("\\\\srv\\b", "b.mmp", 0);
	fake_dir_id("\\\\srv\\a", 9, 0, 0);
	fake_dir_id("\\\\srv\\b", 9, 0, 0);
	assert_int_equal(fake_run("--dir", "\\\\srv\\a", "--dir",
	    "\\\\srv\\b", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "unlocked  \\\\srv\\a\\a.mmp\n");
	assert_contains(fake_out(), "unlocked  \\\\srv\\b\\b.mmp\n");
	assert_contains(fake_out(), "2 .mmp files in 2 directories");
	assert_null(strstr(fake_err(), "already scanned"));
}

static void
test_stdout_failure_exit_2_cleanup_runs(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_out_fail(1);
	assert_int_equal(fake_run("-d", NULL), EXIT_FAILED);
	assert_false(fake_exists(D, "a.mmp"));
	assert_contains(fake_err(), "cannot write to standard output");
	/* said once, not once per line */
	assert_null(strstr(strstr(fake_err(), "standard output") + 1,
	    "standard output"));
}

static void
test_stdout_failure_on_help(void **state)
{
	(void)state;
	fake_out_fail(1);
	assert_int_equal(fake_run("--help", NULL), EXIT_FAILED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_report_deletes_nothing),
		T(test_delete_free_keep_locked),
		T(test_delete_all_free_exits_0),
		T(test_only_exact_mmp_names),
		T(test_vanished_file_is_not_an_error),
		T(test_file_replaced_by_directory),
		T(test_access_denied_is_not_locked),
		T(test_io_error_named),
		T(test_locked_and_failed_gives_2),
		T(test_briefly_locked_file_is_rechecked),
		T(test_second_look_waits_for_the_race_to_end),
		T(test_second_look_waits_when_others_unknown),
		T(test_second_look_at_once_when_alone),
		T(test_no_pause_without_locked_files),
		T(test_locked_file_probed_twice_only),
		T(test_exit_status_highest_wins),
		T(test_readonly_left_alone),
		T(test_readonly_reported_in_report_mode),
		T(test_readonly_set_after_listing),
		T(test_same_file_number_other_volume),
		T(test_readonly_locked_says_locked),
		T(test_readonly_force_deletes),
		T(test_hidden_system_are_ordinary),
		T(test_reparse_point_never_opened),
		T(test_handle_not_the_entry_skipped),
		T(test_badname_reported_escaped),
		T(test_unicode_name_printed_as_utf8),
		T(test_quiet_prints_only_problems),
		T(test_verbose_says_where_from),
		T(test_missing_directory_exit_3),
		T(test_value_naming_a_file_exit_3),
		T(test_directory_without_list_rights),
		T(test_listing_fails_midway),
		T(test_one_bad_dir_others_still_scanned),
		T(test_same_directory_scanned_once),
		T(test_refs_ids_differ_high),
		T(test_notice_said_once),
		T(test_notice_after_log_write),
		T(test_ids_on_two_volumes),
		T(test_zero_id_unknown),
		T(test_stdout_failure_exit_2_cleanup_runs),
		T(test_stdout_failure_on_help),
#undef T
	};

	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}

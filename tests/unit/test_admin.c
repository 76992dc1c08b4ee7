/* --configure, --unconfigure, the event log, Exchange's Webtemp. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "testutil.h"

#define EXKEY "Software\\Microsoft\\Exchange\\Setup"

static int
setup(void **state)
{
	(void)state;
	fake_reset();
	fake_dir("C:\\WINDOWS");
	fake_account("IUSR_WEB1");
	return 0;
}


static void
test_configure_does_all_three(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--configure", "D:/mmp/", NULL), EXIT_CLEAN);
	assert_string_equal(fake_reg_read(VIEW_64, profile_key, profile_value),
	    "D:\\mmp");
	assert_string_equal(fake_reg_read(VIEW_32, profile_key, profile_value),
	    "D:\\mmp");
	assert_string_equal(fake_grants(), "IUSR_WEB1:D:\\mmp\n");
	assert_contains(fake_out(), "created directory 'D:\\mmp'\n");
	assert_contains(fake_out(), "set HKLM\\Software\\Microsoft\\Windows "
	    "Messaging Subsystem\\ProfileDirectory (64-bit view) to 'D:\\mmp'");
	assert_contains(fake_out(), "(32-bit view) to 'D:\\mmp'");
	assert_contains(fake_out(), "gave 'IUSR_WEB1' modify rights on "
	    "'D:\\mmp'");
	assert_contains(fake_out(), "restart the process that uses");
	/* and the next scan goes there */
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(),
	    "D:\\mmp  (registry, 64-bit and 32-bit views)\n");
}

static void
test_configure_idempotent(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL), EXIT_CLEAN);
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "directory 'D:\\mmp' exists already");
	assert_contains(fake_out(), "(64-bit view) names 'D:\\mmp' already");
	assert_contains(fake_out(), "(32-bit view) names 'D:\\mmp' already");
}

static void
test_configure_replaces_old_value(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\old", 0);
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "to 'D:\\mmp' (it was 'C:\\old')");
}

static void
test_configure_account_choice(void **state)
{
	(void)state;
	fake_reset();
	fake_dir("C:\\WINDOWS");
	fake_account("IUSR");
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL), EXIT_CLEAN);
	assert_string_equal(fake_grants(), "IUSR:D:\\mmp\n");

	fake_account("WebUser");
	assert_int_equal(fake_run("--configure", "D:\\m2", "--grant",
	    "WebUser", NULL), EXIT_CLEAN);
	assert_contains(fake_grants(), "WebUser:D:\\m2\n");
}

static void
test_configure_no_account_changes_nothing(void **state)
{
	(void)state;
	fake_reset();
	fake_dir("C:\\WINDOWS");
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL),
	    EXIT_FAILED);
	assert_contains(fake_err(), "no IIS anonymous account found");
	assert_contains(fake_err(), "--grant ACCOUNT");
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
	assert_int_equal(fake_run("--configure", "D:\\mmp", "--grant", "nobody",
	    NULL), EXIT_FAILED);
	assert_contains(fake_err(), "--grant 'nobody': no such account");
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
	assert_string_equal(fake_grants(), "");
}

static void
test_configure_refuses(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--configure", "mmp", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--configure 'mmp' is a relative path");
	assert_int_equal(fake_run("--configure", "D:\\", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "is a drive root");
	assert_int_equal(fake_run("--configure", "c:\\windows\\", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "is the Windows directory");
	assert_int_equal(fake_run("--configure", "D:\\x", "--delete", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "--configure does not scan");
	assert_int_equal(fake_run("--grant", "IUSR", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--grant goes with --configure");
	assert_int_equal(fake_run("--configure", "D:\\x", "--unconfigure",
	    NULL), EXIT_USAGE);
	assert_contains(fake_err(), "only one of");
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
}

static void
test_configure_needs_admin(void **state)
{
	(void)state;
	fake_admin(0);
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL),
	    EXIT_FAILED);
	assert_contains(fake_err(), "--configure needs administrator rights");
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
	assert_int_equal(fake_run("--unconfigure", NULL), EXIT_FAILED);
	assert_int_equal(fake_run("--install-eventlog", NULL), EXIT_FAILED);
	assert_false(fake_event_installed());
}

static void
test_configure_grant_fails(void **state)
{
	(void)state;
	fake_grant_fail(PST_DENIED);
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL),
	    EXIT_FAILED);
	assert_contains(fake_err(), "cannot give 'IUSR_WEB1' modify rights on "
	    "'D:\\mmp': access denied");
}

static void
test_configure_mkdir_fails(void **state)
{
	(void)state;
	fake_mkdir_fail(PST_NOTDIR);
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL),
	    EXIT_FAILED);
	assert_contains(fake_err(), "cannot create directory 'D:\\mmp': a file "
	    "is in the way");
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
}

static void
test_configure_grant_empty_refused(void **state)
{
	(void)state;
	fake_account("");	/* even were there such an account */
	assert_int_equal(fake_run("--configure", "D:\\mmp", "--grant", "",
	    NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--grant needs an account name");
	assert_string_equal(fake_grants(), "");
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
}

static void
test_configure_grant_unknown_account(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--configure", "D:\\mmp", "--grant",
	    "nobody", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "--grant 'nobody': no such account");
	assert_string_equal(fake_grants(), "");
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
}

static void
test_configure_registry_write_fails(void **state)
{
	(void)state;
	fake_reg_write_fail(PST_DENIED);
	assert_int_equal(fake_run("--configure", "D:\\mmp", NULL),
	    EXIT_FAILED);
	assert_contains(fake_err(), "cannot set registry value 'HKLM\\Software"
	    "\\Microsoft\\Windows Messaging Subsystem\\ProfileDirectory' "
	    "(64-bit view): access denied");
	assert_contains(fake_err(), "(32-bit view): access denied");
	assert_null(strstr(fake_out(), "set HKLM"));
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
}

static void
test_unconfigure_registry_write_fails(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "D:\\mmp", 0);
	fake_reg_write_fail(PST_DENIED);
	assert_int_equal(fake_run("--unconfigure", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot remove registry value 'HKLM\\"
	    "Software\\Microsoft\\Windows Messaging Subsystem\\"
	    "ProfileDirectory' (64-bit view): access denied");
	assert_null(strstr(fake_out(), "removed"));
	assert_null(strstr(fake_out(), "was not set"));
	assert_string_equal(fake_reg_read(VIEW_64, profile_key, profile_value),
	    "D:\\mmp");
}

static void
test_eventlog_install_fails(void **state)
{
	(void)state;
	fake_event_fail(PST_DENIED);
	assert_int_equal(fake_run("--install-eventlog", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot register the event source "
	    "'mmpclean': access denied");
	assert_false(fake_event_installed());
	assert_string_equal(fake_out(), "");
}

static void
test_eventlog_uninstall_fails(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--install-eventlog", NULL), EXIT_CLEAN);
	fake_event_fail(PST_DENIED);
	assert_int_equal(fake_run("--uninstall-eventlog", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot remove the event source "
	    "'mmpclean': access denied");
	assert_true(fake_event_installed());
	assert_string_equal(fake_out(), "");
}

static void
test_unconfigure(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "D:\\mmp", 0);
	fake_dir("D:\\mmp");
	fake_file("D:\\mmp", "a.mmp", 0);
	assert_int_equal(fake_run("--unconfigure", NULL), EXIT_CLEAN);
	assert_null(fake_reg_read(VIEW_64, profile_key, profile_value));
	assert_contains(fake_out(), "removed HKLM\\Software\\Microsoft\\Windows "
	    "Messaging Subsystem\\ProfileDirectory (64-bit view), which was "
	    "'D:\\mmp'");
	assert_contains(fake_out(), "(32-bit view) was not set");
	assert_true(fake_exists("D:\\mmp", "a.mmp"));
	assert_int_equal(fake_opens("D:\\mmp", "a.mmp"), 0);
	assert_int_equal(fake_run("--unconfigure", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "(64-bit view) was not set");
}

static void
test_eventlog_install_uninstall(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--install-eventlog", NULL), EXIT_CLEAN);
	assert_true(fake_event_installed());
	assert_int_equal(fake_run("--uninstall-eventlog", NULL), EXIT_CLEAN);
	assert_false(fake_event_installed());
	assert_contains(fake_out(), "removed the event source 'mmpclean'");
	assert_int_equal(fake_run("--uninstall-eventlog", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "was not registered");
}

static void
test_eventlog_one_event_per_run(void **state)
{
	(void)state;
	fake_file("C:\\WINDOWS", "a.mmp", 0);
	assert_int_equal(fake_run("-d", "-q", "--eventlog", NULL), EXIT_CLEAN);
	assert_string_equal(fake_events(), "0 1000 1 .mmp file in 1 directory: "
	    "1 deleted, 0 locked, 0 read-only, 0 skipped, 0 errors; exit "
	    "status 0\n");
	fake_file("C:\\WINDOWS", "b.mmp", 0);
	fake_lock("C:\\WINDOWS", "b.mmp", -1);
	assert_int_equal(fake_run("-d", "--eventlog", NULL), EXIT_LOCKED);
	assert_contains(fake_events(), "\n1 1001 1 .mmp file");
	fake_file("C:\\WINDOWS", "c.mmp", 0);
	fake_fail("C:\\WINDOWS", "c.mmp", PST_DENIED);
	assert_int_equal(fake_run("-d", "--eventlog", NULL), EXIT_FAILED);
	assert_contains(fake_events(), "\n2 1002 ");
}

static void
test_eventlog_failure_exit_2(void **state)
{
	(void)state;
	fake_file("C:\\WINDOWS", "a.mmp", 0);
	fake_event_fail(PST_IO);
	assert_int_equal(fake_run("-d", "--eventlog", NULL), EXIT_FAILED);
	assert_false(fake_exists("C:\\WINDOWS", "a.mmp"));
	assert_contains(fake_err(), "cannot write to the Application event log");
}

static void
test_webtemp_from_exchange_key(void **state)
{
	(void)state;
	fake_reg_value(VIEW_32, EXKEY, "Services", "D:\\exchsrvr", 1);
	fake_dir("D:\\exchsrvr\\Webtemp");
	fake_file("D:\\exchsrvr\\Webtemp", "owa.mmp", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "D:\\exchsrvr\\Webtemp  (Exchange "
	    "Webtemp)\nC:\\WINDOWS  (Windows directory)\n");
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
	assert_false(fake_exists("D:\\exchsrvr\\Webtemp", "owa.mmp"));
}

static void
test_webtemp_default_location(void **state)
{
	(void)state;
	fake_reg_value(VIEW_64, EXKEY, "Other", "x", 1);	/* key, no value */
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "C:\\EXCHSRVR\\Webtemp  (Exchange "
	    "Webtemp)\n");
}

static void
test_webtemp_under_a_drive_root(void **state)
{
	(void)state;
	fake_reg_value(VIEW_64, EXKEY, "Services", "d:/", 1);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "D:\\Webtemp  (Exchange Webtemp)\n"
	    "C:\\WINDOWS  (Windows directory)\n");
}

static void
test_webtemp_missing_is_not_an_error(void **state)
{
	(void)state;
	fake_reg_value(VIEW_64, EXKEY, "Services", "D:\\gone", 1);
	assert_int_equal(fake_run(NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "Exchange's Webtemp directory "
	    "'D:\\gone\\Webtemp' does not exist; skipped");
}

static void
test_webtemp_configured_and_missing_is_an_error(void **state)
{
	(void)state;
	/* ProfileDirectory names Exchange's Webtemp, and it is not there */
	fake_reg_value(VIEW_64, EXKEY, "Services", "D:\\exchsrvr", 1);
	fake_reg(VIEW_64, "D:\\exchsrvr\\Webtemp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot open directory 'D:\\exchsrvr\\"
	    "Webtemp' named by registry value");
	assert_null(strstr(fake_err(), "skipped"));
}

static void
test_webtemp_bad_value(void **state)
{
	(void)state;
	fake_reg_value(VIEW_64, EXKEY, "Services", "exchsrvr", 1);
	assert_int_equal(fake_run("--where", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "'HKLM\\Software\\Microsoft\\Exchange\\"
	    "Setup\\Services' (64-bit view) \"exchsrvr\" is a relative path");
}

static void
test_no_exchange_key_no_webtemp(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--where", "--all", NULL), EXIT_CLEAN);
	assert_null(strstr(fake_out(), "Webtemp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_configure_does_all_three),
		T(test_configure_idempotent),
		T(test_configure_replaces_old_value),
		T(test_configure_account_choice),
		T(test_configure_no_account_changes_nothing),
		T(test_configure_refuses),
		T(test_configure_needs_admin),
		T(test_configure_grant_fails),
		T(test_configure_mkdir_fails),
		T(test_configure_grant_empty_refused),
		T(test_configure_grant_unknown_account),
		T(test_configure_registry_write_fails),
		T(test_unconfigure_registry_write_fails),
		T(test_eventlog_install_fails),
		T(test_eventlog_uninstall_fails),
		T(test_unconfigure),
		T(test_eventlog_install_uninstall),
		T(test_eventlog_one_event_per_run),
		T(test_eventlog_failure_exit_2),
		T(test_webtemp_from_exchange_key),
		T(test_webtemp_default_location),
		T(test_webtemp_under_a_drive_root),
		T(test_webtemp_missing_is_not_an_error),
		T(test_webtemp_configured_and_missing_is_an_error),
		T(test_webtemp_bad_value),
		T(test_no_exchange_key_no_webtemp),
#undef T
	};

	return cmocka_run_group_tests_name("admin", tests, NULL, NULL);
}

/* Which directory: the registry value's every shape, and path forms. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static int
setup(void **state)
{
	(void)state;
	fake_reset();
	fake_dir("C:\\WINDOWS");
	fake_dir("C:\\mmp");
	fake_dir("D:\\mmp32");
	return 0;
}


static void
norm_ok(const char *in, const char *want)
{
	const char *why = NULL;
	char *out;

	if (path_normalise(in, &out, &why) != 0)
		fail_msg("\"%s\" refused: %s", in, why);
	assert_string_equal(out, want);
	free(out);
}

static void
norm_bad(const char *in, const char *why_part)
{
	const char *why = NULL;
	char *out;

	if (path_normalise(in, &out, &why) == 0)
		fail_msg("\"%s\" accepted as \"%s\"", in, out);
	assert_null(out);
	assert_contains(why, why_part);
}

static void
test_normalise_accepts(void **state)
{
	(void)state;
	norm_ok("C:\\mmp", "C:\\mmp");
	norm_ok("c:\\mmp\\", "C:\\mmp");
	norm_ok("C:/Temp/mmp", "C:\\Temp\\mmp");
	norm_ok("C:\\\\Temp\\\\\\mmp", "C:\\Temp\\mmp");
	norm_ok("C:\\", "C:\\");
	norm_ok("C:/", "C:\\");
	norm_ok("\\\\server\\share\\mmp", "\\\\server\\share\\mmp");
	norm_ok("\\\\server\\share", "\\\\server\\share");
	norm_ok("\\\\?\\C:\\mmp", "C:\\mmp");
	norm_ok("\\\\?\\UNC\\server\\share\\x", "\\\\server\\share\\x");
	norm_ok("C:\\Program Files\\a b.c\\mmp", "C:\\Program Files\\a b.c\\mmp");
	norm_ok("C:\\\xd0\x9f\xd1\x80\xd0\xb8", "C:\\\xd0\x9f\xd1\x80\xd0\xb8");
}

static void
test_normalise_long_path(void **state)
{
	char in[1200], want[1200];

	(void)state;
	strcpy(in, "C:");
	for (int i = 0; i < 100; i++)
		strcat(in, "\\abcdefghi");
	strcpy(want, in);
	strcat(in, "\\");
	norm_ok(in, want);
}

static void
test_normalise_refuses(void **state)
{
	(void)state;
	norm_bad("", "empty");
	norm_bad("   ", "empty");
	norm_bad("mmp", "relative");
	norm_bad("C:mmp", "relative to the current directory of its drive");
	norm_bad("C:", "relative to the current directory of its drive");
	norm_bad("\\mmp", "relative to the current drive");
	norm_bad("/mmp", "relative to the current drive");
	norm_bad("\"C:\\mmp\"", "quoted");
	norm_bad("\"C:\\mmp", "quoted");
	norm_bad(" C:\\mmp", "begins or ends with a space");
	norm_bad("C:\\mmp ", "begins or ends with a space");
	norm_bad("C:\\mmp\t", "begins or ends with a space");
	norm_bad("C:\\a\\..\\b", "'..'");
	norm_bad("C:\\a\\.\\b", "'.'");
	norm_bad("C:\\a.\\b", "dot or space");
	norm_bad("C:\\a*b", "not allow");
	norm_bad("C:\\a?b", "not allow");
	norm_bad("C:\\a|b", "not allow");
	norm_bad("C:\\a:b", "not allow");
	norm_bad("C:\\a\tb", "not allow");
	norm_bad("\\\\", "without a server");
	norm_bad("\\\\server", "without a server and share");
	norm_bad("\\\\server\\", "without a server and share");
	norm_bad("\\\\.\\C:\\x", "device");
	norm_bad("//?/C:/x", "device");
	norm_ok("\\\\.srv\\s", "\\\\.srv\\s");
	norm_bad("\\\\?\\Volume{1234}\\x", "does not scan");
	norm_bad("\\\\?\\C:/x", "does not scan");
	norm_bad("\\\\?\\1:\\x", "does not scan");
	norm_bad("1:\\x", "relative");
}

static void
test_normalise_refuses_every_control_byte(void **state)
{
	char in[32];

	(void)state;
	for (int c = 0x01; c < 0x20; c++) {
		snprintf(in, sizeof(in), "C:\\a%cb\\mmp", c);
		norm_bad(in, "a character that Windows does not allow");
		snprintf(in, sizeof(in), "\\\\srv%c\\share", c);
		norm_bad(in, "a character that Windows does not allow");
	}
	norm_ok("C:\\a\x7f" "b", "C:\\a\x7f" "b");	/* DEL is allowed */
}

static void
test_expand(void **state)
{
	char *out, *undef;

	(void)state;
	fake_env("SystemRoot", "C:\\WINDOWS");
	assert_int_equal(env_expand("%SYSTEMROOT%\\mmp", &out, &undef), EXP_OK);
	assert_string_equal(out, "C:\\WINDOWS\\mmp");
	free(out);
	assert_int_equal(env_expand("a%%b", &out, &undef), EXP_OK);
	assert_string_equal(out, "a%%b");
	free(out);
	assert_int_equal(env_expand("", &out, &undef), EXP_OK);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(env_expand("C:\\%NOPE%\\x", &out, &undef),
	    EXP_UNDEFINED);
	assert_string_equal(undef, "NOPE");
	assert_null(out);
	free(undef);
}

static void
test_value_absent_uses_windows_dir(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "C:\\WINDOWS  (Windows directory)\n");
}

static void
test_value_64(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\mmp", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "C:\\mmp  (registry, 64-bit view)\n");
}

static void
test_value_32_only(void **state)
{
	(void)state;
	fake_reg(VIEW_32, "D:\\mmp32", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "D:\\mmp32  (registry, 32-bit view)\n");
}

static void
test_both_views_differ_both_scanned(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\mmp", 0);
	fake_reg(VIEW_32, "D:\\mmp32", 0);
	fake_file("C:\\mmp", "a.mmp", 0);
	fake_file("D:\\mmp32", "b.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
	assert_false(fake_exists("C:\\mmp", "a.mmp"));
	assert_false(fake_exists("D:\\mmp32", "b.mmp"));
}

static void
test_both_views_same_listed_once(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\mmp", 0);
	fake_reg(VIEW_32, "c:\\MMP\\", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(),
	    "C:\\mmp  (registry, 64-bit and 32-bit views)\n");
}

static void
test_all_adds_windows_dir(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\mmp", 0);
	fake_file("C:\\WINDOWS", "old.mmp", 0);
	fake_file("C:\\mmp", "new.mmp", 0);
	assert_int_equal(fake_run("--all", "--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "C:\\mmp  (registry, 64-bit view)\n"
	    "C:\\WINDOWS  (Windows directory)\n");
	assert_int_equal(fake_run("--all", "-d", NULL), EXIT_CLEAN);
	assert_false(fake_exists("C:\\WINDOWS", "old.mmp"));
	assert_false(fake_exists("C:\\mmp", "new.mmp"));
}

static void
test_without_all_windows_dir_untouched(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\mmp", 0);
	fake_file("C:\\WINDOWS", "old.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
	assert_true(fake_exists("C:\\WINDOWS", "old.mmp"));
	assert_int_equal(fake_opens("C:\\WINDOWS", "old.mmp"), 0);
}

static void
test_all_value_equal_to_windir(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\Windows", 0);
	assert_int_equal(fake_run("--all", "--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(),
	    "C:\\Windows  (registry, 64-bit view; Windows directory)\n");
}

static void
test_expand_sz(void **state)
{
	(void)state;
	fake_env("SystemDrive", "C:");
	fake_reg(VIEW_64, "%SystemDrive%\\mmp", 1);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "C:\\mmp  (registry, 64-bit view)\n");
}

static void
test_plain_sz_not_expanded(void **state)
{
	(void)state;
	fake_env("SystemDrive", "C:");
	fake_reg(VIEW_64, "%SystemDrive%\\mmp", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "is REG_SZ, so %SystemDrive% in it is not "
	    "expanded: only REG_EXPAND_SZ values are");
}

static void
test_expand_undefined(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "%NOSUCH%\\mmp", 1);
	fake_file("C:\\WINDOWS", "w.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "ProfileDirectory' (64-bit view) "
	    "\"%NOSUCH%\\mmp\" uses %NOSUCH%, which is not set");
	assert_true(fake_exists("C:\\WINDOWS", "w.mmp"));
}

/* An unusable value: exit 3, its name in the message, no other scan. */
static void
bad_value(const char *value, const char *why)
{
	fake_reset();
	fake_dir("C:\\WINDOWS");
	fake_file("C:\\WINDOWS", "w.mmp", 0);
	fake_reg(VIEW_64, value, 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "registry value 'HKLM\\Software\\"
	    "Microsoft\\Windows Messaging Subsystem\\ProfileDirectory' "
	    "(");
	assert_contains(fake_err(), "64-bit view");
	assert_contains(fake_err(), why);
	assert_true(fake_exists("C:\\WINDOWS", "w.mmp"));
	assert_int_equal(fake_opens("C:\\WINDOWS", "w.mmp"), 0);
}

static void
test_unusable_values(void **state)
{
	(void)state;
	bad_value("mmp", "relative");
	bad_value("C:mmp", "relative");
	bad_value("\"C:\\mmp\"", "quoted");
	bad_value("C:\\nowhere", "no such directory");
	bad_value("C:\\a\\..\\WINDOWS", "'..'");
}

static void
test_wrong_types(void **state)
{
	static const struct {
		unsigned long type;
		const char *name;
	} types[] = {
		{ 4, "REG_DWORD" }, { 7, "REG_MULTI_SZ" }, { 3, "REG_BINARY" },
		{ 11, "REG_QWORD" }, { 0, "REG_NONE" }, { 99, "unknown" }
	};

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		fake_reset();
		fake_dir("C:\\WINDOWS");
		fake_file("C:\\WINDOWS", "w.mmp", 0);
		fake_reg_type(VIEW_64, types[i].type);
		assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
		assert_contains(fake_err(), "ProfileDirectory' (64-bit view) "
		    "has type");
		assert_contains(fake_err(), types[i].name);
		assert_true(fake_exists("C:\\WINDOWS", "w.mmp"));
	}
}

static void
test_empty_value_is_absent_with_warning(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "C:\\WINDOWS  (Windows directory)\n");
	assert_contains(fake_err(), "(64-bit view) is empty; treating it as "
	    "not set");
	fake_reg(VIEW_64, "   ", 0);
	assert_int_equal(fake_run("--where", NULL), EXIT_CLEAN);
	assert_contains(fake_err(), "is empty");
}

static void
test_bad_64_good_32_scans_32_exit_3(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "mmp", 0);
	fake_reg(VIEW_32, "D:\\mmp32", 0);
	fake_file("D:\\mmp32", "b.mmp", 0);
	fake_file("C:\\WINDOWS", "w.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_false(fake_exists("D:\\mmp32", "b.mmp"));
	assert_true(fake_exists("C:\\WINDOWS", "w.mmp"));
}

static void
test_registry_unreadable(void **state)
{
	(void)state;
	fake_reg_fail(VIEW_64, PST_DENIED);
	fake_file("C:\\WINDOWS", "w.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot read registry value 'HKLM\\Software"
	    "\\Microsoft\\Windows Messaging Subsystem\\ProfileDirectory' "
	    "(64-bit view): access denied");
	assert_true(fake_exists("C:\\WINDOWS", "w.mmp"));
}

static void
test_registry_read_error(void **state)
{
	(void)state;
	fake_reg_fail(VIEW_32, PST_IO);
	fake_file("C:\\WINDOWS", "w.mmp", 0);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot read registry value 'HKLM\\Software"
	    "\\Microsoft\\Windows Messaging Subsystem\\ProfileDirectory' "
	    "(32-bit view): fake I/O error 1117");
	assert_true(fake_exists("C:\\WINDOWS", "w.mmp"));
	assert_int_equal(fake_opens("C:\\WINDOWS", "w.mmp"), 0);
}

static void
test_windows_dir_unknown(void **state)
{
	(void)state;
	fake_reset();
	fake_windir(NULL);
	assert_int_equal(fake_run("-d", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot find the Windows directory: "
	    "fake I/O error 1117");
	/* with the value set, the Windows directory is not needed */
	fake_reg(VIEW_64, D, 0);
	fake_dir(D);
	assert_int_equal(fake_run("-d", NULL), EXIT_CLEAN);
}

static void
test_dir_option_replaces_registry(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\mmp", 0);
	fake_file("C:\\mmp", "a.mmp", 0);
	fake_dir("E:\\x");
	fake_file("E:\\x", "e.mmp", 0);
	assert_int_equal(fake_run("-d", "--dir", "E:/x/", NULL), EXIT_CLEAN);
	assert_true(fake_exists("C:\\mmp", "a.mmp"));
	assert_false(fake_exists("E:\\x", "e.mmp"));
	assert_int_equal(fake_run("--where", "--dir", "E:\\x", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "E:\\x  (--dir)\n");
}

static void
test_dir_drive_root_not_recursive(void **state)
{
	(void)state;
	fake_dir("C:\\");
	fake_file("C:\\", "root.mmp", 0);
	fake_file("C:\\", "sub", PLAT_A_DIR);
	fake_dir("C:\\sub");
	fake_file("C:\\sub", "deep.mmp", 0);
	assert_int_equal(fake_run("-d", "--dir", "C:\\", NULL), EXIT_CLEAN);
	assert_false(fake_exists("C:\\", "root.mmp"));
	assert_true(fake_exists("C:\\sub", "deep.mmp"));
	assert_contains(fake_out(), "deleted   C:\\root.mmp\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_normalise_accepts),
		T(test_normalise_long_path),
		T(test_normalise_refuses),
		T(test_normalise_refuses_every_control_byte),
		T(test_expand),
		T(test_value_absent_uses_windows_dir),
		T(test_value_64),
		T(test_value_32_only),
		T(test_both_views_differ_both_scanned),
		T(test_both_views_same_listed_once),
		T(test_all_adds_windows_dir),
		T(test_without_all_windows_dir_untouched),
		T(test_all_value_equal_to_windir),
		T(test_expand_sz),
		T(test_plain_sz_not_expanded),
		T(test_expand_undefined),
		T(test_unusable_values),
		T(test_wrong_types),
		T(test_empty_value_is_absent_with_warning),
		T(test_bad_64_good_32_scans_32_exit_3),
		T(test_registry_unreadable),
		T(test_registry_read_error),
		T(test_windows_dir_unknown),
		T(test_dir_option_replaces_registry),
		T(test_dir_drive_root_not_recursive),
#undef T
	};

	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}

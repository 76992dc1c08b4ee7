/* The command line: every option, every way to get it wrong. */
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
	(void)state;
	fake_reset();
	fake_dir("C:\\WINDOWS");
	return 0;
}


static struct opts
parse(int ok, const char *a, const char *b, const char *c)
{
	char *argv[] = { "mmpclean", (char *)a, (char *)b, (char *)c, NULL };
	int argc = 1 + (a != NULL) + (b != NULL) + (c != NULL);
	struct opts o;
	char err[256] = "";

	assert_int_equal(opts_parse(&o, argc, argv, err, sizeof(err)),
	    ok ? 0 : EXIT_USAGE);
	opts_free(&o);
	return o;
}

static void
test_each_option_sets_its_field(void **state)
{
	(void)state;
	assert_true(parse(1, "-d", NULL, NULL).delete);
	assert_true(parse(1, "--delete", NULL, NULL).delete);
	assert_true(parse(1, "--del", NULL, NULL).delete);
	assert_true(parse(1, "--force", NULL, NULL).force);
	assert_true(parse(1, "--all", NULL, NULL).all);
	assert_true(parse(1, "--where", NULL, NULL).where);
	assert_true(parse(1, "-q", NULL, NULL).quiet);
	assert_true(parse(1, "-v", NULL, NULL).verbose);
	assert_true(parse(1, "-h", NULL, NULL).help);
	assert_true(parse(1, "/?", NULL, NULL).help);
	assert_true(parse(1, "-V", NULL, NULL).version);
	assert_int_equal(parse(1, "--dir", "C:\\a", "--dir=D:\\b").ndirs, 2);
	assert_int_equal(parse(1, NULL, NULL, NULL).delete, 0);
}

static void
test_parse_twice_resets(void **state)
{
	(void)state;
	/* a second parse must not see the first one's state */
	assert_true(parse(1, "-d", "-q", NULL).quiet);
	assert_false(parse(1, "-v", NULL, NULL).quiet);
	assert_int_equal(parse(0, "-x", NULL, NULL).delete, 0);
	assert_true(parse(1, "-d", NULL, NULL).delete);
}

/* Exit 4, the message naming the problem, nothing scanned. */
static void
bad(const char *want, const char *a, const char *b)
{
	fake_reset();
	fake_dir("C:\\WINDOWS");
	fake_file("C:\\WINDOWS", "w.mmp", 0);
	assert_int_equal(fake_run("-d", a, b, NULL), EXIT_USAGE);
	assert_contains(fake_err(), want);
	assert_contains(fake_err(), "usage: mmpclean");
	assert_string_equal(fake_out(), "");
	assert_true(fake_exists("C:\\WINDOWS", "w.mmp"));
	assert_int_equal(fake_opens("C:\\WINDOWS", "w.mmp"), 0);
}

static void
test_usage_errors(void **state)
{
	(void)state;
	bad("mmpclean: unknown option '-x'\n", "-x", NULL);
	bad("unknown option '-x'", "-qx", NULL);
	bad("unknown option '--bogus'", "--bogus", NULL);
	bad("unknown option '--bogus'", "--bogus=1", NULL);
	bad("option '--delete' takes no value", "--delete=yes", NULL);
	bad("option '--dir' needs a value", "--dir", NULL);
	bad("unknown option '--d'", "--d", NULL);	/* delete or dir? */
	bad("unexpected argument 'C:\\x'", "C:\\x", NULL);
	bad("unexpected argument '/d' (options start with - or --)", "/d",
	    NULL);
	bad("--all and --dir cannot be combined", "--all", "--dir=C:\\x");
	bad("--where lists directories only", "--where", NULL);
	bad("--quiet and --verbose cannot be combined", "-q", "-v");
	bad("--dir 'mmp' is a relative path", "--dir", "mmp");
	bad("--dir '.' is a relative path", "--dir", ".");
	bad("--dir 'C:mmp' is relative", "--dir", "C:mmp");
	bad("--dir '' is empty", "--dir", "");
	bad("unknown option character 0xC3", "-\xc3\xa9", NULL);
}

static void
test_help_and_version(void **state)
{
	(void)state;
	assert_int_equal(fake_run("/?", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "--delete");
	assert_contains(fake_out(), "usage: mmpclean");
	assert_string_equal(fake_err(), "");
	assert_int_equal(fake_run("--help", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "Exit status:");
	assert_int_equal(fake_run("-V", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "mmpclean " MMPCLEAN_VERSION "\n");
	/* help wins over a bad option after it, as /? would */
	assert_int_equal(fake_run("/?", "--bogus", NULL), EXIT_CLEAN);
}

static void
test_help_lists_every_long_option(void **state)
{
	static const char *const names[] = {
		"--all", "--delete", "--dir=C:\\WINDOWS", "--force", "--help",
		"--quiet",
		"--verbose", "--version", "--where"
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_contains(help_text, strtok(strcpy(buf, names[i]), "="));
		assert_int_equal(fake_run(names[i], NULL) == EXIT_USAGE, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_each_option_sets_its_field),
		T(test_parse_twice_resets),
		T(test_usage_errors),
		T(test_help_and_version),
		T(test_help_lists_every_long_option),
#undef T
	};

	return cmocka_run_group_tests_name("opts", tests, NULL, NULL);
}

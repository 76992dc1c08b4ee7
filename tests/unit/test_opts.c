/* The command line: every option, every way to get it wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
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
	char err[OPTS_ERRMAX] = "";

	/* what opts_parse does not set must not be left as it was */
	memset(&o, 0xA5, sizeof(o));
	assert_int_equal(opts_parse(&o, argc, argv, err, sizeof(err)),
	    ok ? 0 : EXIT_USAGE);
	opts_free(&o);
	return o;
}

/* The message opts_parse gives for a bad command line. */
static const char *
parse_err(const char *a, const char *b, const char *c, const char *d)
{
	static char err[OPTS_ERRMAX];
	char *argv[] = { "mmpclean", (char *)a, (char *)b, (char *)c,
	    (char *)d, NULL };
	int argc = 1;
	struct opts o;

	while (argv[argc] != NULL)
		argc++;
	memset(err, 0, sizeof(err));
	assert_int_equal(opts_parse(&o, argc, argv, err, sizeof(err)),
	    EXIT_USAGE);
	opts_free(&o);
	return err;
}

static void
test_each_option_sets_its_field(void **state)
{
	struct opts o;

	(void)state;
	assert_true(parse(1, "-d", NULL, NULL).delete);
	assert_true(parse(1, "--delete", NULL, NULL).delete);
	assert_true(parse(1, "--delete", "--force", NULL).force);
	assert_true(parse(1, "--all", NULL, NULL).all);
	assert_true(parse(1, "--where", NULL, NULL).where);
	assert_true(parse(1, "-q", NULL, NULL).quiet);
	assert_true(parse(1, "--quiet", NULL, NULL).quiet);
	assert_true(parse(1, "-v", NULL, NULL).verbose);
	assert_true(parse(1, "--verbose", NULL, NULL).verbose);
	assert_true(parse(1, "-h", NULL, NULL).help);
	assert_true(parse(1, "--help", NULL, NULL).help);
	assert_true(parse(1, "/?", NULL, NULL).help);
	assert_true(parse(1, "-?", NULL, NULL).help);
	assert_true(parse(1, "-V", NULL, NULL).version);
	assert_true(parse(1, "--version", NULL, NULL).version);
	assert_true(parse(1, "--eventlog", NULL, NULL).eventlog);
	assert_true(parse(1, "--holders", NULL, NULL).holders);
	assert_true(parse(1, "-d", "--reboot", NULL).reboot);
	assert_int_equal(parse(1, "--wait", "30", NULL).wait, 30);
	assert_int_equal(parse(1, "--wait=7", NULL, NULL).wait, 7);
	assert_int_equal(parse(1, "--older-than", "2h", NULL).older_than,
	    7200);
	assert_int_equal(parse(1, "--format", "csv", NULL).format, FMT_CSV);
	assert_int_equal(parse(1, "--format=json", NULL, NULL).format,
	    FMT_JSON);
	assert_int_equal(parse(1, "--format", "text", NULL).format, FMT_TEXT);
	assert_int_equal(parse(1, "--dir", "C:\\a", "--dir=D:\\b").ndirs, 2);
	assert_int_equal(parse(1, "--unconfigure", NULL, NULL).cmd,
	    CMD_UNCONFIGURE);
	assert_int_equal(parse(1, "--install-eventlog", NULL, NULL).cmd,
	    CMD_INSTALL_EVENTLOG);
	assert_int_equal(parse(1, "--uninstall-eventlog", NULL, NULL).cmd,
	    CMD_UNINSTALL_EVENTLOG);
	o = parse(1, "--configure", "D:\\m", "--grant=IUSR_X");
	assert_int_equal(o.cmd, CMD_CONFIGURE);
	assert_string_equal(o.configure, "D:\\m");
	assert_string_equal(o.grant, "IUSR_X");

	/* a cluster of short options */
	o = parse(1, "-dv", NULL, NULL);
	assert_true(o.delete && o.verbose && !o.quiet);

	/* nothing given, nothing set */
	o = parse(1, NULL, NULL, NULL);
	assert_true(!o.delete && !o.force && !o.all && !o.where && !o.quiet &&
	    !o.verbose && !o.help && !o.version && !o.holders && !o.reboot &&
	    !o.eventlog && o.wait == 0 && o.cmd == CMD_SCAN &&
	    o.ndirs == 0 && o.older_than == -1 && o.format == FMT_TEXT);
}

static void
test_parse_twice_resets(void **state)
{
	char *argv1[] = { "mmpclean", "-d", "--log", "C:\\l.txt", "-x", NULL };
	char *argv2[] = { "mmpclean", "-q", NULL };
	char err[OPTS_ERRMAX];
	struct opts o;

	(void)state;
	/* a parse that fails half-way leaves nothing to the next one */
	assert_int_equal(opts_parse(&o, 5, argv1, err, sizeof(err)),
	    EXIT_USAGE);
	assert_true(o.delete);
	opts_free(&o);
	assert_int_equal(opts_parse(&o, 2, argv2, err, sizeof(err)), 0);
	assert_false(o.delete);
	assert_null(o.log);
	assert_true(o.quiet);
	opts_free(&o);
	/* the same single-valued option in two runs is not "given twice" */
	assert_int_equal(parse(1, "--format", "csv", NULL).format, FMT_CSV);
	assert_int_equal(parse(1, "--format", "json", NULL).format, FMT_JSON);
}

static int
is_option(const char *name)
{
	for (const struct optdef *d = optdefs; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return 1;
	return 0;
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
	/* --where probes nothing: a thread count would be ignored */
	fake_reset();
	fake_dir("C:\\WINDOWS");
	assert_int_equal(fake_run("--where", "--threads", "2", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "--where lists directories only; "
	    "--threads does not apply");
	assert_string_equal(fake_out(), "");
	bad("mmpclean: unknown option '-x'\n", "-x", NULL);
	bad("unknown option '-x'", "-qx", NULL);
	bad("mmpclean: unknown option '--bogus'\n", "--bogus", NULL);
	bad("mmpclean: unknown option '--bogus'\n", "--bogus=1", NULL);
	bad("option '--delete' takes no value", "--delete=yes", NULL);
	bad("option '--dir' needs a value", "--dir", NULL);
	bad("unexpected argument 'C:\\x'", "C:\\x", NULL);
	bad("unexpected argument '/d' (options start with - or --)", "/d",
	    NULL);
	bad("unexpected argument '-'", "-", NULL);
	bad("unexpected argument 'C:\\x'", "--", "C:\\x");
	bad("--all and --dir cannot be combined", "--all", "--dir=C:\\x");
	bad("--where lists directories only", "--where", NULL);
	bad("--quiet and --verbose cannot be combined", "-q", "-v");
	bad("--dir 'mmp' is a relative path", "--dir", "mmp");
	bad("--dir '.' is a relative path", "--dir", ".");
	bad("--dir 'C:mmp' is relative", "--dir", "C:mmp");
	bad("--dir '' is empty", "--dir", "");
	bad("unknown option character 0xC3", "-\xc3", NULL);
	bad("unknown option character 0x01", "-\x01", NULL);
	bad("unknown option '-\xc3\xa9'\n", "-\xc3\xa9", NULL);
	bad("unknown option '-\xe2\x82\xac'\n", "-d\xe2\x82\xac", NULL);
}

/* Long options are exact: a prefix is refused and the full name given. */
static void
test_abbreviations_refused(void **state)
{
	(void)state;
	bad("mmpclean: unknown option '--del' (options cannot be "
	    "abbreviated); did you mean --delete?\n", "--del", NULL);
	bad("unknown option '--i' (options cannot be abbreviated); did you "
	    "mean --install-eventlog?\n", "--i", NULL);
	bad("unknown option '--conf' (options cannot be abbreviated); did "
	    "you mean --configure?\n", "--conf=D:\\m", NULL);
	bad("unknown option '--d' (options cannot be abbreviated); did you "
	    "mean --delete or --dir?\n", "--d", NULL);
	bad("unknown option '--ver' (options cannot be abbreviated); did "
	    "you mean --verbose or --version?\n", "--ver", NULL);
	bad("did you mean --older-than?", "--older", "1d");
	/* every option's every proper prefix */
	for (const struct optdef *d = optdefs; d->name != NULL; d++)
		for (size_t n = 1; n < strlen(d->name); n++) {
			char arg[32], want[64];

			snprintf(arg, sizeof(arg), "--%.*s", (int)n, d->name);
			snprintf(want, sizeof(want), "--%s", d->name);
			if (is_option(arg + 2))
				continue;	/* --computer, of --computers */
			bad("(options cannot be abbreviated); did you mean",
			    arg, NULL);
			assert_contains(fake_err(), want);
		}
}

static void
test_misspelled_option_suggested(void **state)
{
	(void)state;
	bad("mmpclean: unknown option '--delte'; did you mean --delete?\n",
	    "--delte", NULL);
	bad("unknown option '--fromat'; did you mean --format?\n", "--fromat",
	    "json");
	bad("unknown option '--older_than'; did you mean --older-than?\n",
	    "--older_than=1d", NULL);
	bad("unknown option '--Delete'; did you mean --delete?\n", "--Delete",
	    NULL);
	bad("unknown option '--whre'; did you mean --where?\n", "--whre",
	    NULL);
	bad("unknown option '--dri'; did you mean --dir?\n", "--dri", NULL);
	bad("unknown option '--eventlogs'; did you mean --eventlog?\n",
	    "--eventlogs", NULL);
	/* too far from any option: no guess */
	bad("unknown option '--bogus'\n", "--bogus", NULL);
	bad("unknown option '--x'\n", "--x", NULL);
	bad("unknown option '--'\n", "--=1", NULL);
}

static void
test_flags_take_no_value(void **state)
{
	(void)state;
	bad("option '--all' takes no value", "--all=1", NULL);
	bad("option '--delete' takes no value", "--delete=", NULL);
	bad("option '--where' takes no value", "--where=x", NULL);
	for (const struct optdef *d = optdefs; d->name != NULL; d++) {
		char arg[40], want[64];

		snprintf(arg, sizeof(arg), "--%s=1", d->name);
		if (d->arg != NULL) {
			snprintf(want, sizeof(want), "option '--%s' needs a "
			    "value", d->name);
			snprintf(arg, sizeof(arg), "--%s", d->name);
			bad(want, arg, NULL);
			continue;
		}
		snprintf(want, sizeof(want), "option '--%s' takes no value",
		    d->name);
		bad(want, arg, NULL);
		assert_null(strstr(fake_err(), "needs a value"));
	}
}

/* Two values for one option: which one the task meant is not known. */
static void
test_single_valued_option_twice(void **state)
{
	(void)state;
	bad("--log given twice, 'C:\\a.log' and 'C:\\b.log'; give it once",
	    "--log=C:\\a.log", "--log=C:\\b.log");
	bad("--format given twice, 'csv' and 'json'; give it once",
	    "--format=csv", "--format=json");
	bad("--format given twice, 'json' and 'json'", "--format=json",
	    "--format=json");
	bad("--older-than given twice, '1d' and '2d'", "--older-than=1d",
	    "--older-than=2d");
	bad("--wait given twice, '5' and '60'", "--wait=5", "--wait=60");
	assert_string_equal(parse_err("--configure", "D:\\a", "--grant=A",
	    "--grant=B"), "--grant given twice, 'A' and 'B'; give it once");
	assert_string_equal(parse_err("--configure", "D:\\a", "--configure",
	    "D:\\b"), "--configure given twice, 'D:\\a' and 'D:\\b'; give it "
	    "once");
	/* every option marked single-valued, and only those */
	for (const struct optdef *d = optdefs; d->name != NULL; d++) {
		static const char *const two[][3] = {
			{ "SECONDS", "1", "2" }, { "AGE", "1d", "2d" },
			{ "FMT", "csv", "json" }, { "FILE", "C:\\1", "C:\\2" },
			{ "DIR", "D:\\1", "D:\\2" }, { "ACCOUNT", "A", "B" },
			{ "NAME", "a", "b" }, { "N", "1", "2" },
		};
		char a[40], b[40], want[64];
		size_t k = 0;

		if (d->arg == NULL)
			continue;
		while (strcmp(two[k][0], d->arg) != 0)
			k++;
		snprintf(a, sizeof(a), "--%s=%s", d->name, two[k][1]);
		snprintf(b, sizeof(b), "--%s=%s", d->name, two[k][2]);
		snprintf(want, sizeof(want), "--%s given twice, '%s' and '%s'",
		    d->name, two[k][1], two[k][2]);
		if (d->once)
			assert_contains(parse_err(a, b, NULL, NULL), want);
		else
			assert_true(d->id == OPT_DIR || d->id == OPT_COMPUTER);
	}
	/* --dir is the one that may be repeated */
	assert_int_equal(parse(1, "--dir=C:\\a", "--dir=C:\\a", NULL).ndirs,
	    2);
}

/* "/?" is help as an argument of its own; as an option's value, a value. */
static void
test_help_forms_and_values(void **state)
{
	(void)state;
	bad("--dir '/?' is", "--dir", "/?");
	bad("--log '/?' is", "--log", "/?");
	bad("--format '/?' is not a format", "--format", "/?");
	bad("--format '-?' is not a format", "--format", "-?");
	assert_int_equal(fake_run("-?", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "usage: mmpclean");
	assert_int_equal(fake_run("-d?", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "usage: mmpclean");
	assert_string_equal(fake_err(), "");
}

/* s is valid UTF-8 and has no control characters. */
static void
assert_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : *p >= 0xC2 && *p < 0xE0 ? 1 :
		    *p >= 0xE0 && *p < 0xF0 ? 2 : *p >= 0xF0 && *p < 0xF5 ?
		    3 : -1;

		if (n < 0 || *p < ' ')
			fail_msg("not UTF-8 text at byte %zu: %s",
			    (size_t)(p - (const unsigned char *)s), s);
		for (p++; n > 0; n--, p++)
			if ((*p & 0xC0) != 0x80)
				fail_msg("a character split at byte %zu: %s",
				    (size_t)(p - (const unsigned char *)s), s);
	}
}

/* A long value is shortened inside its quotes; the reason still follows. */
static void
test_long_values_shortened(void **state)
{
	char a[1300], b[1400], c[1320];
	const char *e;

	(void)state;
	/* é (2 bytes), € (3) and an astral character (4), at every offset */
	for (size_t shift = 0; shift < 4; shift++) {
		static const char *const chars[] = { "\xc3\xa9",
		    "\xe2\x82\xac", "\xf0\x9f\x98\x80" };

		for (size_t k = 0; k < 3; k++) {
			size_t n = shift;

			memset(a, 'x', shift);
			while (n + 4 < 1200) {
				memcpy(a + n, chars[k], strlen(chars[k]));
				n += strlen(chars[k]);
			}
			a[n] = '\0';
			e = parse_err("--format", a, NULL, NULL);
			assert_utf8(e);
			assert_contains(e, "...' is not a format: use text, csv "
			    "or json");
			assert_true(strlen(e) < 200);

			snprintf(b, sizeof(b), "--older-than=%s", a);
			e = parse_err(b, NULL, NULL, NULL);
			assert_utf8(e);
			assert_contains(e, "...' must be a number");

			snprintf(c, sizeof(c), "C:\\%s", a);
			e = parse_err("--dir", "C:\\x", "--dir", a);
			assert_utf8(e);
			assert_contains(e, "...' is a relative path");

			snprintf(b, sizeof(b), "--log=%s", c);
			e = parse_err(b, "--log", c, NULL);
			assert_utf8(e);
			assert_contains(e, "...' and '");
			assert_contains(e, "...'; give it once");

			snprintf(b, sizeof(b), "--%s", a);
			e = parse_err(b, NULL, NULL, NULL);
			assert_utf8(e);
			assert_contains(e, "...'");

			e = parse_err(a, NULL, NULL, NULL);
			assert_utf8(e);
			assert_contains(e, "unexpected argument '");
			assert_contains(e, "...'");
		}
	}
	/* a value that fits is shown whole, without "..." */
	memset(a, 'y', 64);
	a[64] = '\0';
	e = parse_err("--format", a, NULL, NULL);
	assert_contains(e, a);
	assert_null(strstr(e, "..."));
	a[64] = 'y';
	a[65] = '\0';
	e = parse_err("--format", a, NULL, NULL);
	assert_contains(e, "y...' is not a format");
}

static void
test_ages(void **state)
{
	(void)state;
	bad("--older-than '1.5d' has a fraction: fractions are not supported",
	    "--older-than", "1.5d");
	bad("--older-than '0,5h' has a fraction", "--older-than", "0,5h");
	bad("--older-than '7D' has an upper-case unit: units are s, m, h and "
	    "d, in lower case (m is minutes)", "--older-than", "7D");
	bad("--older-than '30M' has an upper-case unit", "--older-than=30M",
	    NULL);
	bad("--older-than '7w' has an unknown unit", "--older-than=7w", NULL);
	bad("--wait '1.5' must be a whole number of seconds", "--wait=1.5",
	    NULL);
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
	/* help wins over a bad option before or after it */
	assert_int_equal(fake_run("/?", "--bogus", NULL), EXIT_CLEAN);
	assert_int_equal(fake_run("--bogus", "-h", NULL), EXIT_CLEAN);
	assert_int_equal(fake_run("--format=x", "--help", NULL), EXIT_CLEAN);
	assert_contains(fake_out(), "usage: mmpclean");
	assert_string_equal(fake_err(), "");
	/* but a help option spelt wrong is no help */
	assert_int_equal(fake_run("--help=1", NULL), EXIT_USAGE);
	assert_string_equal(fake_out(), "");
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s (run the unit tests from the top of "
		    "the source tree)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* want occurs in text, not followed by more of an option's name. */
static const char *
find_word(const char *text, const char *want)
{
	for (const char *p = text; (p = strstr(p, want)) != NULL; p++)
		if (!name_char(p[strlen(want)]))
			return p;
	return NULL;
}

/* The line of text around p, as a new string. */
static char *
line_at(const char *text, const char *p)
{
	const char *b = p, *e = p + strcspn(p, "\n");

	while (b > text && b[-1] != '\n')
		b--;
	return strndup(b, (size_t)(e - b));
}

/* A "Fl xyz" in text naming the short option c. */
static int
has_letter(const char *text, char c)
{
	for (const char *p = text; (p = strstr(p, "Fl ")) != NULL; p += 3) {
		size_t n = strspn(p + 3, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ?");

		if (memchr(p + 3, c, n) != NULL)
			return 1;
	}
	return 0;
}

/* "-x" or "[-wxy]" in the usage line. */
static int
usage_has_letter(char c)
{
	for (const char *p = usage_line; (p = strchr(p, '-')) != NULL; p++) {
		size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

		if (p > usage_line && (p[-1] == '-' || name_char(p[-1])))
			continue;
		if (memchr(p + 1, c, n) != NULL)
			return 1;
	}
	return 0;
}

/* Every "prefix" + name (a run of name characters) in text is an option. */
static void
only_known(const char *where, const char *text, const char *prefix)
{
	for (const char *p = text; (p = strstr(p, prefix)) != NULL; p++) {
		const char *n = p + strlen(prefix);
		size_t len = 0;
		int known = 0;

		if (n[0] < 'a' || n[0] > 'z')
			continue;	/* "---" in a table, "-- " */
		while (name_char(n[len]))
			len++;
		for (const struct optdef *d = optdefs; d->name != NULL; d++)
			known |= strlen(d->name) == len &&
			    strncmp(d->name, n, len) == 0;
		if (!known)
			fail_msg("%s names --%.*s, which is not an option",
			    where, (int)len, n);
	}
}

/*
 * opts.c's table, --help (and the usage line), the manual's SYNOPSIS and
 * option list, and README's option table name the same options, with
 * the same short letters and value names.
 */
static void
test_docs_name_every_option(void **state)
{
	char *man = slurp("man/mmpclean.1"), *readme = slurp("README.md");
	char *syn, *list, *table;
	const char *p, *q;
	size_t n = 0;

	(void)state;
	/* the manual's SYNOPSIS, and its option list */
	assert_non_null(p = strstr(man, ".Sh SYNOPSIS\n"));
	assert_non_null(q = strstr(p, "\n.Sh "));
	syn = strndup(p, (size_t)(q - p));
	assert_non_null(p = strstr(man, "The options are as follows:\n"));
	assert_non_null(q = strstr(p, "\n.El\n"));
	list = strndup(p, (size_t)(q - p));
	/* README's option table: the rows after "| option | does |" */
	assert_non_null(p = strstr(readme, "| option | does |\n"));
	assert_non_null(q = strstr(p, "\n\n"));
	table = strndup(p, (size_t)(q - p));

	for (const struct optdef *d = optdefs; d->name != NULL; d++, n++) {
		char want[96], lower[16] = "";
		char *line;

		for (size_t i = 0; d->arg && d->arg[i] && i < 15; i++)
			lower[i] = (char)(d->arg[i] - 'A' + 'a');

		/* --help: "-x, --name ARG" */
		if (d->letter)
			snprintf(want, sizeof(want), "-%c, --%s%s%s",
			    d->letter, d->name, d->arg ? " " : "",
			    d->arg ? d->arg : "");
		else
			snprintf(want, sizeof(want), "--%s%s%s", d->name,
			    d->arg ? " " : "", d->arg ? d->arg : "");
		if (find_word(help_text, want) == NULL)
			fail_msg("--help does not list \"%s\"", want);

		/* the usage line and the SYNOPSIS: the long name, or the
		 * letter, with the value's name */
		snprintf(want, sizeof(want), "--%s%s%s", d->name,
		    d->arg ? " " : "", d->arg ? d->arg : "");
		if (find_word(usage_line, want) == NULL && (d->letter == 0 ||
		    !usage_has_letter(d->letter)))
			fail_msg("the usage line lacks \"%s\"", want);
		snprintf(want, sizeof(want), "Fl \\-%s%s%s", d->name,
		    d->arg ? " Ar " : "", lower);
		if (find_word(syn, want) == NULL && (d->letter == 0 ||
		    !has_letter(syn, d->letter)))
			fail_msg("the manual's SYNOPSIS lacks \"%s\"", want);

		/* the manual's option list: ".It Fl x , Fl \-name Ar arg" */
		line = NULL;
		for (p = list; line == NULL && (p = find_word(p, want)) != NULL;
		    p++) {
			line = line_at(list, p);
			if (strncmp(line, ".It ", 4) != 0) {
				free(line);
				line = NULL;
			}
		}
		if (line == NULL)
			fail_msg("the manual's option list has no .It with "
			    "\"%s\"", want);
		if (d->letter && !has_letter(line, d->letter))
			fail_msg("the manual's \"%s\" lacks -%c", line,
			    d->letter);
		free(line);

		/* README's table: "`-x`, `--name ARG`" in one row */
		snprintf(want, sizeof(want), "--%s%s%s", d->name,
		    d->arg ? " " : "", d->arg ? d->arg : "");
		if ((p = find_word(table, want)) == NULL)
			fail_msg("README's option table lacks \"%s\"", want);
		line = line_at(table, p);
		snprintf(want, sizeof(want), "`-%c`", d->letter);
		if (d->letter && strstr(line, want) == NULL)
			fail_msg("README's row \"%s\" lacks %s", line, want);
		free(line);
	}
	assert_int_equal(n, OPT_MAX - 1);

	/* and none of them names an option that is not in the table */
	only_known("--help", help_text, "--");
	only_known("the usage line", usage_line, "--");
	only_known("the manual", man, "Fl \\-");
	only_known("README's option table", table, "--");

	free(syn);
	free(list);
	free(table);
	free(man);
	free(readme);
}
int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_each_option_sets_its_field),
		T(test_parse_twice_resets),
		T(test_usage_errors),
		T(test_abbreviations_refused),
		T(test_misspelled_option_suggested),
		T(test_flags_take_no_value),
		T(test_single_valued_option_twice),
		T(test_help_forms_and_values),
		T(test_long_values_shortened),
		T(test_ages),
		T(test_help_and_version),
		T(test_docs_name_every_option),
#undef T
	};

	return cmocka_run_group_tests_name("opts", tests, NULL, NULL);
}

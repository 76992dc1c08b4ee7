/*
 * End-to-end tests of the core behaviour: the real build/mmpclean.exe under
 * Wine, with real lock holders.  The harness (harness.h) says how.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

/* ---- core behaviour ---- */

static void
t_report_lists_locked_and_unlocked(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "c.mmp"));
	HOLD(f, NULL, NULL, "b.mmp");

	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line(r, "unlocked", W(f, "a.mmp"));
	expect_line(r, "locked", W(f, "b.mmp"));
	expect_line(r, "unlocked", W(f, "c.mmp"));
	expect_summary(r, 3, ".mmp file");
	expect_summary(r, 2, "unlocked");
	expect_summary(r, 1, "locked");
	expect_exists(U(f, "a.mmp"));
	expect_exists(U(f, "b.mmp"));
	expect_exists(U(f, "c.mmp"));
}

static void
t_delete_keeps_locked_file(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "c.mmp"));
	HOLD(f, NULL, NULL, "b.mmp");

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_line(r, "locked", W(f, "b.mmp"));
	expect_line(r, "deleted", W(f, "c.mmp"));
	expect_summary(r, 2, "deleted");
	expect_summary(r, 1, "locked");
	expect_gone(U(f, "a.mmp"));
	expect_exists(U(f, "b.mmp"));
	expect_gone(U(f, "c.mmp"));
}

static void
t_delete_all_free_then_nothing_left(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));

	r = MM(f, "-d", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_line(r, "deleted", W(f, "b.mmp"));
	expect_summary(r, 2, "deleted");
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "b.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_summary(r, 0, ".mmp file");
	if (count_all_lines(r->out) != 1) {
		dump(r);
		fail_msg("the second run should print only the summary");
	}
}

static void
t_lookalikes_and_subdirectories_survive(void **state)
{
	static const char *const keep[] = {
		"foo.mmpx", "foo.mmp~", "ab.mmp-old", "x.txt", "mmp",
		"d.mmp/inner.mmp", "sub/s.mmp",
	};
	struct fx *f = *state;
	struct run *r;

	mkdir_p(U(f, "d.mmp"));
	mkdir_p(U(f, "sub"));
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		mkfile(U(f, keep[i]));
	mkfile(U(f, "real.mmp"));
	mkfile(U(f, "UPPER.MMP"));
	mkfile(U(f, "Mixed.Mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "real.mmp"));
	expect_line(r, "deleted", W(f, "UPPER.MMP"));
	expect_line(r, "deleted", W(f, "Mixed.Mmp"));
	expect_gone(U(f, "real.mmp"));
	expect_gone(U(f, "UPPER.MMP"));
	expect_gone(U(f, "Mixed.Mmp"));
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		expect_exists(U(f, keep[i]));
		expect_no_line(r, W(f, keep[i]));
	}
	expect_exists(U(f, "d.mmp"));
	expect_no_line(r, W(f, "d.mmp"));
	expect_summary(r, 3, ".mmp file");
}

static void
t_exit_status_highest_wins(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "r.mmp"));
	chmod(U(f, "r.mmp"), 0444);
	HOLD(f, NULL, NULL, "b.mmp");

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);		/* read-only (2) beats locked (1) */
	expect_line(r, "locked", W(f, "b.mmp"));
	expect_line(r, "read-only", W(f, "r.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir, "--dir", W(f, "nope"));
	expect_exit(r, 3);		/* a missing directory beats both */
	expect_exists(U(f, "b.mmp"));
	expect_exists(U(f, "r.mmp"));
}

/* ---- where the directory comes from ---- */

static void
t_registry_sz_64bit_view(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	reg_set(f, 64, "REG_SZ", f->wdir);

	r = MM0(f);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "a.mmp"));
	expect_summary(r, 1, ".mmp file");
	expect_exists(U(f, "a.mmp"));
}

static void
t_registry_32bit_view_when_64_absent(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	reg_set(f, 32, "REG_SZ", f->wdir);
	if (reg_query(64, &f->r) == 0) {
		dump(&f->r);
		fail_msg("the 64-bit view should have no value");
	}

	r = MM0(f);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "a.mmp"));

	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_where(r, f->wdir, "registry, 32-bit view");
}

static void
t_registry_both_views_scanned(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkdir_p(U(f, "v64"));
	mkdir_p(U(f, "v32"));
	mkfile(U(f, "v64/a.mmp"));
	mkfile(U(f, "v32/b.mmp"));
	reg_set(f, 64, "REG_SZ", W(f, "v64"));
	reg_set(f, 32, "REG_SZ", W(f, "v32"));

	r = MM(f, "--delete");
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "v64/a.mmp"));
	expect_line(r, "deleted", W(f, "v32/b.mmp"));
	expect_summary(r, 2, "director");
	expect_gone(U(f, "v64/a.mmp"));
	expect_gone(U(f, "v32/b.mmp"));
}

static void
t_registry_same_directory_scanned_once(void **state)
{
	struct fx *f = *state;
	char upper[PATH_MAX];
	struct run *r;

	mkfile(U(f, "a.mmp"));
	reg_set(f, 64, "REG_SZ", f->wdir);
	fmt(upper, sizeof upper, "%s", f->wdir);
	for (char *p = upper; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	reg_set(f, 32, "REG_SZ", upper);

	r = MM0(f);
	expect_exit(r, 0);
	if (count_lines(r->out, "unlocked", W(f, "a.mmp"), 1) != 1) {
		dump(r);
		fail_msg("a.mmp should be listed exactly once");
	}
	expect_summary(r, 1, ".mmp file");
}

/* The same directory through a symlinked alias: scanned once, by identity. */
static void
t_alias_of_directory_scanned_once(void **state)
{
	struct fx *f = *state;
	char alias[PATH_MAX], walias[PATH_MAX];
	struct run *r;

	mkfile(U(f, "a.mmp"));
	fmt(alias, sizeof alias, "%s/alias", f->uout);
	fmt(walias, sizeof walias, "%s\\alias", f->wout);
	if (symlink(f->udir, alias) != 0)
		fail_msg("symlink: %s", strerror(errno));

	r = MM(f, "--dir", f->wdir, "--dir", walias);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "a.mmp"));
	if (count_status(r->out, "unlocked") != 1) {
		dump(r);
		fail_msg("a.mmp should be listed once");
	}
	expect_summary(r, 1, ".mmp file");
	expect_summary(r, 1, "director");
}

static void
t_registry_expand_sz(void **state)
{
	struct fx *f = *state;
	char name[128], value[256], want[256], file[PATH_MAX];
	struct run *r;

	fmt(name, sizeof name, "e2e-%s", f->name);
	fmt(value, sizeof value, "%%SystemRoot%%\\%s", name);
	fmt(want, sizeof want, "C:\\windows\\%s\\a.mmp", name);
	fmt(file, sizeof file, "%s/a.mmp", win_dir(f, name));
	mkfile(file);
	reg_set(f, 64, "REG_EXPAND_SZ", value);

	r = MM0(f);
	expect_exit(r, 0);
	expect_line_icase(r, "unlocked", want);
	if (strchr(r->out, '%') != NULL) {
		dump(r);
		fail_msg("%%SystemRoot%% was not expanded");
	}
}

static void
t_registry_absent_uses_windows_dir(void **state)
{
	struct fx *f = *state;
	const char *want = win_file(f);
	struct run *r;


	r = MM0(f);
	expect_exit(r, 0);
	expect_line_icase(r, "unlocked", want);
	expect_summary(r, 1, "director");

	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_where(r, "C:\\windows", "Windows directory");
	if (count_all_lines(r->out) != 1) {
		dump(r);
		fail_msg("--where should print one line");
	}
}

static void
t_all_covers_value_and_windows_dir(void **state)
{
	struct fx *f = *state;
	const char *want = win_file(f);
	struct run *r;

	mkfile(U(f, "a.mmp"));
	reg_set(f, 64, "REG_SZ", f->wdir);

	r = MM0(f);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "a.mmp"));
	expect_no_line(r, want);

	r = MM(f, "--all");
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "a.mmp"));
	expect_line_icase(r, "unlocked", want);
	expect_summary(r, 2, "director");
}

static void
t_all_scans_each_directory_once(void **state)
{
	struct fx *f = *state;
	const char *want = win_file(f);
	struct run *r;

	reg_set(f, 64, "REG_SZ", "C:\\WINDOWS");

	r = MM(f, "--all");
	expect_exit(r, 0);
	if (count_lines(r->out, "unlocked", want, 1) != 1) {
		dump(r);
		fail_msg("%s should be listed exactly once", want);
	}
	expect_summary(r, 1, "director");
}

static void
t_where_lists_sources(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkdir_p(U(f, "v64"));
	mkdir_p(U(f, "v32"));
	mkfile(U(f, "v64/a.mmp"));
	reg_set(f, 64, "REG_SZ", W(f, "v64"));
	reg_set(f, 32, "REG_SZ", W(f, "v32"));

	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_where(r, W(f, "v64"), "registry, 64-bit view");
	expect_where(r, W(f, "v32"), "registry, 32-bit view");
	if (count_all_lines(r->out) != 2) {
		dump(r);
		fail_msg("--where should print two lines");
	}

	r = MM(f, "--where", "--all");
	expect_exit(r, 0);
	expect_where(r, W(f, "v64"), "registry, 64-bit view");
	expect_where(r, W(f, "v32"), "registry, 32-bit view");
	expect_where(r, "C:\\windows", "Windows directory");

	r = MM(f, "--where", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_where(r, f->wdir, "--dir");
	if (count_all_lines(r->out) != 1) {
		dump(r);
		fail_msg("--where --dir should print one line");
	}
	expect_exists(U(f, "v64/a.mmp"));
}

static void
t_registry_dword_exit3(void **state)
{
	struct fx *f = *state;
	struct run *r;

	reg_set(f, 64, "REG_DWORD", "1");

	r = MM0(f);
	expect_exit(r, 3);
	expect_diag(r);
	expect_in(r, err, "ProfileDirectory");
}

/* A relative value must not be resolved against the current directory. */
static void
relative_value(struct fx *f, const char *value)
{
	struct run *r;

	mkdir_p(U(f, "mmp"));
	mkfile(U(f, "mmp/a.mmp"));
	reg_set(f, 64, "REG_SZ", value);

	r = MM(f, "--delete");
	expect_exit(r, 3);
	expect_diag(r);
	expect_exists(U(f, "mmp/a.mmp"));
	expect_no_line(r, W(f, "mmp/a.mmp"));
}

static void
t_registry_relative_exit3(void **state)
{
	relative_value(*state, "mmp");
}

static void
t_registry_drive_relative_exit3(void **state)
{
	relative_value(*state, "C:mmp");
}

static void
t_registry_quoted_exit3(void **state)
{
	struct fx *f = *state;
	char value[PATH_MAX];
	struct run *r;

	mkfile(U(f, "a.mmp"));
	fmt(value, sizeof value, "\"%s\"", f->wdir);
	reg_set(f, 64, "REG_SZ", value);

	r = MM(f, "--delete");
	expect_exit(r, 3);
	expect_diag(r);
	expect_exists(U(f, "a.mmp"));
}

static void
t_registry_missing_directory_exit3(void **state)
{
	struct fx *f = *state;
	struct run *r;

	reg_set(f, 64, "REG_SZ", W(f, "nope"));

	r = MM0(f);
	expect_exit(r, 3);
	expect_diag(r);
}

static void
t_registry_names_a_file_exit3(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "file.mmp"));
	reg_set(f, 64, "REG_SZ", W(f, "file.mmp"));

	r = MM(f, "--delete");
	expect_exit(r, 3);
	expect_diag(r);
	expect_exists(U(f, "file.mmp"));
}

static void
t_registry_empty_warns_uses_windows_dir(void **state)
{
	struct fx *f = *state;
	const char *want = win_file(f);
	struct run *r;

	reg_set(f, 64, "REG_SZ", "");

	r = MM0(f);
	expect_exit(r, 0);
	expect_diag(r);
	expect_line_icase(r, "unlocked", want);
	expect_summary(r, 1, "director");
}

static void
t_registry_unicode_directory(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkdir_p(U(f, "Каталог"));
	mkfile(U(f, "Каталог/файл.mmp"));
	reg_set(f, 64, "REG_SZ", W(f, "Каталог"));

	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_where(r, W(f, "Каталог"), "registry, 64-bit view");

	r = MM(f, "--delete");
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "Каталог/файл.mmp"));
	expect_gone(U(f, "Каталог/файл.mmp"));
}

static void
t_registry_path_with_spaces(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkdir_p(U(f, "with space"));
	mkfile(U(f, "with space/a b.mmp"));
	reg_set(f, 64, "REG_SZ", W(f, "with space"));

	r = MM(f, "--delete");
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "with space/a b.mmp"));
	expect_gone(U(f, "with space/a b.mmp"));
}

/* ---- the command line ---- */

static void
t_dir_missing_exit3(void **state)
{
	struct fx *f = *state;
	struct run *r;

	r = MM(f, "--dir", W(f, "nope"));
	expect_exit(r, 3);
	expect_diag(r);
}

static void
t_dir_repeatable(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkdir_p(U(f, "one"));
	mkdir_p(U(f, "two"));
	mkfile(U(f, "one/a.mmp"));
	mkfile(U(f, "two/b.mmp"));
	mkfile(U(f, "c.mmp"));

	r = MM(f, "--delete", "--dir", W(f, "one"), "--dir", W(f, "two"));
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "one/a.mmp"));
	expect_line(r, "deleted", W(f, "two/b.mmp"));
	expect_summary(r, 2, "director");
	expect_gone(U(f, "one/a.mmp"));
	expect_gone(U(f, "two/b.mmp"));
	expect_exists(U(f, "c.mmp"));
}

static void
t_unknown_option_exit4(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));

	r = MM(f, "--delete", "--bogus", "--dir", f->wdir);
	expect_exit(r, 4);
	expect_diag(r);
	expect_in(r, err, "--bogus");
	expect_exists(U(f, "a.mmp"));
}

static void
t_missing_argument_exit4(void **state)
{
	struct fx *f = *state;
	struct run *r;

	r = MM(f, "--dir");
	expect_exit(r, 4);
	expect_diag(r);
}

static void
t_relative_dir_exit4(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkdir_p(U(f, "mmp"));
	mkfile(U(f, "mmp/a.mmp"));

	r = MM(f, "--delete", "--dir", "mmp");
	expect_exit(r, 4);
	expect_diag(r);
	expect_exists(U(f, "mmp/a.mmp"));

	r = MM(f, "--delete", "--dir", "C:mmp");
	expect_exit(r, 4);
	expect_exists(U(f, "mmp/a.mmp"));
}

static void
t_help(void **state)
{
	static const char *const forms[] = { "/?", "-h", "--help" };
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		r = MM(f, forms[i], "--delete", "--dir", f->wdir);
		expect_exit(r, 0);
		expect_in(r, out, "mmpclean");
		expect_in(r, out, "--delete");
		expect_in(r, out, "--dir");
		expect_empty(r, err);
		expect_exists(U(f, "a.mmp"));
	}
}

/*
 * Long options are exact: an abbreviation deletes nothing and names the
 * option it abbreviates; "/?" after --dir is a value, not help.
 */
static void
t_exact_options(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	r = MM(f, "--del", "--dir", f->wdir);
	expect_exit(r, 4);
	expect_in(r, err, "unknown option '--del' (options cannot be "
	    "abbreviated); did you mean --delete?");
	expect_exists(U(f, "a.mmp"));

	r = MM(f, "--delete=yes", "--dir", f->wdir);
	expect_exit(r, 4);
	expect_in(r, err, "option '--delete' takes no value");
	expect_exists(U(f, "a.mmp"));

	r = MM(f, "--delete", "--dir", "/?");
	expect_exit(r, 4);
	expect_in(r, err, "--dir '/?'");
	expect_empty(r, out);
	expect_exists(U(f, "a.mmp"));

	/* a long non-ASCII value: shortened whole characters, the reason */
	r = MM(f, "--format", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	expect_exit(r, 4);
	expect_in(r, err, "--format '\xc3\xa9\xc3\xa9");
	expect_in(r, err, "\xc3\xa9...' is not a format: use text, csv or json");
}

static void
t_version(void **state)
{
	static const char *const forms[] = { "-V", "--version" };
	struct fx *f = *state;
	struct run *r;

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		r = MM(f, forms[i]);
		expect_exit(r, 0);
		if (strncmp(r->out, "mmpclean ", 9) != 0 ||
		    r->out[9] < '0' || r->out[9] > '9' ||
		    count_all_lines(r->out) != 1) {
			dump(r);
			fail_msg("expected one line \"mmpclean VERSION\"");
		}
	}
}

static void
t_quiet_prints_nothing_when_fine(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));

	r = MM(f, "--quiet", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_empty(r, out);
	expect_empty(r, err);
	expect_exists(U(f, "a.mmp"));

	r = MM(f, "-q", "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_empty(r, out);
	expect_empty(r, err);
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "b.mmp"));
}

static void
t_output_failure_exit2(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));

	r = MMTO(f, "/dev/full", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_diag(r);
}

/* ---- hostile names and links ---- */

static void
t_unicode_names_utf8(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "Привет.mmp"));
	mkfile(U(f, "日本.mmp"));

	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "Привет.mmp"));
	expect_line(r, "unlocked", W(f, "日本.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "Привет.mmp"));
	expect_line(r, "deleted", W(f, "日本.mmp"));
	expect_gone(U(f, "Привет.mmp"));
	expect_gone(U(f, "日本.mmp"));
}

static void
t_symlink_target_survives(void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX];
	struct stat sb;
	struct run *r;

	fmt(target, sizeof target, "%s/target.mmp", f->uout);
	mkfile(target);
	mkfile(U(f, "a.mmp"));
	if (symlink(target, U(f, "x.mmp")) != 0 ||
	    lstat(U(f, "x.mmp"), &sb) != 0 || !S_ISLNK(sb.st_mode))
		fail_msg("cannot make the symlink: %s", strerror(errno));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "skipped", W(f, "x.mmp"));
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_exists(target);
	expect_exists(U(f, "x.mmp"));
	expect_gone(U(f, "a.mmp"));
}

/* A symlink named like a .mmp file that leads to a directory: no recursion. */
static void
t_symlinked_directory_untouched(void **state)
{
	struct fx *f = *state;
	char tdir[PATH_MAX], inner[PATH_MAX];
	struct run *r;

	fmt(tdir, sizeof tdir, "%s/tdir", f->uout);
	fmt(inner, sizeof inner, "%s/inner.mmp", tdir);
	mkdir_p(tdir);
	mkfile(inner);
	if (symlink(tdir, U(f, "sd.mmp")) != 0)
		fail_msg("symlink: %s", strerror(errno));

	r = MM(f, "--delete", "--dir", f->wdir);
	if (r->status != 0 && r->status != 2) {
		dump(r);
		fail_msg("exit status %d, expected 0 or 2", r->status);
	}
	expect_exists(inner);
	expect_exists(tdir);
	expect_exists(U(f, "sd.mmp"));
	expect_no_line(r, W(f, "sd.mmp/inner.mmp"));
}

static void
t_hardlink_other_name_survives(void **state)
{
	struct fx *f = *state;
	char other[PATH_MAX];
	struct stat sb;
	struct run *r;

	fmt(other, sizeof other, "%s/other.dat", f->uout);
	mkfile(other);
	if (link(other, U(f, "h.mmp")) != 0)
		fail_msg("link: %s", strerror(errno));

	r = MM(f, "--delete", "--dir", f->wdir);
	/* Deleting the name h.mmp is fine; refusing it is cautious. */
	if (r->status == 0) {
		expect_line(r, "deleted", W(f, "h.mmp"));
		expect_gone(U(f, "h.mmp"));
	} else {
		expect_exit(r, 2);
		expect_line(r, "skipped", W(f, "h.mmp"));
	}
	expect_exists(other);
	if (stat(other, &sb) != 0 || sb.st_size != 14)
		fail_msg("%s lost its contents", other);
}

static void
t_odd_names_do_not_crash(void **state)
{
	static const char *const odd[] = {
		"q?x.mmp", "CON.mmp", "lt<gt>.mmp", "pipe|.mmp", "star*.mmp",
		"colon:.mmp", "quote\".mmp", "back\\slash.mmp",
	};
	static const char *const statuses[] = {
		"deleted", "locked", "read-only", "skipped", "error",
	};
	struct fx *f = *state;
	struct run *r;

	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
		mkfile(U(f, odd[i]));
	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "keep?.txt"));

	r = MM(f, "--delete", "--dir", f->wdir);
	if (r->status != 0 && r->status != 2) {
		dump(r);
		fail_msg("exit status %d, expected 0 or 2", r->status);
	}
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_gone(U(f, "a.mmp"));
	expect_exists(U(f, "keep?.txt"));
	if (summary(r->out)[0] == '\0') {
		dump(r);
		fail_msg("no summary line");
	}
	for (const char *l = r->out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n');
		int known = 0;

		if (eol == NULL)
			eol = l + strlen(l);
		for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
			if (strncmp(l, statuses[i], strlen(statuses[i])) == 0 &&
			    l[strlen(statuses[i])] == ' ')
				known = 1;
		if (!known && strncmp(l, summary(r->out), (size_t)(eol - l)) != 0) {
			dump(r);
			fail_msg("unexpected output line: %.*s", (int)(eol - l), l);
		}
		l = *eol != '\0' ? eol + 1 : eol;
	}
}

static void
t_long_path_over_max_path(void **state)
{
	struct fx *f = *state;
	char rel[1024] = "";
	struct run *r;

	for (int i = 0; i < 6; i++) {
		size_t len = strlen(rel);

		fmt(rel + len, sizeof rel - len, "%s%050d", i ? "/" : "", i);
	}
	mkdir_p(U(f, rel));
	{
		char file[1100];

		fmt(file, sizeof file, "%s/a.mmp", rel);
		mkfile(U(f, file));
		if (strlen(W(f, file)) <= 260)
			fail_msg("path not long enough");

		r = MM(f, "--delete", "--dir", W(f, rel));
		expect_exit(r, 0);
		expect_line(r, "deleted", W(f, file));
		expect_gone(U(f, file));
	}
}

/* ---- read-only files ---- */

static void
t_readonly_kept_without_force(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "r.mmp"));
	mkfile(U(f, "a.mmp"));
	chmod(U(f, "r.mmp"), 0444);	/* Wine reports this as read-only */

	r = MM(f, "--dir", f->wdir);
	expect_line(r, "read-only", W(f, "r.mmp"));
	expect_line(r, "unlocked", W(f, "a.mmp"));
	expect_exists(U(f, "r.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "read-only", W(f, "r.mmp"));
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_summary(r, 1, "read-only");
	expect_exists(U(f, "r.mmp"));
	expect_gone(U(f, "a.mmp"));
}

static void
t_readonly_deleted_with_force(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "r.mmp"));
	chmod(U(f, "r.mmp"), 0444);

	r = MM(f, "--delete", "--force", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "r.mmp"));
	expect_gone(U(f, "r.mmp"));
}

/* ---- what counts as a lock ---- */

static void
locked_by(struct fx *f, const char *share, const char *access)
{
	struct run *r;
	int h;

	mkfile(U(f, "b.mmp"));
	h = HOLD(f, share, access, "b.mmp");

	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line(r, "locked", W(f, "b.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line(r, "locked", W(f, "b.mmp"));
	expect_exists(U(f, "b.mmp"));

	assert_int_equal(release(f, h), 0);
	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "b.mmp"));
	expect_gone(U(f, "b.mmp"));
}

static void
t_lock_share_read_still_locks(void **state)
{
	locked_by(*state, "r", "r");
}

static void
t_lock_share_all_still_locks(void **state)
{
	locked_by(*state, "rwd", "r");
}

static void
t_lock_write_access_locks(void **state)
{
	locked_by(*state, "rw", "w");
}

static void
t_lock_delete_access_locks(void **state)
{
	locked_by(*state, "none", "delete");
}

static void
t_attribute_handle_is_not_a_lock(void **state)
{
	struct fx *f = *state;
	struct run *r;
	int h;

	mkfile(U(f, "b.mmp"));
	h = HOLD(f, "none", "attr", "b.mmp");

	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "b.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "b.mmp"));
	assert_int_equal(release(f, h), 0);
	expect_gone(U(f, "b.mmp"));
}

static void
t_two_holders_and_free_files(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "c.mmp"));
	mkfile(U(f, "d.mmp"));
	HOLD(f, NULL, NULL, "b.mmp");
	HOLD(f, "r", "r", "c.mmp");

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_line(r, "locked", W(f, "b.mmp"));
	expect_line(r, "locked", W(f, "c.mmp"));
	expect_line(r, "deleted", W(f, "d.mmp"));
	expect_summary(r, 2, "deleted");
	expect_summary(r, 2, "locked");
	expect_gone(U(f, "a.mmp"));
	expect_exists(U(f, "b.mmp"));
	expect_exists(U(f, "c.mmp"));
	expect_gone(U(f, "d.mmp"));
}

static void
t_many_files_all_but_locked_deleted(void **state)
{
	enum { NFILES = 2000, EVERY = 100 };
	static char names[NFILES][16];
	const char *locked[NFILES / EVERY + 1];
	struct fx *f = *state;
	struct run *r;
	int nlocked = 0, left = 0;
	DIR *dir;

	for (int i = 0; i < NFILES; i++) {
		fmt(names[i], sizeof names[i], "f%04d.mmp", i);
		mkfile(U(f, names[i]));
		if (i % EVERY == 7)
			locked[nlocked++] = names[i];
	}
	locked[nlocked] = NULL;
	hold(f, NULL, NULL, locked);

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_summary(r, NFILES, ".mmp file");
	expect_summary(r, NFILES - nlocked, "deleted");
	expect_summary(r, nlocked, "locked");
	if (count_status(r->out, "deleted") != NFILES - nlocked ||
	    count_status(r->out, "locked") != nlocked) {
		dump(r);
		fail_msg("expected %d deleted and %d locked lines",
		    NFILES - nlocked, nlocked);
	}
	for (int i = 0; i < nlocked; i++) {
		expect_exists(U(f, locked[i]));
		expect_line(r, "locked", W(f, locked[i]));
	}
	if ((dir = opendir(f->udir)) == NULL)
		fail_msg("opendir: %s", strerror(errno));
	for (struct dirent *de; (de = readdir(dir)) != NULL; )
		if (de->d_name[0] != '.')
			left++;
	closedir(dir);
	assert_int_equal(left, nlocked);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_report_lists_locked_and_unlocked),
		T(t_delete_keeps_locked_file),
		T(t_delete_all_free_then_nothing_left),
		T(t_lookalikes_and_subdirectories_survive),
		T(t_exit_status_highest_wins),
		T(t_registry_sz_64bit_view),
		T(t_registry_32bit_view_when_64_absent),
		T(t_registry_both_views_scanned),
		T(t_registry_same_directory_scanned_once),
		T(t_alias_of_directory_scanned_once),
		T(t_registry_expand_sz),
		T(t_registry_absent_uses_windows_dir),
		T(t_all_covers_value_and_windows_dir),
		T(t_all_scans_each_directory_once),
		T(t_where_lists_sources),
		T(t_registry_dword_exit3),
		T(t_registry_relative_exit3),
		T(t_registry_drive_relative_exit3),
		T(t_registry_quoted_exit3),
		T(t_registry_missing_directory_exit3),
		T(t_registry_names_a_file_exit3),
		T(t_registry_empty_warns_uses_windows_dir),
		T(t_registry_unicode_directory),
		T(t_registry_path_with_spaces),
		T(t_dir_missing_exit3),
		T(t_dir_repeatable),
		T(t_unknown_option_exit4),
		T(t_missing_argument_exit4),
		T(t_relative_dir_exit4),
		T(t_help),
		T(t_exact_options),
		T(t_version),
		T(t_quiet_prints_nothing_when_fine),
		T(t_output_failure_exit2),
		T(t_unicode_names_utf8),
		T(t_symlink_target_survives),
		T(t_symlinked_directory_untouched),
		T(t_hardlink_other_name_survives),
		T(t_odd_names_do_not_crash),
		T(t_long_path_over_max_path),
		T(t_readonly_kept_without_force),
		T(t_readonly_deleted_with_force),
		T(t_lock_share_read_still_locks),
		T(t_lock_share_all_still_locks),
		T(t_lock_write_access_locks),
		T(t_lock_delete_access_locks),
		T(t_attribute_handle_is_not_a_lock),
		T(t_two_holders_and_free_files),
		T(t_many_files_all_but_locked_deleted),
	};

	return cmocka_run_group_tests_name("mmpclean e2e", tests, group_setup,
	    group_teardown);
}

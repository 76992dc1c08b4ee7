/*
 * End-to-end tests of the core behaviour: the real build/mmpclean.exe under
 * Wine, with real lock holders.  The harness (harness.h) says how.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

	/* the 64-bit view, named so, also from a 32-bit (WoW64) process */
	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_where(r, f->wdir, "registry, 64-bit view");
	if (count_all_lines(r->out) != 1) {
		dump(r);
		fail_msg("--where should print one line");
	}
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
	expect_in(r, err, "already scanned; skipped");
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

/* Whether raw (len bytes) is CRLF lines only: no bare LF, no other CR. */
static int
crlf_only(const char *raw, size_t len, int *lines)
{
	*lines = 0;
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			return 0;
		if (raw[i] == '\r' && (i + 1 == len || raw[i + 1] != '\n'))
			return 0;
		*lines += raw[i] == '\n';
	}
	return len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n';
}

/*
 * Standard output redirected to a file or pipe is CRLF text, whatever the
 * format, also where a line crosses the output buffer (16 KiB).
 */
static void
t_stdout_crlf_when_redirected(void **state)
{
	enum { NFILES = 600 };
	static const char *const formats[] = { "text", "csv", "json" };
	static const int lines[] = { NFILES + 1, NFILES + 1, -1 };
	struct fx *f = *state;
	struct run *r;
	int n;

	make_many(f, NULL, "f", NFILES);
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		r = MM(f, "--format", formats[i], "--dir", f->wdir);
		expect_exit(r, 0);
		if (r->rawlen < 16384 + 100 || !crlf_only(r->raw, r->rawlen, &n) ||
		    (lines[i] >= 0 && n != lines[i])) {
			dump(r);
			fail_msg("--format %s: %zu bytes on stdout, expected "
			    "over 16 KiB of CRLF lines only (%d lines)",
			    formats[i], r->rawlen, lines[i]);
		}
	}
	r = MM(f, "--help");
	expect_exit(r, 0);
	if (!crlf_only(r->raw, r->rawlen, &n) || n < 10) {
		dump(r);
		fail_msg("--help: not CRLF lines only");
	}
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

/*
 * The link guard compares the name the handle got, not only its length: a
 * symlink x.mmp -> x.dat beside its target names a file of the same
 * directory with a name of the same length.  Wine lists the link as a
 * plain file and its disposition would delete x.dat.
 */
static void
t_link_guard_compares_the_name(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	struct run *r;
	char *c;

	mkfile(U(f, "x.dat"));
	mkfile(U(f, "a.mmp"));
	if (symlink("x.dat", U(f, "x.mmp")) != 0 ||
	    lstat(U(f, "x.mmp"), &sb) != 0 || !S_ISLNK(sb.st_mode))
		fail_msg("cannot make the symlink: %s", strerror(errno));

	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "skipped", W(f, "x.mmp"));
	expect_line(r, "unlocked", W(f, "a.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "skipped", W(f, "x.mmp"));
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_summary(r, 1, "skipped");
	expect_no_line(r, W(f, "x.dat"));
	expect_exists(U(f, "x.dat"));
	c = read_raw(U(f, "x.dat"), NULL);
	if (strcmp(c, "mmp test data\n") != 0)
		fail_msg("x.dat lost its contents");
	free(c);
	if (lstat(U(f, "x.mmp"), &sb) != 0 || !S_ISLNK(sb.st_mode))
		fail_msg("the link x.mmp is gone or changed");
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

/*
 * Names made on Linux that Windows forbids are listed by Wine, and each is
 * reported on a line of its own as an error that cannot be opened, and
 * left; CON.mmp, a device name only to Win32's path parsing, is an
 * ordinary file when opened relative to the directory, and deleted.
 */
static void
t_odd_names_reported_not_crashed(void **state)
{
	static const char *const odd[] = {
		"q?x.mmp", "lt<gt>.mmp", "pipe|.mmp", "star*.mmp",
		"colon:.mmp", "quote\".mmp", "back\\slash.mmp",
	};
	enum { NODD = sizeof odd / sizeof odd[0] };
	struct fx *f = *state;
	char want[PATH_MAX];
	struct run *r;

	for (size_t i = 0; i < NODD; i++)
		mkfile(U(f, odd[i]));
	mkfile(U(f, "CON.mmp"));
	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "keep?.txt"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);
	for (size_t i = 0; i < NODD; i++) {
		fmt(want, sizeof want, "error     %s  (Windows cannot open a "
		    "file of this name)", W(f, odd[i]));
		expect_out_line(r, want);
		expect_line(r, "error", W(f, odd[i]));
		expect_exists(U(f, odd[i]));
	}
	expect_line(r, "deleted", W(f, "CON.mmp"));
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_gone(U(f, "CON.mmp"));
	expect_gone(U(f, "a.mmp"));
	expect_exists(U(f, "keep?.txt"));
	expect_no_line(r, W(f, "keep?.txt"));
	expect_summary(r, NODD + 2, ".mmp files in 1 directory");
	expect_summary(r, 2, "deleted");
	expect_summary(r, NODD, "errors");
	/* those lines and the summary, nothing else */
	if (count_all_lines(r->out) != NODD + 3) {
		dump(r);
		fail_msg("%d lines on stdout, expected %d", count_all_lines(r->out),
		    (int)NODD + 3);
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

/* ---- the delete goes through the probing handle ---- */

/* The value of "key=" in a Wine trace line, up to the next space. */
static const char *
trace_field(const char *line, const char *eol, const char *key)
{
	char *v = ring();
	const char *p = strstr(line, key), *e;

	if (p == NULL || p > eol)
		return "";
	p += strlen(key);
	for (e = p; e < eol && *e != ' '; e++)
		continue;
	fmt(v, PATH_MAX, "%.*s", (int)(e - p), p);
	return v;
}

/*
 * Wine's +file trace shows every NtCreateFile (name, root directory,
 * options), every NtSetInformationFile (handle, class) and every
 * path-based DeleteFileW.  Each file must be opened once, by its bare
 * name relative to the directory's handle, without FILE_DELETE_ON_CLOSE,
 * and marked for deletion (FileDispositionInformation, 13, or its Ex
 * form, 64) through a handle that is not the directory's before that
 * thread opens anything else (each worker of --threads has a file in hand
 * of its own; Wine's trace names the thread); nothing is deleted, renamed
 * or moved by path.
 */
static void
t_delete_goes_through_the_probing_handle(void **state)
{
	static const char *const names[] = { "a.mmp", "b.mmp", "r.mmp" };
	enum { N = sizeof names / sizeof names[0] };
	struct fx *f = *state;
	int opened[N] = { 0 }, disposed[N] = { 0 }, nopen = 0, nth = 0;
	struct {		/* each thread's file in hand (--threads) */
		char id[8];
		int cur;
		char root[64], curh[64];
	} th[64], *me;
	struct run *r;

	for (size_t i = 0; i < N; i++)
		mkfile(U(f, names[i]));
	chmod(U(f, "r.mmp"), 0444);

	r = MMENV(f, "WINEDEBUG=+file", "--delete", "--force", "--dir",
	    f->wdir);
	/* the trace first: it says how, the rest only what */
	for (const char *l = r->err; *l != '\0'; ) {
		const char *eol = strchr(l, '\n'), *t;

		if (eol == NULL)
			eol = l + strlen(l);
		t = strstr(l, ":trace:file:");
		if (t != NULL && t < eol) {
			int k;

			/* Wine's thread ID starts the line: "07d8:trace:" */
			for (k = 0; k < nth && (t - l != (long)strlen(th[k].id) ||
			    strncmp(th[k].id, l, (size_t)(t - l)) != 0); k++)
				;
			if (k == nth) {
				if (nth == 64 || t - l >= 8)
					fail_msg("unreadable trace: %.*s",
					    (int)(eol - l), l);
				fmt(th[k].id, sizeof th[k].id, "%.*s",
				    (int)(t - l), l);
				th[k].cur = -1;
				th[k].root[0] = th[k].curh[0] = '\0';
				nth++;
			}
			me = &th[k];
			t += strlen(":trace:file:");
			if (strncmp(t, "DeleteFile", 10) == 0 ||
			    strncmp(t, "NtDeleteFile", 12) == 0 ||
			    strncmp(t, "MoveFile", 8) == 0) {
				dump(r);
				fail_msg("deleted by path: %.*s",
				    (int)(eol - l), l);
			}
			if (strncmp(t, "NtCreateFile ", 13) == 0) {
				const char *name = trace_field(t, eol, "name=");
				unsigned long opts = strtoul(trace_field(t, eol,
				    "options="), NULL, 16);

				if (opts & 0x1000) {	/* FILE_DELETE_ON_CLOSE */
					dump(r);
					fail_msg("opened to delete on close: "
					    "%.*s", (int)(eol - l), l);
				}
				me->cur = -1;
				for (size_t i = 0; i < N; i++) {
					char bare[32], tail[32];

					fmt(bare, sizeof bare, "L\"%s\"",
					    names[i]);
					fmt(tail, sizeof tail, "\\\\%s\"",
					    names[i]);
					if (strcmp(name, bare) == 0) {
						me->cur = (int)i;
						opened[i]++;
						fmt(me->root, sizeof me->root,
						    "%s",
						    trace_field(t, eol, "root="));
					} else if (strstr(name, tail) != NULL) {
						dump(r);
						fail_msg("%s opened by path: %s",
						    names[i], name);
					}
				}
				if (me->cur >= 0 && (strcmp(me->root, "(nil)") ==
				    0 || me->root[0] == '\0')) {
					dump(r);
					fail_msg("%s opened without the "
					    "directory's handle", names[me->cur]);
				}
				nopen++;
				me->curh[0] = '\0';
			} else if (strncmp(t, "NtSetInformationFile (", 22) == 0) {
				const char *a = t + 22, *c;
				unsigned long cls;
				char h[64];

				c = memchr(a, ',', (size_t)(eol - a));
				if (c == NULL)
					fail_msg("unreadable trace: %.*s",
					    (int)(eol - l), l);
				fmt(h, sizeof h, "%.*s", (int)(c - a), a);
				c = eol;
				while (c > a && c[-1] != ',')
					c--;
				cls = strtoul(c, NULL, 16);
				if (cls == 10 || cls == 65) {	/* rename */
					dump(r);
					fail_msg("renamed: %.*s", (int)(eol - l),
					    l);
				}
				if ((cls == 13 || cls == 64) && (me->cur < 0 ||
				    strcmp(h, me->root) == 0 || (me->curh[0] != '\0' &&
				    strcmp(h, me->curh) != 0))) {
					dump(r);
					fail_msg("a disposition through handle "
					    "%s, not the handle that probed "
					    "the file just opened", h);
				}
				if (cls == 13 || cls == 64) {
					fmt(me->curh, sizeof me->curh, "%s", h);
					disposed[me->cur] = 1;
				}
			}
		}
		l = *eol != '\0' ? eol + 1 : eol;
	}
	for (size_t i = 0; i < N; i++)
		if (opened[i] != 1 || !disposed[i]) {
			dump(r);
			fail_msg("%s: opened %d times by its bare name, %s", names[i],
			    opened[i], disposed[i] ? "marked for deletion" :
			    "never marked for deletion through that handle");
		}
	if (nopen == 0)
		fail_msg("no NtCreateFile in the trace");
	expect_exit(r, 0);
	for (size_t i = 0; i < N; i++) {
		expect_line(r, "deleted", W(f, names[i]));
		expect_gone(U(f, names[i]));
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

/*
 * Read-only is an attribute of the file, not of the name: --force clears
 * it to delete r.mmp, and gives it back when the file lives on under
 * another name.  Checked from Linux (Wine keeps it as the mode's write
 * bits) and from Windows (attrib).
 */
static void
t_force_keeps_other_link_read_only(void **state)
{
	struct fx *f = *state;
	char other[PATH_MAX], wother[PATH_MAX];
	const char *attrib[] = { "wine", "cmd", "/c", "attrib", wother, NULL };
	struct stat sb;
	struct run *r;
	const char *p;

	fmt(other, sizeof other, "%s/other.dat", f->uout);
	fmt(wother, sizeof wother, "%s\\other.dat", f->wout);
	mkfile(other);
	if (link(other, U(f, "r.mmp")) != 0)
		fail_msg("link: %s", strerror(errno));
	chmod(other, 0444);

	r = MM(f, "--delete", "--force", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "r.mmp"));
	expect_gone(U(f, "r.mmp"));
	expect_exists(other);
	if (stat(other, &sb) != 0 || sb.st_nlink != 1 || sb.st_size != 14)
		fail_msg("%s: not the file it was", other);
	if ((sb.st_mode & 0222) != 0)
		fail_msg("%s is writable (mode %o): --force left the other "
		    "name without its read-only attribute", other,
		    (unsigned)sb.st_mode & 07777);
	r = &f->r;
	tool(r, attrib);
	expect_exit(r, 0);
	/* "A    R       C:\...": the attribute letters before the path */
	p = strstr(r->out, wother);
	if (p == NULL || memchr(r->out, 'R', (size_t)(p - r->out)) == NULL) {
		dump(r);
		fail_msg("attrib does not show %s read-only", wother);
	}
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

	/*
	 * Deleted through mmpclean's own handle, but the attribute handle
	 * keeps the name until it closes (no POSIX semantics under Wine).
	 * Windows says STATUS_DELETE_PENDING and mmpclean "pending"; Wine
	 * keeps the name with no pending state, and mmpclean, which never
	 * says "deleted" for a name still there, says so as an error.
	 */
	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "error", W(f, "b.mmp"));
	expect_in(r, out, "the name is still there");
	expect_exists(U(f, "b.mmp"));
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

/*
 * --threads: the same directory, scanned with 1 thread and with 8, gives
 * the same bytes on standard output in every format, and the same stderr
 * with --verbose but for its timing.  Free files (re-made, with one fixed
 * time, before each delete), files locked by another process, read-only
 * files, a link to a file outside, a name Windows cannot open, a Unicode
 * name.  (A file that vanishes between the listing and its probe is the
 * unit tests' (test_pipe): Wine 8 does not list a dangling symlink, and a
 * real race would not vanish at the same point in both runs.)  JSON's
 * "started" is the only field made equal before comparing; the verbose
 * line "in N ms" is cut.
 */
enum { MIXED_FREE = 300 };

static void
mixed_free(struct fx *f)
{
	struct timespec t[2] = { { 1700000000, 0 }, { 1700000000, 0 } };
	char rel[32];
	DIR *dir;

	for (int i = 0; i < MIXED_FREE; i++) {
		fmt(rel, sizeof rel, "m%04d.mmp", i);
		mkfile(U(f, rel));
	}
	mkfile(U(f, "\xc3\xa9t\xc3\xa9.mmp"));
	if ((dir = opendir(f->udir)) == NULL)
		fail_msg("opendir: %s", strerror(errno));
	for (struct dirent *de; (de = readdir(dir)) != NULL; )
		if (de->d_name[0] != '.')
			utimensat(dirfd(dir), de->d_name, t,
			    AT_SYMLINK_NOFOLLOW);
	closedir(dir);
}

static char *
normalised(const struct run *r, int err)
{
	char *s = strdup(err ? r->err : r->raw), *p, *q;

	if (s == NULL)
		fail_msg("out of memory");
	if ((p = strstr(s, "\"started\":\"")) != NULL &&
	    (q = strchr(p + 11, '"')) != NULL)
		memmove(p + 11, q, strlen(q) + 1);
	if (err && (p = strstr(s, " .mmp files in ")) != NULL &&
	    (q = strstr(p, " ms\n")) != NULL)
		memmove(p, q, strlen(q) + 1);
	return s;
}

/* How many threads (Wine's trace prefix "00f8:") made a call on a name. */
static int
distinct_openers(const char *trace, const char *call, const char *name)
{
	char ids[64][8];
	int n = 0;

	for (const char *p = trace; (p = strstr(p, call)) != NULL; p++) {
		const char *bol = p, *eol = strchr(p, '\n');
		int i;

		while (bol > trace && bol[-1] != '\n')
			bol--;
		if (p - bol < 5 || bol[4] != ':' ||
		    !(strstr(p, name) != NULL && (eol == NULL ||
		    strstr(p, name) < eol)))
			continue;
		for (i = 0; i < n && strncmp(ids[i], bol, 4) != 0; i++)
			;
		if (i == n && n < 64)
			memcpy(ids[n++], bol, 4);
	}
	return n;
}

static void
t_threads_same_output(void **state)
{
	static const char *const modes[][4] = {
		{ "text", "--delete", "-v", "--holders" },
		{ "csv", "--force", "-v", "--older-than=1h" },
		{ "json", "--delete", "--older-than", "1d" },
	};
	struct fx *f = *state;
	char target[PATH_MAX];
	struct run *one, *eight;
	char *o1, *o8, *e1, *e8;

	mkfile(U(f, "held1.mmp"));
	mkfile(U(f, "held2.mmp"));
	mkfile(U(f, "ro1.mmp"));
	mkfile(U(f, "ro2.mmp"));
	chmod(U(f, "ro1.mmp"), 0444);
	chmod(U(f, "ro2.mmp"), 0444);
	mkfile(U(f, "q?x.mmp"));
	fmt(target, sizeof target, "%s/target.dat", f->uout);
	mkfile(target);
	if (symlink(target, U(f, "link.mmp")) != 0)
		fail_msg("symlink: %s", strerror(errno));
	HOLD(f, NULL, NULL, "held1.mmp", "held2.mmp");

	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		mixed_free(f);
		one = MM(f, "--threads", "1", "--format", modes[m][0],
		    modes[m][1], modes[m][2], modes[m][3], "--dir", f->wdir);
		o1 = normalised(one, 0);
		e1 = normalised(one, 1);
		mixed_free(f);
		eight = MM(f, "--threads", "8", "--format", modes[m][0],
		    modes[m][1], modes[m][2], modes[m][3], "--dir", f->wdir);
		o8 = normalised(eight, 0);
		e8 = normalised(eight, 1);
		if (eight->status != one->status || strcmp(o1, o8) != 0 ||
		    strcmp(e1, e8) != 0) {
			fprintf(stderr, "--- 1 thread, %s:\n%s\n%s", modes[m][0],
			    o1, e1);
			fprintf(stderr, "--- 8 threads:\n%s\n%s", o8, e8);
			fail_msg("--threads 8 differs from --threads 1 (%s)",
			    modes[m][0]);
		}
		if (m == 0) {
			expect_exit(eight, 2);
			expect_line(eight, "locked", W(f, "held1.mmp"));
			expect_line(eight, "read-only", W(f, "ro2.mmp"));
			expect_line(eight, "skipped", W(f, "link.mmp"));
			expect_line(eight, "error", W(f, "q?x.mmp"));
			expect_line(eight, "deleted",
			    W(f, "\xc3\xa9t\xc3\xa9.mmp"));
			expect_line(eight, "deleted", W(f, "m0299.mmp"));
			expect_gone(U(f, "m0000.mmp"));
		}
		if (strlen(o1) < MIXED_FREE * 20)
			fail_msg("too little output to compare (%s)",
			    modes[m][0]);
		free(o1);
		free(o8);
		free(e1);
		free(e8);
	}
	expect_exists(U(f, "held1.mmp"));
	expect_exists(target);

	/* and the 8 were at work: the free files opened on several threads */
	mixed_free(f);
	one = MMENV(f, "WINEDEBUG=+file", "--threads", "8", "--delete", "-q",
	    "--dir", f->wdir);
	if (distinct_openers(one->err, "NtCreateFile handle=", "name=L\"m0") <
	    4) {
		dump(one);
		fail_msg("--threads 8 opened the files on %d threads",
		    distinct_openers(one->err, "NtCreateFile handle=",
		    "name=L\"m0"));
	}
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
		T(t_stdout_crlf_when_redirected),
		T(t_unicode_names_utf8),
		T(t_symlink_target_survives),
		T(t_link_guard_compares_the_name),
		T(t_symlinked_directory_untouched),
		T(t_hardlink_other_name_survives),
		T(t_odd_names_reported_not_crashed),
		T(t_long_path_over_max_path),
		T(t_readonly_kept_without_force),
		T(t_readonly_deleted_with_force),
		T(t_force_keeps_other_link_read_only),
		T(t_delete_goes_through_the_probing_handle),
		T(t_lock_share_read_still_locks),
		T(t_lock_share_all_still_locks),
		T(t_lock_write_access_locks),
		T(t_lock_delete_access_locks),
		T(t_attribute_handle_is_not_a_lock),
		T(t_two_holders_and_free_files),
		T(t_many_files_all_but_locked_deleted),
		T(t_threads_same_output),
	};

	/* E2E_FILTER=t_link* or E2E_CASES="t_a t_b": the tests to run. */
	return run_group("mmpclean e2e", tests,
	    sizeof tests / sizeof tests[0]);
}

/*
 * End-to-end tests of the holds that are not a sharing violation at the
 * open, under Wine, with the holder in another Windows process
 * (build/holdlock.exe): a file mapped read-only whose handle was closed
 * (the view alone blocks the delete; Wine answers the disposition with
 * STATUS_CANNOT_DELETE, as Windows does), a file deleted through one
 * handle while another keeps it, and a file whose delete is accepted but
 * whose name stays (an immutable file: the unlink fails after the
 * disposition was taken); and how, under Wine, the check that a deleted
 * name is gone looks.  The harness (harness.h) says how tests run.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#define MAPPED	"mapped into a process's memory"

/* a file with something in it: an empty file cannot be mapped */
static void
profile(struct fx *f, const char *rel)
{
	write_text(U(f, rel), "MAPI profile data\r\n");
}

static void
t_mapped_report_mode(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX + 64];
	struct run *r;
	int h;

	profile(f, "m.mmp");
	profile(f, "free.mmp");
	h = HOLD(f, NULL, "map", "m.mmp");

	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 1);
	fmt(want, sizeof want, "locked    %s  (" MAPPED ")", W(f, "m.mmp"));
	expect_out_line(r, want);
	expect_line(r, "unlocked", W(f, "free.mmp"));
	expect_summary(r, 1, "locked");
	/* the probe set the delete mark and took it back: both still here */
	expect_exists(U(f, "m.mmp"));
	expect_exists(U(f, "free.mmp"));
	assert_int_equal(release(f, h), 0);

	/* with the view gone, the same file is free */
	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "m.mmp"));
	expect_exists(U(f, "m.mmp"));
}

static void
t_mapped_delete_mode(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX + 64];
	struct run *r;
	int h;

	profile(f, "m.mmp");
	profile(f, "free.mmp");
	h = HOLD(f, NULL, "map", "m.mmp");

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 1);
	fmt(want, sizeof want, "locked    %s  (" MAPPED ")", W(f, "m.mmp"));
	expect_out_line(r, want);
	expect_line(r, "deleted", W(f, "free.mmp"));
	expect_exists(U(f, "m.mmp"));
	expect_gone(U(f, "free.mmp"));
	assert_int_equal(release(f, h), 0);
}

static void
t_mapped_wait_until_unmapped(void **state)
{
	struct fx *f = *state;
	struct job j;
	struct run *r = &f->r;
	int h;

	profile(f, "m.mmp");
	h = HOLD(f, NULL, "map", "m.mmp");
	MM_START(f, &j, r, "--delete", "--wait", "60", "--verbose",
	    "--dir", f->wdir);
	/* it has looked twice and is waiting now */
	mm_await(f, &j, "1 file still held");
	expect_exists(U(f, "m.mmp"));
	assert_int_equal(release(f, h), 0);
	mm_wait(f, &j);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "m.mmp"));
	expect_gone(U(f, "m.mmp"));
}

/*
 * Deleted through one handle while an attribute-only handle that shares
 * delete stays open: Windows answers mmpclean's open with
 * STATUS_DELETE_PENDING (reported "pending"; see test_holds.c).  Wine
 * opens it as if nothing happened and keeps the name until the holder
 * closes: mmpclean's own delete is accepted and the name is still there
 * after its close, which is never reported as "deleted".
 */
static void
t_deleted_by_another_handle(void **state)
{
	struct fx *f = *state;
	struct run *r;
	int h;

	profile(f, "p.mmp");
	h = HOLD(f, NULL, "pending", "p.mmp");
	expect_exists(U(f, "p.mmp"));

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "error", W(f, "p.mmp"));
	expect_in(r, out, "the name is still there");
	expect_not_in(r, out, "deleted   ");
	expect_exists(U(f, "p.mmp"));

	/* the holder lets go: the delete that was waiting happens */
	assert_int_equal(release(f, h), 0);
	expect_gone(U(f, "p.mmp"));
	r = MM(f, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_no_line(r, W(f, "p.mmp"));
}

/* A line of text holding both a and then b. */
static int
line_with(const char *text, const char *a, const char *b)
{
	const char *l, *eol, *p;

	for (l = text; *l != '\0'; l = *eol != '\0' ? eol + 1 : eol) {
		if ((eol = strchr(l, '\n')) == NULL)
			eol = l + strlen(l);
		p = strstr(l, a);
		if (p != NULL && p < eol && (p = strstr(p, b)) != NULL &&
		    p + strlen(b) <= eol)
			return 1;
	}
	return 0;
}

/*
 * Under Wine the check that a deleted name is gone looks it up as
 * \??\unix\<directory>\<name> (src/win32/dir.c says why): one stat, where
 * a lookup relative to the directory reads the whole directory for a
 * name that is not there, once per deleted file.  Wine's +file trace
 * shows every NtQueryAttributesFile that finds nothing.  A name whose
 * bytes are not UTF-8 (Wine lists the byte 0xff as U+FFFD and finds the
 * file only by reading the directory) is not found so before the delete,
 * and keeps the relative lookup.
 */
static void
t_name_check_is_one_stat(void **state)
{
	struct fx *f = *state;
	struct run *r;

	profile(f, "a.mmp");
	profile(f, "bad\xff.mmp");

	r = MMENV(f, "WINEDEBUG=+file", "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_line(r, "deleted", W(f, "bad\xef\xbf\xbd.mmp"));
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "bad\xff.mmp"));
	if (!line_with(r->err, "NtQueryAttributesFile L\"\\\\??\\\\unix\\\\",
	    "\\\\a.mmp\" not found")) {
		dump(r);
		fail_msg("a.mmp was not looked for under \\??\\unix\\");
	}
	if (strstr(r->err, "NtQueryAttributesFile L\"a.mmp\"") != NULL) {
		dump(r);
		fail_msg("a.mmp was looked for relative to the directory");
	}
	if (strstr(r->err, "NtQueryAttributesFile L\"bad\\fffd.mmp\" not "
	    "found") == NULL) {
		dump(r);
		fail_msg("bad\\xff.mmp was not looked for relative to the "
		    "directory");
	}
}

/*
 * The same name, held by an attribute-only handle from another process
 * (as in t_deleted_by_another_handle): under \??\unix\ it is not found
 * (its bytes are not the listing's), yet it is still there.  Only the
 * relative lookup, which Wine matches by reading the directory, says so.
 */
static void
t_name_wine_matched_by_reading_the_directory(void **state)
{
	struct fx *f = *state;
	struct run *r;
	int h;

	profile(f, "bad\xff.mmp");
	h = HOLD(f, NULL, "pending", "bad\xef\xbf\xbd.mmp");

	r = MM(f, "--delete", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "error", W(f, "bad\xef\xbf\xbd.mmp"));
	expect_in(r, out, "the name is still there");
	expect_exists(U(f, "bad\xff.mmp"));
	assert_int_equal(release(f, h), 0);
	expect_gone(U(f, "bad\xff.mmp"));
}

/*
 * The disposition is accepted and the unlink then fails: under Wine an
 * immutable file (chattr +i).  Before mmpclean checked, it printed
 * "deleted" and exit 0 on every run, the file still there.
 */
static void
t_removal_fails_is_an_error(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	const char *chattr[] = { "chattr", "+i", path, NULL };
	const char *unchattr[] = { "chattr", "-i", path, NULL };
	struct run *r, c = { .out = NULL };

	profile(f, "i.mmp");
	fmt(path, sizeof path, "%s", U(f, "i.mmp"));
	if (tool(&c, chattr) != 0) {
		dump(&c);
		run_free(&c);
		fail_msg("chattr +i failed: the test needs root on ext4");
	}
	run_free(&c);

	r = MM(f, "--delete", "--dir", f->wdir);
	run_ok(unchattr);
	expect_exit(r, 2);
	expect_line(r, "error", W(f, "i.mmp"));
	expect_in(r, out, "the delete was accepted, but the name is still "
	    "there");
	expect_summary(r, 0, "deleted");
	expect_summary(r, 1, "error");
	expect_exists(U(f, "i.mmp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_mapped_report_mode),
		T(t_mapped_delete_mode),
		T(t_mapped_wait_until_unmapped),
		T(t_deleted_by_another_handle),
		T(t_removal_fails_is_an_error),
		T(t_name_check_is_one_stat),
		T(t_name_wine_matched_by_reading_the_directory),
	};

	return cmocka_run_group_tests_name("mmpclean e2e (holds that are "
	    "not opens)", tests, group_setup, group_teardown);
}

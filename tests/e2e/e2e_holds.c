/*
 * End-to-end tests of the holds that are not a sharing violation at the
 * open, under Wine, with the holder in another Windows process
 * (build/holdlock.exe): a file mapped read-only whose handle was closed
 * (the view alone blocks the delete; Wine answers the disposition with
 * STATUS_CANNOT_DELETE, as Windows does), a file deleted through one
 * handle while another keeps it, and a file whose delete is accepted but
 * whose name stays (an immutable file: the unlink fails after the
 * disposition was taken).  The harness (harness.h) says how tests run.
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
	};

	return cmocka_run_group_tests_name("mmpclean e2e (holds that are "
	    "not opens)", tests, group_setup, group_teardown);
}

/*
 * --threads: the pipeline (src/pipe.c) against the fake, with real threads.
 * Built twice: with AddressSanitizer like every unit test, and alone with
 * ThreadSanitizer (build/unit-tsan/test_pipe), which fails on any data
 * race it sees between the workers and the main thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MANY 3000

static char failtext[MANY][48];

static int
count_in(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static int
setup(void **state)
{
	return fake_setup_profile(state);
}

/*
 * Thousands of files, of every kind a scan meets: free, locked for good,
 * locked for one probe (free at the second look), mapped, pending,
 * read-only, failing (each with words of its own), vanished, listed as
 * links, young, not *.mmp, a directory, names to escape.
 */
static void
world(int n)
{
	char name[32];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%05d.mmp", i);
		fake_file(D, name, i % 90 == 3 ? PLAT_A_READONLY :
		    i % 150 == 7 ? PLAT_A_LINK : 0);
		if (i % 50 == 1)
			fake_lock(D, name, -1);
		else if (i % 70 == 2)
			fake_lock(D, name, 1);
		else if (i % 170 == 4)
			fake_lock_as(D, name, -1, PST_MAPPED);
		else if (i % 190 == 5)
			fake_lock_as(D, name, -1, PST_PENDING);
		else if (i % 110 == 6) {
			snprintf(failtext[i], sizeof(failtext[i]),
			    "the disk refused f%05d", i);
			fake_fail_text(D, name, failtext[i]);
		} else if (i % 130 == 8)
			fake_vanish(D, name);
		else if (i % 210 == 9)
			fake_fail(D, name, PST_DENIED);
		else if (i % 230 == 10)
			fake_fail(D, name, PST_BADNAME);
		if (i % 120 == 11)
			fake_set_mtime(D, name, 1700000000 - 60);
		if (i % 400 == 12) {
			snprintf(name, sizeof(name), "x%05d.mmpx", i);
			fake_file(D, name, 0);
			snprintf(name, sizeof(name), "d%05d.mmp", i);
			fake_file(D, name, PLAT_A_DIR);
			snprintf(name, sizeof(name), "\xc3\xa9t\xc3\xa9%05d\x01"
			    ".mmp", i);
			fake_file(D, name, 0);
		}
	}
}

struct result {
	int status;
	char *out, *err;
};

static struct result
run_world(int n, const char *threads, const char *a1, const char *a2,
    const char *a3, int stall)
{
	struct result r;

	fake_reset();
	fake_reg(VIEW_64, D, 0);
	fake_dir(D);
	world(n);
	if (stall > 0)
		fake_stall(stall);
	r.status = fake_run("--threads", threads, "-v", a1, a2, a3, NULL);
	r.out = strdup(fake_out());
	r.err = strdup(fake_err());
	return r;
}

static void
same_as_serial(const char *a1, const char *a2, const char *a3)
{
	struct result one, eight;

	one = run_world(MANY, "1", a1, a2, a3, 0);
	assert_int_equal(fake_threads_started(), 0);
	eight = run_world(MANY, "8", a1, a2, a3, 8);
	/* eight workers, all in plat_file at once, and none stalled out */
	assert_int_equal(fake_threads_started(), 8);
	assert_int_equal(fake_inflight_max(), 8);
	assert_int_equal(fake_stall_timeouts(), 0);
	assert_int_equal(eight.status, one.status);
	assert_string_equal(eight.out, one.out);
	/* stderr too (--verbose; the fake's clock stands still) */
	assert_string_equal(eight.err, one.err);
	assert_true(strlen(one.out) > MANY * 10);
	free(one.out);
	free(one.err);
	free(eight.out);
	free(eight.err);
}

static void
test_many_files_8_workers_text_delete(void **state)
{
	(void)state;
	same_as_serial("--delete", "--holders", "--older-than=1h");
	/* the delete happened: each free file once, locked ones never */
	assert_false(fake_exists(D, "f00000.mmp"));
	assert_int_equal(fake_deletes(D, "f00000.mmp"), 1);
	assert_true(fake_exists(D, "f00001.mmp"));
	assert_int_equal(fake_deletes(D, "f00001.mmp"), 0);
	assert_false(fake_exists(D, "f00002.mmp"));	/* at the second look */
	assert_contains(fake_out(), "error     C:\\mmp\\f00006.mmp  (the disk "
	    "refused f00006)\n");
	assert_contains(fake_out(), "error     C:\\mmp\\f00226.mmp  (the disk "
	    "refused f00226)\n");
}

static void
test_many_files_8_workers_csv_report(void **state)
{
	(void)state;
	same_as_serial("--format", "csv", "--force");
	assert_true(fake_exists(D, "f00000.mmp"));
	assert_int_equal(fake_deletes(D, "f00000.mmp"), 0);
}

static void
test_many_files_8_workers_json_delete(void **state)
{
	(void)state;
	same_as_serial("--format=json", "-d", "--older-than=1h");
	assert_contains(fake_out(), "the disk refused f02976");
}

/* Each failure's words are its own file's, whichever worker met it. */
static void
test_failures_locks_and_stalls_at_once(void **state)
{
	static const char *const text[] = {
		"refused a", "refused b", "refused c", "refused d"
	};
	char name[32];

	(void)state;
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "s%02d.mmp", i);
		fake_file(D, name, 0);
		if (i % 4 == 0)
			fake_fail_text(D, name, text[(i / 4) % 4]);
		else if (i % 4 == 1)
			fake_lock(D, name, -1);
		else if (i % 4 == 2)
			fake_lock_as(D, name, -1, PST_MAPPED);
	}
	fake_stall(8);
	assert_int_equal(fake_run("--threads", "8", "-d", NULL), EXIT_FAILED);
	assert_int_equal(fake_inflight_max(), 8);
	assert_int_equal(fake_stall_timeouts(), 0);
	assert_contains(fake_out(), "error     C:\\mmp\\s00.mmp  (refused a)\n"
	    "deleted   C:\\mmp\\s03.mmp\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\s13.mmp\n");
	assert_contains(fake_out(), "error     C:\\mmp\\s04.mmp  (refused b)\n");
	assert_contains(fake_out(), "error     C:\\mmp\\s08.mmp  (refused c)\n");
	assert_contains(fake_out(), "error     C:\\mmp\\s12.mmp  (refused d)\n");
	assert_contains(fake_out(), "locked    C:\\mmp\\s14.mmp  (mapped into "
	    "a process's memory)\n");
	assert_contains(fake_out(), "16 .mmp files in 1 directory: 4 deleted, "
	    "8 locked, 0 read-only, 0 skipped, 4 errors\n");
}

/* An empty directory and a single file start no worker. */
static void
test_no_worker_for_one_file(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--threads", "8", "-d", NULL), EXIT_CLEAN);
	assert_int_equal(fake_threads_started(), 0);
	fake_file(D, "a.mmp", 0);
	fake_file(D, "young.mmp", 0);
	fake_file(D, "link.mmp", PLAT_A_LINK);
	fake_set_mtime(D, "young.mmp", 1700000000 - 5);
	assert_int_equal(fake_run("--threads", "8", "-d", "--older-than",
	    "1m", NULL), EXIT_FAILED);
	assert_int_equal(fake_threads_started(), 0);
	assert_false(fake_exists(D, "a.mmp"));
	assert_string_equal(fake_out(),
	    "deleted   C:\\mmp\\a.mmp\n"
	    "young     C:\\mmp\\young.mmp\n"
	    "skipped   C:\\mmp\\link.mmp  (a link or reparse point, not a "
	    "plain file in this directory; left alone)\n"
	    "3 .mmp files in 1 directory: 1 deleted, 0 locked, 0 read-only, "
	    "1 skipped, 0 errors, 1 young\n");
	/* a second file to try: now a worker helps */
	fake_file(D, "b.mmp", 0);
	fake_file(D, "c.mmp", 0);
	fake_run("--threads", "8", "-d", NULL);
	assert_true(fake_threads_started() >= 1);
	assert_false(fake_exists(D, "b.mmp"));
	assert_false(fake_exists(D, "c.mmp"));
}

/* --threads 1 is the serial scan: no thread, whatever the files. */
static void
test_threads_1_starts_none(void **state)
{
	char name[32];

	(void)state;
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "f%03d.mmp", i);
		fake_file(D, name, 0);
	}
	assert_int_equal(fake_run("--threads", "1", "-d", NULL), EXIT_CLEAN);
	assert_int_equal(fake_threads_started(), 0);
	assert_contains(fake_out(), "100 .mmp files in 1 directory: 100 "
	    "deleted");
}

/* No thread can be started: the main thread does every file itself. */
static void
test_no_thread_to_be_had(void **state)
{
	char name[32];

	(void)state;
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "f%03d.mmp", i);
		fake_file(D, name, 0);
	}
	fake_lock(D, "f042.mmp", -1);
	fake_thread_fail(1);
	assert_int_equal(fake_run("--threads", "8", "-d", NULL), EXIT_LOCKED);
	assert_int_equal(fake_threads_started(), 0);
	assert_contains(fake_out(), "deleted   C:\\mmp\\f041.mmp\n"
	    "deleted   C:\\mmp\\f043.mmp\n");
	assert_contains(fake_out(), "100 .mmp files in 1 directory: 99 "
	    "deleted, 1 locked");
}

/*
 * Ctrl+C while eight workers each hold a file: they finish those, take
 * no other, each file tried is reported once, and the summary follows.
 */
static void
test_ctrl_c_with_workers_busy(void **state)
{
	char name[32];
	int tried = 0, reported = 0;

	(void)state;
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "f%03d.mmp", i);
		fake_file(D, name, 0);
	}
	fake_stall(8);
	fake_interrupt_at_call(8);
	assert_int_equal(fake_run("--threads", "8", "-d", NULL), EXIT_FAILED);
	assert_int_equal(fake_inflight_max(), 8);
	assert_int_equal(fake_calls_after_ctrl_c(), 0);
	for (int i = 0; i < 500; i++) {
		char line[48];
		int n;

		snprintf(name, sizeof(name), "f%03d.mmp", i);
		snprintf(line, sizeof(line), "C:\\mmp\\%s\n", name);
		n = fake_opens(D, name);
		tried += n;
		assert_true(n <= 1);
		/* tried: deleted and said so once; untried: untouched */
		assert_int_equal(fake_exists(D, name), n == 0);
		assert_int_equal(count_in(fake_out(), line), n);
		reported += count_in(fake_out(), line);
	}
	assert_int_equal(tried, 8);
	assert_int_equal(reported, 8);
	assert_contains(fake_err(), "interrupted: 'C:\\mmp' was not scanned to "
	    "the end");
	assert_contains(fake_out(), "8 .mmp files in 1 directory: 8 deleted");
}

/*
 * Ctrl+C once the listing is done, while workers (slow: 2 ms a file) still
 * have files queued: those in hand are finished and reported, the queued
 * ones are left untried and unreported, and the run ends.
 */
static void
test_ctrl_c_after_listing(void **state)
{
	char name[32];
	int tried = 0, reported = 0;

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "f%03d.mmp", i);
		fake_file(D, name, 0);
	}
	fake_latency_us(2000);
	fake_interrupt_at_end();
	assert_int_equal(fake_run("--threads", "2", "-d", NULL), EXIT_FAILED);
	for (int i = 0; i < 40; i++) {
		char line[48];

		snprintf(name, sizeof(name), "f%03d.mmp", i);
		snprintf(line, sizeof(line), "C:\\mmp\\%s\n", name);
		tried += fake_opens(D, name);
		reported += count_in(fake_out(), line);
		assert_int_equal(fake_exists(D, name), fake_opens(D, name) == 0);
	}
	assert_int_equal(reported, tried);
	assert_true(tried < 40);
	assert_contains(fake_err(), "interrupted");
}

/* Ctrl+C in the serial scan: the file in hand, then no other. */
static void
test_ctrl_c_serial(void **state)
{
	(void)state;
	fake_file(D, "a.mmp", 0);
	fake_file(D, "b.mmp", 0);
	fake_file(D, "c.mmp", 0);
	fake_interrupt_after(1);
	assert_int_equal(fake_run("--threads", "1", "-d", NULL), EXIT_FAILED);
	assert_false(fake_exists(D, "a.mmp"));
	assert_true(fake_exists(D, "b.mmp"));
	assert_int_equal(fake_opens(D, "b.mmp"), 0);
	assert_contains(fake_out(), "1 .mmp file in 1 directory: 1 deleted");
}

static void
test_threads_option(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--threads", "0", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--threads '0' must be at least 1");
	assert_int_equal(fake_run("--threads", "65", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--threads '65' is too many (at most 64)");
	assert_int_equal(fake_run("--threads", "4x", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--threads '4x' must be a whole number");
	assert_int_equal(fake_run("--threads", "", NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--threads '' must be a number of threads");
	assert_int_equal(fake_run("--threads", "99999999999", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "is too many");
	fake_file(D, "a.mmp", 0);
	assert_int_equal(fake_run("--threads", "64", NULL), EXIT_CLEAN);
	assert_int_equal(fake_run("--threads=1", NULL), EXIT_CLEAN);
	assert_int_equal(fake_run("--configure", "D:\\x", "--threads", "2",
	    NULL), EXIT_USAGE);
	assert_contains(fake_err(), "--configure does not scan");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_many_files_8_workers_text_delete, setup,
		    fake_teardown),
		cmocka_unit_test_setup_teardown(
		    test_many_files_8_workers_csv_report, setup, fake_teardown),
		cmocka_unit_test_setup_teardown(
		    test_many_files_8_workers_json_delete, setup,
		    fake_teardown),
		cmocka_unit_test_setup_teardown(
		    test_failures_locks_and_stalls_at_once, setup,
		    fake_teardown),
		cmocka_unit_test_setup_teardown(test_no_worker_for_one_file,
		    setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_threads_1_starts_none,
		    setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_no_thread_to_be_had,
		    setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c_with_workers_busy,
		    setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c_after_listing,
		    setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c_serial, setup,
		    fake_teardown),
		cmocka_unit_test_setup_teardown(test_threads_option, setup,
		    fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

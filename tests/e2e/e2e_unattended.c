/*
 * End-to-end tests of races and unattended operation: two cleaners on one
 * directory, files locked, created and deleted by others while mmpclean
 * runs; batch files branching on the exit status; the CSV and JSON reports
 * read back by Python's own parsers; the age filter; the --log file; a
 * closed standard output.  The harness (harness.h) says how tests run.
 *
 * Nothing here waits for a moment in time: a race is either provoked by
 * running things together and then judged only by what must hold whichever
 * way it went, or watched through the disk.  Each race test also finds out
 * whether its race happened, and runs again until it has (a bounded number
 * of times): a race test that passes without its race fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#define NMANY	2000	/* files for the races */
#define ROUNDS	3	/* races are run this many times */
#define TRIES	(4 * ROUNDS)	/* rounds to get ROUNDS races, at most */
#define LEAD_STEP 50		/* ms: a start moved when a race was missed */
#define ATTEMPTS 5	/* tries at a race run once */

/* ---- files ---- */

/* A file of size bytes, last written at mtime (seconds since 1970). */
static void
mkfile_at(const char *path, size_t size, time_t mtime)
{
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		fail_msg("create %s: %s", path, strerror(errno));
	for (size_t i = 0; i < size; i++)
		putc('a' + (int)(i % 26), fp);
	if (fclose(fp) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
	if (utimensat(AT_FDCWD, path, ts, 0) != 0)
		fail_msg("utimensat %s: %s", path, strerror(errno));
}

/* Copies a file (the exe, for a batch file to call as an installed tool). */
static void
copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = read_raw(from, &len);
	FILE *fp = fopen(to, "wb");

	if (len == 0 || fp == NULL || fwrite(buf, 1, len, fp) != len ||
	    fclose(fp) != 0)
		fail_msg("copy %s to %s failed", from, to);
	free(buf);
}

/* ---- a growable string, for Python's expectations and batch files ---- */

struct str {
	char *s;
	size_t len, cap;
};

static void str_add(struct str *b, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static void
str_add(struct str *b, const char *f, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, f);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
		    b->s ? b->cap - b->len : 0, f, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (b->s != NULL && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
		if (b->len == 0)
			b->s[0] = '\0';
	}
}

/* A JSON string literal. */
static void
str_json(struct str *b, const char *s)
{
	str_add(b, "\"");
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\')
			str_add(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			str_add(b, "\\u%04x", (unsigned)*s);
		else
			str_add(b, "%c", *s);
	str_add(b, "\"");
}

/* ---- reading many-file output ---- */

/*
 * For each line "STATUS<spaces>WDIR\PREFIXnnnn.mmp" (maybe "  (why)"
 * after it) adds one to hits[nnnn]; returns how many STATUS lines name
 * anything else.
 */
static int
mark(const char *out, const char *status, const char *wdir,
    const char *prefix, int n, int *hits)
{
	char want[PATH_MAX];
	size_t wlen, slen = strlen(status);
	int stray = 0;

	fmt(want, sizeof want, "%s\\%s", wdir, prefix);
	wlen = strlen(want);
	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n'), *p;
		int idx = 0, k;

		if (eol == NULL)
			eol = l + strlen(l);
		if (strncmp(l, status, slen) == 0 && l[slen] == ' ') {
			for (p = l + slen; *p == ' '; p++)
				continue;
			k = 0;
			if (strncmp(p, want, wlen) == 0)
				for (p += wlen; k < 4 && *p >= '0' && *p <= '9';
				    k++, p++)
					idx = idx * 10 + (*p - '0');
			if (k != 4 || strncmp(p, ".mmp", 4) != 0 || idx >= n ||
			    (p + 4 != eol && strncmp(p + 4, "  (", 3) != 0))
				stray++;
			else
				hits[idx]++;
		}
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return stray;
}

/* The "N .mmp files" of the summary line, or -1. */
static long
summary_files(const char *out)
{
	const char *s = summary(out);

	return s[0] >= '0' && s[0] <= '9' ? strtol(s, NULL, 10) : -1;
}

/* Like dump(), leaving out the (many) lines that start with `skip`. */
static void
dump_except(const struct run *r, const char *skip)
{
	size_t slen = strlen(skip);
	int left = 0;

	print_message("command: %s\nexit status: %d\n--- stdout, without "
	    "\"%s\" lines ---\n", r->cmd, r->status, skip);
	for (const char *l = r->out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n');

		if (eol == NULL)
			eol = l + strlen(l);
		if (strncmp(l, skip, slen) != 0 && left++ < 40)
			print_message("%.*s\n", (int)(eol - l), l);
		l = *eol != '\0' ? eol + 1 : eol;
	}
	print_message("--- stderr ---\n%.4000s\n--------------\n", r->err);
}

/*
 * What every deleting run must show whatever it raced with: exit 0, only
 * "deleted" lines, and a summary that counts exactly those lines.
 */
static void
expect_clean_delete(struct run *r)
{
	int deleted = count_status(r->out, "deleted");

	if (r->status != 0 || deleted + 1 != count_all_lines(r->out) ||
	    summary_files(r->out) != deleted ||
	    !has_count(summary(r->out), deleted, "deleted") ||
	    !has_count(summary(r->out), 0, "locked") ||
	    !has_count(summary(r->out), 0, "error")) {
		dump_except(r, "deleted ");
		fail_msg("expected exit 0, only \"deleted\" lines (%d) and a "
		    "summary counting them", deleted);
	}
}

/* ==== races and concurrency ==== */

/*
 * Two cleaners started together on one directory: each file is deleted by
 * exactly one of them, and the other never calls it locked or an error.
 */
static void
t_two_deleters_same_directory(void **state)
{
	static int ha[NMANY], hb[NMANY];
	struct fx *f = *state;
	struct job ja, jb;
	struct run ra = { .out = NULL }, rb = { .out = NULL };
	int overlapped = 0, round;

	for (round = 0; overlapped < ROUNDS && round < TRIES; round++) {
		int na, nb;

		make_many(f, NULL, "f", NMANY);
		MM_START(f, &ja, &ra, "--delete", "--dir", f->wdir);
		MM_START(f, &jb, &rb, "--delete", "--dir", f->wdir);
		mm_wait(f, &ja);
		mm_wait(f, &jb);

		/* The disk first: nothing left, nothing said deleted twice. */
		assert_int_equal(count_dir(f->udir), 0);
		memset(ha, 0, sizeof ha);
		memset(hb, 0, sizeof hb);
		if (mark(ra.out, "deleted", f->wdir, "f", NMANY, ha) != 0 ||
		    mark(rb.out, "deleted", f->wdir, "f", NMANY, hb) != 0) {
			dump_except(&ra, "deleted ");
			dump_except(&rb, "deleted ");
			fail_msg("a \"deleted\" line names an unknown file");
		}
		for (int i = 0; i < NMANY; i++)
			if (ha[i] + hb[i] > 1)
				fail_msg("round %d: f%04d.mmp deleted twice",
				    round, i);
		/* Then what each said: only deletions, every file once. */
		expect_clean_delete(&ra);
		expect_clean_delete(&rb);
		na = count_status(ra.out, "deleted");
		nb = count_status(rb.out, "deleted");
		for (int i = 0; i < NMANY; i++)
			if (ha[i] + hb[i] != 1)
				fail_msg("round %d: f%04d.mmp deleted %d + %d "
				    "times", round, i, ha[i], hb[i]);
		if (na + nb != NMANY)
			fail_msg("round %d: %d + %d deleted, expected %d",
			    round, na, nb, NMANY);
		if (na > 0 && nb > 0)
			overlapped++;
	}
	run_free(&ra);
	run_free(&rb);
	print_message("    (%d of %d rounds had both deleting)\n",
	    overlapped, round);
	if (overlapped < ROUNDS)
		fail_msg("both runs deleted files in only %d of %d rounds (%d "
		    "needed): the race did not happen", overlapped, round,
		    ROUNDS);
}

/*
 * A run counts the others that have its directory open, across
 * processes: alone, it looks at a locked file again at once; with another
 * run at work there (one waiting on a held file with --wait), it waits
 * before the second look, and says so with --verbose; a run counts itself
 * out when it ends.
 */
static void
t_second_look_counts_other_runs(void **state)
{
	struct fx *f = *state;
	struct run ra = { .out = NULL };
	struct job ja;
	struct run *r;
	int slot;

	mkfile(U(f, "held.mmp"));
	slot = HOLD(f, NULL, NULL, "held.mmp");

	r = MM(f, "--verbose", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line_icase(r, "locked", W(f, "held.mmp"));
	expect_not_in(r, err, "second look in");

	MM_START(f, &ja, &ra, "--delete", "--wait", "60", "--verbose",
	    "--dir", f->wdir);
	mm_await(f, &ja, "scanning '");
	/* twice: the first counted itself out when it ended */
	for (int i = 0; i < 2; i++) {
		r = MM(f, "--verbose", "--dir", f->wdir);
		expect_exit(r, 1);
		expect_line_icase(r, "locked", W(f, "held.mmp"));
		expect_in(r, err,
		    "1 other mmpclean run at work here; second look in");
	}

	assert_int_equal(release(f, slot), 0);
	mm_wait(f, &ja);
	expect_exit(&ra, 0);
	expect_line_icase(&ra, "deleted", W(f, "held.mmp"));
	run_free(&ra);

	mkfile(U(f, "held.mmp"));
	HOLD(f, NULL, NULL, "held.mmp");
	r = MM(f, "--verbose", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_not_in(r, err, "second look in");
}

/*
 * Files held open (readably, so that another reader may look) while
 * mmpclean runs, and released part-way: none is deleted, or marked for
 * deletion, while held.  A Windows reader, started beforehand and waiting
 * for a word on its stdin, finds each intact just before the release:
 * under Wine a file marked for deletion stays on disk until its last
 * handle closes, but it can no longer be opened, so the reader is the
 * proof, not the disk.  The release must come while mmpclean runs: a try
 * where it ended first is made again.
 */
enum { NHELD = 20 };

/* One try; whether the release came before mmpclean ended. */
static int
release_mid_run(struct fx *f)
{
	static char names[NHELD][16];
	const char *held[NHELD + 1];
	struct str bat = { NULL, 0, 0 };
	char ubat[PATH_MAX], wbat[PATH_MAX], uready[PATH_MAX];
	const char *check[] = { "wine", "cmd", "/c", wbat, NULL };
	struct run rc = { .out = NULL };
	struct run *r = &f->r;
	struct job j;
	uint64_t end;
	int h, p[2], out = tmpfd(), err = tmpfd(), intact = 0, nlocked;
	int ndeleted = 0, early;
	pid_t reader;
	const char *s;

	make_many(f, NULL, "f", NMANY);
	fmt(uready, sizeof uready, "%s/reader.ready", f->uout);
	unlink(uready);
	str_add(&bat, "@echo ready>%s\\reader.ready\r\n@set /p go=\r\n",
	    f->wout);
	for (int i = 0; i < NHELD; i++) {
		fmt(names[i], sizeof names[i], "h%02d.mmp", i);
		mkfile(U(f, names[i]));
		held[i] = names[i];
		str_add(&bat, "@type %s\r\n", W(f, names[i]));
	}
	held[NHELD] = NULL;
	fmt(ubat, sizeof ubat, "%s/check.bat", f->uout);
	fmt(wbat, sizeof wbat, "%s\\check.bat", f->wout);
	write_text(ubat, bat.s);
	free(bat.s);
	h = hold(f, "rwd", "r", held);

	if (out < 0 || err < 0 || pipe2(p, O_CLOEXEC) != 0)
		fail_msg("set-up: %s", strerror(errno));
	if ((reader = spawn(check, NULL, p[0], out, err)) < 0)
		fail_msg("fork: %s", strerror(errno));
	bg_add(f, reader);
	close(p[0]);
	for (end = now_ms() + RUN_MS; !exists(uready); nap())
		if (now_ms() > end || has_ended(reader))
			fail_msg("the reader did not start");

	MM_START(f, &j, r, "--delete", "--dir", f->wdir);
	/* Until a quarter of the free files are gone, or mmpclean is done. */
	for (end = now_ms() + RUN_MS; count_dir(f->udir) > NMANY * 3 / 4 +
	    NHELD && !has_ended(j.pid) && now_ms() < end; nap())
		continue;
	if (write(p[1], "go\r\n", 4) != 4)
		fail_msg("cannot wake the reader: %s", strerror(errno));
	close(p[1]);
	rc.status = reap(reader, RUN_MS);
	bg_forget(f, reader);
	rc.out = slurp(out);
	rc.err = slurp(err);
	close(out);
	close(err);
	fmt(rc.cmd, sizeof rc.cmd, "wine cmd /c %s", wbat);
	for (s = rc.out; (s = strstr(s, "mmp test data")) != NULL; s++)
		intact++;
	if (rc.status != 0 || intact != NHELD) {
		dump(&rc);
		fail_msg("%d held files read back intact, expected %d", intact,
		    NHELD);
	}
	run_free(&rc);
	for (int i = 0; i < NHELD; i++)
		expect_exists(U(f, names[i]));
	early = !has_ended(j.pid);
	assert_int_equal(release(f, h), 0);
	mm_wait(f, &j);

	/* At worst a held file is reported locked, and left as it was. */
	nlocked = count_status(r->out, "locked");
	expect_exit(r, nlocked > 0 ? 1 : 0);
	for (int i = 0; i < NHELD; i++)
		if (count_lines(r->out, "locked", W(f, names[i]), 0) == 1) {
			char *c = read_raw(U(f, names[i]), NULL);

			if (strcmp(c, "mmp test data\n") != 0)
				fail_msg("%s lost its contents", names[i]);
			free(c);
		} else {
			expect_line(r, "deleted", W(f, names[i]));
			expect_gone(U(f, names[i]));
			ndeleted++;
		}
	assert_int_equal(nlocked + ndeleted, NHELD);
	assert_int_equal(count_status(r->out, "deleted"), NMANY + ndeleted);
	assert_int_equal(count_status(r->out, "error"), 0);
	assert_int_equal(count_dir(f->udir), nlocked);
	print_message("    (released %s mmpclean ended; %d held files then "
	    "deleted, %d reported locked)\n", early ? "before" : "after",
	    ndeleted, nlocked);
	for (int i = 0; i < NHELD; i++)
		unlink(U(f, names[i]));
	return early;
}

static void
t_lock_released_mid_run_not_deleted_while_held(void **state)
{
	struct fx *f = *state;
	int n;

	for (n = 1; !release_mid_run(f); n++)
		if (n == ATTEMPTS)
			fail_msg("mmpclean ended before the release in all %d "
			    "tries: the race did not happen", n);
}

/*
 * Another process keeps creating *.mmp files while mmpclean deletes: no
 * errors, every file it says it deleted is gone, every other one is there.
 */
static void
t_files_created_during_run(void **state)
{
	enum { MAXNEW = 20000 };
	static int hits[MAXNEW], old[NMANY];
	struct fx *f = *state;
	struct run *r = &f->r;
	char stop[PATH_MAX], name[32];
	struct job j;
	int p[2], made = 0, kept = 0, ndel = 0, st;
	pid_t child;
	uint64_t end;

	make_many(f, NULL, "f", NMANY);
	fmt(stop, sizeof stop, "%s/stop", f->uout);
	if (pipe2(p, O_CLOEXEC) != 0)
		fail_msg("pipe: %s", strerror(errno));
	if ((child = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (child == 0) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		int i, fd;

		setpgid(0, 0);
		for (i = 0; i < MAXNEW && access(stop, F_OK) != 0; i++) {
			fmt(name, sizeof name, "/n%04d.mmp", i);
			fd = open(U(f, name + 1), O_WRONLY | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0666);
			if (fd < 0 || write(fd, "new\n", 4) != 4 || close(fd))
				_exit(1);
			nanosleep(&ts, NULL);
		}
		_exit(write(p[1], &i, sizeof i) == sizeof i ? 0 : 1);
	}
	close(p[1]);
	bg_add(f, child);
	for (end = now_ms() + RUN_MS; !exists(U(f, "n0000.mmp")); nap())
		if (now_ms() > end || has_ended(child))
			fail_msg("the creating process did not start");

	MM_START(f, &j, r, "--delete", "--dir", f->wdir);
	mm_wait(f, &j);
	write_text(stop, "");
	if (read(p[0], &made, sizeof made) != sizeof made)
		fail_msg("the creating process failed");
	close(p[0]);
	waitpid(child, &st, 0);
	bg_forget(f, child);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the creating process failed (%d files)", made);

	expect_clean_delete(r);
	memset(hits, 0, sizeof hits);
	memset(old, 0, sizeof old);
	mark(r->out, "deleted", f->wdir, "f", NMANY, old);
	mark(r->out, "deleted", f->wdir, "n", made, hits);
	for (int i = 0; i < NMANY; i++)
		if (old[i] != 1)
			fail_msg("f%04d.mmp listed %d times", i, old[i]);
	for (int i = 0; i < made; i++)
		ndel += hits[i];
	if (NMANY + ndel != count_status(r->out, "deleted")) {
		dump_except(r, "deleted ");
		fail_msg("a \"deleted\" line names an unknown file");
	}
	for (int i = 0; i < made; i++) {
		fmt(name, sizeof name, "n%04d.mmp", i);
		if (hits[i] > 1 || exists(U(f, name)) == (hits[i] == 1))
			fail_msg("%s: %d \"deleted\" lines, yet it %s", name,
			    hits[i], exists(U(f, name)) ? "exists" : "is gone");
		kept += hits[i] == 0;
	}
	print_message("    (%d files made during the run, %d left for the "
	    "next)\n", made, kept);

	/* What was left is ordinary: the next run deletes it all. */
	r = MM(f, "--delete", "--dir", f->wdir);
	expect_clean_delete(r);
	expect_summary(r, kept, "deleted");
	assert_int_equal(count_dir(f->udir), 0);
}

/*
 * `del` in another Windows process deletes the same files at the same
 * time: files vanish between listing and probe, or are open in del for an
 * instant; neither is an error or a lock.
 *
 * cmd.exe starts several times slower than mmpclean.exe, and either can
 * delete 2000 files in a few tenths of a second, so started together one
 * often finishes before the other begins.  The start of the second is
 * moved each round towards the side that was late (mmpclean deleted all:
 * del starts earlier; deleted none: later) until the two meet.
 */
static void
t_concurrent_del_no_errors(void **state)
{
	static int hits[NMANY];
	struct fx *f = *state;
	char pattern[PATH_MAX];
	const char *del[] = { "wine", "cmd", "/c", "del", "/q", pattern, NULL };
	struct run *r = &f->r, rd = { .out = NULL };
	struct job jd, j;
	int overlapped = 0, round, lead = 0;	/* ms del starts first */

	fmt(pattern, sizeof pattern, "%s", W(f, "*.mmp"));
	for (round = 0; overlapped < ROUNDS && round < TRIES; round++) {
		int n;

		make_many(f, NULL, "f", NMANY);
		if (lead < 0) {
			MM_START(f, &j, r, "--delete", "--verbose", "--dir",
			    f->wdir);
			sleep_ms((unsigned)-lead);
		}
		if (job_start(&jd, &rd, del, NULL, NULL) != 0)
			fail_msg("fork: %s", strerror(errno));
		bg_add(f, jd.pid);
		if (lead >= 0) {
			sleep_ms((unsigned)lead);
			MM_START(f, &j, r, "--delete", "--verbose", "--dir",
			    f->wdir);
		}
		mm_wait(f, &j);
		mm_wait(f, &jd);

		expect_clean_delete(r);
		memset(hits, 0, sizeof hits);
		if (mark(r->out, "deleted", f->wdir, "f", NMANY, hits) != 0) {
			dump_except(r, "deleted ");
			fail_msg("a \"deleted\" line names an unknown file");
		}
		for (int i = 0; i < NMANY; i++)
			if (hits[i] > 1)
				fail_msg("f%04d.mmp deleted twice", i);
		if (count_dir(f->udir) != 0) {
			dump(&rd);
			fail_msg("round %d: %d files left", round,
			    count_dir(f->udir));
		}
		n = count_status(r->out, "deleted");
		if ((n > 0 && n < NMANY) || strstr(r->err, "vanished") != NULL)
			overlapped++;
		else
			lead += n == NMANY ? LEAD_STEP : -LEAD_STEP;
	}
	run_free(&rd);
	print_message("    (%d of %d rounds shared the files with del; "
	    "del started %d ms %s mmpclean in the last)\n", overlapped, round,
	    lead < 0 ? -lead : lead, lead < 0 ? "after" : "before");
	if (overlapped < ROUNDS)
		fail_msg("mmpclean and del shared the files in only %d of %d "
		    "rounds (%d needed): the race did not happen", overlapped,
		    round, ROUNDS);
}

/* ==== unattended operation ==== */

/*
 * A batch file calls mmpclean and branches on `if errorlevel`, as a
 * scheduled task would; one scenario per exit status.  The tool is a copy
 * in a directory of its own, as installed.
 */
static void
t_batch_file_branches_on_errorlevel(void **state)
{
	static const struct {
		const char *word;	/* what the batch file's branch says */
		const char *dir;	/* --dir, in the test directory */
		const char *extra;	/* another argument, or NULL */
		const char *report;	/* in mmpclean's report */
	} cases[] = {
		{ "CLEAN",  "s0",   NULL,	"deleted" },
		{ "LOCKED", "s1",   NULL,	"locked" },
		{ "FAILED", "s2",   NULL,	"read-only" },
		{ "NODIR",  "nope", NULL,	"cannot open directory" },
		{ "USAGE",  "s4",   "--bogus",	"unknown option '--bogus'" },
	};
	struct fx *f = *state;
	struct str bat = { NULL, 0, 0 };
	char tools[PATH_MAX], uexe[PATH_MAX], wexe[PATH_MAX], ubat[PATH_MAX];
	char wbat[PATH_MAX], ureport[PATH_MAX], wreport[PATH_MAX], wdir[PATH_MAX];
	char want[32];
	struct run *r = &f->r;

	fmt(tools, sizeof tools, "%s/tools", f->uout);
	fmt(uexe, sizeof uexe, "%s/mmpclean.exe", tools);
	fmt(wexe, sizeof wexe, "%s\\tools\\mmpclean.exe", f->wout);
	fmt(ubat, sizeof ubat, "%s/run.bat", f->uout);
	fmt(wbat, sizeof wbat, "%s\\run.bat", f->wout);
	fmt(ureport, sizeof ureport, "%s/report.txt", f->uout);
	fmt(wreport, sizeof wreport, "%s\\report.txt", f->wout);
	mkdir_p(tools);
	copy_file(g_exe, uexe);
	str_add(&bat, "@echo off\r\n%s %%* >%s 2>&1\r\n", wexe, wreport);
	for (int i = 4; i >= 1; i--)
		str_add(&bat, "if errorlevel %d goto s%d\r\n", i, i);
	str_add(&bat, "echo %s\r\nexit /b 0\r\n", cases[0].word);
	for (int i = 1; i <= 4; i++)
		str_add(&bat, ":s%d\r\necho %s\r\nexit /b %d\r\n", i,
		    cases[i].word, i);
	write_text(ubat, bat.s);
	free(bat.s);

	mkdir_p(U(f, "s0"));
	mkdir_p(U(f, "s1"));
	mkdir_p(U(f, "s2"));
	mkdir_p(U(f, "s4"));
	mkfile(U(f, "s0/a.mmp"));
	mkfile(U(f, "s1/a.mmp"));
	mkfile(U(f, "s1/b.mmp"));
	mkfile(U(f, "s2/a.mmp"));
	mkfile(U(f, "s2/r.mmp"));
	chmod(U(f, "s2/r.mmp"), 0444);
	mkfile(U(f, "s4/a.mmp"));
	HOLD(f, NULL, NULL, "s1/b.mmp");

	for (int i = 0; i < 5; i++) {
		const char *argv[] = { "wine", "cmd", "/c", wbat, "--delete",
		    "--dir", wdir, cases[i].extra, NULL };
		char *report;

		fmt(wdir, sizeof wdir, "%s", W(f, cases[i].dir));
		unlink(ureport);
		if (run_cmd(r, argv, f->uout, NULL, RUN_MS) != 0) {
			dump(r);
			fail_msg("the batch file did not finish");
		}
		fmt(want, sizeof want, "%s\n", cases[i].word);
		if (strcmp(r->out, want) != 0) {
			dump(r);
			fail_msg("the batch file should say only %s",
			    cases[i].word);
		}
		expect_exit(r, i);	/* exit /b passes it on */
		report = read_raw(ureport, NULL);
		if (strstr(report, cases[i].report) == NULL)
			fail_msg("%s: the report lacks \"%s\":\n%.2000s",
			    cases[i].word, cases[i].report, report);
		free(report);
	}
	expect_gone(U(f, "s0/a.mmp"));
	expect_gone(U(f, "s1/a.mmp"));
	expect_exists(U(f, "s1/b.mmp"));
	expect_gone(U(f, "s2/a.mmp"));
	expect_exists(U(f, "s2/r.mmp"));
	expect_exists(U(f, "s4/a.mmp"));
}

static const char csv_check[] = PY_COMMON
"text, rows = load_csv(sys.argv[1])\n"
"want = json.loads(sys.argv[2])\n"
"def fail(m):\n"
"    print(m); print(text); sys.exit(1)\n"
"if not rows or rows[0] != ['status', 'path', 'size', 'last_write_utc', 'reason', 'computer']:\n"
"    fail('header: %r' % (rows[:1],))\n"
"seen = {}\n"
"for row in rows[1:]:\n"
"    if len(row) != 6: fail('row of %d fields: %r' % (len(row), row))\n"
"    if not row[5] or row[5] != rows[1][5]: fail('computer column: %r' % row)\n"
"    if row[1] in seen: fail('listed twice: %r' % row[1])\n"
"    seen[row[1]] = row\n"
"if len(seen) != len(want): fail('%d rows, expected %d' % (len(seen), len(want)))\n"
"for w in want:\n"
"    row = seen.get(w['path'])\n"
"    if row is None: fail('no row for %r' % w['path'])\n"
"    status, path, size, when, reason, computer = row\n"
"    if status != w['status']: fail('%r: status %r, expected %r' % (path, status, w['status']))\n"
"    if not re.fullmatch('[0-9]+', size) or int(size) != w['size']:\n"
"        fail('%r: size %r, expected %d' % (path, size, w['size']))\n"
"    if not re.fullmatch(r'\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ', when):\n"
"        fail('%r: time %r is not ISO 8601 UTC' % (path, when))\n"
"    t = datetime.datetime.strptime(when, '%Y-%m-%dT%H:%M:%SZ')\n"
"    t = t.replace(tzinfo=datetime.timezone.utc).timestamp()\n"
"    if abs(t - w['mtime']) > 2: fail('%r: time %s, file written at %d' % (path, when, w['mtime']))\n"
"    if bool(reason) != w['reason']: fail('%r: reason %r' % (path, reason))\n"
"print('ok')\n";

static void
want_add(struct str *b, const char *path, const char *status, size_t size,
    time_t mtime, int reason)
{
	str_add(b, "%s{\"path\":", b->s[b->len - 1] == '[' ? "" : ",");
	str_json(b, path);
	str_add(b, ",\"status\":\"%s\",\"size\":%zu,\"mtime\":%lld,"
	    "\"reason\":%s}", status, size, (long long)mtime,
	    reason ? "true" : "false");
}

/*
 * --format csv as Python's csv module reads it: the header, one row per
 * file with its status, size and last write time, quoting that survives
 * a comma and a double quote in a name.
 */
static void
t_csv_report_read_by_python(void **state)
{
	static const char quoted[] = "say \"hi\", twice.mmp";
	struct fx *f = *state;
	struct str want = { NULL, 0, 0 };
	char uout[PATH_MAX];
	time_t t = time(NULL) - 5 * 3600;
	struct run *r;

	mkfile_at(U(f, "plain.mmp"), 100, t);
	mkfile_at(U(f, "a,b.mmp"), 7, t - 60);
	mkfile_at(U(f, quoted), 3, t - 120);
	mkfile_at(U(f, "held.mmp"), 0, t - 180);
	mkfile_at(U(f, "ro.mmp"), 5, t - 240);
	chmod(U(f, "ro.mmp"), 0444);
	HOLD(f, NULL, NULL, "held.mmp");
	str_add(&want, "[");
	want_add(&want, W(f, "plain.mmp"), "unlocked", 100, t, 0);
	want_add(&want, W(f, "a,b.mmp"), "unlocked", 7, t - 60, 0);
	/* Windows cannot open such a name (Wine lists it): an error row. */
	want_add(&want, W(f, quoted), "error", 3, t - 120, 1);
	want_add(&want, W(f, "held.mmp"), "locked", 0, t - 180, 0);
	want_add(&want, W(f, "ro.mmp"), "read-only", 5, t - 240, 1);
	str_add(&want, "]");

	fmt(uout, sizeof uout, "%s/report.csv", f->uout);
	write_text(uout, "");
	r = MMTO(f, uout, "--format", "csv", "--dir", f->wdir);
	expect_exit(r, 2);
	PYTHON(f, csv_check, uout, want.s);
	free(want.s);
	expect_exists(U(f, "plain.mmp"));
	expect_exists(U(f, "a,b.mmp"));
	expect_exists(U(f, quoted));
	expect_exists(U(f, "ro.mmp"));
}

static const char json_check[] = PY_COMMON
"raw, doc = load_json(sys.argv[1])\n"
"want = json.loads(sys.argv[2])\n"
"def fail(m):\n"
"    print(m); print(raw.decode('utf-8')); sys.exit(1)\n"
"def iso(s):\n"
"    if not isinstance(s, str) or not re.fullmatch(r'\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ', s):\n"
"        fail('not ISO 8601 UTC: %r' % (s,))\n"
"    t = datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ')\n"
"    return t.replace(tzinfo=datetime.timezone.utc).timestamp()\n"
"if not isinstance(doc.get('mmpclean'), str) or not doc['mmpclean']: fail('no version')\n"
"if doc.get('mode') != want['mode']: fail('mode %r' % doc.get('mode'))\n"
"if abs(iso(doc.get('started')) - want['now']) > 120: fail('started %r' % doc['started'])\n"
"if doc.get('exit_status') != want['exit_status']: fail('exit_status %r' % doc.get('exit_status'))\n"
"dirs = doc.get('directories')\n"
"if [d.get('path') for d in dirs] != [d['path'] for d in want['directories']]:\n"
"    fail('directories %r' % [d.get('path') for d in dirs])\n"
"total = {}\n"
"for d, w in zip(dirs, want['directories']):\n"
"    if d.get('source') != '--dir': fail('%r: source %r' % (d['path'], d.get('source')))\n"
"    if (d.get('error') is None) != (not w['error']): fail('%r: error %r' % (d['path'], d.get('error')))\n"
"    if w['error'] and not (isinstance(d['error'], str) and d['error']): fail('empty error')\n"
"    files = {x['path']: x for x in d.get('files')}\n"
"    if len(files) != len(d['files']) or set(files) != set(x['path'] for x in w['files']):\n"
"        fail('%r: files %r' % (d['path'], sorted(files)))\n"
"    for x in w['files']:\n"
"        g = files[x['path']]\n"
"        if g.get('status') != x['status'] or g.get('size') != x['size'] or g.get('reason') is not None:\n"
"            fail('%r: %r' % (x['path'], g))\n"
"        if abs(iso(g.get('last_write')) - x['mtime']) > 2: fail('%r: last_write %r' % (x['path'], g['last_write']))\n"
"        total[x['status']] = total.get(x['status'], 0) + 1\n"
"s = doc.get('summary')\n"
"exp = {'files': sum(total.values()), 'directories': want['scanned'], 'deleted': total.get('deleted', 0),\n"
"       'locked': total.get('locked', 0), 'pending': total.get('pending', 0),\n"
"       'read_only': 0, 'skipped': 0, 'errors': 0, 'young': 0,\n"
"       'scheduled': 0, 'directory_errors': sum(1 for d in want['directories'] if d['error']),\n"
"       'services': []}\n"
"if s != exp: fail('summary %r, expected %r' % (s, exp))\n"
"print('ok')\n";

/*
 * --format json as Python's json module reads it: directories, files,
 * summary and exit status agree with the disk and the process; a name in
 * Japanese comes back as it was.
 */
static void
t_json_report_read_by_python(void **state)
{
	struct fx *f = *state;
	struct str want = { NULL, 0, 0 };
	char uout[PATH_MAX];
	time_t t = time(NULL) - 3600;
	struct run *r;

	mkfile_at(U(f, "a.mmp"), 10, t);
	mkfile_at(U(f, "日本.mmp"), 20, t - 60);
	mkfile_at(U(f, "held.mmp"), 30, t - 120);
	HOLD(f, NULL, NULL, "held.mmp");
	str_add(&want, "{\"mode\":\"delete\",\"now\":%lld,\"exit_status\":3,"
	    "\"scanned\":1,\"directories\":[{\"path\":", (long long)time(NULL));
	str_json(&want, f->wdir);
	str_add(&want, ",\"error\":false,\"files\":[");
	want_add(&want, W(f, "a.mmp"), "deleted", 10, t, 0);
	want_add(&want, W(f, "日本.mmp"), "deleted", 20, t - 60, 0);
	want_add(&want, W(f, "held.mmp"), "locked", 30, t - 120, 0);
	str_add(&want, "]},{\"path\":");
	str_json(&want, W(f, "nope"));
	str_add(&want, ",\"error\":true,\"files\":[]}]}");

	fmt(uout, sizeof uout, "%s/report.json", f->uout);
	write_text(uout, "");
	r = MMTO(f, uout, "--delete", "--format", "json", "--dir", f->wdir,
	    "--dir", W(f, "nope"));
	expect_exit(r, 3);
	expect_diag(r);
	PYTHON(f, json_check, uout, want.s);
	free(want.s);
	{
		char *raw = read_raw(uout, NULL);

		if (strstr(raw, "\\u65e5\\u672c.mmp") == NULL)
			fail_msg("the JSON report lacks 日本.mmp as "
			    "\\u65e5\\u672c.mmp");
		free(raw);
	}
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "日本.mmp"));
	expect_exists(U(f, "held.mmp"));
}

static const char errors_check[] = PY_COMMON
"kind, path, wdir = sys.argv[1], sys.argv[2], sys.argv[3]\n"
"if kind == 'json':\n"
"    raw, doc = load_json(path)\n"
"    dirs = doc['directories']\n"
"    bad = [d for d in dirs if d['error'] is not None]\n"
"    if len(bad) != 1 or bad[0]['path'] != 'mmp' or bad[0]['source'] != 'registry, 64-bit view'\\\n"
"            or 'is a relative path' not in bad[0]['error'] or bad[0]['files'] != []:\n"
"        sys.exit('directories: %r' % dirs)\n"
"    good = [d for d in dirs if d['error'] is None]\n"
"    if [d['path'] for d in good] != [wdir] or good[0]['source'] != 'registry, 32-bit view':\n"
"        sys.exit('directories: %r' % dirs)\n"
"    names = sorted(f['path'].rsplit('\\\\', 1)[1] for f in good[0]['files'])\n"
"    want = sorted(['caf\\u00e9.mmp', '\\u20ac.mmp', '\\U0001F600.mmp', '\\u65e5\\u672c.mmp'])\n"
"    if names != want: sys.exit('names %r, expected %r' % (names, want))\n"
"    if doc['summary']['directory_errors'] != 1 or doc['exit_status'] != 3: sys.exit('summary %r' % doc['summary'])\n"
"else:\n"
"    text, rows = load_csv(path)\n"
"    err = [r for r in rows[1:] if r[0] == 'error']\n"
"    if len(err) != 1 or err[0][1] != 'mmp' or err[0][2:4] != ['', ''] or 'is a relative path' not in err[0][4]:\n"
"        sys.exit('error rows %r' % err)\n"
"    if len(rows) != 6: sys.exit('%d rows' % len(rows))\n"
"print('ok')\n";

/*
 * A registry value that names no usable directory shows in JSON (with its
 * source and the error) and in CSV (a row with the status "error"), beside
 * the directory of the other view; names in four scripts survive JSON read
 * as code page 437 (Windows PowerShell 5.1) and as UTF-8.
 */
static void
t_report_errors_and_names_by_python(void **state)
{
	struct fx *f = *state;
	char ujson[PATH_MAX], ucsv[PATH_MAX];
	struct run *r;

	mkfile(U(f, "caf\xc3\xa9.mmp"));
	mkfile(U(f, "\xe2\x82\xac.mmp"));
	mkfile(U(f, "\xf0\x9f\x98\x80.mmp"));
	mkfile(U(f, "日本.mmp"));
	reg_set(f, 64, "REG_SZ", "mmp");
	reg_set(f, 32, "REG_SZ", f->wdir);
	fmt(ujson, sizeof ujson, "%s/report.json", f->uout);
	fmt(ucsv, sizeof ucsv, "%s/report.csv", f->uout);
	write_text(ujson, "");
	write_text(ucsv, "");

	r = MMTO(f, ujson, "--format", "json");
	expect_exit(r, 3);
	expect_in(r, err, "is a relative path");
	PYTHON(f, errors_check, "json", ujson, f->wdir);

	r = MMTO(f, ucsv, "--format", "csv");
	expect_exit(r, 3);
	PYTHON(f, errors_check, "csv", ucsv, f->wdir);
	expect_exists(U(f, "caf\xc3\xa9.mmp"));
}

/* --older-than: the age is the last write time; a bare number is refused. */
static void
t_older_than_deletes_only_old(void **state)
{
	struct fx *f = *state;
	time_t now = time(NULL);
	struct run *r;

	mkfile_at(U(f, "old.mmp"), 14, now - (2 * 86400 + 3600));
	mkfile_at(U(f, "young.mmp"), 14, now - 3600);

	r = MM(f, "--delete", "--older-than", "7", "--dir", f->wdir);
	expect_exit(r, 4);
	expect_diag(r);
	expect_in(r, err, "--older-than");
	expect_in(r, err, "s, m, h or d");
	expect_empty(r, out);
	expect_exists(U(f, "old.mmp"));
	expect_exists(U(f, "young.mmp"));

	r = MM(f, "--delete", "--older-than", "1d", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "old.mmp"));
	expect_line(r, "young", W(f, "young.mmp"));
	expect_summary(r, 2, ".mmp file");
	expect_summary(r, 1, "deleted");
	expect_summary(r, 1, "young");
	expect_gone(U(f, "old.mmp"));
	expect_exists(U(f, "young.mmp"));
}

/* ---- the --log file ---- */

struct logline {
	time_t when;
	unsigned long pid;
	char kind[16];		/* deleted, locked, summary, finished... */
	const char *rest;	/* after the kind's column */
	size_t restlen;
};

/*
 * "2026-11-23T13:45:01Z mmpclean[PID] KIND<padded to 10>REST": 0, or -1
 * if the line is not one whole log line.
 */
static int
log_parse(const char *l, size_t len, struct logline *ll)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ mmpclean[";
	const char *p = l + sizeof shape - 1, *end = l + len;
	struct tm tm;
	size_t k;

	if (len < sizeof shape - 1 + 14)
		return -1;
	for (k = 0; k < sizeof shape - 1; k++)
		if (shape[k] == 'd' ? l[k] < '0' || l[k] > '9' : l[k] != shape[k])
			return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = atoi(l) - 1900;
	tm.tm_mon = atoi(l + 5) - 1;
	tm.tm_mday = atoi(l + 8);
	tm.tm_hour = atoi(l + 11);
	tm.tm_min = atoi(l + 14);
	tm.tm_sec = atoi(l + 17);
	ll->when = timegm(&tm);
	if (*p < '0' || *p > '9')
		return -1;
	for (ll->pid = 0; *p >= '0' && *p <= '9'; p++)
		ll->pid = ll->pid * 10 + (unsigned long)(*p - '0');
	if (end - p < 2 + 10 + 1 || strncmp(p, "] ", 2) != 0)
		return -1;
	p += 2;
	for (k = 0; k < 9 && ((p[k] >= 'a' && p[k] <= 'z') || p[k] == '-');
	    k++)
		continue;
	if (k == 0)
		return -1;
	memcpy(ll->kind, p, k);
	ll->kind[k] = '\0';
	for (; k < 10; k++)
		if (p[k] != ' ')
			return -1;
	if (p[10] == ' ')
		return -1;
	ll->rest = p + 10;
	ll->restlen = (size_t)(end - ll->rest);
	return 0;
}

struct logfile {
	char *text;		/* '\r' removed */
	struct logline v[4200];
	int n;
	int nbad;		/* lines that did not parse */
	char bad[256];		/* the first of them */
};

/* Reads the log; lines before `skip` foreign lines are not parsed. */
static void
log_read(struct logfile *lf, const char *path, int skip)
{
	char *s, *d;

	lf->text = read_raw(path, NULL);
	for (s = d = lf->text; *s != '\0'; s++)
		if (*s != '\r')
			*d++ = *s;
	*d = '\0';
	lf->n = lf->nbad = 0;
	lf->bad[0] = '\0';
	for (const char *l = lf->text; *l != '\0'; ) {
		const char *eol = strchr(l, '\n');

		if (eol == NULL) {
			if (lf->nbad++ == 0)
				fmt(lf->bad, sizeof lf->bad, "(no newline) "
				    "%.200s", l);
			break;
		}
		if (skip > 0)
			skip--;
		else if (lf->n == (int)(sizeof lf->v / sizeof lf->v[0]) ||
		    log_parse(l, (size_t)(eol - l), &lf->v[lf->n]) != 0) {
			if (lf->nbad++ == 0)
				fmt(lf->bad, sizeof lf->bad, "%.*s",
				    (int)(eol - l > 200 ? 200 : eol - l), l);
		} else
			lf->n++;
		l = eol + 1;
	}
}

/* Log lines of this kind (and pid, unless 0) whose rest is exactly rest. */
static int
log_count(const struct logfile *lf, const char *kind, unsigned long pid,
    const char *rest)
{
	int n = 0;

	for (int i = 0; i < lf->n; i++)
		if (strcmp(lf->v[i].kind, kind) == 0 &&
		    (pid == 0 || lf->v[i].pid == pid) && (rest == NULL ||
		    (lf->v[i].restlen == strlen(rest) &&
		    strncmp(lf->v[i].rest, rest, lf->v[i].restlen) == 0)))
			n++;
	return n;
}

#define expect_log(lf, kind, rest, want) do {				\
	const char *r_ = (rest);					\
	int n_ = log_count((lf), (kind), 0, r_);			\
	if (n_ != (want)) {						\
		print_message("--- log ---\n%.6000s\n", (lf)->text);	\
		fail_msg("%d log lines \"%s %s\", expected %d", n_, (kind), \
		    r_ != NULL ? r_ : "*", (want));			\
	}								\
} while (0)

#define expect_log_whole(lf) do {					\
	if ((lf)->bad[0] != '\0') {					\
		print_message("--- log ---\n%.6000s\n", (lf)->text);	\
		fail_msg("not a whole log line: %s", (lf)->bad);	\
	}								\
} while (0)

/*
 * --log appends: two runs, then every line of both is there after a line
 * that was in the file before; one timestamped line per file, a summary
 * per directory and a closing line per run.
 */
static void
t_log_appends_timestamped_lines(void **state)
{
	static const char earlier[] = "a line from before, kept\r\n";
	static struct logfile lf;
	struct fx *f = *state;
	char ulog[PATH_MAX], wlog[PATH_MAX], want[PATH_MAX];
	time_t t0 = time(NULL), t1;
	struct run *r;

	fmt(ulog, sizeof ulog, "%s/m.log", f->uout);
	fmt(wlog, sizeof wlog, "%s\\m.log", f->wout);
	write_text(ulog, earlier);
	mkdir_p(U(f, "one"));
	mkdir_p(U(f, "two"));
	mkfile(U(f, "one/a.mmp"));
	mkfile(U(f, "one/b.mmp"));
	mkfile(U(f, "one/c.mmp"));
	mkfile(U(f, "two/d.mmp"));
	mkfile(U(f, "two/e.mmp"));
	mkfile(U(f, "two/held.mmp"));
	HOLD(f, NULL, NULL, "two/held.mmp");

	r = MM(f, "--delete", "--log", wlog, "--dir", W(f, "one"));
	expect_exit(r, 0);
	expect_empty(r, err);
	r = MM(f, "--delete", "--log", wlog, "--dir", W(f, "two"));
	expect_exit(r, 1);
	t1 = time(NULL);

	log_read(&lf, ulog, 1);
	if (strncmp(lf.text, earlier, strlen(earlier) - 2) != 0)
		fail_msg("the log's earlier content is gone:\n%.2000s", lf.text);
	expect_log_whole(&lf);
	assert_int_equal(lf.n, 5 + 5);
	for (int i = 0; i < lf.n; i++)
		if (lf.v[i].when < t0 - 5 || lf.v[i].when > t1 + 5)
			fail_msg("log line %d: time %lld outside the runs", i,
			    (long long)lf.v[i].when);
	for (int i = 1; i < 5; i++)
		if (lf.v[i].pid != lf.v[0].pid || lf.v[5 + i].pid !=
		    lf.v[5].pid)
			fail_msg("one run's lines should share a pid");
	expect_log(&lf, "deleted", W(f, "one\\a.mmp"), 1);
	expect_log(&lf, "deleted", W(f, "one\\b.mmp"), 1);
	expect_log(&lf, "deleted", W(f, "one\\c.mmp"), 1);
	expect_log(&lf, "deleted", W(f, "two\\d.mmp"), 1);
	expect_log(&lf, "deleted", W(f, "two\\e.mmp"), 1);
	expect_log(&lf, "locked", W(f, "two\\held.mmp"), 1);
	fmt(want, sizeof want, "%s: 3 .mmp files: 3 deleted, 0 locked, "
	    "0 read-only, 0 skipped, 0 errors", W(f, "one"));
	expect_log(&lf, "summary", want, 1);
	fmt(want, sizeof want, "%s: 3 .mmp files: 2 deleted, 1 locked, "
	    "0 read-only, 0 skipped, 0 errors", W(f, "two"));
	expect_log(&lf, "summary", want, 1);
	expect_log(&lf, "finished", "exit status 0", 1);
	expect_log(&lf, "finished", "exit status 1", 1);
	/* each run: its files, its summary, its closing line */
	for (int run = 0; run < 2; run++) {
		const struct logline *v = &lf.v[5 * run];

		fmt(want, sizeof want, "%s\\", W(f, run ? "two" : "one"));
		for (int i = 0; i < 3; i++)
			if (strncmp(v[i].rest, want, strlen(want)) != 0)
				fail_msg("log lines out of order:\n%.3000s",
				    lf.text);
		if (strcmp(v[3].kind, "summary") != 0 ||
		    strcmp(v[4].kind, "finished") != 0)
			fail_msg("log lines out of order:\n%.3000s", lf.text);
	}
	free(lf.text);
	expect_gone(U(f, "one/a.mmp"));
	expect_exists(U(f, "two/held.mmp"));
}

/*
 * Two runs on different directories append to one log at once: only whole
 * lines, none lost.  The directories' names differ in length, so that a
 * line written over another shows as a torn line.  One try; returns how
 * often the two runs' lines alternate in the log.
 */
static int
log_two_runs(struct fx *f)
{
	enum { N = NMANY / 2 };
	static struct logfile lf;
	static int hits[2][N];
	static const char *const dirs[2] = { "one", "second" };
	char ulog[PATH_MAX], wlog[PATH_MAX], want[PATH_MAX];
	struct run r1 = { .out = NULL }, r2 = { .out = NULL };
	struct job j1, j2;
	unsigned long pid[2] = { 0, 0 };
	int interleaved = 0;

	fmt(ulog, sizeof ulog, "%s/m.log", f->uout);
	fmt(wlog, sizeof wlog, "%s\\m.log", f->wout);
	unlink(ulog);
	for (int d = 0; d < 2; d++) {
		mkdir_p(U(f, dirs[d]));
		make_many(f, dirs[d], "f", N);
	}

	MM_START(f, &j1, &r1, "--delete", "--log", wlog, "--dir",
	    W(f, dirs[0]));
	MM_START(f, &j2, &r2, "--delete", "--log", wlog, "--dir",
	    W(f, dirs[1]));
	mm_wait(f, &j1);
	mm_wait(f, &j2);
	expect_clean_delete(&r1);
	expect_clean_delete(&r2);
	expect_empty(&r1, err);
	expect_empty(&r2, err);
	run_free(&r1);
	run_free(&r2);

	log_read(&lf, ulog, 0);
	if (lf.nbad != 0 || lf.n != 2 * (N + 2))
		fail_msg("the log has %d well-formed lines and %d malformed "
		    "ones (the first: \"%s\"); two runs of %d files each "
		    "should append %d well-formed lines", lf.n, lf.nbad,
		    lf.bad, N, 2 * (N + 2));
	memset(hits, 0, sizeof hits);
	for (int i = 0; i < lf.n; i++) {
		const struct logline *l = &lf.v[i];
		int which = -1, idx = -1;

		if (i > 0 && l->pid != lf.v[i - 1].pid)
			interleaved++;
		if (strcmp(l->kind, "deleted") != 0)
			continue;
		for (int d = 0; d < 2 && which < 0; d++) {
			size_t plen;

			fmt(want, sizeof want, "%s\\f", W(f, dirs[d]));
			plen = strlen(want);
			if (l->restlen != plen + 8 ||
			    strncmp(l->rest, want, plen) != 0 ||
			    strncmp(l->rest + plen + 4, ".mmp", 4) != 0)
				continue;
			idx = 0;
			for (size_t k = plen; k < plen + 4; k++)
				idx = l->rest[k] >= '0' && l->rest[k] <= '9' &&
				    idx >= 0 ? idx * 10 + (l->rest[k] - '0') : -1;
			if (idx >= 0 && idx < N)
				which = d;
		}
		if (which < 0)
			fail_msg("log line names an unknown file: %.*s",
			    (int)l->restlen, l->rest);
		hits[which][idx]++;
		if (pid[which] == 0)
			pid[which] = l->pid;
		else if (pid[which] != l->pid)
			fail_msg("one directory, two pids in the log");
	}
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < N; i++)
			if (hits[d][i] != 1)
				fail_msg("%s\\f%04d.mmp logged %d times",
				    dirs[d], i, hits[d][i]);
	for (int d = 0; d < 2; d++) {
		fmt(want, sizeof want, "%s: %d .mmp files: %d deleted, "
		    "0 locked, 0 read-only, 0 skipped, 0 errors",
		    W(f, dirs[d]), N, N);
		if (log_count(&lf, "summary", pid[d], want) != 1 ||
		    log_count(&lf, "finished", pid[d], "exit status 0") != 1)
			fail_msg("no summary and closing line for %s",
			    dirs[d]);
	}
	assert_true(pid[0] != pid[1]);
	free(lf.text);
	assert_int_equal(count_dir(U(f, dirs[0])), 0);
	assert_int_equal(count_dir(U(f, dirs[1])), 0);
	print_message("    (the two runs' lines alternate %d times)\n",
	    interleaved);
	return interleaved;
}

/*
 * Writing at the same time is the point: one run's lines all before the
 * other's (one alternation) is a try without the race, made again.
 */
static void
t_log_two_runs_at_once_whole_lines(void **state)
{
	struct fx *f = *state;
	int n;

	for (n = 1; log_two_runs(f) < 2; n++)
		if (n == ATTEMPTS)
			fail_msg("the two runs' log lines never alternated in "
			    "%d tries: they did not write at the same time", n);
}

/* A log that cannot be opened is said, and the cleanup still happens. */
static void
t_log_directory_missing_exit2(void **state)
{
	struct fx *f = *state;
	char wlog[PATH_MAX], unodir[PATH_MAX];
	struct run *r;

	fmt(wlog, sizeof wlog, "%s\\nodir\\m.log", f->wout);
	fmt(unodir, sizeof unodir, "%s/nodir", f->uout);
	mkfile(U(f, "a.mmp"));

	r = MM(f, "--delete", "--log", wlog, "--dir", f->wdir);
	expect_exit(r, 2);
	expect_diag(r);
	expect_in(r, err, "log");
	expect_in(r, err, wlog);
	expect_in(r, err, "does not exist");
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_summary(r, 1, "deleted");
	expect_gone(U(f, "a.mmp"));
	if (exists(unodir))
		fail_msg("mmpclean created the log's directory");
}

/* ---- standard output that cannot be written ---- */

static void
t_closed_stdout_exit2(void **state)
{
	struct fx *f = *state;
	struct run *r = &f->r;
	struct job j;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));

	mm_start(f, &j, r, "-", (const char *const []){ "--dir", f->wdir,
	    NULL });
	mm_wait(f, &j);
	expect_exit(r, 2);
	expect_diag(r);
	expect_in(r, err, "standard output");
	expect_exists(U(f, "a.mmp"));

	mm_start(f, &j, r, "-", (const char *const []){ "--delete", "--dir",
	    f->wdir, NULL });
	mm_wait(f, &j);
	expect_exit(r, 2);
	expect_diag(r);
	expect_in(r, err, "standard output");
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "b.mmp"));
}

/* The text after the last "finished  exit status " in a log file. */
static const char *
log_status(const char *upath)
{
	size_t len;
	char *log = read_raw(upath, &len), *last = NULL, *p;
	static char got[16];

	for (p = log; p != NULL && (p = strstr(p, "finished  exit status ")) !=
	    NULL; p++)
		last = p;
	fmt(got, sizeof got, "%.1s", last ? last + 22 : "?");
	free(log);
	return got;
}

/*
 * Standard output closed: the log's last line says the exit status the
 * process returns (the failure shows only when the buffer goes out).
 */
static void
t_closed_stdout_log_says_2(void **state)
{
	struct fx *f = *state;
	struct run *r = &f->r;
	struct job j;
	char ulog[PATH_MAX], wlog[PATH_MAX];

	fmt(ulog, sizeof ulog, "%s/run.log", f->uout);
	fmt(wlog, sizeof wlog, "%s\\run.log", f->wout);
	mkfile(U(f, "a.mmp"));
	mm_start(f, &j, r, "-", (const char *const []){ "--delete", "--dir",
	    f->wdir, "--log", wlog, NULL });
	mm_wait(f, &j);
	expect_exit(r, 2);
	expect_gone(U(f, "a.mmp"));
	if (strcmp(log_status(ulog), "2") != 0) {
		dump(r);
		fail_msg("the log's last line says exit status %s, the "
		    "process returned 2", log_status(ulog));
	}
}

/*
 * Started with no standard handles at all (DETACHED_PROCESS, as service
 * launchers do; tests/helpers/detach.c): a quiet clean run has nothing
 * to write and exits 0; one with a report to print exits 2.
 */
static void
t_detached_no_handles(void **state)
{
	struct fx *f = *state;
	struct run *r = &f->r;
	char detach[PATH_MAX], ulog[PATH_MAX], wlog[PATH_MAX], *slash;

	fmt(detach, sizeof detach, "%s", g_holdlock);
	if ((slash = strrchr(detach, '/')) != NULL)
		fmt(slash + 1, sizeof detach - (size_t)(slash + 1 - detach),
		    "detach.exe");
	if (access(detach, R_OK) != 0)	/* else Wine's exit 53, unexplained */
		fail_msg("%s: %s (make e2e-helpers)", detach, strerror(errno));
	fmt(ulog, sizeof ulog, "%s/run.log", f->uout);
	fmt(wlog, sizeof wlog, "%s\\run.log", f->wout);
	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));

	run_cmd(r, (const char *const []){ "wine", detach, g_exe_win,
	    "--quiet", "--delete", "--dir", f->wdir, "--log", wlog, NULL },
	    f->udir, NULL, RUN_MS);
	expect_exit(r, 0);
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "b.mmp"));
	if (strcmp(log_status(ulog), "0") != 0)
		fail_msg("the log says exit status %s", log_status(ulog));

	/* something to print and nowhere to print it: exit 2, said in the log */
	mkfile(U(f, "c.mmp"));
	run_cmd(r, (const char *const []){ "wine", detach, g_exe_win,
	    "--dir", f->wdir, "--log", wlog, NULL }, f->udir, NULL, RUN_MS);
	expect_exit(r, 2);
	expect_exists(U(f, "c.mmp"));
	if (strcmp(log_status(ulog), "2") != 0)
		fail_msg("the log says exit status %s", log_status(ulog));
}

/*
 * --log names a *.mmp in the scanned directory: mmpclean's own file, held
 * by it, is left alone without a "locked", and --wait does not wait for it.
 */
static void
t_own_log_in_scanned_directory(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	r = MM(f, "--delete", "--verbose", "--wait", "20", "--dir", f->wdir,
	    "--log", W(f, "RUN.mmp"));
	expect_exit(r, 0);
	expect_gone(U(f, "a.mmp"));
	expect_exists(U(f, "RUN.mmp"));
	expect_in(r, err, "RUN.mmp' is this run's --log file; left alone");
	expect_not_in(r, out, "locked    ");
	if (r->ms > 15000) {
		dump(r);
		fail_msg("took %llu ms: it waited for its own log",
		    (unsigned long long)r->ms);
	}
	if (strcmp(log_status(U(f, "RUN.mmp")), "0") != 0)
		fail_msg("the log says exit status %s",
		    log_status(U(f, "RUN.mmp")));
}

/* A pipe nobody reads (`mmpclean | head` after head exited). */
static void
t_broken_pipe_exit2(void **state)
{
	struct fx *f = *state;
	const char *argv[] = { "wine", g_exe, "--delete", "--dir", f->wdir,
	    NULL };
	int p[2], in = open("/dev/null", O_RDONLY | O_CLOEXEC), err = tmpfd();
	struct run *r = &f->r;
	pid_t pid;

	mkfile(U(f, "a.mmp"));
	if (in < 0 || err < 0 || pipe2(p, O_CLOEXEC) != 0)
		fail_msg("set-up: %s", strerror(errno));
	close(p[0]);
	if ((pid = spawn(argv, f->udir, in, p[1], err)) < 0)
		fail_msg("fork: %s", strerror(errno));
	bg_add(f, pid);
	close(p[1]);
	close(in);
	run_free(r);
	fmt(r->cmd, sizeof r->cmd, "%s --delete --dir %s | (closed)", g_exe,
	    f->wdir);
	r->status = reap(pid, RUN_MS);
	bg_forget(f, pid);
	r->out = strdup("");
	r->err = slurp(err);
	close(err);
	if (r->status == -1) {
		dump(r);
		fail_msg("mmpclean hung on a broken pipe");
	}
	expect_exit(r, 2);
	expect_diag(r);
	expect_in(r, err, "standard output");
	expect_gone(U(f, "a.mmp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_two_deleters_same_directory),
		T(t_second_look_counts_other_runs),
		T(t_lock_released_mid_run_not_deleted_while_held),
		T(t_files_created_during_run),
		T(t_concurrent_del_no_errors),
		T(t_batch_file_branches_on_errorlevel),
		T(t_csv_report_read_by_python),
		T(t_json_report_read_by_python),
		T(t_report_errors_and_names_by_python),
		T(t_older_than_deletes_only_old),
		T(t_log_appends_timestamped_lines),
		T(t_log_two_runs_at_once_whole_lines),
		T(t_log_directory_missing_exit2),
		T(t_closed_stdout_exit2),
		T(t_broken_pipe_exit2),
		T(t_closed_stdout_log_says_2),
		T(t_detached_no_handles),
		T(t_own_log_in_scanned_directory),
	};

	/* E2E_FILTER=t_link* or E2E_CASES="t_a t_b": the tests to run. */
	return run_group("mmpclean e2e unattended", tests,
	    sizeof tests / sizeof tests[0]);
}

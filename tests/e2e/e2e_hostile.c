/*
 * End-to-end tests of hostile changes and odd places: the scanned
 * directory swapped for a link while mmpclean deletes in it, the progress
 * line on a console, a drive's root.  The harness (harness.h) says how
 * tests run.
 *
 * A console: Wine takes a pseudo-terminal for one, so util-linux's
 * `script` gives mmpclean's standard error a console and keeps what Wine
 * drew on it.  Wine redraws the screen rather than passing the program's
 * bytes through (a line rewritten after "\r" comes out as "\r" ESC[K and
 * the new text), so only the text and the carriage returns are asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#define NSWAP	3000	/* files in the swapped directory */
#define ROUNDS	3	/* the swap is raced this many times */
#define TRIES	(3 * ROUNDS)	/* rounds to get ROUNDS swaps mid-run */
#define NPROG	5000	/* files for the progress line */

/* ---- the directory swapped for a link ---- */

/* Makes those of make_many(f, sub, "f", n)'s files that are missing. */
static void
top_up(struct fx *f, const char *sub, int n)
{
	char rel[PATH_MAX];

	for (int i = 0; i < n; i++) {
		fmt(rel, sizeof rel, "%s/f%04d.mmp", sub, i);
		if (!exists(U(f, rel)))
			mkfile(U(f, rel));
	}
}

/* v/fNNNN.mmp, for NNNN below n, made other names of d/fNNNN.mmp. */
static void
link_victims(struct fx *f, int n)
{
	char from[PATH_MAX], to[PATH_MAX];

	for (int i = 0; i < n; i++) {
		fmt(from, sizeof from, "%s/d/f%04d.mmp", f->udir, i);
		fmt(to, sizeof to, "%s/v/f%04d.mmp", f->udir, i);
		if ((unlink(to) != 0 && errno != ENOENT) || link(from, to) != 0)
			fail_msg("link %s: %s", to, strerror(errno));
	}
}

/*
 * Issue "Hardening": once mmpclean has opened a directory D, replacing D
 * by a link to a victim directory V must not lead its deletes into V.  The
 * swap comes once some of D's files are gone (so D was opened through its
 * real path), at whatever point of the run that is; V must be whole
 * whichever files were left.
 *
 * Under Wine 8 an open relative to the directory handle finds the file in
 * the directory opened (now D.old), but the name Wine records for the
 * handle is resolved through the path, so through the link into V; a
 * delete on close unlinks that name if it is still the same file.  So V's
 * own files survive even without mmpclean's check that the handle is that
 * entry of the directory opened, but a name in V that is a hard link to
 * D's file is deleted without it (measured: most of them).  V holds both
 * kinds, half each.
 *
 * Wine deletes by path at close, so one file can still lose its name in V
 * with the check: the one mmpclean had opened and checked just before the
 * swap and closes just after (seen in 2 runs of 3).  Each worker of
 * --threads has one file in hand, so that is IN_FLIGHT names at most (the
 * default, 4 workers; 2 seen); on Windows the delete acts on the name the
 * file was opened by.
 */
#define IN_FLIGHT 4
static void
t_dir_swapped_for_link_mid_run(void **state)
{
	struct fx *f = *state;
	char d[PATH_MAX], old[PATH_MAX], v[PATH_MAX], rel[PATH_MAX];
	int mid = 0, spared = 0, in_flight = 0, round;

	fmt(d, sizeof d, "%s", U(f, "d"));
	fmt(old, sizeof old, "%s", U(f, "d.old"));
	fmt(v, sizeof v, "%s", U(f, "v"));
	mkdir_p(d);
	mkdir_p(v);
	make_many(f, "v", "f", NSWAP);

	for (round = 0; mid < ROUNDS && round < TRIES; round++) {
		struct run r = { .out = NULL };
		struct job j;
		uint64_t end;
		int gone[2] = { 0, 0 };	/* linked, own */

		top_up(f, "d", NSWAP);
		link_victims(f, NSWAP / 2);
		MM_START(f, &j, &r, "--delete", "--dir", W(f, "d"));
		for (end = now_ms() + RUN_MS; count_dir(d) == NSWAP &&
		    !has_ended(j.pid); nap())
			if (now_ms() > end)
				fail_msg("no file of %s deleted within %d s", d,
				    RUN_MS / 1000);
		if (rename(d, old) != 0 || symlink(v, d) != 0)
			fail_msg("swapping %s for a link: %s", d,
			    strerror(errno));
		mid += !has_ended(j.pid);
		mm_wait(f, &j);

		if (r.status < 0 || r.status > 3) {
			dump(&r);
			fail_msg("round %d: exit status %d, expected 0 to 3",
			    round + 1, r.status);
		}
		for (int i = 0; i < NSWAP; i++) {
			fmt(rel, sizeof rel, "v/f%04d.mmp", i);
			gone[i >= NSWAP / 2] += !exists(U(f, rel));
		}
		if (gone[1] != 0 || gone[0] > IN_FLIGHT) {
			print_message("%s\n", summary(r.out));
			fail_msg("round %d: the victim directory %s lost %d of "
			    "its own %d files and %d of the %d names linked to "
			    "D's files (%d may be the files in flight)",
			    round + 1, v, gone[1], NSWAP - NSWAP / 2, gone[0],
			    NSWAP / 2, IN_FLIGHT);
		}
		in_flight += gone[0];
		spared += count_dir(old);
		run_free(&r);
		if (unlink(d) != 0 || rename(old, d) != 0)
			fail_msg("putting %s back: %s", d, strerror(errno));
	}
	print_message("    (%d of %d rounds swapped while mmpclean ran; %d "
	    "files were left in D, each leading into the victim; %d victim "
	    "names lost by the file in flight)\n", mid, round, spared,
	    in_flight);
	if (mid < ROUNDS)
		fail_msg("the swap came while mmpclean ran in only %d of %d "
		    "rounds (%d needed): the race did not happen", mid, round,
		    ROUNDS);
}

/* ---- the progress line on a console ---- */

/* s in single quotes for sh. */
static const char *
sh_quote(const char *s)
{
	char *p = ring(), *q = p;

	*q++ = '\'';
	for (; *s != '\0'; s++) {
		if (q > p + PATH_MAX - 6)
			fail_msg("too long to quote");
		if (*s == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else
			*q++ = *s;
	}
	*q++ = '\'';
	*q = '\0';
	return p;
}

/*
 * `mmpclean args` on a pseudo-terminal, stdout to the file out, plus the
 * shell redirection redir; what reached the terminal, raw, in *tty.
 */
static struct run *
on_console(struct fx *f, const char *args, const char *out, const char *redir,
    char **tty)
{
	char cmd[PATH_MAX * 2], ttyfile[PATH_MAX];
	const char *argv[] = { "script", "-qec", cmd, "/dev/null", NULL };

	fmt(cmd, sizeof cmd, "exec wine %s %s >%s %s", sh_quote(g_exe), args,
	    sh_quote(out), redir);
	fmt(ttyfile, sizeof ttyfile, "%s/tty", f->uout);
	write_text(ttyfile, "");
	write_text(out, "");
	if (run_cmd(&f->r, argv, f->udir, ttyfile, RUN_MS) != 0) {
		dump(&f->r);
		fail_msg("%s: did not finish within %d s", cmd, RUN_MS / 1000);
	}
	*tty = read_raw(ttyfile, NULL);
	return &f->r;
}

/*
 * A progress line: "N files seen, N WORD, N locked" (WORD "deleted", or
 * "unlocked" when not deleting).  Returns where it starts, or NULL.
 */
static const char *
find_progress(const char *s, const char *word)
{
	size_t wlen = strlen(word);

	for (const char *p = strstr(s, " files seen, "); p != NULL;
	    p = strstr(p + 1, " files seen, ")) {
		const char *b = p, *e = p + strlen(" files seen, ");

		while (b > s && b[-1] >= '0' && b[-1] <= '9')
			b--;
		if (b == p || e[0] < '0' || e[0] > '9')
			continue;
		while (*e >= '0' && *e <= '9')
			e++;
		if (*e++ != ' ' || strncmp(e, word, wlen) != 0 ||
		    strncmp(e + wlen, ", ", 2) != 0)
			continue;
		for (e += wlen + 2; *e >= '0' && *e <= '9'; e++)
			continue;
		if (e[-1] >= '0' && e[-1] <= '9' &&
		    strncmp(e, " locked", 7) == 0)
			return b;
	}
	return NULL;
}

static void
expect_no_progress(const char *what, const char *text)
{
	if (strstr(text, "files seen") != NULL) {
		print_message("%.4000s\n", text);
		fail_msg("%s shows a progress line", what);
	}
}

/*
 * On a console, with stdout redirected: a progress line on the terminal,
 * rewritten in place, and never in the report; none with --quiet, CSV,
 * or stderr redirected too.  The runs without one do the same work as the
 * first, which shows one.
 */
static void
t_progress_line_on_console(void **state)
{
	static const struct {
		const char *opt;
		int err_to_file;	/* stderr redirected too */
		int progress;
		const char *word;	/* every file's status in text */
	} runs[] = {
		{ "", 0, 1, "unlocked" },
		{ "--quiet", 0, 0, NULL },
		{ "--format csv", 0, 0, NULL },
		{ "", 1, 0, "unlocked" },
		{ "--delete", 0, 1, "deleted" },
	};
	struct fx *f = *state;
	char args[PATH_MAX], out[PATH_MAX], err[PATH_MAX], redir[PATH_MAX];
	const char *p;
	char *tty, *text;
	struct run *r;

	fmt(out, sizeof out, "%s/out.txt", f->uout);
	fmt(err, sizeof err, "%s/err.txt", f->uout);
	mkdir_p(U(f, "d"));
	make_many(f, "d", "f", NPROG);

	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		fmt(args, sizeof args, "%s --dir %s", runs[i].opt,
		    sh_quote(W(f, "d")));
		fmt(redir, sizeof redir, "%s%s", runs[i].err_to_file ?
		    "2>" : "", runs[i].err_to_file ? sh_quote(err) : "");
		write_text(err, "");
		r = on_console(f, args, out, redir, &tty);
		expect_exit(r, 0);
		if (!runs[i].progress)
			expect_no_progress(args, tty);
		else if ((p = find_progress(tty, runs[i].word)) == NULL ||
		    strchr(p, '\r') == NULL) {
			print_message("%.4000s\n", tty);
			fail_msg("%s: the terminal shows no progress line "
			    "rewritten after a carriage return", args);
		}
		free(tty);
		text = read_raw(out, NULL);
		expect_no_progress(args, text);
		if (runs[i].word != NULL &&
		    count_status(text, runs[i].word) != NPROG) {
			print_message("%.2000s\n", text);
			fail_msg("%s: stdout has %d \"%s\" lines, expected %d",
			    args, count_status(text, runs[i].word),
			    runs[i].word, NPROG);
		}
		free(text);
		text = read_raw(err, NULL);
		expect_no_progress(args, text);
		free(text);
	}
	assert_int_equal(count_dir(U(f, "d")), 0);
}

/* ---- a drive's root ---- */

static struct str_list {
	char **v;
	size_t n, cap;
} g_listing;

static const char *g_skip;

static int
list_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char line[PATH_MAX + 64];

	(void)ftw;
	if (g_skip != NULL && strcmp(path, g_skip) == 0)
		return 0;
	if (type == FTW_D || type == FTW_DP)
		fmt(line, sizeof line, "d %o %s", (unsigned)sb->st_mode, path);
	else
		fmt(line, sizeof line, "%c %o %lld %s",
		    type == FTW_SL ? 'l' : 'f', (unsigned)sb->st_mode,
		    (long long)sb->st_size, path);
	if (g_listing.n == g_listing.cap && (g_listing.v = realloc(g_listing.v,
	    (g_listing.cap = g_listing.cap * 2 + 1024) * sizeof(char *))) ==
	    NULL)
		abort();
	if ((g_listing.v[g_listing.n++] = strdup(line)) == NULL)
		abort();
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Everything under dir but skip (type, mode, size, path), one string. */
static char *
listing(const char *dir, const char *skip)
{
	size_t len = 1;
	char *s;

	g_listing.n = 0;
	g_skip = skip;
	if (nftw(dir, list_one, 16, FTW_PHYS) != 0)
		fail_msg("listing %s: %s", dir, strerror(errno));
	qsort(g_listing.v, g_listing.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < g_listing.n; i++)
		len += strlen(g_listing.v[i]) + 1;
	if ((s = malloc(len)) == NULL)
		abort();
	s[0] = '\0';
	for (size_t i = 0, at = 0; i < g_listing.n; i++) {
		at += (size_t)sprintf(s + at, "%s\n", g_listing.v[i]);
		free(g_listing.v[i]);
	}
	return s;
}

/* The first line where a and b differ, for the message. */
static void
show_difference(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] != '\0' && a[i] == b[i])
		i++;
	while (i > 0 && a[i - 1] != '\n')
		i--;
	print_message("before: %.*s\nafter:  %.*s\n",
	    (int)strcspn(a + i, "\n"), a + i, (int)strcspn(b + i, "\n"), b + i);
}

/*
 * --dir C:\ handles the .mmp file at the root and nothing else: not the
 * one in a subdirectory (no recursion), nothing else under C:\.
 */
static void
t_drive_root_no_recursion(void **state)
{
	struct fx *f = *state;
	char uroot[PATH_MAX], wroot[PATH_MAX];
	char *before, *after;
	struct run *r;

	if (f->nclean == MAXCLEAN)
		fail_msg("too many clean-up paths");
	fmt(uroot, sizeof uroot, "%s/e2e-%s.mmp", g_drive_c, f->name);
	fmt(wroot, sizeof wroot, "C:\\e2e-%s.mmp", f->name);
	fmt(f->clean[f->nclean++], PATH_MAX, "%s", uroot);
	mkfile(uroot);
	mkfile(U(f, "sub.mmp"));
	before = listing(g_drive_c, uroot);

	r = MM(f, "--delete", "--dir", "C:\\");
	expect_exit(r, 0);
	expect_line(r, "deleted", wroot);
	expect_no_line(r, W(f, "sub.mmp"));
	expect_summary(r, 1, ".mmp file in 1 directory");
	expect_gone(uroot);
	expect_exists(U(f, "sub.mmp"));

	after = listing(g_drive_c, uroot);
	if (strcmp(before, after) != 0) {
		show_difference(before, after);
		fail_msg("something under C:\\ changed besides %s", wroot);
	}
	free(before);
	free(after);
}

/* ---- links the name check must see through ---- */

/*
 * A Unix symlink d/x.mmp to x.mmp in the directory beside d: under Wine
 * the handle is named by the target, whose last component is the entry's
 * own name, in a directory with d's parent.  That is how a --dir ending
 * in an 8.3 alias looks on FAT (rules.c, NAME_SIBLING), so the guard asks
 * the directory's identity, which is not d's: skipped, target intact.
 */
static void
t_link_into_sibling_same_name(void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX];
	struct stat sb;
	struct run *r;

	fmt(target, sizeof target, "%s/x.mmp", f->uout);
	mkfile(target);
	mkfile(U(f, "a.mmp"));
	if (symlink(target, U(f, "x.mmp")) != 0 ||
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
	expect_exists(target);
	expect_exists(U(f, "x.mmp"));
	expect_gone(U(f, "a.mmp"));
}

/* ---- named objects squatted by another process ---- */

struct squat {
	pid_t pid;
	int fd, errfd;
	char ready[PATH_MAX];
};

/*
 * build/squat.exe makes and holds mmpclean's named object of `kind` (log,
 * dir) for the Windows path wpath, owned by `owner` (other, self, none),
 * before mmpclean runs.
 */
static void
squat_start(struct fx *f, struct squat *q, const char *kind,
    const char *owner, const char *wpath)
{
	char exe[PATH_MAX], wready[PATH_MAX], *slash;
	int p[2], devnull = -1;
	uint64_t end;

	fmt(exe, sizeof exe, "%s", g_holdlock);
	if ((slash = strrchr(exe, '/')) == NULL)
		fail_msg("no directory in %s", g_holdlock);
	fmt(slash + 1, sizeof exe - (size_t)(slash + 1 - exe), "squat.exe");
	if (!exists(exe))
		fail_msg("%s: missing (run make e2e)", exe);
	fmt(q->ready, sizeof q->ready, "%s/squat.ready", f->uout);
	fmt(wready, sizeof wready, "%s\\squat.ready", f->wout);
	unlink(q->ready);
	if (pipe2(p, O_CLOEXEC) != 0 || (q->errfd = tmpfd()) < 0 ||
	    (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		fail_msg("squat set-up: %s", strerror(errno));
	q->pid = spawn(ARGS("wine", exe, wready, kind, owner, wpath), NULL,
	    p[0], devnull, q->errfd);
	close(p[0]);
	close(devnull);
	q->fd = p[1];
	if (q->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	bg_add(f, q->pid);
	for (end = now_ms() + READY_MS; !exists(q->ready); nap()) {
		if (has_ended(q->pid)) {
			char *err = slurp(q->errfd);

			print_message("squat stderr: %s\n", err);
			free(err);
			fail_msg("squat exited before holding its object");
		}
		if (now_ms() > end)
			fail_msg("squat not ready after %d s", READY_MS / 1000);
	}
}

static void
squat_end(struct fx *f, struct squat *q)
{
	int st;

	close(q->fd);
	st = reap(q->pid, RUN_MS);
	bg_forget(f, q->pid);
	if (st != 0) {
		char *err = slurp(q->errfd);

		print_message("squat stderr: %s\n", err);
		free(err);
		fail_msg("squat exit status %d", st);
	}
	close(q->errfd);
}

static int
occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

#define expect_fast(r, limit) do {					\
	if ((r)->ms > (limit)) {					\
		dump(r);						\
		fail_msg("took %llu ms, expected at most %d",		\
		    (unsigned long long)(r)->ms, (limit));		\
	}								\
} while (0)

/*
 * Another account made the log's mutex first and holds it (Wine lets the
 * helper give it any owner).  Before: every log line waited 10 s (3 files
 * took 50 s).  Now the object is not used, the run says so once, and the
 * log still gets every line.
 */
static void
t_squatted_log_mutex_other_account(void **state)
{
	struct fx *f = *state;
	char ulog[PATH_MAX], wlog[PATH_MAX];
	struct squat q;
	struct run *r;
	char *log;

	fmt(ulog, sizeof ulog, "%s/log.txt", f->uout);
	fmt(wlog, sizeof wlog, "%s\\log.txt", f->wout);
	mkfile(ulog);
	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "c.mmp"));
	squat_start(f, &q, "log", "other", wlog);

	r = MM(f, "--log", wlog, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "unlocked", W(f, "b.mmp"));
	expect_fast(r, 5000);
	if (occurrences(r->err, "belongs to another account; the log is "
	    "written without it") != 1) {
		dump(r);
		fail_msg("the squatted mutex should be said once");
	}

	r = MM(f, "--delete", "--log", wlog, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_fast(r, 5000);
	expect_line(r, "deleted", W(f, "c.mmp"));
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "c.mmp"));
	expect_in(r, err, "belongs to another account");
	squat_end(f, &q);

	log = read_raw(ulog, NULL);
	if (occurrences(log, " unlocked  ") != 3 ||
	    occurrences(log, " deleted   ") != 3) {
		print_message("log:\n%s\n", log);
		fail_msg("the log should have every file's line, twice");
	}
	free(log);
}

/*
 * The same account holds the log's mutex (an mmpclean run would let go
 * after one write): the run waits once, 2 s, then goes on without it.
 */
static void
t_held_log_mutex_same_account(void **state)
{
	struct fx *f = *state;
	char ulog[PATH_MAX], wlog[PATH_MAX];
	struct squat q;
	struct run *r;

	fmt(ulog, sizeof ulog, "%s/log.txt", f->uout);
	fmt(wlog, sizeof wlog, "%s\\log.txt", f->wout);
	mkfile(ulog);
	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "c.mmp"));
	squat_start(f, &q, "log", "self", wlog);

	r = MM(f, "--delete", "--log", wlog, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_gone(U(f, "b.mmp"));
	if (r->ms < 2000) {
		dump(r);
		fail_msg("took %llu ms: the held mutex was not waited for",
		    (unsigned long long)r->ms);
	}
	expect_fast(r, 7000);
	if (occurrences(r->err, "held the log file's mutex for 2000 ms; the "
	    "log is written without it") != 1) {
		dump(r);
		fail_msg("the held mutex should be said once");
	}
	squat_end(f, &q);
}

/*
 * Another account made the directory's run count with 1000 in it: the
 * run does not believe 999 other runs are at work, says so once, and
 * reports the locked file after the usual short pause at most.
 */
static void
t_squatted_run_count_other_account(void **state)
{
	struct fx *f = *state;
	struct squat q;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "locked.mmp"));
	HOLD(f, NULL, NULL, "locked.mmp");
	squat_start(f, &q, "dir", "other", f->wdir);

	r = MM(f, "--verbose", "--delete", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_line(r, "locked", W(f, "locked.mmp"));
	expect_not_in(r, err, "other mmpclean runs at work here");
	if (occurrences(r->err, "belongs to another account; other runs in "
	    "this directory are not counted") != 1) {
		dump(r);
		fail_msg("the squatted run count should be said once");
	}
	squat_end(f, &q);
	release(f, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_dir_swapped_for_link_mid_run),
		T(t_progress_line_on_console),
		T(t_drive_root_no_recursion),
		T(t_link_into_sibling_same_name),
		T(t_squatted_log_mutex_other_account),
		T(t_held_log_mutex_same_account),
		T(t_squatted_run_count_other_account),
	};

	/* E2E_FILTER=t_link*: run only the tests whose names match. */
	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests_name("mmpclean e2e (hostile changes, "
	    "consoles, odd places)", tests, group_setup, group_teardown);
}

/*
 * The end-to-end harness: the real build/mmpclean.exe under Wine, driven
 * from Linux.  Shared by every e2e program (e2e*.c).
 *
 * Every test gets its own directory C:\e2e\<test> (that is
 * $WINEPREFIX/drive_c/e2e/<test>) and a sibling C:\e2e\<test>.out for things
 * that must stay outside the scanned directory (lock holders' ready files,
 * link targets, reports).  Locks are held by build/holdlock.exe, a Windows
 * process, because Wine enforces share modes only between Windows processes.
 * What a test claims is checked on disk from the Linux side after mmpclean
 * ran.
 *
 * The private prefix is created with `wineboot -i` if needed and served by
 * one persistent wineserver for the whole run (group_setup/group_teardown).
 */
#ifndef E2E_HARNESS_H
#define E2E_HARNESS_H

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <setjmp.h>
#include <cmocka.h>

#define REGKEY		"HKLM\\Software\\Microsoft\\Windows Messaging Subsystem"
#define RUN_MS		(60 * 1000)	/* any one wine process */
#define BOOT_MS		(300 * 1000)	/* wineboot -i in a new prefix */
#define READY_MS	(30 * 1000)	/* a lock holder to say it holds */
#define MAXHOLD		4
#define MAXCLEAN	8
#define MAXBG		8
#define MAXREG		4

#define ARGS(...)	((const char *const []){ __VA_ARGS__, NULL })

struct run {
	char cmd[1024];		/* for messages */
	int status;		/* exit status, 128 + signal, -1 timed out */
	char *out;		/* stdout with '\r' removed */
	char *err;		/* stderr likewise */
	char *raw;		/* stdout as written, '\r' kept ("" if not kept) */
	size_t rawlen;
	uint64_t ms;		/* how long it ran */
	int restarts;		/* Wine failed to start it, and it was restarted */
};

/*
 * A process started by job_start and not yet waited for.  The command is
 * kept so that a start Wine failed can be made again (job_retry).
 */
struct job {
	pid_t pid;
	int in, out, err;
	int outpath;		/* stdout went to a named file (or nowhere) */
	uint64_t t0;		/* when it started (now_ms) */
	struct run *r;
	int retry;		/* restart once if Wine failed to start it */
	int reaped, status;	/* ended and reaped early (job_retry) */
	off_t outsize;		/* outpath's size when it started */
	char **argv, **env;	/* copies, for a restart */
	char *cwd, *path;
};

struct holder {
	pid_t pid;		/* 0: not running */
	int fd;			/* write end of its stdin */
	int errfd;
	char ready[PATH_MAX];	/* Unix path of its ready file */
};

struct fx {
	const char *name;
	char udir[PATH_MAX], wdir[PATH_MAX];	/* the test's directory */
	char uout[PATH_MAX], wout[PATH_MAX];	/* its sibling, never scanned */
	struct holder hold[MAXHOLD];
	char clean[MAXCLEAN][PATH_MAX];		/* more to remove afterwards */
	int nclean;
	pid_t bg[MAXBG];	/* process groups to kill if the test fails */
	int reg_used;		/* ProfileDirectory, both views */
	struct {		/* more to remove (reg_cleanup) */
		const char *key, *name;
		int view;
	} reg[MAXREG];
	int nreg;
	struct run r;
};

extern char g_exe[PATH_MAX], g_holdlock[PATH_MAX];
extern char g_prefix[PATH_MAX], g_drive_c[PATH_MAX], g_windir[PATH_MAX];
extern char g_probe[PATH_MAX];		/* build/winprobe.exe */
extern char g_exe_win[PATH_MAX];	/* the exe as Windows names it */

/* ---- small utilities ---- */
void fmt(char *buf, size_t n, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
char *ring(void);
const char *U(const struct fx *f, const char *rel);
const char *W(const struct fx *f, const char *rel);
void rm_rf(const char *path);
void mkdir_p(const char *path);
void mkfile(const char *path);
void make_many(struct fx *f, const char *sub, const char *prefix, int n);
void write_text(const char *path, const char *text);
char *read_raw(const char *path, size_t *lenp);
int count_dir(const char *path);
int exists(const char *path);
uint64_t now_ms(void);
void sleep_ms(unsigned ms);
void nap(void);

/* ---- processes ---- */
int tmpfd(void);
char *slurp(int fd);
/* out < 0: the child starts with standard output closed. */
pid_t spawn(const char *const argv[], const char *cwd, int in, int out,
    int err);
int reap(pid_t pid, int ms);
int has_ended(pid_t pid);
void run_free(struct run *r);
/*
 * Starts argv with stdin from /dev/null; stdout to outpath (which must
 * exist), to a temporary file when outpath is NULL, or closed when it is
 * "-".  -1 if it could not start.
 */
int job_start(struct job *j, struct run *r, const char *const argv[],
    const char *cwd, const char *outpath);
/* Waits at most ms; fills j->r.  0, or -1 if it timed out (and was killed). */
int job_wait(struct job *j, int ms);
int run_cmd(struct run *r, const char *const argv[], const char *cwd,
    const char *outpath, int ms);
/*
 * Wine sometimes fails to start a program: exit status 1 within a few
 * milliseconds, no output at all (seen twice in ~130 runs).  mmpclean
 * cannot end that way: its exit status 1 means locked (or scheduled)
 * files, and those are always reported on standard output, even with
 * --quiet, in every format.  For an mmpclean job that has ended: whether
 * it ended so, in which case it is started again, once, with a note on
 * stderr (1), or not (0).
 */
int job_retry(struct job *j);
/* A tool (wine reg, winprobe...): fails the test if it does not finish. */
int tool(struct run *r, const char *const argv[]);
void run_ok(const char *const argv[]);	/* and unless it exits 0 */
void dump(const struct run *r);
struct run *mmv(struct fx *f, const char *outpath, const char *const *args);
/* The same with env ("NAME=VALUE", NULL-ended) added to its environment. */
struct run *mmenv(struct fx *f, const char *const *env, const char *outpath,
    const char *const *args);
/* mmpclean started in the background; mm_wait fails the test on timeout. */
void mm_start(struct fx *f, struct job *j, struct run *r, const char *outpath,
    const char *const *args);
void mm_wait(struct fx *f, struct job *j);
/* Waits until its standard error holds text; fails if it ends first. */
void mm_await(struct fx *f, struct job *j, const char *text);
/* Until its standard error holds text n times. */
void mm_await_n(struct fx *f, struct job *j, const char *text, int n);
void mm_start_env(struct fx *f, struct job *j, struct run *r,
    const char *const *env, const char *outpath, const char *const *args);
void bg_add(struct fx *f, pid_t pid);
void bg_forget(struct fx *f, pid_t pid);

#define MM(f, ...)	mmv((f), NULL, ARGS(__VA_ARGS__))
#define MM0(f)		mmv((f), NULL, (const char *const []){ NULL })
#define MMTO(f, path, ...) mmv((f), (path), ARGS(__VA_ARGS__))
#define MMENV(f, env, ...) mmenv((f), ARGS(env), NULL, ARGS(__VA_ARGS__))
#define MM_START(f, j, r, ...) \
	mm_start((f), (j), (r), NULL, ARGS(__VA_ARGS__))

/* ---- reading mmpclean's output ---- */
int count_str(const char *hay, const char *needle);
int count_lines(const char *out, const char *status, const char *path,
    int icase);
int count_status(const char *out, const char *status);
const char *summary(const char *out);
int has_count(const char *line, long n, const char *word);
int has_where(const char *out, const char *path, const char *source);
int count_all_lines(const char *out);
int has_line(const char *out, const char *want);
int diag_ok(const char *err);

/* ---- assertions that show the run when they fail ---- */

#define expect_exit(r, code) do {					\
	if ((r)->status != (code)) {					\
		dump(r);						\
		fail_msg("exit status %d, expected %d", (r)->status, (code)); \
	}								\
} while (0)

#define expect_line(r, st, path) do {					\
	int n_ = count_lines((r)->out, (st), (path), 0);		\
	if (n_ != 1) {							\
		dump(r);						\
		fail_msg("%d lines \"%s %s\" on stdout, expected 1",	\
		    n_, (st), (path));					\
	}								\
} while (0)

#define expect_line_icase(r, st, path) do {				\
	int n_ = count_lines((r)->out, (st), (path), 1);		\
	if (n_ != 1) {							\
		dump(r);						\
		fail_msg("%d lines \"%s %s\" (any case) on stdout, expected 1", \
		    n_, (st), (path));					\
	}								\
} while (0)

#define expect_no_line(r, path) do {					\
	if (count_lines((r)->out, NULL, (path), 1) != 0) {		\
		dump(r);						\
		fail_msg("stdout names %s, expected not", (path));	\
	}								\
} while (0)

#define expect_summary(r, n, word) do {					\
	if (!has_count(summary((r)->out), (n), (word))) {		\
		dump(r);						\
		fail_msg("summary lacks \"%ld %s\"", (long)(n), (word)); \
	}								\
} while (0)

#define expect_in(r, stream, needle) do {				\
	if (strstr((r)->stream, (needle)) == NULL) {			\
		dump(r);						\
		fail_msg(#stream " lacks \"%s\"", (needle));		\
	}								\
} while (0)

#define expect_not_in(r, stream, needle) do {				\
	if (strstr((r)->stream, (needle)) != NULL) {			\
		dump(r);						\
		fail_msg(#stream " should not contain \"%s\"", (needle)); \
	}								\
} while (0)

/* stdout has the whole line text. */
#define expect_out_line(r, text) do {					\
	if (!has_line((r)->out, (text))) {				\
		dump(r);						\
		fail_msg("stdout lacks the line \"%s\"", (text));	\
	}								\
} while (0)

#define expect_empty(r, stream) do {					\
	if ((r)->stream[0] != '\0') {					\
		dump(r);						\
		fail_msg(#stream " should be empty");			\
	}								\
} while (0)

/*
 * A diagnostic: stderr starts "mmpclean: " (a usage synopsis may follow
 * a command-line error).
 */
#define expect_diag(r) do {						\
	if (!diag_ok((r)->err)) {					\
		dump(r);						\
		fail_msg("stderr should start \"mmpclean: \""); \
	}								\
} while (0)

#define expect_where(r, path, source) do {				\
	if (!has_where((r)->out, (path), (source))) {			\
		dump(r);						\
		fail_msg("no --where line \"%s  (%s)\"", (path), (source)); \
	}								\
} while (0)

#define expect_exists(path) do {					\
	if (!exists(path))						\
		fail_msg("%s should still exist", (path));		\
} while (0)

#define expect_gone(path) do {						\
	if (exists(path))						\
		fail_msg("%s should have been deleted", (path));	\
} while (0)

/* ---- registry ---- */
/* view 64 or 32; name NULL: the whole key */
int reg_show(struct run *r, const char *key, const char *name, int view);
char *reg_data(const char *key, const char *name, const char *type,
    int view);
void reg_remove(const char *key, const char *name, int view);
/* The teardown removes it (key and name must outlive the test). */
void reg_cleanup(struct fx *f, const char *key, const char *name, int view);
/* ProfileDirectory */
void reg_del(int view);
int reg_query(int view, struct run *r);
void reg_set(struct fx *f, int view, const char *type, const char *data);

/* ---- lock holders ---- */
int hold(struct fx *f, const char *share, const char *access,
    const char *const *rels);
#define HOLD(f, share, access, ...) \
	hold((f), (share), (access), ARGS(__VA_ARGS__))
int release(struct fx *f, int slot);

/* ---- Python, to read the reports as their consumers will ---- */
/*
 * Every report as its consumers read it: JSON is ASCII (so Windows
 * PowerShell 5.1, decoding with the console's code page 437, reads what
 * UTF-8 reads) and valid against docs/report.schema.json; CSV starts with
 * the header the schema names, then rows of as many fields, never the
 * header again.  Defines fail(message, text), load_json(path) and
 * load_csv(path, where=False) for the checks after it, which may define a
 * fail() of their own: the loaders do not call it.  The schema is
 * sys.argv[-1].
 */
#define PY_COMMON \
"import csv, datetime, io, json, re, sys\n" \
"import jsonschema\n" \
"SCHEMA = json.load(open(sys.argv[-1]))\n" \
"jsonschema.Draft202012Validator.check_schema(SCHEMA)\n" \
"def fail(m, text=''):\n" \
"    print(text); sys.exit(m)\n" \
"def load_json(path):\n" \
"    raw = open(path, 'rb').read()\n" \
"    bad = [b for b in raw if b >= 0x80]\n" \
"    if bad: print(raw); sys.exit('JSON with %d non-ASCII bytes' % len(bad))\n" \
"    doc = json.loads(raw.decode('utf-8'))\n" \
"    if json.loads(raw.decode('cp437')) != doc: sys.exit('cp437 reads another document')\n" \
"    jsonschema.Draft202012Validator(SCHEMA).validate(doc)\n" \
"    return raw, doc\n" \
"def load_csv(path, where=False):\n" \
"    text = open(path, 'rb').read().decode('utf-8')\n" \
"    rows = list(csv.reader(io.StringIO(text, newline=''), strict=True))\n" \
"    head = SCHEMA['x-csv-header']['where' if where else 'report'].split(',')\n" \
"    if not rows or rows[0] != head: print(text); sys.exit('header %r, expected %r' % (rows[:1], head))\n" \
"    for row in rows[1:]:\n" \
"        if len(row) != len(head): print(text); sys.exit('row of %d fields: %r' % (len(row), row))\n" \
"        if row == head: print(text); sys.exit('a second header')\n" \
"        if not where and row[0] not in SCHEMA['$defs']['status']['enum']:\n" \
"            print(text); sys.exit('status %r is not in the schema' % row[0])\n" \
"    return text, rows\n"

/* /usr/bin/python3 -c script args... schema; fails the test unless exit 0 */
void python(struct fx *f, const char *script, const char *const *args);
#define PYTHON(f, script, ...) \
	python((f), (script), (const char *const []){ __VA_ARGS__, NULL })

/* ---- fixtures ---- */
const char *win_file(struct fx *f);
const char *win_dir(struct fx *f, const char *name);
int setup(void **state);
int teardown(void **state);
int wine_tool(const char *const argv[], int ms);
int group_setup(void **state);
int group_teardown(void **state);
int run_group(const char *name, const struct CMUnitTest *tests,
    size_t n);

#define T(f) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, \
	(void *)#f)

#endif

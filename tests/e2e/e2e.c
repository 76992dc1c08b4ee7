/*
 * End-to-end tests: the real build/mmpclean.exe under Wine, driven from Linux.
 *
 * Every test gets its own directory C:\e2e\<test> (that is
 * $WINEPREFIX/drive_c/e2e/<test>) and a sibling C:\e2e\<test>.out for things
 * that must stay outside the scanned directory (lock holders' ready files,
 * link targets).  Locks are held by build/holdlock.exe, a Windows process,
 * because Wine enforces share modes only between Windows processes.  What a
 * test claims is checked on disk from the Linux side after mmpclean ran.
 *
 * The private prefix is created with `wineboot -i` if needed and served by
 * one persistent wineserver for the whole run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#define REGKEY		"HKLM\\Software\\Microsoft\\Windows Messaging Subsystem"
#define RUN_MS		(60 * 1000)	/* any one wine process */
#define BOOT_MS		(300 * 1000)	/* wineboot -i in a new prefix */
#define READY_MS	(30 * 1000)	/* a lock holder to say it holds */
#define MAXHOLD		4
#define MAXCLEAN	8

struct run {
	char cmd[1024];		/* for messages */
	int status;		/* exit status, 128 + signal, -1 timed out */
	char *out;		/* stdout with '\r' removed */
	char *err;		/* stderr likewise */
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
	int reg_used;
	struct run r;
};

static char g_exe[PATH_MAX], g_holdlock[PATH_MAX];
static char g_prefix[PATH_MAX], g_drive_c[PATH_MAX], g_windir[PATH_MAX];

/* ---- small utilities ---- */

static void fmt(char *buf, size_t n, const char *f, ...)
    __attribute__((format(printf, 3, 4)));

static void
fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int len;

	va_start(ap, f);
	len = vsnprintf(buf, n, f, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= n) {
		fprintf(stderr, "e2e: path too long: %s\n", buf);
		abort();
	}
}

static char *
ring(void)
{
	static char bufs[16][PATH_MAX];
	static unsigned i;

	return bufs[i++ % 16];
}

/* Unix path of rel ('/'-separated) inside the test directory. */
static const char *
U(const struct fx *f, const char *rel)
{
	char *p = ring();

	fmt(p, PATH_MAX, "%s/%s", f->udir, rel);
	return p;
}

/* Windows path of rel inside the test directory. */
static const char *
W(const struct fx *f, const char *rel)
{
	char *p = ring(), *q;

	fmt(p, PATH_MAX, "%s\\%s", f->wdir, rel);
	for (q = p + strlen(f->wdir); *q != '\0'; q++)
		if (*q == '/')
			*q = '\\';
	return p;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	remove(path);
	return 0;
}

static void
rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	fmt(buf, sizeof buf, "%s", path);
	for (p = buf + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0777);
			*p = '/';
		}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static void
mkfile(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs("mmp test data\n", fp);
	if (fclose(fp) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

static int
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
nap(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* ---- processes ---- */

static int
tmpfd(void)
{
	char path[] = "/tmp/mmpclean-e2e-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Everything in fd from the start, '\r' removed, NUL-terminated. */
static char *
slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *s, *d;
	ssize_t n;

	if (buf == NULL)
		abort();
	lseek(fd, 0, SEEK_SET);
	for (;;) {
		if (cap - len < 2048 && (buf = realloc(buf, cap *= 2)) == NULL)
			abort();
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	for (s = d = buf; s < buf + len; s++)
		if (*s != '\r')
			*d++ = *s;
	*d = '\0';
	return buf;
}

/* Starts argv in its own process group; stdio given as descriptors. */
static pid_t
spawn(const char *const argv[], const char *cwd, int in, int out, int err)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, 0);
	if ((cwd != NULL && chdir(cwd) != 0) || dup2(in, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/* Waits at most ms for pid; kills its process group after that. */
static int
reap(pid_t pid, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	int st;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() > end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		nap();
	}
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Runs argv to completion; 0, or -1 if it could not start or timed out. */
static int
run_cmd(struct run *r, const char *const argv[], const char *cwd,
    const char *outpath, int ms)
{
	int in, out, err;
	size_t len = 0;
	pid_t pid;

	run_free(r);
	r->cmd[0] = '\0';
	for (const char *const *a = argv; *a != NULL; a++) {
		int n = snprintf(r->cmd + len, sizeof r->cmd - len, "%s%s",
		    a == argv ? "" : " ", *a);
		if (n < 0 || (size_t)n >= sizeof r->cmd - len)
			break;
		len += (size_t)n;
	}
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	out = outpath != NULL ? open(outpath, O_WRONLY | O_CLOEXEC) : tmpfd();
	err = tmpfd();
	if (in < 0 || out < 0 || err < 0) {
		fprintf(stderr, "e2e: cannot set up stdio: %s\n",
		    strerror(errno));
		abort();
	}
	pid = spawn(argv, cwd, in, out, err);
	r->status = pid < 0 ? -1 : reap(pid, ms);
	r->out = outpath != NULL ? strdup("") : slurp(out);
	r->err = slurp(err);
	close(in);
	close(out);
	close(err);
	return r->status == -1 ? -1 : 0;
}

static void
dump(const struct run *r)
{
	print_message("command: %s\nexit status: %d\n"
	    "--- stdout ---\n%.4000s\n--- stderr ---\n%.4000s\n--------------\n",
	    r->cmd, r->status, r->out, r->err);
}

/* `wine mmpclean.exe args...` in the test directory. */
static struct run *
mmv(struct fx *f, const char *outpath, const char *const *args)
{
	const char *argv[64];
	size_t n = 0;

	argv[n++] = "wine";
	argv[n++] = g_exe;
	while (*args != NULL && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (run_cmd(&f->r, argv, f->udir, outpath, RUN_MS) != 0) {
		dump(&f->r);
		fail_msg("%s: did not finish within %d s", f->r.cmd,
		    RUN_MS / 1000);
	}
	return &f->r;
}

#define MM(f, ...)	mmv((f), NULL, (const char *const []){ __VA_ARGS__, NULL })
#define MM0(f)		mmv((f), NULL, (const char *const []){ NULL })
#define MMTO(f, path, ...) \
	mmv((f), (path), (const char *const []){ __VA_ARGS__, NULL })

/* ---- reading mmpclean's output ---- */

/*
 * Counts the lines "STATUS<spaces>PATH" or "STATUS<spaces>PATH  (why)";
 * status NULL matches any status, icase compares the path ignoring case.
 */
static int
count_lines(const char *out, const char *status, const char *path, int icase)
{
	size_t plen = strlen(path);
	int n = 0;

	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n'), *p, *sp;
		size_t rest;

		if (eol == NULL)
			eol = l + strlen(l);
		sp = memchr(l, ' ', (size_t)(eol - l));
		if (sp != NULL && (status == NULL ||
		    ((size_t)(sp - l) == strlen(status) &&
		    strncmp(l, status, (size_t)(sp - l)) == 0))) {
			for (p = sp; p < eol && *p == ' '; p++)
				continue;
			rest = (size_t)(eol - p);
			if (rest >= plen && (icase ? strncasecmp(p, path, plen) :
			    strncmp(p, path, plen)) == 0 && (rest == plen ||
			    (rest > plen + 2 && strncmp(p + plen, "  (", 3) == 0)))
				n++;
		}
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return n;
}

static int
count_status(const char *out, const char *status)
{
	size_t slen = strlen(status);
	int n = 0;

	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n');

		if (eol == NULL)
			eol = l + strlen(l);
		if (strncmp(l, status, slen) == 0 && l[slen] == ' ')
			n++;
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return n;
}

/* The summary line ("N .mmp files in D directories: ..."), or "". */
static const char *
summary(const char *out)
{
	char *buf = ring();

	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n'), *m;

		if (eol == NULL)
			eol = l + strlen(l);
		m = strstr(l, ".mmp file");
		if (m != NULL && m < eol && strstr(m, " in ") != NULL &&
		    strstr(m, " in ") < eol) {
			fmt(buf, PATH_MAX, "%.*s", (int)(eol - l), l);
			return buf;
		}
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return "";
}

/* Whether line says "<n> <word...>" with no digit just before n. */
static int
has_count(const char *line, long n, const char *word)
{
	char pat[128];
	const char *p;

	fmt(pat, sizeof pat, "%ld %s", n, word);
	for (p = strstr(line, pat); p != NULL; p = strstr(p + 1, pat))
		if (p == line || p[-1] < '0' || p[-1] > '9')
			return 1;
	return 0;
}

/* A --where line: "PATH  (SOURCE)". */
static int
has_where(const char *out, const char *path, const char *source)
{
	char want[PATH_MAX];
	size_t wlen;

	fmt(want, sizeof want, "%s  (%s)", path, source);
	wlen = strlen(want);
	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n');

		if (eol == NULL)
			eol = l + strlen(l);
		if ((size_t)(eol - l) == wlen && strncasecmp(l, want, wlen) == 0)
			return 1;
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return 0;
}

static int
count_all_lines(const char *out)
{
	int n = 0;

	for (; *out != '\0'; out++)
		if (*out == '\n')
			n++;
	return n;
}

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
static int
diag_ok(const char *err)
{
	return strncmp(err, "mmpclean: ", 10) == 0;
}

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

static void
reg_del(int view)
{
	const char *argv[] = { "wine", "reg", "delete", REGKEY, "/v",
	    "ProfileDirectory", "/f", view == 32 ? "/reg:32" : "/reg:64", NULL };
	struct run r = { .out = NULL };

	run_cmd(&r, argv, NULL, NULL, RUN_MS);
	run_free(&r);
}

/* `reg query` of the value in one view: its exit status, output in *r. */
static int
reg_query(int view, struct run *r)
{
	const char *argv[] = { "wine", "reg", "query", REGKEY, "/v",
	    "ProfileDirectory", view == 32 ? "/reg:32" : "/reg:64", NULL };

	run_cmd(r, argv, NULL, NULL, RUN_MS);
	return r->status;
}

/*
 * Sets ProfileDirectory in one view.  The first value per view and every
 * unusual one is read back, so a test never rests on a write that failed.
 */
static void
reg_set(struct fx *f, int view, const char *type, const char *data)
{
	static int verified[2];
	const char *argv[] = { "wine", "reg", "add", REGKEY, "/v",
	    "ProfileDirectory", "/t", type, "/d", data, "/f",
	    view == 32 ? "/reg:32" : "/reg:64", NULL };
	struct run r = { .out = NULL };

	f->reg_used = 1;
	if (run_cmd(&r, argv, NULL, NULL, RUN_MS) != 0 || r.status != 0) {
		dump(&r);
		fail_msg("reg add failed");
	}
	if (!verified[view == 32] || strcmp(type, "REG_SZ") != 0 ||
	    data[0] == '\0' || strchr(data, '"') != NULL) {
		if (reg_query(view, &r) != 0 || strstr(r.out, type) == NULL ||
		    strstr(r.out, data) == NULL) {
			dump(&r);
			fail_msg("reg query does not show %s %s", type, data);
		}
		verified[view == 32] = 1;
	}
	run_free(&r);
}

/* ---- lock holders ---- */

/*
 * Starts holdlock.exe on the files rels (names in the test directory) and
 * waits until it holds them.  share and access may be NULL for the
 * defaults (no sharing, GENERIC_READ).  Returns its slot.
 */
static int
hold(struct fx *f, const char *share, const char *access,
    const char *const *rels)
{
	const char *argv[2100];
	char wready[PATH_MAX];
	struct holder *h = NULL;
	size_t n = 0, first;
	int slot, p[2], devnull = -1;
	uint64_t end;

	for (slot = 0; slot < MAXHOLD; slot++)
		if (f->hold[slot].pid == 0) {
			h = &f->hold[slot];
			break;
		}
	if (h == NULL)
		fail_msg("too many lock holders");
	fmt(h->ready, sizeof h->ready, "%s/hold%d.ready", f->uout, slot);
	fmt(wready, sizeof wready, "%s\\hold%d.ready", f->wout, slot);
	unlink(h->ready);

	argv[n++] = "wine";
	argv[n++] = g_holdlock;
	argv[n++] = wready;
	if (share != NULL) {
		argv[n++] = "--share";
		argv[n++] = share;
	}
	if (access != NULL) {
		argv[n++] = "--access";
		argv[n++] = access;
	}
	first = n;
	for (; *rels != NULL && n < 2099; rels++)
		if ((argv[n++] = strdup(W(f, *rels))) == NULL)
			abort();
	argv[n] = NULL;

	if (pipe2(p, O_CLOEXEC) != 0 || (h->errfd = tmpfd()) < 0 ||
	    (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		fail_msg("holder set-up: %s", strerror(errno));
	h->pid = spawn(argv, NULL, p[0], devnull, h->errfd);
	for (size_t i = first; i < n; i++)
		free((char *)argv[i]);
	close(p[0]);
	close(devnull);
	h->fd = p[1];
	if (h->pid < 0) {
		h->pid = 0;
		fail_msg("fork: %s", strerror(errno));
	}

	for (end = now_ms() + READY_MS; !exists(h->ready); nap()) {
		int st;

		if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
			char *err = slurp(h->errfd);

			h->pid = 0;
			print_message("holdlock stderr: %s\n", err);
			free(err);
			fail_msg("holdlock exited before holding its files");
		}
		if (now_ms() > end)
			fail_msg("holdlock not ready after %d s", READY_MS / 1000);
	}
	return slot;
}

#define HOLD(f, share, access, ...) \
	hold((f), (share), (access), (const char *const []){ __VA_ARGS__, NULL })

/* Closes the holder's stdin; returns its exit status. */
static int
release(struct fx *f, int slot)
{
	struct holder *h = &f->hold[slot];
	int st;

	if (h->pid == 0)
		return -1;
	close(h->fd);
	st = reap(h->pid, RUN_MS);
	if (st != 0) {
		char *err = slurp(h->errfd);

		print_message("holdlock exit %d, stderr: %s\n", st, err);
		free(err);
	}
	close(h->errfd);
	unlink(h->ready);
	h->pid = 0;
	return st;
}

/* ---- fixtures ---- */

/*
 * Creates C:\windows\e2e-<test>.mmp, removed again by the teardown, and
 * returns its Windows path.
 */
static const char *
win_file(struct fx *f)
{
	char *w = ring();

	if (f->nclean == MAXCLEAN)
		fail_msg("too many clean-up paths");
	fmt(f->clean[f->nclean], PATH_MAX, "%s/e2e-%s.mmp", g_windir, f->name);
	mkfile(f->clean[f->nclean++]);
	fmt(w, PATH_MAX, "C:\\windows\\e2e-%s.mmp", f->name);
	return w;
}

/* A directory under C:\windows, likewise. */
static const char *
win_dir(struct fx *f, const char *name)
{
	if (f->nclean == MAXCLEAN)
		fail_msg("too many clean-up paths");
	fmt(f->clean[f->nclean], PATH_MAX, "%s/%s", g_windir, name);
	rm_rf(f->clean[f->nclean]);
	mkdir_p(f->clean[f->nclean]);
	return f->clean[f->nclean++];
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	f->name = *state;
	if (strncmp(f->name, "t_", 2) == 0)
		f->name += 2;
	fmt(f->udir, sizeof f->udir, "%s/e2e/%s", g_drive_c, f->name);
	fmt(f->wdir, sizeof f->wdir, "C:\\e2e\\%s", f->name);
	fmt(f->uout, sizeof f->uout, "%s.out", f->udir);
	fmt(f->wout, sizeof f->wout, "%s.out", f->wdir);
	rm_rf(f->udir);
	rm_rf(f->uout);
	if (mkdir(f->udir, 0777) != 0 || mkdir(f->uout, 0777) != 0) {
		fprintf(stderr, "e2e: mkdir %s: %s\n", f->udir, strerror(errno));
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < MAXHOLD; i++)
		release(f, i);
	if (f->reg_used) {
		reg_del(64);
		reg_del(32);
	}
	rm_rf(f->udir);
	rm_rf(f->uout);
	for (int i = 0; i < f->nclean; i++)
		rm_rf(f->clean[i]);
	run_free(&f->r);
	free(f);
	return 0;
}

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

/* ---- the run ---- */

static int
wine_tool(const char *const argv[], int ms)
{
	struct run r = { .out = NULL };
	int st;

	if (run_cmd(&r, argv, NULL, NULL, ms) != 0)
		fprintf(stderr, "e2e: %s: did not finish\n", r.cmd);
	st = r.status;
	if (st != 0 && r.err[0] != '\0')
		fprintf(stderr, "e2e: %s: exit %d: %s\n", r.cmd, st, r.err);
	run_free(&r);
	return st;
}

static int
group_setup(void **state)
{
	static const char *const boot[] = { "wineboot", "-i", NULL };
	static const char *const wait[] = { "wineserver", "-w", NULL };
	static const char *const persist[] = { "wineserver", "-p", NULL };
	char self[PATH_MAX], root[PATH_MAX], path[PATH_MAX], *slash;
	const char *pfx;
	ssize_t n;
	int st;

	(void)state;
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	fmt(root, sizeof root, "%s", self);	/* ROOT/build/e2e */
	for (int i = 0; i < 2; i++)
		if ((slash = strrchr(root, '/')) != NULL)
			*slash = '\0';
	/* MMPCLEAN_EXE: run the suite against another build. */
	if (getenv("MMPCLEAN_EXE") != NULL)
		fmt(g_exe, sizeof g_exe, "%s", getenv("MMPCLEAN_EXE"));
	else
		fmt(g_exe, sizeof g_exe, "%s/build/mmpclean.exe", root);
	fmt(g_holdlock, sizeof g_holdlock, "%s/build/holdlock.exe", root);
	for (const char *p = g_exe; p != NULL; p = p == g_exe ? g_holdlock : NULL)
		if (access(p, R_OK) != 0) {
			fprintf(stderr, "e2e: %s: %s (run make e2e)\n", p,
			    strerror(errno));
			return -1;
		}

	if ((pfx = getenv("WINEPREFIX")) == NULL || pfx[0] == '\0') {
		fmt(path, sizeof path, "%s/build/wineprefix", root);
		setenv("WINEPREFIX", path, 1);
		pfx = getenv("WINEPREFIX");
	}
	setenv("WINEDEBUG", "-all", 0);
	setenv("WINEDLLOVERRIDES", "mscoree,mshtml=", 0);
	/* Wine maps Unix file names with the locale's character set. */
	setenv("LC_ALL", "C.UTF-8", 1);
	fmt(g_prefix, sizeof g_prefix, "%s", pfx);
	fmt(g_drive_c, sizeof g_drive_c, "%s/drive_c", g_prefix);
	fmt(g_windir, sizeof g_windir, "%s/windows", g_drive_c);

	fmt(path, sizeof path, "%s/system.reg", g_prefix);
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "e2e: creating the Wine prefix %s\n", g_prefix);
		if (wine_tool(boot, BOOT_MS) != 0)
			return -1;
		wine_tool(wait, RUN_MS);
	}
	/* 2: a server is already running; fine, only slower. */
	st = wine_tool(persist, RUN_MS);
	if (st != 0 && st != 2)
		return -1;

	reg_del(64);
	reg_del(32);
	fmt(path, sizeof path, "%s/e2e", g_drive_c);
	mkdir(path, 0777);
	return 0;
}

static int
group_teardown(void **state)
{
	static const char *const kill_server[] = { "wineserver", "-k", NULL };
	char path[PATH_MAX];

	(void)state;
	reg_del(64);
	reg_del(32);
	fmt(path, sizeof path, "%s/e2e", g_drive_c);
	rmdir(path);
	wine_tool(kill_server, RUN_MS);
	return 0;
}

#define T(f) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, \
	(void *)#f)

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

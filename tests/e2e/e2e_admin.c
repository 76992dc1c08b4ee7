/*
 * End-to-end tests of the administrative and locked-file features: the real
 * build/mmpclean.exe under Wine, driven from Linux like tests/e2e/e2e.c
 * (whose approach this follows: a private prefix under build/, one
 * persistent wineserver, every process under a time limit, the registry
 * through `wine reg`, locks held by build/holdlock.exe in another Windows
 * process, the disk checked from the Linux side afterwards).
 *
 * Each test gets C:\e2e-admin\<test> and a sibling <test>.out for the lock
 * holders' ready files.  Registry keys a test touches are removed by its
 * teardown.
 *
 * What Wine cannot show is asserted through what it does show: its Restart
 * Manager lists no process, so --holders is checked to ask it once for the
 * whole batch (Wine's FIXME trace) and to say "holder unknown"; ReportEventW
 * stores nothing, so --eventlog is checked through Wine's trace of the call;
 * Wine keeps no ACL on files, so --configure's grant is checked through
 * Wine's trace of the SetEntriesInAclW and SetNamedSecurityInfoW calls.  The
 * traces are Wine 8's wording.  build/winprobe.exe reads back, from inside
 * Windows, the message table and accounts.
 */
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

#define PROFILE_KEY	"HKLM\\Software\\Microsoft\\" \
			"Windows Messaging Subsystem"
#define EXCHANGE_KEY	"HKLM\\Software\\Microsoft\\Exchange"
#define EVENT_KEY	"HKLM\\SYSTEM\\CurrentControlSet\\Services\\" \
			"EventLog\\Application\\mmpclean"
#define SM_KEY		"HKLM\\SYSTEM\\CurrentControlSet\\Control\\" \
			"Session Manager"
#define PENDING		"PendingFileRenameOperations"
#define RUN_MS		(60 * 1000)	/* any one wine process */
#define BOOT_MS		(300 * 1000)	/* wineboot -i, a new prefix */
#define READY_MS	(30 * 1000)	/* a lock holder to say it holds */
#define MAXHOLD		2
#define MAXENV		4

struct run {
	char cmd[1024];		/* for messages */
	int status;		/* exit status, 128 + signal, -1 timed out */
	char *out;		/* stdout with '\r' removed */
	char *err;		/* stderr likewise */
	uint64_t ms;		/* how long it ran */
};

/* A process left running: mmpclean while a test acts on it. */
struct bg {
	pid_t pid;
	int in, out, err;
	uint64_t t0;
	char cmd[1024];
};

struct holder {
	pid_t pid;		/* 0: not running */
	int fd;			/* write end of its stdin */
	int errfd;
	char ready[PATH_MAX];
};

struct fx {
	const char *name;
	char udir[PATH_MAX], wdir[PATH_MAX];
	char uout[PATH_MAX], wout[PATH_MAX];
	struct holder hold[MAXHOLD];
	int used_profile, used_exchange, used_eventlog, used_pending;
	struct run r;
};

static char g_exe[PATH_MAX], g_holdlock[PATH_MAX], g_probe[PATH_MAX];
static char g_exe_win[PATH_MAX];	/* Z:\...\mmpclean.exe */
static char g_drive_c[PATH_MAX];

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
		fprintf(stderr, "e2e_admin: string too long: %s\n", buf);
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

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

/* Occurrences of needle in hay, ignoring ASCII case. */
static int
count_icase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	int c = 0;

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			c++;
	return c;
}

/* s as Wine's debug traces print it: each backslash doubled. */
static const char *
wine_str(const char *s)
{
	char *p = ring(), *q = p;

	for (; *s != '\0' && q < p + PATH_MAX - 3; s++) {
		if (*s == '\\')
			*q++ = '\\';
		*q++ = *s;
	}
	*q = '\0';
	return p;
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

/* Everything in fd, '\r' removed.  Only once its writer has exited. */
static char *
slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *s, *d;
	ssize_t n;

	if (buf == NULL)
		abort();
	for (;;) {
		if (cap - len < 2048 && (buf = realloc(buf, cap *= 2)) == NULL)
			abort();
		n = pread(fd, buf + len, cap - len - 1, (off_t)len);
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

/*
 * Starts argv in its own process group with env ("NAME=VALUE", NULL-ended,
 * may be NULL) added; stdio given as descriptors.
 */
static pid_t
spawn(const char *const argv[], const char *const *env, const char *cwd,
    int in, int out, int err)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, 0);
	for (; env != NULL && *env != NULL; env++)
		if (putenv((char *)*env) != 0)
			_exit(126);
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
		sleep_ms(5);
	}
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

static void
join_cmd(char *cmd, size_t n, const char *const argv[])
{
	size_t len = 0;

	cmd[0] = '\0';
	for (const char *const *a = argv; *a != NULL; a++) {
		int k = snprintf(cmd + len, n - len, "%s%s", a == argv ? "" :
		    " ", *a);
		if (k < 0 || (size_t)k >= n - len)
			break;
		len += (size_t)k;
	}
}

static void
stdio_fds(int *in, int *out, int *err)
{
	*in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	*out = tmpfd();
	*err = tmpfd();
	if (*in < 0 || *out < 0 || *err < 0) {
		fprintf(stderr, "e2e_admin: cannot set up stdio: %s\n",
		    strerror(errno));
		abort();
	}
}

/* Runs argv to completion; 0, or -1 if it could not start or timed out. */
static int
run_cmd(struct run *r, const char *const argv[], const char *const *env,
    const char *cwd, int ms)
{
	int in, out, err;
	uint64_t t0 = now_ms();
	pid_t pid;

	run_free(r);
	join_cmd(r->cmd, sizeof r->cmd, argv);
	stdio_fds(&in, &out, &err);
	pid = spawn(argv, env, cwd, in, out, err);
	r->status = pid < 0 ? -1 : reap(pid, ms);
	r->ms = now_ms() - t0;
	r->out = slurp(out);
	r->err = slurp(err);
	close(in);
	close(out);
	close(err);
	return r->status == -1 ? -1 : 0;
}

static void
dump(const struct run *r)
{
	print_message("command: %s\nexit status: %d after %llu ms\n"
	    "--- stdout ---\n%.4000s\n--- stderr ---\n%.6000s\n"
	    "--------------\n",
	    r->cmd, r->status, (unsigned long long)r->ms, r->out, r->err);
}

static void
argv_mm(const char *argv[], size_t cap, const char *const *args)
{
	size_t n = 0;

	argv[n++] = "wine";
	argv[n++] = g_exe;
	while (*args != NULL && n < cap - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
}

/* `wine mmpclean.exe args...` in the test directory, env added. */
static struct run *
mmv(struct fx *f, const char *const *env, const char *const *args)
{
	const char *argv[64];

	argv_mm(argv, 64, args);
	if (run_cmd(&f->r, argv, env, f->udir, RUN_MS) != 0) {
		dump(&f->r);
		fail_msg("%s: did not finish within %d s", f->r.cmd,
		    RUN_MS / 1000);
	}
	return &f->r;
}

#define ARGS(...)	((const char *const []){ __VA_ARGS__, NULL })
#define MM(f, ...)	mmv((f), NULL, ARGS(__VA_ARGS__))
#define MM0(f)		mmv((f), NULL, (const char *const []){ NULL })
#define MMENV(f, env, ...) mmv((f), ARGS(env), ARGS(__VA_ARGS__))

/* mmpclean started and left running. */
static void
bg_start(struct fx *f, struct bg *b, const char *const *args)
{
	const char *argv[64];

	argv_mm(argv, 64, args);
	join_cmd(b->cmd, sizeof b->cmd, argv);
	stdio_fds(&b->in, &b->out, &b->err);
	b->t0 = now_ms();
	if ((b->pid = spawn(argv, NULL, f->udir, b->in, b->out, b->err)) < 0)
		fail_msg("fork: %s", strerror(errno));
}

/* Waits until its standard error holds text (the run is under way). */
static void
bg_await(struct bg *b, const char *text)
{
	char buf[8192];
	ssize_t n;
	int st;

	for (uint64_t end = now_ms() + RUN_MS; ; sleep_ms(10)) {
		n = pread(b->err, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, text) != NULL)
			return;
		if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
			b->pid = 0;
			fail_msg("%s exited before saying \"%s\": %s", b->cmd,
			    text, buf);
		}
		if (now_ms() > end)
			fail_msg("%s: no \"%s\" within %d s", b->cmd, text,
			    RUN_MS / 1000);
	}
}

static struct run *
bg_finish(struct fx *f, struct bg *b)
{
	struct run *r = &f->r;

	run_free(r);
	fmt(r->cmd, sizeof r->cmd, "%s", b->cmd);
	r->status = b->pid > 0 ? reap(b->pid, RUN_MS) : -1;
	r->ms = now_ms() - b->t0;
	r->out = slurp(b->out);
	r->err = slurp(b->err);
	close(b->in);
	close(b->out);
	close(b->err);
	b->pid = 0;
	if (r->status == -1) {
		dump(r);
		fail_msg("%s did not finish", r->cmd);
	}
	return r;
}

/* A Windows or Wine tool; its run in r, its exit status returned. */
static int
tool(struct run *r, const char *const argv[], const char *const *env)
{
	if (run_cmd(r, argv, env, NULL, RUN_MS) != 0) {
		dump(r);
		fail_msg("%s did not finish", r->cmd);
	}
	return r->status;
}

/* ---- reading output ---- */

/* Counts lines "STATUS<spaces>PATH" or "STATUS<spaces>PATH  (...)". */
static int
count_lines(const char *out, const char *status, const char *path)
{
	size_t plen = strlen(path), slen = strlen(status);
	int n = 0;

	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n'), *p;

		if (eol == NULL)
			eol = l + strlen(l);
		if (strncmp(l, status, slen) == 0 && l[slen] == ' ') {
			for (p = l + slen; p < eol && *p == ' '; p++)
				continue;
			if ((size_t)(eol - p) >= plen &&
			    strncasecmp(p, path, plen) == 0 &&
			    (p + plen == eol ||
			    strncmp(p + plen, "  (", 3) == 0))
				n++;
		}
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return n;
}

/* Whether out has the whole line want. */
static int
has_line(const char *out, const char *want)
{
	size_t n = strlen(want);

	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n');

		if (eol == NULL)
			eol = l + strlen(l);
		if ((size_t)(eol - l) == n && strncmp(l, want, n) == 0)
			return 1;
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return 0;
}

#define expect_exit(r, code) do {					\
	if ((r)->status != (code)) {					\
		dump(r);						\
		fail_msg("exit status %d, expected %d", (r)->status, (code)); \
	}								\
} while (0)

#define expect_file_line(r, st, path, n) do {				\
	int n_ = count_lines((r)->out, (st), (path));			\
	if (n_ != (n)) {						\
		dump(r);						\
		fail_msg("%d lines \"%s %s\" on stdout, expected %d",	\
		    n_, (st), (path), (n));				\
	}								\
} while (0)

#define expect_line(r, text) do {					\
	if (!has_line((r)->out, (text))) {				\
		dump(r);						\
		fail_msg("stdout lacks the line \"%s\"", (text));	\
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

#define expect_empty(r, stream) do {					\
	if ((r)->stream[0] != '\0') {					\
		dump(r);						\
		fail_msg(#stream " should be empty");			\
	}								\
} while (0)

#define expect_exists(path) do {					\
	if (!exists(path))						\
		fail_msg("%s should exist", (path));			\
} while (0)

#define expect_gone(path) do {						\
	if (exists(path))						\
		fail_msg("%s should not exist", (path));		\
} while (0)

/* ---- registry, through `wine reg` ---- */

static const char *
view_flag(int view)
{
	return view == 32 ? "/reg:32" : "/reg:64";
}

/* `reg query KEY [/v NAME]` in a view; its exit status, output in r. */
static int
reg_query(struct run *r, const char *key, const char *name, int view)
{
	const char *with[] = { "wine", "reg", "query", key, "/v", name,
	    view_flag(view), NULL };
	const char *without[] = { "wine", "reg", "query", key, view_flag(view),
	    NULL };

	return tool(r, name != NULL ? with : without, NULL);
}

/*
 * The data of value name as `reg query` prints it ("    NAME    TYPE
 * DATA"), malloc'd, or NULL when absent; its type must be type.
 */
static char *
reg_data(const char *key, const char *name, const char *type, int view)
{
	struct run r = { .out = NULL };
	char want[256];
	char *data = NULL;

	if (reg_query(&r, key, name, view) == 0) {
		fmt(want, sizeof want, "    %s    %s    ", name, type);
		for (const char *l = r.out; *l != '\0'; ) {
			const char *eol = strchr(l, '\n');

			if (eol == NULL)
				eol = l + strlen(l);
			if (strncmp(l, want, strlen(want)) == 0) {
				l += strlen(want);
				data = strndup(l, (size_t)(eol - l));
				break;
			}
			l = *eol != '\0' ? eol + 1 : eol;
		}
		if (data == NULL) {
			dump(&r);
			fail_msg("reg query shows %s but not as %s", name,
			    type);
		}
	}
	run_free(&r);
	return data;
}

static void
reg_run(const char *const argv[])
{
	struct run r = { .out = NULL };

	if (tool(&r, argv, NULL) != 0) {
		dump(&r);
		fail_msg("%s failed", r.cmd);
	}
	run_free(&r);
}

/* Deletes a key or a value, quietly: it may well not be there. */
static void
reg_remove(const char *key, const char *name, int view)
{
	const char *value[] = { "wine", "reg", "delete", key, "/v", name, "/f",
	    view_flag(view), NULL };
	const char *whole[] = { "wine", "reg", "delete", key, "/f",
	    view_flag(view), NULL };
	struct run r = { .out = NULL };

	run_cmd(&r, name != NULL ? value : whole, NULL, NULL, RUN_MS);
	run_free(&r);
}

/* ---- lock holders ---- */

/* Starts holdlock.exe on the files rels and waits until it holds them. */
static int
hold(struct fx *f, const char *const *rels)
{
	const char *argv[64];
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
	first = n;
	for (; *rels != NULL && n < 63; rels++)
		if ((argv[n++] = strdup(W(f, *rels))) == NULL)
			abort();
	argv[n] = NULL;

	if (pipe2(p, O_CLOEXEC) != 0 || (h->errfd = tmpfd()) < 0 ||
	    (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		fail_msg("holder set-up: %s", strerror(errno));
	h->pid = spawn(argv, NULL, NULL, p[0], devnull, h->errfd);
	for (size_t i = first; i < n; i++)
		free((char *)argv[i]);
	close(p[0]);
	close(devnull);
	h->fd = p[1];
	if (h->pid < 0) {
		h->pid = 0;
		fail_msg("fork: %s", strerror(errno));
	}
	for (end = now_ms() + READY_MS; !exists(h->ready); sleep_ms(5)) {
		int st;

		if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
			char *err = slurp(h->errfd);

			h->pid = 0;
			print_message("holdlock stderr: %s\n", err);
			free(err);
			fail_msg("holdlock exited before holding its files");
		}
		if (now_ms() > end)
			fail_msg("holdlock not ready after %d s",
			    READY_MS / 1000);
	}
	return slot;
}

#define HOLD(f, ...)	hold((f), ARGS(__VA_ARGS__))

/* Closes the holder's stdin and waits for it to let go. */
static void
release(struct fx *f, int slot)
{
	struct holder *h = &f->hold[slot];
	int st;

	if (h->pid == 0)
		return;
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
}

/* ---- fixtures ---- */

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	f->name = *state;
	if (strncmp(f->name, "t_", 2) == 0)
		f->name += 2;
	fmt(f->udir, sizeof f->udir, "%s/e2e-admin/%s", g_drive_c, f->name);
	fmt(f->wdir, sizeof f->wdir, "C:\\e2e-admin\\%s", f->name);
	fmt(f->uout, sizeof f->uout, "%s.out", f->udir);
	fmt(f->wout, sizeof f->wout, "%s.out", f->wdir);
	rm_rf(f->udir);
	rm_rf(f->uout);
	if (mkdir(f->udir, 0777) != 0 || mkdir(f->uout, 0777) != 0) {
		fprintf(stderr, "e2e_admin: mkdir %s: %s\n", f->udir,
		    strerror(errno));
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
	for (int v = 64; v >= 32; v -= 32) {
		if (f->used_profile)
			reg_remove(PROFILE_KEY, "ProfileDirectory", v);
		if (f->used_exchange)
			reg_remove(EXCHANGE_KEY, NULL, v);
	}
	if (f->used_eventlog)
		reg_remove(EVENT_KEY, NULL, 64);
	if (f->used_pending)
		reg_remove(SM_KEY, PENDING, 64);
	rm_rf(f->udir);
	rm_rf(f->uout);
	run_free(&f->r);
	free(f);
	return 0;
}

/* ---- the event source and the message table ---- */

static void
t_message_table_compiled_in(void **state)
{
	static const struct {
		const char *id, *text;
	} want[] = {
		{ "1000", "mmpclean finished: 3 .mmp files, exit status 0" },
		{ "1001", "mmpclean finished; locked .mmp files remain: 3 .mmp "
		    "files, exit status 0" },
		{ "1002", "mmpclean finished with errors: 3 .mmp files, exit "
		    "status 0" },
	};
	struct fx *f = *state;
	struct run *r = &f->r;

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		tool(r, ARGS("wine", g_probe, "msg", g_exe_win, want[i].id,
		    "3 .mmp files, exit status 0"), NULL);
		expect_exit(r, 0);
		expect_line(r, want[i].text);
	}
	/* and nothing else: the table is exactly the three events */
	tool(r, ARGS("wine", g_probe, "msg", g_exe_win, "1003", "x"), NULL);
	expect_exit(r, 1);
	expect_in(r, err, "FormatMessageW");
}

static void
t_install_and_uninstall_event_source(void **state)
{
	struct fx *f = *state;
	struct run *r;
	char *file, *types;

	f->used_eventlog = 1;
	reg_remove(EVENT_KEY, NULL, 64);

	for (int round = 0; round < 2; round++) {	/* idempotent */
		r = MM(f, "--install-eventlog");
		expect_exit(r, 0);
		expect_line(r, "registered the event source 'mmpclean' in the "
		    "Application log");
		expect_empty(r, err);
	}
	/* the message file is this executable, as Windows names it */
	file = reg_data(EVENT_KEY, "EventMessageFile", "REG_EXPAND_SZ", 64);
	types = reg_data(EVENT_KEY, "TypesSupported", "REG_DWORD", 64);
	if (file == NULL || types == NULL)
		fail_msg("the event source's values are missing");
	if (strcasecmp(file, g_exe_win) != 0)
		fail_msg("EventMessageFile is \"%s\", expected \"%s\"", file,
		    g_exe_win);
	assert_string_equal(types, "0x7");
	/* what Event Viewer would do with it */
	r = &f->r;
	tool(r, ARGS("wine", g_probe, "msg", file, "1001", "2 locked"), NULL);
	expect_exit(r, 0);
	expect_line(r, "mmpclean finished; locked .mmp files remain: 2 locked");
	free(file);
	free(types);

	r = MM(f, "--uninstall-eventlog");
	expect_exit(r, 0);
	expect_line(r, "removed the event source 'mmpclean'");
	if (reg_query(&f->r, EVENT_KEY, NULL, 64) == 0) {
		dump(&f->r);
		fail_msg("the event source key is still there");
	}

	r = MM(f, "--uninstall-eventlog");
	expect_exit(r, 0);
	expect_line(r, "the event source 'mmpclean' was not registered");
}

/*
 * One event per run, its type and ID from the exit status, its one
 * insertion string the summary.  Wine stores nothing; its traces of
 * ReportEventW show the call (type, category, ID) and the string.
 */
#define EVENT_TRACE	"WINEDEBUG=fixme+advapi,+eventlog"

static void
expect_event(struct run *r, const char *type, const char *id, int status)
{
	char call[128], text[128];

	if (count_icase(r->err, "ReportEventW (") != 1) {
		dump(r);
		fail_msg("expected exactly one ReportEventW call");
	}
	fmt(call, sizeof call, ",%s,0x0000,%s,", type, id);
	expect_in(r, err, call);
	fmt(text, sizeof text, "errors; exit status %d\"", status);
	expect_in(r, err, text);
	expect_in(r, err, "RegisterEventSourceW ((null),L\"mmpclean\")");
	expect_in(r, err, "DeregisterEventSource");
}

static void
t_eventlog_one_event_per_run(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));

	r = MMENV(f, EVENT_TRACE, "--eventlog", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_event(r, "0x0004", "0x000003e8", 0);	/* information */
	expect_in(r, err, "\"2 .mmp files in 1 directory: 2 unlocked,");

	HOLD(f, "b.mmp");
	r = MMENV(f, EVENT_TRACE, "--eventlog", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_event(r, "0x0002", "0x000003e9", 1);	/* warning */
	release(f, 0);

	r = MMENV(f, EVENT_TRACE, "--eventlog", "--dir", W(f, "missing"));
	expect_exit(r, 3);
	expect_event(r, "0x0001", "0x000003ea", 3);	/* error */

	/* without --eventlog, no event */
	r = MMENV(f, EVENT_TRACE, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_not_in(r, err, "ReportEventW");
}

/* ---- --configure and --unconfigure ---- */

static void
expect_profile(const char *want, int view)
{
	char *data = reg_data(PROFILE_KEY, "ProfileDirectory", "REG_SZ", view);

	if (want == NULL && data != NULL)
		fail_msg("ProfileDirectory (%d-bit view) is \"%s\", expected "
		    "none", view, data);
	if (want != NULL && (data == NULL || strcmp(data, want) != 0))
		fail_msg("ProfileDirectory (%d-bit view) is \"%s\", expected "
		    "\"%s\"", view, data ? data : "(none)", want);
	free(data);
}

static void
t_configure_then_unconfigure(void **state)
{
	struct fx *f = *state;
	const char *dir = W(f, "cfg\\mmp");
	char line[PATH_MAX];
	struct run *r;

	f->used_profile = 1;
	r = MMENV(f, "WINEDEBUG=trace+advapi", "--configure", dir, "--grant",
	    "Users");
	expect_exit(r, 0);
	fmt(line, sizeof line, "created directory '%s'", dir);
	expect_line(r, line);
	fmt(line, sizeof line, "set " PROFILE_KEY "\\ProfileDirectory (64-bit "
	    "view) to '%s'", dir);
	expect_line(r, line);
	fmt(line, sizeof line, "set " PROFILE_KEY "\\ProfileDirectory (32-bit "
	    "view) to '%s'", dir);
	expect_line(r, line);
	fmt(line, sizeof line, "gave 'Users' modify rights on '%s'", dir);
	expect_line(r, line);
	/* parent and directory made */
	if (!is_dir(U(f, "cfg")) || !is_dir(U(f, "cfg/mmp")))
		fail_msg("%s was not created", dir);
	expect_profile(dir, 64);
	expect_profile(dir, 32);
	/*
	 * The grant as Wine saw it: modify (0x1301bf), GRANT_ACCESS (1),
	 * inherited by files and directories (3), trustee by name, set as the
	 * directory's DACL.  Wine keeps no ACL to read back.
	 */
	expect_in(r, err, "BuildTrusteeWithNameW");
	expect_in(r, err, "L\"Users\"");
	expect_in(r, err, "grfAccessPermissions = 0x1301bf");
	expect_in(r, err, "grfAccessMode = 1\n");
	expect_in(r, err, "grfInheritance = 0x3\n");
	fmt(line, sizeof line, "SetNamedSecurityInfoW L\"%s\" 1 4 ",
	    wine_str(dir));
	expect_in(r, err, line);

	r = MM(f, "--configure", dir, "--grant", "Users");
	expect_exit(r, 0);
	fmt(line, sizeof line, "directory '%s' exists already", dir);
	expect_line(r, line);
	fmt(line, sizeof line, PROFILE_KEY "\\ProfileDirectory (64-bit view) "
	    "names '%s' already", dir);
	expect_line(r, line);
	fmt(line, sizeof line, PROFILE_KEY "\\ProfileDirectory (32-bit view) "
	    "names '%s' already", dir);
	expect_line(r, line);

	r = MM(f, "--unconfigure");
	expect_exit(r, 0);
	fmt(line, sizeof line, "removed " PROFILE_KEY "\\ProfileDirectory "
	    "(64-bit view), which was '%s'", dir);
	expect_line(r, line);
	fmt(line, sizeof line, "removed " PROFILE_KEY "\\ProfileDirectory "
	    "(32-bit view), which was '%s'", dir);
	expect_line(r, line);
	expect_profile(NULL, 64);
	expect_profile(NULL, 32);
	if (!is_dir(U(f, "cfg/mmp")))
		fail_msg("--unconfigure removed the directory");

	r = MM(f, "--unconfigure");
	expect_exit(r, 0);
	expect_line(r, "HKLM\\Software\\Microsoft\\Windows Messaging Subsystem"
	    "\\ProfileDirectory (64-bit view) was not set");
	expect_line(r, "HKLM\\Software\\Microsoft\\Windows Messaging Subsystem"
	    "\\ProfileDirectory (32-bit view) was not set");
}

static void
t_configure_replaces_other_value(void **state)
{
	struct fx *f = *state;
	const char *dir = W(f, "new");
	char line[PATH_MAX];
	struct run *r;

	f->used_profile = 1;
	reg_run(ARGS("wine", "reg", "add", PROFILE_KEY, "/v",
	    "ProfileDirectory", "/d", W(f, "old"), "/f", "/reg:32"));
	r = MM(f, "--configure", dir, "--grant", "Users");
	expect_exit(r, 0);
	fmt(line, sizeof line, "set " PROFILE_KEY "\\ProfileDirectory (32-bit "
	    "view) to '%s' (it was '%s')", dir, W(f, "old"));
	expect_line(r, line);
	expect_profile(dir, 64);
	expect_profile(dir, 32);
}

/* Whatever cannot be done is found out before anything changes. */
static void
t_configure_refusals_change_nothing(void **state)
{
	struct fx *f = *state;
	struct run *r;
	struct run probe = { .out = NULL };

	f->used_profile = 1;
	mkfile(U(f, "afile"));
	r = MM(f, "--configure", W(f, "afile"), "--grant", "Users");
	expect_exit(r, 2);
	expect_in(r, err, "a file is in the way");
	if (is_dir(U(f, "afile")))
		fail_msg("afile became a directory");

	r = MM(f, "--configure", W(f, "afile\\sub"), "--grant", "Users");
	expect_exit(r, 2);
	expect_in(r, err, "a file is in the way");

	r = MM(f, "--configure", W(f, "x"), "--grant", "no-such-account-e2e");
	expect_exit(r, 2);
	expect_in(r, err, "--grant 'no-such-account-e2e': no such account");
	expect_gone(U(f, "x"));

	/* Wine has no IIS account; say so, and make sure */
	if (tool(&probe, ARGS("wine", g_probe, "account", "IUSR"), NULL) == 0)
		fail_msg("this Wine knows IUSR: the default account case "
		    "needs another test");
	run_free(&probe);
	r = MM(f, "--configure", W(f, "x"));
	expect_exit(r, 2);
	expect_in(r, err, "no IIS anonymous account found");
	expect_gone(U(f, "x"));

	r = MM(f, "--configure", "Q:\\mmp", "--grant", "Users");
	expect_exit(r, 2);
	expect_in(r, err, "cannot create directory 'Q:\\mmp': the drive or "
	    "share does not exist");

	expect_profile(NULL, 64);
	expect_profile(NULL, 32);
}

/* ---- locked files ---- */

static void
t_reboot_schedules_then_wineboot_deletes(void **state)
{
	struct fx *f = *state;
	char nt[PATH_MAX], upper[PATH_MAX], *pend;
	struct run *r;
	int slot;

	pend = reg_data(SM_KEY, PENDING, "REG_MULTI_SZ", 64);
	if (pend != NULL)
		fail_msg("the prefix has renames pending already (%s); run "
		    "wineboot -r", pend);
	f->used_pending = 1;
	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	slot = HOLD(f, "a.mmp");

	r = MM(f, "--delete", "--reboot", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_file_line(r, "scheduled", W(f, "a.mmp"), 1);
	expect_in(r, out, "  (deleted at the next boot)\n");
	expect_file_line(r, "deleted", W(f, "b.mmp"), 1);
	expect_in(r, out, "1 deleted, 0 locked, 0 read-only, 0 skipped, "
	    "0 errors, 1 scheduled\n");
	expect_exists(U(f, "a.mmp"));
	expect_gone(U(f, "b.mmp"));

	fmt(nt, sizeof nt, "\\??\\%s", W(f, "a.mmp"));
	pend = reg_data(SM_KEY, PENDING, "REG_MULTI_SZ", 64);
	if (pend == NULL || count_icase(pend, nt) != 1)
		fail_msg("%s is \"%s\", expected %s once", PENDING,
		    pend ? pend : "(none)", nt);
	free(pend);

	/* the same directory spelt otherwise: already pending, not added */
	fmt(upper, sizeof upper, "%s", f->wdir);
	for (char *p = upper; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	r = MM(f, "--delete", "--reboot", "--dir", upper);
	expect_exit(r, 1);
	expect_in(r, out, "0 errors, 1 scheduled\n");
	pend = reg_data(SM_KEY, PENDING, "REG_MULTI_SZ", 64);
	if (pend == NULL || count_icase(pend, nt) != 1)
		fail_msg("%s is \"%s\", expected %s once", PENDING,
		    pend ? pend : "(none)", nt);
	free(pend);

	/* the "reboot": Wine's session manager deletes it */
	release(f, slot);
	expect_exists(U(f, "a.mmp"));
	tool(&f->r, ARGS("wineboot", "-r"), NULL);
	expect_exit(&f->r, 0);
	expect_gone(U(f, "a.mmp"));
	pend = reg_data(SM_KEY, PENDING, "REG_MULTI_SZ", 64);
	if (pend != NULL)
		fail_msg("%s still set after wineboot -r: %s", PENDING, pend);
}

/*
 * Wine's Restart Manager lists nobody, so every file is "holder unknown";
 * what can be checked is that all of them went to one session.
 */
static void
t_holders_one_session_holder_unknown(void **state)
{
	static const char *const names[] = {
		"f0.mmp", "f1.mmp", "f2.mmp", "f3.mmp", "f4.mmp", "f5.mmp",
		"f6.mmp", "f7.mmp", "f8.mmp", "f9.mmp", NULL
	};
	struct fx *f = *state;
	struct run *r;

	for (size_t i = 0; i < 10; i++)
		mkfile(U(f, names[i]));
	hold(f, names);
	mkfile(U(f, "free.mmp"));

	r = MMENV(f, "WINEDEBUG=fixme+rstrtmgr", "--holders", "--dir",
	    f->wdir);
	expect_exit(r, 1);
	for (size_t i = 0; i < 10; i++) {
		char want[PATH_MAX];

		fmt(want, sizeof want, "locked    %s  (holder unknown)",
		    W(f, names[i]));
		expect_line(r, want);
	}
	expect_file_line(r, "unlocked", W(f, "free.mmp"), 1);
	expect_not_in(r, out, "services");
	if (count_icase(r->err, "RmStartSession") != 1 ||
	    count_icase(r->err, "RmEndSession") != 1) {
		dump(r);
		fail_msg("expected one Restart Manager session");
	}
	expect_in(r, err, "RmRegisterResources");
	expect_in(r, err, ", 10, ");	/* all ten files registered */
	if (r->ms > 10000) {
		dump(r);
		fail_msg("--holders took %llu ms", (unsigned long long)r->ms);
	}

	/* without --holders, no session and no reason */
	r = MMENV(f, "WINEDEBUG=fixme+rstrtmgr", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_not_in(r, err, "RmStartSession");
	expect_file_line(r, "locked", W(f, "f0.mmp"), 1);
	expect_not_in(r, out, "holder unknown");
}

static void
t_wait_until_released(void **state)
{
	struct fx *f = *state;
	struct bg b;
	struct run *r;
	uint64_t released;
	int slot;

	mkfile(U(f, "a.mmp"));
	slot = HOLD(f, "a.mmp");
	bg_start(f, &b, ARGS("--delete", "--wait", "3", "--verbose", "--dir",
	    f->wdir));
	bg_await(&b, "scanning '");
	sleep_ms(1000);
	expect_exists(U(f, "a.mmp"));	/* still waiting */
	release(f, slot);
	released = now_ms() - b.t0;
	r = bg_finish(f, &b);
	expect_exit(r, 0);
	expect_file_line(r, "deleted", W(f, "a.mmp"), 1);
	expect_in(r, out, "1 deleted, 0 locked");
	expect_gone(U(f, "a.mmp"));
	if (r->ms < released || r->ms > released + 2500) {
		dump(r);
		fail_msg("finished %llu ms after the start, released at %llu",
		    (unsigned long long)r->ms, (unsigned long long)released);
	}
}

static void
t_wait_gives_up(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	HOLD(f, "a.mmp");
	r = MM(f, "--delete", "--wait", "2", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_file_line(r, "locked", W(f, "a.mmp"), 1);
	expect_exists(U(f, "a.mmp"));
	if (r->ms < 2000 || r->ms > 8000) {
		dump(r);
		fail_msg("--wait 2 took %llu ms", (unsigned long long)r->ms);
	}
}

/*
 * Ctrl+C: Wine turns SIGINT into CTRL_C_EVENT for the process.  The
 * handler only notes it, so the run stops waiting at once and still
 * finishes its report; without the handler Wine ends the process with
 * STATUS_CONTROL_C_EXIT and no summary.
 */
static void
t_ctrl_c_stops_wait(void **state)
{
	struct fx *f = *state;
	struct bg b;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	HOLD(f, "a.mmp");
	bg_start(f, &b, ARGS("--delete", "--wait", "60", "--verbose", "--dir",
	    f->wdir));
	bg_await(&b, "scanning '");
	sleep_ms(500);
	if (kill(b.pid, SIGINT) != 0)
		fail_msg("kill: %s", strerror(errno));
	r = bg_finish(f, &b);
	/* an interrupted run: exit status 2, and it says so */
	if (r->status != 2) {
		dump(r);
		fail_msg("exit status %d, expected 2", r->status);
	}
	expect_in(r, err, "interrupted while waiting");
	expect_file_line(r, "locked", W(f, "a.mmp"), 1);
	expect_in(r, out, "1 .mmp file in 1 directory:");
	expect_exists(U(f, "a.mmp"));
	if (r->ms > 15000) {
		dump(r);
		fail_msg("Ctrl+C did not stop --wait 60 (%llu ms)",
		    (unsigned long long)r->ms);
	}
}

/* ---- Exchange's Webtemp ---- */

static void
t_exchange_webtemp(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX];
	struct run *r;

	f->used_exchange = 1;
	reg_remove(EXCHANGE_KEY, NULL, 64);
	reg_remove(EXCHANGE_KEY, NULL, 32);
	mkdir_p(U(f, "exch/Webtemp"));
	mkfile(U(f, "exch/Webtemp/w.mmp"));
	reg_run(ARGS("wine", "reg", "add", EXCHANGE_KEY "\\Setup", "/v",
	    "Services", "/d", W(f, "exch"), "/f", "/reg:64"));

	r = MM(f, "--where");
	expect_exit(r, 0);
	fmt(want, sizeof want, "%s  (Exchange Webtemp)", W(f, "exch\\Webtemp"));
	expect_line(r, want);
	expect_line(r, "C:\\windows  (Windows directory)");

	r = MM(f, "--delete");
	expect_exit(r, 0);
	expect_file_line(r, "deleted", W(f, "exch\\Webtemp\\w.mmp"), 1);
	expect_gone(U(f, "exch/Webtemp/w.mmp"));

	/* the key alone, in the 32-bit view: Exchange's default directory */
	reg_remove(EXCHANGE_KEY, NULL, 64);
	reg_run(ARGS("wine", "reg", "add", EXCHANGE_KEY "\\Setup", "/f",
	    "/reg:32"));
	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_line(r, "C:\\EXCHSRVR\\Webtemp  (Exchange Webtemp)");
	expect_not_in(r, out, W(f, "exch"));

	/* inferred, not configured: a missing Webtemp is no error */
	r = MM0(f);
	expect_exit(r, 0);
	expect_in(r, err, "Exchange's Webtemp directory "
	    "'C:\\EXCHSRVR\\Webtemp' does not exist; skipped");

	/* and no key, no Webtemp */
	reg_remove(EXCHANGE_KEY, NULL, 32);
	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_not_in(r, out, "Webtemp");
}

/* ---- the log ---- */

#define SEG26	"abcdefghijklmnopqrstuvwxyz"

static void
t_log_appends_whole_crlf_lines(void **state)
{
	struct fx *f = *state;
	char deep[PATH_MAX], udeep[PATH_MAX], wlog[PATH_MAX], ulog[PATH_MAX];
	struct run *r;
	FILE *fp;
	char *text;
	size_t n;

	mkfile(U(f, "a.mmp"));
	r = MM(f, "--dir", f->wdir, "--log", W(f, "run.log"));
	expect_exit(r, 0);
	r = MM(f, "--delete", "--dir", f->wdir, "--log", W(f, "run.log"));
	expect_exit(r, 0);

	if ((fp = fopen(U(f, "run.log"), "rb")) == NULL)
		fail_msg("no log: %s", strerror(errno));
	text = calloc(1, 65536);
	n = fread(text, 1, 65535, fp);
	fclose(fp);
	if (count_icase(text, "\r\n") != 6 || count_icase(text, "\n") != 6 ||
	    n < 2 || strcmp(text + n - 2, "\r\n") != 0) {
		print_message("%s", text);
		fail_msg("expected six CRLF lines, two runs appended");
	}
	if (strstr(text, "unlocked  C:\\e2e-admin") == NULL ||
	    strstr(text, "deleted   C:\\e2e-admin") == NULL ||
	    count_icase(text, "finished  exit status 0") != 2) {
		print_message("%s", text);
		fail_msg("the log lacks a run");
	}
	free(text);

	/* a log deeper than MAX_PATH */
	fmt(deep, sizeof deep, "%s", f->wdir);
	fmt(udeep, sizeof udeep, "%s", f->udir);
	while (strlen(deep) < 300) {
		size_t l = strlen(deep), m = strlen(udeep);

		fmt(deep + l, sizeof deep - l, "\\%s", SEG26);
		fmt(udeep + m, sizeof udeep - m, "/%s", SEG26);
	}
	mkdir_p(udeep);
	fmt(wlog, sizeof wlog, "%s\\deep.log", deep);
	fmt(ulog, sizeof ulog, "%s/deep.log", udeep);
	r = MM(f, "--dir", f->wdir, "--log", wlog);
	expect_exit(r, 0);
	expect_exists(ulog);

	/* a log that cannot be opened: exit 2, and the run still happens */
	mkfile(U(f, "b.mmp"));
	r = MM(f, "--delete", "--dir", f->wdir, "--log", W(f, "nodir\\x.log"));
	expect_exit(r, 2);
	expect_in(r, err, "its directory does not exist");
	expect_gone(U(f, "b.mmp"));
}

/* ---- the run ---- */

static int
group_setup(void **state)
{
	static const char *const boot[] = { "wineboot", "-i", NULL };
	static const char *const wait[] = { "wineserver", "-w", NULL };
	static const char *const persist[] = { "wineserver", "-p", NULL };
	char self[PATH_MAX], root[PATH_MAX], path[PATH_MAX], *slash;
	struct run r = { .out = NULL };
	const char *pfx;
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	fmt(root, sizeof root, "%s", self);	/* ROOT/build/e2e_admin */
	for (int i = 0; i < 2; i++)
		if ((slash = strrchr(root, '/')) != NULL)
			*slash = '\0';
	if (getenv("MMPCLEAN_EXE") != NULL)
		fmt(g_exe, sizeof g_exe, "%s", getenv("MMPCLEAN_EXE"));
	else
		fmt(g_exe, sizeof g_exe, "%s/build/mmpclean.exe", root);
	fmt(g_holdlock, sizeof g_holdlock, "%s/build/holdlock.exe", root);
	fmt(g_probe, sizeof g_probe, "%s/build/winprobe.exe", root);
	/* Wine's Z: is the Unix root; a relative MMPCLEAN_EXE is not handled */
	fmt(g_exe_win, sizeof g_exe_win, "Z:%s", g_exe);
	for (char *p = g_exe_win; *p != '\0'; p++)
		if (*p == '/')
			*p = '\\';
	for (int i = 0; i < 3; i++) {
		const char *p = i == 0 ? g_exe : i == 1 ? g_holdlock : g_probe;

		if (access(p, R_OK) != 0) {
			fprintf(stderr, "e2e_admin: %s: %s (run make e2e)\n", p,
			    strerror(errno));
			return -1;
		}
	}
	if ((pfx = getenv("WINEPREFIX")) == NULL || pfx[0] == '\0') {
		fmt(path, sizeof path, "%s/build/wineprefix", root);
		setenv("WINEPREFIX", path, 1);
		pfx = getenv("WINEPREFIX");
	}
	setenv("WINEDEBUG", "-all", 0);
	setenv("WINEDLLOVERRIDES", "mscoree,mshtml=", 0);
	setenv("LC_ALL", "C.UTF-8", 1);
	fmt(g_drive_c, sizeof g_drive_c, "%s/drive_c", pfx);

	fmt(path, sizeof path, "%s/system.reg", pfx);
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "e2e_admin: creating the Wine prefix %s\n",
		    pfx);
		if (run_cmd(&r, boot, NULL, NULL, BOOT_MS) != 0 ||
		    r.status != 0)
			return -1;
		run_cmd(&r, wait, NULL, NULL, RUN_MS);
	}
	/* 2: a server is already running; fine. */
	if (run_cmd(&r, persist, NULL, NULL, RUN_MS) != 0 ||
	    (r.status != 0 && r.status != 2)) {
		fprintf(stderr, "e2e_admin: wineserver -p: %s\n", r.err);
		run_free(&r);
		return -1;
	}
	run_free(&r);
	fmt(path, sizeof path, "%s/e2e-admin", g_drive_c);
	mkdir(path, 0777);
	return 0;
}

static int
group_teardown(void **state)
{
	static const char *const kill_server[] = { "wineserver", "-k", NULL };
	struct run r = { .out = NULL };
	char path[PATH_MAX];

	(void)state;
	fmt(path, sizeof path, "%s/e2e-admin", g_drive_c);
	rmdir(path);
	run_cmd(&r, kill_server, NULL, NULL, RUN_MS);
	run_free(&r);
	return 0;
}

#define T(f) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, \
	(void *)#f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_message_table_compiled_in),
		T(t_install_and_uninstall_event_source),
		T(t_eventlog_one_event_per_run),
		T(t_configure_then_unconfigure),
		T(t_configure_replaces_other_value),
		T(t_configure_refusals_change_nothing),
		T(t_reboot_schedules_then_wineboot_deletes),
		T(t_holders_one_session_holder_unknown),
		T(t_wait_until_released),
		T(t_wait_gives_up),
		T(t_ctrl_c_stops_wait),
		T(t_exchange_webtemp),
		T(t_log_appends_whole_crlf_lines),
	};

	return cmocka_run_group_tests_name("mmpclean e2e (administration, "
	    "locked files)", tests, group_setup, group_teardown);
}

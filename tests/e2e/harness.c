/* The end-to-end harness; see harness.h. */
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

#include "harness.h"

char g_exe[PATH_MAX], g_holdlock[PATH_MAX];
char g_prefix[PATH_MAX], g_drive_c[PATH_MAX], g_windir[PATH_MAX];
char g_probe[PATH_MAX], g_exe_win[PATH_MAX];

/* ---- small utilities ---- */

void
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

char *
ring(void)
{
	static char bufs[16][PATH_MAX];
	static unsigned i;

	return bufs[i++ % 16];
}

/* Unix path of rel ('/'-separated) inside the test directory. */
const char *
U(const struct fx *f, const char *rel)
{
	char *p = ring();

	fmt(p, PATH_MAX, "%s/%s", f->udir, rel);
	return p;
}

/* Windows path of rel inside the test directory. */
const char *
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

void
rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
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

void
mkfile(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs("mmp test data\n", fp);
	if (fclose(fp) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

/* n files PREFIXnnnn.mmp in the test directory (or under sub, if given). */
void
make_many(struct fx *f, const char *sub, const char *prefix, int n)
{
	char rel[PATH_MAX];

	for (int i = 0; i < n; i++) {
		fmt(rel, sizeof rel, "%s%s%s%04d.mmp", sub ? sub : "",
		    sub ? "/" : "", prefix, i);
		mkfile(U(f, rel));
	}
}

void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

/* A whole file, as it is (no '\r' removed); "" if it cannot be read. */
char *
read_raw(const char *path, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (buf == NULL)
		abort();
	while (fd >= 0) {
		if (cap - len < 2048 && (buf = realloc(buf, cap *= 2)) == NULL)
			abort();
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Entries in a directory, "." and ".." aside. */
int
count_dir(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	if (d == NULL)
		fail_msg("opendir %s: %s", path, strerror(errno));
	for (struct dirent *de; (de = readdir(d)) != NULL; )
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

void
nap(void)
{
	sleep_ms(5);
}

/* ---- processes ---- */

int
tmpfd(void)
{
	char path[] = "/tmp/mmpclean-e2e-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/*
 * Everything in fd from the start, as it is, NUL-terminated; its length in
 * *lenp.  pread: the offset is shared with a child still writing to it.
 */
static char *
slurp_raw(int fd, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
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
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Everything in fd from the start, '\r' removed, NUL-terminated. */
char *
slurp(int fd)
{
	size_t len;
	char *buf = slurp_raw(fd, &len), *s, *d;

	for (s = d = buf; s < buf + len; s++)
		if (*s != '\r')
			*d++ = *s;
	*d = '\0';
	return buf;
}

/*
 * Starts argv in its own process group with env ("NAME=VALUE", NULL-ended,
 * may be NULL) added; stdio given as descriptors, out < 0 for a closed
 * standard output.
 */
static pid_t
spawn_env(const char *const argv[], const char *const *env, const char *cwd,
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
	    (out >= 0 ? dup2(out, 1) < 0 : close(1) != 0) || dup2(err, 2) < 0)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

pid_t
spawn(const char *const argv[], const char *cwd, int in, int out, int err)
{
	return spawn_env(argv, NULL, cwd, in, out, err);
}

/* Waits at most ms for pid; kills its process group after that. */
int
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

/* Whether a process has ended, without reaping it. */
int
has_ended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return 1;
	return si.si_pid == pid;
}

void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	free(r->raw);
	r->out = r->err = r->raw = NULL;
	r->rawlen = 0;
}

static char **
strv_dup(const char *const *v)
{
	size_t n = 0;
	char **c;

	while (v != NULL && v[n] != NULL)
		n++;
	if (v == NULL || (c = calloc(n + 1, sizeof *c)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((c[i] = strdup(v[i])) == NULL)
			abort();
	return c;
}

static void
strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Standard streams as j's copies say, and the process. */
static int
job_spawn(struct job *j)
{
	struct stat sb;

	j->in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (j->path == NULL)
		j->out = tmpfd();
	else if (strcmp(j->path, "-") == 0)
		j->out = -1;
	else
		j->out = open(j->path, O_WRONLY | O_CLOEXEC);
	j->err = tmpfd();
	if (j->in < 0 || j->err < 0 || (j->out < 0 &&
	    (j->path == NULL || strcmp(j->path, "-") != 0))) {
		fprintf(stderr, "e2e: cannot set up stdio: %s\n",
		    strerror(errno));
		abort();
	}
	j->outsize = j->path != NULL && j->out >= 0 &&
	    fstat(j->out, &sb) == 0 ? sb.st_size : -1;
	j->reaped = 0;
	j->t0 = now_ms();
	j->pid = spawn_env((const char *const *)j->argv,
	    (const char *const *)j->env, j->cwd, j->in, j->out, j->err);
	return j->pid < 0 ? -1 : 0;
}

static void
job_close(struct job *j)
{
	close(j->in);
	if (j->out >= 0)
		close(j->out);
	close(j->err);
}

static int
job_start_env(struct job *j, struct run *r, const char *const argv[],
    const char *const *env, const char *cwd, const char *outpath)
{
	size_t len = 0;

	run_free(r);
	r->restarts = 0;
	r->cmd[0] = '\0';
	for (const char *const *a = argv; *a != NULL; a++) {
		int n = snprintf(r->cmd + len, sizeof r->cmd - len, "%s%s",
		    a == argv ? "" : " ", *a);
		if (n < 0 || (size_t)n >= sizeof r->cmd - len)
			break;
		len += (size_t)n;
	}
	memset(j, 0, sizeof *j);
	j->r = r;
	j->outpath = outpath != NULL;
	j->argv = strv_dup(argv);
	j->env = strv_dup(env);
	if ((cwd != NULL && (j->cwd = strdup(cwd)) == NULL) ||
	    (outpath != NULL && (j->path = strdup(outpath)) == NULL))
		abort();
	return job_spawn(j);
}

int
job_start(struct job *j, struct run *r, const char *const argv[],
    const char *cwd, const char *outpath)
{
	return job_start_env(j, r, argv, NULL, cwd, outpath);
}

/* Whether an ended job wrote nothing at all (unknown: no). */
static int
job_silent(const struct job *j)
{
	struct stat sb;

	if (fstat(j->err, &sb) != 0 || sb.st_size != 0)
		return 0;
	if (j->path == NULL)
		return fstat(j->out, &sb) == 0 && sb.st_size == 0;
	if (strcmp(j->path, "-") == 0)
		return 0;	/* nothing to look at */
	return j->outsize == 0 && stat(j->path, &sb) == 0 && sb.st_size == 0;
}

int
job_retry(struct job *j)
{
	uint64_t ms;

	if (j->pid <= 0)
		return 0;
	if (!j->reaped) {
		if (!has_ended(j->pid))
			return 0;
		j->status = reap(j->pid, RUN_MS);
		j->reaped = 1;
	}
	if (!j->retry || j->status != 1 || !job_silent(j))
		return 0;
	ms = now_ms() - j->t0;
	if (j->r->restarts > 0) {
		fprintf(stderr, "e2e: %s: exit status 1 after %llu ms with no "
		    "output, again: Wine failed to start it twice\n", j->r->cmd,
		    (unsigned long long)ms);
		return 0;
	}
	fprintf(stderr, "e2e: %s: exit status 1 after %llu ms with no output "
	    "at all: Wine did not start it; starting it again\n", j->r->cmd,
	    (unsigned long long)ms);
	job_close(j);
	j->r->restarts++;
	if (job_spawn(j) != 0) {
		j->reaped = 1;
		j->status = -1;
	}
	return 1;
}

int
job_wait(struct job *j, int ms)
{
	struct run *r = j->r;

	for (;;) {
		if (j->pid < 0)
			r->status = -1;
		else if (j->reaped)
			r->status = j->status;
		else
			r->status = reap(j->pid, ms);
		if (r->status < 0 || j->pid < 0)
			break;
		j->reaped = 1;
		j->status = r->status;
		if (!job_retry(j))
			break;
	}
	r->ms = now_ms() - j->t0;
	if (j->outpath) {
		r->out = strdup("");
		r->raw = strdup("");
	} else {
		r->out = slurp(j->out);
		r->raw = slurp_raw(j->out, &r->rawlen);
	}
	r->err = slurp(j->err);
	job_close(j);
	strv_free(j->argv);
	strv_free(j->env);
	free(j->cwd);
	free(j->path);
	j->argv = j->env = NULL;
	j->cwd = j->path = NULL;
	j->pid = 0;
	return r->status == -1 ? -1 : 0;
}

/* Runs argv to completion; 0, or -1 if it could not start or timed out. */
int
run_cmd(struct run *r, const char *const argv[], const char *cwd,
    const char *outpath, int ms)
{
	struct job j;

	job_start(&j, r, argv, cwd, outpath);
	return job_wait(&j, ms);
}

int
tool(struct run *r, const char *const argv[])
{
	if (run_cmd(r, argv, NULL, NULL, RUN_MS) != 0) {
		dump(r);
		fail_msg("%s: did not finish within %d s", r->cmd,
		    RUN_MS / 1000);
	}
	return r->status;
}

void
run_ok(const char *const argv[])
{
	struct run r = { .out = NULL };

	if (tool(&r, argv) != 0) {
		dump(&r);
		fail_msg("%s failed", r.cmd);
	}
	run_free(&r);
}

void
dump(const struct run *r)
{
	print_message("command: %s\nexit status: %d after %llu ms%s\n"
	    "--- stdout ---\n%.4000s\n--- stderr ---\n%.6000s\n"
	    "--------------\n", r->cmd, r->status, (unsigned long long)r->ms,
	    r->restarts > 0 ? " (started again: Wine failed to start it)" :
	    "", r->out, r->err);
}

/* Whether a run with these arguments starts workers: it scans files. */
static int
probes_files(const char *const *args)
{
	static const char *const none[] = { "--where", "--configure",
		"--unconfigure", "--install-eventlog", "--uninstall-eventlog",
		"--version", "-V", "--help", "-h", "/?", NULL };

	for (; *args != NULL; args++)
		for (const char *const *o = none; *o != NULL; o++)
			if (strcmp(*args, *o) == 0)
				return 0;
	return 1;
}

static void
mm_argv(const char *argv[64], const char *const *args)
{
	const char *serial;
	size_t n = 0;

	argv[n++] = "wine";
	argv[n++] = g_exe;
	/*
	 * E2E_SERIAL=1: no worker threads (the 32-bit pass where Wine's
	 * 32-bit loader runs under qemu-i386, whose threads share one
	 * descriptor table: tests/x86/tls-probe.s), in the runs that would
	 * start them: the others refuse --threads.
	 */
	if ((serial = getenv("E2E_SERIAL")) != NULL &&
	    strcmp(serial, "1") == 0 && probes_files(args)) {
		argv[n++] = "--threads";
		argv[n++] = "1";
	}
	while (*args != NULL && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
}

/* `wine mmpclean.exe args...` in the test directory. */
struct run *
mmenv(struct fx *f, const char *const *env, const char *outpath,
    const char *const *args)
{
	const char *argv[64];
	struct job j;

	mm_argv(argv, args);
	if (job_start_env(&j, &f->r, argv, env, f->udir, outpath) != 0 ||
	    (j.retry = 1, job_wait(&j, RUN_MS)) != 0) {
		dump(&f->r);
		fail_msg("%s: did not finish within %d s", f->r.cmd,
		    RUN_MS / 1000);
	}
	return &f->r;
}

struct run *
mmv(struct fx *f, const char *outpath, const char *const *args)
{
	return mmenv(f, NULL, outpath, args);
}

/* The same in the background. */
void
mm_start_env(struct fx *f, struct job *j, struct run *r,
    const char *const *env, const char *outpath, const char *const *args)
{
	const char *argv[64];

	mm_argv(argv, args);
	if (job_start_env(j, r, argv, env, f->udir, outpath) != 0)
		fail_msg("fork: %s", strerror(errno));
	j->retry = 1;
	bg_add(f, j->pid);
}

void
mm_start(struct fx *f, struct job *j, struct run *r, const char *outpath,
    const char *const *args)
{
	mm_start_env(f, j, r, NULL, outpath, args);
}

void
mm_wait(struct fx *f, struct job *j)
{
	pid_t pid = j->pid;

	if (job_wait(j, RUN_MS) != 0) {
		bg_forget(f, pid);
		dump(j->r);
		fail_msg("%s: did not finish within %d s", j->r->cmd,
		    RUN_MS / 1000);
	}
	bg_forget(f, pid);
}

/* Occurrences of needle in hay. */
int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p != NULL;
	    p = strstr(p + 1, needle))
		n++;
	return n;
}

void
mm_await_n(struct fx *f, struct job *j, const char *text, int n)
{
	for (uint64_t end = now_ms() + RUN_MS; ; sleep_ms(10)) {
		char *err = slurp(j->err);
		int found = count_str(err, text) >= n;

		free(err);
		if (found)
			return;
		if (has_ended(j->pid)) {
			pid_t old = j->pid;

			if (job_retry(j)) {
				bg_forget(f, old);
				bg_add(f, j->pid);
				end = now_ms() + RUN_MS;
				continue;
			}
			mm_wait(f, j);
			dump(j->r);
			fail_msg("%s ended before saying \"%s\"%s", j->r->cmd,
			    text, n > 1 ? " often enough" : "");
		}
		if (now_ms() > end)
			fail_msg("%s: no \"%s\" (%d times) within %d s",
			    j->r->cmd, text, n, RUN_MS / 1000);
	}
}

void
mm_await(struct fx *f, struct job *j, const char *text)
{
	mm_await_n(f, j, text, 1);
}

/* Background processes a failed test leaves are killed by the teardown. */
void
bg_add(struct fx *f, pid_t pid)
{
	for (int i = 0; i < MAXBG; i++)
		if (f->bg[i] == 0) {
			f->bg[i] = pid;
			return;
		}
	fail_msg("too many background processes");
}

void
bg_forget(struct fx *f, pid_t pid)
{
	for (int i = 0; i < MAXBG; i++)
		if (f->bg[i] == pid)
			f->bg[i] = 0;
}

/* ---- reading mmpclean's output ---- */

/*
 * Counts the lines "STATUS<spaces>PATH" or "STATUS<spaces>PATH  (why)";
 * status NULL matches any status, icase compares the path ignoring case.
 */
int
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

int
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
const char *
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
int
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

/* Whether out has the whole line want, icase: ignoring case. */
static int
find_line(const char *out, const char *want, int icase)
{
	size_t n = strlen(want);

	for (const char *l = out; *l != '\0'; ) {
		const char *eol = strchr(l, '\n');

		if (eol == NULL)
			eol = l + strlen(l);
		if ((size_t)(eol - l) == n && (icase ? strncasecmp(l, want, n) :
		    strncmp(l, want, n)) == 0)
			return 1;
		l = *eol != '\0' ? eol + 1 : eol;
	}
	return 0;
}

int
has_line(const char *out, const char *want)
{
	return find_line(out, want, 0);
}

/* A --where line: "PATH  (SOURCE)". */
int
has_where(const char *out, const char *path, const char *source)
{
	char want[PATH_MAX];

	fmt(want, sizeof want, "%s  (%s)", path, source);
	return find_line(out, want, 1);
}

int
count_all_lines(const char *out)
{
	int n = 0;

	for (; *out != '\0'; out++)
		if (*out == '\n')
			n++;
	return n;
}

int
diag_ok(const char *err)
{
	return strncmp(err, "mmpclean: ", 10) == 0;
}

/* ---- registry, through `wine reg` ---- */

static const char *
view_flag(int view)
{
	return view == 32 ? "/reg:32" : "/reg:64";
}

/* `reg query KEY [/v NAME]` in a view: its exit status, output in *r. */
int
reg_show(struct run *r, const char *key, const char *name, int view)
{
	const char *with[] = { "wine", "reg", "query", key, "/v", name,
	    view_flag(view), NULL };
	const char *without[] = { "wine", "reg", "query", key, view_flag(view),
	    NULL };

	return tool(r, name != NULL ? with : without);
}

/*
 * The data of value name as `reg query` prints it ("    NAME    TYPE
 * DATA"), malloc'd, or NULL when absent; its type must be type.
 */
char *
reg_data(const char *key, const char *name, const char *type, int view)
{
	struct run r = { .out = NULL };
	char want[256];
	char *data = NULL;

	if (reg_show(&r, key, name, view) == 0) {
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

/* Deletes a key or a value, quietly: it may well not be there. */
void
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

void
reg_cleanup(struct fx *f, const char *key, const char *name, int view)
{
	if (f->nreg == MAXREG)
		fail_msg("too many registry clean-ups");
	f->reg[f->nreg].key = key;
	f->reg[f->nreg].name = name;
	f->reg[f->nreg++].view = view;
}

void
reg_del(int view)
{
	reg_remove(REGKEY, "ProfileDirectory", view);
}

int
reg_query(int view, struct run *r)
{
	return reg_show(r, REGKEY, "ProfileDirectory", view);
}

/*
 * Sets ProfileDirectory in one view.  The first value per view and every
 * unusual one is read back, so a test never rests on a write that failed.
 */
void
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
 * Starts holdlock.exe on the files rels (names in the test directory, or
 * full Windows paths) and waits until it holds them.  share and access may
 * be NULL for the defaults (no sharing, GENERIC_READ).  Returns its slot.
 */
int
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
	/* a full Windows path (C:\... or \\host\share\...) as it is */
	for (; *rels != NULL && n < 2099; rels++)
		if ((argv[n++] = strdup((*rels)[0] == '\\' ||
		    ((*rels)[0] != '\0' && (*rels)[1] == ':') ? *rels :
		    W(f, *rels))) == NULL)
			abort();
	argv[n] = NULL;

	/*
	 * holdlock, once started, exits only with 2 or 3 and a message, or
	 * when told to: an exit 1 in silence is Wine failing to start it.
	 */
	for (int attempt = 0; ; attempt++) {
		if (pipe2(p, O_CLOEXEC) != 0 || (h->errfd = tmpfd()) < 0 ||
		    (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
			fail_msg("holder set-up: %s", strerror(errno));
		h->pid = spawn(argv, NULL, p[0], devnull, h->errfd);
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
				close(h->fd);
				close(h->errfd);
				if (attempt == 0 && WIFEXITED(st) &&
				    WEXITSTATUS(st) == 1 && err[0] == '\0') {
					fprintf(stderr, "e2e: holdlock exited 1 "
					    "in silence: Wine did not start it; "
					    "starting it again\n");
					free(err);
					break;
				}
				print_message("holdlock exit %d, stderr: %s\n",
				    WIFEXITED(st) ? WEXITSTATUS(st) : -1, err);
				free(err);
				fail_msg("holdlock exited before holding its "
				    "files");
			}
			if (now_ms() > end)
				fail_msg("holdlock not ready after %d s",
				    READY_MS / 1000);
		}
		if (h->pid != 0)
			break;
	}
	for (size_t i = first; i < n; i++)
		free((char *)argv[i]);
	return slot;
}

/* Closes the holder's stdin; returns its exit status. */
int
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

/* ---- Python, to read the reports as their consumers will ---- */

/* docs/report.schema.json in the source tree (ROOT/build/holdlock.exe). */
static const char *
schema_path(void)
{
	static char path[PATH_MAX];
	char *slash;

	fmt(path, sizeof path, "%s", g_holdlock);
	for (int i = 0; i < 2; i++)
		if ((slash = strrchr(path, '/')) != NULL)
			*slash = '\0';
	fmt(path + strlen(path), sizeof path - strlen(path),
	    "/docs/report.schema.json");
	return path;
}

void
python(struct fx *f, const char *script, const char *const *args)
{
	const char *argv[16];
	struct run r = { .out = NULL };
	size_t n = 0;

	/* Debian's, with python3-jsonschema (.ci/deps): not another on PATH */
	argv[n++] = "/usr/bin/python3";
	argv[n++] = "-c";
	argv[n++] = script;
	while (*args != NULL && n < 14)
		argv[n++] = *args++;
	argv[n++] = schema_path();	/* always the last argument */
	argv[n] = NULL;
	if (run_cmd(&r, argv, f->uout, NULL, RUN_MS) != 0 || r.status != 0) {
		print_message("python3 exit %d\n--- stdout ---\n%.6000s\n"
		    "--- stderr ---\n%.4000s\n", r.status, r.out, r.err);
		run_free(&r);
		fail_msg("the Python check failed");
	}
	run_free(&r);
}

/* ---- fixtures ---- */

/*
 * Creates C:\windows\e2e-<test>.mmp, removed again by the teardown, and
 * returns its Windows path.
 */
const char *
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
const char *
win_dir(struct fx *f, const char *name)
{
	if (f->nclean == MAXCLEAN)
		fail_msg("too many clean-up paths");
	fmt(f->clean[f->nclean], PATH_MAX, "%s/%s", g_windir, name);
	rm_rf(f->clean[f->nclean]);
	mkdir_p(f->clean[f->nclean]);
	return f->clean[f->nclean++];
}

int
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

int
teardown(void **state)
{
	struct fx *f = *state;
	int st;

	for (int i = 0; i < MAXBG; i++)
		if (f->bg[i] > 0) {
			kill(-f->bg[i], SIGKILL);
			kill(f->bg[i], SIGKILL);
			waitpid(f->bg[i], &st, 0);
		}
	for (int i = 0; i < MAXHOLD; i++)
		release(f, i);
	if (f->reg_used) {
		reg_del(64);
		reg_del(32);
	}
	for (int i = 0; i < f->nreg; i++)
		reg_remove(f->reg[i].key, f->reg[i].name, f->reg[i].view);
	rm_rf(f->udir);
	rm_rf(f->uout);
	for (int i = 0; i < f->nclean; i++)
		rm_rf(f->clean[i]);
	run_free(&f->r);
	free(f);
	return 0;
}

/* ---- the run ---- */

int
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

static const char *const kill_server[] = { "wineserver", "-k", NULL };
static const char *const wait_server[] = { "wineserver", "-w", NULL };

static int
make_prefix(void)
{
	static const char *const boot[] = { "wineboot", "-i", NULL };

	fprintf(stderr, "e2e: creating the Wine prefix %s\n", g_prefix);
	if (wine_tool(boot, BOOT_MS) != 0)
		return -1;
	wine_tool(wait_server, RUN_MS);
	return 0;
}

/* Whether the exe under test is a 32-bit (i386) PE file. */
static int
exe_is_x86(void)
{
	unsigned char h[4096];
	FILE *fp = fopen(g_exe, "rb");
	size_t n = fp != NULL ? fread(h, 1, sizeof h, fp) : 0;
	uint32_t pe;

	if (fp != NULL)
		fclose(fp);
	if (n < 0x40 || h[0] != 'M' || h[1] != 'Z')
		return 0;
	pe = h[0x3c] | h[0x3d] << 8 | (uint32_t)h[0x3e] << 16 |
	    (uint32_t)h[0x3f] << 24;
	return pe + 6 <= n && memcmp(h + pe, "PE\0\0", 4) == 0 &&
	    h[pe + 4] == 0x4c && h[pe + 5] == 0x01;
}

/*
 * Whether `wine cmd /c echo ok` says ok (asked twice: a start may fail);
 * for a 32-bit exe, the 32-bit cmd.exe too, since a prefix made without
 * 32-bit Wine starts 64-bit programs only.
 */
static int
prefix_works(void)
{
	static const char *const echo[] = { "wine", "cmd", "/c", "echo", "ok",
	    NULL };
	static const char *const echo32[] = { "wine",
	    "C:\\windows\\syswow64\\cmd.exe", "/c", "echo", "ok", NULL };
	struct run r = { .out = NULL };
	int x86 = exe_is_x86();

	for (int k = 0; k < 1 + x86; k++)
		for (int i = 0; i < 2; i++) {
			int ok = run_cmd(&r, k ? echo32 : echo, NULL, NULL,
			    BOOT_MS) == 0 && r.status == 0 &&
			    strcmp(r.out, "ok\n") == 0;

			if (ok)
				break;
			fprintf(stderr, "e2e: %s: exit %d after %llu ms\n"
			    "%.2000s%.2000s", r.cmd, r.status,
			    (unsigned long long)r.ms, r.out, r.err);
			if (i == 1) {
				run_free(&r);
				return 0;
			}
		}
	run_free(&r);
	return 1;
}

int
group_setup(void **state)
{
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
	fmt(root, sizeof root, "%s", self);	/* ROOT/build/e2e... */
	for (int i = 0; i < 2; i++)
		if ((slash = strrchr(root, '/')) != NULL)
			*slash = '\0';
	/* MMPCLEAN_EXE: run the suite against another build. */
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
	if (access(path, F_OK) != 0 && make_prefix() != 0)
		return -1;
	/* 2: a server is already running; fine, only slower. */
	st = wine_tool(persist, RUN_MS);
	if (st != 0 && st != 2)
		return -1;
	/*
	 * A prefix Wine cannot start programs in (one made before wine32
	 * was installed: "could not load kernel32.dll, status c0000135"; for
	 * a 32-bit exe, one made without 32-bit Wine) is made again, once.
	 */
	if (!prefix_works()) {
		fprintf(stderr, "e2e: the Wine prefix %s cannot start a program "
		    "(its cmd /c echo ok failed twice); making it again\n",
		    g_prefix);
		wine_tool(kill_server, RUN_MS);
		wine_tool(wait_server, RUN_MS);
		rm_rf(g_prefix);
		if (exists(g_prefix)) {
			fprintf(stderr, "e2e: cannot remove %s\n", g_prefix);
			return -1;
		}
		if (make_prefix() != 0)
			return -1;
		st = wine_tool(persist, RUN_MS);
		if ((st != 0 && st != 2) || !prefix_works()) {
			fprintf(stderr, "e2e: the new prefix %s cannot start a "
			    "program either\n", g_prefix);
			return -1;
		}
	}

	reg_del(64);
	reg_del(32);
	fmt(path, sizeof path, "%s/e2e", g_drive_c);
	mkdir(path, 0777);
	return 0;
}

int
group_teardown(void **state)
{
	char path[PATH_MAX];

	(void)state;
	reg_del(64);
	reg_del(32);
	fmt(path, sizeof path, "%s/e2e", g_drive_c);
	rmdir(path);
	wine_tool(kill_server, RUN_MS);
	/* Gone before the next suite asks for a persistent server. */
	wine_tool(wait_server, RUN_MS);
	return 0;
}

/*
 * Runs the group.  E2E_FILTER (one glob, cmocka's) or E2E_CASES (test
 * names, space-separated: make e2e-x86's core cases) choose the tests; a
 * name in E2E_CASES that no test has is an error, so that a renamed test
 * cannot drop out of the list unseen.
 */
int
run_group(const char *name, const struct CMUnitTest *tests, size_t n)
{
	const char *cases = getenv("E2E_CASES");
	struct CMUnitTest *sel;
	char *words, *w, *save = NULL;
	unsigned char *on;
	size_t k = 0;
	int rc;

	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	if (cases == NULL || cases[0] == '\0')
		return _cmocka_run_group_tests(name, tests, n, group_setup,
		    group_teardown);
	sel = calloc(n, sizeof *sel);
	on = calloc(n, 1);
	words = strdup(cases);
	if (sel == NULL || on == NULL || words == NULL)
		abort();
	for (w = strtok_r(words, " \t\n", &save); w != NULL;
	    w = strtok_r(NULL, " \t\n", &save)) {
		size_t i = 0;

		while (i < n && strcmp(tests[i].name, w) != 0)
			i++;
		if (i == n) {
			fprintf(stderr, "e2e: E2E_CASES names %s, which %s does "
			    "not have\n", w, name);
			return 1;
		}
		on[i] = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (on[i])
			sel[k++] = tests[i];
	rc = _cmocka_run_group_tests(name, sel, k, group_setup,
	    group_teardown);
	free(words);
	free(on);
	free(sel);
	return rc;
}

/*
 * End-to-end tests of --computer under Wine: many servers scanned from
 * one workstation, each by a child run (--one-computer NAME).
 *
 * Wine reaches \\HOST\SHARE through $WINEPREFIX/dosdevices/unc/HOST/SHARE
 * links (case-insensitive), so a simulated host is a link unc/web01/C$ to
 * the prefix's C: (or to a root of its own, so that hosts differ).  Wine's
 * remote registry answers only for this computer's own name (any case) and
 * fails with error 53 for any other, as Windows does with Remote Registry
 * stopped: --computer <own name> runs the whole remote-registry path,
 * another name without --dir the unreachable one.  The own name is what
 * Wine gives %COMPUTERNAME%, asked once.  The harness (harness.h) says
 * how tests run; the unc links are removed after every test.
 */
#include <ctype.h>
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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#define LONG_MS		(240 * 1000)	/* a run over a few dozen hosts */
#define NMANY		30		/* simulated hosts for --parallel */
#define ENV_KEY		"HKLM\\System\\CurrentControlSet\\Control\\" \
			"Session Manager\\Environment"
#define CUR_KEY		"HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion"
#define REMOTE_53	"the computer cannot be found, or its Remote " \
			"Registry service is not running"

static char g_own[64];		/* this computer's name, as Wine has it */
static char g_unc[PATH_MAX];	/* $WINEPREFIX/dosdevices/unc */
static char g_sysroot[PATH_MAX];	/* CurrentVersion\SystemRoot, as found */
static int g_sysroot_changed;

/* ---- simulated hosts ---- */

/* \\name\C$ is target (a Unix path, or relative to unc/name). */
static void
host_at(const char *name, const char *target)
{
	char dir[PATH_MAX], link[PATH_MAX];

	fmt(dir, sizeof dir, "%s/%s", g_unc, name);
	mkdir_p(dir);
	fmt(link, sizeof link, "%s/C$", dir);
	unlink(link);
	if (symlink(target, link) != 0)
		fail_msg("symlink %s: %s", link, strerror(errno));
}

/* \\name\C$ is this prefix's C:. */
static void
host(const char *name)
{
	host_at(name, "../../c:");
}

/*
 * \\name\C$ is a root of its own, <test>.out/roots/name, holding a
 * directory x: --dir C:\x is a different directory on each such host.
 * Returns the Unix path of x.
 */
static const char *
host_own(struct fx *f, const char *name)
{
	char root[PATH_MAX], *x = ring();

	fmt(root, sizeof root, "%s/roots/%s", f->uout, name);
	fmt(x, PATH_MAX, "%s/x", root);
	mkdir_p(x);
	host_at(name, root);
	return x;
}

/* Whether raw (len bytes) is CRLF lines only: no bare LF, no other CR. */
static int
crlf_only(const char *raw, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			return 0;
		if (raw[i] == '\r' && (i + 1 == len || raw[i + 1] != '\n'))
			return 0;
	}
	return len > 0;
}

/* \\host\C$\e2e\<test>\rel: rel in the test directory, through host. */
static const char *
R(const struct fx *f, const char *hostname, const char *rel)
{
	char *p = ring();

	fmt(p, PATH_MAX, "\\\\%s\\C$%s%s%s", hostname, f->wdir + 2,
	    rel ? "\\" : "", rel ? rel : "");
	return p;
}

/* ---- reading the fleet's text report ---- */

static int
is_file_line(const char *l)
{
	static const char *const st[] = { "unlocked  ", "deleted   ",
	    "locked    ", "pending   ", "read-only ", "skipped   ",
	    "error     ", "young     " };

	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
		if (strncmp(l, st[i], strlen(st[i])) == 0)
			return 1;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * text with every run of file lines sorted (a directory's listing order
 * is the file system's), everything else in place; malloc'd.
 */
static char *
normalise(const char *text)
{
	size_t n = 0, cap = 16, len = strlen(text);
	char **v = malloc(cap * sizeof *v), *out = malloc(len + 2), *o = out;
	const char *l = text;

	if (v == NULL || out == NULL)
		abort();
	while (*l != '\0') {
		const char *eol = strchr(l, '\n');
		size_t ll = eol ? (size_t)(eol - l) : strlen(l);

		if (n == cap && (v = realloc(v, (cap *= 2) * sizeof *v)) == NULL)
			abort();
		if ((v[n++] = strndup(l, ll)) == NULL)
			abort();
		l += ll + (eol != NULL);
	}
	for (size_t i = 0; i < n; ) {
		size_t j = i;

		while (j < n && is_file_line(v[j]))
			j++;
		if (j > i)
			qsort(v + i, j - i, sizeof *v, cmp_str);
		i = j > i ? j : i + 1;
	}
	for (size_t i = 0; i < n; i++) {
		o += sprintf(o, "%s\n", v[i]);
		free(v[i]);
	}
	*o = '\0';
	free(v);
	return out;
}

/* stdout is exactly want, up to the order of files within a directory. */
static void
expect_report(struct run *r, const char *want)
{
	char *got = normalise(r->out), *exp = normalise(want);

	if (strcmp(got, exp) != 0) {
		dump(r);
		print_message("--- expected (files sorted) ---\n%s"
		    "--- got (files sorted) ---\n%s", exp, got);
		free(got);
		free(exp);
		fail_msg("stdout is not the report expected");
	}
	free(got);
	free(exp);
}

/* A growing text, for the report a test expects. */
struct text {
	char *s;
	size_t len, cap;
};

static void
add(struct text *t, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *f, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, f);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
		    t->s ? t->cap - t->len : 0, f, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (t->s != NULL && t->len + (size_t)n < t->cap)
			break;
		t->cap = (t->cap + (size_t)n + 1) * 2;
		if ((t->s = realloc(t->s, t->cap)) == NULL)
			abort();
		t->s[t->len] = '\0';
	}
	t->len += (size_t)n;
}

/* A host's summary line: "NAME: N .mmp files in 1 directory: ..." */
static void
add_summary(struct text *t, const char *name, int files, int dirs,
    const char *done, int ndone, int locked, int ro, int errors)
{
	add(t, "%s: %d .mmp file%s in %d director%s: %d %s, %d locked, "
	    "%d read-only, 0 skipped, %d errors%s\n", name, files,
	    files == 1 ? "" : "s", dirs, dirs == 1 ? "y" : "ies", ndone, done,
	    locked, ro, errors, dirs == 0 ? "; 1 directory could not be "
	    "scanned" : "");
}

/* ---- runs ---- */

/* mmpclean with standard input from inpath (the harness gives /dev/null). */
static struct run *
mm_stdin(struct fx *f, const char *inpath, const char *const *args)
{
	const char *argv[64];
	struct run *r = &f->r;
	size_t n = 0, len = 0;
	int in, out = -1, err = -1;

	argv[n++] = "wine";
	argv[n++] = g_exe;
	while (*args != NULL && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		pid_t pid;

		run_free(r);
		r->cmd[0] = '\0';
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(r->cmd + len, len < sizeof r->cmd ?
			    sizeof r->cmd - len : 0, "%s%s", i ? " " : "",
			    argv[i]);
		len = 0;
		if ((in = open(inpath, O_RDONLY | O_CLOEXEC)) < 0 ||
		    (out = tmpfd()) < 0 || (err = tmpfd()) < 0)
			fail_msg("set-up: %s", strerror(errno));
		pid = spawn(argv, f->udir, in, out, err);
		r->status = reap(pid, RUN_MS);
		r->out = slurp(out);
		r->err = slurp(err);
		r->raw = strdup("");
		close(in);
		close(out);
		close(err);
		/* Wine failing to start it: exit 1 and not a word (harness.h) */
		if (r->status != 1 || r->out[0] != '\0' || r->err[0] != '\0')
			break;
		fprintf(stderr, "e2e: %s: exit 1 with no output; again\n",
		    r->cmd);
	}
	if (r->status < 0) {
		dump(r);
		fail_msg("%s: did not finish", r->cmd);
	}
	return r;
}

#define MM_STDIN(f, in, ...) mm_stdin((f), (in), ARGS(__VA_ARGS__))

/* A long run (many hosts): started, then waited for LONG_MS. */
static struct run *
mm_long(struct fx *f, struct run *r, const char *const *args)
{
	struct job j;
	pid_t pid;

	mm_start(f, &j, r, NULL, args);
	pid = j.pid;
	if (job_wait(&j, LONG_MS) != 0) {
		bg_forget(f, pid);
		dump(r);
		fail_msg("%s: did not finish within %d s", r->cmd,
		    LONG_MS / 1000);
	}
	bg_forget(f, pid);
	return r;
}

/*
 * Waits until this suite's mmpclean.exe runs for host name (a child run:
 * "--one-computer NAME"); its pid.  Wine starts a child made with
 * CREATE_NO_WINDOW (mmpclean's, when it has no console) in a session of
 * its own, so it is found by its command line, not its process group.
 */
static pid_t
await_child(const char *name)
{
	char want[128];

	fmt(want, sizeof want, "--one-computer %s", name);
	for (uint64_t end = now_ms() + RUN_MS; now_ms() < end; sleep_ms(50)) {
		char cmd[PATH_MAX];
		FILE *fp = popen("ps -e -o pid=,args=", "r");
		pid_t pid = 0;

		if (fp == NULL)
			fail_msg("ps: %s", strerror(errno));
		while (fgets(cmd, sizeof cmd, fp) != NULL)
			if (strstr(cmd, g_exe_win) != NULL &&
			    strstr(cmd, want) != NULL)
				pid = (pid_t)atol(cmd);
		pclose(fp);
		if (pid > 0)
			return pid;
	}
	fail_msg("%s's run did not start within %d s", name, RUN_MS / 1000);
	return 0;
}

/* ---- set-up ---- */

static void
restore_sysroot(void)
{
	const char *argv[] = { "wine", "reg", "add", CUR_KEY, "/v",
	    "SystemRoot", "/t", "REG_SZ", "/d", g_sysroot, "/f", NULL };

	if (g_sysroot_changed && wine_tool(argv, RUN_MS) == 0)
		g_sysroot_changed = 0;
}

static int
fl_teardown(void **state)
{
	rm_rf(g_unc);
	restore_sysroot();
	return teardown(state);
}

#define TF(f) cmocka_unit_test_prestate_setup_teardown(f, setup, \
	fl_teardown, (void *)#f)

static int
fl_group_setup(void **state)
{
	static const char *const echo[] = { "wine", "cmd", "/c", "echo",
	    "%COMPUTERNAME%", NULL };
	struct run r = { .out = NULL };
	char *data;
	size_t n;

	if (group_setup(state) != 0)
		return -1;
	fmt(g_unc, sizeof g_unc, "%s/dosdevices/unc", g_prefix);
	rm_rf(g_unc);
	if (run_cmd(&r, echo, NULL, NULL, RUN_MS) != 0 || r.status != 0 ||
	    (n = strcspn(r.out, "\n")) == 0 || n >= sizeof g_own ||
	    r.out[0] == '%') {
		fprintf(stderr, "e2e_fleet: cannot read %%COMPUTERNAME%%: "
		    "exit %d, %s%s\n", r.status, r.out, r.err);
		run_free(&r);
		return -1;
	}
	memcpy(g_own, r.out, n);
	g_own[n] = '\0';
	run_free(&r);
	/* Wine's Windows directory, restored after a test changed it */
	data = reg_data(CUR_KEY, "SystemRoot", "REG_SZ", 64);
	if (data == NULL)
		return -1;
	fmt(g_sysroot, sizeof g_sysroot, "%s", data);
	free(data);
	return 0;
}

static int
fl_group_teardown(void **state)
{
	rm_rf(g_unc);
	restore_sysroot();
	return group_teardown(state);
}

/* ==== several simulated hosts ==== */

/*
 * --dir C:\x on three hosts that are one directory: each is scanned (the
 * "already scanned" identity is per host), in the order given (not sorted),
 * its lines together under its summary, then the fleet's line.
 */
static void
t_hosts_scanned_in_order_given(void **state)
{
	static const char *const order[] = { "web03", "web01", "web02" };
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "keep.txt"));
	for (int i = 0; i < 3; i++)
		host(order[i]);

	/* WEB03: web03 again, in another case: once */
	r = MM(f, "--computer", "web03,web01", "--computer", "\\\\web02,WEB03",
	    "--dir", f->wdir);
	expect_exit(r, 0);
	/* relayed with the line ends a local run writes: CRLF */
	if (!crlf_only(r->raw, r->rawlen)) {
		dump(r);
		fail_msg("stdout is not CRLF lines only");
	}
	for (int i = 0; i < 3; i++) {
		add(&want, "unlocked  %s\n", R(f, order[i], "a.mmp"));
		add(&want, "unlocked  %s\n", R(f, order[i], "b.mmp"));
		add_summary(&want, order[i], 2, 1, "unlocked", 2, 0, 0, 0);
	}
	add(&want, "3 computers: 3 clean, 0 locked, 0 failed, 0 unreachable\n");
	expect_report(r, want.s);
	expect_empty(r, err);
	free(want.s);
	expect_exists(U(f, "a.mmp"));
	expect_exists(U(f, "b.mmp"));
	expect_exists(U(f, "keep.txt"));
}

/*
 * --delete on two hosts that are one directory: the first deletes, the
 * second is scanned too and finds nothing left; nothing but *.mmp goes.
 */
static void
t_two_hosts_one_directory_delete(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	struct run *r;

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	mkfile(U(f, "keep.txt"));
	mkfile(U(f, "c.mmpx"));
	mkdir_p(U(f, "d.mmp"));
	mkdir_p(U(f, "sub"));
	mkfile(U(f, "sub/e.mmp"));
	host("web01");
	host("web02");

	r = MM(f, "--delete", "--computer", "web01,web02", "--dir", f->wdir);
	expect_exit(r, 0);
	add(&want, "deleted   %s\n", R(f, "web01", "a.mmp"));
	add(&want, "deleted   %s\n", R(f, "web01", "b.mmp"));
	add_summary(&want, "web01", 2, 1, "deleted", 2, 0, 0, 0);
	add_summary(&want, "web02", 0, 1, "deleted", 0, 0, 0, 0);
	add(&want, "2 computers: 2 clean, 0 locked, 0 failed, 0 unreachable\n");
	expect_report(r, want.s);
	free(want.s);
	expect_gone(U(f, "a.mmp"));
	expect_gone(U(f, "b.mmp"));
	expect_exists(U(f, "keep.txt"));
	expect_exists(U(f, "c.mmpx"));
	expect_exists(U(f, "d.mmp"));
	expect_exists(U(f, "sub/e.mmp"));
}

/*
 * DNS and IPv4 names are names (dots are not '..'); --dir C:\ is the
 * share's root, \\NAME\C$.
 */
static void
t_dns_and_ipv4_names_drive_root(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	char file[PATH_MAX];
	struct run *r;

	fmt(file, sizeof file, "%s/../a.mmp", host_own(f, "10.0.0.5"));
	mkfile(file);
	fmt(file, sizeof file, "%s/../b.mmp", host_own(f,
	    "web01.corp.example"));
	mkfile(file);
	fmt(file, sizeof file, "%s/../keep.txt", host_own(f,
	    "web01.corp.example"));
	mkfile(file);

	r = MM(f, "--delete", "--computer", "10.0.0.5,web01.corp.example",
	    "--dir", "C:\\");
	expect_exit(r, 0);
	add(&want, "deleted   \\\\10.0.0.5\\C$\\a.mmp\n");
	add_summary(&want, "10.0.0.5", 1, 1, "deleted", 1, 0, 0, 0);
	add(&want, "deleted   \\\\web01.corp.example\\C$\\b.mmp\n");
	add_summary(&want, "web01.corp.example", 1, 1, "deleted", 1, 0, 0, 0);
	add(&want, "2 computers: 2 clean, 0 locked, 0 failed, 0 unreachable\n");
	expect_report(r, want.s);
	free(want.s);
	expect_exists(file);
	expect_gone(U(f, "../dns_and_ipv4_names_drive_root.out/roots/10.0.0.5/"
	    "a.mmp"));
}

/* ==== this computer's own name: the remote registry ==== */

/*
 * ProfileDirectory in both views, read through RegConnectRegistryW:
 * --where shows each as \\NAME\C$\..., and the scan goes through them.
 */
static void
t_own_host_registry_both_views(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	char p64[PATH_MAX], p32[PATH_MAX], lower[64], given[80];
	struct run *r;

	mkdir_p(U(f, "v64"));
	mkdir_p(U(f, "v32"));
	mkfile(U(f, "v64/a.mmp"));
	mkfile(U(f, "v32/b.mmp"));
	fmt(p64, sizeof p64, "%s", W(f, "v64"));
	fmt(p32, sizeof p32, "%s", W(f, "v32"));
	reg_set(f, 64, "REG_SZ", p64);
	reg_set(f, 32, "REG_SZ", p32);
	host(g_own);

	/* the name in lower case, with a leading \\: the same computer */
	fmt(lower, sizeof lower, "%s", g_own);
	for (char *p = lower; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	fmt(given, sizeof given, "\\\\%s", lower);
	r = MM(f, "--where", "--computer", given);
	expect_exit(r, 0);
	add(&want, "%s  (registry, 64-bit view)\n", R(f, lower, "v64"));
	add(&want, "%s  (registry, 32-bit view)\n", R(f, lower, "v32"));
	expect_report(r, want.s);
	want.len = 0;

	r = MM(f, "--delete", "--computer", g_own);
	expect_exit(r, 0);
	add(&want, "deleted   %s\n", R(f, g_own, "v64\\a.mmp"));
	add(&want, "deleted   %s\n", R(f, g_own, "v32\\b.mmp"));
	add_summary(&want, g_own, 2, 2, "deleted", 2, 0, 0, 0);
	add(&want, "1 computer: 1 clean, 0 locked, 0 failed, 0 unreachable\n");
	expect_report(r, want.s);
	free(want.s);
	expect_gone(U(f, "v64/a.mmp"));
	expect_gone(U(f, "v32/b.mmp"));
}

/*
 * REG_EXPAND_SZ is expanded with the host's values, read from its
 * registry: %SystemRoot% is its CurrentVersion\SystemRoot (changed here,
 * so that it is not this computer's Windows directory), %SystemDrive% its
 * drive; a variable only this workstation's environment has is no value
 * of the host's (an error, exit 3), though a local run expands it.
 */
static void
t_own_host_expand_sz_with_its_values(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	char root[PATH_MAX], val[PATH_MAX];
	const char *set_root[] = { "wine", "reg", "add", CUR_KEY, "/v",
	    "SystemRoot", "/t", "REG_SZ", "/d", root, "/f", NULL };
	struct run *r;

	mkdir_p(U(f, "root/mmp"));
	mkdir_p(U(f, "d"));
	fmt(root, sizeof root, "%s", W(f, "root"));
	g_sysroot_changed = 1;
	run_ok(set_root);
	fmt(val, sizeof val, "%%SystemDrive%%%s", W(f, "d") + 2);
	reg_set(f, 64, "REG_EXPAND_SZ", val);
	reg_set(f, 32, "REG_EXPAND_SZ", "%SystemRoot%\\mmp");
	host(g_own);

	r = MM(f, "--where", "--computer", g_own);
	expect_exit(r, 0);
	add(&want, "%s  (registry, 64-bit view)\n", R(f, g_own, "d"));
	add(&want, "%s  (registry, 32-bit view)\n", R(f, g_own, "root\\mmp"));
	expect_report(r, want.s);
	free(want.s);
	want.s = NULL;
	want.len = want.cap = 0;

	/* no ProfileDirectory: the host's Windows directory is its own */
	reg_del(64);
	reg_del(32);
	r = MM(f, "--where", "--computer", g_own);
	expect_exit(r, 0);
	add(&want, "%s  (Windows directory)\n", R(f, g_own, "root"));
	expect_report(r, want.s);
	free(want.s);
	/* while this computer's is still C:\windows */
	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_where(r, "C:\\windows", "Windows directory");

	/* this workstation's environment is not the host's */
	reg_set(f, 64, "REG_EXPAND_SZ", "%MMPFLEETONLYHERE%\\d");
	fmt(val, sizeof val, "MMPFLEETONLYHERE=%s", f->wdir);
	r = MMENV(f, val, "--where");
	expect_exit(r, 0);
	expect_where(r, W(f, "d"), "registry, 64-bit view");
	r = MMENV(f, val, "--where", "--computer", g_own);
	expect_exit(r, 3);
	expect_diag(r);
	expect_in(r, err, "MMPFLEETONLYHERE");
	expect_not_in(r, out, "\\d  (");
}

/*
 * No ProfileDirectory: the host's Windows directory, scanned through
 * \\NAME\C$\windows.
 */
static void
t_own_host_windows_directory(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX], file[PATH_MAX];
	struct run *r;

	host(g_own);
	fmt(file, sizeof file, "\\\\%s\\C$%s", g_own, win_file(f) + 2);
	r = MM(f, "--where", "--computer", g_own);
	expect_exit(r, 0);
	fmt(want, sizeof want, "\\\\%s\\C$\\windows", g_own);
	expect_where(r, want, "Windows directory");
	assert_int_equal(count_all_lines(r->out), 1);

	r = MM(f, "--computer", g_own);
	expect_exit(r, 0);
	expect_line_icase(r, "unlocked", file);
	fmt(want, sizeof want, "%s: ", g_own);
	if (strncmp(summary(r->out), want, strlen(want)) != 0) {
		dump(r);
		fail_msg("the summary does not start with \"%s\"", want);
	}
	expect_out_line(r, "1 computer: 1 clean, 0 locked, 0 failed, "
	    "0 unreachable");
}

/* A ProfileDirectory that is a network path is refused: exit 3. */
static void
t_own_host_unc_value_refused(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX];
	struct run *r;

	mkfile(U(f, "a.mmp"));
	host(g_own);
	host("other");
	fmt(want, sizeof want, "\\\\other\\C$%s", f->wdir + 2);
	reg_set(f, 64, "REG_SZ", want);

	r = MM(f, "--delete", "--computer", g_own);
	expect_exit(r, 3);
	expect_diag(r);
	fmt(want, sizeof want, "mmpclean: %s: '\\\\other\\C$%s' (registry, "
	    "64-bit view) is a network path on %s", g_own, f->wdir + 2,
	    g_own);
	expect_in(r, err, want);
	expect_in(r, err, "does not follow a path that names another share");
	expect_exists(U(f, "a.mmp"));
	/* no directory in its place: not the Windows directory, nothing */
	fmt(want, sizeof want, "%s: 0 .mmp files in 0 directories: 0 deleted, "
	    "0 locked, 0 read-only, 0 skipped, 0 errors; 1 directory could "
	    "not be scanned\n1 computer: 0 clean, 0 locked, 0 failed, "
	    "1 unreachable\n", g_own);
	expect_report(r, want);
}

/*
 * A name whose registry cannot be read, without --dir: exit 3, a message
 * naming it, the reason and --dir; the other hosts go on.
 */
static void
t_unreachable_registry_others_go_on(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	char msg[512];
	struct run *r;

	mkfile(U(f, "a.mmp"));
	reg_set(f, 64, "REG_SZ", f->wdir);
	host(g_own);
	host("web01");		/* reachable by SMB, but no registry */

	r = MM(f, "--computer", "web01", "--computer", g_own);
	expect_exit(r, 3);
	add_summary(&want, "web01", 0, 0, "unlocked", 0, 0, 0, 0);
	add(&want, "unlocked  %s\n", R(f, g_own, "a.mmp"));
	add_summary(&want, g_own, 1, 1, "unlocked", 1, 0, 0, 0);
	add(&want, "2 computers: 1 clean, 0 locked, 0 failed, 1 unreachable\n");
	expect_report(r, want.s);
	free(want.s);
	fmt(msg, sizeof msg, "mmpclean: web01: cannot read the registry of "
	    "web01: " REMOTE_53 "; mmpclean never guesses a computer's "
	    "directory: give it with --dir (for example --computer web01 "
	    "--dir C:\\Windows) to scan without the registry\n");
	if (strcmp(r->err, msg) != 0) {
		dump(r);
		fail_msg("stderr is not the one message expected: %s", msg);
	}
	expect_exists(U(f, "a.mmp"));
}

/* ==== locks over the network ==== */

/*
 * A file held by another Windows process through its local path, and one
 * held through the UNC path, are locked when scanned through
 * \\host\C$\...; the free one is deleted; a read-only one is kept.
 */
static void
t_locks_local_and_unc_holders(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	char unc[PATH_MAX];
	struct run *r;

	mkfile(U(f, "local.mmp"));
	mkfile(U(f, "remote.mmp"));
	mkfile(U(f, "free.mmp"));
	host("web01");
	fmt(unc, sizeof unc, "%s", R(f, "web01", "remote.mmp"));
	HOLD(f, NULL, NULL, W(f, "local.mmp"));
	HOLD(f, NULL, NULL, unc);

	r = MM(f, "--delete", "--computer", "web01", "--dir", f->wdir);
	expect_exit(r, 1);
	add(&want, "locked    %s\n", R(f, "web01", "local.mmp"));
	add(&want, "locked    %s\n", R(f, "web01", "remote.mmp"));
	add(&want, "deleted   %s\n", R(f, "web01", "free.mmp"));
	add_summary(&want, "web01", 3, 1, "deleted", 1, 2, 0, 0);
	add(&want, "1 computer: 0 clean, 1 locked, 0 failed, 0 unreachable\n");
	expect_report(r, want.s);
	free(want.s);
	want.s = NULL;
	want.len = want.cap = 0;
	expect_exists(U(f, "local.mmp"));
	expect_exists(U(f, "remote.mmp"));
	expect_gone(U(f, "free.mmp"));

	/* read-only, without --force: kept, and a failure (2) */
	mkfile(U(f, "ro.mmp"));
	if (chmod(U(f, "ro.mmp"), 0444) != 0)
		fail_msg("chmod: %s", strerror(errno));
	r = MM(f, "--delete", "--computer", "web01", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "locked", R(f, "web01", "local.mmp"));
	expect_line(r, "locked", R(f, "web01", "remote.mmp"));
	expect_line(r, "read-only", R(f, "web01", "ro.mmp"));
	expect_out_line(r, "1 computer: 0 clean, 0 locked, 1 failed, "
	    "0 unreachable");
	expect_exists(U(f, "ro.mmp"));
	expect_exists(U(f, "local.mmp"));
	expect_exists(U(f, "remote.mmp"));

	/* released: both go */
	release(f, 0);
	release(f, 1);
	r = MM(f, "--delete", "--computer", "web01", "--dir", f->wdir);
	expect_exit(r, 2);
	expect_line(r, "deleted", R(f, "web01", "local.mmp"));
	expect_line(r, "deleted", R(f, "web01", "remote.mmp"));
	expect_gone(U(f, "local.mmp"));
	expect_gone(U(f, "remote.mmp"));
	expect_exists(U(f, "ro.mmp"));
}

/* ==== --parallel ==== */

/*
 * --parallel 8 over 32 hosts (two of them without a share): every host
 * reported, in the order given, and the same report as --parallel 1.
 */
static void
t_parallel_many_hosts_same_report(void **state)
{
	struct fx *f = *state;
	struct text names = { NULL, 0, 0 }, want = { NULL, 0, 0 };
	struct run one = { .out = NULL }, eight = { .out = NULL };
	char name[32];

	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "held.mmp"));
	HOLD(f, NULL, NULL, "held.mmp");
	for (int i = 0; i < NMANY + 2; i++) {
		/* hosts 7 and 23 have no C$: unreachable */
		fmt(name, sizeof name, "h%02d", i);
		if (i != 7 && i != 23) {
			host(name);
			add(&want, "unlocked  %s\n", R(f, name, "a.mmp"));
			add(&want, "locked    %s\n", R(f, name, "held.mmp"));
			add_summary(&want, name, 2, 1, "unlocked", 1, 1, 0, 0);
		} else
			add_summary(&want, name, 0, 0, "unlocked", 0, 0, 0, 0);
		add(&names, "%s%s", i ? "," : "", name);
	}
	add(&want, "%d computers: 0 clean, %d locked, 0 failed, "
	    "2 unreachable\n", NMANY + 2, NMANY);

	mm_long(f, &eight, ARGS("--computer", names.s, "--parallel", "8",
	    "--dir", f->wdir));
	expect_exit(&eight, 3);
	expect_report(&eight, want.s);
	assert_int_equal(count_str(eight.err, "mmpclean: "), 2);
	expect_in(&eight, err, "mmpclean: h07: cannot open directory");
	expect_in(&eight, err, "mmpclean: h23: cannot open directory");

	mm_long(f, &one, ARGS("--computer", names.s, "--dir", f->wdir));
	expect_exit(&one, 3);
	if (strcmp(one.out, eight.out) != 0 || strcmp(one.err, eight.err)) {
		dump(&one);
		dump(&eight);
		fail_msg("--parallel 1 and --parallel 8 differ");
	}
	expect_exists(U(f, "a.mmp"));
	expect_exists(U(f, "held.mmp"));
	run_free(&one);
	run_free(&eight);
	free(names.s);
	free(want.s);
}

/* ==== exit status ==== */

/*
 * Hosts that differ (each \\host\C$ a root of its own): the status is the
 * highest across hosts, and the fleet's line counts each kind.
 */
static void
t_exit_status_highest_across_hosts(void **state)
{
	struct fx *f = *state;
	char held[PATH_MAX], file[PATH_MAX];
	struct run *r;

	fmt(file, sizeof file, "%s/a.mmp", host_own(f, "clean01"));
	mkfile(file);
	fmt(file, sizeof file, "%s/b.mmp", host_own(f, "locked01"));
	mkfile(file);
	fmt(file, sizeof file, "%s/ro.mmp", host_own(f, "ro01"));
	mkfile(file);
	chmod(file, 0444);
	fmt(held, sizeof held, "\\\\locked01\\C$\\x\\b.mmp");
	HOLD(f, NULL, NULL, held);

	/* clean + locked: 1 */
	r = MM(f, "--computer", "clean01,locked01", "--dir", "C:\\x");
	expect_exit(r, 1);
	expect_line(r, "unlocked", "\\\\clean01\\C$\\x\\a.mmp");
	expect_line(r, "locked", "\\\\locked01\\C$\\x\\b.mmp");
	expect_no_line(r, "\\\\clean01\\C$\\x\\b.mmp");
	expect_out_line(r, "2 computers: 1 clean, 1 locked, 0 failed, "
	    "0 unreachable");

	/* clean + locked + unreachable: 3, whatever the order */
	r = MM(f, "--computer", "gone01,clean01,locked01", "--dir", "C:\\x");
	expect_exit(r, 3);
	expect_out_line(r, "3 computers: 1 clean, 1 locked, 0 failed, "
	    "1 unreachable");
	expect_in(r, err, "mmpclean: gone01: cannot open directory "
	    "'\\\\gone01\\C$\\x' (--dir)");
	r = MM(f, "--computer", "clean01,locked01,gone01", "--dir", "C:\\x");
	expect_exit(r, 3);

	/* clean + read-only (2) + locked: 2 */
	r = MM(f, "--computer", "locked01,ro01,clean01", "--dir", "C:\\x");
	expect_exit(r, 2);
	expect_line(r, "read-only", "\\\\ro01\\C$\\x\\ro.mmp");
	expect_out_line(r, "3 computers: 1 clean, 1 locked, 1 failed, "
	    "0 unreachable");

	/* clean alone: 0 */
	r = MM(f, "--computer", "clean01", "--dir", "C:\\x");
	expect_exit(r, 0);
	expect_out_line(r, "1 computer: 1 clean, 0 locked, 0 failed, "
	    "0 unreachable");
}

/*
 * --host-timeout: a host whose run goes on (--wait on a held file) is
 * stopped and reported unreachable, with why; the hosts after it are
 * still scanned.  Stopped means ended: while the next slow host runs,
 * the first one's file is released, and it stays (a run still in
 * --wait 50 would delete it at its next look, at most 2 s later).
 */
static void
t_host_timeout_stops_one_host(void **state)
{
	struct fx *f = *state;
	char file[PATH_MAX], held1[PATH_MAX], held2[PATH_MAX];
	struct run *r = &f->r;
	struct job j;
	uint64_t t0;
	int h1;

	fmt(held1, sizeof held1, "%s/held.mmp", host_own(f, "slow01"));
	mkfile(held1);
	fmt(held2, sizeof held2, "%s/held.mmp", host_own(f, "slow02"));
	mkfile(held2);
	fmt(file, sizeof file, "%s/a.mmp", host_own(f, "fast01"));
	mkfile(file);
	h1 = HOLD(f, NULL, NULL, "\\\\slow01\\C$\\x\\held.mmp");
	HOLD(f, NULL, NULL, "\\\\slow02\\C$\\x\\held.mmp");

	t0 = now_ms();
	mm_start(f, &j, r, NULL, ARGS("--delete", "--wait", "50",
	    "--host-timeout", "5", "--computer", "slow01,slow02,fast01",
	    "--dir", "C:\\x"));
	await_child("slow02");
	assert_int_equal(release(f, h1), 0);
	mm_wait(f, &j);
	expect_exit(r, 3);
	if (now_ms() - t0 > 40000) {
		dump(r);
		fail_msg("the run took %llu ms: the slow hosts were not stopped "
		    "at 5 s", (unsigned long long)(now_ms() - t0));
	}
	expect_in(r, err, "mmpclean: slow01: no answer within 5 s "
	    "(--host-timeout); stopped\nmmpclean: slow02: no answer within "
	    "5 s (--host-timeout); stopped\n");
	expect_report(r, "error     \\\\slow01  (no answer within 5 s "
	    "(--host-timeout); stopped)\n"
	    "error     \\\\slow02  (no answer within 5 s "
	    "(--host-timeout); stopped)\n"
	    "deleted   \\\\fast01\\C$\\x\\a.mmp\n"
	    "fast01: 1 .mmp file in 1 directory: 1 deleted, 0 locked, "
	    "0 read-only, 0 skipped, 0 errors\n"
	    "3 computers: 1 clean, 0 locked, 0 failed, 2 unreachable\n");
	expect_gone(file);
	expect_exists(held1);
	expect_exists(held2);
}

/*
 * Every word reaches each host's run as it was given: a --dir with a
 * space and a trailing backslash (which a careless quoting turns into a
 * quotation mark), a --log with a space; a name in two scripts comes
 * back through the relay as UTF-8.
 */
static void
t_words_reach_each_child_whole(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	char dir[PATH_MAX], log[PATH_MAX], ulog[PATH_MAX], rel[PATH_MAX];
	char *text;
	struct run *r;

	mkdir_p(U(f, "with space"));
	mkfile(U(f, "with space/a.mmp"));
	mkfile(U(f, "with space/caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.mmp"));
	host("web01");
	host("web02");
	fmt(dir, sizeof dir, "%s\\", W(f, "with space"));
	fmt(log, sizeof log, "%s\\log with space.log", f->wout);
	fmt(ulog, sizeof ulog, "%s/log with space.log", f->uout);

	r = MM(f, "--computer", "web01,web02", "--log", log, "--dir", dir);
	expect_exit(r, 0);
	for (int i = 1; i <= 2; i++) {
		char name[8];

		fmt(name, sizeof name, "web%02d", i);
		add(&want, "unlocked  %s\n", R(f, name, "with space\\a.mmp"));
		add(&want, "unlocked  %s\n", R(f, name, "with space\\"
		    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.mmp"));
		add_summary(&want, name, 2, 1, "unlocked", 2, 0, 0, 0);
	}
	add(&want, "2 computers: 2 clean, 0 locked, 0 failed, 0 unreachable\n");
	expect_report(r, want.s);
	expect_empty(r, err);
	free(want.s);
	text = read_raw(ulog, NULL);
	fmt(rel, sizeof rel, "web02: unlocked  %s\r\n",
	    R(f, "web02", "with space\\a.mmp"));
	if (strstr(text, rel) == NULL || count_str(text, "finished  exit "
	    "status 0\r\n") != 3) {
		print_message("%s", text);
		fail_msg("the log lacks \"%s\" or the three runs' ends", rel);
	}
	free(text);
	expect_exists(U(f, "with space/a.mmp"));
}

/*
 * Ctrl+C, sent as a console sends it to every process attached (on
 * Windows the children share mmpclean's console; under Wine they run in
 * sessions of their own, so each is sent SIGINT): the host being scanned
 * is interrupted in --wait and still reports, the hosts not started are
 * not started, and the fleet's line says so; exit status 2.  Sent once
 * the host's run has been in --wait for 2 s (a run not yet able to take
 * it would end abnormally, which fails the test).
 */
static void
t_ctrl_c_reaches_the_children(void **state)
{
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	struct job j;
	struct run *r = &f->r;
	uint64_t sent;
	pid_t child;

	mkfile(U(f, "a.mmp"));
	host("web01");
	host("web02");
	host("web03");
	HOLD(f, NULL, NULL, "a.mmp");
	mm_start(f, &j, r, NULL, ARGS("--delete", "--wait", "60",
	    "--computer", "web01,web02,web03", "--dir", f->wdir));
	child = await_child("web01");
	sleep_ms(2000);
	if (kill(child, SIGINT) != 0 || kill(-j.pid, SIGINT) != 0)
		fail_msg("kill: %s", strerror(errno));
	sent = now_ms();
	mm_wait(f, &j);
	expect_exit(r, 2);
	add(&want, "locked    %s\n", R(f, "web01", "a.mmp"));
	add_summary(&want, "web01", 1, 1, "deleted", 0, 1, 0, 0);
	add(&want, "error     \\\\web02  (not scanned: interrupted)\n"
	    "error     \\\\web03  (not scanned: interrupted)\n");
	add(&want, "3 computers: 0 clean, 0 locked, 1 failed, 0 unreachable, "
	    "2 not scanned (interrupted)\n");
	expect_report(r, want.s);
	free(want.s);
	expect_in(r, err, "mmpclean: web01: interrupted while waiting");
	expect_in(r, err, "mmpclean: web02: not scanned: interrupted\n"
	    "mmpclean: web03: not scanned: interrupted\n");
	expect_exists(U(f, "a.mmp"));
	if (now_ms() - sent > 20000) {
		dump(r);
		fail_msg("Ctrl+C did not stop the run (%llu ms after it)",
		    (unsigned long long)(now_ms() - sent));
	}
}

/* ==== formats ==== */

static const char csv_check[] = PY_COMMON
"text, rows = load_csv(sys.argv[1])\n"
"order = sys.argv[2].split(',')\n"
"want = json.loads(sys.argv[3])\n"
"seen = []\n"
"for row in rows[1:]:\n"
"    if not seen or seen[-1] != row[-1]: seen.append(row[-1])\n"
"if seen != order: fail('hosts in the order %r, expected %r' % (seen, order), text)\n"
"got = sorted(tuple(r[i] for i in (0, 1, 4, 5)) for r in rows[1:])\n"
"exp = sorted(tuple(w) for w in want)\n"
"if got != exp: fail('rows %r, expected %r' % (got, exp), text)\n"
"print('ok')\n";

static const char json_check[] = PY_COMMON
"raw, doc = load_json(sys.argv[1])\n"
"want = json.loads(sys.argv[2])\n"
"if 'computers' not in doc: fail('not a fleet document', raw)\n"
"names = [c['computer'] for c in doc['computers']]\n"
"if names != want['order']: fail('computers %r' % names, raw)\n"
"for c in doc['computers']:\n"
"    w = want['hosts'][c['computer']]\n"
"    if c['exit_status'] != w['exit_status']: fail('%s: exit_status %r' % (c['computer'], c['exit_status']), raw)\n"
"    if 'error' in w:\n"
"        if set(c) != {'computer', 'error', 'exit_status'} or w['error'] not in c['error']:\n"
"            fail('%s: %r' % (c['computer'], c), raw)\n"
"        continue\n"
"    if c['mode'] != doc['mode']: fail('mode %r' % c['mode'], raw)\n"
"    files = sorted((x['status'], x['path']) for d in c['directories'] for x in d['files'])\n"
"    if files != sorted(tuple(x) for x in w['files']): fail('%s: files %r' % (c['computer'], files), raw)\n"
"    errs = [d['error'] for d in c['directories'] if d['error']]\n"
"    if len(errs) != w.get('dir_errors', 0): fail('%s: errors %r' % (c['computer'], errs), raw)\n"
"if doc['summary'] != want['summary']: fail('summary %r' % doc['summary'], raw)\n"
"if doc['exit_status'] != want['exit_status']: fail('exit_status %r' % doc['exit_status'], raw)\n"
"print('ok')\n";

/*
 * CSV and JSON of a fleet: one header, every row's last column its host,
 * in the order given; a host whose directory could not be opened and one
 * stopped at --host-timeout have their rows; the JSON document is valid
 * against the schema and holds each host's report.
 */
static void
t_csv_and_json_name_every_host(void **state)
{
	struct fx *f = *state;
	char ucsv[PATH_MAX], ujson[PATH_MAX], want[4096], file[PATH_MAX];
	const char *const args[] = { "--wait", "50", "--host-timeout", "3",
	    "--computer", "web01,gone01,slow01,web02", "--dir", "C:\\x", NULL };
	const char *argv[16];
	size_t n = 0;
	struct run *r;

	fmt(file, sizeof file, "%s/a.mmp", host_own(f, "web01"));
	mkfile(file);
	fmt(file, sizeof file, "%s/b.mmp", host_own(f, "web01"));
	mkfile(file);
	fmt(file, sizeof file, "%s/held.mmp", host_own(f, "slow01"));
	mkfile(file);
	fmt(file, sizeof file, "%s/c.mmp", host_own(f, "web02"));
	mkfile(file);
	HOLD(f, NULL, NULL, "\\\\slow01\\C$\\x\\held.mmp");
	fmt(ucsv, sizeof ucsv, "%s/report.csv", f->uout);
	fmt(ujson, sizeof ujson, "%s/report.json", f->uout);

	argv[n++] = "--format";
	argv[n++] = "csv";
	for (const char *const *a = args; *a != NULL; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	write_text(ucsv, "");
	r = mmv(f, ucsv, argv);
	expect_exit(r, 3);
	PYTHON(f, csv_check, ucsv, "web01,gone01,slow01,web02",
	    "[[\"unlocked\",\"\\\\\\\\web01\\\\C$\\\\x\\\\a.mmp\",\"\",\"web01\"],"
	    "[\"unlocked\",\"\\\\\\\\web01\\\\C$\\\\x\\\\b.mmp\",\"\",\"web01\"],"
	    "[\"error\",\"\\\\\\\\gone01\\\\C$\\\\x\",\"cannot open directory "
	    "'\\\\\\\\gone01\\\\C$\\\\x' (--dir): no such directory\",\"gone01\"],"
	    "[\"error\",\"\\\\\\\\slow01\",\"no answer within 3 s "
	    "(--host-timeout); stopped\",\"slow01\"],"
	    "[\"unlocked\",\"\\\\\\\\web02\\\\C$\\\\x\\\\c.mmp\",\"\",\"web02\"]]");

	argv[1] = "json";
	write_text(ujson, "");
	r = mmv(f, ujson, argv);
	expect_exit(r, 3);
	fmt(want, sizeof want, "{\"order\":[\"web01\",\"gone01\",\"slow01\","
	    "\"web02\"],\"hosts\":{"
	    "\"web01\":{\"exit_status\":0,\"files\":["
	    "[\"unlocked\",\"\\\\\\\\web01\\\\C$\\\\x\\\\a.mmp\"],"
	    "[\"unlocked\",\"\\\\\\\\web01\\\\C$\\\\x\\\\b.mmp\"]]},"
	    "\"gone01\":{\"exit_status\":3,\"files\":[],\"dir_errors\":1},"
	    "\"slow01\":{\"exit_status\":3,\"error\":\"no answer within 3 s "
	    "(--host-timeout); stopped\"},"
	    "\"web02\":{\"exit_status\":0,\"files\":["
	    "[\"unlocked\",\"\\\\\\\\web02\\\\C$\\\\x\\\\c.mmp\"]]}},"
	    "\"summary\":{\"computers\":4,\"clean\":2,\"locked\":0,"
	    "\"failed\":0,\"unreachable\":2,\"not_scanned\":0},"
	    "\"exit_status\":3}");
	PYTHON(f, json_check, ujson, want);
	expect_exists(file);
}

static const char where_check[] = PY_COMMON
"kind, path, own, want = sys.argv[1:5]\n"
"if kind == 'json':\n"
"    raw, doc = load_json(path)\n"
"    c = doc.get('computers')\n"
"    if [x['computer'] for x in c] != ['gone01', own]: fail('computers %r' % c, raw)\n"
"    if c[0]['exit_status'] != 3 or c[0]['directories'][0]['path'] is not None or 'gone01' not in c[0]['directories'][0]['error']:\n"
"        fail('gone01 %r' % c[0], raw)\n"
"    if c[1]['directories'] != [{'path': want, 'source': 'registry, 64-bit view', 'error': None}] or c[1]['exit_status'] != 0:\n"
"        fail('%s %r' % (own, c[1]), raw)\n"
"    if doc['summary'] != {'computers': 2, 'clean': 1, 'locked': 0, 'failed': 0, 'unreachable': 1, 'not_scanned': 0} or doc['exit_status'] != 3:\n"
"        fail('summary', raw)\n"
"else:\n"
"    text = open(path, 'rb').read().decode('utf-8')\n"
"    rows = list(csv.reader(io.StringIO(text, newline=''), strict=True))\n"
"    if rows != [SCHEMA['x-csv-header']['where'].split(','), [want, 'registry, 64-bit view', own]]: fail('rows %r' % rows, text)\n"
"print('ok')\n";

/*
 * --where across hosts: JSON holds each host's --where document (the
 * unreachable one with its error), valid against the schema; CSV has one
 * header and a row per directory, naming its host.
 */
static void
t_where_formats_across_hosts(void **state)
{
	struct fx *f = *state;
	char ujson[PATH_MAX], ucsv[PATH_MAX], want[PATH_MAX];
	struct run *r;

	reg_set(f, 64, "REG_SZ", f->wdir);
	host(g_own);
	fmt(want, sizeof want, "%s", R(f, g_own, NULL));
	fmt(ujson, sizeof ujson, "%s/where.json", f->uout);
	fmt(ucsv, sizeof ucsv, "%s/where.csv", f->uout);
	write_text(ujson, "");
	write_text(ucsv, "");
	r = MMTO(f, ujson, "--where", "--format", "json", "--computer",
	    "gone01", "--computer", g_own);
	expect_exit(r, 3);
	PYTHON(f, where_check, "json", ujson, g_own, want);
	r = MMTO(f, ucsv, "--where", "--format", "csv", "--computer",
	    "gone01", "--computer", g_own);
	expect_exit(r, 3);
	expect_in(r, err, "mmpclean: gone01: cannot read the registry of "
	    "gone01: " REMOTE_53);
	PYTHON(f, where_check, "csv", ucsv, g_own, want);
}

static const char local_json_check[] = PY_COMMON
"raw, doc = load_json(sys.argv[1])\n"
"if doc.get('computer') != sys.argv[2]: fail('computer %r, expected %r' % (doc.get('computer'), sys.argv[2]), raw)\n"
"if 'computers' in doc: fail('a fleet document', raw)\n"
"print('ok')\n";

static const char local_csv_check[] = PY_COMMON
"text, rows = load_csv(sys.argv[1])\n"
"if len(rows) != 2 or rows[1][0] != 'unlocked' or rows[1][-1] != sys.argv[2]: fail('rows %r' % rows, text)\n"
"print('ok')\n";

/* A local run names this computer too: JSON's computer, CSV's column. */
static void
t_local_run_names_its_computer(void **state)
{
	struct fx *f = *state;
	char ujson[PATH_MAX], ucsv[PATH_MAX];
	struct run *r;

	mkfile(U(f, "a.mmp"));
	fmt(ujson, sizeof ujson, "%s/local.json", f->uout);
	fmt(ucsv, sizeof ucsv, "%s/local.csv", f->uout);
	write_text(ujson, "");
	write_text(ucsv, "");
	r = MMTO(f, ujson, "--format", "json", "--dir", f->wdir);
	expect_exit(r, 0);
	PYTHON(f, local_json_check, ujson, g_own);
	r = MMTO(f, ucsv, "--format", "csv", "--dir", f->wdir);
	expect_exit(r, 0);
	PYTHON(f, local_csv_check, ucsv, g_own);
}

/*
 * --log: every line a host's run writes names the host; the fleet's own
 * lines (its summary, its exit status) come last.
 */
static void
t_log_lines_name_their_host(void **state)
{
	struct fx *f = *state;
	char ulog[PATH_MAX], wlog[PATH_MAX], file[PATH_MAX];
	char *log, *line, *next;
	int nweb01 = 0, ngone = 0, nfleet = 0;
	struct run *r;

	fmt(file, sizeof file, "%s/a.mmp", host_own(f, "web01"));
	mkfile(file);
	fmt(file, sizeof file, "%s/b.mmp", host_own(f, "web01"));
	mkfile(file);
	fmt(ulog, sizeof ulog, "%s/fleet.log", f->uout);
	fmt(wlog, sizeof wlog, "%s\\fleet.log", f->wout);

	r = MM(f, "--delete", "--log", wlog, "--computer", "web01,gone01",
	    "--dir", "C:\\x");
	expect_exit(r, 3);
	log = read_raw(ulog, NULL);
	for (line = log; *line != '\0'; line = next) {
		char *sp;

		if ((next = strchr(line, '\n')) == NULL)
			fail_msg("the log's last line has no end");
		*next++ = '\0';
		/* "TIME mmpclean[PID] REST\r" */
		if ((sp = strstr(line, "] ")) == NULL ||
		    strncmp(line + 20, " mmpclean[", 10) != 0)
			fail_msg("log line \"%s\": not TIME mmpclean[PID]", line);
		sp += 2;
		if (strncmp(sp, "web01: ", 7) == 0)
			nweb01++;
		else if (strncmp(sp, "gone01: ", 8) == 0)
			ngone++;
		else if (nweb01 > 0 && ngone > 0 && (strcmp(sp, "fleet     "
		    "2 computers: 1 clean, 0 locked, 0 failed, 1 unreachable\r")
		    == 0 || strcmp(sp, "finished  exit status 3\r") == 0))
			nfleet++;
		else
			fail_msg("log line \"%s\" names no host", line);
	}
	free(log);
	log = read_raw(ulog, NULL);
	if (nweb01 != 4 || ngone != 2 || nfleet != 2) {
		print_message("%s", log);
		fail_msg("log: %d web01 lines (expected 4: 2 files, summary, "
		    "finished), %d gone01 (2), %d fleet (2)", nweb01, ngone,
		    nfleet);
	}
	if (strstr(log, "web01: deleted   \\\\web01\\C$\\x\\a.mmp\r\n") == NULL
	    || strstr(log, "gone01: error     \\\\gone01\\C$\\x  (cannot open "
	    "directory") == NULL) {
		print_message("%s", log);
		fail_msg("the log lacks web01's file or gone01's error");
	}
	free(log);
}

/*
 * --eventlog: one event here for the whole run (Wine stores nothing; its
 * trace shows the call), not one per host.
 */
static void
t_eventlog_one_event_for_the_fleet(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	host("web01");
	host("web02");
	r = MMENV(f, "WINEDEBUG=fixme+advapi,+eventlog", "--eventlog",
	    "--computer", "web01,web02", "--dir", f->wdir);
	expect_exit(r, 0);
	if (count_str(r->err, "ReportEventW (") != 1) {
		dump(r);
		fail_msg("expected exactly one ReportEventW call");
	}
	expect_in(r, err, ",0x0004,0x0000,0x000003e8,");	/* information */
	expect_in(r, err, "\"2 computers: 2 clean, 0 locked, 0 failed, "
	    "0 unreachable; exit status 0\"");
	expect_in(r, err, "RegisterEventSourceW ((null),L\"mmpclean\")");
}

/* ==== refusals ==== */

/* exit 4, the message, nothing on stdout, nothing touched */
static void
refused(struct fx *f, const char *const *args, const char *msg)
{
	struct run *r = mmv(f, NULL, args);

	if (r->status != 4 || strstr(r->err, msg) == NULL ||
	    !diag_ok(r->err) || r->out[0] != '\0') {
		dump(r);
		fail_msg("expected exit 4, an empty stdout and \"%s\"", msg);
	}
	expect_exists(U(f, "a.mmp"));
}

#define REFUSED(f, msg, ...) refused((f), ARGS(__VA_ARGS__), (msg))

static void
t_refusals_touch_nothing(void **state)
{
	struct fx *f = *state;
	struct run q = { .out = NULL };
	char unc[PATH_MAX], file[PATH_MAX], ufile[PATH_MAX];

	mkfile(U(f, "a.mmp"));
	host("web01");
	fmt(unc, sizeof unc, "%s", R(f, "web01", NULL));
	fmt(ufile, sizeof ufile, "%s/hosts.txt", f->uout);
	fmt(file, sizeof file, "%s\\hosts.txt", f->wout);
	write_text(ufile, "web01\n");

	REFUSED(f, "--holders acts on this computer only", "--delete",
	    "--holders", "--computer", "web01", "--dir", f->wdir);
	REFUSED(f, "--reboot acts on this computer only", "--delete",
	    "--reboot", "--computer", "web01", "--dir", f->wdir);
	REFUSED(f, "--reboot acts on this computer only", "--delete",
	    "--reboot", "--computers", file, "--dir", f->wdir);
	REFUSED(f, "--configure acts on this computer only", "--configure",
	    W(f, "cfg"), "--computer", "web01");
	REFUSED(f, "--unconfigure acts on this computer only",
	    "--unconfigure", "--computer", "web01");
	REFUSED(f, "--install-eventlog acts on this computer only",
	    "--install-eventlog", "--computer", "web01");
	REFUSED(f, "--uninstall-eventlog acts on this computer only",
	    "--uninstall-eventlog", "--computer", "web01");
	/* --configure set nothing, here or anywhere */
	if (reg_query(64, &q) == 0 || reg_query(32, &q) == 0) {
		dump(&q);
		fail_msg("ProfileDirectory was set");
	}
	run_free(&q);
	expect_gone(U(f, "cfg"));

	REFUSED(f, "--computer 'web 01': 'web 01' is not a computer name: "
	    "it contains a space", "--delete", "--computer", "web 01",
	    "--dir", f->wdir);
	REFUSED(f, "'a..b' is not a computer name: it contains '..'",
	    "--delete", "--computer", "web01,a..b", "--dir", f->wdir);
	REFUSED(f, "'web01/c' is not a computer name: it contains '/'",
	    "--delete", "--computer", "web01/c", "--dir", f->wdir);
	REFUSED(f, "'c:' is not a computer name: it contains ':'",
	    "--delete", "--computer", "web01", "--computer", "c:", "--dir",
	    f->wdir);
	REFUSED(f, "--parallel '0'", "--delete", "--computer", "web01",
	    "--parallel", "0", "--dir", f->wdir);
	REFUSED(f, "--parallel '33'", "--delete", "--computer", "web01",
	    "--parallel", "33", "--dir", f->wdir);
	REFUSED(f, "--host-timeout '0'", "--delete", "--computer", "web01",
	    "--host-timeout", "0", "--dir", f->wdir);
	REFUSED(f, "--parallel goes with --computer or --computers",
	    "--delete", "--parallel", "2", "--dir", f->wdir);
	REFUSED(f, "--host-timeout goes with --computer or --computers",
	    "--delete", "--host-timeout", "5", "--dir", f->wdir);
	REFUSED(f, "--computer and --computers cannot be combined",
	    "--delete", "--computer", "web01", "--computers", file, "--dir",
	    f->wdir);
	REFUSED(f, "is a network path; with --computer, --dir names a "
	    "directory on each computer", "--delete", "--computer", "web01",
	    "--dir", unc);
	REFUSED(f, "--reboot cannot schedule files in", "--delete",
	    "--reboot", "--dir", unc);
}

/* ==== --computers FILE ==== */

/*
 * Comments, blank lines, CRLF, a leading \\, surrounding blanks, the same
 * name in another case (scanned once, as first spelt); the same list as
 * UTF-16LE with a byte order mark (PowerShell 5's Out-File), and on
 * standard input with -.
 */
static void
t_computers_file_forms(void **state)
{
	static const char list[] = "# web servers\r\n"
	    "\r\n"
	    "WEB02\r\n"
	    "  \\\\web01   # the first\r\n"
	    "\t\r\n"
	    "web02\r\n"
	    "Web03\r\n";
	struct fx *f = *state;
	struct text want = { NULL, 0, 0 };
	char utf8[PATH_MAX], utf16[PATH_MAX], wutf8[PATH_MAX];
	char wutf16[PATH_MAX];
	const char *names[] = { "WEB02", "web01", "Web03" };
	struct run *r;
	FILE *fp;

	mkfile(U(f, "a.mmp"));
	host("web01");
	host("web02");
	host("web03");
	fmt(utf8, sizeof utf8, "%s/hosts8.txt", f->uout);
	fmt(utf16, sizeof utf16, "%s/hosts16.txt", f->uout);
	fmt(wutf8, sizeof wutf8, "%s\\hosts8.txt", f->wout);
	fmt(wutf16, sizeof wutf16, "%s\\hosts16.txt", f->wout);
	write_text(utf8, list);
	if ((fp = fopen(utf16, "wb")) == NULL)
		fail_msg("%s: %s", utf16, strerror(errno));
	fputs("\xff\xfe", fp);
	for (const char *p = list; *p != '\0'; p++) {
		fputc(*p, fp);
		fputc(0, fp);
	}
	if (fclose(fp) != 0)
		fail_msg("%s: %s", utf16, strerror(errno));

	for (int i = 0; i < 3; i++) {
		add(&want, "unlocked  %s\n", R(f, names[i], "a.mmp"));
		add_summary(&want, names[i], 1, 1, "unlocked", 1, 0, 0, 0);
	}
	add(&want, "3 computers: 3 clean, 0 locked, 0 failed, 0 unreachable\n");

	r = MM(f, "--computers", wutf8, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_report(r, want.s);
	r = MM(f, "--computers", wutf16, "--dir", f->wdir);
	expect_exit(r, 0);
	expect_report(r, want.s);
	r = MM_STDIN(f, utf16, "--computers", "-", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_report(r, want.s);
	r = MM_STDIN(f, utf8, "--computers", "-", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_report(r, want.s);
	free(want.s);
	expect_exists(U(f, "a.mmp"));
}

/* A bad name in the file (its line number said), a missing file: exit 4. */
static void
t_computers_file_refusals(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], wpath[PATH_MAX], msg[PATH_MAX + 128];
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "web01\n# two\nweb 02\n", "line 3: 'web 02' is not a "
		    "computer name: it contains a space" },
		{ "web01\n\nsrv..corp\n", "line 3: 'srv..corp' is not a "
		    "computer name: it contains '..'" },
		{ "web01/share\n", "line 1: 'web01/share' is not a computer "
		    "name: it contains '/'" },
		{ "\n\n\n\nfe80::1\n", "line 5: 'fe80::1' is not a computer "
		    "name: it contains ':'" },
		{ "# nobody\n\n", "names no computer" },
	};

	mkfile(U(f, "a.mmp"));
	host("web01");
	fmt(path, sizeof path, "%s/hosts.txt", f->uout);
	fmt(wpath, sizeof wpath, "%s\\hosts.txt", f->wout);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(path, bad[i].text);
		fmt(msg, sizeof msg, "--computers '%s' %s", wpath, bad[i].msg);
		REFUSED(f, msg, "--delete", "--computers", wpath, "--dir",
		    f->wdir);
		MM_STDIN(f, path, "--delete", "--computers", "-", "--dir",
		    f->wdir);
		if (f->r.status != 4 || strstr(f->r.err, bad[i].msg) == NULL) {
			dump(&f->r);
			fail_msg("from stdin: expected exit 4 and \"%s\"",
			    bad[i].msg);
		}
	}
	fmt(msg, sizeof msg, "--computers '%s\\none.txt': no such file",
	    f->wout);
	fmt(wpath, sizeof wpath, "%s\\none.txt", f->wout);
	REFUSED(f, msg, "--delete", "--computers", wpath, "--dir", f->wdir);
	/* relative: never resolved against the current directory */
	REFUSED(f, "--computers 'hosts.txt'", "--delete", "--computers",
	    "hosts.txt", "--dir", f->wdir);
	expect_exists(U(f, "a.mmp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TF(t_hosts_scanned_in_order_given),
		TF(t_two_hosts_one_directory_delete),
		TF(t_dns_and_ipv4_names_drive_root),
		TF(t_own_host_registry_both_views),
		TF(t_own_host_expand_sz_with_its_values),
		TF(t_own_host_windows_directory),
		TF(t_own_host_unc_value_refused),
		TF(t_unreachable_registry_others_go_on),
		TF(t_locks_local_and_unc_holders),
		TF(t_parallel_many_hosts_same_report),
		TF(t_exit_status_highest_across_hosts),
		TF(t_host_timeout_stops_one_host),
		TF(t_words_reach_each_child_whole),
		TF(t_ctrl_c_reaches_the_children),
		TF(t_csv_and_json_name_every_host),
		TF(t_where_formats_across_hosts),
		TF(t_local_run_names_its_computer),
		TF(t_log_lines_name_their_host),
		TF(t_eventlog_one_event_for_the_fleet),
		TF(t_refusals_touch_nothing),
		TF(t_computers_file_forms),
		TF(t_computers_file_refusals),
	};

	/* E2E_FILTER=t_own*: run only the tests whose names match. */
	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests_name("mmpclean e2e (--computer)", tests,
	    fl_group_setup, fl_group_teardown);
}

/*
 * End-to-end tests of the administrative and locked-file features.  The
 * harness (harness.h) says how tests run; registry keys a test touches are
 * removed by its teardown.
 *
 * What Wine cannot show is asserted through what it does show: its Restart
 * Manager lists no process, so --holders is checked to ask it once for the
 * whole batch (Wine's FIXME trace) and to say "holder unknown"; ReportEventW
 * stores nothing, so --eventlog is checked through Wine's trace of the call;
 * Wine keeps no ACL on files, so --configure's grant is checked through
 * Wine's trace of the SetEntriesInAclW and SetNamedSecurityInfoW calls.  The
 * traces are Wine 8's wording.  build/winprobe.exe reads back, from inside
 * Windows, the message table and accounts.  advapi32 and RstrtMgr, loaded
 * only when needed, are taken away with a DLL override, and
 * build/plant/RstrtMgr.dll is planted beside a copy of mmpclean.exe.
 */
#include <errno.h>
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

#define PROFILE_KEY	REGKEY
#define EXCHANGE_KEY	"HKLM\\Software\\Microsoft\\Exchange"
#define EVENT_KEY	"HKLM\\SYSTEM\\CurrentControlSet\\Services\\" \
			"EventLog\\Application\\mmpclean"
#define SM_KEY		"HKLM\\SYSTEM\\CurrentControlSet\\Control\\" \
			"Session Manager"
#define PENDING		"PendingFileRenameOperations"

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
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
		    "3 .mmp files, exit status 0"));
		expect_exit(r, 0);
		expect_out_line(r, want[i].text);
	}
	/* and nothing else: the table is exactly the three events */
	tool(r, ARGS("wine", g_probe, "msg", g_exe_win, "1003", "x"));
	expect_exit(r, 1);
	expect_in(r, err, "FormatMessageW");
}

static void
t_install_and_uninstall_event_source(void **state)
{
	struct fx *f = *state;
	struct run *r;
	char *file, *types;

	reg_cleanup(f, EVENT_KEY, NULL, 64);
	reg_remove(EVENT_KEY, NULL, 64);

	for (int round = 0; round < 2; round++) {	/* idempotent */
		r = MM(f, "--install-eventlog");
		expect_exit(r, 0);
		/* the second time, it says the source was there */
		expect_out_line(r, round == 0 ? "registered the event source "
		    "'mmpclean' in the Application log" : "the event source "
		    "'mmpclean' was registered already; its message file is "
		    "now this executable");
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
	tool(r, ARGS("wine", g_probe, "msg", file, "1001", "2 locked"));
	expect_exit(r, 0);
	expect_out_line(r, "mmpclean finished; locked .mmp files remain: "
	    "2 locked");
	free(file);
	free(types);

	r = MM(f, "--uninstall-eventlog");
	expect_exit(r, 0);
	expect_out_line(r, "removed the event source 'mmpclean'");
	if (reg_show(&f->r, EVENT_KEY, NULL, 64) == 0) {
		dump(&f->r);
		fail_msg("the event source key is still there");
	}

	r = MM(f, "--uninstall-eventlog");
	expect_exit(r, 0);
	expect_out_line(r, "the event source 'mmpclean' was not registered");
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
	/* a directory that failed is counted after the files' errors */
	fmt(text, sizeof text, status == 3 ? "errors; 1 directory could not "
	    "be scanned; exit status %d\"" : "errors; exit status %d\"",
	    status);
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

	HOLD(f, NULL, NULL, "b.mmp");
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

	f->reg_used = 1;
	r = MMENV(f, "WINEDEBUG=trace+advapi", "--configure", dir, "--grant",
	    "Users");
	expect_exit(r, 0);
	fmt(line, sizeof line, "created directory '%s'", dir);
	expect_out_line(r, line);
	fmt(line, sizeof line, "set " PROFILE_KEY "\\ProfileDirectory (64-bit "
	    "view) to '%s'", dir);
	expect_out_line(r, line);
	fmt(line, sizeof line, "set " PROFILE_KEY "\\ProfileDirectory (32-bit "
	    "view) to '%s'", dir);
	expect_out_line(r, line);
	fmt(line, sizeof line, "gave 'Users' modify rights on '%s'", dir);
	expect_out_line(r, line);
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
	expect_out_line(r, line);
	fmt(line, sizeof line, PROFILE_KEY "\\ProfileDirectory (64-bit view) "
	    "names '%s' already", dir);
	expect_out_line(r, line);
	fmt(line, sizeof line, PROFILE_KEY "\\ProfileDirectory (32-bit view) "
	    "names '%s' already", dir);
	expect_out_line(r, line);

	r = MM(f, "--unconfigure");
	expect_exit(r, 0);
	fmt(line, sizeof line, "removed " PROFILE_KEY "\\ProfileDirectory "
	    "(64-bit view), which was '%s'", dir);
	expect_out_line(r, line);
	fmt(line, sizeof line, "removed " PROFILE_KEY "\\ProfileDirectory "
	    "(32-bit view), which was '%s'", dir);
	expect_out_line(r, line);
	expect_profile(NULL, 64);
	expect_profile(NULL, 32);
	if (!is_dir(U(f, "cfg/mmp")))
		fail_msg("--unconfigure removed the directory");

	r = MM(f, "--unconfigure");
	expect_exit(r, 0);
	expect_out_line(r, PROFILE_KEY "\\ProfileDirectory (64-bit view) "
	    "was not set");
	expect_out_line(r, PROFILE_KEY "\\ProfileDirectory (32-bit view) "
	    "was not set");
}

static void
t_configure_replaces_other_value(void **state)
{
	struct fx *f = *state;
	const char *dir = W(f, "new");
	char line[PATH_MAX];
	struct run *r;

	f->reg_used = 1;
	run_ok(ARGS("wine", "reg", "add", PROFILE_KEY, "/v",
	    "ProfileDirectory", "/d", W(f, "old"), "/f", "/reg:32"));
	r = MM(f, "--configure", dir, "--grant", "Users");
	expect_exit(r, 0);
	fmt(line, sizeof line, "set " PROFILE_KEY "\\ProfileDirectory (32-bit "
	    "view) to '%s' (it was '%s')", dir, W(f, "old"));
	expect_out_line(r, line);
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

	f->reg_used = 1;
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
	if (tool(&probe, ARGS("wine", g_probe, "account", "IUSR")) == 0)
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
	char nt[PATH_MAX], upper[PATH_MAX], unc[PATH_MAX], *pend;
	struct run probe = { 0 }, *r;
	int slot;

	pend = reg_data(SM_KEY, PENDING, "REG_MULTI_SZ", 64);
	if (pend != NULL)
		fail_msg("the prefix has renames pending already (%s); run "
		    "wineboot -r", pend);
	reg_cleanup(f, SM_KEY, PENDING, 64);
	mkfile(U(f, "a.mmp"));
	mkfile(U(f, "b.mmp"));
	slot = HOLD(f, NULL, NULL, "a.mmp");

	r = MM(f, "--delete", "--reboot", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line_icase(r, "scheduled", W(f, "a.mmp"));
	expect_in(r, out, "  (deleted at the next boot)\n");
	expect_line_icase(r, "deleted", W(f, "b.mmp"));
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

	/* through its 8.3 name: the long name is pending, not added again */
	run_cmd(&probe, ARGS("wine", g_probe, "short", f->wdir), NULL, NULL,
	    RUN_MS);
	if (probe.status != 0 || strchr(probe.out, '~') == NULL)
		fail_msg("no 8.3 name for %s: %s", f->wdir, probe.out);
	probe.out[strcspn(probe.out, "\n")] = '\0';
	r = MM(f, "--delete", "--reboot", "--dir", probe.out);
	expect_exit(r, 1);
	expect_in(r, out, "0 errors, 1 scheduled\n");
	pend = reg_data(SM_KEY, PENDING, "REG_MULTI_SZ", 64);
	if (pend == NULL || count_icase(pend, nt) != 1 ||
	    count_icase(pend, "a.mmp") != 1)
		fail_msg("%s is \"%s\", expected %s alone", PENDING,
		    pend ? pend : "(none)", nt);
	free(pend);
	run_free(&probe);

	/* through a UNC path (Wine: a dosdevices/unc link): refused */
	fmt(unc, sizeof unc, "%s/dosdevices/unc/e2e-host", g_prefix);
	mkdir_p(unc);
	fmt(unc, sizeof unc, "%s/dosdevices/unc/e2e-host/share", g_prefix);
	unlink(unc);
	if (symlink(f->udir, unc) != 0)
		fail_msg("symlink %s: %s", unc, strerror(errno));
	/* a UNC --dir: refused on the command line, nothing scanned */
	r = MM(f, "--delete", "--reboot", "--dir", "\\\\e2e-host\\share");
	expect_exit(r, 4);
	expect_in(r, err, "--reboot cannot schedule files in "
	    "'\\\\e2e-host\\share': a network path is not there at boot");
	if (r->out[0] != '\0') {
		dump(r);
		fail_msg("a refused command line printed a report");
	}
	expect_exists(U(f, "a.mmp"));
	/* named by ProfileDirectory: refused file by file */
	reg_set(f, 64, "REG_SZ", "\\\\e2e-host\\share");
	r = MM(f, "--delete", "--reboot");
	unlink(unc);
	expect_exit(r, 2);
	expect_line(r, "error", "\\\\e2e-host\\share\\a.mmp");
	expect_in(r, out, "(not scheduled: on a network drive, which the "
	    "delete at the next boot cannot reach)\n");
	pend = reg_data(SM_KEY, PENDING, "REG_MULTI_SZ", 64);
	if (pend == NULL || count_icase(pend, "a.mmp") != 1)
		fail_msg("%s is \"%s\", expected %s alone", PENDING,
		    pend ? pend : "(none)", nt);
	free(pend);

	/* the "reboot": Wine's session manager deletes it */
	release(f, slot);
	expect_exists(U(f, "a.mmp"));
	tool(&f->r, ARGS("wineboot", "-r"));
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
	hold(f, NULL, NULL, names);
	mkfile(U(f, "free.mmp"));

	r = MMENV(f, "WINEDEBUG=fixme+rstrtmgr", "--holders", "--dir",
	    f->wdir);
	expect_exit(r, 1);
	for (size_t i = 0; i < 10; i++) {
		char want[PATH_MAX];

		fmt(want, sizeof want, "locked    %s  (holder unknown)",
		    W(f, names[i]));
		expect_out_line(r, want);
	}
	expect_line_icase(r, "unlocked", W(f, "free.mmp"));
	expect_not_in(r, out, "services");
	if (count_icase(r->err, "RmStartSession") != 1 ||
	    count_icase(r->err, "RmEndSession") != 1) {
		dump(r);
		fail_msg("expected one Restart Manager session");
	}
	expect_in(r, err, "RmRegisterResources");
	expect_in(r, err, ", 10, ");	/* all ten files registered */
	/* Restart Manager is asked once, not per file (wide: shared machine) */
	if (r->ms > 30000) {
		dump(r);
		fail_msg("--holders took %llu ms", (unsigned long long)r->ms);
	}

	/* without --holders, no session and no reason */
	r = MMENV(f, "WINEDEBUG=fixme+rstrtmgr", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_not_in(r, err, "RmStartSession");
	expect_line_icase(r, "locked", W(f, "f0.mmp"));
	expect_not_in(r, out, "holder unknown");
}

/*
 * advapi32.dll and RstrtMgr.dll are not imported but loaded, from the
 * system directory, by the runs that need them (src/win32/dll.c).  A DLL override
 * takes Wine's away to show it: with either missing, mmpclean still
 * starts, which it could not if it imported them.
 */
#define NO_DLL(dll)	"WINEDLLOVERRIDES=mscoree,mshtml=;" dll "=d"

/*
 * Without RstrtMgr.dll no holder can be named: "holder unknown", as when
 * Restart Manager names nobody, and not an error.
 */
static void
t_holders_without_rstrtmgr(void **state)
{
	struct fx *f = *state;
	struct run *r;
	char want[PATH_MAX];

	mkfile(U(f, "a.mmp"));
	HOLD(f, NULL, NULL, "a.mmp");
	mkfile(U(f, "free.mmp"));

	r = MMENV(f, NO_DLL("rstrtmgr"), "--holders", "--dir", f->wdir);
	expect_exit(r, 1);
	fmt(want, sizeof want, "locked    %s  (holder unknown)",
	    W(f, "a.mmp"));
	expect_out_line(r, want);
	expect_line(r, "unlocked", W(f, "free.mmp"));
	expect_summary(r, 1, "locked");
	expect_empty(r, err);
}

/*
 * Without advapi32.dll a --dir run does all of its work; a run that reads
 * the registry cannot, and says which DLL it could not load.
 */
static void
t_advapi32_only_when_needed(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	r = MMENV(f, NO_DLL("advapi32"), "--delete", "--dir", f->wdir);
	expect_exit(r, 0);
	expect_line(r, "deleted", W(f, "a.mmp"));
	expect_gone(U(f, "a.mmp"));
	expect_empty(r, err);

	r = MMENV(f, NO_DLL("advapi32"), "--where");
	expect_exit(r, 3);
	expect_diag(r);
	expect_in(r, err, "cannot read registry value 'HKLM\\Software\\"
	    "Microsoft\\Windows Messaging Subsystem\\ProfileDirectory' "
	    "(64-bit view): cannot load ");
	expect_in(r, err, "\\system32\\advapi32.dll: Win32 error 126");

	/* the run's work is done; only the event is missing */
	mkfile(U(f, "b.mmp"));
	r = MMENV(f, NO_DLL("advapi32"), "--eventlog", "--delete", "--dir",
	    f->wdir);
	expect_exit(r, 2);
	expect_line(r, "deleted", W(f, "b.mmp"));
	expect_in(r, err, "cannot write to the Application event log: "
	    "cannot load ");
}

/*
 * Issue "DLL planting": a RstrtMgr.dll beside mmpclean.exe must never be
 * loaded, with --holders or without.  Imported, it was, in every run (it
 * is not a KnownDLL).  build/plant/RstrtMgr.dll leaves PLANTED beside
 * itself when loaded; the run must not tell otherwise.
 */
static void
t_planted_rstrtmgr_not_loaded(void **state)
{
	struct fx *f = *state;
	char build[PATH_MAX], dll[PATH_MAX], bin[PATH_MAX], exe[PATH_MAX];
	char wexe[PATH_MAX], planted[PATH_MAX], want[PATH_MAX], *slash;
	struct run *r = &f->r;

	/* built by make e2e beside holdlock.exe */
	fmt(build, sizeof build, "%s", g_holdlock);
	if ((slash = strrchr(build, '/')) != NULL)
		*slash = '\0';
	fmt(dll, sizeof dll, "%s/plant/RstrtMgr.dll", build);
	if (!exists(dll))
		fail_msg("%s is missing (run make e2e)", dll);
	fmt(bin, sizeof bin, "%s/bin", f->uout);
	fmt(exe, sizeof exe, "%s/mmpclean.exe", bin);
	fmt(wexe, sizeof wexe, "%s\\bin\\mmpclean.exe", f->wout);
	fmt(planted, sizeof planted, "%s/PLANTED", bin);
	mkdir_p(bin);
	run_ok(ARGS("cp", g_exe, exe));
	run_ok(ARGS("cp", dll, bin));

	mkfile(U(f, "a.mmp"));
	HOLD(f, NULL, NULL, "a.mmp");
	mkfile(U(f, "free.mmp"));

	tool(r, ARGS("wine", wexe, "--dir", f->wdir));
	expect_exit(r, 1);
	expect_line(r, "unlocked", W(f, "free.mmp"));
	if (exists(planted))
		fail_msg("a run without --holders loaded %s", dll);

	tool(r, ARGS("wine", wexe, "--holders", "--dir", f->wdir));
	expect_exit(r, 1);
	fmt(want, sizeof want, "locked    %s  (holder unknown)",
	    W(f, "a.mmp"));
	expect_out_line(r, want);
	expect_empty(r, err);
	if (exists(planted))
		fail_msg("--holders loaded %s, not the system's", dll);
}

/*
 * What --wait does shows in Wine's +file trace: every look at a.mmp is an
 * NtCreateFile of that name.  The first look finds it locked, the second
 * look (at the end of the directory) too; the third is --wait's first,
 * after its first pause: from then on the run is waiting.
 */
#define LOOK		"name=L\"a.mmp\""
#define WAITING		3	/* looks: the run is in --wait */

static void
t_wait_until_released(void **state)
{
	struct fx *f = *state;
	struct job j;
	struct run *r = &f->r;
	uint64_t released;
	int slot;

	mkfile(U(f, "a.mmp"));
	slot = HOLD(f, NULL, NULL, "a.mmp");
	mm_start_env(f, &j, r, ARGS("WINEDEBUG=+file"), NULL,
	    ARGS("--delete", "--wait", "30", "--dir", f->wdir));
	mm_await_n(f, &j, LOOK, WAITING);
	if (has_ended(j.pid))
		fail_msg("--wait 30 ended while the file was held");
	expect_exists(U(f, "a.mmp"));
	release(f, slot);
	released = now_ms();
	mm_wait(f, &j);
	/* deleted: so it looked again after the release */
	expect_exit(r, 0);
	expect_line_icase(r, "deleted", W(f, "a.mmp"));
	expect_in(r, out, "1 deleted, 0 locked");
	expect_gone(U(f, "a.mmp"));
	/*
	 * at its next look, the pauses growing to 2 s at most, not when the
	 * 30 s ran out: the time is the behaviour here, the margin wide
	 */
	if (now_ms() - released > 15000) {
		dump(r);
		fail_msg("finished %llu ms after the release",
		    (unsigned long long)(now_ms() - released));
	}
}

static void
t_wait_gives_up(void **state)
{
	struct fx *f = *state;
	struct run *r;

	mkfile(U(f, "a.mmp"));
	HOLD(f, NULL, NULL, "a.mmp");
	r = MM(f, "--delete", "--wait", "2", "--dir", f->wdir);
	expect_exit(r, 1);
	expect_line_icase(r, "locked", W(f, "a.mmp"));
	expect_exists(U(f, "a.mmp"));
	/* it waited the 2 s, and then gave up (wide: the machine is shared) */
	if (r->ms < 2000 || r->ms > 20000) {
		dump(r);
		fail_msg("--wait 2 took %llu ms", (unsigned long long)r->ms);
	}
}

/*
 * Ctrl+C: Wine turns SIGINT into CTRL_C_EVENT for the process.  The
 * handler only notes it, so the run stops waiting at once and still
 * finishes its report; without the handler Wine ends the process with
 * STATUS_CONTROL_C_EXIT and no summary.  The signal is sent once the run
 * is in --wait (the trace shows --wait's first look).
 */
static void
t_ctrl_c_stops_wait(void **state)
{
	struct fx *f = *state;
	struct job j;
	struct run *r = &f->r;
	uint64_t sent;

	mkfile(U(f, "a.mmp"));
	HOLD(f, NULL, NULL, "a.mmp");
	mm_start_env(f, &j, r, ARGS("WINEDEBUG=+file"), NULL,
	    ARGS("--delete", "--wait", "60", "--dir", f->wdir));
	mm_await_n(f, &j, LOOK, WAITING);
	if (kill(j.pid, SIGINT) != 0)
		fail_msg("kill: %s", strerror(errno));
	sent = now_ms();
	mm_wait(f, &j);
	/* an interrupted run: exit status 2, and it says so */
	if (r->status != 2) {
		dump(r);
		fail_msg("exit status %d, expected 2", r->status);
	}
	expect_in(r, err, "interrupted while waiting");
	expect_line_icase(r, "locked", W(f, "a.mmp"));
	expect_in(r, out, "1 .mmp file in 1 directory:");
	expect_exists(U(f, "a.mmp"));
	/* at once, not when the 60 s ran out (wide margin) */
	if (now_ms() - sent > 20000) {
		dump(r);
		fail_msg("Ctrl+C did not stop --wait 60 (%llu ms after it)",
		    (unsigned long long)(now_ms() - sent));
	}
}

/*
 * Ctrl+C with eight workers busy deleting: each finishes the file in hand
 * and takes no other, every file tried is reported once and only those
 * are gone, and the summary is printed.  The signal goes once the trace
 * shows NCTRL files opened; if the run ended first (the race did not
 * happen), it runs again, twice at most.
 */
enum { NCTRL_FILES = 4000, NCTRL = 400 };

static void
t_ctrl_c_with_workers_busy(void **state)
{
	static int lines[NCTRL_FILES];
	struct fx *f = *state;
	struct job j;
	struct run *r = &f->r;
	char rel[32], head[64];
	int attempt, gone, said;

	for (attempt = 0; attempt < 3; attempt++) {
		for (int i = 0; i < NCTRL_FILES; i++) {
			fmt(rel, sizeof rel, "c%04d.mmp", i);
			mkfile(U(f, rel));
		}
		mm_start_env(f, &j, r, ARGS("WINEDEBUG=+file"), NULL,
		    ARGS("--delete", "--threads", "8", "--dir", f->wdir));
		mm_await_n(f, &j, "name=L\"c", NCTRL);
		if (kill(j.pid, SIGINT) != 0)
			fail_msg("kill: %s", strerror(errno));
		mm_wait(f, &j);
		if (r->status == 2)
			break;
		/* ended before the signal: the race never happened */
		expect_exit(r, 0);
		fprintf(stderr, "t_ctrl_c_with_workers_busy: the run ended "
		    "before Ctrl+C; again\n");
		run_free(r);
	}
	if (attempt == 3)
		fail_msg("the run always ended before Ctrl+C reached it");
	expect_in(r, err, "interrupted: '");
	memset(lines, 0, sizeof lines);
	fmt(head, sizeof head, "deleted   %s\\c", f->wdir);
	for (const char *p = r->out; (p = strstr(p, head)) != NULL; p++)
		lines[atoi(p + strlen(head)) % NCTRL_FILES]++;
	gone = said = 0;
	for (int i = 0; i < NCTRL_FILES; i++) {
		fmt(rel, sizeof rel, "c%04d.mmp", i);
		if (lines[i] > 1 || lines[i] != !exists(U(f, rel))) {
			dump(r);
			fail_msg("%s: %d deleted lines, %s", rel, lines[i],
			    exists(U(f, rel)) ? "still there" : "gone");
		}
		gone += lines[i];
	}
	said = count_status(r->out, "deleted");
	if (gone == 0 || gone >= NCTRL_FILES || said != gone ||
	    !has_count(summary(r->out), gone, "deleted")) {
		dump(r);
		fail_msg("%d files gone, %d deleted lines", gone, said);
	}
	expect_summary(r, gone, ".mmp file");
}

/* ---- Exchange's Webtemp ---- */

static void
t_exchange_webtemp(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX];
	struct run *r;

	reg_cleanup(f, EXCHANGE_KEY, NULL, 64);
	reg_cleanup(f, EXCHANGE_KEY, NULL, 32);
	reg_remove(EXCHANGE_KEY, NULL, 64);
	reg_remove(EXCHANGE_KEY, NULL, 32);
	mkdir_p(U(f, "exch/Webtemp"));
	mkfile(U(f, "exch/Webtemp/w.mmp"));
	run_ok(ARGS("wine", "reg", "add", EXCHANGE_KEY "\\Setup", "/v",
	    "Services", "/d", W(f, "exch"), "/f", "/reg:64"));

	r = MM(f, "--where");
	expect_exit(r, 0);
	fmt(want, sizeof want, "%s  (Exchange Webtemp)", W(f, "exch\\Webtemp"));
	expect_out_line(r, want);
	expect_out_line(r, "C:\\windows  (Windows directory)");

	r = MM(f, "--delete");
	expect_exit(r, 0);
	expect_line_icase(r, "deleted", W(f, "exch\\Webtemp\\w.mmp"));
	expect_gone(U(f, "exch/Webtemp/w.mmp"));

	/* the key alone, in the 32-bit view: Exchange's default directory */
	reg_remove(EXCHANGE_KEY, NULL, 64);
	run_ok(ARGS("wine", "reg", "add", EXCHANGE_KEY "\\Setup", "/f",
	    "/reg:32"));
	r = MM(f, "--where");
	expect_exit(r, 0);
	expect_out_line(r, "C:\\EXCHSRVR\\Webtemp  (Exchange Webtemp)");
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

/*
 * A Webtemp that is missing is no error only while it is inferred from
 * Exchange's key: when ProfileDirectory names that same directory, it is
 * configured, and a configured directory that is missing is exit 3.
 */
static void
t_missing_profile_directory_that_is_webtemp_exit3(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX];
	struct run *r;

	reg_cleanup(f, EXCHANGE_KEY, NULL, 64);
	reg_cleanup(f, EXCHANGE_KEY, NULL, 32);
	reg_remove(EXCHANGE_KEY, NULL, 64);
	reg_remove(EXCHANGE_KEY, NULL, 32);
	mkdir_p(U(f, "exch"));
	run_ok(ARGS("wine", "reg", "add", EXCHANGE_KEY "\\Setup", "/v",
	    "Services", "/d", W(f, "exch"), "/f", "/reg:64"));

	/* Webtemp alone: a note, exit 0 */
	r = MM0(f);
	expect_exit(r, 0);
	fmt(want, sizeof want, "Exchange's Webtemp directory '%s' does not "
	    "exist; skipped", W(f, "exch\\Webtemp"));
	expect_in(r, err, want);

	/* and named by ProfileDirectory as well (in another case) */
	reg_set(f, 64, "REG_SZ", W(f, "EXCH\\WEBTEMP"));
	r = MM(f, "--where");
	expect_exit(r, 0);
	fmt(want, sizeof want, "%s  (registry, 64-bit view; Exchange Webtemp)",
	    W(f, "EXCH\\WEBTEMP"));
	expect_out_line(r, want);

	r = MM(f, "--delete");
	expect_exit(r, 3);
	expect_diag(r);
	expect_in(r, err, "ProfileDirectory");
	expect_not_in(r, err, "skipped");
	expect_in(r, out, "0 .mmp files in 0 directories");
}

/* ---- the log ---- */

#define SEG26	"abcdefghijklmnopqrstuvwxyz"

static void
t_log_appends_whole_crlf_lines(void **state)
{
	struct fx *f = *state;
	char deep[PATH_MAX], udeep[PATH_MAX], wlog[PATH_MAX], ulog[PATH_MAX];
	char unlocked[PATH_MAX], deleted[PATH_MAX];
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
	fmt(unlocked, sizeof unlocked, "unlocked  %s", W(f, "a.mmp"));
	fmt(deleted, sizeof deleted, "deleted   %s", W(f, "a.mmp"));
	if (strstr(text, unlocked) == NULL || strstr(text, deleted) == NULL ||
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

/* The shared set-up, and winprobe.exe, which only these tests use. */
static int
admin_group_setup(void **state)
{
	if (group_setup(state) != 0)
		return -1;
	if (access(g_probe, R_OK) != 0) {
		fprintf(stderr, "e2e_admin: %s: %s (run make e2e)\n", g_probe,
		    strerror(errno));
		return -1;
	}
	return 0;
}

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
		T(t_holders_without_rstrtmgr),
		T(t_advapi32_only_when_needed),
		T(t_planted_rstrtmgr_not_loaded),
		T(t_wait_until_released),
		T(t_wait_gives_up),
		T(t_ctrl_c_stops_wait),
		T(t_ctrl_c_with_workers_busy),
		T(t_exchange_webtemp),
		T(t_missing_profile_directory_that_is_webtemp_exit3),
		T(t_log_appends_whole_crlf_lines),
	};

	/* E2E_FILTER=t_link*: run only the tests whose names match. */
	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests_name("mmpclean e2e (administration, "
	    "locked files)", tests, admin_group_setup, group_teardown);
}

/*
 * The administrator's one-off commands: --configure and --unconfigure do
 * what Q166599 asks of Regedt32 and the directory's permissions, and the
 * event source is registered or removed.  Everything that can be checked
 * is checked before the first change.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

static const char *
why(enum pst st)
{
	switch (st) {
	case PST_DENIED:
		return "access denied";
	case PST_NOTDIR:
		return "a file is in the way (the path, or one of its "
		    "parents, is a file)";
	case PST_NOTFOUND:
		return "the drive or share does not exist";
	case PST_NOMEM:
		return "out of memory";
	default:
		return plat_lasterror();
	}
}

/* The IIS anonymous account: IUSR_<COMPUTERNAME> (IIS 5/6) or IUSR. */
static int
default_account(char **account)
{
	struct sbuf b = { 0 };
	char *host = NULL;

	*account = NULL;
	if (plat_computer_name(&host) == PST_OK) {
		sb_printf(&b, "IUSR_%s", host);
		free(host);
		if (!b.oom && plat_account_exists(b.s) == PST_OK) {
			*account = b.s;
			return 0;
		}
		sb_free(&b);
	}
	if (plat_account_exists("IUSR") == PST_OK) {
		*account = xstrdup("IUSR");
		return *account ? 0 : -1;
	}
	return -1;
}

static int
is_windows_dir(const char *dir)
{
	char *win, *norm;
	const char *w;
	int same = 0;

	if (plat_windows_dir(&win) != PST_OK)
		return 0;
	if (path_normalise(win, &norm, &w) == 0) {
		same = ascii_casecmp(norm, dir) == 0;
		free(norm);
	}
	free(win);
	return same;
}

/* -q: only problems (warnmsg); what was done is not said. */
static int quiet;

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	out_text(b.s ? b.s : "");
	sb_free(&b);
}

static void
says(const char *text)
{
	say("%s", text);
}

static int
configure(const struct opts *o)
{
	const char *dir = o->config_dir;
	char *account = NULL;
	struct regval rv;
	enum pst st;
	int created = 0, ret = EXIT_CLEAN;

	if (is_windows_dir(dir)) {
		warnmsg("--configure '%s' is the Windows directory, where MAPI "
		    "writes when ProfileDirectory is not set; choose a "
		    "directory of its own", o->configure);
		return EXIT_USAGE;
	}
	if (o->grant != NULL) {
		if ((st = plat_account_exists(o->grant)) != PST_OK) {
			warnmsg("--grant '%s': %s", o->grant, st == PST_ABSENT ?
			    "no such account" : why(st));
			return EXIT_FAILED;
		}
		if ((account = xstrdup(o->grant)) == NULL)
			return EXIT_FAILED;
	} else if (default_account(&account) != 0) {
		warnmsg("no IIS anonymous account found (neither IUSR_<computer "
		    "name> nor IUSR exists); name the account that runs the "
		    "ASP pages with --grant ACCOUNT");
		return EXIT_FAILED;
	}

	if ((st = plat_mkdir(dir, &created)) != PST_OK) {
		warnmsg("cannot create directory '%s': %s", dir, why(st));
		free(account);
		return EXIT_FAILED;
	}
	say(created ? "created directory '%s'\n" :
	    "directory '%s' exists already\n", dir);

	for (int v = VIEW_64; v <= VIEW_32; v++) {
		char *was = NULL, *norm = NULL;
		const char *w;

		if (plat_reg_get(v, profile_key, profile_value, &rv) == PST_OK) {
			was = rv.data;
			if (!rv.expand && path_normalise(was, &norm, &w) == 0 &&
			    strcmp(norm, dir) == 0) {
				say("HKLM\\%s\\%s (%s) names '%s' "
				    "already\n", profile_key, profile_value,
				    view_name[v], dir);
				free(norm);
				free(was);
				continue;
			}
			free(norm);
		}
		if ((st = plat_reg_set(v, profile_key, profile_value, dir)) !=
		    PST_OK) {
			warnmsg("cannot set registry value 'HKLM\\%s\\%s' (%s): "
			    "%s", profile_key, profile_value, view_name[v],
			    why(st));
			ret = EXIT_FAILED;
		} else if (was != NULL)
			say("set HKLM\\%s\\%s (%s) to '%s' (it was "
			    "'%s')\n", profile_key, profile_value, view_name[v],
			    dir, was);
		else
			say("set HKLM\\%s\\%s (%s) to '%s'\n",
			    profile_key, profile_value, view_name[v], dir);
		free(was);
	}

	if ((st = plat_grant_modify(dir, account)) != PST_OK) {
		warnmsg("cannot give '%s' modify rights on '%s': %s", account,
		    dir, why(st));
		ret = EXIT_FAILED;
	} else
		say("gave '%s' modify rights on '%s'\n", account, dir);
	free(account);

	says("MAPI reads ProfileDirectory once per process: restart the "
	    "process that uses\nMAPI (IIS, or the DLLHost.exe running the ASP "
	    "pages) for it to take effect.\n.mmp files made before stay where "
	    "they are: 'mmpclean --all --delete'\ncleans them up.\n");
	return ret;
}

static int
unconfigure(void)
{
	struct regval rv;
	enum pst st;
	int ret = EXIT_CLEAN;

	for (int v = VIEW_64; v <= VIEW_32; v++) {
		char *was = NULL;

		if (plat_reg_get(v, profile_key, profile_value, &rv) == PST_OK)
			was = rv.data;
		switch ((st = plat_reg_delete(v, profile_key, profile_value))) {
		case PST_OK:
			if (was != NULL)
				say("removed HKLM\\%s\\%s (%s), which "
				    "was '%s'\n", profile_key, profile_value,
				    view_name[v], was);
			else
				say("removed HKLM\\%s\\%s (%s)\n",
				    profile_key, profile_value, view_name[v]);
			break;
		case PST_ABSENT:
			say("HKLM\\%s\\%s (%s) was not set\n",
			    profile_key, profile_value, view_name[v]);
			break;
		default:
			warnmsg("cannot remove registry value 'HKLM\\%s\\%s' "
			    "(%s): %s", profile_key, profile_value,
			    view_name[v], why(st));
			ret = EXIT_FAILED;
		}
		free(was);
	}
	says("The directory and any .mmp files in it are left as they "
	    "are; MAPI uses the\nWindows directory again once the process "
	    "that uses it restarts.\n");
	return ret;
}

int
admin_command(const struct opts *o)
{
	enum pst st;
	int existed = 0;

	quiet = o->quiet;
	if (!plat_is_admin()) {
		warnmsg("%s needs administrator rights: run it from an elevated "
		    "command prompt", cmd_name[o->cmd]);
		return EXIT_FAILED;
	}
	switch (o->cmd) {
	case CMD_CONFIGURE:
		return configure(o);
	case CMD_UNCONFIGURE:
		return unconfigure();
	case CMD_INSTALL_EVENTLOG:
		if ((st = plat_eventlog_install(&existed)) != PST_OK) {
			warnmsg("cannot register the event source 'mmpclean': "
			    "%s", why(st));
			return EXIT_FAILED;
		}
		says(existed ? "the event source 'mmpclean' was registered "
		    "already; its message file is now this executable\n" :
		    "registered the event source 'mmpclean' in the "
		    "Application log\n");
		return EXIT_CLEAN;
	case CMD_UNINSTALL_EVENTLOG:
		st = plat_eventlog_uninstall();
		if (st == PST_ABSENT) {
			says("the event source 'mmpclean' was not "
			    "registered\n");
			return EXIT_CLEAN;
		}
		if (st != PST_OK) {
			warnmsg("cannot remove the event source 'mmpclean': "
			    "%s", why(st));
			return EXIT_FAILED;
		}
		says("removed the event source 'mmpclean'\n");
		return EXIT_CLEAN;
	default:
		return EXIT_USAGE;
	}
}

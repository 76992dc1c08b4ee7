/*
 * --one-computer: another computer's directories, from here.  Its registry
 * is read through the Remote Registry service, its %VARIABLES% are its own
 * (read from that registry, never this computer's environment), and its
 * X:\path is reached as \\NAME\X$\path.
 */
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

static const char env_key[] =
    "System\\CurrentControlSet\\Control\\Session Manager\\Environment";
/* %A% naming %B% naming ...: deeper than this is a loop */
#define REMOTE_EXPAND_DEPTH 8

/*
 * A variable as the remote computer's processes see it: the system
 * environment in its registry, and the few that Windows sets itself
 * from elsewhere in the registry.
 */
enum pst
remote_var(const char *name, char **value, int depth)
{
	static const struct {
		const char *name, *key, *value;
	} own[] = {
		{ "SystemRoot", cur_version_key, "SystemRoot" },
		{ "WinDir", cur_version_key, "SystemRoot" },
		{ "ProgramFiles", "Software\\Microsoft\\Windows\\CurrentVersion",
		    "ProgramFilesDir" },
		{ "ProgramFiles(x86)",
		    "Software\\Microsoft\\Windows\\CurrentVersion",
		    "ProgramFilesDir (x86)" },
		{ "ProgramData", "Software\\Microsoft\\Windows NT\\CurrentVersion"
		    "\\ProfileList", "ProgramData" },
		{ "ALLUSERSPROFILE", "Software\\Microsoft\\Windows NT"
		    "\\CurrentVersion\\ProfileList", "ProgramData" },
	};
	const char *key = env_key, *vname = name;
	struct regval rv = { 0 };
	char *undef = NULL;
	enum pst st;

	*value = NULL;
	if (depth > REMOTE_EXPAND_DEPTH)
		return PST_ABSENT;
	if (ascii_casecmp(name, "SystemDrive") == 0) {
		if ((st = remote_var("SystemRoot", value, depth + 1)) != PST_OK)
			return st;
		if (strlen(*value) < 2 || (*value)[1] != ':') {
			free(*value);
			*value = NULL;
			return PST_ABSENT;
		}
		(*value)[2] = '\0';
		return PST_OK;
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (ascii_casecmp(name, own[i].name) == 0) {
			key = own[i].key;
			vname = own[i].value;
		}
	if ((st = plat_reg_get(VIEW_64, key, vname, &rv)) != PST_OK)
		return st == PST_WRONGTYPE ? PST_ABSENT : st;
	if (!rv.expand) {
		*value = rv.data;
		return PST_OK;
	}
	switch (env_expand_depth(rv.data, value, &undef, depth + 1)) {
	case EXP_OK:
		st = PST_OK;
		break;
	case EXP_UNDEFINED:
		st = PST_ABSENT;
		break;
	case EXP_NOMEM:
		st = PST_NOMEM;
		break;
	default:
		st = PST_IO;
		break;
	}
	free(undef);
	free(rv.data);
	return st;
}

/* host's registry, or why it cannot be read (a candidate with its error). */
int
connect_host(struct candlist *cl, const char *host)
{
	enum pst st = plat_reg_connect(host);

	if (st == PST_OK)
		return 0;
	cand_fail(cl, SRC_REG64 | SRC_REG32, NULL, "cannot read the registry "
	    "of %s: %s; mmpclean never guesses a computer's directory: give "
	    "it with --dir (for example --computer %s --dir C:\\Windows) to "
	    "scan without the registry", host, st == PST_DENIED ? "access "
	    "denied (reading it needs administrator rights there)" :
	    st == PST_NOTFOUND || st == PST_GONE ? "the computer cannot be "
	    "found, or its Remote Registry service is not running" :
	    plat_lasterror(), host);
	return -1;
}

/*
 * X:\path on host is \\HOST\X$\path from here.  A network path it names
 * is not followed: that would be some other computer's share, reached with
 * this workstation's credentials.  Returns 0 with *path replaced, 1 (the
 * path refused: a candidate with its error, said) or -1 (out of memory;
 * said).
 */
int
on_host(struct candlist *cl, const char *host, char **path, unsigned src)
{
	struct sbuf b = { 0 };
	char *p = *path, *why;

	if (p[0] == '\\') {
		why = src_describe(src);
		cand_fail(cl, src, p, "'%s' (%s) is a network path on %s: "
		    "mmpclean reaches a computer's directories through its "
		    "administrative shares (C$), and does not follow a path "
		    "that names another share; scan it with --dir, without "
		    "--computer, or run mmpclean on %s", p, why ? why : "",
		    host, host);
		free(why);
		free(p);
		*path = NULL;
		return 1;
	}
	/* normalised: "X:\" or "X:\dir..." */
	sb_printf(&b, "\\\\%s\\%c$%s", host, p[0], p[3] ? p + 2 : "");
	free(p);
	*path = b.s;
	if (!b.oom)
		return 0;
	sb_free(&b);
	*path = NULL;
	warnmsg("out of memory");
	return -1;
}

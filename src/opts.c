/* The command line, parsed into a struct opts by one function. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"

enum {
	OPT_ALL = 256, OPT_CONFIGURE, OPT_DIR, OPT_EVENTLOG, OPT_FORCE,
	OPT_FORMAT, OPT_GRANT, OPT_HOLDERS, OPT_INSTALL_EVENTLOG, OPT_LOG,
	OPT_OLDER, OPT_REBOOT, OPT_UNCONFIGURE, OPT_UNINSTALL_EVENTLOG,
	OPT_WAIT, OPT_WHERE
};

static const struct option longopts[] = {
	{ "all",		no_argument,	   NULL, OPT_ALL },
	{ "configure",		required_argument, NULL, OPT_CONFIGURE },
	{ "delete",		no_argument,	   NULL, 'd' },
	{ "dir",		required_argument, NULL, OPT_DIR },
	{ "eventlog",		no_argument,	   NULL, OPT_EVENTLOG },
	{ "force",		no_argument,	   NULL, OPT_FORCE },
	{ "format",		required_argument, NULL, OPT_FORMAT },
	{ "grant",		required_argument, NULL, OPT_GRANT },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "holders",		no_argument,	   NULL, OPT_HOLDERS },
	{ "install-eventlog",	no_argument,	   NULL, OPT_INSTALL_EVENTLOG },
	{ "log",		required_argument, NULL, OPT_LOG },
	{ "older-than",		required_argument, NULL, OPT_OLDER },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "reboot",		no_argument,	   NULL, OPT_REBOOT },
	{ "unconfigure",	no_argument,	   NULL, OPT_UNCONFIGURE },
	{ "uninstall-eventlog",	no_argument,	   NULL, OPT_UNINSTALL_EVENTLOG },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "wait",		required_argument, NULL, OPT_WAIT },
	{ "where",		no_argument,	   NULL, OPT_WHERE },
	{ NULL,			0,		   NULL, 0 }
};

const char usage_line[] =
    "usage: mmpclean [-dqv] [--force] [--holders] [--wait SECONDS] [--reboot]\n"
    "                [--older-than AGE] [--format FMT] [--log FILE]\n"
    "                [--eventlog] [--all | --dir DIR ...]\n"
    "       mmpclean --where [--format FMT] [--all | --dir DIR ...]\n"
    "       mmpclean --configure DIR [--grant ACCOUNT] | --unconfigure\n"
    "       mmpclean --install-eventlog | --uninstall-eventlog\n";

const char help_text[] =
    "mmpclean: find the *.mmp files that MAPI and CDO leave behind, and\n"
    "delete those that no process holds.\n"
    "\n"
    "By default it reports only; it deletes with --delete.  It scans the\n"
    "directory named by HKLM\\Software\\Microsoft\\Windows Messaging Subsystem\n"
    "\\ProfileDirectory (64-bit and 32-bit registry views), or the Windows\n"
    "directory when that value is not set.\n"
    "\n"
    "  -d, --delete     delete every *.mmp file no process holds open\n"
    "      --force      with --delete, also delete read-only *.mmp files\n"
    "      --dir DIR    scan DIR (a full path) instead; may be repeated\n"
    "      --all        scan every candidate: each registry view's value and\n"
    "                   the Windows directory\n"
    "      --where      print the directories that would be scanned, and why\n"
    "      --older-than AGE\n"
    "                   only files last written more than AGE ago: 90s, 30m,\n"
    "                   12h or 7d; younger ones are listed as young\n"
    "      --format FMT text (the default), csv or json\n"
    "      --log FILE   append a timestamped line per file to FILE (a full\n"
    "                   path)\n"
    "      --eventlog   write a summary event to the Application event log\n"
    "      --holders    name the processes (and services) holding locked files\n"
    "      --wait SECONDS\n"
    "                   re-probe locked files until they are free or SECONDS\n"
    "                   have passed (use right after restarting IIS)\n"
    "      --reboot     with --delete, schedule files still locked for deletion\n"
    "                   at the next boot (administrators only; not on network\n"
    "                   or SUBST drives, which the boot cannot reach)\n"
    "\n"
    "  --configure DIR [--grant ACCOUNT]\n"
    "                   make MAPI write *.mmp files to DIR (Q166599): create it,\n"
    "                   set ProfileDirectory in both registry views and give\n"
    "                   ACCOUNT (default: the IIS anonymous account) modify\n"
    "                   rights on it\n"
    "  --unconfigure    remove ProfileDirectory from both registry views\n"
    "  --install-eventlog, --uninstall-eventlog\n"
    "                   register or remove the event source \"mmpclean\"\n"
    "  -q, --quiet      print only problems (no per-file lines or summary)\n"
    "  -v, --verbose    say where each directory came from, and timings\n"
    "  -h, --help, /?   print this help\n"
    "  -V, --version    print the version\n"
    "\n"
    "Exit status: 0 nothing locked remains; 1 locked files remain; 2 some\n"
    "files could not be handled (or a --configure / event log action\n"
    "failed); 3 a directory could not be resolved or opened; 4 invalid\n"
    "command line.\n";

int
parse_age(const char *s, int64_t *secs, const char **why)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const int64_t limit = 100LL * 366 * 86400;	/* a century */
	int64_t n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return *why = "must be a number followed by a unit: s, m, h "
		    "or d (as in 90s, 30m, 12h, 7d)", -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > limit)
			return *why = "is too large (at most a century)", -1;
	}
	if (*p == '\0')
		return *why = "has no unit: write s, m, h or d after the "
		    "number (as in 90s, 30m, 12h, 7d)", -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*p == units[i].unit && p[1] == '\0') {
			if (n > limit / units[i].secs)
				return *why = "is too large (at most a "
				    "century)", -1;
			*secs = n * units[i].secs;
			return 0;
		}
	return *why = "has an unknown unit: use s, m, h or d (as in 90s, "
	    "30m, 12h, 7d)", -1;
}

/* --wait: whole seconds, 1 to a day. */
static int
parse_seconds(const char *s, unsigned *secs, const char **why)
{
	unsigned long n = 0;

	if (*s == '\0')
		return *why = "must be a number of seconds", -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (unsigned long)(*s - '0')) > 86400)
			return *why = "is too long (at most 86400, a day)", -1;
	if (*s != '\0')
		return *why = "must be a whole number of seconds", -1;
	if (n == 0)
		return *why = "must be at least 1", -1;
	*secs = (unsigned)n;
	return 0;
}

const char *const cmd_name[] = {
	"", "--configure", "--unconfigure", "--install-eventlog",
	"--uninstall-eventlog"
};

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/*
 * Words for what getopt_long just rejected.  Short options are named by
 * optopt, since argv[optind - 1] need not hold them within a cluster.
 */
static int
bad_option(char **argv, int c, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];
	char name[64];

	if (strncmp(arg, "--", 2) == 0) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="),
		    arg);
		if (c == ':')
			return fail(err, errlen, "option '%s' needs a value",
			    name);
		if (optopt != 0 && strchr(arg, '=') != NULL)
			return fail(err, errlen, "option '%s' takes no value",
			    name);
		return fail(err, errlen, "unknown option '%s'", name);
	}
	if (optopt <= ' ' || optopt >= 0x7f)
		return fail(err, errlen, "unknown option character 0x%02X",
		    (unsigned)optopt & 0xff);
	if (c == ':')
		return fail(err, errlen, "option '-%c' needs a value", optopt);
	return fail(err, errlen, "unknown option '-%c'", optopt);
}

int
opts_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen)
{
	const char *why;
	int c, i, clash = 0;

	memset(o, 0, sizeof(*o));
	o->older_than = -1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "/?") == 0 || strcmp(argv[i], "-?") == 0) {
			o->help = 1;
			return 0;
		}
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	if ((o->dirs = calloc((size_t)argc + 1, sizeof(*o->dirs))) == NULL)
		return fail(err, errlen, "out of memory");

	opterr = 0;
	optind = 0;	/* a full reset, in glibc and in mingw-w64 */
	while ((c = getopt_long(argc, argv, ":dhqvV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->delete = 1;
			break;
		case 'h':
			o->help = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			o->version = 1;
			break;
		case OPT_ALL:
			o->all = 1;
			break;
		case OPT_DIR:
			o->dirs[o->ndirs++] = optarg;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o->format = FMT_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				o->format = FMT_CSV;
			else if (strcmp(optarg, "json") == 0)
				o->format = FMT_JSON;
			else
				return fail(err, errlen, "--format '%s' is not "
				    "a format: use text, csv or json", optarg);
			break;
		case OPT_LOG:
			o->log = optarg;	/* normalised below */
			break;
		case OPT_OLDER:
			if (parse_age(optarg, &o->older_than, &why) != 0)
				return fail(err, errlen, "--older-than '%s' %s",
				    optarg, why);
			break;
		case OPT_WHERE:
			o->where = 1;
			break;
		case OPT_HOLDERS:
			o->holders = 1;
			break;
		case OPT_WAIT:
			if (parse_seconds(optarg, &o->wait, &why) != 0)
				return fail(err, errlen, "--wait '%s' %s",
				    optarg, why);
			break;
		case OPT_REBOOT:
			o->reboot = 1;
			break;
		case OPT_EVENTLOG:
			o->eventlog = 1;
			break;
		case OPT_INSTALL_EVENTLOG:
			clash |= o->cmd != CMD_SCAN;
			o->cmd = CMD_INSTALL_EVENTLOG;
			break;
		case OPT_UNINSTALL_EVENTLOG:
			clash |= o->cmd != CMD_SCAN;
			o->cmd = CMD_UNINSTALL_EVENTLOG;
			break;
		case OPT_CONFIGURE:
			clash |= o->cmd != CMD_SCAN;
			o->cmd = CMD_CONFIGURE;
			o->configure = optarg;
			break;
		case OPT_UNCONFIGURE:
			clash |= o->cmd != CMD_SCAN;
			o->cmd = CMD_UNCONFIGURE;
			break;
		case OPT_GRANT:
			o->grant = optarg;
			break;
		default:
			return bad_option(argv, c, err, errlen);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'%s",
		    argv[optind], argv[optind][0] == '/' ?
		    " (options start with - or --)" : "");

	if (o->help || o->version)
		return 0;
	if (clash)
		return fail(err, errlen, "only one of --configure, "
		    "--unconfigure, --install-eventlog and --uninstall-eventlog "
		    "at a time");
	if (o->cmd != CMD_SCAN && (o->delete || o->force || o->all ||
	    o->where || o->ndirs || o->older_than >= 0 || o->format ||
	    o->log || o->eventlog || o->holders || o->wait || o->reboot))
		return fail(err, errlen, "%s does not scan; it takes no other "
		    "options%s", cmd_name[o->cmd], o->cmd == CMD_CONFIGURE ?
		    " but --grant" : "");
	if (o->grant != NULL && o->cmd != CMD_CONFIGURE)
		return fail(err, errlen, "--grant goes with --configure");
	if (o->grant != NULL && o->grant[0] == '\0')
		return fail(err, errlen, "--grant needs an account name");
	if (o->reboot && !o->delete)
		return fail(err, errlen, "--reboot goes with --delete");
	if (o->where && (o->holders || o->wait || o->eventlog))
		return fail(err, errlen, "--where lists directories only; "
		    "--holders, --wait and --eventlog do not apply");
	if (o->cmd == CMD_CONFIGURE) {
		if (path_normalise(o->configure, &o->config_dir, &why) != 0)
			return fail(err, errlen, "--configure '%s' %s",
			    o->configure, why);
		if (strlen(o->config_dir) == 3)
			return fail(err, errlen, "--configure '%s' is a drive "
			    "root; give a directory of its own", o->configure);
	}
	if (o->all && o->ndirs > 0)
		return fail(err, errlen, "--all and --dir cannot be combined");
	if (o->where && o->delete)
		return fail(err, errlen, "--where lists directories only; "
		    "it cannot be combined with --delete");
	if (o->quiet && o->verbose)
		return fail(err, errlen, "--quiet and --verbose cannot be "
		    "combined");
	if (o->where && (o->older_than >= 0 || o->log != NULL))
		return fail(err, errlen, "--where lists directories only; "
		    "--older-than and --log do not apply");
	if (o->log != NULL) {
		const char *given = o->log;

		o->log = NULL;
		if (path_normalise(given, &o->log, &why) != 0) {
			return fail(err, errlen, "--log '%s' %s", given, why);
		}
		o->log_owned = 1;
	}
	for (i = 0; i < (int)o->ndirs; i++) {
		char *norm;

		if (path_normalise(o->dirs[i], &norm, &why) != 0)
			return fail(err, errlen, "--dir '%s' %s", o->dirs[i],
			    why);
		free(norm);
	}
	return 0;
}

void
opts_free(struct opts *o)
{
	free(o->dirs);
	o->dirs = NULL;
	if (o->log_owned)
		free(o->log);
	o->log = NULL;
	free(o->config_dir);
	o->config_dir = NULL;
}

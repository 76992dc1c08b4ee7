/* The command line, parsed into a struct opts by one function. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"

/*
 * Every option, in the order of --help.  Long names match exactly: a
 * prefix is refused with the full name suggested, so that a command line
 * in a scheduled task cannot change meaning when an option is added.
 * `once`: a value that may be given only once (two would hide an edit).
 */
const struct optdef optdefs[] = {
	{ "delete",		'd',	NULL,	   OPT_DELETE,		0 },
	{ "force",		0,	NULL,	   OPT_FORCE,		0 },
	{ "dir",		0,	"DIR",	   OPT_DIR,		0 },
	{ "all",		0,	NULL,	   OPT_ALL,		0 },
	{ "where",		0,	NULL,	   OPT_WHERE,		0 },
	{ "older-than",		0,	"AGE",	   OPT_OLDER,		1 },
	{ "format",		0,	"FMT",	   OPT_FORMAT,		1 },
	{ "log",		0,	"FILE",	   OPT_LOG,		1 },
	{ "eventlog",		0,	NULL,	   OPT_EVENTLOG,	0 },
	{ "holders",		0,	NULL,	   OPT_HOLDERS,		0 },
	{ "wait",		0,	"SECONDS", OPT_WAIT,		1 },
	{ "reboot",		0,	NULL,	   OPT_REBOOT,		0 },
	{ "threads",		0,	"N",	   OPT_THREADS,		1 },
	{ "computer",		0,	"NAME",	   OPT_COMPUTER,	0 },
	{ "computers",		0,	"FILE",	   OPT_COMPUTERS,	1 },
	{ "parallel",		0,	"N",	   OPT_PARALLEL,	1 },
	{ "host-timeout",	0,	"SECONDS", OPT_HOST_TIMEOUT,	1 },
	{ "one-computer",	0,	"NAME",	   OPT_ONE_COMPUTER,	1 },
	{ "configure",		0,	"DIR",	   OPT_CONFIGURE,	1 },
	{ "grant",		0,	"ACCOUNT", OPT_GRANT,		1 },
	{ "unconfigure",	0,	NULL,	   OPT_UNCONFIGURE,	0 },
	{ "install-eventlog",	0,	NULL,	   OPT_INSTALL_EVENTLOG, 0 },
	{ "uninstall-eventlog",	0,	NULL,	   OPT_UNINSTALL_EVENTLOG, 0 },
	{ "quiet",		'q',	NULL,	   OPT_QUIET,		0 },
	{ "verbose",		'v',	NULL,	   OPT_VERBOSE,		0 },
	{ "help",		'h',	NULL,	   OPT_HELP,		0 },
	{ "version",		'V',	NULL,	   OPT_VERSION,		0 },
	{ NULL,			0,	NULL,	   0,			0 }
};

const char usage_line[] =
    "usage: mmpclean [-dqv] [--force] [--holders] [--wait SECONDS] [--reboot]\n"
    "                [--threads N] [--older-than AGE] [--format FMT] [--log FILE]\n"
    "                [--eventlog] [--all | --dir DIR ...]\n"
    "                [--computer NAME[,NAME...] ... | --computers FILE]\n"
    "                [--parallel N] [--host-timeout SECONDS]\n"
    "       mmpclean [options] --one-computer NAME\n"
    "       mmpclean --where [--format FMT] [--all | --dir DIR ...]\n"
    "       mmpclean --configure DIR [--grant ACCOUNT] | --unconfigure\n"
    "       mmpclean --install-eventlog | --uninstall-eventlog\n"
    "       mmpclean -h | -V | /?\n";

const char help_text[] =
    "mmpclean: find the *.mmp files that MAPI and CDO leave behind, and\n"
    "delete those that no process holds.\n"
    "\n"
    "By default it reports only; it deletes with --delete.  It scans the\n"
    "directory named by HKLM\\Software\\Microsoft\\Windows Messaging Subsystem\n"
    "\\ProfileDirectory (64-bit and 32-bit registry views), or the Windows\n"
    "directory when that value is not set; and, where Exchange is installed,\n"
    "Exchange's Webtemp directory (Outlook Web Access), with or without --all.\n"
    "\n"
    "  -d, --delete     delete every *.mmp file no process holds open\n"
    "      --force      with --delete, also delete read-only *.mmp files\n"
    "      --dir DIR    scan DIR (a full path) instead; may be repeated\n"
    "      --all        also scan the Windows directory when ProfileDirectory\n"
    "                   is set (files made before it was set stay there)\n"
    "      --where      print the directories that would be scanned, and why\n"
    "      --older-than AGE\n"
    "                   only files last written more than AGE ago: 90s, 30m,\n"
    "                   12h or 7d (a whole number, the unit in lower case);\n"
    "                   younger ones are listed as young\n"
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
    "      --threads N  probe and delete N files at once, 1 to 64 (default 4);\n"
    "                   the report is the same whatever N\n"
    "\n"
    "  --computer NAME[,NAME...]\n"
    "                   scan these computers (NetBIOS, DNS or IPv4 names) from\n"
    "                   here, over their administrative shares (C$), their\n"
    "                   directories read from their own registries; may be\n"
    "                   repeated; your own logon is used\n"
    "  --computers FILE the same, one name a line (# comments); - reads\n"
    "                   standard input\n"
    "      --parallel N scan N computers at once (1 to 32; default 1)\n"
    "      --host-timeout SECONDS\n"
    "                   stop a computer's scan after SECONDS (default 120)\n"
    "      --one-computer NAME\n"
    "                   scan one computer in this process, without a time\n"
    "                   limit (what --computer runs for each computer)\n"
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
    "  -h, --help, -?, /?\n"
    "                   print this help\n"
    "  -V, --version    print the version\n"
    "\n"
    "Long options are spelt in full, never abbreviated; an option with a\n"
    "value is given once, but --dir may be repeated.\n"
    "\n"
    "Exit status: 0 nothing locked remains; 1 locked files remain; 2 some\n"
    "files could not be handled (or a --configure / event log action\n"
    "failed); 3 a directory could not be resolved or opened (or a computer\n"
    "not reached); 4 invalid command line.  With --computer, the highest\n"
    "of every computer's.\n";

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
	if (*p == '.' || *p == ',')
		return *why = "has a fraction: fractions are not supported; "
		    "use a smaller unit (36h, not 1.5d)", -1;
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
	if (strchr("SMHD", *p) != NULL && p[1] == '\0')
		return *why = "has an upper-case unit: units are s, m, h and d, "
		    "in lower case (m is minutes)", -1;
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

/* --threads: 1 to THREADS_MAX. */
static int
parse_threads(const char *s, unsigned *n, const char **why)
{
	unsigned v = 0;

	if (*s == '\0')
		return *why = "must be a number of threads", -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (unsigned)(*s - '0')) > THREADS_MAX)
			return *why = "is too many (at most 64)", -1;
	if (s[0] != '\0')
		return *why = "must be a whole number", -1;
	if (v == 0)
		return *why = "must be at least 1", -1;
	*n = v;
	return 0;
}

const char *const cmd_name[] = {
	"", "--configure", "--unconfigure", "--install-eventlog",
	"--uninstall-eventlog"
};

#define Q(s) opts_quote((s), (char[QBUF]){ 0 })

/*
 * s in single quotes, for a message: longer than QUOTE_MAX bytes, it is
 * cut at a character boundary (never inside a UTF-8 sequence) and "..."
 * goes inside the quotes.
 */
const char *
opts_quote(const char *s, char *buf)
{
	size_t n = strlen(s);

	if (n <= QUOTE_MAX) {
		snprintf(buf, QBUF, "'%s'", s);
		return buf;
	}
	for (n = QUOTE_MAX; n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80;)
		n--;
	snprintf(buf, QBUF, "'%.*s...'", (int)n, s);
	return buf;
}

int
opts_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* Edit distance with transpositions ("--fromat"), at most 9 + 1. */
static size_t
distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), d[24][24];

	if (la > 22 || lb > 22)
		return 10;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

/*
 * An unknown long option (name, n bytes, without "--"): the options it
 * abbreviates, else those it is a slip of the keyboard away from.
 */
static int
unknown_long(const char *name, size_t n, char *err, size_t errlen)
{
	const struct optdef *hit[3];
	size_t nhit = 0, limit = n <= 3 ? 1 : n <= 6 ? 2 : 3, best = 99;
	int prefix = 0;
	char list[128] = "";
	char shown[QUOTE_MAX + 4];

	/* past QUOTE_MAX, Q() shortens it at a character boundary */
	snprintf(shown, sizeof(shown), "--%.*s", (int)(n <= QUOTE_MAX ?
	    n : QUOTE_MAX + 1), name);
	for (const struct optdef *d = optdefs; n > 0 && d->name; d++)
		if (strncmp(d->name, name, n) == 0 && nhit < 3) {
			hit[nhit++] = d;
			prefix = 1;
		}
	for (const struct optdef *d = optdefs; !prefix && n > 0 && d->name;
	    d++) {
		size_t k = distance(name, n, d->name);

		if (k > limit || k > best)
			continue;
		if (k < best) {
			best = k;
			nhit = 0;
		}
		if (nhit < 3)
			hit[nhit++] = d;
	}
	if (nhit == 0)
		return opts_fail(err, errlen, "unknown option %s", Q(shown));
	for (size_t i = 0; i < nhit; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s--%s", i == 0 ? "" : i + 1 < nhit ? ", " : " or ",
		    hit[i]->name);
	return opts_fail(err, errlen, "unknown option %s%s; did you mean %s?",
	    Q(shown), prefix ? " (options cannot be abbreviated)" : "",
	    list);
}

/* An unknown letter in a cluster of short options: the whole character. */
static int
unknown_short(const char *p, char *err, size_t errlen)
{
	unsigned char c = (unsigned char)*p;
	int len = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 :
	    c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;

	for (int i = 1; i < len; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			len = 0;
	if (len == 0 || c <= ' ' || c == 0x7f)
		return opts_fail(err, errlen, "unknown option character 0x%02X",
		    (unsigned)c);
	return opts_fail(err, errlen, "unknown option '-%.*s'", len, p);
}

static const struct optdef *
find_letter(char c)
{
	for (const struct optdef *d = optdefs; d->name; d++)
		if (d->letter == c)
			return d;
	return NULL;
}

static const struct optdef *
find_long(const char *name, size_t n)
{
	for (const struct optdef *d = optdefs; d->name; d++)
		if (strlen(d->name) == n && strncmp(d->name, name, n) == 0)
			return d;
	return NULL;
}

/* --parallel: a whole number from 1 to max. */
static int
parse_count(const char *s, unsigned max, unsigned *n, const char **why)
{
	unsigned long v = 0;

	if (*s == '\0')
		return *why = "must be a number", -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (unsigned long)(*s - '0')) > max)
			return *why = max == 32 ? "is too many (at most 32)" :
			    "is too large", -1;
	if (s[0] != '\0')
		return *why = "must be a whole number", -1;
	if (v < 1)
		return *why = "must be at least 1", -1;
	*n = (unsigned)v;
	return 0;
}

/*
 * --computer web01,web02: every name is checked now, before any computer
 * is contacted; the list is read again by hosts_collect().
 */
static int
computer_names(struct opts *o, const char *val, char *err, size_t errlen)
{
	const char *p = val, *why;
	char name[300];

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n >= sizeof(name))
			n = sizeof(name) - 1;	/* over 255: refused below */
		memcpy(name, p, n);
		name[n] = '\0';
		if ((why = host_name_bad(name)) != NULL)
			return opts_fail(err, errlen, "--computer %s: %s is "
			    "not a computer name: %s", Q(val), Q(name), why);
		p += strcspn(p, ",");
		if (*p++ == '\0')
			break;
	}
	o->computers[o->ncomputers++] = val;
	return 0;
}

/* One option with its value (NULL for a flag): 0 or EXIT_USAGE. */
static int
take(struct opts *o, const struct optdef *d, const char *val,
    const char **first, char *err, size_t errlen)
{
	const char *why;

	if (d->once && first[d->id] != NULL)
		return opts_fail(err, errlen, "--%s given twice, %s and %s; "
		    "give it once", d->name, Q(first[d->id]), Q(val));
	first[d->id] = val;
	switch (d->id) {
	case OPT_DELETE:
		o->delete = 1;
		break;
	case OPT_FORCE:
		o->force = 1;
		break;
	case OPT_DIR:
		o->dirs[o->ndirs++] = val;
		break;
	case OPT_ALL:
		o->all = 1;
		break;
	case OPT_WHERE:
		o->where = 1;
		break;
	case OPT_OLDER:
		if (parse_age(val, &o->older_than, &why) != 0)
			return opts_fail(err, errlen, "--older-than %s %s",
			    Q(val), why);
		break;
	case OPT_FORMAT:
		if (strcmp(val, "text") == 0)
			o->format = FMT_TEXT;
		else if (strcmp(val, "csv") == 0)
			o->format = FMT_CSV;
		else if (strcmp(val, "json") == 0)
			o->format = FMT_JSON;
		else
			return opts_fail(err, errlen, "--format %s is not a "
			    "format: use text, csv or json", Q(val));
		break;
	case OPT_LOG:
		o->log = (char *)val;	/* normalised after the loop */
		break;
	case OPT_EVENTLOG:
		o->eventlog = 1;
		break;
	case OPT_HOLDERS:
		o->holders = 1;
		break;
	case OPT_WAIT:
		if (parse_seconds(val, &o->wait, &why) != 0)
			return opts_fail(err, errlen, "--wait %s %s", Q(val),
			    why);
		break;
	case OPT_REBOOT:
		o->reboot = 1;
		break;
	case OPT_THREADS:
		if (parse_threads(val, &o->threads, &why) != 0)
			return opts_fail(err, errlen, "--threads %s %s", Q(val),
			    why);
		break;
	case OPT_COMPUTER:
		return computer_names(o, val, err, errlen);
	case OPT_COMPUTERS:
		o->computers_file = val;
		break;
	case OPT_PARALLEL:
		if (parse_count(val, 32, &o->parallel, &why) != 0)
			return opts_fail(err, errlen, "--parallel %s %s",
			    Q(val), why);
		break;
	case OPT_HOST_TIMEOUT:
		if (parse_seconds(val, &o->host_timeout, &why) != 0)
			return opts_fail(err, errlen, "--host-timeout %s %s",
			    Q(val), why);
		break;
	case OPT_ONE_COMPUTER:
		if ((why = host_name_bad(val)) != NULL)
			return opts_fail(err, errlen, "--one-computer %s is "
			    "not a computer name: %s", Q(val), why);
		o->host = host_name_strip(val);
		break;
	case OPT_CONFIGURE:
	case OPT_UNCONFIGURE:
	case OPT_INSTALL_EVENTLOG:
	case OPT_UNINSTALL_EVENTLOG:
		o->clash |= o->cmd != CMD_SCAN;
		o->cmd = d->id == OPT_CONFIGURE ? CMD_CONFIGURE :
		    d->id == OPT_UNCONFIGURE ? CMD_UNCONFIGURE :
		    d->id == OPT_INSTALL_EVENTLOG ? CMD_INSTALL_EVENTLOG :
		    CMD_UNINSTALL_EVENTLOG;
		if (d->id == OPT_CONFIGURE)
			o->configure = val;
		break;
	case OPT_GRANT:
		o->grant = val;
		break;
	case OPT_QUIET:
		o->quiet = 1;
		break;
	case OPT_VERBOSE:
		o->verbose = 1;
		break;
	case OPT_HELP:
		o->help = 1;
		break;
	case OPT_VERSION:
		o->version = 1;
		break;
	case OPT_MAX:
		break;
	}
	return 0;
}

/*
 * One argument (or two, with a separate value) at argv[*i]: 0, or
 * EXIT_USAGE with the message in err.  *i is left on the last one used.
 */
static int
parse_arg(struct opts *o, int argc, char **argv, int *i, const char **first,
    const struct optdef **which, char *err, size_t errlen)
{
	const char *a = argv[*i], *val;
	const struct optdef *d;
	size_t n;

	*which = NULL;
	if (strcmp(a, "/?") == 0) {
		o->help = 1;
		return 0;
	}
	if (a[0] != '-' || a[1] == '\0')
		return opts_fail(err, errlen, "unexpected argument %s%s", Q(a),
		    a[0] == '/' ? " (options start with - or --)" : "");
	if (a[1] != '-') {
		for (const char *p = a + 1; *p; p++) {
			if (*p == '?') {
				o->help = 1;
				continue;
			}
			if ((d = find_letter(*p)) == NULL)
				return unknown_short(p, err, errlen);
			(void)take(o, d, NULL, first, err, errlen);
		}
		return 0;
	}
	n = strcspn(a + 2, "=");
	if ((d = find_long(a + 2, n)) == NULL)
		return unknown_long(a + 2, n, err, errlen);
	*which = d;
	if (d->arg == NULL && a[2 + n] == '=')
		return opts_fail(err, errlen, "option '--%s' takes no value",
		    d->name);
	if (d->arg == NULL)
		return take(o, d, NULL, first, err, errlen);
	if (a[2 + n] == '=')
		val = a + 3 + n;
	else if (*i + 1 < argc)
		val = argv[++*i];	/* taken as it is, even "/?" or "-d" */
	else
		return opts_fail(err, errlen, "option '--%s' needs a value",
		    d->name);
	return take(o, d, val, first, err, errlen);
}

/* The words of the command line that only the fleet's own run reads. */
static int
fleet_only(enum optid id)
{
	return id == OPT_COMPUTER || id == OPT_COMPUTERS ||
	    id == OPT_PARALLEL || id == OPT_HOST_TIMEOUT || id == OPT_EVENTLOG;
}

int
opts_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen)
{
	const char *first[OPT_MAX] = { 0 };
	const struct optdef *which;
	int i, start, ret = 0;

	memset(o, 0, sizeof(*o));
	o->older_than = -1;
	o->parallel = 1;
	o->host_timeout = 120;
	o->argc = argc;
	o->argv = argv;
	if ((o->dirs = calloc((size_t)argc + 1, sizeof(*o->dirs))) == NULL ||
	    (o->computers = calloc((size_t)argc + 1,
	    sizeof(*o->computers))) == NULL ||
	    (o->fleet_word = calloc((size_t)argc + 1, 1)) == NULL)
		return opts_fail(err, errlen, "out of memory");

	/*
	 * The first mistake is the one reported; the rest is still read
	 * for a request for help, which wins.
	 */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			if (i + 1 < argc && ret == 0)
				ret = opts_fail(err, errlen, "unexpected "
				    "argument %s", Q(argv[i + 1]));
			break;
		}
		start = i;
		if (ret == 0)
			ret = parse_arg(o, argc, argv, &i, first, &which, err,
			    errlen);
		else
			parse_arg(o, argc, argv, &i, first, &which,
			    (char[OPTS_ERRMAX]){ 0 }, OPTS_ERRMAX);
		for (; which != NULL && fleet_only(which->id) && start <= i;
		    start++)
			o->fleet_word[start] = 1;
	}
	if (o->help)
		return 0;
	if (ret != 0)
		return ret;
	if (o->version)
		return 0;
	return opts_check(o, first, err, errlen);
}

void
opts_free(struct opts *o)
{
	free(o->dirs);
	o->dirs = NULL;
	free(o->computers);
	o->computers = NULL;
	free(o->fleet_word);
	o->fleet_word = NULL;
	free(o->hosts_path);
	o->hosts_path = NULL;
	if (o->log_owned)
		free(o->log);
	o->log = NULL;
	free(o->config_dir);
	o->config_dir = NULL;
}

/*
 * Which directories to scan.  MAPI writes its .mmp files to the directory
 * named by ProfileDirectory, or to the Windows directory when that value is
 * not set (Q166599).  A value that is set but unusable is an error, never a
 * reason to clean some other directory, and nothing is ever resolved
 * against the current directory: scheduled tasks start in System32.
 */
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

const char profile_key[] = "Software\\Microsoft\\Windows Messaging Subsystem";
const char profile_value[] = "ProfileDirectory";
const char *const view_name[] = { "64-bit view", "32-bit view" };
const char exchange_key[] = "Software\\Microsoft\\Exchange\\Setup";
const char exchange_value[] = "Services";
#define EXCHANGE_DEFAULT "C:\\EXCHSRVR"

const char cur_version_key[] =
    "Software\\Microsoft\\Windows NT\\CurrentVersion";

/*
 * --one-computer: the computer whose directories these are, or NULL for
 * this one (remote.c reaches it).
 */
static const char *host;
static int host_refused;	/* a path it names was refused */

static int
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			return 0;
	return 1;
}

static int
is_drive_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* One path component: NULL if Windows allows it, else why not. */
static const char *
bad_component(const char *seg, size_t n)
{
	if ((n == 1 && seg[0] == '.') ||
	    (n == 2 && seg[0] == '.' && seg[1] == '.'))
		return "contains a '.' or '..' component";
	if (seg[n - 1] == '.' || seg[n - 1] == ' ')
		return "has a component ending in a dot or space";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)seg[i];

		if (c < 0x20 || strchr("<>:\"|?*/", c) != NULL)
			return "contains a character that Windows does not "
			    "allow in a path";
	}
	return NULL;
}

/*
 * Puts an absolute path into the one form mmpclean prints and compares:
 * "C:\dir\sub", "C:\" or "\\server\share\dir"; "\\?\" forms are taken
 * apart into those.  Forward slashes become backslashes and repeated ones
 * fold, as Win32 does; "." and ".." are refused rather than guessed at.
 * Returns 0 and a malloc'd *out, or -1 with *why.
 */
int
path_normalise(const char *in, char **out, const char **why)
{
	struct sbuf b = { 0 };
	const char *p, *rest, *seg;
	size_t n, prefix_len, segs = 0;
	int verbatim = 0;

	*out = NULL;
	if (is_blank(in))
		return *why = "is empty", -1;
	n = strlen(in);
	if (in[0] == ' ' || in[0] == '\t' || in[n - 1] == ' ' ||
	    in[n - 1] == '\t')
		return *why = "begins or ends with a space", -1;
	if (in[0] == '"' || in[n - 1] == '"')
		return *why = "is quoted (remove the quotation marks)", -1;

	if (strncmp(in, "\\\\?\\", 4) == 0) {
		verbatim = 1;
		in += 4;
		if (strncmp(in, "UNC\\", 4) == 0) {
			sb_puts(&b, "\\\\");
			rest = in + 4;
			goto unc;
		}
		if (!(is_drive_letter(in[0]) && in[1] == ':' && in[2] == '\\'))
			return *why = "is a \\\\?\\ path of a kind mmpclean "
			    "does not scan (use a drive letter or UNC path)", -1;
	} else if ((in[0] == '\\' || in[0] == '/') &&
	    (in[1] == '\\' || in[1] == '/')) {
		if ((in[2] == '.' || in[2] == '?') &&
		    (in[3] == '\\' || in[3] == '/'))
			return *why = "is a device path", -1;
		sb_puts(&b, "\\\\");
		rest = in + 2;
		goto unc;
	}

	if (!is_drive_letter(in[0]) || in[1] != ':') {
		if (in[0] == '\\' || in[0] == '/')
			return *why = "is relative to the current drive "
			    "(give a drive letter)", -1;
		return *why = "is a relative path (give a full path such as "
		    "C:\\Temp\\mmp)", -1;
	}
	if (in[2] != '\\' && in[2] != '/')
		return *why = "is relative to the current directory of its "
		    "drive (write it as X:\\...)", -1;
	sb_printf(&b, "%c:", in[0] >= 'a' ? in[0] - 'a' + 'A' : in[0]);
	rest = in + 2;
	prefix_len = 2;
	goto segments;

unc:
	/* server and share must both be there */
	prefix_len = 2;
	for (int part = 0; part < 2; part++) {
		while (*rest == '\\' || (*rest == '/' && !verbatim))
			rest++;
		n = strcspn(rest, verbatim ? "\\" : "\\/");
		if (n == 0) {
			sb_free(&b);
			return *why = "is a UNC path without a server and "
			    "share name", -1;
		}
		if ((*why = bad_component(rest, n)) != NULL) {
			sb_free(&b);
			return -1;
		}
		if (part == 1)
			sb_puts(&b, "\\");
		sb_add(&b, rest, n);
		rest += n;
	}
	prefix_len = b.len;

segments:
	for (p = rest;;) {
		while (*p == '\\' || (*p == '/' && !verbatim))
			p++;
		if (*p == '\0')
			break;
		seg = p;
		n = strcspn(p, verbatim ? "\\" : "\\/");
		p += n;
		if ((*why = bad_component(seg, n)) != NULL) {
			sb_free(&b);
			return -1;
		}
		sb_puts(&b, "\\");
		sb_add(&b, seg, n);
		segs++;
	}
	if (segs == 0 && prefix_len == 2 && b.len == 2)
		sb_puts(&b, "\\");	/* a drive root: C:\ */
	if (b.oom) {
		sb_free(&b);
		return *why = "is too long (out of memory)", -1;
	}
	*out = b.s;
	return 0;
}

static enum pst
getvar(const char *name, char **value, int depth)
{
	return host != NULL ? remote_var(name, value, depth) :
	    plat_getenv(name, value);
}

/*
 * Expands %NAME% as ExpandEnvironmentStrings does, except that a variable
 * that is not set is an error instead of staying in the path literally.
 */
enum expand_result
env_expand(const char *in, char **out, char **undef)
{
	return env_expand_depth(in, out, undef, 0);
}

/* depth: how many variables named this one (remote.c's loop guard) */
enum expand_result
env_expand_depth(const char *in, char **out, char **undef, int depth)
{
	struct sbuf b = { 0 };
	const char *p = in, *end;
	char *name, *val;

	*out = *undef = NULL;
	while (*p != '\0') {
		if (*p != '%' || (end = strchr(p + 1, '%')) == NULL ||
		    end == p + 1) {
			sb_add(&b, p, 1);
			p++;
			continue;
		}
		if ((name = malloc((size_t)(end - p))) == NULL)
			goto nomem;
		memcpy(name, p + 1, (size_t)(end - p - 1));
		name[end - p - 1] = '\0';
		switch (getvar(name, &val, depth)) {
		case PST_OK:
			sb_puts(&b, val);
			free(val);
			free(name);
			break;
		case PST_ABSENT:
			*undef = name;
			sb_free(&b);
			return EXP_UNDEFINED;
		case PST_NOMEM:
			free(name);
			goto nomem;
		default:
			*undef = name;
			sb_free(&b);
			return EXP_FAILED;
		}
		p = end + 1;
	}
	if (b.oom || (b.s == NULL && (b.s = xstrdup("")) == NULL))
		goto nomem;
	*out = b.s;
	return EXP_OK;
nomem:
	sb_free(&b);
	return EXP_NOMEM;
}

char *
src_describe(unsigned src)
{
	struct sbuf b = { 0 };
	const char *sep = "";

	if (src & SRC_DIROPT)
		sb_puts(&b, "--dir"), sep = "; ";
	if ((src & (SRC_REG64 | SRC_REG32)) == (SRC_REG64 | SRC_REG32))
		sb_printf(&b, "%sregistry, 64-bit and 32-bit views", sep), sep = "; ";
	else if (src & SRC_REG64)
		sb_printf(&b, "%sregistry, 64-bit view", sep), sep = "; ";
	else if (src & SRC_REG32)
		sb_printf(&b, "%sregistry, 32-bit view", sep), sep = "; ";
	if (src & SRC_WINDIR)
		sb_printf(&b, "%sWindows directory", sep), sep = "; ";
	if (src & SRC_WEBTEMP)
		sb_printf(&b, "%sExchange Webtemp", sep);
	if (b.oom)
		sb_free(&b);
	return b.s;
}

/* The longest path Windows has, in UTF-16 units. */
#define MAXPATH_UNITS 32767

/* The length of a UTF-8 string in UTF-16 units. */
static size_t
utf16_units(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80 ? 1 : 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += *p >= 0xF0;	/* a surrogate pair */
	return n;
}

/* A %NAME% in s, as REG_EXPAND_SZ would expand it: where, and its length. */
static const char *
find_variable(const char *s, size_t *len)
{
	for (const char *p = strchr(s, '%'); p != NULL; p = strchr(p + 1, '%')) {
		size_t n = strcspn(p + 1, "%\\/:;\"");

		if (n > 0 && p[1 + n] == '%') {
			*len = n + 2;
			return p;
		}
	}
	return NULL;
}

static int
cand_add(struct candlist *cl, char *path, unsigned src)
{
	struct cand *v;

	int r;

	if (host != NULL && (r = on_host(cl, host, &path, src)) != 0) {
		host_refused |= r > 0;
		return r > 0 ? 0 : -1;
	}

	for (size_t i = 0; i < cl->n; i++)
		if (cl->v[i].error == NULL &&
		    ascii_casecmp(cl->v[i].path, path) == 0) {
			cl->v[i].src |= src;
			free(path);
			return 0;
		}
	if ((v = realloc(cl->v, (cl->n + 1) * sizeof(*v))) == NULL) {
		free(path);
		warnmsg("out of memory");
		return -1;
	}
	cl->v = v;
	cl->v[cl->n].path = path;
	cl->v[cl->n].src = src;
	cl->v[cl->n].error = NULL;
	cl->n++;
	return 0;
}

/*
 * A directory that cannot be resolved: said on standard error, and kept
 * as a candidate with its error, so that every report format shows it.
 * value is what was found (a registry value's data), or NULL.
 */
void
cand_fail(struct candlist *cl, unsigned src, const char *value,
    const char *fmt, ...)
{
	struct sbuf b = { 0 };
	struct cand *v;
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	warnmsg("%s", b.s ? b.s : "out of memory");
	if (b.oom || (v = realloc(cl->v, (cl->n + 1) * sizeof(*v))) == NULL) {
		sb_free(&b);
		return;
	}
	cl->v = v;
	v[cl->n].path = value ? xstrdup(value) : NULL;
	v[cl->n].src = src;
	v[cl->n].error = b.s;
	cl->n++;
}

static const char *
regtype_name(unsigned long t)
{
	static const char *const names[] = {
		"REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY",
		"REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_LINK",
		"REG_MULTI_SZ", "REG_RESOURCE_LIST",
		"REG_FULL_RESOURCE_DESCRIPTOR",
		"REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD"
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/*
 * Reads ProfileDirectory in one view.  Returns 1 with *path set when it
 * names a usable directory, 0 when it is not set (or empty), -1 when it is
 * set but unusable (message written).
 */
static int
profile_dir(struct candlist *cl, enum regview view, char **path)
{
	const unsigned src = view == VIEW_64 ? SRC_REG64 : SRC_REG32;
	const char *vname = view_name[view];
	struct regval rv = { 0 };
	char *expanded, *undef;
	const char *why, *var;
	size_t varlen;
	int ret = -1;

	*path = NULL;
	switch (plat_reg_get(view, profile_key, profile_value, &rv)) {
	case PST_OK:
		break;
	case PST_ABSENT:
		return 0;
	case PST_WRONGTYPE:
		cand_fail(cl, src, NULL, "registry value 'HKLM\\%s\\%s' (%s) "
		    "has type %s (%lu); it must be REG_SZ or REG_EXPAND_SZ",
		    profile_key,
		    profile_value, vname, regtype_name(rv.type), rv.type);
		return -1;
	case PST_DENIED:
		cand_fail(cl, src, NULL, "cannot read registry value "
		    "'HKLM\\%s\\%s' (%s): access denied", profile_key,
		    profile_value, vname);
		return -1;
	default:
		cand_fail(cl, src, NULL, "cannot read registry value "
		    "'HKLM\\%s\\%s' (%s): %s", profile_key, profile_value,
		    vname, plat_lasterror());
		return -1;
	}
	if (is_blank(rv.data)) {
		warnmsg("registry value 'HKLM\\%s\\%s' (%s) is empty; "
		    "treating it as not set", profile_key, profile_value,
		    vname);
		free(rv.data);
		return 0;
	}
	if (utf16_units(rv.data) > MAXPATH_UNITS) {
		cand_fail(cl, src, NULL, "registry value 'HKLM\\%s\\%s' (%s) is "
		    "too long: %lu characters, more than any path (%d)",
		    profile_key, profile_value, vname,
		    (unsigned long)utf16_units(rv.data), MAXPATH_UNITS);
		free(rv.data);
		return -1;
	}
	if (!rv.expand && (var = find_variable(rv.data, &varlen)) != NULL) {
		cand_fail(cl, src, rv.data, "registry value 'HKLM\\%s\\%s' "
		    "(%s) \"%s\" is REG_SZ, so %.*s in it is not expanded: only "
		    "REG_EXPAND_SZ values are", profile_key, profile_value,
		    vname, rv.data, (int)varlen, var);
		free(rv.data);
		return -1;
	}
	expanded = rv.data;
	if (rv.expand) {
		switch (env_expand(rv.data, &expanded, &undef)) {
		case EXP_OK:
			break;
		case EXP_UNDEFINED:
			cand_fail(cl, src, rv.data, "registry value "
			    "'HKLM\\%s\\%s' (%s) \"%s\" uses %%%s%%, which is "
			    "not set%s%s", profile_key, profile_value, vname,
			    rv.data, undef, host ? " on " : "", host ? host : "");
			free(undef);
			free(rv.data);
			return -1;
		case EXP_FAILED:
			cand_fail(cl, src, rv.data, "registry value "
			    "'HKLM\\%s\\%s' (%s) \"%s\" uses %%%s%%, which "
			    "cannot be read from %s's registry: %s", profile_key,
			    profile_value, vname, rv.data, undef, host ? host :
			    "this computer", plat_lasterror());
			free(undef);
			free(rv.data);
			return -1;
		default:
			warnmsg("out of memory");
			free(rv.data);
			return -1;
		}
	}
	if (path_normalise(expanded, path, &why) == 0)
		ret = 1;
	else
		cand_fail(cl, src, expanded, "registry value 'HKLM\\%s\\%s' "
		    "(%s) \"%s\" %s", profile_key, profile_value, vname,
		    expanded, why);
	if (expanded != rv.data)
		free(expanded);
	free(rv.data);
	return ret;
}

/*
 * Outlook Web Access 5.5 writes its .mmp files to Exchsrvr\Webtemp, the
 * Exchange directory being the value Services under the Setup key (a
 * 32-bit program: on 64-bit Windows it is in the 32-bit view).  Returns
 * -1 when the key is there but the value is unusable.
 */
static int
webtemp(struct candlist *cl)
{
	static const enum regview views[] = { VIEW_64, VIEW_32 };
	struct regval rv = { 0 };
	struct sbuf b = { 0 };
	char *path;
	const char *why;
	int bad = 0;

	for (size_t i = 0; i < 2; i++) {
		if (plat_reg_key_exists(views[i], exchange_key) != PST_OK)
			continue;
		switch (plat_reg_get(views[i], exchange_key, exchange_value,
		    &rv)) {
		case PST_OK:
			break;
		case PST_ABSENT:
			rv.data = xstrdup(EXCHANGE_DEFAULT);
			break;
		case PST_WRONGTYPE:
			cand_fail(cl, SRC_WEBTEMP, NULL, "registry value "
			    "'HKLM\\%s\\%s' (%s) is not a string",
			    exchange_key, exchange_value, view_name[views[i]]);
			bad = 1;
			continue;
		default:
			cand_fail(cl, SRC_WEBTEMP, NULL, "cannot read "
			    "registry value 'HKLM\\%s\\%s' (%s): %s",
			    exchange_key, exchange_value, view_name[views[i]],
			    plat_lasterror());
			bad = 1;
			continue;
		}
		if (rv.data == NULL || path_normalise(rv.data, &path, &why)) {
			cand_fail(cl, SRC_WEBTEMP, rv.data, "registry value "
			    "'HKLM\\%s\\%s' (%s) \"%s\" %s", exchange_key,
			    exchange_value, view_name[views[i]],
			    rv.data ? rv.data : "", rv.data ? why :
			    "(out of memory)");
			free(rv.data);
			bad = 1;
			continue;
		}
		free(rv.data);
		sb_puts(&b, path);
		sb_puts(&b, strlen(path) == 3 ? "Webtemp" : "\\Webtemp");
		free(path);
		if (b.oom || cand_add(cl, b.s, SRC_WEBTEMP) != 0)
			bad = 1;
		memset(&b, 0, sizeof(b));
	}
	return bad ? -1 : 0;
}

int
resolve(const struct opts *o, struct candlist *cl)
{
	static const enum regview views[] = { VIEW_64, VIEW_32 };
	static const unsigned srcs[] = { SRC_REG64, SRC_REG32 };
	char *path, *win;
	const char *why;
	int bad = 0, set = 0, r;

	memset(cl, 0, sizeof(*cl));
	host = o->host;
	host_refused = 0;
	if (o->ndirs > 0) {
		for (size_t i = 0; i < o->ndirs; i++) {
			/* opts_parse has already refused what this refuses */
			if (path_normalise(o->dirs[i], &path, &why) != 0 ||
			    cand_add(cl, path, SRC_DIROPT) != 0)
				return EXIT_NODIR;
		}
		return EXIT_CLEAN;
	}
	if (host != NULL && connect_host(cl, host) != 0)
		return EXIT_NODIR;
	for (size_t i = 0; i < 2; i++) {
		r = profile_dir(cl, views[i], &path);
		if (r < 0)
			bad = 1;
		if (r != 0)
			set = 1;
		if (r > 0 && cand_add(cl, path, srcs[i]) != 0)
			return EXIT_NODIR;
	}
	if (webtemp(cl) != 0)
		bad = 1;
	if (set && !o->all)
		return bad || host_refused ? EXIT_NODIR : EXIT_CLEAN;

	switch (host != NULL ? remote_var("SystemRoot", &win, 0) :
	    plat_windows_dir(&win)) {
	case PST_OK:
		if (path_normalise(win, &path, &why) != 0) {
			cand_fail(cl, SRC_WINDIR, win, "the Windows "
			    "directory \"%s\" %s", win, why);
			bad = 1;
		} else if (cand_add(cl, path, SRC_WINDIR) != 0)
			bad = 1;
		free(win);
		break;
	case PST_ABSENT:
		cand_fail(cl, SRC_WINDIR, NULL, "cannot find the Windows "
		    "directory of %s: its registry has no value 'HKLM\\%s"
		    "\\SystemRoot'", host ? host : "this computer",
		    cur_version_key);
		bad = 1;
		break;
	default:
		cand_fail(cl, SRC_WINDIR, NULL, "cannot find the Windows "
		    "directory%s%s: %s", host ? " of " : "", host ? host : "",
		    plat_lasterror());
		bad = 1;
	}
	return bad || host_refused ? EXIT_NODIR : EXIT_CLEAN;
}

void
candlist_free(struct candlist *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		free(cl->v[i].path);
		free(cl->v[i].error);
	}
	free(cl->v);
	memset(cl, 0, sizeof(*cl));
}

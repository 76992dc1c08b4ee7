/*
 * Output.  Per-file lines and the summary go to standard output; messages
 * to standard error, "mmpclean: " first.  A failed standard output (closed,
 * or a full disk) is said once on standard error and makes the exit status
 * at least 2; the cleanup itself goes on.
 */
#include <stdarg.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

static int stdout_failed;

static void
put(enum plat_stream s, const struct sbuf *b)
{
	const char *msg = "mmpclean: out of memory while formatting output\n";

	if (b->oom) {
		plat_write(OUT_STDERR, msg, strlen(msg));
		if (s == OUT_STDOUT)
			stdout_failed = 1;
		return;
	}
	if (s == OUT_STDOUT && stdout_failed)
		return;
	if (plat_write(s, b->s, b->len) != PST_OK && s == OUT_STDOUT) {
		stdout_failed = 1;
		warnmsg("cannot write to standard output: %s",
		    plat_lasterror());
	}
}

void
out_file(const char *status, const char *dir, const char *name,
    const char *reason)
{
	struct sbuf b = { 0 };
	size_t n = strlen(dir);

	sb_printf(&b, "%-9s ", status);
	sb_add_display(&b, dir);
	if (n == 0 || dir[n - 1] != '\\')
		sb_puts(&b, "\\");
	sb_add_display(&b, name);
	if (reason != NULL)
		sb_printf(&b, "  (%s)", reason);
	sb_puts(&b, "\n");
	put(OUT_STDOUT, &b);
	sb_free(&b);
}

void
out_text(const char *text)
{
	struct sbuf b = { 0 };

	sb_puts(&b, text);
	put(OUT_STDOUT, &b);
	sb_free(&b);
}

void
out_err(const char *text)
{
	struct sbuf b = { 0 };

	sb_puts(&b, text);
	put(OUT_STDERR, &b);
	sb_free(&b);
}

void
out_line(const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	sb_puts(&b, "\n");
	put(OUT_STDOUT, &b);
	sb_free(&b);
}

void
warnmsg(const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	sb_puts(&b, "mmpclean: ");
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	sb_puts(&b, "\n");
	put(OUT_STDERR, &b);
	sb_free(&b);
}

int
out_finish(void)
{
	if (!stdout_failed && plat_flush(OUT_STDOUT) != PST_OK) {
		stdout_failed = 1;
		warnmsg("cannot write to standard output: %s",
		    plat_lasterror());
	}
	plat_flush(OUT_STDERR);
	return stdout_failed ? EXIT_FAILED : EXIT_CLEAN;
}

void
out_reset(void)
{
	stdout_failed = 0;
}

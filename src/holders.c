/*
 * --holders: who holds the files a directory's scan left locked, asked of
 * Restart Manager (plat_holders), as "app pid N, service S" text for the
 * report; the services are remembered, so the summary can name them.
 */
#include <stdlib.h>

#include "mmpclean.h"
#include "plat.h"

/* At most this many holders named for one file. */
#define HOLDERS_MAX 16

/* "app pid N[, service S]; ..." into l->holders (NULL: out of memory) */
static void
holder_text(struct later *l, const struct plat_holder *h, size_t nh,
    struct run *r)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < nh; i++) {
		sb_printf(&b, "%s%s pid %lu", i ? "; " : "", h[i].app,
		    h[i].pid);
		if (h[i].service[0] != '\0') {
			sb_printf(&b, ", service %s", h[i].service);
			run_add_service(r, h[i].service);
		}
	}
	free(l->holders);
	l->holders = b.oom ? NULL : b.s;
}

/*
 * --holders: Restart Manager names the holders of a set of files, not of
 * each.  Ask for the whole set; where more than one process holds it,
 * halve the set and ask again, so one holder (the usual IIS case) costs
 * one session whatever the number of files.  A session that fails (one
 * path it rejects, a holder it cannot query) is halved too, so the rest
 * of the set is still named, but only HOLDERS_RETRY halvings deep: when
 * every session fails, a directory costs at most 2^(HOLDERS_RETRY+1) - 1
 * of them.
 */
#define HOLDERS_RETRY 4

void
name_holders(struct plat_dir *d, struct run *r, struct later *v, size_t n,
    int retries)
{
	struct plat_holder h[HOLDERS_MAX];
	const char **names;
	size_t nh = 0, i;
	int failed;

	if (n == 0 || (names = malloc(n * sizeof(*names))) == NULL)
		return;
	for (i = 0; i < n; i++)
		names[i] = v[i].name;
	failed = plat_holders(d, names, n, h, HOLDERS_MAX, &nh) != PST_OK;
	free(names);
	if (failed) {
		/* Left unnamed ("holder unknown") past the last halving. */
		if (n == 1 || retries >= HOLDERS_RETRY)
			return;
		retries++;
	} else if (nh <= 1 || n == 1) {
		for (i = 0; i < n; i++)
			holder_text(&v[i], h, nh, r);
		return;
	}
	name_holders(d, r, v, n / 2, retries);
	name_holders(d, r, v + n / 2, n - n / 2, retries);
}

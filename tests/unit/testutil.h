/* Shared by the unit tests; include after <cmocka.h>. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <string.h>

#include "fake.h"
#include "mmpclean.h"

/* The fake directory most tests use, named by ProfileDirectory. */
#define D "C:\\mmp"

#define assert_contains(text, want) do {				\
	const char *t_ = (text), *w_ = (want);				\
	if (strstr(t_, w_) == NULL)					\
		fail_msg("expected \"%s\" in:\n%s", w_, t_);		\
} while (0)

#endif

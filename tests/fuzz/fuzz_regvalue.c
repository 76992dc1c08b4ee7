/* libFuzzer: a ProfileDirectory value, through expansion and normalising. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "mmpclean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *exp, *undef, *out, *again;
	const char *why;

	if (size < 1 || (in = malloc(size)) == NULL)
		return 0;
	/* first byte: REG_SZ or REG_EXPAND_SZ; the rest: the value */
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';

	fake_reset();
	fake_env("SystemRoot", "C:\\WINDOWS");
	fake_env("EMPTY", "");
	if (env_expand(in, &exp, &undef) == EXP_OK) {
		if (path_normalise(exp, &out, &why) == 0) {
			/* the normal form is a fixed point, and absolute */
			if (path_normalise(out, &again, &why) != 0 ||
			    strcmp(out, again) != 0)
				abort();
			if (!(out[1] == ':' && out[2] == '\\') &&
			    strncmp(out, "\\\\", 2) != 0)
				abort();
			if (strstr(out, "\\.\\") || strstr(out, "\\..\\"))
				abort();
			free(again);
			free(out);
		} else if (why == NULL || out != NULL)
			abort();
		free(exp);
	} else
		free(undef);

	fake_reg(VIEW_64, in, data[0] & 1);
	fake_dir("C:\\WINDOWS");
	fake_file("C:\\WINDOWS", "w.mmp", 0);
	{
		char *argv[] = { "mmpclean", "-d", NULL };
		int ret = mmpclean_main(2, argv);

		/* an unusable value never leads to the Windows directory */
		if (ret == EXIT_NODIR && strstr(fake_err(), "empty") == NULL &&
		    !fake_exists("C:\\WINDOWS", "w.mmp"))
			abort();
	}
	free(in);
	return 0;
}

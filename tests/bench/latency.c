/*
 * latency: the speed-up --threads gives when every per-file call is a slow
 * round trip, measured natively and without a network: the real core
 * (every src/ file but the backend, the pipeline included) against the unit tests' fake platform,
 * whose plat_file waits a fixed time per call (nanosleep), as an SMB
 * round trip would.  The listing costs nothing.
 *
 *	latency [FILES [MICROSECONDS [REPS]]]	(default 2000 200 5)
 *
 * For each N of 1, 2, 4, 8 (alternating, REPS times), in delete and in
 * report mode, prints files/s as median [min-max] and the speed-up over
 * N = 1 of the same repetition, paired, with the target 0.8 x N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "mmpclean.h"

#define MAXREPS 50

static const char *const ns[] = { "1", "2", "4", "8" };
enum { NN = sizeof(ns) / sizeof(ns[0]) };

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	double s[MAXREPS];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double
lo(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double
hi(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* One run: seconds. */
static double
one(int files, unsigned us, const char *threads, int delete)
{
	char name[32];
	double t0, t;
	int st;

	fake_reset();
	fake_dir("C:\\lat");
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "f%07d.mmp", i);
		fake_file("C:\\lat", name, 0);
	}
	fake_latency_us(us);
	t0 = now();
	st = delete ? fake_run("--delete", "--quiet", "--threads", threads,
	    "--dir", "C:\\lat", NULL) : fake_run("--quiet", "--threads",
	    threads, "--dir", "C:\\lat", NULL);
	t = now() - t0;
	if (st != 0) {
		fprintf(stderr, "latency: exit status %d\n%s", st, fake_err());
		exit(1);
	}
	return t;
}

int
main(int argc, char **argv)
{
	int files = argc > 1 ? atoi(argv[1]) : 2000;
	unsigned us = argc > 2 ? (unsigned)atoi(argv[2]) : 200;
	int reps = argc > 3 ? atoi(argv[3]) : 5;
	double fps[2][NN][MAXREPS], up[2][NN][MAXREPS];

	if (files < 1 || reps < 1 || reps > MAXREPS) {
		fputs("usage: latency [FILES [MICROSECONDS [REPS]]]\n", stderr);
		return 2;
	}
	for (int r = 0; r < reps; r++)
		for (int mode = 0; mode < 2; mode++)
			for (int k = 0; k < NN; k++) {
				/* rotate the order from one repetition to the next */
				int i = (k + r) % NN;

				fps[mode][i][r] = files / one(files, us, ns[i],
				    mode == 0);
			}
	for (int mode = 0; mode < 2; mode++)
		for (int i = 0; i < NN; i++)
			for (int r = 0; r < reps; r++)
				up[mode][i][r] = fps[mode][i][r] /
				    fps[mode][0][r];
	printf("simulated latency: %d files, every plat_file call waits %u us "
	    "(native, the fake platform), %d repetitions alternating\n",
	    files, us, reps);
	for (int mode = 0; mode < 2; mode++) {
		printf("  %-16s %-26s %-22s %s\n", mode ? "report" : "delete",
		    "files/s", "x --threads 1 (paired)", "target");
		for (int i = 0; i < NN; i++) {
			int n = atoi(ns[i]);

			printf("  --threads %-6s %6.0f [%.0f-%.0f]%*s %5.2f "
			    "[%.2f-%.2f]      >= %.1f\n", ns[i],
			    median(fps[mode][i], reps), lo(fps[mode][i], reps),
			    hi(fps[mode][i], reps), 4, "",
			    median(up[mode][i], reps), lo(up[mode][i], reps),
			    hi(up[mode][i], reps), 0.8 * n);
		}
	}
	return 0;
}

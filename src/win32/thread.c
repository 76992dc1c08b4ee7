/*
 * Worker threads for the scan's pipeline (src/pipe.c): threads, and a lock
 * with two conditions.  SRW locks and condition variables: Windows Vista
 * and later.
 */
#include <stdlib.h>

#include "w32.h"

struct plat_thread {
	HANDLE h;
	void (*fn)(void *);
	void *arg;
	struct fbuf *buf;	/* its own for plat_file (file.c) */
};

static DWORD WINAPI
start(LPVOID p)
{
	struct plat_thread *t = p;

	fbuf_use(t->buf);
	t->fn(t->arg);
	return 0;
}

enum pst
plat_thread_start(void (*fn)(void *), void *arg, struct plat_thread **tp)
{
	struct plat_thread *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return nomem();
	t->fn = fn;
	t->arg = arg;
	if ((t->buf = fbuf_new()) == NULL) {
		free(t);
		return nomem();
	}
	t->h = CreateThread(NULL, 0, start, t, 0, NULL);
	if (t->h == NULL) {
		enum pst r = oserr(E_WIN32, GetLastError(), C_OTHER);

		fbuf_free(t->buf);
		free(t);
		return r;
	}
	*tp = t;
	return PST_OK;
}

void
plat_thread_join(struct plat_thread *t)
{
	WaitForSingleObject(t->h, INFINITE);
	CloseHandle(t->h);
	fbuf_free(t->buf);
	free(t);
}

struct plat_lock {
	SRWLOCK l;
	CONDITION_VARIABLE c[2];
};

enum pst
plat_lock_new(struct plat_lock **lp)
{
	struct plat_lock *l = malloc(sizeof(*l));

	if (l == NULL)
		return nomem();
	InitializeSRWLock(&l->l);
	InitializeConditionVariable(&l->c[COND_WORK]);
	InitializeConditionVariable(&l->c[COND_DONE]);
	*lp = l;
	return PST_OK;
}

void
plat_lock_free(struct plat_lock *l)
{
	free(l);
}

void
plat_lock(struct plat_lock *l)
{
	AcquireSRWLockExclusive(&l->l);
}

void
plat_unlock(struct plat_lock *l)
{
	ReleaseSRWLockExclusive(&l->l);
}

void
plat_wait(struct plat_lock *l, enum plat_cond c)
{
	SleepConditionVariableSRW(&l->c[c], &l->l, INFINITE, 0);
}

void
plat_wake(struct plat_lock *l, enum plat_cond c, int all)
{
	if (all)
		WakeAllConditionVariable(&l->c[c]);
	else
		WakeConditionVariable(&l->c[c]);
}

/*
 * The pipeline of one directory's scan: the listing feeds a bounded window
 * of entries, workers each take the oldest entry no one has taken and do
 * plat_file for it, and the main thread takes the results back in listing
 * order, so that whatever it prints is what a serial run prints.  Nothing
 * but the window is shared, under one lock; the workers print nothing.
 *
 * Workers start only when there is work for them: none for the first
 * file, which the main thread probes itself if no second one comes (an
 * empty directory or one file pays nothing), then one more each time a
 * file is queued with no worker free, up to the number asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

enum state {
	S_READY,	/* nothing to do, or done: the main thread takes it */
	S_QUEUED,	/* for a worker, not taken yet */
	S_BUSY		/* a worker has it in hand */
};

struct pipe {
	struct plat_dir *d;
	struct plat_lock *lock;
	struct pipe_item *win;	/* the window, cap items in a ring */
	unsigned *state;	/* enum state of each, under lock */
	size_t cap;
	uint64_t head, tail;	/* items head..tail-1 are in the window */
	uint64_t take;		/* no item before this one is queued */
	size_t queued;		/* items in S_QUEUED */
	unsigned nthreads, started, idle;
	unsigned waiting;	/* workers asleep on COND_WORK */
	int main_waits;		/* the main thread asleep on COND_DONE */
	int stop;
	unsigned long jobs;	/* items queued so far */
	struct plat_thread **threads;
	enum pst start_st;	/* a worker that could not be started */
};

struct pipe *
pipe_new(struct plat_dir *d, unsigned threads)
{
	struct pipe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->d = d;
	p->nthreads = threads;
	p->cap = (size_t)threads * PIPE_DEPTH;
	p->win = calloc(p->cap, sizeof(*p->win));
	p->state = calloc(p->cap, sizeof(*p->state));
	p->threads = calloc(threads, sizeof(*p->threads));
	if (p->win == NULL || p->state == NULL || p->threads == NULL ||
	    plat_lock_new(&p->lock) != PST_OK) {
		free(p->win);
		free(p->state);
		free(p->threads);
		free(p);
		return NULL;
	}
	return p;
}

/* The oldest queued item, taken for the caller (under lock). */
static struct pipe_item *
take(struct pipe *p)
{
	while (p->state[p->take % p->cap] != S_QUEUED)
		p->take++;
	p->state[p->take % p->cap] = S_BUSY;
	p->queued--;
	return &p->win[p->take++ % p->cap];
}

static void
finished(struct pipe *p, struct pipe_item *it)
{
	size_t i = (size_t)(it - p->win);

	p->state[i] = S_READY;
	if (p->main_waits && i == p->head % p->cap)
		plat_wake(p->lock, COND_DONE, 0);
}

/*
 * A worker: the oldest item no one has taken, until told to stop.  After
 * Ctrl+C it finishes the file in hand and takes no other.
 */
static void
worker(void *arg)
{
	struct pipe *p = arg;
	struct pipe_item *it;

	plat_lock(p->lock);
	for (;;) {
		while (!p->stop && (p->queued == 0 || plat_interrupted())) {
			if (p->queued > 0 && p->main_waits)
				plat_wake(p->lock, COND_DONE, 0);
			p->waiting++;
			plat_wait(p->lock, COND_WORK);
			p->waiting--;
		}
		if (p->stop)
			break;
		it = take(p);
		p->idle--;
		plat_unlock(p->lock);
		it->st = plat_file(p->d, it->e.name, it->act, it->flags,
		    &it->err);
		plat_lock(p->lock);
		p->idle++;
		finished(p, it);
	}
	plat_unlock(p->lock);
}

int
pipe_full(const struct pipe *p)
{
	return p->tail - p->head == p->cap;
}

/* The slot at the tail, for the caller to fill; the window is not full. */
struct pipe_item *
pipe_slot(struct pipe *p)
{
	struct pipe_item *it = &p->win[p->tail % p->cap];

	memset(it, 0, sizeof(*it));
	return it;
}

/*
 * The filled slot joins the window: for a worker when job is set, else
 * ready as it is.
 */
void
pipe_push(struct pipe *p, int job)
{
	struct plat_thread *t;
	size_t i = p->tail % p->cap;

	plat_lock(p->lock);
	p->state[i] = job ? S_QUEUED : S_READY;
	p->tail++;
	if (job) {
		p->queued++;
		p->jobs++;
		if (p->waiting > 0)
			plat_wake(p->lock, COND_WORK, 0);
		/* a worker more, if none is free; none for the first file */
		if (p->jobs >= 2 && p->queued > p->idle &&
		    p->started < p->nthreads && p->start_st == PST_OK) {
			p->start_st = plat_thread_start(worker, p, &t);
			if (p->start_st == PST_OK) {
				p->threads[p->started++] = t;
				p->idle++;
			}
		}
	}
	plat_unlock(p->lock);
}

/*
 * The oldest item, once it is ready; NULL when the window is empty, or
 * when wait is 0 and it is not ready yet.  Asked to wait with no worker
 * started (or none could be), the main thread does a queued item itself,
 * Ctrl+C or not, as a serial run does the file it listed.  Else, after Ctrl+C or pipe_stop,
 * an item no worker took comes back with `untried` set: it and everything
 * after it were never tried.
 */
struct pipe_item *
pipe_head(struct pipe *p, int wait)
{
	struct pipe_item *it;
	size_t i;

	plat_lock(p->lock);
	if (p->head == p->tail) {
		plat_unlock(p->lock);
		return NULL;
	}
	i = p->head % p->cap;
	it = &p->win[i];
	while (p->state[i] != S_READY) {
		/* the one file listed before any worker: as a serial run */
		if (p->state[i] == S_QUEUED && p->started == 0 && wait) {
			take(p);
			plat_unlock(p->lock);
			it->st = plat_file(p->d, it->e.name, it->act,
			    it->flags, &it->err);
			plat_lock(p->lock);
			p->state[i] = S_READY;
			break;
		}
		if (p->state[i] == S_QUEUED &&
		    (p->stop || plat_interrupted())) {
			it->untried = 1;
			break;
		}
		if (!wait) {
			it = NULL;
			break;
		}
		p->main_waits = 1;
		plat_wait(p->lock, COND_DONE);
		p->main_waits = 0;
	}
	plat_unlock(p->lock);
	return it;
}

/* The head is dealt with: its slot is free again. */
void
pipe_pop(struct pipe *p)
{
	plat_lock(p->lock);
	p->head++;
	plat_unlock(p->lock);
}

/* Nothing new starts: workers finish what they hold, and end. */
void
pipe_stop(struct pipe *p)
{
	plat_lock(p->lock);
	p->stop = 1;
	plat_wake(p->lock, COND_WORK, 1);
	plat_unlock(p->lock);
}

/* Stops and joins the workers; the window's names are the caller's. */
void
pipe_free(struct pipe *p)
{
	if (p == NULL)
		return;
	pipe_stop(p);
	for (unsigned i = 0; i < p->started; i++)
		plat_thread_join(p->threads[i]);
	plat_lock_free(p->lock);
	free(p->threads);
	free(p->state);
	free(p->win);
	free(p);
}

/* The dump's one pool of worker threads, for both containers: the ELF
 * copy's helpers (each shares an extent with the dump's own thread) and the
 * kdump compressors.  Started at the first task, as many threads as the
 * CPUs the process may use (at most GC_POOL_MAX), every signal blocked in
 * them (gc_start_thread), stopped when the dump ends.  A task is a function
 * and its argument: submitted, run by the first idle thread, waited for. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

#include "dump.h"

/* Start FN(ARG) on *T with every signal blocked: signals stay with the
 * caller's thread, which decides what they end.  0 or an errno. */
int gc_start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* The CPUs this process may run on (at least 1). */
int gc_cpu_count(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n;
}

struct gc_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct gc_task *head, *tail; /* queued, not yet taken */
	pthread_t threads[GC_POOL_MAX];
	int n_threads;
	bool stop;
};

static void *pool_run(void *arg)
{
	struct gc_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct gc_task *t;

		while (!p->stop && !p->head)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->head)
			break; /* stopping, nothing queued */
		t = p->head;
		p->head = t->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		t->fn(t->arg);
		pthread_mutex_lock(&p->lock);
		t->state = GC_TASK_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int gc_pool_threads(struct gc_dump *d)
{
	struct gc_pool *p = d->pool;
	int want;

	if (p)
		return p->n_threads;
	p = calloc(1, sizeof(*p));
	if (!p)
		return 0;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	want = gc_cpu_count();
	if (want > GC_POOL_MAX)
		want = GC_POOL_MAX;
	while (p->n_threads < want && gc_start_thread(&p->threads[p->n_threads], pool_run, p) == 0)
		p->n_threads++;
	d->pool = p;
	return p->n_threads;
}

int gc_pool_submit(struct gc_dump *d, struct gc_task *t)
{
	struct gc_pool *p;

	if (gc_pool_threads(d) == 0)
		return -EAGAIN;
	p = d->pool;
	pthread_mutex_lock(&p->lock);
	t->next = NULL;
	t->state = GC_TASK_QUEUED;
	if (p->tail)
		p->tail->next = t;
	else
		p->head = t;
	p->tail = t;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void gc_pool_wait(struct gc_dump *d, struct gc_task *t)
{
	struct gc_pool *p = d->pool;

	if (!p || t->state == GC_TASK_IDLE)
		return;
	pthread_mutex_lock(&p->lock);
	while (t->state != GC_TASK_DONE)
		pthread_cond_wait(&p->done, &p->lock);
	t->state = GC_TASK_IDLE;
	pthread_mutex_unlock(&p->lock);
}

void gc_pool_stop(struct gc_dump *d)
{
	struct gc_pool *p = d->pool;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p);
	d->pool = NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UbProgress: weights, children, bytes, rate, ≤ 10 Hz delivery, threads, events; ub-format. */
#include "config.h"

#include <locale.h>

#include "ub-format.h"
#include "ub-progress.h"

static gint64
fake_clock (gpointer user_data)
{
  return *(gint64 *) user_data;
}

static void
test_weights (void)
{
  g_autoptr(UbProgress) p = ub_progress_new ();
  g_autofree char *name = NULL;

  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0, 1e-9);
  ub_progress_add_step (p, 1, "small");
  ub_progress_add_step (p, 3, "large");
  g_assert_cmpuint (ub_progress_get_n_steps (p), ==, 2);
  name = ub_progress_dup_step_name (p);
  g_assert_cmpstr (name, ==, "small");
  ub_progress_step_done (p);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0.25, 1e-9);
  g_clear_pointer (&name, g_free);
  name = ub_progress_dup_step_name (p);
  g_assert_cmpstr (name, ==, "large");
  g_assert_false (ub_progress_get_done (p));
  ub_progress_step_done (p);
  g_assert_true (ub_progress_get_done (p));
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 1, 1e-9);
  g_assert_cmpuint (ub_progress_get_step (p), ==, 2);
  g_clear_pointer (&name, g_free);
  g_assert_null ((name = ub_progress_dup_step_name (p)));

  /* an extra step_done changes nothing; reset starts over */
  ub_progress_step_done (p);
  g_assert_cmpuint (ub_progress_get_step (p), ==, 2);
  ub_progress_reset (p);
  g_assert_false (ub_progress_get_done (p));
  g_assert_cmpuint (ub_progress_get_n_steps (p), ==, 0);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0, 1e-9);
}

static void
test_children (void)
{
  g_autoptr(UbProgress) p = ub_progress_new ();
  UbProgress *child, *grandchild;

  ub_progress_add_step (p, 50, "a");
  ub_progress_add_step (p, 50, "b");
  child = ub_progress_get_child (p);
  g_assert_true (ub_progress_get_child (p) == child);
  ub_progress_add_step (child, 1, NULL);
  ub_progress_add_step (child, 1, NULL);
  ub_progress_step_done (child);
  /* half of the first half */
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0.25, 1e-9);
  grandchild = ub_progress_get_child (child);
  ub_progress_set_bytes_total (grandchild, 1000);
  ub_progress_set_bytes_done (grandchild, 500);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (grandchild), 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (child), 0.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0.375, 1e-9);
  ub_progress_step_done (child);
  g_assert_true (ub_progress_get_done (child));
  /* the parent moves on only when told */
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0.5, 1e-9);
  g_assert_cmpuint (ub_progress_get_step (p), ==, 0);
  ub_progress_step_done (p);
  /* the next step has a new child */
  g_assert_true (ub_progress_get_child (p) != child);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0.5, 1e-9);

  /* a child outliving its parent is harmless */
  {
    g_autoptr(UbProgress) kept = NULL;
    UbProgress *root = ub_progress_new ();

    ub_progress_add_step (root, 1, NULL);
    kept = g_object_ref (ub_progress_get_child (root));
    g_object_unref (root);
    ub_progress_add_bytes (kept, 10);
    g_assert_cmpuint (ub_progress_get_bytes_done (kept), ==, 10);
  }
}

static void
test_bytes (void)
{
  g_autoptr(UbProgress) p = ub_progress_new ();
  UbProgress *child;

  ub_progress_set_bytes_total (p, 4000);
  ub_progress_add_step (p, 1000, "one");
  ub_progress_add_step (p, 3000, "two");
  child = ub_progress_get_child (p);
  ub_progress_set_bytes_total (child, 1000);
  ub_progress_add_bytes (child, 400);
  ub_progress_add_bytes (child, 100);
  g_assert_cmpuint (ub_progress_get_bytes_done (child), ==, 500);
  g_assert_cmpuint (ub_progress_get_bytes_total (child), ==, 1000);
  /* a child's bytes count in the parent's done, not its total */
  g_assert_cmpuint (ub_progress_get_bytes_done (p), ==, 500);
  g_assert_cmpuint (ub_progress_get_bytes_total (p), ==, 4000);
  /* the parent's fraction comes from its steps */
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0.125, 1e-9);
  /* going back (a piece sent again) goes back in the parent too */
  ub_progress_set_bytes_done (child, 200);
  g_assert_cmpuint (ub_progress_get_bytes_done (p), ==, 200);
  ub_progress_set_bytes_done (child, 1000);
  ub_progress_step_done (p);
  child = ub_progress_get_child (p);
  ub_progress_set_bytes_total (child, 3000);
  ub_progress_set_bytes_done (child, 1500);
  g_assert_cmpuint (ub_progress_get_bytes_done (p), ==, 2500);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (p), 0.625, 1e-9);

  /* without steps the fraction is the bytes' */
  {
    g_autoptr(UbProgress) plain = ub_progress_new ();

    ub_progress_set_bytes_total (plain, 200);
    ub_progress_add_bytes (plain, 50);
    g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (plain), 0.25, 1e-9);
    ub_progress_add_bytes (plain, 500);
    g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (plain), 1, 1e-9);
    g_assert_cmpint (ub_progress_get_seconds_left (plain), ==, 0);
  }
}

static void
test_rate (void)
{
  g_autoptr(UbProgress) p = ub_progress_new ();
  gint64 now = 1000 * G_USEC_PER_SEC;
  const guint64 mb = 1000 * 1000;

  ub_progress_set_clock (p, fake_clock, &now);
  ub_progress_set_bytes_total (p, 1000 * mb);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_rate (p), 0, 1e-9);
  g_assert_cmpint (ub_progress_get_seconds_left (p), ==, -1);
  ub_progress_set_bytes_done (p, 0);
  /* 10 MB/s, in 50 ms updates */
  for (guint i = 1; i <= 100; i++)
    {
      now += G_USEC_PER_SEC / 20;
      ub_progress_add_bytes (p, mb / 2);
    }
  g_assert_cmpuint (ub_progress_get_bytes_done (p), ==, 50 * mb);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_rate (p), 10.0 * mb, 0.2 * mb);
  /* 950 MB at 10 MB/s */
  g_assert_cmpint (ub_progress_get_seconds_left (p), >=, 94);
  g_assert_cmpint (ub_progress_get_seconds_left (p), <=, 96);

  /* twice as fast: after the window, only the new speed counts */
  for (guint i = 1; i <= 100; i++)
    {
      now += G_USEC_PER_SEC / 20;
      ub_progress_add_bytes (p, mb);
    }
  g_assert_cmpfloat_with_epsilon (ub_progress_get_rate (p), 20.0 * mb, 0.4 * mb);
  g_assert_cmpint (ub_progress_get_seconds_left (p), >=, 41);
  g_assert_cmpint (ub_progress_get_seconds_left (p), <=, 43);

  /* a stall: the rate falls, and is 0 once nothing moved for the window */
  now += 1 * G_USEC_PER_SEC;
  g_assert_cmpfloat (ub_progress_get_rate (p), <, 15.0 * mb);
  g_assert_cmpfloat (ub_progress_get_rate (p), >, 0);
  now += 10 * G_USEC_PER_SEC;
  g_assert_cmpfloat_with_epsilon (ub_progress_get_rate (p), 0, 1e-9);
  g_assert_cmpint (ub_progress_get_seconds_left (p), ==, -1);

  /* back to the start: the rate starts again */
  ub_progress_set_bytes_done (p, 0);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_rate (p), 0, 1e-9);
  ub_progress_finish (p);
  g_assert_cmpint (ub_progress_get_seconds_left (p), ==, 0);
}

/* a rate measured in a child shows in the parent */
static void
test_rate_child (void)
{
  g_autoptr(UbProgress) p = ub_progress_new ();
  UbProgress *child;
  gint64 now = 0;

  ub_progress_set_clock (p, fake_clock, &now);
  ub_progress_set_bytes_total (p, 100000);
  ub_progress_add_step (p, 1, NULL);
  child = ub_progress_get_child (p);
  for (guint i = 0; i < 20; i++)
    {
      now += G_USEC_PER_SEC / 10;
      ub_progress_add_bytes (child, 100);
    }
  g_assert_cmpfloat_with_epsilon (ub_progress_get_rate (p), 1000, 1);
  g_assert_cmpfloat_with_epsilon (ub_progress_get_rate (child), 1000, 1);
}

typedef struct {
  UbProgress *progress;
  GThread    *owner;
  guint       n_changed;
  gboolean    wrong_thread;
  gboolean    done_seen;
  gboolean    changed_after_done;
  gint64      first_changed;
  gint64      last_changed;
  GPtrArray  *kinds;
  GArray     *values;
  gboolean    worker_finished;
} Watch;

static void
on_changed (UbProgress *progress, Watch *w)
{
  if (g_thread_self () != w->owner)
    w->wrong_thread = TRUE;
  if (w->done_seen)
    w->changed_after_done = TRUE;
  if (w->n_changed++ == 0)
    w->first_changed = g_get_monotonic_time ();
  w->last_changed = g_get_monotonic_time ();
  if (ub_progress_get_done (progress))
    w->done_seen = TRUE;
}

static void
on_event (UbProgress *progress, const char *kind, GVariant *data, Watch *w)
{
  if (g_thread_self () != w->owner)
    w->wrong_thread = TRUE;
  g_ptr_array_add (w->kinds, g_strdup (kind));
  if (data != NULL)
    {
      guint32 v = g_variant_get_uint32 (data);
      g_array_append_val (w->values, v);
    }
}

/* a worker hammers the progress for 700 ms */
static gpointer
hammer (gpointer data)
{
  Watch *w = data;
  UbProgress *child;
  gint64 end = g_get_monotonic_time () + 700 * 1000;

  ub_progress_add_step (w->progress, 1, "hammer");
  child = ub_progress_get_child (w->progress);
  ub_progress_set_bytes_total (child, G_MAXUINT32);
  while (g_get_monotonic_time () < end)
    {
      ub_progress_add_bytes (child, 1);
      g_usleep (50);
    }
  ub_progress_step_done (w->progress);
  g_atomic_int_set (&w->worker_finished, TRUE);
  return NULL;
}

static void
test_coalescing (void)
{
  Watch w = { 0 };
  g_autoptr(UbProgress) p = ub_progress_new ();
  GThread *thread;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  w.progress = p;
  w.owner = g_thread_self ();
  g_signal_connect (p, "changed", G_CALLBACK (on_changed), &w);
  thread = g_thread_new ("hammer", hammer, &w);
  while (!w.done_seen)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  seconds = (w.last_changed - start) / 1e6;
  g_test_message ("%u changed in %.2f s", w.n_changed, seconds);
  g_assert_false (w.wrong_thread);
  /* ≤ 10 per second, plus the final one; and it did report while running */
  g_assert_cmpuint (w.n_changed, >=, 2);
  g_assert_cmpuint (w.n_changed, <=, (guint) (seconds * 10) + 2);
  /* nothing more after the final one */
  for (guint i = 0; i < 5; i++)
    {
      g_usleep (30 * 1000);
      while (g_main_context_iteration (NULL, FALSE));
    }
  g_assert_false (w.changed_after_done);
}

/* the final ::changed comes at once, not after the interval */
static void
test_final_at_once (void)
{
  Watch w = { 0 };
  g_autoptr(UbProgress) p = ub_progress_new ();
  gint64 start;

  w.owner = g_thread_self ();
  g_signal_connect (p, "changed", G_CALLBACK (on_changed), &w);
  ub_progress_add_bytes (p, 1);
  while (w.n_changed == 0)
    g_main_context_iteration (NULL, TRUE);
  /* just delivered: the next plain change waits ~100 ms … */
  start = g_get_monotonic_time ();
  ub_progress_add_bytes (p, 1);
  g_main_context_iteration (NULL, FALSE);
  if (g_get_monotonic_time () - start < 90 * 1000)
    g_assert_cmpuint (w.n_changed, ==, 1);
  /* … the end does not: it is ready at once */
  ub_progress_finish (p);
  g_main_context_iteration (NULL, FALSE);
  g_assert_true (w.done_seen);
  g_assert_cmpuint (w.n_changed, ==, 2);
}

typedef struct {
  GMainContext *context;
  Watch        *watch;
  GMainLoop    *loop;
} Owner;

static gpointer
post_events (gpointer data)
{
  Watch *w = data;

  for (guint32 i = 0; i < 1000; i++)
    {
      ub_progress_post_event (w->progress, i % 2 ? "odd" : "even", g_variant_new_uint32 (i));
      if (i % 100 == 0)
        g_usleep (1000);
    }
  ub_progress_post_event (w->progress, "end", NULL);
  return NULL;
}

static void
on_end (UbProgress *progress, const char *kind, GVariant *data, Owner *owner)
{
  g_main_loop_quit (owner->loop);
}

/* the owner is a thread with a main context of its own: delivery goes there */
static gpointer
owner_thread (gpointer data)
{
  Owner *owner = data;
  Watch *w = owner->watch;
  GThread *worker;

  owner->context = g_main_context_new ();
  g_main_context_push_thread_default (owner->context);
  w->owner = g_thread_self ();
  w->progress = ub_progress_new ();
  owner->loop = g_main_loop_new (owner->context, FALSE);
  g_signal_connect (w->progress, "event", G_CALLBACK (on_event), w);
  g_signal_connect (w->progress, "event::end", G_CALLBACK (on_end), owner);
  worker = g_thread_new ("events", post_events, w);
  g_main_loop_run (owner->loop);
  g_thread_join (worker);
  g_clear_object (&w->progress);
  g_main_loop_unref (owner->loop);
  g_main_context_pop_thread_default (owner->context);
  g_main_context_unref (owner->context);
  return NULL;
}

static gboolean
main_context_touched (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_events (void)
{
  Watch w = { 0 };
  Owner owner = { NULL, &w, NULL };
  GThread *thread;
  gboolean touched = FALSE;

  w.kinds = g_ptr_array_new_with_free_func (g_free);
  w.values = g_array_new (FALSE, FALSE, sizeof (guint32));
  thread = g_thread_new ("owner", owner_thread, &owner);
  g_thread_join (thread);
  g_assert_false (w.wrong_thread);
  g_assert_cmpuint (w.kinds->len, ==, 1001);
  g_assert_cmpuint (w.values->len, ==, 1000);
  for (guint32 i = 0; i < 1000; i++)
    {
      g_assert_cmpuint (g_array_index (w.values, guint32, i), ==, i);
      g_assert_cmpstr (g_ptr_array_index (w.kinds, i), ==, i % 2 ? "odd" : "even");
    }
  g_assert_cmpstr (g_ptr_array_index (w.kinds, 1000), ==, "end");
  /* nothing was left for the default main context */
  g_idle_add (main_context_touched, &touched);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (touched);
  g_ptr_array_unref (w.kinds);
  g_array_unref (w.values);
}

/* a progress dropped with a delivery pending emits nothing and leaks nothing */
static void
test_dropped (void)
{
  Watch w = { 0 };
  UbProgress *p = ub_progress_new ();

  w.owner = g_thread_self ();
  w.kinds = g_ptr_array_new_with_free_func (g_free);
  w.values = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_signal_connect (p, "changed", G_CALLBACK (on_changed), &w);
  g_signal_connect (p, "event", G_CALLBACK (on_event), &w);
  ub_progress_add_bytes (p, 1);
  ub_progress_post_event (p, "x", g_variant_new_uint32 (1));
  g_object_unref (p);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (w.n_changed, ==, 0);
  g_assert_cmpuint (w.kinds->len, ==, 0);
  g_ptr_array_unref (w.kinds);
  g_array_unref (w.values);
}

/* a child's events reach the owner through its root; a cut-off child's go nowhere */
static void
test_child_events (void)
{
  Watch w = { 0 };
  g_autoptr(UbProgress) p = ub_progress_new ();
  g_autoptr(UbProgress) orphan = NULL;
  UbProgress *child;

  w.owner = g_thread_self ();
  w.kinds = g_ptr_array_new_with_free_func (g_free);
  w.values = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_signal_connect (p, "event", G_CALLBACK (on_event), &w);
  ub_progress_add_step (p, 1, NULL);
  child = ub_progress_get_child (p);
  ub_progress_add_step (child, 1, NULL);
  ub_progress_post_event (ub_progress_get_child (child), "deep", g_variant_new_uint32 (7));
  ub_progress_post_event (p, "top", NULL);
  orphan = g_object_ref (child);
  ub_progress_reset (p);   /* drops its children */
  ub_progress_post_event (orphan, "lost", NULL);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (w.kinds->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (w.kinds, 0), ==, "deep");
  g_assert_cmpuint (g_array_index (w.values, guint32, 0), ==, 7);
  g_assert_cmpstr (g_ptr_array_index (w.kinds, 1), ==, "top");
  g_ptr_array_unref (w.kinds);
  g_array_unref (w.values);
}

static void
on_end_after_done (UbProgress *progress, const char *kind, GVariant *data, gboolean *done_seen)
{
  *done_seen = ((Watch *) g_object_get_data (G_OBJECT (progress), "watch"))->done_seen;
}

/* a replaced event keeps its place with the latest data; an event posted
 * after the work is done comes after the last ::changed */
static void
test_replace_and_order (void)
{
  Watch w = { 0 };
  g_autoptr(UbProgress) p = ub_progress_new ();
  gboolean end_after_done = FALSE;

  w.owner = g_thread_self ();
  w.kinds = g_ptr_array_new_with_free_func (g_free);
  w.values = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_signal_connect (p, "changed", G_CALLBACK (on_changed), &w);

  g_signal_connect (p, "event", G_CALLBACK (on_event), &w);
  g_object_set_data (G_OBJECT (p), "watch", &w);
  g_signal_connect (p, "event::end", G_CALLBACK (on_end_after_done), &end_after_done);
  ub_progress_post_event (p, "log", g_variant_new_uint32 (1));
  ub_progress_replace_event (p, "figure", g_variant_new_uint32 (2));
  ub_progress_replace_event (p, "figure", g_variant_new_uint32 (3));
  ub_progress_post_event (p, "log", g_variant_new_uint32 (4));
  ub_progress_replace_event (p, "figure", g_variant_new_uint32 (5));
  ub_progress_finish (p);
  ub_progress_post_event (p, "end", NULL);
  while (g_main_context_iteration (NULL, FALSE));
  /* the final ::changed, queued before the end, came before it */
  g_assert_true (end_after_done);
  g_assert_cmpuint (w.kinds->len, ==, 5);
  g_assert_cmpuint (w.values->len, ==, 4);
  g_assert_cmpuint (g_array_index (w.values, guint32, 0), ==, 1);
  g_assert_cmpuint (g_array_index (w.values, guint32, 1), ==, 3);
  g_assert_cmpuint (g_array_index (w.values, guint32, 2), ==, 4);
  g_assert_cmpuint (g_array_index (w.values, guint32, 3), ==, 5);
  g_assert_cmpstr (g_ptr_array_index (w.kinds, 4), ==, "end");
  g_assert_cmpuint (w.n_changed, ==, 1);
  g_ptr_array_unref (w.kinds);
  g_array_unref (w.values);
}

/* an error as event data keeps its domain, code and message */
static void
test_error_variant (void)
{
  g_autoptr(GError) error = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOSPC, "full");
  g_autoptr(GVariant) data = g_variant_ref_sink (ub_progress_error_to_variant (error));
  g_autoptr(GError) back = ub_progress_error_from_variant (data);

  g_assert_true (g_variant_is_of_type (data, G_VARIANT_TYPE (UB_PROGRESS_ERROR_VARIANT_TYPE)));
  g_assert_error (back, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_assert_cmpstr (back->message, ==, "full");
}

static void
test_format (void)
{
  g_autofree char *size = ub_format_size (1200 * 1000);
  g_autofree char *rate = ub_format_rate (38.2e6);
  g_autofree char *left_s = ub_format_time_left (59);
  g_autofree char *left_m = ub_format_time_left (150);
  g_autofree char *left_h = ub_format_time_left (3600 + 20 * 60 + 5);

  /* GLib puts a no-break space between number and unit */
  g_assert_cmpstr (size, ==, "1.2\u00a0MB");
  g_assert_cmpstr (rate, ==, "38.2\u00a0MB/s");
  g_assert_null (ub_format_rate (0));
  g_assert_null (ub_format_time_left (-1));
  g_assert_cmpstr (left_s, ==, "less than a minute left");
  g_assert_cmpstr (left_m, ==, "about 3 minutes left");
  g_assert_cmpstr (left_h, ==, "about 1 h 20 min left");
}

static void
test_format_transfer (void)
{
  g_autofree char *all = ub_format_transfer (1200 * 1000, 5600 * 1000, 38.2e6, 150);
  g_autofree char *no_left = ub_format_transfer (1200 * 1000, 5600 * 1000, 38.2e6, -1);
  g_autofree char *no_rate = ub_format_transfer (1200 * 1000, 5600 * 1000, 0, 150);

  g_assert_cmpstr (all, ==, "1.2\u00a0MB of 5.6\u00a0MB · 38.2\u00a0MB/s · about 3 minutes left");
  g_assert_cmpstr (no_left, ==, "1.2\u00a0MB of 5.6\u00a0MB · 38.2\u00a0MB/s");
  g_assert_cmpstr (no_rate, ==, "1.2\u00a0MB of 5.6\u00a0MB");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/progress/weights", test_weights);
  g_test_add_func ("/progress/children", test_children);
  g_test_add_func ("/progress/bytes", test_bytes);
  g_test_add_func ("/progress/rate", test_rate);
  g_test_add_func ("/progress/rate-child", test_rate_child);
  g_test_add_func ("/progress/coalescing", test_coalescing);
  g_test_add_func ("/progress/final-at-once", test_final_at_once);
  g_test_add_func ("/progress/events", test_events);
  g_test_add_func ("/progress/dropped", test_dropped);
  g_test_add_func ("/progress/replace-and-order", test_replace_and_order);
  g_test_add_func ("/progress/error-variant", test_error_variant);
  g_test_add_func ("/progress/child-events", test_child_events);
  g_test_add_func ("/format/all", test_format);
  g_test_add_func ("/format/transfer", test_format_transfer);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-progress.h"

#define CHANGED_INTERVAL_US (G_USEC_PER_SEC / 10)
#define RATE_WINDOW_US      (3 * G_USEC_PER_SEC)
#define SAMPLE_INTERVAL_US  (G_USEC_PER_SEC / 10)

/* What a progress and all its children share: the lock, the owner, the delivery. */
typedef struct {
  gatomicrefcount  ref;
  GMutex           lock;
  GMainContext    *context;
  GWeakRef         root;
  UbProgressClock  clock;
  gpointer         clock_data;
  /* delivery, under the lock */
  GSource         *changed_source;
  gboolean         changed_urgent;
  gint64           last_changed;   /* real monotonic time */
  GQueue           events;         /* of Event */
  GSource         *event_source;
} Shared;

typedef struct {
  char     *kind;
  GVariant *data;
  gboolean  changed_first;   /* an urgent ::changed was pending when it was posted */
} Event;

typedef struct {
  gint64  time;
  guint64 done;
} Sample;

typedef struct {
  guint       weight;
  char       *name;
  UbProgress *child;
} Step;

struct _UbProgress
{
  GObject     parent_instance;

  Shared     *shared;
  gboolean    is_root;    /* made by ub_progress_new(): the one that signals */
  UbProgress *parent;     /* not a reference: cleared when the parent goes */
  GArray     *steps;      /* of Step */
  guint       current;
  guint64     total_weight;
  gboolean    done;
  guint64     bytes_done;
  guint64     bytes_total;
  GArray     *samples;    /* of Sample, the last RATE_WINDOW_US and one before */
};

G_DEFINE_TYPE (UbProgress, ub_progress, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

static gint64
default_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static void
event_free (Event *event)
{
  g_free (event->kind);
  g_clear_pointer (&event->data, g_variant_unref);
  g_free (event);
}

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref))
    return;
  if (shared->changed_source != NULL)
    {
      g_source_destroy (shared->changed_source);
      g_source_unref (shared->changed_source);
    }
  if (shared->event_source != NULL)
    {
      g_source_destroy (shared->event_source);
      g_source_unref (shared->event_source);
    }
  g_queue_clear_full (&shared->events, (GDestroyNotify) event_free);
  g_weak_ref_clear (&shared->root);
  g_main_context_unref (shared->context);
  g_mutex_clear (&shared->lock);
  g_free (shared);
}

static void
step_clear (gpointer data)
{
  Step *step = data;

  g_free (step->name);
  g_clear_object (&step->child);
}

/* with the lock: the steps, their children cut off (to be freed without the lock) */
static GArray *
steal_steps_locked (UbProgress *self)
{
  GArray *steps = self->steps;

  for (guint i = 0; i < steps->len; i++)
    {
      Step *step = &g_array_index (steps, Step, i);

      if (step->child != NULL)
        step->child->parent = NULL;
    }
  self->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (self->steps, step_clear);
  return steps;
}

static void
ub_progress_finalize (GObject *object)
{
  UbProgress *self = UB_PROGRESS (object);
  Shared *shared = self->shared;
  GArray *steps;

  g_mutex_lock (&shared->lock);
  steps = steal_steps_locked (self);   /* children lose their parent under the lock */
  if (self->is_root)
    {
      /* nobody to deliver to any more */
      if (shared->changed_source != NULL)
        g_source_destroy (shared->changed_source);
      g_clear_pointer (&shared->changed_source, g_source_unref);
      if (shared->event_source != NULL)
        g_source_destroy (shared->event_source);
      g_clear_pointer (&shared->event_source, g_source_unref);
    }
  g_mutex_unlock (&shared->lock);
  g_array_unref (steps);
  g_array_unref (self->steps);
  g_array_unref (self->samples);
  shared_unref (shared);

  G_OBJECT_CLASS (ub_progress_parent_class)->finalize (object);
}

static void
ub_progress_class_init (UbProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ub_progress_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_VARIANT);
}

static void
ub_progress_init (UbProgress *self)
{
  self->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (self->steps, step_clear);
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
}

UbProgress *
ub_progress_new (void)
{
  UbProgress *self = g_object_new (UB_TYPE_PROGRESS, NULL);
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref);
  g_mutex_init (&shared->lock);
  shared->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&shared->root, self);
  shared->clock = default_clock;
  g_queue_init (&shared->events);
  self->shared = shared;
  self->is_root = TRUE;
  return self;
}

static UbProgress *
child_new (UbProgress *parent)
{
  UbProgress *self = g_object_new (UB_TYPE_PROGRESS, NULL);

  self->shared = shared_ref (parent->shared);
  self->parent = parent;
  return self;
}

void
ub_progress_set_clock (UbProgress      *self,
                       UbProgressClock  clock,
                       gpointer         user_data)
{
  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  self->shared->clock = clock != NULL ? clock : default_clock;
  self->shared->clock_data = user_data;
  g_mutex_unlock (&self->shared->lock);
}

static UbProgress *top_of (UbProgress *self);

/* ---- delivery to the owner ---- */

static gboolean
deliver_changed (gpointer data)
{
  Shared *shared = data;
  g_autoptr(UbProgress) root = NULL;

  g_mutex_lock (&shared->lock);
  if (shared->changed_source == g_main_current_source ())
    {
      g_clear_pointer (&shared->changed_source, g_source_unref);
      shared->changed_urgent = FALSE;
    }
  shared->last_changed = g_get_monotonic_time ();
  g_mutex_unlock (&shared->lock);

  root = g_weak_ref_get (&shared->root);
  if (root != NULL)
    g_signal_emit (root, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* with the lock: a ::changed within the interval, or at once when @urgent */
static void
schedule_changed (Shared  *shared,
                  gboolean urgent)
{
  gint64 wait;
  GSource *source;

  if (shared->changed_source != NULL)
    {
      if (!urgent || shared->changed_urgent)
        return;
      g_source_destroy (shared->changed_source);
      g_clear_pointer (&shared->changed_source, g_source_unref);
    }
  wait = shared->last_changed + CHANGED_INTERVAL_US - g_get_monotonic_time ();
  if (urgent || wait <= 0)
    source = g_idle_source_new ();
  else
    source = g_timeout_source_new ((guint) ((wait + 999) / 1000));
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_changed, shared_ref (shared), (GDestroyNotify) shared_unref);
  g_source_set_static_name (source, "[unbrick] UbProgress changed");
  shared->changed_urgent = urgent;
  shared->changed_source = source;
  g_source_attach (source, shared->context);
}

static gboolean
deliver_events (gpointer data)
{
  Shared *shared = data;
  g_autoptr(UbProgress) root = g_weak_ref_get (&shared->root);

  for (;;)
    {
      Event *event;
      gboolean changed = FALSE;

      g_mutex_lock (&shared->lock);
      event = g_queue_pop_head (&shared->events);
      if (event == NULL && shared->event_source == g_main_current_source ())
        g_clear_pointer (&shared->event_source, g_source_unref);
      if (event != NULL && event->changed_first && shared->changed_source != NULL &&
          shared->changed_urgent)
        {
          /* the final ::changed came first: it goes first */
          g_source_destroy (shared->changed_source);
          g_clear_pointer (&shared->changed_source, g_source_unref);
          shared->changed_urgent = FALSE;
          shared->last_changed = g_get_monotonic_time ();
          changed = TRUE;
        }
      g_mutex_unlock (&shared->lock);
      if (event == NULL)
        break;
      if (root != NULL && changed)
        g_signal_emit (root, signals[SIGNAL_CHANGED], 0);
      if (root != NULL)
        g_signal_emit (root, signals[SIGNAL_EVENT], g_quark_from_string (event->kind),
                       event->kind, event->data);
      event_free (event);
    }
  return G_SOURCE_REMOVE;
}

static void
post (UbProgress *self,
      const char *kind,
      GVariant   *data,
      gboolean    replace)
{
  Shared *shared;
  Event *event;
  Event *tail;

  g_return_if_fail (UB_IS_PROGRESS (self));
  g_return_if_fail (kind != NULL);

  shared = self->shared;
  event = g_new0 (Event, 1);
  event->kind = g_strdup (kind);
  event->data = data != NULL ? g_variant_ref_sink (data) : NULL;
  g_mutex_lock (&shared->lock);
  if (!top_of (self)->is_root)
    {
      /* a child cut off from its tree: nobody to tell */
      g_mutex_unlock (&shared->lock);
      event_free (event);
      return;
    }
  event->changed_first = shared->changed_source != NULL && shared->changed_urgent;
  tail = g_queue_peek_tail (&shared->events);
  if (replace && tail != NULL && g_str_equal (tail->kind, kind))
    {
      GVariant *old = tail->data;

      tail->data = g_steal_pointer (&event->data);
      g_mutex_unlock (&shared->lock);
      g_clear_pointer (&old, g_variant_unref);
      event_free (event);
      return;
    }
  g_queue_push_tail (&shared->events, event);
  if (shared->event_source == NULL)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, deliver_events, shared_ref (shared), (GDestroyNotify) shared_unref);
      g_source_set_static_name (source, "[unbrick] UbProgress event");
      shared->event_source = source;
      g_source_attach (source, shared->context);
    }
  g_mutex_unlock (&shared->lock);
}

void
ub_progress_post_event (UbProgress *self,
                        const char *kind,
                        GVariant   *data)
{
  post (self, kind, data, FALSE);
}

void
ub_progress_replace_event (UbProgress *self,
                           const char *kind,
                           GVariant   *data)
{
  post (self, kind, data, TRUE);
}

GVariant *
ub_progress_error_to_variant (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);
  return g_variant_new (UB_PROGRESS_ERROR_VARIANT_TYPE, g_quark_to_string (error->domain),
                        error->code, error->message);
}

GError *
ub_progress_error_from_variant (GVariant *data)
{
  const char *domain, *message;
  gint code;

  g_return_val_if_fail (data != NULL, NULL);
  g_variant_get (data, "(&si&s)", &domain, &code, &message);
  return g_error_new_literal (g_quark_from_string (domain), code, message);
}

/* ---- state, all with the lock held ---- */

static UbProgress *
top_of (UbProgress *self)
{
  while (self->parent != NULL)
    self = self->parent;
  return self;
}

static void
changed_locked (UbProgress *self)
{
  UbProgress *top = top_of (self);

  /* a child cut off from its tree reports to nobody */
  if (top->is_root)
    schedule_changed (self->shared, top->done);
}

static void
record_sample (UbProgress *self)
{
  gint64 now = self->shared->clock (self->shared->clock_data);
  Sample sample = { now, self->bytes_done };
  Sample *last = self->samples->len > 0 ?
    &g_array_index (self->samples, Sample, self->samples->len - 1) : NULL;

  if (last != NULL && self->bytes_done < last->done)
    {
      g_array_set_size (self->samples, 0);   /* went back: start again */
      last = NULL;
    }
  if (last != NULL && self->samples->len >= 2 &&
      now - g_array_index (self->samples, Sample, self->samples->len - 2).time < SAMPLE_INTERVAL_US)
    *last = sample;   /* keep the newest current without crowding the window */
  else
    g_array_append_val (self->samples, sample);
  /* keep one sample at least RATE_WINDOW_US old as the anchor */
  while (self->samples->len > 2 &&
         now - g_array_index (self->samples, Sample, 1).time >= RATE_WINDOW_US)
    g_array_remove_index (self->samples, 0);
}

static void
bytes_changed_locked (UbProgress *self,
                      guint64     done)
{
  gint64 delta = (gint64) done - (gint64) self->bytes_done;

  for (UbProgress *p = self; p != NULL; p = p->parent)
    {
      if (delta < 0 && (guint64) -delta > p->bytes_done)
        p->bytes_done = 0;
      else
        p->bytes_done = (guint64) ((gint64) p->bytes_done + delta);
      record_sample (p);
    }
  changed_locked (self);
}

/* returns the old steps, to be freed without the lock */
static GArray *
reset_locked (UbProgress *self)
{
  GArray *steps = steal_steps_locked (self);

  g_array_set_size (self->samples, 0);
  self->current = 0;
  self->total_weight = 0;
  self->done = FALSE;
  self->bytes_done = 0;
  self->bytes_total = 0;
  return steps;
}

static double
fraction_locked (UbProgress *self)
{
  if (self->done)
    return 1;
  if (self->steps->len > 0 && self->total_weight > 0)
    {
      double weight = 0;

      for (guint i = 0; i < self->current && i < self->steps->len; i++)
        weight += g_array_index (self->steps, Step, i).weight;
      if (self->current < self->steps->len)
        {
          Step *step = &g_array_index (self->steps, Step, self->current);

          if (step->child != NULL)
            weight += step->weight * fraction_locked (step->child);
        }
      return MIN (weight / self->total_weight, 1.0);
    }
  if (self->bytes_total > 0)
    return MIN ((double) self->bytes_done / self->bytes_total, 1.0);
  return 0;
}

static double
rate_locked (UbProgress *self)
{
  gint64 now = self->shared->clock (self->shared->clock_data);
  Sample *anchor, *last;
  double seconds;

  if (self->samples->len < 2)
    return 0;
  last = &g_array_index (self->samples, Sample, self->samples->len - 1);
  now = MAX (now, last->time);
  /* the newest sample at least RATE_WINDOW_US old, else the oldest */
  anchor = &g_array_index (self->samples, Sample, 0);
  for (guint i = 1; i < self->samples->len; i++)
    {
      Sample *s = &g_array_index (self->samples, Sample, i);

      if (now - s->time < RATE_WINDOW_US)
        break;
      anchor = s;
    }
  seconds = (now - anchor->time) / (double) G_USEC_PER_SEC;
  if (anchor == last || seconds <= 0)
    return 0;
  return (last->done - anchor->done) / seconds;
}

/* ---- setters (any thread) ---- */

void
ub_progress_reset (UbProgress *self)
{
  g_autoptr(GArray) steps = NULL;

  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  if (self->bytes_done > 0)
    bytes_changed_locked (self, 0);
  steps = reset_locked (self);
  changed_locked (self);
  g_mutex_unlock (&self->shared->lock);
}

void
ub_progress_add_step (UbProgress *self,
                      guint       weight,
                      const char *name)
{
  Step step = { weight, g_strdup (name), NULL };

  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  g_array_append_val (self->steps, step);
  self->total_weight += weight;
  self->done = FALSE;
  changed_locked (self);
  g_mutex_unlock (&self->shared->lock);
}

UbProgress *
ub_progress_get_child (UbProgress *self)
{
  UbProgress *child = NULL;

  g_return_val_if_fail (UB_IS_PROGRESS (self), NULL);

  g_mutex_lock (&self->shared->lock);
  if (self->current < self->steps->len)
    {
      Step *step = &g_array_index (self->steps, Step, self->current);

      if (step->child == NULL)
        step->child = child_new (self);
      child = step->child;
    }
  g_mutex_unlock (&self->shared->lock);
  if (child == NULL)
    g_critical ("ub_progress_get_child: no running step");
  return child;
}

void
ub_progress_step_done (UbProgress *self)
{
  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  if (self->current < self->steps->len)
    {
      self->current++;
      if (self->current == self->steps->len)
        self->done = TRUE;
      changed_locked (self);
    }
  g_mutex_unlock (&self->shared->lock);
}

void
ub_progress_finish (UbProgress *self)
{
  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  self->current = self->steps->len;
  self->done = TRUE;
  changed_locked (self);
  g_mutex_unlock (&self->shared->lock);
}

void
ub_progress_set_bytes_total (UbProgress *self,
                             guint64     total)
{
  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  if (self->bytes_total != total)
    {
      self->bytes_total = total;
      changed_locked (self);
    }
  g_mutex_unlock (&self->shared->lock);
}

void
ub_progress_add_bytes (UbProgress *self,
                       guint64     bytes)
{
  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  bytes_changed_locked (self, self->bytes_done + bytes);
  g_mutex_unlock (&self->shared->lock);
}

void
ub_progress_set_bytes_done (UbProgress *self,
                            guint64     done)
{
  g_return_if_fail (UB_IS_PROGRESS (self));

  g_mutex_lock (&self->shared->lock);
  if (done != self->bytes_done)
    bytes_changed_locked (self, done);
  g_mutex_unlock (&self->shared->lock);
}

/* ---- getters ---- */

double
ub_progress_get_fraction (UbProgress *self)
{
  double fraction;

  g_return_val_if_fail (UB_IS_PROGRESS (self), 0);

  g_mutex_lock (&self->shared->lock);
  fraction = fraction_locked (self);
  g_mutex_unlock (&self->shared->lock);
  return fraction;
}

gboolean
ub_progress_get_done (UbProgress *self)
{
  gboolean done;

  g_return_val_if_fail (UB_IS_PROGRESS (self), FALSE);

  g_mutex_lock (&self->shared->lock);
  done = self->done;
  g_mutex_unlock (&self->shared->lock);
  return done;
}

char *
ub_progress_dup_step_name (UbProgress *self)
{
  char *name = NULL;

  g_return_val_if_fail (UB_IS_PROGRESS (self), NULL);

  g_mutex_lock (&self->shared->lock);
  if (self->current < self->steps->len)
    name = g_strdup (g_array_index (self->steps, Step, self->current).name);
  g_mutex_unlock (&self->shared->lock);
  return name;
}

guint
ub_progress_get_step (UbProgress *self)
{
  guint step;

  g_return_val_if_fail (UB_IS_PROGRESS (self), 0);

  g_mutex_lock (&self->shared->lock);
  step = self->current;
  g_mutex_unlock (&self->shared->lock);
  return step;
}

guint
ub_progress_get_n_steps (UbProgress *self)
{
  guint n;

  g_return_val_if_fail (UB_IS_PROGRESS (self), 0);

  g_mutex_lock (&self->shared->lock);
  n = self->steps->len;
  g_mutex_unlock (&self->shared->lock);
  return n;
}

guint64
ub_progress_get_bytes_done (UbProgress *self)
{
  guint64 done;

  g_return_val_if_fail (UB_IS_PROGRESS (self), 0);

  g_mutex_lock (&self->shared->lock);
  done = self->bytes_done;
  g_mutex_unlock (&self->shared->lock);
  return done;
}

guint64
ub_progress_get_bytes_total (UbProgress *self)
{
  guint64 total;

  g_return_val_if_fail (UB_IS_PROGRESS (self), 0);

  g_mutex_lock (&self->shared->lock);
  total = self->bytes_total;
  g_mutex_unlock (&self->shared->lock);
  return total;
}

double
ub_progress_get_rate (UbProgress *self)
{
  double rate;

  g_return_val_if_fail (UB_IS_PROGRESS (self), 0);

  g_mutex_lock (&self->shared->lock);
  rate = rate_locked (self);
  g_mutex_unlock (&self->shared->lock);
  return rate;
}

gint64
ub_progress_get_seconds_left (UbProgress *self)
{
  gint64 left = -1;
  double rate;

  g_return_val_if_fail (UB_IS_PROGRESS (self), -1);

  g_mutex_lock (&self->shared->lock);
  rate = rate_locked (self);
  if (self->done || (self->bytes_total > 0 && self->bytes_done >= self->bytes_total))
    left = 0;
  else if (self->bytes_total > 0 && rate > 0)
    left = (gint64) ((self->bytes_total - self->bytes_done) / rate + 0.999);
  g_mutex_unlock (&self->shared->lock);
  return left;
}

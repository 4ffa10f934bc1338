/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include "ub-cli-progress.h"
#include "ub-format.h"

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
#define WINDOW_US          (3 * G_USEC_PER_SEC)
#define BAR_WIDTH          24

typedef struct {
  gint64  time;
  guint64 done;
} Sample;

struct _UbCliProgress
{
  gboolean is_tty;
  gboolean shown;
  char    *label;
  gint64   last_draw;
  GArray  *samples;   /* of Sample, the last WINDOW_US */
  guint64  done;
  guint64  total;
};

UbCliProgress *
ub_cli_progress_new (gboolean is_tty)
{
  UbCliProgress *self = g_new0 (UbCliProgress, 1);

  self->is_tty = is_tty;
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  return self;
}

void
ub_cli_progress_free (UbCliProgress *self)
{
  if (self == NULL)
    return;
  ub_cli_progress_clear (self);
  g_array_unref (self->samples);
  g_free (self->label);
  g_free (self);
}

static double
current_speed (UbCliProgress *self)
{
  Sample *first, *last;
  double seconds;

  if (self->samples->len < 2)
    return 0;
  first = &g_array_index (self->samples, Sample, 0);
  last = &g_array_index (self->samples, Sample, self->samples->len - 1);
  seconds = (last->time - first->time) / 1e6;
  if (seconds <= 0 || last->done < first->done)
    return 0;
  return (last->done - first->done) / seconds;
}

static void
draw (UbCliProgress *self)
{
  double fraction = self->total ? (double) self->done / self->total : 0;
  double speed = current_speed (self);
  g_autofree char *speed_text = ub_format_rate (speed);
  g_autofree char *eta = NULL;
  char bar[BAR_WIDTH + 1];
  guint filled = (guint) (fraction * BAR_WIDTH);

  for (guint i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '#' : '-';
  bar[BAR_WIDTH] = '\0';
  if (speed > 0 && self->total > self->done)
    eta = ub_format_time_left ((gint64) ((self->total - self->done) / speed + 0.999));
  fprintf (stderr, "\r\033[K%s [%s] %3.0f%%  %s  %s", self->label, bar, fraction * 100,
           speed_text ? speed_text : "", eta ? eta : "");
  fflush (stderr);
  self->shown = TRUE;
}

void
ub_cli_progress_update (UbCliProgress *self,
                        const char    *label,
                        guint64        done,
                        guint64        total)
{
  gint64 now = g_get_monotonic_time ();
  Sample sample = { now, done };
  gboolean new_label = g_strcmp0 (label, self->label) != 0;

  if (new_label)
    {
      g_free (self->label);
      self->label = g_strdup (label);
      if (!self->is_tty)
        {
          fprintf (stderr, "%s…\n", label);
          fflush (stderr);
        }
    }
  if (done < self->done)
    g_array_set_size (self->samples, 0);
  self->done = done;
  self->total = total;
  if (self->samples->len == 0 ||
      now - g_array_index (self->samples, Sample, self->samples->len - 1).time >= REDRAW_INTERVAL_US)
    g_array_append_val (self->samples, sample);
  while (self->samples->len > 2 &&
         now - g_array_index (self->samples, Sample, 0).time > WINDOW_US)
    g_array_remove_index (self->samples, 0);

  if (!self->is_tty)
    return;
  if (!new_label && done != total && now - self->last_draw < REDRAW_INTERVAL_US)
    return;
  self->last_draw = now;
  draw (self);
}

void
ub_cli_progress_clear (UbCliProgress *self)
{
  if (self == NULL || !self->shown)
    return;
  fprintf (stderr, "\r\033[K");
  fflush (stderr);
  self->shown = FALSE;
}

void
ub_cli_progress_finish (UbCliProgress *self)
{
  if (self->shown)
    {
      draw (self);
      fprintf (stderr, "\n");
      fflush (stderr);
      self->shown = FALSE;
    }
  g_array_set_size (self->samples, 0);
  g_clear_pointer (&self->label, g_free);
  self->done = self->total = 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include "ub-cli-progress.h"
#include "ub-format.h"

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
#define BAR_WIDTH          24

struct _UbCliProgress
{
  gboolean    is_tty;
  gboolean    shown;
  char       *label;
  gint64      last_draw;
  UbProgress *estimate;   /* the speed of what update() is given */
  guint64     done;
  guint64     total;
  double      rate;
  gint64      seconds_left;
};

UbCliProgress *
ub_cli_progress_new (gboolean is_tty)
{
  UbCliProgress *self = g_new0 (UbCliProgress, 1);

  self->is_tty = is_tty;
  self->estimate = ub_progress_new ();
  self->seconds_left = -1;
  return self;
}

void
ub_cli_progress_free (UbCliProgress *self)
{
  if (self == NULL)
    return;
  ub_cli_progress_clear (self);
  g_object_unref (self->estimate);
  g_free (self->label);
  g_free (self);
}

static void
draw (UbCliProgress *self)
{
  double fraction = self->total ? (double) self->done / self->total : 0;
  g_autofree char *speed_text = ub_format_rate (self->rate);
  g_autofree char *eta = NULL;
  char bar[BAR_WIDTH + 1];
  guint filled = (guint) (MIN (fraction, 1.0) * BAR_WIDTH);

  for (guint i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '#' : '-';
  bar[BAR_WIDTH] = '\0';
  if (self->rate > 0 && self->total > self->done)
    eta = ub_format_time_left (self->seconds_left);
  fprintf (stderr, "\r\033[K%s [%s] %3.0f%%  %s  %s", self->label, bar, fraction * 100,
           speed_text ? speed_text : "", eta ? eta : "");
  fflush (stderr);
  self->shown = TRUE;
}

/* a new label: a line of its own when not a tty */
static gboolean
set_label (UbCliProgress *self,
           const char    *label)
{
  if (g_strcmp0 (label, self->label) == 0)
    return FALSE;
  g_free (self->label);
  self->label = g_strdup (label);
  if (!self->is_tty)
    {
      fprintf (stderr, "%s…\n", label);
      fflush (stderr);
    }
  return TRUE;
}

static void
maybe_draw (UbCliProgress *self,
            gboolean       new_label)
{
  gint64 now = g_get_monotonic_time ();

  if (!self->is_tty)
    return;
  if (!new_label && self->done != self->total && now - self->last_draw < REDRAW_INTERVAL_US)
    return;
  self->last_draw = now;
  draw (self);
}

void
ub_cli_progress_update (UbCliProgress *self,
                        const char    *label,
                        guint64        done,
                        guint64        total)
{
  gboolean new_label = set_label (self, label);

  ub_progress_set_bytes_total (self->estimate, total);
  ub_progress_set_bytes_done (self->estimate, done);
  self->done = done;
  self->total = total;
  self->rate = ub_progress_get_rate (self->estimate);
  self->seconds_left = ub_progress_get_seconds_left (self->estimate);
  maybe_draw (self, new_label);
}

void
ub_cli_progress_show (UbCliProgress *self,
                      const char    *label,
                      UbProgress    *progress)
{
  gboolean new_label = set_label (self, label);

  self->done = ub_progress_get_bytes_done (progress);
  self->total = ub_progress_get_bytes_total (progress);
  self->rate = ub_progress_get_rate (progress);
  self->seconds_left = ub_progress_get_seconds_left (progress);
  maybe_draw (self, new_label);
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
  ub_progress_reset (self->estimate);
  g_clear_pointer (&self->label, g_free);
  self->done = self->total = 0;
  self->rate = 0;
  self->seconds_left = -1;
}

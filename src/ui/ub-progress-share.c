/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-progress-share.h"

void
ub_progress_share_init (UbProgressShare *self)
{
  g_mutex_init (&self->lock);
  self->what = NULL;
  self->done = self->total = 0;
}

void
ub_progress_share_clear (UbProgressShare *self)
{
  g_mutex_clear (&self->lock);
  g_clear_pointer (&self->what, g_free);
}

void
ub_progress_share_set (UbProgressShare *self, const char *what, guint64 done, guint64 total)
{
  g_mutex_lock (&self->lock);
  if (g_strcmp0 (self->what, what) != 0)
    {
      g_free (self->what);
      self->what = g_strdup (what);
    }
  self->done = done;
  self->total = total;
  g_mutex_unlock (&self->lock);
}

void
ub_progress_share_get (UbProgressShare *self, char **what, guint64 *done, guint64 *total)
{
  g_mutex_lock (&self->lock);
  if (what != NULL)
    *what = g_strdup (self->what);
  *done = self->done;
  *total = self->total;
  g_mutex_unlock (&self->lock);
}

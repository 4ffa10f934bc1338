/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What a worker thread last reported (a step's name, bytes done of total),
 * for a timer on the main thread to show: the pages' GTask threads never
 * touch a widget. Embedded in the page; init/clear with it.
 */
typedef struct {
  GMutex   lock;
  char    *what;
  guint64  done;
  guint64  total;
} UbProgressShare;

void ub_progress_share_init  (UbProgressShare *self);
void ub_progress_share_clear (UbProgressShare *self);
/* Any thread. */
void ub_progress_share_set   (UbProgressShare *self,
                              const char      *what,
                              guint64          done,
                              guint64          total);
/* @what (nullable) receives a copy of what was set, or NULL. */
void ub_progress_share_get   (UbProgressShare *self,
                              char           **what,
                              guint64         *done,
                              guint64         *total);

G_END_DECLS

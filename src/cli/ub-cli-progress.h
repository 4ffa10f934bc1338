/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "ub-progress.h"

G_BEGIN_DECLS

/* A terminal progress bar with speed and time left (plain lines when not a tty). */
typedef struct _UbCliProgress UbCliProgress;

UbCliProgress *ub_cli_progress_new    (gboolean       is_tty);
/* Bytes done of a total; the bar measures the speed itself. */
void           ub_cli_progress_update (UbCliProgress *self,
                                       const char    *label,
                                       guint64        done,
                                       guint64        total);
/* The bytes, the speed and the time left of @progress. */
void           ub_cli_progress_show   (UbCliProgress *self,
                                       const char    *label,
                                       UbProgress    *progress);
/* Erases the bar so that other output can be printed. */
void           ub_cli_progress_clear  (UbCliProgress *self);
/* Ends the bar, leaving a final line. */
void           ub_cli_progress_finish (UbCliProgress *self);
void           ub_cli_progress_free   (UbCliProgress *self);

G_END_DECLS

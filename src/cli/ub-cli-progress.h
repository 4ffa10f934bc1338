/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A terminal progress bar with speed and time left (plain lines when not a tty). */
typedef struct _UbCliProgress UbCliProgress;

UbCliProgress *ub_cli_progress_new    (gboolean       is_tty);
void           ub_cli_progress_update (UbCliProgress *self,
                                       const char    *label,
                                       guint64        done,
                                       guint64        total);
/* Erases the bar so that other output can be printed. */
void           ub_cli_progress_clear  (UbCliProgress *self);
/* Ends the bar, leaving a final line. */
void           ub_cli_progress_finish (UbCliProgress *self);
void           ub_cli_progress_free   (UbCliProgress *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The one place where sizes, rates and times left become words. */

/* "1.2 GB" (SI units, as GLib's g_format_size). */
char *ub_format_size      (guint64 bytes);
/* "38.2 MB/s"; NULL when the rate is unknown (≤ 0). */
char *ub_format_rate      (double  bytes_per_second);
/* "about 2 minutes left"; NULL when unknown (< 0). */
char *ub_format_time_left (gint64  seconds);
/* "1.2 GB of 5.6 GB · 38.2 MB/s · about 2 minutes left"; the rate and the time
 * left are left out when unknown (rate ≤ 0, seconds_left < 0), the time left
 * also when the rate is. */
char *ub_format_transfer  (guint64 done,
                           guint64 total,
                           double  bytes_per_second,
                           gint64  seconds_left);

G_END_DECLS

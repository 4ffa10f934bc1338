/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-format.h"

char *
ub_format_size (guint64 bytes)
{
  return g_format_size (bytes);
}

char *
ub_format_rate (double bytes_per_second)
{
  g_autofree char *size = NULL;

  if (!(bytes_per_second > 0))
    return NULL;
  size = g_format_size ((guint64) bytes_per_second);
  /* TRANSLATORS: a transfer speed, "38.2 MB/s" */
  return g_strdup_printf (_("%s/s"), size);
}

char *
ub_format_time_left (gint64 seconds)
{
  if (seconds < 0)
    return NULL;
  if (seconds < 60)
    return g_strdup (_("less than a minute left"));
  if (seconds < 3600)
    {
      guint minutes = (guint) ((seconds + 30) / 60);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %u minute left", "about %u minutes left",
                                           minutes), minutes);
    }
  {
    guint hours = (guint) (seconds / 3600);
    guint minutes = (guint) ((seconds % 3600) / 60);
    /* TRANSLATORS: "about 1 h 20 min left" */
    return g_strdup_printf (_("about %u h %u min left"), hours, minutes);
  }
}

char *
ub_format_transfer (guint64 done, guint64 total, double bytes_per_second, gint64 seconds_left)
{
  g_autofree char *done_text = ub_format_size (done);
  g_autofree char *total_text = ub_format_size (total);
  g_autofree char *rate = ub_format_rate (bytes_per_second);
  g_autofree char *left = ub_format_time_left (seconds_left);

  /* TRANSLATORS: "1.2 GB of 5.6 GB · 38.2 MB/s · about 2 minutes left" */
  if (rate != NULL && left != NULL)
    return g_strdup_printf (_("%s of %s · %s · %s"), done_text, total_text, rate, left);
  if (rate != NULL)
    return g_strdup_printf (_("%s of %s · %s"), done_text, total_text, rate);
  return g_strdup_printf (_("%s of %s"), done_text, total_text);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ub-cli-download.h"
#include "ub-download.h"
#include "ub-rom-error.h"

typedef struct {
  UbCliProgress *progress;
  UbDownload    *download;
  gboolean       finished;
  GError        *error;
} Ctx;

static void
on_progress_changed (UbProgress *progress,
                     Ctx        *ctx)
{
  const char *label = ub_download_get_state (ctx->download) == UB_DOWNLOAD_STATE_CHECKING
                      /* TRANSLATORS: a progress label: the download is being checked (its MD5), or
                       * downloaded */
                      ? _("Checking") : _("Downloading");

  ub_cli_progress_update (ctx->progress, label, ub_progress_get_bytes_done (progress),
                          ub_progress_get_bytes_total (progress));
}

static void
on_finished (UbDownload   *download,
             const GError *error,
             Ctx          *ctx)
{
  ctx->finished = TRUE;
  ctx->error = error != NULL ? g_error_copy (error) : NULL;
}

static void
on_state_changed (UbDownload *download,
                  Ctx        *ctx)
{
  switch (ub_download_get_state (download))
    {
    case UB_DOWNLOAD_STATE_RETRYING:
      ub_cli_progress_clear (ctx->progress);
      g_printerr (_("The connection was lost; trying again…\n"));
      break;
    case UB_DOWNLOAD_STATE_PAUSED:
      ub_cli_progress_clear (ctx->progress);
      g_printerr (_("Paused\n"));
      break;
    default:
      break;
    }
}

/* In the thread-default context: runs the download on its thread and waits for it. */
static gboolean
run_download (Ctx                *ctx,
              const char * const *urls,
              gboolean            mirrors,
              const char         *dir,
              const char         *md5,
              guint64             expected_size,
              GCancellable       *cancellable,
              GError            **error)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GStatBuf st;

  ctx->download = mirrors ? ub_download_new_for_mirrors (urls, dir, error)
                          : ub_download_new (urls[0], dir, error);
  if (ctx->download == NULL)
    return FALSE;
  if (md5 != NULL && !ub_download_set_expected_md5 (ctx->download, md5, error))
    return FALSE;
  if (expected_size > 0)
    ub_download_set_expected_size (ctx->download, expected_size);
  g_signal_connect (ub_download_get_progress (ctx->download), "changed",
                    G_CALLBACK (on_progress_changed), ctx);
  g_signal_connect (ctx->download, "state-changed", G_CALLBACK (on_state_changed), ctx);
  g_signal_connect (ctx->download, "finished", G_CALLBACK (on_finished), ctx);

  g_printerr (_("Downloading %s\n  into %s\n"), ub_download_get_file_name (ctx->download), dir);
  if (g_stat (ub_download_get_part_path (ctx->download), &st) == 0)
    {
      g_autofree char *size = g_format_size (st.st_size);
      g_printerr (_("Continuing the earlier download (%s already here)\n"), size);
    }

  ub_download_start (ctx->download, cancellable);
  while (!ctx->finished)
    g_main_context_iteration (context, TRUE);
  /* the last figures, then nothing more from this download */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_signal_handlers_disconnect_by_data (ub_download_get_progress (ctx->download), ctx);
  g_signal_handlers_disconnect_by_data (ctx->download, ctx);
  if (ctx->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&ctx->error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
download (const char * const *urls,
          gboolean            mirrors,
          const char         *md5,
          guint64             size,
          const char         *dir_option,
          UbCliProgress      *progress,
          GCancellable       *cancellable,
          char              **out_path,
          GError            **error)
{
  g_autofree char *dir = g_strdup (dir_option);
  g_autoptr(UbDownload) download = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GMainContext) main_context = g_main_context_new ();
  Ctx ctx = { progress };
  gboolean ok;

  if (dir == NULL)
    {
      const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
      dir = g_strdup (downloads != NULL ? downloads : g_get_home_dir ());
    }
  {
    char *absolute = g_canonicalize_filename (dir, NULL);
    g_free (dir);
    dir = absolute;
  }

  /* the download's signals and its progress come on this thread, in this context */
  g_main_context_push_thread_default (main_context);
  ok = run_download (&ctx, urls, mirrors, dir, md5, size, cancellable, &local);
  g_main_context_pop_thread_default (main_context);
  download = g_steal_pointer (&ctx.download);
  if (!ok)
    {
      ub_cli_progress_clear (progress);
      /* not a phone operation: spare the user unbrick-cli's advice about phones */
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED, local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  ub_cli_progress_finish (progress);

  if (ub_download_get_already_present (download))
    g_printerr (_("Already downloaded and checked; nothing to do.\n"));
  else if (ub_download_get_md5 (download) != NULL)
    g_printerr (_("Downloaded and checked (MD5 %s).\n"), ub_download_get_md5 (download));
  else
    g_printerr (_("Downloaded. There was no MD5 to check it against; pass --md5 with the "
                  "checksum from the download page to check it.\n"));
  if (out_path != NULL)
    *out_path = g_strdup (ub_download_get_final_path (download));
  else
    g_print ("%s\n", ub_download_get_final_path (download));
  return TRUE;
}

gboolean
ub_cli_download (const char     *url,
                 const char     *md5,
                 const char     *dir,
                 UbCliProgress  *progress,
                 GCancellable   *cancellable,
                 GError        **error)
{
  const char *urls[] = { url, NULL };

  return download (urls, FALSE, md5, 0, dir, progress, cancellable, NULL, error);
}

gboolean
ub_cli_download_mirrors (const char * const *urls,
                         const char         *md5,
                         guint64             size,
                         const char         *dir,
                         UbCliProgress      *progress,
                         GCancellable       *cancellable,
                         char              **out_path,
                         GError            **error)
{
  return download (urls, TRUE, md5, size, dir, progress, cancellable, out_path, error);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* unbrick-cli recovery …: a phone in Mi Assistant recovery (locked phones). */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "ub-advice.h"
#include "ub-cli-download.h"
#include "ub-cli-json.h"
#include "ub-cli-recovery.h"
#include "ub-enum-nick.h"
#include "ub-flash-enums.h"
#include "ub-mi-assistant.h"
#include "ub-online-error.h"
#include "ub-recovery-job.h"
#include "ub-recovery-zip.h"
#include "ub-rom-catalog.h"
#include "ub-rom-error.h"
#include "ub-update-server.h"

/* ---- the phone and the server ------------------------------------------------ */

typedef struct {
  UbCliRecoveryOptions       *opt;
  const char                 *address;     /* as given, or the demo's */
  const char                 *server_url;  /* the demo's fake update server, else NULL */
  const char                 *mirror;      /* the demo's ROM mirror, else NULL */
  char                       *phone_address; /* what reopens the phone */
  UbRecoveryInfo             *info;
} Recovery;

static void
recovery_clear (Recovery *r)
{
  g_free (r->phone_address);
  g_clear_object (&r->info);
}

/* Opens the phone and reads what it says about itself. */
static UbMiAssistant *
open_phone (Recovery  *r,
            GError   **error)
{
  g_autoptr(UbMiAssistant) phone = ub_mi_assistant_open (r->address, r->opt->stop, error);

  if (phone == NULL)
    return NULL;
  if (r->opt->timeout_s > 0)
    ub_mi_assistant_set_sideload_timeout (phone, r->opt->timeout_s * 1000);
  g_clear_object (&r->info);
  r->info = ub_mi_assistant_read_info (phone, r->opt->stop, error);
  if (r->info == NULL)
    return NULL;
  g_free (r->phone_address);
  r->phone_address = g_strdup (ub_mi_assistant_get_address (phone));
  if (r->phone_address == NULL)
    r->phone_address = g_strdup (r->address);
  return g_steal_pointer (&phone);
}

static gboolean
read_phone (Recovery  *r,
            GError   **error)
{
  g_autoptr(UbMiAssistant) phone = open_phone (r, error);

  if (phone == NULL)
    return FALSE;
  ub_mi_assistant_close (phone);
  return TRUE;
}

static UbUpdateServer *
new_server (Recovery *r)
{
  UbUpdateServer *server = ub_update_server_new ();

  if (r->server_url != NULL)
    ub_update_server_set_base_url (server, r->server_url);
  return server;
}

static gboolean
check_complete (Recovery  *r,
                GError   **error)
{
  if (ub_recovery_info_is_complete (r->info))
    return TRUE;
  g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                       _("The phone did not tell its model, version, serial and ROM zone, which "
                         "Xiaomi's update server needs."));
  return FALSE;
}

static const char *
or_unknown (const char *value)
{
  return value != NULL && value[0] != '\0' ? value : "?";
}

/* ---- info --------------------------------------------------------------------- */

static gboolean
cmd_info (Recovery  *r,
          GError   **error)
{
  g_auto(GStrv) keys = NULL;

  if (!read_phone (r, error))
    return FALSE;
  keys = ub_recovery_info_dup_keys (r->info);
  if (r->opt->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      ub_cli_json_add_string (b, "address", r->phone_address);
      for (guint i = 0; keys[i] != NULL; i++)
        ub_cli_json_add_string (b, keys[i], ub_recovery_info_get (r->info, keys[i]));
      ub_cli_json_add_bool (b, "complete", ub_recovery_info_is_complete (r->info));
      json_builder_end_object (b);
      ub_cli_json_print (b, TRUE);
      return TRUE;
    }
  /* TRANSLATORS: %s: how the phone is reached, e.g. usb:1-4 or tcp:127.0.0.1:5555 */
  g_print (_("Phone in Mi Assistant mode at %s\n"), r->phone_address);
  for (guint i = 0; keys[i] != NULL; i++)
    g_print ("%s: %s\n", keys[i], ub_recovery_info_get (r->info, keys[i]));
  return TRUE;
}

/* ---- roms --------------------------------------------------------------------- */

static GPtrArray *
list_roms (Recovery  *r,
           GError   **error)
{
  g_autoptr(UbUpdateServer) server = new_server (r);
  g_autoptr(UbUpdateQuery) query = NULL;

  if (!check_complete (r, error))
    return NULL;
  query = ub_update_query_new_from_info (r->info);
  if (!r->opt->json)
    {
      /* TRANSLATORS: the privacy note: %s are the phone's model, version and serial */
      g_printerr (_("Asking Xiaomi's update server (it is sent the phone's model %s, version %s "
                    "and serial %s)…\n"), or_unknown (query->device), or_unknown (query->version),
                  or_unknown (query->serial));
    }
  return ub_update_server_list_roms (server, query, r->opt->stop, error);
}

static char **
dup_mirrors (Recovery *r)
{
  if (r->mirror != NULL)
    {
      char **mirrors = g_new0 (char *, 2);
      mirrors[0] = g_strdup (r->mirror);
      return mirrors;
    }
  return ub_rom_catalog_dup_default_mirrors ();
}

static gboolean
cmd_roms (Recovery  *r,
          GError   **error)
{
  g_autoptr(GPtrArray) roms = NULL;
  g_auto(GStrv) mirrors = dup_mirrors (r);

  if (!read_phone (r, error) || (roms = list_roms (r, error)) == NULL)
    return FALSE;
  if (r->opt->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      ub_cli_json_add_string (b, "device", ub_recovery_info_get_device (r->info));
      ub_cli_json_add_string (b, "version", ub_recovery_info_get_version (r->info));
      ub_cli_json_add_string (b, "serial", ub_recovery_info_get_serial (r->info));
      json_builder_set_member_name (b, "roms");
      json_builder_begin_array (b);
      for (guint i = 0; i < roms->len; i++)
        {
          UbUpdateRom *rom = roms->pdata[i];
          g_auto(GStrv) urls = ub_update_rom_dup_urls (rom, (const char * const *) mirrors);

          json_builder_begin_object (b);
          ub_cli_json_add_string (b, "kind", ub_update_rom_get_kind (rom));
          ub_cli_json_add_bool (b, "current", ub_update_rom_get_is_current (rom));
          ub_cli_json_add_string (b, "name", ub_update_rom_get_name (rom));
          ub_cli_json_add_string (b, "version", ub_update_rom_get_version (rom));
          ub_cli_json_add_string (b, "android", ub_update_rom_get_codebase (rom));
          ub_cli_json_add_string (b, "branch", ub_update_rom_get_branch (rom));
          ub_cli_json_add_string (b, "file", ub_update_rom_get_filename (rom));
          ub_cli_json_add_string (b, "md5", ub_update_rom_get_md5 (rom));
          ub_cli_json_add_string (b, "size_text", ub_update_rom_get_size_text (rom));
          json_builder_set_member_name (b, "size");
          if (ub_update_rom_get_size_hint (rom) > 0)
            json_builder_add_int_value (b, (gint64) ub_update_rom_get_size_hint (rom));
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "urls");
          json_builder_begin_array (b);
          for (guint u = 0; urls != NULL && urls[u] != NULL; u++)
            json_builder_add_string_value (b, urls[u]);
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      ub_cli_json_print (b, TRUE);
      return TRUE;
    }
  if (roms->len == 0)
    {
      g_print (_("Xiaomi's update server offers no ROM for this phone.\n"));
      return TRUE;
    }
  for (guint i = 0; i < roms->len; i++)
    {
      UbUpdateRom *rom = roms->pdata[i];

      /* one ROM a line: a mark for the installed one, kind, version, size, file, MD5 */
      g_print ("%s %-10s %-22s %6s  %s  %s\n", ub_update_rom_get_is_current (rom) ? "*" : " ",
               or_unknown (ub_update_rom_get_kind (rom)), or_unknown (ub_update_rom_get_version (rom)),
               or_unknown (ub_update_rom_get_size_text (rom)),
               or_unknown (ub_update_rom_get_filename (rom)), or_unknown (ub_update_rom_get_md5 (rom)));
    }
  g_print (_("* the version the phone runs now\n"));
  return TRUE;
}

/* ---- install and wipe-data: the job ----------------------------------------------- */

typedef struct {
  Recovery      *r;
  UbRecoveryJob *job;
  UbRecoveryStage stage;        /* the last one a JSON "stage" event told */
  gboolean       stage_known;
} Run;

static const char *
stage_key (UbRecoveryStage stage)
{
  return ub_enum_nick (UB_TYPE_RECOVERY_STAGE, stage);
}

static void
on_progress (UbRecoveryJob *job,
             Run           *run)
{
  UbProgress *progress = ub_recovery_job_get_progress (job);
  UbRecoveryStage stage = ub_recovery_job_get_stage (job);

  if (run->r->opt->json)
    {
      JsonBuilder *b;

      if (!run->stage_known || stage != run->stage)
        {
          b = ub_cli_json_event ("stage");
          ub_cli_json_add_string (b, "stage", stage_key (stage));
          ub_cli_json_event_end (b);
        }
      run->stage = stage;
      run->stage_known = TRUE;
      b = ub_cli_json_event ("progress");
      ub_cli_json_add_string (b, "stage", stage_key (stage));
      ub_cli_json_add_int (b, "done", ub_progress_get_bytes_done (progress));
      ub_cli_json_add_int (b, "total", ub_progress_get_bytes_total (progress));
      json_builder_set_member_name (b, "bytes_per_second");
      json_builder_add_double_value (b, ub_progress_get_rate (progress));
      ub_cli_json_add_int (b, "seconds_left", ub_progress_get_seconds_left (progress));
      ub_cli_json_event_end (b);
      return;
    }
  if (ub_progress_get_bytes_total (progress) > 0 &&
      (stage == UB_RECOVERY_STAGE_VERIFY || stage == UB_RECOVERY_STAGE_CHECKING ||
       stage == UB_RECOVERY_STAGE_INSTALLING))
    {
      /* the job's step names: "Checking the file", "The phone checks the package" … */
      g_autofree char *what = ub_progress_dup_step_name (progress);

      if (what != NULL)
        ub_cli_progress_show (run->r->opt->progress, what, progress);
    }
}

static void
on_log (UbRecoveryJob *job,
        const char    *text,
        Run           *run)
{
  if (run->r->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("log");
      ub_cli_json_add_string (b, "text", text);
      ub_cli_json_event_end (b);
      return;
    }
  ub_cli_progress_clear (run->r->opt->progress);
  g_printerr ("%s\n", text);
}

static gboolean
on_stop (GCancellable *cancellable,
         gpointer      user_data)
{
  Run *run = user_data;

  ub_recovery_job_cancel (run->job);
  return G_SOURCE_REMOVE;
}

static gboolean
run_job (Recovery      *r,
         UbRecoveryJob *job,
         GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  Run run = { r, job };
  const GError *failure;
  UbFlashJobState state;
  GSource *source;
  gboolean ok;

  g_signal_connect (job, "progress", G_CALLBACK (on_progress), &run);
  g_signal_connect (job, "log", G_CALLBACK (on_log), &run);
  /* Ctrl+C (opt->stop) cancels the job */
  source = g_cancellable_source_new (r->opt->stop);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_stop, &run, NULL);
  g_source_attach (source, context);
  ok = ub_recovery_job_run_sync (job, error);
  g_source_destroy (source);
  g_source_unref (source);
  g_signal_handlers_disconnect_by_data (job, &run);
  state = ub_recovery_job_get_state (job);
  /* the job did not start: nothing ran, nothing to report */
  if (state == UB_FLASH_JOB_READY)
    return FALSE;
  ub_cli_progress_finish (r->opt->progress);

  failure = ub_recovery_job_get_error (job);
  if (r->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("result");

      ub_cli_json_add_string (b, "status", ub_enum_nick (UB_TYPE_FLASH_JOB_STATE, state));
      ub_cli_json_add_string (b, "message", failure ? failure->message : NULL);
      ub_cli_json_add_string (b, "next_step", ub_recovery_job_get_next_step (job));
      ub_cli_json_add_string (b, "phone_message", ub_recovery_job_get_phone_message (job));
      ub_cli_json_add_string (b, "stage", stage_key (ub_recovery_job_get_stage (job)));
      json_builder_set_member_name (b, "elapsed");
      json_builder_add_double_value (b, ub_recovery_job_get_elapsed (job));
      ub_cli_json_event_end (b);
    }
  if (ok)
    {
      if (!r->opt->json)
        {
          /* TRANSLATORS: %.1f s: seconds */
          g_printerr (_("Done in %.1f s. The phone is restarting; the first start can take up to "
                        "10 minutes.\n"), ub_recovery_job_get_elapsed (job));
        }
      return TRUE;
    }
  /* unbrick-cli prints the error and its next step, as the job's: a stop or a
   * lost link while the package was being sent is an interrupted install */
  if (failure != NULL &&
      (ub_recovery_job_get_stage (job) == UB_RECOVERY_STAGE_CHECKING ||
       ub_recovery_job_get_stage (job) == UB_RECOVERY_STAGE_INSTALLING))
    r->opt->advice = UB_ADVICE_SIDELOAD;
  return FALSE;
}

/* "yes" typed on the terminal, or --yes. */
static gboolean
confirm (Recovery   *r,
         const char *question,
         GError    **error)
{
  char answer[64];

  if (r->opt->yes)
    return TRUE;
  if (!isatty (STDIN_FILENO))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("Add --yes to go ahead without being asked."));
      return FALSE;
    }
  /* TRANSLATORS: keep the word “yes”: it is what the user must type */
  g_printerr (_("\n%s\nType yes to continue: "), question);
  if (fgets (answer, sizeof answer, stdin) == NULL || !g_str_equal (g_strstrip (answer), "yes"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Nothing was done."));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  char         *path;
  UbProgress   *progress;
  GCancellable *cancellable;
} Hash;

static void
hash_free (Hash *h)
{
  g_free (h->path);
  g_object_unref (h->progress);
  g_clear_object (&h->cancellable);
  g_free (h);
}

static void
hash_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  Hash *h = data;
  GError *error = NULL;
  /* a fastboot ROM, another file or a cut-off download: said before anything is sent */
  char *md5 = ub_recovery_zip_md5 (h->path, h->progress, h->cancellable, &error);

  if (md5 != NULL)
    g_task_return_pointer (task, md5, g_free);
  else
    g_task_return_error (task, error);
}

static void
on_hash_progress (UbProgress *progress,
                  Recovery   *r)
{
  /* TRANSLATORS: a progress label: the MD5 of the file is being computed */
  ub_cli_progress_show (r->opt->progress, _("Checking the file"), progress);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The MD5 of @path on a thread, with a bar on this one (the thread-default context). */
static char *
hash_file (Recovery    *r,
           const char  *path,
           GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  Hash *h;
  char *md5;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            r->opt->stop, error);
  if (info == NULL)
    return NULL;
  h = g_new0 (Hash, 1);
  h->path = g_strdup (path);
  h->progress = ub_progress_new ();
  h->cancellable = r->opt->stop ? g_object_ref (r->opt->stop) : NULL;
  ub_progress_set_bytes_total (h->progress, (guint64) g_file_info_get_size (info));
  if (!r->opt->json)
    g_signal_connect (h->progress, "changed", G_CALLBACK (on_hash_progress), r);
  task = g_task_new (NULL, NULL, store_result, &result);
  g_task_set_task_data (task, h, (GDestroyNotify) hash_free);
  g_task_run_in_thread (task, hash_thread);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_signal_handlers_disconnect_by_data (h->progress, r);
  ub_cli_progress_clear (r->opt->progress);
  md5 = g_task_propagate_pointer (G_TASK (result), error);
  return md5;
}

/* @known_md5: the file's MD5 when it was already checked (a verified download), else NULL */
static gboolean
install_file (Recovery   *r,
              const char *path,
              const char *known_md5,
              GError    **error)
{
  g_autoptr(UbUpdateServer) server = new_server (r);
  g_autoptr(UbUpdateQuery) query = NULL;
  g_autoptr(UbRomApproval) approval = NULL;
  g_autoptr(UbRecoveryJob) job = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *question = NULL;
  gboolean erase;

  if (!check_complete (r, error))
    return FALSE;
  if (known_md5 != NULL)
    md5 = g_strdup (known_md5);
  else
    {
      if (!r->opt->json)
        {
          /* TRANSLATORS: %s: a file name */
          g_printerr (_("Computing the MD5 of %s…\n"), base);
        }
      md5 = hash_file (r, path, error);
      if (md5 == NULL)
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
    }
  query = ub_update_query_new_from_info (r->info);
  if (!r->opt->json)
    {
      /* TRANSLATORS: the privacy note: %s are the phone's model, version and serial */
      g_printerr (_("Asking Xiaomi to approve this package for the phone (sent to Xiaomi's update "
                    "server: the phone's model %s, version %s and serial %s, and the package's "
                    "MD5)…\n"), or_unknown (query->device), or_unknown (query->version),
                  or_unknown (query->serial));
    }
  approval = ub_update_server_approve (server, query, md5, r->opt->stop, error);
  if (approval == NULL)
    return FALSE;
  erase = ub_rom_approval_get_erase (approval);
  if (r->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("approval");
      ub_cli_json_add_string (b, "device", query->device);
      ub_cli_json_add_string (b, "version", query->version);
      ub_cli_json_add_string (b, "serial", query->serial);
      ub_cli_json_add_string (b, "file", path);
      ub_cli_json_add_string (b, "md5", md5);
      ub_cli_json_add_string (b, "rom_version", ub_rom_approval_get_version (approval));
      ub_cli_json_add_bool (b, "erase", erase);
      ub_cli_json_event_end (b);
    }
  /* TRANSLATORS: %s: a file name, the phone's model, its serial; then what happens to the data */
  question = g_strdup_printf (_("Install %s on %s (serial %s)? %s"), base,
                              or_unknown (query->device), or_unknown (query->serial),
                              erase ? _("Xiaomi says this install erases all data on the phone.")
                                    : _("Your files and apps are kept."));
  if (!confirm (r, question, error))
    return FALSE;
  job = ub_recovery_job_new_install (r->phone_address, query->serial, path, approval);
  ub_recovery_job_set_confirmed (job, TRUE);
  if (r->opt->timeout_s > 0)
    ub_recovery_job_set_sideload_timeout (job, r->opt->timeout_s * 1000);
  return run_job (r, job, error);
}

/* The newest ROM Xiaomi offers (the list has the current one first, then the
 * others newest first): downloaded into the download folder, then installed. */
static gboolean
install_latest (Recovery  *r,
                GError   **error)
{
  g_autoptr(GPtrArray) roms = list_roms (r, error);
  g_auto(GStrv) mirrors = dup_mirrors (r);
  g_auto(GStrv) urls = NULL;
  g_autofree char *path = NULL;
  UbUpdateRom *rom = NULL;

  if (roms == NULL)
    return FALSE;
  for (guint i = 0; i < roms->len && rom == NULL; i++)
    if (!ub_update_rom_get_is_current (roms->pdata[i]))
      rom = roms->pdata[i];
  if (rom == NULL && roms->len > 0)
    rom = roms->pdata[0];
  if (rom == NULL)
    {
      g_set_error_literal (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED,
                           _("Xiaomi's update server offers no ROM for this phone."));
      return FALSE;
    }
  if (!r->opt->json)
    {
      /* TRANSLATORS: %s: a version (e.g. V14.0.9.0.TKFMIXM), a size (e.g. “4.1G”) */
      g_printerr (_("The newest ROM for the phone: %s (%s)\n"),
                  or_unknown (ub_update_rom_get_version (rom)),
                  or_unknown (ub_update_rom_get_size_text (rom)));
    }
  urls = ub_update_rom_dup_urls (rom, (const char * const *) mirrors);
  if (!ub_cli_download_mirrors ((const char * const *) urls, ub_update_rom_get_md5 (rom), 0,
                                r->opt->dir, r->opt->progress, r->opt->stop, &path, error))
    return FALSE;
  /* the download checked the listed full MD5; the job's VERIFY checks it again */
  return install_file (r, path, ub_update_rom_get_md5 (rom), error);
}

static gboolean
cmd_install (Recovery  *r,
             GError   **error)
{
  if ((r->opt->argument == NULL) == !r->opt->latest)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           /* TRANSLATORS: keep the command: it is typed */
                           _("Usage: unbrick-cli recovery install ZIP|--latest"));
      return FALSE;
    }
  if (!read_phone (r, error))
    return FALSE;
  if (r->opt->latest)
    return install_latest (r, error);
  return install_file (r, r->opt->argument, NULL, error);
}

static gboolean
cmd_wipe_data (Recovery  *r,
               GError   **error)
{
  g_autoptr(UbRecoveryJob) job = NULL;
  g_autofree char *question = NULL;
  const char *serial;

  if (!read_phone (r, error))
    return FALSE;
  serial = ub_recovery_info_get_serial (r->info);
  /* TRANSLATORS: %s: the phone's model (codename), its serial number */
  question = g_strdup_printf (_("Erase ALL data on %s (serial %s)? Photos, apps, accounts and "
                                "files on the phone are deleted for good."),
                              or_unknown (ub_recovery_info_get_device (r->info)),
                              or_unknown (serial));
  if (!confirm (r, question, error))
    return FALSE;
  job = ub_recovery_job_new_wipe_data (r->phone_address, serial);
  ub_recovery_job_set_confirmed (job, TRUE);
  if (r->opt->timeout_s > 0)
    ub_recovery_job_set_sideload_timeout (job, r->opt->timeout_s * 1000);
  return run_job (r, job, error);
}

static gboolean
cmd_reboot (Recovery  *r,
            GError   **error)
{
  const char *target = r->opt->argument != NULL ? r->opt->argument : "system";
  UbRecoveryRebootTarget t;
  g_autoptr(UbMiAssistant) phone = NULL;

  if (g_str_equal (target, "system"))
    t = UB_RECOVERY_REBOOT_SYSTEM;
  else if (g_str_equal (target, "bootloader"))
    t = UB_RECOVERY_REBOOT_BOOTLOADER;
  else if (g_str_equal (target, "recovery"))
    t = UB_RECOVERY_REBOOT_RECOVERY;
  else
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           /* TRANSLATORS: keep the command: it is typed */
                           _("Usage: unbrick-cli recovery reboot [system|bootloader|recovery]"));
      return FALSE;
    }
  phone = ub_mi_assistant_open (r->address, r->opt->stop, error);
  if (phone == NULL || !ub_mi_assistant_reboot (phone, t, r->opt->stop, error))
    return FALSE;
  if (r->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("result");
      ub_cli_json_add_string (b, "status", "succeeded");
      ub_cli_json_add_string (b, "target", target);
      ub_cli_json_event_end (b);
    }
  else
    g_printerr (_("The phone is restarting\n"));
  return TRUE;
}

gboolean
ub_cli_recovery (UbCliRecoveryOptions *opt,
                 GError              **error)
{
  Recovery r = { opt, opt->address };
  g_autoptr(GMainContext) context = g_main_context_new ();
  gboolean ok;

  opt->advice = UB_ADVICE_RECOVERY;
  if ((opt->latest && !g_str_equal (opt->action, "install")) ||
      (opt->argument != NULL && !g_str_equal (opt->action, "install") &&
       !g_str_equal (opt->action, "reboot")))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           /* TRANSLATORS: keep the command: it is typed */
                           _("Usage: unbrick-cli recovery info|roms|install ZIP|install --latest|"
                             "wipe-data|reboot [system|bootloader|recovery]"));
      return FALSE;
    }
  /* the usage is checked first: a wrong command starts no demo */
  if (opt->demo != NULL &&
      !ub_cli_demo_get_recovery (opt->demo, &r.address, &r.server_url, &r.mirror, error))
    return FALSE;
  /* the job's signals come on this thread, in this context */
  g_main_context_push_thread_default (context);
  if (g_str_equal (opt->action, "info"))
    ok = cmd_info (&r, error);
  else if (g_str_equal (opt->action, "roms"))
    ok = cmd_roms (&r, error);
  else if (g_str_equal (opt->action, "install"))
    ok = cmd_install (&r, error);
  else if (g_str_equal (opt->action, "wipe-data"))
    ok = cmd_wipe_data (&r, error);
  else if (g_str_equal (opt->action, "reboot"))
    ok = cmd_reboot (&r, error);
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: %s: what was typed; keep the command names: they are typed */
                   _("Unknown recovery command “%s”: use info, roms, install, wipe-data or reboot"),
                   opt->action);
      ok = FALSE;
    }
  g_main_context_pop_thread_default (context);
  recovery_clear (&r);
  return ok;
}

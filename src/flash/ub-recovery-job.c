/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-adb-error.h"
#include "ub-advice.h"
#include "ub-fastboot-error.h"
#include "ub-mi-assistant.h"
#include "ub-online-error.h"
#include "ub-recovery-job.h"
#include "ub-recovery-zip.h"
#include "ub-rom-error.h"

#define DEFAULT_SIDELOAD_MS (5 * 60 * 1000)

typedef struct {
  UbRecoveryStage stage;
  guint weight;
  const char *name;
} StepDef;

/* Step weights of an install: the two reads of the package by the recovery
 * are most of the time (USB 2 reads ~30 MB/s; hashing reads ~500 MB/s). */
static const StepDef install_steps[] = {
  { UB_RECOVERY_STAGE_VERIFY, 4, N_("Checking the file") },
  { UB_RECOVERY_STAGE_CONNECT, 1, N_("Connecting to the phone") },
  { UB_RECOVERY_STAGE_CHECKING, 47, N_("The phone checks the package") },
  { UB_RECOVERY_STAGE_INSTALLING, 47, N_("The phone installs the package") },
  { UB_RECOVERY_STAGE_RESTART, 1, N_("Restarting the phone") },
};

/* A wipe has no stage of its own for "format-data:": it runs as
 * UB_RECOVERY_STAGE_INSTALLING (the phone works on its storage). */
static const StepDef wipe_steps[] = {
  { UB_RECOVERY_STAGE_CONNECT, 1, N_("Connecting to the phone") },
  { UB_RECOVERY_STAGE_INSTALLING, 8, N_("Erasing all data") },
  { UB_RECOVERY_STAGE_RESTART, 1, N_("Restarting the phone") },
};

static const StepDef *
steps_for (UbRecoveryJobKind kind,
           guint            *n_steps)
{
  if (kind == UB_RECOVERY_JOB_INSTALL)
    {
      *n_steps = G_N_ELEMENTS (install_steps);
      return install_steps;
    }
  *n_steps = G_N_ELEMENTS (wipe_steps);
  return wipe_steps;
}

#define EVENT_STAGE    "stage"
#define EVENT_LOG      "log"
#define EVENT_FINISHED "finished"
#define FINISHED_VARIANT "(um@(sis)msms)"

struct _UbRecoveryJob
{
  GObject            parent_instance;
  UbRecoveryJobKind  kind;
  char              *address;
  char              *serial;
  char              *path;
  UbRomApproval     *approval;
  gboolean           confirmed;
  gboolean           restart;
  guint              sideload_ms;
  UbProgress        *progress;
  GMainContext      *context;   /* the owner's (where the signals are emitted) */

  /* owner's thread */
  UbFlashJobState    state;
  UbRecoveryStage    stage;
  GError            *error;
  char              *next_step;
  char              *phone_message;
  GThread           *thread;
  GCancellable      *cancel;
  gint64             started;
  double             elapsed;

  /* worker only */
  UbRecoveryStage    worker_stage;
  UbSideloadPhase    phase;
  guint64            phase_base;  /* bytes served when the phase began */
  guint64            size;
};

enum {
  SIGNAL_PROGRESS,
  SIGNAL_LOG,
  SIGNAL_FINISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UbRecoveryJob, ub_recovery_job, G_TYPE_OBJECT)

UbUpdateQuery *
ub_update_query_new_from_info (UbRecoveryInfo *info)
{
  UbUpdateQuery *query;
  const char *language;

  g_return_val_if_fail (UB_IS_RECOVERY_INFO (info), NULL);
  query = ub_update_query_new ();
  query->device = g_strdup (ub_recovery_info_get_device (info));
  query->version = g_strdup (ub_recovery_info_get_version (info));
  query->serial = g_strdup (ub_recovery_info_get_serial (info));
  query->codebase = g_strdup (ub_recovery_info_get_codebase (info));
  query->branch = g_strdup (ub_recovery_info_get_branch (info));
  language = ub_recovery_info_get_language (info);
  query->language = g_strdup (language != NULL && language[0] != '\0' ? language : "en-US");
  query->region = g_strdup (ub_recovery_info_get_region (info));
  query->zone = g_strdup (ub_recovery_info_get_romzone (info));
  return query;
}

static void
ub_recovery_job_finalize (GObject *object)
{
  UbRecoveryJob *self = UB_RECOVERY_JOB (object);

  g_assert (self->thread == NULL);
  g_free (self->address);
  g_free (self->serial);
  g_free (self->path);
  g_clear_object (&self->approval);
  g_clear_error (&self->error);
  g_free (self->next_step);
  g_free (self->phone_message);
  g_clear_object (&self->cancel);
  g_clear_object (&self->progress);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (ub_recovery_job_parent_class)->finalize (object);
}

static void
ub_recovery_job_class_init (UbRecoveryJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ub_recovery_job_finalize;

  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  signals[SIGNAL_LOG] = g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void dispatch (UbProgress *progress, const char *kind, GVariant *data, UbRecoveryJob *self);

static void
on_progress_changed (UbProgress    *progress,
                     UbRecoveryJob *self)
{
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

static void
ub_recovery_job_init (UbRecoveryJob *self)
{
  self->restart = TRUE;
  self->sideload_ms = DEFAULT_SIDELOAD_MS;
  self->context = g_main_context_ref_thread_default ();
  self->progress = ub_progress_new ();
  g_signal_connect (self->progress, "event", G_CALLBACK (dispatch), self);
  g_signal_connect (self->progress, "changed", G_CALLBACK (on_progress_changed), self);
}

UbRecoveryJob *
ub_recovery_job_new_install (const char    *address,
                             const char    *serial,
                             const char    *path,
                             UbRomApproval *approval)
{
  UbRecoveryJob *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (UB_IS_ROM_APPROVAL (approval), NULL);
  self = g_object_new (UB_TYPE_RECOVERY_JOB, NULL);
  self->kind = UB_RECOVERY_JOB_INSTALL;
  self->address = g_strdup (address);
  self->serial = g_strdup (serial);
  self->path = g_strdup (path);
  self->approval = g_object_ref (approval);
  self->stage = UB_RECOVERY_STAGE_VERIFY;
  return self;
}

UbRecoveryJob *
ub_recovery_job_new_wipe_data (const char *address,
                               const char *serial)
{
  UbRecoveryJob *self = g_object_new (UB_TYPE_RECOVERY_JOB, NULL);

  self->kind = UB_RECOVERY_JOB_WIPE_DATA;
  self->address = g_strdup (address);
  self->serial = g_strdup (serial);
  self->stage = UB_RECOVERY_STAGE_CONNECT;
  return self;
}

UbRecoveryJobKind
ub_recovery_job_get_kind (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), UB_RECOVERY_JOB_INSTALL);
  return self->kind;
}

const char *
ub_recovery_job_get_path (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), NULL);
  return self->path;
}

UbRomApproval *
ub_recovery_job_get_approval (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), NULL);
  return self->approval;
}

void
ub_recovery_job_set_confirmed (UbRecoveryJob *self,
                               gboolean       confirmed)
{
  g_return_if_fail (UB_IS_RECOVERY_JOB (self));
  self->confirmed = confirmed;
}

void
ub_recovery_job_set_restart (UbRecoveryJob *self,
                             gboolean       restart)
{
  g_return_if_fail (UB_IS_RECOVERY_JOB (self));
  self->restart = restart;
}

void
ub_recovery_job_set_sideload_timeout (UbRecoveryJob *self,
                                      guint          timeout_ms)
{
  g_return_if_fail (UB_IS_RECOVERY_JOB (self));
  self->sideload_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_SIDELOAD_MS;
}

/* ---- events from the worker to the owner's context ----------------------- */

static void
dispatch (UbProgress    *progress,
          const char    *kind,
          GVariant      *data,
          UbRecoveryJob *self)
{
  if (g_str_equal (kind, EVENT_STAGE))
    {
      /* a new stage is news for the progress display too */
      self->stage = g_variant_get_uint32 (data);
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
    }
  else if (g_str_equal (kind, EVENT_LOG))
    g_signal_emit (self, signals[SIGNAL_LOG], 0, g_variant_get_string (data, NULL));
  else if (g_str_equal (kind, EVENT_FINISHED))
    {
      g_autoptr(GVariant) error = NULL;
      guint state;

      g_thread_join (g_steal_pointer (&self->thread));
      g_clear_error (&self->error);
      g_clear_pointer (&self->next_step, g_free);
      g_clear_pointer (&self->phone_message, g_free);
      g_variant_get (data, FINISHED_VARIANT, &state, &error, &self->next_step,
                     &self->phone_message);
      self->state = state;
      if (error != NULL)
        self->error = ub_progress_error_from_variant (error);
      self->elapsed = (g_get_monotonic_time () - self->started) / 1e6;
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
      /* the worker's reference, kept until its last event was delivered */
      g_object_unref (self);
    }
}

static void
post_log_text (UbRecoveryJob *self,
               char          *text)
{
  ub_progress_post_event (self->progress, EVENT_LOG, g_variant_new_take_string (text));
}

#define post_log(self, ...) post_log_text ((self), g_strdup_printf (__VA_ARGS__))

/* worker: the next stage (a step of progress) begins */
static void
enter_stage (UbRecoveryJob   *self,
             UbRecoveryStage  stage)
{
  guint n;
  const StepDef *steps = steps_for (self->kind, &n);

  /* steps of progress between the current one and @stage are done */
  for (guint i = 0; i < n; i++)
    {
      if (steps[i].stage == stage)
        {
          while (ub_progress_get_step (self->progress) < i)
            ub_progress_step_done (self->progress);
          break;
        }
    }
  self->worker_stage = stage;
  ub_progress_post_event (self->progress, EVENT_STAGE, g_variant_new_uint32 (stage));
}

/* ---- the worker ----------------------------------------------------------- */

static gboolean
verify_file (UbRecoveryJob *self,
             GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->path);
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *md5 = NULL;
  const char *want = ub_rom_approval_get_md5 (self->approval);
  UbProgress *child;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, self->cancel, error);
  if (info == NULL)
    return FALSE;
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR || g_file_info_get_size (info) <= 0)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM,
                   /* TRANSLATORS: %s: a file's path */
                   _("%s is not a recovery ROM (not a file, or empty). Nothing was sent to the "
                     "phone."), self->path);
      return FALSE;
    }
  self->size = (guint64) g_file_info_get_size (info);
  /* the hashing's own bytes: the sideload's total is set afterwards */
  ub_progress_set_bytes_total (self->progress, self->size);
  child = ub_progress_get_child (self->progress);
  ub_progress_set_bytes_total (child, self->size);
  post_log (self, _("Checking the file…"));
  md5 = ub_recovery_zip_md5 (self->path, child, self->cancel, error);
  if (md5 == NULL)
    {
      g_prefix_error (error, "%s: ", self->path);
      return FALSE;
    }
  if (want == NULL || g_ascii_strcasecmp (md5, want) != 0)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM,
                   /* TRANSLATORS: the two %s are MD5 checksums (32 hex digits) */
                   _("This file is not the package Xiaomi approved (its MD5 is %s, the approval is "
                     "for %s). Nothing was sent to the phone."), md5, want ? want : "?");
      return FALSE;
    }
  /* TRANSLATORS: %s: an MD5 checksum (32 hex digits) */
  post_log (self, _("The file is the approved package (MD5 %s)."), md5);
  return TRUE;
}

static UbMiAssistant *
connect_phone (UbRecoveryJob *self,
               GError       **error)
{
  g_autoptr(UbMiAssistant) phone = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  const char *serial;

  enter_stage (self, UB_RECOVERY_STAGE_CONNECT);
  post_log (self, _("Connecting to the phone…"));
  phone = ub_mi_assistant_open (self->address, self->cancel, error);
  if (phone == NULL)
    return NULL;
  info = ub_mi_assistant_read_info (phone, self->cancel, error);
  if (info == NULL)
    return NULL;
  serial = ub_recovery_info_get_serial (info);
  /* a phone that does not tell its serial is not known to be the one approved */
  if (self->serial != NULL && g_strcmp0 (serial, self->serial) != 0)
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH,
                   self->kind == UB_RECOVERY_JOB_INSTALL
                     /* TRANSLATORS: the two %s are phone serial numbers */
                     ? _("This is not the phone the approval was for (its serial is %s; the "
                         "approval is for %s). Nothing was sent to the phone.")
                     /* TRANSLATORS: the two %s are phone serial numbers */
                     : _("This is not the phone that was confirmed (its serial is %s; expected "
                         "%s). Nothing was erased."),
                   serial ? serial : "?", self->serial);
      return NULL;
    }
  /* TRANSLATORS: %s: the phone's codename (e.g. “begonia”), its system version, its serial */
  post_log (self, _("Connected: %s, %s, serial %s"),
            ub_recovery_info_get_device (info) ? ub_recovery_info_get_device (info) : "?",
            ub_recovery_info_get_version (info) ? ub_recovery_info_get_version (info) : "?",
            serial ? serial : "?");
  return g_steal_pointer (&phone);
}

static void
on_sideload_progress (UbSideloadPhase phase,
                      guint64         served,
                      guint64         size,
                      gpointer        user_data)
{
  UbRecoveryJob *self = user_data;

  if (phase != self->phase)
    {
      self->phase = phase;
      self->phase_base = phase == UB_SIDELOAD_PHASE_INSTALLING ? served : 0;
      if (phase == UB_SIDELOAD_PHASE_INSTALLING)
        {
          post_log (self, _("The phone checked the package and is installing it…"));
          enter_stage (self, UB_RECOVERY_STAGE_INSTALLING);
        }
      ub_progress_set_bytes_total (ub_progress_get_child (self->progress), self->size);
    }
  /* only the running step's part: it adds to the whole (which counts both
   * reads); a recovery that reads more than twice stops short of the end */
  ub_progress_set_bytes_done (ub_progress_get_child (self->progress),
                              MIN (served - MIN (served, self->phase_base), self->size));
}

static gboolean
install (UbRecoveryJob *self,
         UbMiAssistant *phone,
         char         **phone_message,
         GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autofree char *size_text = g_format_size (self->size);

  stream = g_file_read (file, self->cancel, error);
  if (stream == NULL)
    return FALSE;
  /* TRANSLATORS: %s: a size, e.g. “4.1 GB” */
  post_log (self, _("Sending the package (%s); the phone checks it first…"), size_text);
  enter_stage (self, UB_RECOVERY_STAGE_CHECKING);
  self->phase = UB_SIDELOAD_PHASE_CHECKING;
  self->phase_base = 0;
  /* the recovery reads the package about twice: first to check it, then to install it */
  ub_progress_set_bytes_total (self->progress, 2 * self->size);
  ub_progress_set_bytes_done (self->progress, 0);
  ub_progress_set_bytes_total (ub_progress_get_child (self->progress), self->size);
  ub_mi_assistant_set_sideload_timeout (phone, self->sideload_ms);
  return ub_mi_assistant_sideload (phone, G_INPUT_STREAM (stream), self->size,
                                   ub_rom_approval_get_token (self->approval),
                                   on_sideload_progress, self, phone_message, self->cancel, error);
}

static void
restart_phone (UbRecoveryJob *self,
               UbMiAssistant *phone)
{
  g_autoptr(GError) local = NULL;

  enter_stage (self, UB_RECOVERY_STAGE_RESTART);
  /* ub_mi_assistant_reboot() already takes a link lost after the request as success;
   * any other failure here does not undo what was done */
  if (ub_mi_assistant_reboot (phone, UB_RECOVERY_REBOOT_SYSTEM, NULL, &local))
    post_log (self, _("The phone is restarting."));
  else
    {
      /* TRANSLATORS: %s: the technical reason */
      post_log (self, _("The phone did not confirm the restart (%s). If it stays in recovery, "
                        "choose Reboot on its screen."), local->message);
    }
}

static gpointer
worker (gpointer user_data)
{
  UbRecoveryJob *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) phone = NULL;
  g_autofree char *message = NULL;
  g_autofree char *next_step = NULL;
  gboolean sent = FALSE;
  UbFlashJobState state;
  GVariant *error_variant = NULL;

  if (self->kind == UB_RECOVERY_JOB_INSTALL)
    {
      enter_stage (self, UB_RECOVERY_STAGE_VERIFY);
      if (verify_file (self, &error) && (phone = connect_phone (self, &error)) != NULL)
        {
          sent = TRUE;
          if (!install (self, phone, &message, &error))
            {
              if (message != NULL && message[0] != '\0')
                {
                  /* TRANSLATORS: %s: the recovery's own text, in English */
                  post_log (self, _("The phone said: %s"), message);
                }
            }
          else
            {
              /* DONEDONE says no more than the line below */
              if (message != NULL && message[0] != '\0' && !g_str_equal (message, "DONEDONE"))
                post_log (self, _("The phone said: %s"), message);
              post_log (self, _("The package is installed."));
              if (self->restart)
                restart_phone (self, phone);
            }
        }
    }
  else if ((phone = connect_phone (self, &error)) != NULL)
    {
      enter_stage (self, UB_RECOVERY_STAGE_INSTALLING);
      post_log (self, _("Erasing all data…"));
      sent = TRUE;
      if (ub_mi_assistant_format_data (phone, &message, self->cancel, &error))
        {
          if (message != NULL && message[0] != '\0')
            post_log (self, _("The phone said: %s"), message);
          post_log (self, _("All data was erased."));
          if (self->restart)
            restart_phone (self, phone);
        }
    }
  if (phone != NULL)
    ub_mi_assistant_close (phone);

  if (error == NULL)
    {
      state = UB_FLASH_JOB_SUCCEEDED;
      ub_progress_finish (self->progress);
    }
  else
    {
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      /* a wipe's format-data: runs as INSTALLING too, but sends no package */
      gboolean sideloading = self->kind == UB_RECOVERY_JOB_INSTALL &&
                             (self->worker_stage == UB_RECOVERY_STAGE_CHECKING ||
                              self->worker_stage == UB_RECOVERY_STAGE_INSTALLING);
      gboolean wiping = self->kind == UB_RECOVERY_JOB_WIPE_DATA &&
                        self->worker_stage == UB_RECOVERY_STAGE_INSTALLING;

      state = cancelled ? UB_FLASH_JOB_CANCELLED : UB_FLASH_JOB_FAILED;
      /* the sideload advice says "the install was interrupted" for a stop or
       * a lost link */
      if (cancelled && !sent)
        next_step = g_strdup (_("Stopped before anything was sent to the phone."));
      else
        next_step = ub_advice_for_error (error, self->address,
                                         sideloading ? UB_ADVICE_SIDELOAD :
                                         wiping ? UB_ADVICE_WIPE : UB_ADVICE_RECOVERY);
      error_variant = ub_progress_error_to_variant (error);
    }
  ub_progress_post_event (self->progress, EVENT_FINISHED,
                          g_variant_new (FINISHED_VARIANT, (guint) state, error_variant, next_step,
                                         message));
  return NULL;
}

static gboolean
already_ran (UbRecoveryJob *self,
             GError       **error)
{
  if (self->state == UB_FLASH_JOB_READY)
    return FALSE;
  g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED, _("This job has already run."));
  return TRUE;
}

gboolean
ub_recovery_job_start (UbRecoveryJob *self,
                       GError       **error)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), FALSE);

  if (already_ran (self, error))
    return FALSE;
  if (!self->confirmed && self->kind == UB_RECOVERY_JOB_WIPE_DATA)
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT,
                           _("Erasing all data needs a confirmation."));
      return FALSE;
    }
  if (!self->confirmed && self->kind == UB_RECOVERY_JOB_INSTALL &&
      ub_rom_approval_get_erase (self->approval))
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT,
                           _("Xiaomi says this install erases all data on the phone: it needs a "
                             "confirmation."));
      return FALSE;
    }

  ub_progress_reset (self->progress);
  {
    guint n;
    const StepDef *steps = steps_for (self->kind, &n);

    for (guint i = 0; i < n; i++)
      ub_progress_add_step (self->progress, steps[i].weight, _(steps[i].name));
  }
  g_clear_object (&self->cancel);
  self->cancel = g_cancellable_new ();
  self->state = UB_FLASH_JOB_RUNNING;
  self->started = g_get_monotonic_time ();
  self->thread = g_thread_try_new ("unbrick-recovery", worker, g_object_ref (self), error);
  if (self->thread == NULL)
    {
      g_object_unref (self);
      self->state = UB_FLASH_JOB_FAILED;
      return FALSE;
    }
  return TRUE;
}

void
ub_recovery_job_cancel (UbRecoveryJob *self)
{
  g_return_if_fail (UB_IS_RECOVERY_JOB (self));

  if (self->state == UB_FLASH_JOB_RUNNING)
    {
      self->state = UB_FLASH_JOB_STOPPING;
      g_cancellable_cancel (self->cancel);
    }
}

gboolean
ub_recovery_job_run_sync (UbRecoveryJob *self,
                          GError       **error)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), FALSE);

  /* the events are delivered on the context the job was made on: this thread's */
  if (!g_main_context_acquire (self->context))
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                           "ub_recovery_job_run_sync: the job's main context is in use");
      return FALSE;
    }
  if (!ub_recovery_job_start (self, error))
    {
      g_main_context_release (self->context);
      return FALSE;
    }
  while (self->state == UB_FLASH_JOB_RUNNING || self->state == UB_FLASH_JOB_STOPPING)
    g_main_context_iteration (self->context, TRUE);
  g_main_context_release (self->context);
  if (self->state == UB_FLASH_JOB_SUCCEEDED)
    return TRUE;
  if (self->error != NULL)
    g_propagate_error (error, g_error_copy (self->error));
  else
    g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED, _("The job failed."));
  return FALSE;
}

UbFlashJobState
ub_recovery_job_get_state (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), UB_FLASH_JOB_READY);
  return self->state;
}

UbRecoveryStage
ub_recovery_job_get_stage (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), UB_RECOVERY_STAGE_VERIFY);
  return self->stage;
}

const GError *
ub_recovery_job_get_error (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), NULL);
  return self->error;
}

const char *
ub_recovery_job_get_next_step (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), NULL);
  return self->next_step;
}

const char *
ub_recovery_job_get_phone_message (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), NULL);
  return self->phone_message;
}

UbProgress *
ub_recovery_job_get_progress (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), NULL);
  return self->progress;
}

double
ub_recovery_job_get_elapsed (UbRecoveryJob *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (self), 0);
  return self->elapsed;
}

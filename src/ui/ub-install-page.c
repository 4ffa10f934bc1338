/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ub-format.h"
#include "ub-install-page.h"
#include "ub-mnemonic.h"

struct _UbInstallPage
{
  GtkBox           parent_instance;

  GtkLabel        *title_label;
  GtkProgressBar  *progress_bar;
  GtkLabel        *stage_label;
  GtkLabel        *speed_label;
  GtkTextView     *log_view;
  GtkButton       *cancel_button;

  UbRecoveryJob   *job;
  UbProgress      *progress;      /* the job's */
  GString         *log;
  gboolean         running;
};

G_DEFINE_FINAL_TYPE (UbInstallPage, ub_install_page, GTK_TYPE_BOX)

enum { FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
stage_text (UbInstallPage *self)
{
  UbFlashJobState state = ub_recovery_job_get_state (self->job);

  switch (state)
    {
    case UB_FLASH_JOB_READY:
      return _("Starting");
    case UB_FLASH_JOB_STOPPING:
      return _("Stopping after the piece being sent…");
    case UB_FLASH_JOB_SUCCEEDED:
      return _("Done");
    case UB_FLASH_JOB_FAILED:
      return _("Did not finish");
    case UB_FLASH_JOB_CANCELLED:
      return _("Stopped");
    case UB_FLASH_JOB_RUNNING:
    default:
      break;
    }
  if (ub_recovery_job_get_kind (self->job) == UB_RECOVERY_JOB_WIPE_DATA &&
      ub_recovery_job_get_stage (self->job) != UB_RECOVERY_STAGE_RESTART &&
      ub_recovery_job_get_stage (self->job) != UB_RECOVERY_STAGE_CONNECT)
    return _("Erasing all data");
  switch (ub_recovery_job_get_stage (self->job))
    {
    case UB_RECOVERY_STAGE_VERIFY:
      return _("Checking the file");
    case UB_RECOVERY_STAGE_CONNECT:
      return _("Connecting");
    case UB_RECOVERY_STAGE_CHECKING:
      return _("The phone is checking the package");
    case UB_RECOVERY_STAGE_INSTALLING:
      return _("Installing");
    case UB_RECOVERY_STAGE_RESTART:
    default:
      return _("Restarting");
    }
}

/* The bytes of the running stage (@part: the file checked, or one read of the
 * package by the phone), with the whole job's speed and time left. */
static char *
format_speed (UbProgress *progress, UbProgress *part)
{
  guint64 done_bytes = ub_progress_get_bytes_done (part);
  guint64 total_bytes = ub_progress_get_bytes_total (part);

  if (done_bytes == 0 && total_bytes == 0)
    return g_strdup ("");
  if (total_bytes == 0)
    {
      g_autofree char *speed = ub_format_rate (ub_progress_get_rate (progress));
      g_autofree char *done = ub_format_size (done_bytes);

      return speed != NULL ? g_strdup_printf ("%s · %s", done, speed) : g_strdup (done);
    }
  return ub_format_transfer (done_bytes, total_bytes, ub_progress_get_rate (progress),
                             ub_progress_get_seconds_left (progress));
}

static void
redraw (UbInstallPage *self)
{
  UbFlashJobState state;
  double fraction;
  g_autofree char *percent = NULL;

  if (self->job == NULL)
    return;
  state = ub_recovery_job_get_state (self->job);
  fraction = state == UB_FLASH_JOB_SUCCEEDED ? 1.0 : ub_progress_get_fraction (self->progress);
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  percent = g_strdup_printf (_("%.0f %%"), floor (fraction * 100));
  gtk_progress_bar_set_text (self->progress_bar, percent);
  gtk_label_set_text (self->stage_label, stage_text (self));
  if (state == UB_FLASH_JOB_RUNNING || state == UB_FLASH_JOB_STOPPING)
    {
      UbRecoveryStage stage = ub_recovery_job_get_stage (self->job);
      gboolean bytes = ub_recovery_job_get_kind (self->job) == UB_RECOVERY_JOB_INSTALL &&
                       (stage == UB_RECOVERY_STAGE_VERIFY || stage == UB_RECOVERY_STAGE_CHECKING ||
                        stage == UB_RECOVERY_STAGE_INSTALLING);
      g_autofree char *speed = bytes ? format_speed (self->progress, ub_progress_get_child (self->progress))
                                     : g_strdup ("");

      gtk_label_set_text (self->speed_label, speed);
    }
}

static void
append_log (UbInstallPage *self, const char *line)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->log_view);
  GtkTextIter end;

  g_string_append_printf (self->log, "%s\n", line);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, line, -1);
  gtk_text_buffer_insert (buffer, &end, "\n", 1);
}

static void
on_job_progress (UbRecoveryJob *job, UbInstallPage *self)
{
  redraw (self);
}

static void
on_log (UbRecoveryJob *job, const char *line, UbInstallPage *self)
{
  append_log (self, line);
}

static void
on_finished (UbRecoveryJob *job, UbInstallPage *self)
{
  const GError *error = ub_recovery_job_get_error (job);
  const char *message = ub_recovery_job_get_phone_message (job);

  if (message != NULL && *message != '\0')
    {
      g_autofree char *text = g_strdup_printf (_("Phone says: %s"), message);
      append_log (self, text);
    }
  if (error != NULL)
    append_log (self, error->message);
  redraw (self);
  self->running = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
  g_signal_emit (self, signals[FINISHED], 0);
}

static void
drop_job (UbInstallPage *self)
{
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  if (self->progress != NULL)
    g_signal_handlers_disconnect_by_data (self->progress, self);
  g_clear_object (&self->progress);
  g_clear_object (&self->job);
}

gboolean
ub_install_page_start (UbInstallPage *self,
                       UbRecoveryJob *job,
                       const char    *phone_title,
                       GError       **error)
{
  g_autofree char *title = NULL;

  g_return_val_if_fail (UB_IS_INSTALL_PAGE (self), FALSE);
  g_return_val_if_fail (UB_IS_RECOVERY_JOB (job), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  drop_job (self);
  self->job = g_object_ref (job);
  self->progress = g_object_ref (ub_recovery_job_get_progress (job));
  g_string_truncate (self->log, 0);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->log_view), "", -1);
  gtk_label_set_text (self->speed_label, "");

  if (ub_recovery_job_get_kind (job) == UB_RECOVERY_JOB_WIPE_DATA)
    /* TRANSLATORS: "Erasing All Data on Redmi Note 10 (mojito)" */
    title = g_strdup_printf (_("Erasing All Data on %s"), phone_title);
  else
    /* TRANSLATORS: "Installing on Redmi Note 10 (mojito)" */
    title = g_strdup_printf (_("Installing on %s"), phone_title);
  gtk_label_set_text (self->title_label, title);

  /* the job's ::progress comes with each ::changed of its progress (≤ 10 a second) and each new stage */
  g_signal_connect (self->job, "progress", G_CALLBACK (on_job_progress), self);
  g_signal_connect (self->job, "log", G_CALLBACK (on_log), self);
  g_signal_connect (self->job, "finished", G_CALLBACK (on_finished), self);
  if (!ub_recovery_job_start (job, error))
    {
      drop_job (self);
      return FALSE;
    }
  self->running = TRUE;
  ub_mnemonic_button_set_label (self->cancel_button, _("_Cancel"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
  redraw (self);
  return TRUE;
}

UbRecoveryJob *
ub_install_page_get_job (UbInstallPage *self)
{
  g_return_val_if_fail (UB_IS_INSTALL_PAGE (self), NULL);
  return self->job;
}

gboolean
ub_install_page_get_running (UbInstallPage *self)
{
  g_return_val_if_fail (UB_IS_INSTALL_PAGE (self), FALSE);
  return self->running;
}

double
ub_install_page_get_fraction (UbInstallPage *self)
{
  g_return_val_if_fail (UB_IS_INSTALL_PAGE (self), 0.0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

const char *
ub_install_page_get_log (UbInstallPage *self)
{
  g_return_val_if_fail (UB_IS_INSTALL_PAGE (self), NULL);
  return self->log->str;
}

void
ub_install_page_cancel (UbInstallPage *self)
{
  g_return_if_fail (UB_IS_INSTALL_PAGE (self));
  if (self->running && self->job != NULL)
    ub_recovery_job_cancel (self->job);
  redraw (self);
}

static void
cancel_response (AdwMessageDialog *dialog, const char *response, UbInstallPage *self)
{
  if (g_strcmp0 (response, "stop") == 0)
    ub_install_page_cancel (self);
}

void
ub_install_page_request_cancel (UbInstallPage *self)
{
  AdwMessageDialog *dialog;

  g_return_if_fail (UB_IS_INSTALL_PAGE (self));
  if (!self->running)
    return;
  if (ub_recovery_job_get_kind (self->job) == UB_RECOVERY_JOB_WIPE_DATA)
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                           _("Stop the Factory Reset?"), NULL));
      adw_message_dialog_set_body (dialog,
                                   _("If the phone already started erasing, it finishes by itself. It stays in "
                                     "recovery (Mi Assistant mode) until you restart it."));
      adw_message_dialog_add_responses (dialog, "keep", _("_Keep Going"), "stop", _("_Stop"), NULL);
    }
  else
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                           _("Stop Installing?"), NULL));
      adw_message_dialog_set_body (dialog,
                                   _("Unbrick stops after the piece it is sending. The phone stays in recovery (Mi "
                                     "Assistant mode), and the install can be started again, now or later."));
      adw_message_dialog_add_responses (dialog, "keep", _("_Keep Installing"), "stop", _("_Stop"), NULL);
    }
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (cancel_response), self);
  ub_mnemonic_dialog_present (dialog);
}

static void
on_cancel_clicked (UbInstallPage *self)
{
  ub_install_page_request_cancel (self);
}

static void
ub_install_page_dispose (GObject *object)
{
  UbInstallPage *self = UB_INSTALL_PAGE (object);

  if (self->running && self->job != NULL)
    ub_recovery_job_cancel (self->job);
  drop_job (self);
  if (self->log != NULL)
    g_string_free (g_steal_pointer (&self->log), TRUE);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_INSTALL_PAGE);
  G_OBJECT_CLASS (ub_install_page_parent_class)->dispose (object);
}

static void
ub_install_page_class_init (UbInstallPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_install_page_dispose;

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-install-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbInstallPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, UbInstallPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, UbInstallPage, stage_label);
  gtk_widget_class_bind_template_child (widget_class, UbInstallPage, speed_label);
  gtk_widget_class_bind_template_child (widget_class, UbInstallPage, log_view);
  gtk_widget_class_bind_template_child (widget_class, UbInstallPage, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
ub_install_page_init (UbInstallPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->log = g_string_new (NULL);
  /* one line each: a change never needs a height-for-width relayout */
  gtk_label_set_wrap (self->stage_label, FALSE);
  gtk_label_set_ellipsize (self->stage_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (self->stage_label, TRUE);
  gtk_label_set_wrap (self->speed_label, FALSE);
  gtk_label_set_ellipsize (self->speed_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (self->speed_label, TRUE);
}

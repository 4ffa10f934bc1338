/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-file-chooser.h"
#include "ub-mnemonic.h"
#include "ub-phone.h"
#include "ub-result-page.h"

struct _UbResultPage
{
  GtkBox           parent_instance;

  AdwStatusPage   *status_page;
  GtkLabel        *next_label;
  GtkListBox      *phone_list;
  GtkButton       *resume_button;
  GtkButton       *retry_button;
  GtkButton       *done_button;
  GtkButton       *save_log_button;

  GPtrArray       *phones;
  gboolean         can_resume;
  /* a recovery job's outcome: the phone's name and the log (else NULL) */
  char            *recovery_title;
  char            *recovery_log;
};

G_DEFINE_FINAL_TYPE (UbResultPage, ub_result_page, GTK_TYPE_BOX)

enum { RESUME, RETRY, DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

/* What the phone is like now and what to do, in plain words. */
static char *
describe_failure (UbFlashJob *job)
{
  const char *state = ub_flash_job_get_phone_state (job);
  const char *next = ub_flash_job_get_next_step (job);
  g_autoptr(GString) text = g_string_new (NULL);

  if (ub_flash_job_get_state (job) == UB_FLASH_JOB_CANCELLED)
    g_string_append (text, _("You stopped flashing."));
  if (state != NULL)
    g_string_append_printf (text, "%s%s", text->len > 0 ? " " : "", state);
  if (next != NULL)
    g_string_append_printf (text, "%s%s", text->len > 0 ? "\n\n" : "", next);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The technical reason, for the details line and the log. */
static char *
describe_error (UbFlashJob *job)
{
  const GError *error = ub_flash_job_get_error (job);

  if (error == NULL || ub_flash_job_get_state (job) == UB_FLASH_JOB_CANCELLED)
    return NULL;
  /* TRANSLATORS: followed by the technical error, e.g. "What went wrong: Sending “super” failed…" */
  return g_strdup_printf (_("What went wrong: %s"), error->message);
}

void
ub_result_page_show (UbResultPage *self, GPtrArray *phones)
{
  guint n_ok = 0, n_cancelled = 0, n_locked = 0;
  UbFlashJob *first_failed = NULL;
  UbFlashJob *attention = NULL;   /* a success whose phone state asks for something */
  GtkWidget *child;

  g_return_if_fail (UB_IS_RESULT_PAGE (self));

  g_clear_pointer (&self->phones, g_ptr_array_unref);
  self->phones = g_ptr_array_ref (phones);
  self->can_resume = FALSE;
  g_clear_pointer (&self->recovery_title, g_free);
  g_clear_pointer (&self->recovery_log, g_free);
  ub_mnemonic_button_set_label (self->retry_button, _("Re_try from the Start"));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->phone_list))) != NULL)
    gtk_list_box_remove (self->phone_list, child);

  for (guint i = 0; i < phones->len; i++)
    {
      UbPhone *phone = g_ptr_array_index (phones, i);
      UbFlashJob *job = ub_phone_get_job (phone);
      UbFlashJobState state = job != NULL ? ub_flash_job_get_state (job) : UB_FLASH_JOB_READY;

      if (state == UB_FLASH_JOB_SUCCEEDED)
        {
          n_ok++;
          n_locked += ub_flash_job_get_locked (job);
          if (ub_flash_job_get_needs_attention (job) && attention == NULL)
            attention = job;
        }
      else if (job != NULL)
        {
          if (first_failed == NULL)
            first_failed = job;
          n_cancelled += state == UB_FLASH_JOB_CANCELLED;
          self->can_resume |= state == UB_FLASH_JOB_FAILED || state == UB_FLASH_JOB_CANCELLED;
        }

      if (phones->len > 1)
        {
          GtkWidget *row = adw_action_row_new ();
          g_autofree char *title = ub_phone_dup_title (phone);
          g_autofree char *why = job != NULL && state != UB_FLASH_JOB_SUCCEEDED ? describe_failure (job) : NULL;
          g_autofree char *what = job != NULL && state != UB_FLASH_JOB_SUCCEEDED ? describe_error (job) : NULL;
          GtkWidget *icon = gtk_image_new_from_icon_name (state == UB_FLASH_JOB_SUCCEEDED ? "emblem-ok-symbolic"
                                                                                           : "dialog-error-symbolic");

          gtk_widget_add_css_class (icon, state == UB_FLASH_JOB_SUCCEEDED ? "success" : "error");
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
          adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
          if (what != NULL)
            {
              char *both = g_strdup_printf ("%s\n%s", why, what);
              g_free (why);
              why = both;
            }
          if (why == NULL && state == UB_FLASH_JOB_SUCCEEDED && ub_flash_job_get_needs_attention (job))
            why = g_strdup (ub_flash_job_get_phone_state (job));
          if (why == NULL)
            why = g_strdup (state == UB_FLASH_JOB_SUCCEEDED && ub_flash_job_get_locked (job)
                            ? _("Done. It is restarting to finish locking the bootloader.")
                            : _("Done. It is restarting."));
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), why);
          adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
          gtk_list_box_append (self->phone_list, row);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->phone_list), phones->len > 1);

  if (first_failed == NULL)
    {
      adw_status_page_set_icon_name (self->status_page, "emblem-ok-symbolic");
      /* several phones: each row says which ones lock or need attention */
      if (attention != NULL && phones->len == 1)
        {
          adw_status_page_set_title (self->status_page, _("Flashing Finished"));
          adw_status_page_set_description (self->status_page, ub_flash_job_get_phone_state (attention));
        }
      else
        {
          adw_status_page_set_title (self->status_page,
                                     phones->len > 1 ? _("Your Phones Are Restarting") : _("Your Phone Is Restarting"));
          if (n_locked > 0 && phones->len == 1)
            adw_status_page_set_description (self->status_page,
                                             _("The phone is restarting to finish locking the bootloader. It erases itself, and the first start can take up to 10 minutes. Leave it alone until you see the welcome screen. You can unplug the cable now."));
          else
            adw_status_page_set_description (self->status_page,
                                             _("The first start can take up to 10 minutes; the screen may stay on the logo for a while. Leave the phone alone until you see the welcome screen. You can unplug the cable now."));
        }
      gtk_widget_set_visible (GTK_WIDGET (self->next_label), FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_page), "failure-page");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_page), "success-page");
    }
  else
    {
      g_autofree char *why = describe_failure (first_failed);
      g_autofree char *what = describe_error (first_failed);
      g_autofree char *next = NULL;

      gtk_widget_remove_css_class (GTK_WIDGET (self->status_page), "success-page");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_page), "failure-page");
      adw_status_page_set_icon_name (self->status_page,
                                     n_cancelled > 0 && n_cancelled + n_ok == phones->len
                                       ? "process-stop-symbolic" : "dialog-error-symbolic");
      adw_status_page_set_title (self->status_page,
                                 n_cancelled > 0 && n_cancelled + n_ok == phones->len
                                   ? _("Flashing Stopped") : _("Flashing Did Not Finish"));
      adw_status_page_set_description (self->status_page, phones->len > 1 ? NULL : why);
      next = g_strdup_printf ("%s%s%s", phones->len == 1 && what != NULL ? what : "",
                              phones->len == 1 && what != NULL ? "\n\n" : "",
                              _("Nothing was lost on this computer. Resume continues from the step that did not finish; Retry checks everything again and starts over."));
      gtk_label_set_text (self->next_label, next);
      gtk_widget_set_visible (GTK_WIDGET (self->next_label), TRUE);
    }

  if (self->can_resume && phones->len == 1)
    {
      UbFlashPlan *plan = ub_flash_job_get_plan (first_failed);
      guint step = ub_flash_job_get_resume_step (first_failed);
      /* TRANSLATORS: "Resume from Step 7 of 21" */
      g_autofree char *label = g_strdup_printf (_("_Resume from Step %u of %u"), step + 1,
                                                ub_flash_plan_get_n_steps (plan));
      ub_mnemonic_button_set_label (self->resume_button, label);
    }
  else if (self->can_resume)
    ub_mnemonic_button_set_label (self->resume_button, _("_Resume"));
  gtk_widget_set_visible (GTK_WIDGET (self->resume_button), self->can_resume);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), first_failed != NULL);
  ub_mnemonic_button_set_label (self->done_button, first_failed == NULL ? _("_Done") : _("_Back to the First Step"));
  if (self->can_resume)
    gtk_widget_grab_focus (GTK_WIDGET (self->resume_button));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->done_button));
}

void
ub_result_page_show_recovery (UbResultPage  *self,
                              UbRecoveryJob *job,
                              const char    *phone_title,
                              const char    *log)
{
  UbFlashJobState state;
  gboolean wipe;
  GtkWidget *child;

  g_return_if_fail (UB_IS_RESULT_PAGE (self));
  g_return_if_fail (UB_IS_RECOVERY_JOB (job));

  state = ub_recovery_job_get_state (job);
  wipe = ub_recovery_job_get_kind (job) == UB_RECOVERY_JOB_WIPE_DATA;
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  g_free (self->recovery_title);
  self->recovery_title = g_strdup (phone_title);
  g_free (self->recovery_log);
  self->recovery_log = g_strdup (log != NULL ? log : "");
  self->can_resume = FALSE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->phone_list))) != NULL)
    gtk_list_box_remove (self->phone_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->phone_list), FALSE);

  if (state == UB_FLASH_JOB_SUCCEEDED)
    {
      adw_status_page_set_icon_name (self->status_page, "emblem-ok-symbolic");
      adw_status_page_set_title (self->status_page, wipe ? _("All Data Erased") : _("Your Phone Is Restarting"));
      adw_status_page_set_description (self->status_page,
                                       wipe ? _("The phone restarts as new — the first start can take a few minutes. "
                                                "Then set it up like a new phone. You can unplug the cable now.")
                                            : _("The phone restarts into the new system — the first start can take up "
                                                "to 10 minutes; the screen may stay on the logo for a while. Leave the "
                                                "phone alone until you see the welcome screen. You can unplug the "
                                                "cable now."));
      gtk_widget_set_visible (GTK_WIDGET (self->next_label), FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_page), "failure-page");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_page), "success-page");
    }
  else
    {
      const GError *error = ub_recovery_job_get_error (job);
      const char *next = ub_recovery_job_get_next_step (job);
      const char *said = ub_recovery_job_get_phone_message (job);
      gboolean cancelled = state == UB_FLASH_JOB_CANCELLED;
      g_autoptr(GString) details = g_string_new (NULL);

      gtk_widget_remove_css_class (GTK_WIDGET (self->status_page), "success-page");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_page), "failure-page");
      adw_status_page_set_icon_name (self->status_page, cancelled ? "process-stop-symbolic" : "dialog-error-symbolic");
      if (cancelled)
        adw_status_page_set_title (self->status_page, wipe ? _("Factory Reset Stopped") : _("Installing Stopped"));
      else
        adw_status_page_set_title (self->status_page,
                                   wipe ? _("The Factory Reset Did Not Finish") : _("The Install Did Not Finish"));
      if (next == NULL)
        next = cancelled ? _("The phone stays in recovery (Mi Assistant mode). Try Again starts the install again.")
                         : _("Keep the phone in Mi Assistant mode, check the cable, then Try Again.");
      /* the description is Pango markup: text from the job and the phone goes in the label below */
      {
        g_autofree char *escaped = g_markup_escape_text (next, -1);
        adw_status_page_set_description (self->status_page, escaped);
      }
      if (error != NULL && !cancelled)
        /* TRANSLATORS: followed by the technical error */
        g_string_append_printf (details, _("What went wrong: %s"), error->message);
      if (said != NULL && *said != '\0' && (error == NULL || strstr (error->message, said) == NULL))
        {
          if (details->len > 0)
            g_string_append (details, "\n\n");
          /* TRANSLATORS: the recovery's own final text, e.g. "The phone says: Installation failed" */
          g_string_append_printf (details, _("The phone says: %s"), said);
        }
      gtk_label_set_text (self->next_label, details->str);
      gtk_widget_set_visible (GTK_WIDGET (self->next_label), details->len > 0);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->resume_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), state != UB_FLASH_JOB_SUCCEEDED);
  ub_mnemonic_button_set_label (self->retry_button, _("_Try Again"));
  ub_mnemonic_button_set_label (self->done_button, state == UB_FLASH_JOB_SUCCEEDED ? _("_Done")
                                                                                   : _("_Back to the First Step"));
  if (state != UB_FLASH_JOB_SUCCEEDED)
    gtk_widget_grab_focus (GTK_WIDGET (self->retry_button));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->done_button));
}

const char *
ub_result_page_get_title (UbResultPage *self)
{
  g_return_val_if_fail (UB_IS_RESULT_PAGE (self), NULL);
  return adw_status_page_get_title (self->status_page);
}

const char *
ub_result_page_get_description (UbResultPage *self)
{
  g_return_val_if_fail (UB_IS_RESULT_PAGE (self), NULL);
  return adw_status_page_get_description (self->status_page);
}

gboolean
ub_result_page_get_can_resume (UbResultPage *self)
{
  g_return_val_if_fail (UB_IS_RESULT_PAGE (self), FALSE);
  return self->can_resume;
}

static GBytes *
build_log (UbResultPage *self)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "Unbrick %s\n", PACKAGE_VERSION);
  if (self->recovery_title != NULL)
    g_string_append_printf (text, "\n== %s (Mi Assistant)\n\n%s", self->recovery_title, self->recovery_log);
  for (guint i = 0; self->phones != NULL && i < self->phones->len; i++)
    {
      UbPhone *phone = g_ptr_array_index (self->phones, i);
      g_autofree char *title = ub_phone_dup_title (phone);
      g_autofree char *summary = ub_phone_dup_summary (phone);

      g_string_append_printf (text, "\n== %s (%s)\n%s\n\n%s", title, ub_phone_get_address (phone), summary,
                              ub_phone_get_log (phone));
    }
  return g_string_free_to_bytes (text);
}

void
ub_result_page_save_log_async (UbResultPage        *self,
                               GFile               *file,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GBytes) log = NULL;

  g_return_if_fail (UB_IS_RESULT_PAGE (self));
  log = build_log (self);
  /* the write happens in GIO's threads, off the main loop */
  g_file_replace_contents_bytes_async (file, log, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       NULL, callback, user_data);
}

gboolean
ub_result_page_save_log_finish (GFile *file, GAsyncResult *result, GError **error)
{
  return g_file_replace_contents_finish (file, result, NULL, error);
}

static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(UbResultPage) self = user_data;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;

  if (ub_result_page_save_log_finish (G_FILE (source), result, &error))
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       _("The Log Could Not Be Saved"), error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  ub_mnemonic_dialog_present (dialog);
}

static void
save_chosen (GFile *file, gpointer user_data)
{
  g_autoptr(UbResultPage) self = user_data;

  if (file != NULL)
    ub_result_page_save_log_async (self, file, saved, g_object_ref (self));
}

static void
on_save_log_clicked (UbResultPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *name = g_strdup_printf ("unbrick-%s.log", stamp);

  ub_choose_file (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), UB_CHOOSE_SAVE,
                  _("Save the Log"), _("_Save"), name, NULL, save_chosen, g_object_ref (self));
}

static void
on_resume_clicked (UbResultPage *self)
{
  g_signal_emit (self, signals[RESUME], 0);
}

static void
on_retry_clicked (UbResultPage *self)
{
  g_signal_emit (self, signals[RETRY], 0);
}

static void
on_done_clicked (UbResultPage *self)
{
  g_signal_emit (self, signals[DONE], 0);
}

static void
ub_result_page_dispose (GObject *object)
{
  UbResultPage *self = UB_RESULT_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_RESULT_PAGE);
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  g_clear_pointer (&self->recovery_title, g_free);
  g_clear_pointer (&self->recovery_log, g_free);
  G_OBJECT_CLASS (ub_result_page_parent_class)->dispose (object);
}

static void
ub_result_page_class_init (UbResultPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_result_page_dispose;

  signals[RESUME] = g_signal_new ("resume", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RETRY] = g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-result-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbResultPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, UbResultPage, next_label);
  gtk_widget_class_bind_template_child (widget_class, UbResultPage, phone_list);
  gtk_widget_class_bind_template_child (widget_class, UbResultPage, resume_button);
  gtk_widget_class_bind_template_child (widget_class, UbResultPage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, UbResultPage, done_button);
  gtk_widget_class_bind_template_child (widget_class, UbResultPage, save_log_button);
  gtk_widget_class_bind_template_callback (widget_class, on_resume_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_done_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_log_clicked);
}

static void
ub_result_page_init (UbResultPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ub-format.h"
#include "ub-flash-page.h"
#include "ub-mnemonic.h"
#include "ub-phone.h"

#define UPDATE_INTERVAL_US (G_USEC_PER_SEC / 10)   /* ≤ 10 redraws a second */

typedef struct {
  UbFlashPage     *page;         /* unowned */
  UbPhone         *phone;
  UbFlashJob      *job;
  UbProgress      *progress;     /* the job's */
  GtkWidget       *row;
  GtkProgressBar  *bar;
  GtkLabel        *status;
} PhoneRun;

struct _UbFlashPage
{
  GtkBox           parent_instance;

  GtkLabel        *title_label;
  GtkProgressBar  *progress_bar;
  GtkLabel        *step_label;
  GtkLabel        *speed_label;
  GtkListBox      *phone_list;
  GtkExpander     *log_expander;
  GtkTextView     *log_view;
  GtkButton       *cancel_button;

  GPtrArray       *runs;          /* of PhoneRun */
  guint            redraw_source;
  gint64           last_redraw;
  guint            n_updates;
  gboolean         running;
  GString         *pending_log;   /* lines not yet in the text view */
};

G_DEFINE_FINAL_TYPE (UbFlashPage, ub_flash_page, GTK_TYPE_BOX)

enum { FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
phone_run_free (PhoneRun *run)
{
  if (run->job != NULL)
    g_signal_handlers_disconnect_by_data (run->job, run);
  if (run->progress != NULL)
    g_signal_handlers_disconnect_by_data (run->progress, run);
  g_clear_object (&run->progress);
  g_clear_object (&run->job);
  g_clear_object (&run->phone);
  g_free (run);
}

static char *
format_speed (UbProgress *progress)
{
  return ub_format_transfer (ub_progress_get_bytes_done (progress), ub_progress_get_bytes_total (progress),
                             ub_progress_get_rate (progress), ub_progress_get_seconds_left (progress));
}

static double
run_fraction (PhoneRun *run)
{
  UbFlashJobState state = ub_flash_job_get_state (run->job);

  if (state == UB_FLASH_JOB_SUCCEEDED)
    return 1.0;
  return ub_progress_get_fraction (run->progress);
}

static char *
run_state_text (PhoneRun *run)
{
  switch (ub_flash_job_get_state (run->job))
    {
    case UB_FLASH_JOB_READY: return g_strdup (_("Waiting"));
    case UB_FLASH_JOB_RUNNING:
      {
        char *step = ub_progress_dup_step_name (run->progress);
        return step != NULL ? step : g_strdup (_("Starting"));
      }
    case UB_FLASH_JOB_STOPPING: return g_strdup (_("Stopping after the current piece…"));
    case UB_FLASH_JOB_SUCCEEDED: return g_strdup (_("Done"));
    case UB_FLASH_JOB_FAILED: return g_strdup (_("Did not finish"));
    case UB_FLASH_JOB_CANCELLED:
    default: return g_strdup (_("Stopped"));
    }
}

static void flush_log (UbFlashPage *self);

static void
redraw (UbFlashPage *self)
{
  guint64 done = 0, total = 0;
  double fraction;
  PhoneRun *first;

  self->last_redraw = g_get_monotonic_time ();
  if (self->runs == NULL || self->runs->len == 0)
    return;
  first = g_ptr_array_index (self->runs, 0);
  self->n_updates++;

  for (guint i = 0; i < self->runs->len; i++)
    {
      PhoneRun *run = g_ptr_array_index (self->runs, i);
      double f = run_fraction (run);
      guint64 run_total = ub_progress_get_bytes_total (run->progress);

      total += run_total;
      done += ub_flash_job_get_state (run->job) == UB_FLASH_JOB_SUCCEEDED ? run_total
                                                                          : ub_progress_get_bytes_done (run->progress);
      if (run->bar != NULL)
        {
          g_autofree char *state = run_state_text (run);

          gtk_progress_bar_set_fraction (run->bar, f);
          gtk_label_set_text (run->status, state);
        }
    }
  flush_log (self);
  fraction = self->runs->len == 1 ? run_fraction (first) : (total > 0 ? (double) done / total : 0.0);
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  {
    g_autofree char *percent = g_strdup_printf (_("%.0f %%"), floor (fraction * 100));
    gtk_progress_bar_set_text (self->progress_bar, percent);
  }

  if (self->runs->len == 1)
    {
      g_autofree char *state = run_state_text (first);

      gtk_label_set_text (self->step_label, state);
      if (ub_flash_job_get_state (first->job) == UB_FLASH_JOB_RUNNING)
        {
          g_autofree char *speed = format_speed (first->progress);
          gtk_label_set_text (self->speed_label, speed);
        }
    }
  else
    {
      g_autofree char *done_text = g_format_size (done);
      g_autofree char *total_text = g_format_size (total);
      g_autofree char *text = g_strdup_printf (_("%s of %s"), done_text, total_text);

      gtk_label_set_text (self->step_label, "");
      gtk_label_set_text (self->speed_label, text);
    }
  /* with several phones, each row says its own step */
  gtk_widget_set_visible (GTK_WIDGET (self->step_label), self->runs->len == 1);
}

static gboolean
redraw_cb (gpointer user_data)
{
  UbFlashPage *self = user_data;

  self->redraw_source = 0;
  redraw (self);
  return G_SOURCE_REMOVE;
}

/* A redraw within UPDATE_INTERVAL_US of the last: each job's progress says
 * ≤ 10 times a second that it changed, and the log comes line by line. */
static void
queue_redraw (UbFlashPage *self)
{
  gint64 wait;

  if (self->redraw_source != 0)
    return;
  wait = self->last_redraw + UPDATE_INTERVAL_US - g_get_monotonic_time ();
  if (wait <= 0)
    self->redraw_source = g_idle_add (redraw_cb, self);
  else
    self->redraw_source = g_timeout_add ((guint) ((wait + 999) / 1000), redraw_cb, self);
}

/* Into the text view at the next redraw: appending and scrolling per line
 * would relayout the log for every line the phone prints. */
static void
flush_log (UbFlashPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->log_view);
  GtkTextIter end;

  if (self->pending_log->len == 0)
    return;
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, self->pending_log->str, (int) self->pending_log->len);
  g_string_truncate (self->pending_log, 0);
  if (gtk_expander_get_expanded (self->log_expander))
    {
      GtkTextMark *mark = gtk_text_buffer_get_insert (buffer);

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_place_cursor (buffer, &end);
      /* scrolls once the lines are laid out, in an idle */
      gtk_text_view_scroll_to_mark (self->log_view, mark, 0.0, FALSE, 0.0, 1.0);
    }
}

static void
append_log (UbFlashPage *self, PhoneRun *run, const char *line)
{
  ub_phone_log (run->phone, "%s", line);
  if (self->runs->len > 1)
    g_string_append_printf (self->pending_log, "[%s] %s\n", ub_phone_get_address (run->phone), line);
  else
    g_string_append_printf (self->pending_log, "%s\n", line);
  queue_redraw (self);
}

static void
on_progress_changed (UbProgress *progress, PhoneRun *run)
{
  queue_redraw (run->page);
}

/* "Stopping after the current piece…" */
static void
on_state_notify (UbFlashJob *job, GParamSpec *pspec, PhoneRun *run)
{
  queue_redraw (run->page);
}

static void
on_log (UbFlashJob *job, const char *line, PhoneRun *run)
{
  append_log (run->page, run, line);
}

static void
on_device_message (UbFlashJob *job, const char *line, PhoneRun *run)
{
  g_autofree char *text = g_strdup_printf (_("Phone says: %s"), line);
  append_log (run->page, run, text);
}

static gboolean
any_running (UbFlashPage *self)
{
  for (guint i = 0; self->runs != NULL && i < self->runs->len; i++)
    {
      PhoneRun *run = g_ptr_array_index (self->runs, i);
      UbFlashJobState state = ub_flash_job_get_state (run->job);

      if (state == UB_FLASH_JOB_RUNNING || state == UB_FLASH_JOB_STOPPING)
        return TRUE;
    }
  return FALSE;
}

static void
on_finished (UbFlashJob *job, PhoneRun *run)
{
  UbFlashPage *self = run->page;
  const GError *error = ub_flash_job_get_error (job);

  if (error != NULL)
    append_log (self, run, error->message);
  redraw (self);
  if (any_running (self))
    return;
  self->running = FALSE;
  g_clear_handle_id (&self->redraw_source, g_source_remove);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
  g_signal_emit (self, signals[FINISHED], 0);
}

static void
add_phone_row (UbFlashPage *self, PhoneRun *run)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *bar = gtk_progress_bar_new ();
  GtkWidget *status = gtk_label_new (NULL);
  g_autofree char *title = ub_phone_dup_title (run->phone);
  g_autofree char *summary = ub_phone_dup_summary (run->phone);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
  gtk_widget_set_size_request (bar, 160, -1);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (status, "caption");
  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), status);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  gtk_list_box_append (self->phone_list, row);
  run->row = row;
  run->bar = GTK_PROGRESS_BAR (bar);
  run->status = GTK_LABEL (status);
}

static void
begin (UbFlashPage *self)
{
  self->running = TRUE;
  ub_mnemonic_button_set_label (self->cancel_button, _("_Cancel"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
  redraw (self);
}

static gboolean start_jobs (UbFlashPage *self, GPtrArray *phones, gboolean lock_confirmed,
                            gboolean from_saved, GError **error);

gboolean
ub_flash_page_start (UbFlashPage *self, GPtrArray *phones, gboolean lock_confirmed, GError **error)
{
  return start_jobs (self, phones, lock_confirmed, FALSE, error);
}

gboolean
ub_flash_page_start_from_saved (UbFlashPage *self, GPtrArray *phones, gboolean lock_confirmed, GError **error)
{
  return start_jobs (self, phones, lock_confirmed, TRUE, error);
}

static gboolean
start_jobs (UbFlashPage *self, GPtrArray *phones, gboolean lock_confirmed, gboolean from_saved, GError **error)
{
  GtkWidget *child;
  g_autofree char *title = NULL;

  g_return_val_if_fail (UB_IS_FLASH_PAGE (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  g_ptr_array_set_size (self->runs, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->phone_list))) != NULL)
    gtk_list_box_remove (self->phone_list, child);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->log_view), "", -1);
  g_string_truncate (self->pending_log, 0);

  for (guint i = 0; i < phones->len; i++)
    {
      UbPhone *phone = g_ptr_array_index (phones, i);
      UbPreflight *preflight = ub_phone_get_preflight (phone);
      UbFlashPlan *plan = preflight != NULL ? ub_preflight_get_plan (preflight) : NULL;
      PhoneRun *run;

      if (plan == NULL || !ub_preflight_get_passed (preflight))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The safety checks have not passed for every phone."));
          g_ptr_array_set_size (self->runs, 0);
          return FALSE;
        }
      run = g_new0 (PhoneRun, 1);
      run->page = self;
      run->phone = g_object_ref (phone);
      run->job = ub_flash_job_new (plan, ub_phone_get_stable_address (phone));
      ub_flash_job_set_lock_confirmed (run->job, lock_confirmed);
      /* a phone without a resume point for this plan starts from the beginning */
      if (from_saved)
        ub_flash_job_restore_resume_point (run->job, NULL);
      run->progress = g_object_ref (ub_flash_job_get_progress (run->job));
      g_signal_connect (run->progress, "changed", G_CALLBACK (on_progress_changed), run);
      g_signal_connect (run->job, "notify::state", G_CALLBACK (on_state_notify), run);
      g_signal_connect (run->job, "log", G_CALLBACK (on_log), run);
      g_signal_connect (run->job, "device-message", G_CALLBACK (on_device_message), run);
      g_signal_connect (run->job, "finished", G_CALLBACK (on_finished), run);
      ub_phone_clear_log (phone);
      ub_phone_set_job (phone, run->job);
      g_ptr_array_add (self->runs, run);
      if (phones->len > 1)
        add_phone_row (self, run);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->phone_list), phones->len > 1);

  if (phones->len == 1)
    {
      g_autofree char *name = ub_phone_dup_title (g_ptr_array_index (phones, 0));
      /* TRANSLATORS: "Flashing Redmi K40 (alioth)" */
      title = g_strdup_printf (_("Flashing %s"), name);
    }
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Flashing %u Phone", "Flashing %u Phones",
                                          phones->len), phones->len);
  gtk_label_set_text (self->title_label, title);

  for (guint i = 0; i < self->runs->len; i++)
    {
      PhoneRun *run = g_ptr_array_index (self->runs, i);

      if (!ub_flash_job_start (run->job, error))
        {
          /* the others already started go on; this one is reported */
          append_log (self, run, (*error)->message);
          if (i == 0)
            {
              g_ptr_array_set_size (self->runs, 0);
              return FALSE;
            }
          g_clear_error (error);
        }
    }
  begin (self);
  return TRUE;
}

gboolean
ub_flash_page_resume (UbFlashPage *self, GError **error)
{
  gboolean any = FALSE;

  g_return_val_if_fail (UB_IS_FLASH_PAGE (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  for (guint i = 0; i < self->runs->len; i++)
    {
      PhoneRun *run = g_ptr_array_index (self->runs, i);
      UbFlashJobState state = ub_flash_job_get_state (run->job);

      if (state != UB_FLASH_JOB_FAILED && state != UB_FLASH_JOB_CANCELLED)
        continue;
      if (!ub_flash_job_resume (run->job, error))
        return FALSE;
      any = TRUE;
    }
  if (!any)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is nothing to resume."));
      return FALSE;
    }
  begin (self);
  return TRUE;
}

gboolean
ub_flash_page_get_running (UbFlashPage *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PAGE (self), FALSE);
  return self->running;
}

gboolean
ub_flash_page_get_succeeded (UbFlashPage *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PAGE (self), FALSE);
  if (self->runs->len == 0)
    return FALSE;
  for (guint i = 0; i < self->runs->len; i++)
    {
      PhoneRun *run = g_ptr_array_index (self->runs, i);
      if (ub_flash_job_get_state (run->job) != UB_FLASH_JOB_SUCCEEDED)
        return FALSE;
    }
  return TRUE;
}

double
ub_flash_page_get_fraction (UbFlashPage *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PAGE (self), 0.0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

guint
ub_flash_page_get_n_updates (UbFlashPage *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PAGE (self), 0);
  return self->n_updates;
}

void
ub_flash_page_cancel (UbFlashPage *self)
{
  g_return_if_fail (UB_IS_FLASH_PAGE (self));
  for (guint i = 0; i < self->runs->len; i++)
    {
      PhoneRun *run = g_ptr_array_index (self->runs, i);
      UbFlashJobState state = ub_flash_job_get_state (run->job);

      if (state == UB_FLASH_JOB_RUNNING || state == UB_FLASH_JOB_STOPPING)
        ub_flash_job_cancel (run->job);
    }
  queue_redraw (self);
}

static void
cancel_response (AdwMessageDialog *dialog, const char *response, UbFlashPage *self)
{
  if (g_strcmp0 (response, "stop") == 0)
    ub_flash_page_cancel (self);
}

void
ub_flash_page_request_cancel (UbFlashPage *self)
{
  AdwMessageDialog *dialog;
  gboolean stopping = FALSE;

  g_return_if_fail (UB_IS_FLASH_PAGE (self));
  if (!self->running)
    return;
  for (guint i = 0; i < self->runs->len; i++)
    {
      PhoneRun *run = g_ptr_array_index (self->runs, i);
      stopping |= ub_flash_job_get_state (run->job) == UB_FLASH_JOB_STOPPING;
    }

  if (!stopping)
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                           _("Stop Flashing?"), NULL));
      adw_message_dialog_set_body (dialog,
                                   _("The phone finishes the piece it is writing, then stops. Until it is flashed completely it will not start, but it stays in fastboot mode: you can resume from where it stopped, now or later."));
      adw_message_dialog_add_responses (dialog, "keep", _("_Keep Flashing"), "stop", _("_Stop"), NULL);
    }
  else
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                           _("Stop Right Now?"), NULL));
      adw_message_dialog_set_body (dialog,
                                   _("The phone is finishing the piece it is writing. Stopping right now breaks the connection: unplug the phone and plug it in again before you resume."));
      adw_message_dialog_add_responses (dialog, "keep", _("_Wait"), "stop", _("Stop _Now"), NULL);
    }
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (cancel_response), self);
  ub_mnemonic_dialog_present (dialog);
}

static void
on_cancel_clicked (UbFlashPage *self)
{
  ub_flash_page_request_cancel (self);
}

static void
ub_flash_page_dispose (GObject *object)
{
  UbFlashPage *self = UB_FLASH_PAGE (object);

  g_clear_handle_id (&self->redraw_source, g_source_remove);
  if (self->runs != NULL)
    for (guint i = 0; i < self->runs->len; i++)
      {
        PhoneRun *run = g_ptr_array_index (self->runs, i);
        g_signal_handlers_disconnect_by_data (run->job, run);
        if (ub_flash_job_get_state (run->job) == UB_FLASH_JOB_RUNNING)
          ub_flash_job_cancel (run->job);
      }
  g_clear_pointer (&self->runs, g_ptr_array_unref);
  if (self->pending_log != NULL)
    g_string_free (g_steal_pointer (&self->pending_log), TRUE);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_FLASH_PAGE);
  G_OBJECT_CLASS (ub_flash_page_parent_class)->dispose (object);
}

static void
ub_flash_page_class_init (UbFlashPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_flash_page_dispose;

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-flash-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, step_label);
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, speed_label);
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, phone_list);
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, log_expander);
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, log_view);
  gtk_widget_class_bind_template_child (widget_class, UbFlashPage, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
ub_flash_page_init (UbFlashPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) phone_run_free);
  self->pending_log = g_string_new (NULL);
  /* these change ten times a second: one line each, so a change never
   * needs a height-for-width relayout of the page */
  gtk_label_set_wrap (self->step_label, FALSE);
  gtk_label_set_ellipsize (self->step_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (self->step_label, TRUE);
  gtk_label_set_wrap (self->speed_label, FALSE);
  gtk_label_set_ellipsize (self->speed_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (self->speed_label, TRUE);
}

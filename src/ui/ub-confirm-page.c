/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-confirm-page.h"
#include "ub-mnemonic.h"
#include "ub-phone.h"
#include "ub-progress.h"
#include "ub-resume-point.h"

/* One phone's checks: its own UbProgress, shown in its own row. */
typedef struct {
  UbConfirmPage  *page;          /* unowned; not used once cancelled */
  UbPhone        *phone;
  UbPreflight    *preflight;
  UbProgress     *progress;
  GCancellable   *cancellable;   /* the page's run */
  gboolean        running;
  GtkProgressBar *bar;           /* in the phone's heading row (several phones) */
  GtkLabel       *label;
} CheckRun;

static CheckRun *
check_run_ref (CheckRun *run)
{
  return g_rc_box_acquire (run);
}

static void
check_run_clear (CheckRun *run)
{
  if (run->progress != NULL)
    g_signal_handlers_disconnect_by_data (run->progress, run);
  g_clear_object (&run->progress);
  g_clear_object (&run->phone);
  g_clear_object (&run->preflight);
  g_clear_object (&run->cancellable);
}

static void
check_run_unref (CheckRun *run)
{
  g_rc_box_release_full (run, (GDestroyNotify) check_run_clear);
}

struct _UbConfirmPage
{
  GtkBox           parent_instance;

  AdwActionRow    *keep_row;
  AdwActionRow    *clean_row;
  AdwActionRow    *lock_row;
  GtkCheckButton  *keep_check;
  GtkCheckButton  *clean_check;
  GtkCheckButton  *lock_check;
  GtkButton       *recheck_button;
  GtkBox          *checking_box;
  GtkLabel        *checking_label;
  GtkProgressBar  *checking_bar;
  GtkListBox      *check_list;
  AdwPreferencesGroup *erase_group;
  AdwActionRow    *erase_row;
  GtkImage        *erase_icon;
  GtkLabel        *reason_label;
  GtkButton       *flash_button;
  GtkButton       *resume_button;

  GSettings       *settings;
  UbRom           *rom;
  GPtrArray       *phones;
  UbRomMode        mode;
  GCancellable    *cancellable;
  GPtrArray       *runs;           /* of CheckRun, one per phone */
  guint            n_running;
  char            *reason;
  GHashTable      *errors;         /* address → why checking failed */
  gboolean         lock_confirmed;
  gboolean         resume_saved;   /* the person chose to resume an earlier run's flash */
  gboolean         setting_mode;
};

G_DEFINE_FINAL_TYPE (UbConfirmPage, ub_confirm_page, GTK_TYPE_BOX)

enum { FLASH, RESUME, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_reason (UbConfirmPage *self, const char *reason)
{
  g_free (self->reason);
  self->reason = g_strdup (reason);
  gtk_label_set_text (self->reason_label, reason != NULL ? reason : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->flash_button), reason);
  if (reason != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->flash_button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, reason, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->flash_button),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

static const char *
status_icon (UbCheckStatus status, const char **css)
{
  switch (status)
    {
    case UB_CHECK_PASSED:
      *css = "success";
      return "emblem-ok-symbolic";
    case UB_CHECK_WARNING:
      *css = "warning";
      return "dialog-warning-symbolic";
    case UB_CHECK_FAILED:
      *css = "error";
      return "dialog-error-symbolic";
    case UB_CHECK_SKIPPED:
    default:
      *css = "dim-label";
      return "action-unavailable-symbolic";
    }
}

static const char *
status_label (UbCheckStatus status)
{
  switch (status)
    {
    case UB_CHECK_PASSED: return _("Passed");
    case UB_CHECK_WARNING: return _("Warning");
    case UB_CHECK_FAILED: return _("Failed");
    case UB_CHECK_SKIPPED:
    default: return _("Not checked");
    }
}

static void
add_check_row (UbConfirmPage *self, const UbCheck *check)
{
  GtkWidget *row = adw_action_row_new ();
  const char *css = NULL;
  const char *icon_name = status_icon (check->status, &css);
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);
  g_autoptr(GString) subtitle = g_string_new (NULL);

  if (check->next_step != NULL && check->status != UB_CHECK_PASSED)
    g_string_append (subtitle, check->next_step);
  if (check->detail != NULL)
    {
      if (subtitle->len > 0)
        g_string_append_c (subtitle, '\n');
      g_string_append (subtitle, check->detail);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), check->title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (subtitle->len > 0)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  gtk_widget_add_css_class (icon, css);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  status_label (check->status), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  g_object_set_data_full (G_OBJECT (row), "check-id", g_strdup (check->id), g_free);
  g_object_set_data (G_OBJECT (row), "check-status", GINT_TO_POINTER (check->status));
  gtk_list_box_append (self->check_list, row);
}

static CheckRun *
find_run (UbConfirmPage *self, UbPhone *phone)
{
  for (guint i = 0; self->runs != NULL && i < self->runs->len; i++)
    {
      CheckRun *run = g_ptr_array_index (self->runs, i);

      if (run->phone == phone)
        return run;
    }
  return NULL;
}

static void show_run_progress (CheckRun *run);

static void
add_phone_header (UbConfirmPage *self, UbPhone *phone)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = ub_phone_dup_title (phone);
  g_autofree char *summary = ub_phone_dup_summary (phone);
  CheckRun *run = find_run (self, phone);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("phone-symbolic"));
  gtk_widget_add_css_class (row, "heading");
  if (run != NULL && run->running)
    {
      /* this phone's checks, as far as they got */
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *bar = gtk_progress_bar_new ();
      GtkWidget *label = gtk_label_new (NULL);

      gtk_widget_set_size_request (bar, 160, -1);
      gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (box), bar);
      gtk_box_append (GTK_BOX (box), label);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
      run->bar = GTK_PROGRESS_BAR (bar);
      run->label = GTK_LABEL (label);
      show_run_progress (run);
    }
  gtk_list_box_append (self->check_list, row);
}

/* "Resume from step N": a flash of this ROM in this mode that an earlier run left unfinished. */
static void
update_resume (UbConfirmPage *self)
{
  guint step = ub_confirm_page_get_saved_step (self);

  gtk_widget_set_visible (GTK_WIDGET (self->resume_button), step != G_MAXUINT);
  if (step != G_MAXUINT)
    {
      UbPreflight *preflight = ub_phone_get_preflight (g_ptr_array_index (self->phones, 0));
      guint n = ub_flash_plan_get_n_steps (ub_preflight_get_plan (preflight));
      /* TRANSLATORS: a button: resume a flash an earlier run of Unbrick left unfinished */
      g_autofree char *label = g_strdup_printf (_("_Resume from Step %u of %u"), step + 1, n);
      ub_mnemonic_button_set_label (self->resume_button, label);
    }
}

static void
update_summary (UbConfirmPage *self)
{
  gboolean all_passed = TRUE;
  gboolean erases = FALSE;
  gboolean locks = FALSE;
  guint n_failed = 0;
  GtkWidget *child;

  for (guint i = 0; self->runs != NULL && i < self->runs->len; i++)
    {
      CheckRun *run = g_ptr_array_index (self->runs, i);

      run->bar = NULL;
      run->label = NULL;
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->check_list))) != NULL)
    gtk_list_box_remove (self->check_list, child);

  for (guint i = 0; self->phones != NULL && i < self->phones->len; i++)
    {
      UbPhone *phone = g_ptr_array_index (self->phones, i);
      UbPreflight *preflight = ub_phone_get_preflight (phone);
      GPtrArray *checks;
      UbFlashPlan *plan;

      if (self->phones->len > 1)
        add_phone_header (self, phone);
      if (preflight == NULL)
        {
          const char *message = g_hash_table_lookup (self->errors, ub_phone_get_address (phone));

          all_passed = FALSE;
          if (message != NULL)
            {
              UbCheck check = { (char *) "connection", UB_CHECK_FAILED,
                                (char *) _("The phone stopped answering during the checks"),
                                (char *) message,
                                (char *) _("Check the cable, reconnect the phone in fastboot mode and press Check Again.") };
              add_check_row (self, &check);
              n_failed++;
            }
          continue;
        }
      checks = ub_preflight_get_checks (preflight);
      for (guint j = 0; j < checks->len; j++)
        {
          const UbCheck *check = g_ptr_array_index (checks, j);

          add_check_row (self, check);
          n_failed += check->status == UB_CHECK_FAILED;
        }
      all_passed &= ub_preflight_get_passed (preflight);
      plan = ub_preflight_get_plan (preflight);
      if (plan != NULL)
        {
          erases |= ub_flash_plan_erases_data (plan);
          locks |= ub_flash_plan_locks (plan);
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->checking_box), self->n_running > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->recheck_button), self->n_running == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->erase_group), self->n_running == 0 && n_failed == 0);

  if (erases)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->erase_row),
                                     _("Everything on the phone will be erased"));
      adw_action_row_set_subtitle (self->erase_row,
                                   locks ? _("Apps, photos, messages and accounts are deleted, and the bootloader is locked at the end.")
                                         : _("Apps, photos, messages and accounts are deleted. Copy anything you need first, if the phone still starts."));
      gtk_image_set_from_icon_name (self->erase_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->erase_icon), "warning");
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->erase_row),
                                     _("Your apps, photos and accounts stay on the phone"));
      adw_action_row_set_subtitle (self->erase_row, _("Only the system is replaced."));
      gtk_image_set_from_icon_name (self->erase_icon, "emblem-ok-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->erase_icon), "warning");
    }

  if (self->n_running > 0)
    set_reason (self, _("Checking the phone and the firmware…"));
  else if (n_failed > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Flashing is not possible: %u check failed. Do what it says, then press Check Again.",
                                      "Flashing is not possible: %u checks failed. Do what they say, then press Check Again.",
                                      n_failed),
                         n_failed);
      set_reason (self, text);
    }
  else if (!all_passed)
    set_reason (self, _("The checks could not finish. Reconnect the phone and press Check Again."));
  else
    set_reason (self, NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->flash_button), ub_confirm_page_get_can_flash (self));
  update_resume (self);
}

/* What a phone's checks are doing: in its row with several phones, else above the list. */
static void
show_run_progress (CheckRun *run)
{
  UbConfirmPage *self = run->page;
  g_autofree char *what = ub_progress_dup_step_name (run->progress);
  const char *text = what != NULL ? what : _("Asking the phone…");
  double fraction = ub_progress_get_fraction (run->progress);

  if (run->bar != NULL)
    {
      gtk_progress_bar_set_fraction (run->bar, fraction);
      gtk_label_set_text (run->label, text);
    }
  if (self->runs->len == 1)
    {
      gtk_label_set_text (self->checking_label, text);
      gtk_progress_bar_set_fraction (self->checking_bar, fraction);
    }
  else
    {
      double sum = 0;

      /* all of them together */
      for (guint i = 0; i < self->runs->len; i++)
        {
          CheckRun *other = g_ptr_array_index (self->runs, i);
          sum += other->running ? ub_progress_get_fraction (other->progress) : 1.0;
        }
      gtk_progress_bar_set_fraction (self->checking_bar, sum / self->runs->len);
    }
}

static void
on_check_progress (UbProgress *progress, CheckRun *run)
{
  if (!g_cancellable_is_cancelled (run->cancellable))
    show_run_progress (run);
}

static void
check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CheckRun *run = user_data;
  UbConfirmPage *self = run->page;
  g_autoptr(GError) error = NULL;
  gboolean ok = ub_preflight_run_finish (UB_PREFLIGHT (source), result, &error);

  /* a newer run replaced this one, or the page is gone */
  if (g_cancellable_is_cancelled (run->cancellable))
    {
      check_run_unref (run);
      return;
    }
  run->running = FALSE;
  if (!ok)
    {
      ub_phone_log (run->phone, "%s", error->message);
      g_hash_table_insert (self->errors, g_strdup (ub_phone_get_address (run->phone)),
                           g_strdup (error->message));
    }
  else
    ub_phone_set_preflight (run->phone, run->preflight);
  self->n_running--;
  update_summary (self);
  check_run_unref (run);
}

static void
run_checks (UbConfirmPage *self)
{
  ub_confirm_page_stop (self);
  self->cancellable = g_cancellable_new ();
  self->lock_confirmed = FALSE;
  g_hash_table_remove_all (self->errors);

  for (guint i = 0; self->phones != NULL && i < self->phones->len; i++)
    {
      UbPhone *phone = g_ptr_array_index (self->phones, i);
      CheckRun *run = g_rc_box_new0 (CheckRun);

      ub_phone_set_preflight (phone, NULL);
      run->page = self;
      run->phone = g_object_ref (phone);
      run->preflight = ub_preflight_new (self->rom, self->mode);
      run->progress = ub_progress_new ();
      run->cancellable = g_object_ref (self->cancellable);
      run->running = TRUE;
      g_signal_connect (run->progress, "changed", G_CALLBACK (on_check_progress), run);
      g_ptr_array_add (self->runs, run);
      self->n_running++;
      ub_preflight_run_async (run->preflight, ub_phone_get_address (phone), run->progress,
                              self->cancellable, check_done, check_run_ref (run));
    }
  gtk_label_set_text (self->checking_label,
                      self->runs->len > 1 ? _("Checking the phones…") : _("Asking the phone…"));
  gtk_progress_bar_set_fraction (self->checking_bar, 0);
  update_summary (self);
}

void
ub_confirm_page_stop (UbConfirmPage *self)
{
  g_return_if_fail (UB_IS_CONFIRM_PAGE (self));
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->runs != NULL)
    g_ptr_array_set_size (self->runs, 0);
  self->n_running = 0;
}

static gboolean
mode_available (UbConfirmPage *self, UbRomMode mode)
{
  return self->rom != NULL && ub_rom_get_script_name (self->rom, mode) != NULL;
}

static void
sync_mode_rows (UbConfirmPage *self)
{
  self->setting_mode = TRUE;
  gtk_check_button_set_active (self->keep_check, self->mode == UB_ROM_MODE_KEEP_DATA);
  gtk_check_button_set_active (self->clean_check, self->mode == UB_ROM_MODE_CLEAN_ALL);
  gtk_check_button_set_active (self->lock_check, self->mode == UB_ROM_MODE_CLEAN_ALL_LOCK);
  gtk_widget_set_sensitive (GTK_WIDGET (self->keep_row), mode_available (self, UB_ROM_MODE_KEEP_DATA));
  gtk_widget_set_sensitive (GTK_WIDGET (self->clean_row), mode_available (self, UB_ROM_MODE_CLEAN_ALL));
  gtk_widget_set_sensitive (GTK_WIDGET (self->lock_row), mode_available (self, UB_ROM_MODE_CLEAN_ALL_LOCK));
  self->setting_mode = FALSE;
}

void
ub_confirm_page_set_mode (UbConfirmPage *self, UbRomMode mode)
{
  g_return_if_fail (UB_IS_CONFIRM_PAGE (self));
  self->mode = mode;
  sync_mode_rows (self);
  if (mode != UB_ROM_MODE_CLEAN_ALL_LOCK)
    g_settings_set_string (self->settings, "last-mode", ub_rom_mode_to_string (mode));
  if (self->rom != NULL)
    run_checks (self);
}

static void
on_mode_toggled (UbConfirmPage *self, GtkCheckButton *check)
{
  UbRomMode mode;

  if (self->setting_mode || !gtk_check_button_get_active (check))
    return;
  mode = check == self->keep_check ? UB_ROM_MODE_KEEP_DATA
       : check == self->clean_check ? UB_ROM_MODE_CLEAN_ALL
       : UB_ROM_MODE_CLEAN_ALL_LOCK;
  if (mode != self->mode)
    ub_confirm_page_set_mode (self, mode);
}

void
ub_confirm_page_start (UbConfirmPage *self, UbRom *rom, GPtrArray *phones)
{
  g_autofree char *last = NULL;
  UbRomMode mode = UB_ROM_MODE_KEEP_DATA;

  g_return_if_fail (UB_IS_CONFIRM_PAGE (self));

  g_set_object (&self->rom, rom);
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  self->phones = g_ptr_array_ref (phones);

  /* the lock is never remembered: it is chosen each time */
  last = g_settings_get_string (self->settings, "last-mode");
  ub_rom_mode_from_string (last, &mode);
  if (!mode_available (self, mode))
    mode = mode_available (self, UB_ROM_MODE_CLEAN_ALL) ? UB_ROM_MODE_CLEAN_ALL : UB_ROM_MODE_KEEP_DATA;
  self->mode = mode;
  sync_mode_rows (self);
  run_checks (self);
}

static void
on_recheck_clicked (UbConfirmPage *self)
{
  /* the checks ask the phone themselves; probing as well would compete for its USB interface */
  run_checks (self);
}

static void
lock_response (AdwMessageDialog *dialog, const char *response, UbConfirmPage *self)
{
  if (g_strcmp0 (response, "lock") != 0)
    return;
  self->lock_confirmed = TRUE;
  g_signal_emit (self, signals[self->resume_saved ? RESUME : FLASH], 0);
}

static void
ask_lock (UbConfirmPage *self)
{
  AdwMessageDialog *lock_dialog;

  lock_dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                            _("Lock the Bootloader?"), NULL));
  adw_message_dialog_set_body (lock_dialog,
                               _("A locked phone starts only software signed by Xiaomi. If anything in this firmware does not match the phone, it may never start again, and unlocking later erases everything once more. Lock only if you need it and this is the official firmware for this exact phone."));
  adw_message_dialog_add_responses (lock_dialog,
                                    "cancel", _("_Do Not Lock"),
                                    "lock", _("_Lock and Flash"),
                                    NULL);
  adw_message_dialog_set_response_appearance (lock_dialog, "lock", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (lock_dialog, "cancel");
  adw_message_dialog_set_close_response (lock_dialog, "cancel");
  g_signal_connect (lock_dialog, "response", G_CALLBACK (lock_response), self);
  ub_mnemonic_dialog_present (lock_dialog);
}

static void
flash_response (AdwMessageDialog *dialog, const char *response, UbConfirmPage *self)
{
  if (g_strcmp0 (response, "flash") != 0)
    return;
  self->resume_saved = FALSE;
  if (self->mode != UB_ROM_MODE_CLEAN_ALL_LOCK)
    {
      g_signal_emit (self, signals[FLASH], 0);
      return;
    }
  ask_lock (self);
}

void
ub_confirm_page_request_flash (UbConfirmPage *self)
{
  AdwMessageDialog *dialog;
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  gboolean erases = FALSE;

  g_return_if_fail (UB_IS_CONFIRM_PAGE (self));
  if (!ub_confirm_page_get_can_flash (self))
    return;

  for (guint i = 0; i < self->phones->len; i++)
    {
      UbPhone *phone = g_ptr_array_index (self->phones, i);
      UbFlashPlan *plan = ub_preflight_get_plan (ub_phone_get_preflight (phone));
      g_autofree char *title = ub_phone_dup_title (phone);

      erases |= plan != NULL && ub_flash_plan_erases_data (plan);
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append_printf (names, _("%s, serial %s"), title,
                              plan != NULL ? ub_flash_plan_get_serial (plan) : "?");
    }
  if (self->phones->len == 1)
    {
      g_autofree char *title = ub_phone_dup_title (g_ptr_array_index (self->phones, 0));
      /* TRANSLATORS: "Flash Redmi K40 (alioth)?" */
      heading = g_strdup_printf (_("Flash %s?"), title);
    }
  else
    heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Flash %u Phone?", "Flash %u Phones?",
                                            self->phones->len),
                               self->phones->len);
  body = g_strdup_printf ("%s\n\n%s %s", names->str,
                          erases ? _("Everything on it will be erased: apps, photos, messages and accounts.")
                                 : _("Apps, photos and accounts are kept."),
                          _("Keep the cable connected until Unbrick says it is done; it takes a few minutes."));

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       heading, body));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "flash", erases ? _("_Erase and Flash") : _("_Flash"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "flash",
                                              erases ? ADW_RESPONSE_DESTRUCTIVE : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (flash_response), self);
  ub_mnemonic_dialog_present (dialog);
}

static void
on_flash_clicked (UbConfirmPage *self)
{
  ub_confirm_page_request_flash (self);
}

guint
ub_confirm_page_get_saved_step (UbConfirmPage *self)
{
  guint first = G_MAXUINT;

  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), G_MAXUINT);
  if (!ub_confirm_page_get_can_flash (self))
    return G_MAXUINT;
  for (guint i = 0; i < self->phones->len; i++)
    {
      UbFlashPlan *plan = ub_preflight_get_plan (ub_phone_get_preflight (g_ptr_array_index (self->phones, i)));
      guint step;

      if (ub_resume_point_load (plan, &step, NULL) && i == 0)
        first = step;
    }
  return first;
}

void
ub_confirm_page_request_resume (UbConfirmPage *self)
{
  g_return_if_fail (UB_IS_CONFIRM_PAGE (self));
  if (ub_confirm_page_get_saved_step (self) == G_MAXUINT)
    return;
  /* what was written goes on as it was confirmed then; a lock is confirmed again */
  self->resume_saved = TRUE;
  if (self->mode == UB_ROM_MODE_CLEAN_ALL_LOCK)
    ask_lock (self);
  else
    g_signal_emit (self, signals[RESUME], 0);
}

static void
on_resume_clicked (UbConfirmPage *self)
{
  ub_confirm_page_request_resume (self);
}

UbRomMode
ub_confirm_page_get_mode (UbConfirmPage *self)
{
  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), UB_ROM_MODE_KEEP_DATA);
  return self->mode;
}

gboolean
ub_confirm_page_get_checking (UbConfirmPage *self)
{
  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), FALSE);
  return self->n_running > 0;
}

gboolean
ub_confirm_page_get_can_flash (UbConfirmPage *self)
{
  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), FALSE);
  if (self->n_running > 0 || self->phones == NULL || self->phones->len == 0)
    return FALSE;
  for (guint i = 0; i < self->phones->len; i++)
    {
      UbPreflight *preflight = ub_phone_get_preflight (g_ptr_array_index (self->phones, i));

      if (preflight == NULL || !ub_preflight_get_passed (preflight) || ub_preflight_get_plan (preflight) == NULL)
        return FALSE;
    }
  return TRUE;
}

const char *
ub_confirm_page_get_reason (UbConfirmPage *self)
{
  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), NULL);
  return self->reason;
}

gboolean
ub_confirm_page_get_lock_confirmed (UbConfirmPage *self)
{
  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), FALSE);
  return self->lock_confirmed && self->mode == UB_ROM_MODE_CLEAN_ALL_LOCK;
}

static CheckRun *
find_running (UbConfirmPage *self, UbPhone *phone)
{
  CheckRun *run = find_run (self, phone);

  return run != NULL && run->running ? run : NULL;
}

double
ub_confirm_page_get_check_fraction (UbConfirmPage *self, UbPhone *phone)
{
  CheckRun *run;

  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), -1);
  run = find_running (self, phone);
  if (run == NULL)
    return -1;
  if (self->runs->len == 1)
    return gtk_progress_bar_get_fraction (self->checking_bar);
  return run->bar != NULL ? gtk_progress_bar_get_fraction (run->bar) : -1;
}

char *
ub_confirm_page_dup_check_text (UbConfirmPage *self, UbPhone *phone)
{
  CheckRun *run;

  g_return_val_if_fail (UB_IS_CONFIRM_PAGE (self), NULL);
  run = find_running (self, phone);
  if (run == NULL)
    return NULL;
  if (self->runs->len == 1)
    return g_strdup (gtk_label_get_text (self->checking_label));
  return run->label != NULL ? g_strdup (gtk_label_get_text (run->label)) : NULL;
}

static void
ub_confirm_page_dispose (GObject *object)
{
  UbConfirmPage *self = UB_CONFIRM_PAGE (object);

  ub_confirm_page_stop (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_CONFIRM_PAGE);
  g_clear_object (&self->settings);
  g_clear_object (&self->rom);
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  G_OBJECT_CLASS (ub_confirm_page_parent_class)->dispose (object);
}

static void
ub_confirm_page_finalize (GObject *object)
{
  UbConfirmPage *self = UB_CONFIRM_PAGE (object);

  g_clear_pointer (&self->runs, g_ptr_array_unref);
  g_free (self->reason);
  g_hash_table_unref (self->errors);
  G_OBJECT_CLASS (ub_confirm_page_parent_class)->finalize (object);
}

static void
ub_confirm_page_class_init (UbConfirmPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_confirm_page_dispose;
  object_class->finalize = ub_confirm_page_finalize;

  signals[FLASH] = g_signal_new ("flash", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RESUME] = g_signal_new ("resume", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-confirm-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, keep_row);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, clean_row);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, lock_row);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, keep_check);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, clean_check);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, lock_check);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, recheck_button);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, checking_box);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, checking_label);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, checking_bar);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, check_list);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, erase_group);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, erase_row);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, erase_icon);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, reason_label);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, flash_button);
  gtk_widget_class_bind_template_child (widget_class, UbConfirmPage, resume_button);
  gtk_widget_class_bind_template_callback (widget_class, on_mode_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_recheck_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_flash_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_resume_clicked);
}

static void
ub_confirm_page_init (UbConfirmPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) check_run_unref);
  self->settings = g_settings_new ("io.github.unbrick.Unbrick");
  self->mode = UB_ROM_MODE_KEEP_DATA;
  self->errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

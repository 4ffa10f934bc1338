/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-advanced-page.h"
#include "ub-confirm-page.h"
#include "ub-detect-page.h"
#include "ub-device-monitor.h"
#include "ub-firmware-page.h"
#include "ub-flash-page.h"
#include "ub-install-page.h"
#include "ub-mnemonic.h"
#include "ub-phone.h"
#include "ub-recovery-confirm-page.h"
#include "ub-recovery-firmware-page.h"
#include "ub-recovery-connect-page.h"
#include "ub-result-page.h"
#include "ub-window.h"

struct _UbWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkButton       *back_button;
  AdwWindowTitle  *window_title;
  GtkRevealer     *demo_revealer;
  GtkStack        *stack;
  UbDetectPage    *detect_page;
  UbFirmwarePage  *firmware_page;
  UbConfirmPage   *confirm_page;
  UbFlashPage     *flash_page;
  UbResultPage    *result_page;
  UbAdvancedPage  *advanced_page;
  UbRecoveryFirmwarePage *recovery_firmware_page;
  UbRecoveryConfirmPage  *recovery_confirm_page;
  UbInstallPage   *install_page;
  UbRecoveryConnectPage *recovery_connect_page;  /* added in add_recovery_connect_page() */
  GCancellable    *demo_cancellable;                /* setting up the locked demo phone */

  GSettings       *settings;
  UbEmuDemo       *demo;
  UbDeviceMonitor *monitor;
  GPtrArray       *phones;          /* of UbPhone: the ones this run is for */
  char            *page_before_advanced;
  guint            inhibit_cookie;
  gboolean         close_confirmed;
  gboolean         recovery_mode;
};

G_DEFINE_FINAL_TYPE (UbWindow, ub_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *const wizard_pages[] = { "detect", "firmware", "confirm", "flash", "result" };
/* the same five steps for a phone in Mi Assistant mode */
static const char *const recovery_pages[] = { "detect", "recovery-firmware", "recovery-confirm", "install", "result" };

static void
update_header (UbWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->stack);
  GtkStackPage *page = gtk_stack_get_page (self->stack, gtk_stack_get_visible_child (self->stack));
  g_autofree char *subtitle = NULL;
  gboolean can_go_back;

  for (guint i = 0; i < G_N_ELEMENTS (wizard_pages); i++)
    if (g_strcmp0 (name, wizard_pages[i]) == 0 || g_strcmp0 (name, recovery_pages[i]) == 0)
      /* TRANSLATORS: "Step 2 of 5: Choose the firmware" */
      subtitle = g_strdup_printf (_("Step %u of %u: %s"), i + 1, (guint) G_N_ELEMENTS (wizard_pages),
                                  gtk_stack_page_get_title (page));
  if (subtitle == NULL)
    subtitle = g_strdup (gtk_stack_page_get_title (page));
  adw_window_title_set_subtitle (self->window_title, subtitle);

  can_go_back = g_strcmp0 (name, "firmware") == 0 || g_strcmp0 (name, "confirm") == 0 ||
                g_strcmp0 (name, "advanced") == 0 || g_strcmp0 (name, "recovery-firmware") == 0 ||
                g_strcmp0 (name, "recovery-confirm") == 0 || g_strcmp0 (name, "recovery-connect") == 0;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", can_go_back);
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), can_go_back);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.advanced",
                                 !ub_window_get_busy (self) && g_strcmp0 (name, "advanced") != 0);
}

/* Keyboard and screen reader users land on the new page: on its main
 * (suggested) button when it can be pressed, else on its first control,
 * unless the page already put the focus somewhere in itself. */
static void
focus_page (UbWindow *self)
{
  GtkWidget *page = gtk_stack_get_visible_child (self->stack);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();

  if (page == NULL || (focus != NULL && gtk_widget_is_ancestor (focus, page)))
    return;
  g_ptr_array_add (todo, page);
  while (todo->len > 0)
    {
      GtkWidget *w = g_ptr_array_steal_index (todo, 0);

      if (!gtk_widget_get_visible (w))
        continue;
      if (GTK_IS_BUTTON (w) && gtk_widget_has_css_class (w, "suggested-action") &&
          gtk_widget_is_sensitive (w) && gtk_widget_grab_focus (w))
        return;
      for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (todo, c);
    }
  gtk_widget_child_focus (page, GTK_DIR_TAB_FORWARD);
}

void
ub_window_show_page (UbWindow *self, const char *name)
{
  g_return_if_fail (UB_IS_WINDOW (self));
  /* the flash page appears at once: a slide would lay out and draw both pages
   * in the first frames of the flash */
  gtk_stack_set_visible_child_full (self->stack, name,
                                    g_strcmp0 (name, "flash") == 0 || g_strcmp0 (name, "install") == 0
                                      ? GTK_STACK_TRANSITION_TYPE_NONE
                                                                   : GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT_RIGHT);
  update_header (self);
  focus_page (self);
}

GtkStack *
ub_window_get_stack (UbWindow *self)
{
  g_return_val_if_fail (UB_IS_WINDOW (self), NULL);
  return self->stack;
}

GtkWidget *
ub_window_get_page (UbWindow *self, const char *name)
{
  g_return_val_if_fail (UB_IS_WINDOW (self), NULL);
  return gtk_stack_get_child_by_name (self->stack, name);
}

gboolean
ub_window_get_busy (UbWindow *self)
{
  g_return_val_if_fail (UB_IS_WINDOW (self), FALSE);
  return ub_flash_page_get_running (self->flash_page) || ub_install_page_get_running (self->install_page);
}

guint
ub_window_get_n_progress_updates (UbWindow *self)
{
  g_return_val_if_fail (UB_IS_WINDOW (self), 0);
  return ub_flash_page_get_n_updates (self->flash_page);
}

static void
set_phones (UbWindow *self, GPtrArray *phones)
{
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  self->phones = g_ptr_array_ref (phones);
}

static void
on_recovery_phone_found (UbWindow *self, UbPhone *phone)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "recovery-connect") != 0)
    return;
  ub_window_start_recovery (self, ub_phone_get_address (phone), ub_phone_get_recovery_info (phone));
}

/* A phone in Mi Assistant mode goes to the recovery pages; a locked
 * fastboot phone first to how to get there. TRUE when handled. */
static gboolean
continue_alone (UbWindow *self, GPtrArray *phones)
{
  UbPhone *phone = g_ptr_array_index (phones, 0);

  if (ub_phone_get_recovery_info (phone) != NULL)
    {
      ub_window_start_recovery (self, ub_phone_get_address (phone), ub_phone_get_recovery_info (phone));
      return TRUE;
    }
  if (!ub_phone_get_locked (phone))
    return FALSE;
  ub_window_show_page (self, "recovery-connect");
  ub_recovery_connect_page_start (self->recovery_connect_page, phone);
  return TRUE;
}

static void
add_recovery_connect_page (UbWindow *self)
{
  self->recovery_connect_page = g_object_new (UB_TYPE_RECOVERY_CONNECT_PAGE, NULL);
  gtk_stack_add_titled (self->stack, GTK_WIDGET (self->recovery_connect_page), "recovery-connect",
                        _("Start the recovery"));
  g_signal_connect_swapped (self->recovery_connect_page, "found", G_CALLBACK (on_recovery_phone_found), self);
}

/* Setting up the locked demo phone on a worker thread. The task refers to
 * neither the window nor (after it returns) the demo: whatever the order,
 * their last reference is dropped on the main thread. */
typedef struct {
  UbEmuDemo *demo;
  GError    *error;
} LockedSetup;

static void
locked_setup_free (LockedSetup *setup)
{
  g_clear_object (&setup->demo);
  g_clear_error (&setup->error);
  g_free (setup);
}

static void
enable_locked_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LockedSetup *setup = g_new0 (LockedSetup, 1);

  setup->demo = task_data;   /* the task's reference, handed back in the result */
  ub_emu_demo_enable_locked_phone (setup->demo, &setup->error);
  g_task_return_pointer (task, setup, (GDestroyNotify) locked_setup_free);
}

static void
locked_phone_enabled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GWeakRef *window_ref = user_data;
  g_autoptr(UbWindow) self = g_weak_ref_get (window_ref);
  LockedSetup *setup = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autoptr(UbPhone) phone = NULL;
  const char *address;

  g_weak_ref_clear (window_ref);
  g_free (window_ref);
  if (self == NULL || g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    {
      locked_setup_free (setup);
      return;
    }
  if (setup->error != NULL)
    g_warning ("The locked demo phone could not start: %s", setup->error->message);
  address = setup->error == NULL ? ub_emu_demo_get_locked_address (setup->demo) : NULL;
  if (address != NULL)   /* NULL: already in recovery */
    {
      phone = ub_phone_new_for_address (address);
      ub_detect_page_add_phone (self->detect_page, phone);
    }
  locked_setup_free (setup);
}

/* --demo: the locked demo phone (Mi Assistant path) next to the unlocked
 * one. Setting it up packs the demo ROMs (seconds): on a worker thread. */
void
ub_window_add_demo_locked_phone (UbWindow *self)
{
  g_autoptr(GTask) task = NULL;
  GWeakRef *window_ref;
  UbEmuDemo *demo;

  g_return_if_fail (UB_IS_WINDOW (self));
  demo = self->demo;
  if (demo == NULL || self->demo_cancellable != NULL)
    return;
  self->demo_cancellable = g_cancellable_new ();
  window_ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (window_ref, self);
  task = g_task_new (NULL, self->demo_cancellable, locked_phone_enabled, window_ref);
  g_task_set_source_tag (task, ub_window_add_demo_locked_phone);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, g_object_ref (demo), NULL);
  g_task_run_in_thread (task, enable_locked_thread);
}

static void
on_detect_continue (UbWindow *self)
{
  g_autoptr(GPtrArray) phones = ub_detect_page_get_selected (self->detect_page);

  if (phones->len == 0)
    return;
  if (continue_alone (self, phones))
    return;
  set_phones (self, phones);
  ub_firmware_page_set_phones (self->firmware_page, phones);
  ub_window_show_page (self, "firmware");
}

static void
on_firmware_continue (UbWindow *self)
{
  UbRom *rom = ub_firmware_page_get_rom (self->firmware_page);

  if (rom == NULL || self->phones == NULL)
    return;
  ub_window_show_page (self, "confirm");
  ub_confirm_page_start (self->confirm_page, rom, self->phones);
}

static void
uninhibit (UbWindow *self)
{
  if (self->inhibit_cookie != 0)
    gtk_application_uninhibit (gtk_window_get_application (GTK_WINDOW (self)), self->inhibit_cookie);
  self->inhibit_cookie = 0;
}

static void
inhibit (UbWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (app == NULL || self->inhibit_cookie != 0)
    return;
  self->inhibit_cookie =
    gtk_application_inhibit (app, GTK_WINDOW (self),
                             GTK_APPLICATION_INHIBIT_SUSPEND | GTK_APPLICATION_INHIBIT_LOGOUT |
                             GTK_APPLICATION_INHIBIT_IDLE,
                             _("A phone is being flashed; stopping now could leave it unable to start"));
}

static void
start_flash_from (UbWindow *self, gboolean resume, gboolean from_saved)
{
  g_autoptr(GError) error = NULL;
  gboolean started;

  if (resume)
    started = ub_flash_page_resume (self->flash_page, &error);
  else if (from_saved)
    started = ub_flash_page_start_from_saved (self->flash_page, self->phones,
                                              ub_confirm_page_get_lock_confirmed (self->confirm_page), &error);
  else
    started = ub_flash_page_start (self->flash_page, self->phones,
                                   ub_confirm_page_get_lock_confirmed (self->confirm_page), &error);
  if (!started)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  inhibit (self);
  ub_detect_page_set_paused (self->detect_page, TRUE);
  ub_window_show_page (self, "flash");
}

static void
start_flash (UbWindow *self, gboolean resume)
{
  start_flash_from (self, resume, FALSE);
}

static void
on_confirm_flash (UbWindow *self)
{
  start_flash (self, FALSE);
}

/* a flash an earlier run left unfinished, from where it stopped */
static void
on_confirm_resume (UbWindow *self)
{
  start_flash_from (self, FALSE, TRUE);
}

/* A notification when the window is not in front; @heading says what ended. */
static void
notify_result (UbWindow *self, gboolean succeeded, const char *heading)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;

  if (app == NULL || gtk_window_is_active (GTK_WINDOW (self)))
    return;
  notification = g_notification_new (heading);
  g_notification_set_body (notification,
                           succeeded ? _("Your phone is restarting. The first start can take up to 10 minutes.")
                                     : _("Open Unbrick to see what happened and what to do next."));
  g_notification_set_priority (notification,
                               succeeded ? G_NOTIFICATION_PRIORITY_NORMAL : G_NOTIFICATION_PRIORITY_HIGH);
  g_application_send_notification (app, "flash-result", notification);
}

static void
on_flash_finished (UbWindow *self)
{
  gboolean succeeded = ub_flash_page_get_succeeded (self->flash_page);

  uninhibit (self);
  ub_detect_page_set_paused (self->detect_page, FALSE);
  self->recovery_mode = FALSE;
  ub_result_page_show (self->result_page, self->phones);
  ub_window_show_page (self, "result");
  notify_result (self, succeeded, succeeded ? _("Flashing finished") : _("Flashing did not finish"));
  if (self->close_confirmed)
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_result_resume (UbWindow *self)
{
  start_flash (self, TRUE);
}

static void
on_result_retry (UbWindow *self)
{
  UbRom *rom = ub_firmware_page_get_rom (self->firmware_page);

  if (self->recovery_mode)
    {
      /* the firmware page keeps the approved file: Next, or another choice */
      ub_window_show_page (self, "recovery-firmware");
      return;
    }
  if (rom == NULL || self->phones == NULL)
    {
      ub_window_show_page (self, "detect");
      return;
    }
  /* the checks ask the phone again; a probe now would compete for the USB interface */
  ub_window_show_page (self, "confirm");
  ub_confirm_page_start (self->confirm_page, rom, self->phones);
}

static void
on_result_done (UbWindow *self)
{
  self->recovery_mode = FALSE;
  ub_detect_page_refresh (self->detect_page);
  ub_window_show_page (self, "detect");
}

/* ---- a phone in Mi Assistant mode: Firmware → Confirm → Install → Result */

void
ub_window_start_recovery (UbWindow *self, const char *address, UbRecoveryInfo *info)
{
  g_return_if_fail (UB_IS_WINDOW (self));
  g_return_if_fail (UB_IS_RECOVERY_INFO (info));
  if (ub_window_get_busy (self))
    return;
  self->recovery_mode = TRUE;
  ub_recovery_firmware_page_set_phone (self->recovery_firmware_page, address, info);
  ub_window_show_page (self, "recovery-firmware");
}

static void
on_recovery_firmware_continue (UbWindow *self)
{
  UbRomApproval *approval = ub_recovery_firmware_page_get_approval (self->recovery_firmware_page);
  UbRecoveryInfo *info = ub_recovery_firmware_page_get_info (self->recovery_firmware_page);

  if (approval == NULL || info == NULL)
    return;
  ub_recovery_confirm_page_set (self->recovery_confirm_page, info,
                                ub_recovery_firmware_page_get_path (self->recovery_firmware_page), approval);
  ub_window_show_page (self, "recovery-confirm");
}

/* No firmware approved: the Confirm page offers the factory reset only. */
static void
on_recovery_factory_reset (UbWindow *self)
{
  UbRecoveryInfo *info = ub_recovery_firmware_page_get_info (self->recovery_firmware_page);

  if (info == NULL)
    return;
  ub_recovery_confirm_page_set (self->recovery_confirm_page, info, NULL, NULL);
  ub_window_show_page (self, "recovery-confirm");
}

static void
start_recovery_job (UbWindow *self, UbRecoveryJob *job)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title =
    ub_recovery_confirm_page_dup_phone_title (ub_recovery_firmware_page_get_info (self->recovery_firmware_page));

  if (!ub_install_page_start (self->install_page, job, title, &error))
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  inhibit (self);
  ub_detect_page_set_paused (self->detect_page, TRUE);
  ub_window_show_page (self, "install");
}

static void
on_recovery_install (UbWindow *self)
{
  UbRomApproval *approval = ub_recovery_firmware_page_get_approval (self->recovery_firmware_page);
  const char *path = ub_recovery_firmware_page_get_path (self->recovery_firmware_page);
  UbRecoveryInfo *info = ub_recovery_firmware_page_get_info (self->recovery_firmware_page);
  g_autoptr(UbRecoveryJob) job = NULL;

  if (approval == NULL || path == NULL || info == NULL)
    return;
  job = ub_recovery_job_new_install (ub_recovery_firmware_page_get_address (self->recovery_firmware_page),
                                     ub_recovery_info_get_serial (info), path, approval);
  /* an install Xiaomi says erases the data was confirmed in the dialog */
  ub_recovery_job_set_confirmed (job, TRUE);
  start_recovery_job (self, job);
}

static void
on_recovery_wipe (UbWindow *self)
{
  UbRecoveryInfo *info = ub_recovery_firmware_page_get_info (self->recovery_firmware_page);
  g_autoptr(UbRecoveryJob) job = NULL;

  if (info == NULL)
    return;
  job = ub_recovery_job_new_wipe_data (ub_recovery_firmware_page_get_address (self->recovery_firmware_page),
                                       ub_recovery_info_get_serial (info));
  ub_recovery_job_set_confirmed (job, TRUE);
  start_recovery_job (self, job);
}

static void
on_install_finished (UbWindow *self)
{
  UbRecoveryJob *job = ub_install_page_get_job (self->install_page);
  g_autofree char *title =
    ub_recovery_confirm_page_dup_phone_title (ub_recovery_firmware_page_get_info (self->recovery_firmware_page));
  gboolean succeeded = ub_recovery_job_get_state (job) == UB_FLASH_JOB_SUCCEEDED;
  gboolean wipe = ub_recovery_job_get_kind (job) == UB_RECOVERY_JOB_WIPE_DATA;

  uninhibit (self);
  ub_detect_page_set_paused (self->detect_page, FALSE);
  ub_result_page_show_recovery (self->result_page, job, title, ub_install_page_get_log (self->install_page));
  ub_window_show_page (self, "result");
  if (succeeded)
    notify_result (self, succeeded, wipe ? _("All data erased") : _("Installing finished"));
  else
    notify_result (self, succeeded, wipe ? _("The factory reset did not finish") : _("Installing did not finish"));
  if (self->close_confirmed)
    gtk_window_close (GTK_WINDOW (self));
}

static void
back_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  UbWindow *self = UB_WINDOW (widget);
  const char *name = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (name, "firmware") == 0 || g_strcmp0 (name, "recovery-firmware") == 0)
    ub_window_show_page (self, "detect");
  else if (g_strcmp0 (name, "recovery-confirm") == 0)
    ub_window_show_page (self, "recovery-firmware");
  else if (g_strcmp0 (name, "confirm") == 0)
    {
      ub_confirm_page_stop (self->confirm_page);
      ub_window_show_page (self, "firmware");
    }
  else if (g_strcmp0 (name, "advanced") == 0)
    ub_window_show_page (self, self->page_before_advanced != NULL ? self->page_before_advanced : "detect");
  else if (g_strcmp0 (name, "recovery-connect") == 0)
    {
      ub_recovery_connect_page_stop (self->recovery_connect_page);
      ub_window_show_page (self, "detect");
    }
}

static void
advanced_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  UbWindow *self = UB_WINDOW (widget);
  g_autoptr(GPtrArray) phones = ub_detect_page_get_selected (self->detect_page);
  const char *name = gtk_stack_get_visible_child_name (self->stack);

  if (ub_window_get_busy (self))
    return;
  if (g_strcmp0 (name, "advanced") != 0 && g_strcmp0 (name, "flash") != 0 && g_strcmp0 (name, "install") != 0)
    {
      g_free (self->page_before_advanced);
      self->page_before_advanced = g_strdup (name);
    }
  /* the fastboot tools: not for a phone in Mi Assistant mode */
  ub_advanced_page_set_phone (self->advanced_page,
                              phones->len > 0 && !ub_phone_get_is_adb (g_ptr_array_index (phones, 0))
                              ? g_ptr_array_index (phones, 0) : NULL);
  ub_window_show_page (self, "advanced");
}

static void
close_response (AdwMessageDialog *dialog, const char *response, UbWindow *self)
{
  if (g_strcmp0 (response, "stop") != 0)
    return;
  /* close once the phone finished the piece it is writing */
  self->close_confirmed = TRUE;
  ub_flash_page_cancel (self->flash_page);
  ub_install_page_cancel (self->install_page);
}

static gboolean
ub_window_close_request (GtkWindow *window)
{
  UbWindow *self = UB_WINDOW (window);
  AdwMessageDialog *dialog;
  gboolean install;

  if (!ub_window_get_busy (self))
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      return GTK_WINDOW_CLASS (ub_window_parent_class)->close_request (window);
    }
  if (self->close_confirmed)
    return TRUE;   /* already stopping; closes when the job ends */

  install = ub_install_page_get_running (self->install_page);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window,
                                                       install ? _("Stop Installing and Close?")
                                                               : _("Stop Flashing and Close?"),
                                                       NULL));
  adw_message_dialog_set_body (dialog,
                               install ? _("The phone is installing its system. If you stop now, it stays in recovery (Mi Assistant mode) until the install is started again.")
                                       : _("The phone is being flashed. If you stop now, it will not start until it is flashed again; you can do that later by opening Unbrick and choosing Resume."));
  adw_message_dialog_add_responses (dialog,
                                    "keep", install ? _("_Keep Installing") : _("_Keep Flashing"),
                                    "stop", _("_Stop and Close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response), self);
  ub_mnemonic_dialog_present (dialog);
  return TRUE;
}

static void
ub_window_dispose (GObject *object)
{
  UbWindow *self = UB_WINDOW (object);

  uninhibit (self);
  g_cancellable_cancel (self->demo_cancellable);
  g_clear_object (&self->demo_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_WINDOW);
  g_clear_object (&self->monitor);
  g_clear_object (&self->demo);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  g_clear_pointer (&self->page_before_advanced, g_free);
  G_OBJECT_CLASS (ub_window_parent_class)->dispose (object);
}

static void
ub_window_class_init (UbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ub_window_dispose;
  window_class->close_request = ub_window_close_request;

  /* loaded here, not as the application's style.css, so that windows made
   * without an application (the UI tests) look the same */
  {
    GtkCssProvider *css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/io/github/unbrick/Unbrick/ui-style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    g_object_unref (css);
  }

  g_type_ensure (UB_TYPE_DETECT_PAGE);
  g_type_ensure (UB_TYPE_FIRMWARE_PAGE);
  g_type_ensure (UB_TYPE_CONFIRM_PAGE);
  g_type_ensure (UB_TYPE_FLASH_PAGE);
  g_type_ensure (UB_TYPE_RESULT_PAGE);
  g_type_ensure (UB_TYPE_ADVANCED_PAGE);
  g_type_ensure (UB_TYPE_RECOVERY_FIRMWARE_PAGE);
  g_type_ensure (UB_TYPE_RECOVERY_CONFIRM_PAGE);
  g_type_ensure (UB_TYPE_INSTALL_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-window.ui");
  gtk_widget_class_bind_template_child (widget_class, UbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, demo_revealer);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, detect_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, firmware_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, confirm_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, flash_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, result_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, advanced_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, recovery_firmware_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, recovery_confirm_page);
  gtk_widget_class_bind_template_child (widget_class, UbWindow, install_page);

  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_activated);
  gtk_widget_class_install_action (widget_class, "win.advanced", NULL, advanced_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.back", NULL);
}

static void
ub_window_init (UbWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  add_recovery_connect_page (self);

  self->settings = g_settings_new ("io.github.unbrick.Unbrick");
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_swapped (self->detect_page, "continue", G_CALLBACK (on_detect_continue), self);
  g_signal_connect_swapped (self->firmware_page, "continue", G_CALLBACK (on_firmware_continue), self);
  g_signal_connect_swapped (self->confirm_page, "flash", G_CALLBACK (on_confirm_flash), self);
  g_signal_connect_swapped (self->confirm_page, "resume", G_CALLBACK (on_confirm_resume), self);
  g_signal_connect_swapped (self->flash_page, "finished", G_CALLBACK (on_flash_finished), self);
  g_signal_connect_swapped (self->result_page, "resume", G_CALLBACK (on_result_resume), self);
  g_signal_connect_swapped (self->result_page, "retry", G_CALLBACK (on_result_retry), self);
  g_signal_connect_swapped (self->result_page, "done", G_CALLBACK (on_result_done), self);
  g_signal_connect_swapped (self->recovery_firmware_page, "continue",
                            G_CALLBACK (on_recovery_firmware_continue), self);
  g_signal_connect_swapped (self->recovery_firmware_page, "factory-reset",
                            G_CALLBACK (on_recovery_factory_reset), self);
  g_signal_connect_swapped (self->recovery_confirm_page, "install", G_CALLBACK (on_recovery_install), self);
  g_signal_connect_swapped (self->recovery_confirm_page, "wipe-data", G_CALLBACK (on_recovery_wipe), self);
  g_signal_connect_swapped (self->install_page, "finished", G_CALLBACK (on_install_finished), self);
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (update_header), self);
  update_header (self);
}

UbWindow *
ub_window_new (GtkApplication *application, UbEmuDemo *demo)
{
  UbWindow *self = g_object_new (UB_TYPE_WINDOW, "application", application, NULL);

  if (demo != NULL)
    {
      g_autoptr(UbPhone) phone = ub_phone_new_for_address (ub_emu_demo_get_address (demo));

      self->demo = g_object_ref (demo);
      gtk_revealer_set_reveal_child (self->demo_revealer, TRUE);
      ub_detect_page_add_phone (self->detect_page, phone);
      ub_firmware_page_set_demo (self->firmware_page, demo);
      ub_recovery_firmware_page_set_demo (self->recovery_firmware_page, demo);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      self->monitor = ub_device_monitor_new ();
      if (!ub_device_monitor_start (self->monitor, &error))
        adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      ub_detect_page_set_monitor (self->detect_page, self->monitor);
    }
  ub_recovery_connect_page_setup (self->recovery_connect_page, self->detect_page, demo);
  return self;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ub-advice.h"
#include "ub-device-names.h"
#include "ub-download-panel.h"
#include "ub-file-chooser.h"
#include "ub-format.h"
#include "ub-mnemonic.h"
#include "ub-online-error.h"
#include "ub-recovery-firmware-page.h"
#include "ub-recovery-job.h"
#include "ub-recovery-zip.h"
#include "ub-rom-catalog.h"
#include "ub-rom-error.h"

struct _UbRecoveryFirmwarePage
{
  GtkBox           parent_instance;

  GtkScrolledWindow *scroll;
  GtkWidget       *clamp;
  AdwActionRow    *model_row;
  GtkBox          *list_status_box;
  GtkSpinner      *list_spinner;
  GtkLabel        *list_status_label;
  GtkButton       *list_retry_button;
  GtkListBox      *rom_list;
  GtkButton       *file_button;
  UbDownloadPanel *download_panel;
  AdwPreferencesGroup *check_group;
  AdwActionRow    *file_row;
  GtkBox          *check_progress_box;
  GtkProgressBar  *check_progress_bar;
  GtkLabel        *check_progress_label;
  AdwActionRow    *status_row;
  GtkImage        *status_icon;
  GtkButton       *check_again_button;
  GtkButton       *wipe_button;
  GtkButton       *next_button;

  char            *address;
  UbRecoveryInfo  *info;
  UbEmuDemo       *demo;
  GStrv            mirrors;          /* NULL until known */
  UbUpdateServer  *server;
  GPtrArray       *roms;             /* of UbUpdateRom */
  GCancellable    *list_cancellable; /* while the list is asked for */
  GCancellable    *check_cancellable;/* while a file is hashed or approved */
  UbProgress      *hashing;
  UbUpdateRom     *waiting_rom;      /* to download once the demo's mirror is known */
  char            *path;
  char            *md5;
  UbRomApproval   *approval;
  char            *message;
};

G_DEFINE_FINAL_TYPE (UbRecoveryFirmwarePage, ub_recovery_firmware_page, GTK_TYPE_BOX)

enum { CONTINUE, FACTORY_RESET, N_SIGNALS };
static guint signals[N_SIGNALS];

/* One request to the server: the page and the cancellable it was made with
 * (an answer for an earlier request is dropped). */
typedef struct {
  UbRecoveryFirmwarePage *self;
  GCancellable           *cancellable;
} Call;

static Call *
call_new (UbRecoveryFirmwarePage *self, GCancellable *cancellable)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (cancellable);
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
set_message (UbRecoveryFirmwarePage *self, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
}

/* "What went wrong" and, when there is more to say, what to do next. */
static char *
error_with_advice (const GError *error, const char *fallback_advice)
{
  g_autofree char *advice = ub_advice_for_error (error, NULL, UB_ADVICE_COMMAND);

  /* TRANSLATORS: an error message, then on its own line what to do next */
  return g_strdup_printf (_("%s\nNext step: %s"), error->message,
                          advice != NULL ? advice : fallback_advice);
}

static UbUpdateServer *
ensure_server (UbRecoveryFirmwarePage *self)
{
  if (self->server != NULL)
    return self->server;
  self->server = ub_update_server_new ();
  /* demo mode: the demo's fake server, unless the environment names one (tests) */
  if (self->demo != NULL && ub_emu_demo_get_update_server_url (self->demo) != NULL &&
      g_getenv ("UNBRICK_UPDATE_SERVER") == NULL)
    ub_update_server_set_base_url (self->server, ub_emu_demo_get_update_server_url (self->demo));
  return self->server;
}

/* ---- the phone */

static const char *
zone_name (const char *zone)
{
  if (g_strcmp0 (zone, "1") == 0)
    return _("China");
  if (g_strcmp0 (zone, "2") == 0)
    return _("International");
  return zone;
}

static void
show_phone (UbRecoveryFirmwarePage *self)
{
  g_autofree char *model = NULL;
  g_autoptr(GPtrArray) facts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subtitle = NULL;
  const char *device = ub_recovery_info_get_device (self->info);
  const char *version = ub_recovery_info_get_version (self->info);
  const char *zone = ub_recovery_info_get_romzone (self->info);
  const char *region = ub_recovery_info_get_region (self->info);
  const char *serial = ub_recovery_info_get_serial (self->info);

  model = device != NULL ? ub_device_names_dup_display (device) : g_strdup (_("Unknown phone"));
  if (version != NULL)
    g_ptr_array_add (facts, g_strdup (version));
  if (region != NULL && zone != NULL)
    /* TRANSLATORS: the phone's region code and its ROM zone, "Region GL (International)" */
    g_ptr_array_add (facts, g_strdup_printf (_("Region %s (%s)"), region, zone_name (zone)));
  else if (region != NULL || zone != NULL)
    g_ptr_array_add (facts, g_strdup_printf (_("Region %s"), region != NULL ? region : zone_name (zone)));
  if (serial != NULL)
    /* TRANSLATORS: "Serial 3f6a2b91" */
    g_ptr_array_add (facts, g_strdup_printf (_("Serial %s"), serial));
  g_ptr_array_add (facts, NULL);
  subtitle = g_strjoinv (" · ", (char **) facts->pdata);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->model_row), model);
  adw_action_row_set_subtitle (self->model_row, subtitle);
}

/* Scrolls @widget into view (GTK 4.8 has no gtk_scrolled_window_scroll_to). */
static gboolean
reveal_cb (gpointer data)
{
  GtkWidget *widget = data;
  UbRecoveryFirmwarePage *self = UB_RECOVERY_FIRMWARE_PAGE (gtk_widget_get_ancestor (widget, UB_TYPE_RECOVERY_FIRMWARE_PAGE));
  GtkAdjustment *adjustment;
  double x, y;

  if (self != NULL && gtk_widget_get_mapped (widget) &&
      gtk_widget_translate_coordinates (widget, self->clamp, 0, 0, &x, &y))
    {
      double bottom = y + gtk_widget_get_height (widget) + 12;

      adjustment = gtk_scrolled_window_get_vadjustment (self->scroll);
      if (bottom > gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment))
        gtk_adjustment_set_value (adjustment, bottom - gtk_adjustment_get_page_size (adjustment));
    }
  g_object_unref (widget);
  return G_SOURCE_REMOVE;
}

static void
reveal (GtkWidget *widget)
{
  /* once laid out */
  g_timeout_add (50, reveal_cb, g_object_ref (widget));
}

/* ---- the selected file: MD5, then Xiaomi's approval */

static void
update_next (UbRecoveryFirmwarePage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), self->approval != NULL);
}

static void
show_status (UbRecoveryFirmwarePage *self,
             const char             *icon,
             const char             *title,
             const char             *subtitle)
{
  gboolean ok = g_strcmp0 (icon, "emblem-ok-symbolic") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->status_row), title != NULL);
  if (title == NULL)
    return;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), title);
  adw_action_row_set_subtitle (self->status_row, subtitle);
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), ok ? "error" : "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), ok ? "success" : "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ok ? _("Approved") : _("Not approved"), -1);
  reveal (GTK_WIDGET (self->check_group));
}

static void
drop_hashing (UbRecoveryFirmwarePage *self)
{
  if (self->hashing != NULL)
    g_signal_handlers_disconnect_by_data (self->hashing, self);
  g_clear_object (&self->hashing);
}

static void
set_checking (UbRecoveryFirmwarePage *self, gboolean checking)
{
  gtk_widget_set_visible (GTK_WIDGET (self->check_progress_box), checking);
  gtk_widget_set_sensitive (GTK_WIDGET (self->file_button), !checking);
  gtk_widget_set_sensitive (GTK_WIDGET (self->rom_list), !checking);
  if (checking)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->check_again_button), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->wipe_button), FALSE);
    }
}

/* Forgets the file chosen before (and stops checking it). */
static void
reset_check (UbRecoveryFirmwarePage *self)
{
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  drop_hashing (self);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->md5, g_free);
  g_clear_object (&self->approval);
  set_message (self, NULL);
  set_checking (self, FALSE);
  show_status (self, NULL, NULL, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->check_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->check_again_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->wipe_button), FALSE);
  update_next (self);
}

static void
on_hashing_changed (UbProgress *progress, UbRecoveryFirmwarePage *self)
{
  guint64 done = ub_progress_get_bytes_done (progress);
  guint64 total = ub_progress_get_bytes_total (progress);
  g_autofree char *done_text = ub_format_size (done);
  g_autofree char *total_text = ub_format_size (total);
  g_autofree char *text = NULL;

  /* TRANSLATORS: "Checking the file: 1.2 GB of 4.1 GB" */
  text = g_strdup_printf (_("Checking the file: %s of %s"), done_text, total_text);
  gtk_label_set_text (self->check_progress_label, text);
  gtk_progress_bar_set_fraction (self->check_progress_bar, total > 0 ? (double) done / total : 0);
}

static void
approve_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  UbRecoveryFirmwarePage *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRomApproval) approval = ub_update_server_approve_finish (UB_UPDATE_SERVER (source), result, &error);

  if (call->cancellable != self->check_cancellable || g_cancellable_is_cancelled (call->cancellable))
    return;
  g_clear_object (&self->check_cancellable);
  set_checking (self, FALSE);
  if (approval != NULL)
    {
      const char *version = ub_rom_approval_get_version (approval);
      g_autofree char *subtitle = NULL;
      const char *data = ub_rom_approval_get_erase (approval)
                           ? _("Installing it erases all data on the phone.")
                           : _("Your data is kept.");

      if (version != NULL && *version != '\0')
        /* TRANSLATORS: "Version OS1.0.5.0.UMQMIXM. Your data is kept." */
        subtitle = g_strdup_printf (_("Version %s. %s"), version, data);
      else
        subtitle = g_strdup (data);
      self->approval = g_steal_pointer (&approval);
      show_status (self, "emblem-ok-symbolic", _("Xiaomi approved this firmware for your phone"), subtitle);
      update_next (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
      return;
    }
  if (g_error_matches (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED))
    {
      /* TRANSLATORS: %s is the refusal, with Xiaomi's own words; then what to do */
      g_autofree char *subtitle =
        g_strdup_printf (_("%s\nTry another version from the list, or a recovery ROM made for this "
                           "phone’s model and region. If none is approved, erasing all data (factory reset) "
                           "may get the phone to start again."),
                         error->message);

      set_message (self, subtitle);
      show_status (self, "dialog-error-symbolic", _("Xiaomi did not approve this firmware for your phone"),
                   subtitle);
      gtk_widget_set_visible (GTK_WIDGET (self->wipe_button), TRUE);
      return;
    }
  {
    g_autofree char *subtitle =
      error_with_advice (error, _("Check the internet connection, then choose Check Again."));

    set_message (self, subtitle);
    show_status (self, "dialog-error-symbolic", _("Xiaomi’s update server could not be asked"), subtitle);
    gtk_widget_set_visible (GTK_WIDGET (self->check_again_button), TRUE);
  }
}

static void
start_approve (UbRecoveryFirmwarePage *self)
{
  g_autoptr(UbUpdateQuery) query = ub_update_query_new_from_info (self->info);

  set_checking (self, TRUE);
  show_status (self, NULL, NULL, NULL);
  gtk_progress_bar_pulse (self->check_progress_bar);
  gtk_label_set_text (self->check_progress_label, _("Asking Xiaomi to approve this firmware for your phone…"));
  self->check_cancellable = g_cancellable_new ();
  ub_update_server_approve_async (ensure_server (self), query, self->md5, self->check_cancellable,
                                  approve_done, call_new (self, self->check_cancellable));
}

static void
hash_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  UbProgress *progress = g_object_get_data (G_OBJECT (task), "progress");
  GError *error = NULL;
  /* a fastboot ROM, another file or a cut-off download: said before anything is sent */
  char *md5 = ub_recovery_zip_md5 (task_data, progress, cancellable, &error);

  if (md5 == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, md5, g_free);
}

static void
hash_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UbRecoveryFirmwarePage *self = UB_RECOVERY_FIRMWARE_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *md5 = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_task_get_cancellable (G_TASK (result)) != self->check_cancellable)
    return;   /* replaced by a newer choice */
  g_clear_object (&self->check_cancellable);
  drop_hashing (self);
  if (md5 == NULL)
    {
      g_autofree char *text = error->domain == UB_ROM_ERROR
                              ? g_strdup (error->message)
                              : g_strdup_printf (_("The file cannot be read: %s"), error->message);

      set_checking (self, FALSE);
      set_message (self, text);
      show_status (self, "dialog-error-symbolic", _("This file cannot be used"), text);
      return;
    }
  self->md5 = g_steal_pointer (&md5);
  start_approve (self);
}

/* Forgets the file chosen before and shows @path as the one to check. */
static void
show_file (UbRecoveryFirmwarePage *self, const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);

  reset_check (self);
  self->path = g_strdup (path);
  gtk_widget_set_visible (GTK_WIDGET (self->check_group), TRUE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), name);
  adw_action_row_set_subtitle (self->file_row, dir);
}

void
ub_recovery_firmware_page_open (UbRecoveryFirmwarePage *self, const char *path)
{
  g_autoptr(GTask) task = NULL;
  GStatBuf st;

  g_return_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self));
  g_return_if_fail (path != NULL);
  show_file (self, path);
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      const char *text = _("This is not a file. Select the recovery ROM, a file ending in .zip.");

      set_message (self, text);
      show_status (self, "dialog-error-symbolic", _("This file cannot be used"), text);
      return;
    }
  set_checking (self, TRUE);
  reveal (GTK_WIDGET (self->check_group));
  gtk_progress_bar_set_fraction (self->check_progress_bar, 0);
  gtk_label_set_text (self->check_progress_label, _("Checking the file…"));
  self->hashing = ub_progress_new ();
  ub_progress_set_bytes_total (self->hashing, (guint64) st.st_size);
  g_signal_connect (self->hashing, "changed", G_CALLBACK (on_hashing_changed), self);
  self->check_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->check_cancellable, hash_done, NULL);
  g_task_set_source_tag (task, ub_recovery_firmware_page_open);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_object_set_data_full (G_OBJECT (task), "progress", g_object_ref (self->hashing), g_object_unref);
  g_task_run_in_thread (task, hash_thread);
}

/* ---- the list of ROMs from Xiaomi */

static void
set_list_status (UbRecoveryFirmwarePage *self, gboolean busy, const char *text, gboolean retry)
{
  gtk_widget_set_visible (GTK_WIDGET (self->list_status_box), busy || text != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->list_spinner), busy);
  gtk_spinner_set_spinning (self->list_spinner, busy);
  gtk_label_set_text (self->list_status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->list_retry_button), retry);
}

static void on_rom_download_clicked (GtkButton *button, UbRecoveryFirmwarePage *self);

static GtkWidget *
rom_row_new (UbRecoveryFirmwarePage *self, UbUpdateRom *rom)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_label (_("Download and Use"));
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *codebase = ub_update_rom_get_codebase (rom);
  const char *name = ub_update_rom_get_name (rom);
  g_autofree char *subtitle = NULL;

  if (ub_update_rom_get_is_current (rom))
    g_ptr_array_add (parts, g_strdup (_("Installed now")));
  if (name != NULL && *name != '\0')
    g_ptr_array_add (parts, g_strdup (name));
  if (codebase != NULL && *codebase != '\0')
    /* TRANSLATORS: "Android 13.0" */
    g_ptr_array_add (parts, g_strdup_printf (_("Android %s"), codebase));
  if (ub_update_rom_get_size_hint (rom) > 0)
    g_ptr_array_add (parts, ub_format_size (ub_update_rom_get_size_hint (rom)));
  else if (ub_update_rom_get_size_text (rom) != NULL)
    g_ptr_array_add (parts, g_strdup (ub_update_rom_get_size_text (rom)));
  g_ptr_array_add (parts, NULL);
  subtitle = g_strjoinv (" · ", (char **) parts->pdata);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), ub_update_rom_get_version (rom));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  {
    /* TRANSLATORS: what a screen reader says for the button of one ROM in the list
     * (every row has one); %s: the ROM's version, e.g. V14.0.5.0.TKHMIXM */
    g_autofree char *spoken = g_strdup_printf (_("Download and Use %s"), ub_update_rom_get_version (rom));

    gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, spoken, -1);
  }
  g_object_set_data_full (G_OBJECT (button), "rom", g_object_ref (rom), g_object_unref);
  g_signal_connect (button, "clicked", G_CALLBACK (on_rom_download_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static void
clear_rom_list (UbRecoveryFirmwarePage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rom_list))) != NULL)
    gtk_list_box_remove (self->rom_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->rom_list), FALSE);
  g_ptr_array_set_size (self->roms, 0);
}

static void
list_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  UbRecoveryFirmwarePage *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) roms = ub_update_server_list_roms_finish (UB_UPDATE_SERVER (source), result, &error);

  if (call->cancellable != self->list_cancellable || g_cancellable_is_cancelled (call->cancellable))
    return;
  g_clear_object (&self->list_cancellable);
  if (roms == NULL)
    {
      g_autofree char *text =
        error_with_advice (error, _("Check the internet connection, then Retry. You can also select a recovery ROM "
                                    "you already have."));

      if (self->path == NULL)
        set_message (self, text);
      set_list_status (self, FALSE, text, TRUE);
      return;
    }
  for (guint i = 0; i < roms->len; i++)
    {
      UbUpdateRom *rom = g_ptr_array_index (roms, i);

      g_ptr_array_add (self->roms, g_object_ref (rom));
      gtk_list_box_append (self->rom_list, rom_row_new (self, rom));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->rom_list), roms->len > 0);
  if (roms->len == 0)
    set_list_status (self, FALSE, _("Xiaomi offers no firmware for this phone. Select a recovery ROM made for it "
                                    "if you have one."), FALSE);
  else
    set_list_status (self, FALSE, NULL, FALSE);
}

void
ub_recovery_firmware_page_refresh (UbRecoveryFirmwarePage *self)
{
  g_autoptr(UbUpdateQuery) query = NULL;

  g_return_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self));
  if (self->list_cancellable != NULL)
    g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);
  clear_rom_list (self);
  if (self->info == NULL)
    return;
  query = ub_update_query_new_from_info (self->info);
  self->list_cancellable = g_cancellable_new ();
  set_list_status (self, TRUE, _("Asking Xiaomi’s update server…"), FALSE);
  ub_update_server_list_roms_async (ensure_server (self), query, self->list_cancellable, list_done,
                                    call_new (self, self->list_cancellable));
}

/* ---- downloading one */

static void
start_rom_download (UbRecoveryFirmwarePage *self, UbUpdateRom *rom)
{
  g_auto(GStrv) urls = ub_update_rom_dup_urls (rom, (const char * const *) self->mirrors);
  /* TRANSLATORS: %s is a ROM version ("OS1.0.5.0.UMQMIXM") */
  g_autofree char *description =
    g_strdup_printf (_("Version %s, from Xiaomi’s servers. It is checked against its MD5 before it is used."),
                     ub_update_rom_get_version (rom));
  gtk_widget_set_visible (GTK_WIDGET (self->download_panel), TRUE);
  reveal (GTK_WIDGET (self->download_panel));
  ub_download_panel_start_urls (self->download_panel, (const char * const *) urls, ub_update_rom_get_md5 (rom), 0,
                                _("Downloading the Official Firmware"), description);
}

static void
demo_mirror_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  const char *mirror = ub_emu_demo_get_mirror_url (task_data, &error);

  if (mirror == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (mirror), g_free);
}

static void
demo_mirror_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UbRecoveryFirmwarePage *self = UB_RECOVERY_FIRMWARE_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *mirror = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(UbUpdateRom) rom = g_steal_pointer (&self->waiting_rom);

  if (self->rom_list == NULL)
    return;   /* disposed meanwhile */
  if (mirror == NULL)
    {
      set_list_status (self, FALSE, error->message, FALSE);
      return;
    }
  if (self->mirrors == NULL)
    {
      const char *mirrors[2] = { mirror, NULL };
      self->mirrors = g_strdupv ((char **) mirrors);
    }
  if (rom != NULL)
    start_rom_download (self, rom);
}

void
ub_recovery_firmware_page_download (UbRecoveryFirmwarePage *self, UbUpdateRom *rom)
{
  g_return_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self));
  g_return_if_fail (UB_IS_UPDATE_ROM (rom));
  if (ub_download_panel_get_busy (self->download_panel) || self->waiting_rom != NULL)
    return;
  reset_check (self);
  if (self->mirrors == NULL && self->demo != NULL)
    {
      /* the demo's mirror starts on first use (it packs the demo ROMs: seconds) */
      g_autoptr(GTask) task = g_task_new (self, NULL, demo_mirror_done, NULL);

      self->waiting_rom = g_object_ref (rom);
      g_task_set_source_tag (task, ub_recovery_firmware_page_download);
      g_task_set_task_data (task, g_object_ref (self->demo), g_object_unref);
      g_task_run_in_thread (task, demo_mirror_thread);
      return;
    }
  if (self->mirrors == NULL)
    self->mirrors = ub_rom_catalog_dup_default_mirrors ();
  start_rom_download (self, rom);
}

static void
on_rom_download_clicked (GtkButton *button, UbRecoveryFirmwarePage *self)
{
  ub_recovery_firmware_page_download (self, g_object_get_data (G_OBJECT (button), "rom"));
}

/* A download checked against an MD5 hashed the file already: not read again. */
static void
on_downloaded (UbRecoveryFirmwarePage *self, const char *path)
{
  g_autofree char *md5 = g_strdup (ub_download_panel_get_md5 (self->download_panel));

  ub_download_panel_forget_release (self->download_panel);
  gtk_widget_set_visible (GTK_WIDGET (self->download_panel), FALSE);
  if (md5 == NULL)
    {
      ub_recovery_firmware_page_open (self, path);
      return;
    }
  show_file (self, path);
  reveal (GTK_WIDGET (self->check_group));
  self->md5 = g_steal_pointer (&md5);
  start_approve (self);
}

static void
on_download_busy (UbRecoveryFirmwarePage *self)
{
  gboolean busy = ub_download_panel_get_busy (self->download_panel);

  gtk_widget_set_sensitive (GTK_WIDGET (self->rom_list), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->file_button), !busy);
  /* a stopped or failed download keeps its message in view */
  if (!busy && ub_download_panel_get_error (self->download_panel) == NULL &&
      self->path == NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->download_panel), FALSE);
}

/* ---- the buttons */

static void
chosen (GFile *file, gpointer user_data)
{
  g_autoptr(UbRecoveryFirmwarePage) self = user_data;
  g_autofree char *path = NULL;

  if (file == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      set_list_status (self, FALSE, _("This file is not on this computer. Download it first, then select it."),
                       FALSE);
      return;
    }
  ub_recovery_firmware_page_open (self, path);
}

/* A .zip dragged onto the page is checked like a chosen one, unless a file is
 * being checked or downloaded. */
static gboolean
on_drop (GFile *file, gpointer user_data)
{
  UbRecoveryFirmwarePage *self = user_data;

  if (!gtk_widget_is_sensitive (GTK_WIDGET (self->file_button)))
    return FALSE;
  chosen (file, g_object_ref (self));
  return TRUE;
}

static void
on_file_clicked (UbRecoveryFirmwarePage *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Recovery ROMs (.zip)"));
  gtk_file_filter_add_pattern (filter, "*.zip");
  gtk_file_filter_add_pattern (filter, "*.ZIP");
  ub_choose_file (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), UB_CHOOSE_OPEN_FILE,
                  _("Select the Recovery ROM"), _("_Select"), NULL, filter, chosen, g_object_ref (self));
}

static void
on_list_retry_clicked (UbRecoveryFirmwarePage *self)
{
  ub_recovery_firmware_page_refresh (self);
}

static void
on_check_again_clicked (UbRecoveryFirmwarePage *self)
{
  g_autofree char *path = g_strdup (self->path);

  if (path == NULL)
    return;
  if (self->md5 != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->check_again_button), FALSE);
      set_message (self, NULL);
      start_approve (self);
    }
  else
    ub_recovery_firmware_page_open (self, path);
}

static void
on_wipe_clicked (UbRecoveryFirmwarePage *self)
{
  g_signal_emit (self, signals[FACTORY_RESET], 0);
}

static void
on_next_clicked (UbRecoveryFirmwarePage *self)
{
  if (self->approval != NULL)
    g_signal_emit (self, signals[CONTINUE], 0);
}

/* ---- the rest of the API */

void
ub_recovery_firmware_page_set_phone (UbRecoveryFirmwarePage *self,
                                     const char             *address,
                                     UbRecoveryInfo         *info)
{
  g_return_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self));
  g_return_if_fail (UB_IS_RECOVERY_INFO (info));

  g_free (self->address);
  self->address = g_strdup (address);
  g_set_object (&self->info, info);
  /* addresses are read again for each phone (settings, environment) */
  g_clear_object (&self->server);
  ub_download_panel_stop (self->download_panel);
  reset_check (self);
  show_phone (self);
  ub_recovery_firmware_page_refresh (self);
}

void
ub_recovery_firmware_page_set_demo (UbRecoveryFirmwarePage *self, UbEmuDemo *demo)
{
  g_return_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self));
  g_set_object (&self->demo, demo);
  g_clear_object (&self->server);
}

GPtrArray *
ub_recovery_firmware_page_get_roms (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), NULL);
  return self->roms;
}

GtkWidget *
ub_recovery_firmware_page_get_download_panel (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), NULL);
  return GTK_WIDGET (self->download_panel);
}

gboolean
ub_recovery_firmware_page_get_busy (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), FALSE);
  return self->list_cancellable != NULL || self->check_cancellable != NULL || self->waiting_rom != NULL ||
         ub_download_panel_get_busy (self->download_panel);
}

const char *
ub_recovery_firmware_page_get_address (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), NULL);
  return self->address;
}

UbRecoveryInfo *
ub_recovery_firmware_page_get_info (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), NULL);
  return self->info;
}

const char *
ub_recovery_firmware_page_get_path (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), NULL);
  return self->path;
}

UbRomApproval *
ub_recovery_firmware_page_get_approval (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), NULL);
  return self->approval;
}

const char *
ub_recovery_firmware_page_get_message (UbRecoveryFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_FIRMWARE_PAGE (self), NULL);
  if (self->message != NULL)
    return self->message;
  if (gtk_widget_get_visible (GTK_WIDGET (self->list_status_box)) &&
      !gtk_widget_get_visible (GTK_WIDGET (self->list_spinner)))
    return gtk_label_get_text (self->list_status_label);
  return NULL;
}

static void
ub_recovery_firmware_page_dispose (GObject *object)
{
  UbRecoveryFirmwarePage *self = UB_RECOVERY_FIRMWARE_PAGE (object);

  if (self->list_cancellable != NULL)
    g_cancellable_cancel (self->list_cancellable);
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  drop_hashing (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_RECOVERY_FIRMWARE_PAGE);
  g_clear_object (&self->list_cancellable);
  g_clear_object (&self->check_cancellable);
  g_clear_object (&self->info);
  g_clear_object (&self->demo);
  g_clear_object (&self->server);
  g_clear_object (&self->approval);
  g_clear_object (&self->waiting_rom);
  g_clear_pointer (&self->roms, g_ptr_array_unref);
  g_clear_pointer (&self->mirrors, g_strfreev);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->md5, g_free);
  g_clear_pointer (&self->message, g_free);
  G_OBJECT_CLASS (ub_recovery_firmware_page_parent_class)->dispose (object);
}

static void
ub_recovery_firmware_page_class_init (UbRecoveryFirmwarePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_recovery_firmware_page_dispose;

  g_type_ensure (UB_TYPE_DOWNLOAD_PANEL);
  signals[CONTINUE] = g_signal_new ("continue", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[FACTORY_RESET] = g_signal_new ("factory-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/unbrick/Unbrick/ub-recovery-firmware-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, scroll);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, clamp);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, model_row);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, list_status_box);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, list_spinner);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, list_status_label);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, list_retry_button);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, rom_list);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, file_button);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, download_panel);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, check_group);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, file_row);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, check_progress_box);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, check_progress_bar);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, check_progress_label);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, status_row);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, check_again_button);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, wipe_button);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryFirmwarePage, next_button);
  gtk_widget_class_bind_template_callback (widget_class, on_file_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_downloaded);
  gtk_widget_class_bind_template_callback (widget_class, on_list_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_check_again_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_wipe_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_next_clicked);
}

static void
ub_recovery_firmware_page_init (UbRecoveryFirmwarePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->roms = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect_swapped (self->download_panel, "notify::busy", G_CALLBACK (on_download_busy), self);
  ub_file_drop_attach (GTK_WIDGET (self), on_drop, self);
}

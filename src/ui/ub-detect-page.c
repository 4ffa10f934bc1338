/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ub-detect-page.h"
#include "ub-mnemonic.h"

struct _UbDetectPage
{
  GtkBox           parent_instance;

  AdwPreferencesGroup *phones_group;
  GtkListBox      *phone_list;
  AdwPreferencesGroup *permission_group;
  GtkLabel        *rule_label;
  GtkButton       *install_rule_button;
  AdwActionRow    *fastboot_row;
  GtkLabel        *status_label;
  GtkButton       *continue_button;

  GListStore      *phones;       /* of UbPhone */
  GHashTable      *unticked;     /* addresses */
  char            *chosen;       /* address of a phone chosen alone, or NULL */
  UbDeviceMonitor *monitor;
  char            *rule_command;
  gboolean         paused;       /* no probing: a phone is being flashed */
  GHashTable      *to_probe;     /* UbPhone set, probed when unpaused */
};

G_DEFINE_FINAL_TYPE (UbDetectPage, ub_detect_page, GTK_TYPE_BOX)

enum { CONTINUE, N_SIGNALS };
static guint signals[N_SIGNALS];

static guint
count_usable (UbDetectPage *self)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->phones)); i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (G_LIST_MODEL (self->phones), i);
      n += ub_phone_get_usable (phone);
    }
  return n;
}

/* A phone in Mi Assistant mode, or a locked fastboot phone (on its way
 * there): it goes on alone, never with fastboot phones or another one. */
static gboolean
goes_alone (UbPhone *phone)
{
  return ub_phone_get_recovery_info (phone) != NULL || ub_phone_get_locked (phone);
}

/*
 * Fastboot phones that can be flashed are ticked unless unticked. A phone
 * that goes alone is selected when the person ticked it (self->chosen), or,
 * when no fastboot phone is selected and every phone has answered, the first
 * such phone not unticked.
 */
GPtrArray *
ub_detect_page_get_selected (UbDetectPage *self)
{
  GPtrArray *selected = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *phones;
  guint n;
  gboolean probing = FALSE;

  g_return_val_if_fail (UB_IS_DETECT_PAGE (self), selected);
  phones = G_LIST_MODEL (self->phones);
  n = g_list_model_get_n_items (phones);
  for (guint i = 0; i < n && self->chosen != NULL; i++)
    {
      UbPhone *phone = g_list_model_get_item (phones, i);

      if (g_strcmp0 (ub_phone_get_address (phone), self->chosen) == 0 &&
          ub_phone_get_usable (phone) && goes_alone (phone))
        {
          g_ptr_array_add (selected, phone);
          return selected;
        }
      g_object_unref (phone);
    }
  for (guint i = 0; i < n; i++)
    {
      UbPhone *phone = g_list_model_get_item (phones, i);

      probing |= ub_phone_get_probing (phone);
      if (ub_phone_get_usable (phone) && !goes_alone (phone) &&
          !g_hash_table_contains (self->unticked, ub_phone_get_address (phone)))
        g_ptr_array_add (selected, phone);
      else
        g_object_unref (phone);
    }
  if (selected->len > 0 || probing)
    return selected;
  for (guint i = 0; i < n; i++)
    {
      UbPhone *phone = g_list_model_get_item (phones, i);

      if (ub_phone_get_usable (phone) && goes_alone (phone) &&
          !g_hash_table_contains (self->unticked, ub_phone_get_address (phone)))
        {
          g_ptr_array_add (selected, phone);
          break;
        }
      g_object_unref (phone);
    }
  return selected;
}

GListModel *
ub_detect_page_get_phones (UbDetectPage *self)
{
  g_return_val_if_fail (UB_IS_DETECT_PAGE (self), NULL);
  return G_LIST_MODEL (self->phones);
}

static void
update_status (UbDetectPage *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->phones));
  guint n_usable = count_usable (self);
  g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (self);
  gboolean permission = FALSE;
  gboolean probing = FALSE;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (G_LIST_MODEL (self->phones), i);
      UbUsbDeviceInfo *device = ub_phone_get_device (phone);

      if (device != NULL && ub_usb_device_info_get_problem (device) == UB_USB_ACCESS_PERMISSION)
        permission = TRUE;
      probing |= ub_phone_get_probing (phone);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->permission_group), permission);

  /* the tick boxes show on every usable row once a second phone is usable,
   * ticked as the selection is */
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->phone_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "check");
      UbPhone *phone = g_object_get_data (G_OBJECT (row), "phone");
      gboolean active;
      guint index;

      if (check == NULL || phone == NULL)
        continue;
      gtk_widget_set_visible (check, n_usable > 1 && ub_phone_get_usable (phone));
      active = g_ptr_array_find (selected, phone, &index);
      g_signal_handlers_block_matched (check, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), active);
      g_signal_handlers_unblock_matched (check, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
    }

  if (n_items == 0)
    gtk_label_set_text (self->status_label, _("Waiting for a phone in fastboot mode…"));
  else if (n_usable == 0 && probing)
    gtk_label_set_text (self->status_label, _("Asking the phone about itself…"));
  else if (n_usable == 0)
    gtk_label_set_text (self->status_label,
                        _("No phone is ready to flash yet. See what to do next to the device above."));
  else if (selected->len == 0)
    gtk_label_set_text (self->status_label, _("Tick the phones you want to flash."));
  else if (ub_phone_get_recovery_info (g_ptr_array_index (selected, 0)) != NULL)
    gtk_label_set_text (self->status_label,
                        _("The phone is in Mi Assistant mode: its official system can be reinstalled."));
  else if (ub_phone_get_locked (g_ptr_array_index (selected, 0)))
    gtk_label_set_text (self->status_label,
                        _("This phone is locked: Continue shows how to reinstall its system through Xiaomi’s recovery."));
  else
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u phone is ready.", "%u phones are ready.",
                                      selected->len),
                         selected->len);
      gtk_label_set_text (self->status_label, text);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), selected->len > 0);
  if (selected->len > 1)
    {
      g_autofree char *label =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "_Continue with %u Phone", "_Continue with %u Phones",
                                      selected->len),
                         selected->len);
      ub_mnemonic_button_set_label (self->continue_button, label);
    }
  else
    ub_mnemonic_button_set_label (self->continue_button, _("_Continue"));
}

static void
on_tick_toggled (GtkCheckButton *check, UbDetectPage *self)
{
  UbPhone *phone = g_object_get_data (G_OBJECT (check), "phone");

  ub_detect_page_set_selected (self, phone, gtk_check_button_get_active (check));
}

void
ub_detect_page_set_selected (UbDetectPage *self, UbPhone *phone, gboolean selected)
{
  const char *address = ub_phone_get_address (phone);

  g_return_if_fail (UB_IS_DETECT_PAGE (self));
  if (selected)
    {
      g_hash_table_remove (self->unticked, address);
      /* one phone that goes alone, or fastboot phones together */
      g_free (self->chosen);
      self->chosen = goes_alone (phone) ? g_strdup (address) : NULL;
    }
  else
    {
      g_hash_table_add (self->unticked, g_strdup (address));
      if (g_strcmp0 (self->chosen, address) == 0)
        g_clear_pointer (&self->chosen, g_free);
    }
  update_status (self);
}

static void
update_row (UbPhone *phone, GParamSpec *pspec, AdwActionRow *row)
{
  UbDetectPage *self = g_object_get_data (G_OBJECT (row), "page");
  GtkWidget *check = g_object_get_data (G_OBJECT (row), "check");
  GtkWidget *spinner = g_object_get_data (G_OBJECT (row), "spinner");
  GtkWidget *icon = g_object_get_data (G_OBJECT (row), "icon");
  g_autofree char *title = ub_phone_dup_title (phone);
  g_autofree char *summary = ub_phone_dup_summary (phone);
  g_autofree char *diagnosis = ub_phone_dup_diagnosis (phone);
  g_autofree char *subtitle = NULL;
  gboolean usable = ub_phone_get_usable (phone);

  if (diagnosis != NULL && *summary != '\0')
    subtitle = g_strdup_printf ("%s\n%s", summary, diagnosis);
  else
    subtitle = g_strdup (diagnosis != NULL ? diagnosis : summary);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  gtk_widget_set_visible (spinner, ub_phone_get_probing (phone));
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), ub_phone_get_probing (phone));
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  goes_alone (phone) ? _("Choose this phone") : _("Flash this phone"), -1);
  gtk_widget_set_visible (icon, !ub_phone_get_probing (phone));
  gtk_image_set_from_icon_name (GTK_IMAGE (icon),
                                usable ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  gtk_widget_remove_css_class (icon, usable ? "warning" : "success");
  gtk_widget_add_css_class (icon, usable ? "success" : "warning");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  usable ? _("Ready") : _("Not ready"), -1);
  /* at the row's creation the store's items-changed runs update_status */
  if (pspec != NULL)
    update_status (self);
}

static GtkWidget *
create_row (gpointer item, gpointer user_data)
{
  UbDetectPage *self = user_data;
  UbPhone *phone = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *icon = gtk_image_new ();

  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spinner);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);

  g_object_set_data (G_OBJECT (row), "page", self);
  g_object_set_data (G_OBJECT (row), "check", check);
  g_object_set_data (G_OBJECT (row), "spinner", spinner);
  g_object_set_data (G_OBJECT (row), "icon", icon);
  g_object_set_data_full (G_OBJECT (row), "phone", g_object_ref (phone), g_object_unref);
  g_object_set_data_full (G_OBJECT (check), "phone", g_object_ref (phone), g_object_unref);

  update_row (phone, NULL, ADW_ACTION_ROW (row));
  g_signal_connect (check, "toggled", G_CALLBACK (on_tick_toggled), self);
  g_signal_connect_object (phone, "notify", G_CALLBACK (update_row), row, 0);
  return row;
}

static gboolean
find_phone (UbDetectPage *self, const char *address, guint *position)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->phones)); i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (G_LIST_MODEL (self->phones), i);

      if (g_strcmp0 (ub_phone_get_address (phone), address) == 0)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Asking a phone about itself opens it: never while another connection
 * (a flash job reconnecting after a reboot) may need it. */
static void
probe (UbDetectPage *self, UbPhone *phone)
{
  if (self->paused)
    g_hash_table_add (self->to_probe, g_object_ref (phone));
  else
    ub_phone_probe (phone);
}

void
ub_detect_page_set_paused (UbDetectPage *self, gboolean paused)
{
  GHashTableIter iter;
  gpointer phone;

  g_return_if_fail (UB_IS_DETECT_PAGE (self));
  self->paused = paused;
  if (paused)
    return;
  g_hash_table_iter_init (&iter, self->to_probe);
  while (g_hash_table_iter_next (&iter, &phone, NULL))
    {
      guint position;

      /* only those still connected */
      if (find_phone (self, ub_phone_get_address (phone), &position))
        {
          g_autoptr(UbPhone) listed = g_list_model_get_item (G_LIST_MODEL (self->phones), position);
          if (listed == phone)
            ub_phone_probe (phone);
        }
    }
  g_hash_table_remove_all (self->to_probe);
}

static void
sync_with_monitor (UbDetectPage *self)
{
  GListModel *devices = ub_device_monitor_get_devices (self->monitor);
  guint n = g_list_model_get_n_items (devices);

  /* drop USB phones that left */
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->phones)); i > 0; i--)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (G_LIST_MODEL (self->phones), i - 1);
      gboolean present = FALSE;

      if (ub_phone_get_device (phone) == NULL)
        continue;
      for (guint j = 0; j < n && !present; j++)
        {
          g_autoptr(UbUsbDeviceInfo) device = g_list_model_get_item (devices, j);
          present = g_strcmp0 (ub_usb_device_info_get_path (device), ub_phone_get_address (phone)) == 0;
        }
      if (!present)
        g_list_store_remove (self->phones, i - 1);
    }

  for (guint j = 0; j < n; j++)
    {
      g_autoptr(UbUsbDeviceInfo) device = g_list_model_get_item (devices, j);
      guint position;

      if (find_phone (self, ub_usb_device_info_get_path (device), &position))
        {
          g_autoptr(UbPhone) phone = g_list_model_get_item (G_LIST_MODEL (self->phones), position);

          if (ub_phone_get_device (phone) != device)
            {
              ub_phone_set_device (phone, device);
              probe (self, phone);
            }
        }
      else
        {
          g_autoptr(UbPhone) phone = ub_phone_new_for_usb (device);

          g_list_store_append (self->phones, phone);
          probe (self, phone);
        }
    }
  update_status (self);
}

void
ub_detect_page_set_monitor (UbDetectPage *self, UbDeviceMonitor *monitor)
{
  g_return_if_fail (UB_IS_DETECT_PAGE (self));
  g_set_object (&self->monitor, monitor);
  g_signal_connect_object (ub_device_monitor_get_devices (monitor), "items-changed",
                           G_CALLBACK (sync_with_monitor), self, G_CONNECT_SWAPPED);
  sync_with_monitor (self);
}

void
ub_detect_page_add_phone (UbDetectPage *self, UbPhone *phone)
{
  g_return_if_fail (UB_IS_DETECT_PAGE (self));
  g_list_store_append (self->phones, phone);
  probe (self, phone);
  update_status (self);
}

void
ub_detect_page_remove_phone (UbDetectPage *self, const char *address)
{
  guint position;

  g_return_if_fail (UB_IS_DETECT_PAGE (self));
  if (find_phone (self, address, &position))
    g_list_store_remove (self->phones, position);
  update_status (self);
}

void
ub_detect_page_refresh (UbDetectPage *self)
{
  g_return_if_fail (UB_IS_DETECT_PAGE (self));
  if (self->monitor != NULL)
    ub_device_monitor_refresh (self->monitor);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->phones)); i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (G_LIST_MODEL (self->phones), i);
      probe (self, phone);
    }
  update_status (self);
}

static void
on_refresh_clicked (UbDetectPage *self)
{
  ub_detect_page_refresh (self);
}

static void
on_continue_clicked (UbDetectPage *self)
{
  g_signal_emit (self, signals[CONTINUE], 0);
}

static void
on_copy_rule_clicked (UbDetectPage *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->rule_command);
}

/*
 * On a host install (not inside Flatpak, whose sandbox cannot touch the
 * host's udev), pkexec can install the rule after asking for the password:
 * the only program Unbrick ever starts, and only when the person asks.
 * UNBRICK_PKEXEC replaces pkexec in tests.
 */
static char *
find_pkexec (void)
{
  const char *override = g_getenv ("UNBRICK_PKEXEC");

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return NULL;
  if (override != NULL)
    return g_strdup (override);
  return g_find_program_in_path ("pkexec");
}

static void
installed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(UbDetectPage) self = user_data;
  g_autoptr(GError) error = NULL;
  char *rule_path = g_object_get_data (source, "rule-path");
  AdwMessageDialog *dialog;
  gboolean ok = g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &error);

  g_unlink (rule_path);
  gtk_widget_set_sensitive (GTK_WIDGET (self->install_rule_button), TRUE);
  if (ok)
    dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                         _("The Rule Is Installed"),
                                                         _("Unplug the phone and plug it in again: it then appears here, ready.")));
  else
    {
      g_autofree char *body =
        g_strdup_printf (_("The rule was not installed (%s). You can still copy the command and run it in a terminal."),
                         error->message);
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                           _("The Rule Was Not Installed"), body));
    }
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  ub_mnemonic_dialog_present (dialog);
  ub_detect_page_refresh (self);
}

static void
install_response (AdwMessageDialog *dialog, const char *response, UbDetectPage *self)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *pkexec = NULL;
  g_autofree char *rule_path = NULL;
  int fd;

  if (g_strcmp0 (response, "install") != 0)
    return;
  pkexec = find_pkexec ();
  bytes = g_resources_lookup_data ("/io/github/unbrick/Unbrick/70-unbrick.rules", 0, NULL);
  fd = g_file_open_tmp ("unbrick-rule-XXXXXX.rules", &rule_path, &error);
  if (pkexec == NULL || bytes == NULL || fd < 0)
    return;
  close (fd);
  if (!g_file_set_contents_full (rule_path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 G_FILE_SET_CONTENTS_NONE, 0644, &error))
    return;
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, pkexec,
                              "install", "-m", "0644", rule_path, "/etc/udev/rules.d/70-unbrick.rules", NULL);
  if (process == NULL)
    {
      g_unlink (rule_path);
      return;
    }
  g_object_set_data_full (G_OBJECT (process), "rule-path", g_steal_pointer (&rule_path), g_free);
  gtk_widget_set_sensitive (GTK_WIDGET (self->install_rule_button), FALSE);
  g_subprocess_wait_check_async (process, NULL, installed, g_object_ref (self));
}

static void
on_install_rule_clicked (UbDetectPage *self)
{
  AdwMessageDialog *dialog =
    ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                _("Install the USB Rule?"),
                                                _("Unbrick adds the file /etc/udev/rules.d/70-unbrick.rules, which lets the person at this computer use phones in fastboot mode. Your password is asked for once.")));

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "install", _("_Install"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "install", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "install");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (install_response), self);
  ub_mnemonic_dialog_present (dialog);
}

static char *
build_rule_command (void)
{
  g_autoptr(GBytes) bytes =
    g_resources_lookup_data ("/io/github/unbrick/Unbrick/70-unbrick.rules", 0, NULL);
  g_autoptr(GString) command = g_string_new ("printf '%s\\n'");
  g_auto(GStrv) lines = NULL;

  if (bytes == NULL)
    return g_strdup ("");
  lines = g_strsplit (g_bytes_get_data (bytes, NULL), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '#' && lines[i][0] != '\0')
      g_string_append_printf (command, " '%s'", lines[i]);
  g_string_append (command, " | sudo tee /etc/udev/rules.d/70-unbrick.rules"
                   " && sudo udevadm control --reload-rules && sudo udevadm trigger");
  return g_string_free (g_steal_pointer (&command), FALSE);
}

static void
ub_detect_page_dispose (GObject *object)
{
  UbDetectPage *self = UB_DETECT_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_DETECT_PAGE);
  g_clear_object (&self->monitor);
  g_clear_object (&self->phones);
  g_clear_pointer (&self->unticked, g_hash_table_unref);
  g_clear_pointer (&self->chosen, g_free);
  g_clear_pointer (&self->to_probe, g_hash_table_unref);
  g_clear_pointer (&self->rule_command, g_free);
  G_OBJECT_CLASS (ub_detect_page_parent_class)->dispose (object);
}

static void
ub_detect_page_class_init (UbDetectPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_detect_page_dispose;

  signals[CONTINUE] = g_signal_new ("continue", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-detect-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, phones_group);
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, phone_list);
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, permission_group);
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, rule_label);
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, install_rule_button);
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, fastboot_row);
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, UbDetectPage, continue_button);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_rule_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_install_rule_clicked);
}

/* A small picture of what a Xiaomi phone shows in fastboot mode: a dark
 * screen with FASTBOOT in orange at the bottom (the row's text says it too). */
static void
draw_fastboot_screen (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  double w = MIN (width, height * 0.5), h = w * 2, x = (width - w) / 2, y = (height - h) / 2;
  double r = w * 0.12;
  cairo_text_extents_t extents;

  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_set_source_rgb (cr, 0.24, 0.24, 0.26);
  cairo_fill (cr);
  cairo_rectangle (cr, x + w * 0.07, y + w * 0.1, w * 0.86, h - w * 0.2);
  cairo_set_source_rgb (cr, 0.02, 0.02, 0.03);
  cairo_fill (cr);

  /* the mascot: a round head with two antennae, just a hint */
  cairo_set_source_rgb (cr, 0.55, 0.75, 0.95);
  cairo_arc (cr, x + w / 2, y + h * 0.42, w * 0.16, 0, 2 * G_PI);
  cairo_fill (cr);

  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, w * 0.16);
  cairo_text_extents (cr, "FASTBOOT", &extents);
  cairo_move_to (cr, x + (w - extents.width) / 2 - extents.x_bearing, y + h * 0.78);
  cairo_set_source_rgb (cr, 0.98, 0.45, 0.1);
  cairo_show_text (cr, "FASTBOOT");
}

static GtkWidget *
create_placeholder (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *label = gtk_label_new (_("No phone found yet"));

  /* spin only while shown: a spinning spinner keeps the window validating
   * its styles every frame even when the page is hidden */
  g_signal_connect (spinner, "map", G_CALLBACK (gtk_spinner_start), NULL);
  g_signal_connect (spinner, "unmap", G_CALLBACK (gtk_spinner_stop), NULL);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), spinner);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_add_css_class (label, "dim-label");
  return box;
}

static void
ub_detect_page_init (UbDetectPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->phones = g_list_store_new (UB_TYPE_PHONE);
  self->unticked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->to_probe = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->rule_command = build_rule_command ();
  gtk_label_set_text (self->rule_label, self->rule_command);
  {
    g_autofree char *pkexec = find_pkexec ();
    gtk_widget_set_visible (GTK_WIDGET (self->install_rule_button), pkexec != NULL);
  }
  gtk_list_box_set_placeholder (self->phone_list, create_placeholder ());
  {
    /* decorative: the row's text says the same */
    GtkWidget *picture = g_object_new (GTK_TYPE_DRAWING_AREA,
                                       "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL);

    gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (picture), 56);
    gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (picture), 112);
    gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (picture), draw_fastboot_screen, NULL, NULL);
    gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
    gtk_widget_set_margin_top (picture, 6);
    gtk_widget_set_margin_bottom (picture, 6);
    adw_action_row_add_suffix (self->fastboot_row, picture);
  }
  gtk_list_box_bind_model (self->phone_list, G_LIST_MODEL (self->phones), create_row, self, NULL);
  g_signal_connect_object (self->phones, "items-changed", G_CALLBACK (update_status), self,
                           G_CONNECT_SWAPPED);
  update_status (self);
}

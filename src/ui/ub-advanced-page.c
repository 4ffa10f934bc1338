/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-advanced-page.h"
#include "ub-fastboot-client.h"
#include "ub-file-chooser.h"
#include "ub-mnemonic.h"
#include "ub-progress.h"
#include "ub-sparse-image.h"

struct _UbAdvancedPage
{
  GtkBox           parent_instance;

  AdwActionRow    *phone_row;
  AdwEntryRow     *partition_row;
  AdwActionRow    *image_row;
  GtkButton       *image_button;
  GtkProgressBar  *progress_bar;
  GtkLabel        *status_label;
  GtkButton       *flash_button;
  GtkBox          *reboot_box;

  UbPhone         *phone;
  char            *image;
  GCancellable    *cancellable;
  UbProgress      *progress;      /* the running request's; the thread sets it */
};

G_DEFINE_FINAL_TYPE (UbAdvancedPage, ub_advanced_page, GTK_TYPE_BOX)

typedef struct {
  char *address;
  char *partition;   /* NULL for a reboot */
  char *image;
  char *target;
  UbProgress *progress;
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->progress);
  g_free (request->address);
  g_free (request->partition);
  g_free (request->image);
  g_free (request->target);
  g_free (request);
}

static gboolean
valid_partition_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

static void
update_sensitivity (UbAdvancedPage *self)
{
  gboolean busy = self->cancellable != NULL;
  gboolean have_phone = self->phone != NULL;
  const char *partition = gtk_editable_get_text (GTK_EDITABLE (self->partition_row));

  gtk_widget_set_sensitive (GTK_WIDGET (self->flash_button),
                            !busy && have_phone && self->image != NULL && valid_partition_name (partition));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "advanced.reboot", !busy && have_phone);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
}

static void
set_status (UbAdvancedPage *self, const char *text)
{
  gtk_label_set_text (self->status_label, text);
}

void
ub_advanced_page_set_phone (UbAdvancedPage *self, UbPhone *phone)
{
  g_return_if_fail (UB_IS_ADVANCED_PAGE (self));
  g_set_object (&self->phone, phone);
  if (phone != NULL)
    {
      g_autofree char *title = ub_phone_dup_title (phone);
      g_autofree char *summary = ub_phone_dup_summary (phone);
      g_autofree char *text = g_strdup_printf ("%s\n%s", title, summary);
      adw_action_row_set_subtitle (self->phone_row, text);
    }
  else
    adw_action_row_set_subtitle (self->phone_row, _("No phone in fastboot mode is connected."));
  update_sensitivity (self);
}

void
ub_advanced_page_set_image (UbAdvancedPage *self, const char *path)
{
  g_return_if_fail (UB_IS_ADVANCED_PAGE (self));
  g_free (self->image);
  self->image = g_strdup (path);
  adw_action_row_set_subtitle (self->image_row, path != NULL ? path : _("None selected"));
  update_sensitivity (self);
}

void
ub_advanced_page_set_partition (UbAdvancedPage *self, const char *partition)
{
  g_return_if_fail (UB_IS_ADVANCED_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->partition_row), partition);
  update_sensitivity (self);
}

static void
flash_progress (const UbFastbootProgress *progress, gpointer user_data)
{
  UbProgress *sent = user_data;

  ub_progress_set_bytes_total (sent, progress->total);
  ub_progress_set_bytes_done (sent, progress->done);
}

static gboolean
flash_one (UbFastbootClient *client, Request *request,
           GCancellable *cancellable, GError **error)
{
  g_autofree char *unlocked = NULL;
  g_autofree char *resolved = NULL;
  g_autofree char *size_var = NULL;
  g_autofree char *size_text = NULL;
  g_autoptr(UbSparseImage) image = NULL;
  guint64 partition_size = 0;

  unlocked = ub_fastboot_client_getvar (client, "unlocked", cancellable, NULL);
  if (g_strcmp0 (unlocked, "no") == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("The bootloader is locked, so the phone refuses single images. Unlock it with Xiaomi’s unlock tool first."));
      return FALSE;
    }
  resolved = ub_fastboot_client_resolve_partition (client, request->partition, cancellable, error);
  if (resolved == NULL)
    return FALSE;
  size_var = g_strdup_printf ("partition-size:%s", resolved);
  size_text = ub_fastboot_client_getvar (client, size_var, cancellable, NULL);
  if (size_text == NULL && g_strcmp0 (resolved, request->partition) == 0)
    {
      /* ABL answers has-slot only for a few partitions, and adds the slot
       * itself to a name without one when flashing */
      g_autofree char *slot = ub_fastboot_client_getvar (client, "current-slot", cancellable, NULL);

      if (slot != NULL && *slot != '\0')
        {
          g_autofree char *slotted = g_strdup_printf ("%s_%s", request->partition, slot);
          g_free (size_var);
          size_var = g_strdup_printf ("partition-size:%s", slotted);
          size_text = ub_fastboot_client_getvar (client, size_var, cancellable, NULL);
          if (size_text != NULL)
            {
              g_free (resolved);
              resolved = g_steal_pointer (&slotted);
            }
        }
    }
  if (size_text != NULL)
    g_strstrip (size_text);
  if (size_text != NULL)
    {
      char *end = NULL;
      partition_size = g_ascii_strtoull (size_text, &end, 0);   /* "0x8000000" */
      if (end == size_text || *end != '\0')
        partition_size = 0;
    }
  if (partition_size == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The phone has no partition named “%s”. Check the name (for example boot, recovery or vendor_boot)."),
                   request->partition);
      return FALSE;
    }
  image = ub_sparse_image_new_from_path (request->image, error);
  if (image == NULL)
    return FALSE;
  if (ub_sparse_image_get_expanded_size (image) > partition_size)
    {
      g_autofree char *image_size = g_format_size (ub_sparse_image_get_expanded_size (image));
      g_autofree char *part_size = g_format_size (partition_size);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("The image (%s) is larger than the partition %s (%s). It is not meant for this partition or this phone."),
                   image_size, resolved, part_size);
      return FALSE;
    }
  if (!ub_sparse_image_split (image, ub_fastboot_client_get_max_download_size (client, cancellable, NULL),
                              cancellable, error))
    return FALSE;
  return ub_fastboot_client_flash_image (client, resolved, image, flash_progress, request->progress, NULL,
                                         cancellable, error);
}

static void
work_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Request *request = task_data;
  GError *error = NULL;
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_open (request->address, cancellable, &error);
  gboolean ok;

  if (client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (request->partition != NULL)
    ok = flash_one (client, request, cancellable, &error);
  else
    ok = ub_fastboot_client_reboot (client, g_str_equal (request->target, "system") ? NULL : request->target,
                                    cancellable, &error);
  ub_fastboot_client_close (client);
  if (ok)
    ub_progress_finish (request->progress);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_progress_changed (UbProgress *progress, UbAdvancedPage *self)
{
  gtk_progress_bar_set_fraction (self->progress_bar, ub_progress_get_fraction (progress));
}

static void
drop_progress (UbAdvancedPage *self)
{
  if (self->progress != NULL)
    g_signal_handlers_disconnect_by_data (self->progress, self);
  g_clear_object (&self->progress);
}

static void
work_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UbAdvancedPage *self = UB_ADVANCED_PAGE (source);
  Request *request = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->cancellable);
  if (self->progress != NULL)
    on_progress_changed (self->progress, self);
  drop_progress (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    set_status (self, error->message);
  else if (request->partition != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Done: the image was written to %s."), request->partition);
      set_status (self, text);
      if (self->phone != NULL)
        ub_phone_log (self->phone, "%s", text);
    }
  else
    set_status (self, _("The phone is restarting."));
  update_sensitivity (self);
}

static void
run (UbAdvancedPage *self, Request *request)
{
  g_autoptr(GTask) task = NULL;

  self->cancellable = g_cancellable_new ();
  drop_progress (self);
  self->progress = ub_progress_new ();
  g_signal_connect (self->progress, "changed", G_CALLBACK (on_progress_changed), self);
  request->progress = g_object_ref (self->progress);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  task = g_task_new (self, self->cancellable, work_done, NULL);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  g_task_set_source_tag (task, run);
  update_sensitivity (self);
  g_task_run_in_thread (task, work_thread);
}

void
ub_advanced_page_flash (UbAdvancedPage *self)
{
  Request *request;
  const char *partition;

  g_return_if_fail (UB_IS_ADVANCED_PAGE (self));
  partition = gtk_editable_get_text (GTK_EDITABLE (self->partition_row));
  if (self->phone == NULL || self->image == NULL || self->cancellable != NULL ||
      !valid_partition_name (partition))
    return;
  request = g_new0 (Request, 1);
  request->address = g_strdup (ub_phone_get_address (self->phone));
  request->partition = g_strdup (partition);
  request->image = g_strdup (self->image);
  set_status (self, _("Writing the image…"));
  run (self, request);
}

void
ub_advanced_page_reboot (UbAdvancedPage *self, const char *target)
{
  Request *request;

  g_return_if_fail (UB_IS_ADVANCED_PAGE (self));
  if (self->phone == NULL || self->cancellable != NULL)
    return;
  request = g_new0 (Request, 1);
  request->address = g_strdup (ub_phone_get_address (self->phone));
  request->target = g_strdup (target);
  set_status (self, _("Asking the phone to restart…"));
  run (self, request);
}

gboolean
ub_advanced_page_get_busy (UbAdvancedPage *self)
{
  g_return_val_if_fail (UB_IS_ADVANCED_PAGE (self), FALSE);
  return self->cancellable != NULL;
}

const char *
ub_advanced_page_get_status (UbAdvancedPage *self)
{
  g_return_val_if_fail (UB_IS_ADVANCED_PAGE (self), NULL);
  return gtk_label_get_text (self->status_label);
}

double
ub_advanced_page_get_fraction (UbAdvancedPage *self)
{
  g_return_val_if_fail (UB_IS_ADVANCED_PAGE (self), 0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

static void
flash_response (AdwMessageDialog *dialog, const char *response, UbAdvancedPage *self)
{
  if (g_strcmp0 (response, "flash") == 0)
    ub_advanced_page_flash (self);
}

static void
on_flash_clicked (UbAdvancedPage *self)
{
  AdwMessageDialog *dialog;
  g_autofree char *name = g_path_get_basename (self->image);
  g_autofree char *body =
    g_strdup_printf (_("“%s” replaces what is on the partition “%s”. A wrong image can stop the phone from starting."),
                     name, gtk_editable_get_text (GTK_EDITABLE (self->partition_row)));

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       _("Write This Image?"), body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "flash", _("_Write"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "flash", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (flash_response), self);
  ub_mnemonic_dialog_present (dialog);
}

static void
image_chosen (GFile *file, gpointer user_data)
{
  g_autoptr(UbAdvancedPage) self = user_data;
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  if (path != NULL)
    ub_advanced_page_set_image (self, path);
}

static void
on_image_clicked (UbAdvancedPage *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Partition images (.img)"));
  gtk_file_filter_add_pattern (filter, "*.img");
  gtk_file_filter_add_pattern (filter, "*.bin");
  gtk_file_filter_add_pattern (filter, "*.mbn");
  gtk_file_filter_add_pattern (filter, "*.elf");
  ub_choose_file (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), UB_CHOOSE_OPEN_FILE,
                  _("Select the Image"), _("_Select"), NULL, filter, image_chosen, g_object_ref (self));
}

static void
on_input_changed (UbAdvancedPage *self)
{
  update_sensitivity (self);
}

static void
reboot_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  ub_advanced_page_reboot (UB_ADVANCED_PAGE (widget), g_variant_get_string (parameter, NULL));
}

static void
ub_advanced_page_dispose (GObject *object)
{
  UbAdvancedPage *self = UB_ADVANCED_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  drop_progress (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_ADVANCED_PAGE);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->phone);
  g_clear_pointer (&self->image, g_free);
  G_OBJECT_CLASS (ub_advanced_page_parent_class)->dispose (object);
}

static void
ub_advanced_page_class_init (UbAdvancedPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_advanced_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-advanced-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, phone_row);
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, partition_row);
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, image_row);
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, image_button);
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, flash_button);
  gtk_widget_class_bind_template_child (widget_class, UbAdvancedPage, reboot_box);
  gtk_widget_class_bind_template_callback (widget_class, on_flash_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_image_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_input_changed);
  gtk_widget_class_install_action (widget_class, "advanced.reboot", "s", reboot_activated);
}

static void
ub_advanced_page_init (UbAdvancedPage *self)
{
  GtkEditable *text;

  gtk_widget_init_template (GTK_WIDGET (self));
  ub_advanced_page_set_phone (self, NULL);

  /* libadwaita 1.2 leaves the entry row's text field unnamed: name it by the row title */
  text = gtk_editable_get_delegate (GTK_EDITABLE (self->partition_row));
  if (text != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->partition_row)), "_", -1);
      g_autofree char *title = g_strjoinv ("", parts);

      gtk_accessible_update_property (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
    }
}

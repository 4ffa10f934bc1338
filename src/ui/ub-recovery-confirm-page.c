/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-device-names.h"
#include "ub-mnemonic.h"
#include "ub-recovery-confirm-page.h"

struct _UbRecoveryConfirmPage
{
  GtkBox           parent_instance;

  GtkLabel        *title_label;
  GtkLabel        *intro_label;
  AdwPreferencesGroup *install_group;
  AdwActionRow    *data_row;
  GtkImage        *data_icon;
  AdwActionRow    *file_row;
  GtkButton       *install_button;

  UbRecoveryInfo  *info;
  UbRomApproval   *approval;
};

G_DEFINE_FINAL_TYPE (UbRecoveryConfirmPage, ub_recovery_confirm_page, GTK_TYPE_BOX)

enum { INSTALL, WIPE_DATA, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
ub_recovery_confirm_page_dup_phone_title (UbRecoveryInfo *info)
{
  const char *device = info != NULL ? ub_recovery_info_get_device (info) : NULL;

  if (device == NULL || *device == '\0')
    return g_strdup (_("Your phone"));
  return ub_device_names_dup_display (device);
}

/* "Xiaomi HyperOS" for OS… versions, "MIUI" for V… ones. */
static const char *
system_name (const char *version)
{
  if (version != NULL && g_str_has_prefix (version, "OS"))
    return "Xiaomi HyperOS";
  if (version != NULL && version[0] == 'V' && g_ascii_isdigit (version[1]))
    return "MIUI";
  return NULL;
}

static const char *
serial_of (UbRecoveryConfirmPage *self)
{
  const char *serial = self->info != NULL ? ub_recovery_info_get_serial (self->info) : NULL;

  return serial != NULL ? serial : _("unknown");
}

void
ub_recovery_confirm_page_set (UbRecoveryConfirmPage *self,
                              UbRecoveryInfo        *info,
                              const char            *path,
                              UbRomApproval         *approval)
{
  g_autofree char *phone = NULL;
  g_autofree char *title = NULL;
  gboolean erase;

  g_return_if_fail (UB_IS_RECOVERY_CONFIRM_PAGE (self));
  g_return_if_fail (UB_IS_RECOVERY_INFO (info));

  g_set_object (&self->info, info);
  g_set_object (&self->approval, approval);
  phone = ub_recovery_confirm_page_dup_phone_title (info);
  erase = ub_recovery_confirm_page_get_erase (self);

  gtk_widget_set_visible (GTK_WIDGET (self->install_group), approval != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->install_button), approval != NULL);
  if (approval == NULL)
    {
      /* TRANSLATORS: "Erase All Data on Redmi Note 8 (ginkgo)" */
      title = g_strdup_printf (_("Erase All Data on %s"), phone);
      gtk_label_set_text (self->title_label, title);
      gtk_label_set_text (self->intro_label,
                          _("No firmware is approved for this phone. Erasing all data (factory reset) often gets "
                            "a phone that stopped starting after an update to start again."));
      return;
    }
  {
    const char *version = ub_rom_approval_get_version (approval);
    const char *system = system_name (version);
    g_autofree char *name = g_path_get_basename (path);

    if (version != NULL && system != NULL)
      /* TRANSLATORS: "Reinstall Xiaomi HyperOS OS1.0.5.0.UMQMIXM on Redmi Note 10 (mojito)" */
      title = g_strdup_printf (_("Reinstall %s %s on %s"), system, version, phone);
    else if (version != NULL)
      /* TRANSLATORS: "Reinstall V12.5.6.0.RGGMIXM on Redmi Note 8 (ginkgo)" */
      title = g_strdup_printf (_("Reinstall %s on %s"), version, phone);
    else
      title = g_strdup_printf (_("Reinstall the System on %s"), phone);
    gtk_label_set_text (self->title_label, title);
    gtk_label_set_text (self->intro_label,
                        _("The phone installs the official system from its recovery. Keep the cable connected "
                          "the whole time: the phone restarts by itself when it is done."));
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), name);
  }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->data_row),
                                 erase ? _("This install erases all data on the phone")
                                       : _("Your data is kept"));
  adw_action_row_set_subtitle (self->data_row,
                               erase ? _("Xiaomi says this firmware can only be installed by erasing the phone: "
                                         "apps, photos, accounts and settings are deleted.")
                                     : _("Your apps, photos and accounts stay on the phone."));
  gtk_image_set_from_icon_name (self->data_icon, erase ? "dialog-warning-symbolic" : "emblem-ok-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->data_icon), erase ? "success" : "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->data_icon), erase ? "warning" : "success");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->data_icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  erase ? _("Warning") : _("Safe"), -1);
  gtk_widget_remove_css_class (GTK_WIDGET (self->install_button), erase ? "suggested-action" : "destructive-action");
  gtk_widget_add_css_class (GTK_WIDGET (self->install_button), erase ? "destructive-action" : "suggested-action");
  ub_mnemonic_button_set_label (self->install_button, erase ? _("_Install and Erase…") : _("_Install"));
}

gboolean
ub_recovery_confirm_page_get_erase (UbRecoveryConfirmPage *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_CONFIRM_PAGE (self), FALSE);
  return self->approval != NULL && ub_rom_approval_get_erase (self->approval);
}

static void
install_response (AdwMessageDialog *dialog, const char *response, UbRecoveryConfirmPage *self)
{
  if (g_strcmp0 (response, "install") == 0)
    g_signal_emit (self, signals[INSTALL], 0);
}

void
ub_recovery_confirm_page_request_install (UbRecoveryConfirmPage *self)
{
  g_autofree char *phone = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  g_return_if_fail (UB_IS_RECOVERY_CONFIRM_PAGE (self));
  if (self->approval == NULL)
    return;
  if (!ub_recovery_confirm_page_get_erase (self))
    {
      g_signal_emit (self, signals[INSTALL], 0);
      return;
    }
  phone = ub_recovery_confirm_page_dup_phone_title (self->info);
  /* TRANSLATORS: "Install and Erase Redmi Note 10 (mojito)?" */
  heading = g_strdup_printf (_("Install and Erase %s?"), phone);
  /* TRANSLATORS: %s is the phone's serial number */
  body = g_strdup_printf (_("Installing this firmware erases everything on the phone with serial %s: all apps, "
                            "photos, accounts and settings. This cannot be undone."),
                          serial_of (self));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "install", _("_Install and Erase"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "install", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (install_response), self);
  ub_mnemonic_dialog_present (dialog);
}

static void
wipe_response (AdwMessageDialog *dialog, const char *response, UbRecoveryConfirmPage *self)
{
  if (g_strcmp0 (response, "erase") == 0)
    g_signal_emit (self, signals[WIPE_DATA], 0);
}

void
ub_recovery_confirm_page_request_wipe (UbRecoveryConfirmPage *self)
{
  g_autofree char *phone = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  g_return_if_fail (UB_IS_RECOVERY_CONFIRM_PAGE (self));
  if (self->info == NULL)
    return;
  phone = ub_recovery_confirm_page_dup_phone_title (self->info);
  /* TRANSLATORS: "Erase All Data on Redmi Note 10 (mojito)?" */
  heading = g_strdup_printf (_("Erase All Data on %s?"), phone);
  /* TRANSLATORS: %s is the phone's serial number */
  body = g_strdup_printf (_("Everything on the phone with serial %s is erased: all apps, photos, accounts and "
                            "settings. The system itself stays, and the phone restarts as new. This cannot be "
                            "undone."),
                          serial_of (self));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "erase", _("_Erase All Data"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "erase", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (wipe_response), self);
  ub_mnemonic_dialog_present (dialog);
}

static void
on_install_clicked (UbRecoveryConfirmPage *self)
{
  ub_recovery_confirm_page_request_install (self);
}

static void
on_wipe_clicked (UbRecoveryConfirmPage *self)
{
  ub_recovery_confirm_page_request_wipe (self);
}

static void
ub_recovery_confirm_page_dispose (GObject *object)
{
  UbRecoveryConfirmPage *self = UB_RECOVERY_CONFIRM_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_RECOVERY_CONFIRM_PAGE);
  g_clear_object (&self->info);
  g_clear_object (&self->approval);
  G_OBJECT_CLASS (ub_recovery_confirm_page_parent_class)->dispose (object);
}

static void
ub_recovery_confirm_page_class_init (UbRecoveryConfirmPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_recovery_confirm_page_dispose;

  signals[INSTALL] = g_signal_new ("install", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[WIPE_DATA] = g_signal_new ("wipe-data", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/unbrick/Unbrick/ub-recovery-confirm-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConfirmPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConfirmPage, intro_label);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConfirmPage, install_group);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConfirmPage, data_row);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConfirmPage, data_icon);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConfirmPage, file_row);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConfirmPage, install_button);
  gtk_widget_class_bind_template_callback (widget_class, on_install_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_wipe_clicked);
}

static void
ub_recovery_confirm_page_init (UbRecoveryConfirmPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

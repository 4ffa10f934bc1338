/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "ub-advice.h"
#include "ub-download-panel.h"
#include "ub-download.h"
#include "ub-format.h"
#include "ub-mnemonic.h"

struct _UbDownloadPanel
{
  GtkBox           parent_instance;

  AdwPreferencesGroup *input_group;
  AdwEntryRow     *url_row;
  AdwEntryRow     *md5_row;
  GtkBox          *progress_box;
  GtkProgressBar  *progress_bar;
  GtkLabel        *progress_label;
  GtkLabel        *error_label;
  GtkButton       *pause_button;
  GtkButton       *stop_button;
  GtkButton       *download_button;

  GSettings       *settings;
  /* the title and description of the address form, while a catalog release replaces it */
  char            *manual_title;
  char            *manual_description;
  gboolean         release_mode;
  UbDownload      *download;
  GCancellable    *cancellable;
  char            *md5;             /* the last finished download's MD5, when it computed one */
};

G_DEFINE_FINAL_TYPE (UbDownloadPanel, ub_download_panel, GTK_TYPE_BOX)

enum { DOWNLOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

enum { PROP_0, PROP_BUSY, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
set_error (UbDownloadPanel *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_buttons (UbDownloadPanel *self)
{
  gboolean busy = self->download != NULL;
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));

  gtk_widget_set_sensitive (GTK_WIDGET (self->download_button), !busy && url != NULL && *url != '\0');
  gtk_widget_set_sensitive (GTK_WIDGET (self->url_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->md5_row), !busy);
  /* a release from the finder is restarted from the finder, not from an address */
  gtk_widget_set_visible (GTK_WIDGET (self->download_button), !self->release_mode);
  gtk_widget_set_visible (GTK_WIDGET (self->url_row), !self->release_mode);
  gtk_widget_set_visible (GTK_WIDGET (self->md5_row), !self->release_mode);
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), busy);
  if (busy)
    ub_mnemonic_button_set_label (self->pause_button,
                          ub_download_is_paused (self->download) ? C_("download", "_Resume") : _("Pa_use"));
}

static void
on_progress_changed (UbProgress *progress, UbDownloadPanel *self)
{
  guint64 done = ub_progress_get_bytes_done (progress);
  guint64 total = ub_progress_get_bytes_total (progress);
  g_autofree char *done_text = ub_format_size (done);
  g_autofree char *text = NULL;

  if (self->download == NULL)
    return;
  switch (ub_download_get_state (self->download))
    {
    case UB_DOWNLOAD_STATE_CHECKING:
      text = g_strdup_printf (_("Checking what was already downloaded: %s"), done_text);
      gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 0);
      gtk_label_set_text (self->progress_label, text);
      return;
    case UB_DOWNLOAD_STATE_DOWNLOADING:
      break;
    default:
      return;   /* the state's own words stay */
    }
  if (total > 0)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, (double) done / total);
      text = ub_format_transfer (done, total, ub_progress_get_rate (progress),
                                 ub_progress_get_seconds_left (progress));
    }
  else
    {
      gtk_progress_bar_pulse (self->progress_bar);
      text = g_strdup (done_text);
    }
  gtk_label_set_text (self->progress_label, text);
}

static void
on_state_changed (UbDownload *download, UbDownloadPanel *self)
{
  switch (ub_download_get_state (download))
    {
    case UB_DOWNLOAD_STATE_CONNECTING:
      gtk_label_set_text (self->progress_label, _("Connecting…"));
      break;
    case UB_DOWNLOAD_STATE_PAUSED:
      gtk_label_set_text (self->progress_label, _("Paused. Resume continues where it stopped."));
      break;
    case UB_DOWNLOAD_STATE_RETRYING:
      gtk_label_set_text (self->progress_label, _("The connection was lost. Trying again…"));
      break;
    case UB_DOWNLOAD_STATE_IDLE:
    case UB_DOWNLOAD_STATE_CHECKING:
    case UB_DOWNLOAD_STATE_DOWNLOADING:
    case UB_DOWNLOAD_STATE_SUCCEEDED:
    case UB_DOWNLOAD_STATE_FAILED:
    default:
      break;
    }
  update_buttons (self);
}

/* The error, and what to do next when there is more to say (ub_advice_for_error). */
static void
show_error (UbDownloadPanel *self, const GError *error)
{
  g_autofree char *advice = ub_advice_for_error (error, NULL, UB_ADVICE_COMMAND);
  g_autofree char *text = NULL;

  if (advice == NULL)
    {
      set_error (self, error->message);
      return;
    }
  /* TRANSLATORS: an error message, then on its own line what to do next */
  text = g_strdup_printf (_("%s\nNext step: %s"), error->message, advice);
  set_error (self, text);
}

static void
on_finished (UbDownload *download, const GError *error, UbDownloadPanel *self)
{
  g_autoptr(UbDownload) done = g_steal_pointer (&self->download);
  g_autofree char *path = g_strdup (ub_download_get_final_path (done));

  g_signal_handlers_disconnect_by_data (done, self);
  g_signal_handlers_disconnect_by_data (ub_download_get_progress (done), self);
  g_free (self->md5);
  self->md5 = error == NULL ? g_strdup (ub_download_get_md5 (done)) : NULL;
  g_clear_object (&self->cancellable);
  update_buttons (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  g_signal_emit (self, signals[DOWNLOADED], 0, path);
}

/*
 * With a @title, the address form gives way to @title and @description (what
 * is downloaded from where); NULL brings the form back
 * (ub_download_panel_set_url(), ub_download_panel_forget_release()).
 */
static void
set_release_mode (UbDownloadPanel *self,
                  const char      *title,
                  const char      *description)
{
  AdwPreferencesGroup *group = self->input_group;

  if (self->manual_title == NULL)
    {
      self->manual_title = g_strdup (adw_preferences_group_get_title (group));
      self->manual_description = g_strdup (adw_preferences_group_get_description (group));
    }
  self->release_mode = title != NULL;
  adw_preferences_group_set_title (group, title != NULL ? title : self->manual_title);
  adw_preferences_group_set_description (group, title != NULL ? description : self->manual_description);
  update_buttons (self);
}

void
ub_download_panel_forget_release (UbDownloadPanel *self)
{
  g_return_if_fail (UB_IS_DOWNLOAD_PANEL (self));
  if (self->release_mode && self->download == NULL)
    {
      set_error (self, NULL);
      set_release_mode (self, NULL, NULL);
    }
}

static char *
download_folder (UbDownloadPanel *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "download-folder");
  const char *downloads;

  if (folder != NULL && *folder != '\0')
    return g_steal_pointer (&folder);
  downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  return g_strdup (downloads != NULL ? downloads : g_get_home_dir ());
}

void
ub_download_panel_start (UbDownloadPanel *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbDownload) download = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *url = NULL;
  const char *md5;

  g_return_if_fail (UB_IS_DOWNLOAD_PANEL (self));
  if (self->download != NULL)
    return;

  url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));
  md5 = gtk_editable_get_text (GTK_EDITABLE (self->md5_row));
  folder = download_folder (self);
  set_error (self, NULL);
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      g_autofree char *message = g_strdup_printf (_("The download folder %s cannot be created: %s"),
                                                  folder, g_strerror (errno));
      set_error (self, message);
      return;
    }
  download = ub_download_new (url, folder, &error);
  if (download == NULL ||
      (md5 != NULL && *md5 != '\0' && !ub_download_set_expected_md5 (download, md5, &error)))
    {
      show_error (self, error);
      return;
    }
  ub_download_panel_start_download (self, download);
}

void
ub_download_panel_start_download (UbDownloadPanel *self, UbDownload *download)
{
  g_return_if_fail (UB_IS_DOWNLOAD_PANEL (self));
  g_return_if_fail (UB_IS_DOWNLOAD (download));
  if (self->download != NULL)
    return;

  set_error (self, NULL);
  g_clear_pointer (&self->md5, g_free);
  self->download = g_object_ref (download);
  self->cancellable = g_cancellable_new ();
  g_signal_connect (ub_download_get_progress (self->download), "changed",
                    G_CALLBACK (on_progress_changed), self);
  g_signal_connect (self->download, "state-changed", G_CALLBACK (on_state_changed), self);
  g_signal_connect (self->download, "finished", G_CALLBACK (on_finished), self);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, _("Connecting…"));
  ub_download_start (self->download, self->cancellable);
  update_buttons (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

gboolean
ub_download_panel_start_release (UbDownloadPanel    *self,
                                 UbRomRelease       *release,
                                 const char * const *mirrors)
{
  g_auto(GStrv) urls = NULL;
  g_autofree char *description = NULL;

  g_return_val_if_fail (UB_IS_DOWNLOAD_PANEL (self), FALSE);
  g_return_val_if_fail (UB_IS_ROM_RELEASE (release), FALSE);
  if (self->download != NULL)
    return FALSE;

  urls = ub_rom_release_dup_urls (release, mirrors);
  /* TRANSLATORS: %s is a ROM version ("OS3.0.303.0.WNCMIXM"), the second its region ("Global") */
  description = g_strdup_printf (_("Version %s (%s), from Xiaomi’s servers. It is checked "
                                   "against its MD5 before it is used."),
                                 ub_rom_release_get_version (release),
                                 ub_rom_region_get_name (ub_rom_release_get_region (release)));
  return ub_download_panel_start_urls (self, (const char * const *) urls, ub_rom_release_get_md5 (release),
                                       ub_rom_release_get_size_exact (release) ? ub_rom_release_get_size (release) : 0,
                                       _("Downloading the Official Firmware"), description);
}

gboolean
ub_download_panel_start_urls (UbDownloadPanel    *self,
                              const char * const *urls,
                              const char         *md5,
                              guint64             size,
                              const char         *title,
                              const char         *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbDownload) download = NULL;
  g_autofree char *folder = NULL;

  g_return_val_if_fail (UB_IS_DOWNLOAD_PANEL (self), FALSE);
  g_return_val_if_fail (title != NULL, FALSE);
  if (self->download != NULL)
    return FALSE;

  set_release_mode (self, title, description);
  set_error (self, NULL);
  if (urls == NULL || urls[0] == NULL)
    {
      set_error (self, _("There is no address to download this firmware from."));
      return FALSE;
    }
  folder = download_folder (self);
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      g_autofree char *message = g_strdup_printf (_("The download folder %s cannot be created: %s"),
                                                  folder, g_strerror (errno));
      set_error (self, message);
      return FALSE;
    }
  download = ub_download_new_for_mirrors (urls, folder, &error);
  if (download == NULL || (md5 != NULL && *md5 != '\0' && !ub_download_set_expected_md5 (download, md5, &error)))
    {
      show_error (self, error);
      return FALSE;
    }
  if (size > 0)
    ub_download_set_expected_size (download, size);
  ub_download_panel_start_download (self, download);
  return TRUE;
}

void
ub_download_panel_pause (UbDownloadPanel *self)
{
  g_return_if_fail (UB_IS_DOWNLOAD_PANEL (self));
  if (self->download == NULL)
    return;
  if (ub_download_is_paused (self->download))
    ub_download_resume (self->download);
  else
    ub_download_pause (self->download);
  update_buttons (self);
}

void
ub_download_panel_stop (UbDownloadPanel *self)
{
  g_return_if_fail (UB_IS_DOWNLOAD_PANEL (self));
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
ub_download_panel_set_url (UbDownloadPanel *self, const char *url, const char *md5)
{
  g_return_if_fail (UB_IS_DOWNLOAD_PANEL (self));
  set_release_mode (self, NULL, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url != NULL ? url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->md5_row), md5 != NULL ? md5 : "");
  update_buttons (self);
}

gboolean
ub_download_panel_get_busy (UbDownloadPanel *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD_PANEL (self), FALSE);
  return self->download != NULL;
}

const char *
ub_download_panel_get_error (UbDownloadPanel *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD_PANEL (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label)) ? gtk_label_get_text (self->error_label) : NULL;
}

static void
on_input_changed (UbDownloadPanel *self)
{
  update_buttons (self);
}

static void
on_download_clicked (UbDownloadPanel *self)
{
  ub_download_panel_start (self);
}

static void
on_pause_clicked (UbDownloadPanel *self)
{
  ub_download_panel_pause (self);
}

static void
on_stop_clicked (UbDownloadPanel *self)
{
  ub_download_panel_stop (self);
}

const char *
ub_download_panel_get_md5 (UbDownloadPanel *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD_PANEL (self), NULL);
  return self->md5;
}

static void
ub_download_panel_dispose (GObject *object)
{
  UbDownloadPanel *self = UB_DOWNLOAD_PANEL (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->download != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->download, self);
      g_signal_handlers_disconnect_by_data (ub_download_get_progress (self->download), self);
    }
  g_clear_object (&self->download);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->manual_title, g_free);
  g_clear_pointer (&self->manual_description, g_free);
  g_clear_pointer (&self->md5, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_DOWNLOAD_PANEL);
  G_OBJECT_CLASS (ub_download_panel_parent_class)->dispose (object);
}

static void
ub_download_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  UbDownloadPanel *self = UB_DOWNLOAD_PANEL (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->download != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ub_download_panel_class_init (UbDownloadPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_download_panel_dispose;
  object_class->get_property = ub_download_panel_get_property;

  /* TRUE while a download runs (or is paused) */
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[DOWNLOADED] = g_signal_new ("downloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-download-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, input_group);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, url_row);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, md5_row);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, progress_box);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, progress_label);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, pause_button);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, stop_button);
  gtk_widget_class_bind_template_child (widget_class, UbDownloadPanel, download_button);
  gtk_widget_class_bind_template_callback (widget_class, on_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_download_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_clicked);
}

static void
ub_download_panel_init (UbDownloadPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new ("io.github.unbrick.Unbrick");
}

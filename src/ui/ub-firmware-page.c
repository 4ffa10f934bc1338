/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-download-panel.h"
#include "ub-file-chooser.h"
#include "ub-firmware-page.h"
#include "ub-phone.h"
#include "ub-progress.h"
#include "ub-resume-point.h"
#include "ub-rom-archive.h"
#include "ub-rom-finder.h"

#define MAX_RECENT 10

struct _UbFirmwarePage
{
  GtkBox           parent_instance;

  GtkButton       *file_button;
  GtkButton       *folder_button;
  GtkButton       *demo_button;
  GtkBox          *finder_box;
  GtkToggleButton *download_button;
  UbDownloadPanel *download_panel;
  GtkBox          *progress_box;
  GtkLabel        *progress_label;
  GtkProgressBar  *progress_bar;
  GtkLabel        *error_label;
  AdwPreferencesGroup *rom_group;
  AdwActionRow    *match_row;
  GtkImage        *match_icon;
  AdwActionRow    *device_row;
  AdwActionRow    *version_row;
  AdwActionRow    *android_row;
  AdwActionRow    *region_row;
  AdwActionRow    *source_row;
  AdwPreferencesGroup *recent_group;
  GtkListBox      *recent_list;
  AdwPreferencesGroup *cache_group;
  AdwActionRow    *cache_row;
  GtkButton       *clear_cache_button;
  GtkButton       *continue_button;

  GSettings       *settings;
  GPtrArray       *phones;
  UbEmuDemo       *demo;
  UbRom           *rom;
  gboolean         ready;
  GCancellable    *cancellable;
  UbProgress      *opening;       /* the unpack's bytes, set by ub_rom_open_async() */
  gboolean         clearing;      /* the cache is being cleared */
  UbRomCatalog    *catalog;       /* shared by the finders; made when first needed */
  GStrv            mirrors;       /* where the finders' ROMs are downloaded from */
  gboolean         catalog_set;   /* its sources are set (the demo's, or given): no demo server to start */
  GPtrArray       *waiting_finders; /* finders waiting for the demo's server */
};

G_DEFINE_FINAL_TYPE (UbFirmwarePage, ub_firmware_page, GTK_TYPE_BOX)

enum { CONTINUE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void rebuild_recent (UbFirmwarePage *self);
static void update_cache_size (UbFirmwarePage *self);

static void
set_error (UbFirmwarePage *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static char *
join_codenames (UbRom *rom)
{
  GStrv codenames = ub_rom_get_codenames (rom);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; codenames != NULL && codenames[i] != NULL; i++)
    g_ptr_array_add (names, ub_phone_dup_model_name (codenames[i]));
  if (names->len == 0)
    return g_strdup (_("Unknown"));
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static gboolean
rom_is_for (UbRom *rom, const char *product)
{
  GStrv codenames = ub_rom_get_codenames (rom);

  if (product == NULL || codenames == NULL)
    return FALSE;
  for (guint i = 0; codenames[i] != NULL; i++)
    if (g_ascii_strcasecmp (codenames[i], product) == 0)
      return TRUE;
  return FALSE;
}

static void
update_match (UbFirmwarePage *self)
{
  g_autofree char *wrong = NULL;
  guint n_wrong = 0;

  self->ready = FALSE;
  if (self->rom == NULL)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), FALSE);
      return;
    }
  for (guint i = 0; self->phones != NULL && i < self->phones->len; i++)
    {
      UbPhone *phone = g_ptr_array_index (self->phones, i);
      UbPhoneInfo *info = ub_phone_get_info (phone);
      const char *product = info != NULL ? ub_phone_info_get_product (info) : NULL;

      if (!rom_is_for (self->rom, product))
        {
          n_wrong++;
          if (wrong == NULL)
            wrong = ub_phone_dup_title (phone);
        }
    }

  if (n_wrong == 0)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->match_row),
                                     _("This firmware is made for your phone"));
      adw_action_row_set_subtitle (self->match_row, NULL);
      gtk_image_set_from_icon_name (self->match_icon, "emblem-ok-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->match_icon), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->match_icon), "success");
      self->ready = TRUE;
    }
  else
    {
      g_autofree char *for_whom = join_codenames (self->rom);
      g_autofree char *subtitle =
        /* TRANSLATORS: "This firmware is for Xiaomi Mi 11 (venus); your phone is Redmi K40 (alioth). …" */
        g_strdup_printf (_("This firmware is for %s; your phone is %s. Flashing it could leave the phone unable to start. Download the firmware made for your phone’s codename and select it here."),
                         for_whom, wrong);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->match_row),
                                     _("This firmware is not for your phone"));
      adw_action_row_set_subtitle (self->match_row, subtitle);
      gtk_image_set_from_icon_name (self->match_icon, "dialog-error-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->match_icon), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->match_icon), "error");
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->match_icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->ready ? _("Matches") : _("Does not match"), -1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), self->ready);
}

static void
show_rom (UbFirmwarePage *self)
{
  const char *value;
  g_autofree char *device = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->rom_group), self->rom != NULL);
  if (self->rom == NULL)
    {
      update_match (self);
      return;
    }
  device = join_codenames (self->rom);
  adw_action_row_set_subtitle (self->device_row, device);
  value = ub_rom_get_version (self->rom);
  adw_action_row_set_subtitle (self->version_row, value != NULL ? value : _("Unknown"));
  value = ub_rom_get_android_version (self->rom);
  adw_action_row_set_subtitle (self->android_row, value != NULL ? value : _("Unknown"));
  value = ub_rom_get_region (self->rom);
  adw_action_row_set_subtitle (self->region_row, value != NULL ? value : _("Unknown"));
  adw_action_row_set_subtitle (self->source_row, ub_rom_get_source (self->rom));
  update_match (self);
}

static void
add_recent (UbFirmwarePage *self, const char *path)
{
  g_auto(GStrv) old = g_settings_get_strv (self->settings, "recent-roms");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recent = NULL;
  guint n = 1;

  g_strv_builder_add (builder, path);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT; i++)
    if (g_strcmp0 (old[i], path) != 0 && g_file_test (old[i], G_FILE_TEST_EXISTS))
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-roms", (const char *const *) recent);
}

static void
set_busy (UbFirmwarePage *self, gboolean busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->file_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->folder_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->demo_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->download_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->recent_list), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->finder_box), !busy);
}

static void
on_opening_changed (UbProgress *progress, UbFirmwarePage *self)
{
  guint64 done = ub_progress_get_bytes_done (progress);
  guint64 total = ub_progress_get_bytes_total (progress);

  if (total > 0)
    {
      g_autofree char *done_text = g_format_size (done);
      g_autofree char *total_text = g_format_size (total);
      /* TRANSLATORS: "Unpacking: 1.2 GB of 5.6 GB" */
      g_autofree char *text = g_strdup_printf (_("Unpacking: %s of %s"), done_text, total_text);

      gtk_progress_bar_set_fraction (self->progress_bar, (double) done / total);
      gtk_label_set_text (self->progress_label, text);
    }
}

/* Stops showing the figures of an earlier opening. */
static void
drop_opening (UbFirmwarePage *self)
{
  if (self->opening != NULL)
    g_signal_handlers_disconnect_by_data (self->opening, self);
  g_clear_object (&self->opening);
}

/* One opening: the page and the cancellable it was started with. */
typedef struct {
  UbFirmwarePage *self;
  GCancellable   *cancellable;
} OpenCall;

static OpenCall *
open_call_new (UbFirmwarePage *self)
{
  OpenCall *call = g_new0 (OpenCall, 1);

  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (self->cancellable);
  return call;
}

static void
open_call_free (OpenCall *call)
{
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  g_free (call);
}

static void
open_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpenCall *call = user_data;
  UbFirmwarePage *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRom) rom = ub_rom_open_finish (result, &error);
  gboolean current = call->cancellable == self->cancellable;

  open_call_free (call);
  if (!current)
    return;   /* replaced by a newer choice */
  set_busy (self, FALSE);
  g_clear_object (&self->cancellable);
  drop_opening (self);
  update_cache_size (self);
  if (rom == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error->message);
      show_rom (self);
      return;
    }
  g_set_object (&self->rom, rom);
  add_recent (self, ub_rom_get_source (rom));
  rebuild_recent (self);
  show_rom (self);
  if (self->ready)
    gtk_widget_grab_focus (GTK_WIDGET (self->continue_button));
}

/* The demo ROM is written on a thread, then opened as any other. */
static void
demo_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  char *path = ub_emu_demo_write_rom (task_data, "alioth", &error);

  if (path == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, path, g_free);
}

static void
demo_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UbFirmwarePage *self = UB_FIRMWARE_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;   /* replaced by a newer choice */
  if (path == NULL)
    {
      set_busy (self, FALSE);
      g_clear_object (&self->cancellable);
      drop_opening (self);
      set_error (self, error->message);
      show_rom (self);
      return;
    }
  ub_rom_open_async (path, NULL, self->opening, self->cancellable, open_done,
                     open_call_new (self));
}

static void
start_open (UbFirmwarePage *self, const char *path, UbEmuDemo *demo)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->rom);
  self->ready = FALSE;
  set_error (self, NULL);
  show_rom (self);

  self->cancellable = g_cancellable_new ();
  drop_opening (self);
  self->opening = ub_progress_new ();
  g_signal_connect (self->opening, "changed", G_CALLBACK (on_opening_changed), self);
  gtk_label_set_text (self->progress_label, demo != NULL ? _("Preparing the demo firmware…")
                                                         : _("Opening the firmware…"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  set_busy (self, TRUE);

  if (demo != NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, demo_written, NULL);

      g_task_set_source_tag (task, start_open);
      g_task_set_task_data (task, g_object_ref (demo), g_object_unref);
      g_task_run_in_thread (task, demo_thread);
      return;
    }
  ub_rom_open_async (path, NULL, self->opening, self->cancellable, open_done,
                     open_call_new (self));
}

void
ub_firmware_page_open (UbFirmwarePage *self, const char *path)
{
  g_return_if_fail (UB_IS_FIRMWARE_PAGE (self));
  start_open (self, path, NULL);
}

static void
chosen (GFile *file, gpointer user_data)
{
  g_autoptr(UbFirmwarePage) self = user_data;
  g_autofree char *path = NULL;

  if (file == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      set_error (self, _("This file is not on this computer. Download it first, then select it."));
      return;
    }
  ub_firmware_page_open (self, path);
}

static void
on_file_clicked (UbFirmwarePage *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Fastboot ROMs (.tgz)"));
  gtk_file_filter_add_pattern (filter, "*.tgz");
  gtk_file_filter_add_pattern (filter, "*.tar.gz");
  gtk_file_filter_add_pattern (filter, "*.tar");
  ub_choose_file (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), UB_CHOOSE_OPEN_FILE,
                  _("Select the Firmware File"), _("_Select"), NULL, filter, chosen, g_object_ref (self));
}

static void
on_folder_clicked (UbFirmwarePage *self)
{
  ub_choose_file (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), UB_CHOOSE_OPEN_FOLDER,
                  _("Select the Unpacked Firmware Folder"), _("_Select"), NULL, NULL,
                  chosen, g_object_ref (self));
}

static void
on_demo_clicked (UbFirmwarePage *self)
{
  if (self->demo != NULL)
    start_open (self, NULL, self->demo);
}

static void
on_downloaded (UbFirmwarePage *self, const char *path)
{
  gtk_toggle_button_set_active (self->download_button, FALSE);
  ub_firmware_page_open (self, path);
}

static void
on_cancel_clicked (UbFirmwarePage *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
on_continue_clicked (UbFirmwarePage *self)
{
  if (self->ready)
    g_signal_emit (self, signals[CONTINUE], 0);
}

static void
recent_activated (GtkListBox *box, GtkListBoxRow *row, UbFirmwarePage *self)
{
  const char *path = g_object_get_data (G_OBJECT (row), "path");

  if (path != NULL)
    ub_firmware_page_open (self, path);
}

static void
rebuild_recent (UbFirmwarePage *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-roms");
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);
  /* first, the ROM of a flash of one of these phones that an earlier run left unfinished */
  for (guint i = 0; self->phones != NULL && i < self->phones->len; i++)
    {
      UbPhoneInfo *info = ub_phone_get_info (g_ptr_array_index (self->phones, i));
      g_autofree char *rom = NULL;
      g_autofree char *name = NULL;
      g_autofree char *subtitle = NULL;
      UbRomMode mode;
      guint step;
      GtkWidget *row;

      if (info == NULL || ub_phone_info_get_serial (info) == NULL ||
          !ub_resume_point_peek (ub_phone_info_get_serial (info), &rom, &mode, &step) ||
          !g_file_test (rom, G_FILE_TEST_IS_DIR))
        continue;
      name = g_path_get_basename (rom);
      /* TRANSLATORS: under a ROM's name; %s: a mode, e.g. “Clean all”; %u: a step number */
      subtitle = g_strdup_printf (_("Unfinished flash of this phone (%s), stopped at step %u"),
                                  ub_rom_mode_get_title (mode), step + 1);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "path", g_strdup (rom), g_free);
      gtk_list_box_append (self->recent_list, row);
      n++;
      break;
    }
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *dir = NULL;
      GtkWidget *row;

      if (!g_file_test (recent[i], G_FILE_TEST_EXISTS))
        continue;
      name = g_path_get_basename (recent[i]);
      dir = g_path_get_dirname (recent[i]);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), dir);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "path", g_strdup (recent[i]), g_free);
      gtk_list_box_append (self->recent_list, row);
      n++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group), n > 0);
}

/* A ROM (archive or folder) dragged onto the page opens like a chosen one. */
static gboolean
on_drop (GFile *file, gpointer user_data)
{
  UbFirmwarePage *self = user_data;
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    return FALSE;
  ub_firmware_page_open (self, path);
  return TRUE;
}

/* ---- finding the firmware: one finder per phone model */

static void
ensure_catalog (UbFirmwarePage *self)
{
  if (self->catalog != NULL)
    return;
  self->catalog = ub_rom_catalog_new ();
  g_strfreev (self->mirrors);
  self->mirrors = ub_rom_catalog_dup_default_mirrors ();
}

/* Demo mode: the demo's own catalog server, started on the first search
 * (it packs the demo ROM: seconds, so on a thread). */
typedef struct {
  char *latest;
  char *history;
  char *mirror;
} DemoSources;

static void
demo_sources_free (DemoSources *sources)
{
  g_free (sources->latest);
  g_free (sources->history);
  g_free (sources->mirror);
  g_free (sources);
}

static void
demo_sources_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  UbEmuDemo *demo = task_data;
  g_autofree DemoSources *sources = g_new0 (DemoSources, 1);
  GError *error = NULL;
  const char *latest = ub_emu_demo_get_catalog_url (demo, &error);
  const char *history = latest != NULL ? ub_emu_demo_get_history_url (demo, &error) : NULL;
  const char *mirror = history != NULL ? ub_emu_demo_get_mirror_url (demo, &error) : NULL;

  if (mirror == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sources->latest = g_strdup (latest);
  sources->history = g_strdup (history);
  sources->mirror = g_strdup (mirror);
  g_task_return_pointer (task, g_steal_pointer (&sources), (GDestroyNotify) demo_sources_free);
}

static void
demo_sources_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UbFirmwarePage *self = UB_FIRMWARE_PAGE (source);
  g_autoptr(GError) error = NULL;
  DemoSources *sources = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting_finders);

  if (sources != NULL && self->catalog != NULL && !self->catalog_set)
    {
      g_autofree char *cache = g_build_filename (ub_emu_demo_get_dir (self->demo), "catalog-cache", NULL);
      const char *mirrors[2] = { sources->mirror, NULL };

      ub_rom_catalog_set_sources (self->catalog, sources->latest, sources->history);
      ub_rom_catalog_set_cache_dir (self->catalog, cache);
      g_strfreev (self->mirrors);
      self->mirrors = g_strdupv ((char **) mirrors);
      self->catalog_set = TRUE;
    }
  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    ub_rom_finder_continue_find (g_ptr_array_index (waiting, i), error);
  if (sources != NULL)
    demo_sources_free (sources);
}

static gboolean
on_finder_finding (UbRomFinder *finder, UbFirmwarePage *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->demo == NULL || self->catalog_set)
    return FALSE;   /* the catalog is ready */
  if (self->waiting_finders != NULL)
    {
      g_ptr_array_add (self->waiting_finders, g_object_ref (finder));
      return TRUE;
    }
  self->waiting_finders = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->waiting_finders, g_object_ref (finder));
  task = g_task_new (self, NULL, demo_sources_done, NULL);
  g_task_set_source_tag (task, on_finder_finding);
  g_task_set_task_data (task, g_object_ref (self->demo), g_object_unref);
  g_task_run_in_thread (task, demo_sources_thread);
  return TRUE;
}

static void
on_finder_download (UbRomFinder *finder, UbRomRelease *release, UbFirmwarePage *self)
{
  if (ub_download_panel_get_busy (self->download_panel))
    return;
  set_error (self, NULL);
  /* the download panel's progress, Pause and Stop; ::downloaded opens it */
  gtk_toggle_button_set_active (self->download_button, TRUE);
  ub_download_panel_start_release (self->download_panel, release,
                                   (const char * const *) self->mirrors);
}

/* "Download…" opened or closed by hand: the address form, not the last release */
static void
on_download_toggled (UbFirmwarePage *self)
{
  ub_download_panel_forget_release (self->download_panel);
}

static void
on_download_busy (UbFirmwarePage *self)
{
  gboolean busy = ub_download_panel_get_busy (self->download_panel);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->finder_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    ub_rom_finder_set_downloading (UB_ROM_FINDER (child), busy);
}

static UbRomFinder *
find_finder (UbFirmwarePage *self, const char *product)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->finder_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (ub_rom_finder_get_product (UB_ROM_FINDER (child)), product) == 0)
      return UB_ROM_FINDER (child);
  return NULL;
}

/* One finder per product among the phones, each knowing its phones' serials. */
static void
rebuild_finders (UbFirmwarePage *self)
{
  g_autoptr(GPtrArray) products = g_ptr_array_new ();
  GtkWidget *child;

  for (guint i = 0; self->phones != NULL && i < self->phones->len; i++)
    {
      UbPhoneInfo *info = ub_phone_get_info (g_ptr_array_index (self->phones, i));
      const char *product = info != NULL ? ub_phone_info_get_product (info) : NULL;

      if (product != NULL && *product != '\0' &&
          !g_ptr_array_find_with_equal_func (products, product, g_str_equal, NULL))
        g_ptr_array_add (products, (gpointer) product);
    }
  /* drop the finders of models no longer here */
  child = gtk_widget_get_first_child (GTK_WIDGET (self->finder_box));
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (!g_ptr_array_find_with_equal_func (products, ub_rom_finder_get_product (UB_ROM_FINDER (child)),
                                             g_str_equal, NULL))
        gtk_box_remove (self->finder_box, child);
      child = next;
    }
  if (products->len > 0)
    ensure_catalog (self);
  for (guint i = 0; i < products->len; i++)
    {
      const char *product = g_ptr_array_index (products, i);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) serials = NULL;
      UbRomFinder *finder;

      for (guint j = 0; j < self->phones->len; j++)
        {
          UbPhoneInfo *info = ub_phone_get_info (g_ptr_array_index (self->phones, j));

          if (info != NULL && g_strcmp0 (ub_phone_info_get_product (info), product) == 0 &&
              ub_phone_info_get_serial (info) != NULL)
            g_strv_builder_add (builder, ub_phone_info_get_serial (info));
        }
      serials = g_strv_builder_end (builder);
      finder = find_finder (self, product);
      if (finder != NULL)
        {
          ub_rom_finder_set_serials (finder, (const char * const *) serials);
          continue;
        }
      finder = ub_rom_finder_new (self->catalog, product, (const char * const *) serials);
      g_signal_connect (finder, "finding", G_CALLBACK (on_finder_finding), self);
      g_signal_connect (finder, "download", G_CALLBACK (on_finder_download), self);
      ub_rom_finder_set_downloading (finder, ub_download_panel_get_busy (self->download_panel));
      gtk_box_append (self->finder_box, GTK_WIDGET (finder));
    }
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->finder_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    ub_rom_finder_set_primary (UB_ROM_FINDER (child),
                               child == gtk_widget_get_first_child (GTK_WIDGET (self->finder_box)));
  gtk_widget_set_visible (GTK_WIDGET (self->finder_box), products->len > 0);
}

void
ub_firmware_page_set_catalog (UbFirmwarePage     *self,
                              UbRomCatalog       *catalog,
                              const char * const *mirrors)
{
  GtkWidget *child;

  g_return_if_fail (UB_IS_FIRMWARE_PAGE (self));
  g_return_if_fail (UB_IS_ROM_CATALOG (catalog));
  g_set_object (&self->catalog, catalog);
  g_strfreev (self->mirrors);
  self->mirrors = mirrors != NULL ? g_strdupv ((char **) mirrors) : ub_rom_catalog_dup_default_mirrors ();
  self->catalog_set = TRUE;
  /* the finders again, on this catalog */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->finder_box))) != NULL)
    gtk_box_remove (self->finder_box, child);
  rebuild_finders (self);
}

GtkWidget *
ub_firmware_page_get_finder (UbFirmwarePage *self, const char *product)
{
  g_return_val_if_fail (UB_IS_FIRMWARE_PAGE (self), NULL);
  return GTK_WIDGET (find_finder (self, product));
}

void
ub_firmware_page_set_phones (UbFirmwarePage *self, GPtrArray *phones)
{
  g_return_if_fail (UB_IS_FIRMWARE_PAGE (self));
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  self->phones = g_ptr_array_ref (phones);
  update_match (self);
  rebuild_recent (self);
  rebuild_finders (self);
}

void
ub_firmware_page_set_demo (UbFirmwarePage *self, UbEmuDemo *demo)
{
  g_return_if_fail (UB_IS_FIRMWARE_PAGE (self));
  g_set_object (&self->demo, demo);
  gtk_widget_set_visible (GTK_WIDGET (self->demo_button), demo != NULL);
}

GtkWidget *
ub_firmware_page_get_download_panel (UbFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_FIRMWARE_PAGE (self), NULL);
  return GTK_WIDGET (self->download_panel);
}

UbRom *
ub_firmware_page_get_rom (UbFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_FIRMWARE_PAGE (self), NULL);
  return self->rom;
}

gboolean
ub_firmware_page_get_busy (UbFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_FIRMWARE_PAGE (self), FALSE);
  return self->cancellable != NULL;
}

gboolean
ub_firmware_page_get_ready (UbFirmwarePage *self)
{
  g_return_val_if_fail (UB_IS_FIRMWARE_PAGE (self), FALSE);
  return self->ready;
}

/* ---- the ROM cache: its size, clearing it, its budget */

static void
cache_size_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  guint64 *size = g_new (guint64, 1);

  *size = ub_rom_archive_get_cache_size (NULL);
  g_task_return_pointer (task, size, g_free);
}

static void
show_cache_size (UbFirmwarePage *self, guint64 size)
{
  g_autofree char *size_text = g_format_size (size);
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->cache_group), size > 0 || self->clearing);
  if (self->clearing)
    {
      adw_action_row_set_subtitle (self->cache_row, _("Clearing…"));
      return;
    }
  /* TRANSLATORS: %s: a size on disk, “12.3 GB” */
  text = g_strdup_printf (_("Takes %s on this computer. Clearing keeps your firmware files: "
                            "they are unpacked again when opened. Firmware open now is kept."),
                          size_text);
  adw_action_row_set_subtitle (self->cache_row, text);
}

static void
cache_size_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UbFirmwarePage *self = UB_FIRMWARE_PAGE (source);
  g_autofree guint64 *size = g_task_propagate_pointer (G_TASK (result), NULL);

  if (self->cache_row == NULL)
    return;   /* disposed meanwhile */
  if (size != NULL && !self->clearing)
    show_cache_size (self, *size);
}

static void
update_cache_size (UbFirmwarePage *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, cache_size_done, NULL);

  g_task_set_source_tag (task, update_cache_size);
  g_task_run_in_thread (task, cache_size_thread);
}

static void
clear_cache_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  guint64 *size;

  /* everything not in use: the open ROM holds its unpack */
  if (!ub_rom_archive_prune_cache_to_size (NULL, 0, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  size = g_new (guint64, 1);
  *size = ub_rom_archive_get_cache_size (NULL);
  g_task_return_pointer (task, size, g_free);
}

static void
clear_cache_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UbFirmwarePage *self = UB_FIRMWARE_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autofree guint64 *size = g_task_propagate_pointer (G_TASK (result), &error);

  self->clearing = FALSE;
  if (self->cache_row == NULL)
    return;   /* disposed meanwhile */
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_cache_button), TRUE);
  if (size == NULL)
    {
      set_error (self, error->message);
      update_cache_size (self);
      return;
    }
  show_cache_size (self, *size);
}

static void
on_clear_cache_clicked (UbFirmwarePage *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->clearing)
    return;
  self->clearing = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_cache_button), FALSE);
  show_cache_size (self, 0);
  task = g_task_new (self, NULL, clear_cache_done, NULL);
  g_task_set_source_tag (task, on_clear_cache_clicked);
  g_task_run_in_thread (task, clear_cache_thread);
}

static void
apply_cache_limit (UbFirmwarePage *self)
{
  guint gb = g_settings_get_uint (self->settings, "rom-cache-limit");

  ub_rom_archive_set_cache_limit ((guint64) gb * 1000 * 1000 * 1000);
}

static void
ub_firmware_page_dispose (GObject *object)
{
  UbFirmwarePage *self = UB_FIRMWARE_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  drop_opening (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_FIRMWARE_PAGE);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->demo);
  g_clear_object (&self->rom);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->mirrors, g_strfreev);
  g_clear_pointer (&self->waiting_finders, g_ptr_array_unref);
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  G_OBJECT_CLASS (ub_firmware_page_parent_class)->dispose (object);
}

static void
ub_firmware_page_class_init (UbFirmwarePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_firmware_page_dispose;

  g_type_ensure (UB_TYPE_DOWNLOAD_PANEL);
  signals[CONTINUE] = g_signal_new ("continue", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-firmware-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, file_button);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, folder_button);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, finder_box);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, download_button);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, download_panel);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, rom_group);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, match_row);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, match_icon);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, device_row);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, version_row);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, android_row);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, region_row);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, source_row);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, recent_group);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, recent_list);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, cache_group);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, cache_row);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, clear_cache_button);
  gtk_widget_class_bind_template_child (widget_class, UbFirmwarePage, continue_button);
  gtk_widget_class_bind_template_callback (widget_class, on_file_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_folder_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_demo_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_downloaded);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_clear_cache_clicked);
}

static void
ub_firmware_page_init (UbFirmwarePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new ("io.github.unbrick.Unbrick");

  ub_file_drop_attach (GTK_WIDGET (self), on_drop, self);
  g_signal_connect (self->recent_list, "row-activated", G_CALLBACK (recent_activated), self);
  g_signal_connect_swapped (self->download_panel, "notify::busy", G_CALLBACK (on_download_busy), self);
  g_signal_connect_swapped (self->download_button, "notify::active", G_CALLBACK (on_download_toggled), self);
  rebuild_recent (self);
  apply_cache_limit (self);
  g_signal_connect_swapped (self->settings, "changed::rom-cache-limit", G_CALLBACK (apply_cache_limit), self);
  /* fresh whenever the page is shown */
  g_signal_connect (self, "map", G_CALLBACK (update_cache_size), NULL);
}

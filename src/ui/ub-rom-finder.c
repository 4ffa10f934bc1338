/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-device-names.h"
#include "ub-format.h"
#include "ub-mnemonic.h"
#include "ub-rom-finder.h"
#include "ub-rom-region.h"

struct _UbRomFinder
{
  GtkBox               parent_instance;

  GtkButton           *find_button;
  GtkLabel            *find_label;
  GtkBox              *busy_box;
  GtkSpinner          *spinner;
  GtkLabel            *message_label;
  AdwPreferencesGroup *list_group;
  GtkListBox          *release_list;
  GtkBox              *actions_box;
  GtkSwitch           *history_switch;
  GtkButton           *use_button;
  GtkLabel            *privacy_label;
  AdwActionRow        *history_row;

  GSettings           *settings;
  UbRomCatalog        *catalog;
  char                *product;
  GStrv                serials;
  GCancellable        *cancellable;   /* the running update, or NULL */
  gboolean             started;       /* Find was used: the list follows the catalog */
  gboolean             downloading;
  gboolean             primary;       /* the page's first finder: mnemonics, privacy line */
  GPtrArray           *releases;      /* UbRomRelease, as listed */
  UbRomRelease        *selected;
  char                *message;
};

G_DEFINE_FINAL_TYPE (UbRomFinder, ub_rom_finder, GTK_TYPE_BOX)

enum { DOWNLOAD, FINDING, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The market name of the model: the built-in names, else the catalog's, else the codename. */
static char *
dup_market_name (UbRomFinder *self)
{
  const char *known = ub_device_names_lookup (self->product);
  char *from_catalog;

  if (known != NULL)
    return g_strdup (known);
  from_catalog = ub_rom_catalog_dup_model_name (self->catalog, self->product);
  return from_catalog != NULL ? from_catalog : g_strdup (self->product);
}

static void
update_title (UbRomFinder *self)
{
  g_autofree char *name = dup_market_name (self);
  g_auto(GStrv) parts = g_strsplit (name, "_", -1);
  g_autofree char *escaped = g_strjoinv ("__", parts);   /* no mnemonic inside the name */
  /* TRANSLATORS: a button; %s: the phone's market name, “Redmi K40 / POCO F3 / Mi 11X” */
  g_autofree char *label = g_strdup_printf (_("F_ind Firmware for %s"), escaped);
  /* TRANSLATORS: %s: the phone's market name */
  g_autofree char *title = g_strdup_printf (_("Official Firmware for %s"), name);

  /* only the first finder has Alt+letters: no two controls share one */
  gtk_label_set_use_underline (self->find_label, self->primary);
  if (self->primary)
    gtk_label_set_label (self->find_label, label);
  else
    {
      /* TRANSLATORS: the same button as “F_ind Firmware for %s”, for a second phone model */
      g_autofree char *plain = g_strdup_printf (_("Find Firmware for %s"), name);

      gtk_label_set_label (self->find_label, plain);
    }
  adw_preferences_group_set_title (self->list_group, title);
}

static void
set_message (UbRomFinder *self, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
update_buttons (UbRomFinder *self)
{
  gboolean busy = self->cancellable != NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->find_button), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->busy_box), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->use_button), self->selected != NULL && !self->downloading);
}

/* The region the phones of this model were given last, from their serials. */
static UbRomRegion
remembered_region (UbRomFinder *self)
{
  g_autoptr(GVariant) regions = g_settings_get_value (self->settings, "rom-regions");

  for (guint i = 0; self->serials != NULL && self->serials[i] != NULL; i++)
    {
      const char *key = NULL;

      if (g_variant_lookup (regions, self->serials[i], "&s", &key))
        {
          UbRomRegion region = ub_rom_region_from_string (key);

          if (region != UB_ROM_REGION_UNKNOWN)
            return region;
        }
    }
  return UB_ROM_REGION_UNKNOWN;
}

static void
remember_region (UbRomFinder *self, UbRomRegion region)
{
  g_autoptr(GVariant) old = g_settings_get_value (self->settings, "rom-regions");
  const char *key = ub_rom_region_to_key (region);
  GVariantBuilder builder;
  GVariantIter iter;
  const char *serial, *value;

  if (key == NULL || self->serials == NULL || self->serials[0] == NULL)
    return;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&s&s}", &serial, &value))
    if (!g_strv_contains ((const char * const *) self->serials, serial))
      g_variant_builder_add (&builder, "{ss}", serial, value);
  for (guint i = 0; self->serials[i] != NULL; i++)
    g_variant_builder_add (&builder, "{ss}", self->serials[i], key);
  g_settings_set_value (self->settings, "rom-regions", g_variant_builder_end (&builder));
}

/* "OS1.0.5.0.TKHMIXM · Android 13.0 · 2024-01-20 · 5.9 GB" */
static char *
describe_release (UbRomRelease *release)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *android = ub_rom_release_get_android (release);
  const char *date = ub_rom_release_get_date (release);
  guint64 size = ub_rom_release_get_size (release);

  g_ptr_array_add (parts, g_strdup (ub_rom_release_get_version (release)));
  if (android != NULL)
    /* TRANSLATORS: %s: an Android version, “14.0” */
    g_ptr_array_add (parts, g_strdup_printf (_("Android %s"), android));
  if (date != NULL)
    g_ptr_array_add (parts, g_strdup (date));
  if (size > 0)
    {
      g_autofree char *text = ub_format_size (size);

      if (ub_rom_release_get_size_exact (release))
        g_ptr_array_add (parts, g_steal_pointer (&text));
      else
        /* TRANSLATORS: an approximate size, “about 5.9 GB” */
        g_ptr_array_add (parts, g_strdup_printf (_("about %s"), text));
    }
  if (ub_rom_release_get_branch (release) != UB_ROM_BRANCH_STABLE)
    g_ptr_array_add (parts, g_strdup (_("test version")));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

static void
on_check_toggled (GtkCheckButton *check, UbRomFinder *self)
{
  UbRomRelease *release = g_object_get_data (G_OBJECT (check), "release");

  if (!gtk_check_button_get_active (check) || release == NULL)
    return;
  g_set_object (&self->selected, release);
  update_buttons (self);
}

typedef struct {
  UbRomRelease *release;
  guint         rank;    /* region's: the remembered one, Global, then as they come */
  guint         index;   /* the catalog's order: newest first */
} Ranked;

static int
compare_ranked (gconstpointer a, gconstpointer b)
{
  const Ranked *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* The list again from the catalog, keeping the choice when it is still listed. */
static void
rebuild (UbRomFinder *self)
{
  UbRomQueryFlags flags = gtk_switch_get_active (self->history_switch)
                          ? UB_ROM_QUERY_HISTORY | UB_ROM_QUERY_BETA : UB_ROM_QUERY_DEFAULT;
  g_autoptr(GPtrArray) found = ub_rom_catalog_find (self->catalog, self->product, flags);
  g_autoptr(GArray) ranked = g_array_sized_new (FALSE, FALSE, sizeof (Ranked), found->len);
  g_autofree char *chosen = self->selected != NULL
                            ? g_strdup (ub_rom_release_get_file_name (self->selected)) : NULL;
  UbRomRegion preferred = remembered_region (self);
  UbRomRegion order[UB_ROM_REGION_KOREA + 1];
  guint n_order = 0;
  GtkCheckButton *group = NULL;
  GtkCheckButton *to_activate = NULL;
  GtkWidget *child;

  /* the regions' order: the remembered one, Global, then as the catalog has them */
  if (preferred != UB_ROM_REGION_UNKNOWN)
    order[n_order++] = preferred;
  if (preferred != UB_ROM_REGION_GLOBAL)
    order[n_order++] = UB_ROM_REGION_GLOBAL;
  for (guint i = 0; i < found->len; i++)
    {
      UbRomRegion region = ub_rom_release_get_region (g_ptr_array_index (found, i));
      gboolean seen = FALSE;

      for (guint j = 0; j < n_order && !seen; j++)
        seen = order[j] == region;
      if (!seen && n_order < G_N_ELEMENTS (order))
        order[n_order++] = region;
    }
  for (guint i = 0; i < found->len; i++)
    {
      Ranked r = { g_ptr_array_index (found, i), n_order, i };

      for (guint j = 0; j < n_order; j++)
        if (order[j] == ub_rom_release_get_region (r.release))
          {
            r.rank = j;
            break;
          }
      g_array_append_val (ranked, r);
    }
  g_array_sort (ranked, compare_ranked);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->release_list))) != NULL)
    gtk_list_box_remove (self->release_list, child);
  g_ptr_array_set_size (self->releases, 0);
  g_clear_object (&self->selected);

  for (guint i = 0; i < ranked->len; i++)
    {
      UbRomRelease *release = g_array_index (ranked, Ranked, i).release;
      const char *region = ub_rom_region_get_name (ub_rom_release_get_region (release));
      g_autofree char *subtitle = describe_release (release);
      g_autofree char *name = g_strdup_printf ("%s, %s", region, subtitle);
      GtkWidget *row = adw_action_row_new ();
      /* one choice of several: "radio button, 2 of 8" */
      GtkWidget *check = g_object_new (GTK_TYPE_CHECK_BUTTON, "accessible-role", GTK_ACCESSIBLE_ROLE_RADIO, NULL);

      g_ptr_array_add (self->releases, g_object_ref (release));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), region);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      if (group == NULL)
        group = GTK_CHECK_BUTTON (check);
      else
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      g_object_set_data_full (G_OBJECT (check), "release", g_object_ref (release), g_object_unref);
      g_object_set_data_full (G_OBJECT (row), "release", g_object_ref (release), g_object_unref);
      g_signal_connect (check, "toggled", G_CALLBACK (on_check_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_list_box_append (self->release_list, row);

      if (chosen != NULL && g_strcmp0 (chosen, ub_rom_release_get_file_name (release)) == 0)
        to_activate = GTK_CHECK_BUTTON (check);
    }
  /* else the first row: the remembered region's newest, else Global's */
  if (to_activate == NULL && group != NULL)
    to_activate = group;
  if (to_activate != NULL)
    gtk_check_button_set_active (to_activate, TRUE);

  gtk_widget_set_visible (GTK_WIDGET (self->list_group), self->releases->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->actions_box), self->releases->len > 0 ||
                          gtk_switch_get_active (self->history_switch));
  update_buttons (self);
}

static void
on_catalog_changed (UbRomFinder *self)
{
  if (!self->started)
    return;
  update_title (self);
  rebuild (self);
}

static void finish_update (UbRomFinder *self, const GError *error);

static void
update_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(UbRomFinder) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = ub_rom_catalog_update_finish (UB_ROM_CATALOG (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->catalog == NULL)
    return;   /* stopped, or the widget is gone */
  finish_update (self, ok ? NULL : error);
}

/* The list and its one sentence once the catalog is up to date, or could not be. */
static void
finish_update (UbRomFinder *self, const GError *error)
{
  g_clear_object (&self->cancellable);
  update_title (self);
  rebuild (self);
  if (error != NULL)
    {
      g_autofree char *reason = g_strdup (error->message);
      g_autofree char *text = NULL;
      gsize len = strlen (g_strchomp (reason));

      if (len > 0 && reason[len - 1] == '.')
        reason[len - 1] = '\0';
      /* TRANSLATORS: %s: why, e.g. “Could not connect to raw.githubusercontent.com” */
      text = g_strdup_printf (_("The firmware list could not be loaded: %s. You can still download the ROM yourself and use Select File."),
                              reason);
      set_message (self, text);
    }
  else if (ub_rom_catalog_get_offline (self->catalog))
    {
      GDateTime *fetched = ub_rom_catalog_get_fetched (self->catalog);
      g_autoptr(GDateTime) local = fetched != NULL ? g_date_time_to_local (fetched) : NULL;
      g_autofree char *when = local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M")
                                            : g_strdup (_("an earlier visit"));
      /* TRANSLATORS: %s: when the list was fetched, “2026-12-07 01:30” */
      g_autofree char *text = g_strdup_printf (_("Offline: showing the list from %s."), when);

      set_message (self, text);
    }
  else if (self->releases->len == 0 && !gtk_switch_get_active (self->history_switch))
    {
      g_autofree char *name = dup_market_name (self);
      /* TRANSLATORS: %s: the phone's market name */
      g_autofree char *text = g_strdup_printf (_("The firmware list has no official fastboot ROM for %s. You can still download the ROM yourself and use Select File."),
                                               name);

      set_message (self, text);
      gtk_widget_set_visible (GTK_WIDGET (self->actions_box), TRUE);
    }
  else
    set_message (self, NULL);
  update_buttons (self);
}

void
ub_rom_finder_find (UbRomFinder *self)
{
  gboolean prepared_later = FALSE;

  g_return_if_fail (UB_IS_ROM_FINDER (self));
  if (self->cancellable != NULL)
    return;
  self->started = TRUE;
  self->cancellable = g_cancellable_new ();
  set_message (self, NULL);
  update_buttons (self);
  /* whatever is known already (a warm cache), at once */
  rebuild (self);
  /* the page may first point the catalog somewhere (demo mode) */
  g_signal_emit (self, signals[FINDING], 0, &prepared_later);
  if (!prepared_later)
    ub_rom_finder_continue_find (self, NULL);
}

void
ub_rom_finder_continue_find (UbRomFinder *self, const GError *error)
{
  g_return_if_fail (UB_IS_ROM_FINDER (self));
  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  if (error != NULL)
    {
      finish_update (self, error);
      return;
    }
  ub_rom_catalog_update_async (self->catalog, self->product, NULL, self->cancellable,
                               update_done, g_object_ref (self));
}

static void
on_find_clicked (UbRomFinder *self)
{
  ub_rom_finder_find (self);
}

static void
on_history_toggled (UbRomFinder *self)
{
  if (self->started)
    rebuild (self);
}

static void
on_use_clicked (UbRomFinder *self)
{
  g_autoptr(UbRomRelease) release = NULL;

  if (self->selected == NULL || self->downloading)
    return;
  release = g_object_ref (self->selected);
  remember_region (self, ub_rom_release_get_region (release));
  g_signal_emit (self, signals[DOWNLOAD], 0, release);
}

void
ub_rom_finder_set_primary (UbRomFinder *self, gboolean primary)
{
  GtkWidget *use_label;

  g_return_if_fail (UB_IS_ROM_FINDER (self));
  self->primary = primary;
  update_title (self);
  gtk_widget_set_visible (GTK_WIDGET (self->privacy_label), primary);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->history_row), primary);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->history_row),
                                 primary ? _("Show older and _test versions") : _("Show older and test versions"));
  use_label = gtk_button_get_child (self->use_button);
  gtk_label_set_use_underline (GTK_LABEL (use_label), primary);
  gtk_label_set_label (GTK_LABEL (use_label), primary ? _("Download a_nd Use") : _("Download and Use"));
}

const char *
ub_rom_finder_get_product (UbRomFinder *self)
{
  g_return_val_if_fail (UB_IS_ROM_FINDER (self), NULL);
  return self->product;
}

void
ub_rom_finder_set_serials (UbRomFinder *self, const char * const *serials)
{
  g_return_if_fail (UB_IS_ROM_FINDER (self));
  g_strfreev (self->serials);
  self->serials = g_strdupv ((char **) serials);
}

gboolean
ub_rom_finder_get_busy (UbRomFinder *self)
{
  g_return_val_if_fail (UB_IS_ROM_FINDER (self), FALSE);
  return self->cancellable != NULL;
}

GPtrArray *
ub_rom_finder_get_releases (UbRomFinder *self)
{
  g_return_val_if_fail (UB_IS_ROM_FINDER (self), NULL);
  return self->releases;
}

UbRomRelease *
ub_rom_finder_get_selected (UbRomFinder *self)
{
  g_return_val_if_fail (UB_IS_ROM_FINDER (self), NULL);
  return self->selected;
}

void
ub_rom_finder_select (UbRomFinder *self, UbRomRelease *release)
{
  g_return_if_fail (UB_IS_ROM_FINDER (self));
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->release_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_object_get_data (G_OBJECT (row), "release") == release)
      {
        GtkWidget *check = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));

        gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
        return;
      }
}

const char *
ub_rom_finder_get_message (UbRomFinder *self)
{
  g_return_val_if_fail (UB_IS_ROM_FINDER (self), NULL);
  return self->message;
}

void
ub_rom_finder_set_downloading (UbRomFinder *self, gboolean downloading)
{
  g_return_if_fail (UB_IS_ROM_FINDER (self));
  self->downloading = downloading;
  update_buttons (self);
}

static void
ub_rom_finder_dispose (GObject *object)
{
  UbRomFinder *self = UB_ROM_FINDER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_ROM_FINDER);
  g_clear_object (&self->catalog);
  g_clear_object (&self->settings);
  g_clear_object (&self->selected);
  g_clear_pointer (&self->releases, g_ptr_array_unref);
  G_OBJECT_CLASS (ub_rom_finder_parent_class)->dispose (object);
}

static void
ub_rom_finder_finalize (GObject *object)
{
  UbRomFinder *self = UB_ROM_FINDER (object);

  g_free (self->product);
  g_strfreev (self->serials);
  g_free (self->message);
  G_OBJECT_CLASS (ub_rom_finder_parent_class)->finalize (object);
}

static void
ub_rom_finder_class_init (UbRomFinderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_rom_finder_dispose;
  object_class->finalize = ub_rom_finder_finalize;

  signals[DOWNLOAD] = g_signal_new ("download", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, UB_TYPE_ROM_RELEASE);
  signals[FINDING] = g_signal_new ("finding", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, g_signal_accumulator_true_handled, NULL, NULL,
                                   G_TYPE_BOOLEAN, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/unbrick/Unbrick/ub-rom-finder.ui");
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, find_button);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, find_label);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, busy_box);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, spinner);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, message_label);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, list_group);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, release_list);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, actions_box);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, history_switch);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, use_button);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, privacy_label);
  gtk_widget_class_bind_template_child (widget_class, UbRomFinder, history_row);
  gtk_widget_class_bind_template_callback (widget_class, on_find_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_history_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_use_clicked);
}

static void
ub_rom_finder_init (UbRomFinder *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new ("io.github.unbrick.Unbrick");
  self->releases = g_ptr_array_new_with_free_func (g_object_unref);
  self->primary = TRUE;
}

UbRomFinder *
ub_rom_finder_new (UbRomCatalog *catalog, const char *product, const char * const *serials)
{
  UbRomFinder *self;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (catalog), NULL);
  g_return_val_if_fail (product != NULL, NULL);

  self = g_object_new (UB_TYPE_ROM_FINDER, NULL);
  self->catalog = g_object_ref (catalog);
  self->product = g_strdup (product);
  ub_rom_finder_set_serials (self, serials);
  g_signal_connect_object (catalog, "changed", G_CALLBACK (on_catalog_changed), self, G_CONNECT_SWAPPED);
  update_title (self);
  update_buttons (self);
  return self;
}

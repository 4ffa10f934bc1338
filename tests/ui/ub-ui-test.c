/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "ub-confirm-page.h"
#include "ub-detect-page.h"
#include "ub-firmware-page.h"
#include "ub-mnemonic.h"
#include "ub-recovery-firmware-page.h"
#include "ub-ui-test.h"

static gboolean
keep_going (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
ub_ui_wait (gboolean (*cond) (gpointer data), gpointer data, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (10, keep_going, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return ok;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
ub_ui_spin (double seconds)
{
  ub_ui_wait (never, NULL, seconds);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

void
ub_ui_present (GtkWindow *window)
{
  gtk_window_present (window);
  g_assert_true (ub_ui_wait (is_mapped, window, 10));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

AdwMessageDialog *
ub_ui_find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
have_dialog (gpointer data)
{
  return ub_ui_find_dialog () != NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return ub_ui_find_dialog () == NULL;
}

AdwMessageDialog *
ub_ui_wait_for_dialog (void)
{
  ub_ui_wait (have_dialog, NULL, 5);
  return ub_ui_find_dialog ();
}

void
ub_ui_answer_dialog (const char *response)
{
  AdwMessageDialog *dialog;

  g_assert_true (ub_ui_wait (have_dialog, NULL, 5));
  dialog = ub_ui_find_dialog ();
  g_assert_true (adw_message_dialog_has_response (dialog, response));
  /* what a click on the button does: the response, then the dialog closes */
  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (ub_ui_wait (no_dialog, NULL, 5));
}

void
ub_ui_screenshot (GtkWindow *window, const char *name)
{
  const char *build = g_getenv ("UB_BUILD_DIR");
  g_autofree char *dir = g_build_filename (build != NULL ? build : ".", "screenshots", NULL);
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width = 0, height = 0;

  /* let pending layout and drawing happen first; a window in the middle of
   * a transition may have nothing to draw for a frame, and on a loaded
   * machine (2 cores running the suite in parallel) for a few seconds */
  for (guint attempt = 0; node == NULL && attempt < 150; attempt++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      ub_ui_spin (attempt == 0 ? 0.3 : 0.1);
      width = gtk_widget_get_width (GTK_WIDGET (window));
      height = gtk_widget_get_height (GTK_WIDGET (window));
      g_clear_object (&paintable);
      paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot %s (%dx%d)", path, width, height);
}

static const char *
widget_text (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    return ub_mnemonic_button_get_label (GTK_BUTTON (widget));
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));
  if (ADW_IS_PREFERENCES_ROW (widget))
    return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  return NULL;
}

static gboolean
really_visible (GtkWidget *widget, GtkWidget *root)
{
  for (GtkWidget *w = widget; w != NULL && w != root; w = gtk_widget_get_parent (w))
    if (!gtk_widget_get_visible (w))
      return FALSE;
  return TRUE;
}

GtkWidget *
ub_ui_find_by_label (GtkWidget *root, GType type, const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && g_strcmp0 (widget_text (child), text) == 0 &&
          really_visible (child, root))
        return child;
      found = ub_ui_find_by_label (child, type, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

void
ub_ui_click (GtkWidget *root, const char *label)
{
  GtkWidget *button = ub_ui_find_by_label (root, GTK_TYPE_BUTTON, label);

  if (button == NULL)
    g_error ("no visible button “%s”", label);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
shows_text (GtkWidget *root, GtkWidget *widget, const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *shown = widget_text (child);

      if (shown != NULL && strstr (shown, text) != NULL && really_visible (child, root))
        return TRUE;
      if (ADW_IS_ACTION_ROW (child))
        {
          const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (child));
          if (subtitle != NULL && strstr (subtitle, text) != NULL && really_visible (child, root))
            return TRUE;
        }
      if (shows_text (root, child, text))
        return TRUE;
    }
  return FALSE;
}

gboolean
ub_ui_shows_text (GtkWidget *root, const char *text)
{
  return shows_text (root, root, text);
}

gboolean
ub_ui_phone_ready (gpointer window)
{
  g_autoptr(GPtrArray) selected =
    ub_detect_page_get_selected (UB_DETECT_PAGE (ub_window_get_page (window, "detect")));
  return selected->len > 0;
}

gboolean
ub_ui_firmware_settled (gpointer window)
{
  return !ub_firmware_page_get_busy (UB_FIRMWARE_PAGE (ub_window_get_page (window, "firmware")));
}

gboolean
ub_ui_checks_done (gpointer window)
{
  return !ub_confirm_page_get_checking (UB_CONFIRM_PAGE (ub_window_get_page (window, "confirm")));
}

gboolean
ub_ui_on_result_page (gpointer window)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (ub_window_get_stack (window)), "result") == 0;
}

UbPhone *
ub_ui_find_listed (gpointer window,
                   gboolean recovery)
{
  GListModel *phones =
    ub_detect_page_get_phones (UB_DETECT_PAGE (ub_window_get_page (window, "detect")));

  for (guint i = 0; i < g_list_model_get_n_items (phones); i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (phones, i);

      if (recovery ? ub_phone_get_recovery_info (phone) != NULL : ub_phone_get_locked (phone))
        return phone;
    }
  return NULL;
}

gboolean
ub_ui_locked_listed (gpointer window)
{
  return ub_ui_find_listed (window, FALSE) != NULL;
}

gboolean
ub_ui_on_recovery_firmware (gpointer window)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (ub_window_get_stack (window)),
                    "recovery-firmware") == 0;
}

gboolean
ub_ui_recovery_firmware_settled (gpointer window)
{
  return !ub_recovery_firmware_page_get_busy (
    UB_RECOVERY_FIRMWARE_PAGE (ub_window_get_page (window, "recovery-firmware")));
}

gboolean
ub_ui_drop_file (GtkWidget  *widget,
                 const char *path)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkDropTarget *target = NULL;
  GValue value = G_VALUE_INIT;
  GSList *files = g_slist_prepend (NULL, file);
  gboolean accepted = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && target == NULL; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_DROP_TARGET (controller))
        target = GTK_DROP_TARGET (controller);
    }
  g_assert_nonnull (target);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&value, files);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  g_slist_free (files);
  return accepted;
}

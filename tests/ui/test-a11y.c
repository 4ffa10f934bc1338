/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Accessibility and keyboard use of the wizard, in process with GTK's test AT
 * context (GTK_A11Y=test): on every page of the demo flow and in its dialogs,
 * every visible button, check button, progress bar, expander and text field
 * has an accessible name (its label, a labelled-by relation or the label
 * property), every button with a mnemonic is named once by its label (the
 * name a screen reader hears is its visible text), no two visible mnemonics
 * share a letter, and the focus is on the page.
 */
#include "config.h"

#include "ub-confirm-page.h"
#include "ub-detect-page.h"
#include "ub-emu-demo.h"
#include "ub-emu-phone.h"
#include "ub-firmware-page.h"
#include "ub-install-page.h"
#include "ub-mi-assistant.h"
#include "ub-recovery-firmware-page.h"
#include "ub-mnemonic.h"
#include "ub-phone.h"
#include "ub-rom-finder.h"
#include "ub-ui-test.h"
#include "ub-usb-device-info.h"
#include "ub-window.h"

typedef struct {
  UbEmuDemo *demo;
  UbWindow  *window;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->demo = ub_emu_demo_new (&error);
  g_assert_no_error (error);
  ub_emu_demo_set_rate (f->demo, 50 * 1000 * 1000);
  f->window = ub_window_new (NULL, f->demo);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 720);
  ub_ui_present (GTK_WINDOW (f->window));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  ub_ui_spin (0.1);
  g_clear_object (&f->demo);
}

static GtkWidget *
page (Fixture *f, const char *name)
{
  return ub_window_get_page (f->window, name);
}

static const char *
describe (GtkWidget *widget)
{
  static char text[256];
  GtkWidget *parent = gtk_widget_get_parent (widget);
  GtkWidget *grandparent = parent != NULL ? gtk_widget_get_parent (parent) : NULL;

  g_snprintf (text, sizeof text, "%s (%s) in %s in %s", G_OBJECT_TYPE_NAME (widget),
              gtk_widget_get_name (widget),
              parent != NULL ? G_OBJECT_TYPE_NAME (parent) : "-",
              grandparent != NULL ? G_OBJECT_TYPE_NAME (grandparent) : "-");
  return text;
}

static gboolean
has_text (const char *text)
{
  gboolean visible = FALSE;

  for (const char *c = text; c != NULL && *c != '\0' && !visible; c++)
    visible = !g_ascii_isspace (*c) && *c != '_';
  return visible && !g_str_has_prefix (text, "Gtk") && !g_str_has_prefix (text, "Adw");
}

/* Its label, a labelled-by relation or the label property. */
static gboolean
is_labelled (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);
  gboolean self_labelled = gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL) ||
                           gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY);

  if (GTK_IS_BUTTON (widget))
    return self_labelled || has_text (ub_mnemonic_button_get_label (GTK_BUTTON (widget)));
  if (GTK_IS_CHECK_BUTTON (widget))
    return self_labelled || has_text (gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)));
  if (GTK_IS_TEXT (widget))
    {
      /* the editable row or entry around it names it */
      for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL && GTK_IS_EDITABLE (w);
           w = gtk_widget_get_parent (w))
        if (is_labelled (w))
          return TRUE;
      return self_labelled;
    }
  if (ADW_IS_PREFERENCES_ROW (widget))
    return self_labelled || has_text (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)));
  return self_labelled;
}

/* GTK 4.8 names a button over AT-SPI from its accessible label property
 * followed by the labels in its labelled-by relation, and a check button
 * from its raw label: a button with a mnemonic is heard as its visible text
 * only when it has no label property and is labelled by its mnemonic label
 * alone (see ub-mnemonic.h). The AT-SPI names themselves are checked by
 * test-a11y-demo.py. */
static void
assert_named_once (GtkWidget *widget, const char *where)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);
  GtkWidget *label = NULL;
  g_autofree char *wrong = NULL;

  if (GTK_IS_CHECK_BUTTON (widget))
    {
      if (gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (widget)) &&
          gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)) != NULL)
        g_error ("%s: %s would be named “%s”, underscore and all", where, describe (widget),
                 gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)));
      return;
    }
  if (!GTK_IS_BUTTON (widget))
    return;
  /* GtkButton's own label (gtk_button_set_label) or a GtkLabel child */
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LABEL (c))
      label = c;
  if (label == NULL || !gtk_label_get_use_underline (GTK_LABEL (label)) ||
      gtk_label_get_mnemonic_keyval (GTK_LABEL (label)) == GDK_KEY_VoidSymbol)
    return;
  if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL))
    g_error ("%s: %s has an accessible label besides its mnemonic label “%s”: a screen reader hears it twice",
             where, describe (widget), gtk_label_get_label (GTK_LABEL (label)));
  g_assert_true (gtk_label_get_mnemonic_widget (GTK_LABEL (label)) == widget);
  wrong = gtk_test_accessible_check_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL);
  if (wrong != NULL)
    g_error ("%s: %s is not labelled by “%s” alone (%s)", where, describe (widget),
             gtk_label_get_label (GTK_LABEL (label)), wrong);
}

static gboolean
is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_PROGRESS_BAR (widget) ||
         GTK_IS_EXPANDER (widget) || GTK_IS_TEXT (widget) || GTK_IS_SWITCH (widget) ||
         GTK_IS_DROP_DOWN (widget) || GTK_IS_SPIN_BUTTON (widget);
}

/* What the person sees of @root: the mapped widgets (other stack pages and
 * closed popovers are not). */
static void
collect (GtkWidget *root, GPtrArray *out)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (!gtk_widget_get_mapped (c))
        continue;
      g_ptr_array_add (out, c);
      collect (c, out);
    }
}

static guint n_checked;

static gboolean
settled (gpointer data)
{
  return !gtk_stack_get_transition_running (data);
}

/* Every visible control in @window is named, and no two visible mnemonics
 * share a key. @where names the step for the messages. */
static void
assert_accessible (GtkWindow *window, const char *where)
{
  g_autoptr(GPtrArray) widgets = g_ptr_array_new ();
  g_autoptr(GHashTable) mnemonics = g_hash_table_new (NULL, NULL);
  guint n_controls = 0;

  /* while the pages slide, both are on screen */
  if (UB_IS_WINDOW (window))
    g_assert_true (ub_ui_wait (settled, ub_window_get_stack (UB_WINDOW (window)), 5));
  collect (GTK_WIDGET (window), widgets);
  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *w = g_ptr_array_index (widgets, i);

      if (is_control (w))
        {
          n_controls++;
          if (!is_labelled (w))
            g_error ("%s: %s has no accessible name", where, describe (w));
          assert_named_once (w, where);
        }
      if (GTK_IS_PROGRESS_BAR (w))
        gtk_test_accessible_assert_role (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_ROLE_PROGRESS_BAR);
      if (GTK_IS_LABEL (w) && gtk_label_get_use_underline (GTK_LABEL (w)))
        {
          guint key = gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (w)));
          /* an entry row shows its title twice (floating and empty): one row, one target */
          GtkWidget *owner = gtk_widget_get_ancestor (w, ADW_TYPE_PREFERENCES_ROW);
          GtkWidget *other;

          if (key == GDK_KEY_VoidSymbol)
            continue;
          owner = owner != NULL ? owner : w;
          other = g_hash_table_lookup (mnemonics, GUINT_TO_POINTER (key));
          if (other != NULL && other != owner)
            g_error ("%s: %s and %s both use Alt+%s (“%s”)", where, describe (other), describe (owner),
                     gdk_keyval_name (key), gtk_label_get_label (GTK_LABEL (w)));
          g_hash_table_insert (mnemonics, GUINT_TO_POINTER (key), owner);
        }
    }
  g_assert_cmpuint (n_controls, >, 0);
  n_checked += n_controls;
  g_test_message ("%s: %u controls named, %u mnemonics distinct", where, n_controls,
                  g_hash_table_size (mnemonics));
}

static gboolean
finder_idle (gpointer finder)
{
  return !ub_rom_finder_get_busy (finder);
}

/* Keyboard users land on the page they are shown. */
static void
assert_focus_on (Fixture *f, const char *name)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  if (focus == NULL || !gtk_widget_is_ancestor (focus, page (f, name)))
    g_error ("the focus is not on the page “%s” but on %s", name, focus != NULL ? describe (focus) : "nothing");
}

static void
assert_focus_is (Fixture *f, const char *name, const char *button_label)
{
  GtkWidget *button = ub_ui_find_by_label (page (f, name), GTK_TYPE_BUTTON, button_label);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  g_assert_nonnull (button);
  if (focus != button && (focus == NULL || !gtk_widget_is_ancestor (focus, button)))
    g_error ("on “%s” the focus should be on “%s”, it is on %s", name, button_label,
             focus != NULL ? describe (focus) : "nothing");
}

static void
go_to_confirm (Fixture *f)
{
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  assert_accessible (GTK_WINDOW (f->window), "detect");
  ub_ui_click (page (f, "detect"), "_Continue");
  assert_focus_on (f, "firmware");
  assert_accessible (GTK_WINDOW (f->window), "firmware");
  /* the official firmware listed: its choices, the switch, Download and Use */
  {
    UbRomFinder *finder = UB_ROM_FINDER (ub_firmware_page_get_finder (UB_FIRMWARE_PAGE (page (f, "firmware")),
                                                                      "alioth"));

    ub_rom_finder_find (finder);
    g_assert_true (ub_ui_wait (finder_idle, finder, 60));
    g_assert_cmpuint (ub_rom_finder_get_releases (finder)->len, >, 0);
    assert_accessible (GTK_WINDOW (f->window), "firmware, the official firmware listed");
  }
  ub_ui_click (page (f, "firmware"), "Use the _Demo Firmware");
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, f->window, 30));
  assert_focus_is (f, "firmware", "_Continue");
  assert_accessible (GTK_WINDOW (f->window), "firmware, the ROM opened");
  ub_ui_click (page (f, "firmware"), "_Continue");
  assert_focus_on (f, "confirm");
  /* the checks: the "Checking" bar is labelled too */
  assert_accessible (GTK_WINDOW (f->window), "confirm, checking");
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  assert_accessible (GTK_WINDOW (f->window), "confirm");
}

static void
test_demo_flow (Fixture *f, gconstpointer data)
{
  UbConfirmPage *confirm = UB_CONFIRM_PAGE (page (f, "confirm"));

  go_to_confirm (f);
  /* the three modes are one choice: radio buttons named by their rows */
  {
    const char *rows[] = { "_Keep my data", "_Erase everything", "Erase everything and _lock the bootloader" };

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        GtkWidget *row = ub_ui_find_by_label (page (f, "confirm"), ADW_TYPE_ACTION_ROW, rows[i]);
        GtkWidget *check = NULL;
        g_autoptr(GPtrArray) inside = g_ptr_array_new ();

        g_assert_nonnull (row);
        collect (row, inside);
        for (guint j = 0; j < inside->len && check == NULL; j++)
          if (GTK_IS_CHECK_BUTTON (g_ptr_array_index (inside, j)))
            check = g_ptr_array_index (inside, j);
        g_assert_nonnull (check);
        gtk_test_accessible_assert_role (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_ROLE_RADIO);
        g_assert_true (is_labelled (check));
      }
  }
  ub_confirm_page_set_mode (confirm, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  g_assert_true (ub_confirm_page_get_can_flash (confirm));
  ub_ui_click (page (f, "confirm"), "_Flash");
  g_assert_nonnull (ub_ui_wait_for_dialog ());
  assert_accessible (GTK_WINDOW (ub_ui_find_dialog ()), "the flash dialog");
  ub_emu_demo_set_rate (f->demo, 20 * 1000 * 1000);
  ub_ui_answer_dialog ("flash");
  assert_focus_on (f, "flash");
  {
    GtkWidget *bar = NULL;
    g_autoptr(GPtrArray) widgets = g_ptr_array_new ();

    collect (page (f, "flash"), widgets);
    for (guint i = 0; i < widgets->len && bar == NULL; i++)
      if (GTK_IS_PROGRESS_BAR (g_ptr_array_index (widgets, i)))
        bar = g_ptr_array_index (widgets, i);
    g_assert_nonnull (bar);
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, "Flashing progress");
  }
  assert_accessible (GTK_WINDOW (f->window), "flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  assert_focus_is (f, "result", "_Done");
  assert_accessible (GTK_WINDOW (f->window), "result");
  ub_ui_click (page (f, "result"), "_Done");
  assert_focus_on (f, "detect");
  g_test_message ("%u controls checked in all", n_checked);
}

/* A failed flash shows Resume, Retry, Back to the First Step and Save Log at once. */
static void
test_failure_result (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  go_to_confirm (f);
  g_assert_true (ub_emu_phone_add_fault (ub_emu_demo_get_phone (f->demo), "disconnect-after:20971520", &error));
  g_assert_no_error (error);
  ub_ui_click (page (f, "confirm"), "_Flash");
  ub_ui_answer_dialog ("flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  g_assert_nonnull (ub_ui_find_by_label (page (f, "result"), GTK_TYPE_BUTTON, "Re_try from the Start"));
  g_assert_nonnull (ub_ui_find_by_label (page (f, "result"), GTK_TYPE_BUTTON, "_Back to the First Step"));
  assert_focus_on (f, "result");
  assert_accessible (GTK_WINDOW (f->window), "result, failed");
}

/* Phones that cannot be used yet, with the udev rule and its Copy button. */
static void
test_detect_diagnoses (Fixture *f, gconstpointer data)
{
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));
  g_autoptr(UbUsbDeviceInfo) info = ub_usb_device_info_new (UB_USB_DEVICE_KIND_FASTBOOT, "usb:1-1", NULL, 0x18d1,
                                                             0xd00d, NULL, UB_USB_ACCESS_PERMISSION);
  g_autoptr(UbPhone) phone = ub_phone_new_for_usb (info);
  GtkWidget *help;

  ub_detect_page_add_phone (detect, phone);
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  g_assert_nonnull (ub_ui_find_by_label (page (f, "detect"), GTK_TYPE_BUTTON, "C_opy Command"));
  help = ub_ui_find_by_label (page (f, "detect"), ADW_TYPE_EXPANDER_ROW, "How do I get to fastboot mode?");
  g_assert_nonnull (help);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (help), TRUE);
  ub_ui_spin (0.3);
  assert_accessible (GTK_WINDOW (f->window), "detect, diagnoses");
}

static void
test_advanced (Fixture *f, gconstpointer data)
{
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.advanced", NULL));
  assert_focus_on (f, "advanced");
  assert_accessible (GTK_WINDOW (f->window), "advanced");
  /* Escape goes back (the binding of win.back) */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL));
  assert_focus_on (f, "detect");
}

static gboolean
recovery_result_shown (gpointer data)
{
  Fixture *f = data;
  return g_strcmp0 (gtk_stack_get_visible_child_name (ub_window_get_stack (f->window)), "result") == 0 &&
         !ub_window_get_busy (f->window);
}

/* The Mi Assistant path: firmware from Xiaomi, approved, Confirm and its
 * factory reset dialog, Install, Result. */
static void
test_recovery_flow (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) phone = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autoptr(GSettings) settings = g_settings_new ("io.github.unbrick.Unbrick");
  g_autofree char *downloads = g_build_filename (ub_emu_demo_get_dir (f->demo), "downloads", NULL);
  UbRecoveryFirmwarePage *firmware = UB_RECOVERY_FIRMWARE_PAGE (page (f, "recovery-firmware"));
  GPtrArray *roms;

  g_settings_set_string (settings, "download-folder", downloads);
  g_assert_true (ub_emu_demo_enable_locked_phone (f->demo, &error));
  g_assert_no_error (error);
  g_assert_true (ub_emu_demo_enter_recovery (f->demo, &error));
  g_assert_no_error (error);
  phone = ub_mi_assistant_open (ub_emu_demo_get_recovery_address (f->demo), NULL, &error);
  g_assert_no_error (error);
  info = ub_mi_assistant_read_info (phone, NULL, &error);
  g_assert_no_error (error);
  ub_mi_assistant_close (phone);

  ub_window_start_recovery (f->window, ub_emu_demo_get_recovery_address (f->demo), info);
  assert_focus_on (f, "recovery-firmware");
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  roms = ub_recovery_firmware_page_get_roms (firmware);
  g_assert_cmpuint (roms->len, >, 0);
  assert_accessible (GTK_WINDOW (f->window), "recovery firmware, the list");
  ub_recovery_firmware_page_download (firmware, g_ptr_array_index (roms, roms->len - 1));
  assert_accessible (GTK_WINDOW (f->window), "recovery firmware, downloading");
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 60));
  g_assert_nonnull (ub_recovery_firmware_page_get_approval (firmware));
  assert_focus_is (f, "recovery-firmware", "_Next");
  assert_accessible (GTK_WINDOW (f->window), "recovery firmware, approved");
  ub_ui_click (page (f, "recovery-firmware"), "_Next");
  assert_focus_on (f, "recovery-confirm");
  assert_accessible (GTK_WINDOW (f->window), "recovery confirm");
  ub_ui_click (page (f, "recovery-confirm"), "Erase All _Data (Factory Reset)…");
  g_assert_nonnull (ub_ui_wait_for_dialog ());
  assert_accessible (GTK_WINDOW (ub_ui_find_dialog ()), "the factory reset dialog");
  ub_ui_answer_dialog ("cancel");
  ub_ui_click (page (f, "recovery-confirm"), "_Install");
  assert_focus_on (f, "install");
  assert_accessible (GTK_WINDOW (f->window), "install");
  g_assert_true (ub_ui_wait (recovery_result_shown, f, 120));
  assert_focus_is (f, "result", "_Done");
  assert_accessible (GTK_WINDOW (f->window), "recovery result");
  g_settings_reset (settings, "download-folder");
}

/* The demo's locked phone: its row (a tick of its own), the page on how to
 * reach Mi Assistant mode with its picture and demo button, and back. */
static void
test_recovery_connect (Fixture *f, gconstpointer data)
{
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));
  GListModel *phones = ub_detect_page_get_phones (detect);

  ub_window_add_demo_locked_phone (f->window);
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  g_assert_true (ub_ui_wait (ub_ui_locked_listed, f->window, 60));
  for (guint i = 0; i < g_list_model_get_n_items (phones); i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (phones, i);
      if (ub_phone_get_locked (phone))
        ub_detect_page_set_selected (detect, phone, TRUE);
    }
  assert_accessible (GTK_WINDOW (f->window), "detect, the locked phone chosen");
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (ub_window_get_stack (f->window)), ==, "recovery-connect");
  assert_focus_is (f, "recovery-connect", "_Do It for Me (Demo)");
  assert_accessible (GTK_WINDOW (f->window), "recovery-connect");
  /* the picture is described, not skipped */
  {
    GtkWidget *image = ub_ui_find_by_label (page (f, "recovery-connect"), GTK_TYPE_LABEL, "This Phone Is Locked");
    g_assert_nonnull (image);
    image = gtk_widget_get_prev_sibling (image);
    g_assert_true (GTK_IS_IMAGE (image));
    gtk_test_accessible_assert_role (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_ROLE_IMG);
    g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL));
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL));
  assert_focus_on (f, "detect");
}

int
main (int argc, char **argv)
{
  g_setenv ("GTK_A11Y", "test", TRUE);   /* before gtk_init: the in-memory AT context */
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/ui/a11y/demo-flow", test_demo_flow);
  ADD ("/ui/a11y/failure-result", test_failure_result);
  ADD ("/ui/a11y/detect-diagnoses", test_detect_diagnoses);
  ADD ("/ui/a11y/advanced", test_advanced);
  ADD ("/ui/a11y/recovery-flow", test_recovery_flow);
  ADD ("/ui/a11y/recovery-connect", test_recovery_connect);
#undef ADD
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The wizard in process, against the emulated phone of demo mode: the happy
 * path to the success page, every refusal (wrong device, locked, anti-
 * rollback), a cable pulled mid-flash then Resume, the device diagnoses,
 * two phones at once, the advanced tools, and closing while flashing. Each
 * step asserts what the person sees and writes a screenshot.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "ub-advanced-page.h"
#include "ub-confirm-page.h"
#include "ub-detect-page.h"
#include "ub-download-panel.h"
#include "ub-rom-archive.h"
#include "ub-emu-adb-server.h"
#include "ub-emu-demo.h"
#include "ub-emu-phone.h"
#include "ub-emu-recovery.h"
#include "ub-firmware-page.h"
#include "ub-flash-page.h"
#include "ub-result-page.h"
#include "ub-resume-point.h"
#include "ub-rom-finder.h"
#include "ub-ui-test.h"
#include "ub-usb-device-info.h"
#include "ub-window.h"

#include "ub-test-utils.h"

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
visible_page (Fixture *f)
{
  return gtk_stack_get_visible_child_name (ub_window_get_stack (f->window));
}

static gboolean
flash_halfway (gpointer data)
{
  Fixture *f = data;
  return ub_flash_page_get_fraction (UB_FLASH_PAGE (page (f, "flash"))) > 0.3 ||
         g_strcmp0 (visible_page (f), "result") == 0;
}

/* Detect → Firmware (the demo ROM for @product, or the ROM folder @rom_path) → Confirm, checks done. */
static void
go_to_confirm_rom (Fixture *f, const char *product, const char *rom_path, const char *shot_prefix)
{
  g_autoptr(GError) error = NULL;
  UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));

  g_assert_cmpstr (visible_page (f), ==, "detect");
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Redmi K40 / POCO F3 / Mi 11X (alioth)"));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Serial 8d1cac2"));
  if (shot_prefix != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s-1-detect", shot_prefix);
      ub_ui_screenshot (GTK_WINDOW (f->window), name);
    }
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "firmware");

  if (rom_path != NULL)
    ub_firmware_page_open (firmware, rom_path);
  else if (product == NULL)
    ub_ui_click (page (f, "firmware"), "Use the _Demo Firmware");
  else
    {
      g_autofree char *path = ub_emu_demo_write_rom (f->demo, product, &error);
      g_assert_no_error (error);
      ub_firmware_page_open (firmware, path);
    }
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, f->window, 30));
  g_assert_nonnull (ub_firmware_page_get_rom (firmware));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"), product == NULL && rom_path == NULL ? UB_EMU_DEMO_ROM_VERSION : "V14.0.8.0.T"));
  if (shot_prefix != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s-2-firmware", shot_prefix);
      ub_ui_screenshot (GTK_WINDOW (f->window), name);
    }
  if (!ub_firmware_page_get_ready (firmware))
    return;
  ub_ui_click (page (f, "firmware"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "confirm");
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
}

static void
go_to_confirm (Fixture *f, const char *product, const char *shot_prefix)
{
  go_to_confirm_rom (f, product, NULL, shot_prefix);
}

static void
assert_partition_holds (Fixture *f, const char *partition, const char *image_name)
{
  UbRom *rom = ub_firmware_page_get_rom (UB_FIRMWARE_PAGE (page (f, "firmware")));
  g_autofree char *image_path = g_build_filename (ub_rom_get_path (rom), "images", image_name, NULL);
  g_autofree char *part_path = ub_emu_phone_get_partition_path (ub_emu_demo_get_phone (f->demo), partition);
  g_autofree char *image = NULL;
  g_autofree char *part = NULL;
  gsize image_len, part_len;

  g_assert_true (g_file_get_contents (image_path, &image, &image_len, NULL));
  g_assert_true (g_file_get_contents (part_path, &part, &part_len, NULL));
  g_assert_cmpuint (part_len, >=, image_len);
  g_assert_true (memcmp (image, part, image_len) == 0);
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
test_happy_path (Fixture *f, gconstpointer data)
{
  UbConfirmPage *confirm = UB_CONFIRM_PAGE (page (f, "confirm"));
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));

  go_to_confirm (f, NULL, "happy");
  /* the ROM is remembered, and offered again on the firmware page */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.unbrick.Unbrick");
    g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-roms");
    UbRom *rom = ub_firmware_page_get_rom (UB_FIRMWARE_PAGE (page (f, "firmware")));
    g_autofree char *name = g_path_get_basename (ub_rom_get_source (rom));

    g_assert_cmpstr (recent[0], ==, ub_rom_get_source (rom));
    g_assert_true (ub_ui_shows_text (page (f, "firmware"), "Recently Used"));
    g_assert_nonnull (ub_ui_find_by_label (page (f, "firmware"), ADW_TYPE_ACTION_ROW, name));
  }
  g_assert_true (ub_confirm_page_get_can_flash (confirm));
  g_assert_null (ub_confirm_page_get_reason (confirm));
  g_assert_true (ub_ui_shows_text (page (f, "confirm"), "Your apps, photos and accounts stay on the phone"));

  /* erase everything: the page says so, and the dialog names the phone */
  ub_confirm_page_set_mode (confirm, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  g_assert_true (ub_confirm_page_get_can_flash (confirm));
  g_assert_true (ub_ui_shows_text (page (f, "confirm"), "Everything on the phone will be erased"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "happy-3-confirm");

  ub_ui_click (page (f, "confirm"), "_Flash");
  {
    AdwMessageDialog *dialog;
    g_assert_nonnull (ub_ui_wait_for_dialog ());
    dialog = ub_ui_find_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Flash Redmi K40 / POCO F3 / Mi 11X (alioth)?");
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "serial 8d1cac2"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Everything on it will be erased"));
    ub_ui_screenshot (GTK_WINDOW (dialog), "happy-4-confirm-dialog");
  }
  /* slow enough to see the progress */
  ub_emu_demo_set_rate (f->demo, 40 * 1024 * 1024);
  ub_ui_answer_dialog ("flash");
  g_assert_cmpstr (visible_page (f), ==, "flash");
  g_assert_true (ub_window_get_busy (f->window));
  g_assert_true (ub_ui_wait (flash_halfway, f, 60));
  if (g_strcmp0 (visible_page (f), "flash") == 0)
    {
      g_assert_true (ub_ui_shows_text (page (f, "flash"), " of "));
      ub_ui_screenshot (GTK_WINDOW (f->window), "happy-5-flash");
    }
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  g_assert_false (ub_window_get_busy (f->window));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Your Phone Is Restarting");
  g_assert_nonnull (strstr (ub_result_page_get_description (result), "up to 10 minutes"));
  g_assert_false (ub_result_page_get_can_resume (result));
  ub_ui_screenshot (GTK_WINDOW (f->window), "happy-6-result");
  assert_partition_holds (f, "boot_a", "boot.img");
  assert_partition_holds (f, "boot_b", "boot.img");

  /* Save Log writes what happened */
  {
    g_autofree char *log_path = g_build_filename (g_get_tmp_dir (), "unbrick-test-ui.log", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (log_path);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) saved = NULL;

    ub_result_page_save_log_async (result, file, got_result, &saved);
    g_assert_true (ub_ui_wait (have_result, &saved, 10));
    g_assert_true (ub_result_page_save_log_finish (file, saved, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (log_path, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "tcp:127.0.0.1:"));
    g_assert_nonnull (strstr (text, "boot"));
    g_unlink (log_path);
  }
}

static void
test_wrong_device (Fixture *f, gconstpointer data)
{
  go_to_confirm (f, "venus", "wrong-device");
  g_assert_cmpstr (visible_page (f), ==, "firmware");
  g_assert_false (ub_firmware_page_get_ready (UB_FIRMWARE_PAGE (page (f, "firmware"))));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"), "This firmware is not for your phone"));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"),
                                   "This firmware is for Xiaomi Mi 11 (venus); your phone is Redmi K40 / POCO F3 / Mi 11X (alioth)."));
  {
    GtkWidget *button = ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON, "_Continue");
    g_assert_nonnull (button);
    g_assert_false (gtk_widget_get_sensitive (button));
  }
}

static gboolean
has_failed_check (Fixture *f, const char *id)
{
  /* the check rows carry their check's id and status */
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();

  g_ptr_array_add (todo, page (f, "confirm"));
  while (todo->len > 0)
    {
      GtkWidget *w = g_ptr_array_steal_index (todo, todo->len - 1);
      const char *check_id = g_object_get_data (G_OBJECT (w), "check-id");

      if (check_id != NULL && g_str_equal (check_id, id) &&
          GPOINTER_TO_INT (g_object_get_data (G_OBJECT (w), "check-status")) == UB_CHECK_FAILED)
        return TRUE;
      for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (todo, c);
    }
  return FALSE;
}

static void
assert_refused (Fixture *f, const char *check_id, const char *shown, const char *shot)
{
  UbConfirmPage *confirm = UB_CONFIRM_PAGE (page (f, "confirm"));
  GtkWidget *button = ub_ui_find_by_label (page (f, "confirm"), GTK_TYPE_BUTTON, "_Flash");

  g_assert_false (ub_confirm_page_get_can_flash (confirm));
  g_assert_nonnull (button);
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_nonnull (ub_confirm_page_get_reason (confirm));
  g_assert_nonnull (strstr (ub_confirm_page_get_reason (confirm), "Flashing is not possible"));
  g_assert_true (has_failed_check (f, check_id));
  if (!ub_ui_shows_text (page (f, "confirm"), shown))
    g_error ("the confirm page does not show “%s”", shown);
  ub_ui_screenshot (GTK_WINDOW (f->window), shot);
  /* nothing was written */
  g_assert_cmpuint (ub_emu_phone_get_n_writes (ub_emu_demo_get_phone (f->demo)), ==, 0);
}

/* A phone locked when it is listed goes to the Mi Assistant path
 * (test_locked_recovery); one that is locked by the time the checks ask
 * (relocked, or its answer changed) is still refused by them. */
static void
test_locked (Fixture *f, gconstpointer data)
{
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "firmware");
  ub_emu_phone_set_var (ub_emu_demo_get_phone (f->demo), "unlocked", "no");
  ub_ui_click (page (f, "firmware"), "Use the _Demo Firmware");
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, f->window, 30));
  ub_ui_click (page (f, "firmware"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "confirm");
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  assert_refused (f, "unlocked", "locked", "refusal-locked");
}

static gboolean
recovery_listed (gpointer data)
{
  Fixture *f = data;
  return ub_ui_find_listed (f->window, TRUE) != NULL;
}

/* --demo's locked phone: listed as locked, Continue shows how to reach Mi
 * Assistant mode, "Do It for Me (Demo)" puts it there and the wizard goes on
 * by itself to the recovery path with the phone in Mi Assistant mode. */
static void
test_locked_recovery (Fixture *f, gconstpointer data)
{
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));
  UbPhone *locked;
  g_autofree char *locked_address = NULL;

  ub_window_add_demo_locked_phone (f->window);
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  g_assert_true (ub_ui_wait (ub_ui_locked_listed, f->window, 60));
  locked = ub_ui_find_listed (f->window, FALSE);
  locked_address = g_strdup (ub_phone_get_address (locked));
  g_assert_cmpstr (locked_address, ==, ub_emu_demo_get_locked_address (f->demo));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Bootloader locked"));
  /* both demo phones, the unlocked one selected: the locked one goes alone */
  {
    g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (detect);
    g_assert_cmpuint (selected->len, ==, 1);
    g_assert_false (ub_phone_get_locked (g_ptr_array_index (selected, 0)));
  }
  ub_detect_page_set_selected (detect, locked, TRUE);
  {
    g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (detect);
    g_assert_cmpuint (selected->len, ==, 1);
    g_assert_true (g_ptr_array_index (selected, 0) == locked);
  }
  /* ticking the unlocked phone again takes it back (the two never go together) */
  {
    GListModel *phones = ub_detect_page_get_phones (detect);
    g_autoptr(UbPhone) unlocked = NULL;

    for (guint i = 0; i < g_list_model_get_n_items (phones) && unlocked == NULL; i++)
      {
        g_autoptr(UbPhone) phone = g_list_model_get_item (phones, i);
        if (ub_phone_get_usable (phone) && !ub_phone_get_locked (phone))
          unlocked = g_object_ref (phone);
      }
    g_assert_nonnull (unlocked);
    ub_detect_page_set_selected (detect, unlocked, TRUE);
    {
      g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (detect);
      g_assert_cmpuint (selected->len, ==, 1);
      g_assert_true (g_ptr_array_index (selected, 0) == unlocked);
    }
    ub_detect_page_set_selected (detect, locked, TRUE);
  }
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "This phone is locked"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-detect-locked");
  ub_ui_click (page (f, "detect"), "_Continue");

  g_assert_cmpstr (visible_page (f), ==, "recovery-connect");
  g_assert_true (ub_ui_shows_text (page (f, "recovery-connect"), "This Phone Is Locked"));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-connect"), "2. Hold Volume Up and Power together"));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-connect"), "Connect with MIAssistant"));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-connect"), "Waiting for the phone in Mi Assistant mode"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-connect");
  /* nothing happens while the phone is not in Mi Assistant mode */
  ub_ui_spin (0.5);
  g_assert_cmpstr (visible_page (f), ==, "recovery-connect");
  g_assert_null (ub_emu_demo_get_recovery_address (f->demo));

  ub_ui_click (page (f, "recovery-connect"), "_Do It for Me (Demo)");
  g_assert_nonnull (ub_emu_demo_get_recovery_address (f->demo));
  g_assert_true (ub_ui_wait (ub_ui_on_recovery_firmware, f->window, 15));
  /* the locked fastboot phone left the list; the phone in Mi Assistant mode is there */
  {
    UbPhone *recovery = ub_ui_find_listed (f->window, TRUE);
    g_autofree char *title = NULL;

    g_assert_false (ub_ui_locked_listed (f->window));
    g_assert_nonnull (recovery);
    g_assert_cmpstr (ub_phone_get_address (recovery), ==, ub_emu_demo_get_recovery_address (f->demo));
    g_assert_true (ub_phone_get_usable (recovery));
    title = ub_phone_dup_title (recovery);
    g_assert_true (ub_ui_shows_text (page (f, "detect"), title));
    g_assert_true (ub_ui_shows_text (page (f, "detect"), "Mi Assistant mode"));
  }
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-connect-found");
}

/* Another phone already in Mi Assistant mode (another serial) is not taken
 * for the locked phone: the page waits until that one arrives. */
static void
test_locked_recovery_other_phone (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));
  g_autofree char *dir = g_dir_make_tmp ("ub-adb-XXXXXX", &error);
  g_autofree char *package = g_build_filename (dir, "package.zip", NULL);
  g_autoptr(UbEmuRecovery) other = ub_emu_recovery_new (package);
  g_autoptr(UbEmuAdbServer) server = ub_emu_adb_server_new (other);
  g_autofree char *address = NULL;
  g_autoptr(UbPhone) other_phone = NULL;

  g_assert_no_error (error);
  ub_emu_recovery_set_info (other, "sn", "0000beef");
  g_assert_true (ub_emu_adb_server_start (server, 0, &error));
  g_assert_no_error (error);
  address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_adb_server_get_port (server));
  other_phone = ub_phone_new_for_adb_address (address);
  ub_detect_page_add_phone (detect, other_phone);
  ub_window_add_demo_locked_phone (f->window);
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  g_assert_true (ub_ui_wait (ub_ui_locked_listed, f->window, 60));
  g_assert_true (ub_ui_wait (recovery_listed, f, 10));
  ub_detect_page_set_selected (detect, ub_ui_find_listed (f->window, FALSE), TRUE);
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "recovery-connect");
  ub_ui_spin (0.5);
  g_assert_cmpstr (visible_page (f), ==, "recovery-connect");

  ub_ui_click (page (f, "recovery-connect"), "_Do It for Me (Demo)");
  g_assert_true (ub_ui_wait (ub_ui_on_recovery_firmware, f->window, 15));
  /* the demo's phone, not the other one */
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"),
                                   ub_emu_recovery_get_info (ub_emu_demo_get_recovery (f->demo), "sn")));
  g_assert_false (ub_ui_shows_text (page (f, "recovery-firmware"), "0000beef"));
  ub_detect_page_remove_phone (detect, address);
  ub_emu_adb_server_stop (server);
  ub_test_rm_rf (dir);
}

/* A phone already in Mi Assistant mode is listed with its model, version and
 * region, and Continue takes it to the recovery path. */
static void
test_mi_assistant_listed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));
  g_autoptr(UbPhone) phone = NULL;
  const char *version;
  g_autofree char *region = NULL;

  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  g_assert_true (ub_emu_demo_enter_recovery (f->demo, &error));
  g_assert_no_error (error);
  phone = ub_phone_new_for_adb_address (ub_emu_demo_get_recovery_address (f->demo));
  ub_detect_page_add_phone (detect, phone);
  g_assert_true (ub_ui_wait (recovery_listed, f, 10));
  version = ub_recovery_info_get_version (ub_phone_get_recovery_info (phone));
  g_assert_nonnull (version);
  g_assert_cmpstr (version, ==, ub_emu_recovery_get_info (ub_emu_demo_get_recovery (f->demo), "version"));
  region = g_strdup_printf ("region %s", ub_emu_recovery_get_info (ub_emu_demo_get_recovery (f->demo), "region"));
  {
    g_autofree char *model = ub_phone_dup_model_name (ub_emu_recovery_get_info (ub_emu_demo_get_recovery (f->demo), "device"));
    g_autofree char *title = ub_phone_dup_title (phone);

    g_assert_cmpstr (title, ==, model);
    g_assert_true (ub_ui_shows_text (page (f, "detect"), model));
  }
  g_assert_true (ub_ui_shows_text (page (f, "detect"), version));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), region));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Mi Assistant mode"));
  /* chosen alone, never with the fastboot phone */
  ub_detect_page_set_selected (detect, phone, TRUE);
  {
    g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (detect);
    g_assert_cmpuint (selected->len, ==, 1);
    g_assert_true (g_ptr_array_index (selected, 0) == phone);
  }
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-detect-mi-assistant");
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "recovery-firmware");
}

/* adb phones that are not in Mi Assistant mode: a started phone asking for
 * adb authorisation, and one that answers with another banner. */
static gboolean
done_probing (gpointer data)
{
  return !ub_phone_get_probing (data);
}

static void
test_adb_not_mi_assistant (Fixture *f, gconstpointer data)
{
  UbEmuRecoveryFault faults[] = { UB_EMU_RECOVERY_FAULT_AUTH, UB_EMU_RECOVERY_FAULT_NOT_SIDELOAD };
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));

  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("ub-adb-XXXXXX", &error);
      g_autofree char *package = g_build_filename (dir, "package.zip", NULL);
      g_autoptr(UbEmuRecovery) recovery = ub_emu_recovery_new (package);
      g_autoptr(UbEmuAdbServer) server = ub_emu_adb_server_new (recovery);
      g_autofree char *address = NULL;
      g_autoptr(UbPhone) phone = NULL;
      g_autofree char *diagnosis = NULL;

      g_assert_no_error (error);
      ub_emu_recovery_set_fault (recovery, faults[i], 0, 0);
      g_assert_true (ub_emu_adb_server_start (server, 0, &error));
      g_assert_no_error (error);
      address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_adb_server_get_port (server));
      phone = ub_phone_new_for_adb_address (address);
      ub_detect_page_add_phone (detect, phone);
      g_assert_true (ub_ui_wait (done_probing, phone, 10));
      g_assert_false (ub_phone_get_usable (phone));
      g_assert_null (ub_phone_get_recovery_info (phone));
      diagnosis = ub_phone_dup_diagnosis (phone);
      g_assert_nonnull (diagnosis);
      g_assert_nonnull (strstr (diagnosis, "Connect with MIAssistant"));
      g_assert_true (ub_ui_shows_text (page (f, "detect"), "Android phone (started normally)"));
      g_assert_true (ub_ui_shows_text (page (f, "detect"), "hold Volume Up and Power until the recovery menu appears"));
      g_assert_true (ub_ui_shows_text (page (f, "detect"), "hold Volume Down and Power together"));
      if (i == 0)
        ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-detect-adb-auth");
      /* never selected: the unlocked demo phone still is */
      {
        g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (detect);
        guint index;
        g_assert_false (g_ptr_array_find (selected, phone, &index));
      }
      ub_detect_page_remove_phone (detect, address);
      ub_emu_adb_server_stop (server);
      ub_test_rm_rf (dir);
    }
}

static void
test_anti_rollback (Fixture *f, gconstpointer data)
{
  ub_emu_phone_set_var (ub_emu_demo_get_phone (f->demo), "anti", "5");
  go_to_confirm (f, NULL, NULL);
  assert_refused (f, "anti-rollback", "anti-rollback", "refusal-anti-rollback");
}

static void
test_unplug_resume (Fixture *f, gconstpointer data)
{
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));
  g_autoptr(GError) error = NULL;

  go_to_confirm (f, NULL, NULL);
  ub_confirm_page_set_mode (UB_CONFIRM_PAGE (page (f, "confirm")), UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  /* the cable comes out after 40 MiB */
  g_assert_true (ub_emu_phone_add_fault (ub_emu_demo_get_phone (f->demo), "disconnect-after:41943040", &error));
  g_assert_no_error (error);
  ub_ui_click (page (f, "confirm"), "_Flash");
  ub_ui_answer_dialog ("flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Flashing Did Not Finish");
  g_assert_true (ub_result_page_get_can_resume (result));
  g_assert_true (ub_ui_shows_text (page (f, "result"), "Nothing was lost"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "failure-1-unplugged");

  /* plugged in again: resume from the failed step */
  {
    UbFlashJob *job = NULL;
    g_autoptr(GPtrArray) phones = ub_detect_page_get_selected (UB_DETECT_PAGE (page (f, "detect")));
    g_autofree char *label = NULL;

    g_assert_cmpuint (phones->len, ==, 1);
    job = ub_phone_get_job (g_ptr_array_index (phones, 0));
    g_assert_nonnull (job);
    label = g_strdup_printf ("_Resume from Step %u of %u", ub_flash_job_get_resume_step (job) + 1,
                             ub_flash_plan_get_n_steps (ub_flash_job_get_plan (job)));
    g_assert_cmpuint (ub_flash_job_get_resume_step (job), >, 0);
    ub_ui_click (page (f, "result"), label);
  }
  g_assert_cmpstr (visible_page (f), ==, "flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Your Phone Is Restarting");
  ub_ui_screenshot (GTK_WINDOW (f->window), "failure-2-resumed");
  assert_partition_holds (f, "boot_a", "boot.img");
}

/* The app closed after a failed flash and opened again: the same phone with
 * the same ROM and mode is offered "Resume from Step N", which finishes the
 * flash without starting over. */
static void
test_resume_after_restart (Fixture *f, gconstpointer data)
{
  UbConfirmPage *confirm;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  guint resume_step, n_steps, n_writes;

  go_to_confirm (f, NULL, NULL);
  ub_confirm_page_set_mode (UB_CONFIRM_PAGE (page (f, "confirm")), UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  g_assert_cmpuint (ub_confirm_page_get_saved_step (UB_CONFIRM_PAGE (page (f, "confirm"))), ==, G_MAXUINT);
  g_assert_true (ub_emu_phone_add_fault (ub_emu_demo_get_phone (f->demo), "disconnect-after:41943040", &error));
  g_assert_no_error (error);
  ub_ui_click (page (f, "confirm"), "_Flash");
  ub_ui_answer_dialog ("flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  {
    g_autoptr(GPtrArray) phones = ub_detect_page_get_selected (UB_DETECT_PAGE (page (f, "detect")));
    UbFlashJob *job = ub_phone_get_job (g_ptr_array_index (phones, 0));

    g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
    resume_step = ub_flash_job_get_resume_step (job);
    n_steps = ub_flash_plan_get_n_steps (ub_flash_job_get_plan (job));
    g_assert_cmpuint (resume_step, >, 0);
  }

  /* closed and opened again: a new window, nothing carried over but the files on disk */
  gtk_window_destroy (GTK_WINDOW (f->window));
  ub_ui_spin (0.1);
  f->window = ub_window_new (NULL, f->demo);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 720);
  ub_ui_present (GTK_WINDOW (f->window));
  go_to_confirm (f, NULL, NULL);
  {
    /* the firmware page offered the ROM of the unfinished flash too */
    g_autofree char *offer = g_strdup_printf ("Unfinished flash of this phone (%s), stopped at step %u",
                                              ub_rom_mode_get_title (UB_ROM_MODE_CLEAN_ALL), resume_step + 1);
    g_assert_true (ub_ui_shows_text (page (f, "firmware"), offer));
  }
  confirm = UB_CONFIRM_PAGE (page (f, "confirm"));
  ub_confirm_page_set_mode (confirm, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  g_assert_true (ub_confirm_page_get_can_flash (confirm));
  g_assert_cmpuint (ub_confirm_page_get_saved_step (confirm), ==, resume_step);
  label = g_strdup_printf ("_Resume from Step %u of %u", resume_step + 1, n_steps);
  ub_ui_screenshot (GTK_WINDOW (f->window), "resume-after-restart");
  /* another mode is another plan: nothing to resume there */
  ub_confirm_page_set_mode (confirm, UB_ROM_MODE_KEEP_DATA);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  g_assert_cmpuint (ub_confirm_page_get_saved_step (confirm), ==, G_MAXUINT);
  ub_confirm_page_set_mode (confirm, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));

  n_writes = ub_emu_phone_get_n_writes (ub_emu_demo_get_phone (f->demo));
  ub_ui_click (page (f, "confirm"), label);
  g_assert_cmpstr (visible_page (f), ==, "flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  g_assert_cmpstr (ub_result_page_get_title (UB_RESULT_PAGE (page (f, "result"))), ==, "Your Phone Is Restarting");
  {
    g_autoptr(GPtrArray) phones = ub_detect_page_get_selected (UB_DETECT_PAGE (page (f, "detect")));
    UbFlashJob *job = ub_phone_get_job (g_ptr_array_index (phones, 0));
    g_autofree char *log = NULL;

    g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
    g_assert_cmpuint (ub_emu_phone_get_n_writes (ub_emu_demo_get_phone (f->demo)), >, n_writes);
  }
  assert_partition_holds (f, "boot_a", "boot.img");

  /* finished: not offered again */
  g_assert_false (ub_resume_point_peek ("8d1cac2", NULL, NULL, NULL));
}

static gboolean
lock_dialog_shown (gpointer data)
{
  AdwMessageDialog *dialog = ub_ui_find_dialog ();
  return dialog != NULL && g_strcmp0 (adw_message_dialog_get_heading (dialog), "Lock the Bootloader?") == 0;
}

/*
 * "Clean all and lock", the lock followed by the script's reboot: @data TRUE,
 * the phone restarts at once after the lock's OKAY (as Xiaomi phones do, the
 * demo's default); FALSE, it stays in fastboot mode. Both end in success.
 */
static void
test_lock (Fixture *f, gconstpointer data)
{
  /* 1: restarts after the lock; 0: stays and restarts at the script's reboot;
   * 2: stays and refuses that reboot */
  gboolean restart = GPOINTER_TO_INT (data) == 1;
  gboolean refuses = GPOINTER_TO_INT (data) == 2;
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));
  UbEmuPhone *phone = ub_emu_demo_get_phone (f->demo);
  g_autoptr(GError) error = NULL;
  g_autofree char *rom = ub_emu_demo_write_rom (f->demo, NULL, &error);
  g_autofree char *script_path = NULL;
  g_autofree char *script = NULL;
  g_autofree char *log_path = g_build_filename (ub_emu_phone_get_state_dir (phone), "writes.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *unlocked = NULL;
  g_autofree char *tail = NULL;
  g_autoptr(GPtrArray) phones = NULL;
  UbFlashJob *job;

  g_assert_no_error (error);
  g_assert_true (ub_emu_phone_get_restart_on_lock (phone));
  ub_emu_phone_set_restart_on_lock (phone, restart);
  if (refuses)
    g_assert_true (ub_emu_phone_add_fault (phone, "fail:reboot:1:Reboot is not allowed", &error));
  script_path = g_build_filename (rom, "flash_all_lock.sh", NULL);
  g_assert_true (g_file_get_contents (script_path, &script, NULL, NULL));
  g_assert_true (g_str_has_suffix (script, "fastboot $* oem lock\n"
                                           "if [ $? -ne 0 ] ; then echo \"Reboot error\"; exit 1; fi\n"));
  {
    g_autofree char *more = g_strconcat (script, "fastboot $* reboot\n", NULL);
    g_assert_true (g_file_set_contents (script_path, more, -1, NULL));
  }

  go_to_confirm_rom (f, NULL, rom, NULL);
  ub_confirm_page_set_mode (UB_CONFIRM_PAGE (page (f, "confirm")), UB_ROM_MODE_CLEAN_ALL_LOCK);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  g_assert_true (ub_confirm_page_get_can_flash (UB_CONFIRM_PAGE (page (f, "confirm"))));
  ub_ui_click (page (f, "confirm"), "_Flash");
  {
    /* the flash dialog, then the lock's own */
    AdwMessageDialog *dialog = ub_ui_wait_for_dialog ();
    g_assert_nonnull (dialog);
    adw_message_dialog_response (dialog, "flash");
    gtk_window_close (GTK_WINDOW (dialog));
    g_assert_true (ub_ui_wait (lock_dialog_shown, NULL, 5));
  }
  ub_ui_answer_dialog ("lock");
  g_assert_cmpstr (visible_page (f), ==, "flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));

  /* success, the lock's own next step, no resume */
  if (refuses)
    {
      g_assert_cmpstr (ub_result_page_get_title (result), ==, "Flashing Finished");
      g_assert_cmpstr (ub_result_page_get_description (result), ==,
                       "The bootloader is locked, but the phone did not restart. Hold the Power "
                       "button until it restarts; it then erases itself, and the first start can "
                       "take up to 10 minutes.");
    }
  else
    {
      g_assert_cmpstr (ub_result_page_get_title (result), ==, "Your Phone Is Restarting");
      g_assert_cmpstr (ub_result_page_get_description (result), ==,
                       "The phone is restarting to finish locking the bootloader. It erases itself, and "
                       "the first start can take up to 10 minutes. Leave it alone until you see the "
                       "welcome screen. You can unplug the cable now.");
    }
  g_assert_false (ub_result_page_get_can_resume (result));
  g_assert_null (ub_ui_find_by_label (page (f, "result"), GTK_TYPE_BUTTON, "_Resume"));
  {
    GtkWidget *retry = ub_ui_find_by_label (page (f, "result"), GTK_TYPE_BUTTON, "_Retry");
    g_assert_true (retry == NULL || !gtk_widget_get_visible (retry));
  }
  g_assert_false (ub_ui_shows_text (page (f, "result"), "Nothing was lost"));
  ub_ui_screenshot (GTK_WINDOW (f->window), restart ? "lock-1-restarting"
                                            : refuses ? "lock-3-no-restart" : "lock-2-stays");
  phones = ub_detect_page_get_selected (UB_DETECT_PAGE (page (f, "detect")));
  job = ub_phone_get_job (g_ptr_array_index (phones, 0));
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_true (ub_flash_job_get_locked (job));
  g_assert_null (ub_flash_job_get_error (job));

  /* written, locked, and nothing after the lock reached a restarting phone */
  assert_partition_holds (f, "boot_a", "boot.img");
  assert_partition_holds (f, "boot_b", "boot.img");
  unlocked = ub_emu_phone_dup_var (phone, "unlocked");
  g_assert_cmpstr (unlocked, ==, "no");
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  tail = g_strdup (restart ? "set_active a\noem lock\nrestart after lock\n"
                   : refuses ? "set_active a\noem lock\n"
                   : "set_active a\noem lock\nreboot system\n");
  g_assert_true (g_str_has_suffix (log, tail));
  if (restart || refuses)
    g_assert_null (strstr (log, "reboot"));
  g_assert_nonnull (strstr (ub_phone_get_log (g_ptr_array_index (phones, 0)), "Skipped after the lock: reboot"));
}

static void
test_diagnoses (Fixture *f, gconstpointer data)
{
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));
  struct {
    UbUsbDeviceKind kind;
    guint16 vid, pid;
    UbUsbAccessProblem problem;
    const char *title;
    const char *says;
  } devices[] = {
    { UB_USB_DEVICE_KIND_ADB, 0x18d1, 0x4ee7, UB_USB_ACCESS_OK,
      "Android phone (started normally)", "hold Volume Down and Power" },
    { UB_USB_DEVICE_KIND_EDL, 0x05c6, 0x9008, UB_USB_ACCESS_OK,
      "Phone in Qualcomm emergency mode (EDL)", "authorised service tool" },
    { UB_USB_DEVICE_KIND_BROM, 0x0e8d, 0x0003, UB_USB_ACCESS_OK,
      "Phone in MediaTek boot ROM mode", "authorised service tool" },
    { UB_USB_DEVICE_KIND_FASTBOOT, 0x18d1, 0xd00d, UB_USB_ACCESS_PERMISSION,
      "Phone in fastboot mode", "Install the USB rule below" },
    { UB_USB_DEVICE_KIND_FASTBOOT, 0x18d1, 0xd00d, UB_USB_ACCESS_BUSY,
      "Phone in fastboot mode", "ModemManager" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    {
      g_autofree char *path = g_strdup_printf ("usb:1-%u", i + 1);
      g_autoptr(UbUsbDeviceInfo) info = ub_usb_device_info_new (devices[i].kind, path, NULL, devices[i].vid,
                                                                 devices[i].pid, NULL, devices[i].problem);
      g_autoptr(UbPhone) phone = ub_phone_new_for_usb (info);

      ub_detect_page_add_phone (detect, phone);
      g_assert_false (ub_phone_get_usable (phone));
    }
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    {
      if (!ub_ui_shows_text (page (f, "detect"), devices[i].title))
        g_error ("“%s” is not shown", devices[i].title);
      if (!ub_ui_shows_text (page (f, "detect"), devices[i].says))
        g_error ("“%s” is not shown", devices[i].says);
    }
  /* the udev rule and how to install it */
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Allow Unbrick to Use Phones"));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "TAG+=\"uaccess\""));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "sudo tee /etc/udev/rules.d/70-unbrick.rules"));
  /* the rule installed through pkexec, after asking (a stand-in pkexec records what it was asked) */
  {
    const char *log = g_getenv ("UB_FAKE_PKEXEC_LOG");
    g_autofree char *rule_copy = g_strconcat (log, ".rule", NULL);
    g_autofree char *args = NULL;
    g_autofree char *copied = NULL;
    g_autofree char *source = g_build_filename (g_getenv ("UB_SOURCE_DIR"), "data", "udev", "70-unbrick.rules", NULL);
    g_autofree char *expected = NULL;
    g_auto(GStrv) argv = NULL;
    AdwMessageDialog *dialog;

    ub_ui_click (page (f, "detect"), "_Install the Rule…");
    g_assert_cmpstr (adw_message_dialog_get_heading (ub_ui_wait_for_dialog ()), ==, "Install the USB Rule?");
    ub_ui_answer_dialog ("install");
    dialog = ub_ui_wait_for_dialog ();
    g_assert_nonnull (dialog);
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "The Rule Is Installed");
    ub_ui_answer_dialog ("close");
    g_assert_true (g_file_get_contents (log, &args, NULL, NULL));
    argv = g_strsplit (args, "\n", -1);
    g_assert_cmpuint (g_strv_length (argv), ==, 6);
    g_assert_cmpstr (argv[0], ==, "install");
    g_assert_cmpstr (argv[1], ==, "-m");
    g_assert_cmpstr (argv[2], ==, "0644");
    g_assert_cmpstr (argv[4], ==, "/etc/udev/rules.d/70-unbrick.rules");
    g_assert_false (g_file_test (argv[3], G_FILE_TEST_EXISTS));   /* the temporary copy is gone */
    g_assert_true (g_file_get_contents (rule_copy, &copied, NULL, NULL));
    g_assert_true (g_file_get_contents (source, &expected, NULL, NULL));
    g_assert_cmpstr (copied, ==, expected);
  }
  /* only the demo phone can go on */
  {
    g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (detect);
    g_assert_cmpuint (selected->len, ==, 1);
  }
  ub_ui_screenshot (GTK_WINDOW (f->window), "detect-diagnoses");
  /* the help, opened */
  {
    GtkWidget *help = ub_ui_find_by_label (page (f, "detect"), ADW_TYPE_EXPANDER_ROW, "How do I get to fastboot mode?");
    GtkWidget *scrolled = gtk_widget_get_ancestor (help, GTK_TYPE_SCROLLED_WINDOW);

    g_assert_nonnull (help);
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (help), TRUE);
    ub_ui_spin (0.4);
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                              gtk_adjustment_get_upper (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled))));
    g_assert_true (ub_ui_shows_text (page (f, "detect"), "2. Hold Volume Down and Power together"));
    ub_ui_screenshot (GTK_WINDOW (f->window), "detect-help");
  }
}

typedef struct {
  UbConfirmPage *confirm;
  UbPhone       *first;
  UbPhone       *second;
} TwoChecks;

/* the first phone's checks at their last step, the second's still running */
static gboolean
first_at_last_step (gpointer data)
{
  TwoChecks *two = data;
  g_autofree char *text = ub_confirm_page_dup_check_text (two->confirm, two->first);

  return g_strcmp0 (text, "Reading the images") == 0 &&
         ub_confirm_page_get_check_fraction (two->confirm, two->second) >= 0;
}

static void
test_two_phones (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuDemo) second = ub_emu_demo_new (&error);
  g_autoptr(UbPhone) phone = NULL;
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));

  g_assert_no_error (error);
  ub_emu_phone_set_var (ub_emu_demo_get_phone (second), "serialno", "5e7a9b1");
  phone = ub_phone_new_for_address (ub_emu_demo_get_address (second));
  ub_detect_page_add_phone (detect, phone);
  {
    g_autoptr(GPtrArray) selected = NULL;
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    do
      {
        g_clear_pointer (&selected, g_ptr_array_unref);
        ub_ui_spin (0.05);
        selected = ub_detect_page_get_selected (detect);
      }
    while (selected->len < 2 && g_get_monotonic_time () < deadline);
    g_assert_cmpuint (selected->len, ==, 2);
  }
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Serial 5e7a9b1"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "multi-1-detect");
  g_assert_nonnull (ub_ui_find_by_label (page (f, "detect"), GTK_TYPE_BUTTON, "_Continue with 2 Phones"));
  ub_ui_click (page (f, "detect"), "_Continue with 2 Phones");
  ub_ui_click (page (f, "firmware"), "Use the _Demo Firmware");
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, f->window, 30));
  g_assert_true (ub_firmware_page_get_ready (UB_FIRMWARE_PAGE (page (f, "firmware"))));
  /* each phone's checks show their own progress: the second phone answers
   * "product" late, so it is still at its first step while the first one,
   * slowed down at its last step, is there */
  g_assert_true (ub_emu_phone_add_fault (ub_emu_demo_get_phone (second), "delay:getvar:product:8000", &error));
  g_assert_true (ub_emu_phone_add_fault (ub_emu_demo_get_phone (f->demo), "delay:getvar:partition-size:400",
                                         &error));
  ub_ui_click (page (f, "firmware"), "_Continue");
  {
    UbConfirmPage *confirm = UB_CONFIRM_PAGE (page (f, "confirm"));
    g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (detect);
    UbPhone *first = g_ptr_array_index (selected, 0) == phone ? g_ptr_array_index (selected, 1)
                                                               : g_ptr_array_index (selected, 0);
    TwoChecks two = { confirm, first, phone };
    g_autofree char *first_text = NULL;
    g_autofree char *second_text = NULL;

    g_assert_true (ub_ui_wait (first_at_last_step, &two, 30));
    first_text = ub_confirm_page_dup_check_text (confirm, first);
    second_text = ub_confirm_page_dup_check_text (confirm, phone);
    g_assert_cmpstr (first_text, ==, "Reading the images");
    g_assert_cmpfloat (ub_confirm_page_get_check_fraction (confirm, first), >=, 0.9);
    g_assert_cmpstr (second_text, ==, "Checking the phone");
    g_assert_cmpfloat (ub_confirm_page_get_check_fraction (confirm, phone), <, 0.1);
    ub_ui_screenshot (GTK_WINDOW (f->window), "multi-1b-checks");
  }
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  ub_emu_phone_clear_faults (ub_emu_demo_get_phone (second));
  ub_emu_phone_clear_faults (ub_emu_demo_get_phone (f->demo));
  g_assert_true (ub_confirm_page_get_can_flash (UB_CONFIRM_PAGE (page (f, "confirm"))));
  ub_ui_click (page (f, "confirm"), "_Flash");
  {
    AdwMessageDialog *dialog;
    g_assert_nonnull (ub_ui_wait_for_dialog ());
    dialog = ub_ui_find_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Flash 2 Phones?");
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "serial 8d1cac2"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "serial 5e7a9b1"));
  }
  ub_emu_demo_set_rate (f->demo, 40 * 1024 * 1024);
  ub_emu_demo_set_rate (second, 60 * 1024 * 1024);
  ub_ui_answer_dialog ("flash");
  g_assert_true (ub_ui_shows_text (page (f, "flash"), "Flashing 2 Phones"));
  g_assert_true (ub_ui_wait (flash_halfway, f, 60));
  if (g_strcmp0 (visible_page (f), "flash") == 0)
    ub_ui_screenshot (GTK_WINDOW (f->window), "multi-2-flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 180));
  g_assert_cmpstr (ub_result_page_get_title (UB_RESULT_PAGE (page (f, "result"))), ==, "Your Phones Are Restarting");
  ub_ui_screenshot (GTK_WINDOW (f->window), "multi-3-result");
  assert_partition_holds (f, "boot_a", "boot.img");
  {
    g_autofree char *second_boot = ub_emu_phone_get_partition_path (ub_emu_demo_get_phone (second), "boot_a");
    g_autofree char *first_boot = ub_emu_phone_get_partition_path (ub_emu_demo_get_phone (f->demo), "boot_a");
    g_autofree char *a = NULL, *b = NULL;
    gsize alen, blen;
    g_assert_true (g_file_get_contents (first_boot, &a, &alen, NULL));
    g_assert_true (g_file_get_contents (second_boot, &b, &blen, NULL));
    g_assert_cmpuint (alen, ==, blen);
    g_assert_true (memcmp (a, b, alen) == 0);
  }
  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = ub_window_new (NULL, f->demo);   /* teardown destroys one */
}

static gboolean
advanced_idle (gpointer data)
{
  return !ub_advanced_page_get_busy (data);
}

static void
test_advanced (Fixture *f, gconstpointer data)
{
  UbAdvancedPage *advanced = UB_ADVANCED_PAGE (page (f, "advanced"));
  g_autoptr(GError) error = NULL;
  g_autofree char *image = g_build_filename (ub_emu_demo_get_dir (f->demo), "recovery-test.img", NULL);
  g_autofree char *big = g_build_filename (ub_emu_demo_get_dir (f->demo), "too-big.img", NULL);
  g_autofree char *bytes = g_malloc (3 * 1024 * 1024);
  g_autofree char *written = NULL;
  g_autofree char *part_path = NULL;
  gsize written_len;

  for (gsize i = 0; i < 3 * 1024 * 1024; i++)
    bytes[i] = (char) (i * 7 + (i >> 12));
  g_assert_true (g_file_set_contents (image, bytes, 3 * 1024 * 1024, &error));
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.advanced", NULL));
  g_assert_cmpstr (visible_page (f), ==, "advanced");
  ub_advanced_page_set_partition (advanced, "boot");
  ub_advanced_page_set_image (advanced, image);
  ub_ui_screenshot (GTK_WINDOW (f->window), "advanced");
  ub_ui_click (page (f, "advanced"), "_Flash Image");
  ub_ui_answer_dialog ("flash");
  g_assert_true (ub_ui_wait (advanced_idle, advanced, 30));
  /* the phone is on slot b: "boot" is boot_b */
  g_assert_cmpstr (ub_advanced_page_get_status (advanced), ==, "Done: the image was written to boot.");
  /* the bar followed the bytes sent to the end */
  g_assert_cmpfloat_with_epsilon (ub_advanced_page_get_fraction (advanced), 1.0, 1e-9);
  part_path = ub_emu_phone_get_partition_path (ub_emu_demo_get_phone (f->demo), "boot_b");
  g_assert_true (g_file_get_contents (part_path, &written, &written_len, NULL));
  g_assert_cmpuint (written_len, >=, 3 * 1024 * 1024);
  g_assert_true (memcmp (written, bytes, 3 * 1024 * 1024) == 0);

  /* an image larger than its partition is refused before anything is sent */
  {
    g_autoptr(GFile) file = g_file_new_for_path (big);
    g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
    g_assert_no_error (error);
    /* dtbo is 32 MiB on alioth */
    g_assert_true (g_seekable_truncate (G_SEEKABLE (out), 33 * 1024 * 1024, NULL, &error));
    g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  }
  {
    guint writes = ub_emu_phone_get_n_writes (ub_emu_demo_get_phone (f->demo));
    ub_advanced_page_set_partition (advanced, "dtbo");
    ub_advanced_page_set_image (advanced, big);
    ub_advanced_page_flash (advanced);
    g_assert_true (ub_ui_wait (advanced_idle, advanced, 30));
    if (strstr (ub_advanced_page_get_status (advanced), "is larger than the partition") == NULL)
      g_error ("status: %s", ub_advanced_page_get_status (advanced));
    g_assert_cmpuint (ub_emu_phone_get_n_writes (ub_emu_demo_get_phone (f->demo)), ==, writes);
  }
  /* a partition the phone does not have */
  ub_advanced_page_set_partition (advanced, "nosuchpart");
  ub_advanced_page_set_image (advanced, image);
  ub_advanced_page_flash (advanced);
  g_assert_true (ub_ui_wait (advanced_idle, advanced, 30));
  g_assert_cmpstr (ub_advanced_page_get_status (advanced), ==,
                   "The phone has no partition named “nosuchpart”. Check the name (for example boot, recovery or vendor_boot).");
  ub_ui_screenshot (GTK_WINDOW (f->window), "advanced-refused");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL));
  g_assert_cmpstr (visible_page (f), ==, "detect");
}

static void
test_close_while_flashing (Fixture *f, gconstpointer data)
{
  go_to_confirm (f, NULL, NULL);
  ub_emu_demo_set_rate (f->demo, 8 * 1024 * 1024);
  ub_ui_click (page (f, "confirm"), "_Flash");
  ub_ui_answer_dialog ("flash");
  g_assert_true (ub_window_get_busy (f->window));

  /* closing asks, and "Keep Flashing" keeps the window */
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_nonnull (ub_ui_wait_for_dialog ());
  g_assert_cmpstr (adw_message_dialog_get_heading (ub_ui_find_dialog ()), ==, "Stop Flashing and Close?");
  ub_ui_screenshot (GTK_WINDOW (ub_ui_find_dialog ()), "flash-close-dialog");
  ub_ui_answer_dialog ("keep");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  g_assert_true (ub_window_get_busy (f->window));

  /* Cancel asks too, saying what state the phone is left in */
  ub_ui_click (page (f, "flash"), "_Cancel");
  g_assert_nonnull (ub_ui_wait_for_dialog ());
  g_assert_cmpstr (adw_message_dialog_get_heading (ub_ui_find_dialog ()), ==, "Stop Flashing?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ub_ui_find_dialog ()), "resume"));
  ub_ui_screenshot (GTK_WINDOW (ub_ui_find_dialog ()), "flash-cancel-dialog");
  ub_ui_answer_dialog ("stop");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 60));
  g_assert_cmpstr (ub_result_page_get_title (UB_RESULT_PAGE (page (f, "result"))), ==, "Flashing Stopped");
  g_assert_true (ub_result_page_get_can_resume (UB_RESULT_PAGE (page (f, "result"))));
  ub_ui_screenshot (GTK_WINDOW (f->window), "result-stopped");
}

/* A ROM folder dropped on the firmware page opens like a selected one. */
static void
test_drop (Fixture *f, gconstpointer data)
{
  GtkWidget *firmware = page (f, "firmware");
  g_autoptr(GError) error = NULL;
  g_autofree char *rom = ub_emu_demo_write_rom (f->demo, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_true (ub_ui_drop_file (firmware, rom));
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, f->window, 30));
  g_assert_true (ub_firmware_page_get_ready (UB_FIRMWARE_PAGE (firmware)));
  g_assert_cmpstr (ub_rom_get_source (ub_firmware_page_get_rom (UB_FIRMWARE_PAGE (firmware))), ==, rom);
}

static void
serve_file (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  GBytes *body = data;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gboolean
download_idle (gpointer data)
{
  return !ub_download_panel_get_busy (data);
}

static void
test_download (Fixture *f, gconstpointer data)
{
  UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));
  UbDownloadPanel *panel = UB_DOWNLOAD_PANEL (ub_firmware_page_get_download_panel (firmware));
  g_autoptr(GSettings) settings = g_settings_new ("io.github.unbrick.Unbrick");
  g_autofree char *folder = g_build_filename (ub_emu_demo_get_dir (f->demo), "downloads", NULL);
  g_autofree char *saved = g_build_filename (folder, "notes.txt", NULL);
  g_autofree char *part = g_build_filename (folder, "notes.txt.part", NULL);
  g_autofree char *content = g_strnfill (300000, 'x');
  g_autoptr(GBytes) body = g_bytes_new (content, 300000);
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;
  g_autofree char *got = NULL;
  gsize got_len;

  g_settings_set_string (settings, "download-folder", folder);
  soup_server_add_handler (server, "/notes.txt", serve_file, body, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/notes.txt", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  ub_ui_click (page (f, "detect"), "_Continue");
  ub_ui_click (page (f, "firmware"), "Do_wnload…");

  /* a wrong MD5: refused, and no file is left under the final name */
  ub_download_panel_set_url (panel, url, "0123456789abcdef0123456789abcdef");
  ub_ui_click (page (f, "firmware"), "_Start Download");
  g_assert_true (ub_ui_wait (download_idle, panel, 30));
  g_assert_nonnull (ub_download_panel_get_error (panel));
  /* the reason, then the advice for a checksum that does not match */
  g_assert_nonnull (strstr (ub_download_panel_get_error (panel),
                            "\nNext step: Check the MD5 against the download page"));
  g_assert_false (g_file_test (saved, G_FILE_TEST_EXISTS));
  ub_ui_screenshot (GTK_WINDOW (f->window), "firmware-download-refused");

  /* without: it is saved, then handed to the ROM opener, which says it is no ROM */
  ub_download_panel_set_url (panel, url, NULL);
  ub_ui_click (page (f, "firmware"), "_Start Download");
  g_assert_true (ub_ui_wait (download_idle, panel, 30));
  g_assert_null (ub_download_panel_get_error (panel));
  g_assert_true (g_file_get_contents (saved, &got, &got_len, NULL));
  g_assert_cmpuint (got_len, ==, 300000);
  g_assert_true (memcmp (got, content, got_len) == 0);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, f->window, 30));
  g_assert_null (ub_firmware_page_get_rom (firmware));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"), "is neither a ROM folder nor a .tgz ROM file"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "firmware-downloaded-not-a-rom");
  g_settings_reset (settings, "download-folder");
}

/* ---- finding the firmware (the demo's catalog server) */

#define DEMO_MODEL "Redmi K40 / POCO F3 / Mi 11X"

static gboolean
finder_settled (gpointer data)
{
  return !ub_rom_finder_get_busy (data);
}

static gboolean
download_done_and_opened (gpointer data)
{
  Fixture *f = data;
  UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));
  UbDownloadPanel *panel = UB_DOWNLOAD_PANEL (ub_firmware_page_get_download_panel (firmware));

  return !ub_download_panel_get_busy (panel) && !ub_firmware_page_get_busy (firmware) &&
         (ub_firmware_page_get_rom (firmware) != NULL || ub_download_panel_get_error (panel) != NULL);
}

/* Detect → Firmware; the finder of the demo phone's model. */
static UbRomFinder *
go_to_finder (Fixture *f)
{
  GtkWidget *finder;

  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "firmware");
  finder = ub_firmware_page_get_finder (UB_FIRMWARE_PAGE (page (f, "firmware")), "alioth");
  g_assert_nonnull (finder);
  /* the first action, named by the phone's market name, and what it sends where */
  g_assert_nonnull (ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON,
                                         "F_ind Firmware for " DEMO_MODEL));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"),
                                   "The list comes from XiaomiFirmwareUpdater and HyperData on GitHub; nothing about your phone is sent."));
  return UB_ROM_FINDER (finder);
}

/* Find → the Global release listed first and chosen → Download and Use → opened → Confirm. */
static void
test_find (Fixture *f, gconstpointer data)
{
  UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));
  UbDownloadPanel *panel = UB_DOWNLOAD_PANEL (ub_firmware_page_get_download_panel (firmware));
  g_autoptr(GSettings) settings = g_settings_new ("io.github.unbrick.Unbrick");
  g_autofree char *folder = g_build_filename (ub_emu_demo_get_dir (f->demo), "downloads", NULL);
  g_autoptr(GVariant) regions = NULL;
  g_autoptr(UbRomRelease) chosen = NULL;
  g_autofree char *subtitle_part = NULL;
  g_autofree char *opened = NULL;
  const char *region = NULL;
  UbRomFinder *finder;
  GPtrArray *releases;
  gboolean has_eea = FALSE;

  g_settings_set_string (settings, "download-folder", folder);
  finder = go_to_finder (f);
  ub_ui_click (page (f, "firmware"), "F_ind Firmware for " DEMO_MODEL);
  g_assert_true (ub_ui_wait (finder_settled, finder, 30));
  g_assert_null (ub_rom_finder_get_message (finder));

  /* the phone's releases, Global first and chosen, each region in plain words */
  releases = ub_rom_finder_get_releases (finder);
  g_assert_cmpuint (releases->len, >=, 2);
  for (guint i = 0; i < releases->len; i++)
    {
      UbRomRelease *release = g_ptr_array_index (releases, i);

      g_assert_cmpstr (ub_rom_release_get_product (release), ==, "alioth");
      has_eea |= ub_rom_release_get_region (release) == UB_ROM_REGION_EEA;
    }
  g_assert_true (has_eea);
  chosen = g_object_ref (ub_rom_finder_get_selected (finder));
  g_assert_true (chosen == g_ptr_array_index (releases, 0));
  g_assert_cmpint (ub_rom_release_get_region (chosen), ==, UB_ROM_REGION_GLOBAL);
  g_assert_true (g_str_has_suffix (ub_rom_release_get_version (chosen), "MIXM"));
  g_assert_nonnull (ub_ui_find_by_label (GTK_WIDGET (finder), ADW_TYPE_ACTION_ROW, "Global"));
  g_assert_nonnull (ub_ui_find_by_label (GTK_WIDGET (finder), ADW_TYPE_ACTION_ROW, "Europe (EEA)"));
  g_assert_true (ub_ui_shows_text (GTK_WIDGET (finder), "Official Firmware for " DEMO_MODEL));
  subtitle_part = g_strdup_printf ("%s · Android ", ub_rom_release_get_version (chosen));
  g_assert_true (ub_ui_shows_text (GTK_WIDGET (finder), subtitle_part));
  g_assert_true (ub_ui_shows_text (GTK_WIDGET (finder),
                                   "Not sure which region? It is on the phone’s box, or was in Settings › About phone. Choose Global when unsure."));
  g_assert_nonnull (ub_ui_find_by_label (GTK_WIDGET (finder), ADW_TYPE_ACTION_ROW,
                                         "Show older and _test versions"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "firmware-find-list");

  /* downloaded with the panel's progress, then opened as Select File does */
  ub_ui_click (page (f, "firmware"), "Download a_nd Use");
  g_assert_true (ub_download_panel_get_busy (panel));
  /* the panel says what comes from where instead of asking for an address */
  g_assert_null (ub_ui_find_by_label (GTK_WIDGET (panel), ADW_TYPE_ENTRY_ROW, "Add_ress (https://…)"));
  g_assert_true (ub_ui_shows_text (GTK_WIDGET (panel), "Downloading the Official Firmware"));
  g_assert_true (ub_ui_shows_text (GTK_WIDGET (panel), ub_rom_release_get_version (chosen)));
  g_assert_true (ub_ui_wait (download_done_and_opened, f, 60));
  /* once opened, Download… is the address form again */
  ub_ui_click (page (f, "firmware"), "Do_wnload…");
  g_assert_nonnull (ub_ui_find_by_label (GTK_WIDGET (panel), ADW_TYPE_ENTRY_ROW, "Add_ress (https://…)"));
  g_assert_true (ub_ui_shows_text (GTK_WIDGET (panel), "Download the Firmware"));
  ub_ui_click (page (f, "firmware"), "Do_wnload…");
  g_assert_null (ub_download_panel_get_error (panel));
  g_assert_nonnull (ub_firmware_page_get_rom (firmware));
  opened = g_path_get_basename (ub_rom_get_source (ub_firmware_page_get_rom (firmware)));
  g_assert_cmpstr (opened, ==, ub_rom_release_get_file_name (chosen));
  g_assert_true (g_str_has_prefix (ub_rom_get_source (ub_firmware_page_get_rom (firmware)), folder));
  g_assert_true (ub_firmware_page_get_ready (firmware));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"), "This firmware is made for your phone"));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"), ub_rom_release_get_version (chosen)));

  /* the region is remembered for this phone's serial */
  regions = g_settings_get_value (settings, "rom-regions");
  g_assert_true (g_variant_lookup (regions, "8d1cac2", "&s", &region));
  g_assert_cmpstr (region, ==, "global");

  ub_ui_click (page (f, "firmware"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "confirm");
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  g_assert_true (ub_confirm_page_get_can_flash (UB_CONFIRM_PAGE (page (f, "confirm"))));
  g_settings_reset (settings, "download-folder");
  g_settings_reset (settings, "rom-regions");
}

/* The region chosen before for this serial comes first and is chosen. */
static void
test_find_remembered (Fixture *f, gconstpointer data)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.unbrick.Unbrick");
  GVariantBuilder builder;
  UbRomFinder *finder;
  UbRomRelease *chosen;
  GPtrArray *releases;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&builder, "{ss}", "8d1cac2", "eea");
  g_settings_set_value (settings, "rom-regions", g_variant_builder_end (&builder));

  finder = go_to_finder (f);
  ub_rom_finder_find (finder);
  g_assert_true (ub_rom_finder_get_busy (finder));
  g_assert_true (ub_ui_wait (finder_settled, finder, 30));
  releases = ub_rom_finder_get_releases (finder);
  g_assert_cmpuint (releases->len, >=, 2);
  chosen = ub_rom_finder_get_selected (finder);
  g_assert_true (chosen == g_ptr_array_index (releases, 0));
  g_assert_cmpint (ub_rom_release_get_region (chosen), ==, UB_ROM_REGION_EEA);
  /* then Global */
  g_assert_cmpint (ub_rom_release_get_region (g_ptr_array_index (releases, 1)), ==, UB_ROM_REGION_GLOBAL);

  /* older and test versions: more rows or the same, the choice kept; off again: as before */
  {
    g_autofree char *file = g_strdup (ub_rom_release_get_file_name (chosen));
    GtkWidget *row = ub_ui_find_by_label (GTK_WIDGET (finder), ADW_TYPE_ACTION_ROW, "Show older and _test versions");
    GtkWidget *toggle = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));
    guint n = releases->len;

    gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
    g_assert_cmpuint (ub_rom_finder_get_releases (finder)->len, >=, n);
    g_assert_cmpstr (ub_rom_release_get_file_name (ub_rom_finder_get_selected (finder)), ==, file);
    /* another choice survives the list being made again */
    ub_rom_finder_select (finder, g_ptr_array_index (ub_rom_finder_get_releases (finder), 1));
    g_free (file);
    file = g_strdup (ub_rom_release_get_file_name (ub_rom_finder_get_selected (finder)));
    gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
    g_assert_cmpuint (ub_rom_finder_get_releases (finder)->len, ==, n);
    g_assert_cmpstr (ub_rom_release_get_file_name (ub_rom_finder_get_selected (finder)), ==, file);
  }

  /* a new catalog on the same, now warm, cache: the list again (how fast is a figure, not a test) */
  {
    g_autoptr(UbRomCatalog) warm = ub_rom_catalog_new ();
    g_autofree char *cache = g_build_filename (ub_emu_demo_get_dir (f->demo), "catalog-cache", NULL);
    UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));
    gint64 start;

    ub_rom_catalog_set_sources (warm, ub_emu_demo_get_catalog_url (f->demo, NULL),
                                ub_emu_demo_get_history_url (f->demo, NULL));
    ub_rom_catalog_set_cache_dir (warm, cache);
    ub_firmware_page_set_catalog (firmware, warm, NULL);
    finder = UB_ROM_FINDER (ub_firmware_page_get_finder (firmware, "alioth"));
    g_assert_nonnull (finder);
    start = g_get_monotonic_time ();
    ub_ui_click (page (f, "firmware"), "F_ind Firmware for " DEMO_MODEL);
    g_assert_true (ub_ui_wait (finder_settled, finder, 30));
    g_test_message ("the list from a warm cache: %.0f ms after the click",
                    (g_get_monotonic_time () - start) / 1000.0);
    g_assert_null (ub_rom_finder_get_message (finder));
    releases = ub_rom_finder_get_releases (finder);
    g_assert_cmpuint (releases->len, >=, 2);
    g_assert_cmpint (ub_rom_release_get_region (ub_rom_finder_get_selected (finder)), ==, UB_ROM_REGION_EEA);
  }
  g_settings_reset (settings, "rom-regions");
}

/* No list at all (nothing listens, nothing cached): one sentence, and Select File stays. */
static void
test_find_offline (Fixture *f, gconstpointer data)
{
  UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
  g_autofree char *cache = g_build_filename (ub_emu_demo_get_dir (f->demo), "empty-cache", NULL);
  g_autofree char *latest = NULL;
  g_autofree char *history = NULL;
  g_autofree char *mirror = NULL;
  const char *mirrors[2] = { NULL, NULL };
  const char *message;
  GtkWidget *button;
  UbRomFinder *finder;
  guint port;

  /* a port nothing listens on */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_assert_true (g_socket_close (socket, NULL));
  latest = g_strdup_printf ("http://127.0.0.1:%u/latest.yml", port);
  history = g_strdup_printf ("http://127.0.0.1:%u/history/", port);
  mirror = g_strdup_printf ("http://127.0.0.1:%u", port);
  mirrors[0] = mirror;
  ub_rom_catalog_set_sources (catalog, latest, history);
  ub_rom_catalog_set_cache_dir (catalog, cache);
  ub_firmware_page_set_catalog (firmware, catalog, mirrors);

  finder = go_to_finder (f);
  ub_ui_click (page (f, "firmware"), "F_ind Firmware for " DEMO_MODEL);
  g_assert_true (ub_ui_wait (finder_settled, finder, 30));
  message = ub_rom_finder_get_message (finder);
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (message, "The firmware list could not be loaded: "));
  g_assert_true (g_str_has_suffix (message, ". You can still download the ROM yourself and use Select File."));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"), message));
  g_assert_cmpuint (ub_rom_finder_get_releases (finder)->len, ==, 0);
  /* nothing to download (ub_ui_find_by_label sees a hidden box's children) */
  button = ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON, "Download a_nd Use");
  g_assert_true (button == NULL || !gtk_widget_get_mapped (button));
  /* the other ways stay */
  button = ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON, "Select _File…");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  button = ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON, "Select F_older…");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  ub_ui_screenshot (GTK_WINDOW (f->window), "firmware-find-offline");
}

static void
serve_bytes (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer data)
{
  GBytes *body = data;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/yaml", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* A list fetched earlier, its server gone: the cached list, saying from when. */
static void
test_find_cached_offline (Fixture *f, gconstpointer data)
{
  UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) yaml = NULL;
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GSList) uris = NULL;
  g_autoptr(UbRomCatalog) earlier = ub_rom_catalog_new ();
  g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
  g_autofree char *cache = g_build_filename (ub_emu_demo_get_dir (f->demo), "cached-catalog", NULL);
  g_autofree char *latest = NULL;
  g_autoptr(GAsyncResult) fetched = NULL;
  const char *demo_url = ub_emu_demo_get_catalog_url (f->demo, &error);
  const char *message;
  UbRomFinder *finder;
  UbRomRelease *chosen;

  /* the demo's latest.yml, served by a server of this test */
  g_assert_no_error (error);
  msg = soup_message_new ("GET", demo_url);
  yaml = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  soup_server_add_handler (server, "/latest.yml", serve_bytes, yaml, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  latest = g_strdup_printf ("http://127.0.0.1:%d/latest.yml", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  /* fetched once into the cache, then the server goes away */
  ub_rom_catalog_set_sources (earlier, latest, "");
  ub_rom_catalog_set_cache_dir (earlier, cache);
  ub_rom_catalog_update_async (earlier, "alioth", NULL, NULL, got_result, &fetched);
  g_assert_true (ub_ui_wait (have_result, &fetched, 30));   /* the server answers from this loop */
  g_assert_true (ub_rom_catalog_update_finish (earlier, fetched, &error));
  g_assert_no_error (error);
  g_assert_false (ub_rom_catalog_get_offline (earlier));
  soup_server_disconnect (server);

  ub_rom_catalog_set_sources (catalog, latest, "");
  ub_rom_catalog_set_cache_dir (catalog, cache);
  ub_rom_catalog_set_max_age (catalog, 0);   /* always asks the server first */
  ub_firmware_page_set_catalog (firmware, catalog, NULL);

  finder = go_to_finder (f);
  ub_ui_click (page (f, "firmware"), "F_ind Firmware for " DEMO_MODEL);
  g_assert_true (ub_ui_wait (finder_settled, finder, 30));
  message = ub_rom_finder_get_message (finder);
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (message, "Offline: showing the list from "));
  g_assert_true (ub_ui_shows_text (page (f, "firmware"), message));
  g_assert_cmpuint (ub_rom_finder_get_releases (finder)->len, >=, 2);
  chosen = ub_rom_finder_get_selected (finder);
  g_assert_nonnull (chosen);
  g_assert_cmpint (ub_rom_release_get_region (chosen), ==, UB_ROM_REGION_GLOBAL);
  g_assert_nonnull (ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON, "Download a_nd Use"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "firmware-find-cached-offline");
}

/* Phones of two models: a finder for each, named by its model. */
static void
test_find_two_models (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuDemo) second = ub_emu_demo_new (&error);
  g_autoptr(UbPhone) phone = NULL;
  UbDetectPage *detect = UB_DETECT_PAGE (page (f, "detect"));
  UbFirmwarePage *firmware = UB_FIRMWARE_PAGE (page (f, "firmware"));
  g_autoptr(GPtrArray) selected = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_no_error (error);
  ub_emu_phone_set_var (ub_emu_demo_get_phone (second), "serialno", "5e7a9b1");
  ub_emu_phone_set_var (ub_emu_demo_get_phone (second), "product", "venus");
  phone = ub_phone_new_for_address (ub_emu_demo_get_address (second));
  ub_detect_page_add_phone (detect, phone);
  do
    {
      g_clear_pointer (&selected, g_ptr_array_unref);
      ub_ui_spin (0.05);
      selected = ub_detect_page_get_selected (detect);
    }
  while (selected->len < 2 && g_get_monotonic_time () < deadline);
  g_assert_cmpuint (selected->len, ==, 2);
  ub_ui_click (page (f, "detect"), "_Continue with 2 Phones");
  g_assert_cmpstr (visible_page (f), ==, "firmware");

  g_assert_nonnull (ub_firmware_page_get_finder (firmware, "alioth"));
  g_assert_nonnull (ub_firmware_page_get_finder (firmware, "venus"));
  g_assert_nonnull (ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON,
                                         "F_ind Firmware for " DEMO_MODEL));
  /* the second without Alt+letter (the first has it), and where the list comes from said once */
  g_assert_nonnull (ub_ui_find_by_label (page (f, "firmware"), GTK_TYPE_BUTTON,
                                         "Find Firmware for Xiaomi Mi 11"));
  g_assert_null (ub_ui_find_by_label (ub_firmware_page_get_finder (firmware, "venus"), GTK_TYPE_LABEL,
                                      "The list comes from XiaomiFirmwareUpdater and HyperData on GitHub; nothing about your phone is sent."));
  g_assert_nonnull (ub_ui_find_by_label (ub_firmware_page_get_finder (firmware, "alioth"), GTK_TYPE_LABEL,
                                         "The list comes from XiaomiFirmwareUpdater and HyperData on GitHub; nothing about your phone is sent."));
  ub_ui_screenshot (GTK_WINDOW (f->window), "firmware-find-two-models");
}

/* ---- the ROM cache */

static gboolean
shows_cache_size (gpointer data)
{
  g_autofree char *size = g_format_size (ub_rom_archive_get_cache_size (NULL));
  g_autofree char *text = g_strdup_printf ("Takes %s on this computer", size);

  return ub_ui_shows_text (data, text);
}

static gboolean
cache_cleared (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
cache_row_hidden (gpointer data)
{
  return !ub_ui_shows_text (data, "Takes ") && !ub_ui_shows_text (data, "Clearing");
}

/* An unpack left in the cache: its size is shown and Clear deletes it. */
static void
test_cache (Fixture *f, gconstpointer data)
{
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "unbrick", "roms", NULL);
  g_autofree char *unpack = g_build_filename (cache, "old_rom-2000000", NULL);
  g_autofree char *image = g_build_filename (unpack, "image.img", NULL);
  g_autofree char *marker = g_build_filename (unpack, ".unbrick-unpack", NULL);
  g_autofree char *content = g_strnfill (2000000, 'r');
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, content, -1);
  g_autofree char *marker_text = g_strdup_printf ("[unpack]\nversion=1\ncomplete=true\n"
                                                  "[files]\npaths=image.img;\nmd5=%s;\n", md5);
  GtkWidget *firmware = page (f, "firmware");

  g_assert_cmpuint (ub_rom_archive_get_cache_size (NULL), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (unpack, 0700), ==, 0);
  g_assert_true (g_file_set_contents (image, content, -1, NULL));
  g_assert_true (g_file_set_contents (marker, marker_text, -1, NULL));

  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 10));
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_true (ub_ui_wait (shows_cache_size, firmware, 10));
  ub_ui_screenshot (GTK_WINDOW (f->window), "firmware-cache");

  ub_ui_click (firmware, "C_lear");
  g_assert_true (ub_ui_wait (cache_cleared, unpack, 10));
  g_assert_true (ub_ui_wait (cache_row_hidden, firmware, 10));
  g_assert_true (g_file_test (cache, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (ub_rom_archive_get_cache_size (NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = g_dir_make_tmp ("unbrick-ui-XXXXXX", NULL);
  g_autofree char *fake = g_build_filename (tmp, "pkexec", NULL);
  g_autofree char *log = g_build_filename (tmp, "pkexec.log", NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' \"$@\" > '%s'\ncp \"$4\" '%s.rule'\n", log, log);
  int status;

  g_assert_true (g_file_set_contents_full (fake, script, -1, G_FILE_SET_CONTENTS_NONE, 0755, NULL));
  g_setenv ("UNBRICK_PKEXEC", fake, TRUE);
  g_setenv ("UB_FAKE_PKEXEC_LOG", log, TRUE);
  /* resume points (ub-resume-point.c) stay in the test's folder */
  g_setenv ("XDG_STATE_HOME", tmp, TRUE);
  /* the ROM cache of these tests, not the user's */
  {
    g_autofree char *cache = g_build_filename (tmp, "cache", NULL);
    g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/ui/happy-path", test_happy_path);
  ADD ("/ui/refusal/wrong-device", test_wrong_device);
  ADD ("/ui/refusal/locked", test_locked);
  ADD ("/ui/recovery/locked-phone", test_locked_recovery);
  ADD ("/ui/recovery/mi-assistant-listed", test_mi_assistant_listed);
  ADD ("/ui/recovery/locked-phone-other-phone", test_locked_recovery_other_phone);
  ADD ("/ui/recovery/adb-not-mi-assistant", test_adb_not_mi_assistant);
  ADD ("/ui/refusal/anti-rollback", test_anti_rollback);
  ADD ("/ui/failure/unplug-resume", test_unplug_resume);
  ADD ("/ui/failure/resume-after-restart", test_resume_after_restart);
  ADD ("/ui/detect/diagnoses", test_diagnoses);
  g_test_add ("/ui/lock/restarts", Fixture, GINT_TO_POINTER (TRUE), fixture_setup, test_lock, fixture_teardown);
  g_test_add ("/ui/lock/stays", Fixture, GINT_TO_POINTER (0), fixture_setup, test_lock, fixture_teardown);
  g_test_add ("/ui/lock/no-restart", Fixture, GINT_TO_POINTER (2), fixture_setup, test_lock, fixture_teardown);
  ADD ("/ui/several-phones", test_two_phones);
  ADD ("/ui/advanced", test_advanced);
  ADD ("/ui/close-while-flashing", test_close_while_flashing);
  ADD ("/ui/firmware/download", test_download);
  ADD ("/ui/firmware/drop", test_drop);
  ADD ("/ui/firmware/cache", test_cache);
  ADD ("/ui/firmware/find", test_find);
  ADD ("/ui/firmware/find-remembered", test_find_remembered);
  ADD ("/ui/firmware/find-offline", test_find_offline);
  ADD ("/ui/firmware/find-cached-offline", test_find_cached_offline);
  ADD ("/ui/firmware/find-two-models", test_find_two_models);
#undef ADD
  status = g_test_run ();
  g_unlink (fake);
  g_unlink (log);
  {
    g_autofree char *rule = g_strconcat (log, ".rule", NULL);
    g_unlink (rule);
  }
  ub_test_rm_rf (tmp);
  return status;
}

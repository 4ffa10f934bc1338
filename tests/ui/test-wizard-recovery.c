/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The wizard's Mi Assistant path in process, against the demo's locked phone
 * in recovery (emulated recovery over adb TCP, the fake update server, the
 * demo mirror): the ROMs Xiaomi offers → Download and Use → approved →
 * Confirm → Install → Result, the package the recovery received identical to
 * the file downloaded; Xiaomi's refusal in its own words, then the factory
 * reset it offers; the update server out of reach with Retry. Each page is
 * asserted and written as a screenshot.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ub-detect-page.h"
#include "ub-download-panel.h"
#include "ub-emu-demo.h"
#include "ub-emu-recovery.h"
#include "ub-emu-update-server.h"
#include "ub-install-page.h"
#include "ub-mi-assistant.h"
#include "ub-phone.h"
#include "ub-recovery-confirm-page.h"
#include "ub-recovery-firmware-page.h"
#include "ub-rom-name.h"
#include "ub-result-page.h"
#include "ub-ui-test.h"
#include "ub-window.h"

#include "ub-test-utils.h"

/* fixture data: the phone is still the locked fastboot phone */
#define FROM_FASTBOOT 1

typedef struct {
  UbEmuDemo      *demo;
  UbWindow       *window;
  UbRecoveryInfo *info;
  char           *downloads;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new ("io.github.unbrick.Unbrick");
  g_autoptr(UbMiAssistant) phone = NULL;

  f->demo = ub_emu_demo_new (&error);
  g_assert_no_error (error);
  f->downloads = g_build_filename (ub_emu_demo_get_dir (f->demo), "downloads", NULL);
  g_settings_set_string (settings, "download-folder", f->downloads);
  /* the window lists the locked demo phone; then it is put in Mi Assistant mode */
  f->window = ub_window_new (NULL, f->demo);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 720);
  ub_ui_present (GTK_WINDOW (f->window));
  g_assert_true (ub_emu_demo_enable_locked_phone (f->demo, &error));
  g_assert_no_error (error);
  if (GPOINTER_TO_INT (data) == FROM_FASTBOOT)
    {
      /* as the app does for --demo */
      ub_window_add_demo_locked_phone (f->window);
      return;   /* the test goes there through the Connect pages */
    }
  g_assert_true (ub_emu_demo_enter_recovery (f->demo, &error));
  g_assert_no_error (error);

  /* what the Connect page reads from the phone before the recovery path */
  phone = ub_mi_assistant_open (ub_emu_demo_get_recovery_address (f->demo), NULL, &error);
  g_assert_no_error (error);
  f->info = ub_mi_assistant_read_info (phone, NULL, &error);
  g_assert_no_error (error);
  ub_mi_assistant_close (phone);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.unbrick.Unbrick");

  gtk_window_destroy (GTK_WINDOW (f->window));
  ub_ui_spin (0.1);
  g_settings_reset (settings, "download-folder");
  g_unsetenv ("UNBRICK_UPDATE_SERVER");
  g_clear_object (&f->info);
  g_clear_object (&f->demo);
  g_clear_pointer (&f->downloads, g_free);
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

static UbRecoveryFirmwarePage *
firmware_page (Fixture *f)
{
  return UB_RECOVERY_FIRMWARE_PAGE (page (f, "recovery-firmware"));
}

static gboolean
on_result_page (gpointer data)
{
  Fixture *f = data;
  return g_strcmp0 (visible_page (f), "result") == 0 && !ub_window_get_busy (f->window);
}

static gboolean
installing (gpointer data)
{
  Fixture *f = data;
  return ub_install_page_get_fraction (UB_INSTALL_PAGE (page (f, "install"))) > 0.2 ||
         g_strcmp0 (visible_page (f), "result") == 0;
}

static GtkWidget *
find_type (GtkWidget *root, GType type)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = G_TYPE_CHECK_INSTANCE_TYPE (c, type) ? c : find_type (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
header_subtitle (Fixture *f)
{
  GtkWidget *title = find_type (GTK_WIDGET (f->window), ADW_TYPE_WINDOW_TITLE);

  g_assert_nonnull (title);
  return g_strdup (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title)));
}

static void
assert_step (Fixture *f, const char *expected)
{
  g_autofree char *subtitle = header_subtitle (f);
  g_assert_cmpstr (subtitle, ==, expected);
}

static gboolean
files_equal (const char *a, const char *b)
{
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;
  gsize la, lb;

  g_assert_true (g_file_get_contents (a, &ca, &la, NULL));
  g_assert_true (g_file_get_contents (b, &cb, &lb, NULL));
  return la == lb && memcmp (ca, cb, la) == 0;
}

/* Firmware (list, Download and Use, approval) → Confirm → Install → Result. */
static void
test_install (Fixture *f, gconstpointer data)
{
  UbEmuRecovery *recovery = ub_emu_demo_get_recovery (f->demo);
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));
  g_autofree char *model = ub_recovery_confirm_page_dup_phone_title (f->info);
  GPtrArray *roms;
  UbUpdateRom *latest;
  const char *path;

  ub_window_start_recovery (f->window, ub_emu_demo_get_recovery_address (f->demo), f->info);
  g_assert_cmpstr (visible_page (f), ==, "recovery-firmware");
  assert_step (f, "Step 2 of 5: Choose the firmware");
  /* what is sent to whom, said before anything is asked */
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"),
                                   "Your phone’s model, system version and serial number are sent to Xiaomi’s update server."));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"), model));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"), ub_recovery_info_get_version (f->info)));
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  g_assert_null (ub_recovery_firmware_page_get_message (firmware_page (f)));

  /* the ROMs Xiaomi offers (the demo's two): the one installed now first */
  roms = ub_recovery_firmware_page_get_roms (firmware_page (f));
  g_assert_cmpuint (roms->len, ==, 2);
  g_assert_true (ub_update_rom_get_is_current (g_ptr_array_index (roms, 0)));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"), "Installed now"));
  for (guint i = 1; i < roms->len; i++)
    g_assert_false (ub_update_rom_get_is_current (g_ptr_array_index (roms, i)));
  latest = g_ptr_array_index (roms, roms->len - 1);
  g_assert_nonnull (ub_ui_find_by_label (page (f, "recovery-firmware"), ADW_TYPE_ACTION_ROW,
                                         ub_update_rom_get_version (latest)));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-firmware");

  /* Download and Use: the download panel, then the MD5 and Xiaomi's approval */
  ub_recovery_firmware_page_download (firmware_page (f), latest);
  g_assert_true (ub_recovery_firmware_page_get_busy (firmware_page (f)));
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 60));
  g_assert_null (ub_download_panel_get_error (UB_DOWNLOAD_PANEL (
    ub_recovery_firmware_page_get_download_panel (firmware_page (f)))));
  g_assert_nonnull (ub_recovery_firmware_page_get_approval (firmware_page (f)));
  path = ub_recovery_firmware_page_get_path (firmware_page (f));
  g_assert_nonnull (path);
  g_assert_true (g_str_has_prefix (path, f->downloads));
  {
    g_autofree char *name = g_path_get_basename (path);
    g_assert_cmpstr (name, ==, ub_update_rom_get_filename (latest));
  }
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"), "Xiaomi approved this firmware for your phone"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-firmware-approved");

  /* Confirm: what happens, the data kept, the privacy line */
  ub_ui_click (page (f, "recovery-firmware"), "_Next");
  g_assert_cmpstr (visible_page (f), ==, "recovery-confirm");
  assert_step (f, "Step 3 of 5: Check and confirm");
  {
    g_autofree char *title = g_strdup_printf ("on %s", model);
    g_assert_true (ub_ui_shows_text (page (f, "recovery-confirm"), title));
  }
  g_assert_true (ub_ui_shows_text (page (f, "recovery-confirm"), "Reinstall "));
  g_assert_false (ub_recovery_confirm_page_get_erase (UB_RECOVERY_CONFIRM_PAGE (page (f, "recovery-confirm"))));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-confirm"), "Your data is kept"));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-confirm"), "serial number were sent to Xiaomi"));
  g_assert_nonnull (ub_ui_find_by_label (page (f, "recovery-confirm"), GTK_TYPE_BUTTON,
                                         "Erase All _Data (Factory Reset)…"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-confirm");

  /* Install: the recovery takes its time, so the page is seen working */
  ub_emu_recovery_set_install_delay (recovery, 2000);
  ub_ui_click (page (f, "recovery-confirm"), "_Install");
  g_assert_cmpstr (visible_page (f), ==, "install");
  assert_step (f, "Step 4 of 5: Installing");
  g_assert_true (ub_window_get_busy (f->window));
  g_assert_true (ub_ui_shows_text (page (f, "install"), "Keep the phone connected"));
  g_assert_true (ub_ui_wait (installing, f, 60));
  if (g_strcmp0 (visible_page (f), "install") == 0)
    ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-install");

  g_assert_true (ub_ui_wait (on_result_page, f, 120));
  assert_step (f, "Step 5 of 5: Result");
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Your Phone Is Restarting");
  g_assert_nonnull (strstr (ub_result_page_get_description (result), "the first start can take up to 10 minutes"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-result");

  /* the recovery installed once what was downloaded, byte for byte, and restarted */
  g_assert_cmpuint (ub_emu_recovery_get_installs (recovery), ==, 1);
  g_assert_cmpuint (ub_emu_recovery_get_formats (recovery), ==, 0);
  {
    g_autofree char *package = g_build_filename (ub_emu_demo_get_dir (f->demo), "recovery", "sideloaded.zip", NULL);
    GStatBuf st;

    g_assert_true (files_equal (path, package));
    /* read twice: checked, then installed */
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpuint (ub_emu_recovery_get_bytes_received (recovery), >=, 2 * (guint64) st.st_size);
  }
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (recovery), ==, "");

  ub_ui_click (page (f, "result"), "_Done");
  g_assert_cmpstr (visible_page (f), ==, "detect");
}

static gboolean
firmware_refused (gpointer data)
{
  Fixture *f = data;
  return ub_ui_recovery_firmware_settled (f->window) && ub_recovery_firmware_page_get_message (firmware_page (f)) != NULL;
}

/* Xiaomi refuses a file dropped on the page: its words and what to do; the factory reset it
 * then offers erases the data once, after a dialog naming the phone. */
static void
test_refusal_then_factory_reset (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuUpdateServer) server = ub_emu_update_server_new ();
  UbEmuRecovery *recovery = ub_emu_demo_get_recovery (f->demo);
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));
  g_autofree char *model = ub_recovery_confirm_page_dup_phone_title (f->info);
  g_autofree char *zip = g_build_filename (ub_emu_demo_get_dir (f->demo), "someone-elses-rom.zip", NULL);
  const char *message;

  ub_emu_update_server_set_refusal (server, "The package is not for this device");
  g_assert_true (ub_emu_update_server_start (server, &error));
  g_assert_no_error (error);
  g_setenv ("UNBRICK_UPDATE_SERVER", ub_emu_update_server_get_url (server), TRUE);
  {
    g_autoptr(GBytes) other = ub_test_zip_bytes (64 * 1024, 7);

    g_assert_true (g_file_set_contents (zip, g_bytes_get_data (other, NULL), g_bytes_get_size (other), NULL));
  }

  ub_window_start_recovery (f->window, ub_emu_demo_get_recovery_address (f->demo), f->info);
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  /* dragged from the file manager, like a chosen file */
  g_assert_true (ub_ui_drop_file (page (f, "recovery-firmware"), zip));
  g_assert_true (ub_ui_wait (firmware_refused, f, 30));
  g_assert_cmpstr (ub_recovery_firmware_page_get_path (firmware_page (f)), ==, zip);
  g_assert_null (ub_recovery_firmware_page_get_approval (firmware_page (f)));
  message = ub_recovery_firmware_page_get_message (firmware_page (f));
  g_assert_nonnull (strstr (message, "The package is not for this device"));
  g_assert_nonnull (strstr (message, "Try another version from the list"));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"), "Xiaomi did not approve this firmware for your phone"));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"), "The package is not for this device"));
  g_assert_false (gtk_widget_is_sensitive (ub_ui_find_by_label (page (f, "recovery-firmware"), GTK_TYPE_BUTTON, "_Next")));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-firmware-refused");

  /* the factory reset instead: the Confirm page offers it alone */
  ub_ui_click (page (f, "recovery-firmware"), "_Erase All Data Instead…");
  g_assert_cmpstr (visible_page (f), ==, "recovery-confirm");
  g_assert_null (ub_ui_find_by_label (page (f, "recovery-confirm"), GTK_TYPE_BUTTON, "_Install"));
  ub_ui_click (page (f, "recovery-confirm"), "Erase All _Data (Factory Reset)…");
  {
    AdwMessageDialog *dialog;
    g_autofree char *heading = g_strdup_printf ("Erase All Data on %s?", model);

    g_assert_nonnull (ub_ui_wait_for_dialog ());
    dialog = ub_ui_find_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), ub_recovery_info_get_serial (f->info)));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "all apps, photos, accounts"));
    ub_ui_screenshot (GTK_WINDOW (dialog), "recovery-factory-reset-dialog");
    /* Cancel: nothing happens */
    ub_ui_answer_dialog ("cancel");
    g_assert_cmpstr (visible_page (f), ==, "recovery-confirm");
    g_assert_cmpuint (ub_emu_recovery_get_formats (recovery), ==, 0);
  }
  ub_ui_click (page (f, "recovery-confirm"), "Erase All _Data (Factory Reset)…");
  ub_ui_answer_dialog ("erase");
  g_assert_true (ub_ui_wait (on_result_page, f, 60));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "All Data Erased");
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-result-factory-reset");
  g_assert_cmpuint (ub_emu_recovery_get_formats (recovery), ==, 1);
  g_assert_cmpuint (ub_emu_recovery_get_installs (recovery), ==, 0);
  ub_emu_update_server_stop (server);
}

/* A fastboot ROM (.tgz) or a cut-off download dropped on the page: named as
 * such, no Next, and Xiaomi is not asked (only the list was requested). */
static void
test_not_a_recovery_rom (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuUpdateServer) server = ub_emu_update_server_new ();
  g_autoptr(GBytes) whole = ub_test_zip_bytes (256 * 1024, 11);
  g_autofree char *tgz = g_build_filename (ub_emu_demo_get_dir (f->demo), "alioth_global_images_V14.0.9.0.TKHMIXM_13.0.tgz", NULL);
  g_autofree char *cut = g_build_filename (ub_emu_demo_get_dir (f->demo), "cut-off.zip", NULL);
  guint requests;

  g_assert_true (ub_emu_update_server_start (server, &error));
  g_assert_no_error (error);
  g_setenv ("UNBRICK_UPDATE_SERVER", ub_emu_update_server_get_url (server), TRUE);
  g_assert_true (g_file_set_contents (tgz, "\x1f\x8b\x08\x00 a gzip stream", -1, NULL));
  g_assert_true (g_file_set_contents (cut, g_bytes_get_data (whole, NULL), 128 * 1024, NULL));

  ub_window_start_recovery (f->window, ub_emu_demo_get_recovery_address (f->demo), f->info);
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  requests = ub_emu_update_server_get_requests (server);

  g_assert_true (ub_ui_drop_file (page (f, "recovery-firmware"), tgz));
  g_assert_true (ub_ui_wait (firmware_refused, f, 30));
  g_assert_true (g_str_has_prefix (ub_recovery_firmware_page_get_message (firmware_page (f)),
                                   "This is a fastboot ROM (a .tgz file), for phones whose bootloader is unlocked."));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-firmware"), "This file cannot be used"));
  g_assert_false (gtk_widget_is_sensitive (ub_ui_find_by_label (page (f, "recovery-firmware"), GTK_TYPE_BUTTON, "_Next")));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-firmware-fastboot-rom");

  g_assert_true (ub_ui_drop_file (page (f, "recovery-firmware"), cut));
  g_assert_true (ub_ui_wait (firmware_refused, f, 30));
  g_assert_cmpstr (ub_recovery_firmware_page_get_path (firmware_page (f)), ==, cut);
  g_assert_true (g_str_has_prefix (ub_recovery_firmware_page_get_message (firmware_page (f)),
                                   "This .zip file is incomplete or damaged ("));
  g_assert_null (ub_recovery_firmware_page_get_approval (firmware_page (f)));
  g_assert_false (gtk_widget_is_sensitive (ub_ui_find_by_label (page (f, "recovery-firmware"), GTK_TYPE_BUTTON, "_Next")));
  /* nothing was sent for approval */
  g_assert_cmpuint (ub_emu_update_server_get_requests (server), ==, requests);
  ub_emu_update_server_stop (server);
}

/* Detect → … → Confirm with the latest ROM downloaded and approved. */
static void
go_to_recovery_confirm (Fixture *f)
{
  GPtrArray *roms;

  ub_window_start_recovery (f->window, ub_emu_demo_get_recovery_address (f->demo), f->info);
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  roms = ub_recovery_firmware_page_get_roms (firmware_page (f));
  g_assert_cmpuint (roms->len, >=, 1);
  ub_recovery_firmware_page_download (firmware_page (f), g_ptr_array_index (roms, roms->len - 1));
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 60));
  g_assert_nonnull (ub_recovery_firmware_page_get_approval (firmware_page (f)));
  ub_ui_click (page (f, "recovery-firmware"), "_Next");
  g_assert_cmpstr (visible_page (f), ==, "recovery-confirm");
}

/* The recovery refuses the package after checking it: the result says so in
 * its words, with the next step; Try Again goes back to the firmware. */
static void
test_install_fails (Fixture *f, gconstpointer data)
{
  UbEmuRecovery *recovery = ub_emu_demo_get_recovery (f->demo);
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));

  go_to_recovery_confirm (f);
  ub_emu_recovery_set_fault (recovery, UB_EMU_RECOVERY_FAULT_INSTALL_FAIL, 0, 0);
  ub_ui_click (page (f, "recovery-confirm"), "_Install");
  g_assert_true (ub_ui_wait (on_result_page, f, 120));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "The Install Did Not Finish");
  g_assert_true (ub_ui_shows_text (page (f, "result"), UB_EMU_RECOVERY_FAIL_TEXT));
  g_assert_nonnull (ub_ui_find_by_label (page (f, "result"), GTK_TYPE_BUTTON, "_Try Again"));
  g_assert_null (ub_ui_find_by_label (page (f, "result"), GTK_TYPE_BUTTON, "_Resume"));
  g_assert_cmpuint (ub_emu_recovery_get_installs (recovery), ==, 0);
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-result-failed");

  /* Try Again: the firmware page, its approved file kept */
  ub_ui_click (page (f, "result"), "_Try Again");
  g_assert_cmpstr (visible_page (f), ==, "recovery-firmware");
  g_assert_nonnull (ub_recovery_firmware_page_get_approval (firmware_page (f)));
  ub_emu_recovery_set_fault (recovery, UB_EMU_RECOVERY_FAULT_NONE, 0, 0);
  ub_ui_click (page (f, "recovery-firmware"), "_Next");
  ub_ui_click (page (f, "recovery-confirm"), "_Install");
  g_assert_true (ub_ui_wait (on_result_page, f, 120));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Your Phone Is Restarting");
  g_assert_cmpuint (ub_emu_recovery_get_installs (recovery), ==, 1);
}

static gboolean
sideloading (gpointer data)
{
  Fixture *f = data;
  UbRecoveryJob *job = ub_install_page_get_job (UB_INSTALL_PAGE (page (f, "install")));

  return (job != NULL && ub_recovery_job_get_stage (job) >= UB_RECOVERY_STAGE_CHECKING) ||
         g_strcmp0 (visible_page (f), "result") == 0;
}

/* Cancel asks first; Stop ends the install between blocks, the phone left in recovery. */
static void
test_cancel (Fixture *f, gconstpointer data)
{
  UbEmuRecovery *recovery = ub_emu_demo_get_recovery (f->demo);
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));

  go_to_recovery_confirm (f);
  /* the recovery goes quiet mid-install, so there is time to stop it */
  ub_emu_recovery_set_fault (recovery, UB_EMU_RECOVERY_FAULT_SILENCE, 0, 3000);
  ub_ui_click (page (f, "recovery-confirm"), "_Install");
  g_assert_true (ub_ui_wait (sideloading, f, 60));
  g_assert_cmpstr (visible_page (f), ==, "install");
  /* closing the window asks first; Keep Installing keeps it */
  gtk_window_close (GTK_WINDOW (f->window));
  {
    AdwMessageDialog *dialog;

    g_assert_nonnull (ub_ui_wait_for_dialog ());
    dialog = ub_ui_find_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Stop Installing and Close?");
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "stays in recovery"));
    ub_ui_answer_dialog ("keep");
  }
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  g_assert_true (ub_window_get_busy (f->window));
  ub_install_page_request_cancel (UB_INSTALL_PAGE (page (f, "install")));
  {
    AdwMessageDialog *dialog;

    g_assert_nonnull (ub_ui_wait_for_dialog ());
    dialog = ub_ui_find_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Stop Installing?");
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "stays in recovery"));
  }
  ub_ui_answer_dialog ("stop");
  g_assert_true (ub_ui_wait (on_result_page, f, 60));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Installing Stopped");
  g_assert_nonnull (ub_ui_find_by_label (page (f, "result"), GTK_TYPE_BUTTON, "_Try Again"));
  g_assert_cmpuint (ub_emu_recovery_get_installs (recovery), ==, 0);
  ub_emu_recovery_set_fault (recovery, UB_EMU_RECOVERY_FAULT_NONE, 0, 0);
}

/* The whole path as a person takes it: the locked fastboot phone → how to
 * reach Mi Assistant mode → the phone there (the demo does it) → firmware
 * from Xiaomi → Confirm → Install → Result, a screenshot of each page. */
static void
test_from_locked_phone (Fixture *f, gconstpointer data)
{
  UbEmuRecovery *recovery = ub_emu_demo_get_recovery (f->demo);
  GPtrArray *roms;

  g_assert_true (ub_ui_wait (ub_ui_locked_listed, f->window, 10));
  ub_detect_page_set_selected (UB_DETECT_PAGE (page (f, "detect")), ub_ui_find_listed (f->window, FALSE), TRUE);
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-path-1-detect");
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "recovery-connect");
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-path-2-connect");
  ub_ui_click (page (f, "recovery-connect"), "_Do It for Me (Demo)");
  g_assert_true (ub_ui_wait (ub_ui_on_recovery_firmware, f->window, 15));
  assert_step (f, "Step 2 of 5: Choose the firmware");
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  g_assert_null (ub_recovery_firmware_page_get_message (firmware_page (f)));
  roms = ub_recovery_firmware_page_get_roms (firmware_page (f));
  g_assert_cmpuint (roms->len, >=, 1);
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-path-3-firmware");
  /* the newest one's own button */
  {
    UbUpdateRom *latest = g_ptr_array_index (roms, roms->len - 1);
    GtkWidget *row = ub_ui_find_by_label (page (f, "recovery-firmware"), ADW_TYPE_ACTION_ROW,
                                          ub_update_rom_get_version (latest));

    g_assert_nonnull (row);
    ub_ui_click (row, "Download and Use");
  }
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 60));
  g_assert_nonnull (ub_recovery_firmware_page_get_approval (firmware_page (f)));
  ub_ui_click (page (f, "recovery-firmware"), "_Next");
  g_assert_cmpstr (visible_page (f), ==, "recovery-confirm");
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-path-4-confirm");
  ub_ui_click (page (f, "recovery-confirm"), "_Install");
  g_assert_cmpstr (visible_page (f), ==, "install");
  g_assert_true (ub_ui_wait (installing, f, 60));
  if (g_strcmp0 (visible_page (f), "install") == 0)
    ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-path-5-install");
  g_assert_true (ub_ui_wait (on_result_page, f, 120));
  g_assert_cmpstr (ub_result_page_get_title (UB_RESULT_PAGE (page (f, "result"))), ==, "Your Phone Is Restarting");
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-path-6-result");
  g_assert_cmpuint (ub_emu_recovery_get_installs (recovery), ==, 1);
  g_assert_true (g_str_has_prefix (ub_recovery_firmware_page_get_path (firmware_page (f)), f->downloads));
  {
    g_autofree char *package = g_build_filename (ub_emu_demo_get_dir (f->demo), "recovery", "sideloaded.zip", NULL);
    g_assert_true (files_equal (ub_recovery_firmware_page_get_path (firmware_page (f)), package));
  }
}

/* Xiaomi says the install erases the data: the Confirm page says so, Install
 * is destructive and asks first, naming the phone. */
static void
test_install_erases (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuUpdateServer) server = ub_emu_update_server_new ();
  g_autofree char *dir = g_build_filename (ub_emu_demo_get_dir (f->demo), "recovery-roms", NULL);
  g_autoptr(GDir) roms_dir = g_dir_open (dir, 0, &error);
  g_autofree char *model = ub_recovery_confirm_page_dup_phone_title (f->info);
  UbEmuRecovery *recovery = ub_emu_demo_get_recovery (f->demo);
  UbRecoveryConfirmPage *confirm = UB_RECOVERY_CONFIRM_PAGE (page (f, "recovery-confirm"));
  const char *name;
  guint n = 0;

  /* the demo's ROMs, each approved with Erase = 1 */
  g_assert_no_error (error);
  while ((name = g_dir_read_name (roms_dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *content = NULL;
      g_autoptr(UbRomNameInfo) rom_name = ub_rom_name_parse (name);
      g_autofree char *md5 = NULL;
      g_autofree char *sha1 = NULL;
      gsize len;

      if (!g_str_has_suffix (name, ".zip") || rom_name == NULL)
        continue;
      g_assert_true (g_file_get_contents (path, &content, &len, NULL));
      md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) content, len);
      sha1 = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) content, len);
      ub_emu_update_server_add_rom (server, ub_recovery_info_get_device (f->info), name,
                                    rom_name->version,
                                    ub_recovery_info_get_codebase (f->info), md5, sha1, len, TRUE);
      n++;
    }
  g_assert_cmpuint (n, >=, 1);
  g_assert_true (ub_emu_update_server_start (server, &error));
  g_assert_no_error (error);
  g_setenv ("UNBRICK_UPDATE_SERVER", ub_emu_update_server_get_url (server), TRUE);

  go_to_recovery_confirm (f);
  g_assert_true (ub_recovery_confirm_page_get_erase (confirm));
  g_assert_true (ub_ui_shows_text (page (f, "recovery-confirm"), "This install erases all data on the phone"));
  g_assert_false (ub_ui_shows_text (page (f, "recovery-confirm"), "Your data is kept"));
  {
    GtkWidget *install = ub_ui_find_by_label (page (f, "recovery-confirm"), GTK_TYPE_BUTTON, "_Install and Erase…");

    g_assert_nonnull (install);
    g_assert_true (gtk_widget_has_css_class (install, "destructive-action"));
  }
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-confirm-erases");
  ub_ui_click (page (f, "recovery-confirm"), "_Install and Erase…");
  {
    AdwMessageDialog *dialog;
    g_autofree char *heading = g_strdup_printf ("Install and Erase %s?", model);

    g_assert_nonnull (ub_ui_wait_for_dialog ());
    dialog = ub_ui_find_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), ub_recovery_info_get_serial (f->info)));
    ub_ui_answer_dialog ("cancel");
  }
  g_assert_cmpstr (visible_page (f), ==, "recovery-confirm");
  ub_ui_click (page (f, "recovery-confirm"), "_Install and Erase…");
  ub_ui_answer_dialog ("install");
  g_assert_true (ub_ui_wait (on_result_page, f, 120));
  g_assert_cmpstr (ub_result_page_get_title (UB_RESULT_PAGE (page (f, "result"))), ==, "Your Phone Is Restarting");
  g_assert_cmpuint (ub_emu_recovery_get_installs (recovery), ==, 1);
  ub_emu_update_server_stop (server);
}

/* The update server out of reach: the error, what to do, and Retry. */
static void
test_offline (Fixture *f, gconstpointer data)
{
  const char *message;

  g_setenv ("UNBRICK_UPDATE_SERVER", "http://127.0.0.1:1", TRUE);
  ub_window_start_recovery (f->window, ub_emu_demo_get_recovery_address (f->demo), f->info);
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  g_assert_cmpuint (ub_recovery_firmware_page_get_roms (firmware_page (f))->len, ==, 0);
  message = ub_recovery_firmware_page_get_message (firmware_page (f));
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "Next step:"));
  g_assert_nonnull (ub_ui_find_by_label (page (f, "recovery-firmware"), GTK_TYPE_BUTTON, "_Retry"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "recovery-firmware-offline");

  /* back on line: Retry lists them */
  g_setenv ("UNBRICK_UPDATE_SERVER", ub_emu_demo_get_update_server_url (f->demo), TRUE);
  ub_recovery_firmware_page_set_phone (firmware_page (f), ub_emu_demo_get_recovery_address (f->demo), f->info);
  g_assert_true (ub_ui_wait (ub_ui_recovery_firmware_settled, f->window, 30));
  g_assert_cmpuint (ub_recovery_firmware_page_get_roms (firmware_page (f))->len, >=, 1);
  g_assert_null (ub_ui_find_by_label (page (f, "recovery-firmware"), GTK_TYPE_BUTTON, "_Retry"));
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = g_dir_make_tmp ("unbrick-ui-recovery-XXXXXX", NULL);
  int status;

  g_setenv ("XDG_STATE_HOME", tmp, TRUE);
  {
    g_autofree char *cache = g_build_filename (tmp, "cache", NULL);
    g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  }
  g_unsetenv ("UNBRICK_UPDATE_SERVER");
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/ui/recovery/install", test_install);
  g_test_add ("/ui/recovery/from-locked-phone", Fixture, GINT_TO_POINTER (FROM_FASTBOOT), fixture_setup,
              test_from_locked_phone, fixture_teardown);
  ADD ("/ui/recovery/refusal-factory-reset", test_refusal_then_factory_reset);
  ADD ("/ui/recovery/offline", test_offline);
  ADD ("/ui/recovery/not-a-recovery-rom", test_not_a_recovery_rom);
  ADD ("/ui/recovery/install-fails", test_install_fails);
  ADD ("/ui/recovery/cancel", test_cancel);
  ADD ("/ui/recovery/install-erases", test_install_erases);
#undef ADD
  status = g_test_run ();
  ub_test_rm_rf (tmp);
  return status;
}

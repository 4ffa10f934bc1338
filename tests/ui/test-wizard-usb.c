/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The wizard on the real USB path: libusb hotplug in the main loop
 * (UbDeviceMonitor), probing and flashing through usbdevfs, against emulated
 * phones on a umockdev bus. Devices appear and leave without Refresh; a
 * phone is flashed; a cable pulled mid-flash comes back and Resume finishes.
 * Run as xvfb-run … umockdev-wrapper test-wizard-usb (exits 77 otherwise).
 */
#include "config.h"

#include "ub-confirm-page.h"
#include "ub-detect-page.h"
#include "ub-emu-demo.h"
#include "ub-emu-usb.h"
#include "ub-firmware-page.h"
#include "ub-flash-page.h"
#include "ub-mnemonic.h"
#include "ub-phone.h"
#include "ub-result-page.h"
#include "ub-ui-test.h"
#include "ub-window.h"

static UbEmuUsb *bus;

typedef struct {
  UbEmuDemo      *demo;       /* only for its ROM */
  UbEmuPhone     *phone;
  UbEmuUsbDevice *device;
  char           *state_dir;
  UbWindow       *window;
} Fixture;

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

typedef struct {
  GtkWidget  *root;
  const char *text;
  gboolean    shown;
} Shows;

static gboolean
shows (gpointer data)
{
  Shows *s = data;
  return ub_ui_shows_text (s->root, s->text) == s->shown;
}

static void
wait_shows (GtkWidget *root, const char *text, gboolean shown)
{
  Shows s = { root, text, shown };
  if (!ub_ui_wait (shows, &s, 15))
    g_error ("“%s” is %s", text, shown ? "not shown" : "still shown");
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->demo = ub_emu_demo_new (&error);
  g_assert_no_error (error);
  f->state_dir = g_build_filename (ub_emu_demo_get_dir (f->demo), "usb-phone", NULL);
  f->phone = ub_emu_phone_new (NULL, f->state_dir, &error);
  g_assert_no_error (error);
  /* a port per test: unplugged devices keep theirs on the bus */
  {
    static guint n_ports;
    g_autofree char *port = g_strdup_printf ("1-%u", 10 + n_ports++);
    f->device = ub_emu_usb_add_phone (bus, f->phone, port, &error);
  }
  g_assert_no_error (error);
  f->window = ub_window_new (NULL, NULL);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 720);
  ub_ui_present (GTK_WINDOW (f->window));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  ub_ui_spin (0.1);
  ub_emu_usb_device_unplug (f->device);
  ub_emu_usb_settle (bus, 5000);
  g_clear_object (&f->phone);
  g_clear_object (&f->demo);
  g_free (f->state_dir);
}

static void
go_to_confirm (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rom = ub_emu_demo_write_rom (f->demo, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 15));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Serial 8d1cac2"));
  ub_ui_click (page (f, "detect"), "_Continue");
  ub_firmware_page_open (UB_FIRMWARE_PAGE (page (f, "firmware")), rom);
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, f->window, 30));
  g_assert_true (ub_firmware_page_get_ready (UB_FIRMWARE_PAGE (page (f, "firmware"))));
  ub_ui_click (page (f, "firmware"), "_Continue");
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  ub_confirm_page_set_mode (UB_CONFIRM_PAGE (page (f, "confirm")), UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, f->window, 60));
  if (!ub_confirm_page_get_can_flash (UB_CONFIRM_PAGE (page (f, "confirm"))))
    g_error ("cannot flash: %s", ub_confirm_page_get_reason (UB_CONFIRM_PAGE (page (f, "confirm"))));
}

static void
assert_boot_flashed (Fixture *f)
{
  UbRom *rom = ub_firmware_page_get_rom (UB_FIRMWARE_PAGE (page (f, "firmware")));
  g_autofree char *image_path = g_build_filename (ub_rom_get_path (rom), "images", "boot.img", NULL);
  g_autofree char *part_path = ub_emu_phone_get_partition_path (f->phone, "boot_a");
  g_autofree char *image = NULL, *part = NULL;
  gsize image_len, part_len;

  g_assert_true (g_file_get_contents (image_path, &image, &image_len, NULL));
  g_assert_true (g_file_get_contents (part_path, &part, &part_len, NULL));
  g_assert_cmpuint (part_len, >=, image_len);
  g_assert_true (memcmp (image, part, image_len) == 0);
}

/* Devices come and go on their own; the diagnoses follow them. */
static void
test_hotplug (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  UbEmuUsbDevice *adb, *edl;
  GtkWidget *detect = page (f, "detect");

  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 15));
  adb = ub_emu_usb_add_device (bus, UB_EMU_USB_ADB, 0x2717, 0xff48, 0xff, 0x42, 0x01, "adb0001", "1-4", &error);
  g_assert_no_error (error);
  edl = ub_emu_usb_add_device (bus, UB_EMU_USB_OTHER, 0x05c6, 0x9008, 0xff, 0xff, 0xff, NULL, "1-5", &error);
  g_assert_no_error (error);
  wait_shows (detect, "Android phone (started normally)", TRUE);
  wait_shows (detect, "Phone in Qualcomm emergency mode (EDL)", TRUE);
  ub_ui_screenshot (GTK_WINDOW (f->window), "usb-detect-hotplug");
  ub_emu_usb_device_unplug (adb);
  ub_emu_usb_device_unplug (edl);
  wait_shows (detect, "Android phone (started normally)", FALSE);
  wait_shows (detect, "Phone in Qualcomm emergency mode (EDL)", FALSE);
  g_assert_true (ub_ui_phone_ready (f->window));

  /* the phone itself leaves and comes back */
  ub_emu_usb_device_unplug (f->device);
  wait_shows (detect, "Serial 8d1cac2", FALSE);
  g_assert_false (ub_ui_phone_ready (f->window));
  g_assert_true (ub_emu_usb_device_replug (f->device, &error));
  g_assert_no_error (error);
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 15));
}

static GtkWidget *
find_resume_button (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_str_has_prefix (ub_mnemonic_button_get_label (GTK_BUTTON (child)) ?: "",
                                                     "_Resume from Step "))
        return child;
      if ((found = find_resume_button (child)) != NULL)
        return found;
    }
  return NULL;
}

static void
test_flash_and_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  UbResultPage *result = UB_RESULT_PAGE (page (f, "result"));

  go_to_confirm (f);
  /* the cable comes out after 40 MiB and is plugged back in half a second later */
  ub_emu_usb_device_set_replug_delays (f->device, 200, 500);
  g_assert_true (ub_emu_phone_add_fault (f->phone, "disconnect-after:41943040", &error));
  ub_ui_click (page (f, "confirm"), "_Flash");
  ub_ui_answer_dialog ("flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Flashing Did Not Finish");
  g_assert_true (ub_result_page_get_can_resume (result));
  ub_ui_screenshot (GTK_WINDOW (f->window), "usb-result-unplugged");

  /* back on the bus (the monitor lists it again), Resume finishes */
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 15));
  {
    GtkWidget *resume = find_resume_button (page (f, "result"));

    g_assert_nonnull (resume);
    g_assert_true (gtk_widget_get_visible (resume));
    g_signal_emit_by_name (resume, "clicked");
  }
  g_assert_cmpstr (visible_page (f), ==, "flash");
  g_assert_true (ub_ui_wait (ub_ui_on_result_page, f->window, 120));
  g_assert_cmpstr (ub_result_page_get_title (result), ==, "Your Phone Is Restarting");
  ub_ui_screenshot (GTK_WINDOW (f->window), "usb-result-resumed");
  assert_boot_flashed (f);
}

static gboolean
locked_ready (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GPtrArray) selected = ub_detect_page_get_selected (UB_DETECT_PAGE (page (f, "detect")));

  return selected->len == 1 && ub_phone_get_locked (g_ptr_array_index (selected, 0));
}

/* A locked phone on USB: Continue explains the keys; the phone then leaves
 * the bus in fastboot mode and comes back in Mi Assistant mode (an adb
 * interface, same serial), which the page finds by itself. */
static void
test_locked_to_mi_assistant (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *package = g_build_filename (ub_emu_demo_get_dir (f->demo), "sideloaded.zip", NULL);
  g_autoptr(UbEmuRecovery) recovery = ub_emu_recovery_new (package);
  UbEmuUsbDevice *device;

  g_assert_true (ub_ui_wait (ub_ui_phone_ready, f->window, 15));
  ub_emu_phone_set_var (f->phone, "unlocked", "no");
  ub_detect_page_refresh (UB_DETECT_PAGE (page (f, "detect")));
  g_assert_true (ub_ui_wait (locked_ready, f, 15));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Bootloader locked"));
  ub_ui_click (page (f, "detect"), "_Continue");
  g_assert_cmpstr (visible_page (f), ==, "recovery-connect");

  /* Volume Up + Power, "Connect with MIAssistant" */
  ub_emu_usb_device_unplug (f->device);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  ub_emu_recovery_set_info (recovery, "sn", "8d1cac2");
  device = ub_emu_usb_add_recovery (bus, recovery, "1-30", &error);
  g_assert_no_error (error);
  g_assert_true (ub_ui_wait (ub_ui_on_recovery_firmware, f->window, 20));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Mi Assistant mode"));
  g_assert_true (ub_ui_shows_text (page (f, "detect"), "Serial 8d1cac2"));
  ub_ui_screenshot (GTK_WINDOW (f->window), "usb-recovery-found");
  ub_emu_usb_device_unplug (device);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  bus = ub_emu_usb_new (&error);
  if (bus == NULL)
    {
      g_printerr ("skipped: %s\n", error->message);
      return 77;
    }
  /* the recovery pages never reach Xiaomi from a test: nothing listens there */
  g_setenv ("UNBRICK_UPDATE_SERVER", "http://127.0.0.1:9", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add ("/ui/usb/hotplug", Fixture, NULL, fixture_setup, test_hotplug, fixture_teardown);
  g_test_add ("/ui/usb/flash-unplug-resume", Fixture, NULL, fixture_setup, test_flash_and_resume, fixture_teardown);
  g_test_add ("/ui/usb/locked-to-mi-assistant", Fixture, NULL, fixture_setup, test_locked_to_mi_assistant,
              fixture_teardown);
  status = g_test_run ();
  g_clear_object (&bus);
  return status;
}

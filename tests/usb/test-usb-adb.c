/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * src/adb through the real libusb path: ub_usb_transport_open_adb() and
 * UbMiAssistant against the emulated recovery on the emulated USB bus
 * (selection by nothing, serial and path; info; a signed sideload with a
 * zero-length packet after every 64 KiB write; reboot). Run under
 * umockdev-wrapper; exits 77 otherwise.
 */
#include "config.h"

#include <string.h>
#include <sys/prctl.h>

#include "ub-adb-error.h"
#include "ub-emu-usb.h"
#include "ub-emu-xiaomi-key.h"
#include "ub-fastboot-error.h"
#include "ub-mi-assistant.h"
#include "ub-usb-transport.h"

#include "ub-test-utils.h"

#define PACKAGE_SIZE (3 * UB_SIDELOAD_BLOCK_SIZE + 777)

static UbEmuUsb *bus;

typedef struct {
  char           *dir;
  UbEmuRecovery  *recovery;
  UbEmuUsbDevice *dev;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *package = NULL;

  fx->dir = ub_test_make_tmp_dir ("ub-usb-adb-XXXXXX");
  package = g_build_filename (fx->dir, "received.zip", NULL);
  fx->recovery = ub_emu_recovery_new (package);
  fx->dev = ub_emu_usb_add_recovery (bus, fx->recovery, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  ub_emu_usb_device_unplug (fx->dev);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  g_clear_object (&fx->recovery);
  ub_test_rm_rf (fx->dir);
  g_free (fx->dir);
}

static void
test_open (Fixture *fx, gconstpointer data)
{
  const char *addresses[] = { NULL, "3f6a2b91", ub_emu_usb_device_get_path (fx->dev) };
  g_autoptr(GError) error = NULL;
  UbTransport *fastboot;

  for (gsize i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr(UbMiAssistant) mi = ub_mi_assistant_open (addresses[i], NULL, &error);
      g_autoptr(UbRecoveryInfo) info = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (ub_mi_assistant_get_address (mi), ==,
                       ub_emu_usb_device_get_path (fx->dev));
      info = ub_mi_assistant_read_info (mi, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ub_recovery_info_get_device (info), ==, "begonia");
      g_assert_cmpstr (ub_recovery_info_get_serial (info), ==, "3f6a2b91");
      ub_mi_assistant_close (mi);
    }

  /* another serial: not found, said in Mi Assistant words */
  g_assert_null (ub_usb_transport_open_adb ("nope", &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "Mi Assistant"));
  g_clear_error (&error);

  /* the fastboot transport never takes an adb interface */
  fastboot = ub_usb_transport_open (NULL, &error);
  g_assert_null (fastboot);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND);
}

static void
test_sideload (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(GBytes) package = ub_test_random_bytes (PACKAGE_SIZE, 13);
  g_autofree char *sha1 = NULL;
  g_autofree char *token = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  UbEmuUsbStats st;

  sha1 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, package);
  token = ub_emu_token_sign ("3f6a2b91", "V12.5.6.0.RGGMIXM", "2", sha1, &error);
  g_assert_no_error (error);

  mi = ub_mi_assistant_open (NULL, NULL, &error);
  g_assert_no_error (error);
  stream = g_memory_input_stream_new_from_bytes (package);
  g_assert_true (ub_mi_assistant_sideload (mi, stream, PACKAGE_SIZE, token, NULL, NULL,
                                           &message, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (message, ==, "DONEDONE");
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 1);

  /* every 64 KiB block went out with a zero-length packet after it (AOSP) */
  ub_emu_usb_device_get_stats (fx->dev, &st);
  g_assert_cmpuint (st.n_zero_length_out_adb, >=, 6);
  g_assert_cmpuint (st.n_zero_length_out, ==, 0);

  g_assert_true (ub_mi_assistant_reboot (mi, UB_RECOVERY_REBOOT_BOOTLOADER, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, "bootloader");
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  bus = ub_emu_usb_new (&error);
  if (bus == NULL)
    {
      g_printerr ("SKIP: %s\n", error->message);
      return 77;
    }
  /* libumockdev-preload sleeps after every emulated ioctl; keep that short */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  g_test_add ("/usb-adb/open", Fixture, NULL, fixture_setup, test_open, fixture_teardown);
  g_test_add ("/usb-adb/sideload", Fixture, NULL, fixture_setup, test_sideload,
              fixture_teardown);

  ret = g_test_run ();
  g_clear_object (&bus);
  return ret;
}

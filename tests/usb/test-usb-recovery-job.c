/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UbRecoveryJob through the real libusb path (src/adb on UbUsbTransport's adb
 * interface) against the emulated recovery on a umockdev USB bus: the package
 * arrives byte for byte, the phone restarts; wipe-data formats once. Run
 * under umockdev-wrapper; exits 77 otherwise.
 */
#include "config.h"

#include <string.h>
#include <sys/prctl.h>

#include "ub-emu-update-server.h"
#include "ub-emu-usb.h"
#include "ub-mi-assistant.h"
#include "ub-recovery-job.h"
#include "ub-update-server.h"

#include "ub-test-utils.h"

#define PACKAGE_SIZE (24 * 65536 + 511)
#define ROM_NAME "miui_BEGONIAGlobal_V14.0.9.0.TKFMIXM_0123456789_11.0.zip"

static UbEmuUsb *bus;

typedef struct {
  char              *dir;
  char              *rom;
  char              *received;
  GBytes            *package;
  char              *md5;      /* the ROM's, as the update server lists it */
  UbEmuRecovery     *recovery;
  UbEmuUsbDevice    *dev;
  UbEmuUpdateServer *fake;
} Fixture;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha1 = NULL;

  fx->dir = ub_test_make_tmp_dir ("ub-usb-recovery-job-XXXXXX");
  fx->package = ub_test_zip_bytes (PACKAGE_SIZE, 4242);
  fx->rom = ub_test_write_file (fx->dir, ROM_NAME, g_bytes_get_data (fx->package, NULL),
                                PACKAGE_SIZE);
  fx->received = g_build_filename (fx->dir, "received.zip", NULL);
  fx->md5 = ub_test_md5_of_file (fx->rom);
  sha1 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, fx->package);
  fx->recovery = ub_emu_recovery_new (fx->received);
  fx->dev = ub_emu_usb_add_recovery (bus, fx->recovery, NULL, &error);
  g_assert_no_error (error);
  fx->fake = ub_emu_update_server_new ();
  ub_emu_update_server_add_rom (fx->fake, "begonia", ROM_NAME, "V14.0.9.0.TKFMIXM", "11.0",
                                fx->md5, sha1, PACKAGE_SIZE, FALSE);
  ub_emu_update_server_start (fx->fake, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  if (ub_emu_usb_device_is_plugged (fx->dev))
    ub_emu_usb_device_unplug (fx->dev);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  ub_emu_update_server_stop (fx->fake);
  g_clear_object (&fx->fake);
  g_clear_object (&fx->recovery);
  g_clear_pointer (&fx->package, g_bytes_unref);
  ub_test_rm_rf (fx->dir);
  g_free (fx->dir);
  g_free (fx->rom);
  g_free (fx->md5);
  g_free (fx->received);
}

static void
test_install (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) phone = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autoptr(UbUpdateQuery) query = NULL;
  g_autoptr(UbUpdateServer) server = ub_update_server_new ();
  g_autoptr(UbRomApproval) approval = NULL;
  g_autoptr(UbRecoveryJob) job = NULL;
  g_autofree char *url = g_strconcat (ub_emu_update_server_get_url (fx->fake),
                                      "/updates/miotaV3.php", NULL);
  g_autofree char *address = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  /* the only adb phone on USB, as the CLI finds it */
  phone = ub_mi_assistant_open (NULL, NULL, &error);
  g_assert_no_error (error);
  address = g_strdup (ub_mi_assistant_get_address (phone));
  g_assert_true (g_str_has_prefix (address, "usb:"));
  info = ub_mi_assistant_read_info (phone, NULL, &error);
  g_assert_no_error (error);
  ub_mi_assistant_close (phone);
  query = ub_update_query_new_from_info (info);
  ub_update_server_set_urls (server, url, url);
  approval = ub_update_server_approve (server, query, fx->md5, NULL, &error);
  g_assert_no_error (error);

  job = ub_recovery_job_new_install (address, query->serial, fx->rom, approval);
  g_assert_true (ub_recovery_job_run_sync (job, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ub_recovery_job_get_phone_message (job), ==, "DONEDONE");
  g_file_get_contents (fx->received, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len, g_bytes_get_data (fx->package, NULL), PACKAGE_SIZE);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 1);
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, "");
}

static void
test_wipe_data (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_wipe_data (NULL, "3f6a2b91");

  ub_recovery_job_set_confirmed (job, TRUE);
  g_assert_true (ub_recovery_job_run_sync (job, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 1);
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, "");
}

int
main (int   argc,
      char *argv[])
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

  g_test_add ("/usb-recovery-job/install", Fixture, NULL, fixture_setup, test_install,
              fixture_teardown);
  g_test_add ("/usb-recovery-job/wipe-data", Fixture, NULL, fixture_setup, test_wipe_data,
              fixture_teardown);
  ret = g_test_run ();
  g_clear_object (&bus);
  return ret;
}

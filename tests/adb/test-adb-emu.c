/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UbMiAssistant against the emulated recovery (an independent adb device
 * implementation, src/emulator) over adb's TCP transport on loopback: info,
 * format-data, a signed sideload whose package the recovery writes out and
 * checks, reboot, and the recovery's faults.
 */
#include "config.h"

#include <string.h>

#include "ub-adb-error.h"
#include "ub-emu-adb-server.h"
#include "ub-emu-recovery.h"
#include "ub-emu-xiaomi-key.h"
#include "ub-fastboot-error.h"
#include "ub-mi-assistant.h"
#include "ub-test-utils.h"

#define PACKAGE_SIZE (3 * UB_SIDELOAD_BLOCK_SIZE + 12345)

typedef struct {
  char *dir;
  char *received_path;
  char *package_path;
  GBytes *package;
  char *sha1;
  UbEmuRecovery *recovery;
  UbEmuAdbServer *server;
  char *address;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = ub_test_make_tmp_dir ("ub-adb-emu-XXXXXX");
  f->received_path = g_build_filename (f->dir, "received.zip", NULL);
  f->package_path = g_build_filename (f->dir, "package.zip", NULL);
  f->package = ub_test_random_bytes (PACKAGE_SIZE, 99);
  g_assert_true (g_file_set_contents (f->package_path, g_bytes_get_data (f->package, NULL),
                                      PACKAGE_SIZE, &error));
  f->sha1 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, f->package);
  f->recovery = ub_emu_recovery_new (f->received_path);
  f->server = ub_emu_adb_server_new (f->recovery);
  g_assert_true (ub_emu_adb_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  f->address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_adb_server_get_port (f->server));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  ub_emu_adb_server_stop (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->recovery);
  ub_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->received_path);
  g_free (f->package_path);
  g_clear_pointer (&f->package, g_bytes_unref);
  g_free (f->sha1);
  g_free (f->address);
}

static char *
sign (Fixture *f, const char *sha1)
{
  g_autoptr(GError) error = NULL;
  char *token = ub_emu_token_sign (ub_emu_recovery_get_info (f->recovery, "sn"),
                                   ub_emu_recovery_get_info (f->recovery, "version"),
                                   ub_emu_recovery_get_info (f->recovery, "romzone"),
                                   sha1, &error);

  g_assert_no_error (error);
  return token;
}

typedef struct {
  guint calls;
  guint64 served;
  gboolean installing;
} Progress;

static void
on_progress (UbSideloadPhase phase, guint64 served, guint64 size, gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (served, >, p->served);
  g_assert_cmpuint (size, ==, PACKAGE_SIZE);
  p->calls++;
  p->served = served;
  if (phase == UB_SIDELOAD_PHASE_INSTALLING)
    p->installing = TRUE;
  else
    g_assert_false (p->installing);   /* never back to checking */
}

static gboolean
sideload (Fixture *f, UbMiAssistant *mi, const char *token, Progress *p, char **message,
          GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (f->package_path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, NULL);

  g_assert_nonnull (stream);
  return ub_mi_assistant_sideload (mi, G_INPUT_STREAM (stream), PACKAGE_SIZE, token,
                                   on_progress, p, message, NULL, error);
}

static void
test_full (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autofree char *format_message = NULL;
  g_autofree char *message = NULL;
  g_autofree char *token = sign (f, f->sha1);
  g_autofree char *received = NULL;
  gsize received_len = 0;
  Progress p = { 0 };

  mi = ub_mi_assistant_open (f->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_mi_assistant_get_address (mi), ==, f->address);

  info = ub_mi_assistant_read_info (mi, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_recovery_info_get_device (info), ==, "begonia");
  g_assert_cmpstr (ub_recovery_info_get_version (info), ==, "V12.5.6.0.RGGMIXM");
  g_assert_cmpstr (ub_recovery_info_get_serial (info), ==, "3f6a2b91");
  g_assert_cmpstr (ub_recovery_info_get_codebase (info), ==, "11.0");
  g_assert_cmpstr (ub_recovery_info_get_branch (info), ==, "F");
  g_assert_cmpstr (ub_recovery_info_get_language (info), ==, "en-US");
  g_assert_cmpstr (ub_recovery_info_get_region (info), ==, "GL");
  g_assert_cmpstr (ub_recovery_info_get_romzone (info), ==, "2");
  g_assert_true (ub_recovery_info_is_complete (info));

  g_assert_true (ub_mi_assistant_format_data (mi, &format_message, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ub_emu_recovery_get_formats (f->recovery), ==, 1);

  g_assert_true (sideload (f, mi, token, &p, &message, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (message, ==, "DONEDONE");
  g_assert_cmpuint (ub_emu_recovery_get_installs (f->recovery), ==, 1);
  g_assert_true (p.installing);
  g_assert_cmpuint (p.served, ==, ub_emu_recovery_get_bytes_received (f->recovery));
  g_assert_cmpuint (p.served, >=, 2 * (guint64) PACKAGE_SIZE);
  g_assert_true (g_file_get_contents (f->received_path, &received, &received_len, NULL));
  g_assert_cmpuint (received_len, ==, PACKAGE_SIZE);
  g_assert_true (memcmp (received, g_bytes_get_data (f->package, NULL), PACKAGE_SIZE) == 0);

  g_assert_true (ub_mi_assistant_reboot (mi, UB_RECOVERY_REBOOT_BOOTLOADER, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (f->recovery), ==, "bootloader");
}

static void
test_auth (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;

  ub_emu_recovery_set_fault (f->recovery, UB_EMU_RECOVERY_FAULT_AUTH, 0, 0);
  mi = ub_mi_assistant_open (f->address, NULL, &error);
  g_assert_null (mi);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_AUTH_REQUIRED);
}

static void
test_not_sideload (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;

  ub_emu_recovery_set_fault (f->recovery, UB_EMU_RECOVERY_FAULT_NOT_SIDELOAD, 0, 0);
  mi = ub_mi_assistant_open (f->address, NULL, &error);
  g_assert_null (mi);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_NOT_MI_ASSISTANT);
}

static void
test_install_fail (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autofree char *token = sign (f, f->sha1);
  g_autofree char *message = NULL;
  Progress p = { 0 };

  ub_emu_recovery_set_fault (f->recovery, UB_EMU_RECOVERY_FAULT_INSTALL_FAIL, 0, 0);
  mi = ub_mi_assistant_open (f->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (sideload (f, mi, token, &p, &message, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED);
  g_assert_nonnull (strstr (error->message, UB_EMU_RECOVERY_FAIL_TEXT));
  g_assert_cmpstr (message, ==, UB_EMU_RECOVERY_FAIL_TEXT);
  g_assert_cmpuint (ub_emu_recovery_get_installs (f->recovery), ==, 0);
}

static void
test_wrong_token (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  /* signed for another package */
  g_autofree char *token = sign (f, "0123456789abcdef0123456789abcdef01234567");
  Progress p = { 0 };

  mi = ub_mi_assistant_open (f->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (sideload (f, mi, token, &p, NULL, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (ub_emu_recovery_get_installs (f->recovery), ==, 0);
}

static void
test_unplug (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autofree char *token = sign (f, f->sha1);
  Progress p = { 0 };

  ub_emu_recovery_set_fault (f->recovery, UB_EMU_RECOVERY_FAULT_UNPLUG,
                             PACKAGE_SIZE + UB_SIDELOAD_BLOCK_SIZE, 0);
  mi = ub_mi_assistant_open (f->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (sideload (f, mi, token, &p, NULL, &error));
  g_assert_true (error->domain == UB_FASTBOOT_ERROR || error->domain == UB_ADB_ERROR);
  g_assert_nonnull (strstr (error->message, "interrupted"));
  g_assert_cmpuint (ub_emu_recovery_get_installs (f->recovery), ==, 0);
}

static void
probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static UbRecoveryInfo *
probe (const char *address, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ub_mi_assistant_probe_async (address, NULL, probe_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ub_mi_assistant_probe_finish (result, error);
}

/* The phone list's probe: the info, then the link let go (the recovery takes
 * the next connection); a started phone's AUTH as the open's error. */
static void
test_probe (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRecoveryInfo) info = probe (f->address, &error);
  g_autoptr(UbRecoveryInfo) again = NULL;
  g_autoptr(UbRecoveryInfo) refused = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (ub_recovery_info_get_device (info), ==, "begonia");
  g_assert_cmpstr (ub_recovery_info_get_serial (info), ==, "3f6a2b91");
  g_assert_true (ub_recovery_info_is_complete (info));
  again = probe (f->address, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_recovery_info_get_version (again), ==, "V12.5.6.0.RGGMIXM");

  ub_emu_recovery_set_fault (f->recovery, UB_EMU_RECOVERY_FAULT_AUTH, 0, 0);
  refused = probe (f->address, &error);
  g_assert_null (refused);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_AUTH_REQUIRED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/adb-emu/full", test_full);
  ADD ("/adb-emu/probe", test_probe);
  ADD ("/adb-emu/auth", test_auth);
  ADD ("/adb-emu/not-sideload", test_not_sideload);
  ADD ("/adb-emu/install-fail", test_install_fail);
  ADD ("/adb-emu/wrong-token", test_wrong_token);
  ADD ("/adb-emu/unplug", test_unplug);
#undef ADD
  return g_test_run ();
}

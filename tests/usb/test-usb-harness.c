/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ub-usb-harness end to end: the harness owns the emulated bus and phones,
 * the child (ub-usb-client, no umockdev code) talks to them over libusb.
 * argv[1] is umockdev-wrapper; without it the test is skipped.
 */
#include "config.h"

#include "ub-test-utils.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *wrapper;
static const char *harness;
static const char *client;

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* harness_args NULL-terminated, then "--", then client args NULL-terminated */
static void
run_harness (Run         *r,
             const char  *state_dir,
             const char **harness_args,
             const char **client_args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, (char *) wrapper);
  g_ptr_array_add (argv, (char *) harness);
  g_ptr_array_add (argv, (char *) "--state-dir");
  g_ptr_array_add (argv, (char *) state_dir);
  for (guint i = 0; harness_args != NULL && harness_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) harness_args[i]);
  g_ptr_array_add (argv, (char *) "--");
  for (guint i = 0; client_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) client_args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &r->out, &r->err, &wait_status, &error);
  g_assert_no_error (error);
  r->status = g_spawn_check_wait_status (wait_status, NULL) ? 0
              : WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  if (r->status == 77)
    {
      g_test_skip ("umockdev preload not available");
      return;
    }
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", r->status, r->out, r->err);
}

static char *
make_state_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("ub-harness-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_getvar (void)
{
  g_autofree char *dir = make_state_dir ();
  g_auto (Run) r = { 0 };
  const char *args[] = { client, "getvar", "product", NULL };

  run_harness (&r, dir, NULL, args);
  if (g_test_failed () || r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "alioth\n");
  ub_test_rm_rf (dir);
}

static void
test_exit_status (void)
{
  g_autofree char *dir = make_state_dir ();
  g_auto (Run) r = { 0 };
  g_auto (Run) r2 = { 0 };
  const char *args[] = { client, "getvar", "no-such-var", NULL };
  const char *sh[] = { "/bin/sh", "-c", "exit 3", NULL };

  run_harness (&r, dir, NULL, args);
  if (r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "ub-usb-client: GetVar Variable Not found"));

  run_harness (&r2, dir, NULL, sh);
  g_assert_cmpint (r2.status, ==, 3);
  ub_test_rm_rf (dir);
}

static void
test_download (void)
{
  g_autofree char *dir = make_state_dir ();
  g_autofree char *log_path = g_build_filename (dir, "writes.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *line = NULL;
  g_auto (Run) r = { 0 };
  const char *args[] = { client, "download", "64", "5", NULL };

  run_harness (&r, dir, NULL, args);
  if (r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 0);
  g_strchomp (r.out);
  g_assert_cmpuint (strlen (r.out), ==, 64);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  line = g_strdup_printf ("download 67108864 %s\n", r.out);
  g_assert_nonnull (strstr (log, line));
  ub_test_rm_rf (dir);
}

static void
test_fault (void)
{
  g_autofree char *dir = make_state_dir ();
  g_auto (Run) r = { 0 };
  const char *hargs[] = { "--fault", "disconnect-after:1048576", NULL };
  const char *args[] = { client, "download", "8", "1", NULL };

  run_harness (&r, dir, hargs, args);
  if (r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "ub-usb-client: The phone was unplugged"));
  ub_test_rm_rf (dir);
}

static void
test_phones (void)
{
  g_autofree char *dir = make_state_dir ();
  g_autofree char *dir1 = g_build_filename (dir, "phone1", NULL);
  g_autofree char *dir2 = g_build_filename (dir, "phone2", NULL);
  g_auto (Run) r = { 0 };
  g_auto (Run) r2 = { 0 };
  const char *hargs[] = { "--phones", "2", NULL };
  const char *args[] = { client, "list", NULL };
  const char *args2[] = { client, "-s", "8d1cac2-2", "getvar", "serialno", NULL };

  run_harness (&r, dir, hargs, args);
  if (r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==,
                   "fastboot\t8d1cac2\tusb:1-1\t18d1:d00d\n"
                   "fastboot\t8d1cac2-2\tusb:1-2\t18d1:d00d\n");
  g_assert_true (g_file_test (dir1, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (dir2, G_FILE_TEST_IS_DIR));

  run_harness (&r2, dir, hargs, args2);
  g_assert_cmpint (r2.status, ==, 0);
  g_assert_cmpstr (r2.out, ==, "8d1cac2-2\n");
  ub_test_rm_rf (dir);
}

static void
test_reboot (void)
{
  g_autofree char *dir = make_state_dir ();
  g_autofree char *log_path = g_build_filename (dir, "writes.log", NULL);
  g_autofree char *log = NULL;
  g_auto (Run) r = { 0 };
  const char *args[] = { client, "reboot-bootloader", NULL };

  run_harness (&r, dir, NULL, args);
  if (r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "back: 8d1cac2\n");
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_cmpstr (log, ==, "reboot bootloader\n");
  ub_test_rm_rf (dir);
}

/* --no-access, with the command run as root without CAP_DAC_OVERRIDE: what a
 * user without the udev rule sees. */
static void
test_no_access (void)
{
  g_autofree char *dir = make_state_dir ();
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  g_auto (Run) r = { 0 };
  const char *hargs[] = { "--no-access", NULL };
  const char *args[] = { setpriv, "--inh-caps=-dac_override,-dac_read_search",
                         "--bounding-set=-dac_override,-dac_read_search", "--",
                         client, "getvar", "product", NULL };

  if (setpriv == NULL || getuid () != 0)
    {
      g_test_skip ("needs root and setpriv");
      return;
    }
  run_harness (&r, dir, hargs, args);
  if (r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 1);
  /* g_printerr() turns the dash into '?' in the C locale */
  g_assert_nonnull (strstr (r.err, "ub-usb-client: Permission denied for the USB device usb:1-1 "));
  g_assert_nonnull (strstr (r.err, " install the udev rule that gives your user access to phones"));
  ub_test_rm_rf (dir);
}

/* --recovery: a Mi Assistant recovery on the bus, its summary on exit. */
static void
test_recovery (void)
{
  g_autofree char *dir = make_state_dir ();
  g_autofree char *summary_path = g_build_filename (dir, "recovery.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto (Run) r = { 0 };
  g_auto (Run) r2 = { 0 };
  const char *hargs[] = { "--recovery", "--set", "sn=RECO1234", "--install-delay", "10", NULL };
  const char *bad[] = { "--recovery", "--recovery-fault", "explode", NULL };
  const char *sh[] = { "/bin/sh", "-c",
                       "cat /sys/bus/usb/devices/1-1/serial /sys/bus/usb/devices/1-1/idProduct "
                       "/sys/bus/usb/devices/1-1/1-1:1.0/bInterfaceProtocol", NULL };

  run_harness (&r, dir, hargs, sh);
  if (r.status == 77)
    return;
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "RECO1234\nd001\n01\n");
  g_key_file_load_from_file (kf, summary_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_key_file_get_uint64 (kf, "recovery", "installs", &error), ==, 0);
  g_assert_no_error (error);

  run_harness (&r2, dir, bad, sh);
  g_assert_cmpint (r2.status, ==, 2);
  g_assert_nonnull (strstr (r2.err, "explode"));
  ub_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  harness = g_getenv ("UB_USB_HARNESS");
  client = g_getenv ("UB_USB_CLIENT");
  wrapper = argc > 1 ? argv[1] : NULL;
  if (wrapper == NULL || harness == NULL || client == NULL ||
      !g_file_test (wrapper, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("SKIP: umockdev-wrapper, UB_USB_HARNESS or UB_USB_CLIENT missing\n");
      return 77;
    }

  g_test_add_func ("/harness/getvar", test_getvar);
  g_test_add_func ("/harness/exit-status", test_exit_status);
  g_test_add_func ("/harness/download", test_download);
  g_test_add_func ("/harness/fault", test_fault);
  g_test_add_func ("/harness/phones", test_phones);
  g_test_add_func ("/harness/reboot", test_reboot);
  g_test_add_func ("/harness/no-access", test_no_access);
  g_test_add_func ("/harness/recovery", test_recovery);
  return g_test_run ();
}

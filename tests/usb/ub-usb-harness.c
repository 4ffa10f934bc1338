/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ub-usb-harness: runs a command (e.g. the product CLI, which knows nothing
 * about umockdev) against emulated phones on an emulated USB bus.
 *
 *   umockdev-wrapper ub-usb-harness --profile P --state-dir D [--fault SPEC]...
 *       [--phones N] [--replug-after-fault MS] [--reboot-delay MS] [--no-access]
 *       [--verbose]
 *       -- COMMAND ARGS…
 *   umockdev-wrapper ub-usb-harness --recovery --state-dir D [--set KEY=VALUE]...
 *       [--recovery-fault SPEC] [--install-delay MS] -- COMMAND ARGS…
 *
 * --recovery plugs an emulated Mi Assistant recovery in instead of fastboot
 * phones: the sideloaded package goes to D/package.zip, and on exit
 * D/recovery.ini holds what happened (ub_emu_recovery_dup_summary).
 *
 * Exits with COMMAND's exit status (128 + signal if it was killed), 77 when
 * not running under the umockdev preload, 2 on usage errors, 1 when the
 * harness itself failed. With one phone its state is in D; with several,
 * phone i (1-based) uses D/phone<i> and serial "<serial>-<i>" for i > 1.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "ub-emu-usb.h"

static char *opt_profile;
static char *opt_state_dir;
static char **opt_faults;
static int opt_phones = 1;
static int opt_replug_after_fault = -1;
static int opt_reboot_delay = 200;
static gboolean opt_no_access;
static gboolean opt_verbose;
static char **opt_command;
static gboolean opt_recovery;
static char **opt_sets;
static char *opt_recovery_fault;
static int opt_install_delay;

static GOptionEntry entries[] = {
  { "profile", 0, 0, G_OPTION_ARG_FILENAME, &opt_profile, "Phone profile (.ini); default: built-in", "P" },
  { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_state_dir, "Emulator state directory", "D" },
  { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_faults, "Fault to inject (repeatable)", "SPEC" },
  { "phones", 0, 0, G_OPTION_ARG_INT, &opt_phones, "Number of phones (default 1)", "N" },
  { "replug-after-fault", 0, 0, G_OPTION_ARG_INT, &opt_replug_after_fault,
    "Replug this many ms after a fault disconnect (default: never)", "MS" },
  { "reboot-delay", 0, 0, G_OPTION_ARG_INT, &opt_reboot_delay,
    "Replug this many ms after a reboot (default 200)", "MS" },
  { "no-access", 0, 0, G_OPTION_ARG_NONE, &opt_no_access,
    "Make the device nodes mode 0000 (EACCES without CAP_DAC_OVERRIDE)", NULL },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Describe the emulated bus", NULL },
  { "recovery", 0, 0, G_OPTION_ARG_NONE, &opt_recovery,
    "An emulated Mi Assistant recovery instead of fastboot phones", NULL },
  { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_sets,
    "Recovery info value (device, version, sn, codebase, branch, language, region, romzone)",
    "KEY=VALUE" },
  { "recovery-fault", 0, 0, G_OPTION_ARG_STRING, &opt_recovery_fault,
    "Recovery fault: silence:BYTES:MS, unplug:BYTES, install-fail, auth, not-sideload", "SPEC" },
  { "install-delay", 0, 0, G_OPTION_ARG_INT, &opt_install_delay,
    "Recovery: ms between the last block and DONEDONE", "MS" },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_command, NULL, "-- COMMAND ARGS…" },
  { NULL }
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("-- COMMAND [ARGS…]");
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuUsb) bus = NULL;
  g_autoptr(GPtrArray) phones = g_ptr_array_new_with_free_func (g_object_unref);
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Runs COMMAND with emulated phones on an emulated USB bus.\n"
                                "Run it under umockdev-wrapper.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ub-usb-harness: %s\n", error->message);
      return 2;
    }
  if (opt_state_dir == NULL || opt_command == NULL || opt_command[0] == NULL ||
      opt_phones < 1 || opt_phones > 32)
    {
      g_printerr ("Usage: umockdev-wrapper ub-usb-harness --state-dir D [--profile P] "
                  "[--fault SPEC]... [--phones N] -- COMMAND ARGS…\n");
      return 2;
    }

  /* Cheaper emulated ioctls (libumockdev-preload sleeps after each one);
   * inherited by the command. */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  bus = ub_emu_usb_new (&error);
  if (bus == NULL)
    {
      g_printerr ("ub-usb-harness: %s\n", error->message);
      return 77;
    }

  if (opt_recovery)
    {
      g_autofree char *package = g_build_filename (opt_state_dir, "package.zip", NULL);
      g_autoptr(UbEmuRecovery) recovery = NULL;
      UbEmuUsbDevice *dev;

      if (g_mkdir_with_parents (opt_state_dir, 0755) < 0)
        {
          g_printerr ("ub-usb-harness: cannot create %s\n", opt_state_dir);
          return 1;
        }
      recovery = ub_emu_recovery_new (package);
      for (guint i = 0; opt_sets != NULL && opt_sets[i] != NULL; i++)
        {
          g_auto(GStrv) kv = g_strsplit (opt_sets[i], "=", 2);

          if (g_strv_length (kv) != 2)
            {
              g_printerr ("ub-usb-harness: --set takes KEY=VALUE\n");
              return 2;
            }
          ub_emu_recovery_set_info (recovery, kv[0], kv[1]);
        }
      if (opt_recovery_fault != NULL &&
          !ub_emu_recovery_set_fault_from_string (recovery, opt_recovery_fault, &error))
        {
          g_printerr ("ub-usb-harness: %s\n", error->message);
          return 2;
        }
      ub_emu_recovery_set_install_delay (recovery, (guint) MAX (opt_install_delay, 0));
      dev = ub_emu_usb_add_recovery (bus, recovery, NULL, &error);
      if (dev == NULL)
        {
          g_printerr ("ub-usb-harness: %s\n", error->message);
          return 1;
        }
      if (opt_no_access)
        ub_emu_usb_device_set_node_mode (dev, 0);
      if (opt_verbose)
        g_printerr ("[harness] recovery: serial %s at %s, package %s\n",
                    ub_emu_usb_device_get_serial (dev), ub_emu_usb_device_get_path (dev),
                    package);
      g_ptr_array_add (phones, g_steal_pointer (&recovery));
      opt_phones = 0;   /* no fastboot phones */
    }

  for (int i = 1; i <= opt_phones; i++)
    {
      g_autofree char *state_dir = opt_phones == 1
                                     ? g_strdup (opt_state_dir)
                                     : g_strdup_printf ("%s/phone%d", opt_state_dir, i);
      g_autoptr(UbEmuPhone) phone = NULL;
      UbEmuUsbDevice *dev;

      if (opt_profile != NULL)
        phone = ub_emu_phone_new_from_file (opt_profile, state_dir, &error);
      else
        phone = ub_emu_phone_new (NULL, state_dir, &error);
      if (phone == NULL)
        {
          g_printerr ("ub-usb-harness: %s\n", error->message);
          return 1;
        }
      if (i > 1)
        {
          g_autofree char *serial = g_strdup_printf ("%s-%d", ub_emu_phone_get_serial (phone), i);

          ub_emu_phone_set_var (phone, "serialno", serial);
        }
      for (guint f = 0; opt_faults != NULL && opt_faults[f] != NULL; f++)
        if (!ub_emu_phone_add_fault (phone, opt_faults[f], &error))
          {
            g_printerr ("ub-usb-harness: %s\n", error->message);
            return 2;
          }
      dev = ub_emu_usb_add_phone (bus, phone, NULL, &error);
      if (dev == NULL)
        {
          g_printerr ("ub-usb-harness: %s\n", error->message);
          return 1;
        }
      ub_emu_usb_device_set_replug_delays (dev, opt_reboot_delay, opt_replug_after_fault);
      if (opt_no_access)
        ub_emu_usb_device_set_node_mode (dev, 0);
      if (opt_verbose)
        g_printerr ("[harness] phone %d: serial %s at %s, state in %s\n", i,
                    ub_emu_usb_device_get_serial (dev), ub_emu_usb_device_get_path (dev),
                    state_dir);
      g_ptr_array_add (phones, g_steal_pointer (&phone));
    }

  /* The command inherits LD_PRELOAD and UMOCKDEV_DIR; its usbdevfs ioctls
   * come back to this process over umockdev's sockets. */
  if (!g_spawn_sync (NULL, opt_command, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    {
      g_printerr ("ub-usb-harness: %s\n", error->message);
      return 1;
    }

  g_clear_object (&bus);
  if (opt_recovery)
    {
      g_autofree char *summary = ub_emu_recovery_dup_summary (g_ptr_array_index (phones, 0));
      g_autofree char *path = g_build_filename (opt_state_dir, "recovery.ini", NULL);

      if (!g_file_set_contents (path, summary, -1, &error))
        {
          g_printerr ("ub-usb-harness: %s\n", error->message);
          return 1;
        }
    }
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * unbrick-emulator: an emulated Xiaomi/Qualcomm-ABL phone in fastboot mode,
 * served over fastboot TCP on 127.0.0.1. For tests and manual runs:
 *   unbrick-emulator --state-dir /tmp/phone --port 0 --print-port
 *   fastboot -s tcp:127.0.0.1:PORT getvar all
 * or, with --recovery, an emulated Mi Assistant recovery over adb's TCP
 * transport (raw adb messages; default port 5555):
 *   unbrick-emulator --recovery --state-dir /tmp/phone --set sn=1234abcd
 */
#include "config.h"

#include "ub-emu-adb-server.h"
#include "ub-emu-phone.h"
#include "ub-emu-recovery.h"
#include "ub-emu-tcp-server.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

#define ADB_DEFAULT_PORT 5555

/* --recovery: serve the emulated recovery until SIGINT/SIGTERM, then print
 * what happened. */
static int
run_recovery (const char  *state_dir,
              int          port,
              gboolean     print_port,
              char       **sets,
              const char  *fault,
              int          install_delay)
{
  g_autofree char *package = g_build_filename (state_dir, "package.zip", NULL);
  g_autofree char *summary = NULL;
  g_autoptr(UbEmuRecovery) recovery = NULL;
  g_autoptr(UbEmuAdbServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (state_dir, 0755) < 0)
    {
      g_printerr ("unbrick-emulator: cannot create %s\n", state_dir);
      return EXIT_FAILURE;
    }
  recovery = ub_emu_recovery_new (package);
  for (guint i = 0; sets != NULL && sets[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (sets[i], "=", 2);

      if (g_strv_length (kv) != 2)
        {
          g_printerr ("unbrick-emulator: --set takes KEY=VALUE\n");
          return EXIT_FAILURE;
        }
      ub_emu_recovery_set_info (recovery, kv[0], kv[1]);
    }
  if (fault != NULL && !ub_emu_recovery_set_fault_from_string (recovery, fault, &error))
    {
      g_printerr ("unbrick-emulator: %s\n", error->message);
      return EXIT_FAILURE;
    }
  ub_emu_recovery_set_install_delay (recovery, (guint) MAX (install_delay, 0));

  server = ub_emu_adb_server_new (recovery);
  if (!ub_emu_adb_server_start (server, (guint16) port, &error))
    {
      g_printerr ("unbrick-emulator: cannot listen on 127.0.0.1:%d: %s\n", port, error->message);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);

  if (print_port)
    printf ("%u\n", ub_emu_adb_server_get_port (server));
  printf ("Mi Assistant recovery (serial %s) listening on 127.0.0.1:%u (adb TCP)\n",
          ub_emu_recovery_get_info (recovery, "sn"), ub_emu_adb_server_get_port (server));
  fflush (stdout);

  g_main_loop_run (loop);

  ub_emu_adb_server_stop (server);
  summary = ub_emu_recovery_dup_summary (recovery);
  printf ("%s", summary);
  return EXIT_SUCCESS;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *profile = NULL;
  g_autofree char *state_dir = NULL;
  g_auto(GStrv) faults = NULL;
  int port = -1;
  gboolean print_port = FALSE;
  gboolean recovery = FALSE;
  g_auto(GStrv) sets = NULL;
  g_autofree char *recovery_fault = NULL;
  int install_delay = 0;
  GOptionEntry entries[] = {
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, "Phone profile (key file); default: built-in alioth", "FILE" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Directory for partition files and writes.log (required)", "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "TCP port on 127.0.0.1 (0 = any free port; default 5554, 5555 with --recovery)", "N" },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &faults, "Inject a fault (repeatable), see docs/EMULATOR.md", "SPEC" },
    { "print-port", 0, 0, G_OPTION_ARG_NONE, &print_port, "Also print the bare port number on its own line first", NULL },
    { "recovery", 0, 0, G_OPTION_ARG_NONE, &recovery, "Serve an emulated Mi Assistant recovery on adb TCP instead (default port 5555)", NULL },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Recovery: an info value (device, version, sn, codebase, branch, language, region, romzone)", "KEY=VALUE" },
    { "recovery-fault", 0, 0, G_OPTION_ARG_STRING, &recovery_fault, "Recovery: silence:BYTES:MS, unplug:BYTES, install-fail, auth or not-sideload", "SPEC" },
    { "install-delay", 0, 0, G_OPTION_ARG_INT, &install_delay, "Recovery: ms between the last block and DONEDONE", "MS" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuPhone) phone = NULL;
  g_autoptr(UbEmuTcpServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;

  setlocale (LC_ALL, "");

  context = g_option_context_new ("- emulated fastboot phone");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("unbrick-emulator: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (state_dir == NULL)
    {
      g_printerr ("unbrick-emulator: --state-dir is required\n");
      return EXIT_FAILURE;
    }
  if (port == -1)
    port = recovery ? ADB_DEFAULT_PORT : UB_EMU_TCP_DEFAULT_PORT;
  if (port < 0 || port > 65535)
    {
      g_printerr ("unbrick-emulator: invalid port %d\n", port);
      return EXIT_FAILURE;
    }

  if (recovery)
    return run_recovery (state_dir, port, print_port, sets, recovery_fault, install_delay);

  phone = ub_emu_phone_new_from_file (profile, state_dir, &error);
  if (phone == NULL)
    {
      g_printerr ("unbrick-emulator: %s\n", error->message);
      return EXIT_FAILURE;
    }
  for (guint i = 0; faults && faults[i]; i++)
    if (!ub_emu_phone_add_fault (phone, faults[i], &error))
      {
        g_printerr ("unbrick-emulator: %s\n", error->message);
        return EXIT_FAILURE;
      }

  server = ub_emu_tcp_server_new (phone);
  if (!ub_emu_tcp_server_start (server, (guint16) port, &error))
    {
      g_printerr ("unbrick-emulator: cannot listen on 127.0.0.1:%d: %s\n", port, error->message);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);

  if (print_port)
    printf ("%u\n", ub_emu_tcp_server_get_port (server));
  printf ("listening on 127.0.0.1:%u\n", ub_emu_tcp_server_get_port (server));
  fflush (stdout);

  g_main_loop_run (loop);

  /* ends what a fault keeps going (an endless INFO flood), so the stop is quick */
  ub_emu_phone_clear_faults (phone);
  ub_emu_tcp_server_stop (server);
  return EXIT_SUCCESS;
}

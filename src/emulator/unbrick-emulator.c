/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * unbrick-emulator: an emulated Xiaomi/Qualcomm-ABL phone in fastboot mode,
 * served over fastboot TCP on 127.0.0.1. For tests and manual runs:
 *   unbrick-emulator --state-dir /tmp/phone --port 0 --print-port
 *   fastboot -s tcp:127.0.0.1:PORT getvar all
 */
#include "config.h"

#include "ub-emu-phone.h"
#include "ub-emu-tcp-server.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *profile = NULL;
  g_autofree char *state_dir = NULL;
  g_auto(GStrv) faults = NULL;
  int port = UB_EMU_TCP_DEFAULT_PORT;
  gboolean print_port = FALSE;
  GOptionEntry entries[] = {
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, "Phone profile (key file); default: built-in alioth", "FILE" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Directory for partition files and writes.log (required)", "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "TCP port on 127.0.0.1 (0 = any free port; default 5554)", "N" },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &faults, "Inject a fault (repeatable), see docs/EMULATOR.md", "SPEC" },
    { "print-port", 0, 0, G_OPTION_ARG_NONE, &print_port, "Also print the bare port number on its own line first", NULL },
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
  if (port < 0 || port > 65535)
    {
      g_printerr ("unbrick-emulator: invalid port %d\n", port);
      return EXIT_FAILURE;
    }

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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ub-recovery-server: for the CLI tests, an emulated phone in Mi Assistant
 * recovery on adb TCP and a fake Xiaomi update server that approves one ROM
 * file for it, both on 127.0.0.1:
 *   ub-recovery-server --rom FILE --received FILE [--erase] [--fault KIND:BYTES:MS]
 *                      [--refuse MESSAGE]
 * prints "adb tcp:127.0.0.1:PORT" and "update http://127.0.0.1:PORT", then
 * answers each line "status" on stdin with one line of JSON (installs,
 * formats, last_reboot, bytes_received); ends on SIGTERM or end of input.
 */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ub-emu-adb-server.h"
#include "ub-emu-recovery.h"
#include "ub-emu-update-server.h"

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

typedef struct {
  UbEmuRecovery *recovery;
  GMainLoop     *loop;
} Ctx;

static gboolean
on_stdin (GIOChannel   *channel,
          GIOCondition  condition,
          gpointer      user_data)
{
  Ctx *ctx = user_data;
  g_autofree char *line = NULL;
  GIOStatus status = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);

  if (status == G_IO_STATUS_EOF || status == G_IO_STATUS_ERROR)
    {
      g_main_loop_quit (ctx->loop);
      return G_SOURCE_REMOVE;
    }
  if (line != NULL && g_str_has_prefix (line, "status"))
    {
      const char *reboot = ub_emu_recovery_get_last_reboot (ctx->recovery);
      const char *last_error = ub_emu_recovery_get_last_error (ctx->recovery);
      g_autofree char *reboot_json = reboot ? g_strdup_printf ("\"%s\"", reboot) : g_strdup ("null");
      g_autofree char *error_json = last_error ? g_strescape (last_error, NULL) : NULL;

      printf ("{\"installs\": %u, \"formats\": %u, \"last_reboot\": %s, \"bytes_received\": %"
              G_GUINT64_FORMAT ", \"last_error\": %s%s%s}\n",
              ub_emu_recovery_get_installs (ctx->recovery),
              ub_emu_recovery_get_formats (ctx->recovery), reboot_json,
              ub_emu_recovery_get_bytes_received (ctx->recovery),
              error_json ? "\"" : "", error_json ? error_json : "null", error_json ? "\"" : "");
      fflush (stdout);
    }
  return G_SOURCE_CONTINUE;
}

/* The MD5 and SHA-1 of the file at @path in one read (the benchmarks pass GiB ROMs). */
static gboolean
checksums_of_file (const char  *path,
                   char       **md5,
                   char       **sha1,
                   guint64     *size,
                   GError     **error)
{
  g_autoptr(GChecksum) md5_sum = g_checksum_new (G_CHECKSUM_MD5);
  g_autoptr(GChecksum) sha1_sum = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree guint8 *buf = g_malloc (1 << 20);
  FILE *f = fopen (path, "rb");
  size_t n;

  if (f == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "cannot open %s", path);
      return FALSE;
    }
  *size = 0;
  while ((n = fread (buf, 1, 1 << 20, f)) > 0)
    {
      g_checksum_update (md5_sum, buf, n);
      g_checksum_update (sha1_sum, buf, n);
      *size += n;
    }
  fclose (f);
  *md5 = g_strdup (g_checksum_get_string (md5_sum));
  *sha1 = g_strdup (g_checksum_get_string (sha1_sum));
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *rom = NULL;
  g_autofree char *received = NULL;
  g_autofree char *fault = NULL;
  g_autofree char *refuse = NULL;
  g_autofree char *version = NULL;
  gboolean erase = FALSE;
  GOptionEntry entries[] = {
    { "rom", 0, 0, G_OPTION_ARG_FILENAME, &rom, "The recovery ROM the update server approves", "FILE" },
    { "rom-version", 0, 0, G_OPTION_ARG_STRING, &version, "Its version (default V14.0.9.0.TKFMIXM)", "V" },
    { "received", 0, 0, G_OPTION_ARG_FILENAME, &received, "Where the recovery writes what it receives", "FILE" },
    { "erase", 0, 0, G_OPTION_ARG_NONE, &erase, "The approval says the install erases the data", NULL },
    { "fault", 0, 0, G_OPTION_ARG_STRING, &fault, "silence:BYTES:MS|unplug:BYTES|install-fail|auth|not-sideload", "SPEC" },
    { "refuse", 0, 0, G_OPTION_ARG_STRING, &refuse, "Refuse every approval with this message", "TEXT" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- emulated Mi Assistant recovery");
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuRecovery) recovery = NULL;
  g_autoptr(UbEmuAdbServer) adb = NULL;
  g_autoptr(UbEmuUpdateServer) update = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GIOChannel) in = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *sha1 = NULL;
  g_autofree char *name = NULL;
  guint64 size = 0;
  Ctx ctx;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || rom == NULL || received == NULL)
    {
      g_printerr ("ub-recovery-server: %s\n", error ? error->message : "--rom and --received are required");
      return EXIT_FAILURE;
    }
  if (!checksums_of_file (rom, &md5, &sha1, &size, &error))
    {
      g_printerr ("ub-recovery-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  name = g_path_get_basename (rom);

  recovery = ub_emu_recovery_new (received);
  if (fault != NULL && !ub_emu_recovery_set_fault_from_string (recovery, fault, &error))
    {
      g_printerr ("ub-recovery-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  adb = ub_emu_adb_server_new (recovery);
  update = ub_emu_update_server_new ();
  ub_emu_update_server_add_rom (update, ub_emu_recovery_get_info (recovery, "device"), name,
                                version ? version : "V14.0.9.0.TKFMIXM",
                                ub_emu_recovery_get_info (recovery, "codebase"), md5, sha1, size,
                                erase);
  /* the version the phone runs: listed as CurrentRom */
  ub_emu_update_server_add_rom (update, ub_emu_recovery_get_info (recovery, "device"),
                                "miui_BEGONIAGlobal_V12.5.6.0.RGGMIXM_0011223344_11.0.zip",
                                ub_emu_recovery_get_info (recovery, "version"),
                                ub_emu_recovery_get_info (recovery, "codebase"),
                                "00112233445566778899aabbccddeeff",
                                "0011223344556677889900112233445566778899", 3221225472u, FALSE);
  if (refuse != NULL)
    ub_emu_update_server_set_refusal (update, refuse);
  if (!ub_emu_adb_server_start (adb, 0, &error) || !ub_emu_update_server_start (update, &error))
    {
      g_printerr ("ub-recovery-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  ctx.recovery = recovery;
  ctx.loop = loop;
  in = g_io_channel_unix_new (0);
  g_io_add_watch (in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &ctx);

  printf ("adb tcp:127.0.0.1:%u\n", ub_emu_adb_server_get_port (adb));
  printf ("update %s\n", ub_emu_update_server_get_url (update));
  fflush (stdout);
  g_main_loop_run (loop);
  ub_emu_adb_server_stop (adb);
  ub_emu_update_server_stop (update);
  return EXIT_SUCCESS;
}

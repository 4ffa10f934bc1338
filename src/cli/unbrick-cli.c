/* SPDX-License-Identifier: GPL-3.0-or-later */
/* unbrick-cli: the Unbrick engine from a terminal, for scripting and tests. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-sparse-image.h"
#include "ub-vbmeta.h"
#include "ub-cli-progress.h"
#include "ub-cli-demo.h"
#include "ub-cli-devices.h"
#include "ub-cli-rom.h"
#include "ub-cli-download.h"

typedef struct {
  UbCliDemo     *demo;
  const char    *address;
  guint          timeout_s;
  gboolean       verbose;
  GCancellable  *cancellable;
  GCancellable  *abort;        /* a second Ctrl+C */
  UbCliProgress *progress;
} Cli;

static void
print_error (const GError *error,
             const char   *address)
{
  gboolean network = address != NULL && g_str_has_prefix (address, "tcp:");

  g_printerr (_("Error: %s\n"), error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_printerr (_("Stopped. If the phone was receiving data, unplug it and connect it again "
                    "before you retry; it stays in fastboot mode.\n"));
      return;
    }
  if (error->domain != UB_FASTBOOT_ERROR)
    return;
  if (network && (error->code == UB_FASTBOOT_ERROR_NO_DEVICE ||
                  error->code == UB_FASTBOOT_ERROR_TIMEOUT ||
                  error->code == UB_FASTBOOT_ERROR_NOT_FOUND))
    {
      /* TRANSLATORS: %s: a network address, e.g. 192.168.1.5:5554 */
      g_printerr (_("Next step: check that the device at %s is running and in fastboot mode.\n"),
                  address + 4);
      return;
    }
  switch ((UbFastbootError) error->code)
    {
    case UB_FASTBOOT_ERROR_PERMISSION:
      g_printerr (_("Next step: install Unbrick's udev rule so your user may use the phone, "
                    "then unplug and reconnect it.\n"));
      break;
    case UB_FASTBOOT_ERROR_BUSY:
      g_printerr (_("Next step: close other programs that use the phone "
                    "(an adb server, Android Studio, another flashing tool), then try again.\n"));
      break;
    case UB_FASTBOOT_ERROR_NO_DEVICE:
    case UB_FASTBOOT_ERROR_TIMEOUT:
      g_printerr (_("Next step: check the cable, try another USB port (a port on the computer "
                    "itself, not a hub), and make sure the phone still shows FASTBOOT.\n"));
      break;
    case UB_FASTBOOT_ERROR_NOT_FOUND:
      g_printerr (_("Next step: put the phone in fastboot mode (power off, then hold "
                    "Volume Down and Power) and connect it with a USB cable.\n"));
      break;
    case UB_FASTBOOT_ERROR_PROTOCOL:
      g_printerr (_("Next step: unplug the phone, connect it again and retry.\n"));
      break;
    default:
      break;
    }
}

static void
on_info (UbFastbootClient *client,
         const char       *text,
         Cli              *cli)
{
  g_autofree char *clean = g_strchomp (g_strdup (text));

  ub_cli_progress_clear (cli->progress);
  g_printerr ("(bootloader) %s\n", clean);
}

static UbFastbootClient *
open_client (Cli     *cli,
             GError **error)
{
  UbFastbootClient *client = ub_fastboot_client_open (cli->address, cli->cancellable, error);

  if (client == NULL)
    return NULL;
  if (cli->timeout_s > 0)
    {
      guint ms = cli->timeout_s * 1000;
      ub_fastboot_client_set_timeouts (client, MIN (ms, UB_FASTBOOT_TIMEOUT_SHORT), ms, ms);
    }
  g_signal_connect (client, "info", G_CALLBACK (on_info), cli);
  return client;
}

static void
on_flash_progress (const UbFastbootProgress *p,
                   gpointer                  user_data)
{
  Cli *cli = user_data;
  g_autofree char *label = NULL;

  if (p->n_pieces > 1)
    {
      /* TRANSLATORS: a progress label: a partition name, then “piece number/number of pieces” */
      label = g_strdup_printf (_("Sending “%s” %u/%u"), p->partition, p->piece, p->n_pieces);
    }
  else
    {
      /* TRANSLATORS: a progress label; %s: a partition name */
      label = g_strdup_printf (_("Sending “%s”"), p->partition);
    }
  ub_cli_progress_update (cli->progress, label, p->done, p->total);
}

static gboolean
need_args (char **argv, guint argc, guint min, guint max, const char *usage, GError **error)
{
  if (argc >= min && argc <= max)
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("Usage: unbrick-cli %s"), usage);
  return FALSE;
}

static gboolean
run_command (Cli     *cli,
             char   **argv,
             guint    argc,
             GError **error)
{
  const char *cmd = argv[0];
  g_autoptr(UbFastbootClient) client = NULL;

  if (g_str_equal (cmd, "devices"))
    {
      gboolean json = argc > 1 && g_str_equal (argv[1], "--json");
      if (!need_args (argv, argc, 1, 2, "devices [--json]", error))
        return FALSE;
      return ub_cli_devices_print (json, error);
    }

  if (g_str_equal (cmd, "download"))
    return ub_cli_download (argv, argc, cli->progress, cli->cancellable, error);

  if (g_str_equal (cmd, "getvar"))
    {
      if (!need_args (argv, argc, 2, 2, "getvar NAME|all", error))
        return FALSE;
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (g_str_equal (argv[1], "all"))
        {
          g_auto(GStrv) lines = NULL;
          /* the INFO signal already printed every line */
          lines = ub_fastboot_client_getvar_all (client, cli->cancellable, error);
          return lines != NULL;
        }
      else
        {
          g_autofree char *value = ub_fastboot_client_getvar (client, argv[1], cli->cancellable, error);
          if (value == NULL)
            return FALSE;
          g_print ("%s: %s\n", argv[1], value);
          return TRUE;
        }
    }

  if (g_str_equal (cmd, "flash"))
    {
      gint64 start = g_get_monotonic_time ();
      const char *usage = "flash PARTITION FILE [--disable-verity] [--disable-verification]";
      g_autofree char **args = g_new0 (char *, argc + 1);
      g_autoptr(UbSparseImage) image = NULL;
      guint n = 0, vbmeta_flags = 0;

      /* the options anywhere after "flash", as with AOSP fastboot */
      for (guint i = 0; i < argc; i++)
        {
          guint flag = ub_vbmeta_flag_from_option (argv[i]);
          vbmeta_flags |= flag;
          if (flag == 0)
            args[n++] = argv[i];
        }
      if (!need_args (args, n, 3, 3, usage, error))
        return FALSE;
      if (vbmeta_flags != 0 && !ub_vbmeta_partition_takes_flags (args[1]))
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("--disable-verity and --disable-verification change only the "
                                 "partitions vbmeta, vbmeta_a and vbmeta_b."));
          return FALSE;
        }
      /* the image is read (and, with the options, checked) before the phone is opened */
      image = ub_sparse_image_new_from_path (args[2], error);
      if (image == NULL)
        return FALSE;
      if (vbmeta_flags != 0 && !ub_sparse_image_set_vbmeta_flags (image, vbmeta_flags, error))
        {
          g_prefix_error (error, "%s: ", args[2]);
          return FALSE;
        }
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (!ub_fastboot_client_flash_image (client, args[1], image, on_flash_progress, cli, NULL,
                                           cli->cancellable, error))
        {
          ub_cli_progress_clear (cli->progress);
          return FALSE;
        }
      ub_cli_progress_finish (cli->progress);
      /* TRANSLATORS: %s: a partition name; %.1f s: seconds */
      g_printerr (_("Flashed “%s” in %.1f s\n"), args[1],
                  (g_get_monotonic_time () - start) / 1e6);
      return TRUE;
    }

  if (g_str_equal (cmd, "erase"))
    {
      if (!need_args (argv, argc, 2, 2, "erase PARTITION", error))
        return FALSE;
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (!ub_fastboot_client_erase (client, argv[1], cli->cancellable, error))
        return FALSE;
      /* TRANSLATORS: %s: a partition name */
      g_printerr (_("Erased “%s”\n"), argv[1]);
      return TRUE;
    }

  if (g_str_equal (cmd, "set-active") || g_str_equal (cmd, "set_active"))
    {
      if (!need_args (argv, argc, 2, 2, "set-active SLOT", error))
        return FALSE;
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (!ub_fastboot_client_set_active (client, argv[1], cli->cancellable, error))
        return FALSE;
      /* TRANSLATORS: %s: a slot letter, “a” or “b” (the phone's two copies of its system) */
      g_printerr (_("Slot %s is now active\n"), argv[1]);
      return TRUE;
    }

  if (g_str_equal (cmd, "reboot"))
    {
      if (!need_args (argv, argc, 1, 2, "reboot [bootloader|fastboot|recovery]", error))
        return FALSE;
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (!ub_fastboot_client_reboot (client, argc > 1 ? argv[1] : NULL, cli->cancellable, error))
        return FALSE;
      g_printerr (_("The phone is restarting\n"));
      return TRUE;
    }

  if (g_str_equal (cmd, "reboot-bootloader"))
    {
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (!ub_fastboot_client_reboot (client, "bootloader", cli->cancellable, error))
        return FALSE;
      g_printerr (_("The phone is restarting\n"));
      return TRUE;
    }

  if (g_str_equal (cmd, "oem"))
    {
      g_autofree char *args = NULL;
      g_autofree char *value = NULL;
      if (!need_args (argv, argc, 2, G_MAXUINT, "oem ARGS…", error))
        return FALSE;
      args = g_strjoinv (" ", argv + 1);
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (!ub_fastboot_client_oem (client, args, &value, cli->cancellable, error))
        return FALSE;
      if (value != NULL && value[0] != '\0')
        g_print ("%s\n", value);
      return TRUE;
    }

  if (g_str_equal (cmd, "flashing"))
    {
      if (!need_args (argv, argc, 2, 2, "flashing lock|unlock", error))
        return FALSE;
      if ((client = open_client (cli, error)) == NULL)
        return FALSE;
      if (!ub_fastboot_client_flashing (client, argv[1], cli->cancellable, error))
        return FALSE;
      g_printerr (_("Done. If the phone asks, confirm on its screen with the volume and power keys.\n"));
      return TRUE;
    }

  if (g_str_equal (cmd, "inspect"))
    {
      const char *rom = NULL, *mode = NULL;
      gboolean json = FALSE;

      for (guint i = 1; i < argc; i++)
        {
          if (g_str_equal (argv[i], "--json"))
            json = TRUE;
          else if (g_str_equal (argv[i], "--mode") && i + 1 < argc)
            mode = argv[++i];
          else if (g_str_has_prefix (argv[i], "--mode="))
            mode = argv[i] + strlen ("--mode=");
          else if (argv[i][0] != '-' && rom == NULL)
            rom = argv[i];
          else
            return need_args (argv, 0, 1, 0, "inspect ROM [--mode MODE] [--json]", error);
        }
      if (rom == NULL)
        return need_args (argv, 0, 1, 0, "inspect ROM [--mode MODE] [--json]", error);
      return ub_cli_rom_inspect (rom, mode, json, cli->progress, cli->cancellable, error);
    }

  if (g_str_equal (cmd, "flash-rom"))
    {
      static const char *usage = "flash-rom ROM --mode clean-all|keep-data|clean-all-lock "
                                 "[--yes] [--allow-lock] [--resume] [--json]";
      UbCliRomOptions opt = { 0 };

      for (guint i = 1; i < argc; i++)
        {
          if (g_str_equal (argv[i], "--json"))
            opt.json = TRUE;
          else if (g_str_equal (argv[i], "--yes") || g_str_equal (argv[i], "-y"))
            opt.yes = TRUE;
          else if (g_str_equal (argv[i], "--allow-lock"))
            opt.allow_lock = TRUE;
          else if (g_str_equal (argv[i], "--resume"))
            opt.resume = TRUE;
          else if (g_str_equal (argv[i], "--mode") && i + 1 < argc)
            opt.mode = argv[++i];
          else if (g_str_has_prefix (argv[i], "--mode="))
            opt.mode = argv[i] + strlen ("--mode=");
          else if (argv[i][0] != '-' && opt.rom == NULL)
            opt.rom = argv[i];
          else
            return need_args (argv, 0, 1, 0, usage, error);
        }
      if (opt.rom == NULL)
        return need_args (argv, 0, 1, 0, usage, error);
      opt.address = cli->address;
      opt.timeout_s = cli->timeout_s;
      opt.stop = cli->cancellable;
      opt.abort = cli->abort;
      opt.progress = cli->progress;
      return ub_cli_rom_flash (&opt, error);
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
               /* TRANSLATORS: keep unbrick-cli --help: it is a command to type */
               _("Unknown command “%s”; see unbrick-cli --help"), cmd);
  return FALSE;
}

/* `unbrick-cli --demo` without a command: a short tour on the emulated phone. */
static gboolean
run_demo_tour (Cli     *cli,
               GError **error)
{
  g_autofree char *image = NULL;

  /* TRANSLATORS: %s: a network address; alioth is a phone's codename */
  g_print (_("Demo: an emulated Xiaomi phone (alioth) is listening at %s\n"), cli->address);
  image = ub_cli_demo_make_image (cli->demo, 96 * 1024 * 1024, error);
  if (image == NULL)
    return FALSE;
  {
    const char *product[] = { "getvar", "product", NULL };
    const char *unlocked[] = { "getvar", "unlocked", NULL };
    const char *slot[] = { "getvar", "current-slot", NULL };
    const char *flash[] = { "flash", "boot", image, NULL };
    const char *active[] = { "set-active", "a", NULL };
    const char *reboot[] = { "reboot", NULL };
    const struct { const char **argv; guint argc; } steps[] = {
      { product, 2 }, { unlocked, 2 }, { slot, 2 }, { flash, 3 }, { active, 2 }, { reboot, 1 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
      {
        g_autofree char *line = g_strjoinv (" ", (char **) steps[i].argv);
        g_print ("\n$ unbrick-cli %s\n", line);
        if (!run_command (cli, (char **) steps[i].argv, steps[i].argc, error))
          return FALSE;
      }
  }
  /* TRANSLATORS: keep the command: it is typed as it is */
  g_print (_("\nDone. Try: unbrick-cli --demo getvar all\n"));
  return TRUE;
}

/* The first Ctrl+C cancels (flash-rom: stops at a safe point), the second one aborts. */
static gboolean
on_sigint (gpointer user_data)
{
  Cli *cli = user_data;

  if (g_cancellable_is_cancelled (cli->cancellable))
    g_cancellable_cancel (cli->abort);
  g_cancellable_cancel (cli->cancellable);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  Cli        *cli;
  char      **argv;
  guint       argc;
  gboolean    ok;
  GError     *error;
  GMainLoop  *loop;
} Run;

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Commands run on a worker thread so that the main loop can handle Ctrl+C. */
static gpointer
run_thread (gpointer user_data)
{
  Run *run = user_data;

  if (run->argc == 0)
    run->ok = run_demo_tour (run->cli, &run->error);
  else
    run->ok = run_command (run->cli, run->argv, run->argc, &run->error);
  /* queued, never run here: the main thread may not be in the loop yet */
  g_idle_add (quit_loop, run->loop);
  return NULL;
}

static const char *description =
  /* TRANSLATORS: the commands and options (devices, --json, getvar, NAME, PARTITION…) are
   * typed as they are: translate only the descriptions, keep the first column and keep the
   * descriptions starting at the same column (35) */
  N_("Commands:\n"
     "  devices [--json]                 list connected phones in fastboot mode\n"
     "  getvar NAME|all                  read a device variable\n"
     "  flash PARTITION FILE             write an image (raw or sparse) to a partition\n"
     "      [--disable-verity] [--disable-verification]\n"
     "                                   (vbmeta) turn off AVB checks, like fastboot\n"
     "  erase PARTITION                  erase a partition\n"
     "  set-active SLOT                  make slot a or b active\n"
     "  reboot [bootloader|fastboot|recovery]\n"
     "  oem ARGS…                        send a vendor command\n"
     "  flashing lock|unlock             lock or unlock the bootloader\n"
     "  inspect ROM [--mode M] [--json]  show what a Xiaomi fastboot ROM is for and what it does\n"
     "  flash-rom ROM --mode M [--yes] [--json] [--resume] [--allow-lock]\n"
     "                                   check everything, then flash a Xiaomi fastboot ROM;\n"
     "                                   M: clean-all, keep-data or clean-all-lock\n"
     "  download URL [--md5 HEX] [--dir DIR]  download an official ROM (resumable)\n"
     "\n"
     "Devices: -s SERIAL, -s usb:BUS-PORT or -s tcp:HOST[:PORT] (port 5554 by default).\n");

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) abort_cancellable = g_cancellable_new ();
  g_autofree char *address = NULL;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  gint timeout_s = 0;
  gboolean demo = FALSE;
  g_autoptr(UbCliDemo) demo_phone = NULL;
  Cli cli = { 0 };
  /* the tests run uninstalled, with the build tree's catalogues (build/po) */
  const char *localedir = g_getenv ("UNBRICK_LOCALEDIR");
  const GOptionEntry entries[] = {
    { "serial", 's', 0, G_OPTION_ARG_STRING, &address,
      /* TRANSLATORS: help of -s DEVICE; keep usb: and tcp: */
      N_("Use the device with this serial, usb: path or tcp: address"), N_("DEVICE") },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s,
      N_("Give up when the phone neither answers nor takes data for this long "
         "(default: 30 s while sending, 120 s for a write)"), N_("SECONDS") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo,
      N_("Use an emulated phone inside this program (no phone needed)"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Show protocol traffic"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Show the version"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* TRANSLATORS: after “unbrick-cli [OPTION…]” in --help: a command and its arguments */
  context = g_option_context_new (_("COMMAND [ARGS…]"));
  g_option_context_set_summary (context, _("Talk to Android phones in fastboot mode."));
  g_option_context_set_description (context, _(description));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("unbrick-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (argc < 2 && !demo)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return 2;
    }
  /* the fastboot trace alone, unless G_MESSAGES_DEBUG asks for other domains */
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "Unbrick-Protocol", FALSE);
  /* debug messages on stderr: stdout carries the results (and --json) */
  g_log_writer_default_set_use_stderr (TRUE);
  if (address == NULL && !demo && g_getenv ("ANDROID_SERIAL") != NULL)
    address = g_strdup (g_getenv ("ANDROID_SERIAL"));

  if (timeout_s < 0 || timeout_s > 24 * 3600)
    {
      g_printerr (_("The timeout must be between 1 and 86400 seconds\n"));
      return 2;
    }
  if (demo)
    {
      if (address != NULL)
        {
          /* TRANSLATORS: keep --demo and -s */
          g_printerr (_("--demo and -s cannot be used together\n"));
          return 2;
        }
      demo_phone = ub_cli_demo_start (&error);
      if (demo_phone == NULL)
        {
          g_printerr (_("Error: could not start the emulated phone: %s\n"), error->message);
          return 1;
        }
      g_free (address);
      address = g_strdup (ub_cli_demo_get_address (demo_phone));
    }
  cli.demo = demo_phone;
  cli.address = address;
  cli.timeout_s = timeout_s;
  cli.verbose = verbose;
  cli.cancellable = cancellable;
  cli.abort = abort_cancellable;
  cli.progress = ub_cli_progress_new (isatty (STDERR_FILENO));
  g_unix_signal_add (SIGINT, on_sigint, &cli);
  g_unix_signal_add (SIGTERM, on_sigint, &cli);

  {
    g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
    Run run = { &cli, argv + 1, argc - 1, FALSE, NULL, loop };
    GThread *thread = g_thread_new ("unbrick-cli", run_thread, &run);

    g_main_loop_run (loop);
    g_thread_join (thread);
    if (!run.ok)
      g_propagate_error (&error, run.error);
  }
  if (error != NULL)
    {
      ub_cli_progress_free (cli.progress);
      print_error (error, cli.address);
      return g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE) ||
             g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION) ? 2 : 1;
    }
  ub_cli_progress_free (cli.progress);
  return 0;
}

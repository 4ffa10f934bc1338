/* SPDX-License-Identifier: GPL-3.0-or-later */
/* unbrick-cli: the Unbrick engine from a terminal, for scripting and tests. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ub-advice.h"
#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-fastboot-protocol.h"
#include "ub-sparse-image.h"
#include "ub-vbmeta.h"
#include "ub-cli-progress.h"
#include "ub-cli-demo.h"
#include "ub-cli-devices.h"
#include "ub-cli-rom.h"
#include "ub-cli-download.h"
#include "ub-cli-find-rom.h"
#include "ub-cli-recovery.h"

typedef struct {
  UbCliDemo     *demo;
  const char    *address;
  guint          timeout_s;
  gboolean       verbose;
  GCancellable  *cancellable;
  GCancellable  *abort;        /* a second Ctrl+C */
  UbCliProgress *progress;
  UbAdviceContext advice;      /* what the advice of a failed command is about */
} Cli;

static void
print_error (const GError    *error,
             const char      *address,
             UbAdviceContext  context)
{
  g_autofree char *advice = ub_advice_for_error (error, address, context);

  g_printerr (_("Error: %s\n"), error->message);
  if (advice == NULL)
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_printerr ("%s\n", advice);
  else
    g_printerr (_("Next step: %s\n"), advice);
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

/* ---- the commands ---------------------------------------------------------- */

/* The options a command may take (UbCliCommand.options). */
typedef enum {
  OPT_JSON       = 1 << 0,
  OPT_MODE       = 1 << 1,
  OPT_YES        = 1 << 2,
  OPT_ALLOW_LOCK = 1 << 3,
  OPT_RESUME     = 1 << 4,
  OPT_VBMETA     = 1 << 5,
  OPT_MD5        = 1 << 6,
  OPT_DIR        = 1 << 7,
  OPT_SERIAL     = 1 << 8,
  OPT_PRODUCT    = 1 << 9,   /* --product and --region */
  OPT_ALL        = 1 << 10,
  OPT_LATEST     = 1 << 11,
  OPT_RECOVERY_LATEST = 1 << 12,  /* recovery install --latest */
} CmdOption;

/* One command line after its options were taken out. */
typedef struct {
  char     **args;         /* the positional arguments; args[0] is the command */
  guint      n_args;
  gboolean   json;
  gboolean   yes;
  gboolean   allow_lock;
  gboolean   resume;
  gboolean   disable_verity;
  gboolean   disable_verification;
  char      *mode;
  char      *md5;
  char      *dir;
  char      *serial;
  char      *product;
  char      *region;
  gboolean   all;
  gboolean   latest;
} CmdArgs;

typedef struct _UbCliCommand UbCliCommand;
typedef gboolean (*UbCliCommandFunc) (Cli                *cli,
                                      const UbCliCommand *cmd,
                                      CmdArgs            *a,
                                      GError            **error);

/* A row of the command table: --help, the usage errors and the dispatch come from it. */
struct _UbCliCommand {
  const char       *name;
  const char       *alias;        /* also accepted, not listed */
  const char       *arguments;    /* typed as they are: not translated */
  const char       *description;  /* one line, N_() */
  guint             min_args;     /* positional arguments after the command */
  guint             max_args;
  CmdOption         options;
  gboolean          raw;          /* the arguments go to the phone as they are (oem) */
  UbCliCommandFunc  func;
};

static gboolean
usage_error (const UbCliCommand *cmd,
             GError            **error)
{
  g_autofree char *usage = g_strconcat (cmd->name, cmd->arguments[0] != '\0' ? " " : "",
                                        cmd->arguments, NULL);

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("Usage: unbrick-cli %s"), usage);
  return FALSE;
}

static gboolean
check_partition (const char *name,
                 GError    **error)
{
  if (ub_fastboot_partition_name_is_valid (name))
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               /* TRANSLATORS: %s: what was typed where a partition name belongs; keep A-Z a-z 0-9 _ - . */
               _("“%s” is not a partition name (up to 35 of A-Z a-z 0-9 _ - .)"), name);
  return FALSE;
}

static gboolean
cmd_devices (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  return ub_cli_devices_print (a->json, error);
}

/* find-rom and download --latest: the phone is -s (after the command or before it), or --product. */
static void
find_rom_options (Cli                 *cli,
                  CmdArgs             *a,
                  UbCliFindRomOptions *opt)
{
  opt->address = a->serial != NULL ? a->serial : cli->address;
  opt->product = a->product;
  opt->region = a->region;
  opt->all = a->all;
  opt->json = a->json;
  opt->dir = a->dir;
  opt->timeout_s = cli->timeout_s;
  opt->demo = cli->demo;
  opt->progress = cli->progress;
  opt->cancellable = cli->cancellable;
}

static gboolean
cmd_download (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  UbCliFindRomOptions opt = { 0 };

  if (!a->latest)
    {
      if (a->n_args != 2 || a->serial != NULL || a->product != NULL || a->region != NULL)
        return usage_error (cmd, error);
      return ub_cli_download (a->args[1], a->md5, a->dir, cli->progress, cli->cancellable, error);
    }
  if (a->n_args != 1 || a->md5 != NULL || (a->serial != NULL && a->product != NULL))
    return usage_error (cmd, error);
  find_rom_options (cli, a, &opt);
  return ub_cli_download_latest (&opt, error);
}

static gboolean
cmd_find_rom (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  UbCliFindRomOptions opt = { 0 };

  if (a->serial != NULL && a->product != NULL)
    return usage_error (cmd, error);
  find_rom_options (cli, a, &opt);
  return ub_cli_find_rom (&opt, error);
}

static gboolean
cmd_getvar (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  g_autoptr(UbFastbootClient) client = NULL;

  if ((client = open_client (cli, error)) == NULL)
    return FALSE;
  if (g_str_equal (a->args[1], "all"))
    {
      g_auto(GStrv) lines = NULL;
      /* the INFO signal already printed every line */
      lines = ub_fastboot_client_getvar_all (client, cli->cancellable, error);
      return lines != NULL;
    }
  else
    {
      g_autofree char *value = ub_fastboot_client_getvar (client, a->args[1], cli->cancellable, error);
      if (value == NULL)
        return FALSE;
      g_print ("%s: %s\n", a->args[1], value);
      return TRUE;
    }
}

static gboolean
cmd_flash (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(UbFastbootClient) client = NULL;
  g_autoptr(UbSparseImage) image = NULL;
  const char *partition = a->args[1];
  const char *file = a->args[2];
  guint vbmeta_flags = 0;

  if (a->disable_verity)
    vbmeta_flags |= ub_vbmeta_flag_from_option ("--disable-verity");
  if (a->disable_verification)
    vbmeta_flags |= ub_vbmeta_flag_from_option ("--disable-verification");
  if (!check_partition (partition, error))
    return FALSE;
  if (vbmeta_flags != 0 && !ub_vbmeta_partition_takes_flags (partition))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--disable-verity and --disable-verification change only the "
                             "partitions vbmeta, vbmeta_a and vbmeta_b."));
      return FALSE;
    }
  /* the image is read (and, with the options, checked) before the phone is opened */
  image = ub_sparse_image_new_from_path (file, error);
  if (image == NULL)
    return FALSE;
  if (vbmeta_flags != 0 && !ub_sparse_image_set_vbmeta_flags (image, vbmeta_flags, error))
    {
      g_prefix_error (error, "%s: ", file);
      return FALSE;
    }
  if ((client = open_client (cli, error)) == NULL)
    return FALSE;
  if (!ub_fastboot_client_flash_image (client, partition, image, on_flash_progress, cli, NULL,
                                       cli->cancellable, error))
    {
      ub_cli_progress_clear (cli->progress);
      return FALSE;
    }
  ub_cli_progress_finish (cli->progress);
  /* TRANSLATORS: %s: a partition name; %.1f s: seconds */
  g_printerr (_("Flashed “%s” in %.1f s\n"), partition, (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

static gboolean
cmd_erase (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  g_autoptr(UbFastbootClient) client = NULL;

  if (!check_partition (a->args[1], error))
    return FALSE;
  if ((client = open_client (cli, error)) == NULL)
    return FALSE;
  if (!ub_fastboot_client_erase (client, a->args[1], cli->cancellable, error))
    return FALSE;
  /* TRANSLATORS: %s: a partition name */
  g_printerr (_("Erased “%s”\n"), a->args[1]);
  return TRUE;
}

static gboolean
cmd_set_active (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  g_autoptr(UbFastbootClient) client = NULL;

  if ((client = open_client (cli, error)) == NULL)
    return FALSE;
  if (!ub_fastboot_client_set_active (client, a->args[1], cli->cancellable, error))
    return FALSE;
  /* TRANSLATORS: %s: a slot letter, “a” or “b” (the phone's two copies of its system) */
  g_printerr (_("Slot %s is now active\n"), a->args[1]);
  return TRUE;
}

static gboolean
cmd_reboot (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  g_autoptr(UbFastbootClient) client = NULL;
  const char *target = a->n_args > 1 ? a->args[1] : NULL;

  if (g_str_equal (cmd->name, "reboot-bootloader"))
    target = "bootloader";
  if ((client = open_client (cli, error)) == NULL)
    return FALSE;
  if (!ub_fastboot_client_reboot (client, target, cli->cancellable, error))
    return FALSE;
  g_printerr (_("The phone is restarting\n"));
  return TRUE;
}

static gboolean
cmd_oem (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  g_autoptr(UbFastbootClient) client = NULL;
  g_autofree char *args = g_strjoinv (" ", a->args + 1);
  g_autofree char *value = NULL;

  if ((client = open_client (cli, error)) == NULL)
    return FALSE;
  if (!ub_fastboot_client_oem (client, args, &value, cli->cancellable, error))
    return FALSE;
  if (value != NULL && value[0] != '\0')
    g_print ("%s\n", value);
  return TRUE;
}

static gboolean
cmd_flashing (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  g_autoptr(UbFastbootClient) client = NULL;

  if ((client = open_client (cli, error)) == NULL)
    return FALSE;
  if (!ub_fastboot_client_flashing (client, a->args[1], cli->cancellable, error))
    return FALSE;
  g_printerr (_("Done. If the phone asks, confirm on its screen with the volume and power keys.\n"));
  return TRUE;
}

static gboolean
cmd_inspect (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  return ub_cli_rom_inspect (a->args[1], a->mode, a->json, cli->progress, cli->cancellable, error);
}

static gboolean
cmd_flash_rom (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  UbCliRomOptions opt = { 0 };

  opt.rom = a->args[1];
  opt.mode = a->mode;
  opt.json = a->json;
  opt.yes = a->yes;
  opt.allow_lock = a->allow_lock;
  opt.resume = a->resume;
  opt.address = cli->address;
  opt.timeout_s = cli->timeout_s;
  opt.stop = cli->cancellable;
  opt.abort = cli->abort;
  opt.progress = cli->progress;
  return ub_cli_rom_flash (&opt, error);
}

static gboolean
cmd_recovery (Cli *cli, const UbCliCommand *cmd, CmdArgs *a, GError **error)
{
  UbCliRecoveryOptions opt = { 0 };
  gboolean ok;

  if (a->serial != NULL && cli->demo != NULL)
    {
      /* TRANSLATORS: keep --demo and -s */
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--demo and -s cannot be used together"));
      return FALSE;
    }
  opt.action = a->args[1];
  opt.argument = a->n_args > 2 ? a->args[2] : NULL;
  opt.address = a->serial != NULL ? a->serial : cli->demo != NULL ? NULL : cli->address;
  opt.dir = a->dir;
  opt.latest = a->latest;
  opt.json = a->json;
  opt.yes = a->yes;
  opt.timeout_s = cli->timeout_s;
  opt.demo = cli->demo;
  opt.progress = cli->progress;
  opt.stop = cli->cancellable;
  ok = ub_cli_recovery (&opt, error);
  cli->advice = opt.advice;
  return ok;
}

/* In the order --help lists them. */
static const UbCliCommand commands[] = {
  { "devices", NULL, "[--json]",
    N_("list connected phones in fastboot mode"), 0, 0, OPT_JSON, FALSE, cmd_devices },
  { "getvar", NULL, "NAME|all",
    N_("read a device variable"), 1, 1, 0, FALSE, cmd_getvar },
  { "flash", NULL, "PARTITION FILE [--disable-verity] [--disable-verification]",
    N_("write an image (raw or sparse) to a partition"), 2, 2, OPT_VBMETA, FALSE, cmd_flash },
  { "erase", NULL, "PARTITION",
    N_("erase a partition"), 1, 1, 0, FALSE, cmd_erase },
  { "set-active", "set_active", "SLOT",
    N_("make slot a or b active"), 1, 1, 0, FALSE, cmd_set_active },
  { "reboot", NULL, "[bootloader|fastboot|recovery]",
    N_("restart the phone (into Android, or the mode named)"), 0, 1, 0, FALSE, cmd_reboot },
  { "reboot-bootloader", NULL, "",
    N_("restart the phone into its bootloader"), 0, 0, 0, FALSE, cmd_reboot },
  { "oem", NULL, "ARGS…",
    N_("send a vendor command"), 1, G_MAXUINT, 0, TRUE, cmd_oem },
  { "flashing", NULL, "lock|unlock",
    N_("lock or unlock the bootloader"), 1, 1, 0, FALSE, cmd_flashing },
  { "inspect", NULL, "ROM [--mode MODE] [--json]",
    N_("show what a Xiaomi fastboot ROM is for and what it does"), 1, 1, OPT_MODE | OPT_JSON,
    FALSE, cmd_inspect },
  { "flash-rom", NULL,
    "ROM --mode clean-all|keep-data|clean-all-lock [--yes] [--allow-lock] [--resume] [--json]",
    N_("check everything, then flash a Xiaomi fastboot ROM"), 1, 1,
    OPT_MODE | OPT_YES | OPT_ALLOW_LOCK | OPT_RESUME | OPT_JSON, FALSE, cmd_flash_rom },
  { "find-rom", NULL, "[-s DEVICE | --product CODENAME] [--region REGION] [--all] [--json]",
    N_("list the official ROMs for a phone (newest first, per region)"), 0, 0,
    OPT_SERIAL | OPT_PRODUCT | OPT_ALL | OPT_JSON, FALSE, cmd_find_rom },
  { "download", NULL,
    "URL [--md5 HEX] [--dir DIR] | --latest (-s DEVICE | --product CODENAME) --region REGION [--dir DIR]",
    N_("download an official ROM (resumable)"), 0, 1, OPT_MD5 | OPT_DIR | OPT_LATEST, FALSE,
    cmd_download },
  { "recovery", NULL,
    "info|roms|install [ZIP|--latest]|wipe-data|reboot [system|bootloader|recovery] [--yes] [--json]",
    N_("a locked phone in Mi Assistant recovery: reinstall Xiaomi's system, factory reset"), 1, 2,
    OPT_JSON | OPT_YES | OPT_SERIAL | OPT_DIR | OPT_RECOVERY_LATEST, FALSE, cmd_recovery },
};

static const UbCliCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (name, commands[i].name) ||
        (commands[i].alias != NULL && g_str_equal (name, commands[i].alias)))
      return &commands[i];
  return NULL;
}

/* The command list of unbrick-cli --help: "  NAME ARGS", the description from column 35. */
static char *
commands_help (void)
{
  GString *out = g_string_new (_("Commands:"));

  g_string_append_c (out, '\n');
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *line = g_strconcat ("  ", commands[i].name,
                                           commands[i].arguments[0] != '\0' ? " " : "",
                                           commands[i].arguments, NULL);
      glong width = g_utf8_strlen (line, -1);

      g_string_append (out, line);
      if (width <= 33)
        g_string_append_printf (out, "%*s", (int) (35 - width), "");
      else
        g_string_append_printf (out, "\n%35s", "");
      g_string_append_printf (out, "%s\n", _(commands[i].description));
    }
  g_string_append_c (out, '\n');
  /* TRANSLATORS: keep -s, usb:, tcp:, SERIAL, BUS-PORT and HOST[:PORT]: they are typed */
  g_string_append (out, _("Devices: -s SERIAL, -s usb:BUS-PORT or -s tcp:HOST[:PORT] (port 5554 by default)."));
  g_string_append (out, _("\nSee unbrick-cli COMMAND --help for the options of a command."));
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* The options of @cmd: a GOptionContext of its own (with --help), options anywhere after it. */
static GOptionContext *
command_context (const UbCliCommand *cmd,
                 CmdArgs            *a,
                 gboolean           *help)
{
  const GOptionEntry all[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &a->json,
      N_("Print JSON (one object per line for flash-rom)"), NULL },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &a->mode,
      /* TRANSLATORS: keep clean-all, keep-data and clean-all-lock: they are typed */
      N_("clean-all, keep-data or clean-all-lock"), N_("MODE") },
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &a->yes, N_("Do not ask for confirmation"), NULL },
    { "allow-lock", 0, 0, G_OPTION_ARG_NONE, &a->allow_lock,
      N_("Allow clean-all-lock to lock the bootloader without asking"), NULL },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &a->resume,
      N_("Continue where an unfinished flash of this phone stopped"), NULL },
    { "disable-verity", 0, 0, G_OPTION_ARG_NONE, &a->disable_verity,
      N_("(vbmeta) turn off dm-verity, like fastboot"), NULL },
    { "disable-verification", 0, 0, G_OPTION_ARG_NONE, &a->disable_verification,
      N_("(vbmeta) turn off AVB verification, like fastboot"), NULL },
    { "md5", 0, 0, G_OPTION_ARG_STRING, &a->md5,
      N_("The MD5 from the download page, to check the file"), N_("HEX") },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &a->dir,
      N_("Save into this folder (default: Downloads)"), N_("DIR") },
    { "serial", 's', 0, G_OPTION_ARG_STRING, &a->serial,
      /* TRANSLATORS: help of -s DEVICE; keep usb: and tcp: */
      N_("Use the device with this serial, usb: path or tcp: address"), N_("DEVICE") },
    { "product", 0, 0, G_OPTION_ARG_STRING, &a->product,
      N_("The phone's code name (what getvar product answers), instead of asking the phone"),
      N_("CODENAME") },
    { "region", 0, 0, G_OPTION_ARG_STRING, &a->region,
      /* TRANSLATORS: keep global, eea, cn, in, ru, id, tr, tw, jp, kr: they are typed */
      N_("Only this region: global, eea, cn, in, ru, id, tr, tw, jp or kr"), N_("REGION") },
    { "all", 0, 0, G_OPTION_ARG_NONE, &a->all,
      N_("Every version, betas and special editions too"), NULL },
    { "latest", 0, 0, G_OPTION_ARG_NONE, &a->latest,
      N_("The newest stable fastboot ROM of the phone's model for --region"), NULL },
    { "latest", 0, 0, G_OPTION_ARG_NONE, &a->latest,
      N_("Download the newest ROM Xiaomi offers for the phone, then install it"), NULL },
  };
  const CmdOption bits[] = {
    OPT_JSON, OPT_MODE, OPT_YES, OPT_ALLOW_LOCK, OPT_RESUME, OPT_VBMETA, OPT_VBMETA, OPT_MD5, OPT_DIR,
    OPT_SERIAL | OPT_LATEST, OPT_PRODUCT | OPT_LATEST, OPT_PRODUCT | OPT_LATEST, OPT_ALL, OPT_LATEST,
    OPT_RECOVERY_LATEST,
  };
  GOptionEntry entries[G_N_ELEMENTS (all) + 2];
  g_autofree char *parameters = g_strconcat (cmd->name, cmd->arguments[0] != '\0' ? " " : "",
                                             cmd->arguments, NULL);
  GOptionContext *context = g_option_context_new (parameters);
  guint n = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (all) == G_N_ELEMENTS (bits));
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    if (cmd->options & bits[i])
      entries[n++] = all[i];
  entries[n++] = (GOptionEntry) { "help", 'h', 0, G_OPTION_ARG_NONE, help,
                                  N_("Show the options of this command"), NULL };
  entries[n] = (GOptionEntry) { NULL };
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_summary (context, _(cmd->description));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return context;
}

static void
cmd_args_clear (CmdArgs *a)
{
  g_strfreev (a->args);
  g_free (a->mode);
  g_free (a->md5);
  g_free (a->dir);
  g_free (a->serial);
  g_free (a->product);
  g_free (a->region);
}

static gboolean
run_command (Cli     *cli,
             char   **argv,
             guint    argc,
             GError **error)
{
  const UbCliCommand *cmd = find_command (argv[0]);
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) local = NULL;
  CmdArgs a = { 0 };
  gboolean help = FALSE;
  gboolean ok;

  if (cmd == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                   /* TRANSLATORS: keep unbrick-cli --help: it is a command to type */
                   _("Unknown command “%s”; see unbrick-cli --help"), argv[0]);
      return FALSE;
    }
  context = command_context (cmd, &a, &help);
  a.args = g_new0 (char *, argc + 1);
  for (guint i = 0; i < argc; i++)
    a.args[i] = g_strdup (argv[i]);
  if (cmd->raw)
    help = argc == 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"));
  /* the strv variant frees the arguments it consumes */
  else if (!g_option_context_parse_strv (context, &a.args, &local))
    {
      g_autofree char *usage = NULL;

      usage_error (cmd, error);
      usage = g_strdup_printf ("%s\n%s", local->message, (*error)->message);
      g_free ((*error)->message);
      (*error)->message = g_steal_pointer (&usage);
      cmd_args_clear (&a);
      return FALSE;
    }
  if (help)
    {
      g_autofree char *text = g_option_context_get_help (context, TRUE, NULL);
      g_print ("%s", text);
      cmd_args_clear (&a);
      return TRUE;
    }
  a.n_args = g_strv_length (a.args);
  if (a.n_args < 1 + cmd->min_args || a.n_args - 1 > cmd->max_args)
    {
      cmd_args_clear (&a);
      return usage_error (cmd, error);
    }
  ok = cmd->func (cli, cmd, &a, error);
  cmd_args_clear (&a);
  return ok;
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
  {
    g_autofree char *description = commands_help ();
    g_option_context_set_description (context, description);
  }
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
      print_error (error, cli.address, cli.advice);
      return g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE) ||
             g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION) ? 2 : 1;
    }
  ub_cli_progress_free (cli.progress);
  return 0;
}

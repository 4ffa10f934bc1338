/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ub-unpack-tool [--cache DIR] [--progress] [--prune N] ARCHIVE
 * Unpacks ARCHIVE with UbRomArchive and prints the unpack directory and the
 * archive MD5 (for the benchmark and for trying things by hand; not installed).
 */
#include <locale.h>
#include <stdio.h>

#include "ub-rom-archive.h"

static void
print_progress (guint64     done,
                guint64     total,
                const char *entry,
                gpointer    user_data)
{
  g_printerr ("%5.1f%% %s\n", total ? 100.0 * (double) done / (double) total : 100.0, entry ? entry : "");
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cache = NULL;
  gboolean progress = FALSE;
  int prune = -1;
  GOptionEntry entries[] = {
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache, "Cache folder", "DIR" },
    { "progress", 0, 0, G_OPTION_ARG_NONE, &progress, "Print progress", NULL },
    { "prune", 0, 0, G_OPTION_ARG_INT, &prune, "Afterwards keep only N unpacks", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("ARCHIVE");
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRomArchive) archive = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *md5 = NULL;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("%s\n", error ? error->message : "usage: ub-unpack-tool [--cache DIR] ARCHIVE");
      return 2;
    }
  archive = ub_rom_archive_new (argv[1], cache);
  dir = ub_rom_archive_unpack (archive, progress ? print_progress : NULL, NULL, NULL, &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  md5 = ub_rom_archive_dup_archive_md5 (dir);
  g_print ("%s\n%s\n", dir, md5);
  if (prune >= 0 && !ub_rom_archive_prune_cache (ub_rom_archive_get_cache_dir (archive), (guint) prune, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A ROM archive from fuzzed bytes (tar, gzip, zip, … as libarchive reads
 * them) unpacked by UbRomArchive into a throwaway cache folder: every entry
 * (names, types, sizes, links) goes through its validation. After each
 * input: the folder around the cache holds nothing but the archive and the
 * cache, and a failed unpack left nothing in the cache. The same bytes go
 * through the recovery ROM check (ub_recovery_zip_check, libarchive's
 * seekable ZIP reader), which fails only as documented.
 */
#include "config.h"

#include <string.h>

#include "ub-fuzz.h"
#include "ub-recovery-zip.h"
#include "ub-rom-archive.h"
#include "ub-rom-error.h"

static char *root;        /* holds only "rom.tgz" and "cache" */
static char *archive_path;
static char *cache_dir;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  root = g_build_filename (ub_fuzz_tmp_dir (), "archive", NULL);
  archive_path = g_build_filename (root, "rom.tgz", NULL);
  cache_dir = g_build_filename (root, "cache", NULL);
  return 0;
}

/* Only what is expected at @dir's top level; TRUE when @dir is empty. */
static gboolean
check_only (const char *dir, const char *const *allowed)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  gboolean empty = TRUE;

  if (d == NULL)
    return TRUE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (allowed != NULL && g_strv_contains (allowed, name))
        continue;
      empty = FALSE;
      if (allowed != NULL)
        g_error ("fuzz: the unpack left “%s” in %s", name, dir);
    }
  return empty;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const top[] = { "rom.tgz", "cache", NULL };
  g_autoptr(UbRomArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;

  if (root == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  ub_fuzz_write_file (archive_path, data, size);
  g_mkdir_with_parents (cache_dir, 0700);

  archive = ub_rom_archive_new (archive_path, cache_dir);
  dir = ub_rom_archive_unpack (archive, NULL, NULL, NULL, &error);
  if (dir == NULL)
    {
      g_assert_nonnull (error);
      g_assert_cmpuint (strlen (error->message), >, 0);
      /* on any error nothing of this unpack is left in the cache */
      if (!check_only (cache_dir, NULL))
        g_error ("fuzz: a failed unpack (%s) left files in the cache", error->message);
    }
  else
    {
      g_autoptr(GHashTable) digests = ub_rom_archive_load_digests (dir);

      g_assert_true (g_str_has_prefix (dir, cache_dir));
      g_assert_nonnull (digests);
    }
  check_only (root, top);
  ub_fuzz_remove_tree (cache_dir);

  {
    g_autoptr(GError) zip_error = NULL;

    if (!ub_recovery_zip_check (archive_path, NULL, &zip_error))
      {
        g_assert_true (g_error_matches (zip_error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM) ||
                       g_error_matches (zip_error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE));
        g_assert_true (g_utf8_validate (zip_error->message, -1, NULL));
      }
    else
      g_assert_true (size >= 22 && memcmp (data, "PK\003\004", 4) == 0);
  }
  return 0;
}

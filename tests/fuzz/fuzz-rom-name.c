/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Xiaomi ROM file names from fuzzed text, one per line (a name, a path or a
 * URL, as catalogs and users give them): ub_rom_name_parse() and what it promises about each
 * field, then the region and MD5 helpers on the same text.
 */
#include "config.h"

#include <string.h>

#include "ub-fuzz.h"
#include "ub-rom-name.h"
#include "ub-rom-region.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  return 0;
}

static void
assert_lower_hex (const char *s,
                  gsize       len)
{
  g_assert_cmpuint (strlen (s), ==, len);
  for (const char *p = s; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
}

static void
check_name (const char *text)
{
  g_autoptr(UbRomNameInfo) info = NULL;
  g_autofree char *md5 = NULL;

  md5 = ub_rom_name_dup_md5_prefix (text);
  if (md5 != NULL)
    assert_lower_hex (md5, 10);
  ub_rom_name_is_archive (text);
  ub_rom_region_get_name (ub_rom_region_from_string (text));
  ub_rom_region_to_key (ub_rom_region_from_build_code (text));

  info = ub_rom_name_parse (text);
  if (info == NULL)
    return;
  /* a name is a ROM name because it has a build */
  g_assert_nonnull (info->version);
  g_assert_nonnull (info->file_name);
  g_assert_null (strchr (info->file_name, '/'));
  g_assert_cmpuint (info->package, <=, UB_ROM_PACKAGE_RECOVERY);
  if (info->codename != NULL)
    {
      g_assert_cmpstr (info->codename, !=, "");
      for (const char *p = info->codename; *p != '\0'; p++)
        g_assert_false (g_ascii_isupper (*p));
    }
  if (info->region_code != NULL)
    {
      g_assert_cmpuint (strlen (info->region_code), ==, 2);
      ub_rom_region_from_build_code (info->region_code);
      ub_rom_name_region_name (info->region_code);
    }
  if (info->date != NULL)
    {
      /* "YYYY-MM-DD" */
      g_assert_cmpuint (strlen (info->date), ==, 10);
      g_assert_true (info->date[4] == '-' && info->date[7] == '-');
    }
  if (info->md5_prefix != NULL)
    assert_lower_hex (info->md5_prefix, 10);
  if (info->region_word != NULL)
    ub_rom_region_from_string (info->region_word);
}

/* One name per line (a lone name is one line). */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (size > 64 * 1024)
    return 0;
  text = g_strndup ((const char *) data, size);   /* up to the first NUL */
  lines = g_strsplit (text, "\n", 1000);
  for (gsize i = 0; lines[i] != NULL; i++)
    check_name (lines[i]);
  return 0;
}

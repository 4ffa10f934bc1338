/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The ROM catalog's sources from fuzzed bytes: UB_FUZZ_SOURCE 0 = latest.yml
 * (ub_rom_catalog_load_latest), 1 = HyperData's JSON (load_history), 2 = file
 * names, one per line (ub_rom_name_parse). What was merged is then queried
 * with every flag combination, its model name and URLs built.
 */
#include "config.h"

#include <string.h>

#include "ub-fuzz.h"
#include "ub-rom-catalog.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  return 0;
}

#if UB_FUZZ_SOURCE != 2
static void
query (UbRomCatalog *catalog,
       const char   *product)
{
  const char *mirrors[] = { "https://a.example", NULL };
  g_autofree char *model = ub_rom_catalog_dup_model_name (catalog, product);

  for (guint flags = 0; flags < 16; flags++)
    {
      g_autoptr(GPtrArray) found = ub_rom_catalog_find (catalog, product, flags);
      g_autoptr(UbRomRelease) latest = ub_rom_catalog_find_latest (catalog, product, UB_ROM_REGION_GLOBAL, flags);

      for (guint i = 0; i < found->len; i++)
        {
          g_auto(GStrv) urls = ub_rom_release_dup_urls (found->pdata[i], mirrors);

          g_assert (urls[0] != NULL);
          g_assert (ub_rom_release_get_size (found->pdata[i]) == 0
                    || ub_rom_release_get_size (found->pdata[i]) >= 1000000);
        }
    }
}
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);

#if UB_FUZZ_SOURCE == 2
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", 1000);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(UbRomNameInfo) info = ub_rom_name_parse (lines[i]);

      if (info != NULL)
        g_assert (info->version != NULL && strchr (info->file_name, '/') == NULL);
    }
#else
  g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok;

#if UB_FUZZ_SOURCE == 1
  ok = ub_rom_catalog_load_history (catalog, bytes, &error);
#else
  ok = ub_rom_catalog_load_latest (catalog, bytes, &error);
#endif
  g_assert (ok == (error == NULL));
  query (catalog, "houji");
  query (catalog, "alioth");
#endif
  return 0;
}
